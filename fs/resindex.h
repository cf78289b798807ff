/* resindex.h - one snapshot of every resource with its owner, and a tag
 * index over it, built once per version of the data
 *
 * Every resource of every readable account and region, with its
 * effective owner.  Accounts that cannot be read are counted, named in
 * .orgfs/errors, and left out: the views say so at their top.
 *
 * The organization-wide views (resources.tsv, services/, owners/,
 * unowned/, tags/, compliance/) all read one snapshot of the resources
 * per version of the data, built by the first view that needs it: a
 * grep -r over thousands of tags/<key>/<value>/resources.tsv then walks
 * the organization once, not once per file, and no resource's owner is
 * worked out twice.  The snapshot pins the data it points into, so it
 * is kept for the next view only when that data fits well within
 * cache_max; past that each view walks (and pins) the resources again
 * while it renders, and the cap is kept (man page, cache_max).  Views
 * that waited for one build all read it, kept or not: concurrent readers
 * take one walk, not one each in turn.
 *
 * This interface takes the org and plain values only (no lctx, no struct
 * orgfs), so that the module can move below the FUSE layer (lib/) as it
 * is.  Its only callers are fs/tree_resources.c (the walks, the drop) and
 * fs/tree_root.c (.orgfs/status).
 */
#ifndef ORGFS_RESINDEX_H
#define ORGFS_RESINDEX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "org.h"

/* What a snapshot is made of, and how long one is kept. */
struct resindex_scope {
	struct org *org;
	char *const *regions;           /* each readable account's slices */
	size_t nregions;
	int aggregated;                 /* one ORG_ORGRES index instead */
	size_t cache_max;               /* 0: no cap; a snapshot pinning more
					   than half of it is not kept */
	uint64_t ttl_ms;                /* a kept snapshot's life */
};

struct rsnap;

/* The current snapshot: built here, or by the thread already building
 * it.  path is the reader's, for .orgfs/errors.
 * @return a reference (rsnap_put), or NULL with err set */
struct rsnap *rsnap_get(const struct resindex_scope *sc, const char *path,
			struct aws_error *err);
/* Let go of a reference; NULL is fine. */
void rsnap_put(struct rsnap *s);

/* What the snapshot was made from. */
struct rsnap_info {
	time_t mtime;                   /* the newest data in it */
	int stale;                      /* some of it failed to refresh */
	unsigned unreadable;            /* accounts left out */
};
void rsnap_info(const struct rsnap *s, struct rsnap_info *out);

/* One resource and its effective owner (NULL: none), both in the
 * snapshot's pinned data.  @return 0 to go on, or what the walk returns */
typedef int (*rsnap_fn)(void *arg, const struct org_resource *r,
			const char *owner);
/* fn on every resource in walk order, or with key set on those tagged
 * key=value only (the tag index is made on the first such walk).
 * @return 0, fn's first non-zero, or -ENOMEM */
int rsnap_walk(struct rsnap *s, const char *key, const char *value,
	       rsnap_fn fn, void *arg);

/* The crawl's progress and the builds so far, for .orgfs/status. */
struct rsnap_progress {
	uint64_t slices_done;
	uint64_t slices_total;
	uint64_t resources;
	uint64_t unreadable;            /* accounts */
	uint64_t builds;                /* finished walks, failed ones too */
};
void rsnap_progress(struct rsnap_progress *out);

/* Let go of the kept snapshot (SIGHUP, unmount): its pins go with it. */
void rsnap_drop(void);

/* A set of names, so that a walk over a million resources keeps each
 * name once instead of once per resource.  Zeroed: empty. */
struct nameset {
	char **v;                       /* open addressing, NULL: free */
	size_t cap;                     /* power of two */
	size_t n;
};

/* @return 1 when s was new (and is now in), 0 when present, -ENOMEM */
int nameset_add(struct nameset *ns, const char *s);
void nameset_free(struct nameset *ns);

#endif
