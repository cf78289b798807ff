/* creds_cached.c - the caching, refreshing provider wrapper (creds_cached.h) */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "awserr.h"
#include "creds_cached.h"
#include "creds_priv.h"
#include "log.h"

struct cached {
	struct creds_provider base;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct aws_credentials *creds;  /* protected by mu */
	time_t advisory, mandatory;     /* windows for creds; protected by mu */
	int invalid;                    /* protected by mu */
	int refreshing;                 /* protected by mu */
	unsigned long gen;              /* completed refreshes; protected by mu */
	int flight_rc;                  /* last refresh; protected by mu */
	struct aws_error flight_err;    /* protected by mu */
	time_t fail_time;               /* last failed refresh; protected by mu */
	credchain_fetch_fn fetch;
	void *arg;
	void (*arg_free)(void *arg);
	time_t (*clock)(void);
};

static int usable(const struct cached *c, time_t now)
{
	return c->creds && !c->invalid &&
	       (c->creds->expiration == 0 || now < c->creds->expiration);
}

/* Called with mu held; returns with mu held. */
static int cached_refresh(struct cached *c, struct aws_credentials **out,
			  struct aws_error *err)
{
	struct aws_credentials *nc = NULL;
	struct aws_error e;
	int rc;

	c->refreshing = 1;
	pthread_mutex_unlock(&c->mu);
	aws_error_clear(&e);
	rc = c->fetch(c->arg, &nc, &e);
	pthread_mutex_lock(&c->mu);
	c->refreshing = 0;
	c->gen++;
	c->flight_rc = rc;
	if (rc == 0) {
		time_t life = nc->expiration ? nc->expiration - c->clock() : 0;

		if (life < 0)
			life = 0;

		/* Short sessions (DurationSeconds 900) would sit in the
		 * windows from the start and be fetched on every call. */
		c->advisory = life / 3 < CREDCHAIN_ADVISORY_REFRESH ?
			life / 3 : CREDCHAIN_ADVISORY_REFRESH;
		c->mandatory = life / 6 < CREDCHAIN_MANDATORY_REFRESH ?
			life / 6 : CREDCHAIN_MANDATORY_REFRESH;
		aws_credentials_release(c->creds);
		c->creds = nc;
		c->invalid = 0;
		c->fail_time = 0;
		pthread_cond_broadcast(&c->cv);
		*out = aws_credentials_acquire(nc);
		return 0;
	}
	c->flight_err = e;
	c->fail_time = c->clock();
	pthread_cond_broadcast(&c->cv);
	if (usable(c, c->clock())) {
		char msg[768];

		olog(LOG_WARNING, "%s: refreshing credentials failed, "
		     "keeping the current ones: %s", c->base.description,
		     aws_error_str(&e, msg, sizeof(msg)));
		*out = aws_credentials_acquire(c->creds);
		return 0;
	}
	*err = e;
	return rc;
}

/* After a failed refresh: valid credentials are used as they are for a
 * while before the next attempt, and without valid ones the failure is
 * returned at once for a moment, so that a dead endpoint does not cost
 * every call a timeout. */
#define RETRY_VALID_AFTER 30
#define RETRY_EXPIRED_AFTER 2

static int cached_get(struct creds_provider *p, struct aws_credentials **out,
		      struct aws_error *err)
{
	struct cached *c = (struct cached *)p;
	int rc;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		time_t now = c->clock();
		time_t exp = c->creds ? c->creds->expiration : 0;
		int backoff = c->fail_time && now - c->fail_time >= 0;

		if (c->creds && !c->invalid &&
		    (exp == 0 || now < exp - c->advisory)) {
			*out = aws_credentials_acquire(c->creds);
			rc = 0;
			break;
		}
		if (usable(c, now) &&
		    ((c->refreshing && now < exp - c->mandatory) ||
		     (backoff && now - c->fail_time < RETRY_VALID_AFTER))) {
			/* advisory window: one caller refreshes, the
			 * others go on with what they have */
			*out = aws_credentials_acquire(c->creds);
			rc = 0;
			break;
		}
		if (c->refreshing) {
			unsigned long gen = c->gen;

			while (c->refreshing && c->gen == gen)
				pthread_cond_wait(&c->cv, &c->mu);
			if (c->flight_rc == 0 && c->creds) {
				*out = aws_credentials_acquire(c->creds);
				rc = 0;
			} else if (usable(c, c->clock())) {
				*out = aws_credentials_acquire(c->creds);
				rc = 0;
			} else {
				*err = c->flight_err;
				rc = c->flight_rc ? c->flight_rc : -EIO;
			}
			break;
		}
		if (!usable(c, now) && backoff && c->flight_rc < 0 &&
		    now - c->fail_time < RETRY_EXPIRED_AFTER) {
			*err = c->flight_err;
			rc = c->flight_rc;
			break;
		}
		rc = cached_refresh(c, out, err);
		break;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static void cached_invalidate(struct creds_provider *p)
{
	struct cached *c = (struct cached *)p;

	pthread_mutex_lock(&c->mu);
	c->invalid = 1;
	pthread_mutex_unlock(&c->mu);
}

static void cached_destroy(struct creds_provider *p)
{
	struct cached *c = (struct cached *)p;

	aws_credentials_release(c->creds);
	if (c->arg_free)
		c->arg_free(c->arg);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

static const struct creds_provider_vtable cached_vt = {
	.name = "cached",
	.get = cached_get,
	.invalidate = cached_invalidate,
	.destroy = cached_destroy,
};

struct creds_provider *credchain_cached_new(const char *name,
					    const char *description,
					    credchain_fetch_fn fetch,
					    void *arg,
					    void (*arg_free)(void *arg),
					    time_t (*clock)(void))
{
	struct cached *c = calloc(1, sizeof(*c));

	(void)name;
	if (!c) {
		if (arg_free)
			arg_free(arg);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->fetch = fetch;
	c->arg = arg;
	c->arg_free = arg_free;
	c->clock = clock ? clock : creds_default_clock;
	creds_provider_init(&c->base, &cached_vt, description);
	if (!c->base.description) {
		c->arg_free = NULL;
		cached_destroy(&c->base);
		if (arg_free)
			arg_free(arg);
		return NULL;
	}
	return &c->base;
}
