/*
 * Per-kind rules from tim.conf and the links between records.
 *
 *	[kind takeout]
 *	require = by, purpose, until
 *	require-approval = yes
 *	unapproved = pending		(or refuse)
 *
 * A record may name the record it answers (ref=SEQ): approve answers a
 * request, return answers a takeout or lend. The links are checked under
 * the lock, against the records already written (found by seq with a
 * binary search: the lines are in seq order) or earlier in the same batch.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "i18n.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "ledger_json.h"
#include "util.h"
#include "banned.h"

#define RULE_FIELDS 16

struct kind_rule {
	const char *kind;
	char *require[RULE_FIELDS];
	size_t nrequire;
	int approval;		/* TIM_LEDGER_APPROVAL_* */
};

struct tim_ledger_rules {
	struct kind_rule *k;
	size_t n;
};

static struct kind_rule *
rule_for(const struct tim_ledger_rules *r, const char *kind)
{
	size_t i;

	for (i = 0; r && i < r->n; i++)
		if (strcmp(r->k[i].kind, kind) == 0)
			return &r->k[i];
	return NULL;
}

struct section_check {
	struct tim_err *err;
	int bad;
};

static void
check_section(const char *section, void *arg)
{
	struct section_check *c = arg;

	if (c->bad || strncmp(section, "kind ", 5) != 0)
		return;
	if (tim_ledger_kind_find(section + 5) == NULL) {
		tim_errorf(c->err, 0, _("tim.conf: [%s]: unknown record kind '%s' (see 'tim-ledger kinds')"),
		    section, section + 5);
		c->bad = 1;
	}
}

/* "by, purpose until" into the rule's list of fields. */
static int
parse_require(struct kind_rule *k, const char *section, const char *list,
    struct tim_err *err)
{
	struct tim_buf name = TIM_BUF_INIT;
	const char *p = list;
	int r = 0;

	while (*p && r == 0) {
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		tim_buf_reset(&name);
		tim_buf_add(&name, p, n);
		p += n;
		if (!tim_ledger_field_ok(tim_buf_str(&name)))
			r = tim_errorf(err, 0, _("tim.conf: [%s] require: '%s' is not a field name"),
			    section, tim_buf_str(&name));
		else if (k->nrequire == RULE_FIELDS)
			r = tim_errorf(err, 0, _("tim.conf: [%s] require: more than %d fields"),
			    section, RULE_FIELDS);
		else if ((k->require[k->nrequire++] = strdup(tim_buf_str(&name))) == NULL)
			r = tim_errorf(err, ENOMEM, _("out of memory"));
	}
	tim_buf_release(&name);
	return r;
}

static int
parse_approval(struct kind_rule *k, const struct tim_config *cfg,
    const char *section, struct tim_err *err)
{
	const char *req = tim_config_get(cfg, section, "require-approval");
	const char *un = tim_config_get(cfg, section, "unapproved");
	int yes;

	if (req == NULL)
		yes = 0;
	else if (!strcmp(req, "yes") || !strcmp(req, "true") || !strcmp(req, "on") || !strcmp(req, "1"))
		yes = 1;
	else if (!strcmp(req, "no") || !strcmp(req, "false") || !strcmp(req, "off") || !strcmp(req, "0"))
		yes = 0;
	else
		return tim_errorf(err, 0, _("tim.conf: [%s] require-approval = '%s': use yes or no"),
		    section, req);
	if (un != NULL && strcmp(un, "pending") != 0 && strcmp(un, "refuse") != 0)
		return tim_errorf(err, 0, _("tim.conf: [%s] unapproved = '%s': use pending or refuse"),
		    section, un);
	if (un != NULL && !yes)
		return tim_errorf(err, 0, _("tim.conf: [%s] unapproved is set but require-approval is not yes"),
		    section);
	k->approval = !yes ? TIM_LEDGER_APPROVAL_NONE :
	    un && strcmp(un, "refuse") == 0 ? TIM_LEDGER_APPROVAL_REFUSE :
	    TIM_LEDGER_APPROVAL_PENDING;
	return 0;
}

int
tim_ledger_rules_load(struct tim_ledger_rules **out,
    const struct tim_config *cfg, struct tim_err *err)
{
	struct tim_ledger_rules *r;
	struct section_check sc = { err, 0 };
	const struct tim_ledger_kind *k;
	struct tim_buf section = TIM_BUF_INIT;
	size_t n = 0;

	*out = NULL;
	if (cfg != NULL)
		tim_config_each_section(cfg, check_section, &sc);
	if (sc.bad)
		return -1;
	for (k = tim_ledger_kinds; k->name; k++)
		n++;
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->k = calloc(n, sizeof(*r->k))) == NULL) {
		free(r);
		return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	for (k = tim_ledger_kinds; k->name; k++) {
		struct kind_rule *kr = &r->k[r->n++];
		const char *req;

		kr->kind = k->name;
		if (cfg == NULL)
			continue;
		tim_buf_reset(&section);
		tim_buf_addf(&section, "kind %s", k->name);
		req = tim_config_get(cfg, section.buf, "require");
		if ((req && parse_require(kr, section.buf, req, err) < 0) ||
		    parse_approval(kr, cfg, section.buf, err) < 0) {
			tim_buf_release(&section);
			tim_ledger_rules_free(r);
			return -1;
		}
	}
	tim_buf_release(&section);
	*out = r;
	return 0;
}

void
tim_ledger_rules_free(struct tim_ledger_rules *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		for (j = 0; j < r->k[i].nrequire; j++)
			free(r->k[i].require[j]);
	free(r->k);
	free(r);
}

size_t
tim_ledger_rules_required(const struct tim_ledger_rules *r, const char *kind,
    const char *const **fields)
{
	struct kind_rule *k = rule_for(r, kind);

	*fields = k ? (const char *const *)k->require : NULL;
	return k ? k->nrequire : 0;
}

int
tim_ledger_rules_approval(const struct tim_ledger_rules *r, const char *kind)
{
	struct kind_rule *k = rule_for(r, kind);

	return k ? k->approval : TIM_LEDGER_APPROVAL_NONE;
}

void
tim_ledger_set_rules(struct tim_ledger *l, const struct tim_ledger_rules *r)
{
	l->rules = r;
}

static int
empty(const json_t *v)
{
	return v == NULL || json_is_null(v) ||
	    (json_is_string(v) && json_string_length(v) == 0);
}

int
tim_ledger_rules_check(const struct tim_ledger_rules *r, const char *kind,
    const json_t *fields, struct tim_err *err)
{
	struct kind_rule *k = rule_for(r, kind);
	size_t i;

	for (i = 0; k && i < k->nrequire; i++)
		if (empty(json_object_get(fields, k->require[i])))
			return tim_invalidf(err, _("a '%s' record needs the field '%s' (required by [kind %s] in tim.conf)"),
			    kind, k->require[i], kind);
	return 0;
}

/* ref=SEQ as a number: 0 when absent, -1 when not a record number. */
static int
ref_of(const json_t *fields, uint64_t *ref)
{
	const json_t *v = json_object_get(fields, "ref");
	const char *s;
	char *end;

	*ref = 0;
	if (v == NULL)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*ref = (uint64_t)json_integer_value(v);
		return 0;
	}
	s = json_string_value(v);
	if (s == NULL || *s < '1' || *s > '9')
		return -1;
	errno = 0;
	*ref = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int
tim_ledger_ref(const json_t *fields, uint64_t *ref)
{
	return ref_of(fields, ref);
}

/* Reads the line starting at off (without its LF) into b. */
static int
line_at(int fd, off_t off, off_t size, struct tim_buf *b)
{
	char chunk[4096];

	tim_buf_reset(b);
	while (off < size) {
		size_t want = size - off < (off_t)sizeof(chunk) ? (size_t)(size - off) : sizeof(chunk);
		ssize_t n = pread(fd, chunk, want, off);
		char *nl;

		if (n <= 0)
			return -1;
		nl = memchr(chunk, '\n', (size_t)n);
		if (tim_buf_add(b, chunk, nl ? (size_t)(nl - chunk) : (size_t)n) < 0)
			return -1;
		if (nl)
			return 0;
		if (b->len > TIM_LEDGER_READ_MAX)
			return -1;
		off += n;
	}
	return 0;
}

/* The start of the first line at or after off. */
static int
line_start(int fd, off_t off, off_t size, off_t *start)
{
	char chunk[4096];

	if (off == 0) {
		*start = 0;
		return 0;
	}
	off--;
	while (off < size) {
		size_t want = size - off < (off_t)sizeof(chunk) ? (size_t)(size - off) : sizeof(chunk);
		ssize_t n = pread(fd, chunk, want, off);
		char *nl;

		if (n <= 0)
			return -1;
		nl = memchr(chunk, '\n', (size_t)n);
		if (nl) {
			*start = off + (nl - chunk) + 1;
			return 0;
		}
		off += n;
	}
	*start = size;
	return 0;
}

/*
 * The record with seq want, already in the file (under the lock): its
 * parsed line into *out, or NULL when there is none. The lines are in seq
 * order, so a binary search over byte offsets finds it in a few reads.
 */
static int
find_record(struct tim_ledger *l, uint64_t want, json_t **out)
{
	struct tim_buf b = TIM_BUF_INIT;
	off_t lo = 0, hi = l->size, mid, s;
	int r = 0;

	*out = NULL;
	while (lo < hi) {
		json_t *o, *seq;
		uint64_t got;

		mid = lo + (hi - lo) / 2;
		if (line_start(l->fd, mid, hi, &s) < 0) {
			r = -1;
			break;
		}
		if (s >= hi) {
			hi = mid;
			continue;
		}
		if (line_at(l->fd, s, l->size, &b) < 0) {
			r = -1;
			break;
		}
		o = json_loadb(b.buf, b.len, 0, NULL);
		seq = json_object_get(o, "seq");
		got = json_is_integer(seq) ? (uint64_t)json_integer_value(seq) : 0;
		if (got == want && want > 0) {
			*out = o;
			break;
		}
		json_decref(o);
		if (got < want)
			lo = s + (off_t)b.len + 1;
		else
			hi = s;
	}
	tim_buf_release(&b);
	return r;
}

/*
 * The links of a record about to get seq: ref names an earlier record,
 * of a kind the answer fits; a kind that needs approval and refuses
 * without it carries ref to an approve record for that kind. batch holds
 * the records before it in the same batch (seq0 onwards), or is NULL.
 */
int
tim_ledger_links_check(struct tim_ledger *l, const char *kind,
    const json_t *fields, uint64_t seq, uint64_t seq0,
    const char *const *bkinds, json_t *const *bfields, struct tim_err *err)
{
	const char *tkind = NULL, *taction = NULL;
	json_t *found = NULL;
	const json_t *target = NULL;
	uint64_t ref;
	int approval = tim_ledger_rules_approval(l->rules, kind), r = -1;

	if (ref_of(fields, &ref) < 0)
		return tim_invalidf(err, _("ref must be the seq of an earlier record, not '%s'"),
		    json_is_string(json_object_get(fields, "ref")) ?
		    json_string_value(json_object_get(fields, "ref")) : "?");
	if (ref == 0) {
		if (approval == TIM_LEDGER_APPROVAL_REFUSE)
			return tim_failf(err, _("a '%s' record needs approval first ([kind %s] unapproved = refuse): record 'approve action=%s' and give its seq as ref="),
			    kind, kind, kind);
		return 0;
	}
	if (ref >= seq)
		return tim_invalidf(err, _("ref=%llu does not name an earlier record (this one gets seq %llu)"),
		    (unsigned long long)ref, (unsigned long long)seq);
	if (bkinds != NULL && ref >= seq0) {
		tkind = bkinds[ref - seq0];
		target = bfields[ref - seq0];
	} else {
		if (find_record(l, ref, &found) < 0)
			return tim_errorf(err, errno, _("cannot read ledger '%s'"), l->path);
		if (found == NULL)
			return tim_invalidf(err, _("ref=%llu: no such record in '%s'"),
			    (unsigned long long)ref, l->path);
		target = found;
		tkind = json_string_value(json_object_get(found, "kind"));
	}
	taction = json_string_value(json_object_get(target, "action"));
	if (tkind == NULL)
		tkind = "";
	if (strcmp(kind, "return") == 0 && strcmp(tkind, "takeout") != 0 &&
	    strcmp(tkind, "lend") != 0)
		tim_invalidf(err, _("a return answers a takeout or lend, but ref=%llu is a '%s' record"),
		    (unsigned long long)ref, tkind);
	else if (strcmp(kind, "approve") == 0 && (strcmp(tkind, "approve") == 0 ||
	    strcmp(tkind, "note") == 0 || strcmp(tkind, "repair") == 0))
		tim_invalidf(err, _("an approval answers a request, but ref=%llu is a '%s' record"),
		    (unsigned long long)ref, tkind);
	else if (strcmp(kind, "approve") == 0 &&
	    !empty(json_object_get(fields, "action")) &&
	    json_is_string(json_object_get(fields, "action")) &&
	    strcmp(json_string_value(json_object_get(fields, "action")), tkind) != 0)
		tim_invalidf(err, _("approve action=%s, but ref=%llu is a '%s' record"),
		    json_string_value(json_object_get(fields, "action")),
		    (unsigned long long)ref, tkind);
	else if (approval == TIM_LEDGER_APPROVAL_REFUSE &&
	    (strcmp(tkind, "approve") != 0 || taction == NULL || strcmp(taction, kind) != 0))
		tim_failf(err, _("a '%s' record needs approval first ([kind %s] unapproved = refuse): ref=%llu is not an 'approve action=%s' record"),
		    kind, kind, (unsigned long long)ref, kind);
	else
		r = 0;
	json_decref(found);
	return r;
}
