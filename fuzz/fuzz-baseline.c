/*
 * libFuzzer: the baseline file of tim-check --baseline (JSON with a
 * "fingerprints" array), against a report that holds a few findings.
 */
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "err.h"
#include "report.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_path("baseline.json");
	struct tim_report r;
	struct tim_err err;

	fuzz_write(path, data, size, 0600);
	if (tim_report_init(&r, tim_check_rules, TIM_CHECK_NRULES) < 0)
		return 0;
	tim_report_add(&r, 0, "a/【社外秘】図面.pdf", 0, "社外秘", "finding %d", 1);
	tim_report_add(&r, 1, "b.txt", 3, "極秘", "finding %d", 2);
	tim_report_add(&r, 2, "c/d.docx", 0, "", "finding %d", 3);
	tim_err_clear(&err);
	if (tim_report_baseline_load(&r, path, &err) == 0) {
		(void)tim_report_worst(&r);
		(void)tim_report_count(&r, 0);
	}
	tim_report_release(&r);
	return 0;
}
