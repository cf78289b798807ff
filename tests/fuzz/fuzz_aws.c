/* fuzz_aws.c - AWS replies through the real client: aws.c's reply and error
 * parsing for every protocol, and the Organizations source's unpacking of
 * every operation's JSON
 *
 * The replies come from an HTTP server inside this process on 127.0.0.1,
 * so the bytes take the path a real reply takes (libcurl, http.c, aws.c,
 * source_aws.c, credchain.c) and nothing in lib/ had to be exported.
 *
 * Input (text):
 *	<operation>\n
 *	=== <status>\n
 *	<header>: <value>\n ...
 *	\n
 *	<body>
 *	\n=== <status>\n ...	the next reply, and so on
 * Requests are answered with the replies in order; once they are used up
 * every request gets a 400 "FuzzEnd" error, so each operation ends.
 * Operations: org accounts hier tags policies policy resources identity
 * json query rest paginate aggconfig aggresexp (anything else: picked by
 * its first byte).
 * FUZZ_AWS_VERBOSE=1 in the environment prints each outcome (for checking
 * that the seeds get through: tests/fuzz/README.md).
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arn.h"
#include "aws.h"
#include "buf.h"
#include "credchain.h"
#include "creds.h"
#include "fuzz_util.h"
#include "http.h"
#include "ids.h"
#include "model.h"
#include "source.h"
#include "source_agg.h"
#include "source_aws.h"

#define MAX_REPLIES 64
#define MAX_REQUEST (1u << 20)

struct reply {
	int status;
	const char *head;       /* header lines, '\n' separated */
	size_t head_len;
	const char *body;
	size_t body_len;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct reply replies[MAX_REPLIES];      /* mu */
static size_t nreplies, next_reply;             /* mu */

static struct http_ctx *http;
static struct aws_client *client;
static struct creds_provider *creds;
static char endpoint[64];

/* ---- the server ---- */

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int token_char(char c)
{
	return c && (isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~", c));
}

/* Header lines that are well-formed and do not frame the message. */
static int header_ok(const char *l, size_t n)
{
	const char *colon = memchr(l, ':', n);
	size_t nl;

	if (!colon || colon == l)
		return 0;
	nl = (size_t)(colon - l);
	for (size_t i = 0; i < nl; i++)
		if (!token_char(l[i]))
			return 0;
	for (size_t i = nl; i < n; i++)
		if (l[i] == '\0' || l[i] == '\r')
			return 0;
	return !(nl == 14 && !strncasecmp(l, "content-length", nl)) &&
	       !(nl == 17 && !strncasecmp(l, "transfer-encoding", nl)) &&
	       !(nl == 10 && !strncasecmp(l, "connection", nl)) &&
	       !(nl == 16 && !strncasecmp(l, "content-encoding", nl)) &&
	       !(nl == 10 && !strncasecmp(l, "keep-alive", nl));
}

static int respond(int fd)
{
	static const char end_body[] =
		"{\"__type\":\"FuzzEnd\",\"message\":\"no more replies\"}";
	struct reply r = { 400, "", 0, end_body, sizeof(end_body) - 1 };
	char line[128];
	struct buf out;
	int status, rc = -1;

	pthread_mutex_lock(&mu);
	if (next_reply < nreplies)
		r = replies[next_reply++];
	pthread_mutex_unlock(&mu);
	status = r.status;
	/* no body or interim replies: they would desynchronise the stream */
	if (status < 200 || status > 599 || status == 204 || status == 304)
		status = 200;
	/* one write: split ones meet Nagle and delayed ACKs (40 ms each) */
	buf_init(&out, 4u << 20);
	snprintf(line, sizeof(line), "HTTP/1.1 %d Fuzz\r\n", status);
	if (buf_puts(&out, line))
		goto out;
	for (const char *p = r.head; p < r.head + r.head_len;) {
		const char *e = memchr(p, '\n', (size_t)(r.head + r.head_len - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(r.head + r.head_len - p);

		if (header_ok(p, n) &&
		    (buf_append(&out, p, n) || buf_puts(&out, "\r\n")))
			goto out;
		p += n + 1;
	}
	snprintf(line, sizeof(line), "Content-Length: %zu\r\n\r\n", r.body_len);
	if (buf_puts(&out, line) || buf_append(&out, r.body, r.body_len))
		goto out;
	rc = send_all(fd, out.data, out.len);
out:
	buf_free(&out);
	return rc;
}

/* One connection: requests one after another (libcurl keeps it alive). */
static void *conn_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(MAX_REQUEST);
	size_t have = 0;

	if (!buf)
		abort();
	for (;;) {
		char *end, *cl;
		size_t head, need, blen = 0;
		ssize_t got;

		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end) {
			if (have >= MAX_REQUEST - 1)
				break;
			got = recv(fd, buf + have, MAX_REQUEST - 1 - have, 0);
			if (got <= 0)
				break;
			have += (size_t)got;
			continue;
		}
		head = (size_t)(end - buf) + 4;
		*end = '\0';
		for (cl = buf; (cl = strcasestr(cl, "\r\ncontent-length:")); cl++)
			blen = strtoul(cl + 17, NULL, 10);
		*end = '\r';
		if (blen > MAX_REQUEST - 1 - head)
			break;
		need = head + blen;
		while (have < need) {
			got = recv(fd, buf + have, MAX_REQUEST - 1 - have, 0);
			if (got <= 0)
				goto out;
			have += (size_t)got;
		}
		if (respond(fd))
			break;
		memmove(buf, buf + need, have - need);
		have -= need;
	}
out:
	close(fd);
	free(buf);
	return NULL;
}

static void *accept_thread(void *arg)
{
	int lfd = (int)(intptr_t)arg, one = 1;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, NULL, conn_thread, (void *)(intptr_t)fd)) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
	return NULL;
}

static void setup(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	static struct http_ctx_config hcfg = {
		.connect_timeout_ms = 2000, .timeout_ms = 10000,
		.max_response = 1u << 20,
	};
	static struct endpoint_config ecfg;
	struct aws_client_config ccfg = { 0 };
	pthread_t t;
	int lfd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, 64) || getsockname(lfd, (struct sockaddr *)&sa, &sl) ||
	    pthread_create(&t, NULL, accept_thread, (void *)(intptr_t)lfd))
		abort();
	pthread_detach(t);
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d",
		 ntohs(sa.sin_port));

	json_object_seed(1);
	if (http_global_init())
		abort();
	http = http_ctx_new(&hcfg);
	creds = creds_static_new("AKIDFUZZ", "fuzz-secret-key", NULL, "fuzz");
	ecfg.orgfs_endpoint = endpoint;
	ccfg.http = http;
	ccfg.creds = creds;
	ccfg.region = "us-east-1";
	ccfg.endpoints = &ecfg;
	/* one attempt: every request takes the next reply, nothing sleeps,
	 * and the shared retry quota cannot make runs differ */
	ccfg.max_attempts = 1;
	client = aws_client_new(&ccfg);
	if (!http || !creds || !client)
		abort();
}

/* ---- the input ---- */

/* Split the input into replies (the format is in the top comment).  A
 * reply without an empty line after its status has no headers. */
static void load_replies(const char *p, const char *end)
{
	nreplies = next_reply = 0;
	while (p < end && nreplies < MAX_REPLIES) {
		struct reply *r = &replies[nreplies++];
		const char *next, *hend;

		if ((size_t)(end - p) >= 4 && !memcmp(p, "=== ", 4))
			p += 4;
		r->status = atoi(p);
		p = memchr(p, '\n', (size_t)(end - p));
		p = p ? p + 1 : end;
		next = memmem(p, (size_t)(end - p), "\n=== ", 5);
		if (!next)
			next = end;
		r->head = p;
		r->head_len = 0;
		r->body = p;
		if (p < next && *p == '\n') {
			r->body = p + 1;
		} else {
			hend = memmem(p, (size_t)(next - p), "\n\n", 2);
			if (hend) {
				r->head_len = (size_t)(hend - p);
				r->body = hend + 2;
			}
		}
		r->body_len = (size_t)(next - r->body);
		p = next < end ? next + 1 : end;
	}
}

static void check_error(int rc, const struct aws_error *e)
{
	if (rc >= 0)
		return;
	FUZZ_ASSERT(e->err > 0 && rc == -e->err);
	FUZZ_ASSERT(memchr(e->code, 0, sizeof(e->code)) && e->code[0]);
	FUZZ_ASSERT(memchr(e->message, 0, sizeof(e->message)));
	for (const char *s = e->message; *s; s++)
		FUZZ_ASSERT((unsigned char)*s >= 0x20 && *s != 0x7f);
	for (const char *s = e->code; *s; s++)
		FUZZ_ASSERT((unsigned char)*s >= 0x20 && *s != 0x7f);
}

/* Secrets in a successful reply (STS, SSO credentials) must not reach an
 * error message, even when the reply is malformed; nor may the client's
 * own secret (unless the reply itself repeats it). */
static void check_secrets(const char *text, size_t size, const struct aws_error *e)
{
	static const char *const keys[] = {
		"SecretAccessKey", "secretAccessKey", "SessionToken",
		"sessionToken",
	};
	int errors = 0;

	if (!memmem(text, size, "fuzz-secret-key", 15))
		FUZZ_ASSERT(!strstr(e->message, "fuzz-secret-key"));
	for (size_t i = 0; i < nreplies; i++)
		errors |= replies[i].status >= 300 && replies[i].status <= 599;
	if (errors)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *secret = secret_after(text, keys[i]);

		if (secret && strstr(e->message, secret))
			fprintf(stderr, "secret in message: %s\n", e->message);
		if (secret)
			FUZZ_ASSERT(!strstr(e->message, secret));
		free(secret);
	}
}

/* What a listing left out (model.h): counted, each kept reason a clean
 * one-line error with a code. */
static void check_skipped(const struct org_skipped *sk)
{
	FUZZ_ASSERT(sk->nkept <= sk->n && sk->nkept <= ORG_SKIPPED_KEPT);
	for (size_t i = 0; i < sk->nkept; i++) {
		FUZZ_ASSERT(!strcmp(sk->kept[i].code, "SkippedRecord"));
		check_error(-sk->kept[i].err, &sk->kept[i]);
	}
}

/* Every identifier a source returns is of AWS's form (lib/ids.h): what
 * becomes a path component of the tree can hold no '/', no "..". */
static void check_ids_hier(const struct org_hier *h)
{
	for (size_t i = 0; i < h->nous; i++) {
		FUZZ_ASSERT(h->ous[i].parent_id ? ids_is_ou(h->ous[i].id) :
			    ids_is_root(h->ous[i].id));
		FUZZ_ASSERT(!h->ous[i].parent_id ||
			    ids_is_parent(h->ous[i].parent_id));
		FUZZ_ASSERT(ids_is_org_arn(h->ous[i].arn));
	}
	for (size_t i = 0; i < h->nlinks; i++) {
		FUZZ_ASSERT(ids_is_account(h->links[i].child_id));
		FUZZ_ASSERT(ids_is_parent(h->links[i].parent_id));
	}
	check_skipped(&h->skipped);
}

static void check_resources(const struct org_resources *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct arn a;

		FUZZ_ASSERT(arn_parse(r->v[i].arn, &a) == 0);
		FUZZ_ASSERT(!*r->v[i].account || ids_is_account(r->v[i].account) ||
			    !strcmp(r->v[i].account, "aws"));
	}
	check_skipped(&r->skipped);
}

static int count_page(json_t *page, void *arg)
{
	FUZZ_ASSERT(json_is_object(page));
	++*(int *)arg;
	return 0;
}

static const char *const ops[] = {
	"org", "accounts", "hier", "tags", "policies", "policy", "resources",
	"identity", "json", "query", "rest", "paginate", "aggconfig",
	"aggresexp",
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static int run(size_t op, struct org_source *src, struct aws_error *e)
{
	json_t *out = NULL;
	int rc = 0, pages = 0;

	switch (op) {
	case 0: {
		struct org_info *o = NULL;
		struct org_roots *r = NULL;

		rc = src->ops->describe_org(src, &o, e);
		org_info_free(o);
		if (rc == 0) {
			rc = src->ops->list_roots(src, &r, e);
			FUZZ_ASSERT(rc < 0 || (r && r->n > 0 &&
					       ids_is_root(r->v[0].id)));
			org_roots_free(r);
		}
		break;
	}
	case 1: {
		struct org_accounts *a = NULL;

		rc = src->ops->list_accounts(src, &a, e);
		if (rc == 0) {
			for (size_t i = 1; i < a->n; i++)
				FUZZ_ASSERT(strcmp(a->v[i - 1].id, a->v[i].id) < 0);
			for (size_t i = 0; i < a->n; i++)
				FUZZ_ASSERT(ids_is_account(a->v[i].id) &&
					    ids_is_org_arn(a->v[i].arn));
			check_skipped(&a->skipped);
		}
		org_accounts_free(a);
		break;
	}
	case 2: {
		struct org_hier *h = NULL;
		struct org_roots *r = NULL;

		rc = src->ops->list_roots(src, &r, e);
		if (rc == 0)
			rc = src->ops->walk_hierarchy(src, r, &h, e);
		org_roots_free(r);
		if (rc == 0)
			check_ids_hier(h);
		org_hier_free(h);
		break;
	}
	case 3: {
		struct org_tags *t = NULL;

		rc = src->ops->list_tags(src, "111111111111", &t, e);
		org_tags_free(t);
		break;
	}
	case 4: {
		struct org_policies *p = NULL;
		struct org_roots *r = NULL;

		rc = src->ops->list_roots(src, &r, e);
		if (rc == 0)
			rc = src->ops->list_policies(src, r, &p, e);
		org_roots_free(r);
		for (size_t i = 0; rc == 0 && i < p->n; i++)
			FUZZ_ASSERT(ids_is_policy(p->v[i].id) &&
				    ids_is_org_arn(p->v[i].arn));
		if (rc == 0)
			check_skipped(&p->skipped);
		org_policies_free(p);
		break;
	}
	case 5: {
		struct org_policy *p = NULL;

		rc = src->ops->describe_policy(src, "p-abcd1234", &p, e);
		for (size_t i = 0; rc == 0 && i < p->ntargets; i++)
			FUZZ_ASSERT(ids_is_target(p->targets[i].id));
		if (rc == 0) {
			FUZZ_ASSERT(ids_is_policy(p->summary.id));
			check_skipped(&p->skipped);
		}
		org_policy_free(p);
		break;
	}
	case 6: {
		struct org_resources *r = NULL;

		rc = src->ops->list_resources(src, "111111111111", "us-east-1",
					      &r, e);
		if (rc == 0)
			check_resources(r);
		org_resources_free(r);
		break;
	}
	case 7: {
		struct credchain_identity *id = malloc(sizeof(*id));

		if (!id)
			abort();
		rc = credchain_caller_identity(client, id, e);
		free(id);
		break;
	}
	case 8:
		rc = aws_json_call(client, &aws_svc_organizations, NULL,
				   "ListRoots", NULL, &out, e);
		break;
	case 9: {
		const struct aws_param p[] = {
			{ "RoleArn", "arn:aws:iam::111111111111:role/R" },
			{ "RoleSessionName", "fuzz" },
		};

		rc = aws_query_call(client, &aws_svc_sts, "us-east-1",
				    "AssumeRole", p, 2, &out, e);
		break;
	}
	case 10: {
		const struct aws_param q[] = {
			{ "role_name", "R" }, { "account_id", "111111111111" },
		};

		rc = aws_rest_call(client, &aws_svc_sso, "us-east-1", "GET",
				   "/federation/credentials", q, 2, NULL, 0,
				   NULL, 0, &out, e);
		break;
	}
	case 11:
		rc = aws_json_paginate(client, &aws_svc_tagging, "us-east-1",
				       "GetResources", NULL, "PaginationToken",
				       "PaginationToken", count_page, &pages,
				       e);
		break;
	case 12:
	case 13: {
		struct org_resources *r = NULL;

		rc = op == 12 ?
		     source_agg_list_config(client, "org-aggregator",
					    "us-east-1", &r, e) :
		     source_agg_list_resource_explorer(client,
			"arn:aws:resource-explorer-2:us-east-1:111111111111:view/v/1",
			&r, e);
		if (rc == 0)
			check_resources(r);
		org_resources_free(r);
		break;
	}
	}
	if (out) {
		FUZZ_ASSERT(rc == 0 && json_is_object(out));
		json_decref(out);
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source_aws_options opt = {
		.concurrency = 1,               /* replies in a fixed order */
		.caller_account = "111111111111",
	};
	const char *end = (const char *)data + size, *nl;
	struct org_source *src;
	struct aws_error e;
	size_t op = NOPS;
	char *copy;
	int rc;

	if (!client)
		setup();
	/* the replies point into a copy that outlives the call's requests */
	copy = malloc(size + 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	end = copy + size;
	nl = memchr(copy, '\n', size);
	if (!nl)
		nl = end;
	for (size_t i = 0; i < NOPS; i++)
		if ((size_t)(nl - copy) == strlen(ops[i]) &&
		    !memcmp(copy, ops[i], strlen(ops[i])))
			op = i;
	if (op == NOPS)
		op = size ? (unsigned char)copy[0] % NOPS : 0;

	pthread_mutex_lock(&mu);
	load_replies(nl < end ? nl + 1 : end, end);
	pthread_mutex_unlock(&mu);

	src = source_aws_new(client, &opt);
	if (!src)
		abort();
	aws_error_clear(&e);
	rc = run(op, src, &e);
	if (getenv("FUZZ_AWS_VERBOSE")) {
		char line[1024];

		fprintf(stderr, "fuzz_aws: %s: rc %d, %zu of %zu replies used%s%s\n",
			ops[op], rc, next_reply, nreplies, rc < 0 ? ": " : "",
			rc < 0 ? aws_error_str(&e, line, sizeof(line)) : "");
	}
	check_error(rc, &e);
	if (rc < 0)
		check_secrets(copy, size, &e);
	src->ops->destroy(src);

	pthread_mutex_lock(&mu);
	nreplies = next_reply = 0;
	pthread_mutex_unlock(&mu);
	free(copy);
	return 0;
}
