#ifndef TIM_WITNESSCMD_H
#define TIM_WITNESSCMD_H

#include "ledgercmd.h"

/*
 * The witness and time-stamp front ends of tim-ledger: `witness serve`,
 * `witness keygen`, `checkpoint --witness`, `verify --witness-key` or
 * `--tsa-cert`, and `stamp`. Options tim-ledger.c parses into
 * tim_witness_opts.
 */

#define TIM_WITNESS_CMD_MAX 16

struct tim_witness_cmd {
	const char *witness[TIM_WITNESS_CMD_MAX];	/* checkpoint --witness URL */
	int nwitness;
	const char *wkey[TIM_WITNESS_CMD_MAX];	/* --witness-key VKEY */
	int nwkey;
	const char *log[TIM_WITNESS_CMD_MAX];	/* serve --log 'ORIGIN VKEY' */
	int nlog;
	long quorum;		/* -1: every witness given */
	const char *listen;	/* serve: ADDR:PORT */
	const char *state;	/* serve: state folder */
	const char *tsa;	/* stamp: URL */
	const char *tsa_cert;	/* stamp, verify: PEM trust anchor */
};

extern struct tim_witness_cmd tim_witness_opts;

/* Adds a repeatable option's value; -1 when there are too many. */
int tim_witness_opt_add(const char **list, int *n, const char *v);

tim_ledger_cmd_fn tim_witness_cmd_witness;	/* witness serve | keygen */
tim_ledger_cmd_fn tim_witness_cmd_checkpoint;
tim_ledger_cmd_fn tim_witness_cmd_verify;
tim_ledger_cmd_fn tim_witness_cmd_stamp;

/* The [ledger] keys of tim.conf read by tim_witness_cmd_config. */
extern const char *const tim_witness_config_keys[];

/*
 * Fills what the command line left unset from tim.conf's [ledger] witness,
 * witness-key, quorum, tsa and tsa-cert, for sub (checkpoint, verify, stamp,
 * or "check" for tim-check ledger); 0, or the status of a bad setting, said.
 */
int tim_witness_cmd_config(struct tim_cli *cli, const char *sub);
void tim_witness_cmd_config_release(void);

/*
 * tim-check ledger: when witness keys or a TSA certificate are set, the
 * witness and time-stamp checks of verify for path, printed the same way;
 * TIM_EXIT_OK when neither is set.
 */
int tim_witness_check_ledger(struct tim_cli *cli, const char *path);

/* Whether sub (checkpoint, verify) is to run through this front end. */
tim_ledger_cmd_fn *tim_witness_cmd_route(const char *sub, tim_ledger_cmd_fn *run);

#endif
