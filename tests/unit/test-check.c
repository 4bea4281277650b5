/* tim-check's finer logic: gitignore-style patterns, CMS detection, path escapes, fingerprints. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "policy.h"
#include "report.h"
#include "selfcheck.h"
#include "tap.h"

static void
globs(void)
{
	struct tim_globs g = { NULL, 0 };

	ok(tim_glob_match("confidential/**", "confidential/a/b.txt", 0), "** spans folders");
	ok(!tim_glob_match("confidential/**", "public/a.txt", 0), "** stays under its folder");
	ok(tim_glob_match("*.tmp", "a/b/c.tmp", 0), "no slash: the name at any depth");
	ok(!tim_glob_match("/*.tmp", "a/c.tmp", 0), "leading slash anchors at the root");
	ok(tim_glob_match("/*.tmp", "c.tmp", 0), "anchored match at the root");
	ok(tim_glob_match("build/", "x/build", 1), "trailing slash: a folder at any depth");
	ok(!tim_glob_match("build/", "build", 0), "trailing slash: not a file");
	ok(tim_glob_match("docs/**/*.md", "docs/a/b/c.md", 0), "** between names");
	ok(tim_glob_match("docs/**/*.md", "docs/c.md", 0), "** matches no folder too");
	ok(!tim_glob_match("a/*.md", "a/b/c.md", 0), "* stays within a name");
	ok(tim_glob_match("【社外秘】*", "x/【社外秘】図面.pdf", 0), "UTF-8 names");

	tim_globs_add(&g, "out/");
	tim_globs_add(&g, "*.log");
	tim_globs_add(&g, "!keep.log");
	ok(tim_globs_excluded(&g, "a/b.log", 0), "excluded by a pattern");
	ok(!tim_globs_excluded(&g, "a/keep.log", 0), "re-included by a later !pattern");
	ok(tim_globs_excluded(&g, "out", 1), "folder excluded");
	tim_globs_release(&g);

	tim_globs_add(&g, "confidential/");
	ok(tim_globs_cover(&g, "confidential/x/y.txt"), "a zone covers what lies below a folder it matches");
	ok(!tim_globs_cover(&g, "confidentiality.txt"), "only whole names");
	tim_globs_release(&g);
}

static void
cms(void)
{
	static const unsigned char env[] = { 0x30, 0x82, 0x01, 0x00, 0x06, 0x09, 0x2a, 0x86,
	    0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03, 0xa0 };
	static const unsigned char auth[] = { 0x30, 0x80, 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86,
	    0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17, 0xa0 };
	static const unsigned char signed_[] = { 0x30, 0x82, 0x01, 0x00, 0x06, 0x09, 0x2a, 0x86,
	    0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0 };

	ok(tim_check_is_sealed(env, sizeof(env)), "EnvelopedData, definite length");
	ok(tim_check_is_sealed(auth, sizeof(auth)), "AuthEnvelopedData, indefinite length");
	ok(!tim_check_is_sealed(signed_, sizeof(signed_)), "SignedData is not sealed");
	ok(!tim_check_is_sealed(env, 8), "cut short");
	ok(tim_check_is_sealed((const unsigned char *)"-----BEGIN CMS-----\n", 20), "PEM");
	ok(!tim_check_is_sealed((const unsigned char *)"hello world, plain", 18), "plain text");
}

static void
paths(void)
{
	struct tim_buf b = TIM_BUF_INIT;

	ok(tim_utf8_clean("設計/図面.pdf"), "UTF-8 is clean");
	ok(!tim_utf8_clean("a\377b"), "a stray byte is not");
	ok(!tim_utf8_clean("a\nb"), "nor a control character");
	ok(!tim_utf8_clean("\xed\xa0\x80"), "nor a surrogate");
	tim_path_display(&b, "a\377\nb");
	is_str(tim_buf_str(&b), "a\\xff\\x0ab", "escaped for display");
	tim_buf_reset(&b);
	tim_path_uri(&b, "docs/社 x%.txt");
	is_str(tim_buf_str(&b), "docs/%E7%A4%BE%20x%25.txt", "percent-encoded URI");
	tim_buf_release(&b);
}

static void
fingerprints(void)
{
	struct tim_report r;

	tim_report_init(&r, tim_check_rules, TIM_CHECK_NRULES);
	tim_report_add(&r, TIM_RULE_LABEL_WORD, "a.txt", 3, "社外秘", "message one");
	tim_report_add(&r, TIM_RULE_LABEL_WORD, "a.txt", 9, "社外秘", "message two");
	tim_report_add(&r, TIM_RULE_LABEL_WORD, "b.txt", 3, "社外秘", "message one");
	is_int(r.n, 3, "three findings");
	is_str(r.f[0].fingerprint, r.f[1].fingerprint, "line and message do not change the fingerprint");
	ok(strcmp(r.f[0].fingerprint, r.f[2].fingerprint) != 0, "the path does");
	r.severity[TIM_RULE_DISAGREE] = TIM_SEV_NONE;
	tim_report_add(&r, TIM_RULE_DISAGREE, "a.txt", 0, "", "off");
	is_int(r.n, 3, "a rule switched off adds nothing");
	is_int(tim_report_worst(&r), TIM_SEV_WARNING, "worst severity");
	tim_report_release(&r);
}

static void
selfcheck(void)
{
	struct tim_selfcheck sc;
	struct tim_err err;
	double s[TIM_SC_CATS];
	int i;

	is_int(sizeof(tim_sc_items) / sizeof(tim_sc_items[0]), 19, "19 items");
	for (i = 0; i < TIM_SC_ITEMS; i++)
		if (tim_sc_items[i].no != i + 1 || tim_sc_items[i].cats == 0 ||
		    strncmp(tim_sc_items[i].clause, "基準告示 ", 13) != 0)
			break;
	is_int(i, TIM_SC_ITEMS, "numbered in order, each with a category and a clause");
	tim_selfcheck_init(&sc);
	ok(tim_selfcheck_load(&sc, "1 yes\n3 partial note\n8 no\n", "t", &err) == 0, "answers load");
	tim_selfcheck_scores(&sc, s);
	is_int((int)s[0], 100, "making rules: item 1 yes");
	is_int((int)s[1], 50, "practising rules: item 3 partial");
	ok(s[3] < 0, "facilities: nothing answered");
	is_str(sc.a[2].note, "note", "the evidence text");
	ok(!tim_selfcheck_complete(&sc), "not complete");
}

int
main(void)
{
	globs();
	cms();
	paths();
	fingerprints();
	selfcheck();
	return tap_done();
}
