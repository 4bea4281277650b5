#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "secret.h"
#include "note.h"
#include "util.h"
#include "banned.h"

#define SIG_PREFIX "\xe2\x80\x94 "	/* U+2014 EM DASH, space */
#define ALG_ED25519 0x01
#define KEY_FILE_MAX 4096
#define NOTE_MAX (1 << 20)

int
tim_note_name_ok(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0' || strlen(name) >= TIM_NOTE_NAME_MAX)
		return 0;
	for (; *p; p++)
		if (*p <= ' ' || *p == '+' || *p == 0x7f)
			return 0;
	return 1;
}

int
tim_note_key_id(const char *name, int alg, const unsigned char pub[32],
    unsigned char id[4])
{
	struct tim_buf b = TIM_BUF_INIT;
	unsigned char h[TIM_SHA256_LEN];
	int r;

	tim_buf_adds(&b, name);
	tim_buf_addch(&b, '\n');
	tim_buf_addch(&b, alg);
	tim_buf_add(&b, pub, 32);
	r = b.failed ? -1 : tim_sha256(b.buf, b.len, h);
	tim_buf_release(&b);
	if (r == 0)
		memcpy(id, h, 4);
	return r;
}

int
tim_ed25519_public(const unsigned char seed[32], unsigned char pub[32])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	size_t n = 32;
	int r;

	if (k == NULL)
		return -1;
	r = EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 && n == 32 ? 0 : -1;
	EVP_PKEY_free(k);
	return r;
}

/*
 * A new key of algorithm alg (ALG_ED25519 for checkpoints, 0x04 for
 * witness cosignatures, witness.c): the same key, another key id.
 */
int
tim_note_signer_generate(struct tim_signer *s, const char *name, int alg,
    struct tim_err *err)
{
	memset(s, 0, sizeof(*s));
	if (!tim_note_name_ok(name))
		return tim_invalidf(err, _("invalid key name '%s': it must be printable, without spaces or '+'"), name);
	snprintf(s->v.name, sizeof(s->v.name), "%s", name);
	if (RAND_priv_bytes(s->seed, sizeof(s->seed)) != 1 ||
	    tim_ed25519_public(s->seed, s->v.pub) < 0 ||
	    tim_note_key_id(name, alg, s->v.pub, s->v.keyid) < 0) {
		tim_signer_release(s);
		return tim_errorf(err, 0, _("cannot generate an Ed25519 key"));
	}
	return 0;
}

int
tim_signer_generate(struct tim_signer *s, const char *name, struct tim_err *err)
{
	return tim_note_signer_generate(s, name, ALG_ED25519, err);
}

void
tim_signer_release(struct tim_signer *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

int
tim_note_key_format(struct tim_buf *out, const char *prefix, const char *name,
    const unsigned char id[4], int alg, const unsigned char key[32])
{
	unsigned char raw[33];
	char hex[9];
	int r;

	raw[0] = (unsigned char)alg;
	memcpy(raw + 1, key, 32);
	tim_hex(id, 4, hex);
	tim_buf_addf(out, "%s%s+%s+", prefix, name, hex);
	r = tim_base64_encode(out, raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	return r < 0 || out->failed ? -1 : 0;
}

int
tim_signer_format(const struct tim_signer *s, struct tim_buf *out)
{
	return tim_note_key_format(out, "PRIVATE+KEY+", s->v.name, s->v.keyid,
	    ALG_ED25519, s->seed);
}

int
tim_verifier_format(const struct tim_verifier *v, struct tim_buf *out)
{
	return tim_note_key_format(out, "", v->name, v->keyid, ALG_ED25519, v->pub);
}

/*
 * Splits "name+hexid+base64" (trailing newline allowed), checks the
 * algorithm byte and returns the 32 key bytes.
 */
int
tim_note_key_parse(const char *text, size_t len, int alg,
    char name[TIM_NOTE_NAME_MAX], unsigned char id[4], unsigned char key[32])
{
	const char *p1, *p2, *end = text + len;
	unsigned char raw[64];
	int n;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	p1 = memchr(text, '+', (size_t)(end - text));
	if (p1 == NULL || p1 == text || (size_t)(p1 - text) >= TIM_NOTE_NAME_MAX ||
	    memchr(text, '\0', (size_t)(p1 - text)) != NULL)
		return -1;
	p2 = memchr(p1 + 1, '+', (size_t)(end - p1 - 1));
	if (p2 == NULL || p2 - p1 - 1 != 8)
		return -1;
	memcpy(name, text, (size_t)(p1 - text));
	name[p1 - text] = '\0';
	if (!tim_note_name_ok(name) || tim_unhex(p1 + 1, 4, id) < 0)
		return -1;
	n = tim_base64_decode(p2 + 1, (size_t)(end - p2 - 1), raw, sizeof(raw));
	if (n != 33 || raw[0] != alg) {
		OPENSSL_cleanse(raw, sizeof(raw));
		return -1;
	}
	memcpy(key, raw + 1, 32);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

/*
 * "PRIVATE+KEY+name+id+base64" of algorithm alg, its key id checked: 0, or
 * -1 with s cleared (the caller words the error for its kind of key).
 */
int
tim_note_signer_parse(struct tim_signer *s, const char *text, size_t len, int alg)
{
	static const char pfx[] = "PRIVATE+KEY+";
	unsigned char id[4];

	memset(s, 0, sizeof(*s));
	if (len < sizeof(pfx) - 1 || memcmp(text, pfx, sizeof(pfx) - 1) != 0 ||
	    tim_note_key_parse(text + sizeof(pfx) - 1, len - (sizeof(pfx) - 1), alg,
	    s->v.name, s->v.keyid, s->seed) < 0 ||
	    tim_ed25519_public(s->seed, s->v.pub) < 0 ||
	    tim_note_key_id(s->v.name, alg, s->v.pub, id) < 0 ||
	    memcmp(id, s->v.keyid, 4) != 0) {
		tim_signer_release(s);
		return -1;
	}
	return 0;
}

/* "name+id+base64" of algorithm alg, its key id checked: 0 or -1. */
int
tim_note_verifier_parse(struct tim_verifier *v, const char *text, size_t len, int alg)
{
	unsigned char id[4];

	memset(v, 0, sizeof(*v));
	if (tim_note_key_parse(text, len, alg, v->name, v->keyid, v->pub) < 0 ||
	    tim_note_key_id(v->name, alg, v->pub, id) < 0 || memcmp(id, v->keyid, 4) != 0)
		return -1;
	return 0;
}

int
tim_signer_parse(struct tim_signer *s, const char *text, size_t len,
    struct tim_err *err)
{
	if (tim_note_signer_parse(s, text, len, ALG_ED25519) < 0)
		return tim_errorf(err, 0, _("not an Ed25519 signer key"));
	return 0;
}

int
tim_verifier_parse(struct tim_verifier *v, const char *text, size_t len,
    struct tim_err *err)
{
	if (tim_note_verifier_parse(v, text, len, ALG_ED25519) < 0)
		return tim_errorf(err, 0, _("not an Ed25519 verifier key"));
	return 0;
}

/*
 * Key files, of checkpoint keys (here) and witness keys (witness.c): read
 * as a secret, parsed by the caller's parser, the decoder's copies scrubbed.
 */
int
tim_key_file_load(struct tim_signer *s, const char *path, tim_signer_parse_fn parse,
    struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	int r;

	if (tim_read_file(path, KEY_FILE_MAX, TIM_READ_SECRET, &b, err) < 0) {
		tim_buf_release_secret(&b);
		return -1;
	}
	r = parse(s, tim_buf_str(&b), b.len, err);
	tim_buf_release_secret(&b);
	tim_secret_scrub();	/* the decoder's copies of the key (issue 18) */
	if (r < 0)
		tim_err_prefix(err, _("key file '%s'"), path);
	return r;
}

/* Written once, 0600, never over an existing file. */
int
tim_key_file_save(const struct tim_signer *s, const char *path,
    tim_signer_format_fn format, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	int r;

	if (format(s, &b) < 0 || tim_buf_addch(&b, '\n') < 0) {
		tim_buf_release_secret(&b);
		return tim_errorf(err, ENOMEM, _("cannot write '%s'"), path);
	}
	r = tim_write_new_file(path, 0600, b.buf, b.len, err);
	tim_buf_release_secret(&b);
	return r;
}

/*
 * A verifier key given as the key itself or as a file holding it; neither
 * is the message (one %s: the argument) the caller words for its kind.
 */
int
tim_key_arg_load(struct tim_verifier *v, const char *arg, tim_verifier_parse_fn parse,
    int read_flags, const char *neither, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_err ignored;
	int r;

	if (parse(v, arg, strlen(arg), &ignored) == 0)
		return 0;
	if (tim_read_file(arg, KEY_FILE_MAX, read_flags, &b, err) < 0) {
		tim_buf_release(&b);
		tim_err_prefix(err, neither, arg);
		return -1;
	}
	r = parse(v, tim_buf_str(&b), b.len, err);
	tim_buf_release(&b);
	if (r < 0)
		tim_err_prefix(err, _("key '%s'"), arg);
	return r;
}

int
tim_signer_load(struct tim_signer *s, const char *path, struct tim_err *err)
{
	return tim_key_file_load(s, path, tim_signer_parse, err);
}

int
tim_signer_save(const struct tim_signer *s, const char *path, struct tim_err *err)
{
	return tim_key_file_save(s, path, tim_signer_format, err);
}

int
tim_verifier_load(struct tim_verifier *v, const char *arg, struct tim_err *err)
{
	return tim_key_arg_load(v, arg, tim_verifier_parse, 0,
	    _("'%s' is neither a verifier key nor a readable file"), err);
}

int
tim_ed25519_sign(const unsigned char seed[32], const char *msg, size_t len,
    unsigned char sig[64])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 64;
	int r = -1;

	if (k && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(ctx, sig, &n, (const unsigned char *)msg, len) == 1 &&
	    n == 64)
		r = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return r;
}

int
tim_ed25519_verify(const unsigned char pub[32], const char *msg, size_t len,
    const unsigned char sig[64])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r = -1;

	if (k && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestVerify(ctx, sig, 64, (const unsigned char *)msg, len) == 1)
		r = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return r;
}

int
tim_note_sign(const struct tim_signer *s, const char *text, size_t len,
    struct tim_buf *out)
{
	unsigned char raw[68];

	memcpy(raw, s->v.keyid, 4);
	if (tim_ed25519_sign(s->seed, text, len, raw + 4) < 0)
		return -1;
	tim_buf_addf(out, SIG_PREFIX "%s ", s->v.name);
	tim_base64_encode(out, raw, sizeof(raw));
	tim_buf_addch(out, '\n');
	return out->failed ? -1 : 0;
}

int
tim_checkpoint_sign(const struct tim_signer *s, const char *origin,
    uint64_t size, const tim_hash root, struct tim_buf *out)
{
	size_t start = out->len;

	tim_buf_addf(out, "%s\n%llu\n", origin, (unsigned long long)size);
	tim_base64_encode(out, root, TIM_SHA256_LEN);
	tim_buf_addch(out, '\n');
	if (out->failed)
		return -1;
	/* The signature covers the text only; copy it, the buffer may move. */
	{
		size_t tlen = out->len - start;
		char *text = malloc(tlen);
		int r;

		if (text == NULL)
			return -1;
		memcpy(text, out->buf + start, tlen);
		tim_buf_addch(out, '\n');
		r = tim_note_sign(s, text, tlen, out);
		free(text);
		return r;
	}
}

void
tim_checkpoint_release(struct tim_checkpoint *cp)
{
	free(cp->text);
	free(cp->sigs);
	cp->text = cp->sigs = NULL;
}

/* The next line of data[*pos..len) without its LF; -1 when none is complete. */
static int
next_line(const char *data, size_t len, size_t *pos, const char **line,
    size_t *llen)
{
	const char *nl;

	if (*pos >= len)
		return -1;
	nl = memchr(data + *pos, '\n', len - *pos);
	if (nl == NULL)
		return -1;
	*line = data + *pos;
	*llen = (size_t)(nl - *line);
	*pos = (size_t)(nl - data) + 1;
	return 0;
}

int
tim_checkpoint_parse(struct tim_checkpoint *cp, const char *data, size_t len,
    size_t *used, struct tim_err *err)
{
	const char *line, *end;
	size_t pos = 0, llen, sigstart, sigend;
	unsigned long long size;
	char num[32];
	int n;

	memset(cp, 0, sizeof(*cp));
	if (len > NOTE_MAX)
		return tim_errorf(err, 0, _("checkpoint too large"));
	/* origin */
	if (next_line(data, len, &pos, &line, &llen) < 0 || llen == 0 ||
	    llen >= sizeof(cp->origin) || memchr(line, '\0', llen))
		return tim_errorf(err, 0, _("checkpoint: missing origin line"));
	memcpy(cp->origin, line, llen);
	cp->origin[llen] = '\0';
	/* size: decimal, no sign, no leading zeros */
	if (next_line(data, len, &pos, &line, &llen) < 0 || llen == 0 ||
	    llen >= sizeof(num) || (llen > 1 && line[0] == '0'))
		return tim_errorf(err, 0, _("checkpoint: bad size line"));
	memcpy(num, line, llen);
	num[llen] = '\0';
	errno = 0;
	size = strtoull(num, (char **)&end, 10);
	if (errno || *end != '\0' || num[0] < '0' || num[0] > '9')
		return tim_errorf(err, 0, _("checkpoint: bad size line"));
	cp->size = size;
	/* root */
	if (next_line(data, len, &pos, &line, &llen) < 0 ||
	    (n = tim_base64_decode(line, llen, cp->root, sizeof(cp->root))) != TIM_SHA256_LEN)
		return tim_errorf(err, 0, _("checkpoint: bad root hash line"));
	/* extension lines up to the blank line */
	for (;;) {
		if (next_line(data, len, &pos, &line, &llen) < 0)
			return tim_errorf(err, 0, _("checkpoint: no signature"));
		if (llen == 0)
			break;
	}
	cp->text_len = pos - 1;
	sigstart = sigend = pos;
	while (next_line(data, len, &pos, &line, &llen) == 0) {
		if (llen == 0)
			break;	/* the blank line that separates notes */
		if (llen < sizeof(SIG_PREFIX) - 1 ||
		    memcmp(line, SIG_PREFIX, sizeof(SIG_PREFIX) - 1) != 0) {
			pos = (size_t)(line - data);
			break;
		}
		sigend = pos;
	}
	if (sigend == sigstart)
		return tim_errorf(err, 0, _("checkpoint: no signature"));
	cp->sigs_len = sigend - sigstart;
	cp->text = malloc(cp->text_len + 1);
	cp->sigs = malloc(cp->sigs_len + 1);
	if (!cp->text || !cp->sigs) {
		tim_checkpoint_release(cp);
		return tim_errorf(err, ENOMEM, _("checkpoint"));
	}
	memcpy(cp->text, data, cp->text_len);
	cp->text[cp->text_len] = '\0';
	memcpy(cp->sigs, data + sigstart, cp->sigs_len);
	cp->sigs[cp->sigs_len] = '\0';
	*used = pos;
	return 0;
}

int
tim_checkpoint_verify(const struct tim_checkpoint *cp,
    const struct tim_verifier *v, struct tim_err *err)
{
	const char *p = cp->sigs, *end = cp->sigs + cp->sigs_len;
	size_t nlen = strlen(v->name);
	int named = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *q = p + sizeof(SIG_PREFIX) - 1;
		unsigned char raw[68];

		if (nl == NULL)
			break;
		if ((size_t)(nl - q) > nlen + 1 && memcmp(q, v->name, nlen) == 0 &&
		    q[nlen] == ' ') {
			named = 1;
			q += nlen + 1;
			if (tim_base64_decode(q, (size_t)(nl - q), raw, sizeof(raw)) == 68 &&
			    memcmp(raw, v->keyid, 4) == 0 &&
			    tim_ed25519_verify(v->pub, cp->text, cp->text_len, raw + 4) == 0)
				return 0;
		}
		p = nl + 1;
	}
	if (!named)
		return tim_failf(err, _("checkpoint has no signature by key '%s'"), v->name);
	return tim_failf(err, _("checkpoint signature by '%s' does not verify"), v->name);
}

int
tim_checkpoint_read_all(const char *path, struct tim_checkpoint **out,
    size_t *n, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_checkpoint *v = NULL, *nv;
	size_t pos = 0, used, count = 0;

	*out = NULL;
	*n = 0;
	if (tim_read_file(path, (size_t)1 << 30, TIM_READ_REGULAR, &b, err) < 0) {
		tim_buf_release(&b);
		if (err->errnum == ENOENT) {
			tim_err_clear(err);
			return 0;
		}
		return -1;
	}
	while (pos < b.len) {
		nv = realloc(v, (count + 1) * sizeof(*v));
		if (nv == NULL) {
			tim_errorf(err, ENOMEM, _("cannot read '%s'"), path);
			goto fail;
		}
		v = nv;
		if (tim_checkpoint_parse(&v[count], b.buf + pos, b.len - pos, &used, err) < 0) {
			/* A file of checkpoints that does not parse is a failed check, not an I/O error. */
			tim_err_prefix(err, _("'%s' byte %zu"), path, pos);
			err->kind = TIM_ERR_REFUSED;
			goto fail;
		}
		count++;
		pos += used;
	}
	tim_buf_release(&b);
	*out = v;
	*n = count;
	return 0;
fail:
	tim_checkpoint_free_all(v, count);
	tim_buf_release(&b);
	return -1;
}

void
tim_checkpoint_free_all(struct tim_checkpoint *cps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tim_checkpoint_release(&cps[i]);
	free(cps);
}
