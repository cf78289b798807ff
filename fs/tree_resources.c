/* tree_resources.c - accounts/<id>/resources/..., and the org-wide views
 * over every resource: resources.tsv, /services, and the resources.tsv
 * of owners/, unowned/ and tags/ */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "tree.h"
#include "views.h"

/* ------------------------------------------------------------------ */
/* resources: accounts/<id>/resources/<service>/<region>/<type>/<id>/,
 * and the org-wide views over every readable account and region */

int account_regions(struct lctx *c, const char *account,
		    char *const **v, size_t *n)
{
	const struct org_regions *r;

	if (!c->fs->regions_all) {
		*v = c->fs->regions;
		*n = c->fs->nregions;
		return 0;
	}
	r = need(c, ORG_REGIONS, account);
	if (!r)
		return failed(c);
	*v = r->v;
	*n = r->n;
	return 0;
}

/* Pin every region's resources of one account; fails as the first
 * region that fails (EACCES when the role is refused).  *n: how many. */
static int account_slices(struct lctx *c, const char *account,
			  const struct org_resources **out, size_t max,
			  size_t *n)
{
	char *const *regions = NULL;
	char key[64];
	size_t i;
	int res = account_regions(c, account, &regions, n);

	if (res)
		return res;
	if (*n > max)
		return -EIO;
	for (i = 0; i < *n; i++) {
		org_slice_key(key, sizeof(key), account, regions[i]);
		ask_ahead(c, ORG_RESOURCES, key);
	}
	for (i = 0; i < *n; i++) {
		org_slice_key(key, sizeof(key), account, regions[i]);
		out[i] = need(c, ORG_RESOURCES, key);
		if (!out[i])
			return failed(c);
	}
	return 0;
}

static const struct org_account *resources_account(struct lctx *c)
{
	const struct org_account *a;

	if (!c->fs->resources)
		return NULL;
	a = find_account(c, c->arg[0]);
	return a && org_account_readable(a) ? a : NULL;
}

/* The org-wide resource views are listed when the resource tree is on */
int with_resources(struct lctx *c)
{
	return c->fs->resources;
}

/* accounts/<id>/resources is listed for a readable account */
int resources_listed(struct lctx *c)
{
	return resources_account(c) != NULL;
}

/* The resources of one account, as pointers into pinned data: from every
 * region's listing, or filtered from the aggregator's index. */
static int account_resources(struct lctx *c, const char *account,
			     const struct org_resource ***out, size_t *n)
{
	const struct org_resources *sl[128];
	const struct org_resource **v = NULL;
	size_t i, k, cap = 0, nsl = 1;
	int res;

	*n = 0;
	if (c->fs->aggregated) {
		const struct org_resources *all = need(c, ORG_ORGRES, "");

		if (!all)
			return failed(c);
		sl[0] = all;
	} else {
		res = account_slices(c, account, sl, 128, &nsl);
		if (res)
			return res;
	}
	for (i = 0; i < nsl; i++)
		for (k = 0; k < sl[i]->n; k++) {
			const struct org_resource *r = &sl[i]->v[k];

			if (c->fs->aggregated && strcmp(r->account, account))
				continue;
			/* a global resource once, from its first listing */
			if (i && org_resource_seen_global(r, sl, i))
				continue;
			if (*n == cap) {
				const struct org_resource **nv;

				cap = cap ? cap * 2 : 64;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			v[(*n)++] = r;
		}
	*out = v;
	return 0;
}

int d_account_resources(struct lctx *c, struct node *out)
{
	const struct org_resource **v = NULL;
	size_t n;
	int res;

	if (!resources_account(c))
		return c->err.err ? failed(c) : -ENOENT;
	if (c->cached_only)
		return 0;       /* a stat: the resources wait for a listing */
	res = account_resources(c, c->arg[0], &v, &n);
	free(v);
	return res;
}

/* Directory levels below resources/: 0 service, 1 region, 2 type, 3 id. */
static int ls_resource_level(struct lctx *c, struct dlist *d, int level)
{
	const struct org_resource **v = NULL;
	size_t i, n;
	int res;

	if (!resources_account(c))
		return c->err.err ? failed(c) : -ENOENT;
	res = account_resources(c, c->arg[0], &v, &n);
	for (i = 0; i < n && !res; i++) {
		const struct org_resource *r = v[i];
		const char *f[4] = { r->service, r->region, r->type, r->id };
		int j, match = 1;

		for (j = 0; j < level && match; j++)
			match = !strcmp(f[j], c->arg[j + 1]);
		if (match)
			res = dl_add(d, f[level], NODE_DIR);
	}
	free(v);
	return res;
}

int ls_account_services(struct lctx *c, struct dlist *d)
{
	return ls_resource_level(c, d, 0);
}

int ls_account_service_regions(struct lctx *c, struct dlist *d)
{
	return ls_resource_level(c, d, 1);
}

int ls_account_region_types(struct lctx *c, struct dlist *d)
{
	return ls_resource_level(c, d, 2);
}

int ls_account_type_ids(struct lctx *c, struct dlist *d)
{
	return ls_resource_level(c, d, 3);
}

/* The resource that accounts/<a>/resources/<s>/<r>/<t>/<id> names. */
const struct org_resource *find_resource(struct lctx *c)
{
	const struct org_resource **v = NULL, *found = NULL;
	size_t i, n;

	if (!resources_account(c) ||
	    account_resources(c, c->arg[0], &v, &n))
		return NULL;
	for (i = 0; i < n && !found; i++)
		if (!strcmp(v[i]->service, c->arg[1]) &&
		    !strcmp(v[i]->region, c->arg[2]) &&
		    !strcmp(v[i]->type, c->arg[3]) &&
		    !strcmp(v[i]->id, c->arg[4]))
			found = v[i];
	free(v);
	return found;
}

int d_resource(struct lctx *c, struct node *out)
{
	return find_resource(c) ? 0 : (c->err.err ? failed(c) : -ENOENT);
}

/* Its fields; tags/ and compliance are the rows below it. */
int ls_resource(struct lctx *c, struct dlist *d)
{
	int res = d_resource(c, NULL);

	if (!res)
		res = dl_add(d, "arn", NODE_FILE);
	if (!res)
		res = dl_add(d, "owner", NODE_FILE);
	if (!res)
		res = dl_add(d, "owner.source", NODE_FILE);
	return res;
}

int f_resource_field(struct lctx *c, struct node *out)
{
	const struct org_resource *r = find_resource(c);
	const char *f = c->arg[5];
	char *owner = NULL, *source = NULL;
	struct owner_result ar = { 0 };
	int res;

	if (!r)
		return c->err.err ? failed(c) : -ENOENT;
	if (!strcmp(f, "arn"))
		return put_line(out, r->arn);
	if (!strcmp(f, "compliance"))
		return r->compliance && *r->compliance ?
		       put_line(out, r->compliance) : put_line(out, "");
	if (strcmp(f, "owner") && strcmp(f, "owner.source"))
		return -ENOENT;
	res = owner_of(c, c->arg[0], &ar);
	if (res)
		return res;
	res = org_resource_owner(c->fs->org, r, ar.value, ar.source, &owner,
				 &source);
	owner_result_free(&ar);
	if (res)
		return res;
	res = put_line(out, !strcmp(f, "owner") ? (owner ? owner : "") : source);
	free(owner);
	free(source);
	return res;
}

int ls_resource_tags(struct lctx *c, struct dlist *d)
{
	const struct org_resource *r = find_resource(c);
	size_t i;
	int res = 0;

	if (!r)
		return c->err.err ? failed(c) : -ENOENT;
	for (i = 0; i < r->tags.n && !res; i++)
		res = dl_add(d, r->tags.v[i].key, NODE_FILE);
	return res;
}

int f_resource_tag(struct lctx *c, struct node *out)
{
	const struct org_resource *r = find_resource(c);
	const char *v;

	if (!r)
		return c->err.err ? failed(c) : -ENOENT;
	v = org_tags_get(&r->tags, c->arg[5]);
	return v ? put_line(out, v) : -ENOENT;
}

static int walk_snap(struct lctx *c, const char *key, const char *value,
		     rwalk_fn fn, runread_fn unread, void *arg,
		     unsigned *unreadable)
{
	struct resindex_snap *s = resindex_get(c->fs->index, c->path, &c->err);
	const uint32_t *rows;
	size_t j, n;
	int res = 0;

	*unreadable = 0;
	if (!s)
		return failed(c);
	if (s->mtime > c->mtime)
		c->mtime = s->mtime;
	c->stale |= s->stale;
	*unreadable = s->unreadable;
	c->skipped += s->skipped;
	c->incomplete |= s->unreadable > 0 || s->skipped > 0;
	if (!key) {
		for (j = 0; j < s->n && !res; j++)
			res = fn(arg, s->rows[j].r, s->rows[j].owner);
	} else {
		res = resindex_tagged(s, key, value, &rows, &n);
		for (j = 0; j < n && !res; j++)
			res = fn(arg, s->rows[rows[j]].r,
				 s->rows[rows[j]].owner);
	}
	for (j = 0; unread && j < s->unreadable && !res; j++)
		res = unread(arg, s->unread ? s->unread[j].account : NULL,
			     s->unread ? s->unread[j].why : NULL);
	resindex_put(s);
	return res;
}

int walk_resources(struct lctx *c, const char *key, const char *value,
		   rwalk_fn fn, void *arg, unsigned *unreadable)
{
	return walk_snap(c, key, value, fn, NULL, arg, unreadable);
}

int walk_resources_unread(struct lctx *c, rwalk_fn fn, runread_fn unread,
			  void *arg)
{
	unsigned unreadable;

	return walk_snap(c, NULL, NULL, fn, unread, arg, &unreadable);
}

/* resources.tsv rows of the resources a filter keeps */
struct rtsv {
	struct table t;
	const char *service;            /* filters; NULL: any */
	const char *type;
	int owned;                      /* 1: owner == want, 0: unowned,
					   -1: any */
	const char *want;
	const char *tag_key;
	const char *tag_value;
};

static int rtsv_row(void *arg, const struct org_resource *r,
		    const char *owner)
{
	struct rtsv *t = arg;

	if (t->service && (strcmp(r->service, t->service) ||
			   strcmp(r->type, t->type)))
		return 0;
	if (t->owned == 1 && (!owner || strcmp(owner, t->want)))
		return 0;
	if (t->owned == 0 && owner)
		return 0;
	if (t->tag_key) {
		const char *v = org_tags_get(&r->tags, t->tag_key);

		if (!v || strcmp(v, t->tag_value))
			return 0;
	}
	return table_row(&t->t, r->arn, r->account, r->region, r->service,
			 r->type, owner);
}

/* "3 accounts unreadable" into out, or "" for none */
static const char *count_note(char *out, size_t len, unsigned n,
			      const char *what, const char *how)
{
	if (!n)
		return "";
	snprintf(out, len, "%u %s%s %s", n, what, n == 1 ? "" : "s", how);
	return out;
}

static int render_rtsv(struct lctx *c, struct node *out, struct rtsv *t)
{
	static const struct table_col cols[] = {
		{ "arn", TT_STR }, { "account", TT_STR }, { "region", TT_STR },
		{ "service", TT_STR }, { "type", TT_STR }, { "owner", TT_OPT },
	};
	char n1[64], n2[64];
	unsigned unreadable;
	int res;

	if (!c->fs->resources)
		return -ENOENT;
	res = table_start(&t->t, c, &out->data, cols, ARRAY_SIZE(cols));
	if (!res)
		res = walk_resources(c, t->tag_key, t->tag_value, rtsv_row, t,
				     &unreadable);
	if (!res && (unreadable || c->skipped))
		res = table_incomplete(&t->t, "%s%s%s, see .orgfs/errors",
				       count_note(n1, sizeof(n1), unreadable,
						  "account", "unreadable"),
				       unreadable && c->skipped ? ", " : "",
				       count_note(n2, sizeof(n2), c->skipped,
						  "record", "left out"));
	res = table_finish(&t->t, res);
	return res;
}

int f_resources_tsv(struct lctx *c, struct node *out)
{
	struct rtsv t = { .owned = -1 };

	return render_rtsv(c, out, &t);
}

int f_service_type_tsv(struct lctx *c, struct node *out)
{
	struct rtsv t = { .owned = -1, .service = c->arg[0],
			  .type = c->arg[1] };
	int res = layout_listed(c->fs, c->path);

	return res ? res : render_rtsv(c, out, &t);
}

int f_owner_resources_tsv(struct lctx *c, struct node *out)
{
	struct rtsv t = { .owned = 1, .want = c->arg[0] };
	int res = layout_listed(c->fs, c->path);

	return res ? res : render_rtsv(c, out, &t);
}

int f_unowned_resources_tsv(struct lctx *c, struct node *out)
{
	struct rtsv t = { .owned = 0 };

	return render_rtsv(c, out, &t);
}

int f_tag_resources_tsv(struct lctx *c, struct node *out)
{
	struct rtsv t = { .owned = -1, .tag_key = c->arg[0],
			  .tag_value = c->arg[1] };
	int res = layout_listed(c->fs, c->path);

	return res ? res : render_rtsv(c, out, &t);
}

/* names a walk collects: services, types, owners, tag keys, values */
struct rnames {
	struct dlist *d;
	struct nameset seen;
	int what;                       /* 0 service, 1 type of service,
					   2 owner, 3 tag key, 4 value of key */
	const char *of;
};

static int rnames_put(struct rnames *n, const char *name)
{
	int res = nameset_add(&n->seen, name);

	return res == 1 ? dl_add(n->d, name, NODE_DIR) : res;
}

static int rnames_add(void *arg, const struct org_resource *r,
		      const char *owner)
{
	struct rnames *n = arg;
	size_t i;
	int res = 0;

	switch (n->what) {
	case 0:
		return rnames_put(n, r->service);
	case 1:
		return strcmp(r->service, n->of) ? 0 : rnames_put(n, r->type);
	case 2:
		return owner ? rnames_put(n, owner) : 0;
	case 3:
		for (i = 0; i < r->tags.n && !res; i++)
			res = rnames_put(n, r->tags.v[i].key);
		return res;
	default: {
		const char *v = org_tags_get(&r->tags, n->of);

		return v ? rnames_put(n, v) : 0;
	}
	}
}

int rnames_walk(struct lctx *c, struct dlist *d, int what,
		       const char *of)
{
	struct rnames n = { .d = d, .what = what, .of = of };
	unsigned unreadable;
	int res;

	if (!c->fs->resources)
		return 0;
	res = walk_resources(c, NULL, NULL, rnames_add, &n, &unreadable);
	nameset_free(&n.seen);
	return res;
}

int ls_services(struct lctx *c, struct dlist *d)
{
	return c->fs->resources ? rnames_walk(c, d, 0, NULL) : -ENOENT;
}

int ls_service_types(struct lctx *c, struct dlist *d)
{
	return rnames_walk(c, d, 1, c->arg[0]);
}

