/* source_hier.c - the aws source's roots and hierarchy: ListRoots, and
 * walk_hierarchy, every root and OU listed breadth first by parallel
 * workers (see source_aws.h); list_parent, one child's parent (ListParents) */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "endpoint.h"
#include "ids.h"
#include "model.h"
#include "source_aws_priv.h"
#include "source_list.h"

/* ---- roots ---- */

static int parse_policy_types(struct source_list *l, json_t *list,
			      struct org_policy_type **out, size_t *nout)
{
	struct org_policy_type *v;
	size_t n = 0;
	json_t *it;
	size_t i;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return source_list_malformed(l, "PolicyTypes is not a list");
	v = calloc(json_array_size(list) + 1, sizeof(*v));
	if (!v)
		return source_list_nomem(l);
	json_array_foreach(list, i, it) {
		const char *type, *status;
		json_error_t je;

		if (json_unpack_ex(it, &je, 0, "{s:s, s:s}", "Type", &type,
				   "Status", &status)) {
			rc = source_list_malformed(l, "policy type: %s", je.text);
			break;
		}
		v[n].type = strdup(type);
		v[n].status = strdup(status);
		n++;
		if (!v[n - 1].type || !v[n - 1].status) {
			rc = source_list_nomem(l);
			break;
		}
	}
	if (rc == 0) {
		*out = v;
		*nout = n;
		return 0;
	}
	for (size_t j = 0; j < n; j++) {
		free(v[j].type);
		free(v[j].status);
	}
	free(v);
	return rc;
}

static int parse_root(struct source_list *l, json_t *it, void *slot)
{
	struct org_root *nr = slot;
	json_t *arn = NULL, *name = NULL, *types = NULL;
	const char *id, *sarn, *sname;
	json_error_t je;
	int rc;

	if (json_unpack_ex(it, &je, 0, "{s:s, s?o, s?o, s?o}", "Id", &id,
			   "Arn", &arn, "Name", &name, "PolicyTypes", &types))
		return source_list_malformed(l, "root: %s", je.text);
	if (source_opt_str(arn, &sarn) || source_opt_str(name, &sname))
		return source_list_malformed(l, "root %s: Arn or Name is not a string",
					     id);
	/* no skipping a root: everything hangs from it */
	if ((rc = source_check_id(l, "root", "Id", id, ids_is_root)) ||
	    (rc = source_check_id(l, "root", "Arn", sarn, ids_is_org_arn)))
		return rc;
	rc = parse_policy_types(l, types, &nr->types, &nr->ntypes);
	if (rc < 0)
		return rc;
	nr->id = strdup(id);
	nr->arn = strdup(sarn);
	nr->name = strdup(sname);
	if (!nr->id || !nr->arn || !nr->name)
		return source_list_nomem(l);
	return 0;
}

static const struct source_list_op list_roots_op =
	ORG_LIST_OP("ListRoots", "Roots", struct org_root, parse_root);

int aws_list_roots(struct org_source *src, struct org_roots **out,
		   struct aws_error *err)
{
	struct org_roots *r = calloc(1, sizeof(*r));
	struct source_list l = { .op = &list_roots_op };
	int rc;

	*out = NULL;
	aws_error_clear(err);
	if (!r)
		return orgs_nomem(err, "ListRoots");
	l.vec = &r->v;
	l.n = &r->n;
	rc = source_list_run(&l, to_aws(src)->client, NULL, err, "{s:i}",
			     "MaxResults", SRC_AWS_PAGE_SIZE);
	if (rc == 0 && r->n == 0)
		rc = orgs_malformed(err, "ListRoots", "the organization has no root");
	if (rc < 0) {
		org_roots_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* ---- list_parent ---- */

/* The Id and Type of a child or parent (what: "child", "parent") */
static int unpack_id_type(struct source_list *l, json_t *it, const char *what,
			  const char **id, const char **type)
{
	json_error_t je;

	if (json_unpack_ex(it, &je, 0, "{s:s, s:s}", "Id", id, "Type", type))
		return source_list_malformed(l, "%s: %s", what, je.text);
	return 0;
}

static int parse_parent(struct source_list *l, json_t *it, void *slot)
{
	char **parent = slot;
	const char *id, *type;
	int rc;

	if ((rc = unpack_id_type(l, it, "parent", &id, &type)))
		return rc;
	if (!strcmp(type, "ROOT"))
		rc = source_check_id(l, "parent", "Id", id, ids_is_root);
	else if (!strcmp(type, "ORGANIZATIONAL_UNIT"))
		rc = source_check_id(l, "parent", "Id", id, ids_is_ou);
	else
		return source_list_malformed(l, "parent %s is a %s, not a ROOT or ORGANIZATIONAL_UNIT",
					     id, type);
	if (rc)
		return rc;
	*parent = strdup(id);
	if (!*parent)
		return source_list_nomem(l);
	return 0;
}

static const struct source_list_op list_parents_op =
	ORG_LIST_OP("ListParents", "Parents", char *, parse_parent);

int aws_list_parent(struct org_source *src, const char *id, char **out,
		    struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	char **v = NULL;
	size_t n = 0;
	struct source_list l = { .op = &list_parents_op, .vec = &v, .n = &n };
	int rc;

	*out = NULL;
	aws_error_clear(err);
	rc = source_list_run(&l, s->client, NULL, err, "{s:s}", "ChildId", id);
	if (rc == 0 && n != 1)
		rc = orgs_malformed(err, "ListParents",
				    "%s has %zu parents, not one", id, n);
	if (rc == 0) {
		*out = v[0];
		v[0] = NULL;
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}

/* ---- walk_hierarchy ---- */

/* What one parent's two listings found. */
struct parent_job {
	size_t nous;
	struct org_ou *ous;             /* parent_id left NULL */
	size_t nkids;
	char **kids;                    /* account ids */
	struct org_skipped skipped;     /* what both listings left out */
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
	for (size_t i = 0; i < j->nkids; i++)
		free(j->kids[i]);
	free(j->kids);
	org_skipped_free(&j->skipped);
	memset(j, 0, sizeof(*j));
}

static int parse_ou(struct source_list *l, json_t *it, void *slot)
{
	struct org_ou *ou = slot;
	json_t *arn = NULL, *name = NULL;
	const char *id, *sarn, *sname;
	json_error_t je;
	int rc;

	if (json_unpack_ex(it, &je, 0, "{s:s, s?o, s?o}", "Id", &id,
			   "Arn", &arn, "Name", &name))
		return source_list_malformed(l, "organizational unit: %s",
					     je.text);
	if (source_opt_str(arn, &sarn) || source_opt_str(name, &sname))
		return source_list_malformed(l, "organizational unit %s: Arn or Name is not a string",
					     id);
	if ((rc = source_check_id(l, "organizational unit", "Id", id, ids_is_ou)) ||
	    (rc = source_check_id(l, "organizational unit", "Arn", sarn,
				  ids_is_org_arn)))
		return rc;
	{
		char **dst[] = { &ou->id, &ou->arn, &ou->name };
		const char *const srcs[] = { id, sarn, sname };

		if (source_dup_all(dst, srcs, 3))
			return source_list_nomem(l);
	}
	return 0;
}

static int parse_child(struct source_list *l, json_t *it, void *slot)
{
	char **kid = slot;
	const char *id, *type;
	int rc;

	if ((rc = unpack_id_type(l, it, "child", &id, &type)))
		return rc;
	rc = source_check_id(l, "child", "Id", id, ids_is_account);
	if (rc)
		return rc;
	if (strcmp(type, "ACCOUNT"))
		return source_list_malformed(l, "child %s is a %s, not an ACCOUNT",
					     id, type);
	*kid = strdup(id);
	if (!*kid)
		return source_list_nomem(l);
	return 0;
}

static const struct source_list_op list_ous_op =
	ORG_LIST_OP("ListOrganizationalUnitsForParent", "OrganizationalUnits",
		    struct org_ou, parse_ou);
static const struct source_list_op list_children_op =
	ORG_LIST_OP("ListChildren", "Children", char *, parse_child);

/* Both listings of one parent; no lock held. */
static int list_parent(struct aws_source *s, const char *parent,
		       struct parent_job *j, struct aws_error *err)
{
	struct source_list ous = { .op = &list_ous_op, .vec = &j->ous,
				   .n = &j->nous, .skipped = &j->skipped };
	struct source_list kids = { .op = &list_children_op, .vec = &j->kids,
				    .n = &j->nkids, .skipped = &j->skipped };
	int rc;

	rc = source_list_run(&ous, s->client, NULL, err, "{s:s, s:i}",
			     "ParentId", parent, "MaxResults",
			     SRC_AWS_PAGE_SIZE);
	if (rc < 0)
		return rc;
	return source_list_run(&kids, s->client, NULL, err, "{s:s, s:s, s:i}",
			       "ParentId", parent, "ChildType", "ACCOUNT",
			       "MaxResults", SRC_AWS_PAGE_SIZE);
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

	if (org_skipped_merge(&h->skipped, &j->skipped))
		return orgs_nomem(err, "ListChildren");
	for (size_t i = 0; i < j->nous; i++) {
		/* a reply naming a known OU again would loop forever */
		for (size_t k = 0; k < h->nous; k++) {
			if (!strcmp(h->ous[k].id, j->ous[i].id))
				return orgs_malformed(err, "ListOrganizationalUnitsForParent",
						 "organizational unit %s listed under %s and %s",
						 j->ous[i].id,
						 h->ous[k].parent_id ? h->ous[k].parent_id : "no parent",
						 parent);
		}
		if (source_grow((void **)&h->ous, &w->ous_cap, h->nous, sizeof(*h->ous)))
			return orgs_nomem(err, "ListOrganizationalUnitsForParent");
		j->ous[i].parent_id = strdup(parent);
		if (!j->ous[i].parent_id)
			return orgs_nomem(err, "ListOrganizationalUnitsForParent");
		h->ous[h->nous++] = j->ous[i];
		memset(&j->ous[i], 0, sizeof(j->ous[i]));
	}
	for (size_t i = 0; i < j->nkids; i++) {
		struct org_parent_link *l;

		if (source_grow((void **)&h->links, &w->links_cap, h->nlinks, sizeof(*h->links)))
			return orgs_nomem(err, "ListChildren");
		l = &h->links[h->nlinks];
		l->parent_id = strdup(parent);
		if (!l->parent_id)
			return orgs_nomem(err, "ListChildren");
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
			return orgs_malformed(err, "ListChildren",
					 "account %s listed under %s and %s",
					 h->links[i].child_id,
					 h->links[i - 1].parent_id,
					 h->links[i].parent_id);
	}
	return 0;
}

int aws_walk_hierarchy(struct org_source *src, const struct org_roots *roots,
		       struct org_hier **out, struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	pthread_t tids[SRC_AWS_MAX_CONCURRENCY];
	int nthreads = 0;
	struct walk w;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	memset(&w, 0, sizeof(w));
	w.s = s;
	w.h = calloc(1, sizeof(*w.h));
	if (w.h)
		w.h->ous = calloc(roots->n ? roots->n : 1, sizeof(*w.h->ous));
	if (!w.h || !w.h->ous) {
		org_hier_free(w.h);
		return orgs_nomem(err, "ListRoots");
	}
	w.ous_cap = roots->n;
	for (size_t i = 0; i < roots->n; i++) {
		struct org_ou *ou = &w.h->ous[w.h->nous++];

		ou->id = strdup(roots->v[i].id);
		ou->arn = strdup(roots->v[i].arn);
		ou->name = strdup(roots->v[i].name);
		if (!ou->id || !ou->arn || !ou->name) {
			org_hier_free(w.h);
			return orgs_nomem(err, "ListRoots");
		}
	}

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


