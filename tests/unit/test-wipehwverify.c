/*
 * The read-back around a hardware erase (wipe_hwverify.c) on plain files
 * standing in for devices: a device that changes nothing fails, one that
 * zeroes everything passes, one block left behind is found, blocks that
 * were already zero count as erased, a promise of zeros is held to.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "err.h"
#include "sanitize.h"
#include "wipe.h"
#include "wipe_hwverify.h"
#include "tap.h"

#define BS 512
#define NBLK 16384	/* 8 MiB: the sample is 1,000 blocks, not all */

static char path[] = "/tmp/test-wipehwverify-XXXXXX";

static void
fill(int fd, int what)
{
	static unsigned char b[BS];
	uint64_t i;

	for (i = 0; i < NBLK; i++) {
		if (what == 0)
			memset(b, 0, BS);
		else
			snprintf((char *)b, BS, "sentinel block %llu", (unsigned long long)i);
		if (pwrite(fd, b, BS, (off_t)(i * BS)) != BS)
			abort();
	}
}

static void
put(int fd, uint64_t blk, unsigned char c)
{
	unsigned char b[BS];

	memset(b, c, BS);
	if (pwrite(fd, b, BS, (off_t)(blk * BS)) != BS)
		abort();
}

int
main(void)
{
	struct tim_sanitize_caps c;
	struct tim_hwverify v;
	struct tim_err err;
	json_t *j;
	size_t i;
	int fd, sorted = 1;

	tim_err_clear(&err);
	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	unlink(path);

	/* A device that reports success and changes nothing. */
	fill(fd, 1);
	is_int(tim_hwverify_before(&v, fd, (uint64_t)NBLK * BS, BS, TIM_VERIFY_SAMPLE,
	    TIM_HWV_CHANGED, NULL, NULL, &err), 0, "before: hashed");
	is_int(v.n, 1000, "the sample: at least 1,000 blocks (1%% of 16,384 is fewer)");
	ok(v.blk && v.blk[0] == 0 && v.blk[v.n - 1] == NBLK - 1, "the sample has the first and the last block");
	for (i = 1; v.blk && i < v.n; i++)
		if (v.blk[i] <= v.blk[i - 1])
			sorted = 0;
	ok(sorted, "the sample's blocks are distinct and ascending");
	is_int(tim_hwverify_after(&v, fd, &err), 0, "after: read");
	is_int(v.unchanged, 1000, "nothing erased: every sampled block still holds its old content");
	ok(!tim_hwverify_passed(&v), "nothing erased: failed");
	is_int(v.first_unchanged, 0, "the first unchanged block is named by its offset");
	j = tim_hwverify_json(&v);
	is_str(json_string_value(json_object_get(j, "result")), "failed", "the certificate says failed");
	is_int(json_integer_value(json_object_get(j, "blocks_unchanged")), 1000, "and how many blocks");
	json_decref(j);

	/* Everything zeroed, zeros promised. */
	tim_hwverify_release(&v);
	tim_hwverify_before(&v, fd, (uint64_t)NBLK * BS, BS, TIM_VERIFY_SAMPLE, TIM_HWV_ZEROS, NULL, NULL, &err);
	fill(fd, 0);
	tim_hwverify_after(&v, fd, &err);
	ok(tim_hwverify_passed(&v) && v.checked == 1000 && v.bytes_read == 1000 * BS,
	    "zeroed: passed, 1,000 blocks read");
	j = tim_hwverify_json(&v);
	is_str(json_string_value(json_object_get(j, "result")), "passed", "the certificate says passed");
	is_str(json_string_value(json_object_get(j, "expected")), "zeros", "and what was expected");
	json_decref(j);

	/* Already zero before and after: erased, not unchanged. */
	tim_hwverify_release(&v);
	tim_hwverify_before(&v, fd, (uint64_t)NBLK * BS, BS, TIM_VERIFY_ALL, TIM_HWV_CHANGED, NULL, NULL, &err);
	is_int(v.n, NBLK, "--verify all: every block hashed");
	tim_hwverify_after(&v, fd, &err);
	ok(tim_hwverify_passed(&v) && v.already == NBLK && v.unchanged == 0,
	    "blocks that held the erased state before count as erased");

	/* All read: one block left with its old content is found. */
	tim_hwverify_release(&v);
	fill(fd, 1);
	tim_hwverify_before(&v, fd, (uint64_t)NBLK * BS, BS, TIM_VERIFY_ALL, TIM_HWV_CHANGED, NULL, NULL, &err);
	fill(fd, 0);
	{
		char b[BS];

		memset(b, 0, sizeof(b));
		snprintf(b, sizeof(b), "sentinel block %d", 12345);
		if (pwrite(fd, b, BS, (off_t)12345 * BS) != BS)
			abort();
	}
	tim_hwverify_after(&v, fd, &err);
	ok(!tim_hwverify_passed(&v) && v.unchanged == 1 && v.first_unchanged == 12345ull * BS,
	    "--verify all: the one block left behind is found, at its offset");

	/* Changed, but not to the zeros that were promised. */
	tim_hwverify_release(&v);
	fill(fd, 1);
	tim_hwverify_before(&v, fd, (uint64_t)NBLK * BS, BS, TIM_VERIFY_ALL, TIM_HWV_ZEROS, NULL, NULL, &err);
	fill(fd, 0);
	put(fd, 7, 0x5a);
	tim_hwverify_after(&v, fd, &err);
	ok(!tim_hwverify_passed(&v) && v.unchanged == 0 && v.unexpected == 1 &&
	    v.first_unexpected == 7 * BS, "a block that is not zeros where zeros were promised fails");
	tim_hwverify_release(&v);

	/* What each action promises. */
	memset(&c, 0, sizeof(c));
	c.kind = TIM_SAN_NVME;
	c.dlfeat = 1;
	is_int(tim_hwverify_expect(&c, TIM_HW_BLOCK), TIM_HWV_ZEROS, "NVMe block erase, DLFEAT zeros: zeros");
	is_int(tim_hwverify_expect(&c, TIM_HW_CRYPTO), TIM_HWV_CHANGED, "crypto erase: anything but the old content");
	c.dlfeat = 0;
	is_int(tim_hwverify_expect(&c, TIM_HW_BLOCK), TIM_HWV_CHANGED, "NVMe block erase, DLFEAT silent: changed");
	c.kind = TIM_SAN_SCSI;
	is_int(tim_hwverify_expect(&c, TIM_HW_OVERWRITE), TIM_HWV_ZEROS, "the device's overwrite of zeros: zeros");

	/* A device smaller than a block. */
	ok(tim_hwverify_before(&v, fd, 100, BS, TIM_VERIFY_SAMPLE, TIM_HWV_CHANGED, NULL, NULL, &err) < 0 &&
	    err.kind == TIM_ERR_INVALID, "smaller than one block: refused");
	tim_hwverify_release(&v);
	close(fd);
	return tap_done();
}
