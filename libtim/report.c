#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/xmlwriter.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "report.h"
#include "util.h"
#include "version.h"
#include "banned.h"

#define BASELINE_MAX (64 << 20)

int
tim_report_init(struct tim_report *r, const struct tim_rule *rules,
    size_t nrules)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->rules = rules;
	r->nrules = nrules;
	r->severity = calloc(nrules ? nrules : 1, sizeof(*r->severity));
	if (r->severity == NULL)
		return -1;
	for (i = 0; i < nrules; i++)
		r->severity[i] = rules[i].severity;
	pthread_mutex_init(&r->lock, NULL);
	return 0;
}

void
tim_report_release(struct tim_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->f[i].path);
		free(r->f[i].message);
	}
	free(r->f);
	free(r->severity);
	pthread_mutex_destroy(&r->lock);
	memset(r, 0, sizeof(*r));
}

int
tim_report_rule_find(const struct tim_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->nrules; i++)
		if (strcmp(r->rules[i].id, id) == 0)
			return (int)i;
	return -1;
}

int
tim_utf8_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, k;

	while (*p) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 2;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 3;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 4;
		else
			return 0;
		for (k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				return 0;
		/* Overlong three- and four-byte forms and surrogates. */
		if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
		    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
			return 0;
		p += n;
	}
	return 1;
}

/* Length of the valid UTF-8 sequence at p (not a control character), or 0. */
static size_t
utf8_seq(const unsigned char *p)
{
	char one[5];
	size_t n, k;

	if (*p >= 0x20 && *p < 0x7f)
		return 1;
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4;
	else
		return 0;
	for (k = 0; k < n; k++) {
		if (p[k] == 0)
			return 0;
		one[k] = (char)p[k];
	}
	one[n] = '\0';
	return tim_utf8_clean(one) ? n : 0;
}

int
tim_path_display(struct tim_buf *out, const char *path)
{
	const unsigned char *p = (const unsigned char *)path;
	size_t n;

	while (*p) {
		n = utf8_seq(p);
		if (n == 0) {
			tim_buf_addf(out, "\\x%02x", *p);
			p++;
			continue;
		}
		tim_buf_add(out, p, n);
		p += n;
	}
	return out->failed ? -1 : 0;
}

int
tim_path_uri(struct tim_buf *out, const char *path)
{
	const unsigned char *p = (const unsigned char *)path;

	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL)
			tim_buf_addch(out, *p);
		else
			tim_buf_addf(out, "%%%02X", *p);
	}
	return out->failed ? -1 : 0;
}

static void
fingerprint(const char *rule, const char *path, const char *key, char out[65])
{
	struct tim_buf b = TIM_BUF_INIT;
	unsigned char md[TIM_SHA256_LEN];

	tim_buf_adds(&b, rule);
	tim_buf_addch(&b, '\n');
	tim_buf_adds(&b, path);
	tim_buf_addch(&b, '\n');
	tim_buf_adds(&b, key ? key : "");
	if (b.failed || tim_sha256(b.buf, b.len, md) < 0)
		memset(md, 0, sizeof(md));
	tim_hex(md, sizeof(md), out);
	tim_buf_release(&b);
}

int
tim_report_add(struct tim_report *r, size_t rule, const char *path,
    unsigned long line, const char *key, const char *fmt, ...)
{
	struct tim_buf msg = TIM_BUF_INIT, clean = TIM_BUF_INIT;
	struct tim_finding f;
	va_list ap;
	int ret = 0;

	if (rule >= r->nrules || r->severity[rule] == TIM_SEV_NONE)
		return 0;
	memset(&f, 0, sizeof(f));
	va_start(ap, fmt);
	tim_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	/* Messages quote names; keep them printable and valid UTF-8 everywhere. */
	if (!tim_utf8_clean(tim_buf_str(&msg)))
		tim_path_display(&clean, tim_buf_str(&msg));
	else
		tim_buf_adds(&clean, tim_buf_str(&msg));
	f.rule = rule;
	f.severity = r->severity[rule];
	f.line = line;
	f.path = strdup(path);
	f.message = tim_buf_detach(&clean, NULL);
	fingerprint(r->rules[rule].id, path, key, f.fingerprint);
	pthread_mutex_lock(&r->lock);
	if (f.path == NULL || f.message == NULL || msg.failed)
		ret = -1;
	else if (r->n == r->alloc) {
		size_t na = r->alloc ? 2 * r->alloc : 64;
		struct tim_finding *nf = realloc(r->f, na * sizeof(*nf));

		if (nf == NULL)
			ret = -1;
		else {
			r->f = nf;
			r->alloc = na;
		}
	}
	if (ret == 0)
		r->f[r->n++] = f;
	else
		r->failed = 1;
	pthread_mutex_unlock(&r->lock);
	if (ret < 0) {
		free(f.path);
		free(f.message);
	}
	tim_buf_release(&msg);
	tim_buf_release(&clean);
	return ret;
}

static int
cmp_finding(const void *a, const void *b)
{
	const struct tim_finding *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->fingerprint, y->fingerprint);
}

void
tim_report_sort(struct tim_report *r)
{
	if (r->n > 1)
		qsort(r->f, r->n, sizeof(*r->f), cmp_finding);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
tim_report_baseline_load(struct tim_report *r, const char *path,
    struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	json_error_t je;
	json_t *root = NULL, *arr, *v;
	const char **fps = NULL;
	size_t i, n = 0;
	int ret = -1;

	if (tim_read_file(path, BASELINE_MAX, 0, &b, err) < 0)
		return -1;
	root = json_loadb(b.buf, b.len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		tim_errorf(err, 0, _("baseline '%s' line %d: %s"), path, je.line, je.text);
		goto out;
	}
	arr = json_object_get(root, "fingerprints");
	if (!json_is_array(arr)) {
		tim_errorf(err, 0, _("baseline '%s' has no \"fingerprints\" array"), path);
		goto out;
	}
	fps = calloc(json_array_size(arr) + 1, sizeof(*fps));
	if (fps == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	json_array_foreach(arr, i, v) {
		const char *s = json_is_string(v) ? json_string_value(v) :
		    json_string_value(json_object_get(v, "fingerprint"));

		if (s == NULL || strlen(s) != 64) {
			tim_errorf(err, 0, _("baseline '%s': entry %zu is not a fingerprint"), path, i + 1);
			goto out;
		}
		fps[n++] = s;
	}
	qsort(fps, n, sizeof(*fps), cmp_str);
	r->baselined = 0;
	for (i = 0; i < r->n; i++) {
		const char *key = r->f[i].fingerprint;

		r->f[i].baselined = n > 0 && bsearch(&key, fps, n, sizeof(*fps), cmp_str) != NULL;
		r->baselined += (size_t)r->f[i].baselined;
	}
	ret = 0;
out:
	free(fps);
	json_decref(root);
	tim_buf_release(&b);
	return ret;
}

int
tim_report_baseline_write(const struct tim_report *r, const char *path,
    struct tim_err *err)
{
	struct tim_buf text = TIM_BUF_INIT, shown = TIM_BUF_INIT;
	json_t *root, *arr;
	size_t i;
	int ret = -1;

	root = json_pack("{s:s, s:i, s:[]}", "tim", "check-baseline", "v", 1, "fingerprints");
	arr = root ? json_object_get(root, "fingerprints") : NULL;
	for (i = 0; arr && i < r->n; i++) {
		const struct tim_finding *f = &r->f[i];

		tim_buf_reset(&shown);
		tim_path_display(&shown, f->path);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "fingerprint",
		    f->fingerprint, "rule", r->rules[f->rule].id, "path", tim_buf_str(&shown)));
	}
	if (arr == NULL || tim_json_dump(&text, root) < 0 || tim_buf_addch(&text, '\n') < 0) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto out;
	}
	if (tim_write_replace(path, 0644, text.buf, text.len, err) < 0)
		goto out;
	ret = 0;
out:
	json_decref(root);
	tim_buf_release(&text);
	tim_buf_release(&shown);
	return ret;
}

int
tim_report_worst(const struct tim_report *r)
{
	int worst = TIM_SEV_NONE;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!r->f[i].baselined && r->f[i].severity > worst)
			worst = r->f[i].severity;
	return worst;
}

size_t
tim_report_count(const struct tim_report *r, int severity)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		if (!r->f[i].baselined && (severity == TIM_SEV_NONE || r->f[i].severity == severity))
			n++;
	return n;
}

const char *
tim_severity_name(int sev)
{
	switch (sev) {
	case TIM_SEV_ERROR: return "error";
	case TIM_SEV_WARNING: return "warning";
	case TIM_SEV_NOTE: return "note";
	default: return "none";
	}
}

int
tim_severity_parse(const char *s)
{
	if (strcmp(s, "error") == 0)
		return TIM_SEV_ERROR;
	if (strcmp(s, "warning") == 0)
		return TIM_SEV_WARNING;
	if (strcmp(s, "note") == 0)
		return TIM_SEV_NOTE;
	if (strcmp(s, "none") == 0 || strcmp(s, "off") == 0)
		return TIM_SEV_NONE;
	return -1;
}

int
tim_report_format_parse(const char *s)
{
	static const char *names[] = { "text", "json", "sarif", "junit" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* Text: grouped by rule in table order, the summary last. */
static int
write_text(const struct tim_report *r, const struct tim_report_opts *o, FILE *f)
{
	static const char *colour[] = { "", "\033[36m", "\033[33m", "\033[31m" };
	struct tim_buf shown = TIM_BUF_INIT;
	const char *on, *off = o->color ? "\033[0m" : "", *bold = o->color ? "\033[1m" : "";
	size_t rule, i, shown_rules = 0;

	for (rule = 0; rule < r->nrules; rule++) {
		const struct tim_rule *ru = &r->rules[rule];
		size_t n = 0;

		for (i = 0; i < r->n; i++)
			if (r->f[i].rule == rule && !r->f[i].baselined)
				n++;
		if (n == 0)
			continue;
		on = o->color ? colour[r->severity[rule]] : "";
		fprintf(f, "%s%s%s%s [%s%s%s] %s (%s)\n", shown_rules++ ? "\n" : "",
		    bold, ru->id, off, on, tim_severity_name(r->severity[rule]), off,
		    _(ru->title), ru->clause);
		for (i = 0; i < r->n; i++) {
			const struct tim_finding *fi = &r->f[i];

			if (fi->rule != rule || fi->baselined)
				continue;
			tim_buf_reset(&shown);
			tim_path_display(&shown, fi->path);
			if (fi->line)
				fprintf(f, "  %s:%lu: %s\n", tim_buf_str(&shown), fi->line, fi->message);
			else
				fprintf(f, "  %s: %s\n", tim_buf_str(&shown), fi->message);
		}
		fprintf(f, "  %s%s%s\n", o->color ? "\033[2m" : "", _(ru->help), off);
	}
	tim_buf_release(&shown);
	if (!o->quiet) {
		if (shown_rules)
			fputc('\n', f);
		fprintf(f, _("files checked: %zu; errors: %zu, warnings: %zu, notes: %zu"),
		    r->checked, tim_report_count(r, TIM_SEV_ERROR),
		    tim_report_count(r, TIM_SEV_WARNING), tim_report_count(r, TIM_SEV_NOTE));
		if (r->baselined)
			fprintf(f, _("; accepted by the baseline: %zu"), r->baselined);
		fputc('\n', f);
	}
	return 0;
}

/* The path as JSON wants it: exact when clean, else escaped plus raw bytes. */
static void
set_path(json_t *o, const char *key, const char *path)
{
	struct tim_buf b = TIM_BUF_INIT;

	if (tim_utf8_clean(path)) {
		json_object_set_new(o, key, json_string(path));
		return;
	}
	tim_path_display(&b, path);
	json_object_set_new(o, key, json_string(tim_buf_str(&b)));
	tim_buf_reset(&b);
	tim_base64_encode(&b, (const unsigned char *)path, strlen(path));
	json_object_set_new(o, "path_base64", json_string(tim_buf_str(&b)));
	tim_buf_release(&b);
}

static int
write_json(const struct tim_report *r, FILE *f)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < r->n; i++) {
		const struct tim_finding *fi = &r->f[i];
		const struct tim_rule *ru = &r->rules[fi->rule];
		json_t *o;

		if (fi->baselined)
			continue;
		o = json_pack("{s:s, s:s, s:s}", "rule", ru->id, "clause", ru->clause,
		    "severity", tim_severity_name(fi->severity));
		if (o == NULL)
			return -1;
		set_path(o, "path", fi->path);
		if (fi->line)
			json_object_set_new(o, "line", json_integer((json_int_t)fi->line));
		json_object_set_new(o, "message", json_string(fi->message));
		json_object_set_new(o, "fingerprint", json_string(fi->fingerprint));
		if (tim_json_print(f, o) < 0)
			ret = -1;
		json_decref(o);
	}
	return ret;
}

static const char *
sarif_level(int sev)
{
	return sev == TIM_SEV_ERROR ? "error" : sev == TIM_SEV_WARNING ? "warning" : "note";
}

static json_t *
sarif_rules(const struct tim_report *r)
{
	json_t *rules = json_array();
	size_t i;

	for (i = 0; i < r->nrules; i++) {
		const struct tim_rule *ru = &r->rules[i];
		struct tim_buf md = TIM_BUF_INIT;
		json_t *o;

		tim_buf_addf(&md, "**%s** (%s)\n\n%s", _(ru->title), ru->clause, _(ru->help));
		o = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s}, s:{s:s}, s:{s:[s, s], s:s, s:s}}",
		    "id", ru->id, "name", ru->name,
		    "shortDescription", "text", _(ru->title),
		    "fullDescription", "text", _(ru->help),
		    "help", "text", _(ru->help), "markdown", tim_buf_str(&md),
		    "defaultConfiguration", "level", sarif_level(ru->severity),
		    "properties", "tags", "compliance", "tim", "clause", ru->clause,
		    "precision", "high");
		tim_buf_release(&md);
		if (o == NULL) {
			json_decref(rules);
			return NULL;
		}
		json_array_append_new(rules, o);
	}
	return rules;
}

static int
write_sarif(const struct tim_report *r, const struct tim_report_opts *o, FILE *f)
{
	struct tim_buf uri = TIM_BUF_INIT;
	json_t *doc, *run, *results, *rules;
	size_t i;
	int ret = -1;

	rules = sarif_rules(r);
	results = json_array();
	if (rules == NULL || results == NULL) {
		json_decref(rules);
		json_decref(results);
		return -1;
	}
	for (i = 0; i < r->n; i++) {
		const struct tim_finding *fi = &r->f[i];
		json_t *res, *region;

		if (fi->baselined)
			continue;
		tim_buf_reset(&uri);
		tim_path_uri(&uri, fi->path);
		region = json_pack("{s:I}", "startLine", (json_int_t)(fi->line ? fi->line : 1));
		res = json_pack("{s:s, s:I, s:s, s:{s:s}, s:[{s:{s:{s:s, s:s}, s:o}}], s:{s:s}}",
		    "ruleId", r->rules[fi->rule].id, "ruleIndex", (json_int_t)fi->rule,
		    "level", sarif_level(fi->severity), "message", "text", fi->message,
		    "locations", "physicalLocation", "artifactLocation", "uri",
		    tim_buf_str(&uri), "uriBaseId", "%SRCROOT%", "region", region,
		    "partialFingerprints", "timFingerprint/v1", fi->fingerprint);
		if (res == NULL)
			goto out;
		json_array_append_new(results, res);
	}
	run = json_pack("{s:{s:{s:s, s:s, s:s, s:s, s:o}}, s:o}",
	    "tool", "driver", "name", o->tool, "version", TIM_VERSION,
	    "semanticVersion", TIM_VERSION, "informationUri",
	    "https://www.meti.go.jp/policy/mono_info_service/mono/technology_management/",
	    "rules", rules, "results", results);
	rules = results = NULL;
	if (run == NULL)
		goto out;
	if (o->root) {
		tim_buf_reset(&uri);
		tim_buf_adds(&uri, "file://");
		tim_path_uri(&uri, o->root);
		if (uri.len == 0 || uri.buf[uri.len - 1] != '/')
			tim_buf_addch(&uri, '/');
		json_object_set_new(run, "originalUriBaseIds",
		    json_pack("{s:{s:s}}", "%SRCROOT%", "uri", tim_buf_str(&uri)));
	}
	doc = json_pack("{s:s, s:s, s:[o]}", "$schema",
	    "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0",
	    "runs", run);
	if (doc == NULL)
		goto out;
	ret = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
	    fputc('\n', f) == EOF ? -1 : 0;
	json_decref(doc);
out:
	json_decref(rules);
	json_decref(results);
	tim_buf_release(&uri);
	return ret;
}

static int
junit_count(xmlTextWriterPtr w, const char *attr, size_t n)
{
	char num[32];

	snprintf(num, sizeof(num), "%zu", n);
	return xmlTextWriterWriteAttribute(w, BAD_CAST attr, BAD_CAST num) < 0;
}

static int
junit_case(xmlTextWriterPtr w, const struct tim_junit_case *c)
{
	int rc = 0;

	rc |= xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST c->classname) < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST c->name) < 0;
	if (c->status != TIM_JUNIT_PASS) {
		rc |= xmlTextWriterStartElement(w, BAD_CAST (c->status == TIM_JUNIT_FAILURE ?
		    "failure" : "skipped")) < 0;
		rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST c->message) < 0;
		if (c->type)
			rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST c->type) < 0;
		if (c->text)
			rc |= xmlTextWriterWriteString(w, BAD_CAST c->text) < 0;
		rc |= xmlTextWriterEndElement(w) < 0;
	}
	if (c->output) {
		rc |= xmlTextWriterStartElement(w, BAD_CAST "system-out") < 0;
		rc |= xmlTextWriterWriteString(w, BAD_CAST c->output) < 0;
		rc |= xmlTextWriterEndElement(w) < 0;
	}
	rc |= xmlTextWriterEndElement(w) < 0;
	return rc;
}

/* The <testsuites> and <testsuite> heads, which both carry the counts. */
static int
junit_head(xmlTextWriterPtr w, const char *suite, size_t n, size_t failures,
    size_t skipped)
{
	char now[21];
	int rc = 0;

	tim_now_rfc3339(now);
	rc |= xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0;
	rc |= xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST suite) < 0;
	rc |= junit_count(w, "tests", n);
	rc |= junit_count(w, "failures", failures);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST suite) < 0;
	rc |= junit_count(w, "tests", n);
	rc |= junit_count(w, "failures", failures);
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST "0") < 0;
	rc |= junit_count(w, "skipped", skipped);
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "timestamp", BAD_CAST now) < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "hostname", BAD_CAST tim_hostname()) < 0;
	return rc;
}

int
tim_junit_write(FILE *f, const char *suite, const struct tim_junit_case *c,
    size_t n)
{
	xmlBufferPtr xb = xmlBufferCreate();
	xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
	size_t i, failures = 0, skipped = 0;
	int rc = 0;

	if (w == NULL) {
		if (xb)
			xmlBufferFree(xb);
		return -1;
	}
	for (i = 0; i < n; i++) {
		failures += c[i].status == TIM_JUNIT_FAILURE;
		skipped += c[i].status == TIM_JUNIT_SKIPPED;
	}
	xmlTextWriterSetIndent(w, 1);
	rc |= junit_head(w, suite, n, failures, skipped);
	for (i = 0; i < n && !rc; i++)
		rc |= junit_case(w, &c[i]);
	rc |= xmlTextWriterEndDocument(w) < 0;
	xmlFreeTextWriter(w);
	if (!rc && fwrite(xmlBufferContent(xb), 1, (size_t)xmlBufferLength(xb), f) !=
	    (size_t)xmlBufferLength(xb))
		rc = 1;
	xmlBufferFree(xb);
	return rc ? -1 : 0;
}

/* A rule's findings as the body of its failure, then what to do about them. */
static size_t
rule_findings(const struct tim_report *r, size_t rule, struct tim_buf *body)
{
	struct tim_buf shown = TIM_BUF_INIT;
	size_t i, n = 0;

	for (i = 0; i < r->n; i++) {
		const struct tim_finding *fi = &r->f[i];

		if (fi->rule != rule || fi->baselined)
			continue;
		n++;
		tim_buf_reset(&shown);
		tim_path_display(&shown, fi->path);
		if (fi->line)
			tim_buf_addf(body, "%s:%lu: %s\n", shown.buf, fi->line, fi->message);
		else
			tim_buf_addf(body, "%s: %s\n", shown.buf, fi->message);
	}
	if (n) {
		tim_buf_adds(body, _(r->rules[rule].help));
		tim_buf_addch(body, '\n');
	}
	tim_buf_release(&shown);
	return n;
}

/* JUnit: one testcase per rule switched on, a failure listing its findings. */
static int
write_junit(const struct tim_report *r, const struct tim_report_opts *o, FILE *f)
{
	struct tim_junit_case *c = calloc(r->nrules ? r->nrules : 1, sizeof(*c));
	struct tim_buf *text = calloc(3 * (r->nrules ? r->nrules : 1), sizeof(*text));
	size_t rule, n = 0, k;
	int rc = 0;

	for (rule = 0; c && text && rule < r->nrules; rule++) {
		const struct tim_rule *ru = &r->rules[rule];
		struct tim_buf *name = &text[3 * n], *msg = name + 1, *body = name + 2;
		size_t found;

		if (r->severity[rule] == TIM_SEV_NONE)
			continue;
		found = rule_findings(r, rule, body);
		tim_buf_addf(name, "%s: %s", ru->id, _(ru->title));
		tim_buf_addf(msg, _("%zu findings (%s)"), found, tim_severity_name(r->severity[rule]));
		rc |= name->failed || msg->failed || body->failed;
		c[n].classname = ru->clause;
		c[n].name = tim_buf_str(name);
		c[n].status = found ? TIM_JUNIT_FAILURE : TIM_JUNIT_PASS;
		c[n].message = tim_buf_str(msg);
		c[n].type = tim_severity_name(r->severity[rule]);
		c[n].text = tim_buf_str(body);
		n++;
	}
	if (c == NULL || text == NULL || rc)
		rc = -1;
	else
		rc = tim_junit_write(f, o->tool, c, n);
	for (k = 0; text && k < 3 * n; k++)
		tim_buf_release(&text[k]);
	free(text);
	free(c);
	return rc;
}

int
tim_report_write(const struct tim_report *r, const struct tim_report_opts *o,
    FILE *f, struct tim_err *err)
{
	int rc;

	switch (o->format) {
	case TIM_FORMAT_JSON: rc = write_json(r, f); break;
	case TIM_FORMAT_SARIF: rc = write_sarif(r, o, f); break;
	case TIM_FORMAT_JUNIT: rc = write_junit(r, o, f); break;
	default: rc = write_text(r, o, f); break;
	}
	if (rc < 0 || fflush(f) != 0 || ferror(f))
		return tim_errorf(err, errno, _("cannot write the report"));
	return 0;
}
