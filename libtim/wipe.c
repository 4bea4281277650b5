#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "util.h"
#include "wipe.h"
#include "banned.h"

/*
 * The named methods as pass lists. Gutmann's 35 passes are his table: four
 * random, the 27 patterns aimed at MFM and RLL encodings, four random. DoD
 * 5220.22-M: zeros, ones, random, then verification. NIST SP 800-88 Clear
 * for magnetic and flash media is one overwrite pass plus verification.
 */
const struct tim_wipe_method_info tim_wipe_methods[] = {
	{ "clear", "random", TIM_VERIFY_ALL,
	    N_("NIST SP 800-88 Clear: one AES-256-CTR pass, then everything read back (default)") },
	{ "random", "random", TIM_VERIFY_OFF,
	    N_("one AES-256-CTR keystream pass, not verified unless asked") },
	{ "zero", "0x00", TIM_VERIFY_LAST, N_("one pass of zeros, read back") },
	{ "dod", "0x00,0xff,random", TIM_VERIFY_LAST,
	    N_("DoD 5220.22-M: zeros, ones, random, last pass read back") },
	{ "gutmann", "random,random,random,random,0x55,0xaa,0x924924,0x492492,"
	    "0x249249,0x00,0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99,0xaa,"
	    "0xbb,0xcc,0xdd,0xee,0xff,0x924924,0x492492,0x249249,0x6db6db,"
	    "0xb6db6d,0xdb6db6,random,random,random,random", TIM_VERIFY_LAST,
	    N_("Gutmann: 35 passes, 8 random and 27 fixed patterns, last pass read back") },
	{ NULL, NULL, 0, NULL }
};

static int
parse_pass(const char *tok, size_t len, struct tim_wipe_pass *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	if (len == 6 && strncmp(tok, "random", 6) == 0) {
		p->kind = TIM_PASS_RANDOM;
		return 0;
	}
	if (len < 4 || tok[0] != '0' || (tok[1] != 'x' && tok[1] != 'X') ||
	    (len - 2) % 2 != 0 || (len - 2) / 2 > TIM_WIPE_PAT_MAX)
		return -1;
	for (i = 2; i < len; i += 2) {
		int hi = tim_hexval((unsigned char)tok[i]), lo = tim_hexval((unsigned char)tok[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		p->pat[p->patlen++] = (unsigned char)(hi << 4 | lo);
	}
	p->kind = TIM_PASS_BYTES;
	return 0;
}

void
tim_wipe_pass_name(const struct tim_wipe_pass *p, char *out, size_t n)
{
	size_t i, len;

	if (p->kind == TIM_PASS_RANDOM) {
		snprintf(out, n, "random");
		return;
	}
	len = (size_t)snprintf(out, n, "0x");
	for (i = 0; i < p->patlen && len + 3 <= n; i++)
		len += (size_t)snprintf(out + len, n - len, "%02x", p->pat[i]);
}

static int
parse_list(const char *list, struct tim_wipe_method *m, struct tim_err *err)
{
	const char *s = list, *e;
	size_t len;

	m->npasses = 0;
	for (;;) {
		e = strchr(s, ',');
		len = e ? (size_t)(e - s) : strlen(s);
		if (m->npasses == TIM_WIPE_MAX_PASSES)
			return tim_invalidf(err, _("too many passes in '%s' (at most %d)"),
			    list, TIM_WIPE_MAX_PASSES);
		if (parse_pass(s, len, &m->pass[m->npasses]) < 0)
			return tim_invalidf(err, _("invalid pass '%.*s': use random or a hex pattern of 1 to %d bytes such as 0x00 or 0x924924"),
			    (int)len, s, TIM_WIPE_PAT_MAX);
		m->npasses++;
		if (e == NULL)
			break;
		s = e + 1;
	}
	return 0;
}

int
tim_wipe_method_parse(const char *s, struct tim_wipe_method *m,
    struct tim_err *err)
{
	const struct tim_wipe_method_info *i;
	size_t k, len;

	memset(m, 0, sizeof(*m));
	for (i = tim_wipe_methods; i->name; i++)
		if (strcmp(i->name, s) == 0)
			break;
	if (i->name) {
		if (parse_list(i->passes, m, err) < 0)
			return -1;
		snprintf(m->name, sizeof(m->name), "%s", i->name);
		m->verify = i->verify;
	} else if (strncmp(s, "passes=", 7) == 0) {
		if (parse_list(s + 7, m, err) < 0)
			return -1;
		snprintf(m->name, sizeof(m->name), "custom");
		m->verify = TIM_VERIFY_LAST;
	} else
		return tim_invalidf(err, _("unknown method '%s' (see --list-methods)"), s);
	len = (size_t)snprintf(m->spec, sizeof(m->spec), "passes=");
	for (k = 0; k < m->npasses; k++) {
		char name[40];

		tim_wipe_pass_name(&m->pass[k], name, sizeof(name));
		len += (size_t)snprintf(m->spec + len, sizeof(m->spec) - len, "%s%s",
		    k ? "," : "", name);
	}
	return 0;
}

static const char *const verify_names[] = { "off", "last", "sample", "all" };

int
tim_wipe_verify_parse(const char *s, int *mode, struct tim_err *err)
{
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, verify_names[i]) == 0) {
			*mode = i;
			return 0;
		}
	return tim_invalidf(err, _("invalid verification '%s': use all, sample, last or off"), s);
}

const char *
tim_wipe_verify_name(int mode)
{
	return mode >= 0 && mode < 4 ? verify_names[mode] : "?";
}

struct tim_wipe_stream {
	struct tim_wipe_pass pass;
	EVP_CIPHER_CTX *ctx;
	unsigned char key[32];
	unsigned char iv[16];
};

int
tim_wipe_stream_new(struct tim_wipe_stream **out, const struct tim_wipe_pass *p,
    struct tim_err *err)
{
	struct tim_wipe_stream *s;
	unsigned char seed[48];
	size_t got = 0;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	s->pass = *p;
	if (p->kind == TIM_PASS_RANDOM) {
		while (got < sizeof(seed)) {
			ssize_t n = getrandom(seed + got, sizeof(seed) - got, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				tim_errorf(err, errno, _("cannot get random bytes"));
				goto fail;
			}
			got += (size_t)n;
		}
		memcpy(s->key, seed, 32);
		memcpy(s->iv, seed + 32, 16);
		OPENSSL_cleanse(seed, sizeof(seed));
		s->ctx = EVP_CIPHER_CTX_new();
		if (s->ctx == NULL ||
		    EVP_EncryptInit_ex(s->ctx, EVP_aes_256_ctr(), NULL, s->key, s->iv) != 1) {
			tim_errorf(err, 0, _("cannot set up AES-256-CTR"));
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	tim_wipe_stream_free(s);
	return -1;
}

void
tim_wipe_stream_free(struct tim_wipe_stream *s)
{
	if (s == NULL)
		return;
	EVP_CIPHER_CTX_free(s->ctx);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

/* The pattern repeats from offset 0 of the target, so any block is known. */
static void
fill_pattern(const struct tim_wipe_pass *p, uint64_t offset, unsigned char *buf,
    size_t len)
{
	size_t phase, have, i;

	if (p->patlen == 1) {
		memset(buf, p->pat[0], len);
		return;
	}
	phase = (size_t)(offset % p->patlen);
	for (i = 0; i < p->patlen && i < len; i++)
		buf[i] = p->pat[(phase + i) % p->patlen];
	have = i;
	/* Doubling keeps the phase: have is always a multiple of patlen. */
	while (have < len) {
		size_t n = have < len - have ? have : len - have;

		memcpy(buf + have, buf, n);
		have += n;
	}
}

#define FILL_PIECE (128 << 10)

static unsigned char zero_piece[FILL_PIECE];	/* never written: .bss, the zero page */

int
tim_wipe_stream_fill(struct tim_wipe_stream *s, uint64_t offset,
    unsigned char *buf, size_t len)
{
	unsigned char ctr[16], skip[16];
	uint64_t block = offset / 16;
	unsigned carry = 0;
	int i, outl;

	if (s->pass.kind == TIM_PASS_BYTES) {
		fill_pattern(&s->pass, offset, buf, len);
		return 0;
	}
	/* The counter block for this offset: IV + offset/16, big-endian. */
	memcpy(ctr, s->iv, 16);
	for (i = 15; i >= 0; i--) {
		unsigned v = ctr[i] + (unsigned)(block & 0xff) + carry;

		ctr[i] = (unsigned char)v;
		carry = v >> 8;
		block >>= 8;
	}
	if (EVP_EncryptInit_ex(s->ctx, NULL, NULL, NULL, ctr) != 1)
		return -1;
	if (offset % 16) {
		memset(skip, 0, sizeof(skip));
		if (EVP_EncryptUpdate(s->ctx, skip, &outl, skip, (int)(offset % 16)) != 1)
			return -1;
	}
	/*
	 * The keystream is the encryption of zeros. The zeros come from one
	 * read-only piece that is never written (its pages are the kernel's
	 * zero page, always in the cache), so buf is written once, by the
	 * cipher, instead of being cleared first: a third less memory traffic
	 * for the same bytes.
	 */
	while (len > 0) {
		int n = len > FILL_PIECE ? FILL_PIECE : (int)len;

		if (EVP_EncryptUpdate(s->ctx, buf, &outl, zero_piece, n) != 1 || outl != n)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

#define RANGES_KEEP 1024

void
tim_wipe_ranges_release(struct tim_wipe_ranges *rs)
{
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

int
tim_wipe_ranges_add(struct tim_wipe_ranges *rs, uint64_t offset, uint64_t length)
{
	rs->total += length;
	if (rs->n > 0 && rs->r[rs->n - 1].offset + rs->r[rs->n - 1].length == offset) {
		rs->r[rs->n - 1].length += length;
		return 0;
	}
	if (rs->n == RANGES_KEEP) {
		rs->truncated = 1;
		return 0;
	}
	if (rs->n == rs->alloc) {
		size_t na = rs->alloc ? rs->alloc * 2 : 16;
		struct tim_wipe_range *nr = realloc(rs->r, na * sizeof(*nr));

		if (nr == NULL)
			return -1;
		rs->r = nr;
		rs->alloc = na;
	}
	rs->r[rs->n].offset = offset;
	rs->r[rs->n].length = length;
	rs->n++;
	return 0;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct tim_wipe_range *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Two writers finish out of order: sort and join what they recorded. */
static void
ranges_tidy(struct tim_wipe_ranges *rs)
{
	size_t i, n = 0;

	if (rs->n < 2)
		return;
	qsort(rs->r, rs->n, sizeof(*rs->r), range_cmp);
	for (i = 1; i < rs->n; i++) {
		struct tim_wipe_range *last = &rs->r[n];

		if (rs->r[i].offset <= last->offset + last->length) {
			uint64_t end = rs->r[i].offset + rs->r[i].length;

			if (end > last->offset + last->length)
				last->length = end - last->offset;
		} else
			rs->r[++n] = rs->r[i];
	}
	rs->n = n + 1;
}

/*
 * The engine. A producer thread generates the pass's bytes for the next
 * block while the caller's thread writes (or reads back and compares) the
 * previous one, so with AES-NI the device is the bottleneck.
 */
#define NSLOT 4		/* blocks in flight between the generator and the writers */
#define NWORKERS 2	/* writes in flight: the device queue never runs dry */

struct slot {
	unsigned char *buf;
	uint64_t off;
	size_t len;
	int full;		/* generated, waiting for or under I/O */
	int taken;		/* a worker has it */
	int filled;		/* a constant pattern is already in buf */
	size_t filled_phase, filled_len;
};

struct seq {
	uint64_t size, next;
	size_t chunk;
	uint64_t *list;		/* sample: block numbers, ascending */
	size_t nlist, at;
};

struct engine {
	struct tim_wipe_job *j;
	struct slot slot[NSLOT];
	unsigned char *rbuf[NWORKERS];
	size_t chunk;
	int workers;
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot slot[NSLOT];
	size_t head, tail;	/* next to fill, next to take */
	int quit, end, failed, stopped;
	struct seq *seq;
	struct tim_wipe_stream *stream;
	/* the workers' side */
	struct engine *e;
	size_t pass;
	int phase;
	uint64_t total, done, taken_end;
	int error;		/* a worker hit a system error: err holds it */
	struct tim_err *err;
};

static int
seq_next(struct seq *q, uint64_t *off, size_t *len)
{
	uint64_t o;

	if (q->list) {
		if (q->at == q->nlist)
			return 0;
		o = q->list[q->at++] * q->chunk;
	} else {
		if (q->next >= q->size)
			return 0;
		o = q->next;
	}
	*off = o;
	*len = q->size - o < q->chunk ? (size_t)(q->size - o) : q->chunk;
	if (!q->list)
		q->next = o + *len;
	return 1;
}

static void *
producer(void *arg)
{
	struct pipe *pp = arg;
	uint64_t off;
	size_t len;

	for (;;) {
		struct slot *s;
		int more;

		pthread_mutex_lock(&pp->mu);
		while (pp->slot[pp->head].full && !pp->quit)
			pthread_cond_wait(&pp->cv, &pp->mu);
		if (pp->quit) {
			pthread_mutex_unlock(&pp->mu);
			break;
		}
		s = &pp->slot[pp->head];
		pthread_mutex_unlock(&pp->mu);
		more = seq_next(pp->seq, &off, &len);
		if (more) {
			const struct tim_wipe_pass *p = &pp->stream->pass;
			size_t phase = p->kind == TIM_PASS_BYTES ? (size_t)(off % p->patlen) : 0;

			if (p->kind == TIM_PASS_BYTES && s->filled &&
			    s->filled_phase == phase && s->filled_len >= len)
				;	/* the same bytes are already there */
			else if (tim_wipe_stream_fill(pp->stream, off, s->buf, len) < 0) {
				pthread_mutex_lock(&pp->mu);
				pp->failed = 1;
				pthread_cond_broadcast(&pp->cv);
				pthread_mutex_unlock(&pp->mu);
				break;
			} else if (p->kind == TIM_PASS_BYTES) {
				s->filled = 1;
				s->filled_phase = phase;
				s->filled_len = len;
			}
		}
		pthread_mutex_lock(&pp->mu);
		if (!more)
			pp->end = 1;
		else {
			s->off = off;
			s->len = len;
			s->full = 1;
			pp->head = (pp->head + 1) % NSLOT;
		}
		pthread_cond_broadcast(&pp->cv);
		pthread_mutex_unlock(&pp->mu);
		if (!more)
			break;
	}
	return NULL;
}

/*
 * A job's faults (test builds only): writes touching the EIO range fail as a
 * bad sector would.
 */
static ssize_t
do_pwrite(const struct tim_wipe_faults *f, int fd, const void *buf, size_t len,
    uint64_t off)
{
	if (f && f->eio_len && off < f->eio_off + f->eio_len && f->eio_off < off + len) {
		errno = EIO;
		return -1;
	}
	return pwrite(fd, buf, len, (off_t)off);
}

static int
pwrite_full(const struct tim_wipe_faults *f, int fd, const unsigned char *buf,
    size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = do_pwrite(f, fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int
pread_full(int fd, unsigned char *buf, size_t len, uint64_t off)
{
	ssize_t n = tim_pread_upto(fd, buf, len, (off_t)off);

	if (n >= 0 && (size_t)n != len)
		errno = EIO;	/* the medium ended early */
	return n >= 0 && (size_t)n == len ? 0 : -1;
}

/* Errors that mean "this part of the medium", not "this whole run". */
static int
media_error(int e)
{
	return e == EIO || e == ENOSPC || e == ENXIO || e == EILSEQ ||
	    e == ENODATA || e == EREMOTEIO || e == ETIMEDOUT || e == ENOLINK;
}

#define RETRIES 3
#define SUB_BLOCK (64u << 10)

static int
write_retry(const struct tim_wipe_job *j, const unsigned char *buf, size_t len,
    uint64_t off)
{
	int i;

	for (i = 0; i < RETRIES; i++) {
		if (pwrite_full(j->faults, j->fd, buf, len, off) == 0)
			return 0;
		if (!media_error(errno))
			return -1;
	}
	return -1;
}

/* Results are shared by the workers; they are added under the pipe's lock. */
static int
add_range(struct pipe *pp, struct tim_wipe_ranges *rs, uint64_t off, uint64_t len)
{
	int r;

	pthread_mutex_lock(&pp->mu);
	r = tim_wipe_ranges_add(rs, off, len);
	pthread_mutex_unlock(&pp->mu);
	return r;
}

static void
add_count(struct pipe *pp, uint64_t *counter, uint64_t n)
{
	pthread_mutex_lock(&pp->mu);
	*counter += n;
	pthread_mutex_unlock(&pp->mu);
}

/*
 * Writes a block, retrying; when it keeps failing, narrows down to
 * sub-blocks and then sectors so that only the sectors that really fail
 * are skipped and recorded as bad.
 */
static int
write_block(struct pipe *pp, const unsigned char *buf, size_t len, uint64_t off,
    struct tim_err *err)
{
	struct tim_wipe_job *j = pp->e->j;
	size_t sector = j->align ? j->align : 512, a, b;

	if (write_retry(j, buf, len, off) == 0) {
		add_count(pp, &j->bytes_written, len);
		return 0;
	}
	if (!media_error(errno))
		return tim_errorf(err, errno, _("cannot write at byte %llu"),
		    (unsigned long long)off);
	for (a = 0; a < len; a += SUB_BLOCK) {
		size_t sl = len - a < SUB_BLOCK ? len - a : SUB_BLOCK;

		if (write_retry(j, buf + a, sl, off + a) == 0) {
			add_count(pp, &j->bytes_written, sl);
			continue;
		}
		for (b = 0; b < sl; b += sector) {
			size_t n = sl - b < sector ? sl - b : sector;

			if (write_retry(j, buf + a + b, n, off + a + b) == 0)
				add_count(pp, &j->bytes_written, n);
			else if (!media_error(errno))
				return tim_errorf(err, errno, _("cannot write at byte %llu"),
				    (unsigned long long)(off + a + b));
			else if (add_range(pp, &j->bad, off + a + b, n) < 0)
				return tim_errorf(err, ENOMEM, _("out of memory"));
		}
	}
	return 0;
}

#define CMP_UNIT 512

static int
verify_block(struct pipe *pp, unsigned char *rbuf, const unsigned char *want,
    size_t len, uint64_t off, struct tim_err *err)
{
	struct tim_wipe_job *j = pp->e->j;
	size_t a;

	if (pread_full(j->fd, rbuf, len, off) < 0) {
		if (!media_error(errno))
			return tim_errorf(err, errno, _("cannot read at byte %llu"),
			    (unsigned long long)off);
		if (add_range(pp, &j->mismatch, off, len) < 0)
			return tim_errorf(err, ENOMEM, _("out of memory"));
		return 0;
	}
	add_count(pp, &j->bytes_verified, len);
	if (memcmp(rbuf, want, len) == 0)
		return 0;
	for (a = 0; a < len; a += CMP_UNIT) {
		size_t n = len - a < CMP_UNIT ? len - a : CMP_UNIT;

		if (memcmp(rbuf + a, want + a, n) != 0 &&
		    add_range(pp, &j->mismatch, off + a, n) < 0)
			return tim_errorf(err, ENOMEM, _("out of memory"));
	}
	return 0;
}

struct worker {
	struct pipe *pp;
	unsigned char *rbuf;
	struct tim_err err;
};

/*
 * A worker takes generated blocks in order and writes (or reads back and
 * compares) them. Blocks are taken in order and a stop lets the blocks in
 * flight finish, so everything before taken_end is done when all workers
 * have returned: that is where a resumed run starts.
 */
static void *
worker(void *arg)
{
	struct worker *w = arg;
	struct pipe *pp = w->pp;
	struct tim_wipe_job *j = pp->e->j;

	for (;;) {
		struct slot *s;
		int r;

		pthread_mutex_lock(&pp->mu);
		for (;;) {
			if (j->stop && *j->stop)
				pp->stopped = 1;
			s = &pp->slot[pp->tail];
			if (pp->stopped || pp->error || pp->failed ||
			    (s->full && !s->taken) || (pp->end && !s->full))
				break;
			pthread_cond_wait(&pp->cv, &pp->mu);
		}
		if (pp->stopped || pp->error || pp->failed || !s->full || s->taken) {
			pthread_mutex_unlock(&pp->mu);
			break;
		}
		s->taken = 1;
		pp->tail = (pp->tail + 1) % NSLOT;
		if (s->off + s->len > pp->taken_end)
			pp->taken_end = s->off + s->len;
		pthread_mutex_unlock(&pp->mu);
		if (pp->phase == TIM_PHASE_WRITE)
			r = write_block(pp, s->buf, s->len, s->off, &w->err);
		else
			r = verify_block(pp, w->rbuf, s->buf, s->len, s->off, &w->err);
		pthread_mutex_lock(&pp->mu);
		s->full = 0;
		s->taken = 0;
		pp->done += s->len;
		if (j->faults && j->faults->stop_after &&
		    j->bytes_written >= j->faults->stop_after && j->stop)
			*j->stop = 1;
		if (r < 0)
			pp->error = 1;
		else if (j->progress)
			j->progress(j->progress_ctx, pp->pass, pp->phase, pp->done, pp->total);
		pthread_cond_broadcast(&pp->cv);
		pthread_mutex_unlock(&pp->mu);
		if (r < 0)
			break;
	}
	return NULL;
}

/* Runs one pass's write or read-back over seq. */
static int
run_pipe(struct engine *e, struct tim_wipe_stream *st, struct seq *q, size_t pass,
    int phase, uint64_t total, struct tim_err *err)
{
	struct tim_wipe_job *j = e->j;
	struct worker w[NWORKERS];
	pthread_t th, wt[NWORKERS];
	struct pipe pp;
	int r = 0, rc, i, started = 0;

	memset(&pp, 0, sizeof(pp));
	pthread_mutex_init(&pp.mu, NULL);
	pthread_cond_init(&pp.cv, NULL);
	memcpy(pp.slot, e->slot, sizeof(pp.slot));
	for (i = 0; i < NSLOT; i++)
		pp.slot[i].filled = 0;
	pp.seq = q;
	pp.stream = st;
	pp.e = e;
	pp.pass = pass;
	pp.phase = phase;
	pp.total = total;
	pp.done = q->list ? 0 : q->next;
	pp.taken_end = q->list ? 0 : q->next;
	/* The display's clock starts now, not at the end of the first block. */
	if (j->progress)
		j->progress(j->progress_ctx, pass, phase, pp.done, total);
	if ((rc = pthread_create(&th, NULL, producer, &pp)) != 0) {
		pthread_cond_destroy(&pp.cv);
		pthread_mutex_destroy(&pp.mu);
		return tim_errorf(err, rc, _("cannot start a thread"));
	}
	for (i = 0; i < e->workers; i++) {
		w[i].pp = &pp;
		w[i].rbuf = e->rbuf[i];
		tim_err_clear(&w[i].err);
		if (i > 0 && (rc = pthread_create(&wt[i], NULL, worker, &w[i])) != 0) {
			pthread_mutex_lock(&pp.mu);
			pp.error = 1;
			pthread_mutex_unlock(&pp.mu);
			tim_errorf(&w[i].err, rc, _("cannot start a thread"));
			break;
		}
		started = i + 1;
	}
	if (started > 0)
		worker(&w[0]);
	for (i = 1; i < started; i++)
		pthread_join(wt[i], NULL);
	pthread_mutex_lock(&pp.mu);
	pp.quit = 1;
	pthread_cond_broadcast(&pp.cv);
	pthread_mutex_unlock(&pp.mu);
	pthread_join(th, NULL);
	for (i = 0; i < e->workers; i++)
		if (w[i].err.msg[0]) {
			*err = w[i].err;
			r = -1;
			break;
		}
	if (r == 0 && (pp.error || started < e->workers))
		r = tim_errorf(err, 0, _("cannot start a thread"));
	if (r == 0 && pp.failed)
		r = tim_errorf(err, 0, _("cannot generate the pattern"));
	if (r == 0 && pp.stopped) {
		j->interrupted = 1;
		j->stop_pass = pass;
		j->stop_phase = phase;
		j->stop_offset = q->list ? 0 : pp.taken_end;
	}
	pthread_cond_destroy(&pp.cv);
	pthread_mutex_destroy(&pp.mu);
	return r;
}

static int
random_u64(uint64_t *v)
{
	size_t got = 0;

	while (got < sizeof(*v)) {
		ssize_t n = getrandom((unsigned char *)v + got, sizeof(*v) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/*
 * Sample blocks: the first, the last and one unpredictable block out of
 * every ten, so at least a tenth is read and a device cannot guess which.
 */
static int
sample_list(struct seq *q, struct tim_err *err)
{
	uint64_t nblocks = (q->size + q->chunk - 1) / q->chunk, g, pick, r;
	size_t n = 0;

	q->list = calloc((size_t)(nblocks / 10 + 3), sizeof(*q->list));
	if (q->list == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	q->list[n++] = 0;
	for (g = 0; g < nblocks; g += 10) {
		uint64_t width = nblocks - g < 10 ? nblocks - g : 10;

		if (random_u64(&r) < 0)
			return tim_errorf(err, errno, _("cannot get random bytes"));
		pick = g + r % width;
		if (pick != q->list[n - 1] && pick != nblocks - 1)
			q->list[n++] = pick;
	}
	if (nblocks > 1)
		q->list[n++] = nblocks - 1;
	q->nlist = n;
	return 0;
}

static int
sync_fd(struct tim_wipe_job *j, struct tim_err *err)
{
	if (fdatasync(j->fd) < 0)
		return tim_errorf(err, errno, _("cannot flush the writes to the medium"));
	/* Read back the medium, not the page cache the writes just filled. */
	if (j->is_file)
		(void)posix_fadvise(j->fd, 0, 0, POSIX_FADV_DONTNEED);
	return 0;
}

static int
wants_verify(const struct tim_wipe_job *j, size_t pass)
{
	int last = pass + 1 == j->method->npasses;

	return j->verify == TIM_VERIFY_ALL ||
	    (last && (j->verify == TIM_VERIFY_LAST || j->verify == TIM_VERIFY_SAMPLE));
}

static void tamper_hook(struct tim_wipe_job *j);

static int
one_pass(struct engine *e, size_t p, int phase, uint64_t offset,
    struct tim_err *err)
{
	struct tim_wipe_job *j = e->j;
	const struct tim_wipe_pass *pass = &j->method->pass[p];
	struct tim_wipe_stream *st = NULL;
	int verify = wants_verify(j, p), r = -1;
	struct seq q;

	/*
	 * The keystream key of an interrupted random pass was never stored, so
	 * what it wrote cannot be read back: such a pass starts over.
	 */
	if (j->check) {
		verify = 1;
		phase = TIM_PHASE_VERIFY;
	} else if (pass->kind == TIM_PASS_RANDOM && verify &&
	    (phase == TIM_PHASE_VERIFY || offset > 0)) {
		phase = TIM_PHASE_WRITE;
		offset = 0;
	}
	if (tim_wipe_stream_new(&st, pass, err) < 0)
		return -1;
	memset(&q, 0, sizeof(q));
	q.size = j->size;
	q.chunk = e->chunk;
	if (phase == TIM_PHASE_WRITE) {
		q.next = offset;
		if (run_pipe(e, st, &q, p, TIM_PHASE_WRITE, j->size, err) < 0)
			goto out;
		if (j->interrupted) {
			/* What was written is on the medium before the state says so. */
			if (fdatasync(j->fd) < 0) {
				tim_errorf(err, errno, _("cannot flush the writes to the medium"));
				goto out;
			}
			r = 0;
			goto out;
		}
		if (p + 1 == j->method->npasses)
			tamper_hook(j);
		if (sync_fd(j, err) < 0)
			goto out;
		offset = 0;
	}
	if (verify) {
		memset(&q, 0, sizeof(q));
		q.size = j->size;
		q.chunk = e->chunk;
		q.next = offset;
		if (j->verify == TIM_VERIFY_SAMPLE && sample_list(&q, err) < 0) {
			free(q.list);
			goto out;
		}
		if (j->is_file)
			(void)posix_fadvise(j->fd, 0, 0, POSIX_FADV_DONTNEED);
		r = run_pipe(e, st, &q, p, TIM_PHASE_VERIFY, q.list ?
		    (uint64_t)q.nlist * e->chunk : j->size, err);
		free(q.list);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	tim_wipe_stream_free(st);
	return r;
}

/*
 * A job's faults (test builds only): 512 bytes of 0x5a over the last pass,
 * as a device that lost a write would, so that the tests can see
 * verification catch it.
 */
static void
tamper_hook(struct tim_wipe_job *j)
{
	const struct tim_wipe_faults *f = j->faults;
	unsigned char *b;

	if (f && f->grow && j->is_file && posix_memalign((void **)&b, 4096, 4096) == 0) {
		memset(b, 0x77, 4096);
		(void)pwrite(j->fd, b, 4096, (off_t)j->size);
		free(b);
	}
	if (f == NULL || !f->tamper || f->tamper_off + 512 > j->size ||
	    posix_memalign((void **)&b, 4096, 4096) != 0)
		return;
	memset(b, 0x5a, 4096);
	/* A lost tamper write shows as a test that expected a failure passing. */
	if (pwrite(j->fd, b, j->direct ? (j->align > 512 ? j->align : 512) : 512,
	    (off_t)f->tamper_off) < 0)
		j->faults = NULL;
	free(b);
}

int
tim_wipe_run(struct tim_wipe_job *j, struct tim_err *err)
{
	struct engine e;
	size_t align = j->align ? j->align : 4096, chunk, p, i;
	int r = -1;

	memset(&e, 0, sizeof(e));
	e.j = j;
	chunk = j->chunk ? j->chunk : TIM_WIPE_CHUNK;
	chunk -= chunk % align;
	if (chunk == 0)
		chunk = align;
	/* A small target needs no more buffer than itself. */
	if (j->size < chunk)
		chunk = (size_t)((j->size + align - 1) / align * align);
	if (chunk == 0)
		chunk = align;
	e.chunk = chunk;
	e.workers = j->direct ? NWORKERS : 1;
	for (i = 0; i < NSLOT; i++)
		if (posix_memalign((void **)&e.slot[i].buf, align < 4096 ? 4096 : align, chunk) != 0) {
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto out;
		}
	for (i = 0; i < (size_t)e.workers; i++)
		if (posix_memalign((void **)&e.rbuf[i], align < 4096 ? 4096 : align, chunk) != 0) {
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto out;
		}
	j->interrupted = 0;
	if (j->check) {
		if (j->method->npasses == 0 ||
		    j->method->pass[j->method->npasses - 1].kind == TIM_PASS_RANDOM) {
			tim_invalidf(err, _("a random last pass cannot be checked afterwards: its key was never kept"));
			goto out;
		}
		if (one_pass(&e, j->method->npasses - 1, TIM_PHASE_VERIFY, 0, err) < 0)
			goto out;
		r = 0;
		goto out;
	}
	for (p = j->start_pass; p < j->method->npasses; p++) {
		int phase = p == j->start_pass ? j->start_phase : TIM_PHASE_WRITE;
		uint64_t off = p == j->start_pass ? j->start_offset : 0;

		if (phase == TIM_PHASE_DONE)
			continue;
		if (one_pass(&e, p, phase, off, err) < 0)
			goto out;
		if (j->interrupted)
			break;
	}
	if (!j->interrupted) {
		j->stop_pass = j->method->npasses;
		j->stop_phase = TIM_PHASE_DONE;
		j->stop_offset = 0;
	}
	r = 0;
out:
	ranges_tidy(&j->bad);
	ranges_tidy(&j->mismatch);
	for (i = 0; i < NSLOT; i++)
		free(e.slot[i].buf);
	for (i = 0; i < NWORKERS; i++)
		free(e.rbuf[i]);
	return r;
}

void
tim_wipe_job_release(struct tim_wipe_job *j)
{
	tim_wipe_ranges_release(&j->bad);
	tim_wipe_ranges_release(&j->mismatch);
}
