/* org.c - the organization as the tree sees it: a source behind a cache */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "awstime.h"
#include "hash.h"
#include "ids.h"
#include "log.h"
#include "memtrim.h"
#include "org.h"
#include "owner.h"
#include "strpool.h"

#define ORG_ERRORS_KEPT 200

struct org_err_rec {
	time_t when;
	char path[256];
	struct aws_error err;
};

struct org {
	struct org_source *src;
	struct cache *cache;
	struct org_config cfg;
	uint64_t generation;            /* atomic */

	pthread_mutex_t err_lock;
	struct org_err_rec errs[ORG_ERRORS_KEPT];  /* ring, protected by err_lock */
	unsigned nerrs;                 /* total recorded, protected by err_lock */

	/* the org-wide crawl behind ORG_INDEX; atomics */
	uint64_t crawl_total;
	uint64_t crawl_done;
	uint64_t crawl_runs;
	int crawl_running;
};

/* FNV-1a over every string of a value, each followed by a 0 byte so that
 * ("ab","c") and ("a","bc") differ. */
static void h_str(uint64_t *h, const char *s)
{
	s = s ? s : "";
	*h = hash_fnv1a_more(*h, s, strlen(s) + 1);
}

static void h_int(uint64_t *h, long long v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%lld", v);
	h_str(h, tmp);
}

static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static void hash_types(const struct org_policy_type *t, size_t n,
		       uint64_t *h, size_t *sz)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h_str(h, t[i].type);
		h_str(h, t[i].status);
		*sz += sizeof(t[i]) + slen(t[i].type) + slen(t[i].status);
	}
}

static void hash_roots(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_roots *v = p;
	size_t i;

	*sz += sizeof(*v);
	for (i = 0; i < v->n; i++) {
		h_str(h, v->v[i].id);
		h_str(h, v->v[i].arn);
		h_str(h, v->v[i].name);
		*sz += sizeof(v->v[i]) + slen(v->v[i].id) +
		       slen(v->v[i].arn) + slen(v->v[i].name);
		hash_types(v->v[i].types, v->v[i].ntypes, h, sz);
	}
}

static void free_roots(void *v)
{
	org_roots_free(v);
}

static void hash_info(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_info *v = p;

	h_str(h, v->id);
	h_str(h, v->arn);
	h_str(h, v->feature_set);
	h_str(h, v->management_account_id);
	h_str(h, v->management_account_arn);
	h_str(h, v->management_account_email);
	*sz += sizeof(*v) + slen(v->id) + slen(v->arn) + slen(v->feature_set) +
	       slen(v->management_account_id) +
	       slen(v->management_account_arn) +
	       slen(v->management_account_email);
	hash_types(v->types, v->ntypes, h, sz);
}

static void free_info(void *v)
{
	org_info_free(v);
}

static void hash_accounts(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_accounts *v = p;
	size_t i;

	*sz += sizeof(*v);
	for (i = 0; i < v->n; i++) {
		const struct org_account *a = &v->v[i];

		h_str(h, a->id);
		h_str(h, a->arn);
		h_str(h, a->name);
		h_str(h, a->email);
		h_str(h, a->state);
		h_str(h, a->joined_method);
		h_int(h, (long long)a->joined);
		*sz += sizeof(*a);
		if (!v->pack)
			*sz += slen(a->id) + slen(a->arn) + slen(a->name) +
			       slen(a->email) + slen(a->state) +
			       slen(a->joined_method);
	}
	*sz += v->pack_size;
}

static void free_accounts(void *v)
{
	org_accounts_free(v);
}

static void hash_hier(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_hier *v = p;
	size_t i;

	*sz += sizeof(*v);
	for (i = 0; i < v->nous; i++) {
		const struct org_ou *u = &v->ous[i];

		h_str(h, u->id);
		h_str(h, u->arn);
		h_str(h, u->name);
		h_str(h, u->parent_id);
		*sz += sizeof(*u) + slen(u->id) + slen(u->arn) +
		       slen(u->name) + slen(u->parent_id);
	}
	for (i = 0; i < v->nlinks; i++) {
		h_str(h, v->links[i].child_id);
		h_str(h, v->links[i].parent_id);
		*sz += sizeof(v->links[i]);
		if (!v->links_pack)
			*sz += slen(v->links[i].child_id) +
			       slen(v->links[i].parent_id);
	}
	*sz += v->links_pack_size;
}

static void free_hier(void *v)
{
	org_hier_free(v);
}

static void hash_tags(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_tags *v = p;
	size_t i;

	*sz += sizeof(*v);
	for (i = 0; i < v->n; i++) {
		h_str(h, v->v[i].key);
		h_str(h, v->v[i].value);
		*sz += sizeof(v->v[i]) + slen(v->v[i].key) +
		       slen(v->v[i].value);
	}
}

/* An account's or OU's tags as the cache keeps them (ORG_TAGS, one for
 * each account): readers see the struct org_tags it starts with. */
struct tags_value {
	struct org_tags tags;           /* first */
	int packed;                     /* 1: tags.v is v, its keys and
					   values the string pool's */
	struct org_tag v[];
};

/* t, a source's tags, as a cache value: the array in the value's block,
 * the keys and values from the string pool (the same few keys and teams
 * in every account: about 270 bytes less an account); out of the pool's
 * memory, t's own moved in.  t is consumed.  @return NULL: ENOMEM, t
 * freed */
static struct tags_value *tags_value_new(struct org_tags *t)
{
	struct tags_value *tv = malloc(sizeof(*tv) + t->n * sizeof(*tv->v));
	size_t k;

	if (!tv) {
		org_tags_free(t);
		return NULL;
	}
	for (k = 0; k < t->n; k++) {
		tv->v[k].key = (char *)strpool_get(t->v[k].key, 1);
		tv->v[k].value = tv->v[k].key ?
			(char *)strpool_get(t->v[k].value, 1) : NULL;
		if (!tv->v[k].value) {
			strpool_put(tv->v[k].key);
			break;
		}
	}
	if (k < t->n) {
		while (k--) {
			strpool_put(tv->v[k].key);
			strpool_put(tv->v[k].value);
		}
		tv->tags = *t;
		tv->packed = 0;
		free(t);
		return tv;
	}
	tv->tags.n = t->n;
	tv->tags.v = t->n ? tv->v : NULL;
	tv->packed = 1;
	org_tags_free(t);
	return tv;
}

static void hash_tags_value(const void *p, uint64_t *h, size_t *sz)
{
	const struct tags_value *tv = p;
	size_t pooled = 0;

	if (!tv->packed) {
		hash_tags(&tv->tags, h, sz);
		*sz += sizeof(*tv) - sizeof(tv->tags);
		return;
	}
	/* the keys and values are the pool's (cache_pool_bytes) */
	hash_tags(&tv->tags, h, &pooled);
	*sz += sizeof(*tv) + tv->tags.n * sizeof(*tv->v);
}

static void free_tags(void *v)
{
	struct tags_value *tv = v;
	size_t k;

	if (!tv)
		return;
	for (k = 0; k < tv->tags.n; k++) {
		if (tv->packed) {
			strpool_put(tv->tags.v[k].key);
			strpool_put(tv->tags.v[k].value);
		} else {
			free(tv->tags.v[k].key);
			free(tv->tags.v[k].value);
		}
	}
	if (!tv->packed)
		free(tv->tags.v);
	free(tv);
}

static void hash_summary(const struct org_policy_summary *p, uint64_t *h,
			 size_t *sz)
{
	h_str(h, p->id);
	h_str(h, p->arn);
	h_str(h, p->name);
	h_str(h, p->type);
	h_str(h, p->description);
	h_int(h, p->aws_managed);
	h_int(h, p->type_enabled);
	*sz += sizeof(*p) + slen(p->id) + slen(p->arn) + slen(p->name) +
	       slen(p->type) + slen(p->description);
}

static void hash_policies(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_policies *v = p;
	size_t i;

	*sz += sizeof(*v);
	for (i = 0; i < v->n; i++)
		hash_summary(&v->v[i], h, sz);
}

static void free_policies(void *v)
{
	org_policies_free(v);
}

static void hash_policy(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_policy *v = p;
	size_t i;

	hash_summary(&v->summary, h, sz);
	h_str(h, v->content);
	*sz += sizeof(*v) + slen(v->content);
	for (i = 0; i < v->ntargets; i++) {
		const struct org_policy_target *t = &v->targets[i];

		h_str(h, t->id);
		h_str(h, t->arn);
		h_str(h, t->name);
		h_str(h, t->type);
		*sz += sizeof(*t) + slen(t->id) + slen(t->arn) +
		       slen(t->name) + slen(t->type);
	}
}

static void free_policy(void *v)
{
	org_policy_free(v);
}

void org_index_free(struct org_index *x)
{
	size_t i;

	if (!x)
		return;
	for (i = 0; i < x->n; i++) {
		struct org_index_obj *ob = &x->v[i];
		size_t k;

		if (ob->pack) {
			strpool_put(ob->owner);
			for (k = 0; k < ob->tags.n; k++) {
				strpool_put(ob->tags.v[k].key);
				strpool_put(ob->tags.v[k].value);
			}
			free(ob->pack);
			continue;
		}
		free(ob->id);
		free(ob->label);
		free(ob->owner);
		free(ob->owner_source);
		for (k = 0; k < ob->tags.n; k++) {
			free(ob->tags.v[k].key);
			free(ob->tags.v[k].value);
		}
		free(ob->tags.v);
	}
	free(x->v);
	free(x);
}

static int cmp_index_obj(const void *a, const void *b)
{
	return strcmp(((const struct org_index_obj *)a)->id,
		      ((const struct org_index_obj *)b)->id);
}

const struct org_index_obj *org_index_find(const struct org_index *x,
					   const char *id)
{
	struct org_index_obj key = { .id = (char *)id };

	return bsearch(&key, x->v, x->n, sizeof(*x->v), cmp_index_obj);
}

static void hash_resources(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_resources *v = p;
	size_t i;

	for (i = 0; i < v->n; i++) {
		const struct org_resource *r = &v->v[i];
		size_t tsz = 0;

		h_str(h, r->arn);
		h_str(h, r->account);
		h_str(h, r->compliance);
		hash_tags(&r->tags, h, &tsz);
	}
	*sz += org_resources_bytes(v);
}

static void free_resources(void *v)
{
	org_resources_free(v);
}

static void hash_index(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_index *v = p;
	size_t i;

	*sz += sizeof(*v);
	for (i = 0; i < v->n; i++) {
		const struct org_index_obj *ob = &v->v[i];

		h_str(h, ob->id);
		h_str(h, ob->kind);
		h_str(h, ob->label);
		h_str(h, ob->owner);
		h_str(h, ob->owner_source);
		if (ob->pack) {
			size_t pooled = 0;

			/* the owner and the tags' strings are the pool's
			 * (cache_pool_bytes) */
			hash_tags(&ob->tags, h, &pooled);
			*sz += sizeof(*ob) + ob->tags.n * sizeof(*ob->tags.v) +
			       slen(ob->id) + slen(ob->label) +
			       slen(ob->owner_source);
			continue;
		}
		hash_tags(&ob->tags, h, sz);
		*sz += sizeof(*ob) + slen(ob->id) + slen(ob->label) +
		       slen(ob->owner) + slen(ob->owner_source);
	}
}

static void free_index(void *v)
{
	org_index_free(v);
}

static void hash_document(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_document *v = p;

	h_int(h, v->present);
	h_str(h, v->text);
	h_int(h, (long long)v->updated);
	*sz += sizeof(*v) + slen(v->text);
}

static void free_document(void *v)
{
	org_document_free(v);
}

static void hash_config_rules(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_config_rules *v = p;
	size_t i;

	h_int(h, v->enabled);
	*sz += sizeof(*v);
	for (i = 0; i < v->n; i++) {
		h_str(h, v->v[i].name);
		h_str(h, v->v[i].compliance);
		*sz += sizeof(v->v[i]) + slen(v->v[i].name) +
		       slen(v->v[i].compliance);
	}
}

static void free_config_rules(void *v)
{
	org_config_rules_free(v);
}

static void hash_access(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_access *a = p;
	size_t i, j;

	h_int(h, a->present);
	h_str(h, a->instance_arn);
	h_str(h, a->names_code);
	*sz += sizeof(*a);
	for (i = 0; i < a->npsets; i++) {
		const struct org_pset *ps = &a->psets[i];

		h_str(h, ps->arn);
		h_str(h, ps->name);
		h_str(h, ps->description);
		h_str(h, ps->session_duration);
		h_str(h, ps->inline_policy);
		*sz += sizeof(*ps) + slen(ps->arn) + slen(ps->name) +
		       slen(ps->description) + slen(ps->inline_policy) + 16;
		for (j = 0; j < ps->nmanaged; j++) {
			h_str(h, ps->managed[j]);
			*sz += sizeof(char *) + slen(ps->managed[j]);
		}
		for (j = 0; j < ps->naccounts; j++) {
			h_str(h, ps->accounts[j]);
			if (!a->accounts_pack)
				*sz += sizeof(char *) + slen(ps->accounts[j]);
		}
	}
	*sz += a->accounts_pack_size;
	for (i = 0; i < a->n; i++) {
		const struct org_assignment *x = &a->v[i];

		h_str(h, x->account);
		h_int(h, (int)x->pset);
		h_int(h, x->user);
		h_str(h, x->principal_id);
		h_str(h, x->label);
		*sz += sizeof(*x) + 16;
		if (!a->pooled) /* else the pool's (cache_pool_bytes) */
			*sz += slen(x->principal_id) +
			       slen(x->principal_name) + slen(x->label);
	}
}

static void free_access(void *v)
{
	org_access_free(v);
}

int org_hier_path(const struct org_hier *h, const char *id, struct buf *b)
{
	const struct org_ou *chain[64];
	int n = 0, res = 0;

	while (id && n < 64) {
		const struct org_ou *u = org_hier_find_ou(h, id);

		if (!u)
			break;
		chain[n++] = u;
		id = u->parent_id;
	}
	while (n-- > 0 && !res) {
		res = buf_puts(b, chain[n]->name);
		if (!res && n)
			res = buf_putc(b, '/');
	}
	return res;
}

/* The parent of an account, OU or root; NULL for a root or unknown id. */
static const char *parent_of(const struct org_hier *h, const char *id)
{
	const struct org_ou *u = org_hier_find_ou(h, id);

	return u ? u->parent_id : org_hier_parent_of(h, id);
}

static int copy_tags(struct org_tags *dst, const struct org_tags *src)
{
	size_t i;

	dst->n = 0;
	dst->v = calloc(src->n ? src->n : 1, sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	for (i = 0; i < src->n; i++) {
		dst->v[i].key = strdup(src->v[i].key);
		dst->v[i].value = strdup(src->v[i].value);
		dst->n++;
		if (!dst->v[i].key || !dst->v[i].value)
			return -ENOMEM;
	}
	return 0;
}

static const struct owner_config *owner_cfg(struct org *o)
{
	static struct owner_config dflt;
	static char k1[] = "Owner", k2[] = "Team";
	static char *keys[] = { k1, k2 };

	if (o->cfg.owners)
		return o->cfg.owners;
	dflt.keys = keys;
	dflt.nkeys = 2;
	return &dflt;
}

struct pinned_tags {
	const char *id;
	struct cache_ref ref;
};

static int cmp_pinned(const void *a, const void *b)
{
	return strcmp(((const struct pinned_tags *)a)->id,
		      ((const struct pinned_tags *)b)->id);
}

static const struct org_tags *pinned_find(const struct pinned_tags *p, size_t n,
					  const char *id)
{
	struct pinned_tags key = { .id = id };
	const struct pinned_tags *r = bsearch(&key, p, n, sizeof(*p), cmp_pinned);

	return r ? r->ref.data : NULL;
}

/* Owner of the object chain[0] whose ancestors follow, labels included. */
static int resolve_chain(struct org *o, const struct org_hier *h,
			 const struct org_accounts *a, const char *id,
			 const struct org_tags *(*tags_of)(void *arg,
							   const char *id),
			 void *arg, struct owner_result *out)
{
	struct owner_level lv[64] = { { 0 } };
	struct buf labels[64];
	const char *cur = id;
	size_t n = 0, i;
	int res;

	while (cur && n < 64) {
		const struct org_ou *u = org_hier_find_ou(h, cur);

		buf_init(&labels[n], 1 << 16);
		if (u) {
			lv[n].kind = u->parent_id ? "ou" : "root";
			org_hier_path(h, cur, &labels[n]);
		} else {
			const struct org_account *ac = org_accounts_find(a, cur);

			lv[n].kind = "account";
			buf_puts(&labels[n], ac ? ac->name : "");
		}
		lv[n].id = cur;
		lv[n].label = buf_str(&labels[n]);
		lv[n].tags = tags_of(arg, cur);
		n++;
		cur = parent_of(h, cur);
	}
	res = owner_resolve(owner_cfg(o), lv, n, out);
	for (i = 0; i < n; i++)
		buf_free(&labels[i]);
	return res;
}

struct pinned_set {
	struct pinned_tags *v;
	size_t n;
};

static const struct org_tags *from_pinned(void *arg, const char *id)
{
	struct pinned_set *ps = arg;

	return pinned_find(ps->v, ps->n, id);
}

/* The id of the i-th object of the index: accounts first, then OUs. */
static const char *nth_id(const struct org_accounts *a,
			  const struct org_hier *h, size_t i)
{
	return i < a->n ? a->v[i].id : h->ous[i - a->n].id;
}

void org_crawl_start(struct org *o, size_t n)
{
	__atomic_store_n(&o->crawl_total, n, __ATOMIC_RELAXED);
	__atomic_store_n(&o->crawl_done, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&o->crawl_running, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&o->crawl_runs, 1, __ATOMIC_RELAXED);
}

void org_crawl_step(struct org *o)
{
	__atomic_add_fetch(&o->crawl_done, 1, __ATOMIC_RELAXED);
}

void org_crawl_end(struct org *o)
{
	__atomic_store_n(&o->crawl_running, 0, __ATOMIC_RELAXED);
}

/* Pin the tags of every account and OU into ps (sorted by id), counting
 * the crawl for .orgfs/status.  @return 0, or -errno with err saying
 * which object failed */
static int pin_all_tags(struct org *o, const struct org_accounts *a,
			const struct org_hier *h, struct pinned_set *ps,
			struct aws_error *err)
{
	size_t i, n = a->n + h->nous;
	int res;

	for (i = 0; i < n; i++)
		ps->v[i].id = nth_id(a, h, i);
	org_crawl_start(o, n);
	/* the workers fetch ahead while this thread collects in order */
	for (i = 0; i < n; i++)
		cache_prefetch(o->cache, ORG_TAGS, ps->v[i].id);
	for (i = 0; i < n; i++) {
		res = cache_get_fresh(o->cache, ORG_TAGS, ps->v[i].id,
				      &ps->v[i].ref, err);
		if (res) {
			char msg[sizeof(err->message) + 64];
			size_t len;

			/* say which object: the listing would be incomplete */
			len = (size_t)snprintf(msg, sizeof(msg), "tags of %s %s: ",
					       i < a->n ? "account" : "ou",
					       ps->v[i].id);
			snprintf(msg + len, sizeof(msg) - len, "%s", err->message);
			msg[sizeof(err->message) - 1] = '\0';
			memcpy(err->message, msg, sizeof(err->message));
			return res;
		}
		ps->n = i + 1;
		org_crawl_step(o);
	}
	qsort(ps->v, ps->n, sizeof(*ps->v), cmp_pinned);
	return 0;
}

/* ob's tag array, id, label and owner_source into one block, its owner
 * and its tags' keys and values from the string pool: the same few
 * teams, keys and values in every account (a malloc each before, about
 * 300 bytes an account).  @return 0, or -ENOMEM (ob untouched) */
static int index_obj_pack(struct org_index_obj *ob)
{
	size_t n = ob->tags.n, tb = n * sizeof(*ob->tags.v), k = 0;
	size_t li = strlen(ob->id) + 1, ll = strlen(ob->label) + 1;
	size_t ls = strlen(ob->owner_source) + 1;
	const char *owner = NULL;
	struct org_tag *tv;
	char *blk, *p;

	blk = malloc(tb + li + ll + ls);
	if (!blk)
		return -ENOMEM;
	tv = (struct org_tag *)(void *)blk;
	for (k = 0; k < n; k++) {
		tv[k].key = (char *)strpool_get(ob->tags.v[k].key, 1);
		tv[k].value = tv[k].key ?
			(char *)strpool_get(ob->tags.v[k].value, 1) : NULL;
		if (!tv[k].value) {
			strpool_put(tv[k].key);
			goto nomem;
		}
	}
	if (ob->owner && !(owner = strpool_get(ob->owner, 1)))
		goto nomem;
	p = blk + tb;
	memcpy(p, ob->id, li);
	free(ob->id);
	ob->id = p;
	memcpy(p += li, ob->label, ll);
	free(ob->label);
	ob->label = p;
	memcpy(p += ll, ob->owner_source, ls);
	free(ob->owner_source);
	ob->owner_source = p;
	free(ob->owner);
	ob->owner = (char *)owner;
	for (k = 0; k < n; k++) {
		free(ob->tags.v[k].key);
		free(ob->tags.v[k].value);
	}
	free(ob->tags.v);
	ob->tags.v = n ? tv : NULL;
	ob->pack = blk;
	return 0;
nomem:
	while (k--) {
		strpool_put(tv[k].key);
		strpool_put(tv[k].value);
	}
	free(blk);
	return -ENOMEM;
}

/* Fill ob, the i-th object, from the pinned tags.  @return 0 or -ENOMEM */
static int index_obj_fill(struct org *o, const struct org_accounts *a,
			  const struct org_hier *h, struct pinned_set *ps,
			  size_t i, struct org_index_obj *ob)
{
	struct owner_result r = { 0 };
	const char *id = nth_id(a, h, i);
	const struct org_ou *u = i < a->n ? NULL : &h->ous[i - a->n];
	struct buf label;
	int res;

	buf_init(&label, 1 << 16);
	if (u)
		org_hier_path(h, id, &label);
	else
		buf_puts(&label, a->v[i].name);
	ob->id = strdup(id);
	ob->kind = u ? (u->parent_id ? "ou" : "root") : "account";
	ob->label = buf_steal(&label);
	res = resolve_chain(o, h, a, id, from_pinned, ps, &r);
	if (!res) {
		ob->owner = r.value;
		ob->owner_source = r.source;
		r.value = r.source = NULL;
		owner_result_free(&r);
		res = copy_tags(&ob->tags, pinned_find(ps->v, ps->n, id));
	}
	if (res || !ob->id || !ob->label || !ob->owner_source)
		return -ENOMEM;
	/* packed, or out of memory kept as it is: as good */
	(void)index_obj_pack(ob);
	return 0;
}

static int build_index(struct org *o, struct org_index **out,
		       struct aws_error *err)
{
	struct cache_ref ra = { 0 }, rh = { 0 };
	const struct org_accounts *a;
	const struct org_hier *h;
	struct pinned_set ps = { 0 };
	struct org_index *x = NULL;
	size_t i, n;
	int res;

	res = cache_get_fresh(o->cache, ORG_ACCOUNTS, "", &ra, err);
	if (res)
		return res;
	res = cache_get_fresh(o->cache, ORG_HIER, "", &rh, err);
	if (res) {
		cache_release(o->cache, &ra);
		return res;
	}
	a = ra.data;
	h = rh.data;
	n = a->n + h->nous;
	ps.v = calloc(n ? n : 1, sizeof(*ps.v));
	x = calloc(1, sizeof(*x));
	if (x)
		x->v = calloc(n ? n : 1, sizeof(*x->v));
	if (!ps.v || !x || !x->v) {
		res = -ENOMEM;
		goto nomem;
	}
	res = pin_all_tags(o, a, h, &ps, err);
	if (res)
		goto out;
	/* x->n counts the failed object too: org_index_free frees it */
	for (i = 0; i < n && !res; i++, x->n++)
		res = index_obj_fill(o, a, h, &ps, i, &x->v[i]);
	if (res)
		goto nomem;
	qsort(x->v, x->n, sizeof(*x->v), cmp_index_obj);
	*out = x;
	x = NULL;
	goto out;
nomem:
	aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
out:
	org_crawl_end(o);
	for (i = 0; ps.v && i < n; i++)
		if (ps.v[i].ref.entry)
			cache_release(o->cache, &ps.v[i].ref);
	free(ps.v);
	org_index_free(x);
	cache_release(o->cache, &ra);
	cache_release(o->cache, &rh);
	return res;
}

struct owner_of_ctx {
	struct org *o;
	struct cache_ref refs[64];
	const char *ids[64];
	int n;
	struct aws_error *err;
	int failed;
	time_t fetched;
	int stale;
};

static const struct org_tags *fetch_tags_of(void *arg, const char *id)
{
	struct owner_of_ctx *c = arg;
	struct cache_ref *r;

	if (c->failed || c->n == 64)
		return NULL;
	r = &c->refs[c->n];
	if (cache_get(c->o->cache, ORG_TAGS, id, r, c->err)) {
		c->failed = 1;
		return NULL;
	}
	c->ids[c->n++] = id;
	if (r->fetched > c->fetched)
		c->fetched = r->fetched;
	c->stale |= r->stale;
	return r->data;
}

int org_owner_of(struct org *o, const char *id, const char *path,
		 struct owner_result *out, time_t *fetched, int *stale,
		 struct aws_error *err)
{
	struct cache_ref ra = { 0 }, rh = { 0 };
	struct owner_of_ctx c;
	const struct org_hier *h;
	int res, i;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.err = err;
	res = org_get(o, ORG_ACCOUNTS, "", path, &ra, err);
	if (!res)
		res = org_get(o, ORG_HIER, "", path, &rh, err);
	if (res)
		goto out;
	h = rh.data;
	if (!org_hier_find_ou(h, id) &&
	    !org_accounts_find(ra.data, id)) {
		res = -ENOENT;
		goto out;
	}
	c.fetched = ra.fetched > rh.fetched ? ra.fetched : rh.fetched;
	c.stale = ra.stale | rh.stale;
	res = resolve_chain(o, h, ra.data, id, fetch_tags_of, &c, out);
	if (!res && c.failed) {
		owner_result_free(out);
		res = -(err->err ? err->err : EIO);
		org_record_error(o, path, err);
	}
	*fetched = c.fetched;
	*stale = c.stale;
out:
	for (i = 0; i < c.n; i++)
		cache_release(o->cache, &c.refs[i]);
	org_put(o, &ra);
	org_put(o, &rh);
	return res;
}

/* One step up for org_owner_value: from the hierarchy h when it has id,
 * else the source's ListParents (ORG_PARENT), else the whole hierarchy.
 * Sets malloc'd *parent (NULL at a root).  @return 0 or -errno */
static int lazy_parent(struct org *o, const struct org_hier *h,
		       const char *id, const char *path, char **parent,
		       time_t *fetched, int *stale, struct aws_error *err)
{
	struct cache_ref ref = { 0 };
	const char *p;
	int res;

	*parent = NULL;
	if (ids_is_root(id))
		return 0;
	if (h) {
		/* at hand, the hierarchy is the answer: an object it has no
		 * parent for was left out of it (a bad record, named in
		 * .orgfs/errors and counted in what lists it), as the org-wide
		 * index has it; ListParents would meet the same bad id */
		p = parent_of(h, id);
		*parent = p ? strdup(p) : NULL;
		return p && !*parent ? -ENOMEM : 0;
	}
	if (o->src->ops->list_parent) {
		res = org_get(o, ORG_PARENT, id, path, &ref, err);
		p = res ? NULL : ref.data;
	} else {
		res = org_get(o, ORG_HIER, "", path, &ref, err);
		p = res ? NULL : parent_of(ref.data, id);
	}
	if (res)
		return res;
	if (ref.fetched > *fetched)
		*fetched = ref.fetched;
	*stale |= ref.stale;
	*parent = p ? strdup(p) : NULL;
	org_put(o, &ref);
	return p && !*parent ? -ENOMEM : 0;
}

void org_owner_prefetch(struct org *o, const char *id)
{
	struct cache_ref rh = { 0 }, rt, rp;
	const struct org_hier *h = NULL;
	char cur[128];
	int n, more = 1;

	if (!org_peek(o, ORG_HIER, "", &rh))
		h = rh.data;
	snprintf(cur, sizeof(cur), "%s", id);
	for (n = 0; n < 64 && more; n++) {
		const char *val, *p = NULL;
		size_t vlen;

		more = 0;
		if (org_peek(o, ORG_TAGS, cur, &rt)) {
			org_prefetch(o, ORG_TAGS, cur);
			break;
		}
		if (owner_of_tags(owner_cfg(o), rt.data, NULL, &val, &vlen) ||
		    ids_is_root(cur)) {
			org_put(o, &rt);
			break;
		}
		org_put(o, &rt);
		if (h) {
			p = parent_of(h, cur);
			more = p != NULL;
			if (more)
				snprintf(cur, sizeof(cur), "%s", p);
		} else if (!o->src->ops->list_parent) {
			org_prefetch(o, ORG_HIER, "");
		} else if (org_peek(o, ORG_PARENT, cur, &rp)) {
			org_prefetch(o, ORG_PARENT, cur);
		} else {
			snprintf(cur, sizeof(cur), "%s", (const char *)rp.data);
			org_put(o, &rp);
			more = 1;
		}
	}
	org_put(o, &rh);
}

int org_owner_value(struct org *o, const char *id, const char *path,
		    char **value, time_t *fetched, int *stale,
		    struct aws_error *err)
{
	struct cache_ref rh = { 0 };
	const struct org_hier *h = NULL;
	char *cur = strdup(id), *up;
	int n, res = 0;

	*value = NULL;
	*fetched = 0;
	*stale = 0;
	if (!cur)
		return -ENOMEM;
	/* the parents the hierarchy knows cost nothing */
	if (!org_peek(o, ORG_HIER, "", &rh))
		h = rh.data;
	for (n = 0; cur && n < 64 && !res; n++) {
		struct cache_ref rt = { 0 };
		const char *val;
		size_t vlen;

		res = org_get(o, ORG_TAGS, cur, path, &rt, err);
		if (res)
			break;
		if (rt.fetched > *fetched)
			*fetched = rt.fetched;
		*stale |= rt.stale;
		if (owner_of_tags(owner_cfg(o), rt.data, NULL, &val, &vlen)) {
			*value = strndup(val, vlen);
			res = *value ? 0 : -ENOMEM;
			org_put(o, &rt);
			break;
		}
		org_put(o, &rt);
		res = lazy_parent(o, h, cur, path, &up, fetched, stale, err);
		free(cur);
		cur = up;
	}
	free(cur);
	org_put(o, &rh);
	if (res == -ENOMEM && !err->err)
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
	return res;
}

/* How many objects' owners org_owner_values walks towards at once */
#define OWNERS_AHEAD 32

int org_owner_values(struct org *o, const char *const *ids, size_t n,
		     const char *path, char **out, time_t *fetched,
		     int *stale, struct aws_error *err)
{
	size_t j, k;
	int res = 0;

	*fetched = 0;
	*stale = 0;
	org_crawl_start(o, n);
	for (j = 0; j < n && !res; j++) {
		time_t f;
		int s;

		/* the next ones' next step, while this one waits */
		for (k = j + 1; k < n && k <= j + OWNERS_AHEAD; k++)
			org_owner_prefetch(o, ids[k]);
		res = org_owner_value(o, ids[j], path, &out[j], &f, &s, err);
		if (res)
			break;
		if (f > *fetched)
			*fetched = f;
		*stale |= s;
		org_crawl_step(o);
	}
	org_crawl_end(o);
	if (res)
		for (k = 0; k < j; k++) {
			free(out[k]);
			out[k] = NULL;
		}
	return res;
}

/* What a kind's fetch hands over: the model struct of that kind. */
union org_value {
	void *p;
	struct org_info *info;
	struct org_roots *roots;
	struct org_accounts *accounts;
	struct org_hier *hier;
	struct org_tags *tags;
	struct org_policies *policies;
	struct org_policy *policy;
	struct org_resources *resources;
	struct org_document *doc;
	struct org_config_rules *rules;
	struct org_access *access;
	struct org_index *index;
	struct org_regions *regions;
	struct org_members *members;
	struct org_principal *principal;
	struct org_account_access *acct_access;
	char *parent;
	struct org_access_digest *digest;
};

/* The key "<account>/<region>" of ORG_RESOURCES and ORG_CONFIG, split */
struct slice {
	char account[32];
	const char *region;
};

/* @return 0, or -EINVAL with err filled ("bad <what> key '<key>'") */
static int split_slice(const char *key, const char *what, struct slice *s,
		       struct aws_error *err)
{
	const char *slash = strchr(key, '/');

	if (!slash || (size_t)(slash - key) >= sizeof(s->account)) {
		aws_error_set(err, EINVAL, "InternalError", "bad %s key '%s'",
			      what, key);
		return -EINVAL;
	}
	memcpy(s->account, key, (size_t)(slash - key));
	s->account[slash - key] = '\0';
	s->region = slash + 1;
	return 0;
}

/* A kind whose source operation is NULL: this source has no such data. */
static int unsupported(struct aws_error *err, const char *code,
		       const char *message)
{
	aws_error_set(err, ENOENT, code, "%s", message);
	return -ENOENT;
}

/* The fetch of each kind: one source call (the key is "" for the kinds
 * of which the org has one value).  @return 0 with v set, or -errno with
 * err filled */
static int fetch_roots(struct org *o, const char *key, union org_value *v,
		       struct aws_error *err)
{
	(void)key;
	return o->src->ops->list_roots(o->src, &v->roots, err);
}

/* The roots for a fetch that starts from them: one ListRoots answer
 * serves the organization, the hierarchy and the policies. */
static int get_roots(struct org *o, struct cache_ref *ref,
		     struct aws_error *err)
{
	return cache_get_fresh(o->cache, ORG_ROOTS, "", ref, err);
}

/* DescribeOrganization, with the policy types enabled on the root */
static int fetch_info(struct org *o, const char *key, union org_value *v,
		      struct aws_error *err)
{
	struct cache_ref rr = { 0 };
	const struct org_roots *roots;
	int res;

	(void)key;
	res = o->src->ops->describe_org(o->src, &v->info, err);
	if (res)
		return res;
	res = get_roots(o, &rr, err);
	if (res)
		goto fail;
	roots = rr.data;
	res = org_policy_types_copy(roots->v[0].types, roots->v[0].ntypes,
				    &v->info->types, &v->info->ntypes);
	cache_release(o->cache, &rr);
	if (!res)
		return 0;
	aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
fail:
	org_info_free(v->info);
	v->info = NULL;
	return res;
}

static int fetch_accounts(struct org *o, const char *key, union org_value *v,
			  struct aws_error *err)
{
	int res;

	(void)key;
	res = o->src->ops->list_accounts(o->src, &v->accounts, err);
	if (!res)       /* or kept unpacked, as good */
		(void)org_accounts_pack(v->accounts);
	return res;
}

static int fetch_hier(struct org *o, const char *key, union org_value *v,
		      struct aws_error *err)
{
	struct cache_ref rr = { 0 };
	int res;

	(void)key;
	res = get_roots(o, &rr, err);
	if (res)
		return res;
	res = o->src->ops->walk_hierarchy(o->src, rr.data, &v->hier, err);
	cache_release(o->cache, &rr);
	if (!res)       /* or kept unpacked, as good */
		(void)org_hier_pack(v->hier);
	return res;
}

static int fetch_tags(struct org *o, const char *id, union org_value *v,
		      struct aws_error *err)
{
	struct org_tags *t = NULL;
	struct tags_value *tv;
	int res = o->src->ops->list_tags(o->src, id, &t, err);

	if (res)
		return res;
	tv = tags_value_new(t);
	if (!tv) {
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
		return -ENOMEM;
	}
	v->tags = &tv->tags;
	return 0;
}

static int fetch_policies(struct org *o, const char *key, union org_value *v,
			  struct aws_error *err)
{
	struct cache_ref rr = { 0 };
	int res;

	(void)key;
	res = get_roots(o, &rr, err);
	if (res)
		return res;
	res = o->src->ops->list_policies(o->src, rr.data, &v->policies, err);
	cache_release(o->cache, &rr);
	return res;
}

static int fetch_policy(struct org *o, const char *id, union org_value *v,
			struct aws_error *err)
{
	return o->src->ops->describe_policy(o->src, id, &v->policy, err);
}

static int fetch_resources(struct org *o, const char *key, union org_value *v,
			   struct aws_error *err)
{
	const struct org_source_ops *ops = o->src->ops;
	struct slice s;
	int rc;

	if (!ops->list_resources)
		return unsupported(err, "NoResources",
				   "this source lists no resources");
	if (split_slice(key, "resources", &s, err))
		return -EINVAL;
	rc = ops->list_resources(o->src, s.account, s.region, &v->resources,
				 err);
	if (!rc)
		(void)org_resources_pack(v->resources); /* or kept unpacked */
	return rc;
}

static int fetch_orgres(struct org *o, const char *key, union org_value *v,
			struct aws_error *err)
{
	const struct org_source_ops *ops = o->src->ops;
	int rc;

	(void)key;
	if (!ops->list_org_resources)
		return unsupported(err, "NoAggregator",
				   "no aggregator is configured");
	rc = ops->list_org_resources(o->src, &v->resources, err);
	if (!rc)
		(void)org_resources_pack(v->resources); /* or kept unpacked */
	return rc;
}

static int fetch_effpol(struct org *o, const char *account,
			union org_value *v, struct aws_error *err)
{
	const struct org_source_ops *ops = o->src->ops;

	if (!ops->effective_tag_policy)
		return unsupported(err, "NotSupported",
				   "this source has no effective policies");
	return ops->effective_tag_policy(o->src, account, &v->doc, err);
}

static int fetch_config(struct org *o, const char *key, union org_value *v,
			struct aws_error *err)
{
	const struct org_source_ops *ops = o->src->ops;
	struct slice s;

	if (!ops->config_compliance)
		return unsupported(err, "NotSupported",
				   "this source has no AWS Config data");
	if (split_slice(key, "config", &s, err))
		return -EINVAL;
	return ops->config_compliance(o->src, s.account, s.region, &v->rules,
				      err);
}

/* An Identity Center refusal of names, kept in a value, into .orgfs/errors
 * under path */
static void record_names(struct org *o, const char *path, const char *code,
			 const char *message, const char *operation)
{
	struct aws_error e;

	aws_error_clear(&e);
	e.err = EACCES;
	snprintf(e.code, sizeof(e.code), "%s", code);
	snprintf(e.message, sizeof(e.message), "%s", message);
	snprintf(e.operation, sizeof(e.operation), "%s", operation);
	org_record_error(o, path, &e);
}

/* ---- ORG_ACCESS: built from the permission sets, each account's
 * assignments and each principal's name, all through the cache, so that
 * what one account's files fetched is not asked again ---- */

static int cmp_cstr(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static char *xdup(const char *s, int *oom)
{
	char *d = strdup(s ? s : "");

	if (!d)
		*oom = 1;
	return d;
}

/* The pool's copy of s ("" for NULL); *oom set when there is none */
static char *xpool(const char *s, int *oom)
{
	const char *d = strpool_get(s ? s : "", 1);

	if (!d)
		*oom = 1;
	return (char *)d;
}

/* A copy of p without its accounts into d */
static void pset_copy(struct org_pset *d, const struct org_pset *p, int *oom)
{
	d->arn = xdup(p->arn, oom);
	d->name = xdup(p->name, oom);
	d->description = xdup(p->description, oom);
	d->session_duration = xdup(p->session_duration, oom);
	d->inline_policy = xdup(p->inline_policy, oom);
	d->managed = calloc(p->nmanaged ? p->nmanaged : 1, sizeof(char *));
	if (!d->managed)
		*oom = 1;
	for (size_t k = 0; d->managed && k < p->nmanaged; k++, d->nmanaged++)
		d->managed[k] = xdup(p->managed[k], oom);
}

/* The accounts where some permission set of ps is provisioned, sorted,
 * each once, into *out.  @return how many, or -ENOMEM */
static long access_accounts(const struct org_access *ps, const char ***out)
{
	const char **v;
	size_t n = 0, k = 0, i, j;

	for (i = 0; i < ps->npsets; i++)
		n += ps->psets[i].naccounts;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < ps->npsets; i++)
		for (j = 0; j < ps->psets[i].naccounts; j++)
			v[k++] = ps->psets[i].accounts[j];
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_cstr);
	for (i = 0, k = 0; i < n; i++)
		if (!k || strcmp(v[k - 1], v[i]))
			v[k++] = v[i];
	*out = v;
	return (long)k;
}

struct access_build {
	struct org *o;
	struct org_access *a;
	struct cache_ref *refs;         /* pinned while building */
	size_t nrefs;
	size_t cap;
};

/* Pin (kind, key) fresh into b.  @return 0 or -errno with err filled */
static int build_pin(struct access_build *b, int kind, const char *key,
		     const void **data, struct aws_error *err)
{
	int res = cache_get_fresh(b->o->cache, kind, key, &b->refs[b->nrefs],
				  err);

	if (!res)
		*data = b->refs[b->nrefs++].data;
	return res;
}

/* Every account's assignments onto b->a (pset indexes from ps).
 * @return 0 or -errno with err filled */
static int build_assignments(struct access_build *b,
			     const struct org_access *ps,
			     const char **accts, size_t nacct,
			     struct aws_error *err)
{
	struct org_access *a = b->a;
	size_t i, j, k, cap = 0;
	int oom = 0, res = 0;

	for (i = 0; i < nacct; i++)
		cache_prefetch(b->o->cache, ORG_ACCOUNT_ACCESS, accts[i]);
	for (i = 0; i < nacct && !res && !oom; i++) {
		const struct org_account_access *x = NULL;

		res = build_pin(b, ORG_ACCOUNT_ACCESS, accts[i],
				(const void **)&x, err);
		if (res) {
			char msg[sizeof(err->message)];

			snprintf(msg, sizeof(msg), "access of account %s: %.400s",
				 accts[i], err->message);
			memcpy(err->message, msg, sizeof(msg));
			break;
		}
		if (org_skipped_merge(&a->skipped, &x->skipped))
			oom = 1;
		for (j = 0; j < x->n && !oom; j++) {
			struct org_assignment *y;

			for (k = 0; k < ps->npsets; k++)
				if (!strcmp(ps->psets[k].arn, x->v[j].pset_arn))
					break;
			if (k == ps->npsets)
				continue;       /* a set gone since */
			if (a->n == cap) {
				size_t nc = cap ? 2 * cap : 256;
				void *nv = reallocarray(a->v, nc, sizeof(*a->v));

				if (!nv) {
					oom = 1;
					break;
				}
				a->v = nv;
				cap = nc;
			}
			y = &a->v[a->n++];
			memset(y, 0, sizeof(*y));
			/* pooled: the same accounts and principals again and
			 * again, hundreds of thousands of assignments */
			y->account = xpool(accts[i], &oom);
			y->pset = k;
			y->user = x->v[j].user;
			y->principal_id = xpool(x->v[j].principal_id, &oom);
		}
	}
	if (oom && !res) {
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
		res = -ENOMEM;
	}
	return res;
}

static int cmp_principal_of(const void *x, const void *y)
{
	const struct org_assignment *a = *(const struct org_assignment *const *)x;
	const struct org_assignment *b = *(const struct org_assignment *const *)y;

	if (a->user != b->user)
		return a->user - b->user;
	return strcmp(a->principal_id, b->principal_id);
}

/* The key of x's principal in ORG_PRINCIPAL */
static void principal_key(char *key, size_t len, const char *store,
			  const struct org_assignment *x)
{
	snprintf(key, len, "%s/%s/%s", store, x->user ? "USER" : "GROUP",
		 x->principal_id);
}

/* Name every assignment's principal, each asked once (ORG_PRINCIPAL):
 * the first alone, then the others at once; ids for every name when the
 * store refuses (why in the value and .orgfs/errors).  @return 0 or
 * -errno with err filled */
static int build_names(struct access_build *b, struct aws_error *err)
{
	struct org_access *a = b->a;
	struct org_assignment **p;
	const char **name;
	char key[200];
	size_t i, u, np = 0;
	int res = 0, denied = 0, oom = 0, asked = 0;

	p = calloc(a->n ? a->n : 1, sizeof(*p));
	name = calloc(a->n ? a->n : 1, sizeof(*name));
	if (!p || !name) {
		free(p);
		free(name);
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < a->n; i++)
		p[i] = &a->v[i];
	if (a->n > 1)
		qsort(p, a->n, sizeof(*p), cmp_principal_of);
	/* p[i] first of its principal: name[np++] */
	for (i = 0; i < a->n && !res && !denied; i++) {
		const struct org_principal *x = NULL;
		struct aws_error e;

		if (i && !cmp_principal_of(&p[i - 1], &p[i]))
			continue;
		/* the store answered the first: the others at once */
		for (size_t k = i; np == 1 && !asked && k < a->n; k++) {
			if (!cmp_principal_of(&p[k - 1], &p[k]))
				continue;
			principal_key(key, sizeof(key), a->identity_store_id,
				      p[k]);
			cache_prefetch(b->o->cache, ORG_PRINCIPAL, key);
		}
		asked |= np == 1;
		principal_key(key, sizeof(key), a->identity_store_id, p[i]);
		aws_error_clear(&e);
		res = build_pin(b, ORG_PRINCIPAL, key, (const void **)&x, &e);
		if (res == -EACCES) {
			/* the role may read assignments but not the
			 * directory: ids, for all */
			denied = 1;
			res = 0;
			snprintf(a->names_code, sizeof(a->names_code), "%s",
				 e.code);
			snprintf(a->names_message, sizeof(a->names_message),
				 "names of groups and users are their ids: "
				 "%.400s", e.message);
			snprintf(a->names_operation,
				 sizeof(a->names_operation), "%s",
				 e.operation);
		} else if (res) {
			*err = e;
		} else {
			name[np++] = *x->name ? x->name : NULL;
		}
	}
	for (i = 0, u = 0; i < a->n && !res; i++) {
		if (i && cmp_principal_of(&p[i - 1], &p[i]))
			u++;
		p[i]->principal_name = xpool(!denied && name[u] ? name[u] :
					     p[i]->principal_id, &oom);
	}
	free(p);
	free(name);
	if (oom && !res) {
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
		res = -ENOMEM;
	}
	return res;
}

/* The assignments into *out; names the identity store refused are
 * recorded in .orgfs/errors (the value itself is complete: ids stand for
 * names). */
static int access_build(struct org *o, struct org_access **out,
			struct aws_error *err)
{
	struct access_build b = { .o = o };
	const struct org_access *ps = NULL;
	const char **accts = NULL;
	long nacct = 0;
	size_t i;
	int res, oom = 0;

	if (!o->src->ops->list_access_psets)
		return unsupported(err, "NotSupported",
				   "this source has no Identity Center data");
	b.refs = calloc(1, sizeof(*b.refs));
	b.a = calloc(1, sizeof(*b.a));
	if (!b.refs || !b.a) {
		res = -ENOMEM;
		goto nomem;
	}
	b.a->pooled = 1;
	res = build_pin(&b, ORG_PSETS, "", (const void **)&ps, err);
	if (res)
		goto out;
	b.a->present = ps->present;
	b.a->instance_arn = xdup(ps->instance_arn, &oom);
	b.a->identity_store_id = xdup(ps->identity_store_id, &oom);
	b.a->psets = calloc(ps->npsets ? ps->npsets : 1, sizeof(*b.a->psets));
	if (!b.a->psets)
		oom = 1;
	for (i = 0; b.a->psets && i < ps->npsets; i++, b.a->npsets++)
		pset_copy(&b.a->psets[i], &ps->psets[i], &oom);
	if (oom || org_skipped_merge(&b.a->skipped, &ps->skipped))
		goto nomem;
	nacct = ps->present ? access_accounts(ps, &accts) : 0;
	if (nacct < 0)
		goto nomem;
	/* the accounts' values and the principals' are pinned too */
	{
		struct cache_ref *nr = reallocarray(b.refs, 1 + (size_t)nacct,
						    sizeof(*nr));

		if (!nr)
			goto nomem;
		b.refs = nr;
		memset(&b.refs[1], 0, (size_t)nacct * sizeof(*nr));
	}
	res = build_assignments(&b, ps, accts, (size_t)nacct, err);
	if (!res) {
		struct cache_ref *nr = reallocarray(b.refs, b.nrefs + b.a->n + 1,
						    sizeof(*nr));

		if (!nr)
			goto nomem;
		b.refs = nr;
		res = build_names(&b, err);
	}
	if (!res && org_access_finish(b.a))
		goto nomem;
	if (!res && b.a->names_code[0])
		record_names(o, "/access", b.a->names_code,
			     b.a->names_message, b.a->names_operation);
	goto out;
nomem:
	aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
	res = -ENOMEM;
out:
	for (i = 0; b.refs && i < b.nrefs; i++)
		cache_release(o->cache, &b.refs[i]);
	free(b.refs);
	free(accts);
	if (res) {
		org_access_free(b.a);
		return res;
	}
	*out = b.a;
	return 0;
}

static int fetch_access(struct org *o, const char *key, union org_value *v,
			struct aws_error *err)
{
	(void)key;
	return access_build(o, &v->access, err);
}

static void record_skipped(struct org *o, int kind, const char *key,
			   union org_value v);

/* ORG_ACCESS built, its records left out named as ORG_ACCESS's are, and
 * let go but for its digest: what it fetched stays in the cache, each
 * account's assignments and each principal's name */
static int fetch_access_digest(struct org *o, const char *key,
			       union org_value *v, struct aws_error *err)
{
	struct org_access_digest *d;
	struct org_access *a = NULL;
	size_t i;
	int res = access_build(o, &a, err), oom = 0;

	(void)key;
	if (res)
		return res;
	record_skipped(o, ORG_ACCESS, "", (union org_value){ .access = a });
	d = calloc(1, sizeof(*d));
	if (d)
		d->shared = calloc(a->n ? a->n : 1, sizeof(*d->shared));
	if (!d || !d->shared)
		oom = 1;
	for (i = 0; !oom && i < a->n; i++) {
		const struct org_assignment *x = &a->v[i];

		/* a label is the name unless another principal has it */
		if (!strcmp(x->label, x->principal_name))
			continue;
		if (asprintf(&d->shared[d->nshared], "%s/%s",
			     x->user ? "USER" : "GROUP", x->principal_id) < 0)
			oom = 1;
		else
			d->nshared++;
	}
	if (!oom) {
		d->skipped = a->skipped.n;
		d->names_denied = a->names_code[0] != '\0';
		d->nshared = org_strings_sort_unique(d->shared, d->nshared);
	}
	org_access_free(a);
	if (oom) {
		org_access_digest_free(d);
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
		return -ENOMEM;
	}
	v->digest = d;
	return 0;
}

static void hash_access_digest(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_access_digest *d = p;

	h_int(h, (long long)d->skipped);
	h_int(h, d->names_denied);
	*sz += sizeof(*d);
	for (size_t i = 0; i < d->nshared; i++) {
		h_str(h, d->shared[i]);
		*sz += sizeof(char *) + slen(d->shared[i]);
	}
}

static void free_access_digest(void *v)
{
	org_access_digest_free(v);
}

int org_access_digest_shared(const struct org_access_digest *d, int user,
			     const char *id)
{
	char key[96];

	snprintf(key, sizeof(key), "%s/%s", user ? "USER" : "GROUP", id);
	return org_strings_find(d->shared, d->nshared, key);
}

void org_access_digest_free(struct org_access_digest *d)
{
	if (!d)
		return;
	for (size_t i = 0; d->shared && i < d->nshared; i++)
		free(d->shared[i]);
	free(d->shared);
	free(d);
}

/* A key "<store id>/<id>" into store and *id.  @return 0, or -EINVAL
 * with err filled */
static int split_store(const char *key, const char *what, char *store,
		       size_t len, const char **id, struct aws_error *err)
{
	const char *slash = strchr(key, '/');

	if (!slash || (size_t)(slash - key) >= len) {
		aws_error_set(err, EINVAL, "InternalError", "bad %s key '%s'",
			      what, key);
		return -EINVAL;
	}
	memcpy(store, key, (size_t)(slash - key));
	store[slash - key] = '\0';
	*id = slash + 1;
	return 0;
}

/* A group's members, their ids */
static int fetch_members(struct org *o, const char *key, union org_value *v,
			 struct aws_error *err)
{
	const struct org_source_ops *ops = o->src->ops;
	const char *group;
	char store[80];

	if (!ops->list_members)
		return unsupported(err, "NotSupported",
				   "this source has no Identity Center data");
	if (split_store(key, "members", store, sizeof(store), &group, err))
		return -EINVAL;
	return ops->list_members(o->src, store, group, &v->members, err);
}

static void hash_members(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_members *m = p;

	*sz += sizeof(*m);
	for (size_t i = 0; i < m->n; i++) {
		h_str(h, m->user_ids[i]);
		*sz += sizeof(char *) + slen(m->user_ids[i]);
	}
}

static void free_members(void *v)
{
	org_members_free(v);
}

/* One group's or user's name: key "<store>/<GROUP|USER>/<id>" */
static int fetch_principal(struct org *o, const char *key,
			   union org_value *v, struct aws_error *err)
{
	const struct org_source_ops *ops = o->src->ops;
	const char *rest;
	char store[80];
	int user;

	if (!ops->describe_principal)
		return unsupported(err, "NotSupported",
				   "this source has no Identity Center data");
	if (split_store(key, "principal", store, sizeof(store), &rest, err))
		return -EINVAL;
	user = !strncmp(rest, "USER/", 5);
	if (!user && strncmp(rest, "GROUP/", 6)) {
		aws_error_set(err, EINVAL, "InternalError", "bad principal key "
			      "'%s'", key);
		return -EINVAL;
	}
	return ops->describe_principal(o->src, store, user,
				       rest + (user ? 5 : 6), &v->principal,
				       err);
}

static void hash_principal(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_principal *u = p;

	h_str(h, u->id);
	h_str(h, u->name);
	*sz += sizeof(*u) + slen(u->id) + slen(u->name);
}

static void free_principal(void *v)
{
	org_principal_free(v);
}

static int fetch_psets(struct org *o, const char *key, union org_value *v,
		       struct aws_error *err)
{
	const struct org_source_ops *ops = o->src->ops;

	int res;

	(void)key;
	if (!ops->list_access_psets)
		return unsupported(err, "NotSupported",
				   "this source has no Identity Center data");
	res = ops->list_access_psets(o->src, &v->access, err);
	/* kept packed (an entry for every account and set): unpacked when
	 * that fails, as good */
	if (!res)
		(void)org_access_pack_accounts(v->access);
	return res;
}

/* An account's assignments: of the permission sets provisioned there
 * (ORG_PSETS says which) */
static int fetch_account_access(struct org *o, const char *account,
				union org_value *v, struct aws_error *err)
{
	const struct org_source_ops *ops = o->src->ops;
	struct cache_ref r = { 0 };
	const struct org_access *ps;
	char **arns = NULL;
	size_t n = 0, i;
	int res;

	if (!ops->list_account_access)
		return unsupported(err, "NotSupported",
				   "this source has no Identity Center data");
	res = cache_get_fresh(o->cache, ORG_PSETS, "", &r, err);
	if (res)
		return res;
	ps = r.data;
	arns = calloc(ps->npsets ? ps->npsets : 1, sizeof(*arns));
	if (!arns) {
		cache_release(o->cache, &r);
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < ps->npsets; i++)
		if (org_pset_provisioned(&ps->psets[i], account))
			arns[n++] = ps->psets[i].arn;
	if (ps->present)
		res = ops->list_account_access(o->src, ps->instance_arn,
					       account, arns, n,
					       &v->acct_access, err);
	else if (!(v->acct_access = calloc(1, sizeof(*v->acct_access))))
		res = -ENOMEM;
	/* kept packed (a value for every account): unpacked when that
	 * fails, as good */
	if (!res)
		org_account_access_pack(&v->acct_access);
	if (res == -ENOMEM && !err->err)
		aws_error_set(err, ENOMEM, "OutOfMemory", "out of memory");
	free(arns);
	cache_release(o->cache, &r);
	return res;
}

static void hash_account_access(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_account_access *a = p;

	*sz += sizeof(*a);
	for (size_t i = 0; i < a->n; i++) {
		h_str(h, a->v[i].pset_arn);
		h_int(h, a->v[i].user);
		h_str(h, a->v[i].principal_id);
		/* pooled strings are the pool's (cache_pool_bytes) */
		*sz += sizeof(a->v[i]) + (a->packed ? 0 :
					  slen(a->v[i].pset_arn) +
					  slen(a->v[i].principal_id));
	}
}

static void free_account_access(void *v)
{
	org_account_access_free(v);
}

static int fetch_regions(struct org *o, const char *account,
			 union org_value *v, struct aws_error *err)
{
	const struct org_source_ops *ops = o->src->ops;

	if (!ops->list_regions)
		return unsupported(err, "NotSupported",
				   "this source has no list of enabled regions");
	return ops->list_regions(o->src, account, &v->regions, err);
}

static void hash_regions(const void *p, uint64_t *h, size_t *sz)
{
	const struct org_regions *v = p;
	size_t i;

	*sz += sizeof(*v);
	for (i = 0; i < v->n; i++) {
		h_str(h, v->v[i]);
		*sz += sizeof(v->v[i]) + slen(v->v[i]);
	}
}

static void free_regions(void *v)
{
	org_regions_free(v);
}

static int fetch_parent(struct org *o, const char *id, union org_value *v,
			struct aws_error *err)
{
	const struct org_source_ops *ops = o->src->ops;

	if (!ops->list_parent)
		return unsupported(err, "NotSupported",
				   "this source lists no parents");
	return ops->list_parent(o->src, id, &v->parent, err);
}

static void hash_parent(const void *p, uint64_t *h, size_t *sz)
{
	h_str(h, p);
	*sz += slen(p);
}

static int fetch_index(struct org *o, const char *key, union org_value *v,
		       struct aws_error *err)
{
	(void)key;
	return build_index(o, &v->index, err);
}

/* Background lanes (cache.h): the member-account APIs have quotas of
 * their own, not the Organizations limiter's. */
enum { LANE_ORGANIZATIONS, LANE_MEMBER_ACCOUNTS };

/* Every kind of data.  A new kind is its enum org_kind entry, its source
 * op, and one row here: its fetch (the source call), hash (adds the
 * value's content to the FNV-1a state h, its bytes to sz) and free. */
static const struct kind_def {
	const char *name;               /* org_kind_name() */
	int lane;
	int (*fetch)(struct org *o, const char *key, union org_value *v,
		     struct aws_error *err);
	void (*hash)(const void *v, uint64_t *h, size_t *sz);
	void (*free)(void *v);
} kinds[ORG_NKINDS] = {
	[ORG_INFO] = { "organization", LANE_ORGANIZATIONS,
		       fetch_info, hash_info, free_info },
	[ORG_ACCOUNTS] = { "accounts", LANE_ORGANIZATIONS,
			   fetch_accounts, hash_accounts, free_accounts },
	[ORG_HIER] = { "ous", LANE_ORGANIZATIONS,
		       fetch_hier, hash_hier, free_hier },
	[ORG_TAGS] = { "tags", LANE_ORGANIZATIONS,
		       fetch_tags, hash_tags_value, free_tags },
	[ORG_POLICIES] = { "policies", LANE_ORGANIZATIONS,
			   fetch_policies, hash_policies, free_policies },
	[ORG_POLICY] = { "policy", LANE_ORGANIZATIONS,
			 fetch_policy, hash_policy, free_policy },
	[ORG_RESOURCES] = { "resources", LANE_MEMBER_ACCOUNTS,
			    fetch_resources, hash_resources, free_resources },
	[ORG_ORGRES] = { "resources (aggregator)", LANE_MEMBER_ACCOUNTS,
			 fetch_orgres, hash_resources, free_resources },
	[ORG_EFFPOL] = { "effective tag policy", LANE_ORGANIZATIONS,
			 fetch_effpol, hash_document, free_document },
	[ORG_CONFIG] = { "config compliance", LANE_MEMBER_ACCOUNTS,
			 fetch_config, hash_config_rules, free_config_rules },
	[ORG_ACCESS] = { "access", LANE_MEMBER_ACCOUNTS,
			 fetch_access, hash_access, free_access },
	[ORG_INDEX] = { "index", LANE_ORGANIZATIONS,
			fetch_index, hash_index, free_index },
	[ORG_REGIONS] = { "enabled regions", LANE_MEMBER_ACCOUNTS,
			  fetch_regions, hash_regions, free_regions },
	[ORG_MEMBERS] = { "group members", LANE_MEMBER_ACCOUNTS,
			  fetch_members, hash_members, free_members },
	[ORG_PRINCIPAL] = { "group or user", LANE_MEMBER_ACCOUNTS,
			    fetch_principal, hash_principal, free_principal },
	[ORG_PSETS] = { "permission sets", LANE_MEMBER_ACCOUNTS,
			fetch_psets, hash_access, free_access },
	[ORG_ACCOUNT_ACCESS] = { "account access", LANE_MEMBER_ACCOUNTS,
				 fetch_account_access, hash_account_access,
				 free_account_access },
	[ORG_PARENT] = { "parent", LANE_ORGANIZATIONS,
			 fetch_parent, hash_parent, free },
	[ORG_ROOTS] = { "roots", LANE_ORGANIZATIONS,
			fetch_roots, hash_roots, free_roots },
	[ORG_ACCESS_DIGEST] = { "access digest", LANE_MEMBER_ACCOUNTS,
				fetch_access_digest, hash_access_digest,
				free_access_digest },
};

const char *org_kind_name(enum org_kind k)
{
	return k < ORG_NKINDS ? kinds[k].name : "?";
}

/* What a source left out of a value (model.h), or NULL. */
static const struct org_skipped *skipped_of(int kind, union org_value v)
{
	switch (kind) {
	case ORG_ACCOUNTS:
		return &v.accounts->skipped;
	case ORG_HIER:
		return &v.hier->skipped;
	case ORG_POLICIES:
		return &v.policies->skipped;
	case ORG_POLICY:
		return &v.policy->skipped;
	case ORG_RESOURCES:
	case ORG_ORGRES:
		return &v.resources->skipped;
	case ORG_ACCESS:
		return &v.access->skipped;
	case ORG_MEMBERS:
		return &v.members->skipped;
	case ORG_PSETS:
		return &v.access->skipped;
	case ORG_ACCOUNT_ACCESS:
		return &v.acct_access->skipped;
	default:
		return NULL;
	}
}

/* Each record left out is named in .orgfs/errors, at every fetch that
 * leaves it out, under the place it would have shown. */
static void record_skipped(struct org *o, int kind, const char *key,
			   union org_value v)
{
	const struct org_skipped *sk = skipped_of(kind, v);
	static const char *const where[ORG_NKINDS] = {
		[ORG_ACCOUNTS] = "/accounts",
		[ORG_HIER] = "/ous",
		[ORG_POLICIES] = "/policies",
		[ORG_POLICY] = "/policies/",
		[ORG_RESOURCES] = "/accounts/",
		[ORG_ORGRES] = "/resources (aggregator)",
		[ORG_ACCESS] = "/access",
		[ORG_MEMBERS] = "/access/groups",
		[ORG_PSETS] = "/access/permission-sets",
	};
	char path[256];

	if (!sk || !sk->n)
		return;
	if (kind == ORG_RESOURCES) {
		const char *slash = strchr(key, '/');

		snprintf(path, sizeof(path), "/accounts/%.*s/resources (%s)",
			 slash ? (int)(slash - key) : (int)strlen(key), key,
			 slash ? slash + 1 : "");
	} else if (kind == ORG_POLICY) {
		snprintf(path, sizeof(path), "/policies/%s/targets", key);
	} else if (kind == ORG_ACCOUNT_ACCESS) {
		snprintf(path, sizeof(path), "/accounts/%s/access.tsv", key);
	} else {
		snprintf(path, sizeof(path), "%s", where[kind]);
	}
	for (size_t i = 0; i < sk->nkept; i++)
		org_record_error(o, path, &sk->kept[i]);
	if (sk->n > sk->nkept) {
		struct aws_error e = sk->kept[sk->nkept - 1];

		snprintf(e.message, sizeof(e.message),
			 "%zu more records left out", sk->n - sk->nkept);
		org_record_error(o, path, &e);
	}
}

static int org_fetch(void *ctx, int kind, const char *key, void **data,
		     size_t *size, uint64_t *hash, struct aws_error *err)
{
	union org_value v = { NULL };
	uint64_t h = HASH_FNV1A_INIT;
	size_t sz = 0;
	int res;

	if (kind < 0 || kind >= ORG_NKINDS) {
		aws_error_set(err, EINVAL, "InternalError",
			      "unknown data kind %d", kind);
		return -EINVAL;
	}
	res = kinds[kind].fetch(ctx, key, &v, err);
	if (res) {
		olog_debug("cache: fetching %s '%s' failed: %s", kinds[kind].name,
			   key, err->code);
		return res;
	}
	record_skipped(ctx, kind, key, v);
	kinds[kind].hash(v.p, &h, &sz);
	/* a record left out, or back, is a change of what the tree shows */
	if (skipped_of(kind, v))
		h_int(&h, (long long)skipped_of(kind, v)->n);
	olog_debug("cache: fetched %s '%s', %zu bytes", kinds[kind].name, key,
		   sz);
	*data = v.p;
	*size = sz + strlen(key) + CACHE_KEY_BYTES;
	*hash = h;
	return 0;
}

static void org_free_data(void *ctx, int kind, void *data)
{
	(void)ctx;
	if (kind >= 0 && kind < ORG_NKINDS)
		kinds[kind].free(data);
}
uint64_t org_now_ms(struct org *o)
{
	struct timespec ts;

	if (o->cfg.clock_ms)
		return o->cfg.clock_ms();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const struct owner_config *org_owner_config(struct org *o)
{
	return owner_cfg(o);
}

uint64_t org_view_ttl_ms(struct org *o)
{
	uint64_t t = UINT64_MAX;
	int k;

	for (k = 0; k < ORG_NKINDS; k++)
		if (o->cfg.ttl_ms[k] < t)
			t = o->cfg.ttl_ms[k];
	return t;
}

size_t org_max_bytes(struct org *o)
{
	return o->cfg.max_bytes;
}

uint64_t org_data_version(struct org *o)
{
	return cache_version(o->cache);
}

int org_resource_owner(struct org *o, const struct org_resource *r,
		       const char *account_owner, const char *account_source,
		       char **owner, char **source)
{
	struct owner_level lv = {
		.kind = "resource", .id = r->arn, .label = NULL,
		.tags = &r->tags,
	};
	struct owner_result res = { 0 };
	int rc = owner_resolve(owner_cfg(o), &lv, 1, &res);

	if (rc)
		return rc;
	if (res.value) {
		*owner = res.value;
		*source = res.source;
		res.value = res.source = NULL;
		owner_result_free(&res);
		return 0;
	}
	owner_result_free(&res);
	*owner = account_owner ? strdup(account_owner) : NULL;
	*source = strdup(account_source ? account_source : "none");
	if ((account_owner && !*owner) || !*source) {
		free(*owner);
		free(*source);
		return -ENOMEM;
	}
	return 0;
}

static void org_changed(void *ctx, int kind, const char *key)
{
	struct org *o = ctx;

	(void)kind;
	(void)key;
	__atomic_add_fetch(&o->generation, 1, __ATOMIC_RELEASE);
	if (o->cfg.on_change)
		o->cfg.on_change(o->cfg.on_change_arg);
}

struct org *org_new(struct org_source *src, const struct org_config *cfg)
{
	struct cache_kind ck[ORG_NKINDS];
	struct cache_config cc;
	struct org *o;
	int k;

	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->src = src;
	o->cfg = *cfg;
	o->generation = 1;
	pthread_mutex_init(&o->err_lock, NULL);
	for (k = 0; k < ORG_NKINDS; k++) {
		ck[k].name = kinds[k].name;
		ck[k].ttl_ms = cfg->ttl_ms[k];
		ck[k].error_ttl_ms = cfg->error_ttl_ms;
		ck[k].lane = kinds[k].lane;
	}
	memset(&cc, 0, sizeof(cc));
	cc.kinds = ck;
	cc.nkinds = ORG_NKINDS;
	cc.fetch = org_fetch;
	cc.free_data = org_free_data;
	cc.on_change = org_changed;
	cc.ctx = o;
	cc.max_bytes = cfg->max_bytes;
	cc.max_stale_ms = cfg->max_stale_ms;
	cc.workers = cfg->workers;
	cc.clock_ms = cfg->clock_ms;
	cc.wall_clock = cfg->wall_clock;
	o->cache = cache_new(&cc);
	if (!o->cache) {
		pthread_mutex_destroy(&o->err_lock);
		free(o);
		return NULL;
	}
	return o;
}

void org_free(struct org *o)
{
	if (!o)
		return;
	cache_free(o->cache);
	o->src->ops->destroy(o->src);
	pthread_mutex_destroy(&o->err_lock);
	free(o);
}

struct org_source *org_source(struct org *o)
{
	return o->src;
}

int org_get(struct org *o, enum org_kind kind, const char *key,
	    const char *path, struct cache_ref *ref, struct aws_error *err)
{
	int res = cache_get(o->cache, kind, key ? key : "", ref, err);

	if (res && res != -ENOENT)
		org_record_error(o, path, err);
	return res;
}

int org_peek(struct org *o, enum org_kind kind, const char *key,
	     struct cache_ref *ref)
{
	return cache_peek(o->cache, kind, key ? key : "", ref);
}

void org_put(struct org *o, struct cache_ref *ref)
{
	if (ref->entry)
		cache_release(o->cache, ref);
}

void org_prefetch(struct org *o, enum org_kind kind, const char *key)
{
	cache_prefetch(o->cache, kind, key ? key : "");
}

void org_slice_key(char *out, size_t len, const char *account,
		   const char *region)
{
	snprintf(out, len, "%s/%s", account, region);
}

void org_wait_idle(struct org *o)
{
	cache_wait_idle(o->cache);
}

void org_drop(struct org *o)
{
	olog_debug("cache: dropping every entry");
	cache_drop_all(o->cache);
	__atomic_add_fetch(&o->generation, 1, __ATOMIC_RELEASE);
}

uint64_t org_generation(struct org *o)
{
	return __atomic_load_n(&o->generation, __ATOMIC_ACQUIRE);
}

void org_record_error(struct org *o, const char *path,
		      const struct aws_error *err)
{
	struct org_err_rec *r;
	char line[1024];

	pthread_mutex_lock(&o->err_lock);
	r = &o->errs[o->nerrs % ORG_ERRORS_KEPT];
	o->nerrs++;
	r->when = o->cfg.wall_clock ? o->cfg.wall_clock() : time(NULL);
	snprintf(r->path, sizeof(r->path), "%s", path ? path : "");
	r->err = *err;
	pthread_mutex_unlock(&o->err_lock);
	olog(LOG_INFO, "%s: %s", path ? path : "",
	     aws_error_str(err, line, sizeof(line)));
}

/* Tabs and newlines would break the table: show them as spaces. */
static int put_field(struct buf *out, const char *s)
{
	int res = 0;

	for (; *s && !res; s++)
		res = buf_putc(out, (*s == '\t' || *s == '\n' || *s == '\r')
				    ? ' ' : *s);
	return res;
}

int org_render_errors(struct org *o, struct buf *out)
{
	unsigned i, first, n;
	int res;

	res = buf_puts(out, "time\tpath\toperation\tcode\terrno\tmessage\trequest_id\n");
	pthread_mutex_lock(&o->err_lock);
	n = o->nerrs < ORG_ERRORS_KEPT ? o->nerrs : ORG_ERRORS_KEPT;
	first = o->nerrs - n;
	for (i = first; i < o->nerrs && !res; i++) {
		const struct org_err_rec *r = &o->errs[i % ORG_ERRORS_KEPT];
		char ts[21];

		awstime_format(r->when, ts);
		res = buf_printf(out, "%s\t", ts);
		if (!res)
			res = put_field(out, r->path);
		if (!res)
			res = buf_putc(out, '\t');
		if (!res)
			res = put_field(out, r->err.operation);
		if (!res)
			res = buf_putc(out, '\t');
		if (!res)
			res = put_field(out, r->err.code);
		if (!res)
			res = buf_printf(out, "\t%s\t", strerror(r->err.err ? r->err.err : EIO));
		if (!res)
			res = put_field(out, r->err.message);
		if (!res)
			res = buf_putc(out, '\t');
		if (!res)
			res = put_field(out, r->err.request_id);
		if (!res)
			res = buf_putc(out, '\n');
	}
	pthread_mutex_unlock(&o->err_lock);
	return res;
}

int org_render_status(struct org *o, struct buf *out)
{
	struct cache_stats st;
	struct strpool_stats sp;
	unsigned nerrs;

	cache_get_stats(o->cache, &st);
	strpool_stats(&sp);
	pthread_mutex_lock(&o->err_lock);
	nerrs = o->nerrs;
	pthread_mutex_unlock(&o->err_lock);
	return buf_printf(out,
			  "cache_entries\t%llu\n"
			  "cache_bytes\t%llu\n"
			  "cache_pool_strings\t%zu\n"
			  "cache_pool_bytes\t%zu\n"
			  "cache_hits\t%llu\n"
			  "cache_misses\t%llu\n"
			  "cache_stale_serves\t%llu\n"
			  "cache_refreshes\t%llu\n"
			  "cache_evictions\t%llu\n"
			  "cache_errors\t%llu\n"
			  "fetches_in_flight\t%llu\n"
			  "fetches_queued\t%llu\n"
			  "errors_recorded\t%u\n"
			  "crawl_running\t%d\n"
			  "crawl_runs\t%llu\n"
			  "crawl_objects_done\t%llu\n"
			  "crawl_objects_total\t%llu\n"
			  "memory_trims\t%lu\n",
			  (unsigned long long)st.entries,
			  (unsigned long long)st.bytes,
			  sp.strings, sp.bytes,
			  (unsigned long long)st.hits,
			  (unsigned long long)st.misses,
			  (unsigned long long)st.stale_serves,
			  (unsigned long long)st.refreshes,
			  (unsigned long long)st.evictions,
			  (unsigned long long)st.errors,
			  (unsigned long long)st.fetches_in_flight,
			  (unsigned long long)st.queued, nerrs,
			  __atomic_load_n(&o->crawl_running, __ATOMIC_RELAXED),
			  (unsigned long long)__atomic_load_n(&o->crawl_runs,
							      __ATOMIC_RELAXED),
			  (unsigned long long)__atomic_load_n(&o->crawl_done,
							      __ATOMIC_RELAXED),
			  (unsigned long long)__atomic_load_n(&o->crawl_total,
							      __ATOMIC_RELAXED),
			  memtrim_count());
}
