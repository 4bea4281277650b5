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

/* The recipients of an opened envelope as --inspect names them. */
static json_t *
open_recipients(json_t *info)
{
	json_t *out = json_array(), *r, *x;
	size_t i;
	const char *keys[] = { "type", "issuer", "serial", "ski", "key_encryption", NULL };

	json_array_foreach(json_object_get(info, "recipients"), i, r) {
		x = json_object();
		for (size_t j = 0; keys[j] != NULL; j++)
			if (json_object_get(r, keys[j]) != NULL)
				json_object_set(x, keys[j], json_object_get(r, keys[j]));
		json_array_append_new(out, x);
	}
	return out;
}

json_t *
tim_seal_receive_fields(json_t *info, const char *sealed, const char *from,
    json_t *labels)
{
	json_t *f = json_object(), *signer = json_object_get(info, "signer");
	json_t *out = json_object_get(info, "output");
	const char *who = from;

	if (f == NULL)
		return NULL;
	if (who == NULL && signer != NULL)
		who = json_string_value(json_object_get(signer, "subject"));
	/* A single file is the item; a bundle is named by its envelope. */
	json_object_set_new(f, "item", out ? json_copy(out) : json_string(sealed));
	if (json_object_get(info, "directory"))
		json_object_set(f, "directory", json_object_get(info, "directory"));
	json_object_set_new(f, "from", json_string(who ? who : "unknown"));
	json_object_set_new(f, "envelope", json_string(sealed));
	json_object_set(f, "envelope_sha256", json_object_get(info, "envelope_sha256"));
	json_object_set(f, "encoding", json_object_get(info, "encoding"));
	json_object_set(f, "format", json_object_get(info, "type"));
	json_object_set(f, "content_encryption", json_object_get(info, "content_encryption"));
	json_object_set(f, "integrity", json_object_get(info, "integrity"));
	json_object_set_new(f, "recipients", open_recipients(info));
	if (signer != NULL)
		json_object_set(f, "signer", signer);
	if (json_object_get(info, "legacy"))
		json_object_set(f, "legacy", json_object_get(info, "legacy"));
	if (out != NULL)
		json_object_set_new(f, "files", json_pack("[{s:O, s:O?, s:O?}]", "name", out,
		    "sha256", json_object_get(info, "plaintext_sha256"),
		    "size", json_object_get(info, "plaintext_size")));
	else if (json_object_get(info, "extracted"))
		json_object_set(f, "files", json_object_get(info, "extracted"));
	else
		json_object_set_new(f, "files", json_pack("[{s:s, s:O?, s:O?}]", "name", "-",
		    "sha256", json_object_get(info, "plaintext_sha256"),
		    "size", json_object_get(info, "plaintext_size")));
	if (json_array_size(labels) > 0)
		json_object_set(f, "labels", labels);
	return f;
}
