/*
 * CMS helpers for tim-seal (see cms.h): policy on certificates and keys,
 * RecipientInfos OpenSSL cannot make the way CRYPTREC wants, and the
 * hand-over of the content-encryption key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1t.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "ber.h"
#include "buf.h"
#include "cms.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "secret.h"
#include "json.h"
#include "util.h"
#include "banned.h"

#define CERT_MAX	(1 << 20)

const char *
tim_cms_ssl_error(void)
{
	static char msg[256];
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		return _("unknown OpenSSL error");
	ERR_error_string_n(e, msg, sizeof(msg));
	ERR_clear_error();
	return msg;
}

int
tim_cms_load_cert(const char *path, X509 **out, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	const unsigned char *p;
	BIO *bio;
	X509 *x = NULL;

	if (tim_read_file(path, CERT_MAX, 0, &b, err) < 0)
		return -1;
	bio = BIO_new_mem_buf(b.buf, (int)b.len);
	if (bio != NULL) {
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (x == NULL) {
		p = (const unsigned char *)b.buf;
		x = d2i_X509(NULL, &p, (long)b.len);
	}
	tim_buf_release(&b);
	ERR_clear_error();
	if (x == NULL)
		return tim_errorf(err, 0, _("'%s' is not an X.509 certificate"), path);
	*out = x;
	return 0;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int
tim_cms_load_key(const char *path, EVP_PKEY **out, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	BIO *bio;
	EVP_PKEY *k = NULL;

	if (tim_read_file(path, CERT_MAX, 1, &b, err) < 0)
		return -1;
	bio = BIO_new_mem_buf(b.buf, (int)b.len);
	if (bio != NULL) {
		k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		BIO_free(bio);
	}
	tim_buf_release_secret(&b);
	tim_secret_scrub();	/* the decoder's copies of the key (issue 18) */
	ERR_clear_error();
	if (k == NULL)
		return tim_errorf(err, 0,
		    _("'%s' is not an unencrypted PEM private key"), path);
	*out = k;
	return 0;
}

/* Key types and sizes on the CRYPTREC list that tim-seal accepts. */
static const char *
key_refusal(EVP_PKEY *k)
{
	char group[64];
	size_t glen;

	if (EVP_PKEY_is_a(k, "RSA")) {
		if (EVP_PKEY_get_bits(k) < 2048)
			return N_("RSA keys under 2048 bits are refused");
		return NULL;
	}
	if (EVP_PKEY_is_a(k, "EC")) {
		if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
		    group, sizeof(group), &glen))
			return N_("EC key of unknown curve");
		if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0 ||
		    strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0 ||
		    strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0)
			return NULL;
		return N_("only the P-256, P-384 and P-521 curves are accepted");
	}
	return N_("only RSA and EC keys are accepted");
}

static void
time_text(const ASN1_TIME *t, char out[32])
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "?");
}

int
tim_cms_check_recipient(X509 *x, const char *path, int allow_expired,
    struct tim_err *err)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	const char *why;
	char when[32];
	uint32_t ku;

	if (!allow_expired) {
		if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0) {
			time_text(X509_get0_notBefore(x), when);
			return tim_failf(err, _("certificate '%s' is not valid before %s"),
			    path, when);
		}
		if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
			time_text(X509_get0_notAfter(x), when);
			return tim_failf(err, _("certificate '%s' expired on %s"), path, when);
		}
	}
	if (k == NULL)
		return tim_errorf(err, 0, _("certificate '%s' has an unusable key"), path);
	why = key_refusal(k);
	if (why != NULL)
		return tim_failf(err, _("certificate '%s': %s"), path, _(why));
	X509_check_purpose(x, -1, 0);
	if (X509_get_extension_flags(x) & EXFLAG_KUSAGE) {
		ku = X509_get_key_usage(x);
		if (EVP_PKEY_is_a(k, "RSA") && !(ku & KU_KEY_ENCIPHERMENT))
			return tim_failf(err,
			    _("certificate '%s': key usage does not allow key encipherment"), path);
		if (EVP_PKEY_is_a(k, "EC") && !(ku & KU_KEY_AGREEMENT))
			return tim_failf(err,
			    _("certificate '%s': key usage does not allow key agreement"), path);
	}
	return 0;
}

int
tim_cms_check_signer(X509 *x, EVP_PKEY *k, const char *path,
    struct tim_err *err)
{
	const char *why = key_refusal(k);
	uint32_t ku;

	if (why != NULL)
		return tim_failf(err, _("signer key '%s': %s"), path, _(why));
	if (X509_check_private_key(x, k) != 1) {
		ERR_clear_error();
		return tim_failf(err, _("signer certificate '%s' does not match the key"), path);
	}
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0 ||
	    X509_cmp_current_time(X509_get0_notBefore(x)) >= 0)
		return tim_failf(err, _("signer certificate '%s' is not valid now"), path);
	X509_check_purpose(x, -1, 0);
	if (X509_get_extension_flags(x) & EXFLAG_KUSAGE) {
		ku = X509_get_key_usage(x);
		if (!(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
			return tim_failf(err,
			    _("signer certificate '%s': key usage does not allow signing"), path);
	}
	return 0;
}

char *
tim_cms_name(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL, *p;
	long len;

	if (b == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, n, 0, (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB) |
	    ASN1_STRFLGS_UTF8_CONVERT) >= 0) {
		len = BIO_get_mem_data(b, &p);
		s = malloc((size_t)len + 1);
		if (s != NULL) {
			memcpy(s, p, (size_t)len);
			s[len] = '\0';
		}
	}
	BIO_free(b);
	return s;
}

void
tim_cms_fingerprint(X509 *x, char hex[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32) {
		hex[0] = '\0';
		return;
	}
	tim_hex(md, 32, hex);
}

int
tim_cms_der_oid(struct tim_buf *b, int nid)
{
	const ASN1_OBJECT *o = OBJ_nid2obj(nid);
	unsigned char tmp[64], *p = tmp;
	int n;

	if (o == NULL || i2d_ASN1_OBJECT(o, NULL) > (int)sizeof(tmp))
		return -1;
	n = i2d_ASN1_OBJECT(o, &p);
	if (n <= 0)
		return -1;
	return tim_buf_add(b, tmp, (size_t)n);
}

int
tim_cms_der_uint(struct tim_buf *b, uint64_t v)
{
	unsigned char tmp[9];
	size_t n = 0, i;
	uint64_t t = v;

	do {
		n++;
		t >>= 8;
	} while (t);
	for (i = 0; i < n; i++)
		tmp[1 + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
	/* A leading 1 bit would make it negative. */
	if (tmp[1] & 0x80) {
		tmp[0] = 0;
		return tim_der_tlv(b, 0, 0, V_ASN1_INTEGER, tmp, n + 1);
	}
	return tim_der_tlv(b, 0, 0, V_ASN1_INTEGER, tmp + 1, n);
}

int
tim_cms_add_recipient(CMS_ContentInfo *cms, X509 *x, struct tim_err *err)
{
	CMS_RecipientInfo *ri;
	EVP_PKEY_CTX *pctx;
	int ok = 0;

	ri = CMS_add1_recipient_cert(cms, x, CMS_KEY_PARAM);
	if (ri == NULL)
		return tim_errorf(err, 0, _("cannot add the recipient: %s"), tim_cms_ssl_error());
	pctx = CMS_RecipientInfo_get0_pkey_ctx(ri);
	if (pctx == NULL)
		return tim_errorf(err, 0, _("cannot add the recipient: %s"), tim_cms_ssl_error());
	switch (CMS_RecipientInfo_type(ri)) {
	case CMS_RECIPINFO_TRANS:
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
		    EVP_PKEY_CTX_set_rsa_oaep_md(pctx, EVP_sha256()) > 0 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0;
		break;
	case CMS_RECIPINFO_AGREE:
		/*
		 * Only the digest: OpenSSL picks the X9.63 KDF itself and fails
		 * when the type was set beforehand. Its default digest is SHA-1.
		 */
		ok = EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, EVP_sha256()) > 0;
		break;
	default:
		break;
	}
	if (!ok)
		return tim_errorf(err, 0, _("cannot set the recipient's algorithms: %s"),
		    tim_cms_ssl_error());
	return 0;
}

CMS_RecipientInfo *
tim_cms_add_transfer(CMS_ContentInfo *cms, unsigned char kek[32],
    struct tim_err *err)
{
	CMS_RecipientInfo *ri;
	unsigned char *k, *id;

	k = OPENSSL_malloc(32);	/* CMS frees it with OPENSSL_clear_free */
	id = OPENSSL_malloc(sizeof(TIM_CMS_KEK_ID) - 1);
	if (k == NULL || id == NULL || RAND_priv_bytes(k, 32) != 1) {
		OPENSSL_free(k);
		OPENSSL_free(id);
		tim_errorf(err, ENOMEM, _("cannot make a key"));
		return NULL;
	}
	memcpy(id, TIM_CMS_KEK_ID, sizeof(TIM_CMS_KEK_ID) - 1);
	memcpy(kek, k, 32);
	ri = CMS_add0_recipient_key(cms, NID_id_aes256_wrap, k, 32, id,
	    sizeof(TIM_CMS_KEK_ID) - 1, NULL, NULL, NULL);
	if (ri == NULL) {
		OPENSSL_clear_free(k, 32);
		OPENSSL_free(id);
		tim_errorf(err, 0, _("cannot hand over the content key: %s"),
		    tim_cms_ssl_error());
	}
	return ri;
}

static int
unwrap(const unsigned char kek[32], const unsigned char *in, size_t inlen,
    unsigned char *out, size_t *outlen)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	if (c == NULL)
		return -1;
	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	ok = inlen >= 24 && inlen <= TIM_CMS_MAX_KEY + 8 &&
	    EVP_DecryptInit_ex(c, EVP_aes_256_wrap(), NULL, kek, NULL) == 1 &&
	    EVP_DecryptUpdate(c, out, &n, in, (int)inlen) == 1 &&
	    EVP_DecryptFinal_ex(c, out + n, &m) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return -1;
	*outlen = (size_t)(n + m);
	return 0;
}

int
tim_cms_take_cek(const unsigned char *der, size_t len,
    const unsigned char kek[32], unsigned char *cek, size_t *ceklen,
    struct tim_buf *others, struct tim_err *err)
{
	struct tim_src_mem m = { der, len };
	struct tim_src src = { tim_src_mem_read, &m };
	struct tim_buf last = TIM_BUF_INIT;
	struct tim_ber r, kr;
	struct tim_ber_frame set, f;
	struct tim_tl tl;
	unsigned char ek[TIM_CMS_MAX_KEY + 8];
	int st, rc = -1;

	if (tim_ber_init(&r, src, err) < 0)
		return -1;
	kr.win = NULL;
	if (tim_ber_expect(&r, &tl, 0, V_ASN1_SEQUENCE, 1, "ContentInfo") < 0 ||
	    tim_ber_expect(&r, &tl, 0, V_ASN1_OBJECT, 0, "contentType") < 0 ||
	    tim_ber_skip(&r, &tl) < 0 ||
	    tim_ber_expect(&r, &tl, 2, 0, 1, "content") < 0 ||
	    tim_ber_expect(&r, &tl, 0, V_ASN1_SEQUENCE, 1, "envelope") < 0 ||
	    tim_ber_expect(&r, &tl, 0, V_ASN1_INTEGER, 0, "version") < 0 ||
	    tim_ber_skip(&r, &tl) < 0 ||
	    tim_ber_next(&r, &tl) < 0)
		goto out;
	if (tl.cls == 2 && tl.tag == 0) {
		if (tim_ber_skip(&r, &tl) < 0 || tim_ber_next(&r, &tl) < 0)
			goto out;
	}
	if (tl.cls != 0 || tl.tag != V_ASN1_SET || !tl.cons) {
		tim_failf(err, _("malformed encrypted file: %s"), "recipientInfos");
		goto out;
	}
	tim_ber_enter(&r, &tl, &set);
	/*
	 * DER sorts a SET OF, so the transfer recipient is found by its tag
	 * ([2] KEKRecipientInfo, the only one there), not by position.
	 */
	for (;;) {
		st = tim_ber_at_end(&r, &set);
		if (st < 0)
			goto out;
		if (st)
			break;
		if (tim_ber_next(&r, &tl) < 0)
			goto out;
		if (tl.cls == 2 && tl.tag == 2 && last.len == 0) {
			if (tim_ber_capture(&r, &tl, &last, TIM_CMS_MAX_RECIPINFOS) < 0)
				goto out;
		} else if (tim_ber_capture(&r, &tl, others, TIM_CMS_MAX_RECIPINFOS) < 0) {
			goto out;
		}
	}
	m.p = (const unsigned char *)last.buf;
	m.len = last.len;
	if (tim_ber_init(&kr, src, err) < 0)
		goto out;
	if (tim_ber_expect(&kr, &tl, 2, 2, 1, "KEKRecipientInfo") < 0)
		goto out;
	tim_ber_enter(&kr, &tl, &f);
	if (tim_ber_expect(&kr, &tl, 0, V_ASN1_INTEGER, 0, "version") < 0 ||
	    tim_ber_skip(&kr, &tl) < 0 ||
	    tim_ber_expect(&kr, &tl, 0, V_ASN1_SEQUENCE, 1, "kekid") < 0 ||
	    tim_ber_skip(&kr, &tl) < 0 ||
	    tim_ber_expect(&kr, &tl, 0, V_ASN1_SEQUENCE, 1, "keyEncryptionAlgorithm") < 0 ||
	    tim_ber_skip(&kr, &tl) < 0 ||
	    tim_ber_expect(&kr, &tl, 0, V_ASN1_OCTET_STRING, 0, "encryptedKey") < 0)
		goto out;
	if (tl.len > sizeof(ek) || tim_ber_read(&kr, ek, (size_t)tl.len) < 0 ||
	    unwrap(kek, ek, (size_t)tl.len, cek, ceklen) < 0) {
		tim_errorf(err, 0, _("cannot take over the content key"));
		goto out;
	}
	if (others->failed) {
		tim_errorf(err, ENOMEM, _("cannot take over the content key"));
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(ek, sizeof(ek));
	tim_buf_release(&last);
	tim_ber_release(&r);
	tim_ber_release(&kr);
	return rc;
}

/*
 * RFC 3211 section 2.3.1 on EVP AES-256-CBC: the key with a length byte and
 * a check value, padded to whole blocks (at least two), encrypted twice in
 * CBC mode, the second pass chained on from the first.
 */
static int
pwri_wrap(const unsigned char *kek, const unsigned char iv[16],
    const unsigned char *cek, size_t ceklen, unsigned char *out, size_t *outlen)
{
	unsigned char buf[96];
	size_t n = 4 + ceklen;
	EVP_CIPHER_CTX *c;
	int a = 0, ok;

	if (ceklen > 64 || ceklen < 3)
		return -1;
	n = (n + 15) / 16 * 16;
	if (n < 32)
		n = 32;
	buf[0] = (unsigned char)ceklen;
	buf[1] = (unsigned char)~cek[0];
	buf[2] = (unsigned char)~cek[1];
	buf[3] = (unsigned char)~cek[2];
	memcpy(buf + 4, cek, ceklen);
	if (RAND_bytes(buf + 4 + ceklen, (int)(n - 4 - ceklen)) != 1)
		return -1;
	c = EVP_CIPHER_CTX_new();
	if (c == NULL)
		return -1;
	ok = EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, kek, iv) == 1 &&
	    EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
	    EVP_EncryptUpdate(c, out, &a, buf, (int)n) == 1 && (size_t)a == n &&
	    EVP_EncryptUpdate(c, out, &a, out, (int)n) == 1 && (size_t)a == n;
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(buf, sizeof(buf));
	*outlen = n;
	return ok ? 0 : -1;
}

int
tim_cms_pwri(struct tim_buf *out, const unsigned char *cek, size_t ceklen,
    const unsigned char *pass, size_t passlen, unsigned iter,
    struct tim_err *err)
{
	struct tim_buf body = TIM_BUF_INIT, alg = TIM_BUF_INIT, inner = TIM_BUF_INIT;
	unsigned char salt[16], iv[16], kek[32], ek[96], *kdf = NULL;
	X509_ALGOR *pbkdf2 = NULL;
	size_t eklen = 0;
	int n, rc = -1;

	if (RAND_bytes(salt, sizeof(salt)) != 1 || RAND_bytes(iv, sizeof(iv)) != 1 ||
	    PKCS5_PBKDF2_HMAC((const char *)pass, (int)passlen, salt, sizeof(salt),
	    (int)iter, EVP_sha256(), sizeof(kek), kek) != 1 ||
	    pwri_wrap(kek, iv, cek, ceklen, ek, &eklen) < 0) {
		tim_errorf(err, 0, _("cannot make the password recipient: %s"),
		    tim_cms_ssl_error());
		goto out;
	}
	pbkdf2 = PKCS5_pbkdf2_set_ex((int)iter, salt, sizeof(salt),
	    NID_hmacWithSHA256, -1, NULL);
	n = pbkdf2 ? i2d_X509_ALGOR(pbkdf2, &kdf) : -1;
	if (n <= 0) {
		tim_errorf(err, 0, _("cannot make the password recipient: %s"),
		    tim_cms_ssl_error());
		goto out;
	}
	/* keyDerivationAlgorithm is [0] IMPLICIT AlgorithmIdentifier. */
	kdf[0] = 0xa0;
	tim_cms_der_oid(&inner, NID_aes_256_cbc);
	tim_der_tlv(&inner, 0, 0, V_ASN1_OCTET_STRING, iv, sizeof(iv));
	tim_cms_der_oid(&alg, NID_id_alg_PWRI_KEK);
	tim_der_tlv(&alg, 0, 1, V_ASN1_SEQUENCE, inner.buf, inner.len);
	tim_cms_der_uint(&body, 0);
	tim_buf_add(&body, kdf, (size_t)n);
	tim_der_tlv(&body, 0, 1, V_ASN1_SEQUENCE, alg.buf, alg.len);
	tim_der_tlv(&body, 0, 0, V_ASN1_OCTET_STRING, ek, eklen);
	tim_der_tlv(out, 2, 1, 3, body.buf, body.len);
	if (body.failed || alg.failed || inner.failed || out->failed) {
		tim_errorf(err, ENOMEM, _("cannot make the password recipient"));
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_cleanse(ek, sizeof(ek));
	OPENSSL_free(kdf);
	X509_ALGOR_free(pbkdf2);
	tim_buf_release(&body);
	tim_buf_release(&alg);
	tim_buf_release(&inner);
	return rc;
}

static int
sha2_nid(int nid)
{
	return nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512 ||
	    nid == NID_sha224;
}

static const char *
nid_name(int nid)
{
	const char *s = OBJ_nid2ln(nid);

	return s ? s : "unknown";
}

/* The hash of an X509_ALGOR holding a digest, or NID_sha1 when absent. */
static int
md_nid(const X509_ALGOR *a)
{
	return a ? OBJ_obj2nid(a->algorithm) : NID_sha1;
}

/* The hash inside an MGF1 AlgorithmIdentifier; SHA-1 when absent. */
static int
mgf1_nid(const X509_ALGOR *mgf)
{
	const unsigned char *p;
	X509_ALGOR *h;
	int nid;

	if (mgf == NULL)
		return NID_sha1;
	if (OBJ_obj2nid(mgf->algorithm) != NID_mgf1 || mgf->parameter == NULL ||
	    mgf->parameter->type != V_ASN1_SEQUENCE)
		return NID_undef;
	p = mgf->parameter->value.sequence->data;
	h = d2i_X509_ALGOR(NULL, &p, mgf->parameter->value.sequence->length);
	nid = h ? OBJ_obj2nid(h->algorithm) : NID_undef;
	X509_ALGOR_free(h);
	return nid;
}

static json_t *
describe_ktri(CMS_RecipientInfo *ri, int allow_legacy, int *ok,
    const char **why, json_t *o)
{
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;
	X509_ALGOR *alg = NULL;
	RSA_OAEP_PARAMS *op = NULL;
	const ASN1_OBJECT *aobj;
	const void *pval;
	int ptype, nid, hnid, mnid;
	char buf[512];

	if (CMS_RecipientInfo_ktri_get0_signer_id(ri, &keyid, &issuer, &sno) != 1) {
		keyid = NULL;
		issuer = NULL;
	}
	CMS_RecipientInfo_ktri_get0_algs(ri, NULL, NULL, &alg);
	if (alg == NULL) {
		*ok = 0;
		*why = N_("unreadable key transport algorithm");
		return o;
	}
	X509_ALGOR_get0(&aobj, &ptype, &pval, alg);
	nid = OBJ_obj2nid(aobj);
	if (nid == NID_rsaesOaep) {
		if (ptype == V_ASN1_SEQUENCE) {
			const ASN1_STRING *s = pval;
			const unsigned char *p = ASN1_STRING_get0_data(s);

			op = d2i_RSA_OAEP_PARAMS(NULL, &p, ASN1_STRING_length(s));
		}
		hnid = op ? md_nid(op->hashFunc) : NID_sha1;
		mnid = op ? mgf1_nid(op->maskGenFunc) : NID_sha1;
		snprintf(buf, sizeof(buf), "rsaes-oaep %s mgf1-%s", nid_name(hnid),
		    nid_name(mnid));
		if (!sha2_nid(hnid) || !sha2_nid(mnid)) {
			*ok = 0;
			*why = N_("RSA-OAEP with SHA-1 is refused");
		}
		RSA_OAEP_PARAMS_free(op);
	} else if (nid == NID_rsaEncryption) {
		snprintf(buf, sizeof(buf), "rsa-pkcs1-v1.5");
		if (!allow_legacy) {
			*ok = 0;
			*why = N_("RSA PKCS#1 v1.5 key transport is refused (--allow-legacy opens it)");
		} else {
			json_object_set_new(o, "legacy", json_string("rsa-pkcs1-v1.5"));
		}
	} else {
		snprintf(buf, sizeof(buf), "%s", nid_name(nid));
		*ok = 0;
		*why = N_("key transport algorithm not on the CRYPTREC list");
	}
	json_object_set_new(o, "key_encryption", json_string(buf));
	if (issuer != NULL) {
		char *n = tim_cms_name(issuer);
		BIGNUM *bn = ASN1_INTEGER_to_BN(sno, NULL);
		char *hex = bn ? BN_bn2hex(bn) : NULL;

		tim_json_set_str(o, "issuer", n);
		tim_json_set_str(o, "serial", hex);
		free(n);
		OPENSSL_free(hex);
		BN_free(bn);
	} else if (keyid != NULL) {
		char hex[2 * 64 + 1];
		int len = ASN1_STRING_length(keyid);

		if (len > 64)
			len = 64;
		tim_hex(ASN1_STRING_get0_data(keyid), (size_t)len, hex);
		json_object_set_new(o, "ski", json_string(hex));
	}
	return o;
}

static json_t *
describe_kari(CMS_RecipientInfo *ri, int allow_legacy, int *ok,
    const char **why, json_t *o)
{
	X509_ALGOR *alg = NULL, *wrap = NULL;
	ASN1_OCTET_STRING *ukm = NULL;
	STACK_OF(CMS_RecipientEncryptedKey) *reks;
	const ASN1_OBJECT *aobj;
	const void *pval;
	int ptype, nid, wnid = NID_undef, i;
	char buf[256];
	json_t *ids = json_array();

	if (CMS_RecipientInfo_kari_get0_alg(ri, &alg, &ukm) != 1 || alg == NULL) {
		*ok = 0;
		*why = N_("unreadable key agreement algorithm");
		json_decref(ids);
		return o;
	}
	X509_ALGOR_get0(&aobj, &ptype, &pval, alg);
	nid = OBJ_obj2nid(aobj);
	if (ptype == V_ASN1_SEQUENCE) {
		const ASN1_STRING *s = pval;
		const unsigned char *p = ASN1_STRING_get0_data(s);

		wrap = d2i_X509_ALGOR(NULL, &p, ASN1_STRING_length(s));
		if (wrap != NULL)
			wnid = OBJ_obj2nid(wrap->algorithm);
		X509_ALGOR_free(wrap);
	}
	snprintf(buf, sizeof(buf), "%s %s", nid_name(nid), nid_name(wnid));
	json_object_set_new(o, "key_encryption", json_string(buf));
	switch (nid) {
	case NID_dhSinglePass_stdDH_sha224kdf_scheme:
	case NID_dhSinglePass_stdDH_sha256kdf_scheme:
	case NID_dhSinglePass_stdDH_sha384kdf_scheme:
	case NID_dhSinglePass_stdDH_sha512kdf_scheme:
	case NID_dhSinglePass_cofactorDH_sha224kdf_scheme:
	case NID_dhSinglePass_cofactorDH_sha256kdf_scheme:
	case NID_dhSinglePass_cofactorDH_sha384kdf_scheme:
	case NID_dhSinglePass_cofactorDH_sha512kdf_scheme:
		break;
	case NID_dhSinglePass_stdDH_sha1kdf_scheme:
	case NID_dhSinglePass_cofactorDH_sha1kdf_scheme:
		/* OpenSSL's default for an EC recipient: SHA-1 in the KDF. */
		if (allow_legacy) {
			json_object_set_new(o, "legacy", json_string("ecdh sha1kdf"));
			break;
		}
		*ok = 0;
		*why = N_("key agreement with the SHA-1 KDF is refused (--allow-legacy opens it)");
		break;
	default:
		*ok = 0;
		*why = N_("key agreement without a SHA-2 KDF is refused");
	}
	if (*ok && wnid != NID_id_aes128_wrap && wnid != NID_id_aes192_wrap &&
	    wnid != NID_id_aes256_wrap) {
		*ok = 0;
		*why = N_("key wrap algorithm not on the CRYPTREC list");
	}
	reks = CMS_RecipientInfo_kari_get0_reks(ri);
	for (i = 0; i < sk_CMS_RecipientEncryptedKey_num(reks); i++) {
		CMS_RecipientEncryptedKey *rek = sk_CMS_RecipientEncryptedKey_value(reks, i);
		ASN1_OCTET_STRING *keyid = NULL;
		ASN1_GENERALIZEDTIME *tm = NULL;
		CMS_OtherKeyAttribute *other = NULL;
		X509_NAME *issuer = NULL;
		ASN1_INTEGER *sno = NULL;
		json_t *id = json_object();

		if (CMS_RecipientEncryptedKey_get0_id(rek, &keyid, &tm, &other,
		    &issuer, &sno) == 1) {
			if (issuer != NULL) {
				char *n = tim_cms_name(issuer);
				BIGNUM *bn = ASN1_INTEGER_to_BN(sno, NULL);
				char *hex = bn ? BN_bn2hex(bn) : NULL;

				tim_json_set_str(id, "issuer", n);
				tim_json_set_str(id, "serial", hex);
				free(n);
				OPENSSL_free(hex);
				BN_free(bn);
			} else if (keyid != NULL) {
				char hex[129];
				int len = ASN1_STRING_length(keyid);

				if (len > 64)
					len = 64;
				tim_hex(ASN1_STRING_get0_data(keyid), (size_t)len, hex);
				json_object_set_new(id, "ski", json_string(hex));
			}
		}
		json_array_append_new(ids, id);
	}
	if (json_array_size(ids) == 1) {
		json_object_update(o, json_array_get(ids, 0));
		json_decref(ids);
	} else {
		json_object_set_new(o, "keys", ids);
	}
	return o;
}

static X509_ALGOR *
algor_from(const unsigned char *p, size_t len, int implicit)
{
	unsigned char *copy;
	const unsigned char *q;
	X509_ALGOR *a;

	if (len < 2 || len > 4096)
		return NULL;
	copy = malloc(len);
	if (copy == NULL)
		return NULL;
	memcpy(copy, p, len);
	if (implicit)
		copy[0] = 0x30;
	q = copy;
	a = d2i_X509_ALGOR(NULL, &q, (long)len);
	free(copy);
	return a;
}

static json_t *
describe_pwri(const unsigned char *raw, size_t rawlen, int allow_legacy,
    int *ok, const char **why, json_t *o)
{
	struct tim_src_mem m = { raw, rawlen };
	struct tim_src src = { tim_src_mem_read, &m };
	struct tim_buf kd = TIM_BUF_INIT, ka = TIM_BUF_INIT;
	struct tim_err e;
	struct tim_ber r;
	struct tim_tl tl;
	X509_ALGOR *kdf = NULL, *kea = NULL, *kc = NULL;
	PBKDF2PARAM *pp = NULL;
	int prf = NID_hmacWithSHA1, cnid = NID_undef;
	long iter = 0;
	char buf[256];

	*ok = 0;
	*why = N_("unreadable password recipient");
	if (tim_ber_init(&r, src, &e) < 0)
		return o;
	if (tim_ber_expect(&r, &tl, 2, 3, 1, "pwri") < 0 ||
	    tim_ber_expect(&r, &tl, 0, V_ASN1_INTEGER, 0, "version") < 0 ||
	    tim_ber_skip(&r, &tl) < 0 ||
	    tim_ber_expect(&r, &tl, 2, 0, 1, "keyDerivationAlgorithm") < 0 ||
	    tim_ber_capture(&r, &tl, &kd, 4096) < 0 ||
	    tim_ber_expect(&r, &tl, 0, V_ASN1_SEQUENCE, 1, "keyEncryptionAlgorithm") < 0 ||
	    tim_ber_capture(&r, &tl, &ka, 4096) < 0)
		goto out;
	kdf = algor_from((unsigned char *)kd.buf, kd.len, 1);
	kea = algor_from((unsigned char *)ka.buf, ka.len, 0);
	if (kdf == NULL || kea == NULL || OBJ_obj2nid(kdf->algorithm) != NID_id_pbkdf2 ||
	    OBJ_obj2nid(kea->algorithm) != NID_id_alg_PWRI_KEK)
		goto out;
	pp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), kdf->parameter);
	if (pp == NULL)
		goto out;
	if (pp->prf != NULL)
		prf = OBJ_obj2nid(pp->prf->algorithm);
	iter = ASN1_INTEGER_get(pp->iter);
	if (kea->parameter != NULL && kea->parameter->type == V_ASN1_SEQUENCE) {
		const unsigned char *p = kea->parameter->value.sequence->data;

		kc = d2i_X509_ALGOR(NULL, &p, kea->parameter->value.sequence->length);
		if (kc != NULL)
			cnid = OBJ_obj2nid(kc->algorithm);
	}
	snprintf(buf, sizeof(buf), "pbkdf2 %s iterations %ld, pwri-kek %s",
	    nid_name(prf), iter, nid_name(cnid));
	json_object_set_new(o, "key_encryption", json_string(buf));
	json_object_set_new(o, "iterations", json_integer(iter));
	*ok = 1;
	*why = NULL;
	if (prf == NID_hmacWithSHA1 && allow_legacy) {
		/* openssl cms -pwri_password: no way to choose another PRF. */
		json_object_set_new(o, "legacy", json_string("pbkdf2 hmacWithSHA1"));
	} else if (prf == NID_hmacWithSHA1) {
		*ok = 0;
		*why = N_("password recipient with PBKDF2 HMAC-SHA-1 is refused (--allow-legacy opens it)");
		goto out;
	} else if (prf != NID_hmacWithSHA256 && prf != NID_hmacWithSHA384 &&
	    prf != NID_hmacWithSHA512) {
		*ok = 0;
		*why = N_("password recipient with a PBKDF2 PRF other than HMAC-SHA-2 is refused");
		goto out;
	}
	if (cnid != NID_aes_128_cbc && cnid != NID_aes_192_cbc &&
	    cnid != NID_aes_256_cbc) {
		*ok = 0;
		*why = N_("password key encryption not on the CRYPTREC list");
	} else if (iter < 10000 && allow_legacy) {
		/* openssl cms -pwri_password uses 2048. */
		snprintf(buf, sizeof(buf), "pbkdf2 %s %ld iterations", nid_name(prf), iter);
		json_object_set_new(o, "legacy", json_string(buf));
	} else if (iter < 10000) {
		*ok = 0;
		*why = N_("password recipient with fewer than 10000 PBKDF2 iterations is refused (--allow-legacy opens it)");
	}
out:
	PBKDF2PARAM_free(pp);
	X509_ALGOR_free(kdf);
	X509_ALGOR_free(kea);
	X509_ALGOR_free(kc);
	tim_buf_release(&kd);
	tim_buf_release(&ka);
	tim_ber_release(&r);
	return o;
}

json_t *
tim_cms_describe_ri(CMS_RecipientInfo *ri, const unsigned char *raw,
    size_t rawlen, int allow_legacy, int *permitted, const char **why)
{
	json_t *o = json_object();

	*permitted = 1;
	*why = NULL;
	if (o == NULL)
		return NULL;
	switch (CMS_RecipientInfo_type(ri)) {
	case CMS_RECIPINFO_TRANS:
		json_object_set_new(o, "type", json_string("ktri"));
		describe_ktri(ri, allow_legacy, permitted, why, o);
		break;
	case CMS_RECIPINFO_AGREE:
		json_object_set_new(o, "type", json_string("kari"));
		describe_kari(ri, allow_legacy, permitted, why, o);
		break;
	case CMS_RECIPINFO_PASS:
		json_object_set_new(o, "type", json_string("pwri"));
		describe_pwri(raw, rawlen, allow_legacy, permitted, why, o);
		break;
	case CMS_RECIPINFO_KEK:
		json_object_set_new(o, "type", json_string("kekri"));
		*permitted = 0;
		*why = N_("pre-shared key recipients are not supported");
		break;
	default:
		json_object_set_new(o, "type", json_string("other"));
		*permitted = 0;
		*why = N_("unknown recipient type");
	}
	json_object_set_new(o, "permitted", json_boolean(*permitted));
	if (*why != NULL)
		json_object_set_new(o, "refused", json_string(_(*why)));
	return o;
}
