/*
 * Describing an envelope without any key (tim-seal --inspect): the head,
 * every recipient and whether the policy would accept it, and the sizes,
 * read through to the end so that a truncated envelope is reported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ber.h"
#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "seal.h"
#include "seal_impl.h"
#include "banned.h"

/*
 * Which of the partner's usual clients can open it, as tested in
 * tests/tim-seal-interop.bats: OpenSSL 3 opens every CMS envelope tim reads;
 * NSS (cmsutil 3.87, Thunderbird) and GnuPG's gpgsm (2.2, Kleopatra) open
 * only EnvelopedData to an RSA PKCS#1 v1.5 recipient.
 */
static json_t *
clients(const struct tim_seal_head *h, json_t *recipients)
{
	json_t *r;
	size_t i;
	int v15 = 0;
	const char *ke;

	json_array_foreach(recipients, i, r) {
		ke = json_string_value(json_object_get(r, "key_encryption"));
		if (ke != NULL && strcmp(ke, "rsa-pkcs1-v1.5") == 0)
			v15 = 1;
	}
	v15 = v15 && !h->aead;
	return json_pack("{s:b, s:b, s:b}", "openssl", 1, "nss", v15, "gpgsm", v15);
}

int
tim_seal_inspect_src(struct tim_src src, const char *name, json_t **info,
    struct tim_err *err)
{
	struct tim_seal_in in;
	struct tim_src dsrc = { tim_seal_in_read, &in };
	struct tim_ber r;
	struct tim_seal_head *h = NULL;
	struct tim_ber_octets oct;
	unsigned char tag[16], *buf = NULL;
	const char *refusal;
	json_t *o = json_object(), *arr = json_array();
	uint64_t ct = 0;
	ssize_t n;
	int rc = -1;

	*info = NULL;
	r.win = NULL;
	memset(&in, 0, sizeof(in));
	if (o == NULL || arr == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (tim_seal_in_init(&in, src, 0, err) < 0 ||
	    tim_ber_init(&r, dsrc, err) < 0 || tim_seal_head_parse(&r, &h, err) < 0)
		goto out;
	json_object_set_new(o, "file", json_string(name));
	json_object_set_new(o, "encoding", json_string(tim_seal_in_format(&in)));
	tim_seal_describe_head(h, o);
	if (tim_seal_sort_recipients(h, 0, arr, NULL, &refusal, err) < 0)
		goto out;
	json_object_set_new(o, "clients", clients(h, arr));
	json_object_set_new(o, "recipients", arr);
	arr = NULL;
	buf = malloc(TIM_SEAL_CHUNK);
	if (buf == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (tim_ber_octets_open(&oct, &r, &h->content) < 0)
		goto out;
	while ((n = tim_ber_octets_read(&oct, buf, TIM_SEAL_CHUNK)) > 0)
		ct += (uint64_t)n;
	if (n < 0 || tim_seal_trailer(&r, h, tag, err) < 0)
		goto out;
	json_object_set_new(o, "encrypted_size", json_integer((json_int_t)ct));
	if (h->aead)
		json_object_set_new(o, "mac_length", json_integer((json_int_t)h->taglen));
	json_object_set_new(o, "envelope_size", json_integer((json_int_t)r.off));
	*info = o;
	o = NULL;
	rc = 0;
out:
	free(buf);
	json_decref(o);
	json_decref(arr);
	tim_seal_head_free(h);
	tim_ber_release(&r);
	tim_seal_in_release(&in);
	return rc;
}

int
tim_seal_inspect(const char *sealed, json_t **info, struct tim_err *err)
{
	int fd, rc;
	struct tim_src src = { tim_src_fd_read, &fd };

	*info = NULL;
	fd = tim_seal_open_input(sealed, err);
	if (fd < 0)
		return -1;
	rc = tim_seal_inspect_src(src, sealed, info, err);
	if (fd > STDIN_FILENO)
		close(fd);
	return rc;
}
