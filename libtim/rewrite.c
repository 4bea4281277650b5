#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "rewrite.h"
#include "util.h"
#include "banned.h"

int
tim_rewrite_open(struct tim_rewrite *rw, const char *path, struct tim_err *err)
{
	memset(rw, 0, sizeof(*rw));
	rw->path = path;
	rw->out = -1;
	rw->keep_times = 1;
	rw->in = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (rw->in < 0) {
		if (errno == ELOOP)
			return tim_errorf(err, 0, _("'%s' is a symbolic link; not following it"), path);
		return tim_errorf(err, errno, _("cannot open '%s'"), path);
	}
	if (fstat(rw->in, &rw->st) < 0) {
		tim_errorf(err, errno, _("cannot read '%s'"), path);
		goto fail;
	}
	if (!S_ISREG(rw->st.st_mode)) {
		tim_errorf(err, 0, _("'%s' is not a regular file"), path);
		goto fail;
	}
	return 0;
fail:
	close(rw->in);
	rw->in = -1;
	return -1;
}

int
tim_rewrite_is_leftover(const char *name)
{
	size_t i;

	if (strncmp(name, ".tim-", 5) != 0 || strlen(name) != 11)
		return 0;
	for (i = 5; i < 11; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return 0;
	return 1;
}

/* The folder of path ("." for a bare name), malloc'd. */
static char *
folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int
tim_rewrite_begin(struct tim_rewrite *rw, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	char *dir = folder_of(rw->path);

	if (dir == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	/* A file without a name: nothing is left behind by a kill. */
	rw->out = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	free(dir);
	if (rw->out >= 0) {
		rw->anon = 1;
		return 0;
	}

	rw->out = tim_tmp_beside(rw->path, &b, err);
	if (rw->out < 0) {
		tim_buf_release(&b);
		return -1;
	}
	rw->tmp = tim_buf_detach(&b, NULL);
	if (rw->tmp == NULL) {
		close(rw->out);
		rw->out = -1;
		return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	return 0;
}

/*
 * Every extended attribute goes along, ACLs included. Attributes the kernel
 * keeps for itself (security.* without privilege) may refuse; those are the
 * only ones skipped.
 */
static int
copy_xattrs(struct tim_rewrite *rw, struct tim_err *err)
{
	char *names = NULL, *val = NULL, *n;
	ssize_t len, vlen;
	int r = -1, told = 0;

	len = flistxattr(rw->in, NULL, 0);
	if (len <= 0)
		return 0;
	names = malloc((size_t)len);
	if (names == NULL || (len = flistxattr(rw->in, names, (size_t)len)) < 0)
		goto out;
	for (n = names; n < names + len; n += strlen(n) + 1) {
		vlen = fgetxattr(rw->in, n, NULL, 0);
		if (vlen < 0)
			continue;
		free(val);
		val = malloc((size_t)vlen + 1);
		if (val == NULL || (vlen = fgetxattr(rw->in, n, val, (size_t)vlen)) < 0)
			goto out;
		if (fsetxattr(rw->out, n, val, (size_t)vlen, 0) < 0 &&
		    strncmp(n, "security.", 9) != 0) {
			tim_errorf(err, errno, _("cannot keep attribute '%s' of '%s'"), n, rw->path);
			told = 1;
			goto out;
		}
	}
	r = 0;
out:
	if (r < 0 && !told)
		tim_errorf(err, errno, _("cannot read the attributes of '%s'"), rw->path);
	free(names);
	free(val);
	return r;
}

/* Links the nameless file into the folder as .tim-?????? just before the rename. */
static int
give_name(struct tim_rewrite *rw, struct tim_err *err)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char proc[64], *dir = folder_of(rw->path);
	struct tim_buf name = TIM_BUF_INIT;
	unsigned char rnd[6];
	int tries, i;

	if (dir == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", rw->out);
	for (tries = 0; tries < 100; tries++) {
		if (getentropy(rnd, sizeof(rnd)) < 0)
			break;
		tim_buf_reset(&name);
		tim_buf_addf(&name, "%s/.tim-", dir);
		for (i = 0; i < 6; i++)
			tim_buf_addch(&name, abc[rnd[i] % (sizeof(abc) - 1)]);
		if (name.failed)
			break;
		if (linkat(AT_FDCWD, proc, AT_FDCWD, name.buf, AT_SYMLINK_FOLLOW) == 0) {
			free(dir);
			rw->tmp = tim_buf_detach(&name, NULL);
			return rw->tmp ? 0 : tim_errorf(err, ENOMEM, _("out of memory"));
		}
		if (errno != EEXIST)
			break;
	}
	free(dir);
	tim_buf_release(&name);
	return tim_errorf(err, errno, _("cannot write '%s'"), rw->path);
}

int
tim_rewrite_commit(struct tim_rewrite *rw, struct tim_err *err)
{
	struct timespec ts[2];
	struct stat now;
	char *copy;
	int dfd;

	if ((rw->st.st_uid != geteuid() || rw->st.st_gid != getegid()) &&
	    fchown(rw->out, rw->st.st_uid, rw->st.st_gid) < 0)
		return tim_errorf(err, errno, _("cannot keep the owner of '%s'"), rw->path);
	if (fchmod(rw->out, rw->st.st_mode & 07777) < 0)
		return tim_errorf(err, errno, _("cannot keep the mode of '%s'"), rw->path);
	if (copy_xattrs(rw, err) < 0)
		return -1;
	if (rw->keep_times) {
		ts[0] = rw->st.st_atim;
		ts[1] = rw->st.st_mtim;
		if (futimens(rw->out, ts) < 0)
			return tim_errorf(err, errno, _("cannot keep the times of '%s'"), rw->path);
	}
	if (fsync(rw->out) < 0)
		return tim_errorf(err, errno, _("cannot write '%s'"), rw->path);
	/* Someone may have replaced the file meanwhile: then leave theirs. */
	if (lstat(rw->path, &now) < 0 || now.st_ino != rw->st.st_ino ||
	    now.st_dev != rw->st.st_dev)
		return tim_errorf(err, 0, _("'%s' changed while it was being marked; left alone"), rw->path);
	if (rw->anon && give_name(rw, err) < 0)
		return -1;
	if (rename(rw->tmp, rw->path) < 0)
		return tim_errorf(err, errno, _("cannot replace '%s'"), rw->path);
	free(rw->tmp);
	rw->tmp = NULL;
	copy = strdup(rw->path);
	if (copy != NULL) {
		dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(copy);
	}
	return 0;
}

void
tim_rewrite_release(struct tim_rewrite *rw)
{
	if (rw->out >= 0)
		close(rw->out);
	if (rw->in >= 0)
		close(rw->in);
	if (rw->tmp != NULL) {
		unlink(rw->tmp);
		free(rw->tmp);
	}
	rw->out = rw->in = -1;
	rw->tmp = NULL;
}

int
tim_copy_fd(int in, int out, long long n, struct tim_err *err)
{
	char chunk[65536];
	ssize_t r;
	size_t want;

	while (n != 0) {
		want = sizeof(chunk);
		if (n > 0 && (long long)want > n)
			want = (size_t)n;
		r = read(in, chunk, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return tim_errorf(err, errno, _("cannot read"));
		if (r == 0) {
			if (n > 0)
				return tim_errorf(err, 0, _("file shrank while being read"));
			break;
		}
		if (tim_write_all(out, chunk, (size_t)r) < 0)
			return tim_errorf(err, errno, _("cannot write"));
		if (n > 0)
			n -= r;
	}
	return 0;
}
