#ifndef TIM_ZIPPKG_H
#define TIM_ZIPPKG_H

#include <stddef.h>
#include <time.h>

#include <libxml/tree.h>

struct tim_buf;
struct tim_err;

/*
 * A zip package (OOXML, ODF) to be changed and written again through
 * libzip: parts tim changes are written from their parsed XML, every other
 * entry is copied with its compressed bytes as they are (no inflating and
 * deflating of images). Reading is bounded: entry count, total size and the
 * ratio of unpacked to packed bytes (zip bombs, by the sizes declared and by
 * what really comes out), and names with "..", a leading '/' or '\\', or a
 * drive letter, duplicates and encrypted entries are refused.
 */
#define TIM_ZIP_MAX_ENTRIES	10000
#define TIM_ZIP_MAX_TOTAL	((size_t)512 << 20)
#define TIM_ZIP_MAX_RATIO	100	/* unpacked/packed, once past 16 MiB */
#define TIM_XML_MAX		((size_t)64 << 20)	/* one XML part */

struct tim_zpart {
	char *name;
	unsigned char *data;
	size_t len;
	time_t mtime;
	long mtime_ns;
	int is_dir;
	int stored;		/* write without compression (ODF mimetype) */
	xmlDocPtr doc;		/* parsed and changed: written from here */
	long long index;	/* the entry in the zip read, -1 for a new part */
	int comp_method;	/* of that entry (ZIP_CM_*), -1 for a new part */
};

struct tim_zsrc;

struct tim_zpkg {
	struct tim_zpart *parts;
	size_t n, cap;
	size_t total;
	const char *path;	/* for messages */
	void *za;		/* the libzip archive, open until written */
	struct tim_zsrc *src;	/* reads the original, writes the new file */
	long long *gone;	/* entries of the original taken out */
	size_t ngone;
};

/*
 * Reads the zip fd: every entry's name, and the data of those named in
 * want_data (when NULL: of every XML part, .rels and mimetype; the rest is
 * only ever copied). fd must stay open until the package is released.
 */
int tim_zpkg_load(struct tim_zpkg *p, int fd, const char *path,
    const char *const *want_data, struct tim_err *err);
void tim_zpkg_release(struct tim_zpkg *p);

/* The part named name (case-insensitive, as OPC says), or NULL. */
struct tim_zpart *tim_zpkg_find(struct tim_zpkg *p, const char *name);
/* Adds a new part at the end, holding doc (taken over). */
struct tim_zpart *tim_zpkg_add(struct tim_zpkg *p, const char *name,
    xmlDocPtr doc, struct tim_err *err);
/* Takes a part out. */
void tim_zpkg_remove(struct tim_zpkg *p, struct tim_zpart *part);

/* The part parsed as XML (kept in part->doc for writing). */
xmlDocPtr tim_zpkg_xml(struct tim_zpkg *p, struct tim_zpart *part,
    struct tim_err *err);

/*
 * Tests only: when set, libzip deflates every changed part itself, the
 * reference tim's own deflating must match byte for byte.
 */
extern int tim_zpkg_libzip_deflates;

/*
 * Writes the package to out: entries keep their order (new parts last),
 * changed parts come from their doc, the others are copied compressed as
 * they were. first[] names the entries that must lead ([Content_Types].xml,
 * ODF's mimetype): a package where they do not is written anew in that
 * order. The package cannot be written twice.
 */
int tim_zpkg_write(struct tim_zpkg *p, int out, const char *const *first,
    struct tim_err *err);

/*
 * Parses XML safely: no network, no DTD (a DOCTYPE is refused outright),
 * no entity substitution.
 */
xmlDocPtr tim_xml_parse(const void *data, size_t len, const char *name,
    struct tim_err *err);

/* The first child element of n named local in namespace ns (NULL: any). */
xmlNodePtr tim_xml_child(xmlNodePtr n, const char *ns, const char *local);
/* Whether n is the element ns:local. */
int tim_xml_is(xmlNodePtr n, const char *ns, const char *local);

/*
 * Parses an XML fragment whose prefixes are declared in nsdecls (e.g.
 * 'xmlns:w="..."') and returns a copy of its first element owned by doc,
 * not yet linked into the tree.
 */
xmlNodePtr tim_xml_fragment(xmlDocPtr doc, const char *nsdecls,
    const char *frag, struct tim_err *err);

/*
 * Links n into parent before the child before (last when NULL) and drops
 * the namespace declarations that the tree above already makes.
 */
void tim_xml_link(xmlNodePtr parent, xmlNodePtr before, xmlNodePtr n);

/*
 * Appends a document property to parent: open (the start tags, the
 * property's name in them), value escaped as text, close, parsed with the
 * prefixes in nsdecls. The one insertion for OOXML's custom.xml
 * <property> and ODF's meta.xml <meta:user-defined>.
 */
int tim_xml_add_property(xmlNodePtr parent, const char *nsdecls,
    const char *open, const char *value, const char *close,
    struct tim_err *err);

/*
 * Resolves a relationship target against the part that holds it ("word/
 * document.xml" + "header1.xml" = "word/header1.xml"); NULL when it leaves
 * the package or is external.
 */
char *tim_zpkg_resolve(const char *base, const char *target);

#endif
