#ifndef TIM_WIPE_TREE_H
#define TIM_WIPE_TREE_H

#include <signal.h>

struct tim_err;

/*
 * Tree erasure (tim-wipe -r) over the one walker (walk.c): every regular
 * file handed to the caller to erase, symbolic links, FIFOs and sockets
 * (no file data) unlinked, device nodes and other file systems left alone,
 * each folder renamed and removed after its entries (post-order) when
 * everything in it went.
 */

struct tim_wipe_tree_ops {
	/*
	 * Erases the regular file name in dirfd (path names it for people).
	 * Returns 0 when it is gone, 1 when it was kept (its folders stay),
	 * -1 to end the walk.
	 */
	int (*file)(void *ctx, int dirfd, const char *name, const char *path);
	/*
	 * An entry left alone or a failure; err says why and, by its kind,
	 * how bad. Returns 0 to go on, -1 to end the walk.
	 */
	int (*problem)(void *ctx, const struct tim_err *err);
	volatile sig_atomic_t *stop;	/* set (by a signal): stop between files */
	int keep;		/* remove no name: --keep, --check, -n */
};

enum { TIM_WIPE_TREE_STOPPED = 2 };

/*
 * Erases the folder name in dirfd (path: as the user named it). Returns 0
 * when the walk went to the end, TIM_WIPE_TREE_STOPPED when *stop ended it
 * between two files, -1 when a callback ended it.
 */
int tim_wipe_tree(int dirfd, const char *name, const char *path,
    const struct tim_wipe_tree_ops *ops, void *ctx);

#endif
