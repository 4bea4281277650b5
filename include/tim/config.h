#ifndef TIM_CONFIG_H
#define TIM_CONFIG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tim_err;

/*
 * Settings from, in rising precedence: /etc/tim/tim.conf, then
 * $XDG_CONFIG_HOME/tim/tim.conf (~/.config when unset), then TIM_<SECTION>_<KEY>
 * in the environment; command-line flags, applied by the caller, beat all.
 * TIM_CONFIG names one file to read instead of both (tests, odd setups).
 * INI syntax, read with inih.
 */
struct tim_config;

struct tim_config *tim_config_new(void);
void tim_config_free(struct tim_config *cfg);

/* Reads the standard files; a missing file is not an error. */
int tim_config_load(struct tim_config *cfg, struct tim_err *err);

/*
 * Reads one file. A missing file is not an error; a file others may write,
 * one with a syntax error or a line too long, and a yes/no key whose value
 * is neither, are (the message names the file and the line). Unknown
 * sections and keys are kept but reported by tim_config_warning.
 * TIM_CONFIG=/dev/null stands for no configuration; TIM_CONFIG naming a
 * file that does not exist is an error.
 */
int tim_config_load_file(struct tim_config *cfg, const char *path,
    struct tim_err *err);

/* Sets a value as a file would: later sets win. */
int tim_config_set(struct tim_config *cfg, const char *section,
    const char *key, const char *value);

/*
 * The value for [section] key, or NULL. The environment is asked first:
 * TIM_<SECTION>_<KEY> with letters upper-cased and '-' and ' ' as '_';
 * TIM_LEDGER also stands for [ledger] path.
 */
const char *tim_config_get(const struct tim_config *cfg, const char *section,
    const char *key);

/* yes/true/on/1 and no/false/off/0; anything else, or unset, gives def. */
int tim_config_get_bool(const struct tim_config *cfg, const char *section,
    const char *key, int def);

/*
 * The i-th thing loading found wrong but did not stop for (an unknown
 * section or key, with its file and line), or NULL past the last.
 */
const char *tim_config_warning(const struct tim_config *cfg, size_t i);

/* Calls fn for each section name seen in the files, in order, once each. */
void tim_config_each_section(const struct tim_config *cfg,
    void (*fn)(const char *section, void *arg), void *arg);

#ifdef __cplusplus
}
#endif

#endif
