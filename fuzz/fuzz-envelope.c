/*
 * libFuzzer target for the streaming envelope walker: the BER headers, the
 * RecipientInfos handed to OpenSSL, chunked content and the trailer, as
 * tim-seal --inspect reads them from an untrusted file.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ber.h"
#include "err.h"
#include "seal.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tim_src_mem m = { data, size };
	struct tim_src src = { tim_src_mem_read, &m };
	struct tim_err err;
	json_t *info = NULL;

	tim_err_clear(&err);
	if (tim_seal_inspect_src(src, "fuzz", &info, &err) == 0)
		json_decref(info);
	return 0;
}
