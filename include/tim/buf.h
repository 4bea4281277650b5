#ifndef TIM_BUF_H
#define TIM_BUF_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A growable byte buffer, always NUL-terminated (git's strbuf). A failed
 * allocation leaves the contents as they were, makes the call return -1 and
 * sets the sticky "failed" flag, so a caller may check after a series of
 * additions instead of after each one.
 */
struct tim_buf {
	char *buf;
	size_t len;
	size_t alloc;
	int failed;
};

#define TIM_BUF_INIT { NULL, 0, 0, 0 }

void tim_buf_init(struct tim_buf *b);
/* Frees the storage; the buffer is empty and usable again. */
void tim_buf_release(struct tim_buf *b);
/* Like release, but overwrites the bytes first: for secrets. */
void tim_buf_release_secret(struct tim_buf *b);
/* Makes room for extra more bytes. */
int tim_buf_grow(struct tim_buf *b, size_t extra);
int tim_buf_add(struct tim_buf *b, const void *data, size_t len);
int tim_buf_adds(struct tim_buf *b, const char *s);
int tim_buf_addch(struct tim_buf *b, int c);
int tim_buf_addf(struct tim_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int tim_buf_vaddf(struct tim_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/*
 * Appends s with & < > " ' written as entities: text fit for XML and HTML
 * content and attribute values alike.
 */
int tim_buf_addxml(struct tim_buf *b, const char *s);
void tim_buf_reset(struct tim_buf *b);
void tim_buf_truncate(struct tim_buf *b, size_t len);
/* The contents ("" when nothing was added). */
const char *tim_buf_str(const struct tim_buf *b);
/* Hands the storage to the caller, who frees it; the buffer is empty. */
char *tim_buf_detach(struct tim_buf *b, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
