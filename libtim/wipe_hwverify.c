#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <jansson.h>

#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "sanitize.h"
#include "util.h"
#include "wipe.h"
#include "wipe_hwverify.h"
#include "banned.h"

/*
 * Blocks kept: a hash and a flag each, 17 bytes. Past these counts the
 * block grows (by powers of two) so that the table stays under about 140
 * MiB while the sample still covers 1% of the bytes.
 */
#define SAMPLE_MAX	(4u << 20)
#define ALL_MAX		(8u << 20)
#define SAMPLE_MIN	1000
#define READ_CHUNK	(1u << 20)

int
tim_hwverify_expect(const struct tim_sanitize_caps *c, int action)
{
	/* The device's own overwrite writes tim's pattern, zeros. */
	if (action == TIM_HW_OVERWRITE)
		return TIM_HWV_ZEROS;
	/* NVMe: what deallocated blocks read as (DLFEAT), after a user-data erase. */
	if (c->kind == TIM_SAN_NVME && action == TIM_HW_BLOCK)
		return c->dlfeat == 1 ? TIM_HWV_ZEROS : c->dlfeat == 2 ? TIM_HWV_ONES :
		    TIM_HWV_CHANGED;
	return TIM_HWV_CHANGED;
}

const char *
tim_hwverify_expect_name(int expect)
{
	return expect == TIM_HWV_ZEROS ? "zeros" : expect == TIM_HWV_ONES ?
	    "0xff bytes" : "anything but the old content";
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
fill_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len > 33554431 ? 33554431 : len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* First, last, and unpredictable blocks until want distinct ones are there. */
static int
pick(struct tim_hwverify *v, uint64_t want, struct tim_err *err)
{
	size_t n = 0, i, k;

	v->blk = calloc((size_t)want, sizeof(*v->blk));
	if (v->blk == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	v->blk[n++] = 0;
	if (v->nblocks > 1)
		v->blk[n++] = v->nblocks - 1;
	while (n < want) {
		if (fill_random(v->blk + n, (size_t)(want - n) * sizeof(*v->blk)) < 0)
			return tim_errorf(err, errno, _("cannot get random bytes"));
		for (i = n; i < want; i++)
			v->blk[i] %= v->nblocks;
		qsort(v->blk, (size_t)want, sizeof(*v->blk), u64_cmp);
		for (i = 1, k = 1; i < want; i++)
			if (v->blk[i] != v->blk[k - 1])
				v->blk[k++] = v->blk[i];
		n = k;
	}
	v->n = n;
	return 0;
}

static int
erased_state(const unsigned char *b, size_t len, unsigned char c)
{
	return b[0] == c && memcmp(b, b + 1, len - 1) == 0;
}

static void
block_hash(const unsigned char *b, size_t len, unsigned char out[TIM_HWV_HASH])
{
	unsigned char d[TIM_SHA256_LEN];

	tim_sha256(b, len, d);
	memcpy(out, d, TIM_HWV_HASH);
}

static int
media_error(int e)
{
	return e == EIO || e == ENXIO || e == EILSEQ || e == ENODATA ||
	    e == EREMOTEIO || e == ETIMEDOUT || e == ENOLINK;
}

/*
 * Reads len bytes at off into buf: 0, 1 for a media error (that block is
 * unreadable), -1 with err for anything else.
 */
static int
read_at(int fd, unsigned char *buf, size_t len, uint64_t off, struct tim_err *err)
{
	ssize_t n = tim_pread_upto(fd, buf, len, (off_t)off);

	if (n >= 0 && (size_t)n == len)
		return 0;
	if (n >= 0 || media_error(errno))
		return 1;
	return tim_errorf(err, errno, _("cannot read at byte %llu"), (unsigned long long)off);
}

/* Calls fn for each kept block with its bytes (NULL: unreadable). */
typedef void block_fn(struct tim_hwverify *v, size_t i, const unsigned char *b);

static int
each_block(struct tim_hwverify *v, int fd, block_fn *fn, struct tim_err *err)
{
	size_t chunk = v->blk ? v->unit : (READ_CHUNK / v->unit ? READ_CHUNK / v->unit : 1) * v->unit;
	unsigned char *buf;
	size_t i, k;
	int r = 0;

	if (posix_memalign((void **)&buf, 4096, chunk) != 0)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	for (i = 0; i < v->n && r == 0; ) {
		uint64_t off = (v->blk ? v->blk[i] : i) * (uint64_t)v->unit;
		size_t len = chunk;

		if (v->blk == NULL && off + len > v->size)
			len = (size_t)(v->size - off);
		r = read_at(fd, buf, len, off, err);
		if (r < 0)
			break;
		if (r == 1 && len > v->unit) {
			/* Narrow an unreadable chunk down to its blocks. */
			for (k = 0; k < len / v->unit; k++) {
				r = read_at(fd, buf, v->unit, off + k * v->unit, err);
				if (r < 0)
					break;
				fn(v, i + k, r == 0 ? buf : NULL);
			}
			if (r < 0)
				break;
		} else
			for (k = 0; k < len / v->unit; k++)
				fn(v, i + k, r == 0 ? buf + k * v->unit : NULL);
		i += len / v->unit;
		r = 0;
		if (v->progress)
			v->progress(v->progress_ctx, (uint64_t)i * v->unit, (uint64_t)v->n * v->unit);
	}
	free(buf);
	return r;
}

static void
hash_one(struct tim_hwverify *v, size_t i, const unsigned char *b)
{
	if (b == NULL) {
		v->before[i] = 2;
		return;
	}
	block_hash(b, v->unit, v->hash + i * TIM_HWV_HASH);
	v->before[i] = erased_state(b, v->unit, 0x00) || erased_state(b, v->unit, 0xff);
}

int
tim_hwverify_before(struct tim_hwverify *v, int fd, uint64_t size,
    unsigned logical, int mode, int expect, tim_hwverify_progress_fn *progress,
    void *ctx, struct tim_err *err)
{
	uint64_t want;

	memset(v, 0, sizeof(*v));
	v->progress = progress;
	v->progress_ctx = ctx;
	v->mode = mode == TIM_VERIFY_ALL ? TIM_VERIFY_ALL : TIM_VERIFY_SAMPLE;
	v->expect = expect;
	v->size = size;
	v->unit = logical >= 512 ? logical : 512;
	v->first_unchanged = v->first_unexpected = v->first_unreadable = UINT64_MAX;
	for (;;) {
		v->nblocks = size / v->unit;
		want = v->mode == TIM_VERIFY_ALL ? v->nblocks : v->nblocks / 100 + 1;
		if (want < SAMPLE_MIN)
			want = SAMPLE_MIN;
		if (want <= (v->mode == TIM_VERIFY_ALL ? ALL_MAX : SAMPLE_MAX) ||
		    v->unit >= (1u << 30))
			break;
		v->unit *= 2;
	}
	if (v->nblocks == 0)
		return tim_invalidf(err, _("the device is smaller than one block"));
	/* The bytes past the last whole block are not compared. */
	v->size = v->nblocks * v->unit;
	if (want * 2 >= v->nblocks)
		v->n = (size_t)v->nblocks;	/* everything, in order */
	else if (pick(v, want, err) < 0)
		return -1;
	v->hash = malloc(v->n * TIM_HWV_HASH);
	v->before = calloc(v->n, 1);
	if (v->hash == NULL || v->before == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	return each_block(v, fd, hash_one, err);
}

static void
first(uint64_t *at, uint64_t off)
{
	if (off < *at)
		*at = off;
}

static void
judge_one(struct tim_hwverify *v, size_t i, const unsigned char *b)
{
	uint64_t off = (v->blk ? v->blk[i] : i) * (uint64_t)v->unit;
	unsigned char h[TIM_HWV_HASH];

	if (b == NULL) {
		v->unreadable++;
		first(&v->first_unreadable, off);
		return;
	}
	v->checked++;
	v->bytes_read += v->unit;
	if (v->expect == TIM_HWV_ZEROS && !erased_state(b, v->unit, 0x00)) {
		v->unexpected++;
		first(&v->first_unexpected, off);
	} else if (v->expect == TIM_HWV_ONES && !erased_state(b, v->unit, 0xff)) {
		v->unexpected++;
		first(&v->first_unexpected, off);
	}
	if (v->before[i] == 2)
		return;
	if (v->before[i] == 1 && (erased_state(b, v->unit, 0x00) ||
	    erased_state(b, v->unit, 0xff))) {
		v->already++;
		return;
	}
	block_hash(b, v->unit, h);
	if (memcmp(h, v->hash + i * TIM_HWV_HASH, TIM_HWV_HASH) == 0) {
		v->unchanged++;
		first(&v->first_unchanged, off);
	}
}

int
tim_hwverify_after(struct tim_hwverify *v, int fd, struct tim_err *err)
{
	v->checked = v->bytes_read = v->already = v->unchanged = 0;
	v->unexpected = v->unreadable = 0;
	v->first_unchanged = v->first_unexpected = v->first_unreadable = UINT64_MAX;
	return each_block(v, fd, judge_one, err);
}

int
tim_hwverify_passed(const struct tim_hwverify *v)
{
	return v->n > 0 && v->checked == v->n && v->unchanged == 0 &&
	    v->unexpected == 0 && v->unreadable == 0;
}

static json_t *
offset_or_null(uint64_t off)
{
	return off == UINT64_MAX ? json_null() : json_integer((json_int_t)off);
}

json_t *
tim_hwverify_json(const struct tim_hwverify *v)
{
	char how[256];

	snprintf(how, sizeof(how), v->mode == TIM_VERIFY_ALL ?
	    "read back: every block of %u bytes hashed (SHA-256) before the erase and read again after it, bypassing the page cache" :
	    "read back: a sample of blocks of %u bytes (first, last and unpredictable ones) hashed (SHA-256) before the erase and read again after it, bypassing the page cache",
	    v->unit);
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:[]}",
	    "method", how,
	    "mode", v->mode == TIM_VERIFY_ALL ? "all" : "sample",
	    "result", tim_hwverify_passed(v) ? "passed" : "failed",
	    "block_size", (json_int_t)v->unit,
	    "device_blocks", (json_int_t)v->nblocks,
	    "blocks_read", (json_int_t)v->checked,
	    "bytes_verified", (json_int_t)v->bytes_read,
	    "expected", tim_hwverify_expect_name(v->expect),
	    "blocks_already_erased", (json_int_t)v->already,
	    "blocks_unchanged", (json_int_t)v->unchanged,
	    "blocks_not_as_expected", (json_int_t)v->unexpected,
	    "blocks_unreadable", (json_int_t)v->unreadable,
	    "first_unchanged_offset", offset_or_null(v->first_unchanged),
	    "first_not_as_expected_offset", offset_or_null(v->first_unexpected),
	    "first_unreadable_offset", offset_or_null(v->first_unreadable),
	    "mismatches");
}

void
tim_hwverify_release(struct tim_hwverify *v)
{
	free(v->blk);
	free(v->hash);
	free(v->before);
	memset(v, 0, sizeof(*v));
}
