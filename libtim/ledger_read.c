/* Reading: the lines of a ledger in order, one at a time or in big chunks. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "ledger_json.h"
#include "util.h"
#include "banned.h"

#define CHUNK (4 << 20)
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

int
tim_ledger_line_prev(const char *line, size_t len, unsigned char prev[TIM_SHA256_LEN])
{
	static const char tag[] = ",\"prev\":\"";
	size_t tl = sizeof(tag) - 1, hl = 2 * TIM_SHA256_LEN;

	if (len < tl + hl + 2 || memcmp(line + len - 2, "\"}", 2) != 0 ||
	    memcmp(line + len - 2 - hl - tl, tag, tl) != 0)
		return -1;
	return tim_unhex(line + len - 2 - hl, TIM_SHA256_LEN, prev);
}
