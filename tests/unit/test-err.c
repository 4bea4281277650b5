/* libtim err.c: the reason a library call failed, and its exit status. */
#include <errno.h>
#include <string.h>

#include "err.h"
#include "tap.h"
#include "banned.h"

static void
test_codes(void)
{
	struct tim_err e;

	tim_err_clear(&e);
	ok(e.kind == TIM_ERR_NONE && e.errnum == 0 && e.msg[0] == '\0', "clear resets");
	is_int(tim_errorf(&e, 0, "cannot do '%s'", "x"), -1, "errorf returns -1");
	is_int(e.kind, TIM_ERR_SYSTEM, "errorf is a system error");
	is_str(e.msg, "cannot do 'x'", "without errno, no suffix");
	is_int(tim_invalidf(&e, "bad %d", 7), -1, "invalidf returns -1");
	is_int(e.kind, TIM_ERR_INVALID, "invalidf is an invalid argument");
	is_int(e.errnum, 0, "invalidf has no errno");
	is_str(e.msg, "bad 7", "invalidf message");
	is_int(tim_failf(&e, "no"), -1, "failf returns -1");
	is_int(e.kind, TIM_ERR_REFUSED, "failf is a refusal");
	ok(TIM_ERR_NONE == 0 && TIM_ERR_SYSTEM != TIM_ERR_INVALID &&
	    TIM_ERR_INVALID != TIM_ERR_REFUSED && TIM_ERR_SYSTEM != TIM_ERR_REFUSED,
	    "the kinds are distinct and NONE is 0");
}

static void
test_errno(void)
{
	struct tim_err e;
	char want[256];

	tim_err_clear(&e);
	tim_errorf(&e, ENOENT, "cannot open '%s'", "f");
	snprintf(want, sizeof(want), "cannot open 'f': %s", strerror(ENOENT));
	is_str(e.msg, want, "errno adds ': strerror'");
	is_int(e.errnum, ENOENT, "and is kept");
	is_int(e.kind, TIM_ERR_SYSTEM, "errno failures are system errors");
}

static void
test_prefix(void)
{
	struct tim_err e;
	char longs[3000];

	tim_err_clear(&e);
	tim_failf(&e, "hash mismatch");
	tim_err_prefix(&e, "reading '%s'", "l.tim");
	is_str(e.msg, "reading 'l.tim': hash mismatch", "prefix puts context in front");
	is_int(e.kind, TIM_ERR_REFUSED, "and keeps the code");
	tim_err_prefix(&e, "outer");
	is_str(e.msg, "outer: reading 'l.tim': hash mismatch", "prefixes nest");

	memset(longs, 'z', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	tim_errorf(&e, EIO, "%s", longs);
	is_int(strlen(e.msg), sizeof(e.msg) - 1, "a long message is cut to the buffer");
	tim_err_prefix(&e, "%s", longs);
	is_int(strlen(e.msg), sizeof(e.msg) - 1, "a long prefix is cut too");
	tim_invalidf(&e, "short");
	tim_err_prefix(&e, "%s", longs);
	ok(strlen(e.msg) == sizeof(e.msg) - 1 && e.msg[0] == 'z',
	    "a prefix longer than the buffer leaves a terminated message");
}

int
main(void)
{
	test_codes();
	test_errno();
	test_prefix();
	return tap_done();
}
