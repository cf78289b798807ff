/* creds_sso.h - credentials from IAM Identity Center (SSO)
 *
 * The provider reads the token that 'aws sso login' cached, refreshes it
 * through sso-oidc:CreateToken when it has less than 15 minutes left and
 * can be refreshed (writing it back as botocore does), and trades it for
 * the role's credentials with sso:GetRoleCredentials.  Without a usable
 * token every fetch fails with UnauthorizedSSOToken and says to run
 * 'aws sso login --profile <profile>'.
 */
#ifndef ORGFS_CREDS_SSO_H
#define ORGFS_CREDS_SSO_H

#include <time.h>

#include "creds.h"

struct aws_client;

struct creds_sso_options {
	struct aws_client *client;      /* taken, even on failure; without
					   credentials, in sso_region */
	const char *profile;            /* for messages */
	const char *home;               /* the token cache is
					   <home>/.aws/sso/cache/<sha1>.json */
	const char *session_key;        /* hashed for that name: the
					   sso_session, or the start URL */
	const char *account_id;         /* sso_account_id */
	const char *role_name;          /* sso_role_name */
	const char *sso_region;
	time_t (*clock)(void);          /* NULL: time() */
};

/* Strings are copied.  @return a new provider, or NULL on -ENOMEM */
struct creds_provider *creds_sso_new(const struct creds_sso_options *opt);

#endif
