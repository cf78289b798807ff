/* source.h - where the organization comes from: "aws" or "demo"
 *
 * A source answers one question per call, synchronously, and may block on
 * the network: callers never hold a lock across a call.  Each call returns
 * 0 with a new, sorted, self-contained value in *out, or -errno with err
 * filled.  A listing that could not be fetched completely is an error,
 * never a shorter list.  Every operation is thread-safe.
 */
#ifndef ORGFS_SOURCE_H
#define ORGFS_SOURCE_H

#include "model.h"

struct aws_error;
struct buf;

struct org_source;

struct org_source_ops {
	const char *name;               /* "aws", "demo" */
	/* The organization (DescribeOrganization); its policy types are
	 * the root's, which the caller adds from list_roots (types left
	 * empty here). */
	int (*describe_org)(struct org_source *s, struct org_info **out,
			    struct aws_error *err);
	/* The roots (ListRoots: at least one) with their enabled policy
	 * types.  One answer serves describe_org's caller, walk_hierarchy
	 * and list_policies, which take it rather than list again. */
	int (*list_roots)(struct org_source *s, struct org_roots **out,
			  struct aws_error *err);
	int (*list_accounts)(struct org_source *s, struct org_accounts **out,
			     struct aws_error *err);
	/* roots: list_roots' answer, where the walk starts */
	int (*walk_hierarchy)(struct org_source *s,
			      const struct org_roots *roots,
			      struct org_hier **out, struct aws_error *err);
	/* The parent (root or OU id, malloc'd) of one account or OU
	 * (ListParents): what walk_hierarchy would say of it, for the
	 * owner of a few objects without walking every OU.  NULL when the
	 * source has no such call: the caller walks the hierarchy. */
	int (*list_parent)(struct org_source *s, const char *id, char **out,
			   struct aws_error *err);
	/* id: account id, root, OU or policy id */
	int (*list_tags)(struct org_source *s, const char *id,
			 struct org_tags **out, struct aws_error *err);
	/* roots: list_roots' answer (the types enabled on the root are
	 * listed first and marked enabled) */
	int (*list_policies)(struct org_source *s,
			     const struct org_roots *roots,
			     struct org_policies **out, struct aws_error *err);
	int (*describe_policy)(struct org_source *s, const char *id,
			       struct org_policy **out, struct aws_error *err);
	/* Resources of one member account in one region (the tagging API's
	 * GetResources through the member role; the management account with
	 * the base credentials).  An account whose role cannot be assumed
	 * fails with EACCES.  NULL when the source has no resources. */
	int (*list_resources)(struct org_source *s, const char *account_id,
			      const char *region, struct org_resources **out,
			      struct aws_error *err);
	/* The effective tag policy of an account (DescribeEffectivePolicy,
	 * TAG_POLICY): present 0 when no tag policy applies.  NULL when the
	 * source has none. */
	int (*effective_tag_policy)(struct org_source *s,
				    const char *account_id,
				    struct org_document **out,
				    struct aws_error *err);
	/* AWS Config rule compliance of one account in one region, through
	 * the member role (or the aggregator when the source has one):
	 * enabled 0 where Config is not set up.  NULL when the source has
	 * none. */
	int (*config_compliance)(struct org_source *s, const char *account_id,
				 const char *region,
				 struct org_config_rules **out,
				 struct aws_error *err);
	/* Every resource of the organization at once from an org-wide
	 * index AWS maintains (a Resource Explorer view or a Config
	 * aggregator), sorted by ARN: what list_resources would give for
	 * every account and region, without the fan-out.  NULL when the
	 * source has no such index: the caller fans out. */
	int (*list_org_resources)(struct org_source *s,
				  struct org_resources **out,
				  struct aws_error *err);
	/* The IAM Identity Center instance and its permission sets, each
	 * described, with the accounts where it is provisioned (no
	 * assignment: n 0): present 0 when the organization has no
	 * instance (not an error).  NULL when the source has none. */
	int (*list_access_psets)(struct org_source *s,
				 struct org_access **out,
				 struct aws_error *err);
	/* The assignments of account in instance, of each of the n
	 * permission sets (ARNs) provisioned there, unnamed.  NULL when
	 * the source has none. */
	int (*list_account_access)(struct org_source *s, const char *instance,
				   const char *account,
				   char *const *pset_arns, size_t n,
				   struct org_account_access **out,
				   struct aws_error *err);
	/* The members (user ids) of group group_id in identity store
	 * store_id.  NULL when the source has none. */
	int (*list_members)(struct org_source *s, const char *store_id,
			    const char *group_id, struct org_members **out,
			    struct aws_error *err);
	/* Group (user 0) or user id of identity store store_id: its name
	 * ("" when the store does not know it).  NULL when the source has
	 * none. */
	int (*describe_principal)(struct org_source *s, const char *store_id,
				  int user, const char *id,
				  struct org_principal **out,
				  struct aws_error *err);
	/* The regions account has enabled (account:ListRegions with the
	 * opt-in statuses ENABLED and ENABLED_BY_DEFAULT, through the
	 * member role like list_resources; the management account with the
	 * base credentials), for -o regions=all.  NULL when the source has
	 * no such list. */
	int (*list_regions)(struct org_source *s, const char *account_id,
			    struct org_regions **out, struct aws_error *err);
	/* One line describing where the data comes from, for README and
	 * .orgfs/config (never a secret). */
	void (*describe)(struct org_source *s, struct buf *out);
	/* What the source reads, and as whom, for .orgfs/config and the
	 * README: "<key>\t<value>" lines, never a secret:
	 *   endpoint_<service>  URL (where it was set), for each service
	 *                       the mount calls (<service> as in a [services]
	 *                       section: organizations, sts, ...)
	 *   credentials         where the credentials come from, and how
	 *   identity_account, identity_arn   from sts:GetCallerIdentity,
	 *                       asked at most once; "unknown (reason)" when
	 *                       it could not be had
	 * regions: those the tree reads resources and Config rules in;
	 * resources: whether it reads resources.  @return 0 or -ENOMEM.
	 * NULL when the source calls nothing (the demo). */
	int (*provenance)(struct org_source *s, const char *const *regions,
			  size_t nregions, int resources, struct buf *out);
	/* "<name>\t<value>" lines about the source's use of its API, for
	 * .orgfs/status.  @return 0 or -ENOMEM.  NULL when the source has
	 * none. */
	int (*status)(struct org_source *s, struct buf *out);
	void (*destroy)(struct org_source *s);
};

struct org_source {
	const struct org_source_ops *ops;
};

#endif
