#include <stdio.h>

#include "buf.h"
#include "json.h"
#include "banned.h"

static int
to_buf(const char *data, size_t len, void *arg)
{
	return tim_buf_add(arg, data, len);
}

int
tim_json_dump(struct tim_buf *b, const json_t *v)
{
	/* ENCODE_ANY: a lone string or number is valid JSON too. */
	return json_dump_callback(v, to_buf, b, TIM_JSON_FLAGS | JSON_ENCODE_ANY);
}

int
tim_json_print(FILE *f, const json_t *v)
{
	if (json_dumpf(v, f, TIM_JSON_FLAGS) < 0 || fputc('\n', f) == EOF)
		return -1;
	return 0;
}

int
tim_json_set_str(json_t *obj, const char *key, const char *value)
{
	if (value == NULL)
		return 0;
	return json_object_set_new(obj, key, json_string(value));
}
