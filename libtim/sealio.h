#ifndef TIM_SEALIO_H
#define TIM_SEALIO_H

#include <stddef.h>
#include <sys/types.h>

struct tim_err;

/*
 * Files for tim-seal: a temporary file beside its destination, moved into
 * place without ever replacing an existing file, and removed on any failure
 * so that nothing half-written or unverified stays. Where the file system
 * allows it the file has no name at all until it is linked into place
 * (O_TMPFILE), so not even a killed process leaves plaintext behind;
 * elsewhere it is a hidden name made with O_EXCL, mode 0600.
 */
struct tim_tmpfile {
	int fd;
	char *path;		/* the temporary name; NULL while unnamed */
	char *dest;		/* where it goes */
	int replace;		/* set before open: replace dest (--force) */
};

int tim_tmpfile_open(struct tim_tmpfile *t, const char *dest,
    struct tim_err *err);
/* Syncs, sets mode and renames into place (replacing dest only with replace). */
int tim_tmpfile_commit(struct tim_tmpfile *t, int mode, struct tim_err *err);
/* Removes the file if it is still there; safe to call twice. */
void tim_tmpfile_discard(struct tim_tmpfile *t);

/* An anonymous temporary file in $TMPDIR, already unlinked. */
int tim_tmpfile_anon(struct tim_err *err);

/*
 * Reading, encryption and writing overlapped (sealpipe.c): a reader thread
 * fills a small ring of buffers from a file ahead of the encryption, and a
 * writer thread empties another to the output behind it, so the kernel's
 * copies run on another core while this one runs AES. Memory stays
 * constant (TIM_PIPE_NBUF buffers each); buffers are cleansed when freed,
 * since they hold plaintext. Without a thread (pthread_create failed) both
 * work in the caller's thread, only slower. The threads block every signal.
 */
/*
 * Eight buffers of one 256 KiB chunk: measured faster than four of 1 MiB
 * (what one core writes, the other reads while it is still in the cache).
 */
#define TIM_PIPE_NBUF	8
#define TIM_PIPE_BUF	((size_t)1 << 18)	/* a reader's buffer */
#define TIM_PIPE_WBUF	(TIM_PIPE_BUF + 256)	/* a writer's: a chunk and its header */

struct tim_areader;
struct tim_awriter;

/* Starts reading fd (advised sequential); NULL: out of memory (errno). */
struct tim_areader *tim_areader_new(int fd);
/*
 * The next piece read, into *p: its size, 0 at the end, -1 with errno when
 * read failed. The piece stays valid until the next call. Pieces fill
 * their buffer unless the file ended.
 */
ssize_t tim_areader_next(struct tim_areader *r, const unsigned char **p);
/*
 * Up to max bytes of what was read, in place: *p stays valid until the next
 * call; 0 at the end, -1 with errno. Mixes with tim_areader_read.
 */
ssize_t tim_areader_span(struct tim_areader *r, const unsigned char **p, size_t max);
/* A struct tim_src read over the reader (copies; errors name the envelope). */
ssize_t tim_areader_read(void *ctx, void *buf, size_t n, struct tim_err *err);
/* Stops the thread (even one waiting in read), cleanses, frees; NULL is fine. */
void tim_areader_free(struct tim_areader *r);

/*
 * Writes to fd in order; with regular, starts writeback every 32 MiB
 * (tim_seal_writeback). NULL: out of memory (errno).
 */
struct tim_awriter *tim_awriter_new(int fd, int regular);
/*
 * Room for n (<= TIM_PIPE_WBUF) bytes to fill and then tim_awriter_commit;
 * NULL with errno when an earlier write failed.
 */
unsigned char *tim_awriter_reserve(struct tim_awriter *w, size_t n);
void tim_awriter_commit(struct tim_awriter *w, size_t n);
/* Copies n bytes in; -1 with errno when an earlier write failed. */
int tim_awriter_write(struct tim_awriter *w, const void *p, size_t n);
/* Everything handed over is written (not synced); -1 with errno. */
int tim_awriter_flush(struct tim_awriter *w);
/* Stops the thread, dropping what it has not written; cleanses, frees. */
void tim_awriter_free(struct tim_awriter *w);

#endif
