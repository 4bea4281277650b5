#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blkdev.h"
#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "sanitize.h"
#include "wipe_device.h"
#include "banned.h"

static int
say(tim_wipe_refusal_fn *refuse, void *ctx, const char *fmt, const char *path,
    const struct tim_buf *what)
{
	char why[1024];

	snprintf(why, sizeof(why), fmt, path, what ? tim_buf_str(what) : "");
	refuse(ctx, why);
	return 1;
}

int
tim_wipe_device_refusals(const struct tim_blkdev *d, int force,
    tim_wipe_refusal_fn *refuse, void *ctx, struct tim_err *err)
{
	struct tim_blkdev_use u;
	int n = 0;

	if (tim_blkdev_use_init(&u) < 0)
		return tim_errorf(err, 0, _("out of memory"));
	if (tim_blkdev_usage(d, &u, err) < 0) {
		tim_blkdev_use_release(&u);
		return -1;
	}
	if (u.n_mounted && !(force & TIM_WIPE_FORCE_MOUNTED))
		n += say(refuse, ctx, _("'%s' is in use: %s mounted (unmount it, or --force-mounted)"),
		    d->path, u.mounted);
	if (u.n_swap && !(force & TIM_WIPE_FORCE_SWAP))
		n += say(refuse, ctx, _("'%s' is in use: %s is active swap (swapoff it, or --force-swap)"),
		    d->path, u.swap);
	if (u.n_holders && !(force & TIM_WIPE_FORCE_HOLDERS))
		n += say(refuse, ctx, _("'%s' is in use: %s, an md, dm or LVM stack (take it apart, or --force-holders)"),
		    d->path, u.holders);
	if (u.n_system && !(force & TIM_WIPE_FORCE_SYSTEM))
		n += say(refuse, ctx, _("'%s' holds the running system (%s); refusing without --force-system"),
		    d->path, u.system);
	if (d->readonly)
		n += say(refuse, ctx, _("'%s' is read-only"), d->path, NULL);
	tim_blkdev_use_release(&u);
	return n;
}

json_t *
tim_wipe_device_identity(const struct tim_blkdev *d)
{
	char rdev[32];

	snprintf(rdev, sizeof(rdev), "%u:%u", major(d->rdev), minor(d->rdev));
	return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "rdev", rdev,
	    "size", (json_int_t)d->size, "model", d->model, "serial", d->serial,
	    "wwid", d->wwid, "backing", d->backing);
}

int
tim_wipe_device_same(const json_t *a, const json_t *b)
{
	static const char *const keys[] = { "rdev", "model", "serial", "wwid", "backing", NULL };
	size_t i;

	if (json_integer_value(json_object_get(a, "size")) !=
	    json_integer_value(json_object_get(b, "size")))
		return 0;
	for (i = 0; keys[i]; i++) {
		const char *x = json_string_value(json_object_get(a, keys[i]));
		const char *y = json_string_value(json_object_get(b, keys[i]));

		if (!x || !y || strcmp(x, y) != 0)
			return 0;
	}
	return 1;
}

static const char *
media_type(const struct tim_blkdev *d)
{
	if (strcmp(d->transport, "loop") == 0)
		return "loop device";
	if (d->rotational == 1)
		return "magnetic (rotational)";
	if (d->rotational == 0)
		return "flash (non-rotational)";
	return "unknown";
}

json_t *
tim_wipe_device_media(const struct tim_blkdev *d, const struct tim_sanitize_caps *c)
{
	json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:s}",
	    "type", media_type(d), "device", d->node, "transport", d->transport,
	    "make", d->vendor[0] ? d->vendor : "unknown",
	    "model", d->model[0] ? d->model : "unknown",
	    "serial", d->serial[0] ? d->serial : "unknown",
	    "firmware", d->firmware[0] ? d->firmware : "unknown",
	    "size_bytes", (json_int_t)d->size,
	    "logical_sector_size", (int)d->logical,
	    "physical_sector_size", (int)d->physical,
	    "hpa_dco", c && c->hpa_dco[0] ? c->hpa_dco : "unknown");

	if (m && d->wwid[0])
		json_object_set_new(m, "wwid", json_string(d->wwid));
	if (m && d->backing[0])
		json_object_set_new(m, "backing_file", json_string(d->backing));
	return m;
}

int
tim_wipe_device_open(const struct tim_blkdev *d, const char *path, int readonly,
    int excl, struct tim_err *err)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC, fd, e;
	struct stat st;

	fd = open(d->node, flags | (excl ? O_EXCL : 0));
	if (fd < 0) {
		e = errno;
		if (e == EBUSY)
			tim_failf(err, _("'%s' is busy: the kernel holds it (mounted, swap or a stack member)"), path);
		else
			tim_errorf(err, 0, _("cannot open '%s': %s"), path, strerror(e));
		err->errnum = e;
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) || st.st_rdev != d->rdev) {
		close(fd);
		tim_failf(err, _("'%s' changed while it was opened; not touched"), path);
		return -1;
	}
	return fd;
}
