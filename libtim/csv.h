#ifndef TIM_CSV_H
#define TIM_CSV_H

#include <stddef.h>

struct tim_buf;

/*
 * The one CSV writer for every CSV tim writes (tim-mark --list --csv,
 * tim-ledger list --csv, reports): RFC 4180 as Excel reads it. The file
 * starts with a UTF-8 byte order mark (Excel takes a file without one as
 * the ANSI code page, CP932 on a Japanese Windows); every cell is quoted,
 * quotes doubled; rows end in CRLF; a cell that Excel would run as a
 * formula (=, +, -, @, tab, CR first) gets a leading apostrophe.
 */

/* The byte order mark, once at the start of the output. */
int tim_csv_bom(struct tim_buf *out);

/* One cell; last ends the row with CRLF, otherwise a comma follows. */
int tim_csv_cell(struct tim_buf *out, const char *cell, int last);

/* A whole row of n cells; a NULL cell is empty. */
int tim_csv_row(struct tim_buf *out, const char *const *cells, size_t n);

#endif
