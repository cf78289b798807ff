/* tree_compliance.c - the compliance files of accounts, OUs and
 * resources, and /compliance: every object judged by every rule */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "tree.h"

/* What a rules_object needs about an account or OU beyond its tags. */
struct subject {
	const char *ids[70];
	char *paths[70];
	int n;
	struct rules_config_result *config;
	size_t nconfig;
};

static void subject_free(struct subject *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		free(s->paths[i]);
	free(s->config);
	memset(s, 0, sizeof(*s));
}

/* Ancestors (nearest first; the object itself first for an OU) and, when
 * the rules ask for them, the account's Config results. */
static int subject_of(struct lctx *c, const struct org_hier *h,
		      const char *id, const char *account, struct subject *s)
{
	const char *all[70];
	int i, n, first;
	size_t r, k;

	memset(s, 0, sizeof(*s));
	n = ancestry(h, id, all, 70);
	first = org_hier_find_ou(h, id) ? 0 : 1;
	for (i = first; i < n; i++) {
		struct buf b;

		buf_init(&b, 1 << 16);
		org_hier_path(h, all[i], &b);
		s->ids[s->n] = all[i];
		s->paths[s->n] = buf_steal(&b);
		s->n++;
	}
	if (!account || !c->fs->rules || !rules_uses_config(c->fs->rules) ||
	    !source_has(c, 1))
		return 0;
	for (r = 0; r < c->fs->nregions; r++) {
		const struct org_config_rules *cr =
			config_of(c, account, c->fs->regions[r]);
		struct rules_config_result *nv;

		if (!cr) {
			/* unreadable (a refused role, a suspended account):
			 * its Config rules read "not evaluated", and the
			 * cause is in .orgfs/errors */
			aws_error_clear(&c->err);
			continue;
		}
		if (!cr->n)
			continue;
		nv = realloc(s->config, (s->nconfig + cr->n) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->config = nv;
		for (k = 0; k < cr->n; k++) {
			s->config[s->nconfig].rule = cr->v[k].name;
			s->config[s->nconfig].compliance = cr->v[k].compliance;
			s->nconfig++;
		}
	}
	return 0;
}

static void object_fill(struct rules_object *o, const struct subject *s)
{
	o->ancestor_ids = s->ids;
	o->ancestor_paths = (const char *const *)s->paths;
	o->nancestors = (size_t)s->n;
	o->config = s->config;
	o->nconfig = s->nconfig;
	o->now = time(NULL);
}

/* o: resource r, owned by owner (NULL: none), in subject s's account. */
static void resource_object(struct rules_object *o,
			    const struct org_resource *r, const char *owner,
			    const struct subject *s)
{
	o->kind = "resource";
	o->id = r->arn;
	o->service = r->service;
	o->type = r->type;
	o->tags = &r->tags;
	o->owner = owner;
	object_fill(o, s);
}

/* The tag-policy problems the tagging API reports for a resource, as
 * failures of the organization-level rule "tag-policy". */
static int put_tag_policy(struct buf *b, const char *compliance)
{
	const char *p = compliance;
	int res = 0;

	while (p && *p && !res) {
		size_t len = strcspn(p, "\n");

		res = buf_printf(b, "policy tag-policy: %.*s\n", (int)len, p);
		p += len;
		if (*p)
			p++;
	}
	return res;
}

/* compliance of an account, root or OU (arg[0]) */
int f_object_compliance(struct lctx *c, struct node *out)
{
	const struct org_hier *h = hier(c);
	const struct org_ou *u = h ? org_hier_find_ou(h, c->arg[0]) : NULL;
	const struct org_account *a = u ? NULL : find_account(c, c->arg[0]);
	const struct org_tags *tags;
	struct rules_object o = { 0 };
	struct rules_verdict *v = NULL;
	struct owner_result ow = { 0 };
	struct subject s;
	time_t fetched;
	size_t n = 0;
	int stale, res;

	if (!h || (!u && !a))
		return c->err.err ? failed(c) : -ENOENT;
	if (!c->fs->rules)
		return 0;               /* no rules: nothing fails */
	tags = need(c, ORG_TAGS, c->arg[0]);
	if (!tags)
		return failed(c);
	res = org_owner_of(c->fs->org, c->arg[0], c->path, &ow, &fetched,
			   &stale, &c->err);
	if (res)
		return res;
	res = subject_of(c, h, c->arg[0], a ? a->id : NULL, &s);
	if (!res) {
		o.kind = a ? "account" : u->parent_id ? "ou" : "root";
		o.id = c->arg[0];
		o.tags = tags;
		o.owner = ow.value;
		object_fill(&o, &s);
		res = rules_evaluate(c->fs->rules, &o, &v, &n);
	}
	if (!res)
		res = rules_render_compliance(v, n, &out->data);
	rules_verdicts_free(v, n);
	subject_free(&s);
	owner_result_free(&ow);
	return res;
}

int f_resource_compliance(struct lctx *c, struct node *out)
{
	const struct org_resource *r = find_resource(c);
	const struct org_hier *h = r ? hier(c) : NULL;
	struct rules_object o = { 0 };
	struct rules_verdict *v = NULL;
	struct owner_result ar = { 0 };
	char *owner = NULL, *source = NULL;
	struct subject s;
	time_t fetched;
	size_t n = 0;
	int stale, res;

	if (!r || !h)
		return c->err.err ? failed(c) : -ENOENT;
	if (c->fs->rules) {
		res = org_owner_of(c->fs->org, c->arg[0], c->path, &ar,
				   &fetched, &stale, &c->err);
		if (!res)
			res = org_resource_owner(c->fs->org, r, ar.value,
						 ar.source, &owner, &source);
		owner_result_free(&ar);
		if (res)
			return res;
		res = subject_of(c, h, c->arg[0], c->arg[0], &s);
		if (!res) {
			resource_object(&o, r, owner, &s);
			res = rules_evaluate(c->fs->rules, &o, &v, &n);
		}
		/* the organization's tag policy is a policy: it comes first */
		if (!res)
			res = put_tag_policy(&out->data, r->compliance);
		if (!res)
			res = rules_render_compliance(v, n, &out->data);
		rules_verdicts_free(v, n);
		subject_free(&s);
		free(owner);
		free(source);
		return res;
	}
	return put_tag_policy(&out->data, r->compliance);
}

/* /compliance: every object judged by every rule */
struct judgement {
	int level;                      /* enum rule_level */
	const char *rule;               /* owned by the rules, or static */
	char *path;                     /* "accounts/<id>", ... */
	char *owner;
	char *reason;                   /* NULL: passed */
};

struct judgements {
	struct judgement *v;
	size_t n, cap;
};

static void judgements_free(struct judgements *j)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		free(j->v[i].path);
		free(j->v[i].owner);
		free(j->v[i].reason);
	}
	free(j->v);
}

static int judge_add(struct judgements *j, int level, const char *rule,
		     const char *path, const char *owner, const char *reason)
{
	struct judgement *e;

	if (j->n == j->cap) {
		size_t nc = j->cap ? j->cap * 2 : 256;
		struct judgement *nv = realloc(j->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		j->v = nv;
		j->cap = nc;
	}
	e = &j->v[j->n];
	e->level = level;
	e->rule = rule;
	e->path = strdup(path);
	e->owner = strdup(owner ? owner : "");
	e->reason = reason ? strdup(reason) : NULL;
	if (!e->path || !e->owner || (reason && !e->reason)) {
		free(e->path);
		free(e->owner);
		free(e->reason);
		return -ENOMEM;
	}
	j->n++;
	return 0;
}

static int judge_object(struct lctx *c, struct judgements *j,
			struct rules_object *o, const char *path)
{
	struct rules_verdict *v = NULL;
	size_t n = 0, i;
	int res = rules_evaluate(c->fs->rules, o, &v, &n);

	for (i = 0; !res && i < n; i++)
		res = judge_add(j, v[i].level, v[i].name, path, o->owner,
				v[i].pass ? NULL : v[i].reason);
	rules_verdicts_free(v, n);
	return res;
}

struct judge_walk {
	struct lctx *c;
	struct judgements *j;
	const struct org_hier *h;
	char account[16];               /* the subject below is its */
	struct subject s;
	int have;
};

static int judge_resource(void *arg, const struct org_resource *r,
			  const char *owner)
{
	struct judge_walk *w = arg;
	struct lctx *c = w->c;
	struct rules_object o = { 0 };
	char path[4096];
	char *e[5];
	int i, res = 0;

	e[0] = escape_name(r->account);
	e[1] = escape_name(r->service);
	e[2] = escape_name(r->region);
	e[3] = escape_name(r->type);
	e[4] = escape_name(r->id);
	for (i = 0; i < 5; i++)
		if (!e[i])
			res = -ENOMEM;
	if (!res)
		snprintf(path, sizeof(path), "accounts/%s/resources/%s/%s/%s/%s",
			 e[0], e[1], e[2], e[3], e[4]);
	for (i = 0; i < 5; i++)
		free(e[i]);
	if (res)
		return res;
	if (r->compliance && *r->compliance) {
		const char *p = r->compliance;

		while (*p && !res) {
			size_t len = strcspn(p, "\n");
			char *line = strndup(p, len);

			res = line ? judge_add(w->j, RULE_POLICY, "tag-policy",
					       path, owner, line) : -ENOMEM;
			free(line);
			p += len;
			if (*p)
				p++;
		}
	} else {
		res = judge_add(w->j, RULE_POLICY, "tag-policy", path, owner,
				NULL);
	}
	if (res || !c->fs->rules)
		return res;
	if (!w->have || strcmp(w->account, r->account)) {
		subject_free(&w->s);
		w->have = 0;
		res = subject_of(c, w->h, r->account, r->account, &w->s);
		if (res)
			return res;
		snprintf(w->account, sizeof(w->account), "%s", r->account);
		w->have = 1;
	}
	resource_object(&o, r, owner, &w->s);
	return judge_object(c, w->j, &o, path);
}

static int cmp_judgement(const void *x, const void *y)
{
	const struct judgement *a = x, *b = y;
	int r;

	if (a->level != b->level)
		return a->level - b->level;
	r = strcmp(a->rule, b->rule);
	return r ? r : strcmp(a->path, b->path);
}

static int judge_all(struct lctx *c, struct judgements *j)
{
	const struct org_index *x = index_of(c);
	const struct org_hier *h = x ? hier(c) : NULL;
	struct judge_walk w = { .c = c, .j = j };
	unsigned unreadable;
	size_t i;
	int res = 0;

	if (!x || !h)
		return failed(c);
	w.h = h;
	for (i = 0; c->fs->rules && i < x->n && !res; i++) {
		const struct org_index_obj *ob = &x->v[i];
		int acct = !strcmp(ob->kind, "account");
		struct rules_object o = { 0 };
		struct subject s;
		char path[512];
		char *e = escape_name(ob->id);

		if (!e)
			return -ENOMEM;
		snprintf(path, sizeof(path), "%s/%s", acct ? "accounts" : "ous",
			 e);
		free(e);
		res = subject_of(c, h, ob->id, acct ? ob->id : NULL, &s);
		if (!res) {
			o.kind = ob->kind;
			o.id = ob->id;
			o.tags = &ob->tags;
			o.owner = ob->owner;
			object_fill(&o, &s);
			res = judge_object(c, j, &o, path);
		}
		subject_free(&s);
	}
	if (!res && c->fs->resources)
		res = walk_resources(c, NULL, NULL, judge_resource, &w,
				     &unreadable);
	subject_free(&w.s);
	if (!res && j->n)
		qsort(j->v, j->n, sizeof(*j->v), cmp_judgement);
	return res;
}

static const char *level_name(int l)
{
	return rules_level_name((enum rule_level)l);
}

/* "<level>\t<rule>\t<failing>\t<passing>" per rule, worst level first */
int f_compliance_summary(struct lctx *c, struct node *out)
{
	struct judgements j = { 0 };
	size_t i = 0, k;
	int res = judge_all(c, &j);

	if (!res)
		res = buf_puts(&out->data, "level\trule\tfailing\tpassing\n");
	while (!res && i < j.n) {
		size_t fail = 0, pass = 0;

		for (k = i; k < j.n && !strcmp(j.v[k].rule, j.v[i].rule) &&
			    j.v[k].level == j.v[i].level; k++) {
			if (j.v[k].reason)
				fail++;
			else
				pass++;
		}
		res = buf_printf(&out->data, "%s\t%s\t%zu\t%zu\n",
				 level_name(j.v[i].level), j.v[i].rule, fail,
				 pass);
		i = k;
	}
	judgements_free(&j);
	return res;
}

static int failing_rows(struct lctx *c, struct node *out, const char *rule,
			int passing)
{
	struct judgements j = { 0 };
	size_t i;
	int res = judge_all(c, &j);

	if (!res && !passing)
		res = buf_puts(&out->data, "level\trule\tpath\towner\treason\n");
	for (i = 0; !res && i < j.n; i++) {
		const struct judgement *e = &j.v[i];

		if (rule && strcmp(e->rule, rule))
			continue;
		if (passing) {
			if (!e->reason)
				res = put_line(out, e->path);
			continue;
		}
		if (!e->reason)
			continue;
		res = buf_printf(&out->data, "%s\t", level_name(e->level));
		if (!res)
			res = put_tsv(&out->data, e->rule, '\t');
		if (!res)
			res = put_tsv(&out->data, e->path, '\t');
		if (!res)
			res = put_tsv(&out->data, e->owner, '\t');
		if (!res)
			res = put_tsv(&out->data, e->reason, '\n');
	}
	judgements_free(&j);
	return res;
}

int f_compliance_failing(struct lctx *c, struct node *out)
{
	return failing_rows(c, out, NULL, 0);
}

int ls_compliance_rules(struct lctx *c, struct dlist *d)
{
	size_t i;
	int res = c->fs->resources ? dl_add(d, "tag-policy", NODE_DIR) : 0;

	for (i = 0; c->fs->rules && i < rules_count(c->fs->rules) && !res; i++)
		res = dl_add(d, rule_name(rules_get(c->fs->rules, i)),
			     NODE_DIR);
	return res;
}

static const struct rule *rule_named(struct lctx *c, const char *name)
{
	size_t i;

	for (i = 0; c->fs->rules && i < rules_count(c->fs->rules); i++)
		if (!strcmp(rule_name(rules_get(c->fs->rules, i)), name))
			return rules_get(c->fs->rules, i);
	return NULL;
}

int ls_compliance_rule(struct lctx *c, struct dlist *d)
{
	int res = dl_add(d, "level", NODE_FILE);

	if (!res)
		res = dl_add(d, "description", NODE_FILE);
	if (!res)
		res = dl_add(d, "failing.tsv", NODE_FILE);
	return res ? res : dl_add(d, "passing", NODE_FILE);
}

int f_compliance_rule(struct lctx *c, struct node *out)
{
	const struct rule *r = rule_named(c, c->arg[0]);
	const char *f = c->arg[1];
	int tp = !strcmp(c->arg[0], "tag-policy") && c->fs->resources;

	if (!r && !tp)
		return -ENOENT;
	if (!strcmp(f, "level"))
		return put_line(out, r ? rules_level_name(rule_level(r)) :
				"policy");
	if (!strcmp(f, "description"))
		return put_line(out, r ? rule_description(r) :
				"the organization's tag policies, as the "
				"tagging API reports resources against them");
	if (!strcmp(f, "failing.tsv"))
		return failing_rows(c, out, c->arg[0], 0);
	if (!strcmp(f, "passing"))
		return failing_rows(c, out, c->arg[0], 1);
	return -ENOENT;
}
