/*
 * tim-check's scanning of bytes: label words (in text and in the text of
 * Office and ODF packages) and CMS envelopes. No files are named here;
 * callers pass what they read.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "check.h"
#include "check_impl.h"
#include "policy.h"
#include "util.h"
#include "banned.h"

#define ZIP_PARTS_MAX 4096

int
tim_check_is_sealed(const unsigned char *p, size_t len)
{
	static const unsigned char enveloped[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
	    0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03 };	/* 1.2.840.113549.1.7.3 */
	static const unsigned char auth[] = { 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86,
	    0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17 };	/* 1.2.840.113549.1.9.16.1.23 */
	static const char *const pem[] = { "-----BEGIN CMS-----", "-----BEGIN PKCS7-----" };
	size_t off, i, n;

	/* Each marker whole: a file shorter than a marker does not carry it. */
	for (i = 0; i < 2; i++) {
		n = strlen(pem[i]);
		if (len >= n && memcmp(p, pem[i], n) == 0)
			return 1;
	}
	/* ContentInfo ::= SEQUENCE { contentType OID, [0] EXPLICIT content } */
	if (len < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80 || p[1] == 0x80)
		off = 2;
	else if (p[1] >= 0x81 && p[1] <= 0x84)
		off = 2 + (size_t)(p[1] & 0x7f);
	else
		return 0;
	if (len >= off + sizeof(enveloped) && memcmp(p + off, enveloped, sizeof(enveloped)) == 0)
		return 1;
	return len >= off + sizeof(auth) && memcmp(p + off, auth, sizeof(auth)) == 0;
}

ssize_t
tim_check_read_head(int fd, struct tim_check_scratch *sc, size_t max)
{
	if (sc->alloc < max) {
		unsigned char *nb = realloc(sc->buf, max);

		if (nb == NULL)
			return -1;
		sc->buf = nb;
		sc->alloc = max;
	}
	return tim_pread_upto(fd, sc->buf, max, 0);
}

void
tim_check_scratch_release(struct tim_check_scratch *sc)
{
	free(sc->buf);
	tim_buf_release(&sc->text);
	tim_buf_release(&sc->full);
	tim_buf_release(&sc->zdir);
	tim_buf_release(&sc->probe);
	tim_buf_release(&sc->fdir);
	if (sc->have_dirfd)
		close(sc->dirfd);
	free(sc->zdir_in);
	free(sc->zin);
	memset(sc, 0, sizeof(*sc));
}

/*
 * The label words, prepared once: words that end in the same byte (社外秘,
 * 極秘, 部外秘 all end in 0x98) are found in one memchr pass over it, and
 * the byte before it is checked inline before a full compare.
 */
void
tim_check_words_init(struct tim_check_words *ws, const struct tim_globs *words)
{
	size_t i, g;

	memset(ws, 0, sizeof(*ws));
	for (i = 0; i < words->n && ws->n < TIM_CHECK_WORDS_MAX; i++) {
		size_t wl = strlen(words->pat[i]);
		unsigned char last, prev;

		if (wl == 0)
			continue;
		ws->w[ws->n] = words->pat[i];
		ws->len[ws->n++] = wl;
		last = (unsigned char)words->pat[i][wl - 1];
		for (g = 0; g < ws->ngroups && ws->group[g] != last; g++)
			;
		if (g == ws->ngroups)
			ws->group[ws->ngroups++] = last;
		if (wl == 1)
			memset(ws->before[g], 0xff, sizeof(ws->before[g]));
		else {
			prev = (unsigned char)words->pat[i][wl - 2];
			ws->before[g][prev >> 3] |= (unsigned char)(1u << (prev & 7));
		}
		if (wl < 3)
			memset(ws->before2[g], 0xff, sizeof(ws->before2[g]));
		else {
			prev = (unsigned char)words->pat[i][wl - 3];
			ws->before2[g][prev >> 3] |= (unsigned char)(1u << (prev & 7));
		}
	}
}

/* The first word (in their order) that ends at q, group g; NULL when none. */
static const char *
word_at(const struct tim_check_words *ws, size_t g, const unsigned char *p,
    const unsigned char *q)
{
	unsigned char last = ws->group[g];
	size_t k;

	if (q > p && !(ws->before[g][q[-1] >> 3] & (1u << (q[-1] & 7))))
		return NULL;
	/* 様 and 秘 share their last two bytes, and text is full of 仕様. */
	if (q > p + 1 && !(ws->before2[g][q[-2] >> 3] & (1u << (q[-2] & 7))))
		return NULL;
	for (k = 0; k < ws->n; k++) {
		size_t wl = ws->len[k];

		/* The two bytes before the last inline, before memcmp. */
		if ((unsigned char)ws->w[k][wl - 1] == last && (size_t)(q - p) + 1 >= wl &&
		    (wl < 2 || q[-1] == (unsigned char)ws->w[k][wl - 2]) &&
		    (wl < 3 || q[-2] == (unsigned char)ws->w[k][wl - 3]) &&
		    memcmp(q + 1 - wl, ws->w[k], wl - 1) == 0)
			return ws->w[k];
	}
	return NULL;
}

/* The word that ends first in p, and its offset into *at. */
const char *
tim_check_words_find(const struct tim_check_words *ws, const unsigned char *p,
    size_t len, size_t *at)
{
	const char *best = NULL;
	size_t g, end = len;

	for (g = 0; g < ws->ngroups; g++) {
		unsigned char last = ws->group[g];
		const unsigned char *q;

		/* Only a hit ending before the best so far can be earlier. */
		for (q = p; q < p + end && (q = memchr(q, last, (size_t)(p + end - q))) != NULL; q++) {
			const char *hit = word_at(ws, g, p, q);

			if (hit) {
				best = hit;
				end = (size_t)(q - p);
				*at = end + 1 - strlen(hit);
				break;
			}
		}
	}
	return best;
}

unsigned long
tim_check_line_of(const unsigned char *p, size_t at)
{
	unsigned long line = 1;
	const unsigned char *q = p, *end = p + at;

	while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		line++;
		q++;
	}
	return line;
}

/*
 * name against a pattern with at most one '*' that stays within a name, as
 * fnmatch(pat, name, FNM_PATHNAME) says for these patterns, without its
 * conversion of both to wide characters for every entry of every package.
 */
static int
part_match(const char *pat, const char *name)
{
	const char *star = strchr(pat, '*');
	size_t pl, sl, nl = strlen(name);

	if (star == NULL)
		return strcmp(pat, name) == 0;
	pl = (size_t)(star - pat);
	sl = strlen(star + 1);
	return nl >= pl + sl && memcmp(name, pat, pl) == 0 &&
	    memcmp(name + nl - sl, star + 1, sl) == 0 &&
	    memchr(name + pl, '/', nl - pl - sl) == NULL;
}

/* The parts of an Office or ODF package that hold what people read. */
static int
text_part(const char *name)
{
	static const char *pats[] = { "word/document.xml", "word/header*.xml",
	    "word/footer*.xml", "word/footnotes.xml", "word/endnotes.xml",
	    "word/comments.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet*.xml",
	    "ppt/slides/slide*.xml", "ppt/notesSlides/notesSlide*.xml",
	    "docProps/core.xml", "docProps/app.xml", "content.xml", "styles.xml",
	    "meta.xml" };
	size_t i;

	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		if (part_match(pats[i], name))
			return 1;
	return 0;
}

/*
 * The text of a document package without its markup, at most max bytes:
 * a word split over runs (<w:t>社外</w:t><w:t>秘</w:t>) is found again.
 */
int
tim_check_package_text(int fd, size_t max, struct tim_buf *out)
{
	struct archive *a;
	struct archive_entry *ae;
	char chunk[16384];
	int r = 0, parts = 0, in_tag = 0;

	tim_buf_reset(out);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	a = archive_read_new();
	if (a == NULL)
		return -1;
	archive_read_support_format_zip(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		archive_read_free(a);
		return -1;
	}
	while (out->len < max && parts++ < ZIP_PARTS_MAX &&
	    (r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ae);
		la_ssize_t n;

		if (name == NULL || !text_part(name))
			continue;
		in_tag = 0;
		while (out->len < max && (n = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
			const char *q = chunk, *end = chunk + n, *stop;

			/* The runs between tags, each added at once. */
			while (q < end) {
				if (in_tag) {
					stop = memchr(q, '>', (size_t)(end - q));
					if (stop == NULL)
						break;
					in_tag = 0;
					q = stop + 1;
					continue;
				}
				stop = q;
				while (stop < end && *stop != '<' && *stop != '>')
					stop++;
				tim_buf_add(out, q, (size_t)(stop - q));
				if (stop < end && *stop == '<')
					in_tag = 1;
				q = stop < end ? stop + 1 : end;
			}
			if (out->failed)
				break;
		}
		if (n < 0) {
			r = ARCHIVE_FATAL;
			break;
		}
		tim_buf_addch(out, '\n');
	}
	archive_read_free(a);
	return (r == ARCHIVE_OK || r == ARCHIVE_EOF) && !out->failed ? 0 : -1;
}
