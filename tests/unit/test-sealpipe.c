/*
 * The reader and writer threads of tim-seal (libtim/sealpipe.c): bytes come
 * out in order and complete across many turns of the ring, a failed write
 * or read reaches the caller with its errno, and a reader waiting on a pipe
 * that never ends is stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "sealio.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-sealpipe-XXXXXX";
static char file[128];

static unsigned char *
pattern(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n);
	size_t i;

	for (i = 0; p != NULL && i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
	return p;
}

static unsigned char *
slurp(const char *path, size_t *n)
{
	struct stat sb;
	unsigned char *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &sb) < 0)
		return NULL;
	p = malloc((size_t)sb.st_size + 1);
	*n = p && read(fd, p, (size_t)sb.st_size) == sb.st_size ? (size_t)sb.st_size : 0;
	close(fd);
	return p;
}

/* Writes by copy and by reserve/commit, in uneven sizes, then compares. */
static void
test_writer_order(void)
{
	size_t total = 9 * TIM_PIPE_BUF + 4321, at = 0, step, got = 0;
	unsigned char *want = pattern(total, 7), *have, *w;
	struct tim_awriter *aw;
	int fd, k = 0, rc = 0;

	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	aw = tim_awriter_new(fd, 1);
	ok(fd >= 0 && aw != NULL, "writer started");
	while (at < total && rc == 0) {
		step = (size_t[]){ 1, 4096, 262144 + 5, TIM_PIPE_WBUF, 3 * TIM_PIPE_BUF + 17 }[k++ % 5];
		if (step > total - at)
			step = total - at;
		if (k % 2 && step <= TIM_PIPE_WBUF) {
			w = tim_awriter_reserve(aw, step);
			if (w == NULL) {
				rc = -1;
				break;
			}
			memcpy(w, want + at, step);
			tim_awriter_commit(aw, step);
		} else {
			rc = tim_awriter_write(aw, want + at, step);
		}
		at += step;
	}
	ok(rc == 0, "every piece handed over");
	is_int(tim_awriter_flush(aw), 0, "flush");
	tim_awriter_free(aw);
	close(fd);
	have = slurp(file, &got);
	is_int(got, total, "all %zu bytes written", total);
	ok(have != NULL && got == total && memcmp(have, want, total) == 0,
	    "in the order given");
	free(have);
	free(want);
}

/* /dev/full: ENOSPC comes back, at the latest from the flush. */
static void
test_writer_error(void)
{
	unsigned char *data = pattern(3 * TIM_PIPE_BUF, 3);
	struct tim_awriter *aw;
	int fd = open("/dev/full", O_WRONLY), rc;

	aw = tim_awriter_new(fd, 0);
	ok(fd >= 0 && aw != NULL, "writer to /dev/full started");
	rc = tim_awriter_write(aw, data, 3 * TIM_PIPE_BUF);
	if (rc == 0)
		rc = tim_awriter_flush(aw);
	is_int(rc, -1, "the failed write is reported");
	is_int(errno, ENOSPC, "as ENOSPC");
	errno = 0;
	ok(tim_awriter_write(aw, data, 10) < 0 || tim_awriter_flush(aw) < 0,
	    "and again after that");
	is_int(errno, ENOSPC, "still ENOSPC");
	tim_awriter_free(aw);
	close(fd);
	free(data);

	/* a file open for reading only: EBADF */
	fd = open(file, O_RDONLY);
	aw = tim_awriter_new(fd, 1);
	ok(aw != NULL && tim_awriter_write(aw, "x", 1) == 0, "a byte handed over");
	is_int(tim_awriter_flush(aw), -1, "flush fails");
	is_int(errno, EBADF, "with EBADF");
	tim_awriter_free(aw);
	close(fd);

	/* dropped unwritten: free without flush returns and writes nothing more */
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	aw = tim_awriter_new(fd, 1);
	ok(aw != NULL && tim_awriter_write(aw, "abc", 3) == 0, "three bytes kept back");
	tim_awriter_free(aw);
	is_int(lseek(fd, 0, SEEK_END), 0, "a writer freed without flush drops what it still held");
	close(fd);
}

static void
test_reader(void)
{
	size_t total = 5 * TIM_PIPE_BUF + 123, at = 0;
	unsigned char *want = pattern(total, 11), buf[1000];
	const unsigned char *p;
	struct tim_areader *r;
	struct tim_err err;
	int fd, pieces = 0, same = 1, sized = 1;
	ssize_t n;

	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0 && write(fd, want, total) == (ssize_t)total, "a file of %zu bytes", total);
	lseek(fd, 0, SEEK_SET);
	r = tim_areader_new(fd);
	ok(r != NULL, "reader started");
	while ((n = tim_areader_next(r, &p)) > 0) {
		if (at + (size_t)n > total || memcmp(p, want + at, (size_t)n) != 0)
			same = 0;
		if ((size_t)n != TIM_PIPE_BUF && at + (size_t)n != total)
			sized = 0;
		at += (size_t)n;
		pieces++;
	}
	is_int(n, 0, "then the end");
	is_int(tim_areader_next(r, &p), 0, "and the end again");
	is_int(at, total, "every byte");
	ok(same, "in order");
	ok(sized, "in whole buffers but the last");
	is_int(pieces, 6, "six pieces");
	tim_areader_free(r);

	/* as a struct tim_src, in small reads */
	lseek(fd, 0, SEEK_SET);
	r = tim_areader_new(fd);
	tim_err_clear(&err);
	at = 0;
	same = 1;
	while ((n = tim_areader_read(r, buf, sizeof(buf), &err)) > 0) {
		if (at + (size_t)n > total || memcmp(buf, want + at, (size_t)n) != 0)
			same = 0;
		at += (size_t)n;
	}
	ok(n == 0 && at == total && same, "read as a source: the same bytes");
	tim_areader_free(r);
	close(fd);

	/* a read error: EBADF */
	fd = open(file, O_WRONLY);
	r = tim_areader_new(fd);
	is_int(tim_areader_next(r, &p), -1, "a file not open for reading fails");
	is_int(errno, EBADF, "with EBADF");
	tim_areader_free(r);
	r = tim_areader_new(fd);
	tim_err_clear(&err);
	is_int(tim_areader_read(r, buf, sizeof(buf), &err), -1, "as a source too");
	is_str(err.msg, "cannot read the encrypted file: Bad file descriptor",
	    "which names the envelope and the reason");
	tim_areader_free(r);
	close(fd);
	free(want);
}

/* A pipe whose writer never closes: freeing the reader does not hang. */
static void
test_reader_stop(void)
{
	struct tim_areader *r;
	int pfd[2];

	ok(pipe(pfd) == 0 && write(pfd[1], "0123456789", 10) == 10, "a pipe with 10 bytes");
	r = tim_areader_new(pfd[0]);
	usleep(100000);
	alarm(20);		/* a hang fails the test instead of blocking it */
	tim_areader_free(r);
	alarm(0);
	ok(1, "a reader waiting in read() is stopped");
	close(pfd[0]);
	close(pfd[1]);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(file, sizeof(file), "%s/f", dir);
	test_writer_order();
	test_writer_error();
	test_reader();
	test_reader_stop();
	unlink(file);
	rmdir(dir);
	return tap_done();
}
