/*
 * libtim's registers as an office runs them: Excel's dates, the end-of-
 * ledger link check, ref= links, per-kind rules, what is outstanding, the
 * chain tail a reader checks, receipts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "hash.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "ledger_json.h"
#include "note.h"
#include "util.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-ledger-office-XXXXXX";

static const char *
path(const char *name)
{
	static char p[2][256];
	static int i;

	i = !i;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static int
add(struct tim_ledger *l, const char *kind, const char *json, uint64_t *seq,
    struct tim_err *err)
{
	json_t *f = json_loads(json, 0, NULL);
	int r;

	tim_err_clear(err);
	r = tim_ledger_append(l, kind, f, seq, err);
	json_decref(f);
	return r;
}

static void
test_time_parse(void)
{
	time_t a, b;

	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	ok(tim_ledger_time_parse("2026/11/30 9:05", 0, &a) == 0 &&
	    tim_time_parse("2026-11-30T00:05:00Z", 0, &b) == 0 && a == b,
	    "Excel's 2026/11/30 9:05 is local time");
	ok(tim_ledger_time_parse("2026/11/30", 1, &a) == 0 &&
	    tim_time_parse("2026-11-30T14:59:59Z", 0, &b) == 0 && a == b,
	    "a bare Excel date ends at the last second of the local day");
	ok(tim_ledger_time_parse("2026/11/30 9:05:07", 0, &a) == 0, "with seconds");
	ok(tim_ledger_time_parse("2026/13/30", 0, &a) < 0, "month 13 is refused");
	ok(tim_ledger_time_parse("2026/11/30 9:05x", 0, &a) < 0, "trailing text is refused");
	ok(tim_ledger_time_parse("yesterday", 0, &a) < 0, "words are refused");
	unsetenv("TZ");
	tzset();
}

static void
test_line_prev(void)
{
	unsigned char h[TIM_SHA256_LEN];
	const char good[] = "{\"seq\":1,\"prev\":\""
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}";

	ok(tim_ledger_line_prev(good, strlen(good), h) == 0 && h[0] == 0x00 && h[31] == 0xff,
	    "prev read from the tail of a line");
	ok(tim_ledger_line_prev(good, strlen(good) - 1, h) < 0, "a cut line has none");
	ok(tim_ledger_line_prev("{\"seq\":1}", 9, h) < 0, "a line without prev has none");
}

static void
test_links(void)
{
	struct tim_ledger *l;
	struct tim_err err;
	uint64_t seq = 0;

	tim_err_clear(&err);
	ok(tim_ledger_create(path("l.tim"), "test/l", &err) == 0, "create");
	ok(tim_ledger_open(&l, path("l.tim"), TIM_LEDGER_NOSYNC, &err) == 0, "open");
	ok(add(l, "takeout", "{\"item\":\"a\",\"to\":\"b\"}", &seq, &err) == 0 && seq == 1, "takeout 1");
	ok(add(l, "note", "{\"text\":\"x\"}", &seq, &err) == 0 && seq == 2, "note 2");
	ok(add(l, "return", "{\"item\":\"a\",\"ref\":\"1\"}", &seq, &err) == 0 && seq == 3,
	    "a return answers the takeout");
	ok(add(l, "return", "{\"item\":\"a\",\"ref\":\"2\"}", &seq, &err) < 0 &&
	    err.kind == TIM_ERR_INVALID && strstr(err.msg, "'note' record"),
	    "a return cannot answer a note: %s", err.msg);
	ok(add(l, "return", "{\"item\":\"a\",\"ref\":4}", &seq, &err) < 0 &&
	    strstr(err.msg, "does not name an earlier record"), "a ref to the future is refused");
	ok(add(l, "approve", "{\"item\":\"a\",\"action\":\"takeout\",\"ref\":1}", &seq, &err) == 0,
	    "an approval of the takeout, ref as an integer");
	ok(add(l, "takeout", "{\"item\":\"a\",\"to\":\"b\",\"at\":\"2999-01-01\"}", &seq, &err) < 0 &&
	    strstr(err.msg, "in the future"), "at= in the future is refused");
	tim_ledger_close(l);
}

static void
test_rules_and_outstanding(void)
{
	struct tim_config *cfg = tim_config_new();
	struct tim_ledger_rules *rules = NULL;
	struct tim_ledger_out *v = NULL;
	struct tim_ledger *l;
	struct tim_err err;
	uint64_t seq, broken;
	size_t n;
	const char *const *extra;

	tim_err_clear(&err);
	tim_config_set(cfg, "kind takeout", "require", "by, until");
	tim_config_set(cfg, "kind takeout", "require-approval", "yes");
	tim_config_set(cfg, "kind takeout", "unapproved", "refuse");
	ok(tim_ledger_rules_load(&rules, cfg, &err) == 0, "rules load: %s", err.msg);
	is_int(tim_ledger_rules_required(rules, "takeout", &extra), 2, "two more fields");
	is_str(extra[1], "until", "in order");
	is_int(tim_ledger_rules_approval(rules, "takeout"), TIM_LEDGER_APPROVAL_REFUSE, "refuse");
	is_int(tim_ledger_rules_approval(rules, "copy"), TIM_LEDGER_APPROVAL_NONE, "other kinds unchanged");
	ok(tim_ledger_create(path("o.tim"), "test/o", &err) == 0, "create");
	ok(tim_ledger_open(&l, path("o.tim"), TIM_LEDGER_NOSYNC, &err) == 0, "open");
	tim_ledger_set_rules(l, rules);
	ok(add(l, "takeout", "{\"item\":\"a\",\"to\":\"b\",\"by\":\"x\"}", &seq, &err) < 0 &&
	    strstr(err.msg, "'until'"), "the required until is missing");
	ok(add(l, "takeout", "{\"item\":\"a\",\"to\":\"b\",\"by\":\"x\",\"until\":\"2020-01-01\"}", &seq, &err) < 0 &&
	    err.kind == TIM_ERR_REFUSED, "refused without an approval");
	ok(add(l, "approve", "{\"item\":\"a\",\"action\":\"takeout\"}", &seq, &err) == 0 && seq == 1, "approve 1");
	ok(add(l, "takeout", "{\"item\":\"a\",\"to\":\"b\",\"by\":\"x\",\"until\":\"2020-01-01\",\"ref\":\"1\"}", &seq, &err) == 0 &&
	    seq == 2, "takeout 2 with its approval");
	ok(add(l, "lend", "{\"item\":\"key\",\"to\":\"c\",\"until\":\"2099-01-01\"}", &seq, &err) == 0 && seq == 3, "lend 3");
	ok(add(l, "lend", "{\"item\":\"key2\",\"to\":\"c\"}", &seq, &err) == 0 && seq == 4, "lend 4");
	ok(add(l, "return", "{\"item\":\"key2\"}", &seq, &err) == 0, "return without ref");
	tim_ledger_close(l);
	ok(tim_ledger_outstanding(path("o.tim"), rules, time(NULL), &v, &n, &broken, &err) == 0,
	    "outstanding");
	is_int(n, 2, "two still out");
	ok(n == 2 && v[0].seq == 2 && v[0].overdue && !v[0].pending && v[1].seq == 3 && !v[1].overdue,
	    "the overdue one first");
	is_int(broken, 0, "the chain holds");
	tim_ledger_outstanding_free(v, n);
	tim_ledger_rules_free(rules);
	tim_config_set(cfg, "kind takout", "require", "by");
	ok(tim_ledger_rules_load(&rules, cfg, &err) < 0 && strstr(err.msg, "takout"),
	    "an unknown kind in a section is named");
	tim_config_free(cfg);
}

static void
test_tail_check(void)
{
	struct tim_ledger *l;
	struct tim_err err;
	struct tim_buf b = TIM_BUF_INIT;
	uint64_t seq;
	char *p;
	FILE *f;

	tim_err_clear(&err);
	ok(tim_read_file(path("l.tim"), 1 << 20, 0, &b, &err) == 0, "read");
	/* Change a byte of the record before the last (seq 3): "a" -> "A". */
	p = strstr(b.buf, "\"seq\":3");
	p = p ? strstr(p, "\"item\":\"a\"") : NULL;
	ok(p != NULL, "found the record");
	if (p)
		p[8] = 'A';
	f = fopen(path("l.tim"), "w");
	fwrite(b.buf, 1, b.len, f);
	fclose(f);
	ok(tim_ledger_open(&l, path("l.tim"), TIM_LEDGER_NOSYNC, &err) == 0, "open");
	ok(add(l, "note", "{\"text\":\"after\"}", &seq, &err) < 0 && err.kind == TIM_ERR_REFUSED &&
	    strstr(err.msg, "does not verify at its end"), "append refuses: %s", err.msg);
	tim_ledger_close(l);
	tim_buf_release(&b);
}

/*
 * The fast scan of verify must never accept what jansson refuses, and must
 * see the same members: compared on hand-made lines and on many random
 * mutations of a record line.
 */
static int
same_as_jansson(const char *line, size_t len)
{
	struct tim_ledger_scan sc;
	json_t *o, *v;
	int r, fine = 1;

	r = tim_ledger_scan_record(line, len, &sc);
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (r == 1) {
		if (!json_is_object(o))
			fine = 0;
		else {
			v = json_object_get(o, "seq");
			if (sc.has_seq != json_is_integer(v) ||
			    (sc.has_seq && sc.seq != json_integer_value(v)))
				fine = 0;
			v = json_object_get(o, "prev");
			if (sc.has_prev != (json_is_string(v) && json_string_length(v) == 64) ||
			    (sc.has_prev && strcmp(sc.prev, json_string_value(v)) != 0))
				fine = 0;
			v = json_object_get(o, "time");
			if (sc.has_time && (!json_is_string(v) || strcmp(sc.time, json_string_value(v)) != 0))
				fine = 0;
			if (sc.has_kind != json_is_string(json_object_get(o, "kind")) ||
			    sc.has_actor != json_is_string(json_object_get(o, "actor")) ||
			    sc.has_host != json_is_string(json_object_get(o, "host")))
				fine = 0;
		}
	}
	json_decref(o);
	if (!fine)
		printf("# scan and jansson disagree on: %.*s\n", (int)len, line);
	return fine;
}

static void
test_scan(void)
{
	static const char *const lines[] = {
		"{\"seq\":1,\"time\":\"2026-12-01T00:00:00Z\",\"kind\":\"note\",\"actor\":\"a\",\"host\":\"h\",\"text\":\"x\",\"prev\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}",
		"{\"seq\":1,\"seq\":2}", "{\"a\":{\"b\":1,\"b\":2}}", "{\"a\":{\"b\":1},\"c\":{\"b\":2}}",
		"{\"a\":[{\"b\":1},{\"b\":1}]}", "[1]", "\"x\"", "1", "null", "{}", "{} {}", "{}x",
		"{\"seq\":99999999999999999999}", "{\"seq\":1e999}", "{\"seq\":1.0}", "{\"seq\":-0}",
		"{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\xff\"}", "{\"a\":\"\xc3\xa9\"}",
		"{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":true,}", "{,}",
		"{\"a\":1 /* c */}", "{\"a\":\"\t\"}", "{\"seq\":\"1\"}", "{\"kind\":1,\"actor\":null}",
		"{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
		"{}\"", "{\"a\":1}tru", "{\"a\":1}\"}", "{\"a\":1} \t", "{\"a\":1}[",
		"{\"a\":\"\xed\xa4\x96\"}", "{\"a\":\"\xc0\x80\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
		"{\"a\":\"\xe0\x80\x80\"}", "{\"a\":\"x\x01\"}", "{\"a\":\"\x7f\"}", "{\"\xed\xa0\x80\":1}", "{\"\":1,\"\":2}", "{\"a\\n\":1,\"a\\u000a\":2}",
	};
	char buf[512];
	size_t i, k;
	static const char alphabet[] = "{}[]\":,\\01eE.-+ tnrufalsx\x80\xc3";
	unsigned seed = 12345;
	size_t accepted = 0;
	int fine = 1;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		fine &= same_as_jansson(lines[i], strlen(lines[i]));
	ok(fine, "hand-made lines: the scan accepts nothing jansson refuses, and sees the same members");
	{
		struct tim_ledger_scan sc;

		ok(tim_ledger_scan_record(lines[0], strlen(lines[0]), &sc) == 1 && sc.has_seq &&
		    sc.seq == 1 && sc.has_prev && sc.has_time && sc.has_kind, "a record line is scanned");
		ok(tim_ledger_scan_record(lines[1], strlen(lines[1]), &sc) == 0 &&
		    tim_ledger_scan_record(lines[2], strlen(lines[2]), &sc) == 0 &&
		    tim_ledger_scan_record(lines[3], strlen(lines[3]), &sc) == 1,
		    "duplicate names are refused at every depth, the same name in two objects is not");
	}
	for (i = 0; i < 200000 && fine; i++) {
		size_t len = strlen(lines[0]);

		memcpy(buf, lines[0], len);
		for (k = 0; k < 1 + i % 3; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % len] = alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
		}
		fine &= same_as_jansson(buf, len);
		if (tim_ledger_scan_record(buf, len, &(struct tim_ledger_scan){ 0 }))
			accepted++;
	}
	ok(fine && accepted > 1000, "200000 mutated record lines: the same (%zu valid ones)", accepted);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_time_parse();
	test_line_prev();
	test_links();
	test_rules_and_outstanding();
	test_tail_check();
	test_scan();
	unlink(path("l.tim"));
	unlink(path("o.tim"));
	rmdir(dir);
	return tap_done();
}
