/*
 * tim-check's rules over one file: what each label carrier says, the zones
 * the file lies in, and the findings the policy's rules make of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "buf.h"
#include "carrier.h"
#include "check.h"
#include "check_impl.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "policy.h"
#include "report.h"
#include "banned.h"

#define LEVEL_HEAD 65536	/* the text carrier's label line lies in here */
#define TOP_LINES 3	/* BOM and #!/XML/doctype line, label line, one spare */

/* What the carriers say about one file. */
struct found {
	int carrier;
	char kind[16];
	struct tim_label label;
};

struct labels {
	struct found f[TIM_LABEL_FOUND_MAX];
	size_t n;
};

static void
add_found(struct labels *ls, int carrier, const char *kind,
    const struct tim_label *l)
{
	if (ls->n == TIM_LABEL_FOUND_MAX)
		return;
	ls->f[ls->n].carrier = carrier;
	snprintf(ls->f[ls->n].kind, sizeof(ls->f[ls->n].kind), "%s", kind);
	ls->f[ls->n].label = *l;
	ls->n++;
}

/* The highest level among the carriers in bits, or NULL when none has one. */
static const char *
level_with(const struct tim_label_scheme *s, const struct labels *ls, int bits)
{
	const char *best = NULL;
	size_t i;

	for (i = 0; i < ls->n; i++)
		if ((ls->f[i].carrier & bits) && (best == NULL ||
		    tim_label_compare(s, ls->f[i].label.level, best) > 0))
			best = ls->f[i].label.level;
	return best;
}

static void
file_error(struct tim_check_ctx *c, const char *fmt, const char *rel, const char *why)
{
	struct tim_buf shown = TIM_BUF_INIT, msg = TIM_BUF_INIT;

	tim_path_display(&shown, rel);
	tim_buf_addf(&msg, fmt, tim_buf_str(&shown), why);
	tim_check_run_error(c->run, &c->lock, tim_buf_str(&msg));
	tim_buf_release(&shown);
	tim_buf_release(&msg);
}

/* The xattr carrier, asked only when the file has a user.tim.* attribute. */
static int
read_xattr(struct tim_check_ctx *c, const char *full, int fd, struct labels *ls)
{
	struct tim_label l;
	struct tim_err err;
	char list[4096];
	ssize_t n;
	int r;

	/* One listxattr on the open file instead of five lookups by name. */
	n = flistxattr(fd, list, sizeof(list));
	if (n < 0 && errno == ERANGE)
		n = 1, memcpy(list, "user.tim.", 10);
	if (n <= 0 || memmem(list, (size_t)n, "user.tim.", 9) == NULL)
		return 0;
	tim_err_clear(&err);
	r = tim_carrier_xattr_read(full, &l, &err);
	/* A damaged attribute: the file is judged by the carriers that can be read. */
	(void)c;
	if (r == 1)
		add_found(ls, TIM_CARRIER_XATTR, "xattr", &l);
	return 0;
}

/*
 * A text label is a comment line at the top, after at most a BOM and one
 * #!, XML or doctype line, and it holds its level: text without a level
 * word in its first lines carries no content label, and the carrier need
 * not be asked.
 */
/* Valid UTF-8 (a sequence cut at the end counts as valid). */
static int
utf8_valid(const unsigned char *p, size_t len)
{
	size_t i = 0, n, k;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		/* The common case first: a whole three-byte sequence (kana, kanji). */
		if (p[i] >= 0xe0 && p[i] <= 0xef && i + 2 < len) {
			if ((p[i + 1] & 0xc0) != 0x80 || (p[i + 2] & 0xc0) != 0x80)
				return 0;
			i += 3;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			n = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			n = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			n = 4;
		else
			return 0;
		for (k = 1; k < n && i + k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

static int
may_have_text_label(struct tim_check_ctx *c, const unsigned char *head, size_t hlen)
{
	const unsigned char *nl = head;
	size_t i, top = 0, at;

	for (i = 0; i < TOP_LINES && nl; i++) {
		nl = memchr(head + top, '\n', hlen - top);
		top = nl ? (size_t)(nl - head) + 1 : hlen;
	}
	/* An e-mail's label field is an encoded word, first in its header. */
	if (memmem(head, top, "X-TIM-Label:", 12) != NULL)
		return 1;
	/* Shift_JIS or EUC-JP at the top: the carrier reads it in its encoding. */
	for (i = 0; i < top; i++)
		if (head[i] >= 0x80)
			return !utf8_valid(head, top) || tim_check_words_find(&c->levels, head, top, &at) != NULL;
	return tim_check_words_find(&c->levels, head, top, &at) != NULL;
}

/* The content carrier of the file's type, into *ctype. */
static int
read_content(struct tim_check_ctx *c, const char *full, int fd,
    struct labels *ls, int *ctype)
{
	struct tim_label l;
	struct tim_err err;
	char note[256];
	int r;

	tim_err_clear(&err);
	r = tim_content_detect(fd, full, ctype, note, &err);
	if (r >= 0)
		r = tim_content_read(c->o->scheme, fd, full, *ctype, &l, &err);
	/*
	 * An encrypted or damaged document: its content carrier cannot be
	 * read, and the file is judged by the carriers that can (name, xattr,
	 * folder), as tim-mark --show does. It must not hide them.
	 */
	if (r < 0)
		return 0;
	if (r == 1)
		add_found(ls, TIM_CARRIER_CONTENT, tim_content_name(*ctype), &l);
	return 0;
}

/* Reads what every carrier says; -1 after reporting a failure. */
static int
read_labels(struct tim_check_ctx *c, const struct tim_check_entry *e,
    const char *full, int fd, const unsigned char *head, size_t hlen,
    int is_text, struct labels *ls, int *ctype)
{
	struct tim_label l;

	ls->n = 0;
	*ctype = is_text ? TIM_CONTENT_TEXT : TIM_CONTENT_OTHER;
	if (tim_carrier_name_read(c->o->scheme, full, &l) == 1)
		add_found(ls, TIM_CARRIER_NAME, "name", &l);
	if (read_xattr(c, full, fd, ls) < 0)
		return -1;
	if ((!is_text || may_have_text_label(c, head, hlen)) &&
	    read_content(c, full, fd, ls, ctype) < 0)
		return -1;
	if (e->folder >= 0)
		add_found(ls, c->w->folders[e->folder].carrier,
		    c->w->folders[e->folder].carrier == TIM_CARRIER_FOLDER ? "folder" : "folder-name",
		    &c->w->folders[e->folder].label);
	return 0;
}

static void
check_disagree(struct tim_check_ctx *c, const struct tim_check_entry *e, const struct labels *ls)
{
	struct tim_buf key = TIM_BUF_INIT, msg = TIM_BUF_INIT;
	size_t i, k;
	int differ = 0;

	for (i = 0; i < ls->n; i++)
		for (k = 0; k < i; k++)
			if (!(ls->f[i].carrier & (TIM_CARRIER_FOLDER | TIM_CARRIER_FOLDER_NAME)) &&
			    !(ls->f[k].carrier & (TIM_CARRIER_FOLDER | TIM_CARRIER_FOLDER_NAME)) &&
			    !tim_label_agree(&ls->f[i].label, &ls->f[k].label))
				differ = 1;
	if (!differ)
		return;
	for (i = 0; i < ls->n; i++) {
		if (ls->f[i].carrier & (TIM_CARRIER_FOLDER | TIM_CARRIER_FOLDER_NAME))
			continue;
		tim_buf_addf(&key, "%s%s=%s", key.len ? " " : "", ls->f[i].kind, ls->f[i].label.level);
	}
	tim_report_add(c->rep, TIM_RULE_DISAGREE, e->rel, 0, tim_buf_str(&key),
	    _("carriers disagree: %s"), tim_buf_str(&key));
	tim_buf_release(&key);
	tim_buf_release(&msg);
}

static void
check_word(struct tim_check_ctx *c, const struct tim_check_entry *e, int fd, const unsigned char *head,
    size_t hlen, int is_text, int ctype, struct tim_check_scratch *sc)
{
	const struct tim_check_words *words = &c->words;
	const char *w = NULL;
	size_t at = 0;
	unsigned long line = 0;

	if (is_text) {
		w = tim_check_words_find(words, head, hlen, &at);
		if (w)
			line = tim_check_line_of(head, at);
	} else if (ctype >= TIM_CONTENT_DOCX && ctype <= TIM_CONTENT_ODP) {
		if (tim_check_package_text(fd, c->o->policy->scan_limit, &sc->text) == 0)
			w = tim_check_words_find(words, (const unsigned char *)tim_buf_str(&sc->text),
			    sc->text.len, &at);
	}
	if (w)
		tim_report_add(c->rep, TIM_RULE_LABEL_WORD, e->rel, line, w,
		    _("the content says '%s' but the file is not marked"), w);
}

/* What the zones a file lies in ask of it, together. */
struct zones_at {
	int in_zone;
	int any_bits;		/* carriers any of them reads */
	int controlled;
	int outbound;
	const char *min;	/* the highest min-level */
	const unsigned char *in;	/* per zone: it covers the file */
};

/*
 * Whether folder dir (its length len, no trailing slash) or a folder above
 * it matches one of g's patterns: tim_globs_cover's walk up the path once
 * it is past the file itself.
 */
static int
dir_covered(const struct tim_globs *g, struct tim_buf *probe, const char *dir, size_t len)
{
	size_t i;
	const char *slash;

	tim_buf_reset(probe);
	if (len == 0 || tim_buf_add(probe, dir, len) < 0)
		return 0;
	for (;;) {
		for (i = 0; i < g->n; i++)
			if (tim_glob_match(g->pat[i], probe->buf, 1))
				return 1;
		slash = strrchr(probe->buf, '/');
		if (slash == NULL)
			return 0;
		tim_buf_truncate(probe, (size_t)(slash - probe->buf));
	}
}

/*
 * Per zone whether it covers rel, as tim_globs_cover says: the file's own
 * name against the patterns, then its folders, which are the same for the
 * files of one folder and asked once per folder. 0, -1 out of memory.
 */
static int
zones_cover(const struct tim_policy *p, const char *rel, struct tim_check_scratch *sc)
{
	const char *slash = strrchr(rel, '/');
	size_t dlen = slash ? (size_t)(slash - rel) : 0, i, k;

	if (sc->zin == NULL) {
		sc->zin = calloc(p->nzones ? p->nzones : 1, 1);
		sc->zdir_in = calloc(p->nzones ? p->nzones : 1, 1);
		if (sc->zin == NULL || sc->zdir_in == NULL)
			return -1;
	}
	if (!sc->zdir_valid || sc->zdir.len != dlen || memcmp(sc->zdir.buf, rel, dlen) != 0) {
		tim_buf_reset(&sc->zdir);
		if (tim_buf_add(&sc->zdir, rel, dlen) < 0) {
			sc->zdir_valid = 0;
			return -1;
		}
		for (i = 0; i < p->nzones; i++)
			sc->zdir_in[i] = (unsigned char)dir_covered(&p->zones[i].paths,
			    &sc->probe, rel, dlen);
		if (sc->probe.failed)
			return sc->zdir_valid = 0, -1;
		sc->zdir_valid = 1;
	}
	for (i = 0; i < p->nzones; i++) {
		const struct tim_globs *g = &p->zones[i].paths;

		sc->zin[i] = sc->zdir_in[i];
		for (k = 0; k < g->n && !sc->zin[i]; k++)
			sc->zin[i] = (unsigned char)tim_glob_match(g->pat[k], rel, 0);
	}
	return 0;
}

static int
zones_at(const struct tim_check_opts *o, const char *rel, struct zones_at *za,
    struct tim_check_scratch *sc)
{
	const struct tim_policy *p = o->policy;
	size_t i;

	memset(za, 0, sizeof(*za));
	if (zones_cover(p, rel, sc) < 0)
		return -1;
	za->in = sc->zin;
	for (i = 0; i < p->nzones; i++) {
		const struct tim_zone *z = &p->zones[i];

		if (!za->in[i])
			continue;
		za->in_zone = 1;
		za->any_bits |= z->carriers < 0 ? p->carriers : z->carriers;
		za->controlled |= z->controlled;
		za->outbound |= z->outbound;
		if (z->min_level && (za->min == NULL ||
		    tim_label_compare(o->scheme, z->min_level, za->min) > 0))
			za->min = z->min_level;
	}
	if (!za->in_zone)
		za->any_bits = p->carriers;
	return 0;
}

#define OPEN_FILE (O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

/*
 * Opens rel (full from the current directory) through the thread's open
 * folder: the folder is opened once (below the root, as the full path
 * would reach it) and each of its files by name. Where the folder cannot
 * be opened the full path is, so that the error is the one it gives.
 */
static int
open_in_folder(struct tim_check_ctx *c, struct tim_check_scratch *sc,
    const char *rel, const char *full)
{
	const char *slash = strrchr(rel, '/');
	size_t dlen = slash ? (size_t)(slash - rel) : 0;

	if (c->rootfd < 0 || slash == NULL)
		return c->rootfd >= 0 ? openat(c->rootfd, rel, OPEN_FILE) : open(full, OPEN_FILE);
	if (!sc->have_dirfd || sc->fdir.len != dlen || memcmp(sc->fdir.buf, rel, dlen) != 0) {
		if (sc->have_dirfd)
			close(sc->dirfd);
		sc->have_dirfd = 0;
		tim_buf_reset(&sc->fdir);
		if (tim_buf_add(&sc->fdir, rel, dlen) < 0)
			return open(full, OPEN_FILE);
		sc->dirfd = openat(c->rootfd, sc->fdir.buf,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sc->dirfd < 0)
			return open(full, OPEN_FILE);
		sc->have_dirfd = 1;
	}
	return openat(sc->dirfd, slash + 1, OPEN_FILE);
}

/* Opens a regular file, never through a symbolic link; -1 after reporting. */
static int
open_file(struct tim_check_ctx *c, const struct tim_check_entry *e, const char *full,
    size_t *size, struct tim_check_scratch *sc)
{
	struct stat st;
	int fd;

	fd = open_in_folder(c, sc, e->rel, full);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		*size = (size_t)st.st_size;
		return fd;
	}
	file_error(c, _("cannot read '%s': %s"), e->rel, fd < 0 ? strerror(errno) :
	    _("not a regular file"));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The head of the file into sc->buf: its length, or -1 after reporting. */
static ssize_t
read_head(struct tim_check_ctx *c, const struct tim_check_entry *e, int fd,
    size_t size, struct tim_check_scratch *sc)
{
	size_t hlen = size < c->o->policy->scan_limit ? size : c->o->policy->scan_limit;
	ssize_t got;

	if (c->o->unmarked && hlen > LEVEL_HEAD)
		hlen = LEVEL_HEAD;
	got = tim_check_read_head(fd, sc, hlen);
	if (got < 0)
		file_error(c, _("cannot read '%s': %s"), e->rel, strerror(errno));
	return got;
}

/* Text: not a zip or PDF, and no NUL byte near the top. */
static int
is_text(const unsigned char *head, size_t hlen)
{
	if (hlen >= 4 && memcmp(head, "PK\003\004", 4) == 0)
		return 0;
	if (hlen >= 5 && memcmp(head, "%PDF-", 5) == 0)
		return 0;
	return memchr(head, 0, hlen < LEVEL_HEAD ? hlen : LEVEL_HEAD) == NULL;
}

/* Marked files in zones that forbid them; unmarked files in controlled zones. */
static void
rule_zones(struct tim_check_ctx *c, const struct tim_check_entry *e,
    const struct zones_at *za, const struct labels *ls)
{
	const struct tim_policy *p = c->o->policy;
	const char *lvl;
	size_t i;
	int unmarked_ctl = 0;

	for (i = 0; i < p->nzones; i++) {
		const struct tim_zone *z = &p->zones[i];

		if (!za->in[i])
			continue;
		lvl = level_with(c->o->scheme, ls, z->carriers < 0 ? p->carriers : z->carriers);
		if (z->controlled && lvl == NULL)
			unmarked_ctl = 1;
		if (z->forbid_marked && lvl != NULL)
			tim_report_add(c->rep, TIM_RULE_FORBIDDEN, e->rel, 0, lvl,
			    _("marked %s in zone \"%s\", which must hold no controlled information"),
			    lvl, z->name);
	}
	if (unmarked_ctl)
		tim_report_add(c->rep, TIM_RULE_UNMARKED, e->rel, 0, "",
		    _("not marked, but it lies in a controlled zone"));
}

static void
rule_below_min(struct tim_check_ctx *c, const struct tim_check_entry *e,
    const char *lvl, const char *min)
{
	const struct tim_label_scheme *s = c->o->scheme;

	if (min == NULL || lvl == NULL || tim_label_compare(s, lvl, min) >= 0)
		return;
	if (tim_label_rank(s, lvl) < 0)
		tim_report_add(c->rep, TIM_RULE_BELOW_MIN, e->rel, 0, lvl,
		    _("level '%s' is not in the label scheme; the zone needs at least %s"), lvl, min);
	else
		tim_report_add(c->rep, TIM_RULE_BELOW_MIN, e->rel, 0, lvl,
		    _("marked %s; the zone needs at least %s"), lvl, min);
}

/* The rules that need what the carriers said; fd is open on the file. */
static void
apply_rules(struct tim_check_ctx *c, const struct tim_check_entry *e,
    const struct zones_at *za, const struct labels *ls, int marked_any,
    int fd, size_t hlen, int text, int ctype, struct tim_check_scratch *sc)
{
	const struct tim_label_scheme *s = c->o->scheme;

	rule_zones(c, e, za, ls);
	rule_below_min(c, e, level_with(s, ls, za->any_bits), za->min);
	check_disagree(c, e, ls);
	if (za->outbound && (za->controlled || marked_any ||
	    level_with(s, ls, TIM_CARRIERS_ALL)) && !tim_check_is_sealed(sc->buf, hlen))
		tim_report_add(c->rep, TIM_RULE_UNSEALED, e->rel, 0, "",
		    _("controlled and not sealed (no CMS envelope), in an outbound folder"));
	if (!marked_any)
		check_word(c, e, fd, sc->buf, hlen, text, ctype, sc);
}

static void
check_open(struct tim_check_ctx *c, size_t idx, const char *full, int fd,
    size_t size, const struct zones_at *za, struct tim_check_scratch *sc)
{
	const struct tim_check_entry *e = &c->w->e[idx];
	struct labels ls;
	ssize_t got;
	int text, ctype, marked_any;

	got = read_head(c, e, fd, size, sc);
	if (got < 0)
		return;
	text = is_text(sc->buf, (size_t)got);
	if (read_labels(c, e, full, fd, sc->buf, (size_t)got, text, &ls, &ctype) < 0)
		return;
	marked_any = level_with(c->o->scheme, &ls, za->any_bits) != NULL;
	if (c->o->unmarked)
		c->unmarked[idx] = !marked_any;
	else
		apply_rules(c, e, za, &ls, marked_any, fd, (size_t)got, text, ctype, sc);
}

void
tim_check_file(struct tim_check_ctx *c, size_t idx, struct tim_check_scratch *sc)
{
	const struct tim_check_opts *o = c->o;
	const struct tim_check_entry *e = &c->w->e[idx];
	struct tim_buf *full = &sc->full;
	struct zones_at za;
	size_t size;
	int fd;

	tim_buf_reset(full);
	tim_buf_adds(full, o->root);
	tim_buf_addch(full, '/');
	tim_buf_adds(full, e->rel);
	if (full->failed || zones_at(o, e->rel, &za, sc) < 0) {
		/* The buffers start again empty for the next file. */
		tim_buf_release(full);
		tim_buf_release(&sc->zdir);
		tim_buf_release(&sc->probe);
		sc->zdir_valid = 0;
		tim_check_run_error(c->run, &c->lock, _("out of memory"));
		return;
	}
	/* --unmarked under a policy asks only about controlled zones. */
	if (!(o->unmarked && o->have_policy && !za.controlled)) {
		fd = open_file(c, e, full->buf, &size, sc);
		if (fd >= 0) {
			check_open(c, idx, full->buf, fd, size, &za, sc);
			close(fd);
		}
	}
}
