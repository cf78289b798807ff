/* signals.h - how the daemon takes SIGTERM, SIGINT, SIGHUP and SIGUSR1.
 *
 * orgfs obeys SIGTERM and SIGINT (unmount, exit 0), SIGHUP (drop the
 * cache, reopen the log file) and SIGUSR1 (reopen the log file, for
 * logrotate) whatever dispositions and mask it inherited: a shell starts a
 * background job with SIGINT and SIGQUIT ignored, nohup ignores SIGHUP,
 * and a blocked mask survives exec.
 *
 * The four are blocked in every thread and taken by one thread of their
 * own (reading a signalfd), never by a handler.  libfuse 3.14's handlers only
 * set a flag that the loop's thread reads before it sleeps on a
 * semaphore: a signal that lands between the two, or in a thread that is
 * not the loop's, ends nothing (libfuse issue 997, fixed in 3.17).  Here
 * the signal thread sets the session's exit flag and then interrupts the
 * loop's thread with SIGUSR2 (whose handler does nothing) until the loop
 * has returned, so an exit asked for is an exit, under any load.
 * Before that it aborts every HTTP request in flight (http_abort_all()):
 * a worker waiting for the network answers EIO at once, and the loop,
 * which joins its workers, returns within moments.  The same thread
 * watches the mount table, then the FUSE device, and aborts them too
 * when the kernel ends the connection (an unmount), before the loop
 * joins its workers.
 *
 * Order of calls in main: signals_prepare() before the mount;
 * signals_block() after fuse_daemonize(), before any thread; then the
 * threads; signals_start(); signals_loop_enter() in the thread that runs
 * the loop, just before it; signals_stop() after it.
 */
#ifndef ORGFS_SIGNALS_H
#define ORGFS_SIGNALS_H

struct fuse_session;

/* Before the mount: SIGTERM, SIGINT, SIGHUP, SIGUSR1 back to their defaults,
 * SIGPIPE and SIGUSR2 caught by a handler that does nothing (a handler,
 * unlike SIG_IGN, is not inherited by the programs orgfs runs), SIGHUP
 * and SIGUSR1 blocked (one sent while mounting waits for the signal
 * thread).  SIGTERM
 * and SIGINT still end the process at once while it is starting. */
void signals_prepare(void);

/* Blocks SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 in the calling thread, and so
 * in every thread it creates from then on.  A signal sent meanwhile waits
 * for signals_start(). */
void signals_block(void);

/* Starts the signal thread.  on_hup(arg) runs in it for each SIGHUP,
 * after the log file is reopened (log_reopen); SIGUSR1 only reopens it.
 * mountpoint (absolute; NULL: unknown) is how the unmount is seen in the
 * mount table before the device is watched (signals.c).
 * @return 0, or a positive error number when the thread or its signalfd
 * could not be made */
int signals_start(struct fuse_session *se, const char *mountpoint,
		  void (*on_hup)(void *), void *arg);

/* In the thread that runs the FUSE loop, just before it: lets SIGUSR2
 * interrupt it and the loop's workers. */
void signals_loop_enter(void);

/* After the loop returned: stops and joins the signal thread.
 * @return the signal that ended the loop (SIGTERM or SIGINT), or 0 when
 * it ended otherwise (an unmount) */
int signals_stop(void);

#endif
