/* resindex.c - the org-wide resource snapshot and its tag index
 * (resindex.h says what and why) */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "memtrim.h"
#include "owner.h"
#include "resindex.h"

/* @return 1 when s was new (and is now in), 0 when present, -ENOMEM */
int nameset_add(struct nameset *ns, const char *s)
{
	size_t i;

	if (ns->n * 2 >= ns->cap) {
		size_t ncap = ns->cap ? ns->cap * 2 : 256, k;
		char **nv = calloc(ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		for (k = 0; k < ns->cap; k++) {
			if (!ns->v[k])
				continue;
			i = hash_fnv1a_str(ns->v[k]) & (ncap - 1);
			while (nv[i])
				i = (i + 1) & (ncap - 1);
			nv[i] = ns->v[k];
		}
		free(ns->v);
		ns->v = nv;
		ns->cap = ncap;
	}
	i = hash_fnv1a_str(s) & (ns->cap - 1);
	while (ns->v[i]) {
		if (!strcmp(ns->v[i], s))
			return 0;
		i = (i + 1) & (ns->cap - 1);
	}
	ns->v[i] = strdup(s);
	if (!ns->v[i])
		return -ENOMEM;
	ns->n++;
	return 1;
}

/* s once in ns; *out points to the kept copy.
 * @return 1 when new, 0 when present, -ENOMEM */
static int nameset_intern(struct nameset *ns, const char *s, const char **out)
{
	size_t i;
	int res = nameset_add(ns, s);

	if (res < 0)
		return res;
	i = hash_fnv1a_str(s) & (ns->cap - 1);
	while (strcmp(ns->v[i], s))
		i = (i + 1) & (ns->cap - 1);
	*out = ns->v[i];
	return res;
}

void nameset_free(struct nameset *ns)
{
	size_t i;

	for (i = 0; i < ns->cap; i++)
		free(ns->v[i]);
	free(ns->v);
}

struct rsnap_row {
	const struct org_resource *r;
	const char *owner;              /* NULL: none */
};

/* The rows carrying one tag (key, value), in walk order */
struct rtag {
	const char *key, *value;        /* in the pinned data; NULL: free */
	uint64_t h;
	uint32_t *rows;
	uint32_t n, cap;
};

struct rsnap {
	int refs;                       /* protected by rsnaps.lock */
	struct org *org;
	uint64_t version;               /* of the data when the build began */
	uint64_t expires;               /* org clock, ms */
	struct rsnap_row *rows;
	size_t n, cap;
	struct cache_ref *pins;
	size_t npins, cappins;
	size_t bytes;                   /* of the values pinned */
	struct nameset owners;          /* resources' own owners, once each */
	unsigned unreadable;            /* accounts */
	time_t mtime;
	int stale;
	/* tag index, made by the first tags/<k>/<v>/ view (tag_once) */
	pthread_mutex_t tag_lock;
	int tags_built;                 /* 1 made, -1 out of memory */
	struct rtag *tags;              /* open addressing */
	size_t ntags, captags;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct rsnap *cur;              /* protected by lock */
	/* A snapshot too big to keep, handed to the readers that waited
	 * for its build: held until the last of them has woken */
	struct rsnap *handoff;
	int waiting;                    /* readers waiting for a build */
	int building;
	uint64_t builds;                /* finished builds, failed ones too */
} rsnaps = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

/* The last crawl's progress (.orgfs/status); atomics */
static struct {
	uint64_t slices_done;
	uint64_t slices_total;
	uint64_t resources;
	uint64_t unreadable;
} rcrawl;

static void rsnap_free(struct rsnap *s)
{
	size_t i, own = s->cap * sizeof(*s->rows) +
			s->cappins * sizeof(*s->pins) +
			s->captags * sizeof(*s->tags);

	for (i = 0; i < s->npins; i++)
		org_put(s->org, &s->pins[i]);
	free(s->pins);
	free(s->rows);
	nameset_free(&s->owners);
	for (i = 0; i < s->captags; i++)
		free(s->tags[i].rows);
	free(s->tags);
	pthread_mutex_destroy(&s->tag_lock);
	free(s);
	memtrim_freed(own);
}

static uint64_t rtag_hash(const char *key, const char *value)
{
	return hash_fnv1a_str(key) * 31 ^ hash_fnv1a_str(value);
}

static struct rtag *rtag_slot(struct rtag *v, size_t cap, const char *key,
			      const char *value, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (v[i].key && (v[i].h != h || strcmp(v[i].key, key) ||
			    strcmp(v[i].value, value)))
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static int rtag_add(struct rsnap *s, const char *key, const char *value,
		    uint32_t row)
{
	uint64_t h = rtag_hash(key, value);
	struct rtag *t;

	if ((s->ntags + 1) * 2 > s->captags) {
		size_t ncap = s->captags ? s->captags * 2 : 1024, i;
		struct rtag *nv = calloc(ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		for (i = 0; i < s->captags; i++)
			if (s->tags[i].key)
				*rtag_slot(nv, ncap, s->tags[i].key,
					   s->tags[i].value, s->tags[i].h) =
					s->tags[i];
		free(s->tags);
		s->tags = nv;
		s->captags = ncap;
	}
	t = rtag_slot(s->tags, s->captags, key, value, h);
	if (!t->key) {
		t->key = key;
		t->value = value;
		t->h = h;
		s->ntags++;
	}
	if (t->n && t->rows[t->n - 1] == row)
		return 0;               /* the same tag twice on one resource */
	if (t->n == t->cap) {
		uint32_t ncap = t->cap ? t->cap * 2 : 4;
		uint32_t *nr = realloc(t->rows, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		t->rows = nr;
		t->cap = ncap;
	}
	t->rows[t->n++] = row;
	return 0;
}

/* The rows tagged key=value; made for the whole snapshot on first use,
 * so that each of thousands of tags/<k>/<v>/resources.tsv costs its own
 * rows, not a scan of every resource.  @return NULL when none, or
 * *err = -ENOMEM */
static const struct rtag *rsnap_tagged(struct rsnap *s, const char *key,
				       const char *value, int *err)
{
	const struct rtag *t;
	size_t j, k;
	int res = 0;

	*err = 0;
	pthread_mutex_lock(&s->tag_lock);
	if (!s->tags_built) {
		for (j = 0; j < s->n && !res; j++) {
			const struct org_tags *tg = &s->rows[j].r->tags;

			for (k = 0; k < tg->n && !res; k++)
				res = rtag_add(s, tg->v[k].key, tg->v[k].value,
					       (uint32_t)j);
		}
		s->tags_built = res ? -1 : 1;
	}
	pthread_mutex_unlock(&s->tag_lock);
	if (s->tags_built < 0) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!s->captags)
		return NULL;
	t = rtag_slot(s->tags, s->captags, key, value, rtag_hash(key, value));
	return t->key ? t : NULL;
}

void rsnap_put(struct rsnap *s)
{
	int last;

	if (!s)
		return;
	pthread_mutex_lock(&rsnaps.lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&rsnaps.lock);
	if (last)
		rsnap_free(s);
}

/* Keep ref (the snapshot's now) @return 0 or -ENOMEM */
static int rsnap_pin(struct rsnap *s, struct cache_ref *ref)
{
	if (s->npins == s->cappins) {
		size_t ncap = s->cappins ? s->cappins * 2 : 64;
		struct cache_ref *p = realloc(s->pins, ncap * sizeof(*p));

		if (!p) {
			org_put(s->org, ref);
			return -ENOMEM;
		}
		s->pins = p;
		s->cappins = ncap;
	}
	s->pins[s->npins++] = *ref;
	s->bytes += ref->size;
	if (ref->fetched > s->mtime)
		s->mtime = ref->fetched;
	s->stale |= ref->stale;
	return 0;
}

/* Add a slice's rows; those without an owner of their own get their
 * account's later (NULL until then). */
static int rsnap_add(struct rsnap *s, const struct org_resources *sl,
		     const struct owner_config *ocfg)
{
	size_t j;

	if (s->n + sl->n > s->cap) {
		size_t ncap = s->cap ? s->cap : 1024;
		struct rsnap_row *p;

		while (ncap < s->n + sl->n)
			ncap *= 2;
		p = realloc(s->rows, ncap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->rows = p;
		s->cap = ncap;
	}
	for (j = 0; j < sl->n; j++) {
		struct rsnap_row *row = &s->rows[s->n++];
		const char *val;
		size_t vlen;
		char own[OWNER_VALUE_MAX + 1];
		int res;

		row->r = &sl->v[j];
		row->owner = NULL;
		/* hot: a million resources go through here */
		if (!owner_of_tags(ocfg, &sl->v[j].tags, NULL, &val, &vlen))
			continue;
		if (vlen > OWNER_VALUE_MAX)
			vlen = OWNER_VALUE_MAX;
		memcpy(own, val, vlen);
		own[vlen] = '\0';
		res = nameset_intern(&s->owners, own, &row->owner);
		if (res < 0)
			return res;
	}
	return 0;
}

/* How many slices the walk asks for ahead of the one it reads: enough to
 * keep every worker busy, few enough that a cache_max below the
 * organization's resources does not evict them before they are read. */
#define RSNAP_AHEAD 256

/* The next slices to ask for, in the order of the walk */
struct ahead {
	size_t ai, ri;                  /* account, region */
	size_t asked;
};

static void rsnap_ask(const struct resindex_scope *sc,
		      const struct org_accounts *a,
		      struct ahead *p)
{
	char key[64];

	while (p->ai < a->n && !org_account_readable(&a->v[p->ai]))
		p->ai++;
	if (p->ai >= a->n) {
		p->asked = SIZE_MAX;
		return;
	}
	org_slice_key(key, sizeof(key), a->v[p->ai].id, sc->regions[p->ri]);
	org_prefetch(sc->org, ORG_RESOURCES, key);
	p->asked++;
	if (++p->ri == sc->nregions) {
		p->ri = 0;
		p->ai++;
	}
}

static int rsnap_build(const struct resindex_scope *sc, const char *reader,
		       struct aws_error *err, uint64_t version,
		       struct rsnap **out)
{
	const struct owner_config *ocfg = org_owner_config(sc->org);
	const struct org_accounts *a;
	const struct org_index *x;
	struct rsnap *s;
	struct cache_ref ref;
	char key[64];
	struct ahead ahead = { 0 };
	size_t i, k, j, total = 0, done = 0;
	int res;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->org = sc->org;
	s->version = version;
	s->refs = 1;
	pthread_mutex_init(&s->tag_lock, NULL);
	res = org_get(sc->org, ORG_ACCOUNTS, "", reader, &ref, err);
	if (res)
		goto fail;
	a = ref.data;
	res = rsnap_pin(s, &ref);
	if (res)
		goto fail;
	/* every account's and OU's tags, fetched meanwhile (another lane) */
	org_prefetch(sc->org, ORG_INDEX, "");
	if (sc->aggregated) {
		/* one organization-wide index: nothing to fan out */
		res = org_get(sc->org, ORG_ORGRES, "", reader, &ref, err);
		if (res)
			goto fail;
		res = rsnap_pin(s, &ref);
		if (!res)
			res = rsnap_add(s, ref.data, ocfg);
		if (res)
			goto fail;
		__atomic_store_n(&rcrawl.resources, s->n, __ATOMIC_RELAXED);
	} else {
		for (i = 0; i < a->n; i++)
			if (org_account_readable(&a->v[i]))
				total += sc->nregions;
		__atomic_store_n(&rcrawl.slices_total, total,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&rcrawl.slices_done, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&rcrawl.resources, 0, __ATOMIC_RELAXED);
	}
	for (i = 0; !sc->aggregated && i < a->n; i++) {
		int bad = 0;

		if (!org_account_readable(&a->v[i]))
			continue;
		for (k = 0; k < sc->nregions; k++) {
			struct aws_error serr;
			char path[128];

			/* ask ahead, in the order the walk reads */
			while (ahead.asked < total &&
			       ahead.asked < done + RSNAP_AHEAD)
				rsnap_ask(sc, a, &ahead);
			done++;
			org_slice_key(key, sizeof(key), a->v[i].id, sc->regions[k]);
			snprintf(path, sizeof(path), "/accounts/%s/resources (%s)",
				 a->v[i].id, sc->regions[k]);
			aws_error_clear(&serr);
			__atomic_add_fetch(&rcrawl.slices_done, 1,
					   __ATOMIC_RELAXED);
			if (org_get(sc->org, ORG_RESOURCES, key, path, &ref,
				    &serr)) {
				bad = 1;
				continue;
			}
			res = rsnap_pin(s, &ref);
			if (!res)
				res = rsnap_add(s, ref.data, ocfg);
			if (res)
				goto fail;
			__atomic_add_fetch(&rcrawl.resources,
					   ((const struct org_resources *)
					    ref.data)->n, __ATOMIC_RELAXED);
		}
		s->unreadable += bad;
	}
	if (!sc->aggregated)
		__atomic_store_n(&rcrawl.unreadable, s->unreadable,
				 __ATOMIC_RELAXED);
	res = org_get(sc->org, ORG_INDEX, "", reader, &ref, err);
	if (res)
		goto fail;
	x = ref.data;
	res = rsnap_pin(s, &ref);
	if (res)
		goto fail;
	for (j = 0; j < s->n; j++) {
		if (!s->rows[j].owner) {
			const struct org_index_obj *ob =
				org_index_find(x, s->rows[j].r->account);

			s->rows[j].owner = ob ? ob->owner : NULL;
		}
	}
	s->expires = org_now_ms(sc->org) + sc->ttl_ms;
	*out = s;
	return 0;
fail:
	if (res == -ENOMEM && !err->err)
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
	else if (!err->err)
		err->err = -res;
	rsnap_free(s);
	return res;
}

struct rsnap *rsnap_get(const struct resindex_scope *sc, const char *path,
			struct aws_error *err)
{
	uint64_t version = org_data_version(sc->org), seen;
	struct rsnap *s = NULL, *old = NULL, *oldh = NULL;
	int res;

	pthread_mutex_lock(&rsnaps.lock);
	seen = rsnaps.builds;
	for (;;) {
		s = rsnaps.cur ? rsnaps.cur : rsnaps.handoff;
		if (s && ((s->version == version &&
			   org_now_ms(sc->org) < s->expires) ||
			  rsnaps.builds != seen)) {
			/* current, or built while this reader waited for it */
			s->refs++;
			break;
		}
		s = NULL;
		if (!rsnaps.building)
			break;
		rsnaps.waiting++;
		pthread_cond_wait(&rsnaps.done, &rsnaps.lock);
		rsnaps.waiting--;
	}
	if (!rsnaps.waiting) {
		/* every reader it was handed to has it (or built anew) */
		oldh = rsnaps.handoff;
		rsnaps.handoff = NULL;
	}
	if (!s)
		rsnaps.building = 1;
	pthread_mutex_unlock(&rsnaps.lock);
	rsnap_put(oldh);
	oldh = NULL;
	if (!s) {
		res = rsnap_build(sc, path, err, version, &s);
		pthread_mutex_lock(&rsnaps.lock);
		rsnaps.building = 0;
		rsnaps.builds++;
		if (!res) {
			/* kept only when it leaves the cache room for the
			 * rest; an older one goes either way */
			old = rsnaps.cur;
			rsnaps.cur = NULL;
			oldh = rsnaps.handoff;
			rsnaps.handoff = NULL;
			if (!sc->cache_max || s->bytes <= sc->cache_max / 2) {
				rsnaps.cur = s;
				s->refs++;
			} else if (rsnaps.waiting) {
				/* not kept, but those who waited for it read
				 * it rather than each walk the resources in
				 * turn: the cap holds again once they have */
				rsnaps.handoff = s;
				s->refs++;
			}
		}
		pthread_cond_broadcast(&rsnaps.done);
		pthread_mutex_unlock(&rsnaps.lock);
		rsnap_put(old);
		rsnap_put(oldh);
		if (res)
			return NULL;
	}
	return s;
}

void rsnap_info(const struct rsnap *s, struct rsnap_info *out)
{
	out->mtime = s->mtime;
	out->stale = s->stale;
	out->unreadable = s->unreadable;
}

int rsnap_walk(struct rsnap *s, const char *key, const char *value,
	       rsnap_fn fn, void *arg)
{
	const struct rtag *t;
	size_t j;
	uint32_t k;
	int res = 0;

	if (!key) {
		for (j = 0; j < s->n && !res; j++)
			res = fn(arg, s->rows[j].r, s->rows[j].owner);
		return res;
	}
	t = rsnap_tagged(s, key, value, &res);
	for (k = 0; t && k < t->n && !res; k++)
		res = fn(arg, s->rows[t->rows[k]].r, s->rows[t->rows[k]].owner);
	return res;
}

void rsnap_progress(struct rsnap_progress *out)
{
	out->slices_done = __atomic_load_n(&rcrawl.slices_done,
					   __ATOMIC_RELAXED);
	out->slices_total = __atomic_load_n(&rcrawl.slices_total,
					    __ATOMIC_RELAXED);
	out->resources = __atomic_load_n(&rcrawl.resources, __ATOMIC_RELAXED);
	out->unreadable = __atomic_load_n(&rcrawl.unreadable,
					  __ATOMIC_RELAXED);
	pthread_mutex_lock(&rsnaps.lock);
	out->builds = rsnaps.builds;
	pthread_mutex_unlock(&rsnaps.lock);
}

/* Let go of the current snapshot (SIGHUP, unmount): its pins go with it. */
void rsnap_drop(void)
{
	struct rsnap *s, *h;

	pthread_mutex_lock(&rsnaps.lock);
	s = rsnaps.cur;
	rsnaps.cur = NULL;
	h = rsnaps.handoff;
	rsnaps.handoff = NULL;
	pthread_mutex_unlock(&rsnaps.lock);
	rsnap_put(s);
	rsnap_put(h);
}
