#ifndef TIM_WIPERECORD_H
#define TIM_WIPERECORD_H

#include <jansson.h>

struct tim_buf;
struct tim_err;
struct tim_wipe_ranges;

/*
 * The erasure record (告示 V 第一 11, V 第三 5): a certificate of
 * sanitization with the fields of NIST SP 800-88 Rev. 1 Appendix G as JSON,
 * the same as a printable HTML page, and the state file a stopped run
 * leaves for --resume.
 */

/* [[offset, length], ...] */
json_t *tim_wipe_ranges_json(const struct tim_wipe_ranges *rs);

/*
 * The certificate around the per-target items the caller built (borrowed)
 * and the person performing the sanitization (an object, stolen): identity,
 * tool, times, media destination and overall result.
 */
json_t *tim_wipe_cert_new(json_t *items, json_t *person,
    const char *destination, const char *start, const char *end);

/* The certificate as serialised for the file: pretty JSON and a newline. */
int tim_wipe_cert_text(const json_t *cert, struct tim_buf *out);

/*
 * A self-contained printable page for the certificate; every string from
 * the certificate is escaped. sha256 is the hex digest of the JSON file, or
 * NULL.
 */
int tim_wipe_cert_html(const json_t *cert, const char *sha256,
    struct tim_buf *out);

/* Reads and checks a state file written by a stopped run. */
json_t *tim_wipe_state_load(const char *path, struct tim_err *err);

#endif
