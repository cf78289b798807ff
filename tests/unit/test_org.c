/* test_org.c - the org core: every kind through the cache, single flight,
 * TTLs on the test clock, remembered failures, drops, change callbacks
 * and the org-wide index, on the demo source and on a fake one */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "demo.h"
#include "org.h"
#include "owner.h"
#include "strpool.h"

/* The test clock, read by cache threads, advanced by the test. */
static uint64_t now_ms;

static uint64_t fake_clock(void)
{
	return __atomic_load_n(&now_ms, __ATOMIC_SEQ_CST);
}

static void set_clock(uint64_t ms)
{
	__atomic_store_n(&now_ms, ms, __ATOMIC_SEQ_CST);
}

/*
 * The fake source: one root r-root, one OU ou-a ("Apps", tagged
 * Team=apps), account 111111111111 "alpha" in ou-a (no tags) and
 * 222222222222 "beta" under the root (Owner=bob, Rev=<version>).
 * Each operation counts its calls under the kind it serves; fail[k] makes
 * it fail with that -errno, and while bit k of gate is set it waits.
 */
static struct {
	struct org_source base;
	pthread_mutex_t m;
	pthread_cond_t cv;
	int calls[ORG_NKINDS];
	int fail[ORG_NKINDS];
	unsigned gate;
	int version;            /* in 222222222222's tags */
	int destroyed;
	int changes;            /* on_change calls */
	char last_key[64];      /* account/region of the last slice call */
	int names_denied;       /* describe_principal: the store refused */
} fk = { .m = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static int fk_calls(enum org_kind k)
{
	int n;

	pthread_mutex_lock(&fk.m);
	n = fk.calls[k];
	pthread_mutex_unlock(&fk.m);
	return n;
}

static void fk_set(int *field, int v)
{
	pthread_mutex_lock(&fk.m);
	*field = v;
	pthread_mutex_unlock(&fk.m);
}

static void fk_gate(unsigned gate)
{
	pthread_mutex_lock(&fk.m);
	fk.gate = gate;
	pthread_cond_broadcast(&fk.cv);
	pthread_mutex_unlock(&fk.m);
}

static int enter(enum org_kind k, struct aws_error *err)
{
	int rc;

	pthread_mutex_lock(&fk.m);
	fk.calls[k]++;
	while (fk.gate & (1u << k))
		pthread_cond_wait(&fk.cv, &fk.m);
	rc = fk.fail[k];
	pthread_mutex_unlock(&fk.m);
	if (rc)
		aws_error_set(err, -rc, "FakeDenied", "fake %s failure",
			      org_kind_name(k));
	return rc;
}

static char *xs(const char *s)
{
	char *p = strdup(s);

	ck_assert_ptr_nonnull(p);
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	ck_assert_ptr_nonnull(p);
	return p;
}

static int fk_describe_org(struct org_source *s, struct org_info **out,
			   struct aws_error *err)
{
	struct org_info *v;
	int rc = enter(ORG_INFO, err);

	(void)s;
	if (rc)
		return rc;
	v = xcalloc(1, sizeof(*v));
	v->id = xs("o-fake000001");
	v->arn = xs("arn:aws:organizations::111111111111:organization/o-fake000001");
	v->feature_set = xs("ALL");
	v->management_account_id = xs("111111111111");
	v->management_account_arn = xs("arn:aws:organizations::111111111111:account/o-fake000001/111111111111");
	v->management_account_email = xs("alpha@example.com");
	*out = v;
	return 0;
}

static int fk_list_roots(struct org_source *s, struct org_roots **out,
			 struct aws_error *err)
{
	struct org_roots *v;
	int rc = enter(ORG_ROOTS, err);

	(void)s;
	if (rc)
		return rc;
	v = xcalloc(1, sizeof(*v));
	v->v = xcalloc(1, sizeof(*v->v));
	v->n = 1;
	v->v[0].id = xs("r-root");
	v->v[0].arn = xs("arn:aws:organizations::111111111111:root/o-fake000001/r-root");
	v->v[0].name = xs("Root");
	v->v[0].types = xcalloc(1, sizeof(*v->v[0].types));
	v->v[0].ntypes = 1;
	v->v[0].types[0].type = xs("SERVICE_CONTROL_POLICY");
	v->v[0].types[0].status = xs("ENABLED");
	*out = v;
	return 0;
}

static void account_set(struct org_account *a, const char *id,
			const char *name)
{
	a->id = xs(id);
	a->arn = xs("arn:aws:organizations::111111111111:account");
	a->name = xs(name);
	a->email = xs("x@example.com");
	a->state = xs("ACTIVE");
	a->joined_method = xs("CREATED");
}

static int fk_list_accounts(struct org_source *s, struct org_accounts **out,
			    struct aws_error *err)
{
	struct org_accounts *v;
	int rc = enter(ORG_ACCOUNTS, err);

	(void)s;
	if (rc)
		return rc;
	v = xcalloc(1, sizeof(*v));
	v->v = xcalloc(2, sizeof(*v->v));
	v->n = 2;
	account_set(&v->v[0], "111111111111", "alpha");
	account_set(&v->v[1], "222222222222", "beta");
	*out = v;
	return 0;
}

static void ou_set(struct org_ou *u, const char *id, const char *name,
		   const char *parent)
{
	u->id = xs(id);
	u->arn = xs("arn:aws:organizations::111111111111:ou");
	u->name = xs(name);
	u->parent_id = parent ? xs(parent) : NULL;
}

static int fk_walk_hierarchy(struct org_source *s,
			     const struct org_roots *roots,
			     struct org_hier **out, struct aws_error *err)
{
	struct org_hier *v;
	int rc = enter(ORG_HIER, err);

	(void)s;
	ck_assert_str_eq(roots->v[0].id, "r-root");
	if (rc)
		return rc;
	v = xcalloc(1, sizeof(*v));
	v->ous = xcalloc(2, sizeof(*v->ous));
	v->nous = 2;
	ou_set(&v->ous[0], "r-root", "Root", NULL);
	ou_set(&v->ous[1], "ou-a", "Apps", "r-root");
	v->links = xcalloc(2, sizeof(*v->links));
	v->nlinks = 2;
	v->links[0].child_id = xs("111111111111");
	v->links[0].parent_id = xs("ou-a");
	v->links[1].child_id = xs("222222222222");
	v->links[1].parent_id = xs("r-root");
	*out = v;
	return 0;
}

static void tag_add(struct org_tags *t, const char *key, const char *value)
{
	t->v[t->n].key = xs(key);
	t->v[t->n].value = xs(value);
	t->n++;
}

static int fk_list_tags(struct org_source *s, const char *id,
			struct org_tags **out, struct aws_error *err)
{
	struct org_tags *v;
	char rev[16];
	int rc = enter(ORG_TAGS, err);

	(void)s;
	if (rc)
		return rc;
	v = xcalloc(1, sizeof(*v));
	v->v = xcalloc(2, sizeof(*v->v));
	if (!strcmp(id, "ou-a"))
		tag_add(v, "Team", "apps");
	if (!strcmp(id, "222222222222")) {
		pthread_mutex_lock(&fk.m);
		snprintf(rev, sizeof(rev), "%d", fk.version);
		pthread_mutex_unlock(&fk.m);
		tag_add(v, "Owner", "bob");
		tag_add(v, "Rev", rev);
	}
	*out = v;
	return 0;
}

/* ListParents of fk_walk_hierarchy's tree */
static int fk_list_parent(struct org_source *s, const char *id, char **out,
			  struct aws_error *err)
{
	int rc = enter(ORG_PARENT, err);

	(void)s;
	if (rc)
		return rc;
	*out = xs(!strcmp(id, "111111111111") ? "ou-a" : "r-root");
	return 0;
}

static void summary_set(struct org_policy_summary *p)
{
	p->id = xs("p-fake0001");
	p->arn = xs("arn:aws:organizations::111111111111:policy/p-fake0001");
	p->name = xs("FullAWSAccess");
	p->type = xs("SERVICE_CONTROL_POLICY");
	p->description = xs("");
}

static int fk_list_policies(struct org_source *s,
			    const struct org_roots *roots,
			    struct org_policies **out, struct aws_error *err)
{
	struct org_policies *v;
	int rc = enter(ORG_POLICIES, err);

	(void)s;
	ck_assert_uint_eq(roots->n, 1);
	if (rc)
		return rc;
	v = xcalloc(1, sizeof(*v));
	v->v = xcalloc(1, sizeof(*v->v));
	v->n = 1;
	summary_set(&v->v[0]);
	*out = v;
	return 0;
}

static int fk_describe_policy(struct org_source *s, const char *id,
			      struct org_policy **out, struct aws_error *err)
{
	struct org_policy *v;
	int rc = enter(ORG_POLICY, err);

	(void)s;
	if (rc)
		return rc;
	ck_assert_str_eq(id, "p-fake0001");
	v = xcalloc(1, sizeof(*v));
	summary_set(&v->summary);
	v->content = xs("{}");
	*out = v;
	return 0;
}

static void last_key(const char *account, const char *region)
{
	pthread_mutex_lock(&fk.m);
	snprintf(fk.last_key, sizeof(fk.last_key), "%s|%s", account, region);
	pthread_mutex_unlock(&fk.m);
}

static struct org_resources *one_resource(const char *account,
					  const char *region)
{
	struct org_resources *v = xcalloc(1, sizeof(*v));
	struct org_resource *r;

	v->v = xcalloc(1, sizeof(*v->v));
	v->n = 1;
	r = &v->v[0];
	r->arn = xs("arn:aws:sqs:eu-west-1:111111111111:q");
	r->service = xs("sqs");
	r->region = xs(region);
	r->account = xs(account);
	r->type = xs("");
	r->id = xs("q");
	r->compliance = xs("");
	return v;
}

static int fk_list_resources(struct org_source *s, const char *account,
			     const char *region, struct org_resources **out,
			     struct aws_error *err)
{
	int rc = enter(ORG_RESOURCES, err);

	(void)s;
	if (rc)
		return rc;
	last_key(account, region);
	*out = one_resource(account, region);
	return 0;
}

/* Every account has us-east-1 and eu-west-1 enabled */
static int fk_list_regions(struct org_source *s, const char *account,
			   struct org_regions **out, struct aws_error *err)
{
	struct org_regions *r;
	int rc = enter(ORG_REGIONS, err);

	(void)s;
	(void)account;
	if (rc)
		return rc;
	r = calloc(1, sizeof(*r));
	ck_assert_ptr_nonnull(r);
	r->v = calloc(2, sizeof(*r->v));
	ck_assert_ptr_nonnull(r->v);
	r->v[0] = strdup("eu-west-1");
	r->v[1] = strdup("us-east-1");
	r->n = 2;
	*out = r;
	return 0;
}

static int fk_effective_tag_policy(struct org_source *s,
				   const char *account_id,
				   struct org_document **out,
				   struct aws_error *err)
{
	struct org_document *v;
	int rc = enter(ORG_EFFPOL, err);

	(void)s;
	(void)account_id;
	if (rc)
		return rc;
	v = xcalloc(1, sizeof(*v));
	v->present = 1;
	v->text = xs("{}");
	*out = v;
	return 0;
}

static int fk_config_compliance(struct org_source *s, const char *account_id,
				const char *region,
				struct org_config_rules **out,
				struct aws_error *err)
{
	int rc = enter(ORG_CONFIG, err);

	(void)s;
	if (rc)
		return rc;
	last_key(account_id, region);
	*out = xcalloc(1, sizeof(**out));
	(*out)->enabled = 1;
	return 0;
}

static int fk_list_org_resources(struct org_source *s,
				 struct org_resources **out,
				 struct aws_error *err)
{
	int rc = enter(ORG_ORGRES, err);

	ck_assert_ptr_eq(s, &fk.base);
	if (rc)
		return rc;
	*out = one_resource("111111111111", "eu-west-1");
	return 0;
}

static void fk_describe(struct org_source *s, struct buf *out)
{
	(void)s;
	buf_puts(out, "fake");
}

static void fk_destroy(struct org_source *s)
{
	ck_assert_ptr_eq(s, &fk.base);
	fk.destroyed++;
}

/* One permission set, provisioned in 111111111111 */
static int fk_list_access_psets(struct org_source *s, struct org_access **out,
				struct aws_error *err)
{
	struct org_access *a;
	int rc = enter(ORG_PSETS, err);

	(void)s;
	if (rc)
		return rc;
	a = xcalloc(1, sizeof(*a));
	a->present = 1;
	a->instance_arn = strdup("arn:aws:sso:::instance/ssoins-1");
	a->identity_store_id = strdup("d-1");
	a->npsets = 1;
	a->psets = xcalloc(1, sizeof(*a->psets));
	a->psets[0].arn = strdup("arn:aws:sso:::permissionSet/ssoins-1/ps-1");
	a->psets[0].name = strdup("ReadOnly");
	a->psets[0].description = strdup("");
	a->psets[0].session_duration = strdup("PT1H");
	a->psets[0].inline_policy = strdup("");
	a->psets[0].naccounts = 1;
	a->psets[0].accounts = xcalloc(1, sizeof(char *));
	a->psets[0].accounts[0] = strdup("111111111111");
	ck_assert_int_eq(org_access_finish(a), 0);
	*out = a;
	return 0;
}

/* ... held there by group g-1 */
static int fk_list_account_access(struct org_source *s, const char *instance,
				  const char *account, char *const *arns,
				  size_t n, struct org_account_access **out,
				  struct aws_error *err)
{
	struct org_account_access *x;
	int rc = enter(ORG_ACCOUNT_ACCESS, err);

	(void)s;
	if (rc)
		return rc;
	ck_assert_str_eq(instance, "arn:aws:sso:::instance/ssoins-1");
	x = xcalloc(1, sizeof(*x));
	if (!strcmp(account, "111111111111")) {
		ck_assert_uint_eq(n, 1);
		x->v = xcalloc(1, sizeof(*x->v));
		x->v[0].pset_arn = strdup(arns[0]);
		x->v[0].principal_id = strdup("g-1");
		x->n = 1;
	} else {
		ck_assert_uint_eq(n, 0);
	}
	*out = x;
	return 0;
}

/* g-1 is payments, u-1 ann@example.com; fk.names_denied: refused */
static int fk_describe_principal(struct org_source *s, const char *store,
				 int user, const char *id,
				 struct org_principal **out,
				 struct aws_error *err)
{
	struct org_principal *u;
	int rc = enter(ORG_PRINCIPAL, err);

	(void)s;
	if (rc)
		return rc;
	ck_assert_str_eq(store, "d-1");
	if (fk.names_denied) {
		aws_error_set(err, EACCES, "AccessDeniedException", "denied");
		snprintf(err->operation, sizeof(err->operation),
			 "identitystore:%s", user ? "DescribeUser" :
			 "DescribeGroup");
		return -EACCES;
	}
	u = xcalloc(1, sizeof(*u));
	u->id = strdup(id);
	u->name = strdup(!user && !strcmp(id, "g-1") ? "payments" :
			 user && !strcmp(id, "u-1") ? "ann@example.com" : "");
	*out = u;
	return 0;
}

/* Two users in group g-1 of store d-1, one named */
static int fk_list_members(struct org_source *s, const char *store,
			   const char *group, struct org_members **out,
			   struct aws_error *err)
{
	struct org_members *m;
	int rc = enter(ORG_MEMBERS, err);

	(void)s;
	if (rc)
		return rc;
	ck_assert_str_eq(store, "d-1");
	ck_assert_str_eq(group, "g-1");
	m = xcalloc(1, sizeof(*m));
	m->user_ids = xcalloc(3, sizeof(char *));
	m->user_ids[m->n++] = strdup("u-2");
	m->user_ids[m->n++] = strdup("u-1");
	m->user_ids[m->n++] = strdup("u-2");
	org_members_sort(m);
	ck_assert_uint_eq(m->n, 2);
	ck_assert_str_eq(m->user_ids[0], "u-1");
	*out = m;
	return 0;
}

static const struct org_source_ops fake_ops = {
	.name = "fake",
	.describe_org = fk_describe_org,
	.list_roots = fk_list_roots,
	.list_accounts = fk_list_accounts,
	.walk_hierarchy = fk_walk_hierarchy,
	.list_parent = fk_list_parent,
	.list_tags = fk_list_tags,
	.list_policies = fk_list_policies,
	.describe_policy = fk_describe_policy,
	.list_resources = fk_list_resources,
	.list_regions = fk_list_regions,
	.effective_tag_policy = fk_effective_tag_policy,
	.config_compliance = fk_config_compliance,
	.list_org_resources = fk_list_org_resources,
	.list_access_psets = fk_list_access_psets,
	.list_account_access = fk_list_account_access,
	.list_members = fk_list_members,
	.describe_principal = fk_describe_principal,
	.describe = fk_describe,
	.destroy = fk_destroy,
};

/* Without the optional operations. */
static const struct org_source_ops bare_ops = {
	.name = "bare",
	.describe_org = fk_describe_org,
	.list_roots = fk_list_roots,
	.list_accounts = fk_list_accounts,
	.walk_hierarchy = fk_walk_hierarchy,
	.list_tags = fk_list_tags,
	.list_policies = fk_list_policies,
	.describe_policy = fk_describe_policy,
	.describe = fk_describe,
	.destroy = fk_destroy,
};

static void setup(void)
{
	memset(fk.calls, 0, sizeof(fk.calls));
	memset(fk.fail, 0, sizeof(fk.fail));
	fk.gate = 0;
	fk.version = 1;
	fk.destroyed = 0;
	fk.changes = 0;
	fk.last_key[0] = '\0';
	set_clock(1000);
}

static void on_change(void *arg)
{
	ck_assert_ptr_eq(arg, &fk);
	pthread_mutex_lock(&fk.m);
	fk.changes++;
	pthread_mutex_unlock(&fk.m);
}

static struct org_config base_cfg(void)
{
	struct org_config cfg;
	int k;

	memset(&cfg, 0, sizeof(cfg));
	for (k = 0; k < ORG_NKINDS; k++)
		cfg.ttl_ms[k] = 60000;
	cfg.error_ttl_ms = 500;
	cfg.max_stale_ms = 600000;
	cfg.workers = 2;
	cfg.on_change = on_change;
	cfg.on_change_arg = &fk;
	cfg.clock_ms = fake_clock;
	return cfg;
}

static struct org *fake_org(const struct org_source_ops *ops,
			    const struct org_config *cfg)
{
	struct org *o;

	fk.base.ops = ops;
	o = org_new(&fk.base, cfg);
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_eq(org_source(o), &fk.base);
	return o;
}

static void free_fake_org(struct org *o)
{
	org_free(o);
	ck_assert_int_eq(fk.destroyed, 1);
}

/* The value of one "name\tvalue" line of .orgfs/status. */
static unsigned long long status_value(struct org *o, const char *name)
{
	struct buf b;
	const char *p;
	size_t len = strlen(name);
	unsigned long long v = ~0ULL;

	buf_init(&b, 1 << 16);
	ck_assert_int_eq(org_render_status(o, &b), 0);
	for (p = buf_str(&b); p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == '\t') {
			v = strtoull(p + len + 1, NULL, 10);
			break;
		}
	buf_free(&b);
	ck_assert_uint_ne(v, ~0ULL);
	return v;
}

static void get_ok(struct org *o, enum org_kind k, const char *key,
		   struct cache_ref *ref)
{
	struct aws_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(org_get(o, k, key, "/t", ref, &err) == 0,
		      "%s %s: %s", org_kind_name(k), key, err.message);
	ck_assert_ptr_nonnull(ref->data);
}

static void get_fails(struct org *o, enum org_kind k, const char *key,
		      int rc, const char *code, const char *message)
{
	struct cache_ref ref = { 0 };
	struct aws_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(org_get(o, k, key, "/t", &ref, &err), rc);
	ck_assert_ptr_null(ref.entry);
	ck_assert_int_eq(err.err, -rc);
	ck_assert_str_eq(err.code, code);
	ck_assert_str_eq(err.message, message);
}

/* Each kind's key, as the tree asks for it (the fake's ids). */
static const char *const fake_keys[ORG_NKINDS] = {
	[ORG_INFO] = "", [ORG_ACCOUNTS] = "", [ORG_HIER] = "",
	[ORG_TAGS] = "222222222222", [ORG_POLICIES] = "",
	[ORG_POLICY] = "p-fake0001", [ORG_RESOURCES] = "111111111111/eu-west-1",
	[ORG_ORGRES] = "", [ORG_EFFPOL] = "111111111111",
	[ORG_CONFIG] = "222222222222/us-east-1", [ORG_ACCESS] = "",
	[ORG_INDEX] = "",
	[ORG_REGIONS] = "111111111111",
	[ORG_MEMBERS] = "d-1/g-1", [ORG_PRINCIPAL] = "d-1/USER/u-1",
	[ORG_PSETS] = "", [ORG_ACCOUNT_ACCESS] = "111111111111",
	[ORG_PARENT] = "111111111111", [ORG_ROOTS] = "",
	[ORG_ACCESS_DIGEST] = "",
};

START_TEST(test_kind_names)
{
	int k;

	for (k = 0; k < ORG_NKINDS; k++)
		ck_assert_str_ne(org_kind_name(k), "?");
	ck_assert_str_eq(org_kind_name(ORG_TAGS), "tags");
	ck_assert_str_eq(org_kind_name(ORG_HIER), "ous");
	ck_assert_str_eq(org_kind_name(ORG_ORGRES), "resources (aggregator)");
	ck_assert_str_eq(org_kind_name(ORG_NKINDS), "?");
}
END_TEST

/* Every kind is fetched once, then answered from the cache. */
START_TEST(test_fetch_once)
{
	struct org_config cfg = base_cfg();
	struct cache_ref refs[ORG_NKINDS] = { { 0 } };
	struct cache_ref again;
	struct org *o;
	int k;

	o = fake_org(&fake_ops, &cfg);
	for (k = 0; k < ORG_NKINDS; k++)
		get_ok(o, k, fake_keys[k], &refs[k]);
	for (k = 0; k < ORG_NKINDS; k++) {
		get_ok(o, k, fake_keys[k], &again);
		ck_assert_ptr_eq(again.data, refs[k].data);
		ck_assert_int_eq(again.stale, 0);
		ck_assert_int_eq(again.expired, 0);
		org_put(o, &again);
	}
	ck_assert_int_eq(fk_calls(ORG_INFO), 1);
	ck_assert_int_eq(fk_calls(ORG_ACCOUNTS), 1);
	ck_assert_int_eq(fk_calls(ORG_HIER), 1);
	/* one ListRoots for the organization, hierarchy and policies */
	ck_assert_int_eq(fk_calls(ORG_ROOTS), 1);
	ck_assert_str_eq(((const struct org_info *)
			  refs[ORG_INFO].data)->types[0].type,
			 "SERVICE_CONTROL_POLICY");
	/* 222222222222's, then the index's crawl of the three others */
	ck_assert_int_eq(fk_calls(ORG_TAGS), 4);
	ck_assert_int_eq(fk_calls(ORG_POLICIES), 1);
	ck_assert_int_eq(fk_calls(ORG_POLICY), 1);
	ck_assert_int_eq(fk_calls(ORG_RESOURCES), 1);
	ck_assert_int_eq(fk_calls(ORG_ORGRES), 1);
	ck_assert_int_eq(fk_calls(ORG_EFFPOL), 1);
	ck_assert_int_eq(fk_calls(ORG_CONFIG), 1);
	/* ORG_ACCESS is built from the others, through the cache */
	ck_assert_int_eq(fk_calls(ORG_ACCESS), 0);
	ck_assert_int_eq(fk_calls(ORG_PSETS), 1);
	ck_assert_int_eq(fk_calls(ORG_ACCOUNT_ACCESS), 1);
	ck_assert_str_eq(((const struct org_access *)
			  refs[ORG_ACCESS].data)->v[0].principal_name,
			 "payments");
	ck_assert_int_eq(fk_calls(ORG_MEMBERS), 1);
	/* group g-1 for ORG_ACCESS, user u-1 asked */
	ck_assert_int_eq(fk_calls(ORG_PRINCIPAL), 2);
	ck_assert_str_eq(((const struct org_principal *)
			  refs[ORG_PRINCIPAL].data)->name, "ann@example.com");
	ck_assert_str_eq(fk.last_key, "222222222222|us-east-1");
	ck_assert_uint_eq(((const struct org_resources *)
			   refs[ORG_RESOURCES].data)->n, 1);
	ck_assert_str_eq(((const struct org_resources *)
			  refs[ORG_RESOURCES].data)->v[0].region, "eu-west-1");
	ck_assert_str_eq(((const struct org_info *)refs[ORG_INFO].data)->id,
			 "o-fake000001");
	/* + the index crawl's tags of 3, + group g-1 named for ORG_ACCESS */
	ck_assert_uint_eq(status_value(o, "cache_entries"), ORG_NKINDS + 4);
	ck_assert_uint_eq(status_value(o, "crawl_runs"), 1);
	ck_assert_uint_eq(status_value(o, "crawl_objects_done"), 4);
	ck_assert_uint_eq(status_value(o, "crawl_objects_total"), 4);
	ck_assert_int_eq(fk.changes, 0);
	for (k = 0; k < ORG_NKINDS; k++)
		org_put(o, &refs[k]);
	free_fake_org(o);
}
END_TEST

#define NTHREADS 16

struct getter {
	pthread_t t;
	struct org *o;
	int rc;
	struct aws_error err;
	struct cache_ref ref;
};

static void *getter_main(void *arg)
{
	struct getter *g = arg;

	g->rc = org_get(g->o, ORG_ACCOUNTS, "", "/accounts", &g->ref,
			&g->err);
	return NULL;
}

/* N threads asking at once for a missing value share one fetch. */
static void single_flight(int fail)
{
	struct org_config cfg = base_cfg();
	struct getter g[NTHREADS];
	struct org *o = fake_org(&fake_ops, &cfg);
	const void *first;
	int i;

	memset(g, 0, sizeof(g));
	fk_set(&fk.fail[ORG_ACCOUNTS], fail);
	fk_gate(1u << ORG_ACCOUNTS);
	for (i = 0; i < NTHREADS; i++) {
		g[i].o = o;
		ck_assert_int_eq(pthread_create(&g[i].t, NULL, getter_main,
						 &g[i]), 0);
	}
	while (status_value(o, "cache_misses") < NTHREADS)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	ck_assert_int_eq(fk_calls(ORG_ACCOUNTS), 1);
	fk_gate(0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(g[i].t, NULL);
	ck_assert_int_eq(fk_calls(ORG_ACCOUNTS), 1);
	first = g[0].ref.data;
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(g[i].rc, fail);
		if (fail) {
			ck_assert_ptr_null(g[i].ref.entry);
			ck_assert_str_eq(g[i].err.code, "FakeDenied");
			continue;
		}
		ck_assert_ptr_eq(g[i].ref.data, first);
		org_put(o, &g[i].ref);
	}
	/* every failed get is recorded for .orgfs/errors */
	ck_assert_uint_eq(status_value(o, "errors_recorded"),
			  fail ? NTHREADS : 0);
	free_fake_org(o);
}

START_TEST(test_single_flight)
{
	single_flight(0);
}
END_TEST

START_TEST(test_single_flight_error)
{
	single_flight(-EACCES);
}
END_TEST

/* Past its TTL a value is served at once while one refresh runs; a
 * refresh with new content calls on_change, one with the same does not. */
START_TEST(test_ttl_refresh)
{
	struct org_config cfg = base_cfg();
	struct cache_ref ref = { 0 }, r2 = { 0 };
	struct org *o;
	uint64_t gen;

	cfg.ttl_ms[ORG_TAGS] = 1000;
	o = fake_org(&fake_ops, &cfg);
	get_ok(o, ORG_TAGS, "222222222222", &ref);
	ck_assert_int_eq(fk_calls(ORG_TAGS), 1);
	set_clock(1999);
	get_ok(o, ORG_TAGS, "222222222222", &r2);
	ck_assert_int_eq(r2.expired, 0);
	org_put(o, &r2);
	ck_assert_int_eq(fk_calls(ORG_TAGS), 1);

	/* expired, same content: refetched, no change */
	gen = org_generation(o);
	set_clock(2500);
	get_ok(o, ORG_TAGS, "222222222222", &r2);
	ck_assert_ptr_eq(r2.data, ref.data);
	ck_assert_int_eq(r2.expired, 1);
	org_put(o, &r2);
	org_wait_idle(o);
	ck_assert_int_eq(fk_calls(ORG_TAGS), 2);
	ck_assert_int_eq(fk.changes, 0);
	ck_assert_uint_eq(org_generation(o), gen);

	/* expired, new content: on_change, a new generation, new data */
	fk_set(&fk.version, 2);
	set_clock(4000);
	get_ok(o, ORG_TAGS, "222222222222", &r2);
	org_put(o, &r2);
	org_wait_idle(o);
	ck_assert_int_eq(fk_calls(ORG_TAGS), 3);
	ck_assert_int_eq(fk.changes, 1);
	ck_assert_uint_gt(org_generation(o), gen);
	get_ok(o, ORG_TAGS, "222222222222", &r2);
	ck_assert_ptr_ne(r2.data, ref.data);
	ck_assert_str_eq(((const struct org_tags *)r2.data)->v[1].value, "2");
	/* the pinned old value outlives its replacement */
	ck_assert_str_eq(((const struct org_tags *)ref.data)->v[1].value, "1");
	org_put(o, &r2);
	org_put(o, &ref);
	free_fake_org(o);
}
END_TEST

/* A failure is answered from the cache for error_ttl, with its error,
 * and recorded for .orgfs/errors; then the next get fetches again. */
START_TEST(test_error_ttl)
{
	struct org_config cfg = base_cfg();
	struct cache_ref ref = { 0 };
	struct buf b;
	struct org *o = fake_org(&fake_ops, &cfg);

	fk_set(&fk.fail[ORG_POLICIES], -EACCES);
	get_fails(o, ORG_POLICIES, "", -EACCES, "FakeDenied",
		  "fake policies failure");
	ck_assert_int_eq(fk_calls(ORG_POLICIES), 1);
	ck_assert_int_eq(org_peek(o, ORG_POLICIES, "", &ref), -EACCES);
	fk_set(&fk.fail[ORG_POLICIES], 0);
	set_clock(1499);
	get_fails(o, ORG_POLICIES, "", -EACCES, "FakeDenied",
		  "fake policies failure");
	ck_assert_int_eq(fk_calls(ORG_POLICIES), 1);
	ck_assert_uint_eq(status_value(o, "errors_recorded"), 2);

	buf_init(&b, 1 << 16);
	ck_assert_int_eq(org_render_errors(o, &b), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&b),
		"\t/t\t\tFakeDenied\tPermission denied\tfake policies failure\t\n"));
	buf_free(&b);

	set_clock(1600);
	get_ok(o, ORG_POLICIES, "", &ref);
	ck_assert_int_eq(fk_calls(ORG_POLICIES), 2);
	org_put(o, &ref);
	free_fake_org(o);
}
END_TEST

/* org_drop forgets everything: the next get fetches again. */
START_TEST(test_drop)
{
	struct org_config cfg = base_cfg();
	struct cache_ref ref = { 0 }, pinned = { 0 };
	struct org *o = fake_org(&fake_ops, &cfg);
	uint64_t gen;

	get_ok(o, ORG_ACCOUNTS, "", &pinned);
	get_ok(o, ORG_HIER, "", &ref);
	org_put(o, &ref);
	/* accounts, hierarchy and the roots it starts from */
	ck_assert_uint_eq(status_value(o, "cache_entries"), 3);
	ck_assert_int_eq(org_peek(o, ORG_HIER, "", &ref), 0);
	org_put(o, &ref);
	gen = org_generation(o);
	org_drop(o);
	ck_assert_uint_gt(org_generation(o), gen);
	ck_assert_uint_eq(status_value(o, "cache_entries"), 0);
	ck_assert_int_eq(org_peek(o, ORG_HIER, "", &ref), -ENOENT);
	ck_assert_int_eq(org_peek(o, ORG_ACCOUNTS, "", &ref), -ENOENT);
	/* a value pinned before the drop stays readable */
	ck_assert_str_eq(((const struct org_accounts *)pinned.data)->v[0].name,
			 "alpha");
	get_ok(o, ORG_ACCOUNTS, "", &ref);
	ck_assert_ptr_ne(ref.data, pinned.data);
	ck_assert_int_eq(fk_calls(ORG_ACCOUNTS), 2);
	ck_assert_int_eq(fk.changes, 0);
	org_put(o, &ref);
	org_put(o, &pinned);
	free_fake_org(o);
}
END_TEST

/* Kinds the source cannot serve, and malformed keys. */
START_TEST(test_unsupported)
{
	struct org_config cfg = base_cfg();
	struct org *o = fake_org(&bare_ops, &cfg);

	get_fails(o, ORG_RESOURCES, "111111111111/eu-west-1", -ENOENT,
		  "NoResources", "this source lists no resources");
	get_fails(o, ORG_EFFPOL, "111111111111", -ENOENT, "NotSupported",
		  "this source has no effective policies");
	get_fails(o, ORG_CONFIG, "111111111111/eu-west-1", -ENOENT,
		  "NotSupported", "this source has no AWS Config data");
	get_fails(o, ORG_ORGRES, "", -ENOENT, "NoAggregator",
		  "no aggregator is configured");
	get_fails(o, ORG_ACCESS, "", -ENOENT, "NotSupported",
		  "this source has no Identity Center data");
	get_fails(o, ORG_MEMBERS, "d-1/g-1", -ENOENT, "NotSupported",
		  "this source has no Identity Center data");
	get_fails(o, ORG_PRINCIPAL, "d-1/USER/u-1", -ENOENT, "NotSupported",
		  "this source has no Identity Center data");
	get_fails(o, ORG_PSETS, "", -ENOENT, "NotSupported",
		  "this source has no Identity Center data");
	get_fails(o, ORG_ACCOUNT_ACCESS, "111111111111", -ENOENT,
		  "NotSupported", "this source has no Identity Center data");
	/* -ENOENT is an answer, not an error to record */
	ck_assert_uint_eq(status_value(o, "errors_recorded"), 0);
	free_fake_org(o);

	fk.destroyed = 0;
	o = fake_org(&fake_ops, &cfg);
	get_fails(o, ORG_RESOURCES, "111111111111", -EINVAL, "InternalError",
		  "bad resources key '111111111111'");
	get_fails(o, ORG_CONFIG, "1234567890123456789012345678901234/x",
		  -EINVAL, "InternalError",
		  "bad config key '1234567890123456789012345678901234/x'");
	ck_assert_int_eq(fk_calls(ORG_RESOURCES), 0);
	ck_assert_int_eq(fk_calls(ORG_CONFIG), 0);
	ck_assert_uint_eq(status_value(o, "errors_recorded"), 2);
	free_fake_org(o);
}
END_TEST

static void check_obj(const struct org_index *x, const char *id,
		      const char *kind, const char *label, const char *owner,
		      const char *source)
{
	const struct org_index_obj *ob = org_index_find(x, id);

	ck_assert_msg(ob != NULL, "%s not in the index", id);
	ck_assert_str_eq(ob->id, id);
	ck_assert_str_eq(ob->kind, kind);
	ck_assert_str_eq(ob->label, label);
	if (owner)
		ck_assert_str_eq(ob->owner, owner);
	else
		ck_assert_ptr_null(ob->owner);
	ck_assert_str_eq(ob->owner_source, source);
}

/* The org-wide index: every account and OU with its label, tags and
 * effective owner, sorted by id. */
START_TEST(test_index)
{
	struct org_config cfg = base_cfg();
	struct cache_ref ref = { 0 };
	const struct org_index *x;
	const struct org_index_obj *ob;
	struct owner_result r = { 0 };
	struct org *o = fake_org(&fake_ops, &cfg);
	time_t fetched;
	int stale;

	get_ok(o, ORG_INDEX, "", &ref);
	x = ref.data;
	ck_assert_uint_eq(x->n, 4);
	ck_assert_str_eq(x->v[0].id, "111111111111");
	ck_assert_str_eq(x->v[1].id, "222222222222");
	ck_assert_str_eq(x->v[2].id, "ou-a");
	ck_assert_str_eq(x->v[3].id, "r-root");
	check_obj(x, "111111111111", "account", "alpha", "apps",
		  "tag Team on ou ou-a (Root/Apps)");
	check_obj(x, "222222222222", "account", "beta", "bob",
		  "tag Owner on account 222222222222 (beta)");
	check_obj(x, "ou-a", "ou", "Root/Apps", "apps",
		  "tag Team on ou ou-a (Root/Apps)");
	check_obj(x, "r-root", "root", "Root", NULL, "none");
	ob = org_index_find(x, "222222222222");
	ck_assert_uint_eq(ob->tags.n, 2);
	ck_assert_str_eq(ob->tags.v[1].key, "Rev");
	/* packed: one block, the owner and the tags' strings pooled */
	for (size_t i = 0; i < x->n; i++) {
		const struct org_index_obj *p = &x->v[i];
		const char *pooled;

		ck_assert_ptr_nonnull(p->pack);
		ck_assert_ptr_eq(p->id, p->pack + p->tags.n *
				 sizeof(*p->tags.v));
		ck_assert_ptr_eq(p->label, p->id + strlen(p->id) + 1);
		ck_assert_ptr_eq(p->owner_source,
				 p->label + strlen(p->label) + 1);
		if (p->tags.n)
			ck_assert_ptr_eq(p->tags.v, (void *)p->pack);
		for (size_t k = 0; k < p->tags.n; k++) {
			pooled = strpool_get(p->tags.v[k].value, 1);
			ck_assert_ptr_eq(pooled, p->tags.v[k].value);
			strpool_put(pooled);
		}
		if (p->owner) {
			pooled = strpool_get(p->owner, 1);
			ck_assert_ptr_eq(pooled, p->owner);
			strpool_put(pooled);
		}
	}
	ck_assert_ptr_eq(org_index_find(x, "111111111111")->owner,
			 org_index_find(x, "ou-a")->owner);
	/* the tags value: its array follows it, its strings the pool's,
	 * the same as the index's */
	{
		struct cache_ref rt = { 0 };
		const struct org_tags *t;

		get_ok(o, ORG_TAGS, "222222222222", &rt);
		t = rt.data;
		ck_assert_uint_eq(t->n, 2);
		ck_assert_str_eq(t->v[1].key, "Rev");
		ck_assert_ptr_eq(t->v[1].key, ob->tags.v[1].key);
		ck_assert_ptr_eq(t->v[0].value, ob->tags.v[0].value);
		ck_assert((const char *)t->v > (const char *)t &&
			  (const char *)t->v < (const char *)t + 64);
		org_put(o, &rt);
	}
	ck_assert_uint_eq(org_index_find(x, "ou-a")->tags.n, 1);
	ck_assert_ptr_null(org_index_find(x, "333333333333"));
	ck_assert_int_eq(fk_calls(ORG_TAGS), 4);
	ck_assert_uint_eq(status_value(o, "crawl_running"), 0);

	/* the same owner without the crawl */
	ck_assert_int_eq(org_owner_of(o, "111111111111", "/t", &r, &fetched,
				      &stale, &(struct aws_error){ 0 }), 0);
	ck_assert_str_eq(r.value, "apps");
	ck_assert_str_eq(r.source, "tag Team on ou ou-a (Root/Apps)");
	ck_assert_int_eq(stale, 0);
	owner_result_free(&r);
	ck_assert_int_eq(org_owner_of(o, "999999999999", "/t", &r, &fetched,
				      &stale, &(struct aws_error){ 0 }), -ENOENT);
	org_put(o, &ref);
	free_fake_org(o);
}
END_TEST

/* An account's owner value asks only what it needs: its tags, then
 * (none there) ListParents and the parent's tags, never the hierarchy;
 * a cached hierarchy answers the parents; a source without ListParents
 * walks the hierarchy once. */
START_TEST(test_owner_value_lazy)
{
	struct org_config cfg = base_cfg();
	struct aws_error err = { 0 };
	struct cache_ref ref = { 0 };
	struct org *o = fake_org(&fake_ops, &cfg);
	time_t fetched;
	char *v;
	int stale;

	ck_assert_int_eq(org_owner_value(o, "111111111111", "/t", &v, &fetched,
					 &stale, &err), 0);
	ck_assert_str_eq(v, "apps");
	free(v);
	ck_assert_int_eq(fk_calls(ORG_TAGS), 2);
	ck_assert_int_eq(fk_calls(ORG_PARENT), 1);
	ck_assert_int_eq(fk_calls(ORG_HIER), 0);
	ck_assert_int_eq(stale, 0);
	ck_assert_int_ne(fetched, 0);
	/* an owner of its own: no parent asked */
	ck_assert_int_eq(org_owner_value(o, "222222222222", "/t", &v, &fetched,
					 &stale, &err), 0);
	ck_assert_str_eq(v, "bob");
	free(v);
	ck_assert_int_eq(fk_calls(ORG_PARENT), 1);
	/* nothing up to the root: none */
	ck_assert_int_eq(org_owner_value(o, "r-root", "/t", &v, &fetched,
					 &stale, &err), 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(fk_calls(ORG_PARENT), 1);
	/* a failing step fails the owner */
	fk_set(&fk.fail[ORG_PARENT], -EACCES);
	set_clock(2000);
	org_drop(o);
	ck_assert_int_eq(org_owner_value(o, "111111111111", "/t", &v, &fetched,
					 &stale, &err), -EACCES);
	ck_assert_ptr_null(v);
	fk_set(&fk.fail[ORG_PARENT], 0);
	/* the hierarchy at hand: no ListParents */
	org_drop(o);
	get_ok(o, ORG_HIER, "", &ref);
	org_put(o, &ref);
	ck_assert_int_eq(org_owner_value(o, "111111111111", "/t", &v, &fetched,
					 &stale, &err), 0);
	ck_assert_str_eq(v, "apps");
	free(v);
	ck_assert_int_eq(fk_calls(ORG_PARENT), 2);
	free_fake_org(o);

	/* no ListParents in the source: the hierarchy, once */
	fk.destroyed = 0;
	o = fake_org(&bare_ops, &cfg);
	ck_assert_int_eq(org_owner_value(o, "111111111111", "/t", &v, &fetched,
					 &stale, &err), 0);
	ck_assert_str_eq(v, "apps");
	free(v);
	ck_assert_int_eq(fk_calls(ORG_HIER), 2);
	free_fake_org(o);
}
END_TEST

/* An index that misses one object's tags is an error naming it. */
START_TEST(test_index_error)
{
	struct org_config cfg = base_cfg();
	struct cache_ref ref = { 0 };
	struct org *o = fake_org(&fake_ops, &cfg);

	fk_set(&fk.fail[ORG_TAGS], -EACCES);
	get_fails(o, ORG_INDEX, "", -EACCES, "FakeDenied",
		  "tags of account 111111111111: fake tags failure");
	ck_assert_uint_eq(status_value(o, "crawl_running"), 0);
	ck_assert_uint_eq(status_value(o, "crawl_objects_done"), 0);
	ck_assert_int_eq(org_peek(o, ORG_INDEX, "", &ref), -EACCES);
	/* the crawl's prefetches of the other objects may still be running:
	 * one that fails after the clock moves would stamp its error at 2000
	 * and be the answer of the next build */
	org_wait_idle(o);
	fk_set(&fk.fail[ORG_TAGS], 0);
	set_clock(2000);
	get_ok(o, ORG_INDEX, "", &ref);
	ck_assert_uint_eq(((const struct org_index *)ref.data)->n, 4);
	org_put(o, &ref);
	free_fake_org(o);
}
END_TEST

static void demo_key(char *out, size_t len, enum org_kind k,
		     const struct org_info *info,
		     const struct org_policies *pol)
{
	const char *acct = info->management_account_id;

	switch (k) {
	case ORG_TAGS:
	case ORG_EFFPOL:
	case ORG_REGIONS:
		snprintf(out, len, "%s", acct);
		break;
	case ORG_POLICY:
		snprintf(out, len, "%s", pol->v[0].id);
		break;
	case ORG_RESOURCES:
	case ORG_CONFIG:
		snprintf(out, len, "%s/us-east-1", acct);
		break;
	default:
		out[0] = '\0';
	}
}

/* The demo source through the org: every kind it has, and an index that
 * agrees with the owner walk. */
START_TEST(test_demo)
{
	struct org_config cfg = base_cfg();
	struct cache_ref refs[ORG_NKINDS] = { { 0 } };
	struct org_source *src = demo_source_new(40, 7);
	const struct org_accounts *a;
	const struct org_hier *h;
	const struct org_index *x;
	struct org *o;
	size_t i;
	int k;

	ck_assert_ptr_nonnull(src);
	cfg.on_change = NULL;
	o = org_new(src, &cfg);
	ck_assert_ptr_nonnull(o);
	get_ok(o, ORG_INFO, "", &refs[ORG_INFO]);
	get_ok(o, ORG_POLICIES, "", &refs[ORG_POLICIES]);
	for (k = 0; k < ORG_NKINDS; k++) {
		char key[128];

		if (k == ORG_ORGRES || k == ORG_PARENT || refs[k].entry)
			continue;
		demo_key(key, sizeof(key), k, refs[ORG_INFO].data,
			 refs[ORG_POLICIES].data);
		if (k == ORG_MEMBERS || k == ORG_PRINCIPAL) {
			/* a group of the assignments, a user of its */
			const struct org_access *ac = refs[ORG_ACCESS].data;
			const struct org_members *m = refs[ORG_MEMBERS].data;

			ck_assert_ptr_nonnull(ac);
			ck_assert_uint_gt(ac->n, 0);
			if (k == ORG_PRINCIPAL)
				ck_assert_uint_gt(m->n, 0);
			snprintf(key, sizeof(key), "%s/%s%s",
				 ac->identity_store_id,
				 k == ORG_PRINCIPAL ? "USER/" : "",
				 k == ORG_PRINCIPAL ? m->user_ids[0] :
				 ac->v[0].principal_id);
		}
		if (k == ORG_ACCOUNT_ACCESS)
			snprintf(key, sizeof(key), "%s",
				 ((const struct org_access *)
				  refs[ORG_ACCESS].data)->v[0].account);
		get_ok(o, k, key, &refs[k]);
	}
	get_fails(o, ORG_ORGRES, "", -ENOENT, "NoAggregator",
		  "no aggregator is configured");
	/* the demo's parents come from its hierarchy (org_owner_value) */
	get_fails(o, ORG_PARENT, "111111111111", -ENOENT, "NotSupported",
		  "this source lists no parents");
	a = refs[ORG_ACCOUNTS].data;
	h = refs[ORG_HIER].data;
	x = refs[ORG_INDEX].data;
	/* the assignments' strings are the pool's: one copy of each
	 * account, principal, name and label however often it is there */
	{
		const struct org_access *ac = refs[ORG_ACCESS].data;
		size_t n, j, same = 0;

		ck_assert_int_eq(ac->pooled, 1);
		for (n = 0; n < ac->n; n++) {
			const struct org_assignment *p = &ac->v[n];
			const char *acct = strpool_get(p->account, 1);

			ck_assert_ptr_eq(acct, p->account);
			strpool_put(acct);
			for (j = 0; j < n; j++) {
				const struct org_assignment *q = &ac->v[j];

				if (q->user != p->user ||
				    strcmp(q->principal_id, p->principal_id))
					continue;
				ck_assert_ptr_eq(q->principal_id,
						 p->principal_id);
				ck_assert_ptr_eq(q->principal_name,
						 p->principal_name);
				ck_assert_ptr_eq(q->label, p->label);
				same++;
			}
		}
		ck_assert_uint_gt(same, 0);
	}
	ck_assert_uint_eq(a->n, 40);
	ck_assert_uint_eq(x->n, a->n + h->nous);
	for (i = 1; i < x->n; i++)
		ck_assert_int_lt(strcmp(x->v[i - 1].id, x->v[i].id), 0);
	for (i = 0; i < x->n; i++) {
		struct owner_result r = { 0 };
		time_t fetched;
		int stale;

		ck_assert_int_eq(org_owner_of(o, x->v[i].id, "/t", &r, &fetched,
					      &stale, &(struct aws_error){ 0 }),
				 0);
		if (r.value)
			ck_assert_str_eq(x->v[i].owner, r.value);
		else
			ck_assert_ptr_null(x->v[i].owner);
		ck_assert_str_eq(x->v[i].owner_source, r.source);
		owner_result_free(&r);
	}
	for (i = 0; i < a->n; i++)
		ck_assert_str_eq(org_index_find(x, a->v[i].id)->label,
				 a->v[i].name);
	for (k = 0; k < ORG_NKINDS; k++)
		org_put(o, &refs[k]);
	org_free(o);
}
END_TEST

/* Names the identity store refused: the value is served (ids for names),
 * and .orgfs/errors says why, once per fetch */
START_TEST(test_access_names_denied)
{
	struct org_config cfg = base_cfg();
	struct cache_ref ref = { 0 };
	struct buf b;
	struct org *o;

	fk.names_denied = 1;
	o = fake_org(&fake_ops, &cfg);
	get_ok(o, ORG_ACCESS, "", &ref);
	ck_assert_str_eq(((const struct org_access *)ref.data)->v[0].label,
			 "g-1");
	org_put(o, &ref);
	ck_assert_uint_eq(status_value(o, "errors_recorded"), 1);
	buf_init(&b, 1 << 16);
	ck_assert_int_eq(org_render_errors(o, &b), 0);
	ck_assert_msg(strstr(buf_str(&b), "access\tidentitystore:DescribeGroup"
			     "\tAccessDeniedException"), "%s", buf_str(&b));
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "names of groups and users "
				     "are their ids"));
	buf_free(&b);
	fk.names_denied = 0;
	free_fake_org(o);
}
END_TEST

/* The digest owners/<o>/access.tsv reads: ORG_ACCESS built for it (every
 * account's listing and principal fetched and kept) but not kept itself
 * (issue 17.5: 40 MiB at 100,000 accounts); what it says of names
 * refused */
START_TEST(test_access_digest_keeps_no_view)
{
	struct org_config cfg = base_cfg();
	struct cache_ref ref = { 0 }, peek = { 0 };
	const struct org_access_digest *d;
	struct org *o;
	int denied;

	for (denied = 0; denied < 2; denied++) {
		fk.names_denied = denied;
		memset(fk.calls, 0, sizeof(fk.calls));
		o = fake_org(&fake_ops, &cfg);
		get_ok(o, ORG_ACCESS_DIGEST, "", &ref);
		d = ref.data;
		ck_assert_uint_eq(d->skipped, 0);
		ck_assert_int_eq(d->names_denied, denied);
		ck_assert_uint_eq(d->nshared, 0);
		ck_assert_int_eq(org_access_digest_shared(d, 0, "g-1"), 0);
		org_put(o, &ref);
		/* not kept: the organization-wide view */
		ck_assert_int_eq(org_peek(o, ORG_ACCESS, "", &peek), -ENOENT);
		/* kept: what it was built from, for the owners' rows */
		ck_assert_int_eq(org_peek(o, ORG_PSETS, "", &peek), 0);
		org_put(o, &peek);
		ck_assert_int_eq(org_peek(o, ORG_ACCOUNT_ACCESS,
					  "111111111111", &peek), 0);
		org_put(o, &peek);
		ck_assert_int_eq(fk_calls(ORG_ACCOUNT_ACCESS), 1);
		ck_assert_int_eq(fk_calls(ORG_PRINCIPAL), 1);
		free_fake_org(o);
		fk.destroyed = 0;
	}
	fk.names_denied = 0;
}
END_TEST

static Suite *org_suite(void)
{
	Suite *s = suite_create("org");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_fetch_once);
	tcase_add_test(tc, test_single_flight);
	tcase_add_test(tc, test_single_flight_error);
	tcase_add_test(tc, test_ttl_refresh);
	tcase_add_test(tc, test_error_ttl);
	tcase_add_test(tc, test_drop);
	tcase_add_test(tc, test_unsupported);
	tcase_add_test(tc, test_access_names_denied);
	tcase_add_test(tc, test_access_digest_keeps_no_view);
	tcase_add_test(tc, test_index);
	tcase_add_test(tc, test_index_error);
	tcase_add_test(tc, test_owner_value_lazy);
	tcase_add_test(tc, test_demo);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(org_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
