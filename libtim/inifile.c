#include <string.h>

#include "inifile.h"
#include "banned.h"

/* inih's reader: the next line, whole, or NULL at the end or a long line. */
static char *
next_line(char *str, int num, void *stream)
{
	struct tim_ini *ini = stream;
	const char *nl;
	size_t n, max;

	if (ini->p >= ini->end || ini->toolong)
		return NULL;
	/* A line inih would cut in two is reported on its own number. */
	nl = memchr(ini->p, '\n', (size_t)(ini->end - ini->p));
	n = nl ? (size_t)(nl - ini->p) : (size_t)(ini->end - ini->p);
	ini->line++;
	max = num > 3 ? (size_t)num - 3 : 0;
	if (max > TIM_INI_LINE)
		max = TIM_INI_LINE;
	if (n > max) {
		ini->toolong = ini->line;
		return NULL;
	}
	memcpy(str, ini->p, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	ini->p += n + (nl != NULL);
	return str;
}

int
tim_ini_parse(struct tim_ini *ini, const char *text, size_t len,
    ini_handler handler, void *user)
{
	int r;

	ini->p = text;
	ini->end = text + len;
	ini->line = 0;
	ini->toolong = 0;
	r = ini_parse_stream(next_line, ini, handler, user);
	if (ini->toolong && r <= 0)
		return -2;
	return r;
}
