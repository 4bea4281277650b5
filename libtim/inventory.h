#ifndef TIM_INVENTORY_H
#define TIM_INVENTORY_H

#include "label.h"

struct tim_buf;
struct tim_err;

/*
 * The inventory (tim-mark --list, 告示 I 第四 2): every marked file and
 * folder at or below a root, in the order of tim_walk (sorted names,
 * symbolic links never followed, .timlabel files not listed themselves).
 */

struct tim_inventory_entry {
	const char *path;	/* as reached from the root */
	const struct tim_label_report *rep;
	const char *carriers;	/* "name,text": the carriers that hold the label */
};

struct tim_inventory_ops {
	/* Every marked entry. A negative return ends the walk with err filled. */
	int (*entry)(const struct tim_inventory_entry *e, void *arg,
	    struct tim_err *err);
	/*
	 * A file that cannot be read or a folder that cannot be listed (or is
	 * nested too deep): the reason; the walk goes on with the rest.
	 */
	void (*error)(const struct tim_err *why, void *arg);
	/*
	 * A .tim-?????? temporary copy (six random characters) left by an
	 * interrupted run (may be NULL): skipped, not listed.
	 */
	void (*leftover)(const char *path, void *arg);
};

/*
 * Walks root reading the carriers asked for (bits) under scheme s. Returns
 * 0 when the walk ended, -1 with err for the root that cannot be read or an
 * entry callback's failure.
 */
int tim_inventory_walk(const struct tim_label_scheme *s, int carriers,
    const char *root, const struct tim_inventory_ops *ops, void *arg,
    struct tim_err *err);

/* The CSV form (csv.c): the byte order mark and header, then one row each. */
int tim_inventory_csv_header(struct tim_buf *out);
int tim_inventory_csv_row(struct tim_buf *out,
    const struct tim_inventory_entry *e);

#endif
