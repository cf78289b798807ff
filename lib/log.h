/* log.h - one thread-safe logger for orgfs and libfuse
 *
 * Levels are syslog's (LOG_ERR .. LOG_DEBUG).  Messages follow git's style:
 * lower case, no final full stop, what failed first.  Never pass a secret.
 */
#ifndef ORGFS_LOG_H
#define ORGFS_LOG_H

#include <stdarg.h>
#include <syslog.h>

typedef void (*log_sink_fn)(int level, const char *msg, void *arg);

/* Messages above this level are dropped (default LOG_WARNING). */
void log_set_level(int level);
int log_get_level(void);
/* Replace the sink (default: "orgfs: <msg>\n" on stderr).  NULL restores
 * the default.  The sink must be thread-safe. */
void log_set_sink(log_sink_fn fn, void *arg);
void olog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void volog(int level, const char *fmt, va_list ap);

/* Where the log goes once mounted (-o log) */
enum log_dest {
	LOG_DEST_DEFAULT,       /* stderr in the foreground, else syslog */
	LOG_DEST_SYSLOG,
	LOG_DEST_STDERR,
	LOG_DEST_FILE,
};

/* spec: "syslog", "stderr" or a file, opened now (created 0600, appended
 * to) so that a bad one fails while a terminal is attached; a relative
 * name is made absolute.  The sink stays as it is until log_start().
 * @return 0, or -errno with a one-line reason in err */
int log_set_destination(const char *spec, char *err, size_t errlen);
/* The log file's absolute name, or NULL when the log goes elsewhere */
const char *log_file(void);
/* At mount: the sink the destination chose; foreground: -f */
void log_start(int foreground);
/* For logrotate (SIGUSR1, SIGHUP): reopens the log file by its name,
 * keeping the open one when that fails.  Nothing for other sinks.
 * @return 0 or -errno */
int log_reopen(void);

#define olog_debug(...) do { if (log_get_level() >= LOG_DEBUG) olog(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
