/*
 * Opening envelopes (tim-seal -d, --inspect) in constant memory. OpenSSL's
 * d2i_CMS_bio would read the whole envelope; instead the outer BER is walked
 * as a stream (ber.c), the small parts before the content (RecipientInfos,
 * algorithms) are re-encoded into a content-less envelope for OpenSSL to
 * recover the content key from, and the content is decrypted with EVP chunk
 * by chunk into a temporary file. The GCM tag comes after the content, so it
 * is set just before EVP_DecryptFinal_ex; nothing is moved into place before
 * that succeeded and any signature verified.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ber.h"
#include "buf.h"
#include "cms.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "seal.h"
#include "sealio.h"
#include "util.h"
#include "banned.h"

#define CHUNK		(256 * 1024)
#define SIGNED_MAX	(16 << 20)	/* certificates and SignerInfos */
#define EXTRACT_MAX	(UINT64_C(64) << 30)
#define ENTRIES_MAX	1000000

struct tim_seal_head {
	int outer_nid;
	int aead;
	struct tim_buf version, originator, ris, ctype, alg;
	int ctype_nid;
	int cipher_nid;
	const EVP_CIPHER *cipher;
	unsigned char iv[16];
	size_t ivlen, taglen;
	struct tim_ber_frame fci, f0, fenv, feci;
	struct tim_tl content;
};

void
tim_seal_head_free(struct tim_seal_head *h)
{
	if (h == NULL)
		return;
	tim_buf_release(&h->version);
	tim_buf_release(&h->originator);
	tim_buf_release(&h->ris);
	tim_buf_release(&h->ctype);
	tim_buf_release(&h->alg);
	free(h);
}

static int
oid_nid(const struct tim_buf *b)
{
	const unsigned char *p = (const unsigned char *)b->buf;
	ASN1_OBJECT *o = d2i_ASN1_OBJECT(NULL, &p, (long)b->len);
	int nid = o ? OBJ_obj2nid(o) : NID_undef;

	ASN1_OBJECT_free(o);
	return nid;
}

/* GCMParameters (RFC 5084): nonce, then an optional ICV length. */
static int
gcm_params(struct tim_seal_head *h, const ASN1_TYPE *t, struct tim_err *err)
{
	struct tim_src_mem m;
	struct tim_src src = { tim_src_mem_read, &m };
	struct tim_ber r;
	struct tim_ber_frame f;
	struct tim_tl tl;
	unsigned char v[8];
	int st, rc = -1;

	if (t == NULL || t->type != V_ASN1_SEQUENCE)
		return tim_failf(err, _("malformed envelope: %s"), "GCMParameters");
	m.p = t->value.sequence->data;
	m.len = (size_t)t->value.sequence->length;
	if (tim_ber_init(&r, src, err) < 0)
		return -1;
	h->taglen = 12;
	if (tim_ber_expect(&r, &tl, 0, V_ASN1_SEQUENCE, 1, "GCMParameters") < 0)
		goto out;
	tim_ber_enter(&r, &tl, &f);
	if (tim_ber_expect(&r, &tl, 0, V_ASN1_OCTET_STRING, 0, "aes-nonce") < 0)
		goto out;
	if (tl.len < 12 || tl.len > 16) {
		tim_failf(err, _("malformed envelope: %s"), "aes-nonce");
		goto out;
	}
	h->ivlen = (size_t)tl.len;
	if (tim_ber_read(&r, h->iv, h->ivlen) < 0)
		goto out;
	st = tim_ber_at_end(&r, &f);
	if (st < 0)
		goto out;
	if (!st) {
		if (tim_ber_expect(&r, &tl, 0, V_ASN1_INTEGER, 0, "aes-ICVlen") < 0)
			goto out;
		if (tl.len != 1 || tim_ber_read(&r, v, 1) < 0 || v[0] < 12 || v[0] > 16) {
			tim_failf(err, _("malformed envelope: %s"), "aes-ICVlen");
			goto out;
		}
		h->taglen = v[0];
		if (tim_ber_leave(&r, &f, "GCMParameters") < 0)
			goto out;
	}
	rc = 0;
out:
	tim_ber_release(&r);
	return rc;
}

static int
content_algorithm(struct tim_seal_head *h, struct tim_err *err)
{
	const unsigned char *p = (const unsigned char *)h->alg.buf;
	X509_ALGOR *a = d2i_X509_ALGOR(NULL, &p, (long)h->alg.len);
	int rc = -1;

	if (a == NULL)
		return tim_failf(err, _("malformed envelope: %s"), "contentEncryptionAlgorithm");
	h->cipher_nid = OBJ_obj2nid(a->algorithm);
	switch (h->cipher_nid) {
	case NID_aes_128_gcm:
	case NID_aes_192_gcm:
	case NID_aes_256_gcm:
		if (!h->aead)
			break;
		rc = gcm_params(h, a->parameter, err);
		goto out;
	case NID_aes_128_cbc:
	case NID_aes_192_cbc:
	case NID_aes_256_cbc:
		if (h->aead)
			break;
		if (a->parameter == NULL || a->parameter->type != V_ASN1_OCTET_STRING ||
		    a->parameter->value.octet_string->length != 16) {
			rc = tim_failf(err, _("malformed envelope: %s"), "CBC IV");
			goto out;
		}
		memcpy(h->iv, a->parameter->value.octet_string->data, 16);
		h->ivlen = 16;
		rc = 0;
		goto out;
	default:
		break;
	}
	{
		char name[128];

		OBJ_obj2txt(name, sizeof(name), a->algorithm, 0);
		rc = tim_failf(err,
		    _("content encryption '%s' is refused: only AES-GCM and AES-CBC (CRYPTREC) are accepted"),
		    name);
	}
out:
	X509_ALGOR_free(a);
	if (rc == 0)
		h->cipher = EVP_get_cipherbynid(h->cipher_nid);
	if (rc == 0 && h->cipher == NULL)
		rc = tim_errorf(err, 0, _("cipher not available"));
	return rc;
}

int
tim_seal_head_parse(struct tim_ber *r, struct tim_seal_head **out,
    struct tim_err *err)
{
	struct tim_seal_head *h = calloc(1, sizeof(*h));
	struct tim_buf oid = TIM_BUF_INIT;
	struct tim_tl tl;
	int st;

	*out = NULL;
	if (h == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (tim_ber_expect(r, &tl, 0, V_ASN1_SEQUENCE, 1, _("not a CMS envelope")) < 0)
		goto fail;
	tim_ber_enter(r, &tl, &h->fci);
	if (tim_ber_expect(r, &tl, 0, V_ASN1_OBJECT, 0, "contentType") < 0 ||
	    tim_ber_capture(r, &tl, &oid, 256) < 0)
		goto fail;
	h->outer_nid = oid_nid(&oid);
	if (h->outer_nid == NID_id_smime_ct_authEnvelopedData)
		h->aead = 1;
	else if (h->outer_nid != NID_pkcs7_enveloped) {
		tim_failf(err, _("not an encrypted CMS envelope (content type %s)"),
		    h->outer_nid == NID_undef ? "?" : OBJ_nid2sn(h->outer_nid));
		goto fail;
	}
	if (tim_ber_expect(r, &tl, 2, 0, 1, "content") < 0)
		goto fail;
	tim_ber_enter(r, &tl, &h->f0);
	if (tim_ber_expect(r, &tl, 0, V_ASN1_SEQUENCE, 1, "envelope") < 0)
		goto fail;
	tim_ber_enter(r, &tl, &h->fenv);
	if (tim_ber_expect(r, &tl, 0, V_ASN1_INTEGER, 0, "version") < 0 ||
	    tim_ber_capture(r, &tl, &h->version, 16) < 0 ||
	    tim_ber_next(r, &tl) < 0)
		goto fail;
	if (tl.cls == 2 && tl.tag == 0 && tl.cons) {
		if (tim_ber_capture(r, &tl, &h->originator, TIM_CMS_MAX_RECIPINFOS) < 0 ||
		    tim_ber_next(r, &tl) < 0)
			goto fail;
	}
	if (tl.cls != 0 || tl.tag != V_ASN1_SET || !tl.cons) {
		tim_failf(err, _("malformed envelope: %s"), "recipientInfos");
		goto fail;
	}
	if (tim_ber_capture(r, &tl, &h->ris, TIM_CMS_MAX_RECIPINFOS) < 0 ||
	    tim_ber_expect(r, &tl, 0, V_ASN1_SEQUENCE, 1, "encryptedContentInfo") < 0)
		goto fail;
	tim_ber_enter(r, &tl, &h->feci);
	if (tim_ber_expect(r, &tl, 0, V_ASN1_OBJECT, 0, "contentType") < 0 ||
	    tim_ber_capture(r, &tl, &h->ctype, 256) < 0 ||
	    tim_ber_expect(r, &tl, 0, V_ASN1_SEQUENCE, 1, "contentEncryptionAlgorithm") < 0 ||
	    tim_ber_capture(r, &tl, &h->alg, 4096) < 0)
		goto fail;
	h->ctype_nid = oid_nid(&h->ctype);
	st = tim_ber_at_end(r, &h->feci);
	if (st < 0)
		goto fail;
	if (st) {
		tim_failf(err, _("the envelope holds no content (detached content is not supported)"));
		goto fail;
	}
	if (tim_ber_expect(r, &h->content, 2, 0, -1, "encryptedContent") < 0)
		goto fail;
	if (content_algorithm(h, err) < 0)
		goto fail;
	tim_buf_release(&oid);
	*out = h;
	return 0;
fail:
	tim_buf_release(&oid);
	tim_seal_head_free(h);
	return -1;
}

/*
 * A content-less envelope with these RecipientInfos (a SET's contents) for
 * OpenSSL: same version, originator and algorithms, a dummy MAC.
 */
static CMS_ContentInfo *
mini_cms(const struct tim_seal_head *h, const unsigned char *ris, size_t rislen,
    struct tim_err *err)
{
	struct tim_buf body = TIM_BUF_INIT, eci = TIM_BUF_INIT, env = TIM_BUF_INIT,
	    ci = TIM_BUF_INIT, c0 = TIM_BUF_INIT;
	static const unsigned char zero[16];
	const unsigned char *p;
	CMS_ContentInfo *cms = NULL;

	tim_buf_add(&body, h->version.buf, h->version.len);
	tim_buf_add(&body, h->originator.buf, h->originator.len);
	tim_der_tlv(&body, 0, 1, V_ASN1_SET, ris, rislen);
	tim_buf_add(&eci, h->ctype.buf, h->ctype.len);
	tim_buf_add(&eci, h->alg.buf, h->alg.len);
	tim_der_tlv(&body, 0, 1, V_ASN1_SEQUENCE, eci.buf, eci.len);
	if (h->aead)
		tim_der_tlv(&body, 0, 0, V_ASN1_OCTET_STRING, zero, h->taglen);
	tim_der_tlv(&env, 0, 1, V_ASN1_SEQUENCE, body.buf, body.len);
	tim_der_tlv(&c0, 2, 1, 0, env.buf, env.len);
	tim_cms_der_oid(&ci, h->outer_nid);
	tim_buf_add(&ci, c0.buf, c0.len);
	if (ci.failed || body.failed || env.failed || c0.failed || eci.failed) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	tim_buf_reset(&body);
	tim_der_tlv(&body, 0, 1, V_ASN1_SEQUENCE, ci.buf, ci.len);
	p = (const unsigned char *)body.buf;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)body.len);
	if (cms == NULL)
		tim_failf(err, _("malformed envelope: %s"), tim_cms_ssl_error());
out:
	tim_buf_release(&body);
	tim_buf_release(&eci);
	tim_buf_release(&env);
	tim_buf_release(&ci);
	tim_buf_release(&c0);
	return cms;
}

/* The raw RecipientInfos of a head, as offsets into h->ris. */
struct ri_list {
	size_t n;
	size_t off[256], len[256];
};

static int
split_ris(const struct tim_seal_head *h, struct ri_list *l, struct tim_err *err)
{
	struct tim_src_mem m = { (const unsigned char *)h->ris.buf, h->ris.len };
	struct tim_src src = { tim_src_mem_read, &m };
	struct tim_ber r;
	struct tim_ber_frame f;
	struct tim_tl tl;
	uint64_t start;
	int st, rc = -1;

	l->n = 0;
	if (tim_ber_init(&r, src, err) < 0)
		return -1;
	if (tim_ber_expect(&r, &tl, 0, V_ASN1_SET, 1, "recipientInfos") < 0)
		goto out;
	tim_ber_enter(&r, &tl, &f);
	for (;;) {
		st = tim_ber_at_end(&r, &f);
		if (st < 0)
			goto out;
		if (st)
			break;
		if (l->n == 256) {
			tim_failf(err, _("too many recipients"));
			goto out;
		}
		start = r.off;
		if (tim_ber_next(&r, &tl) < 0 || tim_ber_skip(&r, &tl) < 0)
			goto out;
		l->off[l->n] = (size_t)start;
		l->len[l->n] = (size_t)(r.off - start);
		l->n++;
	}
	rc = 0;
out:
	tim_ber_release(&r);
	return rc;
}

/*
 * Describes every recipient into arr and collects the DER of the permitted
 * ones; *refusal is the first refusal's reason.
 */
static int
sort_recipients(const struct tim_seal_head *h, int allow_legacy, json_t *arr,
    struct tim_buf *allowed, const char **refusal, struct tim_err *err)
{
	struct ri_list *l = malloc(sizeof(*l));
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_RecipientInfo) *sk;
	const unsigned char *set;
	size_t i;
	int rc = -1;

	*refusal = NULL;
	if (l == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (split_ris(h, l, err) < 0)
		goto out;
	set = (const unsigned char *)h->ris.buf;
	/* Skip the SET's own header: mini_cms wants the contents. */
	{
		struct tim_tl tl;

		if (tim_ber_parse_tl(set, h->ris.len, &tl) < 0)
			goto out;
		cms = mini_cms(h, set + tl.hlen, h->ris.len - tl.hlen - (tl.indef ? 2 : 0), err);
	}
	if (cms == NULL)
		goto out;
	sk = CMS_get0_RecipientInfos(cms);
	if (sk == NULL || (size_t)sk_CMS_RecipientInfo_num(sk) != l->n) {
		tim_failf(err, _("malformed envelope: %s"), "recipientInfos");
		goto out;
	}
	for (i = 0; i < l->n; i++) {
		const char *why;
		int ok;
		json_t *d = tim_cms_describe_ri(sk_CMS_RecipientInfo_value(sk, (int)i),
		    set + l->off[i], l->len[i], allow_legacy, &ok, &why);

		if (d != NULL)
			json_array_append_new(arr, d);
		if (ok && allowed != NULL)
			tim_buf_add(allowed, set + l->off[i], l->len[i]);
		else if (!ok && *refusal == NULL)
			*refusal = why;
	}
	rc = 0;
out:
	CMS_ContentInfo_free(cms);
	free(l);
	return rc;
}

static int
recover_cek(const struct tim_seal_head *h, const struct tim_open_opts *o,
    const struct tim_buf *allowed, const char *refusal, unsigned char *cek,
    size_t *ceklen, struct tim_err *err)
{
	CMS_ContentInfo *cms;
	CMS_RecipientInfo *ri;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	unsigned char kek[32], *der = NULL;
	struct tim_buf others = TIM_BUF_INIT;
	int n, rc = -1;

	if (allowed->len == 0) {
		if (refusal != NULL)
			return tim_failf(err, _("refused: %s"), _(refusal));
		return tim_failf(err, _("the envelope has no recipients"));
	}
	cms = mini_cms(h, (const unsigned char *)allowed->buf, allowed->len, err);
	if (cms == NULL)
		return -1;
	if (o->key != NULL) {
		if (tim_cms_load_key(o->key, &key, err) < 0 ||
		    tim_cms_load_cert(o->cert, &cert, err) < 0)
			goto out;
		if (X509_check_private_key(cert, key) != 1) {
			ERR_clear_error();
			tim_failf(err, _("certificate '%s' does not match key '%s'"), o->cert, o->key);
			goto out;
		}
		if (CMS_decrypt_set1_pkey_and_peer(cms, key, cert, NULL) != 1) {
			ERR_clear_error();
			if (refusal != NULL)
				tim_failf(err, _("refused: %s"), _(refusal));
			else
				/*
				 * One message whether no recipient matched or
				 * the matching key did not decrypt: no padding
				 * oracle for anyone scripting this tool.
				 */
				tim_failf(err,
				    _("the envelope is not addressed to '%s', or its key was altered"),
				    o->cert);
			goto out;
		}
	} else {
		if (CMS_decrypt_set1_password(cms, (unsigned char *)o->password,
		    (ossl_ssize_t)o->passlen) != 1) {
			ERR_clear_error();
			if (refusal != NULL)
				tim_failf(err, _("wrong password, or refused: %s"), _(refusal));
			else
				tim_failf(err, _("wrong password, or no password recipient"));
			goto out;
		}
	}
	ri = tim_cms_add_transfer(cms, kek, err);
	if (ri == NULL)
		goto out;
	/*
	 * A recipient that decrypted to a key of the wrong size (a damaged
	 * envelope, or OpenSSL's random key against the million message
	 * attack) fails here: a negative result, like a bad tag.
	 */
	if (CMS_RecipientInfo_encrypt(cms, ri) != 1 ||
	    (n = i2d_CMS_ContentInfo(cms, &der)) <= 0 ||
	    tim_cms_take_cek(der, (size_t)n, kek, cek, ceklen, &others, err) < 0) {
		ERR_clear_error();
		if (o->key != NULL)
			tim_failf(err,
			    _("the envelope is not addressed to '%s', or its key was altered"),
			    o->cert);
		else
			tim_failf(err, _("cannot recover the content key: the envelope was altered or the key is wrong"));
		goto out;
	}
	if ((int)*ceklen != EVP_CIPHER_get_key_length(h->cipher)) {
		tim_failf(err, _("content key of the wrong length"));
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_free(der);
	tim_buf_release(&others);
	EVP_PKEY_free(key);
	X509_free(cert);
	CMS_ContentInfo_free(cms);
	return rc;
}

/* After the content: the MAC (AuthEnvelopedData), attributes, the ends. */
static int
trailer(struct tim_ber *r, struct tim_seal_head *h, unsigned char *tag,
    struct tim_err *err)
{
	struct tim_tl tl;
	int st;

	if (tim_ber_leave(r, &h->feci, "encryptedContentInfo") < 0)
		return -1;
	if (h->aead) {
		if (tim_ber_next(r, &tl) < 0)
			return -1;
		if (tl.cls == 2 && tl.tag == 1)
			return tim_failf(err, _("authenticated attributes are not supported"));
		if (tl.cls != 0 || tl.tag != V_ASN1_OCTET_STRING || tl.cons ||
		    tl.len != h->taglen)
			return tim_failf(err, _("malformed envelope: %s"), "mac");
		if (tim_ber_read(r, tag, h->taglen) < 0)
			return -1;
	}
	for (;;) {
		st = tim_ber_at_end(r, &h->fenv);
		if (st < 0)
			return -1;
		if (st)
			break;
		if (tim_ber_next(r, &tl) < 0)
			return -1;
		if (tl.cls != 2 || tl.tag != (h->aead ? 2u : 1u))
			return tim_failf(err, _("malformed envelope: %s"), "attributes");
		if (tim_ber_skip(r, &tl) < 0)
			return -1;
	}
	if (tim_ber_leave(r, &h->f0, "content") < 0 ||
	    tim_ber_leave(r, &h->fci, "ContentInfo") < 0)
		return -1;
	st = tim_ber_at_eof(r);
	if (st < 0)
		return -1;
	if (!st)
		return tim_failf(err, _("malformed envelope: %s"), _("data after the end"));
	return 0;
}

/* The decrypted content as a byte source. */
struct dec {
	struct tim_ber *r;
	struct tim_seal_head *h;
	struct tim_ber_octets oct;
	EVP_CIPHER_CTX *c;
	unsigned char *in, *out;
	size_t outpos, outlen;
	int done;
	uint64_t ct_bytes;
};

static ssize_t
dec_read(void *ctx, void *buf, size_t n, struct tim_err *err)
{
	struct dec *d = ctx;
	unsigned char tag[16];
	ssize_t got;
	int olen;

	while (d->outpos == d->outlen) {
		if (d->done)
			return 0;
		got = tim_ber_octets_read(&d->oct, d->in, CHUNK);
		if (got < 0)
			return -1;
		if (got == 0) {
			if (trailer(d->r, d->h, tag, err) < 0)
				return -1;
			if (d->h->aead && EVP_CIPHER_CTX_ctrl(d->c, EVP_CTRL_AEAD_SET_TAG,
			    (int)d->h->taglen, tag) != 1)
				return tim_errorf(err, 0, _("decryption failed: %s"), tim_cms_ssl_error());
			olen = 0;
			if (EVP_DecryptFinal_ex(d->c, d->out, &olen) != 1) {
				ERR_clear_error();
				return tim_failf(err, d->h->aead ?
				    _("authentication failed: the envelope was altered or damaged") :
				    _("decryption failed: the envelope was altered or the key is wrong"));
			}
			d->outlen = (size_t)olen;
			d->outpos = 0;
			d->done = 1;
			continue;
		}
		d->ct_bytes += (uint64_t)got;
		olen = 0;
		if (EVP_DecryptUpdate(d->c, d->out, &olen, d->in, (int)got) != 1)
			return tim_errorf(err, 0, _("decryption failed: %s"), tim_cms_ssl_error());
		d->outlen = (size_t)olen;
		d->outpos = 0;
	}
	if (n > d->outlen - d->outpos)
		n = d->outlen - d->outpos;
	memcpy(buf, d->out + d->outpos, n);
	d->outpos += n;
	return (ssize_t)n;
}

struct plain_out {
	int fd;
	struct tim_sha256 *h;
	uint64_t n;
};

static int
plain_write(struct plain_out *p, const void *buf, size_t n, struct tim_err *err)
{
	if (p->h != NULL)
		tim_sha256_update(p->h, buf, n);
	p->n += n;
	if (tim_write_all(p->fd, buf, n) < 0)
		return tim_errorf(err, errno, _("cannot write the plaintext"));
	return 0;
}

static int
copy_data(struct dec *d, struct plain_out *p, unsigned char *buf,
    struct tim_err *err)
{
	ssize_t n;

	for (;;) {
		n = dec_read(d, buf, CHUNK, err);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (plain_write(p, buf, (size_t)n, err) < 0)
			return -1;
	}
}

/*
 * SignedData inside: eContent goes to the plaintext file, the rest is kept
 * for verification (version and digestAlgorithms in head, certificates and
 * SignerInfos in tail).
 */
static int
copy_signed(struct dec *d, struct plain_out *p, unsigned char *buf,
    struct tim_buf *head, struct tim_buf *tail, struct tim_err *err)
{
	struct tim_src src = { dec_read, d };
	struct tim_buf oid = TIM_BUF_INIT;
	struct tim_ber r;
	struct tim_ber_frame fsd, fenc, fexp;
	struct tim_ber_octets oct;
	struct tim_tl tl;
	ssize_t n;
	int st, rc = -1;

	if (tim_ber_init(&r, src, err) < 0)
		return -1;
	if (tim_ber_expect(&r, &tl, 0, V_ASN1_SEQUENCE, 1, "SignedData") < 0)
		goto out;
	tim_ber_enter(&r, &tl, &fsd);
	if (tim_ber_expect(&r, &tl, 0, V_ASN1_INTEGER, 0, "version") < 0 ||
	    tim_ber_capture(&r, &tl, head, 64) < 0 ||
	    tim_ber_expect(&r, &tl, 0, V_ASN1_SET, 1, "digestAlgorithms") < 0 ||
	    tim_ber_capture(&r, &tl, head, 4096) < 0 ||
	    tim_ber_expect(&r, &tl, 0, V_ASN1_SEQUENCE, 1, "encapContentInfo") < 0)
		goto out;
	tim_ber_enter(&r, &tl, &fenc);
	if (tim_ber_expect(&r, &tl, 0, V_ASN1_OBJECT, 0, "eContentType") < 0 ||
	    tim_ber_capture(&r, &tl, &oid, 256) < 0)
		goto out;
	if (oid_nid(&oid) != NID_pkcs7_data) {
		tim_failf(err, _("signed content of another type than data is not supported"));
		goto out;
	}
	st = tim_ber_at_end(&r, &fenc);
	if (st < 0)
		goto out;
	if (st) {
		tim_failf(err, _("the signed content is detached"));
		goto out;
	}
	if (tim_ber_expect(&r, &tl, 2, 0, 1, "eContent") < 0)
		goto out;
	tim_ber_enter(&r, &tl, &fexp);
	if (tim_ber_expect(&r, &tl, 0, V_ASN1_OCTET_STRING, -1, "eContent") < 0 ||
	    tim_ber_octets_open(&oct, &r, &tl) < 0)
		goto out;
	for (;;) {
		n = tim_ber_octets_read(&oct, buf, CHUNK);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (plain_write(p, buf, (size_t)n, err) < 0)
			goto out;
	}
	if (tim_ber_leave(&r, &fexp, "eContent") < 0 ||
	    tim_ber_leave(&r, &fenc, "encapContentInfo") < 0)
		goto out;
	for (;;) {
		st = tim_ber_at_end(&r, &fsd);
		if (st < 0)
			goto out;
		if (st)
			break;
		if (tim_ber_next(&r, &tl) < 0 || tim_ber_capture(&r, &tl, tail, SIGNED_MAX) < 0)
			goto out;
	}
	/* Reading to the end runs the decryption's final check. */
	st = tim_ber_at_eof(&r);
	if (st < 0)
		goto out;
	if (!st) {
		tim_failf(err, _("malformed envelope: %s"), _("data after the end"));
		goto out;
	}
	rc = 0;
out:
	tim_buf_release(&oid);
	tim_ber_release(&r);
	return rc;
}

static int
signature_alg_ok(CMS_SignerInfo *si)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	int d, s;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	if (dig == NULL || sig == NULL)
		return 0;
	d = OBJ_obj2nid(dig->algorithm);
	s = OBJ_obj2nid(sig->algorithm);
	if (d != NID_sha256 && d != NID_sha384 && d != NID_sha512)
		return 0;
	switch (s) {
	case NID_rsassaPss:
	case NID_rsaEncryption:
	case NID_sha256WithRSAEncryption:
	case NID_sha384WithRSAEncryption:
	case NID_sha512WithRSAEncryption:
	case NID_ecdsa_with_SHA256:
	case NID_ecdsa_with_SHA384:
	case NID_ecdsa_with_SHA512:
		return 1;
	default:
		return 0;
	}
}

static int
verify_signed(const struct tim_buf *head, const struct tim_buf *tail, int fd,
    const char *ca, json_t *info, struct tim_err *err)
{
	struct tim_buf body = TIM_BUF_INIT, t = TIM_BUF_INIT, ci = TIM_BUF_INIT;
	STACK_OF(CMS_SignerInfo) *sis;
	STACK_OF(X509) *signers = NULL;
	X509_STORE *store = NULL;
	CMS_ContentInfo *cms = NULL;
	const unsigned char *p;
	BIO *dcont = NULL;
	int i, rc = -1;

	tim_buf_add(&body, head->buf, head->len);
	tim_cms_der_oid(&t, NID_pkcs7_data);
	tim_der_tlv(&body, 0, 1, V_ASN1_SEQUENCE, t.buf, t.len);
	tim_buf_add(&body, tail->buf, tail->len);
	tim_buf_reset(&t);
	tim_der_tlv(&t, 0, 1, V_ASN1_SEQUENCE, body.buf, body.len);
	tim_cms_der_oid(&ci, NID_pkcs7_signed);
	tim_der_tlv(&ci, 2, 1, 0, t.buf, t.len);
	tim_buf_reset(&body);
	tim_der_tlv(&body, 0, 1, V_ASN1_SEQUENCE, ci.buf, ci.len);
	if (body.failed || t.failed || ci.failed) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	p = (const unsigned char *)body.buf;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)body.len);
	if (cms == NULL) {
		tim_failf(err, _("malformed signature: %s"), tim_cms_ssl_error());
		goto out;
	}
	sis = CMS_get0_SignerInfos(cms);
	if (sk_CMS_SignerInfo_num(sis) < 1) {
		tim_failf(err, _("the signed content has no signature"));
		goto out;
	}
	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++)
		if (!signature_alg_ok(sk_CMS_SignerInfo_value(sis, i))) {
			tim_failf(err, _("signature algorithm refused: only SHA-2 with RSA-PSS, RSA or ECDSA is accepted"));
			goto out;
		}
	if (ca != NULL) {
		store = X509_STORE_new();
		if (store == NULL || X509_STORE_load_file(store, ca) != 1) {
			tim_errorf(err, 0, _("cannot load CA file '%s': %s"), ca, tim_cms_ssl_error());
			goto out;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0 || (dcont = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL) {
		tim_errorf(err, errno, _("cannot read the plaintext"));
		goto out;
	}
	if (CMS_verify(cms, NULL, store, dcont, NULL,
	    CMS_BINARY | (store ? 0 : CMS_NO_SIGNER_CERT_VERIFY)) != 1) {
		tim_failf(err, _("signature verification failed: %s"), tim_cms_ssl_error());
		goto out;
	}
	signers = CMS_get0_signers(cms);
	if (signers != NULL && sk_X509_num(signers) > 0) {
		X509 *x = sk_X509_value(signers, 0);
		char fp[65], *subj = tim_cms_name(X509_get_subject_name(x));

		tim_cms_fingerprint(x, fp);
		json_object_set_new(info, "signer", json_pack("{s:s?, s:s, s:b}",
		    "subject", subj, "sha256", fp, "chain_verified", store != NULL));
		free(subj);
	}
	rc = 0;
out:
	sk_X509_free(signers);
	BIO_free(dcont);
	X509_STORE_free(store);
	CMS_ContentInfo_free(cms);
	tim_buf_release(&body);
	tim_buf_release(&t);
	tim_buf_release(&ci);
	return rc;
}

static int
open_input(const char *sealed, struct tim_err *err)
{
	int fd;

	if (strcmp(sealed, "-") == 0)
		return STDIN_FILENO;
	fd = open(sealed, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return tim_errorf(err, errno, _("cannot open '%s'"), sealed);
	return fd;
}

static const char *
short_name(int nid)
{
	switch (nid) {
	case NID_pkcs7_data: return "data";
	case NID_pkcs7_signed: return "signedData";
	case NID_pkcs7_enveloped: return "envelopedData";
	case NID_id_smime_ct_authEnvelopedData: return "authEnvelopedData";
	default: return nid == NID_undef ? "unknown" : OBJ_nid2sn(nid);
	}
}

static void
describe_head(const struct tim_seal_head *h, json_t *info)
{
	json_object_set_new(info, "type", json_string(short_name(h->outer_nid)));
	json_object_set_new(info, "content_type", json_string(short_name(h->ctype_nid)));
	json_object_set_new(info, "content_encryption",
	    json_string(OBJ_nid2ln(h->cipher_nid)));
	json_object_set_new(info, "signed", json_boolean(h->ctype_nid == NID_pkcs7_signed));
}

int
tim_seal_inspect_src(struct tim_src src, const char *name, json_t **info,
    struct tim_err *err)
{
	struct tim_ber r;
	struct tim_seal_head *h = NULL;
	struct tim_ber_octets oct;
	unsigned char tag[16], *buf = NULL;
	const char *refusal;
	json_t *o = json_object(), *arr = json_array();
	uint64_t ct = 0;
	ssize_t n;
	int rc = -1;

	*info = NULL;
	r.win = NULL;
	if (o == NULL || arr == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (tim_ber_init(&r, src, err) < 0 || tim_seal_head_parse(&r, &h, err) < 0)
		goto out;
	json_object_set_new(o, "file", json_string(name));
	describe_head(h, o);
	if (sort_recipients(h, 0, arr, NULL, &refusal, err) < 0)
		goto out;
	json_object_set_new(o, "recipients", arr);
	arr = NULL;
	buf = malloc(CHUNK);
	if (buf == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (tim_ber_octets_open(&oct, &r, &h->content) < 0)
		goto out;
	while ((n = tim_ber_octets_read(&oct, buf, CHUNK)) > 0)
		ct += (uint64_t)n;
	if (n < 0 || trailer(&r, h, tag, err) < 0)
		goto out;
	json_object_set_new(o, "encrypted_size", json_integer((json_int_t)ct));
	if (h->aead)
		json_object_set_new(o, "mac_length", json_integer((json_int_t)h->taglen));
	json_object_set_new(o, "envelope_size", json_integer((json_int_t)r.off));
	*info = o;
	o = NULL;
	rc = 0;
out:
	free(buf);
	json_decref(o);
	json_decref(arr);
	tim_seal_head_free(h);
	tim_ber_release(&r);
	return rc;
}

int
tim_seal_inspect(const char *sealed, json_t **info, struct tim_err *err)
{
	int fd, rc;
	struct tim_src src = { tim_src_fd_read, &fd };

	*info = NULL;
	fd = open_input(sealed, err);
	if (fd < 0)
		return -1;
	rc = tim_seal_inspect_src(src, sealed, info, err);
	if (fd > STDIN_FILENO)
		close(fd);
	return rc;
}

/* Extraction of a bundle, into a staging directory first. */

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A relative name without "..", not empty. */
static int
name_ok(const char *name)
{
	const char *p = name;
	size_t n;

	if (name == NULL || *name == '\0' || *name == '/')
		return 0;
	while (*p) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

/* A symlink target that stays inside the extraction directory. */
static int
link_ok(const char *name, const char *target)
{
	const char *p;
	size_t n;
	long depth = 0;

	if (target == NULL || *target == '\0' || *target == '/')
		return 0;
	for (p = name; *p; ) {
		n = strcspn(p, "/");
		p += n;
		while (*p == '/')
			p++;
		if (*p)
			depth++;
	}
	for (p = target; *p; ) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			depth--;
		else if (!(n == 1 && p[0] == '.') && n > 0)
			depth++;
		if (depth < 0)
			return 0;
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

static int
prefixed(struct archive_entry *e, const char *stage, int hard,
    struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	const char *name = hard ? archive_entry_hardlink(e) : archive_entry_pathname(e);

	tim_buf_addf(&b, "%s/%s", stage, name);
	if (b.failed)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (hard)
		archive_entry_set_hardlink(e, b.buf);
	else
		archive_entry_set_pathname(e, b.buf);
	tim_buf_release(&b);
	return 0;
}

static int
extract_entries(struct archive *a, struct archive *w, const char *stage,
    uint64_t limit, json_t *files, struct tim_err *err)
{
	struct archive_entry *e;
	const void *blk;
	size_t len;
	la_int64_t off;
	uint64_t total = 0;
	size_t count = 0;
	int st;

	for (;;) {
		const char *name;
		mode_t type;

		st = archive_read_next_header(a, &e);
		if (st == ARCHIVE_EOF)
			return 0;
		if (st != ARCHIVE_OK)
			return tim_failf(err, _("bad bundle: %s"), archive_error_string(a));
		name = archive_entry_pathname(e);
		type = archive_entry_filetype(e);
		if (++count > ENTRIES_MAX)
			return tim_failf(err, _("bundle has too many entries"));
		if (!name_ok(name))
			return tim_failf(err, _("bundle entry '%s' has an unsafe name"),
			    name ? name : "");
		if (archive_entry_hardlink(e) != NULL) {
			if (!name_ok(archive_entry_hardlink(e)))
				return tim_failf(err, _("bundle entry '%s' links outside"), name);
			if (prefixed(e, stage, 1, err) < 0)
				return -1;
		} else if (type == AE_IFLNK) {
			if (!link_ok(name, archive_entry_symlink(e)))
				return tim_failf(err, _("bundle entry '%s' links outside"), name);
		} else if (type != AE_IFREG && type != AE_IFDIR) {
			return tim_failf(err, _("bundle entry '%s' is a special file"), name);
		}
		if (archive_entry_size_is_set(e) &&
		    (uint64_t)archive_entry_size(e) > limit - total)
			return tim_failf(err, _("bundle exceeds the size limit"));
		json_array_append_new(files, json_string(name));
		if (prefixed(e, stage, 0, err) < 0)
			return -1;
		archive_entry_set_perm(e, archive_entry_perm(e) & 0777);
		if (archive_write_header(w, e) != ARCHIVE_OK)
			return tim_failf(err, _("cannot extract '%s': %s"), name,
			    archive_error_string(w));
		for (;;) {
			st = archive_read_data_block(a, &blk, &len, &off);
			if (st == ARCHIVE_EOF)
				break;
			if (st != ARCHIVE_OK)
				return tim_failf(err, _("bad bundle: %s"), archive_error_string(a));
			total += len;
			if (total > limit)
				return tim_failf(err, _("bundle exceeds the size limit"));
			if (archive_write_data_block(w, blk, len, off) != ARCHIVE_OK)
				return tim_failf(err, _("cannot extract: %s"), archive_error_string(w));
		}
		if (archive_write_finish_entry(w) != ARCHIVE_OK)
			return tim_failf(err, _("cannot extract: %s"), archive_error_string(w));
	}
}

/* Moves what the staging directory holds into dir, refusing to replace. */
static int
move_staged(const char *stage, const char *dir, struct tim_err *err)
{
	DIR *d = opendir(stage);
	struct dirent *de;
	struct stat sb;
	int sfd, dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), pass, rc = 0;

	if (d == NULL || dfd < 0) {
		if (d != NULL)
			closedir(d);
		if (dfd >= 0)
			close(dfd);
		return tim_errorf(err, errno, _("cannot extract into '%s'"), dir);
	}
	sfd = dirfd(d);
	/* First look for clashes, so that nothing moves when one exists. */
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		rewinddir(d);
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (pass == 0 && fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
				rc = tim_errorf(err, EEXIST, _("cannot extract '%s'"), de->d_name);
				break;
			}
			if (pass == 1 && renameat2(sfd, de->d_name, dfd, de->d_name,
			    RENAME_NOREPLACE) < 0) {
				rc = tim_errorf(err, errno, _("cannot extract '%s'"), de->d_name);
				break;
			}
		}
	}
	closedir(d);
	close(dfd);
	return rc;
}

static int
extract_bundle(int fd, const char *dir, uint64_t limit, json_t *info,
    struct tim_err *err)
{
	struct tim_buf stage = TIM_BUF_INIT;
	struct archive *a = NULL, *w = NULL;
	json_t *files = json_array();
	int rc = -1;

	tim_buf_addf(&stage, "%s/.tim-seal-XXXXXX", dir);
	if (stage.failed || files == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (mkdtemp(stage.buf) == NULL) {
		tim_errorf(err, errno, _("cannot extract into '%s'"), dir);
		goto out;
	}
	a = archive_read_new();
	w = archive_write_disk_new();
	if (a == NULL || w == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto fail;
	}
	archive_read_support_format_tar(a);
	archive_read_support_format_zip(a);
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	    ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
	    ARCHIVE_EXTRACT_NO_OVERWRITE | ARCHIVE_EXTRACT_TIME);
	if (lseek(fd, 0, SEEK_SET) < 0 || archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		tim_failf(err, _("the content is not a tar or zip bundle: %s"),
		    archive_error_string(a) ? archive_error_string(a) : "");
		goto fail;
	}
	if (extract_entries(a, w, stage.buf, limit ? limit : EXTRACT_MAX, files, err) < 0)
		goto fail;
	if (archive_write_close(w) != ARCHIVE_OK) {
		tim_failf(err, _("cannot extract: %s"), archive_error_string(w));
		goto fail;
	}
	if (move_staged(stage.buf, dir, err) < 0)
		goto fail;
	rm_tree(stage.buf);
	json_object_set_new(info, "extracted", files);
	files = NULL;
	rc = 0;
	goto out;
fail:
	rm_tree(stage.buf);
out:
	archive_read_free(a);
	archive_write_free(w);
	json_decref(files);
	tim_buf_release(&stage);
	return rc;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a > b && strcmp(s + a - b, suffix) == 0;
}

/* Where the plaintext goes: a file (dest), stdout, or a directory. */
static int
destination(const struct tim_open_opts *o, const char *sealed, char **dest,
    const char **dir, struct tim_err *err)
{
	*dest = NULL;
	*dir = o->dir;
	if (o->out != NULL) {
		*dest = strdup(o->out);
		return *dest ? 0 : tim_errorf(err, ENOMEM, _("out of memory"));
	}
	if (o->dir != NULL)
		return 0;
	if (strcmp(sealed, "-") == 0 || !ends_with(sealed, ".p7m"))
		return tim_invalidf(err, _("give -o OUT or -C DIR for '%s'"), sealed);
	if (ends_with(sealed, ".tar.p7m") || ends_with(sealed, ".zip.p7m")) {
		*dir = ".";
		return 0;
	}
	*dest = strndup(sealed, strlen(sealed) - 4);
	return *dest ? 0 : tim_errorf(err, ENOMEM, _("out of memory"));
}

static int
copy_to_stdout(int fd, unsigned char *buf, struct tim_err *err)
{
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return tim_errorf(err, errno, _("cannot read the plaintext"));
	while ((n = read(fd, buf, CHUNK)) > 0)
		if (tim_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
			return tim_errorf(err, errno, _("cannot write to standard output"));
	if (n < 0)
		return tim_errorf(err, errno, _("cannot read the plaintext"));
	return 0;
}

static int
anon_in(const char *dir, struct tim_err *err)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		return tim_errorf(err, errno, _("cannot create a temporary file in '%s'"), dir);
	return fd;
}

int
tim_seal_open(const struct tim_open_opts *o, const char *sealed, json_t **info,
    struct tim_err *err)
{
	struct tim_tmpfile tmp = { -1, NULL, NULL };
	struct tim_buf allowed = TIM_BUF_INIT, shead = TIM_BUF_INIT, stail = TIM_BUF_INIT;
	struct tim_seal_head *h = NULL;
	struct tim_ber r;
	struct dec d;
	struct plain_out p = { -1, NULL, 0 };
	unsigned char cek[TIM_CMS_MAX_KEY], md[32], *buf = NULL;
	size_t ceklen = 0;
	const char *refusal, *dir;
	char *dest = NULL, hex[65];
	json_t *o_info = json_object(), *arr = json_array();
	int fd = -1, anon = -1, rc = -1;
	struct tim_src src = { tim_src_fd_read, &fd };

	*info = NULL;
	memset(&d, 0, sizeof(d));
	r.win = NULL;
	if (o_info == NULL || arr == NULL) {
		json_decref(o_info);
		json_decref(arr);
		return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	json_object_set_new(o_info, "recipients", arr);
	if ((o->key == NULL) == (o->password == NULL)) {
		tim_invalidf(err, _("give --key and --cert, or a password"));
		goto out;
	}
	if (o->key != NULL && o->cert == NULL) {
		tim_invalidf(err, _("--key needs --cert"));
		goto out;
	}
	if (destination(o, sealed, &dest, &dir, err) < 0)
		goto out;
	fd = open_input(sealed, err);
	if (fd < 0 || tim_ber_init(&r, src, err) < 0 ||
	    tim_seal_head_parse(&r, &h, err) < 0)
		goto out;
	json_object_set_new(o_info, "file", json_string(sealed));
	describe_head(h, o_info);
	if (sort_recipients(h, o->allow_legacy, arr, &allowed, &refusal, err) < 0 ||
	    recover_cek(h, o, &allowed, refusal, cek, &ceklen, err) < 0)
		goto out;
	/* The plaintext's temporary home: beside the file, or in DIR. */
	if (dir != NULL) {
		anon = anon_in(dir, err);
		if (anon < 0)
			goto out;
		p.fd = anon;
	} else if (strcmp(dest, "-") == 0) {
		anon = tim_tmpfile_anon(err);
		if (anon < 0)
			goto out;
		p.fd = anon;
	} else {
		if (tim_tmpfile_open(&tmp, dest, err) < 0)
			goto out;
		p.fd = tmp.fd;
	}
	if (o->hashes && (p.h = tim_sha256_new()) != NULL)
		tim_sha256_init(p.h);
	d.c = EVP_CIPHER_CTX_new();
	d.in = malloc(CHUNK);
	d.out = malloc(CHUNK + 64);
	buf = malloc(CHUNK);
	if ((o->hashes && p.h == NULL) || d.c == NULL || d.in == NULL ||
	    d.out == NULL || buf == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	d.r = &r;
	d.h = h;
	if (EVP_DecryptInit_ex(d.c, h->cipher, NULL, NULL, NULL) != 1 ||
	    (h->aead && EVP_CIPHER_CTX_ctrl(d.c, EVP_CTRL_AEAD_SET_IVLEN,
	    (int)h->ivlen, NULL) != 1) ||
	    EVP_DecryptInit_ex(d.c, NULL, NULL, cek, h->iv) != 1) {
		tim_errorf(err, 0, _("decryption failed: %s"), tim_cms_ssl_error());
		goto out;
	}
	OPENSSL_cleanse(cek, sizeof(cek));
	if (tim_ber_octets_open(&d.oct, &r, &h->content) < 0)
		goto out;
	if (h->ctype_nid == NID_pkcs7_data) {
		if (copy_data(&d, &p, buf, err) < 0)
			goto out;
	} else if (h->ctype_nid == NID_pkcs7_signed) {
		if (copy_signed(&d, &p, buf, &shead, &stail, err) < 0 ||
		    verify_signed(&shead, &stail, p.fd, o->ca, o_info, err) < 0)
			goto out;
	} else {
		tim_failf(err, _("content of type %s is not supported"), short_name(h->ctype_nid));
		goto out;
	}
	if (p.h != NULL) {
		tim_sha256_final(p.h, md);
		tim_hex(md, 32, hex);
		json_object_set_new(o_info, "plaintext_sha256", json_string(hex));
	}
	json_object_set_new(o_info, "plaintext_size", json_integer((json_int_t)p.n));
	json_object_set_new(o_info, "envelope_size", json_integer((json_int_t)r.off));
	/* Everything verified: release the plaintext. */
	if (dir != NULL) {
		if (extract_bundle(anon, dir, o->max_extract, o_info, err) < 0)
			goto out;
		json_object_set_new(o_info, "directory", json_string(dir));
	} else if (strcmp(dest, "-") == 0) {
		if (copy_to_stdout(anon, buf, err) < 0)
			goto out;
	} else {
		if (tim_tmpfile_commit(&tmp, 0600, err) < 0)
			goto out;
		json_object_set_new(o_info, "output", json_string(dest));
	}
	*info = o_info;
	o_info = NULL;
	rc = 0;
out:
	OPENSSL_cleanse(cek, sizeof(cek));
	if (buf != NULL)
		OPENSSL_cleanse(buf, CHUNK);
	if (d.out != NULL)
		OPENSSL_cleanse(d.out, CHUNK + 64);
	free(buf);
	free(d.in);
	free(d.out);
	EVP_CIPHER_CTX_free(d.c);
	tim_sha256_free(p.h);
	if (rc < 0)
		tim_tmpfile_discard(&tmp);
	if (anon >= 0) {
		if (ftruncate(anon, 0) < 0)
			(void)0;
		close(anon);
	}
	tim_buf_release(&allowed);
	tim_buf_release(&shead);
	tim_buf_release(&stail);
	tim_seal_head_free(h);
	tim_ber_release(&r);
	if (fd > STDIN_FILENO)
		close(fd);
	free(dest);
	json_decref(o_info);
	return rc;
}
