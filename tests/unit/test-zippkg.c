/*
 * libtim zippkg.c: changed parts deflated by tim come out byte for byte as
 * libzip writes them itself (level, flag bits, version, stored when deflate
 * does not shrink, large parts), from a fresh deflate and from the cache.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>
#include <libxml/parser.h>

#include "err.h"
#include "zippkg.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-zippkg-XXXXXX";
static char big[20000];
static const char custom[] =
    "<Properties xmlns=\"urn:p\"><property name=\"tim\">極秘 owner=設計部 極秘 owner=設計部</property></Properties>";

static void
add(zip_t *za, const char *name, const char *data, zip_int32_t method)
{
	zip_source_t *s = zip_source_buffer(za, data, strlen(data), 0);
	zip_int64_t i = zip_file_add(za, name, s, 0);

	zip_set_file_compression(za, (zip_uint64_t)i, method, 0);
	zip_file_set_mtime(za, (zip_uint64_t)i, 1700000000, 0);
}

/* The original: deflated and stored XML, a large part, a tiny one, media. */
static void
make_original(const char *path)
{
	zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, NULL);
	size_t i;

	char line[96];
	size_t k;

	memcpy(big, "<doc>", 5);
	for (i = 5; i + sizeof(line) + 8 < sizeof(big); i += k) {
		k = (size_t)snprintf(line, sizeof(line), "<p n=\"%zu\">本文 text %zx</p>\n", i,
		    (size_t)(i * 2654435761u));
		memcpy(big + i, line, k);
	}
	memcpy(big + i, "</doc>", 7);
	add(za, "[Content_Types].xml", "<Types xmlns=\"urn:t\"><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>", ZIP_CM_DEFLATE);
	add(za, "word/document.xml", "<w:document xmlns:w=\"urn:w\"><w:body><w:p><w:r><w:t>設計書の本文</w:t></w:r></w:p></w:body></w:document>", ZIP_CM_DEFLATE);
	add(za, "word/stored.xml", "<s><a>stored part, replaced: libzip deflates it at the level asked for</a></s>", ZIP_CM_STORE);
	add(za, "word/big.xml", big, ZIP_CM_DEFLATE);
	add(za, "t.xml", "<t/>", ZIP_CM_DEFLATE);
	add(za, "media/image1.bin", "\x89PNG not really", ZIP_CM_STORE);
	zip_close(za);
}

/* Copies the original, changes every XML part, adds one, writes; the bytes. */
static char *
rewrite(const char *orig, const char *name, size_t *len)
{
	char in[600], out[600];
	struct tim_zpkg p;
	struct tim_err err = { 0 };
	const char *parts[] = { "[Content_Types].xml", "word/document.xml", "word/stored.xml", "word/big.xml", "t.xml" };
	FILE *f;
	char *buf = NULL;
	size_t i, n;
	int fd, ofd;

	snprintf(in, sizeof(in), "%s/%s.in", dir, name);
	snprintf(out, sizeof(out), "%s/%s", dir, name);
	f = fopen(orig, "rb");
	buf = malloc(1 << 20);
	n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	f = fopen(in, "wb");
	fwrite(buf, 1, n, f);
	fclose(f);
	free(buf);
	fd = open(in, O_RDONLY);
	ofd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (tim_zpkg_load(&p, fd, in, NULL, &err) < 0) {
		printf("# load: %s\n", err.msg);
		return NULL;
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		xmlDocPtr d = tim_zpkg_xml(&p, tim_zpkg_find(&p, parts[i]), &err);

		if (d && strcmp(parts[i], "t.xml") != 0)
			xmlNewProp(xmlDocGetRootElement(d), BAD_CAST "tim", BAD_CAST "極秘");
	}
	tim_zpkg_add(&p, "docProps/custom.xml", xmlReadMemory(custom, (int)strlen(custom), "new", NULL, 0), &err);
	if (tim_zpkg_write(&p, ofd, NULL, &err) < 0)
		printf("# write: %s\n", err.msg);
	tim_zpkg_release(&p);
	close(fd);
	close(ofd);
	f = fopen(out, "rb");
	buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* Every entry reads back through libzip, CRC checked. */
static int
reads_back(const char *name)
{
	char path[600], b[65536];
	zip_t *za;
	zip_int64_t i, n, r = 0;
	int good = 1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((za = zip_open(path, ZIP_CHECKCONS | ZIP_RDONLY, NULL)) == NULL)
		return 0;
	n = zip_get_num_entries(za, 0);
	for (i = 0; i < n; i++) {
		zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)i, 0);

		if (zf == NULL) {
			good = 0;
			continue;
		}
		while ((r = zip_fread(zf, b, sizeof(b))) > 0)
			;
		if (r < 0)
			good = 0;
		zip_fclose(zf);
	}
	zip_close(za);
	return good && n == 7;
}

int
main(void)
{
	char orig[600];
	char *ref, *first, *again;
	size_t lref = 0, lfirst = 0, lagain = 0;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(orig, sizeof(orig), "%s/orig.docx", dir);
	make_original(orig);

	tim_zpkg_libzip_deflates = 1;
	ref = rewrite(orig, "libzip.docx", &lref);
	tim_zpkg_libzip_deflates = 0;
	first = rewrite(orig, "tim1.docx", &lfirst);
	again = rewrite(orig, "tim2.docx", &lagain);

	is_str(tim_zpkg_libzip_deflates ? "libzip" : "tim", "tim", "tim deflates by default");
	ok(ref != NULL && lref > 0 && reads_back("libzip.docx"), "libzip's own rewrite reads back");
	ok(first != NULL && reads_back("tim1.docx"), "tim's rewrite reads back, every CRC right");
	is_int(lfirst, lref, "tim's rewrite has libzip's length");
	ok(lfirst == lref && first && ref && memcmp(first, ref, lref) == 0,
	    "parts deflated by tim: the same bytes as libzip writes");
	ok(lagain == lref && again && ref && memcmp(again, ref, lref) == 0,
	    "and again with the new part from the cache");
	free(ref);
	free(first);
	free(again);
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 3;
	}
	return tap_done();
}
