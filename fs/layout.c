/* layout.c - the engine of the tree: match a path to a row of the table
 * (fs/tree.c), capture its components, call the row's handlers, list,
 * and read ahead.  It knows no subtree (layout.h).
 */
#include <errno.h>
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

/* A directory's entries: what its handler lists, then the names of the
 * rows right below it ("<pattern>/<name>", no wildcard) that their when
 * allows. */
static int row_entries(const struct layout_row *r, struct lctx *c,
		    struct dlist *d)
{
	const struct layout_table *t = c->fs->layout;
	const char *pre = strcmp(r->pattern, "/") ? r->pattern : "";
	size_t len = strlen(pre), i;
	int res = r->list ? r->list(c, d) : 0;

	for (i = 0; i < t->n && !res; i++) {
		const struct layout_row *x = &t->rows[i];
		const char *name;

		if (strncmp(x->pattern, pre, len) || x->pattern[len] != '/')
			continue;
		name = x->pattern + len + 1;
		if (!*name || strpbrk(name, "/*") || (x->when && !x->when(c)))
			continue;
		res = dl_add_raw(d, strdup(name), x->type);
	}
	return res;
}

/* List through the view cache where the row says so. */
static int row_list(const struct layout_row *r, struct lctx *c,
		    struct dlist *d)
{
	uint64_t version;
	int res;

	if (!r->view)
		return row_entries(r, c, d);
	version = org_data_version(c->fs->org);
	if (view_get(c->path, version, NULL, d, c))
		return 0;
	res = row_entries(r, c, d);
	if (!res)
		view_put(c->path, version, NULL, d, c);
	return res;
}

static const struct layout_row *find_row(const struct orgfs *fs,
					 const char *path, struct lctx *c)
{
	const struct layout_table *t = fs->layout;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (match(t->rows[i].pattern, path, c))
			return &t->rows[i];
	return NULL;
}

static double row_timeout(struct orgfs *fs, const struct layout_row *r)
{
	double t = (double)fs->ttl_ms[r->kind] / 1000.0;

	if (fs->kernel_timeout >= 0 && t > fs->kernel_timeout)
		t = fs->kernel_timeout;
	return t;
}

int layout_listed(struct orgfs *fs, const char *path)
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

		c.cached_only = how == GET_PEEK;
		res = row_list(r, &c, &d);
		dlist_free(&d);
		if (c.missing) {
			/* a stat does not fetch a listing for an mtime */
			res = 0;
			out->provisional = 1;
		}
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

static int cmp_dent(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name,
		      ((const struct dent *)b)->name);
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
	size_t i, k;
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
		res = row_list(r, &c, out);
		if (c.missing)
			res = -EAGAIN;
	}
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
