/*
 * Streaming BER walker for CMS envelopes (see ber.h). OpenSSL's d2i reads a
 * whole structure into memory, which is what makes `openssl cms -decrypt`
 * need gigabytes for a large file; here only headers and the small parts
 * around the content are held, the content itself flows through.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ber.h"
#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "banned.h"

int
tim_ber_init(struct tim_ber *r, struct tim_src src, struct tim_err *err)
{
	memset(r, 0, sizeof(*r));
	r->src = src;
	r->err = err;
	r->win = malloc(TIM_BER_WINDOW);
	if (r->win == NULL)
		return tim_errorf(err, ENOMEM, _("cannot read the encrypted file"));
	return 0;
}

void
tim_ber_release(struct tim_ber *r)
{
	free(r->win);
	r->win = NULL;
}

int
tim_ber_fill(struct tim_ber *r, size_t n)
{
	ssize_t got;

	if (n > TIM_BER_WINDOW)
		return -1;
	if (r->len - r->pos >= n)
		return 0;
	if (r->pos > 0) {
		memmove(r->win, r->win + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	while (r->len < n && !r->eof) {
		got = r->src.read(r->src.ctx, r->win + r->len, TIM_BER_WINDOW - r->len,
		    r->err);
		if (got < 0)
			return -1;
		if (got == 0)
			r->eof = 1;
		r->len += (size_t)got;
	}
	return r->len >= n ? 0 : 1;
}

int
tim_ber_parse_tl(const unsigned char *p, size_t avail, struct tim_tl *tl)
{
	size_t i = 0, nlen, k;
	uint32_t tag;

	memset(tl, 0, sizeof(*tl));
	if (avail < 2)
		return -1;
	tl->cls = p[0] >> 6;
	tl->cons = (p[0] >> 5) & 1;
	tag = p[0] & 0x1f;
	i = 1;
	if (tag == 0x1f) {
		/* High tag numbers: base 128, at most four bytes here. */
		tag = 0;
		for (k = 0; ; k++) {
			if (i >= avail || k >= 4)
				return -1;
			if (k == 0 && p[i] == 0x80)
				return -1;
			tag = (tag << 7) | (p[i] & 0x7f);
			if (!(p[i++] & 0x80))
				break;
		}
		if (tag < 0x1f)
			return -1;
	}
	tl->tag = tag;
	if (i >= avail)
		return -1;
	if (p[i] < 0x80) {
		tl->len = p[i++];
	} else if (p[i] == 0x80) {
		if (!tl->cons)
			return -1;
		tl->indef = 1;
		i++;
	} else {
		nlen = p[i++] & 0x7f;
		if (nlen > 8 || nlen == 0x7f || i + nlen > avail)
			return -1;
		for (k = 0; k < nlen; k++)
			tl->len = (tl->len << 8) | p[i++];
		/* A length that cannot be a real size is an attack, not data. */
		if (tl->len > (UINT64_C(1) << 62))
			return -1;
	}
	if (i > sizeof(tl->raw))
		return -1;
	memcpy(tl->raw, p, i);
	tl->hlen = i;
	return 0;
}

static int
bad(struct tim_ber *r, const char *what)
{
	return tim_failf(r->err, _("malformed encrypted file: %s at byte %llu"), what,
	    (unsigned long long)r->off);
}

int
tim_ber_peek(struct tim_ber *r, struct tim_tl *tl)
{
	int f = tim_ber_fill(r, 16);

	if (f < 0)
		return -1;
	if (r->len == r->pos)
		return 1;
	if (tim_ber_parse_tl(r->win + r->pos, r->len - r->pos, tl) < 0)
		return bad(r, _("bad header"));
	return 0;
}

int
tim_ber_next(struct tim_ber *r, struct tim_tl *tl)
{
	int f = tim_ber_peek(r, tl);

	if (f < 0)
		return -1;
	if (f > 0)
		return bad(r, _("unexpected end"));
	r->pos += tl->hlen;
	r->off += tl->hlen;
	return 0;
}

int
tim_ber_expect(struct tim_ber *r, struct tim_tl *tl, int cls, uint32_t tag,
    int cons, const char *what)
{
	if (tim_ber_next(r, tl) < 0)
		return -1;
	if (tl->cls != cls || tl->tag != tag || (cons >= 0 && tl->cons != cons))
		return bad(r, what);
	return 0;
}

void
tim_ber_enter(struct tim_ber *r, const struct tim_tl *tl,
    struct tim_ber_frame *f)
{
	f->indef = tl->indef;
	f->end = tl->indef ? 0 : r->off + tl->len;
}

int
tim_ber_at_end(struct tim_ber *r, const struct tim_ber_frame *f)
{
	int st;

	if (!f->indef) {
		if (r->off > f->end)
			return bad(r, _("value overruns its container"));
		return r->off == f->end;
	}
	st = tim_ber_fill(r, 2);
	if (st < 0)
		return -1;
	if (st > 0)
		return bad(r, _("unexpected end"));
	if (r->win[r->pos] == 0 && r->win[r->pos + 1] == 0) {
		r->pos += 2;
		r->off += 2;
		return 1;
	}
	return 0;
}

int
tim_ber_leave(struct tim_ber *r, const struct tim_ber_frame *f,
    const char *what)
{
	int st = tim_ber_at_end(r, f);

	if (st < 0)
		return -1;
	if (st == 0)
		return bad(r, what);
	return 0;
}

int
tim_ber_read(struct tim_ber *r, void *buf, size_t n)
{
	unsigned char *out = buf;
	size_t take;
	int st;

	while (n > 0) {
		st = tim_ber_fill(r, 1);
		if (st < 0)
			return -1;
		if (st > 0)
			return bad(r, _("unexpected end"));
		take = r->len - r->pos;
		if (take > n)
			take = n;
		if (out != NULL) {
			memcpy(out, r->win + r->pos, take);
			out += take;
		}
		r->pos += take;
		r->off += take;
		n -= take;
	}
	return 0;
}

static int
skip_bytes(struct tim_ber *r, uint64_t n)
{
	size_t step;

	while (n > 0) {
		step = n > TIM_BER_WINDOW ? TIM_BER_WINDOW : (size_t)n;
		if (tim_ber_read(r, NULL, step) < 0)
			return -1;
		n -= step;
	}
	return 0;
}

static int
skip_depth(struct tim_ber *r, const struct tim_tl *tl, int depth)
{
	struct tim_ber_frame f;
	struct tim_tl c;
	int st;

	if (!tl->indef)
		return skip_bytes(r, tl->len);
	if (depth >= TIM_BER_DEPTH)
		return bad(r, _("nested too deeply"));
	tim_ber_enter(r, tl, &f);
	for (;;) {
		st = tim_ber_at_end(r, &f);
		if (st < 0)
			return -1;
		if (st)
			return 0;
		if (tim_ber_next(r, &c) < 0 || skip_depth(r, &c, depth + 1) < 0)
			return -1;
	}
}

int
tim_ber_skip(struct tim_ber *r, const struct tim_tl *tl)
{
	return skip_depth(r, tl, 0);
}

static int
capture_depth(struct tim_ber *r, const struct tim_tl *tl, struct tim_buf *out,
    size_t max, int depth)
{
	struct tim_ber_frame f;
	struct tim_tl c;
	size_t at;
	int st;

	if (out->len + tl->hlen > max)
		return bad(r, _("structure too large"));
	tim_buf_add(out, tl->raw, tl->hlen);
	if (!tl->indef) {
		if (tl->len > max - out->len)
			return bad(r, _("structure too large"));
		at = out->len;
		if (tim_buf_grow(out, (size_t)tl->len) < 0)
			return tim_errorf(r->err, ENOMEM, _("cannot read the encrypted file"));
		if (tim_ber_read(r, out->buf + at, (size_t)tl->len) < 0)
			return -1;
		out->len = at + (size_t)tl->len;
		out->buf[out->len] = '\0';
		return out->failed ? tim_errorf(r->err, ENOMEM, _("cannot read the encrypted file")) : 0;
	}
	if (depth >= TIM_BER_DEPTH)
		return bad(r, _("nested too deeply"));
	tim_ber_enter(r, tl, &f);
	for (;;) {
		st = tim_ber_at_end(r, &f);
		if (st < 0)
			return -1;
		if (st) {
			if (out->len + 2 > max)
				return bad(r, _("structure too large"));
			tim_buf_add(out, "\0\0", 2);
			break;
		}
		if (tim_ber_next(r, &c) < 0 || capture_depth(r, &c, out, max, depth + 1) < 0)
			return -1;
	}
	return out->failed ? tim_errorf(r->err, ENOMEM, _("cannot read the encrypted file")) : 0;
}

int
tim_ber_capture(struct tim_ber *r, const struct tim_tl *tl, struct tim_buf *out,
    size_t max)
{
	return capture_depth(r, tl, out, max, 0);
}

int
tim_ber_at_eof(struct tim_ber *r)
{
	int st = tim_ber_fill(r, 1);

	if (st < 0)
		return -1;
	return st > 0;
}

int
tim_ber_octets_open(struct tim_ber_octets *o, struct tim_ber *r,
    const struct tim_tl *tl)
{
	memset(o, 0, sizeof(*o));
	o->r = r;
	if (!tl->cons) {
		o->left = tl->len;
		o->depth = 0;
		o->done = tl->len == 0;
		return 0;
	}
	tim_ber_enter(r, tl, &o->stack[0]);
	o->depth = 1;
	return 0;
}

ssize_t
tim_ber_octets_read(struct tim_ber_octets *o, void *buf, size_t n)
{
	struct tim_tl c;
	size_t take;
	int st;

	while (!o->done && o->left == 0) {
		if (o->depth == 0) {
			o->done = 1;
			break;
		}
		st = tim_ber_at_end(o->r, &o->stack[o->depth - 1]);
		if (st < 0)
			return -1;
		if (st) {
			o->depth--;
			if (o->depth == 0)
				o->done = 1;
			continue;
		}
		if (tim_ber_expect(o->r, &c, 0, 4, -1, _("expected an OCTET STRING chunk")) < 0)
			return -1;
		if (c.cons) {
			if (o->depth >= TIM_BER_DEPTH)
				return bad(o->r, _("nested too deeply"));
			tim_ber_enter(o->r, &c, &o->stack[o->depth++]);
		} else {
			o->left = c.len;
			/* A definite parent must hold the whole chunk. */
			if (!o->stack[o->depth - 1].indef &&
			    o->r->off + c.len > o->stack[o->depth - 1].end)
				return bad(o->r, _("value overruns its container"));
		}
	}
	if (o->done)
		return 0;
	take = n;
	if (take > o->left)
		take = (size_t)o->left;
	/* Large reads bypass the window once it is drained. */
	if (o->r->pos == o->r->len && take >= 4096) {
		ssize_t got = o->r->src.read(o->r->src.ctx, buf, take, o->r->err);

		if (got < 0)
			return -1;
		if (got == 0)
			return bad(o->r, _("unexpected end"));
		o->r->off += (uint64_t)got;
		o->left -= (uint64_t)got;
		return got;
	}
	st = tim_ber_fill(o->r, 1);
	if (st < 0)
		return -1;
	if (st > 0)
		return bad(o->r, _("unexpected end"));
	if (take > o->r->len - o->r->pos)
		take = o->r->len - o->r->pos;
	memcpy(buf, o->r->win + o->r->pos, take);
	o->r->pos += take;
	o->r->off += take;
	o->left -= take;
	return (ssize_t)take;
}

int
tim_der_hdr(struct tim_buf *b, int cls, int cons, uint32_t tag, int64_t len)
{
	unsigned char h[16];
	size_t i = 0, n;
	uint64_t l;

	h[i] = (unsigned char)((cls << 6) | (cons ? 0x20 : 0));
	/* CMS needs no tag numbers above 30. */
	if (tag >= 0x1f)
		return -1;
	h[i++] |= (unsigned char)tag;
	if (len < 0) {
		h[i++] = 0x80;
	} else if (len < 0x80) {
		h[i++] = (unsigned char)len;
	} else {
		l = (uint64_t)len;
		for (n = 0; l; n++)
			l >>= 8;
		h[i++] = (unsigned char)(0x80 | n);
		while (n-- > 0)
			h[i++] = (unsigned char)((uint64_t)len >> (8 * n));
	}
	return tim_buf_add(b, h, i);
}

int
tim_der_tlv(struct tim_buf *b, int cls, int cons, uint32_t tag,
    const void *data, size_t len)
{
	if (tim_der_hdr(b, cls, cons, tag, (int64_t)len) < 0)
		return -1;
	return tim_buf_add(b, data, len);
}

int
tim_der_eoc(struct tim_buf *b, int n)
{
	while (n-- > 0)
		if (tim_buf_add(b, "\0\0", 2) < 0)
			return -1;
	return 0;
}

ssize_t
tim_src_fd_read(void *ctx, void *buf, size_t n, struct tim_err *err)
{
	int fd = *(int *)ctx;
	ssize_t got;

	do
		got = read(fd, buf, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return tim_errorf(err, errno, _("cannot read the encrypted file"));
	return got;
}

ssize_t
tim_src_mem_read(void *ctx, void *buf, size_t n, struct tim_err *err)
{
	struct tim_src_mem *m = ctx;

	(void)err;
	if (n > m->len)
		n = m->len;
	memcpy(buf, m->p, n);
	m->p += n;
	m->len -= n;
	return (ssize_t)n;
}
