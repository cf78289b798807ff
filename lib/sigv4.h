/* sigv4.h - AWS Signature Version 4
 *
 * Signs one HTTP request for one service and region.  The signer adds and
 * signs x-amz-date, x-amz-security-token (when the credentials carry a
 * session token) and, when asked, x-amz-content-sha256; the caller then
 * sends every header of sigv4_output along with the request.
 * The stages (canonical request, string to sign, signature) are exported
 * for tests in sigv4_priv.h.
 */
#ifndef ORGFS_SIGV4_H
#define ORGFS_SIGV4_H

#include <stddef.h>
#include <time.h>

struct sigv4_header {
	const char *name;
	const char *value;
};

struct sigv4_credentials {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;      /* NULL or "" when none */
};

struct sigv4_config {
	const char *region;             /* signing region, e.g. "us-east-1" */
	const char *service;            /* signing name, e.g. "organizations" */
	time_t when;                    /* signing time, seconds since the epoch */
	int double_encode;              /* non-S3 services: 1 */
	int normalize_path;             /* non-S3 services: 1 */
	int sign_body_header;           /* add and sign x-amz-content-sha256 */
};

struct sigv4_request {
	const char *method;             /* "GET", "POST", ... */
	const char *path;               /* as sent on the wire (percent-encoded) */
	const char *query;              /* as sent, without '?'; NULL for none */
	const struct sigv4_header *headers; /* every header sent that is to be
					   signed, Host included */
	size_t nheaders;
	const void *body;
	size_t body_len;
};

struct sigv4_output {
	char amz_date[17];              /* value for X-Amz-Date */
	char content_sha256[65];        /* X-Amz-Content-Sha256 when asked, else "" */
	char *authorization;            /* value for Authorization (malloc'd) */
	char *signed_headers;           /* e.g. "content-type;host;x-amz-date" */
};

/* Sign req.  Secrets derived on the way are wiped before return.
 * @return 0, -EINVAL for a malformed request, -ENOMEM */
int sigv4_sign(const struct sigv4_request *req,
	       const struct sigv4_credentials *cr,
	       const struct sigv4_config *cfg,
	       struct sigv4_output *out);
void sigv4_output_free(struct sigv4_output *out);

/* UriEncode as SigV4 defines it: every byte but A-Z a-z 0-9 - . _ ~ becomes
 * %XX (upper case); '/' is kept when keep_slash.  Appends to a malloc'd
 * string returned to the caller, NULL on -ENOMEM. */
char *sigv4_uri_encode(const char *s, size_t len, int keep_slash);

/* Lower-case hex SHA-256 of data into out[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif
