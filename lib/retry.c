/* retry.c - retry decisions, backoff, retry quota, adaptive rate limiting
 *
 * See retry.h for what is implemented and where it differs from botocore.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "awserr.h"
#include "log.h"
#include "retry.h"

enum retry_kind retry_classify(enum aws_retry_mode mode, const char *code,
			       int http_status)
{
	if (code && !strcmp(code, "ResponseTooLarge"))
		return RETRY_NONE;
	if (aws_error_is_throttle(code, http_status))
		return RETRY_THROTTLE;
	if (aws_error_is_transient(code, http_status))
		return RETRY_TRANSIENT;
	/* _retry.json __default__: too_many_requests and limit_exceeded */
	if (mode == AWS_RETRY_LEGACY &&
	    (http_status == 429 || http_status == 509))
		return http_status == 429 ? RETRY_THROTTLE : RETRY_TRANSIENT;
	return RETRY_NONE;
}

static double default_random(void)
{
	static __thread struct drand48_data rd;
	static __thread int seeded;
	struct timespec ts;
	double v;

	if (!seeded) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		srand48_r(ts.tv_nsec ^ ts.tv_sec ^ ((long)gettid() << 16), &rd);
		seeded = 1;
	}
	drand48_r(&rd, &v);
	return v;
}

uint64_t retry_delay_ms(enum aws_retry_mode mode, int attempt,
			double (*random)(void))
{
	double r = (random ? random : default_random)();
	double base;

	if (attempt < 1)
		attempt = 1;
	if (attempt > 62)
		attempt = 62;
	if (!(r >= 0.0))
		r = 0.0;
	if (r >= 1.0)
		r = nextafter(1.0, 0.0);
	base = ldexp(1.0, attempt - 1);
	if (mode != AWS_RETRY_LEGACY && base > RETRY_MAX_BACKOFF_S)
		base = RETRY_MAX_BACKOFF_S;
	return (uint64_t)(r * base * 1000.0);
}

int retry_default_max_attempts(enum aws_retry_mode mode)
{
	return mode == AWS_RETRY_LEGACY ? 5 : 3;
}

void retry_config_from_env(int *max_attempts, enum aws_retry_mode *mode,
			   int mode_set, const char *(*getenv_fn)(const char *))
{
	const char *(*get)(const char *) = getenv_fn ? getenv_fn :
		(const char *(*)(const char *))getenv;
	const char *v;
	char *end;
	long n;

	if (!mode_set) {
		v = get("AWS_RETRY_MODE");
		if (v && !strcmp(v, "legacy"))
			*mode = AWS_RETRY_LEGACY;
		else if (v && !strcmp(v, "adaptive"))
			*mode = AWS_RETRY_ADAPTIVE;
		else if (v && *v && strcmp(v, "standard"))
			olog(LOG_WARNING, "ignoring AWS_RETRY_MODE=%s: not one of standard, legacy, adaptive",
			     v);
	}
	if (*max_attempts > 0)
		return;
	v = get("AWS_MAX_ATTEMPTS");
	if (v && *v) {
		errno = 0;
		n = strtol(v, &end, 10);
		if (!errno && !*end && n >= 1 && n <= 100) {
			*max_attempts = (int)n;
			return;
		}
		olog(LOG_WARNING, "ignoring AWS_MAX_ATTEMPTS=%s: not a number from 1 to 100",
		     v);
	}
	*max_attempts = retry_default_max_attempts(*mode);
}

struct limiter_entry {
	char *key;
	struct retry_rate rate;
};

struct retry_state {
	int refcount;                   /* atomic */
	pthread_mutex_t lock;
	int capacity;                   /* protected by lock */
	int available;                  /* protected by lock */
	struct limiter_entry *limiters; /* protected by lock */
	size_t nlimiters;               /* protected by lock */
};

struct retry_state *retry_state_new(int quota)
{
	struct retry_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->refcount = 1;
	pthread_mutex_init(&s->lock, NULL);
	s->capacity = quota > 0 ? quota : RETRY_QUOTA_DEFAULT;
	s->available = s->capacity;
	return s;
}

struct retry_state *retry_state_acquire(struct retry_state *s)
{
	if (s)
		__atomic_add_fetch(&s->refcount, 1, __ATOMIC_RELAXED);
	return s;
}

void retry_state_release(struct retry_state *s)
{
	if (!s || __atomic_sub_fetch(&s->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	for (size_t i = 0; i < s->nlimiters; i++)
		free(s->limiters[i].key);
	free(s->limiters);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int retry_quota_take(struct retry_state *s, int timeout)
{
	int cost = timeout ? RETRY_COST_TIMEOUT : RETRY_COST;
	int taken = 0;

	pthread_mutex_lock(&s->lock);
	if (s->available >= cost) {
		s->available -= cost;
		taken = cost;
	}
	pthread_mutex_unlock(&s->lock);
	return taken;
}

void retry_quota_refund(struct retry_state *s, int last_taken)
{
	pthread_mutex_lock(&s->lock);
	s->available += last_taken > 0 ? last_taken : RETRY_NO_RETRY_REFUND;
	if (s->available > s->capacity)
		s->available = s->capacity;
	pthread_mutex_unlock(&s->lock);
}

int retry_quota_available(struct retry_state *s)
{
	int v;

	pthread_mutex_lock(&s->lock);
	v = s->available;
	pthread_mutex_unlock(&s->lock);
	return v;
}

/* --- adaptive mode ---------------------------------------------------- */

#define RATE_MIN_FILL 0.5               /* bucket.py _MIN_RATE */
#define RATE_SMOOTHING 0.8              /* adaptive.py RateClocker */
#define RATE_BUCKET_RANGE 0.5
#define RATE_MAX_ADJUST_SCALE 2.0
#define CUBIC_SCALE 0.4                 /* throttling.py CubicCalculator */
#define CUBIC_BETA 0.7

static void rate_set_max(struct retry_rate *r, double max_rate)
{
	r->fill_rate = max_rate > RATE_MIN_FILL ? max_rate : RATE_MIN_FILL;
	r->max_capacity = max_rate >= 1.0 ? max_rate : 1.0;
	if (r->capacity > r->max_capacity)
		r->capacity = r->max_capacity;
}

static void rate_refill(struct retry_rate *r, double now)
{
	if (r->last_refill < 0) {
		r->last_refill = now;
		return;
	}
	if (now > r->last_refill) {
		r->capacity += (now - r->last_refill) * r->fill_rate;
		if (r->capacity > r->max_capacity)
			r->capacity = r->max_capacity;
	}
	r->last_refill = now;
}

static double cubic_zero_point(double w_max)
{
	return cbrt(w_max * (1.0 - CUBIC_BETA) / CUBIC_SCALE);
}

void retry_rate_init(struct retry_rate *r, double now)
{
	memset(r, 0, sizeof(*r));
	r->last_refill = -1.0;
	rate_set_max(r, 1.0);           /* TokenBucket(max_rate=1) */
	r->last_bucket = floor(now);
	r->w_max = 0.0;                 /* CubicCalculator(starting_max_rate=0) */
	r->k = cubic_zero_point(0.0);
	r->last_fail = now;
}

double retry_rate_acquire(struct retry_rate *r, double now)
{
	double wait;

	if (!r->enabled)
		return 0.0;
	rate_refill(r, now);
	if (r->capacity >= 1.0) {
		r->capacity -= 1.0;
		return 0.0;
	}
	wait = (1.0 - r->capacity) / r->fill_rate;
	r->capacity -= 1.0;
	return wait;
}

static double rate_record(struct retry_rate *r, double now)
{
	double bucket = floor(now / RATE_BUCKET_RANGE) * RATE_BUCKET_RANGE;

	r->count += 1.0;
	if (bucket > r->last_bucket) {
		double current = r->count / (bucket - r->last_bucket);

		r->measured_rate = current * RATE_SMOOTHING +
				   r->measured_rate * (1.0 - RATE_SMOOTHING);
		r->count = 0.0;
		r->last_bucket = bucket;
	}
	return r->measured_rate;
}

void retry_rate_update(struct retry_rate *r, int throttled, double now)
{
	double measured = rate_record(r, now);
	double new_rate, use, dt;

	if (!throttled) {
		dt = now - r->last_fail - r->k;
		new_rate = CUBIC_SCALE * dt * dt * dt + r->w_max;
	} else {
		use = measured;
		if (r->enabled && r->fill_rate < use)
			use = r->fill_rate;
		r->w_max = use;
		r->k = cubic_zero_point(use);
		r->last_fail = now;
		new_rate = use * CUBIC_BETA;
		r->enabled = 1;
	}
	if (new_rate > RATE_MAX_ADJUST_SCALE * measured)
		new_rate = RATE_MAX_ADJUST_SCALE * measured;
	/* setting the rate first credits the tokens earned at the old one */
	rate_refill(r, now);
	rate_set_max(r, new_rate);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void real_sleep_ms(uint64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
			      .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Called with s->lock held.  NULL on -ENOMEM: the call then goes unlimited. */
static struct retry_rate *limiter_get(struct retry_state *s, const char *key,
				      double now)
{
	struct limiter_entry *n;

	for (size_t i = 0; i < s->nlimiters; i++)
		if (!strcmp(s->limiters[i].key, key))
			return &s->limiters[i].rate;
	n = realloc(s->limiters, (s->nlimiters + 1) * sizeof(*n));
	if (!n)
		return NULL;
	s->limiters = n;
	n = &s->limiters[s->nlimiters];
	n->key = strdup(key);
	if (!n->key)
		return NULL;
	retry_rate_init(&n->rate, now);
	s->nlimiters++;
	return &n->rate;
}

void retry_limiter_before_send(struct retry_state *s, const char *key,
			       double (*now_fn)(void),
			       void (*sleep_ms)(uint64_t ms))
{
	double now = (now_fn ? now_fn : mono_now)();
	struct retry_rate *r;
	double wait = 0.0;

	pthread_mutex_lock(&s->lock);
	r = limiter_get(s, key, now);
	if (r)
		wait = retry_rate_acquire(r, now);
	pthread_mutex_unlock(&s->lock);
	if (wait > 0.0)
		(sleep_ms ? sleep_ms : real_sleep_ms)((uint64_t)ceil(wait * 1000.0));
}

void retry_limiter_after_response(struct retry_state *s, const char *key,
				  int throttled, double (*now_fn)(void))
{
	double now = (now_fn ? now_fn : mono_now)();
	struct retry_rate *r;

	pthread_mutex_lock(&s->lock);
	r = limiter_get(s, key, now);
	if (r)
		retry_rate_update(r, throttled, now);
	pthread_mutex_unlock(&s->lock);
}

double retry_limiter_rate(struct retry_state *s, const char *key)
{
	double v = 0.0;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nlimiters; i++)
		if (!strcmp(s->limiters[i].key, key) &&
		    s->limiters[i].rate.enabled)
			v = s->limiters[i].rate.fill_rate;
	pthread_mutex_unlock(&s->lock);
	return v;
}

/* --- one call's attempts -------------------------------------------------- */

void retry_before_attempt(struct retry_call *rc)
{
	rc->attempt++;
	if (rc->mode == AWS_RETRY_ADAPTIVE)
		retry_limiter_before_send(rc->s, rc->key, NULL, rc->sleep_ms);
}

/* Credentials the service rejected as expired (see retry.h). */
static int expired_creds(const char *code, int had_token)
{
	if (!strcmp(code, "ExpiredToken") ||
	    !strcmp(code, "ExpiredTokenException"))
		return 1;
	return had_token && (!strcmp(code, "InvalidClientTokenId") ||
			     !strcmp(code, "UnrecognizedClientException"));
}

static void log_failed(const struct retry_call *rc, const struct aws_error *e,
		       const char *then)
{
	olog_debug("aws: %s attempt %d/%d failed: %s (http %d, request id %s), %s",
		   rc->op, rc->attempt, rc->max, e->code, e->http_status,
		   e->request_id[0] ? e->request_id : "none", then);
}

/* After a failed attempt: refresh, retry after a delay, or stop. */
static void decide(struct retry_call *rc, const struct aws_error *e,
		   enum retry_kind kind, int had_token,
		   struct retry_decision *d)
{
	char then[64];
	int taken = 0;

	if (rc->sign && !rc->refreshed && expired_creds(e->code, had_token)) {
		olog_debug("aws: %s attempt %d: %s (request id %s), refreshing credentials",
			   rc->op, rc->attempt, e->code,
			   e->request_id[0] ? e->request_id : "none");
		rc->refreshed = 1;
		rc->max++;
		d->action = RETRY_REFRESH;
		return;
	}
	if (kind == RETRY_NONE || rc->attempt >= rc->max) {
		log_failed(rc, e, "giving up");
		return;
	}
	if (rc->mode != AWS_RETRY_LEGACY) {
		taken = retry_quota_take(rc->s, !strcmp(e->code, "Timeout"));
		if (!taken) {
			log_failed(rc, e, "retry quota exhausted");
			return;
		}
	}
	rc->last_taken = taken;
	d->delay_ms = retry_delay_ms(rc->mode, rc->attempt, rc->random);
	snprintf(then, sizeof(then), "retrying in %llu ms",
		 (unsigned long long)d->delay_ms);
	log_failed(rc, e, then);
	d->action = RETRY_AGAIN;
}

struct retry_decision retry_next(struct retry_call *rc,
				 const struct aws_error *failure,
				 int rate_limited, int had_token)
{
	struct retry_decision d = {RETRY_STOP, 0, 0};
	enum retry_kind kind;

	if (!failure) {
		if (rc->mode != AWS_RETRY_LEGACY)
			retry_quota_refund(rc->s, rc->last_taken);
		if (rc->mode == AWS_RETRY_ADAPTIVE)
			retry_limiter_after_response(rc->s, rc->key, 0, NULL);
		return d;
	}
	kind = retry_classify(rc->mode, failure->code, failure->http_status);
	d.throttled = kind == RETRY_THROTTLE;
	if (d.throttled && rate_limited &&
	    rc->free_throttles < RETRY_FREE_THROTTLES) {
		rc->free_throttles++;
		rc->max++;
	}
	if (rc->mode == AWS_RETRY_ADAPTIVE)
		retry_limiter_after_response(rc->s, rc->key, d.throttled, NULL);
	decide(rc, failure, kind, had_token, &d);
	return d;
}
