/*
 * libFuzzer: the resume state of tim-wipe (--resume), a JSON file beside
 * the target that anyone able to write there may have changed: loaded,
 * then applied to a job as a resumed run would (pass, phase, offset, the
 * ranges that could not be written).
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "wipe.h"
#include "wipe_state.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_path("state.json");
	struct tim_wipe_method m;
	struct tim_wipe_job j;
	struct tim_err err;
	uint64_t before = 0;
	json_t *st;

	fuzz_write(path, data, size, 0600);
	tim_err_clear(&err);
	st = tim_wipe_state_load(path, &err);
	if (st == NULL)
		return 0;
	if (tim_wipe_method_parse(size & 1 ? "purge" : "passes=0x00,random,0xff", &m, &err) == 0) {
		memset(&j, 0, sizeof(j));
		j.size = 1 << 20;
		j.align = size & 2 ? 4096 : 0;
		j.method = &m;
		tim_wipe_state_resume(st, &j, &before);
		if (j.start_pass > m.npasses || j.start_offset > j.size)
			abort();	/* the resume must stay inside the job */
		tim_wipe_ranges_release(&j.bad);
	}
	json_decref(st);
	return 0;
}
