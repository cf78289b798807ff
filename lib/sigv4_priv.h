/* sigv4_priv.h - the stages of SigV4 signing, exported for tests
 *
 * sigv4_sign() is sigv4_sign_stages() with stages == NULL.  Tests and the
 * sigv4dump tool call the stages one by one (or ask sigv4_sign_stages() for
 * the intermediate texts) to compare each against the AWS test suites,
 * botocore and libcurl.  Nothing outside lib/sigv4.c and the tests should
 * include this header.
 */
#ifndef ORGFS_SIGV4_PRIV_H
#define ORGFS_SIGV4_PRIV_H

#include "sigv4.h"

/* Hard cap on every text the signer builds (canonical request, query...). */
#define SIGV4_MAX_TEXT (8u << 20)

/* The intermediate texts of one signature (all malloc'd). */
struct sigv4_stages {
	char *canonical_request;
	char *string_to_sign;
	char signature[65];
};

void sigv4_stages_free(struct sigv4_stages *st);

/* sigv4_sign(), and when st is not NULL also the intermediate texts.
 * st is written only on success. */
int sigv4_sign_stages(const struct sigv4_request *req,
		      const struct sigv4_credentials *cr,
		      const struct sigv4_config *cfg,
		      struct sigv4_output *out, struct sigv4_stages *st);

/* "YYYYMMDDTHHMMSSZ" (UTC) for when.  @return 0 or -EINVAL (out of range) */
int sigv4_amz_date(time_t when, char out[17]);

/* botocore's remove_dot_segments(): RFC 3986 5.2.4 that also drops empty
 * segments ("//"); a trailing '/' is kept when the input ends with '/' and
 * the result has a segment; "" becomes "/".  malloc'd, NULL on -ENOMEM. */
char *sigv4_normalize_path(const char *path);

/* Canonical URI of a wire path (already percent-encoded, starts with '/')
 * under cfg->normalize_path and cfg->double_encode.
 * @return 0, -EINVAL, -ENOMEM; *out malloc'd */
int sigv4_canonical_uri(const char *path, const struct sigv4_config *cfg,
			char **out);

/* Canonical query of a wire query (without '?', NULL for none): split on
 * '&' (empty pieces dropped), split at the first '=', percent-decode once
 * (a malformed escape stays literal), UriEncode strictly, sort by name then
 * value.  @return 0, -EFBIG, -ENOMEM; *out malloc'd ("" for none) */
int sigv4_canonical_query(const char *query, char **out);

/* Trimall of one header value: leading/trailing ASCII whitespace dropped,
 * every internal run (folded lines included) becomes one space.  malloc'd,
 * NULL on -ENOMEM. */
char *sigv4_trim_value(const char *value);

/* 1 when a header of this (any case) name is never signed (botocore's
 * SIGNED_HEADERS_BLACKLIST: user-agent, expect, connection, ...). */
int sigv4_header_is_unsigned(const char *name);

/* Canonical request for req at amz_date (the signer-added headers included)
 * and its signed-headers list.  @return 0, -EINVAL, -EFBIG, -ENOMEM */
int sigv4_canonical_request(const struct sigv4_request *req,
			    const struct sigv4_credentials *cr,
			    const struct sigv4_config *cfg,
			    const char *amz_date, char **creq_out,
			    char **signed_headers_out);

/* "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(creq)>".
 * @return 0, -ENOMEM */
int sigv4_string_to_sign(const char *creq, const char *amz_date,
			 const struct sigv4_config *cfg, char **out);

/* Hex HMAC-SHA256 of sts under the key derived from secret, the date part
 * of amz_date, cfg->region and cfg->service.  Wipes what it derives.
 * @return 0, -EINVAL, -ENOMEM */
int sigv4_signature(const char *secret, const char *amz_date,
		    const struct sigv4_config *cfg, const char *sts,
		    char out[65]);

#endif
