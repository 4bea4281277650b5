#include <string.h>

#include "buf.h"
#include "csv.h"
#include "banned.h"

int
tim_csv_bom(struct tim_buf *out)
{
	return tim_buf_adds(out, "\xef\xbb\xbf");
}

int
tim_csv_cell(struct tim_buf *out, const char *cell, int last)
{
	const char *p;

	if (cell == NULL)
		cell = "";
	tim_buf_addch(out, '"');
	/* A cell Excel would run as a formula (CWE-1236) is kept as text. */
	if (cell[0] != '\0' && strchr("=+-@\t\r", cell[0]) != NULL)
		tim_buf_addch(out, '\'');
	for (p = cell; *p; p++) {
		if (*p == '"')
			tim_buf_addch(out, '"');
		tim_buf_addch(out, *p);
	}
	tim_buf_addch(out, '"');
	return tim_buf_adds(out, last ? "\r\n" : ",");
}

int
tim_csv_row(struct tim_buf *out, const char *const *cells, size_t n)
{
	size_t i;
	int r = 0;

	if (n == 0)
		return tim_buf_adds(out, "\r\n");
	for (i = 0; i < n; i++)
		r = tim_csv_cell(out, cells[i], i + 1 == n);
	return r;
}
