#ifndef TIM_SEAL_H
#define TIM_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct tim_err;
struct tim_ber;
struct tim_src;

/*
 * Envelopes for outbound attachments (告示 V 第三 10, V 第二 11): CMS
 * (RFC 5652) AuthEnvelopedData with AES-256-GCM (RFC 5083/5084), or with
 * compat EnvelopedData with AES-256-CBC, to X.509 recipients (RSAES-OAEP
 * SHA-256, ECDH P-256/P-384 with a SHA-256 KDF and AES key wrap) and
 * password recipients (RFC 3211, PBKDF2-HMAC-SHA256). Both directions stream:
 * memory stays constant whatever the size. tim-seal(1).
 */

#define TIM_SEAL_ITERATIONS	600000	/* PBKDF2 rounds for password recipients */
#define TIM_SEAL_BUNDLE_NONE	0
#define TIM_SEAL_BUNDLE_TAR	1
#define TIM_SEAL_BUNDLE_ZIP	2

struct tim_seal_opts {
	const char *const *certs;	/* recipient certificate files (PEM or DER) */
	size_t ncerts;
	const unsigned char *password;	/* a password recipient, or NULL */
	size_t passlen;
	unsigned iterations;		/* 0: TIM_SEAL_ITERATIONS */
	int compat;			/* EnvelopedData, AES-256-CBC */
	int allow_expired;		/* accept expired or not yet valid certificates */
	const char *sign_key;		/* SignedData inside, with this key ... */
	const char *signer_cert;	/* ... and certificate */
	int bundle;			/* TIM_SEAL_BUNDLE_*; several inputs force TAR */
	int hashes;			/* SHA-256 of plaintext and envelope in info */
	int force;			/* replace an existing output */
};

/*
 * Seals files (or "-" for stdin) into out ("-": stdout). A single regular
 * file or stdin is the content itself; several files or a directory are put
 * in one tar or zip. The envelope is written to a temporary file beside out
 * and renamed into place at the end; out is never overwritten. *info gets a
 * JSON object describing what was done (for the ledger and --json), which the
 * caller frees.
 */
int tim_seal(const struct tim_seal_opts *o, char *const *files, size_t nfiles,
    const char *out, json_t **info, struct tim_err *err);

/*
 * The default output name for a seal (malloc'd): FILE.p7m or DIR.tar.p7m for
 * one input; for several, their common folder's name (or the current
 * folder's) with .tar.p7m or .zip.p7m.
 */
char *tim_seal_default_out(char *const *files, size_t nfiles, int bundle);

/*
 * The bundle a seal of these files makes (TIM_SEAL_BUNDLE_*): the one asked
 * for, else TAR for several files or a directory, else none.
 */
int tim_seal_bundle_for(char *const *files, size_t nfiles, int bundle);

/*
 * The fields of the ledger's "send" record for a seal, from the *info that
 * tim_seal gave: the files (the first is the item), to whom, the envelope,
 * its hashes and format, the signer, the labels the policy found (may be
 * NULL) and the override reason (may be NULL). A new reference for the
 * caller to free; nfiles is at least 1.
 */
json_t *tim_seal_send_fields(json_t *info, char *const *files, size_t nfiles,
    json_t *labels, const char *override);

/*
 * The ledger's "receive" record for an opening (告示 I 第四 1 (2)), from the
 * *info that tim_seal_open gave: the envelope and its hash, from whom (from,
 * else the signer, else "unknown"), the recipients, every file with its hash,
 * the labels found in what was opened (may be NULL), legacy algorithms
 * accepted. A new reference.
 */
json_t *tim_seal_receive_fields(json_t *info, const char *sealed,
    const char *from, json_t *labels);

#define TIM_SEAL_PASS_MIN	12	/* characters in a password to seal with */

/*
 * 1 when a password to seal with is weak, *why saying how (an N_() text):
 * under TIM_SEAL_PASS_MIN characters, on one of the lists (files of one
 * password a line, '#' comments; NULL-terminated), the same with digits and
 * symbols at the ends, or a run of keys. 0 when not; -1 when a list cannot
 * be read.
 */
int tim_seal_password_weak(const unsigned char *pw, size_t len,
    const char *const *lists, const char **why, struct tim_err *err);
/* 20 random characters in groups of 4 ("abcd-efgh-..."), about 99 bits; size >= 25. */
int tim_seal_password_generate(char *out, size_t size, struct tim_err *err);

struct tim_open_opts {
	const char *key;		/* recipient private key file */
	const char *cert;		/* its certificate (selects the recipient) */
	const unsigned char *password;
	size_t passlen;
	const char *ca;			/* verify the signer against these CAs */
	int allow_legacy;		/* accept RSA PKCS#1 v1.5 key transport,
					   the SHA-1 KDF of ECDH, SHA-1 PBKDF2 */
	int refuse_unauthenticated;	/* refuse CBC content without a signature */
	const char *out;		/* file to write; "-": stdout */
	const char *dir;		/* extract a tar or zip bundle here (made if missing) */
	int force;			/* replace an existing output file */
	uint64_t max_extract;		/* extraction limit in bytes; 0: default */
	int hashes;			/* SHA-256 of the plaintext in info */
};

/*
 * Opens an envelope (DER, PEM or an S/MIME message). Without out or dir a
 * single file goes to the current directory under the envelope's name
 * without ".p7m", a bundle is extracted there. The plaintext goes to a
 * temporary file beside the destination and is moved into place only after the authentication tag and
 * any signature verified; on any failure nothing of it remains. *info
 * describes the envelope and the signer.
 */
int tim_seal_open(const struct tim_open_opts *o, const char *sealed,
    json_t **info, struct tim_err *err);

/* Describes an envelope without any key: recipients, algorithms, sizes. */
int tim_seal_inspect(const char *sealed, json_t **info, struct tim_err *err);
/* The same from any byte source (name is only reported). */
int tim_seal_inspect_src(struct tim_src src, const char *name, json_t **info,
    struct tim_err *err);

/*
 * Walks the envelope structure from r up to the start of the encrypted
 * content (used by open and inspect). 0 ok, -1 malformed.
 */
struct tim_seal_head;
int tim_seal_head_parse(struct tim_ber *r, struct tim_seal_head **head,
    struct tim_err *err);
void tim_seal_head_free(struct tim_seal_head *h);

#endif
