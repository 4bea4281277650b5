/*
 * tim-wipe's run: finding and checking targets, the plan, the confirmation,
 * progress, the stop on a signal, what is printed, the certificate files,
 * the ledger records and the exit statuses. The engines are libtim's:
 * wipe.c (passes), wipe_file.c, wipe_tree.c, wipe_device.c, wipe_state.c,
 * wiperecord.c, blkdev.c and sanitize.c, none of which prints.
 */
#include <errno.h>
#include <locale.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <unistd.h>

#include "blkdev.h"
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "label.h"
#include "ledger_json.h"
#include "progress.h"
#include "sanitize.h"
#include "util.h"
#include "wipe.h"
#include "wipe_device.h"
#include "wipe_file.h"
#include "wipe_hwverify.h"
#include "wipe_openers.h"
#include "wipe_state.h"
#include "wipe_tree.h"
#include "wipecmd.h"
#include "wiperecord.h"
#include "banned.h"

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* No SA_RESTART: the engine checks the flag between blocks. */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

struct run {
	struct tim_cli *cli;
	struct tim_wipe_cmd *o;
	struct tim_wipe_method m;
	int verify;
	int worst;
	int warned_cow, warned_flash;
	int verify_given;	/* --verify on the command line, not [wipe] verify */
	struct tim_label_scheme scheme;	/* for reading the labels of erased files */
	int scheme_state;	/* 0 not loaded, 1 loaded, -1 could not be */
	json_t *items;		/* one per erased file or device */
	char started[21];
	const char *operator_name;
	/* the batch, for the state file */
	char **argv;
	int argc, argi;
	int top_is_dir;
	int stopped;
	int tree_worst;		/* -r: the worst status in the tree */
	const char *state_written;
	int state_replace;	/* resuming: the state file may be rewritten */
	struct tim_buf state_path;
	/* progress */
	struct tim_progress prog;
	int prog_on;
	size_t prog_pass;
	int prog_phase;
	char title[160];
	const char *label;
	/* the resumed target */
	json_t *resume;
};

static void
worse(struct run *r, int st)
{
	if (st == TIM_EXIT_ERROR || (st > r->worst && r->worst != TIM_EXIT_ERROR))
		r->worst = st;
	else if (st == TIM_EXIT_USAGE && r->worst == TIM_EXIT_FAIL)
		r->worst = st;
}

static void
progress_cb(void *ctx, size_t pass, int phase, uint64_t done, uint64_t total)
{
	struct run *r = ctx;

	if (!r->prog_on || pass != r->prog_pass || phase != r->prog_phase) {
		if (r->prog_on)
			tim_progress_done(&r->prog);
		snprintf(r->title, sizeof(r->title), _("%s: pass %zu/%zu %s"), r->label,
		    pass + 1, r->m.npasses, phase == TIM_PHASE_WRITE ? _("writing") : _("verifying"));
		tim_progress_init(&r->prog, stderr, r->title, total, 1, r->cli->quiet);
		r->prog_on = 1;
		r->prog_pass = pass;
		r->prog_phase = phase;
	}
	tim_progress_update(&r->prog, done);
}

static void
progress_end(struct run *r)
{
	if (r->prog_on)
		tim_progress_done(&r->prog);
	r->prog_on = 0;
}

static json_t *
item_new(struct run *r, const char *target, const char *type, json_t *media)
{
	return tim_wipe_item_new(target, type, media, &r->m, r->o->item, r->o->label);
}

static const char *
verify_result(const struct run *r, const struct tim_wipe_job *j)
{
	return tim_wipe_verify_result(r->verify, j);
}

/*
 * A result or verification word of the certificate (English there, for
 * machines and auditors abroad) in the user's language on the terminal, so
 * that a Japanese line holds no English word: "complete", "passed", "all",
 * "block erase".
 */
static const char *
said(const char *word)
{
	static const char *const words[] = {
		N_("complete"), N_("incomplete"), N_("verification failed"),
		N_("passed"), N_("failed"), N_("not verified"),
		N_("all"), N_("sample"), N_("last"), N_("off"),
		N_("crypto erase"), N_("block erase"), N_("overwrite (device)"),
		N_("security erase"), N_("secure discard"),
	};
	size_t i;

	for (i = 0; word && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(word, words[i]) == 0)
			return _(words[i]);
	return word;
}

/* Fills the results; returns the item's exit status. */
static int
item_finish(struct run *r, json_t *it, const struct tim_wipe_job *j,
    uint64_t written_before)
{
	return tim_wipe_item_finish(it, j, r->verify, written_before) ?
	    TIM_EXIT_FAIL : TIM_EXIT_OK;
}

static void
print_ranges(struct run *r, const char *what, const char *target,
    const struct tim_wipe_ranges *rs)
{
	size_t i;

	for (i = 0; i < rs->n && i < 10; i++)
		tim_error(r->cli, _("'%s': %s at bytes %llu-%llu"), target, what,
		    (unsigned long long)rs->r[i].offset,
		    (unsigned long long)(rs->r[i].offset + rs->r[i].length - 1));
	if (rs->n > 10 || rs->truncated)
		tim_error(r->cli, _("'%s': %llu bytes %s in all"), target,
		    (unsigned long long)rs->total, what);
}

static void
report_item(struct run *r, const json_t *it, const struct tim_wipe_job *j,
    const char *target)
{
	char size[32];

	if (j->bad.total)
		print_ranges(r, _("could not be written"), target, &j->bad);
	if (j->mismatch.total)
		print_ranges(r, _("reads back wrong"), target, &j->mismatch);
	if (r->cli->json) {
		tim_json_print(stdout, it);
		return;
	}
	if (r->cli->quiet)
		return;
	tim_human_size((double)json_integer_value(json_object_get(it, "bytes_written")), size);
	printf(_("%s '%s': %s written, method %s (passes: %s), verification %s: %s\n"),
	    said(json_string_value(json_object_get(it, "result"))), target, size, r->m.name,
	    r->m.spec + 7, said(tim_wipe_verify_name(r->verify)), said(verify_result(r, j)));
}

static json_t *
options_json(const struct run *r)
{
	const struct tim_wipe_cmd *o = r->o;
	json_t *j = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b, s:b}",
	    "recursive", o->recursive, "keep", o->keep,
	    "force_mounted", o->force_mounted, "force_swap", o->force_swap,
	    "force_holders", o->force_holders, "force_system", o->force_system,
	    "force_links", o->force_links);

	tim_json_set_str(j, "ledger", o->ledger);
	tim_json_set_str(j, "cert", o->cert);
	tim_json_set_str(j, "html", o->html);
	tim_json_set_str(j, "item", o->item);
	tim_json_set_str(j, "label", o->label);
	tim_json_set_str(j, "operator", r->operator_name);
	return j;
}

/* What is left of the batch, for the state file. */
static json_t *
remaining(const struct run *r, const char *target)
{
	json_t *rem = json_array();
	int i;

	/*
	 * After a stop inside a target, the rest (and the directory being
	 * walked, which a resumed run walks again); after a stop between
	 * targets, the target that had not begun too.
	 */
	if (target && r->top_is_dir && r->argi >= 0)
		json_array_append_new(rem, json_string(r->argv[r->argi]));
	for (i = target ? r->argi + 1 : (r->argi < 0 ? 0 : r->argi); i < r->argc; i++)
		json_array_append_new(rem, json_string(r->argv[i]));
	return rem;
}

/* Writes the state for --resume. target NULL: stopped between targets. */
static int
save_state(struct run *r, const char *target, const char *type, json_t *identity,
    const struct tim_wipe_job *j, json_t *item, uint64_t written_before)
{
	struct tim_wipe_state ws;
	struct tim_err err;
	const char *path = r->o->state;
	json_t *s;

	tim_err_clear(&err);
	memset(&ws, 0, sizeof(ws));
	ws.target = target;
	ws.type = type;
	ws.identity = identity;
	ws.method = &r->m;
	ws.verify = r->verify;
	ws.job = j;
	ws.written_before = written_before;
	ws.started = r->started;
	ws.items = r->items;
	ws.current_item = item;
	ws.remaining = remaining(r, target);
	ws.options = options_json(r);
	s = tim_wipe_state_json(&ws);
	json_decref(ws.remaining);
	json_decref(ws.options);
	if (s == NULL || (path == NULL &&
	    tim_wipe_state_path(target ? target : "batch", &r->state_path) < 0)) {
		json_decref(s);
		tim_error(r->cli, _("cannot record where the run stopped: out of memory"));
		return -1;
	}
	if (path == NULL)
		path = r->state_path.buf;
	/* Only the state file being resumed is ever replaced. */
	if (tim_wipe_state_write(path, s, r->state_replace, &err) < 0) {
		json_decref(s);
		tim_cli_fail(r->cli, &err);
		return -1;
	}
	json_decref(s);
	r->state_written = path;
	return 0;
}

static int
stopped(struct run *r, const char *target, const char *type, json_t *identity,
    const struct tim_wipe_job *j, json_t *item, uint64_t written_before)
{
	r->stopped = 1;
	progress_end(r);
	if (save_state(r, target, type, identity, j, item, written_before) < 0) {
		json_decref(identity);
		json_decref(item);
		return TIM_EXIT_ERROR;
	}
	json_decref(identity);
	json_decref(item);
	if (target && j)
		tim_error(r->cli, _("stopped '%s' in pass %zu/%zu (%s) at byte %llu"), target,
		    j->stop_pass + 1, r->m.npasses,
		    j->stop_phase == TIM_PHASE_VERIFY ? _("verifying") : _("writing"),
		    (unsigned long long)j->stop_offset);
	else
		tim_error(r->cli, _("stopped between targets"));
	tim_error(r->cli, _("to continue: tim-wipe --resume '%s'"), r->state_written);
	return TIM_EXIT_FAIL;
}

/*
 * The engine's job for an open target: align 0 means a file (buffered
 * writes, page cache dropped before reading back), else O_DIRECT with that
 * alignment. A resumed run starts where the state file says.
 */
static void
job_init(struct run *r, struct tim_wipe_job *j, int fd, uint64_t size,
    size_t align, const char *label, uint64_t *before)
{
	memset(j, 0, sizeof(*j));
	j->fd = fd;
	j->direct = align != 0;
	j->is_file = align == 0;
	j->size = size;
	j->align = align ? align : 4096;
	j->chunk = r->o->chunk;
	j->method = &r->m;
	j->verify = r->verify;
	j->check = r->o->check;
	j->stop = &stop_flag;
	j->progress = progress_cb;
	j->progress_ctx = r;
	j->faults = r->o->faults;
	r->label = label;
	if (r->resume)
		tim_wipe_state_resume(r->resume, j, before);
	r->resume = NULL;
}

/* ---------------------------------------------------------------- files */

static void
medium_warnings(struct run *r, int fd, const struct stat *st, const char *display)
{
	const char *cow;
	char dev[64];

	if (!r->warned_cow && (cow = tim_wipe_file_cow(fd)) != NULL) {
		r->warned_cow = 1;
		tim_warn(r->cli, _("warning: '%s' is on %s, a copy-on-write file system: an overwrite there goes to new blocks and the old data stays on the device; erase the whole device instead (tim-wipe DEVICE or --hardware), or keep such data under full-disk encryption and destroy the key"),
		    display, cow);
	}
	if (!r->warned_flash && tim_blkdev_rotational_of(st->st_dev, dev, sizeof(dev)) == 0) {
		r->warned_flash = 1;
		tim_warn(r->cli, _("warning: '%s' is on %s, a flash (non-rotational) device: wear levelling keeps old copies of overwritten blocks where file-level overwrite cannot reach; erase the whole device with --hardware (or tim-wipe DEVICE), or use full-disk encryption and destroy the key"),
		    display, dev);
	}
}

static void
plan_line(struct run *r, const char *target, int file, uint64_t size)
{
	const char *what = file ? _("file") : _("device");
	char sz[32];

	if (r->cli->quiet)
		return;
	tim_human_size((double)size, sz);
	if (r->cli->json) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:b}",
		    "target", target, "type", file ? "file" : "block device", "size", (json_int_t)size,
		    "method", r->m.name, "passes", r->m.spec,
		    "verify", tim_wipe_verify_name(r->verify), "dry_run", 1);

		tim_json_print(stdout, j);
		json_decref(j);
		return;
	}
	printf(_("would erase %s '%s' (%s): method %s (passes: %s), verify %s%s\n"),
	    what, target, sz, r->m.name, r->m.spec + 7,
	    said(tim_wipe_verify_name(r->verify)),
	    file && !r->o->keep ?
	    _(", then rename, truncate and remove") : "");
}

/* The item of a target: new, or the stopped run's when resuming it. */
static json_t *
target_item(struct run *r, const char *target, const char *type, json_t *media)
{
	json_t *it = item_new(r, target, type, media);

	if (r->resume && json_is_object(json_object_get(r->resume, "current_item"))) {
		json_decref(it);
		it = json_deep_copy(json_object_get(r->resume, "current_item"));
	}
	if (it == NULL)
		tim_error(r->cli, _("out of memory"));
	return it;
}

/*
 * The label of a file about to be erased (its own, or the .timlabel above
 * it that applies), read before the overwrite destroys the carriers: the
 * certificate and the erase record say what was erased, not only a name.
 * NULL when unmarked or unreadable.
 */
static json_t *
file_label(struct run *r, const char *path)
{
	struct tim_label_report rep;
	struct tim_err err;
	json_t *l;
	size_t i;

	tim_err_clear(&err);
	if (r->scheme_state == 0)
		r->scheme_state = tim_label_scheme_load(&r->scheme, r->cli->cfg, &err) < 0 ? -1 : 1;
	if (r->scheme_state < 0 ||
	    tim_label_read(&r->scheme, path, TIM_CARRIERS_ALL, &rep, &err) < 0 ||
	    (!rep.marked && !rep.inherited) || rep.effective.level[0] == '\0')
		return NULL;
	l = json_object();
	for (i = 0; l && i < sizeof(tim_label_fields) / sizeof(tim_label_fields[0]); i++) {
		const char *v = tim_label_get(&rep.effective, tim_label_fields[i]);

		if (v && *v)
			json_object_set_new(l, tim_label_fields[i], json_string(v));
	}
	if (l && !rep.marked)
		json_object_set_new(l, "inherited", json_true());
	return l;
}

/* Adds a sentence to the item's "warnings": what the erasure could not guarantee. */
static void
item_warning(json_t *it, const char *text)
{
	json_t *w = json_object_get(it, "warnings");

	if (!json_is_array(w)) {
		w = json_array();
		json_object_set_new(it, "warnings", w);
	}
	json_array_append_new(w, json_string(text));
}

/*
 * Other processes with the file open (issue 18). A writer puts content
 * back after the overwrite: refused (status 1). Readers and a refused
 * write lease with no writer in sight are warnings, kept for the
 * certificate in *note (a static English sentence, or NULL).
 */
static int
openers_check(struct run *r, int fd, const struct stat *st, const char *display,
    const char **note)
{
	struct tim_wipe_openers op;
	struct tim_err err;
	size_t i;

	*note = NULL;
	tim_err_clear(&err);
	if (tim_wipe_openers(fd, st, "/proc", &op, &err) < 0) {
		tim_warn(r->cli, _("warning: cannot tell whether another process is writing '%s': %s"),
		    display, err.msg);
		*note = "whether another process was writing the file could not be checked (/proc unreadable)";
		return TIM_EXIT_OK;
	}
	for (i = 0; i < op.n; i++)
		if (op.o[i].writing)
			tim_error(r->cli, _("'%s' is open for writing by process %ld (%s): what it writes after the overwrite would stay on the device; stop it first; not touched"),
			    display, (long)op.o[i].pid, op.o[i].comm);
	if (op.writers > 0)
		return TIM_EXIT_FAIL;
	for (i = 0; i < op.n; i++)
		tim_warn(r->cli, _("warning: '%s' is also open for reading by process %ld (%s): what it has read is beyond the erasure's reach"),
		    display, (long)op.o[i].pid, op.o[i].comm);
	if (op.readers > 0)
		*note = "other processes had the file open for reading during the erasure";
	else if (op.lease_refused) {
		tim_warn(r->cli, _("warning: '%s' is open in another process that this user cannot see (the kernel refused a write lease): a writer there cannot be ruled out"),
		    display);
		*note = "another process, not visible to this user, had the file open: a writer cannot be ruled out";
	}
	return TIM_EXIT_OK;
}

/* After the overwrite: the name goes only when the erasure is complete. */
static int
file_name(struct run *r, int dirfd, const char *name, int fd,
    const char *display, json_t *it, int st_code)
{
	struct tim_err err;

	tim_err_clear(&err);
	if (r->o->check || (st_code == TIM_EXIT_OK && r->o->keep))
		return st_code;
	if (st_code != TIM_EXIT_OK) {
		tim_error(r->cli, _("'%s' kept in place: the erasure is not complete"), display);
		json_object_set_new(it, "notes", json_string("kept in place because the erasure is not complete"));
		return st_code;
	}
	if (tim_wipe_remove_name(dirfd, name, fd, 0, &err) < 0) {
		tim_err_prefix(&err, "'%s'", display);
		json_object_set_new(it, "notes", json_string("overwritten, but the name could not be removed"));
		return tim_cli_fail(r->cli, &err);
	}
	json_object_set_new(it, "notes", json_string("renamed three times, truncated and removed"));
	return st_code;
}

/*
 * After the overwrite: a writer that opened the file meanwhile, or a file
 * that grew, means content the overwrite did not reach.
 */
static int
writer_after(struct run *r, int fd, const struct stat *st, const char *display,
    json_t *it)
{
	struct tim_wipe_openers op;
	struct tim_err err;
	struct stat now;

	tim_err_clear(&err);
	if ((tim_wipe_openers(fd, st, "/proc", &op, &err) == 0 && op.writers > 0) ||
	    (fstat(fd, &now) == 0 && now.st_size != st->st_size)) {
		tim_error(r->cli, _("'%s' was written by another process during the erasure: new content is on the device"),
		    display);
		json_object_set_new(it, "result", json_string("incomplete"));
		item_warning(it, "another process wrote the file during the erasure");
		return TIM_EXIT_FAIL;
	}
	return TIM_EXIT_OK;
}

/* The overwrite of the file open on fd, its item, its name and its report. */
static int
file_run(struct run *r, int dirfd, const char *name, const char *display,
    int fd, const struct stat *st, const char *note, json_t *label)
{
	struct tim_wipe_job j;
	struct tim_err err;
	struct stat st2;
	uint64_t before = 0;
	json_t *it;
	int s;

	tim_err_clear(&err);
	it = target_item(r, display, "file", tim_wipe_file_media(fd, st));
	if (it == NULL) {
		json_decref(label);
		return TIM_EXIT_ERROR;
	}
	if (label && !json_object_get(it, "label"))
		json_object_set_new(it, "label", label);
	else
		json_decref(label);
	job_init(r, &j, fd, (uint64_t)st->st_size, 0, display, &before);
	s = tim_wipe_run(&j, &err);
	progress_end(r);
	if (s < 0) {
		tim_err_prefix(&err, "'%s'", display);
		s = tim_cli_fail(r->cli, &err);
	} else if (j.interrupted) {
		if (fstat(fd, &st2) < 0)
			st2 = *st;
		s = stopped(r, display, "file", tim_wipe_file_identity(&st2), &j, it, before);
		it = NULL;
	} else {
		s = item_finish(r, it, &j, before);
		if (note)
			item_warning(it, note);
		if (!r->o->check && s == TIM_EXIT_OK)
			s = writer_after(r, fd, st, display, it);
		if (r->o->check)
			tim_wipe_item_check(it);
		s = file_name(r, dirfd, name, fd, display, it, s);
		report_item(r, it, &j, display);
		json_array_append(r->items, it);
	}
	json_decref(it);
	tim_wipe_job_release(&j);
	return s;
}

static int
wipe_file_at(struct run *r, int dirfd, const char *name, const char *display)
{
	struct tim_err err;
	struct stat st;
	int fd, s;

	tim_err_clear(&err);
	fd = tim_wipe_file_open(dirfd, name, display,
	    (r->o->check ? TIM_WIPE_FILE_READONLY : 0) |
	    (r->o->force_links ? TIM_WIPE_FILE_LINKS : 0), &st, &err);
	if (fd < 0) {
		tim_error(r->cli, "%s", err.msg);
		return tim_cli_status(&err);
	}
	if (r->resume && json_is_object(json_object_get(r->resume, "identity")) &&
	    !tim_wipe_file_same(json_object_get(r->resume, "identity"), &st)) {
		tim_error(r->cli, _("'%s' is not the file the stopped run was erasing; not touched"), display);
		s = TIM_EXIT_FAIL;
	} else {
		const char *note = NULL;

		if (!r->o->check)
			medium_warnings(r, fd, &st, display);
		s = r->o->check ? TIM_EXIT_OK : openers_check(r, fd, &st, display, &note);
		if (s != TIM_EXIT_OK)
			;
		else if (r->o->dry_run)
			plan_line(r, display, 1, (uint64_t)st.st_size);
		else
			s = file_run(r, dirfd, name, display, fd, &st, note,
			    r->o->check ? NULL : file_label(r, display));
	}
	close(fd);
	return s;
}

static int
tree_file(void *ctx, int dirfd, const char *name, const char *path)
{
	struct run *r = ctx;
	int s = wipe_file_at(r, dirfd, name, path);

	if (s > r->tree_worst)
		r->tree_worst = s;
	if (r->stopped || s == TIM_EXIT_ERROR)
		return -1;
	return s != TIM_EXIT_OK;
}

static int
tree_problem(void *ctx, const struct tim_err *err)
{
	struct run *r = ctx;
	int s = tim_cli_status(err);

	tim_error(r->cli, "%s", err->msg);
	if (s > r->tree_worst)
		r->tree_worst = s;
	return s == TIM_EXIT_ERROR ? -1 : 0;
}

/* -r: the engine walks; a stop between two files saves the walk as still to do. */
static int
wipe_tree(struct run *r, int dirfd, const char *name, const char *display)
{
	struct tim_wipe_tree_ops ops;
	int s;

	memset(&ops, 0, sizeof(ops));
	ops.file = tree_file;
	ops.problem = tree_problem;
	ops.stop = &stop_flag;
	ops.keep = r->o->dry_run || r->o->keep || r->o->check;
	r->tree_worst = TIM_EXIT_OK;
	if (tim_wipe_tree(dirfd, name, display, &ops, r) == TIM_WIPE_TREE_STOPPED &&
	    !r->stopped) {
		s = stopped(r, NULL, NULL, NULL, NULL, NULL, 0);
		if (s > r->tree_worst)
			r->tree_worst = s;
	}
	return r->tree_worst;
}

/* -------------------------------------------------------------- devices */

static void
refusal(void *ctx, const char *why)
{
	struct run *r = ctx;

	tim_error(r->cli, "%s", why);
}

/* The reasons not to touch a device, unless the matching override is given. */
static int
refuse_in_use(struct run *r, const struct tim_blkdev *d)
{
	struct tim_err err;
	int n;

	tim_err_clear(&err);
	n = tim_wipe_device_refusals(d,
	    (r->o->force_mounted ? TIM_WIPE_FORCE_MOUNTED : 0) |
	    (r->o->force_swap ? TIM_WIPE_FORCE_SWAP : 0) |
	    (r->o->force_holders ? TIM_WIPE_FORCE_HOLDERS : 0) |
	    (r->o->force_system ? TIM_WIPE_FORCE_SYSTEM : 0), refusal, r, &err);
	if (n < 0)
		return tim_cli_fail(r->cli, &err);
	return n ? TIM_EXIT_FAIL : TIM_EXIT_OK;
}

static void
device_plan(struct run *r, const struct tim_blkdev *d)
{
	char sz[32];

	if (r->cli->quiet || r->cli->json)
		return;
	tim_human_size((double)d->size, sz);
	printf(_("'%s' (%s): %s%s%s, serial %s, %s\n"), d->path, d->node,
	    d->vendor, d->vendor[0] ? " " : "", d->model[0] ? d->model : _("unknown model"),
	    d->serial[0] ? d->serial : _("unknown"), sz);
	if (d->backing[0])
		printf(_("'%s' is backed by '%s'\n"), d->path, d->backing);
}

/* Asks on the terminal; no terminal and no -y is a refusal (status 2). */
static int
confirm(struct run *r, const char *what)
{
	char line[64];

	if (r->o->yes || r->o->dry_run || r->o->check)
		return TIM_EXIT_OK;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		tim_error(r->cli, _("refusing to erase '%s' without confirmation: there is no terminal to ask on; pass -y"), what);
		return TIM_EXIT_USAGE;
	}
	fprintf(stderr, _("Erase everything on '%s'? This cannot be undone. Type yes to go on: "), what);
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL || strcmp(line, "yes\n") != 0) {
		tim_error(r->cli, _("'%s' not erased"), what);
		return TIM_EXIT_FAIL;
	}
	return TIM_EXIT_OK;
}

static void
hw_progress(void *ctx, unsigned permille)
{
	struct run *r = ctx;

	tim_progress_update(&r->prog, permille);
}

static void
hwv_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct run *r = ctx;

	r->prog.total = total;
	tim_progress_update(&r->prog, done);
}

/* What the read-back expects, for people. */
static const char *
expect_text(int expect)
{
	return expect == TIM_HWV_ZEROS ? _("zeros") : expect == TIM_HWV_ONES ?
	    _("0xff bytes") : _("anything but the old content");
}

/* The read-back's verdict on the terminal; the status of the erasure. */
static int
hw_report(struct run *r, const struct tim_blkdev *d, const struct tim_sanitize_caps *c,
    int action, const struct tim_hwverify *v)
{
	const char *cmd = tim_hw_command(c, action);

	if (tim_hwverify_passed(v)) {
		if (!r->cli->quiet && !r->cli->json) {
			printf(_("complete '%s': %s (%s) finished\n"), d->path, cmd,
			    said(tim_hw_technique(action)));
			printf(_("verified '%s': %llu blocks of %u bytes read back (%s): none holds its old content, expected %s\n"),
			    d->path, (unsigned long long)v->checked, v->unit,
			    v->mode == TIM_VERIFY_ALL ? _("all") : _("sample"),
			    expect_text(v->expect));
		}
		return TIM_EXIT_OK;
	}
	if (v->unchanged)
		tim_error(r->cli, _("failed '%s': %s reported success, but %llu of %llu blocks read back still hold their old content (the first at byte %llu)"),
		    d->path, cmd, (unsigned long long)v->unchanged,
		    (unsigned long long)v->n, (unsigned long long)v->first_unchanged);
	if (v->unexpected)
		tim_error(r->cli, _("failed '%s': %llu of %llu blocks read back after %s are not %s (the first at byte %llu)"),
		    d->path, (unsigned long long)v->unexpected, (unsigned long long)v->n,
		    cmd, expect_text(v->expect), (unsigned long long)v->first_unexpected);
	if (v->unreadable)
		tim_error(r->cli, _("failed '%s': %llu of %llu blocks could not be read back after %s (the first at byte %llu)"),
		    d->path, (unsigned long long)v->unreadable, (unsigned long long)v->n,
		    cmd, (unsigned long long)v->first_unreadable);
	return TIM_EXIT_FAIL;
}

/*
 * The read-back of a hardware erase: sample unless --verify all (or [wipe]
 * verify = all); never off.
 */
static int
hw_verify_mode(struct run *r, int *mode)
{
	*mode = TIM_VERIFY_SAMPLE;
	if (r->o->verify == NULL)
		return TIM_EXIT_OK;
	if (r->verify_given && strcmp(r->o->verify, "off") == 0)
		return tim_cli_usage_error(r->cli, _("--hardware always reads the device back: --verify off cannot be used with it (use sample or all)"));
	if (r->verify == TIM_VERIFY_ALL)
		*mode = TIM_VERIFY_ALL;
	return TIM_EXIT_OK;
}

/*
 * --hardware: the device's own erase (NIST SP 800-88 Purge) instead of
 * overwriting, between two reads of the same blocks: "complete" only when
 * none still holds what it held before.
 */
static int
hardware(struct run *r, const struct tim_blkdev *d, const struct tim_sanitize_caps *c)
{
	struct tim_hwverify v;
	struct tim_err err;
	json_t *it;
	int kind, action, fd, vfd = -1, s, mode;

	tim_err_clear(&err);
	memset(&v, 0, sizeof(v));
	if ((s = hw_verify_mode(r, &mode)) != TIM_EXIT_OK)
		return s;
	if (tim_hw_kind_parse(r->o->hardware, &kind, &err) < 0 ||
	    tim_sanitize_choose(d, c, kind, &action, &err) < 0)
		return tim_cli_fail(r->cli, &err);
	if (r->o->dry_run) {
		if (!r->cli->quiet)
			printf(_("would run %s (%s) on '%s', then read it back (%s)\n"),
			    tim_hw_command(c, action), said(tim_hw_technique(action)), d->path,
			    mode == TIM_VERIFY_ALL ? _("all") : _("sample"));
		return TIM_EXIT_OK;
	}
	if ((s = confirm(r, d->path)) != TIM_EXIT_OK)
		return s;
	fd = open(d->node, O_RDWR | O_EXCL | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		tim_error(r->cli, _("cannot open '%s': %s"), d->path, strerror(e));
		return e == EBUSY ? TIM_EXIT_FAIL : TIM_EXIT_ERROR;
	}
	/* The read-back bypasses the page cache: it must see the medium. */
	vfd = open(d->node, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (vfd < 0) {
		tim_error(r->cli, _("cannot open '%s' to read it back: %s"), d->path, strerror(errno));
		close(fd);
		return TIM_EXIT_ERROR;
	}
	snprintf(r->title, sizeof(r->title), _("%s: reading before the erase"), d->path);
	tim_progress_init(&r->prog, stderr, r->title, 0, 1, r->cli->quiet);
	r->prog_on = 1;
	s = tim_hwverify_before(&v, vfd, d->size, d->logical,
	    mode, tim_hwverify_expect(c, action), hwv_progress, r, &err);
	progress_end(r);
	if (s < 0) {
		tim_err_prefix(&err, _("'%s': reading it before the erase"), d->path);
		s = tim_cli_fail(r->cli, &err);
		goto out;
	}
	it = item_new(r, d->path, "block device", tim_wipe_device_media(d, c));
	if (it == NULL) {
		tim_error(r->cli, _("out of memory"));
		s = TIM_EXIT_ERROR;
		goto out;
	}
	if (snprintf(r->title, sizeof(r->title), "%s: %s", d->path, tim_hw_command(c, action)) < 0)
		r->title[0] = '\0';
	tim_progress_init(&r->prog, stderr, r->title, 1000, 0, r->cli->quiet);
	r->prog_on = 1;
	if (r->o->faults && r->o->faults->skip_hw)
		s = 0;	/* the test build's lying device: "success", nothing done */
	else
		s = tim_sanitize_run(fd, d, c, action, hw_progress, r, &err);
	progress_end(r);
	if (s < 0) {
		json_decref(it);
		s = tim_cli_fail(r->cli, &err);
		goto out;
	}
	/* Whatever the kernel kept of the old content goes before the read. */
	(void)ioctl(fd, BLKFLSBUF, 0);
	snprintf(r->title, sizeof(r->title), _("%s: reading back"), d->path);
	tim_progress_init(&r->prog, stderr, r->title, 0, 1, r->cli->quiet);
	r->prog_on = 1;
	s = tim_hwverify_after(&v, vfd, &err);
	progress_end(r);
	if (s < 0) {
		tim_err_prefix(&err, _("'%s': reading it back after the erase"), d->path);
		tim_wipe_item_hardware(it, c, action, tim_hwverify_json(&v), 0);
		json_array_append_new(r->items, it);
		s = tim_cli_fail(r->cli, &err);
		goto out;
	}
	tim_wipe_item_hardware(it, c, action, tim_hwverify_json(&v),
	    tim_hwverify_passed(&v));
	if (r->cli->json)
		tim_json_print(stdout, it);
	s = hw_report(r, d, c, action, &v);
	json_array_append_new(r->items, it);
out:
	tim_hwverify_release(&v);
	close(vfd);
	close(fd);
	return s;
}

/* Resuming: the device must still be the one the stopped run was erasing. */
static int
same_device(struct run *r, const struct tim_blkdev *d, const char *path)
{
	json_t *now;
	int same;

	if (r->resume == NULL || !json_is_object(json_object_get(r->resume, "identity")))
		return 1;
	now = tim_wipe_device_identity(d);
	same = tim_wipe_device_same(now, json_object_get(r->resume, "identity"));
	json_decref(now);
	if (!same)
		tim_error(r->cli, _("'%s' is not the device the stopped run was erasing (size, serial or backing file differ); not touched"), path);
	return same;
}

/* The overwrite of the device open on fd, its item and its report. */
static int
device_run(struct run *r, const struct tim_blkdev *d,
    const struct tim_sanitize_caps *caps, const char *path, int fd)
{
	struct tim_wipe_job j;
	struct tim_err err;
	uint64_t before = 0;
	json_t *it;
	int s;

	tim_err_clear(&err);
	it = target_item(r, path, "block device", tim_wipe_device_media(d, caps));
	if (it == NULL)
		return TIM_EXIT_ERROR;
	job_init(r, &j, fd, d->size, d->logical >= 512 ? d->logical : 512, path, &before);
	s = tim_wipe_run(&j, &err);
	progress_end(r);
	if (s < 0) {
		tim_err_prefix(&err, "'%s'", path);
		s = tim_cli_fail(r->cli, &err);
	} else if (j.interrupted) {
		s = stopped(r, path, "device", tim_wipe_device_identity(d), &j, it, before);
		it = NULL;
	} else {
		s = item_finish(r, it, &j, before);
		if (r->o->check)
			tim_wipe_item_check(it);
		report_item(r, it, &j, path);
		json_array_append(r->items, it);
	}
	json_decref(it);
	tim_wipe_job_release(&j);
	return s;
}

static int
wipe_device(struct run *r, const char *path)
{
	struct tim_sanitize_caps caps;
	struct tim_blkdev d;
	struct tim_err err;
	int fd, s;

	tim_err_clear(&err);
	if (tim_blkdev_probe(path, &d, &err) < 0)
		return tim_cli_fail(r->cli, &err);
	/*
	 * Identify names the disk as --info does (it only asks, changes
	 * nothing); an empty card reader is not asked.
	 */
	memset(&caps, 0, sizeof(caps));
	if (d.size != 0) {
		tim_sanitize_probe(&d, &caps);
		tim_sanitize_identity(&d, &caps);
	}
	if (!same_device(r, &d, path))
		return TIM_EXIT_FAIL;
	if (!r->o->check && (s = refuse_in_use(r, &d)) != TIM_EXIT_OK)
		return s;
	if (d.size == 0) {
		tim_error(r->cli, _("'%s' has no capacity (no medium?)"), path);
		return TIM_EXIT_FAIL;
	}
	device_plan(r, &d);
	if (r->o->faults && r->o->faults->ata_security && caps.kind == TIM_SAN_ATA) {
		caps.security = 1;	/* the test build: send it, see the drive abort */
		caps.frozen = caps.enabled = caps.locked = 0;
	}
	if (r->o->hardware)
		return hardware(r, &d, &caps);
	if (r->o->dry_run) {
		plan_line(r, path, 0, d.size);
		return TIM_EXIT_OK;
	}
	if ((s = confirm(r, path)) != TIM_EXIT_OK)
		return s;
	fd = tim_wipe_device_open(&d, path, r->o->check, !r->o->force_mounted &&
	    !r->o->force_swap && !r->o->force_holders && !r->o->check, &err);
	if (fd < 0) {
		tim_error(r->cli, "%s", err.msg);
		return tim_cli_status(&err);
	}
	s = device_run(r, &d, &caps, path, fd);
	close(fd);
	return s;
}

/* ---------------------------------------------------------------- run */

static int
wipe_target(struct run *r, const char *arg)
{
	struct stat st, tst;
	struct tim_err err;
	const char *base;
	char *copy;
	int dfd, s;

	tim_err_clear(&err);
	r->top_is_dir = 0;
	if (lstat(arg, &st) < 0) {
		tim_error(r->cli, _("cannot stat '%s': %s"), arg, strerror(errno));
		return TIM_EXIT_ERROR;
	}
	if (S_ISLNK(st.st_mode)) {
		/* /dev/disk/by-id names are links, and naming a disk by them is good practice. */
		if (stat(arg, &tst) == 0 && S_ISBLK(tst.st_mode))
			return wipe_device(r, arg);
		tim_error(r->cli, _("'%s' is a symbolic link; not followed"), arg);
		return TIM_EXIT_FAIL;
	}
	if (S_ISBLK(st.st_mode))
		return wipe_device(r, arg);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		tim_error(r->cli, _("'%s' is not a regular file, directory or block device"), arg);
		return TIM_EXIT_FAIL;
	}
	if (S_ISDIR(st.st_mode) && (!r->o->recursive || r->o->check)) {
		tim_error(r->cli, r->o->check ? _("'%s' is a directory; --check takes files and devices") :
		    _("'%s' is a directory (use -r)"), arg);
		return TIM_EXIT_FAIL;
	}
	dfd = tim_wipe_file_parent(arg, &copy, &base, &err);
	if (dfd < 0) {
		tim_error(r->cli, "%s", err.msg);
		return tim_cli_status(&err);
	}
	if (S_ISDIR(st.st_mode)) {
		r->top_is_dir = 1;
		s = wipe_tree(r, dfd, base, arg);
	} else
		s = wipe_file_at(r, dfd, base, arg);
	close(dfd);
	free(copy);
	return s;
}

/* Appendix G's "person performing sanitization", from the options and [wipe]. */
static json_t *
person_json(const struct run *r)
{
	static const char *const keys[] = { "title", "organization", "location",
	    "phone", NULL };
	json_t *p = json_pack("{s:s}", "name", r->operator_name);
	size_t i;

	for (i = 0; p && keys[i]; i++) {
		const char *v = tim_config_get(r->cli->cfg, "wipe", keys[i]);

		if (strcmp(keys[i], "organization") == 0 && r->o->organization)
			v = r->o->organization;
		if (strcmp(keys[i], "location") == 0 && r->o->location)
			v = r->o->location;
		tim_json_set_str(p, keys[i], v);
	}
	if (p)
		json_object_set_new(p, "host", json_string(tim_hostname()));
	return p;
}

/* One erase record per item; hex is the certificate's digest. */
static int
ledger_records(struct run *r, const char *hex)
{
	struct tim_err err;
	uint64_t seq;
	json_t *it, *f;
	size_t i;

	tim_err_clear(&err);
	json_array_foreach(r->items, i, it) {
		f = tim_wipe_erase_fields(it, r->o->item, r->o->cert, hex);
		if (f == NULL || tim_ledger_record(r->o->ledger, "erase", f, 0, &seq, &err) < 0) {
			json_decref(f);
			if (f == NULL)
				tim_errorf(&err, ENOMEM, _("out of memory"));
			tim_err_prefix(&err, _("ledger '%s'"), r->o->ledger);
			return tim_cli_fail(r->cli, &err);
		}
		json_decref(f);
		tim_info(r->cli, _("recorded erase of '%s' as seq %llu in '%s'"),
		    json_string_value(json_object_get(it, "target")),
		    (unsigned long long)seq, r->o->ledger);
	}
	return TIM_EXIT_OK;
}

/*
 * The page's language: --lang, else the locale's messages (LC_ALL,
 * LC_MESSAGES, LANG as gettext reads them): Japanese for ja*, else English.
 */
static int
html_ja(const struct run *r)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *l = r->o->lang;
	size_t i;

	if (l == NULL) {
		l = setlocale(LC_MESSAGES, NULL);
		if (l == NULL || strcmp(l, "C") == 0 || strcmp(l, "POSIX") == 0)
			for (i = 0, l = NULL; i < 3 && l == NULL; i++)
				if ((l = getenv(vars[i])) != NULL && *l == '\0')
					l = NULL;
	}
	return l != NULL && strncmp(l, "ja", 2) == 0;
}

/* The certificate file and its printable page; hex gets its digest. */
static int
cert_files(struct run *r, const char *end, char hex[TIM_SHA256_HEX])
{
	struct tim_buf text = TIM_BUF_INIT, page = TIM_BUF_INIT;
	unsigned char digest[TIM_SHA256_LEN];
	struct tim_err err;
	json_t *cert;
	int st = TIM_EXIT_OK;

	tim_err_clear(&err);
	cert = tim_wipe_cert_new(r->items, person_json(r), r->o->destination ?
	    r->o->destination : tim_config_get(r->cli->cfg, "wipe", "destination"),
	    r->started, end);
	if (cert == NULL || tim_wipe_cert_text(cert, &text) < 0) {
		tim_error(r->cli, _("cannot build the certificate: out of memory"));
		st = TIM_EXIT_ERROR;
		goto out;
	}
	tim_sha256(text.buf, text.len, digest);
	tim_hex(digest, sizeof(digest), hex);
	if (r->o->cert) {
		if (tim_write_new_file(r->o->cert, 0644, text.buf, text.len, &err) < 0) {
			st = tim_cli_fail(r->cli, &err);
			goto out;
		}
		tim_info(r->cli, _("wrote certificate '%s' (SHA-256 %s)"), r->o->cert, hex);
	}
	if (r->o->html) {
		if (tim_wipe_cert_html(cert, r->o->cert ? hex : NULL, html_ja(r), &page) < 0) {
			tim_error(r->cli, _("cannot build the certificate page: out of memory"));
			st = TIM_EXIT_ERROR;
		} else if (tim_write_new_file(r->o->html, 0644, page.buf, page.len, &err) < 0)
			st = tim_cli_fail(r->cli, &err);
	}
out:
	json_decref(cert);
	tim_buf_release(&text);
	tim_buf_release(&page);
	return st;
}

/* The certificate, the page and the ledger records, after every target. */
static int
records(struct run *r)
{
	char hex[TIM_SHA256_HEX] = "", end[21];
	int st;

	if (json_array_size(r->items) == 0 || r->o->dry_run)
		return TIM_EXIT_OK;
	tim_now_rfc3339(end);
	if ((r->o->cert || r->o->html) &&
	    (st = cert_files(r, end, hex)) != TIM_EXIT_OK)
		return st;
	return r->o->ledger ? ledger_records(r, hex) : TIM_EXIT_OK;
}

static int
setup(struct run *r, struct tim_cli *cli, struct tim_wipe_cmd *o)
{
	struct tim_err err;
	const char *method = o->method;

	tim_err_clear(&err);
	memset(r, 0, sizeof(*r));
	r->cli = cli;
	r->o = o;
	if (method == NULL)
		method = tim_config_get(cli->cfg, "wipe", "method");
	if (method == NULL)
		method = "clear";
	if (tim_wipe_method_parse(method, &r->m, &err) < 0)
		return tim_cli_fail(cli, &err);
	r->verify = r->m.verify;
	r->verify_given = o->verify != NULL;
	if (o->verify == NULL)
		o->verify = tim_config_get(cli->cfg, "wipe", "verify");
	if (o->verify && tim_wipe_verify_parse(o->verify, &r->verify, &err) < 0)
		return tim_cli_fail(cli, &err);
	if (o->check && r->verify == TIM_VERIFY_OFF)
		r->verify = TIM_VERIFY_LAST;
	if (o->check && r->m.pass[r->m.npasses - 1].kind == TIM_PASS_RANDOM)
		return tim_cli_usage_error(cli, _("--check needs a method whose last pass is a fixed pattern: a random pass's key is never kept"));
	if (o->lang && strcmp(o->lang, "ja") != 0 && strcmp(o->lang, "en") != 0)
		return tim_cli_usage_error(cli, _("invalid --lang '%s': use ja or en"), o->lang);
	r->operator_name = o->operator_name;
	if (r->operator_name == NULL)
		r->operator_name = tim_config_get(cli->cfg, "wipe", "operator");
	if (r->operator_name == NULL)
		r->operator_name = tim_username();
	r->items = json_array();
	if (r->items == NULL) {
		tim_error(cli, _("out of memory"));
		return TIM_EXIT_ERROR;
	}
	tim_now_rfc3339(r->started);
	return TIM_EXIT_OK;
}

static int
run_targets(struct run *r, int argc, char **argv)
{
	int i, s;

	r->argv = argv;
	r->argc = argc;
	for (i = 0; i < argc; i++) {
		r->argi = i;
		if (stop_flag) {
			worse(r, stopped(r, NULL, NULL, NULL, NULL, NULL, 0));
			break;
		}
		s = wipe_target(r, argv[i]);
		worse(r, s);
		if (r->stopped)
			break;
	}
	if (!r->stopped)
		worse(r, records(r));
	return r->worst;
}

/*
 * "-" among the operands: the paths on standard input, one a line, or
 * NUL-terminated with -0 (as tim-mark --list -0 writes them), put in its
 * place. *list gets the strings read (*n of them) and *argv a new vector
 * when there were any; the caller frees both.
 */
static int
expand_stdin(struct tim_cli *cli, const struct tim_wipe_cmd *o, int *argc,
    char ***argv, char ***list, int *n)
{
	int i, at = -1, k, cap = 0;
	char *line = NULL, **v;
	size_t lcap = 0;
	ssize_t len;
	int sep = o->nul ? '\0' : '\n', st = TIM_EXIT_OK;

	for (i = 0; i < *argc; i++)
		if (strcmp((*argv)[i], "-") == 0) {
			if (at >= 0)
				return tim_cli_usage_error(cli, _("'-' (paths on standard input) may be given only once"));
			at = i;
		}
	if (at < 0) {
		if (o->nul)
			return tim_cli_usage_error(cli, _("-0 is for a list of paths on standard input: give '-' as the operand"));
		return TIM_EXIT_OK;
	}
	while ((len = getdelim(&line, &lcap, sep, stdin)) > 0) {
		if (line[len - 1] == sep)
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((size_t)len != strlen(line)) {
			tim_error(cli, _("a path on standard input holds a NUL byte; use -0 for NUL-separated paths"));
			st = TIM_EXIT_USAGE;
			break;
		}
		if (*n == cap) {
			char **nl = realloc(*list, (size_t)(cap ? cap * 2 : 64) * sizeof(*nl));

			if (nl == NULL) {
				tim_error(cli, _("out of memory"));
				st = TIM_EXIT_ERROR;
				break;
			}
			*list = nl;
			cap = cap ? cap * 2 : 64;
		}
		if (((*list)[*n] = strdup(line)) == NULL) {
			tim_error(cli, _("out of memory"));
			st = TIM_EXIT_ERROR;
			break;
		}
		(*n)++;
	}
	free(line);
	if (st == TIM_EXIT_OK && ferror(stdin)) {
		tim_error(cli, _("cannot read paths from standard input"));
		st = TIM_EXIT_ERROR;
	}
	if (st == TIM_EXIT_OK && *n == 0 && *argc == 1) {
		tim_error(cli, _("nothing to erase: standard input named no path"));
		st = TIM_EXIT_USAGE;
	}
	if (st != TIM_EXIT_OK || *n == 0) {
		if (st == TIM_EXIT_OK) {
			/* Nothing read: the other operands alone. */
			for (k = at; k + 1 < *argc; k++)
				(*argv)[k] = (*argv)[k + 1];
			(*argc)--;
		}
		return st;
	}
	v = calloc((size_t)(*argc + *n), sizeof(*v));
	if (v == NULL) {
		tim_error(cli, _("out of memory"));
		return TIM_EXIT_ERROR;
	}
	for (i = 0, k = 0; i < *argc; i++) {
		if (i == at) {
			memcpy(v + k, *list, (size_t)*n * sizeof(*v));
			k += *n;
		} else
			v[k++] = (*argv)[i];
	}
	*argc = k;
	*argv = v;
	return TIM_EXIT_OK;
}

int
tim_wipe_cmd_run(struct tim_cli *cli, struct tim_wipe_cmd *o, int argc,
    char **argv)
{
	char **list = NULL;
	struct run r;
	int s, i, n = 0;

	if ((s = setup(&r, cli, o)) != TIM_EXIT_OK) {
		json_decref(r.items);
		return s;
	}
	if ((s = expand_stdin(cli, o, &argc, &argv, &list, &n)) == TIM_EXIT_OK) {
		catch_signals();
		s = run_targets(&r, argc, argv);
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	if (n)
		free(argv);
	json_decref(r.items);
	tim_buf_release(&r.state_path);
	return s;
}

static const char *
opt_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The options of the stopped run, as its state file has them. */
static void
resume_options(const json_t *st, struct tim_wipe_cmd *o, const char *statefile)
{
	const json_t *opt = json_object_get(st, "options");

	o->method = opt_str(st, "method");
	o->verify = opt_str(st, "verify");
	o->recursive = json_is_true(json_object_get(opt, "recursive"));
	o->keep = json_is_true(json_object_get(opt, "keep"));
	o->force_mounted = json_is_true(json_object_get(opt, "force_mounted"));
	o->force_swap = json_is_true(json_object_get(opt, "force_swap"));
	o->force_holders = json_is_true(json_object_get(opt, "force_holders"));
	o->force_system = json_is_true(json_object_get(opt, "force_system"));
	o->force_links = json_is_true(json_object_get(opt, "force_links"));
	o->ledger = opt_str(opt, "ledger");
	o->cert = opt_str(opt, "cert");
	o->html = opt_str(opt, "html");
	o->item = opt_str(opt, "item");
	o->label = opt_str(opt, "label");
	o->operator_name = opt_str(opt, "operator");
	o->state = statefile;
}

/* The run as it was: method name, start time and the items so far. */
static void
resume_run(struct run *r, const json_t *st)
{
	const char *name = opt_str(st, "method_name");

	r->state_replace = 1;
	if (name && strcmp(r->m.name, "custom") == 0)
		snprintf(r->m.name, sizeof(r->m.name), "%s", name);
	snprintf(r->started, sizeof(r->started), "%s", opt_str(st, "started") ? opt_str(st, "started") : r->started);
	if (json_is_array(json_object_get(st, "items"))) {
		json_decref(r->items);
		r->items = json_deep_copy(json_object_get(st, "items"));
	}
}

/* The targets still to do; NULL without memory or with a bad entry. */
static char **
resume_batch(struct run *r, const json_t *st, const char *statefile, int *argc)
{
	json_t *rem = json_object_get(st, "remaining"), *v;
	size_t i, n = json_array_size(rem);
	char **argv = calloc(n + 2, sizeof(*argv));

	if (argv == NULL || r->items == NULL) {
		tim_error(r->cli, _("out of memory"));
		free(argv);
		return NULL;
	}
	json_array_foreach(rem, i, v)
		if ((argv[i] = (char *)json_string_value(v)) == NULL) {
			tim_error(r->cli, _("'%s' is not a tim-wipe state file"), statefile);
			free(argv);
			return NULL;
		}
	*argc = (int)n;
	return argv;
}

/* The target the run stopped in, from where it stopped. */
static void
resume_target(struct run *r, json_t *st)
{
	const char *target = opt_str(st, "target"), *type = opt_str(st, "type");
	struct stat lst;
	int s;

	if (!target || !*target || !type || strcmp(type, "none") == 0)
		return;
	r->resume = st;
	/* A stop in this target saves the batch after it. */
	r->argi = -1;
	r->top_is_dir = 0;
	if (strcmp(type, "device") == 0)
		s = wipe_device(r, target);
	else if (lstat(target, &lst) < 0 || !S_ISREG(lst.st_mode)) {
		tim_error(r->cli, _("'%s' is gone or no longer a regular file; not touched"), target);
		s = TIM_EXIT_FAIL;
	} else
		s = wipe_target(r, target);
	worse(r, s);
	r->resume = NULL;
}

int
tim_wipe_cmd_resume(struct tim_cli *cli, struct tim_wipe_cmd *o,
    const char *statefile)
{
	struct tim_err err;
	struct run r;
	char **argv = NULL;
	json_t *st;
	int s, n = 0;

	tim_err_clear(&err);
	st = tim_wipe_state_load(statefile, &err);
	if (st == NULL)
		return tim_cli_fail(cli, &err);
	resume_options(st, o, statefile);
	if ((s = setup(&r, cli, o)) != TIM_EXIT_OK)
		goto out;
	resume_run(&r, st);
	catch_signals();
	argv = resume_batch(&r, st, statefile, &n);
	if (argv == NULL) {
		s = TIM_EXIT_ERROR;
		goto out;
	}
	r.argv = argv;
	r.argc = n;
	r.argi = -1;
	resume_target(&r, st);
	s = r.stopped ? r.worst : run_targets(&r, n, argv);
	if (!r.stopped && r.state_written == NULL && unlink(statefile) < 0)
		tim_warn(cli, _("cannot remove '%s': %s"), statefile, strerror(errno));
out:
	free(argv);
	json_decref(r.items);
	tim_buf_release(&r.state_path);
	json_decref(st);
	return s;
}
