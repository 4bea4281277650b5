/*
 * The reader and writer threads of sealing and opening (see sealio.h).
 * Each side is a ring of TIM_PIPE_NBUF buffers under one mutex: the queued
 * buffers run from `at` for `full` entries; the other thread owns the one
 * after them. Whatever fails is kept as an errno and given to the caller
 * at its next call, so every failure still surfaces in order.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "err.h"
#include "i18n.h"
#include "seal_impl.h"
#include "sealio.h"
#include "util.h"
#include "banned.h"

/* Starts fn with every signal blocked: they stay the main thread's. */
static int
start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? 0 : -1;
}

static void
free_bufs(unsigned char **b, size_t size)
{
	int i;

	for (i = 0; i < TIM_PIPE_NBUF; i++) {
		if (b[i] != NULL)
			OPENSSL_cleanse(b[i], size);
		free(b[i]);
	}
}

static int
alloc_bufs(unsigned char **b, size_t size)
{
	int i;

	for (i = 0; i < TIM_PIPE_NBUF; i++)
		if ((b[i] = malloc(size)) == NULL)
			return -1;
	return 0;
}

/* --- reading ------------------------------------------------------------- */

struct tim_areader {
	int fd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int threaded, stop;
	unsigned char *buf[TIM_PIPE_NBUF];
	size_t len[TIM_PIPE_NBUF];
	int at, full;		/* queued: at .. at + full - 1 */
	int held;		/* the caller holds buf[at] (counted in full) */
	int eof, error;		/* after the queued buffers */
	/* tim_areader_read: what is left of the held piece */
	const unsigned char *rp;
	size_t rn;
};

/* Fills b from the file: full, or short at the end; errno on failure. */
static ssize_t
fill(struct tim_areader *r, unsigned char *b, int cancel)
{
	size_t have = 0;
	ssize_t n;
	int old;

	while (have < TIM_PIPE_BUF) {
		if (cancel)
			pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
		n = read(r->fd, b + have, TIM_PIPE_BUF - have);
		if (cancel)
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	return (ssize_t)have;
}

static void *
reader_main(void *arg)
{
	struct tim_areader *r = arg;
	int old, slot, done = 0;
	ssize_t n;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	while (!done) {
		pthread_mutex_lock(&r->mu);
		while (r->full == TIM_PIPE_NBUF && !r->stop)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stop) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		slot = (r->at + r->full) % TIM_PIPE_NBUF;
		pthread_mutex_unlock(&r->mu);

		n = fill(r, r->buf[slot], 1);

		pthread_mutex_lock(&r->mu);
		if (n < 0) {
			r->error = errno ? errno : EIO;
			done = 1;
		} else if (n == 0) {
			r->eof = 1;
			done = 1;
		} else {
			r->len[slot] = (size_t)n;
			r->full++;
			/* A short piece: read() said the end. */
			if (n < (ssize_t)TIM_PIPE_BUF)
				r->eof = done = 1;
		}
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

struct tim_areader *
tim_areader_new(int fd)
{
	struct tim_areader *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->fd = fd;
	if (alloc_bufs(r->buf, TIM_PIPE_BUF) < 0) {
		free_bufs(r->buf, 0);
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	/* Only a hint: pipes and terminals say no. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->threaded = start_thread(&r->thread, reader_main, r) == 0;
	return r;
}

ssize_t
tim_areader_next(struct tim_areader *r, const unsigned char **p)
{
	ssize_t n;
	int e = 0;

	if (!r->threaded) {
		n = fill(r, r->buf[0], 0);
		*p = r->buf[0];
		return n;
	}
	pthread_mutex_lock(&r->mu);
	if (r->held) {
		r->held = 0;
		r->at = (r->at + 1) % TIM_PIPE_NBUF;
		r->full--;
		pthread_cond_broadcast(&r->cv);
	}
	while (r->full == 0 && !r->eof && !r->error)
		pthread_cond_wait(&r->cv, &r->mu);
	if (r->full > 0) {
		r->held = 1;
		*p = r->buf[r->at];
		n = (ssize_t)r->len[r->at];
	} else if (r->error) {
		e = r->error;
		n = -1;
	} else {
		n = 0;
	}
	pthread_mutex_unlock(&r->mu);
	if (n < 0)
		errno = e;
	return n;
}

ssize_t
tim_areader_span(struct tim_areader *r, const unsigned char **p, size_t max)
{
	ssize_t got;

	if (r->rn == 0) {
		got = tim_areader_next(r, &r->rp);
		if (got <= 0)
			return got;
		r->rn = (size_t)got;
	}
	if (max > r->rn)
		max = r->rn;
	*p = r->rp;
	r->rp += max;
	r->rn -= max;
	return (ssize_t)max;
}

ssize_t
tim_areader_read(void *ctx, void *buf, size_t n, struct tim_err *err)
{
	const unsigned char *p;
	ssize_t got = tim_areader_span(ctx, &p, n);

	if (got < 0)
		return tim_errorf(err, errno, _("cannot read the encrypted file"));
	if (got > 0)
		memcpy(buf, p, (size_t)got);
	return got;
}

void
tim_areader_free(struct tim_areader *r)
{
	if (r == NULL)
		return;
	if (r->threaded) {
		pthread_mutex_lock(&r->mu);
		r->stop = 1;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		/* It may wait in read() on a pipe or terminal that never ends. */
		pthread_cancel(r->thread);
		pthread_join(r->thread, NULL);
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free_bufs(r->buf, TIM_PIPE_BUF);
	free(r);
}

/* --- writing ------------------------------------------------------------- */

struct tim_awriter {
	int fd, regular;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int threaded, stop;
	unsigned char *buf[TIM_PIPE_NBUF];
	size_t len[TIM_PIPE_NBUF];
	int at, full;		/* queued: at .. at + full - 1; the writer's is buf[at] */
	int cur;		/* the caller's buffer, or -1 */
	size_t curlen;
	int error;
	uint64_t written, flushed;	/* the writing thread's (or the caller's) */
};

static int
put(struct tim_awriter *w, const unsigned char *b, size_t n)
{
	if (tim_write_all(w->fd, b, n) < 0)
		return -1;
	w->written += n;
	tim_seal_writeback(w->fd, w->regular, w->written, &w->flushed);
	return 0;
}

static void *
writer_main(void *arg)
{
	struct tim_awriter *w = arg;
	int rc;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (w->full == 0 && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop) {
			pthread_mutex_unlock(&w->mu);
			return NULL;
		}
		pthread_mutex_unlock(&w->mu);

		rc = w->error ? 0 : put(w, w->buf[w->at], w->len[w->at]);

		pthread_mutex_lock(&w->mu);
		if (rc < 0 && w->error == 0)
			w->error = errno ? errno : EIO;
		w->at = (w->at + 1) % TIM_PIPE_NBUF;
		w->full--;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
}

struct tim_awriter *
tim_awriter_new(int fd, int regular)
{
	struct tim_awriter *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->fd = fd;
	w->regular = regular;
	w->cur = -1;
	if (alloc_bufs(w->buf, TIM_PIPE_WBUF) < 0) {
		free_bufs(w->buf, 0);
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->threaded = start_thread(&w->thread, writer_main, w) == 0;
	return w;
}

/* Hands the caller's buffer to the writer (or writes it here). */
static int
submit(struct tim_awriter *w)
{
	int e;

	if (w->cur < 0)
		return 0;
	if (!w->threaded) {
		w->cur = -1;
		if (w->error)
			goto failed;
		if (put(w, w->buf[0], w->curlen) < 0) {
			w->error = errno ? errno : EIO;
			goto failed;
		}
		w->curlen = 0;
		return 0;
	}
	pthread_mutex_lock(&w->mu);
	w->len[w->cur] = w->curlen;
	w->full++;
	w->cur = -1;
	w->curlen = 0;
	e = w->error;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (e == 0)
		return 0;
	errno = e;
	return -1;
failed:
	w->curlen = 0;
	errno = w->error;
	return -1;
}

unsigned char *
tim_awriter_reserve(struct tim_awriter *w, size_t n)
{
	int e;

	if (n > TIM_PIPE_WBUF) {
		errno = EINVAL;
		return NULL;
	}
	if (w->cur >= 0 && w->curlen + n <= TIM_PIPE_WBUF)
		return w->buf[w->cur] + w->curlen;
	if (submit(w) < 0)
		return NULL;
	if (!w->threaded) {
		w->cur = 0;
		return w->buf[0];
	}
	pthread_mutex_lock(&w->mu);
	while (w->full == TIM_PIPE_NBUF && w->error == 0)
		pthread_cond_wait(&w->cv, &w->mu);
	e = w->error;
	if (e == 0)
		w->cur = (w->at + w->full) % TIM_PIPE_NBUF;
	pthread_mutex_unlock(&w->mu);
	if (e != 0) {
		errno = e;
		return NULL;
	}
	return w->buf[w->cur];
}

void
tim_awriter_commit(struct tim_awriter *w, size_t n)
{
	w->curlen += n;
}

int
tim_awriter_write(struct tim_awriter *w, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t room, take;

	while (n > 0) {
		room = w->cur >= 0 ? TIM_PIPE_WBUF - w->curlen : 0;
		if (room == 0) {
			if (tim_awriter_reserve(w, TIM_PIPE_WBUF) == NULL)
				return -1;
			room = TIM_PIPE_WBUF;
		}
		take = n < room ? n : room;
		memcpy(w->buf[w->cur] + w->curlen, s, take);
		w->curlen += take;
		s += take;
		n -= take;
	}
	return 0;
}

int
tim_awriter_flush(struct tim_awriter *w)
{
	int e;

	if (submit(w) < 0)
		return -1;
	if (!w->threaded)
		return 0;
	pthread_mutex_lock(&w->mu);
	while (w->full > 0 && w->error == 0)
		pthread_cond_wait(&w->cv, &w->mu);
	e = w->error;
	pthread_mutex_unlock(&w->mu);
	if (e == 0)
		return 0;
	errno = e;
	return -1;
}

void
tim_awriter_free(struct tim_awriter *w)
{
	if (w == NULL)
		return;
	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		w->stop = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free_bufs(w->buf, TIM_PIPE_WBUF);
	free(w);
}
