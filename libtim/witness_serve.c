/*
 * The witness of C2SP tlog-witness: its state (the latest cosigned size
 * and root per origin, one file each, replaced atomically and synced
 * before an answer), the add-checkpoint decision, and its HTTP server
 * (libmicrohttpd).
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
	char *path;		/* statedir/hex(SHA-256(origin)) */
	int fd;			/* open for the in-place updates, -1 before the first */
	uint64_t seq;		/* of the newest slot */
	uint64_t size;
	tim_hash root;
	int have;
};

struct tim_witness {
	struct tim_signer key;
	char *dir;
	int dirfd;
	int lockfd;
	struct log_state *logs;
	size_t nlogs;
};

/*
 * One state file per origin: two slots of SLOT bytes, each
 *   "tim-witness-state v1\norigin <origin>\nseq <n>\nsize <n>\nroot <b64>\n"
 *   "sum <hex SHA-256 of the lines above>\n", padded with NUL.
 * An update writes the slot the newest one is not in and fdatasyncs: a
 * crash during it leaves a torn slot whose sum fails and the other slot,
 * the state before, intact. The newest valid slot is the state. The file
 * is created whole (temporary file, rename, folder synced) the first time.
 */
#define SLOT 2048
#define SLOT_MAGIC "tim-witness-state v1\n"

static int
slot_format(const struct log_state *ls, uint64_t seq, uint64_t size,
    const tim_hash root, char out[SLOT])
{
	struct tim_buf b = TIM_BUF_INIT;
	unsigned char h[TIM_SHA256_LEN];
	char hex[2 * TIM_SHA256_LEN + 1];
	int r = -1;

	tim_buf_addf(&b, SLOT_MAGIC "origin %s\nseq %llu\nsize %llu\nroot ", ls->log.origin,
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

/* 0 and the slot's values when it is whole and for this origin. */
static int
slot_parse(const struct log_state *ls, const char *slot, uint64_t *seq,
    uint64_t *size, tim_hash root)
{
	char buf[SLOT + 1], again[SLOT];
	unsigned long long q, n;
	const char *p;
	char *e;
	int off;

	memcpy(buf, slot, SLOT);
	buf[SLOT] = '\0';
	if (strncmp(buf, SLOT_MAGIC "origin ", sizeof(SLOT_MAGIC "origin ") - 1) != 0)
		return -1;
	p = buf + sizeof(SLOT_MAGIC "origin ") - 1;
	if (strncmp(p, ls->log.origin, strlen(ls->log.origin)) != 0)
		return -1;
	p += strlen(ls->log.origin);
	if (sscanf(p, "\nseq %llu\nsize %llu\nroot %n", &q, &n, &off) != 2)
		return -1;
	p += off;
	e = strchr(p, '\n');
	if (e == NULL || tim_base64_decode(p, (size_t)(e - p), root, TIM_SHA256_LEN) !=
	    TIM_SHA256_LEN)
		return -1;
	/* The whole slot, sum included, must be what these values format to. */
	if (slot_format(ls, q, n, root, again) < 0 || memcmp(again, slot, SLOT) != 0)
		return -1;
	*seq = q;
	*size = n;
	return 0;
}

static int
state_read(struct log_state *ls, struct tim_err *err)
{
	struct tim_buf b = TIM_BUF_INIT;
	uint64_t seq, size;
	tim_hash root;
	int i;

	ls->have = 0;
	ls->fd = -1;
	if (tim_read_file(ls->path, 2 * SLOT, TIM_READ_REGULAR, &b, err) < 0) {
		tim_buf_release(&b);
		if (err->errnum == ENOENT) {
			tim_err_clear(err);
			return 0;
		}
		return -1;
	}
	for (i = 0; b.len == 2 * SLOT && i < 2; i++)
		if (slot_parse(ls, b.buf + i * SLOT, &seq, &size, root) == 0 &&
		    (!ls->have || seq > ls->seq)) {
			ls->have = 1;
			ls->seq = seq;
			ls->size = size;
			memcpy(ls->root, root, TIM_SHA256_LEN);
		}
	tim_buf_release(&b);
	if (!ls->have)
		return tim_errorf(err, 0, _("witness state '%s' is damaged"), ls->path);
	ls->fd = open(ls->path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (ls->fd < 0)
		return tim_errorf(err, errno, _("cannot open '%s'"), ls->path);
	return 0;
}

/* Durable before it returns: fdatasync of one slot, or the first file whole. */
static int
state_write(struct tim_witness *w, struct log_state *ls, uint64_t size,
    const tim_hash root, struct tim_err *err)
{
	char buf[2 * SLOT];
	uint64_t seq = ls->have ? ls->seq + 1 : 1;
	off_t at = (off_t)(seq % 2) * SLOT;

	if (slot_format(ls, seq, size, root, buf) < 0)
		return tim_errorf(err, 0, _("out of memory"));
	if (ls->fd < 0) {
		memset(buf + SLOT, 0, SLOT);
		if (seq % 2) {
			memcpy(buf + SLOT, buf, SLOT);
			memset(buf, 0, SLOT);
		}
		if (tim_write_replace(ls->path, 0600, buf, sizeof(buf), err) < 0)
			return -1;
		if (fsync(w->dirfd) < 0)
			return tim_errorf(err, errno, _("cannot write '%s'"), w->dir);
		ls->fd = open(ls->path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (ls->fd < 0)
			return tim_errorf(err, errno, _("cannot open '%s'"), ls->path);
	} else if (pwrite(ls->fd, buf, SLOT, at) != SLOT || fdatasync(ls->fd) < 0)
		return tim_errorf(err, errno, _("cannot write '%s'"), ls->path);
	ls->seq = seq;
	return 0;
}

void
tim_witness_close(struct tim_witness *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; w->logs && i < w->nlogs; i++) {
		free(w->logs[i].path);
		if (w->logs[i].fd >= 0)
			close(w->logs[i].fd);
		pthread_mutex_destroy(&w->logs[i].lock);
	}
	free(w->logs);
	if (w->dirfd >= 0)
		close(w->dirfd);
	if (w->lockfd >= 0)
		close(w->lockfd);
	free(w->dir);
	tim_signer_release(&w->key);
	free(w);
}

int
tim_witness_open(struct tim_witness **out, const char *statedir,
    const struct tim_signer *key, const struct tim_witness_log *logs,
    size_t nlogs, struct tim_err *err)
{
	struct tim_witness *w;
	struct tim_buf b = TIM_BUF_INIT;
	struct stat st;
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
	w->dirfd = w->lockfd = -1;
	w->key = *key;
	w->dir = strdup(statedir);
	w->logs = calloc(nlogs, sizeof(*w->logs));
	if (w->dir == NULL || w->logs == NULL) {
		tim_errorf(err, ENOMEM, _("out of memory"));
		goto fail;
	}
	w->nlogs = nlogs;
	for (i = 0; i < nlogs; i++) {
		pthread_mutex_init(&w->logs[i].lock, NULL);
		w->logs[i].fd = -1;
	}
	if (mkdir(statedir, 0700) < 0 && errno != EEXIST) {
		tim_errorf(err, errno, _("cannot create '%s'"), statedir);
		goto fail;
	}
	w->dirfd = open(statedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w->dirfd < 0 || fstat(w->dirfd, &st) < 0) {
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
	for (i = 0; i < nlogs; i++) {
		unsigned char h[TIM_SHA256_LEN];
		char hex[2 * TIM_SHA256_LEN + 1];

		w->logs[i].log = logs[i];
		if (tim_sha256(logs[i].origin, strlen(logs[i].origin), h) < 0) {
			tim_errorf(err, 0, _("out of memory"));
			goto fail;
		}
		tim_hex(h, sizeof(h), hex);
		tim_buf_reset(&b);
		tim_buf_addf(&b, "%s/%s", statedir, hex);
		if (b.failed || (w->logs[i].path = strdup(b.buf)) == NULL) {
			tim_errorf(err, ENOMEM, _("out of memory"));
			goto fail;
		}
		if (state_read(&w->logs[i], err) < 0)
			goto fail;
	}
	tim_buf_release(&b);
	*out = w;
	return 0;
fail:
	tim_buf_release(&b);
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
	uint64_t known;
	int status;

	*ctype = "text/plain; charset=utf-8";
	tim_err_clear(&err);
	if (tim_witness_req_parse(body, len, &req, &err) < 0)
		return reason(resp, 400, err.msg);
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
