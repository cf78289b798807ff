/* test_arn.c - ARNs taken apart, and the resource list helpers of model.c */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arn.h"
#include "model.h"

static const struct atest {
	const char *arn;
	const char *partition, *service, *region, *account, *type, *id;
} good[] = {
	/* type/id */
	{ "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abcdef1234567890",
	  "aws", "ec2", "eu-west-1", "123456789012", "instance",
	  "i-0abcdef1234567890" },
	{ "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0e9801d129EXAMPLE",
	  "aws", "ec2", "us-east-1", "123456789012", "vpc",
	  "vpc-0e9801d129EXAMPLE" },
	{ "arn:aws:ec2:us-east-1:123456789012:volume/vol-049df61146c4d7901",
	  "aws", "ec2", "us-east-1", "123456789012", "volume",
	  "vol-049df61146c4d7901" },
	{ "arn:aws:ec2:us-east-1:123456789012:security-group/sg-903004f8",
	  "aws", "ec2", "us-east-1", "123456789012", "security-group",
	  "sg-903004f8" },
	{ "arn:aws:ec2:us-east-1::image/ami-1a2b3c4d",
	  "aws", "ec2", "us-east-1", "", "image", "ami-1a2b3c4d" },
	/* bare names: the service's default type */
	{ "arn:aws:sns:us-east-1:123456789012:my_corporate_topic",
	  "aws", "sns", "us-east-1", "123456789012", "topic",
	  "my_corporate_topic" },
	{ "arn:aws:sns:us-east-1:123456789012:my_topic:"
	  "a07e1034-10c0-47a6-83c2-552cfcca42db",
	  "aws", "sns", "us-east-1", "123456789012", "subscription",
	  "my_topic:a07e1034-10c0-47a6-83c2-552cfcca42db" },
	{ "arn:aws:sqs:eu-west-1:123456789012:orders-queue.fifo",
	  "aws", "sqs", "eu-west-1", "123456789012", "queue",
	  "orders-queue.fifo" },
	{ "arn:aws:codecommit:us-east-2:123456789012:MyDemoRepo",
	  "aws", "codecommit", "us-east-2", "123456789012", "repository",
	  "MyDemoRepo" },
	{ "arn:aws:iam::123456789012:root",
	  "aws", "iam", "global", "123456789012", "", "root" },
	/* S3: no region, no account */
	{ "arn:aws:s3:::my-bucket.example.com",
	  "aws", "s3", "global", "", "bucket", "my-bucket.example.com" },
	{ "arn:aws:s3:::my-bucket/photos/2024/cat.jpg",
	  "aws", "s3", "global", "", "object", "my-bucket/photos/2024/cat.jpg" },
	{ "arn:aws:s3:us-west-2:123456789012:accesspoint/test",
	  "aws", "s3", "us-west-2", "123456789012", "accesspoint", "test" },
	/* type:id, qualifiers kept */
	{ "arn:aws:lambda:us-west-2:123456789012:function:my-function",
	  "aws", "lambda", "us-west-2", "123456789012", "function",
	  "my-function" },
	{ "arn:aws:lambda:us-west-2:123456789012:function:my-function:PROD",
	  "aws", "lambda", "us-west-2", "123456789012", "function",
	  "my-function:PROD" },
	{ "arn:aws:lambda:us-west-2:123456789012:function:my-function:42",
	  "aws", "lambda", "us-west-2", "123456789012", "function",
	  "my-function:42" },
	{ "arn:aws:rds:eu-west-1:123456789012:db:mysql-db-instance1",
	  "aws", "rds", "eu-west-1", "123456789012", "db",
	  "mysql-db-instance1" },
	{ "arn:aws:rds:us-east-2:123456789012:cluster:my-aurora-cluster-1",
	  "aws", "rds", "us-east-2", "123456789012", "cluster",
	  "my-aurora-cluster-1" },
	{ "arn:aws:states:us-east-1:123456789012:stateMachine:HelloWorld",
	  "aws", "states", "us-east-1", "123456789012", "stateMachine",
	  "HelloWorld" },
	{ "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
	  "prod/db/password-a1b2c3",
	  "aws", "secretsmanager", "us-east-1", "123456789012", "secret",
	  "prod/db/password-a1b2c3" },
	{ "arn:aws:cloudwatch:us-east-1:123456789012:alarm:High CPU on web",
	  "aws", "cloudwatch", "us-east-1", "123456789012", "alarm",
	  "High CPU on web" },
	{ "arn:aws:elasticache:us-east-2:123456789012:cluster:my-redis",
	  "aws", "elasticache", "us-east-2", "123456789012", "cluster",
	  "my-redis" },
	/* logs: ":*" is not part of the id */
	{ "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*",
	  "aws", "logs", "us-east-1", "123456789012", "log-group",
	  "/aws/lambda/f" },
	{ "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f",
	  "aws", "logs", "us-east-1", "123456789012", "log-group",
	  "/aws/lambda/f" },
	{ "arn:aws:logs:eu-west-1:123456789012:log-group:app#3:log-stream:s1",
	  "aws", "logs", "eu-west-1", "123456789012", "log-group",
	  "app#3:log-stream:s1" },
	/* paths kept */
	{ "arn:aws:dynamodb:us-east-1:123456789012:table/Books",
	  "aws", "dynamodb", "us-east-1", "123456789012", "table", "Books" },
	{ "arn:aws:dynamodb:us-east-1:123456789012:table/Books/stream/"
	  "2015-05-11T21:21:33.291",
	  "aws", "dynamodb", "us-east-1", "123456789012", "table",
	  "Books/stream/2015-05-11T21:21:33.291" },
	{ "arn:aws:iam::123456789012:role/service-role/lambda-exec",
	  "aws", "iam", "global", "123456789012", "role",
	  "service-role/lambda-exec" },
	{ "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole",
	  "aws", "iam", "global", "123456789012", "role",
	  "OrganizationAccountAccessRole" },
	{ "arn:aws:iam::aws:policy/AdministratorAccess",
	  "aws", "iam", "global", "aws", "policy", "AdministratorAccess" },
	{ "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE",
	  "aws", "cloudfront", "global", "123456789012", "distribution",
	  "EDFDVBD6EXAMPLE" },
	{ "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/"
	  "app/my-load-balancer/50dc6c495c0c9188",
	  "aws", "elasticloadbalancing", "us-west-2", "123456789012",
	  "loadbalancer", "app/my-load-balancer/50dc6c495c0c9188" },
	{ "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/"
	  "my-targets/73e2d6bc24d8a067",
	  "aws", "elasticloadbalancing", "us-west-2", "123456789012",
	  "targetgroup", "my-targets/73e2d6bc24d8a067" },
	{ "arn:aws:ecs:us-east-1:123456789012:cluster/default",
	  "aws", "ecs", "us-east-1", "123456789012", "cluster", "default" },
	{ "arn:aws:ecs:us-east-1:123456789012:service/default/web",
	  "aws", "ecs", "us-east-1", "123456789012", "service", "default/web" },
	{ "arn:aws:kms:us-east-1:123456789012:key/"
	  "1234abcd-12ab-34cd-56ef-1234567890ab",
	  "aws", "kms", "us-east-1", "123456789012", "key",
	  "1234abcd-12ab-34cd-56ef-1234567890ab" },
	{ "arn:aws:acm:us-east-1:123456789012:certificate/"
	  "12345678-1234-1234-1234-123456789012",
	  "aws", "acm", "us-east-1", "123456789012", "certificate",
	  "12345678-1234-1234-1234-123456789012" },
	{ "arn:aws:ecr:us-east-1:123456789012:repository/team/app",
	  "aws", "ecr", "us-east-1", "123456789012", "repository",
	  "team/app" },
	{ "arn:aws:events:us-east-1:123456789012:rule/nightly-build",
	  "aws", "events", "us-east-1", "123456789012", "rule",
	  "nightly-build" },
	{ "arn:aws:ssm:us-east-1:123456789012:parameter/prod/db/url",
	  "aws", "ssm", "us-east-1", "123456789012", "parameter",
	  "prod/db/url" },
	{ "arn:aws:route53:::hostedzone/Z148QEXAMPLE8V",
	  "aws", "route53", "global", "", "hostedzone", "Z148QEXAMPLE8V" },
	{ "arn:aws:cloudformation:us-east-1:123456789012:stack/web/"
	  "c1b4e8a0-1234-11ee-8c99-0242ac120002",
	  "aws", "cloudformation", "us-east-1", "123456789012", "stack",
	  "web/c1b4e8a0-1234-11ee-8c99-0242ac120002" },
	/* API Gateway: no account, the resource starts with '/' */
	{ "arn:aws:apigateway:us-east-1::/restapis/a123456789",
	  "aws", "apigateway", "us-east-1", "", "restapis", "a123456789" },
	{ "arn:aws:apigateway:us-east-1::/restapis/a123456789/stages/prod",
	  "aws", "apigateway", "us-east-1", "", "restapis",
	  "a123456789/stages/prod" },
	/* Organizations */
	{ "arn:aws:organizations::111111111111:account/o-exampleorgid/"
	  "222222222222",
	  "aws", "organizations", "global", "111111111111", "account",
	  "o-exampleorgid/222222222222" },
	{ "arn:aws:organizations::111111111111:ou/o-exampleorgid/"
	  "ou-ab12-cdef3456",
	  "aws", "organizations", "global", "111111111111", "ou",
	  "o-exampleorgid/ou-ab12-cdef3456" },
	{ "arn:aws:organizations::aws:policy/service_control_policy/"
	  "p-FullAWSAccess",
	  "aws", "organizations", "global", "aws", "policy",
	  "service_control_policy/p-FullAWSAccess" },
	/* other partitions */
	{ "arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-0123456789abcdef0",
	  "aws-cn", "ec2", "cn-north-1", "123456789012", "instance",
	  "i-0123456789abcdef0" },
	{ "arn:aws-us-gov:s3:::gov-bucket",
	  "aws-us-gov", "s3", "global", "", "bucket", "gov-bucket" },
	{ "arn:aws-us-gov:iam::123456789012:role/admin",
	  "aws-us-gov", "iam", "global", "123456789012", "role", "admin" },
	/* the fake endpoint's shapes */
	{ "arn:aws:iam::000000000000:role/org/checkout/checkout+role@6",
	  "aws", "iam", "global", "000000000000", "role",
	  "org/checkout/checkout+role@6" },
	{ "arn:aws:dynamodb:eu-west-1:000000000000:table/search.Table_7",
	  "aws", "dynamodb", "eu-west-1", "000000000000", "table",
	  "search.Table_7" },
	/* UTF-8 in a name */
	{ "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:Latenz \xc3\xbc"
	  "ber 2s",
	  "aws", "cloudwatch", "eu-west-1", "123456789012", "alarm",
	  "Latenz \xc3\xbc" "ber 2s" },
};

START_TEST(test_good)
{
	const struct atest *t = &good[_i];
	struct arn a;

	ck_assert_msg(arn_parse(t->arn, &a) == 0, "%s", t->arn);
	ck_assert_str_eq(a.partition, t->partition);
	ck_assert_str_eq(a.service, t->service);
	ck_assert_str_eq(a.region, t->region);
	ck_assert_str_eq(a.account, t->account);
	ck_assert_str_eq(a.type, t->type);
	ck_assert_str_eq(a.id, t->id);
}
END_TEST

static const char *const bad[] = {
	"",
	"arn",
	"arn:",
	"arn:aws",
	"arn:aws:ec2",
	"arn:aws:ec2:us-east-1",
	"arn:aws:ec2:us-east-1:123456789012",           /* no resource */
	"arn:aws:ec2:us-east-1:123456789012:",          /* empty resource */
	"ARN:aws:ec2:us-east-1:123456789012:instance/i-1",
	"urn:aws:ec2:us-east-1:123456789012:instance/i-1",
	" arn:aws:ec2:us-east-1:123456789012:instance/i-1",
	"arn::ec2:us-east-1:123456789012:instance/i-1", /* no partition */
	"arn:azure:ec2:us-east-1:123456789012:instance/i-1",
	"arn:aws-:ec2:us-east-1:123456789012:instance/i-1",
	"arn:awsx:ec2:us-east-1:123456789012:instance/i-1",
	"arn:aws::us-east-1:123456789012:instance/i-1", /* no service */
	"arn:aws:EC2:us-east-1:123456789012:instance/i-1",
	"arn:aws:ec2:us_east_1:123456789012:instance/i-1",
	"arn:aws:ec2:us-east-1:12345678901:instance/i-1",       /* 11 digits */
	"arn:aws:ec2:us-east-1:1234567890123:instance/i-1",     /* 13 */
	"arn:aws:ec2:us-east-1:12345678901a:instance/i-1",
	"arn:aws:ec2:us-east-1:123456789012:instance/",  /* empty id */
	"arn:aws:lambda:us-east-1:123456789012:function:",
	"arn:aws:ec2:us-east-1:123456789012:/",
	"arn:aws:ec2:us-east-1:123456789012::x",        /* empty type */
	"arn:aws:ec2:us-east-1:123456789012:instance/i-1\n",
	"arn:aws:ec2:us-east-1:123456789012:instance/i\t1",
	"arn:aws:ec2:us-east-1:123456789012:instance/i\x7f",
	"arn:aws:s3:::",
};

START_TEST(test_bad)
{
	struct arn a;

	ck_assert_msg(arn_parse(bad[_i], &a) == -EINVAL, "accepted \"%s\"",
		      bad[_i]);
}
END_TEST

START_TEST(test_length)
{
	static char s[ARN_MAX_LEN + 2];
	const char *head = "arn:aws:iam::123456789012:role/";
	size_t n = strlen(head);
	struct arn a;

	memcpy(s, head, n);
	memset(s + n, 'r', ARN_MAX_LEN - n);
	s[ARN_MAX_LEN] = '\0';
	ck_assert_int_eq(arn_parse(s, &a), 0);
	ck_assert_uint_eq(strlen(a.id), ARN_MAX_LEN - n);
	s[ARN_MAX_LEN] = 'r';
	s[ARN_MAX_LEN + 1] = '\0';
	ck_assert_int_eq(arn_parse(s, &a), -EINVAL);
	ck_assert_int_eq(arn_parse(NULL, &a), -EINVAL);
}
END_TEST

START_TEST(test_fill)
{
	struct org_resource r = { 0 };

	ck_assert_int_eq(arn_fill_resource("arn:aws:s3:::logs-bucket",
					   "210987654321", &r), 0);
	ck_assert_str_eq(r.arn, "arn:aws:s3:::logs-bucket");
	ck_assert_str_eq(r.service, "s3");
	ck_assert_str_eq(r.region, "global");
	ck_assert_str_eq(r.account, "210987654321");
	ck_assert_str_eq(r.type, "bucket");
	ck_assert_str_eq(r.id, "logs-bucket");
	free(r.arn);
	free(r.service);
	free(r.region);
	free(r.account);
	free(r.type);
	free(r.id);

	/* the ARN's own account wins over the listing's */
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(arn_fill_resource(
		"arn:aws:sqs:eu-west-1:123456789012:q", "210987654321", &r), 0);
	ck_assert_str_eq(r.account, "123456789012");
	ck_assert_str_eq(r.region, "eu-west-1");
	free(r.arn);
	free(r.service);
	free(r.region);
	free(r.account);
	free(r.type);
	free(r.id);

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(arn_fill_resource("arn:aws:s3:::", "1", &r), -EINVAL);
	ck_assert_ptr_null(r.arn);
	ck_assert_ptr_null(r.id);
}
END_TEST

/* Build a list in scrambled order, sort it, find every member and some
 * that are absent, free it (ASan checks the free). */
START_TEST(test_resources_list)
{
	enum { N = 257 };
	struct org_resources *rs = calloc(1, sizeof(*rs));
	char arn[128];
	size_t i;

	ck_assert_ptr_nonnull(rs);
	rs->v = calloc(N, sizeof(*rs->v));
	ck_assert_ptr_nonnull(rs->v);
	for (i = 0; i < N; i++) {
		struct org_resource *r = &rs->v[i];

		snprintf(arn, sizeof(arn),
			 "arn:aws:ec2:eu-west-1:123456789012:instance/i-%05zu",
			 (i * 7919) % N);
		ck_assert_int_eq(arn_fill_resource(arn, NULL, r), 0);
		r->tags.v = calloc(1, sizeof(*r->tags.v));
		r->tags.v[0].key = strdup("Owner");
		r->tags.v[0].value = strdup("team");
		r->tags.n = 1;
		r->compliance = strdup("");
		rs->n++;
	}
	org_resources_sort(rs);
	for (i = 1; i < N; i++)
		ck_assert_int_lt(strcmp(rs->v[i - 1].arn, rs->v[i].arn), 0);
	for (i = 0; i < N; i++) {
		const struct org_resource *r;

		snprintf(arn, sizeof(arn),
			 "arn:aws:ec2:eu-west-1:123456789012:instance/i-%05zu",
			 i);
		r = org_resources_find(rs, arn);
		ck_assert_ptr_nonnull(r);
		ck_assert_str_eq(r->arn, arn);
		snprintf(arn, sizeof(arn),
			 "arn:aws:ec2:eu-west-1:123456789012:instance/i-%05zux",
			 i);
		ck_assert_ptr_null(org_resources_find(rs, arn));
	}
	ck_assert_ptr_null(org_resources_find(rs, "arn:aws:a"));
	ck_assert_ptr_null(org_resources_find(rs, "arn:aws:z"));
	ck_assert_ptr_null(org_resources_find(rs, NULL));
	ck_assert_ptr_null(org_resources_find(NULL, "x"));
	org_resources_free(rs);
	org_resources_free(NULL);
}
END_TEST

static Suite *arn_suite(void)
{
	Suite *s = suite_create("arn");
	TCase *tc = tcase_create("Core");

	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_length);
	tcase_add_test(tc, test_fill);
	tcase_add_test(tc, test_resources_list);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(arn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
