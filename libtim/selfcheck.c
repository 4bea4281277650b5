#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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
    T_SCORES, T_SUMMARY, T_GENERATED, T_DISCLAIMER, T_ORG, T_RESPONDENT,
    T_DATE, T_THIS, T_PREVIOUS, T_CHANGE, T_UNANSWERED, T_NONE_UNANSWERED,
    T_SIGNATURES, T_SIGN_RESPONDENT, T_SIGN_MANAGER, T_SIGN_EXECUTIVE, T_SEAL,
    T_CATEGORY, T_PREV_ANSWER, T_WHERE, T_CONTRADICTS, T_N };

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
	{ "組織名", "Organisation" },
	{ "回答者", "Respondent" },
	{ "回答日", "Date" },
	{ "今回", "This time" },
	{ "前回", "Previous" },
	{ "増減", "Change" },
	{ "未回答の項目", "Unanswered items" },
	{ "未回答の項目はありません", "Every item is answered" },
	{ "確認欄", "Signatures" },
	{ "回答者", "Respondent" },
	{ "管理者", "Manager" },
	{ "経営者", "Management" },
	{ "印", "Seal" },
	{ "分野", "Category" },
	{ "前回: %s", "last time: %s" },
	{ "%s、ホスト %s、tim %s", "%s, %s (tim %s)" },
	{ "※回答と食い違い ", "!! " },
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

	time_t now = time(NULL);

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < TIM_SC_ITEMS; i++)
		sc->a[i].value = sc->prev_value[i] = TIM_SC_UNANSWERED;
	for (i = 0; i < TIM_SC_CATS; i++)
		sc->prev_score[i] = -1;
	tim_time_rfc3339(now, sc->when);
	tim_time_local(now, sc->when_local);
	tim_date_local(now, sc->date_local);
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

/* The TIM_SC_* value of a JSON report's answer word, or -2. */
static int
json_answer(const char *w)
{
	static const char *names[] = { "no", "partial", "yes", "na" };
	int v;

	if (w == NULL)
		return -2;
	if (strcmp(w, "unanswered") == 0)
		return TIM_SC_UNANSWERED;
	for (v = 0; v < 4; v++)
		if (strcmp(w, names[v]) == 0)
			return v;
	return -2;
}

static int
prev_items(struct tim_selfcheck *sc, json_t *items, const char *file, struct tim_err *err)
{
	size_t i;
	json_t *it;

	json_array_foreach(items, i, it) {
		json_int_t no = json_integer_value(json_object_get(it, "item"));
		int v = json_answer(json_string_value(json_object_get(it, "answer")));

		if (no < 1 || no > TIM_SC_ITEMS || v == -2)
			return tim_errorf(err, 0, _("'%s' is not a self-check report: item %zu is not an item and an answer"),
			    file, i + 1);
		sc->prev_value[no - 1] = v;
	}
	return 0;
}

static int
prev_scores(struct tim_selfcheck *sc, json_t *scores, const char *file, struct tim_err *err)
{
	size_t i;
	json_t *c;
	int k;

	json_array_foreach(scores, i, c) {
		const char *en = json_string_value(json_object_get(c, "category_en"));
		json_t *v = json_object_get(c, "score");

		for (k = 0; k < TIM_SC_CATS; k++)
			if (en && strcmp(en, tim_sc_cat_en[k]) == 0)
				break;
		if (k == TIM_SC_CATS || (!json_is_number(v) && !json_is_null(v)) ||
		    (json_is_number(v) && (json_number_value(v) < 0 || json_number_value(v) > 100)))
			return tim_errorf(err, 0, _("'%s' is not a self-check report: score %zu is not a category and a percentage"),
			    file, i + 1);
		sc->prev_score[k] = json_is_null(v) ? -1 : json_number_value(v);
	}
	return 0;
}

int
tim_selfcheck_load_previous(struct tim_selfcheck *sc, const char *text, const char *file,
    struct tim_err *err)
{
	json_error_t je;
	json_t *doc, *items, *scores;
	const char *kind, *when;
	time_t t;
	int r = -1;

	doc = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL)
		return tim_errorf(err, 0, _("'%s' is not a self-check report: line %d: %s"), file,
		    je.line, je.text);
	kind = json_string_value(json_object_get(doc, "tim"));
	when = json_string_value(json_object_get(doc, "time"));
	items = json_object_get(doc, "items");
	scores = json_object_get(doc, "scores");
	if (kind == NULL || strcmp(kind, "selfcheck") != 0 || when == NULL ||
	    tim_time_parse(when, 0, &t) < 0 || !json_is_array(items) || !json_is_array(scores))
		tim_errorf(err, 0, _("'%s' is not a self-check report (tim-check selfcheck --format json)"), file);
	else if (prev_items(sc, items, file, err) == 0 && prev_scores(sc, scores, file, err) == 0) {
		tim_date_local(t, sc->prev_date);
		sc->have_prev = 1;
		r = 0;
	}
	json_decref(doc);
	return r;
}

int
tim_selfcheck_unanswered(const struct tim_selfcheck *sc, struct tim_buf *b)
{
	int i, n = 0;

	for (i = 0; i < TIM_SC_ITEMS; i++)
		if (sc->a[i].value == TIM_SC_UNANSWERED)
			tim_buf_addf(b, "%s%d", n++ ? ", " : "", tim_sc_items[i].no);
	return n;
}

int
tim_selfcheck_write_answers(const struct tim_selfcheck *sc, FILE *f)
{
	static const char *names[] = { "no", "partial", "yes", "na" };
	int i;

	fprintf(f, "# tim-check selfcheck --answers: %s\n", sc->when_local);
	fprintf(f, "# item answer (yes, partial, no, na) evidence\n");
	for (i = 0; i < TIM_SC_ITEMS; i++) {
		const struct tim_sc_answer *a = &sc->a[i];

		if (a->value == TIM_SC_UNANSWERED)
			fprintf(f, "# %d unanswered\n", tim_sc_items[i].no);
		else
			fprintf(f, "%d %s%s%s\n", tim_sc_items[i].no, names[a->value],
			    a->note[0] ? " " : "", a->note);
	}
	return ferror(f) ? -1 : 0;
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
	if (len && len + 4 < sizeof(a->evidence))
		len += (size_t)snprintf(a->evidence + len, sizeof(a->evidence) - len, "%s",
		    sc->lang_en ? "; " : " / ");
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

/* "+25", "-10", "±0": how a category moved since the previous report. */
static void
change(char out[16], double now, double before)
{
	long d;

	if (now < 0 || before < 0) {
		snprintf(out, 16, "-");
		return;
	}
	d = (long)(now + 0.5) - (long)(before + 0.5);
	if (d == 0)
		snprintf(out, 16, "\302\261" "0");
	else
		snprintf(out, 16, "%+ld", d);
}

static void
percent(char out[16], double score)
{
	if (score < 0)
		snprintf(out, 16, "-");
	else
		snprintf(out, 16, "%.0f%%", score);
}

static void
text_header(const struct tim_selfcheck *sc, FILE *f)
{
	fprintf(f, "%s\n", W(sc, T_TITLE));
	if (sc->org[0])
		fprintf(f, "%s: %s\n", W(sc, T_ORG), sc->org);
	if (sc->respondent[0])
		fprintf(f, "%s: %s\n", W(sc, T_RESPONDENT), sc->respondent);
	fprintf(f, "%s: %s\n", W(sc, T_DATE), sc->date_local);
	fprintf(f, "%s: ", W(sc, T_GENERATED));
	fprintf(f, W(sc, T_WHERE), sc->when_local, sc->host, TIM_VERSION);
	fputs("\n\n", f);
}

static void
text_scores(const struct tim_selfcheck *sc, FILE *f)
{
	double score[TIM_SC_CATS];
	char now[16], before[16], d[16];
	int k, pad;

	tim_selfcheck_scores(sc, score);
	fprintf(f, "\n%s", W(sc, T_SCORES));
	if (sc->have_prev)
		fprintf(f, " (%s / %s %s / %s)", W(sc, T_THIS), W(sc, T_PREVIOUS), sc->prev_date,
		    W(sc, T_CHANGE));
	fputc('\n', f);
	for (k = 0; k < TIM_SC_CATS; k++) {
		const char *name = sc->lang_en ? tim_sc_cat_en[k] : tim_sc_cat_ja[k];

		pad = 24 - columns(name);
		percent(now, score[k]);
		fprintf(f, "  %s%*s %5s", name, pad > 0 ? pad : 0, "", now);
		if (sc->have_prev) {
			percent(before, sc->prev_score[k]);
			change(d, score[k], sc->prev_score[k]);
			fprintf(f, "  %5s  %4s", before, d);
		}
		fputc('\n', f);
	}
}

int
tim_selfcheck_write_text(const struct tim_selfcheck *sc, FILE *f)
{
	struct tim_buf un = TIM_BUF_INIT;
	int i, c[5];

	text_header(sc, f);
	for (i = 0; i < TIM_SC_ITEMS; i++) {
		const struct tim_sc_answer *a = &sc->a[i];

		fprintf(f, "%2d. [%s] %s\n    %s: %s\n", tim_sc_items[i].no,
		    tim_selfcheck_value_name(sc, a->value), tim_selfcheck_title(sc, i),
		    W(sc, T_CLAUSE), tim_sc_items[i].clause);
		if (sc->have_prev && sc->prev_value[i] != a->value) {
			fputs("    ", f);
			fprintf(f, W(sc, T_PREV_ANSWER), tim_selfcheck_value_name(sc, sc->prev_value[i]));
			fputc('\n', f);
		}
		if (a->note[0])
			fprintf(f, "    %s: %s\n", W(sc, T_NOTE), a->note);
		if (a->evidence[0])
			fprintf(f, "    %s: %s%s\n", W(sc, T_EVIDENCE), a->evidence_ok < 0 ? W(sc, T_CONTRADICTS) : "",
			    a->evidence);
	}
	text_scores(sc, f);
	counts(sc, c);
	fputc('\n', f);
	fprintf(f, W(sc, T_SUMMARY), c[2], c[1], c[0], c[3], c[4]);
	fputc('\n', f);
	if (tim_selfcheck_unanswered(sc, &un))
		fprintf(f, "%s: %s\n", W(sc, T_UNANSWERED), tim_buf_str(&un));
	tim_buf_release(&un);
	return ferror(f) ? -1 : 0;
}

static json_t *
unanswered_json(const struct tim_selfcheck *sc)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < TIM_SC_ITEMS; i++)
		if (sc->a[i].value == TIM_SC_UNANSWERED)
			json_array_append_new(a, json_integer(tim_sc_items[i].no));
	return a;
}

/* The previous report's date and scores, in the categories' order. */
static json_t *
previous_json(const struct tim_selfcheck *sc)
{
	json_t *s = json_array();
	int k;

	for (k = 0; k < TIM_SC_CATS; k++)
		json_array_append_new(s, sc->prev_score[k] < 0 ? json_null() :
		    json_real(sc->prev_score[k]));
	return json_pack("{s:s, s:o}", "date", sc->prev_date, "scores", s);
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
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o}", "tim", "selfcheck", "version",
	    TIM_VERSION, "time", sc->when, "date", sc->date_local, "host", sc->host, "complete",
	    tim_selfcheck_complete(sc), "items", items, "scores", cats);
	if (doc == NULL)
		return -1;
	if (sc->org[0])
		tim_json_set_str(doc, "organisation", sc->org);
	if (sc->respondent[0])
		tim_json_set_str(doc, "respondent", sc->respondent);
	json_object_set_new(doc, "unanswered", unanswered_json(sc));
	if (sc->have_prev)
		json_object_set_new(doc, "previous", previous_json(sc));
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

#define CX 250.0
#define CY 128.0
#define R 92.0

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
polygon(xmlTextWriterPtr w, const double score[TIM_SC_CATS], const char *cls)
{
	struct tim_buf pts = TIM_BUF_INIT;
	double x, y;
	int k;

	for (k = 0; k < TIM_SC_CATS; k++) {
		point(k, score[k] < 0 ? 0 : score[k] / 100.0, &x, &y);
		tim_buf_addf(&pts, "%s%.1f,%.1f", k ? " " : "", x, y);
	}
	xmlTextWriterStartElement(w, BAD_CAST "polygon");
	xmlTextWriterWriteAttribute(w, BAD_CAST "points", BAD_CAST tim_buf_str(&pts));
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST cls);
	xmlTextWriterEndElement(w);
	tim_buf_release(&pts);
}

/* A legend line at the chart's lower left: a stroke of the polygon's class and its name. */
static void
legend(xmlTextWriterPtr w, double y, const char *cls, const char *name)
{
	xmlTextWriterStartElement(w, BAD_CAST "line");
	attrf(w, "x1", "%d", 4);
	attrf(w, "y1", "%.1f", y);
	attrf(w, "x2", "%d", 30);
	attrf(w, "y2", "%.1f", y);
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST cls);
	xmlTextWriterEndElement(w);
	xmlTextWriterStartElement(w, BAD_CAST "text");
	attrf(w, "x", "%d", 36);
	attrf(w, "y", "%.1f", y + 4);
	xmlTextWriterWriteString(w, BAD_CAST name);
	xmlTextWriterEndElement(w);
}

/* The chart: four rings, eight axes, this report's scores and the previous ones. */
static void
radar(const struct tim_selfcheck *sc, xmlTextWriterPtr w)
{
	double score[TIM_SC_CATS], ring_score[TIM_SC_CATS], x, y;
	int k, ring;

	tim_selfcheck_scores(sc, score);
	xmlTextWriterStartElement(w, BAD_CAST "svg");
	xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST "http://www.w3.org/2000/svg");
	xmlTextWriterWriteAttribute(w, BAD_CAST "viewBox", BAD_CAST "0 0 500 256");
	xmlTextWriterWriteAttribute(w, BAD_CAST "role", BAD_CAST "img");
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "radar");
	elem(w, "title", NULL, W(sc, T_SCORES));
	for (ring = 1; ring <= 4; ring++) {
		for (k = 0; k < TIM_SC_CATS; k++)
			ring_score[k] = ring * 25.0;
		polygon(w, ring_score, "grid");
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
		point(k, 1.1, &x, &y);
		anchor = (x - CX < 1 && CX - x < 1) ? "middle" : x > CX ? "start" : "end";
		xmlTextWriterStartElement(w, BAD_CAST "text");
		attrf(w, "x", "%.1f", x);
		attrf(w, "y", "%.1f", y + (k == 0 ? -2 : k == 4 ? 12 : 5));
		xmlTextWriterWriteAttribute(w, BAD_CAST "text-anchor", BAD_CAST anchor);
		xmlTextWriterWriteString(w, BAD_CAST (sc->lang_en ? tim_sc_cat_en[k] : tim_sc_cat_ja[k]));
		xmlTextWriterEndElement(w);
	}
	if (sc->have_prev) {
		polygon(w, sc->prev_score, "prev");
		legend(w, 226, "prev", W(sc, T_PREVIOUS));
		legend(w, 244, "score", W(sc, T_THIS));
	}
	polygon(w, score, "score");
	xmlTextWriterEndElement(w);
}

/*
 * One A4 sheet: 297 mm less 2 x 10 mm of margin. The item table is the
 * tallest part; its item column gets half the width so that the list's own
 * long sentences wrap in two or three lines, not ten.
 */
static const char css[] =
"@page{size:A4;margin:9mm 11mm}"
"*{box-sizing:border-box}"
"body{font-family:'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',sans-serif;"
"margin:0 auto;max-width:188mm;color:#111;background:#fff;font-size:8.4pt;line-height:1.3}"
"h1{font-size:13pt;margin:0 0 1.5mm}h2{font-size:8.6pt;margin:1mm 0}"
"table{border-collapse:collapse;width:100%}"
"th,td{border:0.6pt solid #999;padding:0.5mm 1mm;vertical-align:top;text-align:left}"
"th{background:#eee;font-weight:bold}"
"table.meta{margin-bottom:1.5mm}table.meta th{width:16mm;white-space:nowrap}"
"table.meta td.v{width:44mm}"
".top{display:flex;gap:3mm;align-items:flex-start}"
"svg.radar{flex:0 0 84mm;width:84mm;height:auto}"
".side{flex:1 1 auto}"
"table.scores{font-size:7.4pt;line-height:1.15}table.scores .n{text-align:right;white-space:nowrap}"
"table.items{table-layout:fixed;font-size:7pt;line-height:1.18}"
"table.items col.num{width:6mm}table.items col.item{width:54%}"
"table.items col.clause{width:21mm}table.items col.answer{width:17mm}"
"td.num{text-align:right}td.answer{white-space:nowrap}"
".cats{color:#666;font-size:6.4pt;margin-left:1.5mm}"
".prevans{display:block;color:#666;font-size:6.4pt;white-space:normal}"
"td.ev{color:#333;font-size:6.6pt}tr.evrow td{border-top:none}tr.evrow{break-before:avoid}"
".yes td.answer{background:#e3f3e3}.partial td.answer{background:#fff4d6}"
".no td.answer{background:#fde2e2}"
".na td.answer,.unanswered td.answer{background:#f2f2f2;color:#555}"
".bad{color:#b00}p.bad{font-weight:bold}"
".meta-line,.note{color:#555;font-size:7pt;margin:1mm 0}"
".unans{margin:0.8mm 0;font-size:7.4pt}"
"svg .grid{fill:none;stroke:#bbb;stroke-width:1}svg .axis{stroke:#bbb;stroke-width:1}"
"svg .score{fill:rgba(30,90,200,.25);stroke:#1e5ac8;stroke-width:2}"
"svg .prev{fill:none;stroke:#666;stroke-width:1.5;stroke-dasharray:5 3}"
"svg text{font-size:13px;fill:#111}"
"table.sign{table-layout:fixed;margin-top:2mm;break-inside:avoid}"
"table.sign th{text-align:center;font-weight:normal}"
"table.sign td{height:14mm;position:relative}"
"table.sign td span{position:absolute;right:2mm;bottom:1.5mm;width:11mm;height:11mm;"
"border:0.6pt dashed #999;border-radius:50%;color:#999;font-size:7pt;"
"display:flex;align-items:center;justify-content:center}"
"tr{break-inside:avoid}"
"@media screen{body{padding:8mm 0}}"
"@media print{body{max-width:none}"
".yes td.answer,.partial td.answer,.no td.answer,.na td.answer,.unanswered td.answer,th,svg .score"
"{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

static void
meta_row(xmlTextWriterPtr w, const char *k1, const char *v1, const char *k2, const char *v2)
{
	xmlTextWriterStartElement(w, BAD_CAST "tr");
	elem(w, "th", NULL, k1);
	elem(w, "td", "v", v1);
	elem(w, "th", NULL, k2);
	elem(w, "td", NULL, v2);
	xmlTextWriterEndElement(w);
}

/* Organisation, respondent, date, and when and where tim wrote it. */
static void
html_meta(const struct tim_selfcheck *sc, xmlTextWriterPtr w)
{
	struct tim_buf b = TIM_BUF_INIT;

	tim_buf_addf(&b, W(sc, T_WHERE), sc->when_local, sc->host, TIM_VERSION);
	xmlTextWriterStartElement(w, BAD_CAST "table");
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "meta");
	meta_row(w, W(sc, T_ORG), sc->org, W(sc, T_RESPONDENT), sc->respondent);
	meta_row(w, W(sc, T_DATE), sc->date_local, W(sc, T_GENERATED), tim_buf_str(&b));
	xmlTextWriterEndElement(w);
	tim_buf_release(&b);
}

/* The category scores as a table: this time, and the previous report beside it. */
static void
html_scores(const struct tim_selfcheck *sc, xmlTextWriterPtr w)
{
	double score[TIM_SC_CATS];
	char v[16];
	int k;

	tim_selfcheck_scores(sc, score);
	xmlTextWriterStartElement(w, BAD_CAST "table");
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "scores");
	xmlTextWriterStartElement(w, BAD_CAST "tr");
	elem(w, "th", NULL, W(sc, T_CATEGORY));
	elem(w, "th", "n", W(sc, T_THIS));
	if (sc->have_prev) {
		struct tim_buf b = TIM_BUF_INIT;

		tim_buf_addf(&b, "%s (%s)", W(sc, T_PREVIOUS), sc->prev_date);
		elem(w, "th", "n", tim_buf_str(&b));
		elem(w, "th", "n", W(sc, T_CHANGE));
		tim_buf_release(&b);
	}
	xmlTextWriterEndElement(w);
	for (k = 0; k < TIM_SC_CATS; k++) {
		xmlTextWriterStartElement(w, BAD_CAST "tr");
		elem(w, "td", NULL, sc->lang_en ? tim_sc_cat_en[k] : tim_sc_cat_ja[k]);
		percent(v, score[k]);
		elem(w, "td", "n", v);
		if (sc->have_prev) {
			percent(v, sc->prev_score[k]);
			elem(w, "td", "n", v);
			change(v, score[k], sc->prev_score[k]);
			elem(w, "td", "n", v);
		}
		xmlTextWriterEndElement(w);
	}
	xmlTextWriterEndElement(w);
}

/* The summary counts and the unanswered items by number. */
static void
html_summary(const struct tim_selfcheck *sc, xmlTextWriterPtr w)
{
	struct tim_buf b = TIM_BUF_INIT, un = TIM_BUF_INIT;
	int c[5];

	counts(sc, c);
	tim_buf_addf(&b, W(sc, T_SUMMARY), c[2], c[1], c[0], c[3], c[4]);
	elem(w, "p", "unans", tim_buf_str(&b));
	tim_buf_reset(&b);
	if (tim_selfcheck_unanswered(sc, &un))
		tim_buf_addf(&b, "%s: %s", W(sc, T_UNANSWERED), tim_buf_str(&un));
	else
		tim_buf_adds(&b, W(sc, T_NONE_UNANSWERED));
	elem(w, "p", un.len ? "unans bad" : "unans", tim_buf_str(&b));
	tim_buf_release(&b);
	tim_buf_release(&un);
}

static void
html_col(xmlTextWriterPtr w, const char *cls)
{
	xmlTextWriterStartElement(w, BAD_CAST "col");
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST cls);
	xmlTextWriterEndElement(w);
}

/* One item's row: number, the list's text, clause and categories, answer, evidence. */
static void
html_item(const struct tim_selfcheck *sc, xmlTextWriterPtr w, int i)
{
	static const char *vclass[] = { "no", "partial", "yes", "na", "unanswered" };
	const struct tim_sc_answer *a = &sc->a[i];
	struct tim_buf b = TIM_BUF_INIT;

	xmlTextWriterStartElement(w, BAD_CAST "tr");
	tim_buf_addf(&b, "item-%d", tim_sc_items[i].no);
	xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST tim_buf_str(&b));
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST vclass[a->value < 0 ? 4 : a->value]);
	tim_buf_reset(&b);
	tim_buf_addf(&b, "%d", tim_sc_items[i].no);
	elem(w, "td", "num", tim_buf_str(&b));
	xmlTextWriterStartElement(w, BAD_CAST "td");
	xmlTextWriterWriteString(w, BAD_CAST tim_selfcheck_title(sc, i));
	tim_buf_reset(&b);
	cats_text(sc, i, &b);
	elem(w, "span", "cats", tim_buf_str(&b));
	xmlTextWriterEndElement(w);
	elem(w, "td", "clause", tim_sc_items[i].clause);
	xmlTextWriterStartElement(w, BAD_CAST "td");
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "answer");
	xmlTextWriterWriteString(w, BAD_CAST tim_selfcheck_value_name(sc, a->value));
	if (sc->have_prev) {
		tim_buf_reset(&b);
		tim_buf_addf(&b, W(sc, T_PREV_ANSWER), tim_selfcheck_value_name(sc, sc->prev_value[i]));
		elem(w, "span", "prevans", tim_buf_str(&b));
	}
	xmlTextWriterEndElement(w);
	elem(w, "td", NULL, a->note);
	xmlTextWriterEndElement(w);
	/* What tim found spans the row's width below it: it can be long. */
	if (a->evidence[0]) {
		xmlTextWriterStartElement(w, BAD_CAST "tr");
		xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "evrow");
		elem(w, "td", NULL, "");
		xmlTextWriterStartElement(w, BAD_CAST "td");
		xmlTextWriterWriteAttribute(w, BAD_CAST "colspan", BAD_CAST "4");
		xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST (a->evidence_ok < 0 ? "ev bad" : "ev"));
		tim_buf_reset(&b);
		tim_buf_addf(&b, "%s: %s", W(sc, T_EVIDENCE), a->evidence);
		xmlTextWriterWriteString(w, BAD_CAST tim_buf_str(&b));
		xmlTextWriterEndElement(w);
		xmlTextWriterEndElement(w);
	}
	tim_buf_release(&b);
}

static void
html_items(const struct tim_selfcheck *sc, xmlTextWriterPtr w)
{
	int i;

	xmlTextWriterStartElement(w, BAD_CAST "table");
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "items");
	html_col(w, "num");
	html_col(w, "item");
	html_col(w, "clause");
	html_col(w, "answer");
	html_col(w, "note");
	xmlTextWriterStartElement(w, BAD_CAST "tr");
	elem(w, "th", NULL, "#");
	elem(w, "th", NULL, W(sc, T_ITEM));
	elem(w, "th", NULL, W(sc, T_CLAUSE));
	elem(w, "th", NULL, W(sc, T_ANSWER));
	elem(w, "th", NULL, W(sc, T_NOTE));
	xmlTextWriterEndElement(w);
	for (i = 0; i < TIM_SC_ITEMS; i++)
		html_item(sc, w, i);
	xmlTextWriterEndElement(w);
}

/* Boxes for the respondent, the manager and management to sign or seal (押印). */
static void
html_sign(const struct tim_selfcheck *sc, xmlTextWriterPtr w)
{
	static const int who[] = { T_SIGN_RESPONDENT, T_SIGN_MANAGER, T_SIGN_EXECUTIVE };
	size_t i;

	xmlTextWriterStartElement(w, BAD_CAST "table");
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "sign");
	xmlTextWriterWriteAttribute(w, BAD_CAST "aria-label", BAD_CAST W(sc, T_SIGNATURES));
	xmlTextWriterStartElement(w, BAD_CAST "tr");
	for (i = 0; i < 3; i++)
		elem(w, "th", NULL, W(sc, who[i]));
	xmlTextWriterEndElement(w);
	xmlTextWriterStartElement(w, BAD_CAST "tr");
	for (i = 0; i < 3; i++) {
		xmlTextWriterStartElement(w, BAD_CAST "td");
		elem(w, "span", NULL, W(sc, T_SEAL));
		xmlTextWriterEndElement(w);
	}
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
}

static void
html_body(const struct tim_selfcheck *sc, xmlTextWriterPtr w)
{
	xmlTextWriterStartElement(w, BAD_CAST "body");
	elem(w, "h1", NULL, W(sc, T_TITLE));
	html_meta(sc, w);
	xmlTextWriterStartElement(w, BAD_CAST "div");
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "top");
	radar(sc, w);
	xmlTextWriterStartElement(w, BAD_CAST "div");
	xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "side");
	elem(w, "h2", NULL, W(sc, T_SCORES));
	html_scores(sc, w);
	html_summary(sc, w);
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
	html_items(sc, w);
	html_sign(sc, w);
	elem(w, "p", "note", W(sc, T_DISCLAIMER));
	xmlTextWriterEndElement(w);
}

int
tim_selfcheck_write_html(const struct tim_selfcheck *sc, FILE *f)
{
	xmlBufferPtr xb;
	xmlTextWriterPtr w;
	int rc = 0;

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
	html_body(sc, w);
	X(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(w);
	if (rc == 0 &&
	    fwrite(xmlBufferContent(xb), 1, (size_t)xmlBufferLength(xb), f) != (size_t)xmlBufferLength(xb))
		rc = -1;
	xmlBufferFree(xb);
	return rc || ferror(f) ? -1 : 0;
}
