#ifndef TIM_WIPE_HWVERIFY_H
#define TIM_WIPE_HWVERIFY_H

#include <stdint.h>

#include <jansson.h>

struct tim_err;
struct tim_sanitize_caps;

/*
 * Reading a device back around its own erase (NIST SP 800-88 Rev. 1 §4.7).
 * A hardware erase writes nothing of tim's, so there is no pattern to
 * compare with: the blocks are hashed before the command and read again
 * after it. "Verified" means that no block still holds its old content
 * (a block that held the erased state before, all 0x00 or all 0xff, counts
 * as erased) and that every block holds what the command promises where it
 * promises something (zeros when the device reports that erased blocks read
 * as zeros). The sample is the first and last block and unpredictable
 * blocks covering at least 1% of the device or 1,000 blocks; TIM_VERIFY_ALL
 * reads everything, twice.
 */

/* What the erased device must read as. */
enum {
	TIM_HWV_CHANGED,	/* anything but the old content */
	TIM_HWV_ZEROS,		/* all 0x00 */
	TIM_HWV_ONES		/* all 0xff */
};

#define TIM_HWV_HASH	16	/* bytes of SHA-256 kept per block */

/* Called as blocks are read: done of total bytes. */
typedef void tim_hwverify_progress_fn(void *ctx, uint64_t done, uint64_t total);

struct tim_hwverify {
	int mode;		/* TIM_VERIFY_SAMPLE or TIM_VERIFY_ALL */
	int expect;		/* TIM_HWV_* */
	uint64_t size;		/* bytes on the device */
	unsigned unit;		/* bytes per block compared */
	uint64_t nblocks;	/* blocks on the device */
	size_t n;		/* blocks hashed */
	uint64_t *blk;		/* their numbers, ascending (NULL: 0..n-1) */
	unsigned char *hash;	/* n * TIM_HWV_HASH */
	unsigned char *before;	/* n: 0 data, 1 erased state, 2 unreadable */

	/* after */
	uint64_t checked;	/* blocks read after the erase */
	uint64_t bytes_read;	/* after the erase */
	uint64_t already;	/* held the erased state before and after */
	uint64_t unchanged;	/* still hold their old content */
	uint64_t unexpected;	/* changed, but not to what was promised */
	uint64_t unreadable;	/* could not be read after */
	uint64_t first_unchanged, first_unexpected, first_unreadable;	/* byte offsets; UINT64_MAX none */

	tim_hwverify_progress_fn *progress;	/* from tim_hwverify_before, or NULL */
	void *progress_ctx;
};

/* What action (TIM_HW_*) promises on the device c describes. */
int tim_hwverify_expect(const struct tim_sanitize_caps *c, int action);
const char *tim_hwverify_expect_name(int expect);

/*
 * Picks the blocks and hashes them, reading fd (the device, opened with
 * O_DIRECT so the page cache is not what is read) of size bytes with
 * logical sector size logical; progress (may be NULL) hears how far both
 * reads are. -1 with err when memory or the device fails
 * as a whole.
 */
int tim_hwverify_before(struct tim_hwverify *v, int fd, uint64_t size,
    unsigned logical, int mode, int expect, tim_hwverify_progress_fn *progress,
    void *ctx, struct tim_err *err);

/* Reads the same blocks after the erase and judges them. */
int tim_hwverify_after(struct tim_hwverify *v, int fd, struct tim_err *err);

/* 1 when the read-back found nothing wrong. */
int tim_hwverify_passed(const struct tim_hwverify *v);

/*
 * The certificate's verification block: what was read, how and the result.
 * A new object.
 */
json_t *tim_hwverify_json(const struct tim_hwverify *v);

void tim_hwverify_release(struct tim_hwverify *v);

#endif
