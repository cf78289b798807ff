/* tree_access.c - who can act in each account: IAM Identity Center
 * assignments (ORG_ACCESS), as accounts/<id>/access*, the root access/
 * tree (one real directory per permission set, group and user) and
 * owners/<owner>/access.tsv
 *
 * An organization without an instance is no error: every one-value file
 * says "none", every table is its header alone, every directory is empty.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "owner.h"
#include "table.h"
#include "tree.h"

#define NONE_LINE "none"

static const struct org_access *access_of(struct lctx *c)
{
	return need(c, ORG_ACCESS, "");
}

static const char *ptype(const struct org_assignment *x)
{
	return x->user ? "USER" : "GROUP";
}

void access_account_range(const struct org_access *a, const char *account,
			  size_t *lo, size_t *hi)
{
	size_t l = 0, h = a->n;

	while (l < h) {
		size_t m = l + (h - l) / 2;

		if (strcmp(a->v[m].account, account) < 0)
			l = m + 1;
		else
			h = m;
	}
	*lo = l;
	for (h = l; h < a->n && !strcmp(a->v[h].account, account); h++)
		;
	*hi = h;
}

/* Whether the path is under users/ (else groups/): access/users/...,
 * or accounts/<id>/access/<set>/users/..., by position, never by a name
 * (a group may be called "users") */
static int users_dir(const struct lctx *c)
{
	const char *p = c->path;
	int slashes = !strncmp(p, "/access/", 8) ? 2 : 5;

	while (*p && slashes)
		if (*p++ == '/')
			slashes--;
	return !strncmp(p, "users", 5) && (p[5] == '/' || !p[5]);
}

/* The tables' columns (orgfs(1) FILESYSTEM LAYOUT) */
#define S(n) { n, TT_STR }
static const struct table_col account_cols[] = {
	S("permission_set"), S("principal_type"), S("principal_name"),
	S("principal_id"),
};
static const struct table_col principal_cols[] = {
	S("account_id"), S("account_name"), S("permission_set"),
	S("principal_id"),
};
static const struct table_col owner_cols[] = {
	S("account_id"), S("account_name"), S("owner_has_access"),
	S("permission_set"), S("principal_type"), S("principal_name"),
	S("principal_id"),
};
#undef S

/* Start a table; when records were left out (skipped of them, lib/model.h
 * org_skipped), its incompleteness mark.  @return 0 or -errno */
static int start(struct table *t, struct lctx *c, struct node *out,
		 size_t skipped, const struct table_col *cols, size_t ncols)
{
	int res = table_start(t, c, &out->data, cols, ncols);

	if (!res && skipped)
		res = table_incomplete(t, "%zu record%s left out, see "
				       ".orgfs/errors", skipped,
				       skipped == 1 ? "" : "s");
	return res;
}

/* ---- names, each principal asked once (ORG_PRINCIPAL) ---- */

/* The names of n principals of a's identity store (who[i].user, .id)
 * into who[i].name: the first alone, then the others at once; each is
 * kept whatever else asks for it (the org-wide listing, a group's
 * members).  A principal the store does not know is its id; when the
 * store refuses, every one is its id, why in *why (the refusal is in
 * .orgfs/errors).  @return 0 or -errno */
static int name_principals(struct lctx *c, const char *store,
			   struct principal_name *who, size_t n,
			   char *why, size_t whylen)
{
	char key[200];
	size_t i, k;
	int asked = 0;

	for (i = 0; i < n; i++)
		who[i].name = who[i].id;
	for (i = 0; i < n; i++) {
		const struct org_principal *u;

		snprintf(key, sizeof(key), "%s/%s/%s", store,
			 who[i].user ? "USER" : "GROUP", who[i].id);
		u = need(c, ORG_PRINCIPAL, key);
		if (!u && c->err.err == EACCES) {
			/* ids, for all (not some) */
			snprintf(why, whylen, "IAM Identity Center names "
				 "unreadable (%.90s: %.100s)",
				 c->err.operation, c->err.code);
			for (k = 0; k < n; k++)
				who[k].name = who[k].id;
			break;
		}
		if (!u)
			return failed(c);
		if (*u->name)
			who[i].name = u->name;
		for (k = i + 1; !asked && k < n; k++) {
			snprintf(key, sizeof(key), "%s/%s/%s", store,
				 who[k].user ? "USER" : "GROUP", who[k].id);
			ask_ahead(c, ORG_PRINCIPAL, key);
		}
		asked = 1;
	}
	aws_error_clear(&c->err);
	return 0;
}

/* ---- one account's assignments, from what that account needs alone:
 * the permission sets (ORG_PSETS), its listing (ORG_ACCOUNT_ACCESS),
 * its principals' names (ORG_PRINCIPAL) ---- */

/* By permission set, type, label, id: an account's own view labels a
 * principal by its name; an owner's, as ORG_ACCESS does */
static int cmp_view(const void *x, const void *y)
{
	const struct org_assignment *a = x, *b = y;
	int r;

	if (a->pset != b->pset)
		return a->pset < b->pset ? -1 : 1;
	if (a->user != b->user)
		return a->user - b->user;
	r = strcmp(a->label, b->label);
	return r ? r : strcmp(a->principal_id, b->principal_id);
}

/* The account's view; with names 0 no name is asked, every principal
 * is its id (the organization-wide view found the names refused) */
static int account_view_named(struct lctx *c, const char *account,
			      struct account_view *av, int names)
{
	const struct org_account_access *x;
	struct principal_name *who = NULL;
	size_t i, k, nwho = 0;
	int res = 0;

	memset(av, 0, sizeof(*av));
	av->ps = need(c, ORG_PSETS, "");
	if (!av->ps)
		return failed(c);
	x = need(c, ORG_ACCOUNT_ACCESS, account);
	if (!x)
		return failed(c);
	av->skipped = av->ps->skipped.n + x->skipped.n;
	if (!x->n)
		return 0;
	av->v = calloc(x->n, sizeof(*av->v));
	who = calloc(x->n, sizeof(*who));
	if (!av->v || !who) {
		free(who);
		account_view_free(av);
		return -ENOMEM;
	}
	for (i = 0; i < x->n; i++) {
		struct org_assignment *y = &av->v[av->n];

		for (k = 0; k < av->ps->npsets; k++)
			if (!strcmp(av->ps->psets[k].arn, x->v[i].pset_arn))
				break;
		if (k == av->ps->npsets)
			continue;               /* a set gone since */
		y->account = (char *)account;
		y->pset = k;
		y->user = x->v[i].user;
		y->principal_id = x->v[i].principal_id;
		av->n++;
		/* principals once (the listing is sorted by set first) */
		for (k = 0; k < nwho; k++)
			if (who[k].user == y->user &&
			    !strcmp(who[k].id, y->principal_id))
				break;
		if (k == nwho)
			who[nwho++] = (struct principal_name){
				y->user, y->principal_id, NULL };
	}
	if (names)
		res = name_principals(c, av->ps->identity_store_id, who, nwho,
				      av->names_why, sizeof(av->names_why));
	else
		for (k = 0; k < nwho; k++)
			who[k].name = who[k].id;
	for (i = 0; !res && i < av->n; i++) {
		struct org_assignment *y = &av->v[i];

		for (k = 0; k < nwho; k++)
			if (who[k].user == y->user &&
			    !strcmp(who[k].id, y->principal_id))
				break;
		y->principal_name = y->label = (char *)who[k].name;
	}
	free(who);
	if (res) {
		account_view_free(av);
		return res;
	}
	if (av->n > 1)
		qsort(av->v, av->n, sizeof(*av->v), cmp_view);
	return 0;
}

int account_view_get(struct lctx *c, const char *account,
		     struct account_view *av)
{
	return account_view_named(c, account, av, 1);
}

void account_view_free(struct account_view *av)
{
	free(av->v);
	av->v = NULL;
	av->n = 0;
}

/* ---- accounts/<id>/ ---- */

int f_account_access_tsv(struct lctx *c, struct node *out)
{
	struct account_view av;
	struct table t;
	size_t i;
	int res = d_account(c, NULL);

	if (!res)
		res = account_view_get(c, c->arg[0], &av);
	if (res)
		return res;
	/* no instance: the header alone (a table's first line is always
	 * its header, orgfs(1) TABLES) */
	res = start(&t, c, out, av.skipped, account_cols,
		    ARRAY_SIZE(account_cols));
	for (i = 0; i < av.n && !res; i++)
		res = table_row(&t, av.ps->psets[av.v[i].pset].name,
				ptype(&av.v[i]), av.v[i].principal_name,
				av.v[i].principal_id);
	account_view_free(&av);
	return table_finish(&t, res);
}

const char *access_owner_group(struct lctx *c, const char *owner)
{
	const char *g = owner_groups_get(c->fs->owner_groups, owner);

	return g ? g : owner;
}

/* yes / no / unknown: whether the owner's group holds one of the n
 * assignments v of an account (names: whether their names were read) */
static const char *owner_access(struct lctx *c,
				const struct org_assignment *v, size_t n,
				int names, const char *owner)
{
	const char *group;
	size_t i;

	if (!owner)
		return "unknown";       /* no owner: nobody to look for */
	group = access_owner_group(c, owner);
	for (i = 0; i < n; i++)
		if (!v[i].user && !strcmp(v[i].principal_name, group))
			return "yes";
	/* names could not be read: a group could be behind any id */
	return names ? "no" : "unknown";
}

int f_owner_has_access(struct lctx *c, struct node *out)
{
	struct account_view av;
	struct owner_result r = { 0 };
	int res = d_account(c, NULL);

	if (!res)
		res = account_view_get(c, c->arg[0], &av);
	if (res)
		return res;
	if (!av.ps->present)
		return put_line(out, NONE_LINE);
	res = owner_of(c, c->arg[0], &r);
	if (res) {
		account_view_free(&av);
		return res == -ENOENT ? res : failed(c);
	}
	res = put_line(out, owner_access(c, av.v, av.n, !av.names_why[0],
					 r.value));
	owner_result_free(&r);
	account_view_free(&av);
	return res;
}

int ls_account_access(struct lctx *c, struct dlist *d)
{
	const struct org_access *a = access_of(c);
	size_t lo, hi, i;
	int res = 0;

	if (!a)
		return failed(c);
	access_account_range(a, c->arg[0], &lo, &hi);
	for (i = lo; i < hi && !res; i++)
		if (i == lo || a->v[i].pset != a->v[i - 1].pset)
			res = dl_add(d, a->psets[a->v[i].pset].name, NODE_DIR);
	return res;
}

/* The assignments of accounts/<id>/access/<set>/ into [*lo, *hi):
 * @return 0, -ENOENT when the account holds none of that set, or -errno */
static int account_pset_range(struct lctx *c, const struct org_access **ap,
			      size_t *lo, size_t *hi)
{
	const struct org_access *a;
	const struct org_pset *p;
	size_t l, h;
	int res = d_account(c, NULL);

	if (res)
		return res;
	a = *ap = access_of(c);
	if (!a)
		return failed(c);
	p = org_access_find_pset(a, c->arg[1]);
	if (!p)
		return -ENOENT;
	access_account_range(a, c->arg[0], &l, &h);
	while (l < h && &a->psets[a->v[l].pset] != p)
		l++;
	*lo = l;
	while (l < h && &a->psets[a->v[l].pset] == p)
		l++;
	*hi = l;
	return *lo < *hi ? 0 : -ENOENT;
}

int d_account_pset(struct lctx *c, struct node *out)
{
	const struct org_access *a;
	size_t lo, hi;

	(void)out;
	return account_pset_range(c, &a, &lo, &hi);
}

int ls_account_pset_principals(struct lctx *c, struct dlist *d)
{
	const struct org_access *a;
	size_t lo, hi, i;
	int user = users_dir(c);
	int res = account_pset_range(c, &a, &lo, &hi);

	for (i = lo; i < hi && !res; i++)
		if (a->v[i].user == user)
			res = dl_add(d, a->v[i].label, NODE_LINK);
	return res;
}

/* accounts/<id>/access/<set>/{groups,users}/<label> -> the principal's
 * directory in access/ */
int l_account_principal(struct lctx *c, struct node *out)
{
	const struct org_access *a;
	size_t lo, hi, i;
	int user = users_dir(c);
	int res = account_pset_range(c, &a, &lo, &hi);

	if (res)
		return res;
	for (i = lo; i < hi; i++)
		if (a->v[i].user == user && !strcmp(a->v[i].label, c->arg[2]))
			return set_link_name(out, user ?
					     "../../../../../access/users/" :
					     "../../../../../access/groups/",
					     a->v[i].label);
	return -ENOENT;
}

/* ---- access/ ---- */

/* The instance and its permission sets alone (ORG_PSETS): what access/,
 * access/instance and access/permission-sets/ show needs no account's
 * assignments, so that an ls of access/ (whose READDIRPLUS stats
 * instance) is no crawl of every account (issue 15.3) */
static const struct org_access *psets_of(struct lctx *c)
{
	return need(c, ORG_PSETS, "");
}

int f_access_instance(struct lctx *c, struct node *out)
{
	const struct org_access *a = psets_of(c);

	if (!a)
		return failed(c);
	return put_line(out, a->present ? a->instance_arn : NONE_LINE);
}

int ls_psets(struct lctx *c, struct dlist *d)
{
	const struct org_access *a = psets_of(c);
	size_t i;
	int res = 0;

	if (!a)
		return failed(c);
	for (i = 0; i < a->npsets && !res; i++)
		res = dl_add(d, a->psets[i].name, NODE_DIR);
	return res;
}

static const struct org_pset *pset_of(struct lctx *c)
{
	const struct org_access *a = psets_of(c);

	return a ? org_access_find_pset(a, c->arg[0]) : NULL;
}

int d_pset(struct lctx *c, struct node *out)
{
	(void)out;
	if (pset_of(c))
		return 0;
	return c->err.err ? failed(c) : -ENOENT;
}

int ls_pset(struct lctx *c, struct dlist *d)
{
	static const char *const files[] = {
		"arn", "description", "session_duration", "managed_policies",
		"inline_policy.json",
	};
	size_t i;
	int res = d_pset(c, NULL);

	for (i = 0; i < ARRAY_SIZE(files) && !res; i++)
		res = dl_add_raw(d, strdup(files[i]), NODE_FILE);
	return res;
}

int f_pset_field(struct lctx *c, struct node *out)
{
	const struct org_pset *p = pset_of(c);
	const char *f = c->arg[1];
	size_t i;
	int res = 0;

	if (!p)
		return c->err.err ? failed(c) : -ENOENT;
	if (!strcmp(f, "arn"))
		return put_line(out, p->arn);
	if (!strcmp(f, "description"))
		return put_line(out, p->description);
	if (!strcmp(f, "session_duration"))
		return put_line(out, p->session_duration);
	if (!strcmp(f, "inline_policy.json"))
		return *p->inline_policy ? put_json(out, p->inline_policy) :
		       put_line(out, NONE_LINE);
	if (strcmp(f, "managed_policies"))
		return -ENOENT;
	for (i = 0; i < p->nmanaged && !res; i++)
		res = put_line(out, p->managed[i]);
	return res;
}

int ls_pset_accounts(struct lctx *c, struct dlist *d)
{
	const struct org_access *a = access_of(c);
	const struct org_pset *p;
	const char *last = NULL;
	size_t i;
	int res = 0;

	if (!a)
		return failed(c);
	p = org_access_find_pset(a, c->arg[0]);
	if (!p)
		return -ENOENT;
	for (i = 0; i < a->n && !res; i++)
		if (&a->psets[a->v[i].pset] == p &&
		    (!last || strcmp(last, a->v[i].account))) {
			last = a->v[i].account;
			res = dl_add(d, last, NODE_LINK);
		}
	return res;
}

int l_pset_account(struct lctx *c, struct node *out)
{
	const struct org_access *a = access_of(c);
	const struct org_pset *p;
	size_t lo, hi, i;

	if (!a)
		return failed(c);
	p = org_access_find_pset(a, c->arg[0]);
	if (!p)
		return -ENOENT;
	access_account_range(a, c->arg[1], &lo, &hi);
	for (i = lo; i < hi; i++)
		if (&a->psets[a->v[i].pset] == p)
			return set_link_name(out, "../../../../accounts/",
					     c->arg[1]);
	return -ENOENT;
}

/* access/groups/ or access/users/: every principal of that kind */
int ls_principals(struct lctx *c, struct dlist *d)
{
	const struct org_access *a = access_of(c);
	int user = users_dir(c);
	size_t i;
	int res = 0;

	if (!a)
		return failed(c);
	for (i = 0; i < a->n && !res; i++)
		if (a->v[i].user == user)
			res = dl_add(d, a->v[i].label, NODE_DIR);
	return res;
}

static int is_principal(const struct org_assignment *x, int user,
			const char *label)
{
	return x->user == user && !strcmp(x->label, label);
}

int d_principal(struct lctx *c, struct node *out)
{
	const struct org_access *a = access_of(c);
	int user = users_dir(c);
	size_t i;

	(void)out;
	if (!a)
		return failed(c);
	for (i = 0; i < a->n; i++)
		if (is_principal(&a->v[i], user, c->arg[0]))
			return 0;
	return -ENOENT;
}

/* access/{groups,users}/<label>/accounts.tsv: where the principal holds
 * what */
int f_principal_accounts_tsv(struct lctx *c, struct node *out)
{
	const struct org_access *a;
	struct table t;
	int user = users_dir(c);
	size_t i;
	int res = d_principal(c, NULL);

	if (res)
		return res;
	a = access_of(c);
	res = start(&t, c, out, a->skipped.n, principal_cols,
		    ARRAY_SIZE(principal_cols));
	for (i = 0; i < a->n && !res; i++) {
		const struct org_assignment *x = &a->v[i];
		const struct org_account *ac;

		if (!is_principal(x, user, c->arg[0]))
			continue;
		ac = find_account(c, x->account);
		if (!ac && c->err.err)
			res = failed(c);
		else
			res = table_row(&t, x->account, ac ? ac->name : "",
					a->psets[x->pset].name,
					x->principal_id);
	}
	return table_finish(&t, res);
}

static int cmp_member(const void *x, const void *y)
{
	const struct principal_name *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	return r ? r : strcmp(a->id, b->id);
}

/* access/groups/<label>/members: the group's users, one name a line,
 * asked of the identity store when read (ORG_MEMBERS, ORG_PRINCIPAL) */
int f_group_members(struct lctx *c, struct node *out)
{
	const struct org_access *a = access_of(c);
	const struct org_members *m;
	struct principal_name *v;
	char key[160], why[256];
	size_t i;
	int res = 0;

	if (!a)
		return failed(c);
	for (i = 0; i < a->n; i++)
		if (is_principal(&a->v[i], 0, c->arg[0]))
			break;
	if (i == a->n)
		return -ENOENT;
	snprintf(key, sizeof(key), "%s/%s", a->identity_store_id,
		 a->v[i].principal_id);
	m = need(c, ORG_MEMBERS, key);
	if (!m)
		return failed(c);
	v = calloc(m->n ? m->n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < m->n; i++)
		v[i] = (struct principal_name){ 1, m->user_ids[i], NULL };
	res = name_principals(c, a->identity_store_id, v, m->n, why,
			      sizeof(why));
	if (!res && m->n > 1)
		qsort(v, m->n, sizeof(*v), cmp_member);
	if (!res && m->skipped.n)
		res = put_incomplete(&out->data, 0, "%zu member%s left out, "
				     "see .orgfs/errors", m->skipped.n,
				     m->skipped.n == 1 ? "" : "s");
	c->incomplete |= m->skipped.n > 0;
	for (i = 0; i < m->n && !res; i++)
		res = put_line(out, v[i].name);
	free(v);
	return res;
}

/* ---- owners/<owner>/access.tsv: the owner's accounts' assignments, each
 * account's as its access.tsv has them (account_view_get), in the order
 * and with the marks of the organization-wide view, which is built for
 * it (ORG_ACCESS_DIGEST: every account and principal fetched at once, as
 * before) but not kept (issue 17.5: at 100,000 accounts it was tens of MiB,
 * held while every owner's file was read) ---- */

/* An account of the owner's with some permission set provisioned (one
 * with none has no assignment) */
static int owner_account(const struct org_index_obj *ob, const char *owner,
			 const struct org_access *ps)
{
	return !strcmp(ob->kind, "account") && ob->owner &&
	       !strcmp(ob->owner, owner) && ps->present &&
	       org_access_provisioned(ps, ob->id);
}

/* Label av's principals as ORG_ACCESS does ("name (id)" where another
 * principal of the type has the name, the digest says) and sort them so.
 * @return 0 or -ENOMEM; free the labels with owner_view_free */
static int owner_view_label(struct account_view *av,
			    const struct org_access_digest *dg)
{
	size_t i;

	for (i = 0; i < av->n; i++) {
		struct org_assignment *y = &av->v[i];

		if (org_access_digest_shared(dg, y->user, y->principal_id) &&
		    asprintf(&y->label, "%s (%s)", y->principal_name,
			     y->principal_id) < 0) {
			y->label = y->principal_name;
			return -ENOMEM;
		}
	}
	if (av->n > 1)
		qsort(av->v, av->n, sizeof(*av->v), cmp_view);
	return 0;
}

static void owner_view_free(struct account_view *av)
{
	for (size_t i = 0; i < av->n; i++)
		if (av->v[i].label != av->v[i].principal_name)
			free(av->v[i].label);
	account_view_free(av);
}

int f_owner_access_tsv(struct lctx *c, struct node *out)
{
	const struct org_access_digest *dg = need(c, ORG_ACCESS_DIGEST, "");
	const struct org_index *x = dg ? index_of(c) : NULL;
	const struct org_access *ps = x ? need(c, ORG_PSETS, "") : NULL;
	struct table t;
	size_t i, k;
	int res;

	if (!ps)
		return failed(c);
	res = start(&t, c, out, dg->skipped, owner_cols,
		    ARRAY_SIZE(owner_cols));
	for (i = 0; i < x->n && !res; i++) {
		const struct org_index_obj *ob = &x->v[i];
		struct account_view av;
		const char *has;

		if (!owner_account(ob, c->arg[0], ps))
			continue;
		/* names refused: ids, not asked again for each owner */
		res = account_view_named(c, ob->id, &av, !dg->names_denied);
		if (res)
			break;
		res = owner_view_label(&av, dg);
		has = owner_access(c, av.v, av.n,
				   !dg->names_denied && !av.names_why[0],
				   ob->owner);
		for (k = 0; k < av.n && !res; k++)
			res = table_row(&t, ob->id, ob->label, has,
					ps->psets[av.v[k].pset].name,
					ptype(&av.v[k]), av.v[k].principal_name,
					av.v[k].principal_id);
		owner_view_free(&av);
	}
	return table_finish(&t, res);
}
