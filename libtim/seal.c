/*
 * Sealing (tim-seal without -d): OpenSSL makes the RecipientInfos and the
 * content-encryption key; the content then streams through EVP in chunks
 * into a BER envelope with indefinite lengths, so memory stays the same for
 * any size. The pipeline is a chain of sinks: plaintext hash -> SignedData
 * framing (with --sign) -> encryption and envelope framing -> output file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

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

#define CHUNK	(256 * 1024)
/* NIST SP 800-38D: at most 2^39 - 256 bits of plaintext under one GCM nonce. */
#define GCM_MAX	((UINT64_C(1) << 36) - 32)

struct sink {
	int (*write)(struct sink *, const unsigned char *, size_t, struct tim_err *);
	int (*finish)(struct sink *, struct tim_err *);
};

static int
sink_write(struct sink *s, const void *p, size_t n, struct tim_err *err)
{
	return s->write(s, p, n, err);
}

static int
sink_buf(struct sink *s, struct tim_buf *b, struct tim_err *err)
{
	if (b->failed)
		return tim_errorf(err, ENOMEM, _("cannot build the envelope"));
	return sink_write(s, b->buf, b->len, err);
}

/* The envelope file, hashed on the way out. */
struct out_sink {
	struct sink s;
	int fd;
	struct tim_sha256 *h;
	uint64_t n;
	const char *name;
};

static int
out_write(struct sink *s, const unsigned char *p, size_t n, struct tim_err *err)
{
	struct out_sink *o = (struct out_sink *)s;

	if (n == 0)
		return 0;
	if (o->h != NULL)
		tim_sha256_update(o->h, p, n);
	o->n += n;
	if (tim_write_all(o->fd, p, n) < 0)
		return tim_errorf(err, errno, _("cannot write '%s'"), o->name);
	return 0;
}

/* Encryption: plaintext in CHUNK pieces, each an OCTET STRING of ciphertext. */
struct enc_sink {
	struct sink s;
	struct sink *next;
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
		return sink_write(e->next, e->ct, (size_t)olen, err);
	tim_der_hdr(&h, 0, 0, V_ASN1_OCTET_STRING, olen);
	rc = sink_buf(e->next, &h, err);
	tim_buf_release(&h);
	if (rc < 0)
		return -1;
	return sink_write(e->next, e->ct, (size_t)olen, err);
}

static int
enc_write(struct sink *s, const unsigned char *p, size_t n, struct tim_err *err)
{
	struct enc_sink *e = (struct enc_sink *)s;
	size_t take;

	e->total += n;
	if (e->aead && e->total > GCM_MAX)
		return tim_errorf(err, 0,
		    _("more than 64 GiB cannot be sealed with AES-GCM; split it or use --compat"));
	while (n > 0) {
		if (e->ptlen == 0 && n >= CHUNK) {
			if (enc_emit(e, p, CHUNK, err) < 0)
				return -1;
			p += CHUNK;
			n -= CHUNK;
			continue;
		}
		take = CHUNK - e->ptlen;
		if (take > n)
			take = n;
		memcpy(e->pt + e->ptlen, p, take);
		e->ptlen += take;
		p += take;
		n -= take;
		if (e->ptlen == CHUNK) {
			if (enc_emit(e, e->pt, CHUNK, err) < 0)
				return -1;
			e->ptlen = 0;
		}
	}
	return 0;
}

static int
enc_finish(struct sink *s, struct tim_err *err)
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
		return tim_errorf(err, 0, _("the input changed size while it was being sealed"));
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
	rc = sink_buf(e->next, &b, err);
	tim_buf_release(&b);
	return rc;
}

/* SignedData framing: each write is one OCTET STRING piece of eContent. */
struct sign_sink {
	struct sink s;
	struct sink *next;
	CMS_ContentInfo *sd;
	BIO *chain;
	struct tim_buf pre;	/* version and digestAlgorithms as first encoded */
};

static int
sign_write(struct sink *s, const unsigned char *p, size_t n, struct tim_err *err)
{
	struct sign_sink *g = (struct sign_sink *)s;
	struct tim_buf h = TIM_BUF_INIT;
	int rc;

	if (n == 0)
		return 0;
	if (BIO_write(g->chain, p, (int)n) != (int)n)
		return tim_errorf(err, 0, _("signing failed: %s"), tim_cms_ssl_error());
	tim_der_hdr(&h, 0, 0, V_ASN1_OCTET_STRING, (int64_t)n);
	rc = sink_buf(g->next, &h, err);
	tim_buf_release(&h);
	if (rc < 0)
		return -1;
	return sink_write(g->next, p, n, err);
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

static int
sign_start(struct sign_sink *g, struct tim_err *err)
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
	tim_der_hdr(&b, 0, 1, V_ASN1_SEQUENCE, -1);
	tim_buf_add(&b, g->pre.buf, g->pre.len);
	tim_der_hdr(&b, 0, 1, V_ASN1_SEQUENCE, -1);
	tim_cms_der_oid(&b, NID_pkcs7_data);
	tim_der_hdr(&b, 2, 1, 0, -1);
	tim_der_hdr(&b, 0, 1, V_ASN1_OCTET_STRING, -1);
	rc = sink_buf(g->next, &b, err);
	tim_buf_release(&b);
	return rc;
}

static int
sign_finish(struct sink *s, struct tim_err *err)
{
	struct sign_sink *g = (struct sign_sink *)s;
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
	tim_der_eoc(&b, 1);	/* SignedData */
	rc = sink_buf(g->next, &b, err);
out:
	tim_buf_release(&head);
	tim_buf_release(&b);
	return rc;
}

/* The plaintext's hash and size, on the way in. */
struct hash_sink {
	struct sink s;
	struct sink *next;
	struct tim_sha256 *h;
	uint64_t n;
};

static int
hash_write(struct sink *s, const unsigned char *p, size_t n, struct tim_err *err)
{
	struct hash_sink *h = (struct hash_sink *)s;

	if (h->h != NULL)
		tim_sha256_update(h->h, p, n);
	h->n += n;
	return sink_write(h->next, p, n, err);
}

static int
hash_finish(struct sink *s, struct tim_err *err)
{
	struct hash_sink *h = (struct hash_sink *)s;

	return h->next->finish(h->next, err);
}

static int
pass_finish(struct sink *s, struct tim_err *err)
{
	(void)s;
	(void)err;
	return 0;
}

static int
chain_sign_finish(struct sink *s, struct tim_err *err)
{
	struct sign_sink *g = (struct sign_sink *)s;

	if (sign_finish(s, err) < 0)
		return -1;
	return g->next->finish(g->next, err);
}

static int
copy_fd(int fd, const char *name, struct sink *s, struct tim_err *err)
{
	unsigned char *buf = malloc(CHUNK);
	ssize_t n;
	int rc = 0;

	if (buf == NULL)
		return tim_errorf(err, ENOMEM, _("cannot read '%s'"), name);
	for (;;) {
		n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = tim_errorf(err, errno, _("cannot read '%s'"), name);
			break;
		}
		if (n == 0)
			break;
		if (sink_write(s, buf, (size_t)n, err) < 0) {
			rc = -1;
			break;
		}
	}
	free(buf);
	return rc;
}

/* libarchive writes the bundle straight into the pipeline. */
struct arc_ctx {
	struct sink *s;
	struct tim_err *err;
	int failed;
};

static la_ssize_t
arc_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct arc_ctx *c = ctx;

	(void)a;
	if (sink_write(c->s, buf, n, c->err) < 0) {
		c->failed = 1;
		return -1;
	}
	return (la_ssize_t)n;
}

/* The name a path gets in the bundle: from its last component down. */
static char *
bundle_name(const char *top, const char *path)
{
	struct tim_buf b = TIM_BUF_INIT;
	char *copy = strdup(top), *base;
	size_t tl = strlen(top);

	if (copy == NULL)
		return NULL;
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	base = basename(copy);
	if (strcmp(base, "/") == 0 || strcmp(base, "..") == 0 || strcmp(base, ".") == 0)
		base = (char *)"bundle";
	tim_buf_adds(&b, base);
	if (strncmp(path, top, tl) == 0 && path[tl] != '\0') {
		const char *rest = path + tl;

		while (*rest == '/')
			rest++;
		tim_buf_addch(&b, '/');
		tim_buf_adds(&b, rest);
	}
	free(copy);
	if (b.failed) {
		tim_buf_release(&b);
		return NULL;
	}
	return tim_buf_detach(&b, NULL);
}

static int
bundle_add(struct archive *w, const char *top, struct arc_ctx *c,
    struct tim_err *err)
{
	struct archive *d = archive_read_disk_new();
	struct archive_entry *e;
	unsigned char *buf = NULL;
	int st, rc = -1;
	la_ssize_t n;

	if (d == NULL)
		return tim_errorf(err, ENOMEM, _("cannot read '%s'"), top);
	archive_read_disk_set_symlink_physical(d);
	archive_read_disk_set_standard_lookup(d);
	buf = malloc(CHUNK);
	if (buf == NULL || archive_read_disk_open(d, top) != ARCHIVE_OK) {
		tim_errorf(err, buf ? 0 : ENOMEM, _("cannot read '%s': %s"), top,
		    archive_error_string(d) ? archive_error_string(d) : "");
		goto out;
	}
	for (;;) {
		char *name;

		e = archive_entry_new();
		if (e == NULL) {
			tim_errorf(err, ENOMEM, _("cannot read '%s'"), top);
			goto out;
		}
		st = archive_read_next_header2(d, e);
		if (st == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (st != ARCHIVE_OK && st != ARCHIVE_WARN) {
			tim_errorf(err, 0, _("cannot read '%s': %s"), top, archive_error_string(d));
			archive_entry_free(e);
			goto out;
		}
		archive_read_disk_descend(d);
		name = bundle_name(top, archive_entry_pathname(e));
		if (name == NULL) {
			tim_errorf(err, ENOMEM, _("cannot read '%s'"), top);
			archive_entry_free(e);
			goto out;
		}
		archive_entry_set_pathname(e, name);
		free(name);
		if (archive_write_header(w, e) != ARCHIVE_OK) {
			if (!c->failed)
				tim_errorf(err, 0, _("cannot bundle '%s': %s"),
				    archive_entry_pathname(e), archive_error_string(w));
			archive_entry_free(e);
			goto out;
		}
		if (archive_entry_filetype(e) == AE_IFREG) {
			while ((n = archive_read_data(d, buf, CHUNK)) > 0)
				if (archive_write_data(w, buf, (size_t)n) != n) {
					if (!c->failed)
						tim_errorf(err, 0, _("cannot bundle '%s': %s"),
						    archive_entry_pathname(e), archive_error_string(w));
					archive_entry_free(e);
					goto out;
				}
			if (n < 0) {
				tim_errorf(err, 0, _("cannot read '%s': %s"),
				    archive_entry_sourcepath(e), archive_error_string(d));
				archive_entry_free(e);
				goto out;
			}
		}
		archive_entry_free(e);
	}
	rc = 0;
out:
	free(buf);
	archive_read_free(d);
	return rc;
}

static int
write_bundle(char *const *files, size_t nfiles, int zip, struct sink *s,
    struct tim_err *err)
{
	struct arc_ctx c = { s, err, 0 };
	struct archive *w = archive_write_new();
	size_t i;
	int rc = -1;

	if (w == NULL)
		return tim_errorf(err, ENOMEM, _("cannot make the bundle"));
	if ((zip ? archive_write_set_format_zip(w) :
	    archive_write_set_format_pax_restricted(w)) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w, 1) != ARCHIVE_OK ||
	    archive_write_open(w, &c, NULL, arc_write, NULL) != ARCHIVE_OK) {
		tim_errorf(err, 0, _("cannot make the bundle: %s"), archive_error_string(w));
		goto out;
	}
	for (i = 0; i < nfiles; i++)
		if (bundle_add(w, files[i], &c, err) < 0)
			goto out;
	if (archive_write_close(w) != ARCHIVE_OK) {
		if (!c.failed)
			tim_errorf(err, 0, _("cannot make the bundle: %s"), archive_error_string(w));
		goto out;
	}
	rc = 0;
out:
	archive_write_free(w);
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

char *
tim_seal_default_out(const char *first, int bundle)
{
	struct tim_buf b = TIM_BUF_INIT;
	size_t n = strlen(first);

	while (n > 1 && first[n - 1] == '/')
		n--;
	tim_buf_add(&b, first, n);
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

struct seal_state {
	CMS_ContentInfo *cms, *sd;
	X509 **certs;
	X509 *signer;
	EVP_PKEY *skey;
	unsigned char cek[TIM_CMS_MAX_KEY];
	size_t ceklen;
	struct tim_buf ris;
	EVP_CIPHER_CTX *c;
	json_t *info;
};

static int
load_recipients(const struct tim_seal_opts *o, struct seal_state *st,
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
make_recipients(const struct tim_seal_opts *o, struct seal_state *st,
    struct tim_err *err)
{
	unsigned char kek[32], *der = NULL;
	BIO *empty = NULL;
	size_t i;
	int n, rc = -1;

	st->cms = o->compat ? CMS_EnvelopedData_create(EVP_aes_256_cbc()) :
	    CMS_AuthEnvelopedData_create(EVP_aes_256_gcm());
	if (st->cms == NULL)
		return tim_errorf(err, 0, _("cannot make the envelope: %s"), tim_cms_ssl_error());
	for (i = 0; i < o->ncerts; i++)
		if (tim_cms_add_recipient(st->cms, st->certs[i], err) < 0)
			goto out;
	if (tim_cms_add_transfer(st->cms, kek, err) == NULL)
		goto out;
	empty = BIO_new(BIO_s_mem());
	if (empty == NULL || CMS_final(st->cms, empty, NULL, CMS_BINARY) != 1 ||
	    (n = i2d_CMS_ContentInfo(st->cms, &der)) <= 0) {
		tim_errorf(err, 0, _("cannot make the envelope: %s"), tim_cms_ssl_error());
		goto out;
	}
	if (tim_cms_take_cek(der, (size_t)n, kek, st->cek, &st->ceklen, &st->ris,
	    err) < 0)
		goto out;
	if (st->ceklen != 32) {
		tim_errorf(err, 0, _("cannot make the envelope: %s"), "key length");
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

static int
make_signer(const struct tim_seal_opts *o, struct seal_state *st,
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

/*
 * EnvelopedData's version (RFC 5652 6.1): 3 with a password recipient, 2
 * with a key agreement one, else 0 (key transport by issuer and serial).
 * AuthEnvelopedData is always 0.
 */
static int
env_version(const struct tim_seal_opts *o, const struct seal_state *st)
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
envelope_head(const struct tim_seal_opts *o, struct seal_state *st,
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
	tim_cms_der_oid(&ctype, st->sd ? NID_pkcs7_signed : NID_pkcs7_data);
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
		return tim_errorf(err, ENOMEM, _("cannot build the envelope"));
	json_object_set_new(st->info, "content_encryption",
	    json_string(o->compat ? "aes-256-cbc" : "aes-256-gcm"));
	json_object_set_new(st->info, "type", json_string(o->compat ?
	    "envelopedData" : "authEnvelopedData"));
	return 0;
}

static void
seal_state_release(struct seal_state *st, size_t ncerts)
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
		return tim_invalidf(err, _("nothing to seal"));
	if (o->ncerts == 0 && o->password == NULL)
		return tim_invalidf(err, _("give a recipient (-r CERT) or a password"));
	/* The opener keeps at most 256 RecipientInfos (sealopen.c). */
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

int
tim_seal(const struct tim_seal_opts *o, char *const *files, size_t nfiles,
    const char *out, json_t **info, struct tim_err *err)
{
	struct seal_state st;
	struct tim_tmpfile tmp = { -1, NULL, NULL };
	struct out_sink os;
	struct enc_sink es;
	struct sign_sink gs;
	struct hash_sink hs;
	struct tim_buf head = TIM_BUF_INIT;
	unsigned char md[32];
	char hex[65];
	int bundle = 0, fd = -1, to_stdout, rc = -1;
	int64_t size = -1;
	mode_t mask;

	memset(&st, 0, sizeof(st));
	memset(&os, 0, sizeof(os));
	memset(&es, 0, sizeof(es));
	memset(&gs, 0, sizeof(gs));
	memset(&hs, 0, sizeof(hs));
	*info = NULL;
	if (check_inputs(o, files, nfiles, &bundle, err) < 0)
		return -1;
	st.info = json_object();
	if (st.info == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (!bundle && strcmp(files[0], "-") != 0) {
		struct stat sb;

		fd = open(files[0], O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 || fstat(fd, &sb) < 0) {
			tim_errorf(err, errno, _("cannot open '%s'"), files[0]);
			goto out;
		}
		if (S_ISREG(sb.st_mode) && o->sign_key == NULL)
			size = (int64_t)sb.st_size;
	}
	if (load_recipients(o, &st, err) < 0 ||
	    (o->sign_key != NULL && make_signer(o, &st, err) < 0) ||
	    make_recipients(o, &st, err) < 0 ||
	    envelope_head(o, &st, size, &head, err) < 0)
		goto out;
	to_stdout = strcmp(out, "-") == 0;
	if (to_stdout) {
		os.fd = STDOUT_FILENO;
	} else {
		if (tim_tmpfile_open(&tmp, out, err) < 0)
			goto out;
		os.fd = tmp.fd;
	}
	os.s.write = out_write;
	os.s.finish = pass_finish;
	/* Hashing costs more than AES-GCM: only when someone asked for it. */
	if (o->hashes) {
		os.h = tim_sha256_new();
		hs.h = tim_sha256_new();
		if (os.h == NULL || hs.h == NULL) {
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto out;
		}
		tim_sha256_init(os.h);
		tim_sha256_init(hs.h);
	}
	os.name = out;
	es.s.write = enc_write;
	es.s.finish = enc_finish;
	es.next = &os.s;
	es.c = st.c;
	es.aead = !o->compat;
	es.definite = size >= 0;
	es.expect = size >= 0 ? (uint64_t)size : 0;
	es.pt = malloc(CHUNK);
	es.ct = malloc(CHUNK + 64);
	hs.s.write = hash_write;
	hs.s.finish = hash_finish;
	hs.next = &es.s;
	if (es.pt == NULL || es.ct == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (st.sd != NULL) {
		gs.s.write = sign_write;
		gs.s.finish = chain_sign_finish;
		gs.sd = st.sd;
		gs.next = &es.s;
		hs.next = &gs.s;
	}
	if (sink_buf(&os.s, &head, err) < 0)
		goto out;
	if (st.sd != NULL && sign_start(&gs, err) < 0)
		goto out;
	if (bundle) {
		if (write_bundle(files, nfiles, bundle == TIM_SEAL_BUNDLE_ZIP, &hs.s, err) < 0)
			goto out;
	} else if (strcmp(files[0], "-") == 0) {
		if (copy_fd(STDIN_FILENO, _("standard input"), &hs.s, err) < 0)
			goto out;
	} else if (copy_fd(fd, files[0], &hs.s, err) < 0) {
		goto out;
	}
	if (hs.s.finish(&hs.s, err) < 0)
		goto out;
	if (!to_stdout) {
		mask = umask(0);
		umask(mask);
		if (tim_tmpfile_commit(&tmp, 0666 & ~mask, err) < 0)
			goto out;
	}
	if (o->hashes) {
		tim_sha256_final(hs.h, md);
		tim_hex(md, 32, hex);
		json_object_set_new(st.info, "plaintext_sha256", json_string(hex));
		tim_sha256_final(os.h, md);
		tim_hex(md, 32, hex);
		json_object_set_new(st.info, "envelope_sha256", json_string(hex));
	}
	json_object_set_new(st.info, "plaintext_size", json_integer((json_int_t)hs.n));
	json_object_set_new(st.info, "envelope", json_string(out));
	json_object_set_new(st.info, "envelope_size", json_integer((json_int_t)os.n));
	json_object_set_new(st.info, "bundle", json_string(bundle == TIM_SEAL_BUNDLE_TAR ?
	    "tar" : bundle == TIM_SEAL_BUNDLE_ZIP ? "zip" : "none"));
	*info = st.info;
	st.info = NULL;
	rc = 0;
out:
	if (rc < 0)
		tim_tmpfile_discard(&tmp);
	if (fd >= 0)
		close(fd);
	if (gs.chain != NULL)
		BIO_free_all(gs.chain);
	tim_buf_release(&gs.pre);
	tim_sha256_free(os.h);
	tim_sha256_free(hs.h);
	if (es.pt != NULL)
		OPENSSL_cleanse(es.pt, CHUNK);
	free(es.pt);
	free(es.ct);
	tim_buf_release(&head);
	json_decref(st.info);
	seal_state_release(&st, o->ncerts);
	return rc;
}
