/*
 * What is still out: take-outs and lent items (keys, media) not yet
 * returned (告示 I 第四 1 (1), III 第一 4), the overdue ones first, and
 * those still waiting for the approval tim.conf asks for.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "ledger_json.h"
#include "banned.h"

struct open_set {
	struct tim_ledger_out *v;
	size_t n, cap;
};

static int
answers(const char *kind)
{
	return strcmp(kind, "takeout") == 0 || strcmp(kind, "lend") == 0;
}

static struct tim_ledger_out *
by_seq(struct open_set *s, uint64_t seq)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].seq == seq)
			return &s->v[mid];
		if (s->v[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void
drop(struct open_set *s, struct tim_ledger_out *o)
{
	size_t i = (size_t)(o - s->v);

	json_decref(o->rec);
	memmove(o, o + 1, (s->n - i - 1) * sizeof(*o));
	s->n--;
}

static int
add_open(struct open_set *s, json_t *rec, uint64_t seq, const char *kind,
    const struct tim_ledger_rules *rules)
{
	struct tim_ledger_out *o;
	uint64_t ref;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct tim_ledger_out *p = realloc(s->v, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		s->v = p;
		s->cap = cap;
	}
	o = &s->v[s->n++];
	memset(o, 0, sizeof(*o));
	o->seq = seq;
	o->rec = json_incref(rec);
	/* Taken out with ref= to an approval, or a kind that needs none. */
	o->pending = tim_ledger_rules_approval(rules, kind) != TIM_LEDGER_APPROVAL_NONE &&
	    (tim_ledger_ref(rec, &ref) < 0 || ref == 0);
	return 0;
}

/* One record: opens, closes or approves an entry. */
static int
take(struct open_set *s, json_t *rec, const struct tim_ledger_rules *rules)
{
	const char *kind = json_string_value(json_object_get(rec, "kind"));
	const char *item = json_string_value(json_object_get(rec, "item"));
	json_t *seqv = json_object_get(rec, "seq");
	struct tim_ledger_out *o;
	uint64_t ref = 0;
	size_t i;

	if (kind == NULL || !json_is_integer(seqv))
		return 0;
	if (answers(kind))
		return add_open(s, rec, (uint64_t)json_integer_value(seqv), kind, rules);
	(void)tim_ledger_ref(rec, &ref);
	if (strcmp(kind, "approve") == 0) {
		if (ref && (o = by_seq(s, ref)) != NULL)
			o->pending = 0;
		return 0;
	}
	if (strcmp(kind, "return") != 0)
		return 0;
	if (ref) {
		if ((o = by_seq(s, ref)) != NULL)
			drop(s, o);
		return 0;
	}
	/* A return without ref= (an old paper register): the oldest of the item. */
	for (i = 0; item && i < s->n; i++) {
		const char *it = json_string_value(json_object_get(s->v[i].rec, "item"));

		if (it && strcmp(it, item) == 0) {
			drop(s, &s->v[i]);
			break;
		}
	}
	return 0;
}

static int
cmp_out(const void *a, const void *b)
{
	const struct tim_ledger_out *x = a, *y = b;

	if (x->overdue != y->overdue)
		return y->overdue - x->overdue;
	if ((x->due != 0) != (y->due != 0))
		return x->due ? -1 : 1;
	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
tim_ledger_outstanding(const char *path, const struct tim_ledger_rules *rules,
    time_t now, struct tim_ledger_out **out, size_t *n, uint64_t *broken,
    struct tim_err *err)
{
	struct tim_ledger_reader *rd = NULL;
	struct tim_sha256 *h = tim_sha256_new();
	unsigned char last[TIM_SHA256_LEN], prev[TIM_SHA256_LEN];
	struct open_set s = { 0 };
	const char *line;
	size_t len, i;
	off_t offset;
	uint64_t lineno = 0;
	int complete, got, r = -1;

	*out = NULL;
	*n = 0;
	*broken = 0;
	if (h == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (tim_ledger_reader_open(&rd, path, err) < 0 ||
	    tim_ledger_reader_snapshot(rd, err) < 0)
		goto out;
	while ((got = tim_ledger_reader_next(rd, &line, &len, &offset, &complete, err)) > 0) {
		json_t *rec;

		if (complete != 1)
			break;
		lineno++;
		if (lineno > 1 && *broken == 0 &&
		    (tim_ledger_line_prev(line, len, prev) < 0 || memcmp(prev, last, sizeof(prev)) != 0))
			*broken = lineno;
		if (tim_sha256_two(h, line, len, NULL, 0, last) < 0) {
			tim_errorf(err, 0, _("cannot hash"));
			goto out;
		}
		if (lineno == 1)
			continue;
		rec = json_loadb(line, len, 0, NULL);
		if (json_is_object(rec) && take(&s, rec, rules) < 0) {
			json_decref(rec);
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto out;
		}
		json_decref(rec);
	}
	if (got < 0)
		goto out;
	for (i = 0; i < s.n; i++) {
		const char *until = json_string_value(json_object_get(s.v[i].rec, "until"));
		time_t due;

		/* Due back by the end of the until day, in local time. */
		if (until && tim_ledger_time_parse(until, 1, &due) == 0) {
			s.v[i].due = due;
			s.v[i].overdue = due < now;
			if (s.v[i].overdue)
				s.v[i].days = (long)((now - due) / 86400) + 1;
		}
	}
	if (s.n > 1)
		qsort(s.v, s.n, sizeof(*s.v), cmp_out);
	*out = s.v;
	*n = s.n;
	s.v = NULL;
	s.n = 0;
	r = 0;
out:
	tim_ledger_outstanding_free(s.v, s.n);
	tim_ledger_reader_close(rd);
	tim_sha256_free(h);
	return r;
}

void
tim_ledger_outstanding_free(struct tim_ledger_out *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_decref(v[i].rec);
	free(v);
}
