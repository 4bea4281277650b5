#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "carrier.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "zippkg.h"
#include "banned.h"

/* The content carrier: finds the file's type and hands it to its module. */

const char *
tim_content_name(int type)
{
	static const char *names[] = { "", "other", "text", "docx", "xlsx",
	    "pptx", "odt", "ods", "odp", "pdf", "png", "jpeg", "eml" };

	if (type < 0 || type > TIM_CONTENT_LAST)
		return "";
	return names[type];
}

int
tim_content_type(const char *name)
{
	int t;

	for (t = TIM_CONTENT_OTHER; t <= TIM_CONTENT_LAST; t++)
		if (strcmp(name, tim_content_name(t)) == 0)
			return t;
	return TIM_CONTENT_NONE;
}

/*
 * An OLE compound file is a legacy .doc/.xls/.ppt, or an Office Open XML
 * document that Office encrypted with a password: then its first directory
 * sector names an "EncryptionInfo" stream (MS-OFFCRYPTO).
 */
static int
cfb_encrypted(int fd)
{
	static const char name[] = "E\0n\0c\0r\0y\0p\0t\0i\0o\0n\0I\0n\0f\0o\0";
	unsigned char h[52], dir[4096];
	unsigned int shift, sect;
	ssize_t n;

	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return 0;
	shift = (unsigned)h[30] | (unsigned)h[31] << 8;
	sect = (unsigned)h[48] | (unsigned)h[49] << 8 | (unsigned)h[50] << 16 | (unsigned)h[51] << 24;
	if ((shift != 9 && shift != 12) || sect >= 0xfffffffau)
		return 0;
	n = pread(fd, dir, (size_t)1 << shift, ((off_t)sect + 1) << shift);
	return n > 0 && memmem(dir, (size_t)n, name, sizeof(name) - 1) != NULL;
}

int
tim_content_detect(int fd, const char *path, int *type, char *note,
    struct tim_err *err)
{
	unsigned char magic[8];
	ssize_t n;

	note[0] = '\0';
	n = pread(fd, magic, sizeof(magic), 0);
	if (n < 0) {
		snprintf(note, 256, "%s", strerror(errno));
		*type = TIM_CONTENT_OTHER;
		return -1;
	}
	if (n >= 5 && memcmp(magic, "%PDF-", 5) == 0) {
		*type = TIM_CONTENT_PDF;
		return 0;
	}
	if (n >= 8 && memcmp(magic, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0) {
		*type = TIM_CONTENT_OTHER;
		if (cfb_encrypted(fd))
			return tim_errorf(err, 0, _("'%s' is an encrypted Office document: its content cannot be read or marked without the password"), path);
		snprintf(note, 256, "%s", _("a legacy Office file (.doc, .xls, .ppt), which tim does not write into"));
		return 0;
	}
	if (n >= 8 && memcmp(magic, "\x89PNG\r\n\x1a\n", 8) == 0) {
		*type = TIM_CONTENT_PNG;
		return 0;
	}
	if (n >= 3 && memcmp(magic, "\xff\xd8\xff", 3) == 0) {
		*type = TIM_CONTENT_JPEG;
		return 0;
	}
	if (n >= 4 && memcmp(magic, "PK\3\4", 4) == 0) {
		static const char *const mt[] = { "mimetype", NULL };
		struct tim_zpkg p;

		*type = TIM_CONTENT_OTHER;
		if (tim_zpkg_load(&p, fd, path, mt, err) < 0)
			return -1;
		*type = tim_ooxml_kind(&p);
		if (*type == TIM_CONTENT_OTHER)
			*type = tim_odf_kind(&p);
		tim_zpkg_release(&p);
		if (*type == TIM_CONTENT_OTHER)
			snprintf(note, 256, "%s", _("a zip archive that is not an Office or OpenDocument file"));
		return 0;
	}
	{
		const char *dot = strrchr(path, '.');

		if (dot != NULL && strchr(dot, '/') == NULL && strcasecmp(dot, ".eml") == 0 &&
		    memchr(magic, '\0', (size_t)n) == NULL) {
			*type = TIM_CONTENT_EML;
			return 0;
		}
	}
	if (tim_text_detect(fd, path, note) >= 0) {
		*type = TIM_CONTENT_TEXT;
		return 0;
	}
	*type = TIM_CONTENT_OTHER;
	return 0;
}

int
tim_content_read(const struct tim_label_scheme *s, int fd, const char *path,
    int type, struct tim_label *out, struct tim_err *err)
{
	tim_label_clear(out);
	switch (type) {
	case TIM_CONTENT_TEXT:
		return tim_text_read(s, fd, path, out, err);
	case TIM_CONTENT_DOCX:
	case TIM_CONTENT_XLSX:
	case TIM_CONTENT_PPTX:
		return tim_ooxml_read(s, fd, path, out, err);
	case TIM_CONTENT_ODT:
	case TIM_CONTENT_ODS:
	case TIM_CONTENT_ODP:
		return tim_odf_read(s, fd, path, out, err);
	case TIM_CONTENT_PDF:
		return tim_pdf_read_label(s, fd, path, out, err);
	case TIM_CONTENT_PNG:
	case TIM_CONTENT_JPEG:
		return tim_image_read(s, fd, path, type, out, err);
	case TIM_CONTENT_EML:
		return tim_eml_read(s, fd, path, out, err);
	default:
		return 0;
	}
}

int
tim_content_write(const struct tim_label_scheme *s, int fd, const char *path,
    int type, const struct tim_label *l, int out, struct tim_err *err)
{
	switch (type) {
	case TIM_CONTENT_TEXT:
		return tim_text_write(s, fd, path, l, out, err);
	case TIM_CONTENT_DOCX:
	case TIM_CONTENT_XLSX:
	case TIM_CONTENT_PPTX:
		return tim_ooxml_write(s, fd, path, type, l, out, err);
	case TIM_CONTENT_ODT:
	case TIM_CONTENT_ODS:
	case TIM_CONTENT_ODP:
		return tim_odf_write(s, fd, path, type, l, out, err);
	case TIM_CONTENT_PDF:
		return tim_pdf_write_label(s, fd, path, l, out, err);
	case TIM_CONTENT_PNG:
	case TIM_CONTENT_JPEG:
		return tim_image_write(s, fd, path, type, l, out, err);
	case TIM_CONTENT_EML:
		return tim_eml_write(s, fd, path, l, out, err);
	default:
		return tim_errorf(err, 0, _("'%s': no content carrier for this file type"), path);
	}
}
