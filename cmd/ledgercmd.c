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
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s}", "ledger", path, "origin", tim_buf_str(&origin));

		tim_json_print(stdout, j);
		json_decref(j);
	} else if (!cli->quiet)
		printf(_("created ledger '%s' (origin %s)\n"), path, tim_buf_str(&origin));
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
	if (cli->json) {
		json_t *j;

		tim_buf_truncate(&pub, pub.len - 1);
		j = json_pack("{s:s, s:s, s:s}", "key_file", o->out, "verifier_file",
		    pubpath.buf, "verifier", pub.buf);
		tim_json_print(stdout, j);
		json_decref(j);
	} else
		fputs(pub.buf, stdout);
	tim_info(cli, _("wrote secret key '%s' (mode 0600) and verifier key '%s'"),
	    o->out, pubpath.buf);
out:
	tim_buf_release(&pub);
	tim_buf_release(&pubpath);
	return r;
}

int
tim_ledger_cmd_append(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
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
	if (!cli->json) {
		fields = json_object();
		if (fields == NULL || tim_ledger_fields_parse(argc - 2, argv + 2, fields, &err) < 0 ||
		    tim_ledger_check_fields(argv[1], fields, &err) < 0)
			goto fail;
	}
	if (tim_ledger_open(&l, argv[0], o->flags, &err) < 0)
		goto fail;
	if (cli->json)
		r = tim_ledger_append_jsonl(l, stdin, &first, &last, &err);
	else
		r = tim_ledger_append(l, argv[1], fields, &first, &err);
	if (!cli->json)
		last = first;
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
	json_decref(fields);
	tim_ledger_close(l);
	return TIM_EXIT_OK;
fail:
	json_decref(fields);
	tim_ledger_close(l);
	return report(cli, &err);
}

static int
load_key(struct tim_cli *cli, struct tim_ledger_cmd *o, struct tim_verifier *v,
    int *have, struct tim_err *err)
{
	const char *k = o->key ? o->key : tim_config_get(cli->cfg, "ledger", "verify-key");

	*have = 0;
	if (k == NULL || !*k)
		return 0;
	if (tim_verifier_load(v, k, err) < 0)
		return -1;
	*have = 1;
	return 0;
}

static void
b64(const unsigned char *h, struct tim_buf *b)
{
	tim_buf_reset(b);
	tim_base64_encode(b, h, TIM_SHA256_LEN);
}

static int
verify_one(struct tim_cli *cli, struct tim_ledger_cmd *o, const char *path,
    const struct tim_verifier *key)
{
	struct tim_ledger_verify_opts vo = { .key = key, .checkpoints = o->checkpoint,
	    .full = o->full, .need_checkpoint = 1 };
	struct tim_ledger_verify_result res;
	struct tim_buf root = TIM_BUF_INIT;
	struct tim_err err;

	tim_err_clear(&err);
	if (tim_ledger_verify(path, &vo, &res, &err) < 0) {
		tim_err_prefix(&err, "%s", path);
		slog(cli, o, LOG_ERR, "verify ERROR %s", err.msg);
		return report(cli, &err);
	}
	if (!res.ok)
		slog(cli, o, LOG_ALERT, "verify FAILED ledger=%s line=%llu offset=%llu: %s",
		    path, (unsigned long long)res.bad_line,
		    (unsigned long long)res.bad_offset, res.reason);
	b64(res.root, &root);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:b, s:I, s:s, s:I, s:I, s:b}",
		    "ledger", path, "ok", res.ok, "lines", (json_int_t)res.lines,
		    "root", tim_buf_str(&root), "checkpoints", (json_int_t)res.checkpoints,
		    "checkpoint_size", (json_int_t)res.checkpoint_size,
		    "signatures_checked", res.signatures);
		json_object_set_new(j, "trusted_by_signed_root", json_integer((json_int_t)res.covered));
		if (!res.ok) {
			json_object_set_new(j, "line", json_integer((json_int_t)res.bad_line));
			json_object_set_new(j, "seq", res.bad_line ?
			    json_integer((json_int_t)res.bad_line - 1) : json_null());
			json_object_set_new(j, "offset", json_integer((json_int_t)res.bad_offset));
			json_object_set_new(j, "reason", json_string(res.reason));
		}
		tim_json_print(stdout, j);
		json_decref(j);
	} else if (res.ok && !cli->quiet) {
		printf(_("%s: ok: %llu records, root %s"), path,
		    (unsigned long long)(res.lines ? res.lines - 1 : 0), tim_buf_str(&root));
		if (res.checkpoints)
			printf(_(", %zu checkpoints (newest size %llu)%s"), res.checkpoints,
			    (unsigned long long)res.checkpoint_size,
			    res.signatures ? _(", signatures verified") : _(", signatures not checked (no --key)"));
		putchar('\n');
		if (res.covered)
			tim_info(cli, _("%s: lines 1 to %llu checked by the signed root, the rest line by line (--full checks every line)"),
			    path, (unsigned long long)res.covered);
	} else if (!res.ok && !cli->quiet) {
		if (res.bad_line)
			tim_error(cli, _("%s: FAILED at line %llu (seq %llu, byte %llu): %s"),
			    path, (unsigned long long)res.bad_line,
			    (unsigned long long)(res.bad_line - 1),
			    (unsigned long long)res.bad_offset, res.reason);
		else
			tim_error(cli, _("%s: FAILED: %s"), path, res.reason);
	}
	tim_buf_release(&root);
	return res.ok ? TIM_EXIT_OK : TIM_EXIT_FAIL;
}

int
tim_ledger_cmd_verify(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_verifier key;
	struct tim_err err;
	int have, i, r, worst = TIM_EXIT_OK;

	tim_err_clear(&err);
	if (load_key(cli, o, &key, &have, &err) < 0)
		return report(cli, &err);
	if (o->checkpoint && argc > 1)
		return tim_cli_usage_error(cli, _("--checkpoint takes one LEDGER"));
	for (i = 0; i < argc; i++) {
		r = verify_one(cli, o, argv[i], have ? &key : NULL);
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
 * What list keeps: --kind, --since, --until, --grep and --where, checked
 * once before the ledger is read.
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
	if (o->since && tim_time_parse(o->since, 0, &f->since) < 0)
		return tim_cli_usage_error(cli, _("--since '%s' is not a date or RFC 3339 time"), o->since);
	if (o->until && tim_time_parse(o->until, 1, &f->until) < 0)
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

static int
list_keep(const struct list_filter *f, const json_t *rec)
{
	const char *tm = json_string_value(json_object_get(rec, "time"));
	time_t t;

	if (f->kind && !string_is(json_object_get(rec, "kind"), f->kind))
		return 0;
	if ((f->since_arg || f->until_arg) &&
	    (tm == NULL || tim_time_parse(tm, 0, &t) < 0 ||
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

/* "k=v k=v" for the fields that are not the fixed ones. */
static void
details(json_t *rec, struct tim_buf *b, const char *sep, int printable)
{
	static const char *fixed[] = { "seq", "time", "kind", "actor", "host", "prev", NULL };
	const char *key;
	json_t *v;
	int i, skip;

	json_object_foreach(rec, key, v) {
		for (skip = 0, i = 0; fixed[i]; i++)
			if (strcmp(key, fixed[i]) == 0)
				skip = 1;
		if (skip)
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

/* One formatter per output format; d is scratch space. */
typedef void list_fmt(const char *line, size_t len, json_t *rec,
    struct tim_buf *d);

/* --json: the line exactly as it is in the ledger. */
static void
list_json(const char *line, size_t len, json_t *rec, struct tim_buf *d)
{
	(void)rec;
	(void)d;
	fwrite(line, 1, len, stdout);
	putchar('\n');
}

/* --csv: through the one CSV writer, so Excel reads it as tim-mark's. */
static void
list_csv_header(struct tim_buf *d)
{
	static const char *const head[] = { "seq", "time", "kind", "actor", "host", "details" };

	tim_buf_reset(d);
	tim_csv_bom(d);
	tim_csv_row(d, head, 6);
	fwrite(d->buf, 1, d->len, stdout);
}

static void
list_csv(const char *line, size_t len, json_t *rec, struct tim_buf *d)
{
	struct tim_buf det = TIM_BUF_INIT;
	const char *cells[6];
	char seq[32];

	(void)line;
	(void)len;
	snprintf(seq, sizeof(seq), "%lld",
	    (long long)json_integer_value(json_object_get(rec, "seq")));
	details(rec, &det, "; ", 0);
	cells[0] = seq;
	cells[1] = rec_str(rec, "time");
	cells[2] = rec_str(rec, "kind");
	cells[3] = rec_str(rec, "actor");
	cells[4] = rec_str(rec, "host");
	cells[5] = tim_buf_str(&det);
	tim_buf_reset(d);
	tim_csv_row(d, cells, 6);
	fwrite(d->buf, 1, d->len, stdout);
	tim_buf_release(&det);
}

static void
list_text(const char *line, size_t len, json_t *rec, struct tim_buf *d)
{
	struct tim_buf k = TIM_BUF_INIT, a = TIM_BUF_INIT, ts = TIM_BUF_INIT;

	(void)line;
	(void)len;
	tim_buf_reset(d);
	details(rec, d, " ", 1);
	add_printable(&ts, rec_str(rec, "time") ?: "-");
	add_printable(&k, rec_str(rec, "kind") ?: "-");
	add_printable(&a, rec_str(rec, "actor") ?: "-");
	printf("%6lld  %s  %-8s  %-10s  %s\n",
	    (long long)json_integer_value(json_object_get(rec, "seq")),
	    tim_buf_str(&ts), tim_buf_str(&k), tim_buf_str(&a), tim_buf_str(d));
	tim_buf_release(&k);
	tim_buf_release(&a);
	tim_buf_release(&ts);
}

/*
 * One record line: grepped, parsed, filtered, printed. 0, or -1 for a line
 * that is not JSON.
 */
static int
list_one(const struct list_filter *f, list_fmt *fmt, const char *line,
    size_t len, struct tim_buf *d)
{
	json_t *rec;

	if (!list_grep(f, line, len))
		return 0;
	rec = json_loadb(line, len, 0, NULL);
	if (!json_is_object(rec)) {
		json_decref(rec);
		return -1;
	}
	if (list_keep(f, rec))
		fmt(line, len, rec, d);
	json_decref(rec);
	return 0;
}

int
tim_ledger_cmd_list(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	list_fmt *fmt = cli->json ? list_json : o->csv ? list_csv : list_text;
	struct tim_ledger_reader *rd = NULL;
	struct tim_buf d = TIM_BUF_INIT;
	struct list_filter f;
	struct tim_err err;
	const char *line;
	size_t len;
	off_t offset;
	uint64_t n = 0;
	int complete, got, r;

	(void)argc;
	tim_err_clear(&err);
	if ((r = list_filter_init(cli, o, &f)) != TIM_EXIT_OK)
		goto out;
	if (tim_ledger_reader_open(&rd, argv[0], &err) < 0 ||
	    tim_ledger_reader_snapshot(rd, &err) < 0) {
		r = report(cli, &err);
		goto out;
	}
	if (o->csv)
		list_csv_header(&d);
	while ((got = tim_ledger_reader_next(rd, &line, &len, &offset, &complete, &err)) > 0) {
		if (++n == 1)
			continue;	/* the header */
		if (complete != 1) {
			tim_warn(cli, _("%s: ignoring a torn last line (see 'tim-ledger verify')"), argv[0]);
			break;
		}
		if (list_one(&f, fmt, line, len, &d) < 0) {
			tim_warn(cli, _("%s: line %llu is not JSON; skipped (see 'tim-ledger verify')"),
			    argv[0], (unsigned long long)n);
			r = TIM_EXIT_ERROR;
		}
	}
	if (got < 0)
		r = report(cli, &err);
	if (fflush(stdout) != 0)
		r = TIM_EXIT_ERROR;
out:
	tim_buf_release(&d);
	tim_buf_release(&f.wkey);
	tim_ledger_reader_close(rd);
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
	if (load_key(cli, o, &key, &have, &err) < 0)
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

	(void)argc;
	tim_err_clear(&err);
	if (tim_ledger_repair(argv[0], o->flags, &moved, &seq, &err) < 0) {
		slog(cli, o, LOG_ERR, "repair FAILED ledger=%s: %s", argv[0], err.msg);
		return report(cli, &err);
	}
	if (moved)
		slog(cli, o, LOG_WARNING, "repair ledger=%s moved=%zu seq=%llu", argv[0],
		    moved, (unsigned long long)seq);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:I}", "ledger", argv[0], "moved_bytes", (json_int_t)moved);

		if (moved)
			json_object_set_new(j, "seq", json_integer((json_int_t)seq));
		tim_json_print(stdout, j);
		json_decref(j);
	} else if (!cli->quiet) {
		if (moved)
			printf(_("%s: moved a torn line of %zu bytes to %s.torn; recorded as seq %llu\n"),
			    argv[0], moved, argv[0], (unsigned long long)seq);
		else
			printf(_("%s: nothing to repair\n"), argv[0]);
	}
	return TIM_EXIT_OK;
}
