/* mountsrc.h - the AWS source of a mount: credentials proven at mount */
#ifndef ORGFS_MOUNTSRC_H
#define ORGFS_MOUNTSRC_H

struct aws_client;
struct org_source;
struct http_ctx;
struct creds_provider;
struct credchain;
struct aws_rate_limit;

struct mountsrc_options {
	const char *profile;            /* NULL: environment, then "default" */
	const char *region;             /* NULL: environment, then profile */
	const char *endpoint;           /* -o endpoint=URL */
	const char *max_attempts;       /* unparsed option values, or NULL */
	const char *retry_mode;
	const char *ca_bundle;
	int insecure;
	int concurrency;
	const struct aws_rate_limit *rate_limits;
	size_t nrate_limits;
	const char *member_role;        /* NULL: OrganizationAccountAccessRole */
	/* Config compliance from it, and resources too when no view; NULL */
	const char *config_aggregator;
	const char *config_aggregator_region;
	const char *resource_explorer_view;     /* resources from it; NULL */
	const char *external_id;
	/* -o sso_instance (an ARN or the delegated administrator's
	 * account), -o sso_region; NULL: not given */
	const char *sso_instance;
	const char *sso_region;
	int interactive;                /* may ask for an MFA code */
};

struct mountsrc {
	struct http_ctx *http;
	struct credchain *chain;
	struct creds_provider *creds;
	struct aws_client *client;
	struct org_source *source;      /* handed to the org, which frees it */
	char *profile;
	char *region;
	char *identity;                 /* the caller's ARN */
	char account[16];               /* the caller's account */
	int max_attempts;
	const char *retry_mode;
};

/* Check -o max_attempts / retry_mode (and their environment variables);
 * prints one line and returns -1 when one is not valid. */
#include "aws.h"
int mountsrc_parse_retry(const char *attempts, const char *mode, int *n,
			 enum aws_retry_mode *m, const char **name);

/* Resolve the profile and credentials, prove them with
 * sts:GetCallerIdentity, and build the source.  On failure prints one line
 * to stderr and returns -1. */
int mountsrc_open(const struct mountsrc_options *o, struct mountsrc *out);
/* Frees all but the source. */
void mountsrc_close(struct mountsrc *ms);

#endif
