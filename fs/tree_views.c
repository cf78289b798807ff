/* tree_views.c - /owners, /unowned, /tags: views over the org-wide index
 * (one crawl of every account's and OU's tags) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "tree.h"

int ls_owners(struct lctx *c, struct dlist *d)
{
	const struct org_index *x = index_of(c);
	size_t i;
	int res = 0;

	if (!x)
		return failed(c);
	for (i = 0; i < x->n && !res; i++)
		if (x->v[i].owner)
			res = dl_add(d, x->v[i].owner, NODE_DIR);
	/* owners that own only resources are owners too */
	return res ? res : rnames_walk(c, d, 2, NULL);
}

/* Objects of one kind ("account" or other) whose owner is want (NULL:
 * none), as symlinks. */
static int ls_owned(struct lctx *c, struct dlist *d, const char *want,
		    int accounts)
{
	const struct org_index *x = index_of(c);
	size_t i;
	int res = 0;

	if (!x)
		return failed(c);
	for (i = 0; i < x->n && !res; i++) {
		const struct org_index_obj *ob = &x->v[i];

		if (accounts != !strcmp(ob->kind, "account"))
			continue;
		if (want ? (ob->owner && !strcmp(ob->owner, want)) : !ob->owner)
			res = dl_add(d, ob->id, NODE_LINK);
	}
	return res;
}

int ls_owner_accounts(struct lctx *c, struct dlist *d)
{
	return ls_owned(c, d, c->arg[0], 1);
}

int ls_owner_ous(struct lctx *c, struct dlist *d)
{
	return ls_owned(c, d, c->arg[0], 0);
}

int ls_unowned_accounts(struct lctx *c, struct dlist *d)
{
	return ls_owned(c, d, NULL, 1);
}

int ls_unowned_ous(struct lctx *c, struct dlist *d)
{
	return ls_owned(c, d, NULL, 0);
}

/* A view's link to the one real directory of an account or OU: up to
 * the top of the tree, then accounts/<id> or ous/<id> as the directory
 * the link sits in is named ("owners/x/ous/<id>" -> "../../../ous/<id>"). */
/* Whether the object a link of owners/, unowned/ or tags/ names is
 * listed there (ls_owned, ls_tagged): one lookup in the index, not a
 * listing of the directory, which for each of thousands of links was a
 * scan of every account and OU. */
static int view_member(struct lctx *c, int accounts)
{
	const struct org_index *x = index_of(c);
	const struct org_index_obj *ob;
	const char *v;

	if (!x)
		return failed(c);
	ob = org_index_find(x, c->arg[c->narg - 1]);
	if (!ob || accounts != !strcmp(ob->kind, "account"))
		return -ENOENT;
	if (!strncmp(c->path, "/owners/", 8))
		return ob->owner && !strcmp(ob->owner, c->arg[0]) ? 0 : -ENOENT;
	if (!strncmp(c->path, "/unowned/", 9))
		return ob->owner ? -ENOENT : 0;
	v = org_tags_get(&ob->tags, c->arg[0]);
	return v && !strcmp(v, c->arg[1]) ? 0 : -ENOENT;
}

int l_view_object(struct lctx *c, struct node *out)
{
	const char *last = strrchr(c->path, '/'), *p;
	const char *dir = last;
	char *e;
	int res;

	while (dir > c->path && dir[-1] != '/')
		dir--;
	res = view_member(c, !strncmp(dir, "accounts/", 9));
	if (res)
		return res;
	e = escape_name(c->arg[c->narg - 1]);
	if (!e)
		return -ENOMEM;
	out->type = NODE_LINK;
	for (p = c->path + 1; *p && !res; p++)
		if (*p == '/')
			res = buf_puts(&out->data, "../");
	if (!res)
		res = buf_printf(&out->data, "%.*s/%s", (int)(last - dir), dir,
				 e);
	free(e);
	return res;
}

int ls_tag_keys(struct lctx *c, struct dlist *d)
{
	const struct org_index *x = index_of(c);
	size_t i, k;
	int res = 0;

	if (!x)
		return failed(c);
	for (i = 0; i < x->n && !res; i++)
		for (k = 0; k < x->v[i].tags.n && !res; k++)
			res = dl_add(d, x->v[i].tags.v[k].key, NODE_DIR);
	return res ? res : rnames_walk(c, d, 3, NULL);
}

int ls_tag_values(struct lctx *c, struct dlist *d)
{
	const struct org_index *x = index_of(c);
	size_t i;
	int res = 0;

	if (!x)
		return failed(c);
	for (i = 0; i < x->n && !res; i++) {
		const char *v = org_tags_get(&x->v[i].tags, c->arg[0]);

		if (v)
			res = dl_add(d, v, NODE_DIR);
	}
	return res ? res : rnames_walk(c, d, 4, c->arg[0]);
}

static int ls_tagged(struct lctx *c, struct dlist *d, int accounts)
{
	const struct org_index *x = index_of(c);
	size_t i;
	int res = 0;

	if (!x)
		return failed(c);
	for (i = 0; i < x->n && !res; i++) {
		const struct org_index_obj *ob = &x->v[i];
		const char *v;

		if (accounts != !strcmp(ob->kind, "account"))
			continue;
		v = org_tags_get(&ob->tags, c->arg[0]);
		if (v && !strcmp(v, c->arg[1]))
			res = dl_add(d, ob->id, NODE_LINK);
	}
	return res;
}

int ls_tag_accounts(struct lctx *c, struct dlist *d)
{
	return ls_tagged(c, d, 1);
}

int ls_tag_ous(struct lctx *c, struct dlist *d)
{
	return ls_tagged(c, d, 0);
}
