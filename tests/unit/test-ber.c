/* Unit tests for the streaming BER walker (libtim/ber.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ber.h"
#include "buf.h"
#include "err.h"
#include "tap.h"
#include "banned.h"

/* A source that hands out one byte per read, to cross every boundary. */
static ssize_t
trickle(void *ctx, void *buf, size_t n, struct tim_err *err)
{
	return tim_src_mem_read(ctx, buf, n > 1 ? 1 : n, err);
}

static void
test_headers(void)
{
	static const unsigned char indef[] = { 0x30, 0x80 };
	static const unsigned char longlen[] = { 0x04, 0x82, 0x01, 0x00 };
	static const unsigned char hightag[] = { 0xbf, 0x81, 0x00, 0x00 };
	static const unsigned char primindef[] = { 0x04, 0x80 };
	static const unsigned char huge[] = { 0x04, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const unsigned char cut[] = { 0x04, 0x84, 0x01 };
	struct tim_tl tl;

	ok(tim_ber_parse_tl(indef, sizeof(indef), &tl) == 0 && tl.indef && tl.cons &&
	    tl.tag == 16 && tl.hlen == 2, "indefinite SEQUENCE");
	ok(tim_ber_parse_tl(longlen, sizeof(longlen), &tl) == 0 && tl.len == 256 &&
	    tl.hlen == 4 && !tl.cons, "long definite length");
	ok(tim_ber_parse_tl(hightag, sizeof(hightag), &tl) == 0 && tl.tag == 128 &&
	    tl.cls == 2 && tl.cons, "high tag number");
	ok(tim_ber_parse_tl(primindef, sizeof(primindef), &tl) < 0,
	    "a primitive value cannot have an indefinite length");
	ok(tim_ber_parse_tl(huge, sizeof(huge), &tl) < 0, "nine length bytes refused");
	ok(tim_ber_parse_tl(cut, sizeof(cut), &tl) < 0, "a cut header is refused");
}

/* [0] { OCTET STRING "ab", [nested] { "c", "" , "de" } } then 05 00 */
static const unsigned char chunked[] = {
	0xa0, 0x80,
	    0x04, 0x02, 'a', 'b',
	    0x24, 0x80, 0x04, 0x01, 'c', 0x04, 0x00, 0x04, 0x02, 'd', 'e', 0x00, 0x00,
	0x00, 0x00,
	0x05, 0x00
};

static void
test_octets(int slow)
{
	struct tim_src_mem m = { chunked, sizeof(chunked) };
	struct tim_src src = { slow ? trickle : tim_src_mem_read, &m };
	struct tim_err err;
	struct tim_ber r;
	struct tim_ber_octets o;
	struct tim_tl tl;
	char out[16];
	size_t n = 0;
	ssize_t got;

	tim_err_clear(&err);
	ok(tim_ber_init(&r, src, &err) == 0, "init");
	ok(tim_ber_next(&r, &tl) == 0 && tl.cls == 2 && tl.indef, "constructed [0]");
	tim_ber_octets_open(&o, &r, &tl);
	while ((got = tim_ber_octets_read(&o, out + n, sizeof(out) - n)) > 0)
		n += (size_t)got;
	ok(got == 0, "chunks end cleanly (%s)", slow ? "one byte at a time" : "all at once");
	out[n < sizeof(out) ? n : sizeof(out) - 1] = '\0';
	is_str(out, "abcde", "chunks joined in order");
	ok(tim_ber_next(&r, &tl) == 0 && tl.tag == 5 && tl.len == 0, "NULL follows");
	is_int(tim_ber_at_eof(&r), 1, "then the end");
	tim_ber_release(&r);
}

static void
test_bad_chunks(void)
{
	/* A chunk that is not an OCTET STRING, and a definite container overrun. */
	static const unsigned char notoctet[] = { 0xa0, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00 };
	static const unsigned char overrun[] = { 0xa0, 0x03, 0x04, 0x05, 'a', 'b', 'c', 'd', 'e' };
	static const unsigned char *cases[] = { notoctet, overrun };
	static const size_t lens[] = { sizeof(notoctet), sizeof(overrun) };
	char out[16];
	int i;

	for (i = 0; i < 2; i++) {
		struct tim_src_mem m = { cases[i], lens[i] };
		struct tim_src src = { tim_src_mem_read, &m };
		struct tim_err err;
		struct tim_ber r;
		struct tim_ber_octets o;
		struct tim_tl tl;
		ssize_t got;

		tim_err_clear(&err);
		tim_ber_init(&r, src, &err);
		tim_ber_next(&r, &tl);
		tim_ber_octets_open(&o, &r, &tl);
		while ((got = tim_ber_octets_read(&o, out, sizeof(out))) > 0)
			;
		ok(got < 0 && err.kind == TIM_ERR_REFUSED && strstr(err.msg, "malformed"),
		    "bad chunk %d refused: %s", i, err.msg);
		tim_ber_release(&r);
	}
}

static void
test_capture_and_writer(void)
{
	struct tim_buf b = TIM_BUF_INIT, cap = TIM_BUF_INIT;
	unsigned char big[300];
	struct tim_src_mem m;
	struct tim_src src = { tim_src_mem_read, &m };
	struct tim_err err;
	struct tim_ber r;
	struct tim_tl tl;

	memset(big, 'x', sizeof(big));
	tim_der_hdr(&b, 0, 1, 16, -1);
	tim_der_tlv(&b, 0, 0, 4, big, sizeof(big));
	tim_der_eoc(&b, 1);
	ok(b.len == 2 + 4 + 300 + 2 && (unsigned char)b.buf[3] == 0x82, "writer: long form length");
	ok(tim_der_hdr(&b, 2, 0, 31, 0) < 0, "writer refuses tags above 30");
	m.p = (const unsigned char *)b.buf;
	m.len = b.len;
	tim_err_clear(&err);
	tim_ber_init(&r, src, &err);
	ok(tim_ber_next(&r, &tl) == 0 && tim_ber_capture(&r, &tl, &cap, 4096) == 0 &&
	    cap.len == b.len && memcmp(cap.buf, b.buf, b.len) == 0,
	    "capture follows an indefinite length to its end");
	tim_ber_release(&r);
	m.p = (const unsigned char *)b.buf;
	m.len = b.len;
	tim_buf_reset(&cap);
	tim_ber_init(&r, src, &err);
	ok(tim_ber_next(&r, &tl) == 0 && tim_ber_capture(&r, &tl, &cap, 100) < 0,
	    "capture stops at its limit");
	tim_ber_release(&r);
	tim_buf_release(&b);
	tim_buf_release(&cap);
}

int
main(void)
{
	test_headers();
	test_octets(0);
	test_octets(1);
	test_bad_chunks();
	test_capture_and_writer();
	return tap_done();
}
