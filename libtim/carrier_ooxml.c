#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/random.h>

#include <libxml/tree.h>

#include "buf.h"
#include "carrier.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "util.h"
#include "zippkg.h"
#include "banned.h"

/*
 * Office Open XML (ECMA-376): the label lives in docProps/custom.xml
 * (TIM_Label, TIM_Owner, ... and, with a Purview label GUID for the level,
 * the MSIP_Label_* set and docMetadata/LabelInfo.xml that Microsoft Purview
 * reads), and is shown in every header and footer (docx, with a diagonal
 * watermark), every worksheet's page header and footer (xlsx) and a text
 * box on every slide master (pptx). Every other part is copied as it was,
 * compressed as it was, in the order the producer wrote.
 *
 * What is shown is built from what editors keep when they save the file
 * again (tried with LibreOffice 7.4): in Word a paragraph of the style named
 * "TIM Label" (the watermark rides in it), in PowerPoint a shape named
 * TIM_Label, in Excel a header section (or line) holding exactly the label's
 * text. Content controls and foreign attributes are dropped or split by
 * editors and are only read to clean up what older versions of tim wrote.
 */

#define NS_CT "http://schemas.openxmlformats.org/package/2006/content-types"
#define NS_PR "http://schemas.openxmlformats.org/package/2006/relationships"
#define NS_CP "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
#define NS_VT "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
#define NS_W "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define NS_R "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_S "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_P "http://schemas.openxmlformats.org/presentationml/2006/main"
#define NS_A "http://schemas.openxmlformats.org/drawingml/2006/main"
#define NS_V "urn:schemas-microsoft-com:vml"
#define NS_O "urn:schemas-microsoft-com:office:office"
#define REL(t) "http://schemas.openxmlformats.org/officeDocument/2006/relationships/" t

#define CT_CUSTOM "application/vnd.openxmlformats-officedocument.custom-properties+xml"
#define CT_HEADER "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
#define CT_FOOTER "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"
#define FMTID "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
#define TIM_TAG "TIM_Label"
#define TIM_STYLE "TIM Label"	/* the Word style tim's paragraphs have */
#define TIM_STYLE_ID "TIMLabel"
#define CT_STYLES "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"
#define CT_LABELINFO "application/vnd.ms-office.classificationlabels+xml"
#define REL_LABELINFO "http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels"
#define NS_CLBL "http://schemas.microsoft.com/office/2020/mipLabelMetadata"
#define LABELINFO "docMetadata/LabelInfo.xml"
/* MSIP ContentBits: the marking applied. */
#define BIT_HEADER 1
#define BIT_FOOTER 2
#define BIT_WATERMARK 4
#define TIM_HEADER "word/tim-header.xml"
#define TIM_FOOTER "word/tim-footer.xml"

/* libxml2's option to drop redundant declarations; its enum is not public. */
#define TIM_RECONNS_REMOVEREDUND 1


static const struct {
	const char *field, *prop;
} props[] = {
	{ "level", "TIM_Label" }, { "owner", "TIM_Owner" },
	{ "entrusted", "TIM_Entrusted" }, { "id", "TIM_Id" },
	{ "until", "TIM_Until" },
};

struct ox {
	const struct tim_label_scheme *s;
	struct tim_zpkg pkg;
	xmlDocPtr ct, rels;
	char *main;		/* the main part: word/document.xml ... */
	struct tim_err *err;
	unsigned bits;		/* ContentBits: what the marking showed */
	const struct tim_label *old;	/* the label the properties held */
	char left[512];		/* removing: where label text is left */
};

static char *
attr(xmlNodePtr n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static int
attr_is(xmlNodePtr n, const char *name, const char *want)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	int r = v != NULL && strcmp((const char *)v, want) == 0;

	xmlFree(v);
	return r;
}

/* "word/document.xml" -> "word/_rels/document.xml.rels". */
static char *
rels_name(const char *part)
{
	struct tim_buf b = TIM_BUF_INIT;
	const char *slash = strrchr(part, '/');

	if (slash)
		tim_buf_addf(&b, "%.*s/_rels/%s.rels", (int)(slash - part), part, slash + 1);
	else
		tim_buf_addf(&b, "_rels/%s.rels", part);
	if (b.failed) {
		tim_buf_release(&b);
		return NULL;
	}
	return tim_buf_detach(&b, NULL);
}

/* The resolved target of the first relationship of type in rels, or NULL. */
static char *
rel_target(xmlDocPtr rels, const char *base, const char *type, char **id)
{
	xmlNodePtr n;
	char *t, *out;

	for (n = xmlDocGetRootElement(rels)->children; n; n = n->next) {
		if (!tim_xml_is(n, NS_PR, "Relationship") || !attr_is(n, "Type", type) ||
		    attr_is(n, "TargetMode", "External"))
			continue;
		t = attr(n, "Target");
		if (t == NULL)
			continue;
		out = tim_zpkg_resolve(base, t);
		xmlFree(t);
		if (out != NULL && id != NULL)
			*id = attr(n, "Id");
		return out;
	}
	return NULL;
}

static xmlDocPtr
part_xml(struct ox *o, const char *name, int required)
{
	struct tim_zpart *part = tim_zpkg_find(&o->pkg, name);

	if (part == NULL) {
		if (required)
			tim_errorf(o->err, 0, _("'%s' is damaged: no part '%s'"), o->pkg.path, name);
		return NULL;
	}
	return tim_zpkg_xml(&o->pkg, part, o->err);
}

/* A new relationship Id not yet used in rels. */
static void
new_rel_id(xmlDocPtr rels, char out[32])
{
	xmlNodePtr n;
	int k, used;

	for (k = 1; ; k++) {
		snprintf(out, 32, "rIdTim%d", k);
		used = 0;
		for (n = xmlDocGetRootElement(rels)->children; n && !used; n = n->next)
			used = tim_xml_is(n, NS_PR, "Relationship") && attr_is(n, "Id", out);
		if (!used)
			return;
	}
}

static xmlNodePtr
add_rel(xmlDocPtr rels, const char *type, const char *target, char id[32])
{
	xmlNodePtr root = xmlDocGetRootElement(rels), n;

	new_rel_id(rels, id);
	n = xmlNewChild(root, root->ns, (const xmlChar *)"Relationship", NULL);
	if (n == NULL)
		return NULL;
	xmlSetProp(n, (const xmlChar *)"Id", (const xmlChar *)id);
	xmlSetProp(n, (const xmlChar *)"Type", (const xmlChar *)type);
	xmlSetProp(n, (const xmlChar *)"Target", (const xmlChar *)target);
	return n;
}

static void
remove_rel_id(xmlDocPtr rels, const char *id)
{
	xmlNodePtr n, next;

	for (n = xmlDocGetRootElement(rels)->children; n; n = next) {
		next = n->next;
		if (tim_xml_is(n, NS_PR, "Relationship") && attr_is(n, "Id", id)) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
}

static void
ct_override(xmlDocPtr ct, const char *part, const char *type, int add)
{
	xmlNodePtr root = xmlDocGetRootElement(ct), n, next;
	char name[1024];

	snprintf(name, sizeof(name), "/%s", part);
	for (n = root->children; n; n = next) {
		xmlChar *v;
		int same;

		next = n->next;
		if (!tim_xml_is(n, NS_CT, "Override"))
			continue;
		v = xmlGetProp(n, (const xmlChar *)"PartName");
		same = v != NULL && strcasecmp((const char *)v, name) == 0;
		xmlFree(v);
		if (!same)
			continue;
		if (add)
			return;
		xmlUnlinkNode(n);
		xmlFreeNode(n);
	}
	if (add) {
		n = xmlNewChild(root, root->ns, (const xmlChar *)"Override", NULL);
		if (n != NULL) {
			xmlSetProp(n, (const xmlChar *)"PartName", (const xmlChar *)name);
			xmlSetProp(n, (const xmlChar *)"ContentType", (const xmlChar *)type);
		}
	}
}

/* Parses the package's skeleton: content types, relationships, main part. */
static int
ox_open(struct ox *o, int want_ct)
{
	o->rels = part_xml(o, "_rels/.rels", 1);
	if (o->rels == NULL)
		return -1;
	if (!tim_xml_is(xmlDocGetRootElement(o->rels), NS_PR, "Relationships"))
		return tim_errorf(o->err, 0, _("'%s' is damaged: bad _rels/.rels"), o->pkg.path);
	if (want_ct) {
		o->ct = part_xml(o, "[Content_Types].xml", 1);
		if (o->ct == NULL)
			return -1;
		if (!tim_xml_is(xmlDocGetRootElement(o->ct), NS_CT, "Types"))
			return tim_errorf(o->err, 0, _("'%s' is damaged: bad [Content_Types].xml"), o->pkg.path);
	}
	o->main = rel_target(o->rels, "", REL("officeDocument"), NULL);
	if (o->main == NULL)
		return tim_errorf(o->err, 0, _("'%s' is damaged: no main document (Strict Open XML is not supported)"), o->pkg.path);
	return 0;
}

/* Whether name is MSIP_Label_<guid>_... */
static int
msip_of(const char *name, const char *guid)
{
	size_t g = strlen(guid);

	return g > 0 && strncmp(name, "MSIP_Label_", 11) == 0 &&
	    strncasecmp(name + 11, guid, g) == 0 && name[11 + g] == '_';
}

static int
is_tim_prop(const struct tim_label_scheme *s, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (strcmp(name, props[i].prop) == 0)
			return 1;
	if (msip_of(name, s->msip_guid))
		return 1;
	for (i = 0; i < s->n; i++)
		if (msip_of(name, s->msip_guids[i]))
			return 1;
	return 0;
}

/* A property's text value. */
static xmlChar *
prop_value(xmlNodePtr n)
{
	xmlNodePtr v;

	for (v = n->children; v && v->type != XML_ELEMENT_NODE; v = v->next)
		;
	return v ? xmlNodeGetContent(v) : NULL;
}

/*
 * A file Office or Purview labelled, without tim's properties: an enabled
 * MSIP_Label_<GUID>_* set whose GUID is one of [label] msip-guid.LEVEL, or
 * whose _Name is a level of the scheme.
 */
static int
read_msip(struct ox *o, xmlNodePtr root, struct tim_label *out)
{
	xmlNodePtr n, m;

	for (n = root->children; n; n = n->next) {
		xmlChar *name, *val;
		char guid[37], level[TIM_LABEL_LEVEL_MAX], want[128];
		int on;

		if (!tim_xml_is(n, NS_CP, "property"))
			continue;
		name = xmlGetProp(n, (const xmlChar *)"name");
		on = name != NULL && strncmp((const char *)name, "MSIP_Label_", 11) == 0 &&
		    strlen((const char *)name) == 11 + 36 + 8 && strcmp((const char *)name + 47, "_Enabled") == 0;
		if (on)
			snprintf(guid, sizeof(guid), "%.36s", (const char *)name + 11);
		xmlFree(name);
		if (!on)
			continue;
		val = prop_value(n);
		on = val != NULL && strcasecmp((const char *)val, "true") == 0;
		xmlFree(val);
		if (!on)
			continue;
		if (tim_label_msip_level(o->s, guid, level) == 1)
			return tim_label_set(out, "level", level, o->err) < 0 ? -1 : 1;
		snprintf(want, sizeof(want), "MSIP_Label_%s_Name", guid);
		for (m = root->children; m; m = m->next) {
			if (!tim_xml_is(m, NS_CP, "property") || !attr_is(m, "name", want))
				continue;
			val = prop_value(m);
			on = val != NULL && tim_label_rank(o->s, (const char *)val) >= 0;
			if (on)
				snprintf(level, sizeof(level), "%s", (const char *)val);
			xmlFree(val);
			if (on)
				return tim_label_set(out, "level", level, o->err) < 0 ? -1 : 1;
		}
	}
	return 0;
}

/* The same from docMetadata/LabelInfo.xml ([MS-OFFCRYPTO] 2.6.4). */
static int
read_labelinfo(struct ox *o, struct tim_label *out)
{
	char *t = rel_target(o->rels, "", REL_LABELINFO, NULL), level[TIM_LABEL_LEVEL_MAX];
	xmlDocPtr doc = NULL;
	xmlNodePtr n;

	if (t != NULL && tim_zpkg_find(&o->pkg, t) != NULL)
		doc = part_xml(o, t, 0);
	free(t);
	if (doc == NULL)
		return o->err->msg[0] ? -1 : 0;
	if (!tim_xml_is(xmlDocGetRootElement(doc), NS_CLBL, "labelList"))
		return 0;
	for (n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
		char *id;
		char guid[37];
		int on;

		if (!tim_xml_is(n, NS_CLBL, "label") ||
		    !(attr_is(n, "enabled", "1") || attr_is(n, "enabled", "true")) ||
		    attr_is(n, "removed", "1") || attr_is(n, "removed", "true"))
			continue;
		id = attr(n, "id");
		on = id != NULL && strlen(id) == 38 && id[0] == '{' && id[37] == '}';
		if (on)
			snprintf(guid, sizeof(guid), "%.36s", id + 1);
		xmlFree(id);
		if (on && tim_label_msip_level(o->s, guid, level) == 1)
			return tim_label_set(out, "level", level, o->err) < 0 ? -1 : 1;
	}
	return 0;
}

static int
read_props(struct ox *o, struct tim_label *out)
{
	char *target;
	xmlDocPtr doc;
	xmlNodePtr n;
	int found = 0;

	tim_label_clear(out);
	target = rel_target(o->rels, "", REL("custom-properties"), NULL);
	if (target == NULL)
		return 0;
	doc = part_xml(o, target, 0);
	free(target);
	if (doc == NULL)
		return o->err->msg[0] ? -1 : 0;
	if (!tim_xml_is(xmlDocGetRootElement(doc), NS_CP, "Properties"))
		return tim_errorf(o->err, 0, _("'%s' is damaged: bad custom properties"), o->pkg.path);
	for (n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
		xmlNodePtr v;
		xmlChar *val;
		size_t i;

		if (!tim_xml_is(n, NS_CP, "property"))
			continue;
		for (i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
			struct tim_err why;

			if (!attr_is(n, "name", props[i].prop))
				continue;
			for (v = n->children; v && v->type != XML_ELEMENT_NODE; v = v->next)
				;
			val = v ? xmlNodeGetContent(v) : NULL;
			if (val == NULL || tim_label_set(out, props[i].field, (const char *)val, &why) < 0) {
				xmlFree(val);
				return tim_errorf(o->err, 0, _("'%s': property %s is not a valid label value"),
				    o->pkg.path, props[i].prop);
			}
			xmlFree(val);
			found = 1;
		}
	}
	if (found && out->level[0])
		return 1;
	if (found)
		return 0;
	return read_msip(o, xmlDocGetRootElement(doc), out);
}

/* tim's properties; else Purview's, in custom.xml or LabelInfo.xml. */
static int
read_custom(struct ox *o, struct tim_label *out)
{
	int r = read_props(o, out);

	return r != 0 ? r : read_labelinfo(o, out);
}

/* A new custom.xml at target (or the usual name), with its relationship. */
static xmlDocPtr
new_custom(struct ox *o, const char *target, struct tim_zpart **partp)
{
	static const char skel[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<Properties xmlns=\"" NS_CP "\" xmlns:vt=\"" NS_VT "\"/>";
	xmlDocPtr doc = tim_xml_parse(skel, sizeof(skel) - 1, "custom.xml", o->err);
	char id[32];

	if (doc == NULL || (*partp = tim_zpkg_add(&o->pkg, target ? target : "docProps/custom.xml", doc, o->err)) == NULL)
		return NULL;
	if (target == NULL && add_rel(o->rels, REL("custom-properties"), "docProps/custom.xml", id) == NULL) {
		tim_errorf(o->err, ENOMEM, _("out of memory"));
		return NULL;
	}
	ct_override(o->ct, (*partp)->name, CT_CUSTOM, 1);
	return doc;
}

/*
 * The custom properties part, parsed, into *docp: a new one when marking a
 * package without, NULL when unmarking one.
 */
static int
custom_doc(struct ox *o, int marking, struct tim_zpart **partp, xmlDocPtr *docp)
{
	char *target = rel_target(o->rels, "", REL("custom-properties"), NULL);
	int r = 0;

	*docp = NULL;
	*partp = target ? tim_zpkg_find(&o->pkg, target) : NULL;
	if (*partp != NULL || marking) {
		*docp = *partp ? tim_zpkg_xml(&o->pkg, *partp, o->err) : new_custom(o, target, partp);
		r = *docp ? 0 : -1;
	}
	free(target);
	return r;
}

/*
 * Takes tim's properties out of root; the highest pid left into *pid.
 * Returns whether any property of anyone else's is left.
 */
static int
drop_tim_props(struct ox *o, xmlNodePtr root, long *pid)
{
	xmlNodePtr n, next;
	int any = 0;

	for (n = root->children; n; n = next) {
		xmlChar *name;

		next = n->next;
		if (!tim_xml_is(n, NS_CP, "property"))
			continue;
		name = xmlGetProp(n, (const xmlChar *)"name");
		if (name != NULL && is_tim_prop(o->s, (const char *)name)) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		} else {
			xmlChar *p = xmlGetProp(n, (const xmlChar *)"pid");

			if (p != NULL && atol((const char *)p) > *pid)
				*pid = atol((const char *)p);
			xmlFree(p);
			any = 1;
		}
		xmlFree(name);
	}
	return any;
}

/* Nothing of anyone else's is left: the part goes again. */
static void
drop_custom_part(struct ox *o, struct tim_zpart *part)
{
	char *rid = NULL, *t = rel_target(o->rels, "", REL("custom-properties"), &rid);

	if (rid)
		remove_rel_id(o->rels, rid);
	ct_override(o->ct, part->name, CT_CUSTOM, 0);
	tim_zpkg_remove(&o->pkg, part);
	xmlFree(rid);
	free(t);
}

/* A random GUID, lower case, for MSIP_Label_*_ActionId. */
static void
action_id(char out[37])
{
	unsigned char r[16];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/*
 * The i-th property to write: TIM_Label and the rest, then with a Purview
 * label GUID for the level the MSIP_Label_* set as Microsoft's MIP SDK
 * writes it. name and val are NULL past the last.
 */
struct propctx {
	char pname[128], when[21], action[37], bits[16];
};

static void
prop_at(struct ox *o, const struct tim_label *l, size_t i, const char **name,
    const char **val, struct propctx *c)
{
	static const char *msip[] = { "Enabled", "SetDate", "Method", "Name",
	    "SiteId", "ActionId", "ContentBits" };
	const size_t nprops = sizeof(props) / sizeof(props[0]), nm = sizeof(msip) / sizeof(msip[0]);
	const char *guid = tim_label_msip_guid(o->s, l->level);

	*name = *val = NULL;
	if (i < nprops) {
		*name = props[i].prop;
		*val = tim_label_get(l, props[i].field);
		return;
	}
	if (!guid[0] || i >= nprops + nm)
		return;
	snprintf(c->pname, sizeof(c->pname), "MSIP_Label_%s_%s", guid, msip[i - nprops]);
	*name = c->pname;
	switch (i - nprops) {
	case 0: *val = "true"; break;
	case 1: tim_now_rfc3339(c->when); *val = c->when; break;
	case 2: *val = o->s->msip_method; break;
	case 3: *val = l->level; break;
	case 4: *val = o->s->msip_tenant; break;
	case 5: action_id(c->action); *val = c->action; break;
	default:
		snprintf(c->bits, sizeof(c->bits), "%u", o->bits);
		*val = c->bits;
		break;
	}
}

static int
add_custom_props(struct ox *o, xmlNodePtr root, const struct tim_label *l,
    long pid)
{
	struct tim_buf frag = TIM_BUF_INIT;
	struct propctx c;
	const char *name, *val;
	size_t i;
	int r = 0;

	for (i = 0; r == 0; i++) {
		prop_at(o, l, i, &name, &val, &c);
		if (name == NULL)
			break;
		if (!*val)
			continue;
		tim_buf_reset(&frag);
		tim_buf_addf(&frag, "<property fmtid=\"" FMTID "\" pid=\"%ld\" name=\"", ++pid);
		tim_buf_addxml(&frag, name);
		tim_buf_adds(&frag, "\"><vt:lpwstr>");
		r = tim_xml_add_property(root, "xmlns=\"" NS_CP "\" xmlns:vt=\"" NS_VT "\"",
		    tim_buf_str(&frag), val, "</vt:lpwstr></property>", o->err);
	}
	tim_buf_release(&frag);
	return r;
}

/* Whether a LabelInfo label's id ("{guid}") is one of the configured GUIDs. */
static int
labelinfo_ours(const struct tim_label_scheme *s, xmlNodePtr n)
{
	char *id = attr(n, "id");
	size_t i;
	int r = 0;

	if (id != NULL && strlen(id) == 38 && id[0] == '{') {
		r = s->msip_guid[0] && strncasecmp(id + 1, s->msip_guid, 36) == 0;
		for (i = 0; i < s->n && !r; i++)
			r = s->msip_guids[i][0] && strncasecmp(id + 1, s->msip_guids[i], 36) == 0;
	}
	xmlFree(id);
	return r;
}

static void
lower(char *p)
{
	for (; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

/*
 * docMetadata/LabelInfo.xml ([MS-OFFCRYPTO] 2.6.4, [MS-OI29500] 3.4.1.5):
 * the same label as the MSIP properties, with its relationship from the
 * package and its content type. Labels of other GUIDs are kept.
 */
static int
set_labelinfo(struct ox *o, const struct tim_label *l)
{
	static const char skel[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<clbl:labelList xmlns:clbl=\"" NS_CLBL "\"/>";
	const char *guid = l ? tim_label_msip_guid(o->s, l->level) : "";
	char *rid = NULL, *t = rel_target(o->rels, "", REL_LABELINFO, &rid), id[32];
	struct tim_zpart *part = t ? tim_zpkg_find(&o->pkg, t) : NULL;
	struct tim_buf f = TIM_BUF_INIT;
	xmlDocPtr doc = NULL;
	xmlNodePtr root, n, next;
	char g[40], site[40];
	int r = -1, left = 0;

	if (part != NULL && (doc = tim_zpkg_xml(&o->pkg, part, o->err)) == NULL)
		goto out;
	if (doc != NULL && !tim_xml_is(xmlDocGetRootElement(doc), NS_CLBL, "labelList")) {
		tim_errorf(o->err, 0, _("'%s' is damaged: bad %s"), o->pkg.path, part->name);
		goto out;
	}
	for (n = doc ? xmlDocGetRootElement(doc)->children : NULL; n; n = next) {
		next = n->next;
		if (tim_xml_is(n, NS_CLBL, "label") && labelinfo_ours(o->s, n)) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		} else if (tim_xml_is(n, NS_CLBL, "label"))
			left = 1;
	}
	if (!guid[0]) {
		if (part != NULL && !left) {
			if (rid)
				remove_rel_id(o->rels, rid);
			ct_override(o->ct, part->name, CT_LABELINFO, 0);
			tim_zpkg_remove(&o->pkg, part);
		}
		r = 0;
		goto out;
	}
	if (doc == NULL) {
		doc = tim_xml_parse(skel, sizeof(skel) - 1, "LabelInfo.xml", o->err);
		if (doc == NULL || (part = tim_zpkg_add(&o->pkg, LABELINFO, doc, o->err)) == NULL)
			goto out;
		if (add_rel(o->rels, REL_LABELINFO, LABELINFO, id) == NULL) {
			tim_errorf(o->err, ENOMEM, _("out of memory"));
			goto out;
		}
		ct_override(o->ct, LABELINFO, CT_LABELINFO, 1);
	}
	snprintf(g, sizeof(g), "%s", guid);
	snprintf(site, sizeof(site), "%s", o->s->msip_tenant);
	lower(g);
	lower(site);
	tim_buf_addf(&f, "<clbl:label id=\"{%s}\" enabled=\"1\" method=\"%s\" siteId=\"{%s}\""
	    " contentBits=\"%u\" removed=\"0\"/>", g, o->s->msip_method, site, o->bits);
	root = xmlDocGetRootElement(doc);
	n = f.failed ? NULL : tim_xml_fragment(doc, "xmlns:clbl=\"" NS_CLBL "\"", f.buf, o->err);
	if (n == NULL)
		goto out;
	tim_xml_link(root, NULL, n);
	r = 0;
out:
	tim_buf_release(&f);
	xmlFree(rid);
	free(t);
	return r;
}

static int
set_custom(struct ox *o, const struct tim_label *l)
{
	struct tim_zpart *part = NULL;
	xmlDocPtr doc;
	xmlNodePtr root;
	long pid = 1;
	int any;

	if (custom_doc(o, l != NULL, &part, &doc) < 0)
		return -1;
	if (doc == NULL)
		return 0;
	root = xmlDocGetRootElement(doc);
	if (!tim_xml_is(root, NS_CP, "Properties"))
		return tim_errorf(o->err, 0, _("'%s' is damaged: bad custom properties"), o->pkg.path);
	any = drop_tim_props(o, root, &pid);
	if (l != NULL)
		return add_custom_props(o, root, l, pid);
	if (!any)
		drop_custom_part(o, part);
	return 0;
}

/*
 * Level texts to look for when checking that a removal is complete: the
 * level as the visible text shows it ("【極秘】") and as older versions of
 * tim wrote it. 1 when text holds one; the level into level.
 */
static int
has_level_text(const struct tim_label_scheme *s, const char *text)
{
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_label l;
	size_t i;
	int found = 0;

	for (i = 0; i < s->n && !found; i++) {
		tim_label_clear(&l);
		memcpy(l.level, s->levels[i], sizeof(l.level));
		tim_buf_reset(&b);
		tim_label_text(s, &l, &b);
		found = b.len > 0 && strstr(text, tim_buf_str(&b)) != NULL;
		tim_buf_reset(&b);
		tim_label_format_level(s, s->levels[i], &b);
		found = found || (b.len > 0 && strstr(text, tim_buf_str(&b)) != NULL);
	}
	tim_buf_release(&b);
	return found;
}

/* Notes the first place label text is left, for the message. */
static void
note_left(struct ox *o, const char *where)
{
	if (!o->left[0])
		snprintf(o->left, sizeof(o->left), "%s", where);
}

/* Word: the styleId of the style named "TIM Label" in styles, or NULL. */
static xmlNodePtr
find_style(xmlDocPtr styles)
{
	xmlNodePtr n, name;

	for (n = styles ? xmlDocGetRootElement(styles)->children : NULL; n; n = n->next) {
		if (!tim_xml_is(n, NS_W, "style"))
			continue;
		name = tim_xml_child(n, NS_W, "name");
		if (name != NULL) {
			xmlChar *v = xmlGetNsProp(name, (const xmlChar *)"val", (const xmlChar *)NS_W);
			int same = v != NULL && strcmp((const char *)v, TIM_STYLE) == 0;

			xmlFree(v);
			if (same)
				return n;
		}
	}
	return NULL;
}

/* Whether paragraph p has the paragraph style id. */
static int
has_pstyle(xmlNodePtr p, const char *id)
{
	xmlNodePtr ps = tim_xml_child(tim_xml_child(p, NS_W, "pPr"), NS_W, "pStyle");
	xmlChar *v;
	int r;

	if (ps == NULL)
		return 0;
	v = xmlGetNsProp(ps, (const xmlChar *)"val", (const xmlChar *)NS_W);
	r = v != NULL && (strcmp((const char *)v, id) == 0 || strcmp((const char *)v, TIM_STYLE_ID) == 0);
	xmlFree(v);
	return r;
}

/* A content control an older tim wrote: tagged TIM_Label, or its alias kept. */
static int
old_sdt(xmlNodePtr n)
{
	xmlNodePtr pr = tim_xml_child(n, NS_W, "sdtPr"), c;
	int r = 0;

	for (c = pr ? pr->children : NULL; c && !r; c = c->next) {
		xmlChar *v;

		if (!tim_xml_is(c, NS_W, "tag") && !tim_xml_is(c, NS_W, "alias"))
			continue;
		v = xmlGetNsProp(c, (const xmlChar *)"val", (const xmlChar *)NS_W);
		r = v != NULL && (strcmp((const char *)v, TIM_TAG) == 0 || strcmp((const char *)v, "TIM Label") == 0);
		xmlFree(v);
	}
	return r;
}

/* What tells tim's marking in a Word header or footer. */
struct wmatch {
	const char *style;		/* the styleId of "TIM Label" */
	const char *texts[4];		/* the label's text, now and as older tim wrote it */
	const struct tim_label_scheme *s;
};

/* A run holding the watermark tim draws: WordArt named like Word's, of a level. */
static int
wm_run(const struct wmatch *m, xmlNodePtr r)
{
	xmlNodePtr c;
	int found = 0;

	for (c = r->children; c && !found; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (tim_xml_is(c, NS_V, "shape")) {
			xmlChar *id = xmlGetProp(c, (const xmlChar *)"id");
			xmlNodePtr tp = tim_xml_child(c, NS_V, "textpath");
			xmlChar *str = tp ? xmlGetProp(tp, (const xmlChar *)"string") : NULL;
			size_t i;

			if (id && str && strncmp((const char *)id, "PowerPlusWaterMarkObject", 24) == 0)
				for (i = 0; i < m->s->n && !found; i++)
					found = strcmp((const char *)str, m->s->levels[i]) == 0;
			xmlFree(id);
			xmlFree(str);
		} else
			found = wm_run(m, c);
	}
	return found;
}

static int
is_label_text(const struct wmatch *m, xmlNodePtr p)
{
	xmlChar *t = xmlNodeGetContent(p);
	size_t i;
	int r = 0;

	for (i = 0; t && i < 4 && !r; i++)
		r = m->texts[i] && *m->texts[i] && strcmp((const char *)t, m->texts[i]) == 0;
	xmlFree(t);
	return r;
}

/*
 * Takes tim's paragraphs (the style, or exactly the label's text), older
 * tim's content controls and tim's watermark out of n and below; returns
 * how many went.
 */
static int
strip_word(const struct wmatch *m, xmlNodePtr n)
{
	xmlNodePtr c, next;
	int removed = 0;

	for (c = n->children; c; c = next) {
		next = c->next;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if ((tim_xml_is(c, NS_W, "p") && (has_pstyle(c, m->style) || is_label_text(m, c))) ||
		    (tim_xml_is(c, NS_W, "sdt") && old_sdt(c)) ||
		    (tim_xml_is(c, NS_W, "r") && wm_run(m, c))) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
			removed++;
		} else if (!tim_xml_is(c, NS_W, "r"))
			removed += strip_word(m, c);
	}
	return removed;
}

/* Word: tim's paragraphs out of a header or footer, which keeps one w:p. */
static int
hf_strip(const struct wmatch *m, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), n;
	int removed = strip_word(m, root);

	for (n = root->children; n; n = n->next)
		if (tim_xml_is(n, NS_W, "p") || tim_xml_is(n, NS_W, "tbl") || tim_xml_is(n, NS_W, "sdt"))
			return removed;
	xmlNewChild(root, root->ns, (const xmlChar *)"p", NULL);
	return removed;
}

/* The text of every paragraph and watermark below n, checked for a label. */
static void
scan_word(struct ox *o, xmlNodePtr n, const char *part)
{
	xmlNodePtr c;

	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (tim_xml_is(c, NS_W, "p")) {
			xmlChar *t = xmlNodeGetContent(c);

			if (t && has_level_text(o->s, (const char *)t))
				note_left(o, part);
			xmlFree(t);
		}
		if (tim_xml_is(c, NS_V, "textpath")) {
			xmlChar *t = xmlGetProp(c, (const xmlChar *)"string");
			size_t i;

			for (i = 0; t && i < o->s->n; i++)
				if (strcmp((const char *)t, o->s->levels[i]) == 0)
					note_left(o, part);
			xmlFree(t);
		}
		scan_word(o, c, part);
	}
}

#define WNS "xmlns:w=\"" NS_W "\" xmlns:v=\"" NS_V "\" xmlns:o=\"" NS_O "\""

/* The VML preset for WordArt text (shape type 136), as Word writes it. */
static const char textpath_type[] =
    "<v:shapetype id=\"_x0000_t136\" coordsize=\"21600,21600\" o:spt=\"136\" adj=\"10800\""
    " path=\"m@7,l@8,m@5,21600l@6,21600e\"><v:formulas>"
    "<v:f eqn=\"sum #0 0 10800\"/><v:f eqn=\"prod #0 2 1\"/><v:f eqn=\"sum 21600 0 @1\"/>"
    "<v:f eqn=\"sum 0 0 @2\"/><v:f eqn=\"sum 21600 0 @3\"/><v:f eqn=\"if @0 @3 0\"/>"
    "<v:f eqn=\"if @0 21600 @1\"/><v:f eqn=\"if @0 0 @2\"/><v:f eqn=\"if @0 @4 21600\"/>"
    "<v:f eqn=\"mid @5 @6\"/><v:f eqn=\"mid @8 @5\"/><v:f eqn=\"mid @7 @8\"/>"
    "<v:f eqn=\"mid @6 @7\"/><v:f eqn=\"sum @6 0 @5\"/></v:formulas>"
    "<v:path textpathok=\"t\" o:connecttype=\"custom\" o:connectlocs=\"@9,0;@10,10800;@11,21600;@12,10800\""
    " o:connectangles=\"270,180,90,0\"/><v:textpath on=\"t\" fitshape=\"t\"/>"
    "<v:handles><v:h position=\"#0,bottomRight\" xrange=\"6629,14971\"/></v:handles>"
    "<o:lock v:ext=\"edit\" text=\"t\" shapetype=\"t\"/></v:shapetype>";

static int
hf_insert(struct ox *o, xmlDocPtr doc, const char *style,
    const struct tim_label *l, int header, int wm_id)
{
	struct tim_buf f = TIM_BUF_INIT, text = TIM_BUF_INIT;
	xmlNodePtr root = xmlDocGetRootElement(doc), n;

	tim_label_text(o->s, l, &text);
	tim_buf_adds(&f, "<w:p><w:pPr><w:pStyle w:val=\"");
	tim_buf_addxml(&f, style);
	tim_buf_adds(&f, "\"/></w:pPr><w:r><w:t xml:space=\"preserve\">");
	tim_buf_addxml(&f, tim_buf_str(&text));
	tim_buf_adds(&f, "</w:t></w:r>");
	if (header) {
		/*
		 * The diagonal watermark Word itself draws: WordArt behind the
		 * text. Added in pieces: one format copying the shape type through
		 * vsnprintf cost more than the rest of this function.
		 */
		tim_buf_adds(&f, "<w:r><w:rPr><w:noProof/></w:rPr><w:pict>");
		tim_buf_adds(&f, textpath_type);
		tim_buf_addf(&f, "<v:shape id=\"PowerPlusWaterMarkObject%d\" o:spid=\"_x0000_s%d\"", wm_id, 4096 + wm_id);
		tim_buf_adds(&f, " type=\"#_x0000_t136\""
		    " style=\"position:absolute;margin-left:0;margin-top:0;width:412.4pt;height:137.45pt;rotation:315;"
		    "z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
		    "mso-position-vertical:center;mso-position-vertical-relative:margin\""
		    " o:allowincell=\"f\" fillcolor=\"silver\" stroked=\"f\"><v:fill opacity=\".5\"/>"
		    "<v:textpath style=\"font-family:&quot;MS Gothic&quot;;font-size:1pt\" string=\"");
		tim_buf_addxml(&f, l->level);
		tim_buf_adds(&f, "\"/></v:shape></w:pict></w:r>");
		o->bits |= BIT_WATERMARK;
	}
	tim_buf_adds(&f, "</w:p>");
	o->bits |= header ? BIT_HEADER : BIT_FOOTER;
	tim_buf_release(&text);
	if (f.failed) {
		tim_buf_release(&f);
		return tim_errorf(o->err, ENOMEM, _("out of memory"));
	}
	n = tim_xml_fragment(doc, WNS, f.buf, o->err);
	tim_buf_release(&f);
	if (n == NULL)
		return -1;
	tim_xml_link(root, root->children, n);
	return 0;
}

static void
collect_sectpr(xmlNodePtr n, xmlNodePtr **list, size_t *count, size_t *cap)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || tim_xml_is(n, NS_W, "sectPrChange"))
			continue;
		if (tim_xml_is(n, NS_W, "sectPr")) {
			if (*count == *cap) {
				size_t nc = *cap ? *cap * 2 : 8;
				xmlNodePtr *nl = realloc(*list, nc * sizeof(*nl));

				if (nl == NULL)
					return;
				*list = nl;
				*cap = nc;
			}
			(*list)[(*count)++] = n;
			continue;
		}
		collect_sectpr(n->children, list, count, cap);
	}
}

/* What marking a Word document works on: the main part and its sections. */
struct docx {
	xmlDocPtr doc, rels;	/* the main part and its relationships */
	xmlNodePtr *sects;	/* every w:sectPr, in document order */
	size_t nsect;
	int wm;			/* the next watermark's number */
	char style[128];	/* the styleId of "TIM Label" */
	struct wmatch match;
	struct tim_buf t[4];	/* match.texts */
};

static const char *const hf_kinds[2] = { "header", "footer" };
static const char *const hf_own[2] = { TIM_HEADER, TIM_FOOTER };
static const char *const hf_cts[2] = { CT_HEADER, CT_FOOTER };

/* The main part's relationships, an empty set when it has none yet. */
static xmlDocPtr
docx_rels(struct ox *o)
{
	static const char skel[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<Relationships xmlns=\"" NS_PR "\"/>";
	char *name = rels_name(o->main);
	xmlDocPtr rels;

	if (name == NULL) {
		tim_errorf(o->err, ENOMEM, _("out of memory"));
		return NULL;
	}
	rels = part_xml(o, name, 0);
	if (rels == NULL && !o->err->msg[0]) {
		rels = tim_xml_parse(skel, sizeof(skel) - 1, "rels", o->err);
		if (rels != NULL && tim_zpkg_add(&o->pkg, name, rels, o->err) == NULL)
			rels = NULL;
	}
	free(name);
	return rels;
}

/* Every section; a document to be marked that has none gets one. */
static int
docx_sections(struct ox *o, struct docx *d, xmlNodePtr body, int marking)
{
	size_t cap = 0;
	xmlNodePtr n;

	collect_sectpr(body->children, &d->sects, &d->nsect, &cap);
	if (d->nsect > 0 || !marking)
		return 0;
	n = xmlNewChild(body, xmlDocGetRootElement(d->doc)->ns, (const xmlChar *)"sectPr", NULL);
	if (n == NULL || (d->sects = malloc(sizeof(*d->sects))) == NULL)
		return tim_errorf(o->err, ENOMEM, _("out of memory"));
	d->sects[d->nsect++] = n;
	return 0;
}

static int
docx_open(struct ox *o, struct docx *d, int marking)
{
	xmlNodePtr body;

	memset(d, 0, sizeof(*d));
	d->wm = 1;
	d->doc = part_xml(o, o->main, 1);
	if (d->doc == NULL)
		return -1;
	body = tim_xml_child(xmlDocGetRootElement(d->doc), NS_W, "body");
	if (body == NULL)
		return tim_errorf(o->err, 0, _("'%s' is damaged: no document body"), o->pkg.path);
	d->rels = docx_rels(o);
	if (d->rels == NULL)
		return -1;
	return docx_sections(o, d, body, marking);
}

/* Takes every section's reference to the relationship rid away. */
static void
drop_refs(struct docx *d, const char *rid)
{
	xmlNodePtr ref, next;
	size_t i;

	for (i = 0; i < d->nsect; i++)
		for (ref = d->sects[i]->children; ref; ref = next) {
			xmlChar *v = xmlGetNsProp(ref, (const xmlChar *)"id", (const xmlChar *)NS_R);

			next = ref->next;
			if (v && strcmp((const char *)v, rid) == 0) {
				xmlUnlinkNode(ref);
				xmlFreeNode(ref);
			}
			xmlFree(v);
		}
}

/* Our own header or footer part goes, with its relationship and references. */
static void
drop_own(struct ox *o, struct docx *d, int k, xmlNodePtr rel, const char *rid,
    struct tim_zpart *part)
{
	drop_refs(d, rid);
	xmlUnlinkNode(rel);
	xmlFreeNode(rel);
	ct_override(o->ct, hf_own[k], hf_cts[k], 0);
	if (part)
		tim_zpkg_remove(&o->pkg, part);
}

/* Someone else's header or footer: our sdt out, and in again when marking. */
static int
restamp(struct ox *o, struct docx *d, int k, struct tim_zpart *part,
    const struct tim_label *l)
{
	xmlDocPtr hf = tim_zpkg_xml(&o->pkg, part, o->err);

	if (hf == NULL)
		return -1;
	hf_strip(&d->match, hf);
	if (l != NULL && hf_insert(o, hf, d->style, l, k == 0, d->wm++) < 0)
		return -1;
	return 0;
}

/* One header or footer relationship of the main part. */
static int
hf_rel(struct ox *o, struct docx *d, int k, xmlNodePtr rel,
    const struct tim_label *l)
{
	char *t = attr(rel, "Target"), *rid = attr(rel, "Id"), *full = NULL;
	struct tim_zpart *part = NULL;
	int r = 0;

	if (t != NULL && rid != NULL) {
		full = tim_zpkg_resolve(o->main, t);
		part = full ? tim_zpkg_find(&o->pkg, full) : NULL;
		if (full && strcasecmp(full, hf_own[k]) == 0)
			drop_own(o, d, k, rel, rid, part);
		else if (part != NULL)
			r = restamp(o, d, k, part, l);
	}
	free(full);
	xmlFree(t);
	xmlFree(rid);
	return r;
}

/* Takes away what an earlier mark put in: our own part, our sdt elsewhere. */
static int
hf_clean(struct ox *o, struct docx *d, int k, const struct tim_label *l)
{
	xmlNodePtr n, next;
	char type[128];

	snprintf(type, sizeof(type), REL("%s"), hf_kinds[k]);
	for (n = xmlDocGetRootElement(d->rels)->children; n; n = next) {
		next = n->next;
		if (!tim_xml_is(n, NS_PR, "Relationship") || !attr_is(n, "Type", type))
			continue;
		if (hf_rel(o, d, k, n, l) < 0)
			return -1;
	}
	return 0;
}

/* Whether the section has a default header (k 0) or footer (k 1). */
static int
has_default(xmlNodePtr sect, int k)
{
	xmlNodePtr n;
	char refname[32];

	snprintf(refname, sizeof(refname), "%sReference", hf_kinds[k]);
	for (n = sect->children; n; n = n->next)
		if (tim_xml_is(n, NS_W, refname) && attr_is(n, "type", "default"))
			return 1;
	return 0;
}

/* References come first in a sectPr, headers before footers. */
static void
link_ref(xmlNodePtr sect, xmlNodePtr ref, int k)
{
	xmlNodePtr n, after = NULL;

	for (n = sect->children; k == 1 && n; n = n->next)
		if (tim_xml_is(n, NS_W, "headerReference") || tim_xml_is(n, NS_W, "footerReference"))
			after = n;
	if (after) {
		xmlAddNextSibling(after, ref);
		xmlDOMWrapReconcileNamespaces(NULL, ref, TIM_RECONNS_REMOVEREDUND);
	} else
		tim_xml_link(sect, sect->children, ref);
}

/* Our own header (k 0) or footer part, holding the label. */
static int
add_own_part(struct ox *o, struct docx *d, int k, const struct tim_label *l)
{
	static const char skel_h[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<w:hdr " WNS " xmlns:r=\"" NS_R "\"/>";
	static const char skel_f[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<w:ftr " WNS " xmlns:r=\"" NS_R "\"/>";
	const char *skel = k == 0 ? skel_h : skel_f;
	xmlDocPtr hf = tim_xml_parse(skel, strlen(skel), "hf", o->err);

	if (hf == NULL)
		return -1;
	if (hf_insert(o, hf, d->style, l, k == 0, d->wm++) < 0) {
		xmlFreeDoc(hf);
		return -1;
	}
	return tim_zpkg_add(&o->pkg, hf_own[k], hf, o->err) == NULL ? -1 : 0;
}

/*
 * The first section gets our own header or footer when it has no default
 * one; later sections inherit it.
 */
static int
add_own(struct ox *o, struct docx *d, int k, const struct tim_label *l)
{
	struct tim_buf frag = TIM_BUF_INIT;
	char type[128], id[32];
	xmlNodePtr ref;

	if (has_default(d->sects[0], k))
		return 0;
	if (add_own_part(o, d, k, l) < 0)
		return -1;
	snprintf(type, sizeof(type), REL("%s"), hf_kinds[k]);
	if (add_rel(d->rels, type, hf_own[k] + 5, id) == NULL)
		return tim_errorf(o->err, ENOMEM, _("out of memory"));
	ct_override(o->ct, hf_own[k], hf_cts[k], 1);
	tim_buf_addf(&frag, "<w:%sReference w:type=\"default\" r:id=\"%s\"/>", hf_kinds[k], id);
	ref = tim_xml_fragment(d->doc, "xmlns:w=\"" NS_W "\" xmlns:r=\"" NS_R "\"", tim_buf_str(&frag), o->err);
	tim_buf_release(&frag);
	if (ref == NULL)
		return -1;
	link_ref(d->sects[0], ref, k);
	return 0;
}

/*
 * The styles part of the main part, parsed; a new one (with relationship
 * and content type) when marking a document that has none.
 */
static xmlDocPtr
docx_styles(struct ox *o, struct docx *d, int marking)
{
	static const char skel[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<w:styles xmlns:w=\"" NS_W "\"/>";
	char *t = rel_target(d->rels, o->main, REL("styles"), NULL), id[32];
	xmlDocPtr doc;

	if (t != NULL) {
		doc = part_xml(o, t, 0);
		free(t);
		if (doc != NULL && !tim_xml_is(xmlDocGetRootElement(doc), NS_W, "styles")) {
			tim_errorf(o->err, 0, _("'%s' is damaged: bad styles part"), o->pkg.path);
			return NULL;
		}
		if (doc != NULL || o->err->msg[0] || !marking)
			return doc;
	}
	if (!marking)
		return NULL;
	doc = tim_xml_parse(skel, sizeof(skel) - 1, "styles.xml", o->err);
	if (doc == NULL || tim_zpkg_add(&o->pkg, "word/tim-styles.xml", doc, o->err) == NULL)
		return NULL;
	if (add_rel(d->rels, REL("styles"), "tim-styles.xml", id) == NULL) {
		tim_errorf(o->err, ENOMEM, _("out of memory"));
		return NULL;
	}
	ct_override(o->ct, "word/tim-styles.xml", CT_STYLES, 1);
	return doc;
}

/* Removing: the styles part tim made, now empty, goes again. */
static void
drop_own_styles(struct ox *o, struct docx *d)
{
	char *rid = NULL, *t = rel_target(d->rels, o->main, REL("styles"), &rid);
	struct tim_zpart *part;

	if (t != NULL && strcmp(t, "word/tim-styles.xml") == 0 && rid != NULL &&
	    (part = tim_zpkg_find(&o->pkg, t)) != NULL) {
		remove_rel_id(d->rels, rid);
		ct_override(o->ct, t, CT_STYLES, 0);
		tim_zpkg_remove(&o->pkg, part);
	}
	xmlFree(rid);
	free(t);
}

/*
 * The paragraph style "TIM Label": right-aligned, bold, dark red. Its id
 * into d->style; added when marking, taken away when removing.
 */
static int
docx_style(struct ox *o, struct docx *d, int marking)
{
	xmlDocPtr styles;
	xmlNodePtr st, n;
	xmlChar *id;

	snprintf(d->style, sizeof(d->style), "%s", TIM_STYLE_ID);
	styles = docx_styles(o, d, marking);
	if (styles == NULL)
		return o->err->msg[0] ? -1 : 0;
	st = find_style(styles);
	if (st != NULL && (id = xmlGetNsProp(st, (const xmlChar *)"styleId", (const xmlChar *)NS_W)) != NULL) {
		snprintf(d->style, sizeof(d->style), "%s", (const char *)id);
		xmlFree(id);
	}
	if (st != NULL && !marking) {
		xmlUnlinkNode(st);
		xmlFreeNode(st);
	}
	if (!marking && xmlDocGetRootElement(styles)->children == NULL)
		drop_own_styles(o, d);
	if (st != NULL || !marking)
		return 0;
	n = tim_xml_fragment(styles, "xmlns:w=\"" NS_W "\"",
	    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"" TIM_STYLE_ID "\">"
	    "<w:name w:val=\"" TIM_STYLE "\"/><w:qFormat/><w:pPr><w:jc w:val=\"right\"/></w:pPr>"
	    "<w:rPr><w:rFonts w:ascii=\"MS Gothic\" w:eastAsia=\"MS Gothic\" w:hAnsi=\"MS Gothic\"/>"
	    "<w:b/><w:color w:val=\"C00000\"/><w:sz w:val=\"20\"/></w:rPr></w:style>", o->err);
	if (n == NULL)
		return -1;
	tim_xml_link(xmlDocGetRootElement(styles), NULL, n);
	return 0;
}

/* Removing: every header and footer is checked for label text left over. */
static int
docx_scan(struct ox *o, struct docx *d)
{
	xmlNodePtr n;

	for (n = xmlDocGetRootElement(d->rels)->children; n; n = n->next) {
		char *t, *full;
		xmlDocPtr doc;

		if (!tim_xml_is(n, NS_PR, "Relationship") ||
		    (!attr_is(n, "Type", REL("header")) && !attr_is(n, "Type", REL("footer"))))
			continue;
		t = attr(n, "Target");
		full = t ? tim_zpkg_resolve(o->main, t) : NULL;
		xmlFree(t);
		doc = full && tim_zpkg_find(&o->pkg, full) ? part_xml(o, full, 0) : NULL;
		if (doc != NULL)
			scan_word(o, xmlDocGetRootElement(doc), full);
		free(full);
		if (doc == NULL && o->err->msg[0])
			return -1;
	}
	return 0;
}

static int
docx(struct ox *o, const struct tim_label *l)
{
	struct docx d;
	int k, r;

	r = docx_open(o, &d, l != NULL);
	if (r == 0)
		r = docx_style(o, &d, l != NULL);
	d.match.style = d.style;
	d.match.s = o->s;
	for (k = 0; k < 4; k++) {
		tim_buf_init(&d.t[k]);
		d.match.texts[k] = NULL;
	}
	if (o->old && o->old->level[0]) {
		tim_label_text(o->s, o->old, &d.t[0]);
		tim_label_format(o->s, o->old, &d.t[1]);
		d.match.texts[0] = tim_buf_str(&d.t[0]);
		d.match.texts[1] = tim_buf_str(&d.t[1]);
	}
	for (k = 0; k < 2 && r == 0; k++) {
		r = hf_clean(o, &d, k, l);
		if (r == 0 && l != NULL)
			r = add_own(o, &d, k, l);
	}
	if (r == 0 && l == NULL)
		r = docx_scan(o, &d);
	for (k = 0; k < 4; k++)
		tim_buf_release(&d.t[k]);
	free(d.sects);
	return r < 0 ? -1 : 0;
}

/*
 * Excel page headers are one string with section codes &L, &C, &R; "&&" is
 * a literal '&'. The label goes first in the centre section.
 */
static void
hf_sections(const char *s, struct tim_buf sec[3])
{
	int cur = 1;

	for (; *s; s++) {
		if (s[0] == '&' && s[1] == '&') {
			tim_buf_adds(&sec[cur], "&&");
			s++;
		} else if (s[0] == '&' && (s[1] == 'L' || s[1] == 'C' || s[1] == 'R')) {
			cur = s[1] == 'L' ? 0 : s[1] == 'C' ? 1 : 2;
			s++;
		} else
			tim_buf_addch(&sec[cur], *s);
	}
}

static void
xl_escape(struct tim_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			tim_buf_addch(b, '&');
		tim_buf_addch(b, *s);
	}
}

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* A header line without its codes (&"font", &12, &K colour, &P ...). */
static void
xl_plain(const char *s, size_t len, struct tim_buf *out)
{
	const char *e = s + len;

	while (s < e) {
		if (*s != '&') {
			tim_buf_addch(out, *s++);
			continue;
		}
		s++;
		if (s == e)
			break;
		if (*s == '&')
			tim_buf_addch(out, *s++);
		else if (*s == '"') {
			for (s++; s < e && *s != '"'; s++)
				;
			s += s < e;
		} else if (*s >= '0' && *s <= '9') {
			while (s < e && *s >= '0' && *s <= '9')
				s++;
		} else if (*s == 'K') {
			int k;

			for (s++, k = 0; k < 6 && s < e && strchr("0123456789abcdefABCDEF+-", *s); k++)
				s++;
		} else
			s++;
	}
	/* Editors pad the text between codes with spaces. */
	while (out->len > 0 && out->buf[out->len - 1] == ' ')
		out->buf[--out->len] = '\0';
	if (out->len > 0 && out->buf[0] == ' ') {
		size_t k = strspn(out->buf, " ");

		memmove(out->buf, out->buf + k, out->len - k + 1);
		out->len -= k;
	}
}

/*
 * One section of a page header without tim's lines: a line whose text is
 * the label's (now or as an older tim wrote it); an older tim's label at
 * the start of the centre section loses its prefix.
 */
static void
xl_strip(struct tim_buf *sec, const char *const *texts,
    const char *legacy)
{
	struct tim_buf out = TIM_BUF_INIT, plain = TIM_BUF_INIT;
	const char *line = tim_buf_str(sec), *nl;
	size_t k, llen = legacy ? strlen(legacy) : 0;
	int first = 1;

	for (;; line = nl + 1) {
		size_t len;
		int ours = 0;

		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		tim_buf_reset(&plain);
		xl_plain(line, len, &plain);
		for (k = 0; texts[k] && !ours; k++)
			ours = *texts[k] && strcmp(tim_buf_str(&plain), texts[k]) == 0;
		if (!ours && llen && len >= llen && strncmp(line, legacy, llen) == 0 &&
		    (len == llen || line[llen] == ' ')) {
			line += llen + (len > llen);
			len -= llen + (len > llen);
		}
		if (!ours) {
			if (!first)
				tim_buf_addch(&out, '\n');
			tim_buf_add(&out, line, len);
			first = 0;
		}
		if (nl == NULL)
			break;
	}
	tim_buf_reset(sec);
	tim_buf_add(sec, out.buf ? out.buf : "", out.len);
	tim_buf_release(&out);
	tim_buf_release(&plain);
}

struct xl_arg {
	const char *texts[4];	/* tim's lines: the label's text, now and before */
	const char *legacy;	/* an older tim's prefix of the centre section */
	const char *now;	/* the label to show, escaped; NULL removing */
	const char *part;	/* the worksheet, for messages */
};

static int
xl_header(struct ox *o, xmlNodePtr el, const struct xl_arg *a, int footer)
{
	struct tim_buf sec[3] = { TIM_BUF_INIT, TIM_BUF_INIT, TIM_BUF_INIT }, out = TIM_BUF_INIT;
	static const int order[3] = { 2, 0, 1 };	/* right, left, centre */
	static const char codes[3] = { 'L', 'C', 'R' };
	xmlChar *v = xmlNodeGetContent(el);
	int i, r = 0;

	hf_sections(v ? (const char *)v : "", sec);
	xmlFree(v);
	for (i = 0; i < 3; i++) {
		xl_strip(&sec[i], a->texts, i == 1 ? a->legacy : NULL);
		if (a->now == NULL) {
			struct tim_buf plain = TIM_BUF_INIT;

			xl_plain(tim_buf_str(&sec[i]), sec[i].len, &plain);
			if (has_level_text(o->s, tim_buf_str(&plain)))
				note_left(o, a->part);
			tim_buf_release(&plain);
		}
	}
	if (a->now) {
		/* Its own section, never glued to the user's text. */
		for (i = 0; i < 3 && sec[order[i]].len > 0; i++)
			;
		if (i < 3)
			tim_buf_adds(&sec[order[i]], a->now);
		else {
			struct tim_buf t = TIM_BUF_INIT;

			tim_buf_addf(&t, "%s\n%s", a->now, tim_buf_str(&sec[2]));
			tim_buf_reset(&sec[2]);
			tim_buf_adds(&sec[2], tim_buf_str(&t));
			tim_buf_release(&t);
		}
		o->bits |= footer ? BIT_FOOTER : BIT_HEADER;
	}
	for (i = 0; i < 3; i++)
		if (sec[i].len)
			tim_buf_addf(&out, "&%c%s", codes[i], sec[i].buf);
	for (i = 0; i < 3; i++)
		tim_buf_release(&sec[i]);
	if (out.failed)
		r = tim_errorf(o->err, ENOMEM, _("out of memory"));
	else if (utf8_chars(tim_buf_str(&out)) > 255)
		r = tim_errorf(o->err, 0, _("'%s': a page header would pass Excel's 255 characters"), o->pkg.path);
	else if (out.len == 0) {
		/* Nothing but the label was there: the element goes with it. */
		xmlUnlinkNode(el);
		xmlFreeNode(el);
	} else {
		xmlNodeSetContent(el, NULL);
		xmlNodeAddContent(el, (const xmlChar *)tim_buf_str(&out));
	}
	tim_buf_release(&out);
	return r;
}

/* CT_Worksheet's elements after headerFooter, in schema order. */
static const char *const after_hf[] = {
	"rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors",
	"smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
	"picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst", NULL
};

static int
xl_sheet(struct ox *o, xmlDocPtr doc, const struct xl_arg *a)
{
	const char *now = a->now;
	static const char *const order[] = { "oddHeader", "oddFooter", "evenHeader",
	    "evenFooter", "firstHeader", "firstFooter" };
	xmlNodePtr root = xmlDocGetRootElement(doc), hf, n, el;
	size_t i, k;

	if (!tim_xml_is(root, NS_S, "worksheet"))
		return tim_errorf(o->err, 0, _("'%s' is damaged: bad worksheet"), o->pkg.path);
	hf = tim_xml_child(root, NS_S, "headerFooter");
	if (hf == NULL) {
		if (now == NULL)
			return 0;
		hf = xmlNewDocNode(doc, root->ns, (const xmlChar *)"headerFooter", NULL);
		if (hf == NULL)
			return tim_errorf(o->err, ENOMEM, _("out of memory"));
		for (n = root->children; n; n = n->next) {
			for (k = 0; after_hf[k]; k++)
				if (tim_xml_is(n, NS_S, after_hf[k]))
					break;
			if (after_hf[k])
				break;
		}
		if (n)
			xmlAddPrevSibling(n, hf);
		else
			xmlAddChild(root, hf);
	}
	for (i = 0; i < 6; i++) {
		el = tim_xml_child(hf, NS_S, order[i]);
		if (el == NULL && i < 2 && now != NULL) {
			el = xmlNewDocNode(doc, root->ns, (const xmlChar *)order[i], NULL);
			if (el == NULL)
				return tim_errorf(o->err, ENOMEM, _("out of memory"));
			if (i == 1 && tim_xml_child(hf, NS_S, "oddHeader"))
				xmlAddNextSibling(tim_xml_child(hf, NS_S, "oddHeader"), el);
			else if (hf->children)
				xmlAddPrevSibling(hf->children, el);
			else
				xmlAddChild(hf, el);
		}
		if (el != NULL && xl_header(o, el, a, i % 2) < 0)
			return -1;
	}
	for (n = hf->children; n && n->type != XML_ELEMENT_NODE; n = n->next)
		;
	if (n == NULL && hf->properties == NULL) {
		xmlUnlinkNode(hf);
		xmlFreeNode(hf);
	}
	return 0;
}

static int
each_rel(struct ox *o, const char *type,
    int (*fn)(struct ox *, xmlDocPtr, const char *, void *), void *arg)
{
	char *rname = rels_name(o->main), rtype[128];
	xmlDocPtr rels;
	xmlNodePtr n;
	int r = 0;

	if (rname == NULL)
		return tim_errorf(o->err, ENOMEM, _("out of memory"));
	rels = part_xml(o, rname, 1);
	free(rname);
	if (rels == NULL)
		return -1;
	snprintf(rtype, sizeof(rtype), REL("%s"), type);
	for (n = xmlDocGetRootElement(rels)->children; n && r == 0; n = n->next) {
		char *t, *full;
		xmlDocPtr doc;

		if (!tim_xml_is(n, NS_PR, "Relationship") || !attr_is(n, "Type", rtype) ||
		    attr_is(n, "TargetMode", "External"))
			continue;
		t = attr(n, "Target");
		full = t ? tim_zpkg_resolve(o->main, t) : NULL;
		xmlFree(t);
		if (full == NULL)
			return tim_errorf(o->err, 0, _("'%s' is damaged: a %s outside the package"), o->pkg.path, type);
		doc = part_xml(o, full, 1);
		r = doc ? fn(o, doc, full, arg) : -1;
		free(full);
	}
	return r;
}

static int
xl_one(struct ox *o, xmlDocPtr doc, const char *part, void *arg)
{
	struct xl_arg *a = arg;

	a->part = part;
	return xl_sheet(o, doc, a);
}

static int
xlsx(struct ox *o, const struct tim_label *old, const struct tim_label *l)
{
	struct tim_buf ob = TIM_BUF_INIT, nb = TIM_BUF_INIT, t1 = TIM_BUF_INIT,
	    t2 = TIM_BUF_INIT, t = TIM_BUF_INIT;
	struct xl_arg a;
	int r;

	memset(&a, 0, sizeof(a));
	if (old && old->level[0]) {
		tim_label_format(o->s, old, &t);
		xl_escape(&ob, tim_buf_str(&t));
		a.legacy = tim_buf_str(&ob);
		tim_label_text(o->s, old, &t1);
		a.texts[0] = tim_buf_str(&t1);
		a.texts[1] = tim_buf_str(&t);
	}
	if (l) {
		tim_label_text(o->s, l, &t2);
		a.texts[2] = tim_buf_str(&t2);
		xl_escape(&nb, tim_buf_str(&t2));
		a.now = tim_buf_str(&nb);
	}
	r = each_rel(o, "worksheet", xl_one, &a);
	tim_buf_release(&ob);
	tim_buf_release(&nb);
	tim_buf_release(&t);
	tim_buf_release(&t1);
	tim_buf_release(&t2);
	return r;
}

/* PowerPoint: a text box named TIM_Label on each slide master. */
static void
max_id(xmlNodePtr n, long *max)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "cNvPr") == 0) {
			xmlChar *v = xmlGetProp(n, (const xmlChar *)"id");

			if (v && atol((const char *)v) > *max)
				*max = atol((const char *)v);
			xmlFree(v);
		}
		max_id(n->children, max);
	}
}

/* Removing: slide master text that still shows a label. */
static void
pp_scan(struct ox *o, xmlNodePtr n, const char *part)
{
	for (; n; n = n->next) {
		if (tim_xml_is(n, NS_A, "p")) {
			xmlChar *t = xmlNodeGetContent(n);

			if (t && has_level_text(o->s, (const char *)t))
				note_left(o, part);
			xmlFree(t);
			continue;
		}
		pp_scan(o, n->children, part);
	}
}

static int
pp_master(struct ox *o, xmlDocPtr doc, const char *part, void *arg)
{
	const struct tim_label *l = arg;
	struct tim_buf f = TIM_BUF_INIT, text = TIM_BUF_INIT;
	xmlNodePtr root = xmlDocGetRootElement(doc), tree, n, next, nv, c;
	long id = 1;

	tree = tim_xml_child(tim_xml_child(root, NS_P, "cSld"), NS_P, "spTree");
	if (!tim_xml_is(root, NS_P, "sldMaster") || tree == NULL)
		return tim_errorf(o->err, 0, _("'%s' is damaged: bad slide master"), o->pkg.path);
	for (n = tree->children; n; n = next) {
		next = n->next;
		nv = tim_xml_child(n, NS_P, "nvSpPr");
		c = tim_xml_child(nv, NS_P, "cNvPr");
		if (tim_xml_is(n, NS_P, "sp") && c && attr_is(c, "name", TIM_TAG)) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
	if (l == NULL) {
		pp_scan(o, root->children, part);
		return 0;
	}
	o->bits |= BIT_HEADER;
	max_id(root, &id);
	tim_label_text(o->s, l, &text);
	tim_buf_addf(&f, "<p:sp><p:nvSpPr><p:cNvPr id=\"%ld\" name=\"" TIM_TAG "\"/><p:cNvSpPr txBox=\"1\"/><p:nvPr userDrawn=\"1\"/></p:nvSpPr>"
	    "<p:spPr><a:xfrm><a:off x=\"180000\" y=\"90000\"/><a:ext cx=\"4320000\" cy=\"320000\"/></a:xfrm>"
	    "<a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom><a:noFill/></p:spPr>"
	    "<p:txBody><a:bodyPr wrap=\"none\" rtlCol=\"0\"><a:spAutoFit/></a:bodyPr><a:lstStyle/>"
	    "<a:p><a:r><a:rPr lang=\"ja-JP\" altLang=\"en-US\" sz=\"1200\" b=\"1\" dirty=\"0\"><a:solidFill><a:srgbClr val=\"C00000\"/></a:solidFill></a:rPr><a:t>",
	    id + 1);
	tim_buf_addxml(&f, tim_buf_str(&text));
	tim_buf_adds(&f, "</a:t></a:r></a:p></p:txBody></p:sp>");
	tim_buf_release(&text);
	if (f.failed) {
		tim_buf_release(&f);
		return tim_errorf(o->err, ENOMEM, _("out of memory"));
	}
	n = tim_xml_fragment(doc, "xmlns:p=\"" NS_P "\" xmlns:a=\"" NS_A "\"", f.buf, o->err);
	tim_buf_release(&f);
	if (n == NULL)
		return -1;
	c = tim_xml_child(tree, NS_P, "extLst");
	tim_xml_link(tree, c, n);
	return 0;
}

int
tim_ooxml_kind(struct tim_zpkg *p)
{
	if (tim_zpkg_find(p, "[Content_Types].xml") == NULL)
		return TIM_CONTENT_OTHER;
	if (tim_zpkg_find(p, "word/document.xml"))
		return TIM_CONTENT_DOCX;
	if (tim_zpkg_find(p, "xl/workbook.xml"))
		return TIM_CONTENT_XLSX;
	if (tim_zpkg_find(p, "ppt/presentation.xml"))
		return TIM_CONTENT_PPTX;
	return TIM_CONTENT_OTHER;
}

int
tim_ooxml_read(const struct tim_label_scheme *s, int fd, const char *path,
    struct tim_label *out, struct tim_err *err)
{
	static const char *const want[] = { "_rels/.rels", "docProps/custom.xml", LABELINFO, NULL };
	struct ox o;
	struct tim_zpart *part;
	char *target;
	int r = -1;

	memset(&o, 0, sizeof(o));
	o.s = s;
	o.err = err;
	tim_label_clear(out);
	if (tim_zpkg_load(&o.pkg, fd, path, want, err) < 0)
		return -1;
	if (ox_open(&o, 0) < 0)
		goto out;
	/* The properties may live elsewhere than usual: then read that part too. */
	target = rel_target(o.rels, "", REL("custom-properties"), NULL);
	part = target ? tim_zpkg_find(&o.pkg, target) : NULL;
	if (part != NULL && part->data == NULL) {
		const char *const again[] = { "_rels/.rels", target, NULL };

		free(o.main);
		o.main = NULL;
		tim_zpkg_release(&o.pkg);
		if (tim_zpkg_load(&o.pkg, fd, path, again, err) < 0 || ox_open(&o, 0) < 0) {
			free(target);
			goto out;
		}
	}
	free(target);
	r = read_custom(&o, out);
out:
	free(o.main);
	tim_zpkg_release(&o.pkg);
	return r;
}

int
tim_ooxml_write(const struct tim_label_scheme *s, int fd, const char *path,
    int type, const struct tim_label *l, int out, struct tim_err *err)
{
	struct tim_label old;
	struct ox o;
	int r = -1;

	memset(&o, 0, sizeof(o));
	o.s = s;
	o.err = err;
	if (tim_zpkg_load(&o.pkg, fd, path, NULL, err) < 0)
		return -1;
	if (ox_open(&o, 1) < 0 || read_custom(&o, &old) < 0)
		goto out;
	o.old = &old;
	switch (type) {
	case TIM_CONTENT_DOCX:
		r = docx(&o, l);
		break;
	case TIM_CONTENT_XLSX:
		r = xlsx(&o, &old, l);
		break;
	case TIM_CONTENT_PPTX:
		r = each_rel(&o, "slideMaster", pp_master, (void *)l);
		break;
	default:
		r = tim_errorf(err, 0, _("'%s' is not an Office document"), path);
	}
	/* A removal that would leave label text behind changes nothing. */
	if (r == 0 && l == NULL && o.left[0])
		r = tim_failf(err, _("'%s': label text is still shown in %s (changed by hand?); nothing was removed: delete that text, then remove the label again"),
		    path, o.left);
	/* The properties last: ContentBits says what the marking showed. */
	if (r == 0)
		r = set_custom(&o, l);
	if (r == 0)
		r = set_labelinfo(&o, l);
	if (r == 0)
		/*
		 * OPC sets no order (LibreOffice writes [Content_Types].xml last,
		 * Word first): the package keeps the order its producer chose.
		 */
		r = tim_zpkg_write(&o.pkg, out, NULL, err);
out:
	free(o.main);
	tim_zpkg_release(&o.pkg);
	return r;
}
