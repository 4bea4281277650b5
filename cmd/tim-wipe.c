/*
 * tim-wipe: erase files, partitions and retired disks so they cannot be
 * restored (告示 I 第四 5 (1), V 第三 5-8), with verification and a record.
 * Options and exit status only; the work is in cmd/wipecmd.c over libtim's
 * engines. Built a second time with TIM_TEST_HOOKS into build/test-bin for
 * the tests' fault injection, never installed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "err.h"
#include "i18n.h"
#include "wipecmd.h"
#ifdef TIM_TEST_HOOKS
#include "wipe.h"
#include "wipe-faults.h"
#endif
#include "banned.h"

static struct tim_cli cli;

static void
usage(FILE *f)
{
	fprintf(f, _(
"usage: tim-wipe [-nqrvy] [-m METHOD] [--verify all|sample|last|off]\n"
"                [--ledger LEDGER] [--cert FILE.json] [--html FILE.html]\n"
"                [--item ID] [--label LABEL] [--operator NAME] [--state FILE]\n"
"                [--keep] [--force-links] [--force-mounted] [--force-swap]\n"
"                [--force-holders] [--force-system] TARGET ...\n"
"       tim-wipe --hardware[=auto|crypto|block|overwrite|security-erase|secdiscard]\n"
"                [-ny] [--ledger LEDGER] [--cert FILE.json] [--html FILE.html] DEVICE ...\n"
"       tim-wipe --check [-m METHOD] [--verify all|sample|last] TARGET ...\n"
"       tim-wipe --info DEVICE ...\n"
"       tim-wipe --list-methods\n"
"       tim-wipe --resume STATEFILE [-y]\n"
"common options: -h, --help  -q, --quiet  -v, --verbose  --json  --version\n"
"METHOD: clear (default), random, zero, dod, gutmann, passes=P,P,...\n"));
}

enum {
	O_CERT = TIM_OPT_FIRST_FREE, O_CHECK, O_CHUNK, O_FORCE_HOLDERS,
	O_FORCE_LINKS, O_FORCE_MOUNTED, O_FORCE_SWAP, O_FORCE_SYSTEM, O_HARDWARE,
	O_HTML, O_INFO, O_ITEM, O_KEEP, O_LABEL, O_LEDGER, O_LIST_METHODS, O_OPERATOR,
	O_RESUME, O_STATE, O_VERIFY
};

static const struct option longopts[] = {
	{ "cert", required_argument, NULL, O_CERT },
	{ "check", no_argument, NULL, O_CHECK },
	{ "chunk", required_argument, NULL, O_CHUNK },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "force-holders", no_argument, NULL, O_FORCE_HOLDERS },
	{ "force-links", no_argument, NULL, O_FORCE_LINKS },
	{ "force-mounted", no_argument, NULL, O_FORCE_MOUNTED },
	{ "force-swap", no_argument, NULL, O_FORCE_SWAP },
	{ "force-system", no_argument, NULL, O_FORCE_SYSTEM },
	{ "hardware", optional_argument, NULL, O_HARDWARE },
	{ "html", required_argument, NULL, O_HTML },
	{ "info", no_argument, NULL, O_INFO },
	{ "item", required_argument, NULL, O_ITEM },
	{ "keep", no_argument, NULL, O_KEEP },
	{ "label", required_argument, NULL, O_LABEL },
	{ "ledger", required_argument, NULL, O_LEDGER },
	{ "list-methods", no_argument, NULL, O_LIST_METHODS },
	{ "method", required_argument, NULL, 'm' },
	{ "operator", required_argument, NULL, O_OPERATOR },
	{ "recursive", no_argument, NULL, 'r' },
	{ "resume", required_argument, NULL, O_RESUME },
	{ "state", required_argument, NULL, O_STATE },
	{ "verify", required_argument, NULL, O_VERIFY },
	{ "yes", no_argument, NULL, 'y' },
	TIM_CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	struct tim_wipe_cmd o;
#ifdef TIM_TEST_HOOKS
	struct tim_wipe_faults faults;
#endif
	struct tim_err err;
	const char *resume = NULL;
	int c, r, info = 0, list = 0, writing = 0;
	char *end;

	memset(&o, 0, sizeof(o));
#ifdef TIM_TEST_HOOKS
	if (tim_wipe_test_faults(&faults))
		o.faults = &faults;
#endif
	tim_err_clear(&err);
	if (tim_cli_init(&cli, "tim-wipe", &err) < 0) {
		r = tim_cli_fail(&cli, &err);
		tim_cli_release(&cli);
		return r;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hm:nqrvy", longopts, NULL)) != -1) {
		if (tim_cli_common(&cli, c))
			continue;
		switch (c) {
		case 'h':
			usage(stdout);
			tim_cli_release(&cli);
			return TIM_EXIT_OK;
		case 'm': o.method = optarg; writing = 1; break;
		case 'n': o.dry_run = 1; break;
		case 'r': o.recursive = 1; writing = 1; break;
		case 'y': o.yes = 1; break;
		case O_CERT: o.cert = optarg; writing = 1; break;
		case O_CHECK: o.check = 1; break;
		case O_CHUNK:
			o.chunk = strtoul(optarg, &end, 10);
			if (*end == 'M')
				o.chunk <<= 20, end++;
			if (*end || o.chunk < 4096 || o.chunk > (256ul << 20)) {
				r = tim_cli_usage_error(&cli, _("invalid --chunk '%s': bytes (or NM) from 4096 to 256M"), optarg);
				goto out;
			}
			break;
		case O_FORCE_HOLDERS: o.force_holders = 1; writing = 1; break;
		case O_FORCE_LINKS: o.force_links = 1; writing = 1; break;
		case O_FORCE_MOUNTED: o.force_mounted = 1; writing = 1; break;
		case O_FORCE_SWAP: o.force_swap = 1; writing = 1; break;
		case O_FORCE_SYSTEM: o.force_system = 1; writing = 1; break;
		case O_HARDWARE: o.hardware = optarg ? optarg : "auto"; writing = 1; break;
		case O_HTML: o.html = optarg; writing = 1; break;
		case O_INFO: info = 1; break;
		case O_ITEM: o.item = optarg; writing = 1; break;
		case O_KEEP: o.keep = 1; writing = 1; break;
		case O_LABEL: o.label = optarg; writing = 1; break;
		case O_LEDGER: o.ledger = optarg; writing = 1; break;
		case O_LIST_METHODS: list = 1; break;
		case O_OPERATOR: o.operator_name = optarg; writing = 1; break;
		case O_RESUME: resume = optarg; break;
		case O_STATE: o.state = optarg; writing = 1; break;
		case O_VERIFY: o.verify = optarg; writing = 1; break;
		case ':':
			r = tim_cli_usage_error(&cli, _("option '%s' needs a value"), argv[optind - 1]);
			goto out;
		default:
			r = tim_cli_usage_error(&cli, _("unknown option '%s'"), argv[optind - 1]);
			goto out;
		}
	}
	argc -= optind;
	argv += optind;
	if (info + list + (resume != NULL) + o.check > 1 ||
	    ((info || list || resume) && (writing || o.dry_run)) ||
	    (o.check && (o.hardware || o.ledger || o.recursive || o.keep || o.state)) ||
	    (o.hardware && (o.method || o.verify || o.recursive || o.keep))) {
		r = tim_cli_usage_error(&cli, _("conflicting options: --info, --list-methods, --resume, --check, --hardware and the overwrite options go alone"));
		goto out;
	}
	if (list) {
		r = argc ? tim_cli_usage_error(&cli, _("--list-methods takes no arguments")) :
		    tim_wipe_cmd_list_methods(&cli);
		goto out;
	}
	if (resume) {
		r = argc ? tim_cli_usage_error(&cli, _("--resume takes only the state file")) :
		    tim_wipe_cmd_resume(&cli, &o, resume);
		goto out;
	}
	if (argc == 0) {
		r = tim_cli_usage_error(&cli, info ? _("--info needs a device") : _("nothing to erase: name a file, directory or device"));
		goto out;
	}
	if (o.ledger == NULL)
		o.ledger = tim_config_get(cli.cfg, "wipe", "ledger");
	r = info ? tim_wipe_cmd_info(&cli, &o, argc, argv) :
	    tim_wipe_cmd_run(&cli, &o, argc, argv);
out:
	tim_cli_release(&cli);
	return r;
}
