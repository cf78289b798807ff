/* test_awserr.c - the AWS error: filling, printing, the errno mapping */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awserr.h"

START_TEST(test_errno_table)
{
	static const struct { const char *code; int status, err; } t[] = {
		{"AccessDenied", 403, EACCES},
		{"AccessDeniedException", 400, EACCES},
		{"AccessDeniedForDependencyException", 400, EACCES},
		{"UnauthorizedException", 401, EACCES},
		{"UnrecognizedClientException", 400, EACCES},
		{"InvalidClientTokenId", 403, EACCES},
		{"SignatureDoesNotMatch", 403, EACCES},
		{"InvalidSignatureException", 403, EACCES},
		{"ExpiredTokenException", 400, EACCES},
		{"RegionDisabledException", 403, EACCES},
		{"Whatever", 403, EACCES},
		{"AccountNotFoundException", 400, ENOENT},
		{"ResourceNotFoundException", 404, ENOENT},
		{"EffectivePolicyNotFoundException", 400, ENOENT},
		{"NoSuchConfigurationAggregatorException", 400, ENOENT},
		{"Whatever", 404, ENOENT},
		{"TooManyRequestsException", 400, EIO},
		{"ThrottlingException", 429, EIO},
		{"SlowDown", 403, EIO},
		{"InternalFailure", 500, EIO},
		{"ServiceUnavailable", 503, EIO},
		{"InvalidInputException", 400, EIO},
		{"ResponseTooLarge", 0, EIO},
		{"MalformedResponse", 200, EIO},
		{"", 400, EIO},
		{NULL, 0, EIO},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(aws_error_to_errno(t[i].code, t[i].status) == t[i].err,
			      "%s/%d", t[i].code, t[i].status);
}
END_TEST

START_TEST(test_error_helpers)
{
	struct aws_error e;
	char s[256];

	aws_error_clear(&e);
	ck_assert_str_eq(aws_error_str(&e, s, sizeof(s)), "failed");
	aws_error_set(&e, ENOENT, "NoSuchThing", "no %s here\n", "thing");
	ck_assert_int_eq(e.err, ENOENT);
	ck_assert_str_eq(e.message, "no thing here");
	ck_assert_str_eq(aws_error_str(&e, s, sizeof(s)),
			 "NoSuchThing: no thing here");
	snprintf(e.operation, sizeof(e.operation), "config:X");
	snprintf(e.request_id, sizeof(e.request_id), "abc");
	ck_assert_str_eq(aws_error_str(&e, s, sizeof(s)),
			 "config:X: NoSuchThing: no thing here (request id abc)");
	e.request_id[0] = '\0';
	e.attempts = 4;
	ck_assert_str_eq(aws_error_str(&e, s, sizeof(s)),
			 "config:X: NoSuchThing: no thing here (4 attempts)");
	/* truncation is safe */
	ck_assert_str_eq(aws_error_str(&e, s, 9), "config:X");
}
END_TEST

START_TEST(test_fail)
{
	struct aws_error e;
	char big[600];

	memset(&e, 0x55, sizeof(e));
	ck_assert_int_eq(aws_error_fail(&e, "organizations", "ListRoots",
					ENOMEM, "OutOfMemory", "out of %s",
					"memory"), -ENOMEM);
	ck_assert_int_eq(e.err, ENOMEM);
	ck_assert_int_eq(e.http_status, 0);
	ck_assert_int_eq(e.attempts, 0);
	ck_assert_str_eq(e.code, "OutOfMemory");
	ck_assert_str_eq(e.message, "out of memory");
	ck_assert_str_eq(e.operation, "organizations:ListRoots");
	ck_assert_str_eq(e.request_id, "");
	/* the message is cut where the caller says, else where it fits */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	aws_error_fail(&e, "s", "Op", EIO, "MalformedResponse", "%s", big);
	ck_assert_uint_eq(strlen(e.message), sizeof(e.message) - 1);
	aws_error_set_operation(&e, "config", "Select");
	ck_assert_str_eq(e.operation, "config:Select");
}
END_TEST

static int vfail(struct aws_error *e, size_t cut, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = aws_error_vfail(e, "svc", "Op", EIO, "Code", cut, fmt, ap);
	va_end(ap);
	return rc;
}

START_TEST(test_vfail_cut)
{
	struct aws_error e;
	char big[600];

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(vfail(&e, 400, "%s", big), -EIO);
	ck_assert_uint_eq(strlen(e.message), 399);
	ck_assert_str_eq(e.operation, "svc:Op");
	vfail(&e, 0, "%s", big);
	ck_assert_uint_eq(strlen(e.message), sizeof(e.message) - 1);
	/* cut first, cleaned after: trailing blanks go */
	vfail(&e, 6, "ab \t\ncd");
	ck_assert_str_eq(e.message, "ab");
}
END_TEST

START_TEST(test_copy_clean)
{
	char out[8];

	aws_error_copy_clean(out, sizeof(out), "a\tb\x7f", 4);
	ck_assert_str_eq(out, "a b");
	/* a UTF-8 character is not cut in two */
	aws_error_copy_clean(out, sizeof(out), "abcdef\xc3\xa9", 8);
	ck_assert_str_eq(out, "abcdef");
	aws_error_copy_clean(out, 4, "abcdef", 6);
	ck_assert_str_eq(out, "abc");
	out[0] = 'z';
	aws_error_copy_clean(out, 0, "abc", 3);
	ck_assert_int_eq(out[0], 'z');
}
END_TEST

START_TEST(test_text)
{
	char out[16];

	aws_error_text(out, sizeof(out), "bad %s %d", "thing", 42);
	ck_assert_str_eq(out, "bad thing 42");
	aws_error_text(out, 5, "%s", "truncated");
	ck_assert_str_eq(out, "trun");
	aws_error_text(NULL, 10, "ignored");
	out[0] = 'z';
	aws_error_text(out, 0, "ignored");
	ck_assert_int_eq(out[0], 'z');
}
END_TEST

START_TEST(test_classes)
{
	ck_assert(aws_error_is_throttle("Throttling", 400));
	ck_assert(aws_error_is_throttle("429", 429));
	ck_assert(aws_error_is_throttle("", 429));
	ck_assert(!aws_error_is_throttle("Whatever", 429));
	ck_assert(!aws_error_is_throttle(NULL, 400));
	ck_assert(aws_error_is_transient("ConnectionError", 0));
	ck_assert(aws_error_is_transient("Whatever", 503));
	ck_assert(!aws_error_is_transient("Whatever", 501));
}
END_TEST

static Suite *awserr_suite(void)
{
	Suite *s = suite_create("awserr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_errno_table);
	tcase_add_test(tc, test_error_helpers);
	tcase_add_test(tc, test_fail);
	tcase_add_test(tc, test_vfail_cut);
	tcase_add_test(tc, test_copy_clean);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_classes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(awserr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
