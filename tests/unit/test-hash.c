/* libtim hash.c: SHA-256, hex and base64 as the ledger and notes use them. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "tap.h"
#include "banned.h"

static const char *
hexof(const unsigned char *d, size_t n)
{
	static char out[2 * 64 + 1];

	tim_hex(d, n, out);
	return out;
}

static void
test_sha256(void)
{
	static const struct {
		const char *in, *want;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	unsigned char d[TIM_SHA256_LEN];
	struct tim_sha256 *h;
	char *million;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		tim_sha256(v[i].in, strlen(v[i].in), d);
		is_str(hexof(d, sizeof(d)), v[i].want, "SHA-256(\"%.10s\")", v[i].in);
	}
	million = malloc(1000000);
	if (million == NULL)
		abort();
	memset(million, 'a', 1000000);
	tim_sha256(million, 1000000, d);
	is_str(hexof(d, sizeof(d)),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "SHA-256 of a million 'a'");

	h = tim_sha256_new();
	ok(h != NULL, "a reusable context");
	tim_sha256_init(h);
	for (i = 0; i < 1000; i++)
		tim_sha256_update(h, million, 1000);
	memset(d, 0, sizeof(d));
	ok(tim_sha256_final(h, d) == 0, "update in pieces");
	is_str(hexof(d, sizeof(d)),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "gives the one-shot digest");
	tim_sha256_two(h, "ab", 2, "c", 1, d);
	is_str(hexof(d, sizeof(d)), v[1].want, "two(\"ab\", \"c\") is SHA-256(\"abc\")");
	tim_sha256_two(h, "abc", 3, NULL, 0, d);
	is_str(hexof(d, sizeof(d)), v[1].want, "two with b NULL");
	tim_sha256_two(h, "", 0, NULL, 0, d);
	is_str(hexof(d, sizeof(d)), v[0].want, "the context is reusable after final");
	tim_sha256_free(h);
	tim_sha256_free(NULL);
	free(million);
}

static void
test_hex(void)
{
	unsigned char all[256], back[256];
	char hex[513];
	int i;

	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	tim_hex(all, 256, hex);
	ok(strncmp(hex, "000102", 6) == 0 && strcmp(hex + 506, "fdfeff") == 0 &&
	    strlen(hex) == 512, "hex of 0..255 is lowercase, two digits each");
	ok(tim_unhex(hex, 256, back) == 0 && memcmp(all, back, 256) == 0,
	    "unhex round trip of every byte value");
	ok(tim_unhex("ABCDEF", 3, back) == 0 && back[0] == 0xab && back[2] == 0xef,
	    "unhex takes upper case");
	ok(tim_unhex("0g", 1, back) < 0, "unhex rejects 'g'");
	ok(tim_unhex(" 0", 1, back) < 0, "unhex rejects a space");
	ok(tim_unhex("0-", 1, back) < 0, "unhex rejects '-'");
	ok(tim_unhex("0\0", 1, back) < 0, "unhex rejects a short string");
	tim_hex(all, 0, hex);
	is_str(hex, "", "hex of nothing");
}

/* The text with control characters shown as \n etc., for test names. */
static const char *
shown(const char *s)
{
	static char out[128];
	size_t o = 0;

	for (; *s && o + 5 < sizeof(out); s++) {
		if ((unsigned char)*s < 0x20)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", (unsigned char)*s);
		else
			out[o++] = *s;
	}
	out[o] = '\0';
	return out;
}

static void
test_base64(void)
{
	static const char *plain[] = { "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *enc[] = { "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *bad[] = {
		"", "Zg", "Zg=", "Zh==", "Zm9=", "Zm9v\n", " Zm9v", "Zm9v====",
		"Z===", "====", "Zm=v", "Zm9*", "Zm9vYg=\n", "Zm 9", "Zg==Zg==",
	};
	struct tim_buf b = TIM_BUF_INIT;
	unsigned char out[64], all[256];
	size_t i;
	int n;

	for (i = 0; i < 6; i++) {
		tim_buf_reset(&b);
		tim_base64_encode(&b, (const unsigned char *)plain[i], strlen(plain[i]));
		is_str(tim_buf_str(&b), enc[i], "base64(\"%s\") (RFC 4648)", plain[i]);
		n = tim_base64_decode(enc[i], strlen(enc[i]), out, sizeof(out));
		ok(n == (int)strlen(plain[i]) && memcmp(out, plain[i], (size_t)n) == 0,
		    "decode \"%s\"", enc[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(tim_base64_decode(bad[i], strlen(bad[i]), out, sizeof(out)), -1,
		    "rejects non-canonical \"%s\"", shown(bad[i]));
	is_int(tim_base64_decode("Zm9vYmFy", 8, out, 5), -1, "rejects output longer than max");
	is_int(tim_base64_decode("Zm9vYmFy", 8, out, 6), 6, "accepts output of exactly max");

	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)(255 - i);
	tim_buf_reset(&b);
	tim_base64_encode(&b, all, 256);
	{
		unsigned char back[256];

		n = tim_base64_decode(b.buf, b.len, back, sizeof(back));
		ok(n == 256 && memcmp(back, all, 256) == 0, "round trip of 256 bytes");
	}
	tim_buf_reset(&b);
	tim_buf_adds(&b, "x:");
	tim_base64_encode(&b, all, 1);
	is_str(tim_buf_str(&b), "x:/w==", "encode appends to what is there");
	tim_buf_release(&b);
}

int
main(void)
{
	test_sha256();
	test_hex();
	test_base64();
	return tap_done();
}
