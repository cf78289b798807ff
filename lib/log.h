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

#define olog_debug(...) do { if (log_get_level() >= LOG_DEBUG) olog(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
