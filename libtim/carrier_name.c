#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "carrier.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "banned.h"

/* The folder part (with its '/') and the base name of path, ignoring trailing slashes. */
static void
split_path(const char *path, size_t *dirlen, size_t *baselen)
{
	size_t len = strlen(path), i;

	while (len > 1 && path[len - 1] == '/')
		len--;
	i = len;
	while (i > 0 && path[i - 1] != '/')
		i--;
	*dirlen = i;
	*baselen = len - i;
}

int
tim_carrier_name_split(const struct tim_label_scheme *s, const char *path,
    struct tim_buf *rest, char level[TIM_LABEL_LEVEL_MAX])
{
	char one[TIM_LABEL_LEVEL_MAX];
	size_t dlen, blen, at = 0, n;
	const char *base;
	int count = 0;

	split_path(path, &dlen, &blen);
	base = path + dlen;
	level[0] = '\0';
	while ((n = tim_label_name_prefix(s, base + at, blen - at, one)) > 0) {
		if (!level[0] || tim_label_compare(s, one, level) > 0)
			memcpy(level, one, sizeof(one));
		at += n;
		count++;
	}
	if (rest != NULL)
		tim_buf_add(rest, base + at, blen - at);
	return count;
}

int
tim_carrier_name_read(const struct tim_label_scheme *s, const char *path,
    struct tim_label *out)
{
	tim_label_clear(out);
	return tim_carrier_name_split(s, path, NULL, out->level) > 0;
}

int
tim_carrier_name_target(const struct tim_label_scheme *s, const char *path,
    const struct tim_label *l, struct tim_buf *out)
{
	struct tim_buf rest = TIM_BUF_INIT;
	char level[TIM_LABEL_LEVEL_MAX];
	size_t dlen, blen;

	split_path(path, &dlen, &blen);
	/* One prefix of the same level, in whatever normal form: leave the name. */
	if (tim_carrier_name_split(s, path, &rest, level) == 1 && l != NULL &&
	    strcmp(level, l->level) == 0) {
		tim_buf_release(&rest);
		return tim_buf_add(out, path, dlen + blen);
	}
	tim_buf_add(out, path, dlen);
	if (l != NULL)
		tim_label_format_level(s, l->level, out);
	tim_buf_add(out, rest.buf ? rest.buf : "", rest.len);
	tim_buf_release(&rest);
	return out->failed ? -1 : 0;
}

int
tim_carrier_name_rename(const char *from, const char *to, struct tim_err *err)
{
	struct stat st;

	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST)
		return tim_errorf(err, 0, _("cannot rename '%s': '%s' already exists"), from, to);
	if (errno != EINVAL && errno != ENOSYS)
		return tim_errorf(err, errno, _("cannot rename '%s' to '%s'"), from, to);
	/*
	 * Filesystems without RENAME_NOREPLACE: link(2) refuses an existing
	 * name just as well, then the old name goes. Folders cannot be linked.
	 */
	if (lstat(from, &st) < 0)
		return tim_errorf(err, errno, _("cannot rename '%s'"), from);
	if (!S_ISREG(st.st_mode))
		return tim_errorf(err, EINVAL, _("cannot rename '%s' without replacing safely"), from);
	if (link(from, to) < 0) {
		if (errno == EEXIST)
			return tim_errorf(err, 0, _("cannot rename '%s': '%s' already exists"), from, to);
		return tim_errorf(err, errno, _("cannot rename '%s' to '%s'"), from, to);
	}
	if (unlink(from) < 0) {
		int saved = errno;

		unlink(to);
		return tim_errorf(err, saved, _("cannot rename '%s' to '%s'"), from, to);
	}
	return 0;
}
