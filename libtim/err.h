#ifndef TIM_ERR_H
#define TIM_ERR_H

/* Exit statuses shared by every tool (tim(7), EXIT STATUS). */
#define TIM_EXIT_OK	0	/* success, clean */
#define TIM_EXIT_FAIL	1	/* negative result: findings, verification failed */
#define TIM_EXIT_USAGE	2	/* usage error */
#define TIM_EXIT_ERROR	3	/* system or input error */

/*
 * Why a library call failed. The caller owns it; library functions fill it
 * and return a negative value. code is the exit status the failure maps to.
 */
struct tim_err {
	int errnum;		/* errno, or 0 */
	int code;		/* TIM_EXIT_* */
	char msg[1024];
};

void tim_err_clear(struct tim_err *err);

/*
 * Record a failure: the formatted message, then ": strerror(errnum)" when
 * errnum is not 0. Returns -1 so that "return tim_errorf(...)" reads well.
 */
int tim_errorf(struct tim_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same, for a caller's mistake (exit status 2). */
int tim_usagef(struct tim_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The same, for a negative result such as a failed verification (status 1). */
int tim_failf(struct tim_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Put context in front of a recorded message: "reading 'x': <old message>". */
void tim_err_prefix(struct tim_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
