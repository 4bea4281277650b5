/*
 * Fault injection for tim-wipe's tests, linked only into the test build of
 * the tool: the installed tim-wipe has no code that reads these variables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wipe.h"
#include "wipe-faults.h"
#include "banned.h"

int
tim_wipe_test_faults(struct tim_wipe_faults *f)
{
	const char *s;
	unsigned long long o, l;

	memset(f, 0, sizeof(*f));
	s = getenv("TIM_TEST_WIPE_EIO");
	if (s && sscanf(s, "%llu:%llu", &o, &l) == 2) {
		f->eio_off = o;
		f->eio_len = l;
	}
	s = getenv("TIM_TEST_WIPE_STOP_AFTER");
	if (s && sscanf(s, "%llu", &o) == 1)
		f->stop_after = o;
	s = getenv("TIM_TEST_WIPE_TAMPER");
	if (s && sscanf(s, "%llu", &o) == 1) {
		f->tamper = 1;
		f->tamper_off = o;
	}
	s = getenv("TIM_TEST_WIPE_SKIP_HW");
	f->skip_hw = s != NULL && strcmp(s, "1") == 0;
	s = getenv("TIM_TEST_WIPE_ATA_SECURITY");
	f->ata_security = s != NULL && strcmp(s, "1") == 0;
	s = getenv("TIM_TEST_WIPE_GROW");
	f->grow = s != NULL && strcmp(s, "1") == 0;
	return f->eio_len || f->stop_after || f->tamper || f->skip_hw || f->ata_security ||
	    f->grow;
}
