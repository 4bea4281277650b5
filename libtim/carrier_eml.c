/*
 * E-mail files (.eml, RFC 5322): the label as a header field of its own
 *
 *	X-TIM-Label: =?UTF-8?B?44CQ56S+5aSW56eY44CRIG93bmVyPeioreioiOmDqA==?=
 *
 * (the label line as an RFC 2047 encoded word, so the header stays ASCII),
 * and the level in front of the subject, where every mail program shows it:
 *
 *	Subject: =?UTF-8?B?44CQ56S+5aSW56eY44CR?= 見積の件
 *
 * The field goes first (after an mbox "From " line); removing takes the
 * field and the subject's prefix away, giving back the original bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "carrier.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "label.h"
#include "rewrite.h"
#include "util.h"
#include "banned.h"

#define HEAD_MAX (256 * 1024)
#define FIELD "X-TIM-Label:"
#define EW_OPEN "=?UTF-8?B?"
#define EW_CLOSE "?="

struct mail {
	char *h;		/* the header, and the blank line after it */
	size_t hlen;
	const char *eol;
	size_t ins;		/* where the field goes */
	size_t xat, xlen;	/* tim's field, with its line end (xlen 0: none) */
	size_t sat;		/* where the subject's text starts (0: no subject) */
	size_t plen;		/* tim's prefix there, with its space (0: none) */
	int has_label;
	struct tim_label found;
};

/* Decodes "=?UTF-8?B?...?=" at p (len bytes) into out; -1 when it is not one. */
static int
decode_word(const char *p, size_t len, struct tim_buf *out)
{
	size_t o = strlen(EW_OPEN), c = strlen(EW_CLOSE);
	unsigned char *dec;
	int n;

	if (len < o + c || strncasecmp(p, EW_OPEN, o) != 0 ||
	    memcmp(p + len - c, EW_CLOSE, c) != 0)
		return -1;
	dec = malloc(len);
	if (dec == NULL)
		return -1;
	n = tim_base64_decode(p + o, len - o - c, dec, len);
	if (n >= 0)
		tim_buf_add(out, dec, (size_t)n);
	free(dec);
	return n < 0 || out->failed ? -1 : 0;
}

static void
encode_word(const char *text, size_t len, struct tim_buf *out)
{
	tim_buf_adds(out, EW_OPEN);
	tim_base64_encode(out, (const unsigned char *)text, len);
	tim_buf_adds(out, EW_CLOSE);
}

static void
mail_release(struct mail *m)
{
	free(m->h);
	m->h = NULL;
}

static int
mail_load(const struct tim_label_scheme *s, int fd, const char *path,
    struct mail *m, struct tim_err *err)
{
	struct stat st;
	size_t len, at, end;
	ssize_t got;
	char *p;

	memset(m, 0, sizeof(*m));
	tim_label_clear(&m->found);
	if (fstat(fd, &st) < 0)
		return tim_errorf(err, errno, _("cannot read '%s'"), path);
	len = st.st_size < HEAD_MAX ? (size_t)st.st_size : HEAD_MAX;
	m->h = malloc(len + 1);
	if (m->h == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	got = tim_pread_upto(fd, m->h, len, 0);
	if (got < 0) {
		mail_release(m);
		return tim_errorf(err, errno, _("cannot read '%s'"), path);
	}
	len = (size_t)got;
	m->h[len] = '\0';
	if (memchr(m->h, '\0', len) != NULL) {
		mail_release(m);
		return tim_errorf(err, 0, _("'%s' is not an e-mail file"), path);
	}
	/* The header ends at the first empty line. */
	p = strstr(m->h, "\n\n");
	{
		char *q = strstr(m->h, "\n\r\n");

		if (q != NULL && (p == NULL || q < p))
			p = q;
	}
	if (p == NULL && (off_t)len < st.st_size) {
		mail_release(m);
		return tim_errorf(err, 0, _("'%s': its header is longer than %d KiB"), path, HEAD_MAX / 1024);
	}
	m->hlen = p ? (size_t)(p - m->h) + 1 : len;
	p = memchr(m->h, '\n', m->hlen);
	m->eol = p && p > m->h && p[-1] == '\r' ? "\r\n" : "\n";
	for (at = 0; at < m->hlen; at = end) {
		char *nl = memchr(m->h + at, '\n', m->hlen - at);
		size_t e;

		end = nl ? (size_t)(nl - m->h) + 1 : m->hlen;
		e = end;
		while (e > at && (m->h[e - 1] == '\n' || m->h[e - 1] == '\r'))
			e--;
		if (at == 0 && e >= 5 && memcmp(m->h, "From ", 5) == 0) {
			m->ins = end;	/* an mbox separator stays first */
			continue;
		}
		if (e - at > strlen(FIELD) && strncasecmp(m->h + at, FIELD, strlen(FIELD)) == 0 &&
		    m->xlen == 0) {
			struct tim_buf v = TIM_BUF_INIT;
			size_t b = at + strlen(FIELD);

			while (b < e && m->h[b] == ' ')
				b++;
			if (decode_word(m->h + b, e - b, &v) == 0 &&
			    tim_label_parse(s, tim_buf_str(&v), v.len, &m->found) == 1) {
				m->xat = at;
				m->xlen = end - at;
				m->has_label = 1;
			}
			tim_buf_release(&v);
		} else if (e - at >= 8 && strncasecmp(m->h + at, "Subject:", 8) == 0 && m->sat == 0) {
			size_t b = at + 8, w;

			if (b < e && m->h[b] == ' ')
				b++;
			m->sat = b;
			/* tim's prefix: one encoded word that is exactly a level. */
			for (w = b; w < e && m->h[w] != ' '; w++)
				;
			if (w < e) {
				struct tim_buf v = TIM_BUF_INIT;

				if (decode_word(m->h + b, w - b, &v) == 0 && v.len > 0 &&
				    tim_label_name_prefix(s, tim_buf_str(&v), v.len, NULL) == v.len)
					m->plen = w + 1 - b;
				tim_buf_release(&v);
			}
		}
	}
	return 0;
}

int
tim_eml_read(const struct tim_label_scheme *s, int fd, const char *path,
    struct tim_label *out, struct tim_err *err)
{
	struct mail m;

	tim_label_clear(out);
	if (mail_load(s, fd, path, &m, err) < 0)
		return -1;
	if (m.has_label)
		*out = m.found;
	mail_release(&m);
	return m.has_label;
}

int
tim_eml_write(const struct tim_label_scheme *s, int fd, const char *path,
    const struct tim_label *l, int out, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT, t = TIM_BUF_INIT;
	struct mail m;
	size_t cur = 0;
	int r = -1;

	if (mail_load(s, fd, path, &m, err) < 0)
		return -1;
	/* Up to the field's place, the new field; the old one and prefix left out. */
	if (m.xlen && m.xat < m.ins)
		m.ins = m.xat;
	tim_buf_add(&b, m.h, m.ins);
	cur = m.ins;
	if (l != NULL) {
		tim_label_format(s, l, &t);
		tim_buf_adds(&b, FIELD " ");
		encode_word(tim_buf_str(&t), t.len, &b);
		tim_buf_adds(&b, m.eol);
	}
	if (m.xlen) {
		tim_buf_add(&b, m.h + cur, m.xat - cur);
		cur = m.xat + m.xlen;
	}
	if (m.sat && m.sat >= cur) {
		tim_buf_add(&b, m.h + cur, m.sat - cur);
		if (l != NULL) {
			tim_buf_reset(&t);
			tim_label_format_level(s, l->level, &t);
			encode_word(tim_buf_str(&t), t.len, &b);
			tim_buf_addch(&b, ' ');
		}
		cur = m.sat + m.plen;
	}
	tim_buf_add(&b, m.h + cur, m.hlen - cur);
	if (b.failed || t.failed) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (tim_write_all(out, b.buf, b.len) < 0) {
		tim_errorf(err, errno, _("cannot write '%s'"), path);
		goto out;
	}
	if (lseek(fd, (off_t)m.hlen, SEEK_SET) < 0 || tim_copy_fd(fd, out, -1, err) < 0) {
		tim_err_prefix(err, _("copying '%s'"), path);
		goto out;
	}
	r = 0;
out:
	tim_buf_release(&b);
	tim_buf_release(&t);
	mail_release(&m);
	return r;
}
