/*
 * The self-check's pieces a CLI test reaches only roughly: the answers
 * written for next year read back the same, the previous report's scores
 * and answers, the unanswered list, and what the HTML page must hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "selfcheck.h"
#include "tap.h"

/* What a writer wrote, as a string the caller frees. */
static char *
written(int (*fn)(const struct tim_selfcheck *, FILE *), const struct tim_selfcheck *sc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return NULL;
	if (fn(sc, f) < 0)
		text[0] = '\0';
	fclose(f);
	return text;
}

static void
answers_round_trip(void)
{
	struct tim_selfcheck a, b;
	struct tim_err err;
	char *text;
	int i, same = 1;

	tim_selfcheck_init(&a);
	tim_err_clear(&err);
	ok(tim_selfcheck_load(&a, "1 yes 規程 第1条\n2 partial\n4 no\n19 na クラウド不使用\n", "t", &err) == 0,
	    "answers load");
	text = written(tim_selfcheck_write_answers, &a);
	ok(text && strstr(text, "1 yes 規程 第1条\n2 partial\n# 3 unanswered\n4 no\n"), "written as --answers reads them");
	tim_selfcheck_init(&b);
	ok(text && tim_selfcheck_load(&b, text, "saved", &err) == 0, "read back: %s", err.msg);
	for (i = 0; i < TIM_SC_ITEMS; i++)
		same &= a.a[i].value == b.a[i].value && strcmp(a.a[i].note, b.a[i].note) == 0;
	ok(same, "the same answers and evidence");
	free(text);
}

static void
unanswered(void)
{
	struct tim_selfcheck sc;
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_err err;
	int i;

	tim_selfcheck_init(&sc);
	tim_err_clear(&err);
	is_int(tim_selfcheck_unanswered(&sc, &b), 19, "nothing answered: 19");
	tim_buf_reset(&b);
	for (i = 1; i <= TIM_SC_ITEMS; i++)
		if (i != 4 && i != 12)
			sc.a[i - 1].value = TIM_SC_YES;
	is_int(tim_selfcheck_unanswered(&sc, &b), 2, "two left");
	is_str(tim_buf_str(&b), "4, 12", "by number");
	tim_buf_release(&b);
}

static void
previous(void)
{
	struct tim_selfcheck last, now;
	struct tim_err err;
	char *json, *html, *text;

	tim_selfcheck_init(&last);
	tim_err_clear(&err);
	tim_selfcheck_load(&last, "1 no\n3 partial\n13 na\n", "t", &err);
	json = written(tim_selfcheck_write_json, &last);
	tim_selfcheck_init(&now);
	ok(json && tim_selfcheck_load_previous(&now, json, "last.json", &err) == 0, "a JSON report reads back: %s",
	    err.msg);
	ok(now.have_prev, "previous loaded");
	is_int(now.prev_value[0], TIM_SC_NO, "item 1 was no");
	is_int(now.prev_value[1], TIM_SC_UNANSWERED, "item 2 was unanswered");
	is_int(now.prev_value[12], TIM_SC_NA, "item 13 was na");
	ok(now.prev_score[0] == 0, "making rules was 0%%");
	ok(now.prev_score[1] == 50, "practising rules was 50%%");
	ok(now.prev_score[3] < 0, "facilities had nothing answered");
	ok(strlen(now.prev_date) == 10, "its local date");
	tim_selfcheck_load(&now, "1 yes\n", "t", &err);
	snprintf(now.org, sizeof(now.org), "%s", "<株式会社&サンプル>");
	html = written(tim_selfcheck_write_html, &now);
	ok(html && strstr(html, "@page{size:A4"), "print CSS for one A4 sheet");
	ok(html && strstr(html, "&lt;株式会社&amp;サンプル&gt;"), "the organisation, escaped");
	ok(html && strstr(html, "class=\"prev\""), "the previous scores in the chart");
	ok(html && strstr(html, "class=\"sign\"") && strstr(html, "印"), "boxes to sign and seal");
	text = written(tim_selfcheck_write_text, &now);
	ok(text && strstr(text, "前回: いいえ"), "the item's previous answer where it changed");
	ok(text && strstr(text, "ルール作り                100%     0%  +100"), "scores beside each other");
	free(json);
	free(html);
	free(text);
	tim_selfcheck_init(&now);
	ok(tim_selfcheck_load_previous(&now, "{\"tim\":\"ledger\"}", "x.json", &err) < 0 &&
	    strstr(err.msg, "'x.json' is not a self-check report"), "not a report: %s", err.msg);
	ok(tim_selfcheck_load_previous(&now, "{\"tim\":\"selfcheck\",\"time\":\"2026-01-01T00:00:00Z\","
	    "\"items\":[{\"item\":20,\"answer\":\"yes\"}],\"scores\":[]}", "y.json", &err) < 0,
	    "item 20 refused");
	ok(tim_selfcheck_load_previous(&now, "{\"tim\":\"selfcheck\",\"time\":\"2026-01-01T00:00:00Z\","
	    "\"items\":[],\"scores\":[{\"category_en\":\"Cyber\",\"score\":170}]}", "z.json", &err) < 0,
	    "a score over 100%% refused");
	ok(!now.have_prev, "nothing half loaded is shown as previous");
}

int
main(void)
{
	answers_round_trip();
	unanswered();
	previous();
	return tap_done();
}
