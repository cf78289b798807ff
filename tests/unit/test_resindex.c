/* test_resindex.c - the org-wide resource snapshot and tag index, on the
 * demo source through a real struct org */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "buf.h"
#include "demo.h"
#include "memtrim.h"
#include "model.h"
#include "org.h"
#include "owner.h"
#include "resindex.h"
#include "source.h"

#define NACCOUNTS 16
#define SEED 7
#define NREADERS 8

static char r_use1[] = "us-east-1", r_euw1[] = "eu-west-1",
	    r_aps1[] = "ap-south-1";
/* two demo regions and one where the demo has no resources */
static char *regions[] = { r_use1, r_euw1, r_aps1 };
#define NREGIONS (sizeof(regions) / sizeof(regions[0]))

/* ---- a demo source wrapped: one account fails, list_accounts gated */

struct wrap {
	struct org_source base;
	struct org_source *in;
	char fail_account[32];          /* "": none */
	pthread_mutex_t m;
	pthread_cond_t cv;
	int gated;                      /* list_accounts waits while set */
	int account_lists;
};

static struct wrap *W(struct org_source *s)
{
	return (struct wrap *)s;
}

static int w_describe_org(struct org_source *s, struct org_info **out,
			  struct aws_error *err)
{
	return W(s)->in->ops->describe_org(W(s)->in, out, err);
}

static int w_list_accounts(struct org_source *s, struct org_accounts **out,
			   struct aws_error *err)
{
	struct wrap *w = W(s);

	pthread_mutex_lock(&w->m);
	w->account_lists++;
	while (w->gated)
		pthread_cond_wait(&w->cv, &w->m);
	pthread_mutex_unlock(&w->m);
	return w->in->ops->list_accounts(w->in, out, err);
}

static int w_list_roots(struct org_source *s, struct org_roots **out,
			struct aws_error *err)
{
	return W(s)->in->ops->list_roots(W(s)->in, out, err);
}

static int w_walk_hierarchy(struct org_source *s,
			    const struct org_roots *roots,
			    struct org_hier **out, struct aws_error *err)
{
	return W(s)->in->ops->walk_hierarchy(W(s)->in, roots, out, err);
}

static int w_list_tags(struct org_source *s, const char *id,
		       struct org_tags **out, struct aws_error *err)
{
	return W(s)->in->ops->list_tags(W(s)->in, id, out, err);
}

static int w_list_policies(struct org_source *s,
			   const struct org_roots *roots,
			   struct org_policies **out, struct aws_error *err)
{
	return W(s)->in->ops->list_policies(W(s)->in, roots, out, err);
}

static int w_describe_policy(struct org_source *s, const char *id,
			     struct org_policy **out, struct aws_error *err)
{
	return W(s)->in->ops->describe_policy(W(s)->in, id, out, err);
}

static int w_list_resources(struct org_source *s, const char *account,
			    const char *region, struct org_resources **out,
			    struct aws_error *err)
{
	if (!strcmp(account, W(s)->fail_account)) {
		aws_error_set(err, EIO, "InternalFailure", "injected for %s",
			      account);
		return -EIO;
	}
	return W(s)->in->ops->list_resources(W(s)->in, account, region, out,
					      err);
}

static int w_effective_tag_policy(struct org_source *s, const char *account,
				  struct org_document **out,
				  struct aws_error *err)
{
	return W(s)->in->ops->effective_tag_policy(W(s)->in, account, out,
						    err);
}

static int w_config_compliance(struct org_source *s, const char *account,
			       const char *region,
			       struct org_config_rules **out,
			       struct aws_error *err)
{
	return W(s)->in->ops->config_compliance(W(s)->in, account, region,
						 out, err);
}

static void w_describe(struct org_source *s, struct buf *out)
{
	W(s)->in->ops->describe(W(s)->in, out);
}

static void w_destroy(struct org_source *s)
{
	struct wrap *w = W(s);

	w->in->ops->destroy(w->in);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->m);
	free(w);
}

static const struct org_source_ops wrap_ops = {
	.name = "demo",
	.describe_org = w_describe_org,
	.list_roots = w_list_roots,
	.list_accounts = w_list_accounts,
	.walk_hierarchy = w_walk_hierarchy,
	.list_tags = w_list_tags,
	.list_policies = w_list_policies,
	.describe_policy = w_describe_policy,
	.list_resources = w_list_resources,
	.effective_tag_policy = w_effective_tag_policy,
	.config_compliance = w_config_compliance,
	.describe = w_describe,
	.destroy = w_destroy,
};

static struct wrap *wrap_new(void)
{
	struct wrap *w = calloc(1, sizeof(*w));

	ck_assert_ptr_nonnull(w);
	w->base.ops = &wrap_ops;
	w->in = demo_source_new(NACCOUNTS, SEED);
	ck_assert_ptr_nonnull(w->in);
	pthread_mutex_init(&w->m, NULL);
	pthread_cond_init(&w->cv, NULL);
	return w;
}

static void gate(struct wrap *w, int on)
{
	pthread_mutex_lock(&w->m);
	w->gated = on;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->m);
}

/* ---- the org under test */

static uint64_t now_ms = 1000;

static uint64_t fake_clock(void)
{
	return __atomic_load_n(&now_ms, __ATOMIC_SEQ_CST);
}

static void set_clock(uint64_t ms)
{
	__atomic_store_n(&now_ms, ms, __ATOMIC_SEQ_CST);
}

#define TTL_MS 60000

/* The owner tag keys, set as the FUSE layer sets them (org_config.owners
 * NULL takes a default the org writes on every use) */
static struct owner_config owners;

static struct org_config base_cfg(void)
{
	struct org_config oc;
	char msg[256];
	int k;

	if (!owners.keys)
		ck_assert_int_eq(owner_config_parse(OWNER_TAGS_DEFAULT, 0,
						    &owners, msg, sizeof(msg)),
				 0);
	memset(&oc, 0, sizeof(oc));
	oc.owners = &owners;
	for (k = 0; k < ORG_NKINDS; k++)
		oc.ttl_ms[k] = 300000;
	oc.ttl_ms[ORG_TAGS] = TTL_MS;           /* the shortest */
	oc.error_ttl_ms = 5000;
	oc.workers = 2;
	return oc;
}

static struct org *org_on(struct org_source *src, struct org_config *oc)
{
	struct org *o = org_new(src, oc);

	ck_assert_ptr_nonnull(o);
	return o;
}

/* ---- what the source lists directly */

/* Each readable account's resources, in the walk's order; accounts
 * whose listing fails are counted. */
struct expect {
	struct org_accounts *acc;
	struct org_resources **slices;  /* per account and region; NULL:
					   failed or not readable */
	struct resindex_row *rows;      /* r into slices; owner malloc'd */
	size_t n;
	unsigned unreadable;
};

static int readable(const struct org_account *a)
{
	return !strcmp(a->state, "ACTIVE");
}

static void expect_add(struct expect *e, struct org *o,
		       const struct org_resources *sl)
{
	size_t j;

	e->rows = realloc(e->rows, (e->n + sl->n) * sizeof(*e->rows));
	ck_assert_ptr_nonnull(e->rows);
	for (j = 0; j < sl->n; j++) {
		struct owner_result acct = { 0 };
		struct aws_error err;
		char *owner, *source;
		time_t fetched;
		int stale;

		ck_assert_int_eq(org_owner_of(o, sl->v[j].account, "/test",
					      &acct, &fetched, &stale, &err),
				 0);
		ck_assert_int_eq(org_resource_owner(o, &sl->v[j], acct.value,
						    acct.source, &owner,
						    &source), 0);
		e->rows[e->n].r = &sl->v[j];
		e->rows[e->n++].owner = owner;
		free(source);
		owner_result_free(&acct);
	}
}

/* list the source directly; owners resolved by o (the owner module) */
static void expect_load(struct expect *e, struct org *o,
			const char *fail_account)
{
	struct wrap *w = wrap_new();
	struct org_source *s = &w->base;
	struct aws_error err;
	size_t i, k;

	memset(e, 0, sizeof(*e));
	if (fail_account)
		snprintf(w->fail_account, sizeof(w->fail_account), "%s",
			 fail_account);
	ck_assert_int_eq(s->ops->list_accounts(s, &e->acc, &err), 0);
	e->slices = calloc(e->acc->n * NREGIONS, sizeof(*e->slices));
	ck_assert_ptr_nonnull(e->slices);
	for (i = 0; i < e->acc->n; i++) {
		int bad = 0;

		if (!readable(&e->acc->v[i]))
			continue;
		for (k = 0; k < NREGIONS; k++) {
			struct org_resources **sl = &e->slices[i * NREGIONS + k];

			if (s->ops->list_resources(s, e->acc->v[i].id,
						   regions[k], sl, &err)) {
				*sl = NULL;
				bad = 1;
				continue;
			}
			expect_add(e, o, *sl);
		}
		e->unreadable += bad;
	}
	s->ops->destroy(s);
}

static void expect_free(struct expect *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free((char *)e->rows[i].owner);
	free(e->rows);
	for (i = 0; i < e->acc->n * NREGIONS; i++)
		org_resources_free(e->slices[i]);
	free(e->slices);
	org_accounts_free(e->acc);
}

static void same_owner(const char *got, const char *want, const char *arn)
{
	if (!want)
		ck_assert_msg(!got, "%s: owner %s, want none", arn, got);
	else
		ck_assert_msg(got && !strcmp(got, want), "%s: owner %s, want %s",
			      arn, got ? got : "(none)", want);
}

/* s has e's rows, in order, each attributed to its account */
static void check_rows(const struct resindex_snap *s, const struct expect *e)
{
	struct nameset arns = { 0 };
	size_t j;

	ck_assert_uint_eq(s->n, e->n);
	ck_assert_uint_eq(s->unreadable, e->unreadable);
	for (j = 0; j < s->n; j++) {
		const struct org_resource *r = s->rows[j].r, *w = e->rows[j].r;

		ck_assert_str_eq(r->arn, w->arn);
		ck_assert_str_eq(r->account, w->account);
		ck_assert_str_eq(r->region, w->region);
		ck_assert_str_eq(r->service, w->service);
		ck_assert_str_eq(r->type, w->type);
		same_owner(s->rows[j].owner, e->rows[j].owner, r->arn);
		/* every resource once */
		ck_assert_int_eq(nameset_add(&arns, r->arn), 1);
	}
	nameset_free(&arns);
}

START_TEST(test_rows)
{
	struct org_config oc = base_cfg();
	struct org *o = org_on(demo_source_new(NACCOUNTS, SEED), &oc);
	struct resindex *x = resindex_new(o, regions, NREGIONS, 0);
	struct resindex_stats st;
	struct resindex_snap *s;
	struct aws_error err;
	struct expect e;
	size_t nowner = 0, j;

	ck_assert_ptr_nonnull(x);
	aws_error_clear(&err);
	s = resindex_get(x, "/resources.tsv", &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(err.err, 0);
	expect_load(&e, o, NULL);
	ck_assert_uint_gt(e.n, 100);
	check_rows(s, &e);
	for (j = 0; j < s->n; j++)
		nowner += s->rows[j].owner != NULL;
	/* the demo has both, owned and not (its tagging gaps) */
	ck_assert_uint_gt(nowner, 0);
	ck_assert_uint_lt(nowner, s->n);
	ck_assert_int_gt(s->mtime, 0);
	ck_assert_int_eq(s->stale, 0);

	resindex_stats(x, &st);
	ck_assert_uint_eq(st.builds, 1);
	ck_assert_uint_eq(st.resources, e.n);
	ck_assert_uint_eq(st.unreadable, e.unreadable);
	ck_assert_uint_eq(st.slices_done, st.slices_total);
	ck_assert_uint_gt(st.slices_total, 0);
	ck_assert_uint_eq(st.slices_total % NREGIONS, 0);
	ck_assert_uint_eq(st.waiting, 0);

	expect_free(&e);
	resindex_put(s);
	resindex_free(x);
	org_free(o);
}
END_TEST

/* ---- the aggregator: one organization-wide listing */

static int list_all(void *arg, struct org_resources **out,
		    struct aws_error *err)
{
	struct org_source *s = demo_source_new(NACCOUNTS, SEED);
	struct org_resources *all = calloc(1, sizeof(*all));
	struct org_accounts *a;
	size_t i, k;

	(void)arg;
	ck_assert_ptr_nonnull(all);
	ck_assert_int_eq(s->ops->list_accounts(s, &a, err), 0);
	for (i = 0; i < a->n; i++) {
		for (k = 0; k < NREGIONS; k++) {
			struct org_resources *sl;

			if (s->ops->list_resources(s, a->v[i].id, regions[k],
						   &sl, err))
				continue;
			/* move the resources over */
			if (sl->n) {
				all->v = realloc(all->v, (all->n + sl->n) *
							 sizeof(*all->v));
				ck_assert_ptr_nonnull(all->v);
				memcpy(all->v + all->n, sl->v,
				       sl->n * sizeof(*sl->v));
				all->n += sl->n;
			}
			free(sl->v);
			free(sl);
		}
	}
	aws_error_clear(err);
	org_accounts_free(a);
	s->ops->destroy(s);
	*out = all;
	return 0;
}

/* The demo source with an organization-wide listing, as an aggregator's */
static struct org_source_ops agg_ops;

static int list_all_src(struct org_source *s, struct org_resources **out,
			struct aws_error *err)
{
	(void)s;
	return list_all(NULL, out, err);
}

START_TEST(test_aggregated)
{
	struct org_config oc = base_cfg();
	struct org_source *src;
	struct org *o;
	struct resindex *x;
	struct resindex_stats st;
	struct resindex_snap *s;
	struct org_resources *all;
	struct aws_error err;
	size_t j;

	src = demo_source_new(NACCOUNTS, SEED);
	ck_assert_ptr_nonnull(src);
	agg_ops = *src->ops;
	agg_ops.list_org_resources = list_all_src;
	src->ops = &agg_ops;
	o = org_on(src, &oc);
	x = resindex_new(o, regions, NREGIONS, 1);
	aws_error_clear(&err);
	s = resindex_get(x, "/resources.tsv", &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(list_all(NULL, &all, &err), 0);
	ck_assert_uint_eq(s->n, all->n);
	ck_assert_uint_eq(s->unreadable, 0);
	for (j = 0; j < s->n; j++)
		ck_assert_str_eq(s->rows[j].r->arn, all->v[j].arn);
	resindex_stats(x, &st);
	ck_assert_uint_eq(st.resources, all->n);
	ck_assert_uint_eq(st.slices_total, 0);
	org_resources_free(all);
	resindex_put(s);
	resindex_free(x);
	org_free(o);
}
END_TEST

/* ---- the tag index */

static int has_tag(const struct org_resource *r, const char *k,
		   const char *v)
{
	size_t i;

	for (i = 0; i < r->tags.n; i++)
		if (!strcmp(r->tags.v[i].key, k) &&
		    !strcmp(r->tags.v[i].value, v))
			return 1;
	return 0;
}

/* resindex_tagged(k, v) against a scan of every row */
static void check_tag(struct resindex_snap *s, const char *k, const char *v)
{
	const uint32_t *rows;
	size_t n, j, m = 0;

	ck_assert_int_eq(resindex_tagged(s, k, v, &rows, &n), 0);
	for (j = 0; j < s->n; j++) {
		if (!has_tag(s->rows[j].r, k, v))
			continue;
		ck_assert_msg(m < n, "%s=%s: row %zu missing", k, v, j);
		ck_assert_uint_eq(rows[m], j);
		m++;
	}
	ck_assert_uint_eq(m, n);
	ck_assert(n ? rows != NULL : rows == NULL);
}

START_TEST(test_tags)
{
	struct org_config oc = base_cfg();
	struct org *o = org_on(demo_source_new(NACCOUNTS, SEED), &oc);
	struct resindex *x = resindex_new(o, regions, NREGIONS, 0);
	struct nameset seen = { 0 };
	struct resindex_snap *s;
	struct aws_error err;
	const uint32_t *rows;
	size_t j, k, n, pairs = 0;
	char pair[1024];

	aws_error_clear(&err);
	s = resindex_get(x, "/tags", &err);
	ck_assert_ptr_nonnull(s);
	for (j = 0; j < s->n; j++) {
		const struct org_tags *t = &s->rows[j].r->tags;

		for (k = 0; k < t->n; k++) {
			snprintf(pair, sizeof(pair), "%s\n%s", t->v[k].key,
				 t->v[k].value);
			if (nameset_add(&seen, pair) != 1)
				continue;
			check_tag(s, t->v[k].key, t->v[k].value);
			pairs++;
		}
	}
	ck_assert_uint_gt(pairs, 10);
	/* absent tags, and a key with another key's value */
	ck_assert_int_eq(resindex_tagged(s, "NoSuchKey", "x", &rows, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(rows);
	check_tag(s, "Owner", "NoSuchOwner");
	nameset_free(&seen);
	resindex_put(s);
	resindex_free(x);
	org_free(o);
}
END_TEST

START_TEST(test_nameset)
{
	struct nameset ns = { 0 };
	const char *a, *b;
	char name[32];
	int i;

	ck_assert_int_eq(nameset_intern(&ns, "alpha", &a), 1);
	ck_assert_int_eq(nameset_intern(&ns, "alpha", &b), 0);
	ck_assert_ptr_eq(a, b);
	ck_assert_str_eq(a, "alpha");
	/* past a few growths; every name kept once */
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ck_assert_int_eq(nameset_add(&ns, name), 1);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ck_assert_int_eq(nameset_add(&ns, name), 0);
	}
	ck_assert_uint_eq(ns.n, 1001);
	ck_assert_int_eq(nameset_intern(&ns, "alpha", &b), 0);
	ck_assert_ptr_eq(a, b);
	nameset_free(&ns);
}
END_TEST

/* ---- rebuilds */

static struct resindex_snap *get_ok(struct resindex *x)
{
	struct aws_error err;
	struct resindex_snap *s;

	aws_error_clear(&err);
	s = resindex_get(x, "/resources.tsv", &err);
	ck_assert_msg(s != NULL, "resindex_get: %s", err.message);
	return s;
}

static uint64_t builds(struct resindex *x)
{
	struct resindex_stats st;

	resindex_stats(x, &st);
	return st.builds;
}

/* A snapshot built on data that stays: the first build of a cold cache
 * installs data as it goes, so the data version it began at is gone by
 * its end and the next reader builds again (as the FUSE layer did). */
static struct resindex_snap *settled_get(struct resindex *x, struct org *o)
{
	resindex_put(get_ok(x));
	org_wait_idle(o);
	return get_ok(x);
}

START_TEST(test_rebuild)
{
	struct org_config oc = base_cfg();
	struct org *o;
	struct resindex *x;
	struct resindex_snap *s1, *s2, *s3;
	struct expect e;
	unsigned long trims;
	uint64_t b;

	set_clock(1000);
	oc.clock_ms = fake_clock;
	o = org_on(demo_source_new(NACCOUNTS, SEED), &oc);
	x = resindex_new(o, regions, NREGIONS, 0);
	expect_load(&e, o, NULL);
	s1 = settled_get(x, o);
	b = builds(x);
	ck_assert_uint_eq(b, 2);
	s2 = get_ok(x);
	ck_assert_ptr_eq(s1, s2);               /* kept, not built again */
	ck_assert_uint_eq(builds(x), b);
	resindex_put(s2);

	/* a new version of the data: built anew; the old one still reads */
	org_drop(o);
	s2 = get_ok(x);
	ck_assert_ptr_ne(s1, s2);
	ck_assert_uint_eq(builds(x), b + 1);
	check_rows(s1, &e);
	check_rows(s2, &e);
	resindex_put(s1);
	resindex_put(s2);

	/* the view TTL: the shortest of the org's */
	s2 = settled_get(x, o);
	b = builds(x);
	set_clock(1000 + TTL_MS - 1);
	s3 = get_ok(x);
	ck_assert_ptr_eq(s3, s2);
	resindex_put(s3);
	set_clock(1000 + TTL_MS);
	s3 = get_ok(x);
	ck_assert_ptr_ne(s3, s2);
	ck_assert_uint_eq(builds(x), b + 1);
	check_rows(s3, &e);
	resindex_put(s2);

	/* dropped: the pins go, and what the snapshot held is counted
	 * freed (memtrim) once the last reference goes */
	memtrim_set_threshold(1);
	trims = memtrim_count();
	resindex_drop(x);
	ck_assert_uint_eq(memtrim_count(), trims);      /* s3 still held */
	check_rows(s3, &e);
	resindex_put(s3);
	ck_assert_uint_gt(memtrim_count(), trims);
	b = builds(x);
	resindex_put(get_ok(x));
	ck_assert_uint_eq(builds(x), b + 1);

	expect_free(&e);
	resindex_free(x);
	org_free(o);
}
END_TEST

/* ---- an incomplete listing */

START_TEST(test_incomplete)
{
	struct org_config oc = base_cfg();
	struct wrap *w = wrap_new();
	struct org *o = org_on(&w->base, &oc);
	struct resindex *x = resindex_new(o, regions, NREGIONS, 0);
	struct resindex_stats st;
	struct resindex_snap *s;
	struct expect all, e;
	const char *victim = NULL;
	struct buf errs;
	char path[128];
	size_t i, j;

	/* the first account whose resources list */
	expect_load(&all, o, NULL);
	for (i = 0; i < all.acc->n && !victim; i++)
		if (all.slices[i * NREGIONS])
			victim = all.acc->v[i].id;
	ck_assert_ptr_nonnull(victim);
	snprintf(w->fail_account, sizeof(w->fail_account), "%s", victim);

	s = get_ok(x);
	expect_load(&e, o, victim);
	ck_assert_uint_eq(e.unreadable, all.unreadable + 1);
	check_rows(s, &e);
	for (j = 0; j < s->n; j++)
		ck_assert_str_ne(s->rows[j].r->account, victim);
	resindex_stats(x, &st);
	ck_assert_uint_eq(st.unreadable, e.unreadable);

	/* the failures are the org's errors (.orgfs/errors) */
	buf_init(&errs, 1 << 20);
	ck_assert_int_eq(org_render_errors(o, &errs), 0);
	snprintf(path, sizeof(path), "/accounts/%s/resources (%s)", victim,
		 r_aps1);
	ck_assert_msg(strstr(buf_str(&errs), path), "no %s in\n%s", path,
		      buf_str(&errs));
	ck_assert_ptr_nonnull(strstr(buf_str(&errs), "InternalFailure"));

	buf_free(&errs);
	expect_free(&e);
	expect_free(&all);
	resindex_put(s);
	resindex_free(x);
	org_free(o);
}
END_TEST

/* A listing the build cannot do without fails it: here the aggregator's,
 * on an org that has none */
START_TEST(test_failed_build)
{
	struct org_config oc = base_cfg();
	struct org *o = org_on(demo_source_new(NACCOUNTS, SEED), &oc);
	struct resindex *x = resindex_new(o, regions, NREGIONS, 1);
	struct resindex_snap *s;
	struct aws_error err;

	aws_error_clear(&err);
	s = resindex_get(x, "/resources.tsv", &err);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(err.err, ENOENT);
	ck_assert_str_eq(err.code, "NoAggregator");
	ck_assert_uint_eq(builds(x), 1);
	resindex_free(x);
	org_free(o);
}
END_TEST

/* ---- concurrent readers share one build */

struct reader {
	pthread_t t;
	struct resindex *x;
	struct resindex_snap *s;
	struct aws_error err;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	aws_error_clear(&r->err);
	r->s = resindex_get(r->x, "/resources.tsv", &r->err);
	return NULL;
}

/* NREADERS readers while the build is held at the account list: one
 * builds, the others wait for it and all read its snapshot */
static void run_readers(struct wrap *w, struct resindex *x,
			struct reader *r)
{
	struct resindex_stats st;
	int i, tries;

	gate(w, 1);
	for (i = 0; i < NREADERS; i++) {
		r[i].x = x;
		ck_assert_int_eq(pthread_create(&r[i].t, NULL, reader_main,
						&r[i]), 0);
	}
	for (tries = 0; tries < 30000; tries++) {
		resindex_stats(x, &st);
		if (st.waiting == NREADERS - 1)
			break;
		usleep(1000);
	}
	ck_assert_int_eq(st.waiting, NREADERS - 1);
	gate(w, 0);
	for (i = 0; i < NREADERS; i++)
		pthread_join(r[i].t, NULL);
	ck_assert_uint_eq(builds(x), 1);
	for (i = 0; i < NREADERS; i++) {
		ck_assert_ptr_nonnull(r[i].s);
		ck_assert_ptr_eq(r[i].s, r[0].s);
	}
}

/* Two gets in a row on settled data: @return the builds they made */
static uint64_t builds_of_two(struct resindex *x, struct org *o)
{
	uint64_t b;

	resindex_put(settled_get(x, o));
	b = builds(x);
	resindex_put(get_ok(x));
	resindex_put(get_ok(x));
	return builds(x) - b;
}

START_TEST(test_shared_build)
{
	struct org_config oc = base_cfg();
	struct wrap *w = wrap_new();
	struct org *o = org_on(&w->base, &oc);
	struct resindex *x = resindex_new(o, regions, NREGIONS, 0);
	struct reader r[NREADERS] = { 0 };
	struct expect e;
	int i;

	run_readers(w, x, r);
	ck_assert_int_eq(w->account_lists, 1);
	expect_load(&e, o, NULL);
	check_rows(r[0].s, &e);
	for (i = 0; i < NREADERS; i++)
		resindex_put(r[i].s);
	/* kept for the next reader */
	ck_assert_uint_eq(builds_of_two(x, o), 0);
	expect_free(&e);
	resindex_free(x);
	org_free(o);
}
END_TEST

/* Too big to keep (over half the cache's cap): handed to the readers
 * that waited, then let go of */
START_TEST(test_handoff)
{
	struct org_config oc = base_cfg();
	struct wrap *w;
	struct org *o;
	struct resindex *x;
	struct reader r[NREADERS] = { 0 };
	struct expect e;
	int i;

	oc.max_bytes = 4096;
	w = wrap_new();
	o = org_on(&w->base, &oc);
	x = resindex_new(o, regions, NREGIONS, 0);
	run_readers(w, x, r);
	expect_load(&e, o, NULL);
	check_rows(r[0].s, &e);
	for (i = 0; i < NREADERS; i++)
		resindex_put(r[i].s);
	/* not kept: each reader walks again */
	ck_assert_uint_eq(builds_of_two(x, o), 2);
	expect_free(&e);
	resindex_free(x);
	org_free(o);
}
END_TEST

/* Many readers, data changing under them: every snapshot read is whole */
struct churn {
	struct resindex *x;
	size_t want;
	int rounds;
	int bad;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	int i;

	for (i = 0; i < c->rounds; i++) {
		struct aws_error err;
		struct resindex_snap *s;
		const uint32_t *rows;
		size_t n;

		aws_error_clear(&err);
		s = resindex_get(c->x, "/resources.tsv", &err);
		if (!s || s->n != c->want ||
		    resindex_tagged(s, "Owner", "x", &rows, &n))
			__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
		resindex_put(s);
	}
	return NULL;
}

START_TEST(test_stress)
{
	struct org_config oc = base_cfg();
	struct org *o = org_on(demo_source_new(NACCOUNTS, SEED), &oc);
	struct resindex *x = resindex_new(o, regions, NREGIONS, 0);
	struct churn c = { .x = x, .rounds = 40 };
	pthread_t t[NREADERS];
	struct resindex_snap *s = get_ok(x);
	int i;

	c.want = s->n;
	resindex_put(s);
	for (i = 0; i < NREADERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, churn_main, &c),
				 0);
	for (i = 0; i < 20; i++) {
		org_drop(o);
		if (i % 3 == 0)
			resindex_drop(x);
		usleep(2000);
	}
	for (i = 0; i < NREADERS; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(c.bad, 0);
	resindex_free(x);
	org_free(o);
}
END_TEST

static Suite *resindex_suite(void)
{
	Suite *s = suite_create("resindex");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_nameset);
	tcase_add_test(tc, test_rows);
	tcase_add_test(tc, test_aggregated);
	tcase_add_test(tc, test_tags);
	tcase_add_test(tc, test_rebuild);
	tcase_add_test(tc, test_incomplete);
	tcase_add_test(tc, test_failed_build);
	tcase_add_test(tc, test_shared_build);
	tcase_add_test(tc, test_handoff);
	tcase_add_test(tc, test_stress);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(resindex_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
