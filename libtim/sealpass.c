/*
 * Passwords for password recipients (tim-seal -p): a password that anyone
 * could guess protects nothing, whatever the PBKDF2 rounds. Refused: fewer
 * than TIM_SEAL_PASS_MIN characters, one of a shipped list of common
 * passwords (data/common-passwords.txt, also with digits and symbols taken
 * off both ends), and plain runs (one character, keyboard rows, counting).
 * The generator makes what can be read out on the telephone.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "seal.h"
#include "banned.h"

/* Characters, not bytes: a UTF-8 sequence counts once. */
static size_t
chars(const unsigned char *p, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Typed along a keyboard row or counted: each character next to the last. */
static int
run_of(const char *s, const char *row)
{
	size_t n = strlen(s), i;
	const char *p;

	if (n < 2)
		return 1;
	for (i = 0; i + 1 < n; i++) {
		p = strchr(row, s[i]);
		if (p == NULL || p[1] != s[i + 1])
			return 0;
	}
	return 1;
}

static int
plain_run(const char *s)
{
	static const char *const rows[] = {
		"01234567890123456789", "98765432109876543210",
		"qwertyuiopqwertyuiop", "asdfghjklasdfghjkl", "zxcvbnmzxcvbnm",
		"poiuytrewqpoiuytrewq", "abcdefghijklmnopqrstuvwxyz",
		"zyxwvutsrqponmlkjihgfedcba", NULL
	};
	size_t i, distinct = 0;
	int seen[256] = { 0 };

	for (i = 0; s[i]; i++)
		if (!seen[(unsigned char)s[i]]++)
			distinct++;
	if (distinct <= 3)
		return 1;
	for (i = 0; rows[i] != NULL; i++)
		if (run_of(s, rows[i]))
			return 1;
	return 0;
}

/* Is lower (or its core without digits and symbols at the ends) listed? */
static int
listed(FILE *f, const char *lower, const char *core)
{
	char line[256];
	size_t n;

	while (fgets(line, sizeof(line), f) != NULL) {
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		for (char *p = line; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (strcmp(line, lower) == 0 || strcmp(line, core) == 0)
			return 1;
	}
	return 0;
}

int
tim_seal_password_weak(const unsigned char *pw, size_t len,
    const char *const *lists, const char **why, struct tim_err *err)
{
	char *lower = NULL, *core;
	size_t i, a, b;
	FILE *f;
	int rc = 0;

	*why = NULL;
	if (chars(pw, len) < TIM_SEAL_PASS_MIN) {
		*why = N_("it is shorter than 12 characters");
		return 1;
	}
	lower = malloc(len + 1);
	if (lower == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	for (i = 0; i < len; i++)
		lower[i] = (char)tolower(pw[i]);
	lower[len] = '\0';
	/* the core: digits, spaces and ASCII symbols off both ends */
	for (a = 0; a < len && (isdigit((unsigned char)lower[a]) || ispunct((unsigned char)lower[a]) ||
	    lower[a] == ' '); a++)
		;
	for (b = len; b > a && (isdigit((unsigned char)lower[b - 1]) ||
	    ispunct((unsigned char)lower[b - 1]) || lower[b - 1] == ' '); b--)
		;
	core = lower + a;
	if (plain_run(lower)) {
		*why = N_("it is a run of keys or of one character");
		rc = 1;
		goto out;
	}
	lower[b] = '\0';
	if (*core == '\0' || plain_run(core)) {
		*why = N_("it is digits and symbols around nothing guessable");
		rc = 1;
		goto out;
	}
	/* restore the whole lowercased password for the exact comparison */
	{
		char *whole = malloc(len + 1);

		if (whole == NULL) {
			rc = tim_errorf(err, ENOMEM, _("out of memory"));
			goto out;
		}
		for (i = 0; i < len; i++)
			whole[i] = (char)tolower(pw[i]);
		whole[len] = '\0';
		for (i = 0; lists[i] != NULL && rc == 0; i++) {
			f = fopen(lists[i], "re");
			if (f == NULL) {
				rc = tim_errorf(err, errno, _("cannot read the list of common passwords '%s'"),
				    lists[i]);
				break;
			}
			if (listed(f, whole, core)) {
				*why = N_("it is on the list of common passwords");
				rc = 1;
			}
			fclose(f);
		}
		OPENSSL_cleanse(whole, len);
		free(whole);
	}
out:
	OPENSSL_cleanse(lower, len);
	free(lower);
	return rc;
}

int
tim_seal_password_generate(char *out, size_t size, struct tim_err *err)
{
	/* No 0/o, 1/l/i: read out on the telephone without doubt. */
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	unsigned char r;
	size_t i = 0, n = 0;

	if (size < 25)
		return tim_errorf(err, EINVAL, _("cannot make a password"));
	while (n < 20) {
		if (RAND_bytes(&r, 1) != 1)
			return tim_errorf(err, 0, _("cannot make a password"));
		if (r >= 31 * 8)	/* no bias: 248 = 8 * 31 */
			continue;
		if (n > 0 && n % 4 == 0)
			out[i++] = '-';
		out[i++] = alphabet[r % 31];
		n++;
	}
	out[i] = '\0';
	return 0;
}
