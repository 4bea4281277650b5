/*
 * tim-check over a tree: the rules, the run over the operands (the walk in
 * check_walk.c, the rules per file in check_rule.c, in parallel), the
 * ledgers, and where a tree's root lies.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "buf.h"
#include "check.h"
#include "check_impl.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "ledger.h"
#include "parallel.h"
#include "policy.h"
#include "report.h"
#include "util.h"
#include "banned.h"

const struct tim_rule tim_check_rules[TIM_CHECK_NRULES] = {
	{ "unmarked-controlled", "UnmarkedControlled", "告示 I 第二 1, I 第四 2 (1)",
	  TIM_SEV_ERROR, N_("unmarked file in a controlled zone"),
	  N_("Files in a controlled zone hold controlled information and must be "
	  "marked so that anyone can tell them apart: mark them with tim-mark "
	  "(tim-check --unmarked -0 PATH | xargs -0 tim-mark -l LEVEL), or move "
	  "them out of the zone.") },
	{ "marked-in-forbidden-zone", "MarkedInForbiddenZone", "告示 I 第四 3 (1), V",
	  TIM_SEV_ERROR, N_("marked file in a zone that must hold no controlled information"),
	  N_("This zone is published or shared beyond the people with access "
	  "rights: move the controlled file to a controlled place, or remove its "
	  "label if it is not controlled information after all.") },
	{ "label-below-minimum", "LabelBelowMinimum", "告示 I 第二 2, VII 第一 1",
	  TIM_SEV_ERROR, N_("label below the zone's minimum level"),
	  N_("The zone holds information of at least its min-level: raise the "
	  "file's label (tim-mark -l LEVEL --force) or move the file.") },
	{ "carriers-disagree", "CarriersDisagree", "告示 I 第二 1",
	  TIM_SEV_WARNING, N_("the label carriers of a file disagree"),
	  N_("The file name, attributes, content and folder label should say the "
	  "same; mark the file again with the right level on every carrier "
	  "(tim-mark -l LEVEL --force).") },
	{ "unmarked-label-word", "UnmarkedLabelWord", "告示 I 第二 1, I 第四 2 (2)",
	  TIM_SEV_WARNING, N_("unmarked file whose content carries a label word"),
	  N_("The content says it is controlled (社外秘, CONFIDENTIAL ...) but the "
	  "file is not marked: mark it, or add the file to the baseline when the "
	  "word is not a label.") },
	{ "unsealed-outbound", "UnsealedOutbound", "告示 V 第三 3, V 第三 10",
	  TIM_SEV_ERROR, N_("controlled file not sealed in an outbound folder"),
	  N_("Controlled files leaving the company must be encrypted with "
	  "e-Government recommended ciphers: seal them with tim-seal (CMS, "
	  ".p7m) before they are put in an outbound folder.") },
	{ "ledger-invalid", "LedgerInvalid", "告示 I 第四 1 (3), I 第四 1 (5)",
	  TIM_SEV_ERROR, N_("a ledger fails verification"),
	  N_("The register (管理簿) must be complete and untampered: run "
	  "tim-ledger verify for details, restore it from a copy, or repair a "
	  "torn last line with tim-ledger repair.") },
};

void
tim_check_run_release(struct tim_check_run *run)
{
	size_t i;

	tim_buf_release(&run->errors);
	for (i = 0; i < run->nunmarked; i++)
		free(run->unmarked[i]);
	free(run->unmarked);
	memset(run, 0, sizeof(*run));
}

void
tim_check_run_error(struct tim_check_run *run, pthread_mutex_t *lock,
    const char *msg)
{
	if (lock)
		pthread_mutex_lock(lock);
	tim_buf_adds(&run->errors, msg);
	tim_buf_addch(&run->errors, '\n');
	run->nerrors++;
	if (lock)
		pthread_mutex_unlock(lock);
}

static int
has_entry(const char *dir, const char *name)
{
	struct tim_buf b = TIM_BUF_INIT;
	struct stat st;
	int r;

	tim_buf_addf(&b, "%s/%s", dir, name);
	r = !b.failed && lstat(b.buf, &st) == 0;
	tim_buf_release(&b);
	return r;
}

int
tim_check_find_root(const char *start, struct tim_buf *out, struct tim_err *err)
{
	struct stat st;
	char *dir, *slash, *first = NULL;
	int pass;

	if (lstat(start, &st) == 0 && S_ISDIR(st.st_mode))
		dir = realpath(start, NULL);
	else {
		struct tim_buf parent = TIM_BUF_INIT;

		slash = strrchr(start, '/');
		if (slash == NULL)
			tim_buf_adds(&parent, ".");
		else
			tim_buf_add(&parent, start, slash == start ? 1 : (size_t)(slash - start));
		dir = parent.failed ? NULL : realpath(parent.buf, NULL);
		tim_buf_release(&parent);
	}
	if (dir == NULL)
		return tim_errorf(err, errno, _("cannot find the folder of '%s'"), start);
	first = strdup(dir);
	/* .timcheck wins over .git, so look for it all the way up first. */
	for (pass = 0; pass < 2; pass++) {
		char *d = strdup(first ? first : "/");

		while (d) {
			if (has_entry(d, pass == 0 ? ".timcheck" : ".git")) {
				tim_buf_reset(out);
				tim_buf_adds(out, d);
				free(d);
				free(dir);
				free(first);
				return out->failed ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
			}
			if (strcmp(d, "/") == 0)
				break;
			slash = strrchr(d, '/');
			if (slash == d)
				slash[1] = '\0';
			else
				*slash = '\0';
		}
		free(d);
	}
	tim_buf_reset(out);
	tim_buf_adds(out, dir);
	free(dir);
	free(first);
	return out->failed ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
}

/* The path as the operand named it: "docs/" + "a.txt". */
static char *
display_path(const char *operand, const char *oprel, const char *rel)
{
	struct tim_buf b = TIM_BUF_INIT;
	size_t ol = strlen(oprel), l = strlen(operand);
	const char *rest = rel + ol;

	if (*rest == '/')
		rest++;
	while (l > 1 && operand[l - 1] == '/')
		l--;
	if (strcmp(operand, ".") == 0 && *rest)
		tim_buf_adds(&b, rest);
	else if (*rest)
		tim_buf_addf(&b, "%.*s/%s", (int)l, operand, rest);
	else
		tim_buf_add(&b, operand, l);
	return tim_buf_detach(&b, NULL);
}

static void
worker(void *arg, int id, size_t start, size_t end)
{
	struct tim_check_ctx *c = arg;
	struct tim_check_scratch sc;
	size_t i, n = c->w->n;

	(void)id;
	(void)start;
	(void)end;
	memset(&sc, 0, sizeof(sc));
	/* Take files one batch at a time: big files do not stall one thread. */
	for (;;) {
		size_t first = atomic_fetch_add(&c->next, 16);

		if (first >= n)
			break;
		for (i = first; i < n && i < first + 16; i++)
			tim_check_file(c, i, &sc);
	}
	tim_check_scratch_release(&sc);
}

/* The operands relative to the root, and their files into w. */
struct operands {
	char *const *arg;	/* as the caller named them */
	char **rel;
	size_t n;
};

static void
operands_release(struct operands *ops)
{
	size_t i;

	for (i = 0; ops->rel && i < ops->n; i++)
		free(ops->rel[i]);
	free(ops->rel);
}

/* One operand: an unreadable one is a per-file failure, one outside the tree is not. */
static int
walk_one(struct tim_check_files *w, int rootfd, const char *root_real,
    struct operands *ops, size_t i, struct tim_err *err)
{
	struct tim_buf rel = TIM_BUF_INIT, msg = TIM_BUF_INIT;
	int r = tim_check_operand_rel(root_real, ops->arg[i], &rel);

	if (r == -2) {
		tim_buf_release(&rel);
		return tim_invalidf(err, _("'%s' is not inside the tree '%s'"), ops->arg[i], root_real);
	}
	if (r < 0) {
		tim_buf_addf(&msg, _("cannot read '%s': %s"), ops->arg[i], strerror(errno));
		tim_check_run_error(w->run, NULL, tim_buf_str(&msg));
		tim_buf_release(&msg);
		tim_buf_release(&rel);
		ops->rel[i] = strdup("");
		return 0;
	}
	ops->rel[i] = tim_buf_detach(&rel, NULL);
	if (ops->rel[i] == NULL)
		ops->rel[i] = strdup("");
	w->operand = (int)i;
	return tim_check_walk_operand(w, rootfd, root_real, ops->arg[i], err);
}

static int
walk_operands(struct tim_check_files *w, const char *root, struct operands *ops,
    struct tim_err *err)
{
	char *root_real = realpath(root, NULL);
	size_t i;
	int rootfd, r = 0;

	if (root_real == NULL)
		return tim_errorf(err, errno, _("cannot open '%s'"), root);
	rootfd = open(root_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		tim_errorf(err, errno, _("cannot open '%s'"), root);
		free(root_real);
		return -1;
	}
	ops->rel = calloc(ops->n, sizeof(*ops->rel));
	if (ops->rel == NULL)
		r = tim_errorf(err, ENOMEM, _("out of memory"));
	for (i = 0; r == 0 && i < ops->n; i++)
		r = walk_one(w, rootfd, root_real, ops, i, err);
	if (r == 0 && w->failed)
		r = tim_errorf(err, ENOMEM, _("out of memory"));
	close(rootfd);
	free(root_real);
	return r;
}

static void
ctx_init(struct tim_check_ctx *c, const struct tim_check_opts *o,
    struct tim_report *rep, struct tim_check_run *run, struct tim_check_files *w)
{
	char *lv[TIM_LABEL_LEVELS_MAX];
	struct tim_globs levels = { lv, 0 };
	size_t i;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->rep = rep;
	c->run = run;
	c->w = w;
	atomic_init(&c->next, 0);
	tim_check_words_init(&c->words, &o->policy->words);
	for (i = 0; i < o->scheme->n && i < TIM_LABEL_LEVELS_MAX; i++)
		lv[levels.n++] = (char *)o->scheme->levels[i];
	tim_check_words_init(&c->levels, &levels);
}

/* Checks every file of w on the worker threads. */
static int
check_files(const struct tim_check_opts *o, struct tim_report *rep,
    struct tim_check_run *run, struct tim_check_files *w, unsigned char **unmarked,
    struct tim_err *err)
{
	struct tim_check_ctx c;
	int threads;

	ctx_init(&c, o, rep, run, w);
	if (o->unmarked && (c.unmarked = calloc(w->n ? w->n : 1, 1)) == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	c.rootfd = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pthread_mutex_init(&c.lock, NULL);
	threads = o->threads > 0 ? o->threads : tim_parallel_threads();
	/*
	 * The document carriers parse XML and zip entries (whose times libarchive
	 * converts) in every thread: set libxml2 and the time zone up first.
	 */
	xmlInitParser();
	tzset();
	tim_parallel_for((size_t)threads, threads, worker, &c);
	pthread_mutex_destroy(&c.lock);
	if (c.rootfd >= 0)
		close(c.rootfd);
	run->files += w->n;
	rep->checked += w->n;
	*unmarked = c.unmarked;
	return 0;
}

/* --unmarked: the flagged files, named as their operands name them. */
static void
collect_unmarked(struct tim_check_run *run, const struct tim_check_files *w,
    const struct operands *ops, const unsigned char *flags)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		const struct tim_check_entry *e = &w->e[i];
		char **nu;

		if (!flags[i])
			continue;
		nu = realloc(run->unmarked, (run->nunmarked + 1) * sizeof(*nu));
		if (nu == NULL)
			break;
		run->unmarked = nu;
		nu[run->nunmarked] = display_path(ops->arg[e->operand], ops->rel[e->operand], e->rel);
		if (nu[run->nunmarked])
			run->nunmarked++;
	}
}

int
tim_check_tree(const struct tim_check_opts *o, char *const *operands,
    size_t noperands, struct tim_report *rep, struct tim_check_run *run,
    struct tim_err *err)
{
	static char *const dot[] = { (char *)".", NULL };
	struct operands ops = { noperands ? operands : dot, NULL, noperands ? noperands : 1 };
	struct tim_check_files w;
	unsigned char *unmarked = NULL;
	int r;

	memset(&w, 0, sizeof(w));
	w.o = o;
	w.run = run;
	r = walk_operands(&w, o->root, &ops, err);
	if (r == 0)
		r = check_files(o, rep, run, &w, &unmarked, err);
	if (r == 0 && o->unmarked)
		collect_unmarked(run, &w, &ops, unmarked);
	free(unmarked);
	operands_release(&ops);
	tim_check_files_release(&w);
	return r;
}

static void
verify_ledger(const struct tim_check_opts *o, struct tim_report *rep,
    struct tim_check_run *run, const char *rel)
{
	struct tim_ledger_verify_result res;
	struct tim_buf full = TIM_BUF_INIT;
	struct tim_err err;

	tim_err_clear(&err);
	memset(&res, 0, sizeof(res));
	if (rel[0] == '/')
		tim_buf_adds(&full, rel);
	else
		tim_buf_addf(&full, "%s/%s", o->root, rel);
	if (tim_ledger_verify(tim_buf_str(&full), NULL, &res, &err) < 0)
		tim_report_add(rep, TIM_RULE_LEDGER, rel, 0, "",
		    _("cannot verify the ledger: %s"), err.msg);
	else if (!res.ok)
		tim_report_add(rep, TIM_RULE_LEDGER, rel, (unsigned long)res.bad_line, "",
		    _("ledger does not verify: %s"), res.reason);
	free(res.leaves);
	(void)run;
	tim_buf_release(&full);
}

int
tim_check_ledgers(const struct tim_check_opts *o, struct tim_report *rep,
    struct tim_check_run *run)
{
	const struct tim_policy *p = o->policy;
	struct tim_globs seen = { NULL, 0 };
	size_t i, z, k;

	for (z = 0; z <= p->nzones; z++) {
		const struct tim_globs *g = z < p->nzones ? &p->zones[z].ledgers : &p->ledgers;

		for (i = 0; i < g->n; i++) {
			for (k = 0; k < seen.n; k++)
				if (strcmp(seen.pat[k], g->pat[i]) == 0)
					break;
			if (k < seen.n)
				continue;
			tim_globs_add(&seen, g->pat[i]);
			verify_ledger(o, rep, run, g->pat[i]);
		}
	}
	tim_globs_release(&seen);
	return 0;
}
