/* tree_ous.c - /ous (roots and OUs by id) and /tree (the hierarchy by
 * name) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "ids.h"
#include "tree.h"

/* ------------------------------------------------------------------ */
/* /ous: roots and OUs by id */

int ls_ous(struct lctx *c, struct dlist *d)
{
	const struct org_hier *h = hier(c);
	size_t i;
	int res = 0;

	if (!h)
		return failed(c);
	for (i = 0; i < h->nous && !res; i++)
		res = dl_add(d, h->ous[i].id, NODE_DIR);
	return res;
}

static const struct org_ou *find_ou(struct lctx *c)
{
	const struct org_hier *h = hier(c);

	return h ? org_hier_find_ou(h, c->arg[0]) : NULL;
}

int d_ou(struct lctx *c, struct node *out)
{
	if (!find_ou(c))
		return c->err.err ? failed(c) : -ENOENT;
	return 0;
}

static const struct field ou_fields[] = {
	FIELD(struct org_ou, name, FIELD_STR),
	FIELD(struct org_ou, arn, FIELD_STR),
};

/* Its fields; the rest of ous/<id>/ are the rows below it. */
int ls_ou(struct lctx *c, struct dlist *d)
{
	if (!find_ou(c))
		return c->err.err ? failed(c) : -ENOENT;
	return dl_add_fields(d, ou_fields, ARRAY_SIZE(ou_fields));
}

/* ous/<id>/parent is listed for an OU, not for a root */
int ou_has_parent(struct lctx *c)
{
	const struct org_ou *u = find_ou(c);

	return u && u->parent_id;
}

int f_ou_field(struct lctx *c, struct node *out)
{
	const struct org_ou *u = find_ou(c);

	if (!u)
		return c->err.err ? failed(c) : -ENOENT;
	return put_field(out, ou_fields, ARRAY_SIZE(ou_fields), c->arg[1], u);
}

int l_ou_parent(struct lctx *c, struct node *out)
{
	const struct org_ou *u = find_ou(c);

	if (!u)
		return c->err.err ? failed(c) : -ENOENT;
	if (!u->parent_id)
		return -ENOENT;
	return set_link_name(out, "../", u->parent_id);
}

/* The OU of the path (*u) and the hierarchy it is in (*h).
 * @return 0, -ENOENT when there is no such OU, or -errno */
static int ou_in_hier(struct lctx *c, const struct org_ou **u,
		      const struct org_hier **h)
{
	*h = NULL;
	*u = find_ou(c);
	if (!*u)
		return c->err.err ? failed(c) : -ENOENT;
	*h = hier(c);
	return 0;
}

/* An account the hierarchy names but the account listing does not (it
 * was left out as malformed, or joined between the two listings) has no
 * accounts/<id> to link to: it is not listed, rather than a dangling
 * link. */
int ls_ou_accounts(struct lctx *c, struct dlist *d)
{
	const struct org_ou *u;
	const struct org_hier *h;
	const struct org_accounts *a;
	size_t i;
	int res = ou_in_hier(c, &u, &h);

	if (res)
		return res;
	a = need(c, ORG_ACCOUNTS, "");
	if (!a)
		return failed(c);
	for (i = 0; !res && i < h->nlinks; i++)
		if (!strcmp(h->links[i].parent_id, u->id) &&
		    org_accounts_find(a, h->links[i].child_id))
			res = dl_add(d, h->links[i].child_id, NODE_LINK);
	return res;
}

int l_ou_account(struct lctx *c, struct node *out)
{
	int res = layout_listed(c->fs, c->path);

	return res ? res : set_link_name(out, "../../../accounts/", c->arg[1]);
}

int ls_ou_children(struct lctx *c, struct dlist *d)
{
	const struct org_ou *u;
	const struct org_hier *h;
	size_t i;
	int res = ou_in_hier(c, &u, &h);

	for (i = 0; !res && i < h->nous; i++)
		if (h->ous[i].parent_id && !strcmp(h->ous[i].parent_id, u->id))
			res = dl_add(d, h->ous[i].id, NODE_LINK);
	return res;
}

int l_ou_child(struct lctx *c, struct node *out)
{
	int res = layout_listed(c->fs, c->path);

	return res ? res : set_link_name(out, "../../", c->arg[1]);
}

int ls_ou_tags(struct lctx *c, struct dlist *d)
{
	int res = d_ou(c, NULL);

	return res ? res : ls_tags(c, d);
}

int f_ou_tag(struct lctx *c, struct node *out)
{
	int res = d_ou(c, NULL);

	return res ? res : f_tag(c, out);
}

int ls_ou_policies(struct lctx *c, struct dlist *d)
{
	int res = d_ou(c, NULL);

	return res ? res : object_policies(c, c->arg[0], d);
}

/* ------------------------------------------------------------------ */
/* /tree: the hierarchy by name.  OUs are directories, accounts symlinks.
 * Where siblings share a name (two OUs, two accounts, or an OU and an
 * account), each of them is shown as "<name> (<id>)". */

struct tree_item {
	const char *name;
	const char *id;
	int is_ou;
};

static int cmp_tree_item(const void *x, const void *y)
{
	const struct tree_item *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	return r ? r : strcmp(a->id, b->id);
}

/* Children of parent (NULL: the roots), sorted by name. */
static struct tree_item *tree_children(struct lctx *c,
				       const struct org_hier *h,
				       const struct org_accounts *a,
				       const char *parent, size_t *n)
{
	struct tree_item *v;
	size_t i, k = 0;

	v = malloc((h->nous + h->nlinks + 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < h->nous; i++) {
		const struct org_ou *u = &h->ous[i];

		if ((!parent && !u->parent_id) ||
		    (parent && u->parent_id && !strcmp(u->parent_id, parent))) {
			v[k].name = u->name;
			v[k].id = u->id;
			v[k].is_ou = 1;
			k++;
		}
	}
	for (i = 0; parent && i < h->nlinks; i++) {
		const struct org_account *ac;

		if (strcmp(h->links[i].parent_id, parent))
			continue;
		ac = org_accounts_find(a, h->links[i].child_id);
		if (!ac)
			continue;       /* no accounts/<id> (ls_ou_accounts) */
		v[k].name = ac->name;
		v[k].id = h->links[i].child_id;
		v[k].is_ou = 0;
		k++;
	}
	qsort(v, k, sizeof(*v), cmp_tree_item);
	*n = k;
	return v;
}

static int tree_dup(const struct tree_item *v, size_t n, size_t i)
{
	return (i > 0 && !strcmp(v[i - 1].name, v[i].name)) ||
	       (i + 1 < n && !strcmp(v[i + 1].name, v[i].name));
}

/* The name an OU or account called name has in tree/: its name, or
 * "<name> (<id>)" when a sibling shares it (twin) or it ends in
 * " (<id>)" itself (orgfs(1)), malloc'd (a name of any length: none is
 * cut) */
static char *shown_name(const char *name, const char *id, int twin)
{
	char *out;

	if (twin || ids_name_has_id_suffix(name))
		return asprintf(&out, "%s (%s)", name, id) < 0 ? NULL : out;
	return strdup(name);
}

/* The name v[i] has in tree/ (shown_name) */
static char *tree_name(const struct tree_item *v, size_t n, size_t i)
{
	return shown_name(v[i].name, v[i].id, tree_dup(v, n, i));
}

/* Walk c->rest down the tree.  On success *id is the OU (or root) the
 * path names, or *account the account a last component names. */
static int tree_resolve(struct lctx *c, const struct org_hier *h,
			const struct org_accounts *a, int upto,
			const char **id, const char **account)
{
	const char *cur = NULL;
	int depth;

	*account = NULL;
	for (depth = 0; depth < upto; depth++) {
		struct tree_item *v;
		size_t n, i;
		int found = 0;

		if (*account)
			return -ENOTDIR;
		v = tree_children(c, h, a, cur, &n);
		if (!v)
			return -ENOMEM;
		for (i = 0; i < n && !found; i++) {
			char *name = tree_name(v, n, i);
			int same;

			if (!name) {
				free(v);
				return -ENOMEM;
			}
			same = !strcmp(name, c->rest[depth]);
			free(name);
			if (!same)
				continue;
			found = 1;
			if (v[i].is_ou)
				cur = v[i].id;
			else
				*account = v[i].id;
		}
		free(v);
		if (!found)
			return -ENOENT;
	}
	*id = cur;
	return 0;
}

int g_tree(struct lctx *c, struct node *out)
{
	const struct org_hier *h = hier(c);
	const struct org_accounts *a = h ? need(c, ORG_ACCOUNTS, "") : NULL;
	const char *id, *account;
	int res, i;

	if (!h || !a)
		return failed(c);
	res = tree_resolve(c, h, a, c->nrest, &id, &account);
	if (res)
		return res;
	if (!account)
		return 0;               /* a directory */
	out->type = NODE_LINK;
	/* /tree/<1>/.../<n>: n-1 levels below tree/, then tree/ itself */
	for (i = 0; i < c->nrest && !res; i++)
		res = buf_puts(&out->data, "../");
	if (!res)
		res = buf_puts(&out->data, "accounts/");
	return res ? res : escape_name_buf(&out->data, account);
}

int ls_tree(struct lctx *c, struct dlist *d)
{
	const struct org_hier *h = hier(c);
	const struct org_accounts *a = h ? need(c, ORG_ACCOUNTS, "") : NULL;
	const char *id = NULL, *account;
	struct tree_item *v;
	size_t n, i;
	int res;

	if (!h || !a)
		return failed(c);
	res = tree_resolve(c, h, a, c->nrest, &id, &account);
	if (res)
		return res;
	if (account)
		return -ENOTDIR;
	v = tree_children(c, h, a, id, &n);
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n && !res; i++) {
		char *name = tree_name(v, n, i);

		res = name ? dl_add(d, name, v[i].is_ou ? NODE_DIR : NODE_LINK) :
		      -ENOMEM;
		free(name);
	}
	free(v);
	return res;
}

/* Whether OU u has a sibling (OU or account) of the same name, which
 * tree/ tells apart by id: a scan, no listing built. */
static int has_twin(const struct org_hier *h, const struct org_accounts *a,
		    const struct org_ou *u)
{
	const char *p = u->parent_id;
	size_t i;

	for (i = 0; i < h->nous; i++) {
		const struct org_ou *o = &h->ous[i];

		if (o != u && !strcmp(o->name, u->name) &&
		    (p ? o->parent_id && !strcmp(o->parent_id, p) :
		     !o->parent_id))
			return 1;
	}
	for (i = 0; p && i < h->nlinks; i++) {
		const struct org_account *ac;

		if (strcmp(h->links[i].parent_id, p))
			continue;
		ac = org_accounts_find(a, h->links[i].child_id);
		if (!strcmp(ac ? ac->name : h->links[i].child_id, u->name))
			return 1;
	}
	return 0;
}

int tree_path(struct lctx *c, const struct org_hier *h, const char *id,
	      struct buf *b)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");
	const char *chain[64];
	int n, res = 0;

	if (!a)
		return failed(c);
	n = id ? ancestry(h, id, chain, 64) : 0;
	while (n-- > 0 && !res) {
		const struct org_ou *u = org_hier_find_ou(h, chain[n]);
		char *name;

		if (!u)
			continue;
		name = shown_name(u->name, u->id, has_twin(h, a, u));
		if (!name)
			return -ENOMEM;
		res = escape_name_buf(b, name);
		free(name);
		if (!res && n)
			res = buf_putc(b, '/');
	}
	return res;
}

int f_ou_path(struct lctx *c, struct node *out)
{
	const struct org_ou *u = find_ou(c);
	int res;

	if (!u)
		return c->err.err ? failed(c) : -ENOENT;
	res = tree_path(c, hier(c), u->id, &out->data);
	return res ? res : buf_putc(&out->data, '\n');
}
