#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "sealpolicy.h"
#include "banned.h"

/*
 * The next item of a comma list, blanks around it trimmed: 1 and the item
 * (not NUL-terminated) while there is one.
 */
static int
next_item(const char **p, const char **item, size_t *len)
{
	const char *e;
	size_t n;

	while (**p == ',')
		(*p)++;
	if (**p == '\0')
		return 0;
	e = strchr(*p, ',');
	n = e ? (size_t)(e - *p) : strlen(*p);
	*item = *p;
	*p = e ? e + 1 : *p + n;
	while (n > 0 && (**item == ' ' || **item == '\t')) {
		(*item)++;
		n--;
	}
	while (n > 0 && ((*item)[n - 1] == ' ' || (*item)[n - 1] == '\t'))
		n--;
	*len = n;
	return 1;
}

/* Is level in the comma list? */
static int
listed(const char *list, const char *level)
{
	size_t n = strlen(level), len;
	const char *item;

	while (next_item(&list, &item, &len))
		if (len == n && memcmp(item, level, n) == 0)
			return 1;
	return 0;
}

/* Is the address's domain one of the comma list, ignoring case? */
static int
domain_inside(const char *email, const char *domains)
{
	const char *at = strrchr(email, '@'), *item;
	size_t len;

	if (at == NULL || at[1] == '\0')
		return 0;
	at++;
	while (next_item(&domains, &item, &len))
		if (len > 0 && strlen(at) == len && strncasecmp(at, item, len) == 0)
			return 1;
	return 0;
}

int
tim_seal_cert_inside(const char *certfile, const char *domains,
    struct tim_err *err)
{
	STACK_OF(OPENSSL_STRING) *emails;
	X509 *x = NULL;
	FILE *f;
	int i, n, inside;

	if (domains == NULL || *domains == '\0')
		return 0;
	f = fopen(certfile, "re");
	if (f == NULL)
		return tim_errorf(err, errno, _("cannot read certificate '%s'"), certfile);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	if (x == NULL) {
		rewind(f);
		x = d2i_X509_fp(f, NULL);
	}
	fclose(f);
	if (x == NULL)
		return tim_errorf(err, 0, _("'%s' is not an X.509 certificate"), certfile);
	emails = X509_get1_email(x);
	n = emails ? sk_OPENSSL_STRING_num(emails) : 0;
	inside = n > 0;
	for (i = 0; i < n && inside; i++)
		inside = domain_inside(sk_OPENSSL_STRING_value(emails, i), domains);
	X509_email_free(emails);
	X509_free(x);
	return inside;
}

/*
 * Every item of [seal] forbid-outside must be a level: a misspelt one
 * would match nothing and let that level leave (issue 18: stop for values
 * that change security).
 */
static int
forbid_levels_ok(const struct tim_label_scheme *scheme, const char *list,
    struct tim_err *err)
{
	const char *item;
	char level[256];
	size_t len;

	while (next_item(&list, &item, &len)) {
		snprintf(level, sizeof(level), "%.*s", (int)len, item);
		if (tim_label_rank(scheme, level) < 0)
			return tim_errorf(err, 0, _("[seal] forbid-outside: '%s' is not a label level"), level);
	}
	return 0;
}

struct walk {
	const struct tim_label_scheme *scheme;
	const char *forbid;
	struct tim_seal_policy *pol;
	struct tim_err *err;
	int failed;
	int outside;
};

/* nftw has no user pointer; one walk at a time. */
static struct walk *cur;

static int
look(const struct tim_label_scheme *scheme, const char *path, struct walk *w)
{
	struct tim_label_report rep;
	const char *level;

	if (tim_label_read(scheme, path, TIM_CARRIERS_ALL, &rep, w->err) < 0) {
		w->failed = 1;
		return -1;
	}
	if (!rep.marked && !rep.inherited)
		return 0;
	level = rep.effective.level;
	json_array_append_new(w->pol->labels, json_pack("{s:s, s:s}", "file", path,
	    "level", level));
	if (w->outside && !w->pol->refused && listed(w->forbid, level)) {
		w->pol->refused = 1;
		snprintf(w->pol->level, sizeof(w->pol->level), "%s", level);
		snprintf(w->pol->file, sizeof(w->pol->file), "%s", path);
	}
	return 0;
}

static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	return look(cur->scheme, path, cur) < 0 ? 1 : 0;
}

int
tim_seal_policy_check(const struct tim_config *cfg, char **paths,
    size_t npaths, const char *const *certs, size_t ncerts, int password,
    struct tim_seal_policy *pol, struct tim_err *err)
{
	struct tim_label_scheme scheme;
	const char *domains = tim_config_get(cfg, "seal", "inside-domains");
	const char *forbid = tim_config_get(cfg, "seal", "forbid-outside");
	struct walk w;
	struct stat st;
	size_t i;
	int in;

	memset(pol, 0, sizeof(*pol));
	pol->labels = json_array();
	if (pol->labels == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	if (tim_label_scheme_load(&scheme, cfg, err) < 0)
		return -1;
	if (forbid == NULL)
		forbid = scheme.levels[0];
	else if (forbid_levels_ok(&scheme, forbid, err) < 0)
		return -1;
	memset(&w, 0, sizeof(w));
	w.scheme = &scheme;
	w.forbid = forbid;
	w.pol = pol;
	w.err = err;
	w.outside = password;
	if (password)
		snprintf(pol->outside, sizeof(pol->outside), "%s", _("a password"));
	for (i = 0; i < ncerts && !w.outside; i++) {
		if ((in = tim_seal_cert_inside(certs[i], domains, err)) < 0)
			return -1;
		if (!in) {
			w.outside = 1;
			snprintf(pol->outside, sizeof(pol->outside), "%s", certs[i]);
		}
	}
	for (i = 0; i < npaths; i++) {
		if (strcmp(paths[i], "-") == 0)
			continue;	/* a stream carries no label tim can read */
		if (lstat(paths[i], &st) < 0)
			return tim_errorf(err, errno, _("cannot read '%s'"), paths[i]);
		if (S_ISDIR(st.st_mode)) {
			cur = &w;
			if (nftw(paths[i], visit, 16, FTW_PHYS) != 0 || w.failed) {
				cur = NULL;
				if (!w.failed)
					return tim_errorf(err, errno, _("cannot read '%s'"), paths[i]);
				return -1;
			}
			cur = NULL;
		} else if (look(&scheme, paths[i], &w) < 0)
			return -1;
	}
	return 0;
}

void
tim_seal_policy_release(struct tim_seal_policy *pol)
{
	json_decref(pol->labels);
	pol->labels = NULL;
}
