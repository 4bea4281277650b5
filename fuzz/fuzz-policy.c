/* libFuzzer: the .timcheck policy parser and the patterns it carries. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tim_policy p;
	struct tim_err err;
	char *text = malloc(size + 1);
	size_t i;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	tim_err_clear(&err);
	tim_policy_init(&p);
	if (tim_policy_parse(&p, text, size, "fuzz", &err) == 0) {
		for (i = 0; i < p.nzones; i++)
			tim_globs_cover(&p.zones[i].paths, "a/b/【社外秘】c.txt");
		tim_globs_excluded(&p.exclude, "x/y.tmp", 0);
		tim_globs_excluded(&p.exclude, "x/y", 1);
	}
	tim_policy_release(&p);
	free(text);
	return 0;
}
