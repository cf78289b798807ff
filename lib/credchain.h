/* credchain.h - the AWS CLI v2 credential provider chain
 *
 * credchain_load() reads ~/.aws/config and ~/.aws/credentials, picks the
 * profile and region and builds the provider the AWS CLI would use, in
 * its order: environment (not when a profile was named), assume role
 * (source_profile chains / credential_source, MFA), web identity, SSO,
 * the credentials file, credential_process, static keys in the config
 * file, container credentials, EC2 instance metadata (IMDSv2).
 *
 * Every provider it returns is cached and refreshing (creds_cached.h):
 * refreshed ahead of expiry as botocore does, one caller at a time; a
 * failed refresh keeps credentials that are still valid (with a warning);
 * without valid credentials every caller fails at once with a message
 * that names the profile and what to run.  The providers themselves are
 * one file each: creds_sts.h (assume role, web identity, member-account
 * roles), creds_sso.h, creds_process.h, creds_http.h (container, IMDS).
 *
 * Typical use in main():
 *	struct credchain_options o = { .profile = opt_profile,
 *		.region = opt_region, .http = http,
 *		.orgfs_endpoint = opt_endpoint, .interactive = 1 };
 *	struct credchain *cc;
 *	if (credchain_load(&o, &cc, err, sizeof(err)) < 0) die(err);
 *	struct aws_client_config acfg = { .http = http, .creds = cc->provider,
 *		.region = cc->region, .endpoints = &cc->endpoints };
 *	client = aws_client_new(&acfg);
 *	credchain_caller_identity(client, &id, &aerr);   (before daemonizing)
 *	...
 *	aws_client_free(client); credchain_free(cc);
 */
#ifndef ORGFS_CREDCHAIN_H
#define ORGFS_CREDCHAIN_H

#include <stddef.h>
#include <time.h>

#include "creds.h"
#include "endpoint.h"

struct aws_client;
struct aws_error;
struct http_ctx;
struct awscfg;

struct credchain_options {
	const char *profile;            /* NULL: AWS_PROFILE, AWS_DEFAULT_PROFILE,
					   "default" */
	const char *region;             /* override; NULL: AWS_REGION,
					   AWS_DEFAULT_REGION, the profile's */
	const char *orgfs_endpoint;     /* -o endpoint=URL, NULL: none */
	int ignore_configured_endpoints; /* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS */
	struct http_ctx *http;          /* borrowed; outlives the chain */
	int interactive;                /* may prompt for an MFA code on /dev/tty */
	/* For mocking, leave NULL otherwise */
	const char *(*getenv_fn)(const char *name);
	time_t (*clock)(void);          /* wall clock for expiry decisions */
};

struct credchain {
	struct creds_provider *provider;        /* cached, refreshing; owned */
	char *profile;                  /* the profile used ("default") */
	char *region;                   /* resolved region, NULL when none */
	const char *source;             /* provider that answers: "environment",
					   "assume-role", "web-identity", "sso",
					   "shared-credentials-file",
					   "credential-process", "config-file",
					   "container", "instance-metadata" */
	/* One line for .orgfs/config and the README: where the credentials
	 * come from, as the chain was built: "environment variables
	 * AWS_ACCESS_KEY_ID (****ABCD), AWS_SECRET_ACCESS_KEY", "profile p:
	 * static keys in the shared credentials file (access key id
	 * ****ABCD)", "profile p: assume role ARN; source: ...", "profile p:
	 * IAM Identity Center (SSO), ...", "profile p: credential_process
	 * (PROGRAM)", "container credentials (...)", "EC2 instance metadata
	 * at URL (...)".  Never a secret: an access key id only masked. */
	char *description;
	/* For aws_client_config.endpoints: orgfs_endpoint, the profile's
	 * endpoint_url and its [services x] section, getenv_fn.  Valid until
	 * credchain_free. */
	struct endpoint_config endpoints;
	struct awscfg *config;          /* the parsed files */
};

/* Load the configuration and build the chain.  Nothing is fetched from the
 * network, except when the profile has mfa_serial: then the code is asked
 * for on /dev/tty (needs interactive) and the role assumed at once.
 * @return 0, or -errno with a one-line message in err (no secret in it) */
int credchain_load(const struct credchain_options *opt,
		   struct credchain **out, char *err, size_t errlen);
/* Free clients using cc->provider or cc->endpoints first. */
void credchain_free(struct credchain *cc);

struct credchain_identity {
	char account[16];
	char arn[2048];
	char user_id[256];
};

/* sts:GetCallerIdentity with the client's credentials.
 * @return 0 or -errno with err filled */
int credchain_caller_identity(struct aws_client *c,
			      struct credchain_identity *id,
			      struct aws_error *err);

#endif
