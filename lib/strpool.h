/* strpool.h - one copy of each string that many cached values share
 *
 * A resource listing's services, regions, account, types, tag keys and
 * most tag values are the same strings as those of thousands of other
 * listings.  Packed listings (org_resources_pack) take them from this
 * pool: each distinct string is kept once, with a count of the holders,
 * and freed when the last one lets go.  What a pooled string costs is
 * its length, a 16-byte header and a bucket (memtrim counts it freed).
 *
 * Thread safety: every function may be called from any thread (one
 * mutex, held for a lookup, never across anything else).
 */
#ifndef ORGFS_STRPOOL_H
#define ORGFS_STRPOOL_H

#include <stddef.h>

/* The pool's copy of s, with n more holders (n >= 1): a value takes
 * one for each place that points to it.
 * @return it, or NULL (ENOMEM, or 4 billion holders already) */
const char *strpool_get(const char *s, size_t n);
/* One holder of p (a strpool_get result) less; the last frees it.
 * NULL: nothing. */
void strpool_put(const char *p);
/* strpool_put of each of v[0..n-1], under one lock. */
void strpool_put_many(const char *const *v, size_t n);

struct strpool_stats {
	size_t strings;                 /* distinct strings held */
	size_t bytes;                   /* their bytes, headers and table */
};

void strpool_stats(struct strpool_stats *out);

#endif
