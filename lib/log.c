/* log.c - one thread-safe logger */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
