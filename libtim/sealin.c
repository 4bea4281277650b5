/*
 * What the partner sends back is not always DER: `openssl cms -outform PEM`
 * writes -----BEGIN CMS-----, older tools -----BEGIN PKCS7-----, and a mail
 * client's S/MIME message is MIME headers and a base64 body. This source
 * looks at the first bytes, says which it found, and hands the envelope's
 * DER on, decoded in pieces with OpenSSL's base64 decoder, so that memory
 * stays constant. It also hashes every byte of the file as it was given (the
 * receive record names the envelope by that hash).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ber.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "seal_impl.h"
#include "banned.h"

#define HEAD_MAX	(64 * 1024)	/* PEM line or MIME headers must fit */

static ssize_t
raw_read(struct tim_seal_in *in, void *buf, size_t n, struct tim_err *err)
{
	ssize_t got = in->src.read(in->src.ctx, buf, n, err);

	if (got > 0) {
		if (in->h != NULL)
			tim_sha256_update(in->h, buf, (size_t)got);
		in->raw_n += (uint64_t)got;
	}
	return got;
}

/* Reads into in->raw until it holds HEAD_MAX bytes or the source ends. */
static int
fill_head(struct tim_seal_in *in, struct tim_err *err)
{
	ssize_t got;

	while (in->rlen < HEAD_MAX) {
		got = raw_read(in, in->raw + in->rlen, HEAD_MAX - in->rlen, err);
		if (got < 0)
			return -1;
		if (got == 0) {
			in->eof = 1;
			break;
		}
		in->rlen += (size_t)got;
	}
	return 0;
}

/* The end of the line starting at p (past its newline), or NULL. */
static const unsigned char *
line_end(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : NULL;
}

static int
starts_ci(const unsigned char *p, const unsigned char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && strncasecmp((const char *)p, s, n) == 0;
}

/* Does [p, end) contain s, ignoring case? */
static int
contains_ci(const unsigned char *p, const unsigned char *end, const char *s)
{
	size_t n = strlen(s);

	for (; (size_t)(end - p) >= n; p++)
		if (strncasecmp((const char *)p, s, n) == 0)
			return 1;
	return 0;
}

static int
not_envelope(struct tim_err *err)
{
	return tim_failf(err, _("not an encrypted file: neither DER, PEM (-----BEGIN CMS-----) nor an S/MIME message"));
}

/* -----BEGIN CMS----- or -----BEGIN PKCS7-----: skip to the base64. */
static int
sniff_pem(struct tim_seal_in *in, const unsigned char *p, struct tim_err *err)
{
	const unsigned char *end = in->raw + in->rlen, *le = line_end(p, end);

	if (le == NULL)
		return not_envelope(err);
	if (!starts_ci(p, le, "-----BEGIN CMS-----") &&
	    !starts_ci(p, le, "-----BEGIN PKCS7-----") &&
	    !starts_ci(p, le, "-----BEGIN PKCS #7 SIGNED DATA-----"))
		return tim_failf(err, _("a PEM file, but not a CMS encrypted file: %.*s"),
		    (int)(le - p > 64 ? 64 : (le - p) - 1), (const char *)p);
	in->format = TIM_SEAL_IN_PEM;
	in->rpos = (size_t)(le - in->raw);
	return 0;
}

/* An S/MIME message: headers, a blank line, a base64 body. */
static int
sniff_mime(struct tim_seal_in *in, struct tim_err *err)
{
	const unsigned char *p = in->raw, *end = in->raw + in->rlen, *le, *v;
	int ctype = 0, b64 = 0, multipart = 0, nheaders = 0;

	for (;;) {
		le = line_end(p, end);
		if (le == NULL)
			return nheaders ? tim_failf(err, _("the message's headers do not end within %d KiB"),
			    HEAD_MAX / 1024) : not_envelope(err);
		if (le - p <= 2 && (*p == '\n' || *p == '\r'))
			break;		/* the blank line */
		if (*p != ' ' && *p != '\t') {
			v = memchr(p, ':', (size_t)(le - p));
			if (v == NULL)
				return not_envelope(err);
			nheaders++;
		}
		/* A header, or its folded continuation (part of the same value). */
		if (starts_ci(p, le, "Content-Type:") || (ctype == 1 && (*p == ' ' || *p == '\t'))) {
			if (starts_ci(p, le, "Content-Type:"))
				ctype = 1;
			if (contains_ci(p, le, "application/pkcs7-mime") ||
			    contains_ci(p, le, "application/x-pkcs7-mime"))
				ctype = 2;
			if (contains_ci(p, le, "multipart/"))
				multipart = 1;
		} else if (*p != ' ' && *p != '\t' && ctype == 1) {
			ctype = 0;
		}
		if (starts_ci(p, le, "Content-Transfer-Encoding:") && contains_ci(p, le, "base64"))
			b64 = 1;
		p = le;
	}
	if (multipart)
		return tim_failf(err, _("a multipart message: save its encrypted part (smime.p7m) and open that"));
	if (ctype != 2)
		return tim_failf(err, _("a message without an application/pkcs7-mime body"));
	if (!b64)
		return tim_failf(err, _("an S/MIME message whose body is not base64"));
	in->format = TIM_SEAL_IN_SMIME;
	in->rpos = (size_t)(le - in->raw);
	return 0;
}

int
tim_seal_in_init(struct tim_seal_in *in, struct tim_src src, int hash,
    struct tim_err *err)
{
	const unsigned char *p, *end;

	memset(in, 0, sizeof(*in));
	in->src = src;
	in->raw = malloc(HEAD_MAX);
	in->dec = malloc(HEAD_MAX);
	if (in->raw == NULL || in->dec == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (hash) {
		in->h = tim_sha256_new();
		if (in->h == NULL)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		tim_sha256_init(in->h);
	}
	if (fill_head(in, err) < 0)
		return -1;
	if (in->rlen == 0)
		return tim_failf(err, _("malformed encrypted file: %s"), _("empty file"));
	if (in->raw[0] == 0x30) {
		in->format = TIM_SEAL_IN_DER;
		return 0;
	}
	p = in->raw;
	end = in->raw + in->rlen;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (starts_ci(p, end, "-----BEGIN "))
		return sniff_pem(in, p, err);
	return sniff_mime(in, err);
}

const char *
tim_seal_in_format(const struct tim_seal_in *in)
{
	switch (in->format) {
	case TIM_SEAL_IN_PEM: return "PEM";
	case TIM_SEAL_IN_SMIME: return "S/MIME";
	default: return "DER";
	}
}

/* Decodes the next raw bytes into in->dec; 0 at the end of the base64. */
static int
decode_more(struct tim_seal_in *in, struct tim_err *err)
{
	unsigned char clean[4096];
	size_t nc = 0;
	int outl, total = 0;
	ssize_t got;

	if (in->ctx == NULL) {
		in->ctx = EVP_ENCODE_CTX_new();
		if (in->ctx == NULL)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		EVP_DecodeInit(in->ctx);
	}
	while (total == 0 && !in->b64_done) {
		if (in->rpos == in->rlen) {
			if (in->eof) {
				in->b64_done = 1;
				break;
			}
			got = raw_read(in, in->raw, HEAD_MAX, err);
			if (got < 0)
				return -1;
			in->rpos = 0;
			in->rlen = (size_t)got;
			if (got == 0) {
				in->eof = 1;
				continue;
			}
		}
		/* Only the base64 alphabet goes to the decoder; whitespace is dropped. */
		nc = 0;
		while (in->rpos < in->rlen && nc < sizeof(clean)) {
			unsigned char c = in->raw[in->rpos];

			if (c == '-') {		/* -----END ... or a MIME boundary */
				in->b64_done = 1;
				break;
			}
			in->rpos++;
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
			if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
				return tim_failf(err, _("malformed encrypted file: %s"),
				    _("a character outside base64 in the body"));
			clean[nc++] = c;
		}
		if (nc > 0) {
			outl = 0;
			if (EVP_DecodeUpdate(in->ctx, in->dec + total, &outl, clean, (int)nc) < 0)
				return tim_failf(err, _("malformed encrypted file: %s"), _("bad base64"));
			total += outl;
		}
	}
	if (in->b64_done && !in->final_done) {
		outl = 0;
		if (EVP_DecodeFinal(in->ctx, in->dec + total, &outl) < 0)
			return tim_failf(err, _("malformed encrypted file: %s"), _("bad base64"));
		total += outl;
		in->final_done = 1;
	}
	in->dpos = 0;
	in->dlen = (size_t)total;
	return total > 0;
}

ssize_t
tim_seal_in_read(void *ctx, void *buf, size_t n, struct tim_err *err)
{
	struct tim_seal_in *in = ctx;
	int more;

	if (in->format == TIM_SEAL_IN_DER) {
		if (in->rpos < in->rlen) {
			if (n > in->rlen - in->rpos)
				n = in->rlen - in->rpos;
			memcpy(buf, in->raw + in->rpos, n);
			in->rpos += n;
			return (ssize_t)n;
		}
		return in->eof ? 0 : raw_read(in, buf, n, err);
	}
	while (in->dpos == in->dlen) {
		if (in->final_done)
			return 0;
		more = decode_more(in, err);
		if (more < 0)
			return -1;
	}
	if (n > in->dlen - in->dpos)
		n = in->dlen - in->dpos;
	memcpy(buf, in->dec + in->dpos, n);
	in->dpos += n;
	return (ssize_t)n;
}

int
tim_seal_in_finish(struct tim_seal_in *in, char hex[65], struct tim_err *err)
{
	unsigned char md[32];
	ssize_t got;

	/* Whatever follows the envelope (a PEM trailer, a signature) is hashed too. */
	while (!in->eof) {
		got = raw_read(in, in->raw, HEAD_MAX, err);
		if (got < 0)
			return -1;
		if (got == 0)
			in->eof = 1;
	}
	if (in->h == NULL)
		return 0;
	tim_sha256_final(in->h, md);
	tim_hex(md, 32, hex);
	return 0;
}

void
tim_seal_in_release(struct tim_seal_in *in)
{
	free(in->raw);
	free(in->dec);
	if (in->ctx != NULL)
		EVP_ENCODE_CTX_free(in->ctx);
	tim_sha256_free(in->h);
	memset(in, 0, sizeof(*in));
}
