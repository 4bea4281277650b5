#ifndef TIM_WALK_H
#define TIM_WALK_H

#include <stddef.h>

struct tim_err;

/*
 * The one tree walker (tim-mark --list, tim-wipe -r, tim-check): through
 * descriptors (openat with O_NOFOLLOW, so a folder swapped for a symbolic
 * link mid-walk is not entered), the names of a folder read in full and
 * sorted before any callback runs (callbacks may rename or remove them),
 * symbolic links reported and never followed, a depth limit.
 */

#define TIM_WALK_DEPTH_MAX	256

/* What a callback says: go on, do not descend into this folder, stop. */
enum {
	TIM_WALK_CONTINUE = 0,
	TIM_WALK_SKIP = 1,
	TIM_WALK_STOP = 2
};

/* Entry types, from fstatat (or readdir's d_type with TIM_WALK_DTYPE). */
enum tim_walk_type {
	TIM_WALK_REG,
	TIM_WALK_DIR,
	TIM_WALK_LNK,
	TIM_WALK_OTHER
};

struct tim_walk_entry {
	int dirfd;		/* the folder that holds it (AT_FDCWD for the root) */
	const char *name;	/* its name in dirfd */
	const char *path;	/* the root as given, then "/name" per level */
	const char *rel;	/* relative to the root ("" for the root) */
	enum tim_walk_type type;
	int depth;		/* 0 for the root */
};

struct tim_walk_ops {
	/*
	 * Every entry, the root first. For a folder, TIM_WALK_SKIP keeps the
	 * walk out of it. Required.
	 */
	int (*visit)(const struct tim_walk_entry *e, void *arg);
	/*
	 * A folder once opened, with its descriptor, before its entries: where
	 * a caller looks for a file inside it (.timlabel). May be NULL.
	 */
	int (*enter)(const struct tim_walk_entry *e, int fd, void *arg);
	/* A folder after its entries (removal, post-order). May be NULL. */
	int (*leave)(const struct tim_walk_entry *e, void *arg);
	/*
	 * A folder that cannot be opened or read, or is nested deeper than
	 * max_depth: errnum (ELOOP for depth). Return TIM_WALK_CONTINUE to
	 * go on with the rest, TIM_WALK_STOP to end. NULL: end the walk with
	 * the error.
	 */
	int (*error)(const struct tim_walk_entry *e, int errnum, void *arg);
	int max_depth;		/* 0: TIM_WALK_DEPTH_MAX */
};

#define TIM_WALK_DTYPE	1

/*
 * Walks root (relative to dirfd, or AT_FDCWD). Returns 0 when the walk
 * ended, TIM_WALK_STOP when a callback stopped it, -1 with err filled for
 * an error no callback took (or a callback that returned a negative value
 * and filled err itself).
 */
int tim_walk(int dirfd, const char *root, const struct tim_walk_ops *ops,
    void *arg, struct tim_err *err);

/*
 * tim_walk with flags. TIM_WALK_DTYPE: an entry's type comes from readdir's
 * d_type where the file system gives one, without an fstatat per entry.
 * The type can then be stale (renamed or swapped since the folder was
 * read): only for callers that open what they visit with O_NOFOLLOW and
 * check what they opened (folders are entered that way by the walker).
 */
int tim_walk_flags(int dirfd, const char *root, const struct tim_walk_ops *ops,
    void *arg, int flags, struct tim_err *err);

#endif
