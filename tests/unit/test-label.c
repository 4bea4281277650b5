/* libtim label.c and pdf.c helpers: schemes, parsing, formatting, NFC prefixes. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "label.h"
#include "pdf.h"
#include "tap.h"
#include "banned.h"

static void
test_scheme(void)
{
	struct tim_label_scheme s;
	struct tim_config *cfg = tim_config_new();
	struct tim_err err;

	tim_label_scheme_default(&s);
	is_int(s.n, 4, "default scheme has four levels");
	is_int(tim_label_rank(&s, "極秘"), 0, "極秘 is the highest");
	is_int(tim_label_rank(&s, "社内限"), 3, "社内限 is the lowest");
	is_int(tim_label_rank(&s, "部外秘"), -1, "unknown level has no rank");
	ok(tim_label_compare(&s, "秘", "社外秘") > 0, "秘 > 社外秘");
	ok(tim_label_compare(&s, "社内限", "社外秘") < 0, "社内限 < 社外秘");
	ok(tim_label_compare(&s, "部外秘", "社内限") < 0, "unknown is below every level");
	is_str(s.dflt, "社外秘", "default level");

	tim_err_clear(&err);
	tim_config_set(cfg, "label", "levels", " A , B,C ");
	tim_config_set(cfg, "label", "name-template", "[%s] ");
	ok(tim_label_scheme_load(&s, cfg, &err) == 0, "levels and template from the config");
	is_int(s.n, 3, "three levels");
	is_str(s.levels[1], "B", "spaces trimmed");
	is_str(s.dflt, "C", "default falls back to the lowest level");
	is_str(s.name_pre, "[", "template prefix");
	is_str(s.name_post, "] ", "template suffix");
	ok(tim_label_scheme_set_levels(&s, "A,A", &err) < 0, "duplicate levels refused");
	ok(tim_label_scheme_set_levels(&s, "A,,B", &err) < 0, "empty level refused");
	ok(tim_label_scheme_set_template(&s, "%s%s", &err) < 0, "two %%s refused");
	ok(tim_label_scheme_set_template(&s, "a/%s", &err) < 0, "a slash refused");
	tim_config_set(cfg, "label", "msip-guid", "not-a-guid");
	ok(tim_label_scheme_load(&s, cfg, &err) < 0 && err.kind == TIM_ERR_INVALID, "bad GUID is a usage error");
	tim_config_free(cfg);
}

static void
test_fields(void)
{
	struct tim_label_scheme s;
	struct tim_label l;
	struct tim_err err;

	tim_label_scheme_default(&s);
	tim_label_clear(&l);
	ok(tim_label_set(&l, "until", "2031-03-31", &err) == 0, "valid date");
	ok(tim_label_set(&l, "until", "2031-02-29", &err) < 0, "2031-02-29 does not exist");
	ok(tim_label_set(&l, "until", "2032-02-29", &err) == 0, "2032 is a leap year");
	ok(tim_label_set(&l, "until", "31.03.2031", &err) < 0, "other date forms refused");
	ok(tim_label_set(&l, "owner", "a\nb", &err) < 0, "control characters refused");
	ok(tim_label_set(&l, "owner", "x --> y", &err) < 0, "comment terminators refused");
	ok(tim_label_set(&l, "owner", "\xff", &err) < 0, "invalid UTF-8 refused");
	ok(tim_label_set(&l, "colour", "red", &err) < 0, "unknown field refused");
	ok(tim_label_validate(&s, &l, &err) < 0, "a label needs a level");
	tim_label_set(&l, "level", "部外秘", &err);
	ok(tim_label_validate(&s, &l, &err) < 0, "level must be in the scheme");
	tim_label_set(&l, "level", "秘", &err);
	ok(tim_label_validate(&s, &l, &err) == 0, "valid label");
}

static void
test_format_parse(void)
{
	struct tim_label_scheme s;
	struct tim_label l, back;
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_err err;
	static const char *bad[] = {
		"【社外秘】 owner", "【社外秘】 owner=", "【社外秘】 colour=red",
		"【社外秘】 owner=a owner=b", "【社外秘】 owner=\"open", "【社外秘】  owner=a",
		"【社外秘】 会議メモ", "社外秘", "【部外秘】", "【社外秘】 until=tomorrow", NULL
	};
	int i;

	tim_label_scheme_default(&s);
	tim_label_clear(&l);
	tim_label_set(&l, "level", "社外秘", &err);
	tim_label_set(&l, "owner", "設計部 \"第1課\"", &err);
	tim_label_set(&l, "id", "TIM-1", &err);
	tim_label_set(&l, "until", "2031-03-31", &err);
	tim_label_format(&s, &l, &b);
	is_str(tim_buf_str(&b), "【社外秘】 owner=\"設計部 \\\"第1課\\\"\" id=TIM-1 until=2031-03-31", "format quotes");
	ok(tim_label_parse(&s, b.buf, b.len, &back) == 1, "parse what format writes");
	ok(tim_label_equal(&l, &back), "round trip keeps every field");
	ok(tim_label_parse(&s, "【秘】", strlen("【秘】"), &back) == 1 && strcmp(back.level, "秘") == 0,
	    "a bare level");
	for (i = 0; bad[i]; i++)
		is_int(tim_label_parse(&s, bad[i], strlen(bad[i]), &back), 0, "not a label: %s", bad[i]);
	tim_buf_release(&b);
}

static void
test_nfc(void)
{
	struct tim_label_scheme s;
	struct tim_err err;
	char level[TIM_LABEL_LEVEL_MAX];
	char nfd[] = "\xe3\x82\xab\xe3\x82\x99\xe3\x81\xaf\xe3\x82\x9a";	/* カ゛は゜ */
	size_t n;

	n = tim_label_nfc_kana(nfd, strlen(nfd));
	nfd[n] = '\0';
	is_str(nfd, "ガぱ", "kana with combining marks compose");
	tim_label_scheme_default(&s);
	tim_label_scheme_set_levels(&s, "ガ秘,社外秘", &err);
	n = tim_label_name_prefix(&s, "【\xe3\x82\xab\xe3\x82\x99秘】x", strlen("【\xe3\x82\xab\xe3\x82\x99秘】x"), level);
	is_int(n, strlen("【\xe3\x82\xab\xe3\x82\x99秘】"), "NFD prefix length in its own bytes");
	is_str(level, "ガ秘", "NFD prefix gives the NFC level");
	is_int(tim_label_name_prefix(&s, "【社外秘", strlen("【社外秘"), level), 0, "unterminated prefix");
}

static void
test_carriers(void)
{
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_err err;
	int c;

	ok(tim_label_carriers_parse("name,folder", &c, &err) == 0 &&
	    c == (TIM_CARRIER_NAME | TIM_CARRIER_FOLDER), "carrier list");
	ok(tim_label_carriers_parse("name,", &c, &err) < 0, "empty carrier refused");
	tim_label_carriers_format(TIM_CARRIERS_DEFAULT, &b);
	is_str(tim_buf_str(&b), "name,xattr,content", "default carriers");
	tim_buf_release(&b);
}

static void
test_pdf_strings(void)
{
	struct tim_buf b = TIM_BUF_INIT;
	const unsigned char *v;
	size_t vl;
	long n, g;
	static const char dict[] = "<< /A (x\\) y) /B <FEFF79D8> /C [1 2 R] /D 12 0 R /E << /F 1 >> >>";

	tim_pdf_hex_utf16("秘𠀋", &b);
	is_str(tim_buf_str(&b), "<FEFF79D8D840DC0B>", "UTF-16BE with a surrogate pair");
	tim_buf_reset(&b);
	ok(tim_pdf_text((const unsigned char *)"<FEFF79D8D840DC0B>", 18, &b) == 0, "hex UTF-16 decodes");
	is_str(tim_buf_str(&b), "秘𠀋", "back to UTF-8");
	tim_buf_reset(&b);
	tim_pdf_text((const unsigned char *)"(a\\(b\\)\\101\\\nc)", 15, &b);
	is_str(tim_buf_str(&b), "a(b)Ac", "literal escapes");
	ok(tim_pdf_dict_get((const unsigned char *)dict, sizeof(dict) - 1, "D", &v, &vl) == 1 &&
	    tim_pdf_ref(v, vl, &n, &g) == 0 && n == 12 && g == 0, "reference value");
	ok(tim_pdf_dict_get((const unsigned char *)dict, sizeof(dict) - 1, "B", &v, &vl) == 1 &&
	    vl == 10, "hex string value");
	ok(tim_pdf_dict_get((const unsigned char *)dict, sizeof(dict) - 1, "F", &v, &vl) == 0,
	    "nested keys are not top-level");
	ok(tim_pdf_dict_get((const unsigned char *)"<< /A (open", 11, "A", &v, &vl) < 0,
	    "unterminated dictionary");
	tim_buf_release(&b);
}

/* The text shown in documents, and the Purview GUID of each level. */
static void
test_text(void)
{
	struct tim_label_scheme s;
	struct tim_config *cfg = tim_config_new();
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_label l;
	struct tim_err err;
	char level[TIM_LABEL_LEVEL_MAX];

	tim_label_scheme_default(&s);
	tim_label_clear(&l);
	tim_label_set(&l, "level", "極秘", &err);
	tim_label_text(&s, &l, &b);
	is_str(tim_buf_str(&b), "【極秘】", "level only: its part alone");
	tim_label_set(&l, "owner", "設計部", &err);
	tim_label_set(&l, "until", "2031-03-31", &err);
	tim_buf_reset(&b);
	tim_label_text(&s, &l, &b);
	is_str(tim_buf_str(&b), "【極秘】 管理部署: 設計部 期限: 2031-03-31", "Japanese by default, empty parts left out");
	s.lang_en = 1;
	tim_buf_reset(&b);
	tim_label_text(&s, &l, &b);
	is_str(tim_buf_str(&b), "[極秘] Owner: 設計部 Until: 2031-03-31", "lang = en");
	ok(tim_label_scheme_set_text_template(&s, "{level}|（{owner}）", &err) == 0, "a template of one's own");
	tim_buf_reset(&b);
	tim_label_text(&s, &l, &b);
	is_str(tim_buf_str(&b), "極秘（設計部）", "rendered from it");
	ok(tim_label_scheme_set_text_template(&s, "{owner}", &err) < 0, "a template without {level} refused");
	ok(tim_label_scheme_set_text_template(&s, "{level} {color}", &err) < 0, "an unknown field refused");
	ok(tim_label_scheme_set_text_template(&s, "{level", &err) < 0, "an unclosed field refused");

	tim_config_set(cfg, "label", "msip-guid.秘", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	ok(tim_label_scheme_load(&s, cfg, &err) < 0 && err.kind == TIM_ERR_INVALID, "a GUID without the tenant is a usage error");
	tim_config_set(cfg, "label", "msip-tenant", "72f988bf-86f1-41af-91ab-2d7cd011db47");
	tim_config_set(cfg, "label", "msip-guid", "11111111-2222-3333-4444-555555555555");
	ok(tim_label_scheme_load(&s, cfg, &err) == 0, "per-level GUID, tenant and a default GUID");
	is_str(tim_label_msip_guid(&s, "秘"), "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "the level's own GUID");
	is_str(tim_label_msip_guid(&s, "極秘"), "11111111-2222-3333-4444-555555555555", "msip-guid for the others");
	is_str(s.msip_method, "Standard", "Standard by default");
	ok(tim_label_msip_level(&s, "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", level) == 1 && strcmp(level, "秘") == 0,
	    "a GUID maps back to its level, in any case");
	ok(tim_label_msip_level(&s, "99999999-2222-3333-4444-555555555555", level) == 0, "an unknown GUID maps to none");
	tim_config_set(cfg, "label", "msip-method", "Auto");
	ok(tim_label_scheme_load(&s, cfg, &err) < 0, "a method other than Standard or Privileged refused");
	tim_buf_release(&b);
	tim_config_free(cfg);
}

int
main(void)
{
	test_scheme();
	test_text();
	test_fields();
	test_format_parse();
	test_nfc();
	test_carriers();
	test_pdf_strings();
	return tap_done();
}
