#ifndef TIM_LEDGER_JSON_H
#define TIM_LEDGER_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ledger.h"

/*
 * The ledger calls that take a record's fields as a jansson object: private
 * to libtim, cmd/ and the tests, never installed, so that the public
 * ledger.h does not make a third party build against jansson. The public
 * *_kv calls (ledger.h) build such an object and come here.
 */

/*
 * Checks kind and fields (an object) before anything is written: a known
 * kind, valid names, no reserved names, every required field non-empty.
 * Usage errors name the field.
 */
int tim_ledger_check_fields(const char *kind, const json_t *fields,
    struct tim_err *err);

int tim_ledger_add(struct tim_ledger *l, const char *kind,
    const json_t *fields, uint64_t *seq, struct tim_err *err);
/*
 * add for n records at once, formatted in parallel; all or none are added.
 * *first gets the seq of the first.
 */
int tim_ledger_add_many(struct tim_ledger *l, const char *const *kinds,
    json_t *const *fields, size_t n, uint64_t *first, struct tim_err *err);

int tim_ledger_append(struct tim_ledger *l, const char *kind,
    const json_t *fields, uint64_t *seq, struct tim_err *err);

/*
 * The one call other tools make: open, append one record, close. fields is
 * an object of the kind's fields (borrowed). seq, when not NULL, gets the
 * record's number.
 */
int tim_ledger_record(const char *path, const char *kind,
    const json_t *fields, int flags, uint64_t *seq, struct tim_err *err);

#endif
