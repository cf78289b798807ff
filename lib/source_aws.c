/* source_aws.c - the org_source backed by the AWS Organizations API */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arn.h"
#include "aws.h"
#include "awstime.h"
#include "buf.h"
#include "credchain.h"
#include "creds.h"
#include "endpoint.h"
#include "log.h"
#include "model.h"
#include "source_agg.h"
#include "source_aws.h"

#define SRC_AWS_PAGE_SIZE 20            /* the Organizations maximum */
#define SRC_AWS_DEFAULT_CONCURRENCY 4
#define SRC_AWS_MAX_CONCURRENCY 64

struct aws_source {
	struct org_source base;
	struct aws_client *client;
	char *profile;
	char *endpoint;                 /* NULL when none was given */
	int concurrency;
	char **policy_types;            /* NULL: the types enabled on the root */
	size_t npolicy_types;
	char *member_role;
	char *external_id;              /* NULL when none */
	char *partition;                /* NULL: the region's */
	int compliance_details;
	char *config_aggregator;        /* NULL: member roles */
	char *config_aggregator_region; /* NULL: the client's */
	pthread_mutex_t id_lock;
	pthread_cond_t id_cond;
	enum { ID_UNKNOWN, ID_ASKING, ID_KNOWN } id_state;      /* id_lock */
	char own_account[16];           /* the client's; id_lock */
};

static struct aws_source *to_aws(struct org_source *s)
{
	return (struct aws_source *)s;
}

/*
 * Errors found while reading a reply.  A page callback cannot fill the
 * caller's aws_error itself, so it records its reason here and the caller
 * copies it after the listing stops.
 */
struct pager {
	const char *op;
	int failed;
	struct aws_error err;
};

static void set_operation(struct aws_error *e, const char *op)
{
	snprintf(e->operation, sizeof(e->operation), "organizations:%s", op);
}

static int malformed(struct aws_error *e, const char *op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int malformed(struct aws_error *e, const char *op, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	aws_error_clear(e);
	aws_error_set(e, EIO, "MalformedResponse", "%s", msg);
	set_operation(e, op);
	return -EIO;
}

static int nomem(struct aws_error *e, const char *op)
{
	aws_error_clear(e);
	aws_error_set(e, ENOMEM, "OutOfMemory", "out of memory");
	set_operation(e, op);
	return -ENOMEM;
}

static int pager_malformed(struct pager *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int pager_malformed(struct pager *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->failed = 1;
	return malformed(&p->err, p->op, "%s", msg);
}

static int pager_nomem(struct pager *p)
{
	p->failed = 1;
	return nomem(&p->err, p->op);
}

static int paginate(struct aws_source *s, const char *op, json_t *input,
		    aws_page_fn fn, struct pager *p, struct aws_error *err)
{
	int rc;

	p->op = op;
	p->failed = 0;
	aws_error_clear(&p->err);
	rc = aws_json_paginate(s->client, &aws_svc_organizations, NULL, op,
			       input, "NextToken", "NextToken", fn, p, err);
	if (rc < 0 && p->failed)
		*err = p->err;
	return rc;
}

/* An optional string member: absent or null reads as "". */
static int opt_str(const json_t *v, const char **out)
{
	if (!v || json_is_null(v)) {
		*out = "";
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

/* The list member of a page: required, an array. */
static int page_list(struct pager *p, json_t *page, const char *key,
		     json_t **out)
{
	json_error_t je;

	if (json_unpack_ex(page, &je, 0, "{s:o}", key, out))
		return pager_malformed(p, "reply: %s", je.text);
	if (!json_is_array(*out))
		return pager_malformed(p, "reply: %s is not a list", key);
	return 0;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	nv = reallocarray(*v, ncap, size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

/* strdup every source into the matching destination; all or nothing. */
static int dup_all(char **dst[], const char *const src[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		*dst[i] = strdup(src[i] ? src[i] : "");
		if (!*dst[i]) {
			for (size_t j = 0; j < i; j++) {
				free(*dst[j]);
				*dst[j] = NULL;
			}
			return -ENOMEM;
		}
	}
	return 0;
}

/* ---- roots ---- */

struct root {
	char *id;
	char *arn;
	char *name;
	size_t ntypes;
	struct org_policy_type *types;
};

struct roots_ctx {
	struct pager p;
	size_t n, cap;
	struct root *v;
};

static void roots_free(struct roots_ctx *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].id);
		free(r->v[i].arn);
		free(r->v[i].name);
		for (size_t j = 0; j < r->v[i].ntypes; j++) {
			free(r->v[i].types[j].type);
			free(r->v[i].types[j].status);
		}
		free(r->v[i].types);
	}
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

static int parse_policy_types(struct pager *p, json_t *list,
			      struct org_policy_type **out, size_t *nout)
{
	struct org_policy_type *v;
	size_t n = 0;
	json_t *it;
	size_t i;

	*out = NULL;
	*nout = 0;
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return pager_malformed(p, "PolicyTypes is not a list");
	v = calloc(json_array_size(list) + 1, sizeof(*v));
	if (!v)
		return pager_nomem(p);
	json_array_foreach(list, i, it) {
		const char *type, *status;
		json_error_t je;

		if (json_unpack_ex(it, &je, 0, "{s:s, s:s}", "Type", &type,
				   "Status", &status)) {
			pager_malformed(p, "policy type: %s", je.text);
			goto fail;
		}
		v[n].type = strdup(type);
		v[n].status = strdup(status);
		n++;
		if (!v[n - 1].type || !v[n - 1].status) {
			pager_nomem(p);
			goto fail;
		}
	}
	*out = v;
	*nout = n;
	return 0;
fail:
	for (size_t j = 0; j < n; j++) {
		free(v[j].type);
		free(v[j].status);
	}
	free(v);
	return p->err.err ? -p->err.err : -EIO;
}

static int roots_page(json_t *page, void *arg)
{
	struct roots_ctx *r = arg;
	json_t *list, *it;
	size_t i;
	int rc;

	rc = page_list(&r->p, page, "Roots", &list);
	if (rc < 0)
		return rc;
	json_array_foreach(list, i, it) {
		const char *id;
		json_t *arn = NULL, *name = NULL, *types = NULL;
		const char *sarn, *sname;
		struct root *nr;
		json_error_t je;

		if (json_unpack_ex(it, &je, 0, "{s:s, s?o, s?o, s?o}",
				   "Id", &id, "Arn", &arn, "Name", &name,
				   "PolicyTypes", &types))
			return pager_malformed(&r->p, "root: %s", je.text);
		if (opt_str(arn, &sarn) || opt_str(name, &sname))
			return pager_malformed(&r->p, "root %s: Arn or Name is not a string", id);
		if (grow((void **)&r->v, &r->cap, r->n, sizeof(*r->v)))
			return pager_nomem(&r->p);
		nr = &r->v[r->n];
		memset(nr, 0, sizeof(*nr));
		rc = parse_policy_types(&r->p, types, &nr->types, &nr->ntypes);
		if (rc < 0)
			return rc;
		/* counted now so roots_free() owns whatever was copied */
		r->n++;
		nr->id = strdup(id);
		nr->arn = strdup(sarn);
		nr->name = strdup(sname);
		if (!nr->id || !nr->arn || !nr->name)
			return pager_nomem(&r->p);
	}
	return 0;
}

static int list_roots(struct aws_source *s, struct roots_ctx *r,
		      struct aws_error *err)
{
	json_t *in;
	int rc;

	memset(r, 0, sizeof(*r));
	in = json_pack("{s:i}", "MaxResults", SRC_AWS_PAGE_SIZE);
	if (!in)
		return nomem(err, "ListRoots");
	rc = paginate(s, "ListRoots", in, roots_page, &r->p, err);
	json_decref(in);
	if (rc == 0 && r->n == 0)
		rc = malformed(err, "ListRoots", "the organization has no root");
	if (rc < 0)
		roots_free(r);
	return rc;
}

/* ---- describe_org ---- */

static int aws_describe_org(struct org_source *src, struct org_info **out,
			    struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	json_t *reply = NULL, *org, *arn = NULL, *fs = NULL, *maid = NULL,
	       *marn = NULL, *mmail = NULL;
	const char *id, *sarn, *sfs, *smaid, *smarn, *smmail;
	struct roots_ctx roots;
	struct org_info *o = NULL;
	json_error_t je;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	rc = aws_json_call(s->client, &aws_svc_organizations, NULL,
			   "DescribeOrganization", NULL, &reply, err);
	if (rc < 0)
		return rc;
	if (json_unpack_ex(reply, &je, 0, "{s:o}", "Organization", &org) ||
	    json_unpack_ex(org, &je, 0, "{s:s, s?o, s?o, s?o, s?o, s?o}",
			   "Id", &id, "Arn", &arn, "FeatureSet", &fs,
			   "MasterAccountId", &maid, "MasterAccountArn", &marn,
			   "MasterAccountEmail", &mmail)) {
		rc = malformed(err, "DescribeOrganization", "reply: %s", je.text);
		goto out;
	}
	if (opt_str(arn, &sarn) || opt_str(fs, &sfs) || opt_str(maid, &smaid) ||
	    opt_str(marn, &smarn) || opt_str(mmail, &smmail)) {
		rc = malformed(err, "DescribeOrganization",
			       "reply: a member of Organization is not a string");
		goto out;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		rc = nomem(err, "DescribeOrganization");
		goto out;
	}
	{
		char **dst[] = { &o->id, &o->arn, &o->feature_set,
				 &o->management_account_id,
				 &o->management_account_arn,
				 &o->management_account_email };
		const char *const srcs[] = { id, sarn, sfs, smaid, smarn, smmail };

		if (dup_all(dst, srcs, 6)) {
			free(o);
			o = NULL;
			rc = nomem(err, "DescribeOrganization");
			goto out;
		}
	}
	rc = list_roots(s, &roots, err);
	if (rc < 0)
		goto out;
	/* An organization has exactly one root: its policy types are the
	 * enabled ones (AvailablePolicyTypes is deprecated). */
	o->types = roots.v[0].types;
	o->ntypes = roots.v[0].ntypes;
	roots.v[0].types = NULL;
	roots.v[0].ntypes = 0;
	roots_free(&roots);
	*out = o;
	o = NULL;
out:
	json_decref(reply);
	org_info_free(o);
	return rc;
}

/* ---- list_accounts ---- */

struct accounts_ctx {
	struct pager p;
	size_t cap;
	struct org_accounts *a;
};

static int accounts_page(json_t *page, void *arg)
{
	struct accounts_ctx *c = arg;
	json_t *list, *it;
	size_t i;
	int rc;

	rc = page_list(&c->p, page, "Accounts", &list);
	if (rc < 0)
		return rc;
	json_array_foreach(list, i, it) {
		json_t *arn = NULL, *name = NULL, *email = NULL, *state = NULL,
		       *status = NULL, *method = NULL, *joined = NULL;
		const char *id, *sarn, *sname, *semail, *sstate, *sstatus,
			   *smethod;
		struct org_account *a;
		json_error_t je;
		time_t t = 0;

		if (json_unpack_ex(it, &je, 0,
				   "{s:s, s?o, s?o, s?o, s?o, s?o, s?o, s?o}",
				   "Id", &id, "Arn", &arn, "Name", &name,
				   "Email", &email, "State", &state,
				   "Status", &status, "JoinedMethod", &method,
				   "JoinedTimestamp", &joined))
			return pager_malformed(&c->p, "account: %s", je.text);
		if (opt_str(arn, &sarn) || opt_str(name, &sname) ||
		    opt_str(email, &semail) || opt_str(state, &sstate) ||
		    opt_str(status, &sstatus) || opt_str(method, &smethod))
			return pager_malformed(&c->p, "account %s: a member is not a string", id);
		if (joined && !json_is_null(joined) &&
		    awstime_from_json(joined, &t) < 0)
			return pager_malformed(&c->p, "account %s: bad JoinedTimestamp", id);
		if (grow((void **)&c->a->v, &c->cap, c->a->n, sizeof(*c->a->v)))
			return pager_nomem(&c->p);
		a = &c->a->v[c->a->n];
		memset(a, 0, sizeof(*a));
		{
			char **dst[] = { &a->id, &a->arn, &a->name, &a->email,
					 &a->state, &a->joined_method };
			const char *const srcs[] = { id, sarn, sname, semail,
				*sstate ? sstate : sstatus, smethod };

			if (dup_all(dst, srcs, 6))
				return pager_nomem(&c->p);
		}
		a->joined = t;
		c->a->n++;
	}
	return 0;
}

static int aws_list_accounts(struct org_source *src, struct org_accounts **out,
			     struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct accounts_ctx c = { 0 };
	json_t *in;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	c.a = calloc(1, sizeof(*c.a));
	in = json_pack("{s:i}", "MaxResults", SRC_AWS_PAGE_SIZE);
	if (!c.a || !in) {
		rc = nomem(err, "ListAccounts");
		goto out;
	}
	rc = paginate(s, "ListAccounts", in, accounts_page, &c.p, err);
	if (rc < 0)
		goto out;
	org_accounts_sort(c.a);
	for (size_t i = 1; i < c.a->n; i++) {
		if (!strcmp(c.a->v[i - 1].id, c.a->v[i].id)) {
			rc = malformed(err, "ListAccounts",
				       "account %s listed twice", c.a->v[i].id);
			goto out;
		}
	}
	*out = c.a;
	c.a = NULL;
out:
	json_decref(in);
	org_accounts_free(c.a);
	return rc;
}

/* ---- walk_hierarchy ---- */

/* What one parent's two listings found. */
struct parent_job {
	struct pager p;
	size_t nous, ous_cap;
	struct org_ou *ous;             /* parent_id left NULL */
	size_t nkids, kids_cap;
	char **kids;                    /* account ids */
};

static void job_free(struct parent_job *j)
{
	for (size_t i = 0; i < j->nous; i++) {
		free(j->ous[i].id);
		free(j->ous[i].arn);
		free(j->ous[i].name);
		free(j->ous[i].parent_id);
	}
	free(j->ous);
	free_strs(j->kids, j->nkids);
	free(j->kids);
	memset(j, 0, sizeof(*j));
}

static int ous_page(json_t *page, void *arg)
{
	struct parent_job *j = arg;
	json_t *list, *it;
	size_t i;
	int rc;

	rc = page_list(&j->p, page, "OrganizationalUnits", &list);
	if (rc < 0)
		return rc;
	json_array_foreach(list, i, it) {
		json_t *arn = NULL, *name = NULL;
		const char *id, *sarn, *sname;
		struct org_ou *ou;
		json_error_t je;

		if (json_unpack_ex(it, &je, 0, "{s:s, s?o, s?o}", "Id", &id,
				   "Arn", &arn, "Name", &name))
			return pager_malformed(&j->p, "organizational unit: %s", je.text);
		if (opt_str(arn, &sarn) || opt_str(name, &sname))
			return pager_malformed(&j->p, "organizational unit %s: Arn or Name is not a string", id);
		if (grow((void **)&j->ous, &j->ous_cap, j->nous, sizeof(*j->ous)))
			return pager_nomem(&j->p);
		ou = &j->ous[j->nous];
		memset(ou, 0, sizeof(*ou));
		{
			char **dst[] = { &ou->id, &ou->arn, &ou->name };
			const char *const srcs[] = { id, sarn, sname };

			if (dup_all(dst, srcs, 3))
				return pager_nomem(&j->p);
		}
		j->nous++;
	}
	return 0;
}

static int children_page(json_t *page, void *arg)
{
	struct parent_job *j = arg;
	json_t *list, *it;
	size_t i;
	int rc;

	rc = page_list(&j->p, page, "Children", &list);
	if (rc < 0)
		return rc;
	json_array_foreach(list, i, it) {
		const char *id, *type;
		json_error_t je;

		if (json_unpack_ex(it, &je, 0, "{s:s, s:s}", "Id", &id,
				   "Type", &type))
			return pager_malformed(&j->p, "child: %s", je.text);
		if (strcmp(type, "ACCOUNT"))
			return pager_malformed(&j->p, "child %s is a %s, not an ACCOUNT", id, type);
		if (grow((void **)&j->kids, &j->kids_cap, j->nkids, sizeof(*j->kids)))
			return pager_nomem(&j->p);
		j->kids[j->nkids] = strdup(id);
		if (!j->kids[j->nkids])
			return pager_nomem(&j->p);
		j->nkids++;
	}
	return 0;
}

/* Both listings of one parent; no lock held. */
static int list_parent(struct aws_source *s, const char *parent,
		       struct parent_job *j, struct aws_error *err)
{
	json_t *in;
	int rc;

	in = json_pack("{s:s, s:i}", "ParentId", parent,
		       "MaxResults", SRC_AWS_PAGE_SIZE);
	if (!in)
		return nomem(err, "ListOrganizationalUnitsForParent");
	rc = paginate(s, "ListOrganizationalUnitsForParent", in, ous_page,
		      &j->p, err);
	json_decref(in);
	if (rc < 0)
		return rc;
	in = json_pack("{s:s, s:s, s:i}", "ParentId", parent,
		       "ChildType", "ACCOUNT", "MaxResults", SRC_AWS_PAGE_SIZE);
	if (!in)
		return nomem(err, "ListChildren");
	rc = paginate(s, "ListChildren", in, children_page, &j->p, err);
	json_decref(in);
	return rc;
}

struct walk {
	struct aws_source *s;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* All below under lock.  h->ous is also the work queue: every root
	 * and OU is listed once, in the order found (breadth first). */
	struct org_hier *h;
	size_t ous_cap, links_cap;
	size_t next;
	int active;
	int rc;
	struct aws_error err;
};

static void walk_fail(struct walk *w, int rc, const struct aws_error *e)
{
	if (w->rc == 0) {
		w->rc = rc;
		w->err = *e;
	}
}

/* Move one parent's findings into the hierarchy; under w->lock. */
static int walk_merge(struct walk *w, const char *parent,
		      struct parent_job *j, struct aws_error *err)
{
	struct org_hier *h = w->h;

	for (size_t i = 0; i < j->nous; i++) {
		/* a reply naming a known OU again would loop forever */
		for (size_t k = 0; k < h->nous; k++) {
			if (!strcmp(h->ous[k].id, j->ous[i].id))
				return malformed(err, "ListOrganizationalUnitsForParent",
						 "organizational unit %s listed under %s and %s",
						 j->ous[i].id,
						 h->ous[k].parent_id ? h->ous[k].parent_id : "no parent",
						 parent);
		}
		if (grow((void **)&h->ous, &w->ous_cap, h->nous, sizeof(*h->ous)))
			return nomem(err, "ListOrganizationalUnitsForParent");
		j->ous[i].parent_id = strdup(parent);
		if (!j->ous[i].parent_id)
			return nomem(err, "ListOrganizationalUnitsForParent");
		h->ous[h->nous++] = j->ous[i];
		memset(&j->ous[i], 0, sizeof(j->ous[i]));
	}
	for (size_t i = 0; i < j->nkids; i++) {
		struct org_parent_link *l;

		if (grow((void **)&h->links, &w->links_cap, h->nlinks, sizeof(*h->links)))
			return nomem(err, "ListChildren");
		l = &h->links[h->nlinks];
		l->parent_id = strdup(parent);
		if (!l->parent_id)
			return nomem(err, "ListChildren");
		l->child_id = j->kids[i];
		j->kids[i] = NULL;
		h->nlinks++;
	}
	return 0;
}

static void *walk_worker(void *arg)
{
	struct walk *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct parent_job job;
		struct aws_error jerr;
		const char *parent;
		int rc;

		while (w->rc == 0 && w->next == w->h->nous && w->active > 0)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->rc != 0 || w->next == w->h->nous)
			break;
		/* the id string never moves, even when h->ous is reallocated */
		parent = w->h->ous[w->next++].id;
		w->active++;
		pthread_mutex_unlock(&w->lock);

		memset(&job, 0, sizeof(job));
		aws_error_clear(&jerr);
		rc = list_parent(w->s, parent, &job, &jerr);

		pthread_mutex_lock(&w->lock);
		w->active--;
		if (rc == 0 && w->rc == 0)
			rc = walk_merge(w, parent, &job, &jerr);
		if (rc < 0)
			walk_fail(w, rc, &jerr);
		job_free(&job);
		pthread_cond_broadcast(&w->cond);
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int walk_check(struct org_hier *h, struct aws_error *err)
{
	for (size_t i = 1; i < h->nlinks; i++) {
		if (!strcmp(h->links[i - 1].child_id, h->links[i].child_id))
			return malformed(err, "ListChildren",
					 "account %s listed under %s and %s",
					 h->links[i].child_id,
					 h->links[i - 1].parent_id,
					 h->links[i].parent_id);
	}
	return 0;
}

static int aws_walk_hierarchy(struct org_source *src, struct org_hier **out,
			      struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	pthread_t tids[SRC_AWS_MAX_CONCURRENCY];
	struct roots_ctx roots;
	int nthreads = 0;
	struct walk w;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	memset(&w, 0, sizeof(w));
	w.s = s;
	w.h = calloc(1, sizeof(*w.h));
	if (!w.h)
		return nomem(err, "ListRoots");
	rc = list_roots(s, &roots, err);
	if (rc < 0) {
		free(w.h);
		return rc;
	}
	w.h->ous = calloc(roots.n, sizeof(*w.h->ous));
	if (!w.h->ous) {
		roots_free(&roots);
		free(w.h);
		return nomem(err, "ListRoots");
	}
	w.ous_cap = roots.n;
	for (size_t i = 0; i < roots.n; i++) {
		w.h->ous[i].id = roots.v[i].id;
		w.h->ous[i].arn = roots.v[i].arn;
		w.h->ous[i].name = roots.v[i].name;
		roots.v[i].id = roots.v[i].arn = roots.v[i].name = NULL;
	}
	w.h->nous = roots.n;
	roots_free(&roots);

	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	/* The calling thread is one of the workers; a thread that cannot be
	 * started only lowers the parallelism. */
	for (int i = 1; i < s->concurrency; i++) {
		if (pthread_create(&tids[nthreads], NULL, walk_worker, &w))
			break;
		nthreads++;
	}
	walk_worker(&w);
	for (int i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);

	rc = w.rc;
	if (rc < 0) {
		*err = w.err;
		org_hier_free(w.h);
		return rc;
	}
	org_hier_sort(w.h);
	rc = walk_check(w.h, err);
	if (rc < 0) {
		org_hier_free(w.h);
		return rc;
	}
	*out = w.h;
	return 0;
}

/* ---- list_tags ---- */

struct tags_ctx {
	struct pager p;
	size_t cap;
	struct org_tags *t;
};

static int tags_page(json_t *page, void *arg)
{
	struct tags_ctx *c = arg;
	json_t *list, *it;
	size_t i;
	int rc;

	rc = page_list(&c->p, page, "Tags", &list);
	if (rc < 0)
		return rc;
	json_array_foreach(list, i, it) {
		const char *key, *value;
		struct org_tag *t;
		json_error_t je;

		if (json_unpack_ex(it, &je, 0, "{s:s, s:s}", "Key", &key,
				   "Value", &value))
			return pager_malformed(&c->p, "tag: %s", je.text);
		if (grow((void **)&c->t->v, &c->cap, c->t->n, sizeof(*c->t->v)))
			return pager_nomem(&c->p);
		t = &c->t->v[c->t->n];
		memset(t, 0, sizeof(*t));
		{
			char **dst[] = { &t->key, &t->value };
			const char *const srcs[] = { key, value };

			if (dup_all(dst, srcs, 2))
				return pager_nomem(&c->p);
		}
		c->t->n++;
	}
	return 0;
}

static int aws_list_tags(struct org_source *src, const char *id,
			 struct org_tags **out, struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct tags_ctx c = { 0 };
	json_t *in;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	c.t = calloc(1, sizeof(*c.t));
	/* ListTagsForResource takes no MaxResults */
	in = json_pack("{s:s}", "ResourceId", id);
	if (!c.t || !in) {
		rc = nomem(err, "ListTagsForResource");
		goto out;
	}
	rc = paginate(s, "ListTagsForResource", in, tags_page, &c.p, err);
	if (rc < 0)
		goto out;
	org_tags_sort(c.t);
	*out = c.t;
	c.t = NULL;
out:
	json_decref(in);
	org_tags_free(c.t);
	return rc;
}

/* ---- policies ---- */

static int parse_summary(struct pager *p, json_t *j,
			 struct org_policy_summary *ps)
{
	json_t *arn = NULL, *name = NULL, *type = NULL, *desc = NULL;
	const char *id, *sarn, *sname, *stype, *sdesc;
	int managed = 0;
	json_error_t je;

	if (json_unpack_ex(j, &je, 0, "{s:s, s?o, s?o, s?o, s?o, s?b}",
			   "Id", &id, "Arn", &arn, "Name", &name,
			   "Type", &type, "Description", &desc,
			   "AwsManaged", &managed))
		return pager_malformed(p, "policy: %s", je.text);
	if (opt_str(arn, &sarn) || opt_str(name, &sname) ||
	    opt_str(type, &stype) || opt_str(desc, &sdesc))
		return pager_malformed(p, "policy %s: a member is not a string", id);
	{
		char **dst[] = { &ps->id, &ps->arn, &ps->name, &ps->type,
				 &ps->description };
		const char *const srcs[] = { id, sarn, sname, stype, sdesc };

		if (dup_all(dst, srcs, 5))
			return pager_nomem(p);
	}
	ps->aws_managed = managed;
	return 0;
}

struct policies_ctx {
	struct pager p;
	size_t cap;
	struct org_policies *ps;
};

static int policies_page(json_t *page, void *arg)
{
	struct policies_ctx *c = arg;
	json_t *list, *it;
	size_t i;
	int rc;

	rc = page_list(&c->p, page, "Policies", &list);
	if (rc < 0)
		return rc;
	json_array_foreach(list, i, it) {
		struct org_policy_summary *ps;

		if (grow((void **)&c->ps->v, &c->cap, c->ps->n, sizeof(*c->ps->v)))
			return pager_nomem(&c->p);
		ps = &c->ps->v[c->ps->n];
		memset(ps, 0, sizeof(*ps));
		rc = parse_summary(&c->p, it, ps);
		if (rc < 0)
			return rc;
		c->ps->n++;
	}
	return 0;
}

/* The policy types to list: the configured ones, or those enabled on the
 * root.  *types is a NULL-terminated array the caller frees with
 * free_types(). */
static void free_types(char **types)
{
	if (!types)
		return;
	for (char **t = types; *t; t++)
		free(*t);
	free(types);
}

static int policy_types(struct aws_source *s, char ***types,
			struct aws_error *err)
{
	struct roots_ctx roots;
	size_t n = 0;
	char **v;
	int rc;

	if (s->policy_types) {
		v = calloc(s->npolicy_types + 1, sizeof(*v));
		if (!v)
			return nomem(err, "ListPolicies");
		for (size_t i = 0; i < s->npolicy_types; i++) {
			v[i] = strdup(s->policy_types[i]);
			if (!v[i]) {
				free_types(v);
				return nomem(err, "ListPolicies");
			}
		}
		*types = v;
		return 0;
	}
	rc = list_roots(s, &roots, err);
	if (rc < 0)
		return rc;
	v = calloc(roots.v[0].ntypes + 1, sizeof(*v));
	if (!v) {
		roots_free(&roots);
		return nomem(err, "ListRoots");
	}
	for (size_t i = 0; i < roots.v[0].ntypes; i++) {
		struct org_policy_type *t = &roots.v[0].types[i];

		if (strcmp(t->status, "ENABLED"))
			continue;
		v[n] = strdup(t->type);
		if (!v[n]) {
			free_types(v);
			roots_free(&roots);
			return nomem(err, "ListRoots");
		}
		n++;
	}
	roots_free(&roots);
	*types = v;
	return 0;
}

static int aws_list_policies(struct org_source *src, struct org_policies **out,
			     struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct policies_ctx c = { 0 };
	char **types = NULL;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	c.ps = calloc(1, sizeof(*c.ps));
	if (!c.ps)
		return nomem(err, "ListPolicies");
	rc = policy_types(s, &types, err);
	if (rc < 0)
		goto out;
	for (char **t = types; *t; t++) {
		json_t *in = json_pack("{s:s, s:i}", "Filter", *t,
				       "MaxResults", SRC_AWS_PAGE_SIZE);

		if (!in) {
			rc = nomem(err, "ListPolicies");
			goto out;
		}
		rc = paginate(s, "ListPolicies", in, policies_page, &c.p, err);
		json_decref(in);
		if (rc < 0)
			goto out;
	}
	org_policies_sort(c.ps);
	*out = c.ps;
	c.ps = NULL;
out:
	free_types(types);
	org_policies_free(c.ps);
	return rc;
}

struct targets_ctx {
	struct pager p;
	size_t cap;
	struct org_policy *pol;
};

static int targets_page(json_t *page, void *arg)
{
	struct targets_ctx *c = arg;
	struct org_policy *pol = c->pol;
	json_t *list, *it;
	size_t i;
	int rc;

	rc = page_list(&c->p, page, "Targets", &list);
	if (rc < 0)
		return rc;
	json_array_foreach(list, i, it) {
		json_t *arn = NULL, *name = NULL, *type = NULL;
		const char *id, *sarn, *sname, *stype;
		struct org_policy_target *t;
		json_error_t je;

		if (json_unpack_ex(it, &je, 0, "{s:s, s?o, s?o, s?o}",
				   "TargetId", &id, "Arn", &arn, "Name", &name,
				   "Type", &type))
			return pager_malformed(&c->p, "target: %s", je.text);
		if (opt_str(arn, &sarn) || opt_str(name, &sname) ||
		    opt_str(type, &stype))
			return pager_malformed(&c->p, "target %s: a member is not a string", id);
		if (grow((void **)&pol->targets, &c->cap, pol->ntargets,
			 sizeof(*pol->targets)))
			return pager_nomem(&c->p);
		t = &pol->targets[pol->ntargets];
		memset(t, 0, sizeof(*t));
		{
			char **dst[] = { &t->id, &t->arn, &t->name, &t->type };
			const char *const srcs[] = { id, sarn, sname, stype };

			if (dup_all(dst, srcs, 4))
				return pager_nomem(&c->p);
		}
		pol->ntargets++;
	}
	return 0;
}

static int aws_describe_policy(struct org_source *src, const char *id,
			       struct org_policy **out, struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct targets_ctx c = { 0 };
	json_t *in = NULL, *reply = NULL, *policy, *summary;
	const char *content;
	json_error_t je;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	c.pol = calloc(1, sizeof(*c.pol));
	in = json_pack("{s:s}", "PolicyId", id);
	if (!c.pol || !in) {
		rc = nomem(err, "DescribePolicy");
		goto out;
	}
	rc = aws_json_call(s->client, &aws_svc_organizations, NULL,
			   "DescribePolicy", in, &reply, err);
	if (rc < 0)
		goto out;
	if (json_unpack_ex(reply, &je, 0, "{s:o}", "Policy", &policy) ||
	    json_unpack_ex(policy, &je, 0, "{s:o, s:s}", "PolicySummary",
			   &summary, "Content", &content)) {
		rc = malformed(err, "DescribePolicy", "reply: %s", je.text);
		goto out;
	}
	c.p.op = "DescribePolicy";
	rc = parse_summary(&c.p, summary, &c.pol->summary);
	if (rc < 0) {
		*err = c.p.err;
		goto out;
	}
	c.pol->content = strdup(content);
	if (!c.pol->content) {
		rc = nomem(err, "DescribePolicy");
		goto out;
	}
	json_decref(in);
	in = json_pack("{s:s, s:i}", "PolicyId", id,
		       "MaxResults", SRC_AWS_PAGE_SIZE);
	if (!in) {
		rc = nomem(err, "ListTargetsForPolicy");
		goto out;
	}
	rc = paginate(s, "ListTargetsForPolicy", in, targets_page, &c.p, err);
	if (rc < 0)
		goto out;
	org_policy_sort(c.pol);
	*out = c.pol;
	c.pol = NULL;
out:
	json_decref(in);
	json_decref(reply);
	org_policy_free(c.pol);
	return rc;
}

/* ---- list_resources ---- */

#define SRC_TAGGING_OP "resourcegroupstaggingapi:GetResources"
#define SRC_TAGGING_PAGE_SIZE 100       /* the tagging API's maximum */
#define SRC_DEFAULT_MEMBER_ROLE "OrganizationAccountAccessRole"

/* The client's own account: known from the options, or asked once with
 * sts:GetCallerIdentity (single flight; a failure is retried next time). */
static int own_account(struct aws_source *s, char *out, size_t len,
		       struct aws_error *err)
{
	struct credchain_identity *id;
	int rc;

	pthread_mutex_lock(&s->id_lock);
	while (s->id_state == ID_ASKING)
		pthread_cond_wait(&s->id_cond, &s->id_lock);
	if (s->id_state == ID_KNOWN) {
		snprintf(out, len, "%s", s->own_account);
		pthread_mutex_unlock(&s->id_lock);
		return 0;
	}
	s->id_state = ID_ASKING;
	pthread_mutex_unlock(&s->id_lock);

	id = calloc(1, sizeof(*id));
	if (!id)
		rc = nomem(err, "GetCallerIdentity");
	else
		rc = credchain_caller_identity(s->client, id, err);

	pthread_mutex_lock(&s->id_lock);
	if (rc == 0) {
		snprintf(s->own_account, sizeof(s->own_account), "%s",
			 id->account);
		snprintf(out, len, "%s", s->own_account);
		s->id_state = ID_KNOWN;
	} else {
		s->id_state = ID_UNKNOWN;
	}
	pthread_cond_broadcast(&s->id_cond);
	pthread_mutex_unlock(&s->id_lock);
	free(id);
	return rc;
}

/* The client that reads account: the source's own for its own account,
 * else one holding the member role's credentials, which the caller frees
 * (aws_client_free) when *member.  op names the call in errors. */
static int account_client(struct aws_source *s, const char *account,
			  const char *region, const char *op,
			  struct aws_client **out, int *member,
			  struct aws_error *err)
{
	struct creds_provider *p;
	char own[16];
	int rc;

	*out = s->client;
	*member = 0;
	rc = own_account(s, own, sizeof(own), err);
	if (rc < 0 || !strcmp(account, own))
		return rc < 0 ? rc : 0;
	p = credchain_member_role(s->client, account, s->member_role,
				  s->external_id,
				  s->partition ? s->partition :
				  endpoint_partition(region));
	*out = p ? aws_client_derive(s->client, p) : NULL;
	creds_provider_release(p);
	if (!*out) {
		rc = nomem(err, op);
		snprintf(err->operation, sizeof(err->operation), "%s", op);
		return rc;
	}
	*member = 1;
	return 0;
}

static int is_account_id(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n == 12;
}

struct resources_ctx {
	struct pager p;
	const char *account;            /* the listing's */
	size_t cap;
	struct org_resources *r;
};

static int parse_res_tags(struct pager *p, const char *arn, json_t *list,
			  struct org_tags *t)
{
	json_t *it;
	size_t i;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return pager_malformed(p, "resource %s: Tags is not a list", arn);
	if (!json_array_size(list))
		return 0;
	t->v = calloc(json_array_size(list), sizeof(*t->v));
	if (!t->v)
		return pager_nomem(p);
	json_array_foreach(list, i, it) {
		json_t *value = NULL;
		const char *key, *sval;
		json_error_t je;

		if (json_unpack_ex(it, &je, 0, "{s:s, s?o}", "Key", &key,
				   "Value", &value))
			return pager_malformed(p, "resource %s: tag: %s", arn,
					       je.text);
		if (opt_str(value, &sval))
			return pager_malformed(p, "resource %s: tag %s: Value is not a string",
					       arn, key);
		t->v[t->n].key = strdup(key);
		t->v[t->n].value = strdup(sval);
		t->n++;
		if (!t->v[t->n - 1].key || !t->v[t->n - 1].value)
			return pager_nomem(p);
	}
	org_tags_sort(t);
	return 0;
}

/* ComplianceDetails as "noncompliant key: k" lines joined by '\n'. */
static int parse_compliance(struct pager *p, const char *arn, json_t *cd,
			    char **out)
{
	static const struct {
		const char *member;
		const char *label;
	} kinds[] = {
		{ "NoncompliantKeys", "noncompliant key" },
		{ "MissingTagKeys", "missing key" },
		{ "KeysWithNoncompliantValues", "noncompliant value" },
	};
	json_t *status;
	struct buf b;
	int rc = 0;

	buf_init(&b, 1 << 16);
	if (cd && !json_is_null(cd)) {
		if (!json_is_object(cd))
			return pager_malformed(p, "resource %s: ComplianceDetails is not an object",
					       arn);
		for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
			json_t *list = json_object_get(cd, kinds[k].member), *it;
			size_t i;

			if (!list || json_is_null(list))
				continue;
			if (!json_is_array(list)) {
				rc = pager_malformed(p, "resource %s: %s is not a list",
						     arn, kinds[k].member);
				goto out;
			}
			json_array_foreach(list, i, it) {
				if (!json_is_string(it)) {
					rc = pager_malformed(p, "resource %s: %s holds a non-string",
							     arn, kinds[k].member);
					goto out;
				}
				if (buf_printf(&b, "%s%s: %s", b.len ? "\n" : "",
					       kinds[k].label,
					       json_string_value(it)) < 0) {
					rc = pager_nomem(p);
					goto out;
				}
			}
		}
		status = json_object_get(cd, "ComplianceStatus");
		if (json_is_false(status) && !b.len &&
		    buf_puts(&b, "noncompliant") < 0) {
			rc = pager_nomem(p);
			goto out;
		}
	}
	*out = buf_steal(&b);
	if (!*out)
		rc = pager_nomem(p);
out:
	buf_free(&b);
	return rc;
}

static int resources_page(json_t *page, void *arg)
{
	struct resources_ctx *c = arg;
	json_t *list, *it;
	size_t i;
	int rc;

	rc = page_list(&c->p, page, "ResourceTagMappingList", &list);
	if (rc < 0)
		return rc;
	json_array_foreach(list, i, it) {
		json_t *tags = NULL, *cd = NULL;
		struct org_resource *r;
		const char *arn;
		json_error_t je;

		if (json_unpack_ex(it, &je, 0, "{s:s, s?o, s?o}",
				   "ResourceARN", &arn, "Tags", &tags,
				   "ComplianceDetails", &cd))
			return pager_malformed(&c->p, "resource: %s", je.text);
		if (grow((void **)&c->r->v, &c->cap, c->r->n, sizeof(*c->r->v)))
			return pager_nomem(&c->p);
		r = &c->r->v[c->r->n];
		memset(r, 0, sizeof(*r));
		rc = arn_fill_resource(arn, c->account, r);
		if (rc == -ENOMEM)
			return pager_nomem(&c->p);
		if (rc < 0)
			return pager_malformed(&c->p, "resource ARN is not valid: %.300s",
					       arn);
		/* counted now so org_resources_free() owns what was copied */
		c->r->n++;
		rc = parse_res_tags(&c->p, arn, tags, &r->tags);
		if (rc < 0)
			return rc;
		rc = parse_compliance(&c->p, arn, cd, &r->compliance);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A listing may meet a resource twice when it changes between pages:
 * keep the first. */
static void resources_dedup(struct org_resources *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++) {
		if (n && !strcmp(r->v[n - 1].arn, r->v[i].arn)) {
			org_resource_clear(&r->v[i]);
			continue;
		}
		r->v[n++] = r->v[i];
	}
	r->n = n;
}

static int aws_list_resources(struct org_source *src, const char *account,
			      const char *region, struct org_resources **out,
			      struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct resources_ctx c = { 0 };
	struct aws_client *client = s->client;
	json_t *in = NULL;
	int rc, member;

	*out = NULL;
	aws_error_clear(err);
	if (!account || !is_account_id(account) || !region || !*region) {
		aws_error_set(err, EINVAL, "InvalidParameterException",
			      "list resources: not an account id and region: %.20s %.40s",
			      account ? account : "(null)",
			      region ? region : "(null)");
		snprintf(err->operation, sizeof(err->operation), "%s",
			 SRC_TAGGING_OP);
		return -EINVAL;
	}
	rc = account_client(s, account, region, SRC_TAGGING_OP, &client,
			    &member, err);
	if (rc < 0)
		return rc;
	c.account = account;
	c.r = calloc(1, sizeof(*c.r));
	in = json_pack("{s:i}", "ResourcesPerPage", SRC_TAGGING_PAGE_SIZE);
	if (in && s->compliance_details &&
	    json_object_set_new(in, "IncludeComplianceDetails", json_true()))
		goto oom;
	if (!c.r || !in)
		goto oom;
	c.p.op = "GetResources";
	rc = aws_json_paginate(client, &aws_svc_tagging, region, "GetResources",
			       in, "PaginationToken", "PaginationToken",
			       resources_page, &c, err);
	if (rc < 0) {
		if (c.p.failed) {
			*err = c.p.err;
			snprintf(err->operation, sizeof(err->operation), "%s",
				 SRC_TAGGING_OP);
		}
		/* the role's error names the account; the tagging API's
		 * does not */
		if (!strstr(err->message, account)) {
			struct buf b;

			buf_init(&b, 4096);
			buf_printf(&b, "account %s, region %s: %s", account,
				   region, err->message);
			snprintf(err->message, sizeof(err->message), "%s",
				 buf_str(&b));
			buf_free(&b);
		}
		goto out;
	}
	org_resources_sort(c.r);
	resources_dedup(c.r);
	*out = c.r;
	c.r = NULL;
	goto out;
oom:
	rc = nomem(err, "GetResources");
	snprintf(err->operation, sizeof(err->operation), "%s", SRC_TAGGING_OP);
out:
	json_decref(in);
	org_resources_free(c.r);
	if (member)
		aws_client_free(client);
	return rc;
}

/* ---- effective_tag_policy ---- */

static int aws_effective_tag_policy(struct org_source *src,
				    const char *account,
				    struct org_document **out,
				    struct aws_error *err)
{
	static const char op[] = "DescribeEffectivePolicy";
	struct aws_source *s = to_aws(src);
	json_t *in = NULL, *reply = NULL, *pol, *ts = NULL;
	struct org_document *d = NULL;
	const char *content;
	json_error_t je;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	if (!account || !is_account_id(account)) {
		aws_error_set(err, EINVAL, "InvalidInputException",
			      "effective tag policy: not an account id: %.40s",
			      account ? account : "(null)");
		set_operation(err, op);
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	in = json_pack("{s:s, s:s}", "PolicyType", "TAG_POLICY",
		       "TargetId", account);
	if (!d || !in) {
		rc = nomem(err, op);
		goto out;
	}
	rc = aws_json_call(s->client, &aws_svc_organizations, NULL, op, in,
			   &reply, err);
	if (rc < 0) {
		if (strcmp(err->code, "EffectivePolicyNotFoundException"))
			goto out;
		/* no tag policy applies to the account: a plain answer */
		aws_error_clear(err);
		d->present = 0;
		d->text = strdup("");
		if (!d->text) {
			rc = nomem(err, op);
			goto out;
		}
		rc = 0;
		*out = d;
		d = NULL;
		goto out;
	}
	if (json_unpack_ex(reply, &je, 0, "{s:o}", "EffectivePolicy", &pol) ||
	    json_unpack_ex(pol, &je, 0, "{s:s, s?o}", "PolicyContent",
			   &content, "LastUpdatedTimestamp", &ts)) {
		rc = malformed(err, op, "reply: %s", je.text);
		goto out;
	}
	if (ts && !json_is_null(ts) && awstime_from_json(ts, &d->updated) < 0) {
		rc = malformed(err, op, "reply: bad LastUpdatedTimestamp");
		goto out;
	}
	d->present = 1;
	d->text = strdup(content);
	if (!d->text) {
		rc = nomem(err, op);
		goto out;
	}
	*out = d;
	d = NULL;
out:
	json_decref(in);
	json_decref(reply);
	org_document_free(d);
	return rc;
}

/* ---- config_compliance ---- */

#define SRC_CONFIG_RULES_OP "DescribeComplianceByConfigRule"
#define SRC_CONFIG_STATUS_OP "DescribeConfigurationRecorderStatus"

static void config_op(struct aws_error *e, const char *op)
{
	snprintf(e->operation, sizeof(e->operation), "config:%s", op);
}

struct rules_ctx {
	struct pager p;
	struct source_agg_rules rules;
};

static int rules_page(json_t *page, void *arg)
{
	struct rules_ctx *c = arg;
	const char *why = NULL;
	int rc;

	rc = source_agg_rules_add(&c->rules,
				  json_object_get(page, "ComplianceByConfigRules"),
				  &why);
	if (rc == -ENOMEM)
		return pager_nomem(&c->p);
	if (rc < 0)
		return pager_malformed(&c->p, "reply: %s", why);
	return 0;
}

/* Config answers "no recorder" with these where it answers with an error
 * at all (DescribeComplianceByConfigRule models none: it lists no rule). */
static int no_recorder(const struct aws_error *e)
{
	return !strcmp(e->code, "NoSuchConfigurationRecorderException") ||
	       !strcmp(e->code, "NoAvailableConfigurationRecorderException");
}

/* Whether a configuration recorder is recording in the region: what
 * "Config is enabled" means.  @return 1, 0 or -errno */
static int recording(struct aws_client *client, const char *region,
		     struct aws_error *err)
{
	json_t *reply = NULL, *list, *it;
	size_t i;
	int rc;

	rc = aws_json_call(client, &aws_svc_config, region,
			   SRC_CONFIG_STATUS_OP, NULL, &reply, err);
	if (rc < 0) {
		if (!no_recorder(err))
			return rc;
		aws_error_clear(err);
		return 0;
	}
	list = json_object_get(reply, "ConfigurationRecordersStatus");
	if (list && !json_is_null(list) && !json_is_array(list)) {
		json_decref(reply);
		rc = malformed(err, SRC_CONFIG_STATUS_OP,
			       "reply: ConfigurationRecordersStatus is not a list");
		config_op(err, SRC_CONFIG_STATUS_OP);
		return rc;
	}
	rc = 0;
	json_array_foreach(list, i, it)
		if (json_is_true(json_object_get(it, "recording")))
			rc = 1;
	json_decref(reply);
	return rc;
}

static int aws_config_compliance(struct org_source *src, const char *account,
				 const char *region,
				 struct org_config_rules **out,
				 struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct aws_client *client = s->client;
	struct rules_ctx c = { 0 };
	int rc, member = 0;

	*out = NULL;
	aws_error_clear(err);
	if (!account || !is_account_id(account) || !region || !*region) {
		aws_error_set(err, EINVAL, "InvalidParameterValueException",
			      "config compliance: not an account id and region: %.20s %.40s",
			      account ? account : "(null)",
			      region ? region : "(null)");
		config_op(err, SRC_CONFIG_RULES_OP);
		return -EINVAL;
	}
	if (s->config_aggregator)
		return source_agg_config_compliance(s->client,
						    s->config_aggregator,
						    s->config_aggregator_region,
						    account, region, out, err);
	rc = account_client(s, account, region, "config:" SRC_CONFIG_RULES_OP,
			    &client, &member, err);
	if (rc < 0)
		return rc;
	c.p.op = SRC_CONFIG_RULES_OP;
	aws_error_clear(&c.p.err);
	rc = aws_json_paginate(client, &aws_svc_config, region,
			       SRC_CONFIG_RULES_OP, NULL, "NextToken",
			       "NextToken", rules_page, &c, err);
	if (rc < 0 && !c.p.failed && no_recorder(err)) {
		aws_error_clear(err);
		rc = source_agg_rules_finish(&c.rules);
		if (rc < 0)
			goto oom;
		goto done;
	}
	if (rc < 0) {
		if (c.p.failed) {
			*err = c.p.err;
			config_op(err, SRC_CONFIG_RULES_OP);
		}
		goto fail;
	}
	if (source_agg_rules_finish(&c.rules) < 0)
		goto oom;
	if (!c.rules.r->n) {
		/* no rule: Config off, or on without rules */
		rc = recording(client, region, err);
		if (rc < 0)
			goto fail;
		c.rules.r->enabled = rc;
	}
done:
	*out = c.rules.r;
	c.rules.r = NULL;
	rc = 0;
	goto out;
oom:
	rc = nomem(err, SRC_CONFIG_RULES_OP);
	config_op(err, SRC_CONFIG_RULES_OP);
	goto out;
fail:
	/* the role's error names the account; Config's does not */
	if (!strstr(err->message, account)) {
		struct buf b;

		buf_init(&b, 4096);
		buf_printf(&b, "account %s, region %s: %s", account, region,
			   err->message);
		snprintf(err->message, sizeof(err->message), "%s",
			 buf_str(&b));
		buf_free(&b);
	}
out:
	org_config_rules_free(c.rules.r);
	if (member)
		aws_client_free(client);
	return rc;
}

/* ---- the rest ---- */

static void aws_describe(struct org_source *src, struct buf *out)
{
	struct aws_source *s = to_aws(src);
	const char *where = s->endpoint ? s->endpoint :
			    aws_client_region(s->client);

	buf_printf(out, "AWS Organizations at %s, profile %s",
		   where && *where ? where : "the default region", s->profile);
}

/* The client's statistics, totals first, then one line per operation. */
static int aws_status(struct org_source *src, struct buf *out)
{
	struct aws_source *s = to_aws(src);
	struct aws_stats_totals t;
	int res;

	aws_client_stats(s->client, &t);
	res = buf_printf(out,
			 "api_calls\t%llu\napi_requests\t%llu\n"
			 "api_retries\t%llu\napi_throttles\t%llu\n"
			 "api_errors\t%llu\napi_in_flight\t%llu\n",
			 (unsigned long long)t.calls,
			 (unsigned long long)t.requests,
			 (unsigned long long)t.retries,
			 (unsigned long long)t.throttles,
			 (unsigned long long)t.errors,
			 (unsigned long long)t.in_flight);
	return res ? res : aws_client_stats_render(s->client, out);
}

static void aws_destroy(struct org_source *src)
{
	struct aws_source *s = to_aws(src);

	if (!s)
		return;
	free(s->profile);
	free(s->endpoint);
	if (s->policy_types)
		free_strs(s->policy_types, s->npolicy_types);
	free(s->policy_types);
	free(s->member_role);
	free(s->external_id);
	free(s->partition);
	free(s->config_aggregator);
	free(s->config_aggregator_region);
	pthread_mutex_destroy(&s->id_lock);
	pthread_cond_destroy(&s->id_cond);
	free(s);
}

static const struct org_source_ops aws_source_ops = {
	.name = "aws",
	.describe_org = aws_describe_org,
	.list_accounts = aws_list_accounts,
	.walk_hierarchy = aws_walk_hierarchy,
	.list_tags = aws_list_tags,
	.list_policies = aws_list_policies,
	.describe_policy = aws_describe_policy,
	.list_resources = aws_list_resources,
	.effective_tag_policy = aws_effective_tag_policy,
	.config_compliance = aws_config_compliance,
	.describe = aws_describe,
	.status = aws_status,
	.destroy = aws_destroy,
};

struct org_source *source_aws_new(struct aws_client *client,
				  const struct source_aws_options *opt)
{
	static const struct source_aws_options defaults;
	struct aws_source *s;

	if (!opt)
		opt = &defaults;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->base.ops = &aws_source_ops;
	s->client = client;
	pthread_mutex_init(&s->id_lock, NULL);
	pthread_cond_init(&s->id_cond, NULL);
	s->compliance_details = opt->compliance_details;
	s->member_role = strdup(opt->member_role && *opt->member_role ?
				opt->member_role : SRC_DEFAULT_MEMBER_ROLE);
	if (!s->member_role)
		goto fail;
	if (opt->external_id && *opt->external_id) {
		s->external_id = strdup(opt->external_id);
		if (!s->external_id)
			goto fail;
	}
	if (opt->partition && *opt->partition) {
		s->partition = strdup(opt->partition);
		if (!s->partition)
			goto fail;
	}
	if (opt->config_aggregator && *opt->config_aggregator) {
		s->config_aggregator = strdup(opt->config_aggregator);
		if (!s->config_aggregator)
			goto fail;
	}
	if (opt->config_aggregator_region && *opt->config_aggregator_region) {
		s->config_aggregator_region =
			strdup(opt->config_aggregator_region);
		if (!s->config_aggregator_region)
			goto fail;
	}
	if (opt->caller_account && is_account_id(opt->caller_account)) {
		snprintf(s->own_account, sizeof(s->own_account), "%s",
			 opt->caller_account);
		s->id_state = ID_KNOWN;
	}
	s->concurrency = opt->concurrency > 0 ? opt->concurrency :
			 SRC_AWS_DEFAULT_CONCURRENCY;
	if (s->concurrency > SRC_AWS_MAX_CONCURRENCY)
		s->concurrency = SRC_AWS_MAX_CONCURRENCY;
	s->profile = strdup(opt->profile ? opt->profile : "default");
	if (!s->profile)
		goto fail;
	if (opt->endpoint) {
		s->endpoint = strdup(opt->endpoint);
		if (!s->endpoint)
			goto fail;
	}
	if (opt->policy_types && opt->npolicy_types) {
		s->policy_types = calloc(opt->npolicy_types, sizeof(char *));
		if (!s->policy_types)
			goto fail;
		for (size_t i = 0; i < opt->npolicy_types; i++) {
			s->policy_types[i] = strdup(opt->policy_types[i]);
			if (!s->policy_types[i])
				goto fail;
			s->npolicy_types = i + 1;
		}
	}
	return &s->base;
fail:
	aws_destroy(&s->base);
	return NULL;
}
