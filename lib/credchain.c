/* credchain.c - the AWS CLI v2 credential provider chain
 *
 * Every provider is a fetch function under one caching wrapper
 * (creds_cached.h) that owns expiry, refresh windows and single flight;
 * the providers that fetch live in lib/creds_*.c, one file each.  This
 * file reads the configuration and decides the chain once, as botocore's
 * resolver does: the first provider whose settings are present answers,
 * and its errors are the chain's errors.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "aws.h"
#include "awsconfig.h"
#include "awstime.h"
#include "credchain.h"
#include "creds_cached.h"
#include "creds_http.h"
#include "creds_priv.h"
#include "creds_process.h"
#include "creds_sso.h"
#include "creds_sts.h"

#define MAX_CHAIN_DEPTH 16

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
	/* what the chain's last built provider is, for credchain.description:
	 * kind and origin, never a secret (an access key id masked) */
	char desc[1024];
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

static void bdesc(struct build *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void bdesc(struct build *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->desc, sizeof(b->desc), fmt, ap);
	va_end(ap);
}

/* An access key id as the AWS CLI's 'aws configure list' shows it: its
 * last four characters, the rest masked */
static const char *masked_key(const char *akid, char *out, size_t len)
{
	size_t n = strlen(akid);

	snprintf(out, len, "****%s", n > 4 ? akid + n - 4 : "");
	return out;
}

/* Anyone who can write the file can make orgfs run any command: a
 * credential_process from a file every user can write is refused. */
static int check_process_file(struct build *b, const char *name,
			      const struct awscfg_section *s)
{
	const char *path;
	int unsafe;

	path = awscfg_file_of(b->cfg, awscfg_get_kv(s, "credential_process"),
			      &unsafe);
	if (!(unsafe & AWSCFG_WORLD_WRITABLE))
		return 0;
	return berr(b, -EPERM, "refusing to run the credential_process of "
		    "profile %s: %s is writable by every user, who could make "
		    "orgfs run any command; run chmod go-w %s", name, path,
		    path);
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
	const char *token_var = "AWS_SESSION_TOKEN";
	char mask[16];
	time_t exp = 0;

	if (!token) {
		token = b_env(b, "AWS_SECURITY_TOKEN");
		token_var = "AWS_SECURITY_TOKEN";
	}
	if (!akid)
		return berr(b, -ENOENT, "%s: AWS_ACCESS_KEY_ID is not set", why);
	if (!secret)
		return berr(b, -EINVAL, "%s: AWS_ACCESS_KEY_ID is set but "
			    "AWS_SECRET_ACCESS_KEY is not", why);
	if (sexp && awstime_parse_iso8601(sexp, &exp) < 0)
		return berr(b, -EINVAL, "%s: AWS_CREDENTIAL_EXPIRATION is not "
			    "an ISO 8601 time", why);
	bdesc(b, "environment variables AWS_ACCESS_KEY_ID (%s), "
	      "AWS_SECRET_ACCESS_KEY%s%s", masked_key(akid, mask, sizeof(mask)),
	      token ? ", " : "", token ? token_var : "");
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
	char desc[300], mask[16];

	if (!token || !*token)
		token = awscfg_get(s, "aws_security_token");
	if (!secret || !*secret)
		return berr(b, -EINVAL, "profile %s: aws_access_key_id is set "
			    "but aws_secret_access_key is not", profile);
	snprintf(desc, sizeof(desc), "profile %s (%s)", profile, what);
	bdesc(b, "profile %s: static keys in the %s (access key id %s%s)",
	      profile, strcmp(what, "config-file") ? "shared credentials file" :
	      "config file", masked_key(akid, mask, sizeof(mask)),
	      token && *token ? ", with a session token" : "");
	*out = fixed_new(akid, secret, token, 0,
			 awscfg_get(s, "aws_account_id"), desc, b->clock);
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
}

/* ---- assume role ----------------------------------------------------- */

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

/* The configured session name v, else "orgfs-<now>" in *mine, which the
 * caller frees.  @return NULL on -ENOMEM */
static const char *session_name(struct build *b, const char *v, char **mine)
{
	*mine = NULL;
	if (v && *v)
		return v;
	if (asprintf(mine, "orgfs-%lld", (long long)b->clock()) < 0)
		*mine = NULL;
	return *mine;
}

/* The MFA code works once: use it now, and keep the session it opens.
 * On failure p is released. */
static int use_mfa_now(struct build *b, struct creds_provider *p)
{
	struct aws_credentials *c = NULL;
	struct aws_error e;
	char m[768];
	int rc;

	aws_error_clear(&e);
	rc = creds_provider_get(p, &c, &e);
	if (rc < 0) {
		creds_provider_release(p);
		return berr(b, rc, "%s", aws_error_str(&e, m, sizeof(m)));
	}
	aws_credentials_release(c);
	return 0;
}

/* b->desc, which describes the role's source, becomes the role's */
static void describe_role(struct build *b, const char *name,
			  const char *role_arn, int mfa)
{
	char src[sizeof(b->desc)];

	memcpy(src, b->desc, sizeof(src));
	bdesc(b, "profile %s: assume role %s%s; source: %s", name, role_arn,
	      mfa ? " with MFA" : "", src);
}

static int build_assume_role(struct build *b, const char *name,
			     const struct awscfg_section *s,
			     struct creds_provider **out)
{
	struct creds_assume_role_options o = {
		.profile = name,
		.role_arn = awscfg_get(s, "role_arn"),
		.clock = b->clock,
	};
	struct creds_provider *src = NULL, *p;
	char *session;
	const char *v;
	int rc;

	rc = build_role_source(b, name, s, &src);
	if (rc < 0)
		return rc;
	o.sts = sts_client(b, src);
	creds_provider_release(src);    /* the client holds its reference */
	o.session_name = session_name(b, awscfg_get(s, "role_session_name"),
				      &session);
	v = awscfg_get(s, "external_id");
	o.external_id = v && *v ? v : NULL;
	v = awscfg_get(s, "duration_seconds");
	if (v && *v) {
		char *end;
		long d = strtol(v, &end, 10);

		if (*end || d < 900 || d > 43200) {
			rc = berr(b, -EINVAL, "profile %s: duration_seconds "
				  "must be a number of seconds from 900 to "
				  "43200", name);
			goto fail;
		}
		o.duration = v;
	}
	v = awscfg_get(s, "mfa_serial");
	o.mfa_serial = v && *v ? v : NULL;
	if (!o.sts || !o.session_name) {
		rc = berr(b, -ENOMEM, "profile %s: cannot create the STS "
			  "client", name);
		goto fail;
	}
	if (o.mfa_serial) {
		rc = ask_mfa(b, name, o.mfa_serial, &o.token_code);
		if (rc < 0)
			goto fail;
	}
	p = creds_assume_role_new(&o);  /* takes o.sts and o.token_code */
	free(session);
	if (!p)
		return berr(b, -ENOMEM, "out of memory");
	if (o.mfa_serial) {
		rc = use_mfa_now(b, p);
		if (rc < 0)
			return rc;
	}
	describe_role(b, name, o.role_arn, o.mfa_serial != NULL);
	*out = p;
	return 0;
fail:
	aws_client_free(o.sts);
	free(session);
	return rc;
}

/* ---- web identity -------------------------------------------------- */

static int build_webid(struct build *b, const char *name,
		       const struct awscfg_section *s, const char *token_file,
		       int use_env, struct creds_provider **out)
{
	struct creds_web_identity_options o = {
		.profile = name,
		.token_file = token_file,
		.role_arn = use_env ? b_env(b, "AWS_ROLE_ARN") : NULL,
		.clock = b->clock,
	};
	const char *sn = use_env ? b_env(b, "AWS_ROLE_SESSION_NAME") : NULL;
	char *session;

	if (!o.role_arn)
		o.role_arn = awscfg_get(s, "role_arn");
	if (!sn)
		sn = awscfg_get(s, "role_session_name");
	if (!o.role_arn || !*o.role_arn)
		return berr(b, -EINVAL, "profile %s: a web identity token file "
			    "is set but no role ARN (AWS_ROLE_ARN or role_arn)",
			    name);
	o.session_name = session_name(b, sn, &session);
	o.sts = sts_client(b, NULL);
	if (!o.sts || !o.session_name) {
		aws_client_free(o.sts);
		free(session);
		return berr(b, -ENOMEM, "profile %s: cannot create the STS "
			    "client", name);
	}
	if (use_env && b_env(b, "AWS_WEB_IDENTITY_TOKEN_FILE"))
		bdesc(b, "environment variable AWS_WEB_IDENTITY_TOKEN_FILE: "
		      "web identity, role %s, token file %s", o.role_arn,
		      token_file);
	else
		bdesc(b, "profile %s: web identity, role %s, token file %s",
		      name, o.role_arn, token_file);
	*out = creds_web_identity_new(&o);      /* takes o.sts */
	free(session);
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
}

/* ---- SSO ------------------------------------------------------------ */

static int build_sso(struct build *b, const char *name,
		     const struct awscfg_section *s,
		     struct creds_provider **out)
{
	const char *sess = awscfg_get(s, "sso_session");
	const char *start = awscfg_get(s, "sso_start_url");
	const char *region = awscfg_get(s, "sso_region");
	struct aws_client_config cc = { .http = b->opt->http, .endpoints = b->ep };
	struct aws_endpoint portal;
	char why[256];
	struct creds_sso_options o = {
		.profile = name,
		.home = awscfg_home(b->opt->getenv_fn),
		.account_id = awscfg_get(s, "sso_account_id"),
		.role_name = awscfg_get(s, "sso_role_name"),
		.clock = b->clock,
	};

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
	if (!start || !*start || !region || !*region || !o.account_id ||
	    !*o.account_id || !o.role_name || !*o.role_name)
		return berr(b, -EINVAL, "profile %s: incomplete SSO configuration "
			    "(needs sso_start_url, sso_region, sso_account_id "
			    "and sso_role_name, directly or via sso_session)",
			    name);
	o.session_key = sess && *sess ? sess : start;
	o.sso_region = region;
	cc.region = region;
	o.client = aws_client_new(&cc);
	if (!o.client)
		return berr(b, -ENOMEM, "profile %s: cannot create the SSO "
			    "client", name);
	if (endpoint_resolve(&aws_svc_sso, region, b->ep, &portal, why,
			     sizeof(why))) {
		snprintf(portal.url, sizeof(portal.url), "none");
		snprintf(portal.origin, sizeof(portal.origin), "%.*s",
			 (int)sizeof(portal.origin) - 1, why);
	}
	if (sess && *sess)
		bdesc(b, "profile %s: IAM Identity Center (SSO), sso-session "
		      "%s, account %s, role %s, portal %s (%s)", name, sess,
		      o.account_id, o.role_name, portal.url, portal.origin);
	else
		bdesc(b, "profile %s: IAM Identity Center (SSO), start URL %s, "
		      "account %s, role %s, portal %s (%s)", name, start,
		      o.account_id, o.role_name, portal.url, portal.origin);
	*out = creds_sso_new(&o);               /* takes o.client */
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
}

/* ---- container credentials and instance metadata -------------------- */

static int build_container(struct build *b, const char *profile,
			   struct creds_provider **out)
{
	const char *rel = b_env(b, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = b_env(b, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	struct creds_container_options o = {
		.http = b->opt->http,
		.profile = profile,
		.url = full,
		.token_file = b_env(b, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
		.token = b_env(b, "AWS_CONTAINER_AUTHORIZATION_TOKEN"),
		.clock = b->clock,
	};
	char *url = NULL;

	if (!rel && !full)
		return -ENOENT;
	if (!b->opt->http)
		return berr(b, -EINVAL, "container credentials need an HTTP context");
	if (rel) {
		if (asprintf(&url, "http://169.254.170.2%s%s",
			     rel[0] == '/' ? "" : "/", rel) < 0)
			return berr(b, -ENOMEM, "out of memory");
		o.url = url;
	} else if (!creds_container_url_ok(full)) {
		return berr(b, -EINVAL, "AWS_CONTAINER_CREDENTIALS_FULL_URI "
			    "must be https, or http to a loopback address "
			    "or the container agent (169.254.170.2, "
			    "169.254.170.23, fd00:ec2::23)");
	}
	bdesc(b, "container credentials (%s%s)", rel ?
	      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" :
	      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	      o.token_file ? ", authorization token file" :
	      o.token ? ", authorization token" : "");
	*out = creds_container_new(&o);
	free(url);
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
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
	struct creds_imds_options o = {
		.http = b->opt->http,
		.profile = profile,
		.clock = b->clock,
	};

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
	o.base = ep;
	o.v1_disabled = truthy(v1);
	o.timeout_ms = to && atof(to) > 0 ? (long)(atof(to) * 1000) : 1000;
	o.attempts = na && atoi(na) > 0 ? atoi(na) : 1;
	bdesc(b, "EC2 instance metadata at %s (IMDSv2%s)", ep,
	      o.v1_disabled ? " only" : ", IMDSv1 fallback");
	*out = creds_imds_new(&o);
	return *out ? 0 : berr(b, -ENOMEM, "out of memory");
}

/* ---- the chain ------------------------------------------------------ */

/* The length of a command line's program, quoted or not: what names a
 * credential_process without its arguments, which may hold a secret */
static int program_len(const char *cmd)
{
	const char *end;

	if ((*cmd == '"' || *cmd == '\'') && (end = strchr(cmd + 1, *cmd)))
		return (int)(end - cmd + 1);
	return (int)strcspn(cmd, " \t");
}

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
		bdesc(b, "profile %s: credential_process (%.*s)", name,
		      program_len(v), v);
		rc = check_process_file(b, name, s);
		if (rc)
			return rc;
		*out = creds_process_new(name, v, b->clock);
		return *out ? 0 : berr(b, -ENOMEM, "out of memory");
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
	b.clock = opt->clock ? opt->clock : creds_default_clock;
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
	cc->endpoints.profile = cc->profile;
	cc->endpoints.services_section =
		awscfg_get(awscfg_profile(cc->config, name), "services");
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
	cc->description = strdup(b.desc);
	if (!cc->description) {
		rc = berr(&b, -ENOMEM, "out of memory");
		goto fail;
	}
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
	free(cc->description);
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
	acct = creds_jstr(r, "Account");
	arn = creds_jstr(r, "Arn");
	uid = creds_jstr(r, "UserId");
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
