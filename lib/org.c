/* org.c - the organization as the tree sees it: a source behind a cache */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "awstime.h"
#include "log.h"
#include "org.h"

#define ORG_ERRORS_KEPT 200

struct org_err_rec {
	time_t when;
	char path[256];
	struct aws_error err;
};

struct org {
	struct org_source *src;
	struct cache *cache;
	struct org_config cfg;
	uint64_t generation;            /* atomic */

	pthread_mutex_t err_lock;
	struct org_err_rec errs[ORG_ERRORS_KEPT];  /* ring, protected by err_lock */
	unsigned nerrs;                 /* total recorded, protected by err_lock */
};

static const char *const kind_names[ORG_NKINDS] = {
	[ORG_INFO] = "organization",
	[ORG_ACCOUNTS] = "accounts",
	[ORG_HIER] = "ous",
	[ORG_TAGS] = "tags",
	[ORG_POLICIES] = "policies",
	[ORG_POLICY] = "policy",
};

const char *org_kind_name(enum org_kind k)
{
	return k < ORG_NKINDS ? kind_names[k] : "?";
}

/* FNV-1a over every string of a value, each followed by a 0 byte so that
 * ("ab","c") and ("a","bc") differ. */
static void h_str(uint64_t *h, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	do {
		*h ^= *p;
		*h *= 0x100000001b3ULL;
	} while (*p++);
}

static void h_int(uint64_t *h, long long v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%lld", v);
	h_str(h, tmp);
}

static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static void hash_info(const struct org_info *v, uint64_t *h, size_t *sz)
{
	size_t i;

	h_str(h, v->id);
	h_str(h, v->arn);
	h_str(h, v->feature_set);
	h_str(h, v->management_account_id);
	h_str(h, v->management_account_arn);
	h_str(h, v->management_account_email);
	*sz += sizeof(*v) + slen(v->id) + slen(v->arn) + slen(v->feature_set) +
	       slen(v->management_account_id) +
	       slen(v->management_account_arn) +
	       slen(v->management_account_email);
	for (i = 0; i < v->ntypes; i++) {
		h_str(h, v->types[i].type);
		h_str(h, v->types[i].status);
		*sz += sizeof(v->types[i]) + slen(v->types[i].type) +
		       slen(v->types[i].status);
	}
}

static void hash_accounts(const struct org_accounts *v, uint64_t *h,
			  size_t *sz)
{
	size_t i;

	*sz += sizeof(*v);
	for (i = 0; i < v->n; i++) {
		const struct org_account *a = &v->v[i];

		h_str(h, a->id);
		h_str(h, a->arn);
		h_str(h, a->name);
		h_str(h, a->email);
		h_str(h, a->state);
		h_str(h, a->joined_method);
		h_int(h, (long long)a->joined);
		*sz += sizeof(*a) + slen(a->id) + slen(a->arn) +
		       slen(a->name) + slen(a->email) + slen(a->state) +
		       slen(a->joined_method);
	}
}

static void hash_hier(const struct org_hier *v, uint64_t *h, size_t *sz)
{
	size_t i;

	*sz += sizeof(*v);
	for (i = 0; i < v->nous; i++) {
		const struct org_ou *u = &v->ous[i];

		h_str(h, u->id);
		h_str(h, u->arn);
		h_str(h, u->name);
		h_str(h, u->parent_id);
		*sz += sizeof(*u) + slen(u->id) + slen(u->arn) +
		       slen(u->name) + slen(u->parent_id);
	}
	for (i = 0; i < v->nlinks; i++) {
		h_str(h, v->links[i].child_id);
		h_str(h, v->links[i].parent_id);
		*sz += sizeof(v->links[i]) + slen(v->links[i].child_id) +
		       slen(v->links[i].parent_id);
	}
}

static void hash_tags(const struct org_tags *v, uint64_t *h, size_t *sz)
{
	size_t i;

	*sz += sizeof(*v);
	for (i = 0; i < v->n; i++) {
		h_str(h, v->v[i].key);
		h_str(h, v->v[i].value);
		*sz += sizeof(v->v[i]) + slen(v->v[i].key) +
		       slen(v->v[i].value);
	}
}

static void hash_summary(const struct org_policy_summary *p, uint64_t *h,
			 size_t *sz)
{
	h_str(h, p->id);
	h_str(h, p->arn);
	h_str(h, p->name);
	h_str(h, p->type);
	h_str(h, p->description);
	h_int(h, p->aws_managed);
	*sz += sizeof(*p) + slen(p->id) + slen(p->arn) + slen(p->name) +
	       slen(p->type) + slen(p->description);
}

static void hash_policies(const struct org_policies *v, uint64_t *h,
			  size_t *sz)
{
	size_t i;

	*sz += sizeof(*v);
	for (i = 0; i < v->n; i++)
		hash_summary(&v->v[i], h, sz);
}

static void hash_policy(const struct org_policy *v, uint64_t *h, size_t *sz)
{
	size_t i;

	hash_summary(&v->summary, h, sz);
	h_str(h, v->content);
	*sz += sizeof(*v) + slen(v->content);
	for (i = 0; i < v->ntargets; i++) {
		const struct org_policy_target *t = &v->targets[i];

		h_str(h, t->id);
		h_str(h, t->arn);
		h_str(h, t->name);
		h_str(h, t->type);
		*sz += sizeof(*t) + slen(t->id) + slen(t->arn) +
		       slen(t->name) + slen(t->type);
	}
}

static int org_fetch(void *ctx, int kind, const char *key, void **data,
		     size_t *size, uint64_t *hash, struct aws_error *err)
{
	struct org *o = ctx;
	const struct org_source_ops *ops = o->src->ops;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t sz = 0;
	int res = -EINVAL;

	switch (kind) {
	case ORG_INFO: {
		struct org_info *v = NULL;

		res = ops->describe_org(o->src, &v, err);
		if (!res) {
			hash_info(v, &h, &sz);
			*data = v;
		}
		break;
	}
	case ORG_ACCOUNTS: {
		struct org_accounts *v = NULL;

		res = ops->list_accounts(o->src, &v, err);
		if (!res) {
			hash_accounts(v, &h, &sz);
			*data = v;
		}
		break;
	}
	case ORG_HIER: {
		struct org_hier *v = NULL;

		res = ops->walk_hierarchy(o->src, &v, err);
		if (!res) {
			hash_hier(v, &h, &sz);
			*data = v;
		}
		break;
	}
	case ORG_TAGS: {
		struct org_tags *v = NULL;

		res = ops->list_tags(o->src, key, &v, err);
		if (!res) {
			hash_tags(v, &h, &sz);
			*data = v;
		}
		break;
	}
	case ORG_POLICIES: {
		struct org_policies *v = NULL;

		res = ops->list_policies(o->src, &v, err);
		if (!res) {
			hash_policies(v, &h, &sz);
			*data = v;
		}
		break;
	}
	case ORG_POLICY: {
		struct org_policy *v = NULL;

		res = ops->describe_policy(o->src, key, &v, err);
		if (!res) {
			hash_policy(v, &h, &sz);
			*data = v;
		}
		break;
	}
	default:
		aws_error_set(err, EINVAL, "InternalError", "unknown data kind %d",
			      kind);
		return -EINVAL;
	}
	if (!res) {
		*size = sz + strlen(key) + 64;
		*hash = h;
	}
	return res;
}

static void org_free_data(void *ctx, int kind, void *data)
{
	(void)ctx;
	switch (kind) {
	case ORG_INFO:
		org_info_free(data);
		break;
	case ORG_ACCOUNTS:
		org_accounts_free(data);
		break;
	case ORG_HIER:
		org_hier_free(data);
		break;
	case ORG_TAGS:
		org_tags_free(data);
		break;
	case ORG_POLICIES:
		org_policies_free(data);
		break;
	case ORG_POLICY:
		org_policy_free(data);
		break;
	}
}

static void org_changed(void *ctx, int kind, const char *key)
{
	struct org *o = ctx;

	(void)kind;
	(void)key;
	__atomic_add_fetch(&o->generation, 1, __ATOMIC_RELEASE);
	if (o->cfg.on_change)
		o->cfg.on_change(o->cfg.on_change_arg);
}

struct org *org_new(struct org_source *src, const struct org_config *cfg)
{
	struct cache_kind kinds[ORG_NKINDS];
	struct cache_config cc;
	struct org *o;
	int k;

	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->src = src;
	o->cfg = *cfg;
	o->generation = 1;
	pthread_mutex_init(&o->err_lock, NULL);
	for (k = 0; k < ORG_NKINDS; k++) {
		kinds[k].name = kind_names[k];
		kinds[k].ttl_ms = cfg->ttl_ms[k];
		kinds[k].error_ttl_ms = cfg->error_ttl_ms;
	}
	memset(&cc, 0, sizeof(cc));
	cc.kinds = kinds;
	cc.nkinds = ORG_NKINDS;
	cc.fetch = org_fetch;
	cc.free_data = org_free_data;
	cc.on_change = org_changed;
	cc.ctx = o;
	cc.max_bytes = cfg->max_bytes;
	cc.max_stale_ms = cfg->max_stale_ms;
	cc.workers = cfg->workers;
	cc.clock_ms = cfg->clock_ms;
	cc.wall_clock = cfg->wall_clock;
	o->cache = cache_new(&cc);
	if (!o->cache) {
		pthread_mutex_destroy(&o->err_lock);
		free(o);
		return NULL;
	}
	return o;
}

void org_free(struct org *o)
{
	if (!o)
		return;
	cache_free(o->cache);
	o->src->ops->destroy(o->src);
	pthread_mutex_destroy(&o->err_lock);
	free(o);
}

struct org_source *org_source(struct org *o)
{
	return o->src;
}

int org_get(struct org *o, enum org_kind kind, const char *key,
	    const char *path, struct cache_ref *ref, struct aws_error *err)
{
	int res = cache_get(o->cache, kind, key ? key : "", ref, err);

	if (res && res != -ENOENT)
		org_record_error(o, path, err);
	return res;
}

void org_put(struct org *o, struct cache_ref *ref)
{
	if (ref->entry)
		cache_release(o->cache, ref);
}

void org_prefetch(struct org *o, enum org_kind kind, const char *key)
{
	cache_prefetch(o->cache, kind, key ? key : "");
}

void org_wait_idle(struct org *o)
{
	cache_wait_idle(o->cache);
}

void org_drop(struct org *o)
{
	cache_drop_all(o->cache);
	__atomic_add_fetch(&o->generation, 1, __ATOMIC_RELEASE);
}

uint64_t org_generation(struct org *o)
{
	return __atomic_load_n(&o->generation, __ATOMIC_ACQUIRE);
}

void org_record_error(struct org *o, const char *path,
		      const struct aws_error *err)
{
	struct org_err_rec *r;
	char line[1024];

	pthread_mutex_lock(&o->err_lock);
	r = &o->errs[o->nerrs % ORG_ERRORS_KEPT];
	o->nerrs++;
	r->when = o->cfg.wall_clock ? o->cfg.wall_clock() : time(NULL);
	snprintf(r->path, sizeof(r->path), "%s", path ? path : "");
	r->err = *err;
	pthread_mutex_unlock(&o->err_lock);
	olog(LOG_INFO, "%s: %s", path ? path : "",
	     aws_error_str(err, line, sizeof(line)));
}

/* Tabs and newlines would break the table: show them as spaces. */
static int put_field(struct buf *out, const char *s)
{
	int res = 0;

	for (; *s && !res; s++)
		res = buf_putc(out, (*s == '\t' || *s == '\n' || *s == '\r')
				    ? ' ' : *s);
	return res;
}

int org_render_errors(struct org *o, struct buf *out)
{
	unsigned i, first, n;
	int res;

	res = buf_puts(out, "time\tpath\toperation\tcode\terrno\tmessage\trequest_id\n");
	pthread_mutex_lock(&o->err_lock);
	n = o->nerrs < ORG_ERRORS_KEPT ? o->nerrs : ORG_ERRORS_KEPT;
	first = o->nerrs - n;
	for (i = first; i < o->nerrs && !res; i++) {
		const struct org_err_rec *r = &o->errs[i % ORG_ERRORS_KEPT];
		char ts[21];

		awstime_format(r->when, ts);
		res = buf_printf(out, "%s\t", ts);
		if (!res)
			res = put_field(out, r->path);
		if (!res)
			res = buf_putc(out, '\t');
		if (!res)
			res = put_field(out, r->err.operation);
		if (!res)
			res = buf_putc(out, '\t');
		if (!res)
			res = put_field(out, r->err.code);
		if (!res)
			res = buf_printf(out, "\t%s\t", strerror(r->err.err ? r->err.err : EIO));
		if (!res)
			res = put_field(out, r->err.message);
		if (!res)
			res = buf_putc(out, '\t');
		if (!res)
			res = put_field(out, r->err.request_id);
		if (!res)
			res = buf_putc(out, '\n');
	}
	pthread_mutex_unlock(&o->err_lock);
	return res;
}

int org_render_status(struct org *o, struct buf *out)
{
	struct cache_stats st;
	unsigned nerrs;

	cache_get_stats(o->cache, &st);
	pthread_mutex_lock(&o->err_lock);
	nerrs = o->nerrs;
	pthread_mutex_unlock(&o->err_lock);
	return buf_printf(out,
			  "cache_entries\t%llu\n"
			  "cache_bytes\t%llu\n"
			  "cache_hits\t%llu\n"
			  "cache_misses\t%llu\n"
			  "cache_stale_serves\t%llu\n"
			  "cache_refreshes\t%llu\n"
			  "cache_evictions\t%llu\n"
			  "cache_errors\t%llu\n"
			  "fetches_in_flight\t%llu\n"
			  "fetches_queued\t%llu\n"
			  "errors_recorded\t%u\n",
			  (unsigned long long)st.entries,
			  (unsigned long long)st.bytes,
			  (unsigned long long)st.hits,
			  (unsigned long long)st.misses,
			  (unsigned long long)st.stale_serves,
			  (unsigned long long)st.refreshes,
			  (unsigned long long)st.evictions,
			  (unsigned long long)st.errors,
			  (unsigned long long)st.fetches_in_flight,
			  (unsigned long long)st.queued, nerrs);
}
