/*
 * tim-check's walk: the files of its operands, in the order tim_walk gives
 * them, each with the folder label in force over it. Version-control
 * folders, excluded names and the checker's own files are left out;
 * symbolic links and special files are counted and never followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "carrier.h"
#include "check.h"
#include "check_impl.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "policy.h"
#include "rewrite.h"
#include "walk.h"
#include "banned.h"

/* Deeper folders are reported and not entered. */
#define DEPTH_MAX 512

void
tim_check_files_release(struct tim_check_files *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->e[i].rel);
	free(w->e);
	for (i = 0; i < w->nfolders; i++)
		free(w->folders[i].where);
	free(w->folders);
	memset(w, 0, sizeof(*w));
}

/* Files the checker keeps for itself, not documents. */
static int
own_file(const char *rel, const char *name)
{
	return strcmp(name, TIM_FOLDER_FILE) == 0 || strcmp(rel, ".timcheck") == 0 ||
	    strcmp(rel, ".timcheckignore") == 0 || tim_rewrite_is_leftover(name);
}

static int
add_entry(struct tim_check_files *w, const char *rel, int folder)
{
	struct tim_check_entry *ne;

	if (w->n == w->alloc) {
		size_t na = w->alloc ? 2 * w->alloc : 1024;

		ne = realloc(w->e, na * sizeof(*ne));
		if (ne == NULL)
			return w->failed = -1;
		w->e = ne;
		w->alloc = na;
	}
	ne = &w->e[w->n];
	ne->rel = strdup(rel);
	if (ne->rel == NULL)
		return w->failed = -1;
	ne->folder = folder;
	ne->operand = w->operand;
	w->n++;
	return 0;
}

/* Reads DIR/.timlabel into the folder table; returns its index or parent. */
static int
folder_label(struct tim_check_files *w, const char *rel, int parent)
{
	struct tim_buf dir = TIM_BUF_INIT, where = TIM_BUF_INIT;
	struct tim_label l;
	struct tim_err err;
	struct tim_check_folder *nf;
	int r;

	tim_err_clear(&err);
	tim_buf_addf(&dir, "%s%s%s", w->o->root, *rel ? "/" : "", rel);
	r = tim_carrier_folder_read(w->o->scheme, tim_buf_str(&dir), &l, &err);
	tim_buf_release(&dir);
	if (r < 0) {
		tim_check_run_error(w->run, NULL, err.msg);
		return parent;
	}
	if (r == 0)
		return parent;
	nf = realloc(w->folders, (w->nfolders + 1) * sizeof(*nf));
	tim_buf_addf(&where, "%s%s%s", rel, *rel ? "/" : "", TIM_FOLDER_FILE);
	if (nf == NULL || where.failed) {
		if (nf)
			w->folders = nf;
		tim_buf_release(&where);
		w->failed = -1;
		return parent;
	}
	w->folders = nf;
	nf[w->nfolders].label = l;
	nf[w->nfolders].where = tim_buf_detach(&where, NULL);
	nf[w->nfolders].carrier = TIM_CARRIER_FOLDER;
	return (int)w->nfolders++;
}

/*
 * A folder whose name carries a label (【社外秘】図面) labels what lies
 * below it, as a .timlabel would: its index, or parent when it has none.
 */
static int
folder_name_label(struct tim_check_files *w, const char *rel, int parent)
{
	struct tim_buf dir = TIM_BUF_INIT;
	struct tim_check_folder *nf;
	struct tim_label l;
	int r;

	tim_buf_addf(&dir, "%s%s%s", w->o->root, *rel ? "/" : "", rel);
	r = dir.failed ? 0 : tim_carrier_name_read(w->o->scheme, tim_buf_str(&dir), &l);
	tim_buf_release(&dir);
	if (r != 1)
		return parent;
	nf = realloc(w->folders, (w->nfolders + 1) * sizeof(*nf));
	if (nf == NULL) {
		w->failed = -1;
		return parent;
	}
	w->folders = nf;
	nf[w->nfolders].label = l;
	nf[w->nfolders].where = strdup(*rel ? rel : ".");
	nf[w->nfolders].carrier = TIM_CARRIER_FOLDER_NAME;
	if (nf[w->nfolders].where == NULL) {
		w->failed = -1;
		return parent;
	}
	return (int)w->nfolders++;
}

/*
 * Opens rel under the root one component at a time, never through a symlink.
 * Returns the fd (a folder or a file), or -1 with errno.
 */
static int
open_beneath(int rootfd, const char *rel, int *is_dir)
{
	char *copy = strdup(rel), *p, *slash;
	int fd, next;
	struct stat st;

	if (copy == NULL)
		return -1;
	fd = dup(rootfd);
	for (p = copy; fd >= 0 && *p; p = slash ? slash + 1 : p + strlen(p)) {
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (*p == '\0' || strcmp(p, ".") == 0)
			continue;
		next = openat(fd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		close(fd);
		fd = next;
	}
	free(copy);
	if (fd >= 0) {
		if (fstat(fd, &st) < 0) {
			close(fd);
			return -1;
		}
		*is_dir = S_ISDIR(st.st_mode);
		if (!*is_dir && !S_ISREG(st.st_mode)) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
	}
	return fd;
}

/* The operand relative to the root; -2 when it lies outside, -1 with errno. */
int
tim_check_operand_rel(const char *root_real, const char *operand,
    struct tim_buf *out)
{
	struct tim_buf parent = TIM_BUF_INIT;
	const char *slash, *base;
	char *pr;
	size_t rl = strlen(root_real);
	int r = -1;

	/* Resolve the folder, not the operand itself: a symlink stays one. */
	slash = strrchr(operand, '/');
	if (slash && slash[1] == '\0' && slash > operand) {
		/* "docs/": the folder itself */
		tim_buf_add(&parent, operand, (size_t)(slash - operand));
		pr = realpath(parent.buf, NULL);
		tim_buf_release(&parent);
		if (pr == NULL)
			return -1;
		base = NULL;
		goto have;
	}
	if (slash == NULL) {
		tim_buf_adds(&parent, ".");
		base = operand;
	} else {
		tim_buf_add(&parent, operand, slash == operand ? 1 : (size_t)(slash - operand));
		base = slash + 1;
	}
	pr = parent.failed ? NULL : realpath(parent.buf, NULL);
	tim_buf_release(&parent);
	if (pr == NULL)
		return -1;
	if (strcmp(base, ".") == 0)
		base = NULL;
	else if (strcmp(base, "..") == 0) {
		char *up;

		tim_buf_addf(&parent, "%s/..", pr);
		up = realpath(parent.buf, NULL);
		tim_buf_release(&parent);
		free(pr);
		if (up == NULL)
			return -1;
		pr = up;
		base = NULL;
	}
have:
	/* The operand's full path, its last component unresolved. */
	tim_buf_reset(out);
	tim_buf_addf(&parent, "%s%s%s", pr, base && strcmp(pr, "/") ? "/" : "", base ? base : "");
	if (parent.failed)
		goto out;
	if (strcmp(root_real, "/") == 0)
		tim_buf_adds(out, parent.buf + 1);
	else if (strncmp(parent.buf, root_real, rl) == 0 &&
	    (parent.buf[rl] == '\0' || parent.buf[rl] == '/'))
		tim_buf_adds(out, parent.buf[rl] ? parent.buf + rl + 1 : "");
	else {
		r = -2;
		goto out;
	}
	r = out->failed ? -1 : 0;
out:
	tim_buf_release(&parent);
	free(pr);
	return r;
}

/* The folder label in force at rel: the nearest .timlabel at or above it. */
static int
folder_above(struct tim_check_files *w, const char *rel)
{
	struct tim_buf dir = TIM_BUF_INIT;
	char *slash;
	int f = -1;

	tim_buf_adds(&dir, rel);
	for (;;) {
		slash = strrchr(dir.buf ? dir.buf : "", '/');
		if (slash)
			tim_buf_truncate(&dir, (size_t)(slash - dir.buf));
		else
			tim_buf_reset(&dir);
		{
			struct tim_buf probe = TIM_BUF_INIT;
			struct stat st;

			tim_buf_addf(&probe, "%s/%s%s%s", w->o->root, tim_buf_str(&dir),
			    dir.len ? "/" : "", TIM_FOLDER_FILE);
			if (!probe.failed && lstat(probe.buf, &st) == 0)
				f = folder_label(w, tim_buf_str(&dir), -1);
			if (f < 0)
				f = folder_name_label(w, tim_buf_str(&dir), -1);
			tim_buf_release(&probe);
		}
		if (f >= 0 || dir.len == 0)
			break;
	}
	tim_buf_release(&dir);
	return f;
}

/* One operand's walk: the folder label in force at each depth. */
struct opwalk {
	struct tim_check_files *w;
	const char *oprel;	/* the operand, relative to the root */
	struct tim_buf rel;	/* the entry, relative to the root */
	int folder[DEPTH_MAX + 2];
};

/* The entry's path relative to the tree root: the operand's, then the walk's. */
static const char *
tree_rel(struct opwalk *ow, const struct tim_walk_entry *e)
{
	tim_buf_reset(&ow->rel);
	tim_buf_adds(&ow->rel, ow->oprel);
	if (*ow->oprel && *e->rel)
		tim_buf_addch(&ow->rel, '/');
	tim_buf_adds(&ow->rel, e->rel);
	if (ow->rel.failed)
		ow->w->failed = -1;
	return tim_buf_str(&ow->rel);
}

static int
is_vcs(const char *name)
{
	return strcmp(name, ".git") == 0 || strcmp(name, ".hg") == 0 ||
	    strcmp(name, ".svn") == 0;
}

static int
visit(const struct tim_walk_entry *e, void *arg)
{
	struct opwalk *ow = arg;
	struct tim_check_files *w = ow->w;
	const char *rel;
	int is_dir = e->type == TIM_WALK_DIR;

	if (e->depth == 0)
		return TIM_WALK_CONTINUE;
	if (!is_dir && e->type != TIM_WALK_REG) {
		/* Symlinks are never followed: out of the tree is out of scope. */
		w->run->skipped++;
		return TIM_WALK_CONTINUE;
	}
	if (is_dir && is_vcs(e->name))
		return TIM_WALK_SKIP;
	rel = tree_rel(ow, e);
	if (w->failed)
		return TIM_WALK_STOP;
	if (tim_globs_excluded(&w->o->policy->exclude, rel, is_dir))
		return TIM_WALK_SKIP;
	if (!is_dir && !own_file(rel, e->name) &&
	    add_entry(w, rel, ow->folder[e->depth - 1]) < 0)
		return TIM_WALK_STOP;
	return TIM_WALK_CONTINUE;
}

/* A folder's own .timlabel holds for what lies below it. */
static int
enter(const struct tim_walk_entry *e, int fd, void *arg)
{
	struct opwalk *ow = arg;
	struct stat st;
	int folder = e->depth ? ow->folder[e->depth - 1] : ow->folder[DEPTH_MAX + 1];

	if (fstatat(fd, TIM_FOLDER_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0)
		folder = folder_label(ow->w, tree_rel(ow, e), folder);
	else if (e->depth == 0 || tim_label_name_prefix(ow->w->o->scheme, e->name,
	    strlen(e->name), NULL) > 0)
		folder = folder_name_label(ow->w, tree_rel(ow, e), folder);
	ow->folder[e->depth] = folder;
	return ow->w->failed ? TIM_WALK_STOP : TIM_WALK_CONTINUE;
}

static int
walk_error(const struct tim_walk_entry *e, int errnum, void *arg)
{
	struct opwalk *ow = arg;
	struct tim_buf msg = TIM_BUF_INIT;
	const char *rel = tree_rel(ow, e);

	if (errnum == ELOOP)
		tim_buf_addf(&msg, _("'%s': folders nested too deep; not descending"), rel);
	else
		tim_buf_addf(&msg, _("cannot read folder '%s': %s"), *rel ? rel : ".",
		    strerror(errnum));
	tim_check_run_error(ow->w->run, NULL, tim_buf_str(&msg));
	tim_buf_release(&msg);
	return TIM_WALK_CONTINUE;
}

/* The folder open on fd (oprel under the root), below the label folder. */
static int
walk_folder(struct tim_check_files *w, int fd, const char *oprel, int folder,
    struct tim_err *err)
{
	/*
	 * Types from d_type: a file is opened with O_NOFOLLOW and checked to be
	 * a regular file before it is read (check_rule.c), a folder entered
	 * with O_NOFOLLOW by the walker, so a stale type follows nothing.
	 */
	static const struct tim_walk_ops ops = { visit, enter, NULL, walk_error, DEPTH_MAX + 1 };
	struct opwalk *ow = malloc(sizeof(*ow));
	int r;

	if (ow == NULL)
		return w->failed = -1;
	ow->w = w;
	ow->oprel = oprel;
	tim_buf_init(&ow->rel);
	ow->folder[DEPTH_MAX + 1] = folder;
	r = tim_walk_flags(fd, ".", &ops, ow, TIM_WALK_DTYPE, err);
	tim_buf_release(&ow->rel);
	free(ow);
	return r < 0 ? -1 : 0;
}

int
tim_check_walk_operand(struct tim_check_files *w, int rootfd,
    const char *root_real, const char *operand, struct tim_err *err)
{
	struct tim_buf rel = TIM_BUF_INIT, msg = TIM_BUF_INIT;
	const char *base;
	int fd, is_dir = 0, folder, r = 0;

	if (tim_check_operand_rel(root_real, operand, &rel) < 0) {
		tim_buf_release(&rel);
		return tim_invalidf(err, _("'%s' is not inside the tree '%s'"), operand, root_real);
	}
	fd = open_beneath(rootfd, tim_buf_str(&rel), &is_dir);
	if (fd < 0) {
		if (errno == ELOOP || errno == EINVAL) {
			w->run->skipped++;
			tim_buf_addf(&msg, _("'%s' is a symbolic link or special file; not following it"), operand);
		} else
			tim_buf_addf(&msg, _("cannot read '%s': %s"), operand, strerror(errno));
		tim_check_run_error(w->run, NULL, tim_buf_str(&msg));
		tim_buf_release(&msg);
		tim_buf_release(&rel);
		return 0;
	}
	if (rel.len && (tim_globs_excluded(&w->o->policy->exclude, rel.buf, is_dir))) {
		close(fd);
		tim_buf_release(&rel);
		return 0;
	}
	/* Labels of the folders above the operand; its own is read by the walk. */
	folder = rel.len ? folder_above(w, tim_buf_str(&rel)) : -1;
	if (is_dir)
		r = walk_folder(w, fd, tim_buf_str(&rel), folder, err);
	else if (!own_file(tim_buf_str(&rel), (base = strrchr(tim_buf_str(&rel), '/')) ?
	    base + 1 : tim_buf_str(&rel)))
		add_entry(w, tim_buf_str(&rel), folder);
	close(fd);
	tim_buf_release(&rel);
	/* Out of memory is the caller's to report, with w->failed. */
	return w->failed ? 0 : r;
}
