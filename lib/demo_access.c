/* demo_access.c - the demo organization's IAM Identity Center: permission
 * sets, groups named like the owners (a few owners have none, a few groups
 * are no owner), users, assignments drawn per account and each group's
 * members, deterministic in the seed (lib/source.h list_access_psets,
 * list_account_access, list_members, describe_principal) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awserr.h"
#include "demo_priv.h"
#include "hash.h"
#include "model.h"

#define OP "ListAccountAssignments"
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name, *description, *duration, *managed[2], *inline_policy;
} psets[] = {
	{ "AdministratorAccess", "Full access to every service", "PT1H",
	  { "arn:aws:iam::aws:policy/AdministratorAccess" }, "" },
	{ "PowerUserAccess", "Everything but IAM and Organizations", "PT4H",
	  { "arn:aws:iam::aws:policy/PowerUserAccess" }, "" },
	{ "ReadOnlyAccess", "Read everything", "PT8H",
	  { "arn:aws:iam::aws:policy/ReadOnlyAccess" }, "" },
	{ "SecurityAudit", "Security auditors", "PT8H",
	  { "arn:aws:iam::aws:policy/SecurityAudit",
	    "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess" }, "" },
	{ "Billing", "", "PT2H",
	  { "arn:aws:iam::aws:policy/job-function/Billing" }, "" },
	{ "DataEngineer", "Data platform: S3 and Glue, no deletes", "PT12H",
	  { NULL },
	  "{\"Version\":\"2012-10-17\",\"Statement\":["
	  "{\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\"s3:List*\","
	  "\"s3:Put*\",\"glue:*\"],\"Resource\":\"*\"},"
	  "{\"Effect\":\"Deny\",\"Action\":\"s3:Delete*\",\"Resource\":\"*\"}]}" },
};
enum { ADMIN, POWER, READONLY, AUDIT, BILLING, DATA, NPSETS };

/* groups that are no owner, and the users */
static const char *const extra_groups[] = {
	"security-auditors", "break-glass", "data/ml engineers", "finance",
};
static const char *const users[] = {
	"alice@example.com", "bob@example.com", "carol@example.com",
	"dave@example.com", "erin@example.com", "frank@example.com",
};

/* The salt of this file's draws (past demo_priv.h's) */
#define H_ACCESS 101

/* A principal id made from its name, as the identity store's look:
 * 8-4-4-4-12 hex digits */
static void principal_id(const struct demo *d, const char *name, char *out)
{
	uint64_t a = demo_draw(d, H_ACCESS, hash_fnv1a(name, strlen(name)));
	uint64_t b = demo_mix64(a);

	snprintf(out, 40, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xffff,
		 (unsigned)(b >> 48), (unsigned long long)(b & 0xffffffffffffULL));
}

/* The owner value an account's own tags give (Owner, else Team), or NULL;
 * a copy */
static char *own_owner(const struct demo *d, const struct demo_acct *a,
		       int *oom)
{
	struct tagv tv = { 0 };
	const char *v;
	char *res = NULL;

	tv.t = calloc(1, sizeof(*tv.t));
	if (!tv.t) {
		*oom = 1;
		return NULL;
	}
	demo_account_tags(d, a, &tv);
	if (tv.oom)
		*oom = 1;
	org_tags_sort(tv.t);
	v = org_tags_get(tv.t, "Owner");
	if (!v || !*v)
		v = org_tags_get(tv.t, "Team");
	if (v && *v)
		res = demo_xstrdup(oom, v);
	org_tags_free(tv.t);
	return res;
}

/* Whether the owner value has a group: all but about one in six */
static int owner_has_group(const struct demo *d, const char *owner)
{
	return demo_draw(d, H_ACCESS + 1, hash_fnv1a(owner, strlen(owner))) %
	       6 != 0;
}

struct grow {
	struct org_access *a;
	size_t cap;
	int oom;
};

static void assign(struct grow *g, const struct demo *d, const char *account,
		   int pset, int user, const char *name)
{
	struct org_assignment *x;
	char id[48];

	if (g->oom)
		return;
	if (g->a->n == g->cap) {
		size_t ncap = g->cap ? 2 * g->cap : 64;
		void *nv = reallocarray(g->a->v, ncap, sizeof(*g->a->v));

		if (!nv) {
			g->oom = 1;
			return;
		}
		g->a->v = nv;
		g->cap = ncap;
	}
	principal_id(d, name, id);
	x = &g->a->v[g->a->n++];
	memset(x, 0, sizeof(*x));
	x->account = demo_xstrdup(&g->oom, account);
	x->pset = (size_t)pset;
	x->user = user;
	x->principal_id = demo_xstrdup(&g->oom, id);
	x->principal_name = demo_xstrdup(&g->oom, name);
}

/* The assignments of account a (the i-th) onto g */
static void account_assignments(struct grow *g, const struct demo *d,
				const struct demo_acct *a, size_t i)
{
	uint64_t r = demo_draw(d, H_ACCESS + 2, a->number);
	char *owner = own_owner(d, a, &g->oom);

	if (owner && owner_has_group(d, owner) && r % 100 < 85)
		assign(g, d, a->id, (r >> 8) % 2 ? ADMIN : POWER, 0, owner);
	free(owner);
	assign(g, d, a->id, AUDIT, 0, extra_groups[0]);
	if ((r >> 16) % 100 < 30)
		assign(g, d, a->id, ADMIN, 0, extra_groups[1]);
	if ((r >> 24) % 100 < 25)
		assign(g, d, a->id, DATA, 0, extra_groups[2]);
	if ((r >> 32) % 100 < 20)
		assign(g, d, a->id, ADMIN, 1,
		       users[(r >> 40) % ARRAY_LEN(users)]);
	if ((r >> 44) % 100 < 20)
		assign(g, d, a->id, READONLY, 1,
		       users[(r >> 52) % ARRAY_LEN(users)]);
	if (i == 0)
		assign(g, d, a->id, BILLING, 0, extra_groups[3]);
}

/* The identity store's id, d-<10 characters> */
static void store_id(const struct demo *d, char out[16])
{
	memcpy(out, "d-", 2);
	demo_rand_alnum(out + 2, 10, demo_draw(d, H_ACCESS, 1));
}

/* The instance and its permission sets into g->a (no assignment) */
static void instance_psets(struct grow *g, const struct demo *d)
{
	char ins[24], ps[24];
	size_t i;

	demo_rand_alnum(ins, 16, demo_draw(d, H_ACCESS, 0));
	g->a->present = 1;
	g->a->instance_arn = demo_xprintf(&g->oom, "arn:aws:sso:::instance/"
					  "ssoins-%s", ins);
	store_id(d, ps);
	g->a->identity_store_id = demo_xstrdup(&g->oom, ps);
	g->a->psets = calloc(NPSETS, sizeof(*g->a->psets));
	if (!g->a->psets)
		g->oom = 1;
	for (i = 0; i < NPSETS && !g->oom; i++) {
		struct org_pset *p = &g->a->psets[i];
		size_t m;

		g->a->npsets++;
		demo_rand_alnum(ps, 16, demo_draw(d, H_ACCESS, 2 + i));
		p->arn = demo_xprintf(&g->oom, "arn:aws:sso:::permissionSet/"
				      "ssoins-%s/ps-%s", ins, ps);
		p->name = demo_xstrdup(&g->oom, psets[i].name);
		p->description = demo_xstrdup(&g->oom, psets[i].description);
		p->session_duration = demo_xstrdup(&g->oom, psets[i].duration);
		p->inline_policy = demo_xstrdup(&g->oom,
						psets[i].inline_policy);
		p->managed = calloc(2, sizeof(char *));
		if (!p->managed)
			g->oom = 1;
		for (m = 0; m < 2 && p->managed && psets[i].managed[m]; m++) {
			p->managed[m] = demo_xstrdup(&g->oom,
						     psets[i].managed[m]);
			p->nmanaged++;
		}
	}
}

/* Empty g's assignments for the next account (the array kept) */
static void grow_clear(struct grow *g)
{
	for (size_t i = 0; i < g->a->n; i++) {
		free(g->a->v[i].account);
		free(g->a->v[i].principal_id);
		free(g->a->v[i].principal_name);
	}
	g->a->n = 0;
}

/* Account id onto a permission set's accounts (growing them by half);
 * *cap is their room */
static void pset_account(struct org_pset *p, size_t *cap, const char *id,
			 int *oom)
{
	if (*oom || (p->naccounts && !strcmp(p->accounts[p->naccounts - 1], id)))
		return;         /* held twice in the account: once */
	if (p->naccounts == *cap) {
		size_t nc = *cap ? *cap + *cap / 2 : 64;
		char **nv = reallocarray(p->accounts, nc, sizeof(*nv));

		if (!nv) {
			*oom = 1;
			return;
		}
		p->accounts = nv;
		*cap = nc;
	}
	p->accounts[p->naccounts] = demo_xstrdup(oom, id);
	if (!*oom)
		p->naccounts++;
}

/* The permission sets, each with the accounts where it is provisioned
 * (those where it is assigned): one account's assignments at a time, the
 * organization's never held at once */
int demo_list_access_psets(struct org_source *s, struct org_access **out,
			   struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_access one = { 0 };
	struct grow g = { 0 }, each = { .a = &one };
	size_t cap[NPSETS] = { 0 }, i, k;

	*out = NULL;
	if (demo_ready(d))
		return demo_oom_error(err, OP);
	g.a = calloc(1, sizeof(*g.a));
	if (!g.a)
		return demo_oom_error(err, OP);
	instance_psets(&g, d);
	for (i = 0; i < d->naccounts && !g.oom && !each.oom; i++) {
		grow_clear(&each);
		account_assignments(&each, d, &d->acct[i], i);
		for (k = 0; k < one.n && !each.oom; k++)
			pset_account(&g.a->psets[one.v[k].pset],
				     &cap[one.v[k].pset], one.v[k].account,
				     &g.oom);
	}
	grow_clear(&each);
	free(one.v);
	for (k = 0; k < g.a->npsets && !g.oom && !each.oom; k++) {
		struct org_pset *p = &g.a->psets[k];

		p->naccounts = org_strings_sort_unique(p->accounts,
						       p->naccounts);
		if (p->naccounts < cap[k]) {    /* no room kept */
			char **nv = reallocarray(p->accounts, p->naccounts ?
						 p->naccounts : 1,
						 sizeof(*nv));

			if (nv)
				p->accounts = nv;
		}
	}
	if (g.oom || each.oom || org_access_finish(g.a)) {
		org_access_free(g.a);
		return demo_oom_error(err, OP);
	}
	*out = g.a;
	return 0;
}

/* ---- the identity store's principals, listed once ---- */

static int cmp_who(const void *x, const void *y)
{
	const struct demo_who *a = x, *b = y;

	if (a->user != b->user)
		return a->user - b->user;
	return strcmp(a->id, b->id);
}

/* (user, name) into w[*n] unless there (h: 2^k slots of indexes + 1 into
 * w, hmask their mask).  @return -1 out of memory */
static int who_add(struct demo_who *w, size_t *n, size_t *h, size_t hmask,
		   const struct demo *d, int user, const char *name)
{
	char id[48];
	size_t i;

	principal_id(d, name, id);
	for (i = hash_fnv1a(id, strlen(id)) & hmask; h[i]; i = (i + 1) & hmask)
		if (w[h[i] - 1].user == user && !strcmp(w[h[i] - 1].id, id))
			return 0;
	w[*n].user = user;
	snprintf(w[*n].id, sizeof(w[*n].id), "%s", id);
	w[*n].name = strdup(name);
	if (!w[*n].name)
		return -1;
	h[i] = ++*n;
	return 0;
}

/* Every group an assignment names and every user, one pass over the
 * accounts (the groups are the owners' and a few more: their number is
 * bounded by the owner values, not by the accounts).  @return 0 or -1 */
static int who_build(struct demo *d)
{
	struct org_access one = { 0 };
	struct grow each = { .a = &one };
	struct demo_who *w = NULL;
	size_t *h = NULL, n = 0, cap = 0, hmask = 0, i, k;
	int bad = 0;

	for (i = 0; i <= d->naccounts && !bad; i++) {
		if (i == d->naccounts) {
			/* the users, assigned or not: a group's members */
			grow_clear(&each);
			for (k = 0; k < ARRAY_LEN(users); k++)
				assign(&each, d, "", 0, 1, users[k]);
		} else {
			grow_clear(&each);
			account_assignments(&each, d, &d->acct[i], i);
		}
		bad = each.oom;
		for (k = 0; k < one.n && !bad; k++) {
			if (2 * (n + 1) > hmask) {      /* grow, rehash */
				size_t nc = cap ? 2 * cap : 64, j, s;
				struct demo_who *nw = reallocarray(w, nc,
								   sizeof(*w));
				size_t *nh = calloc(2 * nc, sizeof(*nh));

				if (nw)
					w = nw;
				if (!nw || !nh) {
					free(nh);
					bad = 1;
					break;
				}
				free(h);
				h = nh;
				cap = nc;
				hmask = 2 * nc - 1;
				for (j = 0; j < n; j++) {
					for (s = hash_fnv1a(w[j].id,
							    strlen(w[j].id)) &
						 hmask; h[s]; s = (s + 1) & hmask)
						;
					h[s] = j + 1;
				}
			}
			bad = who_add(w, &n, h, hmask, d, one.v[k].user,
				      one.v[k].principal_name);
		}
	}
	grow_clear(&each);
	free(one.v);
	free(h);
	if (bad) {
		while (n)
			free(w[--n].name);
		free(w);
		return -1;
	}
	if (n > 1)
		qsort(w, n, sizeof(*w), cmp_who);
	d->who = w;
	d->nwho = n;
	return 0;
}

/* The principals, listed on first use (thread-safe, once).
 * @return 0, or -ENOMEM for good */
static int who_ready(struct demo *d)
{
	int b = __atomic_load_n(&d->who_built, __ATOMIC_ACQUIRE);

	if (b)
		return b > 0 ? 0 : -ENOMEM;
	if (demo_ready(d))
		return -ENOMEM;
	pthread_mutex_lock(&d->lock);
	if (!d->who_built)
		__atomic_store_n(&d->who_built, who_build(d) ? -1 : 1,
				 __ATOMIC_RELEASE);
	b = d->who_built;
	pthread_mutex_unlock(&d->lock);
	return b > 0 ? 0 : -ENOMEM;
}

/* The name of the principal (user, id), or NULL */
static const char *who_name(const struct demo *d, int user, const char *id)
{
	struct demo_who key = { .user = user };
	const struct demo_who *w;

	if (strlen(id) >= sizeof(key.id))
		return NULL;
	strcpy(key.id, id);
	w = bsearch(&key, d->who, d->nwho, sizeof(*d->who), cmp_who);
	return w ? w->name : NULL;
}

void demo_who_free(struct demo *d)
{
	for (size_t i = 0; i < d->nwho; i++)
		free(d->who[i].name);
	free(d->who);
	d->who = NULL;
	d->nwho = 0;
}

int demo_list_account_access(struct org_source *s, const char *instance,
			     const char *account, char *const *pset_arns,
			     size_t n, struct org_account_access **out,
			     struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	const struct demo_acct *ac;
	struct org_account_access *x;
	struct grow g = { 0 };
	size_t i, k;
	int oom = 0;

	*out = NULL;
	if (demo_ready(d))
		return demo_oom_error(err, OP);
	ac = demo_find_account(d, account);
	g.a = calloc(1, sizeof(*g.a));
	x = calloc(1, sizeof(*x));
	if (!g.a || !x) {
		free(x);
		org_access_free(g.a);
		return demo_oom_error(err, OP);
	}
	instance_psets(&g, d);
	if (!g.oom && strcmp(instance, g.a->instance_arn)) {
		org_access_free(g.a);
		free(x);
		return demo_error(err, ENOENT, OP, "ResourceNotFoundException",
				  "Instance %s does not exist", instance);
	}
	if (ac)
		account_assignments(&g, d, ac, (size_t)(ac - d->acct));
	x->v = calloc(g.a->n ? g.a->n : 1, sizeof(*x->v));
	for (i = 0; x->v && i < g.a->n && !g.oom; i++) {
		const char *arn = g.a->psets[g.a->v[i].pset].arn;

		for (k = 0; k < n && strcmp(pset_arns[k], arn); k++)
			;
		if (k == n)
			continue;       /* not asked */
		x->v[x->n].pset_arn = demo_xstrdup(&oom, arn);
		x->v[x->n].user = g.a->v[i].user;
		x->v[x->n++].principal_id =
			demo_xstrdup(&oom, g.a->v[i].principal_id);
	}
	if (g.oom || oom || !x->v) {
		org_access_free(g.a);
		org_account_access_free(x);
		return demo_oom_error(err, OP);
	}
	org_access_free(g.a);
	org_account_access_sort(x);
	*out = x;
	return 0;
}

/* A group's members: each user is in about two groups of five */
int demo_list_members(struct org_source *s, const char *store_id_,
		      const char *group_id, struct org_members **out,
		      struct aws_error *err)
{
	static const char op[] = "ListGroupMemberships";
	struct demo *d = (struct demo *)s;
	struct org_members *m;
	const char *group;
	char store[16];
	size_t i;
	int oom = 0;

	*out = NULL;
	if (who_ready(d))
		return demo_oom_error(err, op);
	store_id(d, store);
	group = who_name(d, 0, group_id);
	if (!group || strcmp(store_id_, store))
		return demo_error(err, ENOENT, op, "ResourceNotFoundException",
				  "GROUP not found");
	m = calloc(1, sizeof(*m));
	if (m)
		m->user_ids = calloc(ARRAY_LEN(users), sizeof(char *));
	for (i = 0; m && m->user_ids && i < ARRAY_LEN(users) && !oom; i++) {
		char id[48];

		if (demo_draw(d, H_ACCESS + 3, hash_fnv1a(group, strlen(group)) +
			      i) % 5 >= 2)
			continue;
		principal_id(d, users[i], id);
		m->user_ids[m->n++] = demo_xstrdup(&oom, id);
	}
	if (!m || !m->user_ids || oom) {
		org_members_free(m);
		return demo_oom_error(err, op);
	}
	org_members_sort(m);
	*out = m;
	return 0;
}

int demo_describe_principal(struct org_source *s, const char *store_id_,
			    int user, const char *id,
			    struct org_principal **out, struct aws_error *err)
{
	const char *op = user ? "DescribeUser" : "DescribeGroup";
	struct demo *d = (struct demo *)s;
	struct org_principal *u;
	const char *name;
	char store[16];
	int oom = 0;

	*out = NULL;
	if (who_ready(d))
		return demo_oom_error(err, op);
	store_id(d, store);
	if (strcmp(store_id_, store))
		return demo_error(err, ENOENT, op, "ResourceNotFoundException",
				  "Identity store %s does not exist",
				  store_id_);
	name = who_name(d, user, id);
	u = calloc(1, sizeof(*u));
	if (u) {
		u->id = demo_xstrdup(&oom, id);
		u->name = demo_xstrdup(&oom, name ? name : "");
	}
	if (!u || oom) {
		org_principal_free(u);
		return demo_oom_error(err, op);
	}
	*out = u;
	return 0;
}
