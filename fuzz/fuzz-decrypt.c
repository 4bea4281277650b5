/*
 * libFuzzer: the decrypt path after the header (tim-seal -d): the chunked
 * encryptedContent, the MAC and the trailer, and the content itself, plain
 * data or SignedData, up to the signature check. The header and the
 * recipients have their own target (fuzz-envelope).
 *
 * A fixed envelope sealed with the password "fuzz" gives the header and the
 * content key. The first input byte chooses the mode:
 *   0, 1: the rest is what follows the header, as bytes (1: declared signed);
 *   2, 3: the rest is the plaintext, encrypted here with the content key,
 *         so the content parsers see exactly the input: under id-data (2)
 *         a signed ContentInfo or plain bytes, under id-signedData (3) a
 *         bare SignedData.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ber.h"
#include "buf.h"
#include "err.h"
#include "seal.h"
#include "seal_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* echo hello | tim-seal --password-file F -o t.p7m -  (F holds "fuzz") */
static const unsigned char tpl[] = {
	0x30, 0x80, 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09,
	0x10, 0x01, 0x17, 0xa0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x00, 0x31, 0x81,
	0x9a, 0xa3, 0x81, 0x97, 0x02, 0x01, 0x00, 0xa0, 0x32, 0x06, 0x09, 0x2a,
	0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c, 0x30, 0x25, 0x04, 0x10,
	0xd4, 0xd0, 0xf1, 0x63, 0xf9, 0x69, 0x9f, 0xe2, 0x4a, 0x4b, 0xe3, 0xac,
	0xec, 0x9f, 0xbd, 0x95, 0x02, 0x03, 0x09, 0x27, 0xc0, 0x30, 0x0c, 0x06,
	0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09, 0x05, 0x00, 0x30,
	0x2c, 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10,
	0x03, 0x09, 0x30, 0x1d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
	0x04, 0x01, 0x2a, 0x04, 0x10, 0xb7, 0x76, 0x7b, 0x94, 0x40, 0x80, 0x3b,
	0x91, 0x73, 0xe8, 0xa0, 0x0e, 0xf8, 0x98, 0xe5, 0x37, 0x04, 0x30, 0xb1,
	0x7a, 0x02, 0x98, 0x9a, 0x79, 0x6d, 0xf5, 0xf5, 0x3c, 0xda, 0x5e, 0x36,
	0xcd, 0x4d, 0x74, 0x46, 0x0e, 0x3d, 0xf9, 0x39, 0x23, 0xc7, 0x35, 0x21,
	0x86, 0x52, 0x24, 0x14, 0xe4, 0x00, 0xbf, 0xa6, 0xa2, 0x70, 0x4a, 0xad,
	0x2c, 0x79, 0xb8, 0xde, 0x99, 0x07, 0x63, 0x68, 0x5a, 0xeb, 0x31, 0x30,
	0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
	0x30, 0x1e, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01,
	0x2e, 0x30, 0x11, 0x04, 0x0c, 0xf4, 0x82, 0x1d, 0xac, 0xae, 0x1c, 0x35,
	0xad, 0xd4, 0x52, 0x9b, 0x59, 0x02, 0x01, 0x10, 0xa0, 0x80, 0x04, 0x06,
	0xf4, 0x06, 0xef, 0x76, 0x9d, 0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0x10,
	0xb1, 0x20, 0xfe, 0xbd, 0xd5, 0x27, 0x31, 0xc5, 0x7f, 0x81, 0x17, 0x2f,
	0x65, 0x1c, 0x6e, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};

static unsigned char cek[64];
static size_t ceklen, prefix;	/* the header: tpl[0..prefix) */
static int ready = -1;

static const unsigned char data_oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
    0xf7, 0x0d, 0x01, 0x07, 0x01 };

static int
setup(void)
{
	struct tim_src_mem m = { tpl, sizeof(tpl) };
	struct tim_src src = { tim_src_mem_read, &m };
	struct tim_open_opts o;
	struct tim_buf allowed = TIM_BUF_INIT;
	struct tim_seal_head *h = NULL;
	const char *refusal = NULL;
	struct tim_ber r;
	struct tim_err err;
	json_t *arr = json_array();
	int ok = -1;

	memset(&o, 0, sizeof(o));
	o.password = (const unsigned char *)"fuzz";
	o.passlen = 4;
	if (tim_ber_init(&r, src, &err) == 0 && tim_seal_head_parse(&r, &h, &err) == 0 &&
	    tim_seal_sort_recipients(h, 0, arr, &allowed, &refusal, &err) == 0 &&
	    tim_seal_recover_cek(h, &o, &allowed, refusal, cek, &ceklen, &err) == 0) {
		prefix = (size_t)r.off - h->content.hlen;
		ok = 0;
	}
	tim_seal_head_free(h);
	tim_ber_release(&r);
	tim_buf_release(&allowed);
	json_decref(arr);
	return ok;
}

/* The envelope for mode 2 and 3: the header, pt encrypted in chunks, the MAC. */
static int
build(struct tim_buf *env, const uint8_t *pt, size_t n)
{
	struct tim_src_mem m = { tpl, sizeof(tpl) };
	struct tim_src src = { tim_src_mem_read, &m };
	struct tim_seal_head *h = NULL;
	struct tim_ber r;
	struct tim_err err;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	unsigned char out[1024 + 32], tag[16];
	size_t at, k;
	int olen, ok = -1;

	if (c == NULL || tim_ber_init(&r, src, &err) < 0)
		goto out;
	if (tim_seal_head_parse(&r, &h, &err) < 0 || !h->aead || h->taglen != 16)
		goto out;
	if (EVP_EncryptInit_ex(c, h->cipher, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, (int)h->ivlen, NULL) != 1 ||
	    EVP_EncryptInit_ex(c, NULL, NULL, cek, h->iv) != 1)
		goto out;
	tim_buf_add(env, tpl, prefix);
	tim_der_hdr(env, 2, 1, 0, -1);
	for (at = 0; at < n; at += k) {
		k = n - at < 1024 ? n - at : 1024;
		if (EVP_EncryptUpdate(c, out, &olen, pt + at, (int)k) != 1)
			goto out;
		tim_der_tlv(env, 0, 0, 4, out, (size_t)olen);
	}
	if (EVP_EncryptFinal_ex(c, out, &olen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1)
		goto out;
	tim_der_eoc(env, 2);		/* [0] and EncryptedContentInfo */
	tim_der_tlv(env, 0, 0, 4, tag, 16);
	tim_der_eoc(env, 3);		/* AuthEnvelopedData, [0], ContentInfo */
	ok = env->failed ? -1 : 0;
out:
	EVP_CIPHER_CTX_free(c);
	tim_seal_head_free(h);
	tim_ber_release(&r);
	return ok;
}

/* What sealopen.c does after the header, with the content key known. */
static void
open_env(const unsigned char *env, size_t len)
{
	struct tim_src_mem m = { env, len };
	struct tim_src src = { tim_src_mem_read, &m };
	struct tim_buf shead = TIM_BUF_INIT, stail = TIM_BUF_INIT;
	struct tim_seal_plain p;
	struct tim_seal_peek k;
	struct tim_src src_k = { tim_seal_peek_read, &k };
	struct tim_seal_dec d;
	struct tim_seal_head *h = NULL;
	struct tim_ber r;
	struct tim_err err;
	unsigned char *buf = malloc(TIM_SEAL_CHUNK);
	json_t *info = json_object();
	int wrapped;

	memset(&p, 0, sizeof(p));
	p.fd = -1;
	memset(&d, 0, sizeof(d));
	d.c = EVP_CIPHER_CTX_new();
	d.in = malloc(TIM_SEAL_CHUNK);
	d.out = malloc(TIM_SEAL_CHUNK + 64);
	p.fd = memfd_create("plain", MFD_CLOEXEC);
	tim_err_clear(&err);
	if (buf == NULL || info == NULL || d.c == NULL || d.in == NULL || d.out == NULL ||
	    p.fd < 0 || tim_ber_init(&r, src, &err) < 0)
		goto out;
	if (tim_seal_head_parse(&r, &h, &err) < 0)
		goto release;
	d.r = &r;
	d.h = h;
	if (EVP_DecryptInit_ex(d.c, h->cipher, NULL, NULL, NULL) != 1 ||
	    (h->aead && EVP_CIPHER_CTX_ctrl(d.c, EVP_CTRL_AEAD_SET_IVLEN,
	    (int)h->ivlen, NULL) != 1) ||
	    EVP_DecryptInit_ex(d.c, NULL, NULL, cek, h->iv) != 1 ||
	    tim_ber_octets_open(&d.oct, &r, &h->content) < 0)
		goto release;
	/* As sealopen.c's read_content: id-data may hold a signed ContentInfo. */
	memset(&k, 0, sizeof(k));
	k.d = &d;
	wrapped = 0;
	if (h->ctype_nid == NID_pkcs7_data) {
		wrapped = tim_seal_peek_signed(&k, &d, &err);
		if (wrapped == 0) {
			if (tim_seal_plain_write(&p, k.b, k.len, &err) == 0)
				(void)tim_seal_copy_data(&d, &p, buf, &err);
			goto release;
		}
		if (wrapped < 0)
			goto release;
	} else if (h->ctype_nid != NID_pkcs7_signed)
		goto release;
	if (tim_seal_copy_signed(src_k, wrapped, &p, buf, &shead, &stail, &err) == 0)
		(void)tim_seal_verify_signed(&shead, &stail, p.fd, NULL, info, &err);
release:
	tim_seal_head_free(h);
	tim_ber_release(&r);
out:
	tim_buf_release(&shead);
	tim_buf_release(&stail);
	if (p.fd >= 0)
		close(p.fd);
	EVP_CIPHER_CTX_free(d.c);
	free(d.in);
	free(d.out);
	free(buf);
	json_decref(info);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tim_buf env = TIM_BUF_INIT;
	unsigned char *oid;
	int mode;

	if (ready < 0)
		ready = setup() == 0;
	if (!ready)
		abort();	/* the template no longer opens: fix the target */
	if (size < 1)
		return 0;
	mode = data[0] & 3;
	if (mode < 2) {
		tim_buf_add(&env, tpl, prefix);
		tim_buf_add(&env, data + 1, size - 1);
	} else if (build(&env, data + 1, size - 1) < 0) {
		tim_buf_release(&env);
		return 0;
	}
	/* Modes 1 and 3 declare the content a SignedData. */
	if ((mode & 1) && !env.failed &&
	    (oid = memmem(env.buf, prefix, data_oid, sizeof(data_oid))) != NULL)
		oid[sizeof(data_oid) - 1] = 0x02;
	if (!env.failed)
		open_env((const unsigned char *)env.buf, env.len);
	tim_buf_release(&env);
	return 0;
}
