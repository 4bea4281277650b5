#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "i18n.h"
#include "label.h"
#include "banned.h"

const char *const tim_label_fields[5] = {
	"level", "owner", "entrusted", "id", "until"
};

static const char *const default_levels[] = { "極秘", "秘", "社外秘", "社内限" };

void
tim_label_scheme_default(struct tim_label_scheme *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < sizeof(default_levels) / sizeof(default_levels[0]); i++)
		snprintf(s->levels[i], sizeof(s->levels[i]), "%s", default_levels[i]);
	s->n = i;
	snprintf(s->name_pre, sizeof(s->name_pre), "%s", "【");
	snprintf(s->name_post, sizeof(s->name_post), "%s", "】");
	snprintf(s->dflt, sizeof(s->dflt), "%s", "社外秘");
	snprintf(s->msip_method, sizeof(s->msip_method), "%s", "Standard");
}

/* The wording of the visible text, when [label] text-template is not set. */
static const char text_ja[] = "【{level}】| 管理部署: {owner}| 委託先: {entrusted}| 管理番号: {id}| 期限: {until}";
static const char text_en[] = "[{level}]| Owner: {owner}| Entrusted to: {entrusted}| ID: {id}| Until: {until}";

/*
 * Walks one template: with l, appends the text to out; without, checks it.
 * Returns -1 on an unknown or unclosed field, else how many {level} it has.
 */
static int
text_walk(const char *tpl, const struct tim_label *l, struct tim_buf *out)
{
	const char *part = tpl, *end, *p;
	int levels = 0;

	for (;;) {
		struct tim_buf b = TIM_BUF_INIT;
		int fields = 0, filled = 0;

		end = strchr(part, '|');
		if (end == NULL)
			end = part + strlen(part);
		for (p = part; p < end; p++) {
			const char *close;
			size_t i, n;

			if (*p != '{') {
				tim_buf_addch(&b, *p);
				continue;
			}
			close = memchr(p, '}', (size_t)(end - p));
			if (close == NULL) {
				tim_buf_release(&b);
				return -1;
			}
			n = (size_t)(close - p - 1);
			for (i = 0; i < 5; i++)
				if (strlen(tim_label_fields[i]) == n && memcmp(p + 1, tim_label_fields[i], n) == 0)
					break;
			if (i == 5) {
				tim_buf_release(&b);
				return -1;
			}
			if (i == 0)
				levels++;
			fields++;
			if (l != NULL && *tim_label_get(l, tim_label_fields[i])) {
				filled++;
				tim_buf_adds(&b, tim_label_get(l, tim_label_fields[i]));
			}
			p = close;
		}
		if (out != NULL && (fields == 0 || filled > 0))
			tim_buf_add(out, b.buf ? b.buf : "", b.len);
		tim_buf_release(&b);
		if (*end == '\0')
			break;
		part = end + 1;
	}
	return levels;
}

int
tim_label_scheme_set_text_template(struct tim_label_scheme *s, const char *tpl,
    struct tim_err *err)
{
	if (strlen(tpl) >= sizeof(s->text_tpl) || text_walk(tpl, NULL, NULL) < 1 ||
	    strpbrk(tpl, "\t\r\n") != NULL)
		return tim_invalidf(err, _("[label] text-template '%s' must hold {level} and no field other than {level}, {owner}, {entrusted}, {id}, {until}"), tpl);
	snprintf(s->text_tpl, sizeof(s->text_tpl), "%s", tpl);
	return 0;
}

int
tim_label_text(const struct tim_label_scheme *s, const struct tim_label *l,
    struct tim_buf *out)
{
	const char *tpl = s->text_tpl[0] ? s->text_tpl : s->lang_en ? text_en : text_ja;

	text_walk(tpl, l, out);
	return out->failed ? -1 : 0;
}

const char *
tim_label_msip_guid(const struct tim_label_scheme *s, const char *level)
{
	int r = tim_label_rank(s, level);

	if (r >= 0 && s->msip_guids[r][0])
		return s->msip_guids[r];
	return s->msip_guid;
}

int
tim_label_msip_level(const struct tim_label_scheme *s, const char *guid,
    char *level)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->msip_guids[i][0] && strcasecmp(s->msip_guids[i], guid) == 0) {
			snprintf(level, TIM_LABEL_LEVEL_MAX, "%s", s->levels[i]);
			return 1;
		}
	return 0;
}

/* Decodes one UTF-8 sequence: its code point and length, or -1 if invalid. */
static int
utf8_next(const unsigned char *p, size_t len, uint32_t *cp)
{
	uint32_t c;
	int n, i;

	if (len == 0)
		return -1;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		c = p[0] & 0x07;
	} else
		return -1;
	if ((size_t)n > len)
		return -1;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return n;
}

static size_t
utf8_put(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/*
 * The precomposed kana for base + U+3099 (voiced) or U+309A (semi-voiced),
 * or 0. Katakana mirror hiragana 0x60 higher.
 */
static uint32_t
kana_compose(uint32_t base, uint32_t mark)
{
	uint32_t h = base, off = 0;

	if (base >= 0x30a1 && base <= 0x30f6) {
		h = base - 0x60;
		off = 0x60;
	}
	if (mark == 0x3099) {
		if ((h >= 0x304b && h <= 0x3061 && (h - 0x304b) % 2 == 0) ||
		    h == 0x3064 || h == 0x3066 || h == 0x3068)
			return h + 1 + off;
		if (h >= 0x306f && h <= 0x307b && (h - 0x306f) % 3 == 0)
			return h + 1 + off;
		if (h == 0x3046)
			return 0x3094 + off;
		if (base == 0x309d || base == 0x30fd)
			return base + 1;
		if (base >= 0x30ef && base <= 0x30f2)
			return base + 8;
	} else if (mark == 0x309a) {
		if (h >= 0x306f && h <= 0x307b && (h - 0x306f) % 3 == 0)
			return h + 2 + off;
	}
	return 0;
}

/* The next character of s in NFC (for kana), its code point and byte length. */
static int
nfc_next(const unsigned char *p, size_t len, uint32_t *cp)
{
	uint32_t c, m, k;
	int n, n2;

	n = utf8_next(p, len, &c);
	if (n < 0)
		return -1;
	n2 = utf8_next(p + n, len - (size_t)n, &m);
	if (n2 > 0 && (m == 0x3099 || m == 0x309a) && (k = kana_compose(c, m)) != 0) {
		*cp = k;
		return n + n2;
	}
	*cp = c;
	return n;
}

size_t
tim_label_nfc_kana(char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t in = 0, out = 0;
	uint32_t c;
	int n;

	while (in < len) {
		n = nfc_next(p + in, len - in, &c);
		if (n < 0) {
			/* Not UTF-8: keep the byte as it is. */
			s[out++] = s[in++];
			continue;
		}
		in += (size_t)n;
		out += utf8_put(c, s + out);
	}
	return out;
}

/*
 * When s (NFC or NFD) starts with want (compared in NFC), the number of
 * bytes of s it took; 0 otherwise.
 */
static size_t
match_nfc(const char *s, size_t len, const char *want, size_t wlen)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *w = (const unsigned char *)want;
	size_t i = 0, j = 0;
	uint32_t a, b;
	int n, m;

	while (j < wlen) {
		if (i >= len)
			return 0;
		n = nfc_next(p + i, len - i, &a);
		m = nfc_next(w + j, wlen - j, &b);
		if (n < 0 || m < 0 || a != b)
			return 0;
		i += (size_t)n;
		j += (size_t)m;
	}
	return i;
}

static int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	size_t i = 0;
	int n;

	while (i < len) {
		n = utf8_next(p + i, len - i, &c);
		if (n < 0)
			return 0;
		i += (size_t)n;
	}
	return 1;
}

static int
level_ok(const char *v, struct tim_err *err)
{
	size_t len = strlen(v);

	if (len == 0 || len >= TIM_LABEL_LEVEL_MAX)
		return tim_invalidf(err, _("invalid level '%s': empty or too long"), v);
	if (!utf8_valid(v, len))
		return tim_invalidf(err, _("invalid level: not UTF-8"));
	if (strpbrk(v, " \t,/\\\"=%") != NULL)
		return tim_invalidf(err, _("invalid level '%s': no spaces, commas, slashes, quotes, '=' or '%%'"), v);
	return 0;
}

int
tim_label_scheme_set_levels(struct tim_label_scheme *s, const char *list,
    struct tim_err *err)
{
	struct tim_label_scheme t = *s;
	const char *p = list, *e;
	char one[TIM_LABEL_LEVEL_MAX];
	size_t i, len;

	t.n = 0;
	for (;;) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(one))
			return tim_invalidf(err, _("invalid label levels '%s': an empty or too long level"), list);
		memcpy(one, p, len);
		one[len] = '\0';
		if (level_ok(one, err) < 0)
			return -1;
		len = tim_label_nfc_kana(one, len);
		one[len] = '\0';
		for (i = 0; i < t.n; i++)
			if (strcmp(t.levels[i], one) == 0)
				return tim_invalidf(err, _("invalid label levels '%s': '%s' twice"), list, one);
		if (t.n == TIM_LABEL_LEVELS_MAX)
			return tim_invalidf(err, _("invalid label levels '%s': more than %d"), list, TIM_LABEL_LEVELS_MAX);
		memcpy(t.levels[t.n++], one, len + 1);
		if (e == NULL)
			break;
		p = e + 1;
	}
	/* The default level must stay in the scheme; else the lowest is used. */
	if (tim_label_rank(&t, t.dflt) < 0)
		memcpy(t.dflt, t.levels[t.n - 1], sizeof(t.dflt));
	*s = t;
	return 0;
}

int
tim_label_scheme_set_template(struct tim_label_scheme *s, const char *tpl,
    struct tim_err *err)
{
	const char *pc = strstr(tpl, "%s");
	size_t pre, post;

	if (pc == NULL || strchr(pc + 2, '%') != NULL || memchr(tpl, '%', (size_t)(pc - tpl)) != NULL)
		return tim_invalidf(err, _("invalid name template '%s': it needs exactly one %%s and no other %%"), tpl);
	if (strchr(tpl, '/') != NULL || !utf8_valid(tpl, strlen(tpl)))
		return tim_invalidf(err, _("invalid name template '%s': no '/' and UTF-8 only"), tpl);
	pre = (size_t)(pc - tpl);
	post = strlen(pc + 2);
	if (pre >= sizeof(s->name_pre) || post >= sizeof(s->name_post) || pre + post == 0)
		return tim_invalidf(err, _("invalid name template '%s': the text around %%s must be 1 to 63 bytes"), tpl);
	memcpy(s->name_pre, tpl, pre);
	s->name_pre[pre] = '\0';
	memcpy(s->name_post, pc + 2, post + 1);
	return 0;
}

static int
guid_ok(const char *g)
{
	static const int dash[] = { 8, 13, 18, 23 };
	size_t i, d = 0;

	if (strlen(g) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (d < 4 && (int)i == dash[d]) {
			if (g[i] != '-')
				return 0;
			d++;
		} else if (!strchr("0123456789abcdefABCDEF", g[i]) || g[i] == '\0')
			return 0;
	}
	return 1;
}

/* [label] lang, text-template and the Purview settings. */
static int
scheme_load_office(struct tim_label_scheme *s, const struct tim_config *cfg,
    struct tim_err *err)
{
	const char *v;
	size_t i;

	if ((v = tim_config_get(cfg, "label", "lang")) != NULL) {
		if (strcmp(v, "en") != 0 && strcmp(v, "ja") != 0)
			return tim_invalidf(err, _("[label] lang '%s' is neither ja nor en"), v);
		s->lang_en = strcmp(v, "en") == 0;
	}
	if ((v = tim_config_get(cfg, "label", "text-template")) != NULL &&
	    tim_label_scheme_set_text_template(s, v, err) < 0)
		return -1;
	if ((v = tim_config_get(cfg, "label", "msip-tenant")) != NULL && *v) {
		if (!guid_ok(v))
			return tim_invalidf(err, _("[label] msip-tenant '%s' is not a GUID like 01234567-89ab-cdef-0123-456789abcdef"), v);
		snprintf(s->msip_tenant, sizeof(s->msip_tenant), "%s", v);
	}
	if ((v = tim_config_get(cfg, "label", "msip-method")) != NULL) {
		if (strcmp(v, "Standard") != 0 && strcmp(v, "Privileged") != 0)
			return tim_invalidf(err, _("[label] msip-method '%s' is neither Standard nor Privileged"), v);
		snprintf(s->msip_method, sizeof(s->msip_method), "%s", v);
	}
	for (i = 0; i < s->n; i++) {
		char key[96];

		snprintf(key, sizeof(key), "msip-guid.%s", s->levels[i]);
		if ((v = tim_config_get(cfg, "label", key)) == NULL || !*v)
			continue;
		if (!guid_ok(v))
			return tim_invalidf(err, _("[label] %s '%s' is not a GUID like 01234567-89ab-cdef-0123-456789abcdef"), key, v);
		snprintf(s->msip_guids[i], sizeof(s->msip_guids[i]), "%s", v);
	}
	if (!s->msip_tenant[0]) {
		int any = s->msip_guid[0] != '\0';

		for (i = 0; i < s->n; i++)
			any = any || s->msip_guids[i][0];
		if (any)
			return tim_invalidf(err, _("[label] msip-tenant is required with msip-guid (MSIP_Label_*_SiteId and LabelInfo.xml need the tenant id)"));
	}
	return 0;
}

int
tim_label_scheme_load(struct tim_label_scheme *s, const struct tim_config *cfg,
    struct tim_err *err)
{
	const char *v;

	tim_label_scheme_default(s);
	if (cfg == NULL)
		return 0;
	if ((v = tim_config_get(cfg, "label", "default")) != NULL) {
		if (level_ok(v, err) < 0)
			return -1;
		snprintf(s->dflt, sizeof(s->dflt), "%s", v);
	}
	if ((v = tim_config_get(cfg, "label", "levels")) != NULL &&
	    tim_label_scheme_set_levels(s, v, err) < 0)
		return -1;
	if (tim_label_rank(s, s->dflt) < 0)
		return tim_invalidf(err, _("[label] default '%s' is not one of the levels"), s->dflt);
	if ((v = tim_config_get(cfg, "label", "name-template")) != NULL &&
	    tim_label_scheme_set_template(s, v, err) < 0)
		return -1;
	if ((v = tim_config_get(cfg, "label", "msip-guid")) != NULL && *v) {
		if (!guid_ok(v))
			return tim_invalidf(err, _("[label] msip-guid '%s' is not a GUID like 01234567-89ab-cdef-0123-456789abcdef"), v);
		snprintf(s->msip_guid, sizeof(s->msip_guid), "%s", v);
	}
	return scheme_load_office(s, cfg, err);
}

int
tim_label_rank(const struct tim_label_scheme *s, const char *level)
{
	size_t i, len = strlen(level);

	for (i = 0; i < s->n; i++) {
		size_t l = strlen(s->levels[i]);

		if (match_nfc(level, len, s->levels[i], l) == len &&
		    match_nfc(s->levels[i], l, level, len) == l)
			return (int)i;
	}
	return -1;
}

int
tim_label_compare(const struct tim_label_scheme *s, const char *a,
    const char *b)
{
	int ra = tim_label_rank(s, a), rb = tim_label_rank(s, b);

	if (ra < 0)
		ra = (int)s->n;
	if (rb < 0)
		rb = (int)s->n;
	return rb - ra;
}

void
tim_label_clear(struct tim_label *l)
{
	memset(l, 0, sizeof(*l));
}

int
tim_label_is_empty(const struct tim_label *l)
{
	return !l->level[0] && !l->owner[0] && !l->entrusted[0] && !l->id[0] &&
	    !l->until[0];
}

int
tim_label_equal(const struct tim_label *a, const struct tim_label *b)
{
	return strcmp(a->level, b->level) == 0 && strcmp(a->owner, b->owner) == 0 &&
	    strcmp(a->entrusted, b->entrusted) == 0 && strcmp(a->id, b->id) == 0 &&
	    strcmp(a->until, b->until) == 0;
}

static char *
field_ptr(struct tim_label *l, const char *field, size_t *size)
{
	if (strcmp(field, "level") == 0) {
		*size = sizeof(l->level);
		return l->level;
	}
	if (strcmp(field, "owner") == 0) {
		*size = sizeof(l->owner);
		return l->owner;
	}
	if (strcmp(field, "entrusted") == 0) {
		*size = sizeof(l->entrusted);
		return l->entrusted;
	}
	if (strcmp(field, "id") == 0) {
		*size = sizeof(l->id);
		return l->id;
	}
	if (strcmp(field, "until") == 0) {
		*size = sizeof(l->until);
		return l->until;
	}
	return NULL;
}

const char *
tim_label_get(const struct tim_label *l, const char *field)
{
	size_t size;

	return field_ptr((struct tim_label *)l, field, &size);
}

static int
date_ok(const char *v)
{
	struct tm tm;
	int y, m, d;
	char tail;
	time_t t;

	if (strlen(v) != 10 || v[4] != '-' || v[7] != '-' ||
	    sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return 0;
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	/* A real date survives a round trip through timegm unchanged. */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	t = timegm(&tm);
	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL)
		return 0;
	return tm.tm_year == y - 1900 && tm.tm_mon == m - 1 && tm.tm_mday == d;
}

static int
value_ok(const char *field, const char *v, struct tim_err *err)
{
	size_t i, len = strlen(v);

	if (!utf8_valid(v, len))
		return tim_invalidf(err, _("invalid %s: not UTF-8"), field);
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return tim_invalidf(err, _("invalid %s: control characters are not allowed"), field);
	/* Values go into comments of many syntaxes: none may end one. */
	if (strstr(v, "-->") != NULL || strstr(v, "*/") != NULL)
		return tim_invalidf(err, _("invalid %s '%s': it may not contain '-->' or '*/'"), field, v);
	if (strcmp(field, "until") == 0 && *v && !date_ok(v))
		return tim_invalidf(err, _("invalid until '%s': use a date YYYY-MM-DD"), v);
	if (strcmp(field, "level") == 0 && *v)
		return level_ok(v, err);
	return 0;
}

int
tim_label_set(struct tim_label *l, const char *field, const char *value,
    struct tim_err *err)
{
	size_t size;
	char *p = field_ptr(l, field, &size);

	if (p == NULL)
		return tim_invalidf(err, _("unknown label field '%s'"), field);
	if (strlen(value) >= size)
		return tim_invalidf(err, _("invalid %s: longer than %zu bytes"), field, size - 1);
	if (value_ok(field, value, err) < 0)
		return -1;
	memcpy(p, value, strlen(value) + 1);
	if (strcmp(field, "level") == 0) {
		size_t n = tim_label_nfc_kana(p, strlen(p));

		p[n] = '\0';
	}
	return 0;
}

int
tim_label_validate(const struct tim_label_scheme *s, const struct tim_label *l,
    struct tim_err *err)
{
	size_t i;

	for (i = 0; i < 5; i++)
		if (value_ok(tim_label_fields[i], tim_label_get(l, tim_label_fields[i]), err) < 0)
			return -1;
	if (!l->level[0])
		return tim_invalidf(err, _("a label needs a level"));
	if (tim_label_rank(s, l->level) < 0) {
		struct tim_buf b = TIM_BUF_INIT;

		for (i = 0; i < s->n; i++)
			tim_buf_addf(&b, "%s%s", i ? ", " : "", s->levels[i]);
		tim_invalidf(err, _("unknown level '%s' (levels: %s)"), l->level, tim_buf_str(&b));
		tim_buf_release(&b);
		return -1;
	}
	return 0;
}

int
tim_label_format_level(const struct tim_label_scheme *s, const char *level,
    struct tim_buf *out)
{
	return tim_buf_addf(out, "%s%s%s", s->name_pre, level, s->name_post);
}

static int
add_value(struct tim_buf *out, const char *v)
{
	const char *p;

	if (*v && strpbrk(v, " \t\"\\") == NULL)
		return tim_buf_adds(out, v);
	tim_buf_addch(out, '"');
	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			tim_buf_addch(out, '\\');
		tim_buf_addch(out, *p);
	}
	return tim_buf_addch(out, '"');
}

int
tim_label_format(const struct tim_label_scheme *s, const struct tim_label *l,
    struct tim_buf *out)
{
	size_t i;

	tim_label_format_level(s, l->level, out);
	for (i = 1; i < 5; i++) {
		const char *v = tim_label_get(l, tim_label_fields[i]);

		if (!*v)
			continue;
		tim_buf_addf(out, " %s=", tim_label_fields[i]);
		add_value(out, v);
	}
	return out->failed ? -1 : 0;
}

size_t
tim_label_name_prefix(const struct tim_label_scheme *s, const char *name,
    size_t len, char *level)
{
	size_t pre = strlen(s->name_pre), post = strlen(s->name_post), i, a, b;

	a = pre ? match_nfc(name, len, s->name_pre, pre) : 0;
	if (pre && a == 0)
		return 0;
	for (i = 0; i < s->n; i++) {
		b = match_nfc(name + a, len - a, s->levels[i], strlen(s->levels[i]));
		if (b == 0)
			continue;
		if (post) {
			size_t c = match_nfc(name + a + b, len - a - b, s->name_post, post);

			if (c == 0)
				continue;
			b += c;
		}
		if (level)
			snprintf(level, TIM_LABEL_LEVEL_MAX, "%s", s->levels[i]);
		return a + b;
	}
	return 0;
}

int
tim_label_parse(const struct tim_label_scheme *s, const char *text, size_t len,
    struct tim_label *out)
{
	struct tim_label l;
	struct tim_err err;
	size_t at;
	char val[TIM_LABEL_VALUE_MAX];

	tim_label_clear(&l);
	at = tim_label_name_prefix(s, text, len, l.level);
	if (at == 0)
		return 0;
	while (at < len) {
		const char *key;
		size_t klen, vlen = 0, size;
		char *dst, kbuf[16];

		if (text[at] != ' ')
			return 0;
		at++;
		key = text + at;
		while (at < len && text[at] >= 'a' && text[at] <= 'z')
			at++;
		klen = (size_t)(text + at - key);
		if (klen == 0 || klen >= sizeof(kbuf) || at >= len || text[at] != '=')
			return 0;
		memcpy(kbuf, key, klen);
		kbuf[klen] = '\0';
		at++;
		if (strcmp(kbuf, "level") == 0 || (dst = field_ptr(&l, kbuf, &size)) == NULL || *dst)
			return 0;
		if (at < len && text[at] == '"') {
			for (at++; at < len && text[at] != '"'; at++) {
				if (text[at] == '\\' && at + 1 < len)
					at++;
				if (vlen + 1 >= sizeof(val))
					return 0;
				val[vlen++] = text[at];
			}
			if (at >= len)
				return 0;
			at++;
		} else {
			while (at < len && text[at] != ' ') {
				if (vlen + 1 >= sizeof(val))
					return 0;
				val[vlen++] = text[at++];
			}
		}
		val[vlen] = '\0';
		if (vlen == 0 || memchr(val, '\0', vlen) != NULL)
			return 0;
		if (tim_label_set(&l, kbuf, val, &err) < 0)
			return 0;
	}
	*out = l;
	return 1;
}

int
tim_label_carriers_parse(const char *list, int *out, struct tim_err *err)
{
	static const struct { const char *name; int bit; } names[] = {
		{ "name", TIM_CARRIER_NAME }, { "xattr", TIM_CARRIER_XATTR },
		{ "content", TIM_CARRIER_CONTENT }, { "folder", TIM_CARRIER_FOLDER },
		{ "folder-name", TIM_CARRIER_FOLDER_NAME },
		{ "all", TIM_CARRIERS_ALL },
	};
	const char *p = list, *e;
	size_t i, len;
	int bits = 0;

	for (;;) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && strncmp(names[i].name, p, len) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return tim_invalidf(err, _("unknown carrier '%.*s' in '%s' (carriers: name, xattr, content, folder, folder-name, all)"),
			    (int)len, p, list);
		bits |= names[i].bit;
		if (e == NULL)
			break;
		p = e + 1;
	}
	*out = bits;
	return 0;
}

int
tim_label_carriers_format(int carriers, struct tim_buf *out)
{
	static const char *names[] = { "name", "xattr", "content", "folder", "folder-name" };
	int i, first = 1;

	for (i = 0; i < TIM_CARRIER_COUNT; i++) {
		if (!(carriers & (1 << i)))
			continue;
		tim_buf_addf(out, "%s%s", first ? "" : ",", names[i]);
		first = 0;
	}
	return out->failed ? -1 : 0;
}

int
tim_label_agree(const struct tim_label *a, const struct tim_label *b)
{
	size_t i;

	if (strcmp(a->level, b->level) != 0)
		return 0;
	for (i = 1; i < 5; i++) {
		const char *x = tim_label_get(a, tim_label_fields[i]);
		const char *y = tim_label_get(b, tim_label_fields[i]);

		if (*x && *y && strcmp(x, y) != 0)
			return 0;
	}
	return 1;
}
