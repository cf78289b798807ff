/* tree.c - the one layout table: every path orgfs serves (layout.h says
 * how a row reads; tree.h where its handlers are) */
#include "tree.h"

#define D NODE_DIR
#define F NODE_FILE
#define L NODE_LINK

static const struct layout_row rows[] = {
/*	  pattern                        type kind           get                list   view */
	{ "/",                            D, ORG_INFO,     NULL,              ls_root, 0 },
	{ "/README",                      F, ORG_INFO,     f_readme,          NULL, 0 },
	{ "/accounts.tsv",                F, ORG_ACCOUNTS, f_accounts_tsv,    NULL, 1 },

	{ "/org",                         D, ORG_INFO,     NULL,              ls_org, 0 },
	{ "/org/*",                       F, ORG_INFO,     f_org_field,       NULL, 0 },

	{ "/accounts",                    D, ORG_ACCOUNTS, NULL,              ls_accounts, 0 },
	{ "/accounts/*",                  D, ORG_ACCOUNTS, d_account,         ls_account, 0 },
	{ "/accounts/*/parent",           L, ORG_HIER,     l_account_parent,  NULL, 0 },
	{ "/accounts/*/path",             F, ORG_HIER,     f_account_path,    NULL, 0 },
	{ "/accounts/*/tags",             D, ORG_TAGS,     d_account,         ls_account_tags, 0 },
	{ "/accounts/*/tags/*",           F, ORG_TAGS,     f_account_tag,     NULL, 0 },
	{ "/accounts/*/policies",         D, ORG_POLICY,   d_account,         ls_account_policies, 0 },
	{ "/accounts/*/policies/*",       L, ORG_POLICY,   l_object_policy,   NULL, 0 },
	{ "/accounts/*/owner",            F, ORG_TAGS,     f_owner,           NULL, 0 },
	{ "/accounts/*/policies.tsv",     F, ORG_POLICY,   f_policies_tsv,    NULL, 0 },
	{ "/accounts/*/effective_tag_policy.json", F, ORG_EFFPOL, f_effective_tag_policy, NULL, 0 },
	{ "/accounts/*/compliance",       F, ORG_TAGS,     f_object_compliance, NULL, 0 },
	{ "/accounts/*/config",           D, ORG_CONFIG,   d_config,          ls_config, 0 },
	{ "/accounts/*/config/status",    F, ORG_CONFIG,   f_config_status,   NULL, 0 },
	{ "/accounts/*/config/*",         D, ORG_CONFIG,   d_config_region,   ls_config_region, 0 },
	{ "/accounts/*/config/*/*",       F, ORG_CONFIG,   f_config_rule,     NULL, 0 },
	{ "/accounts/*/resources",        D, ORG_RESOURCES, d_account_resources, ls_account_services, 0 },
	{ "/accounts/*/resources/*",      D, ORG_RESOURCES, NULL,             ls_account_service_regions, 0 },
	{ "/accounts/*/resources/*/*",    D, ORG_RESOURCES, NULL,             ls_account_region_types, 0 },
	{ "/accounts/*/resources/*/*/*",  D, ORG_RESOURCES, NULL,             ls_account_type_ids, 0 },
	{ "/accounts/*/resources/*/*/*/*", D, ORG_RESOURCES, d_resource,      ls_resource, 0 },
	{ "/accounts/*/resources/*/*/*/*/tags", D, ORG_RESOURCES, d_resource, ls_resource_tags, 0 },
	{ "/accounts/*/resources/*/*/*/*/tags/*", F, ORG_RESOURCES, f_resource_tag, NULL, 0 },
	{ "/accounts/*/resources/*/*/*/*/compliance", F, ORG_RESOURCES, f_resource_compliance, NULL, 0 },
	{ "/accounts/*/resources/*/*/*/*/*", F, ORG_RESOURCES, f_resource_field, NULL, 0 },
	{ "/accounts/*/owner.source",     F, ORG_TAGS,     f_owner,           NULL, 0 },
	{ "/accounts/*/*",                F, ORG_ACCOUNTS, f_account_field,   NULL, 0 },

	{ "/by-name",                     D, ORG_ACCOUNTS, NULL,              ls_by_name, 0 },
	{ "/by-name/*",                   L, ORG_ACCOUNTS, l_by_name,         NULL, 0 },

	{ "/ous",                         D, ORG_HIER,     NULL,              ls_ous, 0 },
	{ "/ous/*",                       D, ORG_HIER,     d_ou,              ls_ou, 0 },
	{ "/ous/*/parent",                L, ORG_HIER,     l_ou_parent,       NULL, 0 },
	{ "/ous/*/accounts",              D, ORG_HIER,     d_ou,              ls_ou_accounts, 0 },
	{ "/ous/*/accounts/*",            L, ORG_HIER,     l_ou_account,      NULL, 0 },
	{ "/ous/*/children",              D, ORG_HIER,     d_ou,              ls_ou_children, 0 },
	{ "/ous/*/children/*",            L, ORG_HIER,     l_ou_child,        NULL, 0 },
	{ "/ous/*/tags",                  D, ORG_TAGS,     d_ou,              ls_ou_tags, 0 },
	{ "/ous/*/tags/*",                F, ORG_TAGS,     f_ou_tag,          NULL, 0 },
	{ "/ous/*/policies",              D, ORG_POLICY,   d_ou,              ls_ou_policies, 0 },
	{ "/ous/*/policies/*",            L, ORG_POLICY,   l_object_policy,   NULL, 0 },
	{ "/ous/*/owner",                 F, ORG_TAGS,     f_owner,           NULL, 0 },
	{ "/ous/*/policies.tsv",          F, ORG_POLICY,   f_policies_tsv,    NULL, 0 },
	{ "/ous/*/compliance",            F, ORG_TAGS,     f_object_compliance, NULL, 0 },
	{ "/ous/*/owner.source",          F, ORG_TAGS,     f_owner,           NULL, 0 },
	{ "/ous/*/*",                     F, ORG_HIER,     f_ou_field,        NULL, 0 },

	{ "/tree",                        D, ORG_HIER,     NULL,              ls_tree, 0 },
	{ "/tree/**",                     D, ORG_HIER,     g_tree,            ls_tree, 0 },

	{ "/policies",                    D, ORG_POLICIES, NULL,              ls_policies, 0 },
	{ "/policies/*",                  D, ORG_POLICIES, d_policy,          ls_policy, 0 },
	{ "/policies/*/content.json",     F, ORG_POLICY,   f_policy_content,  NULL, 0 },
	{ "/policies/*/tags",             D, ORG_TAGS,     d_policy,          ls_policy_tags, 0 },
	{ "/policies/*/tags/*",           F, ORG_TAGS,     f_policy_tag,      NULL, 0 },
	{ "/policies/*/targets",          D, ORG_POLICY,   d_policy,          ls_policy_targets, 0 },
	{ "/policies/*/targets/*",        L, ORG_POLICY,   l_policy_target,   NULL, 0 },
	{ "/policies/*/*",                F, ORG_POLICIES, f_policy_field,    NULL, 0 },

	{ "/resources.tsv",               F, ORG_RESOURCES, f_resources_tsv,  NULL, 1 },
	{ "/services",                    D, ORG_RESOURCES, NULL,             ls_services, 1 },
	{ "/services/*",                  D, ORG_RESOURCES, NULL,             ls_service_types, 1 },
	{ "/services/*/*",                D, ORG_RESOURCES, NULL,             ls_service_type, 0 },
	{ "/services/*/*/resources.tsv",  F, ORG_RESOURCES, f_service_type_tsv, NULL, 1 },

	{ "/owners",                      D, ORG_INDEX,    NULL,              ls_owners, 1 },
	{ "/owners/*",                    D, ORG_INDEX,    NULL,              ls_owner, 0 },
	{ "/owners/*/accounts",           D, ORG_INDEX,    NULL,              ls_owner_accounts, 0 },
	{ "/owners/*/accounts/*",         L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/owners/*/ous",                D, ORG_INDEX,    NULL,              ls_owner_ous, 0 },
	{ "/owners/*/ous/*",              L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/owners/*/resources.tsv",      F, ORG_RESOURCES, f_owner_resources_tsv, NULL, 1 },

	{ "/unowned",                     D, ORG_INDEX,    NULL,              ls_unowned, 0 },
	{ "/unowned/accounts",            D, ORG_INDEX,    NULL,              ls_unowned_accounts, 0 },
	{ "/unowned/accounts/*",          L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/unowned/ous",                 D, ORG_INDEX,    NULL,              ls_unowned_ous, 0 },
	{ "/unowned/ous/*",               L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/unowned/resources.tsv",       F, ORG_RESOURCES, f_unowned_resources_tsv, NULL, 1 },

	{ "/tags",                        D, ORG_INDEX,    NULL,              ls_tag_keys, 1 },
	{ "/tags/*",                      D, ORG_INDEX,    NULL,              ls_tag_values, 1 },
	{ "/tags/*/*",                    D, ORG_INDEX,    NULL,              ls_tag_value, 0 },
	{ "/tags/*/*/accounts",           D, ORG_INDEX,    NULL,              ls_tag_accounts, 0 },
	{ "/tags/*/*/accounts/*",         L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/tags/*/*/ous",                D, ORG_INDEX,    NULL,              ls_tag_ous, 0 },
	{ "/tags/*/*/ous/*",              L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/tags/*/*/resources.tsv",      F, ORG_RESOURCES, f_tag_resources_tsv, NULL, 1 },

	{ "/compliance",                  D, ORG_INDEX,    NULL,              ls_compliance, 0 },
	{ "/compliance/summary",          F, ORG_INDEX,    f_compliance_summary, NULL, 1 },
	{ "/compliance/failing.tsv",      F, ORG_INDEX,    f_compliance_failing, NULL, 1 },
	{ "/compliance/rules",            D, ORG_INDEX,    NULL,              ls_compliance_rules, 0 },
	{ "/compliance/rules/*",          D, ORG_INDEX,    NULL,              ls_compliance_rule, 0 },
	{ "/compliance/rules/*/*",        F, ORG_INDEX,    f_compliance_rule, NULL, 1 },

	{ "/.orgfs",                      D, ORG_INFO,     NULL,              ls_dot, 0 },
	{ "/.orgfs/*",                    F, ORG_INFO,     f_dot,             NULL, 0 },
};

#undef D
#undef F
#undef L

const struct layout_table tree_layout = {
	.rows = rows,
	.n = sizeof(rows) / sizeof(rows[0]),
};

