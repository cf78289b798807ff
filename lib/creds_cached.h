/* creds_cached.h - the caching, refreshing wrapper every provider sits in
 *
 * A provider is a fetch function under this wrapper, which owns expiry,
 * the refresh windows and single flight, as botocore does: from 15 minutes
 * before expiry one caller refreshes while the others keep the current
 * credentials; from 10 minutes before, callers wait for that one refresh;
 * credentials that live less than 45 minutes use a third and a sixth of
 * their lifetime instead, so that short sessions are not refetched on
 * every call.  A failed refresh keeps credentials that are still valid
 * (with a warning) and is not retried for 30 s; without valid credentials
 * the failure is returned at once to every caller for 2 s, so that a dead
 * endpoint does not cost every call a timeout.
 */
#ifndef ORGFS_CREDS_CACHED_H
#define ORGFS_CREDS_CACHED_H

#include <time.h>

#include "creds.h"

struct aws_error;

#define CREDCHAIN_ADVISORY_REFRESH (15 * 60)
#define CREDCHAIN_MANDATORY_REFRESH (10 * 60)

/* Fetch new credentials (expiration 0 = never expires): a new reference
 * in *out, or -errno with err filled.  Runs with no lock held, at most
 * once at a time per provider. */
typedef int (*credchain_fetch_fn)(void *arg, struct aws_credentials **out,
				  struct aws_error *err);

/* A provider that answers from fetch's last credentials and calls fetch
 * again as said above.  arg is owned: arg_free (may be NULL) frees it with
 * the provider, or at once when this fails.  description names the
 * provider in messages ("profile prod (sso)"); name is unused.  clock is
 * the wall clock (NULL: time()).
 * @return a new provider, or NULL on -ENOMEM */
struct creds_provider *credchain_cached_new(const char *name,
					    const char *description,
					    credchain_fetch_fn fetch,
					    void *arg,
					    void (*arg_free)(void *arg),
					    time_t (*clock)(void));

#endif
