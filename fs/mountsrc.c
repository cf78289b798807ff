/* mountsrc.c - the AWS source of a mount: credentials proven at mount
 *
 * Runs before the process daemonizes, so that a bad profile, missing
 * credentials or a denied call reach the user's terminal as one line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "credchain.h"
#include "http.h"
#include "mountsrc.h"
#include "source_aws.h"

static int parse_attempts(const char *s, int *out)
{
	char *end;
	long v;

	if (!s) {
		s = getenv("AWS_MAX_ATTEMPTS");
		if (!s || !*s) {
			*out = 3;
			return 0;
		}
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 1 || v > 20) {
		fprintf(stderr, "orgfs: invalid max_attempts '%s': expected a "
			"whole number from 1 to 20\n", s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int parse_mode(const char *s, enum aws_retry_mode *out,
		      const char **name)
{
	if (!s) {
		s = getenv("AWS_RETRY_MODE");
		if (!s || !*s)
			s = "standard";
	}
	if (!strcmp(s, "standard"))
		*out = AWS_RETRY_STANDARD;
	else if (!strcmp(s, "legacy"))
		*out = AWS_RETRY_LEGACY;
	else if (!strcmp(s, "adaptive"))
		*out = AWS_RETRY_ADAPTIVE;
	else {
		fprintf(stderr, "orgfs: invalid retry_mode '%s': expected "
			"standard, legacy or adaptive\n", s);
		return -1;
	}
	*name = *out == AWS_RETRY_STANDARD ? "standard" :
		*out == AWS_RETRY_LEGACY ? "legacy" : "adaptive";
	return 0;
}

int mountsrc_parse_retry(const char *attempts, const char *mode, int *n,
			 enum aws_retry_mode *m, const char **name)
{
	return parse_attempts(attempts, n) || parse_mode(mode, m, name) ? -1 : 0;
}

/* What to do where no credentials were found at all */
#define NO_CREDS_HINT "run 'aws configure' (access keys) or 'aws sso login' " \
	"(IAM Identity Center), or choose a profile with --profile or " \
	"AWS_PROFILE"

/* The credentials themselves, before any call is signed with them: the
 * last provider of the chain (instance metadata) failing means that none
 * was found, and no STS call was made.  @return 0, or -1 (printed) */
static int first_credentials(struct mountsrc *ms)
{
	struct aws_credentials *cr = NULL;
	struct aws_error err;
	char msg[1024];

	aws_error_clear(&err);
	if (!creds_provider_get(ms->creds, &cr, &err) && cr) {
		aws_credentials_release(cr);
		return 0;
	}
	if (!err.message[0])
		snprintf(err.message, sizeof(err.message), "cannot get "
			 "credentials from %s", ms->creds->description);
	if (strstr(err.message, "no credentials found"))
		fprintf(stderr, "orgfs: %s; %s\n", err.message, NO_CREDS_HINT);
	else
		fprintf(stderr, "orgfs: %s\n",
			err.operation[0] ? aws_error_str(&err, msg, sizeof(msg)) :
			err.message);
	return -1;
}

int mountsrc_open(const struct mountsrc_options *o, struct mountsrc *ms)
{
	struct http_ctx_config hc = { 0 };
	struct credchain_options co = { 0 };
	struct credchain *cc = NULL;
	struct aws_client_config ac = { 0 };
	struct credchain_identity id;
	struct source_aws_options so = { 0 };
	struct aws_error err;
	enum aws_retry_mode mode;
	char msg[1024];

	memset(ms, 0, sizeof(*ms));
	if (mountsrc_parse_retry(o->max_attempts, o->retry_mode,
				 &ms->max_attempts, &mode, &ms->retry_mode))
		return -1;
	hc.ca_bundle = o->ca_bundle ? o->ca_bundle : getenv("AWS_CA_BUNDLE");
	if (hc.ca_bundle && !*hc.ca_bundle)
		hc.ca_bundle = NULL;
	hc.insecure = o->insecure;
	if (o->insecure)
		fprintf(stderr, "orgfs: warning: TLS certificates are not "
			"verified (-o insecure)\n");
	ms->http = http_ctx_new(&hc);
	if (!ms->http) {
		fprintf(stderr, "orgfs: cannot set up HTTP: out of memory\n");
		return -1;
	}

	co.profile = o->profile;
	co.region = o->region;
	co.orgfs_endpoint = o->endpoint;
	co.http = ms->http;
	co.interactive = o->interactive;
	if (credchain_load(&co, &cc, msg, sizeof(msg))) {
		/* say what to do where nothing was found at all */
		if (strstr(msg, "no credentials"))
			fprintf(stderr, "orgfs: %s; %s\n", msg, NO_CREDS_HINT);
		else
			fprintf(stderr, "orgfs: %s\n", msg);
		goto fail;
	}
	/* the client's endpoint config points into the chain's files */
	ms->chain = cc;
	ms->profile = strdup(cc->profile ? cc->profile : "default");
	ms->region = strdup(cc->region ? cc->region : "us-east-1");
	ms->creds = creds_provider_acquire(cc->provider);

	ac.http = ms->http;
	ac.creds = ms->creds;
	ac.region = ms->region;
	ac.endpoints = &cc->endpoints;
	ac.max_attempts = ms->max_attempts;
	ac.retry_mode = mode;
	ac.rate_limits = o->rate_limits;
	ac.nrate_limits = o->nrate_limits;
	ms->client = aws_client_new(&ac);
	if (!ms->client) {
		fprintf(stderr, "orgfs: cannot create the AWS client\n");
		goto fail;
	}

	if (first_credentials(ms))
		goto fail;
	/* one cheap call proves the credentials before we daemonize; a
	 * reply that came but does not say who we are proves them too */
	aws_error_clear(&err);
	if (credchain_caller_identity(ms->client, &id, &err) &&
	    strcmp(err.code, "MalformedResponse")) {
		/* named by where they came from: "profile default" would
		 * mislead when they are the environment's */
		fprintf(stderr, "orgfs: cannot verify credentials (%s): %s\n",
			cc->description ? cc->description : ms->profile,
			aws_error_str(&err, msg, sizeof(msg)));
		goto fail;
	} else if (err.code[0]) {
		aws_error_str(&err, msg, sizeof(msg));
		fprintf(stderr, "orgfs: warning: the caller identity is "
			"unknown: %s\n", msg);
		if (asprintf(&ms->identity, "unknown (%s)", msg) < 0)
			ms->identity = NULL;
		so.caller_unknown = msg;
	} else {
		ms->identity = strdup(id.arn);
		snprintf(ms->account, sizeof(ms->account), "%s", id.account);
	}
	if (!ms->identity) {
		fprintf(stderr, "orgfs: out of memory\n");
		goto fail;
	}

	so.profile = ms->profile;
	so.endpoint = o->endpoint;
	so.concurrency = o->concurrency;
	so.member_role = o->member_role;
	/* what the organization's tag policies say of each resource */
	so.compliance_details = 1;
	so.config_aggregator = o->config_aggregator;
	so.config_aggregator_region = o->config_aggregator_region;
	so.resource_explorer_view = o->resource_explorer_view;
	so.external_id = o->external_id;
	if (o->sso_instance && strncmp(o->sso_instance, "arn:", 4))
		so.sso_account = o->sso_instance;
	else
		so.sso_instance = o->sso_instance;
	so.sso_region = o->sso_region;
	so.caller_account = ms->account;
	so.caller_arn = ms->identity;
	so.credentials = cc->description;
	ms->source = source_aws_new(ms->client, &so);
	if (!ms->source) {
		fprintf(stderr, "orgfs: cannot create the AWS source: out of "
			"memory\n");
		goto fail;
	}
	return 0;
fail:
	mountsrc_close(ms);
	return -1;
}

void mountsrc_close(struct mountsrc *ms)
{
	aws_client_free(ms->client);
	ms->client = NULL;
	creds_provider_release(ms->creds);
	ms->creds = NULL;
	credchain_free(ms->chain);
	ms->chain = NULL;
	http_ctx_free(ms->http);
	ms->http = NULL;
	free(ms->profile);
	free(ms->region);
	free(ms->identity);
	ms->profile = ms->region = ms->identity = NULL;
}
