/* http.c - HTTP transport over libcurl
 *
 * Connection reuse comes from the pool: an easy handle keeps its live
 * connections across curl_easy_reset(), so a handle taken from the pool
 * usually finds a connection to the same host ready.  The share handle
 * carries the DNS and TLS session caches only: libcurl documents that a
 * shared connection cache is not safe between concurrent threads
 * (CURLSHOPT_SHARE, known bug "A shared connection cache is not
 * thread-safe"), so connections stay with their easy handle.
 *
 * Each pooled easy handle has a multi handle of its own, which holds its
 * connections (as curl_easy_perform's hidden one does), so that a
 * transfer waits in curl_multi_poll() and http_abort_all() can wake it
 * with curl_multi_wakeup() wherever it is: connecting, sending or waiting
 * for a reply.
 *
 * Proxies: chosen here from the environment by libcurl's rules
 * (proxy_for), so that an error can name the proxy it failed to reach.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "awserr.h"
#include "config.h"
#include "http.h"
#include "log.h"

#define HTTP_POOL_MAX 64
#define HTTP_DEFAULT_CONNECT_MS 3100
#define HTTP_DEFAULT_TIMEOUT_MS 30000
#define HTTP_DEFAULT_MAX_RESPONSE ((size_t)64 << 20)

/* An easy handle and the multi handle that drives it and keeps its
 * connections. */
struct conn {
	CURL *e;
	CURLM *m;
};

struct http_ctx {
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

	pthread_mutex_t pool_lock;
	struct conn idle[HTTP_POOL_MAX];        /* protected by pool_lock */
	size_t nidle;                   /* protected by pool_lock */

	/* read-only after http_ctx_new() */
	char *ca_bundle;
	char *user_agent;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_response;
	int insecure;
};

/* State of one transfer, seen by the callbacks. */
struct xfer {
	struct http_response *resp;
	int body_err;                   /* -EFBIG or -ENOMEM from the body */
	int head;                       /* HEAD: Content-Length has no body */
};

static int insecure_warned;

/* --- abort: every transfer and every wait ends at once ------------------ */

static struct {
	pthread_once_t once;
	pthread_mutex_t mu;
	pthread_cond_t cond;            /* on CLOCK_MONOTONIC: http_sleep_ms */
	int aborted;                    /* atomic */
	struct http_abort_watch *watches;       /* protected by mu */
} ab = { .once = PTHREAD_ONCE_INIT, .mu = PTHREAD_MUTEX_INITIALIZER };

static void abort_init(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ab.cond, &ca);
	pthread_condattr_destroy(&ca);
}

int http_aborted(void)
{
	return __atomic_load_n(&ab.aborted, __ATOMIC_SEQ_CST);
}

void http_abort_watch_add(struct http_abort_watch *w)
{
	pthread_mutex_lock(&ab.mu);
	w->prev = NULL;
	w->next = ab.watches;
	if (ab.watches)
		ab.watches->prev = w;
	ab.watches = w;
	pthread_mutex_unlock(&ab.mu);
}

void http_abort_watch_remove(struct http_abort_watch *w)
{
	pthread_mutex_lock(&ab.mu);
	if (w->prev)
		w->prev->next = w->next;
	else if (ab.watches == w)
		ab.watches = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->next = w->prev = NULL;
	pthread_mutex_unlock(&ab.mu);
}

/* Async-signal-unsafe: call it from a thread (fs/signals.c's). */
void http_abort_all(void)
{
	struct http_abort_watch *w;

	pthread_once(&ab.once, abort_init);
	/* set before the watches are woken: a transfer registers, then
	 * reads the flag, so it either sees the flag or is woken */
	if (__atomic_exchange_n(&ab.aborted, 1, __ATOMIC_SEQ_CST))
		return;
	olog_debug("http: aborting every request in flight");
	pthread_mutex_lock(&ab.mu);
	for (w = ab.watches; w; w = w->next)
		w->wake(w->arg);
	pthread_cond_broadcast(&ab.cond);
	pthread_mutex_unlock(&ab.mu);
}

int http_sleep_ms(uint64_t ms)
{
	struct timespec t;

	pthread_once(&ab.once, abort_init);
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ab.mu);
	while (!http_aborted() &&
	       pthread_cond_timedwait(&ab.cond, &ab.mu, &t) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&ab.mu);
	return http_aborted() ? -ECANCELED : 0;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access,
		       void *arg)
{
	struct http_ctx *ctx = arg;

	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&ctx->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	struct http_ctx *ctx = arg;

	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&ctx->share_locks[data]);
}

int http_global_init(void)
{
	const curl_version_info_data *vi;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -EIO;
	vi = curl_version_info(CURLVERSION_NOW);
	/* without an asynchronous resolver CURLOPT_NOSIGNAL disables the
	 * timeout on name resolution */
	if (vi && !(vi->features & CURL_VERSION_ASYNCHDNS))
		olog(LOG_WARNING, "libcurl has no asynchronous resolver: DNS "
		     "lookups are not bounded by the timeouts");
	return 0;
}

void http_global_cleanup(void)
{
	curl_global_cleanup();
}

struct http_ctx *http_ctx_new(const struct http_ctx_config *cfg)
{
	struct http_ctx *ctx;
	int i;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&ctx->share_locks[i], NULL);
	pthread_mutex_init(&ctx->pool_lock, NULL);

	ctx->connect_timeout_ms = HTTP_DEFAULT_CONNECT_MS;
	ctx->timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
	ctx->max_response = HTTP_DEFAULT_MAX_RESPONSE;
	if (cfg) {
		if (cfg->connect_timeout_ms > 0)
			ctx->connect_timeout_ms = cfg->connect_timeout_ms;
		if (cfg->timeout_ms > 0)
			ctx->timeout_ms = cfg->timeout_ms;
		if (cfg->max_response)
			ctx->max_response = cfg->max_response;
		ctx->insecure = !!cfg->insecure;
		if (cfg->ca_bundle && *cfg->ca_bundle) {
			ctx->ca_bundle = strdup(cfg->ca_bundle);
			if (!ctx->ca_bundle)
				goto fail;
		}
	}
	ctx->user_agent = strdup(cfg && cfg->user_agent && *cfg->user_agent ?
				 cfg->user_agent : PACKAGE_NAME "/" PACKAGE_VERSION);
	if (!ctx->user_agent)
		goto fail;

	ctx->share = curl_share_init();
	if (!ctx->share)
		goto fail;
	if (curl_share_setopt(ctx->share, CURLSHOPT_LOCKFUNC, share_lock) ||
	    curl_share_setopt(ctx->share, CURLSHOPT_UNLOCKFUNC, share_unlock) ||
	    curl_share_setopt(ctx->share, CURLSHOPT_USERDATA, ctx) ||
	    curl_share_setopt(ctx->share, CURLSHOPT_SHARE,
			      CURL_LOCK_DATA_DNS) ||
	    curl_share_setopt(ctx->share, CURLSHOPT_SHARE,
			      CURL_LOCK_DATA_SSL_SESSION))
		goto fail;

	if (ctx->insecure && !__atomic_exchange_n(&insecure_warned, 1,
						  __ATOMIC_RELAXED))
		olog(LOG_WARNING, "TLS certificate verification is disabled: "
		     "connections to AWS can be intercepted");
	return ctx;

fail:
	http_ctx_free(ctx);
	return NULL;
}

/* the multi handle goes last: it holds the easy handle's connections */
static void conn_close(struct conn *c)
{
	if (c->e)
		curl_easy_cleanup(c->e);
	if (c->m)
		curl_multi_cleanup(c->m);
	c->e = NULL;
	c->m = NULL;
}

void http_ctx_free(struct http_ctx *ctx)
{
	size_t i;
	int j;

	if (!ctx)
		return;
	for (i = 0; i < ctx->nidle; i++)
		conn_close(&ctx->idle[i]);
	/* the easy handles are gone, so the share is no longer in use */
	if (ctx->share)
		curl_share_cleanup(ctx->share);
	for (j = 0; j < CURL_LOCK_DATA_LAST; j++)
		pthread_mutex_destroy(&ctx->share_locks[j]);
	pthread_mutex_destroy(&ctx->pool_lock);
	free(ctx->ca_bundle);
	free(ctx->user_agent);
	free(ctx);
}

static struct conn pool_take(struct http_ctx *ctx)
{
	struct conn c = { NULL, NULL };

	pthread_mutex_lock(&ctx->pool_lock);
	if (ctx->nidle)
		c = ctx->idle[--ctx->nidle];
	pthread_mutex_unlock(&ctx->pool_lock);
	if (!c.e) {
		c.e = curl_easy_init();
		c.m = curl_multi_init();
		if (!c.e || !c.m)
			conn_close(&c);
	}
	return c;
}

/* The handle must have been reset: no option may point into a finished
 * request. */
static void pool_put(struct http_ctx *ctx, struct conn c)
{
	pthread_mutex_lock(&ctx->pool_lock);
	if (ctx->nidle < HTTP_POOL_MAX) {
		ctx->idle[ctx->nidle++] = c;
		c.e = NULL;
	}
	pthread_mutex_unlock(&ctx->pool_lock);
	if (c.e)
		conn_close(&c);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	int res;

	res = buf_append(&x->resp->body, p, len);
	if (res) {
		x->body_err = res;
		return 0;       /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return len;
}

/* Copy the trimmed value into dst, bounded, with control characters
 * replaced so that the value is safe to log. */
static void copy_value(char *dst, size_t dstlen, const char *v, size_t n)
{
	size_t i;

	if (n >= dstlen)
		n = dstlen - 1;
	for (i = 0; i < n; i++)
		dst[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
	dst[n] = '\0';
}

static int header_is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && !strncasecmp(name, want, nlen);
}

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct http_response *r = x->resp;
	size_t len = size * n, nlen, vlen;
	const char *colon, *v;
	char tmp[64];

	if (len >= 5 && !strncmp(line, "HTTP/", 5)) {
		/* a new status line: forget an interim (1xx) reply */
		r->request_id[0] = r->error_type[0] = r->query_error[0] = '\0';
		r->content_type[0] = '\0';
		r->retry_after_ms = -1;
		r->date = 0;
		return len;
	}
	colon = memchr(line, ':', len);
	if (!colon)
		return len;
	nlen = (size_t)(colon - line);
	v = colon + 1;
	vlen = len - nlen - 1;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && isspace((unsigned char)v[vlen - 1]))
		vlen--;

	if (header_is(line, nlen, "x-amzn-requestid")) {
		copy_value(r->request_id, sizeof(r->request_id), v, vlen);
	} else if (header_is(line, nlen, "x-amz-request-id")) {
		if (!r->request_id[0])
			copy_value(r->request_id, sizeof(r->request_id), v,
				   vlen);
	} else if (header_is(line, nlen, "x-amzn-errortype")) {
		copy_value(r->error_type, sizeof(r->error_type), v, vlen);
	} else if (header_is(line, nlen, "x-amzn-query-error")) {
		copy_value(r->query_error, sizeof(r->query_error), v, vlen);
	} else if (header_is(line, nlen, "content-type")) {
		copy_value(r->content_type, sizeof(r->content_type), v, vlen);
	} else if (header_is(line, nlen, "x-amz-retry-after")) {
		char *end;
		long ms;

		copy_value(tmp, sizeof(tmp), v, vlen);
		errno = 0;
		ms = strtol(tmp, &end, 10);
		if (!errno && end != tmp && !*end && ms >= 0)
			r->retry_after_ms = ms;
	} else if (header_is(line, nlen, "date")) {
		time_t t;

		copy_value(tmp, sizeof(tmp), v, vlen);
		t = curl_getdate(tmp, NULL);
		r->date = t > 0 ? t : 0;
	} else if (header_is(line, nlen, "content-length")) {
		unsigned long long cl;
		char *end;

		/* refuse early what cannot fit, rather than after reading it */
		copy_value(tmp, sizeof(tmp), v, vlen);
		errno = 0;
		cl = strtoull(tmp, &end, 10);
		if (!x->head && !errno && end != tmp && !*end &&
		    cl > r->body.max) {
			x->body_err = -EFBIG;
			return 0;
		}
	}
	return len;
}

static int secret_header(const char *line, size_t nlen)
{
	static const char *const names[] = {
		"authorization", "proxy-authorization",
		"x-amz-security-token", "x-amz-sso_bearer_token", "cookie",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (header_is(line, nlen, names[i]))
			return 1;
	return 0;
}

/* Verbose output: libcurl's messages and the headers, never a body, and
 * never the value of a header that carries a secret. */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size,
		    void *arg)
{
	const char *dir, *p = data, *end = data + size, *eol, *colon;
	size_t n;

	switch (type) {
	case CURLINFO_TEXT:
		dir = "*";
		break;
	case CURLINFO_HEADER_IN:
		dir = "<";
		break;
	case CURLINFO_HEADER_OUT:
		dir = ">";
		break;
	default:
		return 0;
	}
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		while (n && (p[n - 1] == '\r' || p[n - 1] == '\n'))
			n--;
		colon = memchr(p, ':', n);
		if (type != CURLINFO_TEXT && colon &&
		    secret_header(p, (size_t)(colon - p)))
			olog(LOG_DEBUG, "curl %s %.*s: <redacted>", dir,
			     (int)(colon - p), p);
		else if (n)
			olog(LOG_DEBUG, "curl %s %.*s", dir, (int)n, p);
		p = eol ? eol + 1 : end;
	}
	return 0;
}

/* curl's messages start with a capital; ours do not, but names such as
 * "SSL" or "OpenSSL" keep theirs. */
static const char *lc_first(char *s)
{
	size_t i;

	if (!isupper((unsigned char)s[0]))
		return s;
	for (i = 1; isalpha((unsigned char)s[i]); i++)
		if (!islower((unsigned char)s[i]))
			return s;
	if (i > 1)
		s[0] = (char)tolower((unsigned char)s[0]);
	return s;
}

/* The request's endpoint and the proxy it goes through, for messages. */
struct proxy {
	char scheme[8];
	char host[256];
	long port;
	const char *proxy;              /* the variable's value; NULL: direct */
	const char *var;                /* which variable: "https_proxy" */
	char where[300];                /* "proxy HOST port N", no userinfo */
};

/* Split the URL for messages, and refuse anything but http(s). */
static int check_url(const char *url, struct proxy *px, char *err,
		     size_t errlen)
{
	char *scheme = NULL, *h = NULL, *p = NULL;
	CURLUcode uc;
	CURLU *u;
	int res = -EINVAL;

	u = curl_url();
	if (!u)
		return -ENOMEM;
	uc = curl_url_set(u, CURLUPART_URL, url ? url : "", 0);
	if (uc) {
#if LIBCURL_VERSION_NUM >= 0x075000
		char why[128];

		snprintf(why, sizeof(why), "%s", curl_url_strerror(uc));
		aws_error_text(err, errlen, "invalid URL '%s': %s", url ? url : "",
			       lc_first(why));
#else
		aws_error_text(err, errlen, "invalid URL '%s'", url ? url : "");
#endif
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
		aws_error_text(err, errlen, "invalid URL '%s': scheme is not http or "
			       "https", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) || !*h ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT)) {
		aws_error_text(err, errlen, "invalid URL '%s': no host", url);
		goto out;
	}
	snprintf(px->scheme, sizeof(px->scheme), "%s", scheme);
	snprintf(px->host, sizeof(px->host), "%s", h);
	px->port = strtol(p, NULL, 10);
	res = 0;
out:
	curl_free(scheme);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return res;
}

/* no_proxy as libcurl reads it: "*", or names and addresses separated by
 * commas or spaces, each matching itself and, for names, its
 * subdomains. */
static int no_proxy_match(const char *list, const char *host)
{
	size_t hlen = strlen(host), n;
	const char *t = list;

	if (hlen && host[hlen - 1] == '.')
		hlen--;
	while (*t) {
		t += strspn(t, ", \t");
		n = strcspn(t, ", \t");
		if (n == 1 && *t == '*')
			return 1;
		if (n && *t == '.') {
			t++;
			n--;
		}
		if (n && (n == hlen || (n < hlen && host[hlen - n - 1] == '.')) &&
		    !strncasecmp(host + hlen - n, t, n))
			return 1;
		t += n;
	}
	return 0;
}

static const char *env_either(const char *lower, const char *upper)
{
	const char *v = getenv(lower);

	if ((!v || !*v) && upper)
		v = getenv(upper);
	return v && *v ? v : NULL;
}

/* The proxy libcurl would take from the environment for px's URL (its
 * rules: <scheme>_proxy, upper case too except HTTP_PROXY, then
 * all_proxy; no_proxy), and its host and port without any userinfo. */
static void proxy_for(struct proxy *px)
{
	char *h = NULL, *p = NULL, *sch = NULL;
	const char *np;
	CURLU *u;

	if (!strcmp(px->scheme, "https")) {
		px->proxy = env_either("https_proxy", "HTTPS_PROXY");
		px->var = getenv("https_proxy") && *getenv("https_proxy") ?
			  "https_proxy" : "HTTPS_PROXY";
	} else {
		px->proxy = env_either("http_proxy", NULL);
		px->var = "http_proxy";
	}
	if (!px->proxy) {
		px->proxy = env_either("all_proxy", "ALL_PROXY");
		px->var = getenv("all_proxy") && *getenv("all_proxy") ?
			  "all_proxy" : "ALL_PROXY";
	}
	np = env_either("no_proxy", "NO_PROXY");
	if (!px->proxy || (np && no_proxy_match(np, px->host))) {
		px->proxy = NULL;
		return;
	}
	u = curl_url();
	if (u && !curl_url_set(u, CURLUPART_URL, px->proxy,
			       CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) &&
	    !curl_url_get(u, CURLUPART_HOST, &h, 0)) {
		curl_url_get(u, CURLUPART_SCHEME, &sch, 0);
		if (curl_url_get(u, CURLUPART_PORT, &p, 0))
			p = NULL;
		snprintf(px->where, sizeof(px->where), "proxy %s port %s (%s)",
			 h, p ? p : sch && !strcmp(sch, "https") ? "443" : "1080",
			 px->var);
	} else {
		snprintf(px->where, sizeof(px->where), "the proxy in %s",
			 px->var);
	}
	curl_free(h);
	curl_free(p);
	curl_free(sch);
	curl_url_cleanup(u);
}

static int map_curl_error(CURL *h, CURLcode cc, const struct xfer *x,
			  const char *errbuf, const struct proxy *px,
			  char *err, size_t errlen)
{
	char msg[CURL_ERROR_SIZE], ep[600];
	const char *host = px->host;
	long oserr = 0, port = px->port;

	snprintf(msg, sizeof(msg), "%s", *errbuf ? errbuf :
		 curl_easy_strerror(cc));
	lc_first(msg);
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
	/* "host port N", "host port N through proxy P port M (var)" */
	snprintf(ep, sizeof(ep), "%s port %ld%s%s", host, port,
		 px->proxy ? " through " : "", px->proxy ? px->where : "");

	if (x->body_err || cc == CURLE_FILESIZE_EXCEEDED) {
		if (x->body_err == -ENOMEM) {
			aws_error_text(err, errlen, "reply from %s: out of "
				       "memory", ep);
			return -ENOMEM;
		}
		aws_error_text(err, errlen, "reply from %s is larger than "
			       "the %zu byte limit", ep, x->resp->body.max);
		return -EFBIG;
	}
	if (px->proxy && (cc == CURLE_COULDNT_CONNECT ||
			  cc == CURLE_COULDNT_RESOLVE_PROXY
#if LIBCURL_VERSION_NUM >= 0x074900
			  || cc == CURLE_PROXY
#endif
			  )) {
		aws_error_text(err, errlen, "cannot reach %s port %ld: %s "
			       "failed: %s", host, port, px->where,
			       cc == CURLE_COULDNT_CONNECT && oserr ?
			       strerror((int)oserr) : msg);
		return cc == CURLE_COULDNT_CONNECT ? -ECONNREFUSED :
		       cc == CURLE_COULDNT_RESOLVE_PROXY ? -EHOSTUNREACH : -EIO;
	}
	switch (cc) {
	case CURLE_ABORTED_BY_CALLBACK:
		aws_error_text(err, errlen, "request to %s aborted: orgfs is "
			       "shutting down", ep);
		return -ECANCELED;
	case CURLE_COULDNT_CONNECT:
		aws_error_text(err, errlen, "connect to %s failed: %s", ep,
			       oserr ? strerror((int)oserr) : msg);
		if (oserr == EHOSTUNREACH || oserr == ENETUNREACH)
			return -EHOSTUNREACH;
		if (oserr == ETIMEDOUT)
			return -ETIMEDOUT;
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		aws_error_text(err, errlen, "request to %s timed out: %s", ep,
			       msg);
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		aws_error_text(err, errlen, "cannot resolve %s: %s", host, msg);
		return -EHOSTUNREACH;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		aws_error_text(err, errlen, "connection to %s lost: %s", ep,
			       msg);
		return -ECONNRESET;
	case CURLE_SSL_CONNECT_ERROR:
		aws_error_text(err, errlen, "TLS handshake with %s failed: %s",
			       ep, msg);
		return oserr == ECONNRESET ? -ECONNRESET : -EPROTO;
	case CURLE_PARTIAL_FILE:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
		aws_error_text(err, errlen, "bad reply from %s: %s", ep, msg);
		return -EPROTO;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		aws_error_text(err, errlen, "invalid request to %s: %s", ep,
			       msg);
		return -EINVAL;
	case CURLE_OUT_OF_MEMORY:
		aws_error_text(err, errlen, "request to %s: out of memory", ep);
		return -ENOMEM;
	default:
		aws_error_text(err, errlen, "request to %s failed: %s", ep, msg);
		return -EIO;
	}
}

static int check_headers(const struct http_request *req, char *err,
			 size_t errlen)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *hd = &req->headers[i];

		if (!hd->name || !*hd->name || !hd->value ||
		    strpbrk(hd->name, ":\r\n \t") ||
		    strpbrk(hd->value, "\r\n")) {
			/* the value is not quoted: it may be a secret */
			aws_error_text(err, errlen, "invalid HTTP header '%s'",
				       hd->name ? hd->name : "");
			return -EINVAL;
		}
	}
	return 0;
}

/* The list holds the Authorization and X-Amz-Security-Token lines. */
static void headers_free(struct curl_slist *list)
{
	struct curl_slist *l;

	for (l = list; l; l = l->next)
		OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

static int build_headers(const struct http_request *req,
			 struct curl_slist **out)
{
	struct curl_slist *list = NULL, *t;
	struct buf line;
	size_t i;
	int res = 0;

	buf_init(&line, 64 * 1024);
	/* no 100-continue round trip before a body */
	t = curl_slist_append(list, "Expect:");
	if (!t)
		goto nomem;
	list = t;
	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *hd = &req->headers[i];

		buf_reset(&line);
		/* "Name;" is how libcurl sends a header with no value */
		if (*hd->value)
			res = buf_printf(&line, "%s: %s", hd->name, hd->value);
		else
			res = buf_printf(&line, "%s;", hd->name);
		if (res)
			goto fail;
		t = curl_slist_append(list, buf_str(&line));
		if (!t)
			goto nomem;
		list = t;
	}
	buf_wipe(&line);
	*out = list;
	return 0;

nomem:
	res = -ENOMEM;
fail:
	buf_wipe(&line);
	headers_free(list);
	return res;
}

static void set_options(struct http_ctx *ctx, CURL *h,
			const struct http_request *req,
			struct curl_slist *headers, struct xfer *x,
			char *errbuf, long connect_ms, long timeout_ms)
{
	const char *m = req->method ? req->method : "GET";

	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SHARE, ctx->share);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS,
			 (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, ctx->insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, ctx->insecure ? 0L : 2L);
	if (ctx->ca_bundle)
		curl_easy_setopt(h, CURLOPT_CAINFO, ctx->ca_bundle);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, ctx->user_agent);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	if (log_get_level() >= LOG_DEBUG) {
		curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	}

	if (!strcmp(m, "GET") && !req->body_len) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(m, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		/* POSTFIELDS sends exactly these bytes, the ones signed */
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)req->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS,
				 req->body ? (const char *)req->body : "");
		if (strcmp(m, "POST"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
	}
}

static void wake_multi(void *m)
{
	curl_multi_wakeup(m);
}

/* curl_easy_perform() on c's multi handle, which http_abort_all() can
 * wake.  @return curl's result, CURLE_ABORTED_BY_CALLBACK when aborted */
static CURLcode run_transfer(struct conn *c)
{
	struct http_abort_watch w = { .wake = wake_multi, .arg = c->m };
	CURLcode cc = CURLE_ABORTED_BY_CALLBACK;
	CURLMsg *msg;
	int running = 1, left;

	if (curl_multi_add_handle(c->m, c->e))
		return CURLE_OUT_OF_MEMORY;
	http_abort_watch_add(&w);
	while (!http_aborted()) {
		if (curl_multi_perform(c->m, &running)) {
			cc = CURLE_OUT_OF_MEMORY;
			break;
		}
		if (!running) {
			cc = CURLE_GOT_NOTHING;
			while ((msg = curl_multi_info_read(c->m, &left)))
				if (msg->msg == CURLMSG_DONE)
					cc = msg->data.result;
			break;
		}
		if (curl_multi_poll(c->m, NULL, 0, 1000, NULL)) {
			cc = CURLE_OUT_OF_MEMORY;
			break;
		}
	}
	http_abort_watch_remove(&w);
	curl_multi_remove_handle(c->m, c->e);
	return cc;
}

int http_perform(struct http_ctx *ctx, const struct http_request *req,
		 struct http_response *resp, char *err, size_t errlen)
{
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE];
	struct proxy px;
	struct xfer x;
	long connect_ms, timeout_ms;
	size_t max;
	CURLcode cc;
	struct conn c;
	int res;

	memset(resp, 0, sizeof(*resp));
	memset(&px, 0, sizeof(px));
	resp->retry_after_ms = -1;
	max = req->max_response ? req->max_response : ctx->max_response;
	buf_init(&resp->body, max);
	if (err && errlen)
		err[0] = '\0';

	res = check_url(req->url, &px, err, errlen);
	if (res)
		return res;
	res = check_headers(req, err, errlen);
	if (res)
		return res;
	res = build_headers(req, &headers);
	if (res) {
		aws_error_text(err, errlen, "request to %s port %ld: out of memory",
			       px.host, px.port);
		return res;
	}
	c = pool_take(ctx);
	if (!c.e) {
		headers_free(headers);
		aws_error_text(err, errlen, "request to %s port %ld: cannot create "
			       "a curl handle", px.host, px.port);
		return -ENOMEM;
	}

	connect_ms = req->connect_timeout_ms > 0 ? req->connect_timeout_ms :
		     ctx->connect_timeout_ms;
	timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : ctx->timeout_ms;
	x.resp = resp;
	x.body_err = 0;
	x.head = req->method && !strcmp(req->method, "HEAD");
	errbuf[0] = '\0';
	set_options(ctx, c.e, req, headers, &x, errbuf, connect_ms, timeout_ms);
	proxy_for(&px);
	curl_easy_setopt(c.e, CURLOPT_PROXY, px.proxy ? px.proxy : "");

	cc = run_transfer(&c);
	if (cc == CURLE_OK && !x.body_err) {
		curl_easy_getinfo(c.e, CURLINFO_RESPONSE_CODE, &resp->status);
		res = 0;
	} else {
		res = map_curl_error(c.e, cc, &x, errbuf, &px, err, errlen);
	}

	if (res) {
		/* whatever state the failure left, it goes with the handles */
		conn_close(&c);
	} else {
		/* drop every option that points into this request; the
		 * live connection stays for the next one */
		curl_easy_reset(c.e);
		pool_put(ctx, c);
	}
	headers_free(headers);
	return res;
}

void http_response_free(struct http_response *resp)
{
	if (resp)
		buf_free(&resp->body);
}
