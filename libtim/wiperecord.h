#ifndef TIM_WIPERECORD_H
#define TIM_WIPERECORD_H

#include <stdint.h>

#include <jansson.h>

struct tim_buf;
struct tim_sanitize_caps;
struct tim_err;
struct tim_wipe_job;
struct tim_wipe_method;
struct tim_wipe_ranges;

/*
 * The erasure record (告示 V 第一 11, V 第三 5): a certificate of
 * sanitization with the fields of NIST SP 800-88 Rev. 1 Appendix G as JSON,
 * the same as a printable HTML page, and the ledger's erase record.
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
 * A self-contained printable page for the certificate (wipe_cert_html.c):
 * A4, one page per device with the signature and seal block, the files on
 * one page with a summary and the list, local times; in Japanese when ja is
 * 1. Every string from the certificate is escaped. sha256 is the hex digest
 * of the JSON file, or NULL.
 */
int tim_wipe_cert_html(const json_t *cert, const char *sha256, int ja,
    struct tim_buf *out);

/* The method's passes by name: ["random", "0x00", ...]. A new array. */
json_t *tim_wipe_pass_names(const struct tim_wipe_method *m);

/*
 * The certificate item for one target about to be erased by overwriting
 * with m: target, type ("file", "block device"), media (stolen), property
 * number and classification (either may be NULL), the method and the
 * start time. A new object, or NULL without memory.
 */
json_t *tim_wipe_item_new(const char *target, const char *type, json_t *media,
    const struct tim_wipe_method *m, const char *property,
    const char *classification);

/* "passed", "failed" or "not verified", for a run with verification verify. */
const char *tim_wipe_verify_result(int verify, const struct tim_wipe_job *j);

/*
 * Puts the results of the finished job j into the item: bytes written (with
 * written_before, from before a resume), verification, bad ranges, end time
 * and result. Returns 0 when complete, 1 when incomplete (bad ranges) or
 * the verification failed.
 */
int tim_wipe_item_finish(json_t *it, const struct tim_wipe_job *j, int verify,
    uint64_t written_before);

/* Marks a finished item as a read-back only (--check): nothing written. */
void tim_wipe_item_check(json_t *it);

/*
 * Puts the results of a finished hardware erase (TIM_HW_* action, with the
 * device's command set in c) into an item from tim_wipe_item_new: purge,
 * the technique and command, nothing written by the host, and the read-back
 * (verification, stolen; from tim_hwverify_json). The result is "complete"
 * only when verified is 1, else "verification failed". Returns 0 when
 * complete, 1 when not.
 */
int tim_wipe_item_hardware(json_t *it, const struct tim_sanitize_caps *c,
    int action, json_t *verification, int verified);

/*
 * The fields of the ledger's "erase" record for one certificate item (a
 * file or device erased): property number (the target when NULL), method,
 * target, technique, passes, bytes, verification and result, and the
 * certificate's file name and SHA-256 when cert is not NULL. A new object,
 * or NULL when the item lacks a field or memory ran out.
 */
json_t *tim_wipe_erase_fields(const json_t *item, const char *property,
    const char *cert, const char *cert_sha256);

#endif
