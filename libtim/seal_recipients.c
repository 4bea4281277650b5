/*
 * Recipients of an envelope being opened: each RecipientInfo described and
 * judged by the recipient policy (cms.c), and the content key recovered by
 * OpenSSL from a content-less envelope that holds only the permitted ones,
 * re-encoded from the head so that the envelope is never read whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "ber.h"
#include "buf.h"
#include "cms.h"
#include "err.h"
#include "i18n.h"
#include "seal.h"
#include "seal_impl.h"
#include "banned.h"

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
		tim_failf(err, _("malformed encrypted file: %s"), tim_cms_ssl_error());
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
int
tim_seal_sort_recipients(const struct tim_seal_head *h, int allow_legacy,
    json_t *arr, struct tim_buf *allowed, const char **refusal,
    struct tim_err *err)
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
		tim_failf(err, _("malformed encrypted file: %s"), "recipientInfos");
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

/* OpenSSL decrypts the content key of the recipient that key and cert match. */
static int
decrypt_by_key(CMS_ContentInfo *cms, const struct tim_open_opts *o,
    const char *refusal, EVP_PKEY **key, X509 **cert, struct tim_err *err)
{
	if (tim_cms_load_key(o->key, key, err) < 0 ||
	    tim_cms_load_cert(o->cert, cert, err) < 0)
		return -1;
	if (X509_check_private_key(*cert, *key) != 1) {
		ERR_clear_error();
		return tim_failf(err, _("certificate '%s' does not match key '%s'"), o->cert, o->key);
	}
	if (CMS_decrypt_set1_pkey_and_peer(cms, *key, *cert, NULL) != 1) {
		ERR_clear_error();
		if (refusal != NULL)
			return tim_failf(err, _("refused: %s"), _(refusal));
		/*
		 * One message whether no recipient matched or the matching
		 * key did not decrypt: no padding oracle for anyone
		 * scripting this tool.
		 */
		return tim_failf(err,
		    _("the encrypted file is not addressed to '%s', or its key was altered"),
		    o->cert);
	}
	return 0;
}

static int
decrypt_by_password(CMS_ContentInfo *cms, const struct tim_open_opts *o,
    const char *refusal, struct tim_err *err)
{
	if (CMS_decrypt_set1_password(cms, (unsigned char *)o->password,
	    (ossl_ssize_t)o->passlen) != 1) {
		ERR_clear_error();
		if (refusal != NULL)
			return tim_failf(err, _("wrong password, or refused: %s"), _(refusal));
		return tim_failf(err, _("wrong password, or no password recipient"));
	}
	return 0;
}

int
tim_seal_recover_cek(const struct tim_seal_head *h,
    const struct tim_open_opts *o, const struct tim_buf *allowed,
    const char *refusal, unsigned char *cek, size_t *ceklen,
    struct tim_err *err)
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
		return tim_failf(err, _("the encrypted file has no recipients"));
	}
	cms = mini_cms(h, (const unsigned char *)allowed->buf, allowed->len, err);
	if (cms == NULL)
		return -1;
	if (o->key != NULL ? decrypt_by_key(cms, o, refusal, &key, &cert, err) < 0 :
	    decrypt_by_password(cms, o, refusal, err) < 0)
		goto out;
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
			    _("the encrypted file is not addressed to '%s', or its key was altered"),
			    o->cert);
		else
			tim_failf(err, _("cannot recover the content key: the encrypted file was altered or the key is wrong"));
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
