/* source_aws.h - the organization read live from AWS Organizations
 *
 * Every operation is a few Organizations calls made through the client
 * (which signs, retries and paginates); nothing is cached here, the cache
 * sits above the source.  The hierarchy is walked breadth first with
 * ListOrganizationalUnitsForParent and ListChildren per root and OU, so a
 * walk costs two listings per parent instead of one call per account.
 *
 * Calls per operation (one page each unless said otherwise):
 *   effective_tag_policy  1 organizations:DescribeEffectivePolicy
 *                         (EffectivePolicyNotFoundException: present 0)
 *   config_compliance     member role (sts:AssumeRole once per account,
 *                         cached), then config:DescribeComplianceByConfigRule
 *                         paged by NextToken in the region; only when that
 *                         lists no rule, 1 DescribeConfigurationRecorderStatus
 *                         to tell "not enabled" from "no rules";
 *                         with config_aggregator: only
 *                         DescribeAggregateComplianceByConfigRules filtered
 *                         on the account and region (1 page per 1,000 rules)
 *   list_org_resources    resource-explorer-2:Search or
 *                         config:SelectAggregateResourceConfig, as
 *                         source_agg.h says
 *
 * source_aws.c holds the Organizations side, source_member.c the
 * member-account side (list_resources, config_compliance,
 * list_org_resources); both list through source_list.h.
 */
#ifndef ORGFS_SOURCE_AWS_H
#define ORGFS_SOURCE_AWS_H

#include <stddef.h>

#include "source.h"

struct aws_client;

struct source_aws_options {
	const char *profile;            /* for describe(); NULL: "default" */
	const char *endpoint;           /* -o endpoint= for describe(); NULL: none */
	int concurrency;                /* parents listed at once by
					   walk_hierarchy; 0: 4 */
	/* Policy types list_policies lists; NULL (or npolicy_types 0): the
	 * types ENABLED on the root. */
	const char *const *policy_types;
	size_t npolicy_types;
	/* list_resources: member accounts are read through this role
	 * (sts:AssumeRole with the client's credentials, cached per account
	 * by the source's credchain_member_roles); the client's own account
	 * needs none. */
	const char *member_role;        /* NULL: "OrganizationAccountAccessRole";
					   may hold a path "path/Name" */
	const char *external_id;        /* NULL: none */
	const char *partition;          /* of the role ARNs; NULL: the
					   listing region's partition */
	const char *caller_account;     /* the client's own account when the
					   caller knows it; NULL: asked once
					   with sts:GetCallerIdentity */
	const char *caller_arn;         /* its ARN, with caller_account */
	const char *caller_unknown;     /* why the caller could not tell its
					   identity (provenance says it, and
					   does not ask); NULL: it did not */
	const char *credentials;        /* where the client's credentials
					   come from, for provenance (never
					   a secret: credchain.description) */
	int compliance_details;         /* IncludeComplianceDetails: fills
					   org_resource.compliance */
	/* config_compliance: read every account from this AWS Config
	 * aggregator (DescribeAggregateComplianceByConfigRules with the
	 * client's credentials, no member role) instead of each account's
	 * own Config through its member role.  NULL: no aggregator. */
	const char *config_aggregator;
	const char *config_aggregator_region;   /* its home Region; NULL:
						   the client's */
	/* list_org_resources: every resource of the organization from this
	 * Resource Explorer view (source_agg_list_resource_explorer), else
	 * from config_aggregator (source_agg_list_config, in
	 * config_aggregator_region).  Both NULL: the source has no
	 * list_org_resources (NULL in its ops). */
	const char *resource_explorer_view;
	/* IAM Identity Center read from this account (a
	 * delegated administrator, through member_role) and this instance
	 * ARN, in this region.  NULL: the client's account, its first
	 * instance, the client's region. */
	const char *sso_account;
	const char *sso_instance;
	const char *sso_region;
};

/* The client is borrowed and must outlive the source; opt (may be NULL)
 * is copied.  The member-role providers are the source's and go with it.
 * @return NULL on -ENOMEM */
struct org_source *source_aws_new(struct aws_client *client,
				  const struct source_aws_options *opt);

#endif
