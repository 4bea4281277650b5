/*
 * tim-ledger: the registers (管理簿) of 告示 I 第四 1 as an append-only,
 * hash-chained file with signed checkpoints. Options and output only; the
 * ledger itself is libtim/ledger_*.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "ledger.h"
#include "ledgercmd.h"
#include "note.h"
#include "util.h"
#include "witnesscmd.h"
#include "banned.h"

static struct tim_cli cli;

static void
usage(FILE *f)
{
	fprintf(f, _(
"usage: tim-ledger init [--origin NAME] [--group GROUP] [--append-only] LEDGER\n"
"       tim-ledger keygen [--name NAME] -o KEYFILE\n"
"       tim-ledger append [--no-sync] [--syslog] LEDGER KIND [FIELD=VALUE ...]\n"
"       tim-ledger append [--no-sync] [--syslog] --json LEDGER < records.jsonl\n"
"       tim-ledger verify [--full] [--syslog] [--key VKEY] [--checkpoint FILE]\n"
"                         [--witness-key VKEY ... [--quorum N]] [--tsa-cert FILE] LEDGER ...\n"
"       tim-ledger checkpoint [--syslog] -k KEYFILE LEDGER\n"
"       tim-ledger checkpoint -k KEYFILE --witness URL ... [--witness-key VKEY ...]\n"
"                             [--quorum N] LEDGER\n"
"       tim-ledger stamp --tsa URL [--tsa-cert FILE] LEDGER\n"
"       tim-ledger witness keygen --name NAME -o KEYFILE\n"
"       tim-ledger witness serve -k KEYFILE --state DIR --log 'ORIGIN VKEY' ...\n"
"                                [--listen ADDRESS:PORT]\n"
"       tim-ledger import [--kind K] [--encoding ENC] [--no-sync] [--syslog]\n"
"                         LEDGER FILE.csv\n"
"       tim-ledger list [--kind K] [--since T] [--until T] [--grep S]\n"
"                       [--where FIELD=VALUE] [--json | --csv] LEDGER\n"
"       tim-ledger outstanding [--json | --csv] LEDGER ...\n"
"       tim-ledger prove [--checkpoint FILE] SEQ LEDGER\n"
"       tim-ledger consistency [--key VKEY] OLD_CHECKPOINT LEDGER\n"
"       tim-ledger receipt [--checkpoint FILE] [-o FILE] SEQ LEDGER\n"
"       tim-ledger verify-receipt --key VKEY FILE ...\n"
"       tim-ledger repair [--no-sync] [--syslog] LEDGER\n"
"       tim-ledger kinds\n"
"long options: -k --key-file, -o --output\n"
"common options: -h, --help  -q, --quiet  -v, --verbose  --json  --version\n"
"LEDGER defaults to $TIM_LEDGER or [ledger] path in tim.conf.\n"));
	fputs(_("-k, --witness, --witness-key, --quorum, --tsa and --tsa-cert default to\n"
	    "[ledger] key-file, witness, witness-key, quorum, tsa and tsa-cert in tim.conf.\n"), f);
}

enum {
	O_ORIGIN = TIM_OPT_FIRST_FREE, O_NAME, O_NOSYNC, O_KEY, O_CHECKPOINT,
	O_KIND, O_SINCE, O_UNTIL, O_GREP, O_WHERE, O_CSV, O_FULL, O_SYSLOG,
	O_WITNESS, O_WKEY, O_QUORUM, O_LISTEN, O_STATE, O_LOG, O_TSA, O_TSACERT,
	O_ENCODING, O_GROUP, O_APPEND_ONLY
};

/* Which options each subcommand takes, as bits of this list. */
enum {
	F_ORIGIN = 1 << 0, F_NAME = 1 << 1, F_OUT = 1 << 2, F_NOSYNC = 1 << 3,
	F_KEY = 1 << 4, F_CHECKPOINT = 1 << 5, F_KEYFILE = 1 << 6, F_KIND = 1 << 7,
	F_SINCE = 1 << 8, F_UNTIL = 1 << 9, F_GREP = 1 << 10, F_WHERE = 1 << 11,
	F_CSV = 1 << 12, F_FULL = 1 << 13, F_SYSLOG = 1 << 14,
	/* witnesses and time-stamps (cmd/witnesscmd.c) */
	F_WITNESS = 1 << 15, F_WKEY = 1 << 16, F_QUORUM = 1 << 17, F_LISTEN = 1 << 18,
	F_STATE = 1 << 19, F_LOG = 1 << 20, F_TSA = 1 << 21, F_TSACERT = 1 << 22,
	/* registers for the office (issue 14) */
	F_ENCODING = 1 << 23, F_GROUP = 1 << 24, F_APPEND_ONLY = 1 << 25
};

static const struct option longopts[] = {
	{ "append-only", no_argument, NULL, O_APPEND_ONLY },
	{ "checkpoint", required_argument, NULL, O_CHECKPOINT },
	{ "csv", no_argument, NULL, O_CSV },
	{ "encoding", required_argument, NULL, O_ENCODING },
	{ "full", no_argument, NULL, O_FULL },
	{ "grep", required_argument, NULL, O_GREP },
	{ "group", required_argument, NULL, O_GROUP },
	{ "key", required_argument, NULL, O_KEY },
	{ "key-file", required_argument, NULL, 'k' },
	{ "kind", required_argument, NULL, O_KIND },
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "log", required_argument, NULL, O_LOG },
	{ "name", required_argument, NULL, O_NAME },
	{ "no-sync", no_argument, NULL, O_NOSYNC },
	{ "origin", required_argument, NULL, O_ORIGIN },
	{ "output", required_argument, NULL, 'o' },
	{ "quorum", required_argument, NULL, O_QUORUM },
	{ "since", required_argument, NULL, O_SINCE },
	{ "state", required_argument, NULL, O_STATE },
	{ "syslog", no_argument, NULL, O_SYSLOG },
	{ "tsa", required_argument, NULL, O_TSA },
	{ "tsa-cert", required_argument, NULL, O_TSACERT },
	{ "until", required_argument, NULL, O_UNTIL },
	{ "where", required_argument, NULL, O_WHERE },
	{ "witness", required_argument, NULL, O_WITNESS },
	{ "witness-key", required_argument, NULL, O_WKEY },
	TIM_CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static struct tim_ledger_cmd opts;

static const struct sub {
	const char *name;
	tim_ledger_cmd_fn *run;
	unsigned allowed;
	int min, max;		/* positional arguments; -1: no limit */
	int ledger_arg;		/* position of LEDGER, which may default */
} subs[] = {
	{ "append", tim_ledger_cmd_append, F_NOSYNC | F_SYSLOG, 1, -1, 0 },
	{ "checkpoint", tim_ledger_cmd_checkpoint, F_KEYFILE | F_SYSLOG | F_WITNESS | F_WKEY | F_QUORUM, 1, 1, 0 },
	{ "consistency", tim_ledger_cmd_consistency, F_KEY, 2, 2, 1 },
	{ "import", tim_ledger_cmd_import, F_KIND | F_ENCODING | F_NOSYNC | F_SYSLOG, 2, 2, 0 },
	{ "init", tim_ledger_cmd_init, F_ORIGIN | F_GROUP | F_APPEND_ONLY, 1, 1, 0 },
	{ "keygen", tim_ledger_cmd_keygen, F_NAME | F_OUT, 0, 0, -1 },
	{ "kinds", tim_ledger_cmd_kinds, 0, 0, 0, -1 },
	{ "list", tim_ledger_cmd_list, F_KIND | F_SINCE | F_UNTIL | F_GREP | F_WHERE | F_CSV, 1, 1, 0 },
	{ "outstanding", tim_ledger_cmd_outstanding, F_CSV, 1, -1, 0 },
	{ "prove", tim_ledger_cmd_prove, F_CHECKPOINT, 2, 2, 1 },
	{ "receipt", tim_ledger_cmd_receipt, F_CHECKPOINT | F_OUT, 2, 2, 1 },
	{ "repair", tim_ledger_cmd_repair, F_NOSYNC | F_SYSLOG, 1, 1, 0 },
	{ "stamp", tim_witness_cmd_stamp, F_TSA | F_TSACERT, 1, 1, 0 },
	{ "verify", tim_ledger_cmd_verify, F_KEY | F_CHECKPOINT | F_FULL | F_SYSLOG | F_WKEY | F_QUORUM | F_TSACERT, 1, -1, 0 },
	{ "witness", tim_witness_cmd_witness, F_KEYFILE | F_NAME | F_OUT | F_LISTEN | F_STATE | F_LOG, 1, 1, -1 },
	{ "verify-receipt", tim_ledger_cmd_verify_receipt, F_KEY, 1, -1, -1 },
};

static const struct sub *
find_sub(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(subs[i].name, name) == 0)
			return &subs[i];
	return NULL;
}

static const char *
optname(unsigned bit)
{
	static const char *names[] = { "--origin", "--name", "-o", "--no-sync",
	    "--key", "--checkpoint", "-k", "--kind", "--since", "--until",
	    "--grep", "--where", "--csv", "--full", "--syslog", "--witness",
	    "--witness-key", "--quorum", "--listen", "--state", "--log", "--tsa",
	    "--tsa-cert", "--encoding", "--group", "--append-only" };
	int i;

	for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (bit == 1u << i)
			return names[i];
	return "?";
}

/* The repeatable witness options and --quorum: 0, or a usage error's status. */
static int
witness_opt(int c, const char *arg)
{
	struct tim_witness_cmd *w = &tim_witness_opts;
	char *end;
	int r = 0;

	if (c == O_WITNESS)
		r = tim_witness_opt_add(w->witness, &w->nwitness, arg);
	else if (c == O_WKEY)
		r = tim_witness_opt_add(w->wkey, &w->nwkey, arg);
	else if (c == O_LOG)
		r = tim_witness_opt_add(w->log, &w->nlog, arg);
	else if (c == O_QUORUM) {
		errno = 0;
		w->quorum = strtol(arg, &end, 10);
		if (errno || *end || end == arg || w->quorum < 0 || w->quorum > TIM_WITNESS_CMD_MAX)
			return tim_cli_usage_error(&cli, _("--quorum '%s': give a number from 0 to %d"),
			    arg, TIM_WITNESS_CMD_MAX);
	}
	if (r < 0)
		return tim_cli_usage_error(&cli, _("too many '%s' options (at most %d)"),
		    c == O_WITNESS ? "--witness" : c == O_WKEY ? "--witness-key" : "--log",
		    TIM_WITNESS_CMD_MAX);
	return 0;
}

int
main(int argc, char **argv)
{
	struct tim_err err;
	const struct sub *sub;
	const char *dflt;
	unsigned given = 0;
	int c, nargs, r;
	char **args;

	tim_err_clear(&err);
	if (tim_cli_init(&cli, "tim-ledger", &err) < 0) {
		r = tim_cli_fail(&cli, &err);
		tim_cli_release(&cli);
		return r;
	}
	if (argc < 2) {
		usage(stderr);
		tim_cli_release(&cli);
		return TIM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		tim_cli_release(&cli);
		return TIM_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		tim_cli_version(&cli);
		tim_cli_release(&cli);
		return TIM_EXIT_OK;
	}
	sub = find_sub(argv[1]);
	if (sub == NULL) {
		r = tim_cli_usage_error(&cli, _("unknown command '%s'"), argv[1]);
		tim_cli_release(&cli);
		return r;
	}
	argc--;
	argv++;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hk:o:qv", longopts, NULL)) != -1) {
		unsigned bit = 0;

		if (tim_cli_common(&cli, c))
			continue;
		switch (c) {
		case 'h':
			usage(stdout);
			tim_cli_release(&cli);
			return TIM_EXIT_OK;
		case O_ORIGIN: bit = F_ORIGIN; opts.origin = optarg; break;
		case O_NAME: bit = F_NAME; opts.name = optarg; break;
		case 'o': bit = F_OUT; opts.out = optarg; break;
		case O_NOSYNC: bit = F_NOSYNC; opts.flags |= TIM_LEDGER_NOSYNC; break;
		case O_KEY: bit = F_KEY; opts.key = optarg; break;
		case O_CHECKPOINT: bit = F_CHECKPOINT; opts.checkpoint = optarg; break;
		case 'k': bit = F_KEYFILE; opts.keyfile = optarg; break;
		case O_KIND: bit = F_KIND; opts.kind = optarg; break;
		case O_SINCE: bit = F_SINCE; opts.since = optarg; break;
		case O_UNTIL: bit = F_UNTIL; opts.until = optarg; break;
		case O_GREP: bit = F_GREP; opts.grep = optarg; break;
		case O_WHERE: bit = F_WHERE; opts.where = optarg; break;
		case O_CSV: bit = F_CSV; opts.csv = 1; break;
		case O_FULL: bit = F_FULL; opts.full = 1; break;
		case O_SYSLOG: bit = F_SYSLOG; opts.syslog = 1; break;
		case O_WITNESS: bit = F_WITNESS; break;
		case O_WKEY: bit = F_WKEY; break;
		case O_LOG: bit = F_LOG; break;
		case O_QUORUM: bit = F_QUORUM; break;
		case O_LISTEN: bit = F_LISTEN; tim_witness_opts.listen = optarg; break;
		case O_STATE: bit = F_STATE; tim_witness_opts.state = optarg; break;
		case O_TSA: bit = F_TSA; tim_witness_opts.tsa = optarg; break;
		case O_TSACERT: bit = F_TSACERT; tim_witness_opts.tsa_cert = optarg; break;
		case O_ENCODING: bit = F_ENCODING; opts.encoding = optarg; break;
		case O_GROUP: bit = F_GROUP; opts.group = optarg; break;
		case O_APPEND_ONLY: bit = F_APPEND_ONLY; opts.append_only = 1; break;
		case ':':
			r = tim_cli_usage_error(&cli, _("option '%s' needs a value"), argv[optind - 1]);
			goto out;
		default:
			r = tim_cli_usage_error(&cli, _("unknown option '%s'"), argv[optind - 1]);
			goto out;
		}
		if (!(sub->allowed & bit)) {
			r = tim_cli_usage_error(&cli, _("option '%s' does not apply to '%s'"),
			    optname(bit), sub->name);
			goto out;
		}
		given |= bit;
		if ((r = witness_opt(c, optarg)) != 0)
			goto out;
	}
	if (opts.csv && cli.json) {
		r = tim_cli_usage_error(&cli, _("--json and --csv exclude each other"));
		goto out;
	}
	args = argv + optind;
	nargs = argc - optind;
	/* LEDGER may come from TIM_LEDGER or the config; put it in its place. */
	dflt = tim_config_get(cli.cfg, "ledger", "path");
	opts.argv_buf = NULL;
	if (sub->ledger_arg >= 0 && dflt != NULL && *dflt &&
	    tim_ledger_cmd_wants_default(sub->name, nargs, args, sub->min, cli.json)) {
		char **nv = calloc((size_t)nargs + 2, sizeof(*nv));

		if (nv == NULL) {
			tim_error(&cli, _("out of memory"));
			r = TIM_EXIT_ERROR;
			goto out;
		}
		memcpy(nv, args, (size_t)sub->ledger_arg * sizeof(*nv));
		nv[sub->ledger_arg] = (char *)dflt;
		memcpy(nv + sub->ledger_arg + 1, args + sub->ledger_arg,
		    (size_t)(nargs - sub->ledger_arg) * sizeof(*nv));
		args = nv;
		nargs++;
		opts.argv_buf = nv;
	}
	if (nargs < sub->min || (sub->max >= 0 && nargs > sub->max)) {
		r = tim_cli_usage_error(&cli, nargs < sub->min ?
		    _("'%s' needs more arguments") : _("too many arguments for '%s'"), sub->name);
		goto out;
	}
	if ((r = tim_witness_cmd_config(&cli, sub->name)) != 0)
		goto out;
	r = tim_witness_cmd_route(sub->name, sub->run)(&cli, &opts, nargs, args);
out:
	tim_witness_cmd_config_release();
	free(opts.argv_buf);
	tim_cli_release(&cli);
	return r;
}
