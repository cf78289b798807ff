/* cache.h - TTL cache of immutable values with single flight
 *
 * Values are opaque immutable blocks produced by a fetch function and
 * shared by reference: a reader pins the value it got (struct cache_ref)
 * and may keep using it while a refresh installs a newer one.
 *
 * - TTL per kind (0: never cached, errors included: every get fetches,
 *   concurrent gets of one key still share one fetch).
 * - Single flight: concurrent gets of one missing key wait for one fetch.
 * - Stale while revalidate: an expired value is returned at once (marked
 *   stale=0 but expired) while one background refresh runs.
 * - A failed refresh keeps the old value and marks it stale; a stale value
 *   is served until max_stale_ms past its expiry, then a get fetches
 *   again (single flight) and fails with that fetch's error.  Refreshes of
 *   a stale value are retried at most once per error_ttl_ms.
 * - Errors are cached for error_ttl_ms (short) so a failing key is not
 *   hammered; then the next get fetches again.
 * - LRU eviction past max_bytes, of entries no fetch is running for; a
 *   pinned value outlives its eviction until released.
 * - Background jobs (refreshes, prefetches) run in lanes: one FIFO queue
 *   and its own workers per lane, so kinds whose fetches block on one
 *   quota cannot hold up kinds served by another.
 * - The clock is injectable; no lock is held while fetch runs.
 */
#ifndef ORGFS_CACHE_H
#define ORGFS_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "awserr.h"

struct cache;
struct cache_entry;

#define CACHE_MAX_LANES 4
/* What the cache holds for each key beside the value and the key itself:
 * its node and value record, with malloc's headers (x86-64, glibc).  A
 * fetch that counts it in its *size makes max_bytes cap that too. */
#define CACHE_KEY_BYTES 192

struct cache_kind {
	const char *name;               /* "accounts", "tags", ... (stats) */
	uint64_t ttl_ms;
	uint64_t error_ttl_ms;          /* default 5000 when 0 */
	/* Background queue, 0..CACHE_MAX_LANES-1 (default 0).  Each lane in
	 * use has its own FIFO and its own workers: put kinds whose fetches
	 * wait on different limits (a client-side rate limiter that sleeps
	 * the worker, another service's quota) in different lanes, else
	 * workers asleep in one limiter leave the other kinds' jobs queued
	 * behind them and two crawls run one after the other. */
	int lane;
};

/* Produce the value of key.  On success set *data, *size (bytes the value
 * holds, for the cap) and *hash (content hash: a refresh whose hash
 * differs from the old one counts as a change).  Runs without any cache
 * lock held, on the caller's thread or a cache worker. */
typedef int (*cache_fetch_fn)(void *ctx, int kind, const char *key,
			      void **data, size_t *size, uint64_t *hash,
			      struct aws_error *err);
typedef void (*cache_free_fn)(void *ctx, int kind, void *data);
/* A refresh replaced a value with different content (hash changed).
 * Not called by cache_drop_all.  Called without any cache lock held. */
typedef void (*cache_change_fn)(void *ctx, int kind, const char *key);

struct cache_config {
	const struct cache_kind *kinds;
	int nkinds;
	cache_fetch_fn fetch;
	cache_free_fn free_data;
	cache_change_fn on_change;      /* may be NULL */
	void *ctx;
	size_t max_bytes;               /* 0: unlimited */
	uint64_t max_stale_ms;          /* how long past expiry stale data is
					   served when refreshes fail */
	int workers;                    /* background threads (refresh and
					   prefetch) per lane used; 0: 4 */
	int max_queue;                  /* pending background jobs, all lanes
					   together; 0: 100000 */
	/* For mocking, leave NULL otherwise */
	uint64_t (*clock_ms)(void);     /* monotonic milliseconds */
	time_t (*wall_clock)(void);     /* fetch time shown as mtime */
};

struct cache_ref {
	const void *data;               /* the value; NULL when not found */
	struct cache_entry *entry;      /* pin; release with cache_release */
	time_t fetched;                 /* wall-clock time of the fetch */
	uint64_t generation;            /* increases with every change */
	uint64_t hash;
	int stale;                      /* last refresh failed */
	int expired;                    /* past TTL, refresh scheduled */
	size_t size;                    /* bytes the value holds (fetch's
					   *size) */
};

/* @return NULL on allocation failure or a bad config (no fetch, a kind's
 * lane out of range) */
struct cache *cache_new(const struct cache_config *cfg);
/* Stops the workers (waiting for running fetches) and frees everything;
 * no ref may be pinned. */
void cache_free(struct cache *c);

/* Get the value of (kind, key), fetching it if needed.
 * @return 0 with *ref pinned, or -errno with err filled (the fetch's
 *	error, fresh or cached) */
int cache_get(struct cache *c, int kind, const char *key,
	      struct cache_ref *ref, struct aws_error *err);
/* Like cache_get, but an expired value is refreshed before it is
 * returned (joining a refresh in flight), and a failed refresh is an
 * error, not the stale value: for derived data that must be built from
 * current inputs.  A fresh value is returned as cache_get does. */
int cache_get_fresh(struct cache *c, int kind, const char *key,
		    struct cache_ref *ref, struct aws_error *err);
/* Like cache_get but never fetches nor schedules a refresh (an expired
 * value comes with expired=1): -ENOENT when absent (or its failure is
 * older than error_ttl), the failure's -errno while a get would answer
 * with it. */
int cache_peek(struct cache *c, int kind, const char *key,
	       struct cache_ref *ref);
void cache_release(struct cache *c, struct cache_ref *ref);

/* Schedule a background fetch of (kind, key) unless it is cached fresh or
 * already in flight.  Bounded queue: @return 0 or -EAGAIN when full. */
int cache_prefetch(struct cache *c, int kind, const char *key);
/* Wait until no background job is queued or running in any lane (tests,
 * crawls). */
void cache_wait_idle(struct cache *c);

/* Forget every value (SIGHUP); pinned values stay valid until released.
 * on_change is not called per key; callers invalidate the kernel caches
 * themselves. */
void cache_drop_all(struct cache *c);

/* Every cache_get counts once in hits, stale_serves or misses. */
/* A number that changes whenever what a reader would get may have
 * changed: a value installed for the first time or with new content, a
 * stale mark set or cleared, a failure, a drop.  A refresh that brings
 * back the same content does not change it, so renderings derived from
 * many values can be kept while it stays the same.  It changes after the
 * new value is in place: a reader that reads it first and the data
 * second never pairs old data with the new number. */
uint64_t cache_version(struct cache *c);

struct cache_stats {
	uint64_t entries;
	uint64_t bytes;                 /* live values, pinned ones included */
	uint64_t hits;                  /* fresh value or cached error */
	uint64_t misses;                /* fetched or waited for a fetch */
	uint64_t stale_serves;          /* expired value served */
	uint64_t refreshes;             /* background fetches */
	uint64_t evictions;
	uint64_t errors;                /* failed fetches */
	uint64_t fetches_in_flight;
	uint64_t queued;                /* pending jobs, every lane */
};
void cache_get_stats(struct cache *c, struct cache_stats *out);

/* Timing knobs per kind may change at runtime (tests, SIGHUP reload). */
void cache_set_ttl(struct cache *c, int kind, uint64_t ttl_ms);

#endif
