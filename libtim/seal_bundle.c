/*
 * Several files or a directory sealed as one tar or zip: libarchive reads
 * them from disk (links not followed) and writes the bundle straight into
 * the sealing pipeline, so that no bundle is ever written in the clear.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "seal.h"
#include "seal_impl.h"
#include "banned.h"

/* libarchive writes the bundle straight into the pipeline. */
struct arc_ctx {
	struct tim_seal_sink *s;
	struct tim_err *err;
	int failed;
};

static la_ssize_t
arc_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct arc_ctx *c = ctx;

	(void)a;
	if (tim_seal_sink_write(c->s, buf, n, c->err) < 0) {
		c->failed = 1;
		return -1;
	}
	return (la_ssize_t)n;
}

/* The name a path gets in the bundle: from its last component down. */
static char *
bundle_name(const char *top, const char *path)
{
	struct tim_buf b = TIM_BUF_INIT;
	char *copy = strdup(top), *base;
	size_t tl = strlen(top);

	if (copy == NULL)
		return NULL;
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	base = basename(copy);
	if (strcmp(base, "/") == 0 || strcmp(base, "..") == 0 || strcmp(base, ".") == 0)
		base = (char *)"bundle";
	tim_buf_adds(&b, base);
	if (strncmp(path, top, tl) == 0 && path[tl] != '\0') {
		const char *rest = path + tl;

		while (*rest == '/')
			rest++;
		tim_buf_addch(&b, '/');
		tim_buf_adds(&b, rest);
	}
	free(copy);
	if (b.failed) {
		tim_buf_release(&b);
		return NULL;
	}
	return tim_buf_detach(&b, NULL);
}

static int
bundle_add(struct archive *w, const char *top, struct arc_ctx *c,
    size_t *count, struct tim_err *err)
{
	struct archive *d = archive_read_disk_new();
	struct archive_entry *e;
	unsigned char *buf = NULL;
	int st, rc = -1;
	la_ssize_t n;

	if (d == NULL)
		return tim_errorf(err, ENOMEM, _("cannot read '%s'"), top);
	archive_read_disk_set_symlink_physical(d);
	archive_read_disk_set_standard_lookup(d);
	buf = malloc(TIM_SEAL_CHUNK);
	if (buf == NULL || archive_read_disk_open(d, top) != ARCHIVE_OK) {
		tim_errorf(err, buf ? 0 : ENOMEM, _("cannot read '%s': %s"), top,
		    archive_error_string(d) ? archive_error_string(d) : "");
		goto out;
	}
	for (;;) {
		char *name;

		e = archive_entry_new();
		if (e == NULL) {
			tim_errorf(err, ENOMEM, _("cannot read '%s'"), top);
			goto out;
		}
		st = archive_read_next_header2(d, e);
		if (st == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (st != ARCHIVE_OK && st != ARCHIVE_WARN) {
			tim_errorf(err, 0, _("cannot read '%s': %s"), top, archive_error_string(d));
			archive_entry_free(e);
			goto out;
		}
		archive_read_disk_descend(d);
		name = bundle_name(top, archive_entry_pathname(e));
		if (name == NULL) {
			tim_errorf(err, ENOMEM, _("cannot read '%s'"), top);
			archive_entry_free(e);
			goto out;
		}
		archive_entry_set_pathname(e, name);
		free(name);
		if (archive_write_header(w, e) != ARCHIVE_OK) {
			if (!c->failed)
				tim_errorf(err, 0, _("cannot bundle '%s': %s"),
				    archive_entry_pathname(e), archive_error_string(w));
			archive_entry_free(e);
			goto out;
		}
		if (archive_entry_filetype(e) != AE_IFDIR)
			(*count)++;
		if (archive_entry_filetype(e) == AE_IFREG) {
			while ((n = archive_read_data(d, buf, TIM_SEAL_CHUNK)) > 0)
				if (archive_write_data(w, buf, (size_t)n) != n) {
					if (!c->failed)
						tim_errorf(err, 0, _("cannot bundle '%s': %s"),
						    archive_entry_pathname(e), archive_error_string(w));
					archive_entry_free(e);
					goto out;
				}
			if (n < 0) {
				tim_errorf(err, 0, _("cannot read '%s': %s"),
				    archive_entry_sourcepath(e), archive_error_string(d));
				archive_entry_free(e);
				goto out;
			}
		}
		archive_entry_free(e);
	}
	rc = 0;
out:
	free(buf);
	archive_read_free(d);
	return rc;
}

int
tim_seal_write_bundle(char *const *files, size_t nfiles, int zip, struct tim_seal_sink *s,
    size_t *count, struct tim_err *err)
{
	struct arc_ctx c = { s, err, 0 };
	struct archive *w = archive_write_new();
	size_t i;
	int rc = -1;

	if (w == NULL)
		return tim_errorf(err, ENOMEM, _("cannot make the bundle"));
	if ((zip ? archive_write_set_format_zip(w) :
	    archive_write_set_format_pax_restricted(w)) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w, 1) != ARCHIVE_OK ||
	    archive_write_open(w, &c, NULL, arc_write, NULL) != ARCHIVE_OK) {
		tim_errorf(err, 0, _("cannot make the bundle: %s"), archive_error_string(w));
		goto out;
	}
	for (i = 0; i < nfiles; i++)
		if (bundle_add(w, files[i], &c, count, err) < 0)
			goto out;
	if (archive_write_close(w) != ARCHIVE_OK) {
		if (!c.failed)
			tim_errorf(err, 0, _("cannot make the bundle: %s"), archive_error_string(w));
		goto out;
	}
	rc = 0;
out:
	archive_write_free(w);
	return rc;
}
