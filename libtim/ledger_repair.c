/*
 * Repair: a torn last line (a crash in the middle of a write) is set aside
 * in LEDGER.torn and the repair recorded, so that appends can go on.
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
#include "util.h"
#include "banned.h"

int
tim_ledger_repair(const char *path, int flags, size_t *moved, uint64_t *seq,
    struct tim_err *err)
{
	struct tim_buf torn = TIM_BUF_INIT, tpath = TIM_BUF_INIT;
	struct tim_ledger *l = NULL;
	unsigned char h[TIM_SHA256_LEN];
	char hex[TIM_SHA256_HEX];
	struct stat st;
	off_t cut;
	json_t *fields = NULL;
	int tfd = -1, ret = -1;
	char c;

	*moved = 0;
	if (tim_ledger_open(&l, path, flags, err) < 0)
		return -1;
	while (flock(l->fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			tim_errorf(err, errno, _("cannot lock ledger '%s'"), path);
			goto out;
		}
	l->locked = 1;
	if (fstat(l->fd, &st) < 0) {
		tim_errorf(err, errno, _("cannot read ledger '%s'"), path);
		goto out;
	}
	/* Find the last LF: everything after it is the torn line. */
	for (cut = st.st_size; cut > 0; cut--) {
		if (pread(l->fd, &c, 1, cut - 1) != 1) {
			tim_errorf(err, errno, _("cannot read ledger '%s'"), path);
			goto out;
		}
		if (c == '\n')
			break;
		if (st.st_size - cut > TIM_LEDGER_READ_MAX) {
			tim_errorf(err, 0, _("ledger '%s': torn line too long to repair"), path);
			goto out;
		}
	}
	if (cut == st.st_size) {
		ret = 0;
		goto out;
	}
	if (cut == 0) {
		tim_errorf(err, 0, _("ledger '%s' has no complete line; nothing to keep"), path);
		goto out;
	}
	if (tim_buf_grow(&torn, (size_t)(st.st_size - cut)) < 0 ||
	    pread(l->fd, torn.buf, (size_t)(st.st_size - cut), cut) != st.st_size - cut) {
		tim_errorf(err, errno, _("cannot read ledger '%s'"), path);
		goto out;
	}
	torn.len = (size_t)(st.st_size - cut);
	/* Keep the bytes first, synced, and only then cut them from the ledger. */
	tim_buf_addf(&tpath, "%s.torn", path);
	tfd = tim_open_regular(tpath.buf, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0600, err);
	if (tfd < 0 || tim_write_all(tfd, torn.buf, torn.len) < 0 ||
	    tim_write_all(tfd, "\n", 1) < 0 || fsync(tfd) < 0) {
		tim_errorf(err, errno, _("cannot save the torn line to '%s'"), tpath.buf);
		goto out;
	}
	if (ftruncate(l->fd, cut) < 0 || fsync(l->fd) < 0) {
		tim_errorf(err, errno, _("cannot cut the torn line from '%s'"), path);
		goto out;
	}
	*moved = torn.len;
	tim_sha256(torn.buf, torn.len, h);
	tim_hex(h, sizeof(h), hex);
	fields = json_pack("{s:I, s:s, s:s}", "torn_bytes", (json_int_t)torn.len,
	    "torn_sha256", hex, "saved_to", tpath.buf);
	l->locked = 0;	/* lock() takes it again on the same descriptor */
	if (fields == NULL || tim_ledger_lock(l, err) < 0 ||
	    tim_ledger_add(l, "repair", fields, seq, err) < 0 ||
	    tim_ledger_flush(l, err) < 0)
		goto out;
	ret = 0;
out:
	json_decref(fields);
	if (tfd >= 0)
		close(tfd);
	tim_buf_release(&torn);
	tim_buf_release(&tpath);
	tim_ledger_close(l);
	return ret;
}
