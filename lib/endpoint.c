/* endpoint.c - AWS services orgfs talks to, and where their endpoints are
 *
 * Hosts and signing regions follow the botocore endpoint rule sets
 * (aws-protocols.md section 2); the AWS_ENDPOINT_URL_<SERVICE> names and
 * [services] keys follow the SDK reference "Identifiers for
 * service-specific endpoints" table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "endpoint.h"

const struct aws_service aws_svc_organizations = {
	.id = "organizations",
	.endpoint_prefix = "organizations",
	.signing_name = "organizations",
	.env_suffix = "ORGANIZATIONS",
	.config_key = "organizations",
	.protocol = AWS_PROTO_JSON,
	.target_prefix = "AWSOrganizationsV20161128",
	.global = 1,
};

const struct aws_service aws_svc_tagging = {
	.id = "resourcegroupstaggingapi",
	.endpoint_prefix = "tagging",
	.signing_name = "tagging",
	.env_suffix = "RESOURCE_GROUPS_TAGGING_API",
	.config_key = "resource_groups_tagging_api",
	.protocol = AWS_PROTO_JSON,
	.target_prefix = "ResourceGroupsTaggingAPI_20170126",
};

const struct aws_service aws_svc_config = {
	.id = "config",
	.endpoint_prefix = "config",
	.signing_name = "config",
	.env_suffix = "CONFIG_SERVICE",
	.config_key = "config_service",
	.protocol = AWS_PROTO_JSON,
	.target_prefix = "StarlingDoveService",
};

const struct aws_service aws_svc_sts = {
	.id = "sts",
	.endpoint_prefix = "sts",
	.signing_name = "sts",
	.env_suffix = "STS",
	.config_key = "sts",
	.protocol = AWS_PROTO_QUERY,
	.api_version = "2011-06-15",
};

const struct aws_service aws_svc_resource_explorer = {
	.id = "resource-explorer-2",
	.endpoint_prefix = "resource-explorer-2",
	.signing_name = "resource-explorer-2",
	.env_suffix = "RESOURCE_EXPLORER_2",
	.config_key = "resource_explorer_2",
	.protocol = AWS_PROTO_REST_JSON,
};

/* Account Management: one endpoint per partition, as Organizations */
const struct aws_service aws_svc_account = {
	.id = "account",
	.endpoint_prefix = "account",
	.signing_name = "account",
	.env_suffix = "ACCOUNT",
	.config_key = "account",
	.protocol = AWS_PROTO_REST_JSON,
	.global = 1,
};

const struct aws_service aws_svc_sso = {
	.id = "sso",
	.endpoint_prefix = "portal.sso",
	.signing_name = "awsssoportal",
	.env_suffix = "SSO",
	.config_key = "sso",
	.protocol = AWS_PROTO_REST_JSON,
};

/* IAM Identity Center administration: the instance, permission sets and
 * account assignments */
const struct aws_service aws_svc_sso_admin = {
	.id = "sso-admin",
	.endpoint_prefix = "sso",
	.signing_name = "sso",
	.env_suffix = "SSO_ADMIN",
	.config_key = "sso_admin",
	.protocol = AWS_PROTO_JSON,
	.target_prefix = "SWBExternalService",
};

/* The Identity Center identity store: names of groups and users */
const struct aws_service aws_svc_identitystore = {
	.id = "identitystore",
	.endpoint_prefix = "identitystore",
	.signing_name = "identitystore",
	.env_suffix = "IDENTITYSTORE",
	.config_key = "identitystore",
	.protocol = AWS_PROTO_JSON,
	.target_prefix = "AWSIdentityStore",
};

const struct aws_service aws_svc_sso_oidc = {
	.id = "sso-oidc",
	.endpoint_prefix = "oidc",
	.signing_name = "sso-oauth",
	.env_suffix = "SSO_OIDC",
	.config_key = "sso_oidc",
	.protocol = AWS_PROTO_REST_JSON,
};

struct partition {
	const char *id;
	const char *dns_suffix;
	const char *global_region;      /* where a global service lives */
};

static const struct partition partitions[] = {
	{ "aws", "amazonaws.com", "us-east-1" },
	{ "aws-cn", "amazonaws.com.cn", "cn-northwest-1" },
	{ "aws-us-gov", "amazonaws.com", "us-gov-west-1" },
};

static const struct partition *partition_of(const char *region)
{
	/* "aws-cn-global" and "aws-us-gov-global" are the pseudo regions
	 * botocore uses for the partitions' global endpoints */
	if (!strncmp(region, "cn-", 3) || !strncmp(region, "aws-cn", 6))
		return &partitions[1];
	if (!strncmp(region, "us-gov-", 7) || !strncmp(region, "aws-us-gov", 10))
		return &partitions[2];
	return &partitions[0];
}

const char *endpoint_partition(const char *region)
{
	return partition_of(region ? region : "")->id;
}

struct url_parts {
	int https;
	const char *host;       /* not NUL-terminated: host_len */
	size_t host_len;
	long port;              /* 0: none given */
	const char *path;       /* rest after the authority, may be "" */
};

static int url_fail(char *err, size_t errlen, const char *s, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "invalid endpoint URL '%s': %s", s, why);
	return -EINVAL;
}

static int is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

static int is_ipv6_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

static int url_parse(const char *s, struct url_parts *p, char *err,
		     size_t errlen)
{
	const char *q, *auth, *end;

	memset(p, 0, sizeof(*p));
	if (!s || !*s) {
		if (err && errlen)
			snprintf(err, errlen, "empty endpoint URL");
		return -EINVAL;
	}
	for (q = s; *q; q++) {
		if (*q == ' ' || *q == '\t')
			return url_fail(err, errlen, s, "contains a space");
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return url_fail(err, errlen, s,
					"contains a control character");
	}
	q = strstr(s, "://");
	if (!q)
		return url_fail(err, errlen, s,
				"missing scheme (http:// or https://)");
	if ((size_t)(q - s) == 5 && !strncasecmp(s, "https", 5))
		p->https = 1;
	else if ((size_t)(q - s) != 4 || strncasecmp(s, "http", 4))
		return url_fail(err, errlen, s,
				"scheme is not http:// or https://");
	auth = q + 3;
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth))) {
		/* do not quote it: it holds a user name or password */
		if (err && errlen)
			snprintf(err, errlen, "invalid endpoint URL: user "
				 "name or password in a URL not supported");
		return -EINVAL;
	}
	if (*auth == '[') {
		q = auth + 1;
		while (q < end && *q != ']') {
			if (!is_ipv6_char(*q))
				return url_fail(err, errlen, s,
						"bad IPv6 address");
			q++;
		}
		if (q == end || q == auth + 1)
			return url_fail(err, errlen, s, "bad IPv6 address");
		q++;            /* past ']' */
	} else {
		q = auth;
		while (q < end && *q != ':') {
			if (!is_host_char(*q))
				return url_fail(err, errlen, s,
						"bad character in host name");
			q++;
		}
	}
	p->host = auth;
	p->host_len = (size_t)(q - auth);
	if (!p->host_len)
		return url_fail(err, errlen, s, "missing host");
	if (q < end) {
		long port = 0;

		if (*q != ':')
			return url_fail(err, errlen, s, "bad host");
		q++;
		if (q == end)
			return url_fail(err, errlen, s, "empty port");
		for (; q < end; q++) {
			if (*q < '0' || *q > '9')
				return url_fail(err, errlen, s,
						"port is not a number");
			port = port * 10 + (*q - '0');
			if (port > 65535)
				break;
		}
		if (port < 1 || port > 65535)
			return url_fail(err, errlen, s,
					"port out of range (1-65535)");
		p->port = port;
	}
	if (strpbrk(end, "?#"))
		return url_fail(err, errlen, s,
				"query or fragment not allowed");
	p->path = end;
	return 0;
}

int endpoint_check_url(const char *s, char *err, size_t errlen)
{
	struct url_parts p;

	return url_parse(s, &p, err, errlen);
}

static int check_region(const char *region, char *err, size_t errlen)
{
	const char *q;
	size_t n = region ? strlen(region) : 0;

	if (!region)
		region = "";
	for (q = region; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
		      *q == '-'))
			break;
	if (!n || *q || n >= sizeof(((struct aws_endpoint *)0)->signing_region)) {
		if (err && errlen)
			snprintf(err, errlen, "invalid region '%s'", region);
		return -EINVAL;
	}
	return 0;
}

/* Fill url and host from a configured URL. */
static int endpoint_from_url(const char *src, const char *s,
			     struct aws_endpoint *ep, char *err, size_t errlen)
{
	struct url_parts p;
	char why[768];
	size_t plen;
	int n, res;

	res = url_parse(s, &p, why, sizeof(why));
	if (res) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", src, why);
		return res;
	}
	plen = strlen(p.path);
	while (plen && p.path[plen - 1] == '/')
		plen--;
	if ((p.https && p.port == 443) || (!p.https && p.port == 80))
		p.port = 0;
	if (p.port)
		n = snprintf(ep->host, sizeof(ep->host), "%.*s:%ld",
			     (int)p.host_len, p.host, p.port);
	else
		n = snprintf(ep->host, sizeof(ep->host), "%.*s",
			     (int)p.host_len, p.host);
	if (n < 0 || (size_t)n >= sizeof(ep->host))
		goto too_long;
	n = snprintf(ep->url, sizeof(ep->url), "%s://%s%.*s",
		     p.https ? "https" : "http", ep->host, (int)plen, p.path);
	if (n < 0 || (size_t)n >= sizeof(ep->url))
		goto too_long;
	return 0;

too_long:
	if (err && errlen)
		snprintf(err, errlen, "%s: endpoint URL too long", src);
	return -EINVAL;
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

static const char *non_empty(const char *s)
{
	return s && *s ? s : NULL;
}

int endpoint_resolve(const struct aws_service *svc, const char *region,
		     const struct endpoint_config *cfg,
		     struct aws_endpoint *out, char *err, size_t errlen)
{
	const char *(*get)(const char *) = env_get;
	const struct partition *part;
	struct aws_endpoint ep;
	const char *url = NULL, *src = NULL, *hostreg;
	char envname[128];
	int res, n;

	res = check_region(region, err, errlen);
	if (res)
		return res;
	memset(&ep, 0, sizeof(ep));
	part = partition_of(region);
	snprintf(ep.partition, sizeof(ep.partition), "%s", part->id);

	/* A global service signs for its partition's home region; STS's
	 * "aws-global" pseudo region is its legacy global endpoint. */
	hostreg = region;
	if (svc->global)
		hostreg = part->global_region;
	else if (!strcmp(svc->endpoint_prefix, "sts") &&
		 !strcmp(region, "aws-global"))
		hostreg = NULL;
	snprintf(ep.signing_region, sizeof(ep.signing_region), "%s",
		 hostreg ? hostreg : "us-east-1");

	if (cfg && cfg->getenv_fn)
		get = cfg->getenv_fn;
	if (cfg && non_empty(cfg->orgfs_endpoint)) {
		/* the command line, like the CLI's --endpoint-url, is not a
		 * "configured" endpoint: ignore_configured leaves it be */
		url = cfg->orgfs_endpoint;
		src = "endpoint option";
		snprintf(ep.origin, sizeof(ep.origin), "-o endpoint");
	} else if (!cfg || !cfg->ignore_configured) {
		const char *prof = cfg && cfg->profile ? cfg->profile : "default";

		snprintf(envname, sizeof(envname), "AWS_ENDPOINT_URL_%s",
			 svc->env_suffix);
		if ((url = non_empty(get(envname)))) {
			src = envname;
			snprintf(ep.origin, sizeof(ep.origin), "%s", envname);
		} else if (cfg && cfg->services_lookup &&
			 (url = non_empty(cfg->services_lookup(svc->config_key,
							       cfg->services_arg)))) {
			src = "services section of the profile";
			snprintf(ep.origin, sizeof(ep.origin),
				 "services section %s of profile %s",
				 cfg->services_section ? cfg->services_section :
				 "?", prof);
		} else if ((url = non_empty(get("AWS_ENDPOINT_URL")))) {
			src = "AWS_ENDPOINT_URL";
			snprintf(ep.origin, sizeof(ep.origin), "%s", src);
		} else if (cfg && (url = non_empty(cfg->profile_endpoint_url))) {
			src = "endpoint_url in the profile";
			snprintf(ep.origin, sizeof(ep.origin),
				 "endpoint_url of profile %s", prof);
		}
	}

	if (url) {
		res = endpoint_from_url(src, url, &ep, err, errlen);
		if (res)
			return res;
	} else {
		if (hostreg)
			n = snprintf(ep.host, sizeof(ep.host), "%s.%s.%s",
				     svc->endpoint_prefix, hostreg,
				     part->dns_suffix);
		else
			n = snprintf(ep.host, sizeof(ep.host), "%s.%s",
				     svc->endpoint_prefix, part->dns_suffix);
		if (n < 0 || (size_t)n >= sizeof(ep.host)) {
			if (err && errlen)
				snprintf(err, errlen, "invalid region '%s'",
					 region);
			return -EINVAL;
		}
		snprintf(ep.url, sizeof(ep.url), "https://%s", ep.host);
		snprintf(ep.origin, sizeof(ep.origin), "%s",
			 cfg && cfg->ignore_configured ?
			 "standard; configured endpoints ignored" :
			 "standard");
	}
	*out = ep;
	return 0;
}
