/* aws.h - the AWS client: protocols, pagination, statistics
 *
 * One client per set of credentials.  Clients derived with
 * aws_client_derive() share the HTTP context, statistics and retry quota
 * of their parent (member-account roles use this).
 * Every call is synchronous and thread-safe; no lock is held while a
 * request is on the network.
 * The error type is awserr.h's; what follows a failed attempt is
 * retry.h's.
 */
#ifndef ORGFS_AWS_H
#define ORGFS_AWS_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "awserr.h"
#include "buf.h"
#include "endpoint.h"
#include "http.h"
#include "retry.h"

struct creds_provider;

/* A client-side limit on one service's request rate: a token bucket of
 * `rate` requests per second holding up to `burst`, shared by a client
 * and the clients derived from it (or one per member account with
 * per_account, for services whose quota is per account).  Requests go
 * out first come first served at the rate of the moment: a throttling
 * reply halves it (once for the requests already on their way), each
 * success brings it back by a twentieth of the configured rate, never
 * above it (lib/ratelimit.h).  rate AWS_RATE_AUTO: adaptive, no
 * ceiling: unpaced until the service throttles, then CUBIC at the rate it
 * answers (lib/ratelimit.h).  The first ten throttles of a call to a
 * limited service do not count against max_attempts. */
#define AWS_RATE_AUTO (-1.0)
struct aws_rate_limit {
	const char *service;            /* aws_service id: "organizations" */
	double rate;                    /* requests per second; 0: none;
					   AWS_RATE_AUTO: adaptive */
	double burst;                   /* 0: max(rate, 1) */
	int per_account;
};

struct aws_client_config {
	const struct aws_rate_limit *rate_limits;       /* copied */
	size_t nrate_limits;
	struct http_ctx *http;          /* borrowed; outlives the client */
	struct creds_provider *creds;   /* reference taken; NULL: unsigned only */
	const char *region;             /* default region for calls with NULL */
	const struct endpoint_config *endpoints;        /* copied */
	int max_attempts;               /* 0: AWS_MAX_ATTEMPTS or 3 */
	enum aws_retry_mode retry_mode;
	int retry_quota;                /* 0: 500 */
	/* For mocking, leave NULL otherwise */
	time_t (*wall_clock)(void);     /* signing time */
	void (*sleep_ms)(uint64_t ms);  /* backoff sleeps */
	double (*random)(void);         /* jitter in [0,1) */
};

struct aws_client;

struct aws_client *aws_client_new(const struct aws_client_config *cfg);
/* A client with other credentials sharing parent's HTTP, stats, quota
 * and rate buckets. */
struct aws_client *aws_client_derive(struct aws_client *parent,
				     struct creds_provider *creds);
/* The same for calls into the member account `account` (12 digits):
 * the per_account rate buckets are that account's, shared by every
 * client derived for it. */
struct aws_client *aws_client_derive_account(struct aws_client *parent,
					     struct creds_provider *creds,
					     const char *account);
/* How many rate buckets c's shared state holds (one per limited service
 * and region, and per member account with per_account). */
size_t aws_client_buckets(struct aws_client *c);
void aws_client_free(struct aws_client *c);
const char *aws_client_region(const struct aws_client *c);
/* Where the client's endpoints come from (for endpoint_resolve: what a
 * call of the client would reach), valid as long as the client. */
const struct endpoint_config *aws_client_endpoints(const struct aws_client *c);

/* awsJson1_1 call: POST / with X-Amz-Target <prefix>.<op>.  input is
 * borrowed (NULL sends {}); *output is a new reference on success.
 * region NULL: the client's.  @return 0 or -errno with err filled */
int aws_json_call(struct aws_client *c, const struct aws_service *svc,
		  const char *region, const char *op, json_t *input,
		  json_t **output, struct aws_error *err);

struct aws_param {
	const char *name;
	const char *value;
};

/* awsQuery call (STS): form-encoded Action/Version plus params.  The XML
 * reply is turned into JSON of the same shape as the service's JSON
 * rendering: {"<Action>Response": {"<Action>Result": {...},
 * "ResponseMetadata": {...}}}, elements holding <member> children become
 * arrays, leaves strings.  A JSON reply is accepted as it is. */
int aws_query_call(struct aws_client *c, const struct aws_service *svc,
		   const char *region, const char *action,
		   const struct aws_param *params, size_t nparams,
		   json_t **output, struct aws_error *err);

/* restJson1 call.  path is unencoded ("/federation/credentials"); query
 * params are encoded by the call; body NULL sends no body.  sign=0 sends
 * it unsigned (SSO, OIDC). */
int aws_rest_call(struct aws_client *c, const struct aws_service *svc,
		  const char *region, const char *method, const char *path,
		  const struct aws_param *query, size_t nquery,
		  const struct http_header *headers, size_t nheaders,
		  json_t *body, int sign, json_t **output,
		  struct aws_error *err);

/* Pagination over an awsJson1_1 operation.  in_key/out_key name the token
 * members ("NextToken", "PaginationToken").  The token ends the listing
 * when absent or null; an empty string ends it too (the tagging API's
 * end); an empty page with a token is not the end; a repeated token fails
 * with EIO.  page_fn sees each page (borrowed) and returns 0 or -errno to
 * stop.  Any failure fails the whole listing.  input is borrowed and not
 * modified. */
typedef int (*aws_page_fn)(json_t *page, void *arg);
int aws_json_paginate(struct aws_client *c, const struct aws_service *svc,
		      const char *region, const char *op, json_t *input,
		      const char *in_key, const char *out_key,
		      aws_page_fn page_fn, void *arg, struct aws_error *err);

/* Statistics, shared by derived clients. */
struct aws_stats_totals {
	uint64_t calls;                 /* operations started */
	uint64_t requests;              /* HTTP requests sent (retries included) */
	uint64_t retries;
	uint64_t throttles;
	uint64_t errors;                /* operations that failed */
	uint64_t in_flight;
};
void aws_client_stats(struct aws_client *c, struct aws_stats_totals *out);
/* One line per operation: "<service>:<op> calls=N retries=N throttles=N
 * errors=N", sorted. */
int aws_client_stats_render(struct aws_client *c, struct buf *out);

#endif
