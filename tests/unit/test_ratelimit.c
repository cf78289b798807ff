/* test_ratelimit.c - the client-side request rate: turns, cuts, climbs */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "ratelimit.h"

#define EPS 1e-9

START_TEST(test_burst_then_rate)
{
	struct ratelimit rl;
	uint64_t t[4];

	ratelimit_init(&rl, 10, 2, 100.0);
	for (int i = 0; i < 4; i++)
		t[i] = ratelimit_ticket(&rl);
	ck_assert_double_eq(ratelimit_try(&rl, t[0], 100.0), 0);
	ck_assert_double_eq(ratelimit_try(&rl, t[1], 100.0), 0);
	/* the burst is spent: a tenth of a second per request */
	ck_assert_double_eq_tol(ratelimit_try(&rl, t[2], 100.0), 0.1, EPS);
	ck_assert_double_eq_tol(ratelimit_try(&rl, t[2], 100.05), 0.05, EPS);
	ck_assert_double_eq(ratelimit_try(&rl, t[2], 100.1), 0);
	ck_assert_double_gt(ratelimit_try(&rl, t[3], 100.1), 0);
	ck_assert_double_eq(ratelimit_try(&rl, t[3], 100.2), 0);
	/* idle: the bucket fills up to its burst, no more */
	t[0] = ratelimit_ticket(&rl);
	t[1] = ratelimit_ticket(&rl);
	t[2] = ratelimit_ticket(&rl);
	ck_assert_double_eq(ratelimit_try(&rl, t[0], 500.0), 0);
	ck_assert_double_eq(ratelimit_try(&rl, t[1], 500.0), 0);
	ck_assert_double_gt(ratelimit_try(&rl, t[2], 500.0), 0);
	/* burst 0: the rate, at least one */
	ratelimit_init(&rl, 0.5, 0, 0.0);
	ck_assert_double_eq(rl.burst, 1);
	ratelimit_init(&rl, 7, 0, 0.0);
	ck_assert_double_eq(rl.burst, 7);
}
END_TEST

START_TEST(test_first_come_first_served)
{
	struct ratelimit rl;
	uint64_t a, b;

	ratelimit_init(&rl, 10, 1, 0.0);
	a = ratelimit_ticket(&rl);
	ck_assert_double_eq(ratelimit_try(&rl, a, 0.0), 0);
	a = ratelimit_ticket(&rl);
	b = ratelimit_ticket(&rl);
	/* b asks first, when a token is there: still a's turn */
	ck_assert_double_gt(ratelimit_try(&rl, b, 0.1), 0);
	ck_assert_double_eq(ratelimit_try(&rl, a, 0.1), 0);
	/* then b's, a tenth of a second later: evenly spaced, never two
	 * at once */
	ck_assert_double_eq_tol(ratelimit_try(&rl, b, 0.1), 0.1, EPS);
	ck_assert_double_eq(ratelimit_try(&rl, b, 0.2), 0);
	ck_assert_uint_eq(rl.serving, rl.next_ticket);
}
END_TEST

/* With tokens for all, a request behind others still waits for its turn:
 * the ones before it take their tokens in order, none is skipped. */
START_TEST(test_turns_kept_with_a_full_bucket)
{
	struct ratelimit rl;
	uint64_t t[8];
	int i;

	ratelimit_init(&rl, 10, 20, 0.0);
	for (i = 0; i < 8; i++)
		t[i] = ratelimit_ticket(&rl);
	for (i = 7; i > 0; i--)
		ck_assert_double_gt(ratelimit_try(&rl, t[i], 0.0), 0);
	for (i = 0; i < 8; i++)
		ck_assert_double_eq(ratelimit_try(&rl, t[i], 0.0), 0);
	ck_assert_uint_eq(rl.serving, 8);
	ck_assert_double_eq_tol(rl.tokens, 12, 1e-9);
}
END_TEST

START_TEST(test_one_cut_per_round)
{
	struct ratelimit rl;
	uint64_t t;
	int cut = 0;

	ratelimit_init(&rl, 20, 40, 0.0);
	/* 16 requests go at once; every one is throttled */
	for (int i = 0; i < 16; i++) {
		t = ratelimit_ticket(&rl);
		ck_assert_double_eq(ratelimit_try(&rl, t, 0.0), 0);
	}
	for (int i = 0; i < 16; i++)
		cut += ratelimit_reply(&rl, 0.0, RATELIMIT_THROTTLED,
				       0.05 + i * 0.001);
	/* the first reply cut the rate; the other 15 were on their way
	 * already: no second cut */
	ck_assert_int_eq(cut, 1);
	ck_assert_uint_eq(rl.cuts, 1);
	ck_assert_double_eq(rl.rate, 10);
	ck_assert_double_eq(rl.cut_at, 0.05);
	/* nobody goes before a token grew back at the new rate, however
	 * much burst was left */
	t = ratelimit_ticket(&rl);
	ck_assert_double_gt(ratelimit_try(&rl, t, 0.05), 0);
	ck_assert_double_eq(ratelimit_try(&rl, t, 0.15), 0);
	/* a request sent after the cut and throttled: a new cut */
	ck_assert_int_eq(ratelimit_reply(&rl, 0.15, RATELIMIT_THROTTLED, 0.2),
			 1);
	ck_assert_double_eq(rl.rate, 5);
	ck_assert_uint_eq(rl.cuts, 2);
}
END_TEST

START_TEST(test_climbs_back)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 10, 10, 0.0);
	ratelimit_reply(&rl, 0.0, RATELIMIT_THROTTLED, 1.0);
	ck_assert_double_eq(rl.rate, 5);
	/* successes of requests sent before the cut do not undo it */
	for (int i = 0; i < 15; i++)
		ck_assert_int_eq(ratelimit_reply(&rl, 0.5, RATELIMIT_OK, 1.1), 0);
	ck_assert_double_eq(rl.rate, 5);
	/* other failures say nothing of the rate */
	ratelimit_reply(&rl, 1.2, RATELIMIT_OTHER, 1.3);
	ck_assert_double_eq(rl.rate, 5);
	ck_assert_uint_eq(rl.cuts, 1);
	/* each success sent after it: a twentieth of the configured rate */
	ratelimit_reply(&rl, 1.2, RATELIMIT_OK, 1.3);
	ck_assert_double_eq_tol(rl.rate, 5.5, EPS);
	for (int i = 0; i < 20; i++)
		ratelimit_reply(&rl, 1.4, RATELIMIT_OK, 1.5);
	ck_assert_double_eq(rl.rate, 10);       /* never above it */
}
END_TEST

START_TEST(test_waiter_goes_at_the_new_rate)
{
	struct ratelimit rl;
	uint64_t t;
	double now = 0;

	/* cut down to the floor ... */
	ratelimit_init(&rl, 10, 1, 0.0);
	for (int i = 1; i <= 10; i++) {
		ratelimit_reply(&rl, now, RATELIMIT_THROTTLED, i * 0.01);
		now = i * 0.01;
	}
	ck_assert_double_eq(rl.rate, RATELIMIT_FLOOR);
	/* ... a waiter is ten seconds from its token at that rate */
	t = ratelimit_ticket(&rl);
	ck_assert_double_eq_tol(ratelimit_try(&rl, t, 0.1), 10, EPS);
	/* the rate comes back (successes of requests sent meanwhile):
	 * the waiter goes at the rate of now, not of when it began */
	for (int i = 0; i < 20; i++)
		ratelimit_reply(&rl, 0.2, RATELIMIT_OK, 0.3);
	ck_assert_double_eq(rl.rate, 10);
	ck_assert_double_eq(ratelimit_try(&rl, t, 0.41), 0);
}
END_TEST

START_TEST(test_floor)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 1, 1, 0.0);
	for (int i = 1; i <= 50; i++)
		ratelimit_reply(&rl, i, RATELIMIT_THROTTLED, i);
	ck_assert_double_eq(rl.rate, RATELIMIT_FLOOR);
	/* a configured rate under the floor is its own floor */
	ratelimit_init(&rl, 0.05, 1, 0.0);
	ratelimit_reply(&rl, 0, RATELIMIT_THROTTLED, 1);
	ck_assert_double_eq(rl.rate, 0.05);
}
END_TEST

/* --- adaptive (RATELIMIT_AUTO) ---------------------------------------- */

/* Before any throttle: no pace, whatever the number of requests. */
START_TEST(test_auto_unpaced)
{
	struct ratelimit rl;

	ratelimit_init(&rl, RATELIMIT_AUTO, 0, 5.0);
	for (int i = 0; i < 10000; i++) {
		uint64_t t = ratelimit_ticket(&rl);

		ck_assert_double_eq(ratelimit_try(&rl, t, 5.0), 0);
		ck_assert_int_eq(ratelimit_reply(&rl, 5.0, RATELIMIT_OK, 5.0), 0);
	}
	ck_assert_int_eq(rl.engaged, 0);
	/* other failures say nothing of the rate */
	ck_assert_int_eq(ratelimit_reply(&rl, 5.0, RATELIMIT_OTHER, 5.0), 0);
	ck_assert_int_eq(rl.engaged, 0);
}
END_TEST

/* Replies at 100/s, then a throttle: the pace is 0.7 x the measured rate,
 * the bucket empty; a second throttle of the same round is not a cut. */
START_TEST(test_auto_cut_to_measured)
{
	struct ratelimit rl;
	double now = 0;
	uint64_t t;

	ratelimit_init(&rl, RATELIMIT_AUTO, 0, 0.0);
	for (int i = 0; i < 200; i++) {
		now = i * 0.01;
		ratelimit_reply(&rl, now - 0.05, RATELIMIT_OK, now);
	}
	ck_assert_double_eq_tol(ratelimit_measured(&rl, now), 100, 3);
	ck_assert_int_eq(ratelimit_reply(&rl, now - 0.05, RATELIMIT_THROTTLED,
					 now), 1);
	ck_assert_int_eq(rl.engaged, 1);
	ck_assert_double_eq_tol(rl.rate, 70, 2.5);
	ck_assert_double_eq_tol(rl.w_max, 100, 3.5);
	/* sent before the cut: already acted on */
	ck_assert_int_eq(ratelimit_reply(&rl, now - 0.01, RATELIMIT_THROTTLED,
					 now + 0.01), 0);
	ck_assert_double_eq_tol(rl.rate, 70, 2.5);
	/* nobody goes before a token has grown at the new rate */
	t = ratelimit_ticket(&rl);
	ck_assert_double_eq_tol(ratelimit_try(&rl, t, now), 1 / rl.rate, 1e-6);
	ck_assert_double_eq(ratelimit_try(&rl, t, now + 1 / rl.rate), 0);
	/* a throttle of a request sent after the cut cuts again, from the
	 * pace (lower than what was measured before it) */
	ck_assert_int_eq(ratelimit_reply(&rl, now + 0.02, RATELIMIT_THROTTLED,
					 now + 0.03), 1);
	ck_assert_double_lt(rl.rate, 70 * RATELIMIT_BETA + 1e-6);
	ck_assert_uint_eq(rl.cuts, 2);
}
END_TEST

/* After a cut, successes raise the rate along the cubic: back to the
 * rate of the throttle after k seconds, then above it (probing), never
 * above twice the measured rate; a new throttle cuts it again. */
START_TEST(test_auto_recovers)
{
	struct ratelimit rl;
	double now = 0, at_k = 0, before;

	ratelimit_init(&rl, RATELIMIT_AUTO, 0, 0.0);
	for (int i = 0; i < 100; i++) {
		now = i * 0.05;                 /* 20/s */
		ratelimit_reply(&rl, now - 0.05, RATELIMIT_OK, now);
	}
	ratelimit_reply(&rl, now, RATELIMIT_THROTTLED, now);
	ck_assert_double_eq_tol(rl.w_max, 20, 1.5);
	ck_assert_double_eq_tol(rl.k, cbrt(rl.w_max * (1 - RATELIMIT_BETA) /
					   RATELIMIT_SCALE), 1e-9);
	before = rl.rate;
	/* successes at the new pace: the rate climbs, concave then convex */
	for (double t = now + 0.1; t < now + 6; t += 1 / rl.rate) {
		ck_assert_int_eq(ratelimit_reply(&rl, t - 0.05, RATELIMIT_OK,
						 t), 0);
		ck_assert_double_ge(rl.rate, before);   /* never down */
		before = rl.rate;
		if (!at_k && t >= rl.cut_at + rl.k)
			at_k = rl.rate;
		ck_assert_double_le(rl.rate, 2 * ratelimit_measured(&rl, t) +
				    1e-9);
	}
	ck_assert_double_eq_tol(at_k, rl.w_max, 1.5);
	ck_assert_double_gt(rl.rate, rl.w_max);         /* probing above */
	/* throttled again: cut from where it got to */
	before = rl.rate;
	now += 6;
	ck_assert_int_eq(ratelimit_reply(&rl, now, RATELIMIT_THROTTLED, now), 1);
	ck_assert_double_lt(rl.rate, before);
}
END_TEST

/* A pause is not a rate: after 100 s without a request, a throttle cuts
 * from the rate of before the pause, not from a rate averaged over it. */
START_TEST(test_auto_idle_is_not_a_rate)
{
	struct ratelimit rl;
	double now = 0;

	ratelimit_init(&rl, RATELIMIT_AUTO, 0, 0.0);
	for (int i = 0; i < 200; i++) {
		now = i * 0.01;
		ratelimit_reply(&rl, now - 0.05, RATELIMIT_OK, now);
	}
	for (int i = 0; i < 10; i++) {
		now = 100 + i * 0.01;
		ratelimit_reply(&rl, now - 0.05, RATELIMIT_OK, now);
	}
	ratelimit_reply(&rl, now, RATELIMIT_THROTTLED, now);
	ck_assert_double_gt(rl.rate, 50);
}
END_TEST

/* A simulated service with a quota (a token bucket of 10/s, burst 20)
 * and 16 requests always waiting (50 ms each): the adaptive limiter
 * finds the quota and keeps it busy -- the successes are those of the
 * quota within 5% -- with few throttles; with a set rate of 5 (a
 * ceiling) nothing goes faster than it and nothing is throttled. */
struct sim {
	double quota, qburst, qtokens, qlast;
	int ok, throttled, sent;
};

static int sim_serve(struct sim *s, double now)
{
	s->qtokens += (now - s->qlast) * s->quota;
	if (s->qtokens > s->qburst)
		s->qtokens = s->qburst;
	s->qlast = now;
	s->sent++;
	if (s->qtokens >= 1) {
		s->qtokens -= 1;
		s->ok++;
		return 1;
	}
	s->throttled++;
	return 0;
}

static void simulate(struct ratelimit *rl, struct sim *s, double secs)
{
	enum { N = 16 };
	double due[N], sent[N], now = 0, dt = 0.001;
	int ok[N], waiting[N];
	uint64_t ticket[N];

	for (int i = 0; i < N; i++) {
		due[i] = -1;
		waiting[i] = 0;
	}
	for (now = 0; now < secs; now += dt) {
		for (int i = 0; i < N; i++) {
			if (due[i] >= 0 && now >= due[i]) {
				ratelimit_reply(rl, sent[i], ok[i] ?
						RATELIMIT_OK :
						RATELIMIT_THROTTLED, now);
				due[i] = -1;
			}
			if (due[i] < 0 && !waiting[i]) {
				ticket[i] = ratelimit_ticket(rl);
				waiting[i] = 1;
			}
		}
		/* in turn: whoever may go now */
		for (int again = 1; again;) {
			again = 0;
			for (int i = 0; i < N; i++)
				if (waiting[i] &&
				    ratelimit_try(rl, ticket[i], now) == 0) {
					waiting[i] = 0;
					sent[i] = now;
					ok[i] = sim_serve(s, now);
					due[i] = now + 0.05;
					again = 1;
				}
		}
	}
}

START_TEST(test_auto_holds_the_quota)
{
	struct ratelimit rl;
	struct sim s = {.quota = 10, .qburst = 20, .qtokens = 20};

	ratelimit_init(&rl, RATELIMIT_AUTO, 0, 0.0);
	simulate(&rl, &s, 120);
	/* the quota's own bound: 20 + 10/s */
	ck_assert_int_le(s.ok, 20 + 1200 + 1);
	ck_assert_int_ge(s.ok, (int)(0.95 * 1220));
	/* throttles are the probes, not the traffic */
	ck_assert_int_lt(s.throttled, s.ok / 4);
	ck_assert_int_eq(rl.engaged, 1);
	ck_assert_double_lt(rl.rate, 20);
}
END_TEST

START_TEST(test_ceiling_honoured)
{
	struct ratelimit rl;
	struct sim s = {.quota = 10, .qburst = 20, .qtokens = 20};

	ratelimit_init(&rl, 5, 10, 0.0);
	simulate(&rl, &s, 60);
	ck_assert_int_eq(s.throttled, 0);
	ck_assert_int_le(s.sent, 10 + 5 * 60 + 1);
	ck_assert_int_ge(s.sent, 5 * 60 - 1);
	ck_assert_double_eq(rl.rate, 5);
	/* no throttle: the ceiling stays where it was set */
	ck_assert_uint_eq(rl.cuts, 0);
}
END_TEST

/* Threads share one limiter under a lock, as lib/aws.c does (a ticket,
 * waits on a condition, replies): every request goes out once, in the
 * order of its ticket, and a throttle from one thread paces the others.
 * Runs under ThreadSanitizer (the concurrency suite). */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t turn;
	struct ratelimit rl;
	uint64_t gone;                  /* tickets that went, in order */
	int out_of_order;
} sh = { .lock = PTHREAD_MUTEX_INITIALIZER,
	  .turn = PTHREAD_COND_INITIALIZER };

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *thread_worker(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < 200; i++) {
		uint64_t t;
		double now, w;

		pthread_mutex_lock(&sh.lock);
		t = ratelimit_ticket(&sh.rl);
		while ((w = ratelimit_try(&sh.rl, t, now = mono())) > 0) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)(w * 1e9) + 1000;
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&sh.turn, &sh.lock, &ts);
		}
		if (t != sh.gone)
			sh.out_of_order++;
		sh.gone++;
		pthread_cond_broadcast(&sh.turn);
		pthread_mutex_unlock(&sh.lock);
		pthread_mutex_lock(&sh.lock);
		ratelimit_reply(&sh.rl, now, id == 0 && i == 100 ?
				RATELIMIT_THROTTLED : RATELIMIT_OK, mono());
		pthread_cond_broadcast(&sh.turn);
		pthread_mutex_unlock(&sh.lock);
	}
	return NULL;
}

START_TEST(test_auto_threads)
{
	pthread_t th[8];

	ratelimit_init(&sh.rl, RATELIMIT_AUTO, 0, mono());
	for (long i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, thread_worker,
						(void *)i), 0);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	ck_assert_uint_eq(sh.gone, 1600);
	ck_assert_uint_eq(sh.rl.serving, 1600);
	ck_assert_int_eq(sh.out_of_order, 0);
	ck_assert_uint_eq(sh.rl.cuts, 1);
	ck_assert_int_eq(sh.rl.engaged, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_burst_then_rate);
	tcase_add_test(tc, test_first_come_first_served);
	tcase_add_test(tc, test_turns_kept_with_a_full_bucket);
	tcase_add_test(tc, test_one_cut_per_round);
	tcase_add_test(tc, test_climbs_back);
	tcase_add_test(tc, test_waiter_goes_at_the_new_rate);
	tcase_add_test(tc, test_floor);
	tcase_add_test(tc, test_auto_unpaced);
	tcase_add_test(tc, test_auto_cut_to_measured);
	tcase_add_test(tc, test_auto_recovers);
	tcase_add_test(tc, test_auto_idle_is_not_a_rate);
	tcase_add_test(tc, test_auto_holds_the_quota);
	tcase_add_test(tc, test_ceiling_honoured);
	tcase_add_test(tc, test_auto_threads);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
