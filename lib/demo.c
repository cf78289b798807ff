/* demo.c - a built-in, deterministic organization ("demo" source)
 *
 * demo_source_new() lays out the organization once: OU tree, account ids,
 * names, states, policies.  Each account keeps a small recipe (category,
 * team, environment, a "gap" draw); its tags are rendered from the recipe
 * when asked, so 100,000 accounts cost a few megabytes.  Later generators
 * (resources, compliance) can hang off the same recipe.  Nothing changes
 * after creation, so every operation is thread-safe without a lock.
 * This file holds the source and its Organizations operations; the rest
 * is split as demo_priv.h says.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awserr.h"
#include "buf.h"
#include "demo.h"
#include "demo_data.h"
#include "demo_priv.h"
#include "model.h"
#include "source.h"

/* ---- ARNs ------------------------------------------------------------- */

static char *account_arn(const struct demo *d, const char *id, int *oom)
{
	return demo_xprintf(oom, "arn:aws:organizations::%s:account/%s/%s",
			    demo_mgmt_id(d), d->org_id, id);
}

static char *ou_arn(const struct demo *d, size_t i, int *oom)
{
	return demo_xprintf(oom, "arn:aws:organizations::%s:%s/%s/%s",
			    demo_mgmt_id(d), d->ous[i].parent < 0 ? "root" : "ou",
			    d->org_id, d->ous[i].id);
}

static char *policy_arn(const struct demo *d, const struct demo_policy *p,
			int *oom)
{
	char type[64];
	size_t i;

	for (i = 0; p->t->type[i] && i < sizeof(type) - 1; i++)
		type[i] = (char)tolower((unsigned char)p->t->type[i]);
	type[i] = '\0';
	if (p->t->aws_managed)
		return demo_xprintf(oom, "arn:aws:organizations::aws:policy/%s/%s",
				    type, p->id);
	return demo_xprintf(oom, "arn:aws:organizations::%s:policy/%s/%s/%s",
			    demo_mgmt_id(d), d->org_id, type, p->id);
}

/* ---- operations ---------------------------------------------------------- */

static int demo_describe_org(struct org_source *s, struct org_info **out,
			     struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_info *o = calloc(1, sizeof(*o));
	int oom = !o;

	if (demo_ready(d)) {
		free(o);
		return demo_oom_error(err, "DescribeOrganization");
	}

	if (oom)
		return demo_oom_error(err, "DescribeOrganization");
	o->id = demo_xstrdup(&oom, d->org_id);
	o->arn = demo_xprintf(&oom, "arn:aws:organizations::%s:organization/%s",
			      demo_mgmt_id(d), d->org_id);
	o->feature_set = demo_xstrdup(&oom, "ALL");
	o->management_account_id = demo_xstrdup(&oom, demo_mgmt_id(d));
	o->management_account_arn = account_arn(d, demo_mgmt_id(d), &oom);
	o->management_account_email = demo_xstrdup(&oom, d->acct[0].email);
	if (oom) {
		org_info_free(o);
		return demo_oom_error(err, "DescribeOrganization");
	}
	*out = o;
	return 0;
}

/* The demo's one root, with every policy type it has enabled */
static int demo_list_roots(struct org_source *s, struct org_roots **out,
			   struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_roots *r = calloc(1, sizeof(*r));
	struct org_root *x;
	size_t i, k;
	int oom = !r;

	if (demo_ready(d)) {
		free(r);
		return demo_oom_error(err, "ListRoots");
	}
	if (!oom) {
		r->v = calloc(1, sizeof(*r->v));
		oom = !r->v;
	}
	for (i = 0; !oom && i < d->nous && d->ous[i].parent >= 0; i++)
		;
	if (!oom && i < d->nous) {
		x = &r->v[r->n++];
		x->id = demo_xstrdup(&oom, d->ous[i].id);
		x->arn = ou_arn(d, i, &oom);
		x->name = demo_xstrdup(&oom, d->ous[i].name);
		x->types = calloc(N(demo_policy_types), sizeof(*x->types));
		oom |= !x->types;
		for (k = 0; !oom && k < N(demo_policy_types); k++) {
			x->ntypes = k + 1;
			x->types[k].type = demo_xstrdup(&oom,
							demo_policy_types[k]);
			x->types[k].status = demo_xstrdup(&oom, "ENABLED");
		}
	}
	if (oom) {
		org_roots_free(r);
		return demo_oom_error(err, "ListRoots");
	}
	*out = r;
	return 0;
}

static int demo_list_accounts(struct org_source *s, struct org_accounts **out,
			      struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_accounts *r = calloc(1, sizeof(*r));
	size_t i;
	int oom = !r;

	if (demo_ready(d)) {
		free(r);
		return demo_oom_error(err, "ListAccounts");
	}

	if (!oom) {
		r->v = calloc(d->naccounts, sizeof(*r->v));
		oom = !r->v;
	}
	for (i = 0; !oom && i < d->naccounts; i++) {
		const struct demo_acct *a = &d->acct[d->by_id[i]];
		struct org_account *x = &r->v[i];

		r->n = i + 1;
		x->id = demo_xstrdup(&oom, a->id);
		x->arn = account_arn(d, a->id, &oom);
		x->name = demo_xstrdup(&oom, a->name);
		x->email = demo_xstrdup(&oom, a->email);
		x->state = demo_xstrdup(&oom, a->state);
		x->joined_method = demo_xstrdup(&oom, a->method);
		x->joined = a->joined;
	}
	if (oom) {
		org_accounts_free(r);
		return demo_oom_error(err, "ListAccounts");
	}
	*out = r;       /* by_id keeps them sorted */
	return 0;
}

/* roots: the demo lays its root out with its OUs (not used) */
static int demo_walk_hierarchy(struct org_source *s,
			       const struct org_roots *roots,
			       struct org_hier **out, struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_hier *h = calloc(1, sizeof(*h));
	size_t i;
	int oom = !h;

	(void)roots;
	if (demo_ready(d)) {
		free(h);
		return demo_oom_error(err, "ListChildren");
	}

	if (!oom) {
		h->ous = calloc(d->nous, sizeof(*h->ous));
		h->links = calloc(d->naccounts, sizeof(*h->links));
		oom = !h->ous || !h->links;
	}
	for (i = 0; !oom && i < d->nous; i++) {
		const struct demo_ou *o = &d->ous[i];
		struct org_ou *x = &h->ous[i];

		h->nous = i + 1;
		x->id = demo_xstrdup(&oom, o->id);
		x->arn = ou_arn(d, i, &oom);
		x->name = demo_xstrdup(&oom, o->name);
		if (o->parent >= 0)
			x->parent_id = demo_xstrdup(&oom, d->ous[o->parent].id);
	}
	for (i = 0; !oom && i < d->naccounts; i++) {
		const struct demo_acct *a = &d->acct[d->by_id[i]];

		h->nlinks = i + 1;
		h->links[i].child_id = demo_xstrdup(&oom, a->id);
		h->links[i].parent_id = demo_xstrdup(&oom, d->ous[a->ou].id);
	}
	if (oom) {
		org_hier_free(h);
		return demo_oom_error(err, "ListOrganizationalUnitsForParent");
	}
	org_hier_sort(h);
	*out = h;
	return 0;
}

static int demo_list_tags(struct org_source *s, const char *id,
			  struct org_tags **out, struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct tagv tv = { 0 };
	const struct demo_acct *a = NULL;
	const struct demo_policy *p = NULL;
	int ou = -1;

	if (demo_ready(d))
		return demo_oom_error(err, "ListTagsForResource");

	if (!strncmp(id, "p-", 2))
		p = demo_find_policy(d, id);
	else if (!strncmp(id, "r-", 2) || !strncmp(id, "ou-", 3))
		ou = demo_find_ou(d, id);
	else
		a = demo_find_account(d, id);
	if (!a && !p && ou < 0)
		return demo_error(err, ENOENT, "ListTagsForResource",
				  "TargetNotFoundException",
				  "You specified a target that doesn't exist.");
	tv.t = calloc(1, sizeof(*tv.t));
	if (!tv.t)
		return demo_oom_error(err, "ListTagsForResource");
	if (a)
		demo_account_tags(d, a, &tv);
	else if (p)
		demo_tag_add_spec(&tv, d, p->t->tags);
	else
		demo_tag_add_spec(&tv, d, d->ous[ou].tags);
	if (tv.oom) {
		org_tags_free(tv.t);
		return demo_oom_error(err, "ListTagsForResource");
	}
	org_tags_sort(tv.t);
	*out = tv.t;
	return 0;
}

static void summary_fill(const struct demo *d, const struct demo_policy *p,
			 struct org_policy_summary *x, int *oom)
{
	x->id = demo_xstrdup(oom, p->id);
	x->arn = policy_arn(d, p, oom);
	x->name = demo_xstrdup(oom, p->t->name);
	x->type = demo_xstrdup(oom, p->t->type);
	x->description = demo_xstrdup(oom, p->t->description);
	x->aws_managed = p->t->aws_managed;
	x->type_enabled = 1;    /* the demo enables every type it has */
}

/* roots: every type the demo has is enabled (not used) */
static int demo_list_policies(struct org_source *s,
			      const struct org_roots *roots,
			      struct org_policies **out, struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_policies *r = calloc(1, sizeof(*r));
	size_t i;
	int oom = !r;

	(void)roots;
	if (demo_ready(d)) {
		free(r);
		return demo_oom_error(err, "ListPolicies");
	}

	if (!oom) {
		r->v = calloc(NPOL, sizeof(*r->v));
		oom = !r->v;
	}
	for (i = 0; !oom && i < NPOL; i++) {
		r->n = i + 1;
		summary_fill(d, &d->pol[i], &r->v[i], &oom);
	}
	if (oom) {
		org_policies_free(r);
		return demo_oom_error(err, "ListPolicies");
	}
	org_policies_sort(r);
	*out = r;
	return 0;
}

static void target_fill(const struct demo *d, char kind, size_t idx,
			struct org_policy_target *x, int *oom)
{
	if (kind == 'A') {
		const struct demo_acct *a = &d->acct[idx];

		x->id = demo_xstrdup(oom, a->id);
		x->arn = account_arn(d, a->id, oom);
		x->name = demo_xstrdup(oom, a->name);
		x->type = demo_xstrdup(oom, "ACCOUNT");
		return;
	}
	x->id = demo_xstrdup(oom, d->ous[idx].id);
	x->arn = ou_arn(d, idx, oom);
	x->name = demo_xstrdup(oom, d->ous[idx].name);
	x->type = demo_xstrdup(oom, idx ? "ORGANIZATIONAL_UNIT" : "ROOT");
}

static int demo_describe_policy(struct org_source *s, const char *id,
				struct org_policy **out, struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	const struct demo_policy *p = demo_find_policy(d, id);
	struct org_policy *r;
	size_t i, n;
	int oom;

	if (demo_ready(d))
		return demo_oom_error(err, "DescribePolicy");

	if (!p)
		return demo_error(err, ENOENT, "DescribePolicy",
				  "PolicyNotFoundException",
				  "We can't find a policy with the PolicyId "
				  "that you specified.");
	r = calloc(1, sizeof(*r));
	oom = !r;
	n = p->all ? d->nous + d->naccounts : p->ntargets;
	if (!oom) {
		summary_fill(d, p, &r->summary, &oom);
		r->content = demo_xstrdup(&oom, p->t->content);
		r->targets = calloc(n ? n : 1, sizeof(*r->targets));
		oom |= !r->targets;
	}
	for (i = 0; !oom && i < n; i++) {
		r->ntargets = i + 1;
		if (!p->all)
			target_fill(d, p->targets[i].kind, p->targets[i].idx,
				    &r->targets[i], &oom);
		else if (i < d->nous)
			target_fill(d, 'O', i, &r->targets[i], &oom);
		else
			target_fill(d, 'A', i - d->nous, &r->targets[i], &oom);
	}
	if (oom) {
		org_policy_free(r);
		return demo_oom_error(err, "DescribePolicy");
	}
	org_policy_sort(r);
	*out = r;
	return 0;
}

static void demo_describe(struct org_source *s, struct buf *out)
{
	struct demo *d = (struct demo *)s;

	buf_printf(out, "demo organization, %u accounts, seed %u",
		   d->naccounts, d->seed);
}

static void demo_destroy(struct org_source *s)
{
	struct demo *d = (struct demo *)s;
	size_t i;

	if (!d)
		return;
	if (d->acct) {
		for (i = 0; i < d->naccounts; i++) {
			free(d->acct[i].name);
			free(d->acct[i].email);
		}
	}
	if (d->ous)
		for (i = 0; i < d->nous; i++)
			free(d->ous[i].tags);
	free(d->acct);
	free(d->by_id);
	free(d->ous);
	demo_who_free(d);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static const struct org_source_ops demo_ops = {
	.name = "demo",
	.describe_org = demo_describe_org,
	.list_roots = demo_list_roots,
	.list_accounts = demo_list_accounts,
	.walk_hierarchy = demo_walk_hierarchy,
	.list_tags = demo_list_tags,
	.list_policies = demo_list_policies,
	.describe_policy = demo_describe_policy,
	.list_resources = demo_list_resources,
	.list_regions = demo_list_regions,
	.effective_tag_policy = demo_effective_tag_policy,
	.config_compliance = demo_config_compliance,
	.list_access_psets = demo_list_access_psets,
	.list_account_access = demo_list_account_access,
	.list_members = demo_list_members,
	.describe_principal = demo_describe_principal,
	.describe = demo_describe,
	.destroy = demo_destroy,
};

struct org_source *demo_source_new_with(const struct demo_options *o)
{
	static const char filler[] =
		"Shared research account for short experiments by the R and D "
		"group: anything here may be deleted after 30 days. Ask in "
		"the research channel before storing data. ";
	unsigned naccounts = o ? o->naccounts : 0;
	struct demo *d;
	size_t i;

	if (!o || naccounts < DEMO_MIN_ACCOUNTS ||
	    naccounts > DEMO_MAX_ACCOUNTS || o->resources > DEMO_MAX_RESOURCES) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		goto nomem;
	d->base.ops = &demo_ops;
	d->naccounts = naccounts;
	d->seed = o->seed;
	d->nres = o->resources ? o->resources : DEMO_DEFAULT_RESOURCES;
	d->nbu = naccounts < 100 ? 0 : naccounts < 1000 ? 3 : NBU;
	d->nteam_bus = d->nbu ? d->nbu : 3;
	demo_rand_alnum(d->org_id + 2, 10, demo_draw(d, H_ORG, 0));
	memcpy(d->org_id, "o-", 2);
	for (i = 0; i < 256; i++)
		d->long_value[i] = filler[i % (sizeof(filler) - 1)];
	d->long_value[256] = '\0';
	pthread_mutex_init(&d->lock, NULL);
	return &d->base;
nomem:
	demo_destroy(d ? &d->base : NULL);
	errno = ENOMEM;
	return NULL;
}

struct org_source *demo_source_new(unsigned naccounts, unsigned seed)
{
	struct demo_options o = { .naccounts = naccounts, .seed = seed };

	return demo_source_new_with(&o);
}

