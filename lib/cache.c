/* cache.c - TTL cache of immutable values with single flight
 *
 * One mutex (c->lock) protects the table, the LRU list, the job queues,
 * every node, every flight and the reference counts of the values.  It is
 * never held while the fetch function or free_data or on_change runs.
 *
 * Background jobs go to the queue of their kind's lane; each lane in use
 * has its own workers waiting on its own condition variable, so a job is
 * only ever taken by a worker of its lane.  The queue bound, the busy
 * count and the idle condition are shared by all lanes.
 *
 * A node is one (kind, key) of the table.  Its value is a refcounted
 * holder (struct cache_entry) so a reader's pin outlives a refresh, an
 * eviction or a drop.  A fetch in progress is a struct flight hung on the
 * node: callers of the same key wait on the flight's condition variable
 * and take its result, whether or not that result was installed.  A node
 * unlinked while its flight runs (cache_drop_all) is orphaned: the fetch
 * completes, hands its result to the waiters, installs nothing, and the
 * fetching thread frees the node.  This is what sshfs's write counter
 * does for a whole cache, per node.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "hash.h"
#include "memtrim.h"

#define CACHE_DEFAULT_ERROR_TTL_MS	5000
#define CACHE_DEFAULT_WORKERS		4
#define CACHE_DEFAULT_MAX_QUEUE		100000
#define CACHE_MIN_BUCKETS		256

enum node_state {
	NODE_NONE = 0,		/* never fetched (or fetch pending) */
	NODE_OK,		/* val is set */
	NODE_ERROR,		/* err is set, val is NULL */
};

/* A value.  The table holds one reference while linked, every pin and
 * every flight result holds one; refs is protected by c->lock. */
struct cache_entry {
	int refs;
	int kind;
	void *data;
	size_t size;
	uint64_t hash;
	uint64_t generation;
	time_t fetched;
	struct cache_entry *next_free;	/* deferred free list */
};

struct flight {
	int refs;			/* fetcher + waiters */
	int done;
	int rc;
	struct aws_error err;
	struct cache_entry *val;	/* result, one reference */
	pthread_cond_t cond;
};

struct cache_node {
	/* pointers and 64-bit fields first, then the ints: no padding (a
	 * node per cached key, hundreds of thousands of them) */
	struct cache_node *hnext;
	struct cache_node *lru_prev, *lru_next;	/* head: most recent */
	uint64_t khash;
	struct cache_entry *val;
	uint64_t fetched_ms;		/* monotonic time of val's fetch */
	/* last failure, NULL: none; out of line, since most nodes never
	 * fail and an aws_error is most of a node's size */
	struct aws_error *err;
	uint64_t err_ms;		/* monotonic time of the last failure */
	uint64_t last_hash;
	uint64_t last_gen;
	struct flight *flight;		/* fetch in progress */
	/* a byte each: the key then starts at 94, and a node with a
	 * resource slice's key ("<account>/<region>") is a 128-byte malloc
	 * chunk, not 144 (cache_new: at most 256 kinds) */
	unsigned char kind;
	unsigned char state;		/* enum node_state */
	unsigned char linked;
	unsigned char stale;		/* last refresh of val failed */
	unsigned char has_hash;		/* last_hash/last_gen are meaningful */
	unsigned char queued;		/* a background job is pending */
	char key[];
};

struct job {
	struct job *next;
	int kind;
	char key[];
};

struct kind_cfg {
	uint64_t ttl_ms;
	uint64_t error_ttl_ms;
	int lane;
};

/* What an evicted key held, so that fetching it again with the same
 * content is not a change (cache_version, on_change): with a cap below
 * the data, evictions and refetches go on all the time and would
 * otherwise throw away every rendering made from them. */
struct tomb {
	uint64_t khash;			/* 0: free slot */
	uint64_t hash;
	uint64_t gen;
};

#define TOMBS_MIN 1024
#define TOMBS_MAX ((size_t)1 << 18)	/* 6 MiB; then forgotten */

struct lane {
	struct cache *c;
	struct job *q_head, *q_tail;
	pthread_cond_t work_cond;
	pthread_t *threads;
	int nthreads;
	int used;			/* some kind is in this lane */
};

struct cache {
	pthread_mutex_t lock;
	struct cache_config cfg;
	struct kind_cfg *kinds;		/* protected by lock */

	struct cache_node **buckets;
	size_t nbuckets;
	uint64_t entries;
	struct cache_node *lru_head, *lru_tail;
	size_t table_bytes;		/* values held by linked nodes */
	uint64_t bytes;			/* every live value, pinned or not */
	uint64_t gen_ctr;

	struct lane lanes[CACHE_MAX_LANES];
	int qlen;			/* jobs queued, every lane */
	int busy;			/* workers running a job, every lane */
	int stopping;
	pthread_cond_t idle_cond;

	uint64_t version;		/* what readers see changed (atomic
					   reads, writes under lock) */
	struct tomb *tombs;		/* content hashes of evicted keys */
	size_t ntombs, captombs;	/* captombs: power of two or 0 */
	uint64_t hits, misses, stale_serves, refreshes, evictions, errors;
	uint64_t in_flight;
};

/* Work to do after the lock is dropped */
struct deferred {
	struct cache_entry *free_list;
	int changed;
	int changed_kind;
	char *changed_key;
};

static uint64_t default_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static time_t default_wall_clock(void)
{
	return time(NULL);
}

static void fill_error(struct aws_error *e, int err, const char *code,
		       const char *msg)
{
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->err = err;
	snprintf(e->code, sizeof(e->code), "%s", code);
	snprintf(e->message, sizeof(e->message), "%s", msg);
}

/* What a node answers when the record of its failure could not be
 * allocated: the errno is ENOMEM, not the failure's */
static const struct aws_error node_err_nomem = {
	.code = "OutOfMemory",
	.message = "cannot allocate the record of a failed fetch",
	.err = ENOMEM,
};

/* n's last failure (lock held), or an all-zero one */
static const struct aws_error *node_err(const struct cache_node *n)
{
	static const struct aws_error none;

	return n->err ? n->err : &none;
}

static void node_err_clear(struct cache_node *n)
{
	if (n->err != &node_err_nomem)
		free(n->err);
	n->err = NULL;
}

static void node_err_set(struct cache_node *n, const struct aws_error *err)
{
	if (!n->err || n->err == &node_err_nomem)
		n->err = malloc(sizeof(*n->err));
	if (n->err)
		*n->err = *err;
	else
		n->err = (struct aws_error *)&node_err_nomem;
}

static void node_free(struct cache_node *n)
{
	node_err_clear(n);
	free(n);
}

_Static_assert(sizeof(struct cache_node) + sizeof(struct cache_entry) + 32 <=
	       CACHE_KEY_BYTES, "CACHE_KEY_BYTES covers a node and an entry");

static uint64_t key_hash(int kind, const char *key)
{
	/* the seed is not FNV's offset basis (a digit short): kept, so
	 * that the table's layout is as it was */
	return hash_fnv1a_more(1469598103934665603ULL ^ (uint64_t)(unsigned)kind,
			       key, strlen(key));
}

static void entry_unref(struct cache *c, struct cache_entry *v,
			struct deferred *d)
{
	if (!v || --v->refs > 0)
		return;
	c->bytes -= v->size;
	v->next_free = d->free_list;
	d->free_list = v;
}

static void flight_unref(struct cache *c, struct flight *f,
			 struct deferred *d)
{
	if (--f->refs > 0)
		return;
	entry_unref(c, f->val, d);
	pthread_cond_destroy(&f->cond);
	free(f);
}

/* Drop the lock, then free values and report a change. */
static void unlock_and_run(struct cache *c, struct deferred *d)
{
	struct cache_entry *v, *next;
	size_t freed = 0;

	pthread_mutex_unlock(&c->lock);
	for (v = d->free_list; v; v = next) {
		next = v->next_free;
		freed += v->size;
		if (v->data && c->cfg.free_data)
			c->cfg.free_data(c->cfg.ctx, v->kind, v->data);
		free(v);
	}
	d->free_list = NULL;
	memtrim_freed(freed);
	if (d->changed && c->cfg.on_change)
		c->cfg.on_change(c->cfg.ctx, d->changed_kind, d->changed_key);
	free(d->changed_key);
	d->changed_key = NULL;
	d->changed = 0;
}

static uint64_t kind_ttl(struct cache *c, int kind)
{
	return c->kinds[kind].ttl_ms;
}

static uint64_t kind_error_ttl(struct cache *c, int kind)
{
	return c->kinds[kind].error_ttl_ms;
}

static int node_fresh(struct cache *c, struct cache_node *n, uint64_t now)
{
	return n->state == NODE_OK &&
		now < n->fetched_ms + kind_ttl(c, n->kind);
}

/* A recorded failure still answers for the key (or holds back retries of
 * a stale value's refresh). */
static int node_error_current(struct cache *c, struct cache_node *n,
			      uint64_t now)
{
	if (n->state == NODE_ERROR ||
	    (n->state == NODE_OK && n->stale))
		return now < n->err_ms + kind_error_ttl(c, n->kind);
	return 0;
}

/* An expired value may still be served: always while its refresh has not
 * failed, until max_stale_ms past expiry once it has. */
static int node_servable(struct cache *c, struct cache_node *n, uint64_t now)
{
	if (n->state != NODE_OK)
		return 0;
	if (!n->stale)
		return 1;
	return now < n->fetched_ms + kind_ttl(c, n->kind) +
		c->cfg.max_stale_ms;
}

static void lru_remove(struct cache *c, struct cache_node *n)
{
	if (n->lru_prev)
		n->lru_prev->lru_next = n->lru_next;
	else
		c->lru_head = n->lru_next;
	if (n->lru_next)
		n->lru_next->lru_prev = n->lru_prev;
	else
		c->lru_tail = n->lru_prev;
	n->lru_prev = n->lru_next = NULL;
}

static void lru_push_head(struct cache *c, struct cache_node *n)
{
	n->lru_prev = NULL;
	n->lru_next = c->lru_head;
	if (c->lru_head)
		c->lru_head->lru_prev = n;
	c->lru_head = n;
	if (!c->lru_tail)
		c->lru_tail = n;
}

static void lru_touch(struct cache *c, struct cache_node *n)
{
	if (c->lru_head == n)
		return;
	lru_remove(c, n);
	lru_push_head(c, n);
}

static struct cache_node *node_lookup(struct cache *c, int kind,
				      const char *key, uint64_t h)
{
	struct cache_node *n;

	for (n = c->buckets[h & (c->nbuckets - 1)]; n; n = n->hnext)
		if (n->khash == h && n->kind == kind && !strcmp(n->key, key))
			return n;
	return NULL;
}

static void table_grow(struct cache *c)
{
	size_t nb = c->nbuckets * 2, i;
	struct cache_node **b, *n, *next;

	b = calloc(nb, sizeof(*b));
	if (!b)
		return;		/* longer chains, still correct */
	for (i = 0; i < c->nbuckets; i++) {
		for (n = c->buckets[i]; n; n = next) {
			next = n->hnext;
			n->hnext = b[n->khash & (nb - 1)];
			b[n->khash & (nb - 1)] = n;
		}
	}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = nb;
}

static struct cache_node *node_create(struct cache *c, int kind,
				      const char *key, uint64_t h)
{
	size_t klen = strlen(key);
	struct cache_node *n;
	size_t b;

	n = calloc(1, offsetof(struct cache_node, key) + klen + 1);
	if (!n)
		return NULL;
	memcpy(n->key, key, klen + 1);
	n->kind = kind;
	n->khash = h;
	n->linked = 1;
	if (c->entries >= c->nbuckets)
		table_grow(c);
	b = h & (c->nbuckets - 1);
	n->hnext = c->buckets[b];
	c->buckets[b] = n;
	lru_push_head(c, n);
	c->entries++;
	return n;
}

/* Take n out of the table.  A node whose fetch is running is left to the
 * fetching thread to free. */
static void node_unlink(struct cache *c, struct cache_node *n,
			struct deferred *d)
{
	struct cache_node **pp;

	for (pp = &c->buckets[n->khash & (c->nbuckets - 1)]; *pp;
	     pp = &(*pp)->hnext) {
		if (*pp == n) {
			*pp = n->hnext;
			break;
		}
	}
	lru_remove(c, n);
	c->entries--;
	n->linked = 0;
	if (n->val) {
		c->table_bytes -= n->val->size;
		entry_unref(c, n->val, d);
		n->val = NULL;
	}
	if (!n->flight)
		node_free(n);
}

static size_t tomb_slot(const struct cache *c, uint64_t khash)
{
	size_t i = (size_t)(khash ^ (khash >> 29)) & (c->captombs - 1);

	while (c->tombs[i].khash && c->tombs[i].khash != khash)
		i = (i + 1) & (c->captombs - 1);
	return i;
}

/* Remember n's content as it is evicted (lock held); losing a tomb only
 * costs a change that did not happen. */
static void tomb_put(struct cache *c, const struct cache_node *n)
{
	struct tomb *t;
	size_t i;

	if (!n->has_hash || n->state != NODE_OK || n->stale || !n->khash)
		return;
	if ((c->ntombs + 1) * 2 > c->captombs) {
		size_t ncap = c->captombs ? c->captombs * 2 : TOMBS_MIN, k;
		struct tomb *old = c->tombs, *nt;

		if (ncap > TOMBS_MAX) {
			memset(c->tombs, 0, c->captombs * sizeof(*c->tombs));
			c->ntombs = 0;
			ncap = c->captombs;
		} else if ((nt = calloc(ncap, sizeof(*nt)))) {
			size_t ocap = c->captombs;

			c->tombs = nt;
			c->captombs = ncap;
			c->ntombs = 0;
			for (k = 0; k < ocap; k++) {
				if (!old[k].khash)
					continue;
				c->tombs[tomb_slot(c, old[k].khash)] = old[k];
				c->ntombs++;
			}
			free(old);
		} else if (!c->captombs) {
			return;
		} else {
			memset(c->tombs, 0, c->captombs * sizeof(*c->tombs));
			c->ntombs = 0;
		}
	}
	i = tomb_slot(c, n->khash);
	t = &c->tombs[i];
	if (!t->khash)
		c->ntombs++;
	t->khash = n->khash;
	t->hash = n->last_hash;
	t->gen = n->last_gen;
}

/* Give a node created again after its eviction its old content hash.
 * @return 1 when it had one */
static int tomb_take(struct cache *c, struct cache_node *n)
{
	size_t i, j, k;

	if (!c->ntombs || n->has_hash)
		return 0;
	i = tomb_slot(c, n->khash);
	if (!c->tombs[i].khash)
		return 0;
	n->has_hash = 1;
	n->last_hash = c->tombs[i].hash;
	n->last_gen = c->tombs[i].gen;
	/* delete with backward shift, so probes stay unbroken */
	c->tombs[i].khash = 0;
	c->ntombs--;
	j = i;
	for (;;) {
		j = (j + 1) & (c->captombs - 1);
		if (!c->tombs[j].khash)
			break;
		k = (size_t)(c->tombs[j].khash ^ (c->tombs[j].khash >> 29)) &
		    (c->captombs - 1);
		/* j's entry may move to i if its home is not in (i, j] */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		c->tombs[i] = c->tombs[j];
		c->tombs[j].khash = 0;
		i = j;
	}
	return 1;
}

/* Evict least recently used nodes until the cap holds.  Fetching nodes
 * stay (their flight needs them) and so does keep, the node just
 * installed; pinned values survive in their readers' references. */
static void evict(struct cache *c, struct cache_node *keep, struct deferred *d)
{
	struct cache_node *n, *prev;

	if (!c->cfg.max_bytes)
		return;
	for (n = c->lru_tail; n && c->table_bytes > c->cfg.max_bytes;
	     n = prev) {
		prev = n->lru_prev;
		/* a node without a value frees nothing; it keeps its
		 * failure, so that failing again is no change */
		if (n == keep || n->flight || !n->val)
			continue;
		tomb_put(c, n);
		node_unlink(c, n, d);
		c->evictions++;
	}
}

static void fill_ref(struct cache_ref *ref, struct cache_entry *v,
		     int stale, int expired)
{
	v->refs++;
	ref->data = v->data;
	ref->entry = v;
	ref->fetched = v->fetched;
	ref->generation = v->generation;
	ref->hash = v->hash;
	ref->stale = stale;
	ref->expired = expired;
	ref->size = v->size;
}

/* Whether a failed fetch of linked n leaves it answering as it did: the
 * same error again, or a stale value still served. */
static int fails_as_before(struct cache *c, const struct cache_node *n,
			   const struct aws_error *err, uint64_t now)
{
	if (n->state == NODE_ERROR)
		return node_err(n)->err == err->err &&
		       !strcmp(node_err(n)->code, err->code);
	return n->state == NODE_OK && n->stale &&
	       now < n->fetched_ms + kind_ttl(c, n->kind) +
	       c->cfg.max_stale_ms;
}

/* Record the outcome of n's fetch (lock held): install it unless n was
 * unlinked meanwhile or its kind keeps nothing, then wake the waiters. */
static void fetch_done(struct cache *c, struct cache_node *n,
		       struct flight *f, int rc, struct cache_entry *v,
		       const struct aws_error *err, struct deferred *d)
{
	uint64_t now = c->cfg.clock_ms();
	int back, visible;

	/* A refresh that brings the same content to a value that was not
	 * stale changes nothing a reader sees: renderings made from the old
	 * value stay right (cache_version).  Nor does fetching again the
	 * same content of an evicted key, or failing again as the key
	 * already answers (the same error, or a stale value still served).
	 * Anything else does. */
	back = rc == 0 && n->linked && tomb_take(c, n);
	if (!n->linked || kind_ttl(c, n->kind) == 0)
		visible = 1;
	else if (rc)
		visible = !fails_as_before(c, n, err, now);
	else
		visible = !n->has_hash || n->last_hash != v->hash ||
			  n->stale || (n->state != NODE_OK && !back);
	if (visible)
		__atomic_add_fetch(&c->version, 1, __ATOMIC_RELEASE);
	f->rc = rc;
	if (rc)
		f->err = *err;
	f->val = v;
	if (v)
		c->bytes += v->size;
	if (rc)
		c->errors++;

	if (n->linked && kind_ttl(c, n->kind) == 0) {
		n->flight = NULL;	/* keep node_unlink from leaving it */
		node_unlink(c, n, d);
		n = NULL;
	} else if (n->linked && rc == 0) {
		if (!n->has_hash || n->last_hash != v->hash) {
			if (n->has_hash && c->cfg.on_change) {
				d->changed = 1;
				d->changed_kind = n->kind;
				d->changed_key = strdup(n->key);
				if (!d->changed_key)
					d->changed = 0;
			}
			n->last_gen = ++c->gen_ctr;
			n->last_hash = v->hash;
			n->has_hash = 1;
		}
		v->generation = n->last_gen;
		if (n->val) {
			c->table_bytes -= n->val->size;
			entry_unref(c, n->val, d);
		}
		v->refs++;
		n->val = v;
		c->table_bytes += v->size;
		n->state = NODE_OK;
		n->fetched_ms = now;
		n->stale = 0;
		node_err_clear(n);
		lru_touch(c, n);
		evict(c, n, d);
	} else if (n->linked) {
		/* A failed refresh keeps the value while it may still be
		 * served stale; past that, the key answers the error. */
		if (n->state == NODE_OK &&
		    now < n->fetched_ms + kind_ttl(c, n->kind) +
		    c->cfg.max_stale_ms) {
			n->stale = 1;
		} else {
			if (n->val) {
				c->table_bytes -= n->val->size;
				entry_unref(c, n->val, d);
				n->val = NULL;
			}
			n->state = NODE_ERROR;
			n->stale = 0;
		}
		node_err_set(n, err);
		n->err_ms = now;
	}
	if (v && !v->generation) {
		/* Not kept (dropped meanwhile, or TTL 0): the waiters get
		 * the value, the table does not. */
		v->generation = ++c->gen_ctr;
	}

	if (n)
		n->flight = NULL;
	f->done = 1;
	pthread_cond_broadcast(&f->cond);
	c->in_flight--;
	if (n && !n->linked)
		node_free(n);
}

/* Run the fetch of n (lock held on entry and on return, dropped during
 * the fetch).  n->flight must be NULL.  With result, the flight is
 * returned with a reference for the caller; otherwise NULL. */
static struct flight *run_fetch(struct cache *c, struct cache_node *n,
				int result, struct deferred *d)
{
	struct aws_error err;
	struct cache_entry *v = NULL;
	struct flight *f;
	void *data = NULL;
	size_t size = 0;
	uint64_t hash = 0;
	int rc;

	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	pthread_cond_init(&f->cond, NULL);
	f->refs = result ? 2 : 1;
	n->flight = f;
	c->in_flight++;
	pthread_mutex_unlock(&c->lock);

	/* n->key and n->kind never change; n lives while n->flight is set */
	memset(&err, 0, sizeof(err));
	rc = c->cfg.fetch(c->cfg.ctx, n->kind, n->key, &data, &size, &hash,
			  &err);
	if (rc == 0) {
		v = calloc(1, sizeof(*v));
		if (!v) {
			if (data && c->cfg.free_data)
				c->cfg.free_data(c->cfg.ctx, n->kind, data);
			rc = -ENOMEM;
			fill_error(&err, ENOMEM, "OutOfMemory",
				   "cannot allocate a cache value");
		} else {
			v->refs = 1;
			v->kind = n->kind;
			v->data = data;
			v->size = size;
			v->hash = hash;
			v->fetched = c->cfg.wall_clock();
		}
	} else {
		if (rc > 0)
			rc = -rc;
		if (!err.err)
			err.err = -rc;
	}

	pthread_mutex_lock(&c->lock);
	fetch_done(c, n, f, rc, v, &err, d);
	if (!result) {
		flight_unref(c, f, d);
		return NULL;
	}
	/* the fetcher's reference goes, the caller's stays */
	f->refs--;
	return f;
}

/* Queue a background fetch (lock held).  @return 0 or -EAGAIN, -ENOMEM */
static int enqueue(struct cache *c, struct cache_node *n)
{
	struct lane *l = &c->lanes[c->kinds[n->kind].lane];
	size_t klen = strlen(n->key);
	struct job *j;

	if (c->qlen >= c->cfg.max_queue || c->stopping)
		return -EAGAIN;
	j = malloc(sizeof(*j) + klen + 1);
	if (!j)
		return -ENOMEM;
	j->next = NULL;
	j->kind = n->kind;
	memcpy(j->key, n->key, klen + 1);
	if (l->q_tail)
		l->q_tail->next = j;
	else
		l->q_head = j;
	l->q_tail = j;
	c->qlen++;
	n->queued = 1;
	pthread_cond_signal(&l->work_cond);
	return 0;
}

/* Whether a background job for n has anything to do. */
static int job_needed(struct cache *c, struct cache_node *n, uint64_t now)
{
	if (n->flight || node_fresh(c, n, now) || node_error_current(c, n, now))
		return 0;
	return 1;
}

static void run_job(struct cache *c, struct job *j, struct deferred *d)
{
	uint64_t h = key_hash(j->kind, j->key);
	struct cache_node *n;

	if (kind_ttl(c, j->kind) == 0)
		return;
	n = node_lookup(c, j->kind, j->key, h);
	if (n)
		n->queued = 0;
	else if (!(n = node_create(c, j->kind, j->key, h)))
		return;
	if (!job_needed(c, n, c->cfg.clock_ms()))
		return;
	c->refreshes++;
	run_fetch(c, n, 0, d);
}

static void *worker_main(void *arg)
{
	struct lane *l = arg;
	struct cache *c = l->c;
	struct deferred d = { 0 };
	struct job *j;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!l->q_head && !c->stopping)
			pthread_cond_wait(&l->work_cond, &c->lock);
		if (c->stopping)
			break;
		j = l->q_head;
		l->q_head = j->next;
		if (!l->q_head)
			l->q_tail = NULL;
		c->qlen--;
		c->busy++;
		run_job(c, j, &d);
		/* idle only once on_change and the frees have run */
		unlock_and_run(c, &d);
		free(j);
		pthread_mutex_lock(&c->lock);
		c->busy--;
		if (!c->qlen && !c->busy)
			pthread_cond_broadcast(&c->idle_cond);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void free_queues(struct cache *c)
{
	struct job *j, *next;
	int i;

	for (i = 0; i < CACHE_MAX_LANES; i++) {
		for (j = c->lanes[i].q_head; j; j = next) {
			next = j->next;
			free(j);
		}
		c->lanes[i].q_head = c->lanes[i].q_tail = NULL;
	}
	c->qlen = 0;
}

static void free_table(struct cache *c, struct deferred *d)
{
	size_t i;

	for (i = 0; i < c->nbuckets; i++)
		while (c->buckets[i])
			node_unlink(c, c->buckets[i], d);
}

/* Start the workers of every lane some kind uses.  A lane left without
 * a worker would keep its jobs forever: that fails the whole cache. */
static int start_workers(struct cache *c)
{
	struct lane *l;
	int i, t;

	for (i = 0; i < CACHE_MAX_LANES; i++) {
		l = &c->lanes[i];
		if (!l->used)
			continue;
		l->threads = calloc(c->cfg.workers, sizeof(*l->threads));
		if (!l->threads)
			return -ENOMEM;
		for (t = 0; t < c->cfg.workers; t++) {
			if (pthread_create(&l->threads[t], NULL, worker_main,
					   l))
				break;
			l->nthreads++;
		}
		if (!l->nthreads)
			return -EAGAIN;
	}
	return 0;
}

struct cache *cache_new(const struct cache_config *cfg)
{
	struct cache *c;
	int i;

	if (!cfg || !cfg->fetch || cfg->nkinds <= 0 ||
	    cfg->nkinds > UCHAR_MAX + 1 || !cfg->kinds)
		return NULL;
	for (i = 0; i < cfg->nkinds; i++)
		if (cfg->kinds[i].lane < 0 ||
		    cfg->kinds[i].lane >= CACHE_MAX_LANES)
			return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	if (!c->cfg.clock_ms)
		c->cfg.clock_ms = default_clock_ms;
	if (!c->cfg.wall_clock)
		c->cfg.wall_clock = default_wall_clock;
	if (c->cfg.workers <= 0)
		c->cfg.workers = CACHE_DEFAULT_WORKERS;
	if (c->cfg.max_queue <= 0)
		c->cfg.max_queue = CACHE_DEFAULT_MAX_QUEUE;
	c->cfg.kinds = NULL;	/* copied into c->kinds */
	c->kinds = calloc(cfg->nkinds, sizeof(*c->kinds));
	c->nbuckets = CACHE_MIN_BUCKETS;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->kinds || !c->buckets)
		goto fail;
	for (i = 0; i < cfg->nkinds; i++) {
		c->kinds[i].ttl_ms = cfg->kinds[i].ttl_ms;
		c->kinds[i].error_ttl_ms = cfg->kinds[i].error_ttl_ms ?
			cfg->kinds[i].error_ttl_ms : CACHE_DEFAULT_ERROR_TTL_MS;
		c->kinds[i].lane = cfg->kinds[i].lane;
		c->lanes[cfg->kinds[i].lane].used = 1;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->idle_cond, NULL);
	for (i = 0; i < CACHE_MAX_LANES; i++) {
		c->lanes[i].c = c;
		pthread_cond_init(&c->lanes[i].work_cond, NULL);
	}
	if (start_workers(c)) {
		cache_free(c);
		return NULL;
	}
	return c;
fail:
	free(c->buckets);
	free(c->kinds);
	free(c);
	return NULL;
}

void cache_free(struct cache *c)
{
	struct deferred d = { 0 };
	struct lane *l;
	int i, t;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = 1;
	for (i = 0; i < CACHE_MAX_LANES; i++)
		pthread_cond_broadcast(&c->lanes[i].work_cond);
	pthread_mutex_unlock(&c->lock);
	for (i = 0; i < CACHE_MAX_LANES; i++)
		for (t = 0; t < c->lanes[i].nthreads; t++)
			pthread_join(c->lanes[i].threads[t], NULL);

	pthread_mutex_lock(&c->lock);
	free_queues(c);
	free_table(c, &d);
	unlock_and_run(c, &d);

	for (i = 0; i < CACHE_MAX_LANES; i++) {
		l = &c->lanes[i];
		pthread_cond_destroy(&l->work_cond);
		free(l->threads);
	}
	pthread_cond_destroy(&c->idle_cond);
	pthread_mutex_destroy(&c->lock);
	free(c->tombs);
	free(c->buckets);
	free(c->kinds);
	free(c);
}

static int get_common(struct cache *c, int kind, const char *key,
		      struct cache_ref *ref, struct aws_error *err, int fresh)
{
	struct deferred d = { 0 };
	struct cache_node *n;
	struct flight *f;
	uint64_t h, now;
	int rc;

	memset(ref, 0, sizeof(*ref));
	if (kind < 0 || kind >= c->cfg.nkinds || !key) {
		fill_error(err, EINVAL, "InvalidArgument",
			   "cache get of an unknown kind");
		return -EINVAL;
	}
	h = key_hash(kind, key);

	pthread_mutex_lock(&c->lock);
	now = c->cfg.clock_ms();
	n = node_lookup(c, kind, key, h);
	if (n && node_fresh(c, n, now)) {
		c->hits++;
		lru_touch(c, n);
		fill_ref(ref, n->val, n->stale, 0);
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	if (fresh && n && n->state == NODE_OK && n->stale && !n->flight &&
	    node_error_current(c, n, now)) {
		/* the last refresh failed moments ago: that is the answer */
		c->hits++;
		rc = -node_err(n)->err;
		if (err)
			*err = *node_err(n);
		pthread_mutex_unlock(&c->lock);
		return rc ? rc : -EIO;
	}
	if (!fresh && n && n->state == NODE_OK && node_servable(c, n, now)) {
		c->stale_serves++;
		lru_touch(c, n);
		fill_ref(ref, n->val, n->stale, 1);
		if (!n->queued && job_needed(c, n, now))
			enqueue(c, n);	/* full: the next get tries again */
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	if (n && n->state == NODE_ERROR && !n->flight &&
	    node_error_current(c, n, now)) {
		c->hits++;
		lru_touch(c, n);
		rc = -node_err(n)->err;
		if (err)
			*err = *node_err(n);
		pthread_mutex_unlock(&c->lock);
		return rc;
	}

	c->misses++;
	if (!n)
		n = node_create(c, kind, key, h);
	if (!n) {
		pthread_mutex_unlock(&c->lock);
		fill_error(err, ENOMEM, "OutOfMemory",
			   "cannot allocate a cache node");
		return -ENOMEM;
	}
	if (n->flight) {
		f = n->flight;
		f->refs++;
		while (!f->done)
			pthread_cond_wait(&f->cond, &c->lock);
	} else {
		f = run_fetch(c, n, 1, &d);
		if (!f) {
			if (n->state == NODE_NONE && !n->queued)
				node_unlink(c, n, &d);
			unlock_and_run(c, &d);
			fill_error(err, ENOMEM, "OutOfMemory",
				   "cannot allocate a cache flight");
			return -ENOMEM;
		}
	}
	rc = f->rc;
	if (rc == 0)
		fill_ref(ref, f->val, 0, 0);
	else if (err)
		*err = f->err;
	flight_unref(c, f, &d);
	unlock_and_run(c, &d);
	return rc;
}

int cache_get(struct cache *c, int kind, const char *key,
	      struct cache_ref *ref, struct aws_error *err)
{
	return get_common(c, kind, key, ref, err, 0);
}

int cache_get_fresh(struct cache *c, int kind, const char *key,
		    struct cache_ref *ref, struct aws_error *err)
{
	return get_common(c, kind, key, ref, err, 1);
}

int cache_peek(struct cache *c, int kind, const char *key,
	       struct cache_ref *ref)
{
	struct cache_node *n;
	uint64_t now;
	int rc = -ENOENT;

	memset(ref, 0, sizeof(*ref));
	if (kind < 0 || kind >= c->cfg.nkinds || !key)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	now = c->cfg.clock_ms();
	n = node_lookup(c, kind, key, key_hash(kind, key));
	if (n && node_servable(c, n, now)) {
		fill_ref(ref, n->val, n->stale, !node_fresh(c, n, now));
		rc = 0;
	} else if (n && n->state == NODE_ERROR && node_error_current(c, n, now)) {
		rc = -node_err(n)->err; /* what a get would answer now */
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void cache_release(struct cache *c, struct cache_ref *ref)
{
	struct deferred d = { 0 };

	if (!ref || !ref->entry)
		return;
	pthread_mutex_lock(&c->lock);
	entry_unref(c, ref->entry, &d);
	unlock_and_run(c, &d);
	memset(ref, 0, sizeof(*ref));
}

int cache_prefetch(struct cache *c, int kind, const char *key)
{
	struct deferred d = { 0 };
	struct cache_node *n;
	uint64_t h;
	int rc = 0, created = 0;

	if (kind < 0 || kind >= c->cfg.nkinds || !key)
		return -EINVAL;
	h = key_hash(kind, key);
	pthread_mutex_lock(&c->lock);
	/* A kind that keeps nothing would fetch for nobody */
	if (kind_ttl(c, kind) == 0)
		goto out;
	n = node_lookup(c, kind, key, h);
	if (!n) {
		n = node_create(c, kind, key, h);
		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		created = 1;
	}
	if (n->queued || !job_needed(c, n, c->cfg.clock_ms()))
		goto out;
	rc = enqueue(c, n);
	if (rc && created)
		node_unlink(c, n, &d);
out:
	unlock_and_run(c, &d);
	return rc;
}

void cache_wait_idle(struct cache *c)
{
	pthread_mutex_lock(&c->lock);
	while ((c->qlen || c->busy) && !c->stopping)
		pthread_cond_wait(&c->idle_cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

void cache_drop_all(struct cache *c)
{
	struct deferred d = { 0 };

	pthread_mutex_lock(&c->lock);
	/* Pending jobs are hints about the old contents */
	free_queues(c);
	free_table(c, &d);
	/* after a drop everything fetched again is news */
	free(c->tombs);
	c->tombs = NULL;
	c->ntombs = c->captombs = 0;
	__atomic_add_fetch(&c->version, 1, __ATOMIC_RELEASE);
	if (!c->busy)
		pthread_cond_broadcast(&c->idle_cond);
	unlock_and_run(c, &d);
}

uint64_t cache_version(struct cache *c)
{
	return __atomic_load_n(&c->version, __ATOMIC_ACQUIRE);
}

void cache_get_stats(struct cache *c, struct cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	out->entries = c->entries;
	out->bytes = c->bytes;
	out->hits = c->hits;
	out->misses = c->misses;
	out->stale_serves = c->stale_serves;
	out->refreshes = c->refreshes;
	out->evictions = c->evictions;
	out->errors = c->errors;
	out->fetches_in_flight = c->in_flight;
	out->queued = c->qlen;
	pthread_mutex_unlock(&c->lock);
}

void cache_set_ttl(struct cache *c, int kind, uint64_t ttl_ms)
{
	if (kind < 0 || kind >= c->cfg.nkinds)
		return;
	pthread_mutex_lock(&c->lock);
	c->kinds[kind].ttl_ms = ttl_ms;
	pthread_mutex_unlock(&c->lock);
}
