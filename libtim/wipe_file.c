#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "err.h"
#include "i18n.h"
#include "wipe_file.h"
#include "banned.h"

/* Records why the file was not opened: errnum 0 means it was refused. */
static int
refused(struct tim_err *err, int fd, const char *fmt, const char *path,
    unsigned long n)
{
	if (fd >= 0)
		close(fd);
	tim_failf(err, fmt, path, n);
	return -1;
}

static int
system_failed(struct tim_err *err, const char *fmt, const char *path)
{
	int e = errno;

	tim_errorf(err, 0, fmt, path, strerror(e));
	err->errnum = e;
	return -1;
}

int
tim_wipe_file_open(int dirfd, const char *name, const char *path, int flags,
    struct stat *st, struct tim_err *err)
{
	int ro = flags & TIM_WIPE_FILE_READONLY, fd;
	struct stat st2;

	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return system_failed(err, _("cannot stat '%s': %s"), path);
	if (S_ISLNK(st->st_mode))
		return refused(err, -1, _("'%s' is a symbolic link; not followed"), path, 0);
	if (!S_ISREG(st->st_mode))
		return refused(err, -1, _("'%s' is not a regular file"), path, 0);
	if (st->st_nlink > 1 && !(flags & TIM_WIPE_FILE_LINKS) && !ro)
		return refused(err, -1, _("'%s' has %lu hard links: its data would stay reachable under the other names after this one is removed; erase it with --force-links to overwrite the data for all of them"),
		    path, (unsigned long)st->st_nlink);
	fd = openat(dirfd, name, (ro ? O_RDONLY : O_RDWR) | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return system_failed(err, _("cannot open '%s': %s"), path);
	if (fstat(fd, &st2) < 0 || st2.st_dev != st->st_dev ||
	    st2.st_ino != st->st_ino || !S_ISREG(st2.st_mode))
		return refused(err, fd, _("'%s' changed while it was opened; not touched"), path, 0);
	(void)fcntl(fd, F_SETFL, 0);
	return fd;
}

static int
random_name(char *out, size_t len)
{
	static const char set[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[NAME_MAX];
	size_t i, got = 0;

	while (got < len) {
		ssize_t n = getrandom(rnd + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	for (i = 0; i < len; i++)
		out[i] = set[rnd[i] % (sizeof(set) - 1)];
	out[len] = '\0';
	return 0;
}

/* One rename of cur to a fresh random name of nl characters, into next. */
static int
rename_once(int dirfd, const char *cur, char *next, size_t nl,
    struct tim_err *err)
{
	struct stat st;
	int k;

	for (k = 0; k < 32; k++) {
		if (random_name(next, nl) < 0)
			return tim_errorf(err, errno, _("cannot get random bytes"));
		if (renameat2(dirfd, cur, dirfd, next, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EEXIST)
			continue;
		/* File systems without RENAME_NOREPLACE: look first. */
		if (errno == EINVAL && fstatat(dirfd, next, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT && renameat(dirfd, cur, dirfd, next) == 0)
			return 0;
		if (errno == ENOENT || errno == EINVAL)
			continue;
		return tim_errorf(err, errno, _("cannot rename '%s'"), cur);
	}
	return tim_errorf(err, EEXIST, _("cannot rename '%s'"), cur);
}

int
tim_wipe_remove_name(int dirfd, const char *name, int fd, int isdir,
    struct tim_err *err)
{
	char cur[NAME_MAX + 1], next[NAME_MAX + 1];
	size_t len = strlen(name), i, nl;

	if (len > NAME_MAX)
		len = NAME_MAX;
	snprintf(cur, sizeof(cur), "%s", name);
	for (i = 0; i < 3; i++) {
		nl = len >> i ? len >> i : 1;
		if (rename_once(dirfd, cur, next, nl, err) < 0)
			return -1;
		memcpy(cur, next, nl + 1);
		(void)fsync(dirfd);
	}
	if (!isdir && (ftruncate(fd, 0) < 0 || fdatasync(fd) < 0))
		return tim_errorf(err, errno, _("cannot truncate '%s'"), cur);
	if (unlinkat(dirfd, cur, isdir ? AT_REMOVEDIR : 0) < 0)
		return tim_errorf(err, errno, _("cannot remove '%s'"), cur);
	(void)fsync(dirfd);
	return 0;
}

json_t *
tim_wipe_file_identity(const struct stat *st)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "dev", (json_int_t)st->st_dev,
	    "ino", (json_int_t)st->st_ino, "size", (json_int_t)st->st_size,
	    "ctime", (json_int_t)st->st_ctim.tv_sec,
	    "ctime_ns", (json_int_t)st->st_ctim.tv_nsec);
}

int
tim_wipe_file_same(const json_t *id, const struct stat *st)
{
	return (dev_t)json_integer_value(json_object_get(id, "dev")) == st->st_dev &&
	    (ino_t)json_integer_value(json_object_get(id, "ino")) == st->st_ino &&
	    json_integer_value(json_object_get(id, "size")) == (json_int_t)st->st_size &&
	    json_integer_value(json_object_get(id, "ctime")) == (json_int_t)st->st_ctim.tv_sec &&
	    json_integer_value(json_object_get(id, "ctime_ns")) == (json_int_t)st->st_ctim.tv_nsec;
}

json_t *
tim_wipe_file_media(int fd, const struct stat *st)
{
	char fsname[64] = "";
	struct statfs sf;

	if (fstatfs(fd, &sf) == 0)
		snprintf(fsname, sizeof(fsname), "0x%lx", (unsigned long)sf.f_type);
	/* A file has no make, model or serial: "not applicable", not "unknown". */
	return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "file",
	    "size_bytes", (json_int_t)st->st_size, "filesystem_magic", fsname,
	    "make", "not applicable", "model", "not applicable",
	    "serial", "not applicable", "firmware", "not applicable",
	    "hpa_dco", "not applicable");
}

static const char *
cow_name(long type)
{
	switch ((unsigned long)type) {
	case 0x9123683eUL: return "btrfs";
	case 0x2fc12fc1UL: return "zfs";
	case 0xf2f52010UL: return "f2fs";
	case 0x3434UL: return "nilfs2";
	case 0xca451a4eUL: return "bcachefs";
	}
	return NULL;
}

const char *
tim_wipe_file_cow(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 ? cow_name((long)sf.f_type) : NULL;
}

int
tim_wipe_file_parent(const char *path, char **copy, const char **base,
    struct tim_err *err)
{
	const char *parent;
	char *slash;
	size_t len;
	int dfd;

	if ((*copy = strdup(path)) == NULL)
		return tim_errorf(err, 0, _("out of memory"));
	len = strlen(*copy);
	while (len > 1 && (*copy)[len - 1] == '/')
		(*copy)[--len] = '\0';
	slash = strrchr(*copy, '/');
	parent = ".";
	*base = *copy;
	if (slash) {
		*slash = '\0';
		parent = slash == *copy ? "/" : *copy;
		*base = slash + 1;
	}
	if (!**base || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0) {
		tim_failf(err, _("'%s' cannot be erased as a whole; name the directory itself"), path);
		dfd = -1;
	} else if ((dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		system_failed(err, _("cannot open '%s': %s"), parent);
	if (dfd < 0) {
		free(*copy);
		*copy = NULL;
	}
	return dfd;
}
