#ifndef TIM_MARKBATCH_H
#define TIM_MARKBATCH_H

#include "err.h"
#include "label.h"
#include "mark.h"

/*
 * Many files marked, unmarked or read at once (tim-mark FILE...): paths are
 * queued in batches, a batch is done by worker threads, and each file's
 * outcome is handed back in the order the paths came. Two paths naming one
 * file (device and inode) are never rewritten at once: later ones wait for
 * the parallel part and run in order.
 */

#define TIM_MARK_JOBS_MAX 64

/* One path's outcome. */
struct tim_mark_item {
	const char *path;	/* as queued */
	int rc;			/* the library call's return */
	struct tim_err err;	/* its reason when rc < 0 */
	union {
		struct tim_mark_result res;	/* mark, remove */
		struct tim_label_report rep;	/* show */
	} u;
};

struct tim_mark_batch;

/*
 * A queue over o (borrowed, with its scheme, for the queue's life); show
 * reads labels (tim_label_read) instead of marking. jobs: threads at once,
 * 0 picks four per processor; at most TIM_MARK_JOBS_MAX. done is called in
 * the queueing thread, once per path, in order. NULL when out of memory.
 */
struct tim_mark_batch *tim_mark_batch_new(const struct tim_mark_opts *o,
    int show, int jobs,
    void (*done)(const struct tim_mark_item *it, void *arg), void *arg);

/* Queues path (copied); a full batch is done before this returns. */
int tim_mark_batch_add(struct tim_mark_batch *b, const char *path,
    struct tim_err *err);

/* Does what is queued. */
void tim_mark_batch_flush(struct tim_mark_batch *b);

/* Does what is queued and frees the queue. */
void tim_mark_batch_free(struct tim_mark_batch *b);

#endif
