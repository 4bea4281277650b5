#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "pdf.h"
#include "banned.h"

#define BAD ((size_t)-1)
#define MAX_OBJSTM_N 100000
#define MAX_XREF_ENTRIES 8388608L

static int
is_ws(int c)
{
	return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32;
}

static int
is_delim(int c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' ||
	    c == ']' || c == '{' || c == '}' || c == '/' || c == '%';
}

static size_t
skip_ws(const unsigned char *d, size_t len, size_t i)
{
	while (i < len) {
		if (is_ws(d[i]))
			i++;
		else if (d[i] == '%') {
			while (i < len && d[i] != '\n' && d[i] != '\r')
				i++;
		} else
			break;
	}
	return i;
}

static int
is_num_start(int c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

static size_t
skip_regular(const unsigned char *d, size_t len, size_t i)
{
	while (i < len && !is_ws(d[i]) && !is_delim(d[i]))
		i++;
	return i;
}

/* An unsigned integer token at i (no sign, no dot), or BAD. */
static size_t
skip_uint(const unsigned char *d, size_t len, size_t i)
{
	size_t s = i;

	while (i < len && d[i] >= '0' && d[i] <= '9')
		i++;
	if (i == s || (i < len && !is_ws(d[i]) && !is_delim(d[i])))
		return BAD;
	return i;
}

/* The end of the value that starts at i (after white space), or BAD. */
static size_t
skip_value(const unsigned char *d, size_t len, size_t i, int depth)
{
	size_t e, j, k;
	int nest;

	if (depth > TIM_PDF_MAX_DEPTH || i >= len)
		return BAD;
	if (d[i] == '<' && i + 1 < len && d[i + 1] == '<') {
		i += 2;
		for (;;) {
			i = skip_ws(d, len, i);
			if (i + 1 < len && d[i] == '>' && d[i + 1] == '>')
				return i + 2;
			if (i >= len || d[i] != '/')
				return BAD;
			i = skip_regular(d, len, i + 1);
			i = skip_ws(d, len, i);
			if ((i = skip_value(d, len, i, depth + 1)) == BAD)
				return BAD;
		}
	}
	if (d[i] == '<') {
		for (i++; i < len && d[i] != '>'; i++)
			if (!is_ws(d[i]) && !((d[i] >= '0' && d[i] <= '9') ||
			    (d[i] >= 'a' && d[i] <= 'f') || (d[i] >= 'A' && d[i] <= 'F')))
				return BAD;
		return i < len ? i + 1 : BAD;
	}
	if (d[i] == '[') {
		for (i++;;) {
			i = skip_ws(d, len, i);
			if (i >= len)
				return BAD;
			if (d[i] == ']')
				return i + 1;
			if ((i = skip_value(d, len, i, depth + 1)) == BAD)
				return BAD;
		}
	}
	if (d[i] == '(') {
		for (nest = 1, i++; i < len; i++) {
			if (d[i] == '\\')
				i++;
			else if (d[i] == '(')
				nest++;
			else if (d[i] == ')' && --nest == 0)
				return i + 1;
		}
		return BAD;
	}
	if (d[i] == '/')
		return skip_regular(d, len, i + 1);
	if (is_num_start(d[i])) {
		e = skip_regular(d, len, i);
		/* "num gen R" is one value: a reference. */
		if (skip_uint(d, len, i) == e) {
			j = skip_ws(d, len, e);
			if ((k = skip_uint(d, len, j)) != BAD) {
				k = skip_ws(d, len, k);
				if (k < len && d[k] == 'R' && (k + 1 == len || is_ws(d[k + 1]) || is_delim(d[k + 1])))
					return k + 1;
			}
		}
		return e;
	}
	if (is_delim(d[i]))
		return BAD;
	return skip_regular(d, len, i);
}

int
tim_pdf_dict_each(const unsigned char *d, size_t len,
    int (*fn)(const unsigned char *, size_t, const unsigned char *, size_t, void *),
    void *arg)
{
	size_t i = skip_ws(d, len, 0), k, ke, v, ve;
	int r;

	if (i + 1 >= len || d[i] != '<' || d[i + 1] != '<')
		return -1;
	for (i += 2;;) {
		i = skip_ws(d, len, i);
		if (i + 1 < len && d[i] == '>' && d[i + 1] == '>')
			return 0;
		if (i >= len || d[i] != '/')
			return -1;
		k = i + 1;
		ke = skip_regular(d, len, k);
		v = skip_ws(d, len, ke);
		if ((ve = skip_value(d, len, v, 1)) == BAD)
			return -1;
		if ((r = fn(d + k, ke - k, d + v, ve - v, arg)) != 0)
			return r;
		i = ve;
	}
}

struct get_arg {
	const char *key;
	const unsigned char *val;
	size_t vlen;
};

static int
get_cb(const unsigned char *k, size_t klen, const unsigned char *v, size_t vlen,
    void *arg)
{
	struct get_arg *a = arg;

	if (klen == strlen(a->key) && memcmp(k, a->key, klen) == 0) {
		a->val = v;
		a->vlen = vlen;
		return 1;
	}
	return 0;
}

int
tim_pdf_dict_get(const unsigned char *d, size_t len, const char *key,
    const unsigned char **val, size_t *vlen)
{
	struct get_arg a = { key, NULL, 0 };
	int r = tim_pdf_dict_each(d, len, get_cb, &a);

	if (r < 0)
		return -1;
	if (r == 0)
		return 0;
	*val = a.val;
	*vlen = a.vlen;
	return 1;
}

/* Parses a decimal integer token at d (may be signed), without overflow. */
static int
parse_long(const unsigned char *d, size_t len, long *out, size_t *used)
{
	size_t i = 0;
	long v = 0;
	int neg = 0;

	if (i < len && (d[i] == '+' || d[i] == '-'))
		neg = d[i++] == '-';
	if (i >= len || d[i] < '0' || d[i] > '9')
		return -1;
	for (; i < len && d[i] >= '0' && d[i] <= '9'; i++) {
		if (v > (LONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (d[i] - '0');
	}
	*out = neg ? -v : v;
	if (used)
		*used = i;
	return 0;
}

int
tim_pdf_int(const unsigned char *v, size_t len, long *out)
{
	size_t used, s = skip_ws(v, len, 0);

	if (parse_long(v + s, len - s, out, &used) < 0)
		return -1;
	return skip_ws(v, len, s + used) == len ? 0 : -1;
}

int
tim_pdf_ref(const unsigned char *v, size_t len, long *num, long *gen)
{
	size_t i = skip_ws(v, len, 0), used;

	if (parse_long(v + i, len - i, num, &used) < 0 || *num <= 0)
		return -1;
	i = skip_ws(v, len, i + used);
	if (parse_long(v + i, len - i, gen, &used) < 0 || *gen < 0)
		return -1;
	i = skip_ws(v, len, i + used);
	return i < len && v[i] == 'R' && skip_ws(v, len, i + 1) == len ? 0 : -1;
}

static int
ref_of(const unsigned char *dict, size_t dlen, const char *key, long *num, long *gen)
{
	const unsigned char *v;
	size_t vl;

	if (tim_pdf_dict_get(dict, dlen, key, &v, &vl) != 1)
		return 0;
	return tim_pdf_ref(v, vl, num, gen) == 0 ? 1 : -1;
}

static int
int_of(const unsigned char *dict, size_t dlen, const char *key, long *out)
{
	const unsigned char *v;
	size_t vl;

	if (tim_pdf_dict_get(dict, dlen, key, &v, &vl) != 1)
		return 0;
	return tim_pdf_int(v, vl, out) == 0 ? 1 : -1;
}

/* Whether a value is the name /name. */
static int
is_name(const unsigned char *v, size_t len, const char *name)
{
	size_t s = skip_ws(v, len, 0), n = strlen(name);

	return len - s >= n + 1 && v[s] == '/' && memcmp(v + s + 1, name, n) == 0 &&
	    skip_ws(v, len, s + 1 + n) == len;
}

static int
damaged(struct tim_pdf *p, struct tim_err *err, const char *what)
{
	return tim_errorf(err, 0, _("'%s' is damaged: %s"), p->path, what);
}

static int inflate_buf(const unsigned char *in, size_t len, size_t max,
    struct tim_buf *out);
static int read_object_at(struct tim_pdf *p, size_t off, long num,
    struct tim_pdf_obj *o, int depth, struct tim_err *err);
static int get(struct tim_pdf *p, long num, struct tim_pdf_obj *o, int depth,
    struct tim_err *err);

static int
predictor(const unsigned char *dict, size_t dlen, struct tim_buf *b)
{
	const unsigned char *v;
	size_t vl, i, row, bpp, rows, r;
	long pred = 1, cols = 1, colors = 1, bpc = 8;
	unsigned char *prev, *out, *src;

	if (tim_pdf_dict_get(dict, dlen, "DecodeParms", &v, &vl) != 1)
		return 0;
	i = skip_ws(v, vl, 0);
	if (i < vl && v[i] == '[') {
		/* One filter, one parameter dictionary. */
		size_t e;

		i = skip_ws(v, vl, i + 1);
		if ((e = skip_value(v, vl, i, 1)) == BAD)
			return -1;
		v += i;
		vl = e - i;
	}
	if (is_name(v, vl, "null") || (vl >= 4 && memcmp(v + skip_ws(v, vl, 0), "null", 4) == 0))
		return 0;
	if (int_of(v, vl, "Predictor", &pred) < 0 || int_of(v, vl, "Columns", &cols) < 0 ||
	    int_of(v, vl, "Colors", &colors) < 0 || int_of(v, vl, "BitsPerComponent", &bpc) < 0)
		return -1;
	if (pred == 1)
		return 0;
	if (pred < 10 || pred > 15 || cols < 1 || cols > 1 << 20 || colors < 1 || colors > 32 ||
	    (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16))
		return -1;
	row = ((size_t)cols * (size_t)colors * (size_t)bpc + 7) / 8;
	bpp = ((size_t)colors * (size_t)bpc + 7) / 8;
	if (b->len % (row + 1) != 0)
		return -1;
	rows = b->len / (row + 1);
	prev = calloc(row, 1);
	if (prev == NULL)
		return -1;
	out = (unsigned char *)b->buf;
	for (r = 0; r < rows; r++) {
		int f;

		src = (unsigned char *)b->buf + r * (row + 1);
		f = src[0];
		src++;
		for (i = 0; i < row; i++) {
			unsigned a = i >= bpp ? out[r * row + i - bpp] : 0;
			unsigned up = prev[i], c = i >= bpp ? prev[i - bpp] : 0, x = src[i];

			switch (f) {
			case 0: break;
			case 1: x += a; break;
			case 2: x += up; break;
			case 3: x += (a + up) / 2; break;
			case 4: {
				int pp = (int)a + (int)up - (int)c;
				int pa = abs(pp - (int)a), pb = abs(pp - (int)up), pc = abs(pp - (int)c);

				x += (pa <= pb && pa <= pc) ? a : (pb <= pc ? up : c);
				break;
			}
			default:
				free(prev);
				return -1;
			}
			/* out trails src by r + 1 bytes, so this never overwrites unread input. */
			out[r * row + i] = (unsigned char)x;
		}
		memcpy(prev, out + r * row, row);
	}
	free(prev);
	b->len = rows * row;
	return 0;
}

int
tim_pdf_stream(struct tim_pdf *p, const struct tim_pdf_obj *o,
    struct tim_buf *out, struct tim_err *err)
{
	const unsigned char *f;
	size_t fl, i;

	tim_buf_reset(out);
	if (o->stream == NULL)
		return damaged(p, err, _("a stream is missing"));
	if (tim_pdf_dict_get(o->p, o->len, "Filter", &f, &fl) != 1) {
		if (o->slen > TIM_PDF_MAX_STREAM || tim_buf_add(out, o->stream, o->slen) < 0)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		return 0;
	}
	i = skip_ws(f, fl, 0);
	if (i < fl && f[i] == '[') {
		size_t e;

		i = skip_ws(f, fl, i + 1);
		if ((e = skip_value(f, fl, i, 1)) == BAD || skip_ws(f, fl, e) >= fl || f[skip_ws(f, fl, e)] != ']')
			return tim_errorf(err, 0, _("'%s': only FlateDecode streams are read"), p->path);
		f += i;
		fl = e - i;
	}
	if (!is_name(f, fl, "FlateDecode"))
		return tim_errorf(err, 0, _("'%s': only FlateDecode streams are read"), p->path);
	if (inflate_buf(o->stream, o->slen, TIM_PDF_MAX_STREAM, out) < 0)
		return damaged(p, err, _("a compressed stream does not inflate"));
	if (predictor(o->p, o->len, out) < 0)
		return damaged(p, err, _("bad stream predictor"));
	return 0;
}

static int
inflate_buf(const unsigned char *in, size_t len, size_t max, struct tim_buf *out)
{
	unsigned char chunk[16384];
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)in;
	z.avail_in = len > UINT32_MAX ? UINT32_MAX : (unsigned)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		r = inflate(&z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END) {
			inflateEnd(&z);
			return -1;
		}
		if (out->len + (sizeof(chunk) - z.avail_out) > max ||
		    tim_buf_add(out, chunk, sizeof(chunk) - z.avail_out) < 0) {
			inflateEnd(&z);
			return -1;
		}
		if (r == Z_OK && z.avail_in == 0 && z.avail_out != 0)
			break;	/* truncated data: keep what came out */
	} while (r != Z_STREAM_END);
	inflateEnd(&z);
	return 0;
}

void
tim_pdf_obj_release(struct tim_pdf_obj *o)
{
	free(o->own);
	memset(o, 0, sizeof(*o));
}

static int
read_object_at(struct tim_pdf *p, size_t off, long num, struct tim_pdf_obj *o,
    int depth, struct tim_err *err)
{
	const unsigned char *d = p->data;
	size_t len = p->len, i, e, used;
	long n, g, slen;

	memset(o, 0, sizeof(*o));
	if (off >= len)
		return damaged(p, err, _("an object offset is past the end"));
	i = skip_ws(d, len, off);
	if (parse_long(d + i, len - i, &n, &used) < 0 || (num > 0 && n != num))
		return damaged(p, err, _("an object is not where the cross-reference says"));
	i = skip_ws(d, len, i + used);
	if (parse_long(d + i, len - i, &g, &used) < 0)
		return damaged(p, err, _("bad object header"));
	i = skip_ws(d, len, i + used);
	if (len - i < 3 || memcmp(d + i, "obj", 3) != 0)
		return damaged(p, err, _("bad object header"));
	i = skip_ws(d, len, i + 3);
	if ((e = skip_value(d, len, i, 0)) == BAD)
		return damaged(p, err, _("bad object"));
	o->p = d + i;
	o->len = e - i;
	i = skip_ws(d, len, e);
	if (len - i >= 6 && memcmp(d + i, "stream", 6) == 0) {
		const unsigned char *v;
		size_t vl;
		long ln, lg;

		i += 6;
		if (i < len && d[i] == '\r')
			i++;
		if (i < len && d[i] == '\n')
			i++;
		slen = -1;
		if (tim_pdf_dict_get(o->p, o->len, "Length", &v, &vl) == 1) {
			if (tim_pdf_int(v, vl, &slen) < 0 && tim_pdf_ref(v, vl, &ln, &lg) == 0 && depth < 4) {
				struct tim_pdf_obj lo;

				if (get(p, ln, &lo, depth + 1, err) == 1 && tim_pdf_int(lo.p, lo.len, &slen) < 0)
					slen = -1;
				tim_pdf_obj_release(&lo);
			}
		}
		if (slen < 0 || (size_t)slen > len - i) {
			/* No usable length: the data runs to "endstream". */
			const unsigned char *es = memmem(d + i, len - i, "endstream", 9);

			if (es == NULL)
				return damaged(p, err, _("a stream has no end"));
			slen = (long)(es - (d + i));
		}
		o->stream = d + i;
		o->slen = (size_t)slen;
	}
	return 1;
}

static int
objstm_get(struct tim_pdf *p, long stm, long num, struct tim_pdf_obj *o,
    int depth, struct tim_err *err)
{
	struct tim_pdf_obj so;
	struct tim_buf b = TIM_BUF_INIT;
	long n, first, k, on, ooff;
	size_t i = 0, used, e;
	const unsigned char *d;
	int r;

	memset(o, 0, sizeof(*o));
	r = get(p, stm, &so, depth + 1, err);
	if (r <= 0)
		return r < 0 ? -1 : damaged(p, err, _("an object stream is missing"));
	if (int_of(so.p, so.len, "N", &n) != 1 || int_of(so.p, so.len, "First", &first) != 1 ||
	    n < 0 || n > MAX_OBJSTM_N || first < 0) {
		tim_pdf_obj_release(&so);
		return damaged(p, err, _("bad object stream"));
	}
	r = tim_pdf_stream(p, &so, &b, err);
	tim_pdf_obj_release(&so);
	if (r < 0) {
		tim_buf_release(&b);
		return -1;
	}
	d = (const unsigned char *)b.buf;
	if ((size_t)first > b.len)
		goto bad;
	for (k = 0; k < n; k++) {
		i = skip_ws(d, (size_t)first, i);
		if (parse_long(d + i, (size_t)first - i, &on, &used) < 0)
			goto bad;
		i = skip_ws(d, (size_t)first, i + used);
		if (parse_long(d + i, (size_t)first - i, &ooff, &used) < 0 || ooff < 0)
			goto bad;
		i += used;
		if (on != num)
			continue;
		if ((size_t)ooff > b.len - (size_t)first)
			goto bad;
		i = skip_ws(d, b.len, (size_t)first + (size_t)ooff);
		if ((e = skip_value(d, b.len, i, 0)) == BAD)
			goto bad;
		o->own = (unsigned char *)tim_buf_detach(&b, NULL);
		o->p = o->own + i;
		o->len = e - i;
		return 1;
	}
	tim_buf_release(&b);
	return 0;
bad:
	tim_buf_release(&b);
	return damaged(p, err, _("bad object stream"));
}

static uint64_t
field(const unsigned char *e, long w)
{
	uint64_t v = 0;
	long i;

	for (i = 0; i < w; i++)
		v = (v << 8) | e[i];
	return v;
}

static int
get(struct tim_pdf *p, long num, struct tim_pdf_obj *o, int depth,
    struct tim_err *err)
{
	size_t s, k;

	memset(o, 0, sizeof(*o));
	if (depth > 8)
		return damaged(p, err, _("objects refer to each other in a loop"));
	for (s = 0; s < p->nsec; s++) {
		struct tim_pdf_section *sec = &p->sec[s];

		for (k = 0; k < sec->nindex; k++) {
			long first = sec->index[2 * k], count = sec->index[2 * k + 1];

			if (num < first || num >= first + count)
				continue;
			if (!sec->stream) {
				size_t at = sec->eoff[k] + 20 * (size_t)(num - first);
				long off, gen;

				if (at + 20 > p->len || parse_long(p->data + at, 10, &off, NULL) < 0 ||
				    parse_long(p->data + at + 11, 5, &gen, NULL) < 0)
					return damaged(p, err, _("bad cross-reference entry"));
				if (p->data[at + 17] == 'f')
					return 0;
				if (p->data[at + 17] != 'n' || off < 0)
					return damaged(p, err, _("bad cross-reference entry"));
				return read_object_at(p, (size_t)off, num, o, depth, err);
			} else {
				size_t esz = (size_t)(sec->w[0] + sec->w[1] + sec->w[2]), pos = 0, j;
				const unsigned char *e;
				uint64_t t, f2, f3;

				for (j = 0; j < k; j++)
					pos += (size_t)sec->index[2 * j + 1];
				pos = (pos + (size_t)(num - first)) * esz;
				if (pos + esz > sec->xlen)
					return damaged(p, err, _("short cross-reference stream"));
				e = sec->xref + pos;
				t = sec->w[0] ? field(e, sec->w[0]) : 1;
				f2 = field(e + sec->w[0], sec->w[1]);
				f3 = field(e + sec->w[0] + sec->w[1], sec->w[2]);
				if (t == 0)
					return 0;
				if (t == 1)
					return f2 < p->len ? read_object_at(p, (size_t)f2, num, o, depth, err) :
					    damaged(p, err, _("an object offset is past the end"));
				if (t == 2)
					return f2 > 0 && f2 < MAX_XREF_ENTRIES && (long)f2 != num ?
					    objstm_get(p, (long)f2, num, o, depth, err) :
					    damaged(p, err, _("bad object stream reference"));
				(void)f3;
				return 0;
			}
		}
	}
	return 0;
}

int
tim_pdf_get(struct tim_pdf *p, long num, struct tim_pdf_obj *o,
    struct tim_err *err)
{
	return get(p, num, o, 0, err);
}

static int
add_section(struct tim_pdf *p, struct tim_err *err)
{
	struct tim_pdf_section *ns;

	if (p->nsec >= TIM_PDF_MAX_SECTIONS)
		return damaged(p, err, _("too many cross-reference sections"));
	ns = realloc(p->sec, (p->nsec + 1) * sizeof(*ns));
	if (ns == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	p->sec = ns;
	memset(&p->sec[p->nsec], 0, sizeof(*ns));
	p->nsec++;
	return 0;
}

/* A classic table at off: "xref", subsections of 20-byte entries, "trailer". */
static int
classic(struct tim_pdf *p, size_t off, struct tim_err *err)
{
	const unsigned char *d = p->data;
	struct tim_pdf_section *sec;
	size_t i = off + 4, used, e, *offs = NULL;
	long first, count, total = 0;
	size_t n = 0;

	if (add_section(p, err) < 0)
		return -1;
	sec = &p->sec[p->nsec - 1];
	sec->at = off;
	for (;;) {
		i = skip_ws(d, p->len, i);
		if (p->len - i >= 7 && memcmp(d + i, "trailer", 7) == 0)
			break;
		if (parse_long(d + i, p->len - i, &first, &used) < 0 || first < 0)
			goto bad;
		i = skip_ws(d, p->len, i + used);
		if (parse_long(d + i, p->len - i, &count, &used) < 0 || count < 0 ||
		    (total += count) > MAX_XREF_ENTRIES || first > MAX_XREF_ENTRIES)
			goto bad;
		i += used;
		while (i < p->len && (d[i] == ' ' || d[i] == '\r' || d[i] == '\n'))
			i++;
		if ((size_t)count * 20 > p->len - i)
			goto bad;
		{
			long *ni = realloc(sec->index, (n + 1) * 2 * sizeof(long));
			size_t *no;

			if (ni == NULL)
				goto oom;
			sec->index = ni;
			no = realloc(offs, (n + 1) * sizeof(size_t));
			if (no == NULL)
				goto oom;
			offs = no;
		}
		sec->index[2 * n] = first;
		sec->index[2 * n + 1] = count;
		offs[n++] = i;
		i += (size_t)count * 20;
	}
	sec->nindex = n;
	sec->eoff = offs;
	offs = NULL;	/* the section owns it now */
	i = skip_ws(d, p->len, i + 7);
	if ((e = skip_value(d, p->len, i, 0)) == BAD)
		goto bad;
	sec->trailer = i;
	sec->tlen = e - i;
	return 0;
oom:
	free(offs);
	return tim_errorf(err, ENOMEM, _("out of memory"));
bad:
	free(offs);
	return damaged(p, err, _("bad cross-reference table"));
}

static int
xref_stream(struct tim_pdf *p, size_t off, struct tim_err *err)
{
	struct tim_pdf_section *sec;
	struct tim_pdf_obj o;
	struct tim_buf b = TIM_BUF_INIT;
	const unsigned char *v;
	size_t vl, i, k, esz;
	long size, total = 0;

	if (read_object_at(p, off, 0, &o, 0, err) < 0)
		return -1;
	if (o.stream == NULL || tim_pdf_dict_get(o.p, o.len, "Type", &v, &vl) != 1 || !is_name(v, vl, "XRef"))
		return damaged(p, err, _("startxref does not point to a cross-reference section"));
	if (add_section(p, err) < 0)
		return -1;
	sec = &p->sec[p->nsec - 1];
	sec->at = off;
	sec->stream = 1;
	sec->trailer = (size_t)(o.p - p->data);
	sec->tlen = o.len;
	if (int_of(o.p, o.len, "Size", &size) != 1 || size < 0 || size > MAX_XREF_ENTRIES)
		return damaged(p, err, _("bad cross-reference stream"));
	if (tim_pdf_dict_get(o.p, o.len, "W", &v, &vl) != 1)
		return damaged(p, err, _("bad cross-reference stream"));
	i = skip_ws(v, vl, 0);
	if (i >= vl || v[i] != '[')
		return damaged(p, err, _("bad cross-reference stream"));
	for (i++, k = 0; k < 3; k++) {
		size_t used;

		i = skip_ws(v, vl, i);
		if (parse_long(v + i, vl - i, &sec->w[k], &used) < 0 || sec->w[k] < 0 || sec->w[k] > 8)
			return damaged(p, err, _("bad cross-reference stream"));
		i += used;
	}
	if (tim_pdf_dict_get(o.p, o.len, "Index", &v, &vl) == 1) {
		i = skip_ws(v, vl, 0);
		if (i >= vl || v[i] != '[')
			return damaged(p, err, _("bad cross-reference stream"));
		for (i++;;) {
			long a, c;
			size_t used;
			long *ni;

			i = skip_ws(v, vl, i);
			if (i < vl && v[i] == ']')
				break;
			if (parse_long(v + i, vl - i, &a, &used) < 0)
				return damaged(p, err, _("bad cross-reference stream"));
			i = skip_ws(v, vl, i + used);
			if (parse_long(v + i, vl - i, &c, &used) < 0 || a < 0 || c < 0 ||
			    (total += c) > MAX_XREF_ENTRIES || a > MAX_XREF_ENTRIES)
				return damaged(p, err, _("bad cross-reference stream"));
			i += used;
			ni = realloc(sec->index, (sec->nindex + 1) * 2 * sizeof(long));
			if (ni == NULL)
				return tim_errorf(err, ENOMEM, _("out of memory"));
			sec->index = ni;
			sec->index[2 * sec->nindex] = a;
			sec->index[2 * sec->nindex + 1] = c;
			sec->nindex++;
		}
	} else {
		sec->index = malloc(2 * sizeof(long));
		if (sec->index == NULL)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		sec->index[0] = 0;
		sec->index[1] = size;
		sec->nindex = 1;
		total = size;
	}
	if (tim_pdf_stream(p, &o, &b, err) < 0) {
		tim_buf_release(&b);
		return -1;
	}
	esz = (size_t)(sec->w[0] + sec->w[1] + sec->w[2]);
	if (esz == 0 || b.len / esz < (size_t)total) {
		tim_buf_release(&b);
		return damaged(p, err, _("short cross-reference stream"));
	}
	sec->xref = (unsigned char *)tim_buf_detach(&b, &sec->xlen);
	return 0;
}

static int
section_at(struct tim_pdf *p, size_t off, struct tim_err *err)
{
	size_t i = skip_ws(p->data, p->len, off);

	if (off >= p->len)
		return damaged(p, err, _("startxref points past the end"));
	if (p->len - i >= 4 && memcmp(p->data + i, "xref", 4) == 0)
		return classic(p, i, err);
	return xref_stream(p, i, err);
}

int
tim_pdf_open(struct tim_pdf *p, const unsigned char *data, size_t len,
    const char *path, struct tim_err *err)
{
	const unsigned char *sx = NULL, *q;
	size_t from, i, used;
	long off, prev, stm;
	size_t s;

	memset(p, 0, sizeof(*p));
	p->data = data;
	p->len = len;
	p->path = path;
	p->tim_base = -1;
	if (len < 8 || memmem(data, len < 1024 ? len : 1024, "%PDF-", 5) == NULL)
		return tim_errorf(err, 0, _("'%s' is not a PDF file"), path);
	from = len > 2048 ? len - 2048 : 0;
	for (q = data + from; (q = memmem(q, len - (size_t)(q - data), "startxref", 9)) != NULL; q += 9)
		sx = q;
	if (sx == NULL)
		return damaged(p, err, _("no startxref (truncated?)"));
	i = skip_ws(data, len, (size_t)(sx - data) + 9);
	if (parse_long(data + i, len - i, &off, &used) < 0 || off < 0 || (size_t)off >= len)
		return damaged(p, err, _("bad startxref"));
	if (memmem(data + i, len - i, "%%EOF", 5) == NULL)
		return damaged(p, err, _("no end-of-file marker (truncated?)"));
	for (;;) {
		size_t t;
		int r, hybrid;

		for (s = 0; s < p->nsec; s++)
			if (p->sec[s].at == (size_t)off)
				return damaged(p, err, _("cross-reference sections form a loop"));
		if (section_at(p, (size_t)off, err) < 0)
			return -1;
		t = p->nsec - 1;
		r = int_of(data + p->sec[t].trailer, p->sec[t].tlen, "Prev", &prev);
		/* A hybrid file's table has a stream for readers of PDF 1.5 next to it. */
		hybrid = !p->sec[t].stream &&
		    int_of(data + p->sec[t].trailer, p->sec[t].tlen, "XRefStm", &stm) == 1;
		if (hybrid && (stm <= 0 || (size_t)stm >= len))
			return damaged(p, err, _("bad /XRefStm"));
		if (hybrid && xref_stream(p, (size_t)stm, err) < 0)
			return -1;
		if (r < 0 || (r == 1 && (prev < 0 || (size_t)prev >= len)))
			return damaged(p, err, _("bad /Prev"));
		if (r == 0)
			break;
		off = prev;
	}
	{
		const unsigned char *t = data + p->sec[0].trailer, *v;
		size_t tl = p->sec[0].tlen, vl;

		if (int_of(t, tl, "Size", &p->size) != 1 || p->size < 1 || p->size > MAX_XREF_ENTRIES)
			return damaged(p, err, _("bad /Size"));
		p->encrypted = tim_pdf_dict_get(t, tl, "Encrypt", &v, &vl) == 1;
		if (int_of(t, tl, "TIM_Base", &p->tim_base) != 1 || p->tim_base < 0 || (size_t)p->tim_base >= len)
			p->tim_base = -1;
	}
	for (s = 0; s < p->nsec; s++) {
		const unsigned char *t = data + p->sec[s].trailer;
		size_t tl = p->sec[s].tlen;

		if (p->root == 0 && ref_of(t, tl, "Root", &p->root, &p->root_gen) < 0)
			return damaged(p, err, _("bad /Root"));
		if (p->info == 0 && ref_of(t, tl, "Info", &p->info, &p->info_gen) < 0)
			return damaged(p, err, _("bad /Info"));
	}
	if (p->root == 0)
		return damaged(p, err, _("no document catalog"));
	return 0;
}

void
tim_pdf_release(struct tim_pdf *p)
{
	size_t s;

	for (s = 0; s < p->nsec; s++) {
		free(p->sec[s].xref);
		free(p->sec[s].eoff);
		free(p->sec[s].index);
	}
	free(p->sec);
	p->sec = NULL;
	p->nsec = 0;
}

static void
put_utf8(struct tim_buf *b, uint32_t c)
{
	char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	tim_buf_add(b, u, n);
}

int
tim_pdf_text(const unsigned char *v, size_t len, struct tim_buf *out)
{
	struct tim_buf raw = TIM_BUF_INIT;
	size_t i = skip_ws(v, len, 0), e;
	const unsigned char *r;

	if (i >= len)
		return -1;
	if (v[i] == '<') {
		int hi = -1, x;

		for (i++; i < len && v[i] != '>'; i++) {
			if (is_ws(v[i]))
				continue;
			if ((x = tim_hexval(v[i])) < 0)
				goto bad;
			if (hi < 0)
				hi = x;
			else {
				tim_buf_addch(&raw, hi << 4 | x);
				hi = -1;
			}
		}
		if (hi >= 0)
			tim_buf_addch(&raw, hi << 4);
	} else if (v[i] == '(') {
		if ((e = skip_value(v, len, i, 0)) == BAD)
			goto bad;
		for (i++; i < e - 1; i++) {
			int c = v[i];

			if (c == '\\' && i + 1 < e - 1) {
				c = v[++i];
				switch (c) {
				case 'n': c = '\n'; break;
				case 'r': c = '\r'; break;
				case 't': c = '\t'; break;
				case 'b': c = '\b'; break;
				case 'f': c = '\f'; break;
				case '\r':
					if (i + 1 < e - 1 && v[i + 1] == '\n')
						i++;
					continue;
				case '\n':
					continue;
				default:
					if (c >= '0' && c <= '7') {
						int k, o = c - '0';

						for (k = 0; k < 2 && i + 1 < e - 1 && v[i + 1] >= '0' && v[i + 1] <= '7'; k++)
							o = o * 8 + (v[++i] - '0');
						c = o & 0xff;
					}
				}
			}
			tim_buf_addch(&raw, c);
		}
	} else
		goto bad;
	if (raw.failed)
		goto bad;
	r = (const unsigned char *)tim_buf_str(&raw);
	if (raw.len >= 2 && r[0] == 0xfe && r[1] == 0xff) {
		for (i = 2; i + 1 < raw.len; i += 2) {
			uint32_t c = (uint32_t)r[i] << 8 | r[i + 1];

			if (c >= 0xd800 && c <= 0xdbff && i + 3 < raw.len) {
				uint32_t lo = (uint32_t)r[i + 2] << 8 | r[i + 3];

				if (lo >= 0xdc00 && lo <= 0xdfff) {
					c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
					i += 2;
				} else
					c = 0xfffd;
			} else if (c >= 0xd800 && c <= 0xdfff)
				c = 0xfffd;
			put_utf8(out, c);
		}
	} else if (raw.len >= 3 && r[0] == 0xef && r[1] == 0xbb && r[2] == 0xbf)
		tim_buf_add(out, r + 3, raw.len - 3);
	else
		for (i = 0; i < raw.len; i++)
			put_utf8(out, r[i]);
	tim_buf_release(&raw);
	return out->failed ? -1 : 0;
bad:
	tim_buf_release(&raw);
	return -1;
}

int
tim_pdf_hex_utf16(const char *s, struct tim_buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;

	tim_buf_adds(out, "<FEFF");
	while (*p) {
		int n = 0, k;

		if (p[0] < 0x80) {
			c = p[0];
			n = 1;
		} else if ((p[0] & 0xe0) == 0xc0) {
			c = p[0] & 0x1f;
			n = 2;
		} else if ((p[0] & 0xf0) == 0xe0) {
			c = p[0] & 0x0f;
			n = 3;
		} else {
			c = p[0] & 0x07;
			n = 4;
		}
		for (k = 1; k < n; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return -1;
			c = c << 6 | (p[k] & 0x3f);
		}
		p += n;
		if (c >= 0x10000) {
			c -= 0x10000;
			tim_buf_addf(out, "%04X%04X", 0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
		} else
			tim_buf_addf(out, "%04X", c);
	}
	tim_buf_addch(out, '>');
	return out->failed ? -1 : 0;
}
