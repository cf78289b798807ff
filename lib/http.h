/* http.h - HTTP transport over libcurl
 *
 * A context owns a locked pool of easy handles (connections are reused
 * across requests) and a share handle for DNS, TLS sessions and the
 * connection cache.  TLS peer and host verification are always on, unless
 * the context was created with insecure set explicitly.  Proxies come from
 * the environment as libcurl reads them (https_proxy, no_proxy, ...).
 * Thread-safe: any thread may call http_perform() on the same context.
 */
#ifndef ORGFS_HTTP_H
#define ORGFS_HTTP_H

#include <stddef.h>
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
	int verbose;                    /* libcurl debug output to the log */
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
 *	malformed reply), -EINVAL (bad URL), -EIO otherwise; err holds a
 *	one-line reason. */
int http_perform(struct http_ctx *ctx, const struct http_request *req,
		 struct http_response *resp, char *err, size_t errlen);
void http_response_free(struct http_response *resp);

/* Process-wide init/cleanup (curl_global_init); call from main() before
 * threads start. */
int http_global_init(void);
void http_global_cleanup(void);

#endif
