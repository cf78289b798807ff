/* model.h - the organization's entities as orgfs keeps them
 *
 * Every value a source returns is a self-contained, immutable block once
 * built: the cache shares it between readers and frees it with the
 * matching *_free().  Strings are UTF-8, never NULL (empty "" when AWS
 * left a member out), unless said otherwise.
 */
#ifndef ORGFS_MODEL_H
#define ORGFS_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "awserr.h"

/* Records of a reply a source left out because it could not take them (an
 * identifier not of AWS's documented form, an invalid ARN, a NUL byte in
 * a string): the rest of the value stays readable.  The org names each in
 * .orgfs/errors and the tables built from the value say they are
 * incomplete.  All zero: nothing left out. */
#define ORG_SKIPPED_KEPT 16
struct org_skipped {
	size_t n;                       /* records left out */
	size_t nkept;                   /* why, for the first ORG_SKIPPED_KEPT */
	struct aws_error *kept;
};

struct org_tag {
	char *key;
	char *value;
};

/* Tags of one object, sorted by key (byte order). */
struct org_tags {
	size_t n;
	struct org_tag *v;
};

struct org_account {
	char *id;                       /* 12 digits */
	char *arn;
	char *name;
	char *email;
	char *state;                    /* State, or Status when State is absent */
	char *joined_method;            /* INVITED | CREATED */
	time_t joined;                  /* 0 when unknown */
};

/* All accounts of the organization, sorted by id. */
struct org_accounts {
	size_t n;
	struct org_account *v;
	struct org_skipped skipped;
	char *pack;                     /* NULL, or every account's strings
					   in one block (org_accounts_pack) */
	size_t pack_size;               /* bytes of pack */
};

struct org_ou {
	char *id;                       /* r-xxxx for a root, ou-xxxx-yyyyyyyy */
	char *arn;
	char *name;
	char *parent_id;                /* NULL for a root */
};

struct org_parent_link {
	char *child_id;                 /* account id */
	char *parent_id;                /* root or OU id */
};

/* The hierarchy: every root and OU (roots first, then OUs sorted by id),
 * and the parent of every account (sorted by account id). */
struct org_hier {
	size_t nous;
	struct org_ou *ous;
	size_t nlinks;
	struct org_parent_link *links;
	struct org_skipped skipped;
	char *links_pack;               /* NULL, or the links' strings in one
					   block, a parent that is one of ous
					   that OU's id (org_hier_pack) */
	size_t links_pack_size;         /* bytes of links_pack */
};

struct org_policy_type {
	char *type;                     /* SERVICE_CONTROL_POLICY, TAG_POLICY, ... */
	char *status;                   /* ENABLED, PENDING_ENABLE, ... */
};

/* One root of the organization (ListRoots) with the policy types
 * enabled on it (an organization has exactly one root). */
struct org_root {
	char *id;                       /* r-xxxx */
	char *arn;
	char *name;
	size_t ntypes;
	struct org_policy_type *types;
};

struct org_roots {
	size_t n;
	struct org_root *v;
};

struct org_info {
	char *id;                       /* o-xxxxxxxxxx */
	char *arn;
	char *feature_set;
	char *management_account_id;
	char *management_account_arn;
	char *management_account_email;
	size_t ntypes;                  /* policy types enabled on the root */
	struct org_policy_type *types;
};

struct org_policy_summary {
	char *id;                       /* p-xxxxxxxx */
	char *arn;
	char *name;
	char *type;
	char *description;
	int aws_managed;
	int type_enabled;               /* its type is enabled on the root
					   (listings only; 0 in a
					   DescribePolicy summary) */
};

/* All policies, of the types enabled on the root and of the others
 * (whose policies AWS keeps, detached, when a type is disabled), sorted
 * by id. */
struct org_policies {
	size_t n;
	struct org_policy_summary *v;
	struct org_skipped skipped;
};

struct org_policy_target {
	char *id;                       /* account id, ou-..., r-... */
	char *arn;
	char *name;
	char *type;                     /* ACCOUNT | ORGANIZATIONAL_UNIT | ROOT */
};

/* One policy with its content and targets (targets sorted by id). */
struct org_policy {
	struct org_policy_summary summary;
	char *content;                  /* the policy document as AWS holds it */
	size_t ntargets;
	struct org_policy_target *targets;
	struct org_skipped skipped;     /* targets left out */
};

/* One resource as the Resource Groups Tagging API lists it, with its ARN
 * parsed (lib/arn.h). */
struct org_resource {
	char *arn;
	char *service;                  /* "ec2", "s3", "iam" */
	char *region;                   /* "eu-west-1", or "global" when the
					   ARN has no region */
	char *account;                  /* owning account (the listing's when
					   the ARN has none, as for S3) */
	char *type;                     /* "instance", "bucket", "role"; ""
					   when the ARN has no type */
	char *id;                       /* "i-0abc", "my-bucket", "path/role" */
	struct org_tags tags;           /* sorted by key */
	/* Tag-policy compliance from IncludeComplianceDetails: one line per
	 * problem ("noncompliant key: costcenter", "missing key: Owner",
	 * "noncompliant value: Environment"), "" when compliant or unknown */
	char *compliance;
};

/* Resources of one account and region, sorted by ARN.  Packed
 * (org_resources_pack), the strings and tag arrays of v live in one block
 * instead of a malloc each. */
struct org_resources {
	size_t n;
	struct org_resource *v;
	struct org_skipped skipped;
	char *pack;                     /* NULL: not packed */
	size_t pack_size;               /* bytes of pack */
};

/* The regions an account has enabled (enabled by default or opted in),
 * sorted, each a valid region name. */
struct org_regions {
	size_t n;
	char **v;
};

void org_regions_free(struct org_regions *r);

/* AWS Config rule compliance of one account in one region. */
struct org_config_rule {
	char *name;
	char *compliance;               /* COMPLIANT, NON_COMPLIANT,
					   NOT_APPLICABLE, INSUFFICIENT_DATA */
};

struct org_config_rules {
	int enabled;                    /* 0: Config is not recording there
					   (n is 0): "not enabled", not an error */
	size_t n;                       /* sorted by name */
	struct org_config_rule *v;
};

/* A document AWS computes for one account (effective tag policy). */
struct org_document {
	int present;                    /* 0: none applies */
	char *text;                     /* JSON as AWS returns it; "" if none */
	time_t updated;                 /* LastUpdatedTimestamp, 0 unknown */
};

/* One more record left out, and why (kept for the first
 * ORG_SKIPPED_KEPT).  @return 0 or -ENOMEM */
int org_skipped_add(struct org_skipped *s, const struct aws_error *why);
void org_skipped_free(struct org_skipped *s);
/* Add what src left out to dst.  @return 0 or -ENOMEM */
int org_skipped_merge(struct org_skipped *dst, const struct org_skipped *src);

/* One permission set of the IAM Identity Center instance. */
struct org_pset {
	char *arn;
	char *name;                     /* [A-Za-z0-9_+=,.@-]{1,32} (checked) */
	char *description;
	char *session_duration;         /* ISO 8601 ("PT1H"); "" unknown */
	size_t nmanaged;
	char **managed;                 /* managed policy ARNs, sorted */
	char *inline_policy;            /* JSON as AWS holds it; "" none */
	size_t naccounts;               /* the accounts where it is
					   provisioned, sorted (the permission
					   sets' value, ORG_PSETS, only) */
	char **accounts;
};

/* One account assignment: a group or user holds a permission set in an
 * account. */
struct org_assignment {
	char *account;                  /* 12 digits (checked) */
	size_t pset;                    /* index in org_access.psets */
	int user;                       /* 0: a group, 1: a user */
	char *principal_id;             /* [A-Za-z0-9-]{1,64} (checked) */
	char *principal_name;           /* the identity store's DisplayName
					   (group) or UserName (user); the id
					   when it could not be read */
	char *label;                    /* the principal's file name: its
					   name, with " (<id>)" added when two
					   principals of its type share it */
};

/* The organization's IAM Identity Center assignments. */
struct org_access {
	int present;                    /* 0: no Identity Center instance:
					   "none", not an error */
	char *instance_arn;             /* "" when !present */
	char *identity_store_id;
	size_t npsets;                  /* sorted by name */
	struct org_pset *psets;
	size_t n;                       /* sorted by account, permission set
					   name, groups before users, label */
	struct org_assignment *v;
	/* why principal_name holds ids (the identity store could not be
	 * read): code "" when the names are all there */
	char names_code[128];
	char names_message[512];
	char names_operation[96];
	struct org_skipped skipped;     /* assignments and accounts left out */
	int pooled;                     /* 1: the assignments' account,
					   principal_id, principal_name and
					   label are the string pool's
					   (lib/strpool.h), which the builder
					   set up: org_access_finish's labels
					   are then pooled too */
	char *accounts_pack;            /* NULL, or the psets' accounts
					   (pointers and strings) in one
					   block: org_access_pack_accounts */
	size_t accounts_pack_size;      /* bytes of accounts_pack */
};

void org_access_free(struct org_access *a);
/* Move the permission sets' accounts into one block that a owns: each
 * account once, however many sets are provisioned there, and the sets'
 * sorted arrays of pointers to them (the org packs the permission sets'
 * value: a strdup per account and set was about 40 bytes, 10 MiB at
 * 100,000 accounts).  What a reader sees does not change.
 * @return 0, or -ENOMEM (a untouched, still valid) */
int org_access_pack_accounts(struct org_access *a);
/* Sort psets and assignments as struct org_access says (assignments'
 * pset indexes follow) and give each principal its label.
 * @return 0 or -ENOMEM */
int org_access_finish(struct org_access *a);
/* Whether some permission set of a (the permission sets' value, with
 * where each is provisioned) is provisioned in account. */
int org_access_provisioned(const struct org_access *a, const char *account);
/* Whether p is provisioned in account (its accounts, sorted). */
int org_pset_provisioned(const struct org_pset *p, const char *account);
/* The permission set called name, or NULL. */
const struct org_pset *org_access_find_pset(const struct org_access *a,
					    const char *name);

/* The members of one Identity Center group (identitystore
 * ListGroupMemberships): their user ids, [A-Za-z0-9-]{1,64} (checked),
 * sorted, each once. */
struct org_members {
	size_t n;
	char **user_ids;
	struct org_skipped skipped;     /* members left out */
};

/* One account's assignments as listed (ListAccountAssignments),
 * unnamed: the permission set by ARN, sorted by it, then type and id. */
struct org_listed {
	char *pset_arn;
	int user;
	char *principal_id;             /* [A-Za-z0-9-]{1,64} (checked) */
};

struct org_account_access {
	size_t n;
	struct org_listed *v;
	struct org_skipped skipped;     /* assignments left out */
	int packed;                     /* v in the struct's own block, its
					   strings the pool's (lib/strpool.h:
					   org_account_access_pack) */
};

/* One group or user of the identity store (DescribeGroup, DescribeUser). */
struct org_principal {
	char *id;
	char *name;                     /* DisplayName or UserName; "" when
					   the store does not know it (deleted)
					   or the group has no name */
};

void org_members_free(struct org_members *m);
/* Sort n malloc'd strings, freeing those there twice.  @return how many
 * are left */
size_t org_strings_sort_unique(char **v, size_t n);
/* Whether s is one of n sorted strings v. */
int org_strings_find(char *const *v, size_t n, const char *s);
/* Sort m's ids and drop those listed twice. */
void org_members_sort(struct org_members *m);
void org_principal_free(struct org_principal *p);
void org_account_access_free(struct org_account_access *a);
/* Sort a's assignments as struct org_account_access says. */
void org_account_access_sort(struct org_account_access *a);
/* *a as one block, the struct and its assignments, with the permission
 * sets' ARNs and the principals' ids from the string pool: they are the
 * same few in every account (about 330 bytes less a value, measured at
 * 20,000 accounts).  What a reader sees does not change; *a is
 * freed and replaced.  @return 0, or -ENOMEM (*a untouched, still
 * valid) */
int org_account_access_pack(struct org_account_access **a);

void org_config_rules_free(struct org_config_rules *r);
void org_document_free(struct org_document *d);
void org_tags_free(struct org_tags *t);
void org_resources_free(struct org_resources *r);
/* Whether r is a global resource (region "global") that one of the n
 * listings before already holds: AWS may list a global resource in more
 * than one region of an account; the tree shows it once, under global.
 * The listings are sorted by ARN (binary search). */
int org_resource_seen_global(const struct org_resource *r,
			     const struct org_resources *const *before,
			     size_t n);
/* Free what one resource holds and zero it (the struct itself stays);
 * not for a resource of a packed listing. */
void org_resource_clear(struct org_resource *x);
/* Move the strings and tag arrays of every resource of r into one block
 * that r owns: an id that ends the ARN is that end of it; the account,
 * region, services, types, tag keys, short tag values and whatever else
 * the listing holds twice come from the string pool (lib/strpool.h),
 * shared with every other listing; the rest (ARNs, names) once each in
 * the block.  What a reader sees does not change; the memory is about a
 * third of a malloc per string.  The org packs every listing it caches.
 * @return 0, or -ENOMEM (r untouched, still valid) */
int org_resources_pack(struct org_resources *r);
/* Bytes r holds, its structs and strings (for the cache's cap); pooled
 * strings are the pool's (strpool_stats), not counted here. */
size_t org_resources_bytes(const struct org_resources *r);
void org_resources_sort(struct org_resources *r);
const struct org_resource *org_resources_find(const struct org_resources *r,
					      const char *arn);
void org_accounts_free(struct org_accounts *a);
/* Move the strings of every account of a into one block that a owns, a
 * state or joining method the account before has too once (a strdup
 * each before: about 120 bytes less an account).  What a reader sees
 * does not change.  @return 0, or -ENOMEM (a untouched, still valid) */
int org_accounts_pack(struct org_accounts *a);
void org_hier_free(struct org_hier *h);
/* Move the account ids of h's links into one block that h owns, and
 * point each parent that is one of h's OUs or roots to that OU's id (a
 * strdup each before: about 50 bytes less an account).  What a reader
 * sees does not change.  @return 0, or -ENOMEM (h untouched) */
int org_hier_pack(struct org_hier *h);
void org_info_free(struct org_info *o);
void org_roots_free(struct org_roots *r);
/* A copy of n policy types into *out (*nout = n).  @return 0 or -ENOMEM */
int org_policy_types_copy(const struct org_policy_type *v, size_t n,
			  struct org_policy_type **out, size_t *nout);
void org_policies_free(struct org_policies *p);
void org_policy_free(struct org_policy *p);

/* Sort helpers: sources call them before returning. */
void org_tags_sort(struct org_tags *t);
void org_accounts_sort(struct org_accounts *a);
void org_hier_sort(struct org_hier *h);
void org_policies_sort(struct org_policies *p);
void org_policy_sort(struct org_policy *p);

/* Lookups by id in the sorted arrays (binary search); NULL when absent. */
const struct org_account *org_accounts_find(const struct org_accounts *a,
					    const char *id);
const struct org_ou *org_hier_find_ou(const struct org_hier *h,
				      const char *id);
const char *org_hier_parent_of(const struct org_hier *h,
			       const char *account_id);
const char *org_tags_get(const struct org_tags *t, const char *key);

/* Whether an account can be read beyond the organization's own data:
 * only ACTIVE ones (AWS refuses roles in SUSPENDED and CLOSED accounts, a
 * PENDING_CLOSURE or PENDING_ACTIVATION one is not worth the calls: man
 * page), so the others' resources and Config results are not asked for. */
int org_account_readable(const struct org_account *a);

#endif
