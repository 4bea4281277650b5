/*
 * The envelope's structure, read as a stream (ber.c): the head up to the
 * first encrypted byte (tim_seal_head_parse), the content algorithm and its
 * parameters, and the trailer after the content (the GCM tag, attributes,
 * the closing ends). Used by open and inspect.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ber.h"
#include "buf.h"
#include "cms.h"
#include "err.h"
#include "i18n.h"
#include "seal.h"
#include "seal_impl.h"
#include "banned.h"

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

int
tim_seal_oid_nid(const struct tim_buf *b)
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
		return tim_failf(err, _("malformed encrypted file: %s"), "GCMParameters");
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
		tim_failf(err, _("malformed encrypted file: %s"), "aes-nonce");
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
			tim_failf(err, _("malformed encrypted file: %s"), "aes-ICVlen");
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
		return tim_failf(err, _("malformed encrypted file: %s"), "contentEncryptionAlgorithm");
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
			rc = tim_failf(err, _("malformed encrypted file: %s"), "CBC IV");
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

/*
 * The version field: AuthEnvelopedData is always 0 (RFC 5083);
 * EnvelopedData 0, 2, 3 or 4 (RFC 5652 6.1). Anything else is not an
 * envelope any implementation made.
 */
static int
check_version(const struct tim_seal_head *h, struct tim_err *err)
{
	const unsigned char *v = (const unsigned char *)h->version.buf;
	int n = -1;

	if (h->version.len == 3 && v[0] == V_ASN1_INTEGER && v[1] == 1)
		n = v[2];
	if (h->aead ? n == 0 : (n == 0 || n == 2 || n == 3 || n == 4))
		return 0;
	return tim_failf(err, _("malformed encrypted file: %s"), _("wrong version field"));
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
	if (tim_ber_expect(r, &tl, 0, V_ASN1_SEQUENCE, 1, _("not a CMS encrypted file")) < 0)
		goto fail;
	tim_ber_enter(r, &tl, &h->fci);
	if (tim_ber_expect(r, &tl, 0, V_ASN1_OBJECT, 0, "contentType") < 0 ||
	    tim_ber_capture(r, &tl, &oid, 256) < 0)
		goto fail;
	h->outer_nid = tim_seal_oid_nid(&oid);
	if (h->outer_nid == NID_id_smime_ct_authEnvelopedData)
		h->aead = 1;
	else if (h->outer_nid != NID_pkcs7_enveloped) {
		tim_failf(err, _("not a CMS encrypted file (content type %s)"),
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
	if (check_version(h, err) < 0)
		goto fail;
	if (tl.cls == 2 && tl.tag == 0 && tl.cons) {
		if (tim_ber_capture(r, &tl, &h->originator, TIM_CMS_MAX_RECIPINFOS) < 0 ||
		    tim_ber_next(r, &tl) < 0)
			goto fail;
	}
	if (tl.cls != 0 || tl.tag != V_ASN1_SET || !tl.cons) {
		tim_failf(err, _("malformed encrypted file: %s"), "recipientInfos");
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
	h->ctype_nid = tim_seal_oid_nid(&h->ctype);
	st = tim_ber_at_end(r, &h->feci);
	if (st < 0)
		goto fail;
	if (st) {
		tim_failf(err, _("the encrypted file holds no content (detached content is not supported)"));
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

/* After the content: the MAC (AuthEnvelopedData), attributes, the ends. */
int
tim_seal_trailer(struct tim_ber *r, struct tim_seal_head *h,
    unsigned char *tag, struct tim_err *err)
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
			return tim_failf(err, _("malformed encrypted file: %s"), "mac");
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
			return tim_failf(err, _("malformed encrypted file: %s"), "attributes");
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
		return tim_failf(err, _("malformed encrypted file: %s"), _("data after the end"));
	return 0;
}

const char *
tim_seal_short_name(int nid)
{
	switch (nid) {
	case NID_pkcs7_data: return "data";
	case NID_pkcs7_signed: return "signedData";
	case NID_pkcs7_enveloped: return "envelopedData";
	case NID_id_smime_ct_authEnvelopedData: return "authEnvelopedData";
	default: return nid == NID_undef ? "unknown" : OBJ_nid2sn(nid);
	}
}

void
tim_seal_describe_head(const struct tim_seal_head *h, json_t *info)
{
	json_object_set_new(info, "type",
	    json_string(tim_seal_short_name(h->outer_nid)));
	json_object_set_new(info, "content_type", json_string(tim_seal_short_name(h->ctype_nid)));
	json_object_set_new(info, "content_encryption",
	    json_string(OBJ_nid2ln(h->cipher_nid)));
	/* CBC has no tag: only a signature inside can show a change. */
	json_object_set_new(info, "authenticated", json_boolean(h->aead));
	/* id-data content may hold a signature: only opening tells. */
	if (h->ctype_nid == NID_pkcs7_signed)
		json_object_set_new(info, "signed", json_true());
}
