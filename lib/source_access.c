/* source_access.c - the aws source's IAM Identity Center side, in
 * pieces the cache keeps apart (lib/org.c builds the org-wide listing
 * from them, so that no piece is asked twice):
 *
 * sso-admin, in the instance's region, from the client's account or the
 * delegated administrator's (source_aws_priv.h sso_account):
 *   list_access_psets: ListInstances (none: "none"), ListPermissionSets,
 *     per permission set DescribePermissionSet,
 *     ListManagedPoliciesInPermissionSet, GetInlinePolicyForPermissionSet
 *     and ListAccountsForProvisionedPermissionSet (where it is
 *     provisioned)
 *   list_account_access: per permission set provisioned in the account,
 *     ListAccountAssignments
 * identitystore:
 *   describe_principal: DescribeGroup or DescribeUser
 *   list_members: ListGroupMemberships
 * That is the fewest calls for the whole org: ListAccountAssignments
 * ForPrincipal would need the principals first, which only these
 * listings name; and one account alone costs the permission sets and
 * its own listings.  An assignment or account id not of AWS's form is
 * left out and named (org_skipped); any failure fails the piece, which
 * is never shown incomplete.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "endpoint.h"
#include "model.h"
#include "source_aws_priv.h"
#include "source_list.h"

#define SSO_PAGE 100                    /* sso-admin's MaxResults maximum */

/* ---- what may become a path ---- */

/* A permission set name as AWS allows it: [\w+=,.@-]{1,32} */
static int good_pset_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 32)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_+=,.@-") == n;
}

/* An identity store id or principal id: [A-Za-z0-9-]{1,64} */
static int good_id(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-") == n;
}

/* ---- the listings ---- */

struct instance {
	char *arn;
	char *store;
};

static int parse_instance(struct source_list *l, json_t *it, void *slot)
{
	struct instance *x = slot;
	const char *arn = NULL, *store = NULL;

	if (json_unpack(it, "{s:s, s:s}", "InstanceArn", &arn,
			"IdentityStoreId", &store))
		return source_list_malformed(l, "an instance without "
					     "InstanceArn or IdentityStoreId");
	if (strncmp(arn, "arn:", 4) || !strstr(arn, ":instance/") ||
	    strlen(arn) > 1224 || !good_id(store))
		return source_list_malformed(l, "not an instance: '%.80s' "
					     "store '%.80s'", arn, store);
	x->arn = strdup(arn);
	x->store = strdup(store);
	return x->arn && x->store ? 0 : source_list_nomem(l);
}

/* One string of a list member (a permission set ARN, an account id, a
 * managed policy's Arn) */
static int parse_string(struct source_list *l, json_t *it, void *slot)
{
	char **x = slot;
	const char *v;

	if (json_is_object(it))         /* AttachedManagedPolicies: {Arn} */
		it = json_object_get(it, "Arn");
	if (!json_is_string(it))
		return source_list_malformed(l, "%s: an item is not a string",
					     l->op->key);
	v = json_string_value(it);
	if (l->arg)
		return source_is_account_id(v) ?
		       ((*x = strdup(v)) ? 0 : source_list_nomem(l)) :
		       source_list_skip(l, "not an account id: '%.40s'", v);
	if (!*v || strlen(v) > 2048)
		return source_list_malformed(l, "%s: an empty or overlong item",
					     l->op->key);
	*x = strdup(v);
	return *x ? 0 : source_list_nomem(l);
}

/* An assignment as listed: account, permission set ARN, type, principal */
struct listed {
	char *account;
	int user;
	char *principal;
};

static int parse_assignment(struct source_list *l, json_t *it, void *slot)
{
	struct listed *x = slot;
	const char *acct = NULL, *type = NULL, *pid = NULL;

	if (json_unpack(it, "{s:s, s:s, s:s}", "AccountId", &acct,
			"PrincipalType", &type, "PrincipalId", &pid))
		return source_list_malformed(l, "an assignment without "
					     "AccountId, PrincipalType or "
					     "PrincipalId");
	if (!source_is_account_id(acct) || !good_id(pid) ||
	    (strcmp(type, "GROUP") && strcmp(type, "USER")))
		return source_list_skip(l, "not an assignment: account "
					"'%.20s' %.10s '%.70s'", acct, type,
					pid);
	x->user = !strcmp(type, "USER");
	x->account = strdup(acct);
	x->principal = strdup(pid);
	return x->account && x->principal ? 0 : source_list_nomem(l);
}

#define SSO_LIST(op_, key_, type, parse)                                 \
	{                                                                \
		.svc = &aws_svc_sso_admin, .op = op_,                    \
		.token = "NextToken", .key = key_,                       \
		.item_size = sizeof(type), .parse_item = parse,          \
	}

static const struct source_list_op list_instances =
	SSO_LIST("ListInstances", "Instances", struct instance,
		 parse_instance);
static const struct source_list_op list_psets =
	SSO_LIST("ListPermissionSets", "PermissionSets", char *, parse_string);
static const struct source_list_op list_managed =
	SSO_LIST("ListManagedPoliciesInPermissionSet",
		 "AttachedManagedPolicies", char *, parse_string);
static const struct source_list_op list_provisioned =
	SSO_LIST("ListAccountsForProvisionedPermissionSet", "AccountIds",
		 char *, parse_string);
static const struct source_list_op list_assignments =
	SSO_LIST("ListAccountAssignments", "AccountAssignments",
		 struct listed, parse_assignment);

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* One fetch: the client, the region and the instance it reads */
struct fetch {
	struct aws_client *c;
	const char *region;
	const char *instance;
	struct org_access *a;
	const char *store;              /* the identity store */
};

/* DescribePermissionSet, its policies, into p (p->arn set).
 * @return 0 or -errno with err filled */
static int describe_pset(struct fetch *f, struct org_pset *p,
			 struct aws_error *err)
{
	const char *op = "DescribePermissionSet";
	const char *name = NULL, *desc = "", *dur = "", *inl = "";
	json_t *in, *out = NULL, *ps;
	int rc;

	in = json_pack("{s:s, s:s}", "InstanceArn", f->instance,
		       "PermissionSetArn", p->arn);
	if (!in)
		return source_fail(err, &aws_svc_sso_admin, op, ENOMEM,
				   "OutOfMemory", "out of memory");
	rc = aws_json_call(f->c, &aws_svc_sso_admin, f->region, op, in, &out,
			   err);
	json_decref(in);
	if (rc < 0)
		return rc;
	ps = json_object_get(out, "PermissionSet");
	if (json_unpack(ps, "{s:s}", "Name", &name) ||
	    source_opt_str(json_object_get(ps, "Description"), &desc) ||
	    source_opt_str(json_object_get(ps, "SessionDuration"), &dur) ||
	    !good_pset_name(name)) {
		rc = source_fail(err, &aws_svc_sso_admin, op, EIO,
				 "MalformedResponse",
				 "permission set %s: no valid Name", p->arn);
		json_decref(out);
		return rc;
	}
	p->name = strdup(name);
	p->description = strdup(desc);
	p->session_duration = strdup(dur);
	json_decref(out);
	if (!p->name || !p->description || !p->session_duration)
		return source_fail(err, &aws_svc_sso_admin, op, ENOMEM,
				   "OutOfMemory", "out of memory");

	{
		struct source_list l = { .op = &list_managed,
					 .vec = &p->managed,
					 .n = &p->nmanaged };

		rc = source_list_run(&l, f->c, f->region, err, "{s:s, s:s, s:i}",
				     "InstanceArn", f->instance,
				     "PermissionSetArn", p->arn,
				     "MaxResults", SSO_PAGE);
		if (rc < 0)
			return rc;
	}

	op = "GetInlinePolicyForPermissionSet";
	in = json_pack("{s:s, s:s}", "InstanceArn", f->instance,
		       "PermissionSetArn", p->arn);
	if (!in)
		return source_fail(err, &aws_svc_sso_admin, op, ENOMEM,
				   "OutOfMemory", "out of memory");
	out = NULL;
	rc = aws_json_call(f->c, &aws_svc_sso_admin, f->region, op, in, &out,
			   err);
	json_decref(in);
	if (rc < 0)
		return rc;
	if (source_opt_str(json_object_get(out, "InlinePolicy"), &inl)) {
		json_decref(out);
		return source_fail(err, &aws_svc_sso_admin, op, EIO,
				   "MalformedResponse",
				   "permission set %s: InlinePolicy is not a "
				   "string", p->arn);
	}
	p->inline_policy = strdup(inl);
	json_decref(out);
	return p->inline_policy ? 0 :
	       source_fail(err, &aws_svc_sso_admin, op, ENOMEM, "OutOfMemory",
			   "out of memory");
}

/* The accounts where permission set p is provisioned into p->accounts,
 * sorted, each once.  @return 0 or -errno with err filled */
static int provisioned(struct fetch *f, struct org_pset *p,
		       struct aws_error *err)
{
	int rc;
	struct source_list l = { .op = &list_provisioned,
				 .arg = (void *)"account",
				 .vec = &p->accounts, .n = &p->naccounts,
				 .skipped = &f->a->skipped };

	rc = source_list_run(&l, f->c, f->region, err, "{s:s, s:s, s:i}",
			     "InstanceArn", f->instance,
			     "PermissionSetArn", p->arn,
			     "MaxResults", SSO_PAGE);
	/* an account listed twice (it moved between pages) is one */
	p->naccounts = org_strings_sort_unique(p->accounts, p->naccounts);
	return rc;
}

/* ---- names ---- */

/* The name of one principal into *name (malloc'd): the identity store's,
 * or NULL when it does not know the principal (deleted since).
 * @return 0 or -errno with err filled */
static int describe_principal(struct fetch *f, int user, const char *id,
			      char **name, struct aws_error *err)
{
	const char *op = user ? "DescribeUser" : "DescribeGroup";
	const char *key = user ? "UserName" : "DisplayName";
	const char *v = NULL;
	json_t *in, *out = NULL;
	int rc;

	*name = NULL;
	in = json_pack("{s:s, s:s}", "IdentityStoreId", f->store,
		       user ? "UserId" : "GroupId", id);
	if (!in)
		return source_fail(err, &aws_svc_identitystore, op, ENOMEM,
				   "OutOfMemory", "out of memory");
	rc = aws_json_call(f->c, &aws_svc_identitystore, f->region, op, in,
			   &out, err);
	json_decref(in);
	if (rc < 0)
		return strcmp(err->code, "ResourceNotFoundException") ? rc : 0;
	if (json_unpack(out, "{s:s}", key, &v) || !*v) {
		/* a group may have no DisplayName: its id then */
		json_decref(out);
		return 0;
	}
	*name = strdup(v);
	json_decref(out);
	return *name ? 0 : source_fail(err, &aws_svc_identitystore, op,
				       ENOMEM, "OutOfMemory", "out of memory");
}

/* ---- the whole ---- */

/* The instance to read into a (present 0 when there is none).
 * @return 0 or -errno with err filled */
static int find_instance(struct aws_source *s, struct fetch *f,
			 struct aws_error *err)
{
	struct instance *v = NULL;
	size_t n = 0, i, pick = 0;
	struct source_list l = { .op = &list_instances, .vec = &v, .n = &n };
	int rc;

	rc = source_list_run(&l, f->c, f->region, err, "{s:i}", "MaxResults",
			     SSO_PAGE);
	if (!rc && s->sso_instance) {
		for (pick = 0; pick < n; pick++)
			if (!strcmp(v[pick].arn, s->sso_instance))
				break;
		if (pick == n)
			/* EIO, not ENOENT: the access files stay listed,
			 * their reads fail and .orgfs/errors says why */
			rc = source_fail(err, &aws_svc_sso_admin,
					 "ListInstances", EIO,
					 "ResourceNotFoundException",
					 "Identity Center instance %s is not "
					 "among the %zu this account sees "
					 "(-o sso_instance)",
					 s->sso_instance, n);
	}
	if (!rc && n) {
		f->a->present = 1;
		f->a->instance_arn = v[pick].arn;
		f->a->identity_store_id = v[pick].store;
		v[pick].arn = v[pick].store = NULL;
	}
	for (i = 0; i < n; i++) {
		free(v[i].arn);
		free(v[i].store);
	}
	free(v);
	if (!rc && !f->a->present) {
		f->a->instance_arn = strdup("");
		f->a->identity_store_id = strdup("");
		if (!f->a->instance_arn || !f->a->identity_store_id)
			rc = source_fail(err, &aws_svc_sso_admin,
					 "ListInstances", ENOMEM,
					 "OutOfMemory", "out of memory");
	}
	return rc;
}

/* The permission sets of the instance into f->a, described, each with
 * the accounts where it is provisioned.  @return 0 or -errno with err
 * filled */
static int read_psets(struct fetch *f, struct aws_error *err)
{
	struct org_access *a = f->a;
	char **arns = NULL;
	size_t narn = 0, i, k;
	struct source_list l = { .op = &list_psets, .vec = &arns,
				 .n = &narn };
	int rc;

	rc = source_list_run(&l, f->c, f->region, err, "{s:s, s:i}",
			     "InstanceArn", a->instance_arn, "MaxResults",
			     SSO_PAGE);
	if (!rc && narn) {
		a->psets = calloc(narn, sizeof(*a->psets));
		if (!a->psets)
			rc = source_fail(err, &aws_svc_sso_admin,
					 "ListPermissionSets", ENOMEM,
					 "OutOfMemory", "out of memory");
	}
	for (i = 0; i < narn && !rc; i++) {
		/* a set listed twice (it moved between pages) is one */
		for (k = 0; k < a->npsets; k++)
			if (!strcmp(a->psets[k].arn, arns[i]))
				break;
		if (k < a->npsets)
			continue;
		a->psets[a->npsets].arn = arns[i];
		arns[i] = NULL;
		a->npsets++;
		rc = describe_pset(f, &a->psets[a->npsets - 1], err);
		for (k = 0; k + 1 < a->npsets && !rc; k++)
			if (!strcmp(a->psets[k].name,
				    a->psets[a->npsets - 1].name))
				rc = source_fail(err, &aws_svc_sso_admin,
						 "DescribePermissionSet", EIO,
						 "MalformedResponse",
						 "two permission sets are "
						 "called %s",
						 a->psets[k].name);
		if (!rc)
			rc = provisioned(f, &a->psets[a->npsets - 1], err);
	}
	free_strings(arns, narn);
	return rc;
}

/* The client f reads the instance through: the mount's, or (-o
 * sso_instance=ACCOUNT) the delegated administrator's through the member
 * role (*member 1: f->c to free).  @return 0 or -errno with err filled */
static int fetch_client(struct aws_source *s, struct fetch *f,
			const struct aws_service *svc, const char *op,
			int *member, struct aws_error *err)
{
	f->region = s->sso_region;
	f->c = s->client;
	*member = 0;
	if (!s->sso_account)
		return 0;
	return source_account_client(s, s->sso_account,
				     f->region ? f->region :
				     aws_client_region(s->client), svc, op,
				     &f->c, member, err);
}

int aws_list_access_psets(struct org_source *src, struct org_access **out,
			  struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct fetch f = { 0 };
	int rc, member = 0;

	*out = NULL;
	aws_error_clear(err);
	f.a = calloc(1, sizeof(*f.a));
	if (!f.a)
		return source_fail(err, &aws_svc_sso_admin, "ListInstances",
				   ENOMEM, "OutOfMemory", "out of memory");
	rc = fetch_client(s, &f, &aws_svc_sso_admin, "ListInstances", &member,
			  err);
	if (!rc)
		rc = find_instance(s, &f, err);
	if (!rc && f.a->present) {
		f.instance = f.a->instance_arn;
		rc = read_psets(&f, err);
		if (!rc && org_access_finish(f.a))
			rc = source_fail(err, &aws_svc_sso_admin,
					 "ListPermissionSets", ENOMEM,
					 "OutOfMemory", "out of memory");
	}
	if (member)
		aws_client_free(f.c);
	if (rc) {
		org_access_free(f.a);
		return rc;
	}
	*out = f.a;
	return 0;
}

/* ---- one account's assignments ---- */

int aws_list_account_access(struct org_source *src, const char *instance,
			    const char *account, char *const *pset_arns,
			    size_t n, struct org_account_access **out,
			    struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct fetch f = { .instance = instance };
	struct org_account_access *x;
	struct listed *v = NULL;
	size_t nv = 0, i, j;
	int rc, member = 0;

	*out = NULL;
	aws_error_clear(err);
	x = calloc(1, sizeof(*x));
	if (!x)
		return source_fail(err, &aws_svc_sso_admin,
				   list_assignments.op, ENOMEM, "OutOfMemory",
				   "out of memory");
	rc = fetch_client(s, &f, &aws_svc_sso_admin, list_assignments.op,
			  &member, err);
	for (i = 0; i < n && !rc; i++) {
		struct source_list l = { .op = &list_assignments, .vec = &v,
					 .n = &nv, .skipped = &x->skipped };
		struct org_listed *nx;

		nv = 0;
		rc = source_list_run(&l, f.c, f.region, err,
				     "{s:s, s:s, s:s, s:i}",
				     "InstanceArn", instance,
				     "PermissionSetArn", pset_arns[i],
				     "AccountId", account,
				     "MaxResults", SSO_PAGE);
		nx = rc || !nv ? NULL : reallocarray(x->v, x->n + nv,
						     sizeof(*x->v));
		if (!rc && nv && !nx)
			rc = source_fail(err, &aws_svc_sso_admin,
					 list_assignments.op, ENOMEM,
					 "OutOfMemory", "out of memory");
		if (nx)
			x->v = nx;
		for (j = 0; j < nv; j++) {
			/* what an account's listing says of another account
			 * is not taken */
			if (!rc && !strcmp(v[j].account, account)) {
				struct org_listed *y = &x->v[x->n];

				y->pset_arn = strdup(pset_arns[i]);
				y->user = v[j].user;
				y->principal_id = v[j].principal;
				v[j].principal = NULL;
				x->n++;
				if (!y->pset_arn)
					rc = source_fail(err,
							 &aws_svc_sso_admin,
							 list_assignments.op,
							 ENOMEM, "OutOfMemory",
							 "out of memory");
			}
			free(v[j].account);
			free(v[j].principal);
		}
		free(v);
		v = NULL;
	}
	if (member)
		aws_client_free(f.c);
	if (rc) {
		org_account_access_free(x);
		return rc;
	}
	/* a principal listed twice (it moved between pages) is one */
	org_account_access_sort(x);
	for (i = 0, j = 0; i < x->n; i++) {
		if (j && !strcmp(x->v[j - 1].pset_arn, x->v[i].pset_arn) &&
		    x->v[j - 1].user == x->v[i].user &&
		    !strcmp(x->v[j - 1].principal_id, x->v[i].principal_id)) {
			free(x->v[i].pset_arn);
			free(x->v[i].principal_id);
		} else {
			x->v[j++] = x->v[i];
		}
	}
	x->n = j;
	*out = x;
	return 0;
}

/* ---- a group's members ---- */

static int parse_membership(struct source_list *l, json_t *it, void *slot)
{
	char **x = slot;
	const char *uid = NULL;

	if (json_unpack(it, "{s:{s:s}}", "MemberId", "UserId", &uid))
		return source_list_skip(l, "a membership without "
					"MemberId.UserId");
	if (!good_id(uid))
		return source_list_skip(l, "not a user id: '%.70s'", uid);
	*x = strdup(uid);
	return *x ? 0 : source_list_nomem(l);
}

static const struct source_list_op list_memberships = {
	.svc = &aws_svc_identitystore, .op = "ListGroupMemberships",
	.token = "NextToken", .key = "GroupMemberships",
	.item_size = sizeof(char *), .parse_item = parse_membership,
};

int aws_list_members(struct org_source *src, const char *store_id,
		     const char *group_id, struct org_members **out,
		     struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct fetch f = { 0 };
	struct org_members *m;
	struct source_list l = { .op = &list_memberships };
	int rc, member = 0;

	*out = NULL;
	aws_error_clear(err);
	m = calloc(1, sizeof(*m));
	if (!m)
		return source_fail(err, &aws_svc_identitystore,
				   list_memberships.op, ENOMEM, "OutOfMemory",
				   "out of memory");
	l.vec = &m->user_ids;
	l.n = &m->n;
	l.skipped = &m->skipped;
	rc = fetch_client(s, &f, &aws_svc_identitystore, list_memberships.op,
			  &member, err);
	if (!rc)
		rc = source_list_run(&l, f.c, f.region, err, "{s:s, s:s, s:i}",
				     "IdentityStoreId", store_id, "GroupId",
				     group_id, "MaxResults", SSO_PAGE);
	if (member)
		aws_client_free(f.c);
	if (rc) {
		org_members_free(m);
		return rc;
	}
	/* a member listed twice (it moved between pages) is one */
	org_members_sort(m);
	*out = m;
	return 0;
}

int aws_describe_principal(struct org_source *src, const char *store_id,
			   int user, const char *id,
			   struct org_principal **out, struct aws_error *err)
{
	const char *op = user ? "DescribeUser" : "DescribeGroup";
	struct aws_source *s = to_aws(src);
	struct fetch f = { .store = store_id };
	struct org_principal *u;
	int rc, member = 0;

	*out = NULL;
	aws_error_clear(err);
	u = calloc(1, sizeof(*u));
	if (!u || !(u->id = strdup(id))) {
		free(u);
		return source_fail(err, &aws_svc_identitystore, op, ENOMEM,
				   "OutOfMemory", "out of memory");
	}
	rc = fetch_client(s, &f, &aws_svc_identitystore, op, &member, err);
	if (!rc)
		rc = describe_principal(&f, user, id, &u->name, err);
	if (member)
		aws_client_free(f.c);
	if (!rc && !u->name && !(u->name = strdup("")))
		rc = source_fail(err, &aws_svc_identitystore, op, ENOMEM,
				 "OutOfMemory", "out of memory");
	if (rc) {
		org_principal_free(u);
		return rc;
	}
	*out = u;
	return 0;
}
