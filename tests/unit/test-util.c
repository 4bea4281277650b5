/* libtim util.c: times, small files read and written safely, sizes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "util.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-util-XXXXXX";

static const char *
path(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void
test_parse(void)
{
	static const struct {
		const char *in;
		int end;
		long long want;
	} good[] = {
		{ "2025-01-02", 0, 1735776000 },
		{ "2025-01-02", 1, 1735776000 + 86399 },
		{ "1970-01-01", 0, 0 },
		{ "2025-01-02T03:04:05Z", 0, 1735776000 + 3 * 3600 + 4 * 60 + 5 },
		{ "2025-01-02T03:04:05Z", 1, 1735776000 + 3 * 3600 + 4 * 60 + 5 },
		{ "2025-01-02t03:04:05z", 0, 1735776000 + 3 * 3600 + 4 * 60 + 5 },
		{ "2025-01-02 03:04:05Z", 0, 1735776000 + 3 * 3600 + 4 * 60 + 5 },
		{ "2025-01-02T12:00:00+09:00", 0, 1735776000 + 3 * 3600 },
		{ "2025-01-02T00:00:00-05:30", 0, 1735776000 + 5 * 3600 + 30 * 60 },
		{ "2025-01-02T00:00:00+00:00", 0, 1735776000 },
		{ "2025-01-02T03:04:05.123456Z", 0, 1735776000 + 3 * 3600 + 4 * 60 + 5 },
		{ "2024-02-29", 0, 1709164800 },
		{ "2100-01-01T00:00:00Z", 0, 4102444800LL },
	};
	static const char *bad[] = {
		"", "2025", "2025-01", "2025-01-02T", "2025-01-02T03:04Z",
		"2025-01-02T03:04:05", "2025-01-02T03:04:05+0900", "2025-01-02T03:04:05+09",
		"2025-01-02T03:04:05+09:00x", "2025-01-02T03:04:05Zx", "2025-13-01",
		"2025-00-10", "2025-01-32", "2025-01-02x", "2025-01-02T25:00:00Z",
		"2025-01-02T12:60:00Z", "yesterday", "T03:04:05Z", "2025-01-02T03:04:05 Z",
	};
	/* Times that do not exist. */
	static const char *impossible[] = {
		"2025-02-30", "2025-04-31", "2025-02-29", "2025-01-02T03:04:05+0a:00",
		"2025-01-02T03:04:05+99:99",
	};
	size_t i;
	time_t t;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		t = -1;
		ok(tim_time_parse(good[i].in, good[i].end, &t) == 0 && (long long)t == good[i].want,
		    "parse \"%s\"%s = %lld (got %lld)", good[i].in, good[i].end ? " (end)" : "",
		    good[i].want, (long long)t);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(tim_time_parse(bad[i], 0, &t) < 0, "rejects \"%s\"", bad[i]);
	/* Regression: these once parsed (timegm normalised the day; atoi read the offset). */
	for (i = 0; i < sizeof(impossible) / sizeof(impossible[0]); i++)
		ok(tim_time_parse(impossible[i], 0, &t) < 0, "rejects impossible \"%s\"", impossible[i]);
}

static void
test_format(void)
{
	static const long long ts[] = { 0, 1, 951782400, 1735776000 + 3 * 3600 + 4 * 60 + 5,
	    2147483647LL, 2147483648LL, 4102444800LL, 253402300799LL };
	char out[21], now[21];
	size_t i;
	int good = 1;
	time_t t, before;

	tim_time_rfc3339(0, out);
	is_str(out, "1970-01-01T00:00:00Z", "the epoch");
	tim_time_rfc3339(1735776000 + 3 * 3600 + 4 * 60 + 5, out);
	is_str(out, "2025-01-02T03:04:05Z", "a time in 2025");
	tim_time_rfc3339(2147483648LL, out);
	is_str(out, "2038-01-19T03:14:08Z", "after 2038");
	tim_time_rfc3339(253402300799LL, out);
	is_str(out, "9999-12-31T23:59:59Z", "the last second of year 9999");
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		tim_time_rfc3339((time_t)ts[i], out);
		good &= tim_time_parse(out, 0, &t) == 0 && (long long)t == ts[i];
	}
	ok(good, "parse(format(t)) == t");
	before = time(NULL);
	tim_now_rfc3339(now);
	ok(strlen(now) == 20 && now[10] == 'T' && now[19] == 'Z' &&
	    tim_time_parse(now, 0, &t) == 0 && t >= before && t <= before + 5, "now: %s", now);
}

static void
test_files(void)
{
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_err err;
	struct stat st;
	int fds[2];
	char got[8] = { 0 };

	ok(tim_write_new_file(path("new"), 0600, "secret\n", 7, &err) == 0, "write a new file");
	ok(stat(path("new"), &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 7,
	    "with its mode and bytes");
	ok(tim_write_new_file(path("new"), 0600, "x", 1, &err) < 0 && strstr(err.msg, "already exists"),
	    "never overwrites");
	{
		char target[256];

		snprintf(target, sizeof(target), "%s", path("target"));
		symlink(target, path("dangling"));
	}
	ok(tim_write_new_file(path("dangling"), 0600, "x", 1, &err) < 0 &&
	    access(path("target"), F_OK) < 0, "never writes through a symlink");
	ok(tim_write_new_file(path("nodir/x"), 0600, "x", 1, &err) < 0 && err.errnum == ENOENT,
	    "a missing directory keeps errno");
	umask(077);
	ok(tim_write_new_file(path("wide"), 0644, "x", 1, &err) == 0 &&
	    stat(path("wide"), &st) == 0 && (st.st_mode & 0777) == 0644, "the mode is set despite the umask");

	ok(tim_read_file(path("new"), 100, 1, &b, &err) == 0 && strcmp(tim_buf_str(&b), "secret\n") == 0,
	    "read a secret file");
	tim_buf_reset(&b);
	ok(tim_read_file(path("new"), 3, 0, &b, &err) < 0 && strstr(err.msg, "too large"),
	    "a file over max is refused");
	tim_buf_reset(&b);
	ok(tim_read_file(path("wide"), 100, 1, &b, &err) < 0 && strstr(err.msg, "mode 0644") &&
	    strstr(err.msg, "chmod 600"), "a secret readable by others is refused with the fix");
	tim_buf_reset(&b);
	ok(tim_read_file(path("wide"), 100, 0, &b, &err) == 0, "the same file read as not secret");
	tim_buf_reset(&b);
	symlink("new", path("link"));
	ok(tim_read_file(path("link"), 100, 1, &b, &err) < 0 && strstr(err.msg, "symbolic link"),
	    "a secret through a symlink is refused");
	tim_buf_reset(&b);
	ok(tim_read_file(path("link"), 100, 0, &b, &err) == 0, "a symlink to a non-secret is fine");
	tim_buf_reset(&b);
	ok(tim_read_file(dir, 100, 1, &b, &err) < 0, "a directory is not a secret file");
	tim_buf_reset(&b);
	ok(tim_read_file(path("none"), 100, 0, &b, &err) < 0 && err.errnum == ENOENT,
	    "a missing file keeps ENOENT");
	tim_buf_release(&b);

	if (pipe(fds) == 0) {
		ok(tim_write_all(fds[1], "abcdefg", 7) == 0 && read(fds[0], got, 7) == 7 &&
		    strcmp(got, "abcdefg") == 0, "write_all");
		close(fds[0]);
		close(fds[1]);
	}
	is_int(tim_write_all(-1, "x", 1), -1, "write_all to a bad descriptor fails");
}

static void
test_misc(void)
{
	char out[32];

	tim_human_size(0, out);
	is_str(out, "0 B", "0 B");
	tim_human_size(512, out);
	is_str(out, "512 B", "512 B");
	tim_human_size(1536, out);
	is_str(out, "1.5 KiB", "1.5 KiB");
	tim_human_size(1048576, out);
	is_str(out, "1.0 MiB", "1.0 MiB");
	tim_human_size(1e30, out);
	ok(strstr(out, "PiB") != NULL, "huge sizes stay in PiB (%s)", out);
	ok(tim_hostname()[0] != '\0', "a host name");
	ok(tim_username()[0] != '\0', "a user name");
}

static void
test_local(void)
{
	char buf[32], day[11];
	time_t t;

	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	tim_time_local(1764583328, buf);	/* 2025-12-01T10:02:08Z */
	is_str(buf, "2025-12-01 19:02:08+09:00", "local time with offset in JST");
	tim_date_local(1764604800, day);	/* 2025-12-01T16:00:00Z */
	is_str(day, "2025-12-02", "the local day, not the UTC one");
	ok(tim_time_parse_local("2025-12-02", 0, &t) == 0 && t == 1764601200,
	    "a bare date is the local day's first second");
	ok(tim_time_parse_local("2025-12-02", 1, &t) == 0 && t == 1764601200 + 86399,
	    "and with end its last");
	ok(tim_time_parse_local("2025-12-02T09:00:00", 0, &t) == 0 && t == 1764633600,
	    "a time without offset is local");
	ok(tim_time_parse_local("2025-12-02T09:00:00Z", 0, &t) == 0 && t == 1764666000,
	    "Z is UTC");
	ok(tim_time_parse_local("2025-12-02T09:00:00+01:00", 0, &t) == 0 && t == 1764662400,
	    "an offset is kept");
	ok(tim_time_parse_local("2025-02-30", 0, &t) < 0, "a date that does not exist");
	ok(tim_time_parse_local("2025-12-02x", 0, &t) < 0, "trailing junk");
	setenv("TZ", "UTC", 1);
	tzset();
	tim_time_local(1764583328, buf);
	is_str(buf, "2025-12-01 10:02:08+00:00", "UTC shows +00:00");
	unsetenv("TZ");
	tzset();
}

int
main(void)
{
	static const char *names[] = { "new", "dangling", "wide", "link", "target", NULL };
	int i;

	setenv("TZ", "Asia/Tokyo", 1);	/* nothing may depend on the local zone */
	tzset();
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_format();
	test_files();
	test_misc();
	test_local();
	for (i = 0; names[i]; i++)
		unlink(path(names[i]));
	rmdir(dir);
	return tap_done();
}
