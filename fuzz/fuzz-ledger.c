/*
 * libFuzzer target for the ledger line parser: the input is a ledger file,
 * optionally followed by "\n--checkpoints--\n" and a checkpoints file, read
 * through tim_ledger_verify from memory files (memfd) so nothing touches
 * the disk. With checkpoints, their signatures are checked with the key the
 * seed corpus was signed with (RFC 8032 TEST 1, a public test vector), so
 * the path that trusts lines under a good signed checkpoint is reached too.
 * Proof building runs on what verifies.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "ledger.h"
#include "merkle.h"
#include "note.h"
#include "util.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sep[] = "\n--checkpoints--\n";
static const char vkey[] = "fuzz+30b906b5+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";
static struct tim_verifier key;
static int have_key = -1;

static int
memfile(const void *data, size_t len, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (len > 0 && tim_write_all(fd, data, len) < 0) {
		close(fd);
		return -1;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tim_ledger_verify_opts o = { .keep_leaves = 1 };
	struct tim_ledger_verify_result res;
	struct tim_err err;
	const uint8_t *cp = memmem(data, size, sep, sizeof(sep) - 1);
	size_t llen = cp ? (size_t)(cp - data) + 1 : size;
	char lpath[64], cpath[64];
	int lfd, cfd = -1;

	if (have_key < 0)
		have_key = tim_verifier_parse(&key, vkey, sizeof(vkey) - 1, &err) == 0;
	lfd = memfile(data, llen, lpath, sizeof(lpath));
	if (lfd < 0)
		return 0;
	if (cp) {
		cp += sizeof(sep) - 1;
		cfd = memfile(cp, size - (size_t)(cp - data), cpath, sizeof(cpath));
		if (cfd < 0) {
			close(lfd);
			return 0;
		}
		o.checkpoints = cpath;
		o.key = have_key ? &key : NULL;
		o.full = size > 0 && (data[size - 1] & 1);
	}
	tim_err_clear(&err);
	if (tim_ledger_verify(lpath, &o, &res, &err) == 0) {
		if (res.ok && res.lines > 0 && res.leaves) {
			tim_hash proof[128], root;
			size_t plen;
			uint64_t idx = res.lines / 2;

			if (tim_merkle_root_of(res.leaves, res.lines, root) < 0 ||
			    memcmp(root, res.root, sizeof(root)) != 0)
				abort();
			if (tim_merkle_inclusion(res.leaves, res.lines, idx, proof, &plen) < 0 ||
			    tim_merkle_verify_inclusion(res.leaves[idx], idx, res.lines, proof,
			    plen, root) < 0)
				abort();
			if (tim_merkle_consistency(res.leaves, res.lines, 1, proof, &plen) < 0 ||
			    tim_merkle_verify_consistency(1, res.lines, res.leaves[0], root,
			    proof, plen) < 0)
				abort();
		}
		free(res.leaves);
	}
	close(lfd);
	if (cfd >= 0)
		close(cfd);
	return 0;
}
