/* tree.h - the tree: its one table, and the handlers the table names
 *
 * The table (fs/tree.c) is the ABI: every path orgfs serves is one of its
 * rows.  Each fs/tree_*.c file holds the handlers of one subtree; they
 * are called by the engine (fs/layout.c) through the table, and use what
 * fs/serve.h offers.  Handlers are declared here by file, with the few
 * helpers one subtree lends another.
 *
 * Names say the column: ls_ a directory's list, d_ a directory's get
 * (whether it exists), f_ a file's get, l_ a link's get, g_ a get of
 * either; *_listed and with_* are when predicates (layout.h).
 *
 * A new per-account file: one row in fs/tree.c (with the other rows of
 * accounts/<id>/, before the catch-all of account fields) and one handler
 * in fs/tree_accounts.c, declared below; the account's listing is derived
 * from the rows.
 */
#ifndef ORGFS_TREE_H
#define ORGFS_TREE_H

#include "layout.h"
#include "resindex.h"

/* One resource and its effective owner (NULL: none), both in the
 * snapshot's pinned data.  @return 0 to go on, or what the walk returns */
typedef int (*rwalk_fn)(void *arg, const struct org_resource *r,
			const char *owner);
/* One account whose resources were left out, and why; both NULL when
 * the snapshot could only count them (out of memory). */
typedef int (*runread_fn)(void *arg, const char *account, const char *why);

/* tree_root.c */
int f_readme(struct lctx *c, struct node *out);
int f_accounts_tsv(struct lctx *c, struct node *out);
int ls_org(struct lctx *c, struct dlist *d);
int f_org_field(struct lctx *c, struct node *out);
int f_org_policy_types(struct lctx *c, struct node *out);
int ls_dot(struct lctx *c, struct dlist *d);
int f_dot(struct lctx *c, struct node *out);

/* tree_accounts.c */
int ls_accounts(struct lctx *c, struct dlist *d);
/* Whether accounts/<c->arg[0]> exists (out unused: NULL is fine). */
int d_account(struct lctx *c, struct node *out);
int ls_account(struct lctx *c, struct dlist *d);
int l_account_parent(struct lctx *c, struct node *out);
/* An account whose parent the hierarchy does not name (its OU was left
 * out as malformed, or it joined between the listings) has no parent
 * link; when the hierarchy cannot be read, the link is listed and fails
 * with that error. */
int account_has_parent(struct lctx *c);
int f_account_path(struct lctx *c, struct node *out);
int ls_account_tags(struct lctx *c, struct dlist *d);
int f_account_tag(struct lctx *c, struct node *out);
int ls_account_policies(struct lctx *c, struct dlist *d);
int l_object_policy(struct lctx *c, struct node *out);
int f_owner(struct lctx *c, struct node *out);
int f_account_field(struct lctx *c, struct node *out);
int ls_by_name(struct lctx *c, struct dlist *d);
int l_by_name(struct lctx *c, struct node *out);
/* tags/ of an account, OU, root or policy (c->arg[0]), and one tag's
 * value (c->arg[1]) */
int ls_tags(struct lctx *c, struct dlist *d);
int f_tag(struct lctx *c, struct node *out);
/* Links to the policies attached to the object id or to any of its
 * ancestors. */
int object_policies(struct lctx *c, const char *id, struct dlist *d);

/* tree_ous.c */
int ls_ous(struct lctx *c, struct dlist *d);
int d_ou(struct lctx *c, struct node *out);
int ls_ou(struct lctx *c, struct dlist *d);
int l_ou_parent(struct lctx *c, struct node *out);
int ls_ou_accounts(struct lctx *c, struct dlist *d);
int l_ou_account(struct lctx *c, struct node *out);
int ls_ou_children(struct lctx *c, struct dlist *d);
int l_ou_child(struct lctx *c, struct node *out);
int ls_ou_tags(struct lctx *c, struct dlist *d);
int f_ou_tag(struct lctx *c, struct node *out);
int ls_ou_policies(struct lctx *c, struct dlist *d);
int f_ou_field(struct lctx *c, struct node *out);
int f_ou_path(struct lctx *c, struct node *out);
/* The path of OU or root id as a path below tree/: each name escaped as
 * a file name, twins among siblings told apart as tree/ does ("Prod
 * (ou-...)"), joined by '/' ("Root/Prod%2FEU"); for an account's path,
 * its parent's.  What rules' ous items name.  @return 0 or -errno */
int tree_path(struct lctx *c, const struct org_hier *h, const char *id,
	      struct buf *b);
int ou_has_parent(struct lctx *c);
int ls_tree(struct lctx *c, struct dlist *d);
int g_tree(struct lctx *c, struct node *out);

/* tree_policies.c */
int f_policies_tsv(struct lctx *c, struct node *out);
int f_effective_tag_policy(struct lctx *c, struct node *out);
int d_config(struct lctx *c, struct node *out);
int ls_config(struct lctx *c, struct dlist *d);
int f_config_status(struct lctx *c, struct node *out);
int d_config_region(struct lctx *c, struct node *out);
int ls_config_region(struct lctx *c, struct dlist *d);
int f_config_rule(struct lctx *c, struct node *out);
int config_listed(struct lctx *c);
int effpol_listed(struct lctx *c);
int ls_policies(struct lctx *c, struct dlist *d);
int d_policy(struct lctx *c, struct node *out);
int ls_policy(struct lctx *c, struct dlist *d);
int f_policy_content(struct lctx *c, struct node *out);
int ls_policy_tags(struct lctx *c, struct dlist *d);
int f_policy_tag(struct lctx *c, struct node *out);
int ls_policy_targets(struct lctx *c, struct dlist *d);
int l_policy_target(struct lctx *c, struct node *out);
int f_policy_field(struct lctx *c, struct node *out);
/* The AWS Config results of account in region (need()). */
const struct org_config_rules *config_of(struct lctx *c, const char *account,
					 const char *region);

/* tree_views.c */
int ls_owners(struct lctx *c, struct dlist *d);
int ls_owner_accounts(struct lctx *c, struct dlist *d);
int l_view_object(struct lctx *c, struct node *out);
int ls_owner_ous(struct lctx *c, struct dlist *d);
int ls_unowned_accounts(struct lctx *c, struct dlist *d);
int ls_unowned_ous(struct lctx *c, struct dlist *d);
int ls_tag_keys(struct lctx *c, struct dlist *d);
int ls_tag_values(struct lctx *c, struct dlist *d);
int ls_tag_accounts(struct lctx *c, struct dlist *d);
int ls_tag_ous(struct lctx *c, struct dlist *d);

/* tree_resources.c */
int d_account_resources(struct lctx *c, struct node *out);
int ls_account_services(struct lctx *c, struct dlist *d);
int ls_account_service_regions(struct lctx *c, struct dlist *d);
int ls_account_region_types(struct lctx *c, struct dlist *d);
int ls_account_type_ids(struct lctx *c, struct dlist *d);
int d_resource(struct lctx *c, struct node *out);
int ls_resource(struct lctx *c, struct dlist *d);
int ls_resource_tags(struct lctx *c, struct dlist *d);
int f_resource_tag(struct lctx *c, struct node *out);
int f_resource_field(struct lctx *c, struct node *out);
int f_resources_tsv(struct lctx *c, struct node *out);
int ls_services(struct lctx *c, struct dlist *d);
int ls_service_types(struct lctx *c, struct dlist *d);
int f_service_type_tsv(struct lctx *c, struct node *out);
int f_owner_resources_tsv(struct lctx *c, struct node *out);
int f_unowned_resources_tsv(struct lctx *c, struct node *out);
int f_tag_resources_tsv(struct lctx *c, struct node *out);
int with_resources(struct lctx *c);
int resources_listed(struct lctx *c);
/* The regions whose data of account the tree reads: -o regions as given,
 * or with regions=all the account's enabled regions (pinned in c).
 * @return 0, or failed(c) */
int account_regions(struct lctx *c, const char *account,
		    char *const **v, size_t *n);
/* The resource that accounts/<a>/resources/<s>/<r>/<t>/<id> names, or
 * NULL (c->err.err set when data failed). */
const struct org_resource *find_resource(struct lctx *c);
/* fn over every resource of the org-wide snapshot (lib/resindex.h) in
 * walk order, or with key set over those tagged key=value only;
 * *unreadable: the accounts left out.  c->mtime and c->stale take the
 * snapshot's.  @return 0, fn's first non-zero, or -errno */
int walk_resources(struct lctx *c, const char *key, const char *value,
		   rwalk_fn fn, void *arg, unsigned *unreadable);
/* fn over every resource, then unread over each account left out; sets
 * c->incomplete when some were.  @return as walk_resources */
int walk_resources_unread(struct lctx *c, rwalk_fn fn, runread_fn unread,
			  void *arg);
/* Add to d the names a walk over every resource finds, each once: what
 * 0 services, 1 types of service "of", 2 owners, 3 tag keys, 4 values of
 * tag key "of".  Nothing without the resource tree. */
int rnames_walk(struct lctx *c, struct dlist *d, int what, const char *of);

/* tree_compliance.c */
int f_object_compliance(struct lctx *c, struct node *out);
int f_resource_compliance(struct lctx *c, struct node *out);
int f_compliance_summary(struct lctx *c, struct node *out);
int f_compliance_failing(struct lctx *c, struct node *out);
int f_compliance_not_judged(struct lctx *c, struct node *out);
int d_compliance(struct lctx *c, struct node *out);
int d_compliance_rule(struct lctx *c, struct node *out);
int ls_compliance_rules(struct lctx *c, struct dlist *d);
int ls_compliance_rule(struct lctx *c, struct dlist *d);
int f_compliance_rule(struct lctx *c, struct node *out);

/* tree_access.c */
/* A principal to name: user 0 a group, 1 a user; name: the store's, or
 * the id */
struct principal_name {
	int user;
	const char *id;
	const char *name;
};
/* One account's assignments, named, read from what that account alone
 * needs (not the org-wide ORG_ACCESS): sorted by permission set, groups
 * first, name, id.  Strings are the pinned values'. */
struct account_view {
	const struct org_access *ps;    /* the instance and permission sets
					   (v's pset indexes) */
	struct org_assignment *v;
	size_t n;
	size_t skipped;                 /* records left out */
	char names_why[256];            /* "": names read; else ids, why */
};
/* @return 0, or -errno (c->err set) */
int account_view_get(struct lctx *c, const char *account,
		     struct account_view *av);
void account_view_free(struct account_view *av);
/* The range [*lo, *hi) of account's assignments in a (they are sorted by
 * account first) */
void access_account_range(const struct org_access *a, const char *account,
			  size_t *lo, size_t *hi);
/* The group that answers for owner: -o owner_groups, else the group
 * named like the owner */
const char *access_owner_group(struct lctx *c, const char *owner);
int f_account_access_tsv(struct lctx *c, struct node *out);
int f_owner_has_access(struct lctx *c, struct node *out);
int ls_account_access(struct lctx *c, struct dlist *d);
int d_account_pset(struct lctx *c, struct node *out);
int ls_account_pset_principals(struct lctx *c, struct dlist *d);
int l_account_principal(struct lctx *c, struct node *out);
int f_access_instance(struct lctx *c, struct node *out);
int ls_psets(struct lctx *c, struct dlist *d);
int d_pset(struct lctx *c, struct node *out);
int ls_pset(struct lctx *c, struct dlist *d);
int f_pset_field(struct lctx *c, struct node *out);
int ls_pset_accounts(struct lctx *c, struct dlist *d);
int l_pset_account(struct lctx *c, struct node *out);
int ls_principals(struct lctx *c, struct dlist *d);
int d_principal(struct lctx *c, struct node *out);
int f_principal_accounts_tsv(struct lctx *c, struct node *out);
int f_owner_access_tsv(struct lctx *c, struct node *out);
int f_group_members(struct lctx *c, struct node *out);

#endif
