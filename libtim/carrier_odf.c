#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "carrier.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "zippkg.h"
#include "banned.h"

/*
 * OpenDocument (ISO/IEC 26300): meta.xml user-defined properties TIM_Label,
 * TIM_Owner, ..., and the label shown in the header and footer of every
 * master page (text and spreadsheet documents) or in a frame on every master
 * page (presentations). mimetype stays the first entry, stored.
 *
 * tim finds what it added again by what LibreOffice keeps when it saves the
 * file (tried with 7.4): in text documents paragraphs of the style "TIM
 * Label" (or an automatic style derived from it), in presentations the frame
 * named TIM_Label, in spreadsheets a paragraph holding exactly the label's
 * text in the right region of the header or footer (Calc keeps no paragraph
 * styles there). Older versions of tim marked with the attribute tim:label,
 * which editors drop: it is still recognised, and so is a paragraph holding
 * exactly the label's text as they wrote it.
 */

#define NS_OFFICE "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
#define NS_META "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
#define NS_STYLE "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
#define NS_TEXT "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#define NS_DRAW "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
#define NS_SVG "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
#define NS_MANIFEST "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
#define NS_TIM "urn:tim:label:1"
#define NS_FO "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
#define MT "application/vnd.oasis.opendocument."
#define STYLE_NAME "TIM_20_Label"	/* display name "TIM Label" */

#define NSDECLS "xmlns:office=\"" NS_OFFICE "\" xmlns:meta=\"" NS_META "\" " \
	"xmlns:style=\"" NS_STYLE "\" xmlns:text=\"" NS_TEXT "\" xmlns:draw=\"" NS_DRAW "\" " \
	"xmlns:svg=\"" NS_SVG "\" xmlns:tim=\"" NS_TIM "\" xmlns:fo=\"" NS_FO "\""

static const char *const first_mt[] = { "mimetype", NULL };

static const struct {
	const char *field, *prop;
} props[] = {
	{ "level", "TIM_Label" }, { "owner", "TIM_Owner" },
	{ "entrusted", "TIM_Entrusted" }, { "id", "TIM_Id" },
	{ "until", "TIM_Until" },
};

int
tim_odf_kind(struct tim_zpkg *p)
{
	struct tim_zpart *m = tim_zpkg_find(p, "mimetype");
	static const struct {
		const char *mt;
		int type;
	} kinds[] = {
		{ MT "text", TIM_CONTENT_ODT }, { MT "spreadsheet", TIM_CONTENT_ODS },
		{ MT "presentation", TIM_CONTENT_ODP },
	};
	size_t i;

	if (m == NULL || m->data == NULL)
		return TIM_CONTENT_OTHER;
	for (i = 0; i < 3; i++)
		if (m->len == strlen(kinds[i].mt) && memcmp(m->data, kinds[i].mt, m->len) == 0)
			return kinds[i].type;
	return TIM_CONTENT_OTHER;
}

static int
is_tim(xmlNodePtr n)
{
	xmlChar *v = xmlGetNsProp(n, (const xmlChar *)"label", (const xmlChar *)NS_TIM);
	int r = v != NULL;

	xmlFree(v);
	return r;
}

static xmlNodePtr
office_meta(struct tim_zpkg *p, xmlDocPtr doc, struct tim_err *err)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), m;

	if (!tim_xml_is(root, NS_OFFICE, "document-meta")) {
		tim_errorf(err, 0, _("'%s' is damaged: bad meta.xml"), p->path);
		return NULL;
	}
	m = tim_xml_child(root, NS_OFFICE, "meta");
	if (m == NULL) {
		m = xmlNewChild(root, root->ns, (const xmlChar *)"meta", NULL);
		if (m == NULL)
			tim_errorf(err, ENOMEM, _("out of memory"));
	}
	return m;
}

static int
read_meta(struct tim_zpkg *p, struct tim_label *out, struct tim_err *err)
{
	struct tim_zpart *part = tim_zpkg_find(p, "meta.xml");
	xmlDocPtr doc;
	xmlNodePtr m, n;
	int found = 0;

	tim_label_clear(out);
	if (part == NULL)
		return 0;
	if ((doc = tim_zpkg_xml(p, part, err)) == NULL || (m = office_meta(p, doc, err)) == NULL)
		return -1;
	for (n = m->children; n; n = n->next) {
		xmlChar *name, *val;
		size_t i;

		if (!tim_xml_is(n, NS_META, "user-defined"))
			continue;
		name = xmlGetNsProp(n, (const xmlChar *)"name", (const xmlChar *)NS_META);
		for (i = 0; name && i < sizeof(props) / sizeof(props[0]); i++) {
			struct tim_err why;

			if (strcmp((const char *)name, props[i].prop) != 0)
				continue;
			val = xmlNodeGetContent(n);
			if (val == NULL || tim_label_set(out, props[i].field, (const char *)val, &why) < 0) {
				xmlFree(val);
				xmlFree(name);
				return tim_errorf(err, 0, _("'%s': property %s is not a valid label value"),
				    p->path, props[i].prop);
			}
			xmlFree(val);
			found = 1;
		}
		xmlFree(name);
	}
	return found && out->level[0] ? 1 : 0;
}

static int
set_meta(struct tim_zpkg *p, const struct tim_label *l, struct tim_err *err)
{
	struct tim_zpart *part = tim_zpkg_find(p, "meta.xml");
	struct tim_buf f = TIM_BUF_INIT;
	xmlDocPtr doc;
	xmlNodePtr m, n, next;
	size_t i;

	if (part == NULL) {
		static const char skel[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<office:document-meta xmlns:office=\"" NS_OFFICE "\" xmlns:meta=\"" NS_META
		    "\" office:version=\"1.2\"><office:meta/></office:document-meta>";
		struct tim_zpart *man = tim_zpkg_find(p, "META-INF/manifest.xml");
		xmlDocPtr md;

		if (l == NULL)
			return 0;
		if (man == NULL || (md = tim_zpkg_xml(p, man, err)) == NULL)
			return man ? -1 : tim_errorf(err, 0, _("'%s' is damaged: no manifest"), p->path);
		doc = tim_xml_parse(skel, sizeof(skel) - 1, "meta.xml", err);
		if (doc == NULL || tim_zpkg_add(p, "meta.xml", doc, err) == NULL)
			return -1;
		n = xmlNewChild(xmlDocGetRootElement(md), xmlDocGetRootElement(md)->ns,
		    (const xmlChar *)"file-entry", NULL);
		if (n == NULL)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		xmlSetNsProp(n, xmlDocGetRootElement(md)->ns, (const xmlChar *)"full-path", (const xmlChar *)"meta.xml");
		xmlSetNsProp(n, xmlDocGetRootElement(md)->ns, (const xmlChar *)"media-type", (const xmlChar *)"text/xml");
	} else if ((doc = tim_zpkg_xml(p, part, err)) == NULL)
		return -1;
	if ((m = office_meta(p, doc, err)) == NULL)
		return -1;
	for (n = m->children; n; n = next) {
		xmlChar *name;

		next = n->next;
		if (!tim_xml_is(n, NS_META, "user-defined"))
			continue;
		name = xmlGetNsProp(n, (const xmlChar *)"name", (const xmlChar *)NS_META);
		for (i = 0; name && i < sizeof(props) / sizeof(props[0]); i++)
			if (strcmp((const char *)name, props[i].prop) == 0) {
				xmlUnlinkNode(n);
				xmlFreeNode(n);
				break;
			}
		xmlFree(name);
	}
	for (i = 0; l && i < sizeof(props) / sizeof(props[0]); i++) {
		const char *v = tim_label_get(l, props[i].field);
		int r;

		if (!*v)
			continue;
		tim_buf_reset(&f);
		tim_buf_addf(&f, "<meta:user-defined meta:name=\"%s\" meta:value-type=\"string\">", props[i].prop);
		r = tim_xml_add_property(m, NSDECLS, tim_buf_str(&f), v, "</meta:user-defined>", err);
		if (r < 0) {
			tim_buf_release(&f);
			return -1;
		}
	}
	tim_buf_release(&f);
	return 0;
}

/* What set_styles works with. */
struct odf {
	struct tim_zpkg *p;
	int type;
	const struct tim_label_scheme *s;
	xmlDocPtr doc;		/* styles.xml */
	const char *texts[4];	/* spreadsheets: tim's paragraphs' texts */
	int left;		/* removing: label text left in styles.xml */
	struct tim_err *err;
};

static int
attr_eq(xmlNodePtr n, const char *ns, const char *name, const char *want)
{
	xmlChar *v = xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)ns);
	int r = v != NULL && strcmp((const char *)v, want) == 0;

	xmlFree(v);
	return r;
}

/* Whether style-name is "TIM Label" or an automatic style derived from it. */
static int
tim_style(struct odf *o, const xmlChar *name)
{
	xmlNodePtr as, n;

	if (name == NULL)
		return 0;
	if (strcmp((const char *)name, STYLE_NAME) == 0)
		return 1;
	as = tim_xml_child(xmlDocGetRootElement(o->doc), NS_OFFICE, "automatic-styles");
	for (n = as ? as->children : NULL; n; n = n->next)
		if (tim_xml_is(n, NS_STYLE, "style") && attr_eq(n, NS_STYLE, "name", (const char *)name))
			return attr_eq(n, NS_STYLE, "parent-style-name", STYLE_NAME);
	return 0;
}

/* Whether n is something tim added. */
static int
ours(struct odf *o, xmlNodePtr n)
{
	xmlChar *v;
	size_t i;
	int r;

	if (is_tim(n))
		return 1;
	if (tim_xml_is(n, NS_DRAW, "frame"))
		return attr_eq(n, NS_DRAW, "name", "TIM_Label");
	if (!tim_xml_is(n, NS_TEXT, "p"))
		return 0;
	v = xmlGetNsProp(n, (const xmlChar *)"style-name", (const xmlChar *)NS_TEXT);
	r = tim_style(o, v);
	xmlFree(v);
	/*
	 * Calc keeps no paragraph style in headers, and paragraphs an older tim
	 * marked lost their attribute in every editor: exactly the label's text.
	 */
	if (r)
		return r;
	v = xmlNodeGetContent(n);
	for (i = 0; v && !r && o->texts[i]; i++)
		r = *o->texts[i] && strcmp((const char *)v, o->texts[i]) == 0;
	xmlFree(v);
	return r;
}

/* Takes tim's paragraphs and frames out of n and everything below it. */
static void
strip(struct odf *o, xmlNodePtr n)
{
	xmlNodePtr c, next;

	for (c = n->children; c; c = next) {
		next = c->next;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (ours(o, c)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		} else
			strip(o, c);
	}
}

/* Removing: any paragraph left below n that shows a label. */
static void
scan(struct odf *o, xmlNodePtr n)
{
	struct tim_buf b = TIM_BUF_INIT;
	xmlNodePtr c;
	size_t i;

	for (c = n->children; c; c = c->next) {
		xmlChar *t;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!tim_xml_is(c, NS_TEXT, "p") && !tim_xml_is(c, NS_TEXT, "h")) {
			scan(o, c);
			continue;
		}
		t = xmlNodeGetContent(c);
		for (i = 0; t && i < o->s->n; i++) {
			struct tim_label l;

			tim_label_clear(&l);
			memcpy(l.level, o->s->levels[i], sizeof(l.level));
			tim_buf_reset(&b);
			tim_label_text(o->s, &l, &b);
			if (b.len && strstr((const char *)t, tim_buf_str(&b)))
				o->left = 1;
			tim_buf_reset(&b);
			tim_label_format_level(o->s, o->s->levels[i], &b);
			if (b.len && strstr((const char *)t, tim_buf_str(&b)))
				o->left = 1;
		}
		xmlFree(t);
	}
	tim_buf_release(&b);
}

/* Whether an element holds nothing but whitespace. */
static int
empty(xmlNodePtr n)
{
	xmlNodePtr c;

	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE ||
		    (c->type == XML_TEXT_NODE && !xmlIsBlankNode(c)))
			return 0;
	return 1;
}

static int
insert_first(xmlNodePtr parent, xmlNodePtr n)
{
	tim_xml_link(parent, parent->children, n);
	return 0;
}

static xmlNodePtr
new_style_el(xmlDocPtr doc, xmlNodePtr near, const char *name, struct tim_err *err)
{
	xmlNodePtr n = xmlNewDocNode(doc, xmlSearchNsByHref(doc, near, (const xmlChar *)NS_STYLE),
	    (const xmlChar *)name, NULL);

	if (n == NULL)
		tim_errorf(err, ENOMEM, _("out of memory"));
	return n;
}

/*
 * Spreadsheets: the label is a paragraph of its own in the right region,
 * never run into the user's text; a header written without regions has its
 * text moved into the centre region, where Calc shows it anyway.
 */
static int
ods_region(struct odf *o, xmlNodePtr h, xmlNodePtr para)
{
	xmlNodePtr right = tim_xml_child(h, NS_STYLE, "region-right"), c, next, centre;

	if (right == NULL) {
		if (tim_xml_child(h, NS_STYLE, "region-left") == NULL &&
		    tim_xml_child(h, NS_STYLE, "region-center") == NULL && h->children != NULL) {
			if ((centre = new_style_el(o->doc, h, "region-center", o->err)) == NULL)
				return -1;
			for (c = h->children; c; c = next) {
				next = c->next;
				xmlUnlinkNode(c);
				xmlAddChild(centre, c);
			}
			xmlAddChild(h, centre);
		}
		if ((right = new_style_el(o->doc, h, "region-right", o->err)) == NULL)
			return -1;
		xmlAddChild(h, right);
	}
	return insert_first(right, para);
}

/* A header or footer of a text or spreadsheet master page. */
static int
hf(struct odf *o, xmlNodePtr master, const char *which, const char *para,
    int created_ok)
{
	xmlNodePtr h = tim_xml_child(master, NS_STYLE, which), n;

	if (h == NULL) {
		if (!created_ok)
			return 0;
		if ((h = new_style_el(o->doc, master, which, o->err)) == NULL)
			return -1;
		/* Headers come first in a master page, footers after every header. */
		if (strcmp(which, "header") == 0)
			insert_first(master, h);
		else {
			xmlNodePtr after = NULL;

			for (n = master->children; n; n = n->next)
				if (n->type == XML_ELEMENT_NODE && strncmp((const char *)n->name, "header", 6) == 0)
					after = n;
			if (after)
				xmlAddNextSibling(after, h);
			else
				insert_first(master, h);
		}
	}
	n = tim_xml_fragment(o->doc, NSDECLS, para, o->err);
	if (n == NULL)
		return -1;
	if (o->type == TIM_CONTENT_ODS)
		return ods_region(o, h, n);
	return insert_first(h, n);
}

/* The common style "TIM Label": a paragraph style, or for frames a graphic one. */
static int
add_style(struct odf *o, xmlNodePtr root)
{
	xmlNodePtr st = tim_xml_child(root, NS_OFFICE, "styles"), n;
	const char *frag;

	if (st == NULL) {
		st = xmlNewDocNode(o->doc, root->ns, (const xmlChar *)"styles", NULL);
		if (st == NULL)
			return tim_errorf(o->err, ENOMEM, _("out of memory"));
		n = tim_xml_child(root, NS_OFFICE, "automatic-styles");
		if (n == NULL)
			n = tim_xml_child(root, NS_OFFICE, "master-styles");
		if (n)
			xmlAddPrevSibling(n, st);
		else
			xmlAddChild(root, st);
	}
	for (n = st->children; n; n = n->next)
		if (tim_xml_is(n, NS_STYLE, "style") && attr_eq(n, NS_STYLE, "name", STYLE_NAME))
			return 0;
	if (o->type == TIM_CONTENT_ODP)
		frag = "<style:style style:name=\"" STYLE_NAME "\" style:display-name=\"TIM Label\" style:family=\"graphic\">"
		    "<style:graphic-properties draw:fill=\"none\" draw:stroke=\"none\" draw:shadow=\"hidden\""
		    " draw:auto-grow-width=\"true\" fo:wrap-option=\"no-wrap\"/>"
		    "<style:text-properties fo:font-size=\"12pt\" fo:font-weight=\"bold\" fo:color=\"#c00000\""
		    " style:font-size-asian=\"12pt\" style:font-weight-asian=\"bold\"/></style:style>";
	else
		frag = "<style:style style:name=\"" STYLE_NAME "\" style:display-name=\"TIM Label\" style:family=\"paragraph\">"
		    "<style:paragraph-properties fo:text-align=\"end\"/>"
		    "<style:text-properties fo:font-size=\"10pt\" fo:font-weight=\"bold\" fo:color=\"#c00000\""
		    " style:font-size-asian=\"10pt\" style:font-weight-asian=\"bold\"/></style:style>";
	n = tim_xml_fragment(o->doc, NSDECLS, frag, o->err);
	if (n == NULL)
		return -1;
	tim_xml_link(st, NULL, n);
	return 0;
}

/* Removing: the style goes too. */
static void
drop_style(xmlNodePtr root)
{
	xmlNodePtr st = tim_xml_child(root, NS_OFFICE, "styles"), n, next;

	for (n = st ? st->children : NULL; n; n = next) {
		next = n->next;
		if (tim_xml_is(n, NS_STYLE, "style") && attr_eq(n, NS_STYLE, "name", STYLE_NAME)) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
	/* An office:styles holding nothing says nothing: tim made it. */
	if (st != NULL && empty(st)) {
		xmlUnlinkNode(st);
		xmlFreeNode(st);
	}
}

/* Headers, footers and regions that tim's removal left without content go. */
static void
drop_empty(xmlNodePtr ms)
{
	static const char *const hfs[] = { "header", "header-left", "header-first",
	    "footer", "footer-left", "footer-first", NULL };
	xmlNodePtr m, c, next, r, rn;
	size_t k;

	for (m = ms->children; m; m = m->next) {
		if (!tim_xml_is(m, NS_STYLE, "master-page"))
			continue;
		for (c = m->children; c; c = next) {
			next = c->next;
			for (k = 0; hfs[k] && !tim_xml_is(c, NS_STYLE, hfs[k]); k++)
				;
			if (!hfs[k])
				continue;
			for (r = c->children; r; r = rn) {
				rn = r->next;
				if (tim_xml_is(r, NS_STYLE, "region-right") && empty(r)) {
					xmlUnlinkNode(r);
					xmlFreeNode(r);
				}
			}
			if (empty(c)) {
				xmlUnlinkNode(c);
				xmlFreeNode(c);
			}
		}
	}
}

static int
set_styles(struct tim_zpkg *p, int type, const struct tim_label_scheme *s,
    const struct tim_label *old, const struct tim_label *l, struct tim_err *err)
{
	struct tim_zpart *part = tim_zpkg_find(p, "styles.xml");
	struct tim_buf text = TIM_BUF_INIT, para = TIM_BUF_INIT, t0 = TIM_BUF_INIT, t1 = TIM_BUF_INIT;
	struct odf o;
	xmlNodePtr root, ms, m;
	int r = -1;

	memset(&o, 0, sizeof(o));
	o.p = p;
	o.type = type;
	o.s = s;
	o.err = err;
	if (part == NULL)
		return l ? tim_errorf(err, 0, _("'%s' is damaged: no styles.xml"), p->path) : 0;
	if ((o.doc = tim_zpkg_xml(p, part, err)) == NULL)
		return -1;
	root = xmlDocGetRootElement(o.doc);
	if (!tim_xml_is(root, NS_OFFICE, "document-styles"))
		return tim_errorf(err, 0, _("'%s' is damaged: bad styles.xml"), p->path);
	ms = tim_xml_child(root, NS_OFFICE, "master-styles");
	if (ms == NULL)
		return l ? tim_errorf(err, 0, _("'%s' has no master pages"), p->path) : 0;
	if (old && old->level[0]) {
		tim_label_text(s, old, &t0);
		tim_label_format(s, old, &t1);
		o.texts[0] = tim_buf_str(&t0);
		o.texts[1] = tim_buf_str(&t1);
	}
	if (l) {
		tim_label_text(s, l, &text);
		o.texts[2] = tim_buf_str(&text);
	}
	strip(&o, ms);
	drop_empty(ms);
	if (l == NULL) {
		drop_style(root);
		scan(&o, ms);
		r = o.left ? tim_failf(err, _("'%s': label text is still shown in %s (changed by hand?); nothing was removed: delete that text, then remove the label again"),
		    p->path, "styles.xml") : 0;
		goto out;
	}
	if (add_style(&o, root) < 0)
		goto out;
	if (type == TIM_CONTENT_ODP) {
		tim_buf_adds(&para, "<draw:frame draw:name=\"TIM_Label\" draw:style-name=\"" STYLE_NAME "\" draw:layer=\"backgroundobjects\""
		    " svg:width=\"24cm\" svg:height=\"0.9cm\" svg:x=\"0.5cm\" svg:y=\"0.3cm\"><draw:text-box><text:p>");
		tim_buf_addxml(&para, tim_buf_str(&text));
		tim_buf_adds(&para, "</text:p></draw:text-box></draw:frame>");
	} else {
		tim_buf_adds(&para, "<text:p text:style-name=\"" STYLE_NAME "\">");
		tim_buf_addxml(&para, tim_buf_str(&text));
		tim_buf_adds(&para, "</text:p>");
	}
	if (para.failed) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	for (m = ms->children; m; m = m->next) {
		static const char *const which[] = { "header", "header-left", "header-first",
		    "footer", "footer-left", "footer-first" };
		size_t k;

		if (!tim_xml_is(m, NS_STYLE, "master-page"))
			continue;
		if (type == TIM_CONTENT_ODP) {
			xmlNodePtr n = tim_xml_fragment(o.doc, NSDECLS, para.buf, err), notes;

			if (n == NULL)
				goto out;
			notes = tim_xml_child(m, "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0", "notes");
			tim_xml_link(m, notes, n);
			continue;
		}
		for (k = 0; k < 6; k++)
			if (hf(&o, m, which[k], para.buf, k == 0 || k == 3) < 0)
				goto out;
	}
	r = 0;
out:
	tim_buf_release(&text);
	tim_buf_release(&para);
	tim_buf_release(&t0);
	tim_buf_release(&t1);
	return r;
}

static int
encrypted(struct tim_zpkg *p)
{
	struct tim_zpart *man = tim_zpkg_find(p, "META-INF/manifest.xml");

	return man && man->data && memmem(man->data, man->len, "encryption-data", 15) != NULL;
}

int
tim_odf_read(const struct tim_label_scheme *s, int fd, const char *path,
    struct tim_label *out, struct tim_err *err)
{
	static const char *const want[] = { "mimetype", "meta.xml", "META-INF/manifest.xml", NULL };
	struct tim_zpkg p;
	int r;

	(void)s;
	tim_label_clear(out);
	if (tim_zpkg_load(&p, fd, path, want, err) < 0)
		return -1;
	if (encrypted(&p))
		r = tim_errorf(err, 0, _("'%s' is encrypted; refusing it"), path);
	else
		r = read_meta(&p, out, err);
	tim_zpkg_release(&p);
	return r;
}

int
tim_odf_write(const struct tim_label_scheme *s, int fd, const char *path,
    int type, const struct tim_label *l, int out, struct tim_err *err)
{
	struct tim_zpkg p;
	struct tim_zpart *mt;
	struct tim_label old;
	int r = -1;

	if (tim_zpkg_load(&p, fd, path, NULL, err) < 0)
		return -1;
	if (encrypted(&p)) {
		tim_errorf(err, 0, _("'%s' is encrypted; refusing it"), path);
		goto out;
	}
	mt = tim_zpkg_find(&p, "mimetype");
	if (mt == NULL || tim_odf_kind(&p) != type) {
		tim_errorf(err, 0, _("'%s' is damaged: bad mimetype"), path);
		goto out;
	}
	mt->stored = 1;
	if (read_meta(&p, &old, err) < 0 || set_styles(&p, type, s, &old, l, err) < 0 ||
	    set_meta(&p, l, err) < 0)
		goto out;
	r = tim_zpkg_write(&p, out, first_mt, err);
out:
	tim_zpkg_release(&p);
	return r;
}
