/*
 * libtim seal through its API: seal a small file to a generated EC key and a
 * password, open it both ways, inspect it, refuse a wrong password, bundle a
 * directory, and build the ledger's send record from what the seal reported.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "seal.h"
#include "util.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-seal-XXXXXX";
static const char text[] = "管理対象情報: the quarterly figures\n";

static const char *
path(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void
write_file(const char *name, const char *data, size_t len)
{
	int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		exit(99);
	close(fd);
}

static int
same_file(const char *name, const char *data, size_t len)
{
	char buf[256];
	ssize_t n;
	int fd = open(path(name), O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)len && memcmp(buf, data, len) == 0;
}

static int
rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* A P-256 key and a self-signed certificate for it, valid for a day. */
static void
make_key(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *n;
	FILE *f;

	if (k == NULL || x == NULL)
		exit(99);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"partner", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, k);
	if (X509_sign(x, k, EVP_sha256()) <= 0)
		exit(99);
	/* The opener refuses a key others can read. */
	if ((f = fdopen(open(path("key.pem"), O_WRONLY | O_CREAT | O_TRUNC, 0600),
	    "w")) == NULL ||
	    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1)
		exit(99);
	fclose(f);
	if ((f = fopen(path("cert.pem"), "w")) == NULL || PEM_write_X509(f, x) != 1)
		exit(99);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *
seal_both(int compat)
{
	const char *certs[1];
	char *files[1];
	struct tim_seal_opts o;
	struct tim_err err;
	json_t *info = NULL;
	int rc;

	certs[0] = path("cert.pem");
	files[0] = (char *)path("plain.txt");
	memset(&o, 0, sizeof(o));
	o.certs = certs;
	o.ncerts = 1;
	o.password = (const unsigned char *)"correct horse";
	o.passlen = strlen("correct horse");
	o.iterations = 10000;
	o.compat = compat;
	o.hashes = 1;
	tim_err_clear(&err);
	unlink(path("plain.txt.p7m"));
	rc = tim_seal(&o, files, 1, path("plain.txt.p7m"), &info, &err);
	is_int(rc, 0, "%s: tim_seal to a certificate and a password (%s)",
	    compat ? "compat" : "gcm", err.msg);
	return info;
}

static void
test_seal_info(json_t *info)
{
	unsigned char md[32];
	char hex[65];

	tim_sha256(text, strlen(text), md);
	tim_hex(md, 32, hex);
	is_str(str(info, "type"), "authEnvelopedData", "info: type");
	is_str(str(info, "content_encryption"), "aes-256-gcm", "info: cipher");
	is_str(str(info, "bundle"), "none", "info: one file is not bundled");
	is_int(json_array_size(json_object_get(info, "recipients")), 2,
	    "info: two recipients");
	is_str(str(info, "plaintext_sha256"), hex, "info: plaintext hash");
	is_int(json_integer_value(json_object_get(info, "plaintext_size")),
	    strlen(text), "info: plaintext size");
	ok(strlen(str(info, "envelope_sha256") ? str(info, "envelope_sha256") : "") == 64,
	    "info: envelope hash");
}

static void
test_send_fields(json_t *info)
{
	char *files[2] = { (char *)"plain.txt", (char *)"more.txt" };
	json_t *labels = json_pack("[s]", "社外秘"), *f, *r0, *r1;
	const char *subj;
	char want[256];

	f = tim_seal_send_fields(info, files, 2, labels, "the auditor asked");
	ok(f != NULL, "send: fields built");
	subj = str(json_array_get(json_object_get(info, "recipients"), 0), "subject");
	snprintf(want, sizeof(want), "%s; password", subj ? subj : "?");
	is_str(str(f, "item"), "plain.txt", "send: the first file is the item");
	is_str(str(f, "to"), want, "send: to lists subjects, then the password");
	is_int(json_array_size(json_object_get(f, "files")), 2, "send: every file");
	is_str(str(f, "envelope"), path("plain.txt.p7m"), "send: envelope");
	is_str(str(f, "plaintext_sha256"), str(info, "plaintext_sha256"),
	    "send: plaintext hash");
	is_str(str(f, "envelope_sha256"), str(info, "envelope_sha256"),
	    "send: envelope hash");
	is_str(str(f, "content_encryption"), "aes-256-gcm", "send: cipher");
	is_str(str(f, "format"), "authEnvelopedData", "send: format");
	r0 = json_array_get(json_object_get(f, "recipients"), 0);
	r1 = json_array_get(json_object_get(f, "recipients"), 1);
	is_str(str(r0, "sha256"),
	    str(json_array_get(json_object_get(info, "recipients"), 0), "sha256"),
	    "send: certificate recipient by fingerprint");
	ok(json_object_get(r0, "cert") == NULL, "send: no certificate path");
	ok(json_is_true(json_object_get(r1, "password")), "send: password recipient");
	ok(json_object_get(f, "signer") == NULL, "send: no signer unsigned");
	is_str(json_string_value(json_array_get(json_object_get(f, "labels"), 0)),
	    "社外秘", "send: labels");
	is_str(str(f, "override"), "the auditor asked", "send: override reason");
	json_decref(f);
	f = tim_seal_send_fields(info, files, 1, NULL, NULL);
	ok(json_object_get(f, "labels") == NULL && json_object_get(f, "override") == NULL,
	    "send: no labels or override unless given");
	is_int(json_array_size(json_object_get(f, "files")), 1, "send: one file");
	json_decref(f);
	json_decref(labels);
}

static int
open_to(const char *out, const char *key, const char *password,
    json_t **info, struct tim_err *err)
{
	struct tim_open_opts o;

	memset(&o, 0, sizeof(o));
	if (key != NULL) {
		o.key = path("key.pem");
		o.cert = path("cert.pem");
	} else {
		o.password = (const unsigned char *)password;
		o.passlen = strlen(password);
	}
	o.out = path(out);
	o.hashes = 1;
	tim_err_clear(err);
	return tim_seal_open(&o, path("plain.txt.p7m"), info, err);
}

static void
test_open(const char *how)
{
	struct tim_err err;
	json_t *info = NULL;
	int rc;

	unlink(path("by-key"));
	unlink(path("by-password"));
	rc = open_to("by-key", "key", NULL, &info, &err);
	is_int(rc, 0, "%s: open with the key (%s)", how, err.msg);
	ok(same_file("by-key", text, strlen(text)), "%s: key gives the plaintext", how);
	is_str(str(info, "output"), path("by-key"), "%s: info names the output", how);
	json_decref(info);
	rc = open_to("by-password", NULL, "correct horse", &info, &err);
	is_int(rc, 0, "%s: open with the password (%s)", how, err.msg);
	ok(same_file("by-password", text, strlen(text)), "%s: password gives the plaintext", how);
	json_decref(info);
	rc = open_to("wrong", NULL, "battery staple", &info, &err);
	ok(rc < 0 && info == NULL, "%s: a wrong password fails", how);
	is_int(err.kind, TIM_ERR_REFUSED, "%s: as a negative result", how);
	ok(access(path("wrong"), F_OK) != 0, "%s: and leaves nothing", how);
}

static void
test_inspect(void)
{
	struct tim_err err;
	json_t *info = NULL;

	tim_err_clear(&err);
	is_int(tim_seal_inspect(path("plain.txt.p7m"), &info, &err), 0,
	    "inspect without a key");
	is_int(json_array_size(json_object_get(info, "recipients")), 2,
	    "inspect: two recipients");
	is_int(json_integer_value(json_object_get(info, "mac_length")), 16,
	    "inspect: a 16-byte tag");
	json_decref(info);
}

static void test_receive_fields(json_t *info);

static void
test_bundle(void)
{
	char *one[1], *two[2], *dash[1] = { (char *)"-" };
	struct tim_seal_opts o;
	struct tim_open_opts p;
	struct tim_err err;
	json_t *info = NULL;

	one[0] = (char *)path("tree");
	two[0] = (char *)path("plain.txt");
	two[1] = (char *)path("tree/b.txt");
	is_int(tim_seal_bundle_for(one, 1, TIM_SEAL_BUNDLE_NONE), TIM_SEAL_BUNDLE_TAR,
	    "bundle_for: a directory is a tar");
	is_int(tim_seal_bundle_for(two, 2, TIM_SEAL_BUNDLE_NONE), TIM_SEAL_BUNDLE_TAR,
	    "bundle_for: several files are a tar");
	is_int(tim_seal_bundle_for(two, 1, TIM_SEAL_BUNDLE_NONE), TIM_SEAL_BUNDLE_NONE,
	    "bundle_for: one file is itself");
	is_int(tim_seal_bundle_for(dash, 1, TIM_SEAL_BUNDLE_NONE), TIM_SEAL_BUNDLE_NONE,
	    "bundle_for: stdin is itself");
	is_int(tim_seal_bundle_for(one, 1, TIM_SEAL_BUNDLE_ZIP), TIM_SEAL_BUNDLE_ZIP,
	    "bundle_for: a zip asked for stays a zip");
	memset(&o, 0, sizeof(o));
	o.password = (const unsigned char *)"pw";
	o.passlen = 2;
	o.iterations = 10000;
	o.bundle = TIM_SEAL_BUNDLE_ZIP;
	tim_err_clear(&err);
	is_int(tim_seal(&o, one, 1, path("tree.zip.p7m"), &info, &err), 0,
	    "seal a directory as a zip (%s)", err.msg);
	is_str(str(info, "bundle"), "zip", "info: zip bundle");
	json_decref(info);
	memset(&p, 0, sizeof(p));
	p.password = (const unsigned char *)"pw";
	p.passlen = 2;
	p.dir = path("out");
	tim_err_clear(&err);
	is_int(tim_seal_open(&p, path("tree.zip.p7m"), &info, &err), 0,
	    "open the zip into a directory (%s)", err.msg);
	ok(same_file("out/tree/b.txt", "bee\n", 4), "the bundle's file is extracted");
	is_int(json_array_size(json_object_get(info, "extracted")), 1,
	    "info: one file extracted (folders are not listed)");
	is_str(str(json_array_get(json_object_get(info, "extracted"), 0), "name"),
	    "tree/b.txt", "info: the file by its name in the bundle");
	is_str(str(json_array_get(json_object_get(info, "extracted"), 0), "sha256"),
	    "c150e5a8a604acebd8d15bd7bf8ea96b2874bdcc91dee6319977d353251283b0", "info: and its SHA-256");
	test_receive_fields(info);
	json_decref(info);
}

/* The receive record from what an opening reported (seal_record.c). */
static void
test_receive_fields(json_t *info)
{
	json_t *labels = json_pack("[{s:s, s:s}]", "file", "out/tree/b.txt", "level", "秘");
	json_t *f;

	json_object_set_new(info, "signer", json_pack("{s:s}", "subject", "CN=sender"));
	json_object_set_new(info, "envelope_sha256", json_string("ab"));
	f = tim_seal_receive_fields(info, "tree.zip.p7m", NULL, labels);
	is_str(str(f, "item"), "tree.zip.p7m", "receive: a bundle is named by its envelope");
	is_str(str(f, "from"), "CN=sender", "receive: from the signer");
	is_str(str(f, "envelope_sha256"), "ab", "receive: the envelope's hash");
	is_int(json_array_size(json_object_get(f, "files")), 1, "receive: the files");
	is_int(json_array_size(json_object_get(f, "labels")), 1, "receive: the labels");
	is_int(json_array_size(json_object_get(f, "recipients")), 1, "receive: the recipients");
	json_decref(f);
	f = tim_seal_receive_fields(info, "tree.zip.p7m", "Partner KK", NULL);
	is_str(str(f, "from"), "Partner KK", "receive: --from wins over the signer");
	ok(json_object_get(f, "labels") == NULL, "receive: no labels, no field");
	json_decref(f);
	json_object_del(info, "signer");
	f = tim_seal_receive_fields(info, "x.p7m", NULL, NULL);
	is_str(str(f, "from"), "unknown", "receive: unsigned and unnamed is unknown");
	json_decref(f);
	json_decref(labels);
}

/* Passwords to seal with (sealpass.c). */
static void
test_passwords(void)
{
	const char *lists[2] = { NULL, NULL }, *why;
	struct tim_err err;
	char pw[32], pw2[32];
	size_t i;
	int weak = 0;

	write_file("list.txt", "# test\nPassword\nsakura\n", 23);
	lists[0] = path("list.txt");
	tim_err_clear(&err);
#define W(s) tim_seal_password_weak((const unsigned char *)(s), strlen(s), lists, &why, &err)
	is_int(W("abc"), 1, "weak: 3 characters");
	is_int(W("eleven char"), 1, "weak: 11 characters");
	is_int(W("password2026!!"), 1, "weak: a listed word with digits and symbols");
	is_int(W("2026@Sakura!!!"), 1, "weak: digits and symbols on both sides");
	is_int(W("qwertyuiop12"), 1, "weak: a keyboard row");
	is_int(W("zzzzzzzzzzzzzz"), 1, "weak: one character");
	is_int(W("98765432109876"), 1, "weak: counting down");
	is_int(W("技術情報管理認証制度の暗号"), 0, "12+ kanji are 12+ characters");
	is_int(W("技術情報管理認証制度"), 1, "10 kanji are too short (30 bytes)");
	is_int(W("tsukue no ue no mikan"), 0, "a phrase passes");
#undef W
	lists[0] = path("no-such-list");
	is_int(tim_seal_password_weak((const unsigned char *)"tsukue no ue no mikan", 21,
	    lists, &why, &err), -1, "a missing list is an error, not a pass");
	is_int(tim_seal_password_generate(pw, sizeof(pw), &err), 0, "generate");
	is_int((long long)strlen(pw), 24, "generated: 20 characters and 4 dashes");
	for (i = 0; pw[i]; i++)
		if ((i % 5 == 4) != (pw[i] == '-') || strchr("01lio", pw[i]) != NULL)
			weak = 1;
	ok(!weak, "generated: groups of four, no look-alikes (%s)", pw);
	tim_seal_password_generate(pw2, sizeof(pw2), &err);
	ok(strcmp(pw, pw2) != 0, "generated: two differ");
	lists[0] = NULL;
	is_int(tim_seal_password_weak((const unsigned char *)pw, strlen(pw), lists, &why, &err),
	    0, "generated: not weak");
	is_int(tim_seal_password_generate(pw, 10, &err), -1, "generate: too small a buffer");
}

int
main(void)
{
	json_t *info;

	if (mkdtemp(dir) == NULL)
		return 99;
	make_key();
	write_file("plain.txt", text, strlen(text));
	mkdir(path("tree"), 0755);
	mkdir(path("out"), 0755);
	write_file("tree/b.txt", "bee\n", 4);
	info = seal_both(0);
	test_seal_info(info);
	test_send_fields(info);
	test_open("gcm");
	test_inspect();
	json_decref(info);
	info = seal_both(1);
	is_str(str(info, "type"), "envelopedData", "compat: envelopedData");
	test_open("compat");
	json_decref(info);
	test_bundle();
	test_passwords();
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
