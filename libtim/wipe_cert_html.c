/*
 * The erasure certificate as a page people print and sign (issue 11): A4,
 * one page per device with the signature and seal (押印) block on the same
 * page, files together on one page with a summary and the list, times in
 * local time with the offset (the JSON keeps UTC), in Japanese or English.
 * Every string from the certificate is escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "util.h"
#include "wiperecord.h"
#include "banned.h"

struct page {
	struct tim_buf *b;
	int ja;
	const json_t *cert;
	const char *sha256;
};

/* A fixed text in the page's language. */
static const char *
T(const struct page *p, const char *en, const char *ja)
{
	return p->ja ? ja : en;
}

/* The certificate's own words (results, techniques ...) for people. */
static const char *const words[][3] = {
	{ "complete", "complete", "完了" },
	{ "verification failed", "verification failed", "検証不合格" },
	{ "incomplete", "incomplete", "未完了" },
	{ "interrupted", "interrupted", "中断" },
	{ "nothing erased", "nothing erased", "消去なし" },
	{ "passed", "passed", "合格" },
	{ "failed", "failed", "不合格" },
	{ "not verified", "not verified", "未検証" },
	{ "purge", "Purge", "除去 (Purge)" },
	{ "clear", "Clear", "消去 (Clear)" },
	{ "verification only", "verification only", "検証のみ" },
	{ "overwrite", "overwrite", "上書き" },
	{ "block erase", "block erase", "ブロック消去" },
	{ "crypto erase", "crypto erase", "暗号消去" },
	{ "security erase", "security erase", "セキュリティ消去" },
	{ "overwrite (device)", "overwrite (by the device)", "デバイス内上書き" },
	{ "secure discard", "secure discard", "セキュアディスカード" },
	{ "check", "read-back only", "読み戻しのみ" },
	{ "hardware", "hardware (the device's own erase)", "ハードウェア消去（デバイス自身の消去機能）" },
	{ "unknown", "unknown", "不明" },
	{ "not stated", "not stated", "未記入" },
	{ "not applicable", "not applicable", "該当なし" },
	{ "not applicable (NVMe)", "not applicable (NVMe)", "該当なし（NVMe）" },
	{ "file", "file", "ファイル" },
	{ "block device", "block device", "ブロックデバイス" },
	{ "loop device", "loop device", "ループデバイス" },
	{ "magnetic (rotational)", "magnetic (rotational)", "磁気ディスク（回転型）" },
	{ "flash (non-rotational)", "flash (non-rotational)", "フラッシュ（非回転型）" },
	{ "all", "all blocks", "全数" },
	{ "sample", "sample", "抜き取り" },
	{ "last", "the last pass", "最終パス" },
	{ "off", "none", "なし" },
	{ "full", "full read-back", "全数読み戻し" },
	{ "quick sampling", "sampled read-back", "抜き取り読み戻し" },
	{ "none", "none", "なし" },
	{ "zeros", "zeros", "すべて 0" },
	{ "0xff bytes", "0xff bytes", "すべて 0xff" },
	{ "anything but the old content", "anything but the old content", "元の内容以外" },
	{ "reuse", "reuse", "再利用" },
	{ "destroy", "destruction", "破壊" },
	{ "destruction", "destruction", "破壊" },
	{ "return", "return to the owner", "返却" },
	{ NULL, NULL, NULL }
};

static const char *
word(const struct page *p, const char *s)
{
	size_t i;

	for (i = 0; s && words[i][0]; i++)
		if (strcmp(words[i][0], s) == 0)
			return words[i][p->ja ? 2 : 1];
	return s;
}

static void
text(const struct page *p, const char *s)
{
	tim_buf_addxml(p->b, s);
}

/* A value for people: known words translated, the rest escaped as it is. */
static void
value(const struct page *p, const json_t *v, const char *missing)
{
	char *s;

	if (json_is_string(v))
		text(p, word(p, json_string_value(v)));
	else if (v == NULL || json_is_null(v))
		text(p, word(p, missing));
	else if (json_is_array(v) && json_array_size(v) == 0)
		text(p, word(p, "none"));
	else if (json_is_array(v) && json_is_string(json_array_get(v, 0))) {
		size_t i;

		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				tim_buf_adds(p->b, ", ");
			text(p, json_string_value(json_array_get(v, i)));
		}
	} else if (json_is_integer(v))
		tim_buf_addf(p->b, "%lld", (long long)json_integer_value(v));
	else if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL) {
		text(p, s);
		free(s);
	}
}

/* An RFC 3339 UTC time from the JSON as local time with its offset. */
static void
when(const struct page *p, const json_t *v)
{
	char out[32];
	time_t t;

	if (!json_is_string(v) || tim_time_parse(json_string_value(v), 0, &t) < 0) {
		value(p, v, "unknown");
		return;
	}
	tim_time_local(t, out);
	text(p, out);
}

static void
row_open(const struct page *p, const char *en, const char *ja)
{
	tim_buf_adds(p->b, "<tr><th>");
	text(p, T(p, en, ja));
	tim_buf_adds(p->b, "</th><td>");
}

static void
row(const struct page *p, const char *en, const char *ja, const json_t *v,
    const char *missing)
{
	row_open(p, en, ja);
	value(p, v, missing);
	tim_buf_adds(p->b, "</td></tr>\n");
}

static void
row_time(const struct page *p, const char *en, const char *ja, const json_t *v)
{
	row_open(p, en, ja);
	when(p, v);
	tim_buf_adds(p->b, "</td></tr>\n");
}

/* A size in bytes, with the human size beside it. */
static void
bytes_n(const struct page *p, long long n)
{
	char h[32];

	tim_human_size((double)n, h);
	tim_buf_addf(p->b, "%s (%lld %s)", h, n, T(p, "bytes", "バイト"));
}

static void
bytes(const struct page *p, const json_t *v)
{
	if (!json_is_integer(v))
		value(p, v, "unknown");
	else
		bytes_n(p, (long long)json_integer_value(v));
}

static void
row_bytes(const struct page *p, const char *en, const char *ja, const json_t *v)
{
	row_open(p, en, ja);
	bytes(p, v);
	tim_buf_adds(p->b, "</td></tr>\n");
}

static void
result_cell(const struct page *p, const char *result)
{
	tim_buf_adds(p->b, result && strcmp(result, "complete") == 0 ?
	    "<span class=\"ok\">" : "<span class=\"bad\">");
	text(p, word(p, result ? result : "unknown"));
	tim_buf_adds(p->b, "</span>");
}

/* A verification result: passed in green, anything else in red. */
static void
verdict(const struct page *p, const char *r)
{
	tim_buf_adds(p->b, r && strcmp(r, "passed") == 0 ? "<span class=\"ok\">" :
	    "<span class=\"bad\">");
	text(p, word(p, r ? r : "not verified"));
	tim_buf_adds(p->b, "</span>");
}

/* "極秘 / owner 設計部 / ID X-1" from an item's label, or nothing. */
static void
label_text(const struct page *p, const json_t *l)
{
	static const char *const f[][3] = {
		{ "owner", "owner", "管理者" }, { "entrusted", "entrusted to", "受託" },
		{ "id", "ID", "ID" }, { "until", "until", "期限" }, { NULL, NULL, NULL }
	};
	size_t i;

	if (!json_is_object(l)) {
		text(p, T(p, "not marked", "ラベルなし"));
		return;
	}
	tim_buf_adds(p->b, "<b>");
	value(p, json_object_get(l, "level"), "unknown");
	tim_buf_adds(p->b, "</b>");
	for (i = 0; f[i][0]; i++) {
		const json_t *v = json_object_get(l, f[i][0]);

		if (!json_is_string(v))
			continue;
		tim_buf_adds(p->b, " / ");
		text(p, f[i][p->ja ? 2 : 1]);
		tim_buf_adds(p->b, " ");
		text(p, json_string_value(v));
	}
}

static void
head(const struct page *p, const char *section_en, const char *section_ja,
    size_t n, size_t of)
{
	const json_t *c = p->cert;
	const char *result = json_string_value(json_object_get(c, "result"));

	tim_buf_adds(p->b, "<section class=\"page\">\n<h1>");
	text(p, T(p, "Certificate of Sanitization", "データ消去証明書"));
	tim_buf_adds(p->b, "</h1>\n<p class=\"sub\">");
	value(p, json_object_get(c, "standard"), "unknown");
	tim_buf_adds(p->b, " &middot; ");
	text(p, T(p, "Notice I 4-5 (1), V 3-5 to 8", "告示 I 第四 5 (1)、V 第三 5-8"));
	tim_buf_adds(p->b, "</p>\n");
	if (of > 1) {
		tim_buf_adds(p->b, "<h2>");
		text(p, T(p, section_en, section_ja));
		tim_buf_addf(p->b, " %zu / %zu</h2>\n", n, of);
	}
	tim_buf_adds(p->b, "<table>\n");
	row(p, "Certificate ID", "証明書番号", json_object_get(c, "id"), "unknown");
	row_open(p, "Result", "結果");
	result_cell(p, result);
	tim_buf_adds(p->b, "</td></tr>\n");
	row_time(p, "Started", "開始", json_object_get(c, "start"));
	row_time(p, "Ended", "終了", json_object_get(c, "end"));
	row_open(p, "Tool", "ツール");
	value(p, json_object_get(json_object_get(c, "tool"), "name"), "unknown");
	tim_buf_adds(p->b, " ");
	value(p, json_object_get(json_object_get(c, "tool"), "version"), "unknown");
	tim_buf_adds(p->b, "</td></tr>\n");
	if (p->sha256) {
		row_open(p, "SHA-256 of the JSON certificate", "JSON 証明書の SHA-256");
		tim_buf_adds(p->b, "<code>");
		text(p, p->sha256);
		tim_buf_adds(p->b, "</code></td></tr>\n");
	}
	tim_buf_adds(p->b, "</table>\n");
}

static void
person(const struct page *p)
{
	const json_t *pr = json_object_get(p->cert, "person");

	tim_buf_adds(p->b, "<h3>");
	text(p, T(p, "Person performing the sanitization", "消去の実施者"));
	tim_buf_adds(p->b, "</h3>\n<table>\n");
	row(p, "Name", "氏名", json_object_get(pr, "name"), "unknown");
	row(p, "Title", "役職", json_object_get(pr, "title"), "not stated");
	row(p, "Organization", "組織", json_object_get(pr, "organization"), "not stated");
	row(p, "Location", "場所", json_object_get(pr, "location"), "not stated");
	row(p, "Host", "実行ホスト", json_object_get(pr, "host"), "unknown");
	row(p, "Media destination", "媒体の処置", json_object_get(p->cert, "media_destination"),
	    "not stated");
	tim_buf_adds(p->b, "</table>\n");
}

/* The signature and seal block: performed, checked, approved. */
static void
signatures(const struct page *p)
{
	static const char *const who[][2] = {
		{ "Performed by", "実施者" }, { "Checked by", "確認者" },
		{ "Approved by", "承認者" }
	};
	size_t i;

	tim_buf_adds(p->b, "<table class=\"sig\">\n<tr><th class=\"corner\"></th>");
	for (i = 0; i < 3; i++) {
		tim_buf_adds(p->b, "<th>");
		text(p, T(p, who[i][0], who[i][1]));
		tim_buf_adds(p->b, "</th>");
	}
	tim_buf_adds(p->b, "</tr>\n<tr><th>");
	text(p, T(p, "Name", "氏名"));
	tim_buf_adds(p->b, "</th><td></td><td></td><td></td></tr>\n<tr><th>");
	text(p, T(p, "Date", "日付"));
	tim_buf_adds(p->b, "</th><td></td><td></td><td></td></tr>\n<tr class=\"seal\"><th>");
	text(p, T(p, "Signature / seal", "署名・印"));
	tim_buf_adds(p->b, "</th>");
	for (i = 0; i < 3; i++) {
		tim_buf_adds(p->b, "<td><div class=\"stamp\">");
		text(p, T(p, "seal", "印"));
		tim_buf_adds(p->b, "</div></td>");
	}
	tim_buf_adds(p->b, "</tr>\n</table>\n</section>\n");
}

/* What the read-back found, in one line. */
static void
verification_detail(const struct page *p, const json_t *v)
{
	const json_t *x;

	if ((x = json_object_get(v, "blocks_read")) != NULL) {
		tim_buf_addf(p->b, p->ja ?
		    "%lld ブロック（各 %lld バイト、全 %lld ブロック中）を読み戻し。元の内容のまま %lld、期待値と異なる %lld、読めない %lld、消去前から消去状態 %lld" :
		    "%lld blocks of %lld bytes read back (of %lld): %lld still held their old content, %lld were not as expected, %lld unreadable, %lld already erased before",
		    (long long)json_integer_value(x),
		    (long long)json_integer_value(json_object_get(v, "block_size")),
		    (long long)json_integer_value(json_object_get(v, "device_blocks")),
		    (long long)json_integer_value(json_object_get(v, "blocks_unchanged")),
		    (long long)json_integer_value(json_object_get(v, "blocks_not_as_expected")),
		    (long long)json_integer_value(json_object_get(v, "blocks_unreadable")),
		    (long long)json_integer_value(json_object_get(v, "blocks_already_erased")));
		return;
	}
	bytes(p, json_object_get(v, "bytes_verified"));
	x = json_object_get(v, "mismatch_bytes");
	if (json_integer_value(x) > 0) {
		tim_buf_adds(p->b, p->ja ? "、不一致 " : ", mismatches ");
		bytes(p, x);
	}
}

static void
device_page(const struct page *p, const json_t *it, size_t n, size_t of)
{
	const json_t *m = json_object_get(it, "media"), *v = json_object_get(it, "verification");
	const json_t *w = json_object_get(it, "warnings"), *x;
	size_t i;

	head(p, "Medium", "媒体", n, of);
	person(p);
	tim_buf_adds(p->b, "<h3>");
	text(p, T(p, "Medium", "媒体"));
	tim_buf_adds(p->b, "</h3>\n<table>\n");
	row(p, "Device", "デバイス", json_object_get(it, "target"), "unknown");
	row(p, "Media type", "媒体の種類", json_object_get(m, "type"), "unknown");
	row(p, "Manufacturer / model", "製造元・型番", json_object_get(m, "model"), "unknown");
	row(p, "Serial number", "シリアル番号", json_object_get(m, "serial"), "unknown");
	row_bytes(p, "Capacity", "容量", json_object_get(m, "size_bytes"));
	row(p, "Hidden areas (HPA/DCO)", "隠し領域 (HPA/DCO)", json_object_get(m, "hpa_dco"), "unknown");
	row(p, "Property number", "資産番号", json_object_get(it, "property_number"), "not stated");
	row(p, "Classification", "区分", json_object_get(it, "classification"), "not stated");
	tim_buf_adds(p->b, "</table>\n<h3>");
	text(p, T(p, "Sanitization and verification", "消去と検証"));
	tim_buf_adds(p->b, "</h3>\n<table>\n");
	row(p, "Category (NIST SP 800-88)", "区分 (NIST SP 800-88)", json_object_get(it, "category"), "unknown");
	row_open(p, "Technique", "手法");
	value(p, json_object_get(it, "technique"), "unknown");
	tim_buf_adds(p->b, " &middot; ");
	value(p, json_object_get(it, json_object_get(it, "command") ? "command" : "method_spec"),
	    "unknown");
	tim_buf_adds(p->b, "</td></tr>\n");
	row_bytes(p, "Written by the host", "ホストが書き込んだ量", json_object_get(it, "bytes_written"));
	row_time(p, "Started", "開始", json_object_get(it, "start"));
	row_time(p, "Ended", "終了", json_object_get(it, "end"));
	row_open(p, "Verification", "検証");
	value(p, json_object_get(v, "mode"), "unknown");
	if ((x = json_object_get(v, "expected")) != NULL) {
		tim_buf_adds(p->b, p->ja ? "、期待値: " : ", expected: ");
		value(p, x, "unknown");
	}
	tim_buf_adds(p->b, " &middot; ");
	verdict(p, json_string_value(json_object_get(v, "result")));
	tim_buf_adds(p->b, "</td></tr>\n");
	row_open(p, "What was read back", "読み戻した内容");
	verification_detail(p, v);
	tim_buf_adds(p->b, "</td></tr>\n");
	row_open(p, "Result", "結果");
	result_cell(p, json_string_value(json_object_get(it, "result")));
	tim_buf_adds(p->b, "</td></tr>\n");
	for (i = 0; i < json_array_size(w); i++)
		row(p, "Not guaranteed", "保証できない点", json_array_get(w, i), "unknown");
	tim_buf_adds(p->b, "</table>\n");
	signatures(p);
}

/* Files: one summary (count, bytes, methods, results) and the list. */
static void
files_page(const struct page *p, const json_t *items, size_t nfiles)
{
	static const char *const results[] = { "complete", "verification failed",
	    "incomplete", "interrupted", NULL };
	long long size = 0, written = 0;
	struct tim_buf methods = TIM_BUF_INIT;
	const json_t *it;
	size_t i, k, n;
	int first;

	head(p, "Files", "ファイル", 1, 1);
	person(p);
	json_array_foreach(items, i, it) {
		const json_t *m = json_object_get(it, "media");
		const char *meth = json_string_value(json_object_get(it, "method"));

		if (strcmp(json_string_value(json_object_get(m, "type")) ?
		    json_string_value(json_object_get(m, "type")) : "", "file") != 0)
			continue;
		size += json_integer_value(json_object_get(m, "size_bytes"));
		written += json_integer_value(json_object_get(it, "bytes_written"));
		if (meth && !strstr(tim_buf_str(&methods), meth)) {
			if (methods.len)
				tim_buf_adds(&methods, ", ");
			tim_buf_adds(&methods, meth);
		}
	}
	tim_buf_adds(p->b, "<h3>");
	text(p, T(p, "Summary", "集計"));
	tim_buf_adds(p->b, "</h3>\n<table>\n");
	row_open(p, "Files", "ファイル数");
	tim_buf_addf(p->b, "%zu", nfiles);
	tim_buf_adds(p->b, "</td></tr>\n");
	row_open(p, "Size", "合計サイズ");
	bytes_n(p, size);
	tim_buf_adds(p->b, "</td></tr>\n");
	row_open(p, "Written", "書き込み量");
	bytes_n(p, written);
	tim_buf_adds(p->b, "</td></tr>\n");
	row_open(p, "Methods", "方式");
	text(p, methods.len ? tim_buf_str(&methods) : "-");
	tim_buf_adds(p->b, "</td></tr>\n");
	row_open(p, "Results", "結果");
	first = 1;
	for (k = 0; results[k]; k++) {
		n = 0;
		json_array_foreach(items, i, it) {
			const char *r = json_string_value(json_object_get(it, "result"));
			const char *t = json_string_value(json_object_get(json_object_get(it, "media"), "type"));

			if (r && t && strcmp(t, "file") == 0 && strcmp(r, results[k]) == 0)
				n++;
		}
		if (n == 0)
			continue;
		if (!first)
			tim_buf_adds(p->b, p->ja ? "、" : ", ");
		first = 0;
		tim_buf_adds(p->b, k == 0 ? "<span class=\"ok\">" : "<span class=\"bad\">");
		text(p, word(p, results[k]));
		tim_buf_addf(p->b, " %zu</span>", n);
	}
	tim_buf_adds(p->b, "</td></tr>\n");
	row(p, "Device fields (make, model, serial)", "デバイス情報（製造元・型番・シリアル番号）",
	    NULL, "not applicable");
	tim_buf_adds(p->b, "</table>\n<h3>");
	text(p, T(p, "Files erased", "消去したファイル"));
	tim_buf_adds(p->b, "</h3>\n<table class=\"list\">\n<tr><th>#</th><th>");
	text(p, T(p, "File", "ファイル"));
	tim_buf_adds(p->b, "</th><th>");
	text(p, T(p, "Label", "ラベル"));
	tim_buf_adds(p->b, "</th><th>");
	text(p, T(p, "Size (bytes)", "サイズ（バイト）"));
	tim_buf_adds(p->b, "</th><th>");
	text(p, T(p, "Method", "方式"));
	tim_buf_adds(p->b, "</th><th>");
	text(p, T(p, "Verification", "検証"));
	tim_buf_adds(p->b, "</th><th>");
	text(p, T(p, "Result", "結果"));
	tim_buf_adds(p->b, "</th></tr>\n");
	n = 0;
	json_array_foreach(items, i, it) {
		const json_t *m = json_object_get(it, "media"), *v = json_object_get(it, "verification");
		const json_t *w = json_object_get(it, "warnings");
		const char *t = json_string_value(json_object_get(m, "type"));

		if (t == NULL || strcmp(t, "file") != 0)
			continue;
		tim_buf_addf(p->b, "<tr><td>%zu</td><td class=\"name\">", ++n);
		value(p, json_object_get(it, "target"), "unknown");
		for (k = 0; k < json_array_size(w); k++) {
			tim_buf_adds(p->b, "<br><small>");
			text(p, T(p, "Not guaranteed: ", "保証できない点: "));
			value(p, json_array_get(w, k), "unknown");
			tim_buf_adds(p->b, "</small>");
		}
		tim_buf_adds(p->b, "</td><td>");
		label_text(p, json_object_get(it, "label"));
		tim_buf_adds(p->b, "</td><td class=\"num\">");
		value(p, json_object_get(m, "size_bytes"), "unknown");
		tim_buf_adds(p->b, "</td><td>");
		value(p, json_object_get(it, "method"), "unknown");
		tim_buf_adds(p->b, "</td><td>");
		value(p, json_object_get(v, "mode"), "unknown");
		tim_buf_adds(p->b, " ");
		verdict(p, json_string_value(json_object_get(v, "result")));
		tim_buf_adds(p->b, "</td><td>");
		result_cell(p, json_string_value(json_object_get(it, "result")));
		tim_buf_adds(p->b, "</td></tr>\n");
	}
	tim_buf_adds(p->b, "</table>\n");
	tim_buf_release(&methods);
	signatures(p);
}

static const char *const css =
    "@page{size:A4;margin:12mm 14mm}"
    "html{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "body{font-family:'Noto Sans CJK JP','Noto Sans JP','IPAexGothic','Hiragino Sans',"
    "'Yu Gothic',sans-serif;font-size:9pt;line-height:1.35;color:#111;margin:0}"
    "section.page{break-after:page;page-break-after:always}"
    "section.page:last-child{break-after:auto;page-break-after:auto}"
    "h1{font-size:16pt;text-align:center;letter-spacing:.2em;margin:0 0 1mm;"
    "padding-bottom:1.5mm;border-bottom:1.2pt solid #111}"
    ".sub{text-align:center;margin:0 0 2mm;font-size:8pt;color:#333}"
    "h2{font-size:11pt;margin:2mm 0 1mm}"
    "h3{font-size:9.5pt;margin:2.5mm 0 .8mm}"
    "table{border-collapse:collapse;width:100%;margin:0;break-inside:auto}"
    "tr{break-inside:avoid}"
    "th,td{border:.5pt solid #666;padding:.7mm 1.8mm;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}"
    "th{background:#eee;font-weight:normal;width:30%}"
    "table.list th{width:auto}td.num{text-align:right}"
    "code{font-size:7.5pt}"
    ".ok{color:#060;font-weight:bold}.bad{color:#b00;font-weight:bold}"
    "table.sig{margin-top:4mm;table-layout:fixed;break-inside:avoid}"
    "table.sig th{width:auto;text-align:center}table.sig th.corner{width:16%}"
    "table.sig td{height:7mm}table.sig tr.seal td{height:22mm}"
    ".stamp{width:18mm;height:18mm;margin:1mm auto;border:.5pt dashed #999;"
    "border-radius:50%;text-align:center;line-height:18mm;color:#aaa;font-size:8pt}"
    "@media screen{body{max-width:182mm;margin:1em auto}"
    "section.page{border-bottom:1px dashed #999;padding-bottom:1em;margin-bottom:1em}}";

int
tim_wipe_cert_html(const json_t *cert, const char *sha256, int ja,
    struct tim_buf *b)
{
	const json_t *items = json_object_get(cert, "items"), *it;
	struct page p;
	size_t i, ndev = 0, nfiles = 0, k = 0;

	p.b = b;
	p.ja = ja;
	p.cert = cert;
	p.sha256 = sha256;
	json_array_foreach(items, i, it) {
		const char *t = json_string_value(json_object_get(json_object_get(it, "media"), "type"));

		if (t && strcmp(t, "file") == 0)
			nfiles++;
		else
			ndev++;
	}
	tim_buf_addf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	    "<title>", ja ? "ja" : "en");
	text(&p, T(&p, "Certificate of Sanitization ", "データ消去証明書 "));
	value(&p, json_object_get(cert, "id"), "unknown");
	tim_buf_addf(b, "</title><style>%s</style></head><body>\n", css);
	json_array_foreach(items, i, it) {
		const char *t = json_string_value(json_object_get(json_object_get(it, "media"), "type"));

		if (t == NULL || strcmp(t, "file") != 0)
			device_page(&p, it, ++k, ndev);
	}
	if (nfiles)
		files_page(&p, items, nfiles);
	tim_buf_adds(b, "</body></html>\n");
	return b->failed ? -1 : 0;
}
