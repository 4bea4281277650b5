#ifndef TIM_LEDGERVIEW_H
#define TIM_LEDGERVIEW_H

/*
 * One verify result as a person or a program reads it: the lines and JSON
 * object of tim-ledger verify and tim-check ledger, written by one function
 * so that the two tools cannot drift apart.
 */

struct tim_cli;
struct tim_err;
struct tim_verifier;
struct tim_ledger_verify_opts;

/* What a tool adds to the common lines (tim-ledger verify sets both). */
#define TIM_LEDGERVIEW_APPEND_ONLY 0x1	/* chattr +a status, JSON append_only, changed_line */
#define TIM_LEDGERVIEW_ADVICE      0x2	/* the "what to do" line after a failure */

/*
 * The verify-key to use: explicit (--key) if given, else [ledger]
 * verify-key of tim.conf. *have is 0 when there is none.
 */
int tim_ledgerview_key(struct tim_cli *cli, const char *explicit,
    struct tim_verifier *v, int *have, struct tim_err *err);

/*
 * Verifies path with vo, logs failures to syslog (when syslog_on or the
 * config asks), prints the result (text, or JSON with --json; nothing with
 * --quiet) and returns the exit status: 0 ok, 1 failed, 3 could not read.
 */
int tim_ledgerview_verify(struct tim_cli *cli, const char *path,
    const struct tim_ledger_verify_opts *vo, int syslog_on, unsigned flags);

/*
 * A new key pair (tim-ledger keygen, tim-ledger witness keygen): the
 * verifier key line on stdout, or the three names in --json. pub ends in LF.
 */
void tim_ledgerview_keypair(struct tim_cli *cli, const char *keyfile,
    const struct tim_buf *pubpath, struct tim_buf *pub);

#endif
