/* fakesrv.c - a loopback HTTP server thread for the unit tests */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fakesrv.h"

void fakesrv_send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n) {
		w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;         /* the client went away */
		c += w;
		n -= (size_t)w;
	}
}

void fakesrv_header(const char *head, const char *name, char *out,
		    size_t len)
{
	size_t nlen = strlen(name);
	const char *p = head;

	out[0] = '\0';
	while ((p = strstr(p, "\r\n"))) {
		p += 2;
		if (!strncasecmp(p, name, nlen) && p[nlen] == ':') {
			const char *v = p + nlen + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			snprintf(out, len, "%.*s",
				 (int)(e ? e - v : (long)strlen(v)), v);
			return;
		}
	}
}

size_t fakesrv_read_request(int fd, char *buf, size_t cap, size_t *head_len)
{
	size_t got = 0, need = 0;
	char *end = NULL, cl[32], keep;

	for (;;) {
		ssize_t r = read(fd, buf + got, cap - 1 - got);

		if (r <= 0)
			return 0;
		got += (size_t)r;
		buf[got] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			/* the head's own Content-Length, not the body's */
			keep = end[2];
			end[2] = '\0';
			fakesrv_header(buf, "Content-Length", cl, sizeof(cl));
			end[2] = keep;
			need = (size_t)(end - buf) + 4 + strtoul(cl, NULL, 10);
		}
		if (end && got >= need)
			break;
	}
	*head_len = (size_t)(end - buf) + 4;
	return need;
}

static void *accept_loop(struct fakesrv *s)
{
	struct pollfd p[2] = {{s->lfd, POLLIN, 0}, {s->stop[0], POLLIN, 0}};

	for (;;) {
		int fd;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		s->serve(fd, s->arg);
		close(fd);
	}
	return NULL;
}

static void *thread_main(void *arg)
{
	struct fakesrv *s = arg;

	return s->loop(s);
}

static struct fakesrv *start(fakesrv_loop_fn loop, fakesrv_serve_fn serve,
			     void *arg)
{
	struct fakesrv *s = calloc(1, sizeof(*s));
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int one = 1;

	ck_assert_ptr_nonnull(s);
	s->loop = loop;
	s->serve = serve;
	s->arg = arg;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s->lfd, 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s->lfd, 64), 0);
	ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
	ck_assert_int_eq(pipe(s->stop), 0);
	ck_assert_int_eq(pthread_create(&s->th, NULL, thread_main, s), 0);
	return s;
}

struct fakesrv *fakesrv_start(fakesrv_serve_fn serve, void *arg)
{
	return start(accept_loop, serve, arg);
}

struct fakesrv *fakesrv_start_loop(fakesrv_loop_fn loop, void *arg)
{
	return start(loop, NULL, arg);
}

void fakesrv_stop(struct fakesrv *s)
{
	if (!s)
		return;
	ck_assert_int_eq(write(s->stop[1], "x", 1), 1);
	pthread_join(s->th, NULL);
	close(s->lfd);
	close(s->stop[0]);
	close(s->stop[1]);
	free(s);
}
