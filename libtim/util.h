#ifndef TIM_UTIL_H
#define TIM_UTIL_H

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct tim_buf;
struct tim_err;

/* RFC 3339 UTC with seconds, "2026-11-22T02:30:16Z", into out[21]. */
void tim_time_rfc3339(time_t t, char out[21]);
/* Now as RFC 3339 UTC. */
void tim_now_rfc3339(char out[21]);

/*
 * For people: local time (TZ) with its offset, "2026-12-01 19:02:08+09:00",
 * into out[32]. UTC stays in machine formats (JSON, ledger lines); what a
 * person reads (text, CSV for Excel, reports) is local.
 */
void tim_time_local(time_t t, char out[32]);
/* The local date alone, "2026-12-01", into out[11]. */
void tim_date_local(time_t t, char out[11]);

/*
 * Parses "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ssZ" or with a numeric offset.
 * A bare date is its first second (UTC), or with end set, its last.
 */
int tim_time_parse(const char *s, int end, time_t *out);
/*
 * The same, for what a person types: a bare date is a local day (its first
 * or, with end, its last second in TZ), a time without Z or offset is local.
 */
int tim_time_parse_local(const char *s, int end, time_t *out);

/* The host name, or "localhost" when it cannot be had. */
const char *tim_hostname(void);
/* The name of the effective user, or "uid:N". */
const char *tim_username(void);

#define TIM_READ_SECRET	0x1	/* a secret: regular, private, no symlink */
#define TIM_READ_REGULAR	0x2	/* must be a regular file (never blocks on a FIFO) */

/*
 * Reads a whole small file (at most max bytes) into b. With TIM_READ_SECRET
 * (the value 1) the file must be a regular file not readable by group or
 * others (signify's rule for secret keys), and symlinks are refused. With
 * TIM_READ_REGULAR a FIFO or device is refused before it can block.
 * On failure b is released (overwritten first for a secret).
 */
int tim_read_file(const char *path, size_t max, int flags, struct tim_buf *b,
    struct tim_err *err);

/*
 * open(2) that refuses anything but a regular file without blocking on a
 * FIFO first (O_NONBLOCK until the check). errno-style failures keep their
 * errnum in err (ENOENT for a missing file).
 */
int tim_open_regular(const char *path, int flags, int mode, struct tim_err *err);

/*
 * Creates path (never overwriting, never through a symlink) with mode and
 * writes data to it, synced. Removes the file again on failure.
 */
int tim_write_new_file(const char *path, int mode, const void *data,
    size_t len, struct tim_err *err);

/*
 * A new temporary file (mode 0600, close-on-exec) in the folder of path, so
 * that a rename(2) onto path is atomic; name gets its path. Returns the fd.
 */
int tim_tmp_beside(const char *path, struct tim_buf *name, struct tim_err *err);

/*
 * Replaces path with data, atomically: a temporary file beside it with
 * mode, written and synced, then renamed over it. On failure path is as it
 * was and no temporary file remains.
 */
int tim_write_replace(const char *path, int mode, const void *data,
    size_t len, struct tim_err *err);

/*
 * tim_write_replace with flags: TIM_WRITE_NOREPLACE puts the file in place
 * only if path does not exist ("already exists; not overwriting it").
 */
#define TIM_WRITE_NOREPLACE 0x1
int tim_write_replace_ex(const char *path, int mode, const void *data,
    size_t len, int flags, struct tim_err *err);

/*
 * pread(2) until len bytes or the end of the file, through EINTR and short
 * reads: the bytes read (fewer than len only at the end), or -1.
 */
ssize_t tim_pread_upto(int fd, void *buf, size_t len, off_t off);

/* write(2) until done or a real error. */
int tim_write_all(int fd, const void *data, size_t len);

/*
 * All names in an open directory except "." and "..", sorted bytewise, read
 * in full before the caller changes anything in it. The caller frees them
 * with tim_dir_names_free; dp stays open.
 */
int tim_dir_names(DIR *dp, char ***names, size_t *n, struct tim_err *err);
void tim_dir_names_free(char **names, size_t n);

/* Size in bytes for people: "512 B", "1.5 MiB". out holds 32 bytes. */
void tim_human_size(double bytes, char out[32]);

#endif
