#ifndef TIM_PROGRESS_H
#define TIM_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

/*
 * A one-line progress display: "title  42%  1.2 GiB/2.0 GiB  310 MiB/s  ETA 0:03".
 * It draws only when its stream is a terminal and the caller did not ask for
 * quiet, at most ten times a second, and erases itself when done, so logs
 * and pipes never see it.
 */
struct tim_progress {
	FILE *out;
	const char *title;
	uint64_t total;		/* 0 when unknown */
	uint64_t done;
	double start, last;
	int enabled;
	int drawn;
	int bytes;		/* units are bytes: show sizes and rate */
};

void tim_progress_init(struct tim_progress *p, FILE *out, const char *title,
    uint64_t total, int bytes, int quiet);
void tim_progress_update(struct tim_progress *p, uint64_t done);
/* Clears the line. */
void tim_progress_done(struct tim_progress *p);

/* The line as it would be drawn, for tests. out holds n bytes. */
void tim_progress_format(const struct tim_progress *p, double now, char *out,
    size_t n);

#endif
