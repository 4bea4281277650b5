/*
 * Proofs (RFC 6962): that a record is in the tree a checkpoint signed, and
 * that a ledger only grew since a checkpoint. Both verify the ledger first:
 * a proof from a ledger that does not verify would prove nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "i18n.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "merkle.h"
#include "note.h"
#include "banned.h"

static int
read_one_checkpoint(const char *file, struct tim_checkpoint *cp, int newest,
    struct tim_err *err)
{
	struct tim_checkpoint *all;
	size_t n, i;

	if (tim_checkpoint_read_all(file, &all, &n, err) < 0)
		return -1;
	if (n == 0)
		return tim_errorf(err, 0, _("no checkpoint in '%s'"), file);
	i = newest ? n - 1 : 0;
	*cp = all[i];
	all[i].text = all[i].sigs = NULL;
	tim_checkpoint_free_all(all, n);
	return 0;
}

/* The inclusion proof of leaf seq in the first size leaves, checked. */
static int
inclusion(const tim_hash *leaves, uint64_t size, uint64_t seq,
    struct tim_ledger_proof *p, struct tim_err *err)
{
	if (tim_merkle_root_of(leaves, size, p->root) < 0 ||
	    tim_merkle_inclusion(leaves, size, seq, p->path, &p->len) < 0 ||
	    tim_merkle_verify_inclusion(leaves[seq], seq, size, p->path, p->len, p->root) < 0)
		return tim_errorf(err, 0, _("cannot build the proof"));
	p->index = seq;
	p->size = size;
	memcpy(p->leaf, leaves[seq], TIM_SHA256_LEN);
	return 0;
}

int
tim_ledger_prove(const char *path, const char *checkpoint, uint64_t seq,
    struct tim_ledger_proof *p, struct tim_err *err)
{
	struct tim_ledger_verify_opts vo = { .keep_leaves = 1 };
	struct tim_ledger_verify_result res;
	struct tim_checkpoint cp;
	uint64_t size;
	int r = -1, have_cp = 0;

	memset(&res, 0, sizeof(res));
	memset(p, 0, sizeof(*p));
	if (checkpoint) {
		if (read_one_checkpoint(checkpoint, &cp, 1, err) < 0)
			return -1;
		have_cp = 1;
	}
	if (tim_ledger_verify(path, &vo, &res, err) < 0)
		goto out;
	if (!res.ok) {
		tim_failf(err, _("%s does not verify (line %llu: %s); no proof"), path,
		    (unsigned long long)res.bad_line, res.reason);
		goto out;
	}
	size = have_cp ? cp.size : res.lines;
	if (size > res.lines) {
		tim_failf(err, _("ledger shorter than the checkpoint (%llu < %llu)"),
		    (unsigned long long)res.lines, (unsigned long long)size);
		goto out;
	}
	if (seq >= size) {
		tim_failf(err, _("no record %llu in a tree of %llu lines"),
		    (unsigned long long)seq, (unsigned long long)size);
		goto out;
	}
	if (inclusion(res.leaves, size, seq, p, err) < 0)
		goto out;
	if (have_cp && memcmp(p->root, cp.root, TIM_SHA256_LEN) != 0) {
		tim_failf(err, _("the ledger's root at size %llu differs from the checkpoint"),
		    (unsigned long long)size);
		goto out;
	}
	r = 0;
out:
	if (have_cp)
		tim_checkpoint_release(&cp);
	free(res.leaves);
	return r;
}

/* That the ledger res verified is the checkpoint's ledger, grown. */
static int
grew_from(const struct tim_checkpoint *cp,
    const struct tim_ledger_verify_result *res, struct tim_err *err)
{
	tim_hash old;

	if (strcmp(cp->origin, res->origin) != 0)
		return tim_failf(err, _("the checkpoint is for origin '%s', the ledger is '%s'"),
		    cp->origin, res->origin);
	if (cp->size == 0 || cp->size > res->lines)
		return tim_failf(err, _("the ledger (%llu lines) is shorter than the checkpoint (%llu): it did not only grow"),
		    (unsigned long long)res->lines, (unsigned long long)cp->size);
	if (tim_merkle_root_of(res->leaves, cp->size, old) < 0 ||
	    memcmp(old, cp->root, TIM_SHA256_LEN) != 0)
		return tim_failf(err, _("the first %llu lines no longer hash to the checkpoint's root: the ledger was rewritten"),
		    (unsigned long long)cp->size);
	return 0;
}

int
tim_ledger_consistency(const char *checkpoint, const char *path,
    const struct tim_verifier *key, struct tim_ledger_proof *p,
    struct tim_err *err)
{
	struct tim_ledger_verify_opts vo = { .keep_leaves = 1, .key = key };
	struct tim_ledger_verify_result res;
	struct tim_checkpoint cp;
	int r = -1;

	memset(&res, 0, sizeof(res));
	memset(p, 0, sizeof(*p));
	if (read_one_checkpoint(checkpoint, &cp, 1, err) < 0)
		return -1;
	if (key && tim_checkpoint_verify(&cp, key, err) < 0)
		goto out;
	if (tim_ledger_verify(path, &vo, &res, err) < 0)
		goto out;
	if (!res.ok) {
		tim_failf(err, _("%s does not verify (line %llu: %s)"), path,
		    (unsigned long long)res.bad_line, res.reason);
		goto out;
	}
	if (grew_from(&cp, &res, err) < 0)
		goto out;
	if (tim_merkle_consistency(res.leaves, res.lines, cp.size, p->path, &p->len) < 0 ||
	    tim_merkle_verify_consistency(cp.size, res.lines, cp.root, res.root, p->path, p->len) < 0) {
		tim_errorf(err, 0, _("cannot build the consistency proof"));
		goto out;
	}
	p->old_size = cp.size;
	p->size = res.lines;
	memcpy(p->old_root, cp.root, TIM_SHA256_LEN);
	memcpy(p->root, res.root, TIM_SHA256_LEN);
	p->signature_checked = key != NULL;
	r = 0;
out:
	tim_checkpoint_release(&cp);
	free(res.leaves);
	return r;
}
