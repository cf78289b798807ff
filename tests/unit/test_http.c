/* test_http.c - the libcurl transport against a loopback server thread
 *
 * The server is a poll() loop over plain sockets, run by fakesrv.h.  The request path picks
 * the scripted reply, so one server serves every case.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fakesrv.h"
#include "http.h"
#include "log.h"

/* ---- the loopback server ---- */

#define MAXCONN 64
#define CONNBUF (64 * 1024)

#define MAXREQ (4 << 20)

struct conn {
	int fd;
	char *buf;
	size_t len;
	size_t cap;     /* usable bytes in buf, one more holds a NUL */
};

struct srv {
	struct fakesrv *fs;
	int accepts;            /* atomic */
	int requests;           /* atomic */
	pthread_mutex_t lock;
	char last_req[CONNBUF]; /* protected by lock: last request head */
	struct conn conns[MAXCONN];     /* server thread only */
};

static struct srv srv;
static struct http_ctx *ctx;

static void send_str(int fd, const char *s)
{
	fakesrv_send_all(fd, s, strlen(s));
}

static void reply(int fd, const char *status, const char *extra,
		  const char *body, size_t blen)
{
	char *out;
	int n;

	/* one send: a head and a body in two would meet Nagle and the
	 * delayed ACK, 40 ms a request */
	out = malloc(4096 + blen);
	ck_assert_ptr_nonnull(out);
	n = snprintf(out, 4096, "HTTP/1.1 %s\r\nContent-Length: %zu\r\n"
		     "%s\r\n", status, blen, extra ? extra : "");
	ck_assert(n > 0 && n < 4096);
	memcpy(out + n, body, blen);
	fakesrv_send_all(fd, out, (size_t)n + blen);
	free(out);
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
	c->len = 0;
	c->cap = 0;
}

/* @return 1 to keep the connection, 0 to close it */
static int serve(struct conn *c, const char *path, const char *body,
		 size_t blen)
{
	char *big;
	size_t i;

	if (!strcmp(path, "/ok")) {
		reply(c->fd, "200 OK", "Content-Type: application/json\r\n",
		      "{\"ok\":true}", 11);
	} else if (!strcmp(path, "/headers")) {
		reply(c->fd, "200 OK",
		      "X-AMZN-REQUESTID:   4a2b-req-id \t\r\n"
		      "x-amz-request-id: not-this-one\r\n"
		      "x-amzn-ErrorType: ThrottlingException:http://internal/\r\n"
		      "x-amzn-query-error: AWS.Throttling;Sender\r\n"
		      "content-type: application/x-amz-json-1.1\r\n"
		      "X-Amz-Retry-After: 1500\r\n"
		      "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n",
		      "h", 1);
	} else if (!strcmp(path, "/s3id")) {
		reply(c->fd, "200 OK", "x-amz-request-id: s3-id\r\n"
		      "x-amz-retry-after: soon\r\nDate: garbage\r\n", "", 0);
	} else if (!strcmp(path, "/longid")) {
		char extra[1024];

		memset(extra, 0, sizeof(extra));
		strcpy(extra, "x-amzn-RequestId: ");
		memset(extra + strlen(extra), 'r', 300);
		strcat(extra, "\r\n");
		reply(c->fd, "200 OK", extra, "", 0);
	} else if (!strcmp(path, "/500")) {
		reply(c->fd, "500 Internal Server Error",
		      "x-amzn-ErrorType: InternalFailure\r\n", "{}", 2);
	} else if (!strcmp(path, "/big")) {
		/* declared size over the cap: refused from the headers */
		big = malloc(200000);
		memset(big, 'a', 200000);
		reply(c->fd, "200 OK", NULL, big, 200000);
		free(big);
		return 0;
	} else if (!strcmp(path, "/bigchunked")) {
		/* no declared size: refused while reading the body */
		char chunk[4096 + 16];

		send_str(c->fd, "HTTP/1.1 200 OK\r\n"
			 "Transfer-Encoding: chunked\r\n\r\n");
		memset(chunk, 'b', sizeof(chunk));
		memcpy(chunk, "1000\r\n", 6);
		memcpy(chunk + 6 + 4096, "\r\n", 2);
		for (i = 0; i < 50; i++)
			fakesrv_send_all(c->fd, chunk, 6 + 4096 + 2);
		send_str(c->fd, "0\r\n\r\n");
		return 0;
	} else if (!strcmp(path, "/short")) {
		send_str(c->fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
			 "only ten..");
		return 0;
	} else if (!strcmp(path, "/close")) {
		return 0;
	} else if (!strcmp(path, "/hang")) {
		return 1;
	} else if (!strcmp(path, "/sink")) {
		char out[64];
		int n;

		n = snprintf(out, sizeof(out), "got:%zu", blen);
		reply(c->fd, "200 OK", NULL, out, (size_t)n);
	} else if (!strcmp(path, "/echo")) {
		char out[CONNBUF];
		int n;

		n = snprintf(out, sizeof(out), "echo:%.*s", (int)blen, body);
		reply(c->fd, "200 OK", NULL, out, (size_t)n);
	} else {
		reply(c->fd, "404 Not Found", NULL, "", 0);
	}
	return 1;
}

/* Serve every whole request in the buffer.
 * @return 1 to keep the connection, 0 to close it */
static int handle(struct conn *c)
{
	char method[16], path[256];
	const char *cl;
	char *end;
	size_t hlen, blen, total;
	int keep;

	for (;;) {
		if (c->len && (unsigned char)c->buf[0] == 0x16) {
			/* a TLS ClientHello on a plain port */
			send_str(c->fd, "HTTP/1.1 400 Bad Request\r\n\r\n");
			return 0;
		}
		c->buf[c->len] = '\0';
		end = strstr(c->buf, "\r\n\r\n");
		if (!end)
			return c->len < c->cap;
		hlen = (size_t)(end - c->buf) + 4;
		blen = 0;
		cl = strcasestr(c->buf, "\r\nContent-Length:");
		if (cl && cl < end)
			blen = strtoul(cl + 17, NULL, 10);
		total = hlen + blen;
		if (total > MAXREQ || hlen >= CONNBUF)
			return 0;
		if (total > c->cap) {
			char *nb = realloc(c->buf, total + 1);

			if (!nb)
				return 0;
			c->buf = nb;
			c->cap = total;
		}
		if (c->len < total)
			return 1;
		if (sscanf(c->buf, "%15s %255s", method, path) != 2)
			return 0;
		pthread_mutex_lock(&srv.lock);
		memcpy(srv.last_req, c->buf, hlen);
		srv.last_req[hlen] = '\0';
		pthread_mutex_unlock(&srv.lock);
		__atomic_add_fetch(&srv.requests, 1, __ATOMIC_SEQ_CST);
		keep = serve(c, path, c->buf + hlen, blen);
		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
		if (!keep)
			return 0;
	}
}

static void *srv_main(struct fakesrv *fs)
{
	struct pollfd pfd[MAXCONN + 2];
	int map[MAXCONN + 2];
	int i, n, fd;
	ssize_t r;

	for (;;) {
		pfd[0].fd = fs->stop[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = fs->lfd;
		pfd[1].events = POLLIN;
		n = 2;
		for (i = 0; i < MAXCONN; i++) {
			if (srv.conns[i].fd < 0)
				continue;
			pfd[n].fd = srv.conns[i].fd;
			pfd[n].events = POLLIN;
			map[n++] = i;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN) {
			fd = accept(fs->lfd, NULL, NULL);
			if (fd >= 0) {
				__atomic_add_fetch(&srv.accepts, 1,
						   __ATOMIC_SEQ_CST);
				for (i = 0; i < MAXCONN; i++)
					if (srv.conns[i].fd < 0)
						break;
				if (i == MAXCONN) {
					close(fd);
				} else {
					srv.conns[i].fd = fd;
					srv.conns[i].buf = malloc(CONNBUF);
					srv.conns[i].cap = CONNBUF - 1;
					srv.conns[i].len = 0;
				}
			}
		}
		for (i = 2; i < n; i++) {
			struct conn *c = &srv.conns[map[i]];

			if (!pfd[i].revents)
				continue;
			r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
			if (r <= 0) {
				conn_close(c);
				continue;
			}
			c->len += (size_t)r;
			if (!handle(c))
				conn_close(c);
		}
	}
	for (i = 0; i < MAXCONN; i++)
		conn_close(&srv.conns[i]);
	return NULL;
}

static void srv_start(void)
{
	int i;

	memset(&srv, 0, sizeof(srv));
	for (i = 0; i < MAXCONN; i++)
		srv.conns[i].fd = -1;
	pthread_mutex_init(&srv.lock, NULL);
	srv.fs = fakesrv_start_loop(srv_main, NULL);
}

static void srv_stop(void)
{
	fakesrv_stop(srv.fs);
	srv.fs = NULL;
	pthread_mutex_destroy(&srv.lock);
}

static void setup(void)
{
	struct http_ctx_config cfg = { .timeout_ms = 10000 };

	srv_start();
	ctx = http_ctx_new(&cfg);
	ck_assert_ptr_nonnull(ctx);
}

static void teardown(void)
{
	http_ctx_free(ctx);
	ctx = NULL;
	srv_stop();
}

/* ---- helpers ---- */

static char *url_of(const char *path)
{
	static __thread char u[256];

	snprintf(u, sizeof(u), "http://127.0.0.1:%d%s", srv.fs->port, path);
	return u;
}

static int get(const char *path, struct http_response *resp, char *err,
	       size_t errlen)
{
	struct http_request req = { .method = "GET", .url = url_of(path) };

	return http_perform(ctx, &req, resp, err, errlen);
}

static int accepts(void)
{
	return __atomic_load_n(&srv.accepts, __ATOMIC_SEQ_CST);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	       (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- tests ---- */

START_TEST(test_ok)
{
	struct http_response resp;
	char err[256];

	ck_assert_int_eq(get("/ok", &resp, err, sizeof(err)), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(buf_str(&resp.body), "{\"ok\":true}");
	ck_assert_int_eq(resp.body.len, 11);
	ck_assert_str_eq(resp.content_type, "application/json");
	ck_assert_str_eq(resp.request_id, "");
	ck_assert_int_eq(resp.retry_after_ms, -1);
	ck_assert_int_eq(resp.date, 0);
	http_response_free(&resp);
}
END_TEST

START_TEST(test_headers_parsed)
{
	struct http_response resp;
	char err[256];

	ck_assert_int_eq(get("/headers", &resp, err, sizeof(err)), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.request_id, "4a2b-req-id");
	ck_assert_str_eq(resp.error_type,
			 "ThrottlingException:http://internal/");
	ck_assert_str_eq(resp.query_error, "AWS.Throttling;Sender");
	ck_assert_str_eq(resp.content_type, "application/x-amz-json-1.1");
	ck_assert_int_eq(resp.retry_after_ms, 1500);
	ck_assert_int_eq(resp.date, 784111777);
	http_response_free(&resp);

	ck_assert_int_eq(get("/s3id", &resp, err, sizeof(err)), 0);
	ck_assert_str_eq(resp.request_id, "s3-id");
	ck_assert_int_eq(resp.retry_after_ms, -1);
	ck_assert_int_eq(resp.date, 0);
	ck_assert_int_eq(resp.body.len, 0);
	ck_assert_str_eq(buf_str(&resp.body), "");
	http_response_free(&resp);

	ck_assert_int_eq(get("/longid", &resp, err, sizeof(err)), 0);
	ck_assert_int_eq(strlen(resp.request_id), sizeof(resp.request_id) - 1);
	ck_assert_int_eq(resp.request_id[0], 'r');
	http_response_free(&resp);
}
END_TEST

START_TEST(test_error_status_is_a_reply)
{
	struct http_response resp;
	char err[256];

	ck_assert_int_eq(get("/500", &resp, err, sizeof(err)), 0);
	ck_assert_int_eq(resp.status, 500);
	ck_assert_str_eq(resp.error_type, "InternalFailure");
	ck_assert_str_eq(buf_str(&resp.body), "{}");
	http_response_free(&resp);
}
END_TEST

START_TEST(test_keepalive)
{
	struct http_response resp;
	char err[256];
	int i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(get("/ok", &resp, err, sizeof(err)), 0);
		ck_assert_int_eq(resp.status, 200);
		http_response_free(&resp);
	}
	ck_assert_int_eq(accepts(), 1);
	ck_assert_int_eq(__atomic_load_n(&srv.requests, __ATOMIC_SEQ_CST), 3);
}
END_TEST

START_TEST(test_request_sent)
{
	static const struct http_header hdrs[] = {
		{ "X-Amz-Target", "AWSOrganizationsV20161128.ListRoots" },
		{ "X-Empty", "" },
	};
	struct http_request req = {
		.method = "POST", .url = url_of("/echo"),
		.headers = hdrs, .nheaders = 2,
	};
	struct http_response resp;
	static char big[(1 << 20) + 4096];
	char body[2048], want[2100], last[CONNBUF], err[256];

	memset(body, 'z', sizeof(body));
	req.body = body;
	req.body_len = sizeof(body);
	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)), 0);
	ck_assert_int_eq(resp.status, 200);
	snprintf(want, sizeof(want), "echo:%.*s", (int)sizeof(body), body);
	ck_assert_str_eq(buf_str(&resp.body), want);
	http_response_free(&resp);

	/* over 1 MiB libcurl 7.88 sends Expect: 100-continue, and would
	 * wait a second for a 100 this server never sends */
	memset(big, 'y', sizeof(big));
	req.url = url_of("/sink");
	req.body = big;
	req.body_len = sizeof(big);
	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "got:%zu", sizeof(big));
	ck_assert_str_eq(buf_str(&resp.body), want);
	http_response_free(&resp);
	pthread_mutex_lock(&srv.lock);
	ck_assert_ptr_null(strcasestr(srv.last_req, "\r\nExpect:"));
	pthread_mutex_unlock(&srv.lock);
	req.url = url_of("/echo");
	req.body = body;
	req.body_len = sizeof(body);
	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)), 0);
	http_response_free(&resp);

	pthread_mutex_lock(&srv.lock);
	memcpy(last, srv.last_req, sizeof(last));
	pthread_mutex_unlock(&srv.lock);
	ck_assert_msg(!strncmp(last, "POST /echo HTTP/1.1\r\n", 21), "%s", last);
	ck_assert_ptr_null(strcasestr(last, "\r\nExpect:"));
	ck_assert_ptr_nonnull(strstr(last, "\r\nUser-Agent: orgfs/"));
	ck_assert_ptr_nonnull(strstr(last, "\r\nX-Amz-Target: "
				     "AWSOrganizationsV20161128.ListRoots\r\n"));
	ck_assert_ptr_nonnull(strstr(last, "\r\nX-Empty:\r\n"));
	ck_assert_ptr_nonnull(strstr(last, "\r\nContent-Length: 2048\r\n"));

	/* PUT with a body, GET without */
	req.method = "PUT";
	req.body = "abc";
	req.body_len = 3;
	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)), 0);
	ck_assert_str_eq(buf_str(&resp.body), "echo:abc");
	http_response_free(&resp);
	pthread_mutex_lock(&srv.lock);
	ck_assert(!strncmp(srv.last_req, "PUT /echo ", 10));
	pthread_mutex_unlock(&srv.lock);
	ck_assert_int_eq(get("/echo", &resp, err, sizeof(err)), 0);
	ck_assert_str_eq(buf_str(&resp.body), "echo:");
	http_response_free(&resp);
	pthread_mutex_lock(&srv.lock);
	ck_assert(!strncmp(srv.last_req, "GET /echo ", 10));
	pthread_mutex_unlock(&srv.lock);
}
END_TEST

START_TEST(test_too_big)
{
	struct http_request req = { .method = "GET", .url = url_of("/big"),
				    .max_response = 1000 };
	struct http_response resp;
	char err[256];

	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)),
			 -EFBIG);
	ck_assert_msg(strstr(err, "larger than the 1000 byte limit"), "%s",
		      err);
	http_response_free(&resp);

	req.url = url_of("/bigchunked");
	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)),
			 -EFBIG);
	ck_assert_msg(strstr(err, "larger than the 1000 byte limit"), "%s",
		      err);
	ck_assert_int_le(resp.body.len, 1000);
	http_response_free(&resp);

	/* under a large enough cap the same replies are whole */
	req.max_response = 300000;
	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)), 0);
	ck_assert_int_eq(resp.body.len, 50 * 4096);
	http_response_free(&resp);
	req.url = url_of("/big");
	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)), 0);
	ck_assert_int_eq(resp.body.len, 200000);
	http_response_free(&resp);

	/* the failures left nothing behind in the pool */
	ck_assert_int_eq(get("/ok", &resp, err, sizeof(err)), 0);
	ck_assert_str_eq(buf_str(&resp.body), "{\"ok\":true}");
	http_response_free(&resp);
}
END_TEST

START_TEST(test_context_cap)
{
	struct http_ctx_config cfg = { .max_response = 5 };
	struct http_ctx *small = http_ctx_new(&cfg);
	struct http_request req = { .url = url_of("/ok") };
	struct http_response resp;
	char err[256];

	ck_assert_ptr_nonnull(small);
	ck_assert_int_eq(http_perform(small, &req, &resp, err, sizeof(err)),
			 -EFBIG);
	http_response_free(&resp);
	http_ctx_free(small);
}
END_TEST

START_TEST(test_truncated)
{
	struct http_response resp;
	char err[256];

	ck_assert_int_eq(get("/short", &resp, err, sizeof(err)), -EPROTO);
	ck_assert_msg(strstr(err, "bad reply from 127.0.0.1 port"), "%s", err);
	http_response_free(&resp);
	ck_assert_int_eq(get("/ok", &resp, err, sizeof(err)), 0);
	http_response_free(&resp);
}
END_TEST

START_TEST(test_closed_without_reply)
{
	struct http_response resp;
	char err[256];

	ck_assert_int_eq(get("/close", &resp, err, sizeof(err)), -ECONNRESET);
	ck_assert_msg(strstr(err, "connection to 127.0.0.1 port"), "%s", err);
	http_response_free(&resp);
}
END_TEST

START_TEST(test_refused)
{
	struct sockaddr_in sa;
	socklen_t slen = sizeof(sa);
	struct http_request req = { .method = "GET" };
	struct http_response resp;
	char url[64], err[256], want[128];
	int fd;

	/* bound but not listening: the port is ours and refuses */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &slen), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok",
		 ntohs(sa.sin_port));
	req.url = url;
	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)),
			 -ECONNREFUSED);
	close(fd);
	snprintf(want, sizeof(want), "connect to 127.0.0.1 port %d failed: "
		 "Connection refused", ntohs(sa.sin_port));
	ck_assert_str_eq(err, want);
	http_response_free(&resp);
}
END_TEST

START_TEST(test_timeout)
{
	struct http_request req = { .method = "GET", .url = url_of("/hang"),
				    .timeout_ms = 200 };
	struct http_response resp;
	struct timespec t0;
	char err[256];
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)),
			 -ETIMEDOUT);
	ms = ms_since(&t0);
	ck_assert_int_ge(ms, 150);
	ck_assert_int_lt(ms, 5000);
	ck_assert_msg(strstr(err, "request to 127.0.0.1 port ") &&
		      strstr(err, " timed out: "), "%s", err);
	http_response_free(&resp);

	ck_assert_int_eq(get("/ok", &resp, err, sizeof(err)), 0);
	ck_assert_str_eq(buf_str(&resp.body), "{\"ok\":true}");
	http_response_free(&resp);
}
END_TEST

START_TEST(test_bad_url)
{
	static const char *const urls[] = {
		"", "not a url", "ftp://127.0.0.1/", "file:///etc/passwd",
		"http://", "127.0.0.1:80/ok",
	};
	struct http_request req = { .method = "GET" };
	struct http_response resp;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		req.url = urls[i];
		ck_assert_int_eq(http_perform(ctx, &req, &resp, err,
					      sizeof(err)), -EINVAL);
		ck_assert_msg(!strncmp(err, "invalid URL '", 13), "%s", err);
		http_response_free(&resp);
	}
	ck_assert_int_eq(accepts(), 0);
}
END_TEST

START_TEST(test_bad_header)
{
	static const struct http_header inject[] = {
		{ "X-Evil", "a\r\nHost: elsewhere" },
	};
	static const struct http_header badname[] = {
		{ "X Bad", "1" },
	};
	struct http_request req = { .method = "GET", .url = url_of("/ok"),
				    .headers = inject, .nheaders = 1 };
	struct http_response resp;
	char err[256];

	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "invalid HTTP header 'X-Evil'");
	http_response_free(&resp);
	req.headers = badname;
	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)),
			 -EINVAL);
	http_response_free(&resp);
	ck_assert_int_eq(accepts(), 0);
}
END_TEST

START_TEST(test_tls_to_plain_port)
{
	struct http_request req = { .method = "GET" };
	struct http_response resp;
	char url[64], err[256];

	snprintf(url, sizeof(url), "https://127.0.0.1:%d/ok", srv.fs->port);
	req.url = url;
	ck_assert_int_eq(http_perform(ctx, &req, &resp, err, sizeof(err)),
			 -EPROTO);
	ck_assert_msg(strstr(err, "TLS handshake with 127.0.0.1"), "%s", err);
	http_response_free(&resp);
}
END_TEST

/* ---- log capture ---- */

static pthread_mutex_t cap_lock = PTHREAD_MUTEX_INITIALIZER;
static char captured[65536];
static int n_warnings;

static void capture(int level, const char *msg, void *arg)
{
	pthread_mutex_lock(&cap_lock);
	if (level <= LOG_WARNING)
		n_warnings++;
	if (strlen(captured) + strlen(msg) + 2 < sizeof(captured)) {
		strcat(captured, msg);
		strcat(captured, "\n");
	}
	pthread_mutex_unlock(&cap_lock);
}

START_TEST(test_insecure_warns_once)
{
	struct http_ctx_config cfg = { .insecure = 1 };
	struct http_ctx *a, *b;

	captured[0] = '\0';
	n_warnings = 0;
	log_set_sink(capture, NULL);
	a = http_ctx_new(&cfg);
	b = http_ctx_new(&cfg);
	log_set_sink(NULL, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(n_warnings, 1);
	ck_assert_ptr_nonnull(strstr(captured, "verification is disabled"));
	http_ctx_free(a);
	http_ctx_free(b);
}
END_TEST

START_TEST(test_verbose_redacts)
{
	static const struct http_header hdrs[] = {
		{ "Authorization", "AWS4-HMAC-SHA256 Signature=s3cr3tsig" },
		{ "X-Amz-Security-Token", "t0kenvalue" },
		{ "X-Amz-Target", "visible-target" },
	};
	struct http_ctx_config cfg = { 0 };
	struct http_ctx *v = http_ctx_new(&cfg);
	struct http_request req = {
		.method = "POST", .url = url_of("/echo"),
		.headers = hdrs, .nheaders = 3,
		.body = "b0dysecret", .body_len = 10,
	};
	struct http_response resp;
	char err[256];
	int old = log_get_level();

	ck_assert_ptr_nonnull(v);
	captured[0] = '\0';
	log_set_level(LOG_DEBUG);
	log_set_sink(capture, NULL);
	ck_assert_int_eq(http_perform(v, &req, &resp, err, sizeof(err)), 0);
	log_set_sink(NULL, NULL);
	log_set_level(old);
	ck_assert_str_eq(buf_str(&resp.body), "echo:b0dysecret");
	http_response_free(&resp);
	http_ctx_free(v);

	ck_assert_ptr_nonnull(strstr(captured, "visible-target"));
	ck_assert_ptr_nonnull(strstr(captured, "Authorization: <redacted>"));
	ck_assert_ptr_nonnull(strstr(captured,
				     "X-Amz-Security-Token: <redacted>"));
	ck_assert_ptr_null(strstr(captured, "s3cr3tsig"));
	ck_assert_ptr_null(strstr(captured, "t0kenvalue"));
	ck_assert_ptr_null(strstr(captured, "b0dysecret"));
}
END_TEST

/* ---- concurrency ---- */

#define NTHREADS 8
#define NREQ 200

static int conc_failures;

static void *conc_worker(void *arg)
{
	int t = (int)(long)arg, i;
	struct http_request req = { .method = "POST" };
	struct http_response resp;
	char body[64], want[80], err[256];

	req.url = url_of("/echo");
	for (i = 0; i < NREQ; i++) {
		snprintf(body, sizeof(body), "thread-%d-request-%d", t, i);
		snprintf(want, sizeof(want), "echo:%s", body);
		req.body = body;
		req.body_len = strlen(body);
		if (http_perform(ctx, &req, &resp, err, sizeof(err)) ||
		    resp.status != 200 || strcmp(buf_str(&resp.body), want)) {
			fprintf(stderr, "thread %d request %d: %s\n", t, i,
				err);
			__atomic_add_fetch(&conc_failures, 1,
					   __ATOMIC_SEQ_CST);
		}
		http_response_free(&resp);
	}
	return NULL;
}

START_TEST(test_concurrent)
{
	pthread_t thr[NTHREADS];
	long i;

	conc_failures = 0;
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&thr[i], NULL, conc_worker,
						(void *)i), 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(thr[i], NULL);
	ck_assert_int_eq(conc_failures, 0);
	ck_assert_int_eq(__atomic_load_n(&srv.requests, __ATOMIC_SEQ_CST),
			 NTHREADS * NREQ);
	/* a handle is only created when every other one is busy */
	ck_assert_int_le(accepts(), NTHREADS);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ok);
	tcase_add_test(tc, test_headers_parsed);
	tcase_add_test(tc, test_error_status_is_a_reply);
	tcase_add_test(tc, test_keepalive);
	tcase_add_test(tc, test_request_sent);
	tcase_add_test(tc, test_too_big);
	tcase_add_test(tc, test_context_cap);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_closed_without_reply);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_bad_url);
	tcase_add_test(tc, test_bad_header);
	tcase_add_test(tc, test_tls_to_plain_port);
	tcase_add_test(tc, test_insecure_warns_once);
	tcase_add_test(tc, test_verbose_redacts);
	tcase_add_test(tc, test_concurrent);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (http_global_init())
		return EXIT_FAILURE;
	sr = srunner_create(http_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	http_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
