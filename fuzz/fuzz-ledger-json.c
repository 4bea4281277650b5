/*
 * libFuzzer: the input of tim-ledger append --json (JSON lines, one record
 * each, from a script or another tool), appended to a fresh ledger; then
 * the ledger must still verify: a bad batch leaves nothing behind.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "ledger.h"
#include "ledger_json.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_path("reg.tim");
	struct tim_ledger *l = NULL;
	struct tim_ledger_verify_opts vo;
	struct tim_ledger_verify_result res;
	struct tim_err err;
	uint64_t first = 0, last = 0;
	FILE *in;

	if (size == 0)
		return 0;
	unlink(path);
	tim_err_clear(&err);
	if (tim_ledger_create(path, "fuzz.example/reg", &err) < 0 ||
	    tim_ledger_open(&l, path, TIM_LEDGER_NOSYNC, &err) < 0)
		abort();
	in = fmemopen((void *)data, size, "r");
	if (in == NULL)
		abort();
	(void)tim_ledger_append_jsonl(l, in, &first, &last, &err);
	fclose(in);
	tim_ledger_close(l);
	memset(&vo, 0, sizeof(vo));
	tim_err_clear(&err);
	if (tim_ledger_verify(path, &vo, &res, &err) < 0 || !res.ok) {
		fprintf(stderr, "fuzz-ledger-json: the ledger no longer verifies: %s\n",
		    err.msg[0] ? err.msg : res.reason);
		abort();
	}
	return 0;
}
