/*
 * Extraction of a tar or zip bundle from the opened plaintext: every entry
 * checked (relative names without "..", no special files, a size and entry
 * limit, no name twice), written by tim itself (not libarchive's disk writer)
 * into a locked staging directory, files 0600 like a single output and
 * directories 0700, never through a link; symbolic links made last and judged
 * against the tree as extracted; everything moved into place only when
 * nothing there would be replaced. A staging directory that a killed run
 * left is removed by the next extraction into the same directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/openat2.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "seal.h"
#include "seal_impl.h"

#define EXTRACT_MAX	(UINT64_C(64) << 30)
#define ENTRIES_MAX	1000000
#include "banned.h"

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A relative name without "..", not empty. */
static int
name_ok(const char *name)
{
	const char *p = name;
	size_t n;

	if (name == NULL || *name == '\0' || *name == '/')
		return 0;
	while (*p) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

/* No ".." anywhere in a link target (a dangling link may not climb). */
static int
no_dotdot(const char *target)
{
	const char *p = target;
	size_t n;

	while (*p) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

/* Everything one extraction holds. */
struct xstate {
	struct archive *a;
	int root;		/* the staging directory */
	uint64_t limit, total;
	size_t count;
	json_t *files;		/* [{name, size, sha256} | {name, link}] */
	json_t *links;		/* [[name, target]], made after everything else */
	unsigned char *zero;
	struct tim_err *err;
};

/*
 * Opens (and makes, 0700) the directories of name below the root, one
 * component at a time without following any link; returns a descriptor of
 * the last directory and points *base at the last component. dirs_only: name
 * itself is a directory.
 */
static int
walk_parent(struct xstate *x, const char *name, int dirs_only, const char **base)
{
	char comp[NAME_MAX + 1];
	const char *p = name, *next;
	size_t n;
	int fd = dup(x->root), nfd;

	if (fd < 0)
		return tim_errorf(x->err, errno, _("cannot extract '%s'"), name);
	for (;;) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		next = p + n;
		while (*next == '/')
			next++;
		if (n == 0 || (n == 1 && *p == '.')) {
			if (*next == '\0' && !dirs_only)
				break;
			if (*next == '\0') {
				*base = NULL;
				return fd;
			}
			p = next;
			continue;
		}
		if (n > NAME_MAX) {
			close(fd);
			return tim_failf(x->err, _("bundle entry '%s' has an unsafe name"), name);
		}
		if (*next == '\0' && !dirs_only)
			break;
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (mkdirat(fd, comp, 0700) < 0 && errno != EEXIST) {
			close(fd);
			return tim_errorf(x->err, errno, _("cannot extract '%s'"), name);
		}
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (nfd < 0)
			return tim_failf(x->err, _("bundle entry '%s' goes through '%s', which is not a directory"),
			    name, comp);
		fd = nfd;
		p = next;
		if (*p == '\0') {
			*base = NULL;
			return fd;
		}
	}
	*base = p;
	return fd;
}

/* A NUL-terminated copy of the last component (walk_parent's base may end in '/'). */
static int
base_name(const char *base, char out[NAME_MAX + 1])
{
	size_t n = strcspn(base, "/");

	if (n == 0 || n > NAME_MAX)
		return -1;
	memcpy(out, base, n);
	out[n] = '\0';
	return 0;
}

static int
twice(struct xstate *x, const char *name)
{
	return tim_failf(x->err, _("bundle holds '%s' twice"), name);
}

/* Hashes n zero bytes (a hole of a sparse entry). */
static void
hash_zeros(struct xstate *x, struct tim_sha256 *h, uint64_t n)
{
	size_t k;

	while (n > 0) {
		k = n > 65536 ? 65536 : (size_t)n;
		tim_sha256_update(h, x->zero, k);
		n -= k;
	}
}

static int
write_file(struct xstate *x, struct archive_entry *e, const char *name)
{
	struct tim_sha256 *h = tim_sha256_new();
	char base[NAME_MAX + 1], hex[65];
	unsigned char md[32];
	const char *b = NULL;
	const void *blk;
	size_t len;
	la_int64_t off;
	uint64_t pos = 0, size = archive_entry_size_is_set(e) ?
	    (uint64_t)archive_entry_size(e) : 0;
	struct timespec ts[2];
	mode_t mode = (archive_entry_perm(e) & 0111) ? 0700 : 0600;
	int dfd = -1, fd = -1, st, rc = -1;

	if (h == NULL)
		return tim_errorf(x->err, ENOMEM, _("out of memory"));
	tim_sha256_init(h);
	dfd = walk_parent(x, name, 0, &b);
	if (dfd < 0)
		goto out;
	if (b == NULL || base_name(b, base) < 0) {
		tim_failf(x->err, _("bundle entry '%s' has an unsafe name"), name);
		goto out;
	}
	fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			twice(x, name);
		else
			tim_errorf(x->err, errno, _("cannot extract '%s'"), name);
		goto out;
	}
	for (;;) {
		st = archive_read_data_block(x->a, &blk, &len, &off);
		if (st == ARCHIVE_EOF)
			break;
		if (st != ARCHIVE_OK) {
			tim_failf(x->err, _("bad bundle: %s"), archive_error_string(x->a));
			goto out;
		}
		if (off < 0 || (uint64_t)off < pos) {
			tim_failf(x->err, _("bad bundle: %s"), name);
			goto out;
		}
		x->total += len + ((uint64_t)off - pos);
		if (x->total > x->limit) {
			tim_failf(x->err, _("bundle exceeds the size limit"));
			goto out;
		}
		hash_zeros(x, h, (uint64_t)off - pos);
		tim_sha256_update(h, blk, len);
		if (len > 0 && pwrite(fd, blk, len, off) != (ssize_t)len) {
			tim_errorf(x->err, errno ? errno : EIO, _("cannot extract '%s'"), name);
			goto out;
		}
		pos = (uint64_t)off + len;
	}
	if (size > pos) {	/* a hole at the end */
		hash_zeros(x, h, size - pos);
		pos = size;
	}
	if (ftruncate(fd, (off_t)pos) < 0) {
		tim_errorf(x->err, errno, _("cannot extract '%s'"), name);
		goto out;
	}
	ts[0].tv_nsec = UTIME_OMIT;
	ts[0].tv_sec = 0;
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_mtime_is_set(e))
		(void)futimens(fd, ts);
	tim_sha256_final(h, md);
	tim_hex(md, 32, hex);
	json_array_append_new(x->files, json_pack("{s:s, s:I, s:s}", "name", name,
	    "size", (json_int_t)pos, "sha256", hex));
	rc = 0;
out:
	tim_sha256_free(h);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* A hard link to a regular file already extracted. */
static int
write_hardlink(struct xstate *x, const char *name, const char *target)
{
	char base[NAME_MAX + 1];
	const char *b = NULL;
	struct stat sb;
	int dfd, rc = -1;

	if (!name_ok(target) || fstatat(x->root, target, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(sb.st_mode))
		return tim_failf(x->err, _("bundle entry '%s' links outside"), name);
	dfd = walk_parent(x, name, 0, &b);
	if (dfd < 0)
		return -1;
	if (b == NULL || base_name(b, base) < 0)
		tim_failf(x->err, _("bundle entry '%s' has an unsafe name"), name);
	else if (linkat(x->root, target, dfd, base, 0) < 0)
		errno == EEXIST ? twice(x, name) :
		    tim_errorf(x->err, errno, _("cannot extract '%s'"), name);
	else
		rc = 0;
	close(dfd);
	if (rc == 0)
		json_array_append_new(x->files, json_pack("{s:s, s:s}", "name", name,
		    "hardlink", target));
	return rc;
}

/*
 * Symbolic links come last, once nothing more is written through the tree,
 * and are judged against the tree as extracted: each must resolve beneath
 * the root (openat2 RESOLVE_BENEATH, so chains like b -> . and
 * c -> b/b/b/../../.. are followed as the kernel would), or, if it points to
 * nothing, hold no ".." at all.
 */
static int
make_links(struct xstate *x)
{
	struct open_how how;
	json_t *l;
	size_t i;
	char base[NAME_MAX + 1];
	const char *b, *name, *target;
	int dfd, fd, rc;

	json_array_foreach(x->links, i, l) {
		name = json_string_value(json_array_get(l, 0));
		target = json_string_value(json_array_get(l, 1));
		b = NULL;
		dfd = walk_parent(x, name, 0, &b);
		if (dfd < 0)
			return -1;
		rc = (b == NULL || base_name(b, base) < 0) ? -2 :
		    symlinkat(target, dfd, base);
		close(dfd);
		if (rc == -2)
			return tim_failf(x->err, _("bundle entry '%s' has an unsafe name"), name);
		if (rc < 0)
			return errno == EEXIST ? twice(x, name) :
			    tim_errorf(x->err, errno, _("cannot extract '%s'"), name);
	}
	json_array_foreach(x->links, i, l) {
		name = json_string_value(json_array_get(l, 0));
		target = json_string_value(json_array_get(l, 1));
		memset(&how, 0, sizeof(how));
		how.flags = O_PATH | O_CLOEXEC;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, x->root, name, &how, sizeof(how));
		if (fd >= 0) {
			close(fd);
		} else if (errno == ENOENT && no_dotdot(target)) {
			/* points to nothing, and cannot climb out */
		} else if (errno == ENOSYS) {
			return tim_failf(x->err, _("bundle entry '%s' is a symbolic link, and this kernel cannot check where links lead (openat2)"), name);
		} else {
			return tim_failf(x->err, _("bundle entry '%s' links outside"), name);
		}
		json_array_append_new(x->files, json_pack("{s:s, s:s}", "name", name,
		    "link", target));
	}
	return 0;
}

static int
extract_entries(struct xstate *x)
{
	struct archive_entry *e;
	const char *b;
	int st, fd;

	for (;;) {
		const char *name;
		mode_t type;

		st = archive_read_next_header(x->a, &e);
		if (st == ARCHIVE_EOF)
			return make_links(x);
		if (st != ARCHIVE_OK)
			return tim_failf(x->err, _("bad bundle: %s"), archive_error_string(x->a));
		name = archive_entry_pathname(e);
		type = archive_entry_filetype(e);
		if (++x->count > ENTRIES_MAX)
			return tim_failf(x->err, _("bundle has too many entries"));
		if (!name_ok(name))
			return tim_failf(x->err, _("bundle entry '%s' has an unsafe name"),
			    name ? name : "");
		if (archive_entry_size_is_set(e) &&
		    (uint64_t)archive_entry_size(e) > x->limit - x->total)
			return tim_failf(x->err, _("bundle exceeds the size limit"));
		if (archive_entry_hardlink(e) != NULL) {
			if (write_hardlink(x, name, archive_entry_hardlink(e)) < 0)
				return -1;
		} else if (type == AE_IFLNK) {
			const char *t = archive_entry_symlink(e);

			if (t == NULL || *t == '\0' || *t == '/')
				return tim_failf(x->err, _("bundle entry '%s' links outside"), name);
			json_array_append_new(x->links, json_pack("[s, s]", name, t));
		} else if (type == AE_IFDIR) {
			fd = walk_parent(x, name, 1, &b);
			if (fd < 0)
				return -1;
			close(fd);
		} else if (type == AE_IFREG) {
			if (write_file(x, e, name) < 0)
				return -1;
		} else {
			return tim_failf(x->err, _("bundle entry '%s' is a special file"), name);
		}
	}
}

/* Moves what the staging directory holds into dir, refusing to replace. */
static int
move_staged(const char *stage, const char *dir, struct tim_err *err)
{
	DIR *d = opendir(stage);
	struct dirent *de;
	struct stat sb;
	int sfd, dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), pass, rc = 0;

	if (d == NULL || dfd < 0) {
		if (d != NULL)
			closedir(d);
		if (dfd >= 0)
			close(dfd);
		return tim_errorf(err, errno, _("cannot extract into '%s'"), dir);
	}
	sfd = dirfd(d);
	/* First look for clashes, so that nothing moves when one exists. */
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		rewinddir(d);
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (pass == 0 && fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
				rc = tim_errorf(err, EEXIST, _("cannot extract '%s'"), de->d_name);
				break;
			}
			if (pass == 1 && renameat2(sfd, de->d_name, dfd, de->d_name,
			    RENAME_NOREPLACE) < 0) {
				rc = tim_errorf(err, errno, _("cannot extract '%s'"), de->d_name);
				break;
			}
		}
	}
	closedir(d);
	close(dfd);
	return rc;
}

/*
 * Staging directories of runs that were killed: ".tim-seal-*" in dir, ours,
 * whose lock nobody holds. They hold authenticated plaintext: removed, and
 * named in info so the person is told.
 */
static void
sweep(const char *dir, json_t *info)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat sb;
	struct tim_buf p = TIM_BUF_INIT;
	json_t *gone = NULL;
	int fd;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ".tim-seal-", 10) != 0)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &sb) == 0 && sb.st_uid == geteuid() &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0) {
			tim_buf_reset(&p);
			tim_buf_addf(&p, "%s/%s", dir, de->d_name);
			if (!p.failed) {
				rm_tree(p.buf);
				if (gone == NULL)
					gone = json_array();
				json_array_append_new(gone, json_string(p.buf));
			}
		}
		close(fd);
	}
	closedir(d);
	tim_buf_release(&p);
	if (gone != NULL)
		json_object_set_new(info, "removed_leftovers", gone);
}

int
tim_seal_extract_bundle(int fd, const char *dir, uint64_t limit,
    json_t *info, struct tim_err *err)
{
	struct tim_buf stage = TIM_BUF_INIT;
	struct xstate x;
	int rc = -1, made = 0;

	memset(&x, 0, sizeof(x));
	x.root = -1;
	x.err = err;
	x.limit = limit ? limit : EXTRACT_MAX;
	x.files = json_array();
	x.links = json_array();
	x.zero = calloc(1, 65536);
	sweep(dir, info);
	tim_buf_addf(&stage, "%s/.tim-seal-XXXXXX", dir);
	if (stage.failed || x.files == NULL || x.links == NULL || x.zero == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (mkdtemp(stage.buf) == NULL) {
		tim_errorf(err, errno, _("cannot extract into '%s'"), dir);
		goto out;
	}
	made = 1;
	/* Held until the end: a later run removes the directory only when this lock is free. */
	x.root = open(stage.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (x.root < 0 || flock(x.root, LOCK_EX) < 0) {
		tim_errorf(err, errno, _("cannot extract into '%s'"), dir);
		goto out;
	}
	x.a = archive_read_new();
	if (x.a == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	archive_read_support_format_tar(x.a);
	archive_read_support_format_zip(x.a);
	if (lseek(fd, 0, SEEK_SET) < 0 || archive_read_open_fd(x.a, fd, 65536) != ARCHIVE_OK) {
		tim_failf(err, _("the content is not a tar or zip bundle: %s"),
		    archive_error_string(x.a) ? archive_error_string(x.a) : "");
		goto out;
	}
	if (extract_entries(&x) < 0 || move_staged(stage.buf, dir, err) < 0)
		goto out;
	json_object_set(info, "extracted", x.files);
	rc = 0;
out:
	if (made)
		rm_tree(stage.buf);
	if (x.root >= 0)
		close(x.root);
	archive_read_free(x.a);
	json_decref(x.files);
	json_decref(x.links);
	free(x.zero);
	tim_buf_release(&stage);
	return rc;
}
