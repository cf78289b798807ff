/* creds_sts.h - credentials from AWS STS: assume role, web identity, and
 * the roles of member accounts
 *
 * Each provider is cached and refreshing (creds_cached.h); its fetch is one
 * STS call through an aws_client, with that client's retries, reply limits
 * and error parsing.  Failures name the profile or account and the role.
 */
#ifndef ORGFS_CREDS_STS_H
#define ORGFS_CREDS_STS_H

#include <time.h>

#include "creds.h"

struct aws_client;

struct creds_assume_role_options {
	struct aws_client *sts;         /* taken, even on failure; signs with
					   the source profile's credentials */
	const char *profile;            /* for messages */
	const char *role_arn;
	const char *session_name;       /* RoleSessionName */
	const char *external_id;        /* NULL: none */
	const char *duration;           /* DurationSeconds; NULL: STS's */
	const char *mfa_serial;         /* NULL: none */
	char *token_code;               /* the MFA code, with mfa_serial; taken
					   even on failure, used once, wiped */
	time_t (*clock)(void);          /* NULL: time() */
};

/* sts:AssumeRole with the options.  With mfa_serial the code works for the
 * first fetch only; once that session expires, fetches fail with
 * ExpiredToken ("remount to enter a new MFA code").  Strings are copied.
 * @return a new provider, or NULL on -ENOMEM */
struct creds_provider *
creds_assume_role_new(const struct creds_assume_role_options *opt);

struct creds_web_identity_options {
	struct aws_client *sts;         /* taken, even on failure; without
					   credentials: the call is unsigned */
	const char *profile;            /* for messages */
	const char *token_file;         /* re-read on every fetch */
	const char *role_arn;
	const char *session_name;       /* RoleSessionName */
	time_t (*clock)(void);          /* NULL: time() */
};

/* sts:AssumeRoleWithWebIdentity with the token read from token_file
 * (trailing white space removed).  Strings are copied.
 * @return a new provider, or NULL on -ENOMEM */
struct creds_provider *
creds_web_identity_new(const struct creds_web_identity_options *opt);

/* The providers of member-account roles assumed with one client's
 * credentials: one provider per account, role, external id and partition,
 * shared by every caller that asks for it.  The registry is owned by
 * whoever made it (the AWS source) and dies with it; the providers it
 * handed out live on while referenced. */
struct credchain_member_roles;

/* base is borrowed: it must outlive the registry and every provider it
 * hands out.  NULL base: every lookup fails.
 * @return a new registry, or NULL on -ENOMEM */
struct credchain_member_roles *credchain_member_roles_new(struct aws_client *base);

/* Drop the registry's references.  NULL is fine. */
void credchain_member_roles_free(struct credchain_member_roles *r);

/* A cached, refreshing provider of credentials for role_name in a member
 * account, assumed with base's credentials (sts:AssumeRole, session name
 * "orgfs-<account id>", role_name may hold a path "path/Name").  Repeated
 * calls with the same account, role and external id share one provider.
 * external_id and partition may be NULL (partition "aws").  Thread-safe.
 * @return a new reference, or NULL on -ENOMEM / invalid arguments */
struct creds_provider *credchain_member_role(struct credchain_member_roles *r,
					     const char *account_id,
					     const char *role_name,
					     const char *external_id,
					     const char *partition);

#endif
