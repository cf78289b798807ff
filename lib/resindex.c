/* resindex.c - one snapshot of every resource with its owner, and a tag
 * index, built once per version of the data */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awserr.h"
#include "hash.h"
#include "memtrim.h"
#include "model.h"
#include "org.h"
#include "owner.h"
#include "resindex.h"

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

int nameset_intern(struct nameset *ns, const char *s, const char **out)
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

/* The rows carrying one tag (key, value), in walk order */
struct rtag {
	const char *key, *value;        /* in the pinned data; NULL: free */
	uint64_t h;
	uint32_t *rows;
	uint32_t n, cap;
};

struct rsnap {
	struct resindex_snap pub;       /* rows, n, unreadable, mtime, stale */
	struct resindex *idx;
	int refs;                       /* protected by idx->lock */
	struct org *org;
	uint64_t version;               /* of the data when the build began */
	uint64_t expires;               /* org clock, ms */
	size_t cap;                     /* of pub.rows */
	struct cache_entry **pins;      /* what a cache_ref pins: its entry */
	size_t npins, cappins;
	size_t bytes;                   /* of the values pinned */
	struct nameset owners;          /* resources' own owners, once each */
	/* rows whose ARN names an account other than the listing's: their
	 * ARNs (once each), and the copies that carry the account they
	 * are attributed to */
	struct nameset cross;
	struct org_resource **moved;
	size_t nmoved;
	/* tag index, made by the first tags/<k>/<v>/ view (tag_once) */
	pthread_mutex_t tag_lock;
	int tags_built;                 /* 1 made, -1 out of memory */
	struct rtag *tags;              /* open addressing */
	size_t ntags, captags;
};

struct resindex {
	struct org *org;
	char *const *regions;           /* borrowed */
	size_t nregions;
	int aggregated;
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct rsnap *cur;              /* protected by lock */
	/* A snapshot too big to keep, handed to the readers that waited
	 * for its build: held until the last of them has woken */
	struct rsnap *handoff;
	int waiting;                    /* readers waiting for a build */
	int building;
	uint64_t builds;                /* finished builds, failed ones too */
	/* the resource crawl, for .orgfs/status; atomics */
	uint64_t nall;                  /* regions=all: distinct regions */
	uint64_t slices_done;
	uint64_t slices_total;
	uint64_t resources;
	uint64_t unreadable;
};

static struct rsnap *snap_of(struct resindex_snap *s)
{
	return (struct rsnap *)((char *)s - offsetof(struct rsnap, pub));
}

static void rsnap_free(struct rsnap *s)
{
	size_t i, own = s->cap * sizeof(*s->pub.rows) +
			s->cappins * sizeof(*s->pins) +
			s->captags * sizeof(*s->tags);

	for (i = 0; i < s->npins; i++) {
		struct cache_ref ref = { .entry = s->pins[i] };

		org_put(s->org, &ref);
	}
	free(s->pins);
	free(s->pub.rows);
	for (i = 0; s->pub.unread && i < s->pub.unreadable; i++) {
		free(s->pub.unread[i].account);
		free(s->pub.unread[i].why);
	}
	free(s->pub.unread);
	nameset_free(&s->owners);
	nameset_free(&s->cross);
	for (i = 0; i < s->nmoved; i++)
		free(s->moved[i]);
	free(s->moved);
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

static int rtag_grow(struct rsnap *s)
{
	size_t ncap = s->captags ? s->captags * 2 : 1024, i;
	struct rtag *nv = calloc(ncap, sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	for (i = 0; i < s->captags; i++)
		if (s->tags[i].key)
			*rtag_slot(nv, ncap, s->tags[i].key, s->tags[i].value,
				   s->tags[i].h) = s->tags[i];
	free(s->tags);
	s->tags = nv;
	s->captags = ncap;
	return 0;
}

static int rtag_add(struct rsnap *s, const char *key, const char *value,
		    uint32_t row)
{
	uint64_t h = rtag_hash(key, value);
	struct rtag *t;

	if ((s->ntags + 1) * 2 > s->captags && rtag_grow(s))
		return -ENOMEM;
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

/* Index every row's tags, once per snapshot */
static void rtag_build(struct rsnap *s)
{
	size_t j, k;
	int res = 0;

	pthread_mutex_lock(&s->tag_lock);
	if (!s->tags_built) {
		for (j = 0; j < s->pub.n && !res; j++) {
			const struct org_tags *tg = &s->pub.rows[j].r->tags;

			for (k = 0; k < tg->n && !res; k++)
				res = rtag_add(s, tg->v[k].key, tg->v[k].value,
					       (uint32_t)j);
		}
		s->tags_built = res ? -1 : 1;
	}
	pthread_mutex_unlock(&s->tag_lock);
}

int resindex_tagged(struct resindex_snap *snap, const char *key,
		    const char *value, const uint32_t **rows, size_t *n)
{
	struct rsnap *s = snap_of(snap);
	const struct rtag *t;

	*rows = NULL;
	*n = 0;
	rtag_build(s);
	if (s->tags_built < 0)
		return -ENOMEM;
	if (!s->captags)
		return 0;
	t = rtag_slot(s->tags, s->captags, key, value, rtag_hash(key, value));
	if (t->key) {
		*rows = t->rows;
		*n = t->n;
	}
	return 0;
}

static void rsnap_put(struct rsnap *s)
{
	struct resindex *x;
	int last;

	if (!s)
		return;
	x = s->idx;
	pthread_mutex_lock(&x->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&x->lock);
	if (last)
		rsnap_free(s);
}

void resindex_put(struct resindex_snap *s)
{
	if (s)
		rsnap_put(snap_of(s));
}

/* Keep ref (the snapshot's now) @return 0 or -ENOMEM */
static int rsnap_pin(struct rsnap *s, struct cache_ref *ref)
{
	if (s->npins == s->cappins) {
		size_t ncap = s->cappins ? s->cappins * 2 : 64;
		struct cache_entry **p = realloc(s->pins, ncap * sizeof(*p));

		if (!p) {
			org_put(s->org, ref);
			return -ENOMEM;
		}
		s->pins = p;
		s->cappins = ncap;
	}
	s->pins[s->npins++] = ref->entry;
	s->bytes += ref->size;
	if (ref->fetched > s->pub.mtime)
		s->pub.mtime = ref->fetched;
	s->pub.stale |= ref->stale;
	return 0;
}

static int rsnap_reserve(struct rsnap *s, size_t more)
{
	size_t ncap = s->cap ? s->cap : 1024;
	struct resindex_row *p;

	if (s->pub.n + more <= s->cap)
		return 0;
	while (ncap < s->pub.n + more)
		ncap *= 2;
	p = realloc(s->pub.rows, ncap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->pub.rows = p;
	s->cap = ncap;
	return 0;
}

/* The slice a fan-out walk is adding: who listed it, where. */
struct rsnap_slice {
	const char *account;            /* in the pinned accounts */
	const char *region;
	const struct org_accounts *accounts;
	/* the account's listings read before this one, nbefore of them */
	const struct org_resources *const *before;
	size_t nbefore;
};

/* A copy of r (strings borrowed) attributed to account. */
static const struct org_resource *moved_copy(struct rsnap *s,
					     const struct org_resource *r,
					     const char *account)
{
	struct org_resource *m, **v;

	v = realloc(s->moved, (s->nmoved + 1) * sizeof(*v));
	if (!v)
		return NULL;
	s->moved = v;
	m = malloc(sizeof(*m));
	if (!m)
		return NULL;
	*m = *r;
	m->account = (char *)account;
	s->moved[s->nmoved++] = m;
	return m;
}

/* Whether account lists the resource arn itself in region (its slice
 * is asked for, as the walk asks for every account's).  @return 1, 0 */
static int lists_itself(struct rsnap *s, const char *account,
			const char *region, const char *arn)
{
	struct cache_ref ref;
	struct aws_error err;
	char key[64], path[128];
	int found;

	org_slice_key(key, sizeof(key), account, region);
	snprintf(path, sizeof(path), "/accounts/%s/resources (%s)", account,
		 region);
	aws_error_clear(&err);
	if (org_get(s->org, ORG_RESOURCES, key, path, &ref, &err))
		return 0;
	found = org_resources_find(ref.data, arn) != NULL;
	org_put(s->org, &ref);
	return found;
}

/* A row whose ARN names an account other than the one that listed it
 * (from): fill row->r with whom it is attributed to (resindex.h).
 * @return 1 to keep the row, 0 to leave it out, -ENOMEM */
static int attribute(struct rsnap *s, struct resindex_row *row,
		     const struct rsnap_slice *from)
{
	const struct org_resource *r = row->r;
	const struct org_account *owner =
		org_accounts_find(from->accounts, r->account);
	int res;

	if (owner && org_account_readable(owner) &&
	    lists_itself(s, owner->id, from->region, r->arn))
		return 0;               /* a row of its own account's */
	res = nameset_add(&s->cross, r->arn);
	if (res <= 0)
		return res;             /* met before: a row already */
	if (!owner) {
		struct aws_error err;
		char path[128];

		snprintf(path, sizeof(path), "/accounts/%s/resources (%s)",
			 from->account, from->region);
		aws_error_clear(&err);
		aws_error_set(&err, EIO, "ForeignResource",
			      "resource %.300s names account %.20s, which is not in the organization: shown as account %s's, which listed it",
			      r->arn, r->account, from->account);
		aws_error_set_operation(&err, "tagging", "GetResources");
		org_record_error(s->org, path, &err);
	}
	row->r = moved_copy(s, r, owner ? owner->id : from->account);
	return row->r ? 1 : -ENOMEM;
}

/* Add a slice's rows; those without an owner of their own get their
 * account's later (NULL until then). */
static int rsnap_add(struct rsnap *s, const struct org_resources *sl,
		     const struct owner_config *ocfg,
		     const struct rsnap_slice *from)
{
	size_t j;

	if (rsnap_reserve(s, sl->n))
		return -ENOMEM;
	s->pub.skipped += (unsigned)sl->skipped.n;
	for (j = 0; j < sl->n; j++) {
		struct resindex_row *row = &s->pub.rows[s->pub.n];
		const char *val;
		size_t vlen;
		char own[OWNER_VALUE_MAX + 1];
		int res;

		row->r = &sl->v[j];
		row->owner = NULL;
		if (from && from->nbefore &&
		    org_resource_seen_global(&sl->v[j], from->before,
					     from->nbefore))
			continue;       /* listed by an earlier region */
		if (from && strcmp(sl->v[j].account, from->account)) {
			res = attribute(s, row, from);
			if (res < 0)
				return res;
			if (!res)
				continue;       /* not a row of this listing */
		}
		s->pub.n++;
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

/* Pin (kind, "") into s.  @return 0 or -errno, err filled */
static int rsnap_fetch(struct rsnap *s, enum org_kind kind, const char *path,
		       const void **data, struct aws_error *err)
{
	struct cache_ref ref;
	int res = org_get(s->org, kind, "", path, &ref, err);

	if (res)
		return res;
	*data = ref.data;
	return rsnap_pin(s, &ref);
}

/* How many slices the walk asks for ahead of the one it reads: enough to
 * keep every worker busy, few enough that a cache_max below the
 * organization's resources does not evict them before they are read. */
#define RSNAP_AHEAD 256

/* The next slices to ask for, in the order of the walk */
struct ahead {
	size_t ai, ri;                  /* account, region */
	size_t asked;
	/* regions=all: each account's enabled regions (pinned in the
	 * snapshot), NULL for one whose list failed; NULL: x->regions */
	const struct org_regions **ar;
};

/* The regions of account i whose slices the walk reads */
static size_t regions_of(const struct resindex *x, const struct ahead *p,
			 size_t i, char *const **v)
{
	if (!p->ar) {
		*v = x->regions;
		return x->nregions;
	}
	*v = p->ar[i] ? p->ar[i]->v : NULL;
	return p->ar[i] ? p->ar[i]->n : 0;
}

static void rsnap_ask(struct resindex *x, const struct org_accounts *a,
		      struct ahead *p)
{
	char *const *regions = NULL;
	char key[64];

	while (p->ai < a->n && (!org_account_readable(&a->v[p->ai]) ||
				!regions_of(x, p, p->ai, &regions)))
		p->ai++;
	if (p->ai >= a->n) {
		p->asked = SIZE_MAX;
		return;
	}
	org_slice_key(key, sizeof(key), a->v[p->ai].id, regions[p->ri]);
	org_prefetch(x->org, ORG_RESOURCES, key);
	p->asked++;
	if (++p->ri == regions_of(x, p, p->ai, &regions)) {
		p->ri = 0;
		p->ai++;
	}
}

/* The aggregator's one organization-wide listing: nothing to fan out */
static int build_aggregated(struct resindex *x, struct rsnap *s,
			    const char *path, struct aws_error *err)
{
	const void *data;
	int res = rsnap_fetch(s, ORG_ORGRES, path, &data, err);

	if (!res)
		res = rsnap_add(s, data, org_owner_config(x->org), NULL);
	if (!res)
		__atomic_store_n(&x->resources, s->pub.n, __ATOMIC_RELAXED);
	return res;
}

/* Account id left out of s, for why (its first failed slice's error). */
static void rsnap_unread(struct rsnap *s, const char *id, const char *region,
			 const struct aws_error *err)
{
	struct resindex_unread *nv;
	char why[768];
	unsigned n = s->pub.unreadable;

	if (n && !s->pub.unread)
		goto count;             /* lost to a failed allocation */
	nv = realloc(s->pub.unread, (n + 1) * sizeof(*nv));
	if (!nv)
		goto lost;
	s->pub.unread = nv;
	snprintf(why, sizeof(why), "resources unreadable (%s: %s: %s)", region,
		 err->code[0] ? err->code : "error", err->message);
	nv[n].account = strdup(id);
	nv[n].why = strdup(why);
	if (nv[n].account && nv[n].why)
		goto count;
	free(nv[n].account);
	free(nv[n].why);
lost:
	for (unsigned i = 0; s->pub.unread && i < n; i++) {
		free(s->pub.unread[i].account);
		free(s->pub.unread[i].why);
	}
	free(s->pub.unread);
	s->pub.unread = NULL;
count:
	s->pub.unreadable++;
}

/* One account's slices, one region each; a slice that fails marks the
 * account unreadable (the org records the error).  *done counts the
 * slices read so far, for read-ahead. */
static int build_account(struct resindex *x, struct rsnap *s,
			 const struct org_accounts *a, size_t i,
			 struct ahead *ahead, size_t total, size_t *done)
{
	const struct owner_config *ocfg = org_owner_config(x->org);
	struct cache_ref ref;
	const struct org_resources *before[128];
	char *const *regions = NULL;
	char key[64];
	struct aws_error first;
	size_t k, bad_k = 0, nbefore = 0;
	size_t nregions = regions_of(x, ahead, i, &regions);
	int bad = 0, res;

	for (k = 0; k < nregions; k++) {
		struct aws_error err;
		char path[128];

		/* ask ahead, in the order the walk reads */
		while (ahead->asked < total &&
		       ahead->asked < *done + RSNAP_AHEAD)
			rsnap_ask(x, a, ahead);
		(*done)++;
		org_slice_key(key, sizeof(key), a->v[i].id, regions[k]);
		snprintf(path, sizeof(path), "/accounts/%s/resources (%s)",
			 a->v[i].id, regions[k]);
		aws_error_clear(&err);
		/* a slice is counted once read, after its resources, so that
		 * .orgfs/status never counts a slice without them */
		if (org_get(x->org, ORG_RESOURCES, key, path, &ref, &err)) {
			if (!bad++) {
				first = err;
				bad_k = k;
			}
			__atomic_add_fetch(&x->slices_done, 1, __ATOMIC_RELEASE);
			continue;
		}
		res = rsnap_pin(s, &ref);
		if (!res) {
			struct rsnap_slice from = {
				.account = a->v[i].id, .region = regions[k],
				.accounts = a, .before = before,
				.nbefore = nbefore,
			};

			res = rsnap_add(s, ref.data, ocfg, &from);
			if (nbefore < 128)
				before[nbefore++] = ref.data;
		}
		if (res)
			return res;
		__atomic_add_fetch(&x->resources,
				   ((const struct org_resources *)ref.data)->n,
				   __ATOMIC_RELAXED);
		__atomic_add_fetch(&x->slices_done, 1, __ATOMIC_RELEASE);
	}
	if (bad)
		rsnap_unread(s, a->v[i].id, regions[bad_k], &first);
	return 0;
}

/* How many regions the lists name, each once (at most 256 counted) */
static uint64_t distinct_regions(const struct org_regions *const *ar,
				 size_t n)
{
	const char *seen[256];
	size_t i, j, k, nseen = 0;

	for (i = 0; i < n; i++)
		for (j = 0; ar[i] && j < ar[i]->n; j++) {
			for (k = 0; k < nseen; k++)
				if (!strcmp(seen[k], ar[i]->v[j]))
					break;
			if (k == nseen && nseen < 256)
				seen[nseen++] = ar[i]->v[j];
		}
	return nseen;
}

/* regions=all: every readable account's enabled regions into *out (an
 * array of a->n, NULL for an account whose list could not be had: the
 * org records why, and the account is left out of s), asked of all
 * accounts at once and pinned in s.  @return 0 or -ENOMEM */
static int enabled_regions(struct resindex *x, struct rsnap *s,
			   const struct org_accounts *a,
			   const struct org_regions ***out)
{
	const struct org_regions **ar = calloc(a->n ? a->n : 1, sizeof(*ar));
	size_t i;
	int res;

	if (!ar)
		return -ENOMEM;
	for (i = 0; i < a->n; i++)
		if (org_account_readable(&a->v[i]))
			org_prefetch(x->org, ORG_REGIONS, a->v[i].id);
	for (i = 0; i < a->n; i++) {
		struct cache_ref ref;
		struct aws_error err;
		char path[96];

		if (!org_account_readable(&a->v[i]))
			continue;
		snprintf(path, sizeof(path), "/accounts/%s/resources (regions)",
			 a->v[i].id);
		aws_error_clear(&err);
		if (org_get(x->org, ORG_REGIONS, a->v[i].id, path, &ref,
			    &err)) {
			/* no region of it is read: the account is left out */
			rsnap_unread(s, a->v[i].id, "regions", &err);
			continue;
		}
		res = rsnap_pin(s, &ref);
		if (res) {
			free(ar);
			return res;
		}
		ar[i] = ref.data;
	}
	__atomic_store_n(&x->nall, distinct_regions(ar, a->n),
			 __ATOMIC_RELAXED);
	*out = ar;
	return 0;
}

/* Every readable account's slices, in order */
static int build_fanout(struct resindex *x, struct rsnap *s,
			const struct org_accounts *a)
{
	struct ahead ahead = { 0 };
	char *const *regions;
	size_t i, total = 0, done = 0;
	int res;

	if (!x->nregions) {
		res = enabled_regions(x, s, a, &ahead.ar);
		if (res)
			return res;
	}
	for (i = 0; i < a->n; i++)
		if (org_account_readable(&a->v[i]))
			total += regions_of(x, &ahead, i, &regions);
	__atomic_store_n(&x->slices_total, total, __ATOMIC_RELAXED);
	__atomic_store_n(&x->slices_done, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&x->resources, 0, __ATOMIC_RELAXED);
	for (i = 0; i < a->n; i++) {
		if (!org_account_readable(&a->v[i]))
			continue;
		res = build_account(x, s, a, i, &ahead, total, &done);
		if (res) {
			free(ahead.ar);
			return res;
		}
	}
	free(ahead.ar);
	__atomic_store_n(&x->unreadable, s->pub.unreadable, __ATOMIC_RELAXED);
	return 0;
}

/* Rows without an owner of their own take their account's: from the
 * org-wide index when it is at hand, else each such account's owner
 * alone (its tags, then up its parents only as far as needed: no OU
 * that no account needs is asked about) */
static int inherit_owners(struct rsnap *s, const struct org_accounts *a,
			  const char *path, struct aws_error *err)
{
	struct cache_ref ref;
	const char **own = NULL, **ids = NULL;  /* the accounts to resolve */
	char **vals = NULL;
	size_t *mark = NULL;            /* per account: its place in ids */
	size_t j, i, k, m = 0;
	time_t fetched;
	int stale, res = 0;

	if (!org_peek(s->org, ORG_INDEX, "", &ref)) {
		res = rsnap_pin(s, &ref);
		for (j = 0; !res && j < s->pub.n; j++) {
			const struct org_index_obj *ob;

			if (s->pub.rows[j].owner)
				continue;
			ob = org_index_find(ref.data, s->pub.rows[j].r->account);
			s->pub.rows[j].owner = ob ? ob->owner : NULL;
		}
		return res;
	}
	own = calloc(a->n ? a->n : 1, sizeof(*own));
	ids = calloc(a->n ? a->n : 1, sizeof(*ids));
	vals = calloc(a->n ? a->n : 1, sizeof(*vals));
	mark = calloc(a->n ? a->n : 1, sizeof(*mark));
	if (!own || !ids || !vals || !mark) {
		res = -ENOMEM;
		goto out;
	}
	for (j = 0; j < s->pub.n; j++) {
		const struct org_account *ac;

		if (s->pub.rows[j].owner)
			continue;
		ac = org_accounts_find(a, s->pub.rows[j].r->account);
		if (ac)
			mark[ac - a->v] = 1;
	}
	for (i = 0; i < a->n; i++)
		if (mark[i]) {
			mark[i] = m;    /* its place in ids */
			ids[m++] = a->v[i].id;
		} else {
			mark[i] = SIZE_MAX;
		}
	res = org_owner_values(s->org, ids, m, path, vals, &fetched, &stale,
			       err);
	if (res)
		goto out;
	if (fetched > s->pub.mtime)
		s->pub.mtime = fetched;
	s->pub.stale |= stale;
	for (k = 0; k < m && !res; k++)
		if (vals[k] && nameset_intern(&s->owners, vals[k], &own[k]) < 0)
			res = -ENOMEM;
	for (j = 0; j < s->pub.n && !res; j++) {
		const struct org_account *ac;

		if (s->pub.rows[j].owner)
			continue;
		ac = org_accounts_find(a, s->pub.rows[j].r->account);
		s->pub.rows[j].owner = ac ? own[mark[ac - a->v]] : NULL;
	}
out:
	for (k = 0; vals && k < m; k++)
		free(vals[k]);
	free(vals);
	free(own);
	free(ids);
	free(mark);
	return res;
}

/* The accounts' tags, fetched meanwhile (another lane) for the owners of
 * the resources without one of their own; nothing when the org-wide
 * index is at hand */
static void prefetch_owners(struct resindex *x, const struct org_accounts *a)
{
	struct cache_ref ref;
	size_t i;

	if (!org_peek(x->org, ORG_INDEX, "", &ref)) {
		org_put(x->org, &ref);
		return;
	}
	for (i = 0; i < a->n; i++)
		if (org_account_readable(&a->v[i]))
			org_prefetch(x->org, ORG_TAGS, a->v[i].id);
}

/* Give back what the arrays grew past their use (they double) */
static void rsnap_fit(struct rsnap *s)
{
	struct resindex_row *rows;
	struct cache_entry **pins;
	size_t was = s->cap * sizeof(*rows) + s->cappins * sizeof(*pins);

	if (s->pub.n && s->pub.n < s->cap &&
	    (rows = realloc(s->pub.rows, s->pub.n * sizeof(*rows)))) {
		s->pub.rows = rows;
		s->cap = s->pub.n;
	}
	if (s->npins && s->npins < s->cappins &&
	    (pins = realloc(s->pins, s->npins * sizeof(*pins)))) {
		s->pins = pins;
		s->cappins = s->npins;
	}
	memtrim_freed(was - s->cap * sizeof(*rows) -
		      s->cappins * sizeof(*pins));
}

static int rsnap_build(struct resindex *x, uint64_t version,
		       const char *path, struct aws_error *err,
		       struct rsnap **out)
{
	const void *a;
	struct rsnap *s;
	int res;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->idx = x;
	s->org = x->org;
	s->version = version;
	s->refs = 1;
	pthread_mutex_init(&s->tag_lock, NULL);
	res = rsnap_fetch(s, ORG_ACCOUNTS, path, &a, err);
	if (res)
		goto fail;
	prefetch_owners(x, a);
	res = x->aggregated ? build_aggregated(x, s, path, err) :
			      build_fanout(x, s, a);
	if (!res)
		res = inherit_owners(s, a, path, err);
	if (res)
		goto fail;
	rsnap_fit(s);
	s->expires = org_now_ms(x->org) + org_view_ttl_ms(x->org);
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

/* Under x->lock: the snapshot to read, with a reference, or NULL when
 * this reader is to build it (then x->building is set). */
static struct rsnap *rsnap_wait(struct resindex *x, uint64_t version,
				struct rsnap **oldh)
{
	uint64_t seen = x->builds;
	struct rsnap *s;

	for (;;) {
		s = x->cur ? x->cur : x->handoff;
		if (s && ((s->version == version &&
			   org_now_ms(x->org) < s->expires) ||
			  x->builds != seen)) {
			/* current, or built while this reader waited for it */
			s->refs++;
			break;
		}
		s = NULL;
		if (!x->building)
			break;
		x->waiting++;
		pthread_cond_wait(&x->done, &x->lock);
		x->waiting--;
	}
	if (!x->waiting) {
		/* every reader it was handed to has it (or built anew) */
		*oldh = x->handoff;
		x->handoff = NULL;
	}
	if (!s) {
		/* a new walk: its counts start now, under the lock that
		 * resindex_stats reads building under */
		x->building = 1;
		__atomic_store_n(&x->slices_done, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&x->slices_total, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&x->resources, 0, __ATOMIC_RELAXED);
		/* regions=all: unknown again until this walk has the lists */
		__atomic_store_n(&x->nall, 0, __ATOMIC_RELAXED);
	}
	return s;
}

/* Under x->lock: a build of s is done; keep it, hand it to the readers
 * that waited, or neither.  *old and *oldh: the snapshots let go of. */
static void rsnap_publish(struct resindex *x, struct rsnap *s,
			  struct rsnap **old, struct rsnap **oldh)
{
	size_t cap = org_max_bytes(x->org);

	/* kept only when it leaves the cache room for the rest; an older
	 * one goes either way */
	*old = x->cur;
	x->cur = NULL;
	*oldh = x->handoff;
	x->handoff = NULL;
	if (!cap || s->bytes <= cap / 2) {
		x->cur = s;
		s->refs++;
	} else if (x->waiting) {
		/* not kept, but those who waited for it read it rather than
		 * each walk the resources in turn: the cap holds again once
		 * they have */
		x->handoff = s;
		s->refs++;
	}
}

struct resindex_snap *resindex_get(struct resindex *x, const char *path,
				   struct aws_error *err)
{
	uint64_t version = org_data_version(x->org);
	struct rsnap *s, *old = NULL, *oldh = NULL;
	int res;

	pthread_mutex_lock(&x->lock);
	s = rsnap_wait(x, version, &oldh);
	pthread_mutex_unlock(&x->lock);
	rsnap_put(oldh);
	oldh = NULL;
	if (s)
		return &s->pub;
	res = rsnap_build(x, version, path, err, &s);
	pthread_mutex_lock(&x->lock);
	x->building = 0;
	x->builds++;
	if (!res)
		rsnap_publish(x, s, &old, &oldh);
	pthread_cond_broadcast(&x->done);
	pthread_mutex_unlock(&x->lock);
	rsnap_put(old);
	rsnap_put(oldh);
	return res ? NULL : &s->pub;
}

void resindex_drop(struct resindex *x)
{
	struct rsnap *s, *h;

	pthread_mutex_lock(&x->lock);
	s = x->cur;
	x->cur = NULL;
	h = x->handoff;
	x->handoff = NULL;
	pthread_mutex_unlock(&x->lock);
	rsnap_put(s);
	rsnap_put(h);
}

void resindex_stats(struct resindex *x, struct resindex_stats *out)
{
	/* building first: when it is set, the counts read after are the
	 * walk's (reset under the lock when it began) */
	pthread_mutex_lock(&x->lock);
	out->builds = x->builds;
	out->waiting = x->waiting;
	out->building = x->building;
	pthread_mutex_unlock(&x->lock);
	/* slices before resources: a slice counted is in the resources */
	out->slices_done = __atomic_load_n(&x->slices_done, __ATOMIC_ACQUIRE);
	out->slices_total = __atomic_load_n(&x->slices_total,
					    __ATOMIC_RELAXED);
	out->resources = __atomic_load_n(&x->resources, __ATOMIC_RELAXED);
	out->unreadable = __atomic_load_n(&x->unreadable, __ATOMIC_RELAXED);
	out->regions = x->nregions ? x->nregions :
		       __atomic_load_n(&x->nall, __ATOMIC_RELAXED);
}

struct resindex *resindex_new(struct org *org, char *const *regions,
			      size_t nregions, int aggregated)
{
	struct resindex *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->org = org;
	x->regions = regions;
	x->nregions = nregions;
	x->aggregated = aggregated;
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->done, NULL);
	return x;
}

void resindex_free(struct resindex *x)
{
	if (!x)
		return;
	resindex_drop(x);
	pthread_cond_destroy(&x->done);
	pthread_mutex_destroy(&x->lock);
	free(x);
}
