/* model.c - freeing, sorting and finding the organization's entities */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "model.h"
#include "strpool.h"

void org_tags_free(struct org_tags *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].value);
	}
	free(t->v);
	free(t);
}

int org_skipped_add(struct org_skipped *s, const struct aws_error *why)
{
	if (s->nkept < ORG_SKIPPED_KEPT) {
		if (!s->kept) {
			s->kept = calloc(ORG_SKIPPED_KEPT, sizeof(*s->kept));
			if (!s->kept)
				return -ENOMEM;
		}
		s->kept[s->nkept++] = *why;
	}
	s->n++;
	return 0;
}

int org_skipped_merge(struct org_skipped *dst, const struct org_skipped *src)
{
	for (size_t i = 0; i < src->nkept; i++)
		if (org_skipped_add(dst, &src->kept[i]))
			return -ENOMEM;
	dst->n += src->n - src->nkept;
	return 0;
}

void org_skipped_free(struct org_skipped *s)
{
	free(s->kept);
	memset(s, 0, sizeof(*s));
}

void org_accounts_free(struct org_accounts *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n && !a->pack; i++) {
		struct org_account *x = &a->v[i];

		free(x->id);
		free(x->arn);
		free(x->name);
		free(x->email);
		free(x->state);
		free(x->joined_method);
	}
	free(a->pack);
	free(a->v);
	org_skipped_free(&a->skipped);
	free(a);
}

/* The strings of an account, in the order they are packed */
#define ACCOUNT_STRINGS(x) { &(x)->id, &(x)->arn, &(x)->name, &(x)->email, \
			     &(x)->state, &(x)->joined_method }
#define ACCOUNT_NSTR 6

/* The copy of s to place at *at in blk: none when prev (the account
 * before's copy, in blk) is the same string.  @return the copy */
static char *pack_one(char *blk, size_t *at, const char *s, char *prev)
{
	size_t len;

	if (!s)
		return NULL;
	if (prev && !strcmp(prev, s))
		return prev;
	len = strlen(s) + 1;
	if (blk)
		memcpy(blk + *at, s, len);
	*at += len;
	return blk ? blk + *at - len : NULL;
}

int org_accounts_pack(struct org_accounts *a)
{
	size_t i, k, size = 0, at = 0;
	char *blk;

	if (!a || a->pack || !a->n)
		return 0;
	/* sized as placed: a string the account before has is not again */
	for (i = 0; i < a->n; i++) {
		char **s[] = ACCOUNT_STRINGS(&a->v[i]);
		char **p[] = ACCOUNT_STRINGS(&a->v[i ? i - 1 : 0]);

		for (k = 0; k < ACCOUNT_NSTR; k++)
			pack_one(NULL, &size, *s[k], i ? *p[k] : NULL);
	}
	blk = malloc(size ? size : 1);
	if (!blk)
		return -ENOMEM;
	for (i = 0; i < a->n; i++) {
		char **s[] = ACCOUNT_STRINGS(&a->v[i]);
		char **p[] = ACCOUNT_STRINGS(&a->v[i ? i - 1 : 0]);

		for (k = 0; k < ACCOUNT_NSTR; k++) {
			/* the account before is packed: its copy compares */
			char *copy = pack_one(blk, &at, *s[k],
					      i ? *p[k] : NULL);

			free(*s[k]);
			*s[k] = copy;
		}
	}
	a->pack = blk;
	a->pack_size = size;
	return 0;
}

void org_hier_free(struct org_hier *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->nous; i++) {
		free(h->ous[i].id);
		free(h->ous[i].arn);
		free(h->ous[i].name);
		free(h->ous[i].parent_id);
	}
	for (i = 0; i < h->nlinks && !h->links_pack; i++) {
		free(h->links[i].child_id);
		free(h->links[i].parent_id);
	}
	free(h->links_pack);
	free(h->ous);
	free(h->links);
	org_skipped_free(&h->skipped);
	free(h);
}

int org_hier_pack(struct org_hier *h)
{
	size_t i, size = 0, at = 0;
	char *blk;

	if (!h || h->links_pack || !h->nlinks)
		return 0;
	for (i = 0; i < h->nlinks; i++) {
		const struct org_parent_link *l = &h->links[i];

		size += strlen(l->child_id) + 1;
		if (l->parent_id && !org_hier_find_ou(h, l->parent_id))
			size += strlen(l->parent_id) + 1;
	}
	blk = malloc(size);
	if (!blk)
		return -ENOMEM;
	for (i = 0; i < h->nlinks; i++) {
		struct org_parent_link *l = &h->links[i];
		const struct org_ou *u = l->parent_id ?
			org_hier_find_ou(h, l->parent_id) : NULL;
		size_t len = strlen(l->child_id) + 1;

		memcpy(blk + at, l->child_id, len);
		free(l->child_id);
		l->child_id = blk + at;
		at += len;
		if (u) {
			free(l->parent_id);
			l->parent_id = u->id;
		} else if (l->parent_id) {
			len = strlen(l->parent_id) + 1;
			memcpy(blk + at, l->parent_id, len);
			free(l->parent_id);
			l->parent_id = blk + at;
			at += len;
		}
	}
	h->links_pack = blk;
	h->links_pack_size = size;
	return 0;
}

static void types_free(struct org_policy_type *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(t[i].type);
		free(t[i].status);
	}
	free(t);
}

void org_info_free(struct org_info *o)
{
	if (!o)
		return;
	free(o->id);
	free(o->arn);
	free(o->feature_set);
	free(o->management_account_id);
	free(o->management_account_arn);
	free(o->management_account_email);
	types_free(o->types, o->ntypes);
	free(o);
}

void org_roots_free(struct org_roots *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].id);
		free(r->v[i].arn);
		free(r->v[i].name);
		types_free(r->v[i].types, r->v[i].ntypes);
	}
	free(r->v);
	free(r);
}

int org_policy_types_copy(const struct org_policy_type *v, size_t n,
			  struct org_policy_type **out, size_t *nout)
{
	struct org_policy_type *t;
	size_t i;

	*out = NULL;
	*nout = 0;
	if (!n)
		return 0;
	t = calloc(n, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		t[i].type = strdup(v[i].type);
		t[i].status = strdup(v[i].status);
		if (!t[i].type || !t[i].status) {
			types_free(t, i + 1);
			return -ENOMEM;
		}
	}
	*out = t;
	*nout = n;
	return 0;
}

static void summary_clear(struct org_policy_summary *s)
{
	free(s->id);
	free(s->arn);
	free(s->name);
	free(s->type);
	free(s->description);
}

void org_policies_free(struct org_policies *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		summary_clear(&p->v[i]);
	free(p->v);
	org_skipped_free(&p->skipped);
	free(p);
}

void org_policy_free(struct org_policy *p)
{
	size_t i;

	if (!p)
		return;
	summary_clear(&p->summary);
	free(p->content);
	for (i = 0; i < p->ntargets; i++) {
		free(p->targets[i].id);
		free(p->targets[i].arn);
		free(p->targets[i].name);
		free(p->targets[i].type);
	}
	free(p->targets);
	org_skipped_free(&p->skipped);
	free(p);
}

static int tag_cmp(const void *a, const void *b)
{
	const struct org_tag *x = a, *y = b;

	return strcmp(x->key, y->key);
}

static int account_cmp(const void *a, const void *b)
{
	const struct org_account *x = a, *y = b;

	return strcmp(x->id, y->id);
}

/* Roots (no parent) first, then everything by id. */
static int ou_cmp(const void *a, const void *b)
{
	const struct org_ou *x = a, *y = b;
	int xr = !x->parent_id, yr = !y->parent_id;

	if (xr != yr)
		return yr - xr;
	return strcmp(x->id, y->id);
}

static int link_cmp(const void *a, const void *b)
{
	const struct org_parent_link *x = a, *y = b;

	return strcmp(x->child_id, y->child_id);
}

static int summary_cmp(const void *a, const void *b)
{
	const struct org_policy_summary *x = a, *y = b;

	return strcmp(x->id, y->id);
}

static int target_cmp(const void *a, const void *b)
{
	const struct org_policy_target *x = a, *y = b;

	return strcmp(x->id, y->id);
}

void org_tags_sort(struct org_tags *t)
{
	if (t && t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), tag_cmp);
}

void org_accounts_sort(struct org_accounts *a)
{
	if (a && a->n > 1)
		qsort(a->v, a->n, sizeof(*a->v), account_cmp);
}

void org_hier_sort(struct org_hier *h)
{
	if (!h)
		return;
	if (h->nous > 1)
		qsort(h->ous, h->nous, sizeof(*h->ous), ou_cmp);
	if (h->nlinks > 1)
		qsort(h->links, h->nlinks, sizeof(*h->links), link_cmp);
}

void org_policies_sort(struct org_policies *p)
{
	if (p && p->n > 1)
		qsort(p->v, p->n, sizeof(*p->v), summary_cmp);
}

void org_policy_sort(struct org_policy *p)
{
	if (p && p->ntargets > 1)
		qsort(p->targets, p->ntargets, sizeof(*p->targets), target_cmp);
}

/* The arrays hold different structs whose sort key is each struct's first
 * member, a char *: one binary search serves them all. */
_Static_assert(offsetof(struct org_tag, key) == 0, "key first");
_Static_assert(offsetof(struct org_account, id) == 0, "id first");
_Static_assert(offsetof(struct org_ou, id) == 0, "id first");
_Static_assert(offsetof(struct org_parent_link, child_id) == 0, "id first");

static const void *find_by_first(const void *base, size_t n, size_t size,
				 const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = *(char *const *)((const char *)base +
						 mid * size);
		int c = strcmp(key, k);

		if (!c)
			return (const char *)base + mid * size;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct org_account *org_accounts_find(const struct org_accounts *a,
					    const char *id)
{
	if (!a || !id)
		return NULL;
	return find_by_first(a->v, a->n, sizeof(*a->v), id);
}

int org_account_readable(const struct org_account *a)
{
	/* AWS refuses roles in suspended and closed accounts; one closing
	 * (PENDING_CLOSURE) or not yet active has nothing to list worth a
	 * call: only ACTIVE ones are read (man page).  No state at all:
	 * try. */
	return !a->state || !*a->state || !strcmp(a->state, "ACTIVE");
}

const struct org_ou *org_hier_find_ou(const struct org_hier *h,
				      const char *id)
{
	size_t nroots = 0;

	if (!h || !id)
		return NULL;
	/* An organization has one root (AWS allows no more today): a scan
	 * of the roots is cheaper than a second sort order. */
	while (nroots < h->nous && !h->ous[nroots].parent_id) {
		if (!strcmp(h->ous[nroots].id, id))
			return &h->ous[nroots];
		nroots++;
	}
	return find_by_first(h->ous + nroots, h->nous - nroots,
			     sizeof(*h->ous), id);
}

const char *org_hier_parent_of(const struct org_hier *h,
			       const char *account_id)
{
	const struct org_parent_link *l;

	if (!h || !account_id)
		return NULL;
	l = find_by_first(h->links, h->nlinks, sizeof(*h->links), account_id);
	return l ? l->parent_id : NULL;
}

const char *org_tags_get(const struct org_tags *t, const char *key)
{
	const struct org_tag *tag;

	if (!t || !key)
		return NULL;
	tag = find_by_first(t->v, t->n, sizeof(*t->v), key);
	return tag ? tag->value : NULL;
}

/* ---- resources ---- */

_Static_assert(offsetof(struct org_resource, arn) == 0, "arn first");

void org_resource_clear(struct org_resource *x)
{
	size_t j;

	free(x->arn);
	free(x->service);
	free(x->region);
	free(x->account);
	free(x->type);
	free(x->id);
	for (j = 0; j < x->tags.n; j++) {
		free(x->tags.v[j].key);
		free(x->tags.v[j].value);
	}
	free(x->tags.v);
	free(x->compliance);
	memset(x, 0, sizeof(*x));
}

/* ---- packing a listing ---- */

/* The distinct strings of a listing being packed (open addressing). */
struct pack_str {
	const char *s;                  /* NULL: free slot */
	size_t off;                     /* among the block's own strings */
	unsigned uses;
	int pool;                       /* 1: from the pool (strpool.h) */
};

struct packset {
	struct pack_str *v;
	size_t cap, n;
};

static struct pack_str *packset_slot(struct pack_str *v, size_t cap,
				     const char *s)
{
	size_t i = (size_t)hash_fnv1a_str(s) & (cap - 1);

	while (v[i].s && strcmp(v[i].s, s))
		i = (i + 1) & (cap - 1);
	return &v[i];
}

/* One more use of s, pooled or not.  @return 0 or -ENOMEM */
static int packset_add(struct packset *p, const char *s, int pool)
{
	struct pack_str *e;

	if ((p->n + 1) * 2 > p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64, i;
		struct pack_str *nv = calloc(ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		for (i = 0; i < p->cap; i++)
			if (p->v[i].s)
				*packset_slot(nv, ncap, p->v[i].s) = p->v[i];
		free(p->v);
		p->v = nv;
		p->cap = ncap;
	}
	e = packset_slot(p->v, p->cap, s);
	if (!e->s) {
		e->s = s;
		p->n++;
	}
	e->uses++;
	e->pool |= pool;
	return 0;
}

/* A tag value worth pooling: short (a team, an environment, a cost
 * center: the same in many listings), or met twice in this one.  A long
 * one met once (a Name) stays in the block: pooled it would cost more. */
#define PACK_POOL_SHORT 16

/* Where id lies in arn when it is the ARN's end, else NULL */
static const char *arn_suffix(const char *arn, const char *id)
{
	size_t la = strlen(arn), li = strlen(id);

	return li <= la && !strcmp(arn + la - li, id) ? arn + la - li : NULL;
}

/* The members of a resource that packing shares (all but arn and id) */
#define PACK_SHARED(x) { &(x)->service, &(x)->region, &(x)->account, \
			 &(x)->type, &(x)->compliance }

/* Whether p lies in r's block (else it is pooled) */
static int in_pack(const struct org_resources *r, const char *p)
{
	return p >= r->pack && p < r->pack + r->pack_size;
}

/* Let go of what r's resources hold from the pool: one holder for each
 * member that points outside r's block, as pack_place took them. */
static void pack_unpool(const struct org_resources *r)
{
	const char *batch[256];
	size_t i, j, k, nb = 0;

	for (i = 0; i < r->n; i++) {
		const struct org_resource *x = &r->v[i];
		const char *f[] = { x->id, x->service, x->region, x->account,
				    x->type, x->compliance };

		for (k = 0; k < sizeof(f) / sizeof(*f); k++)
			if (!in_pack(r, f[k]))
				batch[nb++] = f[k];
		for (j = 0; j < x->tags.n; j++) {
			if (nb + 2 > sizeof(batch) / sizeof(*batch)) {
				strpool_put_many(batch, nb);
				nb = 0;
			}
			if (!in_pack(r, x->tags.v[j].key))
				batch[nb++] = x->tags.v[j].key;
			if (!in_pack(r, x->tags.v[j].value))
				batch[nb++] = x->tags.v[j].value;
		}
		if (nb + 8 > sizeof(batch) / sizeof(*batch)) {
			strpool_put_many(batch, nb);
			nb = 0;
		}
	}
	strpool_put_many(batch, nb);
}

/* Count every string of r into set; the sizes of the tag arrays and the
 * ARNs into *tagb and *arnb.  @return 0 or -ENOMEM */
static int pack_count(const struct org_resources *r, struct packset *set,
		      size_t *tagb, size_t *arnb)
{
	size_t i, j, k;
	int rc = 0;

	for (i = 0; i < r->n && !rc; i++) {
		const struct org_resource *x = &r->v[i];
		char *const *sh[] = PACK_SHARED(x);

		*tagb += x->tags.n * sizeof(*x->tags.v);
		*arnb += strlen(x->arn) + 1;
		if (!arn_suffix(x->arn, x->id))
			rc = packset_add(set, x->id, 0);
		for (k = 0; k < sizeof(sh) / sizeof(*sh) && !rc; k++)
			rc = packset_add(set, *sh[k] ? *sh[k] : "", 1);
		for (j = 0; j < x->tags.n && !rc; j++) {
			const char *v = x->tags.v[j].value;

			rc = packset_add(set, x->tags.v[j].key, 1);
			if (!rc)
				rc = packset_add(set, v,
						 strlen(v) <= PACK_POOL_SHORT);
		}
	}
	return rc;
}

/* Each distinct string of set into the block: pooled (one holder per
 * use), or copied to strs; set then names the copies.
 * @return 0 or -ENOMEM (what was pooled given back) */
static int pack_place(struct packset *set, char *strs)
{
	size_t i, k;

	for (i = 0; i < set->cap; i++) {
		struct pack_str *e = &set->v[i];
		const char *p;

		if (!e->s)
			continue;
		if (!e->pool) {
			memcpy(strs + e->off, e->s, strlen(e->s) + 1);
			e->s = strs + e->off;
			continue;
		}
		p = strpool_get(e->s, e->uses);
		if (!p)
			goto undo;
		e->s = p;
	}
	return 0;
undo:
	while (i--) {
		if (!set->v[i].s || !set->v[i].pool)
			continue;
		for (k = 0; k < set->v[i].uses; k++)
			strpool_put(set->v[i].s);
	}
	return -ENOMEM;
}

int org_resources_pack(struct org_resources *r)
{
	struct packset set = { 0 };
	size_t i, j, k, tagb = 0, arnb = 0, own = 0, tcur, acur;
	struct org_resource *shrunk;
	char *blk;

	if (!r || r->pack || !r->n)
		return 0;
	if (pack_count(r, &set, &tagb, &arnb))
		goto nomem;
	for (i = 0; i < set.cap; i++) {
		struct pack_str *e = &set.v[i];

		if (e->s && e->uses > 1)
			e->pool = 1;            /* met twice: shared */
		if (e->s && !e->pool) {
			e->off = own;
			own += strlen(e->s) + 1;
		}
	}
	/* the block: tag arrays, ARNs, the listing's own strings */
	blk = malloc(tagb + arnb + own);
	if (!blk)
		goto nomem;
	if (pack_place(&set, blk + tagb + arnb)) {
		free(blk);
		goto nomem;
	}
	/* the originals are freed below; lookups compare the copies */
	tcur = 0;
	acur = tagb;
	for (i = 0; i < r->n; i++) {
		struct org_resource *x = &r->v[i];
		char **sh[] = PACK_SHARED(x);
		struct org_tag *tv = (struct org_tag *)(void *)(blk + tcur);
		size_t la = strlen(x->arn) + 1;
		char *arn = blk + acur, *old;
		const char *suf;

		memcpy(arn, x->arn, la);
		acur += la;
		suf = arn_suffix(arn, x->id);
		old = x->id;
		x->id = (char *)(suf ? suf :
				 packset_slot(set.v, set.cap, old)->s);
		free(old);
		free(x->arn);
		x->arn = arn;
		for (k = 0; k < sizeof(sh) / sizeof(*sh); k++) {
			old = *sh[k];
			*sh[k] = (char *)packset_slot(set.v, set.cap,
						      old ? old : "")->s;
			free(old);
		}
		for (j = 0; j < x->tags.n; j++) {
			struct org_tag *t = &x->tags.v[j];

			tv[j].key = (char *)packset_slot(set.v, set.cap,
							 t->key)->s;
			tv[j].value = (char *)packset_slot(set.v, set.cap,
							   t->value)->s;
			free(t->key);
			free(t->value);
		}
		free(x->tags.v);
		x->tags.v = x->tags.n ? tv : NULL;
		tcur += x->tags.n * sizeof(*tv);
	}
	free(set.v);
	r->pack = blk;
	r->pack_size = tagb + arnb + own;
	/* a source's array may have grown past n */
	shrunk = realloc(r->v, r->n * sizeof(*r->v));
	if (shrunk)
		r->v = shrunk;
	return 0;
nomem:
	free(set.v);
	return -ENOMEM;
}

size_t org_resources_bytes(const struct org_resources *r)
{
	size_t i, j, sz;

	if (!r)
		return 0;
	sz = sizeof(*r) + r->n * sizeof(*r->v) +
	     r->skipped.nkept * sizeof(*r->skipped.kept);
	if (r->pack)
		return sz + r->pack_size;
	for (i = 0; i < r->n; i++) {
		const struct org_resource *x = &r->v[i];
		const char *f[] = { x->arn, x->service, x->region, x->account,
				    x->type, x->id, x->compliance };

		for (j = 0; j < sizeof(f) / sizeof(*f); j++)
			sz += f[j] ? strlen(f[j]) + 1 : 0;
		sz += x->tags.n * sizeof(*x->tags.v);
		for (j = 0; j < x->tags.n; j++)
			sz += strlen(x->tags.v[j].key) +
			      strlen(x->tags.v[j].value) + 2;
	}
	return sz;
}

void org_regions_free(struct org_regions *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	free(r);
}

static int cmp_res_arn(const void *k, const void *e)
{
	return strcmp(k, ((const struct org_resource *)e)->arn);
}

int org_resource_seen_global(const struct org_resource *r,
			     const struct org_resources *const *before,
			     size_t n)
{
	size_t i;

	if (strcmp(r->region, "global"))
		return 0;
	for (i = 0; i < n; i++)
		if (before[i] && bsearch(r->arn, before[i]->v, before[i]->n,
					 sizeof(*before[i]->v), cmp_res_arn))
			return 1;
	return 0;
}

void org_resources_free(struct org_resources *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; !r->pack && i < r->n; i++)
		org_resource_clear(&r->v[i]);
	if (r->pack)
		pack_unpool(r);
	free(r->pack);
	free(r->v);
	org_skipped_free(&r->skipped);
	free(r);
}

static int resource_cmp(const void *a, const void *b)
{
	const struct org_resource *x = a, *y = b;

	return strcmp(x->arn, y->arn);
}

void org_resources_sort(struct org_resources *r)
{
	if (r && r->n > 1)
		qsort(r->v, r->n, sizeof(*r->v), resource_cmp);
}

const struct org_resource *org_resources_find(const struct org_resources *r,
					      const char *arn)
{
	if (!r || !arn)
		return NULL;
	return find_by_first(r->v, r->n, sizeof(*r->v), arn);
}

void org_config_rules_free(struct org_config_rules *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].compliance);
	}
	free(r->v);
	free(r);
}

void org_document_free(struct org_document *d)
{
	if (!d)
		return;
	free(d->text);
	free(d);
}

/* ---- IAM Identity Center assignments ---- */

void org_access_free(struct org_access *a)
{
	size_t i, j;

	if (!a)
		return;
	for (i = 0; i < a->npsets; i++) {
		struct org_pset *p = &a->psets[i];

		free(p->arn);
		free(p->name);
		free(p->description);
		free(p->session_duration);
		for (j = 0; j < p->nmanaged; j++)
			free(p->managed[j]);
		free(p->managed);
		free(p->inline_policy);
		if (a->accounts_pack)
			continue;       /* the block's */
		for (j = 0; j < p->naccounts; j++)
			free(p->accounts[j]);
		free(p->accounts);
	}
	free(a->accounts_pack);
	free(a->psets);
	for (i = 0; i < a->n; i++) {
		struct org_assignment *x = &a->v[i];
		char *s[] = { x->account, x->principal_id, x->principal_name,
			      x->label };

		for (j = 0; j < sizeof(s) / sizeof(*s); j++)
			if (a->pooled)
				strpool_put(s[j]);
			else
				free(s[j]);
	}
	free(a->v);
	free(a->instance_arn);
	free(a->identity_store_id);
	org_skipped_free(&a->skipped);
	free(a);
}

static int cmp_pset(const void *x, const void *y)
{
	return strcmp(((const struct org_pset *)x)->name,
		      ((const struct org_pset *)y)->name);
}

static int cmp_str_ptr(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Assignments by account, then (pset already ranked) type, label */
static int cmp_assignment(const void *x, const void *y)
{
	const struct org_assignment *a = x, *b = y;
	int c = strcmp(a->account, b->account);

	if (c)
		return c;
	if (a->pset != b->pset)
		return a->pset < b->pset ? -1 : 1;
	if (a->user != b->user)
		return a->user - b->user;
	c = strcmp(a->label, b->label);
	return c ? c : strcmp(a->principal_id, b->principal_id);
}

/* Principals by type, name, id: equal names of one type side by side */
static int cmp_principal(const void *x, const void *y)
{
	const struct org_assignment *a = *(const struct org_assignment *const *)x;
	const struct org_assignment *b = *(const struct org_assignment *const *)y;
	int c;

	if (a->user != b->user)
		return a->user - b->user;
	c = strcmp(a->principal_name, b->principal_name);
	return c ? c : strcmp(a->principal_id, b->principal_id);
}

static int same_principal(const struct org_assignment *a,
			  const struct org_assignment *b)
{
	return a->user == b->user && !strcmp(a->principal_id, b->principal_id);
}

/* Label every assignment: the name, or "name (id)" when another principal
 * of the same type has that name too.  @return 0 or -ENOMEM */
static int label_principals(struct org_access *a)
{
	struct org_assignment **p;
	size_t i, j, k;
	int res = 0;

	if (!a->n)
		return 0;
	p = malloc(a->n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < a->n; i++)
		p[i] = &a->v[i];
	qsort(p, a->n, sizeof(*p), cmp_principal);
	for (i = 0; i < a->n && !res; i = j) {
		int shared = 0;

		/* [i, j): one name of one type */
		for (j = i + 1; j < a->n && p[j]->user == p[i]->user &&
		     !strcmp(p[j]->principal_name, p[i]->principal_name); j++)
			if (!same_principal(p[j], p[i]))
				shared = 1;
		for (k = i; k < j && !res; k++) {
			size_t len = strlen(p[k]->principal_name) +
				     strlen(p[k]->principal_id) + 4;
			char *l = malloc(len);

			if (!l) {
				res = -ENOMEM;
				break;
			}
			if (shared)
				snprintf(l, len, "%s (%s)",
					 p[k]->principal_name,
					 p[k]->principal_id);
			else
				snprintf(l, len, "%s", p[k]->principal_name);
			if (a->pooled) {
				/* the same few labels, once each */
				p[k]->label = (char *)strpool_get(l, 1);
				free(l);
				if (!p[k]->label)
					res = -ENOMEM;
			} else {
				p[k]->label = l;
			}
		}
	}
	free(p);
	return res;
}

/* Index of the permission set with ARN arn among n (linear: a few dozen) */
static size_t org_access_find_pset_index(const struct org_pset *v, size_t n,
					 const char *arn)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].arn, arn))
			return i;
	return 0;
}

int org_access_finish(struct org_access *a)
{
	size_t *rank = NULL, i;
	struct org_pset *sorted;
	int res;

	for (i = 0; i < a->npsets; i++)
		if (a->psets[i].nmanaged > 1)
			qsort(a->psets[i].managed, a->psets[i].nmanaged,
			      sizeof(char *), cmp_str_ptr);
	if (a->npsets) {
		/* sort a copy, then tell each old index its new one */
		sorted = malloc(a->npsets * sizeof(*sorted));
		rank = malloc(a->npsets * sizeof(*rank));
		if (!sorted || !rank) {
			free(sorted);
			free(rank);
			return -ENOMEM;
		}
		memcpy(sorted, a->psets, a->npsets * sizeof(*sorted));
		qsort(sorted, a->npsets, sizeof(*sorted), cmp_pset);
		for (i = 0; i < a->npsets; i++)
			rank[i] = org_access_find_pset_index(sorted, a->npsets,
							      a->psets[i].arn);
		memcpy(a->psets, sorted, a->npsets * sizeof(*sorted));
		free(sorted);
		for (i = 0; i < a->n; i++)
			a->v[i].pset = rank[a->v[i].pset];
		free(rank);
	}
	res = label_principals(a);
	if (res)
		return res;
	if (a->n > 1)
		qsort(a->v, a->n, sizeof(*a->v), cmp_assignment);
	return 0;
}

int org_strings_find(char *const *v, size_t n, const char *s)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s, v[mid]);

		if (!c)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

int org_access_pack_accounts(struct org_access *a)
{
	size_t i, j, n = 0, nu = 0, bytes = 0, at = 0;
	char **all, **ptrs, *blk, *s;

	if (a->accounts_pack)
		return 0;
	for (i = 0; i < a->npsets; i++)
		n += a->psets[i].naccounts;
	if (!n)
		return 0;
	all = malloc(n * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0; i < a->npsets; i++)
		for (j = 0; j < a->psets[i].naccounts; j++)
			all[at++] = a->psets[i].accounts[j];
	qsort(all, n, sizeof(*all), cmp_str_ptr);
	for (i = 0; i < n; i++)
		if (!nu || strcmp(all[nu - 1], all[i])) {
			all[nu++] = all[i];
			bytes += strlen(all[i]) + 1;
		}
	blk = malloc(n * sizeof(char *) + bytes);
	if (!blk) {
		free(all);
		return -ENOMEM;
	}
	/* the strings once each, sorted: all[] now points to the copies */
	s = blk + n * sizeof(char *);
	for (i = 0; i < nu; i++) {
		size_t len = strlen(all[i]) + 1;

		memcpy(s, all[i], len);
		all[i] = s;
		s += len;
	}
	ptrs = (char **)(void *)blk;
	for (i = 0; i < a->npsets; i++) {
		struct org_pset *p = &a->psets[i];

		for (j = 0; j < p->naccounts; j++) {
			char **hit = bsearch(&p->accounts[j], all, nu,
					     sizeof(*all), cmp_str_ptr);

			ptrs[j] = *hit; /* every string is there */
			free(p->accounts[j]);
		}
		free(p->accounts);
		p->accounts = ptrs;
		ptrs += p->naccounts;
	}
	free(all);
	a->accounts_pack = blk;
	a->accounts_pack_size = n * sizeof(char *) + bytes;
	return 0;
}

int org_pset_provisioned(const struct org_pset *p, const char *account)
{
	return org_strings_find(p->accounts, p->naccounts, account);
}

int org_access_provisioned(const struct org_access *a, const char *account)
{
	for (size_t i = 0; i < a->npsets; i++)
		if (org_pset_provisioned(&a->psets[i], account))
			return 1;
	return 0;
}

const struct org_pset *org_access_find_pset(const struct org_access *a,
					    const char *name)
{
	size_t lo = 0, hi = a->npsets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, a->psets[mid].name);

		if (!c)
			return &a->psets[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void org_members_free(struct org_members *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->user_ids[i]);
	free(m->user_ids);
	org_skipped_free(&m->skipped);
	free(m);
}

size_t org_strings_sort_unique(char **v, size_t n)
{
	size_t i, k = 0;

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_str_ptr);
	for (i = 0; i < n; i++) {
		if (k && !strcmp(v[k - 1], v[i]))
			free(v[i]);
		else
			v[k++] = v[i];
	}
	return k;
}

void org_members_sort(struct org_members *m)
{
	m->n = org_strings_sort_unique(m->user_ids, m->n);
}

void org_principal_free(struct org_principal *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->name);
	free(p);
}

void org_account_access_free(struct org_account_access *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		if (a->packed) {
			strpool_put(a->v[i].pset_arn);
			strpool_put(a->v[i].principal_id);
		} else {
			free(a->v[i].pset_arn);
			free(a->v[i].principal_id);
		}
	}
	if (!a->packed)
		free(a->v);
	org_skipped_free(&a->skipped);
	free(a);
}

int org_account_access_pack(struct org_account_access **ap)
{
	struct org_account_access *a = *ap, *p;
	size_t i;

	if (a->packed)
		return 0;
	p = malloc(sizeof(*p) + a->n * sizeof(*a->v));
	if (!p)
		return -ENOMEM;
	*p = *a;
	p->v = (struct org_listed *)(void *)(p + 1);
	p->packed = 1;
	for (i = 0; i < a->n; i++) {
		const char *arn = strpool_get(a->v[i].pset_arn, 1);
		const char *id = arn ? strpool_get(a->v[i].principal_id, 1) :
			NULL;

		if (!id) {
			strpool_put(arn);
			while (i--) {
				strpool_put(p->v[i].pset_arn);
				strpool_put(p->v[i].principal_id);
			}
			free(p);
			return -ENOMEM;
		}
		p->v[i] = (struct org_listed){ (char *)arn, a->v[i].user,
					       (char *)id };
	}
	/* the skipped records moved with the struct */
	memset(&a->skipped, 0, sizeof(a->skipped));
	org_account_access_free(a);
	*ap = p;
	return 0;
}

static int cmp_listed(const void *x, const void *y)
{
	const struct org_listed *a = x, *b = y;
	int c = strcmp(a->pset_arn, b->pset_arn);

	if (c)
		return c;
	if (a->user != b->user)
		return a->user - b->user;
	return strcmp(a->principal_id, b->principal_id);
}

void org_account_access_sort(struct org_account_access *a)
{
	if (a->n > 1)
		qsort(a->v, a->n, sizeof(*a->v), cmp_listed);
}
