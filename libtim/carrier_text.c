#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "carrier.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "rewrite.h"
#include "util.h"
#include "banned.h"

/*
 * Text files carry the label as their first line, a comment in the file's
 * own syntax, after a UTF-8 BOM, a #! line, an XML declaration or an HTML
 * doctype (which must stay first). Removing takes exactly that line away,
 * so mark then remove gives back the original bytes.
 *
 * Japanese offices keep text in UTF-8 (with or without a BOM), Shift_JIS
 * (Windows' CP932) and EUC-JP. The encoding is told from the bytes (glibc
 * iconv decides what is valid) and the label line is written in the file's
 * own encoding and newline convention. Data files (CSV, TSV) get no line:
 * a label line would be read as a first data row by every import; their
 * name and attributes carry the label, and a label line someone already
 * has there is still read and removed.
 */

#define HEAD_MAX 65536

/*
 * SYN_DXF: a drawing's 999 comment group, "999" on a line and the label on
 * the next, first in the file. SYN_STEP: a Part 21 comment after the
 * ISO-10303-21; line of a STEP file. SYN_IGES: fixed 80-column records,
 * no place for a line.
 */
enum { SYN_PLAIN, SYN_HASH, SYN_SLASH, SYN_DASH, SYN_XML, SYN_PERCENT, SYN_DATA,
	SYN_DXF, SYN_STEP, SYN_IGES };

static const struct {
	const char *open, *close;
} syntax[] = {
	{ "", "" }, { "# ", "" }, { "// ", "" }, { "-- ", "" },
	{ "<!-- ", " -->" }, { "% ", "" }, { "", "" },
	{ "999", "" }, { "/* ", " */" }, { "", "" },
};

/* The encodings told apart; UTF-8 is "" (no conversion). */
#define ENC_CP932 "CP932"
#define ENC_EUCJP "EUC-JP"

static const struct {
	const char *ext;
	int syn;
} exts[] = {
	{ "txt", SYN_PLAIN }, { "text", SYN_PLAIN }, { "csv", SYN_DATA },
	{ "tsv", SYN_DATA }, { "log", SYN_PLAIN },
	{ "md", SYN_XML }, { "markdown", SYN_XML }, { "html", SYN_XML },
	{ "htm", SYN_XML }, { "xml", SYN_XML }, { "svg", SYN_XML },
	{ "sh", SYN_HASH }, { "bash", SYN_HASH }, { "zsh", SYN_HASH },
	{ "py", SYN_HASH }, { "rb", SYN_HASH }, { "pl", SYN_HASH },
	{ "yaml", SYN_HASH }, { "yml", SYN_HASH }, { "conf", SYN_HASH },
	{ "cfg", SYN_HASH }, { "ini", SYN_HASH }, { "toml", SYN_HASH },
	{ "r", SYN_HASH }, { "mk", SYN_HASH }, { "tf", SYN_HASH },
	{ "ps1", SYN_HASH }, { "cmake", SYN_HASH },
	{ "c", SYN_SLASH }, { "h", SYN_SLASH }, { "cc", SYN_SLASH },
	{ "cpp", SYN_SLASH }, { "cxx", SYN_SLASH }, { "hpp", SYN_SLASH },
	{ "hh", SYN_SLASH }, { "java", SYN_SLASH }, { "js", SYN_SLASH },
	{ "mjs", SYN_SLASH }, { "ts", SYN_SLASH }, { "jsx", SYN_SLASH },
	{ "tsx", SYN_SLASH }, { "go", SYN_SLASH }, { "rs", SYN_SLASH },
	{ "cs", SYN_SLASH }, { "swift", SYN_SLASH }, { "kt", SYN_SLASH },
	{ "scala", SYN_SLASH }, { "m", SYN_SLASH }, { "dart", SYN_SLASH },
	{ "sql", SYN_DASH }, { "lua", SYN_DASH }, { "hs", SYN_DASH },
	{ "tex", SYN_PERCENT }, { "sty", SYN_PERCENT },
	{ "dxf", SYN_DXF }, { "step", SYN_STEP }, { "stp", SYN_STEP },
	{ "p21", SYN_STEP }, { "igs", SYN_IGES }, { "iges", SYN_IGES },
};

static const struct {
	const char *name;
	int syn;
} names[] = {
	{ "Makefile", SYN_HASH }, { "GNUmakefile", SYN_HASH },
	{ "Dockerfile", SYN_HASH }, { "CMakeLists.txt", SYN_HASH },
	{ "Containerfile", SYN_HASH }, { "Vagrantfile", SYN_HASH },
};

/* Valid UTF-8 without NUL; a sequence cut by the end of a partial head is fine. */
static int
looks_text(const unsigned char *p, size_t len, int partial)
{
	size_t i = 0, n, k;

	while (i < len) {
		unsigned char c = p[i];

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		else
			return 0;
		if (i + n > len)
			return partial;
		for (k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

/*
 * Converts len bytes from one encoding to another into out; -1 when the
 * bytes are not valid in from (or with partial, end in the middle of a
 * character: then what came before is converted) or cannot be written in to.
 */
static int
convert(const char *from, const char *to, const unsigned char *p, size_t len,
    int partial, struct tim_buf *out)
{
	iconv_t cd = iconv_open(to, from);
	char chunk[4096], *in = (char *)p;
	size_t inl = len;
	int r = 0;

	if (cd == (iconv_t)-1)
		return -1;
	while (inl > 0) {
		char *o = chunk;
		size_t ol = sizeof(chunk), n;

		n = iconv(cd, &in, &inl, &o, &ol);
		if (out != NULL)
			tim_buf_add(out, chunk, (size_t)(o - chunk));
		if (n != (size_t)-1 || errno == E2BIG)
			continue;
		if (!(errno == EINVAL && partial))
			r = -1;
		break;
	}
	iconv_close(cd);
	return r == 0 && (out == NULL || !out->failed) ? 0 : -1;
}

/* Control characters other than tab, newline, CR and form feed: not text. */
static int
has_controls(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' &&
		    p[i] != '\f') || p[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * The legacy Japanese encoding of a head that is not UTF-8: CP932 or
 * EUC-JP, or NULL; *unsure when both read it (too little to tell).
 */
static const char *
legacy_encoding(const unsigned char *p, size_t len, int partial, int *unsure)
{
	int sj, eu;

	*unsure = 0;
	if (has_controls(p, len))
		return NULL;
	sj = convert(ENC_CP932, "UTF-8", p, len, partial, NULL) == 0;
	eu = convert(ENC_EUCJP, "UTF-8", p, len, partial, NULL) == 0;
	if (sj && !eu)
		return ENC_CP932;
	if (eu && !sj)
		return ENC_EUCJP;
	*unsure = sj && eu;
	return NULL;
}

/*
 * A drawing before AutoCAD 2007 (AC1021) keeps its text in the code page
 * of its header: $DWGCODEPAGE ANSI_932 is Shift_JIS (CP932), even while
 * every byte so far is ASCII. Later drawings are UTF-8.
 */
static const char *
dxf_encoding(const unsigned char *head, size_t len)
{
	const unsigned char *v = memmem(head, len, "$ACADVER", 8), *cp;
	size_t left;

	if (v != NULL) {
		left = len - (size_t)(v - head);
		v = memmem(v, left < 64 ? left : 64, "AC10", 4);
		if (v != NULL && (size_t)(v - head) + 6 <= len &&
		    (v[4] - '0') * 10 + (v[5] - '0') >= 21)
			return NULL;
	}
	cp = memmem(head, len, "$DWGCODEPAGE", 12);
	if (cp == NULL)
		return NULL;
	left = len - (size_t)(cp - head);
	return memmem(cp, left < 64 ? left : 64, "ANSI_932", 8) ? ENC_CP932 : NULL;
}

struct layout {
	const char *enc;	/* NULL: UTF-8; else CP932 or EUC-JP */
	int syn;
	size_t pos;		/* where the label line is or goes */
	size_t lab_len;		/* the existing label line with its end, or 0 */
	const char *eol;
	struct tim_label found;
};

static const char *
base_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* The syntax for the file's name, or -1. */
static int
syntax_by_name(const char *path)
{
	const char *base = base_of(path), *dot;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t bl = strlen(base), nl = strlen(names[i].name);

		/* The name may carry a label prefix: compare the end. */
		if (bl >= nl && strcmp(base + bl - nl, names[i].name) == 0)
			return names[i].syn;
	}
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		return -2;	/* no extension */
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot + 1, exts[i].ext) == 0)
			return exts[i].syn;
	return -1;
}

static int
starts(const unsigned char *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && memcmp(p, s, n) == 0;
}

static int plan_head(const struct tim_label_scheme *s, const char *path,
    const struct stat *stp, const unsigned char *head, size_t len,
    struct layout *lay, char *note);

/*
 * Works out the syntax and where the label line goes. -1 with note when
 * the file is not text this module marks, -2 on a read error.
 */
static int
plan(const struct tim_label_scheme *s, int fd, const char *path,
    struct layout *lay, char *note)
{
	unsigned char *head;
	struct stat st;
	ssize_t got;
	size_t len;
	int r;

	memset(lay, 0, sizeof(*lay));
	if (fstat(fd, &st) < 0)
		return -2;
	/* Only as much as the file has, up to the head that is looked at. */
	len = st.st_size < HEAD_MAX ? (size_t)st.st_size : HEAD_MAX;
	head = malloc(len + 1);
	if (head == NULL)
		return -2;
	got = tim_pread_upto(fd, head, len, 0);
	r = got < 0 ? -2 : plan_head(s, path, &st, head, (size_t)got, lay, note);
	free(head);
	if (r == 0 && lay->syn == SYN_DATA && lay->lab_len == 0) {
		snprintf(note, 256, "%s", _("a data file (CSV, TSV), where a label line would become the first data row"));
		return -1;
	}
	return r;
}

static int
plan_head(const struct tim_label_scheme *s, const char *path,
    const struct stat *stp, const unsigned char *head, size_t len,
    struct layout *lay, char *note)
{
	const struct stat st = *stp;
	const unsigned char *nl;
	size_t pos = 0, end;
	int syn;

	if (starts(head, len, "\xff\xfe") || starts(head, len, "\xfe\xff")) {
		snprintf(note, 256, "%s", _("UTF-16 text, which tim does not write into"));
		return -1;
	}
	if (!looks_text(head, len, (off_t)len < st.st_size)) {
		int unsure;

		lay->enc = legacy_encoding(head, len, (off_t)len < st.st_size, &unsure);
		if (lay->enc == NULL) {
			snprintf(note, 256, "%s", unsure ?
			    _("Japanese text whose encoding cannot be told (Shift_JIS or EUC-JP)") :
			    _("this kind of file has no place for a label inside"));
			return -1;
		}
	}
	if (strcmp(base_of(path), TIM_FOLDER_FILE) == 0) {
		snprintf(note, 256, "%s", _("the label file of a folder"));
		return -1;
	}
	if (starts(head, len, "\xef\xbb\xbf"))
		pos = 3;
	syn = syntax_by_name(path);
	if (syn == SYN_DXF && lay->enc == NULL)
		lay->enc = dxf_encoding(head, len);
	if (syn == -2) {
		/* No extension: a script by its #! line, else plain text. */
		syn = starts(head + pos, len - pos, "#!") ? SYN_HASH : SYN_PLAIN;
	} else if (syn < 0) {
		snprintf(note, 256, "%s", _("a text type without a known comment syntax"));
		return -1;
	} else if (syn == SYN_IGES) {
		snprintf(note, 256, "%s", _("an IGES file, whose fixed 80-column records have no place for a label line"));
		return -1;
	} else if (syn == SYN_STEP && !starts(head + pos, len - pos, "ISO-10303-21;")) {
		snprintf(note, 256, "%s", _("a .step file that does not start with ISO-10303-21;"));
		return -1;
	}
	if (syn == SYN_STEP || (syn == SYN_HASH && starts(head + pos, len - pos, "#!")) ||
	    (syn == SYN_XML && (starts(head + pos, len - pos, "<?xml") ||
	    (len - pos >= 9 && strncasecmp((const char *)head + pos, "<!DOCTYPE", 9) == 0)))) {
		nl = memchr(head + pos, '\n', len - pos);
		if (nl == NULL) {
			snprintf(note, 256, "%s", _("its first line does not end"));
			return -1;
		}
		pos = (size_t)(nl - head) + 1;
	}
	nl = memchr(head, '\n', len);
	lay->eol = (nl != NULL && nl > head && nl[-1] == '\r') ? "\r\n" : "\n";
	lay->syn = syn;
	lay->pos = pos;
	/* An existing label line at pos? A drawing's is the line after "999". */
	{
		char open[16];
		size_t skip;

		snprintf(open, sizeof(open), "%s%s", syntax[syn].open, syn == SYN_DXF ? lay->eol : "");
		skip = syn == SYN_DXF && starts(head + pos, len - pos, open) ? strlen(open) : 0;
		nl = memchr(head + pos + skip, '\n', len - pos - skip);
		if (nl == NULL && (off_t)len < st.st_size)
			return 0;
		end = nl ? (size_t)(nl - head) : len;
	{
		size_t e = end, o = strlen(open), c = strlen(syntax[syn].close);

		if (e > pos && head[e - 1] == '\r')
			e--;
		if (e - pos >= o + c && memcmp(head + pos, open, o) == 0 &&
		    memcmp(head + e - c, syntax[syn].close, c) == 0) {
			const unsigned char *t = head + pos + o;
			size_t tl = e - pos - o - c;
			struct tim_buf u = TIM_BUF_INIT;
			int r = 0;

			/* A label line in CP932 or EUC-JP is read in UTF-8. */
			if (lay->enc != NULL) {
				r = convert(lay->enc, "UTF-8", t, tl, 0, &u);
				t = (const unsigned char *)tim_buf_str(&u);
				tl = u.len;
			}
			if (r == 0 && tim_label_parse(s, (const char *)t, tl, &lay->found) == 1)
				lay->lab_len = (nl ? end + 1 : end) - pos;
			tim_buf_release(&u);
		}
	}
	}
	return 0;
}

int
tim_text_detect(int fd, const char *path, char *note)
{
	struct tim_label_scheme s;
	struct layout lay;
	int r;

	tim_label_scheme_default(&s);
	r = plan(&s, fd, path, &lay, note);
	if (r == -2) {
		snprintf(note, 256, "%s", strerror(errno));
		return -1;
	}
	return r;
}

int
tim_text_read(const struct tim_label_scheme *s, int fd, const char *path,
    struct tim_label *out, struct tim_err *err)
{
	struct layout lay;
	char note[256];
	int r;

	tim_label_clear(out);
	r = plan(s, fd, path, &lay, note);
	if (r == -2)
		return tim_errorf(err, errno, _("cannot read '%s'"), path);
	if (r < 0 || lay.lab_len == 0)
		return 0;
	*out = lay.found;
	return 1;
}

int
tim_text_write(const struct tim_label_scheme *s, int fd, const char *path,
    const struct tim_label *l, int out, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	unsigned char head[4096];
	struct layout lay;
	char note[256];
	ssize_t n;
	int r;

	r = plan(s, fd, path, &lay, note);
	if (r == -2)
		return tim_errorf(err, errno, _("cannot read '%s'"), path);
	if (r < 0)
		return tim_errorf(err, 0, "'%s': %s", path, note);
	/* The bytes before the label line: BOM, #! line; at most a 64 KiB head. */
	if (lay.pos > sizeof(head)) {
		if (tim_buf_grow(&b, lay.pos) < 0)
			return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	if (lay.pos > 0) {
		unsigned char *dst = lay.pos > sizeof(head) ? (unsigned char *)b.buf : head;

		n = pread(fd, dst, lay.pos, 0);
		if (n != (ssize_t)lay.pos || tim_write_all(out, dst, lay.pos) < 0) {
			tim_buf_release(&b);
			return tim_errorf(err, errno, _("cannot copy '%s'"), path);
		}
	}
	tim_buf_reset(&b);
	if (l != NULL) {
		tim_buf_adds(&b, syntax[lay.syn].open);
		if (lay.syn == SYN_DXF)
			tim_buf_adds(&b, lay.eol);
		tim_label_format(s, l, &b);
		tim_buf_adds(&b, syntax[lay.syn].close);
		tim_buf_adds(&b, lay.eol);
		if (lay.enc != NULL && !b.failed) {
			/* In the file's own encoding. */
			struct tim_buf c = TIM_BUF_INIT;

			if (convert("UTF-8", lay.enc, (const unsigned char *)b.buf, b.len, 0, &c) < 0) {
				tim_buf_release(&c);
				tim_buf_release(&b);
				return tim_errorf(err, 0, _("'%s' is %s text and its label cannot be written in it"),
				    path, strcmp(lay.enc, ENC_CP932) == 0 ? "Shift_JIS (CP932)" : lay.enc);
			}
			tim_buf_release(&b);
			b = c;
		}
		if (b.failed || tim_write_all(out, b.buf, b.len) < 0) {
			tim_buf_release(&b);
			return tim_errorf(err, errno, _("cannot write the label of '%s'"), path);
		}
	}
	tim_buf_release(&b);
	if (lseek(fd, (off_t)(lay.pos + lay.lab_len), SEEK_SET) < 0 ||
	    tim_copy_fd(fd, out, -1, err) < 0) {
		tim_err_prefix(err, _("copying '%s'"), path);
		return -1;
	}
	return 0;
}
