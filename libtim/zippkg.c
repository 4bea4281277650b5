#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "zippkg.h"
#include "banned.h"

/* libxml2's option to drop redundant declarations; its enum is not public. */
#define TIM_RECONNS_REMOVEREDUND 1

static int
name_ok(const char *n)
{
	const char *p;

	if (!*n || n[0] == '/' || n[0] == '\\' || strchr(n, '\\') != NULL ||
	    (n[1] == ':' && ((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z'))))
		return 0;
	for (p = n; *p; ) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if ((len == 2 && p[0] == '.' && p[1] == '.') || (len == 1 && p[0] == '.'))
			return 0;
		if (e == NULL)
			break;
		p = e + 1;
	}
	for (p = n; *p; p++)
		if ((unsigned char)*p < 0x20)
			return 0;
	return 1;
}

static int
add_part(struct tim_zpkg *p, struct tim_zpart *part)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		struct tim_zpart *np = realloc(p->parts, cap * sizeof(*np));

		if (np == NULL)
			return -1;
		p->parts = np;
		p->cap = cap;
	}
	p->parts[p->n++] = *part;
	return 0;
}

static int
wanted(const char *const *want, const char *name)
{
	size_t i;

	if (want == NULL)
		return 1;
	for (i = 0; want[i]; i++)
		if (strcasecmp(want[i], name) == 0)
			return 1;
	return 0;
}

int
tim_zpkg_load(struct tim_zpkg *p, int fd, const char *path,
    const char *const *want_data, struct tim_err *err)
{
	struct archive *a;
	struct archive_entry *e;
	struct stat st;
	size_t i;
	int r, ret = -1;

	memset(p, 0, sizeof(*p));
	p->path = path;
	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return tim_errorf(err, errno, _("cannot read '%s'"), path);
	a = archive_read_new();
	if (a == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	archive_read_support_format_zip_seekable(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		tim_errorf(err, 0, _("'%s' is damaged: %s"), path, archive_error_string(a));
		goto out;
	}
	for (;;) {
		struct tim_zpart part;
		const char *name;
		size_t want;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			tim_errorf(err, 0, _("'%s' is damaged: %s"), path, archive_error_string(a));
			goto out;
		}
		if (p->n >= TIM_ZIP_MAX_ENTRIES) {
			tim_errorf(err, 0, _("'%s' has more than %d entries; refusing it"), path, TIM_ZIP_MAX_ENTRIES);
			goto out;
		}
		name = archive_entry_pathname_utf8(e);
		if (name == NULL)
			name = archive_entry_pathname(e);
		if (name == NULL || !name_ok(name)) {
			tim_errorf(err, 0, _("'%s' holds an entry with an unsafe name; refusing it"), path);
			goto out;
		}
		if (archive_entry_is_encrypted(e)) {
			tim_errorf(err, 0, _("'%s' is encrypted; refusing it"), path);
			goto out;
		}
		for (i = 0; i < p->n; i++)
			if (strcasecmp(p->parts[i].name, name) == 0) {
				tim_errorf(err, 0, _("'%s' is damaged: entry '%s' twice"), path, name);
				goto out;
			}
		memset(&part, 0, sizeof(part));
		part.name = strdup(name);
		part.mtime = archive_entry_mtime(e);
		part.mtime_ns = archive_entry_mtime_nsec(e);
		part.is_dir = archive_entry_filetype(e) == AE_IFDIR;
		if (part.name == NULL || add_part(p, &part) < 0) {
			free(part.name);
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto out;
		}
		if (part.is_dir || !wanted(want_data, name))
			continue;
		if (archive_entry_size_is_set(e) &&
		    (uint64_t)archive_entry_size(e) > TIM_ZIP_MAX_TOTAL - p->total) {
			tim_errorf(err, 0, _("'%s' unpacks to too much data (a zip bomb?); refusing it"), path);
			goto out;
		}
		/* Count what really comes out, not what the headers claim. */
		want = archive_entry_size_is_set(e) ? (size_t)archive_entry_size(e) : 65536;
		if (want > ((size_t)1 << 20))
			want = (size_t)1 << 20;
		{
			struct tim_zpart *q = &p->parts[p->n - 1];
			size_t cap = want + 1;
			ssize_t n;

			q->data = malloc(cap);
			if (q->data == NULL) {
				tim_errorf(err, ENOMEM, _("out of memory"));
				goto out;
			}
			for (;;) {
				if (q->len == cap) {
					unsigned char *nd;

					if (cap > TIM_ZIP_MAX_TOTAL)
						break;
					nd = realloc(q->data, cap * 2);
					if (nd == NULL) {
						tim_errorf(err, ENOMEM, _("out of memory"));
						goto out;
					}
					q->data = nd;
					cap *= 2;
				}
				n = archive_read_data(a, q->data + q->len, cap - q->len);
				if (n < 0) {
					tim_errorf(err, 0, _("'%s' is damaged: %s"), path, archive_error_string(a));
					goto out;
				}
				if (n == 0)
					break;
				q->len += (size_t)n;
				p->total += (size_t)n;
				if (p->total > TIM_ZIP_MAX_TOTAL ||
				    (p->total > ((size_t)16 << 20) &&
				    p->total / ((size_t)st.st_size + 1) > TIM_ZIP_MAX_RATIO)) {
					tim_errorf(err, 0, _("'%s' unpacks to too much data (a zip bomb?); refusing it"), path);
					goto out;
				}
			}
		}
	}
	ret = 0;
out:
	archive_read_free(a);
	if (ret < 0)
		tim_zpkg_release(p);
	return ret;
}

void
tim_zpkg_release(struct tim_zpkg *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->parts[i].name);
		free(p->parts[i].data);
		if (p->parts[i].doc)
			xmlFreeDoc(p->parts[i].doc);
	}
	free(p->parts);
	p->parts = NULL;
	p->n = p->cap = 0;
}

struct tim_zpart *
tim_zpkg_find(struct tim_zpkg *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcasecmp(p->parts[i].name, name) == 0)
			return &p->parts[i];
	return NULL;
}

struct tim_zpart *
tim_zpkg_add(struct tim_zpkg *p, const char *name, xmlDocPtr doc,
    struct tim_err *err)
{
	struct tim_zpart part;

	memset(&part, 0, sizeof(part));
	part.name = strdup(name);
	part.doc = doc;
	/* New parts take the package's first time, so output stays reproducible. */
	if (p->n > 0) {
		part.mtime = p->parts[0].mtime;
		part.mtime_ns = p->parts[0].mtime_ns;
	} else
		part.mtime = time(NULL);
	if (part.name == NULL || add_part(p, &part) < 0) {
		free(part.name);
		xmlFreeDoc(doc);
		tim_errorf(err, ENOMEM, _("out of memory"));
		return NULL;
	}
	return &p->parts[p->n - 1];
}

void
tim_zpkg_remove(struct tim_zpkg *p, struct tim_zpart *part)
{
	size_t i = (size_t)(part - p->parts);

	if (i >= p->n)
		return;
	free(part->name);
	free(part->data);
	if (part->doc)
		xmlFreeDoc(part->doc);
	memmove(&p->parts[i], &p->parts[i + 1], (p->n - i - 1) * sizeof(*part));
	p->n--;
}

xmlDocPtr
tim_xml_parse(const void *data, size_t len, const char *name,
    struct tim_err *err)
{
	xmlDocPtr doc;

	if (len > TIM_XML_MAX || len > INT32_MAX) {
		tim_errorf(err, 0, _("'%s' is too large"), name);
		return NULL;
	}
	/* A DTD could declare entities; tim never needs one, so none is read. */
	if (memmem(data, len, "<!DOCTYPE", 9) != NULL || memmem(data, len, "<!ENTITY", 8) != NULL) {
		tim_errorf(err, 0, _("'%s' declares a DTD; refusing it"), name);
		return NULL;
	}
	doc = xmlReadMemory(data, (int)len, name, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();

		tim_errorf(err, 0, _("'%s' is not well-formed XML%s%s"), name,
		    e && e->message ? ": " : "", e && e->message ? e->message : "");
		/* libxml2's messages end in a newline. */
		if (err->msg[0] && err->msg[strlen(err->msg) - 1] == '\n')
			err->msg[strlen(err->msg) - 1] = '\0';
		return NULL;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL || xmlDocGetRootElement(doc) == NULL) {
		xmlFreeDoc(doc);
		tim_errorf(err, 0, _("'%s' declares a DTD; refusing it"), name);
		return NULL;
	}
	return doc;
}

xmlDocPtr
tim_zpkg_xml(struct tim_zpkg *p, struct tim_zpart *part, struct tim_err *err)
{
	struct tim_buf shown = TIM_BUF_INIT;

	if (part->doc)
		return part->doc;
	tim_buf_addf(&shown, "%s:%s", p->path, part->name);
	part->doc = tim_xml_parse(part->data ? (const void *)part->data : "", part->len,
	    tim_buf_str(&shown), err);
	tim_buf_release(&shown);
	return part->doc;
}

xmlNodePtr
tim_xml_child(xmlNodePtr n, const char *ns, const char *local)
{
	xmlNodePtr c;

	for (c = n ? n->children : NULL; c; c = c->next)
		if (tim_xml_is(c, ns, local))
			return c;
	return NULL;
}

int
tim_xml_is(xmlNodePtr n, const char *ns, const char *local)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, local) != 0)
		return 0;
	if (ns == NULL)
		return 1;
	return n->ns != NULL && n->ns->href != NULL && strcmp((const char *)n->ns->href, ns) == 0;
}

char *
tim_zpkg_resolve(const char *base, const char *target)
{
	struct tim_buf b = TIM_BUF_INIT;
	char *out, *seg, *w;
	const char *slash;
	size_t len;

	if (strstr(target, "://") != NULL || strncmp(target, "mailto:", 7) == 0)
		return NULL;
	if (target[0] == '/')
		tim_buf_adds(&b, target + 1);
	else {
		slash = strrchr(base, '/');
		if (slash)
			tim_buf_add(&b, base, (size_t)(slash - base) + 1);
		tim_buf_adds(&b, target);
	}
	if (b.failed) {
		tim_buf_release(&b);
		return NULL;
	}
	out = tim_buf_detach(&b, &len);
	/* Collapse "." and "..", refusing to climb above the package root. */
	w = out;
	for (seg = out; *seg; ) {
		char *e = strchr(seg, '/');
		size_t sl = e ? (size_t)(e - seg) : strlen(seg);

		if (sl == 0 || (sl == 1 && seg[0] == '.')) {
			/* skip */
		} else if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
			if (w == out) {
				free(out);
				return NULL;
			}
			w--;
			while (w > out && w[-1] != '/')
				w--;
		} else {
			memmove(w, seg, sl);
			w += sl;
			if (e)
				*w++ = '/';
		}
		if (e == NULL)
			break;
		seg = e + 1;
	}
	*w = '\0';
	if (w > out && w[-1] == '/')
		w[-1] = '\0';
	if (!*out) {
		free(out);
		return NULL;
	}
	return out;
}

static int
write_entry(struct archive *w, struct tim_zpart *part, struct tim_err *err,
    const char *path)
{
	struct archive_entry *e = archive_entry_new();
	xmlChar *mem = NULL;
	const void *data = part->data;
	size_t len = part->len;
	int size, r = -1;

	if (e == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (part->doc) {
		xmlDocDumpMemoryEnc(part->doc, &mem, &size, "UTF-8");
		if (mem == NULL) {
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto out;
		}
		data = mem;
		len = (size_t)size;
	}
	archive_entry_set_pathname_utf8(e, part->name);
	archive_entry_set_mtime(e, part->mtime, part->mtime_ns);
	if (part->is_dir) {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
		len = 0;
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
	}
	archive_entry_set_size(e, (la_int64_t)len);
	if (part->stored)
		archive_write_zip_set_compression_store(w);
	else
		archive_write_zip_set_compression_deflate(w);
	if (archive_write_header(w, e) != ARCHIVE_OK ||
	    (len > 0 && archive_write_data(w, data, len) != (la_ssize_t)len)) {
		tim_errorf(err, 0, _("cannot write '%s': %s"), path, archive_error_string(w));
		goto out;
	}
	r = 0;
out:
	xmlFree(mem);
	archive_entry_free(e);
	return r;
}

int
tim_zpkg_write(struct tim_zpkg *p, int out, const char *const *first,
    struct tim_err *err)
{
	struct archive *w = archive_write_new();
	unsigned char *done;
	size_t i, k;
	int r = -1;

	done = calloc(p->n + 1, 1);
	if (w == NULL || done == NULL) {
		free(done);
		if (w)
			archive_write_free(w);
		return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	/*
	 * Level 1: every entry is compressed again, and for the small XML parts
	 * of office documents the faster level costs a few percent in size.
	 */
	if (archive_write_set_format_zip(w) != ARCHIVE_OK ||
	    archive_write_set_format_option(w, "zip", "compression-level", "1") < ARCHIVE_WARN ||
	    archive_write_set_bytes_in_last_block(w, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w, out) != ARCHIVE_OK) {
		tim_errorf(err, 0, _("cannot write '%s': %s"), p->path, archive_error_string(w));
		goto out;
	}
	for (k = 0; first && first[k]; k++)
		for (i = 0; i < p->n; i++)
			if (!done[i] && strcasecmp(p->parts[i].name, first[k]) == 0) {
				if (write_entry(w, &p->parts[i], err, p->path) < 0)
					goto out;
				done[i] = 1;
			}
	for (i = 0; i < p->n; i++)
		if (!done[i] && write_entry(w, &p->parts[i], err, p->path) < 0)
			goto out;
	if (archive_write_close(w) != ARCHIVE_OK) {
		tim_errorf(err, 0, _("cannot write '%s': %s"), p->path, archive_error_string(w));
		goto out;
	}
	r = 0;
out:
	archive_write_free(w);
	free(done);
	return r;
}

xmlNodePtr
tim_xml_fragment(xmlDocPtr doc, const char *nsdecls, const char *frag,
    struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	xmlDocPtr tmp;
	xmlNodePtr n, copy = NULL;

	tim_buf_addf(&b, "<tim-fragment %s>%s</tim-fragment>", nsdecls, frag);
	if (b.failed) {
		tim_buf_release(&b);
		tim_errorf(err, ENOMEM, _("out of memory"));
		return NULL;
	}
	tmp = tim_xml_parse(b.buf, b.len, "tim", err);
	tim_buf_release(&b);
	if (tmp == NULL)
		return NULL;
	for (n = xmlDocGetRootElement(tmp)->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			break;
	/* The copy declares the namespaces it uses on itself. */
	if (n != NULL)
		copy = xmlDocCopyNode(n, doc, 1);
	xmlFreeDoc(tmp);
	if (copy == NULL)
		tim_errorf(err, ENOMEM, _("out of memory"));
	return copy;
}

void
tim_xml_link(xmlNodePtr parent, xmlNodePtr before, xmlNodePtr n)
{
	if (before != NULL)
		xmlAddPrevSibling(before, n);
	else
		xmlAddChild(parent, n);
	xmlDOMWrapReconcileNamespaces(NULL, n, TIM_RECONNS_REMOVEREDUND);
}

int
tim_xml_add_property(xmlNodePtr parent, const char *nsdecls,
    const char *open, const char *value, const char *close,
    struct tim_err *err)
{
	struct tim_buf f = TIM_BUF_INIT;
	xmlNodePtr n;

	tim_buf_adds(&f, open);
	tim_buf_addxml(&f, value);
	tim_buf_adds(&f, close);
	n = f.failed ? NULL : tim_xml_fragment(parent->doc, nsdecls, f.buf, err);
	if (f.failed)
		tim_errorf(err, ENOMEM, _("out of memory"));
	tim_buf_release(&f);
	if (n == NULL)
		return -1;
	tim_xml_link(parent, NULL, n);
	return 0;
}
