#ifndef TIM_LEDGER_IMPL_H
#define TIM_LEDGER_IMPL_H

/*
 * What the ledger_*.c files share and nothing else may touch: the
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
#include "ledger_json.h"
#include "merkle.h"

struct tim_ledger {
	char *path;
	int fd;
	int flags;
	int locked;
	off_t size;		/* the file's size when locked: a failed write goes back to it */
	uint64_t next_seq;
	unsigned char prev[TIM_SHA256_LEN];
	struct tim_buf pending;
	struct tim_buf scratch;
	struct tim_sha256 *h;
	const struct tim_ledger_rules *rules;
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

/*
 * Cuts fd back to size and syncs that, after a failed write: 0, or -1 with
 * errno when even that failed (an append-only file, an I/O error).
 */
int tim_ledger_cut_back(int fd, off_t size);

/*
 * The links of a record about to get seq (ledger_rules.c), under the lock:
 * ref= names an earlier record of a kind it may answer, and a kind whose
 * approval tim.conf enforces carries one. bkinds/bfields: the batch from
 * seq0 on, or NULL.
 */
int tim_ledger_links_check(struct tim_ledger *l, const char *kind,
    const json_t *fields, uint64_t seq, uint64_t seq0,
    const char *const *bkinds, json_t *const *bfields, struct tim_err *err);

/* What verify needs of a record line, from the fast scan (ledger_scan.c). */
struct tim_ledger_scan {
	long long seq;
	int has_seq;		/* seq is an integer member of the record */
	char prev[65];
	int has_prev;		/* prev is a string of 64 bytes */
	char time[40];
	int has_time;
	int has_kind, has_actor, has_host;	/* present as strings */
};

/*
 * 1 when line is one valid JSON object without duplicate member names, and
 * s holds its members; 0 when the scan cannot decide (bad or unusual JSON):
 * parse the line with jansson then.
 */
int tim_ledger_scan_record(const char *line, size_t len,
    struct tim_ledger_scan *s);

/* Whether fd's file has FS_APPEND_FL (chattr +a): 1, 0, or -1 unknown. */
int tim_ledger_fd_append_only(int fd);

#endif
