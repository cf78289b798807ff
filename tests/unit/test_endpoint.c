/* test_endpoint.c - service table, standard hosts, configured endpoints */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"

/* ---- a fake environment and [services] section ---- */

#define MAXVARS 8

static struct {
	const char *name;
	const char *value;
} fake_env[MAXVARS];
static char env_asked[MAXVARS][128];
static int n_env_asked;

static const char *fake_services_value;
static char services_asked[64];

static void env_clear(void)
{
	memset(fake_env, 0, sizeof(fake_env));
	memset(env_asked, 0, sizeof(env_asked));
	n_env_asked = 0;
	fake_services_value = NULL;
	services_asked[0] = '\0';
}

static void env_set(const char *name, const char *value)
{
	int i;

	for (i = 0; i < MAXVARS; i++) {
		if (!fake_env[i].name || !strcmp(fake_env[i].name, name)) {
			fake_env[i].name = name;
			fake_env[i].value = value;
			return;
		}
	}
	ck_abort_msg("fake environment full");
}

static const char *fake_getenv(const char *name)
{
	int i;

	if (n_env_asked < MAXVARS)
		snprintf(env_asked[n_env_asked++], sizeof(env_asked[0]), "%s",
			 name);
	for (i = 0; i < MAXVARS; i++)
		if (fake_env[i].name && !strcmp(fake_env[i].name, name))
			return fake_env[i].value;
	return NULL;
}

static const char *fake_services(const char *key, void *arg)
{
	ck_assert_ptr_eq(arg, &fake_services_value);
	snprintf(services_asked, sizeof(services_asked), "%s", key);
	return fake_services_value;
}

static struct endpoint_config fake_cfg(void)
{
	struct endpoint_config cfg = {
		.services_lookup = fake_services,
		.services_arg = &fake_services_value,
		.getenv_fn = fake_getenv,
	};
	return cfg;
}

static void setup(void)
{
	env_clear();
}

/* ---- the service table ---- */

struct svc_row {
	const struct aws_service *svc;
	const char *id, *prefix, *signing, *env, *key;
	enum aws_protocol proto;
	const char *target, *version;
	int global;
};

static const struct svc_row svc_rows[] = {
	{ &aws_svc_organizations, "organizations", "organizations",
	  "organizations", "ORGANIZATIONS", "organizations", AWS_PROTO_JSON,
	  "AWSOrganizationsV20161128", NULL, 1 },
	{ &aws_svc_tagging, "resourcegroupstaggingapi", "tagging", "tagging",
	  "RESOURCE_GROUPS_TAGGING_API", "resource_groups_tagging_api",
	  AWS_PROTO_JSON, "ResourceGroupsTaggingAPI_20170126", NULL, 0 },
	{ &aws_svc_config, "config", "config", "config", "CONFIG_SERVICE",
	  "config_service", AWS_PROTO_JSON, "StarlingDoveService", NULL, 0 },
	{ &aws_svc_sts, "sts", "sts", "sts", "STS", "sts", AWS_PROTO_QUERY,
	  NULL, "2011-06-15", 0 },
	{ &aws_svc_resource_explorer, "resource-explorer-2",
	  "resource-explorer-2", "resource-explorer-2", "RESOURCE_EXPLORER_2",
	  "resource_explorer_2", AWS_PROTO_REST_JSON, NULL, NULL, 0 },
	{ &aws_svc_sso, "sso", "portal.sso", "awsssoportal", "SSO", "sso",
	  AWS_PROTO_REST_JSON, NULL, NULL, 0 },
	{ &aws_svc_sso_oidc, "sso-oidc", "oidc", "sso-oauth", "SSO_OIDC",
	  "sso_oidc", AWS_PROTO_REST_JSON, NULL, NULL, 0 },
};
#define NSVC ((int)(sizeof(svc_rows) / sizeof(svc_rows[0])))

static void str_or_null_eq(const char *got, const char *want)
{
	if (!want)
		ck_assert_ptr_null(got);
	else
		ck_assert_str_eq(got, want);
}

START_TEST(test_service_table)
{
	const struct svc_row *r = &svc_rows[_i];

	ck_assert_str_eq(r->svc->id, r->id);
	ck_assert_str_eq(r->svc->endpoint_prefix, r->prefix);
	ck_assert_str_eq(r->svc->signing_name, r->signing);
	ck_assert_str_eq(r->svc->env_suffix, r->env);
	ck_assert_str_eq(r->svc->config_key, r->key);
	ck_assert_int_eq(r->svc->protocol, r->proto);
	str_or_null_eq(r->svc->target_prefix, r->target);
	str_or_null_eq(r->svc->api_version, r->version);
	ck_assert_int_eq(r->svc->global, r->global);
}
END_TEST

/* ---- standard endpoints: every service in every partition ---- */

struct std_row {
	const struct aws_service *svc;
	const char *region, *url, *signing_region, *partition;
};

static const struct std_row std_rows[] = {
	{ &aws_svc_organizations, "us-west-2",
	  "https://organizations.us-east-1.amazonaws.com", "us-east-1", "aws" },
	{ &aws_svc_organizations, "cn-north-1",
	  "https://organizations.cn-northwest-1.amazonaws.com.cn",
	  "cn-northwest-1", "aws-cn" },
	{ &aws_svc_organizations, "us-gov-east-1",
	  "https://organizations.us-gov-west-1.amazonaws.com", "us-gov-west-1",
	  "aws-us-gov" },
	{ &aws_svc_organizations, "aws-global",
	  "https://organizations.us-east-1.amazonaws.com", "us-east-1", "aws" },

	{ &aws_svc_tagging, "eu-west-1",
	  "https://tagging.eu-west-1.amazonaws.com", "eu-west-1", "aws" },
	{ &aws_svc_tagging, "cn-north-1",
	  "https://tagging.cn-north-1.amazonaws.com.cn", "cn-north-1",
	  "aws-cn" },
	{ &aws_svc_tagging, "us-gov-east-1",
	  "https://tagging.us-gov-east-1.amazonaws.com", "us-gov-east-1",
	  "aws-us-gov" },

	{ &aws_svc_config, "ap-southeast-2",
	  "https://config.ap-southeast-2.amazonaws.com", "ap-southeast-2",
	  "aws" },
	{ &aws_svc_config, "cn-northwest-1",
	  "https://config.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1",
	  "aws-cn" },
	{ &aws_svc_config, "us-gov-west-1",
	  "https://config.us-gov-west-1.amazonaws.com", "us-gov-west-1",
	  "aws-us-gov" },

	{ &aws_svc_sts, "us-east-1", "https://sts.us-east-1.amazonaws.com",
	  "us-east-1", "aws" },
	{ &aws_svc_sts, "aws-global", "https://sts.amazonaws.com",
	  "us-east-1", "aws" },
	{ &aws_svc_sts, "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn",
	  "cn-north-1", "aws-cn" },
	{ &aws_svc_sts, "us-gov-west-1",
	  "https://sts.us-gov-west-1.amazonaws.com", "us-gov-west-1",
	  "aws-us-gov" },

	{ &aws_svc_resource_explorer, "eu-central-1",
	  "https://resource-explorer-2.eu-central-1.amazonaws.com",
	  "eu-central-1", "aws" },
	{ &aws_svc_resource_explorer, "cn-north-1",
	  "https://resource-explorer-2.cn-north-1.amazonaws.com.cn",
	  "cn-north-1", "aws-cn" },
	{ &aws_svc_resource_explorer, "us-gov-east-1",
	  "https://resource-explorer-2.us-gov-east-1.amazonaws.com",
	  "us-gov-east-1", "aws-us-gov" },

	{ &aws_svc_sso, "us-east-2", "https://portal.sso.us-east-2.amazonaws.com",
	  "us-east-2", "aws" },
	{ &aws_svc_sso, "cn-north-1",
	  "https://portal.sso.cn-north-1.amazonaws.com.cn", "cn-north-1",
	  "aws-cn" },
	{ &aws_svc_sso, "us-gov-west-1",
	  "https://portal.sso.us-gov-west-1.amazonaws.com", "us-gov-west-1",
	  "aws-us-gov" },

	{ &aws_svc_sso_oidc, "sa-east-1", "https://oidc.sa-east-1.amazonaws.com",
	  "sa-east-1", "aws" },
	{ &aws_svc_sso_oidc, "cn-northwest-1",
	  "https://oidc.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1",
	  "aws-cn" },
	{ &aws_svc_sso_oidc, "us-gov-east-1",
	  "https://oidc.us-gov-east-1.amazonaws.com", "us-gov-east-1",
	  "aws-us-gov" },
};
#define NSTD ((int)(sizeof(std_rows) / sizeof(std_rows[0])))

START_TEST(test_standard)
{
	const struct std_row *r = &std_rows[_i];
	struct endpoint_config cfg = fake_cfg();
	struct aws_endpoint ep;
	char err[256] = "";

	ck_assert_int_eq(endpoint_resolve(r->svc, r->region, &cfg, &ep, err,
					  sizeof(err)), 0);
	ck_assert_str_eq(ep.url, r->url);
	/* no port, no path: the host is the URL without its scheme */
	ck_assert_str_eq(ep.host, r->url + strlen("https://"));
	ck_assert_str_eq(ep.signing_region, r->signing_region);
	ck_assert_str_eq(ep.partition, r->partition);
	ck_assert_str_eq(endpoint_partition(r->region), r->partition);
}
END_TEST

START_TEST(test_null_config_uses_environment)
{
	struct aws_endpoint ep;
	char err[256];

	/* cfg NULL: the real getenv, which the test controls here */
	setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/sts/", 1);
	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, "eu-west-1", NULL,
					  &ep, err, sizeof(err)), 0);
	ck_assert_str_eq(ep.url, "http://127.0.0.1:9/sts");
	ck_assert_str_eq(ep.signing_region, "eu-west-1");
	unsetenv("AWS_ENDPOINT_URL_STS");
	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, "eu-west-1", NULL,
					  &ep, err, sizeof(err)), 0);
	ck_assert_str_eq(ep.url, "https://sts.eu-west-1.amazonaws.com");
}
END_TEST

/* ---- precedence of the configured sources ---- */

#define U_ORGFS "http://127.0.0.1:1001"
#define U_SVCENV "http://127.0.0.1:1002"
#define U_SECTION "http://127.0.0.1:1003"
#define U_ENV "http://127.0.0.1:1004"
#define U_PROFILE "http://127.0.0.1:1005"

/* Each step removes the winner of the step before. */
START_TEST(test_precedence)
{
	const struct svc_row *r = &svc_rows[_i];
	struct endpoint_config cfg = fake_cfg();
	struct aws_endpoint ep;
	char envname[128], err[256];
	const char *std_host_part;

	snprintf(envname, sizeof(envname), "AWS_ENDPOINT_URL_%s", r->env);
	cfg.orgfs_endpoint = U_ORGFS;
	cfg.profile_endpoint_url = U_PROFILE;
	env_set(envname, U_SVCENV);
	env_set("AWS_ENDPOINT_URL", U_ENV);
	env_set("AWS_ENDPOINT_URL_SOMETHING_ELSE", "http://127.0.0.1:1");
	fake_services_value = U_SECTION;

	cfg.profile = "lab";
	cfg.services_section = "local";
	ck_assert_int_eq(endpoint_resolve(r->svc, "eu-west-1", &cfg, &ep, err,
					  sizeof(err)), 0);
	ck_assert_str_eq(ep.url, U_ORGFS);
	ck_assert_str_eq(ep.origin, "-o endpoint");

	cfg.orgfs_endpoint = NULL;
	ck_assert_int_eq(endpoint_resolve(r->svc, "eu-west-1", &cfg, &ep, err,
					  sizeof(err)), 0);
	ck_assert_str_eq(ep.url, U_SVCENV);
	ck_assert_str_eq(ep.origin, envname);

	env_set(envname, NULL);
	ck_assert_int_eq(endpoint_resolve(r->svc, "eu-west-1", &cfg, &ep, err,
					  sizeof(err)), 0);
	ck_assert_str_eq(ep.url, U_SECTION);
	ck_assert_str_eq(services_asked, r->key);
	ck_assert_str_eq(ep.origin, "services section local of profile lab");

	fake_services_value = NULL;
	ck_assert_int_eq(endpoint_resolve(r->svc, "eu-west-1", &cfg, &ep, err,
					  sizeof(err)), 0);
	ck_assert_str_eq(ep.url, U_ENV);
	ck_assert_str_eq(ep.origin, "AWS_ENDPOINT_URL");

	env_set("AWS_ENDPOINT_URL", NULL);
	ck_assert_int_eq(endpoint_resolve(r->svc, "eu-west-1", &cfg, &ep, err,
					  sizeof(err)), 0);
	ck_assert_str_eq(ep.url, U_PROFILE);
	ck_assert_str_eq(ep.host, "127.0.0.1:1005");
	ck_assert_str_eq(ep.origin, "endpoint_url of profile lab");

	cfg.profile_endpoint_url = NULL;
	ck_assert_int_eq(endpoint_resolve(r->svc, "eu-west-1", &cfg, &ep, err,
					  sizeof(err)), 0);
	ck_assert_str_eq(ep.origin, "standard");
	ck_assert_str_eq(ep.url + strlen("https://"), ep.host);
	ck_assert(!strncmp(ep.url, "https://", 8));
	std_host_part = strstr(ep.host, ".amazonaws.com");
	ck_assert_ptr_nonnull(std_host_part);
	ck_assert(!strncmp(ep.host, r->prefix, strlen(r->prefix)));
}
END_TEST

/* An empty value counts as unset, as an unset variable would. */
START_TEST(test_empty_values_skipped)
{
	struct endpoint_config cfg = fake_cfg();
	struct aws_endpoint ep;
	char err[256];

	cfg.orgfs_endpoint = "";
	env_set("AWS_ENDPOINT_URL_CONFIG_SERVICE", "");
	fake_services_value = "";
	env_set("AWS_ENDPOINT_URL", U_ENV);
	ck_assert_int_eq(endpoint_resolve(&aws_svc_config, "us-east-1", &cfg,
					  &ep, err, sizeof(err)), 0);
	ck_assert_str_eq(ep.url, U_ENV);
}
END_TEST

START_TEST(test_env_names_asked)
{
	struct endpoint_config cfg = fake_cfg();
	struct aws_endpoint ep;
	char err[256];

	ck_assert_int_eq(endpoint_resolve(&aws_svc_tagging, "us-east-1", &cfg,
					  &ep, err, sizeof(err)), 0);
	ck_assert_int_eq(n_env_asked, 2);
	ck_assert_str_eq(env_asked[0],
			 "AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API");
	ck_assert_str_eq(env_asked[1], "AWS_ENDPOINT_URL");
	ck_assert_str_eq(services_asked, "resource_groups_tagging_api");
}
END_TEST

START_TEST(test_ignore_configured)
{
	struct endpoint_config cfg = fake_cfg();
	struct aws_endpoint ep;
	char err[256];

	cfg.ignore_configured = 1;
	cfg.profile_endpoint_url = U_PROFILE;
	env_set("AWS_ENDPOINT_URL_STS", U_SVCENV);
	env_set("AWS_ENDPOINT_URL", U_ENV);
	fake_services_value = U_SECTION;
	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, "eu-north-1", &cfg,
					  &ep, err, sizeof(err)), 0);
	ck_assert_str_eq(ep.url, "https://sts.eu-north-1.amazonaws.com");
	ck_assert_int_eq(n_env_asked, 0);
	ck_assert_str_eq(services_asked, "");

	/* a bad configured URL is not even looked at */
	env_set("AWS_ENDPOINT_URL", "not a url");
	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, "eu-north-1", &cfg,
					  &ep, err, sizeof(err)), 0);

	/* the command line option is not a "configured" endpoint */
	cfg.orgfs_endpoint = U_ORGFS;
	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, "eu-north-1", &cfg,
					  &ep, err, sizeof(err)), 0);
	ck_assert_str_eq(ep.url, U_ORGFS);
}
END_TEST

/* ---- configured URLs keep the service's signing region ---- */

START_TEST(test_configured_signing_region)
{
	struct endpoint_config cfg = fake_cfg();
	struct aws_endpoint ep;
	char err[256];

	cfg.orgfs_endpoint = "http://127.0.0.1:4567";
	ck_assert_int_eq(endpoint_resolve(&aws_svc_organizations, "eu-west-1",
					  &cfg, &ep, err, sizeof(err)), 0);
	ck_assert_str_eq(ep.url, "http://127.0.0.1:4567");
	ck_assert_str_eq(ep.host, "127.0.0.1:4567");
	ck_assert_str_eq(ep.signing_region, "us-east-1");
	ck_assert_str_eq(ep.partition, "aws");

	ck_assert_int_eq(endpoint_resolve(&aws_svc_organizations, "cn-north-1",
					  &cfg, &ep, err, sizeof(err)), 0);
	ck_assert_str_eq(ep.signing_region, "cn-northwest-1");
	ck_assert_str_eq(ep.partition, "aws-cn");

	ck_assert_int_eq(endpoint_resolve(&aws_svc_tagging, "ap-south-1",
					  &cfg, &ep, err, sizeof(err)), 0);
	ck_assert_str_eq(ep.signing_region, "ap-south-1");
	ck_assert_str_eq(ep.url, "http://127.0.0.1:4567");

	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, "aws-global",
					  &cfg, &ep, err, sizeof(err)), 0);
	ck_assert_str_eq(ep.signing_region, "us-east-1");
	ck_assert_str_eq(ep.url, "http://127.0.0.1:4567");
}
END_TEST

/* ---- URL normalisation ---- */

struct norm_row {
	const char *in, *url, *host;
};

static const struct norm_row norm_rows[] = {
	{ "http://localhost:4567/", "http://localhost:4567", "localhost:4567" },
	{ "http://localhost:4567", "http://localhost:4567", "localhost:4567" },
	{ "https://example.com/base/", "https://example.com/base",
	  "example.com" },
	{ "https://example.com/a/b//", "https://example.com/a/b",
	  "example.com" },
	{ "https://example.com:443/x", "https://example.com/x", "example.com" },
	{ "http://example.com:80", "http://example.com", "example.com" },
	{ "http://example.com:443", "http://example.com:443",
	  "example.com:443" },
	{ "https://example.com:80/", "https://example.com:80",
	  "example.com:80" },
	{ "HTTPS://Example.COM:8443", "https://Example.COM:8443",
	  "Example.COM:8443" },
	{ "http://[::1]:4567/", "http://[::1]:4567", "[::1]:4567" },
	{ "http://[fe80::1]", "http://[fe80::1]", "[fe80::1]" },
	{ "https://vpce-1.sts.eu-west-1.vpce.amazonaws.com",
	  "https://vpce-1.sts.eu-west-1.vpce.amazonaws.com",
	  "vpce-1.sts.eu-west-1.vpce.amazonaws.com" },
};
#define NNORM ((int)(sizeof(norm_rows) / sizeof(norm_rows[0])))

START_TEST(test_normalise)
{
	const struct norm_row *r = &norm_rows[_i];
	struct endpoint_config cfg = fake_cfg();
	struct aws_endpoint ep;
	char err[256] = "";

	env_set("AWS_ENDPOINT_URL", r->in);
	ck_assert_int_eq(endpoint_check_url(r->in, err, sizeof(err)), 0);
	ck_assert_int_eq(endpoint_resolve(&aws_svc_config, "us-west-1", &cfg,
					  &ep, err, sizeof(err)), 0);
	ck_assert_str_eq(ep.url, r->url);
	ck_assert_str_eq(ep.host, r->host);
}
END_TEST

/* ---- bad URLs ---- */

struct bad_row {
	const char *in, *why;
};

static const struct bad_row bad_rows[] = {
	{ "localhost:4567", "missing scheme (http:// or https://)" },
	{ "127.0.0.1", "missing scheme (http:// or https://)" },
	{ "ftp://example.com", "scheme is not http:// or https://" },
	{ "httpx://example.com", "scheme is not http:// or https://" },
	{ "://example.com", "scheme is not http:// or https://" },
	{ "http://", "missing host" },
	{ "http:///path", "missing host" },
	{ "http://:4567", "missing host" },
	{ "http://host:", "empty port" },
	{ "http://host:0", "port out of range (1-65535)" },
	{ "http://host:65536", "port out of range (1-65535)" },
	{ "http://host:99999999999999999999", "port out of range (1-65535)" },
	{ "http://host:12ab", "port is not a number" },
	{ "http://host:-1", "port is not a number" },
	{ "http://ho st", "contains a space" },
	{ "http://host/a b", "contains a space" },
	{ " http://host", "contains a space" },
	{ "http://host\n", "contains a control character" },
	{ "http://host/?x=1", "query or fragment not allowed" },
	{ "http://host#frag", "query or fragment not allowed" },
	{ "http://ex%61mple.com", "bad character in host name" },
	{ "http://[::1", "bad IPv6 address" },
	{ "http://[]:80", "bad IPv6 address" },
	{ "http://[::g]", "bad IPv6 address" },
	{ "http://[::1]x", "bad host" },
};
#define NBAD ((int)(sizeof(bad_rows) / sizeof(bad_rows[0])))

START_TEST(test_bad_url)
{
	const struct bad_row *r = &bad_rows[_i];
	struct endpoint_config cfg = fake_cfg();
	struct aws_endpoint ep, before;
	char err[512] = "", want[512];

	snprintf(want, sizeof(want), "invalid endpoint URL '%s': %s", r->in,
		 r->why);
	ck_assert_int_eq(endpoint_check_url(r->in, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, want);

	/* through resolve, the message names where the URL came from, and
	 * out is left alone */
	memset(&ep, 0x5a, sizeof(ep));
	before = ep;
	env_set("AWS_ENDPOINT_URL_SSO", r->in);
	ck_assert_int_eq(endpoint_resolve(&aws_svc_sso, "us-east-1", &cfg,
					  &ep, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "AWS_ENDPOINT_URL_SSO: invalid endpoint "
		 "URL '%s': %s", r->in, r->why);
	ck_assert_str_eq(err, want);
	ck_assert(!memcmp(&ep, &before, sizeof(ep)));
}
END_TEST

START_TEST(test_bad_url_sources)
{
	struct endpoint_config cfg = fake_cfg();
	struct aws_endpoint ep;
	char err[512];

	cfg.orgfs_endpoint = "nope";
	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, "us-east-1", &cfg,
					  &ep, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "endpoint option: "));
	cfg.orgfs_endpoint = NULL;
	fake_services_value = "nope";
	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, "us-east-1", &cfg,
					  &ep, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "services section of the profile: "));
	fake_services_value = NULL;
	env_set("AWS_ENDPOINT_URL", "nope");
	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, "us-east-1", &cfg,
					  &ep, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "AWS_ENDPOINT_URL: invalid endpoint "
				     "URL 'nope'"));
	env_set("AWS_ENDPOINT_URL", NULL);
	cfg.profile_endpoint_url = "nope";
	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, "us-east-1", &cfg,
					  &ep, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "endpoint_url in the profile: "));
}
END_TEST

START_TEST(test_url_misc)
{
	struct endpoint_config cfg = fake_cfg();
	struct aws_endpoint ep;
	char err[512], big[700];

	ck_assert_int_eq(endpoint_check_url("", err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "empty endpoint URL");
	ck_assert_int_eq(endpoint_check_url(NULL, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(endpoint_check_url("http://h", NULL, 0), 0);
	ck_assert_int_eq(endpoint_check_url("ftp://h", NULL, 0), -EINVAL);

	/* a password in the URL is never repeated in the message */
	ck_assert_int_eq(endpoint_check_url("http://user:hunter2@host", err,
					    sizeof(err)), -EINVAL);
	ck_assert_ptr_null(strstr(err, "hunter2"));
	ck_assert_ptr_nonnull(strstr(err, "user name or password"));

	/* longer than aws_endpoint.url */
	memset(big, 'a', sizeof(big));
	memcpy(big, "http://h/", 9);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(endpoint_check_url(big, err, sizeof(err)), 0);
	cfg.orgfs_endpoint = big;
	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, "us-east-1", &cfg,
					  &ep, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "endpoint option: endpoint URL too long");

	/* a small err buffer is truncated, not overrun */
	err[5] = 'X';
	ck_assert_int_eq(endpoint_check_url("ftp://x", err, 5), -EINVAL);
	ck_assert_int_eq(strlen(err), 4);
	ck_assert_int_eq(err[5], 'X');
}
END_TEST

/* ---- regions ---- */

static const char *const bad_regions[] = {
	"", "US-EAST-1", "us east 1", "us_east_1", "us-east-1/", "us-east-1.",
	"eu-west-1\n", "r\xc3\xa9gion",
	"a-very-long-region-name-that-goes-on-and-on-past-sixty-three-chars",
};
#define NBADREG ((int)(sizeof(bad_regions) / sizeof(bad_regions[0])))

START_TEST(test_bad_region)
{
	struct endpoint_config cfg = fake_cfg();
	struct aws_endpoint ep, before;
	char err[256], want[256];

	memset(&ep, 0x5a, sizeof(ep));
	before = ep;
	snprintf(want, sizeof(want), "invalid region '%s'", bad_regions[_i]);
	ck_assert_int_eq(endpoint_resolve(&aws_svc_config, bad_regions[_i],
					  &cfg, &ep, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, want);
	ck_assert(!memcmp(&ep, &before, sizeof(ep)));

	/* even with an endpoint given: the signing region still matters */
	cfg.orgfs_endpoint = "http://127.0.0.1:1";
	ck_assert_int_eq(endpoint_resolve(&aws_svc_organizations,
					  bad_regions[_i], &cfg, &ep, err,
					  sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_null_region)
{
	struct aws_endpoint ep;
	char err[256];

	ck_assert_int_eq(endpoint_resolve(&aws_svc_sts, NULL, NULL, &ep, err,
					  sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "invalid region ''");
	ck_assert_str_eq(endpoint_partition(NULL), "aws");
}
END_TEST

START_TEST(test_partition)
{
	static const char *const rows[][2] = {
		{ "us-east-1", "aws" }, { "eu-west-3", "aws" },
		{ "ap-northeast-3", "aws" }, { "il-central-1", "aws" },
		{ "aws-global", "aws" }, { "cn-north-1", "aws-cn" },
		{ "cn-northwest-1", "aws-cn" }, { "aws-cn-global", "aws-cn" },
		{ "us-gov-west-1", "aws-us-gov" },
		{ "us-gov-east-1", "aws-us-gov" },
		{ "aws-us-gov-global", "aws-us-gov" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_str_eq(endpoint_partition(rows[i][0]), rows[i][1]);
}
END_TEST

static Suite *endpoint_suite(void)
{
	Suite *s = suite_create("endpoint");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_service_table, 0, NSVC);
	tcase_add_loop_test(tc, test_standard, 0, NSTD);
	tcase_add_test(tc, test_null_config_uses_environment);
	tcase_add_loop_test(tc, test_precedence, 0, NSVC);
	tcase_add_test(tc, test_empty_values_skipped);
	tcase_add_test(tc, test_env_names_asked);
	tcase_add_test(tc, test_ignore_configured);
	tcase_add_test(tc, test_configured_signing_region);
	tcase_add_loop_test(tc, test_normalise, 0, NNORM);
	tcase_add_loop_test(tc, test_bad_url, 0, NBAD);
	tcase_add_test(tc, test_bad_url_sources);
	tcase_add_test(tc, test_url_misc);
	tcase_add_loop_test(tc, test_bad_region, 0, NBADREG);
	tcase_add_test(tc, test_null_region);
	tcase_add_test(tc, test_partition);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(endpoint_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
