/*
 * libtim's public ledger calls (ledger_api.c), through the public headers
 * alone: records given as key-value lists, no jansson in sight.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "ledger.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-ledger-api-XXXXXX";

static const char *
path(const char *name)
{
	static char p[2][256];
	static int i;

	i = !i;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

/* The whole file, malloc'd; the tests' ledgers are small. */
static char *
slurp(const char *name)
{
	FILE *f = fopen(path(name), "r");
	char *s = calloc(1, 1 << 16);

	if (f == NULL || s == NULL)
		abort();
	if (fread(s, 1, (1 << 16) - 1, f) == 0)
		abort();
	fclose(f);
	return s;
}

static size_t
count_lines(const char *name)
{
	char *s = slurp(name), *p;
	size_t n = 0;

	for (p = s; *p; p++)
		n += *p == '\n';
	free(s);
	return n;
}

/* record_kv into name; err is cleared first so a stale message never passes. */
static int
rec(const char *name, const char *kind, const char *const *kv, uint64_t *seq,
    struct tim_err *err)
{
	tim_err_clear(err);
	return tim_ledger_record_kv(path(name), kind, kv, TIM_LEDGER_NOSYNC, seq, err);
}

static void
test_record_kv(void)
{
	static const char *const copy[] = { "item", "設計書.docx", "to", "partner", "note", "a \"quoted\" value", NULL };
	static const char *const note[] = { "text", "one", NULL };
	struct tim_ledger_verify_result res;
	struct tim_err err;
	uint64_t seq = 0;
	char *s;

	ok(tim_ledger_create(path("a.tim"), "test/api", &err) == 0, "create");
	ok(rec("a.tim", "note", note, &seq, &err) == 0 && seq == 1, "record_kv: seq 1");
	ok(rec("a.tim", "copy", copy, &seq, &err) == 0 && seq == 2, "record_kv: seq 2");
	s = slurp("a.tim");
	ok(strstr(s, "\"kind\":\"copy\"") && strstr(s, "\"item\":\"設計書.docx\"") &&
	    strstr(s, "\"to\":\"partner\"") && strstr(s, "\"note\":\"a \\\"quoted\\\" value\""),
	    "the fields are written as JSON strings, UTF-8 kept, quotes escaped");
	ok(strstr(s, "\"item\":\"設計書.docx\",\"to\":\"partner\",\"note\"") != NULL,
	    "in the order given");
	free(s);
	ok(tim_ledger_verify(path("a.tim"), NULL, &res, &err) == 0 && res.ok && res.lines == 3,
	    "the ledger verifies: 3 lines");
	is_str(res.origin, "test/api", "with its origin");
}

static void
test_refused(void)
{
	static const char *const missing[] = { "item", "x", NULL };
	static const char *const novalue[] = { "item", "x", "to", NULL };
	static const char *const twice[] = { "item", "x", "to", "y", "item", "z", NULL };
	static const char *const badutf8[] = { "item", "\xff", "to", "y", NULL };
	static const char *const reserved[] = { "text", "x", "seq", "9", NULL };
	static const char *const badname[] = { "text", "x", "Bad", "y", NULL };
	static const char *const note[] = { "text", "x", NULL };
	struct tim_err err;
	uint64_t seq = 0;

	ok(rec("a.tim", "copy", missing, &seq, &err) < 0 && err.kind == TIM_ERR_INVALID &&
	    strstr(err.msg, "'to'"), "a missing required field names it");
	ok(rec("a.tim", "copy", novalue, &seq, &err) < 0 && err.kind == TIM_ERR_INVALID &&
	    strstr(err.msg, "'to'"), "a key without a value names it");
	ok(rec("a.tim", "copy", twice, &seq, &err) < 0 && err.kind == TIM_ERR_INVALID &&
	    strstr(err.msg, "'item'"), "a key given twice names it");
	ok(rec("a.tim", "copy", badutf8, &seq, &err) < 0 && err.kind == TIM_ERR_INVALID &&
	    strstr(err.msg, "'item'"), "a value that is not UTF-8 names its key");
	ok(rec("a.tim", "note", reserved, &seq, &err) < 0 && err.kind == TIM_ERR_INVALID &&
	    strstr(err.msg, "'seq'"), "a reserved name is refused");
	ok(rec("a.tim", "note", badname, &seq, &err) < 0 && err.kind == TIM_ERR_INVALID &&
	    strstr(err.msg, "'Bad'"), "an invalid name is refused");
	ok(rec("a.tim", "frob", note, &seq, &err) < 0 && err.kind == TIM_ERR_INVALID &&
	    strstr(err.msg, "'frob'"), "an unknown kind is refused");
	ok(rec("a.tim", "note", NULL, &seq, &err) < 0 && err.kind == TIM_ERR_INVALID &&
	    strstr(err.msg, "'text'"), "no fields at all: the required one is missing");
	is_int(count_lines("a.tim"), 3, "nothing refused was written");
	ok(rec("none.tim", "note", note, &seq, &err) < 0 && err.kind == TIM_ERR_SYSTEM &&
	    access(path("none.tim"), F_OK) < 0, "a missing ledger is a system error; nothing created");
}

static void
test_batch_kv(void)
{
	static const char *const note[] = { "text", "batch", NULL };
	static const char *const bad[] = { "text", NULL };
	struct tim_ledger_verify_result res;
	struct tim_ledger *l;
	struct tim_err err;
	uint64_t seq = 0;

	tim_ledger_create(path("b.tim"), "test/batch", &err);
	ok(tim_ledger_open(&l, path("b.tim"), TIM_LEDGER_NOSYNC, &err) == 0, "open");
	ok(tim_ledger_add_kv(l, "note", note, &seq, &err) < 0, "add_kv without the lock fails");
	ok(tim_ledger_lock(l, &err) == 0, "lock");
	ok(tim_ledger_add_kv(l, "note", note, &seq, &err) == 0 && seq == 1, "add_kv: seq 1");
	ok(tim_ledger_add_kv(l, "note", note, &seq, &err) == 0 && seq == 2, "add_kv: seq 2");
	ok(tim_ledger_add_kv(l, "note", bad, &seq, &err) < 0 && err.kind == TIM_ERR_INVALID,
	    "a bad add_kv is refused");
	ok(tim_ledger_pending(l) > 0, "pending until flush");
	is_int(count_lines("b.tim"), 1, "nothing written before flush");
	ok(tim_ledger_flush(l, &err) == 0, "flush");
	tim_ledger_unlock(l);
	ok(tim_ledger_append_kv(l, "note", note, &seq, &err) == 0 && seq == 3, "append_kv: seq 3");
	ok(tim_ledger_append_kv(l, "note", bad, &seq, &err) < 0 && err.kind == TIM_ERR_INVALID,
	    "a bad append_kv is refused");
	tim_ledger_close(l);
	ok(tim_ledger_verify(path("b.tim"), NULL, &res, &err) == 0 && res.ok && res.lines == 4,
	    "the batch verifies: 4 lines");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_record_kv();
	test_refused();
	test_batch_kv();
	unlink(path("a.tim"));
	unlink(path("b.tim"));
	rmdir(dir);
	return tap_done();
}
