#ifndef TIM_PDF_H
#define TIM_PDF_H

#include <stddef.h>

struct tim_buf;
struct tim_err;

/*
 * A small, bounded PDF object reader (ISO 32000-1 §7): enough to find the
 * newest trailer, the catalog and the document information dictionary and
 * to read their entries, through classic cross-reference tables, cross-
 * reference streams (FlateDecode with PNG predictors) and object streams.
 * Everything is checked against the buffer's end, nesting is limited, and
 * decompression is capped; a file that does not fit is "damaged".
 */
#define TIM_PDF_MAX_STREAM	((size_t)64 << 20)
#define TIM_PDF_MAX_SECTIONS	256
#define TIM_PDF_MAX_DEPTH	32

struct tim_pdf_section {
	size_t at;		/* offset of "xref" or of the stream object */
	int stream;
	unsigned char *xref;	/* decoded xref stream */
	size_t *eoff;		/* classic: where each subsection's entries start */
	size_t xlen;
	long w[3];
	long *index;		/* pairs first,count */
	size_t nindex;
	size_t trailer, tlen;	/* the trailer dictionary's bytes */
};

struct tim_pdf {
	const unsigned char *data;
	size_t len;
	const char *path;
	struct tim_pdf_section *sec;	/* newest first */
	size_t nsec;
	long size;		/* /Size of the newest trailer */
	long root, root_gen, info, info_gen;	/* 0 when missing */
	int encrypted;
	long tim_base;		/* /TIM_Base of the newest trailer, or -1 */
};

/* A value's bytes: a slice of the file or of a decoded object stream. */
struct tim_pdf_obj {
	unsigned char *own;	/* storage when decoded, else NULL */
	const unsigned char *p;
	size_t len;		/* the object (dictionary) */
	const unsigned char *stream;	/* its stream data, raw, or NULL */
	size_t slen;
};

int tim_pdf_open(struct tim_pdf *p, const unsigned char *data, size_t len,
    const char *path, struct tim_err *err);
void tim_pdf_release(struct tim_pdf *p);

/* Object num (generation not checked against reuse); 0 when free or absent. */
int tim_pdf_get(struct tim_pdf *p, long num, struct tim_pdf_obj *o,
    struct tim_err *err);
void tim_pdf_obj_release(struct tim_pdf_obj *o);

/* Decodes o's stream (none or FlateDecode, with PNG predictors) into out. */
int tim_pdf_stream(struct tim_pdf *p, const struct tim_pdf_obj *o,
    struct tim_buf *out, struct tim_err *err);

/*
 * The value of /key in the dictionary d (len bytes, starting at "<<"), as
 * raw bytes; 1 when found, 0 when not, -1 when d is not a dictionary.
 */
int tim_pdf_dict_get(const unsigned char *d, size_t len, const char *key,
    const unsigned char **val, size_t *vlen);

/* Calls fn for each key (without '/') and raw value of d; stops on nonzero. */
int tim_pdf_dict_each(const unsigned char *d, size_t len,
    int (*fn)(const unsigned char *key, size_t klen, const unsigned char *val,
    size_t vlen, void *arg), void *arg);

/* "12 0 R" into num and gen. */
int tim_pdf_ref(const unsigned char *v, size_t len, long *num, long *gen);
/* An integer value. */
int tim_pdf_int(const unsigned char *v, size_t len, long *out);

/*
 * A text string (literal or hex; UTF-16BE with BOM, or PDFDocEncoding read
 * as Latin-1) as UTF-8 into out.
 */
int tim_pdf_text(const unsigned char *v, size_t len, struct tim_buf *out);

/* A UTF-8 string as a hex string <FEFF...> in UTF-16BE. */
int tim_pdf_hex_utf16(const char *s, struct tim_buf *out);

#endif
