/* endpoint.h - AWS services orgfs talks to, and where their endpoints are
 *
 * Resolution follows the AWS SDKs: an explicit orgfs endpoint (-o endpoint=)
 * wins, then AWS_ENDPOINT_URL_<SERVICE>, then the profile's [services x]
 * section, then AWS_ENDPOINT_URL, then the profile's endpoint_url, then the
 * standard host for the service, region and partition (aws, aws-cn,
 * aws-us-gov).  The signing region and name stay those of the service and
 * region whatever the URL.
 */
#ifndef ORGFS_ENDPOINT_H
#define ORGFS_ENDPOINT_H

#include <stddef.h>

enum aws_protocol {
	AWS_PROTO_JSON,         /* awsJson1_1: POST /, X-Amz-Target */
	AWS_PROTO_REST_JSON,    /* restJson1 */
	AWS_PROTO_QUERY,        /* awsQuery: form body, XML reply */
};

struct aws_service {
	const char *id;                 /* "organizations" (the SDK service id,
					   lower case, for messages and stats) */
	const char *endpoint_prefix;    /* host label: "organizations", "tagging" */
	const char *signing_name;       /* "organizations", "tagging", "awsssoportal" */
	const char *env_suffix;         /* AWS_ENDPOINT_URL_<env_suffix> */
	const char *config_key;         /* key in a [services x] section */
	enum aws_protocol protocol;
	const char *target_prefix;      /* JSON: "AWSOrganizationsV20161128" */
	const char *api_version;        /* query: "2011-06-15" */
	int global;                     /* one endpoint per partition (organizations) */
};

extern const struct aws_service aws_svc_organizations;
extern const struct aws_service aws_svc_tagging;
extern const struct aws_service aws_svc_config;
extern const struct aws_service aws_svc_sts;
extern const struct aws_service aws_svc_resource_explorer;
extern const struct aws_service aws_svc_account;
extern const struct aws_service aws_svc_sso;
extern const struct aws_service aws_svc_sso_oidc;
extern const struct aws_service aws_svc_sso_admin;
extern const struct aws_service aws_svc_identitystore;

/* Where configured endpoints come from; any member may be NULL. */
struct endpoint_config {
	const char *orgfs_endpoint;     /* -o endpoint=URL: every service */
	const char *profile_endpoint_url;       /* endpoint_url in the profile */
	/* value of <config_key> = ... endpoint_url in the profile's
	 * [services x] section, NULL when absent */
	const char *(*services_lookup)(const char *config_key, void *arg);
	void *services_arg;
	/* For the origin of an endpoint (struct aws_endpoint.origin), borrowed:
	 * the profile and the name of its [services x] section; NULL: none */
	const char *profile;
	const char *services_section;
	/* getenv replacement for tests; NULL: getenv */
	const char *(*getenv_fn)(const char *name);
	int ignore_configured;          /* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS */
};

struct aws_endpoint {
	char url[512];                  /* scheme://host[:port][/base], no trailing / */
	char host[256];                 /* host[:port] for the Host header */
	char signing_region[64];
	char partition[16];             /* "aws", "aws-cn", "aws-us-gov" */
	/* where url came from, for .orgfs/config: "-o endpoint",
	 * "AWS_ENDPOINT_URL_STS", "services section x of profile p",
	 * "AWS_ENDPOINT_URL", "endpoint_url of profile p", or "standard"
	 * (the service's own host for the region) */
	char origin[192];
};

/* @return 0, or -EINVAL with err set (bad region, URL that is not a URL) */
int endpoint_resolve(const struct aws_service *svc, const char *region,
		     const struct endpoint_config *cfg,
		     struct aws_endpoint *out, char *err, size_t errlen);

/* Check that s is an absolute http:// or https:// URL with a host.
 * @return 0 or -EINVAL with err set */
int endpoint_check_url(const char *s, char *err, size_t errlen);

/* "aws", "aws-cn" or "aws-us-gov" for a region name. */
const char *endpoint_partition(const char *region);

#endif
