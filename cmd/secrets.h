#ifndef TIM_CMD_SECRETS_H
#define TIM_CMD_SECRETS_H

/*
 * Called by a front end before it reads a password or a private key: the
 * process becomes non-dumpable (no core file, no ptrace by other processes
 * of the same user, /proc/PID owned by root), its core size limit drops to
 * 0, and key material goes to pages excluded from any dump that is still
 * made (libtim/secret.h). Idempotent; never fails the run.
 */
void tim_cli_hold_secrets(void);

#endif
