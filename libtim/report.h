#ifndef TIM_REPORT_H
#define TIM_REPORT_H

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

struct tim_buf;
struct tim_err;

/*
 * Findings of a check and the writers that present them: text for people,
 * JSON lines, SARIF 2.1.0 for code scanning and JUnit XML for CI dashboards.
 * A finding names a rule (which carries the clause of the notice it serves),
 * a path relative to the tree root, an optional line and a message. Its
 * fingerprint hashes the rule, the path and a stable key (never the
 * translated message or a line number), so a baseline survives edits above
 * the finding and a change of language.
 */

enum { TIM_SEV_NONE = 0, TIM_SEV_NOTE = 1, TIM_SEV_WARNING = 2, TIM_SEV_ERROR = 3 };

/* A rule; the texts are English msgids, shown through _(). */
struct tim_rule {
	const char *id;		/* "unmarked-controlled" */
	const char *name;	/* "UnmarkedControlled", for SARIF */
	const char *clause;	/* "告示 I 第二 1" */
	int severity;		/* default TIM_SEV_* */
	const char *title;	/* one line */
	const char *help;	/* what to do about it */
};

struct tim_finding {
	size_t rule;		/* index into the rule table */
	int severity;
	char *path;		/* bytes as on disk, relative to the root */
	unsigned long line;	/* 1-based, 0 when the finding is about the file */
	char *message;		/* for people, already translated */
	char fingerprint[65];	/* hex SHA-256 */
	int baselined;		/* accepted by the baseline: not shown, not counted */
};

struct tim_report {
	const struct tim_rule *rules;
	size_t nrules;
	int *severity;		/* per rule: the severity in force, TIM_SEV_NONE = off */
	struct tim_finding *f;
	size_t n, alloc;
	size_t checked;		/* files looked at, for the summary */
	size_t baselined;
	int failed;		/* an allocation failed: the report is incomplete */
	pthread_mutex_t lock;	/* add may be called from worker threads */
};

enum { TIM_FORMAT_TEXT, TIM_FORMAT_JSON, TIM_FORMAT_SARIF, TIM_FORMAT_JUNIT };

int tim_report_init(struct tim_report *r, const struct tim_rule *rules,
    size_t nrules);
void tim_report_release(struct tim_report *r);

/* The rule's index by id, or -1. */
int tim_report_rule_find(const struct tim_report *r, const char *id);

/*
 * Adds a finding for rule (an index) unless that rule is switched off. key
 * is the stable part of what was found (a level, a word) that goes into the
 * fingerprint with the rule and path; fmt makes the message. Thread-safe.
 */
int tim_report_add(struct tim_report *r, size_t rule, const char *path,
    unsigned long line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Sorts by path, then rule, then line: output is the same run after run. */
void tim_report_sort(struct tim_report *r);

/*
 * Marks the findings whose fingerprints are in the baseline file. The file
 * is what tim_report_baseline_write writes: JSON with a "fingerprints" array
 * of strings or of objects holding "fingerprint".
 */
int tim_report_baseline_load(struct tim_report *r, const char *path,
    struct tim_err *err);
/* Writes every current finding's fingerprint (atomically, via rename). */
int tim_report_baseline_write(const struct tim_report *r, const char *path,
    struct tim_err *err);

/* The highest severity among the findings not accepted by the baseline. */
int tim_report_worst(const struct tim_report *r);
/* How many findings are shown (not baselined). */
size_t tim_report_count(const struct tim_report *r, int severity);

/* "error", "warning", "note", "none" and back; -1 for an unknown name. */
const char *tim_severity_name(int sev);
int tim_severity_parse(const char *s);
/* "text", "json", "sarif", "junit"; -1 for an unknown name. */
int tim_report_format_parse(const char *s);

struct tim_report_opts {
	int format;		/* TIM_FORMAT_* */
	int color;		/* text: ANSI colours */
	int quiet;		/* text: no summary line */
	const char *root;	/* SARIF: the tree root, for originalUriBaseIds */
	const char *tool;	/* "tim-check" */
};

/* Writes the report to f in the format asked for; -1 on a write error. */
int tim_report_write(const struct tim_report *r,
    const struct tim_report_opts *o, FILE *f, struct tim_err *err);

/*
 * JUnit XML, the one writer for every report CI dashboards read (the tree's
 * rules, the host's checks): a <testsuites> holding one <testsuite> named
 * suite, a <testcase> per check, counts, timestamp and host name.
 */
enum { TIM_JUNIT_PASS, TIM_JUNIT_FAILURE, TIM_JUNIT_SKIPPED };

struct tim_junit_case {
	const char *classname;	/* the clause it serves */
	const char *name;
	int status;		/* TIM_JUNIT_* */
	const char *message;	/* failure or skipped: its message attribute */
	const char *type;	/* failure: its type attribute, or NULL */
	const char *text;	/* failure: its body, or NULL */
	const char *output;	/* <system-out>, or NULL */
};

/* Writes the cases to f; -1 when the XML cannot be made or written. */
int tim_junit_write(FILE *f, const char *suite, const struct tim_junit_case *c,
    size_t n);

/*
 * Path helpers for names that are not valid UTF-8 (Linux names are bytes):
 * 1 when s is valid UTF-8 without control characters.
 */
int tim_utf8_clean(const char *s);
/* Control characters and invalid bytes as \xNN, for text, XML and JSON. */
int tim_path_display(struct tim_buf *out, const char *path);
/* RFC 3986 relative reference: every byte but unreserved ones and '/' as %XX. */
int tim_path_uri(struct tim_buf *out, const char *path);

#endif
