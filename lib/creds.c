/* creds.c - reference-counted credentials, the provider base, and what
 * every provider shares (creds_priv.h): JSON credentials and small helpers
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "awserr.h"
#include "awstime.h"
#include "buf.h"
#include "creds.h"
#include "creds_priv.h"

time_t creds_default_clock(void)
{
	return time(NULL);
}

void creds_wipe_free(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

char *creds_xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
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
	creds_wipe_free(c->access_key_id);
	creds_wipe_free(c->secret_access_key);
	creds_wipe_free(c->session_token);
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

/* ---- JSON credentials and helpers for the providers ------------------ */

const char *creds_jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int creds_from_json(json_t *o, const char *token_key,
		    struct aws_credentials **out, struct aws_error *err,
		    const char *what)
{
	const char *akid = creds_jstr(o, "AccessKeyId");
	const char *secret = creds_jstr(o, "SecretAccessKey");
	const char *token = creds_jstr(o, token_key);
	json_t *jexp = json_object_get(o, "Expiration");
	time_t exp = 0;
	struct aws_credentials *c;

	if (!akid || !*akid || !secret || !*secret) {
		aws_error_set(err, EIO, "MalformedResponse",
			      "%s: reply has no AccessKeyId/SecretAccessKey", what);
		return -EIO;
	}
	if (jexp && !json_is_null(jexp) && awstime_from_json(jexp, &exp) < 0) {
		aws_error_set(err, EIO, "MalformedResponse",
			      "%s: reply has a malformed Expiration", what);
		return -EIO;
	}
	c = aws_credentials_new(akid, secret, token, exp);
	if (!c) {
		aws_error_set(err, ENOMEM, "OutOfMemory", "%s: out of memory", what);
		return -ENOMEM;
	}
	if (creds_jstr(o, "AccountId"))
		c->account_id = strdup(creds_jstr(o, "AccountId"));
	*out = c;
	return 0;
}

/* jansson's error text quotes up to 20 bytes of the input near the error,
 * which in a reply cut short is a secret: say only where it failed. */
int creds_from_body(const struct buf *body, const char *token_key,
		    struct aws_credentials **out, struct aws_error *err,
		    const char *what)
{
	json_error_t jerr;
	json_t *j;
	int rc;

	j = json_loadb(buf_str(body), body->len, 0, &jerr);
	if (!j) {
		aws_error_set(err, EIO, "MalformedResponse",
			      "%s: malformed json reply: line %d column %d",
			      what, jerr.line, jerr.column);
		OPENSSL_cleanse(&jerr, sizeof(jerr));
		return -EIO;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		aws_error_set(err, EIO, "MalformedResponse",
			      "%s: json reply is not an object", what);
		return -EIO;
	}
	rc = creds_from_json(j, token_key, out, err, what);
	json_decref(j);
	return rc;
}

void creds_account_from_arn(struct aws_credentials *c, const char *arn)
{
	const char *p = arn;

	for (int i = 0; p && i < 4; i++) {
		p = strchr(p, ':');
		if (p)
			p++;
	}
	if (p && strchr(p, ':') && !c->account_id)
		c->account_id = strndup(p, (size_t)(strchr(p, ':') - p));
}

void creds_prefix_err(struct aws_error *e, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 4096);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_puts(&b, ": ");
	buf_puts(&b, e->message);
	snprintf(e->message, sizeof(e->message), "%s", buf_str(&b));
	buf_free(&b);
}

int creds_read_small_file(const char *path, size_t max, struct buf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	buf_init(out, max);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		rc = buf_append(out, chunk, (size_t)n);
		if (rc < 0)
			break;
	}
	if (n < 0)
		rc = -errno;
	OPENSSL_cleanse(chunk, sizeof(chunk));
	close(fd);
	if (rc < 0)
		buf_wipe(out);
	return rc;
}
