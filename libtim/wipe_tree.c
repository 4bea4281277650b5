#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "walk.h"
#include "wipe_file.h"
#include "wipe_tree.h"
#include "banned.h"

struct tree {
	const struct tim_wipe_tree_ops *ops;
	void *ctx;
	const char *path;
	struct tim_buf disp;
	dev_t fsdev;
	int stopped, ended;
	/* bad[d]: something under the folder at depth d stays, so it does too. */
	unsigned char bad[TIM_WALK_DEPTH_MAX + 2];
};

/* The entry as the user would name it: the root as given, then rel. */
static const char *
display(struct tree *t, const struct tim_walk_entry *e)
{
	size_t n = strlen(t->path);

	tim_buf_reset(&t->disp);
	tim_buf_addf(&t->disp, "%s%s%s", t->path,
	    !e->rel[0] || (n && t->path[n - 1] == '/') ? "" : "/", e->rel);
	return tim_buf_str(&t->disp);
}

/* Everything above depth stays. */
static void
kept(struct tree *t, int depth)
{
	int k;

	for (k = 0; k < depth && k < (int)sizeof(t->bad); k++)
		t->bad[k] = 1;
}

static int
problem(struct tree *t, const struct tim_walk_entry *e, const struct tim_err *err)
{
	kept(t, e->depth);
	if (t->ops->problem(t->ctx, err) < 0) {
		t->ended = 1;
		return TIM_WALK_STOP;
	}
	return TIM_WALK_CONTINUE;
}

static int
problemf(struct tree *t, const struct tim_walk_entry *e, int errnum,
    const char *fmt)
{
	struct tim_err err;
	const char *p = display(t, e);

	tim_err_clear(&err);
	if (errnum)
		tim_errorf(&err, 0, fmt, p, strerror(errnum));
	else
		tim_failf(&err, fmt, p);
	err.errnum = errnum;
	return problem(t, e, &err);
}

/* A folder: entered only on the root's file system. */
static int
visit_dir(struct tree *t, const struct tim_walk_entry *e)
{
	struct stat st;

	if (fstatat(e->dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return problemf(t, e, errno, _("cannot stat '%s': %s"));
	if (e->depth == 0)
		t->fsdev = st.st_dev;
	else if (st.st_dev != t->fsdev) {
		if (problemf(t, e, 0, _("'%s' is another file system; not entered")) == TIM_WALK_STOP)
			return TIM_WALK_STOP;
		return TIM_WALK_SKIP;
	}
	return TIM_WALK_CONTINUE;
}

/* Symbolic links, FIFOs and sockets hold no file data: only the name goes. */
static int
visit_other(struct tree *t, const struct tim_walk_entry *e)
{
	struct stat st;

	if (fstatat(e->dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return problemf(t, e, errno, _("cannot stat '%s': %s"));
	if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode))
		return problemf(t, e, 0, _("'%s' is a device node; not erased through a directory"));
	if (t->ops->keep)
		return TIM_WALK_CONTINUE;
	if (unlinkat(e->dirfd, e->name, 0) < 0)
		return problemf(t, e, errno, _("cannot remove '%s': %s"));
	return TIM_WALK_CONTINUE;
}

static int
visit(const struct tim_walk_entry *e, void *arg)
{
	struct tree *t = arg;
	int r;

	if (e->depth > 0 && t->ops->stop && *t->ops->stop) {
		t->stopped = 1;
		return TIM_WALK_STOP;
	}
	switch (e->type) {
	case TIM_WALK_DIR:
		return visit_dir(t, e);
	case TIM_WALK_REG:
		r = t->ops->file(t->ctx, e->dirfd, e->name, display(t, e));
		if (r < 0) {
			t->ended = 1;
			return TIM_WALK_STOP;
		}
		if (r > 0)
			kept(t, e->depth);
		return TIM_WALK_CONTINUE;
	default:
		return visit_other(t, e);
	}
}

static int
enter(const struct tim_walk_entry *e, int fd, void *arg)
{
	struct tree *t = arg;

	(void)fd;
	t->bad[e->depth] = 0;
	return TIM_WALK_CONTINUE;
}

/* After its entries, a folder whose entries all went goes too. */
static int
leave(const struct tim_walk_entry *e, void *arg)
{
	struct tree *t = arg;
	struct tim_err err;

	if (t->bad[e->depth] || t->ops->keep)
		return TIM_WALK_CONTINUE;
	tim_err_clear(&err);
	if (tim_wipe_remove_name(e->dirfd, e->name, -1, 1, &err) < 0) {
		tim_err_prefix(&err, "'%s'", display(t, e));
		return problem(t, e, &err);
	}
	return TIM_WALK_CONTINUE;
}

static int
walk_error(const struct tim_walk_entry *e, int errnum, void *arg)
{
	struct tree *t = arg;

	if (errnum == ELOOP)
		return problemf(t, e, 0, _("'%s' is nested too deeply"));
	return problemf(t, e, errnum, _("cannot open '%s': %s"));
}

int
tim_wipe_tree(int dirfd, const char *name, const char *path,
    const struct tim_wipe_tree_ops *ops, void *ctx)
{
	struct tim_walk_ops wops = { visit, enter, leave, walk_error, TIM_WALK_DEPTH_MAX + 1 };
	struct tree t;
	struct tim_err err;
	int r;

	memset(&t, 0, sizeof(t));
	t.ops = ops;
	t.ctx = ctx;
	t.path = path;
	tim_buf_init(&t.disp);
	tim_err_clear(&err);
	r = tim_walk(dirfd, name, &wops, &t, &err);
	if (r < 0 && !t.ended) {
		ops->problem(ctx, &err);
		t.ended = 1;
	}
	tim_buf_release(&t.disp);
	if (t.stopped)
		return TIM_WIPE_TREE_STOPPED;
	return t.ended ? -1 : 0;
}
