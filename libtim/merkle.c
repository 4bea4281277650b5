#include <string.h>

#include "hash.h"
#include "merkle.h"
#include "banned.h"

int
tim_merkle_leaf(struct tim_sha256 *h, const void *data, size_t len, tim_hash out)
{
	static const unsigned char zero = 0x00;

	if (tim_sha256_init(h) < 0 || tim_sha256_update(h, &zero, 1) < 0 ||
	    tim_sha256_update(h, data, len) < 0)
		return -1;
	return tim_sha256_final(h, out);
}

int
tim_merkle_node(struct tim_sha256 *h, const tim_hash left, const tim_hash right,
    tim_hash out)
{
	unsigned char in[1 + 2 * TIM_SHA256_LEN];

	in[0] = 0x01;
	memcpy(in + 1, left, TIM_SHA256_LEN);
	memcpy(in + 1 + TIM_SHA256_LEN, right, TIM_SHA256_LEN);
	return tim_sha256_two(h, in, sizeof(in), NULL, 0, out);
}

int
tim_merkle_init(struct tim_merkle *m)
{
	memset(m, 0, sizeof(*m));
	m->h = tim_sha256_new();
	return m->h ? 0 : -1;
}

void
tim_merkle_release(struct tim_merkle *m)
{
	tim_sha256_free(m->h);
	m->h = NULL;
}

int
tim_merkle_push(struct tim_merkle *m, const tim_hash leaf)
{
	tim_hash cur;
	uint64_t c;

	memcpy(cur, leaf, TIM_SHA256_LEN);
	/* Each trailing one bit of the count is a complete subtree to merge with. */
	for (c = m->count; c & 1; c >>= 1)
		if (tim_merkle_node(m->h, m->stack[--m->depth], cur, cur) < 0)
			return -1;
	memcpy(m->stack[m->depth++], cur, TIM_SHA256_LEN);
	m->count++;
	return 0;
}

int
tim_merkle_root(struct tim_merkle *m, tim_hash out)
{
	tim_hash cur;
	int i;

	if (m->depth == 0)
		return tim_sha256_two(m->h, "", 0, NULL, 0, out);
	memcpy(cur, m->stack[m->depth - 1], TIM_SHA256_LEN);
	for (i = m->depth - 2; i >= 0; i--)
		if (tim_merkle_node(m->h, m->stack[i], cur, cur) < 0)
			return -1;
	memcpy(out, cur, TIM_SHA256_LEN);
	return 0;
}

int
tim_merkle_root_of(const tim_hash *leaves, uint64_t n, tim_hash out)
{
	struct tim_merkle m;
	uint64_t i;
	int r = 0;

	if (tim_merkle_init(&m) < 0)
		return -1;
	for (i = 0; i < n && r == 0; i++)
		r = tim_merkle_push(&m, leaves[i]);
	if (r == 0)
		r = tim_merkle_root(&m, out);
	tim_merkle_release(&m);
	return r;
}

/* The largest power of two strictly less than n (n > 1). */
static uint64_t
split(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

static int
path(const tim_hash *leaves, uint64_t n, uint64_t index, tim_hash *proof,
    size_t *len)
{
	uint64_t k;

	if (n <= 1)
		return 0;
	k = split(n);
	if (index < k) {
		if (path(leaves, k, index, proof, len) < 0 ||
		    tim_merkle_root_of(leaves + k, n - k, proof[*len]) < 0)
			return -1;
	} else {
		if (path(leaves + k, n - k, index - k, proof, len) < 0 ||
		    tim_merkle_root_of(leaves, k, proof[*len]) < 0)
			return -1;
	}
	(*len)++;
	return 0;
}

int
tim_merkle_inclusion(const tim_hash *leaves, uint64_t n, uint64_t index,
    tim_hash *proof, size_t *len)
{
	*len = 0;
	if (index >= n)
		return -1;
	return path(leaves, n, index, proof, len);
}

static int
subproof(const tim_hash *leaves, uint64_t n, uint64_t m, int whole,
    tim_hash *proof, size_t *len)
{
	uint64_t k;

	if (m == n) {
		if (whole)
			return 0;
		if (tim_merkle_root_of(leaves, n, proof[*len]) < 0)
			return -1;
		(*len)++;
		return 0;
	}
	k = split(n);
	if (m <= k) {
		if (subproof(leaves, k, m, whole, proof, len) < 0 ||
		    tim_merkle_root_of(leaves + k, n - k, proof[*len]) < 0)
			return -1;
	} else {
		if (subproof(leaves + k, n - k, m - k, 0, proof, len) < 0 ||
		    tim_merkle_root_of(leaves, k, proof[*len]) < 0)
			return -1;
	}
	(*len)++;
	return 0;
}

int
tim_merkle_consistency(const tim_hash *leaves, uint64_t n, uint64_t m,
    tim_hash *proof, size_t *len)
{
	*len = 0;
	if (m == 0 || m > n)
		return -1;
	return subproof(leaves, n, m, 1, proof, len);
}

int
tim_merkle_verify_inclusion(const tim_hash leaf, uint64_t index, uint64_t n,
    const tim_hash *proof, size_t len, const tim_hash root)
{
	struct tim_sha256 *h;
	uint64_t fn = index, sn = n - 1;
	tim_hash r;
	size_t i;
	int ok = -1;

	if (index >= n || (h = tim_sha256_new()) == NULL)
		return -1;
	memcpy(r, leaf, TIM_SHA256_LEN);
	for (i = 0; i < len; i++) {
		if (sn == 0)
			goto out;
		if ((fn & 1) || fn == sn) {
			if (tim_merkle_node(h, proof[i], r, r) < 0)
				goto out;
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else if (tim_merkle_node(h, r, proof[i], r) < 0)
			goto out;
		fn >>= 1;
		sn >>= 1;
	}
	if (sn == 0 && memcmp(r, root, TIM_SHA256_LEN) == 0)
		ok = 0;
out:
	tim_sha256_free(h);
	return ok;
}

int
tim_merkle_verify_consistency(uint64_t m, uint64_t n, const tim_hash old_root,
    const tim_hash root, const tim_hash *proof, size_t len)
{
	struct tim_sha256 *h;
	const tim_hash *p = proof;
	uint64_t fn, sn;
	tim_hash fr, sr;
	size_t i = 0;
	int ok = -1;

	if (m == 0 || m > n)
		return -1;
	if (m == n)
		return len == 0 && memcmp(old_root, root, TIM_SHA256_LEN) == 0 ? 0 : -1;
	if (len == 0 || (h = tim_sha256_new()) == NULL)
		return -1;
	fn = m - 1;
	sn = n - 1;
	/* When m is a power of two the old root itself starts the path. */
	if ((m & (m - 1)) == 0) {
		memcpy(fr, old_root, TIM_SHA256_LEN);
		memcpy(sr, old_root, TIM_SHA256_LEN);
	} else {
		memcpy(fr, p[0], TIM_SHA256_LEN);
		memcpy(sr, p[0], TIM_SHA256_LEN);
		i = 1;
	}
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < len; i++) {
		if (sn == 0)
			goto out;
		if ((fn & 1) || fn == sn) {
			if (tim_merkle_node(h, p[i], fr, fr) < 0 ||
			    tim_merkle_node(h, p[i], sr, sr) < 0)
				goto out;
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else if (tim_merkle_node(h, sr, p[i], sr) < 0)
			goto out;
		fn >>= 1;
		sn >>= 1;
	}
	if (sn == 0 && memcmp(fr, old_root, TIM_SHA256_LEN) == 0 &&
	    memcmp(sr, root, TIM_SHA256_LEN) == 0)
		ok = 0;
out:
	tim_sha256_free(h);
	return ok;
}
