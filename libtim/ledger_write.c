/*
 * Writing: create a ledger, and append records to it under the lock, one
 * at a time or in batches formatted in parallel.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "parallel.h"
#include "util.h"
#include "banned.h"

int
tim_ledger_default_origin(const char *path, struct tim_buf *out)
{
	char *copy = strdup(path);
	int r;

	if (copy == NULL)
		return -1;
	r = tim_buf_addf(out, "%s/%s", tim_hostname(), basename(copy));
	free(copy);
	return r;
}

int
tim_ledger_create(const char *path, const char *origin, struct tim_err *err)
{
	struct tim_buf line = TIM_BUF_INIT;
	char now[21];
	json_t *h;
	int r;

	if (origin == NULL || !tim_ledger_origin_ok(origin, strlen(origin)))
		return tim_invalidf(err, _("invalid origin: one line of 1 to 1023 bytes without control characters"));
	tim_now_rfc3339(now);
	h = json_pack("{s:s, s:i, s:s, s:s}", "tim", "ledger", "v", 1,
	    "origin", origin, "created", now);
	if (h == NULL || tim_json_dump(&line, h) < 0 || tim_buf_addch(&line, '\n') < 0) {
		json_decref(h);
		tim_buf_release(&line);
		return tim_invalidf(err, _("invalid origin '%s': not UTF-8"), origin);
	}
	json_decref(h);
	r = tim_write_new_file(path, 0640, line.buf, line.len, err);
	tim_buf_release(&line);
	return r;
}

int
tim_ledger_open(struct tim_ledger **out, const char *path, int flags,
    struct tim_err *err)
{
	struct tim_ledger *l;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL || (l->path = strdup(path)) == NULL ||
	    (l->h = tim_sha256_new()) == NULL) {
		tim_ledger_close(l);
		return tim_errorf(err, ENOMEM, _("cannot open ledger '%s'"), path);
	}
	l->fd = tim_open_regular(path, O_RDWR | O_APPEND, 0, err);
	if (l->fd < 0) {
		int e = err->errnum;

		tim_ledger_close(l);
		if (e == ENOENT)
			return tim_errorf(err, 0, _("no ledger at '%s' (create it with 'tim-ledger init %s')"), path, path);
		return -1;
	}
	l->flags = flags;
	*out = l;
	return 0;
}

void
tim_ledger_close(struct tim_ledger *l)
{
	if (l == NULL)
		return;
	if (l->locked)
		tim_ledger_unlock(l);
	if (l->fd > 0)
		close(l->fd);
	tim_buf_release(&l->pending);
	tim_buf_release(&l->scratch);
	tim_sha256_free(l->h);
	free(l->path);
	free(l);
}

/*
 * Reads the last line of fd (size bytes long) into b. The file must end in
 * LF; *first is set when the last line is also the first (the header).
 */
static int
read_tail(int fd, const char *path, off_t size, struct tim_buf *b, int *first,
    struct tim_err *err)
{
	size_t want = 4096;
	char last;
	ssize_t n;

	if (size == 0)
		return tim_errorf(err, 0, _("ledger '%s' is empty; not a ledger"), path);
	if (pread(fd, &last, 1, size - 1) != 1)
		return tim_errorf(err, errno, _("cannot read ledger '%s'"), path);
	if (last != '\n')
		return tim_errorf(err, 0, _("ledger '%s' ends in a torn line; run 'tim-ledger verify' and 'tim-ledger repair'"), path);
	for (;;) {
		off_t start = (off_t)want >= size - 1 ? 0 : size - 1 - (off_t)want;
		size_t len = (size_t)(size - 1 - start);
		char *nl;

		tim_buf_reset(b);
		if (tim_buf_grow(b, len) < 0)
			return tim_errorf(err, ENOMEM, _("cannot read ledger '%s'"), path);
		n = pread(fd, b->buf, len, start);
		if (n < 0 || (size_t)n != len)
			return tim_errorf(err, n < 0 ? errno : EIO, _("cannot read ledger '%s'"), path);
		b->len = len;
		b->buf[len] = '\0';
		nl = memrchr(b->buf, '\n', len);
		if (nl != NULL) {
			size_t skip = (size_t)(nl - b->buf) + 1;

			memmove(b->buf, nl + 1, len - skip);
			tim_buf_truncate(b, len - skip);
			*first = 0;
			return 0;
		}
		if (start == 0) {
			*first = 1;
			return 0;
		}
		if (want > TIM_LEDGER_READ_MAX)
			return tim_errorf(err, 0, _("ledger '%s': last line too long"), path);
		want *= 4;
	}
}
int
tim_ledger_lock(struct tim_ledger *l, struct tim_err *err)
{
	struct stat st;
	json_error_t je;
	json_t *o;
	int first;

	if (l->locked)
		return 0;
	while (flock(l->fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return tim_errorf(err, errno, _("cannot lock ledger '%s'"), l->path);
	l->locked = 1;
	if (fstat(l->fd, &st) < 0) {
		tim_errorf(err, errno, _("cannot read ledger '%s'"), l->path);
		goto fail;
	}
	if (read_tail(l->fd, l->path, st.st_size, &l->scratch, &first, err) < 0)
		goto fail;
	o = json_loadb(l->scratch.buf, l->scratch.len, JSON_REJECT_DUPLICATES, &je);
	if (first) {
		if (!tim_ledger_header_ok(o)) {
			json_decref(o);
			tim_errorf(err, 0, _("'%s' is not a tim ledger (no header line)"), l->path);
			goto fail;
		}
		l->next_seq = 1;
	} else {
		json_t *seq = json_object_get(o, "seq");

		if (!json_is_integer(seq) || json_integer_value(seq) < 1) {
			json_decref(o);
			tim_errorf(err, 0, _("ledger '%s': the last line is not a record; run 'tim-ledger verify'"), l->path);
			goto fail;
		}
		l->next_seq = (uint64_t)json_integer_value(seq) + 1;
	}
	json_decref(o);
	if (tim_sha256_two(l->h, l->scratch.buf, l->scratch.len, NULL, 0, l->prev) < 0) {
		tim_errorf(err, 0, _("cannot hash"));
		goto fail;
	}
	tim_buf_reset(&l->pending);
	return 0;
fail:
	tim_ledger_unlock(l);
	return -1;
}

void
tim_ledger_unlock(struct tim_ledger *l)
{
	if (!l->locked)
		return;
	flock(l->fd, LOCK_UN);
	l->locked = 0;
	tim_buf_reset(&l->pending);
}

size_t
tim_ledger_pending(const struct tim_ledger *l)
{
	return l->pending.len;
}

/*
 * The record without prev: {"seq":..,"time":..,"kind":..,"actor":..,"host":..,
 * fields...}. prev is always the last member, so the line is this text with
 * its closing brace replaced by ,"prev":"<hex>"} — which lets the bodies of a
 * batch be built in parallel and only the hash chain be walked in order.
 */
static int
format_body(struct tim_buf *out, const char *kind, const json_t *fields,
    uint64_t seq, const char *now, struct tim_err *err)
{
	size_t start = out->len;
	const char *key;
	json_t *rec, *v;
	int r = -1;

	rec = json_pack("{s:I, s:s, s:s, s:s, s:s}", "seq", (json_int_t)seq,
	    "time", now, "kind", kind, "actor", tim_username(), "host", tim_hostname());
	if (rec == NULL)
		return tim_errorf(err, ENOMEM, _("cannot build record"));
	json_object_foreach((json_t *)fields, key, v)
		if (json_object_set(rec, key, v) < 0)
			goto out;
	if (tim_json_dump(out, rec) < 0 || out->failed) {
		tim_errorf(err, 0, _("cannot serialise record (invalid UTF-8?)"));
		goto out;
	}
	if (out->len - start > TIM_LEDGER_LINE_MAX) {
		tim_invalidf(err, _("record too long (%zu bytes, at most %d)"),
		    out->len - start, TIM_LEDGER_LINE_MAX);
		goto out;
	}
	if (out->buf[out->len - 1] != '}' ||
	    memchr(out->buf + start, '\n', out->len - start)) {
		tim_errorf(err, 0, _("record would span lines"));
		goto out;
	}
	r = 0;
out:
	if (r < 0)
		tim_buf_truncate(out, start);
	json_decref(rec);
	return r;
}

/* Turns a body at pending[start..] into the line: chain it, hash it, end it. */
static int
seal_line(struct tim_ledger *l, size_t start, struct tim_err *err)
{
	char prevhex[TIM_SHA256_HEX];

	tim_hex(l->prev, TIM_SHA256_LEN, prevhex);
	tim_buf_truncate(&l->pending, l->pending.len - 1);
	tim_buf_addf(&l->pending, ",\"prev\":\"%s\"}", prevhex);
	if (l->pending.failed ||
	    tim_sha256_two(l->h, l->pending.buf + start, l->pending.len - start,
	    NULL, 0, l->prev) < 0 || tim_buf_addch(&l->pending, '\n') < 0) {
		tim_buf_truncate(&l->pending, start);
		return tim_errorf(err, ENOMEM, _("cannot build record"));
	}
	l->next_seq++;
	return 0;
}

int
tim_ledger_add(struct tim_ledger *l, const char *kind, const json_t *fields,
    uint64_t *seq, struct tim_err *err)
{
	size_t start = l->pending.len;
	char now[21];

	if (!l->locked)
		return tim_errorf(err, 0, _("ledger not locked"));
	if (tim_ledger_check_fields(kind, fields, err) < 0)
		return -1;
	tim_now_rfc3339(now);
	if (format_body(&l->pending, kind, fields, l->next_seq, now, err) < 0)
		return -1;
	if (seq)
		*seq = l->next_seq;
	return seal_line(l, start, err);
}

struct many {
	const char *const *kinds;
	json_t *const *fields;
	uint64_t seq0;
	const char *now;
	struct tim_buf out[8];
	size_t *ends;		/* end offset of record i in its worker's buffer */
	int failed[8];
	struct tim_err err[8];
};

static void
format_part(void *arg, int worker, size_t start, size_t end)
{
	struct many *m = arg;
	size_t i;

	for (i = start; i < end; i++) {
		if (format_body(&m->out[worker], m->kinds[i], m->fields[i],
		    m->seq0 + i, m->now, &m->err[worker]) < 0) {
			m->failed[worker] = 1;
			return;
		}
		m->ends[i] = m->out[worker].len;
	}
}

int
tim_ledger_add_many(struct tim_ledger *l, const char *const *kinds,
    json_t *const *fields, size_t n, uint64_t *first, struct tim_err *err)
{
	struct many m;
	size_t i, begin = l->pending.len, from;
	unsigned char saved[TIM_SHA256_LEN];
	char now[21];
	int t, nthreads = n < 256 ? 1 : tim_parallel_threads(), r = -1;

	if (!l->locked)
		return tim_errorf(err, 0, _("ledger not locked"));
	for (i = 0; i < n; i++)
		if (tim_ledger_check_fields(kinds[i], fields[i], err) < 0)
			return -1;
	memset(&m, 0, sizeof(m));
	m.ends = calloc(n ? n : 1, sizeof(*m.ends));
	if (m.ends == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (nthreads > 8)
		nthreads = 8;
	tim_now_rfc3339(now);
	m.kinds = kinds;
	m.fields = fields;
	m.seq0 = l->next_seq;
	m.now = now;
	tim_parallel_for(n, nthreads, format_part, &m);
	for (t = 0; t < nthreads; t++)
		if (m.failed[t]) {
			*err = m.err[t];
			goto out;
		}
	if (first)
		*first = l->next_seq;
	memcpy(saved, l->prev, sizeof(saved));
	/* Walk the bodies in order: each worker's buffer holds a contiguous run. */
	for (t = 0; t < nthreads; t++) {
		size_t s = n * (size_t)t / (size_t)nthreads, e = n * (size_t)(t + 1) / (size_t)nthreads;

		for (from = 0, i = s; i < e; i++) {
			size_t start = l->pending.len;

			if (tim_buf_add(&l->pending, m.out[t].buf + from, m.ends[i] - from) < 0) {
				tim_errorf(err, ENOMEM, _("out of memory"));
				goto undo;
			}
			from = m.ends[i];
			if (seal_line(l, start, err) < 0)
				goto undo;
		}
	}
	r = 0;
	goto out;
undo:
	tim_buf_truncate(&l->pending, begin);
	l->next_seq = m.seq0;
	memcpy(l->prev, saved, sizeof(saved));
out:
	for (t = 0; t < 8; t++)
		tim_buf_release(&m.out[t]);
	free(m.ends);
	return r;
}

int
tim_ledger_flush(struct tim_ledger *l, struct tim_err *err)
{
	if (l->pending.len == 0)
		return 0;
	/* One write: with O_APPEND a reader sees the whole batch or a torn tail. */
	if (tim_write_all(l->fd, l->pending.buf, l->pending.len) < 0) {
		int e = errno;

		tim_buf_reset(&l->pending);
		return tim_errorf(err, e, _("cannot append to ledger '%s'"), l->path);
	}
	tim_buf_reset(&l->pending);
	if (!(l->flags & TIM_LEDGER_NOSYNC) && fdatasync(l->fd) < 0)
		return tim_errorf(err, errno, _("cannot sync ledger '%s'"), l->path);
	return 0;
}

int
tim_ledger_append(struct tim_ledger *l, const char *kind, const json_t *fields,
    uint64_t *seq, struct tim_err *err)
{
	int r;

	/* Check before locking, so a usage error never holds others up. */
	if (tim_ledger_check_fields(kind, fields, err) < 0)
		return -1;
	if (tim_ledger_lock(l, err) < 0)
		return -1;
	r = tim_ledger_add(l, kind, fields, seq, err);
	if (r == 0)
		r = tim_ledger_flush(l, err);
	tim_ledger_unlock(l);
	return r;
}

int
tim_ledger_record(const char *path, const char *kind, const json_t *fields,
    int flags, uint64_t *seq, struct tim_err *err)
{
	struct tim_ledger *l;
	int r;

	if (tim_ledger_check_fields(kind, fields, err) < 0)
		return -1;
	if (tim_ledger_open(&l, path, flags, err) < 0)
		return -1;
	r = tim_ledger_append(l, kind, fields, seq, err);
	tim_ledger_close(l);
	return r;
}
