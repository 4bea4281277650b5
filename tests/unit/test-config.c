/* libtim config.c: files, the environment and their precedence. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-config-XXXXXX";

static const char *
path(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static const char *
write_conf(const char *name, const char *text, int mode)
{
	const char *p = path(name);
	FILE *f = fopen(p, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
	chmod(p, (mode_t)mode);
	return p;
}

static void
clean_env(void)
{
	unsetenv("TIM_LEDGER");
	unsetenv("TIM_LEDGER_PATH");
	unsetenv("TIM_SEAL_CIPHER");
	unsetenv("TIM_MY_SEC_SOME_KEY");
	unsetenv("TIM_CONFIG");
}

static void
test_file(void)
{
	struct tim_config *cfg = tim_config_new();
	struct tim_err err;
	const char *p = write_conf("a.conf",
	    "; comment\n[ledger]\npath = /srv/reg.tim\nkey-file=/k\n\n[seal]\ncipher = aes\n"
	    "[ledger]\npath = /later.tim\n", 0644);

	clean_env();
	ok(tim_config_load_file(cfg, p, &err) == 0, "a file loads");
	is_str(tim_config_get(cfg, "ledger", "path"), "/later.tim", "a later value wins");
	is_str(tim_config_get(cfg, "ledger", "key-file"), "/k", "keys with '-'");
	is_str(tim_config_get(cfg, "seal", "cipher"), "aes", "another section");
	ok(tim_config_get(cfg, "seal", "path") == NULL, "keys belong to their section");
	ok(tim_config_get(cfg, "none", "x") == NULL, "an unknown key is NULL");
	tim_config_set(cfg, "seal", "cipher", "set");
	is_str(tim_config_get(cfg, "seal", "cipher"), "set", "set beats the file");
	ok(tim_config_load_file(cfg, path("missing.conf"), &err) == 0, "a missing file is fine");
	tim_config_free(cfg);
	tim_config_free(NULL);
}

static void
test_env(void)
{
	struct tim_config *cfg = tim_config_new();
	struct tim_err err;

	clean_env();
	tim_config_load_file(cfg, write_conf("b.conf", "[ledger]\npath = /file.tim\n"
	    "[my-sec]\nsome key = file\n", 0644), &err);
	is_str(tim_config_get(cfg, "ledger", "path"), "/file.tim", "the file's value");
	setenv("TIM_LEDGER", "/alias.tim", 1);
	is_str(tim_config_get(cfg, "ledger", "path"), "/alias.tim", "TIM_LEDGER stands for [ledger] path");
	setenv("TIM_LEDGER_PATH", "/env.tim", 1);
	is_str(tim_config_get(cfg, "ledger", "path"), "/env.tim", "TIM_LEDGER_PATH beats TIM_LEDGER");
	unsetenv("TIM_LEDGER_PATH");
	setenv("TIM_LEDGER", "", 1);
	is_str(tim_config_get(cfg, "ledger", "path"), "/file.tim", "an empty TIM_LEDGER is ignored");
	setenv("TIM_MY_SEC_SOME_KEY", "env", 1);
	is_str(tim_config_get(cfg, "my-sec", "some key"), "env",
	    "TIM_<SECTION>_<KEY>: upper case, '-' and ' ' as '_'");
	is_str(tim_config_get(NULL, "my-sec", "some key"), "env", "the environment without a config");
	ok(tim_config_get(cfg, "ledger", "kind") == NULL || strcmp(tim_config_get(cfg, "ledger", "kind"), "") != 0,
	    "TIM_LEDGER does not stand for other ledger keys");
	clean_env();
	tim_config_free(cfg);
}

static void
test_bool(void)
{
	static const char *yes[] = { "yes", "true", "on", "1", "YES", "True" };
	static const char *no[] = { "no", "false", "off", "0", "NO", "Off" };
	struct tim_config *cfg = tim_config_new();
	size_t i;
	int good = 1;

	clean_env();
	for (i = 0; i < 6; i++) {
		tim_config_set(cfg, "s", "b", yes[i]);
		good &= tim_config_get_bool(cfg, "s", "b", 0) == 1;
		tim_config_set(cfg, "s", "b", no[i]);
		good &= tim_config_get_bool(cfg, "s", "b", 1) == 0;
	}
	ok(good, "yes/true/on/1 and no/false/off/0 in any case");
	tim_config_set(cfg, "s", "b", "maybe");
	ok(tim_config_get_bool(cfg, "s", "b", 1) == 1 && tim_config_get_bool(cfg, "s", "b", 0) == 0,
	    "anything else gives the default");
	ok(tim_config_get_bool(cfg, "s", "unset", 7) == 7, "unset gives the default");
	tim_config_set(cfg, "s", "b", "");
	ok(tim_config_get_bool(cfg, "s", "b", 1) == 1, "an empty value gives the default");
	tim_config_free(cfg);
}

static void
test_errors(void)
{
	struct tim_config *cfg = tim_config_new();
	struct tim_err err;
	const char *p;

	clean_env();
	p = write_conf("syntax.conf", "[a]\nx = 1\nthis is not ini\ny = 2\n", 0644);
	tim_err_clear(&err);
	ok(tim_config_load_file(cfg, p, &err) < 0, "a syntax error is an error");
	ok(strstr(err.msg, "line 3: syntax error") != NULL, "naming the line (%s)", err.msg);
	is_int(err.kind, TIM_ERR_SYSTEM, "a system error");
	p = write_conf("others.conf", "[ledger]\npath = /evil\n", 0666);
	tim_err_clear(&err);
	ok(tim_config_load_file(cfg, p, &err) < 0, "a file others may write is refused");
	ok(strstr(err.msg, "writable by others") != NULL, "saying why");
	ok(tim_config_get(cfg, "ledger", "path") == NULL || strcmp(tim_config_get(cfg, "ledger", "path"), "/evil") != 0,
	    "and nothing of it is used");
	p = write_conf("group.conf", "[g]\nk = v\n", 0664);
	ok(tim_config_load_file(cfg, p, &err) == 0, "group-writable is the admin's choice");
	/* Regression: a directory was once read as an empty config. */
	mkdir(path("adir"), 0755);
	ok(tim_config_load_file(cfg, path("adir"), &err) < 0, "a directory is an error");
	tim_config_free(cfg);
}

static void
collect(const char *section, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 256 - n, "%s,", section);
}

static void
test_load(void)
{
	struct tim_config *cfg;
	struct tim_err err;
	char sections[256] = "";

	clean_env();
	setenv("TIM_CONFIG", write_conf("one.conf", "[x]\na=1\n[y]\nb=2\n[x]\nc=3\n", 0644), 1);
	setenv("XDG_CONFIG_HOME", dir, 1);
	mkdir(path("tim"), 0755);
	write_conf("tim/tim.conf", "[xdg]\nfrom = xdg\n", 0644);
	cfg = tim_config_new();
	ok(tim_config_load(cfg, &err) == 0, "load with TIM_CONFIG");
	is_str(tim_config_get(cfg, "x", "c"), "3", "reads TIM_CONFIG");
	ok(tim_config_get(cfg, "xdg", "from") == NULL, "and only that file");
	tim_config_each_section(cfg, collect, sections);
	is_str(sections, "x,y,", "each section once, in order");
	tim_config_free(cfg);

	unsetenv("TIM_CONFIG");
	cfg = tim_config_new();
	ok(tim_config_load(cfg, &err) == 0, "load without TIM_CONFIG");
	is_str(tim_config_get(cfg, "xdg", "from"), "xdg", "reads $XDG_CONFIG_HOME/tim/tim.conf");
	tim_config_free(cfg);

	write_conf("tim/tim.conf", "[xdg]\nfrom = xdg\n", 0646);
	cfg = tim_config_new();
	ok(tim_config_load(cfg, &err) < 0, "a world-writable user config fails the load");
	tim_config_free(cfg);
	unsetenv("XDG_CONFIG_HOME");
}

/* Issue 18: say what is wrong, where, and stop for yes/no values. */
static void
test_strict(void)
{
	struct tim_config *cfg;
	struct tim_err err;
	char longline[400];
	const char *p;

	clean_env();
	cfg = tim_config_new();
	p = write_conf("bool.conf", "[ledger]\npath = /r.tim\n\nsyslog = maybe\n", 0644);
	tim_err_clear(&err);
	ok(tim_config_load_file(cfg, p, &err) < 0, "syslog = maybe stops the load");
	is_str(strstr(err.msg, "line 4:") ? strstr(err.msg, "line 4:") : err.msg,
	    "line 4: syslog = 'maybe' is not yes or no", "naming the line, key and value");
	is_int(err.kind, TIM_ERR_SYSTEM, "an input error (exit 3)");
	tim_config_free(cfg);

	cfg = tim_config_new();
	p = write_conf("unknown.conf", "[ledger]\npath = /r.tim\nsylog = yes\nkind = x\n"
	    "[sael]\ncipher = aes\nmore = 1\n[label]\nlevels = 極秘,秘\n", 0644);
	ok(tim_config_load_file(cfg, p, &err) == 0, "unknown keys and sections do not stop the load");
	is_str(tim_config_warning(cfg, 0) ? strstr(tim_config_warning(cfg, 0), "line 3:") : NULL,
	    "line 3: unknown key 'sylog' in [ledger] is ignored; did you mean 'syslog'?",
	    "a typo is reported on its line, with the key it resembles");
	is_str(tim_config_warning(cfg, 1) ? strstr(tim_config_warning(cfg, 1), "line 4:") : NULL,
	    "line 4: unknown key 'kind' in [ledger] is ignored", "an unknown key without a near one");
	is_str(tim_config_warning(cfg, 2) ? strstr(tim_config_warning(cfg, 2), "line 6:") : NULL,
	    "line 6: unknown section [sael]; its keys are ignored", "an unknown section, once");
	ok(tim_config_warning(cfg, 3) == NULL, "and nothing else");
	is_str(tim_config_get(cfg, "label", "levels"), "極秘,秘", "the known keys are read");
	tim_config_free(cfg);

	/* Sections and keys with a variable part: [kind K], msip-guid.LEVEL. */
	cfg = tim_config_new();
	p = write_conf("pattern.conf", "[kind takeout]\nrequire = until\n[label]\n"
	    "msip-guid.極秘 = 01234567-89ab-cdef-0123-456789abcdef\nmsip-guid. = x\n[kind]\ny = 1\n", 0644);
	ok(tim_config_load_file(cfg, p, &err) == 0, "[kind K] and msip-guid.LEVEL load");
	is_str(tim_config_warning(cfg, 0) ? strstr(tim_config_warning(cfg, 0), "line 5:") : NULL,
	    "line 5: unknown key 'msip-guid.' in [label] is ignored; did you mean 'msip-guid'?",
	    "the variable part may not be empty");
	is_str(tim_config_warning(cfg, 1) ? strstr(tim_config_warning(cfg, 1), "line 7:") : NULL,
	    "line 7: unknown section [kind]; its keys are ignored", "nor the section's");
	ok(tim_config_warning(cfg, 2) == NULL, "and [kind takeout], msip-guid.極秘 are known");
	tim_config_free(cfg);

	cfg = tim_config_new();
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	{
		char text[600];

		snprintf(text, sizeof(text), "[label]\n; %s\nlevels = a\nthis is not ini\n", longline);
		p = write_conf("long.conf", text, 0644);
	}
	tim_err_clear(&err);
	ok(tim_config_load_file(cfg, p, &err) < 0, "an over-long line is an error");
	is_str(strstr(err.msg, "line 2") ? strstr(err.msg, "line 2") : err.msg,
	    "line 2 is longer than 197 bytes", "reported on its own line");
	tim_config_free(cfg);

	setenv("TIM_CONFIG", path("missing.conf"), 1);
	cfg = tim_config_new();
	tim_err_clear(&err);
	ok(tim_config_load(cfg, &err) < 0, "TIM_CONFIG naming a missing file is an error");
	ok(strstr(err.msg, "named by TIM_CONFIG does not exist") != NULL, "saying so: %s", err.msg);
	tim_config_free(cfg);
	setenv("TIM_CONFIG", "/dev/null", 1);
	cfg = tim_config_new();
	ok(tim_config_load(cfg, &err) == 0, "TIM_CONFIG=/dev/null: no configuration");
	tim_config_free(cfg);

	setenv("TIM_LEDGER_SYSLOG", "maybe", 1);
	cfg = tim_config_new();
	tim_err_clear(&err);
	ok(tim_config_load(cfg, &err) < 0, "TIM_LEDGER_SYSLOG=maybe stops the load");
	is_str(err.msg, "TIM_LEDGER_SYSLOG='maybe' is not yes or no", "naming the variable");
	tim_config_free(cfg);
	setenv("TIM_LEDGER_SYSLOG", "on", 1);
	cfg = tim_config_new();
	ok(tim_config_load(cfg, &err) == 0, "TIM_LEDGER_SYSLOG=on is fine");
	tim_config_free(cfg);
	unsetenv("TIM_LEDGER_SYSLOG");
	unsetenv("TIM_CONFIG");
}

int
main(void)
{
	static const char *names[] = { "a.conf", "b.conf", "syntax.conf", "others.conf",
	    "group.conf", "one.conf", "tim/tim.conf", "tim", "adir", "bool.conf",
	    "unknown.conf", "long.conf", "pattern.conf", NULL };
	int i;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_file();
	test_env();
	test_bool();
	test_errors();
	test_load();
	test_strict();
	for (i = 0; names[i]; i++)
		remove(path(names[i]));
	rmdir(dir);
	return tap_done();
}
