#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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
	int flags;
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

/* A folder's entries: names in one block, sorted, with readdir's d_type. */
struct dent {
	size_t off;		/* into the names block, then a pointer */
	const char *name;
	unsigned char dtype;
};

static int
cmp_dent(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name, ((const struct dent *)b)->name);
}

/* Reads the folder on fd in full: 0, or -1 with errno. */
static int
read_dents(int fd, struct tim_buf *names, struct dent **out, size_t *n)
{
	struct dent *v = NULL, *nv;
	size_t cnt = 0, cap = 0, i;
	struct dirent *de;
	int dfd = dup(fd), saved;
	DIR *dp;

	*out = NULL;
	*n = 0;
	dp = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (dp == NULL) {
		saved = errno;
		if (dfd >= 0)
			close(dfd);
		errno = saved;
		return -1;
	}
	errno = 0;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*nv));
			if (nv == NULL)
				goto oom;
			v = nv;
		}
		v[cnt].off = names->len;
		v[cnt].dtype = de->d_type;
		if (tim_buf_add(names, de->d_name, strlen(de->d_name) + 1) < 0)
			goto oom;
		cnt++;
		errno = 0;
	}
	saved = errno;
	closedir(dp);
	if (saved != 0) {
		free(v);
		errno = saved;
		return -1;
	}
	for (i = 0; i < cnt; i++)
		v[i].name = names->buf + v[i].off;
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), cmp_dent);
	*out = v;
	*n = cnt;
	return 0;
oom:
	closedir(dp);
	free(v);
	errno = ENOMEM;
	return -1;
}

static enum tim_walk_type
type_of_dtype(unsigned char t)
{
	switch (t) {
	case DT_REG:
		return TIM_WALK_REG;
	case DT_DIR:
		return TIM_WALK_DIR;
	case DT_LNK:
		return TIM_WALK_LNK;
	default:
		return TIM_WALK_OTHER;
	}
}

static int
walk_children(struct walk *w, const struct tim_walk_entry *e, int fd)
{
	struct tim_buf path = TIM_BUF_INIT, rel = TIM_BUF_INIT, block = TIM_BUF_INIT;
	struct dent *d = NULL;
	size_t n = 0, i, plen, rlen, elen = strlen(e->path);
	int r = 0;

	if (read_dents(fd, &block, &d, &n) < 0) {
		int saved = errno ? errno : EIO;

		tim_buf_release(&block);
		return folder_error(w, e, saved);
	}
	/* The prefixes once; each name is put after them. */
	tim_buf_adds(&path, e->path);
	if (!(elen && e->path[elen - 1] == '/'))
		tim_buf_addch(&path, '/');
	tim_buf_adds(&rel, e->rel);
	if (e->rel[0])
		tim_buf_addch(&rel, '/');
	plen = path.len;
	rlen = rel.len;
	for (i = 0; i < n && r == 0; i++) {
		struct tim_walk_entry c;
		struct stat st;

		tim_buf_truncate(&path, plen);
		tim_buf_truncate(&rel, rlen);
		tim_buf_adds(&path, d[i].name);
		tim_buf_adds(&rel, d[i].name);
		if (path.failed || rel.failed) {
			r = tim_errorf(w->err, ENOMEM, _("cannot walk '%s'"), e->path);
			break;
		}
		c.dirfd = fd;
		c.name = d[i].name;
		c.path = path.buf;
		c.rel = rel.buf;
		c.depth = e->depth + 1;
		if ((w->flags & TIM_WALK_DTYPE) && d[i].dtype != DT_UNKNOWN) {
			c.type = type_of_dtype(d[i].dtype);
			r = walk_entry(w, &c);
			continue;
		}
		/* The type comes from fstatat: d_type can go stale under renames. */
		if (fstatat(fd, d[i].name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;	/* removed since the names were read */
			r = folder_error(w, &c, errno);
			continue;
		}
		c.type = type_of_mode(st.st_mode);
		r = walk_entry(w, &c);
	}
	free(d);
	tim_buf_release(&block);
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
	return tim_walk_flags(dirfd, root, ops, arg, 0, err);
}

int
tim_walk_flags(int dirfd, const char *root, const struct tim_walk_ops *ops,
    void *arg, int flags, struct tim_err *err)
{
	struct walk w = { ops, arg, err, ops->max_depth > 0 ? ops->max_depth : TIM_WALK_DEPTH_MAX,
	    flags };
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
