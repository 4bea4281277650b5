/*
 * libtim witness.c: C2SP tlog-cosignature (cosignature/v1) and the request
 * format of C2SP tlog-witness. Known answers: the signed message and the
 * request body printed in the C2SP texts; the key and the cosignature for
 * the RFC 8032 7.1 TEST 1 seed, computed by the independent implementation
 * in tests/fixtures/witness.py (Python's cryptography).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "witness.h"
#include "tap.h"
#include "banned.h"

/* RFC 8032 7.1 TEST 1 secret key, as a witness key named w.example/kat. */
static const char signer_text[] =
    "PRIVATE+KEY+w.example/kat+66a9be1d+BJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g";
static const char vkey_text[] =
    "w.example/kat+66a9be1d+BNdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";
/* tlog-cosignature's example checkpoint body. */
static const char body[] =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
/* witness.py cosig-sign over body at 1679315147 (the C2SP example's time). */
static const char kat_line[] =
    "\xe2\x80\x94 w.example/kat Zqm+HQAAAABkGFDL+TPmh4BYuAjsYRoqMJCWb/gWJaeRF/kmm5tlCr9sJ57DLErur7K0yDXc2ArN+TIuotuB/HbuL3AJsp3bv/aNCQ==\n";

static void
test_message(void)
{
	struct tim_buf b = TIM_BUF_INIT;

	/* tlog-cosignature, "Ed25519 signed message". */
	ok(tim_cosig_message(body, strlen(body), 1679315147, &b) == 0, "message builds");
	is_str(tim_buf_str(&b), "cosignature/v1\ntime 1679315147\n"
	    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
	    "the signed message is the one in C2SP tlog-cosignature");
	tim_buf_release(&b);
}

static void
test_keys_and_kat(void)
{
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_signer s;
	struct tim_verifier v, wrong;
	struct tim_err err;
	uint64_t t = 0;

	ok(tim_cosigner_parse(&s, signer_text, strlen(signer_text), &err) == 0,
	    "the RFC 8032 seed parses as a witness key");
	tim_cosig_verifier_format(&s.v, &b);
	is_str(tim_buf_str(&b), vkey_text, "its verifier key, key id over 0x04, matches Python's");
	ok(tim_cosig_verifier_parse(&v, vkey_text, strlen(vkey_text), &err) == 0,
	    "the verifier key parses");
	ok(tim_verifier_parse(&wrong, vkey_text, strlen(vkey_text), &err) < 0,
	    "a cosignature key is not a checkpoint (0x01) key");
	tim_buf_reset(&b);
	ok(tim_cosig_sign(&s, body, strlen(body), 1679315147, &b) == 0, "cosign");
	is_str(tim_buf_str(&b), kat_line, "the cosignature is the known answer, byte for byte");
	ok(tim_cosig_verify(body, strlen(body), kat_line, strlen(kat_line), &v, &t, &err) == 0 &&
	    t == 1679315147, "the known answer verifies, with its time");
	ok(tim_cosig_verify("x\n", 2, kat_line, strlen(kat_line), &v, &t, &err) < 0 &&
	    err.kind == TIM_ERR_REFUSED, "over another body it does not");
	{
		char bad[sizeof(kat_line)];

		memcpy(bad, kat_line, sizeof(kat_line));
		bad[30] = bad[30] == 'A' ? 'B' : 'A';	/* inside the timestamp */
		ok(tim_cosig_verify(body, strlen(body), bad, strlen(bad), &v, &t, &err) < 0,
		    "a changed timestamp does not verify");
	}
	ok(tim_cosig_sign(&s, body, strlen(body), (uint64_t)INT64_MAX + 1, &b) < 0,
	    "a timestamp above 2^63-1 is refused");
	ok(tim_cosig_sign(&s, "no newline", 10, 1, &b) < 0, "a body must end in a newline");
	tim_signer_release(&s);
	tim_buf_release(&b);
}

/* The example request body of C2SP tlog-witness. */
static const char spec_req[] =
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\xe2\x80\x94 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\xe2\x80\x94 example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n";

static int
parses(const char *text, size_t len)
{
	struct tim_witness_req r;
	struct tim_err err;

	if (tim_witness_req_parse(text, len, &r, &err) < 0)
		return 0;
	tim_witness_req_release(&r);
	return 1;
}

static void
test_request(void)
{
	struct tim_witness_req r;
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_err err;
	int i;

	ok(tim_witness_req_parse(spec_req, strlen(spec_req), &r, &err) == 0,
	    "the C2SP example request parses");
	is_int(r.old, 20852014, "old size");
	is_int(r.nproof, 4, "four proof lines");
	is_int(r.cp.size, 20852163, "checkpoint size");
	is_str(r.cp.origin, "example.com/behind-the-sofa", "origin");
	ok(tim_witness_req_format(r.old, r.proof, r.nproof, spec_req + 194,
	    strlen(spec_req) - 194, &b) == 0 && strcmp(tim_buf_str(&b), spec_req) == 0,
	    "formatting it back gives the same bytes");
	tim_witness_req_release(&r);

	ok(!parses("old 01\n\n", 8), "a leading zero is refused");
	ok(!parses("old -1\n\n", 8), "a sign is refused");
	ok(!parses("old 18446744073709551616\n\n", 26), "an overflow is refused");
	ok(!parses("old 0\n", 6), "no empty line");
	ok(!parses("", 0), "an empty body");
	ok(!parses(spec_req, strlen(spec_req) - 1), "a note cut short");
	tim_buf_reset(&b);
	tim_buf_adds(&b, spec_req);
	tim_buf_adds(&b, "trailing\n");
	ok(!parses(b.buf, b.len), "bytes after the note are refused");
	tim_buf_reset(&b);
	tim_buf_adds(&b, "old 1\n");
	for (i = 0; i < 64; i++)
		tim_buf_adds(&b, "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n");
	tim_buf_adds(&b, spec_req + 194 - 1);
	ok(!parses(b.buf, b.len), "64 proof lines are refused");
	tim_buf_reset(&b);
	tim_buf_adds(&b, "old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpk=\n");
	tim_buf_adds(&b, spec_req + 194 - 1);
	ok(!parses(b.buf, b.len), "a short proof hash is refused");
	tim_buf_release(&b);
}

int
main(void)
{
	test_message();
	test_keys_and_kat();
	test_request();
	return tap_done();
}
