#ifndef TIM_SELFCHECK_H
#define TIM_SELFCHECK_H

#include <stdio.h>

struct tim_buf;
struct tim_err;

/*
 * The 19 items of the self-check list (技術情報管理 自己チェックリスト,
 * seeds/000): each with the clause of the notice it maps to and the
 * categories of the list's radar chart. Answers come from a file or a
 * person; evidence tim gathers itself (a ledger that verifies, a clean
 * tree, host checks) is shown beside the answer.
 */

#define TIM_SC_ITEMS 19
#define TIM_SC_CATS 8

enum { TIM_SC_UNANSWERED = -1, TIM_SC_NO = 0, TIM_SC_PARTIAL = 1,
    TIM_SC_YES = 2, TIM_SC_NA = 3 };

struct tim_sc_item {
	int no;
	const char *clause;	/* "基準告示 I 第二 1" */
	unsigned cats;		/* bits of the categories */
	const char *ja, *en;	/* the item; ja is the list's own wording */
};

extern const struct tim_sc_item tim_sc_items[TIM_SC_ITEMS];
/* The radar chart's categories, in the list's order. */
extern const char *const tim_sc_cat_ja[TIM_SC_CATS];
extern const char *const tim_sc_cat_en[TIM_SC_CATS];

struct tim_sc_answer {
	int value;		/* TIM_SC_* */
	char note[512];		/* the answerer's evidence */
	char evidence[512];	/* what tim found, or "" */
	int evidence_ok;	/* 1 supports, -1 contradicts, 0 none */
};

struct tim_selfcheck {
	struct tim_sc_answer a[TIM_SC_ITEMS];
	int lang_en;		/* 0 Japanese, 1 English */
	char when[21];		/* RFC 3339 UTC, for machines (JSON) */
	char when_local[32];	/* local time with its offset, for people */
	char date_local[11];	/* the local date the answers were given */
	char host[256];
	char org[256];		/* the organisation, or "" */
	char respondent[256];	/* who answered, or "" */
	/* The previous report (--previous FILE.json), for the yearly review. */
	int have_prev;
	char prev_date[11];	/* its local date */
	double prev_score[TIM_SC_CATS];	/* -1: no answered item */
	int prev_value[TIM_SC_ITEMS];	/* TIM_SC_*, TIM_SC_UNANSWERED */
};

void tim_selfcheck_init(struct tim_selfcheck *sc);

/*
 * "yes", "no", "partial", "na" (and y, n, p, はい, いいえ, 一部, 該当なし);
 * the TIM_SC_* value, or -2 when the word is none of them.
 */
int tim_selfcheck_parse_value(const char *word);

/*
 * Reads answers, one line an item: number, answer, optional evidence text,
 * separated by blanks, commas, colons or tabs; '#' comments. A number out of
 * range, a repeated item or an unknown answer is an error naming the line.
 */
int tim_selfcheck_load(struct tim_selfcheck *sc, const char *text,
    const char *file, struct tim_err *err);

/*
 * Reads the previous report, as tim_selfcheck_write_json wrote it: its date,
 * category scores and answers, shown beside this one. Anything else (not a
 * self-check report, a score out of range) is an error naming the file.
 */
int tim_selfcheck_load_previous(struct tim_selfcheck *sc, const char *text,
    const char *file, struct tim_err *err);

/* The unanswered items' numbers, "4, 5, 12", into b; how many there are. */
int tim_selfcheck_unanswered(const struct tim_selfcheck *sc, struct tim_buf *b);

/*
 * The answers in the format tim_selfcheck_load reads, so that this year's
 * answers are next year's starting point; unanswered items as comments.
 */
int tim_selfcheck_write_answers(const struct tim_selfcheck *sc, FILE *f);

/* Adds evidence tim gathered to item no (1-based). */
void tim_selfcheck_evidence(struct tim_selfcheck *sc, int no, int ok,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Category scores in percent (yes 1, partial 0.5, no 0; na and unanswered
 * left out), -1 for a category without answered items.
 */
void tim_selfcheck_scores(const struct tim_selfcheck *sc,
    double score[TIM_SC_CATS]);

/* 1 when every item is yes or na and no evidence contradicts an answer. */
int tim_selfcheck_complete(const struct tim_selfcheck *sc);

int tim_selfcheck_write_text(const struct tim_selfcheck *sc, FILE *f);
int tim_selfcheck_write_json(const struct tim_selfcheck *sc, FILE *f);
/*
 * One self-contained page that prints on one A4 sheet: inline CSS with
 * @page A4, the organisation, respondent and date, the item table, an SVG
 * radar chart (with the previous report's scores when loaded) and a block
 * for signatures and seals (押印).
 */
int tim_selfcheck_write_html(const struct tim_selfcheck *sc, FILE *f);

/* A short form of the item for prompts, in the language asked for. */
const char *tim_selfcheck_title(const struct tim_selfcheck *sc, int i);
const char *tim_selfcheck_value_name(const struct tim_selfcheck *sc, int v);

#endif
