#ifndef TIM_WIPE_OPENERS_H
#define TIM_WIPE_OPENERS_H

#include <sys/types.h>

struct tim_err;

/*
 * Who else has a file open (issue 18): a process that keeps writing a file
 * while it is overwritten puts new content on the device after the
 * overwrite, and the erasure would be certified although that content is
 * readable. Found through /proc (each process's open descriptors with
 * their flags, and its shared writable mappings) and a write lease, which
 * the kernel grants only when nobody else has the file open at all.
 */

#define TIM_WIPE_OPENERS_MAX 16

struct tim_wipe_opener {
	pid_t pid;
	int writing;		/* open for writing, or mapped shared and writable */
	char comm[32];		/* the process's name */
};

struct tim_wipe_openers {
	struct tim_wipe_opener o[TIM_WIPE_OPENERS_MAX];
	size_t n;		/* kept */
	size_t writers, readers;	/* found, kept or not */
	int lease_refused;	/* 1: a write lease was refused, so someone has it open */
};

/*
 * Looks for other processes that have the file open on fd (its stat in
 * st): nobody when the kernel grants a write lease, else through procdir,
 * "/proc" (a test's copy otherwise). Processes this user
 * may not look at are not seen; lease_refused then still tells that
 * somebody has the file open. Returns 0, or -1 with err when procdir
 * cannot be read at all.
 */
int tim_wipe_openers(int fd, const struct stat *st, const char *procdir,
    struct tim_wipe_openers *out, struct tim_err *err);

#endif
