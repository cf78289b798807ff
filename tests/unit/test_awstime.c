/* test_awstime.c - timestamp parsing and formatting */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "awstime.h"

struct iso_case {
	const char *in;
	int ok;
	time_t want;
};

static const struct iso_case iso_cases[] = {
	{"2021-07-01T09:30:00Z", 1, 1625131800},
	{"2021-07-01T09:30:00.123Z", 1, 1625131800},
	{"2021-07-01T09:30:00.123456789Z", 1, 1625131800},
	{"2021-07-01T09:30:00+02:00", 1, 1625131800 - 7200},
	{"2021-07-01T09:30:00-07:00", 1, 1625131800 + 25200},
	{"2021-07-01T09:30:00+0530", 1, 1625131800 - 19800},
	{"2021-07-01T09:30:00+05", 1, 1625131800 - 18000},
	{"2020-06-09T08:34:25.103000-07:00", 1, 1591716865},
	{"2019-11-14T04:05:45UTC", 1, 1573704345},
	{"2019-11-14T04:05:45 UTC", 1, 1573704345},
	{"2019-11-14T04:05:45", 1, 1573704345},
	{"2019-11-14 04:05:45Z", 1, 1573704345},
	{"2019-11-14t04:05:45z", 1, 1573704345},
	{"2019-11-14T04:05Z", 1, 1573704300},
	{"2019-11-14", 1, 1573689600},
	{"1970-01-01T00:00:00Z", 1, 0},
	{"2000-02-29T00:00:00Z", 1, 951782400},
	{"2016-12-31T23:59:60Z", 1, 1483228800},
	{"2038-01-19T03:14:08Z", 1, 2147483648LL},
	{"2100-03-01T00:00:00Z", 1, 4107542400LL},
	{"1900-02-29T00:00:00Z", 0, 0},
	{"2021-02-29T00:00:00Z", 0, 0},
	{"2021-13-01T00:00:00Z", 0, 0},
	{"2021-00-01T00:00:00Z", 0, 0},
	{"2021-07-32T00:00:00Z", 0, 0},
	{"2021-07-01T25:00:00Z", 0, 0},
	{"2021-07-01T09:60:00Z", 0, 0},
	{"2021-07-01T09:30:00.Z", 0, 0},
	{"2021-07-01T09:30:00+2:00", 0, 0},
	{"2021-07-01T09:30:00+24:00", 0, 0},
	{"2021-07-01T09:30:00 PST", 0, 0},
	{"2021-07-01T09:30:00Zjunk", 0, 0},
	{"21-07-01T09:30:00Z", 0, 0},
	{"2021/07/01", 0, 0},
	{"1625131800", 0, 0},
	{"", 0, 0},
	{"T", 0, 0},
};

START_TEST(test_iso_table)
{
	const struct iso_case *c = &iso_cases[_i];
	time_t t = 12345;
	int res = awstime_parse_iso8601(c->in, &t);

	if (c->ok) {
		ck_assert_msg(res == 0, "'%s' refused", c->in);
		ck_assert_msg(t == c->want, "'%s' gave %lld want %lld", c->in,
			      (long long)t, (long long)c->want);
	} else {
		ck_assert_msg(res == -EINVAL, "'%s' accepted as %lld", c->in,
			      (long long)t);
		ck_assert_int_eq(t, 12345);
	}
}
END_TEST

struct json_case {
	const char *json;       /* parsed with JSON_DECODE_ANY */
	int ok;
	time_t want;
};

static const struct json_case json_cases[] = {
	{"946845296", 1, 946845296},
	{"1591716865.103", 1, 1591716865},
	{"1.515115602E9", 1, 1515115602},
	{"1.79e9", 1, 1790000000},
	{"1603573015", 1, 1603573015},
	{"0", 1, 0},
	{"\"2021-07-01T09:30:00Z\"", 1, 1625131800},
	{"\"2019-11-14T04:05:45UTC\"", 1, 1573704345},
	{"\"1603573015\"", 1, 1603573015},
	{"\"1603573015.5\"", 1, 1603573015},
	{"\"\"", 0, 0},
	{"\"soon\"", 0, 0},
	{"\"12a\"", 0, 0},
	{"\"-5\"", 0, 0},
	{"null", 0, 0},
	{"true", 0, 0},
	{"[1]", 0, 0},
	{"{}", 0, 0},
	{"1e300", 0, 0},
};

START_TEST(test_json_table)
{
	const struct json_case *c = &json_cases[_i];
	json_error_t jerr;
	json_t *v = json_loads(c->json, JSON_DECODE_ANY, &jerr);
	time_t t = 777;
	int res;

	ck_assert_msg(v != NULL, "bad fixture %s", c->json);
	res = awstime_from_json(v, &t);
	if (c->ok) {
		ck_assert_msg(res == 0, "%s refused", c->json);
		ck_assert_msg(t == c->want, "%s gave %lld want %lld", c->json,
			      (long long)t, (long long)c->want);
	} else {
		ck_assert_msg(res == -EINVAL, "%s accepted", c->json);
		ck_assert_int_eq(t, 777);
	}
	json_decref(v);
}
END_TEST

START_TEST(test_null_input)
{
	time_t t;

	ck_assert_int_eq(awstime_from_json(NULL, &t), -EINVAL);
	ck_assert_int_eq(awstime_parse_iso8601(NULL, &t), -EINVAL);
}
END_TEST

START_TEST(test_format_roundtrip)
{
	static const time_t ts[] = {0, 1, 951782400, 1625131800,
				    2147483648LL, 4107542400LL};
	char out[21];
	time_t back;

	awstime_format(1625131800, out);
	ck_assert_str_eq(out, "2021-07-01T09:30:00Z");
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		awstime_format(ts[i], out);
		ck_assert_int_eq(awstime_parse_iso8601(out, &back), 0);
		ck_assert_int_eq(back, ts[i]);
	}
}
END_TEST

static Suite *awstime_suite(void)
{
	Suite *s = suite_create("awstime");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_iso_table, 0,
			    sizeof(iso_cases) / sizeof(iso_cases[0]));
	tcase_add_loop_test(tc, test_json_table, 0,
			    sizeof(json_cases) / sizeof(json_cases[0]));
	tcase_add_test(tc, test_null_input);
	tcase_add_test(tc, test_format_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(awstime_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
