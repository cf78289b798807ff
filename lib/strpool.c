/* strpool.c - one copy of each string that many cached values share */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "memtrim.h"
#include "strpool.h"

struct pstr {
	struct pstr *next;              /* in its bucket */
	uint32_t hash;                  /* low bits of its FNV-1a */
	uint32_t refs;                  /* holders */
	char s[];
};

static struct {
	pthread_mutex_t lock;
	struct pstr **buckets;          /* protected by lock */
	size_t nbuckets;                /* power of two, or 0 */
	size_t n;
	size_t bytes;                   /* of the strings and headers */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct pstr *pstr_of(const char *p)
{
	return (struct pstr *)(void *)(p - offsetof(struct pstr, s));
}

/* Twice the buckets, or as many (out of memory: longer chains) */
static void pool_grow(void)
{
	size_t nb = pool.nbuckets ? pool.nbuckets * 2 : 1024, i;
	struct pstr **b = calloc(nb, sizeof(*b)), *e, *next;

	if (!b)
		return;
	for (i = 0; i < pool.nbuckets; i++) {
		for (e = pool.buckets[i]; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(pool.buckets);
	pool.buckets = b;
	pool.nbuckets = nb;
}

const char *strpool_get(const char *s, size_t n)
{
	uint32_t h = (uint32_t)hash_fnv1a_str(s);
	size_t len = strlen(s);
	struct pstr *e = NULL;

	pthread_mutex_lock(&pool.lock);
	if (pool.n >= pool.nbuckets)
		pool_grow();
	if (pool.nbuckets)
		for (e = pool.buckets[h & (pool.nbuckets - 1)]; e; e = e->next)
			if (e->hash == h && !strcmp(e->s, s))
				break;
	if (n > UINT32_MAX || (e && n > UINT32_MAX - e->refs)) {
		e = NULL;
	} else if (e) {
		e->refs += (uint32_t)n;
	} else if (pool.nbuckets && (e = malloc(sizeof(*e) + len + 1))) {
		memcpy(e->s, s, len + 1);
		e->hash = h;
		e->refs = (uint32_t)n;
		e->next = pool.buckets[h & (pool.nbuckets - 1)];
		pool.buckets[h & (pool.nbuckets - 1)] = e;
		pool.n++;
		pool.bytes += sizeof(*e) + len + 1;
	} else {
		e = NULL;
	}
	pthread_mutex_unlock(&pool.lock);
	return e ? e->s : NULL;
}

/* One holder of p less (lock held): its bytes when that frees it, which
 * then goes to *dead */
static size_t put_locked(const char *p, struct pstr **dead)
{
	struct pstr *e = pstr_of(p), **pp;

	if (--e->refs)
		return 0;
	for (pp = &pool.buckets[e->hash & (pool.nbuckets - 1)]; *pp != e;
	     pp = &(*pp)->next)
		;
	*pp = e->next;
	pool.n--;
	pool.bytes -= sizeof(*e) + strlen(e->s) + 1;
	e->next = *dead;
	*dead = e;
	return sizeof(*e) + strlen(e->s) + 1;
}

void strpool_put_many(const char *const *v, size_t n)
{
	struct pstr *dead = NULL, *next;
	size_t i, freed = 0;

	pthread_mutex_lock(&pool.lock);
	for (i = 0; i < n; i++)
		if (v[i])
			freed += put_locked(v[i], &dead);
	pthread_mutex_unlock(&pool.lock);
	for (; dead; dead = next) {
		next = dead->next;
		free(dead);
	}
	memtrim_freed(freed);
}

void strpool_put(const char *p)
{
	strpool_put_many(&p, 1);
}

void strpool_stats(struct strpool_stats *out)
{
	pthread_mutex_lock(&pool.lock);
	out->strings = pool.n;
	out->bytes = pool.bytes + pool.nbuckets * sizeof(*pool.buckets);
	pthread_mutex_unlock(&pool.lock);
}
