/*
 * Decryption of the content, chunk by chunk with EVP: the decrypted content
 * as a byte source (the GCM tag comes after the content, so it is set just
 * before EVP_DecryptFinal_ex) and the plaintext file it is copied to.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <openssl/err.h>

#include "ber.h"
#include "cms.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "seal.h"
#include "seal_impl.h"
#include "util.h"
#include "banned.h"

ssize_t
tim_seal_dec_read(void *ctx, void *buf, size_t n, struct tim_err *err)
{
	struct tim_seal_dec *d = ctx;
	unsigned char tag[16];
	ssize_t got;
	int olen;

	while (d->outpos == d->outlen) {
		if (d->done)
			return 0;
		got = tim_ber_octets_read(&d->oct, d->in, TIM_SEAL_CHUNK);
		if (got < 0)
			return -1;
		if (got == 0) {
			if (tim_seal_trailer(d->r, d->h, tag, err) < 0)
				return -1;
			if (d->h->aead && EVP_CIPHER_CTX_ctrl(d->c, EVP_CTRL_AEAD_SET_TAG,
			    (int)d->h->taglen, tag) != 1)
				return tim_errorf(err, 0, _("decryption failed: %s"), tim_cms_ssl_error());
			olen = 0;
			if (EVP_DecryptFinal_ex(d->c, d->out, &olen) != 1) {
				ERR_clear_error();
				return tim_failf(err, d->h->aead ?
				    _("authentication failed: the encrypted file was altered or damaged") :
				    _("decryption failed: the encrypted file was altered or the key is wrong"));
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

int
tim_seal_plain_write(struct tim_seal_plain *p, const void *buf, size_t n,
    struct tim_err *err)
{
	if (p->h != NULL)
		tim_sha256_update(p->h, buf, n);
	p->n += n;
	if (tim_write_all(p->fd, buf, n) < 0)
		return tim_errorf(err, errno, _("cannot write the plaintext"));
	tim_seal_writeback(p->fd, p->regular, p->n, &p->flushed);
	return 0;
}

#define WRITEBACK_STEP	(UINT64_C(32) << 20)

void
tim_seal_writeback(int fd, int regular, uint64_t written, uint64_t *flushed)
{
	if (!regular || written - *flushed < WRITEBACK_STEP)
		return;
	/* Only a hint: errors show at the fsync that follows. */
	(void)sync_file_range(fd, (off64_t)*flushed, (off64_t)(written - *flushed),
	    SYNC_FILE_RANGE_WRITE);
	*flushed = written;
}

int
tim_seal_copy_data(struct tim_seal_dec *d, struct tim_seal_plain *p,
    unsigned char *buf, struct tim_err *err)
{
	ssize_t n;

	for (;;) {
		n = tim_seal_dec_read(d, buf, TIM_SEAL_CHUNK, err);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (tim_seal_plain_write(p, buf, (size_t)n, err) < 0)
			return -1;
	}
}

/* 06 09 2A 86 48 86 F7 0D 01 07 02: the OID id-signedData. */
static const unsigned char signed_oid[] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
};

int
tim_seal_peek_signed(struct tim_seal_peek *k, struct tim_seal_dec *d,
    struct tim_err *err)
{
	struct tim_tl tl;
	ssize_t n;

	memset(k, 0, sizeof(*k));
	k->d = d;
	while (k->len < sizeof(k->b)) {
		n = tim_seal_dec_read(d, k->b + k->len, sizeof(k->b) - k->len, err);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		k->len += (size_t)n;
	}
	if (tim_ber_parse_tl(k->b, k->len, &tl) < 0 || tl.cls != 0 || !tl.cons ||
	    tl.tag != 16 || k->len < tl.hlen + sizeof(signed_oid))
		return 0;
	return memcmp(k->b + tl.hlen, signed_oid, sizeof(signed_oid)) == 0;
}

ssize_t
tim_seal_peek_read(void *ctx, void *buf, size_t n, struct tim_err *err)
{
	struct tim_seal_peek *k = ctx;

	if (k->pos < k->len) {
		if (n > k->len - k->pos)
			n = k->len - k->pos;
		memcpy(buf, k->b + k->pos, n);
		k->pos += n;
		return (ssize_t)n;
	}
	return tim_seal_dec_read(k->d, buf, n, err);
}
