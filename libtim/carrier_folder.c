#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "carrier.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "util.h"
#include "banned.h"

#define FOLDER_MAX 65536

/*
 * DIR/.timlabel is a few "key = value" lines (level, owner, entrusted, id,
 * until) with '#' comments. Anything else in it is a damaged label file,
 * reported rather than guessed at.
 */
static int
parse_folder(const char *text, size_t len, struct tim_label *out,
    const char *path, struct tim_err *err)
{
	const char *p = text, *end = text + len;
	int lineno = 0;

	tim_label_clear(out);
	if (memchr(text, '\0', len) != NULL)
		return tim_errorf(err, 0, _("'%s' is not a label file"), path);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *eq, *k0, *k1, *v0, *v1;
		char key[16], val[TIM_LABEL_VALUE_MAX];
		struct tim_err why;

		lineno++;
		k0 = p;
		while (k0 < e && (*k0 == ' ' || *k0 == '\t'))
			k0++;
		v1 = e;
		while (v1 > k0 && (v1[-1] == ' ' || v1[-1] == '\t' || v1[-1] == '\r'))
			v1--;
		p = nl ? nl + 1 : end;
		if (k0 == v1 || *k0 == '#' || *k0 == ';')
			continue;
		eq = memchr(k0, '=', (size_t)(v1 - k0));
		if (eq == NULL)
			return tim_errorf(err, 0, _("'%s' line %d: expected key = value"), path, lineno);
		k1 = eq;
		while (k1 > k0 && (k1[-1] == ' ' || k1[-1] == '\t'))
			k1--;
		v0 = eq + 1;
		while (v0 < v1 && (*v0 == ' ' || *v0 == '\t'))
			v0++;
		if ((size_t)(k1 - k0) >= sizeof(key) || (size_t)(v1 - v0) >= sizeof(val))
			return tim_errorf(err, 0, _("'%s' line %d: too long"), path, lineno);
		memcpy(key, k0, (size_t)(k1 - k0));
		key[k1 - k0] = '\0';
		memcpy(val, v0, (size_t)(v1 - v0));
		val[v1 - v0] = '\0';
		if (tim_label_get(out, key) == NULL)
			return tim_errorf(err, 0, _("'%s' line %d: unknown key '%s'"), path, lineno, key);
		if (tim_label_set(out, key, val, &why) < 0)
			return tim_errorf(err, 0, _("'%s' line %d: %s"), path, lineno, why.msg);
	}
	if (!out->level[0])
		return tim_errorf(err, 0, _("'%s' has no level"), path);
	return 0;
}

/* Reads dirfd/.timlabel: 1 with the label, 0 when there is none. */
static int
read_at(int dirfd, const char *shown, struct tim_label *out, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	char chunk[4096];
	struct stat st;
	ssize_t n;
	int fd, r = -1;

	fd = openat(dirfd, TIM_FOLDER_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		if (errno == ELOOP)
			return tim_errorf(err, 0, _("'%s' is a symbolic link; not following it"), shown);
		return tim_errorf(err, errno, _("cannot open '%s'"), shown);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		tim_errorf(err, 0, _("'%s' is not a regular file"), shown);
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tim_errorf(err, errno, _("cannot read '%s'"), shown);
			goto out;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > FOLDER_MAX) {
			tim_errorf(err, 0, _("'%s' is too large for a label file"), shown);
			goto out;
		}
		if (tim_buf_add(&b, chunk, (size_t)n) < 0) {
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto out;
		}
	}
	if (parse_folder(tim_buf_str(&b), b.len, out, shown, err) == 0)
		r = 1;
out:
	close(fd);
	tim_buf_release(&b);
	return r;
}

int
tim_carrier_folder_read(const struct tim_label_scheme *s, const char *dir,
    struct tim_label *out, struct tim_err *err)
{
	struct tim_buf shown = TIM_BUF_INIT;
	int dfd, r;

	(void)s;
	tim_label_clear(out);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return tim_errorf(err, errno, _("cannot open folder '%s'"), dir);
	tim_buf_addf(&shown, "%s/%s", dir, TIM_FOLDER_FILE);
	r = read_at(dfd, tim_buf_str(&shown), out, err);
	close(dfd);
	tim_buf_release(&shown);
	return r;
}

int
tim_carrier_folder_write(const struct tim_label_scheme *s, const char *dir,
    const struct tim_label *l, struct tim_err *err)
{
	struct tim_buf text = TIM_BUF_INIT, dst = TIM_BUF_INIT;
	struct stat st;
	size_t i;
	int r = -1;

	(void)s;
	tim_buf_addf(&dst, "%s/%s", dir, TIM_FOLDER_FILE);
	if (lstat(dst.buf, &st) == 0 && !S_ISREG(st.st_mode)) {
		tim_errorf(err, 0, _("'%s' is not a regular file; left alone"), dst.buf);
		goto out;
	}
	if (l == NULL) {
		if (unlink(dst.buf) < 0 && errno != ENOENT) {
			tim_errorf(err, errno, _("cannot remove '%s'"), dst.buf);
			goto out;
		}
		r = 0;
		goto out;
	}
	tim_buf_adds(&text, "# tim-mark: the label of this folder and everything below it\n");
	for (i = 0; i < 5; i++) {
		const char *v = tim_label_get(l, tim_label_fields[i]);

		if (*v)
			tim_buf_addf(&text, "%s = %s\n", tim_label_fields[i], v);
	}
	if (text.failed || dst.failed) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	r = tim_write_replace(dst.buf, 0644, text.buf, text.len, err);
out:
	tim_buf_release(&text);
	tim_buf_release(&dst);
	return r;
}

int
tim_label_inherited(const struct tim_label_scheme *s, const char *path,
    struct tim_label *out, char *where, size_t wlen, struct tim_err *err)
{
	return tim_folder_inherited(s, path, TIM_CARRIER_FOLDER | TIM_CARRIER_FOLDER_NAME,
	    out, where, wlen, NULL, err);
}

int
tim_folder_inherited(const struct tim_label_scheme *s, const char *path,
    int bits, struct tim_label *out, char *where, size_t wlen, int *which,
    struct tim_err *err)
{
	char *copy, *dir, *slash;
	int dfd, r = 0;
	size_t len;

	tim_label_clear(out);
	if (which != NULL)
		*which = 0;
	copy = strdup(path);
	if (copy == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	slash = strrchr(copy, '/');
	if (slash == NULL)
		dir = realpath(".", NULL);
	else {
		if (slash == copy)
			slash[1] = '\0';
		else
			*slash = '\0';
		dir = realpath(copy, NULL);
	}
	free(copy);
	if (dir == NULL)
		return tim_errorf(err, errno, _("cannot find the folder of '%s'"), path);
	/* Up from the file's folder to the root; the nearest label file wins. */
	for (;;) {
		struct tim_buf shown = TIM_BUF_INIT;

		tim_buf_addf(&shown, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", TIM_FOLDER_FILE);
		if (bits & TIM_CARRIER_FOLDER) {
			dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				r = read_at(dfd, tim_buf_str(&shown), out, err);
				close(dfd);
			}
			if (r == 1 && where != NULL)
				snprintf(where, wlen, "%s", tim_buf_str(&shown));
			if (r == 1 && which != NULL)
				*which = TIM_CARRIER_FOLDER;
		}
		/* No .timlabel here: the folder's own name may carry the label. */
		if (r == 0 && (bits & TIM_CARRIER_FOLDER_NAME) && strcmp(dir, "/") != 0 &&
		    tim_carrier_name_read(s, dir, out) == 1) {
			r = 1;
			if (where != NULL)
				snprintf(where, wlen, "%s", dir);
			if (which != NULL)
				*which = TIM_CARRIER_FOLDER_NAME;
		}
		tim_buf_release(&shown);
		if (r != 0 || strcmp(dir, "/") == 0)
			break;
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(dir);
	return r;
}
