/* source_aws_priv.h - the aws source's state, shared by its files
 *
 * source_aws.c is the organization side (Organizations: the organization,
 * accounts, tags, policies, effective tag policy) and builds the source,
 * with source_hier.c for the roots and the hierarchy walk;
 * source_member.c is the member-account side (resources and Config
 * through member roles or the client's own account, and the org-wide
 * aggregators).  Calls go one way: source_aws.c into the other two.
 */
#ifndef ORGFS_SOURCE_AWS_PRIV_H
#define ORGFS_SOURCE_AWS_PRIV_H

#include <pthread.h>
#include <stddef.h>

#include "endpoint.h"
#include "source.h"
#include "source_list.h"

struct aws_client;
struct aws_error;

#define SRC_AWS_PAGE_SIZE 20            /* the Organizations maximum */
#define SRC_AWS_MAX_CONCURRENCY 64      /* walk_hierarchy's workers */

/* Errors of an Organizations call op, "organizations:<op>". */
#define orgs_malformed(e, op, ...)                                       \
	source_fail((e), &aws_svc_organizations, (op), EIO,              \
		    "MalformedResponse", __VA_ARGS__)
#define orgs_nomem(e, op)                                                \
	source_fail((e), &aws_svc_organizations, (op), ENOMEM,           \
		    "OutOfMemory", "out of memory")

/* An Organizations listing: parse appends one item of list member key. */
#define ORG_LIST_OP(op_, key_, type, parse)                              \
	{                                                                \
		.svc = &aws_svc_organizations, .op = op_,                \
		.token = "NextToken", .key = key_,                       \
		.item_size = sizeof(type), .parse_item = parse,          \
	}

struct aws_source {
	struct org_source base;
	struct org_source_ops ops;      /* base.ops: list_org_resources is
					   NULL without an aggregator */
	struct credchain_member_roles *members; /* roles assumed with client */
	struct aws_client *client;
	char *profile;
	char *endpoint;                 /* NULL when none was given */
	int concurrency;
	char **policy_types;            /* NULL: the types enabled on the root */
	size_t npolicy_types;
	char *member_role;
	char *external_id;              /* NULL when none */
	char *partition;                /* NULL: the region's */
	int compliance_details;
	char *config_aggregator;        /* NULL: member roles */
	char *config_aggregator_region; /* NULL: the client's */
	/* list_org_resources: the Resource Explorer view, else the Config
	 * aggregator as given (even ""); NULL both: no such op */
	char *resource_explorer_view;
	char *resources_aggregator;
	pthread_mutex_t id_lock;
	pthread_cond_t id_cond;
	enum { ID_UNKNOWN, ID_ASKING, ID_KNOWN } id_state;      /* id_lock */
	char own_account[16];           /* the client's; id_lock */
	char own_arn[2048];             /* the client's, "" when unknown;
					   id_lock */
	char id_error[512];             /* why the last ask failed, ""
					   when none; id_lock */
	char *credentials;              /* NULL: not known */
	/* IAM Identity Center (list_access_psets and the others): the
	 * instance's account, when not the client's (a delegated
	 * administrator, through the member role), and its ARN when one is chosen; its region.  NULL: the
	 * client's account, the first instance, the client's region */
	char *sso_account;
	char *sso_instance;
	char *sso_region;
};

static inline struct aws_source *to_aws(struct org_source *s)
{
	return (struct aws_source *)s;
}

/* The roots (ListRoots), in the order listed; walk_hierarchy from them */
int aws_list_roots(struct org_source *src, struct org_roots **out,
		   struct aws_error *err);
int aws_walk_hierarchy(struct org_source *src, const struct org_roots *roots,
		       struct org_hier **out, struct aws_error *err);
int aws_list_parent(struct org_source *src, const char *id, char **out,
		    struct aws_error *err);

/* The member-account side's operations (source_member.c); their
 * contracts are lib/source.h's. */
int aws_list_resources(struct org_source *src, const char *account,
		       const char *region, struct org_resources **out,
		       struct aws_error *err);
int aws_config_compliance(struct org_source *src, const char *account,
			  const char *region, struct org_config_rules **out,
			  struct aws_error *err);
int aws_list_regions(struct org_source *src, const char *account,
		     struct org_regions **out, struct aws_error *err);
int aws_list_org_resources(struct org_source *src,
			   struct org_resources **out, struct aws_error *err);

/* The client's own account into out: known from the options, or asked
 * once with sts:GetCallerIdentity (single flight; a failure is retried
 * next time, its message kept in s->id_error).  source_member.c.
 * @return 0 or -errno with err filled */
int source_own_account(struct aws_source *s, char *out, size_t len,
		       struct aws_error *err);
/* The client that reads account: the source's own for its own account,
 * else one holding the member role's credentials, which the caller frees
 * (aws_client_free) when *member.  svc and op name the call in errors.
 * source_member.c.  @return 0 or -errno with err filled */
int source_account_client(struct aws_source *s, const char *account,
			  const char *region, const struct aws_service *svc,
			  const char *op, struct aws_client **out, int *member,
			  struct aws_error *err);
/* IAM Identity Center's permission sets and one account's assignments
 * (source_access.c); the contract is lib/source.h's list_access_psets
 * and list_account_access. */
int aws_list_access_psets(struct org_source *src, struct org_access **out,
			  struct aws_error *err);
int aws_list_account_access(struct org_source *src, const char *instance,
			    const char *account, char *const *pset_arns,
			    size_t n, struct org_account_access **out,
			    struct aws_error *err);
/* A group's members and one user's name (source_access.c):
 * lib/source.h's list_members and describe_user. */
int aws_list_members(struct org_source *src, const char *store_id,
		     const char *group_id, struct org_members **out,
		     struct aws_error *err);
int aws_describe_principal(struct org_source *src, const char *store_id,
			   int user, const char *id,
			   struct org_principal **out, struct aws_error *err);

#endif
