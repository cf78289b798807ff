/* fakesrv.h - a loopback HTTP server thread for the unit tests
 *
 * fakesrv_start listens on an ephemeral port of 127.0.0.1 and starts a
 * thread that accepts one connection at a time, hands it to serve (one
 * request per connection: serve reads it with fakesrv_read_request and
 * answers) and closes it.  A test that needs its own loop (keep-alive,
 * several connections at once) starts it with fakesrv_start_loop: the
 * loop polls s->lfd and returns when s->stop[0] turns readable.
 * Setup failures fail the test (Check assertions).
 */
#ifndef ORGFS_TEST_FAKESRV_H
#define ORGFS_TEST_FAKESRV_H

#include <pthread.h>
#include <stddef.h>

struct fakesrv;

typedef void (*fakesrv_serve_fn)(int fd, void *arg);
typedef void *(*fakesrv_loop_fn)(struct fakesrv *s);

struct fakesrv {
	int lfd;                        /* the listening socket */
	int stop[2];                    /* stop[0] readable: the loop returns */
	int port;
	char url[64];                   /* "http://127.0.0.1:<port>" */
	void *arg;                      /* the caller's */
	fakesrv_serve_fn serve;
	fakesrv_loop_fn loop;
	pthread_t th;
};

/* Serve each connection with serve(fd, arg) in the server thread. */
struct fakesrv *fakesrv_start(fakesrv_serve_fn serve, void *arg);
/* Run loop(s) in the server thread instead; arg is s->arg. */
struct fakesrv *fakesrv_start_loop(fakesrv_loop_fn loop, void *arg);
/* Stop the thread, close the sockets, free s.  NULL: nothing. */
void fakesrv_stop(struct fakesrv *s);

/* Read one request, head and Content-Length body, into buf (cap bytes,
 * NUL-terminated).  @return its length, with *head_len the head's (up to
 * and with the blank line), or 0 when the peer closed first or the
 * request does not fit. */
size_t fakesrv_read_request(int fd, char *buf, size_t cap, size_t *head_len);

/* The value of header name (case-insensitive) in a request head, "" when
 * absent.  The search stops at the first NUL. */
void fakesrv_header(const char *head, const char *name, char *out,
		    size_t len);

/* Send all n bytes, giving up quietly when the client went away. */
void fakesrv_send_all(int fd, const void *p, size_t n);

#endif
