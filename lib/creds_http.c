/* creds_http.c - container credentials and instance metadata
 * (creds_http.h)
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "awserr.h"
#include "buf.h"
#include "creds_cached.h"
#include "creds_http.h"
#include "creds_priv.h"
#include "http.h"
#include "log.h"

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
	creds_wipe_free(c->token);
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

		rc = creds_read_small_file(c->token_file, 16384, &tok);
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
				creds_prefix_err(err, "profile %s", c->profile);
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

int creds_container_url_ok(const char *url)
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
		creds_prefix_err(err, "profile %s", m->profile);
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
	creds_wipe_free(token);
	buf_free(&role);
	buf_wipe(&body);
	return rc;
}

struct creds_provider *
creds_container_new(const struct creds_container_options *opt)
{
	struct container_arg *c = calloc(1, sizeof(*c));
	char desc[300];

	if (!c)
		return NULL;
	c->http = opt->http;
	c->url = strdup(opt->url);
	c->profile = strdup(opt->profile);
	c->attempts = 3;
	c->clock = opt->clock ? opt->clock : creds_default_clock;
	if (opt->token_file)
		c->token_file = strdup(opt->token_file);
	else if (opt->token)
		c->token = strdup(opt->token);
	if (!c->url || !c->profile || (opt->token_file && !c->token_file) ||
	    (!opt->token_file && opt->token && !c->token)) {
		container_free(c);
		return NULL;
	}
	snprintf(desc, sizeof(desc), "profile %s (container)", opt->profile);
	return credchain_cached_new("container", desc, container_fetch, c,
				    container_free, opt->clock);
}

struct creds_provider *creds_imds_new(const struct creds_imds_options *opt)
{
	struct imds_arg *m = calloc(1, sizeof(*m));
	char desc[300];
	size_t n;

	if (!m || !(m->base = strdup(opt->base)) ||
	    !(m->profile = strdup(opt->profile))) {
		if (m)
			imds_free(m);
		return NULL;
	}
	n = strlen(m->base);
	while (n && m->base[n - 1] == '/')
		m->base[--n] = 0;
	m->http = opt->http;
	m->v1_disabled = opt->v1_disabled;
	m->timeout_ms = opt->timeout_ms;
	m->attempts = opt->attempts;
	m->clock = opt->clock ? opt->clock : creds_default_clock;
	snprintf(desc, sizeof(desc), "profile %s (instance-metadata)",
		 opt->profile);
	return credchain_cached_new("instance-metadata", desc, imds_fetch, m,
				    imds_free, opt->clock);
}
