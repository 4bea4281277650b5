#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "carrier.h"
#include "csv.h"
#include "err.h"
#include "i18n.h"
#include "inventory.h"
#include "label.h"
#include "rewrite.h"
#include "util.h"
#include "walk.h"
#include "banned.h"

struct inv {
	const struct tim_label_scheme *s;
	int carriers;
	const struct tim_inventory_ops *ops;
	void *arg;
	struct tim_err *err;
};

/*
 * The carriers that hold the label: the file's own, or where it has none,
 * the .timlabel it inherits from.
 */
static void
carrier_kinds(const struct tim_label_report *rep, struct tim_buf *kinds)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (!rep->found[i].inherited || !rep->marked)
			tim_buf_addf(kinds, "%s%s", kinds->len ? "," : "", rep->found[i].kind);
}

static int
list_one(struct inv *v, const char *path)
{
	struct tim_label_report rep;
	struct tim_inventory_entry e;
	struct tim_buf kinds = TIM_BUF_INIT;
	struct tim_err why;
	int r;

	tim_err_clear(&why);
	if (tim_label_read(v->s, path, v->carriers, &rep, &why) < 0) {
		v->ops->error(&why, v->arg);
		return TIM_WALK_CONTINUE;
	}
	if (!rep.marked && !rep.inherited)
		return TIM_WALK_CONTINUE;
	carrier_kinds(&rep, &kinds);
	e.path = path;
	e.rep = &rep;
	e.carriers = tim_buf_str(&kinds);
	r = v->ops->entry(&e, v->arg, v->err);
	tim_buf_release(&kinds);
	return r < 0 ? -1 : TIM_WALK_CONTINUE;
}

static int
visit(const struct tim_walk_entry *e, void *arg)
{
	struct inv *v = arg;

	if (e->type != TIM_WALK_REG && e->type != TIM_WALK_DIR)
		return TIM_WALK_CONTINUE;
	if (e->depth > 0 && strcmp(e->name, TIM_FOLDER_FILE) == 0)
		return TIM_WALK_CONTINUE;
	/* A temporary copy an interrupted run left: not a document of its own. */
	if (e->depth > 0 && e->type == TIM_WALK_REG && tim_rewrite_is_leftover(e->name)) {
		if (v->ops->leftover != NULL)
			v->ops->leftover(e->path, v->arg);
		return TIM_WALK_CONTINUE;
	}
	return list_one(v, e->path);
}

static int
walk_error(const struct tim_walk_entry *e, int errnum, void *arg)
{
	struct inv *v = arg;
	struct tim_err why;

	tim_err_clear(&why);
	if (errnum == ELOOP)
		tim_errorf(&why, 0, _("'%s' is nested too deep; not listing below it"), e->path);
	else
		tim_errorf(&why, errnum, _("cannot read folder '%s'"), e->path);
	v->ops->error(&why, v->arg);
	return TIM_WALK_CONTINUE;
}

int
tim_inventory_walk(const struct tim_label_scheme *s, int carriers,
    const char *root, const struct tim_inventory_ops *ops, void *arg,
    struct tim_err *err)
{
	struct tim_walk_ops wops = { visit, NULL, NULL, walk_error, 0 };
	struct inv v = { s, carriers, ops, arg, err };

	return tim_walk(AT_FDCWD, root, &wops, &v, err) < 0 ? -1 : 0;
}

int
tim_inventory_csv_header(struct tim_buf *out)
{
	/* Headings in the language of the run, like tim-ledger list --csv. */
	static const char *const head[] = { N_("path"), N_("level"), N_("owner"),
	    N_("entrusted to"), N_("control number"), N_("keep until"),
	    N_("carriers"), N_("size (bytes)"), N_("modified") };
	const char *cells[sizeof(head) / sizeof(head[0])];
	size_t i;

	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		cells[i] = _(head[i]);
	tim_csv_bom(out);
	return tim_csv_row(out, cells, sizeof(cells) / sizeof(cells[0]));
}

int
tim_inventory_csv_row(struct tim_buf *out, const struct tim_inventory_entry *e)
{
	const struct tim_label *l = &e->rep->effective;
	char size[24], when[32];
	const char *cells[] = { e->path, l->level, l->owner, l->entrusted, l->id,
	    l->until, e->carriers, size, when };

	snprintf(size, sizeof(size), "%lld", (long long)e->rep->size);
	/* For Excel and people: local time with its offset (--json keeps UTC). */
	tim_time_local(e->rep->mtime, when);
	return tim_csv_row(out, cells, sizeof(cells) / sizeof(cells[0]));
}
