#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "buf.h"
#include "check.h"
#include "checkcmd.h"
#include "witnesscmd.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "host.h"
#include "i18n.h"
#include "json.h"
#include "hash.h"
#include "label.h"
#include "ledger.h"
#include "note.h"
#include "policy.h"
#include "report.h"
#include "selfcheck.h"
#include "util.h"
#include "banned.h"

/*
 * An output file is written beside its final name and renamed into place,
 * so a CI step never uploads half a report.
 */
struct out {
	FILE *f;
	char *tmp;
	const char *path;
};

static int
out_open(struct out *o, const char *path, struct tim_err *err)
{
	struct tim_buf t = TIM_BUF_INIT;
	int fd;

	o->path = path;
	o->tmp = NULL;
	if (path == NULL || strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	fd = tim_tmp_beside(path, &t, err);
	if (fd < 0) {
		tim_buf_release(&t);
		return -1;
	}
	fchmod(fd, 0644);
	o->f = fdopen(fd, "w");
	if (o->f == NULL) {
		close(fd);
		unlink(t.buf);
		tim_buf_release(&t);
		return tim_errorf(err, errno, _("cannot write '%s'"), path);
	}
	o->tmp = tim_buf_detach(&t, NULL);
	return 0;
}

/* Renames into place when ok, else removes the temporary file. */
static int
out_close(struct out *o, int ok, struct tim_err *err)
{
	int r = 0;

	if (o->tmp == NULL) {
		if (fflush(stdout) != 0)
			r = tim_errorf(err, errno, _("cannot write the report"));
		return r;
	}
	if (fflush(o->f) != 0 || fsync(fileno(o->f)) < 0)
		ok = 0, r = tim_errorf(err, errno, _("cannot write '%s'"), o->path);
	fclose(o->f);
	if (ok && rename(o->tmp, o->path) < 0)
		ok = 0, r = tim_errorf(err, errno, _("cannot write '%s'"), o->path);
	if (!ok)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	return r;
}

/* The scheme of tim.conf, changed by the policy's [label]. */
static int
load_scheme(struct tim_cli *cli, const struct tim_policy *p,
    struct tim_label_scheme *s, struct tim_err *err)
{
	size_t i;

	if (tim_label_scheme_load(s, cli->cfg, err) < 0)
		return -1;
	if (p->levels && tim_label_scheme_set_levels(s, p->levels, err) < 0)
		return -1;
	if (p->name_template && tim_label_scheme_set_template(s, p->name_template, err) < 0)
		return -1;
	for (i = 0; i < p->nzones; i++)
		if (p->zones[i].min_level && tim_label_rank(s, p->zones[i].min_level) < 0)
			return tim_invalidf(err, _("zone \"%s\": min-level '%s' is not a level of the label scheme"),
			    p->zones[i].name, p->zones[i].min_level);
	return 0;
}

/* Finds the root and reads its policy and ignore file. */
static int
setup(struct tim_cli *cli, struct tim_check_cmd *o, int argc, char **argv,
    struct tim_buf *root, struct tim_policy *p, int *have_policy,
    struct tim_label_scheme *s, struct tim_err *err)
{
	struct tim_buf f = TIM_BUF_INIT;
	struct stat st;
	int r = -1;

	*have_policy = 0;
	if (tim_policy_init(p) < 0)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (tim_check_find_root(argc > 0 ? argv[0] : ".", root, err) < 0)
		return -1;
	if (o->policy) {
		if (stat(o->policy, &st) < 0)
			return tim_errorf(err, errno, _("cannot read policy '%s'"), o->policy);
		if (tim_policy_load(p, o->policy, err) < 0)
			return -1;
		*have_policy = 1;
	} else {
		tim_buf_addf(&f, "%s/.timcheck", root->buf);
		if (lstat(f.buf, &st) == 0) {
			if (tim_policy_load(p, f.buf, err) < 0)
				goto out;
			*have_policy = 1;
		}
	}
	tim_buf_reset(&f);
	tim_buf_addf(&f, "%s/.timcheckignore", root->buf);
	if (lstat(f.buf, &st) == 0 && tim_policy_load_ignore(p, f.buf, err) < 0)
		goto out;
	if (load_scheme(cli, p, s, err) < 0)
		goto out;
	tim_info(cli, _("tree root '%s', policy %s"), root->buf,
	    *have_policy ? (o->policy ? o->policy : ".timcheck") : _("(none)"));
	r = 0;
out:
	tim_buf_release(&f);
	return r;
}

/*
 * The report files of this run are not documents of the tree: a baseline
 * lists marked names and would trip the label-word rule on itself.
 */
static void
exclude_own(struct tim_policy *p, const char *root, const char *file)
{
	struct tim_buf pat = TIM_BUF_INIT, dir = TIM_BUF_INIT;
	const char *slash, *base;
	char *real;
	size_t rl = strlen(root);

	if (file == NULL || strcmp(file, "-") == 0)
		return;
	slash = strrchr(file, '/');
	if (slash)
		tim_buf_add(&dir, file, slash == file ? 1 : (size_t)(slash - file));
	else
		tim_buf_adds(&dir, ".");
	base = slash ? slash + 1 : file;
	real = dir.failed ? NULL : realpath(dir.buf, NULL);
	if (real && strncmp(real, root, rl) == 0 && (real[rl] == '/' || real[rl] == '\0')) {
		tim_buf_addf(&pat, "/%s%s%s", real[rl] ? real + rl + 1 : "", real[rl] ? "/" : "", base);
		if (!pat.failed)
			tim_globs_add(&p->exclude, pat.buf);
	}
	free(real);
	tim_buf_release(&pat);
	tim_buf_release(&dir);
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Per-file failures, sorted: threads finish in any order, the output does not. */
static void
print_errors(struct tim_cli *cli, const struct tim_check_run *run)
{
	char *text, *p, *nl, **lines;
	size_t n = 0, i;

	if (run->nerrors == 0 || (text = strdup(tim_buf_str(&run->errors))) == NULL)
		return;
	lines = calloc(run->nerrors + 1, sizeof(*lines));
	for (p = text; lines && *p && n <= run->nerrors; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		lines[n++] = p;
	}
	if (lines == NULL) {
		tim_error(cli, "%s", text);
		free(text);
		return;
	}
	qsort(lines, n, sizeof(*lines), cmp_line);
	for (i = 0; i < n; i++)
		tim_error(cli, "%s", lines[i]);
	free(lines);
	free(text);
}

/* A tree to check: its root, policy and label scheme, and what a run leaves. */
struct tree {
	struct tim_label_scheme scheme;
	struct tim_policy pol;
	struct tim_buf root;
	int have_policy;
	struct tim_check_opts co;
	struct tim_check_run run;
};

static int
tree_open(struct tim_cli *cli, struct tim_check_cmd *o, int argc, char **argv,
    struct tree *t, struct tim_err *err)
{
	memset(t, 0, sizeof(*t));
	tim_buf_init(&t->root);
	if (setup(cli, o, argc, argv, &t->root, &t->pol, &t->have_policy, &t->scheme, err) < 0)
		return -1;
	t->co.scheme = &t->scheme;
	t->co.policy = &t->pol;
	t->co.root = t->root.buf;
	t->co.threads = o->threads;
	t->co.have_policy = t->have_policy;
	return 0;
}

static void
tree_close(struct tree *t)
{
	tim_check_run_release(&t->run);
	tim_policy_release(&t->pol);
	tim_buf_release(&t->root);
}

/* The policy's [rule] severities, over the rules' own. */
static int
rule_severities(struct tim_report *rep, const struct tim_policy *pol,
    struct tim_err *err)
{
	size_t i;

	for (i = 0; i < pol->nrules; i++) {
		int k = tim_report_rule_find(rep, pol->rules[i].id);

		if (k < 0)
			return tim_invalidf(err, _("policy: unknown rule '%s'"), pol->rules[i].id);
		rep->severity[k] = pol->rules[i].severity;
	}
	return 0;
}

/* Runs the rules and the ledgers over the tree; findings sorted. */
static int
tree_check(struct tim_cli *cli, struct tree *t, int argc, char **argv,
    struct tim_report *rep, struct tim_err *err)
{
	if (tim_check_tree(&t->co, argv, (size_t)argc, rep, &t->run, err) < 0) {
		print_errors(cli, &t->run);
		return -1;
	}
	tim_check_ledgers(&t->co, rep, &t->run);
	tim_report_sort(rep);
	return 0;
}

/* The baseline: findings it holds are accepted, or all of them are written to it. */
static int
baseline(struct tim_cli *cli, struct tim_check_cmd *o, struct tree *t,
    struct tim_report *rep, struct tim_err *err)
{
	if (o->baseline && tim_report_baseline_load(rep, o->baseline, err) < 0)
		return -1;
	print_errors(cli, &t->run);
	if (o->update_baseline) {
		if (tim_report_baseline_write(rep, o->update_baseline, err) < 0)
			return -1;
		tim_info(cli, _("wrote %zu fingerprints to '%s'"), rep->n, o->update_baseline);
	}
	return 0;
}

/* The report in its format, to stdout or renamed into place as -o OUT. */
static int
write_report(struct tim_cli *cli, struct tim_check_cmd *o, const struct tree *t,
    const struct tim_report *rep, int fmt, struct tim_err *err)
{
	struct tim_report_opts ro;
	struct out out = { NULL, NULL, NULL };

	if (fmt == TIM_FORMAT_TEXT && cli->quiet && tim_report_count(rep, TIM_SEV_NONE) == 0)
		return 0;
	memset(&ro, 0, sizeof(ro));
	ro.format = fmt;
	ro.quiet = cli->quiet;
	ro.root = t->root.buf;
	ro.tool = "tim-check";
	ro.color = fmt == TIM_FORMAT_TEXT && o->out == NULL && isatty(STDOUT_FILENO) &&
	    getenv("NO_COLOR") == NULL;
	if (out_open(&out, o->out, err) < 0)
		return -1;
	if (tim_report_write(rep, &ro, out.f, err) < 0) {
		out_close(&out, 0, err);
		return -1;
	}
	return out_close(&out, 1, err);
}

static int
repo_status(struct tim_cli *cli, const struct tree *t, const struct tim_report *rep,
    int fail_on)
{
	if (rep->failed) {
		tim_error(cli, _("out of memory: the report is incomplete"));
		return TIM_EXIT_ERROR;
	}
	if (t->run.nerrors)
		return TIM_EXIT_ERROR;
	if (fail_on != TIM_SEV_NONE && tim_report_worst(rep) >= fail_on)
		return TIM_EXIT_FAIL;
	return TIM_EXIT_OK;
}

int
tim_check_cmd_repo(struct tim_cli *cli, struct tim_check_cmd *o, int argc,
    char **argv)
{
	struct tim_report rep;
	struct tree t;
	struct tim_err err;
	int fail_on = TIM_SEV_NOTE, status, fmt;

	tim_err_clear(&err);
	fmt = o->format ? tim_report_format_parse(o->format) : cli->json ? TIM_FORMAT_JSON : TIM_FORMAT_TEXT;
	if (fmt < 0)
		return tim_cli_usage_error(cli, _("unknown format '%s' (text, json, sarif, junit)"), o->format);
	if (o->fail_on && (fail_on = tim_severity_parse(o->fail_on)) < 0)
		return tim_cli_usage_error(cli, _("unknown severity '%s' (error, warning, note, none)"), o->fail_on);
	if (tim_report_init(&rep, tim_check_rules, TIM_CHECK_NRULES) < 0) {
		tim_error(cli, _("out of memory"));
		return TIM_EXIT_ERROR;
	}
	if (tree_open(cli, o, argc, argv, &t, &err) < 0 || rule_severities(&rep, &t.pol, &err) < 0)
		status = tim_cli_fail(cli, &err);
	else {
		exclude_own(&t.pol, t.root.buf, o->baseline);
		exclude_own(&t.pol, t.root.buf, o->update_baseline);
		exclude_own(&t.pol, t.root.buf, o->out);
		if (tree_check(cli, &t, argc, argv, &rep, &err) < 0 ||
		    baseline(cli, o, &t, &rep, &err) < 0 ||
		    write_report(cli, o, &t, &rep, fmt, &err) < 0)
			status = tim_cli_fail(cli, &err);
		else
			status = repo_status(cli, &t, &rep, fail_on);
	}
	tree_close(&t);
	tim_report_release(&rep);
	return status;
}

/* The unmarked paths, one a line or NUL-terminated with -0. */
static int
print_unmarked(struct tim_cli *cli, struct tim_check_cmd *o,
    const struct tim_check_run *run)
{
	int status = TIM_EXIT_OK;
	size_t i;

	for (i = 0; i < run->nunmarked; i++) {
		const char *p = run->unmarked[i];

		if (!o->nul && strchr(p, '\n') != NULL) {
			struct tim_buf shown = TIM_BUF_INIT;

			tim_path_display(&shown, p);
			tim_error(cli, _("'%s' has a newline in its name; use -0"), tim_buf_str(&shown));
			tim_buf_release(&shown);
			status = TIM_EXIT_ERROR;
			continue;
		}
		fputs(p, stdout);
		putchar(o->nul ? '\0' : '\n');
	}
	if (fflush(stdout) != 0) {
		tim_error(cli, _("cannot write the report"));
		status = TIM_EXIT_ERROR;
	}
	return status;
}

int
tim_check_cmd_unmarked(struct tim_cli *cli, struct tim_check_cmd *o, int argc,
    char **argv)
{
	struct tim_report rep;
	struct tree t;
	struct tim_err err;
	int status;

	tim_err_clear(&err);
	if (tim_report_init(&rep, tim_check_rules, TIM_CHECK_NRULES) < 0) {
		tim_error(cli, _("out of memory"));
		return TIM_EXIT_ERROR;
	}
	if (tree_open(cli, o, argc, argv, &t, &err) < 0)
		status = tim_cli_fail(cli, &err);
	else {
		t.co.unmarked = 1;
		if (tim_check_tree(&t.co, argv, (size_t)argc, &rep, &t.run, &err) < 0) {
			print_errors(cli, &t.run);
			status = tim_cli_fail(cli, &err);
		} else {
			print_errors(cli, &t.run);
			status = print_unmarked(cli, o, &t.run);
			if (t.run.nerrors)
				status = TIM_EXIT_ERROR;
		}
	}
	tree_close(&t);
	tim_report_release(&rep);
	return status;
}

/* The verify-key of tim.conf's [ledger], as tim-ledger verify takes it. */
static int
ledger_key(struct tim_cli *cli, struct tim_verifier *v, int *have,
    struct tim_err *err)
{
	const char *k = tim_config_get(cli->cfg, "ledger", "verify-key");

	*have = 0;
	if (k == NULL || !*k)
		return 0;
	if (tim_verifier_load(v, k, err) < 0)
		return -1;
	*have = 1;
	return 0;
}

static void
ledger_print_json(const char *path, const struct tim_ledger_verify_result *res,
    const char *root)
{
	json_t *j = json_pack("{s:s, s:b, s:I, s:s, s:I, s:I, s:b}",
	    "ledger", path, "ok", res->ok, "lines", (json_int_t)res->lines,
	    "root", root, "checkpoints", (json_int_t)res->checkpoints,
	    "checkpoint_size", (json_int_t)res->checkpoint_size,
	    "signatures_checked", res->signatures);

	json_object_set_new(j, "trusted_by_signed_root", json_integer((json_int_t)res->covered));
	if (!res->ok) {
		json_object_set_new(j, "line", json_integer((json_int_t)res->bad_line));
		json_object_set_new(j, "seq", res->bad_line ?
		    json_integer((json_int_t)res->bad_line - 1) : json_null());
		json_object_set_new(j, "offset", json_integer((json_int_t)res->bad_offset));
		json_object_set_new(j, "reason", json_string(res->reason));
	}
	tim_json_print(stdout, j);
	json_decref(j);
}

/* The lines tim-ledger verify prints, so that either tool reads the same. */
static void
ledger_print_text(struct tim_cli *cli, const char *path,
    const struct tim_ledger_verify_result *res, const char *root)
{
	if (res->ok) {
		printf(_("%s: ok: %llu records, root %s"), path,
		    (unsigned long long)(res->lines ? res->lines - 1 : 0), root);
		if (res->checkpoints)
			printf(_(", %zu checkpoints (newest size %llu)%s"), res->checkpoints,
			    (unsigned long long)res->checkpoint_size,
			    res->signatures ? _(", signatures verified") : _(", signatures not checked (no --key)"));
		putchar('\n');
		if (res->covered)
			tim_info(cli, _("%s: lines 1 to %llu checked by the signed root, the rest line by line (--full checks every line)"),
			    path, (unsigned long long)res->covered);
	} else if (res->bad_line)
		tim_error(cli, _("%s: FAILED at line %llu (seq %llu, byte %llu): %s"),
		    path, (unsigned long long)res->bad_line,
		    (unsigned long long)(res->bad_line - 1),
		    (unsigned long long)res->bad_offset, res->reason);
	else
		tim_error(cli, _("%s: FAILED: %s"), path, res->reason);
}

static int
ledger_verify_one(struct tim_cli *cli, const char *path,
    const struct tim_verifier *key)
{
	struct tim_ledger_verify_opts vo = { .key = key, .need_checkpoint = 1 };
	struct tim_ledger_verify_result res;
	struct tim_buf root = TIM_BUF_INIT;
	struct tim_err err;

	tim_err_clear(&err);
	memset(&res, 0, sizeof(res));
	if (tim_ledger_verify(path, &vo, &res, &err) < 0) {
		tim_err_prefix(&err, "%s", path);
		tim_cli_syslog(cli, 0, LOG_ERR, "verify ERROR %s", err.msg);
		return tim_cli_fail(cli, &err);
	}
	if (!res.ok)
		tim_cli_syslog(cli, 0, LOG_ALERT, "verify FAILED ledger=%s line=%llu offset=%llu: %s",
		    path, (unsigned long long)res.bad_line,
		    (unsigned long long)res.bad_offset, res.reason);
	tim_base64_encode(&root, res.root, TIM_SHA256_LEN);
	if (cli->json)
		ledger_print_json(path, &res, tim_buf_str(&root));
	else if (!cli->quiet)
		ledger_print_text(cli, path, &res, tim_buf_str(&root));
	tim_buf_release(&root);
	return res.ok ? TIM_EXIT_OK : TIM_EXIT_FAIL;
}

int
tim_check_cmd_ledger(struct tim_cli *cli, struct tim_check_cmd *o, int argc,
    char **argv)
{
	struct tim_verifier key;
	struct tim_err err;
	int have, i, r, worst = TIM_EXIT_OK;

	(void)o;
	if (argc < 1)
		return tim_cli_usage_error(cli, _("'%s' needs more arguments"), "ledger");
	tim_err_clear(&err);
	if (ledger_key(cli, &key, &have, &err) < 0)
		return tim_cli_fail(cli, &err);
	/* Witnesses and time-stamps of tim.conf, as tim-ledger verify. */
	if ((r = tim_witness_cmd_config(cli, "check")) != 0) {
		tim_witness_cmd_config_release();
		return r;
	}
	for (i = 0; i < argc; i++) {
		r = ledger_verify_one(cli, argv[i], have ? &key : NULL);
		if (r > worst)
			worst = r;
		r = tim_witness_check_ledger(cli, argv[i]);
		if (r > worst)
			worst = r;
	}
	tim_witness_cmd_config_release();
	if (fflush(stdout) != 0)
		worst = TIM_EXIT_ERROR;
	return worst;
}

/* Runs the tree checks of dir (its own policy) for the self-check. */
static int
repo_findings(struct tim_cli *cli, const char *dir, struct tim_report *rep,
    struct tim_err *err)
{
	struct tim_check_cmd o;
	struct tree t;
	char *argv[] = { (char *)dir, NULL };
	int r = -1;

	memset(&o, 0, sizeof(o));
	if (tree_open(cli, &o, 1, argv, &t, err) < 0)
		goto out;
	if (tim_check_tree(&t.co, argv, 1, rep, &t.run, err) < 0)
		goto out;
	tim_check_ledgers(&t.co, rep, &t.run);
	if (t.run.nerrors) {
		tim_errorf(err, 0, _("%zu files could not be checked"), t.run.nerrors);
		goto out;
	}
	r = 0;
out:
	tree_close(&t);
	return r;
}

/* Japanese unless the locale asks for something else (C, en_US ...). */
static int
lang_en(const char *opt)
{
	static const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *v = NULL;
	size_t i;

	if (opt)
		return strncmp(opt, "en", 2) == 0;
	for (i = 0; i < 3 && (v == NULL || *v == '\0'); i++)
		v = getenv(vars[i]);
	if (v == NULL || *v == '\0')
		return 0;
	return strncmp(v, "ja", 2) != 0;
}

/* The prompts' words: the report's language (--lang), not only the locale's. */
#define L(sc, ja, en) ((sc)->lang_en ? (en) : (ja))

static void
ask_help(const struct tim_selfcheck *sc)
{
	fprintf(stderr, "%s\n", L(sc,
	    "各項目に回答してください: y (はい)、p (一部)、n (いいえ)、na (該当なし)。\n"
	    "回答の後に根拠を書けます (例: y 情報管理規程 第3条)。\n"
	    "Enter: 今の回答のまま次へ、b: 前の項目に戻る、s: 未回答のまま次へ、q: ここで終える (残りは今の回答のまま)",
	    "Answer each item: y (yes), p (partial), n (no), na (not applicable).\n"
	    "Evidence may follow the answer (e.g. y security rules, section 3).\n"
	    "Enter: keep the current answer, b: back to the previous item, s: skip (unanswered), q: stop here (the rest stay as they are)"));
}

static void
ask_prompt(const struct tim_selfcheck *sc, int i)
{
	const struct tim_sc_answer *a = &sc->a[i];

	fprintf(stderr, "\n%2d/%d. %s\n    (%s)", tim_sc_items[i].no, TIM_SC_ITEMS,
	    tim_selfcheck_title(sc, i), tim_sc_items[i].clause);
	if (a->value != TIM_SC_UNANSWERED)
		fprintf(stderr, L(sc, " 今の回答: %s%s%s", " current: %s%s%s"),
		    tim_selfcheck_value_name(sc, a->value), a->note[0] ? " " : "", a->note);
	if (sc->have_prev && sc->prev_value[i] != TIM_SC_UNANSWERED)
		fprintf(stderr, L(sc, " (前回: %s)", " (last time: %s)"),
		    tim_selfcheck_value_name(sc, sc->prev_value[i]));
	fputs(" [y/p/n/na/b/s/q]? ", stderr);
}

/* The answer word and the evidence after it; -1 with the reason told when invalid. */
static int
ask_answer(struct tim_selfcheck *sc, int i, char *line)
{
	char *rest = line + strcspn(line, " \t");
	int v;

	if (*rest) {
		*rest++ = '\0';
		rest += strspn(rest, " \t");
	}
	v = tim_selfcheck_parse_value(line);
	if (v < 0) {
		fprintf(stderr, L(sc, "'%s' は回答として使えません。y (はい)、p (一部)、n (いいえ)、na (該当なし) のいずれかで答えてください (b: 戻る、s: 飛ばす、q: 終える)\n",
		    "'%s' is not an answer: give y (yes), p (partial), n (no) or na (not applicable) (b: back, s: skip, q: stop)\n"), line);
		return -1;
	}
	sc->a[i].value = v;
	if (*rest)
		snprintf(sc->a[i].note, sizeof(sc->a[i].note), "%s", rest);
	return 0;
}

/*
 * Asks item by item on the terminal, starting from what is already there
 * (an earlier answers file): Enter keeps an answer, b goes back, s skips,
 * q stops. An invalid answer is explained and asked again.
 */
static void
ask(struct tim_selfcheck *sc)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int i = 0;

	ask_help(sc);
	while (i < TIM_SC_ITEMS) {
		ask_prompt(sc, i);
		n = getline(&line, &cap, stdin);
		if (n < 0) {
			fputc('\n', stderr);
			break;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (strcmp(line, "q") == 0)
			break;
		if (strcmp(line, "b") == 0) {
			if (i == 0)
				fprintf(stderr, "%s\n", L(sc, "最初の項目です。これより前には戻れません",
				    "this is the first item; there is none before it"));
			else
				i--;
		} else if (strcmp(line, "s") == 0) {
			sc->a[i].value = TIM_SC_UNANSWERED;
			i++;
		} else if (strcmp(line, "?") == 0 || strcmp(line, "h") == 0)
			ask_help(sc);
		else if (line[0] == '\0' && sc->a[i].value == TIM_SC_UNANSWERED)
			fprintf(stderr, "%s\n", L(sc, "まだ回答がありません。y、p、n、na のいずれかで答えるか、s で飛ばしてください",
			    "no answer yet: give y, p, n or na, or s to skip"));
		else if (line[0] == '\0' || ask_answer(sc, i, line) == 0)
			i++;
	}
	free(line);
}

/* The host check's result in the report's language (--lang ja: always Japanese). */
static const char *const host_status_ja[] = { "適合", "不適合", "不明" };

/*
 * The host checks that bear on an item, beside its answer. What a check
 * could not tell is said in one word; the reasons are tim-check host's to
 * print, so that the report stays on one page. The ledger is left out when
 * --ledger already verified it.
 */
static void
host_evidence(struct tim_selfcheck *sc, const struct tim_host_result *h, int ledger_done)
{
	static const struct { const char *id; int item; } map[] = {
		{ "usb-storage", 17 }, { "disk-encryption", 17 },
		{ "password-policy", 18 }, { "idle-logout", 18 }, { "ledger", 7 },
	};
	size_t i, k;

	for (i = 0; i < TIM_HOST_NCHECKS; i++)
		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
			const char *st = sc->lang_en ? tim_host_status_name(h[i].status) :
			    host_status_ja[h[i].status];
			int ok = h[i].status == TIM_HOST_PASS ? 1 : h[i].status == TIM_HOST_FAIL ? -1 : 0;

			if (strcmp(h[i].id, map[k].id) != 0 || (ledger_done && map[k].item == 7))
				continue;
			if (h[i].status == TIM_HOST_UNKNOWN)
				tim_selfcheck_evidence(sc, map[k].item, ok, L(sc, "ホスト点検 %s: %s",
				    "host %s: %s"), h[i].id, st);
			else
				tim_selfcheck_evidence(sc, map[k].item, ok, L(sc, "ホスト点検 %s: %s (%s)",
				    "host %s: %s (%s)"), h[i].id, st, h[i].evidence);
		}
}

static void
repo_evidence(struct tim_selfcheck *sc, const char *dir, const struct tim_report *rep)
{
	static const struct { int rule; int item; } map[] = {
		{ TIM_RULE_UNMARKED, 3 }, { TIM_RULE_BELOW_MIN, 3 }, { TIM_RULE_DISAGREE, 3 },
		{ TIM_RULE_LABEL_WORD, 3 }, { TIM_RULE_FORBIDDEN, 12 }, { TIM_RULE_UNSEALED, 18 },
	};
	size_t counts[TIM_CHECK_NRULES] = { 0 }, i, k;
	int item;

	for (i = 0; i < rep->n; i++)
		counts[rep->f[i].rule]++;
	for (item = 1; item <= TIM_SC_ITEMS; item++) {
		size_t bad = 0;
		int any = 0;

		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (map[k].item == item) {
				any = 1;
				bad += counts[map[k].rule];
			}
		if (!any)
			continue;
		if (bad)
			tim_selfcheck_evidence(sc, item, -1, sc->lang_en ? "repo %s: %zu findings" :
			    "リポジトリ %s: 指摘 %zu 件", dir, bad);
		else
			tim_selfcheck_evidence(sc, item, 1, sc->lang_en ? "repo %s: clean (%zu files)" :
			    "リポジトリ %s: 指摘なし (%zu ファイル)", dir, rep->checked);
	}
}

/* The answers from --answers FILE (- for stdin), then asked on the terminal; -1 to go on. */
static int
answers(struct tim_cli *cli, struct tim_check_cmd *o, struct tim_selfcheck *sc)
{
	struct tim_buf text = TIM_BUF_INIT;
	struct tim_err err;
	int r = -1, from_stdin = o->answers && strcmp(o->answers, "-") == 0;

	tim_err_clear(&err);
	if (from_stdin && o->ask)
		return tim_cli_usage_error(cli, _("--ask reads the terminal; it cannot go with --answers -"));
	if (o->answers) {
		if (tim_read_file(from_stdin ? "/dev/stdin" : o->answers, 1 << 20, 0, &text, &err) < 0 ||
		    tim_selfcheck_load(sc, tim_buf_str(&text), from_stdin ? _("standard input") : o->answers,
		    &err) < 0)
			r = tim_cli_fail(cli, &err);
		tim_buf_release(&text);
		if (r >= 0 || !o->ask)
			return r;
	}
	if (!isatty(STDIN_FILENO))
		return tim_cli_usage_error(cli, _("selfcheck needs --answers FILE when not run on a terminal"));
	ask(sc);
	return -1;
}

/* The previous report (--previous FILE.json); -1 to go on. */
static int
previous(struct tim_cli *cli, struct tim_check_cmd *o, struct tim_selfcheck *sc)
{
	struct tim_buf text = TIM_BUF_INIT;
	struct tim_err err;
	int r = -1;

	if (o->previous == NULL)
		return -1;
	tim_err_clear(&err);
	if (tim_read_file(o->previous, 4 << 20, TIM_READ_REGULAR, &text, &err) < 0 ||
	    tim_selfcheck_load_previous(sc, tim_buf_str(&text), o->previous, &err) < 0)
		r = tim_cli_fail(cli, &err);
	tim_buf_release(&text);
	return r;
}

/* This time's answers as next time's starting point (--save-answers FILE); -1 to go on. */
static int
save_answers(struct tim_cli *cli, struct tim_check_cmd *o, const struct tim_selfcheck *sc)
{
	struct out out = { NULL, NULL, NULL };
	struct tim_err err;
	int r;

	if (o->save_answers == NULL)
		return -1;
	tim_err_clear(&err);
	if (out_open(&out, o->save_answers, &err) < 0)
		return tim_cli_fail(cli, &err);
	r = tim_selfcheck_write_answers(sc, out.f);
	if (r < 0)
		tim_errorf(&err, errno, _("cannot write '%s'"), o->save_answers);
	if (out_close(&out, r == 0, &err) < 0 || r < 0)
		return tim_cli_fail(cli, &err);
	if (out.f != stdout)
		tim_warn(cli, _("saved the answers to '%s' (next time: --answers %s)"), o->save_answers,
		    o->save_answers);
	return -1;
}

/*
 * Unanswered items, by number: with --strict an error and no report; else
 * told on stderr when the report goes to a file (the report lists them too,
 * and stdout stays the report's alone). -1 to go on.
 */
static int
unanswered(struct tim_cli *cli, struct tim_check_cmd *o, const struct tim_selfcheck *sc)
{
	struct tim_buf list = TIM_BUF_INIT;
	int n = tim_selfcheck_unanswered(sc, &list), r = -1;

	if (n && o->strict) {
		tim_error(cli, _("%d items are unanswered: %s (--strict); no report written"), n,
		    tim_buf_str(&list));
		r = TIM_EXIT_ERROR;
	} else if (n && o->out && strcmp(o->out, "-") != 0)
		tim_warn(cli, _("%d items are unanswered: %s"), n, tim_buf_str(&list));
	tim_buf_release(&list);
	return r;
}

static void
ledger_evidence(struct tim_selfcheck *sc, const char *ledger)
{
	struct tim_ledger_verify_result res;
	struct tim_err err;

	tim_err_clear(&err);
	memset(&res, 0, sizeof(res));
	if (tim_ledger_verify(ledger, NULL, &res, &err) < 0)
		tim_selfcheck_evidence(sc, 7, -1, "%s", err.msg);
	else if (!res.ok)
		tim_selfcheck_evidence(sc, 7, -1, sc->lang_en ? "ledger %s does not verify: line %llu: %s" :
		    "管理簿 %s の検証に失敗: %llu 行目: %s", ledger,
		    (unsigned long long)res.bad_line, res.reason);
	else
		tim_selfcheck_evidence(sc, 7, 1, sc->lang_en ? "ledger %s verifies (%llu records)" :
		    "管理簿 %s は検証済み (%llu 件)", ledger,
		    (unsigned long long)(res.lines ? res.lines - 1 : 0));
	free(res.leaves);
}

/* What the tree checks of --repo DIR found; -1 to go on, else the exit status. */
static int
repo_items(struct tim_cli *cli, struct tim_selfcheck *sc, const char *dir)
{
	struct tim_report rep;
	struct tim_err err;
	int r = -1;

	tim_err_clear(&err);
	if (tim_report_init(&rep, tim_check_rules, TIM_CHECK_NRULES) < 0)
		return TIM_EXIT_ERROR;
	if (repo_findings(cli, dir, &rep, &err) < 0)
		r = tim_cli_fail(cli, &err);
	else
		repo_evidence(sc, dir, &rep);
	tim_report_release(&rep);
	return r;
}

static void
host_items(struct tim_cli *cli, struct tim_check_cmd *o, struct tim_selfcheck *sc)
{
	struct tim_host_result hr[TIM_HOST_NCHECKS];
	struct tim_host_opts ho = { NULL, NULL, NULL };

	ho.data = tim_config_get(cli->cfg, "host", "data-paths");
	ho.ledger = o->ledger ? o->ledger : tim_config_get(cli->cfg, "ledger", "path");
	tim_host_check(&ho, hr);
	host_evidence(sc, hr, o->ledger != NULL);
}

static int
write_selfcheck(struct tim_cli *cli, struct tim_check_cmd *o,
    const struct tim_selfcheck *sc, const char *fmt)
{
	struct out out = { NULL, NULL, NULL };
	struct tim_err err;
	int r;

	tim_err_clear(&err);
	if (out_open(&out, o->out, &err) < 0)
		return tim_cli_fail(cli, &err);
	if (strcmp(fmt, "html") == 0)
		r = tim_selfcheck_write_html(sc, out.f);
	else if (strcmp(fmt, "json") == 0)
		r = tim_selfcheck_write_json(sc, out.f);
	else
		r = tim_selfcheck_write_text(sc, out.f);
	if (r < 0)
		tim_errorf(&err, errno, _("cannot write the report"));
	if (out_close(&out, r == 0, &err) < 0 || r < 0)
		return tim_cli_fail(cli, &err);
	if (out.f != stdout)
		tim_warn(cli, _("wrote the self-check report to '%s'"), o->out);
	return tim_selfcheck_complete(sc) ? TIM_EXIT_OK : TIM_EXIT_FAIL;
}

/* Who answers for which organisation: the options, else tim.conf's [selfcheck]. */
static void
who(struct tim_cli *cli, struct tim_check_cmd *o, struct tim_selfcheck *sc)
{
	const char *org = o->org ? o->org : tim_config_get(cli->cfg, "selfcheck", "organisation");
	const char *resp = o->respondent ? o->respondent :
	    tim_config_get(cli->cfg, "selfcheck", "respondent");

	snprintf(sc->org, sizeof(sc->org), "%s", org ? org : "");
	snprintf(sc->respondent, sizeof(sc->respondent), "%s", resp ? resp : "");
}

int
tim_check_cmd_selfcheck(struct tim_cli *cli, struct tim_check_cmd *o, int argc,
    char **argv)
{
	struct tim_selfcheck sc;
	const char *fmt = o->format ? o->format : cli->json ? "json" : "text";
	int r;

	(void)argc;
	(void)argv;
	if (strcmp(fmt, "text") && strcmp(fmt, "json") && strcmp(fmt, "html"))
		return tim_cli_usage_error(cli, _("unknown format '%s' (text, json, html)"), fmt);
	if (o->lang && strcmp(o->lang, "ja") && strcmp(o->lang, "en"))
		return tim_cli_usage_error(cli, _("unknown language '%s' (ja, en)"), o->lang);
	tim_selfcheck_init(&sc);
	sc.lang_en = lang_en(o->lang);
	who(cli, o, &sc);
	if ((r = previous(cli, o, &sc)) >= 0 || (r = answers(cli, o, &sc)) >= 0 ||
	    (r = save_answers(cli, o, &sc)) >= 0 || (r = unanswered(cli, o, &sc)) >= 0)
		return r;
	if (o->ledger)
		ledger_evidence(&sc, o->ledger);
	if (o->repo && (r = repo_items(cli, &sc, o->repo)) >= 0)
		return r;
	if (o->host)
		host_items(cli, o, &sc);
	return write_selfcheck(cli, o, &sc, fmt);
}

/* The host's checks as JUnit cases, through the report's one JUnit writer. */
static int
host_junit(const struct tim_host_result *h, FILE *f)
{
	struct tim_junit_case c[TIM_HOST_NCHECKS];
	struct tim_buf names[TIM_HOST_NCHECKS];
	size_t i;
	int rc = 0;

	for (i = 0; i < TIM_HOST_NCHECKS; i++) {
		tim_buf_init(&names[i]);
		tim_buf_addf(&names[i], "%s: %s", h[i].id, _(h[i].title));
		rc |= names[i].failed;
		c[i].classname = h[i].clause;
		c[i].name = tim_buf_str(&names[i]);
		c[i].status = h[i].status == TIM_HOST_PASS ? TIM_JUNIT_PASS :
		    h[i].status == TIM_HOST_FAIL ? TIM_JUNIT_FAILURE : TIM_JUNIT_SKIPPED;
		c[i].message = h[i].evidence;
		c[i].type = NULL;
		c[i].text = NULL;
		c[i].output = h[i].evidence;
	}
	if (rc == 0)
		rc = tim_junit_write(f, "tim-check host", c, TIM_HOST_NCHECKS);
	for (i = 0; i < TIM_HOST_NCHECKS; i++)
		tim_buf_release(&names[i]);
	return rc ? -1 : 0;
}

/*
 * Columns a terminal gives s: wcwidth under the user's locale, so that a
 * Japanese character takes two. Where the locale cannot decode s (the C
 * locale), a UTF-8 character of three or four bytes counts as two.
 */
static int
width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	mbstate_t st;
	size_t n, len = strlen(s);
	wchar_t wc;
	int w = 0, cw;

	memset(&st, 0, sizeof(st));
	while (len > 0) {
		n = mbrtowc(&wc, s, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			for (w = 0; *u; u++)
				if ((*u & 0xc0) != 0x80)
					w += *u >= 0xe0 ? 2 : 1;
			return w;
		}
		cw = wcwidth(wc);
		w += cw > 0 ? cw : 0;
		s += n;
		len -= n;
	}
	return w;
}

/* s, then blanks up to the column width w. */
static void
cell(FILE *f, const char *s, int w)
{
	int pad = w - width(s);

	fprintf(f, "%s%*s", s, pad > 0 ? pad : 0, "");
}

static const char *
host_status_text(int status)
{
	return status == TIM_HOST_PASS ? _("pass") : status == TIM_HOST_FAIL ? _("fail") :
	    _("unknown");
}

/* One check: its result, id, clause and title in aligned columns, the evidence below. */
static void
host_row(const struct tim_host_result *h, const int w[3], int color, FILE *f)
{
	static const char *col[] = { "\033[32m", "\033[31m", "\033[33m" };

	fputs(color ? col[h->status] : "", f);
	cell(f, host_status_text(h->status), w[0]);
	fprintf(f, "%s  ", color ? "\033[0m" : "");
	cell(f, h->id, w[1] + 2);
	cell(f, h->clause, w[2] + 2);
	fprintf(f, "%s\n%*s%s\n", _(h->title), w[0] + 2, "", h->evidence);
}

/*
 * The host's checks for a person: which host and when (local time), one row
 * a check with its columns aligned whatever the language, the evidence under
 * it, and the counts. Quiet (-q, a cron job's mail): the failed checks alone.
 */
static void
host_text(const struct tim_host_result *hr, int color, int quiet, FILE *f)
{
	const char *head[4];
	int w[3], i, k, n[3] = { 0, 0, 0 };
	char when[32];

	head[0] = _("result");
	head[1] = _("check");
	head[2] = _("clause");
	head[3] = _("what is checked");
	for (k = 0; k < 3; k++)
		w[k] = width(head[k]);
	for (i = 0; i < TIM_HOST_NCHECKS; i++) {
		const char *v[3] = { host_status_text(hr[i].status), hr[i].id, hr[i].clause };

		for (k = 0; k < 3; k++)
			if (width(v[k]) > w[k])
				w[k] = width(v[k]);
		n[hr[i].status]++;
	}
	if (!quiet) {
		tim_time_local(time(NULL), when);
		fprintf(f, _("host checks of %s, %s"), tim_hostname(), when);
		fputs("\n\n", f);
		for (k = 0; k < 3; k++)
			cell(f, head[k], w[k] + 2);
		fprintf(f, "%s\n", head[3]);
	}
	for (i = 0; i < TIM_HOST_NCHECKS; i++)
		if (!quiet || hr[i].status == TIM_HOST_FAIL)
			host_row(&hr[i], w, color, f);
	if (quiet)
		return;
	fputc('\n', f);
	fprintf(f, _("pass %d, fail %d, unknown %d"), n[TIM_HOST_PASS], n[TIM_HOST_FAIL],
	    n[TIM_HOST_UNKNOWN]);
	fputc('\n', f);
}

/* The host's checks as JSON lines or text; -1 on a write error. */
static int
host_lines(const struct tim_host_result *hr, const char *fmt, int color, int quiet,
    FILE *f)
{
	size_t i;
	int r = 0;

	if (strcmp(fmt, "json") != 0) {
		host_text(hr, color, quiet, f);
		return ferror(f) ? -1 : 0;
	}
	for (i = 0; i < TIM_HOST_NCHECKS; i++) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", hr[i].id, "clause",
		    hr[i].clause, "title", _(hr[i].title), "status",
		    tim_host_status_name(hr[i].status), "evidence", hr[i].evidence);

		if (j == NULL || tim_json_print(f, j) < 0)
			r = -1;
		json_decref(j);
	}
	return r;
}

int
tim_check_cmd_host(struct tim_cli *cli, struct tim_check_cmd *o, int argc,
    char **argv)
{
	struct tim_host_result hr[TIM_HOST_NCHECKS];
	struct tim_host_opts ho;
	struct tim_err err;
	struct out out = { NULL, NULL, NULL };
	const char *fmt = o->format ? o->format : cli->json ? "json" : "text";
	size_t i;
	int r, fails = 0, color;

	(void)argc;
	(void)argv;
	tim_err_clear(&err);
	if (strcmp(fmt, "text") && strcmp(fmt, "json") && strcmp(fmt, "junit"))
		return tim_cli_usage_error(cli, _("unknown format '%s' (text, json, junit)"), fmt);
	ho.root = o->root;
	ho.data = o->data ? o->data : tim_config_get(cli->cfg, "host", "data-paths");
	ho.ledger = o->ledger ? o->ledger : tim_config_get(cli->cfg, "ledger", "path");
	tim_host_check(&ho, hr);
	if (out_open(&out, o->out, &err) < 0)
		return tim_cli_fail(cli, &err);
	color = strcmp(fmt, "text") == 0 && o->out == NULL && isatty(STDOUT_FILENO) &&
	    getenv("NO_COLOR") == NULL;
	if (strcmp(fmt, "junit") == 0)
		r = host_junit(hr, out.f);
	else
		r = host_lines(hr, fmt, color, cli->quiet, out.f);
	for (i = 0; i < TIM_HOST_NCHECKS; i++)
		fails += hr[i].status == TIM_HOST_FAIL;
	if (r < 0 || ferror(out.f))
		tim_errorf(&err, errno, _("cannot write the report"));
	if (out_close(&out, r == 0, &err) < 0 || r < 0)
		return tim_cli_fail(cli, &err);
	return fails ? TIM_EXIT_FAIL : TIM_EXIT_OK;
}
