#ifndef TIM_WIPE_FILE_H
#define TIM_WIPE_FILE_H

#include <jansson.h>
#include <sys/stat.h>

struct tim_err;

/*
 * File erasure around the overwrite engine (wipe.c): opening a regular file
 * safely for it, taking its name away afterwards, and the identity that
 * tells a resumed run it still has the same file.
 */

/* What tim_wipe_file_open may do. */
enum {
	TIM_WIPE_FILE_READONLY = 1,	/* --check: only read back */
	TIM_WIPE_FILE_LINKS = 2		/* overwrite a file with other hard links */
};

/*
 * Opens name in dirfd for erasure: never through a symbolic link, only a
 * regular file, one with more hard links only with TIM_WIPE_FILE_LINKS
 * (or TIM_WIPE_FILE_READONLY), and the file opened must be the one looked
 * at. path names it in messages. Returns the descriptor with st filled,
 * or -1 with err (TIM_ERR_REFUSED for a file that is not erased for one of
 * these reasons, TIM_ERR_SYSTEM when it cannot be looked at or opened).
 */
int tim_wipe_file_open(int dirfd, const char *name, const char *path, int flags,
    struct stat *st, struct tim_err *err);

/*
 * The name is data too: renames name in dirfd to random names of shrinking
 * length three times, syncing the directory each time, then (a file, fd
 * open on it) truncates it to nothing and unlinks it, or (a directory,
 * isdir) removes it. Returns 0, or -1 with err.
 */
int tim_wipe_remove_name(int dirfd, const char *name, int fd, int isdir,
    struct tim_err *err);

/*
 * Device, inode, size and change time (which a write after the last pass
 * changes): a new object, or NULL without memory.
 */
json_t *tim_wipe_file_identity(const struct stat *st);

/* 1 when id (from tim_wipe_file_identity) still describes st, else 0. */
int tim_wipe_file_same(const json_t *id, const struct stat *st);

/*
 * The certificate's media description of the file open on fd: its size
 * and its file system's magic number. A new object.
 */
json_t *tim_wipe_file_media(int fd, const struct stat *st);

/*
 * Splits path into its folder, opened (the descriptor returned), and its
 * last name (*base, inside *copy, which the caller frees). A path whose
 * last name is empty, "." or ".." is refused (TIM_ERR_REFUSED): there is
 * no name to take away. Returns -1 with err, *copy NULL.
 */
int tim_wipe_file_parent(const char *path, char **copy, const char **base,
    struct tim_err *err);

/*
 * The name of the copy-on-write file system (btrfs, zfs, f2fs, nilfs2,
 * bcachefs) the file open on fd is on, where an overwrite goes to new
 * blocks and leaves the old data; NULL for any other.
 */
const char *tim_wipe_file_cow(int fd);

#endif
