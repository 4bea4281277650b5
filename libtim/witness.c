/*
 * C2SP tlog-cosignature (Ed25519, cosignature/v1) and the request format of
 * C2SP tlog-witness's add-checkpoint. The key formats are signed-note's
 * (libtim/note.c) with signature type 0x04.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "util.h"
#include "witness.h"
#include "banned.h"

#define SIG_PREFIX "\xe2\x80\x94 "	/* U+2014 EM DASH, space */
#define COSIG_LEN (4 + 8 + 64)

int
tim_cosigner_generate(struct tim_signer *s, const char *name, struct tim_err *err)
{
	return tim_note_signer_generate(s, name, TIM_COSIG_ALG, err);
}

int
tim_cosigner_format(const struct tim_signer *s, struct tim_buf *out)
{
	return tim_note_key_format(out, "PRIVATE+KEY+", s->v.name, s->v.keyid,
	    TIM_COSIG_ALG, s->seed);
}

int
tim_cosig_verifier_format(const struct tim_verifier *v, struct tim_buf *out)
{
	return tim_note_key_format(out, "", v->name, v->keyid, TIM_COSIG_ALG, v->pub);
}

int
tim_cosigner_parse(struct tim_signer *s, const char *text, size_t len,
    struct tim_err *err)
{
	if (tim_note_signer_parse(s, text, len, TIM_COSIG_ALG) < 0)
		return tim_errorf(err, 0, _("not a witness (cosignature/v1) signer key"));
	return 0;
}

int
tim_cosig_verifier_parse(struct tim_verifier *v, const char *text, size_t len,
    struct tim_err *err)
{
	if (tim_note_verifier_parse(v, text, len, TIM_COSIG_ALG) < 0)
		return tim_errorf(err, 0, _("not a witness (cosignature/v1) verifier key"));
	return 0;
}

int
tim_cosigner_load(struct tim_signer *s, const char *path, struct tim_err *err)
{
	return tim_key_file_load(s, path, tim_cosigner_parse, err);
}

int
tim_cosigner_save(const struct tim_signer *s, const char *path, struct tim_err *err)
{
	return tim_key_file_save(s, path, tim_cosigner_format, err);
}

int
tim_cosig_verifier_load(struct tim_verifier *v, const char *arg,
    struct tim_err *err)
{
	return tim_key_arg_load(v, arg, tim_cosig_verifier_parse, TIM_READ_REGULAR,
	    _("'%s' is neither a witness key nor a readable file"), err);
}

int
tim_cosig_message(const char *text, size_t len, uint64_t t, struct tim_buf *out)
{
	tim_buf_addf(out, "cosignature/v1\ntime %llu\n", (unsigned long long)t);
	tim_buf_add(out, text, len);
	return out->failed ? -1 : 0;
}

static void
put_be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get_be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

int
tim_cosig_sign(const struct tim_signer *s, const char *text, size_t len,
    uint64_t t, struct tim_buf *out)
{
	struct tim_buf msg = TIM_BUF_INIT;
	unsigned char raw[COSIG_LEN];
	int r = -1;

	/* C2SP: the timestamp MUST NOT exceed 2^63 - 1. */
	if (t > INT64_MAX || len == 0 || text[len - 1] != '\n')
		return -1;
	memcpy(raw, s->v.keyid, 4);
	put_be64(raw + 4, t);
	if (tim_cosig_message(text, len, t, &msg) == 0 &&
	    tim_ed25519_sign(s->seed, msg.buf, msg.len, raw + 12) == 0) {
		tim_buf_addf(out, SIG_PREFIX "%s ", s->v.name);
		tim_base64_encode(out, raw, sizeof(raw));
		tim_buf_addch(out, '\n');
		r = out->failed ? -1 : 0;
	}
	tim_buf_release(&msg);
	return r;
}

int
tim_cosig_verify(const char *text, size_t tlen, const char *sigs, size_t slen,
    const struct tim_verifier *w, uint64_t *t, struct tim_err *err)
{
	const char *p = sigs, *end = sigs + slen;
	size_t nlen = strlen(w->name), plen = sizeof(SIG_PREFIX) - 1;
	struct tim_buf msg = TIM_BUF_INIT;
	int named = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *q = p + plen;
		unsigned char raw[COSIG_LEN + 4];
		uint64_t ts;

		if (nl == NULL)
			break;
		if ((size_t)(nl - p) > plen + nlen + 1 && memcmp(p, SIG_PREFIX, plen) == 0 &&
		    memcmp(q, w->name, nlen) == 0 && q[nlen] == ' ') {
			q += nlen + 1;
			if (tim_base64_decode(q, (size_t)(nl - q), raw, sizeof(raw)) == COSIG_LEN &&
			    memcmp(raw, w->keyid, 4) == 0) {
				named = 1;
				ts = get_be64(raw + 4);
				tim_buf_reset(&msg);
				if (ts <= INT64_MAX &&
				    tim_cosig_message(text, tlen, ts, &msg) == 0 &&
				    tim_ed25519_verify(w->pub, msg.buf, msg.len, raw + 12) == 0) {
					tim_buf_release(&msg);
					if (t)
						*t = ts;
					return 0;
				}
			}
		}
		p = nl + 1;
	}
	tim_buf_release(&msg);
	if (!named)
		return tim_failf(err, _("no cosignature by witness '%s'"), w->name);
	return tim_failf(err, _("the cosignature by witness '%s' does not verify"), w->name);
}

/* The next LF-terminated line of [*pos, len); -1 when none is complete. */
static int
req_line(const char *b, size_t len, size_t *pos, const char **line, size_t *llen)
{
	const char *nl;

	if (*pos >= len || (nl = memchr(b + *pos, '\n', len - *pos)) == NULL)
		return -1;
	*line = b + *pos;
	*llen = (size_t)(nl - *line);
	*pos = (size_t)(nl - b) + 1;
	return 0;
}

/* ASCII decimal with no leading zeroes ("0" alone for zero), no sign. */
static int
parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
tim_witness_req_parse(const char *body, size_t len, struct tim_witness_req *req,
    struct tim_err *err)
{
	const char *line;
	size_t pos = 0, llen, used;

	memset(req, 0, sizeof(*req));
	if (len > TIM_WITNESS_BODY_MAX)
		return tim_invalidf(err, _("request body too large (%zu bytes)"), len);
	if (req_line(body, len, &pos, &line, &llen) < 0 || llen < 5 ||
	    memcmp(line, "old ", 4) != 0 || parse_size(line + 4, llen - 4, &req->old) < 0)
		return tim_invalidf(err, _("request: bad old size line"));
	for (;;) {
		if (req_line(body, len, &pos, &line, &llen) < 0)
			return tim_invalidf(err, _("request: no empty line before the checkpoint"));
		if (llen == 0)
			break;
		if (req->nproof == TIM_WITNESS_PROOF_MAX)
			return tim_invalidf(err, _("request: more than %d consistency proof lines"),
			    TIM_WITNESS_PROOF_MAX);
		if (llen != 44 || tim_base64_decode(line, llen, req->proof[req->nproof],
		    TIM_SHA256_LEN) != TIM_SHA256_LEN)
			return tim_invalidf(err, _("request: bad consistency proof line %zu"),
			    req->nproof + 1);
		req->nproof++;
	}
	if (tim_checkpoint_parse(&req->cp, body + pos, len - pos, &used, err) < 0) {
		err->kind = TIM_ERR_INVALID;
		return -1;
	}
	if (used != len - pos) {
		tim_checkpoint_release(&req->cp);
		return tim_invalidf(err, _("request: bytes after the checkpoint"));
	}
	return 0;
}

void
tim_witness_req_release(struct tim_witness_req *req)
{
	tim_checkpoint_release(&req->cp);
}

int
tim_witness_req_format(uint64_t old, const tim_hash *proof, size_t n,
    const char *note, size_t nlen, struct tim_buf *out)
{
	size_t i;

	if (n > TIM_WITNESS_PROOF_MAX)
		return -1;
	tim_buf_addf(out, "old %llu\n", (unsigned long long)old);
	for (i = 0; i < n; i++) {
		tim_base64_encode(out, proof[i], TIM_SHA256_LEN);
		tim_buf_addch(out, '\n');
	}
	tim_buf_addch(out, '\n');
	tim_buf_add(out, note, nlen);
	return out->failed ? -1 : 0;
}
