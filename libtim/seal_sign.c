/*
 * Signing inside the envelope (tim-seal --sign): the signer's key and
 * certificate, and a SignedData framed around the content as it streams,
 * its header written before OpenSSL has signed and checked against the
 * signed structure at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>

#include "ber.h"
#include "buf.h"
#include "cms.h"
#include "err.h"
#include "i18n.h"
#include "json.h"
#include "seal.h"
#include "seal_impl.h"
#include "banned.h"

static int
sign_write(struct tim_seal_sink *s, const unsigned char *p, size_t n, struct tim_err *err)
{
	struct tim_seal_sign_sink *g = (struct tim_seal_sign_sink *)s;
	struct tim_buf h = TIM_BUF_INIT;
	int rc;

	if (n == 0)
		return 0;
	if (BIO_write(g->chain, p, (int)n) != (int)n)
		return tim_errorf(err, 0, _("signing failed: %s"), tim_cms_ssl_error());
	tim_der_hdr(&h, 0, 0, V_ASN1_OCTET_STRING, (int64_t)n);
	rc = tim_seal_sink_buf(g->next, &h, err);
	tim_buf_release(&h);
	if (rc < 0)
		return -1;
	return tim_seal_sink_write(g->next, p, n, err);
}

/*
 * The parts of a detached SignedData's DER: version and digestAlgorithms
 * (head), and everything after encapContentInfo (tail).
 */
static int
signed_parts(CMS_ContentInfo *sd, struct tim_buf *head, struct tim_buf *tail,
    struct tim_err *err)
{
	unsigned char *der = NULL;
	struct tim_src_mem m;
	struct tim_src src = { tim_src_mem_read, &m };
	struct tim_ber r;
	struct tim_ber_frame f;
	struct tim_tl tl;
	int n, st, rc = -1;

	n = i2d_CMS_ContentInfo(sd, &der);
	if (n <= 0)
		return tim_errorf(err, 0, _("signing failed: %s"), tim_cms_ssl_error());
	m.p = der;
	m.len = (size_t)n;
	if (tim_ber_init(&r, src, err) < 0) {
		OPENSSL_free(der);
		return -1;
	}
	if (tim_ber_expect(&r, &tl, 0, V_ASN1_SEQUENCE, 1, "ContentInfo") < 0 ||
	    tim_ber_expect(&r, &tl, 0, V_ASN1_OBJECT, 0, "contentType") < 0 ||
	    tim_ber_skip(&r, &tl) < 0 ||
	    tim_ber_expect(&r, &tl, 2, 0, 1, "content") < 0 ||
	    tim_ber_expect(&r, &tl, 0, V_ASN1_SEQUENCE, 1, "SignedData") < 0)
		goto out;
	tim_ber_enter(&r, &tl, &f);
	if (tim_ber_expect(&r, &tl, 0, V_ASN1_INTEGER, 0, "version") < 0 ||
	    tim_ber_capture(&r, &tl, head, 64) < 0 ||
	    tim_ber_expect(&r, &tl, 0, V_ASN1_SET, 1, "digestAlgorithms") < 0 ||
	    tim_ber_capture(&r, &tl, head, 4096) < 0 ||
	    tim_ber_expect(&r, &tl, 0, V_ASN1_SEQUENCE, 1, "encapContentInfo") < 0 ||
	    tim_ber_skip(&r, &tl) < 0)
		goto out;
	for (;;) {
		st = tim_ber_at_end(&r, &f);
		if (st < 0)
			goto out;
		if (st)
			break;
		if (tim_ber_next(&r, &tl) < 0)
			goto out;
		if (tail != NULL) {
			if (tim_ber_capture(&r, &tl, tail, 16 << 20) < 0)
				goto out;
		} else if (tim_ber_skip(&r, &tl) < 0) {
			goto out;
		}
	}
	rc = 0;
out:
	tim_ber_release(&r);
	OPENSSL_free(der);
	return rc;
}

int
tim_seal_sign_start(struct tim_seal_sign_sink *g, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT, alg = TIM_BUF_INIT, set = TIM_BUF_INIT;
	int rc;

	/*
	 * OpenSSL cannot encode a SignedData before it is signed, yet the
	 * header goes out first: version 1 (issuerAndSerialNumber, id-data)
	 * and SHA-256 without parameters, as CMS_add1_signer encodes it.
	 * sign_finish checks that the signed structure agrees.
	 */
	tim_cms_der_uint(&g->pre, 1);
	tim_cms_der_oid(&alg, NID_sha256);
	tim_der_tlv(&set, 0, 1, V_ASN1_SEQUENCE, alg.buf, alg.len);
	tim_der_tlv(&g->pre, 0, 1, V_ASN1_SET, set.buf, set.len);
	tim_buf_release(&alg);
	tim_buf_release(&set);
	g->chain = CMS_dataInit(g->sd, NULL);
	if (g->chain == NULL)
		return tim_errorf(err, 0, _("signing failed: %s"), tim_cms_ssl_error());
	/*
	 * A whole ContentInfo, as `openssl cms -sign -outform DER` makes it, so
	 * that `openssl cms -decrypt | openssl cms -verify -inform DER` checks
	 * it; the envelope says id-data (what openssl's own sign-then-encrypt
	 * pipeline makes).
	 */
	tim_der_hdr(&b, 0, 1, V_ASN1_SEQUENCE, -1);
	tim_cms_der_oid(&b, NID_pkcs7_signed);
	tim_der_hdr(&b, 2, 1, 0, -1);
	tim_der_hdr(&b, 0, 1, V_ASN1_SEQUENCE, -1);
	tim_buf_add(&b, g->pre.buf, g->pre.len);
	tim_der_hdr(&b, 0, 1, V_ASN1_SEQUENCE, -1);
	tim_cms_der_oid(&b, NID_pkcs7_data);
	tim_der_hdr(&b, 2, 1, 0, -1);
	tim_der_hdr(&b, 0, 1, V_ASN1_OCTET_STRING, -1);
	rc = tim_seal_sink_buf(g->next, &b, err);
	tim_buf_release(&b);
	return rc;
}

static int
sign_finish(struct tim_seal_sink *s, struct tim_err *err)
{
	struct tim_seal_sign_sink *g = (struct tim_seal_sign_sink *)s;
	struct tim_buf head = TIM_BUF_INIT, b = TIM_BUF_INIT;
	int rc = -1;

	if (BIO_flush(g->chain) != 1 || CMS_dataFinal(g->sd, g->chain) != 1) {
		tim_errorf(err, 0, _("signing failed: %s"), tim_cms_ssl_error());
		goto out;
	}
	tim_der_eoc(&b, 3);	/* OCTET STRING, [0], encapContentInfo */
	if (signed_parts(g->sd, &head, &b, err) < 0)
		goto out;
	/* The header already went out; it must not have changed. */
	if (head.len != g->pre.len || memcmp(head.buf, g->pre.buf, head.len) != 0) {
		tim_errorf(err, 0, _("signing failed: %s"), "SignedData header changed");
		goto out;
	}
	tim_der_eoc(&b, 3);	/* SignedData, [0], ContentInfo */
	rc = tim_seal_sink_buf(g->next, &b, err);
out:
	tim_buf_release(&head);
	tim_buf_release(&b);
	return rc;
}

static int
chain_sign_finish(struct tim_seal_sink *s, struct tim_err *err)
{
	struct tim_seal_sign_sink *g = (struct tim_seal_sign_sink *)s;

	if (sign_finish(s, err) < 0)
		return -1;
	return g->next->finish(g->next, err);
}

int
tim_seal_make_signer(const struct tim_seal_opts *o, struct tim_seal_state *st,
    struct tim_err *err)
{
	CMS_SignerInfo *si;
	EVP_PKEY_CTX *pctx;
	char *subj, fp[65];

	if (tim_cms_load_key(o->sign_key, &st->skey, err) < 0 ||
	    tim_cms_load_cert(o->signer_cert, &st->signer, err) < 0 ||
	    tim_cms_check_signer(st->signer, st->skey, o->signer_cert, err) < 0)
		return -1;
	st->sd = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
	if (st->sd == NULL)
		return tim_errorf(err, 0, _("signing failed: %s"), tim_cms_ssl_error());
	si = CMS_add1_signer(st->sd, st->signer, st->skey, EVP_sha256(),
	    CMS_BINARY | CMS_NOSMIMECAP | CMS_KEY_PARAM);
	if (si == NULL)
		return tim_errorf(err, 0, _("signing failed: %s"), tim_cms_ssl_error());
	if (EVP_PKEY_is_a(st->skey, "RSA")) {
		pctx = CMS_SignerInfo_get0_pkey_ctx(si);
		if (pctx == NULL ||
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0)
			return tim_errorf(err, 0, _("signing failed: %s"), tim_cms_ssl_error());
	}
	tim_cms_fingerprint(st->signer, fp);
	subj = tim_cms_name(X509_get_subject_name(st->signer));
	json_object_set_new(st->info, "signer", json_pack("{s:s?, s:s, s:s}",
	    "subject", subj, "sha256", fp, "signature", EVP_PKEY_is_a(st->skey, "RSA") ?
	    "rsassa-pss sha256" : "ecdsa-with-SHA256"));
	free(subj);
	return 0;
}

void
tim_seal_sign_sink_init(struct tim_seal_sign_sink *g, CMS_ContentInfo *sd,
    struct tim_seal_sink *next)
{
	g->s.write = sign_write;
	g->s.finish = chain_sign_finish;
	g->sd = sd;
	g->next = next;
}

void
tim_seal_sign_sink_release(struct tim_seal_sign_sink *g)
{
	if (g->chain != NULL)
		BIO_free_all(g->chain);
	g->chain = NULL;
	tim_buf_release(&g->pre);
}
