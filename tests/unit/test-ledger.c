/*
 * libtim ledger_*.c through its API: create, append, batch, JSON lines,
 * read, verify, checkpoint, proofs, repair.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "ledger.h"
#include "ledger_json.h"
#include "merkle.h"
#include "note.h"
#include "util.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/tim-test-ledger-XXXXXX";

static const char *
path(const char *name)
{
	static char p[2][256];
	static int i;

	i = !i;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void
write_file(const char *name, const char *data, size_t len)
{
	int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

static size_t
count_lines(const char *name)
{
	FILE *f = fopen(path(name), "r");
	size_t n = 0;
	int c;

	if (f == NULL)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int
record(const char *name, const char *kind, const char *json, uint64_t *seq,
    struct tim_err *err)
{
	json_t *f = json_loads(json, 0, NULL);
	int r;

	if (f == NULL)
		abort();
	r = tim_ledger_record(path(name), kind, f, TIM_LEDGER_NOSYNC, seq, err);
	json_decref(f);
	return r;
}

static int
check(const char *kind, const char *json, struct tim_err *err)
{
	json_t *f = json_loads(json, 0, NULL);
	int r;

	tim_err_clear(err);
	r = tim_ledger_check_fields(kind, f, err);
	json_decref(f);
	return r;
}

static void
test_fields(void)
{
	struct tim_err err;
	const struct tim_ledger_kind *k;
	int n = 0, named = 1;

	for (k = tim_ledger_kinds; k->name; k++) {
		n++;
		named &= tim_ledger_kind_find(k->name) == k && k->required[0] != NULL &&
		    k->what != NULL && k->clause != NULL;
	}
	is_int(n, 16, "16 kinds");
	ok(named, "each found by name, with required fields, text and clause");
	ok(tim_ledger_kind_find("repair") != NULL && tim_ledger_kind_find("Copy") == NULL &&
	    tim_ledger_kind_find("") == NULL, "names are exact");

	ok(tim_ledger_field_ok("item") && tim_ledger_field_ok("a") && tim_ledger_field_ok("a_1") &&
	    tim_ledger_field_ok("x234567890123456789012345678901234567890123456789012345678901234"),
	    "valid field names, up to 64 bytes");
	ok(!tim_ledger_field_ok("") && !tim_ledger_field_ok("Item") && !tim_ledger_field_ok("1a") &&
	    !tim_ledger_field_ok("_a") && !tim_ledger_field_ok("a-b") && !tim_ledger_field_ok("a b") &&
	    !tim_ledger_field_ok("ä") &&
	    !tim_ledger_field_ok("x2345678901234567890123456789012345678901234567890123456789012345"),
	    "invalid names and 65 bytes are refused");
	ok(!tim_ledger_field_ok("seq") && !tim_ledger_field_ok("time") && !tim_ledger_field_ok("kind") &&
	    !tim_ledger_field_ok("actor") && !tim_ledger_field_ok("host") && !tim_ledger_field_ok("prev"),
	    "reserved names are refused");

	ok(check("copy", "{\"item\":\"a\",\"to\":\"b\",\"extra\":1}", &err) == 0, "a full copy record");
	ok(check("copy", "{\"item\":\"a\"}", &err) < 0 && err.kind == TIM_ERR_INVALID &&
	    strstr(err.msg, "'to'"), "a missing field is a usage error naming it");
	ok(check("copy", "{\"item\":\"\",\"to\":\"b\"}", &err) < 0 && strstr(err.msg, "'item'"),
	    "an empty string is missing");
	ok(check("copy", "{\"item\":null,\"to\":\"b\"}", &err) < 0 && strstr(err.msg, "'item'"),
	    "null is missing");
	ok(check("frob", "{}", &err) < 0 && err.kind == TIM_ERR_INVALID && strstr(err.msg, "'frob'"),
	    "an unknown kind names the kind");
	ok(check("note", "{\"text\":\"x\",\"seq\":1}", &err) < 0 && strstr(err.msg, "'seq'"),
	    "a reserved field names it");
	ok(check("note", "{\"text\":\"x\",\"Bad\":1}", &err) < 0 && strstr(err.msg, "'Bad'"),
	    "an invalid field names it");
	ok(check("note", "[\"text\"]", &err) < 0 && err.kind == TIM_ERR_INVALID, "fields must be an object");
	ok(check("note", "{\"text\":5}", &err) == 0, "a non-string value counts as given");
}

static void
test_create_append(void)
{
	struct tim_ledger_verify_result res;
	struct tim_err err;
	uint64_t seq = 0;
	json_t *h;

	ok(tim_ledger_create(path("a.tim"), "test/a", &err) == 0, "create");
	is_int(count_lines("a.tim"), 1, "a header line");
	h = json_load_file(path("a.tim"), JSON_DISABLE_EOF_CHECK, NULL);
	ok(json_is_object(h) && strcmp(json_string_value(json_object_get(h, "tim")), "ledger") == 0 &&
	    json_integer_value(json_object_get(h, "v")) == 1 &&
	    strcmp(json_string_value(json_object_get(h, "origin")), "test/a") == 0 &&
	    json_is_string(json_object_get(h, "created")), "the header has tim, v, origin, created");
	json_decref(h);
	ok(tim_ledger_create(path("a.tim"), "test/a", &err) < 0, "create never overwrites");
	ok(tim_ledger_create(path("b.tim"), "", &err) < 0 && err.kind == TIM_ERR_INVALID, "an empty origin");
	ok(tim_ledger_create(path("b.tim"), "a\nb", &err) < 0, "an origin with a newline");
	ok(tim_ledger_create(path("b.tim"), "\xff", &err) < 0, "an origin that is not UTF-8");
	ok(access(path("b.tim"), F_OK) < 0, "none of them created a file");

	ok(record("a.tim", "note", "{\"text\":\"one\"}", &seq, &err) == 0 && seq == 1, "record seq 1");
	ok(record("a.tim", "copy", "{\"item\":\"x\",\"to\":\"y\"}", &seq, &err) == 0 && seq == 2,
	    "record seq 2");
	ok(record("a.tim", "copy", "{\"item\":\"x\"}", &seq, &err) < 0 && err.kind == TIM_ERR_INVALID,
	    "a bad record is refused");
	ok(record("none.tim", "note", "{\"text\":\"x\"}", &seq, &err) < 0 && err.kind == TIM_ERR_SYSTEM &&
	    access(path("none.tim"), F_OK) < 0, "recording to a missing ledger fails and creates nothing");
	is_int(count_lines("a.tim"), 3, "two records");
	ok(tim_ledger_verify(path("a.tim"), NULL, &res, &err) == 0 && res.ok && res.lines == 3,
	    "verify: ok, 3 lines");
	is_str(res.origin, "test/a", "verify reports the origin");
}

static void
test_batch(void)
{
	struct tim_ledger_verify_result res;
	struct tim_ledger *l;
	struct tim_err err;
	json_t *f = json_pack("{s:s}", "text", "batch");
	uint64_t seq, first = 0, last = 0;
	int i, good = 1;

	tim_ledger_create(path("batch.tim"), "test/batch", &err);
	ok(tim_ledger_open(&l, path("batch.tim"), TIM_LEDGER_NOSYNC, &err) == 0, "open");
	ok(tim_ledger_add(l, "note", f, &seq, &err) < 0, "add without the lock fails");
	ok(tim_ledger_lock(l, &err) == 0, "lock");
	for (i = 0; i < 100; i++) {
		good &= tim_ledger_add(l, "note", f, &seq, &err) == 0;
		if (first == 0)
			first = seq;
		last = seq;
	}
	ok(good && first == 1 && last == 100, "100 adds number 1..100");
	ok(tim_ledger_pending(l) > 100 * 50, "pending bytes wait in memory");
	is_int(count_lines("batch.tim"), 1, "nothing written before flush");
	ok(tim_ledger_flush(l, &err) == 0 && tim_ledger_pending(l) == 0, "flush");
	tim_ledger_unlock(l);
	is_int(count_lines("batch.tim"), 101, "all written by flush");
	ok(tim_ledger_append(l, "note", f, &seq, &err) == 0 && seq == 101, "append continues at 101");
	tim_ledger_close(l);
	ok(tim_ledger_verify(path("batch.tim"), NULL, &res, &err) == 0 && res.ok && res.lines == 102,
	    "the batch verifies");
	json_decref(f);
}

static void
test_default_origin(void)
{
	struct tim_buf b = TIM_BUF_INIT, want = TIM_BUF_INIT;

	tim_buf_addf(&want, "%s/reg.tim", tim_hostname());
	ok(tim_ledger_default_origin("/srv/ledgers/reg.tim", &b) == 0, "default origin");
	is_str(tim_buf_str(&b), want.buf, "host name and the file's name");
	ok(tim_ledger_origin_ok(b.buf, b.len), "a valid origin");
	tim_buf_reset(&b);
	tim_ledger_default_origin("reg.tim", &b);
	is_str(tim_buf_str(&b), want.buf, "a name without a directory");
	tim_buf_release(&b);
	tim_buf_release(&want);
}

static void
test_fields_parse(void)
{
	char a0[] = "item=a=b", a1[] = "to=", a2[] = "note=設計部";
	char *args[] = { a0, a1, a2 };
	char bad0[] = "noeq", bad1[] = "=v", bad2[] = "Bad=1", bad3[] = "seq=1",
	    bad4[] = "text=\xff";
	char *bads[] = { bad0, bad1, bad2, bad3, bad4 };
	static const char *why[] = { "'noeq' is not FIELD=VALUE", "'=v' is not FIELD=VALUE",
	    "invalid field name 'Bad'", "invalid field name 'seq'", "the value of 'text' is not valid UTF-8" };
	struct tim_err err;
	json_t *o = json_object();
	int i;

	tim_err_clear(&err);
	ok(tim_ledger_fields_parse(3, args, o, &err) == 0, "FIELD=VALUE arguments parse");
	is_str(json_string_value(json_object_get(o, "item")), "a=b", "the value runs from the first '='");
	is_str(json_string_value(json_object_get(o, "to")), "", "an empty value is kept");
	is_str(json_string_value(json_object_get(o, "note")), "設計部", "UTF-8 values");
	is_str(a0, "item=a=b", "the arguments are left as they were");
	for (i = 0; i < 5; i++) {
		json_t *p = json_object();

		tim_err_clear(&err);
		ok(tim_ledger_fields_parse(1, &bads[i], p, &err) < 0 && err.kind == TIM_ERR_INVALID &&
		    strstr(err.msg, why[i]) != NULL && json_object_size(p) == 0,
		    "refused: %s", why[i]);
		json_decref(p);
	}
	json_decref(o);
}

/* Feeds text to tim_ledger_append_jsonl as its input stream. */
static int
jsonl(struct tim_ledger *l, const char *text, uint64_t *first, uint64_t *last,
    struct tim_err *err)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int r;

	if (in == NULL)
		abort();
	*first = *last = 0;
	tim_err_clear(err);
	r = tim_ledger_append_jsonl(l, in, first, last, err);
	fclose(in);
	return r;
}

static void
test_jsonl(void)
{
	struct tim_ledger_verify_result res;
	struct tim_ledger *l;
	struct tim_err err;
	uint64_t first, last;

	tim_ledger_create(path("j.tim"), "test/j", &err);
	ok(tim_ledger_open(&l, path("j.tim"), TIM_LEDGER_NOSYNC, &err) == 0, "open for JSON lines");
	ok(jsonl(l, "{\"kind\":\"note\",\"text\":\"a\"}\n\n{\"kind\":\"copy\",\"item\":\"x\",\"to\":\"y\"}\r\n",
	    &first, &last, &err) == 0 && first == 1 && last == 2,
	    "two records, an empty line skipped, CRLF taken");
	is_int(count_lines("j.tim"), 3, "both written");
	ok(jsonl(l, "{\"kind\":\"note\",\"text\":\"b\"}\n{\"kind\":\"frob\"}\n", &first, &last, &err) < 0 &&
	    err.kind == TIM_ERR_INVALID && strstr(err.msg, "stdin line 2") && strstr(err.msg, "'frob'") &&
	    first == 0, "a bad line names its number");
	is_int(count_lines("j.tim"), 3, "nothing of a bad batch is written");
	ok(jsonl(l, "nope\n", &first, &last, &err) < 0 && err.kind == TIM_ERR_SYSTEM &&
	    strstr(err.msg, "stdin line 1: not a JSON object"), "a line that is not JSON");
	ok(jsonl(l, "{\"text\":\"c\"}\n", &first, &last, &err) < 0 && err.kind == TIM_ERR_INVALID &&
	    strstr(err.msg, "no \"kind\""), "a record without its kind");
	ok(jsonl(l, "", &first, &last, &err) == 0 && first == 0, "no input, nothing written");
	tim_ledger_close(l);
	ok(tim_ledger_verify(path("j.tim"), NULL, &res, &err) == 0 && res.ok && res.lines == 3,
	    "the ledger verifies");
}

static void
test_proofs(void)
{
	struct tim_ledger_verify_result res;
	struct tim_ledger_proof p;
	struct tim_buf note = TIM_BUF_INIT;
	struct tim_signer s, other;
	struct tim_err err;
	char cps[300];
	int i;

	snprintf(cps, sizeof(cps), "%s", path("p.tim.checkpoints"));
	tim_err_clear(&err);
	tim_ledger_create(path("p.tim"), "test/p", &err);
	for (i = 0; i < 5; i++)
		record("p.tim", "note", "{\"text\":\"p\"}", NULL, &err);
	ok(tim_signer_generate(&s, "alice", &err) == 0 && tim_signer_generate(&other, "bob", &err) == 0,
	    "two keys");
	ok(tim_ledger_checkpoint(path("p.tim"), &s, &note, &res, &err) == 0 && res.ok &&
	    res.lines == 6 && note.len > 0 && note.buf[note.len - 1] == '\n',
	    "checkpoint signs a ledger that verifies");
	ok(count_lines("p.tim.checkpoints") >= 4, "the note is in LEDGER.checkpoints");
	for (i = 0; i < 3; i++)
		record("p.tim", "note", "{\"text\":\"q\"}", NULL, &err);

	ok(tim_ledger_prove(path("p.tim"), NULL, 2, &p, &err) == 0 && p.index == 2 && p.size == 9 &&
	    tim_merkle_verify_inclusion(p.leaf, 2, p.size, p.path, p.len, p.root) == 0,
	    "prove: record 2 in the whole tree, and the proof checks");
	ok(tim_ledger_prove(path("p.tim"), cps, 5, &p, &err) == 0 && p.size == 6 &&
	    tim_merkle_verify_inclusion(p.leaf, 5, 6, p.path, p.len, p.root) == 0,
	    "prove against the checkpoint's size");
	tim_err_clear(&err);
	ok(tim_ledger_prove(path("p.tim"), cps, 6, &p, &err) < 0 && err.kind == TIM_ERR_REFUSED &&
	    strstr(err.msg, "no record 6 in a tree of 6 lines"), "a record after the checkpoint");
	tim_err_clear(&err);
	ok(tim_ledger_prove(path("p.tim"), path("none"), 1, &p, &err) < 0 && err.kind == TIM_ERR_SYSTEM,
	    "a missing checkpoint file");

	ok(tim_ledger_consistency(cps, path("p.tim"), &s.v, &p, &err) == 0 && p.old_size == 6 &&
	    p.size == 9 && p.signature_checked &&
	    tim_merkle_verify_consistency(6, 9, p.old_root, p.root, p.path, p.len) == 0,
	    "consistency: the ledger grew from 6 to 9, and the proof checks");
	ok(tim_ledger_consistency(cps, path("p.tim"), NULL, &p, &err) == 0 && !p.signature_checked,
	    "without a key the signature is not checked");
	tim_err_clear(&err);
	ok(tim_ledger_consistency(cps, path("p.tim"), &other.v, &p, &err) < 0 &&
	    err.kind == TIM_ERR_REFUSED, "another key does not verify the checkpoint");
	tim_err_clear(&err);
	ok(tim_ledger_consistency(cps, path("j.tim"), NULL, &p, &err) < 0 &&
	    err.kind == TIM_ERR_REFUSED && strstr(err.msg, "origin 'test/p'"),
	    "a checkpoint of another ledger");

	write_file("pbad.tim", "{\"tim\":\"ledger\",\"v\":1,\"origin\":\"x\"}\n{\"seq\":2}\n",
	    strlen("{\"tim\":\"ledger\",\"v\":1,\"origin\":\"x\"}\n{\"seq\":2}\n"));
	tim_err_clear(&err);
	tim_buf_reset(&note);
	ok(tim_ledger_checkpoint(path("pbad.tim"), &s, &note, &res, &err) < 0 &&
	    err.kind == TIM_ERR_REFUSED && !res.ok && res.bad_line == 2 &&
	    strstr(err.msg, "refusing to sign"), "a ledger that does not verify is not signed");
	ok(access(path("pbad.tim.checkpoints"), F_OK) < 0, "and nothing is written");
	tim_buf_release(&note);
	tim_signer_release(&s);
	tim_signer_release(&other);
}

static void
test_keygen(void)
{
	struct tim_buf pub = TIM_BUF_INIT, pubpath = TIM_BUF_INIT, pub2 = TIM_BUF_INIT,
	    pubpath2 = TIM_BUF_INIT;
	struct tim_signer s;
	struct tim_verifier v;
	struct tim_err err;
	struct stat st;

	tim_err_clear(&err);
	ok(tim_ledger_keygen("alice", path("k.key"), &pub, &pubpath, &err) == 0, "keygen");
	is_str(pubpath.buf, path("k.key.pub"), "the verifier key goes next to it");
	ok(stat(path("k.key"), &st) == 0 && (st.st_mode & 0777) == 0600, "the secret key is 0600");
	ok(pub.len > 0 && pub.buf[pub.len - 1] == '\n' &&
	    tim_verifier_parse(&v, pub.buf, pub.len - 1, &err) == 0 && strcmp(v.name, "alice") == 0,
	    "pub is the verifier key's line");
	ok(tim_signer_load(&s, path("k.key"), &err) == 0 && memcmp(s.v.pub, v.pub, sizeof(v.pub)) == 0,
	    "the secret key loads and matches");
	tim_signer_release(&s);
	tim_err_clear(&err);
	ok(tim_ledger_keygen("alice", path("k.key"), &pub2, &pubpath2, &err) < 0, "never overwrites");
	tim_err_clear(&err);
	ok(tim_ledger_keygen("a b", path("k2.key"), &pub2, &pubpath2, &err) < 0 &&
	    err.kind == TIM_ERR_INVALID && access(path("k2.key"), F_OK) < 0, "a bad name writes nothing");
	tim_buf_release(&pub);
	tim_buf_release(&pubpath);
	tim_buf_release(&pub2);
	tim_buf_release(&pubpath2);
}

static void
test_reader(void)
{
	struct tim_ledger_reader *r;
	struct tim_err err;
	const char *line;
	size_t len;
	off_t off;
	int complete, got;
	char want[3][2] = { "a", "b", "c" };
	int i, good = 1;

	write_file("r1", "a\nbb\nc", 6);
	ok(tim_ledger_reader_open(&r, path("r1"), &err) == 0, "open a reader");
	got = tim_ledger_reader_next(r, &line, &len, &off, &complete, &err);
	ok(got == 1 && len == 1 && line[0] == 'a' && off == 0 && complete == 1, "line 1 at offset 0");
	got = tim_ledger_reader_next(r, &line, &len, &off, &complete, &err);
	ok(got == 1 && len == 2 && memcmp(line, "bb", 2) == 0 && off == 2 && complete == 1,
	    "line 2 at offset 2");
	got = tim_ledger_reader_next(r, &line, &len, &off, &complete, &err);
	ok(got == 1 && len == 1 && line[0] == 'c' && off == 5 && complete == 0,
	    "a last line without LF comes back incomplete");
	is_int(tim_ledger_reader_next(r, &line, &len, &off, &complete, &err), 0, "then the end");
	tim_ledger_reader_close(r);

	write_file("r2", "a\nb\nc\n", 6);
	tim_ledger_reader_open(&r, path("r2"), &err);
	tim_ledger_reader_snapshot(r, &err);
	for (i = 0; i < 3; i++) {
		got = tim_ledger_reader_next(r, &line, &len, &off, &complete, &err);
		good &= got == 1 && len == 1 && line[0] == want[i][0] && complete == 1 && off == 2 * i;
	}
	ok(good, "a file ending in LF gives three complete lines");
	/* What is appended after the snapshot is not read. */
	{
		int fd = open(path("r2"), O_WRONLY | O_APPEND);

		if (fd < 0 || write(fd, "d\n", 2) != 2)
			abort();
		close(fd);
	}
	is_int(tim_ledger_reader_next(r, &line, &len, &off, &complete, &err), 0,
	    "lines appended after the snapshot are not read");
	tim_ledger_reader_close(r);

	write_file("r3", "", 0);
	tim_ledger_reader_open(&r, path("r3"), &err);
	is_int(tim_ledger_reader_next(r, &line, &len, &off, &complete, &err), 0, "an empty file has no lines");
	tim_ledger_reader_close(r);
	ok(tim_ledger_reader_open(&r, path("missing"), &err) < 0 && err.errnum == ENOENT,
	    "a missing file fails with ENOENT");
	ok(tim_ledger_reader_open(&r, dir, &err) < 0, "a directory is not a ledger");
}

/* Lines across the reader's 4 MiB chunks keep their bytes and offsets. */
static void
test_reader_chunks(void)
{
	struct tim_ledger_reader *r;
	struct tim_err err;
	const char *line;
	size_t len, n = 0, total = 0;
	off_t off, expect = 0;
	int complete, good = 1;
	FILE *f = fopen(path("big"), "w");
	size_t i;

	if (f == NULL)
		abort();
	for (i = 0; i < 120000; i++)
		fprintf(f, "%0*zu\n", (int)(20 + i % 37), i);
	fclose(f);
	tim_ledger_reader_open(&r, path("big"), &err);
	while (tim_ledger_reader_next(r, &line, &len, &off, &complete, &err) == 1) {
		char want[64];

		snprintf(want, sizeof(want), "%0*zu", (int)(20 + n % 37), n);
		good &= complete == 1 && off == expect && len == strlen(want) &&
		    memcmp(line, want, len) == 0;
		expect += (off_t)len + 1;
		total += len + 1;
		n++;
	}
	tim_ledger_reader_close(r);
	ok(good && n == 120000, "120000 lines over several chunks (%zu bytes)", total);
}

static void
test_verify(void)
{
	struct tim_ledger_verify_opts o = { .keep_leaves = 1 };
	struct tim_ledger_verify_result res;
	struct tim_sha256 *h = tim_sha256_new();
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_err err;
	tim_hash leaf, root;
	uint64_t seq;
	FILE *f;
	char line[4096];
	int i, good = 1;

	tim_ledger_create(path("v.tim"), "test/v", &err);
	for (i = 0; i < 5; i++)
		record("v.tim", "note", "{\"text\":\"v\"}", &seq, &err);
	ok(tim_ledger_verify(path("v.tim"), &o, &res, &err) == 0 && res.ok && res.lines == 6 &&
	    res.leaves != NULL, "verify keeps the leaves");
	f = fopen(path("v.tim"), "r");
	for (i = 0; f && fgets(line, sizeof(line), f); i++) {
		tim_merkle_leaf(h, line, strlen(line) - 1, leaf);
		good &= memcmp(leaf, res.leaves[i], TIM_SHA256_LEN) == 0;
	}
	if (f)
		fclose(f);
	ok(good && i == 6, "each leaf is SHA-256(0x00 || line without LF)");
	tim_merkle_root_of(res.leaves, 6, root);
	ok(memcmp(root, res.root, TIM_SHA256_LEN) == 0, "the root is the tree of the leaves");
	free(res.leaves);

	/* A torn tail. */
	{
		int fd = open(path("v.tim"), O_WRONLY | O_APPEND);

		if (fd < 0 || write(fd, "{\"seq\":6", 8) != 8)
			abort();
		close(fd);
	}
	ok(tim_ledger_verify(path("v.tim"), NULL, &res, &err) == 0 && !res.ok && res.bad_line == 7 &&
	    strstr(res.reason, "torn") && res.lines == 6, "a torn tail: line 7, 6 complete lines");
	ok(record("v.tim", "note", "{\"text\":\"x\"}", &seq, &err) < 0, "append refuses a torn ledger");
	{
		size_t moved = 0;

		ok(tim_ledger_repair(path("v.tim"), TIM_LEDGER_NOSYNC, &moved, &seq, &err) == 0 &&
		    moved == 8 && seq == 6, "repair moves 8 bytes and records seq 6");
		ok(tim_ledger_verify(path("v.tim"), NULL, &res, &err) == 0 && res.ok && res.lines == 7,
		    "the repaired ledger verifies");
		ok(tim_ledger_repair(path("v.tim"), TIM_LEDGER_NOSYNC, &moved, &seq, &err) == 0 &&
		    moved == 0, "a second repair has nothing to do");
	}
	ok(tim_ledger_verify(path("missing.tim"), NULL, &res, &err) < 0 && err.errnum == ENOENT,
	    "a missing ledger is a system error");

	/* A file without a trailing newline whose only line is the header. */
	{
		const char hdr[] = "{\"tim\":\"ledger\",\"v\":1,\"origin\":\"o\",\"created\":\"2025-01-01T00:00:00Z\"}";

		write_file("nonl.tim", hdr, sizeof(hdr) - 1);
		ok(tim_ledger_verify(path("nonl.tim"), NULL, &res, &err) == 0 && !res.ok &&
		    res.bad_line == 1 && res.lines == 0, "a header without LF is a torn first line");
		write_file("hdr.tim", hdr, sizeof(hdr) - 1);
		{
			int fd = open(path("hdr.tim"), O_WRONLY | O_APPEND);

			if (fd < 0 || write(fd, "\n", 1) != 1)
				abort();
			close(fd);
		}
		ok(tim_ledger_verify(path("hdr.tim"), NULL, &res, &err) == 0 && res.ok && res.lines == 1,
		    "a header alone verifies");
		ok(record("hdr.tim", "note", "{\"text\":\"x\"}", &seq, &err) == 0 && seq == 1,
		    "and takes seq 1");
	}
	/* A line longer than TIM_LEDGER_READ_MAX comes back cut, and fails. */
	{
		int fd = open(path("long.tim"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || ftruncate(fd, TIM_LEDGER_READ_MAX + 4096) < 0)
			abort();
		close(fd);
		ok(tim_ledger_verify(path("long.tim"), NULL, &res, &err) == 0 && !res.ok &&
		    res.bad_line == 1 && strstr(res.reason, "longer than"),
		    "a line over %d bytes fails as too long (%s)", TIM_LEDGER_READ_MAX, res.reason);
	}
	tim_sha256_free(h);
	tim_buf_release(&b);
	{
		char *p = tim_ledger_checkpoints_path("/x/reg.tim");

		is_str(p, "/x/reg.tim.checkpoints", "the checkpoints file name");
		free(p);
	}
}

/*
 * A ledger of several reader chunks and parallel parts: the first problem
 * is reported whichever part or chunk finds it, with any thread count.
 */
struct big {
	char *data;
	size_t len, nlines;
	size_t *start;	/* offset of each line; start[nlines] = len */
};

static void
big_load(struct big *b, const char *name)
{
	struct tim_buf buf = TIM_BUF_INIT;
	struct tim_err err;
	size_t i, n = 0;

	if (tim_read_file(path(name), (size_t)1 << 30, 0, &buf, &err) < 0)
		abort();
	b->data = tim_buf_detach(&buf, &b->len);
	for (i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	b->nlines = n;
	b->start = malloc((n + 1) * sizeof(*b->start));
	if (b->start == NULL)
		abort();
	b->start[0] = 0;
	for (i = 0, n = 0; i < b->len; i++)
		if (b->data[i] == '\n')
			b->start[++n] = i + 1;
}

/* Writes the ledger with one byte of 1-based line changed (at column col). */
static void
big_write(const struct big *b, const char *name, const size_t *lines,
    const size_t *cols, const char *bytes, int nedits)
{
	char *copy = malloc(b->len);
	int i;

	if (copy == NULL)
		abort();
	memcpy(copy, b->data, b->len);
	for (i = 0; i < nedits; i++)
		copy[b->start[lines[i] - 1] + cols[i]] = bytes[i];
	write_file(name, copy, b->len);
	free(copy);
}

static void
test_big(void)
{
	struct tim_ledger_verify_result res;
	struct tim_ledger *l;
	struct tim_err err;
	struct big b;
	json_t *f = json_object();
	uint64_t seq;
	size_t i;
	int good = 1, t;
	static const char *threads[] = { "1", "2", "5" };
	char pad[260];

	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';

	tim_ledger_create(path("big.tim"), "test/big", &err);
	tim_ledger_open(&l, path("big.tim"), TIM_LEDGER_NOSYNC, &err);
	tim_ledger_lock(l, &err);
	for (i = 0; i < 24000 && good; i++) {
		json_object_set_new(f, "text", json_sprintf("record %zu %.*s", i, (int)(100 + i % 150),
		    pad));
		good = tim_ledger_add(l, "note", f, &seq, &err) == 0;
	}
	good = good && tim_ledger_flush(l, &err) == 0;
	tim_ledger_unlock(l);
	tim_ledger_close(l);
	json_decref(f);
	ok(good, "a ledger of 24000 records");
	big_load(&b, "big.tim");
	ok(b.nlines == 24001 && b.len > (size_t)5 << 20, "over 5 MiB: more than one read chunk (%zu bytes)", b.len);

	for (t = 0; t < 3; t++) {
		setenv("TIM_THREADS", threads[t], 1);
		ok(tim_ledger_verify(path("big.tim"), NULL, &res, &err) == 0 && res.ok &&
		    res.lines == 24001, "TIM_THREADS=%s: intact", threads[t]);
		if (t == 1) {
			/*
			 * a changed text byte (the 'r' of "record") breaks the link
			 * of the next line, and the changed line is the one named
			 */
			static const size_t at[] = { 2, 12000, 18001, 23999 };
			int k, fine = 1;

			for (k = 0; k < 4; k++) {
				size_t line = at[k], col;
				const char *q = memmem(b.data + b.start[line - 1],
				    b.start[line] - b.start[line - 1], "\"text\":\"r", 9);

				col = (size_t)(q - (b.data + b.start[line - 1])) + 8;
				big_write(&b, "edit.tim", &line, &col, "R", 1);
				fine &= tim_ledger_verify(path("edit.tim"), NULL, &res, &err) == 0 &&
				    !res.ok && res.bad_line == line && res.link_line == line + 1 &&
				    res.bad_offset == b.start[line - 1] && strstr(res.reason, "was changed");
			}
			ok(fine, "TIM_THREADS=%s: a changed line at 4 places is named, with its offset",
			    threads[t]);
		}
		{
			/* two problems: the earlier is reported */
			size_t lines[2] = { 21000, 3000 }, cols[2] = { 0, 0 };

			big_write(&b, "edit.tim", lines, cols, "[[", 2);
			ok(tim_ledger_verify(path("edit.tim"), NULL, &res, &err) == 0 && !res.ok &&
			    res.bad_line == 3000 && res.bad_offset == b.start[2999] &&
			    strstr(res.reason, "bad JSON"), "TIM_THREADS=%s: of two bad lines the first (%llu: %s)",
			    threads[t], (unsigned long long)res.bad_line, res.reason);
			if (t == 1) {
				lines[0] = 24001;
				lines[1] = 7345;
				big_write(&b, "edit.tim", lines, cols, "[[", 2);
				ok(tim_ledger_verify(path("edit.tim"), NULL, &res, &err) == 0 && !res.ok &&
				    res.bad_line == 7345, "TIM_THREADS=%s: also with the last line bad",
				    threads[t]);
			}
		}
	}
	unsetenv("TIM_THREADS");
	unlink(path("edit.tim"));
	free(b.data);
	free(b.start);
}

/* 4 processes x 500 records, each one lock, one write. */
static void
test_concurrent(void)
{
	struct tim_ledger_verify_result res;
	struct tim_err err;
	pid_t pids[4];
	int i, st, all_ok = 1;

	tim_ledger_create(path("c.tim"), "test/c", &err);
	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			json_t *f = json_object();
			int j, fails = 0;

			for (j = 0; j < 500; j++) {
				json_object_set_new(f, "text", json_sprintf("w%d-%d", i, j));
				fails += tim_ledger_record(path("c.tim"), "note", f, TIM_LEDGER_NOSYNC,
				    NULL, &err) < 0;
			}
			json_decref(f);
			_exit(fails ? 1 : 0);
		}
	}
	for (i = 0; i < 4; i++)
		all_ok &= waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	ok(all_ok, "4 writers x 500 records all succeed");
	is_int(count_lines("c.tim"), 2001, "2000 records and the header");
	ok(tim_ledger_verify(path("c.tim"), NULL, &res, &err) == 0 && res.ok && res.lines == 2001,
	    "the chain verifies");
}

int
main(void)
{
	static const char *names[] = { "a.tim", "batch.tim", "r1", "r2", "r3", "big", "v.tim",
	    "v.tim.torn", "nonl.tim", "hdr.tim", "c.tim", "long.tim", "big.tim",
	    "j.tim", "p.tim", "p.tim.checkpoints", "pbad.tim",
	    "k.key", "k.key.pub", NULL };
	int i;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_fields();
	test_create_append();
	test_batch();
	test_default_origin();
	test_fields_parse();
	test_jsonl();
	test_proofs();
	test_keygen();
	test_reader();
	test_reader_chunks();
	test_verify();
	test_big();
	test_concurrent();
	for (i = 0; names[i]; i++)
		unlink(path(names[i]));
	rmdir(dir);
	return tap_done();
}
