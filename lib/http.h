/* http.h - HTTP transport over libcurl
 *
 * A context owns a locked pool of easy handles (connections are reused
 * across requests) and a share handle for DNS, TLS sessions and the
 * connection cache.  TLS peer and host verification are always on, unless
 * the context was created with insecure set explicitly.  Proxies come from
 * the environment as libcurl reads them (https_proxy, no_proxy, ...).
 * Thread-safe: any thread may call http_perform() on the same context.
 * http_abort_all() ends every transfer and every wait of the process at
 * once, for a prompt shutdown.
 */
#ifndef ORGFS_HTTP_H
#define ORGFS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

struct http_header {
	const char *name;
	const char *value;
};

struct http_request {
	const char *method;             /* "GET", "POST", "PUT" */
	const char *url;                /* absolute URL */
	const struct http_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	long connect_timeout_ms;        /* 0: the context's */
	long timeout_ms;                /* total; 0: the context's */
	size_t max_response;            /* 0: the context's */
};

struct http_response {
	long status;                    /* HTTP status */
	struct buf body;
	char request_id[128];           /* x-amzn-RequestId (or x-amz-request-id) */
	char error_type[256];           /* x-amzn-ErrorType */
	char query_error[256];          /* x-amzn-query-error */
	char content_type[128];
	long retry_after_ms;            /* x-amz-retry-after, -1 when absent */
	time_t date;                    /* Date header, 0 when absent */
};

struct http_ctx_config {
	const char *ca_bundle;          /* AWS_CA_BUNDLE; NULL: system store */
	long connect_timeout_ms;        /* default 3100 */
	long timeout_ms;                /* default 30000 */
	size_t max_response;            /* default 64 MiB */
	const char *user_agent;         /* default "orgfs/<version>" */
	int insecure;                   /* disable TLS verification (never by default) */
};

struct http_ctx;

/* @return NULL on -ENOMEM or a libcurl setup failure */
struct http_ctx *http_ctx_new(const struct http_ctx_config *cfg);
void http_ctx_free(struct http_ctx *ctx);

/* Perform one request.  resp is initialised by the call and must be freed
 * with http_response_free() whatever the result.
 * @return 0 when a whole reply was received (any status), or -errno:
 *	-ECONNREFUSED, -ECONNRESET, -ETIMEDOUT, -EHOSTUNREACH (resolve or
 *	route failed), -EFBIG (reply over the size cap), -EPROTO (truncated or
 *	malformed reply), -EINVAL (bad URL), -ECANCELED (http_abort_all()
 *	was called), -EIO otherwise; err holds a one-line reason, naming
 *	the proxy when the request went through one.
 * At log level debug, libcurl's trace goes to the log: its messages and
 * the headers, never a body nor the value of Authorization,
 * X-Amz-Security-Token or another header that carries a secret. */
int http_perform(struct http_ctx *ctx, const struct http_request *req,
		 struct http_response *resp, char *err, size_t errlen);
void http_response_free(struct http_response *resp);

/* Process-wide, for shutdown: every transfer in progress and every one
 * started later fails at once with -ECANCELED, every http_sleep_ms()
 * returns, and every watch's wake(arg) runs (under a lock: it must not
 * call back into this module).  Never undone.  Call it from a thread,
 * not from a signal handler. */
void http_abort_all(void);
/* @return 1 once http_abort_all() was called */
int http_aborted(void);
/* Sleep ms milliseconds, or less if http_abort_all() is called meanwhile.
 * @return 0, or -ECANCELED when aborted */
int http_sleep_ms(uint64_t ms);

/* A wait of some other module's that http_abort_all() must end: wake(arg)
 * wakes it; the waiter checks http_aborted().  The struct stays in place
 * between add and remove. */
struct http_abort_watch {
	void (*wake)(void *arg);
	void *arg;
	struct http_abort_watch *prev, *next;   /* private */
};
void http_abort_watch_add(struct http_abort_watch *w);
void http_abort_watch_remove(struct http_abort_watch *w);

/* Process-wide init/cleanup (curl_global_init); call from main() before
 * threads start. */
int http_global_init(void);
void http_global_cleanup(void);

#endif
