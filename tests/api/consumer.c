/*
 * A program outside tim, built the way a third party builds one:
 *
 *	cc consumer.c $(pkg-config --cflags --libs --static libtim)
 *
 * It includes the system's <err.h> beside <tim/err.h> (the installed
 * headers must not hide it) and compiles as C++ too. Usage:
 * consumer LEDGER MARKED-FILE: creates LEDGER, appends two records, has a
 * bad one refused, verifies LEDGER and reads MARKED-FILE's label.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <tim/buf.h>
#include <tim/err.h>
#include <tim/label.h>
#include <tim/ledger.h>
#include <tim/version.h>

#ifdef _
#error "a libtim header defined _"
#endif
#ifdef N_
#error "a libtim header defined N_"
#endif

static const char *
kindname(enum tim_errkind k)
{
	switch (k) {
	case TIM_ERR_SYSTEM:
		return "system";
	case TIM_ERR_INVALID:
		return "invalid";
	case TIM_ERR_REFUSED:
		return "refused";
	default:
		return "none";
	}
}

static void
append(const char *ledger)
{
	static const char *const received[] = { "item", "図面A.pdf", "from", "partner", NULL };
	static const char *const copied[] = { "item", "図面A.pdf", "to", "USB-07", NULL };
	static const char *const bad[] = { "item", "図面A.pdf", NULL };
	struct tim_err e;
	uint64_t seq = 0;

	if (tim_ledger_create(ledger, "example.com/consumer", &e) < 0)
		errx(1, "create: %s", e.msg);
	if (tim_ledger_record_kv(ledger, "receive", received, 0, &seq, &e) < 0)
		errx(1, "receive: %s", e.msg);
	printf("appended receive seq=%llu\n", (unsigned long long)seq);
	if (tim_ledger_record_kv(ledger, "copy", copied, 0, &seq, &e) < 0)
		errx(1, "copy: %s", e.msg);
	printf("appended copy seq=%llu\n", (unsigned long long)seq);
	tim_err_clear(&e);
	if (tim_ledger_record_kv(ledger, "copy", bad, 0, &seq, &e) == 0)
		errx(1, "a copy without 'to' was appended");
	printf("refused copy: %s: %s\n", kindname(e.kind), e.msg);
}

static void
verify(const char *ledger)
{
	struct tim_ledger_verify_result res;
	struct tim_err e;

	memset(&res, 0, sizeof(res));
	if (tim_ledger_verify(ledger, NULL, &res, &e) < 0)
		errx(1, "verify: %s", e.msg);
	printf("verify: %s lines=%llu origin=%s\n", res.ok ? "ok" : "FAILED",
	    (unsigned long long)res.lines, res.origin);
}

static void
label(const char *file)
{
	struct tim_label_scheme s;
	struct tim_label_report rep;
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_err e;
	size_t i;

	tim_label_scheme_default(&s);
	if (tim_label_read(&s, file, TIM_CARRIERS_DEFAULT, &rep, &e) < 0)
		errx(1, "label: %s", e.msg);
	if (tim_label_format(&s, &rep.effective, &b) < 0)
		errx(1, "label: out of memory");
	printf("label: marked=%d %s\n", rep.marked, tim_buf_str(&b));
	for (i = 0; i < rep.n; i++)
		printf("carrier: %s\n", rep.found[i].kind);
	tim_buf_release(&b);
}

int
main(int argc, char **argv)
{
	if (argc != 3)
		errx(2, "usage: consumer LEDGER MARKED-FILE");
	printf("libtim %s\n", TIM_VERSION);
	append(argv[1]);
	verify(argv[1]);
	label(argv[2]);
	return 0;
}
