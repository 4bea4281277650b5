#ifndef TIM_JSON_H
#define TIM_JSON_H

#include <stdio.h>

#include <jansson.h>

struct tim_buf;

/*
 * JSON through jansson. Every --json output is one compact object per line,
 * UTF-8 kept as UTF-8, members in insertion order.
 */
#define TIM_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

/* Appends the compact serialisation of v (no newline) to b. */
int tim_json_dump(struct tim_buf *b, const json_t *v);

/* Writes v and a newline to f; -1 on a write error. */
int tim_json_print(FILE *f, const json_t *v);

/* json_object_set_new() for a string that may be NULL (then nothing is set). */
int tim_json_set_str(json_t *obj, const char *key, const char *value);

#endif
