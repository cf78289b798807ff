/* test_ids.c - Organizations identifiers against AWS's documented
 * patterns (lib/ids.h), with the hostile ones an endpoint could send */
#include <check.h>
#include <stdlib.h>

#include "ids.h"

typedef int (*check_fn)(const char *);

static const struct itest {
	check_fn f;
	const char *s;
	int ok;
} cases[] = {
	{ ids_is_account, "123456789012", 1 },
	{ ids_is_account, "000000000000", 1 },
	{ ids_is_account, "12345678901", 0 },
	{ ids_is_account, "1234567890123", 0 },
	{ ids_is_account, "12345678901a", 0 },
	{ ids_is_account, "../../../tmp", 0 },
	{ ids_is_account, "a/b/c", 0 },
	{ ids_is_account, "", 0 },
	{ ids_is_account, "12345678901\n", 0 },
	{ ids_is_account, " 123456789012", 0 },
	{ ids_is_root, "r-ab12", 1 },
	{ ids_is_root, "r-abcdefghijklmnopqrstuvwxyz012345", 1 },   /* 32 */
	{ ids_is_root, "r-abcdefghijklmnopqrstuvwxyz0123456", 0 },  /* 33 */
	{ ids_is_root, "r-abc", 0 },
	{ ids_is_root, "r-AB12", 0 },
	{ ids_is_root, "r-ab12/..", 0 },
	{ ids_is_root, "r-", 0 },
	{ ids_is_ou, "ou-ab12-abcdefgh", 1 },
	{ ids_is_ou, "ou-ab12-abcdefgh0123456789abcdefghijklmno", 0 }, /* 33 */
	{ ids_is_ou, "ou-ab12-abcdefgh0123456789abcdefghijklmn", 1 }, /* 32 */
	{ ids_is_ou, "ou-ab12-abcdefg", 0 },
	{ ids_is_ou, "ou-ab1-abcdefgh", 0 },
	{ ids_is_ou, "ou-ab12abcdefgh", 0 },
	{ ids_is_ou, "ou-ab12-abcdefgh-", 0 },
	{ ids_is_ou, "ou-ab12-ABCDEFGH", 0 },
	{ ids_is_ou, "ou-ab12-../../..", 0 },
	{ ids_is_ou, "ou-..", 0 },
	{ ids_is_org, "o-abcdefghij", 1 },
	{ ids_is_org, "o-abcdefghi", 0 },
	{ ids_is_org, "o-abcdefghij/", 0 },
	{ ids_is_policy, "p-FullAWSAccess", 1 },    /* AWS-managed */
	{ ids_is_policy, "p-abcd1234", 1 },
	{ ids_is_policy, "p-ab_CD_12", 1 },
	{ ids_is_policy, "p-abcd123", 0 },
	{ ids_is_policy, "p-abcd-1234", 0 },
	{ ids_is_policy, "p-../../../etc", 0 },
	{ ids_is_policy, "p-.", 0 },
	{ ids_is_parent, "r-ab12", 1 },
	{ ids_is_parent, "ou-ab12-abcdefgh", 1 },
	{ ids_is_parent, "123456789012", 0 },
	{ ids_is_target, "123456789012", 1 },
	{ ids_is_target, "r-ab12", 1 },
	{ ids_is_target, "ou-ab12-abcdefgh", 1 },
	{ ids_is_target, "p-abcd1234", 0 },
	{ ids_is_target, "..", 0 },
	{ ids_is_org_arn, "", 1 },
	{ ids_is_org_arn,
	  "arn:aws:organizations::111111111111:account/o-abcdefghij/123456789012", 1 },
	{ ids_is_org_arn,
	  "arn:aws-us-gov:organizations::111111111111:ou/o-abcdefghij/ou-ab12-abcdefgh", 1 },
	{ ids_is_org_arn,
	  "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess", 1 },
	{ ids_is_org_arn,
	  "arn:aws:organizations::111111111111:root/o-abcdefghij/r-ab12", 1 },
	{ ids_is_org_arn,
	  "arn:aws:organizations::111111111111:organization/o-abcdefghij", 1 },
	{ ids_is_org_arn,
	  "arn:aws:organizations::111111111111:policy/o-abcdefghij/tag_policy/p-abcd1234", 1 },
	{ ids_is_org_arn,
	  "arn:aws:organizations::111111111111:account/../../x", 0 },
	{ ids_is_org_arn,
	  "arn:aws:organizations::111111111111:account/o-abcdefghij/123456789012/", 0 },
	{ ids_is_org_arn,
	  "arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-../..", 0 },
	{ ids_is_org_arn,
	  "arn:aws:organizations::aws:account/o-abcdefghij/123456789012", 0 },
	{ ids_is_org_arn,
	  "arn:aws:organizations::aws:policy/Bad-Type/p-FullAWSAccess", 0 },
	{ ids_is_org_arn, "arn:aws:iam::111111111111:role/x", 0 },
	{ ids_is_org_arn, "arn:aws:organizations:us-east-1:111111111111:account/o-a/1", 0 },
	{ ids_is_org_arn, "arn:aws:organizations::../../x:account/o", 0 },
	{ ids_is_org_arn, "arn:evil:organizations::111111111111:account/o", 0 },
	{ ids_is_org_arn, "arn:aws:organizations::111111111111:thing/o", 0 },
	{ ids_is_org_arn, "not an arn", 0 },
};

START_TEST(test_patterns)
{
	const struct itest *t = &cases[_i];

	ck_assert_msg(t->f(t->s) == t->ok, "case %d: \"%s\" as %s: want %d",
		      _i, t->s, ids_describe(t->f), t->ok);
}
END_TEST

START_TEST(test_null_and_describe)
{
	ck_assert(!ids_is_account(NULL));
	ck_assert(!ids_is_ou(NULL));
	ck_assert(!ids_is_policy(NULL));
	ck_assert(!ids_is_org_arn(NULL));
	ck_assert_str_eq(ids_describe(ids_is_account),
			 "an account id (12 digits)");
	ck_assert_str_eq(ids_describe(ids_is_ou),
			 "an OU id (ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})");
	/* the form by-name/ and tree/ give shared names */
	ck_assert(ids_name_has_id_suffix("dup (123456789012)"));
	ck_assert(ids_name_has_id_suffix("x (ou-ab12-abcdefgh)"));
	ck_assert(ids_name_has_id_suffix(" (r-ab12)"));
	ck_assert(!ids_name_has_id_suffix("dup (12345678901)"));
	ck_assert(!ids_name_has_id_suffix("dup(123456789012)"));
	ck_assert(!ids_name_has_id_suffix("dup (123456789012) "));
	ck_assert(!ids_name_has_id_suffix("(123456789012)"));
	ck_assert(!ids_name_has_id_suffix(NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ids");
	TCase *tc = tcase_create("Core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_patterns, 0,
			    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_null_and_describe);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
