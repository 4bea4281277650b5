#ifndef TIM_BER_H
#define TIM_BER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tim_buf;
struct tim_err;

/*
 * Just enough BER (X.690) to walk a CMS envelope as a stream: tag and length
 * headers read from a small window over any byte source, definite and
 * indefinite lengths, constructed OCTET STRINGs taken apart chunk by chunk.
 * The values themselves (RecipientInfos, AlgorithmIdentifiers, SignerInfos)
 * are captured as raw TLVs and handed to OpenSSL, which decodes them; this
 * module never interprets them.
 */

/* A byte source: read returns bytes read (> 0), 0 at the end, -1 on error. */
struct tim_src {
	ssize_t (*read)(void *ctx, void *buf, size_t n, struct tim_err *err);
	void *ctx;
};

#define TIM_BER_WINDOW	(64 * 1024)
#define TIM_BER_DEPTH	16	/* deepest nesting of chunked OCTET STRINGs */

struct tim_ber {
	struct tim_src src;
	unsigned char *win;	/* TIM_BER_WINDOW bytes */
	size_t pos, len;
	int eof;
	uint64_t off;		/* bytes consumed from the source */
	struct tim_err *err;
};

/* One header. */
struct tim_tl {
	int cls;		/* 0 universal, 1 application, 2 context, 3 private */
	int cons;		/* constructed */
	int indef;		/* indefinite length (then len is 0) */
	uint32_t tag;
	uint64_t len;
	unsigned char raw[16];	/* the header bytes */
	size_t hlen;
};

/* Where a constructed value ends: at an offset, or at its end-of-contents. */
struct tim_ber_frame {
	int indef;
	uint64_t end;
};

int tim_ber_init(struct tim_ber *r, struct tim_src src, struct tim_err *err);
void tim_ber_release(struct tim_ber *r);

/* Makes n (<= TIM_BER_WINDOW) bytes available; 0 ok, 1 short at the end, -1 error. */
int tim_ber_fill(struct tim_ber *r, size_t n);

/* Decodes a header from memory; 0 ok, -1 malformed or not all there. */
int tim_ber_parse_tl(const unsigned char *p, size_t avail, struct tim_tl *tl);

/* Reads the next header; -1 on a malformed header or early end. */
int tim_ber_next(struct tim_ber *r, struct tim_tl *tl);

/* Like next, and checks class, tag and form (cons: 0, 1, or -1 for either). */
int tim_ber_expect(struct tim_ber *r, struct tim_tl *tl, int cls, uint32_t tag,
    int cons, const char *what);

/* Peeks at the next header without consuming it; 1 when at the source's end. */
int tim_ber_peek(struct tim_ber *r, struct tim_tl *tl);

/* Enters a constructed value whose header was just read. */
void tim_ber_enter(struct tim_ber *r, const struct tim_tl *tl,
    struct tim_ber_frame *f);

/* 1 (and consumes an end-of-contents) when f is at its end, 0 if not, -1 error. */
int tim_ber_at_end(struct tim_ber *r, const struct tim_ber_frame *f);

/* Ends f, which must be at its end. */
int tim_ber_leave(struct tim_ber *r, const struct tim_ber_frame *f,
    const char *what);

/* Reads n value bytes into buf. */
int tim_ber_read(struct tim_ber *r, void *buf, size_t n);

/* Skips a whole value whose header was just read. */
int tim_ber_skip(struct tim_ber *r, const struct tim_tl *tl);

/*
 * Appends the whole TLV whose header was just read (header included) to out,
 * at most max bytes; indefinite lengths are followed down to their end.
 */
int tim_ber_capture(struct tim_ber *r, const struct tim_tl *tl,
    struct tim_buf *out, size_t max);

/* 1 when the source is exhausted, 0 if more bytes follow, -1 error. */
int tim_ber_at_eof(struct tim_ber *r);

/*
 * The content octets of an OCTET STRING (or an IMPLICIT one) whose header
 * was just read, primitive or constructed, delivered in order.
 */
struct tim_ber_octets {
	struct tim_ber *r;
	int depth;
	struct tim_ber_frame stack[TIM_BER_DEPTH];
	uint64_t left;		/* of the current primitive piece */
	int done;
};

int tim_ber_octets_open(struct tim_ber_octets *o, struct tim_ber *r,
    const struct tim_tl *tl);
/* Bytes read (> 0), 0 at the end of the string, -1 on error. */
ssize_t tim_ber_octets_read(struct tim_ber_octets *o, void *buf, size_t n);

/* DER writing: a header (len < 0: indefinite), a whole TLV, an end-of-contents. */
int tim_der_hdr(struct tim_buf *b, int cls, int cons, uint32_t tag, int64_t len);
int tim_der_tlv(struct tim_buf *b, int cls, int cons, uint32_t tag,
    const void *data, size_t len);
int tim_der_eoc(struct tim_buf *b, int n);

/* A source reading a file descriptor; ctx is a pointer to the int. */
ssize_t tim_src_fd_read(void *ctx, void *buf, size_t n, struct tim_err *err);

/* A source over memory (the fuzzer, tests). */
struct tim_src_mem {
	const unsigned char *p;
	size_t len;
};
ssize_t tim_src_mem_read(void *ctx, void *buf, size_t n, struct tim_err *err);

#endif
