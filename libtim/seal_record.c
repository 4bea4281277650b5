/*
 * The ledger's "send" record for a seal (告示 V 第三 10: who sent what to
 * whom): built here from what tim_seal reported, so that every front end
 * records the same fields.
 */
#include <stdlib.h>

#include "buf.h"
#include "seal.h"
#include "banned.h"

/* The recipients' subjects, "; "-separated, for the record's "to". */
static char *
subjects(json_t *recips)
{
	struct tim_buf b = TIM_BUF_INIT;
	size_t i;
	json_t *r;

	json_array_foreach(recips, i, r) {
		const char *s = json_string_value(json_object_get(r, "subject"));

		if (b.len)
			tim_buf_adds(&b, "; ");
		tim_buf_adds(&b, s ? s : json_object_get(r, "password") ?
		    "password" : "?");
	}
	if (b.failed) {
		tim_buf_release(&b);
		return NULL;
	}
	return tim_buf_detach(&b, NULL);
}

/* Each recipient by subject and fingerprint; a password only as such. */
static json_t *
recipients(json_t *info)
{
	json_t *recips = json_array(), *r;
	size_t i;

	json_array_foreach(json_object_get(info, "recipients"), i, r) {
		json_t *x = json_object();

		json_object_set(x, "subject", json_object_get(r, "subject"));
		json_object_set(x, "sha256", json_object_get(r, "sha256"));
		if (json_object_get(r, "password"))
			json_object_set_new(x, "password", json_true());
		json_array_append_new(recips, x);
	}
	return recips;
}

json_t *
tim_seal_send_fields(json_t *info, char *const *files, size_t nfiles,
    json_t *labels, const char *override)
{
	json_t *f = json_object(), *names = json_array();
	char *to = subjects(json_object_get(info, "recipients"));
	size_t i;

	for (i = 0; i < nfiles; i++)
		json_array_append_new(names, json_string(files[i]));
	json_object_set_new(f, "item", json_string(files[0]));
	json_object_set_new(f, "to", json_string(to ? to : "?"));
	json_object_set_new(f, "files", names);
	json_object_set(f, "envelope", json_object_get(info, "envelope"));
	json_object_set(f, "plaintext_sha256", json_object_get(info, "plaintext_sha256"));
	json_object_set(f, "envelope_sha256", json_object_get(info, "envelope_sha256"));
	json_object_set_new(f, "recipients", recipients(info));
	json_object_set(f, "content_encryption", json_object_get(info, "content_encryption"));
	json_object_set(f, "format", json_object_get(info, "type"));
	if (json_object_get(info, "signer"))
		json_object_set(f, "signer", json_object_get(info, "signer"));
	if (json_array_size(labels) > 0)
		json_object_set(f, "labels", labels);
	if (override != NULL)
		json_object_set_new(f, "override", json_string(override));
	free(to);
	return f;
}
