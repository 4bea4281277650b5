#ifndef TIM_INIFILE_H
#define TIM_INIFILE_H

#include <stddef.h>

#include <ini.h>

/*
 * inih over text already in memory, one line at a time, so that the caller
 * knows the line each handler call comes from and a line longer than inih's
 * buffer is reported on its own number (inih would cut it and go on, with
 * every later number off by one).
 */
struct tim_ini {
	const char *p, *end;
	int line;	/* the line being parsed; for handlers' messages */
	int toolong;	/* the first line longer than TIM_INI_LINE, or 0 */
};

/* The longest line inih takes whole, in bytes, without its newline. */
#define TIM_INI_LINE (INI_MAX_LINE - 3)

/*
 * Parses len bytes of text (no NUL inside). Returns 0, the first line with a
 * syntax error, -1 for out of memory, or -2 when ini->toolong is set and
 * no earlier line was wrong (the parse stopped there).
 */
int tim_ini_parse(struct tim_ini *ini, const char *text, size_t len,
    ini_handler handler, void *user);

#endif
