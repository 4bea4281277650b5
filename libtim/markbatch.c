#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "err.h"
#include "i18n.h"
#include "label.h"
#include "mark.h"
#include "markbatch.h"
#include "banned.h"

#define BATCH 128

struct slot {
	struct tim_mark_item it;
	int dup;		/* the same file as an earlier path: done after the rest */
};

struct tim_mark_batch {
	const struct tim_mark_opts *o;
	int show, jobs;
	void (*done)(const struct tim_mark_item *it, void *arg);
	void *arg;
	struct slot slots[BATCH];
	size_t n, next;
	pthread_mutex_t mu;
};

static void
work(struct tim_mark_batch *b, struct tim_mark_item *it)
{
	const struct tim_mark_opts *o = b->o;

	tim_err_clear(&it->err);
	if (b->show)
		it->rc = tim_label_read(o->scheme, it->path, o->carriers, &it->u.rep, &it->err);
	else
		it->rc = tim_mark_file(o, it->path, &it->u.res, &it->err);
}

static void *
worker(void *arg)
{
	struct tim_mark_batch *b = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&b->mu);
		i = b->next++;
		pthread_mutex_unlock(&b->mu);
		if (i >= b->n)
			return NULL;
		if (!b->slots[i].dup)
			work(b, &b->slots[i].it);
	}
}

/* Marks the paths that name a file an earlier path in the batch names. */
static void
find_dups(struct tim_mark_batch *b)
{
	struct stat st;
	dev_t dev[BATCH];
	ino_t ino[BATCH];
	int have[BATCH];
	size_t i, k;

	for (i = 0; i < b->n; i++) {
		have[i] = lstat(b->slots[i].it.path, &st) == 0;
		dev[i] = have[i] ? st.st_dev : 0;
		ino[i] = have[i] ? st.st_ino : 0;
		b->slots[i].dup = 0;
		for (k = 0; k < i && have[i]; k++)
			if (have[k] && dev[k] == dev[i] && ino[k] == ino[i]) {
				b->slots[i].dup = 1;
				break;
			}
	}
}

static void
run_parallel(struct tim_mark_batch *b)
{
	pthread_t tids[TIM_MARK_JOBS_MAX];
	size_t i, started = 0, jobs = (size_t)b->jobs;

	b->next = 0;
	if (jobs > b->n)
		jobs = b->n;
	for (i = 1; i < jobs; i++)
		if (pthread_create(&tids[started], NULL, worker, b) == 0)
			started++;
	worker(b);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
}

void
tim_mark_batch_flush(struct tim_mark_batch *b)
{
	size_t i;

	if (b->n == 0)
		return;
	find_dups(b);
	run_parallel(b);
	for (i = 0; i < b->n; i++) {
		struct slot *s = &b->slots[i];

		if (s->dup)
			work(b, &s->it);
		b->done(&s->it, b->arg);
		free((char *)s->it.path);
		s->it.path = NULL;
	}
	b->n = 0;
}

int
tim_mark_batch_add(struct tim_mark_batch *b, const char *path,
    struct tim_err *err)
{
	char *copy = strdup(path);

	if (copy == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	b->slots[b->n].it.path = copy;
	if (++b->n == BATCH)
		tim_mark_batch_flush(b);
	return 0;
}

static int
default_jobs(int jobs)
{
	long cpus;

	if (jobs <= 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		/* Four per processor: most of a rewrite is spent waiting for fsync. */
		jobs = cpus > 0 ? (int)(4 * cpus) : 4;
	}
	return jobs > TIM_MARK_JOBS_MAX ? TIM_MARK_JOBS_MAX : jobs;
}

struct tim_mark_batch *
tim_mark_batch_new(const struct tim_mark_opts *o, int show, int jobs,
    void (*done)(const struct tim_mark_item *it, void *arg), void *arg)
{
	struct tim_mark_batch *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->o = o;
	b->show = show;
	b->jobs = default_jobs(jobs);
	b->done = done;
	b->arg = arg;
	pthread_mutex_init(&b->mu, NULL);
	/* libxml2 sets itself up once, before any worker parses. */
	xmlInitParser();
	return b;
}

void
tim_mark_batch_free(struct tim_mark_batch *b)
{
	if (b == NULL)
		return;
	tim_mark_batch_flush(b);
	pthread_mutex_destroy(&b->mu);
	free(b);
}
