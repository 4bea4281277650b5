#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "i18n.h"
#include "ledger.h"
#include "ledger_json.h"
#include "banned.h"

/*
 * The public, jansson-free way to write records: key-value lists become
 * the object the ledger's own calls take, so a program using libtim needs
 * no JSON library of its own.
 */

/* kv (key, value, ..., NULL) as a new object, or NULL with err set. */
static json_t *
kv_object(const char *const *kv, struct tim_err *err)
{
	json_t *o = json_object();
	json_t *v;
	size_t i;

	if (o == NULL) {
		tim_errorf(err, 0, _("out of memory"));
		return NULL;
	}
	for (i = 0; kv != NULL && kv[i] != NULL; i += 2) {
		if (kv[i + 1] == NULL) {
			tim_invalidf(err, _("field '%s' has no value"), kv[i]);
			break;
		}
		if (json_object_get(o, kv[i]) != NULL) {
			tim_invalidf(err, _("field '%s' given twice"), kv[i]);
			break;
		}
		v = json_string(kv[i + 1]);
		if (v == NULL) {
			tim_invalidf(err, _("the value of '%s' is not valid UTF-8"), kv[i]);
			break;
		}
		if (json_object_set_new(o, kv[i], v) < 0) {
			tim_invalidf(err, _("invalid field name '%s': use [a-z][a-z0-9_]*, not seq, time, kind, actor, host or prev"), kv[i]);
			break;
		}
	}
	if (kv != NULL && kv[i] != NULL) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
tim_ledger_add_kv(struct tim_ledger *l, const char *kind,
    const char *const *kv, uint64_t *seq, struct tim_err *err)
{
	json_t *o = kv_object(kv, err);
	int r;

	if (o == NULL)
		return -1;
	r = tim_ledger_add(l, kind, o, seq, err);
	json_decref(o);
	return r;
}

int
tim_ledger_append_kv(struct tim_ledger *l, const char *kind,
    const char *const *kv, uint64_t *seq, struct tim_err *err)
{
	json_t *o = kv_object(kv, err);
	int r;

	if (o == NULL)
		return -1;
	r = tim_ledger_append(l, kind, o, seq, err);
	json_decref(o);
	return r;
}

int
tim_ledger_record_kv(const char *path, const char *kind,
    const char *const *kv, int flags, uint64_t *seq, struct tim_err *err)
{
	json_t *o = kv_object(kv, err);
	int r;

	if (o == NULL)
		return -1;
	r = tim_ledger_record(path, kind, o, flags, seq, err);
	json_decref(o);
	return r;
}
