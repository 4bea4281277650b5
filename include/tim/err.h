#ifndef TIM_ERR_H
#define TIM_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What kind of failure a library call met. The library's own codes: the
 * front ends in cmd/ map them to exit statuses (cmd/cli.h), another
 * program to whatever it likes.
 */
enum tim_errkind {
	TIM_ERR_NONE = 0,
	TIM_ERR_SYSTEM,		/* the system or the input failed */
	TIM_ERR_INVALID,	/* an argument or setting from the caller is not valid */
	TIM_ERR_REFUSED		/* a negative result: verification failed, refused */
};

/*
 * Why a library call failed. The caller owns it; library functions fill it
 * and return a negative value.
 */
struct tim_err {
	int errnum;		/* errno, or 0 */
	enum tim_errkind kind;
	char msg[1024];
};

void tim_err_clear(struct tim_err *err);

/*
 * Record a failure: the formatted message, then ": strerror(errnum)" when
 * errnum is not 0. Returns -1 so that "return tim_errorf(...)" reads well.
 */
int tim_errorf(struct tim_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same, for an argument or setting that is not valid (TIM_ERR_INVALID). */
int tim_invalidf(struct tim_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The same, for a negative result such as a failed verification. */
int tim_failf(struct tim_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Put context in front of a recorded message: "reading 'x': <old message>". */
void tim_err_prefix(struct tim_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif
