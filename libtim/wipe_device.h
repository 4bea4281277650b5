#ifndef TIM_WIPE_DEVICE_H
#define TIM_WIPE_DEVICE_H

#include <jansson.h>

struct tim_blkdev;
struct tim_err;
struct tim_sanitize_caps;

/*
 * Device erasure around the overwrite engine (wipe.c): whether a block
 * device may be touched at all, the identity that tells a resumed run it
 * has the same device, and the media fields of its certificate item.
 */

/* Uses a caller may allow although they make a device look busy. */
enum {
	TIM_WIPE_FORCE_MOUNTED = 1,
	TIM_WIPE_FORCE_SWAP = 2,
	TIM_WIPE_FORCE_HOLDERS = 4,
	TIM_WIPE_FORCE_SYSTEM = 8
};

/* Called once per reason not to erase the device, with the reason. */
typedef void tim_wipe_refusal_fn(void *ctx, const char *why);

/*
 * Looks for every reason to keep off d: mounted, active swap, held by md,
 * dm or LVM, holding the running system (each unless forced) and
 * read-only. Calls refuse for each and returns how many there were, or -1
 * with err when the device's use cannot be read.
 */
int tim_wipe_device_refusals(const struct tim_blkdev *d, int force,
    tim_wipe_refusal_fn *refuse, void *ctx, struct tim_err *err);

/*
 * Opens d for the engine: O_DIRECT, read-only for --check; excl (O_EXCL)
 * makes the kernel refuse a device it has claimed (mounted, swap, held),
 * closing the gap between tim_wipe_device_refusals and the open. The node
 * opened must still be d. path names it in messages. Returns the
 * descriptor, or -1 with err (TIM_ERR_REFUSED: busy or changed).
 */
int tim_wipe_device_open(const struct tim_blkdev *d, const char *path,
    int readonly, int excl, struct tim_err *err);

/* Node numbers, size, model, serial, WWID and backing file: a new object. */
json_t *tim_wipe_device_identity(const struct tim_blkdev *d);

/* 1 when two identities name the same device (all fields equal), else 0. */
int tim_wipe_device_same(const json_t *a, const json_t *b);

/* The certificate's media description of d; c may be NULL. A new object. */
json_t *tim_wipe_device_media(const struct tim_blkdev *d,
    const struct tim_sanitize_caps *c);

#endif
