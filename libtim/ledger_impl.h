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
