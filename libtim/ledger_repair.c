/*
 * Repair: a torn last line (a crash in the middle of a write) is set aside
 * in LEDGER.torn and the repair recorded, so that appends can go on.
 *
 * The torn bytes may be of any size: they are found, hashed and copied in
 * blocks, never held whole. On a full disk they cannot be copied: the
 * ledger is repaired all the same (cutting them frees their space), and the
 * repair record keeps their size and SHA-256 and says they were not kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "ledger_json.h"
#include "util.h"
#include "banned.h"

#define BLOCK (64 << 10)

/* The offset just after the last LF of the first size bytes; 0 if none. */
static int
find_cut(int fd, off_t size, off_t *cut)
{
	char buf[BLOCK];
	off_t end = size;

	while (end > 0) {
		off_t start = end > BLOCK ? end - BLOCK : 0;
		ssize_t n = pread(fd, buf, (size_t)(end - start), start);
		char *nl;

		if (n != end - start)
			return -1;
		nl = memrchr(buf, '\n', (size_t)n);
		if (nl != NULL) {
			*cut = start + (nl - buf) + 1;
			return 0;
		}
		end = start;
	}
	*cut = 0;
	return 0;
}

/*
 * Hashes bytes [from, to) of fd and, when out >= 0, appends them to out.
 * *werr gets the errno of a failed write to out (the hash goes on).
 */
static int
copy_hash(int fd, off_t from, off_t to, int out, int *werr,
    unsigned char h[TIM_SHA256_LEN])
{
	struct tim_sha256 *s = tim_sha256_new();
	char buf[BLOCK];
	int r = -1;

	*werr = 0;
	if (s == NULL || tim_sha256_init(s) < 0)
		goto out;
	while (from < to) {
		size_t want = to - from > BLOCK ? BLOCK : (size_t)(to - from);
		ssize_t n = pread(fd, buf, want, from);

		if (n <= 0)
			goto out;
		if (tim_sha256_update(s, buf, (size_t)n) < 0)
			goto out;
		if (out >= 0 && *werr == 0 && tim_write_all(out, buf, (size_t)n) < 0)
			*werr = errno ? errno : EIO;
		from += n;
	}
	r = tim_sha256_final(s, h);
out:
	tim_sha256_free(s);
	return r;
}

/*
 * Keeps the torn bytes in tpath, synced. 0 and *saved = 1, or on a full
 * disk 0 and *saved = 0 with tpath as it was; -1 for other errors.
 */
static int
save_torn(int fd, off_t cut, off_t size, const char *tpath, int *saved,
    unsigned char h[TIM_SHA256_LEN], int *why, struct tim_err *err)
{
	struct stat st;
	int tfd, werr = 0, created;

	*saved = 0;
	*why = 0;
	tfd = open(tpath, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	created = tfd >= 0;
	if (tfd < 0 && errno == EEXIST)
		tfd = tim_open_regular(tpath, O_WRONLY | O_APPEND | O_NOFOLLOW, 0, err);
	if (tfd < 0 || fstat(tfd, &st) < 0) {
		if (tfd < 0 && (errno == ENOSPC || errno == EDQUOT)) {
			*why = errno;
			return copy_hash(fd, cut, size, -1, &werr, h) < 0 ?
			    tim_errorf(err, errno, _("cannot read ledger")) : 0;
		}
		tim_errorf(err, errno, _("cannot save the torn line to '%s'"), tpath);
		if (tfd >= 0)
			close(tfd);
		return -1;
	}
	if (copy_hash(fd, cut, size, tfd, &werr, h) < 0) {
		close(tfd);
		return tim_errorf(err, errno, _("cannot read ledger"));
	}
	if (werr == 0 && tim_write_all(tfd, "\n", 1) < 0)
		werr = errno;
	if (werr == 0 && fsync(tfd) < 0)
		werr = errno;
	if (werr != 0) {
		/* Leave LEDGER.torn as it was: no half copy. */
		if (created)
			unlink(tpath);
		else
			(void)tim_ledger_cut_back(tfd, st.st_size);
		close(tfd);
		if (werr == ENOSPC || werr == EDQUOT) {
			*why = werr;
			return 0;
		}
		return tim_errorf(err, werr, _("cannot save the torn line to '%s'"), tpath);
	}
	close(tfd);
	*saved = 1;
	return 0;
}

int
tim_ledger_repair_ex(const char *path, int flags, size_t *moved,
    uint64_t *seq, int *saved, struct tim_err *err)
{
	struct tim_buf tpath = TIM_BUF_INIT;
	struct tim_ledger *l = NULL;
	unsigned char h[TIM_SHA256_LEN];
	char hex[TIM_SHA256_HEX];
	struct stat st;
	off_t cut;
	json_t *fields = NULL;
	int ret = -1, why = 0;

	*moved = 0;
	*saved = 0;
	if (tim_ledger_open(&l, path, flags, err) < 0)
		return -1;
	while (flock(l->fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			tim_errorf(err, errno, _("cannot lock ledger '%s'"), path);
			goto out;
		}
	l->locked = 1;
	if (fstat(l->fd, &st) < 0 || find_cut(l->fd, st.st_size, &cut) < 0) {
		tim_errorf(err, errno, _("cannot read ledger '%s'"), path);
		goto out;
	}
	if (cut == st.st_size) {
		ret = 0;
		goto out;
	}
	if (cut == 0) {
		tim_errorf(err, 0, _("ledger '%s' has no complete line; nothing to keep"), path);
		goto out;
	}
	/* Keep the bytes first, synced, and only then cut them from the ledger. */
	tim_buf_addf(&tpath, "%s.torn", path);
	if (save_torn(l->fd, cut, st.st_size, tpath.buf, saved, h, &why, err) < 0)
		goto out;
	if (tim_ledger_cut_back(l->fd, cut) < 0) {
		if (errno == EPERM && tim_ledger_fd_append_only(l->fd) == 1)
			tim_errorf(err, errno, _("cannot cut the torn line from '%s': it is append-only; remove the attribute with 'chattr -a %s', repair, and set it again with 'chattr +a %s'"),
			    path, path, path);
		else
			tim_errorf(err, errno, _("cannot cut the torn line from '%s'"), path);
		goto out;
	}
	*moved = (size_t)(st.st_size - cut);
	tim_hex(h, sizeof(h), hex);
	fields = json_pack("{s:I, s:s}", "torn_bytes", (json_int_t)*moved,
	    "torn_sha256", hex);
	if (fields != NULL)
		json_object_set_new(fields, *saved ? "saved_to" : "not_saved",
		    json_string(*saved ? tpath.buf : strerror(why)));
	l->locked = 0;	/* lock() takes it again on the same descriptor */
	if (fields == NULL || tim_ledger_lock(l, err) < 0 ||
	    tim_ledger_add(l, "repair", fields, seq, err) < 0 ||
	    tim_ledger_flush(l, err) < 0) {
		tim_err_prefix(err, _("the torn line was cut from '%s' but the repair was not recorded"), path);
		goto out;
	}
	ret = 0;
out:
	json_decref(fields);
	tim_buf_release(&tpath);
	tim_ledger_close(l);
	return ret;
}

int
tim_ledger_repair(const char *path, int flags, size_t *moved, uint64_t *seq,
    struct tim_err *err)
{
	int saved;

	return tim_ledger_repair_ex(path, flags, moved, seq, &saved, err);
}
