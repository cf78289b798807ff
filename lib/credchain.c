/* credchain.c - the AWS CLI v2 credential provider chain
 *
 * Every provider is a fetch function under one caching wrapper
 * (credchain_cached_new) that owns expiry, refresh windows and single
 * flight.  The chain itself is decided once, from the configuration, as
 * botocore's resolver does: the first provider whose settings are present
 * answers, and its errors are the chain's errors.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "aws.h"
#include "awsconfig.h"
#include "awstime.h"
#include "buf.h"
#include "credchain.h"
#include "http.h"
#include "log.h"

extern char **environ;

#define PROCESS_MAX_OUTPUT (64 * 1024)
#define PROCESS_TIMEOUT_MS (5 * 60 * 1000)
#define TOKEN_FILE_MAX (64 * 1024)
#define MAX_CHAIN_DEPTH 16

static time_t default_clock(void)
{
	return time(NULL);
}

static void wipe_free(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Prefix err's message with "profile X: " so every failure names it. */
static void prefix_err(struct aws_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void prefix_err(struct aws_error *e, const char *fmt, ...)
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

/* ---- the caching, refreshing wrapper ------------------------------- */

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
	c->clock = clock ? clock : default_clock;
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

/* ---- helpers for JSON credentials ---------------------------------- */

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* {AccessKeyId, SecretAccessKey, <token_key>, Expiration} */
static int creds_from_json(json_t *o, const char *token_key,
			   struct aws_credentials **out, struct aws_error *err,
			   const char *what)
{
	const char *akid = jstr(o, "AccessKeyId");
	const char *secret = jstr(o, "SecretAccessKey");
	const char *token = jstr(o, token_key);
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
	if (jstr(o, "AccountId"))
		c->account_id = strdup(jstr(o, "AccountId"));
	*out = c;
	return 0;
}

/* A credentials document from an HTTP provider.  jansson's error text
 * quotes up to 20 bytes of the input near the error, which in a reply cut
 * short is a secret: say only where it failed. */
static int creds_from_body(const struct buf *body, const char *token_key,
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

/* "arn:aws:sts::123456789012:assumed-role/x/y" -> account */
static void account_from_arn(struct aws_credentials *c, const char *arn)
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

/* ---- fixed credentials (environment, files) ------------------------ */

struct fixed_arg {
	struct aws_credentials *creds;
	char *what;
	time_t (*clock)(void);
};

static int fixed_fetch(void *arg, struct aws_credentials **out,
		       struct aws_error *err)
{
	struct fixed_arg *f = arg;

	if (f->creds->expiration && f->clock() >= f->creds->expiration) {
		aws_error_set(err, EACCES, "ExpiredToken",
			      "%s: the credentials have expired", f->what);
		return -EACCES;
	}
	*out = aws_credentials_acquire(f->creds);
	return 0;
}

static void fixed_free(void *arg)
{
	struct fixed_arg *f = arg;

	aws_credentials_release(f->creds);
	free(f->what);
	free(f);
}

static struct creds_provider *fixed_new(const char *akid, const char *secret,
					const char *token, time_t exp,
					const char *account, const char *desc,
					time_t (*clock)(void))
{
	struct fixed_arg *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->creds = aws_credentials_new(akid, secret, token, exp);
	f->what = strdup(desc);
	f->clock = clock;
	if (!f->creds || !f->what) {
		fixed_free(f);
		return NULL;
	}
	if (account && *account)
		f->creds->account_id = strdup(account);
	return credchain_cached_new("static", desc, fixed_fetch, f, fixed_free,
				    clock);
}

/* ---- the build context --------------------------------------------- */

struct build {
	const struct credchain_options *opt;
	struct awscfg *cfg;
	const char *region;             /* for STS; never NULL */
	const struct endpoint_config *ep;
	const char *visited[MAX_CHAIN_DEPTH];
	int nvisited;
	char *err;
	size_t errlen;
	time_t (*clock)(void);
};

static const char *b_env(const struct build *b, const char *name)
{
	const char *v = b->opt->getenv_fn ? b->opt->getenv_fn(name) : getenv(name);

	return v && *v ? v : NULL;
}

static int berr(struct build *b, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int berr(struct build *b, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static struct aws_client *sts_client(struct build *b, struct creds_provider *src)
{
	struct aws_client_config cfg = {
		.http = b->opt->http,
		.creds = src,
		.region = b->region,
		.endpoints = b->ep,
	};

	return aws_client_new(&cfg);
}

/* ---- environment ---------------------------------------------------- */

static int build_env(struct build *b, const char *why,
		     struct creds_provider **out)
{
	const char *akid = b_env(b, "AWS_ACCESS_KEY_ID");
	const char *secret = b_env(b, "AWS_SECRET_ACCESS_KEY");
	const char *token = b_env(b, "AWS_SESSION_TOKEN");
	const char *sexp = b_env(b, "AWS_CREDENTIAL_EXPIRATION");
	time_t exp = 0;

	if (!token)
		token = b_env(b, "AWS_SECURITY_TOKEN");
	if (!akid)
		return berr(b, -ENOENT, "%s: AWS_ACCESS_KEY_ID is not set", why);
	if (!secret)
		return berr(b, -EINVAL, "%s: AWS_ACCESS_KEY_ID is set but "
			    "AWS_SECRET_ACCESS_KEY is not", why);
	if (sexp && awstime_parse_iso8601(sexp, &exp) < 0)
		return berr(b, -EINVAL, "%s: AWS_CREDENTIAL_EXPIRATION is not "
			    "an ISO 8601 time", why);
	*out = fixed_new(akid, secret, token, exp, b_env(b, "AWS_ACCOUNT_ID"),
			 "environment", b->clock);
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
}

/* ---- static keys from the files ------------------------------------ */

static int has_static(const struct awscfg_section *s)
{
	const char *k = awscfg_get(s, "aws_access_key_id");

	return k && *k;
}

static int build_file_keys(struct build *b, const char *profile,
			   const struct awscfg_section *s, const char *what,
			   struct creds_provider **out)
{
	const char *akid = awscfg_get(s, "aws_access_key_id");
	const char *secret = awscfg_get(s, "aws_secret_access_key");
	const char *token = awscfg_get(s, "aws_session_token");
	char desc[300];

	if (!token || !*token)
		token = awscfg_get(s, "aws_security_token");
	if (!secret || !*secret)
		return berr(b, -EINVAL, "profile %s: aws_access_key_id is set "
			    "but aws_secret_access_key is not", profile);
	snprintf(desc, sizeof(desc), "profile %s (%s)", profile, what);
	*out = fixed_new(akid, secret, token, 0,
			 awscfg_get(s, "aws_account_id"), desc, b->clock);
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
}

/* ---- assume role ----------------------------------------------------- */

struct role_arg {
	struct aws_client *sts;
	char *profile;
	char *role_arn;
	char *session_name;
	char *external_id;
	char *duration;
	char *mfa_serial;
	char *token_code;               /* one use, then wiped */
};

static void role_free(void *arg)
{
	struct role_arg *r = arg;

	aws_client_free(r->sts);
	free(r->profile);
	free(r->role_arn);
	free(r->session_name);
	free(r->external_id);
	free(r->duration);
	free(r->mfa_serial);
	wipe_free(r->token_code);
	free(r);
}

static int sts_assume(struct aws_client *sts, const char *action,
		      const struct aws_param *params, size_t n,
		      struct aws_credentials **out, struct aws_error *err)
{
	char rkey[96], reskey[96];
	json_t *res = NULL, *r;
	int rc;

	rc = aws_query_call(sts, &aws_svc_sts, NULL, action, params, n, &res,
			    err);
	if (rc < 0)
		return rc;
	snprintf(rkey, sizeof(rkey), "%sResponse", action);
	snprintf(reskey, sizeof(reskey), "%sResult", action);
	r = json_object_get(json_object_get(res, rkey), reskey);
	rc = creds_from_json(json_object_get(r, "Credentials"), "SessionToken",
			     out, err, action);
	if (rc == 0) {
		const char *arn = jstr(json_object_get(r, "AssumedRoleUser"), "Arn");

		if (arn)
			account_from_arn(*out, arn);
	}
	json_decref(res);
	return rc;
}

static int role_fetch(void *arg, struct aws_credentials **out,
		      struct aws_error *err)
{
	struct role_arg *r = arg;
	struct aws_param p[6];
	size_t n = 0;
	int rc;

	if (r->mfa_serial && !r->token_code) {
		aws_error_set(err, EACCES, "ExpiredToken",
			      "profile %s: the MFA session has expired; "
			      "remount to enter a new MFA code", r->profile);
		return -EACCES;
	}
	p[n++] = (struct aws_param){ "RoleArn", r->role_arn };
	p[n++] = (struct aws_param){ "RoleSessionName", r->session_name };
	if (r->external_id)
		p[n++] = (struct aws_param){ "ExternalId", r->external_id };
	if (r->duration)
		p[n++] = (struct aws_param){ "DurationSeconds", r->duration };
	if (r->mfa_serial) {
		p[n++] = (struct aws_param){ "SerialNumber", r->mfa_serial };
		p[n++] = (struct aws_param){ "TokenCode", r->token_code };
	}
	rc = sts_assume(r->sts, "AssumeRole", p, n, out, err);
	if (r->token_code) {
		wipe_free(r->token_code);
		r->token_code = NULL;
	}
	if (rc < 0)
		prefix_err(err, "profile %s: assume role %s", r->profile,
			   r->role_arn);
	return rc;
}

/* Ask for the MFA code on the controlling terminal, without echo. */
static int ask_mfa(struct build *b, const char *profile, const char *serial,
		   char **code)
{
	struct termios t, old;
	char line[64];
	int fd, n = 0, noecho = 0;
	FILE *f;

	if (!b->opt->interactive)
		fd = -1;
	else
		fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return berr(b, -ENOTTY, "profile %s: mfa_serial is set and an "
			    "MFA code is needed, but there is no terminal to "
			    "ask for it (mount from a terminal)", profile);
	f = fdopen(fd, "r+");
	if (!f) {
		close(fd);
		return berr(b, -ENOMEM, "out of memory");
	}
	if (tcgetattr(fd, &old) == 0) {
		t = old;
		t.c_lflag &= ~(tcflag_t)ECHO;
		noecho = tcsetattr(fd, TCSAFLUSH, &t) == 0;
	}
	fprintf(f, "Enter MFA code for %s: ", serial);
	fflush(f);
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	if (noecho)
		tcsetattr(fd, TCSAFLUSH, &old);
	fprintf(f, "\n");
	fclose(f);
	while (line[n] && !isspace((unsigned char)line[n]))
		n++;
	line[n] = 0;
	if (!n) {
		OPENSSL_cleanse(line, sizeof(line));
		return berr(b, -EINVAL, "profile %s: no MFA code entered",
			    profile);
	}
	*code = strdup(line);
	OPENSSL_cleanse(line, sizeof(line));
	return *code ? 0 : berr(b, -ENOMEM, "out of memory");
}

static int build_profile_chain(struct build *b, const char *name,
			       int top, int explicit_profile,
			       struct creds_provider **out,
			       const char **source);
static int build_assume_role(struct build *b, const char *name,
			     const struct awscfg_section *s,
			     struct creds_provider **out);
static int build_container(struct build *b, const char *profile,
			   struct creds_provider **out);
static int build_imds(struct build *b, const char *profile,
		      struct creds_provider **out);

static int visited(const struct build *b, const char *name)
{
	for (int i = 0; i < b->nvisited; i++)
		if (strcmp(b->visited[i], name) == 0)
			return 1;
	return 0;
}

/* botocore's AssumeRoleProvider._resolve_source_credentials */
static int build_role_source(struct build *b, const char *name,
			     const struct awscfg_section *s,
			     struct creds_provider **out)
{
	const char *src = awscfg_get(s, "source_profile");
	const char *cs = awscfg_get(s, "credential_source");
	const struct awscfg_section *ss;
	const char *dummy;
	int rc;

	if (src && cs)
		return berr(b, -EINVAL, "profile %s: source_profile and "
			    "credential_source are mutually exclusive", name);
	if (cs) {
		if (strcmp(cs, "Environment") == 0) {
			char why[300];

			snprintf(why, sizeof(why), "profile %s: "
				 "credential_source Environment", name);
			return build_env(b, why, out);
		}
		if (strcmp(cs, "Ec2InstanceMetadata") == 0)
			return build_imds(b, name, out);
		if (strcmp(cs, "EcsContainer") == 0) {
			rc = build_container(b, name, out);
			if (rc == -ENOENT)
				return berr(b, -EINVAL, "profile %s: credential_source "
					    "EcsContainer, but no container "
					    "credentials are configured", name);
			return rc;
		}
		return berr(b, -EINVAL, "profile %s: unknown credential_source "
			    "'%s' (Environment, Ec2InstanceMetadata or "
			    "EcsContainer)", name, cs);
	}
	if (!src)
		return berr(b, -EINVAL, "profile %s: role_arn needs "
			    "source_profile or credential_source", name);
	ss = awscfg_profile(b->cfg, src);
	if (!ss)
		return berr(b, -EINVAL, "profile %s: source_profile %s does not "
			    "exist", name, src);
	if (visited(b, src) &&
	    (strcmp(src, name) != 0 || !has_static(ss))) {
		char chain[1024] = "";

		for (int i = 0; i < b->nvisited; i++) {
			strncat(chain, b->visited[i], sizeof(chain) - strlen(chain) - 1);
			strncat(chain, " -> ", sizeof(chain) - strlen(chain) - 1);
		}
		strncat(chain, src, sizeof(chain) - strlen(chain) - 1);
		return berr(b, -ELOOP, "profile %s: source_profile loop: %s",
			    name, chain);
	}
	if (b->nvisited >= MAX_CHAIN_DEPTH)
		return berr(b, -ELOOP, "profile %s: source_profile chain is "
			    "deeper than %d", name, MAX_CHAIN_DEPTH);
	b->visited[b->nvisited++] = src;
	if (has_static(ss) || !awscfg_get(ss, "role_arn")) {
		rc = build_profile_chain(b, src, 0, 1, out, &dummy);
		if (rc == -ENOENT)
			return berr(b, -EINVAL, "profile %s: source_profile %s "
				    "has no credentials", name, src);
		return rc;
	}
	return build_assume_role(b, src, ss, out);
}

static int build_assume_role(struct build *b, const char *name,
			     const struct awscfg_section *s,
			     struct creds_provider **out)
{
	struct creds_provider *src = NULL, *p;
	struct role_arg *r;
	const char *v;
	char desc[300];
	int rc;

	rc = build_role_source(b, name, s, &src);
	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r) {
		creds_provider_release(src);
		return berr(b, -ENOMEM, "out of memory");
	}
	r->sts = sts_client(b, src);
	creds_provider_release(src);    /* the client holds its reference */
	r->profile = strdup(name);
	r->role_arn = xstrdup(awscfg_get(s, "role_arn"));
	v = awscfg_get(s, "role_session_name");
	if (v && *v) {
		r->session_name = strdup(v);
	} else if (asprintf(&r->session_name, "orgfs-%lld",
			    (long long)b->clock()) < 0) {
		r->session_name = NULL;
	}
	v = awscfg_get(s, "external_id");
	r->external_id = v && *v ? strdup(v) : NULL;
	v = awscfg_get(s, "duration_seconds");
	if (v && *v) {
		char *end;
		long d = strtol(v, &end, 10);

		if (*end || d < 900 || d > 43200) {
			role_free(r);
			return berr(b, -EINVAL, "profile %s: duration_seconds "
				    "must be a number of seconds from 900 to "
				    "43200", name);
		}
		r->duration = strdup(v);
	}
	v = awscfg_get(s, "mfa_serial");
	r->mfa_serial = v && *v ? strdup(v) : NULL;
	if (!r->sts || !r->profile || !r->role_arn || !r->session_name) {
		role_free(r);
		return berr(b, -ENOMEM, "profile %s: cannot create the STS "
			    "client", name);
	}
	if (r->mfa_serial) {
		rc = ask_mfa(b, name, r->mfa_serial, &r->token_code);
		if (rc < 0) {
			role_free(r);
			return rc;
		}
	}
	snprintf(desc, sizeof(desc), "profile %s (assume-role)", name);
	p = credchain_cached_new("assume-role", desc, role_fetch, r, role_free,
				 b->clock);
	if (!p)
		return berr(b, -ENOMEM, "out of memory");
	if (r->mfa_serial) {
		/* the code works once: use it now and keep the session */
		struct aws_credentials *c = NULL;
		struct aws_error e;

		aws_error_clear(&e);
		rc = creds_provider_get(p, &c, &e);
		if (rc < 0) {
			char m[768];

			creds_provider_release(p);
			return berr(b, rc, "%s", aws_error_str(&e, m, sizeof(m)));
		}
		aws_credentials_release(c);
	}
	*out = p;
	return 0;
}

/* ---- web identity -------------------------------------------------- */

struct webid_arg {
	struct aws_client *sts;         /* unsigned */
	char *profile;
	char *token_file;
	char *role_arn;
	char *session_name;
};

static void webid_free(void *arg)
{
	struct webid_arg *w = arg;

	aws_client_free(w->sts);
	free(w->profile);
	free(w->token_file);
	free(w->role_arn);
	free(w->session_name);
	free(w);
}

static int read_small_file(const char *path, size_t max, struct buf *out)
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

/* sts:AssumeRoleWithWebIdentity is unsigned: the client has no
 * credentials, so aws_query_call sends it unsigned, with the same retries,
 * reply limits and error parsing as the other STS calls. */
static int webid_call(struct webid_arg *w, const char *token,
		      struct aws_credentials **out, struct aws_error *err)
{
	struct aws_param p[] = {
		{ "RoleArn", w->role_arn },
		{ "RoleSessionName", w->session_name },
		{ "WebIdentityToken", token },
	};

	return sts_assume(w->sts, "AssumeRoleWithWebIdentity", p,
			  sizeof(p) / sizeof(p[0]), out, err);
}

static int webid_fetch(void *arg, struct aws_credentials **out,
		       struct aws_error *err)
{
	struct webid_arg *w = arg;
	struct buf tok;
	char *t;
	int rc;

	rc = read_small_file(w->token_file, TOKEN_FILE_MAX, &tok);
	if (rc < 0) {
		aws_error_set(err, EACCES, "InvalidIdentityToken",
			      "profile %s: cannot read the web identity token "
			      "file %s: %s", w->profile, w->token_file,
			      strerror(-rc));
		return -EACCES;
	}
	t = (char *)buf_str(&tok);
	while (tok.len && isspace((unsigned char)t[tok.len - 1]))
		t[--tok.len] = 0;
	rc = webid_call(w, t, out, err);
	buf_wipe(&tok);
	if (rc < 0)
		prefix_err(err, "profile %s: web identity", w->profile);
	return rc;
}

static int build_webid(struct build *b, const char *name,
		       const struct awscfg_section *s, const char *token_file,
		       int use_env, struct creds_provider **out)
{
	struct webid_arg *w = calloc(1, sizeof(*w));
	const char *arn = use_env ? b_env(b, "AWS_ROLE_ARN") : NULL;
	const char *sn = use_env ? b_env(b, "AWS_ROLE_SESSION_NAME") : NULL;
	char desc[300];

	if (!arn)
		arn = awscfg_get(s, "role_arn");
	if (!sn)
		sn = awscfg_get(s, "role_session_name");
	if (!w)
		return berr(b, -ENOMEM, "out of memory");
	if (!arn || !*arn) {
		free(w);
		return berr(b, -EINVAL, "profile %s: a web identity token file "
			    "is set but no role ARN (AWS_ROLE_ARN or role_arn)",
			    name);
	}
	w->sts = sts_client(b, NULL);
	w->profile = strdup(name);
	w->token_file = strdup(token_file);
	w->role_arn = strdup(arn);
	if (sn && *sn)
		w->session_name = strdup(sn);
	else if (asprintf(&w->session_name, "orgfs-%lld",
			  (long long)b->clock()) < 0)
		w->session_name = NULL;
	if (!w->sts || !w->profile || !w->token_file || !w->role_arn ||
	    !w->session_name) {
		webid_free(w);
		return berr(b, -ENOMEM, "profile %s: cannot create the STS "
			    "client", name);
	}
	snprintf(desc, sizeof(desc), "profile %s (web-identity)", name);
	*out = credchain_cached_new("web-identity", desc, webid_fetch, w,
				    webid_free, b->clock);
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
}

/* ---- SSO ------------------------------------------------------------ */

struct sso_arg {
	struct aws_client *cli;         /* unsigned */
	char *profile;
	char *cache_path;
	char *account_id;
	char *role_name;
	char *sso_region;
	time_t (*clock)(void);
};

static void sso_free(void *arg)
{
	struct sso_arg *s = arg;

	aws_client_free(s->cli);
	free(s->profile);
	free(s->cache_path);
	free(s->account_id);
	free(s->role_name);
	free(s->sso_region);
	free(s);
}

static int sso_expired(struct sso_arg *s, struct aws_error *err,
		       const char *why)
{
	aws_error_set(err, EACCES, "UnauthorizedSSOToken",
		      "profile %s: %s; run 'aws sso login --profile %s'",
		      s->profile, why, s->profile);
	return -EACCES;
}

/* Write the refreshed token back the way botocore does (same file). */
static void sso_write_cache(struct sso_arg *s, json_t *tok)
{
	char tmp[4200];
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.orgfs-%ld", s->cache_path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		olog(LOG_WARNING, "profile %s: cannot write the refreshed SSO "
		     "token to %s: %s", s->profile, tmp, strerror(errno));
		return;
	}
	ok = json_dumpfd(tok, fd, JSON_INDENT(2) | JSON_SORT_KEYS) == 0 &&
	     fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, s->cache_path) < 0) {
		olog(LOG_WARNING, "profile %s: cannot write the refreshed SSO "
		     "token to %s: %s", s->profile, s->cache_path,
		     strerror(errno));
		unlink(tmp);
	}
}

/* OIDC CreateToken with the refresh token; updates tok in place. */
static int sso_refresh(struct sso_arg *s, json_t *tok, time_t now,
		       struct aws_error *err)
{
	json_t *body, *res = NULL;
	const char *at, *rt;
	json_int_t expires_in;
	char stamp[21];
	int rc;

	body = json_pack("{s:s, s:s, s:s, s:s}",
			 "clientId", jstr(tok, "clientId"),
			 "clientSecret", jstr(tok, "clientSecret"),
			 "grantType", "refresh_token",
			 "refreshToken", jstr(tok, "refreshToken"));
	if (!body) {
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
		return -ENOMEM;
	}
	rc = aws_rest_call(s->cli, &aws_svc_sso_oidc, s->sso_region, "POST",
			   "/token", NULL, 0, NULL, 0, body, 0, &res, err);
	json_decref(body);
	if (rc < 0)
		return rc;
	at = jstr(res, "accessToken");
	rt = jstr(res, "refreshToken");
	expires_in = json_integer_value(json_object_get(res, "expiresIn"));
	if (!at || expires_in <= 0) {
		json_decref(res);
		aws_error_set(err, EIO, "MalformedResponse",
			      "sso-oidc:CreateToken: reply has no accessToken");
		return -EIO;
	}
	awstime_format(now + (time_t)expires_in, stamp);
	json_object_set_new(tok, "accessToken", json_string(at));
	json_object_set_new(tok, "expiresAt", json_string(stamp));
	if (rt)
		json_object_set_new(tok, "refreshToken", json_string(rt));
	json_decref(res);
	sso_write_cache(s, tok);
	return 0;
}

static int sso_fetch(void *arg, struct aws_credentials **out,
		     struct aws_error *err)
{
	struct sso_arg *s = arg;
	json_t *tok, *res = NULL, *rc_json;
	json_error_t jerr;
	const char *at, *ea, *reg;
	time_t exp = 0, reg_exp = 0, now = s->clock();
	struct http_header hdr;
	struct aws_param q[2];
	json_int_t ms;
	int rc;

	tok = json_load_file(s->cache_path, 0, &jerr);
	if (!tok)
		return sso_expired(s, err, access(s->cache_path, F_OK) == 0 ?
				   "the SSO token cache file is unreadable" :
				   "there is no SSO session (no cached token)");
	at = jstr(tok, "accessToken");
	ea = jstr(tok, "expiresAt");
	if (!at || !ea || awstime_parse_iso8601(ea, &exp) < 0) {
		json_decref(tok);
		return sso_expired(s, err, "the cached SSO token is invalid");
	}
	reg = jstr(tok, "registrationExpiresAt");
	if (exp - now < CREDCHAIN_ADVISORY_REFRESH && jstr(tok, "clientId") &&
	    jstr(tok, "clientSecret") && jstr(tok, "refreshToken") && reg &&
	    awstime_parse_iso8601(reg, &reg_exp) == 0 && reg_exp > now) {
		struct aws_error e;

		aws_error_clear(&e);
		rc = sso_refresh(s, tok, now, &e);
		if (rc == 0) {
			at = jstr(tok, "accessToken");
			awstime_parse_iso8601(jstr(tok, "expiresAt"), &exp);
		} else if (now < exp) {
			char m[768];

			olog(LOG_WARNING, "profile %s: refreshing the SSO token "
			     "failed, using the current one: %s", s->profile,
			     aws_error_str(&e, m, sizeof(m)));
		} else {
			char m[768];

			json_decref(tok);
			snprintf(m, sizeof(m), "the SSO session has expired and "
				 "refreshing it failed (%s)", e.message);
			return sso_expired(s, err, m);
		}
	}
	if (now >= exp) {
		json_decref(tok);
		return sso_expired(s, err, "the SSO session has expired");
	}
	hdr = (struct http_header){ "x-amz-sso_bearer_token", at };
	q[0] = (struct aws_param){ "role_name", s->role_name };
	q[1] = (struct aws_param){ "account_id", s->account_id };
	rc = aws_rest_call(s->cli, &aws_svc_sso, s->sso_region, "GET",
			   "/federation/credentials", q, 2, &hdr, 1, NULL, 0,
			   &res, err);
	json_decref(tok);
	if (rc < 0) {
		if (err->http_status == 401 ||
		    strcmp(err->code, "UnauthorizedException") == 0)
			return sso_expired(s, err, "the SSO session has expired "
					   "or was revoked");
		prefix_err(err, "profile %s: sso", s->profile);
		return rc;
	}
	rc_json = json_object_get(res, "roleCredentials");
	ms = json_integer_value(json_object_get(rc_json, "expiration"));
	if (!jstr(rc_json, "accessKeyId") || !jstr(rc_json, "secretAccessKey")) {
		json_decref(res);
		aws_error_set(err, EIO, "MalformedResponse",
			      "sso:GetRoleCredentials: reply has no credentials");
		return -EIO;
	}
	*out = aws_credentials_new(jstr(rc_json, "accessKeyId"),
				   jstr(rc_json, "secretAccessKey"),
				   jstr(rc_json, "sessionToken"),
				   (time_t)(ms / 1000));
	json_decref(res);
	if (!*out) {
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
		return -ENOMEM;
	}
	(*out)->account_id = strdup(s->account_id);
	return 0;
}

static int sha1_hex(const char *s, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL))
		return -EIO;
	for (unsigned int i = 0; i < n && i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static int build_sso(struct build *b, const char *name,
		     const struct awscfg_section *s,
		     struct creds_provider **out)
{
	const char *sess = awscfg_get(s, "sso_session");
	const char *start = awscfg_get(s, "sso_start_url");
	const char *region = awscfg_get(s, "sso_region");
	const char *acct = awscfg_get(s, "sso_account_id");
	const char *role = awscfg_get(s, "sso_role_name");
	struct aws_client_config cc = { .http = b->opt->http, .endpoints = b->ep };
	struct sso_arg *a;
	char sha[41], desc[300];

	if (sess && *sess) {
		const struct awscfg_section *ss = awscfg_sso_session(b->cfg, sess);
		const char *ss_start, *ss_region;

		if (!ss)
			return berr(b, -EINVAL, "profile %s: sso-session %s does "
				    "not exist", name, sess);
		ss_start = awscfg_get(ss, "sso_start_url");
		ss_region = awscfg_get(ss, "sso_region");
		if ((start && ss_start && strcmp(start, ss_start)) ||
		    (region && ss_region && strcmp(region, ss_region)))
			return berr(b, -EINVAL, "profile %s: sso_start_url / "
				    "sso_region differ from sso-session %s",
				    name, sess);
		start = ss_start;
		region = ss_region;
	}
	if (!start || !*start || !region || !*region || !acct || !*acct ||
	    !role || !*role)
		return berr(b, -EINVAL, "profile %s: incomplete SSO configuration "
			    "(needs sso_start_url, sso_region, sso_account_id "
			    "and sso_role_name, directly or via sso_session)",
			    name);
	if (sha1_hex(sess && *sess ? sess : start, sha) < 0)
		return berr(b, -EIO, "sha1 failed");
	a = calloc(1, sizeof(*a));
	if (!a)
		return berr(b, -ENOMEM, "out of memory");
	cc.region = region;
	a->cli = aws_client_new(&cc);
	a->profile = strdup(name);
	if (asprintf(&a->cache_path, "%s/.aws/sso/cache/%s.json",
		     awscfg_home(b->opt->getenv_fn), sha) < 0)
		a->cache_path = NULL;
	a->account_id = strdup(acct);
	a->role_name = strdup(role);
	a->sso_region = strdup(region);
	a->clock = b->clock;
	if (!a->cli || !a->profile || !a->cache_path || !a->account_id ||
	    !a->role_name || !a->sso_region) {
		sso_free(a);
		return berr(b, -ENOMEM, "profile %s: cannot create the SSO "
			    "client", name);
	}
	snprintf(desc, sizeof(desc), "profile %s (sso)", name);
	*out = credchain_cached_new("sso", desc, sso_fetch, a, sso_free,
				    b->clock);
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
}

/* ---- credential_process --------------------------------------------- */

struct proc_arg {
	char *profile;
	char *command;
	int timeout_ms;
};

static void proc_free(void *arg)
{
	struct proc_arg *p = arg;

	free(p->profile);
	free(p->command);
	free(p);
}

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run argv without a shell; stdout into out (capped), the first line of
 * stderr into eline.  @return exit status (>= 0) or -errno */
static int run_capture(char **argv, int timeout_ms, struct buf *out,
		       char *eline, size_t elen, char *why, size_t whylen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t none, dfl;
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 }, st, rc = 0;
	struct buf eb;
	pid_t pid;
	long long deadline = ms_now() + timeout_ms;
	int open_fds = 2, killed = 0;

	buf_init(&eb, 4096);
	if (pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		rc = -errno;
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
	/* the program starts with no signal blocked and the signals the
	 * daemon takes at their defaults, not with the daemon's mask */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_init(&sa);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setsigdefault(&sa, &dfl);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, argv[0], &fa, &sa, argv, environ);
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	close(op[1]);
	close(ep[1]);
	op[1] = ep[1] = -1;
	if (rc != 0) {
		snprintf(why, whylen, "cannot run %s: %s", argv[0], strerror(rc));
		rc = -rc;
		goto out;
	}
	while (open_fds > 0) {
		struct pollfd pf[2] = { { op[0], POLLIN, 0 }, { ep[0], POLLIN, 0 } };
		long long left = deadline - ms_now();
		char chunk[4096];
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			snprintf(why, whylen, "%s did not finish within %d s",
				 argv[0], timeout_ms / 1000);
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(pf, 2, (int)(left > 1000 ? 1000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pf[i].fd, chunk, sizeof(chunk));
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				close(pf[i].fd);
				if (i == 0)
					op[0] = -1;
				else
					ep[0] = -1;
				open_fds--;
				continue;
			}
			if (i == 1) {
				buf_append(&eb, chunk, (size_t)n);      /* capped */
			} else if (buf_append(out, chunk, (size_t)n) < 0) {
				kill(pid, SIGKILL);
				killed = 1;
				snprintf(why, whylen, "%s wrote more than %d bytes",
					 argv[0], PROCESS_MAX_OUTPUT);
				rc = -EFBIG;
				open_fds = 0;
			}
			OPENSSL_cleanse(chunk, (size_t)n);
		}
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && !killed) {
		if (WIFEXITED(st))
			rc = WEXITSTATUS(st);
		else
			rc = 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	}
	{
		const char *e = buf_str(&eb);
		size_t n = strcspn(e, "\r\n");

		snprintf(eline, elen, "%.*s", (int)n, e);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	buf_free(&eb);
	return rc;
}

int credchain_process_output(const char *text, size_t len,
			     const char *profile, const char *program,
			     struct aws_credentials **out,
			     struct aws_error *err)
{
	json_t *j, *v;
	json_error_t jerr;
	int rc;

	/* never jerr.text: it quotes the output near the error, which in
	 * output cut short is a secret */
	j = json_loadb(text, len, 0, &jerr);
	if (!j) {
		aws_error_set(err, EIO, "CredentialProcessError",
			      "profile %s: credential_process %s did not print "
			      "a JSON object (malformed json: line %d column %d)",
			      profile, program, jerr.line, jerr.column);
		OPENSSL_cleanse(&jerr, sizeof(jerr));
		rc = -EIO;
		goto out;
	}
	if (!json_is_object(j)) {
		aws_error_set(err, EIO, "CredentialProcessError",
			      "profile %s: credential_process %s did not print "
			      "a JSON object (not an object)", profile, program);
		rc = -EIO;
		goto out;
	}
	v = json_object_get(j, "Version");
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		aws_error_set(err, EIO, "CredentialProcessError",
			      "profile %s: credential_process %s printed an "
			      "unsupported Version (must be 1)", profile,
			      program);
		rc = -EIO;
		goto out;
	}
	rc = creds_from_json(j, "SessionToken", out, err, "credential_process");
	if (rc < 0) {
		prefix_err(err, "profile %s", profile);
		rc = -EIO;
	}
out:
	json_decref(j);
	return rc;
}

static int proc_fetch(void *arg, struct aws_credentials **out,
		      struct aws_error *err)
{
	struct proc_arg *p = arg;
	char **argv = NULL, eline[256] = "", why[300] = "";
	struct buf ob;
	int argc, rc;

	rc = awscfg_shlex_split(p->command, &argv, &argc);
	if (rc < 0) {
		aws_error_set(err, EINVAL, "InvalidConfig", "profile %s: "
			      "credential_process is not a valid command line",
			      p->profile);
		return -EINVAL;
	}
	buf_init(&ob, PROCESS_MAX_OUTPUT);
	rc = run_capture(argv, p->timeout_ms, &ob, eline, sizeof(eline), why,
			 sizeof(why));
	if (rc < 0) {
		aws_error_set(err, EIO, "CredentialProcessError",
			      "profile %s: credential_process: %s", p->profile,
			      why);
		rc = -EIO;
		goto out;
	}
	if (rc != 0) {
		aws_error_set(err, EIO, "CredentialProcessError",
			      "profile %s: credential_process %s exited with "
			      "status %d%s%s", p->profile, argv[0], rc,
			      *eline ? ": " : "", eline);
		rc = -EIO;
		goto out;
	}
	rc = credchain_process_output(buf_str(&ob), ob.len, p->profile,
				      argv[0], out, err);
out:
	buf_wipe(&ob);
	awscfg_argv_free(argv);
	return rc;
}

static int build_process(struct build *b, const char *name, const char *cmd,
			 struct creds_provider **out)
{
	struct proc_arg *p = calloc(1, sizeof(*p));
	char desc[300];

	if (!p || !(p->profile = strdup(name)) || !(p->command = strdup(cmd))) {
		if (p)
			proc_free(p);
		return berr(b, -ENOMEM, "out of memory");
	}
	p->timeout_ms = PROCESS_TIMEOUT_MS;
	snprintf(desc, sizeof(desc), "profile %s (credential-process)", name);
	*out = credchain_cached_new("credential-process", desc, proc_fetch, p,
				    proc_free, b->clock);
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
}

/* ---- HTTP providers: container and instance metadata ---------------- */

static int http_creds(struct http_ctx *http, const char *url,
		      const char *method, const struct http_header *h,
		      size_t nh, long timeout_ms, struct http_response *resp,
		      char *why, size_t whylen)
{
	struct http_request req = {
		.method = method, .url = url, .headers = h, .nheaders = nh,
		.connect_timeout_ms = timeout_ms, .timeout_ms = timeout_ms,
		.max_response = 64 * 1024,
	};

	return http_perform(http, &req, resp, why, whylen);
}

struct container_arg {
	struct http_ctx *http;
	char *profile;
	char *url;
	char *token;                    /* AWS_CONTAINER_AUTHORIZATION_TOKEN */
	char *token_file;               /* wins, re-read each fetch */
	int attempts;
	time_t (*clock)(void);
};

static void container_free(void *arg)
{
	struct container_arg *c = arg;

	free(c->profile);
	free(c->url);
	wipe_free(c->token);
	free(c->token_file);
	free(c);
}

static int container_fetch(void *arg, struct aws_credentials **out,
			   struct aws_error *err)
{
	struct container_arg *c = arg;
	struct http_header h[2] = { { "Accept", "application/json" } };
	struct buf tok = { 0 };
	const char *auth = c->token;
	char why[256] = "";
	int rc = -EIO, nh = 1;

	buf_init(&tok, 16384);
	if (c->token_file) {
		char *t;

		rc = read_small_file(c->token_file, 16384, &tok);
		if (rc < 0) {
			aws_error_set(err, EACCES, "InvalidConfig",
				      "profile %s: container credentials: cannot "
				      "read %s: %s", c->profile, c->token_file,
				      strerror(-rc));
			return -EACCES;
		}
		t = (char *)buf_str(&tok);
		while (tok.len && isspace((unsigned char)t[tok.len - 1]))
			t[--tok.len] = 0;
		auth = t;
	}
	if (auth && strpbrk(auth, "\r\n")) {
		buf_wipe(&tok);
		aws_error_set(err, EINVAL, "InvalidConfig",
			      "profile %s: container credentials: the "
			      "authorization token contains a line break",
			      c->profile);
		return -EINVAL;
	}
	if (auth)
		h[nh++] = (struct http_header){ "Authorization", auth };
	for (int i = 0; i < c->attempts; i++) {
		struct http_response resp;

		if (i)
			sleep(1);
		rc = http_creds(c->http, c->url, "GET", h, (size_t)nh, 2000,
				&resp, why, sizeof(why));
		if (rc == 0 && resp.status == 200) {
			rc = creds_from_body(&resp.body, "Token", out, err,
					     "container credentials");
			http_response_free(&resp);
			if (rc < 0)
				prefix_err(err, "profile %s", c->profile);
			buf_wipe(&tok);
			return rc;
		}
		if (rc == 0) {
			snprintf(why, sizeof(why), "HTTP status %ld", resp.status);
			rc = resp.status >= 500 ? -EIO : -EACCES;
		}
		http_response_free(&resp);
		if (rc == -EACCES)
			break;
	}
	buf_wipe(&tok);
	aws_error_set(err, rc == -EACCES ? EACCES : EIO, "CredentialsError",
		      "profile %s: container credentials from %s: %s",
		      c->profile, c->url, why);
	return rc == -EACCES ? -EACCES : -EIO;
}

/* http only to loopback and the ECS/EKS agent addresses (botocore) */
static int container_host_ok(const char *url)
{
	const char *h, *e;
	char host[256];
	struct in_addr a4;

	if (strncasecmp(url, "https://", 8) == 0)
		return 1;
	if (strncasecmp(url, "http://", 7) != 0)
		return 0;
	h = url + 7;
	if (*h == '[') {
		e = strchr(h, ']');
		if (!e)
			return 0;
		snprintf(host, sizeof(host), "%.*s", (int)(e - h - 1), h + 1);
	} else {
		e = h + strcspn(h, ":/?#");
		snprintf(host, sizeof(host), "%.*s", (int)(e - h), h);
	}
	if (strchr(host, '@'))
		return 0;
	if (strcasecmp(host, "localhost") == 0 ||
	    strcmp(host, "169.254.170.2") == 0 ||
	    strcmp(host, "169.254.170.23") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	{
		struct in6_addr a6, lo = IN6ADDR_LOOPBACK_INIT, ecs;

		if (inet_pton(AF_INET6, host, &a6) == 1) {
			inet_pton(AF_INET6, "fd00:ec2::23", &ecs);
			return memcmp(&a6, &lo, sizeof(a6)) == 0 ||
			       memcmp(&a6, &ecs, sizeof(a6)) == 0;
		}
	}
	return 0;
}

static int build_container(struct build *b, const char *profile,
			   struct creds_provider **out)
{
	const char *rel = b_env(b, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = b_env(b, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	struct container_arg *c;
	char desc[300];

	if (!rel && !full)
		return -ENOENT;
	if (!b->opt->http)
		return berr(b, -EINVAL, "container credentials need an HTTP context");
	c = calloc(1, sizeof(*c));
	if (!c)
		return berr(b, -ENOMEM, "out of memory");
	if (rel) {
		if (asprintf(&c->url, "http://169.254.170.2%s%s",
			     rel[0] == '/' ? "" : "/", rel) < 0)
			c->url = NULL;
	} else {
		if (!container_host_ok(full)) {
			free(c);
			return berr(b, -EINVAL, "AWS_CONTAINER_CREDENTIALS_FULL_URI "
				    "must be https, or http to a loopback address "
				    "or the container agent (169.254.170.2, "
				    "169.254.170.23, fd00:ec2::23)");
		}
		c->url = strdup(full);
	}
	c->http = b->opt->http;
	c->profile = strdup(profile);
	c->attempts = 3;
	c->clock = b->clock;
	if (b_env(b, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))
		c->token_file = strdup(b_env(b, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
	else if (b_env(b, "AWS_CONTAINER_AUTHORIZATION_TOKEN"))
		c->token = strdup(b_env(b, "AWS_CONTAINER_AUTHORIZATION_TOKEN"));
	if (!c->url || !c->profile) {
		container_free(c);
		return berr(b, -ENOMEM, "out of memory");
	}
	snprintf(desc, sizeof(desc), "profile %s (container)", profile);
	*out = credchain_cached_new("container", desc, container_fetch, c,
				    container_free, b->clock);
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
}

struct imds_arg {
	struct http_ctx *http;
	char *profile;
	char *base;                     /* http://169.254.169.254, no '/' */
	int v1_disabled;
	long timeout_ms;
	int attempts;
	time_t (*clock)(void);
};

static void imds_free(void *arg)
{
	struct imds_arg *m = arg;

	free(m->profile);
	free(m->base);
	free(m);
}

/* One GET with the token (when there is one); body into out. */
static int imds_get(struct imds_arg *m, const char *path, const char *token,
		    struct buf *out, char *why, size_t whylen)
{
	struct http_header h = { "x-aws-ec2-metadata-token", token };
	char url[1024];
	int rc = -EIO;

	snprintf(url, sizeof(url), "%s%s", m->base, path);
	for (int i = 0; i < m->attempts; i++) {
		struct http_response resp;

		rc = http_creds(m->http, url, "GET", &h, token ? 1 : 0,
				m->timeout_ms, &resp, why, whylen);
		if (rc == 0 && resp.status == 200 && resp.body.len) {
			rc = buf_append(out, buf_str(&resp.body), resp.body.len);
			http_response_free(&resp);
			return rc;
		}
		if (rc == 0) {
			snprintf(why, whylen, "GET %s: HTTP status %ld", path,
				 resp.status);
			rc = -EIO;
		}
		http_response_free(&resp);
	}
	return rc;
}

static int imds_fetch(void *arg, struct aws_credentials **out,
		      struct aws_error *err)
{
	struct imds_arg *m = arg;
	struct http_header h = { "x-aws-ec2-metadata-token-ttl-seconds", "21600" };
	struct http_response resp;
	char url[1024], why[256] = "", *token = NULL, path[512];
	struct buf role, body;
	int rc;

	buf_init(&role, 4096);
	buf_init(&body, 64 * 1024);
	snprintf(url, sizeof(url), "%s/latest/api/token", m->base);
	rc = http_creds(m->http, url, "PUT", &h, 1, m->timeout_ms, &resp, why,
			sizeof(why));
	if (rc == 0 && resp.status == 200 && resp.body.len) {
		token = strndup(buf_str(&resp.body), resp.body.len);
	} else if (rc == 0 && resp.status != 403 && resp.status != 404 &&
		   resp.status != 405) {
		snprintf(why, sizeof(why), "PUT /latest/api/token: HTTP status %ld",
			 resp.status);
		rc = -EIO;
	} else if (rc < 0 && rc != -ETIMEDOUT) {
		rc = -EIO;
	} else {
		rc = 0;         /* no token: IMDSv1, where allowed */
	}
	http_response_free(&resp);
	if (rc < 0)
		goto fail;
	if (!token && m->v1_disabled) {
		snprintf(why, sizeof(why), "no IMDSv2 token and IMDSv1 is "
			 "disabled (AWS_EC2_METADATA_V1_DISABLED)");
		rc = -EIO;
		goto fail;
	}
	rc = imds_get(m, "/latest/meta-data/iam/security-credentials/", token,
		      &role, why, sizeof(why));
	if (rc < 0)
		goto fail;
	role.data[strcspn(role.data, "\r\n")] = 0;
	snprintf(path, sizeof(path), "/latest/meta-data/iam/security-credentials/%s",
		 role.data);
	rc = imds_get(m, path, token, &body, why, sizeof(why));
	if (rc < 0)
		goto fail;
	rc = creds_from_body(&body, "Token", out, err, "instance metadata");
	if (rc < 0)
		prefix_err(err, "profile %s", m->profile);
	if (rc == 0 && (*out)->expiration &&
	    (*out)->expiration - m->clock() < CREDCHAIN_ADVISORY_REFRESH) {
		/* static stability: keep using them a while (botocore) */
		olog(LOG_WARNING, "profile %s: instance metadata credentials "
		     "expire soon; using them for 20 more minutes", m->profile);
		(*out)->expiration = m->clock() + CREDCHAIN_ADVISORY_REFRESH + 300;
	}
	goto done;
fail:
	aws_error_set(err, EIO, "CredentialsError", "profile %s: no credentials "
		      "found; instance metadata (%s): %s", m->profile, m->base,
		      why);
	rc = -EIO;
done:
	wipe_free(token);
	buf_free(&role);
	buf_wipe(&body);
	return rc;
}

static int truthy(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

static int build_imds(struct build *b, const char *profile,
		      struct creds_provider **out)
{
	const struct awscfg_section *s = awscfg_profile(b->cfg, profile);
	const char *ep = b_env(b, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = b_env(b, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	const char *v1 = b_env(b, "AWS_EC2_METADATA_V1_DISABLED");
	const char *to = b_env(b, "AWS_METADATA_SERVICE_TIMEOUT");
	const char *na = b_env(b, "AWS_METADATA_SERVICE_NUM_ATTEMPTS");
	struct imds_arg *m;
	char desc[300];
	size_t n;

	if (truthy(b_env(b, "AWS_EC2_METADATA_DISABLED")))
		return berr(b, -ENOENT, "profile %s: no credentials found "
			    "(instance metadata is disabled by "
			    "AWS_EC2_METADATA_DISABLED)", profile);
	if (!b->opt->http)
		return berr(b, -EINVAL, "instance metadata needs an HTTP context");
	if (!ep)
		ep = awscfg_get(s, "ec2_metadata_service_endpoint");
	if (!mode)
		mode = awscfg_get(s, "ec2_metadata_service_endpoint_mode");
	if (!v1)
		v1 = awscfg_get(s, "ec2_metadata_v1_disabled");
	if (!to)
		to = awscfg_get(s, "metadata_service_timeout");
	if (!na)
		na = awscfg_get(s, "metadata_service_num_attempts");
	if (!ep || !*ep)
		ep = mode && strcasecmp(mode, "IPv6") == 0 ?
			"http://[fd00:ec2::254]" : "http://169.254.169.254";
	m = calloc(1, sizeof(*m));
	if (!m || !(m->base = strdup(ep)) || !(m->profile = strdup(profile))) {
		if (m)
			imds_free(m);
		return berr(b, -ENOMEM, "out of memory");
	}
	n = strlen(m->base);
	while (n && m->base[n - 1] == '/')
		m->base[--n] = 0;
	m->http = b->opt->http;
	m->v1_disabled = truthy(v1);
	m->timeout_ms = to && atof(to) > 0 ? (long)(atof(to) * 1000) : 1000;
	m->attempts = na && atoi(na) > 0 ? atoi(na) : 1;
	m->clock = b->clock;
	snprintf(desc, sizeof(desc), "profile %s (instance-metadata)", profile);
	*out = credchain_cached_new("instance-metadata", desc, imds_fetch, m,
				    imds_free, b->clock);
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
}

/* ---- the chain ------------------------------------------------------ */

/* top: the profile asked for (environment, container and IMDS take
 * part); otherwise a source profile (botocore's profile providers with
 * environment variables disabled).  @return 0, -ENOENT when no provider
 * is configured (err set), other -errno with err set */
static int build_profile_chain(struct build *b, const char *name,
			       int top, int explicit_profile,
			       struct creds_provider **out,
			       const char **source)
{
	const struct awscfg_section *s = awscfg_profile(b->cfg, name);
	const struct awscfg_kv *akid = awscfg_get_kv(s, "aws_access_key_id");
	const char *tf, *v;
	int rc, use_env = top && !explicit_profile;

	if (use_env && b_env(b, "AWS_ACCESS_KEY_ID")) {
		*source = "environment";
		return build_env(b, "environment", out);
	}
	if (top && awscfg_get(s, "role_arn") &&
	    !awscfg_get(s, "web_identity_token_file")) {
		*source = "assume-role";
		return build_assume_role(b, name, s, out);
	}
	tf = use_env ? b_env(b, "AWS_WEB_IDENTITY_TOKEN_FILE") : NULL;
	if (!tf)
		tf = awscfg_get(s, "web_identity_token_file");
	if (tf && *tf) {
		*source = "web-identity";
		return build_webid(b, name, s, tf, use_env, out);
	}
	if (awscfg_get(s, "sso_account_id") || awscfg_get(s, "sso_role_name")) {
		*source = "sso";
		return build_sso(b, name, s, out);
	}
	if (akid && akid->from_credentials && *akid->value) {
		*source = "shared-credentials-file";
		return build_file_keys(b, name, s, "shared-credentials-file", out);
	}
	v = awscfg_get(s, "credential_process");
	if (v && *v) {
		*source = "credential-process";
		return build_process(b, name, v, out);
	}
	if (akid && !akid->from_credentials && *akid->value) {
		*source = "config-file";
		return build_file_keys(b, name, s, "config-file", out);
	}
	if (!top)
		return berr(b, -ENOENT, "profile %s has no credentials", name);
	rc = build_container(b, name, out);
	if (rc != -ENOENT) {
		*source = "container";
		return rc;
	}
	*source = "instance-metadata";
	return build_imds(b, name, out);
}

static const char *services_lookup(const char *config_key, void *arg)
{
	struct credchain *cc = arg;
	const struct awscfg_section *p = awscfg_profile(cc->config, cc->profile);
	const char *svc = awscfg_get(p, "services");

	if (!svc)
		return NULL;
	return awscfg_get_sub(awscfg_services(cc->config, svc), config_key,
			      "endpoint_url");
}

int credchain_load(const struct credchain_options *opt,
		   struct credchain **out, char *err, size_t errlen)
{
	struct credchain *cc = calloc(1, sizeof(*cc));
	struct build b = { .opt = opt, .err = err, .errlen = errlen };
	const char *name, *region;
	int from, rc;

	if (!cc) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	b.clock = opt->clock ? opt->clock : default_clock;
	rc = awscfg_load(opt->getenv_fn, &cc->config, err, errlen);
	if (rc < 0)
		goto fail;
	b.cfg = cc->config;
	name = awscfg_profile_name(opt->profile, opt->getenv_fn, &from);
	cc->profile = strdup(name);
	if (!cc->profile) {
		rc = berr(&b, -ENOMEM, "out of memory");
		goto fail;
	}
	if (from != AWSCFG_PROFILE_DEFAULT &&
	    !awscfg_profile(cc->config, name)) {
		rc = berr(&b, -ENOENT, "profile %s not found in the AWS config "
			  "or credentials file", name);
		goto fail;
	}
	region = awscfg_region(cc->config, name, opt->region, opt->getenv_fn);
	cc->region = region ? strdup(region) : NULL;
	if (region && !cc->region) {
		rc = berr(&b, -ENOMEM, "out of memory");
		goto fail;
	}
	cc->endpoints.orgfs_endpoint = opt->orgfs_endpoint;
	cc->endpoints.profile_endpoint_url =
		awscfg_get(awscfg_profile(cc->config, name), "endpoint_url");
	cc->endpoints.services_lookup = services_lookup;
	cc->endpoints.services_arg = cc;
	cc->endpoints.getenv_fn = opt->getenv_fn;
	cc->endpoints.ignore_configured = opt->ignore_configured_endpoints ||
		truthy(b_env(&b, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
		truthy(awscfg_get(awscfg_profile(cc->config, name),
				  "ignore_configured_endpoint_urls"));
	b.region = cc->region ? cc->region : "us-east-1";
	b.ep = &cc->endpoints;
	b.visited[b.nvisited++] = cc->profile;
	rc = build_profile_chain(&b, cc->profile, 1,
				 from == AWSCFG_PROFILE_EXPLICIT,
				 &cc->provider, &cc->source);
	if (rc < 0)
		goto fail;
	*out = cc;
	return 0;
fail:
	credchain_free(cc);
	return rc;
}

void credchain_free(struct credchain *cc)
{
	if (!cc)
		return;
	creds_provider_release(cc->provider);
	free(cc->profile);
	free(cc->region);
	awscfg_free(cc->config);
	free(cc);
}

int credchain_caller_identity(struct aws_client *c,
			      struct credchain_identity *id,
			      struct aws_error *err)
{
	json_t *res = NULL, *r;
	const char *acct, *arn, *uid;
	int rc;

	rc = aws_query_call(c, &aws_svc_sts, NULL, "GetCallerIdentity", NULL, 0,
			    &res, err);
	if (rc < 0)
		return rc;
	r = json_object_get(json_object_get(res, "GetCallerIdentityResponse"),
			    "GetCallerIdentityResult");
	acct = jstr(r, "Account");
	arn = jstr(r, "Arn");
	uid = jstr(r, "UserId");
	if (!acct || !arn) {
		json_decref(res);
		aws_error_set(err, EIO, "MalformedResponse",
			      "sts:GetCallerIdentity: reply has no Account/Arn");
		return -EIO;
	}
	snprintf(id->account, sizeof(id->account), "%s", acct);
	snprintf(id->arn, sizeof(id->arn), "%s", arn);
	snprintf(id->user_id, sizeof(id->user_id), "%s", uid ? uid : "");
	json_decref(res);
	return 0;
}

/* ---- member account roles ------------------------------------------- */

struct member_arg {
	struct aws_client *base;        /* borrowed */
	char *account;
	char *role_arn;
	char *external_id;
	char *session_name;
};

static void member_free(void *arg)
{
	struct member_arg *m = arg;

	free(m->account);
	free(m->role_arn);
	free(m->external_id);
	free(m->session_name);
	free(m);
}

static int member_fetch(void *arg, struct aws_credentials **out,
			struct aws_error *err)
{
	struct member_arg *m = arg;
	struct aws_param p[3] = {
		{ "RoleArn", m->role_arn },
		{ "RoleSessionName", m->session_name },
		{ "ExternalId", m->external_id },
	};
	int rc;

	rc = sts_assume(m->base, "AssumeRole", p, m->external_id ? 3 : 2, out,
			err);
	if (rc < 0)
		prefix_err(err, "account %s: assume role %s", m->account,
			   m->role_arn);
	else if (!(*out)->account_id)
		(*out)->account_id = strdup(m->account);
	return rc;
}

struct member_entry {
	struct member_entry *next;
	struct aws_client *base;
	char *key;                      /* account \n role \n external id \n partition */
	struct creds_provider *p;
};

static pthread_mutex_t member_mu = PTHREAD_MUTEX_INITIALIZER;
static struct member_entry *members;    /* protected by member_mu */

struct creds_provider *credchain_member_role(struct aws_client *base,
					     const char *account_id,
					     const char *role_name,
					     const char *external_id,
					     const char *partition)
{
	struct member_entry *e;
	struct member_arg *m;
	struct creds_provider *p = NULL;
	char *key, desc[128];

	if (!base || !account_id || !*account_id || !role_name || !*role_name)
		return NULL;
	if (!partition || !*partition)
		partition = "aws";
	if (external_id && !*external_id)
		external_id = NULL;
	if (asprintf(&key, "%s\n%s\n%s\n%s", account_id, role_name,
		     external_id ? external_id : "", partition) < 0)
		return NULL;
	pthread_mutex_lock(&member_mu);
	for (e = members; e; e = e->next) {
		if (e->base == base && strcmp(e->key, key) == 0) {
			p = creds_provider_acquire(e->p);
			goto out;
		}
	}
	m = calloc(1, sizeof(*m));
	e = calloc(1, sizeof(*e));
	if (!m || !e)
		goto fail;
	m->base = base;
	m->account = strdup(account_id);
	m->external_id = xstrdup(external_id);
	if (asprintf(&m->role_arn, "arn:%s:iam::%s:role/%s", partition,
		     account_id, role_name) < 0)
		m->role_arn = NULL;
	if (asprintf(&m->session_name, "orgfs-%s", account_id) < 0)
		m->session_name = NULL;
	if (!m->account || !m->role_arn || !m->session_name ||
	    (external_id && !m->external_id))
		goto fail;
	snprintf(desc, sizeof(desc), "account %s (role %s)", account_id,
		 role_name);
	e->p = credchain_cached_new("member-role", desc, member_fetch, m,
				    member_free, NULL);
	m = NULL;               /* owned by the provider, even on failure */
	if (!e->p)
		goto fail;
	e->base = base;
	e->key = key;
	key = NULL;
	e->next = members;
	members = e;
	p = creds_provider_acquire(e->p);
	goto out;
fail:
	if (m)
		member_free(m);
	free(e);
out:
	pthread_mutex_unlock(&member_mu);
	free(key);
	return p;
}

void credchain_member_roles_clear(void)
{
	struct member_entry *e, *next;

	pthread_mutex_lock(&member_mu);
	e = members;
	members = NULL;
	pthread_mutex_unlock(&member_mu);
	for (; e; e = next) {
		next = e->next;
		creds_provider_release(e->p);
		free(e->key);
		free(e);
	}
}
