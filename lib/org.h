/* org.h - the organization as the tree sees it: a source behind a cache
 *
 * Each kind of data is one cache entry per key:
 *   ORG_INFO      ""            DescribeOrganization + the root's policy types
 *                               (from ORG_ROOTS)
 *   ORG_ACCOUNTS  ""            every account
 *   ORG_HIER      ""            roots, OUs and every account's parent
 *   ORG_TAGS      "<id>"        tags of an account, root, OU or policy
 *   ORG_POLICIES  ""            every policy of every enabled type
 *   ORG_POLICY    "<policy id>" content and targets of one policy
 *   ORG_RESOURCES "<account>/<region>"  resources of one account and region
 *   ORG_ORGRES    ""            every resource, from an aggregator index
 *                               (the source's list_org_resources)
 *   ORG_EFFPOL    "<account>"   the account's effective tag policy
 *   ORG_CONFIG    "<account>/<region>"  AWS Config rule compliance
 *   ORG_ACCESS    ""            derived: every IAM Identity Center
 *                               assignment, named (from ORG_PSETS, each
 *                               account's ORG_ACCOUNT_ACCESS and each
 *                               principal's ORG_PRINCIPAL)
 *   ORG_INDEX     ""            derived: every account and OU with its
 *                               tags and effective owner (the org-wide
 *                               crawl behind owners/, unowned/, tags/)
 *   ORG_REGIONS   "<account>"   the regions the account has enabled
 *                               (-o regions=all)
 *   ORG_MEMBERS   "<store id>/<group id>"  the users of an Identity
 *                               Center group (the source's list_members)
 *   ORG_PRINCIPAL "<store id>/<GROUP|USER>/<id>"  one group's or user's
 *                               name (describe_principal)
 *   ORG_PSETS     ""            the instance and its permission sets
 *                               (list_access_psets)
 *   ORG_ACCOUNT_ACCESS "<account>"  the account's assignments, unnamed
 *                               (list_account_access)
 *   ORG_PARENT    "<id>"        the parent of one account or OU (a
 *                               char *: the source's list_parent)
 *   ORG_ROOTS     ""            the roots and their policy types
 *                               (ListRoots), which ORG_INFO, ORG_HIER and
 *                               ORG_POLICIES start from
 *   ORG_ACCESS_DIGEST ""        derived: ORG_ACCESS built (every account's
 *                               assignments and principals fetched, as
 *                               the organization-wide views need) and
 *                               let go, but for what owners/<o>/access.tsv
 *                               takes of it (struct org_access_digest)
 * Values are the model.h structs, immutable, shared by reference.  Each
 * kind is one row of the table in org.c (name, lane, fetch, hash, free).
 */
#ifndef ORGFS_ORG_H
#define ORGFS_ORG_H

#include <stdint.h>
#include <time.h>

#include "awserr.h"
#include "buf.h"
#include "cache.h"
#include "model.h"
#include "source.h"

enum org_kind {
	ORG_INFO,
	ORG_ACCOUNTS,
	ORG_HIER,
	ORG_TAGS,
	ORG_POLICIES,
	ORG_POLICY,
	ORG_RESOURCES,
	ORG_ORGRES,
	ORG_EFFPOL,
	ORG_CONFIG,
	ORG_ACCESS,
	ORG_INDEX,
	ORG_REGIONS,
	ORG_MEMBERS,
	ORG_PRINCIPAL,
	ORG_PSETS,
	ORG_ACCOUNT_ACCESS,
	ORG_PARENT,
	ORG_ROOTS,
	ORG_ACCESS_DIGEST,
	ORG_NKINDS
};

struct owner_config;
struct owner_result;

/* One account, root or OU in the org-wide index. */
struct org_index_obj {
	char *id;
	const char *kind;               /* "account", "ou" or "root" (static) */
	char *label;                    /* account name, or the OU's path */
	char *owner;                    /* effective owner; NULL when none */
	char *owner_source;             /* provenance, "none" when none */
	struct org_tags tags;           /* the object's own tags */
	char *pack;                     /* NULL, or the tag array, id, label
					   and owner_source in one block, the
					   owner and the tags' keys and values
					   the string pool's (lib/strpool.h):
					   an object for each account */
};

/* What an owner's access table takes of the organization-wide
 * assignments, which it reads account by account (ORG_ACCOUNT_ACCESS):
 * ORG_ACCESS is tens of MiB at 100,000 accounts, this a few bytes. */
struct org_access_digest {
	size_t skipped;                 /* records left out, all accounts' */
	int names_denied;               /* the identity store refused names:
					   every principal is its id */
	size_t nshared;                 /* principals whose name another of
					   their type has ("name (<id>)" in
					   ORG_ACCESS's labels), as "GROUP/<id>"
					   or "USER/<id>", sorted */
	char **shared;
};

/* Whether the principal (user, id) shares its name (d->shared). */
int org_access_digest_shared(const struct org_access_digest *d, int user,
			     const char *id);
void org_access_digest_free(struct org_access_digest *d);

/* Every account, root and OU, sorted by id. */
struct org_index {
	size_t n;
	struct org_index_obj *v;
};

const struct org_index_obj *org_index_find(const struct org_index *x,
					   const char *id);
void org_index_free(struct org_index *x);
/* "Root/Workloads/Prod": names from the root down to id (OU or root). */
int org_hier_path(const struct org_hier *h, const char *id, struct buf *b);

struct org_config {
	const struct owner_config *owners;      /* borrowed: owner tag keys */
	uint64_t ttl_ms[ORG_NKINDS];    /* 0: not cached */
	uint64_t error_ttl_ms;
	uint64_t max_stale_ms;
	size_t max_bytes;
	int workers;                    /* read-ahead and refresh concurrency
					   per API group (Organizations API,
					   member-account APIs) */
	/* called (without locks) when refreshed data differs from what the
	 * tree showed: the FUSE layer invalidates the kernel's caches */
	void (*on_change)(void *arg);
	void *on_change_arg;
	/* For mocking, leave NULL otherwise */
	uint64_t (*clock_ms)(void);
	time_t (*wall_clock)(void);
};

struct org;

/* Takes ownership of src. */
struct org *org_new(struct org_source *src, const struct org_config *cfg);
void org_free(struct org *o);
struct org_source *org_source(struct org *o);
const char *org_kind_name(enum org_kind k);

/* Pin the value of (kind, key): ref->data points to the model struct.
 * @return 0 or -errno with err filled; failures are recorded for
 *	.orgfs/errors with path */
int org_get(struct org *o, enum org_kind kind, const char *key,
	    const char *path, struct cache_ref *ref, struct aws_error *err);
void org_put(struct org *o, struct cache_ref *ref);
/* Pin the value of (kind, key) only if it is cached: nothing is fetched
 * or refreshed, no error recorded.  @return 0, -ENOENT when absent, or
 * the -errno of a failure a get would answer with now */
int org_peek(struct org *o, enum org_kind kind, const char *key,
	     struct cache_ref *ref);
/* Schedule a background fetch (read-ahead); never blocks. */
void org_prefetch(struct org *o, enum org_kind kind, const char *key);
/* The key of one account's data in one region (ORG_RESOURCES,
 * ORG_CONFIG): "<account>/<region>", cut to len - 1 bytes. */
void org_slice_key(char *out, size_t len, const char *account,
		   const char *region);
void org_wait_idle(struct org *o);
/* SIGHUP: forget everything. */
void org_drop(struct org *o);
/* Bumped on every change of data and every drop. */
uint64_t org_generation(struct org *o);

/* Effective owner of an account, root or OU, from the tags of it and its
 * ancestors (no org-wide crawl).  *fetched and *stale describe the data
 * used.  @return 0, -ENOENT for an unknown id, or -errno with err */
int org_owner_of(struct org *o, const char *id, const char *path,
		 struct owner_result *out, time_t *fetched, int *stale,
		 struct aws_error *err);

/* The effective owner value (malloc'd, NULL when none) of an account,
 * root or OU, asking no more than the owner needs: its tags, and only
 * when they name no owner its parent's, up to the root; the parents from
 * the hierarchy when it is cached, else one ListParents each (never the
 * whole hierarchy, when the source has list_parent).  *fetched and *stale
 * describe the data used.  @return 0, or -errno with err filled (and
 * recorded under path) */
int org_owner_value(struct org *o, const char *id, const char *path,
		    char **value, time_t *fetched, int *stale,
		    struct aws_error *err);
/* org_owner_value of ids[0..n-1] into out[] (each malloc'd or NULL),
 * several chains walked at once (read-ahead), counted as a crawl;
 * *fetched and *stale over all of them.  On failure out[] is all NULL.
 * @return 0, or -errno with err filled */
int org_owner_values(struct org *o, const char *const *ids, size_t n,
		     const char *path, char **out, time_t *fetched,
		     int *stale, struct aws_error *err);

/* The crawl of objects' tags (crawl_* in .orgfs/status): n objects to
 * go, one done, over.  The index's crawl, and the owners of resources. */
void org_crawl_start(struct org *o, size_t n);
void org_crawl_step(struct org *o);
void org_crawl_end(struct org *o);

/* Schedule, without blocking, the next fetch org_owner_value(id) will
 * need (a read-ahead: several owners resolved at once). */
void org_owner_prefetch(struct org *o, const char *id);

/* Effective owner of a resource: its own owner tags, else those of its
 * account (account_owner / account_source as org_owner_of or the index
 * gives them; account_owner NULL: none).  Sets malloc'd *owner (NULL:
 * none) and *source.  @return 0 or -ENOMEM */
int org_resource_owner(struct org *o, const struct org_resource *r,
		       const char *account_owner, const char *account_source,
		       char **owner, char **source);
/* A monotonic count of changes to what the cache answers (cache_version:
 * new or changed content, stale marks, failures, drops; not refreshes that
 * bring back the same content): what was rendered from the cache at one
 * count is still right while the count has not moved. */
uint64_t org_data_version(struct org *o);
/* The cache's clock, milliseconds (monotonic, or the test clock). */
uint64_t org_now_ms(struct org *o);
/* The shortest TTL of any kind (org_config.ttl_ms): how long something
 * rendered from data of several kinds stays right. */
uint64_t org_view_ttl_ms(struct org *o);
/* The cache's memory cap, bytes (org_config.max_bytes; 0: none). */
size_t org_max_bytes(struct org *o);
/* The owner tag keys in force. */
const struct owner_config *org_owner_config(struct org *o);

/* Recent errors, newest last, as shown in .orgfs/errors:
 * "<time>\t<path>\t<code>\t<message>\t<request id>" */
void org_record_error(struct org *o, const char *path,
		      const struct aws_error *err);
int org_render_errors(struct org *o, struct buf *out);
/* Cache section of .orgfs/status. */
int org_render_status(struct org *o, struct buf *out);

#endif
