/* credchain.h - the AWS CLI v2 credential provider chain
 *
 * credchain_load() reads ~/.aws/config and ~/.aws/credentials, picks the
 * profile and region and builds the provider the AWS CLI would use, in
 * its order: environment (not when a profile was named), assume role
 * (source_profile chains / credential_source, MFA), web identity, SSO,
 * the credentials file, credential_process, static keys in the config
 * file, container credentials, EC2 instance metadata (IMDSv2).
 *
 * Every provider it returns caches its credentials and refreshes them
 * ahead of expiry as botocore does: from 15 minutes before expiry one
 * caller refreshes while the others keep the current credentials; from 10
 * minutes before, callers wait for that one refresh (single flight);
 * credentials that live less than 45 minutes use a third and a sixth of
 * their lifetime instead, so that short sessions are not refetched on
 * every call.  A
 * failed refresh keeps credentials that are still valid (with a warning);
 * without valid credentials every caller fails at once with a message
 * that names the profile and what to run.
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

/* A cached, refreshing provider of credentials for role_name in a member
 * account, assumed with base's credentials (sts:AssumeRole, session name
 * "orgfs-<account id>", role_name may hold a path "path/Name").  Repeated
 * calls with the same base, account, role and external id share one
 * provider.  external_id and partition may be NULL (partition "aws").
 * @return a new reference, or NULL on -ENOMEM / invalid arguments */
struct creds_provider *credchain_member_role(struct aws_client *base,
					     const char *account_id,
					     const char *role_name,
					     const char *external_id,
					     const char *partition);
/* Drop the registry's references (at shutdown, before freeing base). */
void credchain_member_roles_clear(void);

/* The caching wrapper, exported for tests and other providers.  fetch
 * returns new credentials (expiration 0 = never expires) or -errno with
 * err filled; it runs with no lock held, at most once at a time. */
typedef int (*credchain_fetch_fn)(void *arg, struct aws_credentials **out,
				  struct aws_error *err);
struct creds_provider *credchain_cached_new(const char *name,
					    const char *description,
					    credchain_fetch_fn fetch,
					    void *arg,
					    void (*arg_free)(void *arg),
					    time_t (*clock)(void));

/* The output of a credential_process program (its stdout, len bytes):
 * {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken",
 * "Expiration"}.  profile and program name the source in messages.
 * Exported for the fuzzer (tests/fuzz/fuzz_credproc.c).
 * @return 0 with *out a new reference, or -EIO with err filled */
int credchain_process_output(const char *text, size_t len,
			     const char *profile, const char *program,
			     struct aws_credentials **out,
			     struct aws_error *err);

#define CREDCHAIN_ADVISORY_REFRESH (15 * 60)
#define CREDCHAIN_MANDATORY_REFRESH (10 * 60)

#endif
