#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
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
#include "ledger_json.h"
#include "note.h"
#include "parallel.h"
#include "util.h"
#include "banned.h"

/*
 * Each kind is a column of some register the notice asks for; the clause is
 * where. Required fields are what makes a record of that kind useful as
 * evidence; anything else a caller adds is kept.
 */
const struct tim_ledger_kind tim_ledger_kinds[] = {
	{ "mark", { "item", "level" }, N_("marked (or unmarked) as controlled information"), "I 第二 1, I 第一 3" },
	{ "copy", { "item", "to" }, N_("copied"), "I 第四 1 (1)" },
	{ "takeout", { "item", "to" }, N_("taken out"), "I 第四 1 (1), V 第三 2" },
	{ "return", { "item" }, N_("returned"), "I 第四 1 (1), I 第四 5 (3)" },
	{ "disclose", { "item", "to" }, N_("disclosed or conveyed to a person"), "I 第四 3 (4)" },
	{ "send", { "item", "to" }, N_("sent by e-mail or network"), "V 第三 10, V 第三 11" },
	{ "receive", { "item", "from" }, N_("received from another party"), "I 第四 1 (2)" },
	{ "dispose", { "item", "method" }, N_("disposed of"), "I 第四 5 (1)" },
	{ "erase", { "item", "method" }, N_("erased by overwriting"), "V 第三 5, V 第三 7, V 第一 11" },
	{ "grant", { "item", "to" }, N_("access granted"), "II 第二 5" },
	{ "revoke", { "item", "from" }, N_("access revoked"), "II 第二 5" },
	{ "lend", { "item", "to" }, N_("key or medium lent"), "III 第一 4, IV 第一 3" },
	{ "inspect", { "item", "result" }, N_("register or control inspected"), "I 第四 1 (5)" },
	{ "approve", { "item", "action" }, N_("approved by a manager"), "I 第四 1 (6), V 第一 20" },
	{ "note", { "text" }, N_("free note"), "I 第四 1 (1)" },
	{ "repair", { "torn_bytes", "torn_sha256" }, N_("torn last line set aside"), "I 第四 1 (3)" },
	{ NULL, { NULL }, NULL, NULL }
};

static const char *const reserved[] = { "seq", "time", "kind", "actor", "host", "prev", NULL };

const struct tim_ledger_kind *
tim_ledger_kind_find(const char *name)
{
	const struct tim_ledger_kind *k;

	for (k = tim_ledger_kinds; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int
tim_ledger_field_ok(const char *name)
{
	const char *p;
	int i;

	if (name[0] < 'a' || name[0] > 'z' || strlen(name) > 64)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	for (i = 0; reserved[i]; i++)
		if (strcmp(name, reserved[i]) == 0)
			return 0;
	return 1;
}

static int
empty_value(const json_t *v)
{
	return v == NULL || json_is_null(v) ||
	    (json_is_string(v) && json_string_length(v) == 0);
}

int
tim_ledger_check_fields(const char *kind, const json_t *fields,
    struct tim_err *err)
{
	const struct tim_ledger_kind *k = tim_ledger_kind_find(kind);
	const char *key;
	json_t *v;
	int i;

	if (k == NULL)
		return tim_invalidf(err, _("unknown record kind '%s' (see 'tim-ledger kinds')"), kind);
	if (!json_is_object(fields))
		return tim_invalidf(err, _("record fields must be a JSON object"));
	json_object_foreach((json_t *)fields, key, v) {
		if (!tim_ledger_field_ok(key))
			return tim_invalidf(err, _("invalid field name '%s': use [a-z][a-z0-9_]*, not seq, time, kind, actor, host or prev"), key);
	}
	for (i = 0; i < 3 && k->required[i]; i++)
		if (empty_value(json_object_get(fields, k->required[i])))
			return tim_invalidf(err, _("a '%s' record needs the field '%s'"), kind, k->required[i]);
	return 0;
}

char *
tim_ledger_checkpoints_path(const char *path)
{
	struct tim_buf b = TIM_BUF_INIT;

	tim_buf_addf(&b, "%s.checkpoints", path);
	if (b.failed) {
		tim_buf_release(&b);
		return NULL;
	}
	return tim_buf_detach(&b, NULL);
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
tim_ledger_origin_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= 1024)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* The origin becomes the first line of every checkpoint: one printable line. */
static int
header_ok(const json_t *h)
{
	const json_t *v = json_object_get(h, "v");
	const json_t *o = json_object_get(h, "origin");

	return json_is_object(h) &&
	    json_is_string(json_object_get(h, "tim")) &&
	    strcmp(json_string_value(json_object_get(h, "tim")), "ledger") == 0 &&
	    json_is_integer(v) && json_integer_value(v) == 1 &&
	    json_is_string(o) && tim_ledger_origin_ok(json_string_value(o), json_string_length(o));
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
		if (!header_ok(o)) {
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

/* Reading. */

#define CHUNK (4 << 20)

struct tim_ledger_reader {
	char *path;
	int fd;
	off_t end;		/* snapshot; -1 reads to EOF */
	off_t pos;		/* file offset of buf[0] */
	char *buf;
	size_t cap, len, off;	/* bytes in buf, and the next unread */
	int eof;
};

int
tim_ledger_reader_open(struct tim_ledger_reader **out, const char *path,
    struct tim_err *err)
{
	struct tim_ledger_reader *r;
	struct stat st;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->path = strdup(path)) == NULL) {
		if (r)
			free(r->path);
		free(r);
		return tim_errorf(err, ENOMEM, _("cannot read ledger '%s'"), path);
	}
	r->end = -1;
	r->fd = tim_open_regular(path, O_RDONLY, 0, err);
	if (r->fd < 0) {
		tim_ledger_reader_close(r);
		return -1;
	}
	/* Big chunks for big ledgers; a small one needs no 4 MiB. */
	r->cap = fstat(r->fd, &st) == 0 && st.st_size < CHUNK ?
	    (size_t)st.st_size + 4096 : CHUNK;
	if ((r->buf = malloc(r->cap)) == NULL) {
		tim_ledger_reader_close(r);
		return tim_errorf(err, ENOMEM, _("cannot read ledger '%s'"), path);
	}
	*out = r;
	return 0;
}

int
tim_ledger_reader_snapshot(struct tim_ledger_reader *r, struct tim_err *err)
{
	struct stat st;

	while (flock(r->fd, LOCK_SH) < 0)
		if (errno != EINTR)
			return tim_errorf(err, errno, _("cannot lock ledger '%s'"), r->path);
	if (fstat(r->fd, &st) < 0) {
		flock(r->fd, LOCK_UN);
		return tim_errorf(err, errno, _("cannot read ledger '%s'"), r->path);
	}
	flock(r->fd, LOCK_UN);
	r->end = st.st_size;
	return 0;
}

void
tim_ledger_reader_close(struct tim_ledger_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r->path);
	free(r);
}

/* Moves unread bytes to the front and reads more; 0 at the end. */
static int
refill(struct tim_ledger_reader *r, struct tim_err *err)
{
	size_t room;
	ssize_t n;

	if (r->eof)
		return 0;
	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->pos += (off_t)r->off;
		r->len -= r->off;
		r->off = 0;
	}
	if (r->len == r->cap) {
		char *p;

		if (r->cap >= TIM_LEDGER_READ_MAX + CHUNK)
			return 0;
		p = realloc(r->buf, r->cap * 2);
		if (p == NULL)
			return tim_errorf(err, ENOMEM, _("cannot read ledger '%s'"), r->path);
		r->buf = p;
		r->cap *= 2;
	}
	room = r->cap - r->len;
	if (r->end >= 0) {
		off_t left = r->end - (r->pos + (off_t)r->len);

		if (left <= 0) {
			r->eof = 1;
			return 0;
		}
		if ((off_t)room > left)
			room = (size_t)left;
	}
	do
		n = pread(r->fd, r->buf + r->len, room, r->pos + (off_t)r->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return tim_errorf(err, errno, _("cannot read ledger '%s'"), r->path);
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->len += (size_t)n;
	return 1;
}

int
tim_ledger_reader_next(struct tim_ledger_reader *r, const char **line,
    size_t *len, off_t *offset, int *complete, struct tim_err *err)
{
	size_t scanned = 0;
	char *nl;
	int got;

	for (;;) {
		nl = memchr(r->buf + r->off + scanned, '\n', r->len - r->off - scanned);
		if (nl != NULL) {
			*line = r->buf + r->off;
			*len = (size_t)(nl - *line);
			*offset = r->pos + (off_t)r->off;
			*complete = 1;
			r->off += *len + 1;
			return 1;
		}
		scanned = r->len - r->off;
		if (scanned > TIM_LEDGER_READ_MAX) {
			*line = r->buf + r->off;
			*len = scanned;
			*offset = r->pos + (off_t)r->off;
			*complete = -1;
			r->off = r->len;
			r->eof = 1;
			return 1;
		}
		got = refill(r, err);
		if (got < 0)
			return -1;
		if (got == 0) {
			if (r->len == r->off)
				return 0;
			*line = r->buf + r->off;
			*len = r->len - r->off;
			*offset = r->pos + (off_t)r->off;
			*complete = 0;
			r->off = r->len;
			return 1;
		}
	}
}

int
tim_ledger_reader_chunk(struct tim_ledger_reader *r, const char **buf,
    size_t *len, off_t *offset, int *torn, struct tim_err *err)
{
	size_t avail;
	char *nl;
	int got;

	for (;;) {
		avail = r->len - r->off;
		nl = avail ? memrchr(r->buf + r->off, '\n', avail) : NULL;
		if (nl != NULL && (r->eof || avail >= r->cap / 2))
			break;
		if (nl == NULL && avail > TIM_LEDGER_READ_MAX) {
			*buf = r->buf + r->off;
			*len = avail;
			*offset = r->pos + (off_t)r->off;
			*torn = -1;
			r->off = r->len;
			r->eof = 1;
			return 1;
		}
		got = refill(r, err);
		if (got < 0)
			return -1;
		if (got == 0) {
			avail = r->len - r->off;
			if (avail == 0)
				return 0;
			nl = memrchr(r->buf + r->off, '\n', avail);
			if (nl != NULL)
				break;
			*buf = r->buf + r->off;
			*len = avail;
			*offset = r->pos + (off_t)r->off;
			*torn = 1;
			r->off = r->len;
			return 1;
		}
	}
	*buf = r->buf + r->off;
	*len = (size_t)(nl - *buf) + 1;
	*offset = r->pos + (off_t)r->off;
	*torn = 0;
	r->off += *len;
	return 1;
}

/*
 * Verification. Each chunk of lines is checked in two steps: the lines are
 * hashed and parsed in parallel (jansson is most of the cost), then one
 * thread walks them in order for the chain, the tree and the checkpoints.
 */

#define VERIFY_MAX_THREADS 8

struct vworker {
	struct tim_sha256 *h;
	size_t err;		/* first bad line in this part, or SIZE_MAX */
	char why[400];
};

struct verifier {
	struct tim_ledger_verify_result *res;
	struct tim_merkle m;
	unsigned char last[TIM_SHA256_LEN];	/* hash of the line before this chunk */
	struct tim_checkpoint *cps;
	size_t ncps, nextcp;
	tim_hash *leaves;
	size_t leaves_cap;
	uint64_t covered;	/* lines under a verified signed checkpoint */
	/* the chunk */
	uint64_t first;		/* line number of line 0 */
	size_t n, cap;
	const char **p;
	size_t *len;
	off_t *off;
	tim_hash *lh, *leaf;
	unsigned char (*prev)[TIM_SHA256_LEN];
	int nthreads;
	struct vworker w[VERIFY_MAX_THREADS];
};

static void
bad(struct tim_ledger_verify_result *res, uint64_t line, off_t offset,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
bad(struct tim_ledger_verify_result *res, uint64_t line, off_t offset,
    const char *fmt, ...)
{
	va_list ap;

	if (!res->ok)
		return;
	res->ok = 0;
	res->bad_line = line;
	res->bad_offset = (uint64_t)offset;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

static int
cmp_cp(const void *a, const void *b)
{
	const struct tim_checkpoint *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

/* Checks line i of the chunk on its own; 0, or -1 with why filled. */
static int
check_line(struct verifier *v, size_t i, char *why, size_t wn)
{
	uint64_t n = v->first + i;
	json_error_t je;
	json_t *o, *f;
	const char *s;
	time_t t;
	int r = -1;

	o = json_loadb(v->p[i], v->len[i], JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		snprintf(why, wn, _("bad JSON: %s"), je.text);
		return -1;
	}
	if (!json_is_object(o)) {
		snprintf(why, wn, _("bad JSON: not an object"));
		goto out;
	}
	if (n == 1) {
		if (!header_ok(o)) {
			snprintf(why, wn, _("not a tim ledger header"));
			goto out;
		}
		snprintf(v->res->origin, sizeof(v->res->origin), "%s",
		    json_string_value(json_object_get(o, "origin")));
		r = 0;
		goto out;
	}
	f = json_object_get(o, "seq");
	if (!json_is_integer(f)) {
		snprintf(why, wn, _("no seq"));
		goto out;
	}
	if ((uint64_t)json_integer_value(f) != n - 1) {
		snprintf(why, wn, _("seq gap: seq %lld where %llu was expected"),
		    (long long)json_integer_value(f), (unsigned long long)(n - 1));
		goto out;
	}
	f = json_object_get(o, "prev");
	s = json_string_value(f);
	if (s == NULL || json_string_length(f) != 2 * TIM_SHA256_LEN ||
	    tim_unhex(s, TIM_SHA256_LEN, v->prev[i]) < 0) {
		snprintf(why, wn, _("no prev hash"));
		goto out;
	}
	f = json_object_get(o, "time");
	if (!json_is_string(f) || tim_time_parse(json_string_value(f), 0, &t) < 0) {
		snprintf(why, wn, _("bad or missing time"));
		goto out;
	}
	if (!json_is_string(json_object_get(o, "kind")) ||
	    !json_is_string(json_object_get(o, "actor")) ||
	    !json_is_string(json_object_get(o, "host"))) {
		snprintf(why, wn, _("kind, actor or host missing"));
		goto out;
	}
	r = 0;
out:
	json_decref(o);
	return r;
}

static void
check_part(void *arg, int worker, size_t start, size_t end)
{
	struct verifier *v = arg;
	struct vworker *w = &v->w[worker];
	size_t i;

	w->err = SIZE_MAX;
	for (i = start; i < end; i++) {
		uint64_t n = v->first + i;

		if (tim_merkle_leaf(w->h, v->p[i], v->len[i], v->leaf[i]) < 0) {
			snprintf(w->why, sizeof(w->why), _("cannot hash"));
			w->err = i;
			return;
		}
		/* Under a verified signed root only the last line's hash is needed. */
		if (n < v->covered && n != 1)
			continue;
		if (tim_sha256_two(w->h, v->p[i], v->len[i], NULL, 0, v->lh[i]) < 0) {
			snprintf(w->why, sizeof(w->why), _("cannot hash"));
			w->err = i;
			return;
		}
		if ((n > v->covered || n == 1) && check_line(v, i, w->why, sizeof(w->why)) < 0) {
			w->err = i;
			return;
		}
	}
}

static int
grow_array(void *pp, size_t elem, size_t n)
{
	void **p = pp;
	void *q = realloc(*p, n * elem);

	if (q == NULL)
		return -1;
	*p = q;
	return 0;
}

static int
grow_chunk(struct verifier *v, size_t need)
{
	size_t n = v->cap ? v->cap : 256;

	if (need <= v->cap)
		return 0;
	while (n < need)
		n *= 2;
	if (grow_array(&v->p, sizeof(*v->p), n) < 0 ||
	    grow_array(&v->len, sizeof(*v->len), n) < 0 ||
	    grow_array(&v->off, sizeof(*v->off), n) < 0 ||
	    grow_array(&v->lh, sizeof(*v->lh), n) < 0 ||
	    grow_array(&v->leaf, sizeof(*v->leaf), n) < 0 ||
	    grow_array(&v->prev, sizeof(*v->prev), n) < 0)
		return -1;
	v->cap = n;
	return 0;
}

static int
keep_leaf(struct verifier *v, const tim_hash leaf)
{
	if (v->m.count >= v->leaves_cap) {
		size_t n = v->leaves_cap ? v->leaves_cap * 2 : 4096;
		tim_hash *q = realloc(v->leaves, n * sizeof(*q));

		if (q == NULL)
			return -1;
		v->leaves = q;
		v->leaves_cap = n;
	}
	memcpy(v->leaves[v->m.count], leaf, TIM_SHA256_LEN);
	return 0;
}

/* Compares every checkpoint of this size with the running root. */
static void
check_checkpoints(struct verifier *v, uint64_t line, off_t offset)
{
	tim_hash root;

	while (v->nextcp < v->ncps && v->cps[v->nextcp].size == v->m.count) {
		if (tim_merkle_root(&v->m, root) == 0 &&
		    memcmp(root, v->cps[v->nextcp].root, TIM_SHA256_LEN) != 0)
			bad(v->res, line, offset,
			    _("root differs from the checkpoint of size %llu (the ledger was rewritten)"),
			    (unsigned long long)v->cps[v->nextcp].size);
		v->res->checkpoints++;
		v->nextcp++;
	}
}

/* Splits a chunk into lines, checks them, and walks them in order. */
static int
verify_chunk(struct verifier *v, const char *buf, size_t len, off_t offset,
    int keep, struct tim_err *err)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t i, first_err = SIZE_MAX;
	int t, nthreads;

	v->n = 0;
	v->first = v->m.count + 1;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (grow_chunk(v, v->n + 1) < 0)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		v->p[v->n] = p;
		v->len[v->n] = (size_t)(nl - p);
		v->off[v->n] = offset + (p - buf);
		v->n++;
		p = nl + 1;
	}
	nthreads = v->n < 512 ? 1 : v->nthreads;
	tim_parallel_for(v->n, nthreads, check_part, v);
	for (t = 0; t < nthreads; t++)
		if (v->w[t].err < first_err)
			first_err = v->w[t].err;
	for (i = 0; i < v->n; i++) {
		uint64_t n = v->first + i;

		if (i == first_err) {
			for (t = 0; t < nthreads; t++)
				if (v->w[t].err == i)
					bad(v->res, n, v->off[i], "%s", v->w[t].why);
			return 0;
		}
		if (n >= 2 && n > v->covered &&
		    memcmp(v->prev[i], i ? v->lh[i - 1] : v->last, TIM_SHA256_LEN) != 0) {
			bad(v->res, n, v->off[i],
			    _("hash mismatch: prev does not match line %llu (a line was changed, removed or reordered)"),
			    (unsigned long long)(n - 1));
			return 0;
		}
		if ((keep && keep_leaf(v, v->leaf[i]) < 0) || tim_merkle_push(&v->m, v->leaf[i]) < 0)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		check_checkpoints(v, n, v->off[i]);
		if (!v->res->ok)
			return 0;
	}
	if (v->n)
		memcpy(v->last, v->lh[v->n - 1], TIM_SHA256_LEN);
	return 0;
}

static int
load_checkpoints(struct verifier *v, const char *path,
    const struct tim_ledger_verify_opts *o, struct tim_err *err)
{
	char *cpath = o->checkpoints ? NULL : tim_ledger_checkpoints_path(path);
	const char *use = o->checkpoints ? o->checkpoints : cpath;
	size_t i;
	int r;

	if (use == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	/* A checkpoint named by the caller must exist; the default file may not. */
	if (o->checkpoints && access(o->checkpoints, F_OK) < 0)
		return tim_errorf(err, errno, _("cannot read checkpoint '%s'"), o->checkpoints);
	r = tim_checkpoint_read_all(use, &v->cps, &v->ncps, err);
	if (r == 0 && o->checkpoints && v->ncps == 0)
		r = tim_failf(err, _("no checkpoint in '%s'"), use);
	if (r < 0 && err->kind == TIM_ERR_REFUSED) {
		/* A checkpoint file that does not parse is a failed check. */
		bad(v->res, 0, 0, "%s", err->msg);
		tim_err_clear(err);
		r = 0;
	}
	if (r < 0) {
		free(cpath);
		return -1;
	}
	if (v->ncps > 0) {
		v->res->checkpoint_size = v->cps[v->ncps - 1].size;
		qsort(v->cps, v->ncps, sizeof(*v->cps), cmp_cp);
	}
	if (o->key != NULL) {
		v->res->signatures = 1;
		for (i = 0; i < v->ncps; i++)
			if (tim_checkpoint_verify(&v->cps[i], o->key, err) < 0) {
				bad(v->res, 0, 0, _("checkpoint of size %llu: %s"),
				    (unsigned long long)v->cps[i].size, err->msg);
				tim_err_clear(err);
			}
		if (v->res->ok && v->ncps > 0 && !o->full)
			v->covered = v->cps[v->ncps - 1].size;
		/* A key with nothing signed to check is no assurance: say so. */
		if (v->ncps == 0 && o->need_checkpoint)
			bad(v->res, 0, 0, _("no checkpoint to check the key against ('%s' is missing or empty); sign one with 'tim-ledger checkpoint'"),
			    use);
	}
	v->res->covered = v->covered;
	free(cpath);
	return 0;
}

static void
verifier_release(struct verifier *v)
{
	int t;

	for (t = 0; t < VERIFY_MAX_THREADS; t++)
		tim_sha256_free(v->w[t].h);
	free(v->p);
	free(v->len);
	free(v->off);
	free(v->lh);
	free(v->leaf);
	free(v->prev);
	free(v->leaves);
	tim_checkpoint_free_all(v->cps, v->ncps);
	tim_merkle_release(&v->m);
}

int
tim_ledger_verify(const char *path, const struct tim_ledger_verify_opts *o,
    struct tim_ledger_verify_result *res, struct tim_err *err)
{
	struct tim_ledger_verify_opts none = { .key = NULL };
	struct tim_ledger_reader *rd = NULL;
	struct verifier v;
	const char *buf;
	size_t len, i;
	off_t offset;
	int torn, got = 0, t, ret = -1;

	if (o == NULL)
		o = &none;
	memset(res, 0, sizeof(*res));
	memset(&v, 0, sizeof(v));
	res->ok = 1;
	v.res = res;
	v.nthreads = tim_parallel_threads();
	if (tim_merkle_init(&v.m) < 0)
		goto oom;
	for (t = 0; t < v.nthreads; t++)
		if ((v.w[t].h = tim_sha256_new()) == NULL)
			goto oom;
	/*
	 * Checkpoints first, then the snapshot: a checkpoint signed in between
	 * then covers lines the snapshot holds, never lines it lacks.
	 */
	if (load_checkpoints(&v, path, o, err) < 0)
		goto out;
	if (tim_ledger_reader_open(&rd, path, err) < 0 ||
	    tim_ledger_reader_snapshot(rd, err) < 0)
		goto out;
	while (res->ok &&
	    (got = tim_ledger_reader_chunk(rd, &buf, &len, &offset, &torn, err)) > 0) {
		if (torn < 0)
			bad(res, v.m.count + 1, offset, _("line longer than %d bytes"), TIM_LEDGER_READ_MAX);
		else if (torn > 0)
			bad(res, v.m.count + 1, offset,
			    _("torn last line (%zu bytes without a newline); 'tim-ledger repair' sets it aside"), len);
		else if (verify_chunk(&v, buf, len, offset, o->keep_leaves, err) < 0)
			goto out;
	}
	if (res->ok && got < 0)
		goto out;
	res->lines = v.m.count;
	if (tim_merkle_root(&v.m, res->root) < 0) {
		tim_errorf(err, 0, _("cannot hash"));
		goto out;
	}
	if (res->lines == 0)
		bad(res, 1, 0, _("empty file; not a ledger"));
	for (i = v.nextcp; i < v.ncps; i++)
		if (v.cps[i].size > res->lines) {
			bad(res, res->lines + 1, rd->end >= 0 ? rd->end : 0,
			    _("ledger shorter than its checkpoint: %llu lines, checkpoint of size %llu (lines were removed)"),
			    (unsigned long long)res->lines, (unsigned long long)v.cps[i].size);
			break;
		}
	for (i = 0; i < v.ncps && res->origin[0]; i++)
		if (strcmp(v.cps[i].origin, res->origin) != 0) {
			bad(res, 0, 0, _("checkpoint of size %llu is for origin '%s', not '%s'"),
			    (unsigned long long)v.cps[i].size, v.cps[i].origin, res->origin);
			break;
		}
	if (o->keep_leaves) {
		res->leaves = v.leaves;
		v.leaves = NULL;
	}
	ret = 0;
	if (!res->ok && v.covered > 0) {
		/* Trusting the signed root found a difference: find the line. */
		struct tim_ledger_verify_opts again = *o;

		again.full = 1;
		verifier_release(&v);
		tim_ledger_reader_close(rd);
		free(res->leaves);
		return tim_ledger_verify(path, &again, res, err);
	}
	goto out;
oom:
	tim_errorf(err, ENOMEM, _("out of memory"));
out:
	verifier_release(&v);
	tim_ledger_reader_close(rd);
	return ret;
}

int
tim_ledger_repair(const char *path, int flags, size_t *moved, uint64_t *seq,
    struct tim_err *err)
{
	struct tim_buf torn = TIM_BUF_INIT, tpath = TIM_BUF_INIT;
	struct tim_ledger *l = NULL;
	unsigned char h[TIM_SHA256_LEN];
	char hex[TIM_SHA256_HEX];
	struct stat st;
	off_t cut;
	json_t *fields = NULL;
	int tfd = -1, ret = -1;
	char c;

	*moved = 0;
	if (tim_ledger_open(&l, path, flags, err) < 0)
		return -1;
	while (flock(l->fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			tim_errorf(err, errno, _("cannot lock ledger '%s'"), path);
			goto out;
		}
	l->locked = 1;
	if (fstat(l->fd, &st) < 0) {
		tim_errorf(err, errno, _("cannot read ledger '%s'"), path);
		goto out;
	}
	/* Find the last LF: everything after it is the torn line. */
	for (cut = st.st_size; cut > 0; cut--) {
		if (pread(l->fd, &c, 1, cut - 1) != 1) {
			tim_errorf(err, errno, _("cannot read ledger '%s'"), path);
			goto out;
		}
		if (c == '\n')
			break;
		if (st.st_size - cut > TIM_LEDGER_READ_MAX) {
			tim_errorf(err, 0, _("ledger '%s': torn line too long to repair"), path);
			goto out;
		}
	}
	if (cut == st.st_size) {
		ret = 0;
		goto out;
	}
	if (cut == 0) {
		tim_errorf(err, 0, _("ledger '%s' has no complete line; nothing to keep"), path);
		goto out;
	}
	if (tim_buf_grow(&torn, (size_t)(st.st_size - cut)) < 0 ||
	    pread(l->fd, torn.buf, (size_t)(st.st_size - cut), cut) != st.st_size - cut) {
		tim_errorf(err, errno, _("cannot read ledger '%s'"), path);
		goto out;
	}
	torn.len = (size_t)(st.st_size - cut);
	/* Keep the bytes first, synced, and only then cut them from the ledger. */
	tim_buf_addf(&tpath, "%s.torn", path);
	tfd = tim_open_regular(tpath.buf, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0600, err);
	if (tfd < 0 || tim_write_all(tfd, torn.buf, torn.len) < 0 ||
	    tim_write_all(tfd, "\n", 1) < 0 || fsync(tfd) < 0) {
		tim_errorf(err, errno, _("cannot save the torn line to '%s'"), tpath.buf);
		goto out;
	}
	if (ftruncate(l->fd, cut) < 0 || fsync(l->fd) < 0) {
		tim_errorf(err, errno, _("cannot cut the torn line from '%s'"), path);
		goto out;
	}
	*moved = torn.len;
	tim_sha256(torn.buf, torn.len, h);
	tim_hex(h, sizeof(h), hex);
	fields = json_pack("{s:I, s:s, s:s}", "torn_bytes", (json_int_t)torn.len,
	    "torn_sha256", hex, "saved_to", tpath.buf);
	l->locked = 0;	/* lock() takes it again on the same descriptor */
	if (fields == NULL || tim_ledger_lock(l, err) < 0 ||
	    tim_ledger_add(l, "repair", fields, seq, err) < 0 ||
	    tim_ledger_flush(l, err) < 0)
		goto out;
	ret = 0;
out:
	json_decref(fields);
	if (tfd >= 0)
		close(tfd);
	tim_buf_release(&torn);
	tim_buf_release(&tpath);
	tim_ledger_close(l);
	return ret;
}
