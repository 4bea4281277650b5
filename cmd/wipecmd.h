#ifndef TIM_WIPECMD_H
#define TIM_WIPECMD_H

/*
 * tim-wipe's behaviour behind its options: finding and checking targets,
 * the plan, the confirmation, the run with its progress display, the stop
 * on a signal and the records (wipecmd.c), and --info and --list-methods
 * (wipeinfo.c). A front-end module like ledgercmd.c: it prints and returns
 * the exit status; the libtim engines underneath never print.
 */

struct tim_cli;
struct tim_wipe_faults;

struct tim_wipe_cmd {
	const char *method;	/* -m; NULL: [wipe] method, else clear */
	const char *verify;	/* --verify; NULL: the method's own */
	const char *ledger;	/* --ledger */
	const char *cert;	/* --cert FILE.json */
	const char *html;	/* --html FILE.html */
	const char *state;	/* --state FILE: where a stopped run records itself */
	const char *item;	/* --item: the property number in the records */
	const char *label;	/* --label: the media's classification (社外秘 ...) */
	const char *operator_name;	/* --operator */
	const char *organization;	/* --organization; NULL: [wipe] organization */
	const char *location;	/* --location; NULL: [wipe] location */
	const char *destination;	/* --destination; NULL: [wipe] destination */
	const char *lang;	/* --lang ja|en for the --html page; NULL: the locale's */
	const char *hardware;	/* --hardware[=KIND]: "auto" when no KIND */
	int yes;		/* -y */
	int nul;		/* -0: the paths on standard input ('-') end in NUL */
	int dry_run;		/* -n */
	int recursive;		/* -r */
	int keep;		/* --keep: overwrite only, no rename and unlink */
	int check;		/* --check: read back the last pass only */
	int force_mounted, force_swap, force_holders, force_system, force_links;
	unsigned long chunk;	/* --chunk bytes (bench); 0: default */
	const struct tim_wipe_faults *faults;	/* the test build only */
};

int tim_wipe_cmd_run(struct tim_cli *cli, struct tim_wipe_cmd *o, int argc,
    char **argv);
int tim_wipe_cmd_resume(struct tim_cli *cli, struct tim_wipe_cmd *o,
    const char *statefile);
int tim_wipe_cmd_info(struct tim_cli *cli, struct tim_wipe_cmd *o, int argc,
    char **argv);
int tim_wipe_cmd_list_methods(struct tim_cli *cli);

#endif
