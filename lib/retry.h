/* retry.h - retry decisions, backoff, retry quota, adaptive rate limiting
 *
 * What is implemented (botocore 1.29-1.43 behaviour, aws-protocols.md §3):
 *  - standard: retry throttling codes, the transient codes, HTTP
 *    500/502/503/504 and transport errors; 3 attempts; delay
 *    rand * min(2^(attempt-1), 20) s; a retry quota shared by derived
 *    clients (500, a retry costs 5, 10 after a timeout, a success refunds
 *    what its last retry took or 1 when it was not retried).
 *  - legacy: _retry.json's __default__ (the same codes plus HTTP 429 and
 *    509); 5 attempts; delay rand * 2^(attempt-1) s, no cap; no quota.
 *  - adaptive: standard plus botocore adaptive.py's client-side rate limiter
 *    (CUBIC), one per service+region.  One deviation: a caller that finds
 *    the bucket empty reserves its token (the bucket goes negative) and
 *    sleeps the computed time, instead of waiting on a condition variable
 *    and re-checking; the long-run rate is the same and a mocked sleep
 *    cannot spin.
 * A 2xx whose body does not parse ("MalformedResponse") is retried as a
 * transient error, unlike botocore: every call orgfs makes is a read, and a
 * mangled body comes from the path, not the service.
 * Everything here is thread-safe.
 */
#ifndef ORGFS_RETRY_H
#define ORGFS_RETRY_H

#include <stdint.h>

struct aws_error;

enum aws_retry_mode {
	AWS_RETRY_STANDARD = 0,         /* the SDKs' standard mode */
	AWS_RETRY_LEGACY,
	AWS_RETRY_ADAPTIVE,             /* standard + client-side rate limit */
};

#define RETRY_QUOTA_DEFAULT 500
#define RETRY_COST 5
#define RETRY_COST_TIMEOUT 10
#define RETRY_NO_RETRY_REFUND 1
#define RETRY_MAX_BACKOFF_S 20.0

enum retry_kind {
	RETRY_NONE = 0,         /* not retryable */
	RETRY_TRANSIENT,
	RETRY_THROTTLE,
};

/* How mode classifies a failure.  code is the AWS code or one of the
 * transport codes of awserr.h ("ConnectionError", "Timeout", ...); status is
 * 0 when no reply was received. */
enum retry_kind retry_classify(enum aws_retry_mode mode, const char *code,
			       int http_status);

/* Backoff before the attempt after the failed attempt number attempt
 * (1-based), in milliseconds.  random returns [0,1); NULL: drand48_r
 * seeded per thread. */
uint64_t retry_delay_ms(enum aws_retry_mode mode, int attempt,
			double (*random)(void));

int retry_default_max_attempts(enum aws_retry_mode mode);

/* Fill what cfg leaves 0 from AWS_MAX_ATTEMPTS / AWS_RETRY_MODE
 * (getenv_fn NULL: getenv).  An invalid value is ignored with a warning.
 * mode_set: cfg gave a mode explicitly (the enum's 0 is standard, so the
 * caller says whether it chose it). */
void retry_config_from_env(int *max_attempts, enum aws_retry_mode *mode,
			   int mode_set, const char *(*getenv_fn)(const char *));

/* Shared state: the quota and the adaptive rate limiters. */
struct retry_state;

struct retry_state *retry_state_new(int quota);
struct retry_state *retry_state_acquire(struct retry_state *s);
void retry_state_release(struct retry_state *s);

/* Take the cost of one retry.  @return the amount taken (> 0), or 0 when
 * the quota cannot pay for it: do not retry. */
int retry_quota_take(struct retry_state *s, int timeout);
/* A 2xx reply: refund last_taken (what the call's last retry took), or
 * RETRY_NO_RETRY_REFUND when 0; never above the capacity. */
void retry_quota_refund(struct retry_state *s, int last_taken);
int retry_quota_available(struct retry_state *s);

/* CUBIC client-side rate limiter (botocore adaptive.py, bucket.py,
 * throttling.py, standard values).  Times are monotonic seconds. */
struct retry_rate {
	int enabled;            /* after the first throttle */
	/* token bucket */
	double fill_rate;
	double max_capacity;
	double capacity;
	double last_refill;     /* < 0: never refilled */
	/* measured send rate */
	double measured_rate;
	double last_bucket;
	double count;
	/* CUBIC */
	double w_max;
	double k;
	double last_fail;
};

void retry_rate_init(struct retry_rate *r, double now);
/* Take a token before sending.  @return seconds to wait before sending
 * (the token is reserved), 0 to send now. */
double retry_rate_acquire(struct retry_rate *r, double now);
/* After a response (or a transport failure: throttled 0). */
void retry_rate_update(struct retry_rate *r, int throttled, double now);

/* The same on s's limiter for key (service/region), locked.  sleep_ms
 * NULL: nanosleep.  now_fn NULL: CLOCK_MONOTONIC. */
void retry_limiter_before_send(struct retry_state *s, const char *key,
			       double (*now_fn)(void),
			       void (*sleep_ms)(uint64_t ms));
void retry_limiter_after_response(struct retry_state *s, const char *key,
				  int throttled, double (*now_fn)(void));
/* Current send rate limit of key, 0 when not yet enabled (tests). */
double retry_limiter_rate(struct retry_state *s, const char *key);

/* --- one call's attempts -------------------------------------------------
 *
 * The caller sends, retry decides: retry_before_attempt before each
 * request, retry_next once after it.  Besides the mode's policy:
 *  - ExpiredToken / ExpiredTokenException, and InvalidClientTokenId /
 *    UnrecognizedClientException when the request was signed with
 *    temporary credentials (a session token: their source may have revoked
 *    or rotated them), refresh the credentials once per call and send
 *    again at once; that extra attempt costs no retry quota.
 *  - The first RETRY_FREE_THROTTLES throttles of a call to a service with
 *    a client-side rate (aws.h struct aws_rate_limit) do not count against
 *    max_attempts: the rate is cut meanwhile, and the first request after
 *    a cut to a rate still above the quota is throttled whatever it is (it
 *    was the pace that failed, not the request).
 */
#define RETRY_FREE_THROTTLES 10

/* One call's retry state, on the caller's stack: not shared. */
struct retry_call {
	/* set by the caller */
	struct retry_state *s;          /* borrowed */
	enum aws_retry_mode mode;
	int max;                        /* max_attempts; raised by free ones */
	int sign;                       /* the request is signed */
	const char *op;                 /* "service:Op", for the debug log */
	const char *key;                /* adaptive limiter: service/region */
	double (*random)(void);         /* NULL: see retry_delay_ms */
	void (*sleep_ms)(uint64_t ms);  /* the adaptive wait; NULL: nanosleep */
	/* kept by retry_before_attempt and retry_next, 0 at first */
	int attempt;                    /* requests counted so far */
	int last_taken;                 /* quota the last retry took */
	int refreshed;                  /* credentials refreshed once */
	int free_throttles;
};

/* Count the next attempt; in adaptive mode, wait for the limiter's token. */
void retry_before_attempt(struct retry_call *rc);

enum retry_action {
	RETRY_STOP = 0,                 /* return: success, or the failure */
	RETRY_AGAIN,                    /* send again after delay_ms */
	RETRY_REFRESH,                  /* invalidate the credentials and
					   send again at once */
};

struct retry_decision {
	enum retry_action action;
	int throttled;                  /* the attempt was throttled */
	uint64_t delay_ms;              /* RETRY_AGAIN: sleep this first */
};

/* What follows the attempt just counted.  failure NULL: it succeeded (the
 * quota gets its refund).  Otherwise failure is its error; rate_limited:
 * the service has a client-side rate; had_token: the request was signed
 * with a session token.  Updates the quota and the adaptive limiter and
 * logs the decision at debug level; the caller sleeps. */
struct retry_decision retry_next(struct retry_call *rc,
				 const struct aws_error *failure,
				 int rate_limited, int had_token);

#endif
