/* test_retry.c - classification, backoff, quota, adaptive rate limiter */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awserr.h"
#include "retry.h"

struct class_case {
	const char *code;
	int status;
	enum retry_kind standard;
	enum retry_kind legacy;
};

static const struct class_case class_cases[] = {
	/* §3.2 throttling codes, whatever the status */
	{"Throttling", 400, RETRY_THROTTLE, RETRY_THROTTLE},
	{"ThrottlingException", 429, RETRY_THROTTLE, RETRY_THROTTLE},
	{"ThrottledException", 400, RETRY_THROTTLE, RETRY_THROTTLE},
	{"RequestThrottledException", 400, RETRY_THROTTLE, RETRY_THROTTLE},
	{"TooManyRequestsException", 400, RETRY_THROTTLE, RETRY_THROTTLE},
	{"TooManyRequestsException", 429, RETRY_THROTTLE, RETRY_THROTTLE},
	{"ProvisionedThroughputExceededException", 400, RETRY_THROTTLE, RETRY_THROTTLE},
	{"TransactionInProgressException", 400, RETRY_THROTTLE, RETRY_THROTTLE},
	{"RequestLimitExceeded", 503, RETRY_THROTTLE, RETRY_THROTTLE},
	{"BandwidthLimitExceeded", 400, RETRY_THROTTLE, RETRY_THROTTLE},
	{"LimitExceededException", 400, RETRY_THROTTLE, RETRY_THROTTLE},
	{"RequestThrottled", 400, RETRY_THROTTLE, RETRY_THROTTLE},
	{"SlowDown", 503, RETRY_THROTTLE, RETRY_THROTTLE},
	{"PriorRequestNotComplete", 400, RETRY_THROTTLE, RETRY_THROTTLE},
	{"EC2ThrottledException", 400, RETRY_THROTTLE, RETRY_THROTTLE},
	/* transient codes and statuses */
	{"RequestTimeout", 400, RETRY_TRANSIENT, RETRY_TRANSIENT},
	{"RequestTimeoutException", 408, RETRY_TRANSIENT, RETRY_TRANSIENT},
	{"IDPCommunicationError", 400, RETRY_TRANSIENT, RETRY_TRANSIENT},
	{"InternalFailure", 500, RETRY_TRANSIENT, RETRY_TRANSIENT},
	{"502", 502, RETRY_TRANSIENT, RETRY_TRANSIENT},
	{"ServiceUnavailable", 503, RETRY_TRANSIENT, RETRY_TRANSIENT},
	{"504", 504, RETRY_TRANSIENT, RETRY_TRANSIENT},
	{"ConnectionError", 0, RETRY_TRANSIENT, RETRY_TRANSIENT},
	{"Timeout", 0, RETRY_TRANSIENT, RETRY_TRANSIENT},
	{"TruncatedResponse", 0, RETRY_TRANSIENT, RETRY_TRANSIENT},
	{"MalformedResponse", 200, RETRY_TRANSIENT, RETRY_TRANSIENT},
	/* a bare 429 without a code is a throttle; 509 only in legacy */
	{"429", 429, RETRY_THROTTLE, RETRY_THROTTLE},
	{"", 429, RETRY_THROTTLE, RETRY_THROTTLE},
	{"509", 509, RETRY_NONE, RETRY_TRANSIENT},
	{"SomethingElse", 429, RETRY_NONE, RETRY_THROTTLE},
	/* never retried */
	{"ResponseTooLarge", 200, RETRY_NONE, RETRY_NONE},
	{"ResponseTooLarge", 0, RETRY_NONE, RETRY_NONE},
	{"AccessDeniedException", 400, RETRY_NONE, RETRY_NONE},
	{"AccessDenied", 403, RETRY_NONE, RETRY_NONE},
	{"ValidationException", 400, RETRY_NONE, RETRY_NONE},
	{"InvalidInputException", 400, RETRY_NONE, RETRY_NONE},
	{"ExpiredTokenException", 400, RETRY_NONE, RETRY_NONE},
	{"UnauthorizedException", 401, RETRY_NONE, RETRY_NONE},
	{"ResourceNotFoundException", 404, RETRY_NONE, RETRY_NONE},
	{"throttling", 400, RETRY_NONE, RETRY_NONE},    /* case matters */
	{NULL, 400, RETRY_NONE, RETRY_NONE},
};

START_TEST(test_classify_table)
{
	const struct class_case *c = &class_cases[_i];

	ck_assert_msg(retry_classify(AWS_RETRY_STANDARD, c->code, c->status) ==
		      c->standard, "standard %s/%d", c->code, c->status);
	ck_assert_msg(retry_classify(AWS_RETRY_ADAPTIVE, c->code, c->status) ==
		      c->standard, "adaptive %s/%d", c->code, c->status);
	ck_assert_msg(retry_classify(AWS_RETRY_LEGACY, c->code, c->status) ==
		      c->legacy, "legacy %s/%d", c->code, c->status);
	ck_assert_int_eq(aws_error_is_throttle(c->code, c->status),
			 c->standard == RETRY_THROTTLE);
}
END_TEST

static double pinned_value;

static double pinned_random(void)
{
	return pinned_value;
}

START_TEST(test_backoff_bounds)
{
	/* rand * min(2^(attempt-1), 20) s */
	static const struct { int attempt; double r; uint64_t ms; } t[] = {
		{1, 0.5, 500}, {2, 0.5, 1000}, {3, 0.5, 2000}, {4, 0.5, 4000},
		{5, 0.5, 8000}, {6, 0.5, 10000}, {7, 0.5, 10000},
		{30, 0.5, 10000}, {1000, 0.5, 10000}, {1, 0.0, 0},
		{5, 0.999, 15984}, {6, 0.999, 19980}, {0, 1.0, 999},
		{2, -3.0, 0},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pinned_value = t[i].r;
		ck_assert_msg(retry_delay_ms(AWS_RETRY_STANDARD, t[i].attempt,
					     pinned_random) == t[i].ms,
			      "attempt %d r %g: %llu", t[i].attempt, t[i].r,
			      (unsigned long long)retry_delay_ms(AWS_RETRY_STANDARD,
								 t[i].attempt,
								 pinned_random));
	}
	/* legacy: no cap */
	pinned_value = 0.5;
	ck_assert_uint_eq(retry_delay_ms(AWS_RETRY_LEGACY, 4, pinned_random), 4000);
	ck_assert_uint_eq(retry_delay_ms(AWS_RETRY_LEGACY, 7, pinned_random), 32000);
	/* the default random stays inside the bounds */
	for (int i = 0; i < 2000; i++) {
		int attempt = 1 + i % 8;
		double cap = fmin(ldexp(1.0, attempt - 1), 20.0) * 1000.0;

		ck_assert_uint_lt(retry_delay_ms(AWS_RETRY_STANDARD, attempt, NULL),
				  (uint64_t)cap);
	}
}
END_TEST

START_TEST(test_quota)
{
	struct retry_state *s = retry_state_new(0);
	int n = 0, t;

	ck_assert_int_eq(retry_quota_available(s), RETRY_QUOTA_DEFAULT);
	while ((t = retry_quota_take(s, 0)) > 0) {
		ck_assert_int_eq(t, RETRY_COST);
		n++;
	}
	ck_assert_int_eq(n, RETRY_QUOTA_DEFAULT / RETRY_COST);
	ck_assert_int_eq(retry_quota_available(s), 0);
	/* a success without retry refunds 1, with a retry what it took */
	retry_quota_refund(s, 0);
	ck_assert_int_eq(retry_quota_available(s), 1);
	ck_assert_int_eq(retry_quota_take(s, 0), 0);
	retry_quota_refund(s, RETRY_COST_TIMEOUT);
	ck_assert_int_eq(retry_quota_available(s), 11);
	ck_assert_int_eq(retry_quota_take(s, 1), RETRY_COST_TIMEOUT);
	ck_assert_int_eq(retry_quota_available(s), 1);
	ck_assert_int_eq(retry_quota_take(s, 1), 0);
	/* never above the capacity */
	for (int i = 0; i < 1000; i++)
		retry_quota_refund(s, 5);
	ck_assert_int_eq(retry_quota_available(s), RETRY_QUOTA_DEFAULT);
	retry_state_release(s);

	s = retry_state_new(12);
	ck_assert_int_eq(retry_quota_take(s, 1), 10);
	ck_assert_int_eq(retry_quota_take(s, 0), 0);
	ck_assert_int_eq(retry_quota_available(s), 2);
	retry_state_release(s);
}
END_TEST

static void *quota_hammer(void *arg)
{
	struct retry_state *s = arg;

	for (int i = 0; i < 20000; i++) {
		int t = retry_quota_take(s, i % 3 == 0);

		if (t)
			retry_quota_refund(s, t);
	}
	return NULL;
}

START_TEST(test_quota_threads)
{
	struct retry_state *s = retry_state_new(100);
	pthread_t th[8];

	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, quota_hammer,
						retry_state_acquire(s)), 0);
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		retry_state_release(s);
	}
	/* every take was refunded in full */
	ck_assert_int_eq(retry_quota_available(s), 100);
	retry_state_release(s);
}
END_TEST

static const char *env_vals[2];

static const char *fake_getenv(const char *name)
{
	if (!strcmp(name, "AWS_MAX_ATTEMPTS"))
		return env_vals[0];
	if (!strcmp(name, "AWS_RETRY_MODE"))
		return env_vals[1];
	return NULL;
}

START_TEST(test_env)
{
	static const struct {
		const char *max, *mode;
		int cfg_max, mode_set;
		enum aws_retry_mode cfg_mode;
		int want_max;
		enum aws_retry_mode want_mode;
	} t[] = {
		{NULL, NULL, 0, 0, AWS_RETRY_STANDARD, 3, AWS_RETRY_STANDARD},
		{"7", NULL, 0, 0, AWS_RETRY_STANDARD, 7, AWS_RETRY_STANDARD},
		{"7", NULL, 2, 0, AWS_RETRY_STANDARD, 2, AWS_RETRY_STANDARD},
		{NULL, "legacy", 0, 0, AWS_RETRY_STANDARD, 5, AWS_RETRY_LEGACY},
		{"2", "adaptive", 0, 0, AWS_RETRY_STANDARD, 2, AWS_RETRY_ADAPTIVE},
		{NULL, "legacy", 0, 1, AWS_RETRY_STANDARD, 3, AWS_RETRY_STANDARD},
		{"0", "bogus", 0, 0, AWS_RETRY_STANDARD, 3, AWS_RETRY_STANDARD},
		{"x3", NULL, 0, 0, AWS_RETRY_STANDARD, 3, AWS_RETRY_STANDARD},
		{"101", NULL, 0, 0, AWS_RETRY_STANDARD, 3, AWS_RETRY_STANDARD},
		{"", "", 0, 0, AWS_RETRY_STANDARD, 3, AWS_RETRY_STANDARD},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int max = t[i].cfg_max;
		enum aws_retry_mode mode = t[i].cfg_mode;

		env_vals[0] = t[i].max;
		env_vals[1] = t[i].mode;
		retry_config_from_env(&max, &mode, t[i].mode_set, fake_getenv);
		ck_assert_msg(max == t[i].want_max && mode == t[i].want_mode,
			      "case %zu: max %d mode %d", i, max, (int)mode);
	}
}
END_TEST

START_TEST(test_rate_cubic)
{
	struct retry_rate r;
	double now = 1000.0, rate;

	retry_rate_init(&r, now);
	/* disabled until the first throttle: never waits */
	for (int i = 0; i < 100; i++) {
		ck_assert(retry_rate_acquire(&r, now) == 0.0);
		retry_rate_update(&r, 0, now);
		now += 0.05;    /* 20 requests per second */
	}
	ck_assert_int_eq(r.enabled, 0);
	ck_assert(r.measured_rate > 15.0 && r.measured_rate < 25.0);
	/* a throttle enables it at 0.7 times the measured rate */
	retry_rate_update(&r, 1, now);
	rate = r.measured_rate;
	ck_assert_int_eq(r.enabled, 1);
	ck_assert(fabs(r.fill_rate - 0.7 * rate) < 1e-9);
	ck_assert(fabs(r.w_max - rate) < 1e-9);
	ck_assert(fabs(r.k - cbrt(rate * 0.3 / 0.4)) < 1e-9);
	/* successes grow the rate along the cubic, back to w_max at K */
	retry_rate_update(&r, 0, now + r.k);
	ck_assert(fabs(r.fill_rate - fmin(r.w_max, 2.0 * r.measured_rate)) < 1e-6);
	/* a second throttle lowers it again */
	rate = r.fill_rate;
	retry_rate_update(&r, 1, now + r.k + 0.01);
	ck_assert(r.fill_rate < rate);
}
END_TEST

START_TEST(test_rate_bucket_waits)
{
	struct retry_rate r;
	double now = 50.0, waited = 0.0, w;
	int sent = 0;

	retry_rate_init(&r, now);
	r.enabled = 1;
	/* pin the rate to 2 per second */
	r.fill_rate = 2.0;
	r.max_capacity = 2.0;
	r.capacity = 0.0;
	r.last_refill = now;
	/* 20 sends in a row: each waits for its token (reservations queue) */
	for (int i = 0; i < 20; i++) {
		w = retry_rate_acquire(&r, now);
		ck_assert(w >= 0.0);
		waited = w;
		sent++;
	}
	/* the 20th send must wait ~10 s at 2 per second */
	ck_assert_msg(fabs(waited - 10.0) < 1e-6, "waited %g", waited);
	ck_assert_int_eq(sent, 20);
	/* 10 s later the queue has drained: one token free after 0.5 s more */
	now += 10.5;
	ck_assert(retry_rate_acquire(&r, now) == 0.0);
	/* the minimum fill rate is 0.5 */
	r.capacity = 0.0;
	r.last_refill = now;
	retry_rate_update(&r, 1, now);  /* measured rate ~0 */
	ck_assert(r.fill_rate == 0.5);
	ck_assert(r.max_capacity == 1.0);
}
END_TEST

static double fake_now_v;

static double fake_now(void)
{
	return fake_now_v;
}

static uint64_t slept_ms;

static void fake_sleep(uint64_t ms)
{
	slept_ms += ms;
	fake_now_v += (double)ms / 1000.0;
}

START_TEST(test_limiter_per_key)
{
	struct retry_state *s = retry_state_new(0);

	fake_now_v = 10.0;
	for (int i = 0; i < 40; i++) {
		retry_limiter_before_send(s, "tagging/eu-west-1", fake_now, fake_sleep);
		retry_limiter_after_response(s, "tagging/eu-west-1", 0, fake_now);
		fake_now_v += 0.1;
	}
	ck_assert_uint_eq(slept_ms, 0);
	ck_assert(retry_limiter_rate(s, "tagging/eu-west-1") == 0.0);
	retry_limiter_after_response(s, "tagging/eu-west-1", 1, fake_now);
	ck_assert(retry_limiter_rate(s, "tagging/eu-west-1") > 0.0);
	/* another region is not limited */
	ck_assert(retry_limiter_rate(s, "tagging/us-east-1") == 0.0);
	for (int i = 0; i < 30; i++)
		retry_limiter_before_send(s, "tagging/eu-west-1", fake_now, fake_sleep);
	ck_assert_uint_gt(slept_ms, 1000);
	slept_ms = 0;
	for (int i = 0; i < 30; i++)
		retry_limiter_before_send(s, "tagging/us-east-1", fake_now, fake_sleep);
	ck_assert_uint_eq(slept_ms, 0);
	retry_state_release(s);
}
END_TEST

/* --- retry_next: what follows one attempt ------------------------------ */

static double half(void)
{
	return 0.5;
}

static struct retry_call call_of(struct retry_state *s,
				 enum aws_retry_mode mode, int max, int sign)
{
	return (struct retry_call){
		.s = s, .mode = mode, .max = max, .sign = sign,
		.op = "organizations:ListAccounts",
		.key = "organizations/us-east-1", .random = half,
	};
}

/* One attempt that ends with e (NULL: a success). */
static struct retry_decision attempt(struct retry_call *rc,
				     const struct aws_error *e,
				     int rate_limited, int had_token)
{
	retry_before_attempt(rc);
	return retry_next(rc, e, rate_limited, had_token);
}

static struct aws_error failure(const char *code, int status)
{
	struct aws_error e;

	aws_error_clear(&e);
	snprintf(e.code, sizeof(e.code), "%s", code);
	e.http_status = status;
	return e;
}

START_TEST(test_next_standard)
{
	struct retry_state *s = retry_state_new(0);
	struct retry_call rc = call_of(s, AWS_RETRY_STANDARD, 3, 1);
	struct aws_error e = failure("ThrottlingException", 400);
	struct retry_decision d;

	d = attempt(&rc, &e, 0, 0);
	ck_assert_int_eq(d.action, RETRY_AGAIN);
	ck_assert_int_eq(d.throttled, 1);
	ck_assert_uint_eq(d.delay_ms, 500);
	ck_assert_int_eq(retry_quota_available(s), 495);
	retry_before_attempt(&rc);
	e = failure("Timeout", 0);
	d = retry_next(&rc, &e, 0, 0);
	ck_assert_int_eq(d.action, RETRY_AGAIN);
	ck_assert_int_eq(d.throttled, 0);
	ck_assert_uint_eq(d.delay_ms, 1000);
	ck_assert_int_eq(retry_quota_available(s), 485);
	/* the third attempt is the last */
	d = attempt(&rc, &e, 0, 0);
	ck_assert_int_eq(d.action, RETRY_STOP);
	ck_assert_int_eq(retry_quota_available(s), 485);
	ck_assert_int_eq(rc.attempt, 3);
	/* a success refunds what the last retry took */
	d = retry_next(&rc, NULL, 0, 0);
	ck_assert_int_eq(d.action, RETRY_STOP);
	ck_assert_int_eq(retry_quota_available(s), 495);
	/* not retryable */
	rc = call_of(s, AWS_RETRY_STANDARD, 3, 1);
	e = failure("AccessDeniedException", 400);
	d = attempt(&rc, &e, 0, 0);
	ck_assert_int_eq(d.action, RETRY_STOP);
	/* a success without a retry refunds one */
	d = retry_next(&rc, NULL, 0, 0);
	ck_assert_int_eq(retry_quota_available(s), 496);
	retry_state_release(s);
}
END_TEST

START_TEST(test_next_quota_and_legacy)
{
	struct retry_state *s = retry_state_new(5);
	struct retry_call rc = call_of(s, AWS_RETRY_STANDARD, 5, 0);
	struct aws_error e = failure("InternalFailure", 500);
	struct retry_decision d;

	ck_assert_int_eq(attempt(&rc, &e, 0, 0).action, RETRY_AGAIN);
	ck_assert_int_eq(retry_quota_available(s), 0);
	d = attempt(&rc, &e, 0, 0);
	ck_assert_int_eq(d.action, RETRY_STOP);
	/* legacy mode has no quota */
	rc = call_of(s, AWS_RETRY_LEGACY, 5, 0);
	for (int i = 1; i < 5; i++) {
		d = attempt(&rc, &e, 0, 0);
		ck_assert_int_eq(d.action, RETRY_AGAIN);
		ck_assert_uint_eq(d.delay_ms, 500u << (i - 1));
	}
	ck_assert_int_eq(attempt(&rc, &e, 0, 0).action, RETRY_STOP);
	ck_assert_int_eq(retry_next(&rc, NULL, 0, 0).action, RETRY_STOP);
	ck_assert_int_eq(retry_quota_available(s), 0);
	retry_state_release(s);
}
END_TEST

START_TEST(test_next_refresh)
{
	struct retry_state *s = retry_state_new(0);
	struct retry_call rc = call_of(s, AWS_RETRY_STANDARD, 1, 1);
	struct aws_error e = failure("ExpiredTokenException", 400);
	struct retry_decision d;

	d = attempt(&rc, &e, 0, 0);
	ck_assert_int_eq(d.action, RETRY_REFRESH);
	ck_assert_uint_eq(d.delay_ms, 0);
	ck_assert_int_eq(rc.max, 2);
	ck_assert_int_eq(retry_quota_available(s), 500);
	/* once per call */
	ck_assert_int_eq(attempt(&rc, &e, 0, 0).action, RETRY_STOP);
	/* rejected keys refresh only when they were temporary */
	e = failure("InvalidClientTokenId", 403);
	rc = call_of(s, AWS_RETRY_STANDARD, 3, 1);
	ck_assert_int_eq(attempt(&rc, &e, 0, 0).action, RETRY_STOP);
	rc = call_of(s, AWS_RETRY_STANDARD, 3, 1);
	ck_assert_int_eq(attempt(&rc, &e, 0, 1).action, RETRY_REFRESH);
	/* an unsigned request has nothing to refresh */
	e = failure("ExpiredToken", 400);
	rc = call_of(s, AWS_RETRY_STANDARD, 3, 0);
	ck_assert_int_eq(attempt(&rc, &e, 0, 1).action, RETRY_STOP);
	retry_state_release(s);
}
END_TEST

START_TEST(test_next_free_throttles)
{
	struct retry_state *s = retry_state_new(0);
	struct retry_call rc = call_of(s, AWS_RETRY_STANDARD, 1, 1);
	struct aws_error e = failure("TooManyRequestsException", 400);
	int i;

	/* a rate-limited service: the first throttles do not count */
	for (i = 0; i < RETRY_FREE_THROTTLES; i++) {
		ck_assert_int_eq(attempt(&rc, &e, 1, 0).action, RETRY_AGAIN);
	}
	ck_assert_int_eq(attempt(&rc, &e, 1, 0).action, RETRY_STOP);
	ck_assert_int_eq(rc.max, 1 + RETRY_FREE_THROTTLES);
	/* nor does any other failure */
	rc = call_of(s, AWS_RETRY_STANDARD, 1, 1);
	e = failure("InternalFailure", 500);
	ck_assert_int_eq(attempt(&rc, &e, 1, 0).action, RETRY_STOP);
	/* without a client rate a throttle counts */
	rc = call_of(s, AWS_RETRY_STANDARD, 1, 1);
	e = failure("Throttling", 400);
	ck_assert_int_eq(attempt(&rc, &e, 0, 0).action, RETRY_STOP);
	retry_state_release(s);
}
END_TEST

START_TEST(test_next_adaptive)
{
	struct retry_state *s = retry_state_new(0);
	struct retry_call rc = call_of(s, AWS_RETRY_ADAPTIVE, 3, 1);
	struct aws_error e = failure("Throttling", 400);

	retry_before_attempt(&rc);
	ck_assert(retry_limiter_rate(s, rc.key) == 0.0);
	ck_assert_int_eq(retry_next(&rc, &e, 0, 0).action, RETRY_AGAIN);
	/* the throttle enabled the call's limiter */
	ck_assert(retry_limiter_rate(s, rc.key) > 0.0);
	ck_assert(retry_limiter_rate(s, "organizations/eu-west-1") == 0.0);
	retry_state_release(s);
}
END_TEST

static Suite *retry_suite(void)
{
	Suite *s = suite_create("retry");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_classify_table, 0,
			    sizeof(class_cases) / sizeof(class_cases[0]));
	tcase_add_test(tc, test_backoff_bounds);
	tcase_add_test(tc, test_quota);
	tcase_add_test(tc, test_quota_threads);
	tcase_add_test(tc, test_env);
	tcase_add_test(tc, test_rate_cubic);
	tcase_add_test(tc, test_rate_bucket_waits);
	tcase_add_test(tc, test_limiter_per_key);
	tcase_add_test(tc, test_next_standard);
	tcase_add_test(tc, test_next_quota_and_legacy);
	tcase_add_test(tc, test_next_refresh);
	tcase_add_test(tc, test_next_free_throttles);
	tcase_add_test(tc, test_next_adaptive);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(retry_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
