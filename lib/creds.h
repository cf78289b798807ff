/* creds.h - AWS credentials and the provider interface
 *
 * Credentials are immutable and shared by reference count; the last release
 * wipes the secret and the session token before freeing them.  A provider
 * hands out a reference to its current credentials, fetching or refreshing
 * them as needed (single flight: concurrent callers wait for one fetch).
 */
#ifndef ORGFS_CREDS_H
#define ORGFS_CREDS_H

#include <time.h>

struct aws_error;

struct aws_credentials {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;            /* NULL when none */
	char *account_id;               /* NULL when unknown */
	time_t expiration;              /* wall clock; 0 = does not expire */
	int refcount;                   /* atomic */
};

/* Copies the strings.  @return NULL on -ENOMEM */
struct aws_credentials *aws_credentials_new(const char *akid,
					    const char *secret,
					    const char *token,
					    time_t expiration);
struct aws_credentials *aws_credentials_acquire(struct aws_credentials *c);
void aws_credentials_release(struct aws_credentials *c);

struct creds_provider;

struct creds_provider_vtable {
	const char *name;               /* "environment", "sso", ... */
	/* Return a new reference in *out, or -errno with err filled. */
	int (*get)(struct creds_provider *p, struct aws_credentials **out,
		   struct aws_error *err);
	/* The service rejected the credentials (ExpiredToken): refetch on the
	 * next get.  May be NULL. */
	void (*invalidate)(struct creds_provider *p);
	void (*destroy)(struct creds_provider *p);
};

struct creds_provider {
	const struct creds_provider_vtable *vt;
	int refcount;                   /* atomic */
	char *description;              /* for messages: "profile prod (sso)" */
};

/* Initialise the base of a provider (refcount 1). */
void creds_provider_init(struct creds_provider *p,
			 const struct creds_provider_vtable *vt,
			 const char *description);
int creds_provider_get(struct creds_provider *p, struct aws_credentials **out,
		       struct aws_error *err);
void creds_provider_invalidate(struct creds_provider *p);
struct creds_provider *creds_provider_acquire(struct creds_provider *p);
void creds_provider_release(struct creds_provider *p);

/* A provider that always returns the given credentials (tests, env). */
struct creds_provider *creds_static_new(const char *akid, const char *secret,
					const char *token, const char *desc);

#endif
