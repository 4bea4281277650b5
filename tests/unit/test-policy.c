/*
 * libtim policy.c: the .timcheck patterns and the policy file. Matching must
 * stay linear in pattern x path (issue 18: "**" twenty times took 15 s at
 * depth 12), agree with the fnmatch-based reference on everything small, and
 * a refused policy file must leave nothing allocated (LeakSanitizer).
 */
#include <fnmatch.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "policy.h"
#include "tap.h"

/* The matcher before issue 18, exponential, kept as the reference. */
static int
ref_segs(char **ps, size_t np, char **xs, size_t nx)
{
	size_t k;

	if (np == 0)
		return nx == 0;
	if (strcmp(ps[0], "**") == 0) {
		for (k = 0; k <= nx; k++)
			if (ref_segs(ps + 1, np - 1, xs + k, nx - k))
				return 1;
		return 0;
	}
	if (nx == 0 || fnmatch(ps[0], xs[0], 0) != 0)
		return 0;
	return ref_segs(ps + 1, np - 1, xs + 1, nx - 1);
}

static size_t
ref_split(char *s, char **out)
{
	size_t n = 0;
	char *p = s, *e;

	while (*p) {
		e = strchr(p, '/');
		if (e)
			*e = '\0';
		if (*p)
			out[n++] = p;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return n;
}

static int
ref_match(const char *pat, const char *path, int is_dir)
{
	char pc[64], xc[64], *ps[40], *xs[40];
	size_t np, nx, len = strlen(pat), off = 0;
	int anchored;

	if (len == 0)
		return 0;
	if (pat[len - 1] == '/') {
		if (!is_dir)
			return 0;
		len--;
	}
	anchored = memchr(pat, '/', len) != NULL;
	if (pat[0] == '/')
		off = 1;
	snprintf(pc, sizeof(pc), "%.*s", (int)(len - off), pat + off);
	snprintf(xc, sizeof(xc), "%s", path);
	if (anchored) {
		np = ref_split(pc, ps);
	} else {
		ps[0] = (char *)"**";
		np = 1 + ref_split(pc, ps + 1);
	}
	nx = ref_split(xc, xs);
	return np > 0 && ref_segs(ps, np, xs, nx);
}

static void
semantics(void)
{
	ok(tim_glob_match("a*b*c", "axxbyyc", 0), "several stars in a name");
	ok(!tim_glob_match("a*b*c", "axxbyy", 0), "... and their failure");
	ok(tim_glob_match("*.[ch]", "src/x.h", 0), "bracket expression");
	ok(!tim_glob_match("*.[!ch]", "src/x.h", 0), "negated bracket expression");
	ok(tim_glob_match("[[:digit:]]*.txt", "7days.txt", 0), "character class");
	ok(tim_glob_match("\\*.txt", "*.txt", 0), "escaped star is literal");
	ok(!tim_glob_match("\\*.txt", "a.txt", 0), "... and only itself");
	ok(tim_glob_match("[a.txt", "[a.txt", 0), "an unclosed [ is literal");
	ok(tim_glob_match("?秘.txt", "x/極秘.txt", 0), "? takes one UTF-8 character");
	ok(!tim_glob_match("?.txt", "x/極秘.txt", 0), "... not two");
	ok(tim_glob_match("[極社]秘*", "極秘図面.pdf", 0), "UTF-8 inside brackets");
	ok(tim_glob_match("a/**/b/**/c", "a/x/b/y/z/c", 0), "two ** in a row of folders");
	ok(!tim_glob_match("a/**/b/**/c", "a/x/y/z/c", 0), "... each needs its name");
}

/* Every pattern and path over a small alphabet agrees with the reference. */
static void
differential(void)
{
	static const char *const pe[] = { "a", "b", "*", "?", "[ab]", "[!a]", "**", "/", "\\a" };
	static const char *const xe[] = { "a", "b", "ab", "/", "/" };
	char pat[64], path[64];
	unsigned seed = 18;
	int i, j, n, bad = 0, tried = 0, dir;

	for (i = 0; i < 200000; i++) {
		pat[0] = path[0] = '\0';
		n = 1 + (int)(rand_r(&seed) % 6);
		for (j = 0; j < n; j++)
			strcat(pat, pe[rand_r(&seed) % 9]);
		n = 1 + (int)(rand_r(&seed) % 6);
		for (j = 0; j < n; j++)
			strcat(path, xe[rand_r(&seed) % 5]);
		if (path[0] == '/')
			continue;
		dir = (int)(rand_r(&seed) & 1);
		tried++;
		if (tim_glob_match(pat, path, dir) != ref_match(pat, path, dir)) {
			if (bad++ < 5)
				printf("# differs: '%s' '%s' dir=%d: got %d\n", pat, path,
				    dir, tim_glob_match(pat, path, dir));
		}
	}
	ok(bad == 0 && tried > 100000, "%d random patterns agree with the fnmatch reference", tried);
}

static void
on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "not ok - matching still running after 20 s: exponential\n";

	fflush(stdout);
	if (write(1, m, sizeof(m) - 1) < 0)
		_exit(2);
	_exit(1);
}

/*
 * The case and worse: "**" forty times then "x", and stars in one
 * name, against a path forty folders deep that does not match. The linear
 * matcher needs milliseconds; the old one would not finish in a lifetime.
 * The alarm only turns a hang into a failure.
 */
static void
linear(void)
{
	struct tim_buf pat = TIM_BUF_INIT, path = TIM_BUF_INIT, star = TIM_BUF_INIT;
	int i;

	for (i = 0; i < 40; i++) {
		tim_buf_adds(&pat, "**/");
		tim_buf_adds(&path, "d/");
		tim_buf_adds(&star, "*a");
	}
	tim_buf_adds(&pat, "x");
	tim_buf_adds(&path, "y");
	tim_buf_adds(&star, "*b");
	signal(SIGALRM, on_alarm);
	alarm(20);
	ok(!tim_glob_match(pat.buf, path.buf, 0), "**/ x40 then x, depth 40: no match, no hang");
	path.buf[path.len - 1] = 'x';
	ok(tim_glob_match(pat.buf, path.buf, 0), "... and the match at depth 40");
	ok(!tim_glob_match(star.buf, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0),
	    "*a x40 then *b against a long name of a: no hang");
	tim_buf_reset(&path);
	for (i = 0; i < 5000; i++)
		tim_buf_adds(&path, "d/");
	tim_buf_adds(&path, "x");
	ok(tim_glob_match("**/d/x", path.buf, 0), "a path 5000 folders deep is matched whole");
	ok(!tim_glob_match("/d/d/y", path.buf, 0), "... and anchored patterns see its start");
	alarm(0);
	tim_buf_release(&pat);
	tim_buf_release(&path);
	tim_buf_release(&star);
}

static void
too_large(void)
{
	char dir[] = "/tmp/tim-test-policy-XXXXXX", file[64];
	struct tim_policy p;
	struct tim_err err;
	FILE *f;
	int i;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(file, sizeof(file), "%s/.timcheck", dir);
	f = fopen(file, "w");
	if (f == NULL)
		abort();
	fputs("[check]\n", f);
	for (i = 0; i < 60000; i++)
		fputs("exclude = build/, *.tmp\n", f);
	fclose(f);
	tim_policy_init(&p);
	tim_err_clear(&err);
	ok(tim_policy_load(&p, file, &err) < 0, "a policy over 1 MiB is refused");
	is_str(strstr(err.msg, "too large") ? "too large" : err.msg, "too large", "... saying it is too large");
	is_int(err.kind != TIM_ERR_NONE, 1, "... as an error");
	tim_policy_release(&p);
	/* The ignore file goes through the same reader. */
	tim_policy_init(&p);
	ok(tim_policy_load_ignore(&p, file, &err) < 0, "an ignore file over 1 MiB is refused");
	tim_policy_release(&p);
	/* LeakSanitizer (the sanitizer build) fails the program if 2 MiB leak. */
	unlink(file);
	rmdir(dir);
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	semantics();
	differential();
	linear();
	too_large();
	return tap_done();
}
