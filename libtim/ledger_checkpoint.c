/*
 * Checkpoints: signed notes of the ledger's size and Merkle root, appended
 * to LEDGER.checkpoints, only for a ledger that verifies in full.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "note.h"
#include "util.h"
#include "banned.h"

char *
tim_ledger_checkpoints_path(const char *path)
{
	struct tim_buf b = TIM_BUF_INIT;

	tim_buf_addf(&b, "%s.checkpoints", path);
	if (b.failed) {
		tim_buf_release(&b);
		return NULL;
	}
	return tim_buf_detach(&b, NULL);
}

/* Appends note to the checkpoints file, under its lock, synced. */
static int
append_note(const char *path, const struct tim_buf *note, struct tim_err *err)
{
	char *cpath = tim_ledger_checkpoints_path(path);
	int fd, r = -1;

	if (cpath == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	fd = tim_open_regular(cpath, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0644, err);
	if (fd >= 0 && (flock(fd, LOCK_EX) < 0 ||
	    tim_write_all(fd, note->buf, note->len) < 0 || fsync(fd) < 0))
		tim_errorf(err, errno, _("cannot write '%s'"), cpath);
	else if (fd >= 0)
		r = 0;
	if (fd >= 0)
		close(fd);
	free(cpath);
	return r;
}

int
tim_ledger_checkpoint(const char *path, const struct tim_signer *s,
    struct tim_buf *note, struct tim_ledger_verify_result *res,
    struct tim_err *err)
{
	struct tim_ledger_verify_opts vo = { .full = 1, .key = &s->v };

	if (tim_ledger_verify(path, &vo, res, err) < 0)
		return -1;
	if (!res->ok)
		return tim_failf(err, _("%s: refusing to sign a ledger that does not verify: line %llu: %s"),
		    path, (unsigned long long)res->bad_line, res->reason);
	if (tim_checkpoint_sign(s, res->origin, res->lines, res->root, note) < 0 ||
	    tim_buf_addch(note, '\n') < 0)
		return tim_errorf(err, 0, _("cannot sign the checkpoint"));
	return append_note(path, note, err);
}

int
tim_ledger_keygen(const char *name, const char *keyfile, struct tim_buf *pub,
    struct tim_buf *pubpath, struct tim_err *err)
{
	struct tim_signer s;
	int r = -1;

	if (tim_signer_generate(&s, name, err) < 0)
		return -1;
	tim_buf_addf(pubpath, "%s.pub", keyfile);
	if (tim_verifier_format(&s.v, pub) < 0 || tim_buf_addch(pub, '\n') < 0 ||
	    pubpath->failed) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (tim_signer_save(&s, keyfile, err) < 0)
		goto out;
	if (tim_write_new_file(pubpath->buf, 0644, pub->buf, pub->len, err) < 0) {
		unlink(keyfile);
		goto out;
	}
	r = 0;
out:
	tim_signer_release(&s);
	return r;
}
