#ifndef TIM_HASH_H
#define TIM_HASH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tim_buf;
struct tim_err;

#define TIM_SHA256_LEN 32
#define TIM_SHA256_HEX (2 * TIM_SHA256_LEN + 1)

/*
 * A reusable SHA-256 context: one fetch of the algorithm, then cheap calls,
 * which matters when a ledger of millions of lines is hashed line by line.
 */
struct tim_sha256;

struct tim_sha256 *tim_sha256_new(void);
void tim_sha256_free(struct tim_sha256 *h);
int tim_sha256_init(struct tim_sha256 *h);
int tim_sha256_update(struct tim_sha256 *h, const void *data, size_t len);
int tim_sha256_final(struct tim_sha256 *h, unsigned char out[TIM_SHA256_LEN]);
/* init + update(a) + update(b) + final; b may be NULL. */
int tim_sha256_two(struct tim_sha256 *h, const void *a, size_t alen,
    const void *b, size_t blen, unsigned char out[TIM_SHA256_LEN]);

/* One-shot digest with a context of its own. */
int tim_sha256(const void *data, size_t len, unsigned char out[TIM_SHA256_LEN]);

/* Lowercase hex of n bytes into out, which holds 2n+1 bytes. */
void tim_hex(const unsigned char *in, size_t n, char *out);
/* The value of one hex digit, either case; -1 for anything else. */
int tim_hexval(int c);
/* Parses exactly 2n hex digits; -1 if anything else. */
int tim_unhex(const char *in, size_t n, unsigned char *out);

/* Standard base64 with padding, appended to b. */
int tim_base64_encode(struct tim_buf *b, const unsigned char *in, size_t n);
/*
 * Decodes standard padded base64 into out (at most max bytes); returns the
 * decoded length, or -1 if the text is not canonical base64 or too long.
 */
int tim_base64_decode(const char *in, size_t len, unsigned char *out,
    size_t max);

#ifdef __cplusplus
}
#endif

#endif
