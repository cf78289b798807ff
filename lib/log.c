/* log.c - one thread-safe logger */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_level = LOG_WARNING;
static log_sink_fn log_sink;
static void *log_sink_arg;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(int level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

void log_set_sink(log_sink_fn fn, void *arg)
{
	pthread_mutex_lock(&log_lock);
	log_sink = fn;
	log_sink_arg = arg;
	pthread_mutex_unlock(&log_lock);
}

void volog(int level, const char *fmt, va_list ap)
{
	char msg[2048];
	size_t n;

	if (level > log_get_level())
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	pthread_mutex_lock(&log_lock);
	if (log_sink)
		log_sink(level, msg, log_sink_arg);
	else
		fprintf(stderr, "orgfs: %s\n", msg);
	pthread_mutex_unlock(&log_lock);
}

void olog(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	volog(level, fmt, ap);
	va_end(ap);
}

/* ---- the destination (-o log) ---- */

static struct {
	enum log_dest dest;
	char *path;             /* LOG_DEST_FILE: absolute */
	int fd;                 /* its descriptor, under log_lock */
} dest = { LOG_DEST_DEFAULT, NULL, -1 };

static const char *level_name(int level)
{
	switch (level) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE: case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* One whole line per write(): O_APPEND keeps lines whole when the file
 * is shared.  Called with log_lock held. */
static void file_sink(int level, const char *msg, void *arg)
{
	char line[2200], ts[32];
	struct timespec now;
	struct tm tm;
	int n;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ orgfs[%ld] %s: %s\n", ts,
		     now.tv_nsec / 1000000L, (long)getpid(), level_name(level),
		     msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (dest.fd >= 0 && write(dest.fd, line, (size_t)n) < 0) {
		/* nowhere left to say it */
	}
}

static void syslog_sink(int level, const char *msg, void *arg)
{
	(void)arg;
	syslog(level, "%s", msg);
}

static int open_log(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
		    0600);
}

int log_set_destination(const char *spec, char *err, size_t errlen)
{
	char cwd[4096], *path;
	struct stat st;
	int fd;

	if (!strcmp(spec, "syslog") || !strcmp(spec, "stderr")) {
		dest.dest = !strcmp(spec, "syslog") ? LOG_DEST_SYSLOG :
			    LOG_DEST_STDERR;
		return 0;
	}
	if (!*spec) {
		snprintf(err, errlen, "invalid log '': expected a file, "
			 "syslog or stderr");
		return -EINVAL;
	}
	/* the daemon runs in /: a relative name is made whole now */
	if (spec[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)) ||
		    asprintf(&path, "%s/%s", cwd, spec) < 0) {
			snprintf(err, errlen, "cannot open log file '%s': %s",
				 spec, strerror(errno));
			return -errno;
		}
	} else if (!(path = strdup(spec))) {
		return -ENOMEM;
	}
	fd = open_log(path);
	if (fd < 0 || fstat(fd, &st) || S_ISDIR(st.st_mode)) {
		int e = fd < 0 ? errno : EISDIR;

		snprintf(err, errlen, "cannot open log file '%s': %s", spec,
			 strerror(e));
		if (fd >= 0)
			close(fd);
		free(path);
		return -e;
	}
	pthread_mutex_lock(&log_lock);
	if (dest.fd >= 0)
		close(dest.fd);
	free(dest.path);
	dest.fd = fd;
	dest.path = path;
	dest.dest = LOG_DEST_FILE;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

const char *log_file(void)
{
	return dest.dest == LOG_DEST_FILE ? dest.path : NULL;
}

void log_start(int foreground)
{
	if (dest.dest == LOG_DEST_FILE) {
		log_set_sink(file_sink, NULL);
	} else if (dest.dest == LOG_DEST_SYSLOG ||
		   (dest.dest == LOG_DEST_DEFAULT && !foreground)) {
		openlog("orgfs", LOG_PID, LOG_DAEMON);
		log_set_sink(syslog_sink, NULL);
	}
}

int log_reopen(void)
{
	int fd, old;

	if (dest.dest != LOG_DEST_FILE)
		return 0;
	fd = open_log(dest.path);
	if (fd < 0) {
		int e = errno;

		olog(LOG_ERR, "cannot reopen log file '%s': %s; still writing "
		     "to the one open", dest.path, strerror(e));
		return -e;
	}
	pthread_mutex_lock(&log_lock);
	old = dest.fd;
	dest.fd = fd;
	pthread_mutex_unlock(&log_lock);
	close(old);
	olog(LOG_INFO, "log file reopened");
	return 0;
}
