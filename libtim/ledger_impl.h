#ifndef TIM_LEDGER_IMPL_H
#define TIM_LEDGER_IMPL_H

/*
 * Two parts. First, ledger calls moved out of tim-ledger's front end that
 * belong in ledger.h (they wait there while ledger.h is being reworked).
 * Second, what the ledger_*.c files share and nothing else may touch: the
 * open ledger (repair takes its lock by hand), the reader (verify reports
 * where the snapshot ends) and the header check (lock and verify both make
 * it); these layouts may change at any time.
 */

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "buf.h"
#include "hash.h"
#include "ledger.h"
#include "merkle.h"

struct tim_signer;

/*
 * The origin a new ledger gets when none is given: "<host name>/<the
 * ledger's file name>", added to out. -1 when out of memory.
 */
int tim_ledger_default_origin(const char *path, struct tim_buf *out);

/*
 * FIELD=VALUE arguments into obj as strings: each name checked as
 * tim_ledger_field_ok, each value valid UTF-8. argv is not changed.
 */
int tim_ledger_fields_parse(int argc, char *const *argv, json_t *obj,
    struct tim_err *err);

/*
 * Appends the records read from in, one JSON object a line with its "kind"
 * member (tim-ledger append --json), in batches of up to 20000 records or
 * 32 MiB, each parsed and checked in parallel and then written under one
 * lock: nothing of a batch is written when one of its lines is bad, and the
 * batches before it stay. Empty lines are skipped; errors name the line as
 * "stdin line N". *first and *last get the seqs written (first stays 0 when
 * none was).
 */
int tim_ledger_append_jsonl(struct tim_ledger *l, FILE *in, uint64_t *first,
    uint64_t *last, struct tim_err *err);

/*
 * Verifies path in full with s's verifier and, only when it verifies,
 * signs a checkpoint of it into note (ending in LF) and appends that to
 * LEDGER.checkpoints. A ledger that does not verify is TIM_ERR_REFUSED,
 * with the line and reason in res.
 */
int tim_ledger_checkpoint(const char *path, const struct tim_signer *s,
    struct tim_buf *note, struct tim_ledger_verify_result *res,
    struct tim_err *err);

/*
 * A new checkpoint key named name: the secret key into keyfile (mode 0600,
 * never overwritten) and the verifier key into keyfile.pub (0644, never
 * overwritten). pub gets the verifier key's line (ending in LF), pubpath
 * the .pub file's name; the caller releases both. On failure no secret key
 * is left without its verifier key.
 */
int tim_ledger_keygen(const char *name, const char *keyfile,
    struct tim_buf *pub, struct tim_buf *pubpath, struct tim_err *err);

/* An inclusion or consistency proof (RFC 6962), from a verified ledger. */
struct tim_ledger_proof {
	uint64_t index;		/* prove: the record's seq, its leaf index */
	uint64_t size;		/* the tree size proved against */
	tim_hash leaf;		/* prove: the record line's leaf hash */
	tim_hash root;		/* the root at size */
	uint64_t old_size;	/* consistency: the checkpoint's size */
	tim_hash old_root;	/* consistency: the checkpoint's root */
	int signature_checked;	/* consistency: the checkpoint's signature */
	tim_hash path[128];
	size_t len;		/* hashes in path */
};

/*
 * That record seq is in the ledger's tree: of its present size, or with
 * checkpoint (a file) of the newest checkpoint in it, whose root must match.
 * A ledger that does not verify, or too short, is TIM_ERR_REFUSED.
 */
int tim_ledger_prove(const char *path, const char *checkpoint, uint64_t seq,
    struct tim_ledger_proof *p, struct tim_err *err);

/*
 * That the ledger at path only grew since the newest checkpoint in the file
 * checkpoint: same origin, its first lines hash to the checkpoint's root.
 * key, when not NULL, must verify the checkpoint's signature.
 */
int tim_ledger_consistency(const char *checkpoint, const char *path,
    const struct tim_verifier *key, struct tim_ledger_proof *p,
    struct tim_err *err);

/* Private to libtim/ledger_*.c from here on. */

struct tim_ledger {
	char *path;
	int fd;
	int flags;
	int locked;
	uint64_t next_seq;
	unsigned char prev[TIM_SHA256_LEN];
	struct tim_buf pending;
	struct tim_buf scratch;
	struct tim_sha256 *h;
};

struct tim_ledger_reader {
	char *path;
	int fd;
	off_t end;		/* snapshot; -1 reads to EOF */
	off_t pos;		/* file offset of buf[0] */
	char *buf;
	size_t cap, len, off;	/* bytes in buf, and the next unread */
	int eof;
};

/* The header line: {"tim":"ledger","v":1,"origin":<one printable line>}. */
int tim_ledger_header_ok(const json_t *h);

#endif
