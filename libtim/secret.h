#ifndef TIM_SECRET_H
#define TIM_SECRET_H

#include <stddef.h>

/*
 * Memory for key material that must never reach a core dump or swap.
 *
 * tim_secret_heap_init makes glibc overwrite freed memory and sets up
 * OpenSSL's secure heap: pages of its own,
 * mmap'd, marked MADV_DONTDUMP and, where RLIMIT_MEMLOCK allows, mlock'd.
 * From then on the private parts of keys OpenSSL loads (RSA and EC private
 * numbers, Ed25519 and X25519 private keys, the keys of the PEM decoder) and
 * every tim_secret_alloc live there. A process that reads passwords or keys
 * calls it once, early (the front ends do, with PR_SET_DUMPABLE 0: see
 * cmd/secret.c). Returns 0, or -1 when the heap could not be made (the
 * caller goes on: the process is non-dumpable anyway).
 */
int tim_secret_heap_init(void);

/*
 * Overwrites the ordinary heap's cached free blocks, where a library's
 * temporary copy of a key may remain: call after loading a private key.
 */
void tim_secret_scrub(void);

/* Zeroed memory in the secure heap (the ordinary heap before init). */
void *tim_secret_alloc(size_t n);

/* Overwrites and frees what tim_secret_alloc gave; NULL is fine. */
void tim_secret_free(void *p, size_t n);

#endif
