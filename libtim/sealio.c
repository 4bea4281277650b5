/*
 * Temporary files beside their destination (see sealio.h). Plaintext from
 * an envelope lives here until its tag verifies, so every failure path ends
 * in tim_tmpfile_discard.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "sealio.h"
#include "banned.h"

int
tim_tmpfile_open(struct tim_tmpfile *t, const char *dest, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	const char *slash = strrchr(dest, '/');
	struct stat st;

	t->fd = -1;
	t->path = NULL;
	t->dest = strdup(dest);
	if (t->dest == NULL)
		return tim_errorf(err, ENOMEM, _("cannot create '%s'"), dest);
	if (lstat(dest, &st) == 0 && (!t->replace || S_ISDIR(st.st_mode))) {
		tim_errorf(err, EEXIST, t->replace ? _("cannot create '%s'") :
		    _("cannot create '%s' (--force replaces it)"), dest);
		goto fail;
	}
	if (slash != NULL)
		tim_buf_add(&b, dest, (size_t)(slash - dest + 1));
	else
		tim_buf_adds(&b, "./");
	t->fd = open(b.buf, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (t->fd >= 0) {
		tim_buf_release(&b);
		return 0;
	}
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
		tim_errorf(err, errno, _("cannot create a temporary file for '%s'"), dest);
		goto fail;
	}
	if (slash == NULL)
		tim_buf_reset(&b);
	tim_buf_addf(&b, ".%s.tim-XXXXXX", slash ? slash + 1 : dest);
	if (b.failed) {
		tim_errorf(err, ENOMEM, _("cannot create '%s'"), dest);
		goto fail;
	}
	t->path = tim_buf_detach(&b, NULL);
	t->fd = mkostemp(t->path, O_CLOEXEC);
	if (t->fd < 0) {
		tim_errorf(err, errno, _("cannot create a temporary file for '%s'"), dest);
		goto fail;
	}
	return 0;
fail:
	tim_buf_release(&b);
	free(t->path);
	free(t->dest);
	t->path = t->dest = NULL;
	return -1;
}

/* --force: link under a fresh hidden name beside dest, then rename over it. */
static int
link_replace(struct tim_tmpfile *t, const char *proc)
{
	struct tim_buf b = TIM_BUF_INIT;
	unsigned char r[6];
	char hex[13];
	int i, rc = -1, e = EEXIST;

	for (i = 0; i < 16 && rc < 0 && e == EEXIST; i++) {
		if (RAND_bytes(r, sizeof(r)) != 1)
			break;
		tim_hex(r, sizeof(r), hex);
		tim_buf_reset(&b);
		tim_buf_addf(&b, "%s.tim-%s", t->dest, hex);
		if (b.failed)
			break;
		rc = linkat(AT_FDCWD, proc, AT_FDCWD, b.buf, AT_SYMLINK_FOLLOW);
		e = rc < 0 ? errno : 0;
	}
	if (rc == 0 && rename(b.buf, t->dest) < 0) {
		e = errno;
		unlink(b.buf);
		rc = -1;
	}
	tim_buf_release(&b);
	errno = e;
	return rc;
}

int
tim_tmpfile_commit(struct tim_tmpfile *t, int mode, struct tim_err *err)
{
	if (fchmod(t->fd, (mode_t)mode) < 0 || fsync(t->fd) < 0) {
		tim_errorf(err, errno, _("cannot write '%s'"), t->dest);
		tim_tmpfile_discard(t);
		return -1;
	}
	if (t->path == NULL) {
		char proc[64];
		int rc;

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
		rc = linkat(AT_FDCWD, proc, AT_FDCWD, t->dest, AT_SYMLINK_FOLLOW);
		if (rc < 0 && errno == EEXIST && t->replace)
			rc = link_replace(t, proc);
		if (rc < 0) {
			tim_errorf(err, errno, _("cannot create '%s'"), t->dest);
			tim_tmpfile_discard(t);
			return -1;
		}
		close(t->fd);
		t->fd = -1;
		free(t->dest);
		t->dest = NULL;
		return 0;
	}
	if (close(t->fd) < 0) {
		t->fd = -1;
		tim_errorf(err, errno, _("cannot write '%s'"), t->dest);
		tim_tmpfile_discard(t);
		return -1;
	}
	t->fd = -1;
	if (renameat2(AT_FDCWD, t->path, AT_FDCWD, t->dest,
	    t->replace ? 0 : RENAME_NOREPLACE) < 0) {
		tim_errorf(err, errno, _("cannot create '%s'"), t->dest);
		tim_tmpfile_discard(t);
		return -1;
	}
	free(t->path);
	free(t->dest);
	t->path = t->dest = NULL;
	return 0;
}

void
tim_tmpfile_discard(struct tim_tmpfile *t)
{
	if (t->fd >= 0) {
		/* Shrink first: a crash between here and unlink leaves no plaintext. */
		if (ftruncate(t->fd, 0) < 0)
			(void)0;
		close(t->fd);
		t->fd = -1;
	}
	if (t->path != NULL)
		unlink(t->path);
	free(t->path);
	free(t->dest);
	t->path = t->dest = NULL;
}

int
tim_tmpfile_anon(struct tim_err *err)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return tim_errorf(err, errno, _("cannot create a temporary file in '%s'"), dir);
	return fd;
}
