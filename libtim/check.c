#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <libxml/parser.h>

#include "buf.h"
#include "carrier.h"
#include "check.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "ledger.h"
#include "parallel.h"
#include "policy.h"
#include "report.h"
#include "util.h"
#include "banned.h"

const struct tim_rule tim_check_rules[TIM_CHECK_NRULES] = {
	{ "unmarked-controlled", "UnmarkedControlled", "告示 I 第二 1, I 第四 2 (1)",
	  TIM_SEV_ERROR, N_("unmarked file in a controlled zone"),
	  N_("Files in a controlled zone hold controlled information and must be "
	  "marked so that anyone can tell them apart: mark them with tim-mark "
	  "(tim-check --unmarked -0 PATH | xargs -0 tim-mark -l LEVEL), or move "
	  "them out of the zone.") },
	{ "marked-in-forbidden-zone", "MarkedInForbiddenZone", "告示 I 第四 3 (1), V",
	  TIM_SEV_ERROR, N_("marked file in a zone that must hold no controlled information"),
	  N_("This zone is published or shared beyond the people with access "
	  "rights: move the controlled file to a controlled place, or remove its "
	  "label if it is not controlled information after all.") },
	{ "label-below-minimum", "LabelBelowMinimum", "告示 I 第二 2, VII 第一 1",
	  TIM_SEV_ERROR, N_("label below the zone's minimum level"),
	  N_("The zone holds information of at least its min-level: raise the "
	  "file's label (tim-mark -l LEVEL --force) or move the file.") },
	{ "carriers-disagree", "CarriersDisagree", "告示 I 第二 1",
	  TIM_SEV_WARNING, N_("the label carriers of a file disagree"),
	  N_("The file name, attributes, content and folder label should say the "
	  "same; mark the file again with the right level on every carrier "
	  "(tim-mark -l LEVEL --force).") },
	{ "unmarked-label-word", "UnmarkedLabelWord", "告示 I 第二 1, I 第四 2 (2)",
	  TIM_SEV_WARNING, N_("unmarked file whose content carries a label word"),
	  N_("The content says it is controlled (社外秘, CONFIDENTIAL ...) but the "
	  "file is not marked: mark it, or add the file to the baseline when the "
	  "word is not a label.") },
	{ "unsealed-outbound", "UnsealedOutbound", "告示 V 第三 3, V 第三 10",
	  TIM_SEV_ERROR, N_("controlled file not sealed in an outbound folder"),
	  N_("Controlled files leaving the company must be encrypted with "
	  "e-Government recommended ciphers: seal them with tim-seal (CMS, "
	  ".p7m) before they are put in an outbound folder.") },
	{ "ledger-invalid", "LedgerInvalid", "告示 I 第四 1 (3), I 第四 1 (5)",
	  TIM_SEV_ERROR, N_("a ledger fails verification"),
	  N_("The register (管理簿) must be complete and untampered: run "
	  "tim-ledger verify for details, restore it from a copy, or repair a "
	  "torn last line with tim-ledger repair.") },
};

#define DEPTH_MAX 512
#define LEVEL_HEAD 65536	/* the text carrier's label line lies in here */
#define ZIP_PARTS_MAX 4096
#define TOP_LINES 3	/* BOM and #!/XML/doctype line, label line, one spare */

/* A folder label found during the walk; parent links give inheritance. */
struct folder {
	struct tim_label label;
	char *where;		/* the .timlabel, relative to the root */
};

struct entry {
	char *rel;		/* relative to the root */
	int folder;		/* index into folders, -1 none */
	int operand;		/* which operand it came from */
};

#define WORDS_MAX 64

struct wordset {
	const char *w[WORDS_MAX];
	size_t len[WORDS_MAX];
	size_t n;
	unsigned char group[WORDS_MAX];	/* last bytes, each once */
	size_t ngroups;
	unsigned char before[WORDS_MAX][32];	/* per group: bitmap of the bytes before the last */
};

struct walk {
	const struct tim_check_opts *o;
	struct tim_check_run *run;
	struct entry *e;
	size_t n, alloc;
	struct folder *folders;
	size_t nfolders;
	int failed;		/* out of memory */
	int operand;
};

struct ctx {
	const struct tim_check_opts *o;
	struct tim_report *rep;
	struct tim_check_run *run;
	struct walk *w;
	unsigned char *unmarked;	/* --unmarked: one flag per entry */
	atomic_size_t next;
	pthread_mutex_t lock;		/* errors */
	struct wordset words;
	struct wordset levels;		/* the scheme's levels */
};

void
tim_check_run_release(struct tim_check_run *run)
{
	size_t i;

	tim_buf_release(&run->errors);
	for (i = 0; i < run->nunmarked; i++)
		free(run->unmarked[i]);
	free(run->unmarked);
	memset(run, 0, sizeof(*run));
}

static void
run_error(struct tim_check_run *run, pthread_mutex_t *lock, const char *msg)
{
	if (lock)
		pthread_mutex_lock(lock);
	tim_buf_adds(&run->errors, msg);
	tim_buf_addch(&run->errors, '\n');
	run->nerrors++;
	if (lock)
		pthread_mutex_unlock(lock);
}

static int
has_entry(const char *dir, const char *name)
{
	struct tim_buf b = TIM_BUF_INIT;
	struct stat st;
	int r;

	tim_buf_addf(&b, "%s/%s", dir, name);
	r = !b.failed && lstat(b.buf, &st) == 0;
	tim_buf_release(&b);
	return r;
}

int
tim_check_find_root(const char *start, struct tim_buf *out, struct tim_err *err)
{
	struct stat st;
	char *dir, *slash, *first = NULL;
	int pass;

	if (lstat(start, &st) == 0 && S_ISDIR(st.st_mode))
		dir = realpath(start, NULL);
	else {
		struct tim_buf parent = TIM_BUF_INIT;

		slash = strrchr(start, '/');
		if (slash == NULL)
			tim_buf_adds(&parent, ".");
		else
			tim_buf_add(&parent, start, slash == start ? 1 : (size_t)(slash - start));
		dir = parent.failed ? NULL : realpath(parent.buf, NULL);
		tim_buf_release(&parent);
	}
	if (dir == NULL)
		return tim_errorf(err, errno, _("cannot find the folder of '%s'"), start);
	first = strdup(dir);
	/* .timcheck wins over .git, so look for it all the way up first. */
	for (pass = 0; pass < 2; pass++) {
		char *d = strdup(first ? first : "/");

		while (d) {
			if (has_entry(d, pass == 0 ? ".timcheck" : ".git")) {
				tim_buf_reset(out);
				tim_buf_adds(out, d);
				free(d);
				free(dir);
				free(first);
				return out->failed ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
			}
			if (strcmp(d, "/") == 0)
				break;
			slash = strrchr(d, '/');
			if (slash == d)
				slash[1] = '\0';
			else
				*slash = '\0';
		}
		free(d);
	}
	tim_buf_reset(out);
	tim_buf_adds(out, dir);
	free(dir);
	free(first);
	return out->failed ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
}

static int
add_entry(struct walk *w, const char *rel, int folder)
{
	struct entry *ne;

	if (w->n == w->alloc) {
		size_t na = w->alloc ? 2 * w->alloc : 1024;

		ne = realloc(w->e, na * sizeof(*ne));
		if (ne == NULL)
			return w->failed = -1;
		w->e = ne;
		w->alloc = na;
	}
	ne = &w->e[w->n];
	ne->rel = strdup(rel);
	if (ne->rel == NULL)
		return w->failed = -1;
	ne->folder = folder;
	ne->operand = w->operand;
	w->n++;
	return 0;
}

/* Files the checker keeps for itself, not documents. */
static int
own_file(const char *rel, const char *name)
{
	return strcmp(name, TIM_FOLDER_FILE) == 0 || strcmp(rel, ".timcheck") == 0 ||
	    strcmp(rel, ".timcheckignore") == 0;
}

static void walk_dir(struct walk *w, int dfd, const char *rel, int folder, int depth);

/* Reads DIR/.timlabel into the folder table; returns its index or parent. */
static int
folder_label(struct walk *w, const char *rel, int parent)
{
	struct tim_buf dir = TIM_BUF_INIT, where = TIM_BUF_INIT, msg = TIM_BUF_INIT;
	struct tim_label l;
	struct tim_err err;
	struct folder *nf;
	int r;

	tim_err_clear(&err);
	tim_buf_addf(&dir, "%s%s%s", w->o->root, *rel ? "/" : "", rel);
	r = tim_carrier_folder_read(w->o->scheme, tim_buf_str(&dir), &l, &err);
	tim_buf_release(&dir);
	if (r < 0) {
		run_error(w->run, NULL, err.msg);
		return parent;
	}
	if (r == 0)
		return parent;
	nf = realloc(w->folders, (w->nfolders + 1) * sizeof(*nf));
	tim_buf_addf(&where, "%s%s%s", rel, *rel ? "/" : "", TIM_FOLDER_FILE);
	if (nf == NULL || where.failed) {
		if (nf)
			w->folders = nf;
		tim_buf_release(&where);
		w->failed = -1;
		return parent;
	}
	w->folders = nf;
	nf[w->nfolders].label = l;
	nf[w->nfolders].where = tim_buf_detach(&where, NULL);
	tim_buf_release(&msg);
	return (int)w->nfolders++;
}

/* A folder entry: its name and the type readdir gave (DT_UNKNOWN on some filesystems). */
struct dent {
	char *name;
	unsigned char type;
};

static int
cmp_dent(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name, ((const struct dent *)b)->name);
}

static void
walk_dir(struct walk *w, int dfd, const char *rel, int folder, int depth)
{
	struct tim_buf child = TIM_BUF_INIT, msg = TIM_BUF_INIT;
	struct dent *ents = NULL;
	size_t n = 0, alloc = 0, i;
	struct dirent *de;
	int fd, has_label = 0;
	DIR *d;

	if (depth > DEPTH_MAX) {
		tim_buf_addf(&msg, _("'%s': folders nested too deep; not descending"), rel);
		run_error(w->run, NULL, tim_buf_str(&msg));
		tim_buf_release(&msg);
		return;
	}
	fd = dup(dfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		tim_buf_addf(&msg, _("cannot read folder '%s': %s"), *rel ? rel : ".", strerror(errno));
		run_error(w->run, NULL, tim_buf_str(&msg));
		tim_buf_release(&msg);
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct dent *ne;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, TIM_FOLDER_FILE) == 0)
			has_label = 1;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			ne = realloc(ents, alloc * sizeof(*ne));
			if (ne == NULL) {
				w->failed = -1;
				break;
			}
			ents = ne;
		}
		ents[n].name = strdup(de->d_name);
		ents[n].type = de->d_type;
		if (ents[n].name == NULL) {
			w->failed = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(ents, n, sizeof(*ents), cmp_dent);
	if (has_label)
		folder = folder_label(w, rel, folder);
	for (i = 0; i < n && !w->failed; i++) {
		const char *name = ents[i].name;
		struct stat st;
		int is_dir, type = ents[i].type;

		tim_buf_reset(&child);
		tim_buf_addf(&child, "%s%s%s", rel, *rel ? "/" : "", name);
		if (child.failed) {
			w->failed = -1;
			break;
		}
		/* The type readdir gave saves a stat per file; ask only when it did not. */
		if (type == DT_UNKNOWN) {
			if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				tim_buf_reset(&msg);
				tim_buf_addf(&msg, _("cannot read '%s': %s"), child.buf, strerror(errno));
				run_error(w->run, NULL, tim_buf_str(&msg));
				continue;
			}
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
		}
		is_dir = type == DT_DIR;
		if (!is_dir && type != DT_REG) {
			/* Symlinks are never followed: out of the tree is out of scope. */
			w->run->skipped++;
			continue;
		}
		if (is_dir && (strcmp(name, ".git") == 0 || strcmp(name, ".hg") == 0 ||
		    strcmp(name, ".svn") == 0))
			continue;
		if (tim_globs_excluded(&w->o->policy->exclude, child.buf, is_dir))
			continue;
		if (is_dir) {
			int cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (cfd < 0) {
				tim_buf_reset(&msg);
				tim_buf_addf(&msg, _("cannot read folder '%s': %s"), child.buf, strerror(errno));
				run_error(w->run, NULL, tim_buf_str(&msg));
				continue;
			}
			walk_dir(w, cfd, child.buf, folder, depth + 1);
			close(cfd);
		} else if (!own_file(child.buf, name))
			add_entry(w, child.buf, folder);
	}
	for (i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
	tim_buf_release(&child);
	tim_buf_release(&msg);
}

/*
 * Opens rel under the root one component at a time, never through a symlink.
 * Returns the fd (a folder or a file), or -1 with errno.
 */
static int
open_beneath(int rootfd, const char *rel, int *is_dir)
{
	char *copy = strdup(rel), *p, *slash;
	int fd, next;
	struct stat st;

	if (copy == NULL)
		return -1;
	fd = dup(rootfd);
	for (p = copy; fd >= 0 && *p; p = slash ? slash + 1 : p + strlen(p)) {
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (*p == '\0' || strcmp(p, ".") == 0)
			continue;
		next = openat(fd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		close(fd);
		fd = next;
	}
	free(copy);
	if (fd >= 0) {
		if (fstat(fd, &st) < 0) {
			close(fd);
			return -1;
		}
		*is_dir = S_ISDIR(st.st_mode);
		if (!*is_dir && !S_ISREG(st.st_mode)) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
	}
	return fd;
}

/* The operand relative to the root; -2 when it lies outside, -1 with errno. */
static int
operand_rel(const char *root_real, const char *operand, struct tim_buf *out)
{
	struct tim_buf parent = TIM_BUF_INIT;
	const char *slash, *base;
	char *pr;
	size_t rl = strlen(root_real);
	int r = -1;

	/* Resolve the folder, not the operand itself: a symlink stays one. */
	slash = strrchr(operand, '/');
	if (slash && slash[1] == '\0' && slash > operand) {
		/* "docs/": the folder itself */
		tim_buf_add(&parent, operand, (size_t)(slash - operand));
		pr = realpath(parent.buf, NULL);
		tim_buf_release(&parent);
		if (pr == NULL)
			return -1;
		base = NULL;
		goto have;
	}
	if (slash == NULL) {
		tim_buf_adds(&parent, ".");
		base = operand;
	} else {
		tim_buf_add(&parent, operand, slash == operand ? 1 : (size_t)(slash - operand));
		base = slash + 1;
	}
	pr = parent.failed ? NULL : realpath(parent.buf, NULL);
	tim_buf_release(&parent);
	if (pr == NULL)
		return -1;
	if (strcmp(base, ".") == 0)
		base = NULL;
	else if (strcmp(base, "..") == 0) {
		char *up;

		tim_buf_addf(&parent, "%s/..", pr);
		up = realpath(parent.buf, NULL);
		tim_buf_release(&parent);
		free(pr);
		if (up == NULL)
			return -1;
		pr = up;
		base = NULL;
	}
have:
	/* The operand's full path, its last component unresolved. */
	tim_buf_reset(out);
	tim_buf_addf(&parent, "%s%s%s", pr, base && strcmp(pr, "/") ? "/" : "", base ? base : "");
	if (parent.failed)
		goto out;
	if (strcmp(root_real, "/") == 0)
		tim_buf_adds(out, parent.buf + 1);
	else if (strncmp(parent.buf, root_real, rl) == 0 &&
	    (parent.buf[rl] == '\0' || parent.buf[rl] == '/'))
		tim_buf_adds(out, parent.buf[rl] ? parent.buf + rl + 1 : "");
	else {
		r = -2;
		goto out;
	}
	r = out->failed ? -1 : 0;
out:
	tim_buf_release(&parent);
	free(pr);
	return r;
}

/* The folder label in force at rel: the nearest .timlabel at or above it. */
static int
folder_above(struct walk *w, const char *rel)
{
	struct tim_buf dir = TIM_BUF_INIT;
	char *slash;
	int f = -1;

	tim_buf_adds(&dir, rel);
	for (;;) {
		slash = strrchr(dir.buf ? dir.buf : "", '/');
		if (slash)
			tim_buf_truncate(&dir, (size_t)(slash - dir.buf));
		else
			tim_buf_reset(&dir);
		{
			struct tim_buf probe = TIM_BUF_INIT;
			struct stat st;

			tim_buf_addf(&probe, "%s/%s%s%s", w->o->root, tim_buf_str(&dir),
			    dir.len ? "/" : "", TIM_FOLDER_FILE);
			if (!probe.failed && lstat(probe.buf, &st) == 0)
				f = folder_label(w, tim_buf_str(&dir), -1);
			tim_buf_release(&probe);
		}
		if (f >= 0 || dir.len == 0)
			break;
	}
	tim_buf_release(&dir);
	return f;
}

static int
walk_operand(struct walk *w, int rootfd, const char *root_real, const char *operand,
    struct tim_err *err)
{
	struct tim_buf rel = TIM_BUF_INIT, msg = TIM_BUF_INIT;
	int fd, is_dir = 0, folder;

	if (operand_rel(root_real, operand, &rel) < 0) {
		tim_buf_release(&rel);
		return tim_invalidf(err, _("'%s' is not inside the tree '%s'"), operand, root_real);
	}
	fd = open_beneath(rootfd, tim_buf_str(&rel), &is_dir);
	if (fd < 0) {
		if (errno == ELOOP || errno == EINVAL) {
			w->run->skipped++;
			tim_buf_addf(&msg, _("'%s' is a symbolic link or special file; not following it"), operand);
		} else
			tim_buf_addf(&msg, _("cannot read '%s': %s"), operand, strerror(errno));
		run_error(w->run, NULL, tim_buf_str(&msg));
		tim_buf_release(&msg);
		tim_buf_release(&rel);
		return 0;
	}
	if (rel.len && (tim_globs_excluded(&w->o->policy->exclude, rel.buf, is_dir))) {
		close(fd);
		tim_buf_release(&rel);
		return 0;
	}
	/* Labels of the folders above the operand; its own is read by the walk. */
	folder = rel.len ? folder_above(w, tim_buf_str(&rel)) : -1;
	if (is_dir)
		walk_dir(w, fd, tim_buf_str(&rel), folder, 0);
	else {
		const char *base = strrchr(tim_buf_str(&rel), '/');

		if (!own_file(tim_buf_str(&rel), base ? base + 1 : tim_buf_str(&rel)))
			add_entry(w, tim_buf_str(&rel), folder);
	}
	close(fd);
	tim_buf_release(&rel);
	return 0;
}

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

int
tim_check_is_sealed(const unsigned char *p, size_t len)
{
	static const unsigned char enveloped[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
	    0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03 };	/* 1.2.840.113549.1.7.3 */
	static const unsigned char auth[] = { 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86,
	    0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17 };	/* 1.2.840.113549.1.9.16.1.23 */
	size_t off;

	if (len >= 20 && (memcmp(p, "-----BEGIN CMS-----", 19) == 0 ||
	    memcmp(p, "-----BEGIN PKCS7-----", len >= 21 ? 21 : 0) == 0))
		return 1;
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

/* Per-thread scratch space. */
struct scratch {
	unsigned char *buf;
	size_t alloc;
	struct tim_buf text;	/* markup-free text of a document */
};

static ssize_t
read_upto(int fd, struct scratch *sc, size_t max)
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

/*
 * The label words, prepared once: words that end in the same byte (社外秘,
 * 極秘, 部外秘 all end in 0x98) are found in one memchr pass over it, and
 * the byte before it is checked inline before a full compare.
 */
static void
wordset_init(struct wordset *ws, const struct tim_globs *words)
{
	size_t i, g;

	memset(ws, 0, sizeof(*ws));
	for (i = 0; i < words->n && ws->n < WORDS_MAX; i++) {
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
	}
}

/* The word that ends first in p, and its offset into *at. */
static const char *
find_word(const struct wordset *ws, const unsigned char *p, size_t len, size_t *at)
{
	const char *best = NULL;
	size_t g, k, end = len;

	for (g = 0; g < ws->ngroups; g++) {
		unsigned char last = ws->group[g];
		const unsigned char *q;

		/* Only a hit ending before the best so far can be earlier. */
		for (q = p; q < p + end && (q = memchr(q, last, (size_t)(p + end - q))) != NULL; q++) {
			const char *hit = NULL;

			if (q > p && !(ws->before[g][q[-1] >> 3] & (1u << (q[-1] & 7))))
				continue;
			for (k = 0; k < ws->n && hit == NULL; k++) {
				size_t wl = ws->len[k];

				if ((unsigned char)ws->w[k][wl - 1] == last && (size_t)(q - p) + 1 >= wl &&
				    memcmp(q + 1 - wl, ws->w[k], wl - 1) == 0)
					hit = ws->w[k];
			}
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

static unsigned long
line_of(const unsigned char *p, size_t at)
{
	unsigned long line = 1;
	const unsigned char *q = p, *end = p + at;

	while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		line++;
		q++;
	}
	return line;
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
		if (fnmatch(pats[i], name, FNM_PATHNAME) == 0)
			return 1;
	return 0;
}

/*
 * The text of a document package without its markup, at most max bytes:
 * a word split over runs (<w:t>社外</w:t><w:t>秘</w:t>) is found again.
 */
static int
package_text(int fd, size_t max, struct tim_buf *out)
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
			la_ssize_t i;

			for (i = 0; i < n; i++) {
				if (chunk[i] == '<')
					in_tag = 1;
				else if (chunk[i] == '>')
					in_tag = 0;
				else if (!in_tag)
					tim_buf_addch(out, chunk[i]);
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

static void
file_error(struct ctx *c, const char *fmt, const char *rel, const char *why)
{
	struct tim_buf shown = TIM_BUF_INIT, msg = TIM_BUF_INIT;

	tim_path_display(&shown, rel);
	tim_buf_addf(&msg, fmt, tim_buf_str(&shown), why);
	run_error(c->run, &c->lock, tim_buf_str(&msg));
	tim_buf_release(&shown);
	tim_buf_release(&msg);
}

/* Reads what every carrier says; -1 after reporting a failure. */
static int
read_labels(struct ctx *c, const struct entry *e, const char *full, int fd,
    const unsigned char *head, size_t hlen, int is_text, struct labels *ls,
    int *ctype)
{
	const struct tim_label_scheme *s = c->o->scheme;
	struct tim_label l;
	struct tim_err err;
	char list[4096], note[256];
	ssize_t n;
	size_t i;
	int type, r, need = 1;
	size_t at;

	ls->n = 0;
	*ctype = is_text ? TIM_CONTENT_TEXT : TIM_CONTENT_OTHER;
	if (tim_carrier_name_read(s, full, &l) == 1)
		add_found(ls, TIM_CARRIER_NAME, "name", &l);
	/* One listxattr on the open file instead of five lookups by name. */
	n = flistxattr(fd, list, sizeof(list));
	if (n < 0 && errno == ERANGE)
		n = 1, memcpy(list, "user.tim.", 10);
	if (n > 0 && memmem(list, (size_t)n, "user.tim.", 9) != NULL) {
		tim_err_clear(&err);
		r = tim_carrier_xattr_read(full, &l, &err);
		if (r < 0 && err.errnum != ENOTSUP && err.errnum != EOPNOTSUPP) {
			run_error(c->run, &c->lock, err.msg);
			return -1;
		}
		if (r == 1)
			add_found(ls, TIM_CARRIER_XATTR, "xattr", &l);
	}
	/*
	 * A text label is a comment line at the top, after at most a BOM and
	 * one #!, XML or doctype line, and it holds its level: text without a
	 * level word in its first lines carries no content label, and the
	 * carrier need not be asked.
	 */
	if (is_text) {
		const unsigned char *nl = head;
		size_t top = 0;

		for (i = 0; i < TOP_LINES && nl; i++) {
			nl = memchr(head + top, '\n', hlen - top);
			top = nl ? (size_t)(nl - head) + 1 : hlen;
		}
		need = find_word(&c->levels, head, top, &at) != NULL;
	}
	if (need) {
		tim_err_clear(&err);
		r = tim_content_detect(fd, full, &type, note, &err);
		if (r >= 0)
			r = tim_content_read(s, fd, full, type, &l, &err);
		*ctype = type;
		if (r < 0) {
			run_error(c->run, &c->lock, err.msg);
			return -1;
		}
		if (r == 1)
			add_found(ls, TIM_CARRIER_CONTENT, tim_content_name(type), &l);
	}
	if (e->folder >= 0)
		add_found(ls, TIM_CARRIER_FOLDER, "folder", &c->w->folders[e->folder].label);
	return 0;
}

static void
check_disagree(struct ctx *c, const struct entry *e, const struct labels *ls)
{
	struct tim_buf key = TIM_BUF_INIT, msg = TIM_BUF_INIT;
	size_t i, k;
	int differ = 0;

	for (i = 0; i < ls->n; i++)
		for (k = 0; k < i; k++)
			if (ls->f[i].carrier != TIM_CARRIER_FOLDER &&
			    ls->f[k].carrier != TIM_CARRIER_FOLDER &&
			    !tim_label_agree(&ls->f[i].label, &ls->f[k].label))
				differ = 1;
	if (!differ)
		return;
	for (i = 0; i < ls->n; i++) {
		if (ls->f[i].carrier == TIM_CARRIER_FOLDER)
			continue;
		tim_buf_addf(&key, "%s%s=%s", key.len ? " " : "", ls->f[i].kind, ls->f[i].label.level);
	}
	tim_report_add(c->rep, TIM_RULE_DISAGREE, e->rel, 0, tim_buf_str(&key),
	    _("carriers disagree: %s"), tim_buf_str(&key));
	tim_buf_release(&key);
	tim_buf_release(&msg);
}

static void
check_word(struct ctx *c, const struct entry *e, int fd, const unsigned char *head,
    size_t hlen, int is_text, int ctype, struct scratch *sc)
{
	const struct wordset *words = &c->words;
	const char *w = NULL;
	size_t at = 0;
	unsigned long line = 0;

	if (is_text) {
		w = find_word(words, head, hlen, &at);
		if (w)
			line = line_of(head, at);
	} else if (ctype >= TIM_CONTENT_DOCX && ctype <= TIM_CONTENT_ODP) {
		if (package_text(fd, c->o->policy->scan_limit, &sc->text) == 0)
			w = find_word(words, (const unsigned char *)tim_buf_str(&sc->text),
			    sc->text.len, &at);
	}
	if (w)
		tim_report_add(c->rep, TIM_RULE_LABEL_WORD, e->rel, line, w,
		    _("the content says '%s' but the file is not marked"), w);
}

static void
check_file(struct ctx *c, size_t idx, struct scratch *sc)
{
	const struct tim_check_opts *o = c->o;
	const struct tim_policy *p = o->policy;
	const struct entry *e = &c->w->e[idx];
	struct tim_buf full = TIM_BUF_INIT;
	struct labels ls;
	struct stat st;
	const char *lvl;
	const char *min = NULL;
	size_t i, hlen;
	ssize_t got;
	int fd, is_text, is_zip, in_zone = 0, controlled = 0;
	int outbound = 0, any_bits = 0, unmarked_ctl = 0, marked_any;
	int zbits, sealed, ctype;

	tim_buf_addf(&full, "%s/%s", o->root, e->rel);
	if (full.failed) {
		run_error(c->run, &c->lock, _("out of memory"));
		return;
	}
	for (i = 0; i < p->nzones; i++) {
		const struct tim_zone *z = &p->zones[i];

		if (!tim_globs_cover(&z->paths, e->rel))
			continue;
		in_zone = 1;
		zbits = z->carriers < 0 ? p->carriers : z->carriers;
		any_bits |= zbits;
		controlled |= z->controlled;
		outbound |= z->outbound;
		if (z->min_level && (min == NULL || tim_label_compare(o->scheme, z->min_level, min) > 0))
			min = z->min_level;
	}
	if (!in_zone)
		any_bits = p->carriers;
	if (o->unmarked && o->have_policy && !controlled)
		goto out;
	fd = open(full.buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		file_error(c, _("cannot read '%s': %s"), e->rel, fd < 0 ? strerror(errno) :
		    _("not a regular file"));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	hlen = (size_t)st.st_size < p->scan_limit ? (size_t)st.st_size : p->scan_limit;
	if (o->unmarked && hlen > LEVEL_HEAD)
		hlen = LEVEL_HEAD;
	got = read_upto(fd, sc, hlen);
	if (got < 0) {
		file_error(c, _("cannot read '%s': %s"), e->rel, strerror(errno));
		close(fd);
		goto out;
	}
	hlen = (size_t)got;
	is_zip = hlen >= 4 && memcmp(sc->buf, "PK\003\004", 4) == 0;
	is_text = !is_zip && !(hlen >= 5 && memcmp(sc->buf, "%PDF-", 5) == 0) &&
	    memchr(sc->buf, 0, hlen < LEVEL_HEAD ? hlen : LEVEL_HEAD) == NULL;
	if (read_labels(c, e, full.buf, fd, sc->buf, hlen, is_text, &ls, &ctype) < 0) {
		close(fd);
		goto out;
	}
	marked_any = level_with(o->scheme, &ls, any_bits) != NULL;
	if (o->unmarked) {
		c->unmarked[idx] = !marked_any;
		close(fd);
		goto out;
	}
	for (i = 0; i < p->nzones; i++) {
		const struct tim_zone *z = &p->zones[i];

		if (!tim_globs_cover(&z->paths, e->rel))
			continue;
		zbits = z->carriers < 0 ? p->carriers : z->carriers;
		lvl = level_with(o->scheme, &ls, zbits);
		if (z->controlled && lvl == NULL)
			unmarked_ctl = 1;
		if (z->forbid_marked && lvl != NULL) {
			tim_report_add(c->rep, TIM_RULE_FORBIDDEN, e->rel, 0, lvl,
			    _("marked %s in zone \"%s\", which must hold no controlled information"),
			    lvl, z->name);
		}
	}
	if (unmarked_ctl)
		tim_report_add(c->rep, TIM_RULE_UNMARKED, e->rel, 0, "",
		    _("not marked, but it lies in a controlled zone"));
	lvl = level_with(o->scheme, &ls, any_bits);
	if (min && lvl && tim_label_compare(o->scheme, lvl, min) < 0) {
		if (tim_label_rank(o->scheme, lvl) < 0)
			tim_report_add(c->rep, TIM_RULE_BELOW_MIN, e->rel, 0, lvl,
			    _("level '%s' is not in the label scheme; the zone needs at least %s"), lvl, min);
		else
			tim_report_add(c->rep, TIM_RULE_BELOW_MIN, e->rel, 0, lvl,
			    _("marked %s; the zone needs at least %s"), lvl, min);
	}
	check_disagree(c, e, &ls);
	if (outbound && (controlled || marked_any || level_with(o->scheme, &ls, TIM_CARRIERS_ALL))) {
		sealed = tim_check_is_sealed(sc->buf, hlen);
		if (!sealed)
			tim_report_add(c->rep, TIM_RULE_UNSEALED, e->rel, 0, "",
			    _("controlled and not sealed (no CMS envelope), in an outbound folder"));
	}
	if (!marked_any)
		check_word(c, e, fd, sc->buf, hlen, is_text, ctype, sc);
	close(fd);
out:
	tim_buf_release(&full);
}

static void
worker(void *arg, int id, size_t start, size_t end)
{
	struct ctx *c = arg;
	struct scratch sc;
	size_t i, n = c->w->n;

	(void)id;
	(void)start;
	(void)end;
	memset(&sc, 0, sizeof(sc));
	/* Take files one batch at a time: big files do not stall one thread. */
	for (;;) {
		size_t first = atomic_fetch_add(&c->next, 16);

		if (first >= n)
			break;
		for (i = first; i < n && i < first + 16; i++)
			check_file(c, i, &sc);
	}
	free(sc.buf);
	tim_buf_release(&sc.text);
}

/* The path as the operand named it: "docs/" + "a.txt". */
static char *
display_path(const char *operand, const char *oprel, const char *rel)
{
	struct tim_buf b = TIM_BUF_INIT;
	size_t ol = strlen(oprel), l = strlen(operand);
	const char *rest = rel + ol;

	if (*rest == '/')
		rest++;
	while (l > 1 && operand[l - 1] == '/')
		l--;
	if (strcmp(operand, ".") == 0 && *rest)
		tim_buf_adds(&b, rest);
	else if (*rest)
		tim_buf_addf(&b, "%.*s/%s", (int)l, operand, rest);
	else
		tim_buf_add(&b, operand, l);
	return tim_buf_detach(&b, NULL);
}

int
tim_check_tree(const struct tim_check_opts *o, char *const *operands,
    size_t noperands, struct tim_report *rep, struct tim_check_run *run,
    struct tim_err *err)
{
	static char *const dot[] = { (char *)".", NULL };
	struct walk w;
	struct ctx c;
	char **oprel = NULL;
	char *root_real;
	size_t i;
	int rootfd, r = -1, threads;

	memset(&w, 0, sizeof(w));
	w.o = o;
	w.run = run;
	if (noperands == 0) {
		operands = dot;
		noperands = 1;
	}
	root_real = realpath(o->root, NULL);
	if (root_real == NULL)
		return tim_errorf(err, errno, _("cannot open '%s'"), o->root);
	rootfd = open(root_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		tim_errorf(err, errno, _("cannot open '%s'"), o->root);
		free(root_real);
		return -1;
	}
	oprel = calloc(noperands, sizeof(*oprel));
	if (oprel == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < noperands; i++) {
		struct tim_buf rel = TIM_BUF_INIT;

		int rr = operand_rel(root_real, operands[i], &rel);

		if (rr < 0) {
			tim_buf_release(&rel);
			if (rr == -1) {
				struct tim_buf msg = TIM_BUF_INIT;

				tim_buf_addf(&msg, _("cannot read '%s': %s"), operands[i], strerror(errno));
				run_error(run, NULL, tim_buf_str(&msg));
				tim_buf_release(&msg);
				oprel[i] = strdup("");
				continue;
			}
			tim_invalidf(err, _("'%s' is not inside the tree '%s'"), operands[i], root_real);
			goto out;
		}
		oprel[i] = tim_buf_detach(&rel, NULL);
		if (oprel[i] == NULL)
			oprel[i] = strdup("");
		w.operand = (int)i;
		if (walk_operand(&w, rootfd, root_real, operands[i], err) < 0)
			goto out;
	}
	if (w.failed) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.rep = rep;
	c.run = run;
	c.w = &w;
	atomic_init(&c.next, 0);
	wordset_init(&c.words, &o->policy->words);
	{
		char *lv[TIM_LABEL_LEVELS_MAX];
		struct tim_globs levels = { lv, 0 };

		for (i = 0; i < o->scheme->n && i < TIM_LABEL_LEVELS_MAX; i++)
			lv[levels.n++] = (char *)o->scheme->levels[i];
		wordset_init(&c.levels, &levels);
	}
	pthread_mutex_init(&c.lock, NULL);
	if (o->unmarked && (c.unmarked = calloc(w.n ? w.n : 1, 1)) == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	threads = o->threads > 0 ? o->threads : tim_parallel_threads();
	/*
	 * The document carriers parse XML and zip entries (whose times libarchive
	 * converts) in every thread: set libxml2 and the time zone up first.
	 */
	xmlInitParser();
	tzset();
	tim_parallel_for((size_t)threads, threads, worker, &c);
	pthread_mutex_destroy(&c.lock);
	run->files += w.n;
	rep->checked += w.n;
	if (o->unmarked) {
		for (i = 0; i < w.n; i++) {
			char **nu;

			if (!c.unmarked[i])
				continue;
			nu = realloc(run->unmarked, (run->nunmarked + 1) * sizeof(*nu));
			if (nu == NULL)
				break;
			run->unmarked = nu;
			nu[run->nunmarked] = display_path(operands[w.e[i].operand],
			    oprel[w.e[i].operand], w.e[i].rel);
			if (nu[run->nunmarked])
				run->nunmarked++;
		}
		free(c.unmarked);
	}
	r = 0;
out:
	close(rootfd);
	free(root_real);
	for (i = 0; oprel && i < noperands; i++)
		free(oprel[i]);
	free(oprel);
	for (i = 0; i < w.n; i++)
		free(w.e[i].rel);
	free(w.e);
	for (i = 0; i < w.nfolders; i++)
		free(w.folders[i].where);
	free(w.folders);
	return r;
}

static void
verify_ledger(const struct tim_check_opts *o, struct tim_report *rep,
    struct tim_check_run *run, const char *rel)
{
	struct tim_ledger_verify_result res;
	struct tim_buf full = TIM_BUF_INIT;
	struct tim_err err;

	tim_err_clear(&err);
	memset(&res, 0, sizeof(res));
	if (rel[0] == '/')
		tim_buf_adds(&full, rel);
	else
		tim_buf_addf(&full, "%s/%s", o->root, rel);
	if (tim_ledger_verify(tim_buf_str(&full), NULL, &res, &err) < 0)
		tim_report_add(rep, TIM_RULE_LEDGER, rel, 0, "",
		    _("cannot verify the ledger: %s"), err.msg);
	else if (!res.ok)
		tim_report_add(rep, TIM_RULE_LEDGER, rel, (unsigned long)res.bad_line, "",
		    _("ledger does not verify: %s"), res.reason);
	free(res.leaves);
	(void)run;
	tim_buf_release(&full);
}

int
tim_check_ledgers(const struct tim_check_opts *o, struct tim_report *rep,
    struct tim_check_run *run)
{
	const struct tim_policy *p = o->policy;
	struct tim_globs seen = { NULL, 0 };
	size_t i, z, k;

	for (z = 0; z <= p->nzones; z++) {
		const struct tim_globs *g = z < p->nzones ? &p->zones[z].ledgers : &p->ledgers;

		for (i = 0; i < g->n; i++) {
			for (k = 0; k < seen.n; k++)
				if (strcmp(seen.pat[k], g->pat[i]) == 0)
					break;
			if (k < seen.n)
				continue;
			tim_globs_add(&seen, g->pat[i]);
			verify_ledger(o, rep, run, g->pat[i]);
		}
	}
	tim_globs_release(&seen);
	return 0;
}
