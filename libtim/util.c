#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "util.h"
#include "banned.h"

void
tim_time_rfc3339(time_t t, char out[21])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 21, "1970-01-01T00:00:00Z");
}

void
tim_now_rfc3339(char out[21])
{
	tim_time_rfc3339(time(NULL), out);
}

void
tim_time_local(time_t t, char out[32])
{
	struct tm tm;
	char z[8];

	if (localtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0 ||
	    strftime(z, sizeof(z), "%z", &tm) != 5) {
		tim_time_rfc3339(t, out);
		return;
	}
	/* strftime's %z is +0900; RFC 3339 and people write +09:00. */
	snprintf(out + 19, 32 - 19, "%.3s:%.2s", z, z + 3);
}

void
tim_date_local(time_t t, char out[11])
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 11, "1970-01-01");
}

int
tim_time_parse_local(const char *s, int end, time_t *out)
{
	struct tm tm, want;
	const char *p;

	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%d", &tm);
	if (p == NULL)
		return -1;
	if (*p != '\0') {
		if (strpbrk(p, "Zz+") != NULL || strchr(p + 1, '-') != NULL)
			return tim_time_parse(s, end, out);
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p = strptime(p + 1, "%H:%M:%S", &tm);
		if (p == NULL || *p != '\0')
			return -1;
	} else if (end) {
		tm.tm_hour = 23;
		tm.tm_min = 59;
		tm.tm_sec = 59;
	}
	tm.tm_isdst = -1;
	want = tm;
	*out = mktime(&tm);
	if (*out == (time_t)-1 || tm.tm_year != want.tm_year || tm.tm_mon != want.tm_mon ||
	    tm.tm_mday != want.tm_mday)
		return -1;
	return 0;
}

int
tim_time_parse(const char *s, int end, time_t *out)
{
	struct tm tm, want;
	const char *p;
	long off = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%d", &tm);
	if (p == NULL)
		return -1;
	if (*p == '\0') {
		if (end) {
			tm.tm_hour = 23;
			tm.tm_min = 59;
			tm.tm_sec = 59;
		}
	} else {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p = strptime(p + 1, "%H:%M:%S", &tm);
		if (p == NULL)
			return -1;
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
		if (*p == 'Z' || *p == 'z')
			p++;
		else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
		    isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		    isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5])) {
			int h = (p[1] - '0') * 10 + (p[2] - '0');
			int m = (p[4] - '0') * 10 + (p[5] - '0');

			if (h > 23 || m > 59)
				return -1;
			off = (h * 60L + m) * 60L * (*p == '-' ? -1 : 1);
			p += 6;
		} else
			return -1;
		if (*p != '\0')
			return -1;
	}
	want = tm;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	/* timegm turns 02-30 into 03-02; a date that moved did not exist. */
	if (tm.tm_year != want.tm_year || tm.tm_mon != want.tm_mon ||
	    tm.tm_mday != want.tm_mday || tm.tm_hour != want.tm_hour ||
	    tm.tm_min != want.tm_min || tm.tm_sec != want.tm_sec)
		return -1;
	*out = t - off;
	return 0;
}

const char *
tim_hostname(void)
{
	static char name[HOST_NAME_MAX + 1];

	if (name[0] == '\0' && gethostname(name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "localhost");
	name[sizeof(name) - 1] = '\0';
	if (name[0] == '\0')
		snprintf(name, sizeof(name), "localhost");
	return name;
}

const char *
tim_username(void)
{
	static char name[256];
	struct passwd *pw;

	if (name[0] == '\0') {
		pw = getpwuid(geteuid());
		if (pw && pw->pw_name && *pw->pw_name)
			snprintf(name, sizeof(name), "%s", pw->pw_name);
		else
			snprintf(name, sizeof(name), "uid:%lu",
			    (unsigned long)geteuid());
	}
	return name;
}

int
tim_open_regular(const char *path, int flags, int mode, struct tim_err *err)
{
	struct stat st;
	int fd, fl;

	fd = open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0)
		return tim_errorf(err, errno, _("cannot open '%s'"), path);
	if (fstat(fd, &st) < 0) {
		tim_errorf(err, errno, _("cannot read '%s'"), path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		tim_errorf(err, 0, _("'%s' is not a regular file"), path);
		close(fd);
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		tim_errorf(err, errno, _("cannot open '%s'"), path);
		close(fd);
		return -1;
	}
	return fd;
}

int
tim_read_file(const char *path, size_t max, int flags, struct tim_buf *b,
    struct tim_err *err)
{
	int secret = flags & TIM_READ_SECRET;
	struct stat st;
	char chunk[8192];
	ssize_t n;
	int fd;

	if (flags & (TIM_READ_SECRET | TIM_READ_REGULAR)) {
		fd = tim_open_regular(path, O_RDONLY | (secret ? O_NOFOLLOW : 0), 0, err);
		if (fd < 0 && secret && err->errnum == ELOOP)
			return tim_errorf(err, 0, _("'%s' is a symbolic link; refusing it"), path);
		if (fd < 0)
			return -1;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return tim_errorf(err, errno, _("cannot open '%s'"), path);
	if (fstat(fd, &st) < 0) {
		tim_errorf(err, errno, _("cannot read '%s'"), path);
		goto fail;
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		tim_errorf(err, 0,
		    _("'%s' is accessible by group or others (mode %04o); run: chmod 600 '%s'"),
		    path, (unsigned)(st.st_mode & 07777), path);
		goto fail;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tim_errorf(err, errno, _("cannot read '%s'"), path);
			goto fail;
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > max) {
			tim_errorf(err, 0, _("'%s' is too large"), path);
			goto fail;
		}
		if (tim_buf_add(b, chunk, (size_t)n) < 0) {
			tim_errorf(err, ENOMEM, _("cannot read '%s'"), path);
			goto fail;
		}
	}
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	return 0;
fail:
	/* Nothing half-read is left to the caller (a "too large" file leaked it). */
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	if (secret)
		tim_buf_release_secret(b);
	else
		tim_buf_release(b);
	return -1;
}

ssize_t
tim_pread_upto(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(fd, p + got, len - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
tim_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
tim_write_new_file(const char *path, int mode, const void *data, size_t len,
    struct tim_err *err)
{
	int fd, saved;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return tim_errorf(err, 0, _("'%s' already exists; not overwriting it"), path);
		return tim_errorf(err, errno, _("cannot create '%s'"), path);
	}
	/* The umask may have widened nothing, but it may have narrowed: state it. */
	if (fchmod(fd, (mode_t)mode) < 0 || tim_write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(path);
		return tim_errorf(err, saved, _("cannot write '%s'"), path);
	}
	if (close(fd) < 0) {
		saved = errno;
		unlink(path);
		return tim_errorf(err, saved, _("cannot write '%s'"), path);
	}
	return 0;
}

int
tim_tmp_beside(const char *path, struct tim_buf *name, struct tim_err *err)
{
	const char *slash = strrchr(path, '/');
	int fd;

	tim_buf_reset(name);
	if (slash)
		tim_buf_addf(name, "%.*s/.tim-XXXXXX", (int)(slash - path), path);
	else
		tim_buf_adds(name, ".tim-XXXXXX");
	if (name->failed)
		return tim_errorf(err, ENOMEM, _("cannot write '%s'"), path);
	fd = mkostemp(name->buf, O_CLOEXEC);
	if (fd < 0)
		return tim_errorf(err, errno, _("cannot write '%s'"), path);
	return fd;
}

/*
 * Renames tmp to path, or with TIM_WRITE_NOREPLACE links it there, which
 * fails with EEXIST when path exists (link(2) where renameat2(2) has no
 * RENAME_NOREPLACE on this file system).
 */
static int
put_in_place(const char *tmp, const char *path, int flags)
{
	if (!(flags & TIM_WRITE_NOREPLACE))
		return rename(tmp, path);
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(tmp, path) < 0)
		return -1;
	(void)unlink(tmp);
	return 0;
}

int
tim_write_replace_ex(const char *path, int mode, const void *data, size_t len,
    int flags, struct tim_err *err)
{
	struct tim_buf tmp = TIM_BUF_INIT;
	int fd, e;

	fd = tim_tmp_beside(path, &tmp, err);
	if (fd < 0) {
		tim_buf_release(&tmp);
		return -1;
	}
	if (fchmod(fd, (mode_t)mode) < 0 || tim_write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0 || put_in_place(tmp.buf, path, flags) < 0) {
		e = errno;
		goto fail;
	}
	tim_buf_release(&tmp);
	return 0;
fail:
	unlink(tmp.buf);
	tim_buf_release(&tmp);
	if (e == EEXIST && (flags & TIM_WRITE_NOREPLACE))
		return tim_errorf(err, 0, _("'%s' already exists; not overwriting it"), path);
	return tim_errorf(err, e, _("cannot write '%s'"), path);
}

int
tim_write_replace(const char *path, int mode, const void *data, size_t len,
    struct tim_err *err)
{
	return tim_write_replace_ex(path, mode, data, len, 0, err);
}

void
tim_human_size(double bytes, char out[32])
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	int i = 0;

	while (bytes >= 1024 && i < 5) {
		bytes /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(out, 32, "%.0f %s", bytes, units[i]);
	else
		snprintf(out, 32, "%.1f %s", bytes, units[i]);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
tim_dir_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
tim_dir_names(DIR *dp, char ***names, size_t *n, struct tim_err *err)
{
	char **v = NULL, **nv;
	size_t cnt = 0, cap = 0;
	struct dirent *e;

	*names = NULL;
	*n = 0;
	errno = 0;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*nv));
			if (nv == NULL)
				goto oom;
			v = nv;
		}
		if ((v[cnt] = strdup(e->d_name)) == NULL)
			goto oom;
		cnt++;
		errno = 0;
	}
	if (errno != 0) {
		tim_dir_names_free(v, cnt);
		return tim_errorf(err, errno, _("cannot read folder"));
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), cmp_name);
	*names = v;
	*n = cnt;
	return 0;
oom:
	tim_dir_names_free(v, cnt);
	return tim_errorf(err, ENOMEM, _("cannot read folder"));
}
