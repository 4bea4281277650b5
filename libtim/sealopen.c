/*
 * Opening envelopes (tim-seal -d) in constant memory, step by step. OpenSSL's
 * d2i_CMS_bio would read the whole envelope; instead the outer BER is walked
 * as a stream (ber.c), the small parts before the content (RecipientInfos,
 * algorithms) are re-encoded into a content-less envelope for OpenSSL to
 * recover the content key from, and the content is decrypted with EVP chunk
 * by chunk into a temporary file. The GCM tag comes after the content, so it
 * is set just before EVP_DecryptFinal_ex; nothing is moved into place before
 * that succeeded and any signature verified.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

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

int
tim_seal_open_input(const char *sealed, struct tim_err *err)
{
	int fd;

	if (strcmp(sealed, "-") == 0)
		return STDIN_FILENO;
	fd = open(sealed, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return tim_errorf(err, errno, _("cannot open '%s'"), sealed);
	return fd;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a > b && strcmp(s + a - b, suffix) == 0;
}

/* mkdir -p, 0700 for what it makes. */
static int
make_dir(const char *dir, json_t *info, struct tim_err *err)
{
	struct stat sb;
	char *p = strdup(dir), *s;

	if (p == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (stat(dir, &sb) == 0) {
		free(p);
		return S_ISDIR(sb.st_mode) ? 0 :
		    tim_errorf(err, ENOTDIR, _("cannot extract into '%s'"), dir);
	}
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST) {
				tim_errorf(err, errno, _("cannot create the folder '%s'"), p);
				free(p);
				return -1;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	json_object_set_new(info, "directory_created", json_true());
	return 0;
}

/*
 * Where the plaintext goes: a file (dest), stdout, or a directory. Without
 * -o or -C: the current directory, as unzip and tar do, under the
 * envelope's own name less ".p7m".
 */
static int
destination(const struct tim_open_opts *o, const char *sealed, char **dest,
    const char **dir, json_t *info, struct tim_err *err)
{
	const char *base;

	*dest = NULL;
	*dir = o->dir;
	if (o->out != NULL) {
		*dest = strdup(o->out);
		return *dest ? 0 : tim_errorf(err, ENOMEM, _("out of memory"));
	}
	if (o->dir != NULL)
		return make_dir(o->dir, info, err);
	base = strrchr(sealed, '/');
	base = base ? base + 1 : sealed;
	if (strcmp(sealed, "-") == 0 || !ends_with(base, ".p7m"))
		return tim_invalidf(err, _("give -o OUT or -C DIR for '%s'"), sealed);
	if (ends_with(base, ".tar.p7m") || ends_with(base, ".zip.p7m")) {
		*dir = ".";
		return 0;
	}
	*dest = strndup(base, strlen(base) - 4);
	return *dest ? 0 : tim_errorf(err, ENOMEM, _("out of memory"));
}

static int
copy_to_stdout(int fd, unsigned char *buf, struct tim_err *err)
{
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return tim_errorf(err, errno, _("cannot read the plaintext"));
	while ((n = read(fd, buf, TIM_SEAL_CHUNK)) > 0)
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

/* Everything one opening holds; open_release frees it. */
struct open_state {
	struct tim_tmpfile tmp;
	struct tim_buf allowed, shead, stail;
	struct tim_seal_head *h;
	struct tim_ber r;
	struct tim_seal_dec d;
	struct tim_seal_plain p;
	struct tim_seal_in in;
	unsigned char cek[TIM_CMS_MAX_KEY], *buf;
	size_t ceklen;
	const char *refusal, *dir;
	char *dest;
	json_t *info;
	int fd, anon;
};

static int
open_state_init(struct open_state *st, struct tim_err *err)
{
	json_t *arr;

	memset(st, 0, sizeof(*st));
	st->tmp.fd = -1;
	st->p.fd = -1;
	st->fd = -1;
	st->anon = -1;
	st->r.win = NULL;
	tim_buf_init(&st->allowed);
	tim_buf_init(&st->shead);
	tim_buf_init(&st->stail);
	st->info = json_object();
	arr = json_array();
	if (st->info == NULL || arr == NULL) {
		json_decref(arr);
		return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	json_object_set_new(st->info, "recipients", arr);
	return 0;
}

static int
check_keys(const struct tim_open_opts *o, struct tim_err *err)
{
	if ((o->key == NULL) == (o->password == NULL))
		return tim_invalidf(err, _("give --key and --cert, or a password"));
	if (o->key != NULL && o->cert == NULL)
		return tim_invalidf(err, _("--key needs --cert"));
	return 0;
}

/*
 * What was accepted only because of --allow-legacy (the recipients that
 * could have been used), for the output and the receive record.
 */
static void
note_legacy(json_t *info)
{
	json_t *r, *l, *arr = json_array();
	size_t i;

	json_array_foreach(json_object_get(info, "recipients"), i, r)
		if (json_is_true(json_object_get(r, "permitted")) &&
		    (l = json_object_get(r, "legacy")) != NULL)
			json_array_append(arr, l);
	if (json_array_size(arr) > 0)
		json_object_set_new(info, "legacy", arr);
	else
		json_decref(arr);
}

/* The head, the recipients and the content key. */
static int
open_head(struct open_state *st, const struct tim_open_opts *o,
    const char *sealed, struct tim_err *err)
{
	struct tim_src src = { tim_src_fd_read, &st->fd };
	struct tim_src dsrc = { tim_seal_in_read, &st->in };

	st->fd = tim_seal_open_input(sealed, err);
	if (st->fd < 0 || tim_seal_in_init(&st->in, src, o->hashes, err) < 0 ||
	    tim_ber_init(&st->r, dsrc, err) < 0 ||
	    tim_seal_head_parse(&st->r, &st->h, err) < 0)
		return -1;
	json_object_set_new(st->info, "file", json_string(sealed));
	json_object_set_new(st->info, "encoding", json_string(tim_seal_in_format(&st->in)));
	tim_seal_describe_head(st->h, st->info);
	if (tim_seal_sort_recipients(st->h, o->allow_legacy,
	    json_object_get(st->info, "recipients"), &st->allowed, &st->refusal,
	    err) < 0)
		return -1;
	if (tim_seal_recover_cek(st->h, o, &st->allowed, st->refusal, st->cek,
	    &st->ceklen, err) < 0)
		return -1;
	note_legacy(st->info);
	return 0;
}

/* The plaintext's temporary home: beside the file, or in DIR. */
static int
plain_home(struct open_state *st, const struct tim_open_opts *o, struct tim_err *err)
{
	if (st->dir != NULL) {
		st->anon = anon_in(st->dir, err);
		st->p.fd = st->anon;
	} else if (strcmp(st->dest, "-") == 0) {
		st->anon = tim_tmpfile_anon(err);
		st->p.fd = st->anon;
	} else {
		st->tmp.replace = o->force;
		if (tim_tmpfile_open(&st->tmp, st->dest, err) < 0)
			return -1;
		st->p.fd = st->tmp.fd;
		st->p.regular = 1;
	}
	return st->p.fd < 0 ? -1 : 0;
}

static int
decrypt_start(struct open_state *st, const struct tim_open_opts *o,
    struct tim_err *err)
{
	struct tim_seal_dec *d = &st->d;
	const struct tim_seal_head *h = st->h;

	if (o->hashes && (st->p.h = tim_sha256_new()) != NULL)
		tim_sha256_init(st->p.h);
	d->c = EVP_CIPHER_CTX_new();
	d->in = malloc(TIM_SEAL_CHUNK);
	d->out = malloc(TIM_SEAL_CHUNK + 64);
	st->buf = malloc(TIM_SEAL_CHUNK);
	if ((o->hashes && st->p.h == NULL) || d->c == NULL || d->in == NULL ||
	    d->out == NULL || st->buf == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	d->r = &st->r;
	d->h = st->h;
	if (EVP_DecryptInit_ex(d->c, h->cipher, NULL, NULL, NULL) != 1 ||
	    (h->aead && EVP_CIPHER_CTX_ctrl(d->c, EVP_CTRL_AEAD_SET_IVLEN,
	    (int)h->ivlen, NULL) != 1) ||
	    EVP_DecryptInit_ex(d->c, NULL, NULL, st->cek, h->iv) != 1)
		return tim_errorf(err, 0, _("decryption failed: %s"), tim_cms_ssl_error());
	OPENSSL_cleanse(st->cek, sizeof(st->cek));
	return tim_ber_octets_open(&d->oct, &st->r, &st->h->content);
}

/*
 * Decrypts (and verifies a signature) into the temporary plaintext. id-data
 * content that is itself a signed ContentInfo (tim --sign, openssl cms -sign
 * | openssl cms -encrypt) is verified and unwrapped; tim 0.x put a bare
 * SignedData under id-signedData.
 */
static int
read_content(struct open_state *st, const struct tim_open_opts *o,
    struct tim_err *err)
{
	struct tim_seal_peek k;
	struct tim_src src = { tim_seal_peek_read, &k };
	int wrapped;

	if (st->h->ctype_nid == NID_pkcs7_data) {
		wrapped = tim_seal_peek_signed(&k, &st->d, err);
		if (wrapped < 0)
			return -1;
		if (!wrapped) {
			json_object_set_new(st->info, "signed", json_false());
			if (tim_seal_plain_write(&st->p, k.b, k.len, err) < 0)
				return -1;
			OPENSSL_cleanse(k.b, sizeof(k.b));
			return tim_seal_copy_data(&st->d, &st->p, st->buf, err);
		}
	} else if (st->h->ctype_nid == NID_pkcs7_signed) {
		memset(&k, 0, sizeof(k));
		k.d = &st->d;
		wrapped = 0;
	} else {
		return tim_failf(err, _("content of type %s is not supported"),
		    tim_seal_short_name(st->h->ctype_nid));
	}
	json_object_set_new(st->info, "signed", json_true());
	if (tim_seal_copy_signed(src, wrapped, &st->p, st->buf, &st->shead,
	    &st->stail, err) < 0)
		return -1;
	OPENSSL_cleanse(k.b, sizeof(k.b));
	return tim_seal_verify_signed(&st->shead, &st->stail, st->p.fd,
	    o->ca, st->info, err);
}

/*
 * What protects the content against change: the GCM tag, a signature, or
 * nothing (EnvelopedData with CBC and no signature: a flipped byte opens to
 * garbage without any error). Said in info; refused when asked to.
 */
static int
integrity(struct open_state *st, const struct tim_open_opts *o,
    const char *sealed, struct tim_err *err)
{
	const char *how = st->h->aead ? "tag" :
	    json_is_true(json_object_get(st->info, "signed")) ? "signature" : "none";

	json_object_set_new(st->info, "integrity", json_string(how));
	if (strcmp(how, "none") == 0 && o->refuse_unauthenticated)
		return tim_failf(err, _("'%s' is not authenticated (AES-CBC without a signature) "
		    "and [seal] allow-unauthenticated = no refuses it"), sealed);
	return 0;
}

static int
describe_plain(struct open_state *st, struct tim_err *err)
{
	unsigned char md[32];
	char hex[65];

	if (tim_seal_in_finish(&st->in, hex, err) < 0)
		return -1;
	if (st->in.h != NULL)
		json_object_set_new(st->info, "envelope_sha256", json_string(hex));
	json_object_set_new(st->info, "file_size", json_integer((json_int_t)st->in.raw_n));

	if (st->p.h != NULL) {
		tim_sha256_final(st->p.h, md);
		tim_hex(md, 32, hex);
		json_object_set_new(st->info, "plaintext_sha256", json_string(hex));
	}
	json_object_set_new(st->info, "plaintext_size", json_integer((json_int_t)st->p.n));
	json_object_set_new(st->info, "envelope_size", json_integer((json_int_t)st->r.off));
	return 0;
}

/* Everything verified: the plaintext goes where it was asked to. */
static int
release_plain(struct open_state *st, const struct tim_open_opts *o,
    struct tim_err *err)
{
	if (st->dir != NULL) {
		if (tim_seal_extract_bundle(st->anon, st->dir, o->max_extract,
		    st->info, err) < 0)
			return -1;
		json_object_set_new(st->info, "directory", json_string(st->dir));
	} else if (strcmp(st->dest, "-") == 0) {
		if (copy_to_stdout(st->anon, st->buf, err) < 0)
			return -1;
	} else {
		if (tim_tmpfile_commit(&st->tmp, 0600, err) < 0)
			return -1;
		json_object_set_new(st->info, "output", json_string(st->dest));
	}
	return 0;
}

static void
open_release(struct open_state *st, int failed)
{
	OPENSSL_cleanse(st->cek, sizeof(st->cek));
	if (st->buf != NULL)
		OPENSSL_cleanse(st->buf, TIM_SEAL_CHUNK);
	if (st->d.out != NULL)
		OPENSSL_cleanse(st->d.out, TIM_SEAL_CHUNK + 64);
	free(st->buf);
	free(st->d.in);
	free(st->d.out);
	EVP_CIPHER_CTX_free(st->d.c);
	tim_sha256_free(st->p.h);
	if (failed)
		tim_tmpfile_discard(&st->tmp);
	if (st->anon >= 0) {
		if (ftruncate(st->anon, 0) < 0)
			(void)0;
		close(st->anon);
	}
	tim_buf_release(&st->allowed);
	tim_buf_release(&st->shead);
	tim_buf_release(&st->stail);
	tim_seal_head_free(st->h);
	tim_ber_release(&st->r);
	tim_seal_in_release(&st->in);
	if (st->fd > STDIN_FILENO)
		close(st->fd);
	free(st->dest);
	json_decref(st->info);
}

int
tim_seal_open(const struct tim_open_opts *o, const char *sealed, json_t **info,
    struct tim_err *err)
{
	struct open_state st;
	int rc = -1;

	*info = NULL;
	if (open_state_init(&st, err) < 0)
		goto out;
	if (check_keys(o, err) < 0 ||
	    destination(o, sealed, &st.dest, &st.dir, st.info, err) < 0 ||
	    open_head(&st, o, sealed, err) < 0 ||
	    plain_home(&st, o, err) < 0 ||
	    decrypt_start(&st, o, err) < 0 ||
	    read_content(&st, o, err) < 0)
		goto out;
	if (integrity(&st, o, sealed, err) < 0 ||
	    describe_plain(&st, err) < 0 || release_plain(&st, o, err) < 0)
		goto out;
	*info = st.info;
	st.info = NULL;
	rc = 0;
out:
	open_release(&st, rc < 0);
	return rc;
}
