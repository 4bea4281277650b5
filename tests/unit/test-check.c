/*
 * tim-check's finer logic: gitignore-style patterns, CMS detection, path
 * escapes, fingerprints, and the pieces of the check called directly: the
 * word scan, the walk over a temporary tree and the rules over it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "check_impl.h"
#include "label.h"
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
	/* Issue 13: any 20-byte file was "sealed" (a 0-byte compare). */
	ok(!tim_check_is_sealed((const unsigned char *)"19 bytes of plain t", 19), "19 bytes of text: not sealed");
	ok(!tim_check_is_sealed((const unsigned char *)"20 bytes of plain te", 20), "20 bytes of text: not sealed");
	ok(!tim_check_is_sealed((const unsigned char *)"21 bytes of plain tex", 21), "21 bytes of text: not sealed");
	ok(!tim_check_is_sealed((const unsigned char *)"-----BEGIN PKCS7----", 20), "20 bytes, PKCS7 marker cut short: not sealed");
	ok(tim_check_is_sealed((const unsigned char *)"-----BEGIN PKCS7-----", 21), "21 bytes, the whole PKCS7 marker: sealed");
	ok(!tim_check_is_sealed((const unsigned char *)"-----BEGIN CMS----", 18), "the CMS marker cut short: not sealed");
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

static void
scan(void)
{
	static const char *const ws[] = { "社外秘", "極秘", "CONFIDENTIAL", "X" };
	struct tim_globs g = { (char **)ws, 3 };
	struct tim_check_words w;
	const unsigned char *t = (const unsigned char *)"plan\nこれは極秘、社外秘\n";
	size_t at = 0;

	tim_check_words_init(&w, &g);
	is_int(w.n, 3, "three words");
	is_int(w.ngroups, 2, "社外秘 and 極秘 end in the same byte: one group");
	is_str(tim_check_words_find(&w, t, strlen((const char *)t), &at), "極秘",
	    "the word that ends first");
	is_int(at, 14, "its offset");
	is_int(tim_check_line_of(t, at), 2, "on line 2");
	ok(tim_check_words_find(&w, t, at + 3, &at) == NULL, "a word cut short is not found");
	ok(tim_check_words_find(&w, (const unsigned char *)"CONFIDENTIAL", 12, &at) != NULL && at == 0,
	    "a word at the very start");
	ok(tim_check_words_find(&w, (const unsigned char *)"秘密", 6, &at) == NULL,
	    "a shared last byte alone is no word");
	g.n = 4;
	tim_check_words_init(&w, &g);
	ok(tim_check_words_find(&w, (const unsigned char *)"aXb", 3, &at) != NULL && at == 1,
	    "a one-byte word");
}

static char tree[] = "/tmp/tim-test-check-XXXXXX";

static void
put(const char *rel, const char *text)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	if (text == NULL) {
		if (mkdir(p, 0700) < 0)
			perror(p);
		return;
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		perror(p);
	if (fd >= 0)
		close(fd);
}

static void
make_tree(void)
{
	char p[512];

	put("a.txt", "plain\n");
	put("app.log", "excluded\n");
	put(".timcheck", "[zone \"c\"]\npath = conf/\ncontrolled = yes\n");
	put(".git", NULL);
	put(".git/config", "[core]\n");
	put("conf", NULL);
	put("conf/x.txt", "no label\n");
	put("pub", NULL);
	put("pub/y.txt", "first\nこの資料は社外秘です\n");
	snprintf(p, sizeof(p), "%s/pub/link", tree);
	if (symlink("/etc/passwd", p) < 0)
		perror(p);
}

static void
load(struct tim_policy *pol, struct tim_label_scheme *s, struct tim_check_opts *o)
{
	static const char text[] = "[check]\nexclude = *.log\n[zone \"c\"]\npath = conf/\ncontrolled = yes\n";
	struct tim_err err;

	tim_policy_init(pol);
	ok(tim_policy_parse(pol, text, strlen(text), "t", &err) == 0, "policy parses");
	tim_label_scheme_default(s);
	memset(o, 0, sizeof(*o));
	o->scheme = s;
	o->policy = pol;
	o->root = tree;
	o->threads = 1;
	o->have_policy = 1;
}

static void
walk(void)
{
	struct tim_label_scheme s;
	struct tim_policy pol;
	struct tim_check_opts o;
	struct tim_check_run run;
	struct tim_check_files w;
	struct tim_err err;
	int rootfd = open(tree, O_RDONLY | O_DIRECTORY);

	load(&pol, &s, &o);
	memset(&run, 0, sizeof(run));
	memset(&w, 0, sizeof(w));
	w.o = &o;
	w.run = &run;
	ok(tim_check_walk_operand(&w, rootfd, tree, tree, &err) == 0, "the whole tree walks");
	is_int(w.n, 3, "three files: no .git, no excluded name, no .timcheck, no link");
	if (w.n == 3) {
		is_str(w.e[0].rel, "a.txt", "sorted, relative to the root");
		is_str(w.e[1].rel, "conf/x.txt", "into folders");
		is_str(w.e[2].rel, "pub/y.txt", "in name order");
	}
	is_int(run.skipped, 1, "the symbolic link is counted, not followed");
	is_int(run.nerrors, 0, "no errors");
	tim_check_files_release(&w);
	w.o = &o;
	w.run = &run;
	ok(chdir(tree) == 0 && tim_check_walk_operand(&w, rootfd, tree, "pub", &err) == 0,
	    "one folder walks");
	is_int(w.n, 1, "only what lies in it");
	if (w.n == 1)
		is_str(w.e[0].rel, "pub/y.txt", "still relative to the root");
	tim_check_files_release(&w);
	w.o = &o;
	w.run = &run;
	ok(tim_check_walk_operand(&w, rootfd, tree, "/etc", &err) < 0, "outside the tree is refused");
	tim_check_files_release(&w);
	tim_check_run_release(&run);
	tim_policy_release(&pol);
	close(rootfd);
}

static void
rules(void)
{
	struct tim_label_scheme s;
	struct tim_policy pol;
	struct tim_check_opts o;
	struct tim_check_run run;
	struct tim_report rep;
	struct tim_err err;

	load(&pol, &s, &o);
	memset(&run, 0, sizeof(run));
	tim_report_init(&rep, tim_check_rules, TIM_CHECK_NRULES);
	ok(tim_check_tree(&o, NULL, 0, &rep, &run, &err) == 0, "the tree checks");
	tim_report_sort(&rep);
	is_int(run.files, 3, "three files checked");
	is_int(rep.n, 2, "two findings");
	if (rep.n == 2) {
		is_int(rep.f[0].rule, TIM_RULE_UNMARKED, "unmarked in the controlled zone");
		is_str(rep.f[0].path, "conf/x.txt", "... conf/x.txt");
		is_int(rep.f[1].rule, TIM_RULE_LABEL_WORD, "a label word in an unmarked file");
		is_int(rep.f[1].line, 2, "... on its line");
	}
	tim_report_release(&rep);
	tim_check_run_release(&run);
	o.unmarked = 1;
	tim_report_init(&rep, tim_check_rules, TIM_CHECK_NRULES);
	ok(tim_check_tree(&o, NULL, 0, &rep, &run, &err) == 0, "--unmarked checks");
	is_int(run.nunmarked, 1, "under a policy only the controlled zone's unmarked files");
	if (run.nunmarked == 1)
		is_str(run.unmarked[0], "conf/x.txt", "named as the operand names it");
	tim_report_release(&rep);
	tim_check_run_release(&run);
	tim_policy_release(&pol);
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(tree) == NULL) {
		perror("mkdtemp");
		return 3;
	}
	make_tree();
	globs();
	cms();
	paths();
	fingerprints();
	selfcheck();
	scan();
	walk();
	rules();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	if (system(cmd) != 0)
		return 3;
	return tap_done();
}
