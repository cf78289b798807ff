/* test_demo.c - the built-in demo organization */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arn.h"
#include "aws.h"
#include "buf.h"
#include "demo.h"
#include "model.h"
#include "source.h"

/* Patterns from botocore's organizations model (aws-model-dump.txt),
 * anchored at both ends. */
#define P_ORG "o-[a-z0-9]{10,32}"
#define P_ROOT "r-[0-9a-z]{4,32}"
#define P_OU "ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"
#define P_ACCT "[0-9]{12}"
#define P_POLICY "p-[0-9a-zA-Z_]{8,128}"
#define P_ARN "arn:aws:organizations::[0-9]{12}:"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct demo_data {
	struct org_source *src;
	struct org_info *info;
	struct org_accounts *acc;
	struct org_hier *hier;
	struct org_policies *pol;
	struct org_roots *roots;
};

static void load(struct demo_data *d, unsigned n, unsigned seed)
{
	struct aws_error err;

	d->src = demo_source_new(n, seed);
	ck_assert_ptr_nonnull(d->src);
	ck_assert_int_eq(d->src->ops->describe_org(d->src, &d->info, &err), 0);
	ck_assert_int_eq(d->src->ops->list_accounts(d->src, &d->acc, &err), 0);
	ck_assert_int_eq(d->src->ops->list_roots(d->src, &d->roots, &err), 0);
	ck_assert_int_eq(d->src->ops->walk_hierarchy(d->src, d->roots,
						     &d->hier, &err), 0);
	ck_assert_int_eq(d->src->ops->list_policies(d->src, d->roots, &d->pol,
						    &err), 0);
}

static void unload(struct demo_data *d)
{
	org_info_free(d->info);
	org_accounts_free(d->acc);
	org_hier_free(d->hier);
	org_policies_free(d->pol);
	org_roots_free(d->roots);
	d->src->ops->destroy(d->src);
}

static struct org_tags *tags_of(struct org_source *s, const char *id)
{
	struct org_tags *t = NULL;
	struct aws_error err;

	ck_assert_msg(s->ops->list_tags(s, id, &t, &err) == 0,
		      "list_tags %s failed", id);
	return t;
}

static int matches(const char *re, const char *s)
{
	char full[512];
	regex_t rx;
	int res;

	snprintf(full, sizeof(full), "^(%s)$", re);
	ck_assert_int_eq(regcomp(&rx, full, REG_EXTENDED | REG_NOSUB), 0);
	res = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return res;
}

#define ck_match(re, s) \
	ck_assert_msg(matches(re, s), "\"%s\" does not match %s", s, re)

static const unsigned sizes[] = { 10, 11, 16, 50, 99, 100, 999, 1000, 4321 };

START_TEST(test_shape)
{
	unsigned n = sizes[_i];
	struct demo_data d;
	size_t i, nroots = 0;
	char re[256];

	load(&d, n, 1);
	ck_assert_uint_eq(d.acc->n, n);
	ck_assert_uint_eq(d.hier->nlinks, n);
	ck_match(P_ORG, d.info->id);
	snprintf(re, sizeof(re), P_ARN "organization/%s", d.info->id);
	ck_match(re, d.info->arn);
	ck_assert_str_eq(d.info->feature_set, "ALL");
	ck_assert_ptr_nonnull(org_accounts_find(d.acc,
						d.info->management_account_id));
	snprintf(re, sizeof(re), "arn:aws:organizations::%s:account/%s/%s",
		 d.info->management_account_id, d.info->id,
		 d.info->management_account_id);
	ck_assert_str_eq(d.info->management_account_arn, re);

	for (i = 0; i < d.acc->n; i++) {
		const struct org_account *a = &d.acc->v[i];

		if (i)
			ck_assert_int_lt(strcmp(d.acc->v[i - 1].id, a->id), 0);
		ck_match(P_ACCT, a->id);
		snprintf(re, sizeof(re), "arn:aws:organizations::%s:account/%s/%s",
			 d.info->management_account_id, d.info->id, a->id);
		ck_assert_str_eq(a->arn, re);
		ck_match("[^[:space:]@]+@[^[:space:]@]+\\.[^[:space:]@]+",
			 a->email);
		ck_assert_uint_ge(strlen(a->email), 6);
		ck_assert_uint_le(strlen(a->email), 64);
		ck_assert_uint_ge(strlen(a->name), 1);
		ck_assert_uint_le(strlen(a->name), 128);
		ck_match("ACTIVE|SUSPENDED|PENDING_CLOSURE|CLOSED", a->state);
		ck_match("CREATED|INVITED", a->joined_method);
		/* between the organization's creation and mid-2025 */
		ck_assert_int_ge(a->joined, 1457949731);
		ck_assert_int_le(a->joined, 1751241600 + 86400);
		/* every account's parent exists */
		ck_assert_msg(org_hier_find_ou(d.hier,
			      org_hier_parent_of(d.hier, a->id)) != NULL,
			      "parent of %s missing", a->id);
	}
	for (i = 0; i < d.hier->nous; i++) {
		const struct org_ou *o = &d.hier->ous[i];
		const struct org_ou *p = o;
		int depth = 0;

		if (!o->parent_id) {
			nroots++;
			ck_match(P_ROOT, o->id);
			snprintf(re, sizeof(re), P_ARN "root/%s/%s",
				 d.info->id, o->id);
			ck_match(re, o->arn);
			ck_assert_str_eq(o->name, "Root");
			continue;
		}
		ck_match(P_OU, o->id);
		/* an OU id embeds its root's id */
		ck_assert_int_eq(strncmp(o->id + 3, d.hier->ous[0].id + 2, 4),
				 0);
		snprintf(re, sizeof(re), P_ARN "ou/%s/%s", d.info->id, o->id);
		ck_match(re, o->arn);
		/* every chain reaches the root: no dangling parent, no
		 * cycle, nesting within AWS's limit of five */
		while (p->parent_id) {
			p = org_hier_find_ou(d.hier, p->parent_id);
			ck_assert_ptr_nonnull(p);
			ck_assert_int_le(++depth, 5);
		}
		ck_assert_int_le(depth, 3);
	}
	ck_assert_uint_eq(nroots, 1);
	unload(&d);
}
END_TEST

START_TEST(test_policies)
{
	unsigned n = sizes[_i];
	struct demo_data d;
	struct aws_error err;
	size_t i, j, full_targets = 0;
	char re[256];

	load(&d, n, 3);
	ck_assert_uint_ge(d.pol->n, 10);
	for (i = 0; i < d.pol->n; i++) {
		const struct org_policy_summary *s = &d.pol->v[i];
		struct org_policy *p = NULL;
		json_error_t jerr;
		json_t *js;
		int enabled = 0;

		if (i)
			ck_assert_int_lt(strcmp(d.pol->v[i - 1].id, s->id), 0);
		ck_match(P_POLICY, s->id);
		if (s->aws_managed)
			ck_match("arn:aws:organizations::aws:policy/[0-9a-z_]+/"
				 "p-[0-9a-zA-Z_]{10,128}", s->arn);
		else
			ck_match(P_ARN "policy/" P_ORG "/[0-9a-z_]+/"
				 "p-[0-9a-z]{10,32}", s->arn);
		for (j = 0; j < d.roots->v[0].ntypes; j++)
			enabled |= !strcmp(d.roots->v[0].types[j].type, s->type) &&
				   !strcmp(d.roots->v[0].types[j].status, "ENABLED");
		ck_assert_msg(enabled, "%s: type %s not enabled", s->id,
			      s->type);
		ck_assert_int_eq(d.src->ops->describe_policy(d.src, s->id, &p,
							     &err), 0);
		ck_assert_str_eq(p->summary.id, s->id);
		ck_assert_str_eq(p->summary.arn, s->arn);
		js = json_loads(p->content, 0, &jerr);
		ck_assert_msg(js != NULL, "%s content: %s", s->name, jerr.text);
		if (!strcmp(s->type, "SERVICE_CONTROL_POLICY"))
			ck_assert_ptr_nonnull(json_object_get(js, "Statement"));
		else if (!strcmp(s->type, "TAG_POLICY"))
			ck_assert_ptr_nonnull(json_object_get(js, "tags"));
		else if (!strcmp(s->type, "BACKUP_POLICY"))
			ck_assert_ptr_nonnull(json_object_get(js, "plans"));
		json_decref(js);
		/* every target exists and is described right */
		for (j = 0; j < p->ntargets; j++) {
			const struct org_policy_target *t = &p->targets[j];
			const struct org_ou *o;

			if (j)
				ck_assert_int_lt(strcmp(p->targets[j - 1].id,
							t->id), 0);
			if (!strcmp(t->type, "ACCOUNT")) {
				const struct org_account *a =
					org_accounts_find(d.acc, t->id);

				ck_assert_ptr_nonnull(a);
				ck_assert_str_eq(a->name, t->name);
				ck_assert_str_eq(a->arn, t->arn);
				continue;
			}
			o = org_hier_find_ou(d.hier, t->id);
			ck_assert_msg(o != NULL, "target %s missing", t->id);
			ck_assert_str_eq(o->name, t->name);
			ck_assert_str_eq(o->arn, t->arn);
			ck_assert_str_eq(t->type, o->parent_id ?
					 "ORGANIZATIONAL_UNIT" : "ROOT");
		}
		if (!strcmp(s->name, "FullAWSAccess")) {
			ck_assert(s->aws_managed);
			ck_assert_str_eq(s->id, "p-FullAWSAccess");
			full_targets = p->ntargets;
		}
		org_policy_free(p);
	}
	/* as in AWS, FullAWSAccess sits on the root, every OU, every
	 * account */
	ck_assert_uint_eq(full_targets, d.hier->nous + d.acc->n);
	snprintf(re, sizeof(re), "p-%s", "doesnotexist");
	{
		struct org_policy *p = NULL;

		ck_assert_int_eq(d.src->ops->describe_policy(d.src, re, &p,
							     &err), -ENOENT);
		ck_assert_ptr_null(p);
		ck_assert_str_eq(err.code, "PolicyNotFoundException");
		ck_assert_int_eq(err.err, ENOENT);
	}
	unload(&d);
}
END_TEST

/* Tag keys and values within AWS's limits and character set (ASCII
 * subset of [\p{L}\p{Z}\p{N}_.:/=+\-@]). */
static void check_tags(const struct org_tags *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const char *k = t->v[i].key, *v = t->v[i].value;

		if (i)
			ck_assert_int_lt(strcmp(t->v[i - 1].key, k), 0);
		ck_assert_uint_ge(strlen(k), 1);
		ck_assert_uint_le(strlen(k), 128);
		ck_assert_uint_le(strlen(v), 256);
		ck_assert_msg(matches("[A-Za-z0-9 _.:/=+@-]+", k) &&
			      matches("[A-Za-z0-9 _.:/=+@-]*", v),
			      "%s: bad tag \"%s\"=\"%s\"", id, k, v);
	}
}

struct gaps {
	int unowned, inherits, typo, lower_owner, empty_value, padded,
	    slash, long_value, dup_names, owned;
};

static int has_owner(const struct org_tags *t)
{
	return org_tags_get(t, "Owner") || org_tags_get(t, "Team");
}

static void find_gaps(unsigned n, unsigned seed, struct gaps *g)
{
	struct demo_data d;
	size_t i, j;

	memset(g, 0, sizeof(*g));
	load(&d, n, seed);
	for (i = 0; i < d.hier->nous; i++) {
		struct org_tags *t = tags_of(d.src, d.hier->ous[i].id);

		check_tags(t, d.hier->ous[i].id);
		org_tags_free(t);
	}
	for (i = 0; i < d.acc->n; i++) {
		const char *id = d.acc->v[i].id, *parent;
		struct org_tags *t = tags_of(d.src, id);
		int own = has_owner(t), up = 0;

		check_tags(t, id);
		for (j = 0; j < t->n; j++) {
			const char *k = t->v[j].key, *v = t->v[j].value;
			size_t len = strlen(v);

			g->typo |= !strcmp(v, "platfrom");
			g->lower_owner |= !strcmp(k, "owner");
			g->empty_value |= !len;
			g->padded |= len && (v[0] == ' ' || v[len - 1] == ' ');
			g->slash |= !!strchr(v, '/');
			g->long_value |= len == 256;
		}
		org_tags_free(t);
		for (parent = org_hier_parent_of(d.hier, id); parent && !up;
		     parent = org_hier_find_ou(d.hier, parent)->parent_id) {
			t = tags_of(d.src, parent);
			up = has_owner(t);
			org_tags_free(t);
		}
		g->owned += own;
		g->inherits += !own && up;
		g->unowned += !own && !up;
		if (i) {
			for (j = 0; j < i; j++)
				if (!strcmp(d.acc->v[j].name, d.acc->v[i].name))
					g->dup_names++;
		}
	}
	unload(&d);
}

START_TEST(test_gaps_smallest)
{
	struct gaps g;
	unsigned seed;

	for (seed = 0; seed < 4; seed++) {
		find_gaps(DEMO_MIN_ACCOUNTS, seed, &g);
		ck_assert_int_gt(g.unowned, 0);
		ck_assert_int_gt(g.inherits, 0);
		ck_assert_int_gt(g.owned, g.unowned);
		ck_assert(g.typo);
		ck_assert(g.lower_owner);
		ck_assert(g.empty_value);
		ck_assert(g.padded);
		ck_assert_int_eq(g.dup_names, 1);
	}
}
END_TEST

START_TEST(test_gaps)
{
	static const unsigned n[] = { 50, 1000 };
	struct gaps g;

	find_gaps(n[_i], 42, &g);
	ck_assert_int_gt(g.unowned, 0);
	ck_assert_int_gt(g.inherits, 0);
	ck_assert_int_gt(g.owned, g.unowned + g.inherits);
	ck_assert(g.typo && g.lower_owner && g.empty_value && g.padded);
	ck_assert(g.slash);
	ck_assert(g.long_value);
	/* the two "sandbox" accounts, and no accidental duplicates */
	ck_assert_int_eq(g.dup_names, 1);
}
END_TEST

static void summary_states(unsigned n, unsigned seed, int *st)
{
	static const char *const names[] = {
		"ACTIVE", "SUSPENDED", "CLOSED", "PENDING_CLOSURE"
	};
	struct demo_data d;
	size_t i, k;

	load(&d, n, seed);
	memset(st, 0, 4 * sizeof(*st));
	for (i = 0; i < d.acc->n; i++)
		for (k = 0; k < 4; k++)
			st[k] += !strcmp(d.acc->v[i].state, names[k]);
	unload(&d);
}

START_TEST(test_states)
{
	int st[4];

	summary_states(1000, 5, st);
	ck_assert_int_gt(st[0], 900);   /* mostly ACTIVE */
	ck_assert_int_gt(st[1], 0);
	ck_assert_int_gt(st[2], 0);
	ck_assert_int_gt(st[3], 0);
	ck_assert_int_eq(st[0] + st[1] + st[2] + st[3], 1000);
	summary_states(16, 5, st);
	ck_assert(st[1] && st[2] && st[3]);
}
END_TEST

static int accounts_equal(const struct org_accounts *a,
			  const struct org_accounts *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct org_account *x = &a->v[i], *y = &b->v[i];

		if (strcmp(x->id, y->id) || strcmp(x->arn, y->arn) ||
		    strcmp(x->name, y->name) || strcmp(x->email, y->email) ||
		    strcmp(x->state, y->state) ||
		    strcmp(x->joined_method, y->joined_method) ||
		    x->joined != y->joined)
			return 0;
	}
	return 1;
}

static int tags_equal(const struct org_tags *a, const struct org_tags *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].key, b->v[i].key) ||
		    strcmp(a->v[i].value, b->v[i].value))
			return 0;
	return 1;
}

START_TEST(test_determinism)
{
	struct demo_data a, b, c;
	size_t i, same = 0;

	load(&a, 500, 1);
	load(&b, 500, 1);
	load(&c, 500, 2);
	ck_assert(accounts_equal(a.acc, b.acc));
	ck_assert_str_eq(a.info->id, b.info->id);
	ck_assert_uint_eq(a.hier->nous, b.hier->nous);
	for (i = 0; i < a.hier->nous; i++) {
		ck_assert_str_eq(a.hier->ous[i].id, b.hier->ous[i].id);
		ck_assert_str_eq(a.hier->ous[i].name, b.hier->ous[i].name);
	}
	for (i = 0; i < a.hier->nlinks; i++)
		ck_assert_str_eq(a.hier->links[i].parent_id,
				 b.hier->links[i].parent_id);
	for (i = 0; i < a.acc->n; i++) {
		struct org_tags *x = tags_of(a.src, a.acc->v[i].id);
		struct org_tags *y = tags_of(b.src, b.acc->v[i].id);

		ck_assert(tags_equal(x, y));
		org_tags_free(x);
		org_tags_free(y);
	}
	for (i = 0; i < a.pol->n; i++)
		ck_assert_str_eq(a.pol->v[i].id, b.pol->v[i].id);

	/* another seed, another organization of the same size */
	ck_assert_uint_eq(c.acc->n, a.acc->n);
	ck_assert_str_ne(a.info->id, c.info->id);
	ck_assert_str_ne(a.hier->ous[0].id, c.hier->ous[0].id);
	for (i = 0; i < a.acc->n; i++)
		same += org_accounts_find(c.acc, a.acc->v[i].id) != NULL;
	ck_assert_uint_lt(same, 5);
	ck_assert(!accounts_equal(a.acc, c.acc));
	unload(&a);
	unload(&b);
	unload(&c);
}
END_TEST

START_TEST(test_errors)
{
	struct org_source *s;
	struct org_tags *t = NULL;
	struct aws_error err;
	struct buf b;

	errno = 0;
	ck_assert_ptr_null(demo_source_new(DEMO_MIN_ACCOUNTS - 1, 1));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(demo_source_new(DEMO_MAX_ACCOUNTS + 1, 1));
	ck_assert_int_eq(errno, EINVAL);
	s = demo_source_new(50, 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->ops->name, "demo");
	ck_assert_int_eq(s->ops->list_tags(s, "000000000000", &t, &err),
			 -ENOENT);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(err.code, "TargetNotFoundException");
	ck_assert_int_eq(err.err, ENOENT);
	ck_assert_int_eq(s->ops->list_tags(s, "ou-zzzz-zzzzzzzz", &t, &err),
			 -ENOENT);
	ck_assert_int_eq(s->ops->list_tags(s, "p-zzzzzzzzzz", &t, &err),
			 -ENOENT);
	ck_assert_int_eq(s->ops->list_tags(s, "", &t, &err), -ENOENT);
	/* AWS-managed policies carry no tags; roots may be untagged */
	t = tags_of(s, "p-FullAWSAccess");
	ck_assert_uint_eq(t->n, 0);
	org_tags_free(t);
	buf_init(&b, 256);
	s->ops->describe(s, &b);
	ck_assert_str_eq(buf_str(&b), "demo organization, 50 accounts, seed 1");
	buf_free(&b);
	s->ops->destroy(s);
}
END_TEST

/* The plain build needs about 0.1s; sanitizers slow it down 5x. */
#if defined(__SANITIZE_ADDRESS__)
#define GEN_LIMIT 3.0
#else
#define GEN_LIMIT 1.0
#endif

static double now(void)
{
	struct timespec ts;

	/* CPU time: a loaded machine must not fail the test */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST(test_largest)
{
	struct org_accounts *acc = NULL;
	struct org_hier *h = NULL;
	struct org_policy *p = NULL;
	struct aws_error err;
	struct org_source *s;
	double t0, t1, t2, t3, t4;
	size_t i;

	t0 = now();
	s = demo_source_new(DEMO_MAX_ACCOUNTS, 1);
	t1 = now();
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->ops->list_accounts(s, &acc, &err), 0);
	t2 = now();
	ck_assert_int_eq(s->ops->walk_hierarchy(s, NULL, &h, &err), 0);
	t3 = now();
	ck_assert_int_eq(s->ops->describe_policy(s, "p-FullAWSAccess", &p,
						 &err), 0);
	t4 = now();
	printf("demo %u accounts (CPU time): new %.3fs, list_accounts %.3fs, "
	       "walk_hierarchy %.3fs, FullAWSAccess targets %.3fs, %zu OUs\n",
	       DEMO_MAX_ACCOUNTS, t1 - t0, t2 - t1, t3 - t2, t4 - t3, h->nous);
	ck_assert_uint_eq(acc->n, DEMO_MAX_ACCOUNTS);
	ck_assert_uint_eq(h->nlinks, DEMO_MAX_ACCOUNTS);
	ck_assert_uint_eq(p->ntargets, DEMO_MAX_ACCOUNTS + h->nous);
	for (i = 1; i < acc->n; i++)
		ck_assert_int_lt(strcmp(acc->v[i - 1].id, acc->v[i].id), 0);
	ck_assert_msg(t1 - t0 < GEN_LIMIT, "generation took %.3fs", t1 - t0);
	org_accounts_free(acc);
	org_hier_free(h);
	org_policy_free(p);
	s->ops->destroy(s);
}
END_TEST

struct thr {
	struct org_source *s;
	const struct org_accounts *ref;
	int ok;
};

static void *reader(void *arg)
{
	struct thr *t = arg;
	struct org_accounts *a = NULL;
	struct org_tags *tags = NULL;
	struct aws_error err;
	int k;

	t->ok = 1;
	for (k = 0; k < 5; k++) {
		if (t->s->ops->list_accounts(t->s, &a, &err) ||
		    !accounts_equal(a, t->ref))
			t->ok = 0;
		if (a && t->s->ops->list_tags(t->s, a->v[k].id, &tags, &err))
			t->ok = 0;
		org_tags_free(tags);
		org_accounts_free(a);
		a = NULL;
		tags = NULL;
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct demo_data d;
	pthread_t th[4];
	struct thr arg[4];
	int i;

	load(&d, 2000, 9);
	for (i = 0; i < 4; i++) {
		arg[i].s = d.src;
		arg[i].ref = d.acc;
		ck_assert_int_eq(pthread_create(&th[i], NULL, reader, &arg[i]),
				 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ck_assert(arg[i].ok);
	}
	unload(&d);
}
END_TEST

/* ---- resources ---- */

static const char *const res_kinds[] = {
	"ec2:instance", "ec2:volume", "ec2:vpc", "s3:bucket", "lambda:function",
	"rds:db", "dynamodb:table", "iam:role", "sns:topic", "sqs:queue",
	"logs:log-group",
};

static int res_kind_ok(const struct org_resource *r)
{
	char k[64];
	size_t i;

	snprintf(k, sizeof(k), "%s:%s", r->service, r->type);
	for (i = 0; i < sizeof(res_kinds) / sizeof(*res_kinds); i++)
		if (!strcmp(k, res_kinds[i]))
			return 1;
	return 0;
}

/* What the root's tag policy says about these tags, worked out here
 * independently of the generator. */
static void expect_compliance(const struct org_tags *t, struct buf *b)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const char *k = t->v[i].key;

		if ((!strcasecmp(k, "CostCenter") && strcmp(k, "CostCenter")) ||
		    (!strcasecmp(k, "Owner") && strcmp(k, "Owner")))
			buf_printf(b, "%snoncompliant key: %s",
				   b->len ? "\n" : "", k);
	}
	for (i = 0; i < t->n; i++) {
		const char *k = t->v[i].key, *v = t->v[i].value;

		if (strcasecmp(k, "CostCenter"))
			continue;
		if (!matches("CC-1000|CC-1100|CC-2.*|CC-3000|CC-9000", v))
			buf_printf(b, "%snoncompliant value: %s",
				   b->len ? "\n" : "", k);
	}
}

/* The listing's invariants; returns the number of resources. */
static size_t check_listing(const struct org_resources *rs,
			    const char *account, const char *region)
{
	int us = !strcmp(region, "us-east-1");
	size_t i, j, nglobal = 0;
	struct buf b;

	for (i = 0; i < rs->n; i++) {
		const struct org_resource *r = &rs->v[i];
		struct arn a;

		if (i)
			ck_assert_int_lt(strcmp(rs->v[i - 1].arn, r->arn), 0);
		ck_assert_int_eq(arn_parse(r->arn, &a), 0);
		ck_assert_str_eq(a.partition, "aws");
		ck_assert_str_eq(r->service, a.service);
		ck_assert_str_eq(r->region, a.region);
		ck_assert_str_eq(r->type, a.type);
		ck_assert_str_eq(r->id, a.id);
		ck_assert_str_eq(r->account, account);
		ck_assert_msg(res_kind_ok(r), "%s", r->arn);
		if (!strcmp(r->service, "s3") || !strcmp(r->service, "iam")) {
			ck_assert_str_eq(r->region, "global");
			nglobal++;
		} else {
			ck_assert_str_eq(r->region, region);
			ck_assert_str_eq(a.account, account);
		}
		if (!strcmp(r->type, "instance"))
			ck_match("i-0[0-9a-f]{16}", r->id);
		else if (!strcmp(r->type, "volume"))
			ck_match("vol-0[0-9a-f]{16}", r->id);
		else if (!strcmp(r->type, "vpc"))
			ck_match("vpc-0[0-9a-f]{16}", r->id);
		else if (!strcmp(r->type, "bucket"))
			ck_match("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", r->id);
		else if (!strcmp(r->type, "db"))
			ck_match("[a-zA-Z][a-zA-Z0-9-]{0,62}", r->id);
		else if (!strcmp(r->type, "log-group"))
			ck_match("/[-a-zA-Z0-9_/.#]+", r->id);
		else
			ck_match("[-a-zA-Z0-9_./]{1,80}(\\.fifo)?", r->id);
		for (j = 1; j < r->tags.n; j++)
			ck_assert_int_lt(strcmp(r->tags.v[j - 1].key,
						r->tags.v[j].key), 0);
		buf_init(&b, 4096);
		expect_compliance(&r->tags, &b);
		ck_assert_msg(!strcmp(r->compliance, buf_str(&b)),
			      "%s: compliance \"%s\", expected \"%s\"",
			      r->arn, r->compliance, buf_str(&b));
		buf_free(&b);
	}
	/* global resources in us-east-1's listing only; a listing of 11
	 * or more has one of each kind */
	if (!us)
		ck_assert_uint_eq(nglobal, 0);
	else if (rs->n >= 11)
		ck_assert_uint_ge(nglobal, 2);
	return rs->n;
}

static int list_res(struct org_source *s, const char *account,
		    const char *region, struct org_resources **out,
		    struct aws_error *err)
{
	*out = NULL;
	return s->ops->list_resources(s, account, region, out, err);
}

/* Accounts whose role the demo refuses, worked out from the public model:
 * closed and suspended ones, and those waiting in Transitional. */
static int expect_refused(const struct demo_data *d,
			  const struct org_account *a)
{
	const struct org_ou *p = org_hier_find_ou(d->hier,
				 org_hier_parent_of(d->hier, a->id));

	if (!strcmp(a->id, d->info->management_account_id))
		return 0;
	return !strcmp(a->state, "SUSPENDED") || !strcmp(a->state, "CLOSED") ||
	       !strcmp(p->name, "Transitional");
}

static const unsigned res_sizes[] = { 10, 16, 100, 1000 };

START_TEST(test_resources_shape)
{
	static const char *const regions[] = {
		"us-east-1", "eu-west-1", "ap-south-1",
	};
	unsigned n = res_sizes[_i];
	struct demo_data d;
	size_t i, r, refused = 0, listed = 0, total = 0;

	load(&d, n, 3);
	ck_assert_ptr_nonnull(d.src->ops->list_resources);
	for (i = 0; i < d.acc->n && i < 400; i++) {
		const struct org_account *a = &d.acc->v[i];

		for (r = 0; r < 3; r++) {
			struct org_resources *rs;
			struct aws_error err;
			int rc = list_res(d.src, a->id, regions[r], &rs, &err);

			if (expect_refused(&d, a)) {
				ck_assert_int_eq(rc, -EACCES);
				ck_assert_ptr_null(rs);
				ck_assert_int_eq(err.err, EACCES);
				ck_assert_str_eq(err.code, "AccessDenied");
				ck_assert_str_eq(err.operation, "sts:AssumeRole");
				ck_assert_ptr_nonnull(strstr(err.message, a->id));
				ck_assert_ptr_nonnull(strstr(err.message,
					"role/OrganizationAccountAccessRole"));
				refused++;
				continue;
			}
			ck_assert_msg(rc == 0, "%s %s: %s", a->id, regions[r],
				      err.message);
			ck_assert_uint_eq(rs->n, r < 2 ? DEMO_DEFAULT_RESOURCES
						       : 0);
			total += check_listing(rs, a->id, regions[r]);
			listed++;
			org_resources_free(rs);
		}
	}
	printf("demo %u accounts: %zu listings, %zu resources, %zu refused\n",
	       n, listed, total, refused);
	/* even the smallest demo has closed accounts; the management
	 * account is always readable */
	ck_assert_uint_gt(refused, 0);
	ck_assert_uint_gt(listed, 0);
	unload(&d);
}
END_TEST

START_TEST(test_resources_gaps)
{
	struct demo_data d;
	size_t i, r, n = 0;
	size_t untagged = 0, inherit = 0, team = 0, owner = 0, lower = 0,
	       person = 0, empty_owner = 0, noncompliant = 0, kinds[11] = { 0 };

	load(&d, 1000, 1);
	for (i = 0; i < d.acc->n; i++) {
		const struct org_account *a = &d.acc->v[i];

		if (expect_refused(&d, a))
			continue;
		for (r = 0; r < 2; r++) {
			struct org_resources *rs;
			struct aws_error err;
			size_t j, k;

			ck_assert_int_eq(list_res(d.src, a->id,
				r ? "eu-west-1" : "us-east-1", &rs, &err), 0);
			for (j = 0; j < rs->n; j++) {
				const struct org_resource *x = &rs->v[j];
				const char *o = org_tags_get(&x->tags, "Owner");
				const char *t = org_tags_get(&x->tags, "Team");
				char kind[64];

				n++;
				untagged += x->tags.n == 0;
				inherit += x->tags.n && !o && !t &&
					   !org_tags_get(&x->tags, "owner");
				team += t && !o;
				owner += o && *o;
				empty_owner += o && !*o;
				lower += org_tags_get(&x->tags, "owner") != NULL;
				person += o && strstr(o, "@example.com");
				noncompliant += *x->compliance != '\0';
				snprintf(kind, sizeof(kind), "%s:%s",
					 x->service, x->type);
				for (k = 0; k < 11; k++)
					kinds[k] += !strcmp(kind, res_kinds[k]);
			}
			org_resources_free(rs);
		}
	}
	printf("demo resources: %zu, untagged %zu, inherit %zu, team %zu, "
	       "owner %zu, lower-case owner %zu, person %zu, empty owner %zu, "
	       "noncompliant %zu\n", n, untagged, inherit, team, owner, lower,
	       person, empty_owner, noncompliant);
	ck_assert_uint_gt(n, 10000);
	/* each planned gap is there, in about its planned share */
	ck_assert_uint_gt(untagged, n * 4 / 100);
	ck_assert_uint_lt(untagged, n * 12 / 100);
	ck_assert_uint_gt(inherit, n * 25 / 100);
	ck_assert_uint_lt(inherit, n * 45 / 100);
	ck_assert_uint_gt(team, n * 20 / 100);
	ck_assert_uint_gt(owner, n * 12 / 100);
	ck_assert_uint_gt(lower, n / 100);
	ck_assert_uint_gt(person, 0);
	ck_assert_uint_gt(empty_owner, 0);
	ck_assert_uint_gt(noncompliant, n / 50);
	for (i = 0; i < 11; i++)
		ck_assert_msg(kinds[i] > n / 100, "%s: %zu", res_kinds[i],
			      kinds[i]);
	unload(&d);
}
END_TEST

static int resources_equal(const struct org_resources *a,
			   const struct org_resources *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].arn, b->v[i].arn) ||
		    strcmp(a->v[i].compliance, b->v[i].compliance) ||
		    !tags_equal(&a->v[i].tags, &b->v[i].tags))
			return 0;
	return 1;
}

START_TEST(test_resources_determinism)
{
	struct demo_data a, b, c;
	struct org_resources *x, *y, *z;
	struct aws_error err;
	size_t i, same = 0;

	load(&a, 200, 1);
	load(&b, 200, 1);
	load(&c, 200, 2);
	for (i = 0; i < a.acc->n; i++) {
		const char *id = a.acc->v[i].id;

		if (expect_refused(&a, &a.acc->v[i]))
			continue;
		ck_assert_int_eq(list_res(a.src, id, "eu-west-1", &x, &err), 0);
		ck_assert_int_eq(list_res(b.src, id, "eu-west-1", &y, &err), 0);
		ck_assert(resources_equal(x, y));
		/* another region of the same account is another listing */
		ck_assert_int_eq(list_res(a.src, id, "us-east-1", &z, &err), 0);
		ck_assert(!resources_equal(x, z));
		org_resources_free(x);
		org_resources_free(y);
		org_resources_free(z);
	}
	/* another seed: the management accounts' instance ids differ */
	ck_assert_int_eq(list_res(a.src, a.info->management_account_id,
				  "eu-west-1", &x, &err), 0);
	ck_assert_int_eq(list_res(c.src, c.info->management_account_id,
				  "eu-west-1", &y, &err), 0);
	for (i = 0; i < x->n; i++)
		same += org_resources_find(y, x->v[i].arn) != NULL;
	ck_assert_uint_eq(same, 0);
	org_resources_free(x);
	org_resources_free(y);
	unload(&a);
	unload(&b);
	unload(&c);
}
END_TEST

START_TEST(test_resources_options)
{
	struct demo_options o = { .naccounts = 10, .seed = 4 };
	struct org_resources *rs;
	struct org_info *info;
	struct aws_error err;
	struct org_source *s;
	size_t i;

	errno = 0;
	ck_assert_ptr_null(demo_source_new_with(NULL));
	ck_assert_int_eq(errno, EINVAL);
	o.resources = DEMO_MAX_RESOURCES + 1;
	errno = 0;
	ck_assert_ptr_null(demo_source_new_with(&o));
	ck_assert_int_eq(errno, EINVAL);
	o.naccounts = DEMO_MIN_ACCOUNTS - 1;
	o.resources = 5;
	ck_assert_ptr_null(demo_source_new_with(&o));

	o.naccounts = 10;
	o.resources = 3;
	s = demo_source_new_with(&o);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->ops->describe_org(s, &info, &err), 0);
	ck_assert_int_eq(list_res(s, info->management_account_id, "us-east-1",
				  &rs, &err), 0);
	ck_assert_uint_eq(rs->n, 3);
	org_resources_free(rs);
	/* errors */
	ck_assert_int_eq(list_res(s, info->management_account_id, "EU_WEST",
				  &rs, &err), -EINVAL);
	ck_assert_ptr_null(rs);
	ck_assert_int_eq(err.err, EINVAL);
	ck_assert_int_eq(list_res(s, info->management_account_id, "",
				  &rs, &err), -EINVAL);
	ck_assert_int_eq(list_res(s, NULL, "us-east-1", &rs, &err), -EINVAL);
	for (i = 0; i < 1000; i++) {
		char id[16];

		/* an account outside the organization refuses, as in AWS */
		snprintf(id, sizeof(id), "%012zu", i * 7777777);
		if (!strcmp(id, info->management_account_id))
			continue;
		if (list_res(s, id, "us-east-1", &rs, &err) == 0) {
			org_resources_free(rs);
			continue;       /* one of the ten */
		}
		ck_assert_int_eq(err.err, EACCES);
	}
	org_info_free(info);
	s->ops->destroy(s);

	/* eleven: one of each kind in us-east-1, nine regional ones in
	 * eu-west-1 and two more there */
	o.resources = 11;
	s = demo_source_new_with(&o);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->ops->describe_org(s, &info, &err), 0);
	for (i = 0; i < 2; i++) {
		const char *region = i ? "eu-west-1" : "us-east-1";
		size_t k, j, distinct = 0;

		ck_assert_int_eq(list_res(s, info->management_account_id,
					  region, &rs, &err), 0);
		ck_assert_uint_eq(check_listing(rs, info->management_account_id,
						region), 11);
		for (k = 0; k < 11; k++) {
			for (j = 0; j < rs->n; j++) {
				char kind[64];

				snprintf(kind, sizeof(kind), "%s:%s",
					 rs->v[j].service, rs->v[j].type);
				if (!strcmp(kind, res_kinds[k]))
					break;
			}
			distinct += j < rs->n;
		}
		ck_assert_uint_eq(distinct, i ? 9 : 11);
		org_resources_free(rs);
	}
	org_info_free(info);
	s->ops->destroy(s);

	/* the wrapper keeps the default */
	s = demo_source_new(10, 4);
	ck_assert_int_eq(s->ops->describe_org(s, &info, &err), 0);
	ck_assert_int_eq(list_res(s, info->management_account_id, "eu-west-1",
				  &rs, &err), 0);
	ck_assert_uint_eq(rs->n, DEMO_DEFAULT_RESOURCES);
	org_resources_free(rs);
	org_info_free(info);
	s->ops->destroy(s);
}
END_TEST

/* The largest listing, and a million resources across the largest demo:
 * generated on each call, never all at once. */
START_TEST(test_resources_large)
{
	struct demo_options o = { .naccounts = 10, .seed = 6,
				  .resources = DEMO_MAX_RESOURCES };
	struct org_resources *rs;
	struct org_accounts *acc;
	struct org_info *info;
	struct aws_error err;
	struct org_source *s;
	size_t i, total = 0, listed = 0;
	double t0, t1, t2;

	s = demo_source_new_with(&o);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->ops->describe_org(s, &info, &err), 0);
	t0 = now();
	ck_assert_int_eq(list_res(s, info->management_account_id, "us-east-1",
				  &rs, &err), 0);
	t1 = now();
	ck_assert_uint_eq(rs->n, DEMO_MAX_RESOURCES);
	/* sorted strictly: no ARN twice among 100,000 */
	for (i = 1; i < rs->n; i++)
		ck_assert_int_lt(strcmp(rs->v[i - 1].arn, rs->v[i].arn), 0);
	org_resources_free(rs);
	org_info_free(info);
	s->ops->destroy(s);

	/* 1,000,000 resources: 62,500 listings of the largest demo */
	o.naccounts = DEMO_MAX_ACCOUNTS;
	o.resources = DEMO_DEFAULT_RESOURCES;
	s = demo_source_new_with(&o);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->ops->list_accounts(s, &acc, &err), 0);
	t2 = now();
	for (i = 0; i < acc->n && total < 1000000; i++) {
		int r;

		for (r = 0; r < 2; r++) {
			if (list_res(s, acc->v[i].id, r ? "eu-west-1" :
				     "us-east-1", &rs, &err) < 0) {
				ck_assert_int_eq(err.err, EACCES);
				continue;
			}
			total += rs->n;
			listed++;
			org_resources_free(rs);
		}
	}
	printf("demo resources (CPU time): one listing of %u in %.3fs; "
	       "%zu resources in %zu listings in %.3fs\n", DEMO_MAX_RESOURCES,
	       t1 - t0, total, listed, now() - t2);
	ck_assert_uint_ge(total, 1000000);
	ck_assert_msg(t1 - t0 < 4 * GEN_LIMIT, "100,000 resources took %.3fs",
		      t1 - t0);
	org_accounts_free(acc);
	s->ops->destroy(s);
}
END_TEST

struct res_thr {
	struct org_source *s;
	const struct org_accounts *acc;
	const struct org_resources *ref;        /* of acc->v[0], us-east-1 */
	int ok;
};

static void *res_reader(void *arg)
{
	struct res_thr *t = arg;
	struct org_resources *rs;
	struct aws_error err;
	size_t i;

	t->ok = 1;
	for (i = 0; i < t->acc->n; i++) {
		if (t->s->ops->list_resources(t->s, t->acc->v[i].id,
					      "eu-west-1", &rs, &err) == 0)
			org_resources_free(rs);
		else if (err.err != EACCES)
			t->ok = 0;
		if (t->s->ops->list_resources(t->s, t->acc->v[0].id,
					      "us-east-1", &rs, &err) ||
		    !resources_equal(rs, t->ref))
			t->ok = 0;
		org_resources_free(rs);
	}
	return NULL;
}

START_TEST(test_resources_threads)
{
	struct demo_data d;
	struct org_resources *ref;
	struct aws_error err;
	pthread_t th[4];
	struct res_thr arg[4];
	int i;

	load(&d, 300, 9);
	ck_assert_int_eq(list_res(d.src, d.acc->v[0].id, "us-east-1", &ref,
				  &err), 0);
	for (i = 0; i < 4; i++) {
		arg[i].s = d.src;
		arg[i].acc = d.acc;
		arg[i].ref = ref;
		ck_assert_int_eq(pthread_create(&th[i], NULL, res_reader,
						&arg[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ck_assert(arg[i].ok);
	}
	org_resources_free(ref);
	unload(&d);
}
END_TEST

/* ---- effective tag policy ---------------------------------------------- */

/* Whether target (root, OU or account id) is the account or above it. */
static int on_path(const struct demo_data *d, const char *account,
		   const char *target)
{
	const char *id = account;

	if (!strcmp(account, target))
		return 1;
	for (id = org_hier_parent_of(d->hier, account); id;) {
		const struct org_ou *o = org_hier_find_ou(d->hier, id);

		ck_assert_ptr_nonnull(o);
		if (!strcmp(o->id, target))
			return 1;
		id = o->parent_id;
	}
	return 0;
}

static json_t *assigned(json_t *v)
{
	json_t *a = json_object_get(v, "@@assign");

	return a ? a : v;
}

/* The effective policy worked out from the public model: the demo's tag
 * policies only @@assign, and no two of them name the same tag. */
static json_t *expected_tag_policy(const struct demo_data *d,
				   struct org_policy **tp, size_t ntp,
				   const char *account, int *nfound)
{
	json_t *tags = json_object();

	*nfound = 0;
	for (size_t i = 0; i < ntp; i++) {
		int applies = 0;
		json_t *doc, *t, *v;
		const char *k;

		for (size_t j = 0; j < tp[i]->ntargets; j++)
			applies |= on_path(d, account, tp[i]->targets[j].id);
		if (!applies)
			continue;
		(*nfound)++;
		doc = json_loads(tp[i]->content, 0, NULL);
		ck_assert_ptr_nonnull(doc);
		json_object_foreach(json_object_get(doc, "tags"), k, t) {
			char low[64];
			json_t *e = json_object(), *x;
			const char *m;
			size_t n;

			for (n = 0; k[n] && n < sizeof(low) - 1; n++)
				low[n] = (char)tolower((unsigned char)k[n]);
			low[n] = '\0';
			ck_assert_ptr_null(json_object_get(tags, low));
			json_object_foreach(t, m, x)
				json_object_set(e, m, assigned(x));
			json_object_set_new(tags, low, e);
		}
		v = doc;
		json_decref(v);
	}
	if (!*nfound) {
		json_decref(tags);
		return NULL;
	}
	return json_pack("{s:o}", "tags", tags);
}

START_TEST(test_effective_tag_policy)
{
	static const unsigned n[] = { 10, 1000 };
	struct demo_data d, d2;
	struct org_policy *tp[16];
	struct aws_error err;
	size_t ntp = 0, i, seen_env = 0, seen_dc = 0, seen_base = 0;

	load(&d, n[_i], 7);
	d2.src = demo_source_new(n[_i], 7);
	ck_assert_ptr_nonnull(d2.src);
	for (i = 0; i < d.pol->n; i++) {
		if (strcmp(d.pol->v[i].type, "TAG_POLICY"))
			continue;
		ck_assert_uint_lt(ntp, 16);
		ck_assert_int_eq(d.src->ops->describe_policy(d.src,
				 d.pol->v[i].id, &tp[ntp], &err), 0);
		ntp++;
	}
	ck_assert_uint_ge(ntp, 2);
	for (i = 0; i < d.acc->n; i++) {
		const struct org_account *a = &d.acc->v[i];
		struct org_document *doc = NULL, *doc2 = NULL;
		json_t *want, *got;
		int nfound;

		ck_assert_int_eq(d.src->ops->effective_tag_policy(d.src, a->id,
				 &doc, &err), 0);
		want = expected_tag_policy(&d, tp, ntp, a->id, &nfound);
		ck_assert_int_eq(doc->present, want != NULL);
		if (!want) {
			ck_assert_str_eq(doc->text, "");
			ck_assert_int_eq(doc->updated, 0);
		} else {
			got = json_loads(doc->text, JSON_REJECT_DUPLICATES,
					 NULL);
			ck_assert_msg(got != NULL, "not json: %s", doc->text);
			ck_assert_msg(json_equal(got, want),
				      "account %s: got %s", a->id, doc->text);
			/* compact, no operator left */
			ck_assert_ptr_null(strstr(doc->text, "@@"));
			ck_assert_ptr_null(strchr(doc->text, '\n'));
			ck_assert_int_gt(doc->updated, 1500000000);
			seen_env += json_object_get(json_object_get(got,
					"tags"), "environment") != NULL;
			seen_dc += json_object_get(json_object_get(got,
					"tags"), "dataclassification") != NULL;
			seen_base += nfound == 1;
			json_decref(got);
			json_decref(want);
		}
		/* the same organization answers the same */
		ck_assert_int_eq(d2.src->ops->effective_tag_policy(d2.src,
				 a->id, &doc2, &err), 0);
		ck_assert_str_eq(doc->text, doc2->text);
		ck_assert_int_eq(doc->updated, doc2->updated);
		org_document_free(doc);
		org_document_free(doc2);
	}
	/* the root's policy everywhere, the OUs' in some accounts */
	ck_assert_uint_gt(seen_base, 0);
	ck_assert_uint_gt(seen_env, 0);
	ck_assert_uint_gt(seen_dc, 0);
	{
		struct org_document *doc = (struct org_document *)1;

		ck_assert_int_eq(d.src->ops->effective_tag_policy(d.src,
				 "000000000000", &doc, &err), -ENOENT);
		ck_assert_ptr_null(doc);
		ck_assert_str_eq(err.code, "TargetNotFoundException");
	}
	for (i = 0; i < ntp; i++)
		org_policy_free(tp[i]);
	d2.src->ops->destroy(d2.src);
	unload(&d);
}
END_TEST

/* ---- AWS Config rule compliance ----------------------------------------- */

static const char *const cfg_names[] = {
	"cloudtrail-enabled", "dynamodb-pitr-enabled", "encrypted-volumes",
	"iam-password-policy", "lambda-function-public-access-prohibited",
	"rds-storage-encrypted", "required-tags", "root-account-mfa-enabled",
	"s3-bucket-logging-enabled", "s3-bucket-public-read-prohibited",
	"vpc-flow-logs-enabled",
};

static const char *rule_of(const struct org_config_rules *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, name))
			return r->v[i].compliance;
	return NULL;
}

static int in_sandbox(const struct demo_data *d, const struct org_account *a)
{
	const struct org_ou *p = org_hier_find_ou(d->hier,
				 org_hier_parent_of(d->hier, a->id));

	return !strcmp(p->name, "Sandbox");
}

/* required-tags from the listing: Config's rule is case-sensitive. */
static const char *expect_required_tags(const struct org_resources *rs)
{
	size_t nscope = 0;
	int bad = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct org_resource *x = &rs->v[i];

		if (!(!strcmp(x->service, "ec2") && (!strcmp(x->type, "instance") ||
						     !strcmp(x->type, "volume"))) &&
		    strcmp(x->service, "s3") && strcmp(x->service, "rds"))
			continue;
		nscope++;
		bad |= !org_tags_get(&x->tags, "CostCenter");
	}
	return !nscope ? "INSUFFICIENT_DATA" : bad ? "NON_COMPLIANT" :
	       "COMPLIANT";
}

static int has_kind(const struct org_resources *rs, const char *svc,
		    const char *type)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].service, svc) &&
		    !strcmp(rs->v[i].type, type))
			return 1;
	return 0;
}

START_TEST(test_config_compliance)
{
	static const char *const regions[] = {
		"us-east-1", "eu-west-1", "eu-central-1",
	};
	struct demo_data d;
	struct org_source *s2;
	struct aws_error err;
	size_t i, r, k, enabled = 0, off_eligible = 0, refused = 0;
	size_t count[4] = { 0 }, total = 0;
	double t0 = now();

	load(&d, 1000, 3);
	s2 = demo_source_new(1000, 3);
	ck_assert_ptr_nonnull(s2);
	for (i = 0; i < d.acc->n; i++) {
		const struct org_account *a = &d.acc->v[i];

		for (r = 0; r < 3; r++) {
			struct org_config_rules *cr = NULL, *cr2 = NULL;
			struct org_resources *rs = NULL;
			int rc = d.src->ops->config_compliance(d.src, a->id,
						regions[r], &cr, &err);

			if (expect_refused(&d, a)) {
				ck_assert_int_eq(rc, -EACCES);
				ck_assert_ptr_null(cr);
				ck_assert_int_eq(err.err, EACCES);
				ck_assert_ptr_nonnull(strstr(err.message, a->id));
				refused++;
				continue;
			}
			ck_assert_int_eq(rc, 0);
			ck_assert_int_eq(s2->ops->config_compliance(s2, a->id,
					 regions[r], &cr2, &err), 0);
			ck_assert_int_eq(cr->enabled, cr2->enabled);
			ck_assert_uint_eq(cr->n, cr2->n);
			if (r == 2 || in_sandbox(&d, a)) {
				ck_assert_int_eq(cr->enabled, 0);
				ck_assert_uint_eq(cr->n, 0);
				goto next;
			}
			if (!cr->enabled) {
				/* dev accounts recording in us-east-1 only */
				ck_assert_uint_eq(cr->n, 0);
				ck_assert_uint_eq(r, 1);
				off_eligible++;
				goto next;
			}
			enabled++;
			ck_assert_int_eq(list_res(d.src, a->id, regions[r], &rs,
						  &err), 0);
			ck_assert_uint_eq(cr->n, r == 0 ? 11 : 9);
			for (k = 0; k < cr->n; k++) {
				const char *c = cr->v[k].compliance;
				size_t j;

				ck_assert_str_eq(cr->v[k].name, cr2->v[k].name);
				ck_assert_str_eq(c, cr2->v[k].compliance);
				if (k)
					ck_assert_int_lt(strcmp(cr->v[k - 1].name,
							 cr->v[k].name), 0);
				for (j = 0; j < N(cfg_names); j++)
					if (!strcmp(cfg_names[j], cr->v[k].name))
						break;
				ck_assert_uint_lt(j, N(cfg_names));
				if (!strcmp(c, "COMPLIANT"))
					count[0]++;
				else if (!strcmp(c, "NON_COMPLIANT"))
					count[1]++;
				else if (!strcmp(c, "INSUFFICIENT_DATA"))
					count[2]++;
				else
					ck_abort_msg("compliance %s", c);
				total++;
			}
			ck_assert_int_eq(!rule_of(cr, "iam-password-policy"), r != 0);
			ck_assert_str_eq(rule_of(cr, "cloudtrail-enabled"),
					 "COMPLIANT");
			ck_assert_str_eq(rule_of(cr, "required-tags"),
					 expect_required_tags(rs));
			if (!has_kind(rs, "ec2", "volume"))
				ck_assert_str_eq(rule_of(cr, "encrypted-volumes"),
						 "INSUFFICIENT_DATA");
			else
				ck_assert_str_ne(rule_of(cr, "encrypted-volumes"),
						 "INSUFFICIENT_DATA");
			if (!has_kind(rs, "s3", "bucket"))
				ck_assert_str_eq(rule_of(cr,
						 "s3-bucket-logging-enabled"),
						 "INSUFFICIENT_DATA");
			org_resources_free(rs);
next:
			org_config_rules_free(cr);
			org_config_rules_free(cr2);
		}
	}
	fprintf(stderr, "demo config: 1000 accounts x 3 regions in %.2fs: "
		"%zu refused, %zu recording, %zu dev not recording; rules "
		"%zu compliant, %zu noncompliant, %zu insufficient data\n",
		now() - t0, refused, enabled, off_eligible, count[0], count[1],
		count[2]);
	/* a realistic mix */
	ck_assert_uint_gt(refused, 0);
	ck_assert_uint_gt(off_eligible, 0);
	ck_assert_uint_gt(enabled, 20 * off_eligible);
	ck_assert_uint_gt(count[0], total / 4);
	ck_assert_uint_gt(count[1], total / 10);
	ck_assert_uint_lt(count[1], total * 6 / 10);
	ck_assert_uint_gt(count[2], total / 50);
	ck_assert_uint_eq(count[3], 0);
	ck_assert_msg(now() - t0 < 10.0, "took %.1fs", now() - t0);
	/* bad input as for resources */
	{
		struct org_config_rules *cr = (struct org_config_rules *)1;

		ck_assert_int_eq(d.src->ops->config_compliance(d.src,
				 d.acc->v[0].id, "eu west", &cr, &err), -EINVAL);
		ck_assert_ptr_null(cr);
	}
	s2->ops->destroy(s2);
	unload(&d);
}
END_TEST

static Suite *demo_suite(void)
{
	Suite *s = suite_create("demo");
	TCase *tc = tcase_create("Core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_shape, 0, sizeof(sizes) / sizeof(*sizes));
	tcase_add_loop_test(tc, test_policies, 0,
			    sizeof(sizes) / sizeof(*sizes));
	tcase_add_test(tc, test_gaps_smallest);
	tcase_add_loop_test(tc, test_gaps, 0, 2);
	tcase_add_test(tc, test_states);
	tcase_add_test(tc, test_determinism);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_largest);
	tcase_add_test(tc, test_threads);
	tcase_add_loop_test(tc, test_resources_shape, 0,
			    sizeof(res_sizes) / sizeof(*res_sizes));
	tcase_add_test(tc, test_resources_gaps);
	tcase_add_test(tc, test_resources_determinism);
	tcase_add_test(tc, test_resources_options);
	tcase_add_test(tc, test_resources_large);
	tcase_add_test(tc, test_resources_threads);
	tcase_add_loop_test(tc, test_effective_tag_policy, 0, 2);
	tcase_add_test(tc, test_config_compliance);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(demo_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
