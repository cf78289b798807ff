/* serve.c - what every handler uses: pins, nodes, listings, long names
 * (serve.h) */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "awstime.h"
#include "escape.h"
#include "hash.h"
#include "memtrim.h"
#include "serve.h"

/* ------------------------------------------------------------------ */
/* helpers */

void node_init(struct node *n)
{
	memset(n, 0, sizeof(*n));
	buf_init(&n->data, 256u << 20);
}

void blob_put(struct blob *b)
{
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		size_t len = b->len;

		free(b->data);
		free(b->seen);
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

int dl_add_raw(struct dlist *d, char *name, enum node_type type)
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

char *longname_lookup(const char *escaped)
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

int dl_add_fields(struct dlist *d, const struct field *f, size_t n)
{
	size_t i;
	int res = 0;

	for (i = 0; i < n && !res; i++)
		res = dl_add(d, f[i].name, NODE_FILE);
	return res;
}

/* Add an AWS-provided name: escaped as DESIGN.md §1 says. */
int dl_add(struct dlist *d, const char *name, enum node_type type)
{
	char *e = escape_name(name);

	if (e && strstr(e, "%~"))
		longname_remember(e, name);
	return dl_add_raw(d, e, type);
}

int dl_addf(struct dlist *d, enum node_type type, const char *fmt, ...)
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
	return hash_fnv1a_str(key) ^ (uint64_t)kind * 0x9e3779b97f4a7c15ULL;
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
const void *need(struct lctx *c, enum org_kind kind, const char *key)
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
		else if (ref.expired)
			/* what is shown from it (a directory's listing the
			 * kernel keeps) is checked again once it changed */
			org_prefetch(c->fs->org, kind, key);
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

uint64_t need_hash(struct lctx *c, enum org_kind kind, const char *key)
{
	int n = pin_find(c, kind, key, pin_hash(kind, key));

	return n < 0 ? 0 : c->pins[n].hash;
}

/* Read-ahead of data a need() will want; not when only what is at hand
 * may be used (a stat). */
void ask_ahead(struct lctx *c, enum org_kind kind, const char *key)
{
	if (!c->cached_only)
		org_prefetch(c->fs->org, kind, key);
	else
		c->ahead_skipped = 1;
}

/* The errno of the last failed need(). */
int failed(struct lctx *c)
{
	return -(c->err.err ? c->err.err : EIO);
}

void lctx_done(struct lctx *c)
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

int put_line(struct node *out, const char *value)
{
	int res = buf_puts(&out->data, value ? value : "");

	return res ? res : buf_putc(&out->data, '\n');
}

int put_time(struct node *out, time_t t)
{
	char ts[21];

	if (!t)
		return put_line(out, "");
	awstime_format(t, ts);
	return put_line(out, ts);
}

static unsigned long long json_renders;        /* atomic */

unsigned long long put_json_renders(void)
{
	return __atomic_load_n(&json_renders, __ATOMIC_RELAXED);
}

/* A JSON document pretty-printed; as AWS holds it when it is not JSON. */
int put_json(struct node *out, const char *text)
{
	json_error_t jerr;
	json_t *doc;
	char *pretty;
	size_t len;
	int res;

	if (strlen(text) > PUT_JSON_MAX)
		return -EFBIG;
	__atomic_add_fetch(&json_renders, 1, __ATOMIC_RELAXED);
	doc = json_loads(text, 0, &jerr);
	if (!doc)
		return put_line(out, text);
	pretty = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!pretty)
		return -ENOMEM;
	res = put_line(out, pretty);
	len = strlen(pretty);
	free(pretty);
	/* the parsed tree took several times the text (jansson: an object,
	 * a hashtable and a string per member): give it back */
	memtrim_freed(len + 8 * strlen(text));
	return res;
}

int set_link(struct node *out, const char *fmt, ...)
{
	va_list ap;
	int res;

	out->type = NODE_LINK;
	va_start(ap, fmt);
	res = buf_vprintf(&out->data, fmt, ap);
	va_end(ap);
	return res;
}

int set_link_name(struct node *out, const char *prefix, const char *name)
{
	char *e = escape_name(name);
	int res;

	if (!e)
		return -ENOMEM;
	res = set_link(out, "%s%s", prefix, e);
	free(e);
	return res;
}

int owner_of(struct lctx *c, const char *id, struct owner_result *r)
{
	time_t fetched = 0;
	int stale = 0;
	int res = org_owner_of(c->fs->org, id, c->path, r, &fetched, &stale,
			       &c->err);

	if (res)
		return res;
	if (fetched > c->mtime)
		c->mtime = fetched;
	c->stale |= stale;
	return 0;
}

int put_field(struct node *out, const struct field *f, size_t n,
	      const char *name, const void *obj)
{
	const char *p = obj;
	size_t i;

	for (i = 0; i < n && strcmp(f[i].name, name); i++)
		;
	if (i == n)
		return -ENOENT;
	p += f[i].off;
	switch (f[i].type) {
	case FIELD_TIME:
		return put_time(out, *(const time_t *)(const void *)p);
	case FIELD_BOOL:
		return put_line(out, *(const int *)(const void *)p ?
				"true" : "false");
	default:
		return put_line(out, *(char *const *)(const void *)p);
	}
}

/* TSV fields: tabs and newlines inside values become spaces. */
int put_tsv(struct buf *b, const char *s, char end)
{
	int res = 0;

	for (s = s ? s : ""; *s && !res; s++)
		res = buf_putc(b, (*s == '\t' || *s == '\n' || *s == '\r')
				  ? ' ' : *s);
	return res ? res : buf_putc(b, end);
}

int buf_insert_line(struct buf *b, size_t at, const char *line)
{
	size_t k = strlen(line), n = b->len;
	int res = buf_append(b, line, k);

	if (!res)
		res = buf_putc(b, '\n');
	if (res)
		return res;
	/* one move of the rows below: the line is rare, the table large */
	memmove(b->data + at + k + 1, b->data + at, n - at);
	memcpy(b->data + at, line, k);
	b->data[at + k] = '\n';
	return 0;
}

int put_incomplete(struct buf *b, size_t at, const char *fmt, ...)
{
	char note[512];
	va_list ap;
	int res;

	va_start(ap, fmt);
	res = snprintf(note, sizeof(note), "# incomplete: ");
	vsnprintf(note + res, sizeof(note) - (size_t)res, fmt, ap);
	va_end(ap);
	return buf_insert_line(b, at, note);
}

/* ------------------------------------------------------------------ */
/* organization data, resolved */

const struct org_account *find_account(struct lctx *c, const char *id)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");

	if (!a)
		return NULL;
	return org_accounts_find(a, id);
}

const struct org_hier *hier(struct lctx *c)
{
	return need(c, ORG_HIER, "");
}

/* Ids of the object and its ancestors, the object first. */
int ancestry(const struct org_hier *h, const char *id,
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

int source_has(struct lctx *c, int which)
{
	const struct org_source_ops *ops = org_source(c->fs->org)->ops;

	return which ? ops->config_compliance != NULL :
		       ops->effective_tag_policy != NULL;
}

const struct org_index *index_of(struct lctx *c)
{
	return need(c, ORG_INDEX, "");
}

void lctx_init(struct lctx *c, struct orgfs *fs, const char *path)
{
	struct timespec now;

	memset(c, 0, sizeof(*c));
	c->fs = fs;
	c->path = path;
	clock_gettime(CLOCK_MONOTONIC, &now);
	c->started_us = (uint64_t)now.tv_sec * 1000000u +
			(uint64_t)now.tv_nsec / 1000u;
	aws_error_clear(&c->err);
}
