/*
 * The witness of C2SP tlog-witness: its state (the latest cosigned size
 * and root per origin, synced before an answer), the add-checkpoint
 * decision, and its HTTP server (libmicrohttpd).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "i18n.h"
#include "util.h"
#include "witness.h"
#include "banned.h"

struct log_state {
	pthread_mutex_t lock;	/* the check of the old size and the update: one step */
	struct tim_witness_log log;
	long region;		/* its two slots in the state file, -1: none yet */
	uint64_t seq;		/* of the newest slot */
	uint64_t size;
	tim_hash root;
	int have;
};

struct tim_witness {
	struct tim_signer key;
	char *dir;
	char *path;		/* DIR/state */
	int dirfd;
	int lockfd;
	int fd;			/* the state file */
	struct log_state *logs;
	size_t nlogs;
	/* Regions of the state file, and the group commit of its updates. */
	pthread_mutex_t sync_mu;
	pthread_cond_t sync_cv;
	long nregions;
	uint64_t written, synced;
	int syncing, sync_failed;
	tim_witness_log_fn *log_fn;
	void *log_arg;
};

void
tim_witness_set_log(struct tim_witness *w, tim_witness_log_fn *fn, void *arg)
{
	w->log_fn = fn;
	w->log_arg = arg;
}

/*
 * The state: one file, DIR/state, of regions of two slots of SLOT bytes,
 * one region per origin, each slot
 *   "tim-witness-state v1\norigin <origin>\nseq <n>\nsize <n>\nroot <b64>\n"
 *   "sum <hex SHA-256 of the lines above>\n", padded with NUL.
 * An update writes the slot of its region that the newest one is not in,
 * then waits for an fdatasync that began after its write; one fdatasync
 * serves every update written before it (group commit). A crash during a
 * write leaves a torn slot whose sum fails and the other slot, the state
 * before, intact; the newest valid slot is the state. The witness answers
 * only after the sync.
 */
#define SLOT 2048
#define SLOT_MAGIC "tim-witness-state v1\n"
#define REGIONS_MAX 4096

static int
slot_format(const char *origin, uint64_t seq, uint64_t size, const tim_hash root,
    char out[SLOT])
{
	struct tim_buf b = TIM_BUF_INIT;
	unsigned char h[TIM_SHA256_LEN];
	char hex[2 * TIM_SHA256_LEN + 1];
	int r = -1;

	tim_buf_addf(&b, SLOT_MAGIC "origin %s\nseq %llu\nsize %llu\nroot ", origin,
	    (unsigned long long)seq, (unsigned long long)size);
	tim_base64_encode(&b, root, TIM_SHA256_LEN);
	tim_buf_addch(&b, '\n');
	if (!b.failed && tim_sha256(b.buf, b.len, h) == 0) {
		tim_hex(h, sizeof(h), hex);
		tim_buf_addf(&b, "sum %s\n", hex);
		if (!b.failed && b.len < SLOT) {
			memset(out, 0, SLOT);
			memcpy(out, b.buf, b.len);
			r = 0;
		}
	}
	tim_buf_release(&b);
	return r;
}

/* 0 and the slot's values when it is whole; origin gets its origin. */
static int
slot_parse(const char *slot, char origin[1024], uint64_t *seq, uint64_t *size,
    tim_hash root)
{
	static const char head[] = SLOT_MAGIC "origin ";
	char buf[SLOT + 1], again[SLOT];
	unsigned long long q, n;
	const char *p, *nl;
	char *e;
	int off;

	memcpy(buf, slot, SLOT);
	buf[SLOT] = '\0';
	if (strncmp(buf, head, sizeof(head) - 1) != 0)
		return -1;
	p = buf + sizeof(head) - 1;
	nl = strchr(p, '\n');
	if (nl == NULL || nl == p || nl - p >= 1024)
		return -1;
	memcpy(origin, p, (size_t)(nl - p));
	origin[nl - p] = '\0';
	if (sscanf(nl, "\nseq %llu\nsize %llu\nroot %n", &q, &n, &off) != 2)
		return -1;
	p = nl + off;
	e = strchr(p, '\n');
	if (e == NULL || tim_base64_decode(p, (size_t)(e - p), root, TIM_SHA256_LEN) !=
	    TIM_SHA256_LEN)
		return -1;
	/* The whole slot, sum and padding included, must be what these format to. */
	if (slot_format(origin, q, n, root, again) < 0 || memcmp(again, slot, SLOT) != 0)
		return -1;
	*seq = q;
	*size = n;
	return 0;
}

static struct log_state *find_log(struct tim_witness *w, const char *origin);

/* Reads every region; a configured origin takes the newest valid slot of its. */
static int
state_load(struct tim_witness *w, struct tim_err *err)
{
	char slot[SLOT], origin[1024];
	struct log_state *ls;
	struct stat st;
	uint64_t seq, size;
	tim_hash root;
	long r, i;

	w->fd = openat(w->dirfd, "state", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w->fd < 0 || fstat(w->fd, &st) < 0)
		return tim_errorf(err, errno, _("cannot open '%s'"), w->path);
	if (!S_ISREG(st.st_mode))
		return tim_errorf(err, 0, _("'%s' is not a regular file"), w->path);
	if (st.st_size % (2 * SLOT) != 0 || st.st_size / (2 * SLOT) > REGIONS_MAX)
		return tim_errorf(err, 0, _("witness state '%s' is damaged"), w->path);
	w->nregions = (long)(st.st_size / (2 * SLOT));
	for (r = 0; r < w->nregions; r++) {
		int whole = 0;

		for (i = 0; i < 2; i++) {
			if (tim_pread_upto(w->fd, slot, SLOT, (off_t)(2 * r + i) * SLOT) != SLOT)
				return tim_errorf(err, errno, _("cannot read '%s'"), w->path);
			if (slot_parse(slot, origin, &seq, &size, root) < 0)
				continue;
			whole = 1;
			if ((ls = find_log(w, origin)) == NULL)
				continue;	/* a log no longer configured: kept as it is */
			if (ls->region >= 0 && ls->region != r)
				return tim_errorf(err, 0, _("witness state '%s' is damaged"), w->path);
			ls->region = r;
			if (!ls->have || seq > ls->seq) {
				ls->have = 1;
				ls->seq = seq;
				ls->size = size;
				memcpy(ls->root, root, TIM_SHA256_LEN);
			}
		}
		/* No whole slot: damage, or a crash in the first write of an
		 * origin; either way the witness does not start on a guess. */
		if (!whole)
			return tim_errorf(err, 0, _("witness state '%s' is damaged"), w->path);
	}
	return 0;
}

/* Waits until an fdatasync that began after this thread's write is done. */
static int
group_sync(struct tim_witness *w, uint64_t gen)
{
	int failed = 0;

	pthread_mutex_lock(&w->sync_mu);
	while (w->synced < gen && !failed) {
		if (!w->syncing) {
			uint64_t target = w->written;

			w->syncing = 1;
			pthread_mutex_unlock(&w->sync_mu);
			failed = fdatasync(w->fd) < 0;
			pthread_mutex_lock(&w->sync_mu);
			w->syncing = 0;
			if (!failed)
				w->synced = target;
			pthread_cond_broadcast(&w->sync_cv);
		} else
			pthread_cond_wait(&w->sync_cv, &w->sync_mu);
	}
	pthread_mutex_unlock(&w->sync_mu);
	return failed ? -1 : 0;
}

/* Durable before it returns. Called under ls->lock. */
static int
state_write(struct tim_witness *w, struct log_state *ls, uint64_t size,
    const tim_hash root, struct tim_err *err)
{
	char buf[2 * SLOT];
	uint64_t seq = ls->have ? ls->seq + 1 : 1, gen;
	long region = ls->region;
	ssize_t n;

	if (slot_format(ls->log.origin, seq, size, root, buf) < 0)
		return tim_errorf(err, 0, _("out of memory"));
	pthread_mutex_lock(&w->sync_mu);
	if (region < 0) {
		/* A new region at the end: both slots at once, the other empty. */
		if (w->nregions >= REGIONS_MAX) {
			pthread_mutex_unlock(&w->sync_mu);
			return tim_errorf(err, 0, _("witness state '%s' is full"), w->path);
		}
		region = w->nregions;
		memset(buf + SLOT, 0, SLOT);
		if (seq % 2) {
			memcpy(buf + SLOT, buf, SLOT);
			memset(buf, 0, SLOT);
		}
		n = pwrite(w->fd, buf, sizeof(buf), (off_t)region * 2 * SLOT);
		if (n == (ssize_t)sizeof(buf))
			w->nregions++;
	} else
		n = pwrite(w->fd, buf, SLOT, (off_t)(2 * region + (long)(seq % 2)) * SLOT) == SLOT ?
		    (ssize_t)sizeof(buf) : -1;
	gen = ++w->written;
	pthread_mutex_unlock(&w->sync_mu);
	if (n != (ssize_t)sizeof(buf) || group_sync(w, gen) < 0)
		return tim_errorf(err, errno, _("cannot write '%s'"), w->path);
	ls->region = region;
	ls->seq = seq;
	return 0;
}

void
tim_witness_close(struct tim_witness *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; w->logs && i < w->nlogs; i++)
		pthread_mutex_destroy(&w->logs[i].lock);
	free(w->logs);
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	if (w->lockfd >= 0)
		close(w->lockfd);
	free(w->dir);
	free(w->path);
	tim_signer_release(&w->key);
	pthread_mutex_destroy(&w->sync_mu);
	pthread_cond_destroy(&w->sync_cv);
	free(w);
}

int
tim_witness_open(struct tim_witness **out, const char *statedir,
    const struct tim_signer *key, const struct tim_witness_log *logs,
    size_t nlogs, struct tim_err *err)
{
	struct tim_witness *w;
	struct tim_buf b = TIM_BUF_INIT;
	size_t i, j;

	*out = NULL;
	if (nlogs == 0 || nlogs > TIM_WITNESS_LOGS_MAX)
		return tim_invalidf(err, _("a witness needs 1 to %d logs"), TIM_WITNESS_LOGS_MAX);
	for (i = 0; i < nlogs; i++)
		for (j = 0; j < i; j++)
			if (strcmp(logs[i].origin, logs[j].origin) == 0)
				return tim_invalidf(err, _("log '%s' given twice"), logs[i].origin);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	pthread_mutex_init(&w->sync_mu, NULL);
	pthread_cond_init(&w->sync_cv, NULL);
	w->dirfd = w->lockfd = w->fd = -1;
	w->key = *key;
	tim_buf_addf(&b, "%s/state", statedir);
	w->dir = strdup(statedir);
	w->path = b.failed ? NULL : strdup(b.buf);
	tim_buf_release(&b);
	w->logs = calloc(nlogs, sizeof(*w->logs));
	if (w->dir == NULL || w->path == NULL || w->logs == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto fail;
	}
	w->nlogs = nlogs;
	for (i = 0; i < nlogs; i++) {
		pthread_mutex_init(&w->logs[i].lock, NULL);
		w->logs[i].log = logs[i];
		w->logs[i].region = -1;
	}
	if (mkdir(statedir, 0700) < 0 && errno != EEXIST) {
		tim_errorf(err, errno, _("cannot create '%s'"), statedir);
		goto fail;
	}
	w->dirfd = open(statedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w->dirfd < 0) {
		tim_errorf(err, errno, _("cannot open '%s'"), statedir);
		goto fail;
	}
	w->lockfd = openat(w->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w->lockfd < 0) {
		tim_errorf(err, errno, _("cannot open '%s/lock'"), statedir);
		goto fail;
	}
	if (flock(w->lockfd, LOCK_EX | LOCK_NB) < 0) {
		tim_errorf(err, errno == EWOULDBLOCK ? 0 : errno,
		    _("'%s' is in use by another witness"), statedir);
		goto fail;
	}
	if (state_load(w, err) < 0 || fsync(w->dirfd) < 0) {
		if (err->kind == TIM_ERR_NONE)
			tim_errorf(err, errno, _("cannot write '%s'"), statedir);
		goto fail;
	}
	*out = w;
	return 0;
fail:
	tim_witness_close(w);
	return -1;
}

static struct log_state *
find_log(struct tim_witness *w, const char *origin)
{
	size_t i;

	for (i = 0; i < w->nlogs; i++)
		if (strcmp(w->logs[i].log.origin, origin) == 0)
			return &w->logs[i];
	return NULL;
}

int
tim_witness_state(struct tim_witness *w, const char *origin, uint64_t *size,
    tim_hash root, struct tim_err *err)
{
	struct log_state *ls = find_log(w, origin);

	if (ls == NULL)
		return tim_invalidf(err, _("unknown log '%s'"), origin);
	pthread_mutex_lock(&ls->lock);
	*size = ls->have ? ls->size : 0;
	memcpy(root, ls->root, TIM_SHA256_LEN);
	pthread_mutex_unlock(&ls->lock);
	return 0;
}

static int
reason(struct tim_buf *resp, int status, const char *msg)
{
	tim_buf_reset(resp);
	tim_buf_addf(resp, "%s\n", msg);
	return status;
}

static int
conflict(struct tim_buf *resp, const char **ctype, uint64_t size)
{
	tim_buf_reset(resp);
	tim_buf_addf(resp, "%llu\n", (unsigned long long)size);
	*ctype = "text/x.tlog.size";
	return 409;
}

/* The checks of C2SP tlog-witness, in its order, under the origin's lock. */
int
tim_witness_add_checkpoint(struct tim_witness *w, const char *body, size_t len,
    struct tim_buf *resp, const char **ctype)
{
	struct tim_witness_req req;
	struct log_state *ls;
	struct tim_err err;
	struct tim_witness_event ev;
	uint64_t known = 0;
	int status;

	*ctype = "text/plain; charset=utf-8";
	tim_err_clear(&err);
	if (tim_witness_req_parse(body, len, &req, &err) < 0) {
		status = reason(resp, 400, err.msg);
		if (w->log_fn) {
			memset(&ev, 0, sizeof(ev));
			ev.status = status;
			ev.origin = "";
			ev.why = err.msg;
			w->log_fn(w->log_arg, &ev);
		}
		return status;
	}
	if ((ls = find_log(w, req.cp.origin)) == NULL) {
		status = reason(resp, 404, "unknown log origin");
		goto out;
	}
	if (tim_checkpoint_verify(&req.cp, &ls->log.key, &err) < 0) {
		status = reason(resp, 403, "no signature by a key trusted for this origin");
		goto out;
	}
	if (req.old > req.cp.size) {
		status = reason(resp, 400, "old size is larger than the checkpoint size");
		goto out;
	}
	pthread_mutex_lock(&ls->lock);
	known = ls->have ? ls->size : 0;
	if (req.old != known) {
		status = conflict(resp, ctype, known);
	} else if (req.old == 0 && req.nproof != 0) {
		status = reason(resp, 422, "the consistency proof must be empty for old size 0");
	} else if (req.old != 0 && req.old == req.cp.size &&
	    memcmp(ls->root, req.cp.root, TIM_SHA256_LEN) != 0) {
		status = conflict(resp, ctype, known);
	} else if (req.old != 0 && tim_merkle_verify_consistency(req.old, req.cp.size,
	    ls->root, req.cp.root, req.proof, req.nproof) < 0) {
		status = reason(resp, 422, "the consistency proof does not verify");
	} else if ((!ls->have || ls->size != req.cp.size) &&
	    state_write(w, ls, req.cp.size, req.cp.root, &err) < 0) {
		/* Never cosign what is not on disk. */
		status = reason(resp, 500, "cannot record the checkpoint");
	} else {
		ls->size = req.cp.size;
		memcpy(ls->root, req.cp.root, TIM_SHA256_LEN);
		ls->have = 1;
		tim_buf_reset(resp);
		status = tim_cosig_sign(&w->key, req.cp.text, req.cp.text_len,
		    (uint64_t)time(NULL), resp) == 0 ? 200 :
		    reason(resp, 500, "cannot sign");
	}
	pthread_mutex_unlock(&ls->lock);
out:
	if (w->log_fn) {
		/* The reason without its newline; a 409 body is the size. */
		char why[256];

		snprintf(why, sizeof(why), "%.*s", status == 200 || status == 409 ? 0 :
		    (int)(resp->len ? resp->len - 1 : 0), resp->len ? resp->buf : "");
		ev.status = status;
		ev.origin = req.cp.origin;
		ev.old = req.old;
		ev.size = req.cp.size;
		ev.known = known;
		ev.why = why;
		w->log_fn(w->log_arg, &ev);
	}
	tim_witness_req_release(&req);
	return status;
}

/* The server. */

struct tim_witness_server {
	struct MHD_Daemon *d;
	struct tim_witness *w;
	unsigned port;
};

struct conn {
	struct tim_buf body;
	int too_big;
};

static enum MHD_Result
send_text(struct MHD_Connection *c, unsigned status, const char *ctype,
    const char *text, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct tim_witness_server *srv = cls;
	struct conn *cn = *con_cls;
	struct tim_buf resp = TIM_BUF_INIT;
	const char *ctype;
	enum MHD_Result ret;
	int status;

	(void)version;
	if (cn == NULL) {
		const char *cl;

		if (strcmp(url, "/add-checkpoint") != 0)
			return send_text(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10);
		if (strcmp(method, "POST") != 0)
			return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			    "use POST\n", 9);
		/* Refuse a declared huge body before reading any of it. */
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > TIM_WITNESS_BODY_MAX)
			return send_text(c, MHD_HTTP_BAD_REQUEST, "text/plain",
			    "request body too large\n", 23);
		if ((cn = calloc(1, sizeof(*cn))) == NULL)
			return MHD_NO;
		tim_buf_init(&cn->body);
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size) {
		if (cn->body.len + *upload_size > TIM_WITNESS_BODY_MAX)
			return MHD_NO;	/* an undeclared huge body: drop the connection */
		tim_buf_add(&cn->body, upload, *upload_size);
		*upload_size = 0;
		return cn->body.failed ? MHD_NO : MHD_YES;
	}
	status = tim_witness_add_checkpoint(srv->w, cn->body.len ? cn->body.buf : "",
	    cn->body.len, &resp, &ctype);
	ret = resp.failed ? MHD_NO :
	    send_text(c, (unsigned)status, ctype, resp.len ? resp.buf : "", resp.len);
	tim_buf_release(&resp);
	return ret;
}

static void
done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cn) {
		tim_buf_release(&cn->body);
		free(cn);
		*con_cls = NULL;
	}
}

int
tim_witness_server_start(struct tim_witness *w, const char *addr, unsigned port,
    struct tim_witness_server **out, struct tim_err *err)
{
	struct tim_witness_server *srv;
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	memset(&ss, 0, sizeof(ss));
	if (port > 65535)
		return tim_invalidf(err, _("invalid port %u"), port);
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else
		return tim_invalidf(err, _("invalid listening address '%s': give an IPv4 or IPv6 address"), addr);
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	srv->w = w;
	srv->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, srv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)4,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)64,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, done, srv,
	    MHD_OPTION_END);
	if (srv->d == NULL) {
		free(srv);
		return tim_errorf(err, errno, _("cannot listen on %s port %u"), addr, port);
	}
	info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : port;
	*out = srv;
	return 0;
}

unsigned
tim_witness_server_port(const struct tim_witness_server *srv)
{
	return srv->port;
}

void
tim_witness_server_stop(struct tim_witness_server *srv)
{
	if (srv == NULL)
		return;
	MHD_stop_daemon(srv->d);
	free(srv);
}
