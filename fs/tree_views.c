/* tree_views.c - /owners, /unowned, /tags: views over the org-wide index
 * (one crawl of every account's and OU's tags) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "tree.h"

/* Whether ob, an account (accounts) or an OU (!accounts), is listed in
 * the view the path is in: owners/<owner>/, unowned/ or tags/<k>/<v>/. */
static int in_view(struct lctx *c, const struct org_index_obj *ob,
		   int accounts)
{
	const char *v;

	if (accounts != !strcmp(ob->kind, "account"))
		return 0;
	if (!strncmp(c->path, "/owners/", 8))
		return ob->owner && !strcmp(ob->owner, c->arg[0]);
	if (!strncmp(c->path, "/unowned/", 9))
		return !ob->owner;
	v = org_tags_get(&ob->tags, c->arg[0]);
	return v && !strcmp(v, c->arg[1]);
}

/* What one object of the index adds to a listing: 0 or -errno. */
typedef int (*index_add_fn)(struct lctx *c, struct dlist *d,
			    const struct org_index_obj *ob);

/* add for each account and OU of the org-wide index, until one fails.
 * @return 0 or -errno */
static int index_each(struct lctx *c, struct dlist *d, index_add_fn add)
{
	const struct org_index *x = index_of(c);
	size_t i;
	int res = 0;

	if (!x)
		return failed(c);
	for (i = 0; i < x->n && !res; i++)
		res = add(c, d, &x->v[i]);
	return res;
}

static int add_owner(struct lctx *c, struct dlist *d,
		     const struct org_index_obj *ob)
{
	(void)c;
	return ob->owner ? dl_add(d, ob->owner, NODE_DIR) : 0;
}

static int add_view_account(struct lctx *c, struct dlist *d,
			    const struct org_index_obj *ob)
{
	return in_view(c, ob, 1) ? dl_add(d, ob->id, NODE_LINK) : 0;
}

static int add_view_ou(struct lctx *c, struct dlist *d,
		       const struct org_index_obj *ob)
{
	return in_view(c, ob, 0) ? dl_add(d, ob->id, NODE_LINK) : 0;
}

static int add_tag_keys(struct lctx *c, struct dlist *d,
			const struct org_index_obj *ob)
{
	size_t k;
	int res = 0;

	(void)c;
	for (k = 0; k < ob->tags.n && !res; k++)
		res = dl_add(d, ob->tags.v[k].key, NODE_DIR);
	return res;
}

static int add_tag_value(struct lctx *c, struct dlist *d,
			 const struct org_index_obj *ob)
{
	const char *v = org_tags_get(&ob->tags, c->arg[0]);

	return v ? dl_add(d, v, NODE_DIR) : 0;
}

int ls_owners(struct lctx *c, struct dlist *d)
{
	int res = index_each(c, d, add_owner);

	/* owners that own only resources are owners too */
	return res ? res : rnames_walk(c, d, 2, NULL);
}

int ls_owner_accounts(struct lctx *c, struct dlist *d)
{
	return index_each(c, d, add_view_account);
}

int ls_owner_ous(struct lctx *c, struct dlist *d)
{
	return index_each(c, d, add_view_ou);
}

int ls_unowned_accounts(struct lctx *c, struct dlist *d)
{
	return index_each(c, d, add_view_account);
}

int ls_unowned_ous(struct lctx *c, struct dlist *d)
{
	return index_each(c, d, add_view_ou);
}

/* Whether the object a link of owners/, unowned/ or tags/ names is
 * listed there (in_view): one lookup in the index, not a listing of the
 * directory, which for each of thousands of links was a scan of every
 * account and OU. */
static int view_member(struct lctx *c, int accounts)
{
	const struct org_index *x = index_of(c);
	const struct org_index_obj *ob;

	if (!x)
		return failed(c);
	ob = org_index_find(x, c->arg[c->narg - 1]);
	return ob && in_view(c, ob, accounts) ? 0 : -ENOENT;
}

/* A view's link to the one real directory of an account or OU: up to
 * the top of the tree, then accounts/<id> or ous/<id> as the directory
 * the link sits in is named ("owners/x/ous/<id>" -> "../../../ous/<id>"). */
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
	int res = index_each(c, d, add_tag_keys);

	return res ? res : rnames_walk(c, d, 3, NULL);
}

int ls_tag_values(struct lctx *c, struct dlist *d)
{
	int res = index_each(c, d, add_tag_value);

	return res ? res : rnames_walk(c, d, 4, c->arg[0]);
}

int ls_tag_accounts(struct lctx *c, struct dlist *d)
{
	return index_each(c, d, add_view_account);
}

int ls_tag_ous(struct lctx *c, struct dlist *d)
{
	return index_each(c, d, add_view_ou);
}
