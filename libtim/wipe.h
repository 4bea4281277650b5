#ifndef TIM_WIPE_H
#define TIM_WIPE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct tim_err;

/*
 * Overwrite erasure (告示 I 第四 5 (1), V 第三 5-8): methods as lists of
 * passes, the pattern generator, and the engine that writes and verifies
 * the passes over an open file or block device. Around it: wipe_file.c
 * (opening a file, taking its name away), wipe_tree.c (-r), wipe_device.c
 * (in-use checks, identity), wipe_state.c (--resume) and wiperecord.c (the
 * certificate and the ledger's erase record).
 */

#define TIM_WIPE_MAX_PASSES	64
#define TIM_WIPE_PAT_MAX	16

/* One pass: a repeating byte pattern, or the AES-256-CTR keystream. */
enum { TIM_PASS_BYTES, TIM_PASS_RANDOM };

struct tim_wipe_pass {
	int kind;
	size_t patlen;				/* TIM_PASS_BYTES: 1..16 */
	unsigned char pat[TIM_WIPE_PAT_MAX];
};

/* What is read back after writing. */
enum {
	TIM_VERIFY_OFF,		/* nothing */
	TIM_VERIFY_LAST,	/* all of the last pass */
	TIM_VERIFY_SAMPLE,	/* >= 10% of the last pass, first and last block */
	TIM_VERIFY_ALL		/* all of every pass */
};

struct tim_wipe_method {
	char name[16];		/* "clear", "dod", ..., "custom" */
	char spec[TIM_WIPE_MAX_PASSES * 36];	/* canonical "passes=..." */
	size_t npasses;
	struct tim_wipe_pass pass[TIM_WIPE_MAX_PASSES];
	int verify;		/* the method's own default verification */
};

/* The named methods, for --list-methods. */
struct tim_wipe_method_info {
	const char *name;
	const char *passes;	/* as a custom list */
	int verify;
	const char *what;	/* for people, through _() */
};

extern const struct tim_wipe_method_info tim_wipe_methods[];

/*
 * A method name or "passes=P,P,..." where P is "random" or a pattern of
 * 1-16 bytes in hex ("0x00", "0x924924"). Usage errors name the token.
 */
int tim_wipe_method_parse(const char *s, struct tim_wipe_method *m,
    struct tim_err *err);

/* "random" or "0x..." for a pass, into out (at least 40 bytes). */
void tim_wipe_pass_name(const struct tim_wipe_pass *p, char *out, size_t n);

/* "all", "sample", "last", "off". */
int tim_wipe_verify_parse(const char *s, int *mode, struct tim_err *err);
const char *tim_wipe_verify_name(int mode);

/*
 * The bytes a pass writes at any offset, so that a block can be produced
 * (and produced again for verification) independently of the others. A
 * random pass draws a fresh AES-256 key and IV from getrandom(2); they live
 * only in memory and are cleansed on free.
 */
struct tim_wipe_stream;

int tim_wipe_stream_new(struct tim_wipe_stream **out,
    const struct tim_wipe_pass *p, struct tim_err *err);
int tim_wipe_stream_fill(struct tim_wipe_stream *s, uint64_t offset,
    unsigned char *buf, size_t len);
void tim_wipe_stream_free(struct tim_wipe_stream *s);

/* A byte range, for bad (unwritable) ranges and verification mismatches. */
struct tim_wipe_range {
	uint64_t offset;
	uint64_t length;
};

struct tim_wipe_ranges {
	struct tim_wipe_range *r;
	size_t n, alloc;
	uint64_t total;		/* bytes in all ranges */
	int truncated;		/* more ranges than kept */
};

void tim_wipe_ranges_release(struct tim_wipe_ranges *rs);
/* Adds [offset, offset+length), joining it to the last range when adjacent. */
int tim_wipe_ranges_add(struct tim_wipe_ranges *rs, uint64_t offset,
    uint64_t length);

/* Where a run stopped, and where a resumed run starts. */
enum { TIM_PHASE_WRITE, TIM_PHASE_VERIFY, TIM_PHASE_DONE };

typedef void tim_wipe_progress_fn(void *ctx, size_t pass, int phase,
    uint64_t done, uint64_t total);

/*
 * Faults a test build injects into a job (NULL in the installed tools,
 * which carry no code that fills this): a range whose writes fail with
 * EIO, a stop once that many bytes are written, 512 bytes of 0x5a at
 * tamper_off after the last pass is written, and a hardware erase that is
 * never sent while the device is taken to have answered success (a drive
 * or bridge that lies), and an ATA disk taken to offer SECURITY ERASE, so
 * that the commands reach a drive that aborts them.
 */
struct tim_wipe_faults {
	uint64_t eio_off, eio_len;	/* eio_len 0: none */
	uint64_t stop_after;		/* 0: none */
	int tamper;
	uint64_t tamper_off;
	int skip_hw;
	int ata_security;	/* take an ATA disk to offer security erase */
	int grow;		/* after the last pass, 4 KiB appended: another writer */
};

/*
 * One target. The caller opens fd (read-write; O_DIRECT for block devices,
 * with align the logical sector size) and fills the first group; run fills
 * the results.
 */
struct tim_wipe_job {
	int fd;
	int direct;		/* fd has O_DIRECT: buffers and lengths aligned */
	int is_file;		/* drop the page cache before reading back */
	uint64_t size;
	size_t align;		/* O_DIRECT alignment, a power of two */
	size_t chunk;		/* bytes per write; 0: the default */
	const struct tim_wipe_method *method;
	int verify;		/* TIM_VERIFY_* */
	int check;		/* only read back the last pass, written earlier */
	size_t start_pass;	/* resume: pass and phase to start in */
	int start_phase;
	uint64_t start_offset;
	volatile sig_atomic_t *stop;	/* set by a signal handler: stop cleanly */
	tim_wipe_progress_fn *progress;
	void *progress_ctx;
	const struct tim_wipe_faults *faults;	/* test builds only; else NULL */

	/* results */
	uint64_t bytes_written;
	uint64_t bytes_verified;
	struct tim_wipe_ranges bad;		/* could not be written */
	struct tim_wipe_ranges mismatch;	/* read back wrong or unreadable */
	int interrupted;	/* stopped by *stop: stop_pass etc. say where */
	size_t stop_pass;
	int stop_phase;
	uint64_t stop_offset;
};

#define TIM_WIPE_CHUNK	(8u << 20)

/*
 * Runs every pass from the start point, syncing after each, and the
 * verification the job asks for. Returns 0 when it ran to the end or was
 * stopped (see interrupted), even with bad ranges or mismatches, which the
 * caller judges; -1 with err on a system error that stops the target.
 */
int tim_wipe_run(struct tim_wipe_job *job, struct tim_err *err);
void tim_wipe_job_release(struct tim_wipe_job *job);

#endif
