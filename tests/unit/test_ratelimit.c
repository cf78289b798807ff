/* test_ratelimit.c - the client-side request rate: turns, cuts, climbs */
#include <check.h>
#include <stdlib.h>

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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
