/* tree.c - the one layout table: every path orgfs serves (layout.h says
 * how a row reads; tree.h where its handlers are) */
#include "tree.h"

/* Read-ahead (ahead): listing accounts/ (or ous/) prepares to warm what
 * each child will need, so that a walk over them does not wait one round
 * trip per object: each account's tags.  It fires at the first access
 * below a child (layout.c), not on the listing: an ls of accounts/ alone
 * costs the account list (issue 15).  The hierarchy (parent, path, owner) is
 * warmed by listing an account's directory, not accounts/: an audit of
 * accounts/<id>/tags/Owner then makes no call it does not need (issue 9:
 * no more calls than a script). */

#define D NODE_DIR
#define F NODE_FILE
#define L NODE_LINK
#define NONE { AHEAD_NONE, 0 }
#define ONE(k) { AHEAD_ONE, k }
#define EACH(k) { AHEAD_EACH, k }

static const struct layout_row rows[] = {
/*	  pattern                        type kind           get                list   view when ahead */
	{ "/",                            D, ORG_INFO,     NULL,              NULL, 0, NULL, NONE },
	{ "/README",                      F, ORG_INFO,     f_readme,          NULL, 0, NULL, NONE },

	/* org-wide tables, whose size needs a crawl: stat renders them, so
	 * they stand apart, where no ls of the root or of a directory of
	 * directories stats them (issue 15) */
	{ "/tables",                      D, ORG_INFO,     NULL,              NULL, 0, NULL, NONE },
	{ "/tables/accounts.tsv",         F, ORG_ACCOUNTS, f_accounts_tsv,    NULL, 1, NULL, NONE },
	{ "/tables/accounts.jsonl",       F, ORG_ACCOUNTS, f_accounts_tsv,    NULL, 1, NULL, NONE },
	{ "/tables/resources.tsv",        F, ORG_RESOURCES, f_resources_tsv,  NULL, 1, with_resources, NONE },
	{ "/tables/resources.jsonl",      F, ORG_RESOURCES, f_resources_tsv,  NULL, 1, with_resources, NONE },
	{ "/tables/unowned_resources.tsv", F, ORG_RESOURCES, f_unowned_resources_tsv, NULL, 1, with_resources, NONE },
	{ "/tables/unowned_resources.jsonl", F, ORG_RESOURCES, f_unowned_resources_tsv, NULL, 1, with_resources, NONE },

	{ "/org",                         D, ORG_INFO,     NULL,              ls_org, 0, NULL, NONE },
	{ "/org/policy_types",            F, ORG_INFO,     f_org_policy_types, NULL, 0, NULL, NONE },
	{ "/org/*",                       F, ORG_INFO,     f_org_field,       NULL, 0, NULL, NONE },

	{ "/accounts",                    D, ORG_ACCOUNTS, NULL,              ls_accounts, 0, NULL, EACH(ORG_TAGS) },
	{ "/accounts/*",                  D, ORG_ACCOUNTS, d_account,         ls_account, 0, NULL, ONE(ORG_HIER) },
	{ "/accounts/*/parent",           L, ORG_HIER,     l_account_parent,  NULL, 0, account_has_parent, NONE },
	{ "/accounts/*/path",             F, ORG_HIER,     f_account_path,    NULL, 0, NULL, NONE },
	{ "/accounts/*/tags",             D, ORG_TAGS,     d_account,         ls_account_tags, 0, NULL, NONE },
	{ "/accounts/*/tags/*",           F, ORG_TAGS,     f_account_tag,     NULL, 0, NULL, NONE },
	{ "/accounts/*/policies",         D, ORG_POLICY,   d_account,         ls_account_policies, 0, NULL, NONE },
	{ "/accounts/*/policies/*",       L, ORG_POLICY,   l_object_policy,   NULL, 0, NULL, NONE },
	{ "/accounts/*/owner",            F, ORG_TAGS,     f_owner,           NULL, 0, NULL, NONE },
	{ "/accounts/*/policies.tsv",     F, ORG_POLICY,   f_policies_tsv,    NULL, 0, NULL, NONE },
	{ "/accounts/*/policies.jsonl",   F, ORG_POLICY,   f_policies_tsv,    NULL, 0, NULL, NONE },
	{ "/accounts/*/effective_tag_policy.json", F, ORG_EFFPOL, f_effective_tag_policy, NULL, 0, effpol_listed, NONE },
	{ "/accounts/*/compliance",       F, ORG_TAGS,     f_object_compliance, NULL, 0, NULL, NONE },
	{ "/accounts/*/config",           D, ORG_CONFIG,   d_config,          ls_config, 0, config_listed, NONE },
	{ "/accounts/*/config/status",    F, ORG_CONFIG,   f_config_status,   NULL, 0, NULL, NONE },
	{ "/accounts/*/config/*",         D, ORG_CONFIG,   d_config_region,   ls_config_region, 0, NULL, NONE },
	{ "/accounts/*/config/*/*",       F, ORG_CONFIG,   f_config_rule,     NULL, 0, NULL, NONE },
	{ "/accounts/*/resources",        D, ORG_RESOURCES, d_account_resources, ls_account_services, 0, resources_listed, NONE },
	{ "/accounts/*/resources/*",      D, ORG_RESOURCES, NULL,             ls_account_service_regions, 0, NULL, NONE },
	{ "/accounts/*/resources/*/*",    D, ORG_RESOURCES, NULL,             ls_account_region_types, 0, NULL, NONE },
	{ "/accounts/*/resources/*/*/*",  D, ORG_RESOURCES, NULL,             ls_account_type_ids, 0, NULL, NONE },
	{ "/accounts/*/resources/*/*/*/*", D, ORG_RESOURCES, d_resource,      ls_resource, 0, NULL, NONE },
	{ "/accounts/*/resources/*/*/*/*/tags", D, ORG_RESOURCES, d_resource, ls_resource_tags, 0, NULL, NONE },
	{ "/accounts/*/resources/*/*/*/*/tags/*", F, ORG_RESOURCES, f_resource_tag, NULL, 0, NULL, NONE },
	{ "/accounts/*/resources/*/*/*/*/compliance", F, ORG_RESOURCES, f_resource_compliance, NULL, 0, NULL, NONE },
	{ "/accounts/*/resources/*/*/*/*/*", F, ORG_RESOURCES, f_resource_field, NULL, 0, NULL, NONE },
	{ "/accounts/*/access.tsv",       F, ORG_ACCESS,   f_account_access_tsv, NULL, 0, NULL, NONE },
	{ "/accounts/*/access.jsonl",     F, ORG_ACCESS,   f_account_access_tsv, NULL, 0, NULL, NONE },
	{ "/accounts/*/owner_has_access", F, ORG_ACCESS,   f_owner_has_access, NULL, 0, NULL, NONE },
	{ "/accounts/*/access",           D, ORG_ACCESS,   d_account,         ls_account_access, 0, NULL, NONE },
	{ "/accounts/*/access/*",         D, ORG_ACCESS,   d_account_pset,    NULL, 0, NULL, NONE },
	{ "/accounts/*/access/*/groups",  D, ORG_ACCESS,   d_account_pset,    ls_account_pset_principals, 0, NULL, NONE },
	{ "/accounts/*/access/*/groups/*", L, ORG_ACCESS,  l_account_principal, NULL, 0, NULL, NONE },
	{ "/accounts/*/access/*/users",   D, ORG_ACCESS,   d_account_pset,    ls_account_pset_principals, 0, NULL, NONE },
	{ "/accounts/*/access/*/users/*", L, ORG_ACCESS,   l_account_principal, NULL, 0, NULL, NONE },
	{ "/accounts/*/owner.source",     F, ORG_TAGS,     f_owner,           NULL, 0, NULL, NONE },
	{ "/accounts/*/*",                F, ORG_ACCOUNTS, f_account_field,   NULL, 0, NULL, NONE },

	{ "/by-name",                     D, ORG_ACCOUNTS, NULL,              ls_by_name, 0, NULL, NONE },
	{ "/by-name/*",                   L, ORG_ACCOUNTS, l_by_name,         NULL, 0, NULL, NONE },

	{ "/ous",                         D, ORG_HIER,     NULL,              ls_ous, 0, NULL, EACH(ORG_TAGS) },
	{ "/ous/*",                       D, ORG_HIER,     d_ou,              ls_ou, 0, NULL, NONE },
	{ "/ous/*/parent",                L, ORG_HIER,     l_ou_parent,       NULL, 0, ou_has_parent, NONE },
	{ "/ous/*/accounts",              D, ORG_HIER,     d_ou,              ls_ou_accounts, 0, NULL, NONE },
	{ "/ous/*/accounts/*",            L, ORG_HIER,     l_ou_account,      NULL, 0, NULL, NONE },
	{ "/ous/*/children",              D, ORG_HIER,     d_ou,              ls_ou_children, 0, NULL, NONE },
	{ "/ous/*/children/*",            L, ORG_HIER,     l_ou_child,        NULL, 0, NULL, NONE },
	{ "/ous/*/tags",                  D, ORG_TAGS,     d_ou,              ls_ou_tags, 0, NULL, NONE },
	{ "/ous/*/tags/*",                F, ORG_TAGS,     f_ou_tag,          NULL, 0, NULL, NONE },
	{ "/ous/*/policies",              D, ORG_POLICY,   d_ou,              ls_ou_policies, 0, NULL, NONE },
	{ "/ous/*/policies/*",            L, ORG_POLICY,   l_object_policy,   NULL, 0, NULL, NONE },
	{ "/ous/*/owner",                 F, ORG_TAGS,     f_owner,           NULL, 0, NULL, NONE },
	{ "/ous/*/policies.tsv",          F, ORG_POLICY,   f_policies_tsv,    NULL, 0, NULL, NONE },
	{ "/ous/*/policies.jsonl",        F, ORG_POLICY,   f_policies_tsv,    NULL, 0, NULL, NONE },
	{ "/ous/*/compliance",            F, ORG_TAGS,     f_object_compliance, NULL, 0, NULL, NONE },
	{ "/ous/*/owner.source",          F, ORG_TAGS,     f_owner,           NULL, 0, NULL, NONE },
	{ "/ous/*/path",                  F, ORG_HIER,     f_ou_path,         NULL, 0, NULL, NONE },
	{ "/ous/*/*",                     F, ORG_HIER,     f_ou_field,        NULL, 0, NULL, NONE },

	{ "/tree",                        D, ORG_HIER,     NULL,              ls_tree, 0, NULL, NONE },
	{ "/tree/**",                     D, ORG_HIER,     g_tree,            ls_tree, 0, NULL, NONE },

	{ "/policies",                    D, ORG_POLICIES, NULL,              ls_policies, 0, NULL, EACH(ORG_POLICY) },
	{ "/policies/*",                  D, ORG_POLICIES, d_policy,          ls_policy, 0, NULL, NONE },
	{ "/policies/*/content.json",     F, ORG_POLICY,   f_policy_content,  NULL, 0, NULL, NONE },
	{ "/policies/*/tags",             D, ORG_TAGS,     d_policy,          ls_policy_tags, 0, NULL, NONE },
	{ "/policies/*/tags/*",           F, ORG_TAGS,     f_policy_tag,      NULL, 0, NULL, NONE },
	{ "/policies/*/targets",          D, ORG_POLICY,   d_policy,          ls_policy_targets, 0, NULL, NONE },
	{ "/policies/*/targets/*",        L, ORG_POLICY,   l_policy_target,   NULL, 0, NULL, NONE },
	{ "/policies/*/*",                F, ORG_POLICIES, f_policy_field,    NULL, 0, NULL, NONE },

	{ "/services",                    D, ORG_RESOURCES, NULL,             ls_services, 1, with_resources, NONE },
	{ "/services/*",                  D, ORG_RESOURCES, NULL,             ls_service_types, 1, NULL, NONE },
	{ "/services/*/*",                D, ORG_RESOURCES, NULL,             NULL, 0, NULL, NONE },
	{ "/services/*/*/resources.tsv",  F, ORG_RESOURCES, f_service_type_tsv, NULL, 1, NULL, NONE },
	{ "/services/*/*/resources.jsonl", F, ORG_RESOURCES, f_service_type_tsv, NULL, 1, NULL, NONE },

	{ "/owners",                      D, ORG_INDEX,    NULL,              ls_owners, 1, NULL, NONE },
	{ "/owners/*",                    D, ORG_INDEX,    NULL,              NULL, 0, NULL, NONE },
	{ "/owners/*/accounts",           D, ORG_INDEX,    NULL,              ls_owner_accounts, 0, NULL, NONE },
	{ "/owners/*/accounts/*",         L, ORG_INDEX,    l_view_object,     NULL, 0, NULL, NONE },
	{ "/owners/*/ous",                D, ORG_INDEX,    NULL,              ls_owner_ous, 0, NULL, NONE },
	{ "/owners/*/ous/*",              L, ORG_INDEX,    l_view_object,     NULL, 0, NULL, NONE },
	{ "/owners/*/access.tsv",         F, ORG_ACCESS,   f_owner_access_tsv, NULL, 1, NULL, NONE },
	{ "/owners/*/access.jsonl",       F, ORG_ACCESS,   f_owner_access_tsv, NULL, 1, NULL, NONE },
	{ "/owners/*/resources.tsv",      F, ORG_RESOURCES, f_owner_resources_tsv, NULL, 1, with_resources, NONE },
	{ "/owners/*/resources.jsonl",    F, ORG_RESOURCES, f_owner_resources_tsv, NULL, 1, with_resources, NONE },

	{ "/unowned",                     D, ORG_INDEX,    NULL,              NULL, 0, NULL, NONE },
	{ "/unowned/accounts",            D, ORG_INDEX,    NULL,              ls_unowned_accounts, 0, NULL, NONE },
	{ "/unowned/accounts/*",          L, ORG_INDEX,    l_view_object,     NULL, 0, NULL, NONE },
	{ "/unowned/ous",                 D, ORG_INDEX,    NULL,              ls_unowned_ous, 0, NULL, NONE },
	{ "/unowned/ous/*",               L, ORG_INDEX,    l_view_object,     NULL, 0, NULL, NONE },

	{ "/tags",                        D, ORG_INDEX,    NULL,              ls_tag_keys, 1, NULL, NONE },
	{ "/tags/*",                      D, ORG_INDEX,    NULL,              ls_tag_values, 1, NULL, NONE },
	{ "/tags/*/*",                    D, ORG_INDEX,    NULL,              NULL, 0, NULL, NONE },
	{ "/tags/*/*/accounts",           D, ORG_INDEX,    NULL,              ls_tag_accounts, 0, NULL, NONE },
	{ "/tags/*/*/accounts/*",         L, ORG_INDEX,    l_view_object,     NULL, 0, NULL, NONE },
	{ "/tags/*/*/ous",                D, ORG_INDEX,    NULL,              ls_tag_ous, 0, NULL, NONE },
	{ "/tags/*/*/ous/*",              L, ORG_INDEX,    l_view_object,     NULL, 0, NULL, NONE },
	{ "/tags/*/*/resources.tsv",      F, ORG_RESOURCES, f_tag_resources_tsv, NULL, 1, with_resources, NONE },
	{ "/tags/*/*/resources.jsonl",    F, ORG_RESOURCES, f_tag_resources_tsv, NULL, 1, with_resources, NONE },

	{ "/access",                      D, ORG_ACCESS,   NULL,              NULL, 0, NULL, NONE },
	{ "/access/instance",             F, ORG_PSETS,    f_access_instance, NULL, 0, NULL, NONE },
	{ "/access/permission-sets",      D, ORG_PSETS,    NULL,              ls_psets, 0, NULL, NONE },
	{ "/access/permission-sets/*",    D, ORG_PSETS,    d_pset,            ls_pset, 0, NULL, NONE },
	{ "/access/permission-sets/*/accounts", D, ORG_ACCESS, d_pset,        ls_pset_accounts, 0, NULL, NONE },
	{ "/access/permission-sets/*/accounts/*", L, ORG_ACCESS, l_pset_account, NULL, 0, NULL, NONE },
	{ "/access/permission-sets/*/*",  F, ORG_PSETS,    f_pset_field,      NULL, 0, NULL, NONE },
	{ "/access/groups",               D, ORG_ACCESS,   NULL,              ls_principals, 0, NULL, NONE },
	{ "/access/groups/*",             D, ORG_ACCESS,   d_principal,       NULL, 0, NULL, NONE },
	{ "/access/groups/*/accounts.tsv", F, ORG_ACCESS,  f_principal_accounts_tsv, NULL, 0, NULL, NONE },
	{ "/access/groups/*/accounts.jsonl", F, ORG_ACCESS, f_principal_accounts_tsv, NULL, 0, NULL, NONE },
	{ "/access/groups/*/members",     F, ORG_ACCESS,   f_group_members,   NULL, 0, NULL, NONE },
	{ "/access/users",                D, ORG_ACCESS,   NULL,              ls_principals, 0, NULL, NONE },
	{ "/access/users/*",              D, ORG_ACCESS,   d_principal,       NULL, 0, NULL, NONE },
	{ "/access/users/*/accounts.tsv", F, ORG_ACCESS,   f_principal_accounts_tsv, NULL, 0, NULL, NONE },
	{ "/access/users/*/accounts.jsonl", F, ORG_ACCESS,  f_principal_accounts_tsv, NULL, 0, NULL, NONE },

	{ "/compliance",                  D, ORG_INDEX,    d_compliance,      NULL, 0, NULL, NONE },
	{ "/compliance/summary",          F, ORG_INDEX,    f_compliance_summary, NULL, 1, NULL, NONE },
	{ "/compliance/summary.jsonl",    F, ORG_INDEX,    f_compliance_summary, NULL, 1, NULL, NONE },
	{ "/compliance/failing.tsv",      F, ORG_INDEX,    f_compliance_failing, NULL, 1, NULL, NONE },
	{ "/compliance/failing.jsonl",    F, ORG_INDEX,    f_compliance_failing, NULL, 1, NULL, NONE },
	{ "/compliance/not_judged.tsv",   F, ORG_INDEX,    f_compliance_not_judged, NULL, 1, NULL, NONE },
	{ "/compliance/not_judged.jsonl", F, ORG_INDEX,    f_compliance_not_judged, NULL, 1, NULL, NONE },
	{ "/compliance/rules",            D, ORG_INDEX,    d_compliance,      ls_compliance_rules, 0, NULL, NONE },
	{ "/compliance/rules/*",          D, ORG_INDEX,    d_compliance_rule, ls_compliance_rule, 0, NULL, NONE },
	{ "/compliance/rules/*/*",        F, ORG_INDEX,    f_compliance_rule, NULL, 1, NULL, NONE },

	{ "/.orgfs",                      D, ORG_INFO,     NULL,              ls_dot, 0, NULL, NONE },
	{ "/.orgfs/*",                    F, ORG_INFO,     f_dot,             NULL, 0, NULL, NONE },
};

#undef D
#undef F
#undef L
#undef NONE
#undef ONE
#undef EACH

const struct layout_table tree_layout = {
	.rows = rows,
	.n = sizeof(rows) / sizeof(rows[0]),
};

