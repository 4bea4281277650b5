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

/* A value for people: strings as they are, numbers, true/false, lists. */
static void
html_value(struct tim_buf *b, const json_t *v)
{
	char *s;

	if (json_is_string(v))
		tim_buf_addxml(b, json_string_value(v));
	else if (v == NULL || json_is_null(v))
		tim_buf_adds(b, "unknown");
	else if (json_is_array(v) && json_array_size(v) == 0)
		tim_buf_adds(b, "none");
	else if (json_is_array(v) && json_is_string(json_array_get(v, 0))) {
		size_t i;

		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				tim_buf_adds(b, ", ");
			html_value(b, json_array_get(v, i));
		}
	}
	else if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL) {
		tim_buf_addxml(b, s);
		free(s);
	}
}

static void
row(struct tim_buf *b, const char *label, const json_t *v)
{
	tim_buf_adds(b, "<tr><th>");
	tim_buf_addxml(b, label);
	tim_buf_adds(b, "</th><td>");
	html_value(b, v);
	tim_buf_adds(b, "</td></tr>\n");
}

static const char *const css =
    "body{font-family:sans-serif;max-width:52em;margin:2em auto;color:#111}"
    "h1{font-size:1.4em;border-bottom:2px solid #111;padding-bottom:.3em}"
    "h2{font-size:1.1em;margin-top:1.6em}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0}"
    "th,td{border:1px solid #888;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{width:16em;background:#eee}"
    ".ok{color:#060;font-weight:bold}.bad{color:#a00;font-weight:bold}"
    ".sig td{height:3em}code{word-break:break-all}"
    "@media print{body{margin:0}}";

int
tim_wipe_cert_html(const json_t *cert, const char *sha256, struct tim_buf *b)
{
	const json_t *person = json_object_get(cert, "person");
	const json_t *items = json_object_get(cert, "items"), *it;
	const char *result = json_string_value(json_object_get(cert, "result"));
	size_t i;

	tim_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>Certificate of Sanitization ");
	html_value(b, json_object_get(cert, "id"));
	tim_buf_addf(b, "</title><style>%s</style></head><body>\n", css);
	tim_buf_adds(b, "<h1>Certificate of Sanitization</h1>\n<p>");
	html_value(b, json_object_get(cert, "standard"));
	tim_buf_adds(b, " &middot; 告示 I 第四 5 (1), V 第三 5-8</p>\n<table>\n");
	row(b, "Certificate id", json_object_get(cert, "id"));
	tim_buf_adds(b, "<tr><th>Result</th><td class=\"");
	tim_buf_adds(b, result && strcmp(result, "complete") == 0 ? "ok" : "bad");
	tim_buf_adds(b, "\">");
	tim_buf_addxml(b, result ? result : "unknown");
	tim_buf_adds(b, "</td></tr>\n");
	row(b, "Start", json_object_get(cert, "start"));
	row(b, "End", json_object_get(cert, "end"));
	row(b, "Tool", json_object_get(json_object_get(cert, "tool"), "name"));
	row(b, "Tool version", json_object_get(json_object_get(cert, "tool"), "version"));
	if (sha256) {
		tim_buf_adds(b, "<tr><th>SHA-256 of the JSON certificate</th><td><code>");
		tim_buf_addxml(b, sha256);
		tim_buf_adds(b, "</code></td></tr>\n");
	}
	tim_buf_adds(b, "</table>\n<h2>Person performing sanitization</h2>\n<table>\n");
	row(b, "Name", json_object_get(person, "name"));
	row(b, "Title", json_object_get(person, "title"));
	row(b, "Organization", json_object_get(person, "organization"));
	row(b, "Location", json_object_get(person, "location"));
	row(b, "Phone", json_object_get(person, "phone"));
	row(b, "Host", json_object_get(person, "host"));
	tim_buf_adds(b, "</table>\n");
	tim_buf_adds(b, "<h2>Media destination</h2>\n<table>\n");
	row(b, "Destination", json_object_get(cert, "media_destination"));
	tim_buf_adds(b, "</table>\n");
	json_array_foreach(items, i, it) {
		const json_t *m = json_object_get(it, "media");
		const json_t *v = json_object_get(it, "verification");

		tim_buf_addf(b, "<h2>Media %zu: ", i + 1);
		html_value(b, json_object_get(it, "target"));
		tim_buf_adds(b, "</h2>\n<table>\n");
		row(b, "Media type", json_object_get(m, "type"));
		row(b, "Manufacturer", json_object_get(m, "make"));
		row(b, "Model", json_object_get(m, "model"));
		row(b, "Serial number", json_object_get(m, "serial"));
		row(b, "Property number", json_object_get(it, "property_number"));
		row(b, "Classification", json_object_get(it, "classification"));
		row(b, "Data backed up", json_object_get(it, "data_backed_up"));
		row(b, "Size (bytes)", json_object_get(m, "size_bytes"));
		row(b, "HPA/DCO", json_object_get(m, "hpa_dco"));
		row(b, "Sanitization category", json_object_get(it, "category"));
		row(b, "Technique", json_object_get(it, "technique"));
		row(b, "Method", json_object_get(it, "method"));
		row(b, "Passes", json_object_get(it, "passes"));
		row(b, "Bytes written", json_object_get(it, "bytes_written"));
		row(b, "Verification method", json_object_get(v, "method"));
		row(b, "Verification (tim-wipe)", json_object_get(v, "mode"));
		row(b, "Verification result", json_object_get(v, "result"));
		row(b, "Bytes read back", json_object_get(v, "bytes_verified"));
		row(b, "Mismatches [offset, length]", json_object_get(v, "mismatches"));
		row(b, "Bad ranges [offset, length]", json_object_get(it, "bad_ranges"));
		row(b, "Start", json_object_get(it, "start"));
		row(b, "End", json_object_get(it, "end"));
		row(b, "Result", json_object_get(it, "result"));
		if (json_object_get(it, "notes"))
			row(b, "Notes", json_object_get(it, "notes"));
		tim_buf_adds(b, "</table>\n");
	}
	tim_buf_adds(b, "<h2>Validation</h2>\n<table class=\"sig\">\n"
	    "<tr><th>Name / title</th><td></td></tr>\n"
	    "<tr><th>Signature / date</th><td></td></tr>\n</table>\n"
	    "</body></html>\n");
	return b->failed ? -1 : 0;
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

void
tim_wipe_item_hardware(json_t *it, const struct tim_sanitize_caps *c, int action)
{
	char now[21];

	tim_now_rfc3339(now);
	json_object_set_new(it, "category", json_string(action == TIM_HW_SECDISCARD ?
	    "device-defined (secure discard)" : "purge"));
	json_object_set_new(it, "technique", json_string(tim_hw_technique(action)));
	json_object_set_new(it, "method", json_string("hardware"));
	json_object_set_new(it, "method_spec", json_string(tim_hw_command(c, action)));
	json_object_set_new(it, "passes", json_array());
	json_object_set_new(it, "pass_count", json_integer(0));
	json_object_set_new(it, "bytes_written", json_integer(0));
	json_object_set_new(it, "verification", json_pack("{s:s, s:s, s:s, s:I, s:[]}",
	    "method", "none", "mode", "off", "result", "not verified (erase inside the device)",
	    "bytes_verified", (json_int_t)0, "mismatches"));
	json_object_set_new(it, "bad_ranges", json_array());
	json_object_set_new(it, "end", json_string(now));
	json_object_set_new(it, "result", json_string("complete"));
}

void
tim_wipe_item_check(json_t *it)
{
	json_object_set_new(it, "category", json_string("verification only"));
	json_object_set_new(it, "technique", json_string("check"));
	json_object_set_new(it, "bytes_written", json_integer(0));
}
