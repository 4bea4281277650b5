#ifndef TIM_LEDGERCMD_H
#define TIM_LEDGERCMD_H

/*
 * The tim-ledger subcommands: they take parsed options, call the ledger in
 * libtim (ledger_*.c) and write results to stdout and diagnostics to
 * stderr, and return the exit status. Options and printing only: what a
 * subcommand does to a ledger is a libtim call that the unit tests reach.
 */

struct tim_cli;

struct tim_ledger_cmd {
	const char *origin;	/* init */
	const char *name;	/* keygen */
	const char *out;	/* keygen */
	const char *key;	/* verify, consistency: verifier key or file */
	const char *checkpoint;	/* verify, prove */
	const char *keyfile;	/* checkpoint: signer key file */
	const char *kind, *since, *until, *grep, *where;	/* list */
	const char *encoding;	/* import */
	const char *group;	/* init: group that may append */
	int append_only;	/* init: set FS_APPEND_FL */
	int flags;		/* TIM_LEDGER_NOSYNC */
	int csv;
	int full;		/* verify: parse every line */
	int syslog;		/* also log appends and failures to syslog(3) */
	char **argv_buf;	/* owned by main */
};

typedef int tim_ledger_cmd_fn(struct tim_cli *, struct tim_ledger_cmd *,
    int, char **);

tim_ledger_cmd_fn tim_ledger_cmd_init;
tim_ledger_cmd_fn tim_ledger_cmd_keygen;
tim_ledger_cmd_fn tim_ledger_cmd_append;
tim_ledger_cmd_fn tim_ledger_cmd_verify;
tim_ledger_cmd_fn tim_ledger_cmd_checkpoint;
tim_ledger_cmd_fn tim_ledger_cmd_list;
tim_ledger_cmd_fn tim_ledger_cmd_prove;
tim_ledger_cmd_fn tim_ledger_cmd_consistency;
tim_ledger_cmd_fn tim_ledger_cmd_repair;
tim_ledger_cmd_fn tim_ledger_cmd_kinds;
tim_ledger_cmd_fn tim_ledger_cmd_outstanding;
tim_ledger_cmd_fn tim_ledger_cmd_import;
tim_ledger_cmd_fn tim_ledger_cmd_receipt;
tim_ledger_cmd_fn tim_ledger_cmd_verify_receipt;

/*
 * Whether the LEDGER argument was left out and should come from TIM_LEDGER
 * or the config: fewer arguments than min, or for append a first argument
 * that names a kind rather than a file.
 */
int tim_ledger_cmd_wants_default(const char *sub, int nargs, char **args,
    int min, int json);

#endif
