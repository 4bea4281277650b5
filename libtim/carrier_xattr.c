#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include "carrier.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "banned.h"

/*
 * user.tim.label holds the level; the other fields keep their own names.
 * The l* calls never follow a symlink.
 */
static void
attr_name(const char *field, char out[32])
{
	if (strcmp(field, "level") == 0)
		field = "label";
	snprintf(out, 32, "user.tim.%s", field);
}

static int
unsupported(int e)
{
	return e == ENOTSUP || e == EOPNOTSUPP;
}

int
tim_carrier_xattr_read(const char *path, struct tim_label *out,
    struct tim_err *err)
{
	char name[32], val[TIM_LABEL_VALUE_MAX];
	struct tim_err ignored;
	ssize_t n;
	size_t i;
	int any = 0;

	tim_label_clear(out);
	for (i = 0; i < 5; i++) {
		attr_name(tim_label_fields[i], name);
		n = lgetxattr(path, name, val, sizeof(val) - 1);
		if (n < 0) {
			if (errno == ENODATA)
				continue;
			if (errno == ERANGE)
				return tim_errorf(err, 0, _("attribute '%s' of '%s' is too long"), name, path);
			if (unsupported(errno))
				return tim_errorf(err, errno, _("'%s': the filesystem keeps no extended attributes"), path);
			return tim_errorf(err, errno, _("cannot read attribute '%s' of '%s'"), name, path);
		}
		val[n] = '\0';
		/* A value someone else wrote may be anything: keep only valid ones. */
		if (memchr(val, '\0', (size_t)n) != NULL ||
		    tim_label_set(out, tim_label_fields[i], val, &ignored) < 0)
			return tim_errorf(err, 0, _("attribute '%s' of '%s' is not a valid label value"), name, path);
		any = 1;
	}
	return any;
}

int
tim_carrier_xattr_write(const char *path, const struct tim_label *l,
    struct tim_err *err)
{
	char name[32];
	const char *v;
	size_t i;

	for (i = 0; i < 5; i++) {
		attr_name(tim_label_fields[i], name);
		v = l ? tim_label_get(l, tim_label_fields[i]) : "";
		if (*v) {
			if (lsetxattr(path, name, v, strlen(v), 0) < 0)
				goto fail;
		} else if (lremovexattr(path, name) < 0 && errno != ENODATA)
			goto fail;
	}
	return 0;
fail:
	if (unsupported(errno))
		return tim_errorf(err, errno, _("'%s': the filesystem keeps no extended attributes"), path);
	return tim_errorf(err, errno, _("cannot set attribute '%s' of '%s'"), name, path);
}
