#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"
#include "banned.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
tim_progress_init(struct tim_progress *p, FILE *out, const char *title,
    uint64_t total, int bytes, int quiet)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->title = title;
	p->total = total;
	p->bytes = bytes;
	p->start = now();
	p->enabled = !quiet && out != NULL && isatty(fileno(out));
}

void
tim_progress_format(const struct tim_progress *p, double t, char *out, size_t n)
{
	char a[32], b[32], r[32];
	double el = t - p->start, rate = el > 0 ? (double)p->done / el : 0;
	size_t len;

	len = (size_t)snprintf(out, n, "%s", p->title);
	if (len >= n)
		return;
	if (p->total > 0)
		len += (size_t)snprintf(out + len, n - len, "  %3d%%",
		    (int)(100.0 * (double)p->done / (double)p->total));
	if (len >= n)
		return;
	if (p->bytes) {
		tim_human_size((double)p->done, a);
		tim_human_size((double)p->total, b);
		tim_human_size(rate, r);
		if (p->total > 0)
			len += (size_t)snprintf(out + len, n - len, "  %s/%s  %s/s", a, b, r);
		else
			len += (size_t)snprintf(out + len, n - len, "  %s  %s/s", a, r);
	} else if (p->total > 0)
		len += (size_t)snprintf(out + len, n - len, "  %llu/%llu",
		    (unsigned long long)p->done, (unsigned long long)p->total);
	else
		len += (size_t)snprintf(out + len, n - len, "  %llu",
		    (unsigned long long)p->done);
	if (len >= n)
		return;
	if (p->total > 0 && rate > 0 && p->done <= p->total) {
		unsigned long eta = (unsigned long)((double)(p->total - p->done) / rate);

		snprintf(out + len, n - len, "  ETA %lu:%02lu:%02lu", eta / 3600,
		    eta / 60 % 60, eta % 60);
	}
}

void
tim_progress_update(struct tim_progress *p, uint64_t done)
{
	char line[160];
	double t;

	p->done = done;
	if (!p->enabled)
		return;
	t = now();
	if (p->drawn && t - p->last < 0.1)
		return;
	p->last = t;
	tim_progress_format(p, t, line, sizeof(line));
	fprintf(p->out, "\r%s\033[K", line);
	fflush(p->out);
	p->drawn = 1;
}

void
tim_progress_done(struct tim_progress *p)
{
	if (p->enabled && p->drawn) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
	}
	p->drawn = 0;
}
