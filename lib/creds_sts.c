/* creds_sts.c - assume role, web identity and member-account roles
 * (creds_sts.h)
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "buf.h"
#include "creds_cached.h"
#include "creds_priv.h"
#include "creds_sts.h"

#define TOKEN_FILE_MAX (64 * 1024)

/* One sts:AssumeRole* call: the credentials in its <action>Result, with
 * the account taken from the assumed role's ARN. */
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
		const char *arn = creds_jstr(json_object_get(r, "AssumedRoleUser"),
					     "Arn");

		if (arn)
			creds_account_from_arn(*out, arn);
	}
	json_decref(res);
	return rc;
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
	creds_wipe_free(r->token_code);
	free(r);
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
		creds_wipe_free(r->token_code);
		r->token_code = NULL;
	}
	if (rc < 0)
		creds_prefix_err(err, "profile %s: assume role %s", r->profile,
				 r->role_arn);
	return rc;
}

struct creds_provider *
creds_assume_role_new(const struct creds_assume_role_options *opt)
{
	struct role_arg *r = calloc(1, sizeof(*r));
	char desc[300];

	if (!r) {
		aws_client_free(opt->sts);
		creds_wipe_free(opt->token_code);
		return NULL;
	}
	r->sts = opt->sts;
	r->token_code = opt->token_code;
	r->profile = strdup(opt->profile);
	r->role_arn = strdup(opt->role_arn);
	r->session_name = strdup(opt->session_name);
	r->external_id = creds_xstrdup(opt->external_id);
	r->duration = creds_xstrdup(opt->duration);
	r->mfa_serial = creds_xstrdup(opt->mfa_serial);
	if (!r->profile || !r->role_arn || !r->session_name ||
	    (opt->external_id && !r->external_id) ||
	    (opt->duration && !r->duration) ||
	    (opt->mfa_serial && !r->mfa_serial)) {
		role_free(r);
		return NULL;
	}
	snprintf(desc, sizeof(desc), "profile %s (assume-role)", opt->profile);
	return credchain_cached_new("assume-role", desc, role_fetch, r,
				    role_free, opt->clock);
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

	rc = creds_read_small_file(w->token_file, TOKEN_FILE_MAX, &tok);
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
		creds_prefix_err(err, "profile %s: web identity", w->profile);
	return rc;
}

struct creds_provider *
creds_web_identity_new(const struct creds_web_identity_options *opt)
{
	struct webid_arg *w = calloc(1, sizeof(*w));
	char desc[300];

	if (!w) {
		aws_client_free(opt->sts);
		return NULL;
	}
	w->sts = opt->sts;
	w->profile = strdup(opt->profile);
	w->token_file = strdup(opt->token_file);
	w->role_arn = strdup(opt->role_arn);
	w->session_name = strdup(opt->session_name);
	if (!w->profile || !w->token_file || !w->role_arn || !w->session_name) {
		webid_free(w);
		return NULL;
	}
	snprintf(desc, sizeof(desc), "profile %s (web-identity)", opt->profile);
	return credchain_cached_new("web-identity", desc, webid_fetch, w,
				    webid_free, opt->clock);
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
		creds_prefix_err(err, "account %s: assume role %s", m->account,
				 m->role_arn);
	else if (!(*out)->account_id)
		(*out)->account_id = strdup(m->account);
	return rc;
}

/* A new provider for the role; NULL on -ENOMEM. */
static struct creds_provider *member_new(struct aws_client *base,
					 const char *account_id,
					 const char *role_name,
					 const char *external_id,
					 const char *partition)
{
	struct member_arg *m = calloc(1, sizeof(*m));
	char desc[128];

	if (!m)
		return NULL;
	m->base = base;
	m->account = strdup(account_id);
	m->external_id = creds_xstrdup(external_id);
	if (asprintf(&m->role_arn, "arn:%s:iam::%s:role/%s", partition,
		     account_id, role_name) < 0)
		m->role_arn = NULL;
	if (asprintf(&m->session_name, "orgfs-%s", account_id) < 0)
		m->session_name = NULL;
	if (!m->account || !m->role_arn || !m->session_name ||
	    (external_id && !m->external_id)) {
		member_free(m);
		return NULL;
	}
	snprintf(desc, sizeof(desc), "account %s (role %s)", account_id,
		 role_name);
	return credchain_cached_new("member-role", desc, member_fetch, m,
				    member_free, NULL);
}

struct member_entry {
	struct member_entry *next;
	char *key;                      /* account \n role \n external id \n partition */
	struct creds_provider *p;
};

struct credchain_member_roles {
	struct aws_client *base;        /* borrowed */
	pthread_mutex_t mu;
	struct member_entry *entries;   /* protected by mu */
};

struct credchain_member_roles *credchain_member_roles_new(struct aws_client *base)
{
	struct credchain_member_roles *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->base = base;
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

void credchain_member_roles_free(struct credchain_member_roles *r)
{
	struct member_entry *e, *next;

	if (!r)
		return;
	for (e = r->entries; e; e = next) {
		next = e->next;
		creds_provider_release(e->p);
		free(e->key);
		free(e);
	}
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* With r->mu held: the provider for key, made and registered when new;
 * key is taken.  @return a new reference, or NULL on -ENOMEM */
static struct creds_provider *member_lookup(struct credchain_member_roles *r,
					    char *key, const char *account_id,
					    const char *role_name,
					    const char *external_id,
					    const char *partition)
{
	struct member_entry *e;

	for (e = r->entries; e; e = e->next) {
		if (strcmp(e->key, key) == 0) {
			free(key);
			return creds_provider_acquire(e->p);
		}
	}
	e = calloc(1, sizeof(*e));
	if (e)
		e->p = member_new(r->base, account_id, role_name, external_id,
				  partition);
	if (!e || !e->p) {
		free(e);
		free(key);
		return NULL;
	}
	e->key = key;
	e->next = r->entries;
	r->entries = e;
	return creds_provider_acquire(e->p);
}

struct creds_provider *credchain_member_role(struct credchain_member_roles *r,
					     const char *account_id,
					     const char *role_name,
					     const char *external_id,
					     const char *partition)
{
	struct creds_provider *p;
	char *key;

	if (!r || !r->base || !account_id || !*account_id || !role_name ||
	    !*role_name)
		return NULL;
	if (!partition || !*partition)
		partition = "aws";
	if (external_id && !*external_id)
		external_id = NULL;
	if (asprintf(&key, "%s\n%s\n%s\n%s", account_id, role_name,
		     external_id ? external_id : "", partition) < 0)
		return NULL;
	pthread_mutex_lock(&r->mu);
	p = member_lookup(r, key, account_id, role_name, external_id,
			  partition);
	pthread_mutex_unlock(&r->mu);
	return p;
}
