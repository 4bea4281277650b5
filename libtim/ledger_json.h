#ifndef TIM_LEDGER_JSON_H
#define TIM_LEDGER_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "buf.h"
#include "hash.h"
#include "ledger.h"
#include "merkle.h"

/*
 * The ledger calls that take a record's fields as a jansson object: private
 * to libtim, cmd/ and the tests, never installed, so that the public
 * ledger.h does not make a third party build against jansson. The public
 * *_kv calls (ledger.h) build such an object and come here.
 */

/*
 * Checks kind and fields (an object) before anything is written: a known
 * kind, valid names, no reserved names, every required field non-empty.
 * Usage errors name the field.
 */
int tim_ledger_check_fields(const char *kind, const json_t *fields,
    struct tim_err *err);

int tim_ledger_add(struct tim_ledger *l, const char *kind,
    const json_t *fields, uint64_t *seq, struct tim_err *err);
/*
 * add for n records at once, formatted in parallel; all or none are added.
 * *first gets the seq of the first.
 */
int tim_ledger_add_many(struct tim_ledger *l, const char *const *kinds,
    json_t *const *fields, size_t n, uint64_t *first, struct tim_err *err);

int tim_ledger_append(struct tim_ledger *l, const char *kind,
    const json_t *fields, uint64_t *seq, struct tim_err *err);

/*
 * The one call other tools make: open, append one record, close. fields is
 * an object of the kind's fields (borrowed). seq, when not NULL, gets the
 * record's number.
 */
int tim_ledger_record(const char *path, const char *kind,
    const json_t *fields, int flags, uint64_t *seq, struct tim_err *err);

/* The tools' calls: batches, checkpoints, keys and proofs. */

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

#endif
