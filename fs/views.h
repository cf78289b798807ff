/* views.h - rendered org-wide files and listings, kept per data version
 *
 * Org-wide files and listings (resources.tsv, owners/) take a walk over
 * the whole organization to render; a rendering stays right for as long
 * as no data was installed in the cache since (org_data_version), so it
 * is kept and shared until then, or until the shortest TTL of the data
 * behind it runs out.  At most a quarter of cache_max is kept on top of
 * the cache, except for views being read; a rendering larger than
 * VIEW_KEEP_MAX is kept only while it is being read: until its reads
 * have covered it, or, read in part, twice what it took to render after
 * the last (0.2 to 2 seconds).
 */
#ifndef ORGFS_VIEWS_H
#define ORGFS_VIEWS_H

#include "serve.h"

/* Renderings larger than this are not kept for a later reader, only
 * while they are read (until read to their end, or a read lately): a big
 * table costs a walk to render again, but kept it would cost as much
 * memory as the data it is made from. */
#define VIEW_KEEP_MAX ((size_t)1 << 20)

/* A view depends on data of several kinds: it lives as long as the
 * shortest of their TTLs (ms). */
uint64_t view_ttl(const struct orgfs *fs);
/* A current rendering of path at version: into file, a shared blob (a
 * new reference), or into list, a copy of the listing (one of the two is
 * NULL).  Its mtime and stale mark go into c.  @return 1 on a hit, 0 */
int view_get(const char *path, uint64_t version, struct node *file,
	     struct dlist *list, struct lctx *c);
/* Keep a rendering of path made from the data at version: a file's
 * content moves into a blob shared with file; a listing is copied.  Out
 * of memory, nothing is kept. */
void view_put(const char *path, uint64_t version, struct node *file,
	      const struct dlist *list, const struct lctx *c);
/* A READ reply took n bytes at off of b, a view's rendering (any other
 * blob, or NULL: nothing).  When a reply reaches the end of a rendering
 * over VIEW_KEEP_MAX and the replies have taken every page of it, it has
 * been read to its end (the kernel keeps the pages): its view goes, and
 * a later read, one that a concurrent reader makes after it included,
 * renders it again, the same at the same data version. */
void view_read(struct blob *b, off_t off, size_t n);
/* How many views are kept; *bytes: what they hold. */
int views_count(size_t *bytes);

#endif
