/*
 * libFuzzer target for tim-wipe's parsers: the method and verification
 * words from the command line, and the IDENTIFY data a device returns
 * (ATA 512 bytes, NVMe 4096 bytes), which come from hardware and are not
 * to be trusted either.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sanitize.h"
#include "wipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tim_sanitize_caps c;
	struct tim_wipe_method m;
	struct tim_err err;
	unsigned char *id;
	char *s;
	int v;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	tim_err_clear(&err);
	if (tim_wipe_method_parse(s, &m, &err) == 0 && m.npasses == 0)
		abort();
	(void)tim_wipe_verify_parse(s, &v, &err);
	free(s);
	id = calloc(1, 4096);
	if (id == NULL)
		return 0;
	memcpy(id, data, size < 4096 ? size : 4096);
	memset(&c, 0, sizeof(c));
	tim_ata_parse_identify(id, &c);
	memset(&c, 0, sizeof(c));
	tim_nvme_parse_ctrl(id, &c);
	free(id);
	return 0;
}
