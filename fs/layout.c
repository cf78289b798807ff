/* layout.c - the engine of the tree: match a path to a row of the table
 * (fs/tree.c), capture its components, call the row's handlers, list,
 * and read ahead.  It knows no subtree (layout.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "hash.h"
#include "layout.h"
#include "views.h"

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

/* Rows by their first component, so that a path is matched against the
 * few rows of its subtree (each with as many components, or a '**'),
 * not against the whole table. */
struct row_key {
	const char *first;              /* the pattern's first component */
	size_t flen;
	int ncomp;                      /* components; -1: ends in '**' */
	size_t row;
};

static struct {
	pthread_once_t once;
	const struct layout_table *t;
	struct row_key *k;              /* by first component, then row */
	size_t n;
	size_t *kid;                    /* the rows right below row i (no
					   wildcard): kid[kid_at[i]] up to
					   kid[kid_at[i + 1]] */
	size_t *kid_at;
} rowidx = { .once = PTHREAD_ONCE_INIT };

/* Whether row x is "<pattern of r>/<name>", name without '/' or '*'. */
static int row_kid(const struct layout_row *r, const struct layout_row *x)
{
	const char *pre = strcmp(r->pattern, "/") ? r->pattern : "";
	size_t len = strlen(pre);
	const char *name = x->pattern + len + 1;

	return !strncmp(x->pattern, pre, len) && x->pattern[len] == '/' &&
	       *name && !strpbrk(name, "/*");
}

static int ncomp(const char *p, size_t *flen)
{
	const char *f = p + (*p == '/');
	int n = 0;

	*flen = strcspn(f, "/");
	if (!strcmp(p, "/"))
		return 0;
	for (; *p; p++)
		if (*p == '/')
			n++;
	return n;
}

static int cmp_row_key(const void *x, const void *y)
{
	const struct row_key *a = x, *b = y;
	size_t l = a->flen < b->flen ? a->flen : b->flen;
	int r = strncmp(a->first, b->first, l);

	if (r)
		return r;
	if (a->flen != b->flen)
		return a->flen < b->flen ? -1 : 1;
	return a->row < b->row ? -1 : a->row > b->row;
}

static void rowidx_build(void)
{
	const struct layout_table *t = &tree_layout;
	size_t i, j, n = 0;

	rowidx.k = calloc(t->n ? t->n : 1, sizeof(*rowidx.k));
	rowidx.kid_at = calloc(t->n + 1, sizeof(*rowidx.kid_at));
	rowidx.kid = calloc(t->n ? t->n : 1, sizeof(*rowidx.kid));
	if (!rowidx.k || !rowidx.kid_at || !rowidx.kid)
		return;         /* find_row scans the table */
	for (i = 0; i < t->n; i++) {
		rowidx.kid_at[i] = n;
		for (j = 0; j < t->n; j++)
			if (row_kid(&t->rows[i], &t->rows[j]))
				rowidx.kid[n++] = j;    /* one parent each */
	}
	rowidx.kid_at[t->n] = n;
	for (i = 0; i < t->n; i++) {
		struct row_key *k = &rowidx.k[i];
		const char *p = t->rows[i].pattern;
		size_t len = strlen(p);

		k->first = p + (*p == '/');
		k->ncomp = ncomp(p, &k->flen);
		if (len >= 3 && !strcmp(p + len - 3, "/**"))
			k->ncomp = -1;
		k->row = i;
		if (*k->first == '*')
			return;         /* a wildcard first: scan the table */
	}
	qsort(rowidx.k, t->n, sizeof(*rowidx.k), cmp_row_key);
	rowidx.n = t->n;
	rowidx.t = t;
}

/* A directory's entries: what its handler lists, then the names of the
 * rows right below it ("<pattern>/<name>", no wildcard) that their when
 * allows.  Without names, only what the listing reads (c->mtime,
 * c->stale, c->missing) is wanted: the when predicates are asked, the
 * names of the rows are not added. */
static int row_entries(const struct layout_row *r, struct lctx *c,
		       struct dlist *d, int names)
{
	const struct layout_table *t = c->fs->layout;
	size_t i, at, end;
	int res = r->list ? r->list(c, d) : 0;

	if (rowidx.t == t) {
		at = rowidx.kid_at[r - t->rows];
		end = rowidx.kid_at[r - t->rows + 1];
	} else {
		at = 0;
		end = t->n;
	}
	for (i = at; i < end && !res; i++) {
		const struct layout_row *x = &t->rows[rowidx.t == t ?
						      rowidx.kid[i] : i];

		if ((rowidx.t != t && !row_kid(r, x)) ||
		    (x->when && !x->when(c)))
			continue;
		if (names)
			res = dl_add_raw(d, strdup(strrchr(x->pattern, '/') + 1),
					 x->type);
	}
	return res;
}

/* List through the view cache where the row says so (a view is kept
 * with its names: names is for rows that are no view). */
static int row_list(const struct layout_row *r, struct lctx *c,
		    struct dlist *d, int names)
{
	uint64_t version;
	int res;

	if (!r->view)
		return row_entries(r, c, d, names);
	version = org_data_version(c->fs->org);
	if (view_get(c->path, version, NULL, d, c))
		return 0;
	res = row_entries(r, c, d, 1);
	if (!res)
		view_put(c->path, version, NULL, d, c);
	return res;
}

static const struct layout_row *find_row(const struct orgfs *fs,
					 const char *path, struct lctx *c)
{
	const struct layout_table *t = fs->layout;
	struct row_key want = { 0 };
	size_t i, lo, hi;
	int n;

	pthread_once(&rowidx.once, rowidx_build);
	if (rowidx.t != t) {
		for (i = 0; i < t->n; i++)
			if (match(t->rows[i].pattern, path, c))
				return &t->rows[i];
		return NULL;
	}
	want.first = path + (*path == '/');
	n = ncomp(path, &want.flen);
	/* the first key of this first component */
	lo = 0;
	hi = rowidx.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_row_key(&rowidx.k[mid], &want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* in table order: the first row that matches wins */
	for (i = lo; i < rowidx.n; i++) {
		const struct row_key *k = &rowidx.k[i];

		if (k->flen != want.flen ||
		    strncmp(k->first, want.first, want.flen))
			break;
		if ((k->ncomp == n || (k->ncomp < 0 && n >= 2)) &&
		    match(t->rows[k->row].pattern, path, c))
			return &t->rows[k->row];
	}
	return NULL;
}

static double row_timeout(struct orgfs *fs, const struct layout_row *r)
{
	uint64_t ms = fs->ttl_ms[r->kind];
	double t;

	/* regions=all: what the resources show depends on each account's
	 * region list too, asked again once ttl_regions is past */
	if (r->kind == ORG_RESOURCES && fs->regions_all &&
	    fs->ttl_ms[ORG_REGIONS] < ms)
		ms = fs->ttl_ms[ORG_REGIONS];
	t = (double)ms / 1000.0;

	if (fs->kernel_timeout >= 0 && t > fs->kernel_timeout)
		t = fs->kernel_timeout;
	return t;
}

/* ------------------------------------------------------------------ */
/* Listings kept for the reads that go through them (fs.h struct
 * listing): a readdir continues on the listing its first request got,
 * and a lookup in a large directory searches the listing of the data's
 * version instead of listing it again. */

#define LISTINGS_MAX 128
/* ... of which at most this many listed for a stat (layout_peek lists a
 * directory for its mtime: kept, the read of it that follows lists
 * nothing), so that they never push out the listings of reads */
#define LISTINGS_PEEKED 32
#define LISTING_PEEKED_NAMES 4096       /* names of one */
/* ... holding at most this many names (about 50 MiB), however many of
 * them are reads of one large directory */
#define LISTINGS_NAMES (1 << 20)
/* From this many entries a listing is kept for the lookups of the same
 * version of the data (smaller ones cost less to list again); a listing
 * kept for a read answers them whatever its size (READDIRPLUS asks
 * whether each name it answers is listed). */
#define LISTING_SHARE_MIN 256

static struct {
	pthread_mutex_t lock;
	struct listing *v[LISTINGS_MAX];        /* protected by lock */
	uint64_t tick;
	size_t names;                   /* names kept, over v[] */
	int peeked;                     /* of v[] */
	uint32_t next_id;
} listings = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* listings.lock held */
static void listing_unref(struct listing *l)
{
	if (--l->refs)
		return;
	free(l->path);
	dlist_free(&l->d);
	free(l);
}

void listing_put(const struct listing *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&listings.lock);
	listing_unref((struct listing *)l);
	pthread_mutex_unlock(&listings.lock);
}

/* A kept listing of path: the one with id, or (id 0) a shared one of the
 * data at version, not expired; a new reference.  listings.lock held. */
static struct listing *listing_find(const char *path, uint32_t id,
				    uint64_t version, uint64_t now)
{
	uint64_t h = hash_fnv1a_str(path);
	int i;

	for (i = 0; i < LISTINGS_MAX; i++) {
		struct listing *l = listings.v[i];

		if (!l || l->phash != h || strcmp(l->path, path))
			continue;
		if (id ? l->id != id :
		    l->version != version || now >= l->expires)
			continue;
		l->used = ++listings.tick;
		l->refs++;
		return l;
	}
	return NULL;
}

/* Put l in the table, with an id, and a reference of the table's.  Room:
 * a free slot, and at most LISTINGS_NAMES names kept with this one; the
 * least recently used go first (a read still on one keeps its reference,
 * and a read whose listing went continues on the listing of now).  A
 * peeked listing pushes out only peeked ones past LISTINGS_PEEKED. */
static void listing_store(struct listing *l)
{
	int i;

	pthread_mutex_lock(&listings.lock);
	do
		l->id = ++listings.next_id & 0x7fffffff;
	while (!l->id);
	l->used = ++listings.tick;
	for (;;) {
		int free_at = -1, at = -1;
		int only_peeked = l->peeked &&
				  listings.peeked >= LISTINGS_PEEKED;

		for (i = 0; i < LISTINGS_MAX; i++) {
			struct listing *x = listings.v[i];

			if (!x) {
				free_at = i;
				continue;
			}
			if ((!only_peeked || x->peeked) &&
			    (at < 0 || x->used < listings.v[at]->used))
				at = i;
		}
		if (at < 0 || (free_at >= 0 && !only_peeked &&
			       listings.names + l->d.n <= LISTINGS_NAMES)) {
			i = free_at;
			break;
		}
		listings.names -= listings.v[at]->d.n;
		listings.peeked -= listings.v[at]->peeked;
		listing_unref(listings.v[at]);
		listings.v[at] = NULL;
	}
	listings.names += l->d.n;
	listings.peeked += l->peeked;
	listings.v[i] = l;
	l->refs++;
	pthread_mutex_unlock(&listings.lock);
}

/* List path afresh, keeping the listing for the reads that continue on
 * it (keep) and, when large, for lookups of the same version. */
static int listing_build(struct orgfs *fs, const char *path, int keep,
			 struct listing **out)
{
	/* the version before the listing: what it holds is at least as new */
	uint64_t version = org_data_version(fs->org);
	struct listing *l = calloc(1, sizeof(*l));
	int res;

	if (!l)
		return -ENOMEM;
	res = layout_list(fs, path, &l->d);
	l->path = res ? NULL : strdup(path);
	if (res || !l->path) {
		dlist_free(&l->d);
		free(l);
		return res ? res : -ENOMEM;
	}
	l->version = version;
	l->expires = org_now_ms(fs->org) + org_view_ttl_ms(fs->org);
	l->phash = hash_fnv1a_str(path);
	l->refs = 1;
	*out = l;
	if (!keep && l->d.n < LISTING_SHARE_MIN)
		return 0;
	listing_store(l);
	return 0;
}

int layout_listing(struct orgfs *fs, const char *path, uint64_t off,
		   const struct listing **out, size_t *pos)
{
	uint32_t id = (uint32_t)(off >> 32);
	struct listing *l;
	int res;

	*pos = id ? (size_t)(off & 0xffffffff) : (size_t)off;
	l = NULL;
	if (id || !off) {
		/* a read goes on on its listing; a new one starts on the
		 * listing of this version of the data if one is kept (the
		 * stat of the directory listed it moments ago) */
		pthread_mutex_lock(&listings.lock);
		l = id ? listing_find(path, id, 0, 0) :
			 listing_find(path, 0, org_data_version(fs->org),
				      org_now_ms(fs->org));
		pthread_mutex_unlock(&listings.lock);
	}
	if (!l) {
		/* a new read, or one whose listing was dropped (more reads
		 * at once than are kept): the listing of now, at the
		 * position the offset says */
		res = listing_build(fs, path, 1, &l);
		if (res)
			return res;
	}
	*out = l;
	return 0;
}

uint64_t listing_off(const struct listing *l, size_t pos)
{
	return l->id ? (uint64_t)l->id << 32 | pos : pos;
}

static int cmp_name_dent(const void *key, const void *d)
{
	return strcmp(key, ((const struct dent *)d)->name);
}

int layout_listed(struct orgfs *fs, const char *path)
{
	const char *slash = strrchr(path, '/');
	struct listing *l;
	char *parent;
	int res;

	parent = slash == path ? strdup("/") :
		 strndup(path, (size_t)(slash - path));
	if (!parent)
		return -ENOMEM;
	pthread_mutex_lock(&listings.lock);
	l = listing_find(parent, 0, org_data_version(fs->org),
			 org_now_ms(fs->org));
	pthread_mutex_unlock(&listings.lock);
	res = l ? 0 : listing_build(fs, parent, 0, &l);
	free(parent);
	if (res)
		return res;
	res = bsearch(slash + 1, l->d.v, l->d.n, sizeof(*l->d.v),
		      cmp_name_dent) ? 0 : -ENOENT;
	listing_put(l);
	return res;
}

static int cmp_dent(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name,
		      ((const struct dent *)b)->name);
}

/* A listing as it is shown: sorted, and no name twice (tag keys that
 * escape alike). */
static void sort_unique(struct dlist *d)
{
	size_t i, k;

	if (d->n)
		qsort(d->v, d->n, sizeof(*d->v), cmp_dent);
	for (i = k = 0; i < d->n; i++) {
		if (k && !strcmp(d->v[k - 1].name, d->v[i].name)) {
			free(d->v[i].name);
			continue;
		}
		d->v[k++] = d->v[i];
	}
	d->n = k;
}

/* The listing d of path at version, made for a stat (layout_peek), kept
 * for the read of the directory that usually follows; d is taken. */
static void listing_keep_peeked(struct orgfs *fs, const char *path,
				uint64_t version, struct dlist *d)
{
	struct listing *l;

	if (d->n > LISTING_PEEKED_NAMES)
		return;
	l = calloc(1, sizeof(*l));
	if (!l || !(l->path = strdup(path))) {
		free(l);
		return;
	}
	l->d = *d;
	memset(d, 0, sizeof(*d));
	sort_unique(&l->d);
	l->version = version;
	l->expires = org_now_ms(fs->org) + org_view_ttl_ms(fs->org);
	l->phash = hash_fnv1a_str(path);
	l->peeked = 1;
	l->refs = 1;
	listing_store(l);
	listing_put(l);
}

enum get_how {
	GET_RENDER,                     /* content and attributes */
	GET_PEEK,                       /* nothing fetched for attributes */
	GET_FULL,                       /* view directories listed too */
};

static int get_node(struct orgfs *fs, const char *path, struct node *out,
		    enum get_how how);
static void fire_armed(struct orgfs *fs, const char *path);

int layout_get(struct orgfs *fs, const char *path, struct node *out)
{
	return get_node(fs, path, out, GET_RENDER);
}

/*
 * A name its directory lists can always be stat'ed (orgfs(1), ERRORS):
 * when the data behind it cannot be had, the node is answered with its
 * type, provisional (the kernel keeps nothing and asks again), a file
 * with a size that makes a reader read, so that the read fails with the
 * errno (recorded in .orgfs/errors) rather than a copy finding an empty
 * file.  What its directory does not list keeps its error.
 */
int layout_peek(struct orgfs *fs, const char *path, struct node *out)
{
	int res = get_node(fs, path, out, GET_PEEK);
	enum node_type type = out->type;
	double timeout = out->timeout;
	time_t mtime = out->mtime;

	if (!res || res == -ENOENT || res == -ENOTDIR || res == -ENOMEM ||
	    res == -ENAMETOOLONG || layout_listed(fs, path))
		return res;
	node_free(out);
	node_init(out);
	out->type = type;
	out->timeout = timeout;
	out->mtime = mtime;
	out->provisional = 1;
	out->failed = -res;
	return 0;
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

	fire_armed(fs, path);
	lctx_init(&c, fs, path);
	c.full = how == GET_FULL;
	r = find_row(fs, path, &c);
	if (!r)
		return -ENOENT;
	res = capture(r->pattern, path, &c);
	out->type = r->type;
	out->timeout = row_timeout(fs, r);
	if (!res && r->view && r->type == NODE_FILE) {
		uint64_t version = org_data_version(fs->org);

		c.view = 1;
		c.version = version;
		if (view_get(path, version, out, NULL, &c))
			goto done;
		if (how == GET_PEEK && fs->lazy_sizes) {
			/* the name is all a lookup or a stat needs: the size
			 * comes with the first read (a crawl, maybe) */
			res = strcmp(path, "/") ? layout_listed(fs, path) : 0;
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
		res = layout_listed(fs, path);
	if (!res && out->type == NODE_DIR && (!r->view || how == GET_FULL)) {
		/* a directory is as fresh as the data its listing comes
		 * from: that is what its mtime and stale mark tell (not
		 * for org-wide views: a stat must not start a crawl) */
		struct dlist d = { 0 };
		uint64_t version = org_data_version(fs->org);

		c.cached_only = how == GET_PEEK;
		res = row_list(r, &c, &d, how == GET_PEEK);
		if (c.missing) {
			/* a stat does not fetch a listing for an mtime */
			res = 0;
			out->provisional = 1;
		} else if (!res && how == GET_PEEK && !c.ahead_skipped) {
			/* as a read would list it (one that asks for
			 * read-ahead lists afresh) */
			listing_keep_peeked(fs, path, version, &d);
		}
		dlist_free(&d);
	} else if (!res && out->type == NODE_DIR) {
		/* an org-wide view: its mtime and stale mark are those of
		 * its listing when that is at hand, else of the data of its
		 * kind if cached (nothing is fetched or worked out) */
		struct dlist d = { 0 };

		if (!view_get(path, org_data_version(fs->org), NULL, &d, &c)) {
			c.cached_only = 1;
			need(&c, r->kind, "");
			c.missing = 0;
			aws_error_clear(&c.err);
		}
		dlist_free(&d);
	}
done:
	out->mtime = c.mtime ? c.mtime : (out->mtime ? out->mtime : fs->mount_time);
	out->stale = c.stale;
	out->incomplete = c.incomplete;
	lctx_done(&c);
	return res;
}

int layout_is_view(struct orgfs *fs, const char *path)
{
	struct lctx c;
	const struct layout_row *r;

	memset(&c, 0, sizeof(c));
	r = find_row(fs, path, &c);
	return r && r->view;
}

/* List path; with peek, from what is at hand only (-EAGAIN when that
 * is not enough). */
static int list_how(struct orgfs *fs, const char *path, struct dlist *out,
		    int peek)
{
	const struct layout_row *r;
	struct lctx c;
	int res;

	lctx_init(&c, fs, path);
	r = find_row(fs, path, &c);
	if (!r) {
		lctx_done(&c);
		return -ENOENT;
	}
	if (r->type != NODE_DIR) {
		lctx_done(&c);
		return -ENOTDIR;
	}
	c.cached_only = peek;
	res = capture(r->pattern, path, &c);
	if (!res && peek && r->view) {
		/* an org-wide listing is not worked out again for a check:
		 * it is at hand while the data behind it has not changed */
		if (!view_get(path, org_data_version(fs->org), NULL, out, &c))
			res = -EAGAIN;
	} else if (!res) {
		res = row_list(r, &c, out, 1);
		if (c.missing)
			res = -EAGAIN;
	}
	lctx_done(&c);
	if (res) {
		dlist_free(out);
		return res;
	}
	sort_unique(out);
	return 0;
}

int layout_list(struct orgfs *fs, const char *path, struct dlist *out)
{
	return list_how(fs, path, out, 0);
}

int layout_list_peek(struct orgfs *fs, const char *path, struct dlist *out)
{
	return list_how(fs, path, out, 1);
}

/* Each child's read-ahead (AHEAD_EACH): the row's listing, and what
 * each name listed will need. */
static void prefetch_each(struct orgfs *fs, const struct layout_row *r,
			  const char *path)
{
	struct dlist d = { 0 };
	size_t i;

	if (layout_list(fs, path, &d))
		return;
	for (i = 0; i < d.n; i++) {
		char *name;

		if (!unescape_name(d.v[i].name, &name)) {
			org_prefetch(fs->org, r->ahead.kind, name);
			free(name);
		}
	}
	dlist_free(&d);
}

/* The read-ahead of each child serves a walk over them (cat
 * accounts/x/tags/Owner for every x): listing the directory arms it, and
 * it fires when accesses below (two levels down) reach a second child.
 * An ls of the directory alone, even -l or --color, which stat every
 * child, then costs the listing and nothing more (issue 15: not one call
 * per account to colour a listing), and neither does a look into one
 * child (ls -l accounts/x/).  One mount per process: the marks are the
 * process's, by row: 0 unarmed, 1 armed, else the hash of the first
 * child seen below. */
#define ARM_MAX 512
static uint64_t armed[ARM_MAX];         /* atomic, by row index */
static int n_armed;                     /* atomic: how many are */

static int armable(const struct layout_table *t, const struct layout_row *r)
{
	/* a literal pattern is the path to list when it fires */
	return (size_t)(r - t->rows) < ARM_MAX && !strchr(r->pattern, '*');
}

/* Whether an access below child (of n bytes) fires armed row i. */
static int walk_reaches(size_t i, const char *child, size_t n)
{
	uint64_t h = hash_fnv1a(child, n) | 2, v = 1;

	/* the first child seen: noted; the same again: nothing */
	if (__atomic_compare_exchange_n(&armed[i], &v, h, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE) || v == h || !v)
		return 0;
	return __atomic_exchange_n(&armed[i], 0, __ATOMIC_ACQ_REL) != 0;
}

static void fire_armed(struct orgfs *fs, const char *path)
{
	const struct layout_table *t = fs->layout;
	size_t i;

	if (!__atomic_load_n(&n_armed, __ATOMIC_ACQUIRE))
		return;
	for (i = 0; i < t->n && i < ARM_MAX; i++) {
		const char *pat = t->rows[i].pattern, *child, *end;
		size_t k = strlen(pat);

		if (!__atomic_load_n(&armed[i], __ATOMIC_ACQUIRE) ||
		    strncmp(path, pat, k) || path[k] != '/')
			continue;
		child = path + k + 1;
		end = strchr(child, '/');
		if (!end || !walk_reaches(i, child, (size_t)(end - child)))
			continue;
		__atomic_sub_fetch(&n_armed, 1, __ATOMIC_ACQ_REL);
		prefetch_each(fs, &t->rows[i], pat);
	}
}

static void prefetch(struct orgfs *fs, const char *path, int now)
{
	const struct layout_row *r;
	struct lctx c;
	size_t i;

	memset(&c, 0, sizeof(c));
	r = find_row(fs, path, &c);
	if (!r || r->ahead.how == AHEAD_NONE)
		return;
	if (r->ahead.how == AHEAD_ONE) {
		org_prefetch(fs->org, r->ahead.kind, "");
		return;
	}
	if (now || !armable(fs->layout, r)) {
		prefetch_each(fs, r, path);
		return;
	}
	i = (size_t)(r - fs->layout->rows);
	if (!__atomic_exchange_n(&armed[i], 1, __ATOMIC_ACQ_REL))
		__atomic_add_fetch(&n_armed, 1, __ATOMIC_ACQ_REL);
}

void layout_prefetch(struct orgfs *fs, const char *path)
{
	prefetch(fs, path, 0);
}

void layout_prefetch_now(struct orgfs *fs, const char *path)
{
	prefetch(fs, path, 1);
}
