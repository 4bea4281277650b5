#ifndef TIM_SEALIO_H
#define TIM_SEALIO_H

#include <stddef.h>

struct tim_err;

/*
 * Files for tim-seal: a temporary file beside its destination, moved into
 * place without ever replacing an existing file, and removed on any failure
 * so that nothing half-written or unverified stays. Where the file system
 * allows it the file has no name at all until it is linked into place
 * (O_TMPFILE), so not even a killed process leaves plaintext behind;
 * elsewhere it is a hidden name made with O_EXCL, mode 0600.
 */
struct tim_tmpfile {
	int fd;
	char *path;		/* the temporary name; NULL while unnamed */
	char *dest;		/* where it goes */
	int replace;		/* set before open: replace dest (--force) */
};

int tim_tmpfile_open(struct tim_tmpfile *t, const char *dest,
    struct tim_err *err);
/* Syncs, sets mode and renames into place (replacing dest only with replace). */
int tim_tmpfile_commit(struct tim_tmpfile *t, int mode, struct tim_err *err);
/* Removes the file if it is still there; safe to call twice. */
void tim_tmpfile_discard(struct tim_tmpfile *t);

/* An anonymous temporary file in $TMPDIR, already unlinked. */
int tim_tmpfile_anon(struct tim_err *err);

#endif
