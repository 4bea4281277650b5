#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "i18n.h"
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

static int
on_entry(void *arg, const char *section, const char *key, const char *value)
{
	return tim_config_set(arg, section, key, value) == 0;
}

int
tim_config_load_file(struct tim_config *cfg, const char *path,
    struct tim_err *err)
{
	struct stat st;
	FILE *f;
	int fd, line;

	fd = tim_open_regular(path, O_RDONLY, 0, err);
	if (fd < 0) {
		if (err->errnum == ENOENT || err->errnum == ENOTDIR) {
			tim_err_clear(err);
			return 0;
		}
		return -1;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return tim_errorf(err, errno, _("cannot read config '%s'"), path);
	}
	if (fstat(fileno(f), &st) < 0) {
		fclose(f);
		return tim_errorf(err, errno, _("cannot read config '%s'"), path);
	}
	/* A config others can change could point tools at another ledger. */
	if (st.st_mode & S_IWOTH) {
		fclose(f);
		return tim_errorf(err, 0,
		    _("config '%s' is writable by others; refusing it"), path);
	}
	line = ini_parse_file(f, on_entry, cfg);
	fclose(f);
	if (line > 0)
		return tim_errorf(err, 0, _("config '%s' line %d: syntax error"),
		    path, line);
	if (line < 0)
		return tim_errorf(err, ENOMEM, _("cannot read config '%s'"), path);
	return 0;
}

int
tim_config_load(struct tim_config *cfg, struct tim_err *err)
{
	struct tim_buf path = TIM_BUF_INIT;
	const char *one, *xdg, *home;
	int r;

	one = getenv("TIM_CONFIG");
	if (one && *one)
		return tim_config_load_file(cfg, one, err);
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
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	if (v == NULL)
		return def;
	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return def;
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
