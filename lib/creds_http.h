/* creds_http.h - credentials from a local HTTP endpoint: the container
 * credentials endpoint (ECS, EKS Pod Identity) and EC2 instance metadata
 * (IMDSv2, falling back to IMDSv1 where allowed)
 */
#ifndef ORGFS_CREDS_HTTP_H
#define ORGFS_CREDS_HTTP_H

#include <time.h>

#include "creds.h"

struct http_ctx;

/* Whether url may serve container credentials (botocore's rule): any
 * https URL; http only to a loopback address, localhost or the container
 * agent (169.254.170.2, 169.254.170.23, fd00:ec2::23). */
int creds_container_url_ok(const char *url);

struct creds_container_options {
	struct http_ctx *http;          /* borrowed; outlives the provider */
	const char *profile;            /* for messages */
	const char *url;                /* the full credentials URL */
	const char *token_file;         /* NULL: none; re-read on every fetch,
					   its content is the Authorization */
	const char *token;              /* NULL: none; the Authorization when
					   there is no token_file */
	time_t (*clock)(void);          /* NULL: time() */
};

/* GET url (2 s timeout, 3 attempts for server errors) and read
 * {AccessKeyId, SecretAccessKey, Token, Expiration}.  Strings are copied.
 * @return a new provider, or NULL on -ENOMEM */
struct creds_provider *
creds_container_new(const struct creds_container_options *opt);

struct creds_imds_options {
	struct http_ctx *http;          /* borrowed; outlives the provider */
	const char *profile;            /* for messages */
	const char *base;               /* "http://169.254.169.254"; trailing
					   slashes are dropped */
	int v1_disabled;                /* no fallback to IMDSv1 */
	long timeout_ms;                /* per request */
	int attempts;                   /* per GET */
	time_t (*clock)(void);          /* NULL: time() */
};

/* A session token (PUT /latest/api/token), the instance's role name, then
 * its credentials.  Credentials that expire within 15 minutes are used for
 * 20 more (static stability, as botocore).  Strings are copied.
 * @return a new provider, or NULL on -ENOMEM */
struct creds_provider *creds_imds_new(const struct creds_imds_options *opt);

#endif
