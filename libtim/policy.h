#ifndef TIM_POLICY_H
#define TIM_POLICY_H

#include <stddef.h>

struct tim_err;

/*
 * The repository policy of tim-check: `.timcheck` at the root of a tree, INI.
 *
 *	[check]
 *	label-words = 社外秘,極秘,CONFIDENTIAL	; words that betray a label
 *	exclude = build/, *.tmp			; gitignore-style
 *	carriers = name,xattr,content,folder		; what counts as marked
 *	ledgers = registers/reg.tim			; must verify
 *	scan-limit = 8388608				; bytes of a file scanned
 *
 *	[zone "confidential"]
 *	path = confidential/
 *	controlled = yes		; every file must be marked
 *	min-level = 社外秘		; ... at least this level
 *	outbound = yes			; files here must be sealed (.p7m / CMS)
 *	forbid-marked = yes		; no marked file may be here
 *	carriers = name,content
 *
 *	[rule "unmarked-label-word"]
 *	severity = error		; or warning, note, off
 *
 *	[label]
 *	levels = 極秘,秘,社外秘,社内限	; overrides tim.conf for this tree
 *	name-template = 【%s】
 *
 * Values are comma-separated lists; repeated keys add to the list.
 */

/* A gitignore-style pattern list; "!" in front re-includes. */
struct tim_globs {
	char **pat;
	size_t n;
};

struct tim_zone {
	char *name;
	struct tim_globs paths;
	int controlled;
	int forbid_marked;
	int outbound;
	char *min_level;	/* NULL: any level */
	int carriers;		/* TIM_CARRIER_* bits, -1: the [check] default */
	struct tim_globs ledgers;	/* plain paths, verified once */
};

struct tim_rule_setting {
	char *id;
	int severity;		/* TIM_SEV_*, TIM_SEV_NONE switches the rule off */
};

struct tim_policy {
	char *file;		/* where it came from, or NULL */
	struct tim_zone *zones;
	size_t nzones;
	struct tim_globs exclude;
	struct tim_globs words;	/* label words */
	int words_default;	/* words are the defaults, replaced by a policy's */
	struct tim_globs ledgers;
	int carriers;		/* bits */
	size_t scan_limit;
	char *levels, *name_template;	/* [label], or NULL */
	struct tim_rule_setting *rules;
	size_t nrules;
};

/* The default label words, when the policy names none. */
#define TIM_POLICY_WORDS "極秘,社外秘,社内限,部外秘,関係者外秘,取扱注意,CONFIDENTIAL"
#define TIM_POLICY_SCAN_LIMIT (8u << 20)

/* An empty policy: no zones, the default words and carriers. */
int tim_policy_init(struct tim_policy *p);
void tim_policy_release(struct tim_policy *p);

/*
 * Reads a policy file. Unknown sections and keys are errors (a typo must not
 * turn a rule off silently); the message names the line.
 */
int tim_policy_load(struct tim_policy *p, const char *path,
    struct tim_err *err);

/* The same for text already read (len bytes, NUL-terminated); name is for messages. */
int tim_policy_parse(struct tim_policy *p, const char *text, size_t len,
    const char *name, struct tim_err *err);

/* Adds patterns (one a line, gitignore syntax) from an ignore file. */
int tim_policy_load_ignore(struct tim_policy *p, const char *path,
    struct tim_err *err);

int tim_globs_add(struct tim_globs *g, const char *pat);
void tim_globs_release(struct tim_globs *g);

/*
 * One gitignore-style pattern against a path relative to the root ("a/b.txt",
 * no leading "./"): "*" and "?" stay within a name, "**" spans folders, a
 * pattern without a slash matches the name at any depth, a trailing slash
 * matches folders only.
 */
int tim_glob_match(const char *pat, const char *path, int is_dir);

/* The last matching pattern decides; "!" patterns re-include. */
int tim_globs_excluded(const struct tim_globs *g, const char *path,
    int is_dir);

/* Whether path or a folder above it is matched by one of g's patterns. */
int tim_globs_cover(const struct tim_globs *g, const char *path);

#endif
