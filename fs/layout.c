/* layout.c - the tree: which paths exist, what they list and hold
 *
 * The table below is the ABI.  Each row maps a path pattern ('*' is one
 * escaped name, '**' any number of them) to a node type, the kind of data
 * whose TTL governs the kernel's caching of it, and the handlers that say
 * whether a path exists and what it holds (get) and what a directory lists
 * (list).  A row without get exists when its parent lists its name.
 * Rows are tried in order: specific patterns before generic ones.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "awstime.h"
#include "escape.h"
#include "fs.h"
#include "log.h"
#include "memtrim.h"

#define MAX_ARGS 8

struct pin_of {
	enum org_kind kind;
	char *key;
	uint64_t h;
};

struct lctx {
	struct orgfs *fs;
	const char *path;               /* the escaped path served */
	char *arg[MAX_ARGS];            /* unescaped '*' components */
	int narg;
	char **rest;                    /* '**' components, unescaped */
	int nrest;
	struct cache_ref *pins;         /* data pinned while serving */
	struct pin_of *pinof;           /* what each pin is of */
	int npins;
	int cappins;
	int *pinidx;                    /* (kind, key) -> pin + 1; open
					   addressing, capacity 2 * cappins */
	time_t mtime;
	int stale;
	int cached_only;                /* need() fetches nothing */
	int missing;                    /* ... and something was not cached */
	struct aws_error err;
};

typedef int (*get_fn)(struct lctx *c, struct node *out);
static int listed(struct orgfs *fs, const char *path);
static int readable_state(const struct org_account *a);
struct lctx;
static int source_has(struct lctx *c, int which);
typedef int (*list_fn)(struct lctx *c, struct dlist *out);

struct layout_row {
	const char *pattern;
	enum node_type type;
	enum org_kind kind;             /* TTL that governs kernel caching */
	get_fn get;
	list_fn list;
	int view;                       /* org-wide: rendered once per
					   version of the data (view cache) */
};

/* ------------------------------------------------------------------ */
/* helpers */

void node_init(struct node *n)
{
	memset(n, 0, sizeof(*n));
	buf_init(&n->data, 256u << 20);
}

static void blob_put(struct blob *b)
{
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		size_t len = b->len;

		free(b->data);
		free(b);
		memtrim_freed(len);
	}
}

void node_free(struct node *n)
{
	buf_free(&n->data);
	blob_put(n->blob);
	n->blob = NULL;
}

const char *node_ptr(const struct node *n)
{
	return n->blob ? n->blob->data : buf_str(&n->data);
}

size_t node_len(const struct node *n)
{
	return n->blob ? n->blob->len : n->data.len;
}

void dlist_free(struct dlist *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

static int dl_add_raw(struct dlist *d, char *name, enum node_type type)
{
	if (!name)
		return -ENOMEM;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 32;
		struct dent *v = realloc(d->v, ncap * sizeof(*v));

		if (!v) {
			free(name);
			return -ENOMEM;
		}
		d->v = v;
		d->cap = ncap;
	}
	d->v[d->n].name = name;
	d->v[d->n].type = type;
	d->n++;
	return 0;
}

/* Names too long for a file name are shown shortened with a hash
 * ("...%~1a2b3c4d"), which cannot be unescaped: remember the names behind
 * the shortened ones listed, to find them again on lookup. */
#define LONGNAMES_MAX 65536

struct longname {
	struct longname *next;
	char *escaped;
	char *raw;
};

static struct {
	pthread_mutex_t lock;
	struct longname *bucket[4096];  /* protected by lock */
	size_t count;                   /* protected by lock */
} longnames = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t longname_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % 4096;
}

static void longnames_clear_locked(void)
{
	size_t i;

	for (i = 0; i < 4096; i++) {
		struct longname *n = longnames.bucket[i], *next;

		for (; n; n = next) {
			next = n->next;
			free(n->escaped);
			free(n->raw);
			free(n);
		}
		longnames.bucket[i] = NULL;
	}
	longnames.count = 0;
}

static void longname_remember(const char *escaped, const char *raw)
{
	size_t h = longname_hash(escaped);
	struct longname *n;

	pthread_mutex_lock(&longnames.lock);
	for (n = longnames.bucket[h]; n; n = n->next)
		if (!strcmp(n->escaped, escaped))
			break;
	if (!n) {
		if (longnames.count >= LONGNAMES_MAX)
			longnames_clear_locked();
		n = calloc(1, sizeof(*n));
		if (n) {
			n->escaped = strdup(escaped);
			n->raw = strdup(raw);
			if (!n->escaped || !n->raw) {
				free(n->escaped);
				free(n->raw);
				free(n);
			} else {
				n->next = longnames.bucket[h];
				longnames.bucket[h] = n;
				longnames.count++;
			}
		}
	}
	pthread_mutex_unlock(&longnames.lock);
}

static char *longname_lookup(const char *escaped)
{
	struct longname *n;
	char *raw = NULL;

	pthread_mutex_lock(&longnames.lock);
	for (n = longnames.bucket[longname_hash(escaped)]; n; n = n->next)
		if (!strcmp(n->escaped, escaped)) {
			raw = strdup(n->raw);
			break;
		}
	pthread_mutex_unlock(&longnames.lock);
	return raw;
}

/* Add an AWS-provided name: escaped as DESIGN.md §1 says. */
static int dl_add(struct dlist *d, const char *name, enum node_type type)
{
	char *e = escape_name(name);

	if (e && strstr(e, "%~"))
		longname_remember(e, name);
	return dl_add_raw(d, e, type);
}

static int dl_addf(struct dlist *d, enum node_type type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int dl_addf(struct dlist *d, enum node_type type, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return dl_add(d, tmp, type);
}

static uint64_t pin_hash(enum org_kind kind, const char *key)
{
	/* one key recurs under several kinds (an account's id): the kind
	 * spreads them */
	return layout_hash(key) ^ (uint64_t)kind * 0x9e3779b97f4a7c15ULL;
}

/* The pin of (kind, key) taken earlier while serving this path, or -1. */
static int pin_find(const struct lctx *c, enum org_kind kind,
		    const char *key, uint64_t h)
{
	size_t mask = 2 * (size_t)c->cappins - 1, i;

	if (!c->pinidx)
		return -1;
	for (i = h & mask; c->pinidx[i]; i = (i + 1) & mask) {
		const struct pin_of *p = &c->pinof[c->pinidx[i] - 1];

		if (p->h == h && p->kind == kind && !strcmp(p->key, key))
			return c->pinidx[i] - 1;
	}
	return -1;
}

static void pin_index(struct lctx *c, int n)
{
	size_t mask = 2 * (size_t)c->cappins - 1, i;

	for (i = c->pinof[n].h & mask; c->pinidx[i]; i = (i + 1) & mask)
		;
	c->pinidx[i] = n + 1;
}

/* Room for one more pin (and its index entry). */
static int pin_room(struct lctx *c)
{
	int ncap, i;
	struct cache_ref *p;
	struct pin_of *o;
	int *idx;

	if (c->npins < c->cappins)
		return 0;
	ncap = c->cappins ? c->cappins * 2 : 8;
	p = realloc(c->pins, ncap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->pins = p;
	o = realloc(c->pinof, ncap * sizeof(*o));
	if (!o)
		return -ENOMEM;
	c->pinof = o;
	idx = calloc(2 * (size_t)ncap, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	free(c->pinidx);
	c->pinidx = idx;
	c->cappins = ncap;
	for (i = 0; i < c->npins; i++)
		pin_index(c, i);
	return 0;
}

/*
 * The value of (kind, key) for this path, pinned until lctx_done.  What
 * one path is served from is one snapshot: the same (kind, key) asked for
 * twice answers the value pinned the first time, whatever the cache did
 * in between (an eviction, a SIGHUP, a refresh), so a renderer may ask
 * again for what it already had without checking a second time.
 */
static const void *need(struct lctx *c, enum org_kind kind, const char *key)
{
	struct cache_ref ref;
	uint64_t h = pin_hash(kind, key);
	char *k;
	int res, n;

	n = pin_find(c, kind, key, h);
	if (n >= 0)
		return c->pins[n].data;
	if (pin_room(c)) {
		aws_error_set(&c->err, ENOMEM, "OutOfMemory", "out of memory");
		return NULL;
	}
	if (c->cached_only) {
		res = org_peek(c->fs->org, kind, key, &ref);
		if (res == -ENOENT) {
			c->missing = 1;
			c->err.err = EAGAIN;
			return NULL;
		}
		if (res)        /* a failure at hand: answered (and recorded
				   for the path) as a get answers it */
			res = org_get(c->fs->org, kind, key, c->path, &ref,
				      &c->err);
	} else {
		res = org_get(c->fs->org, kind, key, c->path, &ref, &c->err);
	}
	if (res) {
		if (!c->err.err)
			c->err.err = -res;
		return NULL;
	}
	k = strdup(key);
	if (!k) {
		org_put(c->fs->org, &ref);
		aws_error_set(&c->err, ENOMEM, "OutOfMemory", "out of memory");
		return NULL;
	}
	n = c->npins++;
	c->pins[n] = ref;
	c->pinof[n] = (struct pin_of){ kind, k, h };
	pin_index(c, n);
	if (ref.fetched > c->mtime)
		c->mtime = ref.fetched;
	if (ref.stale)
		c->stale = 1;
	return ref.data;
}

/* Read-ahead of data a need() will want; not when only what is at hand
 * may be used (a stat). */
static void ask_ahead(struct lctx *c, enum org_kind kind, const char *key)
{
	if (!c->cached_only)
		org_prefetch(c->fs->org, kind, key);
}

/* The errno of the last failed need(). */
static int failed(struct lctx *c)
{
	return -(c->err.err ? c->err.err : EIO);
}

static void lctx_done(struct lctx *c)
{
	int i;

	for (i = 0; i < c->npins; i++) {
		org_put(c->fs->org, &c->pins[i]);
		free(c->pinof[i].key);
	}
	free(c->pins);
	free(c->pinof);
	free(c->pinidx);
	for (i = 0; i < c->narg; i++)
		free(c->arg[i]);
	for (i = 0; i < c->nrest; i++)
		free(c->rest[i]);
	free(c->rest);
}

static int put_line(struct node *out, const char *value)
{
	int res = buf_puts(&out->data, value ? value : "");

	return res ? res : buf_putc(&out->data, '\n');
}

static int put_time(struct node *out, time_t t)
{
	char ts[21];

	if (!t)
		return put_line(out, "");
	awstime_format(t, ts);
	return put_line(out, ts);
}

/* A JSON document pretty-printed; as AWS holds it when it is not JSON. */
static int put_json(struct node *out, const char *text)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	char *pretty;
	int res;

	if (!doc)
		return put_line(out, text);
	pretty = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!pretty)
		return -ENOMEM;
	res = put_line(out, pretty);
	free(pretty);
	return res;
}

static int set_link(struct node *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int set_link(struct node *out, const char *fmt, ...)
{
	va_list ap;
	int res;

	out->type = NODE_LINK;
	va_start(ap, fmt);
	res = buf_vprintf(&out->data, fmt, ap);
	va_end(ap);
	return res;
}

/* TSV fields: tabs and newlines inside values become spaces. */
static int put_tsv(struct buf *b, const char *s, char end)
{
	int res = 0;

	for (s = s ? s : ""; *s && !res; s++)
		res = buf_putc(b, (*s == '\t' || *s == '\n' || *s == '\r')
				  ? ' ' : *s);
	return res ? res : buf_putc(b, end);
}

/* ------------------------------------------------------------------ */
/* organization data, resolved */

static const struct org_account *find_account(struct lctx *c, const char *id)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");

	if (!a)
		return NULL;
	return org_accounts_find(a, id);
}

static const struct org_hier *hier(struct lctx *c)
{
	return need(c, ORG_HIER, "");
}

/* Ids of the object and its ancestors, the object first. */
static int ancestry(const struct org_hier *h, const char *id,
		    const char **ids, int max)
{
	int n = 0;
	const char *p = org_hier_parent_of(h, id);

	ids[n++] = id;
	if (!p) {
		const struct org_ou *u = org_hier_find_ou(h, id);

		p = u ? u->parent_id : NULL;
	}
	while (p && n < max) {
		const struct org_ou *u = org_hier_find_ou(h, p);

		ids[n++] = p;
		p = u ? u->parent_id : NULL;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* / */

static int ls_root(struct lctx *c, struct dlist *d)
{
	static const struct {
		const char *name;
		enum node_type type;
	} top[] = {
		{ "README", NODE_FILE }, { "accounts.tsv", NODE_FILE },
		{ "org", NODE_DIR }, { "accounts", NODE_DIR },
		{ "by-name", NODE_DIR }, { "ous", NODE_DIR },
		{ "tree", NODE_DIR }, { "policies", NODE_DIR },
		{ "owners", NODE_DIR }, { "unowned", NODE_DIR },
		{ "tags", NODE_DIR }, { "compliance", NODE_DIR },
		{ ".orgfs", NODE_DIR },
	};
	size_t i;
	int res = 0;

	for (i = 0; i < sizeof(top) / sizeof(top[0]) && !res; i++)
		res = dl_add_raw(d, strdup(top[i].name), top[i].type);
	if (!res && c->fs->resources)
		res = dl_add_raw(d, strdup("resources.tsv"), NODE_FILE);
	if (!res && c->fs->resources)
		res = dl_add_raw(d, strdup("services"), NODE_DIR);
	return res;
}

static int f_readme(struct lctx *c, struct node *out)
{
	struct orgfs *fs = c->fs;
	const struct org_info *oi = need(c, ORG_INFO, "");
	struct buf *b = &out->data;

	if (!oi)
		return failed(c);
	return buf_printf(b,
		"This is orgfs: AWS Organization %s, read-only.\n"
		"\n"
		"Source:    %s\n"
		"Identity:  %s\n"
		"Cached for (seconds): organization %llu, accounts %llu, "
		"OUs %llu, tags %llu, policies %llu\n"
		"\n"
		"Where to start:\n"
		"  accounts.tsv          one line per account: id name email state path owner\n"
		"  accounts/<id>/        name email state arn joined_method joined parent path\n"
		"                        owner owner.source tags/ policies/\n"
		"  by-name/<name>        links to accounts by name\n"
		"  ous/<id>/             roots and organizational units\n"
		"  tree/                 the hierarchy by name\n"
		"  policies/<id>/        organization policies: content.json, targets/\n"
		"  owners/<owner>/       what each owner owns: accounts/ ous/ resources.tsv\n"
		"  unowned/              what nobody owns: accounts/ ous/ resources.tsv\n"
		"  tags/<key>/<value>/   objects by tag: accounts/ ous/ resources.tsv\n"
		"  resources.tsv         every resource: arn account region service type owner\n"
		"  services/<s>/<type>/  resources.tsv of one kind of resource\n"
		"  compliance/           summary, failing.tsv, rules/: where everything stands\n"
		"  .orgfs/               status, config and errors of this mount\n"
		"\n"
		"Audits:\n"
		"  ls unowned/accounts                              accounts nobody owns\n"
		"  awk -F'\\t' 'NR > 1 && $6 == \"\"' accounts.tsv      the same, as a table\n"
		"  cat accounts/*/owner.source | sort | uniq -c     where owners come from\n"
		"  grep -l '^policy' accounts/*/compliance          accounts breaking a policy\n"
		"\n"
		"See orgfs(1) for the whole layout.\n",
		oi->id, fs->source_desc, fs->identity,
		(unsigned long long)(fs->ttl_ms[ORG_INFO] / 1000),
		(unsigned long long)(fs->ttl_ms[ORG_ACCOUNTS] / 1000),
		(unsigned long long)(fs->ttl_ms[ORG_HIER] / 1000),
		(unsigned long long)(fs->ttl_ms[ORG_TAGS] / 1000),
		(unsigned long long)(fs->ttl_ms[ORG_POLICIES] / 1000));
}

static int f_accounts_tsv(struct lctx *c, struct node *out)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");
	const struct org_hier *h = a ? hier(c) : NULL;
	const struct org_index *x = h ? need(c, ORG_INDEX, "") : NULL;
	struct buf *b = &out->data;
	struct buf path;
	size_t i;
	int res;

	if (!a || !h || !x)
		return failed(c);
	buf_init(&path, 1 << 20);
	res = buf_puts(b, "id\tname\temail\tstate\tpath\towner\n");
	for (i = 0; i < a->n && !res; i++) {
		const struct org_account *ac = &a->v[i];

		buf_reset(&path);
		res = org_hier_path(h, org_hier_parent_of(h, ac->id), &path);
		if (!res)
			res = put_tsv(b, ac->id, '\t');
		if (!res)
			res = put_tsv(b, ac->name, '\t');
		if (!res)
			res = put_tsv(b, ac->email, '\t');
		if (!res)
			res = put_tsv(b, ac->state, '\t');
		if (!res)
			res = put_tsv(b, buf_str(&path), '\t');
		if (!res) {
			const struct org_index_obj *ob =
				org_index_find(x, ac->id);

			res = put_tsv(b, ob && ob->owner ? ob->owner : "", '\n');
		}
	}
	buf_free(&path);
	return res;
}

/* ------------------------------------------------------------------ */
/* /org */

static const char *const org_fields[] = {
	"id", "arn", "management_account_id", "management_account_email",
	"management_account_arn", "feature_set", "policy_types",
};

static int ls_org(struct lctx *c, struct dlist *d)
{
	size_t i;
	int res = 0;

	for (i = 0; i < sizeof(org_fields) / sizeof(org_fields[0]) && !res; i++)
		res = dl_add(d, org_fields[i], NODE_FILE);
	return res;
}

static int f_org_field(struct lctx *c, struct node *out)
{
	const struct org_info *oi = need(c, ORG_INFO, "");
	const char *f = c->arg[0];
	size_t i;
	int res = 0;

	if (!oi)
		return failed(c);
	if (!strcmp(f, "id"))
		return put_line(out, oi->id);
	if (!strcmp(f, "arn"))
		return put_line(out, oi->arn);
	if (!strcmp(f, "management_account_id"))
		return put_line(out, oi->management_account_id);
	if (!strcmp(f, "management_account_email"))
		return put_line(out, oi->management_account_email);
	if (!strcmp(f, "management_account_arn"))
		return put_line(out, oi->management_account_arn);
	if (!strcmp(f, "feature_set"))
		return put_line(out, oi->feature_set);
	if (!strcmp(f, "policy_types")) {
		/* one "<TYPE>\t<STATUS>" line per type enabled on the root */
		for (i = 0; i < oi->ntypes && !res; i++)
			res = buf_printf(&out->data, "%s\t%s\n",
					 oi->types[i].type, oi->types[i].status);
		return res;
	}
	return -ENOENT;
}

/* ------------------------------------------------------------------ */
/* /accounts */

static int ls_accounts(struct lctx *c, struct dlist *d)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");
	size_t i;
	int res = 0;

	if (!a)
		return failed(c);
	for (i = 0; i < a->n && !res; i++)
		res = dl_add(d, a->v[i].id, NODE_DIR);
	return res;
}

static int d_account(struct lctx *c, struct node *out)
{
	const struct org_account *ac = find_account(c, c->arg[0]);

	if (!ac)
		return c->err.err ? failed(c) : -ENOENT;
	return 0;
}

static const char *const account_fields[] = {
	"name", "email", "state", "arn", "joined_method", "joined",
};

static int ls_account(struct lctx *c, struct dlist *d)
{
	size_t i;
	int res = d_account(c, NULL);

	for (i = 0; i < sizeof(account_fields) / sizeof(account_fields[0]) &&
		    !res; i++)
		res = dl_add(d, account_fields[i], NODE_FILE);
	if (!res)
		res = dl_add(d, "parent", NODE_LINK);
	if (!res)
		res = dl_add(d, "path", NODE_FILE);
	if (!res)
		res = dl_add(d, "owner", NODE_FILE);
	if (!res)
		res = dl_add(d, "owner.source", NODE_FILE);
	if (!res)
		res = dl_add(d, "tags", NODE_DIR);
	if (!res)
		res = dl_add(d, "policies", NODE_DIR);
	if (!res && c->fs->resources) {
		const struct org_account *a = find_account(c, c->arg[0]);

		if (a && readable_state(a))
			res = dl_add(d, "resources", NODE_DIR);
	}
	if (!res)
		res = dl_add(d, "policies.tsv", NODE_FILE);
	if (!res)
		res = dl_add(d, "compliance", NODE_FILE);
	if (!res && source_has(c, 0))
		res = dl_add(d, "effective_tag_policy.json", NODE_FILE);
	if (!res && source_has(c, 1)) {
		const struct org_account *a = find_account(c, c->arg[0]);

		if (a && readable_state(a))
			res = dl_add(d, "config", NODE_DIR);
	}
	return res;
}

/* owner and owner.source of an account, root or OU (c->arg[0]) */
static int f_owner(struct lctx *c, struct node *out)
{
	struct owner_result r = { 0 };
	time_t fetched = 0;
	int stale = 0, res;

	res = org_owner_of(c->fs->org, c->arg[0], c->path, &r, &fetched,
			   &stale, &c->err);
	if (res)
		return res;
	if (fetched > c->mtime)
		c->mtime = fetched;
	c->stale |= stale;
	if (!strcmp(strrchr(c->path, '/') + 1, "owner"))
		res = put_line(out, r.value ? r.value : "");
	else
		res = put_line(out, r.source);
	owner_result_free(&r);
	return res;
}

static int f_account_field(struct lctx *c, struct node *out)
{
	const struct org_account *ac = find_account(c, c->arg[0]);
	const char *f = c->arg[1];

	if (!ac)
		return c->err.err ? failed(c) : -ENOENT;
	if (!strcmp(f, "name"))
		return put_line(out, ac->name);
	if (!strcmp(f, "email"))
		return put_line(out, ac->email);
	if (!strcmp(f, "state"))
		return put_line(out, ac->state);
	if (!strcmp(f, "arn"))
		return put_line(out, ac->arn);
	if (!strcmp(f, "joined_method"))
		return put_line(out, ac->joined_method);
	if (!strcmp(f, "joined"))
		return put_time(out, ac->joined);
	return -ENOENT;
}

static int l_account_parent(struct lctx *c, struct node *out)
{
	const struct org_account *ac = find_account(c, c->arg[0]);
	const struct org_hier *h = ac ? hier(c) : NULL;
	const char *p;
	char *e;
	int res;

	if (!ac || !h)
		return c->err.err ? failed(c) : -ENOENT;
	p = org_hier_parent_of(h, ac->id);
	if (!p)
		return -ENOENT;
	e = escape_name(p);
	if (!e)
		return -ENOMEM;
	res = set_link(out, "../../ous/%s", e);
	free(e);
	return res;
}

static int f_account_path(struct lctx *c, struct node *out)
{
	const struct org_account *ac = find_account(c, c->arg[0]);
	const struct org_hier *h = ac ? hier(c) : NULL;
	int res;

	if (!ac || !h)
		return c->err.err ? failed(c) : -ENOENT;
	res = org_hier_path(h, org_hier_parent_of(h, ac->id), &out->data);
	return res ? res : buf_putc(&out->data, '\n');
}

/* tags/ of an account, OU or root: id is c->arg[0] */
static int ls_tags(struct lctx *c, struct dlist *d)
{
	const struct org_tags *t = need(c, ORG_TAGS, c->arg[0]);
	size_t i;
	int res = 0;

	if (!t)
		return failed(c);
	for (i = 0; i < t->n && !res; i++)
		res = dl_add(d, t->v[i].key, NODE_FILE);
	return res;
}

static int f_tag(struct lctx *c, struct node *out)
{
	const struct org_tags *t = need(c, ORG_TAGS, c->arg[0]);
	const char *v;

	if (!t)
		return failed(c);
	v = org_tags_get(t, c->arg[1]);
	if (!v)
		return -ENOENT;
	return put_line(out, v);
}

static int ls_account_tags(struct lctx *c, struct dlist *d)
{
	int res = d_account(c, NULL);

	return res ? res : ls_tags(c, d);
}

static int f_account_tag(struct lctx *c, struct node *out)
{
	int res = d_account(c, NULL);

	return res ? res : f_tag(c, out);
}

/* Policies attached to the object or to any of its ancestors. */
static int object_policies(struct lctx *c, const char *id, struct dlist *d)
{
	const struct org_policies *ps = need(c, ORG_POLICIES, "");
	const struct org_hier *h = ps ? hier(c) : NULL;
	const char *ids[70];
	size_t i, j;
	int n, k, res = 0;

	if (!ps || !h)
		return failed(c);
	n = ancestry(h, id, ids, 70);
	for (i = 0; i < ps->n; i++)
		ask_ahead(c, ORG_POLICY, ps->v[i].id);
	for (i = 0; i < ps->n && !res; i++) {
		const struct org_policy *p = need(c, ORG_POLICY, ps->v[i].id);
		int hit = 0;

		if (!p)
			return failed(c);
		for (j = 0; j < p->ntargets && !hit; j++)
			for (k = 0; k < n && !hit; k++)
				hit = !strcmp(p->targets[j].id, ids[k]);
		if (hit)
			res = dl_add(d, p->summary.id, NODE_LINK);
	}
	return res;
}

static int ls_account_policies(struct lctx *c, struct dlist *d)
{
	int res = d_account(c, NULL);

	return res ? res : object_policies(c, c->arg[0], d);
}

static int l_object_policy(struct lctx *c, struct node *out)
{
	char *e;
	int res = listed(c->fs, c->path);

	if (res)
		return res;
	e = escape_name(c->arg[1]);
	if (!e)
		return -ENOMEM;
	res = set_link(out, "../../../policies/%s", e);
	free(e);
	return res;
}

/* ------------------------------------------------------------------ */
/* /by-name: accounts by name; a name two accounts share becomes
 * "<name> (<id>)" for each of them */

static int dup_name(const struct org_accounts *a, size_t i)
{
	return (i > 0 && !strcmp(a->v[i - 1].name, a->v[i].name)) ||
	       (i + 1 < a->n && !strcmp(a->v[i + 1].name, a->v[i].name));
}

static int cmp_account_name(const void *x, const void *y)
{
	const struct org_account *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	return r ? r : strcmp(a->id, b->id);
}

/* A copy of the accounts sorted by name (shallow: strings borrowed). */
static struct org_accounts *by_name(const struct org_accounts *a)
{
	struct org_accounts *s = malloc(sizeof(*s));

	if (!s)
		return NULL;
	s->n = a->n;
	s->v = malloc((a->n ? a->n : 1) * sizeof(*s->v));
	if (!s->v) {
		free(s);
		return NULL;
	}
	memcpy(s->v, a->v, a->n * sizeof(*s->v));
	qsort(s->v, s->n, sizeof(*s->v), cmp_account_name);
	return s;
}

static int ls_by_name(struct lctx *c, struct dlist *d)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");
	struct org_accounts *s;
	size_t i;
	int res = 0;

	if (!a)
		return failed(c);
	s = by_name(a);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < s->n && !res; i++) {
		if (dup_name(s, i))
			res = dl_addf(d, NODE_LINK, "%s (%s)", s->v[i].name,
				      s->v[i].id);
		else
			res = dl_add(d, s->v[i].name, NODE_LINK);
	}
	free(s->v);
	free(s);
	return res;
}

static int l_by_name(struct lctx *c, struct node *out)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");
	struct org_accounts *s;
	const char *want = c->arg[0];
	size_t i;
	int res = -ENOENT;

	if (!a)
		return failed(c);
	s = by_name(a);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		char tmp[1024];
		const char *n = s->v[i].name;

		if (dup_name(s, i)) {
			snprintf(tmp, sizeof(tmp), "%s (%s)", s->v[i].name,
				 s->v[i].id);
			n = tmp;
		}
		if (!strcmp(n, want)) {
			res = set_link(out, "../accounts/%s", s->v[i].id);
			break;
		}
	}
	free(s->v);
	free(s);
	return res;
}

/* ------------------------------------------------------------------ */
/* /ous: roots and OUs by id */

static int ls_ous(struct lctx *c, struct dlist *d)
{
	const struct org_hier *h = hier(c);
	size_t i;
	int res = 0;

	if (!h)
		return failed(c);
	for (i = 0; i < h->nous && !res; i++)
		res = dl_add(d, h->ous[i].id, NODE_DIR);
	return res;
}

static const struct org_ou *find_ou(struct lctx *c)
{
	const struct org_hier *h = hier(c);

	return h ? org_hier_find_ou(h, c->arg[0]) : NULL;
}

static int d_ou(struct lctx *c, struct node *out)
{
	if (!find_ou(c))
		return c->err.err ? failed(c) : -ENOENT;
	return 0;
}

static int ls_ou(struct lctx *c, struct dlist *d)
{
	const struct org_ou *u = find_ou(c);
	int res = 0;

	if (!u)
		return c->err.err ? failed(c) : -ENOENT;
	res = dl_add(d, "name", NODE_FILE);
	if (!res)
		res = dl_add(d, "arn", NODE_FILE);
	if (!res)
		res = dl_add(d, "path", NODE_FILE);
	if (!res)
		res = dl_add(d, "owner", NODE_FILE);
	if (!res)
		res = dl_add(d, "owner.source", NODE_FILE);
	if (!res && u->parent_id)
		res = dl_add(d, "parent", NODE_LINK);
	if (!res)
		res = dl_add(d, "accounts", NODE_DIR);
	if (!res)
		res = dl_add(d, "children", NODE_DIR);
	if (!res)
		res = dl_add(d, "tags", NODE_DIR);
	if (!res)
		res = dl_add(d, "policies", NODE_DIR);
	if (!res)
		res = dl_add(d, "policies.tsv", NODE_FILE);
	if (!res)
		res = dl_add(d, "compliance", NODE_FILE);
	return res;
}

static int f_ou_field(struct lctx *c, struct node *out)
{
	const struct org_ou *u = find_ou(c);
	const char *f = c->arg[1];
	int res;

	if (!u)
		return c->err.err ? failed(c) : -ENOENT;
	if (!strcmp(f, "name"))
		return put_line(out, u->name);
	if (!strcmp(f, "arn"))
		return put_line(out, u->arn);
	if (!strcmp(f, "path")) {
		res = org_hier_path(hier(c), u->id, &out->data);
		return res ? res : buf_putc(&out->data, '\n');
	}
	return -ENOENT;
}

static int l_ou_parent(struct lctx *c, struct node *out)
{
	const struct org_ou *u = find_ou(c);
	char *e;
	int res;

	if (!u)
		return c->err.err ? failed(c) : -ENOENT;
	if (!u->parent_id)
		return -ENOENT;
	e = escape_name(u->parent_id);
	if (!e)
		return -ENOMEM;
	res = set_link(out, "../%s", e);
	free(e);
	return res;
}

static int ls_ou_accounts(struct lctx *c, struct dlist *d)
{
	const struct org_ou *u = find_ou(c);
	const struct org_hier *h;
	size_t i;
	int res = 0;

	if (!u)
		return c->err.err ? failed(c) : -ENOENT;
	h = hier(c);
	for (i = 0; i < h->nlinks && !res; i++)
		if (!strcmp(h->links[i].parent_id, u->id))
			res = dl_add(d, h->links[i].child_id, NODE_LINK);
	return res;
}

static int l_ou_account(struct lctx *c, struct node *out)
{
	int res = listed(c->fs, c->path);

	return res ? res : set_link(out, "../../../accounts/%s", c->arg[1]);
}

static int ls_ou_children(struct lctx *c, struct dlist *d)
{
	const struct org_ou *u = find_ou(c);
	const struct org_hier *h;
	size_t i;
	int res = 0;

	if (!u)
		return c->err.err ? failed(c) : -ENOENT;
	h = hier(c);
	for (i = 0; i < h->nous && !res; i++)
		if (h->ous[i].parent_id && !strcmp(h->ous[i].parent_id, u->id))
			res = dl_add(d, h->ous[i].id, NODE_LINK);
	return res;
}

static int l_ou_child(struct lctx *c, struct node *out)
{
	char *e;
	int res = listed(c->fs, c->path);

	if (res)
		return res;
	e = escape_name(c->arg[1]);
	if (!e)
		return -ENOMEM;
	res = set_link(out, "../../%s", e);
	free(e);
	return res;
}

static int ls_ou_tags(struct lctx *c, struct dlist *d)
{
	int res = d_ou(c, NULL);

	return res ? res : ls_tags(c, d);
}

static int f_ou_tag(struct lctx *c, struct node *out)
{
	int res = d_ou(c, NULL);

	return res ? res : f_tag(c, out);
}

static int ls_ou_policies(struct lctx *c, struct dlist *d)
{
	int res = d_ou(c, NULL);

	return res ? res : object_policies(c, c->arg[0], d);
}

/* ------------------------------------------------------------------ */
/* /tree: the hierarchy by name.  OUs are directories, accounts symlinks.
 * Where siblings share a name (two OUs, two accounts, or an OU and an
 * account), each of them is shown as "<name> (<id>)". */

struct tree_item {
	const char *name;
	const char *id;
	int is_ou;
};

static int cmp_tree_item(const void *x, const void *y)
{
	const struct tree_item *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	return r ? r : strcmp(a->id, b->id);
}

/* Children of parent (NULL: the roots), sorted by name. */
static struct tree_item *tree_children(struct lctx *c,
				       const struct org_hier *h,
				       const struct org_accounts *a,
				       const char *parent, size_t *n)
{
	struct tree_item *v;
	size_t i, k = 0;

	v = malloc((h->nous + h->nlinks + 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < h->nous; i++) {
		const struct org_ou *u = &h->ous[i];

		if ((!parent && !u->parent_id) ||
		    (parent && u->parent_id && !strcmp(u->parent_id, parent))) {
			v[k].name = u->name;
			v[k].id = u->id;
			v[k].is_ou = 1;
			k++;
		}
	}
	for (i = 0; parent && i < h->nlinks; i++) {
		const struct org_account *ac;

		if (strcmp(h->links[i].parent_id, parent))
			continue;
		ac = org_accounts_find(a, h->links[i].child_id);
		v[k].name = ac ? ac->name : h->links[i].child_id;
		v[k].id = h->links[i].child_id;
		v[k].is_ou = 0;
		k++;
	}
	qsort(v, k, sizeof(*v), cmp_tree_item);
	*n = k;
	return v;
}

static int tree_dup(const struct tree_item *v, size_t n, size_t i)
{
	return (i > 0 && !strcmp(v[i - 1].name, v[i].name)) ||
	       (i + 1 < n && !strcmp(v[i + 1].name, v[i].name));
}

static int tree_name(const struct tree_item *v, size_t n, size_t i,
		     char *out, size_t len)
{
	if (tree_dup(v, n, i))
		return snprintf(out, len, "%s (%s)", v[i].name, v[i].id);
	return snprintf(out, len, "%s", v[i].name);
}

/* Walk c->rest down the tree.  On success *id is the OU (or root) the
 * path names, or *account the account a last component names. */
static int tree_resolve(struct lctx *c, const struct org_hier *h,
			const struct org_accounts *a, int upto,
			const char **id, const char **account)
{
	const char *cur = NULL;
	int depth;

	*account = NULL;
	for (depth = 0; depth < upto; depth++) {
		struct tree_item *v;
		size_t n, i;
		int found = 0;

		if (*account)
			return -ENOTDIR;
		v = tree_children(c, h, a, cur, &n);
		if (!v)
			return -ENOMEM;
		for (i = 0; i < n && !found; i++) {
			char name[1024];

			tree_name(v, n, i, name, sizeof(name));
			if (strcmp(name, c->rest[depth]))
				continue;
			found = 1;
			if (v[i].is_ou)
				cur = v[i].id;
			else
				*account = v[i].id;
		}
		free(v);
		if (!found)
			return -ENOENT;
	}
	*id = cur;
	return 0;
}

static int g_tree(struct lctx *c, struct node *out)
{
	const struct org_hier *h = hier(c);
	const struct org_accounts *a = h ? need(c, ORG_ACCOUNTS, "") : NULL;
	const char *id, *account;
	int res, i;

	if (!h || !a)
		return failed(c);
	res = tree_resolve(c, h, a, c->nrest, &id, &account);
	if (res)
		return res;
	if (!account)
		return 0;               /* a directory */
	out->type = NODE_LINK;
	/* /tree/<1>/.../<n>: n-1 levels below tree/, then tree/ itself */
	for (i = 0; i < c->nrest && !res; i++)
		res = buf_puts(&out->data, "../");
	return res ? res : buf_printf(&out->data, "accounts/%s", account);
}

static int ls_tree(struct lctx *c, struct dlist *d)
{
	const struct org_hier *h = hier(c);
	const struct org_accounts *a = h ? need(c, ORG_ACCOUNTS, "") : NULL;
	const char *id = NULL, *account;
	struct tree_item *v;
	size_t n, i;
	int res;

	if (!h || !a)
		return failed(c);
	res = tree_resolve(c, h, a, c->nrest, &id, &account);
	if (res)
		return res;
	if (account)
		return -ENOTDIR;
	v = tree_children(c, h, a, id, &n);
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n && !res; i++) {
		char name[1024];

		tree_name(v, n, i, name, sizeof(name));
		res = dl_add(d, name, v[i].is_ou ? NODE_DIR : NODE_LINK);
	}
	free(v);
	return res;
}

/* ------------------------------------------------------------------ */
/* /policies */

static int ls_policies(struct lctx *c, struct dlist *d)
{
	const struct org_policies *ps = need(c, ORG_POLICIES, "");
	size_t i;
	int res = 0;

	if (!ps)
		return failed(c);
	for (i = 0; i < ps->n && !res; i++)
		res = dl_add(d, ps->v[i].id, NODE_DIR);
	return res;
}

static const struct org_policy_summary *find_policy(struct lctx *c)
{
	const struct org_policies *ps = need(c, ORG_POLICIES, "");
	size_t lo = 0, hi;

	if (!ps)
		return NULL;
	hi = ps->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(ps->v[mid].id, c->arg[0]);

		if (!r)
			return &ps->v[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int d_policy(struct lctx *c, struct node *out)
{
	if (!find_policy(c))
		return c->err.err ? failed(c) : -ENOENT;
	return 0;
}

static int ls_policy(struct lctx *c, struct dlist *d)
{
	static const char *const files[] = {
		"name", "type", "description", "aws_managed", "arn",
		"content.json",
	};
	size_t i;
	int res = d_policy(c, NULL);

	for (i = 0; i < sizeof(files) / sizeof(files[0]) && !res; i++)
		res = dl_add(d, files[i], NODE_FILE);
	if (!res)
		res = dl_add(d, "tags", NODE_DIR);
	if (!res)
		res = dl_add(d, "targets", NODE_DIR);
	return res;
}

static int f_policy_field(struct lctx *c, struct node *out)
{
	const struct org_policy_summary *p = find_policy(c);
	const char *f = c->arg[1];

	if (!p)
		return c->err.err ? failed(c) : -ENOENT;
	if (!strcmp(f, "name"))
		return put_line(out, p->name);
	if (!strcmp(f, "type"))
		return put_line(out, p->type);
	if (!strcmp(f, "description"))
		return put_line(out, p->description);
	if (!strcmp(f, "arn"))
		return put_line(out, p->arn);
	if (!strcmp(f, "aws_managed"))
		return put_line(out, p->aws_managed ? "true" : "false");
	return -ENOENT;
}

static int f_policy_content(struct lctx *c, struct node *out)
{
	const struct org_policy *p;

	if (d_policy(c, NULL))
		return c->err.err ? failed(c) : -ENOENT;
	p = need(c, ORG_POLICY, c->arg[0]);
	if (!p)
		return failed(c);
	return put_json(out, p->content);
}

static int ls_policy_tags(struct lctx *c, struct dlist *d)
{
	int res = d_policy(c, NULL);

	return res ? res : ls_tags(c, d);
}

static int f_policy_tag(struct lctx *c, struct node *out)
{
	int res = d_policy(c, NULL);

	return res ? res : f_tag(c, out);
}

static int ls_policy_targets(struct lctx *c, struct dlist *d)
{
	const struct org_policy *p;
	size_t i;
	int res = d_policy(c, NULL);

	if (res)
		return res;
	p = need(c, ORG_POLICY, c->arg[0]);
	if (!p)
		return failed(c);
	for (i = 0; i < p->ntargets && !res; i++)
		res = dl_add(d, p->targets[i].id, NODE_LINK);
	return res;
}

static int l_policy_target(struct lctx *c, struct node *out)
{
	const struct org_policy *p;
	size_t i;
	char *e;
	int res;

	if (d_policy(c, NULL))
		return c->err.err ? failed(c) : -ENOENT;
	p = need(c, ORG_POLICY, c->arg[0]);
	if (!p)
		return failed(c);
	for (i = 0; i < p->ntargets; i++)
		if (!strcmp(p->targets[i].id, c->arg[1]))
			break;
	if (i == p->ntargets)
		return -ENOENT;
	e = escape_name(c->arg[1]);
	if (!e)
		return -ENOMEM;
	if (!strcmp(p->targets[i].type, "ACCOUNT"))
		res = set_link(out, "../../../accounts/%s", e);
	else
		res = set_link(out, "../../../ous/%s", e);
	free(e);
	return res;
}

/* ------------------------------------------------------------------ */
/* /owners, /unowned, /tags: views over the org-wide index (one crawl of
 * every account's and OU's tags) */

static const struct org_index *index_of(struct lctx *c)
{
	return need(c, ORG_INDEX, "");
}

static int rnames_walk(struct lctx *c, struct dlist *d, int what,
		       const char *of);

static int ls_owners(struct lctx *c, struct dlist *d)
{
	const struct org_index *x = index_of(c);
	size_t i;
	int res = 0;

	if (!x)
		return failed(c);
	for (i = 0; i < x->n && !res; i++)
		if (x->v[i].owner)
			res = dl_add(d, x->v[i].owner, NODE_DIR);
	/* owners that own only resources are owners too */
	return res ? res : rnames_walk(c, d, 2, NULL);
}

static int ls_owner(struct lctx *c, struct dlist *d)
{
	int res = dl_add(d, "accounts", NODE_DIR);

	if (!res)
		res = dl_add(d, "ous", NODE_DIR);
	if (!res && c->fs->resources)
		res = dl_add(d, "resources.tsv", NODE_FILE);
	return res;
}

/* Objects of one kind ("account" or other) whose owner is want (NULL:
 * none), as symlinks. */
static int ls_owned(struct lctx *c, struct dlist *d, const char *want,
		    int accounts)
{
	const struct org_index *x = index_of(c);
	size_t i;
	int res = 0;

	if (!x)
		return failed(c);
	for (i = 0; i < x->n && !res; i++) {
		const struct org_index_obj *ob = &x->v[i];

		if (accounts != !strcmp(ob->kind, "account"))
			continue;
		if (want ? (ob->owner && !strcmp(ob->owner, want)) : !ob->owner)
			res = dl_add(d, ob->id, NODE_LINK);
	}
	return res;
}

static int ls_owner_accounts(struct lctx *c, struct dlist *d)
{
	return ls_owned(c, d, c->arg[0], 1);
}

static int ls_owner_ous(struct lctx *c, struct dlist *d)
{
	return ls_owned(c, d, c->arg[0], 0);
}

static int ls_unowned(struct lctx *c, struct dlist *d)
{
	int res = dl_add(d, "accounts", NODE_DIR);

	if (!res)
		res = dl_add(d, "ous", NODE_DIR);
	if (!res && c->fs->resources)
		res = dl_add(d, "resources.tsv", NODE_FILE);
	return res;
}

static int ls_unowned_accounts(struct lctx *c, struct dlist *d)
{
	return ls_owned(c, d, NULL, 1);
}

static int ls_unowned_ous(struct lctx *c, struct dlist *d)
{
	return ls_owned(c, d, NULL, 0);
}

/* A view's link to the one real directory of an account or OU: up to
 * the top of the tree, then accounts/<id> or ous/<id> as the directory
 * the link sits in is named ("owners/x/ous/<id>" -> "../../../ous/<id>"). */
/* Whether the object a link of owners/, unowned/ or tags/ names is
 * listed there (ls_owned, ls_tagged): one lookup in the index, not a
 * listing of the directory, which for each of thousands of links was a
 * scan of every account and OU. */
static int view_member(struct lctx *c, int accounts)
{
	const struct org_index *x = index_of(c);
	const struct org_index_obj *ob;
	const char *v;

	if (!x)
		return failed(c);
	ob = org_index_find(x, c->arg[c->narg - 1]);
	if (!ob || accounts != !strcmp(ob->kind, "account"))
		return -ENOENT;
	if (!strncmp(c->path, "/owners/", 8))
		return ob->owner && !strcmp(ob->owner, c->arg[0]) ? 0 : -ENOENT;
	if (!strncmp(c->path, "/unowned/", 9))
		return ob->owner ? -ENOENT : 0;
	v = org_tags_get(&ob->tags, c->arg[0]);
	return v && !strcmp(v, c->arg[1]) ? 0 : -ENOENT;
}

static int l_view_object(struct lctx *c, struct node *out)
{
	const char *last = strrchr(c->path, '/'), *p;
	const char *dir = last;
	char *e;
	int res;

	while (dir > c->path && dir[-1] != '/')
		dir--;
	res = view_member(c, !strncmp(dir, "accounts/", 9));
	if (res)
		return res;
	e = escape_name(c->arg[c->narg - 1]);
	if (!e)
		return -ENOMEM;
	out->type = NODE_LINK;
	for (p = c->path + 1; *p && !res; p++)
		if (*p == '/')
			res = buf_puts(&out->data, "../");
	if (!res)
		res = buf_printf(&out->data, "%.*s/%s", (int)(last - dir), dir,
				 e);
	free(e);
	return res;
}

static int ls_tag_keys(struct lctx *c, struct dlist *d)
{
	const struct org_index *x = index_of(c);
	size_t i, k;
	int res = 0;

	if (!x)
		return failed(c);
	for (i = 0; i < x->n && !res; i++)
		for (k = 0; k < x->v[i].tags.n && !res; k++)
			res = dl_add(d, x->v[i].tags.v[k].key, NODE_DIR);
	return res ? res : rnames_walk(c, d, 3, NULL);
}

static int ls_tag_values(struct lctx *c, struct dlist *d)
{
	const struct org_index *x = index_of(c);
	size_t i;
	int res = 0;

	if (!x)
		return failed(c);
	for (i = 0; i < x->n && !res; i++) {
		const char *v = org_tags_get(&x->v[i].tags, c->arg[0]);

		if (v)
			res = dl_add(d, v, NODE_DIR);
	}
	return res ? res : rnames_walk(c, d, 4, c->arg[0]);
}

static int ls_tag_value(struct lctx *c, struct dlist *d)
{
	int res = dl_add(d, "accounts", NODE_DIR);

	if (!res)
		res = dl_add(d, "ous", NODE_DIR);
	if (!res && c->fs->resources)
		res = dl_add(d, "resources.tsv", NODE_FILE);
	return res;
}

static int ls_tagged(struct lctx *c, struct dlist *d, int accounts)
{
	const struct org_index *x = index_of(c);
	size_t i;
	int res = 0;

	if (!x)
		return failed(c);
	for (i = 0; i < x->n && !res; i++) {
		const struct org_index_obj *ob = &x->v[i];
		const char *v;

		if (accounts != !strcmp(ob->kind, "account"))
			continue;
		v = org_tags_get(&ob->tags, c->arg[0]);
		if (v && !strcmp(v, c->arg[1]))
			res = dl_add(d, ob->id, NODE_LINK);
	}
	return res;
}

static int ls_tag_accounts(struct lctx *c, struct dlist *d)
{
	return ls_tagged(c, d, 1);
}

static int ls_tag_ous(struct lctx *c, struct dlist *d)
{
	return ls_tagged(c, d, 0);
}

/* ------------------------------------------------------------------ */
/* resources: accounts/<id>/resources/<service>/<region>/<type>/<id>/,
 * and the org-wide views over every readable account and region */

static int readable_state(const struct org_account *a)
{
	/* AWS refuses roles in these: they are not read (man page) */
	return strcmp(a->state, "SUSPENDED") && strcmp(a->state, "CLOSED");
}

static void slice_key(char *out, size_t len, const char *account,
		      const char *region)
{
	snprintf(out, len, "%s/%s", account, region);
}

/* Pin every region's resources of one account; fails as the first
 * region that fails (EACCES when the role is refused). */
static int account_slices(struct lctx *c, const char *account,
			  const struct org_resources **out)
{
	char key[64];
	size_t i;

	for (i = 0; i < c->fs->nregions; i++) {
		slice_key(key, sizeof(key), account, c->fs->regions[i]);
		ask_ahead(c, ORG_RESOURCES, key);
	}
	for (i = 0; i < c->fs->nregions; i++) {
		slice_key(key, sizeof(key), account, c->fs->regions[i]);
		out[i] = need(c, ORG_RESOURCES, key);
		if (!out[i])
			return failed(c);
	}
	return 0;
}

static const struct org_account *resources_account(struct lctx *c)
{
	const struct org_account *a;

	if (!c->fs->resources)
		return NULL;
	a = find_account(c, c->arg[0]);
	return a && readable_state(a) ? a : NULL;
}

/* The resources of one account, as pointers into pinned data: from every
 * region's listing, or filtered from the aggregator's index. */
static int account_resources(struct lctx *c, const char *account,
			     const struct org_resource ***out, size_t *n)
{
	const struct org_resources *sl[64];
	const struct org_resource **v = NULL;
	size_t i, k, cap = 0;
	int res;

	*n = 0;
	if (c->fs->aggregated) {
		const struct org_resources *all = need(c, ORG_ORGRES, "");

		if (!all)
			return failed(c);
		sl[0] = all;
	} else {
		res = account_slices(c, account, sl);
		if (res)
			return res;
	}
	for (i = 0; i < (c->fs->aggregated ? 1 : c->fs->nregions); i++)
		for (k = 0; k < sl[i]->n; k++) {
			const struct org_resource *r = &sl[i]->v[k];

			if (c->fs->aggregated && strcmp(r->account, account))
				continue;
			if (*n == cap) {
				const struct org_resource **nv;

				cap = cap ? cap * 2 : 64;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			v[(*n)++] = r;
		}
	*out = v;
	return 0;
}

static int d_account_resources(struct lctx *c, struct node *out)
{
	const struct org_resource **v = NULL;
	size_t n;
	int res;

	if (!resources_account(c))
		return c->err.err ? failed(c) : -ENOENT;
	if (c->cached_only)
		return 0;       /* a stat: the resources wait for a listing */
	res = account_resources(c, c->arg[0], &v, &n);
	free(v);
	return res;
}

/* Directory levels below resources/: 0 service, 1 region, 2 type, 3 id. */
static int ls_resource_level(struct lctx *c, struct dlist *d, int level)
{
	const struct org_resource **v = NULL;
	size_t i, n;
	int res;

	if (!resources_account(c))
		return c->err.err ? failed(c) : -ENOENT;
	res = account_resources(c, c->arg[0], &v, &n);
	for (i = 0; i < n && !res; i++) {
		const struct org_resource *r = v[i];
		const char *f[4] = { r->service, r->region, r->type, r->id };
		int j, match = 1;

		for (j = 0; j < level && match; j++)
			match = !strcmp(f[j], c->arg[j + 1]);
		if (match)
			res = dl_add(d, f[level], NODE_DIR);
	}
	free(v);
	return res;
}

static int ls_account_services(struct lctx *c, struct dlist *d)
{
	return ls_resource_level(c, d, 0);
}

static int ls_account_service_regions(struct lctx *c, struct dlist *d)
{
	return ls_resource_level(c, d, 1);
}

static int ls_account_region_types(struct lctx *c, struct dlist *d)
{
	return ls_resource_level(c, d, 2);
}

static int ls_account_type_ids(struct lctx *c, struct dlist *d)
{
	return ls_resource_level(c, d, 3);
}

/* The resource that accounts/<a>/resources/<s>/<r>/<t>/<id> names. */
static const struct org_resource *find_resource(struct lctx *c)
{
	const struct org_resource **v = NULL, *found = NULL;
	size_t i, n;

	if (!resources_account(c) ||
	    account_resources(c, c->arg[0], &v, &n))
		return NULL;
	for (i = 0; i < n && !found; i++)
		if (!strcmp(v[i]->service, c->arg[1]) &&
		    !strcmp(v[i]->region, c->arg[2]) &&
		    !strcmp(v[i]->type, c->arg[3]) &&
		    !strcmp(v[i]->id, c->arg[4]))
			found = v[i];
	free(v);
	return found;
}

static int d_resource(struct lctx *c, struct node *out)
{
	return find_resource(c) ? 0 : (c->err.err ? failed(c) : -ENOENT);
}

static int ls_resource(struct lctx *c, struct dlist *d)
{
	int res = d_resource(c, NULL);

	if (!res)
		res = dl_add(d, "arn", NODE_FILE);
	if (!res)
		res = dl_add(d, "owner", NODE_FILE);
	if (!res)
		res = dl_add(d, "owner.source", NODE_FILE);
	if (!res)
		res = dl_add(d, "compliance", NODE_FILE);
	if (!res)
		res = dl_add(d, "tags", NODE_DIR);
	return res;
}

static int f_resource_field(struct lctx *c, struct node *out)
{
	const struct org_resource *r = find_resource(c);
	const char *f = c->arg[5];
	char *owner = NULL, *source = NULL;
	struct owner_result ar = { 0 };
	time_t fetched = 0;
	int stale = 0, res;

	if (!r)
		return c->err.err ? failed(c) : -ENOENT;
	if (!strcmp(f, "arn"))
		return put_line(out, r->arn);
	if (!strcmp(f, "compliance"))
		return r->compliance && *r->compliance ?
		       put_line(out, r->compliance) : put_line(out, "");
	if (strcmp(f, "owner") && strcmp(f, "owner.source"))
		return -ENOENT;
	res = org_owner_of(c->fs->org, c->arg[0], c->path, &ar, &fetched,
			   &stale, &c->err);
	if (res)
		return res;
	if (fetched > c->mtime)
		c->mtime = fetched;
	c->stale |= stale;
	res = org_resource_owner(c->fs->org, r, ar.value, ar.source, &owner,
				 &source);
	owner_result_free(&ar);
	if (res)
		return res;
	res = put_line(out, !strcmp(f, "owner") ? (owner ? owner : "") : source);
	free(owner);
	free(source);
	return res;
}

static int ls_resource_tags(struct lctx *c, struct dlist *d)
{
	const struct org_resource *r = find_resource(c);
	size_t i;
	int res = 0;

	if (!r)
		return c->err.err ? failed(c) : -ENOENT;
	for (i = 0; i < r->tags.n && !res; i++)
		res = dl_add(d, r->tags.v[i].key, NODE_FILE);
	return res;
}

static int f_resource_tag(struct lctx *c, struct node *out)
{
	const struct org_resource *r = find_resource(c);
	const char *v;

	if (!r)
		return c->err.err ? failed(c) : -ENOENT;
	v = org_tags_get(&r->tags, c->arg[5]);
	return v ? put_line(out, v) : -ENOENT;
}

/* A set of names, so that a walk over a million resources keeps each
 * name once instead of once per resource. */
struct nameset {
	char **v;                       /* open addressing, NULL: free */
	size_t cap;                     /* power of two */
	size_t n;
};

/* FNV-1a of a string: name sets, tag index, blobs, the inode table */
uint64_t layout_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* @return 1 when s was new (and is now in), 0 when present, -ENOMEM */
static int nameset_add(struct nameset *ns, const char *s)
{
	size_t i;

	if (ns->n * 2 >= ns->cap) {
		size_t ncap = ns->cap ? ns->cap * 2 : 256, k;
		char **nv = calloc(ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		for (k = 0; k < ns->cap; k++) {
			if (!ns->v[k])
				continue;
			i = layout_hash(ns->v[k]) & (ncap - 1);
			while (nv[i])
				i = (i + 1) & (ncap - 1);
			nv[i] = ns->v[k];
		}
		free(ns->v);
		ns->v = nv;
		ns->cap = ncap;
	}
	i = layout_hash(s) & (ns->cap - 1);
	while (ns->v[i]) {
		if (!strcmp(ns->v[i], s))
			return 0;
		i = (i + 1) & (ns->cap - 1);
	}
	ns->v[i] = strdup(s);
	if (!ns->v[i])
		return -ENOMEM;
	ns->n++;
	return 1;
}

/* s once in ns; *out points to the kept copy.
 * @return 1 when new, 0 when present, -ENOMEM */
static int nameset_intern(struct nameset *ns, const char *s, const char **out)
{
	size_t i;
	int res = nameset_add(ns, s);

	if (res < 0)
		return res;
	i = layout_hash(s) & (ns->cap - 1);
	while (strcmp(ns->v[i], s))
		i = (i + 1) & (ns->cap - 1);
	*out = ns->v[i];
	return res;
}

static void nameset_free(struct nameset *ns)
{
	size_t i;

	for (i = 0; i < ns->cap; i++)
		free(ns->v[i]);
	free(ns->v);
}

/* Every resource of every readable account and region, with its
 * effective owner.  Accounts that cannot be read are counted, named in
 * .orgfs/errors, and left out: the views say so at their top.
 *
 * The organization-wide views (resources.tsv, services/, owners/,
 * unowned/, tags/, compliance/) all read one snapshot of the resources
 * per version of the data, built by the first view that needs it: a
 * grep -r over thousands of tags/<key>/<value>/resources.tsv then walks
 * the organization once, not once per file, and no resource's owner is
 * worked out twice.  The snapshot pins the data it points into, so it
 * is kept for the next view only when that data fits well within
 * cache_max; past that each view walks (and pins) the resources again
 * while it renders, and the cap is kept (man page, cache_max).  Views
 * that waited for one build all read it, kept or not: concurrent readers
 * take one walk, not one each in turn. */
typedef int (*rwalk_fn)(struct lctx *c, const struct org_resource *r,
			const char *owner, void *arg);

struct rwalk_result {
	unsigned unreadable;            /* accounts */
};

struct rsnap_row {
	const struct org_resource *r;
	const char *owner;              /* NULL: none */
};

/* The rows carrying one tag (key, value), in walk order */
struct rtag {
	const char *key, *value;        /* in the pinned data; NULL: free */
	uint64_t h;
	uint32_t *rows;
	uint32_t n, cap;
};

struct rsnap {
	int refs;                       /* protected by rsnaps.lock */
	struct org *org;
	uint64_t version;               /* of the data when the build began */
	uint64_t expires;               /* org clock, ms */
	struct rsnap_row *rows;
	size_t n, cap;
	struct cache_ref *pins;
	size_t npins, cappins;
	size_t bytes;                   /* of the values pinned */
	struct nameset owners;          /* resources' own owners, once each */
	unsigned unreadable;            /* accounts */
	time_t mtime;
	int stale;
	/* tag index, made by the first tags/<k>/<v>/ view (tag_once) */
	pthread_mutex_t tag_lock;
	int tags_built;                 /* 1 made, -1 out of memory */
	struct rtag *tags;              /* open addressing */
	size_t ntags, captags;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct rsnap *cur;              /* protected by lock */
	/* A snapshot too big to keep, handed to the readers that waited
	 * for its build: held until the last of them has woken */
	struct rsnap *handoff;
	int waiting;                    /* readers waiting for a build */
	int building;
	uint64_t builds;                /* finished builds, failed ones too */
} rsnaps = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

static void rsnap_free(struct rsnap *s)
{
	size_t i, own = s->cap * sizeof(*s->rows) +
			s->cappins * sizeof(*s->pins) +
			s->captags * sizeof(*s->tags);

	for (i = 0; i < s->npins; i++)
		org_put(s->org, &s->pins[i]);
	free(s->pins);
	free(s->rows);
	nameset_free(&s->owners);
	for (i = 0; i < s->captags; i++)
		free(s->tags[i].rows);
	free(s->tags);
	pthread_mutex_destroy(&s->tag_lock);
	free(s);
	memtrim_freed(own);
}

static uint64_t rtag_hash(const char *key, const char *value)
{
	return layout_hash(key) * 31 ^ layout_hash(value);
}

static struct rtag *rtag_slot(struct rtag *v, size_t cap, const char *key,
			      const char *value, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (v[i].key && (v[i].h != h || strcmp(v[i].key, key) ||
			    strcmp(v[i].value, value)))
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static int rtag_add(struct rsnap *s, const char *key, const char *value,
		    uint32_t row)
{
	uint64_t h = rtag_hash(key, value);
	struct rtag *t;

	if ((s->ntags + 1) * 2 > s->captags) {
		size_t ncap = s->captags ? s->captags * 2 : 1024, i;
		struct rtag *nv = calloc(ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		for (i = 0; i < s->captags; i++)
			if (s->tags[i].key)
				*rtag_slot(nv, ncap, s->tags[i].key,
					   s->tags[i].value, s->tags[i].h) =
					s->tags[i];
		free(s->tags);
		s->tags = nv;
		s->captags = ncap;
	}
	t = rtag_slot(s->tags, s->captags, key, value, h);
	if (!t->key) {
		t->key = key;
		t->value = value;
		t->h = h;
		s->ntags++;
	}
	if (t->n && t->rows[t->n - 1] == row)
		return 0;               /* the same tag twice on one resource */
	if (t->n == t->cap) {
		uint32_t ncap = t->cap ? t->cap * 2 : 4;
		uint32_t *nr = realloc(t->rows, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		t->rows = nr;
		t->cap = ncap;
	}
	t->rows[t->n++] = row;
	return 0;
}

/* The rows tagged key=value; made for the whole snapshot on first use,
 * so that each of thousands of tags/<k>/<v>/resources.tsv costs its own
 * rows, not a scan of every resource.  @return NULL when none, or
 * *err = -ENOMEM */
static const struct rtag *rsnap_tagged(struct rsnap *s, const char *key,
				       const char *value, int *err)
{
	const struct rtag *t;
	size_t j, k;
	int res = 0;

	*err = 0;
	pthread_mutex_lock(&s->tag_lock);
	if (!s->tags_built) {
		for (j = 0; j < s->n && !res; j++) {
			const struct org_tags *tg = &s->rows[j].r->tags;

			for (k = 0; k < tg->n && !res; k++)
				res = rtag_add(s, tg->v[k].key, tg->v[k].value,
					       (uint32_t)j);
		}
		s->tags_built = res ? -1 : 1;
	}
	pthread_mutex_unlock(&s->tag_lock);
	if (s->tags_built < 0) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!s->captags)
		return NULL;
	t = rtag_slot(s->tags, s->captags, key, value, rtag_hash(key, value));
	return t->key ? t : NULL;
}

static void rsnap_put(struct rsnap *s)
{
	int last;

	if (!s)
		return;
	pthread_mutex_lock(&rsnaps.lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&rsnaps.lock);
	if (last)
		rsnap_free(s);
}

/* Keep ref (the snapshot's now) @return 0 or -ENOMEM */
static int rsnap_pin(struct rsnap *s, struct cache_ref *ref)
{
	if (s->npins == s->cappins) {
		size_t ncap = s->cappins ? s->cappins * 2 : 64;
		struct cache_ref *p = realloc(s->pins, ncap * sizeof(*p));

		if (!p) {
			org_put(s->org, ref);
			return -ENOMEM;
		}
		s->pins = p;
		s->cappins = ncap;
	}
	s->pins[s->npins++] = *ref;
	s->bytes += ref->size;
	if (ref->fetched > s->mtime)
		s->mtime = ref->fetched;
	s->stale |= ref->stale;
	return 0;
}

/* Add a slice's rows; those without an owner of their own get their
 * account's later (NULL until then). */
static int rsnap_add(struct rsnap *s, const struct org_resources *sl,
		     const struct owner_config *ocfg)
{
	size_t j;

	if (s->n + sl->n > s->cap) {
		size_t ncap = s->cap ? s->cap : 1024;
		struct rsnap_row *p;

		while (ncap < s->n + sl->n)
			ncap *= 2;
		p = realloc(s->rows, ncap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->rows = p;
		s->cap = ncap;
	}
	for (j = 0; j < sl->n; j++) {
		struct rsnap_row *row = &s->rows[s->n++];
		const char *val;
		size_t vlen;
		char own[OWNER_VALUE_MAX + 1];
		int res;

		row->r = &sl->v[j];
		row->owner = NULL;
		/* hot: a million resources go through here */
		if (!owner_of_tags(ocfg, &sl->v[j].tags, NULL, &val, &vlen))
			continue;
		if (vlen > OWNER_VALUE_MAX)
			vlen = OWNER_VALUE_MAX;
		memcpy(own, val, vlen);
		own[vlen] = '\0';
		res = nameset_intern(&s->owners, own, &row->owner);
		if (res < 0)
			return res;
	}
	return 0;
}

/* How many slices the walk asks for ahead of the one it reads: enough to
 * keep every worker busy, few enough that a cache_max below the
 * organization's resources does not evict them before they are read. */
#define RSNAP_AHEAD 256

/* The next slices to ask for, in the order of the walk */
struct ahead {
	size_t ai, ri;                  /* account, region */
	size_t asked;
};

static void rsnap_ask(struct orgfs *fs, const struct org_accounts *a,
		      struct ahead *p)
{
	char key[64];

	while (p->ai < a->n && !readable_state(&a->v[p->ai]))
		p->ai++;
	if (p->ai >= a->n) {
		p->asked = SIZE_MAX;
		return;
	}
	slice_key(key, sizeof(key), a->v[p->ai].id, fs->regions[p->ri]);
	org_prefetch(fs->org, ORG_RESOURCES, key);
	p->asked++;
	if (++p->ri == fs->nregions) {
		p->ri = 0;
		p->ai++;
	}
}

static uint64_t view_ttl(struct orgfs *fs);

static int rsnap_build(struct lctx *c, uint64_t version, struct rsnap **out)
{
	struct orgfs *fs = c->fs;
	const struct owner_config *ocfg = org_owner_config(fs->org);
	const struct org_accounts *a;
	const struct org_index *x;
	struct rsnap *s;
	struct cache_ref ref;
	char key[64];
	struct ahead ahead = { 0 };
	size_t i, k, j, total = 0, done = 0;
	int res;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->org = fs->org;
	s->version = version;
	s->refs = 1;
	pthread_mutex_init(&s->tag_lock, NULL);
	res = org_get(fs->org, ORG_ACCOUNTS, "", c->path, &ref, &c->err);
	if (res)
		goto fail;
	a = ref.data;
	res = rsnap_pin(s, &ref);
	if (res)
		goto fail;
	/* every account's and OU's tags, fetched meanwhile (another lane) */
	org_prefetch(fs->org, ORG_INDEX, "");
	if (fs->aggregated) {
		/* one organization-wide index: nothing to fan out */
		res = org_get(fs->org, ORG_ORGRES, "", c->path, &ref, &c->err);
		if (res)
			goto fail;
		res = rsnap_pin(s, &ref);
		if (!res)
			res = rsnap_add(s, ref.data, ocfg);
		if (res)
			goto fail;
		__atomic_store_n(&fs->rcrawl_resources, s->n, __ATOMIC_RELAXED);
	} else {
		for (i = 0; i < a->n; i++)
			if (readable_state(&a->v[i]))
				total += fs->nregions;
		__atomic_store_n(&fs->rcrawl_slices_total, total,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&fs->rcrawl_slices_done, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&fs->rcrawl_resources, 0, __ATOMIC_RELAXED);
	}
	for (i = 0; !fs->aggregated && i < a->n; i++) {
		int bad = 0;

		if (!readable_state(&a->v[i]))
			continue;
		for (k = 0; k < fs->nregions; k++) {
			struct aws_error err;
			char path[128];

			/* ask ahead, in the order the walk reads */
			while (ahead.asked < total &&
			       ahead.asked < done + RSNAP_AHEAD)
				rsnap_ask(fs, a, &ahead);
			done++;
			slice_key(key, sizeof(key), a->v[i].id, fs->regions[k]);
			snprintf(path, sizeof(path), "/accounts/%s/resources (%s)",
				 a->v[i].id, fs->regions[k]);
			aws_error_clear(&err);
			__atomic_add_fetch(&fs->rcrawl_slices_done, 1,
					   __ATOMIC_RELAXED);
			if (org_get(fs->org, ORG_RESOURCES, key, path, &ref,
				    &err)) {
				bad = 1;
				continue;
			}
			res = rsnap_pin(s, &ref);
			if (!res)
				res = rsnap_add(s, ref.data, ocfg);
			if (res)
				goto fail;
			__atomic_add_fetch(&fs->rcrawl_resources,
					   ((const struct org_resources *)
					    ref.data)->n, __ATOMIC_RELAXED);
		}
		s->unreadable += bad;
	}
	if (!fs->aggregated)
		__atomic_store_n(&fs->rcrawl_unreadable, s->unreadable,
				 __ATOMIC_RELAXED);
	res = org_get(fs->org, ORG_INDEX, "", c->path, &ref, &c->err);
	if (res)
		goto fail;
	x = ref.data;
	res = rsnap_pin(s, &ref);
	if (res)
		goto fail;
	for (j = 0; j < s->n; j++) {
		if (!s->rows[j].owner) {
			const struct org_index_obj *ob =
				org_index_find(x, s->rows[j].r->account);

			s->rows[j].owner = ob ? ob->owner : NULL;
		}
	}
	s->expires = org_now_ms(fs->org) + view_ttl(fs);
	*out = s;
	return 0;
fail:
	if (res == -ENOMEM && !c->err.err)
		aws_error_set(&c->err, ENOMEM, "OutOfMemory", "out of memory");
	else if (!c->err.err)
		c->err.err = -res;
	rsnap_free(s);
	return res;
}

/* The current snapshot, built here or by the thread already building it.
 * @return a reference (rsnap_put) or NULL with c->err set */
static struct rsnap *rsnap_get(struct lctx *c)
{
	struct orgfs *fs = c->fs;
	uint64_t version = org_data_version(fs->org), seen;
	struct rsnap *s = NULL, *old = NULL, *oldh = NULL;
	int res;

	pthread_mutex_lock(&rsnaps.lock);
	seen = rsnaps.builds;
	for (;;) {
		s = rsnaps.cur ? rsnaps.cur : rsnaps.handoff;
		if (s && ((s->version == version &&
			   org_now_ms(fs->org) < s->expires) ||
			  rsnaps.builds != seen)) {
			/* current, or built while this reader waited for it */
			s->refs++;
			break;
		}
		s = NULL;
		if (!rsnaps.building)
			break;
		rsnaps.waiting++;
		pthread_cond_wait(&rsnaps.done, &rsnaps.lock);
		rsnaps.waiting--;
	}
	if (!rsnaps.waiting) {
		/* every reader it was handed to has it (or built anew) */
		oldh = rsnaps.handoff;
		rsnaps.handoff = NULL;
	}
	if (!s)
		rsnaps.building = 1;
	pthread_mutex_unlock(&rsnaps.lock);
	rsnap_put(oldh);
	oldh = NULL;
	if (!s) {
		res = rsnap_build(c, version, &s);
		pthread_mutex_lock(&rsnaps.lock);
		rsnaps.building = 0;
		rsnaps.builds++;
		if (!res) {
			/* kept only when it leaves the cache room for the
			 * rest; an older one goes either way */
			old = rsnaps.cur;
			rsnaps.cur = NULL;
			oldh = rsnaps.handoff;
			rsnaps.handoff = NULL;
			if (!fs->cache_max || s->bytes <= fs->cache_max / 2) {
				rsnaps.cur = s;
				s->refs++;
			} else if (rsnaps.waiting) {
				/* not kept, but those who waited for it read
				 * it rather than each walk the resources in
				 * turn: the cap holds again once they have */
				rsnaps.handoff = s;
				s->refs++;
			}
		}
		pthread_cond_broadcast(&rsnaps.done);
		pthread_mutex_unlock(&rsnaps.lock);
		rsnap_put(old);
		rsnap_put(oldh);
		if (res)
			return NULL;
	}
	if (s->mtime > c->mtime)
		c->mtime = s->mtime;
	c->stale |= s->stale;
	return s;
}

/* Walks of every resource made for the organization-wide views
 * (.orgfs/status resource_walks) */
static uint64_t rsnap_builds(void)
{
	uint64_t n;

	pthread_mutex_lock(&rsnaps.lock);
	n = rsnaps.builds;
	pthread_mutex_unlock(&rsnaps.lock);
	return n;
}

/* Let go of the current snapshot (SIGHUP, unmount): its pins go with it. */
void layout_drop(void)
{
	struct rsnap *s, *h;

	pthread_mutex_lock(&rsnaps.lock);
	s = rsnaps.cur;
	rsnaps.cur = NULL;
	h = rsnaps.handoff;
	rsnaps.handoff = NULL;
	pthread_mutex_unlock(&rsnaps.lock);
	rsnap_put(s);
	rsnap_put(h);
}

/* walk_resources over the resources tagged key=value only */
static int walk_tagged(struct lctx *c, const char *key, const char *value,
		       rwalk_fn fn, void *arg, struct rwalk_result *out)
{
	struct rsnap *s = rsnap_get(c);
	const struct rtag *t;
	uint32_t j;
	int res = 0;

	out->unreadable = 0;
	if (!s)
		return failed(c);
	out->unreadable = s->unreadable;
	t = rsnap_tagged(s, key, value, &res);
	for (j = 0; t && j < t->n && !res; j++)
		res = fn(c, s->rows[t->rows[j]].r, s->rows[t->rows[j]].owner,
			 arg);
	rsnap_put(s);
	return res;
}

static int walk_resources(struct lctx *c, rwalk_fn fn, void *arg,
			  struct rwalk_result *out)
{
	struct rsnap *s = rsnap_get(c);
	size_t j;
	int res = 0;

	out->unreadable = 0;
	if (!s)
		return failed(c);
	out->unreadable = s->unreadable;
	for (j = 0; j < s->n && !res; j++)
		res = fn(c, s->rows[j].r, s->rows[j].owner, arg);
	rsnap_put(s);
	return res;
}

/* resources.tsv rows of the resources a filter keeps */
struct rtsv {
	struct buf *b;
	const char *service;            /* filters; NULL: any */
	const char *type;
	int owned;                      /* 1: owner == want, 0: unowned,
					   -1: any */
	const char *want;
	const char *tag_key;
	const char *tag_value;
};

static int rtsv_row(struct lctx *c, const struct org_resource *r,
		    const char *owner, void *arg)
{
	struct rtsv *t = arg;
	int res;

	if (t->service && (strcmp(r->service, t->service) ||
			   strcmp(r->type, t->type)))
		return 0;
	if (t->owned == 1 && (!owner || strcmp(owner, t->want)))
		return 0;
	if (t->owned == 0 && owner)
		return 0;
	if (t->tag_key) {
		const char *v = org_tags_get(&r->tags, t->tag_key);

		if (!v || strcmp(v, t->tag_value))
			return 0;
	}
	res = put_tsv(t->b, r->arn, '\t');
	if (!res)
		res = put_tsv(t->b, r->account, '\t');
	if (!res)
		res = put_tsv(t->b, r->region, '\t');
	if (!res)
		res = put_tsv(t->b, r->service, '\t');
	if (!res)
		res = put_tsv(t->b, r->type, '\t');
	if (!res)
		res = put_tsv(t->b, owner ? owner : "", '\n');
	return res;
}

/* Put s before what b holds (a rare line above a large table: one move
 * instead of rendering the table apart and copying it). */
static int buf_prepend(struct buf *b, const char *s)
{
	size_t k = strlen(s), n = b->len;
	int res = buf_append(b, s, k);

	if (res)
		return res;
	memmove(b->data + k, b->data, n);
	memcpy(b->data, s, k);
	return 0;
}

static int render_rtsv(struct lctx *c, struct node *out, struct rtsv *t)
{
	struct rwalk_result wr;
	char note[96];
	int res;

	if (!c->fs->resources)
		return -ENOENT;
	t->b = &out->data;
	res = buf_puts(&out->data,
		       "arn\taccount\tregion\tservice\ttype\towner\n");
	if (!res)
		res = t->tag_key ? walk_tagged(c, t->tag_key, t->tag_value,
					       rtsv_row, t, &wr) :
				   walk_resources(c, rtsv_row, t, &wr);
	if (!res && wr.unreadable) {
		snprintf(note, sizeof(note), "# incomplete: %u account%s "
			 "unreadable, see .orgfs/errors\n",
			 wr.unreadable, wr.unreadable == 1 ? "" : "s");
		res = buf_prepend(&out->data, note);
	}
	return res;
}

static int f_resources_tsv(struct lctx *c, struct node *out)
{
	struct rtsv t = { .owned = -1 };

	return render_rtsv(c, out, &t);
}

static int f_service_type_tsv(struct lctx *c, struct node *out)
{
	struct rtsv t = { .owned = -1, .service = c->arg[0],
			  .type = c->arg[1] };
	int res = listed(c->fs, c->path);

	return res ? res : render_rtsv(c, out, &t);
}

static int f_owner_resources_tsv(struct lctx *c, struct node *out)
{
	struct rtsv t = { .owned = 1, .want = c->arg[0] };
	int res = listed(c->fs, c->path);

	return res ? res : render_rtsv(c, out, &t);
}

static int f_unowned_resources_tsv(struct lctx *c, struct node *out)
{
	struct rtsv t = { .owned = 0 };

	return render_rtsv(c, out, &t);
}

static int f_tag_resources_tsv(struct lctx *c, struct node *out)
{
	struct rtsv t = { .owned = -1, .tag_key = c->arg[0],
			  .tag_value = c->arg[1] };
	int res = listed(c->fs, c->path);

	return res ? res : render_rtsv(c, out, &t);
}

/* names a walk collects: services, types, owners, tag keys, values */
struct rnames {
	struct dlist *d;
	struct nameset seen;
	int what;                       /* 0 service, 1 type of service,
					   2 owner, 3 tag key, 4 value of key */
	const char *of;
};

static int rnames_put(struct rnames *n, const char *name)
{
	int res = nameset_add(&n->seen, name);

	return res == 1 ? dl_add(n->d, name, NODE_DIR) : res;
}

static int rnames_add(struct lctx *c, const struct org_resource *r,
		      const char *owner, void *arg)
{
	struct rnames *n = arg;
	size_t i;
	int res = 0;

	switch (n->what) {
	case 0:
		return rnames_put(n, r->service);
	case 1:
		return strcmp(r->service, n->of) ? 0 : rnames_put(n, r->type);
	case 2:
		return owner ? rnames_put(n, owner) : 0;
	case 3:
		for (i = 0; i < r->tags.n && !res; i++)
			res = rnames_put(n, r->tags.v[i].key);
		return res;
	default: {
		const char *v = org_tags_get(&r->tags, n->of);

		return v ? rnames_put(n, v) : 0;
	}
	}
}

static int rnames_walk(struct lctx *c, struct dlist *d, int what,
		       const char *of)
{
	struct rnames n = { .d = d, .what = what, .of = of };
	struct rwalk_result wr;
	int res;

	if (!c->fs->resources)
		return 0;
	res = walk_resources(c, rnames_add, &n, &wr);
	nameset_free(&n.seen);
	return res;
}

static int ls_services(struct lctx *c, struct dlist *d)
{
	return c->fs->resources ? rnames_walk(c, d, 0, NULL) : -ENOENT;
}

static int ls_service_types(struct lctx *c, struct dlist *d)
{
	return rnames_walk(c, d, 1, c->arg[0]);
}

static int ls_service_type(struct lctx *c, struct dlist *d)
{
	return dl_add(d, "resources.tsv", NODE_FILE);
}

/* ------------------------------------------------------------------ */
/* policy status: policies.tsv, effective tag policies, AWS Config
 * compliance, local rules (compliance files and /compliance) */

/* Policies reaching an object: attached to it ("direct") or to the
 * nearest ancestor they are attached to (its id in the via column). */
static int f_policies_tsv(struct lctx *c, struct node *out)
{
	const struct org_policies *ps = need(c, ORG_POLICIES, "");
	const struct org_hier *h = ps ? hier(c) : NULL;
	const char *ids[70];
	size_t i, j;
	int n, k, res;

	if (!ps || !h)
		return failed(c);
	if (!org_hier_find_ou(h, c->arg[0]) && !find_account(c, c->arg[0]))
		return c->err.err ? failed(c) : -ENOENT;
	n = ancestry(h, c->arg[0], ids, 70);
	for (i = 0; i < ps->n; i++)
		ask_ahead(c, ORG_POLICY, ps->v[i].id);
	res = buf_puts(&out->data, "id\tname\ttype\tvia\n");
	for (i = 0; i < ps->n && !res; i++) {
		const struct org_policy *p = need(c, ORG_POLICY, ps->v[i].id);
		int via = -1;

		if (!p)
			return failed(c);
		for (k = 0; k < n && via < 0; k++)
			for (j = 0; j < p->ntargets && via < 0; j++)
				if (!strcmp(p->targets[j].id, ids[k]))
					via = k;
		if (via < 0)
			continue;
		res = put_tsv(&out->data, p->summary.id, '\t');
		if (!res)
			res = put_tsv(&out->data, p->summary.name, '\t');
		if (!res)
			res = put_tsv(&out->data, p->summary.type, '\t');
		if (!res)
			res = put_tsv(&out->data, via ? ids[via] : "direct", '\n');
	}
	return res;
}

static int source_has(struct lctx *c, int which)
{
	const struct org_source_ops *ops = org_source(c->fs->org)->ops;

	return which ? ops->config_compliance != NULL :
		       ops->effective_tag_policy != NULL;
}

static int f_effective_tag_policy(struct lctx *c, struct node *out)
{
	const struct org_document *d;
	int res = d_account(c, NULL);

	if (res)
		return res;
	if (!source_has(c, 0))
		return -ENOENT;
	d = need(c, ORG_EFFPOL, c->arg[0]);
	if (!d)
		return failed(c);
	if (!d->present)
		return put_line(out, "{}");     /* no tag policy applies */
	return put_json(out, d->text);
}

static int config_account(struct lctx *c)
{
	const struct org_account *a = find_account(c, c->arg[0]);

	if (!a)
		return c->err.err ? failed(c) : -ENOENT;
	if (!source_has(c, 1) || !readable_state(a))
		return -ENOENT;
	return 0;
}

static int known_region(struct lctx *c, const char *region)
{
	size_t i;

	for (i = 0; i < c->fs->nregions; i++)
		if (!strcmp(c->fs->regions[i], region))
			return 1;
	return 0;
}

static const struct org_config_rules *config_of(struct lctx *c,
						const char *account,
						const char *region)
{
	char key[64];

	slice_key(key, sizeof(key), account, region);
	return need(c, ORG_CONFIG, key);
}

static int d_config(struct lctx *c, struct node *out)
{
	return config_account(c);
}

static int ls_config(struct lctx *c, struct dlist *d)
{
	size_t i;
	int res = config_account(c);

	for (i = 0; !res && i < c->fs->nregions; i++)
		res = dl_add(d, c->fs->regions[i], NODE_DIR);
	return res ? res : dl_add(d, "status", NODE_FILE);
}

/* "<region>\tenabled" or "<region>\tnot enabled", one line per region */
static int f_config_status(struct lctx *c, struct node *out)
{
	size_t i;
	int res = config_account(c);

	for (i = 0; !res && i < c->fs->nregions; i++) {
		const struct org_config_rules *r =
			config_of(c, c->arg[0], c->fs->regions[i]);

		if (!r)
			return failed(c);
		res = buf_printf(&out->data, "%s\t%s\n", c->fs->regions[i],
				 r->enabled ? "enabled" : "not enabled");
	}
	return res;
}

static int d_config_region(struct lctx *c, struct node *out)
{
	int res = config_account(c);

	if (!res && !known_region(c, c->arg[1]))
		res = -ENOENT;
	if (!res && !config_of(c, c->arg[0], c->arg[1]))
		res = failed(c);
	return res;
}

static int ls_config_region(struct lctx *c, struct dlist *d)
{
	const struct org_config_rules *r;
	size_t i;
	int res = d_config_region(c, NULL);

	if (res)
		return res;
	r = config_of(c, c->arg[0], c->arg[1]);
	for (i = 0; i < r->n && !res; i++)
		res = dl_add(d, r->v[i].name, NODE_FILE);
	return res;
}

static int f_config_rule(struct lctx *c, struct node *out)
{
	const struct org_config_rules *r;
	size_t i;
	int res = d_config_region(c, NULL);

	if (res)
		return res;
	r = config_of(c, c->arg[0], c->arg[1]);
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, c->arg[2]))
			return put_line(out, r->v[i].compliance);
	return -ENOENT;
}

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
static int f_object_compliance(struct lctx *c, struct node *out)
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

static int f_resource_compliance(struct lctx *c, struct node *out)
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
			o.kind = "resource";
			o.id = r->arn;
			o.service = r->service;
			o.type = r->type;
			o.tags = &r->tags;
			o.owner = owner;
			object_fill(&o, &s);
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
	struct judgements *j;
	const struct org_hier *h;
	char account[16];               /* the subject below is its */
	struct subject s;
	int have;
};

static int judge_resource(struct lctx *c, const struct org_resource *r,
			  const char *owner, void *arg)
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
	o.kind = "resource";
	o.id = r->arn;
	o.service = r->service;
	o.type = r->type;
	o.tags = &r->tags;
	o.owner = owner;
	object_fill(&o, &w->s);
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
	struct judge_walk w = { .j = j };
	struct rwalk_result wr;
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
		res = walk_resources(c, judge_resource, &w, &wr);
	subject_free(&w.s);
	if (!res && j->n)
		qsort(j->v, j->n, sizeof(*j->v), cmp_judgement);
	return res;
}

static const char *level_name(int l)
{
	return rules_level_name((enum rule_level)l);
}

static int ls_compliance(struct lctx *c, struct dlist *d)
{
	int res = dl_add(d, "summary", NODE_FILE);

	if (!res)
		res = dl_add(d, "failing.tsv", NODE_FILE);
	return res ? res : dl_add(d, "rules", NODE_DIR);
}

/* "<level>\t<rule>\t<failing>\t<passing>" per rule, worst level first */
static int f_compliance_summary(struct lctx *c, struct node *out)
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

static int f_compliance_failing(struct lctx *c, struct node *out)
{
	return failing_rows(c, out, NULL, 0);
}

static int ls_compliance_rules(struct lctx *c, struct dlist *d)
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

static int ls_compliance_rule(struct lctx *c, struct dlist *d)
{
	int res = dl_add(d, "level", NODE_FILE);

	if (!res)
		res = dl_add(d, "description", NODE_FILE);
	if (!res)
		res = dl_add(d, "failing.tsv", NODE_FILE);
	return res ? res : dl_add(d, "passing", NODE_FILE);
}

static int f_compliance_rule(struct lctx *c, struct node *out)
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

/* ------------------------------------------------------------------ */
/* /.orgfs: the mount itself; changes from one read to the next */

static int ls_dot(struct lctx *c, struct dlist *d)
{
	int res = dl_add_raw(d, strdup("status"), NODE_FILE);

	if (!res)
		res = dl_add_raw(d, strdup("config"), NODE_FILE);
	if (!res)
		res = dl_add_raw(d, strdup("errors"), NODE_FILE);
	return res;
}

static int views_count(size_t *bytes);

static int f_dot(struct lctx *c, struct node *out)
{
	struct orgfs *fs = c->fs;
	const char *f = c->arg[0];
	size_t nviews;
	int res, nv;

	out->dynamic = 1;
	out->mtime = time(NULL);
	if (!strcmp(f, "config"))
		return buf_puts(&out->data, buf_str(&fs->config_text));
	if (!strcmp(f, "errors"))
		return org_render_errors(fs->org, &out->data);
	if (strcmp(f, "status"))
		return -ENOENT;
	nv = views_count(&nviews);
	res = buf_printf(&out->data, "source\t%s\nidentity\t%s\n",
			 fs->source_desc, fs->identity);
	if (!res)
		res = org_render_status(fs->org, &out->data);
	if (!res)
		res = buf_printf(&out->data,
			"resource_slices_done\t%llu\n"
			"resource_slices_total\t%llu\n"
			"resources_seen\t%llu\n"
			"resource_accounts_unreadable\t%llu\n"
			"resource_walks\t%llu\n"
			"views_kept\t%d\n"
			"views_bytes\t%zu\n"
			"inodes\t%zu\n",
			(unsigned long long)__atomic_load_n(
				&fs->rcrawl_slices_done, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(
				&fs->rcrawl_slices_total, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(
				&fs->rcrawl_resources, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(
				&fs->rcrawl_unreadable, __ATOMIC_RELAXED),
			(unsigned long long)rsnap_builds(),
			nv, nviews, ops_inode_count());
	if (!res && fs->client) {
		struct aws_stats_totals t;

		aws_client_stats(fs->client, &t);
		res = buf_printf(&out->data,
				 "api_calls\t%llu\napi_requests\t%llu\n"
				 "api_retries\t%llu\napi_throttles\t%llu\n"
				 "api_errors\t%llu\napi_in_flight\t%llu\n",
				 (unsigned long long)t.calls,
				 (unsigned long long)t.requests,
				 (unsigned long long)t.retries,
				 (unsigned long long)t.throttles,
				 (unsigned long long)t.errors,
				 (unsigned long long)t.in_flight);
		if (!res)
			res = aws_client_stats_render(fs->client, &out->data);
	}
	return res;
}

/* ------------------------------------------------------------------ */
/* The view cache: org-wide files and listings (resources.tsv, owners/)
 * take a walk over the whole organization to render; a rendering stays
 * right for as long as no data was installed in the cache since
 * (org_data_version), so it is kept and shared until then. */

#define VIEWS_MAX 64
/* A view read within this long is not dropped for the byte budget: a
 * file is read a chunk at a time, each chunk from its view. */
#define VIEW_HOT_MS 2000

struct view {
	char *path;                     /* NULL: free slot */
	uint64_t version;
	uint64_t expires;               /* org clock, ms: then the data
					   behind it must be asked again
					   (refresh, stale mark, max_stale) */
	uint64_t used;                  /* LRU tick */
	uint64_t used_ms;               /* org clock */
	size_t bytes;                   /* what it holds, about */
	struct blob *blob;              /* file content, or */
	struct dlist list;              /* a directory listing */
	time_t mtime;
	int stale;
};

static struct {
	pthread_mutex_t lock;
	struct view v[VIEWS_MAX];       /* protected by lock */
	uint64_t tick;
	size_t bytes;                   /* sum of v[].bytes */
} views = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* A view depends on data of several kinds: it lives as long as the
 * shortest of their TTLs. */
static uint64_t view_ttl(struct orgfs *fs)
{
	uint64_t t = UINT64_MAX;
	int k;

	for (k = 0; k < ORG_NKINDS; k++)
		if (fs->ttl_ms[k] < t)
			t = fs->ttl_ms[k];
	return t;
}

/* Renderings kept take at most a quarter of cache_max on top of it,
 * except the ones being read. */
static size_t views_budget(const struct orgfs *fs)
{
	return fs->cache_max ? fs->cache_max / 4 : SIZE_MAX;
}

static int dlist_copy(struct dlist *dst, const struct dlist *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++)
		if (dl_add_raw(dst, strdup(src->v[i].name), src->v[i].type)) {
			dlist_free(dst);
			return -ENOMEM;
		}
	return 0;
}

static size_t dlist_bytes(const struct dlist *d)
{
	size_t i, n = d->cap * sizeof(*d->v);

	for (i = 0; i < d->n; i++)
		n += strlen(d->v[i].name) + 1;
	return n;
}

/* Empty a slot (views.lock held); its blob, if any, goes to *drop for
 * the caller to put once the lock is released. */
static void view_clear(struct view *v, struct blob **drop)
{
	free(v->path);
	v->path = NULL;
	*drop = v->blob;
	v->blob = NULL;
	dlist_free(&v->list);
	views.bytes -= v->bytes;
	v->bytes = 0;
}

/* Drop least recently used views that nobody read lately while the
 * views take more than budget (views.lock held); keep is spared.
 * Blobs to put go to drop[VIEWS_MAX]. */
static void views_shrink(size_t budget, uint64_t now, const struct view *keep,
			 struct blob **drop)
{
	while (views.bytes > budget) {
		struct view *lru = NULL;
		int i;

		for (i = 0; i < VIEWS_MAX; i++) {
			struct view *v = &views.v[i];

			if (!v->path || v == keep ||
			    now < v->used_ms + VIEW_HOT_MS)
				continue;
			if (!lru || v->used < lru->used)
				lru = v;
		}
		if (!lru)
			return;
		view_clear(lru, &drop[lru - views.v]);
	}
}

/* How many views are kept; *bytes: what they hold. */
static int views_count(size_t *bytes)
{
	int i, n = 0;

	pthread_mutex_lock(&views.lock);
	for (i = 0; i < VIEWS_MAX; i++)
		n += views.v[i].path != NULL;
	*bytes = views.bytes;
	pthread_mutex_unlock(&views.lock);
	return n;
}

static void drop_blobs(struct blob **drop)
{
	int i;

	for (i = 0; i < VIEWS_MAX; i++)
		blob_put(drop[i]);
}

/* A current rendering of path: a file's blob (a new reference) or a copy
 * of a listing.  @return 1 on a hit */
static int view_get(const char *path, uint64_t version, struct node *file,
		    struct dlist *list, struct lctx *c)
{
	struct blob *drop[VIEWS_MAX] = { NULL };
	uint64_t now = org_now_ms(c->fs->org);
	int i, hit = 0;

	pthread_mutex_lock(&views.lock);
	for (i = 0; i < VIEWS_MAX; i++) {
		struct view *v = &views.v[i];

		if (!v->path || strcmp(v->path, path))
			continue;
		if (v->version != version || now >= v->expires ||
		    (file && !v->blob) || (list && v->blob))
			break;
		if (file) {
			__atomic_add_fetch(&v->blob->refs, 1, __ATOMIC_RELAXED);
			file->blob = v->blob;
		} else if (dlist_copy(list, &v->list)) {
			break;
		}
		v->used = ++views.tick;
		v->used_ms = now;
		if (v->mtime > c->mtime)
			c->mtime = v->mtime;
		c->stale |= v->stale;
		hit = 1;
		break;
	}
	/* views read a while ago that are over the budget go */
	views_shrink(views_budget(c->fs), now, NULL, drop);
	pthread_mutex_unlock(&views.lock);
	drop_blobs(drop);
	return hit;
}

/* Keep a rendering: a file's content moves into a shared blob. */
static void view_put(const char *path, uint64_t version, struct node *file,
		     const struct dlist *list, const struct lctx *c)
{
	struct blob *drop[VIEWS_MAX] = { NULL };
	struct view *slot = NULL;
	struct blob *b = NULL;
	char *shrunk;
	uint64_t now = org_now_ms(c->fs->org);
	int i;

	if (file) {
		/* the rendering moves into the blob, not copied */
		b = malloc(sizeof(*b));
		if (!b)
			return;
		b->refs = 2;            /* the node's and the view's */
		b->len = file->data.len;
		b->data = buf_steal(&file->data);
		if (!b->data) {
			free(b);
			return;
		}
		shrunk = realloc(b->data, b->len + 1);  /* cap was up to 2x */
		if (shrunk)
			b->data = shrunk;
		b->hash = layout_hash(b->data) ^ b->len;
		file->blob = b;
	}
	pthread_mutex_lock(&views.lock);
	for (i = 0; i < VIEWS_MAX && !slot; i++)
		if (views.v[i].path && !strcmp(views.v[i].path, path))
			slot = &views.v[i];
	for (i = 0; i < VIEWS_MAX && !slot; i++)
		if (!views.v[i].path)
			slot = &views.v[i];
	if (!slot) {
		/* every slot is in use: the least recently used goes */
		slot = &views.v[0];
		for (i = 1; i < VIEWS_MAX; i++)
			if (views.v[i].used < slot->used)
				slot = &views.v[i];
	}
	view_clear(slot, &drop[slot - views.v]);
	slot->path = strdup(path);
	slot->version = version;
	slot->expires = now + view_ttl(c->fs);
	slot->used = ++views.tick;
	slot->used_ms = now;
	slot->mtime = c->mtime;
	slot->stale = c->stale;
	if (!slot->path) {
		/* the view's reference: the node keeps its own */
		if (b)
			blob_put(b);
	} else if (b) {
		slot->blob = b;
		slot->bytes = sizeof(*b) + b->len + 1;
	} else if (dlist_copy(&slot->list, list)) {
		struct blob *none;

		view_clear(slot, &none);
	} else {
		slot->bytes = dlist_bytes(&slot->list);
	}
	if (slot->path) {
		slot->bytes += strlen(slot->path) + 1;
		views.bytes += slot->bytes;
	}
	views_shrink(views_budget(c->fs), now, slot, drop);
	pthread_mutex_unlock(&views.lock);
	drop_blobs(drop);
}

/* List through the view cache where the row says so. */
static int row_list(const struct layout_row *r, struct lctx *c,
		    struct dlist *d)
{
	uint64_t version;
	int res;

	if (!r->view)
		return r->list(c, d);
	version = org_data_version(c->fs->org);
	if (view_get(c->path, version, NULL, d, c))
		return 0;
	res = r->list(c, d);
	if (!res)
		view_put(c->path, version, NULL, d, c);
	return res;
}

/* ------------------------------------------------------------------ */
/* The layout */

#define D NODE_DIR
#define F NODE_FILE
#define L NODE_LINK

static const struct layout_row layout[] = {
/*	  pattern                        type kind           get                list   view */
	{ "/",                            D, ORG_INFO,     NULL,              ls_root, 0 },
	{ "/README",                      F, ORG_INFO,     f_readme,          NULL, 0 },
	{ "/accounts.tsv",                F, ORG_ACCOUNTS, f_accounts_tsv,    NULL, 1 },

	{ "/org",                         D, ORG_INFO,     NULL,              ls_org, 0 },
	{ "/org/*",                       F, ORG_INFO,     f_org_field,       NULL, 0 },

	{ "/accounts",                    D, ORG_ACCOUNTS, NULL,              ls_accounts, 0 },
	{ "/accounts/*",                  D, ORG_ACCOUNTS, d_account,         ls_account, 0 },
	{ "/accounts/*/parent",           L, ORG_HIER,     l_account_parent,  NULL, 0 },
	{ "/accounts/*/path",             F, ORG_HIER,     f_account_path,    NULL, 0 },
	{ "/accounts/*/tags",             D, ORG_TAGS,     d_account,         ls_account_tags, 0 },
	{ "/accounts/*/tags/*",           F, ORG_TAGS,     f_account_tag,     NULL, 0 },
	{ "/accounts/*/policies",         D, ORG_POLICY,   d_account,         ls_account_policies, 0 },
	{ "/accounts/*/policies/*",       L, ORG_POLICY,   l_object_policy,   NULL, 0 },
	{ "/accounts/*/owner",            F, ORG_TAGS,     f_owner,           NULL, 0 },
	{ "/accounts/*/policies.tsv",     F, ORG_POLICY,   f_policies_tsv,    NULL, 0 },
	{ "/accounts/*/effective_tag_policy.json", F, ORG_EFFPOL, f_effective_tag_policy, NULL, 0 },
	{ "/accounts/*/compliance",       F, ORG_TAGS,     f_object_compliance, NULL, 0 },
	{ "/accounts/*/config",           D, ORG_CONFIG,   d_config,          ls_config, 0 },
	{ "/accounts/*/config/status",    F, ORG_CONFIG,   f_config_status,   NULL, 0 },
	{ "/accounts/*/config/*",         D, ORG_CONFIG,   d_config_region,   ls_config_region, 0 },
	{ "/accounts/*/config/*/*",       F, ORG_CONFIG,   f_config_rule,     NULL, 0 },
	{ "/accounts/*/resources",        D, ORG_RESOURCES, d_account_resources, ls_account_services, 0 },
	{ "/accounts/*/resources/*",      D, ORG_RESOURCES, NULL,             ls_account_service_regions, 0 },
	{ "/accounts/*/resources/*/*",    D, ORG_RESOURCES, NULL,             ls_account_region_types, 0 },
	{ "/accounts/*/resources/*/*/*",  D, ORG_RESOURCES, NULL,             ls_account_type_ids, 0 },
	{ "/accounts/*/resources/*/*/*/*", D, ORG_RESOURCES, d_resource,      ls_resource, 0 },
	{ "/accounts/*/resources/*/*/*/*/tags", D, ORG_RESOURCES, d_resource, ls_resource_tags, 0 },
	{ "/accounts/*/resources/*/*/*/*/tags/*", F, ORG_RESOURCES, f_resource_tag, NULL, 0 },
	{ "/accounts/*/resources/*/*/*/*/compliance", F, ORG_RESOURCES, f_resource_compliance, NULL, 0 },
	{ "/accounts/*/resources/*/*/*/*/*", F, ORG_RESOURCES, f_resource_field, NULL, 0 },
	{ "/accounts/*/owner.source",     F, ORG_TAGS,     f_owner,           NULL, 0 },
	{ "/accounts/*/*",                F, ORG_ACCOUNTS, f_account_field,   NULL, 0 },

	{ "/by-name",                     D, ORG_ACCOUNTS, NULL,              ls_by_name, 0 },
	{ "/by-name/*",                   L, ORG_ACCOUNTS, l_by_name,         NULL, 0 },

	{ "/ous",                         D, ORG_HIER,     NULL,              ls_ous, 0 },
	{ "/ous/*",                       D, ORG_HIER,     d_ou,              ls_ou, 0 },
	{ "/ous/*/parent",                L, ORG_HIER,     l_ou_parent,       NULL, 0 },
	{ "/ous/*/accounts",              D, ORG_HIER,     d_ou,              ls_ou_accounts, 0 },
	{ "/ous/*/accounts/*",            L, ORG_HIER,     l_ou_account,      NULL, 0 },
	{ "/ous/*/children",              D, ORG_HIER,     d_ou,              ls_ou_children, 0 },
	{ "/ous/*/children/*",            L, ORG_HIER,     l_ou_child,        NULL, 0 },
	{ "/ous/*/tags",                  D, ORG_TAGS,     d_ou,              ls_ou_tags, 0 },
	{ "/ous/*/tags/*",                F, ORG_TAGS,     f_ou_tag,          NULL, 0 },
	{ "/ous/*/policies",              D, ORG_POLICY,   d_ou,              ls_ou_policies, 0 },
	{ "/ous/*/policies/*",            L, ORG_POLICY,   l_object_policy,   NULL, 0 },
	{ "/ous/*/owner",                 F, ORG_TAGS,     f_owner,           NULL, 0 },
	{ "/ous/*/policies.tsv",          F, ORG_POLICY,   f_policies_tsv,    NULL, 0 },
	{ "/ous/*/compliance",            F, ORG_TAGS,     f_object_compliance, NULL, 0 },
	{ "/ous/*/owner.source",          F, ORG_TAGS,     f_owner,           NULL, 0 },
	{ "/ous/*/*",                     F, ORG_HIER,     f_ou_field,        NULL, 0 },

	{ "/tree",                        D, ORG_HIER,     NULL,              ls_tree, 0 },
	{ "/tree/**",                     D, ORG_HIER,     g_tree,            ls_tree, 0 },

	{ "/policies",                    D, ORG_POLICIES, NULL,              ls_policies, 0 },
	{ "/policies/*",                  D, ORG_POLICIES, d_policy,          ls_policy, 0 },
	{ "/policies/*/content.json",     F, ORG_POLICY,   f_policy_content,  NULL, 0 },
	{ "/policies/*/tags",             D, ORG_TAGS,     d_policy,          ls_policy_tags, 0 },
	{ "/policies/*/tags/*",           F, ORG_TAGS,     f_policy_tag,      NULL, 0 },
	{ "/policies/*/targets",          D, ORG_POLICY,   d_policy,          ls_policy_targets, 0 },
	{ "/policies/*/targets/*",        L, ORG_POLICY,   l_policy_target,   NULL, 0 },
	{ "/policies/*/*",                F, ORG_POLICIES, f_policy_field,    NULL, 0 },

	{ "/resources.tsv",               F, ORG_RESOURCES, f_resources_tsv,  NULL, 1 },
	{ "/services",                    D, ORG_RESOURCES, NULL,             ls_services, 1 },
	{ "/services/*",                  D, ORG_RESOURCES, NULL,             ls_service_types, 1 },
	{ "/services/*/*",                D, ORG_RESOURCES, NULL,             ls_service_type, 0 },
	{ "/services/*/*/resources.tsv",  F, ORG_RESOURCES, f_service_type_tsv, NULL, 1 },

	{ "/owners",                      D, ORG_INDEX,    NULL,              ls_owners, 1 },
	{ "/owners/*",                    D, ORG_INDEX,    NULL,              ls_owner, 0 },
	{ "/owners/*/accounts",           D, ORG_INDEX,    NULL,              ls_owner_accounts, 0 },
	{ "/owners/*/accounts/*",         L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/owners/*/ous",                D, ORG_INDEX,    NULL,              ls_owner_ous, 0 },
	{ "/owners/*/ous/*",              L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/owners/*/resources.tsv",      F, ORG_RESOURCES, f_owner_resources_tsv, NULL, 1 },

	{ "/unowned",                     D, ORG_INDEX,    NULL,              ls_unowned, 0 },
	{ "/unowned/accounts",            D, ORG_INDEX,    NULL,              ls_unowned_accounts, 0 },
	{ "/unowned/accounts/*",          L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/unowned/ous",                 D, ORG_INDEX,    NULL,              ls_unowned_ous, 0 },
	{ "/unowned/ous/*",               L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/unowned/resources.tsv",       F, ORG_RESOURCES, f_unowned_resources_tsv, NULL, 1 },

	{ "/tags",                        D, ORG_INDEX,    NULL,              ls_tag_keys, 1 },
	{ "/tags/*",                      D, ORG_INDEX,    NULL,              ls_tag_values, 1 },
	{ "/tags/*/*",                    D, ORG_INDEX,    NULL,              ls_tag_value, 0 },
	{ "/tags/*/*/accounts",           D, ORG_INDEX,    NULL,              ls_tag_accounts, 0 },
	{ "/tags/*/*/accounts/*",         L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/tags/*/*/ous",                D, ORG_INDEX,    NULL,              ls_tag_ous, 0 },
	{ "/tags/*/*/ous/*",              L, ORG_INDEX,    l_view_object,     NULL, 0 },
	{ "/tags/*/*/resources.tsv",      F, ORG_RESOURCES, f_tag_resources_tsv, NULL, 1 },

	{ "/compliance",                  D, ORG_INDEX,    NULL,              ls_compliance, 0 },
	{ "/compliance/summary",          F, ORG_INDEX,    f_compliance_summary, NULL, 1 },
	{ "/compliance/failing.tsv",      F, ORG_INDEX,    f_compliance_failing, NULL, 1 },
	{ "/compliance/rules",            D, ORG_INDEX,    NULL,              ls_compliance_rules, 0 },
	{ "/compliance/rules/*",          D, ORG_INDEX,    NULL,              ls_compliance_rule, 0 },
	{ "/compliance/rules/*/*",        F, ORG_INDEX,    f_compliance_rule, NULL, 1 },

	{ "/.orgfs",                      D, ORG_INFO,     NULL,              ls_dot, 0 },
	{ "/.orgfs/*",                    F, ORG_INFO,     f_dot,             NULL, 0 },
};

#undef D
#undef F
#undef L

#define LAYOUT_ROWS (sizeof(layout) / sizeof(layout[0]))

/* Match path against pattern, collecting wildcard components into c. */
static int match(const char *pattern, const char *path, struct lctx *c)
{
	const char *p = pattern, *s = path;

	c->narg = 0;
	c->nrest = 0;
	if (!strcmp(pattern, "/"))
		return !strcmp(path, "/");
	while (*p && *s) {
		const char *pe, *se;
		size_t pl, sl;

		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		pe = strchrnul(p, '/');
		se = strchrnul(s, '/');
		pl = (size_t)(pe - p);
		sl = (size_t)(se - s);
		if (pl == 2 && !strncmp(p, "**", 2)) {
			/* the rest, one or more components */
			return sl > 0;
		}
		if (pl == 1 && *p == '*') {
			if (!sl || c->narg == MAX_ARGS)
				return 0;
			c->narg++;
		} else if (pl != sl || strncmp(p, s, pl)) {
			return 0;
		}
		p = pe;
		s = se;
	}
	return !*p && !*s;
}

/* The name behind one escaped component of path, ending at end. */
static int unescape_component(struct orgfs *fs, const char *path,
			      const char *start, const char *comp, char **out)
{
	char *parent;
	struct dlist d = { 0 };
	int res = unescape_name(comp, out);

	if (res != -ENAMETOOLONG)
		return res ? -ENOENT : 0;
	*out = longname_lookup(comp);
	if (*out)
		return 0;
	/* not listed yet: listing the parent makes the name known */
	parent = start - 1 == path ? strdup("/") :
		 strndup(path, (size_t)(start - 1 - path));
	if (!parent)
		return -ENOMEM;
	res = layout_list(fs, parent, &d);
	free(parent);
	dlist_free(&d);
	if (res)
		return res;
	*out = longname_lookup(comp);
	return *out ? 0 : -ENOENT;
}

/* Fill c->arg / c->rest with the unescaped components. */
static int capture(const char *pattern, const char *path, struct lctx *c)
{
	const char *p = pattern, *s = path;
	int n = 0, res;

	c->narg = 0;
	while (*p && *s) {
		const char *pe, *se;
		char *comp;

		p++;
		s++;
		pe = strchrnul(p, '/');
		se = strchrnul(s, '/');
		if (pe - p == 2 && !strncmp(p, "**", 2)) {
			while (*s) {
				char **r;

				se = strchrnul(s, '/');
				comp = strndup(s, (size_t)(se - s));
				r = realloc(c->rest, (c->nrest + 1) * sizeof(*r));
				if (!comp || !r) {
					free(comp);
					if (r)
						c->rest = r;
					return -ENOMEM;
				}
				c->rest = r;
				res = unescape_component(c->fs, path, s, comp,
							 &c->rest[c->nrest]);
				free(comp);
				if (res)
					return res;
				c->nrest++;
				s = *se ? se + 1 : se;
			}
			return 0;
		}
		if (pe - p == 1 && *p == '*') {
			comp = strndup(s, (size_t)(se - s));
			if (!comp)
				return -ENOMEM;
			res = unescape_component(c->fs, path, s, comp,
						 &c->arg[n]);
			free(comp);
			if (res)
				return res;
			n++;
			c->narg = n;
		}
		p = pe;
		s = se;
	}
	return 0;
}

static const struct layout_row *find_row(const char *path, struct lctx *c)
{
	size_t i;

	for (i = 0; i < LAYOUT_ROWS; i++)
		if (match(layout[i].pattern, path, c))
			return &layout[i];
	return NULL;
}

static void lctx_init(struct lctx *c, struct orgfs *fs, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->fs = fs;
	c->path = path;
	aws_error_clear(&c->err);
}

static double row_timeout(struct orgfs *fs, const struct layout_row *r)
{
	double t = (double)fs->ttl_ms[r->kind] / 1000.0;

	if (fs->kernel_timeout >= 0 && t > fs->kernel_timeout)
		t = fs->kernel_timeout;
	return t;
}

/* Is name listed by the directory at parent? */
static int listed(struct orgfs *fs, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *parent;
	struct dlist d = { 0 };
	size_t i;
	int res;

	parent = slash == path ? strdup("/") :
		 strndup(path, (size_t)(slash - path));
	if (!parent)
		return -ENOMEM;
	res = layout_list(fs, parent, &d);
	free(parent);
	if (res)
		return res;
	res = -ENOENT;
	for (i = 0; i < d.n; i++)
		if (!strcmp(d.v[i].name, slash + 1)) {
			res = 0;
			break;
		}
	dlist_free(&d);
	return res;
}

enum get_how {
	GET_RENDER,                     /* content and attributes */
	GET_PEEK,                       /* nothing fetched for attributes */
	GET_FULL,                       /* view directories listed too */
};

static int get_node(struct orgfs *fs, const char *path, struct node *out,
		    enum get_how how);

int layout_get(struct orgfs *fs, const char *path, struct node *out)
{
	return get_node(fs, path, out, GET_RENDER);
}

int layout_peek(struct orgfs *fs, const char *path, struct node *out)
{
	return get_node(fs, path, out, GET_PEEK);
}

int layout_get_full(struct orgfs *fs, const char *path, struct node *out)
{
	return get_node(fs, path, out, GET_FULL);
}

static int get_node(struct orgfs *fs, const char *path, struct node *out,
		    enum get_how how)
{
	const struct layout_row *r;
	struct lctx c;
	int res;

	lctx_init(&c, fs, path);
	r = find_row(path, &c);
	if (!r)
		return -ENOENT;
	res = capture(r->pattern, path, &c);
	out->type = r->type;
	out->timeout = row_timeout(fs, r);
	if (!res && r->view && r->type == NODE_FILE) {
		uint64_t version = org_data_version(fs->org);

		if (view_get(path, version, out, NULL, &c))
			goto done;
		if (how == GET_PEEK && fs->lazy_sizes) {
			/* the name is all a lookup or a stat needs: the size
			 * comes with the first read (a crawl, maybe) */
			res = strcmp(path, "/") ? listed(fs, path) : 0;
			out->provisional = 1;
			goto done;
		}
		res = r->get(&c, out);
		if (!res)
			view_put(path, version, out, NULL, &c);
		goto done;
	}
	if (!res && r->get) {
		/* a directory's existence from what is at hand, if it is */
		c.cached_only = how == GET_PEEK && r->type == NODE_DIR;
		res = r->get(&c, out);
		if (c.missing) {
			c.cached_only = c.missing = 0;
			aws_error_clear(&c.err);
			res = r->get(&c, out);
		}
	} else if (!res && strcmp(path, "/"))
		res = listed(fs, path);
	if (!res && out->type == NODE_DIR && r->list &&
	    (!r->view || how == GET_FULL)) {
		/* a directory is as fresh as the data its listing comes
		 * from: that is what its mtime and stale mark tell (not
		 * for org-wide views: a stat must not start a crawl) */
		struct dlist d = { 0 };

		c.cached_only = how == GET_PEEK;
		res = row_list(r, &c, &d);
		dlist_free(&d);
		if (c.missing) {
			/* a stat does not fetch a listing for an mtime */
			res = 0;
			out->provisional = 1;
		}
	}
done:
	out->mtime = c.mtime ? c.mtime : (out->mtime ? out->mtime : fs->mount_time);
	out->stale = c.stale;
	lctx_done(&c);
	return res;
}

static int cmp_dent(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name,
		      ((const struct dent *)b)->name);
}

int layout_is_view(const char *path)
{
	struct lctx c;
	const struct layout_row *r;

	memset(&c, 0, sizeof(c));
	r = find_row(path, &c);
	return r && r->view;
}

int layout_list(struct orgfs *fs, const char *path, struct dlist *out)
{
	const struct layout_row *r;
	struct lctx c;
	size_t i, k;
	int res;

	lctx_init(&c, fs, path);
	r = find_row(path, &c);
	if (!r) {
		lctx_done(&c);
		return -ENOENT;
	}
	if (!r->list) {
		lctx_done(&c);
		return -ENOTDIR;
	}
	res = capture(r->pattern, path, &c);
	if (!res)
		res = row_list(r, &c, out);
	lctx_done(&c);
	if (res) {
		dlist_free(out);
		return res;
	}
	/* sorted, and no name twice (tag keys that escape alike) */
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_dent);
	for (i = k = 0; i < out->n; i++) {
		if (k && !strcmp(out->v[k - 1].name, out->v[i].name)) {
			free(out->v[i].name);
			continue;
		}
		out->v[k++] = out->v[i];
	}
	out->n = k;
	return 0;
}

/* Listing accounts/ (or ous/) warms what each child will need, so that a
 * walk over them does not wait one round trip per object: each account's
 * tags.  The hierarchy (parent, path, owner) is warmed by listing an
 * account's directory, not accounts/: an audit of accounts/<id>/tags/Owner
 * then makes no call it does not need (issue 9: no more calls than a
 * script). */
void layout_prefetch(struct orgfs *fs, const char *path)
{
	struct cache_ref ref;
	struct aws_error err;
	size_t i;

	aws_error_clear(&err);
	if (!strncmp(path, "/accounts/", 10) && strrchr(path, '/') == path + 9) {
		org_prefetch(fs->org, ORG_HIER, "");
	} else if (!strcmp(path, "/accounts")) {
		if (org_get(fs->org, ORG_ACCOUNTS, "", path, &ref, &err))
			return;
		const struct org_accounts *a = ref.data;

		for (i = 0; i < a->n; i++)
			org_prefetch(fs->org, ORG_TAGS, a->v[i].id);
		org_put(fs->org, &ref);
	} else if (!strcmp(path, "/ous")) {
		if (org_get(fs->org, ORG_HIER, "", path, &ref, &err))
			return;
		const struct org_hier *h = ref.data;

		for (i = 0; i < h->nous; i++)
			org_prefetch(fs->org, ORG_TAGS, h->ous[i].id);
		org_put(fs->org, &ref);
	} else if (!strcmp(path, "/policies")) {
		if (org_get(fs->org, ORG_POLICIES, "", path, &ref, &err))
			return;
		const struct org_policies *p = ref.data;

		for (i = 0; i < p->n; i++)
			org_prefetch(fs->org, ORG_POLICY, p->v[i].id);
		org_put(fs->org, &ref);
	}
}
