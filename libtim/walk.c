#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "util.h"
#include "walk.h"
#include "banned.h"

struct walk {
	const struct tim_walk_ops *ops;
	void *arg;
	struct tim_err *err;
	int max_depth;
};

static enum tim_walk_type
type_of_mode(mode_t m)
{
	if (S_ISREG(m))
		return TIM_WALK_REG;
	if (S_ISDIR(m))
		return TIM_WALK_DIR;
	if (S_ISLNK(m))
		return TIM_WALK_LNK;
	return TIM_WALK_OTHER;
}

/* The reason a folder could not be walked: to the caller, or the end. */
static int
folder_error(struct walk *w, const struct tim_walk_entry *e, int errnum)
{
	if (w->ops->error != NULL)
		return w->ops->error(e, errnum, w->arg) == TIM_WALK_CONTINUE ?
		    TIM_WALK_CONTINUE : TIM_WALK_STOP;
	if (errnum == ELOOP)
		return tim_errorf(w->err, 0, _("'%s' is nested too deep"), e->path);
	return tim_errorf(w->err, errnum, _("cannot read folder '%s'"), e->path);
}

static int walk_entry(struct walk *w, const struct tim_walk_entry *e);

static int
walk_children(struct walk *w, const struct tim_walk_entry *e, int fd)
{
	struct tim_buf path = TIM_BUF_INIT, rel = TIM_BUF_INIT;
	struct tim_err derr;
	char **names = NULL;
	size_t n = 0, i;
	int r = 0, dfd;
	DIR *dp;

	dfd = dup(fd);
	dp = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (dp == NULL) {
		int saved = errno;

		if (dfd >= 0)
			close(dfd);
		return folder_error(w, e, saved);
	}
	tim_err_clear(&derr);
	if (tim_dir_names(dp, &names, &n, &derr) < 0) {
		closedir(dp);
		return folder_error(w, e, derr.errnum ? derr.errnum : EIO);
	}
	closedir(dp);
	for (i = 0; i < n && r == 0; i++) {
		struct tim_walk_entry c;
		struct stat st;

		tim_buf_reset(&path);
		tim_buf_reset(&rel);
		tim_buf_addf(&path, "%s%s%s", e->path,
		    e->path[0] && e->path[strlen(e->path) - 1] == '/' ? "" : "/", names[i]);
		tim_buf_addf(&rel, "%s%s%s", e->rel, e->rel[0] ? "/" : "", names[i]);
		if (path.failed || rel.failed) {
			r = tim_errorf(w->err, ENOMEM, _("cannot walk '%s'"), e->path);
			break;
		}
		c.dirfd = fd;
		c.name = names[i];
		c.path = path.buf;
		c.rel = rel.buf;
		c.depth = e->depth + 1;
		/* The type comes from fstatat: d_type can go stale under renames. */
		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;	/* removed since the names were read */
			r = folder_error(w, &c, errno);
			continue;
		}
		c.type = type_of_mode(st.st_mode);
		r = walk_entry(w, &c);
	}
	tim_dir_names_free(names, n);
	tim_buf_release(&path);
	tim_buf_release(&rel);
	return r;
}

static int
walk_entry(struct walk *w, const struct tim_walk_entry *e)
{
	int r, fd;

	r = w->ops->visit(e, w->arg);
	if (r < 0 || r == TIM_WALK_STOP)
		return r;
	if (e->type != TIM_WALK_DIR || r == TIM_WALK_SKIP)
		return 0;
	if (e->depth >= w->max_depth)
		return folder_error(w, e, ELOOP);
	fd = openat(e->dirfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return folder_error(w, e, errno);
	r = 0;
	if (w->ops->enter != NULL)
		r = w->ops->enter(e, fd, w->arg);
	if (r == TIM_WALK_SKIP)
		r = 0;
	else if (r == 0)
		r = walk_children(w, e, fd);
	close(fd);
	if (r == 0 && w->ops->leave != NULL)
		r = w->ops->leave(e, w->arg);
	return r;
}

int
tim_walk(int dirfd, const char *root, const struct tim_walk_ops *ops,
    void *arg, struct tim_err *err)
{
	struct walk w = { ops, arg, err, ops->max_depth > 0 ? ops->max_depth : TIM_WALK_DEPTH_MAX };
	struct tim_walk_entry e;
	struct stat st;
	int r;

	e.dirfd = dirfd;
	e.name = root;
	e.path = root;
	e.rel = "";
	e.depth = 0;
	if (fstatat(dirfd, root, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return tim_errorf(err, errno, _("cannot read '%s'"), root);
	e.type = type_of_mode(st.st_mode);
	r = walk_entry(&w, &e);
	return r < 0 ? -1 : r;
}
