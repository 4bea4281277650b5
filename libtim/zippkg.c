#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>
#include <zlib.h>
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

/*
 * The zip source libzip reads the original from (pread on in) and writes
 * the new package to (out, set when writing): unchanged entries go from
 * one to the other with their compressed bytes.
 */
struct tim_zsrc {
	int in, out;
	off_t size;		/* of the original */
	time_t mtime;
	zip_uint64_t pos, wpos, wsize;
	int began;		/* libzip started writing */
	zip_error_t error;
	/* libzip writes a header field at a time: the writes gather here. */
	unsigned char *wbuf;
	size_t wlen;
	zip_uint64_t woff;	/* where wbuf goes in out */
	/* One deflate stream for the changed parts, reset between them. */
	z_stream zs;
	int zs_ready, zs_level;
};

#define ZSRC_WBUF ((size_t)1 << 20)

static int
zsrc_flush(struct tim_zsrc *z)
{
	size_t done = 0;
	ssize_t n;

	while (done < z->wlen) {
		n = pwrite(z->out, z->wbuf + done, z->wlen - done, (off_t)(z->woff + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			zip_error_set(&z->error, ZIP_ER_WRITE, n < 0 ? errno : ENOSPC);
			return -1;
		}
		done += (size_t)n;
	}
	z->woff += z->wlen;
	z->wlen = 0;
	return 0;
}

/* Writes len bytes at wpos, through the buffer when they fit in it. */
static int
zsrc_write(struct tim_zsrc *z, const void *data, zip_uint64_t len)
{
	zip_uint64_t done;
	ssize_t n;

	if (z->wbuf != NULL && z->wpos >= z->woff && z->wpos <= z->woff + z->wlen &&
	    z->wpos - z->woff + len <= ZSRC_WBUF) {
		memcpy(z->wbuf + (z->wpos - z->woff), data, len);
		if (z->wpos - z->woff + len > z->wlen)
			z->wlen = (size_t)(z->wpos - z->woff + len);
		return 0;
	}
	if (zsrc_flush(z) < 0)
		return -1;
	z->woff = z->wpos;
	if (z->wbuf != NULL && len <= ZSRC_WBUF) {
		memcpy(z->wbuf, data, len);
		z->wlen = (size_t)len;
		return 0;
	}
	z->woff = z->wpos + len;
	for (done = 0; done < len; done += (zip_uint64_t)n) {
		n = pwrite(z->out, (const char *)data + done, len - done, (off_t)(z->wpos + done));
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			zip_error_set(&z->error, ZIP_ER_WRITE, n < 0 ? errno : ENOSPC);
			return -1;
		}
	}
	return 0;
}

static zip_int64_t
zsrc_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct tim_zsrc *z = ud;
	zip_int64_t off;
	ssize_t n;
	struct stat st;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		z->pos = 0;
		return 0;
	case ZIP_SOURCE_READ:
		if (z->pos >= (zip_uint64_t)z->size)
			return 0;
		if (len > (zip_uint64_t)z->size - z->pos)
			len = (zip_uint64_t)z->size - z->pos;
		n = pread(z->in, data, len, (off_t)z->pos);
		if (n < 0) {
			zip_error_set(&z->error, ZIP_ER_READ, errno);
			return -1;
		}
		z->pos += (zip_uint64_t)n;
		return n;
	case ZIP_SOURCE_CLOSE:
		return 0;
	case ZIP_SOURCE_SEEK:
		off = zip_source_seek_compute_offset(z->pos, (zip_uint64_t)z->size, data, len, &z->error);
		if (off < 0)
			return -1;
		z->pos = (zip_uint64_t)off;
		return 0;
	case ZIP_SOURCE_TELL:
		return (zip_int64_t)z->pos;
	case ZIP_SOURCE_STAT: {
		zip_stat_t *zst = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &z->error);

		if (zst == NULL)
			return -1;
		zip_stat_init(zst);
		zst->size = (zip_uint64_t)z->size;
		zst->mtime = z->mtime;
		zst->valid |= ZIP_STAT_SIZE | ZIP_STAT_MTIME;
		return sizeof(*zst);
	}
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&z->error, data, len);
	case ZIP_SOURCE_FREE:
		return 0;
	case ZIP_SOURCE_BEGIN_WRITE:
		/* The temporary file is new; truncated all the same if it is not. */
		if (z->out < 0 || fstat(z->out, &st) < 0 || (st.st_size != 0 && ftruncate(z->out, 0) < 0)) {
			zip_error_set(&z->error, ZIP_ER_WRITE, z->out < 0 ? EBADF : errno);
			return -1;
		}
		z->wpos = z->wsize = z->woff = 0;
		z->wlen = 0;
		z->wbuf = z->wbuf ? z->wbuf : malloc(ZSRC_WBUF);
		z->began = 1;
		return 0;
	case ZIP_SOURCE_WRITE:
		if (zsrc_write(z, data, len) < 0)
			return -1;
		z->wpos += len;
		if (z->wpos > z->wsize)
			z->wsize = z->wpos;
		return (zip_int64_t)len;
	case ZIP_SOURCE_SEEK_WRITE:
		off = zip_source_seek_compute_offset(z->wpos, z->wsize, data, len, &z->error);
		if (off < 0)
			return -1;
		z->wpos = (zip_uint64_t)off;
		return 0;
	case ZIP_SOURCE_TELL_WRITE:
		return (zip_int64_t)z->wpos;
	case ZIP_SOURCE_COMMIT_WRITE:
		return zsrc_flush(z) < 0 ? -1 : 0;
	case ZIP_SOURCE_ROLLBACK_WRITE:
		z->wlen = 0;
		if (z->out >= 0 && ftruncate(z->out, 0) < 0) {
			zip_error_set(&z->error, ZIP_ER_WRITE, errno);
			return -1;
		}
		return 0;
	case ZIP_SOURCE_REMOVE:
		/* libzip removes an archive left empty; tim never leaves one. */
		return 0;
	case ZIP_SOURCE_SUPPORTS:
		return ZIP_SOURCE_SUPPORTS_WRITABLE;
	default:
		zip_error_set(&z->error, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

/* Parts tim reads when the caller did not say: its XML, never the media. */
static int
xmlish(const char *name)
{
	size_t len = strlen(name);

	return strcasecmp(name, "mimetype") == 0 ||
	    (len > 4 && strcasecmp(name + len - 4, ".xml") == 0) ||
	    (len > 5 && strcasecmp(name + len - 5, ".rels") == 0);
}

/*
 * Inflates one entry into part, counting what really comes out. The buffer
 * starts at the size the entry declares (a byte more, so the read that
 * finds the end needs no more room), never above 64 KiB: a small part
 * takes a small block, and a lie only costs a realloc.
 */
static int
read_part(struct tim_zpkg *p, struct tim_zpart *q, off_t packed, struct tim_err *err)
{
	zip_file_t *zf = zip_fopen_index(p->za, (zip_uint64_t)q->index, 0);
	zip_stat_t zs;
	size_t cap = 65536;
	zip_int64_t n;
	int r = -1;

	if (zip_stat_index(p->za, (zip_uint64_t)q->index, 0, &zs) == 0 &&
	    (zs.valid & ZIP_STAT_SIZE) && zs.size < cap)
		cap = (size_t)zs.size + 1;
	if (zf == NULL)
		return tim_errorf(err, 0, _("'%s' is damaged: %s"), p->path, zip_strerror(p->za));
	q->data = malloc(cap + 1);
	if (q->data == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	for (;;) {
		if (q->len == cap) {
			unsigned char *nd;

			if (cap > TIM_ZIP_MAX_TOTAL)
				break;
			nd = realloc(q->data, cap * 2 + 1);
			if (nd == NULL) {
				tim_errorf(err, ENOMEM, _("out of memory"));
				goto out;
			}
			q->data = nd;
			cap *= 2;
		}
		n = zip_fread(zf, q->data + q->len, cap - q->len);
		if (n < 0) {
			tim_errorf(err, 0, _("'%s' is damaged: %s"), p->path, zip_file_strerror(zf));
			goto out;
		}
		if (n == 0)
			break;
		q->len += (size_t)n;
		p->total += (size_t)n;
		if (p->total > TIM_ZIP_MAX_TOTAL ||
		    (p->total > ((size_t)16 << 20) &&
		    p->total / ((size_t)packed + 1) > TIM_ZIP_MAX_RATIO)) {
			tim_errorf(err, 0, _("'%s' unpacks to too much data (a zip bomb?); refusing it"), p->path);
			goto out;
		}
	}
	r = 0;
out:
	zip_fclose(zf);
	return r;
}

int
tim_zpkg_load(struct tim_zpkg *p, int fd, const char *path,
    const char *const *want_data, struct tim_err *err)
{
	zip_source_t *src;
	zip_error_t zerr;
	zip_int64_t count, i;
	zip_uint64_t declared = 0;
	struct stat st;
	size_t k;

	memset(p, 0, sizeof(*p));
	p->path = path;
	if (fstat(fd, &st) < 0)
		return tim_errorf(err, errno, _("cannot read '%s'"), path);
	p->src = calloc(1, sizeof(*p->src));
	if (p->src == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	p->src->in = fd;
	p->src->out = -1;
	p->src->size = st.st_size;
	p->src->mtime = st.st_mtime;
	zip_error_init(&p->src->error);
	zip_error_init(&zerr);
	src = zip_source_function_create(zsrc_cb, p->src, &zerr);
	if (src == NULL || (p->za = zip_open_from_source(src, 0, &zerr)) == NULL) {
		tim_errorf(err, 0, _("'%s' is damaged: %s"), path, zip_error_strerror(&zerr));
		if (src)
			zip_source_free(src);
		zip_error_fini(&zerr);
		tim_zpkg_release(p);
		return -1;
	}
	zip_error_fini(&zerr);
	count = zip_get_num_entries(p->za, 0);
	if (count > TIM_ZIP_MAX_ENTRIES) {
		tim_errorf(err, 0, _("'%s' has more than %d entries; refusing it"), path, TIM_ZIP_MAX_ENTRIES);
		goto fail;
	}
	if ((p->gone = calloc((size_t)count + 1, sizeof(*p->gone))) == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto fail;
	}
	for (i = 0; i < count; i++) {
		struct tim_zpart part;
		zip_stat_t zs;
		const char *name = zip_get_name(p->za, (zip_uint64_t)i, ZIP_FL_ENC_GUESS);

		if (name == NULL || !name_ok(name)) {
			tim_errorf(err, 0, _("'%s' holds an entry with an unsafe name; refusing it"), path);
			goto fail;
		}
		if (zip_stat_index(p->za, (zip_uint64_t)i, 0, &zs) < 0) {
			tim_errorf(err, 0, _("'%s' is damaged: %s"), path, zip_strerror(p->za));
			goto fail;
		}
		if ((zs.valid & ZIP_STAT_ENCRYPTION_METHOD) && zs.encryption_method != ZIP_EM_NONE) {
			tim_errorf(err, 0, _("'%s' is encrypted; refusing it"), path);
			goto fail;
		}
		for (k = 0; k < p->n; k++)
			if (strcasecmp(p->parts[k].name, name) == 0) {
				tim_errorf(err, 0, _("'%s' is damaged: entry '%s' twice"), path, name);
				goto fail;
			}
		/* What the headers claim is bounded too, before anything is inflated. */
		declared += (zs.valid & ZIP_STAT_SIZE) ? zs.size : 0;
		if (declared > TIM_ZIP_MAX_TOTAL ||
		    (declared > ((zip_uint64_t)16 << 20) &&
		    declared / ((zip_uint64_t)st.st_size + 1) > TIM_ZIP_MAX_RATIO)) {
			tim_errorf(err, 0, _("'%s' unpacks to too much data (a zip bomb?); refusing it"), path);
			goto fail;
		}
		memset(&part, 0, sizeof(part));
		part.name = strdup(name);
		part.index = i;
		part.comp_method = (zs.valid & ZIP_STAT_COMP_METHOD) ? zs.comp_method : -1;
		part.mtime = (zs.valid & ZIP_STAT_MTIME) ? zs.mtime : 0;
		part.is_dir = name[strlen(name) - 1] == '/';
		if (part.name == NULL || add_part(p, &part) < 0) {
			free(part.name);
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto fail;
		}
		if (part.is_dir || (want_data ? !wanted(want_data, name) : !xmlish(name)))
			continue;
		if (read_part(p, &p->parts[p->n - 1], st.st_size, err) < 0)
			goto fail;
	}
	return 0;
fail:
	tim_zpkg_release(p);
	return -1;
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
	if (p->za)
		zip_discard(p->za);
	p->za = NULL;
	if (p->src) {
		if (p->src->zs_ready)
			deflateEnd(&p->src->zs);
		zip_error_fini(&p->src->error);
		free(p->src->wbuf);
	}
	free(p->src);
	p->src = NULL;
	free(p->gone);
	p->gone = NULL;
	p->ngone = 0;
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
	part.index = -1;
	part.comp_method = -1;
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
	/* gone has room for every entry of the original (tim_zpkg_load). */
	if (part->index >= 0 && p->gone != NULL)
		p->gone[p->ngone++] = part->index;
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

/*
 * The old way, for a package whose first entries are out of place: every
 * entry inflated and written again through libarchive, in order.
 */
static int
write_archive(struct tim_zpkg *p, int out, const char *const *first,
    struct tim_err *err)
{
	struct archive *w;
	unsigned char *done;
	size_t i, k;
	int r = -1;

	for (i = 0; i < p->n; i++)
		if (!p->parts[i].is_dir && !p->parts[i].doc && !p->parts[i].data &&
		    p->parts[i].index >= 0 && read_part(p, &p->parts[i], p->src->size, err) < 0)
			return -1;
	if (lseek(out, 0, SEEK_SET) < 0 || ftruncate(out, 0) < 0)
		return tim_errorf(err, errno, _("cannot write '%s'"), p->path);
	w = archive_write_new();
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

/*
 * A changed part deflated by tim, handed to libzip as compressed data so it
 * copies the bytes (as it copies unchanged entries) instead of opening a
 * deflate stream of its own per part: libzip's stream (level 6, raw, 15-bit
 * window, memory level 9) allocates and clears some 400 KB each time, more
 * than deflating a small XML part costs. The bytes and headers are the ones
 * libzip writes itself: the same zlib, parameters and attributes.
 */
struct tim_zpre {
	unsigned char *data;	/* deflated */
	zip_uint64_t clen, len, pos;
	uLong crc;
	int level;
	zip_error_t error;
};

/* What libzip's deflate layer reports: version 2.0 and the level's bits. */
#define ZPRE_VERSION_NEEDED 20
#define ZPRE_GPBF_MASK 0x0836	/* libzip's ..._GENERAL_PURPOSE_BIT_FLAGS_ALLOWED_MASK */
#define ZPRE_LEVEL 6
#define ZPRE_MEMLEVEL 9		/* libzip's MAX_MEM_LEVEL */

/*
 * The level libzip (1.7) deflates a part at: ZPRE_LEVEL asked for, but for
 * an entry that was deflated already the request equals the entry's method,
 * libzip forgets the level and uses 0, which its deflate takes as 9.
 */
static int
zpre_level(const struct tim_zpart *part)
{
	return part->index >= 0 && part->comp_method == ZIP_CM_DEFLATE ? Z_BEST_COMPRESSION : ZPRE_LEVEL;
}

static zip_int64_t
zpre_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct tim_zpre *z = ud;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		z->pos = 0;
		return 0;
	case ZIP_SOURCE_READ:
		if (len > z->clen - z->pos)
			len = z->clen - z->pos;
		memcpy(data, z->data + z->pos, (size_t)len);
		z->pos += len;
		return (zip_int64_t)len;
	case ZIP_SOURCE_CLOSE:
		return 0;
	case ZIP_SOURCE_STAT: {
		zip_stat_t *st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &z->error);

		if (st == NULL)
			return -1;
		zip_stat_init(st);
		st->size = z->len;
		st->comp_size = z->clen;
		st->comp_method = ZIP_CM_DEFLATE;
		st->crc = (zip_uint32_t)z->crc;
		st->encryption_method = ZIP_EM_NONE;
		st->valid |= ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD |
		    ZIP_STAT_CRC | ZIP_STAT_ENCRYPTION_METHOD;
		return sizeof(*st);
	}
	case ZIP_SOURCE_GET_FILE_ATTRIBUTES: {
		zip_file_attributes_t *a = ZIP_SOURCE_GET_ARGS(zip_file_attributes_t, data, len, &z->error);

		if (a == NULL)
			return -1;
		a->valid |= ZIP_FILE_ATTRIBUTES_VERSION_NEEDED | ZIP_FILE_ATTRIBUTES_GENERAL_PURPOSE_BIT_FLAGS;
		a->version_needed = ZPRE_VERSION_NEEDED;
		a->general_purpose_bit_mask = ZPRE_GPBF_MASK;
		a->general_purpose_bit_flags = z->level < 3 ? 2 << 1 : z->level > 7 ? 1 << 1 : 0;
		return sizeof(*a);
	}
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&z->error, data, len);
	case ZIP_SOURCE_FREE:
		free(z->data);
		zip_error_fini(&z->error);
		free(z);
		return 0;
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ,
		    ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
		    ZIP_SOURCE_GET_FILE_ATTRIBUTES, -1);
	default:
		zip_error_set(&z->error, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

/*
 * Parts tim makes itself (its header, footer, styles, properties) come out
 * the same for every file given the same label: deflated once per batch.
 * Building a block's Huffman trees costs more than anything else in a small
 * part, and deflate gives the same bytes for the same input and level.
 * Parts a file already had are always deflated.
 */
#define ZPRE_SLOTS 16
#define ZPRE_MAX 8192
static struct {
	unsigned char *in, *out;
	size_t len, clen;
	uLong crc;
	int level;
} zpre_cache[ZPRE_SLOTS];
static size_t zpre_next;
static pthread_mutex_t zpre_lock = PTHREAD_MUTEX_INITIALIZER;

/* Fills z from the cache; 0 when the input was not seen. */
static int
zpre_cached(struct tim_zpre *z, const void *data, size_t len, int level)
{
	size_t i;
	int hit = 0;

	pthread_mutex_lock(&zpre_lock);
	for (i = 0; i < ZPRE_SLOTS && !hit; i++)
		if (zpre_cache[i].in != NULL && zpre_cache[i].len == len &&
		    zpre_cache[i].level == level && memcmp(zpre_cache[i].in, data, len) == 0 &&
		    (z->data = malloc(zpre_cache[i].clen)) != NULL) {
			memcpy(z->data, zpre_cache[i].out, zpre_cache[i].clen);
			z->clen = zpre_cache[i].clen;
			z->crc = zpre_cache[i].crc;
			hit = 1;
		}
	pthread_mutex_unlock(&zpre_lock);
	return hit;
}

static void
zpre_keep(const struct tim_zpre *z, const void *data)
{
	unsigned char *in = malloc(z->len), *out = malloc(z->clen);
	size_t i;

	if (in == NULL || out == NULL) {
		free(in);
		free(out);
		return;
	}
	memcpy(in, data, z->len);
	memcpy(out, z->data, z->clen);
	pthread_mutex_lock(&zpre_lock);
	i = zpre_next++ % ZPRE_SLOTS;
	free(zpre_cache[i].in);
	free(zpre_cache[i].out);
	zpre_cache[i].in = in;
	zpre_cache[i].out = out;
	zpre_cache[i].len = z->len;
	zpre_cache[i].clen = z->clen;
	zpre_cache[i].crc = z->crc;
	zpre_cache[i].level = z->level;
	pthread_mutex_unlock(&zpre_lock);
}

/*
 * Deflates data as libzip would into a source of compressed bytes; NULL
 * when libzip must do it itself: a part deflate does not shrink (libzip
 * then stores it), one larger than libzip's buffer (it feeds deflate a
 * buffer at a time), or any failure here.
 */
static zip_source_t *
zpre_source(struct tim_zsrc *s, int level, int cache, const void *data, size_t len)
{
	struct tim_zpre *z;
	zip_source_t *src;
	zip_error_t zerr;
	uLong bound;

	if (len == 0 || len > ZPRE_MAX)
		return NULL;
	if ((z = calloc(1, sizeof(*z))) == NULL)
		return NULL;
	z->len = len;
	z->level = level;
	if (cache && zpre_cached(z, data, len, level))
		goto made;
	if (!s->zs_ready) {
		memset(&s->zs, 0, sizeof(s->zs));
		if (deflateInit2(&s->zs, level, Z_DEFLATED, -MAX_WBITS, ZPRE_MEMLEVEL,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			goto fail;
		s->zs_ready = 1;
		s->zs_level = level;
	} else if (deflateReset(&s->zs) != Z_OK)
		goto fail;
	/* Right after a reset, a new level takes effect with no output. */
	if (s->zs_level != level) {
		if (deflateParams(&s->zs, level, Z_DEFAULT_STRATEGY) != Z_OK)
			goto fail;
		s->zs_level = level;
	}
	bound = deflateBound(&s->zs, (uLong)len);
	if ((z->data = malloc(bound)) == NULL)
		goto fail;
	s->zs.next_in = (Bytef *)(uintptr_t)data;
	s->zs.avail_in = (uInt)len;
	s->zs.next_out = z->data;
	s->zs.avail_out = (uInt)bound;
	if (deflate(&s->zs, Z_FINISH) != Z_STREAM_END || s->zs.total_out >= len)
		goto fail;
	z->clen = s->zs.total_out;
	z->crc = crc32(crc32(0L, Z_NULL, 0), data, (uInt)len);
	if (cache)
		zpre_keep(z, data);
made:
	zip_error_init(&z->error);
	zip_error_init(&zerr);
	src = zip_source_function_create(zpre_cb, z, &zerr);
	zip_error_fini(&zerr);
	if (src == NULL) {
		zip_error_fini(&z->error);
		free(z->data);
		free(z);
	}
	return src;
fail:
	free(z->data);
	free(z);
	return NULL;
}

int tim_zpkg_libzip_deflates;

/* One changed or new part into the libzip archive. */
static int
put_part(struct tim_zpkg *p, struct tim_zpart *part, struct tim_err *err)
{
	xmlChar *mem = NULL;
	zip_source_t *zs;
	zip_int64_t idx;
	void *copy;
	int size;

	xmlDocDumpMemoryEnc(part->doc, &mem, &size, "UTF-8");
	if (mem == NULL || size < 0) {
		xmlFree(mem);
		return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	zs = tim_zpkg_libzip_deflates ? NULL :
	    zpre_source(p->src, zpre_level(part), part->index < 0, mem, (size_t)size);
	if (zs != NULL)
		xmlFree(mem);
	else {
		if ((copy = malloc((size_t)size + 1)) == NULL) {
			xmlFree(mem);
			return tim_errorf(err, ENOMEM, _("out of memory"));
		}
		memcpy(copy, mem, (size_t)size);
		xmlFree(mem);
		zs = zip_source_buffer(p->za, copy, (zip_uint64_t)size, 1);
		if (zs == NULL) {
			free(copy);
			return tim_errorf(err, 0, _("cannot write '%s': %s"), p->path, zip_strerror(p->za));
		}
	}
	if (part->index >= 0)
		idx = zip_file_replace(p->za, (zip_uint64_t)part->index, zs, 0) < 0 ? -1 : part->index;
	else
		idx = zip_file_add(p->za, part->name, zs, ZIP_FL_ENC_UTF_8);
	if (idx < 0) {
		zip_source_free(zs);
		return tim_errorf(err, 0, _("cannot write '%s': %s"), p->path, zip_strerror(p->za));
	}
	if (zip_set_file_compression(p->za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, ZPRE_LEVEL) < 0 ||
	    zip_file_set_mtime(p->za, (zip_uint64_t)idx, part->mtime, 0) < 0)
		return tim_errorf(err, 0, _("cannot write '%s': %s"), p->path, zip_strerror(p->za));
	return 0;
}

int
tim_zpkg_write(struct tim_zpkg *p, int out, const char *const *first,
    struct tim_err *err)
{
	size_t i, k;

	if (p->za == NULL)
		return tim_errorf(err, EINVAL, _("cannot write '%s'"), p->path);
	/* The leading entries must already lead: libzip keeps the order. */
	for (k = 0; first && first[k]; k++)
		if (k >= p->n || strcasecmp(p->parts[k].name, first[k]) != 0 ||
		    p->parts[k].index != (long long)k)
			return write_archive(p, out, first, err);
	p->src->out = out;
	for (i = 0; i < p->ngone; i++)
		if (zip_delete(p->za, (zip_uint64_t)p->gone[i]) < 0)
			return tim_errorf(err, 0, _("cannot write '%s': %s"), p->path, zip_strerror(p->za));
	for (i = 0; i < p->n; i++)
		if (p->parts[i].doc && put_part(p, &p->parts[i], err) < 0)
			return -1;
	if (zip_close(p->za) < 0)
		return tim_errorf(err, 0, _("cannot write '%s': %s"), p->path, zip_strerror(p->za));
	p->za = NULL;
	/* Nothing changed: libzip wrote nothing, the copy is the original. */
	if (!p->src->began) {
		char buf[65536];
		off_t off = 0;
		ssize_t n;

		while ((n = pread(p->src->in, buf, sizeof(buf), off)) > 0) {
			if (write(out, buf, (size_t)n) != n)
				return tim_errorf(err, errno, _("cannot write '%s'"), p->path);
			off += n;
		}
		if (n < 0)
			return tim_errorf(err, errno, _("cannot read '%s'"), p->path);
	}
	return 0;
}

/*
 * Fragments parsed before, kept for the next file: a batch marks many files
 * with the same label, and a parse (a parser context, its dictionary, the
 * namespace declarations) costs far more than copying the tree it built.
 * A few slots, taken in turn; the key is the whole text, so a hit is the
 * same tree a parse would give.
 */
#define FRAG_SLOTS 16
#define FRAG_MAX 8192
static struct {
	char *key;		/* nsdecls, NUL, frag */
	size_t len;
	xmlDocPtr doc;
} frag_cache[FRAG_SLOTS];
static size_t frag_next;
static pthread_mutex_t frag_lock = PTHREAD_MUTEX_INITIALIZER;

/* Copies the cached fragment's first element into doc; 0 when not cached. */
static int
frag_cached(xmlDocPtr doc, const struct tim_buf *key, xmlNodePtr *copy)
{
	xmlNodePtr n;
	size_t i;
	int hit = 0;

	pthread_mutex_lock(&frag_lock);
	for (i = 0; i < FRAG_SLOTS; i++)
		if (frag_cache[i].doc != NULL && frag_cache[i].len == key->len &&
		    memcmp(frag_cache[i].key, key->buf, key->len) == 0) {
			for (n = xmlDocGetRootElement(frag_cache[i].doc)->children; n; n = n->next)
				if (n->type == XML_ELEMENT_NODE)
					break;
			*copy = n ? xmlDocCopyNode(n, doc, 1) : NULL;
			hit = 1;
			break;
		}
	pthread_mutex_unlock(&frag_lock);
	return hit;
}

/* Keeps tmp for later; returns 1 when the cache took it. */
static int
frag_keep(const struct tim_buf *key, xmlDocPtr tmp)
{
	char *k;
	size_t i;

	if (key->len > FRAG_MAX || (k = malloc(key->len)) == NULL)
		return 0;
	memcpy(k, key->buf, key->len);
	pthread_mutex_lock(&frag_lock);
	i = frag_next++ % FRAG_SLOTS;
	free(frag_cache[i].key);
	if (frag_cache[i].doc)
		xmlFreeDoc(frag_cache[i].doc);
	frag_cache[i].key = k;
	frag_cache[i].len = key->len;
	frag_cache[i].doc = tmp;
	pthread_mutex_unlock(&frag_lock);
	return 1;
}

xmlNodePtr
tim_xml_fragment(xmlDocPtr doc, const char *nsdecls, const char *frag,
    struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT, key = TIM_BUF_INIT;
	xmlDocPtr tmp;
	xmlNodePtr n, copy = NULL;

	tim_buf_adds(&key, nsdecls);
	tim_buf_add(&key, "", 1);
	tim_buf_adds(&key, frag);
	if (!key.failed && frag_cached(doc, &key, &copy)) {
		tim_buf_release(&key);
		if (copy == NULL)
			tim_errorf(err, ENOMEM, _("out of memory"));
		return copy;
	}
	tim_buf_addf(&b, "<tim-fragment %s>%s</tim-fragment>", nsdecls, frag);
	if (b.failed) {
		tim_buf_release(&b);
		tim_buf_release(&key);
		tim_errorf(err, ENOMEM, _("out of memory"));
		return NULL;
	}
	tmp = tim_xml_parse(b.buf, b.len, "tim", err);
	tim_buf_release(&b);
	if (tmp == NULL) {
		tim_buf_release(&key);
		return NULL;
	}
	for (n = xmlDocGetRootElement(tmp)->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			break;
	/* The copy declares the namespaces it uses on itself. */
	if (n != NULL)
		copy = xmlDocCopyNode(n, doc, 1);
	if (key.failed || n == NULL || !frag_keep(&key, tmp))
		xmlFreeDoc(tmp);
	tim_buf_release(&key);
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
