#ifndef TIM_PARALLEL_H
#define TIM_PARALLEL_H

#include <stddef.h>

/*
 * Data parallelism for the few places where one core is not enough (ledger
 * verification parses every line with jansson). Work is split into
 * contiguous parts, one per thread; the calling thread takes part 0.
 */

/* Online CPUs, at most 8; TIM_THREADS overrides (1 disables threads). */
int tim_parallel_threads(void);

/*
 * Calls fn(arg, worker, start, end) for nthreads parts of [0, n). Parts
 * whose thread cannot be started run in the caller, so this cannot fail.
 */
void tim_parallel_for(size_t n, int nthreads,
    void (*fn)(void *arg, int worker, size_t start, size_t end), void *arg);

#endif
