/*
 * The fast path of verify: one pass of yajl's event parser over a record
 * line, with no tree. It validates the line as JSON (UTF-8, grammar, one
 * object, nothing after it), refuses duplicate member names at every
 * depth, and keeps the members verify looks at. jansson, which builds a
 * tree, was most of the time of a full verification.
 *
 * Anything unusual (a \u escape, a NUL, a number jansson would refuse as
 * too big, deep nesting, a member-rich object, bad JSON) makes the scan
 * give up, and verify parses that line with jansson instead: the verdict
 * and its message stay jansson's.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "ledger_impl.h"
#include "banned.h"

#define SCAN_DEPTH	16	/* deeper: jansson decides */
#define SCAN_KEYS	128	/* member names open at once */
#define SCAN_NAMES	4096	/* bytes of those names */

struct scan_ctx {
	struct tim_ledger_scan *s;
	yajl_handle h;
	size_t end;			/* just after the record's closing brace */
	int depth;			/* open maps and arrays; 1 is the record */
	int is_map[SCAN_DEPTH + 1];
	size_t first_key[SCAN_DEPTH + 1];	/* the map's first name in keys */
	size_t nkeys, used;
	struct { size_t off, len; } keys[SCAN_KEYS];
	char names[SCAN_NAMES];
	const char *top;		/* the record's member whose value comes next */
	size_t toplen;
};

static int
is_top(const struct scan_ctx *c, const char *name)
{
	return c->depth == 1 && c->top != NULL && strlen(name) == c->toplen &&
	    memcmp(c->top, name, c->toplen) == 0;
}

/* After a value: the record's pending member name is used up. */
static void
value_done(struct scan_ctx *c)
{
	if (c->depth == 1)
		c->top = NULL;
}

static int
on_null(void *ctx)
{
	struct scan_ctx *c = ctx;

	if (c->depth == 0)
		return 0;	/* a record is an object */
	value_done(c);
	return 1;
}

static int
on_bool(void *ctx, int b)
{
	(void)b;
	return on_null(ctx);
}

/* Numbers as jansson takes them: an integer must fit int64, a real be finite. */
static int
on_number(void *ctx, const char *s, size_t len)
{
	struct scan_ctx *c = ctx;
	char buf[64], *end;
	int integer = memchr(s, '.', len) == NULL && memchr(s, 'e', len) == NULL &&
	    memchr(s, 'E', len) == NULL;
	long long v;

	if (len >= sizeof(buf) || c->depth == 0)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	if (integer) {
		v = strtoll(buf, &end, 10);
		if (errno || *end)
			return 0;
		if (is_top(c, "seq")) {
			c->s->seq = v;
			c->s->has_seq = 1;
		}
	} else {
		double d = strtod(buf, &end);

		if (*end || isinf(d) || isnan(d))
			return 0;
	}
	value_done(c);
	return 1;
}

static int
on_string(void *ctx, const unsigned char *s, size_t len)
{
	struct scan_ctx *c = ctx;

	if ((len && memchr(s, '\0', len) != NULL) || c->depth == 0)
		return 0;
	if (is_top(c, "prev") && len == sizeof(c->s->prev) - 1) {
		memcpy(c->s->prev, s, len);
		c->s->prev[len] = '\0';
		c->s->has_prev = 1;
	} else if (is_top(c, "time") && len < sizeof(c->s->time)) {
		memcpy(c->s->time, s, len);
		c->s->time[len] = '\0';
		c->s->has_time = 1;
	} else if (is_top(c, "kind"))
		c->s->has_kind = 1;
	else if (is_top(c, "actor"))
		c->s->has_actor = 1;
	else if (is_top(c, "host"))
		c->s->has_host = 1;
	value_done(c);
	return 1;
}

static int
open_one(struct scan_ctx *c, int map)
{
	if (c->depth == 0 && !map)
		return 0;	/* a record is an object */
	value_done(c);
	if (++c->depth > SCAN_DEPTH)
		return 0;
	c->is_map[c->depth] = map;
	c->first_key[c->depth] = c->nkeys;
	return 1;
}

static int
on_start_map(void *ctx)
{
	return open_one(ctx, 1);
}

static int
on_start_array(void *ctx)
{
	return open_one(ctx, 0);
}

static int
on_end(void *ctx)
{
	struct scan_ctx *c = ctx;

	/* The names of a closed map are no longer in the way. */
	c->nkeys = c->first_key[c->depth];
	c->used = c->nkeys ? c->keys[c->nkeys - 1].off + c->keys[c->nkeys - 1].len : 0;
	c->depth--;
	if (c->depth == 1)
		c->top = NULL;
	if (c->depth == 0)
		c->end = yajl_get_bytes_consumed(c->h);
	return 1;
}

/* A member name: refused when the object already has it. */
static int
on_key(void *ctx, const unsigned char *s, size_t len)
{
	struct scan_ctx *c = ctx;
	size_t i;

	if ((len && memchr(s, '\0', len) != NULL) || c->nkeys == SCAN_KEYS ||
	    len > SCAN_NAMES - c->used)
		return 0;
	for (i = c->first_key[c->depth]; i < c->nkeys; i++)
		if (c->keys[i].len == len &&
		    (len == 0 || memcmp(c->names + c->keys[i].off, s, len) == 0))
			return 0;
	if (len)
		memcpy(c->names + c->used, s, len);
	c->keys[c->nkeys].off = c->used;
	c->keys[c->nkeys].len = len;
	if (c->depth == 1) {
		c->top = c->names + c->used;
		c->toplen = len;
	}
	c->used += len;
	c->nkeys++;
	return 1;
}

static const yajl_callbacks callbacks = {
	on_null, on_bool, NULL, NULL, on_number, on_string,
	on_start_map, on_key, on_end, on_start_array, on_end
};

/*
 * Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF) and no control bytes: what jansson insists on and yajl's own
 * check lets through. A record line as tim writes it is always so.
 */
static int
plain_line(const unsigned char *p, size_t len)
{
	const unsigned char *e = p + len;

	while (p < e) {
		unsigned c = *p;
		size_t k;
		unsigned lo = 0x80, hi = 0xbf;

		if (c < 0x20)
			return 0;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if ((size_t)(e - p) <= k || p[1] < lo || p[1] > hi)
			return 0;
		for (p += 2; --k > 0; p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

int
tim_ledger_scan_record(const char *line, size_t len, struct tim_ledger_scan *s)
{
	struct scan_ctx c;
	yajl_handle h;
	size_t i;
	int ok;

	memset(s, 0, sizeof(*s));
	/* \u escapes (surrogates, \u0000) are jansson's to judge. */
	if (memmem(line, len, "\\u", 2) != NULL ||
	    !plain_line((const unsigned char *)line, len))
		return 0;
	memset(&c, 0, sizeof(c));
	c.s = s;
	h = yajl_alloc(&callbacks, NULL, &c);
	if (h == NULL)
		return 0;
	c.h = h;
	ok = yajl_parse(h, (const unsigned char *)line, len) == yajl_status_ok &&
	    yajl_complete_parse(h) == yajl_status_ok && c.depth == 0 && c.end > 0 &&
	    c.end <= len;
	/*
	 * yajl leaves a token cut by the end of the input (a lone quote, "tru")
	 * after the object unread: only white space may follow it.
	 */
	for (i = c.end; ok && i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '\n')
			ok = 0;
	yajl_free(h);
	if (!ok)
		memset(s, 0, sizeof(*s));
	return ok;
}
