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
#include "report.h"
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

	for (i = 0; i < TIM_CARRIER_COUNT; i++)
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
	if (res->unreadable[0])
		json_object_set_new(j, "unreadable", json_string(res->unreadable));
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

	struct tim_buf shown = TIM_BUF_INIT;

	tim_path_display(&shown, res->path);
	tim_mark_carrier_names(res->changed, res->content, ", ", &b);
	tim_label_format(o->mark.scheme, &res->label, &lab);
	if (res->changed && !cli->quiet && o->mark.remove)
		printf(removed, tim_buf_str(&shown), tim_buf_str(&b));
	else if (res->changed && !cli->quiet)
		printf(marked, tim_buf_str(&shown), tim_buf_str(&lab), tim_buf_str(&b));
	else if (!res->changed && o->mark.remove)
		tim_info(cli, _("'%s' has no label to remove"), path);
	else if (!res->changed && !res->before.level[0] && res->skipped)
		tim_warn(cli, _("'%s' is not marked: none of the carriers asked for has a place for a label in it"), path);
	else if (!res->changed)
		tim_info(cli, _("'%s' is already marked %s"), path, tim_buf_str(&lab));
	tim_buf_release(&shown);
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

	if (it->rc < 0) {
		o->failed++;
		return tim_cli_fail(cli, &it->err);
	}
	tim_err_clear(&err);
	if (res->warning[0])
		tim_warn(cli, "%s", res->warning);
	if (res->unreadable[0] && o->mark.remove)
		tim_warn(cli, _("content left as it was (%s); the label was taken off its name and attributes"),
		    res->unreadable);
	else if (res->unreadable[0])
		tim_warn(cli, _("content not marked (%s); only its name and attributes carry the label"),
		    res->unreadable);
	/* Said once, in plain words: what holds the label instead. */
	if (res->note[0] && (o->mark.carriers & TIM_CARRIER_CONTENT) && !o->mark.remove) {
		if (o->mark.carriers & (TIM_CARRIER_NAME | TIM_CARRIER_XATTR))
			tim_info(cli, _("'%s': no label inside (%s); only its name and attributes carry it"),
			    it->path, res->note);
		else
			tim_info(cli, _("'%s': no label inside (%s)"), it->path, res->note);
	}
	if (res->changed && o->ledger && !o->mark.dry_run &&
	    ledger_record(o, res, &err) < 0) {
		tim_err_prefix(&err, _("'%s' was changed, but the ledger was not"), res->path);
		st = tim_cli_fail(cli, &err);
	}
	if (cli->json)
		mark_json(o, it->path, res);
	else
		mark_text(cli, o, it->path, res);
	/* Asked to mark, and no carrier could: a negative result. */
	if (!o->mark.remove && !res->changed && !res->before.level[0] && res->skipped)
		st = worse(st, TIM_EXIT_FAIL);
	return st;
}

static void
show_text(struct tim_cli *cli, struct tim_mark_cmd *o, const char *path,
    const struct tim_label_report *rep)
{
	struct tim_buf lab = TIM_BUF_INIT, kinds = TIM_BUF_INIT;
	struct tim_buf shown = TIM_BUF_INIT, where = TIM_BUF_INIT;
	size_t i;

	/* Control characters and broken UTF-8 in names never reach the terminal. */
	tim_path_display(&shown, path);
	path = tim_buf_str(&shown);
	for (i = 0; i < rep->n; i++)
		if (!rep->found[i].inherited)
			tim_buf_addf(&kinds, "%s%s", kinds.len ? ", " : "", rep->found[i].kind);
	if (rep->marked) {
		tim_label_format(o->mark.scheme, &rep->effective, &lab);
		printf("%s: %s (%s)\n", path, lab.buf, kinds.buf);
	} else if (rep->inherited) {
		tim_label_format(o->mark.scheme, &rep->effective, &lab);
		for (i = 0; i < rep->n; i++)
			if (rep->found[i].inherited) {
				tim_buf_reset(&where);
				tim_path_display(&where, rep->found[i].where);
				printf(_("%s: %s (inherited from '%s')\n"), path, lab.buf, tim_buf_str(&where));
			}
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
	tim_buf_release(&shown);
	tim_buf_release(&where);
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
	if (rep->unreadable[0])
		json_object_set_new(j, "unreadable", json_string(rep->unreadable));
	tim_json_print(stdout, j);
	json_decref(j);
}

static int
report_show(struct tim_cli *cli, struct tim_mark_cmd *o,
    const struct tim_mark_item *it)
{
	const char *path = it->path;
	const struct tim_label_report rep = it->u.rep;

	if (it->rc < 0) {
		o->failed++;
		return tim_cli_fail(cli, &it->err);
	}
	if (rep.warning[0])
		tim_warn(cli, "%s", rep.warning);
	if (rep.unreadable[0] && rep.unreadable_bits == TIM_CARRIER_CONTENT)
		tim_warn(cli, _("content not read (%s); shown from its name and attributes only"), rep.unreadable);
	else if (rep.unreadable[0])
		tim_warn(cli, _("a carrier could not be read (%s); shown from the carriers that could"), rep.unreadable);
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
	if (e->rep->unreadable[0])
		json_object_set_new(j, "unreadable", json_string(e->rep->unreadable));
	tim_json_print(stdout, j);
	json_decref(j);
}

static void
list_text(const struct tim_inventory_entry *e)
{
	const struct tim_label *l = &e->rep->effective;
	struct tim_buf shown = TIM_BUF_INIT;
	char when[32];

	/*
	 * One line a file: a tab or newline in a name is shown escaped (-0 for
	 * raw). The time is for people: local, with its offset (--json: UTC).
	 */
	tim_path_display(&shown, e->path);
	tim_time_local(e->rep->mtime, when);
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%lld\t%s\n", tim_buf_str(&shown), l->level,
	    l->owner[0] ? l->owner : "-", l->entrusted[0] ? l->entrusted : "-",
	    l->id[0] ? l->id : "-", l->until[0] ? l->until : "-",
	    e->carriers, (long long)e->rep->size, when);
	tim_buf_release(&shown);
}

/* --level, --min-level, --owner: whether the entry is listed. */
static int
list_wanted(const struct tim_mark_cmd *o, const struct tim_label_report *rep)
{
	const struct tim_label *l = &rep->effective;

	if (o->only_level && strcmp(l->level, o->only_level) != 0)
		return 0;
	if (o->min_level && (tim_label_rank(&o->scheme, l->level) < 0 ||
	    tim_label_compare(&o->scheme, l->level, o->min_level) < 0))
		return 0;
	if (o->only_owner && strcmp(l->owner, o->only_owner) != 0)
		return 0;
	return 1;
}

static int
list_entry(const struct tim_inventory_entry *e, void *arg, struct tim_err *err)
{
	struct run *ls = arg;
	struct tim_buf row = TIM_BUF_INIT;

	(void)err;
	if (!list_wanted(ls->o, e->rep))
		return 0;
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

	ls->o->failed++;
	ls->st = worse(ls->st, tim_cli_fail(ls->cli, why));
}

static void
list_leftover(const char *path, void *arg)
{
	struct run *ls = arg;
	struct tim_buf shown = TIM_BUF_INIT;

	tim_path_display(&shown, path);
	tim_warn(ls->cli, _("'%s' is a temporary copy that an interrupted tim-mark left behind; not listed. It may hold controlled information: erase it with tim-wipe"),
	    tim_buf_str(&shown));
	tim_buf_release(&shown);
}

static int
list(struct tim_cli *cli, struct tim_mark_cmd *o, const char *root)
{
	static const struct tim_inventory_ops ops = { list_entry, list_error, list_leftover };
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

	o->seen++;
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
	} else if (o->mode == TIM_MARK_SHOW || o->mode == TIM_MARK_LIST)
		o->mark.carriers = TIM_CARRIERS_ALL;
	else {
		/* A folder's default is its .timlabel: renaming it breaks paths. */
		o->mark.carriers = TIM_CARRIERS_DEFAULT;
		o->mark.dir_carriers = TIM_CARRIER_FOLDER;
	}
	if (o->mode == TIM_MARK_REMOVE)
		o->mark.remove = 1;
	if (o->only_level && tim_label_rank(&o->scheme, o->only_level) < 0) {
		struct tim_label probe;

		tim_label_clear(&probe);
		snprintf(probe.level, sizeof(probe.level), "%s", o->only_level);
		tim_label_validate(&o->scheme, &probe, &err);
		err.kind = TIM_ERR_INVALID;
		return tim_cli_fail(cli, &err);
	}
	if (o->min_level && tim_label_rank(&o->scheme, o->min_level) < 0) {
		struct tim_label probe;

		tim_label_clear(&probe);
		snprintf(probe.level, sizeof(probe.level), "%s", o->min_level);
		tim_label_validate(&o->scheme, &probe, &err);
		err.kind = TIM_ERR_INVALID;
		return tim_cli_fail(cli, &err);
	}
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
	if (o->failed > 0 && !cli->json && (o->mode == TIM_MARK_LIST || o->seen > 1))
		tim_error(cli, _("files or folders that could not be read or changed: %zu (each named above); the others were done"),
		    o->failed);
	if (fflush(stdout) != 0) {
		tim_error(cli, _("cannot write the output"));
		r.st = TIM_EXIT_ERROR;
	}
	return r.st;
}
