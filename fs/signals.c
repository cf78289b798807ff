/* signals.c - SIGTERM, SIGINT, SIGHUP and SIGUSR1, taken by a thread of
 * their own.
 * See signals.h for why libfuse's handlers are not used. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "http.h"
#include "log.h"
#include "memtrim.h"
#include "reaper.h"
#include "signals.h"

/* how often the loop's thread is interrupted until the loop returns */
#define WAKE_EVERY_NS (20 * 1000 * 1000L)

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	pthread_t thread;
	pthread_t loop;
	int started;
	int have_loop;
	int stop;               /* main: the loop returned, end the thread */
	int exit_sig;           /* the SIGTERM or SIGINT that asked for exit */
	int sfd;                /* signalfd of SIGHUP, SIGTERM, SIGINT */
	char *mountpoint;       /* absolute, as the mount table shows it */
	struct fuse_session *se;
	void (*on_hup)(void *);
	void *arg;
} sg = { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void do_nothing(int sig)
{
	(void)sig;
}

static void set_action(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;        /* no SA_RESTART: a wait is interrupted */
	sigaction(sig, &sa, NULL);
}

static void mask(int how, int with_exit_signals)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (with_exit_signals) {
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
	}
	pthread_sigmask(how, &set, NULL);
}

void signals_prepare(void)
{
	sigset_t set;

	set_action(SIGTERM, SIG_DFL);
	set_action(SIGINT, SIG_DFL);
	set_action(SIGHUP, SIG_DFL);
	set_action(SIGUSR1, SIG_DFL);
	set_action(SIGPIPE, do_nothing);
	set_action(SIGUSR2, do_nothing);
	/* an inherited mask must not keep SIGTERM or SIGINT from us */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void signals_block(void)
{
	mask(SIG_BLOCK, 1);
}

/* Ask the loop to end and interrupt its thread until it has: the flag
 * alone can be read just before the thread goes to sleep. */
static void end_loop(int sig)
{
	struct timespec t;

	pthread_mutex_lock(&sg.mu);
	sg.exit_sig = sig;
	while (!sg.stop) {
		fuse_session_exit(sg.se);
		if (sg.have_loop)
			pthread_kill(sg.loop, SIGUSR2);
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += WAKE_EVERY_NS;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sg.cond, &sg.mu, &t);
	}
	pthread_mutex_unlock(&sg.mu);
}

static int stopping(void)
{
	int s;

	pthread_mutex_lock(&sg.mu);
	s = sg.stop;
	pthread_mutex_unlock(&sg.mu);
	return s;
}

static void exit_signal(int sig)
{
	olog(LOG_INFO, "%s: unmounting", sig == SIGINT ? "SIGINT" : "SIGTERM");
	/* the requests in flight end now, whatever the network does, and
	 * so the FUSE workers waiting for them, which the loop joins */
	http_abort_all();
	end_loop(sig);
}

/* Whether a FUSE filesystem is still mounted on our mount point
 * (/proc/self/mountinfo: field 5 is the mount point, the type follows
 * " - ").  1 when it cannot be told. */
static int still_mounted(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *mp, *type;
	size_t cap = 0;
	int found = 0, i;

	if (!f)
		return 1;
	while (!found && getline(&line, &cap, f) > 0) {
		mp = line;
		for (i = 0; i < 4 && mp; i++)
			mp = strchr(mp, ' ') ? strchr(mp, ' ') + 1 : NULL;
		type = mp ? strstr(mp, " - ") : NULL;
		if (!type || !strchr(mp, ' '))
			continue;
		*strchr(mp, ' ') = '\0';
		mountinfo_unescape(mp);
		found = !strcmp(mp, sg.mountpoint) &&
			!strncmp(type + 3, "fuse", 4);
	}
	free(line);
	fclose(f);
	return found;
}

/* Waits for a signal and, at the same time, for the unmount: the FUSE
 * device reports an error once the kernel let go of the connection
 * (umount, fusermount3 -u), and the requests in flight are aborted then,
 * not after the loop has joined the workers that wait for them.  The
 * device is not watched until the mount table lost our mount: a poll of
 * it is woken by every request the kernel queues (an extra context switch
 * per request, a third of them in a cold grep -r), the mount table's only
 * when some mount changes.  Where the table cannot be watched, the device
 * is. */
static void *signal_main(void *unused)
{
	struct signalfd_siginfo si;
	struct pollfd pf[2];
	nfds_t n = 2;
	int mounts = sg.mountpoint ?
		open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC) : -1;

	(void)unused;
	pf[0] = (struct pollfd){ .fd = sg.sfd, .events = POLLIN };
	/* no events asked of the device: poll reports POLLERR or POLLHUP
	 * regardless; the mount table reports a change as POLLPRI */
	pf[1] = (struct pollfd){ .fd = fuse_session_fd(sg.se), .events = 0 };
	if (mounts >= 0 && still_mounted())
		pf[1] = (struct pollfd){ .fd = mounts, .events = POLLPRI };
	for (;;) {
		if (poll(pf, n, -1) < 0)
			continue;
		if (n == 2 && pf[1].fd == mounts && pf[1].revents &&
		    !still_mounted()) {
			/* gone from the table: the connection ends when the
			 * last user lets go (at once unless lazy) */
			pf[1] = (struct pollfd){ .fd = fuse_session_fd(sg.se),
						 .events = 0 };
		} else if (n == 2 && pf[1].fd != mounts && pf[1].revents) {
			olog(LOG_INFO, "unmounted: aborting the requests in "
			     "flight");
			http_abort_all();
			n = 1;
		}
		if (!(pf[0].revents & POLLIN) ||
		    read(sg.sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (stopping())
			break;
		if (si.ssi_signo == SIGUSR1) {
			olog(LOG_INFO, "SIGUSR1: reopening the log file");
			log_reopen();
			continue;
		}
		if (si.ssi_signo == SIGHUP) {
			size_t used, avail, mapped;

			log_reopen();
			olog(LOG_INFO, "SIGHUP: dropping the cache");
			sg.on_hup(sg.arg);
			/* what the cache held is free now: give it back */
			memtrim_now();
			/* what a soak watches: a leak grows what is in use */
			memtrim_heap(&used, &avail, &mapped);
			olog(LOG_INFO, "SIGHUP: cache dropped, heap %zu bytes in "
			     "use, %zu free (%zu mapped apart)", used, avail,
			     mapped);
			continue;
		}
		exit_signal((int)si.ssi_signo);
		break;
	}
	if (mounts >= 0)
		close(mounts);
	return NULL;
}

int signals_start(struct fuse_session *se, const char *mountpoint,
		  void (*on_hup)(void *), void *arg)
{
	sigset_t set;
	int err;

	sg.se = se;
	free(sg.mountpoint);
	sg.mountpoint = mountpoint ? strdup(mountpoint) : NULL;
	sg.on_hup = on_hup;
	sg.arg = arg;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sg.sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sg.sfd < 0)
		return errno;
	err = pthread_create(&sg.thread, NULL, signal_main, NULL);
	if (err) {
		close(sg.sfd);
		return err;
	}
	sg.started = 1;
	return 0;
}

void signals_loop_enter(void)
{
	sigset_t set;

	pthread_mutex_lock(&sg.mu);
	sg.loop = pthread_self();
	sg.have_loop = 1;
	pthread_mutex_unlock(&sg.mu);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int signals_stop(void)
{
	int sig;

	pthread_mutex_lock(&sg.mu);
	sg.stop = 1;
	sg.have_loop = 0;
	pthread_cond_broadcast(&sg.cond);
	pthread_mutex_unlock(&sg.mu);
	mask(SIG_BLOCK, 0);     /* no more interruptions of this thread */
	if (sg.started) {
		/* wakes the wait; stays pending, harmlessly, otherwise */
		pthread_kill(sg.thread, SIGHUP);
		pthread_join(sg.thread, NULL);
		close(sg.sfd);
		sg.started = 0;
	}
	free(sg.mountpoint);
	sg.mountpoint = NULL;
	pthread_mutex_lock(&sg.mu);
	sig = sg.exit_sig;
	pthread_mutex_unlock(&sg.mu);
	return sig;
}
