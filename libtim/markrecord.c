#include <string.h>

#include "buf.h"
#include "label.h"
#include "mark.h"
#include "markrecord.h"
#include "banned.h"

int
tim_mark_carrier_names(int bits, const char *content, const char *sep,
    struct tim_buf *out)
{
	static const char *names[] = { "name", "xattr", "content", "folder", "folder-name" };
	int i, first = 1;

	for (i = 0; i < TIM_CARRIER_COUNT; i++) {
		if (!(bits & (1 << i)))
			continue;
		tim_buf_addf(out, "%s%s", first ? "" : sep,
		    (1 << i) == TIM_CARRIER_CONTENT && content && *content ? content : names[i]);
		first = 0;
	}
	return out->failed ? -1 : 0;
}

json_t *
tim_mark_record_fields(const struct tim_mark_opts *o,
    const struct tim_mark_result *res)
{
	static const char *const optional[] = { "owner", "entrusted", "id", "until" };
	struct tim_buf carriers = TIM_BUF_INIT;
	const struct tim_label *l = o->remove ? &res->before : &res->label;
	json_t *f = json_object();
	size_t i;

	if (f == NULL || tim_mark_carrier_names(res->changed, res->content, ",", &carriers) < 0) {
		tim_buf_release(&carriers);
		json_decref(f);
		return NULL;
	}
	/*
	 * A value that is not UTF-8 is left out: the ledger then refuses the
	 * record for the missing field, naming it.
	 */
	json_object_set_new(f, "item", json_string(res->path));
	json_object_set_new(f, "level", json_string(l->level[0] ? l->level : "-"));
	json_object_set_new(f, "action", json_string(o->remove ? "remove" : "mark"));
	json_object_set_new(f, "carriers", json_string(tim_buf_str(&carriers)));
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (*tim_label_get(l, optional[i]))
			json_object_set_new(f, optional[i], json_string(tim_label_get(l, optional[i])));
	tim_buf_release(&carriers);
	return f;
}
