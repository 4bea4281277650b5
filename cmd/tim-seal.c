/*
 * tim-seal: encrypt outbound attachments with CRYPTREC ciphers as CMS
 * envelopes, and open them (告示 V 第三 10, V 第二 11). Options only; the
 * work is in libtim/seal*.c (seal.c and sealopen.c lead) and cmd/sealcmd.c.
 */
#include <getopt.h>
#include <sys/prctl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "err.h"
#include "i18n.h"
#include "seal.h"
#include "sealcmd.h"
#include "banned.h"

static struct tim_cli cli;

static void
usage(FILE *f)
{
	fprintf(f, _(
"usage: tim-seal -r CERT [-r CERT ...] [-p | --password-file F | --password-fd N |\n"
"                --generate-password] [--weak-password REASON] [-o OUT] [--force]\n"
"                [--sign KEY --signer CERT] [--zip | --tar] [--compat] [--allow-expired]\n"
"                [--ledger LEDGER [--override REASON]] [-0] FILE...\n"
"       tim-seal -d [--key KEY --cert CERT | -p | --password-file F | --password-fd N]\n"
"                [--ca FILE] [--allow-legacy] [-o OUT | -C DIR] [--force]\n"
"                [--ledger LEDGER [--from SENDER]] SEALED\n"
"       tim-seal --inspect SEALED...\n"
"'-' as SEALED reads standard input; as the only FILE, the content; with -0, the\n"
"names of the FILEs, NUL-separated. -o - writes standard output.\n"
"long options: -d --decrypt, -C --directory, -o --output, -p --password, -r --recipient\n"
"common options: -h, --help  -q, --quiet  -v, --verbose  --json  --version\n"));
}

enum {
	O_ALLOW_EXPIRED = TIM_OPT_FIRST_FREE, O_ALLOW_LEGACY, O_CA, O_CERT,
	O_COMPAT, O_FORCE, O_FROM, O_GENERATE_PASSWORD, O_INSPECT, O_KEY, O_LEDGER, O_OVERRIDE, O_PASSWORD_FD, O_PASSWORD_FILE,
	O_SIGN, O_SIGNER, O_TAR, O_WEAK_PASSWORD, O_ZIP
};

static const struct option longopts[] = {
	{ "allow-expired", no_argument, NULL, O_ALLOW_EXPIRED },
	{ "allow-legacy", no_argument, NULL, O_ALLOW_LEGACY },
	{ "ca", required_argument, NULL, O_CA },
	{ "cert", required_argument, NULL, O_CERT },
	{ "compat", no_argument, NULL, O_COMPAT },
	{ "decrypt", no_argument, NULL, 'd' },
	{ "directory", required_argument, NULL, 'C' },
	{ "force", no_argument, NULL, O_FORCE },
	{ "from", required_argument, NULL, O_FROM },
	{ "generate-password", no_argument, NULL, O_GENERATE_PASSWORD },
	{ "inspect", no_argument, NULL, O_INSPECT },
	{ "key", required_argument, NULL, O_KEY },
	{ "ledger", required_argument, NULL, O_LEDGER },
	{ "output", required_argument, NULL, 'o' },
	{ "override", required_argument, NULL, O_OVERRIDE },
	{ "password", no_argument, NULL, 'p' },
	{ "password-fd", required_argument, NULL, O_PASSWORD_FD },
	{ "password-file", required_argument, NULL, O_PASSWORD_FILE },
	{ "recipient", required_argument, NULL, 'r' },
	{ "sign", required_argument, NULL, O_SIGN },
	{ "signer", required_argument, NULL, O_SIGNER },
	{ "tar", no_argument, NULL, O_TAR },
	{ "weak-password", required_argument, NULL, O_WEAK_PASSWORD },
	{ "zip", no_argument, NULL, O_ZIP },
	TIM_CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* Options that only make sense for one mode, for the usage error. */
static int
check_mode(const struct tim_seal_cmd *c)
{
	int seal_only = c->ncerts || c->sign_key || c->signer || c->compat ||
	    c->allow_expired || c->bundle || c->override || c->weak_password ||
	    c->generate_password || c->nul;
	int open_only = c->key || c->cert || c->ca || c->allow_legacy || c->dir ||
	    c->from;

	if (c->mode == TIM_SEALCMD_OPEN && seal_only)
		return tim_cli_usage_error(&cli, _("encryption options do not apply to -d"));
	if (c->mode == TIM_SEALCMD_SEAL && open_only)
		return tim_cli_usage_error(&cli, _("opening options need -d"));
	if (c->mode == TIM_SEALCMD_INSPECT && (seal_only || open_only || c->out || c->ledger || c->force ||
	    c->password_file || c->password_fd >= 0 || c->password_tty))
		return tim_cli_usage_error(&cli, _("--inspect takes no other options"));
	if ((c->password_file != NULL) + (c->password_fd >= 0) + c->password_tty +
	    c->generate_password > 1)
		return tim_cli_usage_error(&cli, _("give one password source"));
	return 0;
}

int
main(int argc, char **argv)
{
	struct tim_seal_cmd c;
	struct tim_err err;
	const char **certs = NULL;
	char *end;
	long fd;
	int ch, r, modes = 0;

	/*
	 * Passwords, content keys and private keys live in this process:
	 * no core dump and no ptrace by other users may reveal them.
	 */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	memset(&c, 0, sizeof(c));
	c.password_fd = -1;
	tim_err_clear(&err);
	if (tim_cli_init(&cli, "tim-seal", &err) < 0) {
		r = tim_cli_fail(&cli, &err);
		tim_cli_release(&cli);
		return r;
	}
	certs = calloc((size_t)argc + 1, sizeof(*certs));
	if (certs == NULL) {
		tim_error(&cli, _("out of memory"));
		tim_cli_release(&cli);
		return TIM_EXIT_ERROR;
	}
	c.certs = certs;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":0C:dho:pqr:v", longopts, NULL)) != -1) {
		if (tim_cli_common(&cli, ch))
			continue;
		switch (ch) {
		case '0': c.nul = 1; break;
		case 'C': c.dir = optarg; break;
		case 'd': c.mode = TIM_SEALCMD_OPEN; modes |= 1; break;
		case 'h':
			usage(stdout);
			r = TIM_EXIT_OK;
			goto out;
		case 'o': c.out = optarg; break;
		case 'p': c.password_tty = 1; break;
		case 'r': certs[c.ncerts++] = optarg; break;
		case O_ALLOW_EXPIRED: c.allow_expired = 1; break;
		case O_ALLOW_LEGACY: c.allow_legacy = 1; break;
		case O_CA: c.ca = optarg; break;
		case O_CERT: c.cert = optarg; break;
		case O_COMPAT: c.compat = 1; break;
		case O_FORCE: c.force = 1; break;
		case O_FROM: c.from = optarg; break;
		case O_GENERATE_PASSWORD: c.generate_password = 1; break;
		case O_INSPECT: c.mode = TIM_SEALCMD_INSPECT; modes |= 2; break;
		case O_KEY: c.key = optarg; break;
		case O_LEDGER: c.ledger = optarg; break;
		case O_OVERRIDE: c.override = optarg; break;
		case O_PASSWORD_FD:
			fd = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || fd < 0 || fd > INT_MAX) {
				r = tim_cli_usage_error(&cli, _("bad descriptor '%s'"), optarg);
				goto out;
			}
			c.password_fd = (int)fd;
			break;
		case O_PASSWORD_FILE: c.password_file = optarg; break;
		case O_SIGN: c.sign_key = optarg; break;
		case O_SIGNER: c.signer = optarg; break;
		case O_TAR: c.bundle = TIM_SEAL_BUNDLE_TAR; break;
		case O_WEAK_PASSWORD: c.weak_password = optarg; break;
		case O_ZIP: c.bundle = TIM_SEAL_BUNDLE_ZIP; break;
		case ':':
			r = tim_cli_usage_error(&cli, _("option '%s' needs a value"), argv[optind - 1]);
			goto out;
		default:
			r = tim_cli_usage_error(&cli, _("unknown option '%s'"), argv[optind - 1]);
			goto out;
		}
	}
	if (modes == 3) {
		r = tim_cli_usage_error(&cli, _("-d and --inspect exclude each other"));
		goto out;
	}
	if (c.ledger == NULL && c.mode != TIM_SEALCMD_INSPECT) {
		const char *dflt = tim_config_get(cli.cfg, "seal", "ledger");

		if (dflt != NULL && *dflt)
			c.ledger = dflt;
	}
	r = check_mode(&c);
	if (r != 0)
		goto out;
	r = tim_seal_cmd_run(&cli, &c, argc - optind, argv + optind);
out:
	free(certs);
	tim_cli_release(&cli);
	return r;
}
