#ifndef TIM_LEDGER_JSON_H
#define TIM_LEDGER_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

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

/*
 * The prev of a record line as tim writes it (ending ,"prev":"<hex>"}), for
 * readers that check the chain as they go: 0, or -1 when the line does not
 * end so.
 */
int tim_ledger_line_prev(const char *line, size_t len,
    unsigned char prev[TIM_SHA256_LEN]);

/*
 * Per-kind rules from tim.conf ([kind K] require, require-approval,
 * unapproved). A ledger without rules applies only the built-in ones.
 */
struct tim_config;
struct tim_ledger_rules;

#define TIM_LEDGER_APPROVAL_NONE	0	/* no approval needed */
#define TIM_LEDGER_APPROVAL_PENDING	1	/* recorded, pending until approved */
#define TIM_LEDGER_APPROVAL_REFUSE	2	/* refused without ref= to an approval */

/* Reads the rules; a bad [kind K] section is TIM_ERR_INVALID naming it. */
int tim_ledger_rules_load(struct tim_ledger_rules **out,
    const struct tim_config *cfg, struct tim_err *err);
void tim_ledger_rules_free(struct tim_ledger_rules *r);
/* The fields tim.conf adds to kind's required ones; *fields is borrowed. */
size_t tim_ledger_rules_required(const struct tim_ledger_rules *r,
    const char *kind, const char *const **fields);
int tim_ledger_rules_approval(const struct tim_ledger_rules *r,
    const char *kind);
/* The required fields of tim.conf (r may be NULL), like check_fields. */
int tim_ledger_rules_check(const struct tim_ledger_rules *r, const char *kind,
    const json_t *fields, struct tim_err *err);
/* l applies r (borrowed, must outlive l) to every record added. */
void tim_ledger_set_rules(struct tim_ledger *l,
    const struct tim_ledger_rules *r);
/* The record a record answers (ref=SEQ): 0 and *ref (0: none), -1 bad. */
int tim_ledger_ref(const json_t *fields, uint64_t *ref);

/*
 * A date or time as people and Excel write it: tim_time_parse_local's forms
 * and 2026/11/30, 2026/11/30 9:05[:07] (local).
 */
int tim_ledger_time_parse(const char *s, int end, time_t *out);

/* A take-out or lent item not yet returned (tim-ledger outstanding). */
struct tim_ledger_out {
	uint64_t seq;
	json_t *rec;		/* the record (a reference) */
	time_t due;		/* end of the until day, local; 0: no until */
	int overdue;		/* due < now */
	long days;		/* days overdue */
	int pending;		/* its kind needs approval and none answered it */
};

/*
 * The takeout and lend records of path that no return answers (by ref=,
 * or without ref= the oldest open one of the same item), overdue first,
 * then by due date. The chain is checked as the lines are read: *broken is
 * the first line that does not link to the one before it, or 0.
 */
int tim_ledger_outstanding(const char *path,
    const struct tim_ledger_rules *rules, time_t now,
    struct tim_ledger_out **out, size_t *n, uint64_t *broken,
    struct tim_err *err);
void tim_ledger_outstanding_free(struct tim_ledger_out *v, size_t n);

/*
 * Appends the rows of a CSV file (an Excel register: UTF-8 with a BOM, or
 * CP932, or encoding) as records in one batch under one lock: all or
 * nothing. The first row names the fields (or is tim's own CSV heading);
 * kind comes from a kind column or the kind argument. Errors name the
 * file's line. *first and *n get what was written.
 */
int tim_ledger_import_csv(struct tim_ledger *l, const char *csvpath,
    const char *encoding, const char *kind, uint64_t *first, size_t *n,
    struct tim_err *err);

/* The column heading for a field, in the language of the run. */
const char *tim_ledger_field_head(const char *field);

/*
 * Staff entry and protection of a new ledger: with group, group-owned and
 * 0660 so the group's members append (checkpoints and keys stay the
 * owner's); with append_only, FS_APPEND_FL (chattr +a; root only) so no
 * line can be rewritten, not even by its owner.
 */
int tim_ledger_set_access(const char *path, const char *group,
    int append_only, struct tim_err *err);

/*
 * tim_ledger_repair, and *saved: 1 when the torn bytes were kept in
 * LEDGER.torn, 0 when the disk had no room for them (the repair record
 * keeps their size and SHA-256).
 */
int tim_ledger_repair_ex(const char *path, int flags, size_t *moved,
    uint64_t *seq, int *saved, struct tim_err *err);

/*
 * A receipt for record seq (tim-ledger(5), RECEIPTS): one JSON object with
 * the record line exactly, its inclusion proof and the newest signed
 * checkpoint of checkpoints (NULL: LEDGER.checkpoints), which must cover
 * it. The ledger is verified first. Appended to out, ending in LF.
 */
int tim_ledger_receipt(const char *path, const char *checkpoints,
    uint64_t seq, struct tim_buf *out, struct tim_err *err);

struct tim_ledger_receipt_info {
	uint64_t seq, size;
	char kind[64];
	char origin[1024];
	char signer[256];
};

/*
 * Checks a receipt offline with key: the checkpoint's signature, that it
 * is the tree the proof is for, and that the record is in it. A failed
 * check is TIM_ERR_REFUSED.
 */
struct tim_verifier;
int tim_ledger_receipt_verify(const char *data, size_t len,
    const struct tim_verifier *key, struct tim_ledger_receipt_info *info,
    struct tim_err *err);

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
