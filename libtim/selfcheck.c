#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libxml/xmlwriter.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "json.h"
#include "selfcheck.h"
#include "util.h"
#include "version.h"
#include "banned.h"

enum { C_RULES = 1 << 0, C_PRACTICE = 1 << 1, C_PEOPLE = 1 << 2,
    C_FACILITY = 1 << 3, C_CYBER = 1 << 4, C_PREVENT = 1 << 5,
    C_DAMAGE = 1 << 6, C_PARTNER = 1 << 7 };

const char *const tim_sc_cat_ja[TIM_SC_CATS] = {
	"ルール作り", "ルールの実践", "人的対策", "設備的対策",
	"サイバー対策", "漏えいを起こさない", "漏えい後の被害を抑える", "取引先との関係",
};

const char *const tim_sc_cat_en[TIM_SC_CATS] = {
	"Making rules", "Practising rules", "People", "Facilities",
	"Cyber", "Preventing leaks", "Limiting damage", "Business partners",
};

/*
 * Items and clauses as the list's table gives them. The list shows each
 * item's radar categories as icons, which its text edition does not carry;
 * the category bits below are tim's reading of each item's reason and
 * example measures.
 */
const struct tim_sc_item tim_sc_items[TIM_SC_ITEMS] = {
	{ 1, "基準告示 I 第一", C_RULES | C_PREVENT,
	  "経営者とともに、守るべき情報を特定している。",
	  "Together with management, the information to protect has been identified." },
	{ 2, "基準告示 I 第一", C_RULES | C_DAMAGE,
	  "守るべき情報が、紙情報、電子情報、試作品・製造装置などの物自体のどれに当たるかを分け、保管場所を記録している。",
	  "Information to protect is sorted into paper, electronic and physical objects, and where it is kept is recorded." },
	{ 3, "基準告示 I 第二 1", C_PRACTICE | C_PREVENT,
	  "守るべき情報には、一目でほかの情報と区別できるよう、目印をつけている。",
	  "Information to protect is marked so that it can be told apart at a glance." },
	{ 4, "基準告示 I 第二 3", C_RULES | C_PARTNER,
	  "取引先などから預けられた情報は、その取引先などの意向を聞いて、対策方法を定めている。",
	  "For information entrusted by partners, measures are set after hearing the partner's wishes." },
	{ 5, "基準告示 I 第三 1 (1)", C_RULES | C_PEOPLE,
	  "経営層が、以下の取組に責任を持つ管理者を定めている。 (1) 情報セキュリティのルールを作る。 (2) 情報に触れる従業員を制限・管理して、トレーニングする。 (3) 情報セキュリティのルールを実行する。 (4) 情報漏えいが起きそうになっていないかをいつも確認し、漏えいが起きたら対応する。 (5) (2)～(4)の取組状況を記録する。",
	  "Management has appointed a manager responsible for (1) making the security rules, (2) limiting, managing and training the people who handle the information, (3) carrying out the rules, (4) watching for and responding to leaks, and (5) recording (2)-(4)." },
	{ 6, "基準告示 I 第三 1 (2)", C_PEOPLE | C_PRACTICE,
	  "情報セキュリティの責任者が誰なのか、全従業員がしっかり分かるようにしている。",
	  "Every employee knows who is responsible for information security." },
	{ 7, "基準告示 I 第四", C_PRACTICE | C_PREVENT,
	  "守るべき情報を作ってから廃棄するまでの全期間、しっかり管理するための取組を従業員が実践している。",
	  "Employees manage information to protect through its whole life, from creation to disposal." },
	{ 8, "基準告示 I 第五", C_PEOPLE | C_PREVENT,
	  "全ての従業員に対して、情報セキュリティに関する意識を高めるためのトレーニング機会を設けている。",
	  "All employees are given training that raises their awareness of information security." },
	{ 9, "基準告示 I 第六", C_PEOPLE | C_DAMAGE,
	  "守るべき情報の漏えいや不正な取扱いに気づいた場合の報告先を決めて、全従業員に知らせている。",
	  "Where to report a leak or misuse of information to protect is decided and known to all employees." },
	{ 10, "基準告示 I 第六", C_RULES | C_DAMAGE,
	  "守るべき情報の漏えいや不正な取扱いが発生した場合の対応手順を定めている。",
	  "A procedure for responding to a leak or misuse of information to protect is in place." },
	{ 11, "基準告示 VI", C_PARTNER | C_PREVENT,
	  "守るべき情報を外部委託先などに渡す場合には、守るべき情報の第三者への開示の禁止を含む、秘密保持契約を締結している。",
	  "Before information to protect is handed to contractors, a non-disclosure agreement forbidding disclosure to third parties is signed." },
	{ 12, "基準告示 II", C_PEOPLE | C_PREVENT,
	  "守るべき情報に接することができる人を定め、その人以外が守るべき情報に接することがないように制限している。",
	  "Who may access information to protect is defined, and nobody else can reach it." },
	{ 13, "基準告示 III", C_FACILITY | C_PREVENT,
	  "守るべき情報を保管容器に施錠して保管している。",
	  "Information to protect is kept locked in storage containers." },
	{ 14, "基準告示 III", C_FACILITY | C_DAMAGE,
	  "守るべき情報を書庫、金庫などから持ち出した場合に取り扱ってよい場所を定めている。",
	  "Where information taken out of cabinets or safes may be handled is defined." },
	{ 15, "基準告示 IV", C_FACILITY | C_PREVENT,
	  "守るべき情報が置かれる場所を立入制限区域とし、守るべき情報に接することができる人以外が立ち入らないよう制限している。",
	  "Places holding information to protect are restricted areas that only people with access may enter." },
	{ 16, "基準告示 IV", C_PARTNER | C_FACILITY,
	  "守るべき情報を他社の事業所等で取り扱う場合に、秘密保持契約を結び、施錠、巡回監視などを依頼している。",
	  "When information to protect is handled at another company's site, a non-disclosure agreement is signed and locking and patrols are requested." },
	{ 17, "基準告示 V", C_CYBER | C_PREVENT,
	  "守るべき情報が保存されたPCや記録媒体の持ち出しを管理するなど、守るべき情報に接することができる人以外に情報を見られないよう制限している。",
	  "Taking out PCs and media holding information to protect is controlled, so that nobody without access can see it." },
	{ 18, "基準告示 V", C_CYBER | C_PREVENT,
	  "電子ファイルにパスワードを設定するなど、守るべき情報に接することができる人以外に情報を見られないよう制限している。",
	  "Electronic files are protected (passwords, access rights) so that nobody without access can see them." },
	{ 19, "基準告示 V", C_CYBER | C_PARTNER,
	  "守るべき情報をクラウドサービスなどに保存するときは、信頼性を確認して保存先を決め、秘密保持契約を結んでいる。",
	  "Cloud services storing information to protect are chosen after checking their reliability, under a non-disclosure agreement." },
};

/* The report's own words, in both languages. */
enum { T_TITLE, T_ITEM, T_CLAUSE, T_CATS, T_ANSWER, T_NOTE, T_EVIDENCE,
    T_SCORES, T_SUMMARY, T_GENERATED, T_DISCLAIMER, T_N };

static const char *const words[T_N][2] = {
	{ "技術情報管理 自己チェック結果", "Technology information management self-check" },
	{ "項目", "Item" },
	{ "基準", "Clause" },
	{ "分野", "Categories" },
	{ "回答", "Answer" },
	{ "根拠", "Evidence given" },
	{ "tim の確認", "Checked by tim" },
	{ "分野別の達成度", "Score by category" },
	{ "はい %d / 一部 %d / いいえ %d / 該当なし %d / 未回答 %d",
	  "yes %d / partial %d / no %d / n/a %d / unanswered %d" },
	{ "作成", "Generated" },
	{ "この結果は自己評価であり、技術情報管理認証の審査に代わるものではありません。",
	  "This is a self-assessment; it does not replace the certification audit." },
};

static const char *const values[5][2] = {
	{ "いいえ", "no" }, { "一部", "partial" }, { "はい", "yes" },
	{ "該当なし", "n/a" }, { "未回答", "unanswered" },
};

static const char *
W(const struct tim_selfcheck *sc, int k)
{
	return words[k][sc->lang_en];
}

const char *
tim_selfcheck_value_name(const struct tim_selfcheck *sc, int v)
{
	return values[v < 0 || v > 3 ? 4 : v][sc->lang_en];
}

const char *
tim_selfcheck_title(const struct tim_selfcheck *sc, int i)
{
	return sc->lang_en ? tim_sc_items[i].en : tim_sc_items[i].ja;
}

void
tim_selfcheck_init(struct tim_selfcheck *sc)
{
	int i;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < TIM_SC_ITEMS; i++)
		sc->a[i].value = TIM_SC_UNANSWERED;
	tim_now_rfc3339(sc->when);
	snprintf(sc->host, sizeof(sc->host), "%s", tim_hostname());
}

int
tim_selfcheck_parse_value(const char *w)
{
	static const struct { const char *w; int v; } map[] = {
		{ "yes", TIM_SC_YES }, { "y", TIM_SC_YES }, { "はい", TIM_SC_YES },
		{ "no", TIM_SC_NO }, { "n", TIM_SC_NO }, { "いいえ", TIM_SC_NO },
		{ "partial", TIM_SC_PARTIAL }, { "p", TIM_SC_PARTIAL }, { "一部", TIM_SC_PARTIAL },
		{ "na", TIM_SC_NA }, { "n/a", TIM_SC_NA }, { "-", TIM_SC_NA },
		{ "該当なし", TIM_SC_NA },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(w, map[i].w) == 0)
			return map[i].v;
	return -2;
}

static int
sep(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == ':';
}

int
tim_selfcheck_load(struct tim_selfcheck *sc, const char *text, const char *file,
    struct tim_err *err)
{
	const char *p = text, *nl, *end, *q, *w0;
	char word[64];
	int lineno = 0, seen[TIM_SC_ITEMS] = { 0 };
	long no;
	int v;

	while (*p) {
		nl = strchr(p, '\n');
		end = nl ? nl : p + strlen(p);
		lineno++;
		while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
			end--;
		q = p;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q == end || *q == '#')
			goto next;
		no = 0;
		while (q < end && *q >= '0' && *q <= '9' && no < 1000)
			no = no * 10 + (*q++ - '0');
		if (no < 1 || no > TIM_SC_ITEMS || q == end || !sep(*q))
			return tim_errorf(err, 0, _("'%s' line %d: expected an item number from 1 to 19 and an answer"),
			    file, lineno);
		while (q < end && sep(*q))
			q++;
		w0 = q;
		while (q < end && !sep(*q))
			q++;
		if ((size_t)(q - w0) >= sizeof(word) || q == w0)
			return tim_errorf(err, 0, _("'%s' line %d: expected an answer (yes, no, partial, na)"),
			    file, lineno);
		memcpy(word, w0, (size_t)(q - w0));
		word[q - w0] = '\0';
		v = tim_selfcheck_parse_value(word);
		if (v == -2)
			return tim_errorf(err, 0, _("'%s' line %d: unknown answer '%s' (yes, no, partial, na)"),
			    file, lineno, word);
		if (seen[no - 1])
			return tim_errorf(err, 0, _("'%s' line %d: item %ld answered twice"), file, lineno, no);
		seen[no - 1] = 1;
		while (q < end && sep(*q))
			q++;
		sc->a[no - 1].value = v;
		snprintf(sc->a[no - 1].note, sizeof(sc->a[no - 1].note), "%.*s", (int)(end - q), q);
next:
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

void
tim_selfcheck_evidence(struct tim_selfcheck *sc, int no, int ok, const char *fmt, ...)
{
	struct tim_sc_answer *a;
	size_t len;
	va_list ap;

	if (no < 1 || no > TIM_SC_ITEMS)
		return;
	a = &sc->a[no - 1];
	len = strlen(a->evidence);
	if (len && len + 3 < sizeof(a->evidence)) {
		memcpy(a->evidence + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(a->evidence + len, sizeof(a->evidence) - len, fmt, ap);
	va_end(ap);
	/* A contradiction stays one, whatever else was found. */
	if (a->evidence_ok >= 0)
		a->evidence_ok = ok < 0 ? -1 : ok > 0 ? 1 : a->evidence_ok;
}

void
tim_selfcheck_scores(const struct tim_selfcheck *sc, double score[TIM_SC_CATS])
{
	double sum[TIM_SC_CATS] = { 0 };
	int n[TIM_SC_CATS] = { 0 }, i, k;

	for (i = 0; i < TIM_SC_ITEMS; i++) {
		int v = sc->a[i].value;

		if (v == TIM_SC_NA || v == TIM_SC_UNANSWERED)
			continue;
		for (k = 0; k < TIM_SC_CATS; k++)
			if (tim_sc_items[i].cats & (1u << k)) {
				sum[k] += v == TIM_SC_YES ? 1.0 : v == TIM_SC_PARTIAL ? 0.5 : 0.0;
				n[k]++;
			}
	}
	for (k = 0; k < TIM_SC_CATS; k++)
		score[k] = n[k] ? 100.0 * sum[k] / n[k] : -1;
}

int
tim_selfcheck_complete(const struct tim_selfcheck *sc)
{
	int i;

	for (i = 0; i < TIM_SC_ITEMS; i++)
		if ((sc->a[i].value != TIM_SC_YES && sc->a[i].value != TIM_SC_NA) ||
		    sc->a[i].evidence_ok < 0)
			return 0;
	return 1;
}

static void
cats_text(const struct tim_selfcheck *sc, int i, struct tim_buf *b)
{
	int k;

	for (k = 0; k < TIM_SC_CATS; k++)
		if (tim_sc_items[i].cats & (1u << k))
			tim_buf_addf(b, "%s%s", b->len ? (sc->lang_en ? ", " : "・") : "",
			    sc->lang_en ? tim_sc_cat_en[k] : tim_sc_cat_ja[k]);
}

static void
counts(const struct tim_selfcheck *sc, int c[5])
{
	int i;

	memset(c, 0, 5 * sizeof(int));
	for (i = 0; i < TIM_SC_ITEMS; i++)
		c[sc->a[i].value < 0 ? 4 : sc->a[i].value]++;
}

/* Columns a terminal gives s: two for each wide (three- or four-byte) character. */
static int
columns(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n = 0;

	for (; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n += *p >= 0xe0 ? 2 : 1;
	return n;
}

int
tim_selfcheck_write_text(const struct tim_selfcheck *sc, FILE *f)
{
	double score[TIM_SC_CATS];
	int i, k, c[5];

	fprintf(f, "%s (%s %s)\n\n", W(sc, T_TITLE), sc->host, sc->when);
	for (i = 0; i < TIM_SC_ITEMS; i++) {
		const struct tim_sc_answer *a = &sc->a[i];

		fprintf(f, "%2d. [%s] %s\n    %s: %s\n", tim_sc_items[i].no,
		    tim_selfcheck_value_name(sc, a->value), tim_selfcheck_title(sc, i),
		    W(sc, T_CLAUSE), tim_sc_items[i].clause);
		if (a->note[0])
			fprintf(f, "    %s: %s\n", W(sc, T_NOTE), a->note);
		if (a->evidence[0])
			fprintf(f, "    %s: %s%s\n", W(sc, T_EVIDENCE), a->evidence_ok < 0 ? "!! " : "",
			    a->evidence);
	}
	tim_selfcheck_scores(sc, score);
	fprintf(f, "\n%s\n", W(sc, T_SCORES));
	for (k = 0; k < TIM_SC_CATS; k++) {
		const char *name = sc->lang_en ? tim_sc_cat_en[k] : tim_sc_cat_ja[k];
		int pad = 24 - columns(name);

		if (score[k] < 0)
			fprintf(f, "  %s%*s    -\n", name, pad > 0 ? pad : 0, "");
		else
			fprintf(f, "  %s%*s %3.0f%%\n", name, pad > 0 ? pad : 0, "", score[k]);
	}
	counts(sc, c);
	fputc('\n', f);
	fprintf(f, W(sc, T_SUMMARY), c[2], c[1], c[0], c[3], c[4]);
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}

int
tim_selfcheck_write_json(const struct tim_selfcheck *sc, FILE *f)
{
	static const char *vnames[] = { "no", "partial", "yes", "na" };
	double score[TIM_SC_CATS];
	json_t *doc, *items, *cats;
	int i, k, r;

	items = json_array();
	cats = json_array();
	tim_selfcheck_scores(sc, score);
	for (i = 0; i < TIM_SC_ITEMS; i++) {
		const struct tim_sc_answer *a = &sc->a[i];
		json_t *o, *cl = json_array();

		for (k = 0; k < TIM_SC_CATS; k++)
			if (tim_sc_items[i].cats & (1u << k))
				json_array_append_new(cl, json_string(tim_sc_cat_ja[k]));
		o = json_pack("{s:i, s:s, s:s, s:s, s:o, s:s}", "item", tim_sc_items[i].no,
		    "title", tim_sc_items[i].ja, "title_en", tim_sc_items[i].en,
		    "clause", tim_sc_items[i].clause, "categories", cl,
		    "answer", a->value < 0 ? "unanswered" : vnames[a->value]);
		if (o == NULL)
			continue;
		if (a->note[0])
			tim_json_set_str(o, "note", a->note);
		if (a->evidence[0]) {
			tim_json_set_str(o, "evidence", a->evidence);
			json_object_set_new(o, "evidence_ok", a->evidence_ok < 0 ? json_false() :
			    a->evidence_ok > 0 ? json_true() : json_null());
		}
		json_array_append_new(items, o);
	}
	for (k = 0; k < TIM_SC_CATS; k++)
		json_array_append_new(cats, json_pack("{s:s, s:s, s:o}", "category", tim_sc_cat_ja[k],
		    "category_en", tim_sc_cat_en[k], "score",
		    score[k] < 0 ? json_null() : json_real((double)(long)(score[k] * 10 + 0.5) / 10)));
	doc = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o}", "tim", "selfcheck", "version",
	    TIM_VERSION, "time", sc->when, "host", sc->host, "complete",
	    tim_selfcheck_complete(sc), "items", items, "scores", cats);
	if (doc == NULL)
		return -1;
	r = tim_json_print(f, doc);
	json_decref(doc);
	return r;
}

/* HTML through libxml2's writer, so every text is escaped by the library. */
#define X(call) do { if ((call) < 0) rc = -1; } while (0)

static void
attrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
{
	va_list ap;
	char v[256];

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST v);
}

static void
elem(xmlTextWriterPtr w, const char *name, const char *cls, const char *text)
{
	xmlTextWriterStartElement(w, BAD_CAST name);
	if (cls)
		xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST cls);
	xmlTextWriterWriteString(w, BAD_CAST text);
	xmlTextWriterEndElement(w);
}

#define CX 360.0
#define CY 210.0
#define R 140.0

/* Eight axes, the first pointing up, clockwise: no libm needed. */
static void
point(int k, double frac, double *x, double *y)
{
	static const double dx[TIM_SC_CATS] = { 0, 0.70710678, 1, 0.70710678, 0,
	    -0.70710678, -1, -0.70710678 };
	static const double dy[TIM_SC_CATS] = { -1, -0.70710678, 0, 0.70710678, 1,
	    0.70710678, 0, -0.70710678 };

	*x = CX + R * frac * dx[k];
	*y = CY + R * frac * dy[k];
}

static void
radar(const struct tim_selfcheck *sc, xmlTextWriterPtr w)
{
	struct tim_buf pts = TIM_BUF_INIT;
	double score[TIM_SC_CATS], x, y;
	int k, ring;

	tim_selfcheck_scores(sc, score);
	xmlTextWriterStartElement(w, BAD_CAST "svg");
	xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST "http://www.w3.org/2000/svg");
	xmlTextWriterWriteAttribute(w, BAD_CAST "viewBox", BAD_CAST "0 0 720 420");
	xmlTextWriterWriteAttribute(w, BAD_CAST "width", BAD_CAST "720");
	xmlTextWriterWriteAttribute(w, BAD_CAST "height", BAD_CAST "420");
	xmlTextWriterWriteAttribute(w, BAD_CAST "role", BAD_CAST "img");
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "radar");
	elem(w, "title", NULL, W(sc, T_SCORES));
	for (ring = 1; ring <= 4; ring++) {
		tim_buf_reset(&pts);
		for (k = 0; k < TIM_SC_CATS; k++) {
			point(k, ring / 4.0, &x, &y);
			tim_buf_addf(&pts, "%s%.1f,%.1f", k ? " " : "", x, y);
		}
		xmlTextWriterStartElement(w, BAD_CAST "polygon");
		xmlTextWriterWriteAttribute(w, BAD_CAST "points", BAD_CAST pts.buf);
		xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "grid");
		xmlTextWriterEndElement(w);
	}
	for (k = 0; k < TIM_SC_CATS; k++) {
		const char *anchor;

		point(k, 1.0, &x, &y);
		xmlTextWriterStartElement(w, BAD_CAST "line");
		attrf(w, "x1", "%.1f", CX);
		attrf(w, "y1", "%.1f", CY);
		attrf(w, "x2", "%.1f", x);
		attrf(w, "y2", "%.1f", y);
		xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "axis");
		xmlTextWriterEndElement(w);
		point(k, 1.12, &x, &y);
		anchor = (x - CX < 1 && CX - x < 1) ? "middle" : x > CX ? "start" : "end";
		xmlTextWriterStartElement(w, BAD_CAST "text");
		attrf(w, "x", "%.1f", x);
		attrf(w, "y", "%.1f", y + 4);
		xmlTextWriterWriteAttribute(w, BAD_CAST "text-anchor", BAD_CAST anchor);
		if (score[k] < 0)
			xmlTextWriterWriteFormatString(w, "%s (-)", sc->lang_en ? tim_sc_cat_en[k] : tim_sc_cat_ja[k]);
		else
			xmlTextWriterWriteFormatString(w, "%s (%.0f%%)", sc->lang_en ? tim_sc_cat_en[k] :
			    tim_sc_cat_ja[k], score[k]);
		xmlTextWriterEndElement(w);
	}
	tim_buf_reset(&pts);
	for (k = 0; k < TIM_SC_CATS; k++) {
		point(k, score[k] < 0 ? 0 : score[k] / 100.0, &x, &y);
		tim_buf_addf(&pts, "%s%.1f,%.1f", k ? " " : "", x, y);
	}
	xmlTextWriterStartElement(w, BAD_CAST "polygon");
	xmlTextWriterWriteAttribute(w, BAD_CAST "points", BAD_CAST pts.buf);
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "score");
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
	tim_buf_release(&pts);
}

static const char css[] =
"body{font-family:'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',sans-serif;"
"margin:2em;color:#111;background:#fff}"
"h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin-top:1.5em}"
".meta{color:#555;font-size:.9em}"
"table{border-collapse:collapse;width:100%;font-size:.9em}"
"th,td{border:1px solid #999;padding:.35em .5em;vertical-align:top;text-align:left}"
"th{background:#eee}td.num{text-align:right;width:2em}td.clause,td.answer{white-space:nowrap}td.cats{min-width:8em}"
".yes{background:#e3f3e3}.partial{background:#fff4d6}.no{background:#fde2e2}"
".na,.unanswered{background:#f2f2f2;color:#555}.bad{color:#b00;font-weight:bold}"
"svg.radar{display:block;margin:1em auto;max-width:100%;height:auto}"
"svg .grid{fill:none;stroke:#bbb;stroke-width:1}svg .axis{stroke:#bbb;stroke-width:1}"
"svg .score{fill:rgba(30,90,200,.25);stroke:#1e5ac8;stroke-width:2}"
"svg text{font-size:12px;fill:#111}"
"@media print{body{margin:1cm}tr{break-inside:avoid}h2{break-after:avoid}"
"svg.radar{break-inside:avoid}.yes,.partial,.no,.na,.unanswered,th,svg .score"
"{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

int
tim_selfcheck_write_html(const struct tim_selfcheck *sc, FILE *f)
{
	static const char *vclass[] = { "no", "partial", "yes", "na", "unanswered" };
	struct tim_buf b = TIM_BUF_INIT;
	xmlBufferPtr xb;
	xmlTextWriterPtr w;
	int i, c[5], rc = 0;

	xb = xmlBufferCreate();
	w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
	if (w == NULL) {
		if (xb)
			xmlBufferFree(xb);
		return -1;
	}
	xmlTextWriterSetIndent(w, 1);
	X(xmlTextWriterWriteDTD(w, BAD_CAST "html", NULL, NULL, NULL));
	X(xmlTextWriterStartElement(w, BAD_CAST "html"));
	X(xmlTextWriterWriteAttribute(w, BAD_CAST "lang", BAD_CAST (sc->lang_en ? "en" : "ja")));
	X(xmlTextWriterStartElement(w, BAD_CAST "head"));
	X(xmlTextWriterStartElement(w, BAD_CAST "meta"));
	X(xmlTextWriterWriteAttribute(w, BAD_CAST "charset", BAD_CAST "utf-8"));
	X(xmlTextWriterEndElement(w));
	elem(w, "title", NULL, W(sc, T_TITLE));
	elem(w, "style", NULL, css);
	X(xmlTextWriterEndElement(w));
	X(xmlTextWriterStartElement(w, BAD_CAST "body"));
	elem(w, "h1", NULL, W(sc, T_TITLE));
	tim_buf_addf(&b, "%s: %s, %s (tim %s)", W(sc, T_GENERATED), sc->when, sc->host, TIM_VERSION);
	elem(w, "p", "meta", b.buf);
	counts(sc, c);
	tim_buf_reset(&b);
	tim_buf_addf(&b, W(sc, T_SUMMARY), c[2], c[1], c[0], c[3], c[4]);
	elem(w, "p", NULL, b.buf);
	elem(w, "h2", NULL, W(sc, T_SCORES));
	radar(sc, w);
	elem(w, "h2", NULL, W(sc, T_ITEM));
	X(xmlTextWriterStartElement(w, BAD_CAST "table"));
	X(xmlTextWriterStartElement(w, BAD_CAST "tr"));
	elem(w, "th", NULL, "#");
	elem(w, "th", NULL, W(sc, T_ITEM));
	elem(w, "th", NULL, W(sc, T_CLAUSE));
	elem(w, "th", NULL, W(sc, T_CATS));
	elem(w, "th", NULL, W(sc, T_ANSWER));
	elem(w, "th", NULL, W(sc, T_NOTE));
	elem(w, "th", NULL, W(sc, T_EVIDENCE));
	X(xmlTextWriterEndElement(w));
	for (i = 0; i < TIM_SC_ITEMS; i++) {
		const struct tim_sc_answer *a = &sc->a[i];

		X(xmlTextWriterStartElement(w, BAD_CAST "tr"));
		tim_buf_reset(&b);
		tim_buf_addf(&b, "item-%d", tim_sc_items[i].no);
		X(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST tim_buf_str(&b)));
		X(xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST vclass[a->value < 0 ? 4 : a->value]));
		tim_buf_reset(&b);
		tim_buf_addf(&b, "%d", tim_sc_items[i].no);
		elem(w, "td", "num", b.buf);
		elem(w, "td", NULL, tim_selfcheck_title(sc, i));
		elem(w, "td", "clause", tim_sc_items[i].clause);
		tim_buf_reset(&b);
		cats_text(sc, i, &b);
		elem(w, "td", "cats", tim_buf_str(&b));
		elem(w, "td", "answer", tim_selfcheck_value_name(sc, a->value));
		elem(w, "td", NULL, a->note);
		elem(w, "td", a->evidence_ok < 0 ? "bad" : NULL, a->evidence);
		X(xmlTextWriterEndElement(w));
	}
	X(xmlTextWriterEndElement(w));
	elem(w, "p", "meta", W(sc, T_DISCLAIMER));
	X(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(w);
	if (rc == 0 && !b.failed &&
	    fwrite(xmlBufferContent(xb), 1, (size_t)xmlBufferLength(xb), f) != (size_t)xmlBufferLength(xb))
		rc = -1;
	xmlBufferFree(xb);
	tim_buf_release(&b);
	return rc || ferror(f) ? -1 : 0;
}
