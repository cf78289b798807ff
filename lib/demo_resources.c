/* demo_resources.c - what the demo generates per account: resources,
 * effective tag policies and AWS Config rule compliance (see demo.h) */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "arn.h"
#include "awserr.h"
#include "demo_data.h"
#include "demo_priv.h"
#include "hash.h"
#include "model.h"

/* ---- resources --------------------------------------------------------- */

/*
 * Resources are not kept: each (account, region) listing is generated when
 * asked, from the account's recipe and a hash of (seed, account, region,
 * index), so a demo of 100,000 accounts describes millions of resources at
 * no memory cost until they are read.
 */

/* What every resource of one listing shares. */
struct res_ctx {
	const struct demo *d;
	const struct demo_acct *a;
	const char *region;
	int global;             /* this listing carries the global resources */
	char team[64];
	char owner[96];         /* Owner tag value: team, or a person's mail */
	const char *env;
	const char *cost_center;        /* NULL: the account has none */
	unsigned first;                 /* kind the listing starts with */
	unsigned counter[RK_N];
};

/* Account states and categories whose member role cannot be assumed:
 * closed accounts, and invited accounts that never created the role. */
static int role_refused(const struct demo *d, const struct demo_acct *a)
{
	if (a == &d->acct[0])
		return 0;
	if (!strcmp(a->state, "SUSPENDED") || !strcmp(a->state, "CLOSED"))
		return 1;
	if (a->cat == CAT_TRANSITIONAL)
		return 1;
	return a->cat == CAT_FIXED &&
	       demo_fixed[a->fixed].ou == OU_TRANSITIONAL;
}

static void res_ctx_init(struct res_ctx *c, const struct demo *d,
			 const struct demo_acct *a, const char *region)
{
	memset(c, 0, sizeof(*c));
	c->d = d;
	c->a = a;
	c->region = region;
	c->global = !strcmp(region, demo_regions[0]);
	c->env = "prod";
	switch ((enum cat)a->cat) {
	case CAT_FIXED:
		snprintf(c->team, sizeof(c->team), "%s",
			 demo_fixed_res[a->fixed].team);
		c->env = demo_fixed_res[a->fixed].env;
		c->cost_center = demo_fixed_res[a->fixed].cost_center;
		break;
	case CAT_WORKLOAD:
		snprintf(c->team, sizeof(c->team), "%s", demo_team_name(a));
		c->env = demo_env_slug[a->env];
		c->cost_center = demo_bus[a->bu].cost_center;
		break;
	case CAT_SANDBOX:
		snprintf(c->team, sizeof(c->team), "%s", demo_people[a->item]);
		c->env = "sandbox";
		c->cost_center = "CC-9000";
		break;
	case CAT_DATA:
		snprintf(c->team, sizeof(c->team), "%s",
			 a->ou == OU_ANALYTICS ? "analytics" : "data-platform");
		c->env = demo_env_slug[a->env];
		c->cost_center = "CC-3000";
		break;
	case CAT_INFRA:
		snprintf(c->team, sizeof(c->team), "platform");
		c->cost_center = "CC-1100";
		break;
	case CAT_SECURITY:
		snprintf(c->team, sizeof(c->team), "security");
		c->cost_center = "CC-1000";
		break;
	case CAT_TRANSITIONAL:
		snprintf(c->team, sizeof(c->team), "%s-it",
			 demo_companies[a->item]);
		break;
	case CAT_SUSPENDED:
		snprintf(c->team, sizeof(c->team), "%s",
			 demo_legacy_words[a->item]);
		break;
	}
	/* sandboxes belong to people */
	snprintf(c->owner, sizeof(c->owner), "%s%s", c->team,
		 !strcmp(c->env, "sandbox") && strcmp(c->team, "sandbox") &&
		 strcmp(c->team, "research") ? "@example.com" : "");
}

/* The kind of the i-th resource: one of each first (starting at a kind
 * that varies by listing), then by weight. */
static enum rkind pick_kind(const struct res_ctx *c, size_t i, uint64_t h)
{
	unsigned total = 0, navail = 0, k, x;
	enum rkind avail[RK_N];

	for (k = 0; k < RK_N; k++) {
		if (demo_rkinds[k].global && !c->global)
			continue;
		avail[navail++] = (enum rkind)k;
		total += demo_rkinds[k].weight;
	}
	if (i < navail)
		return avail[(i + c->first) % navail];
	x = (unsigned)(h % total);
	for (k = 0; k + 1 < navail && x >= demo_rkinds[avail[k]].weight; k++)
		x -= demo_rkinds[avail[k]].weight;
	return avail[k];
}

/* The root's tag policy CostCenterAndOwner, as the tagging API reports
 * it: keys that differ from "CostCenter"/"Owner" only in case, and
 * CostCenter values outside the allowed list. */
static int cost_center_ok(const char *v)
{
	return !strcmp(v, "CC-1000") || !strcmp(v, "CC-1100") ||
	       !strncmp(v, "CC-2", 4) || !strcmp(v, "CC-3000") ||
	       !strcmp(v, "CC-9000");
}

static char *res_compliance(const struct org_tags *t, int *oom)
{
	char out[512] = "";
	size_t len = 0, i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < t->n; i++) {
			const char *k = t->v[i].key;
			int cc = !strcasecmp(k, "CostCenter");

			if (pass == 0 && (cc || !strcasecmp(k, "Owner")) &&
			    strcmp(k, cc ? "CostCenter" : "Owner"))
				len += snprintf(out + len, sizeof(out) - len,
						"%snoncompliant key: %s",
						len ? "\n" : "", k);
			else if (pass == 1 && cc &&
				 !cost_center_ok(t->v[i].value))
				len += snprintf(out + len, sizeof(out) - len,
						"%snoncompliant value: %s",
						len ? "\n" : "", k);
			if (len >= sizeof(out))
				len = sizeof(out) - 1;
		}
	}
	return demo_xstrdup(oom, out);
}

static void res_tags(struct res_ctx *c, enum rkind k, const char *name,
		     uint64_t h, struct tagv *tv)
{
	unsigned g = (unsigned)((h >> 8) % 100);
	unsigned e = (unsigned)((h >> 16) % 100);
	unsigned cc = (unsigned)((h >> 24) % 100);
	char tmp[96];

	if (g < 8)
		return;                 /* tagged once, every tag removed */
	if (k == RK_INSTANCE || k == RK_VOLUME || k == RK_VPC)
		demo_tag_add(tv, "Name", name);
	if (e < 70)
		demo_tag_add(tv, "Environment", c->env);
	if (c->cost_center && cc < 60)
		demo_tag_add(tv, "CostCenter", c->cost_center);
	else if (c->cost_center && cc < 64)
		demo_tag_add(tv, "costcenter", c->cost_center);
	else if (cc < 67)
		demo_tag_add(tv, "CostCenter", cc & 1 ? "" : "TBD");
	if ((k == RK_BUCKET || k == RK_TABLE || k == RK_DB) && e % 3)
		demo_tag_add(tv, "DataClassification",
			     !strcmp(c->env, "prod") ? "confidential" : "internal");
	if ((k == RK_TABLE || k == RK_DB) && !strcmp(c->env, "prod") &&
	    e % 2)
		demo_tag_add(tv, "Backup", "daily");
	if ((k == RK_FUNCTION || k == RK_QUEUE || k == RK_TOPIC ||
	     k == RK_LOGGROUP) && (h >> 32) % 3 == 0)
		demo_tag_addf(tv, "aws:cloudformation:stack-name", "%s-%s-%s",
			      c->team, c->env, demo_rkinds[k].service);
	if (g < 45) {
		/* no owner of its own: the account's applies */
	} else if (g < 72) {
		demo_tag_add(tv, "Team", c->team);
	} else if (g < 88) {
		demo_tag_add(tv, "Owner", c->owner);
		if (g % 2 == 0)
			demo_tag_add(tv, "Team", c->team);
	} else if (g < 91) {
		demo_tag_add(tv, "owner", c->owner);
	} else if (g < 94) {
		demo_tag_addf(tv, "Owner", "%s@example.com",
			      demo_people[(h >> 40) % N(demo_people)]);
	} else if (g < 97) {
		demo_typo(tmp, sizeof(tmp), c->team);
		demo_tag_add(tv, "Team", tmp);
	} else {
		demo_tag_add(tv, "Owner", "");
	}
}

/* One resource: its ARN, parsed fields, tags and compliance into r. */
static int res_make(struct res_ctx *c, size_t i, uint64_t base,
		    struct org_resource *r)
{
	const struct demo_acct *a = c->a;
	uint64_t h = demo_mix64(base + i);   /* a bijection: distinct ids */
	enum rkind k = pick_kind(c, i, demo_mix64(h));
	const struct rkind_info *ki = &demo_rkinds[k];
	unsigned n = c->counter[k]++;
	/* each listing starts the kind's names at another word */
	const char *w = ki->words[(n + (base >> (4 * k))) % ki->nwords];
	char sfx[16], name[160] = "", id[200], *arn;
	struct tagv tv = { .t = &r->tags };
	int oom = 0, rc;

	demo_copy_suffix(sfx, sizeof(sfx), n / ki->nwords);
	switch (k) {
	case RK_INSTANCE:
		snprintf(name, sizeof(name), "%s-%s-%s%s", c->team, w, c->env,
			 sfx);
		snprintf(id, sizeof(id), "i-0%016llx", (unsigned long long)h);
		break;
	case RK_VOLUME:
		snprintf(name, sizeof(name), "%s-%s-%s%s", c->team, w, c->env,
			 sfx);
		snprintf(id, sizeof(id), "vol-0%016llx", (unsigned long long)h);
		break;
	case RK_VPC:
		snprintf(name, sizeof(name), "%s-%s-%s%s", c->team, c->env, w,
			 sfx);
		snprintf(id, sizeof(id), "vpc-0%016llx", (unsigned long long)h);
		break;
	case RK_BUCKET:
		snprintf(id, sizeof(id), "%s-%s-%s%s", c->team, w, a->id, sfx);
		break;
	case RK_ROLE: {
		unsigned p = (unsigned)((h >> 12) % 4);

		snprintf(id, sizeof(id), "%s%s%s%s-%s%s",
			 p == 1 ? "service-role/" : p == 2 ? "application/" : "",
			 p == 2 ? c->team : "", p == 2 ? "/" : "", c->team, w,
			 sfx);
		break;
	}
	case RK_LOGGROUP:
		if (h & 0x100)
			snprintf(id, sizeof(id), "/aws/lambda/%s-%s-%s%s",
				 c->team, c->env, w, sfx);
		else
			snprintf(id, sizeof(id), "/ecs/%s-%s/%s%s", c->team,
				 c->env, w, sfx);
		break;
	case RK_QUEUE:
		snprintf(id, sizeof(id), "%s-%s%s%s", c->team, w, sfx,
			 (h >> 20) % 5 == 0 ? ".fifo" : "");
		break;
	default:        /* function, table, db, topic */
		snprintf(id, sizeof(id), "%s-%s-%s%s", c->team, c->env, w,
			 sfx);
		break;
	}
	if (ki->global)
		arn = demo_xprintf(&oom, "arn:aws:%s::%s:%s%s", ki->service,
				   k == RK_BUCKET ? "" : a->id, ki->prefix, id);
	else
		arn = demo_xprintf(&oom, "arn:aws:%s:%s:%s:%s%s", ki->service,
				   c->region, a->id, ki->prefix, id);
	/* the parser names the parts, as it does for the aws source */
	rc = oom ? -ENOMEM : arn_fill_resource(arn, a->id, r);
	free(arn);
	if (rc < 0)
		return rc;
	res_tags(c, k, *name ? name : id, h, &tv);
	org_tags_sort(&r->tags);
	r->compliance = res_compliance(&r->tags, &oom);
	return oom || tv.oom ? -ENOMEM : 0;
}

static int res_error(struct aws_error *err, int e, const char *op,
		     const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int res_error(struct aws_error *err, int e, const char *op,
		     const char *code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		memset(err, 0, sizeof(*err));
		snprintf(err->code, sizeof(err->code), "%s", code);
		snprintf(err->operation, sizeof(err->operation), "%s", op);
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
		err->http_status = e == EACCES ? 403 : e == ENOMEM ? 0 : 400;
		err->err = e;
	}
	return -e;
}

int demo_list_regions(struct org_source *s, const char *account,
		      struct org_regions **out, struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	const struct demo_acct *a;
	struct org_regions *r;
	size_t i;

	*out = NULL;
	if (demo_ready(d))
		return demo_oom_error(err, "ListRegions");
	a = account ? demo_find_account(d, account) : NULL;
	if (!a || role_refused(d, a))
		return res_error(err, EACCES, "sts:AssumeRole", "AccessDenied",
				 "account %.12s: assume role: not authorized "
				 "to perform sts:AssumeRole",
				 account ? account : "(null)");
	r = calloc(1, sizeof(*r));
	if (r)
		r->v = calloc(N(demo_regions), sizeof(*r->v));
	for (i = 0; r && r->v && i < N(demo_regions); i++) {
		if (!(r->v[r->n] = strdup(demo_regions[i])))
			break;
		r->n++;
	}
	if (!r || r->n != N(demo_regions)) {
		org_regions_free(r);
		return demo_oom_error(err, "ListRegions");
	}
	/* sorted (demo_regions has the global one first) */
	if (r->n == 2 && strcmp(r->v[0], r->v[1]) > 0) {
		char *t = r->v[0];

		r->v[0] = r->v[1];
		r->v[1] = t;
	}
	*out = r;
	return 0;
}

int demo_list_resources(struct org_source *s, const char *account,
			       const char *region, struct org_resources **out,
			       struct aws_error *err)
{
	static const char role[] = "OrganizationAccountAccessRole";
	struct demo *d = (struct demo *)s;
	const struct demo_acct *a;
	struct org_resources *r;
	struct res_ctx *c;
	uint64_t base;
	size_t i, n = 0, ridx;
	int rc = 0;

	if (demo_ready(d))
		return demo_oom_error(err, "GetResources");

	*out = NULL;
	for (i = 0; region && region[i]; i++)
		if (!((region[i] >= 'a' && region[i] <= 'z') ||
		      (region[i] >= '0' && region[i] <= '9') ||
		      region[i] == '-'))
			break;
	if (!account || !region || !*region || region[i])
		return res_error(err, EINVAL, "resourcegroupstaggingapi:GetResources",
				 "InvalidParameterException",
				 "list resources: not an account id and region");
	a = demo_find_account(d, account);
	if (!a || role_refused(d, a))
		return res_error(err, EACCES, "sts:AssumeRole", "AccessDenied",
				 "account %.12s: assume role arn:aws:iam::%.12s:role/%s: "
				 "User: arn:aws:iam::%s:user/demo is not authorized to "
				 "perform: sts:AssumeRole on resource: "
				 "arn:aws:iam::%.12s:role/%s", account, account, role,
				 demo_mgmt_id(d), account, role);
	for (ridx = 0; ridx < N(demo_regions); ridx++)
		if (!strcmp(region, demo_regions[ridx]))
			break;
	if (ridx < N(demo_regions))
		n = d->nres;
	r = calloc(1, sizeof(*r));
	c = malloc(sizeof(*c));
	if (r && n)
		r->v = calloc(n, sizeof(*r->v));
	if (!r || !c || (n && !r->v)) {
		rc = -ENOMEM;
		goto out;
	}
	res_ctx_init(c, d, a, region);
	base = demo_draw(d, H_RES, a->number * N(demo_regions) + ridx);
	c->first = (unsigned)(base % RK_N);
	for (i = 0; i < n && rc == 0; i++) {
		rc = res_make(c, i, base, &r->v[i]);
		r->n = i + 1;
	}
	if (rc == 0) {
		org_resources_sort(r);
		*out = r;
		r = NULL;
	}
out:
	free(c);
	org_resources_free(r);
	if (rc < 0)
		return res_error(err, ENOMEM, "resourcegroupstaggingapi:GetResources",
				 "OutOfMemory", "demo source: out of memory");
	return 0;
}

/* ---- effective tag policy ------------------------------------------------ */

/*
 * What DescribeEffectivePolicy returns: the TAG_POLICY documents attached
 * to the root, each OU down to the account and the account itself,
 * merged in that order with the inheritance operators (@@assign replaces,
 * @@append adds to a list, @@remove takes out of one; other operators are
 * dropped, as AWS drops them from effective policies).  Tag policy keys
 * are case-insensitive: AWS shows them lower-cased, with tag_key keeping
 * the canonical case.
 */

static int tagpol_lower(const char *key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; key[i] && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)key[i]);
	buf[i] = '\0';
	return key[i] ? -1 : 0;
}

static int tagpol_has_op(json_t *v)
{
	const char *k;
	json_t *x;

	json_object_foreach(v, k, x)
		if (!strncmp(k, "@@", 2))
			return 1;
	return 0;
}

/* l with every item of add it does not hold yet appended */
static int tagpol_append(json_t *l, json_t *add)
{
	json_t *it, *y;
	size_t i, j;

	json_array_foreach(add, i, it) {
		int seen = 0;

		json_array_foreach(l, j, y)
			seen |= json_equal(y, it);
		if (!seen && json_array_append(l, it))
			return -ENOMEM;
	}
	return 0;
}

/* The operators of one value ({"@@assign": ...}) applied to dst[k]. */
static int tagpol_apply(json_t *dst, const char *k, json_t *ops)
{
	json_t *as = json_object_get(ops, "@@assign");
	json_t *ap = json_object_get(ops, "@@append");
	json_t *rm = json_object_get(ops, "@@remove");
	json_t *l, *y;
	size_t i, j;

	if (as && json_object_set_new(dst, k, json_deep_copy(as)))
		return -ENOMEM;
	l = json_object_get(dst, k);
	if (json_is_array(ap)) {
		if (!json_is_array(l)) {
			/* a single value becomes the list's first item */
			json_t *nl = json_array();

			if (!nl || (l && json_array_append(nl, l)) ||
			    json_object_set_new(dst, k, nl))
				return -ENOMEM;
			l = nl;
		}
		if (tagpol_append(l, ap) < 0)
			return -ENOMEM;
	}
	if (json_is_array(rm) && json_is_array(l)) {
		for (i = json_array_size(l); i-- > 0;) {
			json_array_foreach(rm, j, y) {
				if (json_equal(json_array_get(l, i), y)) {
					json_array_remove(l, i);
					break;
				}
			}
		}
	}
	return 0;
}

/* Merge src into dst; lower: the keys of this level are tag names. */
static int tagpol_merge(json_t *dst, json_t *src, int lower)
{
	const char *key;
	json_t *val;
	char name[256];

	json_object_foreach(src, key, val) {
		const char *k = key;
		json_t *cur;
		int rc = 0;

		if (!strncmp(key, "@@", 2))
			continue;
		if (lower) {
			if (tagpol_lower(key, name, sizeof(name)) < 0)
				continue;
			k = name;
		}
		cur = json_object_get(dst, k);
		if (json_is_object(val) && tagpol_has_op(val)) {
			rc = tagpol_apply(dst, k, val);
		} else if (json_is_object(val)) {
			json_t *sub = json_is_object(cur) ? json_incref(cur) :
				      json_object();

			if (!sub || tagpol_merge(sub, val, 0) < 0 ||
			    json_object_set(dst, k, sub))
				rc = -ENOMEM;
			json_decref(sub);
		} else if (json_object_set_new(dst, k, json_deep_copy(val))) {
			rc = -ENOMEM;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Merge one policy document: its "tags" children are tag names. */
static int tagpol_merge_doc(json_t *dst, const char *content)
{
	json_t *doc, *tags, *cur;
	int rc = 0;

	doc = json_loads(content, 0, NULL);
	if (!doc)
		return -EINVAL;         /* the templates are ours: cannot be */
	tags = json_object_get(doc, "tags");
	if (json_is_object(tags)) {
		cur = json_object_get(dst, "tags");
		if (!json_is_object(cur)) {
			cur = json_object();
			if (!cur || json_object_set_new(dst, "tags", cur))
				rc = -ENOMEM;
		}
		if (rc == 0)
			rc = tagpol_merge(cur, tags, 1);
	}
	json_decref(doc);
	return rc;
}

static int policy_applies(const struct demo_policy *p, char kind, size_t idx)
{
	size_t i;

	if (p->all)
		return 1;
	for (i = 0; i < p->ntargets; i++)
		if (p->targets[i].kind == kind && p->targets[i].idx == idx)
			return 1;
	return 0;
}

int demo_effective_tag_policy(struct org_source *s,
				     const char *account,
				     struct org_document **out,
				     struct aws_error *err)
{
	static const char op[] = "DescribeEffectivePolicy";
	struct demo *d = (struct demo *)s;
	const struct demo_acct *a;
	int chain[64], nchain = 0, ou, found = 0, rc = 0;
	struct org_document *doc;
	json_t *eff;
	size_t i, aidx;

	if (demo_ready(d))
		return demo_oom_error(err, "DescribeEffectivePolicy");

	*out = NULL;
	a = account ? demo_find_account(d, account) : NULL;
	if (!a)
		return demo_error(err, ENOENT, op, "TargetNotFoundException",
				  "We can't find a root, OU, account, or "
				  "policy with the TargetId that you "
				  "specified.");
	aidx = (size_t)(a - d->acct);
	for (ou = a->ou; ou >= 0 && nchain < (int)N(chain);
	     ou = d->ous[ou].parent)
		chain[nchain++] = ou;
	eff = json_object();
	if (!eff)
		return demo_oom_error(err, op);
	/* the root first, down the OUs, the account last (k == -1) */
	for (int k = nchain - 1; rc == 0 && k >= -1; k--) {
		char kind = k < 0 ? 'A' : chain[k] ? 'O' : 'R';
		size_t idx = k < 0 ? aidx : (size_t)chain[k];

		for (i = 0; rc == 0 && i < NPOL; i++) {
			if (strcmp(d->pol[i].t->type, "TAG_POLICY") ||
			    !policy_applies(&d->pol[i], kind, idx))
				continue;
			found = 1;
			rc = tagpol_merge_doc(eff, d->pol[i].t->content);
		}
	}
	doc = calloc(1, sizeof(*doc));
	if (rc == 0 && doc) {
		doc->present = found;
		doc->text = found ? json_dumps(eff, JSON_COMPACT |
					       JSON_SORT_KEYS) : strdup("");
		/* a policy change some weeks before "now", per organization */
		doc->updated = !found ? 0 : 1717200000 +
			(time_t)(demo_draw(d, H_TAGPOL, 0) % (180 * 86400));
	}
	json_decref(eff);
	if (rc < 0 || !doc || !doc->text) {
		org_document_free(doc);
		return rc == -EINVAL ?
		       demo_error(err, EIO, op, "MalformedPolicyDocument",
				  "demo source: a tag policy does not parse") :
		       demo_oom_error(err, op);
	}
	*out = doc;
	return 0;
}

/* ---- AWS Config rule compliance ----------------------------------------- */

/*
 * Config records in the demo's regions of every account that can be read,
 * except sandboxes (nobody set it up) and about one development account
 * in five, which records in us-east-1 only.  Where it records, a
 * conformance pack's rules evaluate the account's demo resources, so a
 * NON_COMPLIANT rule has a resource behind it: required-tags fails where a
 * resource lacks a CostCenter tag (case-sensitive, as Config's rule is),
 * the encryption, logging and public-access rules where a hash of the
 * resource's ARN says so (more often outside prod).  A rule with no
 * resource in scope has no evaluation and reads INSUFFICIENT_DATA, as
 * does dynamodb-pitr-enabled in accounts it was only just deployed to.
 * The account-level IAM rules evaluate in us-east-1 only, where global
 * resources are recorded.  NOT_APPLICABLE is a result of single
 * resources, never of a rule (Config's Compliance type does not support
 * it), so the demo's rules never read it.
 */

/* The resource kind of a listed resource, from its ARN's parts. */
static int cfg_kind(const struct org_resource *r)
{
	static const struct { const char *svc, *type; int kind; } map[] = {
		{ "ec2", "instance", RK_INSTANCE },
		{ "ec2", "volume", RK_VOLUME },
		{ "ec2", "vpc", RK_VPC },
		{ "s3", "bucket", RK_BUCKET },
		{ "lambda", "function", RK_FUNCTION },
		{ "rds", "db", RK_DB },
		{ "dynamodb", "table", RK_TABLE },
	};
	size_t i;

	for (i = 0; i < N(map); i++)
		if (!strcmp(r->service, map[i].svc) &&
		    !strcmp(r->type, map[i].type))
			return map[i].kind;
	return -1;
}

static int cfg_sandbox(const struct demo_acct *a)
{
	return a->cat == CAT_SANDBOX ||
	       (a->cat == CAT_FIXED && demo_fixed[a->fixed].ou == OU_SANDBOX);
}

/* Whether Config records in the account and region. */
static int cfg_enabled(const struct demo *d, const struct demo_acct *a,
		       const char *region, const char *env)
{
	size_t i;

	for (i = 0; i < N(demo_regions); i++)
		if (!strcmp(region, demo_regions[i]))
			break;
	if (i == N(demo_regions) || cfg_sandbox(a))
		return 0;
	if (i > 0 && !strcmp(env, "dev") &&
	    demo_draw(d, H_CFG, a->number) % 5 == 0)
		return 0;
	return 1;
}

static const char *cfg_eval(const struct demo *d, const struct demo_acct *a,
			    enum cfg_rule k, const struct org_resources *res,
			    const char *env)
{
	const struct cfg_rule_info *ri = &demo_cfg_rules[k];
	unsigned fail = strcmp(env, "prod") ? ri->fail_other : ri->fail_prod;
	size_t i, nscope = 0;
	int bad = 0;

	if (ri->kind < 0) {
		/* account-level rules */
		if (k == CR_CLOUDTRAIL)
			return "COMPLIANT";     /* the organization trail */
		if (!strcmp(a->method, "INVITED"))
			fail *= 4;      /* accounts from before the org */
		return demo_draw(d, H_CFG, a->number * CR_N + k) % 1000 < fail ?
		       "NON_COMPLIANT" : "COMPLIANT";
	}
	if (k == CR_DDB_PITR &&
	    demo_draw(d, H_CFG, a->number * CR_N + k) % 10 < 3)
		return "INSUFFICIENT_DATA";     /* deployed, not run yet */
	for (i = 0; i < res->n; i++) {
		const struct org_resource *r = &res->v[i];
		int kind = cfg_kind(r);

		if (kind < 0 || (kind != ri->kind && kind != ri->kind2 &&
		    !(k == CR_REQUIRED_TAGS &&
		      (kind == RK_VOLUME || kind == RK_DB))))
			continue;
		nscope++;
		if (k == CR_REQUIRED_TAGS)
			bad |= !org_tags_get(&r->tags, "CostCenter");
		else
			bad |= demo_draw(d, H_CFG,
					 hash_fnv1a_str(r->arn) ^ k) % 1000 <
			       fail;
	}
	if (!nscope)
		return "INSUFFICIENT_DATA";
	return bad ? "NON_COMPLIANT" : "COMPLIANT";
}

static int rule_name_cmp(const void *x, const void *y)
{
	const struct org_config_rule *a = x, *b = y;

	return strcmp(a->name, b->name);
}

int demo_config_compliance(struct org_source *s, const char *account,
				  const char *region,
				  struct org_config_rules **out,
				  struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_resources *res = NULL;
	struct org_config_rules *r;
	const struct demo_acct *a;
	struct res_ctx *c;
	int rc, us_east, oom = 0;
	size_t k;

	if (demo_ready(d))
		return demo_oom_error(err, "DescribeComplianceByConfigRule");

	*out = NULL;
	/* the member role, as for resources: the same refusals */
	rc = demo_list_resources(s, account, region, &res, err);
	if (rc < 0) {
		if (rc == -EINVAL)
			snprintf(err->operation, sizeof(err->operation),
				 "config:DescribeComplianceByConfigRule");
		return rc;
	}
	a = demo_find_account(d, account);
	r = calloc(1, sizeof(*r));
	c = malloc(sizeof(*c));
	if (!r || !c) {
		oom = 1;
		goto out;
	}
	res_ctx_init(c, d, a, region);
	us_east = !strcmp(region, demo_regions[0]);
	if (!cfg_enabled(d, a, region, c->env))
		goto out;
	r->enabled = 1;
	r->v = calloc(CR_N, sizeof(*r->v));
	if (!r->v) {
		oom = 1;
		goto out;
	}
	for (k = 0; k < CR_N && !oom; k++) {
		if (demo_cfg_rules[k].global && !us_east)
			continue;
		r->v[r->n].name = demo_xstrdup(&oom, demo_cfg_rules[k].name);
		r->v[r->n].compliance = demo_xstrdup(&oom, cfg_eval(d, a,
						(enum cfg_rule)k, res, c->env));
		r->n++;
	}
	qsort(r->v, r->n, sizeof(*r->v), rule_name_cmp);
out:
	free(c);
	org_resources_free(res);
	if (oom) {
		org_config_rules_free(r);
		return res_error(err, ENOMEM,
				 "config:DescribeComplianceByConfigRule",
				 "OutOfMemory", "demo source: out of memory");
	}
	*out = r;
	return 0;
}

