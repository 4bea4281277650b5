#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "carrier.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "mark.h"
#include "rewrite.h"
#include "banned.h"

static struct tim_label_found *
add_found(const struct tim_label_scheme *s, struct tim_label_report *r,
    int carrier, const char *kind, const struct tim_label *l)
{
	struct tim_label_found *f;

	if (r->n == TIM_LABEL_FOUND_MAX)
		return NULL;
	f = &r->found[r->n++];
	memset(f, 0, sizeof(*f));
	f->carrier = carrier;
	snprintf(f->kind, sizeof(f->kind), "%s", kind);
	f->label = *l;
	f->known = tim_label_rank(s, l->level) >= 0;
	return f;
}

static void
summarise(const struct tim_label_scheme *s, struct tim_label_report *r)
{
	struct tim_label *e = &r->effective;
	size_t i, k, pass;

	tim_label_clear(e);
	/* Own carriers first; an inherited label only when the file has none. */
	for (pass = 0; pass < 2 && !e->level[0]; pass++) {
		for (i = 0; i < r->n; i++) {
			const struct tim_label_found *f = &r->found[i];

			if (f->inherited != (int)pass)
				continue;
			if (!e->level[0] || tim_label_compare(s, f->label.level, e->level) > 0)
				memcpy(e->level, f->label.level, sizeof(e->level));
		}
		for (i = 0; i < r->n; i++) {
			const struct tim_label_found *f = &r->found[i];

			if (f->inherited != (int)pass || strcmp(f->label.level, e->level) != 0)
				continue;
			for (k = 1; k < 5; k++) {
				char *dst = (char *)tim_label_get(e, tim_label_fields[k]);
				const char *v = tim_label_get(&f->label, tim_label_fields[k]);

				if (!*dst && *v)
					memcpy(dst, v, strlen(v) + 1);
			}
		}
	}
	for (i = 0; i < r->n; i++) {
		if (r->found[i].inherited)
			r->inherited = 1;
		else
			r->marked = 1;
		for (k = 0; k < i; k++)
			if (!r->found[i].inherited && !r->found[k].inherited &&
			    !tim_label_agree(&r->found[i].label, &r->found[k].label))
				r->disagree = 1;
	}
}

int
tim_label_read(const struct tim_label_scheme *s, const char *path,
    int carriers, struct tim_label_report *out, struct tim_err *err)
{
	struct tim_label l;
	struct tim_err why;
	struct stat st;
	int fd, type, r;

	memset(out, 0, sizeof(*out));
	if (lstat(path, &st) < 0)
		return tim_errorf(err, errno, _("cannot read '%s'"), path);
	if (S_ISLNK(st.st_mode))
		return tim_errorf(err, 0, _("'%s' is a symbolic link; not following it"), path);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return tim_errorf(err, 0, _("'%s' is not a regular file or folder"), path);
	out->size = st.st_size;
	out->mtime = st.st_mtime;
	out->is_dir = S_ISDIR(st.st_mode);
	if (out->is_dir) {
		if ((carriers & TIM_CARRIER_FOLDER_NAME) && tim_carrier_name_read(s, path, &l) == 1)
			add_found(s, out, TIM_CARRIER_FOLDER_NAME, "folder-name", &l);
	} else if ((carriers & TIM_CARRIER_NAME) && tim_carrier_name_read(s, path, &l) == 1)
		add_found(s, out, TIM_CARRIER_NAME, "name", &l);
	if (carriers & TIM_CARRIER_XATTR) {
		tim_err_clear(&why);
		r = tim_carrier_xattr_read(path, &l, &why);
		if (r == 1)
			add_found(s, out, TIM_CARRIER_XATTR, "xattr", &l);
		else if (r < 0 && (why.errnum == ENOTSUP || why.errnum == EOPNOTSUPP))
			snprintf(out->warning, sizeof(out->warning), "%s", why.msg);
		else if (r < 0) {	/* a damaged attribute hides no other carrier */
			snprintf(out->unreadable, sizeof(out->unreadable), "%s", why.msg);
			out->unreadable_bits |= TIM_CARRIER_XATTR;
		}
	}
	if ((carriers & TIM_CARRIER_CONTENT) && S_ISREG(st.st_mode)) {
		/* One unreadable carrier never hides the others. */
		tim_err_clear(&why);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0) {
			tim_errorf(&why, errno, _("cannot open '%s'"), path);
			r = -1;
		} else {
			r = tim_content_detect(fd, path, &type, out->note, &why);
			snprintf(out->content, sizeof(out->content), "%s", tim_content_name(type));
			if (r == 0)
				r = tim_content_read(s, fd, path, type, &l, &why);
			else if (!why.msg[0])
				tim_errorf(&why, 0, _("cannot read '%s': %s"), path, out->note);
			close(fd);
		}
		if (r < 0)
			out->unreadable_bits |= TIM_CARRIER_CONTENT;
		if (r < 0 && out->unreadable[0]) {
			size_t at = strlen(out->unreadable);

			snprintf(out->unreadable + at, sizeof(out->unreadable) - at, "; %s", why.msg);
		} else if (r < 0)
			snprintf(out->unreadable, sizeof(out->unreadable), "%s", why.msg);
		else if (r == 1)
			add_found(s, out, TIM_CARRIER_CONTENT, tim_content_name(type), &l);
	}
	if (carriers & (TIM_CARRIER_FOLDER | TIM_CARRIER_FOLDER_NAME)) {
		struct tim_label_found *f;
		char where[4096];
		int which;

		if (S_ISDIR(st.st_mode) && (carriers & TIM_CARRIER_FOLDER)) {
			r = tim_carrier_folder_read(s, path, &l, err);
			if (r < 0)
				return -1;
			if (r == 1 && (f = add_found(s, out, TIM_CARRIER_FOLDER, "folder", &l)) != NULL)
				snprintf(f->where, sizeof(f->where), "%s/%s", path, TIM_FOLDER_FILE);
		}
		r = tim_folder_inherited(s, path, carriers & (TIM_CARRIER_FOLDER | TIM_CARRIER_FOLDER_NAME),
		    &l, where, sizeof(where), &which, err);
		if (r < 0)
			return -1;
		if (r == 1 && (f = add_found(s, out, which,
		    which == TIM_CARRIER_FOLDER ? "folder" : "folder-name", &l)) != NULL) {
			f->inherited = 1;
			memcpy(f->where, where, sizeof(where));
		}
	}
	summarise(s, out);
	return 0;
}

static const struct tim_label_found *
found_of(const struct tim_label_report *r, int carrier)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->found[i].carrier == carrier && !r->found[i].inherited)
			return &r->found[i];
	return NULL;
}

/* Whether a carrier holding cur (or nothing) must be rewritten to hold want. */
static int
needs(const struct tim_label_found *cur, const struct tim_label *want)
{
	if (want == NULL)
		return cur != NULL;
	return cur == NULL || !tim_label_equal(&cur->label, want);
}

static int
desired(const struct tim_mark_opts *o, const struct tim_label_report *rep,
    const char *path, struct tim_label *want, struct tim_err *err)
{
	const struct tim_label *cur = &rep->effective;
	size_t i;

	if (rep->marked)
		*want = *cur;
	else
		tim_label_clear(want);
	for (i = 1; i < 5; i++) {
		const char *v = tim_label_get(&o->label, tim_label_fields[i]);

		if (*v)
			memcpy((char *)tim_label_get(want, tim_label_fields[i]), v, strlen(v) + 1);
	}
	if (o->label.level[0]) {
		if (rep->marked && !o->force &&
		    tim_label_compare(o->scheme, cur->level, o->label.level) > 0)
			return tim_failf(err, _("'%s' is marked %s, higher than %s; not lowering it without --force"),
			    path, cur->level, o->label.level);
		memcpy(want->level, o->label.level, sizeof(want->level));
	} else if (!rep->marked || tim_label_rank(o->scheme, want->level) < 0)
		memcpy(want->level, o->scheme->dflt, sizeof(want->level));
	return tim_label_validate(o->scheme, want, err);
}

static int
rewrite_content(const struct tim_mark_opts *o, const char *path, int type,
    const struct tim_label *l, struct tim_err *err)
{
	struct tim_rewrite rw;
	int r = -1;

	if (tim_rewrite_open(&rw, path, err) < 0)
		return -1;
	if (tim_rewrite_begin(&rw, err) < 0)
		goto out;
	if (tim_content_write(o->scheme, rw.in, path, type, l, rw.out, err) < 0)
		goto out;
	r = tim_rewrite_commit(&rw, err);
out:
	tim_rewrite_release(&rw);
	return r;
}

int
tim_mark_file(const struct tim_mark_opts *o, const char *path,
    struct tim_mark_result *res, struct tim_err *err)
{
	struct tim_label_report rep;
	struct tim_buf target = TIM_BUF_INIT;
	const struct tim_label *want = NULL;
	struct tim_err why;
	int type = TIM_CONTENT_NONE, r = -1, bits, rename_bit;

	memset(res, 0, sizeof(*res));
	snprintf(res->path, sizeof(res->path), "%s", path);
	if (tim_label_read(o->scheme, path, (o->carriers | o->dir_carriers) &
	    ~(TIM_CARRIER_FOLDER | TIM_CARRIER_FOLDER_NAME), &rep, err) < 0)
		return -1;
	/* A folder gets its own carriers: by default its .timlabel, never a rename. */
	bits = rep.is_dir && o->dir_carriers ? o->dir_carriers : o->carriers;
	rename_bit = rep.is_dir ? TIM_CARRIER_FOLDER_NAME : TIM_CARRIER_NAME;
	if ((bits & TIM_CARRIER_FOLDER_NAME) && rep.is_dir) {
		struct tim_label l;

		if (tim_carrier_name_read(o->scheme, path, &l) == 1) {
			add_found(o->scheme, &rep, TIM_CARRIER_FOLDER_NAME, "folder-name", &l);
			rep.marked = 0;
			summarise(o->scheme, &rep);
		}
	}
	/* A folder's own .timlabel counts as its label, the inherited one does not. */
	if ((bits & TIM_CARRIER_FOLDER) && rep.is_dir) {
		struct tim_label l;

		r = tim_carrier_folder_read(o->scheme, path, &l, err);
		if (r < 0)
			return -1;
		if (r == 1) {
			add_found(o->scheme, &rep, TIM_CARRIER_FOLDER, "folder", &l);
			rep.marked = 0;
			summarise(o->scheme, &rep);
		}
	}
	if (rep.marked)
		res->before = rep.effective;
	snprintf(res->content, sizeof(res->content), "%s", rep.content);
	if (!o->remove) {
		if (desired(o, &rep, path, &res->label, err) < 0)
			return -1;
		want = &res->label;
	}
	if (rep.warning[0])
		snprintf(res->warning, sizeof(res->warning), "%s", rep.warning);
	r = -1;
	/*
	 * The new name is worked out and checked before any carrier changes,
	 * so that a name that cannot be taken (too long, empty, taken by
	 * another file) leaves the file as it was.
	 */
	if (bits & rename_bit) {
		if (tim_carrier_name_target(o->scheme, path, want, &target) < 0) {
			tim_buf_release(&target);
			return tim_errorf(err, ENOMEM, _("out of memory"));
		}
		if (strcmp(target.buf, path) != 0) {
			const char *base = strrchr(target.buf, '/');
			struct stat st;

			base = base ? base + 1 : target.buf;
			if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
				tim_errorf(err, 0, _("'%s': the name would be empty without its label"), path);
				goto out;
			}
			if (strlen(base) > NAME_MAX || target.len >= sizeof(res->path)) {
				tim_errorf(err, 0, _("'%s': the name with its label would be %zu bytes, longer than the %d a file name may have; nothing changed (shorten the name, or mark it with --carriers xattr,content)"),
				    path, strlen(base), NAME_MAX);
				goto out;
			}
			if (lstat(target.buf, &st) == 0) {
				tim_errorf(err, 0, _("cannot rename '%s': '%s' already exists"), path, target.buf);
				goto out;
			}
		}
	}
	if (bits & TIM_CARRIER_CONTENT) {
		if (rep.is_dir)
			res->skipped |= TIM_CARRIER_CONTENT;
		else {
			/* tim_label_read has looked at the content already. */
			type = tim_content_type(rep.content);
			snprintf(res->note, sizeof(res->note), "%s", rep.note);
			if (rep.unreadable_bits & TIM_CARRIER_CONTENT) {
				if (!(bits & ~TIM_CARRIER_CONTENT & ~TIM_CARRIER_FOLDER & ~TIM_CARRIER_FOLDER_NAME)) {
					tim_errorf(err, 0, "%s", rep.unreadable);
					goto out;
				}
				snprintf(res->unreadable, sizeof(res->unreadable), "%s", rep.unreadable);
				res->note[0] = '\0';
				res->skipped |= TIM_CARRIER_CONTENT;
			} else if (type == TIM_CONTENT_OTHER || type == TIM_CONTENT_NONE)
				res->skipped |= TIM_CARRIER_CONTENT;
			else if (needs(found_of(&rep, TIM_CARRIER_CONTENT), want)) {
				res->changed |= TIM_CARRIER_CONTENT;
				tim_err_clear(&why);
				if (!o->dry_run && rewrite_content(o, path, type, want, &why) < 0) {
					/*
					 * A document found hostile or damaged only while
					 * rewriting it: left as it was, like one that cannot
					 * be read. A system failure (disk full) stops here.
					 */
					if (why.errnum != 0 ||
					    !(bits & ~TIM_CARRIER_CONTENT & ~TIM_CARRIER_FOLDER & ~TIM_CARRIER_FOLDER_NAME)) {
						*err = why;
						goto out;
					}
					snprintf(res->unreadable, sizeof(res->unreadable), "%s", why.msg);
					res->changed &= ~TIM_CARRIER_CONTENT;
					res->skipped |= TIM_CARRIER_CONTENT;
				}
			}
		}
	}
	if ((bits & TIM_CARRIER_XATTR) && !rep.warning[0] &&
	    (needs(found_of(&rep, TIM_CARRIER_XATTR), want) ||
	    (rep.unreadable_bits & TIM_CARRIER_XATTR))) {
		tim_err_clear(&why);
		if (o->dry_run || tim_carrier_xattr_write(path, want, &why) == 0)
			res->changed |= TIM_CARRIER_XATTR;
		else if (why.errnum == ENOTSUP || why.errnum == EOPNOTSUPP) {
			snprintf(res->warning, sizeof(res->warning), "%s", why.msg);
			res->skipped |= TIM_CARRIER_XATTR;
		} else {
			*err = why;
			goto out;
		}
	} else if ((bits & TIM_CARRIER_XATTR) && rep.warning[0])
		res->skipped |= TIM_CARRIER_XATTR;
	if (bits & (TIM_CARRIER_NAME | TIM_CARRIER_FOLDER_NAME) & ~rename_bit)
		res->skipped |= bits & (TIM_CARRIER_NAME | TIM_CARRIER_FOLDER_NAME) & ~rename_bit;
	if (bits & TIM_CARRIER_FOLDER) {
		if (!rep.is_dir)
			res->skipped |= TIM_CARRIER_FOLDER;
		else if (needs(found_of(&rep, TIM_CARRIER_FOLDER), want)) {
			res->changed |= TIM_CARRIER_FOLDER;
			if (!o->dry_run && tim_carrier_folder_write(o->scheme, path, want, err) < 0)
				goto out;
		}
	}
	if (bits & rename_bit) {
		if (strcmp(target.buf, path) != 0) {
			res->changed |= rename_bit;
			if (!o->dry_run && tim_carrier_name_rename(path, target.buf, err) < 0)
				goto out;
			memcpy(res->path, target.buf, target.len + 1);
		}
	}
	r = 0;
out:
	tim_buf_release(&target);
	return r;
}
