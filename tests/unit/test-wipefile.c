/*
 * libtim's erasure around the engine: files (open, rename, truncate,
 * unlink), identities for --resume, the in-use checks' callback and the
 * ledger's erase record fields.
 */
#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blkdev.h"
#include "buf.h"
#include "err.h"
#include "sanitize.h"
#include "wipe_device.h"
#include "wipe.h"
#include "wipe_file.h"
#include "wipe_state.h"
#include "wipe_tree.h"
#include "wiperecord.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-wipefile-XXXXXX";
static int dfd = -1;

static void
mkfile(const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		perror(name);
	if (fd >= 0)
		close(fd);
}

static int
entries(void)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (dp && (de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	if (dp)
		closedir(dp);
	return n;
}

static void
file_open(void)
{
	struct tim_err err;
	struct stat st;
	int fd;

	tim_err_clear(&err);
	mkfile("secret.txt", "TIMSENTINEL");
	if (symlinkat("secret.txt", dfd, "link") < 0 || linkat(dfd, "secret.txt", dfd, "hard", 0) < 0)
		perror("link");
	fd = tim_wipe_file_open(dfd, "link", "d/link", 0, &st, &err);
	ok(fd < 0 && err.kind == TIM_ERR_REFUSED, "a symbolic link is refused");
	is_str(err.msg, "'d/link' is a symbolic link; not followed", "named as given");
	tim_err_clear(&err);
	fd = tim_wipe_file_open(dfd, "secret.txt", "secret.txt", 0, &st, &err);
	ok(fd < 0 && err.kind == TIM_ERR_REFUSED && strstr(err.msg, "has 2 hard links") != NULL,
	    "a file with another hard link is refused");
	fd = tim_wipe_file_open(dfd, "secret.txt", "secret.txt", TIM_WIPE_FILE_READONLY, &st, &err);
	ok(fd >= 0, "a hard-linked file can be checked (read only)");
	if (fd >= 0)
		close(fd);
	tim_err_clear(&err);
	fd = tim_wipe_file_open(dfd, "nothing", "nothing", 0, &st, &err);
	ok(fd < 0 && err.kind == TIM_ERR_SYSTEM && err.errnum == ENOENT &&
	    strncmp(err.msg, "cannot stat 'nothing': ", 23) == 0, "a missing file is a system error");
	unlinkat(dfd, "link", 0);
	unlinkat(dfd, "hard", 0);
}

static void
parent(void)
{
	struct tim_err err;
	const char *base;
	char *copy, p[600];
	int fd;

	tim_err_clear(&err);
	snprintf(p, sizeof(p), "%s/t//", dir);
	fd = tim_wipe_file_parent(p, &copy, &base, &err);
	ok(fd >= 0, "a folder's parent opens");
	is_str(base, "t", "trailing slashes do not count");
	if (fd >= 0)
		close(fd);
	free(copy);
	fd = tim_wipe_file_parent("x.txt", &copy, &base, &err);
	ok(fd >= 0 && strcmp(base, "x.txt") == 0, "a bare name is in the current folder");
	if (fd >= 0)
		close(fd);
	free(copy);
	ok(tim_wipe_file_parent("..", &copy, &base, &err) < 0 && err.kind == TIM_ERR_REFUSED &&
	    copy == NULL, "'..' has no name to take away");
	ok(tim_wipe_file_parent("/", &copy, &base, &err) < 0 && err.kind == TIM_ERR_REFUSED,
	    "nor has '/'");
}

static void
remove_name(void)
{
	struct tim_err err;
	struct stat st, st2;
	json_t *id;
	int fd;

	tim_err_clear(&err);
	fd = tim_wipe_file_open(dfd, "secret.txt", "secret.txt", 0, &st, &err);
	ok(fd >= 0 && st.st_size == 11, "a regular file with one link opens for writing");
	id = tim_wipe_file_media(fd, &st);
	ok(id && json_integer_value(json_object_get(id, "size_bytes")) == 11 &&
	    strncmp(json_string_value(json_object_get(id, "filesystem_magic")), "0x", 2) == 0,
	    "the file's media: size and file system");
	json_decref(id);
	ok(tim_wipe_file_cow(fd) == NULL || strcmp(tim_wipe_file_cow(fd), "btrfs") == 0 ||
	    strcmp(tim_wipe_file_cow(fd), "zfs") == 0, "copy-on-write: a name or NULL");
	ok(tim_wipe_file_cow(-1) == NULL, "copy-on-write: nothing for a bad descriptor");
	id = tim_wipe_file_identity(&st);
	ok(id && tim_wipe_file_same(id, &st), "a file's identity matches itself");
	st2 = st;
	st2.st_ctim.tv_nsec++;
	ok(!tim_wipe_file_same(id, &st2), "a later change time is another file");
	st2 = st;
	st2.st_ino++;
	ok(!tim_wipe_file_same(id, &st2), "another inode is another file");
	json_decref(id);
	is_int(entries(), 1, "one entry before");
	ok(tim_wipe_remove_name(dfd, "secret.txt", fd, 0, &err) == 0, "renamed, truncated, unlinked");
	ok(fstat(fd, &st2) == 0 && st2.st_size == 0 && st2.st_nlink == 0,
	    "the open file is cut to nothing and has no name left");
	is_int(entries(), 0, "no entry left, under any name");
	close(fd);
	if (mkdirat(dfd, "sub", 0700) < 0)
		perror("sub");
	ok(tim_wipe_remove_name(dfd, "sub", -1, 1, &err) == 0 && entries() == 0,
	    "an empty directory is renamed and removed");
	ok(tim_wipe_remove_name(dfd, "gone", -1, 1, &err) < 0 && err.kind == TIM_ERR_SYSTEM,
	    "a missing name is an error");
}

static void
device_identity(void)
{
	struct tim_blkdev d;
	json_t *a, *b, *m;

	memset(&d, 0, sizeof(d));
	d.rdev = makedev(7, 3);
	d.size = 4194304;
	snprintf(d.serial, sizeof(d.serial), "S123");
	snprintf(d.backing, sizeof(d.backing), "/tmp/img");
	snprintf(d.transport, sizeof(d.transport), "loop");
	snprintf(d.node, sizeof(d.node), "/dev/loop3");
	a = tim_wipe_device_identity(&d);
	b = tim_wipe_device_identity(&d);
	is_str(json_string_value(json_object_get(a, "rdev")), "7:3", "rdev as major:minor");
	ok(tim_wipe_device_same(a, b), "the same device");
	json_decref(b);
	d.size += 512;
	b = tim_wipe_device_identity(&d);
	ok(!tim_wipe_device_same(a, b), "another size is another device");
	json_decref(b);
	d.size -= 512;
	snprintf(d.backing, sizeof(d.backing), "/tmp/other");
	b = tim_wipe_device_identity(&d);
	ok(!tim_wipe_device_same(a, b), "another backing file is another device");
	json_decref(b);
	b = json_object();
	ok(!tim_wipe_device_same(a, b), "an empty identity matches nothing");
	{
		struct tim_err err;

		tim_err_clear(&err);
		snprintf(d.node, sizeof(d.node), "/dev/null");
		ok(tim_wipe_device_open(&d, "null", 1, 0, &err) < 0 && err.msg[0],
		    "a node that is not the probed block device is not opened");
		snprintf(d.node, sizeof(d.node), "/dev/loop3");
	}
	m = tim_wipe_device_media(&d, NULL);
	is_str(json_string_value(json_object_get(m, "type")), "loop device", "media type");
	is_str(json_string_value(json_object_get(m, "hpa_dco")), "unknown", "no capabilities: hpa unknown");
	is_str(json_string_value(json_object_get(m, "backing_file")), "/tmp/other", "backing file");
	json_decref(a);
	json_decref(b);
	json_decref(m);
}

static void
erase_fields(void)
{
	json_t *it = json_pack("{s:s, s:s, s:s, s:i, s:I, s:{s:s}, s:s}",
	    "target", "f.txt", "method", "clear", "technique", "overwrite",
	    "pass_count", 1, "bytes_written", (json_int_t)65536,
	    "verification", "result", "passed", "result", "complete");
	json_t *f;
	char *s;

	f = tim_wipe_erase_fields(it, NULL, NULL, NULL);
	s = json_dumps(f, JSON_SORT_KEYS | JSON_COMPACT);
	is_str(s, "{\"bytes\":65536,\"item\":\"f.txt\",\"method\":\"clear\",\"passes\":1,"
	    "\"result\":\"complete\",\"target\":\"f.txt\",\"technique\":\"overwrite\","
	    "\"verify\":\"passed\"}", "an erase record's fields, the target as item");
	free(s);
	json_decref(f);
	f = tim_wipe_erase_fields(it, "HDD-7", "c.json", "ab12");
	is_str(json_string_value(json_object_get(f, "item")), "HDD-7", "the property number as item");
	is_str(json_string_value(json_object_get(f, "cert")), "c.json", "the certificate");
	is_str(json_string_value(json_object_get(f, "cert_sha256")), "ab12", "and its digest");
	json_decref(f);
	json_object_del(it, "method");
	ok(tim_wipe_erase_fields(it, NULL, NULL, NULL) == NULL, "an item without a method gives no record");
	json_decref(it);
}

struct seen {
	struct tim_buf log;
	int nstop;		/* set *stop after this many files */
	volatile sig_atomic_t stop;
	int keep;		/* as the walk: remove nothing */
};

static int
tree_file(void *ctx, int dirfd, const char *name, const char *path)
{
	struct seen *s = ctx;

	tim_buf_addf(&s->log, "file %s;", path);
	if (s->nstop && --s->nstop == 0)
		s->stop = 1;
	if (s->keep || strcmp(name, "keep") == 0)
		return s->keep ? 0 : 1;
	return unlinkat(dirfd, name, 0) < 0 ? -1 : 0;
}

static int
tree_problem(void *ctx, const struct tim_err *err)
{
	struct seen *s = ctx;

	tim_buf_addf(&s->log, "problem %d %s;", (int)err->kind, err->msg);
	return 0;
}

static int
exists(const char *rel)
{
	struct stat st;

	return fstatat(dfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void
tree(void)
{
	struct tim_wipe_tree_ops ops = { tree_file, tree_problem, NULL, 0 };
	struct seen s;

	memset(&s, 0, sizeof(s));
	tim_buf_init(&s.log);
	ops.stop = &s.stop;
	mkdirat(dfd, "t", 0700);
	mkdirat(dfd, "t/a", 0700);
	mkdirat(dfd, "t/b", 0700);
	mkfile("t/a/1", "x");
	mkfile("t/a/2", "x");
	mkfile("t/b/keep", "x");
	mkfile("outside", "x");
	symlinkat("../../outside", dfd, "t/a/ln");
	mkfifoat(dfd, "t/fifo", 0600);
	ops.keep = s.keep = 1;
	is_int(tim_wipe_tree(dfd, "t", "d/t", &ops, &s), 0, "--keep: the walk goes to the end");
	ok(exists("t/a/ln") && exists("t/fifo") && exists("t/a"), "--keep: no name removed");
	tim_buf_reset(&s.log);
	ops.keep = s.keep = 0;
	s.nstop = 1;
	is_int(tim_wipe_tree(dfd, "t", "d/t", &ops, &s), TIM_WIPE_TREE_STOPPED,
	    "a stop between two files ends the walk");
	is_str(tim_buf_str(&s.log), "file d/t/a/1;", "only the first file was handed over");
	ok(exists("t/a/2") && exists("t/a"), "the rest and the folders stay");
	tim_buf_reset(&s.log);
	s.stop = 0;
	is_int(tim_wipe_tree(dfd, "t", "d/t", &ops, &s), 0, "the walk again, to the end");
	is_str(tim_buf_str(&s.log), "file d/t/a/2;file d/t/b/keep;", "files in sorted order, as the user names them");
	ok(!exists("t/a") && !exists("t/fifo"), "links, FIFOs and emptied folders are removed");
	ok(exists("outside"), "a link's target outside is untouched");
	ok(exists("t/b/keep") && exists("t"), "a kept file keeps its folders");
	tim_buf_release(&s.log);
	unlinkat(dfd, "t/b/keep", 0);
	unlinkat(dfd, "t/b", AT_REMOVEDIR);
	unlinkat(dfd, "t", AT_REMOVEDIR);
	unlinkat(dfd, "outside", 0);
}

static void
state(void)
{
	struct tim_wipe_method m;
	struct tim_wipe_job j, k;
	struct tim_wipe_state ws;
	struct tim_buf path = TIM_BUF_INIT;
	struct tim_err err;
	uint64_t before = 0;
	json_t *s, *back, *items = json_array(), *rem = json_pack("[s]", "next.txt");
	char p[600];

	tim_err_clear(&err);
	tim_wipe_method_parse("passes=0x00,0xff", &m, &err);
	memset(&j, 0, sizeof(j));
	j.method = &m;
	j.stop_pass = 1;
	j.stop_phase = TIM_PHASE_WRITE;
	j.stop_offset = 70000;
	j.bytes_written = 200000;
	tim_wipe_ranges_add(&j.bad, 4096, 512);
	memset(&ws, 0, sizeof(ws));
	ws.target = "d/f.txt";
	ws.type = "file";
	ws.method = &m;
	ws.verify = TIM_VERIFY_LAST;
	ws.job = &j;
	ws.written_before = 1000;
	ws.started = "2026-01-02T03:04:05Z";
	ws.items = items;
	ws.remaining = rem;
	s = tim_wipe_state_json(&ws);
	ok(s != NULL, "the state of a stopped file");
	snprintf(p, sizeof(p), "%s/st.json", dir);
	ok(tim_wipe_state_write(p, s, 0, &err) == 0, "written");
	ok(tim_wipe_state_write(p, s, 0, &err) < 0 && strstr(err.msg, "already exists") != NULL,
	    "never over an existing file");
	ok(tim_wipe_state_write(p, s, 1, &err) == 0, "but over the one being resumed");
	back = tim_wipe_state_load(p, &err);
	ok(back != NULL && json_equal(back, s), "read back the same");
	ok(back && !json_object_get(back, "key") && !json_object_get(back, "iv"), "no key in it");
	memset(&k, 0, sizeof(k));
	k.method = &m;
	k.size = 131072;
	k.align = 4096;
	tim_wipe_state_resume(back, &k, &before);
	is_int(k.start_pass, 1, "resumes in the stopped pass");
	is_int(k.start_phase, TIM_PHASE_WRITE, "and phase");
	is_int(k.start_offset, 69632, "at the offset, aligned down");
	is_int(before, 201000, "bytes written so far");
	ok(k.bad.n == 1 && k.bad.r[0].offset == 4096 && k.bad.total == 512, "the bad ranges so far");
	unlink(p);
	mkfile("junk.json", "{\"tim\":\"wipe-state\"}");
	snprintf(p, sizeof(p), "%s/junk.json", dir);
	ok(tim_wipe_state_load(p, &err) == NULL && strstr(err.msg, "is not a tim-wipe state file"),
	    "an incomplete state file is refused");
	setenv("XDG_STATE_HOME", dir, 1);
	ok(tim_wipe_state_path("/dev/disk/by-id/usb-X 1", &path) == 0 &&
	    strncmp(path.buf + strlen(dir), "/tim/wipe-usb_X_1-", 18) == 0,
	    "default path under XDG_STATE_HOME, name made safe");
	snprintf(p, sizeof(p), "%s/tim", dir);
	ok(rmdir(p) == 0, "its directory was made");
	tim_buf_release(&path);
	tim_wipe_job_release(&j);
	tim_wipe_job_release(&k);
	json_decref(s);
	json_decref(back);
	json_decref(items);
	json_decref(rem);
}

static void
items(void)
{
	struct tim_wipe_method m;
	struct tim_wipe_job j;
	struct tim_err err;
	json_t *it, *f;

	tim_err_clear(&err);
	tim_wipe_method_parse("dod", &m, &err);
	it = tim_wipe_item_new("f.txt", "file", json_object(), &m, "PC-1", NULL);
	ok(it && json_integer_value(json_object_get(it, "pass_count")) == 3 &&
	    json_array_size(json_object_get(it, "passes")) == 3, "an item names the method's passes");
	ok(!json_object_get(it, "classification"), "no classification when none given");
	memset(&j, 0, sizeof(j));
	j.bytes_written = 3 * 4096;
	j.bytes_verified = 4096;
	is_int(tim_wipe_item_finish(it, &j, TIM_VERIFY_LAST, 100), 0, "a clean run is complete");
	is_str(json_string_value(json_object_get(it, "result")), "complete", "result complete");
	is_int(json_integer_value(json_object_get(it, "bytes_written")), 12388, "bytes with those before a resume");
	f = tim_wipe_erase_fields(it, NULL, NULL, NULL);
	is_str(json_string_value(json_object_get(f, "verify")), "passed", "the erase record has the verification");
	json_decref(f);
	tim_wipe_ranges_add(&j.mismatch, 0, 512);
	is_int(tim_wipe_item_finish(it, &j, TIM_VERIFY_LAST, 0), 1, "a mismatch is a failure");
	is_str(json_string_value(json_object_get(it, "result")), "verification failed", "and says so");
	tim_wipe_ranges_add(&j.bad, 0, 512);
	tim_wipe_item_finish(it, &j, TIM_VERIFY_OFF, 0);
	is_str(json_string_value(json_object_get(it, "result")), "incomplete", "bad ranges: incomplete");
	is_str(tim_wipe_verify_result(TIM_VERIFY_OFF, &j), "not verified", "verification off");
	tim_wipe_item_check(it);
	ok(strcmp(json_string_value(json_object_get(it, "technique")), "check") == 0 &&
	    json_integer_value(json_object_get(it, "bytes_written")) == 0, "--check: a read-back, nothing written");
	tim_wipe_job_release(&j);
	{
		struct tim_sanitize_caps c;

		memset(&c, 0, sizeof(c));
		c.kind = TIM_SAN_NVME;
		c.crypto = 1;
		is_int(tim_wipe_item_hardware(it, &c, TIM_HW_CRYPTO,
		    json_pack("{s:s}", "result", "passed"), 1), 0, "hardware: verified is complete");
		is_str(json_string_value(json_object_get(it, "method_spec")), "NVMe Sanitize", "hardware: the command");
		is_str(json_string_value(json_object_get(it, "technique")), "crypto erase", "hardware: the technique");
		is_str(json_string_value(json_object_get(it, "category")), "purge", "hardware: a purge");
		ok(json_integer_value(json_object_get(it, "bytes_written")) == 0 &&
		    strcmp(json_string_value(json_object_get(it, "result")), "complete") == 0,
		    "hardware: nothing written by the host, complete");
		is_int(tim_wipe_item_hardware(it, &c, TIM_HW_SECDISCARD,
		    json_pack("{s:s}", "result", "failed"), 0), 1, "hardware: a failed read-back is not complete");
		is_str(json_string_value(json_object_get(it, "method_spec")), "BLKSECDISCARD", "secure discard");
		is_str(json_string_value(json_object_get(it, "result")), "verification failed", "and says so");
	}
	json_decref(it);
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0) {
		perror("mkdtemp");
		return 3;
	}
	file_open();
	parent();
	remove_name();
	device_identity();
	erase_fields();
	tree();
	state();
	items();
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 3;
	return tap_done();
}
