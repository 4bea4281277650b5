/*
 * Writing: create a ledger, and append records to it under the lock, one
 * at a time or in batches formatted in parallel.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <time.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

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
/* The seq of a record line, or 0 when it is not one. */
static uint64_t
line_seq(const json_t *o)
{
	json_t *seq = json_object_get(o, "seq");

	return json_is_integer(seq) && json_integer_value(seq) >= 1 ?
	    (uint64_t)json_integer_value(seq) : 0;
}

/*
 * Before a ledger is extended, its last record must still link to the line
 * before it: appending after a changed line would bury the change under new
 * records that look fine. prev is the last line's prev; before is the line
 * before it.
 */
static int
check_link(struct tim_ledger *l, const json_t *last, const char *before,
    size_t blen, int before_is_header, struct tim_err *err)
{
	unsigned char want[TIM_SHA256_LEN], got[TIM_SHA256_LEN];
	const char *prev = json_string_value(json_object_get(last, "prev"));
	uint64_t seq = line_seq(last), bseq = 0;
	json_t *b;
	int ok;

	b = json_loadb(before, blen, JSON_REJECT_DUPLICATES, NULL);
	ok = before_is_header ? tim_ledger_header_ok(b) : (bseq = line_seq(b)) != 0;
	json_decref(b);
	if (!ok || seq != (before_is_header ? 1 : bseq + 1) || prev == NULL ||
	    strlen(prev) != 2 * TIM_SHA256_LEN ||
	    tim_unhex(prev, TIM_SHA256_LEN, want) < 0 ||
	    tim_sha256_two(l->h, before, blen, NULL, 0, got) < 0 ||
	    memcmp(want, got, sizeof(got)) != 0)
		return tim_failf(err, _("ledger '%s' does not verify at its end: its last record (seq %llu) does not link to the line before it; nothing was appended; run 'tim-ledger verify %s'"),
		    l->path, (unsigned long long)seq, l->path);
	return 0;
}

int
tim_ledger_lock(struct tim_ledger *l, struct tim_err *err)
{
	struct tim_buf before = TIM_BUF_INIT;
	struct stat st;
	json_t *o;
	int first, bfirst;

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
	l->size = st.st_size;
	if (read_tail(l->fd, l->path, st.st_size, &l->scratch, &first, err) < 0)
		goto fail;
	o = json_loadb(l->scratch.buf, l->scratch.len, JSON_REJECT_DUPLICATES, NULL);
	if (first) {
		if (!tim_ledger_header_ok(o)) {
			json_decref(o);
			tim_errorf(err, 0, _("'%s' is not a tim ledger (no header line)"), l->path);
			goto fail;
		}
		l->next_seq = 1;
	} else {
		if (line_seq(o) == 0) {
			json_decref(o);
			tim_failf(err, _("ledger '%s' does not verify at its end: the last line is not a record; nothing was appended; run 'tim-ledger verify %s'"),
			    l->path, l->path);
			goto fail;
		}
		l->next_seq = line_seq(o) + 1;
		if (read_tail(l->fd, l->path, st.st_size - (off_t)l->scratch.len - 1,
		    &before, &bfirst, err) < 0 ||
		    check_link(l, o, before.buf, before.len, bfirst, err) < 0) {
			json_decref(o);
			tim_buf_release(&before);
			goto fail;
		}
	}
	json_decref(o);
	tim_buf_release(&before);
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
 * Who appended: the real user of the process, from its credentials (not
 * from USER or LOGNAME, which anyone can set). by= names the person
 * responsible; actor is who ran the command.
 */
static const char *
actor_name(void)
{
	static char name[256];
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (name[0] != '\0')
		return name;
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res &&
	    res->pw_name && *res->pw_name)
		snprintf(name, sizeof(name), "%s", res->pw_name);
	else
		snprintf(name, sizeof(name), "uid:%lu", (unsigned long)getuid());
	return name;
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
	    "time", now, "kind", kind, "actor", actor_name(), "host", tim_hostname());
	if (rec == NULL)
		return tim_errorf(err, ENOMEM, _("cannot build record"));
	json_object_foreach((json_t *)fields, key, v) {
		char utc[21];
		time_t t;

		/* at= as a person typed it (local) is kept as UTC, like time. */
		if (strcmp(key, "at") == 0 && json_is_string(v) &&
		    tim_ledger_time_parse(json_string_value(v), 0, &t) == 0) {
			tim_time_rfc3339(t, utc);
			if (json_object_set_new(rec, key, json_string(utc)) < 0)
				goto out;
		} else if (strcmp(key, "until") == 0 && json_is_string(v) &&
		    strchr(json_string_value(v), '/') != NULL &&
		    strchr(json_string_value(v), ':') == NULL &&
		    tim_ledger_time_parse(json_string_value(v), 0, &t) == 0) {
			/* Excel's 2026/12/10 as the date people and tim compare. */
			tim_date_local(t, utc);
			if (json_object_set_new(rec, key, json_string(utc)) < 0)
				goto out;
		} else if (json_object_set(rec, key, v) < 0)
			goto out;
	}
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
	if (tim_ledger_check_fields(kind, fields, err) < 0 ||
	    tim_ledger_rules_check(l->rules, kind, fields, err) < 0 ||
	    tim_ledger_links_check(l, kind, fields, l->next_seq, 0, NULL, NULL, err) < 0)
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
		if (tim_ledger_check_fields(kinds[i], fields[i], err) < 0 ||
		    tim_ledger_rules_check(l->rules, kinds[i], fields[i], err) < 0 ||
		    tim_ledger_links_check(l, kinds[i], fields[i], l->next_seq + i,
		    l->next_seq, kinds, fields, err) < 0) {
			if (n > 1)
				tim_err_prefix(err, _("record %zu of %zu"), i + 1, n);
			return -1;
		}
	(void)actor_name();	/* once, before the threads */
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
tim_ledger_cut_back(int fd, off_t size)
{
	int r;

	while ((r = ftruncate(fd, size)) < 0 && errno == EINTR)
		;
	return r < 0 ? -1 : fsync(fd);
}

/*
 * One write under the lock. When it fails (a full disk, a quota, an I/O
 * error) the file is cut back to its size before the attempt, so that no
 * torn line and no part of a batch is left: nothing was appended.
 */
int
tim_ledger_flush(struct tim_ledger *l, struct tim_err *err)
{
	int e;

	if (l->pending.len == 0)
		return 0;
	if (!l->locked)
		return tim_errorf(err, 0, _("ledger not locked"));
	/* One write: with O_APPEND a reader sees the whole batch or a torn tail. */
	if (tim_write_all(l->fd, l->pending.buf, l->pending.len) == 0 &&
	    ((l->flags & TIM_LEDGER_NOSYNC) || fdatasync(l->fd) == 0)) {
		l->size += (off_t)l->pending.len;
		tim_buf_reset(&l->pending);
		return 0;
	}
	e = errno;
	tim_buf_reset(&l->pending);
	if (tim_ledger_cut_back(l->fd, l->size) < 0)
		return tim_errorf(err, e, _("cannot append to ledger '%s', and cannot cut it back to its size before (%s): it ends in a torn line; run 'tim-ledger repair %s'"),
		    l->path, strerror(errno), l->path);
	return tim_errorf(err, e, _("cannot append to ledger '%s'; nothing was appended"), l->path);
}

int
tim_ledger_append(struct tim_ledger *l, const char *kind, const json_t *fields,
    uint64_t *seq, struct tim_err *err)
{
	int r;

	/* Check before locking, so a usage error never holds others up. */
	if (tim_ledger_check_fields(kind, fields, err) < 0 ||
	    tim_ledger_rules_check(l->rules, kind, fields, err) < 0)
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

/* A group by name or number. */
static int
group_id(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096];
	char *end;
	unsigned long n;

	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) == 0 && res != NULL) {
		*gid = res->gr_gid;
		return 0;
	}
	errno = 0;
	n = strtoul(name, &end, 10);
	if (*name >= '0' && *name <= '9' && *end == '\0' && errno == 0) {
		*gid = (gid_t)n;
		return 0;
	}
	return -1;
}

int
tim_ledger_set_access(const char *path, const char *group, int append_only,
    struct tim_err *err)
{
	gid_t gid;
	int fd, attr = 0, r = -1;

	fd = tim_open_regular(path, O_RDONLY | O_NOFOLLOW, 0, err);
	if (fd < 0)
		return -1;
	if (group != NULL) {
		if (group_id(group, &gid) < 0) {
			tim_invalidf(err, _("no group '%s'"), group);
			goto out;
		}
		/* Staff of the group append; only the owner signs and repairs. */
		if (fchown(fd, (uid_t)-1, gid) < 0) {
			tim_errorf(err, errno, _("cannot give ledger '%s' to group '%s'"), path, group);
			goto out;
		}
		if (fchmod(fd, 0660) < 0) {
			tim_errorf(err, errno, _("cannot make ledger '%s' group-writable"), path);
			goto out;
		}
	}
	if (append_only) {
		if (ioctl(fd, FS_IOC_GETFLAGS, &attr) < 0) {
			tim_errorf(err, errno, _("cannot set the append-only attribute on '%s': this filesystem has no such attribute"), path);
			goto out;
		}
		attr |= FS_APPEND_FL;
		if (ioctl(fd, FS_IOC_SETFLAGS, &attr) < 0) {
			if (errno == EPERM)
				tim_errorf(err, errno, _("cannot set the append-only attribute on '%s': only root (CAP_LINUX_IMMUTABLE) may"), path);
			else
				tim_errorf(err, errno, _("cannot set the append-only attribute on '%s'"), path);
			goto out;
		}
	}
	r = 0;
out:
	close(fd);
	return r;
}
