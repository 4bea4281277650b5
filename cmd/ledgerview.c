#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "ledger.h"
#include "ledgerview.h"
#include "note.h"
#include "util.h"
#include "banned.h"

int
tim_ledgerview_key(struct tim_cli *cli, const char *explicit,
    struct tim_verifier *v, int *have, struct tim_err *err)
{
	const char *k = explicit ? explicit :
	    tim_config_get(cli->cfg, "ledger", "verify-key");

	*have = 0;
	if (k == NULL || !*k)
		return 0;
	if (tim_verifier_load(v, k, err) < 0)
		return -1;
	*have = 1;
	return 0;
}

static void
print_json(const char *path, const struct tim_ledger_verify_result *res,
    const char *root, unsigned flags)
{
	json_t *j = json_pack("{s:s, s:b, s:I, s:s, s:I, s:I, s:b}",
	    "ledger", path, "ok", res->ok, "lines", (json_int_t)res->lines,
	    "root", root, "checkpoints", (json_int_t)res->checkpoints,
	    "checkpoint_size", (json_int_t)res->checkpoint_size,
	    "signatures_checked", res->signatures);

	json_object_set_new(j, "trusted_by_signed_root", json_integer((json_int_t)res->covered));
	if (flags & TIM_LEDGERVIEW_APPEND_ONLY)
		json_object_set_new(j, "append_only", res->append_only < 0 ?
		    json_null() : json_boolean(res->append_only));
	if (!res->ok) {
		json_object_set_new(j, "line", json_integer((json_int_t)res->bad_line));
		json_object_set_new(j, "seq", res->bad_line ?
		    json_integer((json_int_t)res->bad_line - 1) : json_null());
		json_object_set_new(j, "offset", json_integer((json_int_t)res->bad_offset));
		json_object_set_new(j, "reason", json_string(res->reason));
		if ((flags & TIM_LEDGERVIEW_APPEND_ONLY) && res->link_line)
			json_object_set_new(j, "changed_line", json_integer((json_int_t)res->bad_line));
	}
	tim_json_print(stdout, j);
	json_decref(j);
}

static void
print_ok(struct tim_cli *cli, const char *path,
    const struct tim_ledger_verify_result *res, const char *root,
    unsigned flags)
{
	int ao = (flags & TIM_LEDGERVIEW_APPEND_ONLY) ? res->append_only : -1;

	printf(_("%s: ok: %llu records, root %s"), path,
	    (unsigned long long)(res->lines ? res->lines - 1 : 0), root);
	if (res->checkpoints)
		printf(_(", %zu checkpoints (newest size %llu)%s"), res->checkpoints,
		    (unsigned long long)res->checkpoint_size,
		    res->signatures ? _(", signatures verified") : _(", signatures not checked (no --key)"));
	if (ao == 1)
		fputs(_(", append-only (chattr +a)"), stdout);
	putchar('\n');
	if (ao == 0)
		tim_info(cli, _("%s: not append-only (tim-ledger init --append-only, or chattr +a, protects it)"), path);
	if (res->covered)
		tim_info(cli, _("%s: lines 1 to %llu checked by the signed root, the rest line by line (--full checks every line)"),
		    path, (unsigned long long)res->covered);
}

static void
print_failed(struct tim_cli *cli, const char *path,
    const struct tim_ledger_verify_result *res, unsigned flags)
{
	if (res->bad_line)
		tim_error(cli, _("%s: FAILED at line %llu (seq %llu, byte %llu): %s"),
		    path, (unsigned long long)res->bad_line,
		    (unsigned long long)(res->bad_line - 1),
		    (unsigned long long)res->bad_offset, res->reason);
	else
		tim_error(cli, _("%s: FAILED: %s"), path, res->reason);
	if (flags & TIM_LEDGERVIEW_ADVICE)
		tim_error(cli, _("%s: what to do: keep this file as it is, as evidence, and append nothing to it; restore the ledger from a backup, check the copy against a checkpoint kept elsewhere with 'tim-ledger consistency CHECKPOINT LEDGER', and record what happened; see RECOVERY in tim-ledger(1)"),
		    path);
}

int
tim_ledgerview_verify(struct tim_cli *cli, const char *path,
    const struct tim_ledger_verify_opts *vo, int syslog_on, unsigned flags)
{
	struct tim_ledger_verify_result res;
	struct tim_buf root = TIM_BUF_INIT;
	struct tim_err err;

	tim_err_clear(&err);
	memset(&res, 0, sizeof(res));
	if (tim_ledger_verify(path, vo, &res, &err) < 0) {
		tim_err_prefix(&err, "%s", path);
		tim_cli_syslog(cli, syslog_on, LOG_ERR, "verify ERROR %s", err.msg);
		return tim_cli_fail(cli, &err);
	}
	if (!res.ok)
		tim_cli_syslog(cli, syslog_on, LOG_ALERT,
		    "verify FAILED ledger=%s line=%llu offset=%llu: %s",
		    path, (unsigned long long)res.bad_line,
		    (unsigned long long)res.bad_offset, res.reason);
	tim_base64_encode(&root, res.root, TIM_SHA256_LEN);
	if (cli->json)
		print_json(path, &res, tim_buf_str(&root), flags);
	else if (cli->quiet)
		;
	else if (res.ok)
		print_ok(cli, path, &res, tim_buf_str(&root), flags);
	else
		print_failed(cli, path, &res, flags);
	tim_buf_release(&root);
	return res.ok ? TIM_EXIT_OK : TIM_EXIT_FAIL;
}

void
tim_ledgerview_keypair(struct tim_cli *cli, const char *keyfile,
    const struct tim_buf *pubpath, struct tim_buf *pub)
{
	if (cli->json) {
		json_t *j;

		tim_buf_truncate(pub, pub->len - 1);
		j = json_pack("{s:s, s:s, s:s}", "key_file", keyfile, "verifier_file",
		    pubpath->buf, "verifier", pub->buf);
		tim_json_print(stdout, j);
		json_decref(j);
	} else
		fputs(pub->buf, stdout);
	tim_info(cli, _("wrote secret key '%s' (mode 0600) and verifier key '%s'"),
	    keyfile, pubpath->buf);
}
