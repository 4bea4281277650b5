#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <stdlib.h>

#include "cli.h"
#include "config.h"
#include "err.h"
#include "i18n.h"
#include "version.h"
#include "banned.h"

int
tim_cli_init(struct tim_cli *cli, const char *prog, struct tim_err *err)
{
	size_t i;

	tim_i18n_init();
	cli->prog = prog;
	cli->quiet = cli->verbose = cli->json = 0;
	cli->cfg = tim_config_new();
	if (cli->cfg == NULL)
		return tim_errorf(err, 0, _("out of memory"));
	if (tim_config_load(cli->cfg, err) < 0)
		return -1;
	for (i = 0; tim_config_warning(cli->cfg, i) != NULL; i++)
		tim_warn(cli, "%s", tim_config_warning(cli->cfg, i));
	return 0;
}

void
tim_cli_release(struct tim_cli *cli)
{
	tim_config_free(cli->cfg);
	cli->cfg = NULL;
}

void
tim_cli_version(const struct tim_cli *cli)
{
	printf("%s (tim) %s\n", cli->prog, TIM_VERSION);
}

int
tim_cli_common(struct tim_cli *cli, int opt)
{
	switch (opt) {
	case 'q':
		cli->quiet = 1;
		cli->verbose = 0;
		return 1;
	case 'v':
		cli->verbose++;
		cli->quiet = 0;
		return 1;
	case TIM_OPT_JSON:
		cli->json = 1;
		return 1;
	case TIM_OPT_VERSION:
		tim_cli_version(cli);
		tim_cli_release(cli);
		exit(0);
	}
	return 0;
}

static void
vsay(const struct tim_cli *cli, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", cli->prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
tim_warn(const struct tim_cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->quiet)
		return;
	va_start(ap, fmt);
	vsay(cli, fmt, ap);
	va_end(ap);
}

void
tim_error(const struct tim_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(cli, fmt, ap);
	va_end(ap);
}

void
tim_info(const struct tim_cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (!cli->verbose)
		return;
	va_start(ap, fmt);
	vsay(cli, fmt, ap);
	va_end(ap);
}

void
tim_cli_syslog(const struct tim_cli *cli, int on, int prio, const char *fmt, ...)
{
	static int opened;
	va_list ap;

	if (!on && !tim_config_get_bool(cli->cfg, "ledger", "syslog", 0))
		return;
	if (!opened) {
		openlog(cli->prog, LOG_PID, LOG_AUTHPRIV);
		opened = 1;
	}
	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

int
tim_cli_status(const struct tim_err *err)
{
	switch (err->kind) {
	case TIM_ERR_REFUSED:
		return TIM_EXIT_FAIL;
	case TIM_ERR_INVALID:
		return TIM_EXIT_USAGE;
	default:
		return TIM_EXIT_ERROR;
	}
}

int
tim_cli_fail(const struct tim_cli *cli, const struct tim_err *err)
{
	if (err->kind == TIM_ERR_REFUSED && cli->quiet)
		return TIM_EXIT_FAIL;
	tim_error(cli, "%s", err->msg);
	if (err->kind == TIM_ERR_INVALID)
		fprintf(stderr, _("Try '%s --help'.\n"), cli->prog);
	return tim_cli_status(err);
}

int
tim_cli_usage_error(const struct tim_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(cli, fmt, ap);
	va_end(ap);
	fprintf(stderr, _("Try '%s --help'.\n"), cli->prog);
	return TIM_EXIT_USAGE;
}
