/* model.c - freeing, sorting and finding the organization's entities */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

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
	for (i = 0; i < a->n; i++) {
		struct org_account *x = &a->v[i];

		free(x->id);
		free(x->arn);
		free(x->name);
		free(x->email);
		free(x->state);
		free(x->joined_method);
	}
	free(a->v);
	org_skipped_free(&a->skipped);
	free(a);
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
	for (i = 0; i < h->nlinks; i++) {
		free(h->links[i].child_id);
		free(h->links[i].parent_id);
	}
	free(h->ous);
	free(h->links);
	org_skipped_free(&h->skipped);
	free(h);
}

void org_info_free(struct org_info *o)
{
	size_t i;

	if (!o)
		return;
	free(o->id);
	free(o->arn);
	free(o->feature_set);
	free(o->management_account_id);
	free(o->management_account_arn);
	free(o->management_account_email);
	for (i = 0; i < o->ntypes; i++) {
		free(o->types[i].type);
		free(o->types[i].status);
	}
	free(o->types);
	free(o);
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

void org_resources_free(struct org_resources *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		org_resource_clear(&r->v[i]);
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
