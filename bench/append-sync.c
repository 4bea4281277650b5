/*
 * Synced appends in one process: N records through tim_ledger_append (flock,
 * tail read, one write, fdatasync) against N raw write(2)+fdatasync(2) of a
 * line of the same size. Built and run by bench/ledger.sh.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "ledger_json.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct tim_ledger *l;
	struct tim_err err;
	json_t *f;
	char line[256];
	double t0, t1, t2, tl, tr;
	int i, n, fd;

	if (argc != 4)
		return 2;
	n = atoi(argv[3]);
	tim_err_clear(&err);
	if (tim_ledger_create(argv[1], "bench", &err) < 0 ||
	    tim_ledger_open(&l, argv[1], 0, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 3;
	}
	f = json_pack("{s:s, s:s}", "item", "【社外秘】設計図-000001.pdf", "to", "USB-0001");
	memset(line, 'x', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0600);
	if (fd < 0)
		return 3;
	/* Interleaved, so that both see the same disk and the same moment. */
	tl = tr = 0;
	for (i = 0; i < n; i++) {
		t0 = now();
		if (tim_ledger_append(l, "copy", f, NULL, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 3;
		}
		t1 = now();
		if (write(fd, line, sizeof(line)) != (ssize_t)sizeof(line) || fdatasync(fd) < 0)
			return 3;
		t2 = now();
		tl += t1 - t0;
		tr += t2 - t1;
	}
	close(fd);
	tim_ledger_close(l);
	json_decref(f);
	t1 = tl;
	t2 = tr;
	t0 = 0;
	printf("%.1f %.1f\n", t1 / n * 1e6, t2 / n * 1e6);
	return 0;
}
