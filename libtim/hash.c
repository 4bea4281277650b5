#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "hash.h"
#include "banned.h"

struct tim_sha256 {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

struct tim_sha256 *
tim_sha256_new(void)
{
	struct tim_sha256 *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (h->md == NULL || h->ctx == NULL) {
		tim_sha256_free(h);
		return NULL;
	}
	return h;
}

void
tim_sha256_free(struct tim_sha256 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	free(h);
}

int
tim_sha256_init(struct tim_sha256 *h)
{
	return EVP_DigestInit_ex2(h->ctx, h->md, NULL) == 1 ? 0 : -1;
}

int
tim_sha256_update(struct tim_sha256 *h, const void *data, size_t len)
{
	return EVP_DigestUpdate(h->ctx, data, len) == 1 ? 0 : -1;
}

int
tim_sha256_final(struct tim_sha256 *h, unsigned char out[TIM_SHA256_LEN])
{
	return EVP_DigestFinal_ex(h->ctx, out, NULL) == 1 ? 0 : -1;
}

int
tim_sha256_two(struct tim_sha256 *h, const void *a, size_t alen,
    const void *b, size_t blen, unsigned char out[TIM_SHA256_LEN])
{
	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, a, alen) != 1 ||
	    (b != NULL && EVP_DigestUpdate(h->ctx, b, blen) != 1) ||
	    EVP_DigestFinal_ex(h->ctx, out, NULL) != 1)
		return -1;
	return 0;
}

int
tim_sha256(const void *data, size_t len, unsigned char out[TIM_SHA256_LEN])
{
	return EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

void
tim_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int
tim_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
tim_unhex(const char *in, size_t n, unsigned char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = tim_hexval((unsigned char)in[2 * i]), lo;

		if (hi < 0)
			return -1;
		lo = tim_hexval((unsigned char)in[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
tim_base64_encode(struct tim_buf *b, const unsigned char *in, size_t n)
{
	size_t need = 4 * ((n + 2) / 3);

	if (n > (size_t)0x3fffffff || tim_buf_grow(b, need) < 0)
		return -1;
	EVP_EncodeBlock((unsigned char *)b->buf + b->len, in, (int)n);
	b->len += need;
	b->buf[b->len] = '\0';
	return 0;
}

int
tim_base64_decode(const char *in, size_t len, unsigned char *out, size_t max)
{
	unsigned char *tmp;
	struct tim_buf again = TIM_BUF_INIT;
	size_t pad = 0;
	int n;

	if (len == 0 || len % 4 != 0 || len > (size_t)0x3fffffff)
		return -1;
	if (in[len - 1] == '=')
		pad++;
	if (in[len - 2] == '=')
		pad++;
	tmp = malloc(len / 4 * 3);
	if (tmp == NULL)
		return -1;
	n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)len);
	if (n < 0 || (size_t)n < pad || (size_t)n - pad > max) {
		free(tmp);
		return -1;
	}
	n -= (int)pad;
	/* EVP_DecodeBlock skips blanks and ignores stray bits; demand the canonical text. */
	if (tim_base64_encode(&again, tmp, (size_t)n) < 0 || again.len != len ||
	    memcmp(again.buf, in, len) != 0) {
		tim_buf_release(&again);
		free(tmp);
		return -1;
	}
	tim_buf_release(&again);
	memcpy(out, tmp, (size_t)n);
	free(tmp);
	return n;
}
