#ifndef TIM_CHECK_IMPL_H
#define TIM_CHECK_IMPL_H

/*
 * What the pieces of tim-check share, and nothing outside them sees:
 * check.c runs a check (operands, threads, ledgers), check_walk.c lists the
 * files of a tree with their folder labels, check_scan.c finds words and
 * envelopes in bytes, check_rule.c applies the policy's rules to one file.
 * Not installed: the public interface is check.h.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "check.h"
#include "label.h"
#include "policy.h"

struct tim_globs;

/* A folder label found during the walk. */
struct tim_check_folder {
	struct tim_label label;
	char *where;		/* the .timlabel (or labelled folder), relative to the root */
	int carrier;		/* TIM_CARRIER_FOLDER, or _FOLDER_NAME: 【秘】図面/ */
};

/* A file to check. */
struct tim_check_entry {
	char *rel;		/* relative to the root */
	int folder;		/* index into the folders, -1 none */
	int operand;		/* which operand it came from */
};

/* The files of the operands, in walk order, and the folder labels over them. */
struct tim_check_files {
	const struct tim_check_opts *o;
	struct tim_check_run *run;
	struct tim_check_entry *e;
	size_t n, alloc;
	struct tim_check_folder *folders;
	size_t nfolders;
	int failed;		/* out of memory */
	int operand;		/* the operand being walked */
};

void tim_check_files_release(struct tim_check_files *w);

/*
 * Adds the files of one operand to w: a folder through tim_walk (.git, .hg,
 * .svn, excluded names and symbolic links left out, each folder's .timlabel
 * read as it is entered), a file by itself. Problems with single folders
 * and files go to w->run->errors; -1 only for an operand outside the tree.
 */
int tim_check_walk_operand(struct tim_check_files *w, int rootfd,
    const char *root_real, const char *operand, struct tim_err *err);

/*
 * The operand relative to the tree root into out: 0, -1 with errno when it
 * cannot be resolved, -2 when it lies outside the tree.
 */
int tim_check_operand_rel(const char *root_real, const char *operand,
    struct tim_buf *out);

/* A per-file failure, one line of run->errors; lock may be NULL. */
void tim_check_run_error(struct tim_check_run *run, pthread_mutex_t *lock,
    const char *msg);

#define TIM_CHECK_WORDS_MAX 64

/*
 * Label words prepared for a fast scan: words that end in the same byte
 * share one memchr pass, and the byte before it is checked inline.
 */
struct tim_check_words {
	const char *w[TIM_CHECK_WORDS_MAX];
	size_t len[TIM_CHECK_WORDS_MAX];
	size_t n;
	unsigned char group[TIM_CHECK_WORDS_MAX];	/* last bytes, each once */
	size_t ngroups;
	unsigned char before[TIM_CHECK_WORDS_MAX][32];	/* per group: bytes before the last */
	unsigned char before2[TIM_CHECK_WORDS_MAX][32];	/* and the bytes before those */
};

void tim_check_words_init(struct tim_check_words *ws, const struct tim_globs *words);
/* The word that ends first in p, its offset into *at; NULL when none. */
const char *tim_check_words_find(const struct tim_check_words *ws,
    const unsigned char *p, size_t len, size_t *at);
/* The 1-based line that offset at lies on. */
unsigned long tim_check_line_of(const unsigned char *p, size_t at);
/*
 * The text of an Office or ODF package without its markup, at most max
 * bytes, so that a word split over runs is found again; -1 when the package
 * cannot be read.
 */
int tim_check_package_text(int fd, size_t max, struct tim_buf *out);

/* Per-thread scratch space. */
struct tim_check_scratch {
	unsigned char *buf;
	size_t alloc;
	struct tim_buf text;	/* markup-free text of a document */
	struct tim_buf full;	/* the file's path under the root */
	/*
	 * Which zones cover the folder of the last file (files come in walk
	 * order, so the next is most often in the same folder): zdir, and one
	 * flag per zone in zdir_in; zin is the current file's.
	 */
	struct tim_buf zdir, probe;
	unsigned char *zdir_in, *zin;
	int zdir_valid;
	/*
	 * The folder of the last file opened, open on dirfd (when have_dirfd):
	 * the next file of that folder is opened by its name in it, without
	 * the kernel looking up the whole path again.
	 */
	struct tim_buf fdir;
	int dirfd, have_dirfd;
};

/* Reads up to max bytes from the start of fd into sc->buf. */
ssize_t tim_check_read_head(int fd, struct tim_check_scratch *sc, size_t max);
void tim_check_scratch_release(struct tim_check_scratch *sc);

/* One run over the files: what every worker thread shares. */
struct tim_check_ctx {
	const struct tim_check_opts *o;
	struct tim_report *rep;
	struct tim_check_run *run;
	struct tim_check_files *w;
	unsigned char *unmarked;	/* --unmarked: one flag per entry */
	atomic_size_t next;
	pthread_mutex_t lock;		/* run->errors */
	struct tim_check_words words;
	struct tim_check_words levels;	/* the scheme's levels */
	int rootfd;			/* o->root, or -1: files by full path */
};

/* Applies the rules to file idx of c->w, or for --unmarked sets its flag. */
void tim_check_file(struct tim_check_ctx *c, size_t idx,
    struct tim_check_scratch *sc);

#endif
