#ifndef TIM_MERKLE_H
#define TIM_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tim_sha256;

/*
 * RFC 6962 (and RFC 9162 section 2.1) Merkle tree hashes over SHA-256:
 * leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), the
 * tree of n leaves split at the largest power of two below n.
 */

typedef unsigned char tim_hash[TIM_SHA256_LEN];

int tim_merkle_leaf(struct tim_sha256 *h, const void *data, size_t len,
    tim_hash out);
int tim_merkle_node(struct tim_sha256 *h, const tim_hash left,
    const tim_hash right, tim_hash out);

/*
 * The running root over a stream of leaves in O(log n) memory: one
 * complete subtree per set bit of the count, folded on demand.
 */
struct tim_merkle {
	struct tim_sha256 *h;
	uint64_t count;
	int depth;
	tim_hash stack[64];
};

int tim_merkle_init(struct tim_merkle *m);
void tim_merkle_release(struct tim_merkle *m);
int tim_merkle_push(struct tim_merkle *m, const tim_hash leaf);
/* The root of the leaves pushed so far (SHA-256 of nothing when none). */
int tim_merkle_root(struct tim_merkle *m, tim_hash out);

/* Root of leaves[0..n). */
int tim_merkle_root_of(const tim_hash *leaves, uint64_t n, tim_hash out);

/*
 * The audit path for leaf index in the tree of leaves[0..n): *len hashes
 * written to proof, which holds 64.
 */
int tim_merkle_inclusion(const tim_hash *leaves, uint64_t n, uint64_t index,
    tim_hash *proof, size_t *len);

/* RFC 9162 2.1.3.2: 0 when the path proves leaf at index in root of size n. */
int tim_merkle_verify_inclusion(const tim_hash leaf, uint64_t index,
    uint64_t n, const tim_hash *proof, size_t len, const tim_hash root);

/* The consistency proof from the tree of m leaves to that of n (0 < m <= n). */
int tim_merkle_consistency(const tim_hash *leaves, uint64_t n, uint64_t m,
    tim_hash *proof, size_t *len);

/* RFC 9162 2.1.4.2: 0 when proof shows old_root (size m) is a prefix of root (size n). */
int tim_merkle_verify_consistency(uint64_t m, uint64_t n,
    const tim_hash old_root, const tim_hash root, const tim_hash *proof,
    size_t len);

#ifdef __cplusplus
}
#endif

#endif
