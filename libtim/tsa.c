/*
 * RFC 3161 time-stamp requests and responses with OpenSSL's TS API: the
 * request tim sends (SHA-256 imprint, a random nonce, certReq) and the
 * checks a response or a stored token must pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "note.h"
#include "tsa.h"
#include "util.h"
#include "banned.h"

/* The reason OpenSSL gave last, or a fallback. */
static const char *
ssl_reason(const char *fallback)
{
	unsigned long e, last = 0;
	const char *r;

	while ((e = ERR_get_error()) != 0)
		last = e;
	r = last ? ERR_reason_error_string(last) : NULL;
	return r ? r : fallback;
}

int
tim_tsa_request(const unsigned char digest[32], struct tim_tsa_req *req,
    struct tim_buf *der, struct tim_err *err)
{
	TS_REQ *q = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	unsigned char *p = NULL;
	int n, r = -1;

	memset(req, 0, sizeof(*req));
	memcpy(req->digest, digest, 32);
	req->nonce_len = 8;
	if (RAND_bytes(req->nonce, (int)req->nonce_len) != 1)
		goto out;
	req->nonce[0] |= 0x01;	/* never a short integer: all 8 bytes count */
	req->nonce[0] &= 0x7f;
	if (!q || !mi || !alg ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) ||
	    !TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)digest, 32) ||
	    !TS_REQ_set_version(q, 1) || !TS_REQ_set_msg_imprint(q, mi) ||
	    (bn = BN_bin2bn(req->nonce, (int)req->nonce_len, NULL)) == NULL ||
	    (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    !TS_REQ_set_nonce(q, nonce) || !TS_REQ_set_cert_req(q, 1) ||
	    (n = i2d_TS_REQ(q, &p)) <= 0)
		goto out;
	r = tim_buf_add(der, p, (size_t)n);
out:
	if (r < 0)
		tim_errorf(err, 0, _("cannot build the time-stamp request: %s"),
		    ssl_reason("OpenSSL"));
	OPENSSL_free(p);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(q);
	return r;
}

static int
sha256_imprint(TS_TST_INFO *tst, unsigned char digest[32])
{
	TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
	X509_ALGOR *alg = mi ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
	ASN1_OCTET_STRING *h = mi ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
	const ASN1_OBJECT *obj = NULL;

	if (alg == NULL || h == NULL)
		return -1;
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	if (obj == NULL || OBJ_obj2nid(obj) != NID_sha256 ||
	    ASN1_STRING_length(h) != 32)
		return -1;
	memcpy(digest, ASN1_STRING_get0_data(h), 32);
	return 0;
}

int
tim_tsa_imprint(const unsigned char *der, size_t len, unsigned char digest[32],
    struct tim_err *err)
{
	const unsigned char *p = der;
	TS_RESP *resp;
	TS_TST_INFO *tst;
	int r = -1;

	if (len > TIM_TSA_RESP_MAX || (resp = d2i_TS_RESP(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		ERR_clear_error();
		return tim_failf(err, _("not an RFC 3161 time-stamp response"));
	}
	tst = TS_RESP_get_tst_info(resp);
	if (tst == NULL || sha256_imprint(tst, digest) < 0)
		tim_failf(err, _("the time-stamp token has no SHA-256 imprint"));
	else
		r = 0;
	TS_RESP_free(resp);
	return r;
}

static void
fill_info(TS_RESP *resp, struct tim_tsa_info *info)
{
	TS_TST_INFO *tst = TS_RESP_get_tst_info(resp);
	PKCS7 *token = TS_RESP_get_token(resp);
	const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(tst);
	const ASN1_INTEGER *serial = TS_TST_INFO_get_serial(tst);
	STACK_OF(X509) *signers;
	struct tm tm;
	BIGNUM *bn;
	char *hex;

	memset(&tm, 0, sizeof(tm));
	if (gt && ASN1_TIME_to_tm(gt, &tm) == 1)
		info->gen_time = timegm(&tm);
	if (serial && (bn = ASN1_INTEGER_to_BN(serial, NULL)) != NULL) {
		if ((hex = BN_bn2hex(bn)) != NULL) {
			snprintf(info->serial, sizeof(info->serial), "%s", hex);
			OPENSSL_free(hex);
		}
		BN_free(bn);
	}
	signers = token ? PKCS7_get0_signers(token, NULL, 0) : NULL;
	if (signers && sk_X509_num(signers) > 0)
		X509_NAME_oneline(X509_get_subject_name(sk_X509_value(signers, 0)),
		    info->tsa, sizeof(info->tsa));
	sk_X509_free(signers);
	ERR_clear_error();
}

static int
nonce_check(TS_TST_INFO *tst, const struct tim_tsa_req *req)
{
	const ASN1_INTEGER *got = TS_TST_INFO_get_nonce(tst);
	BIGNUM *bn = BN_bin2bn(req->nonce, (int)req->nonce_len, NULL);
	ASN1_INTEGER *want = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	int r = got && want && ASN1_INTEGER_cmp(got, want) == 0 ? 0 : -1;

	ASN1_INTEGER_free(want);
	BN_free(bn);
	return r;
}

int
tim_tsa_verify(const unsigned char *der, size_t len, const struct tim_tsa_req *req,
    const unsigned char digest[32], const char *cafile, struct tim_tsa_info *info,
    struct tim_err *err)
{
	const unsigned char *p = der;
	TS_VERIFY_CTX *ctx = NULL;
	X509_STORE *store = NULL;
	TS_RESP *resp = NULL;
	unsigned char *imp;
	int flags = TS_VFY_VERSION | TS_VFY_IMPRINT, r = -1;

	memset(info, 0, sizeof(*info));
	ERR_clear_error();
	if (len > TIM_TSA_RESP_MAX || (resp = d2i_TS_RESP(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		ERR_clear_error();
		tim_failf(err, _("not an RFC 3161 time-stamp response"));
		goto out;
	}
	if ((ctx = TS_VERIFY_CTX_new()) == NULL ||
	    (imp = OPENSSL_memdup(digest, 32)) == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	TS_VERIFY_CTX_set_imprint(ctx, imp, 32);
	if (cafile) {
		if ((store = X509_STORE_new()) == NULL ||
		    X509_STORE_load_file(store, cafile) != 1) {
			X509_STORE_free(store);
			tim_errorf(err, 0, _("cannot read certificate '%s': %s"), cafile,
			    ssl_reason("not a PEM certificate"));
			goto out;
		}
		/* The TSA's own certificate may be the trust anchor. */
		X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
		TS_VERIFY_CTX_set_store(ctx, store);
		flags |= TS_VFY_SIGNATURE;
	}
	TS_VERIFY_CTX_set_flags(ctx, flags);
	if (TS_RESP_verify_response(ctx, resp) != 1) {
		tim_failf(err, _("the time-stamp response does not verify: %s"),
		    ssl_reason("refused"));
		goto out;
	}
	{
		unsigned char d[32];

		if (sha256_imprint(TS_RESP_get_tst_info(resp), d) < 0) {
			tim_failf(err, _("the time-stamp token has no SHA-256 imprint"));
			goto out;
		}
		memcpy(info->digest, d, 32);
	}
	/* OpenSSL 3.0 has no setter for the nonce: compared here. */
	if (req && nonce_check(TS_RESP_get_tst_info(resp), req) < 0) {
		tim_failf(err, _("the time-stamp response does not verify: %s"),
		    _("its nonce is not the one sent (a replayed answer)"));
		goto out;
	}
	fill_info(resp, info);
	r = 0;
out:
	TS_VERIFY_CTX_free(ctx);
	TS_RESP_free(resp);
	ERR_clear_error();
	return r;
}

int
tim_tsa_checkpoint_digest(const struct tim_checkpoint *cp, unsigned char d[32])
{
	struct tim_buf b = TIM_BUF_INIT;
	int r;

	tim_buf_add(&b, cp->text, cp->text_len);
	tim_buf_addch(&b, '\n');
	tim_buf_add(&b, cp->sigs, cp->sigs_len);
	r = b.failed ? -1 : tim_sha256(b.buf, b.len, d);
	tim_buf_release(&b);
	return r;
}

char *
tim_tsa_stamps_dir(const char *ledger)
{
	struct tim_buf b = TIM_BUF_INIT;

	tim_buf_addf(&b, "%s.stamps", ledger);
	if (b.failed) {
		tim_buf_release(&b);
		return NULL;
	}
	return tim_buf_detach(&b, NULL);
}

int
tim_tsa_store(const char *ledger, uint64_t size, const unsigned char d[32],
    const struct tim_buf *der, struct tim_buf *name, struct tim_err *err)
{
	char *dir = tim_tsa_stamps_dir(ledger);
	char hex[17];
	struct stat st;
	int i, r = -1;

	if (dir == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		tim_errorf(err, errno, _("cannot create '%s'"), dir);
		goto out;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		tim_errorf(err, 0, _("'%s' is not a folder"), dir);
		goto out;
	}
	tim_hex(d, 8, hex);
	for (i = 1; i < 100; i++) {
		tim_buf_reset(name);
		if (i == 1)
			tim_buf_addf(name, "%s/%llu-%s.tsr", dir, (unsigned long long)size, hex);
		else
			tim_buf_addf(name, "%s/%llu-%s-%d.tsr", dir, (unsigned long long)size, hex, i);
		tim_err_clear(err);
		if (tim_write_new_file(name->buf, 0644, der->buf, der->len, err) == 0) {
			r = 0;
			break;
		}
		if (err->errnum != EEXIST)
			break;
	}
out:
	free(dir);
	return r;
}

static int
is_token_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 4 && strcmp(s + n - 4, ".tsr") == 0;
}

/* One stored token: read, its checkpoint found by imprint, verified. */
static void
check_one(const char *dir, const char *file, const struct tim_checkpoint *cps,
    unsigned char (*dg)[32], size_t n, const char *cafile, struct tim_tsa_stored *t)
{
	struct tim_buf b = TIM_BUF_INIT, fp = TIM_BUF_INIT;
	unsigned char d[32];
	size_t k;

	tim_err_clear(t->err);
	t->file = file;
	t->ok = 0;
	tim_buf_addf(&fp, "%s/%s", dir, file);
	if (tim_read_file(fp.buf, TIM_TSA_RESP_MAX, TIM_READ_REGULAR, &b, t->err) == 0 &&
	    tim_tsa_imprint((unsigned char *)b.buf, b.len, d, t->err) == 0) {
		for (k = 0; k < n; k++)
			if (memcmp(dg[k], d, 32) == 0)
				break;
		if (k == n)
			tim_failf(t->err, _("the token is for data that is no checkpoint of this ledger"));
		else if (tim_tsa_verify((unsigned char *)b.buf, b.len, NULL, d, cafile,
		    &t->info, t->err) == 0) {
			t->ok = 1;
			t->size = cps[k].size;
		}
	}
	tim_buf_release(&b);
	tim_buf_release(&fp);
}

int
tim_tsa_check_stored(const char *ledger, const struct tim_checkpoint *cps,
    size_t n, const char *cafile, void (*fn)(const struct tim_tsa_stored *, void *),
    void *arg, struct tim_err *err)
{
	unsigned char (*dg)[32] = NULL;
	char *dir = tim_tsa_stamps_dir(ledger);
	char **names = NULL;
	size_t nn = 0, i, k;
	struct tim_tsa_stored t;
	struct tim_err terr;
	DIR *dp = NULL;
	int r = -1;

	memset(&t, 0, sizeof(t));
	t.err = &terr;
	if (dir == NULL || (n && (dg = calloc(n, sizeof(*dg))) == NULL)) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	for (k = 0; k < n; k++)
		tim_tsa_checkpoint_digest(&cps[k], dg[k]);
	dp = opendir(dir);
	if (dp == NULL && errno != ENOENT) {
		tim_errorf(err, errno, _("cannot read '%s'"), dir);
		goto out;
	}
	if (dp && tim_dir_names(dp, &names, &nn, err) < 0)
		goto out;
	for (i = 0; i < nn; i++) {
		if (!is_token_name(names[i]))
			continue;
		check_one(dir, names[i], cps, dg, n, cafile, &t);
		fn(&t, arg);
	}
	r = 0;
out:
	if (dp)
		closedir(dp);
	tim_dir_names_free(names, nn);
	free(dg);
	free(dir);
	return r;
}
