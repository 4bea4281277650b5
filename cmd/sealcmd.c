/*
 * tim-seal's front end (see sealcmd.h): passwords, output, the send record.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "i18n.h"
#include "json.h"
#include "ledger_json.h"
#include "seal.h"
#include "sealcmd.h"
#include "sealpolicy.h"
#include "secrets.h"
#include "util.h"
#include "banned.h"

#define PASS_MAX 4096

static void
strip_newline(struct tim_buf *b)
{
	if (b->len > 0 && b->buf[b->len - 1] == '\n')
		b->len--;
	if (b->len > 0 && b->buf[b->len - 1] == '\r')
		b->len--;
	b->buf[b->len] = '\0';
}

static int
read_fd_pass(int fd, struct tim_buf *b, struct tim_err *err)
{
	char chunk[512];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return tim_errorf(err, errno, _("cannot read the password from descriptor %d"), fd);
		if (n == 0)
			break;
		if (b->len + (size_t)n > PASS_MAX) {
			OPENSSL_cleanse(chunk, sizeof(chunk));
			return tim_errorf(err, 0, _("the password is too long"));
		}
		tim_buf_add(b, chunk, (size_t)n);
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return b->failed ? tim_errorf(err, ENOMEM, _("out of memory")) : 0;
}

static int
tty_line(int fd, const char *prompt, struct tim_buf *b, struct tim_err *err)
{
	struct termios old, quiet;
	char c;
	ssize_t n;
	int rc = 0;

	if (tcgetattr(fd, &old) < 0)
		return tim_errorf(err, errno, _("cannot read the password from the terminal"));
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tim_write_all(fd, prompt, strlen(prompt)) < 0 ||
	    tcsetattr(fd, TCSAFLUSH, &quiet) < 0)
		return tim_errorf(err, errno, _("cannot read the password from the terminal"));
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || c == '\n')
			break;
		if (b->len >= PASS_MAX) {
			rc = tim_errorf(err, 0, _("the password is too long"));
			break;
		}
		tim_buf_addch(b, c);
	}
	c = 0;
	tcsetattr(fd, TCSAFLUSH, &old);
	if (tim_write_all(fd, "\n", 1) < 0)
		(void)0;
	return rc;
}

static int
tty_pass(int confirm, struct tim_buf *b, struct tim_err *err)
{
	struct tim_buf again = TIM_BUF_INIT;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY), rc;

	if (fd < 0)
		return tim_invalidf(err,
		    _("no terminal to ask for the password; use --password-file or --password-fd"));
	rc = tty_line(fd, _("Password: "), b, err);
	if (rc == 0 && confirm) {
		rc = tty_line(fd, _("Password again: "), &again, err);
		if (rc == 0 && (again.len != b->len || memcmp(again.buf, b->buf, b->len) != 0))
			rc = tim_invalidf(err, _("the passwords differ"));
	}
	tim_buf_release_secret(&again);
	close(fd);
	return rc;
}

static int
get_password(struct tim_seal_cmd *c, int confirm, struct tim_buf *b,
    struct tim_err *err)
{
	int rc;

	if (c->password_file != NULL) {
		rc = tim_read_file(c->password_file, PASS_MAX, 1, b, err);
		if (rc == 0)
			strip_newline(b);
	} else if (c->password_fd >= 0) {
		rc = read_fd_pass(c->password_fd, b, err);
		if (rc == 0)
			strip_newline(b);
	} else {
		rc = tty_pass(confirm, b, err);
	}
	if (rc == 0 && b->len == 0)
		rc = tim_invalidf(err, _("the password is empty"));
	return rc;
}

static int
wants_password(const struct tim_seal_cmd *c)
{
	return c->password_file != NULL || c->password_fd >= 0 || c->password_tty ||
	    c->generate_password;
}

#ifndef TIM_DATADIR
#define TIM_DATADIR "/usr/local/share/tim"
#endif

/*
 * The shipped list of common passwords: $TIM_DATADIR, else where make
 * install put it, else beside an uninstalled build (build/bin/../../data).
 */
static char *
common_list(void)
{
	const char *env = getenv("TIM_DATADIR");
	char exe[4096], *p = NULL;
	ssize_t n;

	if (env != NULL && *env) {
		if (asprintf(&p, "%s/common-passwords.txt", env) < 0)
			return NULL;
		return p;
	}
	if (access(TIM_DATADIR "/common-passwords.txt", R_OK) == 0)
		return strdup(TIM_DATADIR "/common-passwords.txt");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if (asprintf(&p, "%s/../../data/common-passwords.txt", dirname(exe)) < 0)
			return NULL;
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return strdup(TIM_DATADIR "/common-passwords.txt");
}

/*
 * A password to seal with must not be guessable (issue 16): -1 to go on,
 * else the exit status. --weak-password REASON lets it through, recorded.
 */
static int
password_gate(struct tim_cli *cli, struct tim_seal_cmd *c,
    const struct tim_buf *pass, int *weak)
{
	const char *lists[3] = { NULL, NULL, NULL }, *why;
	struct tim_err err;
	char *shipped = common_list();
	int rc;

	tim_err_clear(&err);
	if (shipped == NULL) {
		tim_error(cli, _("out of memory"));
		return TIM_EXIT_ERROR;
	}
	lists[0] = shipped;
	lists[1] = tim_config_get(cli->cfg, "seal", "password-list");
	rc = tim_seal_password_weak((const unsigned char *)pass->buf, pass->len,
	    lists, &why, &err);
	free(shipped);
	if (rc < 0)
		return tim_cli_fail(cli, &err);
	if (rc == 0)
		return -1;
	if (c->weak_password == NULL) {
		tim_error(cli, _("the password is weak: %s; --generate-password makes a strong one, "
		    "--weak-password REASON uses this one and records why"), _(why));
		return TIM_EXIT_FAIL;
	}
	tim_warn(cli, _("sealing with a weak password (%s): %s"), _(why), c->weak_password);
	*weak = 1;
	return -1;
}

/* --generate-password: shown once, on the terminal only, never on stdout. */
static int
generate_password(struct tim_cli *cli, const char *out, struct tim_buf *b)
{
	struct tim_err err;
	char pw[32];
	int fd, rc = -1;

	tim_err_clear(&err);
	fd = open("/dev/tty", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		tim_error(cli, _("--generate-password shows the password on the terminal, and there is none; "
		    "use --password-file"));
		return TIM_EXIT_USAGE;
	}
	if (tim_seal_password_generate(pw, sizeof(pw), &err) < 0) {
		close(fd);
		return tim_cli_fail(cli, &err);
	}
	tim_buf_adds(b, pw);
	if (dprintf(fd, _("password for '%s' (shown only now; tell it by telephone or in person): %s\n"),
	    out, pw) > 0)
		rc = -1;
	else
		rc = TIM_EXIT_ERROR;
	OPENSSL_cleanse(pw, sizeof(pw));
	close(fd);
	if (rc >= 0)
		tim_error(cli, _("cannot show the password on the terminal"));
	return rc;
}

static int
record_send(struct tim_cli *cli, struct tim_seal_cmd *c, int argc, char **argv,
    json_t *info, const struct tim_seal_policy *pol, int weak)
{
	struct tim_err err;
	json_t *f;
	uint64_t seq = 0;
	int rc;

	tim_err_clear(&err);
	f = tim_seal_send_fields(info, argv, (size_t)argc, pol->labels, c->override);
	if (f == NULL) {
		tim_error(cli, _("out of memory"));
		return TIM_EXIT_ERROR;
	}
	if (weak)
		json_object_set_new(f, "weak_password", json_string(c->weak_password));
	if (c->generate_password)
		json_object_set_new(f, "password", json_string("generated"));
	rc = tim_ledger_record(c->ledger, "send", f, 0, &seq, &err);
	json_decref(f);
	if (rc < 0) {
		tim_err_prefix(&err, _("ledger '%s'"), c->ledger);
		return tim_cli_fail(cli, &err);
	}
	tim_info(cli, _("recorded send #%llu in '%s'"), (unsigned long long)seq, c->ledger);
	return TIM_EXIT_OK;
}

/*
 * The receive record (告示 I 第四 1 (2)): what came, from whom, its hashes,
 * and the labels found on what was opened.
 */
static int
record_receive(struct tim_cli *cli, struct tim_seal_cmd *c, const char *sealed,
    json_t *info)
{
	struct tim_seal_policy pol = { NULL, 0, "", "", "" };
	struct tim_err err;
	json_t *f, *x;
	char **paths = NULL;
	const char *dir = json_string_value(json_object_get(info, "directory"));
	const char *out = json_string_value(json_object_get(info, "output"));
	size_t i, n = 0, nx = json_array_size(json_object_get(info, "extracted"));
	uint64_t seq = 0;
	int rc = TIM_EXIT_ERROR;

	tim_err_clear(&err);
	paths = calloc(nx + 1, sizeof(*paths));
	if (paths == NULL)
		goto oom;
	if (out != NULL && strcmp(out, "-") != 0)
		if ((paths[n++] = strdup(out)) == NULL)
			goto oom;
	json_array_foreach(json_object_get(info, "extracted"), i, x) {
		const char *name = json_string_value(json_object_get(x, "name"));

		if (name == NULL || json_object_get(x, "link") != NULL)
			continue;
		if (asprintf(&paths[n], "%s/%s", dir ? dir : ".", name) < 0) {
			paths[n] = NULL;
			goto oom;
		}
		n++;
	}
	/* No recipients: the policy only collects the labels. */
	if (tim_seal_policy_check(cli->cfg, paths, n, NULL, 0, 0, &pol, &err) < 0) {
		rc = tim_cli_fail(cli, &err);
		goto out;
	}
	f = tim_seal_receive_fields(info, sealed, c->from, pol.labels);
	if (f == NULL)
		goto oom;
	rc = tim_ledger_record(c->ledger, "receive", f, 0, &seq, &err);
	json_decref(f);
	if (rc < 0) {
		tim_err_prefix(&err, _("ledger '%s'"), c->ledger);
		rc = tim_cli_fail(cli, &err);
		goto out;
	}
	tim_info(cli, _("recorded receive #%llu in '%s'"), (unsigned long long)seq, c->ledger);
	rc = TIM_EXIT_OK;
	goto out;
oom:
	tim_error(cli, _("out of memory"));
out:
	for (i = 0; paths != NULL && i < n; i++)
		free(paths[i]);
	free(paths);
	tim_seal_policy_release(&pol);
	return rc;
}

/*
 * -0: each "-" operand is replaced by the NUL-separated names on standard
 * input (tim-mark --list -0 ... | tim-seal -0 -r CERT -), as tim-mark does.
 * A new array in *out (names malloc'd, freed by free_list).
 */
static int
expand_list(struct tim_cli *cli, int argc, char **argv, char ***out, int *outc)
{
	char **v = NULL, **nv, *line = NULL;
	size_t cap = 0, n = 0, lcap = 0;
	ssize_t len;
	int i, used = 0;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") != 0) {
			if (n + 1 >= cap) {
				cap = cap ? cap * 2 : 16;
				if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
					goto oom;
				v = nv;
			}
			if ((v[n] = strdup(argv[i])) == NULL)
				goto oom;
			n++;
			continue;
		}
		if (used++) {
			free(line);
			*out = v;
			*outc = (int)n;
			return tim_cli_usage_error(cli, _("'-' may be given once"));
		}
		while ((len = getdelim(&line, &lcap, '\0', stdin)) > 0) {
			if (line[len - 1] == '\0')
				len--;
			if (len == 0)
				continue;
			if (n + 1 >= cap) {
				cap = cap ? cap * 2 : 16;
				if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
					goto oom;
				v = nv;
			}
			if ((v[n] = strndup(line, (size_t)len)) == NULL)
				goto oom;
			n++;
		}
		if (ferror(stdin)) {
			free(line);
			*out = v;
			*outc = (int)n;
			tim_error(cli, _("cannot read the list of files from standard input"));
			return TIM_EXIT_ERROR;
		}
	}
	free(line);
	*out = v;
	*outc = (int)n;
	return -1;
oom:
	free(line);
	*out = v;
	*outc = (int)n;
	tim_error(cli, _("out of memory"));
	return TIM_EXIT_ERROR;
}

static void
free_list(char **v, int n)
{
	int i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

/* -o, else stdout for stdin, else FIRST.p7m beside the first input. */
static char *
seal_out_name(const struct tim_seal_cmd *c, int argc, char **argv, int bundle)
{
	if (c->out != NULL)
		return strdup(c->out);
	if (strcmp(argv[0], "-") == 0)
		return strdup("-");
	return tim_seal_default_out(argv, (size_t)argc, bundle);
}

/*
 * The label policy decides before anything is read or asked for: -1 to go
 * on, else the exit status.
 */
static int
policy_gate(struct tim_cli *cli, struct tim_seal_cmd *c, int argc, char **argv,
    struct tim_seal_policy *pol)
{
	struct tim_err err;

	tim_err_clear(&err);
	if (tim_seal_policy_check(cli->cfg, argv, (size_t)argc, c->certs, c->ncerts,
	    wants_password(c), pol, &err) < 0)
		return tim_cli_fail(cli, &err);
	if (pol->refused && c->override == NULL) {
		tim_error(cli, _("'%s' is labelled %s and may not be sealed to an outside recipient ('%s'); "
		    "inside recipients are certificates whose addresses are all in [seal] inside-domains; "
		    "--override REASON sends it anyway and records why"), pol->file, pol->level, pol->outside);
		return TIM_EXIT_FAIL;
	}
	if (c->override != NULL && c->ledger == NULL)
		return tim_cli_usage_error(cli, _("an override must be recorded: give --ledger LEDGER (or [seal] ledger in tim.conf)"));
	if (pol->refused)
		tim_warn(cli, _("sealing '%s' (%s) to '%s' by override: %s"), pol->file,
		    pol->level, pol->outside, c->override);
	return -1;
}

static void
seal_opts(struct tim_cli *cli, const struct tim_seal_cmd *c, int bundle,
    const struct tim_buf *pass, struct tim_seal_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (wants_password(c)) {
		o->password = (const unsigned char *)pass->buf;
		o->passlen = pass->len;
	}
	o->certs = c->certs;
	o->ncerts = c->ncerts;
	o->compat = c->compat;
	o->allow_expired = c->allow_expired;
	o->sign_key = c->sign_key;
	o->signer_cert = c->signer;
	o->bundle = bundle;
	o->force = c->force;
	o->hashes = c->ledger != NULL || cli->json || cli->verbose;
}

static void
print_sealed(struct tim_cli *cli, const char *first, const char *out,
    json_t *info)
{
	/* With the envelope on stdout, the report goes to stderr. */
	if (cli->json) {
		tim_json_print(strcmp(out, "-") == 0 ? stderr : stdout, info);
	} else if (!cli->quiet && strcmp(out, "-") != 0) {
		const char *bundle = json_string_value(json_object_get(info, "bundle"));

		if (bundle != NULL && strcmp(bundle, "none") != 0)
			printf(_("encrypted %lld files as one %s -> '%s' (%s; recipients: %zu)\n"),
			    (long long)json_integer_value(json_object_get(info, "files")), bundle, out,
			    json_string_value(json_object_get(info, "content_encryption")),
			    json_array_size(json_object_get(info, "recipients")));
		else
			printf(_("encrypted '%s' -> '%s' (%s; recipients: %zu)\n"), first, out,
			    json_string_value(json_object_get(info, "content_encryption")),
			    json_array_size(json_object_get(info, "recipients")));
	}
}

static int
run_seal(struct tim_cli *cli, struct tim_seal_cmd *c, int argc, char **argv)
{
	struct tim_seal_opts o;
	struct tim_seal_policy pol = { NULL, 0, "", "", "" };
	struct tim_buf pass = TIM_BUF_INIT;
	struct tim_err err;
	json_t *info = NULL;
	char *out = NULL;
	int rc, bundle, weak = 0;

	tim_cli_hold_secrets();
	tim_err_clear(&err);
	if (argc < 1)
		return tim_cli_usage_error(cli, _("nothing to encrypt"));
	if (c->ncerts == 0 && !wants_password(c))
		return tim_cli_usage_error(cli, _("give a recipient (-r CERT) or a password"));
	bundle = tim_seal_bundle_for(argv, (size_t)argc, c->bundle);
	out = seal_out_name(c, argc, argv, bundle);
	if (out == NULL) {
		tim_error(cli, _("out of memory"));
		return TIM_EXIT_ERROR;
	}
	rc = policy_gate(cli, c, argc, argv, &pol);
	if (rc >= 0)
		goto done;
	if (c->weak_password != NULL && c->ledger == NULL) {
		rc = tim_cli_usage_error(cli, _("a weak password must be recorded: give --ledger LEDGER (or [seal] ledger in tim.conf)"));
		goto done;
	}
	if (c->generate_password) {
		if ((rc = generate_password(cli, out, &pass)) >= 0)
			goto done;
	} else if (wants_password(c)) {
		if (get_password(c, 1, &pass, &err) < 0) {
			rc = tim_cli_fail(cli, &err);
			goto done;
		}
		if ((rc = password_gate(cli, c, &pass, &weak)) >= 0)
			goto done;
	}
	seal_opts(cli, c, bundle, &pass, &o);
	if (tim_seal(&o, argv, (size_t)argc, out, &info, &err) < 0) {
		rc = tim_cli_fail(cli, &err);
		goto done;
	}
	if (o.password != NULL)
		tim_warn(cli, _("send the password by another channel than the encrypted file (telephone, SMS, in person), never in the same mail"));
	print_sealed(cli, argv[0], out, info);
	rc = TIM_EXIT_OK;
	if (c->ledger != NULL)
		rc = record_send(cli, c, argc, argv, info, &pol, weak);
done:
	tim_seal_policy_release(&pol);
	tim_buf_release_secret(&pass);
	json_decref(info);
	free(out);
	return rc;
}

/* What the person must know even with -q: legacy algorithms, no integrity. */
static void
warn_opened(struct tim_cli *cli, const char *sealed, json_t *info)
{
	json_t *l;
	size_t i;

	json_array_foreach(json_object_get(info, "removed_leftovers"), i, l)
		tim_warn(cli, _("removed the plaintext an interrupted run left in '%s'"),
		    json_string_value(l));
	json_array_foreach(json_object_get(info, "legacy"), i, l)
		tim_warn(cli, _("'%s': accepted a legacy algorithm not on the CRYPTREC list (--allow-legacy): %s"),
		    sealed, json_string_value(l));
	if (strcmp(json_string_value(json_object_get(info, "integrity")), "none") == 0)
		tim_warn(cli, _("'%s' is not authenticated (AES-CBC without a signature): "
		    "a change made to it on the way cannot be detected; ask the sender to sign it or to use AES-GCM"),
		    sealed);
}

/* With the plaintext on stdout, the report goes to stderr. */
static void
print_opened(struct tim_cli *cli, const struct tim_seal_cmd *c,
    const char *sealed, json_t *info)
{
	FILE *f = c->out && strcmp(c->out, "-") == 0 ? stderr : stdout;
	json_t *s = json_object_get(info, "signer");
	const char *enc;

	if (cli->json) {
		tim_json_print(f, info);
		return;
	}
	if (cli->quiet)
		return;
	enc = json_string_value(json_object_get(info, "encoding"));
	if (enc != NULL && strcmp(enc, "PEM") == 0)
		fprintf(f, _("'%s' is PEM text (base64); the encrypted file in it was opened\n"), sealed);
	else if (enc != NULL && strcmp(enc, "S/MIME") == 0)
		fprintf(f, _("'%s' is an S/MIME message; its encrypted part was opened\n"), sealed);
	if (json_object_get(info, "output"))
		fprintf(f, _("opened '%s' -> '%s'\n"), sealed,
		    json_string_value(json_object_get(info, "output")));
	else if (json_object_get(info, "directory"))
		fprintf(f, _("opened '%s' -> %zu files in '%s'\n"), sealed,
		    json_array_size(json_object_get(info, "extracted")),
		    json_string_value(json_object_get(info, "directory")));
	if (s != NULL)
		fprintf(f, _("signed by %s (%s)\n"),
		    json_string_value(json_object_get(s, "subject")),
		    json_is_true(json_object_get(s, "chain_verified")) ?
		    _("certificate verified against the CA file") :
		    _("certificate not verified: give --ca"));
}

static int
run_open(struct tim_cli *cli, struct tim_seal_cmd *c, int argc, char **argv)
{
	struct tim_open_opts o;
	struct tim_buf pass = TIM_BUF_INIT;
	struct tim_err err;
	json_t *info = NULL;
	int rc;

	tim_cli_hold_secrets();
	tim_err_clear(&err);
	memset(&o, 0, sizeof(o));
	if (argc != 1)
		return tim_cli_usage_error(cli, _("give one encrypted file (SEALED) to open"));
	if ((c->key != NULL) == wants_password(c))
		return tim_cli_usage_error(cli, _("give --key and --cert, or a password"));
	if (c->key != NULL && c->cert == NULL)
		return tim_cli_usage_error(cli, _("--key needs --cert"));
	if (c->out != NULL && c->dir != NULL)
		return tim_cli_usage_error(cli, _("-o and -C exclude each other"));
	if (wants_password(c)) {
		if (get_password(c, 0, &pass, &err) < 0) {
			rc = tim_cli_fail(cli, &err);
			goto done;
		}
		o.password = (const unsigned char *)pass.buf;
		o.passlen = pass.len;
	}
	o.key = c->key;
	o.cert = c->cert;
	o.ca = c->ca;
	o.allow_legacy = c->allow_legacy;
	o.force = c->force;
	o.refuse_unauthenticated = !tim_config_get_bool(cli->cfg, "seal",
	    "allow-unauthenticated", 1);
	o.out = c->out;
	o.dir = c->dir;
	o.hashes = cli->json || cli->verbose || c->ledger != NULL;
	if (tim_seal_open(&o, argv[0], &info, &err) < 0) {
		rc = tim_cli_fail(cli, &err);
		goto done;
	}
	warn_opened(cli, argv[0], info);
	print_opened(cli, c, argv[0], info);
	rc = TIM_EXIT_OK;
	if (c->ledger != NULL)
		rc = record_receive(cli, c, argv[0], info);
done:
	tim_buf_release_secret(&pass);
	json_decref(info);
	return rc;
}

static void
print_inspect(json_t *info)
{
	json_t *r, *s;
	size_t i;

	printf(_("file: %s\n"), json_string_value(json_object_get(info, "file")));
	printf(_("encoding: %s\n"), json_string_value(json_object_get(info, "encoding")));
	printf(_("format: %s, %s"), json_string_value(json_object_get(info, "type")),
	    json_string_value(json_object_get(info, "content_encryption")));
	if (json_object_get(info, "mac_length"))
		printf(_(", tag %lld bytes"),
		    (long long)json_integer_value(json_object_get(info, "mac_length")));
	printf("\n");
	printf(_("content: %s%s\n"), json_string_value(json_object_get(info, "content_type")),
	    json_is_true(json_object_get(info, "signed")) ?
	    _(" (signed; the signer is inside the encryption)") : "");
	json_array_foreach(json_object_get(info, "recipients"), i, r) {
		printf(_("recipient %zu: %s"), i + 1,
		    json_string_value(json_object_get(r, "type")));
		if ((s = json_object_get(r, "issuer")) != NULL)
			printf(_(" issuer=%s serial=%s"), json_string_value(s),
			    json_string_value(json_object_get(r, "serial")));
		if ((s = json_object_get(r, "ski")) != NULL)
			printf(" ski=%s", json_string_value(s));
		if ((s = json_object_get(r, "key_encryption")) != NULL)
			printf(", %s", json_string_value(s));
		if ((s = json_object_get(r, "refused")) != NULL)
			printf(_(" [refused: %s]"), json_string_value(s));
		printf("\n");
	}
	printf(_("encrypted content: %lld bytes; encrypted file: %lld bytes\n"),
	    (long long)json_integer_value(json_object_get(info, "encrypted_size")),
	    (long long)json_integer_value(json_object_get(info, "envelope_size")));
	if (json_is_false(json_object_get(info, "authenticated")))
		printf(_("integrity: none of its own (AES-CBC); only a signature inside, if any, shows a change\n"));
	s = json_object_get(info, "clients");
	if (json_is_true(json_object_get(s, "nss")))
		printf(_("opens with: openssl cms; NSS cmsutil (Thunderbird); gpgsm (Kleopatra)\n"));
	else
		printf(_("opens with: openssl cms (OpenSSL 3) only; not NSS cmsutil (Thunderbird) nor gpgsm (Kleopatra), "
		    "which open only RSA PKCS#1 v1.5, not on the CRYPTREC list\n"));
}

static int
run_inspect(struct tim_cli *cli, int argc, char **argv)
{
	struct tim_err err;
	json_t *info;
	int i, worst = TIM_EXIT_OK, rc;

	if (argc < 1)
		return tim_cli_usage_error(cli, _("give an encrypted file (SEALED) to inspect"));
	for (i = 0; i < argc; i++) {
		tim_err_clear(&err);
		if (tim_seal_inspect(argv[i], &info, &err) < 0) {
			rc = tim_cli_fail(cli, &err);
			if (rc > worst)
				worst = rc;
			continue;
		}
		if (cli->json)
			tim_json_print(stdout, info);
		else
			print_inspect(info);
		json_decref(info);
	}
	return worst;
}

int
tim_seal_cmd_run(struct tim_cli *cli, struct tim_seal_cmd *c, int argc,
    char **argv)
{
	char **list = NULL;
	int n = 0, rc;

	if (c->mode == TIM_SEALCMD_SEAL && c->nul) {
		rc = expand_list(cli, argc, argv, &list, &n);
		if (rc < 0)
			rc = run_seal(cli, c, n, list);
		free_list(list, n);
		return rc;
	}
	switch (c->mode) {
	case TIM_SEALCMD_OPEN:
		return run_open(cli, c, argc, argv);
	case TIM_SEALCMD_INSPECT:
		return run_inspect(cli, argc, argv);
	default:
		return run_seal(cli, c, argc, argv);
	}
}
