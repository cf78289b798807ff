/* test_cache.c - TTL boundaries, single flight, stale serving, LRU, drops */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"

enum { K_MAIN, K_ZERO, NKINDS };

/* Pinned clocks: read by cache threads, advanced by the test. */
static uint64_t now_ms;
static time_t wall_now;

static uint64_t fake_clock(void)
{
	return __atomic_load_n(&now_ms, __ATOMIC_SEQ_CST);
}

static time_t fake_wall(void)
{
	return __atomic_load_n(&wall_now, __ATOMIC_SEQ_CST);
}

static void set_clock(uint64_t ms)
{
	__atomic_store_n(&now_ms, ms, __ATOMIC_SEQ_CST);
}

/* The fake fetch: values are "<key>#<call number>", hash is the call
 * number unless fixed_hash is set. */
static struct {
	pthread_mutex_t m;
	pthread_cond_t cv;
	int calls;
	int entered;		/* fetches currently running */
	unsigned block;		/* fetches of kind k wait while bit k is set */
	int fail_rc;
	size_t size;
	int fixed_hash_set;
	uint64_t fixed_hash;
	int allocs, frees;
	int changes;
	char change_key[64];
} fk = { .m = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static int fake_fetch(void *ctx, int kind, const char *key, void **data,
		      size_t *size, uint64_t *hash, struct aws_error *err)
{
	int n, rc;
	char *v;

	pthread_mutex_lock(&fk.m);
	n = ++fk.calls;
	fk.entered++;
	pthread_cond_broadcast(&fk.cv);
	while (fk.block & (1u << kind))
		pthread_cond_wait(&fk.cv, &fk.m);
	fk.entered--;
	rc = fk.fail_rc;
	if (rc) {
		err->err = -rc;
		snprintf(err->code, sizeof(err->code), "FakeError%d", -rc);
		snprintf(err->message, sizeof(err->message), "call %d", n);
		pthread_mutex_unlock(&fk.m);
		return rc;
	}
	v = malloc(64);
	ck_assert_ptr_nonnull(v);
	snprintf(v, 64, "%s#%d", key, n);
	*data = v;
	*size = fk.size ? fk.size : 10;
	*hash = fk.fixed_hash_set ? fk.fixed_hash : (uint64_t)n;
	fk.allocs++;
	pthread_mutex_unlock(&fk.m);
	return 0;
}

static void fake_free(void *ctx, int kind, void *data)
{
	/* poison, so a read after free shows as a wrong value */
	memset(data, 'X', 63);
	((char *)data)[63] = 0;
	free(data);
	pthread_mutex_lock(&fk.m);
	fk.frees++;
	pthread_mutex_unlock(&fk.m);
}

static void fake_change(void *ctx, int kind, const char *key)
{
	pthread_mutex_lock(&fk.m);
	fk.changes++;
	snprintf(fk.change_key, sizeof(fk.change_key), "%s", key);
	pthread_mutex_unlock(&fk.m);
}

static int fk_get(int *field)
{
	int v;

	pthread_mutex_lock(&fk.m);
	v = *field;
	pthread_mutex_unlock(&fk.m);
	return v;
}

static void fk_set_fail(int rc)
{
	pthread_mutex_lock(&fk.m);
	fk.fail_rc = rc;
	pthread_mutex_unlock(&fk.m);
}

/* Every value fetched from now on hashes to h, whatever its call number;
 * set: 0 goes back to the call number. */
static void fk_set_hash(int set, uint64_t h)
{
	pthread_mutex_lock(&fk.m);
	fk.fixed_hash_set = set;
	fk.fixed_hash = h;
	pthread_mutex_unlock(&fk.m);
}

/* Hold back the fetches of the kinds in mask */
static void fk_block_kinds(unsigned mask)
{
	pthread_mutex_lock(&fk.m);
	fk.block = mask;
	pthread_cond_broadcast(&fk.cv);
	pthread_mutex_unlock(&fk.m);
}

static void fk_block(int on)
{
	fk_block_kinds(on ? ~0u : 0);
}

static void fk_wait_entered(int n)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	pthread_mutex_lock(&fk.m);
	while (fk.entered < n)
		if (pthread_cond_timedwait(&fk.cv, &fk.m, &dl) == ETIMEDOUT)
			break;
	ck_assert_int_ge(fk.entered, n);
	pthread_mutex_unlock(&fk.m);
}

static struct cache_kind kinds[NKINDS] = {
	[K_MAIN] = { "main", 100, 50 },
	[K_ZERO] = { "zero", 0, 50 },
};

static struct cache_config base_cfg(void)
{
	struct cache_config cfg = {
		.kinds = kinds,
		.nkinds = NKINDS,
		.fetch = fake_fetch,
		.free_data = fake_free,
		.on_change = fake_change,
		.max_stale_ms = 3000,
		.workers = 2,
		.clock_ms = fake_clock,
		.wall_clock = fake_wall,
	};
	return cfg;
}

static void setup(void)
{
	pthread_mutex_lock(&fk.m);
	fk.calls = fk.entered = fk.fail_rc = 0;
	fk.block = 0;
	fk.size = 0;
	fk.fixed_hash_set = 0;
	fk.allocs = fk.frees = fk.changes = 0;
	fk.change_key[0] = 0;
	pthread_mutex_unlock(&fk.m);
	kinds[K_MAIN].ttl_ms = 100;
	kinds[K_MAIN].error_ttl_ms = 50;
	set_clock(1000);
	__atomic_store_n(&wall_now, 1700000000, __ATOMIC_SEQ_CST);
}

static struct cache_stats stats(struct cache *c)
{
	struct cache_stats s;

	cache_get_stats(c, &s);
	return s;
}

/* Poll a counter (no fixed sleeps: the deadline only catches hangs) */
static void wait_misses(struct cache *c, uint64_t n)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 10000 && stats(c).misses < n; i++)
		nanosleep(&ts, NULL);
	ck_assert_uint_eq(stats(c).misses, n);
}

static void get_ok(struct cache *c, int kind, const char *key,
		   struct cache_ref *ref, const char *want)
{
	struct aws_error err;
	int rc;

	rc = cache_get(c, kind, key, ref, &err);
	ck_assert_msg(rc == 0, "get %s: %d %s", key, rc, err.code);
	ck_assert_str_eq(ref->data, want);
}

static void free_and_check(struct cache *c)
{
	cache_free(c);
	ck_assert_int_eq(fk.allocs, fk.frees);
}

START_TEST(test_ttl_boundary)
{
	struct cache_config cfg = base_cfg();
	struct cache_ref r1, r2;
	struct cache *c = cache_new(&cfg);
	int i;

	ck_assert_ptr_nonnull(c);
	get_ok(c, K_MAIN, "k", &r1, "k#1");
	ck_assert_int_eq(r1.fetched, 1700000000);
	ck_assert_int_eq(r1.expired, 0);
	ck_assert_int_eq(r1.stale, 0);

	/* fetched + ttl - 1: old value, no fetch */
	set_clock(1099);
	get_ok(c, K_MAIN, "k", &r2, "k#1");
	ck_assert_int_eq(r2.expired, 0);
	cache_release(c, &r2);
	ck_assert_int_eq(fk_get(&fk.calls), 1);

	/* fetched + ttl: old value served expired, one refresh however
	 * many gets see it */
	set_clock(1100);
	__atomic_store_n(&wall_now, 1700000100, __ATOMIC_SEQ_CST);
	/* peek sees it expired and schedules nothing */
	ck_assert_int_eq(cache_peek(c, K_MAIN, "k", &r2), 0);
	ck_assert_int_eq(r2.expired, 1);
	cache_release(c, &r2);
	ck_assert_uint_eq(stats(c).queued, 0);
	ck_assert_uint_eq(stats(c).fetches_in_flight, 0);
	fk_block(1);
	for (i = 0; i < 10; i++) {
		get_ok(c, K_MAIN, "k", &r2, "k#1");
		ck_assert_int_eq(r2.expired, 1);
		ck_assert_int_eq(r2.stale, 0);
		cache_release(c, &r2);
		if (i == 0)
			fk_wait_entered(1);
	}
	ck_assert_uint_eq(stats(c).fetches_in_flight, 1);
	ck_assert_uint_eq(stats(c).queued, 0);
	fk_block(0);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 2);

	get_ok(c, K_MAIN, "k", &r2, "k#2");
	ck_assert_int_eq(r2.expired, 0);
	ck_assert_int_eq(r2.fetched, 1700000100);
	ck_assert_uint_gt(r2.generation, r1.generation);
	/* the pinned old value outlives its replacement */
	ck_assert_str_eq(r1.data, "k#1");
	ck_assert_int_eq(fk_get(&fk.changes), 1);
	ck_assert_str_eq(fk.change_key, "k");

	ck_assert_uint_eq(stats(c).stale_serves, 10);
	ck_assert_uint_eq(stats(c).refreshes, 1);
	ck_assert_uint_eq(stats(c).hits, 2);
	ck_assert_uint_eq(stats(c).misses, 1);
	cache_release(c, &r1);
	cache_release(c, &r2);
	free_and_check(c);
}
END_TEST

START_TEST(test_ttl_zero)
{
	struct cache_config cfg = base_cfg();
	struct cache *c = cache_new(&cfg);
	struct cache_ref r;
	struct aws_error err;
	uint64_t gen;

	get_ok(c, K_ZERO, "z", &r, "z#1");
	gen = r.generation;
	ck_assert_uint_gt(gen, 0);
	cache_release(c, &r);
	get_ok(c, K_ZERO, "z", &r, "z#2");
	ck_assert_uint_gt(r.generation, gen);
	cache_release(c, &r);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_uint_eq(stats(c).bytes, 0);
	/* errors are not kept either */
	fk_set_fail(-EIO);
	ck_assert_int_eq(cache_get(c, K_ZERO, "z", &r, &err), -EIO);
	ck_assert_int_eq(cache_get(c, K_ZERO, "z", &r, &err), -EIO);
	ck_assert_int_eq(fk_get(&fk.calls), 4);
	/* prefetch of a kind that keeps nothing does nothing */
	ck_assert_int_eq(cache_prefetch(c, K_ZERO, "z"), 0);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 4);
	/* a TTL changed at run time applies */
	fk_set_fail(0);
	cache_set_ttl(c, K_ZERO, 100);
	get_ok(c, K_ZERO, "z", &r, "z#5");
	cache_release(c, &r);
	get_ok(c, K_ZERO, "z", &r, "z#5");
	cache_release(c, &r);
	free_and_check(c);
}
END_TEST

#define NTHREADS 32

struct getter {
	pthread_t t;
	struct cache *c;
	int kind;
	const char *key;
	int rc;
	struct aws_error err;
	struct cache_ref ref;
};

static void *getter_main(void *arg)
{
	struct getter *g = arg;

	g->rc = cache_get(g->c, g->kind, g->key, &g->ref, &g->err);
	return NULL;
}

/* n threads get one cold key while the fetch is held */
static void run_flight(struct cache *c, int kind, struct getter *g, int n)
{
	int i;

	fk_block(1);
	for (i = 0; i < n; i++) {
		g[i].c = c;
		g[i].kind = kind;
		g[i].key = "cold";
		ck_assert_int_eq(pthread_create(&g[i].t, NULL, getter_main,
						 &g[i]), 0);
	}
	wait_misses(c, n);
	ck_assert_int_eq(fk_get(&fk.calls), 1);
	fk_block(0);
	for (i = 0; i < n; i++)
		pthread_join(g[i].t, NULL);
	ck_assert_int_eq(fk_get(&fk.calls), 1);
}

START_TEST(test_single_flight)
{
	struct cache_config cfg = base_cfg();
	struct cache *c = cache_new(&cfg);
	struct getter g[NTHREADS] = { 0 };
	int i;

	const void *first;

	run_flight(c, K_MAIN, g, NTHREADS);
	first = g[0].ref.data;
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(g[i].rc, 0);
		ck_assert_ptr_eq(g[i].ref.data, first);
		ck_assert_str_eq(g[i].ref.data, "cold#1");
		cache_release(c, &g[i].ref);
	}
	ck_assert_uint_eq(stats(c).entries, 1);
	free_and_check(c);
}
END_TEST

START_TEST(test_single_flight_error)
{
	struct cache_config cfg = base_cfg();
	struct cache *c = cache_new(&cfg);
	struct getter g[NTHREADS] = { 0 };
	int i;

	fk_set_fail(-EACCES);
	run_flight(c, K_MAIN, g, NTHREADS);
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(g[i].rc, -EACCES);
		ck_assert_int_eq(g[i].err.err, EACCES);
		ck_assert_str_eq(g[i].err.code, "FakeError13");
		ck_assert_str_eq(g[i].err.message, "call 1");
		ck_assert_ptr_null(g[i].ref.entry);
	}
	ck_assert_uint_eq(stats(c).errors, 1);
	free_and_check(c);
}
END_TEST

START_TEST(test_single_flight_ttl_zero)
{
	struct cache_config cfg = base_cfg();
	struct cache *c = cache_new(&cfg);
	struct getter g[8] = { 0 };
	int i;

	run_flight(c, K_ZERO, g, 8);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(g[i].rc, 0);
		ck_assert_str_eq(g[i].ref.data, "cold#1");
		cache_release(c, &g[i].ref);
	}
	ck_assert_uint_eq(stats(c).entries, 0);
	free_and_check(c);
}
END_TEST

/* cache_version moves exactly when a reader could get something else */
START_TEST(test_version)
{
	struct cache_config cfg = base_cfg();
	struct cache *c;
	struct cache_ref r;
	uint64_t v0, v;

	kinds[K_MAIN].ttl_ms = 1000;
	kinds[K_MAIN].error_ttl_ms = 100;
	set_clock(10000);
	c = cache_new(&cfg);
	v0 = cache_version(c);

	/* first install */
	get_ok(c, K_MAIN, "k", &r, "k#1");
	cache_release(c, &r);
	v = cache_version(c);
	ck_assert_uint_gt(v, v0);

	/* a hit changes nothing */
	get_ok(c, K_MAIN, "k", &r, "k#1");
	cache_release(c, &r);
	ck_assert_uint_eq(cache_version(c), v);

	/* a refresh with the same content changes nothing */
	fk_set_hash(1, 1);      /* the first value's hash: call number 1 */
	set_clock(11000);
	get_ok(c, K_MAIN, "k", &r, "k#1");
	cache_release(c, &r);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 2);
	ck_assert_uint_eq(cache_version(c), v);

	/* a refresh with new content does */
	fk_set_hash(1, 77);
	set_clock(12000);
	get_ok(c, K_MAIN, "k", &r, "k#2");
	cache_release(c, &r);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 3);
	ck_assert_uint_gt(cache_version(c), v);
	v = cache_version(c);

	/* a failed refresh marks the value stale: a change */
	fk_set_fail(-EIO);
	set_clock(13000);
	get_ok(c, K_MAIN, "k", &r, "k#3");
	cache_release(c, &r);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 4);
	ck_assert_uint_gt(cache_version(c), v);
	v = cache_version(c);

	/* failing again while the stale value is still served: no change */
	set_clock(13100);
	get_ok(c, K_MAIN, "k", &r, "k#3");
	cache_release(c, &r);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 5);
	ck_assert_uint_eq(cache_version(c), v);

	/* a key that only fails: the first failure is news, the same one
	 * again after error_ttl is not, another one is */
	{
		struct aws_error err;

		ck_assert_int_eq(cache_get(c, K_MAIN, "bad", &r, &err), -EIO);
		ck_assert_uint_gt(cache_version(c), v);
		v = cache_version(c);
		set_clock(13200);
		ck_assert_int_eq(cache_get(c, K_MAIN, "bad", &r, &err), -EIO);
		ck_assert_int_eq(fk_get(&fk.calls), 7);
		ck_assert_uint_eq(cache_version(c), v);
		fk_set_fail(-EACCES);
		set_clock(13300);
		ck_assert_int_eq(cache_get(c, K_MAIN, "bad", &r, &err),
				 -EACCES);
		ck_assert_uint_gt(cache_version(c), v);
		fk_set_fail(-EIO);
		v = cache_version(c);
	}

	/* the same content again clears the mark: a change too */
	fk_set_fail(0);
	set_clock(13400);
	get_ok(c, K_MAIN, "k", &r, "k#3");
	ck_assert_int_eq(r.stale, 1);
	cache_release(c, &r);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 9);
	ck_assert_uint_gt(cache_version(c), v);
	v = cache_version(c);
	ck_assert_int_eq(cache_peek(c, K_MAIN, "k", &r), 0);
	ck_assert_int_eq(r.stale, 0);
	cache_release(c, &r);

	/* a drop */
	cache_drop_all(c);
	ck_assert_uint_gt(cache_version(c), v);
	free_and_check(c);
}
END_TEST

/* Fetching an evicted key again with the content it had is no change;
 * with other content it is, and the change callback says so. */
START_TEST(test_version_after_eviction)
{
	struct cache_config cfg = base_cfg();
	struct cache *c;
	struct cache_ref r;
	uint64_t v;
	int i;

	kinds[K_MAIN].ttl_ms = 1000000;
	cfg.max_bytes = 200;
	fk.size = 100;
	fk_set_hash(1, 5);
	c = cache_new(&cfg);
	get_ok(c, K_MAIN, "a", &r, "a#1");
	cache_release(c, &r);
	get_ok(c, K_MAIN, "b", &r, "b#2");
	cache_release(c, &r);
	get_ok(c, K_MAIN, "c", &r, "c#3");	/* evicts a */
	cache_release(c, &r);
	ck_assert_uint_eq(stats(c).evictions, 1);
	v = cache_version(c);

	get_ok(c, K_MAIN, "a", &r, "a#4");	/* same content: evicts b */
	cache_release(c, &r);
	ck_assert_uint_eq(stats(c).evictions, 2);
	ck_assert_uint_eq(cache_version(c), v);
	ck_assert_int_eq(fk_get(&fk.changes), 0);

	/* many rounds: the tombs stay bounded and keep working */
	for (i = 0; i < 3000; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i % 7);
		ck_assert_int_eq(cache_get(c, K_MAIN, key, &r, NULL), 0);
		cache_release(c, &r);
	}
	v = cache_version(c);
	get_ok(c, K_MAIN, "b", &r, "b#3005");	/* evicted long ago */
	cache_release(c, &r);
	ck_assert_uint_eq(cache_version(c), v);

	/* other content after an eviction: a change, and news for the tree */
	fk_set_hash(1, 6);
	get_ok(c, K_MAIN, "c", &r, "c#3006");
	cache_release(c, &r);
	ck_assert_uint_gt(cache_version(c), v);
	ck_assert_int_eq(fk_get(&fk.changes), 1);

	/* after a drop nothing is remembered: a first install again */
	cache_drop_all(c);
	v = cache_version(c);
	fk_set_hash(1, 5);
	get_ok(c, K_MAIN, "a", &r, "a#3007");
	cache_release(c, &r);
	ck_assert_uint_gt(cache_version(c), v);
	ck_assert_int_eq(fk_get(&fk.changes), 1);
	free_and_check(c);
}
END_TEST

START_TEST(test_stale)
{
	struct cache_config cfg = base_cfg();
	struct cache *c;
	struct cache_ref r, r6;
	struct aws_error err;
	uint64_t gen;

	kinds[K_MAIN].ttl_ms = 1000;
	kinds[K_MAIN].error_ttl_ms = 200;
	set_clock(10000);
	c = cache_new(&cfg);
	get_ok(c, K_MAIN, "k", &r, "k#1");
	cache_release(c, &r);

	/* expiry: the refresh fails, the value stays, marked stale */
	fk_set_fail(-EIO);
	set_clock(11000);
	get_ok(c, K_MAIN, "k", &r, "k#1");
	ck_assert_int_eq(r.expired, 1);
	ck_assert_int_eq(r.stale, 0);
	cache_release(c, &r);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 2);
	get_ok(c, K_MAIN, "k", &r, "k#1");
	ck_assert_int_eq(r.expired, 1);
	ck_assert_int_eq(r.stale, 1);
	cache_release(c, &r);
	ck_assert_int_eq(cache_peek(c, K_MAIN, "k", &r), 0);
	ck_assert_int_eq(r.stale, 1);
	cache_release(c, &r);

	/* refreshes are retried once per error ttl */
	set_clock(11199);
	get_ok(c, K_MAIN, "k", &r, "k#1");
	cache_release(c, &r);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 2);
	set_clock(11200);
	get_ok(c, K_MAIN, "k", &r, "k#1");
	cache_release(c, &r);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 3);

	/* served until expiry + max_stale - 1 ... */
	set_clock(13999);
	get_ok(c, K_MAIN, "k", &r, "k#1");
	ck_assert_int_eq(r.stale, 1);
	cache_release(c, &r);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 4);
	/* ... then a get fetches and fails with that fetch's error */
	set_clock(14000);
	ck_assert_int_eq(cache_get(c, K_MAIN, "k", &r, &err), -EIO);
	ck_assert_ptr_null(r.data);
	ck_assert_str_eq(err.message, "call 5");
	/* a peek answers with the failure a get would answer with */
	ck_assert_int_eq(cache_peek(c, K_MAIN, "k", &r), -EIO);
	ck_assert_ptr_null(r.data);
	/* cached error */
	ck_assert_int_eq(cache_get(c, K_MAIN, "k", &r, &err), -EIO);
	ck_assert_str_eq(err.message, "call 5");
	ck_assert_int_eq(fk_get(&fk.calls), 5);
	ck_assert_uint_eq(stats(c).errors, 4);
	ck_assert_int_eq(fk_get(&fk.changes), 0);

	/* recovery with other content */
	fk_set_fail(0);
	set_clock(14200);
	get_ok(c, K_MAIN, "k", &r6, "k#6");
	ck_assert_int_eq(r6.stale, 0);
	ck_assert_int_eq(r6.expired, 0);
	ck_assert_int_eq(fk_get(&fk.changes), 1);
	gen = r6.generation;

	/* a failed refresh, then a successful one with the same content:
	 * stale cleared, no change, same generation */
	fk_set_fail(-EIO);
	set_clock(15200);
	get_ok(c, K_MAIN, "k", &r, "k#6");
	cache_release(c, &r);
	cache_wait_idle(c);
	get_ok(c, K_MAIN, "k", &r, "k#6");
	ck_assert_int_eq(r.stale, 1);
	cache_release(c, &r);
	fk_set_fail(0);
	fk_set_hash(1, r6.hash);
	set_clock(15400);
	get_ok(c, K_MAIN, "k", &r, "k#6");
	ck_assert_int_eq(r.stale, 1);
	cache_release(c, &r);
	cache_wait_idle(c);
	get_ok(c, K_MAIN, "k", &r, "k#8");
	ck_assert_int_eq(r.stale, 0);
	ck_assert_int_eq(r.expired, 0);
	ck_assert_uint_eq(r.generation, gen);
	cache_release(c, &r);
	ck_assert_int_eq(fk_get(&fk.changes), 1);

	/* a refresh with other content is a change */
	fk_set_hash(0, 0);
	set_clock(16400);
	get_ok(c, K_MAIN, "k", &r, "k#8");
	cache_release(c, &r);
	cache_wait_idle(c);
	get_ok(c, K_MAIN, "k", &r, "k#9");
	ck_assert_uint_gt(r.generation, gen);
	cache_release(c, &r);
	ck_assert_int_eq(fk_get(&fk.changes), 2);
	ck_assert_str_eq(fk.change_key, "k");
	ck_assert_str_eq(r6.data, "k#6");
	cache_release(c, &r6);
	free_and_check(c);
}
END_TEST

START_TEST(test_error_ttl)
{
	struct cache_config cfg = base_cfg();
	struct cache *c = cache_new(&cfg);
	struct cache_ref r;
	struct aws_error err;

	fk_set_fail(-EACCES);
	ck_assert_int_eq(cache_get(c, K_MAIN, "bad", &r, &err), -EACCES);
	ck_assert_str_eq(err.message, "call 1");
	fk_set_fail(-ENOENT);
	set_clock(1049);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(cache_get(c, K_MAIN, "bad", &r, &err), -EACCES);
	ck_assert_str_eq(err.code, "FakeError13");
	ck_assert_str_eq(err.message, "call 1");
	ck_assert_int_eq(fk_get(&fk.calls), 1);
	/* prefetch does not hammer it either */
	ck_assert_int_eq(cache_prefetch(c, K_MAIN, "bad"), 0);
	ck_assert_uint_eq(stats(c).queued, 0);
	set_clock(1050);
	ck_assert_int_eq(cache_get(c, K_MAIN, "bad", &r, &err), -ENOENT);
	ck_assert_str_eq(err.message, "call 2");
	ck_assert_int_eq(fk_get(&fk.calls), 2);
	fk_set_fail(0);
	set_clock(1100);
	get_ok(c, K_MAIN, "bad", &r, "bad#3");
	cache_release(c, &r);
	ck_assert_uint_eq(stats(c).errors, 2);
	free_and_check(c);
}
END_TEST

START_TEST(test_lru)
{
	struct cache_config cfg = base_cfg();
	struct cache *c;
	struct cache_ref r, pc, pa;
	struct cache_stats s;

	kinds[K_MAIN].ttl_ms = 1000000;
	cfg.max_bytes = 300;
	fk.size = 100;
	c = cache_new(&cfg);
	get_ok(c, K_MAIN, "a", &r, "a#1");
	cache_release(c, &r);
	get_ok(c, K_MAIN, "b", &r, "b#2");
	cache_release(c, &r);
	get_ok(c, K_MAIN, "c", &r, "c#3");
	cache_release(c, &r);
	s = stats(c);
	ck_assert_uint_eq(s.entries, 3);
	ck_assert_uint_eq(s.bytes, 300);
	ck_assert_uint_eq(s.evictions, 0);

	get_ok(c, K_MAIN, "a", &r, "a#1");	/* b is now least recent */
	cache_release(c, &r);
	get_ok(c, K_MAIN, "d", &r, "d#4");
	cache_release(c, &r);
	s = stats(c);
	ck_assert_uint_eq(s.evictions, 1);
	ck_assert_uint_eq(s.bytes, 300);
	ck_assert_int_eq(cache_peek(c, K_MAIN, "b", &r), -ENOENT);
	ck_assert_int_eq(cache_peek(c, K_MAIN, "a", &r), 0);
	cache_release(c, &r);
	ck_assert_int_eq(cache_peek(c, K_MAIN, "c", &r), 0);
	cache_release(c, &r);

	/* evict a pinned value: its memory stays until released */
	get_ok(c, K_MAIN, "c", &pc, "c#3");
	get_ok(c, K_MAIN, "a", &r, "a#1");
	cache_release(c, &r);
	get_ok(c, K_MAIN, "d", &r, "d#4");
	cache_release(c, &r);
	get_ok(c, K_MAIN, "e", &r, "e#5");
	cache_release(c, &r);
	s = stats(c);
	ck_assert_uint_eq(s.evictions, 2);
	ck_assert_uint_eq(s.entries, 3);
	ck_assert_uint_eq(s.bytes, 400);
	ck_assert_int_eq(cache_peek(c, K_MAIN, "c", &r), -ENOENT);
	ck_assert_str_eq(pc.data, "c#3");
	ck_assert_int_eq(fk_get(&fk.frees), 1);		/* b only */
	cache_release(c, &pc);
	ck_assert_uint_eq(stats(c).bytes, 300);
	ck_assert_int_eq(fk_get(&fk.frees), 2);

	/* drop with a pin */
	get_ok(c, K_MAIN, "a", &pa, "a#1");
	cache_drop_all(c);
	s = stats(c);
	ck_assert_uint_eq(s.entries, 0);
	ck_assert_uint_eq(s.bytes, 100);
	ck_assert_str_eq(pa.data, "a#1");
	cache_release(c, &pa);
	ck_assert_uint_eq(stats(c).bytes, 0);
	ck_assert_int_eq(fk_get(&fk.frees), 5);
	ck_assert_int_eq(fk_get(&fk.calls), 5);
	free_and_check(c);
}
END_TEST

/* One value over the cap stays: evicting what was just fetched would
 * only make the next get fetch it again. */
START_TEST(test_lru_oversize)
{
	struct cache_config cfg = base_cfg();
	struct cache *c;
	struct cache_ref r;

	kinds[K_MAIN].ttl_ms = 1000000;
	cfg.max_bytes = 300;
	fk.size = 100;
	c = cache_new(&cfg);
	get_ok(c, K_MAIN, "a", &r, "a#1");
	cache_release(c, &r);
	get_ok(c, K_MAIN, "b", &r, "b#2");
	cache_release(c, &r);
	fk.size = 400;
	get_ok(c, K_MAIN, "big", &r, "big#3");
	cache_release(c, &r);
	ck_assert_uint_eq(stats(c).evictions, 2);
	ck_assert_uint_eq(stats(c).entries, 1);
	ck_assert_uint_eq(stats(c).bytes, 400);
	ck_assert_int_eq(cache_peek(c, K_MAIN, "big", &r), 0);
	cache_release(c, &r);
	free_and_check(c);
}
END_TEST

/* Gets of an expired value queue one refresh while the workers are busy */
START_TEST(test_refresh_dedup)
{
	struct cache_config cfg = base_cfg();
	struct cache *c;
	struct cache_ref r;
	int i;

	cfg.workers = 1;
	c = cache_new(&cfg);
	get_ok(c, K_MAIN, "k", &r, "k#1");
	cache_release(c, &r);
	fk_block(1);
	ck_assert_int_eq(cache_prefetch(c, K_MAIN, "blocker"), 0);
	fk_wait_entered(1);
	set_clock(1100);
	for (i = 0; i < 10; i++) {
		get_ok(c, K_MAIN, "k", &r, "k#1");
		ck_assert_int_eq(r.expired, 1);
		cache_release(c, &r);
	}
	ck_assert_uint_eq(stats(c).queued, 1);
	fk_block(0);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 3);
	get_ok(c, K_MAIN, "k", &r, "k#3");
	cache_release(c, &r);
	free_and_check(c);
}
END_TEST

START_TEST(test_drop_inflight)
{
	struct cache_config cfg = base_cfg();
	struct cache *c;
	struct getter g[2] = { 0 };
	struct cache_ref r;
	int i;

	kinds[K_MAIN].ttl_ms = 1000000;
	c = cache_new(&cfg);
	fk_block(1);
	for (i = 0; i < 2; i++) {
		g[i].c = c;
		g[i].kind = K_MAIN;
		g[i].key = "k";
		ck_assert_int_eq(pthread_create(&g[i].t, NULL, getter_main,
						 &g[i]), 0);
		wait_misses(c, i + 1);
	}
	fk_wait_entered(1);
	cache_drop_all(c);
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_uint_eq(stats(c).fetches_in_flight, 1);
	fk_block(0);
	for (i = 0; i < 2; i++) {
		pthread_join(g[i].t, NULL);
		ck_assert_int_eq(g[i].rc, 0);
		ck_assert_str_eq(g[i].ref.data, "k#1");
	}
	ck_assert_uint_eq(stats(c).fetches_in_flight, 0);
	/* the late result was not installed */
	ck_assert_uint_eq(stats(c).entries, 0);
	ck_assert_int_eq(cache_peek(c, K_MAIN, "k", &r), -ENOENT);
	get_ok(c, K_MAIN, "k", &r, "k#2");
	ck_assert_uint_gt(r.generation, g[0].ref.generation);
	ck_assert_int_eq(fk_get(&fk.calls), 2);
	cache_release(c, &r);
	cache_release(c, &g[0].ref);
	cache_release(c, &g[1].ref);
	cache_drop_all(c);
	ck_assert_uint_eq(stats(c).bytes, 0);
	free_and_check(c);
}
END_TEST

START_TEST(test_prefetch)
{
	struct cache_config cfg = base_cfg();
	struct cache *c;
	struct cache_ref r;
	struct cache_stats s;
	char key[8];
	int i;

	kinds[K_MAIN].ttl_ms = 1000000;
	cfg.workers = 1;
	cfg.max_queue = 3;
	c = cache_new(&cfg);
	fk_block(1);
	ck_assert_int_eq(cache_prefetch(c, K_MAIN, "p0"), 0);
	fk_wait_entered(1);
	s = stats(c);
	ck_assert_uint_eq(s.queued, 0);
	ck_assert_uint_eq(s.fetches_in_flight, 1);
	/* in flight: deduplicated */
	ck_assert_int_eq(cache_prefetch(c, K_MAIN, "p0"), 0);
	ck_assert_uint_eq(stats(c).queued, 0);
	for (i = 1; i <= 3; i++) {
		snprintf(key, sizeof(key), "p%d", i);
		ck_assert_int_eq(cache_prefetch(c, K_MAIN, key), 0);
	}
	ck_assert_uint_eq(stats(c).queued, 3);
	/* queued: deduplicated; full: refused */
	ck_assert_int_eq(cache_prefetch(c, K_MAIN, "p1"), 0);
	ck_assert_int_eq(cache_prefetch(c, K_MAIN, "p4"), -EAGAIN);
	ck_assert_uint_eq(stats(c).queued, 3);
	fk_block(0);
	cache_wait_idle(c);
	s = stats(c);
	ck_assert_uint_eq(s.queued, 0);
	ck_assert_uint_eq(s.fetches_in_flight, 0);
	ck_assert_uint_eq(s.refreshes, 4);
	ck_assert_uint_eq(s.entries, 4);
	ck_assert_int_eq(fk_get(&fk.calls), 4);
	/* fresh: nothing to do */
	ck_assert_int_eq(cache_prefetch(c, K_MAIN, "p1"), 0);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 4);
	ck_assert_int_eq(cache_get(c, K_MAIN, "p1", &r, NULL), 0);
	ck_assert_str_eq(r.data, "p1#2");
	cache_release(c, &r);
	ck_assert_int_eq(cache_peek(c, K_MAIN, "p4", &r), -ENOENT);
	s = stats(c);
	ck_assert_uint_eq(s.hits, 1);
	ck_assert_uint_eq(s.misses, 0);
	free_and_check(c);
}
END_TEST

/* Stress: real clock, 1 ms TTL, random faults */
static int s_calls, s_fails, s_allocs, s_frees, s_gets;

static int stress_fetch(void *ctx, int kind, const char *key, void **data,
			size_t *size, uint64_t *hash, struct aws_error *err)
{
	int n = __atomic_add_fetch(&s_calls, 1, __ATOMIC_SEQ_CST);
	struct timespec ts = { 0, (n % 7) * 20000 };
	char *v;

	nanosleep(&ts, NULL);	/* a network round trip, roughly */
	if (n % 10 == 0) {
		__atomic_add_fetch(&s_fails, 1, __ATOMIC_SEQ_CST);
		err->err = EIO;
		snprintf(err->code, sizeof(err->code), "Flaky");
		return -EIO;
	}
	v = malloc(64);
	if (!v)
		return -ENOMEM;
	snprintf(v, 64, "%d/%s", kind, key);
	*data = v;
	*size = 100;
	*hash = n % 3;
	__atomic_add_fetch(&s_allocs, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void stress_free(void *ctx, int kind, void *data)
{
	memset(data, 'X', 64);
	free(data);
	__atomic_add_fetch(&s_frees, 1, __ATOMIC_SEQ_CST);
}

static int s_changes;

static void stress_change(void *ctx, int kind, const char *key)
{
	ck_assert_ptr_nonnull(key);
	__atomic_add_fetch(&s_changes, 1, __ATOMIC_SEQ_CST);
}

static uint64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *stress_main(void *arg)
{
	struct cache *c = arg;
	unsigned seed = (unsigned)(uintptr_t)&seed;
	struct cache_ref pins[4] = { 0 }, r;
	char pin_want[4][32] = { { 0 } };
	uint64_t end = real_ms() + 2000;
	struct aws_error err;
	char key[16], want[32];
	int gets = 0, op, kind, rc, i;

	while (real_ms() < end) {
		op = rand_r(&seed) % 1000;
		kind = rand_r(&seed) % 3;
		snprintf(key, sizeof(key), "s%d", rand_r(&seed) % 50);
		snprintf(want, sizeof(want), "%d/%s", kind, key);
		if (op < 700) {
			i = rand_r(&seed) % 4;
			cache_release(c, &pins[i]);
			rc = cache_get(c, kind, key, &pins[i], &err);
			gets++;
			if (rc == 0) {
				ck_assert_str_eq(pins[i].data, want);
				strcpy(pin_want[i], want);
			} else
				ck_assert_msg(rc == -EIO &&
					      !strcmp(err.code, "Flaky"),
					      "get: %d %s", rc, err.code);
		} else if (op < 900) {
			rc = cache_prefetch(c, kind, key);
			ck_assert(rc == 0 || rc == -EAGAIN);
		} else if (op < 998) {
			if (cache_peek(c, kind, key, &r) == 0) {
				ck_assert_str_eq(r.data, want);
				cache_release(c, &r);
			}
		} else {
			cache_drop_all(c);
		}
		for (i = 0; i < 4; i++)
			if (pins[i].data)
				ck_assert_str_eq(pins[i].data,
						 pin_want[i]);
	}
	for (i = 0; i < 4; i++)
		cache_release(c, &pins[i]);
	__atomic_add_fetch(&s_gets, gets, __ATOMIC_SEQ_CST);
	return NULL;
}

START_TEST(test_stress)
{
	/* "two" has a lane of its own: jobs of both lanes interleave */
	struct cache_kind sk[3] = {
		{ .name = "one", .ttl_ms = 1, .error_ttl_ms = 1 },
		{ .name = "zero", .ttl_ms = 0, .error_ttl_ms = 1 },
		{ .name = "two", .ttl_ms = 1, .error_ttl_ms = 1, .lane = 1 },
	};
	struct cache_config cfg = {
		.kinds = sk,
		.nkinds = 3,
		.fetch = stress_fetch,
		.free_data = stress_free,
		.on_change = stress_change,
		.max_bytes = 2000,
		.max_stale_ms = 5,
		.workers = 4,
		.max_queue = 64,
	};
	struct cache *c = cache_new(&cfg);
	pthread_t t[16];
	struct cache_stats s;
	int i;

	ck_assert_ptr_nonnull(c);
	for (i = 0; i < 16; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, stress_main, c),
				 0);
	for (i = 0; i < 16; i++)
		pthread_join(t[i], NULL);
	cache_wait_idle(c);
	s = stats(c);
	fprintf(stderr, "stress: %d gets, %d fetches (%d failed), "
		"hits %lu stale %lu misses %lu refreshes %lu evictions %lu "
		"entries %lu bytes %lu changes %d\n", s_gets, s_calls, s_fails,
		(unsigned long)s.hits, (unsigned long)s.stale_serves,
		(unsigned long)s.misses, (unsigned long)s.refreshes,
		(unsigned long)s.evictions, (unsigned long)s.entries,
		(unsigned long)s.bytes, s_changes);
	ck_assert_uint_eq(s.hits + s.stale_serves + s.misses, s_gets);
	ck_assert_uint_eq(s.errors, s_fails);
	ck_assert_uint_le(s.refreshes, s_calls);
	ck_assert_uint_le(s_calls, s.misses + s.refreshes);
	ck_assert_uint_eq(s.fetches_in_flight, 0);
	ck_assert_uint_eq(s.queued, 0);
	/* over the cap by at most what refreshes kept while skipped */
	ck_assert_uint_le(s.bytes, 2000 + 100 * (16 + 4 + 1));
	ck_assert_uint_eq(s.bytes, (uint64_t)(s_allocs - s_frees) * 100);
	ck_assert_uint_gt(s.evictions, 0);
	ck_assert_uint_gt(s.refreshes, 0);
	cache_drop_all(c);
	s = stats(c);
	ck_assert_uint_eq(s.entries, 0);
	ck_assert_uint_eq(s.bytes, 0);
	cache_free(c);
	ck_assert_int_eq(s_allocs, s_frees);
}
END_TEST

/* Lanes: three kinds, each in a lane of its own */
static const struct cache_kind three_lanes[3] = {
	{ .name = "l0", .ttl_ms = 1000000, .error_ttl_ms = 50, .lane = 0 },
	{ .name = "l1", .ttl_ms = 1000000, .error_ttl_ms = 50, .lane = 1 },
	{ .name = "l2", .ttl_ms = 1000000, .error_ttl_ms = 50, .lane = 2 },
};

static struct cache_config lanes_cfg(const struct cache_kind *k, int n,
				      int workers)
{
	struct cache_config cfg = base_cfg();

	cfg.kinds = k;
	cfg.nkinds = n;
	cfg.workers = workers;
	return cfg;
}

/* Whether (kind, key) gets cached within ms milliseconds */
static int wait_cached(struct cache *c, int kind, const char *key, int ms)
{
	struct timespec ts = { 0, 1000000 };
	uint64_t end = real_ms() + (uint64_t)ms;
	struct cache_ref r;

	for (;;) {
		if (cache_peek(c, kind, key, &r) == 0) {
			cache_release(c, &r);
			return 1;
		}
		if (real_ms() >= end)
			return 0;
		nanosleep(&ts, NULL);
	}
}

static void prefetch_n(struct cache *c, int kind, const char *prefix, int n)
{
	char key[16];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%d", prefix, i);
		ck_assert_int_eq(cache_prefetch(c, kind, key), 0);
	}
}

static void assert_cached_n(struct cache *c, int kind, const char *prefix,
			    int n)
{
	struct cache_ref r;
	char key[16];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%d", prefix, i);
		ck_assert_msg(cache_peek(c, kind, key, &r) == 0, "%s missing",
			      key);
		cache_release(c, &r);
	}
}

enum { L_ORG, L_MEMBER };

/* Two workers per lane sit in five blocked "org" fetches (the
 * Organizations token bucket); one "member" key is prefetched.  @return
 * whether the member key was fetched within wait_ms while the org fetches
 * were still held.  Everything completes once they are released. */
static int run_starvation(int member_lane, int wait_ms)
{
	struct cache_kind lk[2] = {
		[L_ORG] = { .name = "org", .ttl_ms = 1000000,
			    .error_ttl_ms = 50, .lane = 0 },
		[L_MEMBER] = { .name = "member", .ttl_ms = 1000000,
			       .error_ttl_ms = 50, .lane = member_lane },
	};
	struct cache_config cfg = lanes_cfg(lk, 2, 2);
	struct cache *c = cache_new(&cfg);
	struct cache_stats s;
	uint64_t t0;
	int done;

	ck_assert_ptr_nonnull(c);
	fk_block_kinds(1u << L_ORG);
	prefetch_n(c, L_ORG, "o", 5);
	fk_wait_entered(2);
	ck_assert_uint_eq(stats(c).queued, 3);
	t0 = real_ms();
	ck_assert_int_eq(cache_prefetch(c, L_MEMBER, "m"), 0);
	done = wait_cached(c, L_MEMBER, "m", wait_ms);
	fprintf(stderr, "starvation, member lane %d: member key %s after "
		"%lu ms\n", member_lane, done ? "fetched" : "still waiting",
		(unsigned long)(real_ms() - t0));
	/* the org fetches are still held: only they and the member key ran */
	ck_assert_int_eq(fk_get(&fk.entered), 2);
	ck_assert_int_eq(fk_get(&fk.calls), done ? 3 : 2);
	ck_assert_uint_eq(stats(c).queued, done ? 3 : 4);

	fk_block(0);
	cache_wait_idle(c);
	s = stats(c);
	ck_assert_uint_eq(s.queued, 0);
	ck_assert_uint_eq(s.fetches_in_flight, 0);
	ck_assert_uint_eq(s.refreshes, 6);
	ck_assert_int_eq(fk_get(&fk.calls), 6);
	assert_cached_n(c, L_ORG, "o", 5);
	ck_assert_int_eq(wait_cached(c, L_MEMBER, "m", 0), 1);
	free_and_check(c);
	return done;
}

/* A lane whose workers are all blocked does not hold up another lane */
START_TEST(test_lanes_no_starvation)
{
	ck_assert_msg(run_starvation(1, 10000),
		      "lane 1 job starved behind blocked lane 0");
}
END_TEST

/* The same with one lane: the member key waits behind the blocked org
 * jobs until they are released, which is what lanes are for. */
START_TEST(test_one_lane_starves)
{
	ck_assert_msg(!run_starvation(0, 300),
		      "member job ran while every worker was blocked");
}
END_TEST

struct idle_waiter {
	pthread_t t;
	struct cache *c;
	int done;
};

static void *idle_waiter_main(void *arg)
{
	struct idle_waiter *w = arg;

	cache_wait_idle(w->c);
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

START_TEST(test_lanes_wait_idle)
{
	struct cache_config cfg = lanes_cfg(three_lanes, 3, 1);
	struct cache *c = cache_new(&cfg);
	struct idle_waiter w = { .c = c };
	struct cache_stats s;
	int i;

	ck_assert_ptr_nonnull(c);
	fk_block(1);
	prefetch_n(c, 0, "a", 2);
	prefetch_n(c, 1, "b", 2);
	prefetch_n(c, 2, "c", 2);
	/* one worker per lane: three fetches at once */
	fk_wait_entered(3);
	ck_assert_uint_eq(stats(c).queued, 3);

	/* lanes 0 and 1 finish, lane 2 stays held with one job queued */
	fk_block_kinds(1u << 2);
	ck_assert(wait_cached(c, 0, "a1", 10000));
	ck_assert(wait_cached(c, 1, "b1", 10000));
	s = stats(c);
	ck_assert_uint_eq(s.queued, 1);
	ck_assert_uint_eq(s.fetches_in_flight, 1);
	ck_assert_int_eq(pthread_create(&w.t, NULL, idle_waiter_main, &w), 0);
	/* bounded look for a wrong early return: lane 2 is not idle */
	for (i = 0; i < 200; i++) {
		struct timespec ts = { 0, 1000000 };

		ck_assert_int_eq(__atomic_load_n(&w.done, __ATOMIC_SEQ_CST),
				 0);
		nanosleep(&ts, NULL);
	}
	fk_block(0);
	pthread_join(w.t, NULL);
	ck_assert_int_eq(w.done, 1);
	/* nothing left once it returned */
	s = stats(c);
	ck_assert_uint_eq(s.queued, 0);
	ck_assert_uint_eq(s.fetches_in_flight, 0);
	ck_assert_int_eq(fk_get(&fk.calls), 6);
	assert_cached_n(c, 2, "c", 2);
	free_and_check(c);
}
END_TEST

static void *free_main(void *arg)
{
	cache_free(arg);
	return NULL;
}

/* drop_all and cache_free with jobs queued in every lane and fetches held
 * in every lane: nothing leaks, nothing hangs, queued jobs do not run */
START_TEST(test_lanes_drop_free)
{
	struct cache_config cfg = lanes_cfg(three_lanes, 3, 1);
	struct cache *c = cache_new(&cfg);
	struct cache_stats s;
	char key[16];
	pthread_t t;
	uint64_t end;
	int i, k;

	ck_assert_ptr_nonnull(c);
	fk_block(1);
	for (k = 0; k < 3; k++)
		prefetch_n(c, k, "x", 3);
	fk_wait_entered(3);
	s = stats(c);
	ck_assert_uint_eq(s.queued, 6);
	ck_assert_uint_eq(s.entries, 9);

	cache_drop_all(c);
	s = stats(c);
	ck_assert_uint_eq(s.queued, 0);
	ck_assert_uint_eq(s.entries, 0);
	ck_assert_uint_eq(s.fetches_in_flight, 3);

	for (k = 0; k < 3; k++)
		prefetch_n(c, k, "y", 2);
	ck_assert_uint_eq(stats(c).queued, 6);

	/* cache_free cannot pass its joins while the fetches are held, so
	 * c stays valid; a refused prefetch shows it is stopping */
	ck_assert_int_eq(pthread_create(&t, NULL, free_main, c), 0);
	end = real_ms() + 10000;
	for (i = 0;; i++) {
		struct timespec ts = { 0, 1000000 };

		/* a new key each time: a queued one is not enqueued again */
		snprintf(key, sizeof(key), "probe%d", i);
		if (cache_prefetch(c, 1, key) == -EAGAIN)
			break;
		ck_assert_uint_lt(real_ms(), end);
		nanosleep(&ts, NULL);
	}
	fk_block(0);
	pthread_join(t, NULL);
	/* only the three held fetches ran, their late results freed */
	ck_assert_int_eq(fk_get(&fk.calls), 3);
	ck_assert_int_eq(fk_get(&fk.allocs), 3);
	ck_assert_int_eq(fk_get(&fk.frees), 3);
}
END_TEST

/* max_queue bounds the jobs of all lanes together */
START_TEST(test_lanes_max_queue)
{
	struct cache_config cfg = lanes_cfg(three_lanes, 2, 1);
	struct cache *c;

	cfg.max_queue = 3;
	c = cache_new(&cfg);
	ck_assert_ptr_nonnull(c);
	fk_block(1);
	ck_assert_int_eq(cache_prefetch(c, 0, "a0"), 0);
	ck_assert_int_eq(cache_prefetch(c, 1, "b0"), 0);
	fk_wait_entered(2);
	ck_assert_int_eq(cache_prefetch(c, 0, "a1"), 0);
	ck_assert_int_eq(cache_prefetch(c, 0, "a2"), 0);
	ck_assert_int_eq(cache_prefetch(c, 1, "b1"), 0);
	ck_assert_uint_eq(stats(c).queued, 3);
	ck_assert_int_eq(cache_prefetch(c, 1, "b2"), -EAGAIN);
	ck_assert_int_eq(cache_prefetch(c, 0, "a3"), -EAGAIN);
	ck_assert_uint_eq(stats(c).queued, 3);
	/* refused keys leave no node behind */
	ck_assert_uint_eq(stats(c).entries, 5);
	fk_block(0);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 5);
	assert_cached_n(c, 0, "a", 3);
	assert_cached_n(c, 1, "b", 2);
	ck_assert_int_eq(cache_prefetch(c, 1, "b2"), 0);
	cache_wait_idle(c);
	ck_assert_int_eq(fk_get(&fk.calls), 6);
	free_and_check(c);
}
END_TEST

static void *noop_main(void *arg)
{
	return arg;
}

static int thread_count(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* Workers only for the lanes used; a lane out of range is refused */
START_TEST(test_lanes_threads)
{
	struct cache_kind lk[2] = {
		{ .name = "a", .ttl_ms = 1000000, .error_ttl_ms = 50 },
		{ .name = "b", .ttl_ms = 1000000, .error_ttl_ms = 50,
		  .lane = CACHE_MAX_LANES - 1 },
	};
	struct cache_config cfg = lanes_cfg(lk, 2, 3);
	struct cache *c;
	pthread_t t;
	int before;

	/* sanitizer runtimes start a thread of their own with the first
	 * pthread_create: count from after one */
	ck_assert_int_eq(pthread_create(&t, NULL, noop_main, NULL), 0);
	pthread_join(t, NULL);
	before = thread_count();
	c = cache_new(&cfg);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(thread_count(), before + 6);
	ck_assert_int_eq(cache_prefetch(c, 1, "k"), 0);
	cache_wait_idle(c);
	ck_assert_int_eq(wait_cached(c, 1, "k", 0), 1);
	free_and_check(c);
	ck_assert_int_eq(thread_count(), before);

	lk[1].lane = 0;
	c = cache_new(&cfg);
	ck_assert_int_eq(thread_count(), before + 3);
	cache_free(c);

	lk[1].lane = CACHE_MAX_LANES;
	ck_assert_ptr_null(cache_new(&cfg));
	lk[1].lane = -1;
	ck_assert_ptr_null(cache_new(&cfg));
}
END_TEST

static Suite *cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("core");
	TCase *ts = tcase_create("stress");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ttl_boundary);
	tcase_add_test(tc, test_ttl_zero);
	tcase_add_test(tc, test_single_flight);
	tcase_add_test(tc, test_single_flight_error);
	tcase_add_test(tc, test_single_flight_ttl_zero);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_version_after_eviction);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_error_ttl);
	tcase_add_test(tc, test_lru);
	tcase_add_test(tc, test_lru_oversize);
	tcase_add_test(tc, test_refresh_dedup);
	tcase_add_test(tc, test_drop_inflight);
	tcase_add_test(tc, test_prefetch);
	tcase_add_test(tc, test_lanes_no_starvation);
	tcase_add_test(tc, test_one_lane_starves);
	tcase_add_test(tc, test_lanes_wait_idle);
	tcase_add_test(tc, test_lanes_drop_free);
	tcase_add_test(tc, test_lanes_max_queue);
	tcase_add_test(tc, test_lanes_threads);
	suite_add_tcase(s, tc);

	tcase_set_timeout(ts, 60);
	tcase_add_test(ts, test_stress);
	suite_add_tcase(s, ts);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
