/* libtim walk.c and csv.c: the one tree walker and the one CSV writer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "csv.h"
#include "err.h"
#include "walk.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-walk-XXXXXX";

static void
mk(const char *rel, int is_dir)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if (is_dir) {
		if (mkdir(p, 0700) < 0)
			perror(p);
		return;
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0)
		close(fd);
}

struct seen {
	struct tim_buf log;
	const char *skip;	/* a folder not to enter */
	const char *stop;	/* stop at this entry */
	int errors;
};

static int
visit(const struct tim_walk_entry *e, void *arg)
{
	struct seen *s = arg;
	static const char t[] = "fdlo";

	tim_buf_addf(&s->log, "v %c %d %s|", t[e->type], e->depth, e->rel);
	if (s->stop && strcmp(e->rel, s->stop) == 0)
		return TIM_WALK_STOP;
	if (s->skip && strcmp(e->rel, s->skip) == 0)
		return TIM_WALK_SKIP;
	return TIM_WALK_CONTINUE;
}

static int
leave(const struct tim_walk_entry *e, void *arg)
{
	struct seen *s = arg;

	tim_buf_addf(&s->log, "l %s|", e->rel);
	return TIM_WALK_CONTINUE;
}

static int
error(const struct tim_walk_entry *e, int errnum, void *arg)
{
	struct seen *s = arg;

	tim_buf_addf(&s->log, "e %s %s|", e->rel, errnum == ELOOP ? "deep" : "other");
	s->errors++;
	return TIM_WALK_CONTINUE;
}

static void
test_walk(void)
{
	struct tim_walk_ops ops = { visit, NULL, leave, error, 0 };
	struct seen s = { TIM_BUF_INIT, NULL, NULL, 0 };
	struct tim_err err;
	char link[512];

	mk("b", 1);
	mk("b/z", 0);
	mk("b/a", 0);
	mk("a", 0);
	mk("c", 1);
	mk("c/d", 1);
	mk("c/d/e", 0);
	snprintf(link, sizeof(link), "%s/l", dir);
	if (symlink("/", link) < 0)
		perror(link);
	tim_err_clear(&err);
	is_int(tim_walk(AT_FDCWD, dir, &ops, &s, &err), 0, "walk ends with 0");
	is_str(tim_buf_str(&s.log),
	    "v d 0 |v f 1 a|v d 1 b|v f 2 b/a|v f 2 b/z|l b|v d 1 c|v d 2 c/d|"
	    "v f 3 c/d/e|l c/d|l c|v l 1 l|l |",
	    "names sorted, folders pre and post, the link reported and not followed");

	/* d_type instead of fstatat: the same entries, types and order. */
	tim_buf_reset(&s.log);
	is_int(tim_walk_flags(AT_FDCWD, dir, &ops, &s, TIM_WALK_DTYPE, &err), 0,
	    "TIM_WALK_DTYPE: walk ends with 0");
	is_str(tim_buf_str(&s.log),
	    "v d 0 |v f 1 a|v d 1 b|v f 2 b/a|v f 2 b/z|l b|v d 1 c|v d 2 c/d|"
	    "v f 3 c/d/e|l c/d|l c|v l 1 l|l |",
	    "TIM_WALK_DTYPE: the same walk, the link still reported and not followed");

	tim_buf_reset(&s.log);
	s.skip = "c";
	tim_walk(AT_FDCWD, dir, &ops, &s, &err);
	ok(strstr(tim_buf_str(&s.log), "c/d") == NULL && strstr(tim_buf_str(&s.log), "l c|") == NULL,
	    "SKIP keeps the walk out of a folder");

	tim_buf_reset(&s.log);
	s.skip = NULL;
	s.stop = "b/a";
	is_int(tim_walk(AT_FDCWD, dir, &ops, &s, &err), TIM_WALK_STOP, "STOP ends the walk");
	ok(strstr(tim_buf_str(&s.log), "b/z") == NULL, "nothing after the stop");

	tim_buf_reset(&s.log);
	s.stop = NULL;
	ops.max_depth = 1;
	is_int(tim_walk(AT_FDCWD, dir, &ops, &s, &err), 0, "depth limit goes on through the error callback");
	ok(strstr(tim_buf_str(&s.log), "e b deep|") != NULL && strstr(tim_buf_str(&s.log), "b/a") == NULL,
	    "a folder past the limit is reported, not entered");

	ops.error = NULL;
	ops.max_depth = 0;
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/b", dir);
		if (getuid() != 0 && chmod(p, 0) == 0) {
			is_int(tim_walk(AT_FDCWD, dir, &ops, &s, &err), -1,
			    "an unreadable folder with no error callback fails the walk");
			ok(strstr(err.msg, "cannot read folder") != NULL, "and says why");
			chmod(p, 0700);
		} else {
			ok(1, "# skip unreadable folders need a user other than root");
			ok(1, "# skip unreadable folders need a user other than root");
		}
	}
	is_int(tim_walk(AT_FDCWD, "/nonexistent/tim", &ops, &s, &err), -1, "a missing root fails");
	is_int(err.errnum, ENOENT, "with ENOENT");
	tim_buf_release(&s.log);
}

static void
test_csv(void)
{
	struct tim_buf b = TIM_BUF_INIT;
	const char *cells[] = { "a", "x,\"y\"", "=1+2", NULL, "-3", "日本語\r\nz" };

	tim_csv_bom(&b);
	tim_csv_row(&b, cells, 6);
	is_str(tim_buf_str(&b),
	    "\xef\xbb\xbf\"a\",\"x,\"\"y\"\"\",\"'=1+2\",\"\",\"'-3\",\"日本語\r\nz\"\r\n",
	    "BOM, all quoted, quotes doubled, formulas kept as text, CRLF");
	tim_buf_reset(&b);
	tim_csv_cell(&b, "@SUM(A1)", 0);
	tim_csv_cell(&b, "\tx", 1);
	is_str(tim_buf_str(&b), "\"'@SUM(A1)\",\"'\tx\"\r\n", "@ and tab are formula starts too");
	tim_buf_release(&b);
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 3;
	}
	test_walk();
	test_csv();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 3;
	return tap_done();
}
