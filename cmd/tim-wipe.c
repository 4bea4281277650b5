/*
 * tim-wipe: erase files, partitions and retired disks so they cannot be
 * restored (告示 I 第四 5 (1), V 第三 5-8), with verification and a record.
 * Options and exit status only; the work is in cmd/wipecmd.c over libtim's
 * engines. Built a second time with TIM_TEST_HOOKS into build/test-bin for
 * the tests' fault injection, never installed.
 */
#include <getopt.h>
#include <stddef.h>
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
"usage: tim-wipe [-0nqrvy] [-m METHOD] [--verify all|sample|last|off]\n"
"                [--ledger LEDGER] [--cert FILE.json] [--html FILE.html]\n"
"                [--item ID] [--label LABEL] [--operator NAME] [--organization ORG]\n"
"                [--location PLACE] [--destination WHAT] [--lang ja|en] [--state FILE]\n"
"                [--keep] [--force-links] [--force-mounted] [--force-swap]\n"
"                [--force-holders] [--force-system] TARGET|- ...\n"
"       tim-wipe --hardware[=auto|crypto|block|overwrite|security-erase|secdiscard]\n"
"                [-ny] [--verify sample|all] [--ledger LEDGER] [--cert FILE.json]\n"
"                [--html FILE.html] [certificate options] DEVICE ...\n"
"       tim-wipe --check [-m METHOD] [--verify all|sample|last] TARGET ...\n"
"       tim-wipe --info DEVICE ...\n"
"       tim-wipe --list-methods\n"
"       tim-wipe --resume STATEFILE [-y]\n"
"long options: -n --dry-run, -m --method, -r --recursive, -y --yes;\n"
"              --chunk BYTES sets the size of each write and read (default 8M)\n"
"common options: -h, --help  -q, --quiet  -v, --verbose  --json  --version\n"
"METHOD: clear (default), random, zero, dod, gutmann, passes=P,P,...\n"
"-: the paths on standard input, one a line (with -0: NUL-terminated)\n"));
}

enum {
	O_CERT = TIM_OPT_FIRST_FREE, O_CHECK, O_CHUNK, O_DESTINATION, O_FORCE_HOLDERS,
	O_FORCE_LINKS, O_FORCE_MOUNTED, O_FORCE_SWAP, O_FORCE_SYSTEM, O_HARDWARE,
	O_HTML, O_INFO, O_ITEM, O_KEEP, O_LABEL, O_LANG, O_LEDGER, O_LIST_METHODS,
	O_LOCATION, O_OPERATOR, O_ORGANIZATION, O_RESUME, O_STATE, O_VERIFY
};

static const struct option longopts[] = {
	{ "cert", required_argument, NULL, O_CERT },
	{ "check", no_argument, NULL, O_CHECK },
	{ "chunk", required_argument, NULL, O_CHUNK },
	{ "destination", required_argument, NULL, O_DESTINATION },
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
	{ "lang", required_argument, NULL, O_LANG },
	{ "ledger", required_argument, NULL, O_LEDGER },
	{ "list-methods", no_argument, NULL, O_LIST_METHODS },
	{ "location", required_argument, NULL, O_LOCATION },
	{ "method", required_argument, NULL, 'm' },
	{ "operator", required_argument, NULL, O_OPERATOR },
	{ "organization", required_argument, NULL, O_ORGANIZATION },
	{ "recursive", no_argument, NULL, 'r' },
	{ "resume", required_argument, NULL, O_RESUME },
	{ "state", required_argument, NULL, O_STATE },
	{ "verify", required_argument, NULL, O_VERIFY },
	{ "yes", no_argument, NULL, 'y' },
	TIM_CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* Everything the options say: the run's settings and which mode. */
struct opts {
	struct tim_wipe_cmd o;
	const char *resume;
	int info, list;
	int writing;		/* an option that only erasing takes */
};

/* Options that set a flag or a string; writes: only erasing takes it. */
static const struct optfield {
	int opt;
	size_t off;
	int is_str, writes;
} fields[] = {
	{ '0', offsetof(struct opts, o.nul), 0, 1 },
	{ 'm', offsetof(struct opts, o.method), 1, 1 },
	{ 'n', offsetof(struct opts, o.dry_run), 0, 0 },
	{ 'r', offsetof(struct opts, o.recursive), 0, 1 },
	{ 'y', offsetof(struct opts, o.yes), 0, 0 },
	{ O_CERT, offsetof(struct opts, o.cert), 1, 1 },
	{ O_CHECK, offsetof(struct opts, o.check), 0, 0 },
	{ O_DESTINATION, offsetof(struct opts, o.destination), 1, 1 },
	{ O_FORCE_HOLDERS, offsetof(struct opts, o.force_holders), 0, 1 },
	{ O_FORCE_LINKS, offsetof(struct opts, o.force_links), 0, 1 },
	{ O_FORCE_MOUNTED, offsetof(struct opts, o.force_mounted), 0, 1 },
	{ O_FORCE_SWAP, offsetof(struct opts, o.force_swap), 0, 1 },
	{ O_FORCE_SYSTEM, offsetof(struct opts, o.force_system), 0, 1 },
	{ O_HTML, offsetof(struct opts, o.html), 1, 1 },
	{ O_INFO, offsetof(struct opts, info), 0, 0 },
	{ O_ITEM, offsetof(struct opts, o.item), 1, 1 },
	{ O_KEEP, offsetof(struct opts, o.keep), 0, 1 },
	{ O_LABEL, offsetof(struct opts, o.label), 1, 1 },
	{ O_LANG, offsetof(struct opts, o.lang), 1, 1 },
	{ O_LEDGER, offsetof(struct opts, o.ledger), 1, 1 },
	{ O_LIST_METHODS, offsetof(struct opts, list), 0, 0 },
	{ O_LOCATION, offsetof(struct opts, o.location), 1, 1 },
	{ O_OPERATOR, offsetof(struct opts, o.operator_name), 1, 1 },
	{ O_ORGANIZATION, offsetof(struct opts, o.organization), 1, 1 },
	{ O_RESUME, offsetof(struct opts, resume), 1, 0 },
	{ O_STATE, offsetof(struct opts, o.state), 1, 1 },
	{ O_VERIFY, offsetof(struct opts, o.verify), 1, 1 },
	{ 0, 0, 0, 0 }
};

/* Sets what option c says; 0 when it is not one of the fields. */
static int
set_field(struct opts *p, int c, const char *arg)
{
	const struct optfield *f;

	for (f = fields; f->opt; f++)
		if (f->opt == c) {
			if (f->is_str)
				*(const char **)(void *)((char *)p + f->off) = arg;
			else
				*(int *)(void *)((char *)p + f->off) = 1;
			p->writing |= f->writes;
			return 1;
		}
	return 0;
}

/* --chunk: bytes, or NM for N MiB. */
static int
set_chunk(struct opts *p, const char *arg)
{
	char *end;

	p->o.chunk = strtoul(arg, &end, 10);
	if (*end == 'M')
		p->o.chunk <<= 20, end++;
	if (*end || p->o.chunk < 4096 || p->o.chunk > (256ul << 20))
		return tim_cli_usage_error(&cli, _("invalid --chunk '%s': bytes (or NM) from 4096 to 256M"), arg);
	return -1;
}

/* Reads the options; -1 to go on, else the exit status. */
static int
parse(struct opts *p, int argc, char **argv)
{
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":0hm:nqrvy", longopts, NULL)) != -1) {
		if (tim_cli_common(&cli, c) || set_field(p, c, optarg))
			continue;
		if (c == 'h') {
			usage(stdout);
			return TIM_EXIT_OK;
		}
		if (c == O_HARDWARE) {
			p->o.hardware = optarg ? optarg : "auto";
			p->writing = 1;
		} else if (c == O_CHUNK) {
			if ((r = set_chunk(p, optarg)) >= 0)
				return r;
		} else if (c == ':')
			return tim_cli_usage_error(&cli, _("option '%s' needs a value"), argv[optind - 1]);
		else
			return tim_cli_usage_error(&cli, _("unknown option '%s'"), argv[optind - 1]);
	}
	return -1;
}

static int
conflicting(const struct opts *p)
{
	const struct tim_wipe_cmd *o = &p->o;

	return p->info + p->list + (p->resume != NULL) + o->check > 1 ||
	    ((p->info || p->list || p->resume) && (p->writing || o->dry_run)) ||
	    (o->check && (o->hardware || o->ledger || o->recursive || o->keep || o->state)) ||
	    (o->hardware && (o->method || o->recursive || o->keep));
}

/* The mode the options chose, over the operands. */
static int
dispatch(struct opts *p, int argc, char **argv)
{
	if (conflicting(p))
		return tim_cli_usage_error(&cli, _("conflicting options: --info, --list-methods, --resume, --check, --hardware and the overwrite options go alone"));
	if (p->list)
		return argc ? tim_cli_usage_error(&cli, _("--list-methods takes no arguments")) :
		    tim_wipe_cmd_list_methods(&cli);
	if (p->resume)
		return argc ? tim_cli_usage_error(&cli, _("--resume takes only the state file")) :
		    tim_wipe_cmd_resume(&cli, &p->o, p->resume);
	if (argc == 0)
		return tim_cli_usage_error(&cli, p->info ? _("--info needs a device") : _("nothing to erase: name a file, directory or device"));
	if (p->o.ledger == NULL)
		p->o.ledger = tim_config_get(cli.cfg, "wipe", "ledger");
	return p->info ? tim_wipe_cmd_info(&cli, &p->o, argc, argv) :
	    tim_wipe_cmd_run(&cli, &p->o, argc, argv);
}

int
main(int argc, char **argv)
{
	struct opts p;
#ifdef TIM_TEST_HOOKS
	struct tim_wipe_faults faults;
#endif
	struct tim_err err;
	int r;

	memset(&p, 0, sizeof(p));
#ifdef TIM_TEST_HOOKS
	if (tim_wipe_test_faults(&faults))
		p.o.faults = &faults;
#endif
	tim_err_clear(&err);
	if (tim_cli_init(&cli, "tim-wipe", &err) < 0)
		r = tim_cli_fail(&cli, &err);
	else if ((r = parse(&p, argc, argv)) < 0)
		r = dispatch(&p, argc - optind, argv + optind);
	tim_cli_release(&cli);
	return r;
}
