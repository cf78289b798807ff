/* aws.c - the AWS client: protocols, pagination, statistics
 *
 * One request loop (aws_perform) serves the three protocols: it resolves
 * the endpoint, then per attempt waits for the service's client rate,
 * takes fresh credentials, signs with the current wall clock and sends;
 * what follows a failure (retry, credential refresh, give up) is
 * retry_next's decision (retry.h).  Errors are parsed as botocore does
 * (aws-protocols.md §3.1).
 *
 * Decisions worth knowing:
 *  - A 2xx whose body does not parse is "MalformedResponse" (EIO) and is
 *    retried as transient; a truncated reply arrives as -EPROTO from http
 *    ("TruncatedResponse") and is retried too; a reply over the size cap
 *    is "ResponseTooLarge" and never retried.
 *  - Rejected credentials (ExpiredToken, ...) invalidate the provider once
 *    per call and the request goes again with fresh ones (retry.h).
 *  - The retry quota and the stats table are shared by derived clients.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aws.h"
#include "awserr.h"
#include "awsxml.h"
#include "creds.h"
#include "log.h"
#include "ratelimit.h"
#include "retry.h"
#include "sigv4.h"

#define AWS_ERROR_BODY_MAX 400  /* bytes of a non-JSON error body kept */
/* A listing stops there even when every token is new: 10,000 accounts are
 * 500 pages, a million tagged resources 10,000. */
#define AWS_MAX_PAGES 200000

/* --- client ----------------------------------------------------------- */

struct op_stats {
	char *name;                     /* "service:Op" */
	struct aws_stats_totals t;
};

/* A client-side request rate (lib/ratelimit.h) and the requests waiting
 * for their turn in it. */
struct bucket {
	struct bucket *next;
	char key[160];                  /* service/region[/account] */
	struct ratelimit rl;            /* protected by aws_shared.lock */
	pthread_cond_t turn;            /* rl changed: waiters look again */
};

/* What derived clients share. */
struct aws_shared {
	struct aws_rate_limit *limits;  /* owned copy; strings owned */
	size_t nlimits;
	struct bucket *buckets;         /* protected by lock */
	int refcount;                   /* atomic */
	struct http_ctx *http;          /* borrowed */
	struct retry_state *retry;
	pthread_mutex_t lock;
	struct op_stats *ops;           /* protected by lock */
	size_t nops, cap;               /* protected by lock */
	struct http_abort_watch abort_watch;    /* wakes the rate waits */
};

struct aws_client {
	struct aws_shared *sh;
	/* the member account whose per-account quotas the calls count
	 * against, "" for the credentials' own (aws_client_derive_account):
	 * one bucket per account however many clients are derived for it,
	 * not one per client, which piled up one more with every fetch
	 * (issue 18.7) and gave each a whole burst */
	char account[16];
	struct creds_provider *creds;   /* reference, may be NULL */
	char *region;
	struct endpoint_config ep;      /* the strings below are owned */
	char *ep_orgfs;
	char *ep_profile;
	int max_attempts;
	enum aws_retry_mode mode;
	time_t (*wall_clock)(void);
	void (*sleep_ms)(uint64_t ms);
	double (*random)(void);
};

static void shared_release(struct aws_shared *sh)
{
	if (!sh || __atomic_sub_fetch(&sh->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	http_abort_watch_remove(&sh->abort_watch);
	for (size_t i = 0; i < sh->nops; i++)
		free(sh->ops[i].name);
	free(sh->ops);
	while (sh->buckets) {
		struct bucket *b = sh->buckets;

		sh->buckets = b->next;
		pthread_cond_destroy(&b->turn);
		free(b);
	}
	for (size_t i = 0; i < sh->nlimits; i++)
		free((char *)sh->limits[i].service);
	free(sh->limits);
	retry_state_release(sh->retry);
	pthread_mutex_destroy(&sh->lock);
	free(sh);
}

static time_t default_wall_clock(void)
{
	return time(NULL);
}

/* a backoff ends early when http_abort_all() is called */
static void default_sleep_ms(uint64_t ms)
{
	http_sleep_ms(ms);
}

/* http_abort_all(): the requests waiting for their turn look again, and
 * see it */
static void wake_rate_waits(void *arg)
{
	struct aws_shared *sh = arg;
	struct bucket *b;

	pthread_mutex_lock(&sh->lock);
	for (b = sh->buckets; b; b = b->next)
		pthread_cond_broadcast(&b->turn);
	pthread_mutex_unlock(&sh->lock);
}

static char *dup_or_null(const char *s, int *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = 1;
	return d;
}

static struct aws_client *client_alloc(struct aws_shared *sh,
				       struct creds_provider *creds,
				       const char *region,
				       const struct endpoint_config *ep)
{
	struct aws_client *c = calloc(1, sizeof(*c));
	int fail = 0;

	if (!c)
		return NULL;
	c->sh = sh;
	c->region = dup_or_null(region, &fail);
	if (ep) {
		c->ep = *ep;
		c->ep_orgfs = dup_or_null(ep->orgfs_endpoint, &fail);
		c->ep_profile = dup_or_null(ep->profile_endpoint_url, &fail);
		c->ep.orgfs_endpoint = c->ep_orgfs;
		c->ep.profile_endpoint_url = c->ep_profile;
	}
	if (fail) {
		free(c->region);
		free(c->ep_orgfs);
		free(c->ep_profile);
		free(c);
		return NULL;
	}
	c->creds = creds_provider_acquire(creds);
	return c;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The bucket of a request, created on first use; called with sh->lock.
 * NULL: no limit for the service. */
static struct bucket *bucket_of(struct aws_client *c, const char *svc,
				const char *region)
{
	struct aws_shared *sh = c->sh;
	const struct aws_rate_limit *l = NULL;
	pthread_condattr_t ca;
	struct bucket *b;
	char key[160];
	size_t i;

	for (i = 0; i < sh->nlimits; i++)
		if (!strcmp(sh->limits[i].service, svc))
			l = &sh->limits[i];
	if (!l || l->rate == 0)
		return NULL;
	if (l->per_account)
		snprintf(key, sizeof(key), "%s/%s/%s", svc, region,
			 c->account);
	else
		snprintf(key, sizeof(key), "%s/%s", svc, region);
	for (b = sh->buckets; b; b = b->next)
		if (!strcmp(b->key, key))
			return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	if (pthread_condattr_init(&ca)) {
		free(b);
		return NULL;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&b->turn, &ca)) {
		pthread_condattr_destroy(&ca);
		free(b);
		return NULL;
	}
	pthread_condattr_destroy(&ca);
	snprintf(b->key, sizeof(b->key), "%s", key);
	ratelimit_init(&b->rl, l->rate, l->burst, mono_s());
	b->next = sh->buckets;
	sh->buckets = b;
	return b;
}

/* Wait for the request's turn and a token (without holding the lock);
 * @return its bucket (NULL: no limit) and in *sent_at when it went. */
static struct bucket *rate_before_send(struct aws_client *c, const char *svc,
				       const char *region, double *sent_at)
{
	struct bucket *b;
	uint64_t ticket;
	double wait, now = mono_s(), asked = now;

	pthread_mutex_lock(&c->sh->lock);
	b = bucket_of(c, svc, region);
	if (b) {
		ticket = ratelimit_ticket(&b->rl);
		while (!http_aborted()) {
			struct timespec ts;

			now = mono_s();
			wait = ratelimit_try(&b->rl, ticket, now);
			if (wait <= 0)
				break;
			/* woken when the rate changes or a turn ends; the
			 * second is only a safety net */
			if (wait > 1)
				wait = 1;
			wait += now;
			ts.tv_sec = (time_t)wait;
			ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
			pthread_cond_timedwait(&b->turn, &c->sh->lock, &ts);
		}
		*sent_at = now;
		pthread_cond_broadcast(&b->turn);       /* the next one's turn */
	}
	pthread_mutex_unlock(&c->sh->lock);
	if (b && now - asked >= 1e-3)
		olog_debug("aws: %s/%s waited %.0f ms for its turn at the "
			   "client rate", svc, region, (now - asked) * 1e3);
	return b;
}

/* Tell the bucket how the request sent at sent_at went. */
static void rate_after_response(struct aws_client *c, struct bucket *b,
				double sent_at, enum ratelimit_outcome outcome)
{
	if (!b)
		return;
	pthread_mutex_lock(&c->sh->lock);
	ratelimit_reply(&b->rl, sent_at, outcome, mono_s());
	pthread_cond_broadcast(&b->turn);
	pthread_mutex_unlock(&c->sh->lock);
}

struct aws_client *aws_client_new(const struct aws_client_config *cfg)
{
	struct aws_shared *sh;
	struct aws_client *c;

	if (!cfg || !cfg->http)
		return NULL;
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return NULL;
	sh->refcount = 1;
	sh->http = cfg->http;
	pthread_mutex_init(&sh->lock, NULL);
	sh->abort_watch = (struct http_abort_watch){ .wake = wake_rate_waits,
						     .arg = sh };
	http_abort_watch_add(&sh->abort_watch);
	sh->retry = retry_state_new(cfg->retry_quota);
	if (!sh->retry) {
		shared_release(sh);
		return NULL;
	}
	if (cfg->nrate_limits) {
		sh->limits = calloc(cfg->nrate_limits, sizeof(*sh->limits));
		if (!sh->limits) {
			shared_release(sh);
			return NULL;
		}
		for (size_t i = 0; i < cfg->nrate_limits; i++) {
			sh->limits[i] = cfg->rate_limits[i];
			sh->limits[i].service = strdup(cfg->rate_limits[i].service);
			sh->nlimits++;
			if (!sh->limits[i].service) {
				shared_release(sh);
				return NULL;
			}
		}
	}
	c = client_alloc(sh, cfg->creds, cfg->region, cfg->endpoints);
	if (!c) {
		shared_release(sh);
		return NULL;
	}
	c->mode = cfg->retry_mode;
	c->max_attempts = cfg->max_attempts;
	retry_config_from_env(&c->max_attempts, &c->mode,
			      cfg->retry_mode != AWS_RETRY_STANDARD,
			      cfg->endpoints ? cfg->endpoints->getenv_fn : NULL);
	c->wall_clock = cfg->wall_clock ? cfg->wall_clock : default_wall_clock;
	c->sleep_ms = cfg->sleep_ms ? cfg->sleep_ms : default_sleep_ms;
	c->random = cfg->random;
	return c;
}

struct aws_client *aws_client_derive(struct aws_client *parent,
				     struct creds_provider *creds)
{
	return aws_client_derive_account(parent, creds, NULL);
}

struct aws_client *aws_client_derive_account(struct aws_client *parent,
					     struct creds_provider *creds,
					     const char *account)
{
	struct aws_client *c;

	if (!parent || (account && strlen(account) >= sizeof(c->account)))
		return NULL;
	__atomic_add_fetch(&parent->sh->refcount, 1, __ATOMIC_RELAXED);
	c = client_alloc(parent->sh, creds, parent->region, &parent->ep);
	if (!c) {
		shared_release(parent->sh);
		return NULL;
	}
	snprintf(c->account, sizeof(c->account), "%s",
		 account ? account : parent->account);
	c->max_attempts = parent->max_attempts;
	c->mode = parent->mode;
	c->wall_clock = parent->wall_clock;
	c->sleep_ms = parent->sleep_ms;
	c->random = parent->random;
	return c;
}

void aws_client_free(struct aws_client *c)
{
	if (!c)
		return;
	creds_provider_release(c->creds);
	free(c->region);
	free(c->ep_orgfs);
	free(c->ep_profile);
	shared_release(c->sh);
	free(c);
}

size_t aws_client_buckets(struct aws_client *c)
{
	struct bucket *b;
	size_t n = 0;

	pthread_mutex_lock(&c->sh->lock);
	for (b = c->sh->buckets; b; b = b->next)
		n++;
	pthread_mutex_unlock(&c->sh->lock);
	return n;
}

const char *aws_client_region(const struct aws_client *c)
{
	return c->region;
}

const struct endpoint_config *aws_client_endpoints(const struct aws_client *c)
{
	return &c->ep;
}

/* --- statistics --------------------------------------------------------- */

enum stat_field { ST_CALLS, ST_REQUESTS, ST_RETRIES, ST_THROTTLES,
		  ST_ERRORS, ST_IN_FLIGHT };

static void stats_add(struct aws_shared *sh, const char *op,
		      enum stat_field f, int64_t delta)
{
	struct op_stats *o = NULL, *n;

	pthread_mutex_lock(&sh->lock);
	for (size_t i = 0; i < sh->nops; i++)
		if (!strcmp(sh->ops[i].name, op)) {
			o = &sh->ops[i];
			break;
		}
	if (!o) {
		if (sh->nops == sh->cap) {
			size_t ncap = sh->cap ? sh->cap * 2 : 16;

			n = realloc(sh->ops, ncap * sizeof(*n));
			if (!n)
				goto out;       /* stats are best effort */
			sh->ops = n;
			sh->cap = ncap;
		}
		o = &sh->ops[sh->nops];
		memset(o, 0, sizeof(*o));
		o->name = strdup(op);
		if (!o->name)
			goto out;
		sh->nops++;
	}
	switch (f) {
	case ST_CALLS: o->t.calls += (uint64_t)delta; break;
	case ST_REQUESTS: o->t.requests += (uint64_t)delta; break;
	case ST_RETRIES: o->t.retries += (uint64_t)delta; break;
	case ST_THROTTLES: o->t.throttles += (uint64_t)delta; break;
	case ST_ERRORS: o->t.errors += (uint64_t)delta; break;
	case ST_IN_FLIGHT: o->t.in_flight += (uint64_t)delta; break;
	}
out:
	pthread_mutex_unlock(&sh->lock);
}

void aws_client_stats(struct aws_client *c, struct aws_stats_totals *out)
{
	struct aws_shared *sh = c->sh;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&sh->lock);
	for (size_t i = 0; i < sh->nops; i++) {
		out->calls += sh->ops[i].t.calls;
		out->requests += sh->ops[i].t.requests;
		out->retries += sh->ops[i].t.retries;
		out->throttles += sh->ops[i].t.throttles;
		out->errors += sh->ops[i].t.errors;
		out->in_flight += sh->ops[i].t.in_flight;
	}
	pthread_mutex_unlock(&sh->lock);
}

static int cmp_ops(const void *a, const void *b)
{
	return strcmp(((const struct op_stats *)a)->name,
		      ((const struct op_stats *)b)->name);
}

int aws_client_stats_render(struct aws_client *c, struct buf *out)
{
	struct aws_shared *sh = c->sh;
	struct op_stats *copy;
	size_t n;
	int res = 0;

	/* copy under the lock, format outside it */
	pthread_mutex_lock(&sh->lock);
	n = sh->nops;
	copy = malloc((n ? n : 1) * sizeof(*copy));
	if (copy) {
		for (size_t i = 0; i < n; i++) {
			copy[i].t = sh->ops[i].t;
			copy[i].name = strdup(sh->ops[i].name);
			if (!copy[i].name)
				res = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&sh->lock);
	if (!copy)
		return -ENOMEM;
	if (!res) {
		qsort(copy, n, sizeof(*copy), cmp_ops);
		for (size_t i = 0; i < n && !res; i++)
			res = buf_printf(out,
					 "%s calls=%llu retries=%llu throttles=%llu errors=%llu\n",
					 copy[i].name,
					 (unsigned long long)copy[i].t.calls,
					 (unsigned long long)copy[i].t.retries,
					 (unsigned long long)copy[i].t.throttles,
					 (unsigned long long)copy[i].t.errors);
	}
	for (size_t i = 0; i < n; i++)
		free(copy[i].name);
	free(copy);
	return res;
}

/* --- error replies ------------------------------------------------------ */

/* "com.amazonaws.x#FooError:http://internal..." -> "FooError" */
static void sanitize_code(const char *in, char *out, size_t len)
{
	const char *end = strchr(in, ':'), *hash = NULL;
	size_t n;

	if (!end)
		end = in + strlen(in);
	for (const char *p = in; p < end; p++)
		if (*p == '#')
			hash = p;
	if (hash)
		in = hash + 1;
	while (in < end && (*in == ' ' || *in == '\t'))
		in++;
	n = (size_t)(end - in);
	while (n && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	aws_error_copy_clean(out, len, in, n);
}

static const char *json_str_member(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *first_nonspace(const struct buf *b)
{
	const char *p = buf_str(b);

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* Fill code, message and request id of e from an error reply. */
static void parse_error_reply(enum aws_protocol proto,
			      const struct http_response *resp,
			      struct aws_error *e)
{
	const char *code = NULL, *msg = NULL, *rid, *start;
	char qcode[sizeof(e->code)];
	struct awsxml_error xe;
	json_t *body = NULL, *inner;
	json_error_t jerr;

	e->http_status = (int)resp->status;
	aws_error_copy_clean(e->request_id, sizeof(e->request_id),
			     resp->request_id, strlen(resp->request_id));
	start = first_nonspace(&resp->body);
	if (*start == '{' || *start == '[')
		body = json_loadb(resp->body.data, resp->body.len, 0, &jerr);
	if ((*start == '{' || *start == '[') && !json_is_object(body)) {
		/* a JSON document cut or mangled: the parser's text and the
		 * body itself may quote whatever was cut */
		if (body)
			snprintf(e->message, sizeof(e->message),
				 "json error reply is not an object");
		else
			snprintf(e->message, sizeof(e->message),
				 "malformed json error reply: line %d column %d",
				 jerr.line, jerr.column);
		OPENSSL_cleanse(&jerr, sizeof(jerr));
	} else if (json_is_object(body)) {
		/* the query protocol's JSON rendering nests under "Error" */
		inner = json_object_get(body, "Error");
		if (!json_is_object(inner))
			inner = body;
		if (proto == AWS_PROTO_REST_JSON) {
			code = json_str_member(inner, "code");
			if (!code)
				code = json_str_member(inner, "Code");
			if (!code)
				code = json_str_member(inner, "__type");
		} else {
			code = json_str_member(inner, "__type");
			if (!code)
				code = json_str_member(inner, "code");
			if (!code)
				code = json_str_member(inner, "Code");
		}
		msg = json_str_member(inner, "message");
		if (!msg)
			msg = json_str_member(inner, "Message");
		rid = json_str_member(body, "RequestId");
		if (!e->request_id[0] && rid)
			aws_error_copy_clean(e->request_id,
					     sizeof(e->request_id), rid,
					     strlen(rid));
		if (code)
			sanitize_code(code, e->code, sizeof(e->code));
		if (msg)
			aws_error_copy_clean(e->message, sizeof(e->message),
					     msg, strlen(msg));
	} else if (*start == '<' &&
		   !awsxml_parse_error(resp->body.data, resp->body.len, &xe)) {
		sanitize_code(xe.code, e->code, sizeof(e->code));
		aws_error_copy_clean(e->message, sizeof(e->message),
				     xe.message, strlen(xe.message));
		if (!e->request_id[0])
			aws_error_copy_clean(e->request_id,
					     sizeof(e->request_id),
					     xe.request_id,
					     strlen(xe.request_id));
	} else {
		/* not an AWS error document (a proxy's page): the (bounded)
		 * body says it */
		aws_error_copy_clean(e->message,
				     sizeof(e->message) < AWS_ERROR_BODY_MAX ?
				     sizeof(e->message) : AWS_ERROR_BODY_MAX,
				     start, strlen(start));
	}
	json_decref(body);
	/* rest-json: the x-amzn-ErrorType header comes first */
	if (proto == AWS_PROTO_REST_JSON && resp->error_type[0])
		sanitize_code(resp->error_type, e->code, sizeof(e->code));
	/* awsQueryCompatible services: "Code;Sender" */
	if (resp->query_error[0]) {
		aws_error_copy_clean(qcode, sizeof(qcode), resp->query_error,
				     strcspn(resp->query_error, ";"));
		sanitize_code(qcode, e->code, sizeof(e->code));
	}
	if (!e->code[0])
		snprintf(e->code, sizeof(e->code), "%ld", resp->status);
	e->err = aws_error_to_errno(e->code, e->http_status);
}

/* --- the request loop --------------------------------------------------- */

enum reply_kind { REPLY_JSON, REPLY_QUERY };

struct aws_req {
	const struct aws_service *svc;
	const char *region;
	const char *op;                 /* for stats and messages */
	const char *method;
	const char *path;               /* encoded, from the endpoint's base */
	const char *query;              /* encoded, NULL for none */
	const struct http_header *headers;
	size_t nheaders;
	const char *body;
	size_t body_len;
	int sign;
	enum reply_kind reply;
};

static void transport_error(int rc, const char *why, struct aws_error *e)
{
	const char *code;
	int err = EIO;

	switch (rc) {
	case -ETIMEDOUT:
		code = "Timeout";
		break;
	case -EPROTO:
		code = "TruncatedResponse";
		break;
	case -EFBIG:
		code = "ResponseTooLarge";
		break;
	case -EINVAL:
		code = "InvalidEndpoint";
		break;
	case -ENOMEM:
		code = "OutOfMemory";
		err = ENOMEM;
		break;
	case -ECANCELED:
		code = "RequestAborted";
		break;
	default:        /* ECONNREFUSED, ECONNRESET, EHOSTUNREACH, EIO */
		code = "ConnectionError";
		break;
	}
	e->http_status = 0;
	e->request_id[0] = '\0';
	aws_error_set(e, err, code, "%s", why && *why ? why : strerror(-rc));
}

/* Never quote jansson's error text: it holds up to 20 bytes of the input
 * near the error, and a reply cut inside a secret would put the secret's
 * first bytes into the message.  Where it failed is enough. */
static int parse_json_body(const struct aws_req *r,
			   const struct http_response *resp, json_t **out,
			   struct aws_error *e)
{
	json_error_t jerr;
	json_t *j;

	if (!*first_nonspace(&resp->body)) {
		/* botocore: an empty body is an empty structure */
		*out = json_object();
		return *out ? 0 : -ENOMEM;
	}
	/* a "\u0000" in one string is that record's problem, not the
	 * whole reply's: the sources look for NUL bytes item by item
	 * (source_json_has_nul) */
	j = json_loadb(resp->body.data, resp->body.len, JSON_ALLOW_NUL, &jerr);
	if (!j) {
		aws_error_set(e, EIO, "MalformedResponse",
			      "malformed json reply from %s: line %d column %d",
			      r->svc->id, jerr.line, jerr.column);
		OPENSSL_cleanse(&jerr, sizeof(jerr));
		return -EIO;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		aws_error_set(e, EIO, "MalformedResponse",
			      "json reply from %s is not an object",
			      r->svc->id);
		return -EIO;
	}
	*out = j;
	return 0;
}

static int parse_reply(const struct aws_req *r,
		       const struct http_response *resp, json_t **out,
		       struct aws_error *e)
{
	char why[256] = "";
	int res;

	if (r->reply == REPLY_JSON || strstr(resp->content_type, "json") ||
	    (!strstr(resp->content_type, "xml") &&
	     *first_nonspace(&resp->body) != '<'))
		return parse_json_body(r, resp, out, e);
	res = awsxml_to_json(resp->body.data, resp->body.len, out, why,
			     sizeof(why));
	if (res == -ENOMEM) {
		aws_error_set(e, ENOMEM, "OutOfMemory", "%s",
			      *why ? why : "out of memory");
	} else if (res == -EFBIG && resp->body.len > AWSXML_MAX_BYTES) {
		aws_error_set(e, EIO, "ResponseTooLarge", "%s", why);
	} else if (res) {
		aws_error_set(e, EIO, "MalformedResponse", "%s from %s",
			      *why ? why : "malformed xml reply", r->svc->id);
		res = -EIO;
	}
	return res;
}

/* The path part of an endpoint URL ("" when it has none). */
static const char *url_base_path(const char *url)
{
	const char *p = strstr(url, "://");

	p = p ? p + 3 : url;
	p = strchr(p, '/');
	return p ? p : "";
}

#define MAX_HEADERS 16

/* The provider's error (cerr, after get returned res) says what failed
 * and where; e keeps the call's operation when it names none.
 * @return -errno */
static int creds_failed(const struct aws_client *c, int res,
			const struct aws_error *cerr, struct aws_error *e)
{
	int err = cerr->err ? cerr->err : (res ? -res : EIO);
	char op[sizeof(e->operation)];

	memcpy(op, e->operation, sizeof(op));
	*e = *cerr;
	if (!e->operation[0])
		memcpy(e->operation, op, sizeof(op));
	if (!e->code[0])
		snprintf(e->code, sizeof(e->code), "CredentialsError");
	if (!e->message[0])
		snprintf(e->message, sizeof(e->message),
			 "cannot get credentials from %s",
			 c->creds->description);
	e->err = err;
	return -err;
}

/* One attempt's request, signed when asked.  @return 0 or -errno with e
 * filled (credential and signing failures are not retried). */
/* Debug: the method, host and path, never the query (it may carry
 * names) nor a header (they carry the signature and the token). */
static void log_request(const struct aws_req *r, const struct aws_endpoint *ep)
{
	olog_debug("aws: %s:%s -> %s %s%s%s", r->svc->id, r->op, r->method,
		   ep->host, url_base_path(ep->url), r->path);
}

static int send_one(struct aws_client *c, const struct aws_req *r,
		    const struct aws_endpoint *ep, const char *url,
		    const char *wire_path, struct http_response *resp,
		    int *had_token, int *sent, struct aws_error *e)
{
	struct sigv4_header sh[MAX_HEADERS];
	struct http_header hh[MAX_HEADERS + 4];
	struct sigv4_output so = {0};
	struct aws_credentials *cr = NULL;
	struct aws_error cerr;
	struct http_request req;
	size_t nh = 0, ns = 0;
	char why[256] = "";
	int res;

	if (r->nheaders > MAX_HEADERS - 1) {
		aws_error_set(e, EINVAL, "InvalidRequest", "too many headers");
		return -EINVAL;
	}
	hh[nh++] = (struct http_header){"Host", ep->host};
	sh[ns++] = (struct sigv4_header){"Host", ep->host};
	for (size_t i = 0; i < r->nheaders; i++) {
		hh[nh++] = r->headers[i];
		sh[ns++] = (struct sigv4_header){r->headers[i].name,
						 r->headers[i].value};
	}
	if (r->sign) {
		struct sigv4_credentials sc;
		struct sigv4_request sr = {
			.method = r->method, .path = wire_path,
			.query = r->query, .headers = sh, .nheaders = ns,
			.body = r->body, .body_len = r->body_len,
		};
		struct sigv4_config cfg = {
			.region = ep->signing_region,
			.service = r->svc->signing_name,
			.when = c->wall_clock(),
			.double_encode = 1, .normalize_path = 1,
		};

		if (!c->creds) {
			aws_error_set(e, EACCES, "NoCredentials",
				      "no credentials to sign the request");
			return -EACCES;
		}
		aws_error_clear(&cerr);
		res = creds_provider_get(c->creds, &cr, &cerr);
		if (res || !cr)
			return creds_failed(c, res, &cerr, e);
		*had_token = cr->session_token != NULL;
		sc.access_key_id = cr->access_key_id;
		sc.secret_access_key = cr->secret_access_key;
		sc.session_token = cr->session_token;
		res = sigv4_sign(&sr, &sc, &cfg, &so);
		if (res) {
			aws_credentials_release(cr);
			aws_error_set(e, -res, "SigningError",
				      "cannot sign the request");
			return res;
		}
		hh[nh++] = (struct http_header){"X-Amz-Date", so.amz_date};
		if (cr->session_token)
			hh[nh++] = (struct http_header){"X-Amz-Security-Token",
							cr->session_token};
		hh[nh++] = (struct http_header){"Authorization",
						so.authorization};
	}
	req = (struct http_request){
		.method = r->method, .url = url, .headers = hh,
		.nheaders = nh, .body = r->body, .body_len = r->body_len,
	};
	*sent = 1;
	log_request(r, ep);
	res = http_perform(c->sh->http, &req, resp, why, sizeof(why));
	sigv4_output_free(&so);
	aws_credentials_release(cr);
	if (res)
		transport_error(res, why, e);
	else
		olog_debug("aws: %s:%s <- http %ld, request id %s, %zu bytes",
			   r->svc->id, r->op, resp->status,
			   resp->request_id[0] ? resp->request_id : "none",
			   resp->body.len);
	return res;
}

/* The URL of r at ep into ub, and the path signed into wp: the one on
 * the wire, the endpoint's base path included.  @return 0 or -ENOMEM */
static int request_url(const struct aws_req *r, const struct aws_endpoint *ep,
		       struct buf *ub, struct buf *wp)
{
	if (buf_puts(wp, url_base_path(ep->url)) || buf_puts(wp, r->path) ||
	    buf_puts(ub, ep->url) || buf_puts(ub, r->path) ||
	    (r->query && *r->query &&
	     (buf_putc(ub, '?') || buf_puts(ub, r->query))))
		return -ENOMEM;
	return 0;
}

/* One attempt: send it, then read the reply into *output or err.
 * @return 0 or -errno; *sent stays 0 when nothing went out. */
static int attempt_once(struct aws_client *c, const struct aws_req *r,
			const struct aws_endpoint *ep, const char *url,
			const char *wire_path, int *had_token, int *sent,
			json_t **output, struct aws_error *err)
{
	struct http_response resp;
	int res;

	memset(&resp, 0, sizeof(resp));
	/* each attempt reports only its own outcome */
	err->http_status = 0;
	err->code[0] = err->message[0] = err->request_id[0] = '\0';
	err->err = 0;
	res = send_one(c, r, ep, url, wire_path, &resp, had_token, sent, err);
	if (!*sent)
		return res;
	if (!res && resp.status >= 200 && resp.status < 300) {
		err->http_status = (int)resp.status;
		aws_error_copy_clean(err->request_id, sizeof(err->request_id),
				     resp.request_id, strlen(resp.request_id));
		res = parse_reply(r, &resp, output, err);
	} else if (!res) {
		parse_error_reply(r->svc->protocol, &resp, err);
		res = -err->err;
	}
	http_response_free(&resp);
	return res;
}

/* The process is shutting down (http_abort_all): no attempt more. */
static int aborted(struct aws_error *err, int attempts)
{
	if (strcmp(err->code, "RequestAborted"))
		aws_error_set(err, EIO, "RequestAborted",
			      "orgfs is shutting down");
	err->attempts = attempts;
	return -EIO;
}

/* The request loop: per attempt wait for the client rate, send, and let
 * retry.c say what follows. */
static int aws_perform(struct aws_client *c, const struct aws_req *r,
		       json_t **output, struct aws_error *err)
{
	struct aws_error scratch;
	struct aws_endpoint ep;
	char why[256] = "", opname[sizeof(err->operation)], key[128];
	struct retry_call rc;
	int res, had_token = 0;
	struct buf ub, wp;

	if (!err)
		err = &scratch;
	aws_error_clear(err);
	aws_error_set_operation(err, r->svc->id, r->op);
	memcpy(opname, err->operation, sizeof(opname));
	buf_init(&ub, 8192);
	buf_init(&wp, 4096);
	stats_add(c->sh, opname, ST_CALLS, 1);
	stats_add(c->sh, opname, ST_IN_FLIGHT, 1);

	res = endpoint_resolve(r->svc, r->region, &c->ep, &ep, why,
			       sizeof(why));
	if (res) {
		aws_error_set(err, -res, "InvalidEndpoint", "%s", why);
		goto out;
	}
	res = request_url(r, &ep, &ub, &wp);
	if (res) {
		aws_error_set(err, ENOMEM, "OutOfMemory", "request too long");
		goto out;
	}
	snprintf(key, sizeof(key), "%s/%s", r->svc->id, ep.signing_region);
	rc = (struct retry_call){
		.s = c->sh->retry, .mode = c->mode, .max = c->max_attempts,
		.sign = r->sign, .op = opname, .key = key,
		.random = c->random, .sleep_ms = c->sleep_ms,
	};
	for (;;) {
		struct retry_decision d;
		struct bucket *bucket;
		double sent_at = 0;
		int sent = 0;

		bucket = rate_before_send(c, r->svc->id, ep.signing_region,
					  &sent_at);
		retry_before_attempt(&rc);
		if (http_aborted()) {
			res = aborted(err, rc.attempt - 1);
			goto out;
		}
		res = attempt_once(c, r, &ep, buf_str(&ub), buf_str(&wp),
				   &had_token, &sent, output, err);
		if (!sent) {
			/* credentials or signing failed: nothing went out */
			err->attempts = rc.attempt - 1;
			goto out;
		}
		stats_add(c->sh, opname, ST_REQUESTS, 1);
		err->attempts = rc.attempt;
		if (res == -ENOMEM)
			goto out;
		d = retry_next(&rc, res ? err : NULL, bucket != NULL,
			       had_token);
		if (d.throttled)
			stats_add(c->sh, opname, ST_THROTTLES, 1);
		rate_after_response(c, bucket, sent_at,
				    !res ? RATELIMIT_OK : d.throttled ?
				    RATELIMIT_THROTTLED : RATELIMIT_OTHER);
		if (d.action == RETRY_STOP)
			goto out;
		if (d.action == RETRY_REFRESH)
			creds_provider_invalidate(c->creds);
		if (http_aborted()) {
			res = aborted(err, rc.attempt);
			goto out;
		}
		stats_add(c->sh, opname, ST_RETRIES, 1);
		if (d.delay_ms)
			c->sleep_ms(d.delay_ms);
	}
out:
	if (res) {
		if (!err->err)
			err->err = -res > 0 ? -res : EIO;
		res = -err->err;
		stats_add(c->sh, opname, ST_ERRORS, 1);
	}
	stats_add(c->sh, opname, ST_IN_FLIGHT, -1);
	buf_free(&ub);
	buf_free(&wp);
	return res;
}

/* --- protocols ---------------------------------------------------------- */

static int check_protocol(const struct aws_service *svc, const char *op,
			  enum aws_protocol want, struct aws_error *err)
{
	if (svc && svc->protocol == want && op && *op)
		return 0;
	if (!err)
		return -EINVAL;
	return aws_error_fail(err, svc ? svc->id : "?", op ? op : "?", EINVAL,
			      "InvalidRequest",
			      "wrong protocol or operation for the service");
}

int aws_json_call(struct aws_client *c, const struct aws_service *svc,
		  const char *region, const char *op, json_t *input,
		  json_t **output, struct aws_error *err)
{
	struct http_header h[2];
	char target[256];
	char *body;
	int res;

	res = check_protocol(svc, op, AWS_PROTO_JSON, err);
	if (res)
		return res;
	if (input && !json_is_object(input)) {
		aws_error_set(err, EINVAL, "InvalidRequest",
			      "input is not a json object");
		return -EINVAL;
	}
	body = input ? json_dumps(input, JSON_COMPACT) : strdup("{}");
	if (!body) {
		aws_error_set(err, ENOMEM, "OutOfMemory", "cannot encode input");
		return -ENOMEM;
	}
	snprintf(target, sizeof(target), "%s.%s", svc->target_prefix, op);
	h[0] = (struct http_header){"Content-Type",
				    "application/x-amz-json-1.1"};
	h[1] = (struct http_header){"X-Amz-Target", target};
	res = aws_perform(c, &(struct aws_req){
		.svc = svc, .region = region ? region : c->region, .op = op,
		.method = "POST", .path = "/", .headers = h, .nheaders = 2,
		.body = body, .body_len = strlen(body), .sign = 1,
		.reply = REPLY_JSON,
	}, output, err);
	free(body);
	return res;
}

/* name=value with both sides UriEncoded, appended to b. */
static int put_param(struct buf *b, const char *name, const char *value)
{
	char *n = sigv4_uri_encode(name, strlen(name), 0);
	char *v = sigv4_uri_encode(value ? value : "",
				   value ? strlen(value) : 0, 0);
	int res = -ENOMEM;

	if (n && v)
		res = buf_printf(b, "%s%s=%s", b->len ? "&" : "", n, v);
	free(n);
	/* values may be a web identity token */
	if (v)
		OPENSSL_cleanse(v, strlen(v));
	free(v);
	return res;
}

int aws_query_call(struct aws_client *c, const struct aws_service *svc,
		   const char *region, const char *action,
		   const struct aws_param *params, size_t nparams,
		   json_t **output, struct aws_error *err)
{
	/* Accept: application/json is not sent: real STS answers XML */
	struct http_header h[1] = {{"Content-Type",
		"application/x-www-form-urlencoded; charset=utf-8"}};
	struct buf body;
	int res;

	res = check_protocol(svc, action, AWS_PROTO_QUERY, err);
	if (res)
		return res;
	buf_init(&body, 1 << 20);
	res = put_param(&body, "Action", action);
	if (!res)
		res = put_param(&body, "Version", svc->api_version);
	for (size_t i = 0; !res && i < nparams; i++)
		res = put_param(&body, params[i].name, params[i].value);
	if (res) {
		aws_error_fail(err, svc->id, action, -res, "InvalidRequest",
			       "cannot encode the parameters");
		buf_wipe(&body);
		return res;
	}
	res = aws_perform(c, &(struct aws_req){
		.svc = svc, .region = region ? region : c->region,
		.op = action, .method = "POST", .path = "/", .headers = h,
		.nheaders = 1, .body = buf_str(&body), .body_len = body.len,
		.sign = c->creds != NULL, .reply = REPLY_QUERY,
	}, output, err);
	/* parameters may hold a web identity token */
	buf_wipe(&body);
	return res;
}

/* The operation name for stats and messages: the model's name for the
 * paths orgfs calls whose last segment is not it, else that segment
 * ("/Search" -> "Search"). */
static void rest_op_name(const char *path, char *out, size_t len)
{
	static const struct { const char *path, *op; } known[] = {
		{"/federation/credentials", "GetRoleCredentials"},
		{"/assignment/accounts", "ListAccounts"},
		{"/assignment/roles", "ListAccountRoles"},
		{"/token", "CreateToken"},
		{"/logout", "Logout"},
	};
	const char *seg = path;
	size_t n;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(path, known[i].path)) {
			aws_error_copy_clean(out, len, known[i].op,
					     strlen(known[i].op));
			return;
		}
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			seg = p + 1;
	if (*seg == '/')
		seg++;
	n = strcspn(seg, "/?");
	if (!n) {
		seg = "/";
		n = 1;
	}
	aws_error_copy_clean(out, len, seg, n);
}

int aws_rest_call(struct aws_client *c, const struct aws_service *svc,
		  const char *region, const char *method, const char *path,
		  const struct aws_param *query, size_t nquery,
		  const struct http_header *headers, size_t nheaders,
		  json_t *body, int sign, json_t **output,
		  struct aws_error *err)
{
	struct http_header h[MAX_HEADERS];
	struct buf ep, q;
	char op[96];
	char *b = NULL;
	const char *s, *e;
	size_t nh = 0;
	int res = 0;

	if (!method || !path || *path != '/')
		return check_protocol(NULL, NULL, AWS_PROTO_REST_JSON, err);
	rest_op_name(path, op, sizeof(op));
	res = check_protocol(svc, op, AWS_PROTO_REST_JSON, err);
	if (res)
		return res;
	if (nheaders > MAX_HEADERS - 2) {
		aws_error_set(err, EINVAL, "InvalidRequest", "too many headers");
		return -EINVAL;
	}
	buf_init(&ep, 8192);
	buf_init(&q, 8192);
	/* each segment encoded, the slashes kept */
	for (s = path; !res && *s; s = e) {
		char *enc;

		if (*s == '/') {
			res = buf_putc(&ep, '/');
			e = s + 1;
			continue;
		}
		e = s + strcspn(s, "/");
		enc = sigv4_uri_encode(s, (size_t)(e - s), 0);
		res = enc ? buf_puts(&ep, enc) : -ENOMEM;
		free(enc);
	}
	for (size_t i = 0; !res && i < nquery; i++)
		res = put_param(&q, query[i].name, query[i].value);
	if (!res && body) {
		b = json_dumps(body, JSON_COMPACT);
		if (!b)
			res = -ENOMEM;
		else
			h[nh++] = (struct http_header){"Content-Type",
						       "application/json"};
	}
	if (res) {
		aws_error_fail(err, svc->id, op, res == -EFBIG ? EINVAL : -res,
			       "InvalidRequest", "cannot encode the request");
		res = res == -EFBIG ? -EINVAL : res;
		goto out;
	}
	for (size_t i = 0; i < nheaders; i++)
		h[nh++] = headers[i];
	res = aws_perform(c, &(struct aws_req){
		.svc = svc, .region = region ? region : c->region, .op = op,
		.method = method, .path = buf_str(&ep),
		.query = q.len ? buf_str(&q) : NULL, .headers = h,
		.nheaders = nh, .body = b, .body_len = b ? strlen(b) : 0,
		.sign = sign, .reply = REPLY_JSON,
	}, output, err);
out:
	if (b) {
		/* OIDC bodies carry a client secret and a refresh token */
		OPENSSL_cleanse(b, strlen(b));
		free(b);
	}
	buf_free(&ep);
	buf_wipe(&q);
	return res;
}

/* --- pagination ---------------------------------------------------------- */

int aws_json_paginate(struct aws_client *c, const struct aws_service *svc,
		      const char *region, const char *op, json_t *input,
		      const char *in_key, const char *out_key,
		      aws_page_fn page_fn, void *arg, struct aws_error *err)
{
	json_t *in, *seen, *page, *tok;
	struct aws_error scratch;
	const char *t;
	int res, npages = 0;

	if (!err)
		err = &scratch;
	if (input && !json_is_object(input)) {
		return aws_error_fail(err, svc ? svc->id : "?", op ? op : "?",
				      EINVAL, "InvalidRequest",
				      "input is not a json object");
	}
	/* the caller's input is not ours to change */
	in = input ? json_deep_copy(input) : json_object();
	seen = json_object();
	if (!in || !seen) {
		json_decref(in);
		json_decref(seen);
		aws_error_clear(err);
		aws_error_set(err, ENOMEM, "OutOfMemory", "cannot copy input");
		return -ENOMEM;
	}
	json_object_del(in, in_key);
	for (;;) {
		page = NULL;
		res = aws_json_call(c, svc, region, op, in, &page, err);
		if (res)
			break;
		res = page_fn(page, arg);
		if (res) {
			json_decref(page);
			aws_error_set(err, -res, "PageHandlerFailed",
				      "page handler failed: %s", strerror(-res));
			break;
		}
		tok = json_object_get(page, out_key);
		if (!tok || json_is_null(tok) ||
		    (json_is_string(tok) && !*json_string_value(tok))) {
			json_decref(page);
			break;
		}
		if (!json_is_string(tok)) {
			json_decref(page);
			aws_error_set(err, EIO, "PaginationError",
				      "pagination token is not a string");
			res = -EIO;
			break;
		}
		t = json_string_value(tok);
		if (++npages >= AWS_MAX_PAGES) {
			json_decref(page);
			aws_error_set(err, EIO, "PaginationError",
				      "more than %d pages", AWS_MAX_PAGES);
			res = -EIO;
			break;
		}
		/* botocore refuses a token seen twice in a row; any repeat
		 * is a loop, so every token is remembered */
		if (json_object_get(seen, t)) {
			json_decref(page);
			aws_error_set(err, EIO, "PaginationError",
				      "pagination token repeated");
			res = -EIO;
			break;
		}
		if (json_object_set_new(seen, t, json_true()) ||
		    json_object_set_new(in, in_key, json_string(t))) {
			json_decref(page);
			aws_error_set(err, ENOMEM, "OutOfMemory",
				      "cannot keep the pagination token");
			res = -ENOMEM;
			break;
		}
		json_decref(page);
	}
	json_decref(in);
	json_decref(seen);
	return res;
}
