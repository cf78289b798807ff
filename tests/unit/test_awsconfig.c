/* test_awsconfig.c - shared config/credentials parsing as configparser does */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "awsconfig.h"

static const char *env_names[16];
static const char *env_values[16];
static int nenv;

static const char *fake_getenv(const char *name)
{
	for (int i = 0; i < nenv; i++)
		if (strcmp(env_names[i], name) == 0)
			return env_values[i];
	return NULL;
}

static void setenv_fake(const char *n, const char *v)
{
	env_names[nenv] = n;
	env_values[nenv++] = v;
}

static void reset_env(void)
{
	nenv = 0;
}

static struct awscfg *parse2(const char *config, const char *creds)
{
	struct awscfg *cfg = awscfg_new();
	char err[256];

	ck_assert_ptr_nonnull(cfg);
	if (config)
		ck_assert_int_eq(awscfg_parse_string(cfg, config, "config", 0,
						     err, sizeof(err)), 0);
	if (creds)
		ck_assert_int_eq(awscfg_parse_string(cfg, creds, "credentials",
						     1, err, sizeof(err)), 0);
	return cfg;
}

static int parse_err(const char *text, int is_cred, char *err, size_t len)
{
	struct awscfg *cfg = awscfg_new();
	int rc = awscfg_parse_string(cfg, text, "/h/.aws/config", is_cred,
				     err, len);

	awscfg_free(cfg);
	return rc;
}

START_TEST(profile_sections)
{
	struct awscfg *cfg = parse2(
		"[default]\nregion = us-east-1\n"
		"[profile dev]\nregion = eu-west-1\n"
		"[prod]\nregion = ap-south-1\n"
		"[profile \"my name\"]\nregion = x\n"
		"[profile a b]\nregion = y\n"
		"[profilex]\nregion = z\n", NULL);

	ck_assert_str_eq(awscfg_get(awscfg_profile(cfg, "default"), "region"),
			 "us-east-1");
	ck_assert_str_eq(awscfg_get(awscfg_profile(cfg, "dev"), "region"),
			 "eu-west-1");
	/* [x] without "profile " is not a profile in the config file */
	ck_assert_ptr_null(awscfg_profile(cfg, "prod"));
	ck_assert_str_eq(awscfg_get(awscfg_profile(cfg, "my name"), "region"), "x");
	ck_assert_ptr_null(awscfg_profile(cfg, "a"));
	ck_assert_ptr_null(awscfg_profile(cfg, "profilex"));
	ck_assert_ptr_null(awscfg_profile(cfg, "x"));
	awscfg_free(cfg);
}
END_TEST

START_TEST(credentials_merge)
{
	struct awscfg *cfg = parse2(
		"[profile dev]\nregion = eu-west-1\naws_access_key_id = CFGKEY\n"
		"role_arn = arn:aws:iam::1:role/a\n",
		"[dev]\naws_access_key_id = CREDKEY\naws_secret_access_key = s\n"
		"[profile dev]\naws_access_key_id = LITERAL\n"
		"[only]\nsource_profile = dev\n");
	const struct awscfg_section *dev = awscfg_profile(cfg, "dev");
	const struct awscfg_kv *kv;

	ck_assert_ptr_nonnull(dev);
	ck_assert(dev->in_config && dev->in_credentials);
	ck_assert_str_eq(awscfg_get(dev, "aws_access_key_id"), "CREDKEY");
	kv = awscfg_get_kv(dev, "aws_access_key_id");
	ck_assert_int_eq(kv->from_credentials, 1);
	ck_assert_int_eq(awscfg_get_kv(dev, "region")->from_credentials, 0);
	ck_assert_str_eq(awscfg_get(dev, "role_arn"), "arn:aws:iam::1:role/a");
	/* credentials sections are bare names: "profile dev" is literal */
	ck_assert_str_eq(awscfg_get(awscfg_profile(cfg, "profile dev"),
				    "aws_access_key_id"), "LITERAL");
	ck_assert_int_eq(awscfg_profile(cfg, "only")->in_config, 0);
	ck_assert_str_eq(awscfg_get(awscfg_profile(cfg, "only"),
				    "source_profile"), "dev");
	awscfg_free(cfg);
}
END_TEST

START_TEST(comments_and_case)
{
	struct awscfg *cfg = parse2(
		"# comment\n; comment\n[profile Dev]\n"
		"Region = us-west-2 ; not a comment\n"
		"  # indented comment\n"
		"OUTPUT: json # neither\n"
		"cmd = a;b\n"
		"empty =\n"
		"spaced   =   v  w   \r\n", NULL);
	const struct awscfg_section *s = awscfg_profile(cfg, "Dev");

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(awscfg_profile(cfg, "dev"));
	ck_assert_str_eq(awscfg_get(s, "region"), "us-west-2 ; not a comment");
	ck_assert_str_eq(awscfg_get(s, "REGION"), "us-west-2 ; not a comment");
	ck_assert_str_eq(s->kv[0].key, "region");
	ck_assert_str_eq(awscfg_get(s, "output"), "json # neither");
	ck_assert_str_eq(awscfg_get(s, "cmd"), "a;b");
	ck_assert_str_eq(awscfg_get(s, "empty"), "");
	ck_assert_str_eq(awscfg_get(s, "spaced"), "v  w");
	awscfg_free(cfg);
}
END_TEST

START_TEST(long_values)
{
	char *text, *tok = malloc(3001);
	struct awscfg *cfg;

	memset(tok, 'T', 3000);
	tok[3000] = 0;
	tok[1500] = ';';
	ck_assert_int_ne(asprintf(&text, "[p]\naws_session_token = %s\nb = 1\n",
				  tok), -1);
	cfg = parse2(NULL, text);
	ck_assert_str_eq(awscfg_get(awscfg_profile(cfg, "p"),
				    "aws_session_token"), tok);
	ck_assert_str_eq(awscfg_get(awscfg_profile(cfg, "p"), "b"), "1");
	awscfg_free(cfg);
	free(text);
	free(tok);
}
END_TEST

START_TEST(nested)
{
	struct awscfg *cfg = parse2(
		"[profile p]\n"
		"s3 =\n  max_concurrent_requests = 20\n  Addressing_Style = path\n"
		"multi = first\n  second\n"
		"region = eu-west-1\n"
		"services = mysvc\n"
		"[services mysvc]\n"
		"sts =\n  endpoint_url = http://127.0.0.1:1\n"
		"[sso-session corp]\n"
		"sso_start_url = https://corp.awsapps.com/start\n"
		"sso_region = eu-west-1\n", NULL);
	const struct awscfg_section *p = awscfg_profile(cfg, "p");

	ck_assert_str_eq(awscfg_get_sub(p, "s3", "max_concurrent_requests"), "20");
	ck_assert_str_eq(awscfg_get_sub(p, "s3", "Addressing_Style"), "path");
	ck_assert_int_eq(awscfg_get_kv(p, "s3")->nsub, 2);
	ck_assert_str_eq(awscfg_get(p, "multi"), "first\nsecond");
	ck_assert_int_eq(awscfg_get_kv(p, "multi")->nsub, 0);
	ck_assert_str_eq(awscfg_get(p, "region"), "eu-west-1");
	ck_assert_str_eq(awscfg_get_sub(awscfg_services(cfg, "mysvc"), "sts",
					"endpoint_url"), "http://127.0.0.1:1");
	ck_assert_str_eq(awscfg_get(awscfg_sso_session(cfg, "corp"), "sso_region"),
			 "eu-west-1");
	ck_assert_ptr_null(awscfg_profile(cfg, "corp"));
	awscfg_free(cfg);
}
END_TEST

static const struct {
	const char *text;
	const char *want;
} error_cases[] = {
	{ "[default]\nregion = a\nnovalue\n", "/h/.aws/config line 3: expected 'key = value'" },
	{ "region = a\n", "/h/.aws/config line 1: option before the first section header" },
	{ "[default]\n[broken\na = b\n", "/h/.aws/config line 2: malformed section header" },
	{ "# c\n[a]\nx = 1\n[a]\n", "/h/.aws/config line 4: duplicate section [a]" },
	{ "[a]\nx = 1\n\nX = 2\n", "/h/.aws/config line 4: duplicate option 'x' in [a]" },
	{ "[a]\n= 1\n", "/h/.aws/config line 2: option without a name" },
	{ "[a]\ns3 =\n  nokey\n", "/h/.aws/config line 2: sub-section 's3' needs" },
};

START_TEST(errors_name_file_and_line)
{
	char err[256];

	ck_assert_int_eq(parse_err(error_cases[_i].text, 0, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, error_cases[_i].want) != NULL,
		      "got '%s' want '%s'", err, error_cases[_i].want);
	ck_assert_msg(strncmp(err, "cannot parse ", 13) == 0, "%s", err);
}
END_TEST

START_TEST(precedence_profile)
{
	int ex;

	reset_env();
	ck_assert_str_eq(awscfg_profile_name(NULL, fake_getenv, &ex), "default");
	ck_assert_int_eq(ex, AWSCFG_PROFILE_DEFAULT);
	setenv_fake("AWS_DEFAULT_PROFILE", "b");
	ck_assert_str_eq(awscfg_profile_name(NULL, fake_getenv, &ex), "b");
	ck_assert_int_eq(ex, AWSCFG_PROFILE_ENV);
	setenv_fake("AWS_PROFILE", "a");
	ck_assert_str_eq(awscfg_profile_name(NULL, fake_getenv, &ex), "a");
	ck_assert_int_eq(ex, AWSCFG_PROFILE_ENV);
	ck_assert_str_eq(awscfg_profile_name("c", fake_getenv, &ex), "c");
	ck_assert_int_eq(ex, AWSCFG_PROFILE_EXPLICIT);
	reset_env();
}
END_TEST

START_TEST(precedence_region)
{
	struct awscfg *cfg = parse2("[profile p]\nregion = from-profile\n", NULL);

	reset_env();
	ck_assert_str_eq(awscfg_region(cfg, "p", NULL, fake_getenv), "from-profile");
	ck_assert_ptr_null(awscfg_region(cfg, "q", NULL, fake_getenv));
	setenv_fake("AWS_DEFAULT_REGION", "dflt");
	ck_assert_str_eq(awscfg_region(cfg, "p", NULL, fake_getenv), "dflt");
	setenv_fake("AWS_REGION", "reg");
	ck_assert_str_eq(awscfg_region(cfg, "p", NULL, fake_getenv), "reg");
	ck_assert_str_eq(awscfg_region(cfg, "p", "ovr", fake_getenv), "ovr");
	reset_env();
	awscfg_free(cfg);
}
END_TEST

static char tmpdir[64];

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

START_TEST(load_files)
{
	struct awscfg *cfg = NULL;
	char err[512], cpath[128], kpath[128], want[256];

	strcpy(tmpdir, "/tmp/test_awsconfig.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(cpath, sizeof(cpath), "%s/cfg", tmpdir);
	snprintf(kpath, sizeof(kpath), "%s/creds", tmpdir);
	reset_env();
	setenv_fake("HOME", tmpdir);
	/* no files at all: fine */
	ck_assert_int_eq(awscfg_load(fake_getenv, &cfg, err, sizeof(err)), 0);
	ck_assert_ptr_null(awscfg_profile(cfg, "default"));
	awscfg_free(cfg);

	write_file("cfg", "[profile x]\nregion = r1\n", 0600);
	write_file("creds", "[x]\naws_access_key_id = K\n", 0600);
	setenv_fake("AWS_CONFIG_FILE", cpath);
	setenv_fake("AWS_SHARED_CREDENTIALS_FILE", kpath);
	ck_assert_int_eq(awscfg_load(fake_getenv, &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(awscfg_get(awscfg_profile(cfg, "x"), "region"), "r1");
	ck_assert_str_eq(awscfg_get(awscfg_profile(cfg, "x"), "aws_access_key_id"), "K");
	awscfg_free(cfg);

	write_file("creds", "[x]\naws_access_key_id K\n", 0600);
	ck_assert_int_eq(awscfg_load(fake_getenv, &cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "cannot parse %s line 2: ", kpath);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);

	if (geteuid() != 0) {
		write_file("cfg", "[default]\n", 0);
		ck_assert_int_eq(awscfg_load(fake_getenv, &cfg, err, sizeof(err)),
				 -EACCES);
		snprintf(want, sizeof(want), "cannot read %s: Permission denied",
			 cpath);
		ck_assert_str_eq(err, want);
	}
	unlink(cpath);
	unlink(kpath);
	rmdir(tmpdir);
	reset_env();
}
END_TEST

START_TEST(home_tilde)
{
	struct awscfg *cfg = NULL;
	char err[256], dir[128];

	strcpy(tmpdir, "/tmp/test_awsconfig.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dir, sizeof(dir), "%s/.aws", tmpdir);
	mkdir(dir, 0700);
	write_file(".aws/config", "[default]\nregion = home-region\n", 0600);
	write_file("alt", "[default]\nregion = alt-region\n", 0600);
	reset_env();
	setenv_fake("HOME", tmpdir);
	ck_assert_int_eq(awscfg_load(fake_getenv, &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(awscfg_region(cfg, "default", NULL, fake_getenv),
			 "home-region");
	awscfg_free(cfg);
	setenv_fake("AWS_CONFIG_FILE", "~/alt");
	ck_assert_int_eq(awscfg_load(fake_getenv, &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(awscfg_region(cfg, "default", NULL, fake_getenv),
			 "alt-region");
	awscfg_free(cfg);
	snprintf(err, sizeof(err), "%s/alt", tmpdir);
	unlink(err);
	snprintf(err, sizeof(err), "%s/.aws/config", tmpdir);
	unlink(err);
	rmdir(dir);
	rmdir(tmpdir);
	reset_env();
}
END_TEST

static const struct {
	const char *in;
	int argc;
	const char *argv[4];
} shlex_cases[] = {
	{ "a b  c", 3, { "a", "b", "c" } },
	{ "/bin/echo 'x y' \"z \\\"q\\\"\"", 3, { "/bin/echo", "x y", "z \"q\"" } },
	{ "a\\ b c''d \"\"", 3, { "a b", "cd", "" } },
	{ "\"a\\nb\" 'c\\d'", 2, { "a\\nb", "c\\d" } },
	{ "'unbalanced", -EINVAL, { NULL } },
	{ "   ", -EINVAL, { NULL } },
	{ "trailing\\", -EINVAL, { NULL } },
};

START_TEST(shlex)
{
	char **argv = NULL;
	int argc = 0, rc;

	rc = awscfg_shlex_split(shlex_cases[_i].in, &argv, &argc);
	if (shlex_cases[_i].argc < 0) {
		ck_assert_int_eq(rc, shlex_cases[_i].argc);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(argc, shlex_cases[_i].argc);
	for (int i = 0; i < argc; i++)
		ck_assert_str_eq(argv[i], shlex_cases[_i].argv[i]);
	ck_assert_ptr_null(argv[argc]);
	awscfg_argv_free(argv);
}
END_TEST

static Suite *awsconfig_suite(void)
{
	Suite *s = suite_create("awsconfig");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, profile_sections);
	tcase_add_test(tc, credentials_merge);
	tcase_add_test(tc, comments_and_case);
	tcase_add_test(tc, long_values);
	tcase_add_test(tc, nested);
	tcase_add_loop_test(tc, errors_name_file_and_line, 0,
			    sizeof(error_cases) / sizeof(error_cases[0]));
	tcase_add_test(tc, precedence_profile);
	tcase_add_test(tc, precedence_region);
	tcase_add_test(tc, load_files);
	tcase_add_test(tc, home_tilde);
	tcase_add_loop_test(tc, shlex, 0,
			    sizeof(shlex_cases) / sizeof(shlex_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(awsconfig_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
