#ifndef TIM_CHECKCMD_H
#define TIM_CHECKCMD_H

/*
 * The tim-check modes: they take parsed options, run the checks and write
 * the report to stdout (or -o OUT) and diagnostics to stderr, and return the
 * exit status. A front-end module like ledgercmd.c and markcmd.c.
 */

struct tim_cli;

struct tim_check_cmd {
	const char *policy;		/* --policy FILE */
	const char *format;		/* --format NAME, or NULL */
	const char *baseline;		/* --baseline FILE */
	const char *update_baseline;	/* --update-baseline FILE */
	const char *out;		/* -o OUT */
	const char *fail_on;		/* --fail-on SEVERITY */
	int nul;			/* -0 */
	int threads;			/* --threads N, 0: automatic */
	/* selfcheck */
	const char *answers;		/* --answers FILE */
	const char *ledger;		/* --ledger LEDGER: evidence */
	const char *repo;		/* --repo DIR: evidence */
	int host;			/* --host: evidence */
	const char *lang;		/* --lang ja|en */
	int ask;			/* --ask: on the terminal, from --answers */
	const char *save_answers;	/* --save-answers FILE */
	const char *org;		/* --org NAME */
	const char *respondent;		/* --respondent NAME */
	const char *previous;		/* --previous FILE.json */
	int strict;			/* --strict: unanswered items are an error */
	/* host */
	const char *root;		/* --root DIR: read the host's files under DIR */
	const char *data;		/* --data PATHS: controlled data paths */
};

int tim_check_cmd_repo(struct tim_cli *cli, struct tim_check_cmd *o, int argc,
    char **argv);
int tim_check_cmd_unmarked(struct tim_cli *cli, struct tim_check_cmd *o,
    int argc, char **argv);
int tim_check_cmd_ledger(struct tim_cli *cli, struct tim_check_cmd *o,
    int argc, char **argv);
int tim_check_cmd_selfcheck(struct tim_cli *cli, struct tim_check_cmd *o,
    int argc, char **argv);
int tim_check_cmd_host(struct tim_cli *cli, struct tim_check_cmd *o, int argc,
    char **argv);

#endif
