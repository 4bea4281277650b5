/* The progress line: what it says, and that it stays off when not on a TTY. */
#include <stdio.h>
#include <string.h>

#include "progress.h"
#include "tap.h"

int
main(void)
{
	struct tim_progress p;
	char line[160];
	FILE *f = tmpfile();

	tim_progress_init(&p, f, "wipe", 4ULL << 30, 1, 0);
	ok(!p.enabled, "not drawn when the stream is not a terminal");
	tim_progress_update(&p, 1ULL << 30);
	fflush(f);
	is_int(ftell(f), 0, "nothing written to a non-terminal");

	p.start = 100.0;
	p.done = 1ULL << 30;
	tim_progress_format(&p, 110.0, line, sizeof(line));
	ok(strstr(line, "wipe") == line, "title first: %s", line);
	ok(strstr(line, " 25%") != NULL, "percentage");
	ok(strstr(line, "1.0 GiB/4.0 GiB") != NULL, "done and total as sizes");
	ok(strstr(line, "102.4 MiB/s") != NULL, "rate from elapsed time");
	ok(strstr(line, "ETA 0:00:30") != NULL, "ETA from the rate");

	tim_progress_init(&p, f, "records", 0, 0, 0);
	p.start = 0;
	p.done = 42;
	tim_progress_format(&p, 1.0, line, sizeof(line));
	is_str(line, "records  42", "unknown total: only the count");

	tim_progress_init(&p, f, "x", 10, 0, 1);
	ok(!p.enabled, "quiet turns it off");
	fclose(f);
	return tap_done();
}
