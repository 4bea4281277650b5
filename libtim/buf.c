#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "banned.h"

void
tim_buf_init(struct tim_buf *b)
{
	b->buf = NULL;
	b->len = 0;
	b->alloc = 0;
	b->failed = 0;
}

void
tim_buf_release(struct tim_buf *b)
{
	free(b->buf);
	tim_buf_init(b);
}

void
tim_buf_release_secret(struct tim_buf *b)
{
	if (b->buf != NULL)
		OPENSSL_cleanse(b->buf, b->alloc);
	tim_buf_release(b);
}

int
tim_buf_grow(struct tim_buf *b, size_t extra)
{
	size_t want, n;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		goto fail;
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < want)
		n = n > SIZE_MAX / 2 ? want : n * 2;
	p = realloc(b->buf, n);
	if (p == NULL)
		goto fail;
	b->buf = p;
	b->alloc = n;
	b->buf[b->len] = '\0';
	return 0;
fail:
	b->failed = 1;
	errno = ENOMEM;
	return -1;
}

int
tim_buf_add(struct tim_buf *b, const void *data, size_t len)
{
	if (tim_buf_grow(b, len) < 0)
		return -1;
	if (len > 0)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return 0;
}

int
tim_buf_adds(struct tim_buf *b, const char *s)
{
	return tim_buf_add(b, s, strlen(s));
}

int
tim_buf_addch(struct tim_buf *b, int c)
{
	char ch = (char)c;

	return tim_buf_add(b, &ch, 1);
}

int
tim_buf_vaddf(struct tim_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (tim_buf_grow(b, 64) < 0)
		return -1;
	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->buf[b->len] = '\0';
		b->failed = 1;
		return -1;
	}
	if ((size_t)n >= b->alloc - b->len) {
		if (tim_buf_grow(b, (size_t)n) < 0) {
			b->buf[b->len] = '\0';
			return -1;
		}
		va_copy(cp, ap);
		n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, cp);
		va_end(cp);
		if (n < 0) {
			b->buf[b->len] = '\0';
			b->failed = 1;
			return -1;
		}
	}
	b->len += (size_t)n;
	return 0;
}

int
tim_buf_addf(struct tim_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tim_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

int
tim_buf_addxml(struct tim_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': tim_buf_adds(b, "&amp;"); break;
		case '<': tim_buf_adds(b, "&lt;"); break;
		case '>': tim_buf_adds(b, "&gt;"); break;
		case '"': tim_buf_adds(b, "&quot;"); break;
		case '\'': tim_buf_adds(b, "&#39;"); break;
		default: tim_buf_addch(b, *s); break;
		}
	}
	return b->failed ? -1 : 0;
}

void
tim_buf_reset(struct tim_buf *b)
{
	tim_buf_truncate(b, 0);
}

void
tim_buf_truncate(struct tim_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->buf[len] = '\0';
	}
}

const char *
tim_buf_str(const struct tim_buf *b)
{
	return b->buf ? b->buf : "";
}

char *
tim_buf_detach(struct tim_buf *b, size_t *len)
{
	char *p;

	if (b->buf == NULL && tim_buf_grow(b, 0) < 0)
		return NULL;
	p = b->buf;
	if (len)
		*len = b->len;
	tim_buf_init(b);
	return p;
}
