/*
 * Sealing (tim-seal without -d): OpenSSL makes the RecipientInfos and the
 * content-encryption key; the content then streams through EVP in chunks
 * into a BER envelope with indefinite lengths, so memory stays the same for
 * any size. The pipeline is a chain of sinks: plaintext hash -> SignedData
 * framing (with --sign, seal_sign.c) -> encryption and envelope framing ->
 * output file; several files or a directory come in as one tar or zip
 * (seal_bundle.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "ber.h"
#include "buf.h"
#include "cms.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "seal.h"
#include "seal_impl.h"
#include "sealio.h"
#include "util.h"
#include "banned.h"

/* NIST SP 800-38D: at most 2^39 - 256 bits of plaintext under one GCM nonce. */
#define GCM_MAX	((UINT64_C(1) << 36) - 32)

int
tim_seal_sink_write(struct tim_seal_sink *s, const void *p, size_t n,
    struct tim_err *err)
{
	return s->write(s, p, n, err);
}

int
tim_seal_sink_buf(struct tim_seal_sink *s, const struct tim_buf *b,
    struct tim_err *err)
{
	if (b->failed)
		return tim_errorf(err, ENOMEM, _("cannot build the encrypted file"));
	return tim_seal_sink_write(s, b->buf, b->len, err);
}

/* The envelope file, hashed on the way out. */
struct out_sink {
	struct tim_seal_sink s;
	int fd;
	struct tim_sha256 *h;
	uint64_t n, flushed;	/* bytes written, bytes handed to writeback */
	const char *name;
	int regular;		/* a file: start its writeback as we go */
};

static int
out_write(struct tim_seal_sink *s, const unsigned char *p, size_t n, struct tim_err *err)
{
	struct out_sink *o = (struct out_sink *)s;

	if (n == 0)
		return 0;
	if (o->h != NULL)
		tim_sha256_update(o->h, p, n);
	o->n += n;
	if (tim_write_all(o->fd, p, n) < 0)
		return tim_errorf(err, errno, _("cannot write '%s'"), o->name);
	tim_seal_writeback(o->fd, o->regular, o->n, &o->flushed);
	return 0;
}

/* Encryption: plaintext in TIM_SEAL_CHUNK pieces, each an OCTET STRING of ciphertext. */
struct enc_sink {
	struct tim_seal_sink s;
	struct tim_seal_sink *next;
	EVP_CIPHER_CTX *c;
	int aead;
	unsigned char *pt, *ct;
	size_t ptlen;
	uint64_t total;
	int definite;		/* one primitive OCTET STRING of known size */
	uint64_t expect;	/* then the plaintext's size */
};

static int
enc_emit(struct enc_sink *e, const unsigned char *in, size_t n,
    struct tim_err *err)
{
	struct tim_buf h = TIM_BUF_INIT;
	int olen = 0, rc;

	if (EVP_EncryptUpdate(e->c, e->ct, &olen, in, (int)n) != 1)
		return tim_errorf(err, 0, _("encryption failed: %s"), tim_cms_ssl_error());
	if (olen == 0)
		return 0;
	if (e->definite)
		return tim_seal_sink_write(e->next, e->ct, (size_t)olen, err);
	tim_der_hdr(&h, 0, 0, V_ASN1_OCTET_STRING, olen);
	rc = tim_seal_sink_buf(e->next, &h, err);
	tim_buf_release(&h);
	if (rc < 0)
		return -1;
	return tim_seal_sink_write(e->next, e->ct, (size_t)olen, err);
}

static int
enc_write(struct tim_seal_sink *s, const unsigned char *p, size_t n, struct tim_err *err)
{
	struct enc_sink *e = (struct enc_sink *)s;
	size_t take;

	e->total += n;
	if (e->aead && e->total > GCM_MAX)
		return tim_errorf(err, 0,
		    _("more than 64 GiB cannot be encrypted with AES-GCM; split it or use --compat"));
	while (n > 0) {
		if (e->ptlen == 0 && n >= TIM_SEAL_CHUNK) {
			if (enc_emit(e, p, TIM_SEAL_CHUNK, err) < 0)
				return -1;
			p += TIM_SEAL_CHUNK;
			n -= TIM_SEAL_CHUNK;
			continue;
		}
		take = TIM_SEAL_CHUNK - e->ptlen;
		if (take > n)
			take = n;
		memcpy(e->pt + e->ptlen, p, take);
		e->ptlen += take;
		p += take;
		n -= take;
		if (e->ptlen == TIM_SEAL_CHUNK) {
			if (enc_emit(e, e->pt, TIM_SEAL_CHUNK, err) < 0)
				return -1;
			e->ptlen = 0;
		}
	}
	return 0;
}

static int
enc_finish(struct tim_seal_sink *s, struct tim_err *err)
{
	struct enc_sink *e = (struct enc_sink *)s;
	struct tim_buf b = TIM_BUF_INIT;
	unsigned char tag[16];
	int olen = 0, rc;

	if (e->ptlen > 0 && enc_emit(e, e->pt, e->ptlen, err) < 0)
		return -1;
	e->ptlen = 0;
	if (EVP_EncryptFinal_ex(e->c, e->ct, &olen) != 1)
		return tim_errorf(err, 0, _("encryption failed: %s"), tim_cms_ssl_error());
	if (e->definite && e->total != e->expect)
		return tim_errorf(err, 0, _("the input changed size while it was being encrypted"));
	if (e->definite)
		tim_buf_add(&b, e->ct, (size_t)olen);
	else if (olen > 0)
		tim_der_tlv(&b, 0, 0, V_ASN1_OCTET_STRING, e->ct, (size_t)olen);
	if (!e->definite)
		tim_der_eoc(&b, 2);	/* encryptedContent, encryptedContentInfo */
	if (e->aead) {
		if (EVP_CIPHER_CTX_ctrl(e->c, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1) {
			tim_buf_release(&b);
			return tim_errorf(err, 0, _("encryption failed: %s"), tim_cms_ssl_error());
		}
		tim_der_tlv(&b, 0, 0, V_ASN1_OCTET_STRING, tag, 16);
	}
	if (!e->definite)
		tim_der_eoc(&b, 3);	/* envelope, [0], ContentInfo */
	rc = tim_seal_sink_buf(e->next, &b, err);
	tim_buf_release(&b);
	return rc;
}

/* The plaintext's hash and size, on the way in. */
struct hash_sink {
	struct tim_seal_sink s;
	struct tim_seal_sink *next;
	struct tim_sha256 *h;
	uint64_t n;
};

static int
hash_write(struct tim_seal_sink *s, const unsigned char *p, size_t n, struct tim_err *err)
{
	struct hash_sink *h = (struct hash_sink *)s;

	if (h->h != NULL)
		tim_sha256_update(h->h, p, n);
	h->n += n;
	return tim_seal_sink_write(h->next, p, n, err);
}

static int
hash_finish(struct tim_seal_sink *s, struct tim_err *err)
{
	struct hash_sink *h = (struct hash_sink *)s;

	return h->next->finish(h->next, err);
}

static int
pass_finish(struct tim_seal_sink *s, struct tim_err *err)
{
	(void)s;
	(void)err;
	return 0;
}


static int
copy_fd(int fd, const char *name, struct tim_seal_sink *s, struct tim_err *err)
{
	unsigned char *buf = malloc(TIM_SEAL_CHUNK);
	ssize_t n;
	int rc = 0;

	if (buf == NULL)
		return tim_errorf(err, ENOMEM, _("cannot read '%s'"), name);
	for (;;) {
		n = read(fd, buf, TIM_SEAL_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = tim_errorf(err, errno, _("cannot read '%s'"), name);
			break;
		}
		if (n == 0)
			break;
		if (tim_seal_sink_write(s, buf, (size_t)n, err) < 0) {
			rc = -1;
			break;
		}
	}
	free(buf);
	return rc;
}

int
tim_seal_bundle_for(char *const *files, size_t nfiles, int bundle)
{
	int dirfd;

	if (nfiles > 1 && bundle == TIM_SEAL_BUNDLE_NONE)
		bundle = TIM_SEAL_BUNDLE_TAR;
	if (bundle == TIM_SEAL_BUNDLE_NONE && nfiles > 0 &&
	    strcmp(files[0], "-") != 0) {
		dirfd = open(files[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd >= 0) {
			bundle = TIM_SEAL_BUNDLE_TAR;
			close(dirfd);
		}
	}
	return bundle;
}

/* The length of path's folder part ("a/b/c" -> 3, "c" -> 0), trailing '/' ignored. */
static size_t
folder_len(const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n > 0 && path[n - 1] != '/')
		n--;
	while (n > 1 && path[n - 1] == '/')
		n--;
	return n;
}

/*
 * Several files: named after the folder they have in common ("a/b/x.c a/b/y.c"
 * -> "a/b.tar.p7m"), or after the current folder when that is all they
 * share, never after the first file alone.
 */
/* The name of folder f ("." or ".." resolved) for an envelope in the current folder. */
static int
resolved_name(const char *f, struct tim_buf *b)
{
	char *real = realpath(f, NULL);
	const char *base;

	if (real == NULL)
		return -1;
	base = strrchr(real, '/');
	tim_buf_adds(b, base && base[1] ? base + 1 : "bundle");
	free(real);
	return 0;
}

/* "." or ".." as the last component, or empty. */
static int
dotty(const char *p, size_t n)
{
	size_t k = n;

	while (k > 0 && p[k - 1] != '/')
		k--;
	return n == 0 || (n - k == 1 && p[k] == '.') ||
	    (n - k == 2 && p[k] == '.' && p[k + 1] == '.');
}

/*
 * Several files: named after the folder they have in common ("a/b/x.c a/b/y.c"
 * -> "a/b.tar.p7m"), or, when that is "." or "..", after its real name in
 * the current folder; never after the first file alone.
 */
static int
common_name(char *const *files, size_t nfiles, struct tim_buf *b)
{
	size_t i, n = folder_len(files[0]), k;
	char *f;
	int rc;

	for (i = 1; i < nfiles; i++) {
		k = folder_len(files[i]);
		if (k < n)
			n = k;
		for (k = 0; k < n && files[i][k] == files[0][k]; k++)
			;
		n = k;
	}
	/* back to a whole component */
	while (n > 0 && files[0][n] != '/' && files[0][n] != '\0')
		n--;
	if (n == 0 && files[0][0] == '/')
		n = 1;
	if (!dotty(files[0], n) && !(n == 1 && files[0][0] == '/')) {
		tim_buf_add(b, files[0], n);
		return 0;
	}
	f = n ? strndup(files[0], n) : strdup(".");
	if (f == NULL)
		return -1;
	rc = resolved_name(f, b);
	free(f);
	return rc;
}

char *
tim_seal_default_out(char *const *files, size_t nfiles, int bundle)
{
	struct tim_buf b = TIM_BUF_INIT;
	size_t n = strlen(files[0]);

	if (nfiles > 1) {
		if (common_name(files, nfiles, &b) < 0) {
			tim_buf_release(&b);
			return NULL;
		}
	} else {
		while (n > 1 && files[0][n - 1] == '/')
			n--;
		if (dotty(files[0], n)) {
			if (resolved_name(files[0], &b) < 0) {
				tim_buf_release(&b);
				return NULL;
			}
		} else {
			tim_buf_add(&b, files[0], n);
		}
	}
	if (bundle == TIM_SEAL_BUNDLE_TAR)
		tim_buf_adds(&b, ".tar");
	else if (bundle == TIM_SEAL_BUNDLE_ZIP)
		tim_buf_adds(&b, ".zip");
	tim_buf_adds(&b, ".p7m");
	if (b.failed) {
		tim_buf_release(&b);
		return NULL;
	}
	return tim_buf_detach(&b, NULL);
}

static int
load_recipients(const struct tim_seal_opts *o, struct tim_seal_state *st,
    struct tim_err *err)
{
	json_t *arr = json_array();
	size_t i;

	json_object_set_new(st->info, "recipients", arr);
	st->certs = calloc(o->ncerts + 1, sizeof(*st->certs));
	if (st->certs == NULL)
		return tim_errorf(err, ENOMEM, _("cannot load certificates"));
	for (i = 0; i < o->ncerts; i++) {
		char fp[65], *subj;
		EVP_PKEY *k;

		if (tim_cms_load_cert(o->certs[i], &st->certs[i], err) < 0 ||
		    tim_cms_check_recipient(st->certs[i], o->certs[i],
		    o->allow_expired, err) < 0)
			return -1;
		k = X509_get0_pubkey(st->certs[i]);
		tim_cms_fingerprint(st->certs[i], fp);
		subj = tim_cms_name(X509_get_subject_name(st->certs[i]));
		json_array_append_new(arr, json_pack("{s:s, s:s?, s:s, s:s}",
		    "cert", o->certs[i], "subject", subj, "sha256", fp,
		    "key_encryption", EVP_PKEY_is_a(k, "RSA") ?
		    "rsaes-oaep sha256 mgf1-sha256" :
		    "dhSinglePass-stdDH-sha256kdf-scheme id-aes256-wrap"));
		free(subj);
	}
	if (o->password != NULL)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "password", "yes",
		    "key_encryption", "pbkdf2 hmacWithSHA256, pwri-kek aes-256-cbc"));
	return 0;
}

/* RecipientInfos and the content key, made by OpenSSL (see cms.h). */
static int
make_recipients(const struct tim_seal_opts *o, struct tim_seal_state *st,
    struct tim_err *err)
{
	unsigned char kek[32], *der = NULL;
	BIO *empty = NULL;
	size_t i;
	int n, rc = -1;

	st->cms = o->compat ? CMS_EnvelopedData_create(EVP_aes_256_cbc()) :
	    CMS_AuthEnvelopedData_create(EVP_aes_256_gcm());
	if (st->cms == NULL)
		return tim_errorf(err, 0, _("cannot make the encrypted file: %s"), tim_cms_ssl_error());
	for (i = 0; i < o->ncerts; i++)
		if (tim_cms_add_recipient(st->cms, st->certs[i], err) < 0)
			goto out;
	if (tim_cms_add_transfer(st->cms, kek, err) == NULL)
		goto out;
	empty = BIO_new(BIO_s_mem());
	if (empty == NULL || CMS_final(st->cms, empty, NULL, CMS_BINARY) != 1 ||
	    (n = i2d_CMS_ContentInfo(st->cms, &der)) <= 0) {
		tim_errorf(err, 0, _("cannot make the encrypted file: %s"), tim_cms_ssl_error());
		goto out;
	}
	if (tim_cms_take_cek(der, (size_t)n, kek, st->cek, &st->ceklen, &st->ris,
	    err) < 0)
		goto out;
	if (st->ceklen != 32) {
		tim_errorf(err, 0, _("cannot make the encrypted file: %s"), "key length");
		goto out;
	}
	if (o->password != NULL && tim_cms_pwri(&st->ris, st->cek, st->ceklen,
	    o->password, o->passlen, o->iterations ? o->iterations :
	    TIM_SEAL_ITERATIONS, err) < 0)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_free(der);
	BIO_free(empty);
	return rc;
}


/*
 * EnvelopedData's version (RFC 5652 6.1): 3 with a password recipient, 2
 * with a key agreement one, else 0 (key transport by issuer and serial).
 * AuthEnvelopedData is always 0.
 */
static int
env_version(const struct tim_seal_opts *o, const struct tim_seal_state *st)
{
	size_t i;

	if (o->password != NULL)
		return 3;
	for (i = 0; i < o->ncerts; i++)
		if (EVP_PKEY_is_a(X509_get0_pubkey(st->certs[i]), "EC"))
			return 2;
	return 0;
}

/* Bytes a DER header for a value of len bytes takes (tags below 31). */
static int64_t
hdr_size(int64_t len)
{
	int64_t n = 2;

	if (len >= 0x80)
		for (; len > 0; len >>= 8)
			n++;
	return n;
}

/*
 * The envelope up to the first content byte. With the plaintext's size
 * known (one regular file, not signed) every length is known too and the
 * envelope is DER; otherwise it is BER with indefinite lengths and the
 * content in chunks, as streaming encoders make it.
 */
static int
envelope_head(const struct tim_seal_opts *o, struct tim_seal_state *st,
    int64_t size, struct tim_buf *b, struct tim_err *err)
{
	struct tim_buf alg = TIM_BUF_INIT, par = TIM_BUF_INIT, ver = TIM_BUF_INIT,
	    oid = TIM_BUF_INIT, ctype = TIM_BUF_INIT;
	int64_t ct = -1, eci = -1, env = -1, c0 = -1, ci = -1;
	unsigned char iv[16];
	size_t ivlen = o->compat ? 16 : 12;
	int version = 0;

	if (RAND_bytes(iv, (int)ivlen) != 1)
		return tim_errorf(err, 0, _("cannot make a nonce"));
	st->c = EVP_CIPHER_CTX_new();
	if (st->c == NULL || EVP_EncryptInit_ex(st->c, o->compat ? EVP_aes_256_cbc() :
	    EVP_aes_256_gcm(), NULL, st->cek, iv) != 1)
		return tim_errorf(err, 0, _("encryption failed: %s"), tim_cms_ssl_error());
	if (o->compat) {
		tim_cms_der_oid(&alg, NID_aes_256_cbc);
		tim_der_tlv(&alg, 0, 0, V_ASN1_OCTET_STRING, iv, ivlen);
		version = env_version(o, st);
	} else {
		tim_cms_der_oid(&alg, NID_aes_256_gcm);
		tim_der_tlv(&par, 0, 0, V_ASN1_OCTET_STRING, iv, ivlen);
		tim_cms_der_uint(&par, 16);
		tim_der_tlv(&alg, 0, 1, V_ASN1_SEQUENCE, par.buf, par.len);
	}
	tim_cms_der_uint(&ver, (uint64_t)version);
	tim_cms_der_oid(&oid, o->compat ? NID_pkcs7_enveloped :
	    NID_id_smime_ct_authEnvelopedData);
	tim_cms_der_oid(&ctype, NID_pkcs7_data);
	if (size >= 0) {
		ct = o->compat ? (size / 16 + 1) * 16 : size;
		eci = (int64_t)ctype.len + hdr_size((int64_t)alg.len) + (int64_t)alg.len +
		    hdr_size(ct) + ct;
		env = (int64_t)ver.len + hdr_size((int64_t)st->ris.len) +
		    (int64_t)st->ris.len + hdr_size(eci) + eci + (o->compat ? 0 : 18);
		c0 = hdr_size(env) + env;
		ci = (int64_t)oid.len + hdr_size(c0) + c0;
	}
	tim_der_hdr(b, 0, 1, V_ASN1_SEQUENCE, ci);
	tim_buf_add(b, oid.buf, oid.len);
	tim_der_hdr(b, 2, 1, 0, c0);
	tim_der_hdr(b, 0, 1, V_ASN1_SEQUENCE, env);
	tim_buf_add(b, ver.buf, ver.len);
	tim_der_tlv(b, 0, 1, V_ASN1_SET, st->ris.buf, st->ris.len);
	tim_der_hdr(b, 0, 1, V_ASN1_SEQUENCE, eci);
	tim_buf_add(b, ctype.buf, ctype.len);
	tim_der_tlv(b, 0, 1, V_ASN1_SEQUENCE, alg.buf, alg.len);
	/* [0] IMPLICIT OCTET STRING: primitive with a size, else in chunks. */
	tim_der_hdr(b, 2, size < 0, 0, ct);
	tim_buf_release(&alg);
	tim_buf_release(&par);
	tim_buf_release(&ver);
	tim_buf_release(&oid);
	tim_buf_release(&ctype);
	OPENSSL_cleanse(iv, sizeof(iv));
	if (b->failed)
		return tim_errorf(err, ENOMEM, _("cannot build the encrypted file"));
	json_object_set_new(st->info, "content_encryption",
	    json_string(o->compat ? "aes-256-cbc" : "aes-256-gcm"));
	json_object_set_new(st->info, "type", json_string(o->compat ?
	    "envelopedData" : "authEnvelopedData"));
	return 0;
}

static void
seal_state_release(struct tim_seal_state *st, size_t ncerts)
{
	size_t i;

	if (st->certs != NULL)
		for (i = 0; i < ncerts; i++)
			X509_free(st->certs[i]);
	free(st->certs);
	X509_free(st->signer);
	EVP_PKEY_free(st->skey);
	CMS_ContentInfo_free(st->cms);
	CMS_ContentInfo_free(st->sd);
	EVP_CIPHER_CTX_free(st->c);
	OPENSSL_cleanse(st->cek, sizeof(st->cek));
	tim_buf_release(&st->ris);
}

static int
check_inputs(const struct tim_seal_opts *o, char *const *files, size_t nfiles,
    int *bundle, struct tim_err *err)
{
	struct stat sb;
	size_t i;

	if (nfiles == 0)
		return tim_invalidf(err, _("nothing to encrypt"));
	if (o->ncerts == 0 && o->password == NULL)
		return tim_invalidf(err, _("give a recipient (-r CERT) or a password"));
	/* The opener keeps at most 256 RecipientInfos (seal_recipients.c). */
	if (o->ncerts + (o->password != NULL) > 256)
		return tim_invalidf(err, _("at most 256 recipients"));
	if ((o->sign_key == NULL) != (o->signer_cert == NULL))
		return tim_invalidf(err, _("--sign and --signer go together"));
	*bundle = o->bundle;
	for (i = 0; i < nfiles; i++) {
		if (strcmp(files[i], "-") == 0) {
			if (nfiles > 1 || o->bundle)
				return tim_invalidf(err, _("'-' cannot be bundled with other files"));
			return 0;
		}
		if (stat(files[i], &sb) < 0)
			return tim_errorf(err, errno, _("cannot read '%s'"), files[i]);
		if (S_ISDIR(sb.st_mode) && *bundle == TIM_SEAL_BUNDLE_NONE)
			*bundle = TIM_SEAL_BUNDLE_TAR;
	}
	if (nfiles > 1 && *bundle == TIM_SEAL_BUNDLE_NONE)
		*bundle = TIM_SEAL_BUNDLE_TAR;
	return 0;
}

/* One seal's pipeline: plaintext hash -> signing (--sign) -> encryption -> file. */
struct pipeline {
	struct tim_tmpfile tmp;
	struct out_sink os;
	struct enc_sink es;
	struct tim_seal_sign_sink gs;
	struct hash_sink hs;
	int to_stdout;
	size_t nfiles;		/* regular files in a bundle */
};

/* A single file is opened first; its size, unless signed, makes the envelope DER. */
static int
open_single(const struct tim_seal_opts *o, const char *file, int *fd,
    int64_t *size, struct tim_err *err)
{
	struct stat sb;

	*fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (*fd < 0 || fstat(*fd, &sb) < 0)
		return tim_errorf(err, errno, _("cannot open '%s'"), file);
	if (S_ISREG(sb.st_mode) && o->sign_key == NULL)
		*size = (int64_t)sb.st_size;
	return 0;
}

/* The output, and the hashes when someone asked for them. */
static int
pipe_out(struct pipeline *p, const struct tim_seal_opts *o, const char *out,
    struct tim_err *err)
{
	p->to_stdout = strcmp(out, "-") == 0;
	if (p->to_stdout) {
		p->os.fd = STDOUT_FILENO;
	} else {
		p->tmp.replace = o->force;
		if (tim_tmpfile_open(&p->tmp, out, err) < 0)
			return -1;
		p->os.fd = p->tmp.fd;
		p->os.regular = 1;
	}
	p->os.s.write = out_write;
	p->os.s.finish = pass_finish;
	p->os.name = out;
	/* Hashing costs more than AES-GCM: only when someone asked for it. */
	if (o->hashes) {
		p->os.h = tim_sha256_new();
		p->hs.h = tim_sha256_new();
		if (p->os.h == NULL || p->hs.h == NULL)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		tim_sha256_init(p->os.h);
		tim_sha256_init(p->hs.h);
	}
	return 0;
}

static int
pipe_open(struct pipeline *p, const struct tim_seal_opts *o,
    struct tim_seal_state *st, const char *out, int64_t size,
    struct tim_err *err)
{
	if (pipe_out(p, o, out, err) < 0)
		return -1;
	p->es.s.write = enc_write;
	p->es.s.finish = enc_finish;
	p->es.next = &p->os.s;
	p->es.c = st->c;
	p->es.aead = !o->compat;
	p->es.definite = size >= 0;
	p->es.expect = size >= 0 ? (uint64_t)size : 0;
	p->es.pt = malloc(TIM_SEAL_CHUNK);
	p->es.ct = malloc(TIM_SEAL_CHUNK + 64);
	p->hs.s.write = hash_write;
	p->hs.s.finish = hash_finish;
	p->hs.next = &p->es.s;
	if (p->es.pt == NULL || p->es.ct == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (st->sd != NULL) {
		tim_seal_sign_sink_init(&p->gs, st->sd, &p->es.s);
		p->hs.next = &p->gs.s;
	}
	return 0;
}

/* The envelope's head, then the content through the pipeline, then its end. */
static int
pipe_run(struct pipeline *p, const struct tim_buf *head, char *const *files,
    size_t nfiles, int bundle, int fd, struct tim_err *err)
{
	if (tim_seal_sink_buf(&p->os.s, head, err) < 0)
		return -1;
	if (p->gs.sd != NULL && tim_seal_sign_start(&p->gs, err) < 0)
		return -1;
	if (bundle) {
		if (tim_seal_write_bundle(files, nfiles, bundle == TIM_SEAL_BUNDLE_ZIP,
		    &p->hs.s, &p->nfiles, err) < 0)
			return -1;
	} else if (strcmp(files[0], "-") == 0) {
		if (copy_fd(STDIN_FILENO, _("standard input"), &p->hs.s, err) < 0)
			return -1;
	} else if (copy_fd(fd, files[0], &p->hs.s, err) < 0) {
		return -1;
	}
	return p->hs.s.finish(&p->hs.s, err);
}

static int
pipe_commit(struct pipeline *p, struct tim_err *err)
{
	mode_t mask;

	if (p->to_stdout)
		return 0;
	mask = umask(0);
	umask(mask);
	return tim_tmpfile_commit(&p->tmp, 0666 & ~mask, err);
}

static void
describe_seal(json_t *info, struct pipeline *p, const char *out, int bundle)
{
	unsigned char md[32];
	char hex[65];

	if (p->hs.h != NULL) {
		tim_sha256_final(p->hs.h, md);
		tim_hex(md, 32, hex);
		json_object_set_new(info, "plaintext_sha256", json_string(hex));
		tim_sha256_final(p->os.h, md);
		tim_hex(md, 32, hex);
		json_object_set_new(info, "envelope_sha256", json_string(hex));
	}
	json_object_set_new(info, "plaintext_size", json_integer((json_int_t)p->hs.n));
	json_object_set_new(info, "envelope", json_string(out));
	json_object_set_new(info, "envelope_size", json_integer((json_int_t)p->os.n));
	json_object_set_new(info, "bundle", json_string(bundle == TIM_SEAL_BUNDLE_TAR ?
	    "tar" : bundle == TIM_SEAL_BUNDLE_ZIP ? "zip" : "none"));
	json_object_set_new(info, "files", json_integer(bundle ? (json_int_t)p->nfiles : 1));
}

static void
pipe_release(struct pipeline *p, int failed)
{
	if (failed)
		tim_tmpfile_discard(&p->tmp);
	tim_seal_sign_sink_release(&p->gs);
	tim_sha256_free(p->os.h);
	tim_sha256_free(p->hs.h);
	if (p->es.pt != NULL)
		OPENSSL_cleanse(p->es.pt, TIM_SEAL_CHUNK);
	free(p->es.pt);
	free(p->es.ct);
}

int
tim_seal(const struct tim_seal_opts *o, char *const *files, size_t nfiles,
    const char *out, json_t **info, struct tim_err *err)
{
	struct tim_seal_state st;
	struct pipeline p;
	struct tim_buf head = TIM_BUF_INIT;
	int bundle = 0, fd = -1, rc = -1;
	int64_t size = -1;

	memset(&st, 0, sizeof(st));
	memset(&p, 0, sizeof(p));
	p.tmp.fd = -1;
	*info = NULL;
	if (check_inputs(o, files, nfiles, &bundle, err) < 0)
		return -1;
	st.info = json_object();
	if (st.info == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (!bundle && strcmp(files[0], "-") != 0 &&
	    open_single(o, files[0], &fd, &size, err) < 0)
		goto out;
	if (load_recipients(o, &st, err) < 0 ||
	    (o->sign_key != NULL && tim_seal_make_signer(o, &st, err) < 0) ||
	    make_recipients(o, &st, err) < 0 ||
	    envelope_head(o, &st, size, &head, err) < 0 ||
	    pipe_open(&p, o, &st, out, size, err) < 0 ||
	    pipe_run(&p, &head, files, nfiles, bundle, fd, err) < 0 ||
	    pipe_commit(&p, err) < 0)
		goto out;
	describe_seal(st.info, &p, out, bundle);
	*info = st.info;
	st.info = NULL;
	rc = 0;
out:
	pipe_release(&p, rc < 0);
	if (fd >= 0)
		close(fd);
	tim_buf_release(&head);
	json_decref(st.info);
	seal_state_release(&st, o->ncerts);
	return rc;
}
