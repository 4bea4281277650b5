/*
 * libtim merkle.c against RFC 6962 section 2.1 written out again here from
 * the RFC's definitions (MTH, PATH, SUBPROOF) with nothing but SHA-256, and
 * against the certificate-transparency reference vectors.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "merkle.h"
#include "tap.h"
#include "banned.h"

#define MAXN 40

static tim_hash leaves[MAXN];

static void
ref_leaf(const void *data, size_t len, tim_hash out)
{
	unsigned char in[256];

	in[0] = 0x00;
	memcpy(in + 1, data, len);
	tim_sha256(in, len + 1, out);
}

static void
ref_node(const tim_hash l, const tim_hash r, tim_hash out)
{
	unsigned char in[1 + 2 * TIM_SHA256_LEN];

	in[0] = 0x01;
	memcpy(in + 1, l, TIM_SHA256_LEN);
	memcpy(in + 1 + TIM_SHA256_LEN, r, TIM_SHA256_LEN);
	tim_sha256(in, sizeof(in), out);
}

static uint64_t
ref_k(uint64_t n)
{
	uint64_t k = 1;

	while (2 * k < n)
		k *= 2;
	return k;
}

/* MTH(D[n]) */
static void
ref_mth(const tim_hash *d, uint64_t n, tim_hash out)
{
	tim_hash l, r;
	uint64_t k;

	if (n == 0) {
		tim_sha256("", 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, d[0], TIM_SHA256_LEN);
		return;
	}
	k = ref_k(n);
	ref_mth(d, k, l);
	ref_mth(d + k, n - k, r);
	ref_node(l, r, out);
}

/* PATH(m, D[n]) */
static void
ref_path(uint64_t m, const tim_hash *d, uint64_t n, tim_hash *p, size_t *len)
{
	uint64_t k;

	if (n <= 1)
		return;
	k = ref_k(n);
	if (m < k) {
		ref_path(m, d, k, p, len);
		ref_mth(d + k, n - k, p[(*len)++]);
	} else {
		ref_path(m - k, d + k, n - k, p, len);
		ref_mth(d, k, p[(*len)++]);
	}
}

/* SUBPROOF(m, D[n], b) */
static void
ref_subproof(uint64_t m, const tim_hash *d, uint64_t n, int b, tim_hash *p,
    size_t *len)
{
	uint64_t k;

	if (m == n) {
		if (!b)
			ref_mth(d, n, p[(*len)++]);
		return;
	}
	k = ref_k(n);
	if (m <= k) {
		ref_subproof(m, d, k, b, p, len);
		ref_mth(d + k, n - k, p[(*len)++]);
	} else {
		ref_subproof(m - k, d + k, n - k, 0, p, len);
		ref_mth(d, k, p[(*len)++]);
	}
}

static const char *
hexof(const tim_hash h)
{
	static char out[TIM_SHA256_HEX];

	tim_hex(h, TIM_SHA256_LEN, out);
	return out;
}

static void
test_vectors(void)
{
	/* certificate-transparency's merkle tree test inputs and roots */
	static const struct {
		size_t len;
		const char *data;
	} in[8] = {
		{ 0, "" }, { 1, "\x00" }, { 1, "\x10" }, { 2, "\x20\x21" }, { 2, "\x30\x31" },
		{ 4, "\x40\x41\x42\x43" }, { 8, "\x50\x51\x52\x53\x54\x55\x56\x57" },
		{ 16, "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f" },
	};
	static const char *roots[8] = {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	struct tim_merkle m;
	struct tim_sha256 *h = tim_sha256_new();
	tim_hash lv[8], root;
	size_t i;

	tim_merkle_init(&m);
	for (i = 0; i < 8; i++) {
		tim_merkle_leaf(h, in[i].data, in[i].len, lv[i]);
		tim_merkle_push(&m, lv[i]);
		tim_merkle_root(&m, root);
		is_str(hexof(root), roots[i], "CT vector: streaming root of %zu leaves", i + 1);
		tim_merkle_root_of(lv, i + 1, root);
		is_str(hexof(root), roots[i], "CT vector: root_of %zu leaves", i + 1);
	}
	tim_merkle_release(&m);
	tim_merkle_root_of(lv, 0, root);
	is_str(hexof(root), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "the empty tree is SHA-256 of nothing");
	tim_sha256_free(h);
}

static void
test_shapes(void)
{
	tim_hash a, b, c, d, e, root, want;

	/* Sizes 0, 1, 2, 3, 5 and 7 written out as trees. */
	tim_merkle_root_of(leaves, 1, root);
	ok(memcmp(root, leaves[0], TIM_SHA256_LEN) == 0, "1 leaf: the root is the leaf");
	ref_node(leaves[0], leaves[1], want);
	tim_merkle_root_of(leaves, 2, root);
	ok(memcmp(root, want, TIM_SHA256_LEN) == 0, "2 leaves: node(0,1)");
	ref_node(leaves[0], leaves[1], a);
	ref_node(a, leaves[2], want);
	tim_merkle_root_of(leaves, 3, root);
	ok(memcmp(root, want, TIM_SHA256_LEN) == 0, "3 leaves: node(node(0,1),2)");
	ref_node(leaves[2], leaves[3], b);
	ref_node(a, b, c);
	ref_node(c, leaves[4], want);
	tim_merkle_root_of(leaves, 5, root);
	ok(memcmp(root, want, TIM_SHA256_LEN) == 0, "5 leaves: node(node(node(0,1),node(2,3)),4)");
	ref_node(leaves[4], leaves[5], d);
	ref_node(d, leaves[6], e);
	ref_node(c, e, want);
	tim_merkle_root_of(leaves, 7, root);
	ok(memcmp(root, want, TIM_SHA256_LEN) == 0, "7 leaves: node(node(01,23),node(45,6))");
	tim_sha256("", 0, want);
	tim_merkle_root_of(leaves, 0, root);
	ok(memcmp(root, want, TIM_SHA256_LEN) == 0, "0 leaves: SHA-256(\"\")");
}

static void
test_roots(void)
{
	struct tim_merkle m;
	tim_hash got, want;
	uint64_t n;
	int bad_of = 0, bad_stream = 0;

	tim_merkle_init(&m);
	for (n = 0; n <= MAXN; n++) {
		ref_mth(leaves, n, want);
		tim_merkle_root_of(leaves, n, got);
		bad_of += memcmp(got, want, TIM_SHA256_LEN) != 0;
		tim_merkle_root(&m, got);
		bad_stream += memcmp(got, want, TIM_SHA256_LEN) != 0;
		if (n < MAXN)
			tim_merkle_push(&m, leaves[n]);
	}
	tim_merkle_release(&m);
	is_int(bad_of, 0, "root_of equals MTH for 0..%d leaves", MAXN);
	is_int(bad_stream, 0, "the streaming root equals MTH after every push");
}

static void
flip(tim_hash h)
{
	h[TIM_SHA256_LEN / 2] ^= 0x01;
}

static void
test_inclusion(void)
{
	tim_hash proof[70], want[70], root, other;
	size_t len, wlen, i;
	uint64_t n, idx;
	int differ = 0, rejected = 0, tamper_ok = 0, short_ok = 0, long_ok = 0,
	    leaf_ok = 0, index_ok = 0, cases = 0, range_ok = 1;

	for (n = 1; n <= MAXN; n++) {
		ref_mth(leaves, n, root);
		for (idx = 0; idx < n; idx++) {
			cases++;
			wlen = 0;
			ref_path(idx, leaves, n, want, &wlen);
			if (tim_merkle_inclusion(leaves, n, idx, proof, &len) < 0 ||
			    len != wlen || memcmp(proof, want, len * sizeof(tim_hash)) != 0) {
				if (!differ)
					printf("# inclusion proof differs at index %llu size %llu\n",
					    (unsigned long long)idx, (unsigned long long)n);
				differ++;
				continue;
			}
			if (tim_merkle_verify_inclusion(leaves[idx], idx, n, proof, len, root) != 0) {
				rejected++;
				continue;
			}
			/* Every changed hash in the path is caught. */
			for (i = 0; i < len; i++) {
				flip(proof[i]);
				tamper_ok += tim_merkle_verify_inclusion(leaves[idx], idx, n,
				    proof, len, root) != 0;
				flip(proof[i]);
			}
			tamper_ok -= (int)len;
			if (len > 0)
				short_ok += tim_merkle_verify_inclusion(leaves[idx], idx, n,
				    proof, len - 1, root) != 0 ? 0 : 1;
			memcpy(proof[len], leaves[0], TIM_SHA256_LEN);
			long_ok += tim_merkle_verify_inclusion(leaves[idx], idx, n, proof,
			    len + 1, root) != 0 ? 0 : 1;
			memcpy(other, leaves[idx], TIM_SHA256_LEN);
			flip(other);
			leaf_ok += tim_merkle_verify_inclusion(other, idx, n, proof, len,
			    root) != 0 ? 0 : 1;
			if (n > 1)
				index_ok += tim_merkle_verify_inclusion(leaves[idx],
				    (idx ^ 1) < n ? idx ^ 1 : idx - 1, n, proof, len, root) != 0 ? 0 : 1;
		}
		if (tim_merkle_inclusion(leaves, n, n, proof, &len) == 0 ||
		    tim_merkle_verify_inclusion(leaves[0], n, n, proof, 0, root) == 0)
			range_ok = 0;
	}
	is_int(differ, 0, "inclusion proofs equal RFC 6962 PATH for all %d (index, size) up to %d",
	    cases, MAXN);
	is_int(rejected, 0, "and each verifies");
	is_int(tamper_ok, 0, "a changed hash anywhere in a proof is rejected");
	is_int(short_ok, 0, "a proof missing its last hash is rejected");
	is_int(long_ok, 0, "a proof with an extra hash is rejected");
	is_int(leaf_ok, 0, "another leaf is rejected");
	is_int(index_ok, 0, "the proof for another index is rejected");
	ok(range_ok, "an index outside the tree has no proof");
}

static void
test_consistency(void)
{
	tim_hash proof[140], want[140], old, new, bad;
	size_t len, wlen, i;
	uint64_t n, m;
	int differ = 0, rejected = 0, tamper_ok = 0, short_ok = 0, old_ok = 0,
	    new_ok = 0, cases = 0, same_ok = 1, range_ok = 1;

	for (n = 1; n <= MAXN; n++) {
		ref_mth(leaves, n, new);
		for (m = 1; m <= n; m++) {
			cases++;
			ref_mth(leaves, m, old);
			wlen = 0;
			ref_subproof(m, leaves, n, 1, want, &wlen);
			if (tim_merkle_consistency(leaves, n, m, proof, &len) < 0 ||
			    len != wlen || memcmp(proof, want, len * sizeof(tim_hash)) != 0) {
				if (!differ)
					printf("# consistency proof differs at m %llu n %llu\n",
					    (unsigned long long)m, (unsigned long long)n);
				differ++;
				continue;
			}
			if (tim_merkle_verify_consistency(m, n, old, new, proof, len) != 0) {
				rejected++;
				continue;
			}
			if (m == n) {
				memcpy(proof[0], old, TIM_SHA256_LEN);
				if (len != 0 || tim_merkle_verify_consistency(m, n, old, new, proof, 1) == 0)
					same_ok = 0;
			}
			for (i = 0; i < len; i++) {
				flip(proof[i]);
				tamper_ok += tim_merkle_verify_consistency(m, n, old, new,
				    proof, len) != 0;
				flip(proof[i]);
			}
			tamper_ok -= (int)len;
			if (len > 0)
				short_ok += tim_merkle_verify_consistency(m, n, old, new,
				    proof, len - 1) != 0 ? 0 : 1;
			memcpy(bad, old, TIM_SHA256_LEN);
			flip(bad);
			old_ok += tim_merkle_verify_consistency(m, n, bad, new, proof,
			    len) != 0 ? 0 : 1;
			memcpy(bad, new, TIM_SHA256_LEN);
			flip(bad);
			new_ok += tim_merkle_verify_consistency(m, n, old, bad, proof,
			    len) != 0 ? 0 : 1;
		}
		if (tim_merkle_consistency(leaves, n, 0, proof, &len) == 0 ||
		    tim_merkle_consistency(leaves, n, n + 1, proof, &len) == 0 ||
		    tim_merkle_verify_consistency(0, n, new, new, proof, 0) == 0 ||
		    tim_merkle_verify_consistency(n + 1, n, new, new, proof, 0) == 0)
			range_ok = 0;
	}
	is_int(differ, 0, "consistency proofs equal RFC 6962 SUBPROOF for all %d (m, n) up to %d",
	    cases, MAXN);
	is_int(rejected, 0, "and each verifies");
	is_int(tamper_ok, 0, "a changed hash anywhere in a proof is rejected");
	is_int(short_ok, 0, "a proof missing its last hash is rejected");
	is_int(old_ok, 0, "another old root is rejected");
	is_int(new_ok, 0, "another new root is rejected");
	ok(same_ok, "m == n: an empty proof, and a non-empty one is rejected");
	ok(range_ok, "m == 0 and m > n have no proof");
}

int
main(void)
{
	char data[16];
	int i;

	for (i = 0; i < MAXN; i++) {
		int n = snprintf(data, sizeof(data), "leaf %d", i);

		ref_leaf(data, (size_t)n, leaves[i]);
	}
	{
		struct tim_sha256 *h = tim_sha256_new();
		tim_hash l;

		tim_merkle_leaf(h, "leaf 7", 6, l);
		ok(memcmp(l, leaves[7], TIM_SHA256_LEN) == 0, "leaf hash is SHA-256(0x00 || data)");
		ref_node(leaves[0], leaves[1], l);
		{
			tim_hash got;

			tim_merkle_node(h, leaves[0], leaves[1], got);
			ok(memcmp(l, got, TIM_SHA256_LEN) == 0,
			    "node hash is SHA-256(0x01 || left || right)");
		}
		tim_sha256_free(h);
	}
	test_vectors();
	test_shapes();
	test_roots();
	test_inclusion();
	test_consistency();
	return tap_done();
}
