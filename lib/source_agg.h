/* source_agg.h - every resource of the organization from one org-wide index
 *
 * The tagging API lists only resources that have or had tags, and only one
 * account and region per call.  Where the organization runs an AWS Config
 * aggregator (-o config_aggregator=NAME) or a Resource Explorer aggregator
 * index with a multi-account view (-o resource_explorer_view=ARN), these
 * functions read the whole organization from that index instead: resources
 * that were never tagged too, and no fan-out over member roles.
 *
 * Both return every resource the index holds as one org_resources sorted by
 * ARN with identical ARNs merged (the first kept): arn, service, region
 * ("global" when the ARN has none), type and id from the ARN
 * (arn_fill_resource), account from the ARN or else the index's owning
 * account, tags as the index reports them, compliance "".  A listing that
 * could not be read completely is an error, never a shorter list: any
 * failed page, malformed reply or unsplittable query fails the whole call
 * (*out NULL, err filled).  Thread-safe; blocks on the network; no lock is
 * held.
 */
#ifndef ORGFS_SOURCE_AGG_H
#define ORGFS_SOURCE_AGG_H

#include <jansson.h>

#include "model.h"

struct aws_client;
struct aws_error;

/* Resource Explorer's Search never returns more than this per query. */
#define SOURCE_AGG_SEARCH_CAP 1000

/*
 * AWS Config: config:SelectAggregateResourceConfig on aggregator with
 *   SELECT resourceId, resourceType, arn, accountId, awsRegion, tags
 * paged with NextToken, Limit 100 (the maximum); an empty page with a
 * token is not the end.  Each Results[] item is a JSON document; tags come
 * from its `tags` list ({"key", "value"}).  An item without an `arn` (a few
 * Config types have none) cannot be placed in the tree and is skipped; an
 * ARN that does not parse fails the listing.
 * region: the aggregator's home Region, where aggregator calls must go;
 * NULL: the client's.  needs config:SelectAggregateResourceConfig.
 * @return 0, -EINVAL (bad aggregator name), or -errno with err filled
 */
int source_agg_list_config(struct aws_client *c, const char *aggregator,
			   const char *region, struct org_resources **out,
			   struct aws_error *err);

/*
 * Resource Explorer: resource-explorer-2:Search (POST /Search, MaxResults
 * 1000, NextToken) through view_arn, in the view's Region (taken from the
 * ARN).  Use a multi-account view (Scope: the organization) in the Region
 * of the aggregator index; a view scoped to one account returns that
 * account only.
 *
 * Search returns at most 1,000 results per query (Count.Complete false
 * beyond), so the listing is partitioned: the query "" first; a query that
 * is incomplete is split by the next of region:, service:, resourcetype:,
 * accountid: into one query per value seen in its results plus one
 * remainder query excluding every value done so far ("-region:a
 * -region:b"), which either completes or shows new values to split on;
 * filters combine down the levels.  So nothing is cut silently: a query
 * that is still incomplete once split by all four, or a remainder that
 * would exceed Search's 1,280-character QueryString, fails the listing
 * (EIO, code "SearchIncomplete").  A query counts as complete when
 * Count.Complete is true, or, without Count, when fewer than 1,000 results
 * came back.
 *
 * ListResources (POST /ListResources) carries no 1,000-result note in the
 * model and would need no partitioning, but it is a newer operation
 * (absent from botocore 1.29, which orgfs's tests use) and its docs promise
 * no ordering that would make its paging safer than Search's; Search with
 * partitioning is what the issue asks for, so Search is used.
 *
 * Tags: Resource Explorer returns them only when the view includes the
 * "tags" property (IncludedProperties); they are read from the "tags"
 * entry of Properties[] ([{"Key", "Value"}]) when present, otherwise the
 * resource has no tags in the result.  Resource Explorer does not index
 * tags of IAM resources.
 * Needs resource-explorer-2:Search on the view.
 * @return 0, -EINVAL (not a view ARN), or -errno with err filled
 */
int source_agg_list_resource_explorer(struct aws_client *c,
				      const char *view_arn,
				      struct org_resources **out,
				      struct aws_error *err);

/*
 * AWS Config rule compliance of one account in one Region from an
 * aggregator: config:DescribeAggregateComplianceByConfigRules on aggregator
 * with Filters {AccountId: account, AwsRegion: aws_region}, Limit 1000 (the
 * maximum) and NextToken (an empty page with a token is not the end), sent
 * to region (the aggregator's home Region; NULL: the client's) with the
 * client's own credentials: no member role.  One page per 1,000 rules, so
 * one request for any real account and Region.
 * Rules come sorted by name, a name listed twice kept once (the first);
 * a rule without Compliance.ComplianceType reads INSUFFICIENT_DATA.
 * enabled is 1 when the aggregator reports a rule there and 0 (n 0)
 * otherwise: an aggregator cannot tell "Config does not record there"
 * from "it records but evaluates no rule".
 * Needs config:DescribeAggregateComplianceByConfigRules.
 * @return 0, -EINVAL (bad aggregator name, account id or Region), or
 * -errno with err filled
 */
int source_agg_config_compliance(struct aws_client *c, const char *aggregator,
				 const char *region, const char *account,
				 const char *aws_region,
				 struct org_config_rules **out,
				 struct aws_error *err);

/* Shared with the aws source, whose DescribeComplianceByConfigRule
 * replies have the same items. */
struct source_list;

/* What a rule listing says when its list member is not a list. */
#define SOURCE_AGG_RULES_NOT_LIST "reply: the rule list is not a list"

/* A source_list_op parse_item: one {ConfigRuleName,
 * Compliance{ComplianceType}} item into slot (a struct org_config_rule);
 * no ComplianceType reads INSUFFICIENT_DATA.  @return 0 or -errno with
 * the listing's error filled ("reply: <why>", or out of memory) */
int source_agg_parse_rule(struct source_list *l, json_t *item, void *slot);
/* Sort by name, drop repeated names (the first kept), set enabled to
 * whether any rule is left. */
void source_agg_rules_finish(struct org_config_rules *r);

#endif
