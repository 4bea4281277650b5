#ifndef TIM_CARRIER_H
#define TIM_CARRIER_H

#include <stddef.h>

#include "label.h"

struct tim_buf;
struct tim_err;

/*
 * The carriers of a label, one module each (carrier_*.c). Readers return 1
 * and the label when the carrier holds one, 0 when it holds none and -1 on
 * an error. Writers take the label to write, or NULL to remove it.
 */

/* File name: 【社外秘】 in front of the base name. */

/*
 * The base name of path without every leading label prefix: into rest, and
 * the highest level among the prefixes into level ("" when none). Returns
 * how many prefixes there were.
 */
int tim_carrier_name_split(const struct tim_label_scheme *s, const char *path,
    struct tim_buf *rest, char level[TIM_LABEL_LEVEL_MAX]);
int tim_carrier_name_read(const struct tim_label_scheme *s, const char *path,
    struct tim_label *out);
/* The path path would get: with l's prefix (once), or with none for NULL. */
int tim_carrier_name_target(const struct tim_label_scheme *s,
    const char *path, const struct tim_label *l, struct tim_buf *out);
/* Renames within the folder, never replacing an existing file. */
int tim_carrier_name_rename(const char *from, const char *to,
    struct tim_err *err);

/* Extended attributes user.tim.*; a filesystem without them gives ENOTSUP. */
int tim_carrier_xattr_read(const char *path, struct tim_label *out,
    struct tim_err *err);
int tim_carrier_xattr_write(const char *path, const struct tim_label *l,
    struct tim_err *err);

/* Folder: DIR/.timlabel. */
#define TIM_FOLDER_FILE ".timlabel"
int tim_carrier_folder_read(const struct tim_label_scheme *s, const char *dir,
    struct tim_label *out, struct tim_err *err);
int tim_carrier_folder_write(const struct tim_label_scheme *s,
    const char *dir, const struct tim_label *l, struct tim_err *err);

/*
 * The nearest folder label over path from the carriers in bits
 * (TIM_CARRIER_FOLDER: .timlabel, TIM_CARRIER_FOLDER_NAME: the folder's
 * name), as tim_label_inherited; which gets the carrier that held it.
 */
int tim_folder_inherited(const struct tim_label_scheme *s, const char *path,
    int bits, struct tim_label *out, char *where, size_t wlen, int *which,
    struct tim_err *err);

/* Content types, detected from the bytes (and for text, the name). */
enum tim_content {
	TIM_CONTENT_NONE,	/* not a regular file */
	TIM_CONTENT_OTHER,	/* no content carrier for this type */
	TIM_CONTENT_TEXT,
	TIM_CONTENT_DOCX,
	TIM_CONTENT_XLSX,
	TIM_CONTENT_PPTX,
	TIM_CONTENT_ODT,
	TIM_CONTENT_ODS,
	TIM_CONTENT_ODP,
	TIM_CONTENT_PDF,
	TIM_CONTENT_PNG,
	TIM_CONTENT_JPEG,
	TIM_CONTENT_EML,
	TIM_CONTENT_LAST = TIM_CONTENT_EML
};

const char *tim_content_name(int type);
/* The type named name ("docx"), or TIM_CONTENT_NONE. */
int tim_content_type(const char *name);

/*
 * The type of the open file fd named path; note says why a file gets no
 * content carrier (note holds 256 bytes). A damaged document is -1.
 */
int tim_content_detect(int fd, const char *path, int *type, char *note,
    struct tim_err *err);

/* Reads the content label of fd (at offset 0). */
int tim_content_read(const struct tim_label_scheme *s, int fd,
    const char *path, int type, struct tim_label *out, struct tim_err *err);

/* Writes fd's contents with label l (NULL: without a label) to out. */
int tim_content_write(const struct tim_label_scheme *s, int fd,
    const char *path, int type, const struct tim_label *l, int out,
    struct tim_err *err);

/* Office Open XML: docProps/custom.xml, headers and footers. */
struct tim_zpkg;
int tim_ooxml_kind(struct tim_zpkg *p);
int tim_ooxml_read(const struct tim_label_scheme *s, int fd, const char *path,
    struct tim_label *out, struct tim_err *err);
int tim_ooxml_write(const struct tim_label_scheme *s, int fd,
    const char *path, int type, const struct tim_label *l, int out,
    struct tim_err *err);

/* OpenDocument: meta.xml user-defined properties, master-page headers. */
int tim_odf_kind(struct tim_zpkg *p);
int tim_odf_read(const struct tim_label_scheme *s, int fd, const char *path,
    struct tim_label *out, struct tim_err *err);
int tim_odf_write(const struct tim_label_scheme *s, int fd, const char *path,
    int type, const struct tim_label *l, int out, struct tim_err *err);

/* PDF: Info dictionary and XMP through an incremental update. */
int tim_pdf_read_label(const struct tim_label_scheme *s, int fd,
    const char *path, struct tim_label *out, struct tim_err *err);
int tim_pdf_write_label(const struct tim_label_scheme *s, int fd,
    const char *path, const struct tim_label *l, int out,
    struct tim_err *err);

/* PNG (iTXt) and JPEG (APP1): an XMP packet of tim's own (carrier_image.c). */
int tim_image_read(const struct tim_label_scheme *s, int fd, const char *path,
    int type, struct tim_label *out, struct tim_err *err);
int tim_image_write(const struct tim_label_scheme *s, int fd, const char *path,
    int type, const struct tim_label *l, int out, struct tim_err *err);

/* E-mail (.eml): an X-TIM-Label field and the subject's prefix (carrier_eml.c). */
int tim_eml_read(const struct tim_label_scheme *s, int fd, const char *path,
    struct tim_label *out, struct tim_err *err);
int tim_eml_write(const struct tim_label_scheme *s, int fd, const char *path,
    const struct tim_label *l, int out, struct tim_err *err);

/* Text: a first-line comment in the file's syntax. */
int tim_text_detect(int fd, const char *path, char *note);
int tim_text_read(const struct tim_label_scheme *s, int fd, const char *path,
    struct tim_label *out, struct tim_err *err);
int tim_text_write(const struct tim_label_scheme *s, int fd, const char *path,
    const struct tim_label *l, int out, struct tim_err *err);

#endif
