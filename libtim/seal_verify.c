/*
 * A SignedData inside the envelope: its eContent streams to the plaintext
 * file while the rest is kept, then the signature is verified over that file
 * (SHA-2 with RSA-PSS, RSA or ECDSA only), against the CA file if one is
 * given.
 */
#define SIGNED_MAX	(16 << 20)	/* certificates and SignerInfos */

#include <errno.h>
#include <unistd.h>

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
 * SignedData inside: eContent goes to the plaintext file, the rest is kept
 * for verification (version and digestAlgorithms in head, certificates and
 * SignerInfos in tail).
 */
int
tim_seal_copy_signed(struct tim_src src, int wrapped, struct tim_seal_plain *p,
    unsigned char *buf, struct tim_buf *head, struct tim_buf *tail,
    struct tim_err *err)
{
	struct tim_buf oid = TIM_BUF_INIT;
	struct tim_ber r;
	struct tim_ber_frame fci, fc0, fsd, fenc, fexp;
	struct tim_ber_octets oct;
	struct tim_tl tl;
	ssize_t n;
	int st, rc = -1;

	if (tim_ber_init(&r, src, err) < 0)
		return -1;
	/* A ContentInfo around it (tim 0.x put the bare SignedData). */
	if (wrapped) {
		if (tim_ber_expect(&r, &tl, 0, V_ASN1_SEQUENCE, 1, "ContentInfo") < 0)
			goto out;
		tim_ber_enter(&r, &tl, &fci);
		if (tim_ber_expect(&r, &tl, 0, V_ASN1_OBJECT, 0, "contentType") < 0 ||
		    tim_ber_capture(&r, &tl, &oid, 256) < 0)
			goto out;
		if (tim_seal_oid_nid(&oid) != NID_pkcs7_signed) {
			tim_failf(err, _("malformed encrypted file: %s"), "contentType");
			goto out;
		}
		tim_buf_reset(&oid);
		if (tim_ber_expect(&r, &tl, 2, 0, 1, "content") < 0)
			goto out;
		tim_ber_enter(&r, &tl, &fc0);
	}
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
	if (tim_seal_oid_nid(&oid) != NID_pkcs7_data) {
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
		n = tim_ber_octets_read(&oct, buf, TIM_SEAL_CHUNK);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (tim_seal_plain_write(p, buf, (size_t)n, err) < 0)
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
	if (wrapped && (tim_ber_leave(&r, &fc0, "content") < 0 ||
	    tim_ber_leave(&r, &fci, "ContentInfo") < 0))
		goto out;
	/* Reading to the end runs the decryption's final check. */
	st = tim_ber_at_eof(&r);
	if (st < 0)
		goto out;
	if (!st) {
		tim_failf(err, _("malformed encrypted file: %s"), _("data after the end"));
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

int
tim_seal_verify_signed(const struct tim_buf *head,
    const struct tim_buf *tail, int fd, const char *ca, json_t *info,
    struct tim_err *err)
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
