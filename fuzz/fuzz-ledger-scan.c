/*
 * libFuzzer target for verify's fast pass over record lines (ledger_scan.c,
 * yajl events): it must never accept a line jansson refuses, and must see
 * the members jansson sees. Any disagreement aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledger_impl.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same_string(const json_t *v, int have, const char *got, size_t want_len)
{
	if (!have)
		return 1;
	return json_is_string(v) && (want_len == 0 || json_string_length(v) == want_len) &&
	    strcmp(json_string_value(v), got) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tim_ledger_scan sc;
	const char *line = (const char *)data;
	json_t *o;

	if (size > (1 << 16) || memchr(data, '\n', size) != NULL)
		return 0;
	if (tim_ledger_scan_record(line, size, &sc) != 1)
		return 0;
	o = json_loadb(line, size, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(o))
		abort();
	if (sc.has_seq != json_is_integer(json_object_get(o, "seq")) ||
	    (sc.has_seq && sc.seq != json_integer_value(json_object_get(o, "seq"))))
		abort();
	if (!same_string(json_object_get(o, "prev"), sc.has_prev, sc.prev, 64) ||
	    !same_string(json_object_get(o, "time"), sc.has_time, sc.time, 0))
		abort();
	if (sc.has_kind != json_is_string(json_object_get(o, "kind")) ||
	    sc.has_actor != json_is_string(json_object_get(o, "actor")) ||
	    sc.has_host != json_is_string(json_object_get(o, "host")))
		abort();
	json_decref(o);
	return 0;
}
