/*
 * libFuzzer: the .timcheck policy parser and the patterns it carries,
 * matched against deep paths (issue 18: "**" patterns were exponential in
 * the depth) and against a path made of the input's own bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char deep[3][2048];
	struct tim_policy p;
	struct tim_err err;
	char *text = malloc(size + 1), own[257];
	size_t i, j, n;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	tim_err_clear(&err);
	tim_policy_init(&p);
	if (deep[0][0] == '\0') {
		/* Depth 12 (the case), 64 and 200, ending in a name. */
		static const size_t depth[3] = { 12, 64, 200 };

		for (j = 0; j < 3; j++) {
			for (i = 0, n = 0; i < depth[j] && n + 3 < sizeof(deep[j]) - 8; i++)
				n += (size_t)snprintf(deep[j] + n, sizeof(deep[j]) - n, "%c/", 'a' + (int)(i % 3));
			snprintf(deep[j] + n, sizeof(deep[j]) - n, "x.txt");
		}
	}
	/* The input's first bytes as a path: newlines become folders. */
	n = size < 256 ? size : 256;
	for (i = 0; i < n; i++)
		own[i] = data[i] == '\n' ? '/' : data[i] ? (char)data[i] : 'z';
	own[n] = '\0';
	if (tim_policy_parse(&p, text, size, "fuzz", &err) == 0) {
		for (i = 0; i < p.nzones; i++) {
			tim_globs_cover(&p.zones[i].paths, "a/b/【社外秘】c.txt");
			for (j = 0; j < 2; j++)
				tim_globs_cover(&p.zones[i].paths, deep[j]);
			tim_globs_cover(&p.zones[i].paths, own);
		}
		tim_globs_excluded(&p.exclude, "x/y.tmp", 0);
		tim_globs_excluded(&p.exclude, "x/y", 1);
		for (j = 0; j < 3; j++)
			tim_globs_excluded(&p.exclude, deep[j], 0);
		tim_globs_excluded(&p.exclude, own, 0);
	}
	tim_policy_release(&p);
	free(text);
	return 0;
}
