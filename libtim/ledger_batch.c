/*
 * Batches: records as JSON lines (tim-ledger append --json), read raw,
 * parsed and checked in parallel, and written under one lock per batch.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "parallel.h"
#include "banned.h"

/* Records per batch under one lock: bounded memory, and others get a turn. */
#define BATCH_RECORDS 20000
#define BATCH_BYTES (32 << 20)

/*
 * A batch of JSON input lines: read raw, then parsed and checked in
 * parallel, then written under one lock. Nothing of a batch is written when
 * any of its lines is bad.
 */
struct batch {
	struct tim_buf raw;
	size_t n;
	size_t *start, *len, *lineno;
	char **kinds;
	json_t **fields;
	size_t err_at[8];
	struct tim_err err[8];
};

static void
batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->kinds[i]);
		json_decref(b->fields[i]);
		b->kinds[i] = NULL;
		b->fields[i] = NULL;
	}
	b->n = 0;
	tim_buf_reset(&b->raw);
}

static void
parse_part(void *arg, int worker, size_t start, size_t end)
{
	struct batch *b = arg;
	struct tim_err *err = &b->err[worker];
	size_t i;

	b->err_at[worker] = SIZE_MAX;
	for (i = start; i < end; i++) {
		json_error_t je;
		json_t *o, *k;

		o = json_loadb(b->raw.buf + b->start[i], b->len[i], JSON_REJECT_DUPLICATES, &je);
		if (o == NULL || !json_is_object(o)) {
			tim_errorf(err, 0, _("stdin line %zu: not a JSON object%s%s"), b->lineno[i],
			    o ? "" : ": ", o ? "" : je.text);
			json_decref(o);
			goto bad;
		}
		b->fields[i] = o;
		k = json_object_get(o, "kind");
		if (!json_is_string(k)) {
			tim_invalidf(err, _("stdin line %zu: no \"kind\""), b->lineno[i]);
			goto bad;
		}
		b->kinds[i] = strdup(json_string_value(k));
		if (b->kinds[i] == NULL) {
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto bad;
		}
		json_object_del(o, "kind");
		if (tim_ledger_check_fields(b->kinds[i], o, err) < 0) {
			tim_err_prefix(err, _("stdin line %zu"), b->lineno[i]);
			goto bad;
		}
	}
	return;
bad:
	b->err_at[worker] = i;
}

/* Parses, checks and writes one batch under one lock. */
static int
commit(struct tim_ledger *l, struct batch *b, uint64_t *first, uint64_t *last,
    struct tim_err *err)
{
	int t, nthreads = b->n < 256 ? 1 : tim_parallel_threads();
	size_t at = SIZE_MAX;
	uint64_t seq;
	int r;

	if (b->n == 0)
		return 0;
	if (nthreads > 8)
		nthreads = 8;
	tim_parallel_for(b->n, nthreads, parse_part, b);
	for (t = 0; t < nthreads; t++)
		if (b->err_at[t] < at) {
			at = b->err_at[t];
			*err = b->err[t];
		}
	if (at != SIZE_MAX)
		return -1;
	if (tim_ledger_lock(l, err) < 0)
		return -1;
	r = tim_ledger_add_many(l, (const char *const *)b->kinds, b->fields, b->n, &seq, err);
	if (r == 0)
		r = tim_ledger_flush(l, err);
	tim_ledger_unlock(l);
	if (r == 0) {
		if (*first == 0)
			*first = seq;
		*last = seq + b->n - 1;
	}
	batch_clear(b);
	return r;
}

/*
 * Lines of the input, read in big blocks, never more than one record's
 * limit at a time: a line longer than that is refused where it passes the
 * limit, not after reading it whole.
 */
struct lines {
	FILE *in;
	char *buf;
	size_t cap, len, off;
	int eof;
};

/* 1 and the line (without LF), 0 at the end, -1 error, -2 too long. */
static int
next_line(struct lines *ls, const char **line, size_t *len)
{
	size_t scanned = 0;

	for (;;) {
		char *nl = ls->len > ls->off + scanned ?
		    memchr(ls->buf + ls->off + scanned, '\n', ls->len - ls->off - scanned) : NULL;
		size_t n;

		if (nl != NULL) {
			*line = ls->buf + ls->off;
			*len = (size_t)(nl - *line);
			ls->off += *len + 1;
			return 1;
		}
		scanned = ls->len - ls->off;
		if (scanned > TIM_LEDGER_LINE_MAX + 2)
			return -2;
		if (ls->eof) {
			if (scanned == 0)
				return 0;
			*line = ls->buf + ls->off;
			*len = scanned;
			ls->off = ls->len;
			return 1;
		}
		if (ls->off > 0) {
			memmove(ls->buf, ls->buf + ls->off, scanned);
			ls->len = scanned;
			ls->off = 0;
		}
		if (ls->len == ls->cap) {
			size_t cap = ls->cap ? ls->cap * 2 : 1 << 20;
			char *p = realloc(ls->buf, cap);

			if (p == NULL)
				return -1;
			ls->buf = p;
			ls->cap = cap;
		}
		n = fread(ls->buf + ls->len, 1, ls->cap - ls->len, ls->in);
		ls->len += n;
		if (n == 0) {
			if (ferror(ls->in))
				return -1;
			ls->eof = 1;
		}
	}
}

int
tim_ledger_append_jsonl(struct tim_ledger *l, FILE *in, uint64_t *first,
    uint64_t *last, struct tim_err *err)
{
	struct batch b;
	struct lines ls;
	const char *line;
	size_t n, lineno = 0;
	int got, r = -1;

	memset(&b, 0, sizeof(b));
	memset(&ls, 0, sizeof(ls));
	ls.in = in;
	b.start = calloc(BATCH_RECORDS, sizeof(*b.start));
	b.len = calloc(BATCH_RECORDS, sizeof(*b.len));
	b.lineno = calloc(BATCH_RECORDS, sizeof(*b.lineno));
	b.kinds = calloc(BATCH_RECORDS, sizeof(*b.kinds));
	b.fields = calloc(BATCH_RECORDS, sizeof(*b.fields));
	if (!b.start || !b.len || !b.lineno || !b.kinds || !b.fields) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	while ((got = next_line(&ls, &line, &n)) > 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		b.start[b.n] = b.raw.len;
		b.len[b.n] = n;
		b.lineno[b.n] = lineno;
		if (tim_buf_add(&b.raw, line, n) < 0) {
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto out;
		}
		b.n++;
		if (b.n == BATCH_RECORDS || b.raw.len >= BATCH_BYTES)
			if (commit(l, &b, first, last, err) < 0)
				goto out;
	}
	if (got == -2) {
		tim_invalidf(err, _("stdin line %zu: longer than %d bytes; nothing of its batch was written"),
		    lineno + 1, TIM_LEDGER_LINE_MAX);
		goto out;
	}
	if (got < 0) {
		tim_errorf(err, errno, _("cannot read stdin"));
		goto out;
	}
	r = commit(l, &b, first, last, err);
out:
	batch_clear(&b);
	tim_buf_release(&b.raw);
	free(b.start);
	free(b.len);
	free(b.lineno);
	free(b.kinds);
	free(b.fields);
	free(ls.buf);
	return r;
}
