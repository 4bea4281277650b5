#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "parallel.h"
#include "banned.h"

#define MAX_THREADS 8

int
tim_parallel_threads(void)
{
	const char *e = getenv("TIM_THREADS");
	long n;

	if (e && *e) {
		n = strtol(e, NULL, 10);
		return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

struct part {
	void (*fn)(void *, int, size_t, size_t);
	void *arg;
	int worker;
	size_t start, end;
	pthread_t tid;
	int started;
};

static void *
run_part(void *p)
{
	struct part *pt = p;

	pt->fn(pt->arg, pt->worker, pt->start, pt->end);
	return NULL;
}

void
tim_parallel_for(size_t n, int nthreads,
    void (*fn)(void *arg, int worker, size_t start, size_t end), void *arg)
{
	struct part parts[MAX_THREADS];
	int i;

	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	if ((size_t)nthreads > n)
		nthreads = n ? (int)n : 1;
	for (i = 0; i < nthreads; i++) {
		parts[i].fn = fn;
		parts[i].arg = arg;
		parts[i].worker = i;
		parts[i].start = n * (size_t)i / (size_t)nthreads;
		parts[i].end = n * (size_t)(i + 1) / (size_t)nthreads;
		parts[i].started = 0;
	}
	for (i = 1; i < nthreads; i++)
		parts[i].started = pthread_create(&parts[i].tid, NULL, run_part, &parts[i]) == 0;
	run_part(&parts[0]);
	for (i = 1; i < nthreads; i++) {
		if (parts[i].started)
			pthread_join(parts[i].tid, NULL);
		else
			run_part(&parts[i]);
	}
}
