/* Methods, patterns, the keystream's offset arithmetic, ranges and escaping. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "err.h"
#include "wipe.h"
#include "wiperecord.h"
#include "tap.h"

static void
methods(void)
{
	struct tim_wipe_method m;
	struct tim_err err;
	int v;

	tim_err_clear(&err);
	ok(tim_wipe_method_parse("clear", &m, &err) == 0 && m.npasses == 1 &&
	    m.pass[0].kind == TIM_PASS_RANDOM && m.verify == TIM_VERIFY_ALL,
	    "clear: one random pass, everything read back");
	ok(tim_wipe_method_parse("dod", &m, &err) == 0 && m.npasses == 3, "dod: 3 passes");
	is_str(m.spec, "passes=0x00,0xff,random", "dod: zeros, ones, random");
	ok(tim_wipe_method_parse("gutmann", &m, &err) == 0 && m.npasses == 35, "gutmann: 35 passes");
	ok(m.pass[0].kind == TIM_PASS_RANDOM && m.pass[34].kind == TIM_PASS_RANDOM &&
	    m.pass[6].patlen == 3 && m.pass[6].pat[0] == 0x92, "gutmann: random ends, 3-byte patterns");
	ok(tim_wipe_method_parse("passes=0x00,random,0xFF,0x6db6db", &m, &err) == 0 &&
	    m.npasses == 4 && strcmp(m.name, "custom") == 0, "custom pass list");
	is_str(m.spec, "passes=0x00,random,0xff,0x6db6db", "custom list written back in canonical form");
	ok(tim_wipe_method_parse("passes=0xg0", &m, &err) < 0 && err.kind == TIM_ERR_INVALID &&
	    strstr(err.msg, "0xg0") != NULL, "bad hex is a usage error naming the token");
	ok(tim_wipe_method_parse("passes=", &m, &err) < 0, "empty list refused");
	ok(tim_wipe_method_parse("passes=0x00,,0xff", &m, &err) < 0, "empty pass refused");
	ok(tim_wipe_method_parse("passes=0x000102030405060708090a0b0c0d0e0f10", &m, &err) < 0,
	    "pattern longer than 16 bytes refused");
	ok(tim_wipe_method_parse("shred", &m, &err) < 0 && err.kind == TIM_ERR_INVALID, "unknown method refused");
	{
		struct tim_buf b = TIM_BUF_INIT;
		int i;

		tim_buf_adds(&b, "passes=");
		for (i = 0; i < 65; i++)
			tim_buf_adds(&b, i ? ",0x00" : "0x00");
		ok(tim_wipe_method_parse(b.buf, &m, &err) < 0 && strstr(err.msg, "too many") != NULL,
		    "more than 64 passes refused");
		tim_buf_release(&b);
	}
	ok(tim_wipe_verify_parse("sample", &v, &err) == 0 && v == TIM_VERIFY_SAMPLE, "verify sample");
	ok(tim_wipe_verify_parse("some", &v, &err) < 0 && err.kind == TIM_ERR_INVALID, "verify: bad word refused");
}

static void
patterns(void)
{
	struct tim_wipe_method m;
	struct tim_wipe_stream *s;
	struct tim_err err;
	unsigned char buf[64];
	static const unsigned char want[10] = { 0x49, 0x24, 0x92, 0x49, 0x24, 0x92,
	    0x49, 0x24, 0x92, 0x49 };
	size_t i;
	int good = 1;

	tim_err_clear(&err);
	tim_wipe_method_parse("passes=0x924924,0xab", &m, &err);
	ok(tim_wipe_stream_new(&s, &m.pass[0], &err) == 0, "pattern stream");
	tim_wipe_stream_fill(s, 1, buf, 10);
	ok(memcmp(buf, want, 10) == 0, "3-byte pattern keeps its phase from offset 0");
	tim_wipe_stream_fill(s, 3000, buf, 64);
	for (i = 0; i < 64; i++)
		good &= buf[i] == m.pass[0].pat[(3000 + i) % 3];
	ok(good, "3-byte pattern at a far offset, doubled copy");
	tim_wipe_stream_free(s);
	tim_wipe_stream_new(&s, &m.pass[1], &err);
	tim_wipe_stream_fill(s, 7, buf, 33);
	for (i = 0, good = 1; i < 33; i++)
		good &= buf[i] == 0xab;
	ok(good, "1-byte pattern");
	tim_wipe_stream_free(s);
}

static void
keystream(void)
{
	struct tim_wipe_pass p = { TIM_PASS_RANDOM, 0, { 0 } };
	struct tim_wipe_stream *s, *s2;
	struct tim_err err;
	unsigned char *a = malloc(1 << 16), *b = malloc(1 << 16);
	uint64_t off;
	int i, good = 1, zeros = 0;

	tim_err_clear(&err);
	ok(tim_wipe_stream_new(&s, &p, &err) == 0, "keystream from getrandom");
	tim_wipe_stream_fill(s, 0, a, 1 << 16);
	tim_wipe_stream_fill(s, 16, b, 1000);
	ok(memcmp(a + 16, b, 1000) == 0, "block-aligned offset gives the same bytes");
	tim_wipe_stream_fill(s, 5, b, 1000);
	ok(memcmp(a + 5, b, 1000) == 0, "unaligned offset gives the same bytes");
	tim_wipe_stream_fill(s, 40000, b, 1 << 10);
	ok(memcmp(a + 40000, b, 1 << 10) == 0, "offset inside a long run");
	/*
	 * The counter for an offset is IV + offset/16 with carries across all
	 * 16 bytes; OpenSSL's own increment must agree at every carry.
	 */
	for (i = 0; i < 2000; i++) {
		off = (((uint64_t)i * 0x9e3779b97f4a7c15ULL) & 0x0000ffffffffff00ULL) + 4096;
		tim_wipe_stream_fill(s, off - 4096, a, 8192);
		tim_wipe_stream_fill(s, off, b, 4096);
		good &= memcmp(a + 4096, b, 4096) == 0;
	}
	ok(good, "counter arithmetic agrees with CTR increments at 2000 offsets");
	/*
	 * Past the generator's 128 KiB pieces: whatever buf held before makes
	 * no difference, and a fill across a piece boundary matches fills that
	 * start on either side of it.
	 */
	{
		size_t big = 3u << 17;
		unsigned char *x = malloc(big), *y = malloc(big);

		memset(x, 0x00, big);
		memset(y, 0xa5, big);
		tim_wipe_stream_fill(s, 7, x, big);
		tim_wipe_stream_fill(s, 7, y, big);
		ok(memcmp(x, y, big) == 0, "the keystream does not depend on what the buffer held");
		tim_wipe_stream_fill(s, 7 + (1u << 17) - 3, b, 1 << 12);
		ok(memcmp(x + (1u << 17) - 3, b, 1 << 12) == 0, "a fill across a 128 KiB piece boundary");
		tim_wipe_stream_fill(s, 7 + (1u << 18) + 11, b, 1 << 16);
		ok(memcmp(x + (1u << 18) + 11, b, 1 << 16) == 0, "a fill inside the third piece");
		free(x);
		free(y);
	}
	tim_wipe_stream_fill(s, 0, a, 1 << 16);
	for (i = 0; i < (1 << 16); i++)
		zeros += a[i] == 0;
	ok(zeros > 100 && zeros < 400, "keystream looks random (zero bytes: %d of 65536)", zeros);
	ok(tim_wipe_stream_new(&s2, &p, &err) == 0, "second keystream");
	tim_wipe_stream_fill(s2, 0, b, 1 << 16);
	ok(memcmp(a, b, 1 << 16) != 0, "each random pass has its own key");
	tim_wipe_stream_free(s);
	tim_wipe_stream_free(s2);
	free(a);
	free(b);
}

static void
ranges(void)
{
	struct tim_wipe_ranges r;
	int i;

	memset(&r, 0, sizeof(r));
	tim_wipe_ranges_add(&r, 0, 512);
	tim_wipe_ranges_add(&r, 512, 512);
	tim_wipe_ranges_add(&r, 4096, 512);
	ok(r.n == 2 && r.r[0].length == 1024 && r.total == 1536, "adjacent ranges join");
	for (i = 0; i < 2000; i++)
		tim_wipe_ranges_add(&r, (uint64_t)(i + 10) * 8192, 1);
	is_int(r.total, 1536 + 2000, "the total counts every byte");
	ok(r.truncated && r.n == 1024, "at most 1024 ranges kept, the total still counts");
	tim_wipe_ranges_release(&r);
}

static void
escape(void)
{
	struct tim_buf b = TIM_BUF_INIT;

	tim_buf_addxml(&b, "<script>alert('x')&\"</script>");
	is_str(b.buf, "&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;", "HTML escaping");
	tim_buf_release(&b);
}

int
main(void)
{
	methods();
	patterns();
	keystream();
	ranges();
	escape();
	return tap_done();
}
