/*
 * The one HTTP client of tim (libcurl): a POST of a small body with a size
 * limit on the answer, used by the witness client and the RFC 3161 client.
 * http and https only, no redirects, no proxy from the environment's
 * other protocols, a timeout.
 */
#include <pthread.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "witness.h"
#include "banned.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sink {
	struct tim_buf *out;
	size_t max;
	int over;
};

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	if (s->out->len + len > s->max) {
		s->over = 1;
		return 0;	/* stops the transfer */
	}
	if (tim_buf_add(s->out, p, len) < 0)
		return 0;
	return len;
}

int
tim_http_post(const char *url, const char *ctype, const void *body, size_t len,
    long timeout_s, size_t max, struct tim_http_reply *reply, struct tim_buf *out,
    struct tim_err *err)
{
	struct curl_slist *hdr = NULL;
	struct sink sink = { out, max, 0 };
	struct tim_buf h = TIM_BUF_INIT;
	char ebuf[CURL_ERROR_SIZE] = "";
	char *ct = NULL;
	CURLcode rc;
	CURL *c;
	int r = -1;

	memset(reply, 0, sizeof(*reply));
	pthread_once(&once, global_init);
	if (global_rc != CURLE_OK || (c = curl_easy_init()) == NULL)
		return tim_errorf(err, 0, _("cannot start an HTTP client"));
	tim_buf_addf(&h, "Content-Type: %s", ctype);
	if (h.failed || (hdr = curl_slist_append(NULL, h.buf)) == NULL) {
		tim_errorf(err, 0, _("out of memory"));
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_s < 10 ? timeout_s : 10L);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tim");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	rc = curl_easy_perform(c);
	if (sink.over) {
		tim_errorf(err, 0, _("'%s' answered with more than %zu bytes"), url, max);
		goto out;
	}
	if (rc != CURLE_OK) {
		tim_errorf(err, 0, _("cannot reach '%s': %s"), url,
		    *ebuf ? ebuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply->status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
		snprintf(reply->ctype, sizeof(reply->ctype), "%s", ct);
	r = 0;
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	tim_buf_release(&h);
	return r;
}
