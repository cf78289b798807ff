/* tree_policies.c - /policies, and per account or OU: policies.tsv,
 * effective_tag_policy.json, config/ (AWS Config compliance) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "ids.h"
#include "table.h"
#include "tree.h"
#include "views.h"

/* ------------------------------------------------------------------ */
/* /policies */

int ls_policies(struct lctx *c, struct dlist *d)
{
	const struct org_policies *ps = need(c, ORG_POLICIES, "");
	size_t i;
	int res = 0;

	if (!ps)
		return failed(c);
	for (i = 0; i < ps->n && !res; i++)
		res = dl_add(d, ps->v[i].id, NODE_DIR);
	return res;
}

static const struct org_policy_summary *find_policy(struct lctx *c)
{
	const struct org_policies *ps = need(c, ORG_POLICIES, "");
	size_t lo = 0, hi;

	if (!ps)
		return NULL;
	hi = ps->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(ps->v[mid].id, c->arg[0]);

		if (!r)
			return &ps->v[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int d_policy(struct lctx *c, struct node *out)
{
	if (!find_policy(c))
		return c->err.err ? failed(c) : -ENOENT;
	return 0;
}

static const struct field policy_fields[] = {
	FIELD(struct org_policy_summary, name, FIELD_STR),
	FIELD(struct org_policy_summary, type, FIELD_STR),
	FIELD(struct org_policy_summary, description, FIELD_STR),
	FIELD(struct org_policy_summary, aws_managed, FIELD_BOOL),
	FIELD(struct org_policy_summary, type_enabled, FIELD_BOOL),
	FIELD(struct org_policy_summary, arn, FIELD_STR),
};

/* Its fields; the rest of policies/<id>/ are the rows below it. */
int ls_policy(struct lctx *c, struct dlist *d)
{
	int res = d_policy(c, NULL);

	return res ? res : dl_add_fields(d, policy_fields,
					 ARRAY_SIZE(policy_fields));
}

int f_policy_field(struct lctx *c, struct node *out)
{
	const struct org_policy_summary *p = find_policy(c);

	if (!p)
		return c->err.err ? failed(c) : -ENOENT;
	return put_field(out, policy_fields, ARRAY_SIZE(policy_fields),
			 c->arg[1], p);
}

/* text, a document of the data at version, as put_json renders it: once
 * per data version, kept in the view cache for every later read and
 * stat (a read of a large file is many reads).  Over PUT_JSON_MAX: EFBIG,
 * named in .orgfs/errors. */
static int put_json_once(struct lctx *c, struct node *out, const char *text,
			 uint64_t version)
{
	int res = put_json(out, text);

	if (res == -EFBIG) {
		aws_error_set(&c->err, EFBIG, "DocumentTooLarge",
			      "the document is %zu bytes, over orgfs's limit of %zu MiB: not shown",
			      strlen(text), PUT_JSON_MAX >> 20);
		org_record_error(c->fs->org, c->path, &c->err);
	}
	if (!res)
		view_put(c->path, version, out, NULL, c);
	return res;
}

int f_policy_content(struct lctx *c, struct node *out)
{
	uint64_t version = org_data_version(c->fs->org);
	const struct org_policy *p;

	if (view_get(c->path, version, out, NULL, c))
		return 0;
	if (d_policy(c, NULL))
		return c->err.err ? failed(c) : -ENOENT;
	p = need(c, ORG_POLICY, c->arg[0]);
	if (!p)
		return failed(c);
	return put_json_once(c, out, p->content, version);
}

int ls_policy_tags(struct lctx *c, struct dlist *d)
{
	int res = d_policy(c, NULL);

	return res ? res : ls_tags(c, d);
}

int f_policy_tag(struct lctx *c, struct node *out)
{
	int res = d_policy(c, NULL);

	return res ? res : f_tag(c, out);
}

/* Whether a policy's target has a directory to link to: an account of
 * the account listing, or a root or OU of the hierarchy (one the listings
 * left out, lib/ids.h, is not listed rather than a dangling link).
 * @return 1, 0, or -errno */
static int target_exists(struct lctx *c, const char *id)
{
	const struct org_accounts *a;
	const struct org_hier *h;

	if (ids_is_account(id)) {
		a = need(c, ORG_ACCOUNTS, "");
		return a ? org_accounts_find(a, id) != NULL : failed(c);
	}
	h = hier(c);
	return h ? org_hier_find_ou(h, id) != NULL : failed(c);
}

int ls_policy_targets(struct lctx *c, struct dlist *d)
{
	const struct org_policy *p;
	size_t i;
	int res = d_policy(c, NULL);

	if (res)
		return res;
	p = need(c, ORG_POLICY, c->arg[0]);
	if (!p)
		return failed(c);
	for (i = 0; i < p->ntargets && res >= 0; i++) {
		res = target_exists(c, p->targets[i].id);
		if (res > 0)
			res = dl_add(d, p->targets[i].id, NODE_LINK);
	}
	return res < 0 ? res : 0;
}

int l_policy_target(struct lctx *c, struct node *out)
{
	const struct org_policy *p;
	size_t i;
	int res;

	if (d_policy(c, NULL))
		return c->err.err ? failed(c) : -ENOENT;
	p = need(c, ORG_POLICY, c->arg[0]);
	if (!p)
		return failed(c);
	for (i = 0; i < p->ntargets; i++)
		if (!strcmp(p->targets[i].id, c->arg[1]))
			break;
	if (i == p->ntargets)
		return -ENOENT;
	res = target_exists(c, c->arg[1]);
	if (res <= 0)
		return res ? res : -ENOENT;
	/* where it links is what the id is, not what Type claims */
	return set_link_name(out, ids_is_account(c->arg[1]) ?
			     "../../../accounts/" : "../../../ous/", c->arg[1]);
}

/* ------------------------------------------------------------------ */
/* policy status: policies.tsv, effective tag policies, AWS Config
 * compliance (config/) */

/* Policies reaching an object: attached to it ("direct") or to the
 * nearest ancestor they are attached to (its id in the via column). */
int f_policies_tsv(struct lctx *c, struct node *out)
{
	const struct org_policies *ps = need(c, ORG_POLICIES, "");
	const struct org_hier *h = ps ? hier(c) : NULL;
	static const struct table_col cols[] = {
		{ "id", TT_STR }, { "name", TT_STR }, { "type", TT_STR },
		{ "via", TT_STR },
	};
	const char *ids[70];
	struct table t;
	size_t i, j;
	int n, k, res;

	if (!ps || !h)
		return failed(c);
	if (!org_hier_find_ou(h, c->arg[0]) && !find_account(c, c->arg[0]))
		return c->err.err ? failed(c) : -ENOENT;
	n = ancestry(h, c->arg[0], ids, 70);
	for (i = 0; i < ps->n; i++)
		ask_ahead(c, ORG_POLICY, ps->v[i].id);
	res = table_start(&t, c, &out->data, cols, ARRAY_SIZE(cols));
	for (i = 0; i < ps->n && !res; i++) {
		const struct org_policy *p = need(c, ORG_POLICY, ps->v[i].id);
		int via = -1;

		if (!p)
			return failed(c);
		for (k = 0; k < n && via < 0; k++)
			for (j = 0; j < p->ntargets && via < 0; j++)
				if (!strcmp(p->targets[j].id, ids[k]))
					via = k;
		if (via < 0)
			continue;
		res = table_row(&t, p->summary.id, p->summary.name,
				p->summary.type, via ? ids[via] : "direct");
	}
	return table_finish(&t, res);
}

int f_effective_tag_policy(struct lctx *c, struct node *out)
{
	const struct org_document *d;
	int res = d_account(c, NULL);

	if (res)
		return res;
	if (!source_has(c, 0))
		return -ENOENT;
	d = need(c, ORG_EFFPOL, c->arg[0]);
	if (!d)
		return failed(c);
	if (!d->present)
		return put_line(out, "{}");     /* no tag policy applies */
	return put_json_once(c, out, d->text, org_data_version(c->fs->org));
}

static int config_account(struct lctx *c)
{
	const struct org_account *a = find_account(c, c->arg[0]);

	if (!a)
		return c->err.err ? failed(c) : -ENOENT;
	if (!source_has(c, 1) || !org_account_readable(a))
		return -ENOENT;
	return 0;
}

static int known_region(struct lctx *c, const char *region)
{
	size_t i;

	for (i = 0; i < c->fs->nregions; i++)
		if (!strcmp(c->fs->regions[i], region))
			return 1;
	return 0;
}

const struct org_config_rules *config_of(struct lctx *c,
						const char *account,
						const char *region)
{
	char key[64];

	org_slice_key(key, sizeof(key), account, region);
	return need(c, ORG_CONFIG, key);
}

int d_config(struct lctx *c, struct node *out)
{
	return config_account(c);
}

/* The regions; config/status is the row below. */
int ls_config(struct lctx *c, struct dlist *d)
{
	size_t i;
	int res = config_account(c);

	for (i = 0; !res && i < c->fs->nregions; i++)
		res = dl_add(d, c->fs->regions[i], NODE_DIR);
	return res;
}

/* accounts/<id>/config is listed where the source has AWS Config
 * results and the account can be read */
int config_listed(struct lctx *c)
{
	return !config_account(c);
}

/* accounts/<id>/effective_tag_policy.json is listed where the source has
 * effective policies */
int effpol_listed(struct lctx *c)
{
	return source_has(c, 0);
}

/* "<region>\tenabled" or "<region>\tnot enabled", one line per region */
int f_config_status(struct lctx *c, struct node *out)
{
	size_t i;
	int res = config_account(c);

	for (i = 0; !res && i < c->fs->nregions; i++) {
		const struct org_config_rules *r =
			config_of(c, c->arg[0], c->fs->regions[i]);

		if (!r)
			return failed(c);
		res = buf_printf(&out->data, "%s\t%s\n", c->fs->regions[i],
				 r->enabled ? "enabled" : "not enabled");
	}
	return res;
}

int d_config_region(struct lctx *c, struct node *out)
{
	int res = config_account(c);

	if (!res && !known_region(c, c->arg[1]))
		res = -ENOENT;
	if (!res && !config_of(c, c->arg[0], c->arg[1]))
		res = failed(c);
	return res;
}

/* The AWS Config rules of config/<region>/ of the path's account: NULL,
 * with *res the -errno, when it has none to show. */
static const struct org_config_rules *region_rules(struct lctx *c, int *res)
{
	*res = d_config_region(c, NULL);
	return *res ? NULL : config_of(c, c->arg[0], c->arg[1]);
}

int ls_config_region(struct lctx *c, struct dlist *d)
{
	int res;
	const struct org_config_rules *r = region_rules(c, &res);
	size_t i;

	for (i = 0; r && i < r->n && !res; i++)
		res = dl_add(d, r->v[i].name, NODE_FILE);
	return res;
}

int f_config_rule(struct lctx *c, struct node *out)
{
	int res;
	const struct org_config_rules *r = region_rules(c, &res);
	size_t i;

	for (i = 0; r && i < r->n; i++)
		if (!strcmp(r->v[i].name, c->arg[2]))
			return put_line(out, r->v[i].compliance);
	return res ? res : -ENOENT;
}
