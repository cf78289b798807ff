/* test_model.c - sorting, lookups and freeing of the model's values */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "strpool.h"

static char *xs(const char *s)
{
	char *r = strdup(s);

	ck_assert_ptr_nonnull(r);
	return r;
}

static struct org_tags *make_tags(const char *const *kv, size_t n)
{
	struct org_tags *t = calloc(1, sizeof(*t));
	size_t i;

	ck_assert_ptr_nonnull(t);
	t->v = calloc(n ? n : 1, sizeof(*t->v));
	ck_assert_ptr_nonnull(t->v);
	for (i = 0; i < n; i++) {
		t->v[i].key = xs(kv[2 * i]);
		t->v[i].value = xs(kv[2 * i + 1]);
	}
	t->n = n;
	return t;
}

START_TEST(test_tags_sort_get)
{
	static const char *const kv[] = {
		"Team", "payments", "owner", "lower", "CostCenter", "",
		"Owner", "upper", "Environment", "prod", "a:b/c", "x",
	};
	struct org_tags *t = make_tags(kv, 6);
	size_t i;

	org_tags_sort(t);
	for (i = 1; i < t->n; i++)
		ck_assert_int_lt(strcmp(t->v[i - 1].key, t->v[i].key), 0);
	/* keys are case-sensitive, as AWS's are */
	ck_assert_str_eq(org_tags_get(t, "Owner"), "upper");
	ck_assert_str_eq(org_tags_get(t, "owner"), "lower");
	ck_assert_str_eq(org_tags_get(t, "CostCenter"), "");
	ck_assert_str_eq(org_tags_get(t, "Team"), "payments");
	ck_assert_str_eq(org_tags_get(t, "a:b/c"), "x");
	ck_assert_ptr_null(org_tags_get(t, "OWNER"));
	ck_assert_ptr_null(org_tags_get(t, ""));
	ck_assert_ptr_null(org_tags_get(t, "Zzz"));
	ck_assert_ptr_null(org_tags_get(t, "A"));
	ck_assert_ptr_null(org_tags_get(NULL, "Owner"));
	org_tags_free(t);
}
END_TEST

START_TEST(test_tags_empty)
{
	struct org_tags *t = make_tags(NULL, 0);

	org_tags_sort(t);
	ck_assert_ptr_null(org_tags_get(t, "Owner"));
	org_tags_free(t);
	org_tags_free(NULL);
}
END_TEST

static struct org_accounts *make_accounts(size_t n, unsigned seed)
{
	struct org_accounts *a = calloc(1, sizeof(*a));
	size_t i;

	ck_assert_ptr_nonnull(a);
	a->v = calloc(n ? n : 1, sizeof(*a->v));
	ck_assert_ptr_nonnull(a->v);
	srand(seed);
	for (i = 0; i < n; i++) {
		char id[13];

		/* unique by construction: i in the low digits */
		snprintf(id, sizeof(id), "%06u%06u", (unsigned)rand() % 1000000,
			 (unsigned)i % 1000000);
		a->v[i].id = xs(id);
		a->v[i].arn = xs("arn");
		a->v[i].name = xs(id + 6);
		a->v[i].email = xs("e@example.com");
		a->v[i].state = xs("ACTIVE");
		a->v[i].joined_method = xs("CREATED");
		a->v[i].joined = (time_t)i;
	}
	a->n = n;
	return a;
}

START_TEST(test_accounts_sort_find)
{
	struct org_accounts *a = make_accounts(1000, 7);
	char **ids = calloc(a->n, sizeof(*ids));
	size_t i;

	ck_assert_ptr_nonnull(ids);
	for (i = 0; i < a->n; i++)
		ids[i] = xs(a->v[i].id);
	org_accounts_sort(a);
	for (i = 1; i < a->n; i++)
		ck_assert_int_lt(strcmp(a->v[i - 1].id, a->v[i].id), 0);
	for (i = 0; i < a->n; i++) {
		const struct org_account *x = org_accounts_find(a, ids[i]);

		ck_assert_ptr_nonnull(x);
		ck_assert_str_eq(x->id, ids[i]);
		/* the whole record moved with its key */
		ck_assert_str_eq(x->name, ids[i] + 6);
		free(ids[i]);
	}
	free(ids);
	ck_assert_ptr_null(org_accounts_find(a, "999999999999x"));
	ck_assert_ptr_null(org_accounts_find(a, ""));
	ck_assert_ptr_null(org_accounts_find(a, "0"));
	ck_assert_ptr_null(org_accounts_find(NULL, "0"));
	org_accounts_free(a);
}
END_TEST

/* Packed, every account reads the same; a string the account before
 * has is there once, a NULL stays NULL. */
START_TEST(test_accounts_pack)
{
	struct org_accounts *a = make_accounts(100, 3);
	size_t i;

	org_accounts_sort(a);
	free(a->v[7].email);
	a->v[7].email = NULL;
	free(a->v[8].state);
	a->v[8].state = xs("SUSPENDED");
	ck_assert_int_eq(org_accounts_pack(a), 0);
	ck_assert_ptr_nonnull(a->pack);
	/* per account: id 13, name 7; once: arn 4, CREATED 8, the email
	 * 14 (again after the account without), ACTIVE 7, SUSPENDED 10,
	 * ACTIVE 7 */
	ck_assert_uint_eq(a->pack_size, 100 * 20 + 4 + 8 + 2 * 14 +
			  7 + 10 + 7);
	for (i = 0; i < a->n; i++) {
		const struct org_account *x = &a->v[i];

		ck_assert(x->id >= a->pack && x->id < a->pack + a->pack_size);
		ck_assert_str_eq(x->name, x->id + 6);
		ck_assert_str_eq(x->arn, "arn");
		ck_assert_str_eq(x->joined_method, "CREATED");
		ck_assert_str_eq(x->state, i == 8 ? "SUSPENDED" : "ACTIVE");
		if (i == 7)
			ck_assert_ptr_null(x->email);
		else
			ck_assert_str_eq(x->email, "e@example.com");
		ck_assert_ptr_eq(org_accounts_find(a, x->id), x);
	}
	ck_assert_ptr_eq(a->v[1].arn, a->v[0].arn);
	ck_assert_ptr_ne(a->v[9].state, a->v[7].state);
	ck_assert_int_eq(org_accounts_pack(a), 0);      /* once */
	org_accounts_free(a);
	a = make_accounts(0, 1);
	ck_assert_int_eq(org_accounts_pack(a), 0);
	ck_assert_ptr_null(a->pack);
	org_accounts_free(a);
}
END_TEST

START_TEST(test_accounts_small)
{
	struct org_accounts *a;

	a = make_accounts(0, 1);
	org_accounts_sort(a);
	ck_assert_ptr_null(org_accounts_find(a, "000000000000"));
	org_accounts_free(a);
	a = make_accounts(1, 1);
	org_accounts_sort(a);
	ck_assert_ptr_nonnull(org_accounts_find(a, a->v[0].id));
	ck_assert_ptr_null(org_accounts_find(a, "000000000000"));
	org_accounts_free(a);
}
END_TEST

static void set_ou(struct org_ou *o, const char *id, const char *parent)
{
	o->id = xs(id);
	o->arn = xs("arn");
	o->name = xs(id);
	o->parent_id = parent ? xs(parent) : NULL;
}

START_TEST(test_hier)
{
	struct org_hier *h = calloc(1, sizeof(*h));
	static const char *const links[][2] = {
		{ "333333333333", "ou-ab12-bbbbbbbb" },
		{ "000000000001", "r-ab12" },
		{ "222222222222", "ou-ab12-aaaaaaaa" },
		{ "111111111111", "ou-ab12-zzzzzzzz" },
		{ "555555555555", "ou-ab12-notthere" },
	};
	size_t i;

	ck_assert_ptr_nonnull(h);
	h->ous = calloc(4, sizeof(*h->ous));
	h->links = calloc(5, sizeof(*h->links));
	/* the root sorts after "ou-" by id, but must come first */
	set_ou(&h->ous[0], "ou-ab12-zzzzzzzz", "r-ab12");
	set_ou(&h->ous[1], "ou-ab12-bbbbbbbb", "ou-ab12-aaaaaaaa");
	set_ou(&h->ous[2], "r-ab12", NULL);
	set_ou(&h->ous[3], "ou-ab12-aaaaaaaa", "r-ab12");
	h->nous = 4;
	for (i = 0; i < 5; i++) {
		h->links[i].child_id = xs(links[i][0]);
		h->links[i].parent_id = xs(links[i][1]);
	}
	h->nlinks = 5;
	org_hier_sort(h);
	ck_assert_str_eq(h->ous[0].id, "r-ab12");
	ck_assert_ptr_null(h->ous[0].parent_id);
	ck_assert_str_eq(h->ous[1].id, "ou-ab12-aaaaaaaa");
	ck_assert_str_eq(h->ous[2].id, "ou-ab12-bbbbbbbb");
	ck_assert_str_eq(h->ous[3].id, "ou-ab12-zzzzzzzz");
	for (i = 1; i < h->nlinks; i++)
		ck_assert_int_lt(strcmp(h->links[i - 1].child_id,
					h->links[i].child_id), 0);
	ck_assert_str_eq(org_hier_find_ou(h, "r-ab12")->id, "r-ab12");
	for (i = 0; i < h->nous; i++)
		ck_assert_ptr_eq(org_hier_find_ou(h, h->ous[i].id),
				 &h->ous[i]);
	ck_assert_str_eq(org_hier_find_ou(h, "ou-ab12-bbbbbbbb")->parent_id,
			 "ou-ab12-aaaaaaaa");
	ck_assert_ptr_null(org_hier_find_ou(h, "r-ab13"));
	ck_assert_ptr_null(org_hier_find_ou(h, "ou-ab12-cccccccc"));
	for (i = 0; i < 5; i++)
		ck_assert_str_eq(org_hier_parent_of(h, links[i][0]),
				 links[i][1]);
	ck_assert_ptr_null(org_hier_parent_of(h, "444444444444"));
	ck_assert_ptr_null(org_hier_parent_of(NULL, "444444444444"));
	/* packed: the same answers; an OU parent is that OU's id, the
	 * others the block's: 5 ids of 13 bytes, one parent of 17 */
	ck_assert_int_eq(org_hier_pack(h), 0);
	ck_assert_uint_eq(h->links_pack_size, 5 * 13 + 17);
	for (i = 0; i < 5; i++) {
		const char *p = org_hier_parent_of(h, links[i][0]);
		const struct org_ou *u = org_hier_find_ou(h, links[i][1]);

		ck_assert_str_eq(p, links[i][1]);
		if (u)
			ck_assert_ptr_eq(p, u->id);
		else
			ck_assert(p >= h->links_pack &&
				  p < h->links_pack + h->links_pack_size);
		ck_assert(h->links[i].child_id >= h->links_pack &&
			  h->links[i].child_id < h->links_pack +
			  h->links_pack_size);
	}
	ck_assert_ptr_null(org_hier_find_ou(h, "ou-ab12-notthere"));
	ck_assert_int_eq(org_hier_pack(h), 0);  /* once */
	org_hier_free(h);
	org_hier_free(NULL);
}
END_TEST

START_TEST(test_policies)
{
	struct org_policies *p = calloc(1, sizeof(*p));
	struct org_policy *one = calloc(1, sizeof(*one));
	static const char *const ids[] = {
		"p-zzzzzzzzzz", "p-FullAWSAccess", "p-aaaaaaaaaa", "p-0000000000",
	};
	size_t i;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(one);
	p->v = calloc(4, sizeof(*p->v));
	for (i = 0; i < 4; i++) {
		p->v[i].id = xs(ids[i]);
		p->v[i].arn = xs("arn");
		p->v[i].name = xs("n");
		p->v[i].type = xs("SERVICE_CONTROL_POLICY");
		p->v[i].description = xs("");
	}
	p->n = 4;
	org_policies_sort(p);
	ck_assert_str_eq(p->v[0].id, "p-0000000000");
	ck_assert_str_eq(p->v[1].id, "p-FullAWSAccess");
	ck_assert_str_eq(p->v[2].id, "p-aaaaaaaaaa");
	ck_assert_str_eq(p->v[3].id, "p-zzzzzzzzzz");
	org_policies_free(p);

	one->summary.id = xs("p-aaaaaaaaaa");
	one->summary.arn = xs("arn");
	one->summary.name = xs("n");
	one->summary.type = xs("TAG_POLICY");
	one->summary.description = xs("d");
	one->content = xs("{}");
	one->targets = calloc(3, sizeof(*one->targets));
	one->targets[0].id = xs("r-ab12");
	one->targets[1].id = xs("123456789012");
	one->targets[2].id = xs("ou-ab12-aaaaaaaa");
	for (i = 0; i < 3; i++) {
		one->targets[i].arn = xs("arn");
		one->targets[i].name = xs("n");
		one->targets[i].type = xs("ROOT");
	}
	one->ntargets = 3;
	org_policy_sort(one);
	ck_assert_str_eq(one->targets[0].id, "123456789012");
	ck_assert_str_eq(one->targets[1].id, "ou-ab12-aaaaaaaa");
	ck_assert_str_eq(one->targets[2].id, "r-ab12");
	org_policy_free(one);
	org_policy_free(NULL);
	org_policies_free(NULL);
}
END_TEST

START_TEST(test_info_free)
{
	struct org_info *o = calloc(1, sizeof(*o));

	ck_assert_ptr_nonnull(o);
	o->id = xs("o-abcdefghij");
	o->arn = xs("arn");
	o->feature_set = xs("ALL");
	o->management_account_id = xs("123456789012");
	o->management_account_arn = xs("arn");
	o->management_account_email = xs("a@example.com");
	o->types = calloc(2, sizeof(*o->types));
	o->types[0].type = xs("TAG_POLICY");
	o->types[0].status = xs("ENABLED");
	o->types[1].type = xs("BACKUP_POLICY");
	o->types[1].status = xs("PENDING_ENABLE");
	o->ntypes = 2;
	/* leaks show under ASan */
	org_info_free(o);
	org_info_free(NULL);
}
END_TEST

/* One resource of a listing to pack: parts as arn_fill_resource would set
 * them, tags as given (key, value pairs, NULL-ended) */
static void make_res(struct org_resource *r, const char *arn,
		     const char *service, const char *region,
		     const char *account, const char *type, const char *id,
		     const char *compliance, const char *const *kv)
{
	size_t n = 0;

	r->arn = xs(arn);
	r->service = xs(service);
	r->region = xs(region);
	r->account = xs(account);
	r->type = xs(type);
	r->id = xs(id);
	r->compliance = compliance ? xs(compliance) : NULL;
	while (kv && kv[2 * n])
		n++;
	/* a source's tag array may be larger than its tags */
	r->tags.v = n ? calloc(n + 3, sizeof(*r->tags.v)) : NULL;
	for (r->tags.n = 0; r->tags.n < n; r->tags.n++) {
		r->tags.v[r->tags.n].key = xs(kv[2 * r->tags.n]);
		r->tags.v[r->tags.n].value = xs(kv[2 * r->tags.n + 1]);
	}
}

static const char *const pack_tags_a[] = {
	"Environment", "prod", "Name", "web-frontend-production-1",
	"Team", "payments", NULL,
};
static const char *const pack_tags_b[] = {
	"Environment", "prod", "Team", "payments", NULL,
};

static struct org_resources *make_listing(void)
{
	struct org_resources *r = calloc(1, sizeof(*r));

	ck_assert_ptr_nonnull(r);
	r->v = calloc(8, sizeof(*r->v));       /* room to spare, as grown */
	ck_assert_ptr_nonnull(r->v);
	make_res(&r->v[r->n++], "arn:aws:ec2:eu-west-1:111111111111:instance/i-1",
		 "ec2", "eu-west-1", "111111111111", "instance", "i-1", "",
		 pack_tags_a);
	make_res(&r->v[r->n++], "arn:aws:ec2:eu-west-1:111111111111:instance/i-2",
		 "ec2", "eu-west-1", "111111111111", "instance", "i-2",
		 "missing key: Owner", pack_tags_b);
	/* the id is not the ARN's end (":*" is dropped) */
	make_res(&r->v[r->n++],
		 "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/x:*",
		 "logs", "eu-west-1", "111111111111", "log-group", "/aws/x",
		 NULL, NULL);
	/* its name is a tag value of others too */
	make_res(&r->v[r->n++], "arn:aws:sqs:eu-west-1:111111111111:payments",
		 "sqs", "eu-west-1", "111111111111", "queue", "payments", "",
		 pack_tags_b);
	org_resources_sort(r);
	return r;
}

START_TEST(test_resources_pack)
{
	struct org_resources *r = make_listing(), *ref = make_listing(), *other;
	struct strpool_stats st0, st1;
	size_t before = org_resources_bytes(r), i, j;
	const struct org_resource *f;

	strpool_stats(&st0);
	ck_assert_int_eq(org_resources_pack(r), 0);
	ck_assert_ptr_nonnull(r->pack);
	/* what a reader sees is the same, field by field */
	ck_assert_uint_eq(r->n, ref->n);
	for (i = 0; i < r->n; i++) {
		const struct org_resource *x = &r->v[i], *y = &ref->v[i];

		ck_assert_str_eq(x->arn, y->arn);
		ck_assert_str_eq(x->service, y->service);
		ck_assert_str_eq(x->region, y->region);
		ck_assert_str_eq(x->account, y->account);
		ck_assert_str_eq(x->type, y->type);
		ck_assert_str_eq(x->id, y->id);
		ck_assert_str_eq(x->compliance, y->compliance ? y->compliance : "");
		ck_assert_uint_eq(x->tags.n, y->tags.n);
		for (j = 0; j < x->tags.n; j++) {
			ck_assert_str_eq(x->tags.v[j].key, y->tags.v[j].key);
			ck_assert_str_eq(x->tags.v[j].value, y->tags.v[j].value);
		}
		if (!x->tags.n)
			ck_assert_ptr_null(x->tags.v);
		/* the ARN in the listing's block */
		ck_assert(x->arn >= r->pack && x->arn < r->pack + r->pack_size);
	}
	/* shared once: the listing's region, a tag key, equal values, and
	 * with another listing through the pool (strpool.h) */
	other = make_listing();
	ck_assert_int_eq(org_resources_pack(other), 0);
	ck_assert_ptr_eq(r->v[0].region, r->v[3].region);
	ck_assert_ptr_eq(r->v[0].region, other->v[2].region);
	ck_assert_ptr_eq(r->v[1].tags.v[0].key, other->v[0].tags.v[0].key);
	ck_assert(r->v[0].type < r->pack || r->v[0].type >= r->pack + r->pack_size);
	/* a long value met once (a Name) is the listing's own */
	f = org_resources_find(r, "arn:aws:ec2:eu-west-1:111111111111:instance/i-1");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->tags.v[1].value, "web-frontend-production-1");
	ck_assert_ptr_ne(f->tags.v[1].value, other->v[0].tags.v[1].value);
	org_resources_free(other);
	ck_assert_ptr_eq(r->v[0].tags.v[0].key, r->v[1].tags.v[0].key);
	f = org_resources_find(r, "arn:aws:sqs:eu-west-1:111111111111:payments");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_eq(f->tags.v[1].value, r->v[0].tags.v[2].value);
	/* an id that ends the ARN is that end of it */
	f = org_resources_find(r, "arn:aws:ec2:eu-west-1:111111111111:instance/i-1");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_eq(f->id, f->arn + strlen(f->arn) - 3);
	ck_assert_uint_lt(org_resources_bytes(r), before);
	ck_assert_uint_eq(org_resources_bytes(r), sizeof(*r) +
			  r->n * sizeof(*r->v) + r->pack_size);
	/* packing again changes nothing; freeing frees the block (ASan)
	 * and lets go of the pooled strings */
	ck_assert_int_eq(org_resources_pack(r), 0);
	strpool_stats(&st1);
	ck_assert_uint_gt(st1.strings, st0.strings);
	org_resources_free(r);
	strpool_stats(&st1);
	ck_assert_uint_eq(st1.strings, st0.strings);
	org_resources_free(ref);
}
END_TEST

START_TEST(test_strpool)
{
	struct strpool_stats st0, st;
	char a[] = "test-strpool-1", b[] = "test-strpool-1";
	const char *p, *q, *r;

	strpool_stats(&st0);
	p = strpool_get(a, 1);
	q = strpool_get(b, 2);
	r = strpool_get("test-strpool-2", 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_eq(p, q);                 /* one copy */
	ck_assert_ptr_ne(p, a);
	ck_assert_str_eq(p, "test-strpool-1");
	ck_assert_str_eq(r, "test-strpool-2");
	strpool_stats(&st);
	ck_assert_uint_eq(st.strings, st0.strings + 2);
	strpool_put(p);
	ck_assert_str_eq(q, "test-strpool-1");  /* still held once */
	strpool_stats(&st);
	ck_assert_uint_eq(st.strings, st0.strings + 2);
	strpool_put(q);
	ck_assert_str_eq(q, "test-strpool-1");  /* q took two */
	strpool_stats(&st);
	ck_assert_uint_eq(st.strings, st0.strings + 2);
	strpool_put_many((const char *const[]){ q, r, NULL }, 3);
	strpool_stats(&st);
	ck_assert_uint_eq(st.strings, st0.strings);
}
END_TEST

START_TEST(test_resources_pack_empty)
{
	struct org_resources *r = calloc(1, sizeof(*r));

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(org_resources_pack(r), 0);
	ck_assert_ptr_null(r->pack);
	ck_assert_uint_eq(org_resources_bytes(r), sizeof(*r));
	ck_assert_int_eq(org_resources_pack(NULL), 0);
	org_resources_free(r);
}
END_TEST

/* A permission sets' value with the sets' accounts as a source gives
 * them: a strdup each, sorted per set. */
static struct org_access *make_psets(const char *const *const *accounts,
				     size_t npsets)
{
	struct org_access *a = calloc(1, sizeof(*a));
	size_t i, j;

	ck_assert_ptr_nonnull(a);
	a->psets = calloc(npsets, sizeof(*a->psets));
	ck_assert_ptr_nonnull(a->psets);
	a->npsets = npsets;
	for (i = 0; i < npsets; i++) {
		struct org_pset *p = &a->psets[i];
		char name[8];

		snprintf(name, sizeof(name), "ps%zu", i);
		p->name = xs(name);
		p->arn = xs(name);
		for (j = 0; accounts[i][j]; j++)
			;
		p->accounts = calloc(j ? j : 1, sizeof(char *));
		ck_assert_ptr_nonnull(p->accounts);
		for (p->naccounts = 0; p->naccounts < j; p->naccounts++)
			p->accounts[p->naccounts] = xs(accounts[i][p->naccounts]);
	}
	return a;
}

START_TEST(test_access_pack_accounts)
{
	static const char *const a0[] = { "111111111111", "222222222222",
					  "333333333333", NULL };
	static const char *const a1[] = { "222222222222", "444444444444",
					  NULL };
	static const char *const a2[] = { NULL };
	static const char *const a3[] = { "111111111111", "444444444444",
					  NULL };
	static const char *const *const sets[] = { a0, a1, a2, a3 };
	struct org_access *a = make_psets(sets, 4);
	size_t i, j;

	ck_assert_int_eq(org_access_pack_accounts(a), 0);
	ck_assert_ptr_nonnull(a->accounts_pack);
	/* 7 pointers, 4 accounts of 13 bytes: each account once */
	ck_assert_uint_eq(a->accounts_pack_size, 7 * sizeof(char *) + 4 * 13);
	for (i = 0; i < 4; i++) {
		const struct org_pset *p = &a->psets[i];

		for (j = 0; sets[i][j]; j++) {
			ck_assert_str_eq(p->accounts[j], sets[i][j]);
			ck_assert(p->accounts[j] >= a->accounts_pack &&
				  p->accounts[j] < a->accounts_pack +
				  a->accounts_pack_size);
			ck_assert(org_pset_provisioned(p, sets[i][j]));
		}
		ck_assert_uint_eq(p->naccounts, j);
	}
	/* one copy for every set provisioned there */
	ck_assert_ptr_eq(a->psets[0].accounts[1], a->psets[1].accounts[0]);
	ck_assert_ptr_eq(a->psets[1].accounts[1], a->psets[3].accounts[1]);
	ck_assert(!org_pset_provisioned(&a->psets[1], "111111111111"));
	ck_assert(org_access_provisioned(a, "333333333333"));
	ck_assert(!org_access_provisioned(a, "555555555555"));
	/* packed once: again is nothing */
	ck_assert_int_eq(org_access_pack_accounts(a), 0);
	org_access_free(a);

	/* no accounts at all: nothing to pack */
	a = make_psets(sets + 2, 1);
	ck_assert_int_eq(org_access_pack_accounts(a), 0);
	ck_assert_ptr_null(a->accounts_pack);
	org_access_free(a);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("Core");

	tcase_add_test(tc, test_tags_sort_get);
	tcase_add_test(tc, test_tags_empty);
	tcase_add_test(tc, test_accounts_sort_find);
	tcase_add_test(tc, test_accounts_small);
	tcase_add_test(tc, test_accounts_pack);
	tcase_add_test(tc, test_hier);
	tcase_add_test(tc, test_policies);
	tcase_add_test(tc, test_info_free);
	tcase_add_test(tc, test_resources_pack);
	tcase_add_test(tc, test_resources_pack_empty);
	tcase_add_test(tc, test_strpool);
	tcase_add_test(tc, test_access_pack_accounts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(model_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
