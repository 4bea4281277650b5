/* libtim markbatch.c: many files at once, reported in order, one file never twice at once. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "label.h"
#include "mark.h"
#include "markbatch.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-markbatch-XXXXXX";

static void
mk(const char *name)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "x\n", 2) != 2)
		perror(p);
	if (fd >= 0)
		close(fd);
}

struct seen {
	struct tim_buf log;
	int calls, in_order;
};

static void
done(const struct tim_mark_item *it, void *arg)
{
	struct seen *s = arg;
	const char *base = strrchr(it->path, '/') + 1;

	s->calls++;
	if (it->rc < 0)
		tim_buf_addf(&s->log, "%s:fail|", base);
	else
		tim_buf_addf(&s->log, "%s:%s:%d|", base, it->u.res.path + strlen(dir) + 1,
		    it->u.res.changed);
}

static void
numbered(const struct tim_mark_item *it, void *arg)
{
	struct seen *s = arg;
	char want[600];

	snprintf(want, sizeof(want), "%s/none-%d", dir, s->calls++);
	if (strcmp(it->path, want) != 0 || it->rc != -1)
		s->in_order = 0;
}

static void
shown(const struct tim_mark_item *it, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	tim_buf_addf(&s->log, "%d:%s|", it->rc, it->rc == 0 && it->u.rep.marked ?
	    it->u.rep.effective.level : "-");
}

static void
add(struct tim_mark_batch *b, const char *name)
{
	struct tim_err err;
	char p[512];

	tim_err_clear(&err);
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (tim_mark_batch_add(b, p, &err) < 0)
		printf("# %s\n", err.msg);
}

static void
test_mark(const struct tim_label_scheme *sc)
{
	struct tim_mark_opts o;
	struct seen s = { TIM_BUF_INIT, 0, 1 };
	struct tim_mark_batch *b;
	char p[512];
	int i;

	memset(&o, 0, sizeof(o));
	o.scheme = sc;
	o.carriers = TIM_CARRIER_NAME;
	mk("a.txt");
	mk("b.txt");
	b = tim_mark_batch_new(&o, 0, 4, done, &s);
	ok(b != NULL, "a batch");
	add(b, "a.txt");
	add(b, "missing.txt");
	add(b, "b.txt");
	add(b, "a.txt");
	is_int(s.calls, 0, "nothing is done before the batch is full or flushed");
	tim_mark_batch_flush(b);
	is_str(tim_buf_str(&s.log), "a.txt:【社外秘】a.txt:1|missing.txt:fail|b.txt:【社外秘】b.txt:1|a.txt:fail|",
	    "reports in operand order; the same file again runs after the first, which renamed it");
	tim_mark_batch_free(b);

	s.calls = 0;
	b = tim_mark_batch_new(&o, 0, 0, numbered, &s);
	for (i = 0; i < 300; i++) {
		snprintf(p, sizeof(p), "none-%d", i);
		add(b, p);
	}
	ok(s.calls >= 256, "full batches are done as paths come");
	tim_mark_batch_free(b);
	is_int(s.calls, 300, "free does the rest");
	ok(s.in_order, "every path once, in order");

	tim_buf_reset(&s.log);
	s.calls = 0;
	o.carriers = TIM_CARRIERS_ALL;
	b = tim_mark_batch_new(&o, 1, 2, shown, &s);
	add(b, "【社外秘】a.txt");
	add(b, "missing.txt");
	tim_mark_batch_free(b);
	is_str(tim_buf_str(&s.log), "0:社外秘|-1:-|", "show reads labels instead of marking");
	tim_buf_release(&s.log);
}

int
main(void)
{
	struct tim_label_scheme sc;
	char cmd[600];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 3;
	}
	tim_label_scheme_default(&sc);
	test_mark(&sc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 3;
	return tap_done();
}
