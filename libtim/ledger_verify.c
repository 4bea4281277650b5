/*
 * Verification: every line, the hash chain, the Merkle tree and the
 * signed checkpoints, in parallel chunks. tim-ledger(5).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/fs.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "merkle.h"
#include "note.h"
#include "parallel.h"
#include "util.h"
#include "banned.h"

/*
 * Verification. Each chunk of lines is checked in two steps: the lines are
 * hashed and parsed in parallel (jansson is most of the cost), then one
 * thread walks them in order for the chain, the tree and the checkpoints.
 */

#define VERIFY_MAX_THREADS 8

struct vworker {
	struct tim_sha256 *h;
	size_t err;		/* first bad line in this part, or SIZE_MAX */
	char why[400];
};

struct verifier {
	struct tim_ledger_verify_result *res;
	struct tim_merkle m;
	unsigned char last[TIM_SHA256_LEN];	/* hash of the line before this chunk */
	off_t last_off;				/* and its offset */
	struct tim_checkpoint *cps;
	size_t ncps, nextcp;
	tim_hash *leaves;
	size_t leaves_cap;
	uint64_t covered;	/* lines under a verified signed checkpoint */
	/* the chunk */
	uint64_t first;		/* line number of line 0 */
	size_t n, cap;
	const char **p;
	size_t *len;
	off_t *off;
	tim_hash *lh, *leaf;
	unsigned char (*prev)[TIM_SHA256_LEN];
	int nthreads;
	struct vworker w[VERIFY_MAX_THREADS];
};

static void
bad(struct tim_ledger_verify_result *res, uint64_t line, off_t offset,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
bad(struct tim_ledger_verify_result *res, uint64_t line, off_t offset,
    const char *fmt, ...)
{
	va_list ap;

	if (!res->ok)
		return;
	res->ok = 0;
	res->bad_line = line;
	res->bad_offset = (uint64_t)offset;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

static int
cmp_cp(const void *a, const void *b)
{
	const struct tim_checkpoint *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

/*
 * The checks of a record line from the fast scan, with the same verdicts
 * and messages as the jansson path below.
 */
static int
check_scanned(struct verifier *v, size_t i, const struct tim_ledger_scan *sc,
    char *why, size_t wn)
{
	uint64_t n = v->first + i;
	time_t t;

	if (!sc->has_seq) {
		snprintf(why, wn, _("no seq"));
		return -1;
	}
	if ((uint64_t)sc->seq != n - 1) {
		snprintf(why, wn, _("seq gap: seq %lld where %llu was expected"),
		    sc->seq, (unsigned long long)(n - 1));
		return -1;
	}
	if (!sc->has_prev || tim_unhex(sc->prev, TIM_SHA256_LEN, v->prev[i]) < 0) {
		snprintf(why, wn, _("no prev hash"));
		return -1;
	}
	if (!sc->has_time || tim_time_parse(sc->time, 0, &t) < 0) {
		snprintf(why, wn, _("bad or missing time"));
		return -1;
	}
	if (!sc->has_kind || !sc->has_actor || !sc->has_host) {
		snprintf(why, wn, _("kind, actor or host missing"));
		return -1;
	}
	return 0;
}

/* Checks line i of the chunk on its own; 0, or -1 with why filled. */
static int
check_line(struct verifier *v, size_t i, char *why, size_t wn)
{
	struct tim_ledger_scan sc;
	uint64_t n = v->first + i;
	json_error_t je;
	json_t *o, *f;
	const char *s;
	time_t t;
	int r = -1;

	if (n > 1 && tim_ledger_scan_record(v->p[i], v->len[i], &sc))
		return check_scanned(v, i, &sc, why, wn);
	o = json_loadb(v->p[i], v->len[i], JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		snprintf(why, wn, _("bad JSON: %s"), je.text);
		return -1;
	}
	if (!json_is_object(o)) {
		snprintf(why, wn, _("bad JSON: not an object"));
		goto out;
	}
	if (n == 1) {
		if (!tim_ledger_header_ok(o)) {
			snprintf(why, wn, _("not a tim ledger header"));
			goto out;
		}
		snprintf(v->res->origin, sizeof(v->res->origin), "%s",
		    json_string_value(json_object_get(o, "origin")));
		r = 0;
		goto out;
	}
	f = json_object_get(o, "seq");
	if (!json_is_integer(f)) {
		snprintf(why, wn, _("no seq"));
		goto out;
	}
	if ((uint64_t)json_integer_value(f) != n - 1) {
		snprintf(why, wn, _("seq gap: seq %lld where %llu was expected"),
		    (long long)json_integer_value(f), (unsigned long long)(n - 1));
		goto out;
	}
	f = json_object_get(o, "prev");
	s = json_string_value(f);
	if (s == NULL || json_string_length(f) != 2 * TIM_SHA256_LEN ||
	    tim_unhex(s, TIM_SHA256_LEN, v->prev[i]) < 0) {
		snprintf(why, wn, _("no prev hash"));
		goto out;
	}
	f = json_object_get(o, "time");
	if (!json_is_string(f) || tim_time_parse(json_string_value(f), 0, &t) < 0) {
		snprintf(why, wn, _("bad or missing time"));
		goto out;
	}
	if (!json_is_string(json_object_get(o, "kind")) ||
	    !json_is_string(json_object_get(o, "actor")) ||
	    !json_is_string(json_object_get(o, "host"))) {
		snprintf(why, wn, _("kind, actor or host missing"));
		goto out;
	}
	r = 0;
out:
	json_decref(o);
	return r;
}

static void
check_part(void *arg, int worker, size_t start, size_t end)
{
	struct verifier *v = arg;
	struct vworker *w = &v->w[worker];
	size_t i;

	w->err = SIZE_MAX;
	for (i = start; i < end; i++) {
		uint64_t n = v->first + i;

		if (tim_merkle_leaf(w->h, v->p[i], v->len[i], v->leaf[i]) < 0) {
			snprintf(w->why, sizeof(w->why), _("cannot hash"));
			w->err = i;
			return;
		}
		/* Under a verified signed root only the last line's hash is needed. */
		if (n < v->covered && n != 1)
			continue;
		if (tim_sha256_two(w->h, v->p[i], v->len[i], NULL, 0, v->lh[i]) < 0) {
			snprintf(w->why, sizeof(w->why), _("cannot hash"));
			w->err = i;
			return;
		}
		if ((n > v->covered || n == 1) && check_line(v, i, w->why, sizeof(w->why)) < 0) {
			w->err = i;
			return;
		}
	}
}

static int
grow_array(void *pp, size_t elem, size_t n)
{
	void **p = pp;
	void *q = realloc(*p, n * elem);

	if (q == NULL)
		return -1;
	*p = q;
	return 0;
}

static int
grow_chunk(struct verifier *v, size_t need)
{
	size_t n = v->cap ? v->cap : 256;

	if (need <= v->cap)
		return 0;
	while (n < need)
		n *= 2;
	if (grow_array(&v->p, sizeof(*v->p), n) < 0 ||
	    grow_array(&v->len, sizeof(*v->len), n) < 0 ||
	    grow_array(&v->off, sizeof(*v->off), n) < 0 ||
	    grow_array(&v->lh, sizeof(*v->lh), n) < 0 ||
	    grow_array(&v->leaf, sizeof(*v->leaf), n) < 0 ||
	    grow_array(&v->prev, sizeof(*v->prev), n) < 0)
		return -1;
	v->cap = n;
	return 0;
}

static int
keep_leaf(struct verifier *v, const tim_hash leaf)
{
	if (v->m.count >= v->leaves_cap) {
		size_t n = v->leaves_cap ? v->leaves_cap * 2 : 4096;
		tim_hash *q = realloc(v->leaves, n * sizeof(*q));

		if (q == NULL)
			return -1;
		v->leaves = q;
		v->leaves_cap = n;
	}
	memcpy(v->leaves[v->m.count], leaf, TIM_SHA256_LEN);
	return 0;
}

int
tim_ledger_fd_append_only(int fd)
{
	int attr = 0;

	if (ioctl(fd, FS_IOC_GETFLAGS, &attr) < 0)
		return -1;
	return (attr & FS_APPEND_FL) != 0;
}

/* Compares every checkpoint of this size with the running root. */
static void
check_checkpoints(struct verifier *v, uint64_t line, off_t offset)
{
	tim_hash root;

	while (v->nextcp < v->ncps && v->cps[v->nextcp].size == v->m.count) {
		if (tim_merkle_root(&v->m, root) == 0 &&
		    memcmp(root, v->cps[v->nextcp].root, TIM_SHA256_LEN) != 0)
			bad(v->res, line, offset,
			    _("root differs from the checkpoint of size %llu (the ledger was rewritten)"),
			    (unsigned long long)v->cps[v->nextcp].size);
		v->res->checkpoints++;
		v->nextcp++;
	}
}

/*
 * Line n's prev does not match line n-1, which itself checked out and links
 * to n-2: the bytes of line n-1 were changed after n was written. Unless
 * line n+1 does not link to n either: then n itself was changed (its prev
 * rewritten). The first problem found is what is reported.
 */
static void
link_broken(struct verifier *v, size_t i, size_t first_err)
{
	uint64_t n = v->first + i;

	/* A copy of the line before, renumbered: it repeats that line's prev. */
	if (i > 0 && v->first + i - 1 > 1 && v->first + i - 1 > v->covered &&
	    memcmp(v->prev[i], v->prev[i - 1], TIM_SHA256_LEN) == 0) {
		bad(v->res, n, v->off[i],
		    _("line %llu repeats the prev of line %llu: it was copied or inserted after it was written"),
		    (unsigned long long)n, (unsigned long long)(n - 1));
		v->res->link_line = n;
		return;
	}
	if (i + 1 < v->n && i + 1 < first_err &&
	    memcmp(v->prev[i + 1], v->lh[i], TIM_SHA256_LEN) != 0) {
		bad(v->res, n, v->off[i],
		    _("line %llu was changed after it was written: its prev no longer matches line %llu, and line %llu no longer matches it"),
		    (unsigned long long)n, (unsigned long long)(n - 1),
		    (unsigned long long)(n + 1));
		v->res->link_line = n + 1;
		return;
	}
	bad(v->res, n - 1, i ? v->off[i - 1] : v->last_off,
	    _("line %llu was changed after it was written: it no longer matches the hash that line %llu keeps of it (prev)"),
	    (unsigned long long)(n - 1), (unsigned long long)n);
	v->res->link_line = n;
}

/* Splits a chunk into lines, checks them, and walks them in order. */
static int
verify_chunk(struct verifier *v, const char *buf, size_t len, off_t offset,
    int keep, struct tim_err *err)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t i, first_err = SIZE_MAX;
	int t, nthreads;

	v->n = 0;
	v->first = v->m.count + 1;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (grow_chunk(v, v->n + 1) < 0)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		v->p[v->n] = p;
		v->len[v->n] = (size_t)(nl - p);
		v->off[v->n] = offset + (p - buf);
		v->n++;
		p = nl + 1;
	}
	nthreads = v->n < 512 ? 1 : v->nthreads;
	tim_parallel_for(v->n, nthreads, check_part, v);
	for (t = 0; t < nthreads; t++)
		if (v->w[t].err < first_err)
			first_err = v->w[t].err;
	for (i = 0; i < v->n; i++) {
		uint64_t n = v->first + i;

		if (i == first_err) {
			for (t = 0; t < nthreads; t++)
				if (v->w[t].err == i)
					bad(v->res, n, v->off[i], "%s", v->w[t].why);
			return 0;
		}
		if (n >= 2 && n > v->covered &&
		    memcmp(v->prev[i], i ? v->lh[i - 1] : v->last, TIM_SHA256_LEN) != 0) {
			link_broken(v, i, first_err);
			return 0;
		}
		if ((keep && keep_leaf(v, v->leaf[i]) < 0) || tim_merkle_push(&v->m, v->leaf[i]) < 0)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		check_checkpoints(v, n, v->off[i]);
		if (!v->res->ok)
			return 0;
	}
	if (v->n) {
		memcpy(v->last, v->lh[v->n - 1], TIM_SHA256_LEN);
		v->last_off = v->off[v->n - 1];
	}
	return 0;
}

static int
load_checkpoints(struct verifier *v, const char *path,
    const struct tim_ledger_verify_opts *o, struct tim_err *err)
{
	char *cpath = o->checkpoints ? NULL : tim_ledger_checkpoints_path(path);
	const char *use = o->checkpoints ? o->checkpoints : cpath;
	size_t i;
	int r;

	if (use == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	/* A checkpoint named by the caller must exist; the default file may not. */
	if (o->checkpoints && access(o->checkpoints, F_OK) < 0)
		return tim_errorf(err, errno, _("cannot read checkpoint '%s'"), o->checkpoints);
	r = tim_checkpoint_read_all(use, &v->cps, &v->ncps, err);
	if (r == 0 && o->checkpoints && v->ncps == 0)
		r = tim_failf(err, _("no checkpoint in '%s'"), use);
	if (r < 0 && err->kind == TIM_ERR_REFUSED) {
		/* A checkpoint file that does not parse is a failed check. */
		bad(v->res, 0, 0, "%s", err->msg);
		tim_err_clear(err);
		r = 0;
	}
	if (r < 0) {
		free(cpath);
		return -1;
	}
	if (v->ncps > 0) {
		v->res->checkpoint_size = v->cps[v->ncps - 1].size;
		qsort(v->cps, v->ncps, sizeof(*v->cps), cmp_cp);
	}
	if (o->key != NULL) {
		v->res->signatures = 1;
		for (i = 0; i < v->ncps; i++)
			if (tim_checkpoint_verify(&v->cps[i], o->key, err) < 0) {
				bad(v->res, 0, 0, _("checkpoint of size %llu: %s"),
				    (unsigned long long)v->cps[i].size, err->msg);
				tim_err_clear(err);
			}
		if (v->res->ok && v->ncps > 0 && !o->full)
			v->covered = v->cps[v->ncps - 1].size;
		/* A key with nothing signed to check is no assurance: say so. */
		if (v->ncps == 0 && o->need_checkpoint)
			bad(v->res, 0, 0, _("no checkpoint to check the key against ('%s' is missing or empty); sign one with 'tim-ledger checkpoint'"),
			    use);
	}
	v->res->covered = v->covered;
	free(cpath);
	return 0;
}

static void
verifier_release(struct verifier *v)
{
	int t;

	for (t = 0; t < VERIFY_MAX_THREADS; t++)
		tim_sha256_free(v->w[t].h);
	free(v->p);
	free(v->len);
	free(v->off);
	free(v->lh);
	free(v->leaf);
	free(v->prev);
	free(v->leaves);
	tim_checkpoint_free_all(v->cps, v->ncps);
	tim_merkle_release(&v->m);
}

int
tim_ledger_verify(const char *path, const struct tim_ledger_verify_opts *o,
    struct tim_ledger_verify_result *res, struct tim_err *err)
{
	struct tim_ledger_verify_opts none = { .key = NULL };
	struct tim_ledger_reader *rd = NULL;
	struct verifier v;
	const char *buf;
	size_t len, i;
	off_t offset;
	int torn, got = 0, t, ret = -1;

	if (o == NULL)
		o = &none;
	memset(res, 0, sizeof(*res));
	memset(&v, 0, sizeof(v));
	res->ok = 1;
	v.res = res;
	v.nthreads = tim_parallel_threads();
	if (tim_merkle_init(&v.m) < 0)
		goto oom;
	for (t = 0; t < v.nthreads; t++)
		if ((v.w[t].h = tim_sha256_new()) == NULL)
			goto oom;
	/*
	 * Checkpoints first, then the snapshot: a checkpoint signed in between
	 * then covers lines the snapshot holds, never lines it lacks.
	 */
	if (load_checkpoints(&v, path, o, err) < 0)
		goto out;
	if (tim_ledger_reader_open(&rd, path, err) < 0 ||
	    tim_ledger_reader_snapshot(rd, err) < 0)
		goto out;
	res->append_only = tim_ledger_fd_append_only(rd->fd);
	while (res->ok &&
	    (got = tim_ledger_reader_chunk(rd, &buf, &len, &offset, &torn, err)) > 0) {
		if (torn < 0)
			bad(res, v.m.count + 1, offset, _("line longer than %d bytes"), TIM_LEDGER_READ_MAX);
		else if (torn > 0)
			bad(res, v.m.count + 1, offset,
			    _("torn last line (%zu bytes without a newline); 'tim-ledger repair' sets it aside"), len);
		else if (verify_chunk(&v, buf, len, offset, o->keep_leaves, err) < 0)
			goto out;
	}
	if (res->ok && got < 0)
		goto out;
	res->lines = v.m.count;
	if (tim_merkle_root(&v.m, res->root) < 0) {
		tim_errorf(err, 0, _("cannot hash"));
		goto out;
	}
	if (res->lines == 0)
		bad(res, 1, 0, _("empty file; not a ledger"));
	for (i = v.nextcp; i < v.ncps; i++)
		if (v.cps[i].size > res->lines) {
			bad(res, res->lines + 1, rd->end >= 0 ? rd->end : 0,
			    _("ledger shorter than its checkpoint: %llu lines, checkpoint of size %llu (lines were removed)"),
			    (unsigned long long)res->lines, (unsigned long long)v.cps[i].size);
			break;
		}
	for (i = 0; i < v.ncps && res->origin[0]; i++)
		if (strcmp(v.cps[i].origin, res->origin) != 0) {
			bad(res, 0, 0, _("checkpoint of size %llu is for origin '%s', not '%s'"),
			    (unsigned long long)v.cps[i].size, v.cps[i].origin, res->origin);
			break;
		}
	if (o->keep_leaves) {
		res->leaves = v.leaves;
		v.leaves = NULL;
	}
	ret = 0;
	if (!res->ok && v.covered > 0) {
		/* Trusting the signed root found a difference: find the line. */
		struct tim_ledger_verify_opts again = *o;

		again.full = 1;
		verifier_release(&v);
		tim_ledger_reader_close(rd);
		free(res->leaves);
		return tim_ledger_verify(path, &again, res, err);
	}
	goto out;
oom:
	tim_errorf(err, ENOMEM, _("out of memory"));
out:
	verifier_release(&v);
	tim_ledger_reader_close(rd);
	return ret;
}

