#ifndef TIM_LABEL_H
#define TIM_LABEL_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tim_buf;
struct tim_config;
struct tim_err;

/*
 * Labels (告示 I 第二 1): a level from an ordered scheme plus optional
 * attributes. The scheme comes from [label] in tim.conf:
 *
 *	[label]
 *	levels = 極秘,秘,社外秘,社内限	; highest first
 *	name-template = 【%s】		; file name prefix
 *	msip-guid = <GUID>		; adds MSIP_Label_<GUID>_* to Office files
 *	msip-guid.極秘 = <GUID>		; the GUID of one level's Purview label
 *	msip-tenant = <GUID>		; MSIP_Label_*_SiteId
 *	msip-method = Standard		; or Privileged
 *	lang = ja			; or en: the visible text's wording
 *	text-template = 【{level}】| 管理部署: {owner}
 *					; the text shown in headers, footers and boxes
 */

#define TIM_LABEL_LEVELS_MAX	16
#define TIM_LABEL_LEVEL_MAX	64	/* bytes of a level, NUL included */
#define TIM_LABEL_VALUE_MAX	256	/* bytes of owner, entrusted, id */

struct tim_label_scheme {
	char levels[TIM_LABEL_LEVELS_MAX][TIM_LABEL_LEVEL_MAX];	/* highest first */
	size_t n;
	char name_pre[64];	/* name template split at its %s */
	char name_post[64];
	char msip_guid[40];	/* "" when not configured */
	char dflt[TIM_LABEL_LEVEL_MAX];	/* level marked when none is given */
	/* Added for Office and ODF documents (issue 12). */
	char text_tpl[512];	/* the visible text's template: see tim_label_text */
	int lang_en;		/* [label] lang = en */
	char msip_guids[TIM_LABEL_LEVELS_MAX][40];	/* per level, "" = msip_guid */
	char msip_tenant[40];	/* "" when not configured */
	char msip_method[16];	/* "Standard" (default) or "Privileged" */
};

/* A label; empty strings are unset attributes. */
struct tim_label {
	char level[TIM_LABEL_LEVEL_MAX];
	char owner[TIM_LABEL_VALUE_MAX];
	char entrusted[TIM_LABEL_VALUE_MAX];
	char id[TIM_LABEL_VALUE_MAX];
	char until[11];		/* YYYY-MM-DD */
};

/* The default scheme: 極秘 > 秘 > 社外秘 > 社内限, names 【%s】, default 社外秘. */
void tim_label_scheme_default(struct tim_label_scheme *s);

/*
 * The default scheme changed by [label] levels, name-template, msip-guid and
 * default from cfg (which may be NULL). A bad setting is a usage error that
 * names it.
 */
int tim_label_scheme_load(struct tim_label_scheme *s,
    const struct tim_config *cfg, struct tim_err *err);

/* Parses "A,B,C" (highest first) into s->levels; levels must be distinct. */
int tim_label_scheme_set_levels(struct tim_label_scheme *s, const char *list,
    struct tim_err *err);

/* A name template holding exactly one %s and no '/'. */
int tim_label_scheme_set_template(struct tim_label_scheme *s,
    const char *tpl, struct tim_err *err);

/* 0 for the highest level, then 1, ...; -1 when level is not in the scheme. */
int tim_label_rank(const struct tim_label_scheme *s, const char *level);

/*
 * Orders two levels: > 0 when a is higher than b, 0 when equal, < 0 when
 * lower. A level outside the scheme is lower than every level in it.
 */
int tim_label_compare(const struct tim_label_scheme *s, const char *a,
    const char *b);

void tim_label_clear(struct tim_label *l);
int tim_label_is_empty(const struct tim_label *l);
/*
 * 1 when two carriers agree: the same level, and no attribute set in both
 * with different values (one carrier may hold fewer attributes).
 */
int tim_label_agree(const struct tim_label *a, const struct tim_label *b);

/* 1 when every field is equal. */
int tim_label_equal(const struct tim_label *a, const struct tim_label *b);

/*
 * Sets one field by name ("level", "owner", "entrusted", "id", "until").
 * The value must be valid UTF-8 without control characters, "-->" or "*"
 * "/", fit the field, and for until be a real date YYYY-MM-DD.
 */
int tim_label_set(struct tim_label *l, const char *field, const char *value,
    struct tim_err *err);

/* Checks every field, and that the level is in the scheme. */
int tim_label_validate(const struct tim_label_scheme *s,
    const struct tim_label *l, struct tim_err *err);

/* The names of the fields, in order, and a field's value by name. */
extern const char *const tim_label_fields[5];
const char *tim_label_get(const struct tim_label *l, const char *field);

/* The level as the name template shows it: 【社外秘】. */
int tim_label_format_level(const struct tim_label_scheme *s,
    const char *level, struct tim_buf *out);

/*
 * One line for people and text headers: "【社外秘】 owner=設計部 id=X".
 * Values holding spaces, quotes or backslashes are quoted with \-escapes.
 */
int tim_label_format(const struct tim_label_scheme *s,
    const struct tim_label *l, struct tim_buf *out);

/*
 * The text shown inside documents (headers, footers, text boxes) from the
 * scheme's template: parts separated by '|', each with fields {level},
 * {owner}, {entrusted}, {id}, {until}; a part whose fields are all empty is
 * left out. The default reads "【極秘】 管理部署: 設計部" (lang = en:
 * "[極秘] Owner: 設計部").
 */
int tim_label_text(const struct tim_label_scheme *s, const struct tim_label *l,
    struct tim_buf *out);

/* A template as tim_label_text takes it: known fields, {level} present. */
int tim_label_scheme_set_text_template(struct tim_label_scheme *s,
    const char *tpl, struct tim_err *err);

/*
 * The Purview label GUID of level: its own msip-guid.LEVEL, else msip-guid,
 * else "". The level of a GUID (into level, TIM_LABEL_LEVEL_MAX bytes): 1,
 * or 0 when no level has it.
 */
const char *tim_label_msip_guid(const struct tim_label_scheme *s,
    const char *level);
int tim_label_msip_level(const struct tim_label_scheme *s, const char *guid,
    char *level);

/*
 * Parses exactly what tim_label_format writes (len bytes, no newline). 1
 * and the label when the text is a label line of this scheme, 0 when it is
 * not (anything else: a person's own first line).
 */
int tim_label_parse(const struct tim_label_scheme *s, const char *text,
    size_t len, struct tim_label *out);

/*
 * Length of a label prefix at the start of name (【社外秘】), compared in NFC
 * and NFD, 0 when there is none; the level goes to level (which holds
 * TIM_LABEL_LEVEL_MAX bytes) when not NULL.
 */
size_t tim_label_name_prefix(const struct tim_label_scheme *s,
    const char *name, size_t len, char *level);

/*
 * Composes Japanese kana followed by a combining (semi-)voiced sound mark
 * (U+3099, U+309A) into the precomposed character, in place; returns the new
 * length. This is the part of NFC that matters for Japanese file names made
 * on macOS; tim has no full Unicode normalisation.
 */
size_t tim_label_nfc_kana(char *s, size_t len);

/* Carriers, as bits. */
enum {
	TIM_CARRIER_NAME = 1 << 0,	/* file name prefix */
	TIM_CARRIER_XATTR = 1 << 1,	/* user.tim.* extended attributes */
	TIM_CARRIER_CONTENT = 1 << 2,	/* inside the file: text, Office, ODF, PDF */
	TIM_CARRIER_FOLDER = 1 << 3,	/* .timlabel in the folder or above */
	/*
	 * A folder's name: 【社外秘】図面 labels the folder and everything
	 * below it (改定案 I 第2 2). tim-mark renames a folder only when asked.
	 */
	TIM_CARRIER_FOLDER_NAME = 1 << 4
};
#define TIM_CARRIERS_DEFAULT \
	(TIM_CARRIER_NAME | TIM_CARRIER_XATTR | TIM_CARRIER_CONTENT)
#define TIM_CARRIERS_ALL \
	(TIM_CARRIERS_DEFAULT | TIM_CARRIER_FOLDER | TIM_CARRIER_FOLDER_NAME)
#define TIM_CARRIER_COUNT 5

/* "name,xattr,content,folder,folder-name" into bits; "all" is every carrier. */
int tim_label_carriers_parse(const char *list, int *out, struct tim_err *err);
/* The bits as "name,xattr" into out. */
int tim_label_carriers_format(int carriers, struct tim_buf *out);

/* What one carrier says about a file. */
struct tim_label_found {
	int carrier;		/* one TIM_CARRIER_* bit */
	char kind[16];		/* "name", "xattr", "text", "docx", ..., "folder", "folder-name" */
	int known;		/* the level is in the scheme */
	int inherited;		/* folder: from a .timlabel above, not the file's own */
	struct tim_label label;
	char where[4096];	/* folder: the .timlabel that applies */
};

#define TIM_LABEL_FOUND_MAX 8

/* Everything tim_label_read learned about one file. */
struct tim_label_report {
	struct tim_label_found found[TIM_LABEL_FOUND_MAX];
	size_t n;
	int marked;		/* a carrier of the file itself carries a label */
	int inherited;		/* a .timlabel above applies (found[] has it) */
	int disagree;		/* carriers differ in level or an attribute */
	struct tim_label effective;	/* the highest level found, own or inherited */
	char content[16];	/* content type: "text", "docx", ..., "other", "" */
	char note[256];		/* why the content carrier was not read, or "" */
	char warning[1024];	/* a carrier that could not be read (xattr ENOTSUP) */
	off_t size;
	time_t mtime;
	int is_dir;
	/*
	 * A carrier that has a place for a label but could not be read (an
	 * encrypted or damaged document): why, or "". The other carriers are
	 * still read and reported.
	 */
	char unreadable[1024];
	int unreadable_bits;	/* those carriers, as TIM_CARRIER_* bits */
};

/*
 * Reads the label of path from the carriers asked for (bits), without
 * following a symlink at path. Returns 0 and fills out (out->marked tells
 * whether the file is marked), or -1 when the file itself cannot be
 * reached (missing, a symbolic link, not a file or folder). A content
 * carrier that cannot be read (encrypted, damaged, hostile document) does
 * not hide the others: its reason goes to out->unreadable.
 */
int tim_label_read(const struct tim_label_scheme *s, const char *path,
    int carriers, struct tim_label_report *out, struct tim_err *err);

/*
 * The nearest folder label over path: in each folder from path's own up to
 * the root, its .timlabel, else a label prefix in the folder's name
 * (【秘】図面). 1 and the label and where it was found (the .timlabel, or
 * the folder; where, wlen bytes), 0 when none applies.
 */
int tim_label_inherited(const struct tim_label_scheme *s, const char *path,
    struct tim_label *out, char *where, size_t wlen, struct tim_err *err);

#ifdef __cplusplus
}
#endif

#endif
