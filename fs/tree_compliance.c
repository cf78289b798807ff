/* tree_compliance.c - the compliance files of accounts, OUs and
 * resources, and /compliance: every object judged by every rule */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "ruleset.h"
#include "table.h"
#include "tree.h"

#define MAX_DEPTH 70

/* The tree paths of OUs (tree_path) worked out once per rendering: an
 * org-wide view asks for each account's ancestors. */
struct ou_paths {
	const struct org_hier *h;
	char **v;                       /* parallel to h->ous; NULL: not yet */
};

static void ou_paths_free(struct ou_paths *p)
{
	size_t i;

	for (i = 0; p->v && i < p->h->nous; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
}

/* The path of OU id, owned by p (or by *tmp when p is NULL).
 * @return 0 or -errno */
static int ou_path(struct lctx *c, struct ou_paths *p, const char *id,
		   char **path, char **tmp)
{
	const struct org_ou *u = org_hier_find_ou(p->h, id);
	size_t k = u ? (size_t)(u - p->h->ous) : 0;
	struct buf b;
	int res;

	*tmp = NULL;
	if (u && p->v && p->v[k]) {
		*path = p->v[k];
		return 0;
	}
	buf_init(&b, 1 << 16);
	res = tree_path(c, p->h, id, &b);
	if (res) {
		buf_free(&b);
		return res;
	}
	*path = buf_steal(&b);
	if (!*path)
		return -ENOMEM;
	if (u && !p->v)
		p->v = calloc(p->h->nous, sizeof(*p->v));
	if (u && p->v)
		p->v[k] = *path;
	else
		*tmp = *path;
	return 0;
}

/* What a rules_object needs about an account or OU beyond its tags. */
struct subject {
	const char *ids[MAX_DEPTH];
	const char *paths[MAX_DEPTH];
	char *own[MAX_DEPTH];           /* paths not kept by an ou_paths */
	int n;
	struct rules_config_result *config;
	size_t nconfig;
	char config_why[640];           /* "": every region's Config read */
	/* an account's Identity Center assignments, when the rules judge
	 * them: have_access, or why not in access_why */
	struct rules_access access;
	int have_access;
	size_t access_skipped;          /* assignments left out */
	char access_why[640];
	char names_why[640];
	struct account_view view;       /* one account's (a compliance file
					   of its own), not the org-wide */
};

static void subject_free(struct subject *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		free(s->own[i]);
	free(s->config);
	account_view_free(&s->view);
	memset(s, 0, sizeof(*s));
}

/* The account's Config results into s; a region that cannot be read
 * (a refused role, a suspended account) leaves its rules not judged,
 * with why in s->config_why and the cause in .orgfs/errors. */
static int subject_config(struct lctx *c, const char *account,
			  struct subject *s)
{
	char *const *regions = NULL;
	size_t r, k, nregions;

	if (account_regions(c, account, &regions, &nregions)) {
		/* the account's regions are unknown: its rules not judged */
		snprintf(s->config_why, sizeof(s->config_why),
			 "Config results unreadable (regions: %.100s: %.400s)",
			 c->err.code[0] ? c->err.code : "error",
			 c->err.message);
		aws_error_clear(&c->err);
		return 0;
	}
	for (r = 0; r < nregions; r++) {
		const struct org_config_rules *cr =
			config_of(c, account, regions[r]);
		struct rules_config_result *nv;

		if (!cr) {
			if (!s->config_why[0])
				snprintf(s->config_why, sizeof(s->config_why),
					 "Config results unreadable (%.40s: "
					 "%.100s: %.400s)", regions[r],
					 c->err.code[0] ? c->err.code :
					 "error", c->err.message);
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

/* The account's Identity Center assignments into s, from the org-wide
 * value (whole: a view of every account) or from that account's own;
 * unreadable, the rules' access checks are not judged, with why in
 * s->access_why and the cause in .orgfs/errors. */
static void subject_access(struct lctx *c, const char *account,
			   int whole, struct subject *s)
{
	const struct org_access *a = whole ? need(c, ORG_ACCESS, "") : NULL;
	size_t lo, hi;

	if (!whole) {
		/* one account's file: that account's calls only */
		if (account_view_get(c, account, &s->view)) {
			snprintf(s->access_why, sizeof(s->access_why),
				 "IAM Identity Center assignments unreadable "
				 "(%.100s: %.400s)", c->err.code[0] ?
				 c->err.code : "error", c->err.message);
			aws_error_clear(&c->err);
			return;
		}
		s->access.present = s->view.ps->present;
		s->access.psets = s->view.ps->psets;
		s->access.v = s->view.v;
		s->access.n = s->view.n;
		if (s->view.names_why[0]) {
			snprintf(s->names_why, sizeof(s->names_why), "%s",
				 s->view.names_why);
			s->access.names_unread = s->names_why;
		}
		s->access_skipped = s->view.skipped;
		s->have_access = 1;
		return;
	}
	if (!a) {
		snprintf(s->access_why, sizeof(s->access_why),
			 "IAM Identity Center assignments unreadable (%.100s: "
			 "%.400s)", c->err.code[0] ? c->err.code : "error",
			 c->err.message);
		aws_error_clear(&c->err);
		return;
	}
	access_account_range(a, account, &lo, &hi);
	s->access.present = a->present;
	s->access.psets = a->psets;
	s->access.v = a->v + lo;
	s->access.n = hi - lo;
	if (a->names_code[0]) {
		snprintf(s->names_why, sizeof(s->names_why),
			 "IAM Identity Center names unreadable "
			 "(%.90s: %.100s)", a->names_operation, a->names_code);
		s->access.names_unread = s->names_why;
	}
	s->access_skipped = a->skipped.n;
	s->have_access = 1;
}

/* Ancestors (nearest first; the object itself first for an OU), their
 * paths as tree_path writes them, and, when the rules ask for them, the
 * account's Config results and (whole 0 or 1: an account judged, by its
 * own or the org-wide value; -1: a resource) its assignments. */
static int subject_of(struct lctx *c, const struct rules *rs,
		      struct ou_paths *p, const char *id,
		      const char *account, int whole, struct subject *s)
{
	const char *all[MAX_DEPTH];
	int i, n, first, res = 0;

	memset(s, 0, sizeof(*s));
	n = ancestry(p->h, id, all, MAX_DEPTH);
	first = org_hier_find_ou(p->h, id) ? 0 : 1;
	for (i = first; i < n && !res; i++) {
		char *path = NULL;

		/* paths only when a rule names OUs by path */
		if (rules_uses_paths(rs))
			res = ou_path(c, p, all[i], &path, &s->own[s->n]);
		if (res)
			break;
		s->ids[s->n] = all[i];
		s->paths[s->n] = path;
		s->n++;
	}
	if (!res && account && whole >= 0 && rules_uses_access(rs))
		subject_access(c, account, whole, s);
	if (res || !account || !rules_uses_config(rs) || !source_has(c, 1))
		return res;
	return subject_config(c, account, s);
}

/* An account's assignments into o (o->owner set): the owner's group */
static void access_fill(struct lctx *c, struct rules_object *o,
			struct subject *s)
{
	if (s->have_access) {
		s->access.owner_group = o->owner && *o->owner ?
					access_owner_group(c, o->owner) : NULL;
		o->access = &s->access;
	}
	o->access_unread = s->access_why[0] ? s->access_why : NULL;
}

static void object_fill(struct rules_object *o, const struct subject *s)
{
	o->ancestor_ids = s->ids;
	o->ancestor_paths = s->paths;
	o->nancestors = (size_t)s->n;
	o->config = s->config;
	o->nconfig = s->nconfig;
	o->config_unread = s->config_why[0] ? s->config_why : NULL;
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

/* Judge o and put its compliance file: failures, then what could not be
 * judged (c->incomplete). */
static int put_verdicts(struct lctx *c, const struct rules *rs,
			const struct rules_object *o, struct buf *out)
{
	struct rules_verdict *v = NULL;
	size_t n = 0, i;
	int res = rules_evaluate(rs, o, &v, &n);

	for (i = 0; !res && i < n; i++)
		c->incomplete |= v[i].unknown;
	if (!res)
		res = rules_render_compliance(v, n, out);
	rules_verdicts_free(v, n);
	return res;
}

/* compliance of an account, root or OU (arg[0]) */
int f_object_compliance(struct lctx *c, struct node *out)
{
	const struct org_hier *h = hier(c);
	const struct org_ou *u = h ? org_hier_find_ou(h, c->arg[0]) : NULL;
	const struct org_account *a = u ? NULL : find_account(c, c->arg[0]);
	struct ou_paths p = { .h = h };
	const struct org_tags *tags;
	struct rules_object o = { 0 };
	struct owner_result ow = { 0 };
	struct rules *rs;
	struct subject s;
	int res;

	if (!h || (!u && !a))
		return c->err.err ? failed(c) : -ENOENT;
	rs = ruleset_get(c->fs);
	if (!rs)
		return 0;               /* no rules: nothing fails */
	tags = need(c, ORG_TAGS, c->arg[0]);
	res = tags ? owner_of(c, c->arg[0], &ow) : failed(c);
	if (!res)
		res = subject_of(c, rs, &p, c->arg[0], a ? a->id : NULL, 0, &s);
	if (!res) {
		o.kind = a ? "account" : u->parent_id ? "ou" : "root";
		o.id = c->arg[0];
		o.tags = tags;
		o.owner = ow.value;
		object_fill(&o, &s);
		if (a) {
			access_fill(c, &o, &s);
			/* an assignment left out may be one of these */
			c->incomplete |= s.access_skipped > 0;
		}
		res = put_verdicts(c, rs, &o, &out->data);
		subject_free(&s);
		owner_result_free(&ow);
	}
	ou_paths_free(&p);
	rules_free(rs);
	return res;
}

static int judge_one_resource(struct lctx *c, const struct rules *rs,
			      const struct org_resource *r,
			      const struct org_hier *h, struct buf *out)
{
	struct ou_paths p = { .h = h };
	struct rules_object o = { 0 };
	struct owner_result ar = { 0 };
	char *owner = NULL, *source = NULL;
	struct subject s;
	int res = owner_of(c, c->arg[0], &ar);

	if (!res)
		res = org_resource_owner(c->fs->org, r, ar.value, ar.source,
					 &owner, &source);
	owner_result_free(&ar);
	if (!res)
		res = subject_of(c, rs, &p, c->arg[0], c->arg[0], -1, &s);
	if (!res) {
		resource_object(&o, r, owner, &s);
		res = put_verdicts(c, rs, &o, out);
		subject_free(&s);
	}
	ou_paths_free(&p);
	free(owner);
	free(source);
	return res;
}

int f_resource_compliance(struct lctx *c, struct node *out)
{
	const struct org_resource *r = find_resource(c);
	const struct org_hier *h = r ? hier(c) : NULL;
	struct rules *rs;
	int res;

	if (!r || !h)
		return c->err.err ? failed(c) : -ENOENT;
	/* the organization's tag policy is a policy: it comes first */
	res = put_tag_policy(&out->data, r->compliance);
	rs = res ? NULL : ruleset_get(c->fs);
	if (rs)
		res = judge_one_resource(c, rs, r, h, &out->data);
	rules_free(rs);
	return res;
}

/* /compliance: every object judged by every rule */
struct judgement {
	int level;                      /* enum rule_level */
	const char *rule;               /* owned by the rules, or static */
	char *path;                     /* "accounts/<id>", ... */
	char *owner;
	char *reason;                   /* NULL: passed; or why not judged */
	int unknown;                    /* not judged: an input unreadable */
};

struct judgements {
	struct judgement *v;
	size_t n, cap;
	unsigned skipped;               /* records the data read left out */
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
		     const char *path, const char *owner, const char *reason,
		     int unknown)
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
	e->unknown = unknown;
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

/* One rendering's walk: the judgements, and what the walk saw, to tell
 * the rules' references that name nothing (rules_check_refs). */
struct judge_walk {
	struct lctx *c;
	const struct rules *rs;
	struct judgements *j;
	struct ou_paths p;
	char account[16];               /* the subject below is its */
	struct subject s;
	int have;
	size_t access_skipped;          /* assignments left out */
	struct nameset services, types, tags, config;
};

static int judge_object(struct judge_walk *w, struct rules_object *o,
			const char *path)
{
	struct rules_verdict *v = NULL;
	size_t n = 0, i;
	int res = rules_evaluate(w->rs, o, &v, &n);

	for (i = 0; !res && i < n; i++)
		res = judge_add(w->j, v[i].level, v[i].name, path, o->owner,
				v[i].pass ? NULL : v[i].reason, v[i].unknown);
	rules_verdicts_free(v, n);
	return res;
}

/* The subject of account, kept for the resources that follow it. */
static int account_subject(struct judge_walk *w, const char *account)
{
	int res;

	if (w->have && !strcmp(w->account, account))
		return 0;
	subject_free(&w->s);
	w->have = 0;
	res = subject_of(w->c, w->rs, &w->p, account, account, -1, &w->s);
	if (res)
		return res;
	snprintf(w->account, sizeof(w->account), "%s", account);
	w->have = 1;
	return 0;
}

static int see_tags(struct nameset *ns, const struct org_tags *t)
{
	size_t i;
	int res = 0;

	for (i = 0; t && i < t->n && res >= 0; i++)
		res = nameset_add(ns, t->v[i].key);
	return res < 0 ? res : 0;
}

/* What a resource shows of services, types and tag keys. */
static int see_resource(struct judge_walk *w, const struct org_resource *r)
{
	char st[512];
	int res = nameset_add(&w->services, r->service);

	snprintf(st, sizeof(st), "%s:%s", r->service, r->type);
	if (res >= 0)
		res = nameset_add(&w->types, r->type);
	if (res >= 0)
		res = nameset_add(&w->types, st);
	if (res >= 0)
		res = see_tags(&w->tags, &r->tags);
	return res < 0 ? res : 0;
}

static int judge_resource(void *arg, const struct org_resource *r,
			  const char *owner)
{
	struct judge_walk *w = arg;
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
	if (!res)
		res = see_resource(w, r);
	if (res)
		return res;
	if (r->compliance && *r->compliance) {
		const char *p = r->compliance;

		while (*p && !res) {
			size_t len = strcspn(p, "\n");
			char *line = strndup(p, len);

			res = line ? judge_add(w->j, RULE_POLICY, "tag-policy",
					       path, owner, line, 0) : -ENOMEM;
			free(line);
			p += len;
			if (*p)
				p++;
		}
	} else {
		res = judge_add(w->j, RULE_POLICY, "tag-policy", path, owner,
				NULL, 0);
	}
	if (res || !w->rs)
		return res;
	res = account_subject(w, r->account);
	if (res)
		return res;
	resource_object(&o, r, owner, &w->s);
	return judge_object(w, &o, path);
}

/* The resources of an account whose listing failed: not judged by the
 * tag policy nor by any rule that may hold them. */
static int judge_unread(void *arg, const char *account, const char *why)
{
	struct judge_walk *w = arg;
	struct rules_object o = { .kind = "resource" };
	char path[64];
	int res;

	if (!account)
		return 0;               /* only counted: out of memory */
	snprintf(path, sizeof(path), "accounts/%s/resources", account);
	res = judge_add(w->j, RULE_POLICY, "tag-policy", path, NULL, why, 1);
	if (res || !w->rs)
		return res;
	res = account_subject(w, account);
	if (res)
		return res;
	object_fill(&o, &w->s);
	o.id = account;
	o.unread = why;
	return judge_object(w, &o, path);
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

static int judge_index(struct judge_walk *w, const struct org_index *x)
{
	size_t i;
	int res = 0;

	for (i = 0; i < x->n && !res; i++) {
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
		res = see_tags(&w->tags, &ob->tags);
		if (!res && w->rs)
			res = subject_of(w->c, w->rs, &w->p, ob->id,
					 acct ? ob->id : NULL, 1, &s);
		if (res || !w->rs)
			continue;
		for (size_t k = 0; k < s.nconfig && res >= 0; k++)
			res = nameset_add(&w->config, s.config[k].rule);
		res = res < 0 ? res : 0;
		o.kind = ob->kind;
		o.id = ob->id;
		o.tags = &ob->tags;
		o.owner = ob->owner;
		object_fill(&o, &s);
		if (acct)
			access_fill(w->c, &o, &s);
		if (acct && !w->access_skipped)
			w->access_skipped = s.access_skipped;
		if (!res)
			res = judge_object(w, &o, path);
		subject_free(&s);
	}
	return res;
}

/* rules_exists_fn over what the walk saw */
static int walk_saw(void *arg, enum rules_ref_kind kind, const char *value)
{
	struct judge_walk *w = arg;
	const struct org_hier *h = w->p.h;
	struct nameset *ns;
	size_t i;

	switch (kind) {
	case RULES_REF_OU:
		if (org_hier_find_ou(h, value))
			return 1;
		for (i = 0; i < h->nous; i++) {
			char *path, *tmp;

			if (ou_path(w->c, &w->p, h->ous[i].id, &path, &tmp))
				return -1;
			free(tmp);
			if (!strcmp(path, value))
				return 1;
		}
		return 0;
	case RULES_REF_SERVICE:
	case RULES_REF_TYPE:
		if (!w->c->fs->resources)
			return -1;
		ns = kind == RULES_REF_SERVICE ? &w->services : &w->types;
		break;
	case RULES_REF_TAG:
		ns = &w->tags;
		break;
	case RULES_REF_PSET: {
		const struct org_access *a = need(w->c, ORG_ACCESS, "");

		if (!a) {
			aws_error_clear(&w->c->err);
			return -1;
		}
		/* no instance: every account fails owner_has_access, which
		 * says it; no set to name */
		return !a->present || org_access_find_pset(a, value) != NULL;
	}
	default:
		if (!source_has(w->c, 1))
			return -1;
		ns = &w->config;
		break;
	}
	/* seen (now or by an earlier call), else named nowhere orgfs could
	 * read: said even when some input was unreadable, as the message
	 * words it, rather than never said on such an organization */
	i = (size_t)nameset_add(ns, value);
	return (int)i < 0 ? -1 : i == 0;
}

static void report_ref(void *arg, const char *msg)
{
	struct judge_walk *w = arg;

	ruleset_report(w->c->fs, "/compliance", "RulesReference", msg);
}

/* Judge every account, OU, root and resource by rs (NULL: the tag
 * policy only), sorted by level, rule and path. */
static int judge_all(struct lctx *c, const struct rules *rs,
		     struct judgements *j)
{
	const struct org_index *x = index_of(c);
	const struct org_hier *h = x ? hier(c) : NULL;
	struct judge_walk w = { .c = c, .rs = rs, .j = j };
	int res;

	if (!x || !h)
		return failed(c);
	w.p.h = h;
	res = judge_index(&w, x);
	c->skipped += (unsigned)w.access_skipped;
	if (!res && c->fs->resources)
		res = walk_resources_unread(c, judge_resource, judge_unread,
					    &w);
	subject_free(&w.s);
	if (!res && j->n)
		qsort(j->v, j->n, sizeof(*j->v), cmp_judgement);
	if (!res && rs)
		res = rules_check_refs(rs, walk_saw, &w, report_ref);
	ou_paths_free(&w.p);
	nameset_free(&w.services);
	nameset_free(&w.types);
	nameset_free(&w.tags);
	nameset_free(&w.config);
	return res;
}

static const char *level_name(int l)
{
	return rules_level_name((enum rule_level)l);
}

/* Objects not judged by rule (NULL: any), each path once. */
static size_t not_judged(const struct judgements *j, const char *rule)
{
	struct nameset seen = { 0 };
	size_t i, n = 0;

	for (i = 0; i < j->n; i++)
		if (j->v[i].unknown && (!rule || !strcmp(j->v[i].rule, rule)))
			n += nameset_add(&seen, j->v[i].path) == 1;
	nameset_free(&seen);
	return n;
}

/* The marker of a view of rule's (NULL: every rule's) judgements: into
 * table t, or (t NULL) at the top of b, a list without a header: the
 * objects not judged, and the records the data read left out (invalid
 * identifiers: never judged, nowhere listed). */
static int mark(struct lctx *c, const struct judgements *j, const char *rule,
		struct table *t, struct buf *b)
{
	size_t n = not_judged(j, rule);
	char why[400], nj[300] = "", sk[64] = "";

	if (!n && !j->skipped)
		return 0;
	if (n)
		snprintf(nj, sizeof(nj), "%zu object%s not judged (compliance/"
			 "%s%s%snot_judged.tsv)", n, n == 1 ? "" : "s",
			 rule ? "rules/" : "", rule ? rule : "",
			 rule ? "/" : "");
	if (j->skipped)
		snprintf(sk, sizeof(sk), "%u record%s left out", j->skipped,
			 j->skipped == 1 ? "" : "s");
	snprintf(why, sizeof(why), "%s%s%s, see .orgfs/errors", nj,
		 n && j->skipped ? ", " : "", sk);
	if (t)
		return table_incomplete(t, "%s", why);
	c->incomplete = 1;
	return b ? put_incomplete(b, 0, "%s", why) : 0;
}

struct rule_line {
	int level;
	const char *name;
};

static int cmp_rule_line(const void *x, const void *y)
{
	const struct rule_line *a = x, *b = y;

	if (a->level != b->level)
		return a->level - b->level;
	return strcmp(a->name, b->name);
}

/* Every rule of rs and the tag policy (with the resource tree), in the
 * judgements' order.  @return how many, or 0 with *out NULL */
static size_t rule_lines(struct lctx *c, const struct rules *rs,
			 struct rule_line **out)
{
	size_t i, n = 0, nr = rules_count(rs);
	struct rule_line *v = malloc((nr + 1) * sizeof(*v));

	*out = v;
	if (!v)
		return 0;
	if (c->fs->resources)
		v[n++] = (struct rule_line){ RULE_POLICY, "tag-policy" };
	for (i = 0; i < nr; i++) {
		const struct rule *r = rules_get(rs, i);

		v[n++] = (struct rule_line){ rule_level(r), rule_name(r) };
	}
	qsort(v, n, sizeof(*v), cmp_rule_line);
	return n;
}

/* "<level>\t<rule>\t<failing>\t<passing>\t<not_judged>" per rule, worst
 * level first; every rule has its line, 0 0 0 when it holds nothing */
static int render_summary(struct lctx *c, const struct rules *rs,
			  const struct judgements *j, struct buf *b)
{
	static const struct table_col cols[] = {
		{ "level", TT_STR }, { "rule", TT_STR }, { "failing", TT_INT },
		{ "passing", TT_INT }, { "not_judged", TT_INT },
	};
	struct rule_line *r;
	struct table t;
	size_t nr = rule_lines(c, rs, &r), i, k = 0;
	int res;

	if (!r)
		return -ENOMEM;
	res = table_start(&t, c, b, cols, ARRAY_SIZE(cols));
	for (i = 0; !res && i < nr; i++) {
		size_t cnt[3] = { 0 };          /* failing, passing, unknown */

		while (k < j->n && cmp_rule_line(&(struct rule_line){
				j->v[k].level, j->v[k].rule }, &r[i]) < 0)
			k++;
		for (; k < j->n && j->v[k].level == r[i].level &&
		       !strcmp(j->v[k].rule, r[i].name); k++)
			cnt[j->v[k].unknown ? 2 : j->v[k].reason ? 0 : 1]++;
		res = table_row(&t, level_name(r[i].level), r[i].name,
				(long long)cnt[0], (long long)cnt[1],
				(long long)cnt[2]);
	}
	free(r);
	if (!res)
		res = mark(c, j, NULL, &t, b);
	return table_finish(&t, res);
}

enum rows_of { ROWS_FAILING, ROWS_NOT_JUDGED, ROWS_PASSING };

/* failing.tsv, not_judged.tsv (of rule, NULL: every rule) or passing */
static int render_rows(struct lctx *c, const struct judgements *j,
		       const char *rule, enum rows_of what, struct buf *b)
{
	static const struct table_col cols[] = {
		{ "level", TT_STR }, { "rule", TT_STR }, { "path", TT_STR },
		{ "owner", TT_OPT }, { "reason", TT_STR },
	};
	struct table t;
	size_t i;
	int res = 0;

	if (what != ROWS_PASSING)
		res = table_start(&t, c, b, cols, ARRAY_SIZE(cols));
	for (i = 0; !res && i < j->n; i++) {
		const struct judgement *e = &j->v[i];

		if (rule && strcmp(e->rule, rule))
			continue;
		if (what == ROWS_PASSING) {
			if (!e->reason)
				res = buf_printf(b, "%s\n", e->path);
			continue;
		}
		if (!e->reason || e->unknown != (what == ROWS_NOT_JUDGED))
			continue;
		res = table_row(&t, level_name(e->level), e->rule, e->path,
				e->owner, e->reason);
	}
	if (!res)
		res = mark(c, j, rule, what == ROWS_PASSING ? NULL : &t, b);
	return what == ROWS_PASSING ? res : table_finish(&t, res);
}

/* What file of /compliance (rule NULL) or of compliance/rules/<rule>/ */
enum view { V_SUMMARY, V_FAILING, V_NOT_JUDGED, V_PASSING, V_NONE };

static int render_view(struct lctx *c, const char *rule, enum view v,
		       struct buf *b)
{
	struct rules *rs = ruleset_get(c->fs);
	struct judgements j = { 0 };
	int was = c->incomplete;
	unsigned skipped = c->skipped;
	int res = judge_all(c, rs, &j);

	/* what the view leaves out, not what the walk met, marks it */
	c->incomplete = was;
	j.skipped = c->skipped - skipped;
	if (!res && v == V_SUMMARY)
		res = render_summary(c, rs, &j, b);
	else if (!res && v != V_NONE)
		res = render_rows(c, &j, rule, v == V_FAILING ? ROWS_FAILING :
				  v == V_PASSING ? ROWS_PASSING :
				  ROWS_NOT_JUDGED, b);
	else if (!res)
		res = mark(c, &j, rule, NULL, NULL);    /* a directory */
	judgements_free(&j);
	rules_free(rs);
	return res;
}

int f_compliance_summary(struct lctx *c, struct node *out)
{
	return render_view(c, NULL, V_SUMMARY, &out->data);
}

int f_compliance_failing(struct lctx *c, struct node *out)
{
	return render_view(c, NULL, V_FAILING, &out->data);
}

int f_compliance_not_judged(struct lctx *c, struct node *out)
{
	return render_view(c, NULL, V_NOT_JUDGED, &out->data);
}

/* A directory's user.orgfs.incomplete (rule NULL: every rule's), which
 * takes judging everything: for getxattr (c->full) only, not a stat */
static int mark_dir(struct lctx *c, const char *rule)
{
	if (!c->full || c->cached_only)
		return 0;
	return render_view(c, rule, V_NONE, NULL);
}

/* compliance/ and compliance/rules/ */
int d_compliance(struct lctx *c, struct node *out)
{
	(void)out;
	return mark_dir(c, NULL);
}

int ls_compliance_rules(struct lctx *c, struct dlist *d)
{
	struct rules *rs = ruleset_get(c->fs);
	size_t i;
	int res = c->fs->resources ? dl_add(d, "tag-policy", NODE_DIR) : 0;

	for (i = 0; i < rules_count(rs) && !res; i++)
		res = dl_add(d, rule_name(rules_get(rs, i)), NODE_DIR);
	rules_free(rs);
	return res;
}

/* The rule called name, in rs */
static const struct rule *rule_named(const struct rules *rs,
				     const char *name)
{
	size_t i;

	for (i = 0; i < rules_count(rs); i++)
		if (!strcmp(rule_name(rules_get(rs, i)), name))
			return rules_get(rs, i);
	return NULL;
}

int ls_compliance_rule(struct lctx *c, struct dlist *d)
{
	static const char *const files[] = {
		"level", "description", "failing.tsv", "failing.jsonl",
		"not_judged.tsv", "not_judged.jsonl", "passing",
	};
	size_t i;
	int res = 0;

	for (i = 0; i < ARRAY_SIZE(files) && !res; i++)
		res = dl_add(d, files[i], NODE_FILE);
	return res;
}

/* compliance/rules/<rule>/: as d_compliance, for that rule's verdicts */
int d_compliance_rule(struct lctx *c, struct node *out)
{
	(void)out;
	return mark_dir(c, c->arg[0]);
}

int f_compliance_rule(struct lctx *c, struct node *out)
{
	static const struct {
		const char *name;
		enum view v;
	} views[] = {
		{ "failing.tsv", V_FAILING }, { "failing.jsonl", V_FAILING },
		{ "not_judged.tsv", V_NOT_JUDGED },
		{ "not_judged.jsonl", V_NOT_JUDGED }, { "passing", V_PASSING },
	};
	struct rules *rs = ruleset_get(c->fs);
	const struct rule *r = rule_named(rs, c->arg[0]);
	const char *f = c->arg[1];
	int tp = !strcmp(c->arg[0], "tag-policy") && c->fs->resources;
	int res = -ENOENT;
	size_t i;

	if (!r && !tp)
		goto out;
	if (!strcmp(f, "level"))
		res = put_line(out, r ? rules_level_name(rule_level(r)) :
			       "policy");
	else if (!strcmp(f, "description"))
		res = put_line(out, r ? rule_description(r) :
			       "the organization's tag policies, as the "
			       "tagging API reports resources against them");
	for (i = 0; i < ARRAY_SIZE(views); i++)
		if (!strcmp(f, views[i].name))
			res = render_view(c, c->arg[0], views[i].v, &out->data);
out:
	rules_free(rs);
	return res;
}
