/*
 * libFuzzer: a folder's .timlabel (tim-mark --folder, read by every tool
 * below it) and the label line of a header or a file name (tim_label_parse).
 */
#include <stddef.h>
#include <stdint.h>

#include "carrier.h"
#include "err.h"
#include "label.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int made;
	struct tim_label_scheme s;
	struct tim_label l;
	struct tim_err err;
	char where[4096];

	tim_label_scheme_default(&s);
	if (!made) {
		if (mkdir(fuzz_path("d"), 0700) < 0 || mkdir(fuzz_path("d/sub"), 0700) < 0)
			abort();
		made = 1;
	}
	fuzz_write(fuzz_path("d/.timlabel"), data, size, 0600);
	tim_err_clear(&err);
	(void)tim_carrier_folder_read(&s, fuzz_path("d"), &l, &err);
	tim_err_clear(&err);
	(void)tim_label_inherited(&s, fuzz_path("d/sub/file.txt"), &l, where,
	    sizeof(where), &err);
	(void)tim_label_parse(&s, (const char *)data, size, &l);
	return 0;
}
