/*
 * Extraction of a tar or zip bundle from the opened plaintext: every entry
 * checked (relative names without "..", links that stay inside, no special
 * files, a size and entry limit), written into a staging directory first and
 * moved into place only when nothing there would be replaced.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "json.h"
#include "seal.h"
#include "seal_impl.h"

#define EXTRACT_MAX	(UINT64_C(64) << 30)
#define ENTRIES_MAX	1000000
#include "banned.h"

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A relative name without "..", not empty. */
static int
name_ok(const char *name)
{
	const char *p = name;
	size_t n;

	if (name == NULL || *name == '\0' || *name == '/')
		return 0;
	while (*p) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

/* A symlink target that stays inside the extraction directory. */
static int
link_ok(const char *name, const char *target)
{
	const char *p;
	size_t n;
	long depth = 0;

	if (target == NULL || *target == '\0' || *target == '/')
		return 0;
	for (p = name; *p; ) {
		n = strcspn(p, "/");
		p += n;
		while (*p == '/')
			p++;
		if (*p)
			depth++;
	}
	for (p = target; *p; ) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			depth--;
		else if (!(n == 1 && p[0] == '.') && n > 0)
			depth++;
		if (depth < 0)
			return 0;
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

static int
prefixed(struct archive_entry *e, const char *stage, int hard,
    struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	const char *name = hard ? archive_entry_hardlink(e) : archive_entry_pathname(e);

	tim_buf_addf(&b, "%s/%s", stage, name);
	if (b.failed)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (hard)
		archive_entry_set_hardlink(e, b.buf);
	else
		archive_entry_set_pathname(e, b.buf);
	tim_buf_release(&b);
	return 0;
}

static int
extract_entries(struct archive *a, struct archive *w, const char *stage,
    uint64_t limit, json_t *files, struct tim_err *err)
{
	struct archive_entry *e;
	const void *blk;
	size_t len;
	la_int64_t off;
	uint64_t total = 0;
	size_t count = 0;
	int st;

	for (;;) {
		const char *name;
		mode_t type;

		st = archive_read_next_header(a, &e);
		if (st == ARCHIVE_EOF)
			return 0;
		if (st != ARCHIVE_OK)
			return tim_failf(err, _("bad bundle: %s"), archive_error_string(a));
		name = archive_entry_pathname(e);
		type = archive_entry_filetype(e);
		if (++count > ENTRIES_MAX)
			return tim_failf(err, _("bundle has too many entries"));
		if (!name_ok(name))
			return tim_failf(err, _("bundle entry '%s' has an unsafe name"),
			    name ? name : "");
		if (archive_entry_hardlink(e) != NULL) {
			if (!name_ok(archive_entry_hardlink(e)))
				return tim_failf(err, _("bundle entry '%s' links outside"), name);
			if (prefixed(e, stage, 1, err) < 0)
				return -1;
		} else if (type == AE_IFLNK) {
			if (!link_ok(name, archive_entry_symlink(e)))
				return tim_failf(err, _("bundle entry '%s' links outside"), name);
		} else if (type != AE_IFREG && type != AE_IFDIR) {
			return tim_failf(err, _("bundle entry '%s' is a special file"), name);
		}
		if (archive_entry_size_is_set(e) &&
		    (uint64_t)archive_entry_size(e) > limit - total)
			return tim_failf(err, _("bundle exceeds the size limit"));
		/* prefixed() frees name: messages use the copy kept in files. */
		json_array_append_new(files, json_string(name));
		name = json_string_value(json_array_get(files, json_array_size(files) - 1));
		if (name == NULL)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		if (prefixed(e, stage, 0, err) < 0)
			return -1;
		archive_entry_set_perm(e, archive_entry_perm(e) & 0777);
		if (archive_write_header(w, e) != ARCHIVE_OK)
			return tim_failf(err, _("cannot extract '%s': %s"), name,
			    archive_error_string(w));
		for (;;) {
			st = archive_read_data_block(a, &blk, &len, &off);
			if (st == ARCHIVE_EOF)
				break;
			if (st != ARCHIVE_OK)
				return tim_failf(err, _("bad bundle: %s"), archive_error_string(a));
			total += len;
			if (total > limit)
				return tim_failf(err, _("bundle exceeds the size limit"));
			if (archive_write_data_block(w, blk, len, off) != ARCHIVE_OK)
				return tim_failf(err, _("cannot extract: %s"), archive_error_string(w));
		}
		if (archive_write_finish_entry(w) != ARCHIVE_OK)
			return tim_failf(err, _("cannot extract: %s"), archive_error_string(w));
	}
}

/* Moves what the staging directory holds into dir, refusing to replace. */
static int
move_staged(const char *stage, const char *dir, struct tim_err *err)
{
	DIR *d = opendir(stage);
	struct dirent *de;
	struct stat sb;
	int sfd, dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), pass, rc = 0;

	if (d == NULL || dfd < 0) {
		if (d != NULL)
			closedir(d);
		if (dfd >= 0)
			close(dfd);
		return tim_errorf(err, errno, _("cannot extract into '%s'"), dir);
	}
	sfd = dirfd(d);
	/* First look for clashes, so that nothing moves when one exists. */
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		rewinddir(d);
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (pass == 0 && fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
				rc = tim_errorf(err, EEXIST, _("cannot extract '%s'"), de->d_name);
				break;
			}
			if (pass == 1 && renameat2(sfd, de->d_name, dfd, de->d_name,
			    RENAME_NOREPLACE) < 0) {
				rc = tim_errorf(err, errno, _("cannot extract '%s'"), de->d_name);
				break;
			}
		}
	}
	closedir(d);
	close(dfd);
	return rc;
}

int
tim_seal_extract_bundle(int fd, const char *dir, uint64_t limit,
    json_t *info, struct tim_err *err)
{
	struct tim_buf stage = TIM_BUF_INIT;
	struct archive *a = NULL, *w = NULL;
	json_t *files = json_array();
	int rc = -1;

	tim_buf_addf(&stage, "%s/.tim-seal-XXXXXX", dir);
	if (stage.failed || files == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (mkdtemp(stage.buf) == NULL) {
		tim_errorf(err, errno, _("cannot extract into '%s'"), dir);
		goto out;
	}
	a = archive_read_new();
	w = archive_write_disk_new();
	if (a == NULL || w == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto fail;
	}
	archive_read_support_format_tar(a);
	archive_read_support_format_zip(a);
	/*
	 * extract_entries refuses absolute names and ".." in every entry and
	 * hard link before the staging prefix goes on; libarchive's own checks
	 * of them would see the prefix too and refuse a DIR given as an
	 * absolute path or through "..".
	 */
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	    ARCHIVE_EXTRACT_NO_OVERWRITE | ARCHIVE_EXTRACT_TIME);
	if (lseek(fd, 0, SEEK_SET) < 0 || archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		tim_failf(err, _("the content is not a tar or zip bundle: %s"),
		    archive_error_string(a) ? archive_error_string(a) : "");
		goto fail;
	}
	if (extract_entries(a, w, stage.buf, limit ? limit : EXTRACT_MAX, files, err) < 0)
		goto fail;
	if (archive_write_close(w) != ARCHIVE_OK) {
		tim_failf(err, _("cannot extract: %s"), archive_error_string(w));
		goto fail;
	}
	if (move_staged(stage.buf, dir, err) < 0)
		goto fail;
	rm_tree(stage.buf);
	json_object_set_new(info, "extracted", files);
	files = NULL;
	rc = 0;
	goto out;
fail:
	rm_tree(stage.buf);
out:
	archive_read_free(a);
	archive_write_free(w);
	json_decref(files);
	tim_buf_release(&stage);
	return rc;
}
