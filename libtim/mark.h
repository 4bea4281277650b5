#ifndef TIM_MARK_H
#define TIM_MARK_H

#include <limits.h>

#include "label.h"

struct tim_err;

/* Marking and unmarking one file or folder on every carrier asked for. */
struct tim_mark_opts {
	const struct tim_label_scheme *scheme;
	struct tim_label label;	/* the fields given; level "" keeps or defaults */
	int carriers;		/* TIM_CARRIER_* bits */
	int dir_carriers;	/* for folders, when not 0 (tim-mark's default: folder) */
	int remove;		/* take the label off instead */
	int dry_run;		/* work out the changes, make none */
	int force;		/* allow lowering a level */
};

struct tim_mark_result {
	char path[PATH_MAX];	/* the file's path afterwards (renamed) */
	struct tim_label before;	/* the label it had (effective), may be empty */
	struct tim_label label;	/* the label written (mark) */
	int changed;		/* carriers changed (or that would change) */
	int skipped;		/* carriers that do not apply to this file */
	char content[16];	/* the content type */
	char note[256];		/* why the content carrier was skipped */
	char warning[1024];	/* a carrier that failed without stopping the rest */
	char unreadable[1024];	/* the content could not be read: why (not marked inside) */
};

/*
 * Marks (or with o->remove unmarks) path. The content goes first; a
 * document whose content cannot be read (encrypted, damaged, hostile) is
 * left byte for byte as it was and its other carriers still apply, with
 * the reason in res->unreadable (an error when content is the only carrier
 * asked for). Then attributes, the folder file, and last the rename, whose
 * new name is checked before anything changes. An attribute
 * carrier the filesystem refuses is a warning in res, not a failure.
 * Lowering a level needs o->force (else a status-1 failure).
 */
int tim_mark_file(const struct tim_mark_opts *o, const char *path,
    struct tim_mark_result *res, struct tim_err *err);

#endif
