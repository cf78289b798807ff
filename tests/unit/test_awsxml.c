/* test_awsxml.c - awsQuery XML to JSON, error bodies, hostile XML */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awsxml.h"

static json_t *conv(const char *xml, int want_res)
{
	char err[256] = "";
	json_t *out = NULL;
	int res = awsxml_to_json(xml, strlen(xml), &out, err, sizeof(err));

	ck_assert_msg(res == want_res, "res %d want %d (%s)", res, want_res,
		      err);
	if (res)
		ck_assert_msg(err[0] != '\0', "no reason given");
	return out;
}

/* A malformed reply is reported by where it broke, never by its text:
 * libxml2's messages quote element names and bytes of the input, and a
 * reply cut short can end inside a secret. */
START_TEST(test_malformed_quotes_nothing)
{
	static const char *const xml[] = {
		"<AssumeRoleResponse><Credentials><SecretAccessKey>"
		"wJalrXUtnFEMIK7MDENG</SecretAccessKeyX></Credentials>",
		"<AssumeRoleResponse><wJalrXUtnFEMIK7MDENG>x</AssumeRoleResponse>",
		"<AssumeRoleResponse><SessionToken>FQoGZXIvYXdzEJr&",
		"<A><B>wJalrXUtnFEMIK7MDENG<",
	};
	size_t i, k;

	for (i = 0; i < sizeof(xml) / sizeof(xml[0]); i++) {
		char err[256] = "";
		json_t *out = NULL;
		const char *secret = strstr(xml[i], "wJal") ?
				     strstr(xml[i], "wJal") :
				     strstr(xml[i], "FQoG");
		char piece[7];

		ck_assert_int_eq(awsxml_to_json(xml[i], strlen(xml[i]), &out,
						err, sizeof(err)), -EINVAL);
		ck_assert_msg(strstr(err, "malformed xml reply"), "%s", err);
		for (k = 0; k + 6 <= strlen(secret); k++) {
			memcpy(piece, secret + k, 6);
			piece[6] = '\0';
			ck_assert_msg(!strstr(err, piece), "case %zu quotes "
				      "'%s': %s", i, piece, err);
		}
		ck_assert_msg(!strstr(err, "AssumeRoleResponse") &&
			      !strstr(err, "SecretAccessKey"),
			      "case %zu names an element: %s", i, err);
	}
}
END_TEST

static void assert_json(json_t *got, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	char *g;

	ck_assert_ptr_nonnull(w);
	g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
	ck_assert_msg(json_equal(got, w), "got %s want %s", g, want);
	free(g);
	json_decref(w);
}

START_TEST(test_get_caller_identity)
{
	const char *xml =
		"<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
		"  <GetCallerIdentityResult>\n"
		"    <Arn>arn:aws:iam::123456789012:user/admin</Arn>\n"
		"    <UserId>AIDAYAM4POHXHRVANDQBQ</UserId>\n"
		"    <Account>123456789012</Account>\n"
		"  </GetCallerIdentityResult>\n"
		"  <ResponseMetadata>\n"
		"    <RequestId>8f0d54da-1230-40f7-b4ac-95015c4b84cd</RequestId>\n"
		"  </ResponseMetadata>\n"
		"</GetCallerIdentityResponse>\n";
	json_t *j = conv(xml, 0);

	/* the JSON rendering of the same reply (aws-protocols.md §2.5) */
	assert_json(j, "{\"GetCallerIdentityResponse\":{\"GetCallerIdentityResult\":"
		    "{\"Account\":\"123456789012\",\"Arn\":\"arn:aws:iam::123456789012:user/admin\","
		    "\"UserId\":\"AIDAYAM4POHXHRVANDQBQ\"},"
		    "\"ResponseMetadata\":{\"RequestId\":\"8f0d54da-1230-40f7-b4ac-95015c4b84cd\"}}}");
	json_decref(j);
}
END_TEST

START_TEST(test_assume_role)
{
	const char *xml =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
		"<AssumeRoleResult><SourceIdentity>Alice</SourceIdentity>"
		"<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/s</Arn>"
		"<AssumedRoleId>ARO123EXAMPLE123:s</AssumedRoleId></AssumedRoleUser>"
		"<Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>"
		"<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>"
		"<SessionToken>AQoDYXdzEPT//////////wEXAMPLE+&amp;=</SessionToken>"
		"<Expiration>2019-11-09T13:34:41Z</Expiration></Credentials>"
		"<PackedPolicySize>6</PackedPolicySize>"
		"<Tags><member><Key>a</Key><Value>1</Value></member>"
		"<member><Key>b</Key><Value></Value></member></Tags>"
		"<TransitiveTagKeys/>"
		"</AssumeRoleResult>"
		"<ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>"
		"</AssumeRoleResponse>";
	json_t *j = conv(xml, 0);

	assert_json(j, "{\"AssumeRoleResponse\":{\"AssumeRoleResult\":{"
		    "\"SourceIdentity\":\"Alice\","
		    "\"AssumedRoleUser\":{\"Arn\":\"arn:aws:sts::123456789012:assumed-role/demo/s\","
		    "\"AssumedRoleId\":\"ARO123EXAMPLE123:s\"},"
		    "\"Credentials\":{\"AccessKeyId\":\"ASIAIOSFODNN7EXAMPLE\","
		    "\"SecretAccessKey\":\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\","
		    "\"SessionToken\":\"AQoDYXdzEPT//////////wEXAMPLE+&=\","
		    "\"Expiration\":\"2019-11-09T13:34:41Z\"},"
		    "\"PackedPolicySize\":\"6\","
		    "\"Tags\":[{\"Key\":\"a\",\"Value\":\"1\"},{\"Key\":\"b\",\"Value\":\"\"}],"
		    "\"TransitiveTagKeys\":\"\"},"
		    "\"ResponseMetadata\":{\"RequestId\":\"c6104cbe-af31-11e0-8154-cbc7ccf896c7\"}}}");
	json_decref(j);
}
END_TEST

START_TEST(test_shapes)
{
	json_t *j;

	/* string members of a list, CDATA, repeated names, unicode */
	j = conv("<R><L><member>x</member><member>y</member></L>"
		 "<C><![CDATA[a<b]]></C><D>1</D><D>2</D><U>\xc3\xa9t\xc3\xa9</U>"
		 "<p:N xmlns:p=\"urn:x\" attr=\"ignored\">v</p:N></R>", 0);
	assert_json(j, "{\"R\":{\"L\":[\"x\",\"y\"],\"C\":\"a<b\",\"D\":[\"1\",\"2\"],"
		    "\"U\":\"\xc3\xa9t\xc3\xa9\",\"N\":\"v\"}}");
	json_decref(j);
	/* a root leaf and an empty root */
	j = conv("<Only>text</Only>", 0);
	assert_json(j, "{\"Only\":\"text\"}");
	json_decref(j);
	j = conv("<Empty/>", 0);
	assert_json(j, "{\"Empty\":\"\"}");
	json_decref(j);
	/* comments and processing instructions are not content */
	j = conv("<R><!-- c --><?pi x?><A>1</A></R>", 0);
	assert_json(j, "{\"R\":{\"A\":\"1\"}}");
	json_decref(j);
}
END_TEST

struct bad_case {
	const char *name;
	const char *xml;
	int res;
};

static const struct bad_case bad_cases[] = {
	{"not xml", "{\"json\": true}", -EINVAL},
	{"empty", "", -EINVAL},
	{"truncated", "<A><B>x</B>", -EINVAL},
	{"mismatched", "<A><B>x</C></A>", -EINVAL},
	{"two roots", "<A/><B/>", -EINVAL},
	{"internal entity",
	 "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"boom\">]><r>&e;</r>",
	 -EINVAL},
	{"billion laughs",
	 "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	 "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	 "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
	 "<lolz>&lol3;</lolz>", -EINVAL},
	{"external entity",
	 "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	 "<r><A>&x;</A></r>", -EINVAL},
	{"external dtd",
	 "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"http://127.0.0.1:1/x.dtd\"><r/>",
	 -EINVAL},
	{"undefined entity", "<r>&nope;</r>", -EINVAL},
	{"bad utf-8", "<r>\xff\xfe</r>", -EINVAL},
};

START_TEST(test_hostile_table)
{
	const struct bad_case *c = &bad_cases[_i];
	char err[256] = "";
	json_t *out = NULL;
	int res;

	res = awsxml_to_json(c->xml, strlen(c->xml), &out, err, sizeof(err));
	ck_assert_msg(res == c->res, "%s: res %d want %d", c->name, res,
		      c->res);
	ck_assert_ptr_null(out);
	ck_assert_msg(err[0], "%s: no reason", c->name);
}
END_TEST

START_TEST(test_deep_nesting)
{
	struct { int depth; int res; } cases[] = {
		{AWSXML_MAX_DEPTH, 0}, {AWSXML_MAX_DEPTH + 1, -EFBIG},
		{10000, -EINVAL},  /* libxml2's own limit (256) trips first */
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		int depth = cases[k].depth;
		size_t cap = (size_t)depth * 8 + 16, len = 0;
		char *xml = malloc(cap), err[256] = "";
		json_t *out = NULL;
		int res;

		ck_assert_ptr_nonnull(xml);
		for (int i = 0; i < depth; i++)
			len += (size_t)sprintf(xml + len, "<a>");
		len += (size_t)sprintf(xml + len, "x");
		for (int i = 0; i < depth; i++)
			len += (size_t)sprintf(xml + len, "</a>");
		res = awsxml_to_json(xml, len, &out, err, sizeof(err));
		ck_assert_msg(res == cases[k].res, "depth %d: res %d (%s)",
			      depth, res, err);
		json_decref(out);
		free(xml);
	}
}
END_TEST

START_TEST(test_huge)
{
	size_t len = AWSXML_MAX_BYTES + 1;
	char *xml = malloc(len), err[128] = "";
	json_t *out = NULL;

	ck_assert_ptr_nonnull(xml);
	memcpy(xml, "<a>", 3);
	memset(xml + 3, 'x', len - 7);
	memcpy(xml + len - 4, "</a>", 4);
	ck_assert_int_eq(awsxml_to_json(xml, len, &out, err, sizeof(err)),
			 -EFBIG);
	ck_assert_ptr_null(out);
	/* one byte less than the cap is converted */
	len--;
	memcpy(xml + len - 4, "</a>", 4);
	ck_assert_int_eq(awsxml_to_json(xml, len, &out, err, sizeof(err)), 0);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(out, "a"))),
			  len - 7);
	json_decref(out);
	free(xml);
}
END_TEST

START_TEST(test_many_members)
{
	size_t n = 20000, cap = n * 32 + 64, len = 0;
	char *xml = malloc(cap);
	json_t *out = NULL, *arr;

	ck_assert_ptr_nonnull(xml);
	len += (size_t)sprintf(xml + len, "<R><L>");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(xml + len, "<member>%zu</member>", i);
	len += (size_t)sprintf(xml + len, "</L></R>");
	ck_assert_int_eq(awsxml_to_json(xml, len, &out, NULL, 0), 0);
	arr = json_object_get(json_object_get(out, "R"), "L");
	ck_assert_uint_eq(json_array_size(arr), n);
	ck_assert_str_eq(json_string_value(json_array_get(arr, n - 1)), "19999");
	json_decref(out);
	free(xml);
}
END_TEST

START_TEST(test_error_response)
{
	struct awsxml_error e;
	const char *xml =
		"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
		"  <Error>\n    <Type>Sender</Type>\n"
		"    <Code>SignatureDoesNotMatch</Code>\n"
		"    <Message>The request signature we calculated does not match</Message>\n"
		"  </Error>\n  <RequestId>4f1a9b2c-0000-1111-2222-333344445555</RequestId>\n"
		"</ErrorResponse>\n";
	const char *ec2 =
		"<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
		"<Message>Request limit exceeded.</Message></Error></Errors>"
		"<RequestID>ec2-req</RequestID></Response>";

	ck_assert_int_eq(awsxml_parse_error(xml, strlen(xml), &e), 0);
	ck_assert_str_eq(e.type, "Sender");
	ck_assert_str_eq(e.code, "SignatureDoesNotMatch");
	ck_assert_str_eq(e.message, "The request signature we calculated does not match");
	ck_assert_str_eq(e.request_id, "4f1a9b2c-0000-1111-2222-333344445555");

	ck_assert_int_eq(awsxml_parse_error(ec2, strlen(ec2), &e), 0);
	ck_assert_str_eq(e.code, "RequestLimitExceeded");
	ck_assert_str_eq(e.request_id, "ec2-req");

	ck_assert_int_eq(awsxml_parse_error("<html>503</html>", 16, &e), -EINVAL);
	ck_assert_int_eq(awsxml_parse_error("oops", 4, &e), -EINVAL);
}
END_TEST

START_TEST(test_error_long_message_cut_on_utf8)
{
	char xml[2048];
	struct awsxml_error e;
	size_t n = 0;
	json_t *s;

	n += (size_t)sprintf(xml, "<ErrorResponse><Error><Code>X</Code><Message>");
	for (int i = 0; i < 300; i++)
		n += (size_t)sprintf(xml + n, "\xc3\xa9");   /* 2 bytes each */
	n += (size_t)sprintf(xml + n, "</Message></Error></ErrorResponse>");
	ck_assert_int_eq(awsxml_parse_error(xml, n, &e), 0);
	ck_assert_uint_le(strlen(e.message), sizeof(e.message) - 1);
	s = json_string(e.message);     /* NULL if cut inside a character */
	ck_assert_ptr_nonnull(s);
	json_decref(s);
}
END_TEST

static Suite *awsxml_suite(void)
{
	Suite *s = suite_create("awsxml");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_get_caller_identity);
	tcase_add_test(tc, test_assume_role);
	tcase_add_test(tc, test_shapes);
	tcase_add_loop_test(tc, test_hostile_table, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_huge);
	tcase_add_test(tc, test_many_members);
	tcase_add_test(tc, test_error_response);
	tcase_add_test(tc, test_malformed_quotes_nothing);
	tcase_add_test(tc, test_error_long_message_cut_on_utf8);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(awsxml_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
