#ifndef TIM_TSA_H
#define TIM_TSA_H

#include <stddef.h>
#include <time.h>

#include <stdint.h>

struct tim_buf;
struct tim_checkpoint;
struct tim_err;

/*
 * RFC 3161 time-stamp tokens over checkpoints, through OpenSSL's TS API.
 * The imprint is SHA-256 of the checkpoint note as stored (its text, the
 * blank line and every signature line, cosignatures included).
 */

#define TIM_TSA_RESP_MAX (256 * 1024)

struct tim_tsa_req {
	unsigned char digest[32];
	unsigned char nonce[16];	/* random, sent with the request */
	size_t nonce_len;
};

/* A TimeStampReq (SHA-256 imprint, nonce, certReq) in DER into der. */
int tim_tsa_request(const unsigned char digest[32], struct tim_tsa_req *req,
    struct tim_buf *der, struct tim_err *err);

struct tim_tsa_info {
	time_t gen_time;
	char serial[128];	/* hex */
	char tsa[256];		/* the signer's subject, one line */
	unsigned char digest[32];	/* the imprint */
};

/*
 * Checks a TimeStampResp in DER: granted, well formed, SHA-256 imprint,
 * and, when req is given, the imprint and nonce of that request. With
 * cafile (PEM: the TSA's certificate or the CA above it) the signature and
 * the chain are checked too; without, they are not and *chain is 0.
 * A token that fails is TIM_ERR_REFUSED.
 */
int tim_tsa_verify(const unsigned char *der, size_t len,
    const struct tim_tsa_req *req, const unsigned char digest[32],
    const char *cafile, struct tim_tsa_info *info, struct tim_err *err);

/* The imprint of a response, without checking anything else. */
int tim_tsa_imprint(const unsigned char *der, size_t len,
    unsigned char digest[32], struct tim_err *err);

/* The imprint of a checkpoint: SHA-256 of its text, LF, its signature lines. */
int tim_tsa_checkpoint_digest(const struct tim_checkpoint *cp, unsigned char d[32]);

/* Where a ledger's tokens are kept: "LEDGER.stamps", malloc'd (NULL: no memory). */
char *tim_tsa_stamps_dir(const char *ledger);

/*
 * Keeps a token (DER) for the checkpoint of size with imprint d in
 * LEDGER.stamps/SIZE-HEX.tsr (-2, -3 ... beside an earlier one), never
 * over a file; name gets the path.
 */
int tim_tsa_store(const char *ledger, uint64_t size, const unsigned char d[32],
    const struct tim_buf *der, struct tim_buf *name, struct tim_err *err);

/* One stored token, checked (tim_tsa_check_stored). */
struct tim_tsa_stored {
	const char *file;	/* its name in LEDGER.stamps */
	int ok;
	uint64_t size;		/* ok: the size of the checkpoint it stamps */
	struct tim_tsa_info info;	/* ok */
	struct tim_err *err;	/* not ok: why */
};

/*
 * Checks every LEDGER.stamps/ *.tsr, in name order, offline: its imprint
 * must be one of the n checkpoints' and it must verify against cafile.
 * Calls fn for each. A missing folder is no token; -1 only for a folder
 * that cannot be read.
 */
int tim_tsa_check_stored(const char *ledger, const struct tim_checkpoint *cps,
    size_t n, const char *cafile, void (*fn)(const struct tim_tsa_stored *, void *),
    void *arg, struct tim_err *err);

#endif
