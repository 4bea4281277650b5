#ifndef TIM_LEDGER_H
#define TIM_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tim_err;
struct tim_verifier;

/*
 * The registers (管理簿, 告示 I 第四 1): one UTF-8 file, one JSON object a
 * line, never rewritten. Line 1 is the header; each record line carries seq,
 * time, kind, actor, host, the kind's fields and prev, the SHA-256 of the
 * previous line's bytes. Every line is a leaf of an RFC 6962 Merkle tree whose
 * signed heads (checkpoints) live in LEDGER.checkpoints. tim-ledger(5).
 */

#define TIM_LEDGER_LINE_MAX	(1 << 20)	/* longest record append writes */
#define TIM_LEDGER_READ_MAX	(16 << 20)	/* longest line verify reads */

/* A kind of record and the fields it must carry. */
struct tim_ledger_kind {
	const char *name;
	const char *required[3];
	const char *what;	/* for people, in English (tim translates it) */
	const char *clause;	/* the clause it serves */
};

/* The table, ended by a NULL name. */
extern const struct tim_ledger_kind tim_ledger_kinds[];
const struct tim_ledger_kind *tim_ledger_kind_find(const char *name);

/* Field names: [a-z][a-z0-9_]*, at most 64 bytes, not a reserved name. */
int tim_ledger_field_ok(const char *name);

/* An origin: 1 to 1023 bytes, no control characters (it is a note's first line). */
int tim_ledger_origin_ok(const char *s, size_t len);

/* Creates a new ledger holding only the header; never overwrites. */
int tim_ledger_create(const char *path, const char *origin,
    struct tim_err *err);

/* An open ledger for appending. */
struct tim_ledger;

#define TIM_LEDGER_NOSYNC 0x1	/* skip fdatasync (tests, bulk imports) */

int tim_ledger_open(struct tim_ledger **out, const char *path, int flags,
    struct tim_err *err);
void tim_ledger_close(struct tim_ledger *l);

/*
 * Batch protocol: lock takes the exclusive flock and reads the tail; add
 * builds records in memory; flush writes them with one write(2) and syncs;
 * unlock releases. append does all four for one record.
 *
 * A record's fields are given as kv: key, value, key, value, ..., NULL,
 * every value a UTF-8 string. The kind must be known and carry its
 * required fields (tim_ledger_kinds); a bad kind or field is a
 * TIM_ERR_INVALID that names it, and nothing is written.
 */
int tim_ledger_lock(struct tim_ledger *l, struct tim_err *err);
int tim_ledger_add_kv(struct tim_ledger *l, const char *kind,
    const char *const *kv, uint64_t *seq, struct tim_err *err);
int tim_ledger_flush(struct tim_ledger *l, struct tim_err *err);
void tim_ledger_unlock(struct tim_ledger *l);
/* Bytes built by add and not yet flushed. */
size_t tim_ledger_pending(const struct tim_ledger *l);

int tim_ledger_append_kv(struct tim_ledger *l, const char *kind,
    const char *const *kv, uint64_t *seq, struct tim_err *err);

/*
 * The one call other programs make: open, append one record, close. seq,
 * when not NULL, gets the record's number.
 */
int tim_ledger_record_kv(const char *path, const char *kind,
    const char *const *kv, int flags, uint64_t *seq, struct tim_err *err);

/* Reading lines in order, in big chunks, for verify and list. */
struct tim_ledger_reader;

int tim_ledger_reader_open(struct tim_ledger_reader **out, const char *path,
    struct tim_err *err);
/*
 * Fixes the end of what will be read at the file's current size, taken
 * under a shared lock so no half-written append is seen.
 */
int tim_ledger_reader_snapshot(struct tim_ledger_reader *r,
    struct tim_err *err);
/*
 * The next line (without LF): 1 and the line, 0 at the end, -1 on an error.
 * *complete is 0 for a last line with no LF. Lines longer than
 * TIM_LEDGER_READ_MAX come back cut, with *complete = -1.
 */
int tim_ledger_reader_next(struct tim_ledger_reader *r, const char **line,
    size_t *len, off_t *offset, int *complete, struct tim_err *err);
/*
 * The next run of complete lines (ending in LF), as much as the buffer holds:
 * 1 and the bytes, 0 at the end, -1 on an error. A last line without LF
 * comes back alone with *torn = 1; a line longer than TIM_LEDGER_READ_MAX
 * comes back cut with *torn = -1. The bytes stay valid until the next call.
 */
int tim_ledger_reader_chunk(struct tim_ledger_reader *r, const char **buf,
    size_t *len, off_t *offset, int *torn, struct tim_err *err);
void tim_ledger_reader_close(struct tim_ledger_reader *r);

struct tim_ledger_verify_opts {
	const struct tim_verifier *key;	/* checks checkpoint signatures; may be NULL */
	const char *checkpoints;	/* a file of checkpoints; NULL: LEDGER.checkpoints */
	int keep_leaves;		/* return every leaf hash (proofs) */
	int full;			/* parse every line even under a signed checkpoint */
	int need_checkpoint;		/* with key: no checkpoint at all is a failure */
};

struct tim_ledger_verify_result {
	int ok;			/* 1: intact */
	uint64_t lines;		/* complete lines = tree size */
	tim_hash root;
	char origin[1024];
	/* the first problem, when not ok */
	uint64_t bad_line;	/* 1-based; the record's seq is bad_line - 1 */
	uint64_t bad_offset;	/* byte offset of the line */
	char reason[512];
	/* checkpoints */
	size_t checkpoints;	/* how many were checked against the file */
	uint64_t checkpoint_size;	/* size of the newest */
	int signatures;		/* 1: their signatures were checked with key */
	uint64_t covered;	/* lines trusted by their signed root, not re-parsed */
	tim_hash *leaves;	/* keep_leaves: lines hashes, caller frees */
	/*
	 * When a line no longer matches the prev that the next line keeps of
	 * it: the line where the break was found (bad_line is the changed
	 * line), else 0.
	 */
	uint64_t link_line;
	int append_only;	/* 1: FS_APPEND_FL is set, 0: not, -1: cannot tell */
};

/*
 * Reads the ledger up to a snapshot and checks every line: JSON, the header,
 * seq, prev, a torn tail, and each checkpoint (origin, size, root and, with
 * a key, signature). Returns -1 only for system errors; a failed check is
 * result->ok == 0 with the line and reason.
 *
 * With a key, the lines under the newest checkpoint whose signature verifies
 * are checked by the Merkle root alone: equal roots mean the same bytes the
 * signer verified in full before signing (tim-ledger checkpoint refuses a
 * ledger that does not verify). Lines after it get every check. full turns
 * this off.
 */
int tim_ledger_verify(const char *path, const struct tim_ledger_verify_opts *o,
    struct tim_ledger_verify_result *res, struct tim_err *err);

/*
 * Moves a torn last line (bytes after the last LF) into LEDGER.torn, cuts it
 * from the ledger and appends a repair record, all under the lock. *moved is
 * the number of bytes set aside, 0 when there was nothing to repair.
 */
int tim_ledger_repair(const char *path, int flags, size_t *moved,
    uint64_t *seq, struct tim_err *err);

/* "LEDGER.checkpoints" for path, into a malloc'd string. */
char *tim_ledger_checkpoints_path(const char *path);

#ifdef __cplusplus
}
#endif

#endif
