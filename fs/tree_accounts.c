/* tree_accounts.c - /accounts/<id> (all but resources/ and config/) and
 * /by-name */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "ids.h"
#include "tree.h"

/* ------------------------------------------------------------------ */
/* /accounts */

int ls_accounts(struct lctx *c, struct dlist *d)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");
	size_t i;
	int res = 0;

	if (!a)
		return failed(c);
	for (i = 0; i < a->n && !res; i++)
		res = dl_add(d, a->v[i].id, NODE_DIR);
	return res;
}

int d_account(struct lctx *c, struct node *out)
{
	const struct org_account *ac = find_account(c, c->arg[0]);

	if (!ac)
		return c->err.err ? failed(c) : -ENOENT;
	return 0;
}

static const struct field account_fields[] = {
	FIELD(struct org_account, name, FIELD_STR),
	FIELD(struct org_account, email, FIELD_STR),
	FIELD(struct org_account, state, FIELD_STR),
	FIELD(struct org_account, arn, FIELD_STR),
	FIELD(struct org_account, joined_method, FIELD_STR),
	FIELD(struct org_account, joined, FIELD_TIME),
};

/* Its fields; the rest of accounts/<id>/ are the rows below it. */
int ls_account(struct lctx *c, struct dlist *d)
{
	int res = d_account(c, NULL);

	return res ? res : dl_add_fields(d, account_fields,
					 ARRAY_SIZE(account_fields));
}

/* owner and owner.source of an account, root or OU (c->arg[0]) */
int f_owner(struct lctx *c, struct node *out)
{
	struct owner_result r = { 0 };
	int res = owner_of(c, c->arg[0], &r);

	if (res)
		return res;
	if (!strcmp(strrchr(c->path, '/') + 1, "owner"))
		res = put_line(out, r.value ? r.value : "");
	else
		res = put_line(out, r.source);
	owner_result_free(&r);
	return res;
}

int f_account_field(struct lctx *c, struct node *out)
{
	const struct org_account *ac = find_account(c, c->arg[0]);

	if (!ac)
		return c->err.err ? failed(c) : -ENOENT;
	return put_field(out, account_fields, ARRAY_SIZE(account_fields), c->arg[1],
			 ac);
}

int l_account_parent(struct lctx *c, struct node *out)
{
	const struct org_account *ac = find_account(c, c->arg[0]);
	const struct org_hier *h = ac ? hier(c) : NULL;
	const char *p;

	if (!ac || !h)
		return c->err.err ? failed(c) : -ENOENT;
	p = org_hier_parent_of(h, ac->id);
	if (!p)
		return -ENOENT;
	return set_link_name(out, "../../ous/", p);
}

int account_has_parent(struct lctx *c)
{
	const struct org_hier *h = hier(c);

	return !h || org_hier_parent_of(h, c->arg[0]) != NULL;
}

int f_account_path(struct lctx *c, struct node *out)
{
	const struct org_account *ac = find_account(c, c->arg[0]);
	const struct org_hier *h = ac ? hier(c) : NULL;
	int res;

	if (!ac || !h)
		return c->err.err ? failed(c) : -ENOENT;
	res = tree_path(c, h, org_hier_parent_of(h, ac->id), &out->data);
	return res ? res : buf_putc(&out->data, '\n');
}

/* tags/ of an account, OU or root: id is c->arg[0] */
int ls_tags(struct lctx *c, struct dlist *d)
{
	const struct org_tags *t = need(c, ORG_TAGS, c->arg[0]);
	size_t i;
	int res = 0;

	if (!t)
		return failed(c);
	for (i = 0; i < t->n && !res; i++)
		res = dl_add(d, t->v[i].key, NODE_FILE);
	return res;
}

int f_tag(struct lctx *c, struct node *out)
{
	const struct org_tags *t = need(c, ORG_TAGS, c->arg[0]);
	const char *v;

	if (!t)
		return failed(c);
	v = org_tags_get(t, c->arg[1]);
	if (!v)
		return -ENOENT;
	return put_line(out, v);
}

int ls_account_tags(struct lctx *c, struct dlist *d)
{
	int res = d_account(c, NULL);

	return res ? res : ls_tags(c, d);
}

int f_account_tag(struct lctx *c, struct node *out)
{
	int res = d_account(c, NULL);

	return res ? res : f_tag(c, out);
}

/* Whether p is attached to one of ids[0..n-1] */
static int policy_hits(const struct org_policy *p, const char *const *ids,
		       int n)
{
	size_t j;
	int k;

	for (j = 0; j < p->ntargets; j++)
		for (k = 0; k < n; k++)
			if (!strcmp(p->targets[j].id, ids[k]))
				return 1;
	return 0;
}

/* Policies attached to the object or to any of its ancestors. */
int object_policies(struct lctx *c, const char *id, struct dlist *d)
{
	const struct org_policies *ps = need(c, ORG_POLICIES, "");
	const struct org_hier *h = ps ? hier(c) : NULL;
	const char *ids[70];
	size_t i;
	int n, res = 0;

	if (!ps || !h)
		return failed(c);
	n = ancestry(h, id, ids, 70);
	for (i = 0; i < ps->n; i++)
		ask_ahead(c, ORG_POLICY, ps->v[i].id);
	for (i = 0; i < ps->n && !res; i++) {
		const struct org_policy *p = need(c, ORG_POLICY, ps->v[i].id);

		if (!p)
			return failed(c);
		if (policy_hits(p, ids, n))
			res = dl_add(d, p->summary.id, NODE_LINK);
	}
	return res;
}

int ls_account_policies(struct lctx *c, struct dlist *d)
{
	int res = d_account(c, NULL);

	return res ? res : object_policies(c, c->arg[0], d);
}

/* accounts/<id>/policies/<p>, ous/<id>/policies/<p>: what the listing
 * would say of this one name, from the list of policies, that policy's
 * targets and the object's ancestry (not every policy's targets) */
int l_object_policy(struct lctx *c, struct node *out)
{
	const struct org_policies *ps;
	const struct org_policy *p;
	const struct org_hier *h;
	const char *ids[70];
	size_t i;
	int res = !strncmp(c->path, "/accounts/", 10) ? d_account(c, NULL) :
							 d_ou(c, NULL);

	if (res)
		return res;
	ps = need(c, ORG_POLICIES, "");
	if (!ps)
		return failed(c);
	for (i = 0; i < ps->n && strcmp(ps->v[i].id, c->arg[1]); i++)
		;
	if (i == ps->n)
		return -ENOENT;
	p = need(c, ORG_POLICY, c->arg[1]);
	h = p ? hier(c) : NULL;
	if (!p || !h)
		return failed(c);
	if (!policy_hits(p, ids, ancestry(h, c->arg[0], ids, 70)))
		return -ENOENT;
	return set_link_name(out, "../../../policies/", c->arg[1]);
}

/* ------------------------------------------------------------------ */
/* /by-name: one entry per account.  An account is listed by its name
 * when no other account has that name and the name does not end in
 * " (<id>)" (ids_name_has_id_suffix); else as "<name> (<id>)".  The second form holds the
 * account's own id, so no two entries can be alike, whatever the names
 * and whatever order they are listed in (orgfs(1)). */

static int dup_name(const struct org_account *const *s, size_t n, size_t i)
{
	return (i > 0 && !strcmp(s[i - 1]->name, s[i]->name)) ||
	       (i + 1 < n && !strcmp(s[i + 1]->name, s[i]->name));
}

static int cmp_account_name(const void *x, const void *y)
{
	const struct org_account *a = *(const struct org_account *const *)x;
	const struct org_account *b = *(const struct org_account *const *)y;
	int r = strcmp(a->name, b->name);

	return r ? r : strcmp(a->id, b->id);
}

/* by-name/ of one content of the account list, built once for it: its
 * entries sorted, each with its account's id (copies: the index outlives
 * the data it was built from). */
struct by_name_index {
	uint64_t hash;                  /* need_hash of the accounts */
	size_t n;
	struct by_name_entry {
		char *name;
		char *id;
	} *v;
	int refs;                       /* protected by by_name_lock */
};

static pthread_mutex_t by_name_lock = PTHREAD_MUTEX_INITIALIZER;
static struct by_name_index *by_name_kept;      /* the latest built */

static void by_name_unref(struct by_name_index *x)
{
	size_t i;

	if (!x)
		return;
	pthread_mutex_lock(&by_name_lock);
	i = --x->refs;
	pthread_mutex_unlock(&by_name_lock);
	if (i)
		return;
	for (i = 0; i < x->n; i++) {
		free(x->v[i].name);
		free(x->v[i].id);
	}
	free(x->v);
	free(x);
}

static int cmp_entry(const void *x, const void *y)
{
	return strcmp(((const struct by_name_entry *)x)->name,
		      ((const struct by_name_entry *)y)->name);
}

static struct by_name_index *by_name_build(const struct org_accounts *a,
					   uint64_t hash)
{
	struct by_name_index *x = calloc(1, sizeof(*x));
	const struct org_account **s = malloc((a->n ? a->n : 1) * sizeof(*s));
	size_t i;

	if (x)
		x->v = calloc(a->n ? a->n : 1, sizeof(*x->v));
	if (!x || !x->v || !s) {
		free(s);
		if (x)
			free(x->v);
		free(x);
		return NULL;
	}
	x->hash = hash;
	x->refs = 1;
	for (i = 0; i < a->n; i++)
		s[i] = &a->v[i];
	qsort(s, a->n, sizeof(*s), cmp_account_name);
	for (x->n = 0; x->n < a->n; x->n++) {
		const struct org_account *ac = s[x->n];
		struct by_name_entry *e = &x->v[x->n];
		int r = 0;

		if (!dup_name(s, a->n, x->n) &&
		    !ids_name_has_id_suffix(ac->name))
			e->name = strdup(ac->name);
		else
			r = asprintf(&e->name, "%s (%s)", ac->name, ac->id);
		e->id = strdup(ac->id);
		if (r < 0 || !e->name || !e->id) {
			if (r < 0)
				e->name = NULL;
			x->n++;
			free(s);
			by_name_unref(x);
			return NULL;
		}
	}
	free(s);
	qsort(x->v, x->n, sizeof(*x->v), cmp_entry);
	return x;
}

/* The index of the accounts pinned in c (a new reference), built if the
 * one kept is of other content. */
static struct by_name_index *by_name(struct lctx *c,
				     const struct org_accounts *a)
{
	uint64_t hash = need_hash(c, ORG_ACCOUNTS, "");
	struct by_name_index *x = NULL, *old;

	pthread_mutex_lock(&by_name_lock);
	if (by_name_kept && hash && by_name_kept->hash == hash &&
	    by_name_kept->n == a->n) {
		x = by_name_kept;
		x->refs++;
	}
	pthread_mutex_unlock(&by_name_lock);
	if (x)
		return x;
	x = by_name_build(a, hash);
	if (!x || !hash)
		return x;
	pthread_mutex_lock(&by_name_lock);
	x->refs++;
	old = by_name_kept;
	by_name_kept = x;
	pthread_mutex_unlock(&by_name_lock);
	by_name_unref(old);
	return x;
}

int ls_by_name(struct lctx *c, struct dlist *d)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");
	struct by_name_index *x;
	size_t i;
	int res = 0;

	if (!a)
		return failed(c);
	x = by_name(c, a);
	if (!x)
		return -ENOMEM;
	for (i = 0; i < x->n && !res; i++)
		res = dl_add(d, x->v[i].name, NODE_LINK);
	by_name_unref(x);
	return res;
}

int l_by_name(struct lctx *c, struct node *out)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");
	struct by_name_entry want = { .name = c->arg[0] };
	const struct by_name_entry *e;
	struct by_name_index *x;
	int res;

	if (!a)
		return failed(c);
	x = by_name(c, a);
	if (!x)
		return -ENOMEM;
	e = bsearch(&want, x->v, x->n, sizeof(*x->v), cmp_entry);
	res = e ? set_link_name(out, "../accounts/", e->id) : -ENOENT;
	by_name_unref(x);
	return res;
}
