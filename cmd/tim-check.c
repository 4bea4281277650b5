/*
 * tim-check: where a document tree, a host or the self-check answers fall
 * short of the notice, and which clause says so. Options and exit status
 * only; the checks are in libtim (check*.c, policy.c, report.c, selfcheck.c,
 * host.c) and the modes in checkcmd.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkcmd.h"
#include "cli.h"
#include "err.h"
#include "i18n.h"
#include "banned.h"

static struct tim_cli cli;
static struct tim_check_cmd opts;

static void
usage(FILE *f)
{
	fprintf(f, _(
"usage: tim-check [repo] [--policy FILE] [--format text|json|sarif|junit]\n"
"                 [--baseline FILE] [--update-baseline FILE] [--fail-on SEVERITY]\n"
"                 [--threads N] [-o OUT] [PATH...]\n"
"       tim-check --unmarked [-0] [--policy FILE] PATH...\n"
"       tim-check host [--format text|json|junit] [--root DIR] [--data PATHS]\n"
"                 [--ledger LEDGER] [-o OUT]\n"
"       tim-check selfcheck [--answers FILE|-] [--ask] [--save-answers FILE]\n"
"                 [--format text|json|html] [-o OUT] [--org NAME]\n"
"                 [--respondent NAME] [--previous FILE.json] [--strict]\n"
"                 [--ledger LEDGER] [--repo DIR] [--host] [--lang ja|en]\n"
"       tim-check ledger LEDGER...\n"
"SEVERITY: error, warning, note (default: any finding fails), none\n"
"common options: -h, --help  -q, --quiet  -v, --verbose  --json  --version\n"));
}

enum {
	O_ANSWERS = TIM_OPT_FIRST_FREE, O_ASK, O_BASELINE, O_DATA, O_FAIL_ON, O_FORMAT,
	O_HOST, O_LANG, O_LEDGER, O_ORG, O_POLICY, O_PREVIOUS, O_REPO, O_RESPONDENT,
	O_ROOT, O_SAVE_ANSWERS, O_STRICT, O_THREADS, O_UNMARKED, O_UPDATE_BASELINE
};

static const struct option longopts[] = {
	{ "answers", required_argument, NULL, O_ANSWERS },
	{ "ask", no_argument, NULL, O_ASK },
	{ "baseline", required_argument, NULL, O_BASELINE },
	{ "data", required_argument, NULL, O_DATA },
	{ "fail-on", required_argument, NULL, O_FAIL_ON },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "host", no_argument, NULL, O_HOST },
	{ "lang", required_argument, NULL, O_LANG },
	{ "ledger", required_argument, NULL, O_LEDGER },
	{ "null", no_argument, NULL, '0' },
	{ "org", required_argument, NULL, O_ORG },
	{ "output", required_argument, NULL, 'o' },
	{ "policy", required_argument, NULL, O_POLICY },
	{ "previous", required_argument, NULL, O_PREVIOUS },
	{ "repo", required_argument, NULL, O_REPO },
	{ "respondent", required_argument, NULL, O_RESPONDENT },
	{ "root", required_argument, NULL, O_ROOT },
	{ "save-answers", required_argument, NULL, O_SAVE_ANSWERS },
	{ "strict", no_argument, NULL, O_STRICT },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "unmarked", no_argument, NULL, O_UNMARKED },
	{ "update-baseline", required_argument, NULL, O_UPDATE_BASELINE },
	TIM_CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

enum { M_REPO, M_UNMARKED, M_HOST, M_SELFCHECK, M_LEDGER };

/* Which modes take an option (bits of the modes above). */
#define REPO (1 << M_REPO)
#define UNM (1 << M_UNMARKED)
#define HOST (1 << M_HOST)
#define SELF (1 << M_SELFCHECK)

static int
allowed(int mode, unsigned modes, const char *name)
{
	static const char *mode_names[] = { "repo", "--unmarked", "host", "selfcheck", "ledger" };

	if (modes & (1u << mode))
		return 0;
	return tim_cli_usage_error(&cli, _("option '%s' does not apply to '%s'"), name,
	    mode_names[mode]);
}

/* allowed, as option returns it: -1 to go on, else the exit status. */
static int
gate(int mode, unsigned modes, const char *name)
{
	int r = allowed(mode, modes, name);

	return r == 0 ? -1 : r;
}

/* Options with a value that only some modes take. */
static const struct {
	int code;
	unsigned modes;
	const char *name;
	const char **value;
} valued[] = {
	{ O_ANSWERS, SELF, "--answers", &opts.answers },
	{ O_BASELINE, REPO, "--baseline", &opts.baseline },
	{ O_DATA, HOST, "--data", &opts.data },
	{ O_FAIL_ON, REPO, "--fail-on", &opts.fail_on },
	{ O_FORMAT, REPO | HOST | SELF, "--format", &opts.format },
	{ O_LANG, SELF, "--lang", &opts.lang },
	{ O_LEDGER, SELF | HOST, "--ledger", &opts.ledger },
	{ O_ORG, SELF, "--org", &opts.org },
	{ O_POLICY, REPO | UNM, "--policy", &opts.policy },
	{ O_PREVIOUS, SELF, "--previous", &opts.previous },
	{ O_REPO, SELF, "--repo", &opts.repo },
	{ O_RESPONDENT, SELF, "--respondent", &opts.respondent },
	{ O_ROOT, HOST, "--root", &opts.root },
	{ O_SAVE_ANSWERS, SELF, "--save-answers", &opts.save_answers },
	{ O_UPDATE_BASELINE, REPO, "--update-baseline", &opts.update_baseline },
};

/* The mode a first word names; argv moves past it. */
static int
mode_word(int *argc, char ***argv)
{
	static const char *words[] = { "repo", NULL, "host", "selfcheck", "ledger" };
	int m;

	if (*argc < 2)
		return M_REPO;
	for (m = 0; m < (int)(sizeof(words) / sizeof(words[0])); m++)
		if (words[m] && strcmp((*argv)[1], words[m]) == 0) {
			(*argc)--;
			(*argv)++;
			return m;
		}
	return M_REPO;
}

/* One option: -1 to go on, else the exit status. */
static int
option(int c, int mode, int *unmarked, char **argv)
{
	char *end;
	long n;
	size_t i;

	for (i = 0; i < sizeof(valued) / sizeof(valued[0]); i++)
		if (valued[i].code == c) {
			*valued[i].value = optarg;
			return gate(mode, valued[i].modes, valued[i].name);
		}
	switch (c) {
	case 'h':
		usage(stdout);
		return TIM_EXIT_OK;
	case '0':
		opts.nul = 1;
		return -1;
	case 'o':
		opts.out = optarg;
		return -1;
	case O_ASK:
		opts.ask = 1;
		return gate(mode, SELF, "--ask");
	case O_HOST:
		opts.host = 1;
		return gate(mode, SELF, "--host");
	case O_STRICT:
		opts.strict = 1;
		return gate(mode, SELF, "--strict");
	case O_UNMARKED:
		*unmarked = 1;
		return gate(mode, REPO, "--unmarked");
	case O_THREADS:
		n = strtol(optarg, &end, 10);
		if (*optarg == '\0' || *end || n < 1 || n > 64)
			return tim_cli_usage_error(&cli, _("--threads takes a number from 1 to 64"));
		opts.threads = (int)n;
		return -1;
	case ':':
		return tim_cli_usage_error(&cli, _("option '%s' needs a value"), argv[optind - 1]);
	default:
		return tim_cli_usage_error(&cli, _("unknown option '%s'"), argv[optind - 1]);
	}
}

/* Options that go together only in some ways. */
static int
combinations(int *mode, int unmarked)
{
	if (unmarked) {
		*mode = M_UNMARKED;
		if (opts.format || opts.baseline || opts.update_baseline || opts.fail_on || opts.out)
			return tim_cli_usage_error(&cli, _("--unmarked prints paths only; it takes no report options"));
	} else if (opts.nul)
		return tim_cli_usage_error(&cli, _("-0 goes with --unmarked"));
	if (*mode == M_LEDGER && (opts.out || opts.format))
		return tim_cli_usage_error(&cli, _("option '%s' does not apply to '%s'"),
		    opts.out ? "-o" : "--format", "ledger");
	return -1;
}

static int
run_mode(int mode, int argc, char **argv)
{
	switch (mode) {
	case M_UNMARKED:
		return tim_check_cmd_unmarked(&cli, &opts, argc, argv);
	case M_HOST:
	case M_SELFCHECK:
		if (argc > 0)
			return tim_cli_usage_error(&cli, _("too many arguments for '%s'"),
			    mode == M_HOST ? "host" : "selfcheck");
		return mode == M_HOST ? tim_check_cmd_host(&cli, &opts, argc, argv) :
		    tim_check_cmd_selfcheck(&cli, &opts, argc, argv);
	case M_LEDGER:
		return tim_check_cmd_ledger(&cli, &opts, argc, argv);
	default:
		return tim_check_cmd_repo(&cli, &opts, argc, argv);
	}
}

int
main(int argc, char **argv)
{
	struct tim_err err;
	int c, r, mode, unmarked = 0;

	tim_err_clear(&err);
	if (tim_cli_init(&cli, "tim-check", &err) < 0) {
		r = tim_cli_fail(&cli, &err);
		tim_cli_release(&cli);
		return r;
	}
	mode = mode_word(&argc, &argv);
	opterr = 0;
	r = -1;
	while (r < 0 && (c = getopt_long(argc, argv, ":0ho:qv", longopts, NULL)) != -1)
		if (!tim_cli_common(&cli, c))
			r = option(c, mode, &unmarked, argv);
	if (r < 0)
		r = combinations(&mode, unmarked);
	if (r < 0)
		r = run_mode(mode, argc - optind, argv + optind);
	tim_cli_release(&cli);
	return r;
}
