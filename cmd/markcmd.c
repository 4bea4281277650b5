#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "carrier.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "i18n.h"
#include "inventory.h"
#include "json.h"
#include "label.h"
#include "ledger_json.h"
#include "mark.h"
#include "markbatch.h"
#include "markcmd.h"
#include "markrecord.h"
#include "util.h"
#include "banned.h"

static int
worse(int a, int b)
{
	/* 3 (error) beats 1 (negative result) beats 0. */
	if (a == TIM_EXIT_ERROR || b == TIM_EXIT_ERROR)
		return TIM_EXIT_ERROR;
	return a > b ? a : b;
}

static void
label_json(json_t *o, const struct tim_label *l)
{
	size_t i;

	for (i = 0; i < 5; i++) {
		const char *v = tim_label_get(l, tim_label_fields[i]);

		if (*v)
			json_object_set_new(o, tim_label_fields[i], json_string(v));
	}
}

static int
ledger_record(struct tim_mark_cmd *o, const struct tim_mark_result *res,
    struct tim_err *err)
{
	json_t *f = tim_mark_record_fields(&o->mark, res);
	int r;

	if (f == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	r = tim_ledger_record(o->ledger, "mark", f, 0, NULL, err);
	json_decref(f);
	return r;
}

/* The carriers changed, one name each, for --json. */
static json_t *
changed_json(const struct tim_mark_result *res)
{
	json_t *ch = json_array();
	int i;

	for (i = 0; i < 4; i++)
		if (res->changed & (1 << i)) {
			struct tim_buf one = TIM_BUF_INIT;

			tim_mark_carrier_names(1 << i, res->content, "", &one);
			json_array_append_new(ch, json_string(tim_buf_str(&one)));
			tim_buf_release(&one);
		}
	return ch;
}

static void
mark_json(struct tim_mark_cmd *o, const char *path,
    const struct tim_mark_result *res)
{
	json_t *j = json_object();

	json_object_set_new(j, "path", json_string(path));
	if (strcmp(path, res->path) != 0)
		json_object_set_new(j, "new_path", json_string(res->path));
	json_object_set_new(j, "action", json_string(o->mark.remove ? "remove" : "mark"));
	if (!o->mark.remove)
		label_json(j, &res->label);
	else if (res->before.level[0])
		json_object_set_new(j, "level", json_string(res->before.level));
	json_object_set_new(j, "changed", changed_json(res));
	if (res->note[0] && (o->mark.carriers & TIM_CARRIER_CONTENT))
		json_object_set_new(j, "note", json_string(res->note));
	if (res->warning[0])
		json_object_set_new(j, "warning", json_string(res->warning));
	json_object_set_new(j, "dry_run", json_boolean(o->mark.dry_run));
	tim_json_print(stdout, j);
	json_decref(j);
}

static void
mark_text(struct tim_cli *cli, struct tim_mark_cmd *o, const char *path,
    const struct tim_mark_result *res)
{
	struct tim_buf b = TIM_BUF_INIT, lab = TIM_BUF_INIT;
	const char *marked = o->mark.dry_run ? _("would mark '%s' %s (%s)\n") :
	    _("marked '%s' %s (%s)\n");
	const char *removed = o->mark.dry_run ? _("would remove the label from '%s' (%s)\n") :
	    _("removed the label from '%s' (%s)\n");

	tim_mark_carrier_names(res->changed, res->content, ", ", &b);
	tim_label_format(o->mark.scheme, &res->label, &lab);
	if (res->changed && !cli->quiet && o->mark.remove)
		printf(removed, res->path, tim_buf_str(&b));
	else if (res->changed && !cli->quiet)
		printf(marked, res->path, tim_buf_str(&lab), tim_buf_str(&b));
	else if (!res->changed && o->mark.remove)
		tim_info(cli, _("'%s' has no label to remove"), path);
	else if (!res->changed)
		tim_info(cli, _("'%s' is already marked %s"), path, tim_buf_str(&lab));
	tim_buf_release(&b);
	tim_buf_release(&lab);
}

static int
report_mark(struct tim_cli *cli, struct tim_mark_cmd *o,
    const struct tim_mark_item *it)
{
	const struct tim_mark_result *res = &it->u.res;
	struct tim_err err;
	int st = TIM_EXIT_OK;

	if (it->rc < 0)
		return tim_cli_fail(cli, &it->err);
	tim_err_clear(&err);
	if (res->warning[0])
		tim_warn(cli, "%s", res->warning);
	if (res->note[0] && (o->mark.carriers & TIM_CARRIER_CONTENT))
		tim_info(cli, _("'%s': content not marked: %s"), it->path, res->note);
	if (res->changed && o->ledger && !o->mark.dry_run &&
	    ledger_record(o, res, &err) < 0) {
		tim_err_prefix(&err, _("'%s' was changed, but the ledger was not"), res->path);
		st = tim_cli_fail(cli, &err);
	}
	if (cli->json)
		mark_json(o, it->path, res);
	else
		mark_text(cli, o, it->path, res);
	return st;
}

static void
show_text(struct tim_cli *cli, struct tim_mark_cmd *o, const char *path,
    const struct tim_label_report *rep)
{
	struct tim_buf lab = TIM_BUF_INIT, kinds = TIM_BUF_INIT;
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (!rep->found[i].inherited)
			tim_buf_addf(&kinds, "%s%s", kinds.len ? ", " : "", rep->found[i].kind);
	if (rep->marked) {
		tim_label_format(o->mark.scheme, &rep->effective, &lab);
		printf("%s: %s (%s)\n", path, lab.buf, kinds.buf);
	} else if (rep->inherited) {
		tim_label_format(o->mark.scheme, &rep->effective, &lab);
		for (i = 0; i < rep->n; i++)
			if (rep->found[i].inherited)
				printf(_("%s: %s (inherited from '%s')\n"), path, lab.buf, rep->found[i].where);
	} else
		printf(_("%s: not marked\n"), path);
	if (rep->disagree || cli->verbose) {
		for (i = 0; i < rep->n; i++) {
			tim_buf_reset(&lab);
			tim_label_format(o->mark.scheme, &rep->found[i].label, &lab);
			printf("  %s: %s%s\n", rep->found[i].kind, lab.buf,
			    rep->found[i].inherited ? _(" (inherited)") : "");
		}
	}
	if (rep->disagree)
		tim_warn(cli, _("'%s': the carriers disagree"), path);
	tim_buf_release(&lab);
	tim_buf_release(&kinds);
}

static void
show_json(const char *path, const struct tim_label_report *rep)
{
	json_t *j = json_object(), *arr = json_array();
	size_t i;

	json_object_set_new(j, "path", json_string(path));
	json_object_set_new(j, "marked", json_boolean(rep->marked || rep->inherited));
	label_json(j, &rep->effective);
	for (i = 0; i < rep->n; i++) {
		json_t *c = json_object();

		json_object_set_new(c, "carrier", json_string(rep->found[i].kind));
		label_json(c, &rep->found[i].label);
		if (!rep->found[i].known)
			json_object_set_new(c, "unknown_level", json_true());
		if (rep->found[i].inherited)
			json_object_set_new(c, "inherited", json_true());
		if (rep->found[i].where[0])
			json_object_set_new(c, "from", json_string(rep->found[i].where));
		json_array_append_new(arr, c);
	}
	json_object_set_new(j, "carriers", arr);
	json_object_set_new(j, "disagree", json_boolean(rep->disagree));
	if (rep->content[0])
		json_object_set_new(j, "content", json_string(rep->content));
	if (rep->note[0])
		json_object_set_new(j, "note", json_string(rep->note));
	if (rep->warning[0])
		json_object_set_new(j, "warning", json_string(rep->warning));
	tim_json_print(stdout, j);
	json_decref(j);
}

static int
report_show(struct tim_cli *cli, struct tim_mark_cmd *o,
    const struct tim_mark_item *it)
{
	const char *path = it->path;
	const struct tim_label_report rep = it->u.rep;

	if (it->rc < 0)
		return tim_cli_fail(cli, &it->err);
	if (rep.warning[0])
		tim_warn(cli, "%s", rep.warning);
	if (cli->json)
		show_json(path, &rep);
	else
		show_text(cli, o, path, &rep);
	return rep.marked || rep.inherited ? TIM_EXIT_OK : TIM_EXIT_FAIL;
}

/* A run of tim-mark: the front end, its options and the worst status so far. */
struct run {
	struct tim_cli *cli;
	struct tim_mark_cmd *o;
	int st;
};

static void
list_json(const struct tim_inventory_entry *e)
{
	json_t *j = json_object();
	char when[21];

	tim_time_rfc3339(e->rep->mtime, when);
	json_object_set_new(j, "path", json_string(e->path));
	label_json(j, &e->rep->effective);
	json_object_set_new(j, "carriers", json_string(e->carriers));
	json_object_set_new(j, "size", json_integer((json_int_t)e->rep->size));
	json_object_set_new(j, "mtime", json_string(when));
	if (e->rep->disagree)
		json_object_set_new(j, "disagree", json_true());
	tim_json_print(stdout, j);
	json_decref(j);
}

static void
list_text(const struct tim_inventory_entry *e)
{
	const struct tim_label *l = &e->rep->effective;
	char when[21];

	tim_time_rfc3339(e->rep->mtime, when);
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%lld\t%s\n", e->path, l->level,
	    l->owner[0] ? l->owner : "-", l->entrusted[0] ? l->entrusted : "-",
	    l->id[0] ? l->id : "-", l->until[0] ? l->until : "-",
	    e->carriers, (long long)e->rep->size, when);
}

static int
list_entry(const struct tim_inventory_entry *e, void *arg, struct tim_err *err)
{
	struct run *ls = arg;
	struct tim_buf row = TIM_BUF_INIT;

	(void)err;
	if (ls->o->nul)
		fwrite(e->path, 1, strlen(e->path) + 1, stdout);
	else if (ls->cli->json)
		list_json(e);
	else if (ls->o->csv) {
		tim_inventory_csv_row(&row, e);
		fputs(tim_buf_str(&row), stdout);
	} else
		list_text(e);
	tim_buf_release(&row);
	return 0;
}

static void
list_error(const struct tim_err *why, void *arg)
{
	struct run *ls = arg;

	ls->st = worse(ls->st, tim_cli_fail(ls->cli, why));
}

static int
list(struct tim_cli *cli, struct tim_mark_cmd *o, const char *root)
{
	static const struct tim_inventory_ops ops = { list_entry, list_error };
	struct run ls = { cli, o, TIM_EXIT_OK };
	struct tim_err err;

	tim_err_clear(&err);
	if (tim_inventory_walk(o->mark.scheme, o->mark.carriers, root, &ops, &ls, &err) < 0)
		ls.st = worse(ls.st, tim_cli_fail(cli, &err));
	return ls.st;
}

static void
list_csv_header(void)
{
	struct tim_buf head = TIM_BUF_INIT;

	tim_inventory_csv_header(&head);
	fputs(tim_buf_str(&head), stdout);
	tim_buf_release(&head);
}

/* A file's outcome, reported in the order the operands came. */
static void
done(const struct tim_mark_item *it, void *arg)
{
	struct run *r = arg;
	struct tim_mark_cmd *o = r->o;

	r->st = worse(r->st, o->mode == TIM_MARK_SHOW ? report_show(r->cli, o, it) :
	    report_mark(r->cli, o, it));
}

/* One operand: listed at once, or queued to be marked or shown. */
static int
one(struct tim_cli *cli, struct tim_mark_batch *b, struct tim_mark_cmd *o,
    const char *path)
{
	struct tim_err err;

	if (!*path)
		return TIM_EXIT_OK;
	if (o->mode == TIM_MARK_LIST)
		return list(cli, o, path);
	tim_err_clear(&err);
	if (tim_mark_batch_add(b, path, &err) < 0)
		return tim_cli_fail(cli, &err);
	return TIM_EXIT_OK;
}

static int
from_stdin(struct tim_cli *cli, struct tim_mark_batch *b,
    struct tim_mark_cmd *o)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int st = TIM_EXIT_OK;

	while ((n = getdelim(&line, &cap, o->nul ? '\0' : '\n', stdin)) > 0) {
		if (line[n - 1] == (o->nul ? '\0' : '\n'))
			line[n - 1] = '\0';
		st = worse(st, one(cli, b, o, line));
	}
	if (ferror(stdin)) {
		tim_error(cli, _("cannot read paths from standard input"));
		st = TIM_EXIT_ERROR;
	}
	free(line);
	return st;
}

/* The scheme, the carriers and the level, checked before any file. */
static int
setup(struct tim_cli *cli, struct tim_mark_cmd *o)
{
	struct tim_err err;

	tim_err_clear(&err);
	if (tim_label_scheme_load(&o->scheme, cli->cfg, &err) < 0)
		return tim_cli_fail(cli, &err);
	o->mark.scheme = &o->scheme;
	if (o->carriers) {
		if (tim_label_carriers_parse(o->carriers, &o->mark.carriers, &err) < 0)
			return tim_cli_fail(cli, &err);
	} else
		o->mark.carriers = (o->mode == TIM_MARK_SHOW || o->mode == TIM_MARK_LIST) ?
		    TIM_CARRIERS_ALL : TIM_CARRIERS_DEFAULT;
	if (o->mode == TIM_MARK_REMOVE)
		o->mark.remove = 1;
	if (o->level == NULL)
		return TIM_EXIT_OK;
	if (tim_label_set(&o->mark.label, "level", o->level, &err) < 0)
		return tim_cli_fail(cli, &err);
	if (tim_label_rank(&o->scheme, o->mark.label.level) < 0) {
		struct tim_label probe = o->mark.label;

		tim_label_validate(&o->scheme, &probe, &err);
		return tim_cli_fail(cli, &err);
	}
	return TIM_EXIT_OK;
}

int
tim_mark_cmd_run(struct tim_cli *cli, struct tim_mark_cmd *o, int argc,
    char **argv)
{
	struct run r = { cli, o, TIM_EXIT_OK };
	struct tim_mark_batch *b;
	int i, st, stdin_used = 0;

	if ((r.st = setup(cli, o)) != TIM_EXIT_OK)
		return r.st;
	if (o->csv && o->mode == TIM_MARK_LIST)
		list_csv_header();
	b = tim_mark_batch_new(&o->mark, o->mode == TIM_MARK_SHOW, o->jobs, done, &r);
	if (b == NULL) {
		tim_error(cli, _("out of memory"));
		return TIM_EXIT_ERROR;
	}
	for (i = 0; i < argc; i++) {
		/* done() raises r.st too: the operand's own status is taken first. */
		if (strcmp(argv[i], "-") == 0) {
			if (stdin_used++)
				continue;
			st = from_stdin(cli, b, o);
		} else
			st = one(cli, b, o, argv[i]);
		r.st = worse(r.st, st);
	}
	tim_mark_batch_free(b);
	if (fflush(stdout) != 0) {
		tim_error(cli, _("cannot write the output"));
		r.st = TIM_EXIT_ERROR;
	}
	return r.st;
}
