#ifndef TIM_WIPE_STATE_H
#define TIM_WIPE_STATE_H

#include <jansson.h>
#include <stdint.h>

struct tim_buf;
struct tim_err;
struct tim_wipe_job;
struct tim_wipe_method;

/*
 * Resume state (tim-wipe --resume): what a stopped run writes down about
 * where it stopped and what was left, where that file goes, and where a
 * resumed run starts again. The keystream key is never in it.
 */

/* Where a run stopped; the caller's objects are borrowed. */
struct tim_wipe_state {
	const char *target;	/* NULL: stopped between two targets */
	const char *type;	/* "file", "device"; NULL: none */
	json_t *identity;	/* tim_wipe_file_identity, _device_identity, or NULL */
	const struct tim_wipe_method *method;
	int verify;		/* TIM_VERIFY_* */
	const struct tim_wipe_job *job;	/* the stopped target's job, or NULL */
	uint64_t written_before;	/* bytes written before this run resumed it */
	const char *started;	/* RFC 3339: when the batch began */
	json_t *items;		/* the certificate items so far */
	json_t *current_item;	/* the stopped target's item, or NULL */
	json_t *remaining;	/* the targets still to do, as given */
	json_t *options;	/* what the resumed run repeats */
};

/* The state as a new object, or NULL without memory. */
json_t *tim_wipe_state_json(const struct tim_wipe_state *s);

/*
 * The default place for the state of a run stopped in target: a private
 * directory under $XDG_STATE_HOME/tim (or ~/.local/state/tim, else "."),
 * made as needed, and a file name from target's last component and the
 * time. Into out, reset first. Returns 0, or -1 without memory.
 */
int tim_wipe_state_path(const char *target, struct tim_buf *out);

/*
 * Writes the state to path through a temporary file renamed into place;
 * an existing path is replaced only when replace (the file being resumed).
 */
int tim_wipe_state_write(const char *path, const json_t *state, int replace,
    struct tim_err *err);

/* Reads and checks a state file written by a stopped run. */
json_t *tim_wipe_state_load(const char *path, struct tim_err *err);

/*
 * Sets the start point of job (size, align and method filled) from a
 * loaded state: pass, phase and offset, kept inside the target and aligned,
 * and the bad ranges found so far. *written_before gets the bytes written
 * before the stop.
 */
void tim_wipe_state_resume(const json_t *state, struct tim_wipe_job *job,
    uint64_t *written_before);

#endif
