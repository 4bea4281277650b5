/*
 * libFuzzer: the reader of an earlier self-check report (--previous
 * FILE.json) and the three reports that show it beside this one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "selfcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tim_selfcheck sc;
	struct tim_err err;
	char *text = malloc(size + 1);
	FILE *f;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	tim_err_clear(&err);
	tim_selfcheck_init(&sc);
	if (tim_selfcheck_load_previous(&sc, text, "fuzz", &err) == 0 &&
	    (f = fopen("/dev/null", "w")) != NULL) {
		tim_selfcheck_write_text(&sc, f);
		tim_selfcheck_write_json(&sc, f);
		tim_selfcheck_write_html(&sc, f);
		fclose(f);
	}
	free(text);
	return 0;
}
