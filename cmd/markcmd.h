#ifndef TIM_MARKCMD_H
#define TIM_MARKCMD_H

#include "label.h"
#include "mark.h"
#include "markbatch.h"

struct tim_cli;

/*
 * The front end of tim-mark: takes parsed options, runs the mode over the
 * operands and prints, like ledgercmd.c for tim-ledger. Returns the exit
 * status (the worst over all files).
 */
enum { TIM_MARK_MARK, TIM_MARK_SHOW, TIM_MARK_REMOVE, TIM_MARK_LIST };

struct tim_mark_cmd {
	int mode;
	struct tim_mark_opts mark;	/* scheme is filled in by run */
	struct tim_label_scheme scheme;
	const char *level;	/* -l as given */
	const char *carriers;	/* --carriers as given, or NULL */
	const char *ledger;	/* --ledger, or NULL */
	int csv;
	int nul;		/* -0: NUL-separated paths in and out */
	int jobs;		/* -j: files done at once; 0 picks from the processors */
	/* --list filters: exactly this level, at least this level, this owner */
	const char *only_level;
	const char *min_level;
	const char *only_owner;
	size_t failed;		/* files and folders that could not be read or changed */
	size_t seen;		/* files marked, shown or removed */
};

int tim_mark_cmd_run(struct tim_cli *cli, struct tim_mark_cmd *o, int argc,
    char **argv);

#endif
