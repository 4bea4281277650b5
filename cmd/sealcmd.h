#ifndef TIM_SEALCMD_H
#define TIM_SEALCMD_H

#include <stddef.h>

/*
 * The tim-seal front end: it takes parsed options, reads passwords (file,
 * descriptor or terminal, never the command line), runs seal, open or
 * inspect, prints the result and appends the ledger record. Like ledgercmd.c,
 * a front-end module: the rest of libtim never prints.
 */

struct tim_cli;

enum { TIM_SEALCMD_SEAL, TIM_SEALCMD_OPEN, TIM_SEALCMD_INSPECT };

struct tim_seal_cmd {
	int mode;
	const char **certs;		/* -r, in order */
	size_t ncerts;
	const char *out;		/* -o */
	const char *dir;		/* -C */
	const char *key, *cert;		/* -d --key --cert */
	const char *ca;
	const char *sign_key, *signer;
	const char *password_file;
	int password_fd;		/* -1: none */
	int password_tty;		/* -p: ask on the terminal */
	const char *ledger;
	const char *override;		/* reason to send a forbidden level outside */
	const char *from;		/* -d --ledger: who sent it */
	const char *weak_password;	/* reason to seal with a weak password */
	int generate_password;		/* make one, show it on the terminal */
	int nul;			/* -0: "-" is a NUL-separated list of FILEs */
	int compat, allow_expired, allow_legacy, force;
	int bundle;			/* TIM_SEAL_BUNDLE_* */
};

/* Runs the command on the operands; returns the exit status. */
int tim_seal_cmd_run(struct tim_cli *cli, struct tim_seal_cmd *c, int argc,
    char **argv);

#endif
