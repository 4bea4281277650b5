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
	return c->password_file != NULL || c->password_fd >= 0 || c->password_tty;
}

static int
record_send(struct tim_cli *cli, struct tim_seal_cmd *c, int argc, char **argv,
    json_t *info, const struct tim_seal_policy *pol)
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
	rc = tim_ledger_record(c->ledger, "send", f, 0, &seq, &err);
	json_decref(f);
	if (rc < 0) {
		tim_err_prefix(&err, _("ledger '%s'"), c->ledger);
		return tim_cli_fail(cli, &err);
	}
	tim_info(cli, _("recorded send #%llu in '%s'"), (unsigned long long)seq, c->ledger);
	return TIM_EXIT_OK;
}

/* -o, else stdout for stdin, else FIRST.p7m beside the first input. */
static char *
seal_out_name(const struct tim_seal_cmd *c, char **argv, int bundle)
{
	if (c->out != NULL)
		return strdup(c->out);
	if (strcmp(argv[0], "-") == 0)
		return strdup("-");
	return tim_seal_default_out(argv[0], bundle);
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
		printf(_("sealed '%s' -> '%s' (%s, %zu recipients)\n"), first, out,
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
	int rc, bundle;

	tim_cli_hold_secrets();
	tim_err_clear(&err);
	if (argc < 1)
		return tim_cli_usage_error(cli, _("nothing to seal"));
	if (c->ncerts == 0 && !wants_password(c))
		return tim_cli_usage_error(cli, _("give a recipient (-r CERT) or a password"));
	bundle = tim_seal_bundle_for(argv, (size_t)argc, c->bundle);
	out = seal_out_name(c, argv, bundle);
	if (out == NULL) {
		tim_error(cli, _("out of memory"));
		return TIM_EXIT_ERROR;
	}
	rc = policy_gate(cli, c, argc, argv, &pol);
	if (rc >= 0)
		goto done;
	if (wants_password(c) && get_password(c, 1, &pass, &err) < 0) {
		rc = tim_cli_fail(cli, &err);
		goto done;
	}
	seal_opts(cli, c, bundle, &pass, &o);
	if (tim_seal(&o, argv, (size_t)argc, out, &info, &err) < 0) {
		rc = tim_cli_fail(cli, &err);
		goto done;
	}
	if (o.password != NULL)
		tim_warn(cli, _("send the password by another channel than the envelope (telephone, SMS, in person), never in the same mail"));
	print_sealed(cli, argv[0], out, info);
	rc = TIM_EXIT_OK;
	if (c->ledger != NULL)
		rc = record_send(cli, c, argc, argv, info, &pol);
done:
	tim_seal_policy_release(&pol);
	tim_buf_release_secret(&pass);
	json_decref(info);
	free(out);
	return rc;
}

/* With the plaintext on stdout, the report goes to stderr. */
static void
print_opened(struct tim_cli *cli, const struct tim_seal_cmd *c,
    const char *sealed, json_t *info)
{
	FILE *f = c->out && strcmp(c->out, "-") == 0 ? stderr : stdout;
	json_t *s = json_object_get(info, "signer");

	if (cli->json) {
		tim_json_print(f, info);
		return;
	}
	if (cli->quiet)
		return;
	if (json_object_get(info, "output"))
		fprintf(f, _("opened '%s' -> '%s'\n"), sealed,
		    json_string_value(json_object_get(info, "output")));
	else if (json_object_get(info, "directory"))
		fprintf(f, _("opened '%s' -> %zu entries in '%s'\n"), sealed,
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
		return tim_cli_usage_error(cli, _("give one SEALED file to open"));
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
	o.out = c->out;
	o.dir = c->dir;
	o.hashes = cli->json || cli->verbose;
	if (tim_seal_open(&o, argv[0], &info, &err) < 0) {
		rc = tim_cli_fail(cli, &err);
		goto done;
	}
	print_opened(cli, c, argv[0], info);
	rc = TIM_EXIT_OK;
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
	printf(_("encrypted content: %lld bytes; envelope: %lld bytes\n"),
	    (long long)json_integer_value(json_object_get(info, "encrypted_size")),
	    (long long)json_integer_value(json_object_get(info, "envelope_size")));
}

static int
run_inspect(struct tim_cli *cli, int argc, char **argv)
{
	struct tim_err err;
	json_t *info;
	int i, worst = TIM_EXIT_OK, rc;

	if (argc < 1)
		return tim_cli_usage_error(cli, _("give a SEALED file to inspect"));
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
	switch (c->mode) {
	case TIM_SEALCMD_OPEN:
		return run_open(cli, c, argc, argv);
	case TIM_SEALCMD_INSPECT:
		return run_inspect(cli, argc, argv);
	default:
		return run_seal(cli, c, argc, argv);
	}
}
