/*
 * Import: an existing register kept in Excel (or on paper, typed into
 * Excel), saved as CSV, appended as records with their own dates (at=), in
 * one batch under one lock: all or nothing.
 *
 * Excel saves "CSV (コンマ区切り)" in CP932 without a byte order mark and
 * "CSV UTF-8" with one; both end rows in CRLF and quote cells RFC 4180's
 * way, with line breaks inside quoted cells.
 */
#include <errno.h>
#include <iconv.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "ledger_json.h"
#include "util.h"
#include "banned.h"

#define IMPORT_MAX (64 << 20)

/*
 * Column headers people meet in tim's own CSV, in English and in the
 * language of the run; the same table names the columns tim writes.
 */
static const struct {
	const char *field, *head;
} heads[] = {
	{ "seq", N_("seq") }, { "time", N_("recorded at") }, { "kind", N_("kind") },
	{ "actor", N_("recorded by (OS user)") }, { "host", N_("host") },
	{ "item", N_("item") }, { "to", N_("to") }, { "from", N_("from") },
	{ "by", N_("person responsible") }, { "purpose", N_("purpose") },
	{ "until", N_("due back") }, { "at", N_("happened at") },
	{ "ref", N_("answers seq") }, { "level", N_("level") },
	{ "method", N_("method") }, { "action", N_("action") },
	{ "result", N_("result") }, { "text", N_("text") },
	{ "reason", N_("reason") }, { "status", N_("status") },
};

const char *
tim_ledger_field_head(const char *field)
{
	size_t i;

	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		if (strcmp(heads[i].field, field) == 0)
			return _(heads[i].head);
	return field;
}

/* Headings of paper and Excel registers, taken as these fields. */
static const struct {
	const char *head, *field;
} aliases[] = {
	{ "日付", "at" }, { "日時", "at" }, { "持出し日", "at" }, { "持出日", "at" },
	{ "品名", "item" }, { "件名", "item" }, { "資料名", "item" }, { "媒体", "item" },
	{ "持出し先", "to" }, { "持出先", "to" }, { "宛先", "to" }, { "貸出先", "to" },
	{ "担当者", "by" }, { "返却予定日", "until" }, { "返却期限日", "until" },
	{ "備考", "text" }, { "種別", "kind" }, { "目的", "purpose" }, { "責任者", "by" },
};

/* The field a header names: the field itself, or a header tim writes. */
static const char *
head_field(const char *head)
{
	size_t i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].head, head) == 0)
			return aliases[i].field;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		if (strcmp(heads[i].head, head) == 0 || strcmp(_(heads[i].head), head) == 0)
			return heads[i].field;
	return head;
}

static int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;

	while (p < e) {
		size_t k;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			k = 1;
		else if ((*p & 0xf0) == 0xe0)
			k = 2;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			k = 3;
		else
			return 0;
		if ((size_t)(e - p) <= k)
			return 0;
		for (p++; k > 0; k--, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

/* in (CP932 or another iconv name) into UTF-8 in out. */
static int
to_utf8(const char *enc, const struct tim_buf *in, struct tim_buf *out,
    struct tim_err *err)
{
	iconv_t cd = iconv_open("UTF-8", enc);
	char *ip = in->buf, *op;
	size_t il = in->len, ol;

	if (cd == (iconv_t)-1)
		return tim_invalidf(err, _("unknown encoding '%s' (use UTF-8 or CP932)"), enc);
	if (tim_buf_grow(out, in->len * 3 + 16) < 0) {
		iconv_close(cd);
		return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	op = out->buf;
	ol = in->len * 3 + 16;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
		iconv_close(cd);
		return tim_failf(err, _("byte %zu is not %s; save the file from Excel as 'CSV UTF-8' or give --encoding"),
		    (size_t)(ip - in->buf), enc);
	}
	iconv_close(cd);
	out->len = (size_t)(op - out->buf);
	out->buf[out->len] = '\0';
	return 0;
}

/* One CSV record (RFC 4180) from *p: its cells, and the line it starts on. */
struct row {
	char **cell;
	size_t n, cap;
	size_t line;
};

static void
row_clear(struct row *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->cell[i]);
	r->n = 0;
}

static int
row_push(struct row *r, struct tim_buf *cell)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **p = realloc(r->cell, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		r->cell = p;
		r->cap = cap;
	}
	if ((r->cell[r->n] = strdup(tim_buf_str(cell))) == NULL)
		return -1;
	r->n++;
	tim_buf_reset(cell);
	return 0;
}

/* 1 and a row, 0 at the end, -1 with err. *line counts lines. */
static int
next_row(const char **pp, const char *end, size_t *line, struct row *r,
    const char *name, struct tim_err *err)
{
	struct tim_buf cell = TIM_BUF_INIT;
	const char *p = *pp;
	int quoted = 0, started = 0, ret = 1;

	row_clear(r);
	if (p >= end)
		return 0;
	r->line = *line;
	for (; p < end; p++) {
		char c = *p;

		if (quoted) {
			if (c == '"' && p + 1 < end && p[1] == '"') {
				tim_buf_addch(&cell, '"');
				p++;
			} else if (c == '"')
				quoted = 0;
			else if (c == '\r' && p + 1 < end && p[1] == '\n')
				continue;	/* a CRLF inside a cell is a line break */
			else {
				if (c == '\n')
					(*line)++;
				tim_buf_addch(&cell, c);
			}
			continue;
		}
		if (c == '"' && cell.len == 0 && !started) {
			quoted = started = 1;
		} else if (c == ',') {
			if (row_push(r, &cell) < 0)
				goto oom;
			started = 0;
		} else if (c == '\r' && p + 1 < end && p[1] == '\n') {
			continue;
		} else if (c == '\n') {
			(*line)++;
			p++;
			break;
		} else if (c == '"') {
			ret = tim_failf(err, _("%s line %zu: a quote inside an unquoted cell"), name, *line);
			goto out;
		} else {
			tim_buf_addch(&cell, c);
			started = 1;
		}
	}
	if (quoted) {
		ret = tim_failf(err, _("%s line %zu: a quoted cell is not closed"), name, r->line);
		goto out;
	}
	if (row_push(r, &cell) < 0)
		goto oom;
	goto out;
oom:
	ret = tim_errorf(err, ENOMEM, _("out of memory"));
out:
	*pp = p;
	tim_buf_release(&cell);
	return ret;
}

static int
row_blank(const struct row *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->cell[i][0] != '\0')
			return 0;
	return 1;
}

/* tim's own columns: what the ledger writes itself is not taken from a file. */
static int
own_column(const char *f)
{
	return !strcmp(f, "seq") || !strcmp(f, "actor") || !strcmp(f, "host") ||
	    !strcmp(f, "prev");
}

struct import {
	char **field;		/* per column: a field name, or NULL to skip */
	size_t ncols;
	int kind_col, time_col, at_col;
	char **kinds;
	json_t **fields;
	size_t n, cap;
	const struct tim_ledger_rules *rules;
};

static int
import_head(struct import *im, const struct row *r, const char *name,
    struct tim_err *err)
{
	size_t i, j;

	im->ncols = r->n;
	im->kind_col = im->time_col = im->at_col = -1;
	if ((im->field = calloc(r->n, sizeof(*im->field))) == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	for (i = 0; i < r->n; i++) {
		const char *h = r->cell[i], *f;

		while (*h == ' ')
			h++;
		if (*h == '\0')
			continue;
		f = head_field(h);
		if (strcmp(f, "kind") == 0) {
			im->kind_col = (int)i;
			continue;
		}
		if (strcmp(f, "time") == 0) {
			im->time_col = (int)i;
			continue;
		}
		if (own_column(f))
			continue;
		if (!tim_ledger_field_ok(f))
			return tim_invalidf(err, _("%s: column %zu '%s' is not a field name; name it as a field (item, to, by, purpose, until, at ...) in the first row"),
			    name, i + 1, h);
		for (j = 0; j < i; j++)
			if (im->field[j] && strcmp(im->field[j], f) == 0)
				return tim_invalidf(err, _("%s: the field '%s' is the heading of two columns"),
				    name, f);
		if ((im->field[i] = strdup(f)) == NULL)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		if (strcmp(f, "at") == 0)
			im->at_col = (int)i;
	}
	return 0;
}

static int
import_row(struct import *im, const struct row *r, const char *kind,
    const char *name, struct tim_err *err)
{
	const char *k = kind;
	json_t *o;
	size_t i;
	char src[64];

	if (r->n > im->ncols)
		return tim_invalidf(err, _("%s line %zu: %zu cells, but the first row names %zu columns"),
		    name, r->line, r->n, im->ncols);
	if (im->kind_col >= 0 && (size_t)im->kind_col < r->n && r->cell[im->kind_col][0])
		k = r->cell[im->kind_col];
	if (k == NULL)
		return tim_invalidf(err, _("%s line %zu: no kind (a 'kind' column or --kind)"), name, r->line);
	if (im->n == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 256;
		char **pk = realloc(im->kinds, cap * sizeof(*pk));
		json_t **pf;

		if (pk == NULL)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		im->kinds = pk;
		pf = realloc(im->fields, cap * sizeof(*pf));
		if (pf == NULL)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		im->fields = pf;
		im->cap = cap;
	}
	o = json_object();
	if (o == NULL || (im->kinds[im->n] = strdup(k)) == NULL) {
		json_decref(o);
		return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	im->fields[im->n++] = o;
	for (i = 0; i < r->n; i++) {
		if (im->field[i] == NULL || r->cell[i][0] == '\0')
			continue;
		if (json_object_set_new(o, im->field[i], json_string(r->cell[i])) < 0)
			return tim_invalidf(err, _("%s line %zu: a cell is not valid text"), name, r->line);
	}
	/* The register's own date: its "recorded at" column when it has no at. */
	if (im->at_col < 0 && im->time_col >= 0 && (size_t)im->time_col < r->n &&
	    r->cell[im->time_col][0])
		json_object_set_new(o, "at", json_string(r->cell[im->time_col]));
	snprintf(src, sizeof(src), "%zu", r->line);
	json_object_set_new(o, "imported_line", json_string(src));
	if (tim_ledger_check_fields(k, o, err) < 0 ||
	    tim_ledger_rules_check(im->rules, k, o, err) < 0) {
		tim_err_prefix(err, _("%s line %zu"), name, r->line);
		return -1;
	}
	return 0;
}

static void
import_release(struct import *im)
{
	size_t i;

	for (i = 0; i < im->ncols; i++)
		free(im->field ? im->field[i] : NULL);
	free(im->field);
	for (i = 0; i < im->n; i++) {
		free(im->kinds[i]);
		json_decref(im->fields[i]);
	}
	free(im->kinds);
	free(im->fields);
}

int
tim_ledger_import_csv(struct tim_ledger *l, const char *csvpath,
    const char *encoding, const char *kind, uint64_t *first, size_t *n,
    struct tim_err *err)
{
	struct tim_buf raw = TIM_BUF_INIT, conv = TIM_BUF_INIT;
	struct import im;
	struct row r = { 0 };
	const char *p, *end, *name;
	char *copy = strdup(csvpath);
	size_t line = 1, i;
	int got, ret = -1;

	memset(&im, 0, sizeof(im));
	im.rules = l->rules;
	*first = 0;
	*n = 0;
	name = copy ? basename(copy) : csvpath;
	if (tim_read_file(csvpath, IMPORT_MAX, TIM_READ_REGULAR, &raw, err) < 0)
		goto out;
	p = raw.buf;
	end = raw.buf + raw.len;
	if (raw.len >= 3 && memcmp(raw.buf, "\xef\xbb\xbf", 3) == 0 &&
	    (encoding == NULL || strcasecmp(encoding, "UTF-8") == 0 ||
	    strcasecmp(encoding, "UTF8") == 0)) {
		p += 3;		/* Excel's "CSV UTF-8" */
	} else if (encoding != NULL && strcasecmp(encoding, "UTF-8") != 0 &&
	    strcasecmp(encoding, "UTF8") != 0) {
		if (to_utf8(encoding, &raw, &conv, err) < 0)
			goto prefix;
		p = conv.buf;
		end = conv.buf + conv.len;
	} else if (!utf8_valid(raw.buf, raw.len)) {
		if (encoding != NULL) {
			tim_failf(err, _("the file is not valid UTF-8"));
			goto prefix;
		}
		/* No BOM and not UTF-8: Excel's "CSV" on a Japanese Windows. */
		if (to_utf8("CP932", &raw, &conv, err) < 0)
			goto prefix;
		p = conv.buf;
		end = conv.buf + conv.len;
	}
	if (end > p && memchr(p, '\0', (size_t)(end - p)) != NULL) {
		tim_failf(err, _("a NUL byte: not a CSV text file"));
		goto prefix;
	}
	if ((got = next_row(&p, end, &line, &r, name, err)) <= 0) {
		if (got == 0)
			tim_failf(err, _("%s is empty: no heading row"), name);
		goto out;
	}
	if (import_head(&im, &r, name, err) < 0)
		goto out;
	if (im.kind_col < 0 && kind == NULL) {
		tim_invalidf(err, _("%s has no 'kind' column: give --kind KIND"), name);
		goto out;
	}
	while ((got = next_row(&p, end, &line, &r, name, err)) > 0)
		if (!row_blank(&r) && import_row(&im, &r, kind, name, err) < 0)
			goto out;
	if (got < 0)
		goto out;
	if (im.n == 0) {
		tim_failf(err, _("%s has no rows to import"), name);
		goto out;
	}
	/* One batch, one lock, one write: all or nothing. */
	if (tim_ledger_lock(l, err) < 0)
		goto out;
	if (tim_ledger_add_many(l, (const char *const *)im.kinds, im.fields, im.n, first, err) < 0 ||
	    tim_ledger_flush(l, err) < 0) {
		tim_ledger_unlock(l);
		*first = 0;
		goto out;
	}
	tim_ledger_unlock(l);
	*n = im.n;
	ret = 0;
	goto out;
prefix:
	tim_err_prefix(err, "%s", name);
out:
	for (i = 0; i < r.n; i++)
		free(r.cell[i]);
	free(r.cell);
	import_release(&im);
	tim_buf_release(&raw);
	tim_buf_release(&conv);
	free(copy);
	return ret;
}
