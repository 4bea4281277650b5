/* libFuzzer: tim.conf as the tools read it, then every key they ask for. */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "label.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
each(const char *section, void *arg)
{
	(void)section;
	(*(int *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[][2] = { { "ledger", "path" }, { "ledger", "syslog" },
	    { "ledger", "key-file" }, { "seal", "inside-domains" }, { "seal", "forbid-outside" },
	    { "wipe", "method" }, { "label", "levels" }, { "host", "data-paths" } };
	const char *path = fuzz_path("tim.conf");
	struct tim_config *cfg;
	struct tim_label_scheme s;
	struct tim_err err;
	size_t i;
	int n = 0;

	fuzz_write(path, data, size, 0600);
	cfg = tim_config_new();
	if (cfg == NULL)
		return 0;
	tim_err_clear(&err);
	if (tim_config_load_file(cfg, path, &err) == 0) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			(void)tim_config_get(cfg, keys[i][0], keys[i][1]);
		(void)tim_config_get_bool(cfg, "ledger", "syslog", 0);
		tim_config_each_section(cfg, each, &n);
		for (i = 0; tim_config_warning(cfg, i) != NULL; i++)
			;
		/* The label scheme is what most of tim.conf feeds. */
		(void)tim_label_scheme_load(&s, cfg, &err);
	}
	tim_config_free(cfg);
	return 0;
}
