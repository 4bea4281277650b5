/* libtim markrecord.c: the ledger's mark record and the carrier names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "label.h"
#include "mark.h"
#include "markrecord.h"
#include "tap.h"
#include "banned.h"

static char *
dump(json_t *f)
{
	char *s = f ? json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(f);
	return s;
}

static void
test_names(void)
{
	struct tim_buf b = TIM_BUF_INIT;

	tim_mark_carrier_names(TIM_CARRIER_NAME | TIM_CARRIER_XATTR | TIM_CARRIER_CONTENT,
	    "docx", ", ", &b);
	is_str(tim_buf_str(&b), "name, xattr, docx", "the content carrier is named by its type");
	tim_buf_reset(&b);
	tim_mark_carrier_names(TIM_CARRIER_CONTENT | TIM_CARRIER_FOLDER, "", ",", &b);
	is_str(tim_buf_str(&b), "content,folder", "content without a type is 'content'");
	tim_buf_reset(&b);
	tim_mark_carrier_names(0, "text", ",", &b);
	is_int(b.len, 0, "no carriers, no names");
	tim_buf_release(&b);
}

static void
test_fields(void)
{
	struct tim_mark_opts o;
	struct tim_mark_result res;
	struct tim_err err;
	char *s;

	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	tim_err_clear(&err);
	snprintf(res.path, sizeof(res.path), "%s", "【社外秘】a.txt");
	snprintf(res.content, sizeof(res.content), "%s", "text");
	res.changed = TIM_CARRIER_NAME | TIM_CARRIER_CONTENT;
	tim_label_set(&res.label, "level", "社外秘", &err);
	tim_label_set(&res.label, "owner", "設計部", &err);
	tim_label_set(&res.label, "id", "TIM-1", &err);
	tim_label_set(&res.before, "level", "社内限", &err);
	s = dump(tim_mark_record_fields(&o, &res));
	is_str(s, "{\"item\":\"【社外秘】a.txt\",\"level\":\"社外秘\",\"action\":\"mark\","
	    "\"carriers\":\"name,text\",\"owner\":\"設計部\",\"id\":\"TIM-1\"}",
	    "a mark: the path afterwards, the label written, the carriers changed");
	free(s);

	o.remove = 1;
	snprintf(res.path, sizeof(res.path), "%s", "a.txt");
	res.changed = TIM_CARRIER_XATTR;
	s = dump(tim_mark_record_fields(&o, &res));
	is_str(s, "{\"item\":\"a.txt\",\"level\":\"社内限\",\"action\":\"remove\",\"carriers\":\"xattr\"}",
	    "a removal: the label taken off");
	free(s);

	tim_label_clear(&res.before);
	tim_label_set(&res.before, "until", "2031-03-31", &err);
	s = dump(tim_mark_record_fields(&o, &res));
	is_str(s, "{\"item\":\"a.txt\",\"level\":\"-\",\"action\":\"remove\",\"carriers\":\"xattr\","
	    "\"until\":\"2031-03-31\"}", "no level is '-'; set attributes still go in");
	free(s);
}

int
main(void)
{
	test_names();
	test_fields();
	return tap_done();
}
