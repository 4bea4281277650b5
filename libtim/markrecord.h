#ifndef TIM_MARKRECORD_H
#define TIM_MARKRECORD_H

#include <jansson.h>

struct tim_buf;
struct tim_mark_opts;
struct tim_mark_result;

/*
 * The ledger's mark record (告示 I 第四 1: what was marked, when, by whom):
 * the kind's fields for one tim_mark_file result, and the carrier names
 * tim-mark prints.
 */

/*
 * The carriers in bits (TIM_CARRIER_*) by name, joined with sep; the
 * content carrier is named by its type (content, "docx") when known.
 */
int tim_mark_carrier_names(int bits, const char *content, const char *sep,
    struct tim_buf *out);

/*
 * The fields of the mark record for res: item (the path afterwards), level
 * ("-" for none), action (mark or remove), carriers changed, and owner,
 * entrusted, id and until when set. For a removal the label is the one
 * taken off. A new object the caller frees (json_decref), NULL when out of
 * memory.
 */
json_t *tim_mark_record_fields(const struct tim_mark_opts *o,
    const struct tim_mark_result *res);

#endif
