/*
 * Photos and pictures: the label as an XMP packet of its own, the place
 * both formats keep metadata that any viewer or exiftool reads.
 *
 *	PNG	an iTXt chunk "XML:com.adobe.xmp" right after IHDR
 *	JPEG	an APP1 segment "http://ns.adobe.com/xap/1.0/" after the
 *		leading JFIF (APP0) and Exif (APP1) segments
 *
 * The packet holds one rdf:Description in the namespace urn:tim:label:1/
 * (tim:Label, tim:Owner, ...), the same properties as in PDF files.
 * Removing takes exactly that chunk or segment away, so mark then remove
 * gives back the original bytes. A file that already holds XMP of its own
 * is not merged into: its name and attributes carry the label.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>
#include <zlib.h>

#include "buf.h"
#include "carrier.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "util.h"
#include "zippkg.h"
#include "banned.h"

#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_TIMX "urn:tim:label:1/"
#define PNG_SIG "\x89PNG\r\n\x1a\n"
#define PNG_XMP "XML:com.adobe.xmp"
#define JPEG_XMP "http://ns.adobe.com/xap/1.0/"	/* and a NUL */
#define JPEG_XMP_EXT "http://ns.adobe.com/xmp/extension/"
#define XMP_MAX (1 << 20)	/* an XMP packet read, at most */
#define STEPS_MAX 1000000	/* chunks or segments looked at, at most */

static const struct {
	const char *field, *xmp;
} props[] = {
	{ "level", "Label" }, { "owner", "Owner" }, { "entrusted", "Entrusted" },
	{ "id", "Id" }, { "until", "Until" },
};

/* What the scan of a picture found. */
struct pic {
	off_t size;
	off_t ins;		/* where the label goes */
	off_t at;		/* tim's own chunk or segment, */
	off_t len;		/* its length (0: none) */
	int other_xmp;		/* XMP that is not tim's */
	int has_label;
	struct tim_label found;
};

static int
xmp_packet(const struct tim_label *l, struct tim_buf *out)
{
	size_t i;

	tim_buf_adds(out, "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
	    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"" NS_RDF "\">"
	    "<rdf:Description rdf:about=\"\" xmlns:tim=\"" NS_TIMX "\">");
	for (i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		const char *v = tim_label_get(l, props[i].field);

		if (!*v)
			continue;
		tim_buf_addf(out, "<tim:%s>", props[i].xmp);
		tim_buf_addxml(out, v);
		tim_buf_addf(out, "</tim:%s>", props[i].xmp);
	}
	tim_buf_adds(out, "</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"r\"?>");
	return out->failed ? -1 : 0;
}

static int
set_prop(struct tim_label *l, const char *local, const char *value, int *any,
    struct tim_err *err)
{
	size_t i;

	for (i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (strcmp(local, props[i].xmp) == 0) {
			*any = 1;
			return tim_label_set(l, props[i].field, value, err);
		}
	return 0;
}

/*
 * Reads an XMP packet: 1 when it is tim's (its label into out), 0 when it
 * is someone else's, -1 when it is not XML that can be read.
 */
static int
xmp_read(const char *data, size_t len, const char *path, struct tim_label *out,
    struct tim_err *err)
{
	xmlDocPtr doc;
	xmlNodePtr rdf, d, n;
	int ours = 0, r = 0;

	tim_label_clear(out);
	doc = tim_xml_parse(data, len, path, err);
	if (doc == NULL)
		return -1;
	rdf = xmlDocGetRootElement(doc);
	if (rdf != NULL && !tim_xml_is(rdf, NS_RDF, "RDF"))
		rdf = tim_xml_child(rdf, NS_RDF, "RDF");
	for (d = rdf ? rdf->children : NULL; d != NULL && r == 0; d = d->next) {
		xmlAttrPtr a;

		if (!tim_xml_is(d, NS_RDF, "Description"))
			continue;
		/* Elements, or attributes as exiftool may write them back. */
		for (a = d->properties; a != NULL && r == 0; a = a->next) {
			if (a->ns == NULL || strcmp((const char *)a->ns->href, NS_TIMX) != 0)
				continue;
			{
				xmlChar *v = xmlNodeListGetString(doc, a->children, 1);

				r = set_prop(out, (const char *)a->name, v ? (const char *)v : "", &ours, err);
				xmlFree(v);
			}
		}
		for (n = d->children; n != NULL && r == 0; n = n->next) {
			xmlChar *v;

			if (n->type != XML_ELEMENT_NODE || n->ns == NULL ||
			    strcmp((const char *)n->ns->href, NS_TIMX) != 0)
				continue;
			v = xmlNodeGetContent(n);
			r = set_prop(out, (const char *)n->name, v ? (const char *)v : "", &ours, err);
			xmlFree(v);
		}
	}
	xmlFreeDoc(doc);
	if (r < 0) {
		tim_err_prefix(err, _("the label in '%s'"), path);
		return -1;
	}
	return ours;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
damaged(struct tim_err *err, const char *path, const char *what)
{
	return tim_errorf(err, 0, _("'%s' is damaged: %s"), path, what);
}

/* Reads len bytes at off into a new buffer. */
static char *
read_at(int fd, off_t off, size_t len, const char *path, struct tim_err *err)
{
	char *b = malloc(len + 1);

	if (b == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		return NULL;
	}
	if (tim_pread_upto(fd, b, len, off) != (ssize_t)len) {
		free(b);
		tim_errorf(err, errno, _("cannot read '%s'"), path);
		return NULL;
	}
	b[len] = '\0';
	return b;
}

/* An XMP packet found at data (len bytes): tim's, or someone else's. */
static int
found_xmp(struct pic *p, const char *data, size_t len, off_t at, off_t total,
    const char *path, struct tim_err *err)
{
	struct tim_label l;
	int r = xmp_read(data, len, path, &l, err);

	if (r < 0)
		return -1;
	if (r == 0 || p->len) {
		p->other_xmp = 1;
		return 0;
	}
	p->at = at;
	p->len = total;
	p->found = l;
	p->has_label = l.level[0] != '\0';
	return 0;
}

static int
scan_png(int fd, const char *path, struct pic *p, struct tim_err *err)
{
	unsigned char h[8];
	off_t off = 8;
	long steps = 0;

	for (;;) {
		uint32_t len;

		if (++steps > STEPS_MAX)
			return damaged(err, path, _("too many chunks"));
		if (off + 12 > p->size)
			return damaged(err, path, _("it ends before its IEND chunk"));
		if (tim_pread_upto(fd, h, 8, off) != 8)
			return tim_errorf(err, errno, _("cannot read '%s'"), path);
		len = be32(h);
		if (len > 0x7fffffffu || off + 12 + (off_t)len > p->size)
			return damaged(err, path, _("a chunk runs past its end"));
		if (off == 8) {
			if (memcmp(h + 4, "IHDR", 4) != 0)
				return damaged(err, path, _("it does not start with IHDR"));
			p->ins = off + 12 + len;
		}
		if (memcmp(h + 4, "iTXt", 4) == 0 && len > sizeof(PNG_XMP) + 4 && len <= XMP_MAX) {
			char *d = read_at(fd, off + 8, len, path, err);
			const char *t, *end;
			int r = 0;

			if (d == NULL)
				return -1;
			end = d + len;
			if (memcmp(d, PNG_XMP, sizeof(PNG_XMP)) == 0) {
				t = d + sizeof(PNG_XMP);
				if (t[0] != 0) {
					p->other_xmp = 1;	/* compressed: not tim's */
				} else {
					t += 2;
					t = memchr(t, '\0', (size_t)(end - t));	/* language */
					t = t ? memchr(t + 1, '\0', (size_t)(end - t - 1)) : NULL;
					if (t == NULL)
						r = damaged(err, path, _("an iTXt chunk is cut short"));
					else
						r = found_xmp(p, t + 1, (size_t)(end - t - 1), off,
						    12 + (off_t)len, path, err);
				}
			}
			free(d);
			if (r < 0)
				return -1;
		} else if (memcmp(h + 4, "iTXt", 4) == 0 && len > XMP_MAX)
			p->other_xmp = 1;
		if (memcmp(h + 4, "IEND", 4) == 0)
			return 0;
		off += 12 + len;
	}
}

static int
scan_jpeg(int fd, const char *path, struct pic *p, struct tim_err *err)
{
	unsigned char h[4];
	off_t off = 2;
	long steps = 0;
	int leading = 1;

	p->ins = 2;
	for (;;) {
		unsigned int m, len;

		if (++steps > STEPS_MAX)
			return damaged(err, path, _("too many segments"));
		if (off + 4 > p->size)
			return damaged(err, path, _("it ends before its image data"));
		if (tim_pread_upto(fd, h, 4, off) != 4)
			return tim_errorf(err, errno, _("cannot read '%s'"), path);
		if (h[0] != 0xff)
			return damaged(err, path, _("a segment does not start with a marker"));
		m = h[1];
		if (m == 0xff) {	/* fill byte */
			off++;
			continue;
		}
		if (m == 0xda || m == 0xd9)	/* start of scan, end of image */
			return 0;
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd8))
			return damaged(err, path, _("a marker without a segment before the image data"));
		len = (unsigned)h[2] << 8 | h[3];
		if (len < 2 || off + 2 + (off_t)len > p->size)
			return damaged(err, path, _("a segment runs past its end"));
		if (m == 0xe1 && len - 2 >= sizeof(JPEG_XMP_EXT) - 1) {
			char *d = read_at(fd, off + 4, len - 2, path, err);
			int r = 0;

			if (d == NULL)
				return -1;
			if (len - 2 > sizeof(JPEG_XMP) && memcmp(d, JPEG_XMP, sizeof(JPEG_XMP)) == 0)
				r = found_xmp(p, d + sizeof(JPEG_XMP), len - 2 - sizeof(JPEG_XMP),
				    off, 2 + (off_t)len, path, err);
			else if (memcmp(d, JPEG_XMP_EXT, sizeof(JPEG_XMP_EXT) - 1) == 0)
				p->other_xmp = 1;
			else if (leading && len - 2 >= 6 && memcmp(d, "Exif\0\0", 6) == 0)
				p->ins = off + 2 + len;
			else
				leading = 0;
			free(d);
			if (r < 0)
				return -1;
			if (p->at == off)
				leading = 0;
		} else if (leading && m == 0xe0)
			p->ins = off + 2 + len;
		else
			leading = 0;
		off += 2 + (off_t)len;
	}
}

static int
scan(int fd, const char *path, int type, struct pic *p, struct tim_err *err)
{
	struct stat st;

	memset(p, 0, sizeof(*p));
	tim_label_clear(&p->found);
	if (fstat(fd, &st) < 0)
		return tim_errorf(err, errno, _("cannot read '%s'"), path);
	p->size = st.st_size;
	return type == TIM_CONTENT_PNG ? scan_png(fd, path, p, err) :
	    scan_jpeg(fd, path, p, err);
}

int
tim_image_read(const struct tim_label_scheme *s, int fd, const char *path,
    int type, struct tim_label *out, struct tim_err *err)
{
	struct pic p;

	(void)s;
	tim_label_clear(out);
	if (scan(fd, path, type, &p, err) < 0)
		return -1;
	if (!p.has_label)
		return 0;
	*out = p.found;
	return 1;
}

static int
copy_range(int fd, off_t off, off_t len, int out, const char *path,
    struct tim_err *err)
{
	char buf[65536];

	while (len > 0) {
		size_t want = len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t n = tim_pread_upto(fd, buf, want, off);

		if (n != (ssize_t)want)
			return tim_errorf(err, errno, _("cannot read '%s'"), path);
		if (tim_write_all(out, buf, want) < 0)
			return tim_errorf(err, errno, _("cannot write '%s'"), path);
		off += (off_t)want;
		len -= (off_t)want;
	}
	return 0;
}

/* Copies [from, to) leaving out tim's own chunk or segment. */
static int
copy_without(int fd, const struct pic *p, off_t from, off_t to, int out,
    const char *path, struct tim_err *err)
{
	off_t a = p->at, b = p->at + p->len;

	if (p->len == 0 || b <= from || a >= to)
		return copy_range(fd, from, to - from, out, path, err);
	if (a > from && copy_range(fd, from, a - from, out, path, err) < 0)
		return -1;
	return b < to ? copy_range(fd, b, to - b, out, path, err) : 0;
}

/* The chunk or segment that holds l. */
static int
build(int type, const struct tim_label *l, struct tim_buf *out,
    const char *path, struct tim_err *err)
{
	struct tim_buf x = TIM_BUF_INIT;
	unsigned char h[8];
	size_t n;

	if (xmp_packet(l, &x) < 0) {
		tim_buf_release(&x);
		return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	if (type == TIM_CONTENT_PNG) {
		uLong crc;

		n = sizeof(PNG_XMP) + 4 + x.len;	/* keyword NUL, flag, method, NUL, NUL */
		h[0] = (unsigned char)(n >> 24);
		h[1] = (unsigned char)(n >> 16);
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		memcpy(h + 4, "iTXt", 4);
		tim_buf_add(out, h, 8);
		tim_buf_add(out, PNG_XMP, sizeof(PNG_XMP));
		tim_buf_add(out, "\0\0\0\0", 4);
		tim_buf_add(out, x.buf, x.len);
		if (!out->failed) {
			crc = crc32(0L, (const Bytef *)out->buf + 4, (uInt)(out->len - 4));
			h[0] = (unsigned char)(crc >> 24);
			h[1] = (unsigned char)(crc >> 16);
			h[2] = (unsigned char)(crc >> 8);
			h[3] = (unsigned char)crc;
			tim_buf_add(out, h, 4);
		}
	} else {
		n = 2 + sizeof(JPEG_XMP) + x.len;
		if (n > 0xffff) {
			tim_buf_release(&x);
			return tim_errorf(err, 0, _("'%s': the label is too long for a JPEG segment"), path);
		}
		h[0] = 0xff;
		h[1] = 0xe1;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		tim_buf_add(out, h, 4);
		tim_buf_add(out, JPEG_XMP, sizeof(JPEG_XMP));
		tim_buf_add(out, x.buf, x.len);
	}
	tim_buf_release(&x);
	return out->failed ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
}

int
tim_image_write(const struct tim_label_scheme *s, int fd, const char *path,
    int type, const struct tim_label *l, int out, struct tim_err *err)
{
	struct tim_buf seg = TIM_BUF_INIT;
	struct pic p;
	int r = -1;

	(void)s;
	if (scan(fd, path, type, &p, err) < 0)
		return -1;
	if (p.other_xmp && l != NULL)
		return tim_errorf(err, 0, _("'%s' already holds XMP metadata of its own; tim does not write into it"), path);
	if (l != NULL && build(type, l, &seg, path, err) < 0)
		goto out;
	/* Everything before the place, the label, the rest; never tim's old one. */
	if (copy_without(fd, &p, 0, p.ins, out, path, err) < 0)
		goto out;
	if (seg.len && tim_write_all(out, seg.buf, seg.len) < 0) {
		tim_errorf(err, errno, _("cannot write '%s'"), path);
		goto out;
	}
	if (copy_without(fd, &p, p.ins, p.size, out, path, err) < 0)
		goto out;
	r = 0;
out:
	tim_buf_release(&seg);
	return r;
}
