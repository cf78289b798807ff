/* test_aws.c - the AWS client against a scripted loopback HTTP server
 *
 * The server (fakesrv.h) runs in a thread of the test process, answers one
 * request per connection (Connection: close) from a handler the test
 * supplies, and records what it received.  The client runs with a pinned
 * wall clock, a recording sleep hook and a pinned random, so retries take
 * no time.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "creds.h"
#include "fakesrv.h"
#include "http.h"

/* --- the scripted server ------------------------------------------------ */

#define MAX_RECORDED 64

struct srv_req {
	char method[16];
	char path[1024];
	char target[256];
	char auth[1024];
	char token[256];
	char amz_date[32];
	char ctype[128];
	char accept[128];
	char custom[256];               /* x-test-header */
	char body[8192];
	size_t body_len;
};

struct srv_reply {
	int status;
	const char *ctype;
	char headers[1024];             /* extra header lines, CRLF ended */
	char *body;                     /* malloc'd, freed by the server */
	int drop;                       /* close without a reply */
	int truncate;                   /* announce more than is sent */
	int no_request_id;              /* leave x-amzn-RequestId out */
};

typedef void (*srv_handler)(const struct srv_req *rq, struct srv_reply *rp,
			    int n, void *arg);

struct srv {
	struct fakesrv *fs;
	srv_handler handler;
	void *arg;
	pthread_mutex_t lock;
	int nreq;                       /* protected by lock */
	struct srv_req reqs[MAX_RECORDED];      /* protected by lock */
	char url[64];
};

static void serve_one(int fd, void *arg)
{
	static char buf[1 << 20];
	struct srv *s = arg;
	struct srv_req rq;
	struct srv_reply rp;
	char head[2048];
	size_t total, hlen;
	int n;

	memset(&rq, 0, sizeof(rq));
	total = fakesrv_read_request(fd, buf, sizeof(buf), &hlen);
	if (!total)
		return;
	buf[hlen - 2] = '\0';
	sscanf(buf, "%15s %1023s", rq.method, rq.path);
	fakesrv_header(buf, "X-Amz-Target", rq.target, sizeof(rq.target));
	fakesrv_header(buf, "Authorization", rq.auth, sizeof(rq.auth));
	fakesrv_header(buf, "X-Amz-Security-Token", rq.token, sizeof(rq.token));
	fakesrv_header(buf, "X-Amz-Date", rq.amz_date, sizeof(rq.amz_date));
	fakesrv_header(buf, "Content-Type", rq.ctype, sizeof(rq.ctype));
	fakesrv_header(buf, "Accept", rq.accept, sizeof(rq.accept));
	fakesrv_header(buf, "x-test-header", rq.custom, sizeof(rq.custom));
	rq.body_len = total - hlen;
	if (rq.body_len >= sizeof(rq.body))
		rq.body_len = sizeof(rq.body) - 1;
	memcpy(rq.body, buf + hlen, rq.body_len);

	pthread_mutex_lock(&s->lock);
	n = s->nreq++;
	if (n < MAX_RECORDED)
		s->reqs[n] = rq;
	pthread_mutex_unlock(&s->lock);

	memset(&rp, 0, sizeof(rp));
	rp.status = 200;
	rp.ctype = "application/x-amz-json-1.1";
	s->handler(&rq, &rp, n, s->arg);
	if (!rp.drop) {
		size_t blen = rp.body ? strlen(rp.body) : 0;
		char rid[64] = "";
		int hl;

		if (!rp.no_request_id)
			snprintf(rid, sizeof(rid), "x-amzn-RequestId: req-%d\r\n",
				 n);
		hl = snprintf(head, sizeof(head),
			      "HTTP/1.1 %d X\r\nContent-Type: %s\r\n"
			      "Content-Length: %zu\r\nConnection: close\r\n"
			      "%s%s\r\n", rp.status, rp.ctype,
			      blen + (rp.truncate ? 100 : 0), rid, rp.headers);

		fakesrv_send_all(fd, head, (size_t)hl);
		fakesrv_send_all(fd, rp.body ? rp.body : "", blen);
	}
	free(rp.body);
}

static struct srv *srv_start(srv_handler h, void *arg)
{
	struct srv *s = calloc(1, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	s->handler = h;
	s->arg = arg;
	pthread_mutex_init(&s->lock, NULL);
	s->fs = fakesrv_start(serve_one, s);
	snprintf(s->url, sizeof(s->url), "%s", s->fs->url);
	return s;
}

static void srv_stop(struct srv *s)
{
	if (!s)
		return;
	fakesrv_stop(s->fs);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int srv_count(struct srv *s)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = s->nreq;
	pthread_mutex_unlock(&s->lock);
	return n;
}

static void reply(struct srv_reply *rp, int status, const char *body)
{
	rp->status = status;
	rp->body = body ? strdup(body) : NULL;
}

/* --- client fixtures ---------------------------------------------------- */

static uint64_t slept_ms;               /* summed by fake_sleep */
static int nsleeps;

static time_t pinned_clock(void)
{
	return 1440938160;      /* 2015-08-30T12:36:00Z */
}

static void fake_sleep(uint64_t ms)
{
	__atomic_add_fetch(&slept_ms, ms, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nsleeps, 1, __ATOMIC_RELAXED);
}

static double half(void)
{
	return 0.5;
}

static const char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

struct fx {
	struct srv *srv;
	struct http_ctx *http;
	struct creds_provider *creds;
	struct aws_client *c;
	struct endpoint_config ep;
};

static struct fx fx;
/* client-side rate limits of the next fx_start (reset by fx_stop) */
static const struct aws_rate_limit *fx_limits;
static size_t fx_nlimits;

static void fx_start(srv_handler h, void *arg, int max_attempts, int quota,
		     size_t max_response)
{
	struct http_ctx_config hc = {.max_response = max_response};
	struct aws_client_config cc = {0};

	slept_ms = 0;
	nsleeps = 0;
	fx.srv = srv_start(h, arg);
	fx.http = http_ctx_new(&hc);
	ck_assert_ptr_nonnull(fx.http);
	if (!fx.creds)
		fx.creds = creds_static_new("AKIDTEST", "test/secret", NULL,
					    "test keys");
	ck_assert_ptr_nonnull(fx.creds);
	fx.ep = (struct endpoint_config){.orgfs_endpoint = fx.srv->url,
					 .getenv_fn = no_env};
	cc.http = fx.http;
	cc.creds = fx.creds;
	cc.region = "eu-west-1";
	cc.endpoints = &fx.ep;
	cc.max_attempts = max_attempts;
	cc.retry_quota = quota;
	cc.wall_clock = pinned_clock;
	cc.sleep_ms = fake_sleep;
	cc.random = half;
	cc.rate_limits = fx_limits;
	cc.nrate_limits = fx_nlimits;
	fx.c = aws_client_new(&cc);
	ck_assert_ptr_nonnull(fx.c);
}

static void fx_stop(void)
{
	aws_client_free(fx.c);
	creds_provider_release(fx.creds);
	http_ctx_free(fx.http);
	srv_stop(fx.srv);
	memset(&fx, 0, sizeof(fx));
	fx_limits = NULL;
	fx_nlimits = 0;
}

static void teardown(void)
{
	if (fx.srv)
		fx_stop();
}

/* --- json protocol ------------------------------------------------------- */

static void h_echo(const struct srv_req *rq, struct srv_reply *rp, int n,
		   void *arg)
{
	reply(rp, 200, "{\"Roots\":[{\"Id\":\"r-abcd\"}],\"Ts\":1.515115602E9}");
}

START_TEST(test_json_request_shape)
{
	struct aws_error e;
	json_t *out = NULL, *in;
	struct srv_req rq;

	fx_start(h_echo, NULL, 3, 0, 0);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "ListRoots", NULL, &out, &e), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(out, "Roots"), 0), "Id")), "r-abcd");
	json_decref(out);
	rq = fx.srv->reqs[0];
	ck_assert_str_eq(rq.method, "POST");
	ck_assert_str_eq(rq.path, "/");
	ck_assert_str_eq(rq.target, "AWSOrganizationsV20161128.ListRoots");
	ck_assert_str_eq(rq.ctype, "application/x-amz-json-1.1");
	ck_assert_str_eq(rq.body, "{}");
	ck_assert_str_eq(rq.amz_date, "20150830T123600Z");
	ck_assert_str_eq(rq.token, "");
	/* Organizations signs for us-east-1 whatever the client's region */
	ck_assert_msg(strstr(rq.auth, "Credential=AKIDTEST/20150830/us-east-1/organizations/aws4_request"),
		      "%s", rq.auth);
	ck_assert_ptr_nonnull(strstr(rq.auth, "x-amz-target"));
	ck_assert_ptr_null(strstr(rq.auth, "test/secret"));
	ck_assert_int_eq(e.attempts, 1);

	/* the input goes out compact; tagging signs for the client region */
	in = json_pack("{s:i, s:[{s:s}]}", "ResourcesPerPage", 50, "TagFilters",
		       "Key", "Owner");
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_tagging, NULL,
				       "GetResources", in, &out, &e), 0);
	json_decref(out);
	rq = fx.srv->reqs[1];
	ck_assert_str_eq(rq.target, "ResourceGroupsTaggingAPI_20170126.GetResources");
	ck_assert_str_eq(rq.body, "{\"ResourcesPerPage\":50,\"TagFilters\":[{\"Key\":\"Owner\"}]}");
	ck_assert_ptr_nonnull(strstr(rq.auth, "/20150830/eu-west-1/tagging/aws4_request"));
	/* an explicit region wins */
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_tagging, "ap-south-1",
				       "GetResources", in, &out, &e), 0);
	json_decref(out);
	ck_assert_ptr_nonnull(strstr(fx.srv->reqs[2].auth, "/ap-south-1/tagging/"));
	json_decref(in);
	ck_assert_int_eq(slept_ms, 0);
}
END_TEST

static void h_fail_then_ok(const struct srv_req *rq, struct srv_reply *rp,
			   int n, void *arg)
{
	const char *const *script = arg;

	if (script[n]) {
		reply(rp, 500, NULL);
		rp->status = atoi(script[n]);
		rp->body = strdup(strchr(script[n], ' ') + 1);
	} else {
		reply(rp, 200, "{\"ok\":true}");
	}
}

START_TEST(test_retries_then_success)
{
	static const char *const script[] = {
		"500 {\"__type\":\"InternalFailure\",\"message\":\"boom\"}",
		"503 {\"__type\":\"ServiceUnavailable\"}", NULL};
	struct aws_stats_totals t;
	struct aws_error e;
	json_t *out = NULL;

	fx_start(h_fail_then_ok, (void *)script, 3, 0, 0);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "ListAccounts", NULL, &out, &e), 0);
	ck_assert(json_is_true(json_object_get(out, "ok")));
	json_decref(out);
	ck_assert_int_eq(srv_count(fx.srv), 3);
	ck_assert_int_eq(e.attempts, 3);
	/* full jitter with random 0.5: 0.5 * 1 s, then 0.5 * 2 s */
	ck_assert_int_eq(nsleeps, 2);
	ck_assert_uint_eq(slept_ms, 1500);
	aws_client_stats(fx.c, &t);
	ck_assert_uint_eq(t.calls, 1);
	ck_assert_uint_eq(t.requests, 3);
	ck_assert_uint_eq(t.retries, 2);
	ck_assert_uint_eq(t.throttles, 0);
	ck_assert_uint_eq(t.errors, 0);
	ck_assert_uint_eq(t.in_flight, 0);
	/* signed afresh each time */
	ck_assert_str_eq(fx.srv->reqs[2].amz_date, "20150830T123600Z");
}
END_TEST

static void h_throttle(const struct srv_req *rq, struct srv_reply *rp, int n,
		       void *arg)
{
	int *ok_after = arg;

	if (n < *ok_after)
		reply(rp, 400, "{\"__type\":\"TooManyRequestsException\",\"Type\":\"x\","
		      "\"Message\":\"AWS Organizations can't complete your request because another request is already in progress. Try again later.\"}");
	else
		reply(rp, 200, "{}");
}

START_TEST(test_throttle_counting)
{
	int ok_after = 2;
	struct aws_stats_totals t;
	struct aws_error e;
	struct buf b;
	json_t *out = NULL;

	fx_start(h_throttle, &ok_after, 3, 0, 0);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "ListParents", NULL, &out, &e), 0);
	json_decref(out);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "DescribeOrganization", NULL, &out, &e), 0);
	json_decref(out);
	aws_client_stats(fx.c, &t);
	ck_assert_uint_eq(t.throttles, 2);
	ck_assert_uint_eq(t.retries, 2);
	ck_assert_uint_eq(t.requests, 4);
	buf_init(&b, 4096);
	ck_assert_int_eq(aws_client_stats_render(fx.c, &b), 0);
	ck_assert_str_eq(buf_str(&b),
			 "organizations:DescribeOrganization calls=1 retries=0 throttles=0 errors=0\n"
			 "organizations:ListParents calls=1 retries=2 throttles=2 errors=0\n");
	buf_free(&b);
}
END_TEST

START_TEST(test_retries_exhausted)
{
	int ok_after = 1000;
	struct aws_error e;
	json_t *out = NULL;
	char s[1024];

	fx_start(h_throttle, &ok_after, 3, 0, 0);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "ListAccounts", NULL, &out, &e), -EIO);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(srv_count(fx.srv), 3);
	ck_assert_int_eq(e.attempts, 3);
	ck_assert_int_eq(e.err, EIO);
	ck_assert_int_eq(e.http_status, 400);
	ck_assert_str_eq(e.code, "TooManyRequestsException");
	ck_assert_str_eq(e.request_id, "req-2");
	ck_assert_str_eq(e.operation, "organizations:ListAccounts");
	aws_error_str(&e, s, sizeof(s));
	ck_assert_msg(!strncmp(s, "organizations:ListAccounts: TooManyRequestsException: AWS Organizations can't", 77),
		      "%s", s);
	ck_assert_ptr_nonnull(strstr(s, "(request id req-2, 3 attempts)"));
}
END_TEST

START_TEST(test_quota_exhaustion_shared)
{
	static const char *const always500[64] = {
		[0 ... 62] = "500 {\"__type\":\"InternalFailure\"}"};
	struct creds_provider *other;
	struct aws_stats_totals t;
	struct aws_client *d;
	struct aws_error e;
	json_t *out = NULL;

	/* 12 tokens pay for two retries of 5 */
	fx_start(h_fail_then_ok, (void *)always500, 10, 12, 0);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "ListRoots", NULL, &out, &e), -EIO);
	ck_assert_int_eq(srv_count(fx.srv), 3);
	ck_assert_int_eq(e.attempts, 3);
	/* a derived client shares the quota (2 left): no retry at all */
	other = creds_static_new("AKIDOTHER", "other", "tok", "member");
	d = aws_client_derive(fx.c, other);
	creds_provider_release(other);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(aws_json_call(d, &aws_svc_organizations, NULL,
				       "ListRoots", NULL, &out, &e), -EIO);
	ck_assert_int_eq(e.attempts, 1);
	ck_assert_int_eq(srv_count(fx.srv), 4);
	ck_assert_str_eq(fx.srv->reqs[3].token, "tok");
	ck_assert_ptr_nonnull(strstr(fx.srv->reqs[3].auth, "Credential=AKIDOTHER/"));
	/* and the stats */
	aws_client_stats(fx.c, &t);
	ck_assert_uint_eq(t.calls, 2);
	ck_assert_uint_eq(t.errors, 2);
	ck_assert_uint_eq(t.requests, 4);
	aws_client_free(d);
	/* the parent still works after the derived client is gone */
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "ListRoots", NULL, &out, &e), -EIO);
	ck_assert_int_eq(srv_count(fx.srv), 5);
}
END_TEST

/* --- expired credentials ------------------------------------------------- */

struct rot_provider {
	struct creds_provider base;
	int gen;
	int gets;
	int invalidations;
	int stuck;                      /* invalidate does not help */
};

static int rot_get(struct creds_provider *p, struct aws_credentials **out,
		   struct aws_error *err)
{
	struct rot_provider *r = (struct rot_provider *)p;
	char tok[32];

	r->gets++;
	snprintf(tok, sizeof(tok), "token-%d", r->gen);
	*out = aws_credentials_new("ASIATEST", "rot-secret", tok, 0);
	return *out ? 0 : -ENOMEM;
}

static void rot_invalidate(struct creds_provider *p)
{
	struct rot_provider *r = (struct rot_provider *)p;

	r->invalidations++;
	if (!r->stuck)
		r->gen++;
}

static void rot_destroy(struct creds_provider *p)
{
	(void)p;        /* static storage in the test */
}

static const struct creds_provider_vtable rot_vt = {
	.name = "rotating", .get = rot_get, .invalidate = rot_invalidate,
	.destroy = rot_destroy,
};

static void h_expired(const struct srv_req *rq, struct srv_reply *rp, int n,
		      void *arg)
{
	const char *code = arg;
	char body[256];

	if (!strcmp(rq->token, "token-0")) {
		snprintf(body, sizeof(body),
			 "{\"__type\":\"%s\",\"message\":\"The security token included in the request is expired\"}",
			 code);
		reply(rp, 400, body);
	} else {
		reply(rp, 200, "{\"Accounts\":[]}");
	}
}

static void expired_case(const char *code, int stuck, int want_res,
			 int want_requests)
{
	static struct rot_provider rot;
	struct aws_error e;
	json_t *out = NULL;

	memset(&rot, 0, sizeof(rot));
	rot.stuck = stuck;
	creds_provider_init(&rot.base, &rot_vt, "rotating");
	fx.creds = &rot.base;
	fx_start(h_expired, (void *)code, 3, 0, 0);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "ListAccounts", NULL, &out, &e), want_res);
	json_decref(out);
	ck_assert_int_eq(srv_count(fx.srv), want_requests);
	ck_assert_int_eq(e.attempts, want_requests);
	ck_assert_int_le(rot.invalidations, 1);
	ck_assert_int_eq(rot.gets, want_requests);
	ck_assert_int_eq(slept_ms, 0);
	if (want_res) {
		ck_assert_str_eq(e.code, code);
		ck_assert_int_eq(e.err, EACCES);
	}
	/* the secret never lands in the error */
	ck_assert_ptr_null(strstr(e.message, "rot-secret"));
	fx_stop();
}

START_TEST(test_expired_token_refresh)
{
	expired_case("ExpiredTokenException", 0, 0, 2);
	expired_case("ExpiredToken", 0, 0, 2);
	/* temporary credentials rejected as unknown: refreshed once too */
	expired_case("UnrecognizedClientException", 0, 0, 2);
	/* refreshing does not help: one refresh, then the error */
	expired_case("ExpiredTokenException", 1, -EACCES, 2);
	expired_case("InvalidClientTokenId", 1, -EACCES, 2);
}
END_TEST

START_TEST(test_unknown_static_key_no_refresh)
{
	static const char *const denied[] = {
		"403 {\"__type\":\"UnrecognizedClientException\",\"message\":\"The security token included in the request is invalid.\"}",
		NULL};
	struct aws_error e;
	json_t *out = NULL;

	fx_start(h_fail_then_ok, (void *)denied, 3, 0, 0);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "ListAccounts", NULL, &out, &e), -EACCES);
	ck_assert_int_eq(srv_count(fx.srv), 1);
	ck_assert_str_eq(e.request_id, "req-0");
}
END_TEST

/* --- error parsing table ------------------------------------------------- */

struct err_case {
	const char *name;
	enum aws_protocol proto;
	int status;
	const char *ctype;
	const char *headers;
	const char *body;
	const char *code;
	const char *message;
	const char *request_id;         /* NULL: the header's req-0; else the
					   header is left out and the body's
					   id is expected */
	int err;
};

static const struct err_case err_cases[] = {
	/* botocore tests/unit/protocols/output/json.json forms */
	{"plain __type", AWS_PROTO_JSON, 400, NULL, "",
	 "{\"__type\":\"FooError\",\"message\":\"Some message\"}",
	 "FooError", "Some message", NULL, EIO},
	{"namespaced __type", AWS_PROTO_JSON, 400, NULL, "",
	 "{\"__type\":\"aws.protocoltests.restjson#FooError\",\"Message\":\"Capital M\"}",
	 "FooError", "Capital M", NULL, EIO},
	{"__type with uri", AWS_PROTO_JSON, 400, NULL, "",
	 "{\"__type\":\"aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/\"}",
	 "FooError", "", NULL, EIO},
	{"__type uri no namespace", AWS_PROTO_JSON, 400, NULL, "",
	 "{\"__type\":\"FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/\"}",
	 "FooError", "", NULL, EIO},
	{"json code field", AWS_PROTO_JSON, 400, NULL, "",
	 "{\"code\":\"FooError\"}", "FooError", "", NULL, EIO},
	{"json ignores ErrorType header", AWS_PROTO_JSON, 400, NULL,
	 "X-Amzn-Errortype: HeaderError\r\n",
	 "{\"__type\":\"BodyError\"}", "BodyError", "", NULL, EIO},
	{"rest header first", AWS_PROTO_REST_JSON, 400, "application/json",
	 "X-Amzn-Errortype: FooError\r\n", "{\"code\":\"BarError\"}",
	 "FooError", "", NULL, EIO},
	{"rest header with uri", AWS_PROTO_REST_JSON, 400, "application/json",
	 "X-Amzn-Errortype: FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/\r\n",
	 "{}", "FooError", "", NULL, EIO},
	{"rest header namespaced", AWS_PROTO_REST_JSON, 400, "application/json",
	 "X-Amzn-Errortype: aws.protocoltests.restjson#FooError\r\n", "",
	 "FooError", "", NULL, EIO},
	{"rest code field", AWS_PROTO_REST_JSON, 400, "application/json", "",
	 "{\"code\":\"FooError\",\"message\":\"m\"}", "FooError", "m", NULL, EIO},
	{"rest Code field", AWS_PROTO_REST_JSON, 400, "application/json", "",
	 "{\"Code\":\"FooError\"}", "FooError", "", NULL, EIO},
	{"rest __type", AWS_PROTO_REST_JSON, 400, "application/json", "",
	 "{\"__type\":\"a.b#FooError\"}", "FooError", "", NULL, EIO},
	{"rest 401 unauthorized", AWS_PROTO_REST_JSON, 401, "application/json",
	 "x-amzn-ErrorType: UnauthorizedException\r\n",
	 "{\"message\":\"no default view\"}", "UnauthorizedException",
	 "no default view", NULL, EACCES},
	{"rest 404", AWS_PROTO_REST_JSON, 404, "application/json", "",
	 "{\"code\":\"ResourceNotFoundException\"}",
	 "ResourceNotFoundException", "", NULL, ENOENT},
	{"query-compatible header", AWS_PROTO_JSON, 400, NULL,
	 "x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender\r\n",
	 "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\"}",
	 "AWS.SimpleQueueService.NonExistentQueue", "", NULL, EIO},
	{"access denied", AWS_PROTO_JSON, 400, NULL, "",
	 "{\"__type\":\"AccessDeniedException\",\"Message\":\"You don't have permissions\"}",
	 "AccessDeniedException", "You don't have permissions", NULL, EACCES},
	{"not found", AWS_PROTO_JSON, 400, NULL, "",
	 "{\"__type\":\"AccountNotFoundException\"}", "AccountNotFoundException",
	 "", NULL, ENOENT},
	{"config no such", AWS_PROTO_JSON, 400, NULL, "",
	 "{\"__type\":\"NoSuchConfigRuleException\"}", "NoSuchConfigRuleException",
	 "", NULL, ENOENT},
	{"html body", AWS_PROTO_JSON, 403, "text/html", "",
	 "<html><body>Forbidden</body></html>", "403",
	 "<html><body>Forbidden</body></html>", NULL, EACCES},
	{"text body multi-line", AWS_PROTO_JSON, 400, "text/plain", "",
	 "  bad\nthing\r\n", "400", "bad thing", NULL, EIO},
	{"empty body", AWS_PROTO_JSON, 404, "text/plain", "", "", "404", "",
	 NULL, ENOENT},
	{"json without code", AWS_PROTO_JSON, 400, NULL, "",
	 "{\"message\":\"huh\"}", "400", "huh", NULL, EIO},
	{"json not an object", AWS_PROTO_JSON, 400, NULL, "", "[1,2]", "400",
	 "json error reply is not an object", NULL, EIO},
	{"sts xml", AWS_PROTO_QUERY, 403, "text/xml", "",
	 "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
	 "<Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
	 "<Message>The request signature we calculated does not match</Message>"
	 "</Error><RequestId>xml-req-id</RequestId></ErrorResponse>",
	 "SignatureDoesNotMatch",
	 "The request signature we calculated does not match", "xml-req-id",
	 EACCES},
	{"sts xml throttling", AWS_PROTO_QUERY, 400, "text/xml", "",
	 "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
	 "<Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>",
	 "Throttling", "Rate exceeded", NULL, EIO},
	{"sts json", AWS_PROTO_QUERY, 403, "application/json", "",
	 "{\"Error\":{\"Type\":\"Sender\",\"Code\":\"InvalidClientTokenId\","
	 "\"Message\":\"The security token included in the request is invalid.\"},"
	 "\"RequestId\":\"json-req\"}", "InvalidClientTokenId",
	 "The security token included in the request is invalid.", "json-req",
	 EACCES},
	{"xml not an error doc", AWS_PROTO_QUERY, 503, "text/xml", "",
	 "<html>down</html>", "503", "<html>down</html>", NULL, EIO},
};

static void h_table(const struct srv_req *rq, struct srv_reply *rp, int n,
		    void *arg)
{
	const struct err_case *c = arg;

	reply(rp, c->status, c->body);
	rp->no_request_id = c->request_id != NULL;
	if (c->ctype)
		rp->ctype = c->ctype;
	snprintf(rp->headers, sizeof(rp->headers), "%s", c->headers);
}

START_TEST(test_error_table)
{
	const struct err_case *c = &err_cases[_i];
	struct aws_error e;
	json_t *out = NULL;
	int res;

	fx_start(h_table, (void *)c, 1, 0, 0);
	if (c->proto == AWS_PROTO_JSON)
		res = aws_json_call(fx.c, &aws_svc_config, NULL,
				    "DescribeConfigRules", NULL, &out, &e);
	else if (c->proto == AWS_PROTO_QUERY)
		res = aws_query_call(fx.c, &aws_svc_sts, NULL,
				     "GetCallerIdentity", NULL, 0, &out, &e);
	else
		res = aws_rest_call(fx.c, &aws_svc_resource_explorer, NULL,
				    "POST", "/Search", NULL, 0, NULL, 0,
				    NULL, 1, &out, &e);
	ck_assert_msg(res == -c->err, "%s: res %d", c->name, res);
	ck_assert_ptr_null(out);
	ck_assert_msg(!strcmp(e.code, c->code), "%s: code '%s' want '%s'",
		      c->name, e.code, c->code);
	ck_assert_msg(!strcmp(e.message, c->message),
		      "%s: message '%s' want '%s'", c->name, e.message,
		      c->message);
	ck_assert_str_eq(e.request_id, c->request_id ? c->request_id : "req-0");
	ck_assert_int_eq(e.http_status, c->status);
	ck_assert_int_eq(e.err, c->err);
	ck_assert_int_eq(e.attempts, 1);
}
END_TEST

/* --- transport failures and bad bodies ------------------------------------ */

enum bad_kind { BAD_MALFORMED, BAD_ARRAY, BAD_TRUNCATE, BAD_DROP, BAD_BIG,
		BAD_XML };

static void h_bad(const struct srv_req *rq, struct srv_reply *rp, int n,
		  void *arg)
{
	enum bad_kind k = *(enum bad_kind *)arg;
	char *big;

	switch (k) {
	case BAD_MALFORMED:
		reply(rp, 200, "{\"Accounts\": [{\"Id\": \"1");
		break;
	case BAD_ARRAY:
		reply(rp, 200, "[]");
		break;
	case BAD_TRUNCATE:
		reply(rp, 200, "{\"Accounts\": []}");
		rp->truncate = 1;
		break;
	case BAD_DROP:
		rp->drop = 1;
		break;
	case BAD_BIG:
		big = malloc(5001);
		memset(big, ' ', 5000);
		big[0] = '{';
		big[4999] = '}';
		big[5000] = '\0';
		rp->body = big;
		break;
	case BAD_XML:
		rp->ctype = "text/xml";
		reply(rp, 200, "<GetCallerIdentityResponse><Arn>x</Arn>");
		break;
	}
}

START_TEST(test_bad_replies)
{
	static const struct {
		enum bad_kind k;
		const char *code;
		int requests;
	} t[] = {
		{BAD_MALFORMED, "MalformedResponse", 3},
		{BAD_ARRAY, "MalformedResponse", 3},
		{BAD_TRUNCATE, "TruncatedResponse", 3},
		{BAD_DROP, "ConnectionError", 3},
		{BAD_BIG, "ResponseTooLarge", 1},
		{BAD_XML, "MalformedResponse", 3},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum bad_kind k = t[i].k;
		struct aws_error e;
		json_t *out = NULL;
		int res;

		fx_start(h_bad, &k, 3, 0, 1000);
		if (k == BAD_XML)
			res = aws_query_call(fx.c, &aws_svc_sts, NULL,
					     "GetCallerIdentity", NULL, 0, &out,
					     &e);
		else
			res = aws_json_call(fx.c, &aws_svc_organizations, NULL,
					    "ListAccounts", NULL, &out, &e);
		ck_assert_int_eq(res, -EIO);
		ck_assert_ptr_null(out);
		ck_assert_msg(!strcmp(e.code, t[i].code), "case %zu: %s (%s)",
			      i, e.code, e.message);
		ck_assert_msg(e.message[0], "case %zu: no message", i);
		ck_assert_int_eq(srv_count(fx.srv), t[i].requests);
		ck_assert_int_eq(e.attempts, t[i].requests);
		ck_assert_int_eq(e.err, EIO);
		fx_stop();
	}
}
END_TEST

/* --- no reply fragment in error messages ---------------------------------- */

/* Replies cut inside a secret: jansson's and libxml2's error texts quote
 * the input near the error, which must never reach a message. */
struct leak_case {
	const char *name;
	enum aws_protocol proto;
	int status;
	const char *ctype;
	const char *body;
	const char *secret;             /* no 6-byte piece of it may leak */
	const char *want;               /* what the message must say */
};

static const struct leak_case leak_cases[] = {
	{"json bare token", AWS_PROTO_JSON, 200, NULL,
	 "{\"SecretAccessKey\": wJalrXUtnFEMI/K7MDENG}",
	 "wJalrXUtnFEMI/K7MDENG", "malformed json reply from organizations: line 1 column"},
	{"json cut in a secret", AWS_PROTO_JSON, 200, NULL,
	 "{\"AccessKeyId\":\"AKIAFAKE\",\"SecretAccessKey\":\"wJalrXUtn",
	 "wJalrXUtn", "malformed json reply from organizations: line 1 column"},
	{"sso cut in a secret", AWS_PROTO_REST_JSON, 200, "application/json",
	 "{\"roleCredentials\":{\"accessKeyId\":\"ASIAFAKEKEY\","
	 "\"secretAccessKey\":\"wJalrXUtnFEMI",
	 "wJalrXUtnFEMI", "malformed json reply from sso: line 1 column"},
	{"sso bare token", AWS_PROTO_REST_JSON, 200, "application/json",
	 "{\"roleCredentials\":{\"sessionToken\": IQoJb3JpZ2luX2VjEFAKE}}",
	 "IQoJb3JpZ2luX2VjEFAKE", "malformed json reply from sso: line 1 column"},
	{"sts json cut in a secret", AWS_PROTO_QUERY, 200, "application/json",
	 "{\"AssumeRoleResponse\":{\"AssumeRoleResult\":{\"Credentials\":"
	 "{\"AccessKeyId\":\"ASIAFAKE\",\"SecretAccessKey\":\"wJalrXUtn",
	 "wJalrXUtn", "malformed json reply from sts: line 1 column"},
	{"sts json bare token", AWS_PROTO_QUERY, 200, "application/json",
	 "{\"SecretAccessKey\": wJalrXUtnFEMI/K7MDENG}",
	 "wJalrXUtnFEMI/K7MDENG", "malformed json reply from sts: line 1 column"},
	/* libxml2 names the element it choked on */
	{"sts xml secret as a name", AWS_PROTO_QUERY, 200, "text/xml",
	 "<AssumeRoleResponse><Credentials><SecretAccessKey>"
	 "</wJalrXUtnFEMIK7MDENG></Credentials></AssumeRoleResponse>",
	 "wJalrXUtnFEMIK7MDENG", "malformed xml reply"},
	{"sts xml cut in a secret", AWS_PROTO_QUERY, 200, "text/xml",
	 "<AssumeRoleResponse><Credentials><SecretAccessKey wJalrXUtnFEMI",
	 "wJalrXUtnFEMI", "malformed xml reply"},
	/* an error reply that looks like JSON but is cut */
	{"json error reply cut", AWS_PROTO_JSON, 400, NULL,
	 "{\"__type\":\"ValidationException\",\"message\":\"bad key wJalrXUtnFEMI",
	 "wJalrXUtnFEMI", "malformed json error reply: line 1 column"},
	{"sso error reply cut", AWS_PROTO_REST_JSON, 500, "application/json",
	 "{\"message\":\"IQoJb3JpZ2luX2VjEFAKE",
	 "IQoJb3JpZ2luX2VjEFAKE", "malformed json error reply: line 1 column"},
};

static void h_leak(const struct srv_req *rq, struct srv_reply *rp, int n,
		   void *arg)
{
	const struct leak_case *c = arg;

	reply(rp, c->status, c->body);
	if (c->ctype)
		rp->ctype = c->ctype;
}

/* Fail when any len-byte piece of secret occurs in text. */
static void assert_no_piece(const char *what, const char *text,
			    const char *secret, size_t len)
{
	size_t n = strlen(secret);

	for (size_t i = 0; i + len <= n; i++) {
		char piece[64];

		snprintf(piece, sizeof(piece), "%.*s", (int)len, secret + i);
		ck_assert_msg(!strstr(text, piece), "%s: '%s' quotes '%s'",
			      what, text, piece);
	}
}

START_TEST(test_no_reply_fragment_in_errors)
{
	const struct leak_case *c = &leak_cases[_i];
	struct aws_error e;
	json_t *out = NULL;
	char full[1024];
	int res;

	fx_start(h_leak, (void *)c, 1, 0, 0);
	if (c->proto == AWS_PROTO_JSON)
		res = aws_json_call(fx.c, &aws_svc_organizations, NULL,
				    "ListAccounts", NULL, &out, &e);
	else if (c->proto == AWS_PROTO_QUERY)
		res = aws_query_call(fx.c, &aws_svc_sts, NULL, "AssumeRole",
				     NULL, 0, &out, &e);
	else
		res = aws_rest_call(fx.c, &aws_svc_sso, NULL, "GET",
				    "/federation/credentials", NULL, 0, NULL,
				    0, NULL, 0, &out, &e);
	ck_assert_msg(res < 0, "%s: res %d", c->name, res);
	ck_assert_ptr_null(out);
	if (c->status < 300)
		ck_assert_str_eq(e.code, "MalformedResponse");
	aws_error_str(&e, full, sizeof(full));
	ck_assert_msg(strstr(e.message, c->want), "%s: '%s' does not say '%s'",
		      c->name, e.message, c->want);
	assert_no_piece(c->name, full, c->secret, 6);
	/* nor any other piece of the body: only what failed and where */
	assert_no_piece(c->name, e.message, c->body + 1, 12);
}
END_TEST

START_TEST(test_connection_refused)
{
	struct aws_error e;
	json_t *out = NULL;
	char url[64];

	fx_start(h_echo, NULL, 2, 0, 0);
	/* a port nobody listens on: stop the server, keep its URL */
	snprintf(url, sizeof(url), "%s", fx.srv->url);
	srv_stop(fx.srv);
	fx.srv = NULL;
	fx.ep.orgfs_endpoint = url;
	aws_client_free(fx.c);
	fx.c = aws_client_new(&(struct aws_client_config){
		.http = fx.http, .creds = fx.creds, .region = "us-east-1",
		.endpoints = &fx.ep, .max_attempts = 2,
		.wall_clock = pinned_clock, .sleep_ms = fake_sleep,
		.random = half});
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "ListRoots", NULL, &out, &e), -EIO);
	ck_assert_str_eq(e.code, "ConnectionError");
	ck_assert_int_eq(e.attempts, 2);
	ck_assert_int_eq(e.http_status, 0);
	aws_client_free(fx.c);
	creds_provider_release(fx.creds);
	http_ctx_free(fx.http);
	memset(&fx, 0, sizeof(fx));
}
END_TEST

/* --- query and rest-json ------------------------------------------------ */

static void h_sts(const struct srv_req *rq, struct srv_reply *rp, int n,
		  void *arg)
{
	if (strstr(rq->body, "Action=GetCallerIdentity")) {
		rp->ctype = "text/xml";
		reply(rp, 200,
		      "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
		      "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/admin</Arn>"
		      "<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
		      "<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>"
		      "</GetCallerIdentityResponse>");
	} else {
		rp->ctype = "application/json";
		reply(rp, 200, "{\"AssumeRoleResponse\":{\"AssumeRoleResult\":{\"Credentials\":"
		      "{\"Expiration\":1.79E9}},\"ResponseMetadata\":{\"RequestId\":\"r2\"}}}");
	}
}

START_TEST(test_query_call)
{
	struct aws_param p[] = {
		{"RoleArn", "arn:aws:iam::123456789012:role/a b"},
		{"RoleSessionName", "orgfs+x=y&z"},
		{"Tags.member.1.Key", "k"},
	};
	struct aws_error e;
	json_t *out = NULL;

	fx_start(h_sts, NULL, 3, 0, 0);
	ck_assert_int_eq(aws_query_call(fx.c, &aws_svc_sts, NULL,
					"GetCallerIdentity", NULL, 0, &out, &e), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		json_object_get(out, "GetCallerIdentityResponse"),
		"GetCallerIdentityResult"), "Account")), "123456789012");
	json_decref(out);
	ck_assert_str_eq(fx.srv->reqs[0].body,
			 "Action=GetCallerIdentity&Version=2011-06-15");
	ck_assert_str_eq(fx.srv->reqs[0].ctype,
			 "application/x-www-form-urlencoded; charset=utf-8");
	ck_assert_str_eq(fx.srv->reqs[0].accept, "*/*");
	ck_assert_ptr_nonnull(strstr(fx.srv->reqs[0].auth, "/eu-west-1/sts/aws4_request"));

	ck_assert_int_eq(aws_query_call(fx.c, &aws_svc_sts, NULL, "AssumeRole",
					p, 3, &out, &e), 0);
	ck_assert_str_eq(fx.srv->reqs[1].body,
			 "Action=AssumeRole&Version=2011-06-15"
			 "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fa%20b"
			 "&RoleSessionName=orgfs%2Bx%3Dy%26z&Tags.member.1.Key=k");
	/* a JSON reply is taken as it is */
	ck_assert(json_number_value(json_object_get(json_object_get(json_object_get(
		json_object_get(out, "AssumeRoleResponse"), "AssumeRoleResult"),
		"Credentials"), "Expiration")) == 1.79e9);
	json_decref(out);
}
END_TEST

static void h_rest(const struct srv_req *rq, struct srv_reply *rp, int n,
		   void *arg)
{
	rp->ctype = "application/json";
	reply(rp, 200, n == 0 ? "{\"Resources\":[]}" : "");
}

START_TEST(test_rest_call)
{
	struct aws_param q[] = {{"role_name", "Admin Role"},
				{"account_id", "123456789012"}};
	struct http_header h[] = {{"x-test-header", "bearer-ish"}};
	struct aws_error e;
	json_t *out = NULL, *body = json_pack("{s:s}", "QueryString", "tag:none");

	fx_start(h_rest, NULL, 3, 0, 0);
	ck_assert_int_eq(aws_rest_call(fx.c, &aws_svc_resource_explorer, NULL,
				       "POST", "/Search", NULL, 0, NULL, 0,
				       body, 1, &out, &e), 0);
	ck_assert(json_is_array(json_object_get(out, "Resources")));
	json_decref(out);
	ck_assert_str_eq(fx.srv->reqs[0].path, "/Search");
	ck_assert_str_eq(fx.srv->reqs[0].ctype, "application/json");
	ck_assert_str_eq(fx.srv->reqs[0].body, "{\"QueryString\":\"tag:none\"}");
	ck_assert_ptr_nonnull(strstr(fx.srv->reqs[0].auth,
				     "/eu-west-1/resource-explorer-2/aws4_request"));
	ck_assert_str_eq(fx.srv->reqs[0].target, "");

	/* unsigned GET, query encoded, segments encoded, empty body -> {} */
	ck_assert_int_eq(aws_rest_call(fx.c, &aws_svc_sso, NULL, "GET",
				       "/federation/credentials", q, 2, h, 1,
				       NULL, 0, &out, &e), 0);
	ck_assert_int_eq(json_object_size(out), 0);
	json_decref(out);
	ck_assert_str_eq(fx.srv->reqs[1].method, "GET");
	ck_assert_str_eq(fx.srv->reqs[1].path,
			 "/federation/credentials?role_name=Admin%20Role&account_id=123456789012");
	ck_assert_str_eq(fx.srv->reqs[1].auth, "");
	ck_assert_str_eq(fx.srv->reqs[1].custom, "bearer-ish");
	ck_assert_str_eq(e.operation, "sso:GetRoleCredentials");

	ck_assert_int_eq(aws_rest_call(fx.c, &aws_svc_resource_explorer, NULL,
				       "POST", "/tags/arn:aws:x:y/My View", NULL, 0,
				       NULL, 0, NULL, 1, &out, &e), 0);
	json_decref(out);
	ck_assert_str_eq(fx.srv->reqs[2].path, "/tags/arn%3Aaws%3Ax%3Ay/My%20View");
	ck_assert_str_eq(e.operation, "resource-explorer-2:My View");
	json_decref(body);
}
END_TEST

START_TEST(test_wrong_protocol)
{
	struct aws_error e;
	json_t *out = NULL;
	json_t *arr = json_array();

	fx_start(h_echo, NULL, 3, 0, 0);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_sts, NULL, "X", NULL,
				       &out, &e), -EINVAL);
	ck_assert_int_eq(aws_query_call(fx.c, &aws_svc_organizations, NULL,
					"X", NULL, 0, &out, &e), -EINVAL);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "X", arr, &out, &e), -EINVAL);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations,
				       "not a region!", "X", NULL, &out, &e),
			 -EINVAL);
	ck_assert_str_eq(e.code, "InvalidEndpoint");
	ck_assert_int_eq(srv_count(fx.srv), 0);
	json_decref(arr);
}
END_TEST


START_TEST(test_legacy_and_adaptive_modes)
{
	static const char *const always500[64] = {
		[0 ... 62] = "500 {\"__type\":\"InternalFailure\"}"};
	struct aws_client_config cc = {0};
	struct aws_stats_totals t;
	struct aws_error e;
	json_t *out = NULL;
	int ok_after = 2, retries;

	/* legacy: 5 attempts by default, no quota (12 would allow 2) */
	fx_start(h_fail_then_ok, (void *)always500, 0, 12, 0);
	aws_client_free(fx.c);
	cc = (struct aws_client_config){
		.http = fx.http, .creds = fx.creds, .region = "us-east-1",
		.endpoints = &fx.ep, .retry_mode = AWS_RETRY_LEGACY,
		.retry_quota = 12, .wall_clock = pinned_clock,
		.sleep_ms = fake_sleep, .random = half};
	fx.c = aws_client_new(&cc);
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations, NULL,
				       "ListRoots", NULL, &out, &e), -EIO);
	ck_assert_int_eq(e.attempts, 5);
	ck_assert_int_eq(srv_count(fx.srv), 5);
	/* rand * 2^(n-1) without a cap: 0.5 + 1 + 2 + 4 s */
	ck_assert_uint_eq(slept_ms, 7500);
	fx_stop();

	/* adaptive: after throttling, sends wait for the rate limiter too */
	fx_start(h_throttle, &ok_after, 0, 0, 0);
	aws_client_free(fx.c);
	cc.retry_mode = AWS_RETRY_ADAPTIVE;
	cc.retry_quota = 0;
	cc.http = fx.http;
	cc.creds = fx.creds;
	cc.endpoints = &fx.ep;
	fx.c = aws_client_new(&cc);
	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_organizations,
					       NULL, "ListRoots", NULL, &out,
					       &e), 0);
		json_decref(out);
	}
	aws_client_stats(fx.c, &t);
	retries = (int)t.retries;
	ck_assert_int_eq(retries, 2);
	ck_assert_uint_eq(t.throttles, 2);
	/* 2 backoff sleeps, and the limiter made later sends wait */
	ck_assert_int_gt(nsleeps, retries);
}
END_TEST

/* --- pagination ---------------------------------------------------------- */

/* Pages keyed by the token received; page i answers pages[i]. */
struct pager {
	const char *in_key;
	const char *const *pages;       /* "<token or ->|<json reply>" */
	int fail_at;                    /* request number failing, -1 none */
};

static void h_pages(const struct srv_req *rq, struct srv_reply *rp, int n,
		    void *arg)
{
	struct pager *p = arg;
	json_t *in = json_loads(rq->body, 0, NULL);
	const char *tok = json_string_value(json_object_get(in, p->in_key));
	char want[64];
	int i;

	if (n == p->fail_at) {
		reply(rp, 400, "{\"__type\":\"AccessDeniedException\",\"Message\":\"page denied\"}");
		json_decref(in);
		return;
	}
	for (i = 0; p->pages[i]; i++) {
		const char *bar = strchr(p->pages[i], '|');

		snprintf(want, sizeof(want), "%.*s", (int)(bar - p->pages[i]),
			 p->pages[i]);
		if ((!tok && !strcmp(want, "-")) || (tok && !strcmp(tok, want))) {
			reply(rp, 200, bar + 1);
			json_decref(in);
			return;
		}
	}
	reply(rp, 400, "{\"__type\":\"InvalidInputException\",\"Message\":\"bad token\"}");
	json_decref(in);
}

struct collect {
	json_t *items;
	const char *member;
	int pages;
	int stop_at;
};

static int collect_page(json_t *page, void *arg)
{
	struct collect *c = arg;

	c->pages++;
	if (c->pages == c->stop_at)
		return -ENOSPC;
	return json_array_extend(c->items, json_object_get(page, c->member));
}

/* Everything or nothing: what a caller of the listing sees. */
static json_t *list_all(const struct aws_service *svc, const char *op,
			json_t *input, const char *tok_key, const char *member,
			int stop_at, int *res, struct aws_error *e)
{
	struct collect c = {json_array(), member, 0, stop_at};

	*res = aws_json_paginate(fx.c, svc, NULL, op, input, tok_key, tok_key,
				 collect_page, &c, e);
	if (*res) {
		json_decref(c.items);
		return NULL;
	}
	return c.items;
}

START_TEST(test_paginate_org)
{
	static const char *const pages[] = {
		"-|{\"Accounts\":[{\"Id\":\"1\"},{\"Id\":\"2\"}],\"NextToken\":\"t1\"}",
		/* an empty page with a token is not the end */
		"t1|{\"Accounts\":[],\"NextToken\":\"t2\"}",
		"t2|{\"Accounts\":[{\"Id\":\"3\"}],\"NextToken\":null}",
		NULL};
	struct pager p = {"NextToken", pages, -1};
	json_t *input = json_pack("{s:i, s:s}", "MaxResults", 20, "NextToken",
				  "stale");
	json_t *before = json_deep_copy(input), *items;
	struct aws_error e;
	int res;

	fx_start(h_pages, &p, 3, 0, 0);
	items = list_all(&aws_svc_organizations, "ListAccounts", input,
			 "NextToken", "Accounts", 0, &res, &e);
	ck_assert_int_eq(res, 0);
	ck_assert_uint_eq(json_array_size(items), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 2), "Id")), "3");
	ck_assert_int_eq(srv_count(fx.srv), 3);
	/* the caller's input is untouched; the stale token was not sent */
	ck_assert(json_equal(input, before));
	ck_assert_str_eq(fx.srv->reqs[0].body, "{\"MaxResults\":20}");
	ck_assert_str_eq(fx.srv->reqs[1].body, "{\"MaxResults\":20,\"NextToken\":\"t1\"}");
	json_decref(items);
	json_decref(input);
	json_decref(before);
}
END_TEST

START_TEST(test_paginate_tagging_empty_string_end)
{
	static const char *const pages[] = {
		"-|{\"ResourceTagMappingList\":[{\"ResourceARN\":\"a\"}],\"PaginationToken\":\"p1\"}",
		"p1|{\"ResourceTagMappingList\":[{\"ResourceARN\":\"b\"}],\"PaginationToken\":\"\"}",
		NULL};
	struct pager p = {"PaginationToken", pages, -1};
	struct aws_error e;
	json_t *items;
	int res;

	fx_start(h_pages, &p, 3, 0, 0);
	items = list_all(&aws_svc_tagging, "GetResources", NULL,
			 "PaginationToken", "ResourceTagMappingList", 0, &res, &e);
	ck_assert_int_eq(res, 0);
	ck_assert_uint_eq(json_array_size(items), 2);
	ck_assert_int_eq(srv_count(fx.srv), 2);
	json_decref(items);
}
END_TEST

START_TEST(test_paginate_absent_token_ends)
{
	static const char *const pages[] = {"-|{\"Roots\":[{\"Id\":\"r-1\"}]}", NULL};
	struct pager p = {"NextToken", pages, -1};
	struct aws_error e;
	json_t *items;
	int res;

	fx_start(h_pages, &p, 3, 0, 0);
	items = list_all(&aws_svc_organizations, "ListRoots", NULL,
			 "NextToken", "Roots", 0, &res, &e);
	ck_assert_int_eq(res, 0);
	ck_assert_uint_eq(json_array_size(items), 1);
	ck_assert_int_eq(srv_count(fx.srv), 1);
	json_decref(items);
}
END_TEST

START_TEST(test_paginate_repeated_token)
{
	static const char *const pages[] = {
		"-|{\"Accounts\":[{\"Id\":\"1\"}],\"NextToken\":\"a\"}",
		"a|{\"Accounts\":[{\"Id\":\"2\"}],\"NextToken\":\"b\"}",
		"b|{\"Accounts\":[{\"Id\":\"3\"}],\"NextToken\":\"a\"}",
		NULL};
	struct pager p = {"NextToken", pages, -1};
	struct aws_error e;
	char s[512];
	int res;

	fx_start(h_pages, &p, 3, 0, 0);
	ck_assert_ptr_null(list_all(&aws_svc_organizations, "ListAccounts",
				    NULL, "NextToken", "Accounts", 0, &res, &e));
	ck_assert_int_eq(res, -EIO);
	ck_assert_int_eq(e.err, EIO);
	ck_assert_str_eq(e.message, "pagination token repeated");
	ck_assert_int_eq(srv_count(fx.srv), 3);
	aws_error_str(&e, s, sizeof(s));
	ck_assert_msg(!strncmp(s, "organizations:ListAccounts: PaginationError: pagination token repeated", 70),
		      "%s", s);
}
END_TEST

START_TEST(test_paginate_page3_fails)
{
	static const char *const pages[] = {
		"-|{\"Accounts\":[{\"Id\":\"1\"}],\"NextToken\":\"a\"}",
		"a|{\"Accounts\":[{\"Id\":\"2\"}],\"NextToken\":\"b\"}",
		"b|{\"Accounts\":[{\"Id\":\"3\"}],\"NextToken\":null}",
		NULL};
	struct pager p = {"NextToken", pages, 2};
	struct aws_error e;
	int res;

	fx_start(h_pages, &p, 3, 0, 0);
	ck_assert_ptr_null(list_all(&aws_svc_organizations, "ListAccounts",
				    NULL, "NextToken", "Accounts", 0, &res, &e));
	ck_assert_int_eq(res, -EACCES);
	ck_assert_str_eq(e.code, "AccessDeniedException");
	ck_assert_str_eq(e.message, "page denied");
	ck_assert_str_eq(e.request_id, "req-2");
	ck_assert_int_eq(srv_count(fx.srv), 3);
}
END_TEST

START_TEST(test_paginate_bad_token_and_handler_stop)
{
	static const char *const num[] = {
		"-|{\"Accounts\":[],\"NextToken\":17}", NULL};
	static const char *const many[] = {
		"-|{\"Accounts\":[{\"Id\":\"1\"}],\"NextToken\":\"a\"}",
		"a|{\"Accounts\":[{\"Id\":\"2\"}],\"NextToken\":\"b\"}",
		"b|{\"Accounts\":[{\"Id\":\"3\"}]}", NULL};
	struct pager p = {"NextToken", num, -1};
	struct aws_error e;
	int res;

	fx_start(h_pages, &p, 3, 0, 0);
	ck_assert_ptr_null(list_all(&aws_svc_organizations, "ListAccounts",
				    NULL, "NextToken", "Accounts", 0, &res, &e));
	ck_assert_int_eq(res, -EIO);
	ck_assert_str_eq(e.message, "pagination token is not a string");
	fx_stop();

	p.pages = many;
	fx_start(h_pages, &p, 3, 0, 0);
	ck_assert_ptr_null(list_all(&aws_svc_organizations, "ListAccounts",
				    NULL, "NextToken", "Accounts", 2, &res, &e));
	ck_assert_int_eq(res, -ENOSPC);
	ck_assert_int_eq(e.err, ENOSPC);
	ck_assert_int_eq(srv_count(fx.srv), 2);
}
END_TEST

/* --- concurrency ------------------------------------------------------------ */

static void h_count(const struct srv_req *rq, struct srv_reply *rp, int n,
		    void *arg)
{
	if (n % 5 == 0)
		reply(rp, 400, "{\"__type\":\"ThrottlingException\"}");
	else
		reply(rp, 200, "{}");
}

static void *worker(void *arg)
{
	struct aws_client *c = arg;
	struct aws_error e;
	json_t *out;
	long fails = 0;

	for (int i = 0; i < 25; i++) {
		out = NULL;
		if (aws_json_call(c, &aws_svc_config, NULL, "DescribeConfigRules",
				  NULL, &out, &e))
			fails++;
		json_decref(out);
	}
	return (void *)fails;
}

START_TEST(test_threads_share_stats)
{
	struct aws_client *d[4];
	struct aws_stats_totals t;
	struct creds_provider *p;
	pthread_t th[8];
	void *fails;

	fx_start(h_count, NULL, 10, 0, 0);
	p = creds_static_new("AKIDX", "x", NULL, NULL);
	for (int i = 0; i < 4; i++)
		d[i] = aws_client_derive(fx.c, p);
	creds_provider_release(p);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker,
						i < 4 ? fx.c : d[i - 4]), 0);
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], &fails);
		ck_assert_int_eq((long)fails, 0);
	}
	aws_client_stats(d[0], &t);
	ck_assert_uint_eq(t.calls, 200);
	ck_assert_uint_eq(t.requests, (uint64_t)srv_count(fx.srv));
	ck_assert_uint_eq(t.requests, t.calls + t.retries);
	ck_assert_uint_eq(t.throttles, t.retries);
	ck_assert_uint_gt(t.throttles, 0);
	ck_assert_uint_eq(t.in_flight, 0);
	ck_assert_uint_eq(t.errors, 0);
	for (int i = 0; i < 4; i++)
		aws_client_free(d[i]);
}
END_TEST

/* A service quota: a token bucket on the server's side. */
struct quota {
	double rate, burst, tokens, last;
	int throttled, served;
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void h_quota(const struct srv_req *rq, struct srv_reply *rp, int n,
		    void *arg)
{
	struct quota *q = arg;          /* the server is one thread */
	double now = mono();

	q->tokens += (now - q->last) * q->rate;
	if (q->tokens > q->burst)
		q->tokens = q->burst;
	q->last = now;
	if (q->tokens >= 1) {
		q->tokens -= 1;
		q->served++;
		reply(rp, 200, "{}");
	} else {
		q->throttled++;
		reply(rp, 400, "{\"__type\":\"TooManyRequestsException\"}");
	}
}

static void *quota_worker(void *arg)
{
	struct aws_error e;
	json_t *out;
	long fails = 0;

	(void)arg;
	for (int i = 0; i < 10; i++) {
		out = NULL;
		if (aws_json_call(fx.c, &aws_svc_organizations, NULL,
				  "DescribeOrganization", NULL, &out, &e))
			fails++;
		json_decref(out);
	}
	return (void *)fails;
}

/* Eight threads against a quota of 20/s (backoff sleeps are instant
 * here: only the limiter spaces the retries) with the client rate lim:
 * every call completes, and most requests are not throttled. */
static void over_the_quota(const struct aws_rate_limit *lim)
{
	struct quota q = {.rate = 20, .burst = 2, .tokens = 2};
	struct aws_stats_totals t;
	pthread_t th[8];
	void *fails;

	q.last = mono();
	fx_limits = lim;
	fx_nlimits = 1;
	fx_start(h_quota, &q, 3, 0, 0);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, quota_worker,
						NULL), 0);
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], &fails);
		ck_assert_int_eq((long)fails, 0);
	}
	aws_client_stats(fx.c, &t);
	ck_assert_uint_eq(t.calls, 80);
	ck_assert_uint_eq(t.errors, 0);
	ck_assert_int_eq(q.served, 80);
	ck_assert_int_gt(q.throttled, 0);
	ck_assert_uint_eq(t.throttles, (uint64_t)q.throttled);
	/* the limiter slowed down: most requests were not throttled */
	ck_assert_int_lt(q.throttled, 80);
}

/* A client rate four times the quota, the default three attempts: the
 * rate is cut once per round of requests, the first ten throttles of a
 * call do not use up its attempts. */
START_TEST(test_rate_limit_over_the_quota)
{
	static const struct aws_rate_limit lim = {
		.service = "organizations", .rate = 80, .burst = 160,
	};

	over_the_quota(&lim);
}
END_TEST

/* The adaptive limiter (the default for Organizations): the eight
 * threads go at once until the service throttles, then at the rate it
 * answers. */
START_TEST(test_rate_auto_over_the_quota)
{
	static const struct aws_rate_limit lim = {
		.service = "organizations", .rate = AWS_RATE_AUTO,
	};

	over_the_quota(&lim);
}
END_TEST

/* What orgfs does: a client derived for each fetch from a member
 * account, used once and freed.  A per-account limit keeps one bucket
 * per account, shared by all the clients derived for it, not one per
 * client (which piled up with every fetch, issue 18.7). */
START_TEST(test_per_account_buckets)
{
	static const struct aws_rate_limit lim = {
		.service = "config", .rate = 1000, .burst = 2000,
		.per_account = 1,
	};
	static const char *const accounts[] = {
		"111111111111", "222222222222", "111111111111", "111111111111",
		"222222222222",
	};
	struct creds_provider *p;
	struct aws_client *d;
	struct aws_error e;
	json_t *out;

	fx_limits = &lim;
	fx_nlimits = 1;
	fx_start(h_echo, NULL, 1, 0, 0);
	p = creds_static_new("AKIDX", "x", NULL, NULL);
	for (size_t i = 0; i < sizeof(accounts) / sizeof(*accounts); i++) {
		d = aws_client_derive_account(fx.c, p, accounts[i]);
		ck_assert_ptr_nonnull(d);
		out = NULL;
		ck_assert_int_eq(aws_json_call(d, &aws_svc_config, NULL,
					       "DescribeConfigRules", NULL,
					       &out, &e), 0);
		json_decref(out);
		aws_client_free(d);
		ck_assert_uint_eq(aws_client_buckets(fx.c), i ? 2 : 1);
	}
	/* the credentials' own account, and a client derived without an
	 * account shares it */
	out = NULL;
	ck_assert_int_eq(aws_json_call(fx.c, &aws_svc_config, NULL,
				       "DescribeConfigRules", NULL, &out, &e), 0);
	json_decref(out);
	d = aws_client_derive(fx.c, p);
	out = NULL;
	ck_assert_int_eq(aws_json_call(d, &aws_svc_config, NULL,
				       "DescribeConfigRules", NULL, &out, &e), 0);
	json_decref(out);
	aws_client_free(d);
	ck_assert_uint_eq(aws_client_buckets(fx.c), 3);
	/* an account that is not one */
	ck_assert_ptr_null(aws_client_derive_account(fx.c, p,
						     "1234567890123456"));
	creds_provider_release(p);
}
END_TEST

static Suite *aws_suite(void)
{
	Suite *s = suite_create("aws");
	TCase *tc = tcase_create("client");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_json_request_shape);
	tcase_add_test(tc, test_retries_then_success);
	tcase_add_test(tc, test_throttle_counting);
	tcase_add_test(tc, test_retries_exhausted);
	tcase_add_test(tc, test_quota_exhaustion_shared);
	tcase_add_test(tc, test_expired_token_refresh);
	tcase_add_test(tc, test_unknown_static_key_no_refresh);
	tcase_add_loop_test(tc, test_error_table, 0,
			    sizeof(err_cases) / sizeof(err_cases[0]));
	tcase_add_test(tc, test_bad_replies);
	tcase_add_loop_test(tc, test_no_reply_fragment_in_errors, 0,
			    sizeof(leak_cases) / sizeof(leak_cases[0]));
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_query_call);
	tcase_add_test(tc, test_rest_call);
	tcase_add_test(tc, test_wrong_protocol);
	tcase_add_test(tc, test_legacy_and_adaptive_modes);
	tcase_add_test(tc, test_paginate_org);
	tcase_add_test(tc, test_paginate_tagging_empty_string_end);
	tcase_add_test(tc, test_paginate_absent_token_ends);
	tcase_add_test(tc, test_paginate_repeated_token);
	tcase_add_test(tc, test_paginate_page3_fails);
	tcase_add_test(tc, test_paginate_bad_token_and_handler_stop);
	tcase_add_test(tc, test_threads_share_stats);
	tcase_add_test(tc, test_per_account_buckets);
	tcase_add_test(tc, test_rate_limit_over_the_quota);
	tcase_add_test(tc, test_rate_auto_over_the_quota);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (http_global_init())
		return EXIT_FAILURE;
	sr = srunner_create(aws_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	http_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
