#ifndef TIM_WITNESS_H
#define TIM_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "merkle.h"
#include "note.h"

struct tim_buf;
struct tim_err;

/*
 * Witnesses: C2SP tlog-cosignature (Ed25519 cosignature/v1) and the
 * add-checkpoint call of C2SP tlog-witness.
 *
 *   cosigner key id   SHA-256(name || 0x0A || 0x04 || public key)[:4]
 *   verifier key      name+hex(key id)+base64(0x04 || public key)
 *   signer key file   PRIVATE+KEY+name+hex(key id)+base64(0x04 || seed)
 *   signed message    "cosignature/v1\ntime <unix>\n" || checkpoint body
 *   signature line    "— name base64(key id || u64be time || Ed25519 sig)"
 *
 *   request body      "old <size>\n", at most 63 base64 proof lines, "\n",
 *                     then the checkpoint note
 */

#define TIM_COSIG_ALG		0x04
#define TIM_WITNESS_PROOF_MAX	63
#define TIM_WITNESS_BODY_MAX	(64 * 1024)
#define TIM_WITNESS_LOGS_MAX	64

/* Cosigner keys: tim_signer and tim_verifier with key ids of type 0x04. */
int tim_cosigner_generate(struct tim_signer *s, const char *name,
    struct tim_err *err);
int tim_cosigner_format(const struct tim_signer *s, struct tim_buf *out);
int tim_cosigner_parse(struct tim_signer *s, const char *text, size_t len,
    struct tim_err *err);
/* A key file that group or others cannot read; never through a symlink. */
int tim_cosigner_load(struct tim_signer *s, const char *path,
    struct tim_err *err);
int tim_cosigner_save(const struct tim_signer *s, const char *path,
    struct tim_err *err);
int tim_cosig_verifier_format(const struct tim_verifier *v, struct tim_buf *out);
int tim_cosig_verifier_parse(struct tim_verifier *v, const char *text,
    size_t len, struct tim_err *err);
/* The key itself, or a file holding it. */
int tim_cosig_verifier_load(struct tim_verifier *v, const char *arg,
    struct tim_err *err);

/* The signed message for a checkpoint body (text, ending in LF) at time t. */
int tim_cosig_message(const char *text, size_t len, uint64_t t,
    struct tim_buf *out);
/* Appends the cosignature line of s over text at time t to out. */
int tim_cosig_sign(const struct tim_signer *s, const char *text, size_t len,
    uint64_t t, struct tim_buf *out);

/*
 * Looks through signature lines (sigs, each "— name base64\n") for a valid
 * cosignature by w over text; *t gets its time. A missing or bad one is
 * TIM_ERR_REFUSED. Lines by other names or key ids are ignored (C2SP).
 */
int tim_cosig_verify(const char *text, size_t tlen, const char *sigs,
    size_t slen, const struct tim_verifier *w, uint64_t *t, struct tim_err *err);

/* An add-checkpoint request body, parsed. */
struct tim_witness_req {
	uint64_t old;
	tim_hash proof[TIM_WITNESS_PROOF_MAX];
	size_t nproof;
	struct tim_checkpoint cp;
};

/*
 * Parses a request body exactly: anything else (a missing line, a bad
 * number, more than 63 proof lines, bytes after the note) is
 * TIM_ERR_INVALID. The caller releases req on success.
 */
int tim_witness_req_parse(const char *body, size_t len,
    struct tim_witness_req *req, struct tim_err *err);
void tim_witness_req_release(struct tim_witness_req *req);
int tim_witness_req_format(uint64_t old, const tim_hash *proof, size_t n,
    const char *note, size_t nlen, struct tim_buf *out);

/* A log the witness cosigns for: its origin line and its verifier key. */
struct tim_witness_log {
	char origin[1024];
	struct tim_verifier key;
};

struct tim_witness;

/*
 * A witness over a state folder (one file per origin, replaced atomically
 * and synced before any answer). The folder is locked for one process.
 * key is copied; the caller may release its own.
 */
int tim_witness_open(struct tim_witness **w, const char *statedir,
    const struct tim_signer *key, const struct tim_witness_log *logs,
    size_t nlogs, struct tim_err *err);
void tim_witness_close(struct tim_witness *w);

/*
 * Handles one add-checkpoint body and returns the HTTP status of C2SP
 * tlog-witness: 200 with the cosignature line in resp, 400 malformed,
 * 403 no trusted signature, 404 unknown origin, 409 with the known size
 * (content type text/x.tlog.size, *ctype), 422 bad proof, 500 when the
 * state cannot be written (nothing is cosigned then). Serialised per
 * witness, so that the check of the old size and the update are one step.
 */
int tim_witness_add_checkpoint(struct tim_witness *w, const char *body,
    size_t len, struct tim_buf *resp, const char **ctype);

/* What became of one request, for the operator's log. */
struct tim_witness_event {
	int status;		/* the HTTP status answered */
	const char *origin;	/* "" when the request did not parse */
	uint64_t old, size;	/* of the request */
	uint64_t known;		/* the size the witness held */
	const char *why;	/* the reason of a refusal, or "" */
};

typedef void tim_witness_log_fn(void *arg, const struct tim_witness_event *ev);

/* fn is called after each request, from the server's threads. */
void tim_witness_set_log(struct tim_witness *w, tim_witness_log_fn *fn,
    void *arg);

/* The size and root the witness holds for origin; 0 size when none. */
int tim_witness_state(struct tim_witness *w, const char *origin,
    uint64_t *size, tim_hash root, struct tim_err *err);

/* An HTTP server (libmicrohttpd) for w on addr:port (port 0: any free). */
struct tim_witness_server;

int tim_witness_server_start(struct tim_witness *w, const char *addr,
    unsigned port, struct tim_witness_server **srv, struct tim_err *err);
unsigned tim_witness_server_port(const struct tim_witness_server *srv);
void tim_witness_server_stop(struct tim_witness_server *srv);

/* A POST with libcurl: status, body (at most max bytes) and content type. */
struct tim_http_reply {
	long status;
	char ctype[128];
};

int tim_http_post(const char *url, const char *ctype, const void *body,
    size_t len, long timeout_s, size_t max, struct tim_http_reply *reply,
    struct tim_buf *out, struct tim_err *err);

#endif
