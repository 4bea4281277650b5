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
 * page (presentations). Paragraphs and frames tim adds carry tim:label="1" in
 * tim's own namespace, a foreign attribute ODF consumers ignore, so they can
 * be found again. mimetype stays the first entry, stored.
 */

#define NS_OFFICE "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
#define NS_META "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
#define NS_STYLE "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
#define NS_TEXT "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#define NS_DRAW "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
#define NS_SVG "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
#define NS_MANIFEST "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
#define NS_TIM "urn:tim:label:1"
#define MT "application/vnd.oasis.opendocument."

#define NSDECLS "xmlns:office=\"" NS_OFFICE "\" xmlns:meta=\"" NS_META "\" " \
	"xmlns:style=\"" NS_STYLE "\" xmlns:text=\"" NS_TEXT "\" xmlns:draw=\"" NS_DRAW "\" " \
	"xmlns:svg=\"" NS_SVG "\" xmlns:tim=\"" NS_TIM "\""

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

/* Takes tim's paragraphs and frames out of n and everything below it. */
static void
strip(xmlNodePtr n)
{
	xmlNodePtr c, next;

	for (c = n->children; c; c = next) {
		next = c->next;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_tim(c)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		} else
			strip(c);
	}
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

/* A header or footer of a text or spreadsheet master page. */
static int
hf(xmlDocPtr doc, xmlNodePtr master, const char *which, const char *para,
    int created_ok, struct tim_err *err)
{
	xmlNodePtr h = tim_xml_child(master, NS_STYLE, which), n, region;

	if (h == NULL) {
		if (!created_ok)
			return 0;
		h = xmlNewDocNode(doc, NULL, (const xmlChar *)which, NULL);
		if (h == NULL)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		xmlSetNs(h, xmlSearchNsByHref(doc, master, (const xmlChar *)NS_STYLE));
		xmlSetNsProp(h, xmlNewNs(h, (const xmlChar *)NS_TIM, (const xmlChar *)"tim"),
		    (const xmlChar *)"label", (const xmlChar *)"1");
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
	region = tim_xml_child(h, NS_STYLE, "region-center");
	if (region == NULL && (tim_xml_child(h, NS_STYLE, "region-left") || tim_xml_child(h, NS_STYLE, "region-right"))) {
		region = xmlNewDocNode(doc, xmlSearchNsByHref(doc, master, (const xmlChar *)NS_STYLE),
		    (const xmlChar *)"region-center", NULL);
		if (region == NULL)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		xmlSetNsProp(region, xmlNewNs(region, (const xmlChar *)NS_TIM, (const xmlChar *)"tim"),
		    (const xmlChar *)"label", (const xmlChar *)"1");
		if (tim_xml_child(h, NS_STYLE, "region-left"))
			xmlAddNextSibling(tim_xml_child(h, NS_STYLE, "region-left"), region);
		else
			insert_first(h, region);
	}
	n = tim_xml_fragment(doc, NSDECLS, para, err);
	if (n == NULL)
		return -1;
	return insert_first(region ? region : h, n);
}

static int
set_styles(struct tim_zpkg *p, int type, const struct tim_label_scheme *s,
    const struct tim_label *l, struct tim_err *err)
{
	struct tim_zpart *part = tim_zpkg_find(p, "styles.xml");
	struct tim_buf text = TIM_BUF_INIT, para = TIM_BUF_INIT;
	xmlDocPtr doc;
	xmlNodePtr root, ms, m;
	int r = -1;

	if (part == NULL)
		return l ? tim_errorf(err, 0, _("'%s' is damaged: no styles.xml"), p->path) : 0;
	if ((doc = tim_zpkg_xml(p, part, err)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!tim_xml_is(root, NS_OFFICE, "document-styles"))
		return tim_errorf(err, 0, _("'%s' is damaged: bad styles.xml"), p->path);
	ms = tim_xml_child(root, NS_OFFICE, "master-styles");
	if (ms == NULL)
		return l ? tim_errorf(err, 0, _("'%s' has no master pages"), p->path) : 0;
	strip(ms);
	/* Headers and footers tim created and left empty go too. */
	for (m = ms->children; m; m = m->next) {
		xmlNodePtr c, next;

		if (!tim_xml_is(m, NS_STYLE, "master-page"))
			continue;
		for (c = m->children; c; c = next) {
			next = c->next;
			if (c->type == XML_ELEMENT_NODE && empty(c) &&
			    (tim_xml_is(c, NS_STYLE, "header") || tim_xml_is(c, NS_STYLE, "footer") ||
			    tim_xml_is(c, NS_STYLE, "region-center"))) {
				xmlUnlinkNode(c);
				xmlFreeNode(c);
			}
		}
	}
	if (l == NULL)
		return 0;
	tim_label_format(s, l, &text);
	if (type == TIM_CONTENT_ODP) {
		tim_buf_adds(&para, "<draw:frame tim:label=\"1\" draw:name=\"TIM_Label\" draw:layer=\"backgroundobjects\""
		    " svg:width=\"12cm\" svg:height=\"0.9cm\" svg:x=\"0.5cm\" svg:y=\"0.3cm\"><draw:text-box><text:p>");
		tim_buf_addxml(&para, tim_buf_str(&text));
		tim_buf_adds(&para, "</text:p></draw:text-box></draw:frame>");
	} else {
		tim_buf_adds(&para, "<text:p tim:label=\"1\">");
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
			xmlNodePtr n = tim_xml_fragment(doc, NSDECLS, para.buf, err), notes;

			if (n == NULL)
				goto out;
			notes = tim_xml_child(m, "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0", "notes");
			tim_xml_link(m, notes, n);
			continue;
		}
		for (k = 0; k < 6; k++)
			if (hf(doc, m, which[k], para.buf, k == 0 || k == 3, err) < 0)
				goto out;
	}
	r = 0;
out:
	tim_buf_release(&text);
	tim_buf_release(&para);
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
	if (set_meta(&p, l, err) < 0 || set_styles(&p, type, s, l, err) < 0)
		goto out;
	r = tim_zpkg_write(&p, out, first_mt, err);
out:
	tim_zpkg_release(&p);
	return r;
}
