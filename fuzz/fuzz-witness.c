/*
 * libFuzzer target for the witness: an add-checkpoint request body goes
 * through the parser and the whole decision of tim_witness_add_checkpoint
 * (a witness over a scratch state folder, one log "fuzz" with the RFC 8032
 * TEST 1 key), and the input is also read as cosignature lines and as
 * cosignature keys.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "witness.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tim_witness *w;
static struct tim_verifier wkey;
static char dir[] = "/tmp/tim-fuzz-witness-XXXXXX";

/* The scratch state goes when the run ends. */
static void
cleanup(void)
{
	char cmd[64];

	tim_witness_close(w);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return;
}

static void
init(void)
{
	static const char logkey[] =
	    "PRIVATE+KEY+fuzz+30b906b5+AZ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g";
	static const char witkey[] =
	    "PRIVATE+KEY+w.example/kat+66a9be1d+BJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g";
	struct tim_witness_log log;
	struct tim_signer ls, ws;
	struct tim_err err;

	if (mkdtemp(dir) == NULL ||
	    tim_signer_parse(&ls, logkey, sizeof(logkey) - 1, &err) < 0 ||
	    tim_cosigner_parse(&ws, witkey, sizeof(witkey) - 1, &err) < 0)
		abort();
	memset(&log, 0, sizeof(log));
	snprintf(log.origin, sizeof(log.origin), "fuzz");
	log.key = ls.v;
	wkey = ws.v;
	if (tim_witness_open(&w, dir, &ws, &log, 1, &err) < 0)
		abort();
	tim_signer_release(&ls);
	tim_signer_release(&ws);
	atexit(cleanup);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct tim_buf resp = TIM_BUF_INIT;
	struct tim_witness_req req;
	struct tim_verifier v;
	struct tim_signer s;
	struct tim_err err;
	const char *ctype;
	uint64_t t;
	int st;

	if (w == NULL)
		init();
	if (tim_witness_req_parse(text, size, &req, &err) == 0) {
		if (req.nproof > TIM_WITNESS_PROOF_MAX || req.cp.text_len == 0)
			abort();
		tim_witness_req_release(&req);
	}
	st = tim_witness_add_checkpoint(w, text, size, &resp, &ctype);
	if (st != 200 && st != 400 && st != 403 && st != 404 && st != 409 &&
	    st != 422 && st != 500)
		abort();
	/* What the witness cosigns verifies with its key. */
	if (st == 200 && tim_witness_req_parse(text, size, &req, &err) == 0) {
		if (tim_cosig_verify(req.cp.text, req.cp.text_len, resp.buf, resp.len,
		    &wkey, &t, &err) < 0)
			abort();
		tim_witness_req_release(&req);
	}
	tim_buf_release(&resp);
	tim_cosig_verify("fuzz\n1\n\n", 8, text, size, &wkey, &t, &err);
	if (tim_cosig_verifier_parse(&v, text, size, &err) == 0) {
		struct tim_buf b = TIM_BUF_INIT;
		struct tim_verifier again;

		if (tim_cosig_verifier_format(&v, &b) < 0 ||
		    tim_cosig_verifier_parse(&again, b.buf, b.len, &err) < 0 ||
		    memcmp(&again, &v, sizeof(v)) != 0)
			abort();
		tim_buf_release(&b);
	}
	if (tim_cosigner_parse(&s, text, size, &err) == 0)
		tim_signer_release(&s);
	return 0;
}
