#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "i18n.h"
#include "banned.h"

void
tim_err_clear(struct tim_err *err)
{
	err->errnum = 0;
	err->kind = TIM_ERR_NONE;
	err->msg[0] = '\0';
}

static void
vset(struct tim_err *err, int errnum, enum tim_errkind kind, const char *fmt, va_list ap)
{
	int n;

	err->errnum = errnum;
	err->kind = kind;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		err->msg[0] = '\0';
	else if (errnum != 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
		    strerror(errnum));
}

int
tim_errorf(struct tim_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, errnum, TIM_ERR_SYSTEM, fmt, ap);
	va_end(ap);
	return -1;
}

int
tim_invalidf(struct tim_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, 0, TIM_ERR_INVALID, fmt, ap);
	va_end(ap);
	return -1;
}

int
tim_failf(struct tim_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, 0, TIM_ERR_REFUSED, fmt, ap);
	va_end(ap);
	return -1;
}

void
tim_err_prefix(struct tim_err *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	size_t n;
	va_list ap;
	int w;

	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	w = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (w < 0) {
		memcpy(err->msg, old, sizeof(old));
		return;
	}
	n = (size_t)w;
	if (n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", old);
}
