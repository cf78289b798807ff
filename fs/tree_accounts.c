/* tree_accounts.c - /accounts/<id> (all but resources/ and config/) and
 * /by-name */
#include <errno.h>
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

/* Policies attached to the object or to any of its ancestors. */
int object_policies(struct lctx *c, const char *id, struct dlist *d)
{
	const struct org_policies *ps = need(c, ORG_POLICIES, "");
	const struct org_hier *h = ps ? hier(c) : NULL;
	const char *ids[70];
	size_t i, j;
	int n, k, res = 0;

	if (!ps || !h)
		return failed(c);
	n = ancestry(h, id, ids, 70);
	for (i = 0; i < ps->n; i++)
		ask_ahead(c, ORG_POLICY, ps->v[i].id);
	for (i = 0; i < ps->n && !res; i++) {
		const struct org_policy *p = need(c, ORG_POLICY, ps->v[i].id);
		int hit = 0;

		if (!p)
			return failed(c);
		for (j = 0; j < p->ntargets && !hit; j++)
			for (k = 0; k < n && !hit; k++)
				hit = !strcmp(p->targets[j].id, ids[k]);
		if (hit)
			res = dl_add(d, p->summary.id, NODE_LINK);
	}
	return res;
}

int ls_account_policies(struct lctx *c, struct dlist *d)
{
	int res = d_account(c, NULL);

	return res ? res : object_policies(c, c->arg[0], d);
}

int l_object_policy(struct lctx *c, struct node *out)
{
	int res = layout_listed(c->fs, c->path);

	return res ? res : set_link_name(out, "../../../policies/", c->arg[1]);
}

/* ------------------------------------------------------------------ */
/* /by-name: one entry per account.  An account is listed by its name
 * when no other account has that name and the name does not end in
 * " (<id>)" (ids_name_has_id_suffix); else as "<name> (<id>)".  The second form holds the
 * account's own id, so no two entries can be alike, whatever the names
 * and whatever order they are listed in (orgfs(1)). */

static int dup_name(const struct org_accounts *a, size_t i)
{
	return (i > 0 && !strcmp(a->v[i - 1].name, a->v[i].name)) ||
	       (i + 1 < a->n && !strcmp(a->v[i + 1].name, a->v[i].name));
}

/* The by-name entry of s->v[i] (s sorted by name), malloc'd. */
static char *by_name_entry(const struct org_accounts *s, size_t i)
{
	const struct org_account *x = &s->v[i];
	char *e;

	if (!dup_name(s, i) && !ids_name_has_id_suffix(x->name))
		return strdup(x->name);
	if (asprintf(&e, "%s (%s)", x->name, x->id) < 0)
		return NULL;
	return e;
}

static int cmp_account_name(const void *x, const void *y)
{
	const struct org_account *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	return r ? r : strcmp(a->id, b->id);
}

/* A copy of the accounts sorted by name (shallow: strings borrowed). */
static struct org_accounts *by_name(const struct org_accounts *a)
{
	struct org_accounts *s = malloc(sizeof(*s));

	if (!s)
		return NULL;
	s->n = a->n;
	s->v = malloc((a->n ? a->n : 1) * sizeof(*s->v));
	if (!s->v) {
		free(s);
		return NULL;
	}
	memcpy(s->v, a->v, a->n * sizeof(*s->v));
	qsort(s->v, s->n, sizeof(*s->v), cmp_account_name);
	return s;
}

int ls_by_name(struct lctx *c, struct dlist *d)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");
	struct org_accounts *s;
	size_t i;
	int res = 0;

	if (!a)
		return failed(c);
	s = by_name(a);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < s->n && !res; i++) {
		char *n = by_name_entry(s, i);

		res = n ? dl_add(d, n, NODE_LINK) : -ENOMEM;
		free(n);
	}
	free(s->v);
	free(s);
	return res;
}

int l_by_name(struct lctx *c, struct node *out)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");
	struct org_accounts *s;
	const char *want = c->arg[0];
	size_t i;
	int res = -ENOENT;

	if (!a)
		return failed(c);
	s = by_name(a);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < s->n && res == -ENOENT; i++) {
		char *n = by_name_entry(s, i);

		if (!n)
			res = -ENOMEM;
		else if (!strcmp(n, want))
			res = set_link_name(out, "../accounts/", s->v[i].id);
		free(n);
	}
	free(s->v);
	free(s);
	return res;
}
