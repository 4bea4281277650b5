#ifndef TIM_CHECK_H
#define TIM_CHECK_H

#include <stddef.h>

#include "buf.h"
#include "label.h"
#include "policy.h"
#include "report.h"

struct tim_err;

/*
 * tim-check over a tree: walks it without following symlinks, reads every
 * file's label through tim-mark's carriers, and applies the rules of the
 * policy (policy.h). File checks run in parallel; findings are sorted so
 * the output does not depend on the schedule.
 */

/* The rules, in the order reports list them. */
enum {
	TIM_RULE_UNMARKED,	/* unmarked file in a controlled zone */
	TIM_RULE_FORBIDDEN,	/* marked file in a zone that must hold none */
	TIM_RULE_BELOW_MIN,	/* label below the zone's minimum */
	TIM_RULE_DISAGREE,	/* carriers that disagree */
	TIM_RULE_LABEL_WORD,	/* a label word in an unmarked file */
	TIM_RULE_UNSEALED,	/* plaintext controlled file in an outbound folder */
	TIM_RULE_LEDGER,	/* a ledger that fails verification */
	TIM_CHECK_NRULES
};

extern const struct tim_rule tim_check_rules[TIM_CHECK_NRULES];

struct tim_check_opts {
	const struct tim_label_scheme *scheme;
	const struct tim_policy *policy;
	const char *root;	/* the tree root, as the caller names it */
	int threads;		/* 0: tim_parallel_threads() */
	int unmarked;		/* --unmarked: only find the unmarked files */
	int have_policy;	/* a policy file was read */
};

/* What a run leaves besides the findings. */
struct tim_check_run {
	size_t files;		/* regular files checked */
	size_t skipped;		/* symlinks and special files not followed */
	struct tim_buf errors;	/* per-file failures, one message a line */
	size_t nerrors;
	/* --unmarked: the paths, as the operands name them, in walk order */
	char **unmarked;
	size_t nunmarked;
};

void tim_check_run_release(struct tim_check_run *run);

/*
 * The root of the tree that start (a file or folder) lies in: the nearest
 * folder at or above it holding .timcheck, else one holding .git, else
 * start's own folder. Into out.
 */
int tim_check_find_root(const char *start, struct tim_buf *out,
    struct tim_err *err);

/*
 * Checks the operands (paths under o->root; none means the whole root) and
 * adds findings to rep. Returns -1 only when nothing could be checked (the
 * root cannot be opened, an operand lies outside it); failures on single
 * files go to run->errors and the walk goes on.
 */
int tim_check_tree(const struct tim_check_opts *o, char *const *operands,
    size_t noperands, struct tim_report *rep, struct tim_check_run *run,
    struct tim_err *err);

/*
 * The policy's ledgers (and its zones'), verified with tim_ledger_verify; a
 * failure is a finding of TIM_RULE_LEDGER. Paths are relative to root.
 */
int tim_check_ledgers(const struct tim_check_opts *o, struct tim_report *rep,
    struct tim_check_run *run);

/*
 * 1 when the bytes start a CMS ContentInfo (DER or PEM) of EnvelopedData or
 * AuthEnvelopedData: what tim-seal and S/MIME tools write.
 */
int tim_check_is_sealed(const unsigned char *p, size_t len);

#endif
