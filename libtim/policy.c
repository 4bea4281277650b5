#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "inifile.h"
#include "label.h"
#include "policy.h"
#include "report.h"
#include "util.h"
#include "banned.h"

#define POLICY_MAX (1 << 20)

int
tim_globs_add(struct tim_globs *g, const char *pat)
{
	char **np, *s;

	s = strdup(pat);
	if (s == NULL)
		return -1;
	np = realloc(g->pat, (g->n + 1) * sizeof(*np));
	if (np == NULL) {
		free(s);
		return -1;
	}
	g->pat = np;
	g->pat[g->n++] = s;
	return 0;
}

void
tim_globs_release(struct tim_globs *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->pat[i]);
	free(g->pat);
	g->pat = NULL;
	g->n = 0;
}

/* Adds each comma-separated item of list, trimmed; empty items are skipped. */
static int
add_list(struct tim_globs *g, const char *list)
{
	const char *p = list, *e, *a, *b;
	struct tim_buf item = TIM_BUF_INIT;
	int r = 0;

	for (;;) {
		e = strchr(p, ',');
		a = p;
		b = e ? e : p + strlen(p);
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a) {
			tim_buf_reset(&item);
			tim_buf_add(&item, a, (size_t)(b - a));
			if (item.failed || tim_globs_add(g, item.buf) < 0)
				r = -1;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	tim_buf_release(&item);
	return r;
}

int
tim_policy_init(struct tim_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->carriers = TIM_CARRIERS_ALL;
	p->scan_limit = TIM_POLICY_SCAN_LIMIT;
	p->words_default = 1;
	return add_list(&p->words, TIM_POLICY_WORDS);
}

void
tim_policy_release(struct tim_policy *p)
{
	size_t i;

	for (i = 0; i < p->nzones; i++) {
		free(p->zones[i].name);
		free(p->zones[i].min_level);
		tim_globs_release(&p->zones[i].paths);
		tim_globs_release(&p->zones[i].ledgers);
	}
	free(p->zones);
	for (i = 0; i < p->nrules; i++)
		free(p->rules[i].id);
	free(p->rules);
	tim_globs_release(&p->exclude);
	tim_globs_release(&p->words);
	tim_globs_release(&p->ledgers);
	free(p->levels);
	free(p->name_template);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

/*
 * Matching is linear in pattern x path: no backtracking over "**" or "*".
 * A segment is matched by the classic two-pointer scan that returns only to
 * the last "*" (each pattern element is compared against each path character
 * at most once per start position: O(|seg| * |name|)); the segments by a
 * table of reachable path positions, one row per pattern segment. Bracket
 * expressions are handed to fnmatch one character at a time, so their
 * syntax (ranges, [:classes:], "!" and "^") is glibc's.
 */

/* Bytes in the UTF-8 character at s (1 for a stray byte). */
static size_t
u8len(const char *s)
{
	unsigned char c = (unsigned char)s[0];
	size_t n, i;

	if (c < 0xc0)
		return 1;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf8 ? 4 : 1;
	for (i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

/* The end (one past ']') of the bracket expression at p, or NULL. */
static const char *
bracket_end(const char *p)
{
	p++;
	if (*p == '!' || *p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (p[0] == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			const char *q = strchr(p + 2, p[1]);

			while (q && q[1] != ']')
				q = strchr(q + 1, p[1]);
			if (q == NULL)
				return NULL;
			p = q + 2;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	return *p == ']' ? p + 1 : NULL;
}

/*
 * Whether the single-character element at *pp matches the character at s
 * (of n bytes); *pp moves past the element.
 */
static int
elem_match(const char **pp, const char *s, size_t n)
{
	const char *p = *pp, *e;
	char one[8], cls[256];
	size_t k;

	if (*p == '?') {
		*pp = p + 1;
		return 1;
	}
	if (*p == '[' && (e = bracket_end(p)) != NULL) {
		char *c = (size_t)(e - p) < sizeof(cls) ? cls : malloc((size_t)(e - p) + 1);
		int r;

		*pp = e;
		if (c == NULL)
			return 0;
		memcpy(c, p, (size_t)(e - p));
		c[e - p] = '\0';
		memcpy(one, s, n);
		one[n] = '\0';
		r = fnmatch(c, one, 0) == 0;
		if (c != cls)
			free(c);
		return r;
	}
	if (*p == '\\' && p[1])
		p++;
	k = u8len(p);
	*pp = p + k;
	return k == n && memcmp(p, s, n) == 0;
}

/* One name against one segment pattern; neither holds a '/'. */
static int
seg_match(const char *p, const char *s)
{
	const char *star = NULL, *mark = NULL;
	size_t n;

	for (;;) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == '\0')
				return 1;
			star = p;
			mark = s;
			continue;
		}
		if (*s == '\0')
			return *p == '\0';
		n = u8len(s);
		if (*p != '\0' && elem_match(&p, s, n)) {
			s += n;
			continue;
		}
		if (star == NULL)
			return 0;
		/* Let the last "*" take one more character and retry. */
		mark += u8len(mark);
		p = star;
		s = mark;
	}
}

/* Splits s (modified in place) at '/' into its non-empty segments. */
static size_t
split(char *s, char **out)
{
	size_t n = 0;
	char *p = s, *e;

	while (*p) {
		e = strchr(p, '/');
		if (e)
			*e = '\0';
		if (*p)
			out[n++] = p;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return n;
}

static size_t
count_segs(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '/';
	return n;
}

/*
 * Pattern segments against path segments: at[j] says the segments so far
 * match xs[0..j); "**" spans any number of segments.
 */
static int
match_segs(char **ps, size_t np, char **xs, size_t nx)
{
	unsigned char *at, *nt, *t;
	size_t i, j;
	int any, r;

	at = calloc(2 * (nx + 1), 1);
	if (at == NULL)
		return 0;
	nt = at + nx + 1;
	at[0] = 1;
	for (i = 0; i < np; i++) {
		memset(nt, 0, nx + 1);
		any = 0;
		if (strcmp(ps[i], "**") == 0) {
			for (j = 0; j <= nx; j++) {
				any |= at[j];
				nt[j] = (unsigned char)any;
			}
		} else {
			for (j = 0; j < nx; j++)
				if (at[j] && seg_match(ps[i], xs[j]))
					nt[j + 1] = any = 1;
		}
		t = at;
		at = nt;
		nt = t;
		if (!any)
			break;
	}
	r = at[nx];
	free(at < nt ? at : nt);
	return r;
}

int
tim_glob_match(const char *pat, const char *path, int is_dir)
{
	char *pc, *xc, **ps, **xs;
	size_t np, nx, len = strlen(pat), off = 0;
	int anchored, r = 0;

	if (len == 0)
		return 0;
	if (pat[len - 1] == '/') {
		if (!is_dir)
			return 0;
		len--;
	}
	/* A slash before the end anchors the pattern at the root. */
	anchored = memchr(pat, '/', len) != NULL;
	if (pat[0] == '/')
		off = 1;
	pc = strndup(pat + off, len - off);
	xc = strdup(path);
	ps = pc ? calloc(count_segs(pc) + 1, sizeof(*ps)) : NULL;
	xs = xc ? calloc(count_segs(xc), sizeof(*xs)) : NULL;
	if (ps && xs) {
		if (anchored) {
			np = split(pc, ps);
		} else {
			ps[0] = (char *)"**";
			np = 1 + split(pc, ps + 1);
		}
		nx = split(xc, xs);
		r = np > 0 && match_segs(ps, np, xs, nx);
	}
	free(ps);
	free(xs);
	free(pc);
	free(xc);
	return r;
}

int
tim_globs_excluded(const struct tim_globs *g, const char *path, int is_dir)
{
	size_t i;
	int ex = 0;

	for (i = 0; i < g->n; i++) {
		const char *pat = g->pat[i];
		int neg = pat[0] == '!';

		if (tim_glob_match(pat + neg, path, is_dir))
			ex = !neg;
	}
	return ex;
}

int
tim_globs_cover(const struct tim_globs *g, const char *path)
{
	struct tim_buf b = TIM_BUF_INIT;
	size_t i;
	char *slash;
	int r = 0;

	if (tim_buf_adds(&b, path) < 0)
		return 0;
	/* The path itself, then each folder above it. */
	for (;;) {
		for (i = 0; i < g->n && !r; i++)
			r = tim_glob_match(g->pat[i], b.buf, b.len < strlen(path));
		if (r)
			break;
		slash = strrchr(b.buf, '/');
		if (slash == NULL)
			break;
		tim_buf_truncate(&b, (size_t)(slash - b.buf));
	}
	tim_buf_release(&b);
	return r;
}

struct parse_ctx {
	struct tim_policy *p;
	struct tim_err *err;
	const char *file;
	int failed;
};

static int
yesno(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int
carriers(const char *v, int *out, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	const char *p;
	int r;

	for (p = v; *p; p++)
		if (*p != ' ' && *p != '\t')
			tim_buf_addch(&b, *p);
	r = b.failed ? -1 : tim_label_carriers_parse(tim_buf_str(&b), out, err);
	tim_buf_release(&b);
	return r;
}

/* `zone "name"` or `rule "id"`: the quoted name, or NULL. */
static char *
quoted(const char *section, const char *kind)
{
	size_t k = strlen(kind), len;

	if (strncmp(section, kind, k) != 0)
		return NULL;
	section += k;
	while (*section == ' ' || *section == '\t')
		section++;
	len = strlen(section);
	if (len < 3 || section[0] != '"' || section[len - 1] != '"' ||
	    memchr(section + 1, '"', len - 2) != NULL)
		return NULL;
	return strndup(section + 1, len - 2);
}

static struct tim_zone *
zone_for(struct tim_policy *p, const char *name)
{
	struct tim_zone *z;
	size_t i;

	for (i = 0; i < p->nzones; i++)
		if (strcmp(p->zones[i].name, name) == 0)
			return &p->zones[i];
	z = realloc(p->zones, (p->nzones + 1) * sizeof(*z));
	if (z == NULL)
		return NULL;
	p->zones = z;
	z = &p->zones[p->nzones];
	memset(z, 0, sizeof(*z));
	z->carriers = -1;
	z->name = strdup(name);
	if (z->name == NULL)
		return NULL;
	p->nzones++;
	return z;
}

static int
set_rule(struct tim_policy *p, const char *id, const char *key, const char *v,
    struct tim_err *err)
{
	struct tim_rule_setting *nr;
	int sev, on;

	if (strcmp(key, "severity") == 0) {
		sev = tim_severity_parse(v);
		if (sev < 0)
			return tim_invalidf(err, _("unknown severity '%s' (error, warning, note, off)"), v);
	} else if (strcmp(key, "enabled") == 0) {
		if (yesno(v, &on) < 0)
			return tim_invalidf(err, _("'%s' is not yes or no"), v);
		if (on)
			return 0;
		sev = TIM_SEV_NONE;
	} else
		return tim_invalidf(err, _("unknown key '%s'"), key);
	nr = realloc(p->rules, (p->nrules + 1) * sizeof(*nr));
	if (nr == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	p->rules = nr;
	nr[p->nrules].id = strdup(id);
	nr[p->nrules].severity = sev;
	if (nr[p->nrules].id == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	p->nrules++;
	return 0;
}

static int
set_zone(struct tim_policy *p, const char *name, const char *key,
    const char *v, struct tim_err *err)
{
	struct tim_zone *z = zone_for(p, name);
	int *flag = NULL;

	if (z == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (strcmp(key, "path") == 0)
		return add_list(&z->paths, v) < 0 ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
	if (strcmp(key, "ledger") == 0 || strcmp(key, "ledgers") == 0)
		return add_list(&z->ledgers, v) < 0 ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
	if (strcmp(key, "min-level") == 0) {
		free(z->min_level);
		z->min_level = strdup(v);
		return z->min_level ? 0 : tim_errorf(err, ENOMEM, _("out of memory"));
	}
	if (strcmp(key, "carriers") == 0)
		return carriers(v, &z->carriers, err);
	if (strcmp(key, "controlled") == 0)
		flag = &z->controlled;
	else if (strcmp(key, "forbid-marked") == 0)
		flag = &z->forbid_marked;
	else if (strcmp(key, "outbound") == 0)
		flag = &z->outbound;
	if (flag == NULL)
		return tim_invalidf(err, _("unknown key '%s'"), key);
	if (yesno(v, flag) < 0)
		return tim_invalidf(err, _("'%s' is not yes or no"), v);
	return 0;
}

static int
set_check(struct tim_policy *p, const char *key, const char *v,
    struct tim_err *err)
{
	char *end;
	unsigned long long n;

	if (strcmp(key, "label-words") == 0) {
		/* The first label-words line replaces the defaults. */
		if (p->words_default)
			tim_globs_release(&p->words);
		p->words_default = 0;
		return add_list(&p->words, v) < 0 ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
	}
	if (strcmp(key, "exclude") == 0)
		return add_list(&p->exclude, v) < 0 ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
	if (strcmp(key, "ledgers") == 0 || strcmp(key, "ledger") == 0)
		return add_list(&p->ledgers, v) < 0 ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
	if (strcmp(key, "carriers") == 0)
		return carriers(v, &p->carriers, err);
	if (strcmp(key, "scan-limit") == 0) {
		errno = 0;
		n = strtoull(v, &end, 10);
		if (errno || end == v || *end || n == 0 || n > (1ull << 32))
			return tim_invalidf(err, _("scan-limit '%s' is not a number of bytes (1 to 4294967296)"), v);
		p->scan_limit = (size_t)n;
		return 0;
	}
	return tim_invalidf(err, _("unknown key '%s'"), key);
}

static int
set_label(struct tim_policy *p, const char *key, const char *v,
    struct tim_err *err)
{
	char **dst;

	if (strcmp(key, "levels") == 0)
		dst = &p->levels;
	else if (strcmp(key, "name-template") == 0)
		dst = &p->name_template;
	else
		return tim_invalidf(err, _("unknown key '%s'"), key);
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : tim_errorf(err, ENOMEM, _("out of memory"));
}

static int
handler(void *arg, const char *section, const char *key, const char *value)
{
	struct parse_ctx *c = arg;
	struct tim_policy *p = c->p;
	char *name;
	int r;

	if (c->failed)
		return 0;
	if (strcmp(section, "check") == 0)
		r = set_check(p, key, value, c->err);
	else if (strcmp(section, "label") == 0)
		r = set_label(p, key, value, c->err);
	else if ((name = quoted(section, "zone")) != NULL) {
		r = set_zone(p, name, key, value, c->err);
		free(name);
	} else if ((name = quoted(section, "rule")) != NULL) {
		r = set_rule(p, name, key, value, c->err);
		free(name);
	} else
		r = tim_invalidf(c->err, _("unknown section [%s]"), section);
	if (r < 0) {
		c->failed = 1;
		return 0;
	}
	return 1;
}

int
tim_policy_parse(struct tim_policy *p, const char *text, size_t len,
    const char *name, struct tim_err *err)
{
	struct parse_ctx c = { p, err, name, 0 };
	struct tim_ini ini;
	size_t i;
	int line;

	if (memchr(text, '\0', len) != NULL)
		return tim_invalidf(err, _("policy '%s' is not a text file"), name);
	line = tim_ini_parse(&ini, text, len, handler, &c);
	if (line == -2)
		return tim_invalidf(err, _("policy '%s' line %d is longer than %d bytes"),
		    name, ini.toolong, TIM_INI_LINE);
	if (line != 0) {
		if (line > 0 && c.failed)
			tim_err_prefix(err, _("policy '%s' line %d: "), name, line);
		else if (line > 0)
			tim_invalidf(err, _("policy '%s' line %d: syntax error"), name, line);
		else
			tim_errorf(err, ENOMEM, _("out of memory"));
		if (line > 0)
			err->kind = TIM_ERR_INVALID;
		return -1;
	}
	for (i = 0; i < p->nzones; i++)
		if (p->zones[i].paths.n == 0)
			return tim_invalidf(err, _("policy '%s': zone \"%s\" has no path"), name, p->zones[i].name);
	free(p->file);
	p->file = strdup(name);
	return 0;
}

int
tim_policy_load(struct tim_policy *p, const char *path, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	int r;

	if (tim_read_file(path, POLICY_MAX, 0, &b, err) < 0) {
		tim_buf_release(&b);
		return -1;
	}
	r = tim_policy_parse(p, tim_buf_str(&b), b.len, path, err);
	tim_buf_release(&b);
	return r;
}

int
tim_policy_load_ignore(struct tim_policy *p, const char *path,
    struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	char *line, *nl, *end;
	int r = 0;

	if (tim_read_file(path, POLICY_MAX, 0, &b, err) < 0) {
		tim_buf_release(&b);
		return -1;
	}
	for (line = b.buf; line && line < b.buf + b.len; line = nl ? nl + 1 : NULL) {
		nl = memchr(line, '\n', (size_t)(b.buf + b.len - line));
		end = nl ? nl : b.buf + b.len;
		if (end > line && end[-1] == '\r')
			end--;
		while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if (tim_globs_add(&p->exclude, line) < 0) {
			r = tim_errorf(err, ENOMEM, _("out of memory"));
			break;
		}
	}
	tim_buf_release(&b);
	return r;
}
