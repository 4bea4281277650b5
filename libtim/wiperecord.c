#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "sanitize.h"
#include "util.h"
#include "version.h"
#include "wipe.h"
#include "wiperecord.h"
#include "banned.h"

json_t *
tim_wipe_ranges_json(const struct tim_wipe_ranges *rs)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < rs->n; i++)
		json_array_append_new(a, json_pack("[I, I]",
		    (json_int_t)rs->r[i].offset, (json_int_t)rs->r[i].length));
	return a;
}

/* The worst item result is the certificate's. */
static const char *
overall(json_t *items)
{
	static const char *const order[] = { "complete", "interrupted",
	    "verification failed", "incomplete", NULL };
	size_t i, k, worst = 0;
	json_t *it;

	json_array_foreach(items, i, it) {
		const char *r = json_string_value(json_object_get(it, "result"));

		for (k = 0; r && order[k]; k++)
			if (strcmp(order[k], r) == 0 && k > worst)
				worst = k;
	}
	return json_array_size(items) ? order[worst] : "nothing erased";
}

json_t *
tim_wipe_cert_new(json_t *items, json_t *person, const char *destination,
    const char *start, const char *end)
{
	unsigned char id[16];
	char hex[33];
	size_t got = 0;

	while (got < sizeof(id)) {
		ssize_t n = getrandom(id + got, sizeof(id) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			json_decref(person);
			return NULL;
		}
		got += (size_t)n;
	}
	tim_hex(id, sizeof(id), hex);
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:o, s:s, s:s, s:s, s:s, s:O}",
	    "certificate", "certificate of sanitization",
	    "standard", "NIST SP 800-88 Rev. 1, Appendix G",
	    "id", hex,
	    "tool", "name", "tim-wipe", "version", TIM_VERSION,
	    "person", person,
	    "start", start, "end", end,
	    "media_destination", destination ? destination : "unknown",
	    "result", overall(items),
	    "items", items);
}

int
tim_wipe_cert_text(const json_t *cert, struct tim_buf *out)
{
	char *s = json_dumps(cert, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int r;

	if (s == NULL)
		return -1;
	r = tim_buf_adds(out, s) < 0 || tim_buf_addch(out, '\n') < 0 ? -1 : 0;
	free(s);
	return r;
}

json_t *
tim_wipe_erase_fields(const json_t *item, const char *property,
    const char *cert, const char *cert_sha256)
{
	const json_t *v = json_object_get(item, "verification");
	const char *target = json_string_value(json_object_get(item, "target"));
	json_t *f;

	f = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:s, s:O}",
	    "item", property ? property : target,
	    "method", json_string_value(json_object_get(item, "method")),
	    "target", target,
	    "technique", json_string_value(json_object_get(item, "technique")),
	    "passes", json_object_get(item, "pass_count"),
	    "bytes", json_object_get(item, "bytes_written"),
	    "verify", json_string_value(json_object_get(v, "result")),
	    "result", json_object_get(item, "result"));
	/* A marked file's label: the register shows what was erased. */
	if (f && json_is_object(json_object_get(item, "label"))) {
		static const char *const lf[] = { "level", "owner", "entrusted", "id", "until" };
		size_t i;

		for (i = 0; i < sizeof(lf) / sizeof(lf[0]); i++) {
			const json_t *lv = json_object_get(json_object_get(item, "label"), lf[i]);

			if (json_is_string(lv))
				json_object_set(f, lf[i], (json_t *)lv);
		}
	}
	if (f && cert) {
		json_object_set_new(f, "cert", json_string(cert));
		json_object_set_new(f, "cert_sha256", json_string(cert_sha256 ? cert_sha256 : ""));
	}
	return f;
}

json_t *
tim_wipe_pass_names(const struct tim_wipe_method *m)
{
	json_t *a = json_array();
	char name[40];
	size_t i;

	for (i = 0; a && i < m->npasses; i++) {
		tim_wipe_pass_name(&m->pass[i], name, sizeof(name));
		json_array_append_new(a, json_string(name));
	}
	return a;
}

json_t *
tim_wipe_item_new(const char *target, const char *type, json_t *media,
    const struct tim_wipe_method *m, const char *property,
    const char *classification)
{
	char now[21];
	json_t *it;

	tim_now_rfc3339(now);
	it = json_pack("{s:s, s:s, s:o}", "target", target, "type", type, "media", media);
	if (it == NULL)
		return NULL;
	if (property)
		json_object_set_new(it, "property_number", json_string(property));
	if (classification)
		json_object_set_new(it, "classification", json_string(classification));
	json_object_set_new(it, "data_backed_up", json_string("unknown"));
	json_object_set_new(it, "category", json_string("clear"));
	json_object_set_new(it, "technique", json_string("overwrite"));
	json_object_set_new(it, "method", json_string(m->name));
	json_object_set_new(it, "method_spec", json_string(m->spec));
	json_object_set_new(it, "passes", tim_wipe_pass_names(m));
	json_object_set_new(it, "pass_count", json_integer((json_int_t)m->npasses));
	json_object_set_new(it, "start", json_string(now));
	return it;
}

const char *
tim_wipe_verify_result(int verify, const struct tim_wipe_job *j)
{
	if (verify == TIM_VERIFY_OFF)
		return "not verified";
	return j->mismatch.total ? "failed" : "passed";
}

int
tim_wipe_item_finish(json_t *it, const struct tim_wipe_job *j, int verify,
    uint64_t written_before)
{
	const char *result = "complete";
	char now[21];
	int st = 0;

	tim_now_rfc3339(now);
	if (j->bad.total) {
		result = "incomplete";
		st = 1;
	} else if (j->mismatch.total) {
		result = "verification failed";
		st = 1;
	}
	json_object_set_new(it, "bytes_written",
	    json_integer((json_int_t)(j->bytes_written + written_before)));
	json_object_set_new(it, "verification", json_pack("{s:s, s:s, s:s, s:I, s:I, s:o}",
	    "method", verify == TIM_VERIFY_OFF ? "none" :
	    verify == TIM_VERIFY_SAMPLE ? "quick sampling" : "full",
	    "mode", tim_wipe_verify_name(verify),
	    "result", tim_wipe_verify_result(verify, j),
	    "bytes_verified", (json_int_t)j->bytes_verified,
	    "mismatch_bytes", (json_int_t)j->mismatch.total,
	    "mismatches", tim_wipe_ranges_json(&j->mismatch)));
	json_object_set_new(it, "bad_ranges", tim_wipe_ranges_json(&j->bad));
	json_object_set_new(it, "bad_bytes", json_integer((json_int_t)j->bad.total));
	json_object_set_new(it, "end", json_string(now));
	json_object_set_new(it, "result", json_string(result));
	return st;
}

int
tim_wipe_item_hardware(json_t *it, const struct tim_sanitize_caps *c, int action,
    json_t *verification, int verified)
{
	char now[21], detail[128];

	tim_now_rfc3339(now);
	json_object_set_new(it, "category", json_string(action == TIM_HW_SECDISCARD ?
	    "device-defined (secure discard)" : "purge"));
	json_object_set_new(it, "technique", json_string(tim_hw_technique(action)));
	json_object_set_new(it, "method", json_string("hardware"));
	tim_hw_command_detail(c, action, detail, sizeof(detail));
	json_object_set_new(it, "method_spec", json_string(tim_hw_command(c, action)));
	json_object_set_new(it, "command", json_string(detail));
	json_object_set_new(it, "passes", json_array());
	json_object_set_new(it, "pass_count", json_integer(0));
	json_object_set_new(it, "bytes_written", json_integer(0));
	json_object_set_new(it, "verification", verification);
	json_object_set_new(it, "bad_ranges", json_array());
	json_object_set_new(it, "end", json_string(now));
	json_object_set_new(it, "result", json_string(verified ? "complete" :
	    "verification failed"));
	return verified ? 0 : 1;
}

void
tim_wipe_item_check(json_t *it)
{
	json_object_set_new(it, "category", json_string("verification only"));
	json_object_set_new(it, "technique", json_string("check"));
	json_object_set_new(it, "bytes_written", json_integer(0));
}
