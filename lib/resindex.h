/* resindex.h - one snapshot of every resource with its owner, and a tag
 * index, built once per version of the data
 *
 * The organization-wide views (resources.tsv, services/, owners/,
 * unowned/, tags/, compliance/) all read one snapshot of the resources
 * per version of the data (org_data_version), built by the first reader
 * that needs it: a grep -r over thousands of tags/<key>/<value>/
 * resources.tsv then walks the organization once, not once per file, and
 * no resource's owner is worked out twice.
 *
 * A snapshot holds every resource of every readable account and region
 * (or of the aggregator's index), in walk order: accounts as listed,
 * regions as given, resources as their slice lists them.  A resource's
 * owner is its own owner tag, else its account's effective owner from
 * ORG_INDEX, else none.  Accounts whose resources cannot be read are
 * counted (unreadable), recorded in the org's errors, and left out.
 *
 * Attribution (fan-out): a resource belongs to the account that listed
 * it, or to the account its ARN names when that account is in the
 * organization, and is a row once.  A resource whose ARN names another
 * account of the organization is that account's row (and no row of the
 * listing's when that account lists it too); one whose ARN names an
 * account outside the organization is a row of the first account (in
 * walk order) that listed it, with that account as its account, and is
 * named in the org's errors ("ForeignResource"): no account is made up.
 *
 * Memory: a snapshot pins the org's data it points into.  It is kept for
 * the next reader only when that data fits within half the cache's cap
 * (org_max_bytes); past that each reader builds (and pins) its own while
 * it reads, so the cap holds.  Readers that waited for one build all read
 * it, kept or not: concurrent readers take one walk, not one each in
 * turn.  What a snapshot frees is counted to memtrim.
 *
 * Thread safety: every function may be called from any thread, except
 * resindex_free.  No lock is held across a fetch (org_get).  The rows of
 * a snapshot are immutable once it is returned.
 */
#ifndef ORGFS_RESINDEX_H
#define ORGFS_RESINDEX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct aws_error;
struct org;
struct org_resource;

/* A set of names, so that a walk over a million resources keeps each
 * name once instead of once per resource.  Zero-initialise; free with
 * nameset_free.  Not thread-safe. */
struct nameset {
	char **v;                       /* open addressing, NULL: free */
	size_t cap;                     /* power of two */
	size_t n;
};

/* Put a copy of s in ns.
 * @return 1 when s was new (and is now in), 0 when present, -ENOMEM */
int nameset_add(struct nameset *ns, const char *s);
/* s once in ns; *out points to the kept copy (valid until nameset_free).
 * @return 1 when new, 0 when present, -ENOMEM */
int nameset_intern(struct nameset *ns, const char *s, const char **out);
void nameset_free(struct nameset *ns);

struct resindex_row {
	const struct org_resource *r;   /* in the data the snapshot pins */
	const char *owner;              /* effective owner; NULL: none */
};

/* An account whose resources were left out, and why (the first failed
 * region's error: "eu-west-1: AccessDenied: ..."). */
struct resindex_unread {
	char *account;
	char *why;
};

/* A snapshot.  Read-only to its holders; valid until resindex_put. */
struct resindex_snap {
	struct resindex_row *rows;      /* in walk order */
	size_t n;
	unsigned unreadable;            /* accounts left out */
	unsigned skipped;               /* records the listings left out
					   (org_skipped: invalid ARNs ...) */
	struct resindex_unread *unread; /* each of them, in walk order (NULL
					   when out of memory: only counted) */
	time_t mtime;                   /* newest fetch of the data behind */
	int stale;                      /* some of that data is stale */
};

/* The resource crawl, for .orgfs/status. */
struct resindex_stats {
	uint64_t slices_done;           /* account x region slices read */
	uint64_t slices_total;          /* of the current build */
	uint64_t resources;             /* seen by the current build */
	uint64_t unreadable;            /* accounts, last finished build */
	uint64_t regions;               /* distinct regions the walk reads:
					   nregions, or with regions=all
					   those the accounts' lists name
					   (0 until the walk running has
					   them) */
	uint64_t builds;                /* builds finished, failed ones too */
	int waiting;                    /* readers waiting for a build now */
	int building;                   /* a build runs now */
};

struct resindex;

/* An index over org's resources.  regions (nregions of them) are
 * borrowed and must outlive the index; nregions 0: each account's
 * enabled regions (ORG_REGIONS, -o regions=all), an account whose list
 * fails counted unreadable; aggregated: the resources come
 * from one organization-wide listing (ORG_ORGRES) instead of one per
 * account and region (ORG_RESOURCES).  The owner tag keys, the clock,
 * the view TTL (org_view_ttl_ms) and the memory cap are the org's.
 * @return the index, or NULL (ENOMEM) */
struct resindex *resindex_new(struct org *org, char *const *regions,
			      size_t nregions, int aggregated);
/* Drop the kept snapshot; every snapshot got must have been put, and no
 * call may be running. */
void resindex_free(struct resindex *x);

/* The current snapshot: kept, built by the thread already building it,
 * or built here (fetching, through org_get, what is not cached).  A
 * snapshot is current while the data version it was built at holds and
 * for the view TTL after its build.  path names what is read, for the
 * org's errors.
 * @return a reference, to release with resindex_put, or NULL with err
 *	filled (err->err: the positive errno) */
struct resindex_snap *resindex_get(struct resindex *x, const char *path,
				   struct aws_error *err);
/* Release a reference (NULL: nothing); the last one frees the snapshot
 * and unpins its data. */
void resindex_put(struct resindex_snap *s);

/* The rows tagged key=value, as indexes into s->rows in row order, each
 * row once.  The index over every tag is made on the first call for a
 * snapshot, so that each of thousands of tags/<k>/<v>/ views costs its
 * own rows, not a scan of every resource.  *rows stays valid as s.
 * @return 0 (with *n 0 and *rows NULL when none), or -ENOMEM */
int resindex_tagged(struct resindex_snap *s, const char *key,
		    const char *value, const uint32_t **rows, size_t *n);

/* Let go of the kept snapshot (SIGHUP, unmount): its pins go with it. */
void resindex_drop(struct resindex *x);
void resindex_stats(struct resindex *x, struct resindex_stats *out);

#endif
