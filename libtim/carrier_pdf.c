#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "buf.h"
#include "carrier.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "pdf.h"
#include "util.h"
#include "zippkg.h"
#include "banned.h"

/*
 * PDF: the label goes into the document information dictionary (TIM_Label,
 * TIM_Owner, ... as UTF-16BE text strings) and into XMP metadata, written as
 * an incremental update (ISO 32000-1 §7.5.6) appended to the file, so every
 * earlier byte, and any signature over them, stays as it was. The update
 * starts with a "%TIM-MARK" comment and its trailer carries /TIM_Base, the
 * length of the file before it: removing a label that tim added last cuts
 * the file back to exactly those bytes.
 */

#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_TIMX "urn:tim:label:1/"
#define MARKER "%TIM-MARK label update"

static const struct {
	const char *field, *key, *xmp;
} props[] = {
	{ "level", "TIM_Label", "Label" }, { "owner", "TIM_Owner", "Owner" },
	{ "entrusted", "TIM_Entrusted", "Entrusted" }, { "id", "TIM_Id", "Id" },
	{ "until", "TIM_Until", "Until" },
};

struct map {
	unsigned char *data;
	size_t len;
};

static int
map_fd(int fd, const char *path, struct map *m, struct tim_err *err)
{
	struct stat st;

	m->data = NULL;
	m->len = 0;
	if (fstat(fd, &st) < 0)
		return tim_errorf(err, errno, _("cannot read '%s'"), path);
	if (st.st_size == 0)
		return tim_errorf(err, 0, _("'%s' is not a PDF file"), path);
	m->len = (size_t)st.st_size;
	m->data = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m->data == MAP_FAILED) {
		m->data = NULL;
		return tim_errorf(err, errno, _("cannot read '%s'"), path);
	}
	return 0;
}

static void
unmap(struct map *m)
{
	if (m->data)
		munmap(m->data, m->len);
	m->data = NULL;
}

static int
is_tim_key(const unsigned char *k, size_t klen)
{
	size_t i;

	for (i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (klen == strlen(props[i].key) && memcmp(k, props[i].key, klen) == 0)
			return 1;
	return 0;
}

static int
read_info(struct tim_pdf *p, struct tim_label *out, struct tim_err *err)
{
	struct tim_pdf_obj o;
	size_t i;
	int found = 0, r;

	tim_label_clear(out);
	if (p->info == 0)
		return 0;
	r = tim_pdf_get(p, p->info, &o, err);
	if (r <= 0)
		return r;
	for (i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		struct tim_buf t = TIM_BUF_INIT;
		const unsigned char *v;
		struct tim_err why;
		size_t vl;

		r = tim_pdf_dict_get(o.p, o.len, props[i].key, &v, &vl);
		if (r < 0) {
			tim_pdf_obj_release(&o);
			return tim_errorf(err, 0, _("'%s' is damaged: %s"), p->path, _("bad document information"));
		}
		if (r == 0)
			continue;
		if (tim_pdf_text(v, vl, &t) < 0 || memchr(t.buf ? t.buf : "", '\0', t.len) != NULL ||
		    tim_label_set(out, props[i].field, tim_buf_str(&t), &why) < 0) {
			tim_buf_release(&t);
			tim_pdf_obj_release(&o);
			return tim_errorf(err, 0, _("'%s': property %s is not a valid label value"), p->path, props[i].key);
		}
		tim_buf_release(&t);
		found = 1;
	}
	tim_pdf_obj_release(&o);
	return found && out->level[0] ? 1 : 0;
}

static int
open_pdf(struct tim_pdf *p, const unsigned char *data, size_t len,
    const char *path, struct tim_err *err)
{
	if (tim_pdf_open(p, data, len, path, err) < 0) {
		tim_pdf_release(p);
		return -1;
	}
	if (p->encrypted) {
		tim_pdf_release(p);
		return tim_errorf(err, 0, _("'%s' is encrypted: its content cannot be read or marked without the password"), path);
	}
	return 0;
}

int
tim_pdf_read_label(const struct tim_label_scheme *s, int fd, const char *path,
    struct tim_label *out, struct tim_err *err)
{
	struct tim_pdf p;
	struct map m;
	int r;

	(void)s;
	tim_label_clear(out);
	if (map_fd(fd, path, &m, err) < 0)
		return -1;
	r = open_pdf(&p, m.data, m.len, path, err);
	if (r == 0) {
		r = read_info(&p, out, err);
		tim_pdf_release(&p);
	}
	unmap(&m);
	return r;
}

struct copy_arg {
	struct tim_buf *b;
	const char *skip;	/* a key to leave out, or NULL for tim's */
};

static int
copy_cb(const unsigned char *k, size_t klen, const unsigned char *v, size_t vlen,
    void *arg)
{
	struct copy_arg *a = arg;

	if (a->skip ? (klen == strlen(a->skip) && memcmp(k, a->skip, klen) == 0) : is_tim_key(k, klen))
		return 0;
	tim_buf_addch(a->b, '/');
	tim_buf_add(a->b, k, klen);
	tim_buf_addch(a->b, ' ');
	tim_buf_add(a->b, v, vlen);
	tim_buf_addch(a->b, '\n');
	return 0;
}

/* XMP with tim's description replaced (or removed), serialised without an XML declaration. */
static int
build_xmp(const unsigned char *old, size_t olen, const struct tim_label *l,
    struct tim_buf *out, struct tim_err *err)
{
	struct tim_buf f = TIM_BUF_INIT;
	struct tim_err ignored;
	xmlDocPtr doc = NULL;
	xmlNodePtr rdf = NULL, n, next, stack[64];
	xmlBufferPtr xb;
	size_t i, sp = 0;

	if (old != NULL && olen > 0)
		doc = tim_xml_parse(old, olen, "XMP", &ignored);
	if (doc != NULL) {
		/* rdf:RDF may sit below x:xmpmeta or be the root. */
		stack[sp++] = xmlDocGetRootElement(doc);
		while (sp > 0 && rdf == NULL) {
			n = stack[--sp];
			if (tim_xml_is(n, NS_RDF, "RDF"))
				rdf = n;
			for (n = n->children; n && sp < 64; n = n->next)
				if (n->type == XML_ELEMENT_NODE)
					stack[sp++] = n;
		}
	}
	if (rdf == NULL) {
		static const char skel[] =
		    "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
		    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"" NS_RDF "\"/></x:xmpmeta>"
		    "<?xpacket end=\"w\"?>";

		if (doc)
			xmlFreeDoc(doc);
		doc = tim_xml_parse(skel, sizeof(skel) - 1, "XMP", err);
		if (doc == NULL)
			return -1;
		rdf = tim_xml_child(xmlDocGetRootElement(doc), NS_RDF, "RDF");
	}
	for (n = rdf->children; n; n = next) {
		xmlNsPtr ns;

		next = n->next;
		if (!tim_xml_is(n, NS_RDF, "Description"))
			continue;
		for (ns = n->nsDef; ns; ns = ns->next)
			if (ns->href && strcmp((const char *)ns->href, NS_TIMX) == 0)
				break;
		if (ns) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
	if (l != NULL) {
		tim_buf_adds(&f, "<rdf:Description rdf:about=\"\" xmlns:tim=\"" NS_TIMX "\">");
		for (i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
			const char *v = tim_label_get(l, props[i].field);

			if (!*v)
				continue;
			tim_buf_addf(&f, "<tim:%s>", props[i].xmp);
			tim_buf_addxml(&f, v);
			tim_buf_addf(&f, "</tim:%s>", props[i].xmp);
		}
		tim_buf_adds(&f, "</rdf:Description>");
		n = f.failed ? NULL : tim_xml_fragment(doc, "xmlns:rdf=\"" NS_RDF "\"", f.buf, err);
		tim_buf_release(&f);
		if (n == NULL) {
			xmlFreeDoc(doc);
			return -1;
		}
		xmlAddChild(rdf, n);
		xmlDOMWrapReconcileNamespaces(NULL, n, 1);
	}
	xb = xmlBufferCreate();
	if (xb == NULL) {
		xmlFreeDoc(doc);
		return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	for (n = doc->children; n; n = n->next) {
		xmlNodeDump(xb, doc, n, 0, 0);
		xmlBufferAdd(xb, (const xmlChar *)"\n", 1);
	}
	tim_buf_add(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
	xmlBufferFree(xb);
	xmlFreeDoc(doc);
	return out->failed ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
}

struct entry {
	long num, gen;
	size_t off;
};

static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->num > y->num) - (x->num < y->num);
}

/* The update for the PDF p (whose bytes are data[0, base)). */
static int
update(struct tim_pdf *p, size_t base, const struct tim_label *l,
    struct tim_buf *u, struct tim_err *err)
{
	struct tim_buf info = TIM_BUF_INIT, cat = TIM_BUF_INIT, xmp = TIM_BUF_INIT, dec = TIM_BUF_INIT;
	struct tim_pdf_obj o, xo;
	struct copy_arg ca;
	struct entry ent[4];
	const unsigned char *v, *id = NULL;
	size_t vl, idl = 0, i, n = 0;
	long size = p->size, info_num, info_gen, xmp_num, mnum, mgen;
	int r = -1, have_xmp = 0;

	/* The information dictionary: everyone else's entries, then tim's. */
	tim_buf_adds(&info, "<<\n");
	if (p->info) {
		if (tim_pdf_get(p, p->info, &o, err) < 0)
			goto out;
		ca.b = &info;
		ca.skip = NULL;
		if (o.p && tim_pdf_dict_each(o.p, o.len, copy_cb, &ca) < 0) {
			tim_pdf_obj_release(&o);
			tim_errorf(err, 0, _("'%s' is damaged: %s"), p->path, _("bad document information"));
			goto out;
		}
		tim_pdf_obj_release(&o);
		info_num = p->info;
		info_gen = p->info_gen;
	} else {
		info_num = size++;
		info_gen = 0;
	}
	for (i = 0; l && i < sizeof(props) / sizeof(props[0]); i++) {
		const char *val = tim_label_get(l, props[i].field);

		if (!*val)
			continue;
		tim_buf_addf(&info, "/%s ", props[i].key);
		tim_pdf_hex_utf16(val, &info);
		tim_buf_addch(&info, '\n');
	}
	tim_buf_adds(&info, ">>");
	/* The catalog, pointing at the new metadata stream. */
	i = (size_t)tim_pdf_get(p, p->root, &o, err);
	if ((int)i < 0)
		goto out;
	if ((int)i == 0 || o.p == NULL) {
		tim_errorf(err, 0, _("'%s' is damaged: %s"), p->path, _("no document catalog"));
		tim_pdf_obj_release(&o);
		goto out;
	}
	if (tim_pdf_dict_get(o.p, o.len, "Metadata", &v, &vl) == 1 &&
	    tim_pdf_ref(v, vl, &mnum, &mgen) == 0 && tim_pdf_get(p, mnum, &xo, err) == 1) {
		struct tim_err ignored;

		have_xmp = xo.stream != NULL && tim_pdf_stream(p, &xo, &dec, &ignored) == 0;
		tim_pdf_obj_release(&xo);
	}
	tim_buf_adds(&cat, "<<\n");
	ca.b = &cat;
	ca.skip = "Metadata";
	if (tim_pdf_dict_each(o.p, o.len, copy_cb, &ca) < 0) {
		tim_pdf_obj_release(&o);
		tim_errorf(err, 0, _("'%s' is damaged: %s"), p->path, _("bad document catalog"));
		goto out;
	}
	tim_pdf_obj_release(&o);
	xmp_num = size++;
	tim_buf_addf(&cat, "/Metadata %ld 0 R\n>>", xmp_num);
	if (build_xmp(have_xmp ? (const unsigned char *)dec.buf : NULL, dec.len, l, &xmp, err) < 0)
		goto out;

	/* The update itself. */
	if (base > 0 && p->data[base - 1] != '\n' && p->data[base - 1] != '\r')
		tim_buf_addch(u, '\n');
	tim_buf_adds(u, MARKER "\n");
	ent[n].num = xmp_num, ent[n].gen = 0, ent[n++].off = base + u->len;
	tim_buf_addf(u, "%ld 0 obj\n<< /Type /Metadata /Subtype /XML /Length %zu >>\nstream\n", xmp_num, xmp.len);
	tim_buf_add(u, xmp.buf, xmp.len);
	tim_buf_adds(u, "\nendstream\nendobj\n");
	ent[n].num = info_num, ent[n].gen = info_gen, ent[n++].off = base + u->len;
	tim_buf_addf(u, "%ld %ld obj\n%s\nendobj\n", info_num, info_gen, tim_buf_str(&info));
	ent[n].num = p->root, ent[n].gen = p->root_gen, ent[n++].off = base + u->len;
	tim_buf_addf(u, "%ld %ld obj\n%s\nendobj\n", p->root, p->root_gen, tim_buf_str(&cat));
	if (tim_pdf_dict_get(p->data + p->sec[0].trailer, p->sec[0].tlen, "ID", &id, &idl) != 1)
		id = NULL;
	if (p->sec[0].stream) {
		/* The original keeps its cross-reference in streams: so does the update. */
		long xnum = size++;
		int wide = base + u->len > 0xffffffffUL;
		size_t xat = base + u->len, k;

		ent[n].num = xnum, ent[n].gen = 0, ent[n++].off = xat;
		qsort(ent, n, sizeof(ent[0]), cmp_entry);
		tim_buf_addf(u, "%ld 0 obj\n<< /Type /XRef /Size %ld /W [1 %d 2] /Index [", xnum, size, wide ? 8 : 4);
		for (k = 0; k < n; k++)
			tim_buf_addf(u, "%s%ld 1", k ? " " : "", ent[k].num);
		tim_buf_addf(u, "] /Root %ld %ld R /Info %ld %ld R /Prev %zu /TIM_Base %zu",
		    p->root, p->root_gen, info_num, info_gen, p->sec[0].at, base);
		if (id) {
			tim_buf_adds(u, " /ID ");
			tim_buf_add(u, id, idl);
		}
		tim_buf_addf(u, " /Length %zu >>\nstream\n", n * (size_t)(wide ? 11 : 7));
		for (k = 0; k < n; k++) {
			unsigned char e[11];
			int b, w = wide ? 8 : 4;

			e[0] = 1;
			for (b = 0; b < w; b++)
				e[1 + b] = (unsigned char)(ent[k].off >> (8 * (w - 1 - b)));
			e[1 + w] = (unsigned char)(ent[k].gen >> 8);
			e[2 + w] = (unsigned char)ent[k].gen;
			tim_buf_add(u, e, (size_t)(3 + w));
		}
		tim_buf_addf(u, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", xat);
	} else {
		size_t xat = base + u->len, k;

		qsort(ent, n, sizeof(ent[0]), cmp_entry);
		tim_buf_adds(u, "xref\n");
		for (k = 0; k < n; k++)
			tim_buf_addf(u, "%ld 1\n%010zu %05ld n\r\n", ent[k].num, ent[k].off, ent[k].gen);
		tim_buf_addf(u, "trailer\n<< /Size %ld /Root %ld %ld R /Info %ld %ld R /Prev %zu /TIM_Base %zu",
		    size, p->root, p->root_gen, info_num, info_gen, p->sec[0].at, base);
		if (id) {
			tim_buf_adds(u, " /ID ");
			tim_buf_add(u, id, idl);
		}
		tim_buf_addf(u, " >>\nstartxref\n%zu\n%%%%EOF\n", xat);
	}
	r = u->failed ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
out:
	tim_buf_release(&info);
	tim_buf_release(&cat);
	tim_buf_release(&xmp);
	tim_buf_release(&dec);
	return r;
}

int
tim_pdf_write_label(const struct tim_label_scheme *s, int fd, const char *path,
    const struct tim_label *l, int out, struct tim_err *err)
{
	struct tim_buf u = TIM_BUF_INIT;
	struct tim_pdf p;
	struct map m;
	size_t base;
	int r = -1;

	(void)s;
	if (map_fd(fd, path, &m, err) < 0)
		return -1;
	if (open_pdf(&p, m.data, m.len, path, err) < 0)
		goto out_unmap;
	base = m.len;
	/* tim's own update, last: start again from the bytes before it. */
	if (p.tim_base > 0) {
		size_t b = (size_t)p.tim_base, k = b;

		while (k < m.len && (m.data[k] == '\n' || m.data[k] == '\r') && k < b + 2)
			k++;
		if (m.len - k >= strlen(MARKER) && memcmp(m.data + k, MARKER, strlen(MARKER)) == 0) {
			tim_pdf_release(&p);
			base = b;
			if (open_pdf(&p, m.data, base, path, err) < 0)
				goto out_unmap;
		}
	}
	if (l != NULL || base == m.len) {
		if (update(&p, base, l, &u, err) < 0)
			goto out;
	}
	if (tim_write_all(out, m.data, base) < 0 || tim_write_all(out, u.buf ? u.buf : "", u.len) < 0) {
		tim_errorf(err, errno, _("cannot write '%s'"), path);
		goto out;
	}
	r = 0;
out:
	tim_pdf_release(&p);
out_unmap:
	unmap(&m);
	tim_buf_release(&u);
	return r;
}
