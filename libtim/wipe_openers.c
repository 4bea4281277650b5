#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "err.h"
#include "i18n.h"
#include "wipe_openers.h"
#include "banned.h"

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The "flags:" line of /proc/PID/fdinfo/FD, in octal; -1 when unknown. */
static long
fd_flags(int piddir, const char *fd)
{
	char path[300], buf[512], *p;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "fdinfo/%s", fd);
	f = openat(piddir, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f < 0)
		return -1;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "flags:");
	if (p == NULL)
		return -1;
	return strtol(p + 6, NULL, 8);
}

/*
 * Whether /proc/PID/maps has a shared writable mapping of the file: a
 * line "start-end rw-s offset MAJ:MIN inode path".
 */
static int
mapped_writable(int piddir, const struct stat *st)
{
	char line[4096], perms[8];
	unsigned maj, min;
	unsigned long long ino;
	FILE *f;
	int fd, found = 0;

	fd = openat(piddir, "maps", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return 0;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*x-%*x %7s %*x %x:%x %llu", perms, &maj, &min, &ino) == 4 &&
		    perms[1] == 'w' && perms[3] == 's' && ino == (unsigned long long)st->st_ino &&
		    makedev(maj, min) == st->st_dev)
			found = 1;
		/* A line longer than the buffer: skip its rest. */
		while (strchr(line, '\n') == NULL && fgets(line, sizeof(line), f))
			;
	}
	fclose(f);
	return found;
}

static void
comm_of(int piddir, char *out, size_t n)
{
	ssize_t r;
	int f;

	snprintf(out, n, "?");
	f = openat(piddir, "comm", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f < 0)
		return;
	r = read(f, out, n - 1);
	close(f);
	if (r <= 0) {
		snprintf(out, n, "?");
		return;
	}
	out[r] = '\0';
	out[strcspn(out, "\n")] = '\0';
	/* A process names itself: nothing but printable ASCII reaches a terminal. */
	for (r = 0; out[r]; r++)
		if (!isprint((unsigned char)out[r]))
			out[r] = '?';
}

/* How one process has the file open: 0 not, 1 reading, 2 writing. */
static int
process_use(int piddir, const struct stat *st)
{
	struct stat fst;
	struct dirent *e;
	DIR *d;
	int use = 0, fdd;

	fdd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdd >= 0 && (d = fdopendir(fdd)) != NULL) {
		while (use < 2 && (e = readdir(d)) != NULL) {
			long fl;

			if (!all_digits(e->d_name))
				continue;
			/* The magic link leads to the open file, wherever it is. */
			if (fstatat(fdd, e->d_name, &fst, 0) < 0 ||
			    fst.st_dev != st->st_dev || fst.st_ino != st->st_ino)
				continue;
			fl = fd_flags(piddir, e->d_name);
			use = fl >= 0 && (fl & O_ACCMODE) != O_RDONLY ? 2 : (use > 1 ? use : 1);
		}
		closedir(d);
	} else if (fdd >= 0)
		close(fdd);
	if (use < 2 && mapped_writable(piddir, st))
		use = 2;
	return use;
}

int
tim_wipe_openers(int fd, const struct stat *st, const char *procdir,
    struct tim_wipe_openers *out, struct tim_err *err)
{
	char self[32];
	struct dirent *e;
	DIR *d;
	int pfd;

	memset(out, 0, sizeof(*out));
	/*
	 * The kernel grants a write lease only when no other descriptor or
	 * mapping has the file open; it is given back at once. Granted, there
	 * is nobody to look for, and /proc is not walked for every file of a
	 * tree. Refused, or not possible here (not the owner, a file system
	 * without leases), /proc says who.
	 */
	if (fcntl(fd, F_SETLEASE, F_WRLCK) == 0) {
		(void)fcntl(fd, F_SETLEASE, F_UNLCK);
		return 0;
	}
	if (errno == EAGAIN || errno == EBUSY)
		out->lease_refused = 1;
	pfd = open(procdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0 || (d = fdopendir(pfd)) == NULL) {
		if (pfd >= 0)
			close(pfd);
		return tim_errorf(err, errno, _("cannot read '%s' to find other processes"), procdir);
	}
	snprintf(self, sizeof(self), "%ld", (long)getpid());
	while ((e = readdir(d)) != NULL) {
		int piddir, use;

		if (!all_digits(e->d_name) || strcmp(e->d_name, self) == 0)
			continue;
		piddir = openat(pfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (piddir < 0)
			continue;	/* gone, or not ours to look at */
		use = process_use(piddir, st);
		if (use) {
			if (use == 2)
				out->writers++;
			else
				out->readers++;
			if (out->n < TIM_WIPE_OPENERS_MAX) {
				struct tim_wipe_opener *o = &out->o[out->n++];

				o->pid = (pid_t)strtol(e->d_name, NULL, 10);
				o->writing = use == 2;
				comm_of(piddir, o->comm, sizeof(o->comm));
			}
		}
		close(piddir);
	}
	closedir(d);
	return 0;
}
