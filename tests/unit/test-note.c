/*
 * libtim note.c: Ed25519 keys in the C2SP note formats, signed notes and
 * tlog checkpoints. Known answers come from RFC 8032 section 7.1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "note.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-note-XXXXXX";

static const char *
path(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void
write_file(const char *name, const char *data, size_t len, int mode)
{
	int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	fchmod(fd, (mode_t)mode);
	close(fd);
}

/* A signer from a seed, through the key file format. */
static int
signer_from_seed(struct tim_signer *s, const char *name, const char *seedhex,
    const char *pubhex)
{
	struct tim_buf b = TIM_BUF_INIT;
	unsigned char raw[33], pub[32], h[TIM_SHA256_LEN], msg[300];
	char id[9];
	size_t n = strlen(name);
	struct tim_err err;
	int r;

	raw[0] = 0x01;
	tim_unhex(seedhex, 32, raw + 1);
	tim_unhex(pubhex, 32, pub);
	memcpy(msg, name, n);
	msg[n] = '\n';
	msg[n + 1] = 0x01;
	memcpy(msg + n + 2, pub, 32);
	tim_sha256(msg, n + 34, h);
	tim_hex(h, 4, id);
	tim_buf_addf(&b, "PRIVATE+KEY+%s+%s+", name, id);
	tim_base64_encode(&b, raw, sizeof(raw));
	r = tim_signer_parse(s, b.buf, b.len, &err);
	tim_buf_release(&b);
	return r;
}

/* The 64 signature bytes from a "— name base64" line. */
static int
sig_of(const char *line, const char *name, unsigned char keyid[4],
    unsigned char sig[64])
{
	static const char dash[] = "\xe2\x80\x94 ";
	unsigned char raw[68];
	const char *p = line, *nl;
	size_t nlen = strlen(name);

	if (strncmp(p, dash, 4) != 0 || strncmp(p + 4, name, nlen) != 0 || p[4 + nlen] != ' ')
		return -1;
	p += 5 + nlen;
	nl = strchr(p, '\n');
	if (nl == NULL || tim_base64_decode(p, (size_t)(nl - p), raw, sizeof(raw)) != 68)
		return -1;
	memcpy(keyid, raw, 4);
	memcpy(sig, raw + 4, 64);
	return 0;
}

static void
test_rfc8032(void)
{
	static const struct {
		const char *seed, *pub, *msg, *sig;
		size_t mlen;
	} v[] = {
		{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
		  "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", 0 },
		{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "\x72",
		  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
		  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00", 1 },
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		struct tim_buf out = TIM_BUF_INIT;
		struct tim_signer s;
		unsigned char keyid[4], sig[64];
		char pubhex[65], sighex[129];

		if (signer_from_seed(&s, "rfc", v[i].seed, v[i].pub) < 0) {
			ok(0, "RFC 8032 TEST %zu: the key file parses", i + 1);
			continue;
		}
		tim_hex(s.v.pub, 32, pubhex);
		is_str(pubhex, v[i].pub, "RFC 8032 TEST %zu: public key from the seed", i + 1);
		tim_note_sign(&s, v[i].msg, v[i].mlen, &out);
		ok(sig_of(tim_buf_str(&out), "rfc", keyid, sig) == 0,
		    "RFC 8032 TEST %zu: a signature line \"— rfc base64\"", i + 1);
		tim_hex(sig, 64, sighex);
		is_str(sighex, v[i].sig, "RFC 8032 TEST %zu: the signature", i + 1);
		ok(memcmp(keyid, s.v.keyid, 4) == 0, "the line starts with the key id");
		tim_signer_release(&s);
		tim_buf_release(&out);
	}
}

static void
test_keys(void)
{
	struct tim_buf a = TIM_BUF_INIT, b = TIM_BUF_INIT;
	struct tim_signer s, s2;
	struct tim_verifier v;
	struct tim_err err;
	unsigned char zero[32] = { 0 };

	ok(tim_signer_generate(&s, "alice", &err) == 0, "generate a key");
	ok(memcmp(s.seed, zero, 32) != 0 && memcmp(s.v.pub, zero, 32) != 0, "with a seed and a key");
	tim_signer_format(&s, &a);
	ok(strncmp(a.buf, "PRIVATE+KEY+alice+", 18) == 0, "signer format PRIVATE+KEY+name+...");
	ok(tim_signer_parse(&s2, a.buf, a.len, &err) == 0 &&
	    memcmp(&s2, &s, sizeof(s)) == 0, "signer parse(format) round trip");
	tim_buf_addch(&a, '\n');
	ok(tim_signer_parse(&s2, a.buf, a.len, &err) == 0, "a trailing newline is fine");
	tim_verifier_format(&s.v, &b);
	ok(tim_verifier_parse(&v, b.buf, b.len, &err) == 0 &&
	    memcmp(&v, &s.v, sizeof(v)) == 0, "verifier parse(format) round trip");
	ok(strncmp(b.buf, "alice+", 6) == 0 && b.len == 6 + 8 + 1 + 44,
	    "verifier line name+8hex+44 base64");
	ok(tim_verifier_parse(&v, a.buf + 12, a.len - 12, &err) < 0,
	    "the seed is not a verifier key (key id mismatch)");

	/* Malformed keys. */
	{
		static const char *badv[] = {
			"", "alice", "alice+", "+1234abcd+AAAA", "alice+1234abc+AAAA",
			"alice+1234abcde+AAAA", "al ice+12345678+AAAA",
		};
		struct tim_buf t = TIM_BUF_INIT;
		size_t i;
		int rej = 0;

		for (i = 0; i < sizeof(badv) / sizeof(badv[0]); i++)
			rej += tim_verifier_parse(&v, badv[i], strlen(badv[i]), &err) < 0;
		is_int(rej, (int)(sizeof(badv) / sizeof(badv[0])), "malformed verifier keys are rejected");
		/* a changed key id, algorithm byte or key */
		tim_buf_adds(&t, b.buf);
		t.buf[6] = t.buf[6] == '0' ? '1' : '0';
		ok(tim_verifier_parse(&v, t.buf, t.len, &err) < 0, "a changed key id is rejected");
		tim_buf_reset(&t);
		{
			unsigned char raw[33];

			raw[0] = 0x02;
			memcpy(raw + 1, s.v.pub, 32);
			tim_buf_add(&t, b.buf, 15);
			tim_base64_encode(&t, raw, 33);
			ok(tim_verifier_parse(&v, t.buf, t.len, &err) < 0,
			    "an algorithm byte other than 0x01 is rejected");
			tim_buf_reset(&t);
			tim_buf_add(&t, b.buf, 15);
			tim_base64_encode(&t, raw, 32);
			ok(tim_verifier_parse(&v, t.buf, t.len, &err) < 0, "a short key is rejected");
		}
		/* found by fuzz-checkpoint: "alice\0junk+id+key" was read as "alice" */
		tim_buf_reset(&t);
		tim_buf_add(&t, "alice\0junk", 10);
		tim_buf_adds(&t, b.buf + 5);
		ok(tim_verifier_parse(&v, t.buf, t.len, &err) < 0, "a NUL in the name is rejected");
		tim_buf_reset(&t);
		tim_buf_add(&t, "PRIVATE+KEY+alice\0junk", 22);
		tim_buf_adds(&t, a.buf + 17);
		ok(tim_signer_parse(&s2, t.buf, t.len, &err) < 0, "also in a signer key");
		tim_buf_reset(&t);
		tim_buf_adds(&t, a.buf + 8);	/* "KEY+alice+..." */
		ok(tim_signer_parse(&s2, t.buf, t.len, &err) < 0, "a signer key without PRIVATE+KEY+");
		tim_buf_reset(&t);
		tim_buf_adds(&t, a.buf);
		t.buf[18] = t.buf[18] == 'f' ? 'e' : 'f';
		ok(tim_signer_parse(&s2, t.buf, t.len, &err) < 0, "a signer key with a wrong key id");
		tim_buf_release(&t);
	}
	ok(tim_note_name_ok("a.b-c_d/é"), "names may hold punctuation and UTF-8");
	ok(!tim_note_name_ok("") && !tim_note_name_ok("a b") && !tim_note_name_ok("a+b") &&
	    !tim_note_name_ok("a\nb") && !tim_note_name_ok("a\x7f"), "but not space, '+', controls");
	ok(tim_signer_generate(&s2, "a+b", &err) < 0 && err.kind == TIM_ERR_INVALID,
	    "generate refuses a bad name as a usage error");
	tim_signer_release(&s);
	tim_signer_release(&s2);
	ok(memcmp(s.seed, zero, 32) == 0, "release wipes the seed");
	tim_buf_release(&a);
	tim_buf_release(&b);
}

static void
test_files(void)
{
	struct tim_signer s, s2;
	struct tim_verifier v;
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_err err;
	struct stat st;

	tim_signer_generate(&s, "k", &err);
	ok(tim_signer_save(&s, path("k.key"), &err) == 0, "save a key file");
	ok(stat(path("k.key"), &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	ok(tim_signer_save(&s, path("k.key"), &err) < 0, "save never overwrites");
	ok(tim_signer_load(&s2, path("k.key"), &err) == 0 && memcmp(&s, &s2, sizeof(s)) == 0,
	    "load gives the same key");
	chmod(path("k.key"), 0640);
	ok(tim_signer_load(&s2, path("k.key"), &err) < 0 && strstr(err.msg, "chmod 600"),
	    "load refuses a group-readable key, saying how to fix it");
	chmod(path("k.key"), 0600);
	symlink("k.key", path("link.key"));
	ok(tim_signer_load(&s2, path("link.key"), &err) < 0, "load refuses a symlink");
	tim_verifier_format(&s.v, &b);
	ok(tim_verifier_load(&v, b.buf, &err) == 0 && memcmp(&v, &s.v, sizeof(v)) == 0,
	    "verifier_load takes the key itself");
	tim_buf_addch(&b, '\n');
	write_file("k.pub", b.buf, b.len, 0644);
	ok(tim_verifier_load(&v, path("k.pub"), &err) == 0 && memcmp(&v, &s.v, sizeof(v)) == 0,
	    "or a file holding it");
	ok(tim_verifier_load(&v, path("none.pub"), &err) < 0, "a missing file is an error");
	ok(tim_verifier_load(&v, path("k.key"), &err) < 0, "a signer key is not a verifier key");
	tim_signer_release(&s);
	tim_signer_release(&s2);
	tim_buf_release(&b);
}

static void
test_checkpoints(void)
{
	struct tim_buf note = TIM_BUF_INIT, t = TIM_BUF_INIT;
	struct tim_signer s, same, other;
	struct tim_checkpoint cp;
	struct tim_err err;
	tim_hash root;
	size_t used;
	int i;

	for (i = 0; i < 32; i++)
		root[i] = (unsigned char)i;
	tim_signer_generate(&s, "log", &err);
	tim_signer_generate(&same, "log", &err);
	tim_signer_generate(&other, "other", &err);
	ok(tim_checkpoint_sign(&s, "example.com/log", 42, root, &note) == 0, "sign a checkpoint");
	ok(strncmp(note.buf, "example.com/log\n42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n\xe2\x80\x94 log ",
	    15 + 1 + 3 + 45 + 1 + 4 + 4) == 0, "origin, size, base64 root, blank line, — name");
	ok(tim_checkpoint_parse(&cp, note.buf, note.len, &used, &err) == 0, "parse it back");
	is_str(cp.origin, "example.com/log", "origin");
	is_int(cp.size, 42, "size");
	ok(memcmp(cp.root, root, 32) == 0, "root");
	is_int(used, note.len, "the whole note is used");
	ok(tim_checkpoint_verify(&cp, &s.v, &err) == 0, "the signature verifies");
	ok(tim_checkpoint_verify(&cp, &same.v, &err) < 0 && err.kind == TIM_ERR_REFUSED,
	    "another key of the same name: a failed check");
	ok(strstr(err.msg, "does not verify") != NULL, "saying the signature does not verify");
	ok(tim_checkpoint_verify(&cp, &other.v, &err) < 0 && strstr(err.msg, "no signature by key 'other'"),
	    "another name: no signature by that key");
	tim_checkpoint_release(&cp);

	/* A changed size in the text. */
	tim_buf_adds(&t, note.buf);
	t.buf[17] = '3';	/* 42 -> 43 */
	ok(tim_checkpoint_parse(&cp, t.buf, t.len, &used, &err) == 0 && cp.size == 43 &&
	    tim_checkpoint_verify(&cp, &s.v, &err) < 0, "a changed size fails the signature");
	tim_checkpoint_release(&cp);
	/* A changed signature byte. */
	tim_buf_reset(&t);
	tim_buf_adds(&t, note.buf);
	t.buf[t.len - 20] = t.buf[t.len - 20] == 'A' ? 'B' : 'A';
	ok(tim_checkpoint_parse(&cp, t.buf, t.len, &used, &err) == 0 &&
	    tim_checkpoint_verify(&cp, &s.v, &err) < 0, "a changed signature fails");
	tim_checkpoint_release(&cp);

	/* Two signatures: either key verifies. */
	tim_buf_reset(&t);
	tim_buf_adds(&t, note.buf);
	{
		size_t textlen = (size_t)(strstr(note.buf, "\n\n") - note.buf) + 1;

		tim_note_sign(&other, note.buf, textlen, &t);
	}
	ok(tim_checkpoint_parse(&cp, t.buf, t.len, &used, &err) == 0 && used == t.len,
	    "a note with two signature lines parses");
	ok(tim_checkpoint_verify(&cp, &s.v, &err) == 0 && tim_checkpoint_verify(&cp, &other.v, &err) == 0,
	    "and each signer's key verifies it");
	tim_checkpoint_release(&cp);

	/* Two notes in one file are walked with *used. */
	tim_buf_reset(&t);
	tim_buf_adds(&t, note.buf);
	tim_buf_addch(&t, '\n');
	tim_checkpoint_sign(&s, "example.com/log", 43, root, &t);
	tim_buf_addch(&t, '\n');
	write_file("cps", t.buf, t.len, 0644);
	{
		struct tim_checkpoint *all;
		size_t n;

		ok(tim_checkpoint_read_all(path("cps"), &all, &n, &err) == 0 && n == 2 &&
		    all[0].size == 42 && all[1].size == 43, "read_all finds both notes");
		if (n == 2)
			ok(tim_checkpoint_verify(&all[1], &s.v, &err) == 0, "the second verifies");
		else
			ok(0, "the second verifies");
		tim_checkpoint_free_all(all, n);
		ok(tim_checkpoint_read_all(path("none"), &all, &n, &err) == 0 && n == 0,
		    "a missing file has no checkpoints");
		write_file("junk", "junk\n", 5, 0644);
		ok(tim_checkpoint_read_all(path("junk"), &all, &n, &err) < 0, "a file of junk is an error");
	}
	tim_buf_release(&t);
	tim_buf_release(&note);
	tim_signer_release(&s);
	tim_signer_release(&same);
	tim_signer_release(&other);
}

static void
test_malformed(void)
{
	static const char sig[] = "\xe2\x80\x94 log AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
	static const char root[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	static const struct {
		const char *what, *head;
	} bad[] = {
		{ "an empty origin", "\n1\nROOT\n\n" },
		{ "no blank line before the signature", "o\n1\nROOT\n" },
		{ "bad base64 root", "o\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n\n" },
		{ "a root of 31 bytes", "o\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n\n" },
		{ "a size with a leading zero", "o\n01\nROOT\n\n" },
		{ "a size above 2^64-1", "o\n18446744073709551616\nROOT\n\n" },
		{ "a negative size", "o\n-1\nROOT\n\n" },
		{ "a size with a plus", "o\n+1\nROOT\n\n" },
		{ "a size with a space", "o\n 1\nROOT\n\n" },
		{ "an empty size", "o\n\nROOT\n\n" },
		{ "a hex size", "o\n0x10\nROOT\n\n" },
		{ "no root line", "o\n1\n" },
	};
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_checkpoint cp;
	struct tim_err err;
	size_t i, used;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *p;

		tim_buf_reset(&b);
		for (p = bad[i].head; *p; p++) {
			if (strncmp(p, "ROOT", 4) == 0) {
				tim_buf_adds(&b, root);
				p += 3;
			} else
				tim_buf_addch(&b, *p);
		}
		tim_buf_adds(&b, sig);
		ok(tim_checkpoint_parse(&cp, b.buf, b.len, &used, &err) < 0,
		    "parse rejects %s", bad[i].what);
		tim_checkpoint_release(&cp);
	}
	tim_buf_reset(&b);
	tim_buf_addf(&b, "o\n18446744073709551615\n%s\n\n%s", root, sig);
	ok(tim_checkpoint_parse(&cp, b.buf, b.len, &used, &err) == 0 &&
	    cp.size == 18446744073709551615ULL, "the largest size 2^64-1 parses");
	tim_checkpoint_release(&cp);
	tim_buf_reset(&b);
	tim_buf_addf(&b, "o\n0\n%s\n\n", root);
	ok(tim_checkpoint_parse(&cp, b.buf, b.len, &used, &err) < 0, "no signature line");
	tim_buf_reset(&b);
	tim_buf_addf(&b, "o\n0\n%s\n\n- log AAAA\n", root);
	ok(tim_checkpoint_parse(&cp, b.buf, b.len, &used, &err) < 0,
	    "a signature line without the em dash");
	tim_buf_reset(&b);
	tim_buf_addf(&b, "o\n0\n%s\next one\next two\n\n%s", root, sig);
	ok(tim_checkpoint_parse(&cp, b.buf, b.len, &used, &err) == 0 &&
	    cp.text_len == strlen(cp.text) && cp.text_len > 16 &&
	    strcmp(cp.text + cp.text_len - 16, "ext one\next two\n") == 0,
	    "extension lines are allowed and signed with the text");
	tim_checkpoint_release(&cp);
	tim_buf_reset(&b);
	tim_buf_addf(&b, "o\n0\n%s\n\n", root);
	for (i = 0; i < 20000; i++)
		tim_buf_adds(&b, sig);
	ok(tim_checkpoint_parse(&cp, b.buf, b.len, &used, &err) < 0 && strstr(err.msg, "too large"),
	    "a note over 1 MiB is refused");
	tim_checkpoint_release(&cp);
	tim_buf_reset(&b);
	tim_buf_add(&b, "o\0x\n0\n", 6);
	tim_buf_addf(&b, "%s\n\n%s", root, sig);
	ok(tim_checkpoint_parse(&cp, b.buf, b.len, &used, &err) < 0, "a NUL in the origin");
	tim_buf_release(&b);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_rfc8032();
	test_keys();
	test_files();
	test_checkpoints();
	test_malformed();
	{
		const char *names[] = { "k.key", "link.key", "k.pub", "cps", "junk", NULL };
		int i;

		for (i = 0; names[i]; i++)
			unlink(path(names[i]));
		rmdir(dir);
	}
	return tap_done();
}
