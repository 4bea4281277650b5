/*
 * For the libFuzzer targets whose parser reads a file or a folder: one
 * scratch folder per process (under $TMPDIR, removed at exit), the input
 * written to a file in it, and a tree removed after each run.
 */
#ifndef TIM_FUZZ_SCRATCH_H
#define TIM_FUZZ_SCRATCH_H

#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_dir[4096];

static int
fuzz_rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	remove(p);
	return 0;
}

/* Removes path and everything below it. */
static void
fuzz_rm_tree(const char *path)
{
	nftw(path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
fuzz_scratch_done(void)
{
	if (fuzz_dir[0])
		fuzz_rm_tree(fuzz_dir);
}

/* The process's scratch folder, made on first use. */
static const char *
fuzz_scratch(void)
{
	const char *t = getenv("TMPDIR");

	if (fuzz_dir[0] == '\0') {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/tim-fuzz-XXXXXX",
		    t && *t ? t : "/tmp");
		if (mkdtemp(fuzz_dir) == NULL)
			abort();
		atexit(fuzz_scratch_done);
	}
	return fuzz_dir;
}

/* scratch/name, as a static string (one at a time). */
static const char *
fuzz_path(const char *name)
{
	static char p[8192];

	snprintf(p, sizeof(p), "%s/%s", fuzz_scratch(), name);
	return p;
}

/* Writes data to path with mode; aborts on failure (not the target's bug). */
static void
fuzz_write(const char *path, const void *data, size_t size, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	const char *p = data;
	ssize_t n;

	if (fd < 0)
		abort();
	while (size > 0) {
		n = write(fd, p, size);
		if (n <= 0)
			abort();
		p += n;
		size -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || close(fd) < 0)
		abort();
}

#endif
