/*
 * tim-ledger's witness and time-stamp commands: what a person sees of
 * libtim/witness*.c (C2SP tlog-witness, tlog-cosignature) and libtim/tsa.c
 * (RFC 3161).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "ledgerview.h"
#include "config.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "ledger.h"
#include "note.h"
#include "tsa.h"
#include "util.h"
#include "witness.h"
#include "witnesscmd.h"
#include "banned.h"

#define HTTP_TIMEOUT 30
#define DEFAULT_LISTEN "127.0.0.1:7380"

struct tim_witness_cmd tim_witness_opts = { .quorum = -1 };

int
tim_witness_opt_add(const char **list, int *n, const char *v)
{
	if (*n >= TIM_WITNESS_CMD_MAX)
		return -1;
	list[(*n)++] = v;
	return 0;
}

/*
 * The [ledger] keys of tim.conf read here, so that a cron job needs no long
 * flags (each also as TIM_LEDGER_<KEY> in the environment). They are rows of
 * the known keys in libtim/config.c: a key added here goes there too.
 */
const char *const tim_witness_config_keys[] = {
	"witness",	/* URL ...: checkpoint's witnesses */
	"witness-key",	/* VKEY|FILE ...: the witnesses' verifier keys */
	"quorum",	/* N: cosignatures needed */
	"tsa",		/* URL: stamp's time-stamping authority */
	"tsa-cert",	/* FILE: the TSA's trust anchor, for stamp and verify */
	NULL
};

/* Set by tim_witness_cmd_config: which values came from the command line. */
static struct {
	int witness, wkey, quorum;
	char *buf[2];	/* copies of the two lists, split in place */
} given;

/* Splits a whitespace-separated [ledger] list into list; 0 or a status. */
static int
config_list(struct tim_cli *cli, const char *key, const char **list, int *n, char **keep)
{
	const char *v = tim_config_get(cli->cfg, "ledger", key);
	char *p, *tok, *save = NULL;

	if (v == NULL)
		return 0;
	if ((*keep = p = strdup(v)) == NULL) {
		tim_error(cli, _("out of memory"));
		return TIM_EXIT_ERROR;
	}
	for (tok = strtok_r(p, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		if (tim_witness_opt_add(list, n, tok) < 0) {
			tim_error(cli, _("tim.conf [ledger] %s: at most %d entries"), key,
			    TIM_WITNESS_CMD_MAX);
			return TIM_EXIT_ERROR;
		}
	return 0;
}

int
tim_witness_cmd_config(struct tim_cli *cli, const char *sub)
{
	struct tim_witness_cmd *w = &tim_witness_opts;
	const char *v;
	char *end;
	int r, count;

	/* Only these read the settings: a bad one does not stop list or append. */
	if (strcmp(sub, "checkpoint") != 0 && strcmp(sub, "verify") != 0 &&
	    strcmp(sub, "stamp") != 0 && strcmp(sub, "check") != 0)
		return 0;
	given.witness = w->nwitness > 0;
	given.wkey = w->nwkey > 0;
	given.quorum = w->quorum >= 0;
	if (!given.witness &&
	    (r = config_list(cli, "witness", w->witness, &w->nwitness, &given.buf[0])) != 0)
		return r;
	if (!given.wkey &&
	    (r = config_list(cli, "witness-key", w->wkey, &w->nwkey, &given.buf[1])) != 0)
		return r;
	if (w->tsa == NULL && (v = tim_config_get(cli->cfg, "ledger", "tsa")) && *v)
		w->tsa = v;
	if (w->tsa_cert == NULL && (v = tim_config_get(cli->cfg, "ledger", "tsa-cert")) && *v)
		w->tsa_cert = v;
	/* The quorum counts the witnesses: given lists set the file's aside. */
	v = tim_config_get(cli->cfg, "ledger", "quorum");
	if (v != NULL && *v == '\0')
		v = NULL;	/* TIM_LEDGER_QUORUM= sets the file's aside */
	if (given.quorum || given.witness || given.wkey || v == NULL || strcmp(sub, "stamp") == 0)
		return 0;
	errno = 0;
	w->quorum = strtol(v, &end, 10);
	if (errno || *end || end == v || w->quorum < 0 || w->quorum > TIM_WITNESS_CMD_MAX) {
		tim_error(cli, _("tim.conf [ledger] quorum = '%s': give a number from 0 to %d"),
		    v, TIM_WITNESS_CMD_MAX);
		return TIM_EXIT_ERROR;
	}
	count = strcmp(sub, "checkpoint") == 0 ? w->nwitness : w->nwkey;
	if (count == 0) {
		/* Nothing for it to count in this command: no witness step. */
		w->quorum = -1;
		return 0;
	}
	if (w->quorum > count) {
		tim_error(cli, _("tim.conf [ledger] quorum = %ld is more than the %d entries of %s"),
		    w->quorum, count, strcmp(sub, "checkpoint") == 0 ? "witness" : "witness-key");
		return TIM_EXIT_ERROR;
	}
	return 0;
}

void
tim_witness_cmd_config_release(void)
{
	free(given.buf[0]);
	free(given.buf[1]);
	given.buf[0] = given.buf[1] = NULL;
}

tim_ledger_cmd_fn *
tim_witness_cmd_route(const char *sub, tim_ledger_cmd_fn *run)
{
	const struct tim_witness_cmd *w = &tim_witness_opts;

	/* Witness keys in tim.conf alone (for verify) leave checkpoint plain. */
	if (strcmp(sub, "checkpoint") == 0 &&
	    (w->nwitness || given.wkey || given.quorum))
		return tim_witness_cmd_checkpoint;
	if (strcmp(sub, "verify") == 0 && (w->nwkey || w->quorum >= 0 || w->tsa_cert))
		return tim_witness_cmd_verify;
	return run;
}

static int
report(struct tim_cli *cli, struct tim_err *err)
{
	return tim_cli_fail(cli, err);
}

/* With --syslog or [ledger] syslog = yes, as the other ledger commands. */
static int
load_wkeys(struct tim_cli *cli, struct tim_verifier *keys, struct tim_err *err)
{
	int i;

	(void)cli;
	int j;

	for (i = 0; i < tim_witness_opts.nwkey; i++) {
		if (tim_cosig_verifier_load(&keys[i], tim_witness_opts.wkey[i], err) < 0)
			return -1;
		/* A quorum counts distinct witnesses. */
		for (j = 0; j < i; j++)
			if (memcmp(keys[j].pub, keys[i].pub, sizeof(keys[i].pub)) == 0)
				return tim_invalidf(err, _("witness key '%s' is given twice"),
				    keys[i].name);
	}
	return 0;
}

/* witness keygen */

static int
keygen(struct tim_cli *cli, struct tim_ledger_cmd *o)
{
	struct tim_buf pub = TIM_BUF_INIT, pubpath = TIM_BUF_INIT;
	struct tim_signer s;
	struct tim_err err;
	int r = TIM_EXIT_ERROR;

	tim_err_clear(&err);
	if (o->out == NULL)
		return tim_cli_usage_error(cli, _("witness keygen needs -o KEYFILE"));
	if (o->name == NULL)
		return tim_cli_usage_error(cli, _("witness keygen needs --name NAME (such as witness.example.co.jp/audit)"));
	if (tim_cosigner_generate(&s, o->name, &err) < 0)
		return report(cli, &err);
	tim_buf_addf(&pubpath, "%s.pub", o->out);
	if (tim_cosig_verifier_format(&s.v, &pub) < 0 || tim_buf_addch(&pub, '\n') < 0 ||
	    pubpath.failed) {
		tim_errorf(&err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (tim_cosigner_save(&s, o->out, &err) < 0)
		goto out;
	if (tim_write_new_file(pubpath.buf, 0644, pub.buf, pub.len, &err) < 0) {
		unlink(o->out);
		goto out;
	}
	tim_ledgerview_keypair(cli, o->out, &pubpath, &pub);
	r = TIM_EXIT_OK;
out:
	tim_signer_release(&s);
	tim_buf_release(&pub);
	tim_buf_release(&pubpath);
	if (r != TIM_EXIT_OK)
		return report(cli, &err);
	return r;
}

/* witness serve */

/* "ORIGIN VKEY": the origin is everything before the last space. */
static int
parse_log(const char *arg, struct tim_witness_log *log, struct tim_err *err)
{
	const char *sp = strrchr(arg, ' ');

	memset(log, 0, sizeof(*log));
	if (sp == NULL || sp == arg || (size_t)(sp - arg) >= sizeof(log->origin))
		return tim_invalidf(err, _("--log '%s': give the origin line and the log's verifier key, separated by a space"), arg);
	memcpy(log->origin, arg, (size_t)(sp - arg));
	if (tim_verifier_load(&log->key, sp + 1, err) < 0) {
		tim_err_prefix(err, "--log '%s'", arg);
		err->kind = TIM_ERR_INVALID;
		return -1;
	}
	return 0;
}

/* "ADDR:PORT" or "[ADDR6]:PORT". */
static int
parse_listen(const char *s, char *addr, size_t asz, unsigned *port)
{
	const char *colon;
	char *end;
	unsigned long p;
	size_t n;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -1;
		n = (size_t)(rb - s - 1);
		colon = rb + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= asz)
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

/*
 * The witness's log on standard error (journald keeps it under systemd):
 * every refusal, and with -v every cosignature too. A 409 or 422 is what a
 * forked or rewritten ledger looks like, kept as evidence.
 */
static void
serve_log(void *arg, const struct tim_witness_event *ev)
{
	const struct tim_cli *cli = arg;

	if (ev->status == 200) {
		tim_info(cli, _("witness: cosigned %s size %llu (old %llu)"), ev->origin,
		    (unsigned long long)ev->size, (unsigned long long)ev->old);
		return;
	}
	if (ev->status == 409)
		tim_warn(cli, _("witness: refused %d %s size %llu with old %llu: it holds size %llu"),
		    ev->status, ev->origin, (unsigned long long)ev->size,
		    (unsigned long long)ev->old, (unsigned long long)ev->known);
	else
		tim_warn(cli, _("witness: refused %d %s size %llu with old %llu: %s"),
		    ev->status, *ev->origin ? ev->origin : "-", (unsigned long long)ev->size,
		    (unsigned long long)ev->old, ev->why);
}

static int
serve(struct tim_cli *cli, struct tim_ledger_cmd *o)
{
	struct tim_witness_cmd *wo = &tim_witness_opts;
	struct tim_witness_log logs[TIM_WITNESS_CMD_MAX];
	struct tim_witness_server *srv = NULL;
	struct tim_witness *w = NULL;
	const char *listen = wo->listen ? wo->listen : DEFAULT_LISTEN;
	struct tim_buf vk = TIM_BUF_INIT;
	struct tim_signer key;
	struct tim_err err;
	char addr[128];
	unsigned port;
	sigset_t set;
	int i, sig, r;

	tim_err_clear(&err);
	if (o->keyfile == NULL)
		return tim_cli_usage_error(cli, _("witness serve needs -k KEYFILE"));
	if (wo->state == NULL)
		return tim_cli_usage_error(cli, _("witness serve needs --state DIR"));
	if (wo->nlog == 0)
		return tim_cli_usage_error(cli, _("witness serve needs at least one --log 'ORIGIN VKEY'"));
	if (parse_listen(listen, addr, sizeof(addr), &port) < 0)
		return tim_cli_usage_error(cli, _("--listen '%s': give ADDRESS:PORT, such as 127.0.0.1:7380"), listen);
	for (i = 0; i < wo->nlog; i++)
		if (parse_log(wo->log[i], &logs[i], &err) < 0)
			return report(cli, &err);
	if (tim_cosigner_load(&key, o->keyfile, &err) < 0)
		return report(cli, &err);
	r = tim_witness_open(&w, wo->state, &key, logs, (size_t)wo->nlog, &err);
	if (r == 0) {
		tim_cosig_verifier_format(&key.v, &vk);
		tim_witness_set_log(w, serve_log, cli);
	}
	tim_signer_release(&key);
	if (r < 0)
		return report(cli, &err);
	/* The signals that stop the witness are taken by sigwait, in this thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (tim_witness_server_start(w, addr, port, &srv, &err) < 0) {
		tim_witness_close(w);
		tim_buf_release(&vk);
		return report(cli, &err);
	}
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:i, s:s, s:i}", "address", addr,
		    "port", (int)tim_witness_server_port(srv), "verifier", tim_buf_str(&vk),
		    "logs", wo->nlog);
		tim_json_print(stdout, j);
		json_decref(j);
	} else if (!cli->quiet)
		printf(_("witness %s listening on %s port %u for %d logs\n"),
		    tim_buf_str(&vk), addr, tim_witness_server_port(srv), wo->nlog);
	fflush(stdout);
	sig = 0;
	sigwait(&set, &sig);
	tim_witness_server_stop(srv);
	tim_witness_close(w);
	tim_buf_release(&vk);
	tim_info(cli, _("witness stopped (signal %d)"), sig);
	return TIM_EXIT_OK;
}

int
tim_witness_cmd_witness(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "serve") == 0)
		return serve(cli, o);
	if (strcmp(argv[0], "keygen") == 0)
		return keygen(cli, o);
	return tim_cli_usage_error(cli, _("unknown witness command '%s': use serve or keygen"), argv[0]);
}

/* checkpoint --witness */

struct wresult {
	const char *url;
	struct tim_buf cosigs;	/* verified (or, without keys, well-formed) lines */
	char why[1200];
	int ok;
};

/* Keeps the lines of a 200 answer that are cosignatures we can accept. */
static int
take_cosigs(const struct tim_checkpoint *cp, const char *body, size_t len,
    const struct tim_verifier *keys, int nkeys, struct wresult *wr)
{
	const char *p = body, *end = body + len;
	int kept = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen;
		int i;

		if (nl == NULL)
			break;
		llen = (size_t)(nl + 1 - p);
		if (llen > 4 && memcmp(p, "\xe2\x80\x94 ", 4) == 0 && memchr(p, '\0', llen) == NULL) {
			for (i = 0; i < nkeys; i++) {
				struct tim_err e;

				if (tim_cosig_verify(cp->text, cp->text_len, p, llen, &keys[i],
				    NULL, &e) == 0)
					break;
			}
			if (nkeys == 0 || i < nkeys) {
				tim_buf_add(&wr->cosigs, p, llen);
				kept++;
			}
		}
		p = nl + 1;
	}
	return kept;
}

static int
ask_witness(const char *url, const struct tim_checkpoint *cp, const char *note,
    size_t nlen, const tim_hash *leaves, uint64_t size, uint64_t guess,
    const struct tim_verifier *keys, int nkeys, struct wresult *wr)
{
	struct tim_buf full = TIM_BUF_INIT, body = TIM_BUF_INIT, ans = TIM_BUF_INIT;
	struct tim_http_reply rep;
	struct tim_err err;
	uint64_t old = guess;
	int attempt;

	tim_buf_addf(&full, "%s%sadd-checkpoint", url,
	    *url && url[strlen(url) - 1] == '/' ? "" : "/");
	/* At most two tries: the size we guessed, then the size the witness says. */
	for (attempt = 0; attempt < 2; attempt++) {
		tim_hash proof[128];
		size_t plen = 0;

		tim_err_clear(&err);
		if (old > size)
			old = 0;
		if (old > 0 && old < size &&
		    tim_merkle_consistency(leaves, size, old, proof, &plen) < 0) {
			snprintf(wr->why, sizeof(wr->why), "%s", _("cannot build the consistency proof"));
			goto out;
		}
		tim_buf_reset(&body);
		tim_buf_reset(&ans);
		if (plen > TIM_WITNESS_PROOF_MAX ||
		    tim_witness_req_format(old, proof, plen, note, nlen, &body) < 0) {
			snprintf(wr->why, sizeof(wr->why), "%s", _("out of memory"));
			goto out;
		}
		if (tim_http_post(full.buf, "text/plain", body.buf, body.len, HTTP_TIMEOUT,
		    64 * 1024, &rep, &ans, &err) < 0) {
			snprintf(wr->why, sizeof(wr->why), "%s", err.msg);
			goto out;
		}
		if (rep.status == 409 && strncmp(rep.ctype, "text/x.tlog.size", 16) == 0) {
			unsigned long long k;
			char *e;

			tim_buf_addch(&ans, '\0');
			errno = 0;
			k = strtoull(ans.buf, &e, 10);
			if (errno || e == ans.buf || *e != '\n') {
				snprintf(wr->why, sizeof(wr->why), "%s", _("answered 409 without a size"));
				goto out;
			}
			if (k > size) {
				snprintf(wr->why, sizeof(wr->why),
				    _("refused: it has already cosigned size %llu of this log, larger than this ledger's %llu (a rollback)"),
				    k, (unsigned long long)size);
				goto out;
			}
			if (attempt == 0 && k != old) {
				old = k;
				continue;
			}
			snprintf(wr->why, sizeof(wr->why),
			    _("refused (409 Conflict): this ledger is not consistent with size %llu it cosigned before"), k);
			goto out;
		}
		if (rep.status == 200) {
			if (take_cosigs(cp, ans.buf, ans.len, keys, nkeys, wr) > 0)
				wr->ok = 1;
			else
				snprintf(wr->why, sizeof(wr->why), "%s", nkeys ?
				    _("answered, but with no cosignature by a --witness-key") :
				    _("answered without a cosignature"));
			goto out;
		}
		tim_buf_addch(&ans, '\0');
		{
			char *nl = strchr(ans.buf, '\n');

			if (nl)
				*nl = '\0';
		}
		if (rep.status == 422)
			snprintf(wr->why, sizeof(wr->why),
			    _("refused (422): the consistency proof from size %llu does not match what it cosigned: the ledger was rewritten"),
			    (unsigned long long)old);
		else
			snprintf(wr->why, sizeof(wr->why), _("refused (HTTP %ld): %.200s"),
			    rep.status, ans.buf);
		goto out;
	}
out:
	tim_buf_release(&full);
	tim_buf_release(&body);
	tim_buf_release(&ans);
	return wr->ok ? 0 : -1;
}

/* The size of the newest checkpoint already in the file, for the first guess. */
static uint64_t
last_size(const char *cpath, const char *origin)
{
	struct tim_checkpoint *all;
	struct tim_err err;
	uint64_t s = 0;
	size_t n;

	if (tim_checkpoint_read_all(cpath, &all, &n, &err) < 0)
		return 0;
	if (n > 0 && strcmp(all[n - 1].origin, origin) == 0)
		s = all[n - 1].size;
	tim_checkpoint_free_all(all, n);
	return s;
}

static int
append_note(const char *cpath, const struct tim_buf *note, struct tim_err *err)
{
	int fd = tim_open_regular(cpath, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0644, err);
	int r = 0;

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX) < 0 || tim_write_all(fd, note->buf, note->len) < 0 ||
	    fsync(fd) < 0)
		r = tim_errorf(err, errno, _("cannot write '%s'"), cpath);
	close(fd);
	return r;
}

int
tim_witness_cmd_checkpoint(struct tim_cli *cli, struct tim_ledger_cmd *o,
    int argc, char **argv)
{
	struct tim_witness_cmd *wo = &tim_witness_opts;
	struct tim_ledger_verify_opts vo = { .full = 1, .keep_leaves = 1 };
	struct tim_ledger_verify_result res;
	struct tim_verifier keys[TIM_WITNESS_CMD_MAX];
	struct wresult wr[TIM_WITNESS_CMD_MAX];
	struct tim_buf note = TIM_BUF_INIT;
	struct tim_checkpoint cp;
	const char *path = argv[0];
	const char *keyfile = o->keyfile;
	struct tim_signer s;
	struct tim_err err;
	char *cpath = NULL;
	uint64_t guess;
	size_t used;
	long quorum;
	int i, got = 0, have_cp = 0, r = TIM_EXIT_ERROR;

	(void)argc;
	tim_err_clear(&err);
	memset(&res, 0, sizeof(res));
	memset(wr, 0, sizeof(wr));
	if (wo->nwitness == 0)
		return tim_cli_usage_error(cli, _("--witness-key and --quorum on checkpoint need --witness URL"));
	quorum = wo->quorum >= 0 ? wo->quorum : wo->nwitness;
	if (quorum > wo->nwitness)
		return tim_cli_usage_error(cli, _("--quorum %ld is more than the %d witnesses given"),
		    quorum, wo->nwitness);
	if (keyfile == NULL)
		keyfile = tim_config_get(cli->cfg, "ledger", "key-file");
	if (keyfile == NULL)
		return tim_cli_usage_error(cli, _("checkpoint needs -k KEYFILE"));
	if (load_wkeys(cli, keys, &err) < 0)
		return report(cli, &err);
	if (tim_signer_load(&s, keyfile, &err) < 0)
		return report(cli, &err);
	vo.key = &s.v;
	if (tim_ledger_verify(path, &vo, &res, &err) < 0)
		goto out;
	if (!res.ok) {
		tim_failf(&err, _("%s: refusing to sign a ledger that does not verify: line %llu: %s"),
		    path, (unsigned long long)res.bad_line, res.reason);
		goto out;
	}
	if ((cpath = tim_ledger_checkpoints_path(path)) == NULL ||
	    tim_checkpoint_sign(&s, res.origin, res.lines, res.root, &note) < 0 ||
	    tim_checkpoint_parse(&cp, note.buf, note.len, &used, &err) < 0) {
		tim_errorf(&err, 0, _("cannot sign the checkpoint"));
		goto out;
	}
	have_cp = 1;
	guess = last_size(cpath, res.origin);
	for (i = 0; i < wo->nwitness; i++) {
		wr[i].url = wo->witness[i];
		tim_buf_init(&wr[i].cosigs);
		if (ask_witness(wr[i].url, &cp, note.buf, note.len, res.leaves, res.lines,
		    guess, keys, wo->nwkey, &wr[i]) == 0) {
			tim_buf_add(&note, wr[i].cosigs.buf, wr[i].cosigs.len);
			got++;
		} else {
			tim_error(cli, _("witness '%s': %s"), wr[i].url, wr[i].why);
			tim_cli_syslog(cli, o->syslog, LOG_ALERT, "checkpoint WITNESS REFUSED ledger=%s size=%llu witness=%s: %s",
			    path, (unsigned long long)res.lines, wr[i].url, wr[i].why);
		}
	}
	if (got && wo->nwkey == 0)
		tim_warn(cli, _("the cosignatures were not checked: give --witness-key VKEY for each witness"));
	/* The checkpoint is the log's own statement: kept with what it got. */
	if (tim_buf_addch(&note, '\n') < 0 || append_note(cpath, &note, &err) < 0)
		goto out;
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:i, s:i, s:[]}", "ledger", path,
		    "origin", res.origin, "size", (json_int_t)res.lines, "note", note.buf,
		    "cosignatures", got, "quorum", (int)quorum, "witnesses");

		for (i = 0; i < wo->nwitness; i++)
			json_array_append_new(json_object_get(j, "witnesses"),
			    json_pack("{s:s, s:b, s:s}", "url", wr[i].url, "cosigned", wr[i].ok,
			    "error", wr[i].ok ? "" : wr[i].why));
		tim_json_print(stdout, j);
		json_decref(j);
	} else if (!cli->quiet) {
		/* Standard output is the note, as without witnesses: `> copy` keeps it. */
		fwrite(note.buf, 1, note.len - 1, stdout);
		fflush(stdout);
		fprintf(stderr, _("%d of %d witnesses cosigned (quorum %ld)\n"), got, wo->nwitness,
		    quorum);
	}
	tim_cli_syslog(cli, o->syslog, got < quorum ? LOG_ALERT : LOG_INFO,
	    "checkpoint ledger=%s size=%llu key=%s cosignatures=%d/%d quorum=%ld", path,
	    (unsigned long long)res.lines, s.v.name, got, wo->nwitness, quorum);
	if (got < quorum) {
		tim_failf(&err, _("%s: only %d of %d witnesses cosigned the checkpoint of size %llu; %ld needed"),
		    path, got, wo->nwitness, (unsigned long long)res.lines, quorum);
		goto out;
	}
	r = TIM_EXIT_OK;
out:
	for (i = 0; i < wo->nwitness; i++)
		tim_buf_release(&wr[i].cosigs);
	if (have_cp)
		tim_checkpoint_release(&cp);
	free(res.leaves);
	free(cpath);
	tim_signer_release(&s);
	tim_buf_release(&note);
	if (r != TIM_EXIT_OK)
		return report(cli, &err);
	return r;
}

/* verify --witness-key / --tsa-cert */

static int
read_checkpoints(struct tim_ledger_cmd *o, const char *path,
    struct tim_checkpoint **all, size_t *n, struct tim_err *err)
{
	char *cpath = o->checkpoint ? NULL : tim_ledger_checkpoints_path(path);
	int r;

	if (!o->checkpoint && cpath == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	r = tim_checkpoint_read_all(o->checkpoint ? o->checkpoint : cpath, all, n, err);
	free(cpath);
	return r;
}

/* The note as stored: what a time-stamp covers. */
static int
check_witnesses(struct tim_cli *cli, const char *path,
    const struct tim_checkpoint *cps, size_t n, const struct tim_verifier *keys,
    int nkeys, long quorum, json_t *j)
{
	const struct tim_checkpoint *cp;
	json_t *arr = json_array();
	int i, good = 0;

	if (n == 0) {
		json_object_set_new(j, "witnesses", arr);
		tim_error(cli, _("%s: FAILED: no checkpoint for the witnesses to vouch for"), path);
		return TIM_EXIT_FAIL;
	}
	cp = &cps[n - 1];
	for (i = 0; i < nkeys; i++) {
		struct tim_err e;
		uint64_t t = 0;
		int ok = tim_cosig_verify(cp->text, cp->text_len, cp->sigs, cp->sigs_len,
		    &keys[i], &t, &e) == 0;
		char when[32] = "";

		if (ok) {
			good++;
			tim_time_local((time_t)t, when);
		}
		json_array_append_new(arr, json_pack("{s:s, s:b, s:s}", "witness", keys[i].name,
		    "ok", ok, ok ? "time" : "error", ok ? when : e.msg));
		if (!cli->json && !cli->quiet) {
			if (ok)
				printf(_("%s: witness %s cosigned size %llu at %s\n"), path,
				    keys[i].name, (unsigned long long)cp->size, when);
			else
				tim_error(cli, _("%s: %s"), path, e.msg);
		}
	}
	json_object_set_new(j, "witnesses", arr);
	json_object_set_new(j, "cosignatures", json_integer(good));
	json_object_set_new(j, "quorum", json_integer(quorum));
	json_object_set_new(j, "witnessed_size", json_integer((json_int_t)cp->size));
	if (good < quorum) {
		tim_error(cli, _("%s: FAILED: %d of %d witnesses cosigned the newest checkpoint (size %llu); the quorum is %ld"),
		    path, good, nkeys, (unsigned long long)cp->size, quorum);
		return TIM_EXIT_FAIL;
	}
	if (!cli->json && !cli->quiet)
		printf(_("%s: witnessed: %d of %d cosignatures on the newest checkpoint (quorum %ld)\n"),
		    path, good, nkeys, quorum);
	return TIM_EXIT_OK;
}

/* One stored token, as tim_tsa_check_stored found it. */
struct stamps_seen {
	struct tim_cli *cli;
	const char *path;
	json_t *arr;
	int good, bad;
};

static void
stamp_seen(const struct tim_tsa_stored *t, void *arg)
{
	struct stamps_seen *s = arg;
	char when[32] = "";

	if (t->ok) {
		s->good++;
		tim_time_local(t->info.gen_time, when);
		if (!s->cli->json && !s->cli->quiet)
			printf(_("%s: time-stamp %s: size %llu stamped at %s by %s\n"), s->path,
			    t->file, (unsigned long long)t->size, when, t->info.tsa);
	} else {
		s->bad++;
		tim_error(s->cli, _("%s: FAILED: time-stamp %s: %s"), s->path, t->file, t->err->msg);
	}
	json_array_append_new(s->arr, json_pack("{s:s, s:b, s:s}", "file", t->file,
	    "ok", t->ok, t->ok ? "time" : "error", t->ok ? when : t->err->msg));
}

static int
check_stamps(struct tim_cli *cli, const char *path, const struct tim_checkpoint *cps,
    size_t n, const char *cafile, json_t *j)
{
	struct stamps_seen s = { cli, path, json_array(), 0, 0 };
	struct tim_err err;

	tim_err_clear(&err);
	json_object_set_new(j, "timestamps", s.arr);
	if (tim_tsa_check_stored(path, cps, n, cafile, stamp_seen, &s, &err) < 0) {
		tim_error(cli, "%s", err.msg);
		return TIM_EXIT_ERROR;
	}
	if (s.good == 0 && s.bad == 0) {
		char *dir = tim_tsa_stamps_dir(path);

		tim_error(cli, _("%s: FAILED: no time-stamp token in '%s'"), path, dir ? dir : path);
		free(dir);
		return TIM_EXIT_FAIL;
	}
	if (s.bad)
		return TIM_EXIT_FAIL;
	if (!cli->json && !cli->quiet)
		printf(_("%s: time-stamps: %d verified against '%s'\n"), path, s.good, cafile);
	return TIM_EXIT_OK;
}

/* The witness and time-stamp checks of one ledger, as verify prints them. */
static int
witness_verify_one(struct tim_cli *cli, const char *path, const char *cpfile,
    const struct tim_verifier *keys, long quorum, int syslog_on)
{
	const struct tim_witness_cmd *wo = &tim_witness_opts;
	struct tim_checkpoint *cps;
	struct tim_ledger_cmd o;
	struct tim_err err;
	size_t n;
	json_t *j = json_pack("{s:s}", "ledger", path);
	int r;

	memset(&o, 0, sizeof(o));
	o.checkpoint = cpfile;
	tim_err_clear(&err);
	if (read_checkpoints(&o, path, &cps, &n, &err) < 0) {
		tim_error(cli, "%s: %s", path, err.msg);
		r = tim_cli_status(&err);
	} else {
		r = TIM_EXIT_OK;
		if (wo->nwkey) {
			int w = check_witnesses(cli, path, cps, n, keys, wo->nwkey, quorum, j);
			if (w != TIM_EXIT_OK)
				tim_cli_syslog(cli, syslog_on, LOG_ALERT, "verify WITNESS FAILED ledger=%s quorum=%ld",
				    path, quorum);
			if (w > r)
				r = w;
		}
		if (wo->tsa_cert) {
			int t = check_stamps(cli, path, cps, n, wo->tsa_cert, j);
			if (t != TIM_EXIT_OK)
				tim_cli_syslog(cli, syslog_on, LOG_ALERT, "verify TIMESTAMP FAILED ledger=%s", path);
			if (t > r)
				r = t;
		}
		tim_checkpoint_free_all(cps, n);
	}
	json_object_set_new(j, "ok", json_boolean(r == TIM_EXIT_OK));
	if (cli->json)
		tim_json_print(stdout, j);
	json_decref(j);
	return r;
}

/* Checks the quorum against the keys and loads them; 0 or a status. */
static int
witness_verify_setup(struct tim_cli *cli, struct tim_verifier *keys, long *quorum)
{
	struct tim_witness_cmd *wo = &tim_witness_opts;
	const char *cafile = wo->tsa_cert;
	struct tim_err err;

	tim_err_clear(&err);
	if (wo->quorum >= 0 && wo->nwkey == 0)
		return tim_cli_usage_error(cli, _("--quorum needs --witness-key"));
	*quorum = wo->quorum >= 0 ? wo->quorum : wo->nwkey;
	if (*quorum > wo->nwkey)
		return tim_cli_usage_error(cli, _("--quorum %ld is more than the %d witness keys given"),
		    *quorum, wo->nwkey);
	if (load_wkeys(cli, keys, &err) < 0)
		return report(cli, &err);
	if (cafile && access(cafile, R_OK) < 0) {
		tim_errorf(&err, errno, _("cannot read certificate '%s'"), cafile);
		return report(cli, &err);
	}
	return 0;
}

int
tim_witness_check_ledger(struct tim_cli *cli, const char *path)
{
	static struct tim_verifier keys[TIM_WITNESS_CMD_MAX];
	static long quorum;
	static int setup = -1;

	if (tim_witness_opts.nwkey == 0 && tim_witness_opts.tsa_cert == NULL)
		return TIM_EXIT_OK;
	if (setup < 0)
		setup = witness_verify_setup(cli, keys, &quorum);
	if (setup != 0)
		return setup;
	return witness_verify_one(cli, path, NULL, keys, quorum, 0);
}

int
tim_witness_cmd_verify(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_verifier keys[TIM_WITNESS_CMD_MAX];
	long quorum;
	int i, r, worst;

	if ((r = witness_verify_setup(cli, keys, &quorum)) != 0)
		return r;
	/* The ledger and its checkpoints first, as plain verify does. */
	worst = tim_ledger_cmd_verify(cli, o, argc, argv);
	if (worst >= TIM_EXIT_USAGE)
		return worst;
	for (i = 0; i < argc; i++) {
		r = witness_verify_one(cli, argv[i], o->checkpoint, keys, quorum, o->syslog);
		if (r > worst)
			worst = r;
	}
	if (fflush(stdout) != 0)
		worst = TIM_EXIT_ERROR;
	return worst;
}

/* stamp */

int
tim_witness_cmd_stamp(struct tim_cli *cli, struct tim_ledger_cmd *o, int argc,
    char **argv)
{
	struct tim_witness_cmd *wo = &tim_witness_opts;
	struct tim_buf req = TIM_BUF_INIT, resp = TIM_BUF_INIT, name = TIM_BUF_INIT;
	const char *path = argv[0];
	const char *cafile = wo->tsa_cert;
	struct tim_checkpoint *cps = NULL;
	struct tim_http_reply rep;
	struct tim_tsa_req tq;
	struct tim_tsa_info info;
	unsigned char d[32];
	struct tim_err err;
	char when[32];
	size_t n = 0;
	int r = TIM_EXIT_ERROR;

	(void)argc;
	tim_err_clear(&err);
	if (wo->tsa == NULL)
		return tim_cli_usage_error(cli, _("stamp needs --tsa URL"));
	if (cafile && access(cafile, R_OK) < 0) {
		tim_errorf(&err, errno, _("cannot read certificate '%s'"), cafile);
		return report(cli, &err);
	}
	if (read_checkpoints(o, path, &cps, &n, &err) < 0)
		goto out;
	if (n == 0) {
		tim_failf(&err, _("%s: no checkpoint to stamp: run 'tim-ledger checkpoint' first"), path);
		goto out;
	}
	if (tim_tsa_checkpoint_digest(&cps[n - 1], d) < 0 || tim_tsa_request(d, &tq, &req, &err) < 0)
		goto out;
	if (tim_http_post(wo->tsa, "application/timestamp-query", req.buf, req.len,
	    HTTP_TIMEOUT, TIM_TSA_RESP_MAX, &rep, &resp, &err) < 0)
		goto out;
	if (rep.status != 200) {
		tim_failf(&err, _("the time-stamping authority '%s' answered HTTP %ld"), wo->tsa,
		    rep.status);
		goto out;
	}
	if (tim_tsa_verify((unsigned char *)resp.buf, resp.len, &tq, d, cafile, &info, &err) < 0) {
		tim_err_prefix(&err, _("time-stamping authority '%s'"), wo->tsa);
		goto out;
	}
	if (tim_tsa_store(path, cps[n - 1].size, d, &resp, &name, &err) < 0)
		goto out;
	tim_time_local(info.gen_time, when);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:b}", "ledger", path,
		    "size", (json_int_t)cps[n - 1].size, "file", name.buf, "time", when,
		    "tsa", info.tsa, "serial", info.serial, "chain_checked", cafile != NULL);
		tim_json_print(stdout, j);
		json_decref(j);
	} else if (!cli->quiet) {
		printf(_("%s: checkpoint of size %llu stamped at %s by %s\n"), path,
		    (unsigned long long)cps[n - 1].size, when, info.tsa);
		printf(_("token: %s\n"), name.buf);
		if (cafile == NULL)
			tim_warn(cli, _("the TSA's certificate chain was not checked: give --tsa-cert FILE"));
	}
	r = TIM_EXIT_OK;
out:
	tim_checkpoint_free_all(cps, n);
	tim_buf_release(&req);
	tim_buf_release(&resp);
	tim_buf_release(&name);
	if (r != TIM_EXIT_OK)
		return report(cli, &err);
	return r;
}
