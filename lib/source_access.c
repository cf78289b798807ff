/* source_access.c - the aws source's IAM Identity Center side: every
 * account assignment of the organization's instance, with the permission
 * sets they name and the names of their groups and users
 *
 * sso-admin, in the instance's region, from the client's account or the
 * delegated administrator's (source_aws_priv.h sso_account):
 *   ListInstances                       the instance (none: "none")
 *   ListPermissionSets                  every permission set
 *   per permission set: DescribePermissionSet,
 *     ListManagedPoliciesInPermissionSet, GetInlinePolicyForPermissionSet,
 *     ListAccountsForProvisionedPermissionSet (where it is provisioned)
 *   per (permission set, account provisioned): ListAccountAssignments
 * then identitystore DescribeGroup / DescribeUser once per principal.
 * A group's members (list_members), on demand: ListGroupMemberships;
 * each user's name (describe_user): DescribeUser, cached once per user
 * whatever groups it is in.
 * The per-account listings and the names go out -o concurrency at once
 * (the client's rate limits pace them).
 * That is the fewest calls for the whole org: ListAccountAssignments
 * ForPrincipal would need the principals first, which only these
 * listings name.  An identity store that refuses (AccessDenied) leaves
 * ids for names and says why in the value; an assignment or account id
 * not of AWS's form is left out and named (org_skipped); any other
 * failure fails the listing, which is never shown incomplete.
 */
#include <errno.h>
#include <pthread.h>
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

/* ---- calls at once ---- */

/* njobs calls of job(arg, i), on up to nthreads threads; the first job
 * that fails (non-zero) stops the others from taking more. */
struct pool {
	int (*job)(void *arg, size_t i);
	void *arg;
	size_t njobs;
	size_t next;                    /* atomic */
	int failed;                     /* atomic */
};

static void *pool_worker(void *p_)
{
	struct pool *p = p_;
	size_t i;

	while (!__atomic_load_n(&p->failed, __ATOMIC_ACQUIRE) &&
	       (i = __atomic_fetch_add(&p->next, 1, __ATOMIC_ACQ_REL)) <
	       p->njobs)
		if (p->job(p->arg, i))
			__atomic_store_n(&p->failed, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* @return 0, or 1 when a job failed (it kept why) */
static int pool_run(int nthreads, size_t njobs, int (*job)(void *, size_t),
		    void *arg)
{
	struct pool p = { .job = job, .arg = arg, .njobs = njobs };
	pthread_t tids[SRC_AWS_MAX_CONCURRENCY];
	int n = 0;

	if (nthreads > SRC_AWS_MAX_CONCURRENCY)
		nthreads = SRC_AWS_MAX_CONCURRENCY;
	if ((size_t)nthreads > njobs)
		nthreads = (int)njobs;
	/* the caller's thread works too; threads that cannot start leave
	 * the jobs to the others */
	while (n + 1 < nthreads &&
	       !pthread_create(&tids[n], NULL, pool_worker, &p))
		n++;
	pool_worker(&p);
	while (n-- > 0)
		pthread_join(tids[n], NULL);
	return p.failed;
}

/* One fetch: the client, the region and the instance it reads */
struct fetch {
	int workers;                    /* calls at once */
	struct aws_client *c;
	const char *region;
	const char *instance;
	struct org_access *a;
	const char *store;              /* the identity store */
	size_t cap;                     /* of a->v */
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

/* One ListAccountAssignments listing: a permission set in one account */
struct pair {
	size_t pset;
	char *account;
	struct listed *v;
	size_t n;
	int rc;
	struct aws_error err;
	struct org_skipped skipped;
};

struct pairs {
	struct fetch *f;
	struct pair *v;
	size_t n, cap;
};

static void pairs_free(struct pairs *ps)
{
	size_t i, j;

	for (i = 0; i < ps->n; i++) {
		for (j = 0; j < ps->v[i].n; j++) {
			free(ps->v[i].v[j].account);
			free(ps->v[i].v[j].principal);
		}
		free(ps->v[i].v);
		free(ps->v[i].account);
		org_skipped_free(&ps->v[i].skipped);
	}
	free(ps->v);
}

/* The accounts where permission set k is provisioned, each a pair of ps.
 * @return 0 or -errno with err filled */
static int provisioned(struct fetch *f, size_t k, struct pairs *ps,
		       struct aws_error *err)
{
	char **accts = NULL;
	size_t nacct = 0, i;
	int rc;
	struct source_list l = { .op = &list_provisioned,
				 .arg = (void *)"account",
				 .vec = &accts, .n = &nacct,
				 .skipped = &f->a->skipped };

	rc = source_list_run(&l, f->c, f->region, err, "{s:s, s:s, s:i}",
			     "InstanceArn", f->instance,
			     "PermissionSetArn", f->a->psets[k].arn,
			     "MaxResults", SSO_PAGE);
	for (i = 0; i < nacct && !rc; i++) {
		if (source_grow((void **)&ps->v, &ps->cap, ps->n,
				sizeof(*ps->v))) {
			rc = source_fail(err, &aws_svc_sso_admin,
					 list_provisioned.op, ENOMEM,
					 "OutOfMemory", "out of memory");
			break;
		}
		memset(&ps->v[ps->n], 0, sizeof(ps->v[ps->n]));
		ps->v[ps->n].pset = k;
		ps->v[ps->n].account = accts[i];
		accts[i] = NULL;
		ps->n++;
	}
	free_strings(accts, nacct);
	return rc;
}

static int pair_job(void *arg, size_t i)
{
	struct pairs *ps = arg;
	struct fetch *f = ps->f;
	struct pair *p = &ps->v[i];
	struct source_list l = { .op = &list_assignments, .vec = &p->v,
				 .n = &p->n, .skipped = &p->skipped };

	p->rc = source_list_run(&l, f->c, f->region, &p->err,
				"{s:s, s:s, s:s, s:i}",
				"InstanceArn", f->instance,
				"PermissionSetArn", f->a->psets[p->pset].arn,
				"AccountId", p->account,
				"MaxResults", SSO_PAGE);
	return p->rc;
}

/* Every pair's assignments, listed at once, onto f->a in the pairs'
 * order.  @return 0 or -errno with err filled (a failed pair's) */
static int list_pairs(struct fetch *f, struct pairs *ps,
		      struct aws_error *err)
{
	size_t i, j;

	ps->f = f;
	if (pool_run(f->workers, ps->n, pair_job, ps)) {
		for (i = 0; i < ps->n; i++)
			if (ps->v[i].rc) {
				*err = ps->v[i].err;
				return ps->v[i].rc;
			}
	}
	for (i = 0; i < ps->n; i++) {
		struct pair *p = &ps->v[i];

		if (org_skipped_merge(&f->a->skipped, &p->skipped))
			return source_fail(err, &aws_svc_sso_admin,
					   list_assignments.op, ENOMEM,
					   "OutOfMemory", "out of memory");
		for (j = 0; j < p->n; j++) {
			struct org_assignment *x;

			/* what an account's listing says of another
			 * account is not taken */
			if (strcmp(p->v[j].account, p->account))
				continue;
			if (source_grow((void **)&f->a->v, &f->cap, f->a->n,
					sizeof(*f->a->v)))
				return source_fail(err, &aws_svc_sso_admin,
						   list_assignments.op, ENOMEM,
						   "OutOfMemory",
						   "out of memory");
			x = &f->a->v[f->a->n++];
			memset(x, 0, sizeof(*x));
			x->account = p->v[j].account;
			x->pset = p->pset;
			x->user = p->v[j].user;
			x->principal_id = p->v[j].principal;
			p->v[j].account = p->v[j].principal = NULL;
		}
	}
	return 0;
}

/* ---- names ---- */

static int cmp_principal_id(const void *x, const void *y)
{
	const struct org_assignment *a = *(const struct org_assignment *const *)x;
	const struct org_assignment *b = *(const struct org_assignment *const *)y;

	if (a->user != b->user)
		return a->user - b->user;
	return strcmp(a->principal_id, b->principal_id);
}

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

/* The principals to name: the first assignment of each */
struct names {
	struct fetch *f;
	struct org_assignment **first;  /* of each principal */
	size_t n;
	char **name;                    /* what each is called, or NULL */
	int *rc;
	struct aws_error *err;
	int denied;                     /* atomic: the store refused */
};

static int name_job(void *arg, size_t i)
{
	struct names *nm = arg;

	if (__atomic_load_n(&nm->denied, __ATOMIC_ACQUIRE))
		return 0;
	nm->rc[i] = describe_principal(nm->f, nm->first[i]->user,
				       nm->first[i]->principal_id,
				       &nm->name[i], &nm->err[i]);
	if (nm->rc[i] == -EACCES) {
		/* the role may read assignments but not the directory */
		__atomic_store_n(&nm->denied, 1, __ATOMIC_RELEASE);
		return 0;
	}
	return nm->rc[i];
}

/* Name every assignment's principal, asking once per principal, all at
 * once; ids for every name when the identity store refuses (its error
 * kept in f->a).  @return 0 or -errno with err filled */
static int name_principals(struct fetch *f, struct aws_error *err)
{
	struct org_access *a = f->a;
	struct org_assignment **p;
	struct names nm = { .f = f };
	size_t i, j, u;
	int rc = 0;

	if (!a->n)
		return 0;
	p = malloc(a->n * sizeof(*p));
	nm.first = malloc(a->n * sizeof(*nm.first));
	nm.name = calloc(a->n, sizeof(*nm.name));
	nm.rc = calloc(a->n, sizeof(*nm.rc));
	nm.err = calloc(a->n, sizeof(*nm.err));
	if (!p || !nm.first || !nm.name || !nm.rc || !nm.err) {
		rc = source_fail(err, &aws_svc_identitystore, "DescribeGroup",
				 ENOMEM, "OutOfMemory", "out of memory");
		goto out;
	}
	for (i = 0; i < a->n; i++)
		p[i] = &a->v[i];
	qsort(p, a->n, sizeof(*p), cmp_principal_id);
	for (i = 0; i < a->n; i++)
		if (!i || cmp_principal_id(&p[i - 1], &p[i]))
			nm.first[nm.n++] = p[i];
	pool_run(f->workers, nm.n, name_job, &nm);
	for (u = 0; u < nm.n && !rc; u++) {
		if (nm.rc[u] == -EACCES && !a->names_code[0]) {
			snprintf(a->names_code, sizeof(a->names_code), "%s",
				 nm.err[u].code);
			snprintf(a->names_message, sizeof(a->names_message),
				 "names of groups and users are their ids: "
				 "%.400s", nm.err[u].message);
			snprintf(a->names_operation,
				 sizeof(a->names_operation), "%s",
				 nm.err[u].operation);
		} else if (nm.rc[u] && nm.rc[u] != -EACCES) {
			*err = nm.err[u];
			rc = nm.rc[u];
		}
	}
	/* each principal's assignments take its name (its id when none, or
	 * when the store refused: all ids then, not some) */
	for (i = 0, u = 0; i < a->n && !rc; i++) {
		const char *name;

		if (i && cmp_principal_id(&p[i - 1], &p[i]))
			u++;
		name = nm.name[u] && !nm.denied ? nm.name[u] :
		       p[i]->principal_id;
		p[i]->principal_name = strdup(name);
		if (!p[i]->principal_name)
			rc = source_fail(err, &aws_svc_identitystore,
					 "DescribeGroup", ENOMEM,
					 "OutOfMemory", "out of memory");
	}
out:
	for (j = 0; nm.name && j < nm.n; j++)
		free(nm.name[j]);
	free(nm.name);
	free(nm.rc);
	free(nm.err);
	free(nm.first);
	free(p);
	return rc;
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
 * its assignments.  @return 0 or -errno with err filled */
static int read_psets(struct fetch *f, struct aws_error *err)
{
	struct org_access *a = f->a;
	char **arns = NULL;
	size_t narn = 0, i, k;
	struct source_list l = { .op = &list_psets, .vec = &arns,
				 .n = &narn };
	struct pairs ps = { 0 };
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
			rc = provisioned(f, a->npsets - 1, &ps, err);
	}
	free_strings(arns, narn);
	if (!rc)
		rc = list_pairs(f, &ps, err);
	pairs_free(&ps);
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
	f->workers = s->concurrency;
	f->c = s->client;
	*member = 0;
	if (!s->sso_account)
		return 0;
	return source_account_client(s, s->sso_account,
				     f->region ? f->region :
				     aws_client_region(s->client), svc, op,
				     &f->c, member, err);
}

int aws_list_access(struct org_source *src, struct org_access **out,
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
		f.store = f.a->identity_store_id;
		rc = read_psets(&f, err);
		if (!rc)
			rc = name_principals(&f, err);
		if (!rc && org_access_finish(f.a))
			rc = source_fail(err, &aws_svc_sso_admin,
					 "ListAccountAssignments", ENOMEM,
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

int aws_describe_user(struct org_source *src, const char *store_id,
		      const char *user_id, struct org_user **out,
		      struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct fetch f = { .store = store_id };
	struct org_user *u;
	int rc, member = 0;

	*out = NULL;
	aws_error_clear(err);
	u = calloc(1, sizeof(*u));
	if (!u || !(u->user_id = strdup(user_id))) {
		free(u);
		return source_fail(err, &aws_svc_identitystore, "DescribeUser",
				   ENOMEM, "OutOfMemory", "out of memory");
	}
	rc = fetch_client(s, &f, &aws_svc_identitystore, "DescribeUser",
			  &member, err);
	if (!rc)
		rc = describe_principal(&f, 1, user_id, &u->name, err);
	if (member)
		aws_client_free(f.c);
	if (!rc && !u->name && !(u->name = strdup("")))
		rc = source_fail(err, &aws_svc_identitystore, "DescribeUser",
				 ENOMEM, "OutOfMemory", "out of memory");
	if (rc) {
		org_user_free(u);
		return rc;
	}
	*out = u;
	return 0;
}
