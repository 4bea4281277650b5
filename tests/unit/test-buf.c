/* libtim buf.c: the growable buffer every module builds text in. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"
#include "banned.h"

static void
test_empty(void)
{
	struct tim_buf b = TIM_BUF_INIT;

	is_str(tim_buf_str(&b), "", "an empty buffer reads as \"\"");
	is_int(b.len, 0, "and has length 0");
	tim_buf_truncate(&b, 0);
	tim_buf_reset(&b);
	ok(b.buf == NULL, "truncate and reset of an unused buffer allocate nothing");
	ok(tim_buf_add(&b, NULL, 0) == 0 && b.len == 0 && b.buf && b.buf[0] == '\0',
	    "adding nothing gives an empty NUL-terminated string");
	tim_buf_release(&b);
	ok(b.buf == NULL && b.len == 0 && b.alloc == 0 && !b.failed, "release empties it");
}

static void
test_growth(void)
{
	struct tim_buf b = TIM_BUF_INIT;
	size_t i, bad = 0;

	for (i = 0; i < 100000; i++)
		if (tim_buf_addch(&b, 'a' + (int)(i % 26)) < 0)
			bad++;
	is_int(bad, 0, "100000 addch calls succeed");
	is_int(b.len, 100000, "length follows");
	ok(b.alloc > b.len, "room for the NUL");
	ok(b.buf[b.len] == '\0', "NUL-terminated after growth");
	for (i = 0; i < 100000; i++)
		if (b.buf[i] != 'a' + (int)(i % 26))
			break;
	is_int(i, 100000, "contents kept across reallocations");
	tim_buf_release(&b);

	/* Every length around the first allocation's size. */
	for (i = 0; i < 200; i++) {
		char want[200];

		memset(want, 'x', i);
		want[i] = '\0';
		tim_buf_add(&b, want, i);
		if (strcmp(tim_buf_str(&b), want) != 0 || b.len != i)
			break;
		tim_buf_release(&b);
	}
	is_int(i, 200, "add of 0..199 bytes gives exactly those bytes");
	tim_buf_release(&b);

	ok(tim_buf_grow(&b, 1000) == 0 && b.alloc >= 1001 && b.len == 0,
	    "grow makes room without changing the length");
	tim_buf_release(&b);
}

static void
test_addf(void)
{
	struct tim_buf b = TIM_BUF_INIT;
	char *big;
	size_t i, n = 10000;
	int good = 1;

	big = malloc(n + 1);
	if (big == NULL)
		abort();
	memset(big, 'q', n);
	big[n] = '\0';
	tim_buf_adds(&b, "<");
	ok(tim_buf_addf(&b, "%s|%d|%s", big, 42, "end") == 0, "addf of a 10000-byte string");
	is_int(b.len, 1 + n + 4 + 3, "the whole formatted length");
	ok(b.buf[0] == '<' && memcmp(b.buf + 1, big, n) == 0 &&
	    strcmp(b.buf + 1 + n, "|42|end") == 0, "with the right contents");
	tim_buf_release(&b);

	/* Lengths that land exactly on the first allocation's edge (64). */
	for (i = 55; i < 75 && good; i++) {
		tim_buf_reset(&b);
		tim_buf_addf(&b, "%.*s", (int)i, big);
		good = b.len == i && strlen(b.buf) == i;
	}
	ok(good, "addf of 55..74 bytes into a fresh buffer");
	tim_buf_release(&b);

	for (i = 0; i < 1000; i++)
		tim_buf_addf(&b, "%zu,", i);
	ok(strncmp(b.buf, "0,1,2,", 6) == 0 && strcmp(b.buf + b.len - 4, "999,") == 0,
	    "repeated addf appends");
	tim_buf_release(&b);
	free(big);
}

static void
test_detach(void)
{
	struct tim_buf b = TIM_BUF_INIT;
	size_t len = 99;
	char *p;

	tim_buf_adds(&b, "hello");
	p = tim_buf_detach(&b, &len);
	is_str(p, "hello", "detach hands over the string");
	is_int(len, 5, "and its length");
	ok(b.buf == NULL && b.len == 0 && b.alloc == 0, "the buffer is empty afterwards");
	free(p);
	tim_buf_adds(&b, "again");
	is_str(tim_buf_str(&b), "again", "and usable again");
	tim_buf_release(&b);

	p = tim_buf_detach(&b, NULL);
	ok(p != NULL && p[0] == '\0', "detach of an empty buffer gives a freeable \"\"");
	free(p);
}

static void
test_truncate(void)
{
	struct tim_buf b = TIM_BUF_INIT;

	tim_buf_adds(&b, "abcdef");
	tim_buf_truncate(&b, 3);
	is_str(tim_buf_str(&b), "abc", "truncate shortens");
	is_int(b.len, 3, "and sets the length");
	tim_buf_truncate(&b, 10);
	is_str(tim_buf_str(&b), "abc", "truncate never lengthens");
	tim_buf_reset(&b);
	is_str(tim_buf_str(&b), "", "reset empties");
	ok(b.alloc > 0, "reset keeps the storage");
	tim_buf_adds(&b, "xyz");
	tim_buf_release_secret(&b);
	ok(b.buf == NULL && b.len == 0, "release_secret empties it");
}

static void
test_failed(void)
{
	struct tim_buf b = TIM_BUF_INIT;

	tim_buf_adds(&b, "keep");
	ok(tim_buf_grow(&b, SIZE_MAX) < 0, "an impossible grow fails");
	ok(b.failed, "and sets the failed flag");
	is_str(tim_buf_str(&b), "keep", "the contents are unchanged");
	ok(tim_buf_add(&b, "x", SIZE_MAX - 2) < 0, "an impossible add fails");
	is_int(b.len, 4, "without changing the length");
	ok(tim_buf_adds(&b, "!") == 0, "a later add works");
	is_str(tim_buf_str(&b), "keep!", "and appends");
	ok(b.failed, "but the flag stays set (sticky)");
	tim_buf_release(&b);
	ok(!b.failed, "release clears it");
}

int
main(void)
{
	test_empty();
	test_growth();
	test_addf();
	test_detach();
	test_truncate();
	test_failed();
	return tap_done();
}
