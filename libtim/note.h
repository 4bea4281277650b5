#ifndef TIM_NOTE_H
#define TIM_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "merkle.h"

struct tim_buf;
struct tim_err;

/*
 * C2SP signed notes with Ed25519 keys, and tlog checkpoints carried in them.
 *
 *   key id        SHA-256(name || 0x0A || 0x01 || public key)[:4]
 *   verifier key  name+hex(key id)+base64(0x01 || public key)
 *   signer key    PRIVATE+KEY+name+hex(key id)+base64(0x01 || seed)
 *   note          text (ending in LF), a blank line, then signature lines
 *                 "— name base64(key id || signature)" (U+2014, space)
 *   checkpoint    text = origin LF size LF base64(root) LF [extension lines]
 */

#define TIM_NOTE_NAME_MAX 256

struct tim_verifier {
	char name[TIM_NOTE_NAME_MAX];
	unsigned char keyid[4];
	unsigned char pub[32];
};

struct tim_signer {
	struct tim_verifier v;
	unsigned char seed[32];
};

/* A usable key name: non-empty, printable, no spaces and no '+'. */
int tim_note_name_ok(const char *name);

int tim_signer_generate(struct tim_signer *s, const char *name,
    struct tim_err *err);
/* Overwrites the secret. */
void tim_signer_release(struct tim_signer *s);
int tim_signer_format(const struct tim_signer *s, struct tim_buf *out);
int tim_signer_parse(struct tim_signer *s, const char *text, size_t len,
    struct tim_err *err);
/* Reads a key file, refusing one that group or others can read. */
int tim_signer_load(struct tim_signer *s, const char *path, struct tim_err *err);

/*
 * Keys of another algorithm byte (witness keys, witness.c): generate, and
 * parse returning 0 or -1 so that the caller words the error.
 */
int tim_note_signer_generate(struct tim_signer *s, const char *name, int alg,
    struct tim_err *err);
int tim_note_signer_parse(struct tim_signer *s, const char *text, size_t len, int alg);
int tim_note_verifier_parse(struct tim_verifier *v, const char *text, size_t len, int alg);

/* Key-file plumbing shared with the witness keys (witness.c). */
typedef int (*tim_signer_parse_fn)(struct tim_signer *, const char *, size_t,
    struct tim_err *);
typedef int (*tim_signer_format_fn)(const struct tim_signer *, struct tim_buf *);
typedef int (*tim_verifier_parse_fn)(struct tim_verifier *, const char *, size_t,
    struct tim_err *);
int tim_key_file_load(struct tim_signer *s, const char *path,
    tim_signer_parse_fn parse, struct tim_err *err);
int tim_key_file_save(const struct tim_signer *s, const char *path,
    tim_signer_format_fn format, struct tim_err *err);
int tim_key_arg_load(struct tim_verifier *v, const char *arg,
    tim_verifier_parse_fn parse, int read_flags, const char *neither,
    struct tim_err *err);
/* Writes a new key file with mode 0600; never overwrites. */
int tim_signer_save(const struct tim_signer *s, const char *path,
    struct tim_err *err);

int tim_verifier_format(const struct tim_verifier *v, struct tim_buf *out);
int tim_verifier_parse(struct tim_verifier *v, const char *text, size_t len,
    struct tim_err *err);
/* A verifier key given on the command line: the key itself, or a file holding it. */
int tim_verifier_load(struct tim_verifier *v, const char *arg,
    struct tim_err *err);

/* Appends "— name base64(...)\n" signing text to out. */
int tim_note_sign(const struct tim_signer *s, const char *text, size_t len,
    struct tim_buf *out);

/*
 * The same formats for other signature types (C2SP signed-note: the type
 * byte goes into the key id and in front of the key): tlog-cosignature's
 * Ed25519 cosigner keys are type 0x04 (libtim/witness.c).
 */
int tim_note_key_id(const char *name, int alg, const unsigned char pub[32],
    unsigned char id[4]);
int tim_note_key_format(struct tim_buf *out, const char *prefix,
    const char *name, const unsigned char id[4], int alg,
    const unsigned char key[32]);
int tim_note_key_parse(const char *text, size_t len, int alg,
    char name[TIM_NOTE_NAME_MAX], unsigned char id[4], unsigned char key[32]);
int tim_ed25519_public(const unsigned char seed[32], unsigned char pub[32]);
int tim_ed25519_sign(const unsigned char seed[32], const char *msg, size_t len,
    unsigned char sig[64]);
int tim_ed25519_verify(const unsigned char pub[32], const char *msg, size_t len,
    const unsigned char sig[64]);

struct tim_checkpoint {
	char origin[1024];
	uint64_t size;
	tim_hash root;
	/* The signed text and the signature lines, as found. */
	char *text;
	size_t text_len;
	char *sigs;
	size_t sigs_len;
};

/* Builds and signs a checkpoint note into out. */
int tim_checkpoint_sign(const struct tim_signer *s, const char *origin,
    uint64_t size, const tim_hash root, struct tim_buf *out);

/*
 * Parses one note; *used is set to the bytes it took (it and one blank line
 * after it), so a file of many notes can be walked.
 */
int tim_checkpoint_parse(struct tim_checkpoint *cp, const char *data,
    size_t len, size_t *used, struct tim_err *err);
void tim_checkpoint_release(struct tim_checkpoint *cp);

/*
 * 0 when a signature line by v's name and key id verifies; a failed check
 * (unknown key, bad signature) is TIM_ERR_REFUSED in err.
 */
int tim_checkpoint_verify(const struct tim_checkpoint *cp,
    const struct tim_verifier *v, struct tim_err *err);

/*
 * All checkpoints in a file (LEDGER.checkpoints); a missing file gives none.
 * A file that does not parse is TIM_ERR_REFUSED in err; one that cannot be
 * read (or is not a regular file) TIM_ERR_SYSTEM.
 */
int tim_checkpoint_read_all(const char *path, struct tim_checkpoint **out,
    size_t *n, struct tim_err *err);
void tim_checkpoint_free_all(struct tim_checkpoint *cps, size_t n);

#endif
