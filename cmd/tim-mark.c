/*
 * tim-mark: marks electronic information as controlled (告示 I 第二 1) in
 * its name, attributes, content and folder, shows and removes marks, and
 * lists what is marked (the inventory). Options and exit status only;
 * printing is in markcmd.c, the work in libtim (mark.c, markbatch.c,
 * inventory.c, markrecord.c, carrier_*.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "markcmd.h"
#include "banned.h"

static struct tim_cli cli;
static struct tim_mark_cmd opts;

static void
usage(FILE *f)
{
	fprintf(f, _(
"usage: tim-mark [-n] [-j N] [-l LEVEL] [--owner O] [--entrusted PARTY] [--id ID]\n"
"                [--until DATE] [--carriers LIST] [--force] [--ledger LEDGER]\n"
"                [-0] FILE...\n"
"       tim-mark --show [-j N] [--carriers LIST] [--json] [-0] FILE...\n"
"       tim-mark --remove [-n] [-j N] [--carriers LIST] [--ledger LEDGER] [-0] FILE...\n"
"       tim-mark --list [--level LEVEL] [--min-level LEVEL] [--owner O]\n"
"                [--json | --csv | -0] DIR...\n"
"FILE '-' reads paths from standard input (one a line, NUL-separated with -0).\n"
"carriers: name, xattr, content, folder, folder-name, all\n"
"          (default name,xattr,content for files, folder for folders)\n"
"long options: -n --dry-run, -j --jobs, -l --level, -0 --null\n"
"common options: -h, --help  -q, --quiet  -v, --verbose  --json  --version\n"));
}

enum {
	O_CARRIERS = TIM_OPT_FIRST_FREE, O_CSV, O_ENTRUSTED, O_FORCE, O_ID,
	O_LEDGER, O_LIST, O_MIN_LEVEL, O_OWNER, O_REMOVE, O_SHOW, O_UNTIL
};

static const struct option longopts[] = {
	{ "carriers", required_argument, NULL, O_CARRIERS },
	{ "csv", no_argument, NULL, O_CSV },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "entrusted", required_argument, NULL, O_ENTRUSTED },
	{ "force", no_argument, NULL, O_FORCE },
	{ "id", required_argument, NULL, O_ID },
	{ "jobs", required_argument, NULL, 'j' },
	{ "ledger", required_argument, NULL, O_LEDGER },
	{ "level", required_argument, NULL, 'l' },
	{ "list", no_argument, NULL, O_LIST },
	{ "min-level", required_argument, NULL, O_MIN_LEVEL },
	{ "null", no_argument, NULL, '0' },
	{ "owner", required_argument, NULL, O_OWNER },
	{ "remove", no_argument, NULL, O_REMOVE },
	{ "show", no_argument, NULL, O_SHOW },
	{ "until", required_argument, NULL, O_UNTIL },
	TIM_CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static int
set_field(const char *field, const char *value)
{
	struct tim_err err;

	tim_err_clear(&err);
	if (tim_label_set(&opts.mark.label, field, value, &err) < 0)
		return tim_cli_usage_error(&cli, "%s", err.msg);
	return 0;
}

static int
set_jobs(const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*v == '\0' || *end != '\0' || n < 1 || n > TIM_MARK_JOBS_MAX)
		return tim_cli_usage_error(&cli, _("-j wants a number from 1 to %d, not '%s'"),
		    TIM_MARK_JOBS_MAX, v);
	opts.jobs = (int)n;
	return 0;
}

static int
set_mode(int mode, int *given)
{
	if (*given && opts.mode != mode)
		return tim_cli_usage_error(&cli, _("--show, --remove and --list exclude each other"));
	opts.mode = mode;
	*given = 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct tim_err err;
	int c, r, mode_given = 0, label_given = 0;

	/*
	 * libarchive converts every zip entry's DOS time with mktime(), and
	 * glibc stats /etc/localtime on each call unless TZ is set: naming the
	 * same zone file once saves a system call per entry.
	 */
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 0);
	tim_err_clear(&err);
	if (tim_cli_init(&cli, "tim-mark", &err) < 0) {
		r = tim_cli_fail(&cli, &err);
		tim_cli_release(&cli);
		return r;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":0hj:l:nqv", longopts, NULL)) != -1) {
		r = 0;
		if (tim_cli_common(&cli, c))
			continue;
		switch (c) {
		case '0': opts.nul = 1; break;
		case 'h':
			usage(stdout);
			tim_cli_release(&cli);
			return TIM_EXIT_OK;
		case 'j': r = set_jobs(optarg); break;
		case 'l': opts.level = optarg; label_given = 1; break;
		case O_MIN_LEVEL: opts.min_level = optarg; break;
		case 'n': opts.mark.dry_run = 1; break;
		case O_CARRIERS: opts.carriers = optarg; break;
		case O_CSV: opts.csv = 1; break;
		case O_ENTRUSTED: r = set_field("entrusted", optarg); label_given = 1; break;
		case O_FORCE: opts.mark.force = 1; break;
		case O_ID: r = set_field("id", optarg); label_given = 1; break;
		case O_LEDGER: opts.ledger = optarg; break;
		case O_LIST: r = set_mode(TIM_MARK_LIST, &mode_given); break;
		case O_OWNER: r = set_field("owner", optarg); label_given = 1; opts.only_owner = optarg; break;
		case O_REMOVE: r = set_mode(TIM_MARK_REMOVE, &mode_given); break;
		case O_SHOW: r = set_mode(TIM_MARK_SHOW, &mode_given); break;
		case O_UNTIL: r = set_field("until", optarg); label_given = 1; break;
		case ':':
			r = tim_cli_usage_error(&cli, _("option '%s' needs a value"), argv[optind - 1]);
			break;
		default:
			r = tim_cli_usage_error(&cli, _("unknown option '%s'"), argv[optind - 1]);
			break;
		}
		if (r != 0)
			goto out;
	}
	if (optind >= argc) {
		r = tim_cli_usage_error(&cli, _("no file given"));
		goto out;
	}
	if (opts.mode == TIM_MARK_LIST) {
		/* In --list, -l and --owner choose what is listed. */
		opts.only_level = opts.level;
		opts.level = NULL;
		if (opts.mark.label.entrusted[0] || opts.mark.label.id[0] || opts.mark.label.until[0]) {
			r = tim_cli_usage_error(&cli, _("--list filters by --level, --min-level and --owner only"));
			goto out;
		}
		tim_label_clear(&opts.mark.label);
		label_given = 0;
	} else {
		opts.only_owner = NULL;
		if (opts.min_level) {
			r = tim_cli_usage_error(&cli, _("--min-level goes with --list only"));
			goto out;
		}
	}
	if (label_given && opts.mode != TIM_MARK_MARK) {
		r = tim_cli_usage_error(&cli, _("-l, --owner, --entrusted, --id and --until only mark"));
		goto out;
	}
	if ((opts.mark.dry_run || opts.ledger || opts.mark.force) &&
	    (opts.mode == TIM_MARK_SHOW || opts.mode == TIM_MARK_LIST)) {
		r = tim_cli_usage_error(&cli, _("-n, --force and --ledger do not apply to --show or --list"));
		goto out;
	}
	if (opts.csv && (opts.mode != TIM_MARK_LIST || cli.json || opts.nul)) {
		r = tim_cli_usage_error(&cli, _("--csv goes with --list only, without --json or -0"));
		goto out;
	}
	if (opts.mode == TIM_MARK_LIST && cli.json && opts.nul) {
		r = tim_cli_usage_error(&cli, _("--json and -0 exclude each other"));
		goto out;
	}
	r = tim_mark_cmd_run(&cli, &opts, argc - optind, argv + optind);
out:
	tim_cli_release(&cli);
	return r;
}
