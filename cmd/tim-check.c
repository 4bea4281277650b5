/*
 * tim-check: where a document tree, a host or the self-check answers fall
 * short of the notice, and which clause says so. Options and exit status
 * only; the checks are in libtim (check.c, policy.c, report.c, selfcheck.c,
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
"       tim-check selfcheck [--answers FILE] [--format text|json|html] [-o OUT]\n"
"                 [--ledger LEDGER] [--repo DIR] [--host] [--lang ja|en]\n"
"       tim-check ledger LEDGER...\n"
"SEVERITY: error, warning, note (default: any finding fails), none\n"
"common options: -h, --help  -q, --quiet  -v, --verbose  --json  --version\n"));
}

enum {
	O_ANSWERS = TIM_OPT_FIRST_FREE, O_BASELINE, O_DATA, O_FAIL_ON, O_FORMAT,
	O_HOST, O_LANG, O_LEDGER, O_POLICY, O_REPO, O_ROOT, O_THREADS,
	O_UNMARKED, O_UPDATE_BASELINE
};

static const struct option longopts[] = {
	{ "answers", required_argument, NULL, O_ANSWERS },
	{ "baseline", required_argument, NULL, O_BASELINE },
	{ "data", required_argument, NULL, O_DATA },
	{ "fail-on", required_argument, NULL, O_FAIL_ON },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "host", no_argument, NULL, O_HOST },
	{ "lang", required_argument, NULL, O_LANG },
	{ "ledger", required_argument, NULL, O_LEDGER },
	{ "null", no_argument, NULL, '0' },
	{ "output", required_argument, NULL, 'o' },
	{ "policy", required_argument, NULL, O_POLICY },
	{ "repo", required_argument, NULL, O_REPO },
	{ "root", required_argument, NULL, O_ROOT },
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

int
main(int argc, char **argv)
{
	struct tim_err err;
	int c, r, mode = M_REPO, unmarked = 0;
	char *end;
	long n;

	tim_err_clear(&err);
	if (tim_cli_init(&cli, "tim-check", &err) < 0) {
		r = tim_cli_fail(&cli, &err);
		tim_cli_release(&cli);
		return r;
	}
	if (argc > 1) {
		if (strcmp(argv[1], "repo") == 0)
			mode = M_REPO;
		else if (strcmp(argv[1], "host") == 0)
			mode = M_HOST;
		else if (strcmp(argv[1], "selfcheck") == 0)
			mode = M_SELFCHECK;
		else if (strcmp(argv[1], "ledger") == 0)
			mode = M_LEDGER;
		else
			mode = -1;
		if (mode >= 0) {
			argc--;
			argv++;
		} else
			mode = M_REPO;
	}
	opterr = 0;
	r = -1;
	while (r < 0 && (c = getopt_long(argc, argv, ":0ho:qv", longopts, NULL)) != -1) {
		if (tim_cli_common(&cli, c))
			continue;
		switch (c) {
		case 'h':
			usage(stdout);
			r = TIM_EXIT_OK;
			break;
		case '0':
			opts.nul = 1;
			break;
		case 'o':
			opts.out = optarg;
			break;
		case O_ANSWERS:
			if ((r = allowed(mode, SELF, "--answers")) == 0) r = -1;
			opts.answers = optarg;
			break;
		case O_BASELINE:
			if ((r = allowed(mode, REPO, "--baseline")) == 0) r = -1;
			opts.baseline = optarg;
			break;
		case O_DATA:
			if ((r = allowed(mode, HOST, "--data")) == 0) r = -1;
			opts.data = optarg;
			break;
		case O_FAIL_ON:
			if ((r = allowed(mode, REPO, "--fail-on")) == 0) r = -1;
			opts.fail_on = optarg;
			break;
		case O_FORMAT:
			if ((r = allowed(mode, REPO | HOST | SELF, "--format")) == 0) r = -1;
			opts.format = optarg;
			break;
		case O_HOST:
			if ((r = allowed(mode, SELF, "--host")) == 0) r = -1;
			opts.host = 1;
			break;
		case O_LANG:
			if ((r = allowed(mode, SELF, "--lang")) == 0) r = -1;
			opts.lang = optarg;
			break;
		case O_LEDGER:
			if ((r = allowed(mode, SELF | HOST, "--ledger")) == 0) r = -1;
			opts.ledger = optarg;
			break;
		case O_POLICY:
			if ((r = allowed(mode, REPO | UNM, "--policy")) == 0) r = -1;
			opts.policy = optarg;
			break;
		case O_REPO:
			if ((r = allowed(mode, SELF, "--repo")) == 0) r = -1;
			opts.repo = optarg;
			break;
		case O_ROOT:
			if ((r = allowed(mode, HOST, "--root")) == 0) r = -1;
			opts.root = optarg;
			break;
		case O_THREADS:
			n = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || n < 1 || n > 64)
				r = tim_cli_usage_error(&cli, _("--threads takes a number from 1 to 64"));
			opts.threads = (int)n;
			break;
		case O_UNMARKED:
			if ((r = allowed(mode, REPO, "--unmarked")) == 0) r = -1;
			unmarked = 1;
			break;
		case O_UPDATE_BASELINE:
			if ((r = allowed(mode, REPO, "--update-baseline")) == 0) r = -1;
			opts.update_baseline = optarg;
			break;
		case ':':
			r = tim_cli_usage_error(&cli, _("option '%s' needs a value"), argv[optind - 1]);
			break;
		default:
			r = tim_cli_usage_error(&cli, _("unknown option '%s'"), argv[optind - 1]);
			break;
		}
	}
	if (r >= 0)
		goto out;
	if (unmarked) {
		mode = M_UNMARKED;
		if (opts.format || opts.baseline || opts.update_baseline || opts.fail_on || opts.out) {
			r = tim_cli_usage_error(&cli, _("--unmarked prints paths only; it takes no report options"));
			goto out;
		}
	} else if (opts.nul) {
		r = tim_cli_usage_error(&cli, _("-0 goes with --unmarked"));
		goto out;
	}
	argc -= optind;
	argv += optind;
	switch (mode) {
	case M_UNMARKED:
		r = tim_check_cmd_unmarked(&cli, &opts, argc, argv);
		break;
	case M_HOST:
	case M_SELFCHECK:
		if (argc > 0) {
			r = tim_cli_usage_error(&cli, _("too many arguments for '%s'"),
			    mode == M_HOST ? "host" : "selfcheck");
			break;
		}
		r = mode == M_HOST ? tim_check_cmd_host(&cli, &opts, argc, argv) :
		    tim_check_cmd_selfcheck(&cli, &opts, argc, argv);
		break;
	case M_LEDGER:
		if (opts.out || opts.format) {
			r = tim_cli_usage_error(&cli, _("option '%s' does not apply to '%s'"),
			    opts.out ? "-o" : "--format", "ledger");
			break;
		}
		r = tim_check_cmd_ledger(&cli, &opts, argc, argv);
		break;
	default:
		r = tim_check_cmd_repo(&cli, &opts, argc, argv);
		break;
	}
out:
	tim_cli_release(&cli);
	return r;
}
