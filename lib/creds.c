/* creds.c - reference-counted credentials and the provider base */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "awserr.h"
#include "creds.h"

static void wipe_free(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

struct aws_credentials *aws_credentials_new(const char *akid,
					    const char *secret,
					    const char *token,
					    time_t expiration)
{
	struct aws_credentials *c;

	if (!akid || !secret)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->access_key_id = strdup(akid);
	c->secret_access_key = strdup(secret);
	c->session_token = token && *token ? strdup(token) : NULL;
	c->expiration = expiration;
	c->refcount = 1;
	if (!c->access_key_id || !c->secret_access_key ||
	    (token && *token && !c->session_token)) {
		aws_credentials_release(c);
		return NULL;
	}
	return c;
}

struct aws_credentials *aws_credentials_acquire(struct aws_credentials *c)
{
	if (c)
		__atomic_add_fetch(&c->refcount, 1, __ATOMIC_RELAXED);
	return c;
}

void aws_credentials_release(struct aws_credentials *c)
{
	if (!c || __atomic_sub_fetch(&c->refcount, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	wipe_free(c->access_key_id);
	wipe_free(c->secret_access_key);
	wipe_free(c->session_token);
	free(c->account_id);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

void creds_provider_init(struct creds_provider *p,
			 const struct creds_provider_vtable *vt,
			 const char *description)
{
	p->vt = vt;
	p->refcount = 1;
	p->description = strdup(description ? description : vt->name);
}

int creds_provider_get(struct creds_provider *p, struct aws_credentials **out,
		       struct aws_error *err)
{
	return p->vt->get(p, out, err);
}

void creds_provider_invalidate(struct creds_provider *p)
{
	if (p->vt->invalidate)
		p->vt->invalidate(p);
}

struct creds_provider *creds_provider_acquire(struct creds_provider *p)
{
	if (p)
		__atomic_add_fetch(&p->refcount, 1, __ATOMIC_RELAXED);
	return p;
}

void creds_provider_release(struct creds_provider *p)
{
	char *desc;

	if (!p || __atomic_sub_fetch(&p->refcount, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	desc = p->description;
	p->vt->destroy(p);
	free(desc);
}

struct static_provider {
	struct creds_provider base;
	struct aws_credentials *creds;
};

static int static_get(struct creds_provider *p, struct aws_credentials **out,
		      struct aws_error *err)
{
	struct static_provider *sp = (struct static_provider *)p;

	(void)err;
	*out = aws_credentials_acquire(sp->creds);
	return 0;
}

static void static_destroy(struct creds_provider *p)
{
	struct static_provider *sp = (struct static_provider *)p;

	aws_credentials_release(sp->creds);
	free(sp);
}

static const struct creds_provider_vtable static_vt = {
	.name = "static",
	.get = static_get,
	.destroy = static_destroy,
};

struct creds_provider *creds_static_new(const char *akid, const char *secret,
					const char *token, const char *desc)
{
	struct static_provider *sp = calloc(1, sizeof(*sp));

	if (!sp)
		return NULL;
	sp->creds = aws_credentials_new(akid, secret, token, 0);
	if (!sp->creds) {
		free(sp);
		return NULL;
	}
	creds_provider_init(&sp->base, &static_vt, desc);
	return &sp->base;
}
