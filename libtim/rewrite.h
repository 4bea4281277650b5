#ifndef TIM_REWRITE_H
#define TIM_REWRITE_H

#include <sys/stat.h>

struct tim_err;

/*
 * Rewriting a file safely: the new contents go to a temporary file in the
 * same directory, which takes the original's mode, owner, extended
 * attributes and times, is synced, and replaces the original by rename(2)
 * only when everything worked. The original is never half-written.
 * Where the filesystem allows (O_TMPFILE), the temporary file has no name
 * until the moment it replaces the original, so that a kill -9 leaves no
 * copy of the contents behind; elsewhere it is a hidden .tim-??????
 * (tim_rewrite_is_leftover), which the tree walkers skip.
 */
struct tim_rewrite {
	const char *path;
	int in;			/* the original, opened without following a symlink */
	int out;		/* the temporary file, -1 until begin */
	struct stat st;		/* the original's */
	char *tmp;		/* the temporary file's path (NULL while it has none) */
	int keep_times;		/* restore atime and mtime (default 1) */
	int anon;		/* out is an O_TMPFILE: no name until commit */
};

/* Opens path (a regular file, not a symlink) for reading. */
int tim_rewrite_open(struct tim_rewrite *rw, const char *path,
    struct tim_err *err);
/* Creates the temporary file next to the original. */
int tim_rewrite_begin(struct tim_rewrite *rw, struct tim_err *err);
/* Copies metadata, syncs, renames over the original, syncs the folder. */
int tim_rewrite_commit(struct tim_rewrite *rw, struct tim_err *err);
/* Closes everything and removes a temporary file that was not committed. */
void tim_rewrite_release(struct tim_rewrite *rw);

/* Whether a file name is one of tim's temporary copies: .tim- and six random characters. */
int tim_rewrite_is_leftover(const char *name);

/* Copies n bytes (all to the end when n < 0) from in at its offset to out. */
int tim_copy_fd(int in, int out, long long n, struct tim_err *err);

#endif
