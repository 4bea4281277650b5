#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "util.h"
#include "wipe.h"
#include "wipe_state.h"
#include "wiperecord.h"
#include "banned.h"

json_t *
tim_wipe_state_json(const struct tim_wipe_state *st)
{
	const struct tim_wipe_job *j = st->job;
	json_t *s;

	s = json_pack("{s:s, s:i, s:s, s:s, s:O*, s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:I, s:O, s:O*, s:o, s:O, s:s}",
	    "tim", "wipe-state", "v", 1,
	    "target", st->target ? st->target : "",
	    "type", st->type ? st->type : "none",
	    "identity", st->identity,
	    "method", st->method->spec, "method_name", st->method->name,
	    "verify", tim_wipe_verify_name(st->verify),
	    "pass", (json_int_t)(j ? j->stop_pass : 0),
	    "phase", j && j->stop_phase == TIM_PHASE_VERIFY ? "verify" : "write",
	    "offset", (json_int_t)(j ? j->stop_offset : 0),
	    "started", st->started,
	    "bytes_written", (json_int_t)(j ? j->bytes_written + st->written_before : 0),
	    "items", st->items,
	    "current_item", st->current_item,
	    "bad_ranges", j ? tim_wipe_ranges_json(&j->bad) : json_array(),
	    "remaining", st->remaining,
	    "note", "the keystream key is never stored: a random pass that is verified restarts from its beginning with a new key");
	if (s && st->options)
		json_object_set(s, "options", st->options);
	return s;
}

/* Makes the directory chain, private: it says what was being erased. */
static void
make_dirs(struct tim_buf *p)
{
	size_t i;

	for (i = 1; i < p->len; i++)
		if (p->buf[i] == '/') {
			p->buf[i] = '\0';
			(void)mkdir(p->buf, 0700);
			p->buf[i] = '/';
		}
	(void)mkdir(p->buf, 0700);
}

int
tim_wipe_state_path(const char *target, struct tim_buf *out)
{
	const char *base = strrchr(target, '/'), *xdg, *home;
	char now[21];
	size_t i, start;

	tim_buf_reset(out);
	xdg = getenv("XDG_STATE_HOME");
	home = getenv("HOME");
	if (xdg && *xdg == '/')
		tim_buf_addf(out, "%s/tim", xdg);
	else if (home && *home == '/')
		tim_buf_addf(out, "%s/.local/state/tim", home);
	else
		tim_buf_adds(out, ".");
	if (out->failed)
		return -1;
	make_dirs(out);
	tim_now_rfc3339(now);
	tim_buf_adds(out, "/wipe-");
	start = out->len;
	tim_buf_adds(out, base ? base + 1 : target);
	for (i = start; !out->failed && i < out->len; i++)
		if (!((out->buf[i] >= 'a' && out->buf[i] <= 'z') ||
		    (out->buf[i] >= 'A' && out->buf[i] <= 'Z') ||
		    (out->buf[i] >= '0' && out->buf[i] <= '9')))
			out->buf[i] = '_';
	tim_buf_addf(out, "-%.4s%.2s%.2s%.2s%.2s%.2s.json", now, now + 5,
	    now + 8, now + 11, now + 14, now + 17);
	return out->failed ? -1 : 0;
}

int
tim_wipe_state_write(const char *path, const json_t *state, int replace,
    struct tim_err *err)
{
	struct tim_buf tmp = TIM_BUF_INIT, text = TIM_BUF_INIT;
	char *dump = json_dumps(state, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int rc = -1;

	tim_buf_addf(&tmp, "%s.tmp", path);
	if (dump == NULL || tim_buf_adds(&text, dump) < 0 || tim_buf_addch(&text, '\n') < 0 ||
	    tmp.failed) {
		tim_errorf(err, 0, _("cannot record where the run stopped: out of memory"));
		goto out;
	}
	(void)unlink(tmp.buf);
	if (tim_write_new_file(tmp.buf, 0600, text.buf, text.len, err) < 0)
		goto out;
	if (renameat2(AT_FDCWD, tmp.buf, AT_FDCWD, path, replace ? 0 : RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			tim_errorf(err, 0, _("'%s' already exists; not overwriting it"), path);
		else
			tim_errorf(err, errno, _("cannot write '%s'"), path);
		(void)unlink(tmp.buf);
		goto out;
	}
	rc = 0;
out:
	free(dump);
	tim_buf_release(&tmp);
	tim_buf_release(&text);
	return rc;
}

json_t *
tim_wipe_state_load(const char *path, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	json_error_t je;
	json_t *s;
	const char *k;

	if (tim_read_file(path, 1 << 20, 0, &b, err) < 0)
		return NULL;
	s = json_loadb(b.buf ? b.buf : "", b.len, JSON_REJECT_DUPLICATES, &je);
	tim_buf_release(&b);
	if (s == NULL || !json_is_object(s)) {
		json_decref(s);
		tim_errorf(err, 0, _("'%s' is not a tim-wipe state file: %s"), path,
		    s ? "" : je.text);
		return NULL;
	}
	k = json_string_value(json_object_get(s, "tim"));
	if (k == NULL || strcmp(k, "wipe-state") != 0 ||
	    json_integer_value(json_object_get(s, "v")) != 1 ||
	    !json_is_string(json_object_get(s, "target")) ||
	    !json_is_string(json_object_get(s, "method")) ||
	    !json_is_integer(json_object_get(s, "pass")) ||
	    !json_is_integer(json_object_get(s, "offset")) ||
	    !json_is_string(json_object_get(s, "phase"))) {
		json_decref(s);
		tim_errorf(err, 0, _("'%s' is not a tim-wipe state file"), path);
		return NULL;
	}
	return s;
}

void
tim_wipe_state_resume(const json_t *state, struct tim_wipe_job *j,
    uint64_t *written_before)
{
	const char *phase = json_string_value(json_object_get(state, "phase"));
	json_t *a = json_object_get(state, "bad_ranges"), *v;
	size_t i;

	j->start_pass = (size_t)json_integer_value(json_object_get(state, "pass"));
	j->start_phase = phase && strcmp(phase, "verify") == 0 ? TIM_PHASE_VERIFY : TIM_PHASE_WRITE;
	j->start_offset = (uint64_t)json_integer_value(json_object_get(state, "offset"));
	*written_before = (uint64_t)json_integer_value(json_object_get(state, "bytes_written"));
	if (j->start_pass > j->method->npasses)
		j->start_pass = j->method->npasses;
	if (j->start_offset > j->size)
		j->start_offset = j->size;
	if (j->start_offset % (j->align ? j->align : 1))
		j->start_offset -= j->start_offset % j->align;
	json_array_foreach(a, i, v)
		tim_wipe_ranges_add(&j->bad, (uint64_t)json_integer_value(json_array_get(v, 0)),
		    (uint64_t)json_integer_value(json_array_get(v, 1)));
}
