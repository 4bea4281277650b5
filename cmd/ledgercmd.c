#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "ledger_json.h"
#include "ledgercmd.h"
#include "merkle.h"
#include "note.h"
#include "parallel.h"
#include "secrets.h"
#include "util.h"
#include "banned.h"

/* Records per batch under one lock: bounded memory, and others get a turn. */
#define BATCH_RECORDS 20000
#define BATCH_BYTES (32 << 20)

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

/*
 * With --syslog (or [ledger] syslog = yes) appends and failures also go to
 * syslog(3), facility authpriv, where log collectors already look. The text
 * stays English and key=value for machines.
 */
static int
want_syslog(struct tim_cli *cli, struct tim_ledger_cmd *o)
{
	return o->syslog || tim_config_get_bool(cli->cfg, "ledger", "syslog", 0);
}

static void
slog(struct tim_cli *cli, struct tim_ledger_cmd *o, int prio, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
slog(struct tim_cli *cli, struct tim_ledger_cmd *o, int prio, const char *fmt, ...)
{
	static int opened;
	va_list ap;

	if (!want_syslog(cli, o))
		return;
	if (!opened) {
		openlog("tim-ledger", LOG_PID, LOG_AUTHPRIV);
		opened = 1;
	}
	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

int
tim_ledger_cmd_init(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_buf origin = TIM_BUF_INIT;
	struct tim_err err;
	const char *path = argv[0];
	char *copy;
	int r;

	(void)argc;
	tim_err_clear(&err);
	if (o->origin)
		tim_buf_adds(&origin, o->origin);
	else if ((copy = strdup(path)) != NULL) {
		tim_buf_addf(&origin, "%s/%s", tim_hostname(), basename(copy));
		free(copy);
	}
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
	struct tim_signer s;
	struct tim_err err;
	const char *name = o->name;
	int r = TIM_EXIT_ERROR;

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
	if (tim_signer_generate(&s, name, &err) < 0)
		return report(cli, &err);
	tim_buf_addf(&pubpath, "%s.pub", o->out);
	if (tim_verifier_format(&s.v, &pub) < 0 || tim_buf_addch(&pub, '\n') < 0 ||
	    pubpath.failed) {
		tim_errorf(&err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (tim_signer_save(&s, o->out, &err) < 0)
		goto out;
	if (tim_write_new_file(pubpath.buf, 0644, pub.buf, pub.len, &err) < 0) {
		unlink(o->out);
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
	r = TIM_EXIT_OK;
out:
	tim_signer_release(&s);
	tim_buf_release(&pub);
	tim_buf_release(&pubpath);
	if (r != TIM_EXIT_OK)
		return report(cli, &err);
	return r;
}

/* FIELD=VALUE arguments into an object of strings. */
static int
parse_fields(int argc, char **argv, json_t *obj, struct tim_err *err)
{
	int i;

	for (i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		json_t *v;

		if (eq == NULL || eq == argv[i])
			return tim_invalidf(err, _("'%s' is not FIELD=VALUE"), argv[i]);
		*eq = '\0';
		if (!tim_ledger_field_ok(argv[i])) {
			tim_invalidf(err, _("invalid field name '%s': use [a-z][a-z0-9_]*, not seq, time, kind, actor, host or prev"), argv[i]);
			*eq = '=';
			return -1;
		}
		v = json_string(eq + 1);
		if (v == NULL) {
			tim_invalidf(err, _("the value of '%s' is not valid UTF-8"), argv[i]);
			*eq = '=';
			return -1;
		}
		json_object_set_new(obj, argv[i], v);
		*eq = '=';
	}
	return 0;
}

/*
 * A batch of JSON input lines: read raw, then parsed and checked in
 * parallel, then written under one lock. Nothing of a batch is written when
 * any of its lines is bad.
 */
struct batch {
	struct tim_buf raw;
	size_t n;
	size_t *start, *len, *lineno;
	char **kinds;
	json_t **fields;
	size_t err_at[8];
	struct tim_err err[8];
};

static void
batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->kinds[i]);
		json_decref(b->fields[i]);
		b->kinds[i] = NULL;
		b->fields[i] = NULL;
	}
	b->n = 0;
	tim_buf_reset(&b->raw);
}

static void
parse_part(void *arg, int worker, size_t start, size_t end)
{
	struct batch *b = arg;
	struct tim_err *err = &b->err[worker];
	size_t i;

	b->err_at[worker] = SIZE_MAX;
	for (i = start; i < end; i++) {
		json_error_t je;
		json_t *o, *k;

		o = json_loadb(b->raw.buf + b->start[i], b->len[i], JSON_REJECT_DUPLICATES, &je);
		if (o == NULL || !json_is_object(o)) {
			tim_errorf(err, 0, _("stdin line %zu: not a JSON object%s%s"), b->lineno[i],
			    o ? "" : ": ", o ? "" : je.text);
			json_decref(o);
			goto bad;
		}
		b->fields[i] = o;
		k = json_object_get(o, "kind");
		if (!json_is_string(k)) {
			tim_invalidf(err, _("stdin line %zu: no \"kind\""), b->lineno[i]);
			goto bad;
		}
		b->kinds[i] = strdup(json_string_value(k));
		if (b->kinds[i] == NULL) {
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto bad;
		}
		json_object_del(o, "kind");
		if (tim_ledger_check_fields(b->kinds[i], o, err) < 0) {
			tim_err_prefix(err, _("stdin line %zu"), b->lineno[i]);
			goto bad;
		}
	}
	return;
bad:
	b->err_at[worker] = i;
}

/* Parses, checks and writes one batch under one lock. */
static int
commit(struct tim_ledger *l, struct batch *b, uint64_t *first, uint64_t *last,
    struct tim_err *err)
{
	int t, nthreads = b->n < 256 ? 1 : tim_parallel_threads();
	size_t at = SIZE_MAX;
	uint64_t seq;
	int r;

	if (b->n == 0)
		return 0;
	if (nthreads > 8)
		nthreads = 8;
	tim_parallel_for(b->n, nthreads, parse_part, b);
	for (t = 0; t < nthreads; t++)
		if (b->err_at[t] < at) {
			at = b->err_at[t];
			*err = b->err[t];
		}
	if (at != SIZE_MAX)
		return -1;
	if (tim_ledger_lock(l, err) < 0)
		return -1;
	r = tim_ledger_add_many(l, (const char *const *)b->kinds, b->fields, b->n, &seq, err);
	if (r == 0)
		r = tim_ledger_flush(l, err);
	tim_ledger_unlock(l);
	if (r == 0) {
		if (*first == 0)
			*first = seq;
		*last = seq + b->n - 1;
	}
	batch_clear(b);
	return r;
}

static int
append_json(struct tim_ledger *l, uint64_t *first, uint64_t *last,
    struct tim_err *err)
{
	struct batch b;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int r = -1;

	memset(&b, 0, sizeof(b));
	b.start = calloc(BATCH_RECORDS, sizeof(*b.start));
	b.len = calloc(BATCH_RECORDS, sizeof(*b.len));
	b.lineno = calloc(BATCH_RECORDS, sizeof(*b.lineno));
	b.kinds = calloc(BATCH_RECORDS, sizeof(*b.kinds));
	b.fields = calloc(BATCH_RECORDS, sizeof(*b.fields));
	if (!b.start || !b.len || !b.lineno || !b.kinds || !b.fields) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		b.start[b.n] = b.raw.len;
		b.len[b.n] = (size_t)n;
		b.lineno[b.n] = lineno;
		if (tim_buf_add(&b.raw, line, (size_t)n) < 0) {
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto out;
		}
		b.n++;
		if (b.n == BATCH_RECORDS || b.raw.len >= BATCH_BYTES)
			if (commit(l, &b, first, last, err) < 0)
				goto out;
	}
	if (ferror(stdin)) {
		tim_errorf(err, errno, _("cannot read stdin"));
		goto out;
	}
	r = commit(l, &b, first, last, err);
out:
	batch_clear(&b);
	tim_buf_release(&b.raw);
	free(b.start);
	free(b.len);
	free(b.lineno);
	free(b.kinds);
	free(b.fields);
	free(line);
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
		if (fields == NULL || parse_fields(argc - 2, argv + 2, fields, &err) < 0 ||
		    tim_ledger_check_fields(argv[1], fields, &err) < 0)
			goto fail;
	}
	if (tim_ledger_open(&l, argv[0], o->flags, &err) < 0)
		goto fail;
	if (cli->json)
		r = append_json(l, &first, &last, &err);
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
	struct tim_ledger_verify_opts vo = { .full = 1 };
	struct tim_ledger_verify_result res;
	struct tim_buf note = TIM_BUF_INIT;
	const char *path = argv[0];
	const char *keyfile = o->keyfile;
	struct tim_signer s;
	struct tim_err err;
	char *cpath = NULL;
	int fd = -1, r = TIM_EXIT_ERROR;

	(void)argc;
	tim_err_clear(&err);
	if (keyfile == NULL)
		keyfile = tim_config_get(cli->cfg, "ledger", "key-file");
	if (keyfile == NULL)
		return tim_cli_usage_error(cli, _("checkpoint needs -k KEYFILE"));
	tim_cli_hold_secrets();
	if (tim_signer_load(&s, keyfile, &err) < 0)
		return report(cli, &err);
	vo.key = &s.v;
	if (tim_ledger_verify(path, &vo, &res, &err) < 0)
		goto out;
	if (!res.ok) {
		tim_failf(&err, _("%s: refusing to sign a ledger that does not verify: line %llu: %s"),
		    path, (unsigned long long)res.bad_line, res.reason);
		slog(cli, o, LOG_ALERT, "checkpoint REFUSED ledger=%s line=%llu: %s", path,
		    (unsigned long long)res.bad_line, res.reason);
		goto out;
	}
	if (tim_checkpoint_sign(&s, res.origin, res.lines, res.root, &note) < 0 ||
	    tim_buf_addch(&note, '\n') < 0) {
		tim_errorf(&err, 0, _("cannot sign the checkpoint"));
		goto out;
	}
	cpath = tim_ledger_checkpoints_path(path);
	if (cpath == NULL) {
		tim_errorf(&err, ENOMEM, _("out of memory"));
		goto out;
	}
	fd = tim_open_regular(cpath, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0644, &err);
	if (fd < 0)
		goto out;
	if (flock(fd, LOCK_EX) < 0 ||
	    tim_write_all(fd, note.buf, note.len) < 0 || fsync(fd) < 0) {
		tim_errorf(&err, errno, _("cannot write '%s'"), cpath);
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
	r = TIM_EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	free(cpath);
	tim_signer_release(&s);
	tim_buf_release(&note);
	if (r != TIM_EXIT_OK)
		return report(cli, &err);
	return r;
}

/* CSV cell: quoted, and with a leading ' where Excel would run a formula. */
static void
csv_cell(FILE *f, const char *s, int last)
{
	fputc('"', f);
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r')
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
	fputc(last ? '\n' : ',', f);
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

int
tim_ledger_cmd_list(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_ledger_reader *rd = NULL;
	struct tim_buf d = TIM_BUF_INIT, wv = TIM_BUF_INIT;
	const char *line, *wkey = NULL, *wval = NULL;
	time_t since = 0, until = 0, t;
	struct tim_err err;
	size_t len;
	off_t offset;
	uint64_t n = 0;
	int complete, got, r = TIM_EXIT_OK;

	(void)argc;
	tim_err_clear(&err);
	if (o->since && tim_time_parse(o->since, 0, &since) < 0)
		return tim_cli_usage_error(cli, _("--since '%s' is not a date or RFC 3339 time"), o->since);
	if (o->until && tim_time_parse(o->until, 1, &until) < 0)
		return tim_cli_usage_error(cli, _("--until '%s' is not a date or RFC 3339 time"), o->until);
	if (o->where) {
		const char *eq = strchr(o->where, '=');

		if (eq == NULL || eq == o->where)
			return tim_cli_usage_error(cli, _("--where takes FIELD=VALUE"));
		tim_buf_add(&wv, o->where, (size_t)(eq - o->where));
		wkey = wv.buf;
		wval = eq + 1;
	}
	if (tim_ledger_reader_open(&rd, argv[0], &err) < 0 ||
	    tim_ledger_reader_snapshot(rd, &err) < 0) {
		r = report(cli, &err);
		goto out;
	}
	if (o->csv)
		fputs("\xef\xbb\xbf\"seq\",\"time\",\"kind\",\"actor\",\"host\",\"details\"\n", stdout);
	while ((got = tim_ledger_reader_next(rd, &line, &len, &offset, &complete, &err)) > 0) {
		json_t *rec, *f;
		const char *tm;

		if (++n == 1)
			continue;	/* the header */
		if (complete != 1) {
			tim_warn(cli, _("%s: ignoring a torn last line (see 'tim-ledger verify')"), argv[0]);
			break;
		}
		if (o->grep && !memmem(line, len, o->grep, strlen(o->grep)))
			continue;
		rec = json_loadb(line, len, 0, NULL);
		if (!json_is_object(rec)) {
			json_decref(rec);
			tim_warn(cli, _("%s: line %llu is not JSON; skipped (see 'tim-ledger verify')"),
			    argv[0], (unsigned long long)n);
			r = TIM_EXIT_ERROR;
			continue;
		}
		f = json_object_get(rec, "kind");
		if (o->kind && (!json_is_string(f) || strcmp(json_string_value(f), o->kind) != 0))
			goto next;
		tm = json_string_value(json_object_get(rec, "time"));
		if ((o->since || o->until) &&
		    (tm == NULL || tim_time_parse(tm, 0, &t) < 0 ||
		    (o->since && t < since) || (o->until && t > until)))
			goto next;
		if (wkey) {
			f = json_object_get(rec, wkey);
			if (!json_is_string(f) || strcmp(json_string_value(f), wval) != 0)
				goto next;
		}
		if (cli->json) {
			fwrite(line, 1, len, stdout);
			putchar('\n');
			goto next;
		}
		tim_buf_reset(&d);
		if (o->csv) {
			char seq[32];

			snprintf(seq, sizeof(seq), "%lld",
			    (long long)json_integer_value(json_object_get(rec, "seq")));
			details(rec, &d, "; ", 0);
			csv_cell(stdout, seq, 0);
			csv_cell(stdout, tm ? tm : "", 0);
			csv_cell(stdout, json_string_value(json_object_get(rec, "kind")) ?: "", 0);
			csv_cell(stdout, json_string_value(json_object_get(rec, "actor")) ?: "", 0);
			csv_cell(stdout, json_string_value(json_object_get(rec, "host")) ?: "", 0);
			csv_cell(stdout, tim_buf_str(&d), 1);
		} else {
			struct tim_buf k = TIM_BUF_INIT, a = TIM_BUF_INIT, ts = TIM_BUF_INIT;

			details(rec, &d, " ", 1);
			add_printable(&ts, tm ? tm : "-");
			add_printable(&k, json_string_value(json_object_get(rec, "kind")) ?: "-");
			add_printable(&a, json_string_value(json_object_get(rec, "actor")) ?: "-");
			printf("%6lld  %s  %-8s  %-10s  %s\n",
			    (long long)json_integer_value(json_object_get(rec, "seq")),
			    tim_buf_str(&ts), tim_buf_str(&k), tim_buf_str(&a), tim_buf_str(&d));
			tim_buf_release(&k);
			tim_buf_release(&a);
			tim_buf_release(&ts);
		}
next:
		json_decref(rec);
	}
	if (got < 0)
		r = report(cli, &err);
	if (fflush(stdout) != 0)
		r = TIM_EXIT_ERROR;
out:
	tim_buf_release(&d);
	tim_buf_release(&wv);
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

static int
read_one_checkpoint(const char *file, struct tim_checkpoint *cp, int newest,
    struct tim_err *err)
{
	struct tim_checkpoint *all;
	size_t n, i;

	if (tim_checkpoint_read_all(file, &all, &n, err) < 0)
		return -1;
	if (n == 0)
		return tim_errorf(err, 0, _("no checkpoint in '%s'"), file);
	i = newest ? n - 1 : 0;
	*cp = all[i];
	all[i].text = all[i].sigs = NULL;
	tim_checkpoint_free_all(all, n);
	return 0;
}

int
tim_ledger_cmd_prove(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_ledger_verify_opts vo = { .keep_leaves = 1 };
	struct tim_ledger_verify_result res;
	struct tim_checkpoint cp;
	struct tim_buf a = TIM_BUF_INIT, b = TIM_BUF_INIT;
	struct tim_err err;
	tim_hash proof[64], root;
	size_t plen;
	uint64_t seq, size;
	char *end;
	int r = TIM_EXIT_ERROR, have_cp = 0;

	(void)argc;
	tim_err_clear(&err);
	memset(&res, 0, sizeof(res));
	errno = 0;
	seq = strtoull(argv[0], &end, 10);
	if (errno || *end || argv[0][0] < '0' || argv[0][0] > '9')
		return tim_cli_usage_error(cli, _("SEQ '%s' is not a record number"), argv[0]);
	if (o->checkpoint) {
		if (read_one_checkpoint(o->checkpoint, &cp, 1, &err) < 0)
			return report(cli, &err);
		have_cp = 1;
	}
	if (tim_ledger_verify(argv[1], &vo, &res, &err) < 0)
		goto out;
	if (!res.ok) {
		tim_failf(&err, _("%s does not verify (line %llu: %s); no proof"), argv[1],
		    (unsigned long long)res.bad_line, res.reason);
		goto out;
	}
	size = have_cp ? cp.size : res.lines;
	if (size > res.lines) {
		tim_failf(&err, _("ledger shorter than the checkpoint (%llu < %llu)"),
		    (unsigned long long)res.lines, (unsigned long long)size);
		goto out;
	}
	if (seq >= size) {
		tim_failf(&err, _("no record %llu in a tree of %llu lines"),
		    (unsigned long long)seq, (unsigned long long)size);
		goto out;
	}
	if (tim_merkle_root_of(res.leaves, size, root) < 0 ||
	    tim_merkle_inclusion(res.leaves, size, seq, proof, &plen) < 0 ||
	    tim_merkle_verify_inclusion(res.leaves[seq], seq, size, proof, plen, root) < 0) {
		tim_errorf(&err, 0, _("cannot build the proof"));
		goto out;
	}
	if (have_cp && memcmp(root, cp.root, TIM_SHA256_LEN) != 0) {
		tim_failf(&err, _("the ledger's root at size %llu differs from the checkpoint"),
		    (unsigned long long)size);
		goto out;
	}
	b64(res.leaves[seq], &a);
	b64(root, &b);
	if (cli->json) {
		json_t *j = json_pack("{s:I, s:I, s:I, s:s, s:s}", "seq", (json_int_t)seq,
		    "index", (json_int_t)seq, "size", (json_int_t)size,
		    "leaf", a.buf, "root", b.buf);
		print_path(cli, "path", proof, plen, j);
		tim_json_print(stdout, j);
		json_decref(j);
	} else {
		printf("seq %llu\nindex %llu\nsize %llu\nleaf %s\nroot %s\n",
		    (unsigned long long)seq, (unsigned long long)seq,
		    (unsigned long long)size, a.buf, b.buf);
		print_path(cli, "path", proof, plen, NULL);
	}
	r = TIM_EXIT_OK;
out:
	if (have_cp)
		tim_checkpoint_release(&cp);
	free(res.leaves);
	tim_buf_release(&a);
	tim_buf_release(&b);
	if (r != TIM_EXIT_OK)
		return report(cli, &err);
	return r;
}

int
tim_ledger_cmd_consistency(struct tim_cli *cli, struct tim_ledger_cmd *o,
    int argc, char **argv)
{
	struct tim_ledger_verify_opts vo = { .keep_leaves = 1 };
	struct tim_ledger_verify_result res;
	struct tim_checkpoint cp;
	struct tim_verifier key;
	struct tim_buf a = TIM_BUF_INIT, b = TIM_BUF_INIT;
	struct tim_err err;
	tim_hash proof[128], old;
	size_t plen;
	int have, r = TIM_EXIT_ERROR;

	(void)argc;
	tim_err_clear(&err);
	memset(&res, 0, sizeof(res));
	if (load_key(cli, o, &key, &have, &err) < 0)
		return report(cli, &err);
	if (read_one_checkpoint(argv[0], &cp, 1, &err) < 0)
		return report(cli, &err);
	if (have && tim_checkpoint_verify(&cp, &key, &err) < 0)
		goto out;
	vo.key = have ? &key : NULL;
	if (tim_ledger_verify(argv[1], &vo, &res, &err) < 0)
		goto out;
	if (!res.ok) {
		tim_failf(&err, _("%s does not verify (line %llu: %s)"), argv[1],
		    (unsigned long long)res.bad_line, res.reason);
		goto out;
	}
	if (strcmp(cp.origin, res.origin) != 0) {
		tim_failf(&err, _("the checkpoint is for origin '%s', the ledger is '%s'"),
		    cp.origin, res.origin);
		goto out;
	}
	if (cp.size == 0 || cp.size > res.lines) {
		tim_failf(&err, _("the ledger (%llu lines) is shorter than the checkpoint (%llu): it did not only grow"),
		    (unsigned long long)res.lines, (unsigned long long)cp.size);
		goto out;
	}
	if (tim_merkle_root_of(res.leaves, cp.size, old) < 0 ||
	    memcmp(old, cp.root, TIM_SHA256_LEN) != 0) {
		tim_failf(&err, _("the first %llu lines no longer hash to the checkpoint's root: the ledger was rewritten"),
		    (unsigned long long)cp.size);
		goto out;
	}
	if (tim_merkle_consistency(res.leaves, res.lines, cp.size, proof, &plen) < 0 ||
	    tim_merkle_verify_consistency(cp.size, res.lines, cp.root, res.root, proof, plen) < 0) {
		tim_errorf(&err, 0, _("cannot build the consistency proof"));
		goto out;
	}
	b64(cp.root, &a);
	b64(res.root, &b);
	if (cli->json) {
		json_t *j = json_pack("{s:b, s:I, s:I, s:s, s:s, s:b}", "consistent", 1,
		    "old_size", (json_int_t)cp.size, "new_size", (json_int_t)res.lines,
		    "old_root", a.buf, "new_root", b.buf, "signature_checked", have);
		print_path(cli, "path", proof, plen, j);
		tim_json_print(stdout, j);
		json_decref(j);
	} else if (!cli->quiet) {
		printf("old-size %llu\nnew-size %llu\nold-root %s\nnew-root %s\n",
		    (unsigned long long)cp.size, (unsigned long long)res.lines, a.buf, b.buf);
		print_path(cli, "path", proof, plen, NULL);
		tim_info(cli, _("consistent: the ledger only grew from %llu to %llu lines"),
		    (unsigned long long)cp.size, (unsigned long long)res.lines);
	}
	r = TIM_EXIT_OK;
out:
	tim_checkpoint_release(&cp);
	free(res.leaves);
	tim_buf_release(&a);
	tim_buf_release(&b);
	if (r != TIM_EXIT_OK)
		return report(cli, &err);
	return r;
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
