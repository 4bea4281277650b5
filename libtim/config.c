#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "i18n.h"
#include "inifile.h"
#include "util.h"
#include "banned.h"

struct entry {
	char *section;
	char *key;
	char *value;
};

struct tim_config {
	struct entry *v;
	size_t n, alloc;
	char **warn;	/* what loading found but did not stop for */
	size_t nwarn;
};

struct tim_config *
tim_config_new(void)
{
	return calloc(1, sizeof(struct tim_config));
}

void
tim_config_free(struct tim_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n; i++) {
		free(cfg->v[i].section);
		free(cfg->v[i].key);
		free(cfg->v[i].value);
	}
	free(cfg->v);
	for (i = 0; i < cfg->nwarn; i++)
		free(cfg->warn[i]);
	free(cfg->warn);
	free(cfg);
}

int
tim_config_set(struct tim_config *cfg, const char *section, const char *key,
    const char *value)
{
	struct entry *e;

	if (cfg->n == cfg->alloc) {
		size_t n = cfg->alloc ? cfg->alloc * 2 : 16;
		struct entry *p = realloc(cfg->v, n * sizeof(*p));

		if (p == NULL)
			return -1;
		cfg->v = p;
		cfg->alloc = n;
	}
	e = &cfg->v[cfg->n];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	if (!e->section || !e->key || !e->value) {
		free(e->section);
		free(e->key);
		free(e->value);
		return -1;
	}
	cfg->n++;
	return 0;
}

/*
 * The keys tim reads. A key a tool starts to read gets a row here; a key or
 * section not listed is reported (it is most often a typo, and a typo must
 * not turn a control off without a word).
 */
enum { K_STR, K_BOOL };

static const struct known {
	const char *section, *key;
	int type;
} known[] = {
	{ "label", "default", K_STR },
	{ "label", "levels", K_STR },
	{ "label", "name-template", K_STR },
	{ "label", "msip-guid", K_STR },
	{ "label", "msip-guid.*", K_STR },	/* msip-guid.LEVEL */
	{ "label", "msip-tenant", K_STR },
	{ "label", "msip-method", K_STR },
	{ "label", "text-template", K_STR },
	{ "label", "lang", K_STR },
	{ "ledger", "path", K_STR },
	{ "ledger", "syslog", K_BOOL },
	{ "ledger", "key-name", K_STR },
	{ "ledger", "key-file", K_STR },
	{ "ledger", "verify-key", K_STR },
	{ "ledger", "witness", K_STR },		/* cmd/witnesscmd.c */
	{ "ledger", "witness-key", K_STR },
	{ "ledger", "quorum", K_STR },
	{ "ledger", "tsa", K_STR },
	{ "ledger", "tsa-cert", K_STR },
	{ "seal", "ledger", K_STR },
	{ "seal", "inside-domains", K_STR },
	{ "seal", "forbid-outside", K_STR },
	{ "seal", "password-list", K_STR },
	{ "seal", "allow-unauthenticated", K_BOOL },
	{ "wipe", "ledger", K_STR },
	{ "wipe", "method", K_STR },
	{ "wipe", "verify", K_STR },
	{ "wipe", "operator", K_STR },
	{ "wipe", "title", K_STR },
	{ "wipe", "organization", K_STR },
	{ "wipe", "location", K_STR },
	{ "wipe", "phone", K_STR },
	{ "wipe", "destination", K_STR },
	{ "host", "data-paths", K_STR },
	{ "selfcheck", "organisation", K_STR },
	{ "selfcheck", "respondent", K_STR },
	/* [kind K]: per-kind rules of the ledger (ledger_rules.c checks K and values). */
	{ "kind *", "require", K_STR },
	{ "kind *", "require-approval", K_STR },
	{ "kind *", "unapproved", K_STR },
};

#define NKNOWN (sizeof(known) / sizeof(known[0]))

/* section matches s, where an s ending in " *" takes any non-empty suffix. */
static int
section_match(const char *s, const char *section)
{
	size_t n = strlen(s);

	if (n > 2 && strcmp(s + n - 2, " *") == 0)
		return strncmp(section, s, n - 1) == 0 && section[n - 1] != '\0';
	return strcmp(s, section) == 0;
}

static int
section_known(const char *section)
{
	size_t i;

	for (i = 0; i < NKNOWN; i++)
		if (section_match(known[i].section, section))
			return 1;
	return 0;
}

/* key matches k, where a k ending in ".*" takes any non-empty suffix. */
static int
key_match(const char *k, const char *key)
{
	size_t n = strlen(k);

	if (n > 2 && strcmp(k + n - 2, ".*") == 0)
		return strncmp(key, k, n - 1) == 0 && key[n - 1] != '\0';
	return strcmp(k, key) == 0;
}

static const struct known *
key_known(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < NKNOWN; i++)
		if (section_match(known[i].section, section) &&
		    key_match(known[i].key, key))
			return &known[i];
	return NULL;
}

/* Edit distance, capped: whether a and b are within two edits. */
static int
near(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned d[32][32];

	if (la >= 32 || lb >= 32 || (la > lb ? la - lb : lb - la) > 2)
		return 0;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			unsigned m = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < m)
				m = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < m)
				m = d[i][j - 1] + 1;
			d[i][j] = m;
		}
	return d[la][lb] <= 2;
}

/* The known key of section that key is most likely a typo of, or NULL. */
static const char *
suggest(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < NKNOWN; i++)
		if (section_match(known[i].section, section) && near(key, known[i].key))
			return known[i].key;
	return NULL;
}

/* yes/true/on/1: 1; no/false/off/0: 0; anything else: -1. */
static int
parse_bool(const char *v)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

static void
add_warning(struct tim_config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add_warning(struct tim_config *cfg, const char *fmt, ...)
{
	struct tim_buf b = TIM_BUF_INIT;
	char **nw;
	va_list ap;

	va_start(ap, fmt);
	tim_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	nw = b.failed ? NULL : realloc(cfg->warn, (cfg->nwarn + 1) * sizeof(*nw));
	if (nw == NULL) {
		tim_buf_release(&b);
		return;
	}
	cfg->warn = nw;
	cfg->warn[cfg->nwarn++] = b.buf;
}

struct load_ctx {
	struct tim_config *cfg;
	struct tim_err *err;
	struct tim_ini ini;
	const char *path;
	char **sections;	/* unknown sections already reported */
	size_t nsections;
	int failed;
};

static int
unknown_section_seen(struct load_ctx *c, const char *section)
{
	char **n;
	size_t i;

	for (i = 0; i < c->nsections; i++)
		if (strcmp(c->sections[i], section) == 0)
			return 1;
	n = realloc(c->sections, (c->nsections + 1) * sizeof(*n));
	if (n == NULL)
		return 0;
	c->sections = n;
	if ((n[c->nsections] = strdup(section)) != NULL)
		c->nsections++;
	return 0;
}

static int
on_entry(void *arg, const char *section, const char *key, const char *value)
{
	struct load_ctx *c = arg;
	const struct known *k;
	const char *hint;

	if (c->failed)
		return 1;
	if (!section_known(section)) {
		if (!unknown_section_seen(c, section))
			add_warning(c->cfg, _("config '%s' line %d: unknown section [%s]; its keys are ignored"),
			    c->path, c->ini.line, section);
	} else if ((k = key_known(section, key)) == NULL) {
		if ((hint = suggest(section, key)) != NULL)
			add_warning(c->cfg, _("config '%s' line %d: unknown key '%s' in [%s] is ignored; did you mean '%s'?"),
			    c->path, c->ini.line, key, section, hint);
		else
			add_warning(c->cfg, _("config '%s' line %d: unknown key '%s' in [%s] is ignored"),
			    c->path, c->ini.line, key, section);
	} else if (k->type == K_BOOL && parse_bool(value) < 0) {
		/* A yes/no setting turns a control on or off: never guess. */
		c->failed = 1;
		tim_errorf(c->err, 0, _("config '%s' line %d: %s = '%s' is not yes or no"),
		    c->path, c->ini.line, key, value);
		return 1;
	}
	if (tim_config_set(c->cfg, section, key, value) < 0) {
		c->failed = 1;
		tim_errorf(c->err, ENOMEM, _("out of memory"));
	}
	return 1;
}

#define CONFIG_MAX (1 << 20)

/* Reads path; a missing file is fine unless must_exist. */
static int
load_file(struct tim_config *cfg, const char *path, int must_exist,
    struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	struct load_ctx c;
	struct stat st;
	int fd, line;
	size_t i;
	ssize_t n;

	/* /dev/null: no configuration at all (TIM_CONFIG=/dev/null). */
	if (strcmp(path, "/dev/null") == 0)
		return 0;
	fd = tim_open_regular(path, O_RDONLY, 0, err);
	if (fd < 0) {
		if (err->errnum == ENOENT || err->errnum == ENOTDIR) {
			if (must_exist)
				return tim_errorf(err, 0, _("config '%s' named by TIM_CONFIG does not exist"), path);
			tim_err_clear(err);
			return 0;
		}
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return tim_errorf(err, errno, _("cannot read config '%s'"), path);
	}
	/* A config others can change could point tools at another ledger. */
	if (st.st_mode & S_IWOTH) {
		close(fd);
		return tim_errorf(err, 0,
		    _("config '%s' is writable by others; refusing it"), path);
	}
	for (;;) {
		char chunk[8192];

		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b.len + (size_t)n > CONFIG_MAX) {
			close(fd);
			tim_buf_release(&b);
			return tim_errorf(err, 0, _("config '%s' is larger than 1 MiB"), path);
		}
		tim_buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	if (n < 0 || b.failed) {
		tim_buf_release(&b);
		return tim_errorf(err, n < 0 ? errno : ENOMEM, _("cannot read config '%s'"), path);
	}
	if (b.len > 0 && memchr(b.buf, '\0', b.len) != NULL) {
		tim_buf_release(&b);
		return tim_errorf(err, 0, _("config '%s' is not a text file"), path);
	}
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.err = err;
	c.path = path;
	line = tim_ini_parse(&c.ini, b.len ? b.buf : "", b.len, on_entry, &c);
	tim_buf_release(&b);
	for (i = 0; i < c.nsections; i++)
		free(c.sections[i]);
	free(c.sections);
	if (c.failed)
		return -1;
	if (line == -2)
		return tim_errorf(err, 0, _("config '%s' line %d is longer than %d bytes"),
		    path, c.ini.toolong, TIM_INI_LINE);
	if (line > 0)
		return tim_errorf(err, 0, _("config '%s' line %d: syntax error"),
		    path, line);
	if (line < 0)
		return tim_errorf(err, ENOMEM, _("cannot read config '%s'"), path);
	return 0;
}

int
tim_config_load_file(struct tim_config *cfg, const char *path,
    struct tim_err *err)
{
	return load_file(cfg, path, 0, err);
}

static int check_env(struct tim_err *err);

int
tim_config_load(struct tim_config *cfg, struct tim_err *err)
{
	struct tim_buf path = TIM_BUF_INIT;
	const char *one, *xdg, *home;
	int r;

	if (check_env(err) < 0)
		return -1;
	one = getenv("TIM_CONFIG");
	if (one && *one)
		return load_file(cfg, one, 1, err);
	if (tim_config_load_file(cfg, "/etc/tim/tim.conf", err) < 0)
		return -1;
	xdg = getenv("XDG_CONFIG_HOME");
	home = getenv("HOME");
	if (xdg && *xdg)
		tim_buf_addf(&path, "%s/tim/tim.conf", xdg);
	else if (home && *home)
		tim_buf_addf(&path, "%s/.config/tim/tim.conf", home);
	else
		return 0;
	if (path.failed)
		return tim_errorf(err, ENOMEM, _("cannot read config"));
	r = tim_config_load_file(cfg, path.buf, err);
	tim_buf_release(&path);
	return r;
}

const char *
tim_config_warning(const struct tim_config *cfg, size_t i)
{
	return cfg && i < cfg->nwarn ? cfg->warn[i] : NULL;
}

static void
env_name(struct tim_buf *b, const char *section, const char *key)
{
	const char *parts[2] = { section, key };
	const char *s;
	int i;

	tim_buf_adds(b, "TIM");
	for (i = 0; i < 2; i++) {
		tim_buf_addch(b, '_');
		for (s = parts[i]; *s; s++) {
			unsigned char c = (unsigned char)*s;

			if (c == '-' || c == ' ')
				tim_buf_addch(b, '_');
			else if (isalnum(c) && c < 0x80)
				tim_buf_addch(b, toupper(c));
		}
	}
}

/* A yes/no key set in the environment to anything else stops the tool too. */
static int
check_env(struct tim_err *err)
{
	struct tim_buf name = TIM_BUF_INIT;
	const char *v;
	size_t i;
	int r = 0;

	for (i = 0; i < NKNOWN && r == 0; i++) {
		if (known[i].type != K_BOOL)
			continue;
		tim_buf_reset(&name);
		env_name(&name, known[i].section, known[i].key);
		if (name.failed)
			r = tim_errorf(err, ENOMEM, _("out of memory"));
		else if ((v = getenv(name.buf)) != NULL && parse_bool(v) < 0)
			r = tim_errorf(err, 0, _("%s='%s' is not yes or no"), name.buf, v);
	}
	tim_buf_release(&name);
	return r;
}

const char *
tim_config_get(const struct tim_config *cfg, const char *section,
    const char *key)
{
	struct tim_buf name = TIM_BUF_INIT;
	const char *v;
	size_t i;

	env_name(&name, section, key);
	v = name.failed ? NULL : getenv(name.buf);
	tim_buf_release(&name);
	if (v != NULL)
		return v;
	if (strcmp(section, "ledger") == 0 && strcmp(key, "path") == 0 &&
	    (v = getenv("TIM_LEDGER")) != NULL && *v)
		return v;
	if (cfg == NULL)
		return NULL;
	for (i = cfg->n; i-- > 0;)
		if (strcmp(cfg->v[i].section, section) == 0 &&
		    strcmp(cfg->v[i].key, key) == 0)
			return cfg->v[i].value;
	return NULL;
}

int
tim_config_get_bool(const struct tim_config *cfg, const char *section,
    const char *key, int def)
{
	const char *v = tim_config_get(cfg, section, key);
	int b;

	if (v == NULL || (b = parse_bool(v)) < 0)
		return def;
	return b;
}

void
tim_config_each_section(const struct tim_config *cfg,
    void (*fn)(const char *section, void *arg), void *arg)
{
	size_t i, j;

	for (i = 0; i < cfg->n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(cfg->v[j].section, cfg->v[i].section) == 0)
				break;
		if (j == i)
			fn(cfg->v[i].section, arg);
	}
}
