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

/* Start a table; when records were left out (lib/model.h org_skipped),
 * its incompleteness mark.  @return 0 or -errno */
static int start(struct table *t, struct lctx *c, struct node *out,
		 const struct org_access *a, const struct table_col *cols,
		 size_t ncols)
{
	int res = table_start(t, c, &out->data, cols, ncols);

	if (!res && a->skipped.n)
		res = table_incomplete(t, "%zu record%s left out, see "
				       ".orgfs/errors", a->skipped.n,
				       a->skipped.n == 1 ? "" : "s");
	return res;
}

/* ---- accounts/<id>/ ---- */

int f_account_access_tsv(struct lctx *c, struct node *out)
{
	const struct org_access *a;
	struct table t;
	size_t lo, hi, i;
	int res = d_account(c, NULL);

	if (res)
		return res;
	a = access_of(c);
	if (!a)
		return failed(c);
	/* no instance: the header alone (a table's first line is always
	 * its header, orgfs(1) TABLES) */
	res = start(&t, c, out, a, account_cols, ARRAY_SIZE(account_cols));
	access_account_range(a, c->arg[0], &lo, &hi);
	for (i = lo; i < hi && !res; i++)
		res = table_row(&t, a->psets[a->v[i].pset].name,
				ptype(&a->v[i]), a->v[i].principal_name,
				a->v[i].principal_id);
	return table_finish(&t, res);
}

const char *access_owner_group(struct lctx *c, const char *owner)
{
	const char *g = owner_groups_get(c->fs->owner_groups, owner);

	return g ? g : owner;
}

/* yes / no / unknown: whether the owner's group holds an assignment in
 * the account (range [lo, hi) of a) */
static const char *owner_access(struct lctx *c, const struct org_access *a,
				size_t lo, size_t hi, const char *owner)
{
	const char *group;
	size_t i;

	if (!owner)
		return "unknown";       /* no owner: nobody to look for */
	group = access_owner_group(c, owner);
	for (i = lo; i < hi; i++)
		if (!a->v[i].user && !strcmp(a->v[i].principal_name, group))
			return "yes";
	/* names could not be read: a group could be behind any id */
	return a->names_code[0] ? "unknown" : "no";
}

int f_owner_has_access(struct lctx *c, struct node *out)
{
	const struct org_access *a;
	struct owner_result r = { 0 };
	size_t lo, hi;
	int res = d_account(c, NULL);

	if (res)
		return res;
	a = access_of(c);
	if (!a)
		return failed(c);
	if (!a->present)
		return put_line(out, NONE_LINE);
	res = owner_of(c, c->arg[0], &r);
	if (res)
		return res == -ENOENT ? res : failed(c);
	access_account_range(a, c->arg[0], &lo, &hi);
	res = put_line(out, owner_access(c, a, lo, hi, r.value));
	owner_result_free(&r);
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

int f_access_instance(struct lctx *c, struct node *out)
{
	const struct org_access *a = access_of(c);

	if (!a)
		return failed(c);
	return put_line(out, a->present ? a->instance_arn : NONE_LINE);
}

int ls_psets(struct lctx *c, struct dlist *d)
{
	const struct org_access *a = access_of(c);
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
	const struct org_access *a = access_of(c);

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
	res = start(&t, c, out, a, principal_cols, ARRAY_SIZE(principal_cols));
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

/* A member's line: its name, else its id */
struct member_line {
	const char *name, *id;
};

static int cmp_member_line(const void *x, const void *y)
{
	const struct member_line *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	return r ? r : strcmp(a->id, b->id);
}

/* The name a's assignments already give user id, or NULL */
static const char *assigned_user_name(const struct org_access *a,
				      const char *id)
{
	if (a->names_code[0])
		return NULL;            /* ids for names */
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].user && !strcmp(a->v[i].principal_id, id))
			return a->v[i].principal_name;
	return NULL;
}

/* The names of the n members ids of a's identity store into v: the
 * assignments' names, else each user's asked once (ORG_USER, cached
 * whatever groups it is in), the first alone, then the others at once;
 * when the store refuses, every member is its id (why in .orgfs/errors).
 * @return 0 or -errno */
static int name_members(struct lctx *c, const struct org_access *a,
			char *const *ids, size_t n, struct member_line *v)
{
	const char *store = a->identity_store_id;
	char key[160];
	size_t i, k;
	int denied = 0, asked = 0;

	for (i = 0; i < n && !denied; i++) {
		const struct org_user *u;

		v[i].id = ids[i];
		v[i].name = assigned_user_name(a, ids[i]);
		if (v[i].name)
			continue;
		v[i].name = ids[i];
		snprintf(key, sizeof(key), "%s/%s", store, ids[i]);
		u = need(c, ORG_USER, key);
		if (!u && c->err.err == EACCES) {
			denied = 1;     /* recorded: ids, for all */
			break;
		}
		if (!u)
			return failed(c);
		if (*u->name)
			v[i].name = u->name;
		/* the store answers: the others' at once */
		for (k = i + 1; !asked && k < n; k++) {
			if (assigned_user_name(a, ids[k]))
				continue;
			snprintf(key, sizeof(key), "%s/%s", store, ids[k]);
			ask_ahead(c, ORG_USER, key);
		}
		asked = 1;
	}
	for (i = 0; denied && i < n; i++)
		v[i].id = v[i].name = ids[i];
	aws_error_clear(&c->err);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_member_line);
	return 0;
}

/* access/groups/<label>/members: the group's users, one name a line,
 * asked of the identity store when read (ORG_MEMBERS, ORG_USER) */
int f_group_members(struct lctx *c, struct node *out)
{
	const struct org_access *a = access_of(c);
	const struct org_members *m;
	struct member_line *v;
	char key[160];
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
	res = name_members(c, a, m->user_ids, m->n, v);
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

/* ---- owners/<owner>/access.tsv ---- */

int f_owner_access_tsv(struct lctx *c, struct node *out)
{
	const struct org_index *x = index_of(c);
	const struct org_access *a = x ? access_of(c) : NULL;
	struct table t;
	size_t i, lo, hi, k;
	int res;

	if (!x || !a)
		return failed(c);
	res = start(&t, c, out, a, owner_cols, ARRAY_SIZE(owner_cols));
	for (i = 0; i < x->n && !res; i++) {
		const struct org_index_obj *ob = &x->v[i];
		const char *has;

		if (strcmp(ob->kind, "account") || !ob->owner ||
		    strcmp(ob->owner, c->arg[0]))
			continue;
		access_account_range(a, ob->id, &lo, &hi);
		has = owner_access(c, a, lo, hi, ob->owner);
		for (k = lo; k < hi && !res; k++)
			res = table_row(&t, ob->id, ob->label, has,
					a->psets[a->v[k].pset].name,
					ptype(&a->v[k]), a->v[k].principal_name,
					a->v[k].principal_id);
	}
	return table_finish(&t, res);
}
