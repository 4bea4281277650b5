/* libtim inventory.c: the tim-mark --list walk and its CSV form. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "carrier.h"
#include "err.h"
#include "inventory.h"
#include "label.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-inventory-XXXXXX";

static void
mk(const char *rel, const char *data)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if (data == NULL) {
		if (mkdir(p, 0700) < 0)
			perror(p);
		return;
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, strlen(data)) < 0)
		perror(p);
	if (fd >= 0)
		close(fd);
}

struct seen {
	struct tim_buf log, csv;
	int errors, fail_at;
};

static int
entry(const struct tim_inventory_entry *e, void *arg, struct tim_err *err)
{
	struct seen *s = arg;

	tim_buf_addf(&s->log, "%s %s %s|", e->path + strlen(dir), e->rep->effective.level,
	    e->carriers);
	tim_inventory_csv_row(&s->csv, e);
	if (s->fail_at && --s->fail_at == 0)
		return tim_errorf(err, 0, "stop here");
	return 0;
}

static void
error(const struct tim_err *why, void *arg)
{
	struct seen *s = arg;

	tim_buf_addf(&s->log, "error %s|", strstr(why->msg, "damaged") ? "damaged" : why->msg);
	s->errors++;
}

static void
test_walk(const struct tim_label_scheme *sc)
{
	static const struct tim_inventory_ops ops = { entry, error, NULL };
	struct seen s = { TIM_BUF_INIT, TIM_BUF_INIT, 0, 0 };
	struct tim_err err;
	char p[512], q[512];

	mk("【社外秘】a.txt", "x\n");
	mk("b.txt", "y\n");
	mk("sec", NULL);
	mk("sec/.timlabel", "level = 秘\nowner = 設計部\n");
	mk("sec/c.txt", "z\n");
	mk("outside", NULL);
	mk("outside/【極秘】d.txt", "w\n");
	snprintf(p, sizeof(p), "%s/link", dir);
	snprintf(q, sizeof(q), "%s/outside", dir);
	if (symlink(q, p) < 0)
		perror(p);
	tim_err_clear(&err);
	is_int(tim_inventory_walk(sc, TIM_CARRIERS_ALL, dir, &ops, &s, &err), 0, "the walk ends with 0");
	is_str(tim_buf_str(&s.log),
	    "/outside/【極秘】d.txt 極秘 name|/sec 秘 folder|/sec/c.txt 秘 folder|/【社外秘】a.txt 社外秘 name|",
	    "marked entries in sorted order, inherited ones too; the link and .timlabel are not listed");
	is_int(s.errors, 0, "no errors");
	ok(strncmp(tim_buf_str(&s.csv), "\"", 1) == 0 &&
	    strstr(tim_buf_str(&s.csv), "/【社外秘】a.txt\",\"社外秘\",\"\",\"\",\"\",\"\",\"name\",\"2\",\"") != NULL,
	    "a CSV row per entry, every cell quoted");

	tim_buf_reset(&s.log);
	s.fail_at = 2;
	is_int(tim_inventory_walk(sc, TIM_CARRIERS_ALL, dir, &ops, &s, &err), -1,
	    "an entry callback's failure ends the walk");
	is_str(err.msg, "stop here", "with the callback's reason");
	ok(strstr(tim_buf_str(&s.log), "c.txt") == NULL, "nothing after it");

	mk("sec/bad.docx", "PK\003\004 not a zip at all");
	tim_buf_reset(&s.log);
	s.fail_at = 0;
	is_int(tim_inventory_walk(sc, TIM_CARRIERS_ALL, dir, &ops, &s, &err), 0,
	    "a damaged document does not stop the walk");
	is_int(s.errors, 0, "its unreadable content is no error: the other carriers are read");
	ok(strstr(tim_buf_str(&s.log), "/sec/bad.docx 秘 folder|/sec/c.txt") != NULL,
	    "it is listed with the label it inherits, and the walk goes on");

	is_int(tim_inventory_walk(sc, TIM_CARRIERS_ALL, "/nonexistent/tim", &ops, &s, &err), -1,
	    "a missing root fails");
	is_int(err.errnum, ENOENT, "with ENOENT");
	tim_buf_release(&s.log);
	tim_buf_release(&s.csv);
}

static void
test_csv_header(void)
{
	struct tim_buf b = TIM_BUF_INIT;

	tim_inventory_csv_header(&b);
	/* No catalogue bound here: the headings are the English ones. */
	is_str(tim_buf_str(&b), "\xef\xbb\xbf\"path\",\"level\",\"owner\",\"entrusted to\","
	    "\"control number\",\"keep until\",\"carriers\",\"size (bytes)\",\"modified\"\r\n",
	    "BOM and a quoted header row");
	tim_buf_release(&b);
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
	test_walk(&sc);
	test_csv_header();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 3;
	return tap_done();
}
