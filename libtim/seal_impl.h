#ifndef TIM_SEAL_IMPL_H
#define TIM_SEAL_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <openssl/cms.h>
#include <openssl/evp.h>

#include "ber.h"
#include "buf.h"
#include "cms.h"

/*
 * Private to libtim's seal_*.c and seal*.c files, never installed: the
 * pieces of sealing and opening that one file hands to another. The public
 * interface is seal.h.
 */

struct tim_err;
struct tim_sha256;
struct tim_open_opts;
struct tim_seal_opts;

#define TIM_SEAL_CHUNK	(256 * 1024)	/* plaintext and ciphertext pieces */

/* The envelope up to its encrypted content (seal_header.c). */
struct tim_seal_head {
	int outer_nid;
	int aead;
	struct tim_buf version, originator, ris, ctype, alg;
	int ctype_nid;
	int cipher_nid;
	const EVP_CIPHER *cipher;
	unsigned char iv[16];
	size_t ivlen, taglen;
	struct tim_ber_frame fci, f0, fenv, feci;
	struct tim_tl content;
};

int tim_seal_oid_nid(const struct tim_buf *b);
/* After the content: the MAC (AuthEnvelopedData), attributes, the ends. */
int tim_seal_trailer(struct tim_ber *r, struct tim_seal_head *h,
    unsigned char *tag, struct tim_err *err);
const char *tim_seal_short_name(int nid);
void tim_seal_describe_head(const struct tim_seal_head *h, json_t *info);

/*
 * Recipients (seal_recipients.c). tim_seal_sort_recipients describes every
 * recipient into arr and collects the DER of the permitted ones into allowed
 * (if not NULL); *refusal is the first refusal's reason.
 */
int tim_seal_sort_recipients(const struct tim_seal_head *h, int allow_legacy,
    json_t *arr, struct tim_buf *allowed, const char **refusal,
    struct tim_err *err);
int tim_seal_recover_cek(const struct tim_seal_head *h,
    const struct tim_open_opts *o, const struct tim_buf *allowed,
    const char *refusal, unsigned char *cek, size_t *ceklen,
    struct tim_err *err);

/* The decrypted content as a byte source (seal_decrypt.c). */
struct tim_seal_dec {
	struct tim_ber *r;
	struct tim_seal_head *h;
	struct tim_ber_octets oct;
	EVP_CIPHER_CTX *c;
	unsigned char *in, *out;	/* TIM_SEAL_CHUNK, TIM_SEAL_CHUNK + 64 */
	size_t outpos, outlen;
	int done;
	uint64_t ct_bytes;
};

/* Where the plaintext goes, hashed and counted on the way. */
struct tim_seal_plain {
	int fd;
	struct tim_sha256 *h;
	uint64_t n, flushed;
	int regular;
};

/*
 * Starts writeback of what fd got since *flushed, every 32 MiB (a file
 * only): the fsync before the rename then waits for the last piece, not for
 * the whole file, so the disk writes while the CPU encrypts.
 */
void tim_seal_writeback(int fd, int regular, uint64_t written, uint64_t *flushed);

ssize_t tim_seal_dec_read(void *ctx, void *buf, size_t n, struct tim_err *err);

/*
 * The first bytes of the decrypted content held back, then the rest: lets
 * the opener look whether id-data content is a signed ContentInfo.
 */
struct tim_seal_peek {
	struct tim_seal_dec *d;
	unsigned char b[32];
	size_t pos, len;
};
/* Fills the peek buffer as far as the content goes; 1 when it is a signed ContentInfo. */
int tim_seal_peek_signed(struct tim_seal_peek *k, struct tim_seal_dec *d,
    struct tim_err *err);
ssize_t tim_seal_peek_read(void *ctx, void *buf, size_t n, struct tim_err *err);
int tim_seal_plain_write(struct tim_seal_plain *p, const void *buf, size_t n,
    struct tim_err *err);
/* Plain data content: all of it into p (buf has TIM_SEAL_CHUNK bytes). */
int tim_seal_copy_data(struct tim_seal_dec *d, struct tim_seal_plain *p,
    unsigned char *buf, struct tim_err *err);

/* Signed content (seal_verify.c). */
/*
 * A SignedData from src, wrapped in a ContentInfo (what tim and openssl
 * make) or bare (wrapped 0: what tim made before, under id-signedData).
 */
int tim_seal_copy_signed(struct tim_src src, int wrapped, struct tim_seal_plain *p,
    unsigned char *buf, struct tim_buf *head, struct tim_buf *tail,
    struct tim_err *err);
int tim_seal_verify_signed(const struct tim_buf *head,
    const struct tim_buf *tail, int fd, const char *ca, json_t *info,
    struct tim_err *err);

/* A tar or zip bundle from fd into dir (seal_extract.c); limit 0: 64 GiB. */
int tim_seal_extract_bundle(int fd, const char *dir, uint64_t limit,
    json_t *info, struct tim_err *err);

/*
 * The envelope as given: DER, PEM or an S/MIME message (sealin.c). A source
 * of the envelope's DER over src; with hash, the SHA-256 of every byte of
 * src, which tim_seal_in_finish reads to the end for.
 */
enum { TIM_SEAL_IN_DER, TIM_SEAL_IN_PEM, TIM_SEAL_IN_SMIME };
struct tim_seal_in {
	struct tim_src src;
	int format;
	unsigned char *raw, *dec;
	size_t rpos, rlen, dpos, dlen;
	int eof, b64_done, final_done;
	EVP_ENCODE_CTX *ctx;
	struct tim_sha256 *h;
	uint64_t raw_n;
};
int tim_seal_in_init(struct tim_seal_in *in, struct tim_src src, int hash,
    struct tim_err *err);
ssize_t tim_seal_in_read(void *ctx, void *buf, size_t n, struct tim_err *err);
const char *tim_seal_in_format(const struct tim_seal_in *in);
int tim_seal_in_finish(struct tim_seal_in *in, char hex[65], struct tim_err *err);
void tim_seal_in_release(struct tim_seal_in *in);

/* The envelope to read: a file, or stdin for "-" (sealopen.c). */
int tim_seal_open_input(const char *sealed, struct tim_err *err);

/*
 * Sealing is a chain of sinks (seal.c): each takes bytes, transforms them
 * and hands them to the next; finish flushes and finishes the next one.
 */
struct tim_seal_sink {
	int (*write)(struct tim_seal_sink *, const unsigned char *, size_t, struct tim_err *);
	int (*finish)(struct tim_seal_sink *, struct tim_err *);
};

/* SignedData framing: each write is one OCTET STRING piece of eContent. */
struct tim_seal_sign_sink {
	struct tim_seal_sink s;
	struct tim_seal_sink *next;
	CMS_ContentInfo *sd;
	BIO *chain;
	struct tim_buf pre;	/* version and digestAlgorithms as first encoded */
};

/* What tim_seal holds while it seals (seal.c). */
struct tim_seal_state {
	CMS_ContentInfo *cms, *sd;
	X509 **certs;
	X509 *signer;
	EVP_PKEY *skey;
	unsigned char cek[TIM_CMS_MAX_KEY];
	size_t ceklen;
	struct tim_buf ris;
	EVP_CIPHER_CTX *c;
	json_t *info;
};

int tim_seal_sink_write(struct tim_seal_sink *s, const void *p, size_t n,
    struct tim_err *err);
/* Writes b (whose building may have failed for memory). */
int tim_seal_sink_buf(struct tim_seal_sink *s, const struct tim_buf *b,
    struct tim_err *err);

/* Signing (seal_sign.c): the signer into st->skey, st->signer, st->sd. */
int tim_seal_make_signer(const struct tim_seal_opts *o,
    struct tim_seal_state *st, struct tim_err *err);
void tim_seal_sign_sink_init(struct tim_seal_sign_sink *g, CMS_ContentInfo *sd,
    struct tim_seal_sink *next);
/* The SignedData's header, written before the first content byte. */
int tim_seal_sign_start(struct tim_seal_sign_sink *g, struct tim_err *err);
void tim_seal_sign_sink_release(struct tim_seal_sign_sink *g);

/* Files and directories as one tar or zip into s (seal_bundle.c). */
int tim_seal_write_bundle(char *const *files, size_t nfiles, int zip,
    struct tim_seal_sink *s, size_t *count, struct tim_err *err);

#endif
