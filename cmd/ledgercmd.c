#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "csv.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "ledger.h"
#include "ledger_json.h"
#include "ledgercmd.h"
#include "ledgerview.h"
#include "merkle.h"
#include "note.h"
#include "secrets.h"
#include "util.h"
#include "banned.h"

int
tim_ledger_cmd_wants_default(const char *sub, int nargs, char **args, int min,
    int json)
{
	struct stat st;

	if (strcmp(sub, "append") == 0) {
		if (json)
			return nargs == 0;
		return nargs >= 1 && tim_ledger_kind_find(args[0]) != NULL &&
		    stat(args[0], &st) < 0;
	}
	return nargs < min;
}

static int
report(struct tim_cli *cli, struct tim_err *err)
{
	return tim_cli_fail(cli, err);
}

/* With --syslog (or [ledger] syslog = yes): tim_cli_syslog. */
#define slog(cli, o, ...) tim_cli_syslog((cli), (o)->syslog, __VA_ARGS__)

int
tim_ledger_cmd_init(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_buf origin = TIM_BUF_INIT;
	struct tim_err err;
	const char *path = argv[0];
	int r;

	(void)argc;
	tim_err_clear(&err);
	if (o->origin)
		tim_buf_adds(&origin, o->origin);
	else
		tim_ledger_default_origin(path, &origin);
	if (tim_ledger_create(path, tim_buf_str(&origin), &err) < 0) {
		tim_buf_release(&origin);
		return report(cli, &err);
	}
	if ((o->group || o->append_only) &&
	    tim_ledger_set_access(path, o->group, o->append_only, &err) < 0) {
		/* Just made by us and holding only its header: no half-set ledger. */
		unlink(path);
		tim_buf_release(&origin);
		return report(cli, &err);
	}
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s}", "ledger", path, "origin", tim_buf_str(&origin));

		if (o->group)
			json_object_set_new(j, "group", json_string(o->group));
		json_object_set_new(j, "append_only", json_boolean(o->append_only));
		tim_json_print(stdout, j);
		json_decref(j);
	} else if (!cli->quiet) {
		printf(_("created ledger '%s' (origin %s)\n"), path, tim_buf_str(&origin));
		if (o->group)
			printf(_("members of group '%s' may append to it (mode 0660)\n"), o->group);
		if (o->append_only)
			printf(_("append-only (chattr +a): no line can be rewritten, not even by root, until the attribute is removed\n"));
	}
	tim_buf_release(&origin);
	r = fflush(stdout) == 0 ? TIM_EXIT_OK : TIM_EXIT_ERROR;
	return r;
}

int
tim_ledger_cmd_keygen(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_buf pub = TIM_BUF_INIT, pubpath = TIM_BUF_INIT;
	struct tim_err err;
	const char *name = o->name;
	int r = TIM_EXIT_OK;

	(void)argc;
	(void)argv;
	tim_err_clear(&err);
	if (o->out == NULL)
		return tim_cli_usage_error(cli, _("keygen needs -o KEYFILE"));
	if (name == NULL)
		name = tim_config_get(cli->cfg, "ledger", "key-name");
	if (name == NULL)
		name = tim_hostname();
	tim_cli_hold_secrets();
	if (tim_ledger_keygen(name, o->out, &pub, &pubpath, &err) < 0) {
		r = report(cli, &err);
		goto out;
	}
	tim_ledgerview_keypair(cli, o->out, &pubpath, &pub);
out:
	tim_buf_release(&pub);
	tim_buf_release(&pubpath);
	return r;
}

int
tim_ledger_cmd_append(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_ledger_rules *rules = NULL;
	struct tim_ledger *l = NULL;
	struct tim_err err;
	uint64_t first = 0, last = 0;
	json_t *fields = NULL;
	int r;

	tim_err_clear(&err);
	if (cli->json && argc != 1)
		return tim_cli_usage_error(cli, _("append --json takes only LEDGER; records come on stdin"));
	if (!cli->json && argc < 2)
		return tim_cli_usage_error(cli, _("append needs LEDGER and KIND"));
	if (tim_ledger_rules_load(&rules, cli->cfg, &err) < 0)
		goto fail;
	if (!cli->json) {
		fields = json_object();
		if (fields == NULL || tim_ledger_fields_parse(argc - 2, argv + 2, fields, &err) < 0 ||
		    tim_ledger_check_fields(argv[1], fields, &err) < 0 ||
		    tim_ledger_rules_check(rules, argv[1], fields, &err) < 0)
			goto fail;
	}
	if (tim_ledger_open(&l, argv[0], o->flags, &err) < 0)
		goto fail;
	tim_ledger_set_rules(l, rules);
	if (cli->json)
		r = tim_ledger_append_jsonl(l, stdin, &first, &last, &err);
	else
		r = tim_ledger_append(l, argv[1], fields, &first, &err);
	if (!cli->json)
		last = first;
	if (r < 0 && !cli->json)
		first = 0;
	if (first)
		slog(cli, o, LOG_INFO, "append ledger=%s seq=%llu-%llu kind=%s", argv[0],
		    (unsigned long long)first, (unsigned long long)last,
		    cli->json ? "(batch)" : argv[1]);
	if (r < 0) {
		slog(cli, o, LOG_ERR, "append FAILED ledger=%s: %s", argv[0], err.msg);
		if (first)
			tim_error(cli, _("appended seq %llu to %llu before the error"),
			    (unsigned long long)first, (unsigned long long)last);
		goto fail;
	}
	if (first)
		tim_info(cli, _("appended seq %llu to %llu"), (unsigned long long)first,
		    (unsigned long long)last);
	if (!cli->json && tim_ledger_rules_approval(rules, argv[1]) == TIM_LEDGER_APPROVAL_PENDING &&
	    json_object_get(fields, "ref") == NULL)
		tim_warn(cli, _("seq %llu is pending approval: record 'approve ref=%llu action=%s' when it is approved"),
		    (unsigned long long)first, (unsigned long long)first, argv[1]);
	json_decref(fields);
	tim_ledger_close(l);
	tim_ledger_rules_free(rules);
	return TIM_EXIT_OK;
fail:
	json_decref(fields);
	tim_ledger_close(l);
	tim_ledger_rules_free(rules);
	return report(cli, &err);
}

int
tim_ledger_cmd_kinds(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_ledger_rules *rules = NULL;
	const struct tim_ledger_kind *k;
	const char *const *extra;
	struct tim_err err;
	size_t i, n;

	(void)o;
	(void)argc;
	(void)argv;
	tim_err_clear(&err);
	if (tim_ledger_rules_load(&rules, cli->cfg, &err) < 0)
		return report(cli, &err);
	for (k = tim_ledger_kinds; k->name; k++) {
		int appr = tim_ledger_rules_approval(rules, k->name);
		const char *ap = appr == TIM_LEDGER_APPROVAL_REFUSE ? "refuse" :
		    appr == TIM_LEDGER_APPROVAL_PENDING ? "pending" : "no";

		n = tim_ledger_rules_required(rules, k->name, &extra);
		if (cli->json) {
			json_t *j = json_pack("{s:s, s:[], s:[], s:s, s:s, s:s}", "kind", k->name,
			    "required", "required_by_config", "what", _(k->what),
			    "clause", k->clause, "approval", ap);

			for (i = 0; i < 3 && k->required[i]; i++)
				json_array_append_new(json_object_get(j, "required"),
				    json_string(k->required[i]));
			for (i = 0; i < n; i++)
				json_array_append_new(json_object_get(j, "required_by_config"),
				    json_string(extra[i]));
			tim_json_print(stdout, j);
			json_decref(j);
			continue;
		}
		printf("%-9s", k->name);
		for (i = 0; i < 3 && k->required[i]; i++)
			printf(" %s=", k->required[i]);
		for (i = 0; i < n; i++)
			printf(" %s=", extra[i]);
		printf("\t%s (%s)", _(k->what), k->clause);
		if (n)
			printf(_("; tim.conf requires %zu more"), n);
		if (appr == TIM_LEDGER_APPROVAL_REFUSE)
			fputs(_("; refused without an approval (ref=)"), stdout);
		else if (appr == TIM_LEDGER_APPROVAL_PENDING)
			fputs(_("; pending until approved"), stdout);
		putchar('\n');
	}
	tim_ledger_rules_free(rules);
	return fflush(stdout) == 0 ? TIM_EXIT_OK : TIM_EXIT_ERROR;
}

static void
b64(const unsigned char *h, struct tim_buf *b)
{
	tim_buf_reset(b);
	tim_base64_encode(b, h, TIM_SHA256_LEN);
}

int
tim_ledger_cmd_verify(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_ledger_verify_opts vo = { .checkpoints = o->checkpoint,
	    .full = o->full, .need_checkpoint = 1 };
	struct tim_verifier key;
	struct tim_err err;
	int have, i, r, worst = TIM_EXIT_OK;

	tim_err_clear(&err);
	if (tim_ledgerview_key(cli, o->key, &key, &have, &err) < 0)
		return report(cli, &err);
	if (o->checkpoint && argc > 1)
		return tim_cli_usage_error(cli, _("--checkpoint takes one LEDGER"));
	vo.key = have ? &key : NULL;
	for (i = 0; i < argc; i++) {
		r = tim_ledgerview_verify(cli, argv[i], &vo, o->syslog,
		    TIM_LEDGERVIEW_APPEND_ONLY | TIM_LEDGERVIEW_ADVICE);
		if (r > worst)
			worst = r;
	}
	if (fflush(stdout) != 0)
		worst = TIM_EXIT_ERROR;
	return worst;
}

int
tim_ledger_cmd_checkpoint(struct tim_cli *cli, struct tim_ledger_cmd *o,
    int argc, char **argv)
{
	struct tim_ledger_verify_result res;
	struct tim_buf note = TIM_BUF_INIT;
	const char *path = argv[0];
	const char *keyfile = o->keyfile;
	struct tim_signer s;
	struct tim_err err;
	int r = TIM_EXIT_OK;

	(void)argc;
	tim_err_clear(&err);
	if (keyfile == NULL)
		keyfile = tim_config_get(cli->cfg, "ledger", "key-file");
	if (keyfile == NULL)
		return tim_cli_usage_error(cli, _("checkpoint needs -k KEYFILE"));
	tim_cli_hold_secrets();
	if (tim_signer_load(&s, keyfile, &err) < 0)
		return report(cli, &err);
	if (tim_ledger_checkpoint(path, &s, &note, &res, &err) < 0) {
		if (err.kind == TIM_ERR_REFUSED)
			slog(cli, o, LOG_ALERT, "checkpoint REFUSED ledger=%s line=%llu: %s", path,
			    (unsigned long long)res.bad_line, res.reason);
		r = report(cli, &err);
		goto out;
	}
	if (cli->json) {
		struct tim_buf root = TIM_BUF_INIT;
		json_t *j;

		b64(res.root, &root);
		j = json_pack("{s:s, s:s, s:I, s:s, s:s}", "ledger", path, "origin",
		    res.origin, "size", (json_int_t)res.lines, "root", tim_buf_str(&root),
		    "note", note.buf);
		tim_json_print(stdout, j);
		json_decref(j);
		tim_buf_release(&root);
	} else if (!cli->quiet)
		fwrite(note.buf, 1, note.len - 1, stdout);
	slog(cli, o, LOG_INFO, "checkpoint ledger=%s size=%llu key=%s", path,
	    (unsigned long long)res.lines, s.v.name);
out:
	tim_signer_release(&s);
	tim_buf_release(&note);
	return r;
}

/*
 * The hash chain checked as records are read (list, outstanding): a line
 * that no longer matches the prev the next line keeps of it is reported
 * after the listing, loudly, with exit status 1.
 */
struct chain {
	struct tim_sha256 *h;
	unsigned char last[TIM_SHA256_LEN];
	uint64_t line;		/* lines seen */
	uint64_t broken;	/* the first line whose prev does not match, or 0 */
	int opened;		/* the ledger could be read */
};

static void
chain_line(struct chain *c, const char *line, size_t len)
{
	unsigned char prev[TIM_SHA256_LEN];

	c->line++;
	if (c->line > 1 && c->broken == 0 &&
	    (tim_ledger_line_prev(line, len, prev) < 0 ||
	    memcmp(prev, c->last, sizeof(prev)) != 0))
		c->broken = c->line;
	if (c->h == NULL || tim_sha256_two(c->h, line, len, NULL, 0, c->last) < 0)
		c->broken = c->broken ? c->broken : c->line;
}

/* The warning after a listing: 0, or TIM_EXIT_FAIL when the chain broke. */
static int
chain_report(struct tim_cli *cli, const struct chain *c, const char *path)
{
	if (c->broken == 0)
		return TIM_EXIT_OK;
	tim_error(cli, _("%s: the ledger does not verify: line %llu no longer matches the hash that line %llu keeps of it, so records shown may have been changed; run 'tim-ledger verify %s'"),
	    path, (unsigned long long)(c->broken - 1), (unsigned long long)c->broken, path);
	return TIM_EXIT_FAIL;
}

/* The kinds, "a, b, c", for a usage error. */
static void
kind_names(struct tim_buf *b)
{
	const struct tim_ledger_kind *k;

	for (k = tim_ledger_kinds; k->name; k++)
		tim_buf_addf(b, "%s%s", b->len ? ", " : "", k->name);
}

static int
kind_usage_error(struct tim_cli *cli, const char *kind)
{
	struct tim_buf b = TIM_BUF_INIT;
	int r;

	kind_names(&b);
	r = tim_cli_usage_error(cli, _("unknown record kind '%s'; the kinds are: %s"),
	    kind, tim_buf_str(&b));
	tim_buf_release(&b);
	return r;
}

/*
 * What list keeps: --kind, --since, --until, --grep and --where, checked
 * once before the ledger is read. Days and times without an offset are
 * local (TZ), as a person means them.
 */
struct list_filter {
	const char *kind, *grep;
	const char *since_arg, *until_arg;
	time_t since, until;
	struct tim_buf wkey;
	const char *wval;	/* NULL: no --where */
};

static int
list_filter_init(struct tim_cli *cli, struct tim_ledger_cmd *o,
    struct list_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->kind = o->kind;
	f->grep = o->grep;
	f->since_arg = o->since;
	f->until_arg = o->until;
	if (o->kind && tim_ledger_kind_find(o->kind) == NULL)
		return kind_usage_error(cli, o->kind);
	if (o->since && tim_time_parse_local(o->since, 0, &f->since) < 0)
		return tim_cli_usage_error(cli, _("--since '%s' is not a date or RFC 3339 time"), o->since);
	if (o->until && tim_time_parse_local(o->until, 1, &f->until) < 0)
		return tim_cli_usage_error(cli, _("--until '%s' is not a date or RFC 3339 time"), o->until);
	if (o->where) {
		const char *eq = strchr(o->where, '=');

		if (eq == NULL || eq == o->where)
			return tim_cli_usage_error(cli, _("--where takes FIELD=VALUE"));
		tim_buf_add(&f->wkey, o->where, (size_t)(eq - o->where));
		f->wval = eq + 1;
	}
	return TIM_EXIT_OK;
}

/* --grep looks at the raw line, before any parsing. */
static int
list_grep(const struct list_filter *f, const char *line, size_t len)
{
	return f->grep == NULL || memmem(line, len, f->grep, strlen(f->grep)) != NULL;
}

static int
string_is(const json_t *v, const char *s)
{
	return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* When the event happened: at= when the record has it, else its time. */
static int
event_time(const json_t *rec, time_t *t)
{
	const char *at = json_string_value(json_object_get(rec, "at"));
	const char *tm = json_string_value(json_object_get(rec, "time"));

	if (at && tim_time_parse(at, 0, t) == 0)
		return 0;
	return tm && tim_time_parse(tm, 0, t) == 0 ? 0 : -1;
}

static int
list_keep(const struct list_filter *f, const json_t *rec)
{
	time_t t;

	if (f->kind && !string_is(json_object_get(rec, "kind"), f->kind))
		return 0;
	if ((f->since_arg || f->until_arg) &&
	    (event_time(rec, &t) < 0 ||
	    (f->since_arg && t < f->since) || (f->until_arg && t > f->until)))
		return 0;
	if (f->wval && !string_is(json_object_get(rec, f->wkey.buf), f->wval))
		return 0;
	return 1;
}

/*
 * For the text listing: control characters would forge rows or drive the
 * terminal, so they are shown escaped (\n, \t, \x1b). --json and --csv
 * carry values exactly.
 */
static void
add_printable(struct tim_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			tim_buf_adds(b, "\\n");
		else if (c == '\t')
			tim_buf_adds(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			tim_buf_addf(b, "\\x%02x", c);
		else
			tim_buf_addch(b, c);
	}
}

static void
value_text(const json_t *v, struct tim_buf *b, int printable)
{
	if (json_is_string(v) && printable)
		add_printable(b, json_string_value(v));
	else if (json_is_string(v))
		tim_buf_adds(b, json_string_value(v));
	else
		tim_json_dump(b, v);
}

static const char *const fixed_fields[] = { "seq", "time", "kind", "actor", "host", "prev", NULL };

static int
is_fixed(const char *key)
{
	int i;

	for (i = 0; fixed_fields[i]; i++)
		if (strcmp(key, fixed_fields[i]) == 0)
			return 1;
	return 0;
}

/* "k=v k=v" for the fields that are not the fixed ones. */
static void
details(json_t *rec, struct tim_buf *b, const char *sep, int printable)
{
	const char *key;
	json_t *v;

	json_object_foreach(rec, key, v) {
		if (is_fixed(key))
			continue;
		if (b->len)
			tim_buf_adds(b, sep);
		tim_buf_addf(b, "%s=", key);
		value_text(v, b, printable);
	}
}

static const char *
rec_str(json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}

/* A UTC time of the ledger as a person reads it: local, with its offset. */
static const char *
local_time(const char *utc, char out[32])
{
	time_t t;

	if (utc == NULL || tim_time_parse(utc, 0, &t) < 0)
		return utc;
	tim_time_local(t, out);
	return out;
}

static const char *
column_head(const char *field)
{
	return tim_ledger_field_head(field);
}

/* The columns of a CSV: the fixed ones, then every field seen, in order. */
struct columns {
	char **name;
	size_t n, cap;
};

static int
columns_add(struct columns *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **p = realloc(c->name, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		c->name = p;
		c->cap = cap;
	}
	if ((c->name[c->n] = strdup(name)) == NULL)
		return -1;
	c->n++;
	return 0;
}

static void
columns_release(struct columns *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->name[i]);
	free(c->name);
	memset(c, 0, sizeof(*c));
}

/* The header row of the one CSV writer, the columns' names translated. */
static void
csv_head(const struct columns *c, struct tim_buf *d)
{
	size_t i;

	tim_buf_reset(d);
	tim_csv_bom(d);
	for (i = 0; i < c->n; i++)
		tim_csv_cell(d, column_head(c->name[i]), i + 1 == c->n);
	fwrite(d->buf, 1, d->len, stdout);
}

/* One row: a cell per column, times local, other values as text. */
static void
csv_record(const struct columns *c, json_t *rec, struct tim_buf *d)
{
	struct tim_buf cell = TIM_BUF_INIT;
	char lt[32];
	size_t i;

	tim_buf_reset(d);
	for (i = 0; i < c->n; i++) {
		json_t *v = json_object_get(rec, c->name[i]);

		tim_buf_reset(&cell);
		if (v && (strcmp(c->name[i], "time") == 0 || strcmp(c->name[i], "at") == 0) &&
		    json_is_string(v))
			tim_buf_adds(&cell, local_time(json_string_value(v), lt));
		else if (v && !json_is_null(v))
			value_text(v, &cell, 0);
		tim_csv_cell(d, tim_buf_str(&cell), i + 1 == c->n);
	}
	fwrite(d->buf, 1, d->len, stdout);
	tim_buf_release(&cell);
}

static void
list_text(json_t *rec, struct tim_buf *d)
{
	struct tim_buf k = TIM_BUF_INIT, a = TIM_BUF_INIT, ts = TIM_BUF_INIT;
	char lt[32];

	tim_buf_reset(d);
	details(rec, d, " ", 1);
	add_printable(&ts, local_time(rec_str(rec, "time"), lt) ?: "-");
	add_printable(&k, rec_str(rec, "kind") ?: "-");
	add_printable(&a, rec_str(rec, "actor") ?: "-");
	printf("%6lld  %s  %-8s  %-10s  %s\n",
	    (long long)json_integer_value(json_object_get(rec, "seq")),
	    tim_buf_str(&ts), tim_buf_str(&k), tim_buf_str(&a), tim_buf_str(d));
	tim_buf_release(&k);
	tim_buf_release(&a);
	tim_buf_release(&ts);
}

enum list_mode { LIST_TEXT, LIST_JSON, LIST_CSV_COLUMNS, LIST_CSV };

/*
 * One pass over the ledger up to end (the snapshot of the first pass; -1:
 * take one): every line hashed for the chain, the records kept by the
 * filter printed, or for LIST_CSV_COLUMNS their fields collected. *end gets
 * the offset where the pass stopped.
 */
static int
list_pass(struct tim_cli *cli, const char *path, const struct list_filter *f,
    enum list_mode mode, struct columns *cols, off_t *end, struct chain *c)
{
	struct tim_ledger_reader *rd = NULL;
	struct tim_buf d = TIM_BUF_INIT;
	struct tim_err err;
	const char *line;
	size_t len;
	off_t offset;
	off_t seen = 0;
	uint64_t n = 0;
	int complete, got, r = TIM_EXIT_OK;

	tim_err_clear(&err);
	if (tim_ledger_reader_open(&rd, path, &err) < 0 ||
	    tim_ledger_reader_snapshot(rd, &err) < 0) {
		r = report(cli, &err);
		goto out;
	}
	c->opened = 1;
	while ((got = tim_ledger_reader_next(rd, &line, &len, &offset, &complete, &err)) > 0) {
		json_t *rec, *v;
		const char *key;

		if (*end >= 0 && offset >= *end)
			break;
		if (complete != 1) {
			if (mode != LIST_CSV_COLUMNS)
				tim_warn(cli, _("%s: ignoring a torn last line (see 'tim-ledger verify')"), path);
			break;
		}
		seen = offset + (off_t)len + 1;
		chain_line(c, line, len);
		if (++n == 1 || !list_grep(f, line, len))
			continue;	/* the header, or not wanted */
		rec = json_loadb(line, len, 0, NULL);
		if (!json_is_object(rec)) {
			json_decref(rec);
			if (mode != LIST_CSV_COLUMNS)
				tim_warn(cli, _("%s: line %llu is not JSON; skipped (see 'tim-ledger verify')"),
				    path, (unsigned long long)n);
			r = TIM_EXIT_ERROR;
			continue;
		}
		if (list_keep(f, rec)) {
			if (mode == LIST_JSON) {
				fwrite(line, 1, len, stdout);
				putchar('\n');
			} else if (mode == LIST_TEXT)
				list_text(rec, &d);
			else if (mode == LIST_CSV)
				csv_record(cols, rec, &d);
			else
				json_object_foreach(rec, key, v)
					if (strcmp(key, "prev") != 0 && columns_add(cols, key) < 0)
						r = TIM_EXIT_ERROR;
		}
		json_decref(rec);
	}
	if (got < 0)
		r = report(cli, &err);
	*end = seen;
out:
	tim_buf_release(&d);
	tim_ledger_reader_close(rd);
	return r;
}

int
tim_ledger_cmd_list(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct chain c = { 0 };
	struct columns cols = { 0 };
	struct tim_buf d = TIM_BUF_INIT;
	struct list_filter f;
	off_t end = -1;
	int r, i;

	(void)argc;
	if ((r = list_filter_init(cli, o, &f)) != TIM_EXIT_OK)
		goto out;
	c.h = tim_sha256_new();
	if (o->csv) {
		/*
		 * Excel filters by column: one per field, the union of the
		 * fields of the records shown, so a first pass finds them.
		 */
		struct chain c0 = { .h = c.h };

		for (i = 0; i < 5; i++)
			columns_add(&cols, fixed_fields[i]);
		r = list_pass(cli, argv[0], &f, LIST_CSV_COLUMNS, &cols, &end, &c0);
		if (!c0.opened)
			goto out;
		csv_head(&cols, &d);
	}
	r = list_pass(cli, argv[0], &f, cli->json ? LIST_JSON : o->csv ? LIST_CSV : LIST_TEXT,
	    &cols, &end, &c);
	if (fflush(stdout) != 0)
		r = TIM_EXIT_ERROR;
	if (chain_report(cli, &c, argv[0]) != TIM_EXIT_OK && r == TIM_EXIT_OK)
		r = TIM_EXIT_FAIL;
out:
	tim_sha256_free(c.h);
	columns_release(&cols);
	tim_buf_release(&d);
	tim_buf_release(&f.wkey);
	return r;
}

static void
print_path(struct tim_cli *cli, const char *label, const tim_hash *p, size_t n,
    json_t *j)
{
	struct tim_buf b = TIM_BUF_INIT;
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		b64(p[i], &b);
		if (cli->json)
			json_array_append_new(arr, json_string(b.buf));
		else
			printf("%s %s\n", label, b.buf);
	}
	if (cli->json)
		json_object_set_new(j, "path", arr);
	else
		json_decref(arr);
	tim_buf_release(&b);
}

int
tim_ledger_cmd_prove(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_ledger_proof p;
	struct tim_buf a = TIM_BUF_INIT, b = TIM_BUF_INIT;
	struct tim_err err;
	uint64_t seq;
	char *end;

	(void)argc;
	tim_err_clear(&err);
	errno = 0;
	seq = strtoull(argv[0], &end, 10);
	if (errno || *end || argv[0][0] < '0' || argv[0][0] > '9')
		return tim_cli_usage_error(cli, _("SEQ '%s' is not a record number"), argv[0]);
	if (tim_ledger_prove(argv[1], o->checkpoint, seq, &p, &err) < 0)
		return report(cli, &err);
	b64(p.leaf, &a);
	b64(p.root, &b);
	if (cli->json) {
		json_t *j = json_pack("{s:I, s:I, s:I, s:s, s:s}", "seq", (json_int_t)p.index,
		    "index", (json_int_t)p.index, "size", (json_int_t)p.size,
		    "leaf", a.buf, "root", b.buf);
		print_path(cli, "path", p.path, p.len, j);
		tim_json_print(stdout, j);
		json_decref(j);
	} else {
		printf("seq %llu\nindex %llu\nsize %llu\nleaf %s\nroot %s\n",
		    (unsigned long long)p.index, (unsigned long long)p.index,
		    (unsigned long long)p.size, a.buf, b.buf);
		print_path(cli, "path", p.path, p.len, NULL);
	}
	tim_buf_release(&a);
	tim_buf_release(&b);
	return TIM_EXIT_OK;
}

int
tim_ledger_cmd_consistency(struct tim_cli *cli, struct tim_ledger_cmd *o,
    int argc, char **argv)
{
	struct tim_ledger_proof p;
	struct tim_verifier key;
	struct tim_buf a = TIM_BUF_INIT, b = TIM_BUF_INIT;
	struct tim_err err;
	int have;

	(void)argc;
	tim_err_clear(&err);
	if (tim_ledgerview_key(cli, o->key, &key, &have, &err) < 0)
		return report(cli, &err);
	if (tim_ledger_consistency(argv[0], argv[1], have ? &key : NULL, &p, &err) < 0)
		return report(cli, &err);
	b64(p.old_root, &a);
	b64(p.root, &b);
	if (cli->json) {
		json_t *j = json_pack("{s:b, s:I, s:I, s:s, s:s, s:b}", "consistent", 1,
		    "old_size", (json_int_t)p.old_size, "new_size", (json_int_t)p.size,
		    "old_root", a.buf, "new_root", b.buf, "signature_checked", have);
		print_path(cli, "path", p.path, p.len, j);
		tim_json_print(stdout, j);
		json_decref(j);
	} else if (!cli->quiet) {
		printf("old-size %llu\nnew-size %llu\nold-root %s\nnew-root %s\n",
		    (unsigned long long)p.old_size, (unsigned long long)p.size, a.buf, b.buf);
		print_path(cli, "path", p.path, p.len, NULL);
		tim_info(cli, _("consistent: the ledger only grew from %llu to %llu lines"),
		    (unsigned long long)p.old_size, (unsigned long long)p.size);
	}
	tim_buf_release(&a);
	tim_buf_release(&b);
	return TIM_EXIT_OK;
}

int
tim_ledger_cmd_repair(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_err err;
	uint64_t seq = 0;
	size_t moved;
	int saved;

	(void)argc;
	tim_err_clear(&err);
	if (tim_ledger_repair_ex(argv[0], o->flags, &moved, &seq, &saved, &err) < 0) {
		slog(cli, o, LOG_ERR, "repair FAILED ledger=%s: %s", argv[0], err.msg);
		return report(cli, &err);
	}
	if (moved)
		slog(cli, o, LOG_WARNING, "repair ledger=%s moved=%zu seq=%llu", argv[0],
		    moved, (unsigned long long)seq);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:I}", "ledger", argv[0], "moved_bytes", (json_int_t)moved);

		if (moved) {
			json_object_set_new(j, "seq", json_integer((json_int_t)seq));
			json_object_set_new(j, "saved", json_boolean(saved));
		}
		tim_json_print(stdout, j);
		json_decref(j);
	} else if (!cli->quiet) {
		if (moved && saved)
			printf(_("%s: moved a torn line of %zu bytes to %s.torn; recorded as seq %llu\n"),
			    argv[0], moved, argv[0], (unsigned long long)seq);
		else if (moved)
			printf(_("%s: cut a torn line of %zu bytes; no room on the disk to keep it, so only its size and SHA-256 are recorded, as seq %llu\n"),
			    argv[0], moved, (unsigned long long)seq);
		else
			printf(_("%s: nothing to repair\n"), argv[0]);
	}
	return TIM_EXIT_OK;
}

static const char *
out_status(const struct tim_ledger_out *x)
{
	return x->overdue ? "overdue" : x->pending ? "pending-approval" : "out";
}

static const char *
out_status_text(const struct tim_ledger_out *x)
{
	return x->overdue ? _("OVERDUE") : x->pending ? _("pending approval") : _("out");
}

static const char *const out_cols[] = { "status", "ledger", "seq", "kind", "item",
    "to", "by", "purpose", "until", "at", "time" };
#define OUT_COLS (sizeof(out_cols) / sizeof(out_cols[0]))

static void
out_csv_head(void)
{
	struct tim_buf d = TIM_BUF_INIT;
	size_t i;

	tim_csv_bom(&d);
	for (i = 0; i < OUT_COLS; i++)
		tim_csv_cell(&d, i == 0 ? _("status") : i == 1 ? _("ledger") :
		    column_head(out_cols[i]), i + 1 == OUT_COLS);
	fwrite(d.buf, 1, d.len, stdout);
	tim_buf_release(&d);
}

static void
out_print(struct tim_cli *cli, struct tim_ledger_cmd *o, const char *path,
    const struct tim_ledger_out *x)
{
	json_t *rec = x->rec;
	struct tim_buf d = TIM_BUF_INIT, cell = TIM_BUF_INIT;
	char seq[32], lt[32];
	size_t i;

	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)x->seq);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:b, s:b}", "ledger", path,
		    "status", out_status(x), "seq", (json_int_t)x->seq,
		    "overdue", x->overdue, "pending_approval", x->pending);
		const char *key;
		json_t *v;

		json_object_foreach(rec, key, v)
			if (!is_fixed(key) || strcmp(key, "kind") == 0 || strcmp(key, "time") == 0)
				json_object_set(j, key, v);
		if (x->overdue)
			json_object_set_new(j, "days_overdue", json_integer(x->days));
		tim_json_print(stdout, j);
		json_decref(j);
	} else if (o->csv) {
		for (i = 0; i < OUT_COLS; i++) {
			const char *c = NULL;

			tim_buf_reset(&cell);
			if (i == 0)
				c = out_status_text(x);
			else if (i == 1)
				c = path;
			else if (i == 2)
				c = seq;
			else if (strcmp(out_cols[i], "at") == 0 || strcmp(out_cols[i], "time") == 0)
				c = local_time(rec_str(rec, out_cols[i]), lt);
			else if (json_object_get(rec, out_cols[i])) {
				value_text(json_object_get(rec, out_cols[i]), &cell, 0);
				c = tim_buf_str(&cell);
			}
			tim_csv_cell(&d, c, i + 1 == OUT_COLS);
		}
		fwrite(d.buf, 1, d.len, stdout);
	} else {
		struct tim_buf f = TIM_BUF_INIT;

		add_printable(&d, rec_str(rec, "item") ?: "-");
		add_printable(&f, rec_str(rec, "to") ?: "-");
		tim_buf_adds(&d, "  ");
		tim_buf_addf(&d, _("to %s"), tim_buf_str(&f));
		if (rec_str(rec, "by")) {
			tim_buf_reset(&f);
			add_printable(&f, rec_str(rec, "by"));
			tim_buf_adds(&d, "  ");
			tim_buf_addf(&d, _("by %s"), tim_buf_str(&f));
		}
		if (rec_str(rec, "until")) {
			tim_buf_reset(&f);
			add_printable(&f, rec_str(rec, "until"));
			tim_buf_adds(&d, "  ");
			tim_buf_addf(&d, _("until %s"), tim_buf_str(&f));
		}
		tim_buf_release(&f);
		if (x->overdue)
			tim_buf_addf(&d, _("  (%ld days overdue)"), x->days);
		if (x->overdue && x->pending)
			tim_buf_addf(&d, "  [%s]", _("pending approval"));
		printf("%-16s %s seq %-6s %-8s %s\n", out_status_text(x), path, seq,
		    rec_str(rec, "kind") ?: "-", tim_buf_str(&d));
	}
	tim_buf_release(&d);
	tim_buf_release(&cell);
}

int
tim_ledger_cmd_outstanding(struct tim_cli *cli, struct tim_ledger_cmd *o,
    int argc, char **argv)
{
	struct tim_ledger_rules *rules = NULL;
	struct tim_err err;
	size_t total = 0, overdue = 0, pending = 0;
	int i, worst = TIM_EXIT_OK, read = 0;

	tim_err_clear(&err);
	if (tim_ledger_rules_load(&rules, cli->cfg, &err) < 0)
		return report(cli, &err);
	if (o->csv)
		out_csv_head();
	for (i = 0; i < argc; i++) {
		struct tim_ledger_out *v;
		uint64_t broken;
		size_t n, j;

		if (tim_ledger_outstanding(argv[i], rules, time(NULL), &v, &n, &broken, &err) < 0) {
			int r = report(cli, &err);

			if (r > worst)
				worst = r;
			tim_err_clear(&err);
			continue;
		}
		read++;
		for (j = 0; j < n; j++) {
			out_print(cli, o, argv[i], &v[j]);
			overdue += v[j].overdue;
			pending += v[j].pending;
		}
		total += n;
		if (broken) {
			tim_error(cli, _("%s: the ledger does not verify: line %llu no longer matches the hash that line %llu keeps of it, so records shown may have been changed; run 'tim-ledger verify %s'"),
			    argv[i], (unsigned long long)(broken - 1), (unsigned long long)broken, argv[i]);
			if (worst < TIM_EXIT_FAIL)
				worst = TIM_EXIT_FAIL;
		}
		tim_ledger_outstanding_free(v, n);
	}
	if (read && !cli->json && !o->csv && !cli->quiet)
		printf(_("%zu out, %zu overdue, %zu pending approval\n"), total, overdue, pending);
	if (overdue && worst < TIM_EXIT_FAIL)
		worst = TIM_EXIT_FAIL;
	tim_ledger_rules_free(rules);
	if (fflush(stdout) != 0)
		worst = TIM_EXIT_ERROR;
	return worst;
}

int
tim_ledger_cmd_import(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_ledger_rules *rules = NULL;
	struct tim_ledger *l = NULL;
	struct tim_err err;
	uint64_t first = 0;
	size_t n = 0;
	int r = TIM_EXIT_OK;

	(void)argc;
	tim_err_clear(&err);
	if (o->kind && tim_ledger_kind_find(o->kind) == NULL)
		return kind_usage_error(cli, o->kind);
	if (tim_ledger_rules_load(&rules, cli->cfg, &err) < 0 ||
	    tim_ledger_open(&l, argv[0], o->flags, &err) < 0) {
		r = report(cli, &err);
		goto out;
	}
	tim_ledger_set_rules(l, rules);
	if (tim_ledger_import_csv(l, argv[1], o->encoding, o->kind, &first, &n, &err) < 0) {
		slog(cli, o, LOG_ERR, "import FAILED ledger=%s file=%s: %s", argv[0], argv[1], err.msg);
		r = report(cli, &err);
		tim_error(cli, _("nothing was imported"));
		goto out;
	}
	slog(cli, o, LOG_INFO, "import ledger=%s file=%s seq=%llu-%llu", argv[0], argv[1],
	    (unsigned long long)first, (unsigned long long)(first + n - 1));
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I}", "ledger", argv[0], "file", argv[1],
		    "records", (json_int_t)n, "first", (json_int_t)first,
		    "last", (json_int_t)(first + n - 1));

		tim_json_print(stdout, j);
		json_decref(j);
	} else if (!cli->quiet)
		printf(_("%s: imported %zu records from '%s' as seq %llu to %llu\n"), argv[0], n,
		    argv[1], (unsigned long long)first, (unsigned long long)(first + n - 1));
out:
	tim_ledger_close(l);
	tim_ledger_rules_free(rules);
	return r;
}

int
tim_ledger_cmd_receipt(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_buf out = TIM_BUF_INIT;
	struct tim_err err;
	uint64_t seq;
	char *end;
	int r = TIM_EXIT_OK;

	(void)argc;
	tim_err_clear(&err);
	errno = 0;
	seq = strtoull(argv[0], &end, 10);
	if (errno || *end || argv[0][0] < '0' || argv[0][0] > '9')
		return tim_cli_usage_error(cli, _("SEQ '%s' is not a record number"), argv[0]);
	if (tim_ledger_receipt(argv[1], o->checkpoint, seq, &out, &err) < 0) {
		r = report(cli, &err);
		goto out;
	}
	if (o->out) {
		if (tim_write_new_file(o->out, 0644, out.buf, out.len, &err) < 0) {
			r = report(cli, &err);
			goto out;
		}
		if (!cli->quiet)
			printf(_("wrote the receipt of seq %llu to '%s'\n"), (unsigned long long)seq, o->out);
	} else
		fwrite(out.buf, 1, out.len, stdout);
	if (fflush(stdout) != 0)
		r = TIM_EXIT_ERROR;
out:
	tim_buf_release(&out);
	return r;
}

int
tim_ledger_cmd_verify_receipt(struct tim_cli *cli, struct tim_ledger_cmd *o,
    int argc, char **argv)
{
	struct tim_ledger_receipt_info info;
	struct tim_verifier key;
	struct tim_buf data = TIM_BUF_INIT;
	struct tim_err err;
	int have, i, r, worst = TIM_EXIT_OK;

	tim_err_clear(&err);
	if (tim_ledgerview_key(cli, o->key, &key, &have, &err) < 0)
		return report(cli, &err);
	if (!have)
		return tim_cli_usage_error(cli, _("verify-receipt needs --key VKEY: a receipt proves nothing without the signer's key"));
	for (i = 0; i < argc; i++) {
		tim_buf_reset(&data);
		r = TIM_EXIT_OK;
		if (tim_read_file(argv[i], 4 << 20, TIM_READ_REGULAR, &data, &err) < 0 ||
		    tim_ledger_receipt_verify(data.buf, data.len, &key, &info, &err) < 0) {
			tim_err_prefix(&err, "%s", argv[i]);
			r = report(cli, &err);
		} else if (cli->json) {
			json_t *j = json_pack("{s:s, s:b, s:I, s:s, s:s, s:I, s:s}", "receipt", argv[i],
			    "ok", 1, "seq", (json_int_t)info.seq, "kind", info.kind,
			    "origin", info.origin, "tree_size", (json_int_t)info.size,
			    "signer", info.signer);

			tim_json_print(stdout, j);
			json_decref(j);
		} else if (!cli->quiet)
			printf(_("%s: ok: record %llu (%s) is in ledger '%s', in the tree of %llu lines that '%s' signed\n"),
			    argv[i], (unsigned long long)info.seq, info.kind, info.origin,
			    (unsigned long long)info.size, info.signer);
		tim_err_clear(&err);
		if (r > worst)
			worst = r;
	}
	tim_buf_release(&data);
	if (fflush(stdout) != 0)
		worst = TIM_EXIT_ERROR;
	return worst;
}
