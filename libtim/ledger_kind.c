/* The kinds of record, the fields they need, and the header line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "ledger.h"
#include "ledger_impl.h"
#include "ledger_json.h"
#include "util.h"
#include "banned.h"

/*
 * Each kind is a column of some register the notice asks for; the clause is
 * where. Required fields are what makes a record of that kind useful as
 * evidence; anything else a caller adds is kept.
 */
const struct tim_ledger_kind tim_ledger_kinds[] = {
	{ "mark", { "item", "level" }, N_("marked (or unmarked) as controlled information"), "I 第二 1, I 第一 3" },
	{ "copy", { "item", "to" }, N_("copied"), "I 第四 1 (1)" },
	{ "takeout", { "item", "to" }, N_("taken out"), "I 第四 1 (1), V 第三 2" },
	{ "return", { "item" }, N_("returned"), "I 第四 1 (1), I 第四 5 (3)" },
	{ "disclose", { "item", "to" }, N_("disclosed or conveyed to a person"), "I 第四 3 (4)" },
	{ "send", { "item", "to" }, N_("sent by e-mail or network"), "V 第三 10, V 第三 11" },
	{ "receive", { "item", "from" }, N_("received from another party"), "I 第四 1 (2)" },
	{ "dispose", { "item", "method" }, N_("disposed of"), "I 第四 5 (1)" },
	{ "erase", { "item", "method" }, N_("erased by overwriting"), "V 第三 5, V 第三 7, V 第一 11" },
	{ "grant", { "item", "to" }, N_("access granted"), "II 第二 5" },
	{ "revoke", { "item", "from" }, N_("access revoked"), "II 第二 5" },
	{ "lend", { "item", "to" }, N_("key or medium lent"), "III 第一 4, IV 第一 3" },
	{ "inspect", { "item", "result" }, N_("register or control inspected"), "I 第四 1 (5)" },
	{ "approve", { "item", "action" }, N_("approved by a manager"), "I 第四 1 (6), V 第一 20" },
	{ "note", { "text" }, N_("free note"), "I 第四 1 (1)" },
	{ "repair", { "torn_bytes", "torn_sha256" }, N_("torn last line set aside"), "I 第四 1 (3)" },
	{ NULL, { NULL }, NULL, NULL }
};

static const char *const reserved[] = { "seq", "time", "kind", "actor", "host", "prev", NULL };

const struct tim_ledger_kind *
tim_ledger_kind_find(const char *name)
{
	const struct tim_ledger_kind *k;

	for (k = tim_ledger_kinds; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int
tim_ledger_field_ok(const char *name)
{
	const char *p;
	int i;

	if (name[0] < 'a' || name[0] > 'z' || strlen(name) > 64)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	for (i = 0; reserved[i]; i++)
		if (strcmp(name, reserved[i]) == 0)
			return 0;
	return 1;
}

static int
empty_value(const json_t *v)
{
	return v == NULL || json_is_null(v) ||
	    (json_is_string(v) && json_string_length(v) == 0);
}

static size_t
count(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

int
tim_ledger_time_parse(const char *s, int end, time_t *out)
{
	unsigned y, mo, d, h = 0, mi = 0, sec = 0;
	char norm[32], tail;
	int n;

	if (tim_time_parse_local(s, end, out) == 0)
		return 0;
	/* Excel's dates: 2026/11/30, 2026/11/30 9:05, 2026/11/30 9:05:07 */
	n = sscanf(s, "%4u/%2u/%2u %2u:%2u:%2u%c", &y, &mo, &d, &h, &mi, &sec, &tail);
	if ((n != 3 && n != 5 && n != 6) || strspn(s, "0123456789/: ") != strlen(s) ||
	    count(s, ':') != (size_t)(n == 3 ? 0 : n - 4) || count(s, ' ') != (n == 3 ? 0u : 1u))
		return -1;
	if (n == 3)
		snprintf(norm, sizeof(norm), "%04u-%02u-%02u", y, mo, d);
	else
		snprintf(norm, sizeof(norm), "%04u-%02u-%02uT%02u:%02u:%02u", y, mo, d, h, mi, sec);
	return tim_time_parse_local(norm, end, out);
}

/* at=, until= and ref= must mean what they say before they are kept. */
static int
check_special(const json_t *fields, struct tim_err *err)
{
	const json_t *at = json_object_get(fields, "at");
	const json_t *until = json_object_get(fields, "until");
	uint64_t ref;
	time_t t;

	if (at && (!json_is_string(at) ||
	    tim_ledger_time_parse(json_string_value(at), 0, &t) < 0))
		return tim_invalidf(err, _("at='%s' is not a date or time (2026-12-01, 2026-12-01T09:30:00, 2026/12/01 9:30)"),
		    json_is_string(at) ? json_string_value(at) : "?");
	if (at && t > time(NULL) + 300)
		return tim_invalidf(err, _("at='%s' is in the future: at= records when something already happened"),
		    json_string_value(at));
	if (until && (!json_is_string(until) ||
	    tim_ledger_time_parse(json_string_value(until), 1, &t) < 0))
		return tim_invalidf(err, _("until='%s' is not a date or time (2026-12-01)"),
		    json_is_string(until) ? json_string_value(until) : "?");
	if (tim_ledger_ref(fields, &ref) < 0)
		return tim_invalidf(err, _("ref must be the seq of an earlier record, not '%s'"),
		    json_is_string(json_object_get(fields, "ref")) ?
		    json_string_value(json_object_get(fields, "ref")) : "?");
	return 0;
}

int
tim_ledger_check_fields(const char *kind, const json_t *fields,
    struct tim_err *err)
{
	const struct tim_ledger_kind *k = tim_ledger_kind_find(kind);
	const char *key;
	json_t *v;
	int i;

	if (k == NULL)
		return tim_invalidf(err, _("unknown record kind '%s' (see 'tim-ledger kinds')"), kind);
	if (!json_is_object(fields))
		return tim_invalidf(err, _("record fields must be a JSON object"));
	json_object_foreach((json_t *)fields, key, v) {
		if (!tim_ledger_field_ok(key))
			return tim_invalidf(err, _("invalid field name '%s': use [a-z][a-z0-9_]*, not seq, time, kind, actor, host or prev"), key);
	}
	for (i = 0; i < 3 && k->required[i]; i++)
		if (empty_value(json_object_get(fields, k->required[i])))
			return tim_invalidf(err, _("a '%s' record needs the field '%s'"), kind, k->required[i]);
	return check_special(fields, err);
}


int
tim_ledger_origin_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= 1024)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* The origin becomes the first line of every checkpoint: one printable line. */
int
tim_ledger_header_ok(const json_t *h)
{
	const json_t *v = json_object_get(h, "v");
	const json_t *o = json_object_get(h, "origin");

	return json_is_object(h) &&
	    json_is_string(json_object_get(h, "tim")) &&
	    strcmp(json_string_value(json_object_get(h, "tim")), "ledger") == 0 &&
	    json_is_integer(v) && json_integer_value(v) == 1 &&
	    json_is_string(o) && tim_ledger_origin_ok(json_string_value(o), json_string_length(o));
}

int
tim_ledger_fields_parse(int argc, char *const *argv, json_t *obj,
    struct tim_err *err)
{
	struct tim_buf key = TIM_BUF_INIT;
	int i, r = 0;

	for (i = 0; i < argc && r == 0; i++) {
		const char *eq = strchr(argv[i], '=');
		json_t *v;

		if (eq == NULL || eq == argv[i]) {
			r = tim_invalidf(err, _("'%s' is not FIELD=VALUE"), argv[i]);
			break;
		}
		tim_buf_reset(&key);
		if (tim_buf_add(&key, argv[i], (size_t)(eq - argv[i])) < 0) {
			r = tim_errorf(err, ENOMEM, _("out of memory"));
			break;
		}
		if (!tim_ledger_field_ok(key.buf))
			r = tim_invalidf(err, _("invalid field name '%s': use [a-z][a-z0-9_]*, not seq, time, kind, actor, host or prev"), key.buf);
		else if (json_object_get(obj, key.buf) != NULL)
			r = tim_invalidf(err, _("the field '%s' is given twice; give each field once"), key.buf);
		else if ((v = json_string(eq + 1)) == NULL)
			r = tim_invalidf(err, _("the value of '%s' is not valid UTF-8"), key.buf);
		else if (json_object_set_new(obj, key.buf, v) < 0)
			r = tim_errorf(err, ENOMEM, _("out of memory"));
	}
	tim_buf_release(&key);
	return r;
}
