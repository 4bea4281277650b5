/*
 * Receipts: one record, handed to someone who does not have the ledger (an
 * auditor, a customer who got an erasure certificate, the recipient of a
 * sent file), with what proves it was in the ledger: the record line
 * exactly, its RFC 6962 inclusion proof, and the signed checkpoint whose
 * root the proof ends at. Checked offline with the verifier key alone.
 * tim-ledger(5), RECEIPTS.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "ledger_json.h"
#include "merkle.h"
#include "note.h"
#include "banned.h"

#define RECEIPT_MAX (4 << 20)

/* Line seq + 1 of path, exactly, into b. */
static int
record_line(const char *path, uint64_t seq, struct tim_buf *b,
    struct tim_err *err)
{
	struct tim_ledger_reader *rd = NULL;
	const char *line;
	size_t len;
	off_t off;
	uint64_t n = 0;
	int complete, got, r = -1;

	if (tim_ledger_reader_open(&rd, path, err) < 0)
		return -1;
	while ((got = tim_ledger_reader_next(rd, &line, &len, &off, &complete, err)) > 0)
		if (n++ == seq) {
			if (complete == 1 && tim_buf_add(b, line, len) == 0)
				r = 0;
			else
				tim_failf(err, _("no record %llu"), (unsigned long long)seq);
			break;
		}
	if (got == 0)
		tim_failf(err, _("no record %llu"), (unsigned long long)seq);
	tim_ledger_reader_close(rd);
	return r;
}

static json_t *
b64_json(const unsigned char *h)
{
	struct tim_buf b = TIM_BUF_INIT;
	json_t *s;

	tim_base64_encode(&b, h, TIM_SHA256_LEN);
	s = json_string(tim_buf_str(&b));
	tim_buf_release(&b);
	return s;
}

int
tim_ledger_receipt(const char *path, const char *checkpoints, uint64_t seq,
    struct tim_buf *out, struct tim_err *err)
{
	char *cpath = checkpoints ? NULL : tim_ledger_checkpoints_path(path);
	const char *use = checkpoints ? checkpoints : cpath;
	struct tim_checkpoint *cps = NULL;
	struct tim_ledger_proof p;
	struct tim_buf line = TIM_BUF_INIT, note = TIM_BUF_INIT;
	json_t *j = NULL, *arr;
	size_t ncps = 0, i;
	int r = -1;

	if (use == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (seq == 0) {
		tim_invalidf(err, _("SEQ 0 is the header, not a record"));
		goto out;
	}
	if (tim_checkpoint_read_all(use, &cps, &ncps, err) < 0)
		goto out;
	if (ncps == 0) {
		tim_failf(err, _("no signed checkpoint in '%s': sign one with 'tim-ledger checkpoint' first"), use);
		goto out;
	}
	if (cps[ncps - 1].size <= seq) {
		tim_failf(err, _("record %llu is newer than the newest checkpoint (of %llu lines): sign one with 'tim-ledger checkpoint' first"),
		    (unsigned long long)seq, (unsigned long long)cps[ncps - 1].size);
		goto out;
	}
	/* Proves against the newest checkpoint, after verifying the ledger. */
	if (tim_ledger_prove(path, use, seq, &p, err) < 0 ||
	    record_line(path, seq, &line, err) < 0)
		goto out;
	tim_buf_add(&note, cps[ncps - 1].text, cps[ncps - 1].text_len);
	tim_buf_addch(&note, '\n');
	tim_buf_add(&note, cps[ncps - 1].sigs, cps[ncps - 1].sigs_len);
	j = json_pack("{s:s, s:i, s:s, s:I, s:s%, s:I, s:o, s:[], s:s}",
	    "tim", "receipt", "v", 1, "origin", cps[ncps - 1].origin,
	    "seq", (json_int_t)seq, "record", line.buf, line.len,
	    "tree_size", (json_int_t)p.size, "root", b64_json(p.root),
	    "inclusion", "checkpoint", tim_buf_str(&note));
	if (j == NULL) {
		tim_errorf(err, 0, _("record %llu is not valid UTF-8"), (unsigned long long)seq);
		goto out;
	}
	arr = json_object_get(j, "inclusion");
	for (i = 0; i < p.len; i++)
		json_array_append_new(arr, b64_json(p.path[i]));
	if (tim_json_dump(out, j) < 0 || tim_buf_addch(out, '\n') < 0) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	r = 0;
out:
	json_decref(j);
	tim_checkpoint_free_all(cps, ncps);
	tim_buf_release(&line);
	tim_buf_release(&note);
	free(cpath);
	return r;
}

static int
get_hash(const json_t *v, unsigned char *h)
{
	const char *s = json_string_value(v);

	return s && tim_base64_decode(s, json_string_length(v), h, TIM_SHA256_LEN) ==
	    TIM_SHA256_LEN ? 0 : -1;
}

int
tim_ledger_receipt_verify(const char *data, size_t len,
    const struct tim_verifier *key, struct tim_ledger_receipt_info *info,
    struct tim_err *err)
{
	struct tim_checkpoint cp;
	struct tim_sha256 *h = NULL;
	tim_hash root, leaf, path[128];
	json_error_t je;
	json_t *j, *rec = NULL, *v;
	const char *s;
	size_t used, i, n, rlen;
	int have_cp = 0, r = -1;

	memset(info, 0, sizeof(*info));
	if (len > RECEIPT_MAX)
		return tim_failf(err, _("not a receipt: larger than %d bytes"), RECEIPT_MAX);
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL || !json_is_object(j) ||
	    !json_is_string(json_object_get(j, "tim")) ||
	    strcmp(json_string_value(json_object_get(j, "tim")), "receipt") != 0 ||
	    json_integer_value(json_object_get(j, "v")) != 1) {
		tim_failf(err, _("not a tim receipt (v 1)"));
		goto out;
	}
	v = json_object_get(j, "record");
	s = json_string_value(v);
	if (s == NULL || memchr(s, '\n', json_string_length(v)) ||
	    memchr(s, '\0', json_string_length(v)) ||
	    !json_is_integer(json_object_get(j, "seq")) ||
	    json_integer_value(json_object_get(j, "seq")) < 1 ||
	    !json_is_integer(json_object_get(j, "tree_size")) ||
	    get_hash(json_object_get(j, "root"), root) < 0 ||
	    !json_is_array(json_object_get(j, "inclusion")) ||
	    !json_is_string(json_object_get(j, "checkpoint")) ||
	    !json_is_string(json_object_get(j, "origin"))) {
		tim_failf(err, _("receipt: a member is missing or malformed"));
		goto out;
	}
	rlen = json_string_length(v);
	info->seq = (uint64_t)json_integer_value(json_object_get(j, "seq"));
	info->size = (uint64_t)json_integer_value(json_object_get(j, "tree_size"));
	/* The record must be the line it claims to be. */
	rec = json_loadb(s, rlen, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(rec) || json_integer_value(json_object_get(rec, "seq")) !=
	    (json_int_t)info->seq) {
		tim_failf(err, _("receipt: the record is not record %llu"), (unsigned long long)info->seq);
		goto out;
	}
	snprintf(info->kind, sizeof(info->kind), "%s",
	    json_string_value(json_object_get(rec, "kind")) ?: "?");
	/* The checkpoint: signed by key, for this origin, size and root. */
	v = json_object_get(j, "checkpoint");
	if (tim_checkpoint_parse(&cp, json_string_value(v), json_string_length(v), &used, err) < 0) {
		tim_err_prefix(err, _("receipt"));
		err->kind = TIM_ERR_REFUSED;
		goto out;
	}
	have_cp = 1;
	snprintf(info->origin, sizeof(info->origin), "%s", cp.origin);
	if (tim_checkpoint_verify(&cp, key, err) < 0) {
		tim_err_prefix(err, _("receipt"));
		goto out;
	}
	if (strcmp(cp.origin, json_string_value(json_object_get(j, "origin"))) != 0 ||
	    cp.size != info->size || memcmp(cp.root, root, TIM_SHA256_LEN) != 0) {
		tim_failf(err, _("receipt: the checkpoint is not of the tree the proof is for"));
		goto out;
	}
	n = json_array_size(json_object_get(j, "inclusion"));
	if (n > sizeof(path) / sizeof(path[0])) {
		tim_failf(err, _("receipt: inclusion proof too long"));
		goto out;
	}
	for (i = 0; i < n; i++)
		if (get_hash(json_array_get(json_object_get(j, "inclusion"), i), path[i]) < 0) {
			tim_failf(err, _("receipt: inclusion proof hash %zu is malformed"), i + 1);
			goto out;
		}
	if ((h = tim_sha256_new()) == NULL ||
	    tim_merkle_leaf(h, s, rlen, leaf) < 0 ||
	    tim_merkle_verify_inclusion(leaf, info->seq, info->size, path, n, root) < 0) {
		tim_failf(err, _("receipt: the record is not in the signed tree (inclusion proof fails)"));
		goto out;
	}
	snprintf(info->signer, sizeof(info->signer), "%s", key->name);
	r = 0;
out:
	if (have_cp)
		tim_checkpoint_release(&cp);
	tim_sha256_free(h);
	json_decref(rec);
	json_decref(j);
	return r;
}
