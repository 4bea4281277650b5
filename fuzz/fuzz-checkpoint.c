/*
 * libFuzzer target for the checkpoint (signed note) parser and the key
 * formats: walks the input as a checkpoints file, checks each note's
 * signatures with a fixed key, and parses the input as verifier and signer
 * keys.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "note.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tim_signer key;
static int have_key;

/* The RFC 8032 7.1 TEST 1 key, named "fuzz": a public test vector. */
static void
load_key(void)
{
	static const char text[] =
	    "PRIVATE+KEY+fuzz+30b906b5+AZ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g";
	struct tim_err err;

	have_key = tim_signer_parse(&key, text, sizeof(text) - 1, &err) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct tim_checkpoint cp;
	struct tim_verifier v;
	struct tim_signer s;
	struct tim_err err;
	size_t pos = 0, used;
	int notes = 0;

	if (!have_key)
		load_key();
	while (pos < size && notes < 64) {
		tim_err_clear(&err);
		if (tim_checkpoint_parse(&cp, text + pos, size - pos, &used, &err) < 0)
			break;
		if (used == 0 || used > size - pos || cp.text_len == 0 || cp.sigs_len == 0)
			abort();
		if (have_key)
			tim_checkpoint_verify(&cp, &key.v, &err);
		tim_checkpoint_release(&cp);
		pos += used;
		notes++;
	}
	if (tim_verifier_parse(&v, text, size, &err) == 0) {
		struct tim_buf b = TIM_BUF_INIT;
		struct tim_verifier again;

		/* What parses formats back to something that parses the same. */
		if (tim_verifier_format(&v, &b) < 0 ||
		    tim_verifier_parse(&again, b.buf, b.len, &err) < 0 ||
		    memcmp(&again, &v, sizeof(v)) != 0)
			abort();
		tim_buf_release(&b);
	}
	if (tim_signer_parse(&s, text, size, &err) == 0) {
		struct tim_buf note = TIM_BUF_INIT;
		tim_hash root = { 0 };

		if (tim_checkpoint_sign(&s, "fuzz", 1, root, &note) < 0 ||
		    tim_checkpoint_parse(&cp, note.buf, note.len, &used, &err) < 0 ||
		    tim_checkpoint_verify(&cp, &s.v, &err) < 0)
			abort();
		tim_checkpoint_release(&cp);
		tim_buf_release(&note);
		tim_signer_release(&s);
	}
	return 0;
}
