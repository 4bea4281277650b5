#ifndef TIM_HOST_H
#define TIM_HOST_H

/*
 * Host checks: the technical controls of notice chapter V that a program can
 * observe on a Linux host. Each says pass, fail or unknown, with the evidence
 * it saw; unknown is the honest answer when the host does not let a program
 * tell (no root, a container, a setting kept elsewhere).
 */

enum { TIM_HOST_PASS, TIM_HOST_FAIL, TIM_HOST_UNKNOWN };

struct tim_host_result {
	const char *id;		/* "firewall" */
	const char *clause;	/* "告示 V 第一 2" */
	const char *title;	/* English msgid */
	int status;		/* TIM_HOST_* */
	char evidence[1024];
};

#define TIM_HOST_NCHECKS 11

struct tim_host_opts {
	const char *root;	/* read the host's files under this folder; NULL "/" */
	const char *data;	/* controlled data paths, comma-separated, or NULL */
	const char *ledger;	/* the ledger to verify, or NULL */
};

/*
 * Runs every check into out. Commands (nft, iptables, timedatectl) run only
 * when root is "/", with a fixed PATH, the C locale and a time limit.
 * Never fails: a check that cannot look is unknown.
 */
void tim_host_check(const struct tim_host_opts *o,
    struct tim_host_result out[TIM_HOST_NCHECKS]);

const char *tim_host_status_name(int status);

#endif
