#ifndef TIM_SEALPOLICY_H
#define TIM_SEALPOLICY_H

#include <stddef.h>

#include <jansson.h>

struct tim_config;
struct tim_err;

/*
 * What may be sealed to whom. Files carry labels (告示 I 第二 1, read by
 * tim_label_read from any carrier, folders included); the levels listed in
 * [seal] forbid-outside (default: the scheme's highest, 極秘) may be sealed
 * only to inside recipients: certificates whose every e-mail address is in
 * one of [seal] inside-domains. A password is never inside. An override
 * reason lets the send go ahead; the caller must record it.
 */
struct tim_seal_policy {
	json_t *labels;		/* [{"file":..,"level":..}] for every labelled input */
	int refused;		/* a forbidden level goes to an outside recipient */
	char level[64];		/* the first such level */
	char file[4096];	/* and its file */
	char outside[512];	/* the first outside recipient, for the message */
};

/*
 * Checks paths (directories walked without following symlinks) against the
 * recipients. Fills pol (the caller calls tim_seal_policy_release); -1 only
 * when a label or certificate cannot be read.
 */
int tim_seal_policy_check(const struct tim_config *cfg, char **paths,
    size_t npaths, const char *const *certs, size_t ncerts, int password,
    struct tim_seal_policy *pol, struct tim_err *err);
void tim_seal_policy_release(struct tim_seal_policy *pol);

/* 1 when every e-mail address of the certificate file is in domains (a comma list). */
int tim_seal_cert_inside(const char *certfile, const char *domains,
    struct tim_err *err);

#endif
