/* creds_sso.c - SSO token and role credentials (creds_sso.h) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "aws.h"
#include "awstime.h"
#include "creds_cached.h"
#include "creds_priv.h"
#include "creds_sso.h"
#include "http.h"
#include "log.h"

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
			 "clientId", creds_jstr(tok, "clientId"),
			 "clientSecret", creds_jstr(tok, "clientSecret"),
			 "grantType", "refresh_token",
			 "refreshToken", creds_jstr(tok, "refreshToken"));
	if (!body) {
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
		return -ENOMEM;
	}
	rc = aws_rest_call(s->cli, &aws_svc_sso_oidc, s->sso_region, "POST",
			   "/token", NULL, 0, NULL, 0, body, 0, &res, err);
	json_decref(body);
	if (rc < 0)
		return rc;
	at = creds_jstr(res, "accessToken");
	rt = creds_jstr(res, "refreshToken");
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

/* With less than the advisory window left, refresh the token when it can
 * be (a registered client that has not expired).  A failed refresh keeps
 * a token that is still valid.  @return 0 with *at and *exp updated, or
 * -EACCES with err filled */
static int sso_refresh_due(struct sso_arg *s, json_t *tok, time_t now,
			   const char **at, time_t *exp, struct aws_error *err)
{
	const char *reg = creds_jstr(tok, "registrationExpiresAt");
	time_t reg_exp = 0;
	struct aws_error e;
	char m[768];

	if (*exp - now >= CREDCHAIN_ADVISORY_REFRESH ||
	    !creds_jstr(tok, "clientId") || !creds_jstr(tok, "clientSecret") ||
	    !creds_jstr(tok, "refreshToken") || !reg ||
	    awstime_parse_iso8601(reg, &reg_exp) != 0 || reg_exp <= now)
		return 0;
	aws_error_clear(&e);
	if (sso_refresh(s, tok, now, &e) == 0) {
		*at = creds_jstr(tok, "accessToken");
		awstime_parse_iso8601(creds_jstr(tok, "expiresAt"), exp);
		return 0;
	}
	if (now < *exp) {
		olog(LOG_WARNING, "profile %s: refreshing the SSO token "
		     "failed, using the current one: %s", s->profile,
		     aws_error_str(&e, m, sizeof(m)));
		return 0;
	}
	snprintf(m, sizeof(m), "the SSO session has expired and "
		 "refreshing it failed (%s)", e.message);
	return sso_expired(s, err, m);
}

/* The cached token, refreshed when due.  @return 0 with *tokp the cache
 * document (the caller frees it) and *at borrowed from it, or -EACCES
 * with err filled */
static int sso_token(struct sso_arg *s, time_t now, json_t **tokp,
		     const char **at, struct aws_error *err)
{
	json_error_t jerr;
	const char *ea;
	time_t exp = 0;
	json_t *tok;
	int rc;

	tok = json_load_file(s->cache_path, 0, &jerr);
	if (!tok)
		return sso_expired(s, err, access(s->cache_path, F_OK) == 0 ?
				   "the SSO token cache file is unreadable" :
				   "there is no SSO session (no cached token)");
	*at = creds_jstr(tok, "accessToken");
	ea = creds_jstr(tok, "expiresAt");
	if (!*at || !ea || awstime_parse_iso8601(ea, &exp) < 0) {
		json_decref(tok);
		return sso_expired(s, err, "the cached SSO token is invalid");
	}
	rc = sso_refresh_due(s, tok, now, at, &exp, err);
	if (rc == 0 && now >= exp)
		rc = sso_expired(s, err, "the SSO session has expired");
	if (rc < 0) {
		json_decref(tok);
		return rc;
	}
	*tokp = tok;
	return 0;
}

static int sso_fetch(void *arg, struct aws_credentials **out,
		     struct aws_error *err)
{
	struct sso_arg *s = arg;
	json_t *tok = NULL, *res = NULL, *rc_json;
	const char *at = NULL;
	struct http_header hdr;
	struct aws_param q[2];
	json_int_t ms;
	int rc;

	rc = sso_token(s, s->clock(), &tok, &at, err);
	if (rc < 0)
		return rc;
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
		creds_prefix_err(err, "profile %s: sso", s->profile);
		return rc;
	}
	rc_json = json_object_get(res, "roleCredentials");
	ms = json_integer_value(json_object_get(rc_json, "expiration"));
	if (!creds_jstr(rc_json, "accessKeyId") ||
	    !creds_jstr(rc_json, "secretAccessKey")) {
		json_decref(res);
		aws_error_set(err, EIO, "MalformedResponse",
			      "sso:GetRoleCredentials: reply has no credentials");
		return -EIO;
	}
	*out = aws_credentials_new(creds_jstr(rc_json, "accessKeyId"),
				   creds_jstr(rc_json, "secretAccessKey"),
				   creds_jstr(rc_json, "sessionToken"),
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

struct creds_provider *creds_sso_new(const struct creds_sso_options *opt)
{
	struct sso_arg *a = calloc(1, sizeof(*a));
	char sha[41], desc[300];

	if (!a) {
		aws_client_free(opt->client);
		return NULL;
	}
	a->cli = opt->client;
	a->profile = strdup(opt->profile);
	if (sha1_hex(opt->session_key, sha) < 0 ||
	    asprintf(&a->cache_path, "%s/.aws/sso/cache/%s.json", opt->home,
		     sha) < 0)
		a->cache_path = NULL;
	a->account_id = strdup(opt->account_id);
	a->role_name = strdup(opt->role_name);
	a->sso_region = strdup(opt->sso_region);
	a->clock = opt->clock ? opt->clock : creds_default_clock;
	if (!a->profile || !a->cache_path || !a->account_id ||
	    !a->role_name || !a->sso_region) {
		sso_free(a);
		return NULL;
	}
	snprintf(desc, sizeof(desc), "profile %s (sso)", opt->profile);
	return credchain_cached_new("sso", desc, sso_fetch, a, sso_free,
				    opt->clock);
}
