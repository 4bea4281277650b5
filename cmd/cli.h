#ifndef TIM_CLI_H
#define TIM_CLI_H

#include <getopt.h>

/* Exit statuses shared by every tool (tim(7), EXIT STATUS). */
#define TIM_EXIT_OK	0	/* success, clean */
#define TIM_EXIT_FAIL	1	/* negative result: findings, verification failed */
#define TIM_EXIT_USAGE	2	/* usage error */
#define TIM_EXIT_ERROR	3	/* system or input error */

struct tim_config;
struct tim_err;

/*
 * What every tool shares at its front: program name, the common flags and
 * the loaded config. Part of the front-end library (cmd/, never installed):
 * libtim never prints.
 */
struct tim_cli {
	const char *prog;
	int quiet;
	int verbose;
	int json;
	struct tim_config *cfg;
};

/* Long options every tool takes; put them at the end of its table. */
enum {
	TIM_OPT_VERSION = 0x1000,
	TIM_OPT_JSON,
	TIM_OPT_FIRST_FREE = 0x1100
};
#define TIM_CLI_LONGOPTS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "json", no_argument, NULL, TIM_OPT_JSON }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "version", no_argument, NULL, TIM_OPT_VERSION }

/*
 * Set the locale from the environment and bind the catalogue directory:
 * TIM_LOCALEDIR when set (tests run from the build tree), else the one
 * fixed at build time (cmd/i18n.c).
 */
void tim_i18n_init(void);

/*
 * Locale and message catalogue, program name, config. A broken config is
 * reported and is exit status 3 (returned as -1 with err filled).
 */
int tim_cli_init(struct tim_cli *cli, const char *prog, struct tim_err *err);
void tim_cli_release(struct tim_cli *cli);

/*
 * Handles -q, -v, --json and --version (which prints and exits 0). Returns
 * 1 when opt was one of them, 0 otherwise.
 */
int tim_cli_common(struct tim_cli *cli, int opt);

void tim_cli_version(const struct tim_cli *cli);

/* "prog: message" on stderr. warn is silenced by -q; error never is. */
void tim_warn(const struct tim_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tim_error(const struct tim_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * To syslog(3), facility authpriv, where log collectors already look, when
 * on is set or [ledger] syslog = yes: register events (appends, failed
 * verifications). The text stays English key=value for machines.
 */
void tim_cli_syslog(const struct tim_cli *cli, int on, int prio, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Only with -v. */
void tim_info(const struct tim_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The exit status a library failure maps to: TIM_ERR_REFUSED 1,
 * TIM_ERR_INVALID 2, anything else 3.
 */
int tim_cli_status(const struct tim_err *err);

/* Prints err's message and returns the exit status it maps to. */
int tim_cli_fail(const struct tim_cli *cli, const struct tim_err *err);

/*
 * Reports a usage error ("prog: message", then "Try 'prog --help'.") and
 * returns 2.
 */
int tim_cli_usage_error(const struct tim_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
