#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "secret.h"
#include "banned.h"

/*
 * 64 KiB: a few RSA-4096 keys with their CRT numbers, the PEM buffers of
 * the decoder, and tim's own content keys. Allocations that do not fit
 * fall back to the ordinary heap (OpenSSL's rule); none of tim's do.
 */
#define SECRET_HEAP (64 * 1024)
#define SECRET_MIN 32

int
tim_secret_heap_init(void)
{
	/*
	 * OpenSSL's decoders copy a key's DER to the ordinary heap and free it
	 * without overwriting it. M_PERTURB makes glibc overwrite what is
	 * freed (with 0; new blocks start as 0xff), so no such copy lingers;
	 * tim_secret_scrub does the same for the small blocks glibc caches.
	 */
	(void)mallopt(M_PERTURB, 0x100);
	if (CRYPTO_secure_malloc_initialized())
		return 0;
	return CRYPTO_secure_malloc_init(SECRET_HEAP, SECRET_MIN) ? 0 : -1;
}

/*
 * glibc keeps up to seven freed blocks of each size up to 1032 bytes in a
 * per-thread cache without perturbing them. Taking them all back, zeroing
 * them and freeing them again leaves no key bytes in the cache.
 */
#define SCRUB_MAX 1032
#define SCRUB_DEPTH 8

void
tim_secret_scrub(void)
{
	void *v[SCRUB_DEPTH];
	size_t sz;
	int i;

	for (sz = 8; sz <= SCRUB_MAX; sz += 16) {
		for (i = 0; i < SCRUB_DEPTH; i++) {
			v[i] = malloc(sz);
			if (v[i] != NULL)
				explicit_bzero(v[i], malloc_usable_size(v[i]));
		}
		for (i = 0; i < SCRUB_DEPTH; i++)
			free(v[i]);
	}
}

void *
tim_secret_alloc(size_t n)
{
	return OPENSSL_secure_zalloc(n);
}

void
tim_secret_free(void *p, size_t n)
{
	if (p != NULL)
		OPENSSL_secure_clear_free(p, n);
}
