/*
 * libFuzzer: certificate and private key files as tim-seal loads them
 * (-r CERT, --cert, --key, --sign-key, --ca): PEM or DER, then what is
 * asked of a certificate that loaded.
 */
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cms.h"
#include "err.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_path("k.pem");
	struct tim_err err;
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	char hex[65], *name;

	fuzz_write(path, data, size, 0600);
	tim_err_clear(&err);
	if (tim_cms_load_cert(path, &x, &err) == 0) {
		tim_cms_fingerprint(x, hex);
		name = tim_cms_name(X509_get_subject_name(x));
		free(name);
		tim_err_clear(&err);
		(void)tim_cms_check_recipient(x, path, 0, &err);
	}
	tim_err_clear(&err);
	if (tim_cms_load_key(path, &k, &err) == 0 && x != NULL) {
		tim_err_clear(&err);
		(void)tim_cms_check_signer(x, k, path, &err);
	}
	EVP_PKEY_free(k);
	X509_free(x);
	return 0;
}
