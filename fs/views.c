/* views.c - the view cache (views.h) */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "views.h"

#define VIEWS_MAX 64
/* view_read counts the pages of a rendering read */
#define VIEW_PAGE 4096
/* A view read within this long is not dropped for the byte budget: a
 * file is read a chunk at a time, each chunk from its view. */
#define VIEW_HOT_MS 2000
/* One over VIEW_KEEP_MAX read only in part (grep -q, head, file(1))
 * waits for its reader's next chunk as long as twice what it took to
 * render, within these: a reader slower than that makes it render again,
 * which costs at most half the time it waited; a walk reading the first
 * chunk of every big file (grep to /dev/null stops at its first match)
 * does not hold each two seconds (issue 17.5). */
#define VIEW_HOT_MIN_MS 200
#define VIEW_HOT_RENDERS 2
/* How long a view computed from data served stale is kept. */
#define STALE_VIEW_MS 1000

struct view {
	char *path;                     /* NULL: free slot */
	uint64_t version;
	uint64_t expires;               /* org clock, ms: then the data
					   behind it must be asked again
					   (refresh, stale mark, max_stale) */
	uint64_t used;                  /* LRU tick */
	uint64_t used_ms;               /* org clock */
	size_t bytes;                   /* what it holds, about */
	uint64_t hot_ms;                /* how long after its last read it
					   is spared: VIEW_HOT_MS, less for
					   a big one quick to render */
	struct blob *blob;              /* file content, or */
	struct dlist list;              /* a directory listing */
	time_t mtime;
	int stale;
	int incomplete;
};

static struct {
	pthread_mutex_t lock;
	struct view v[VIEWS_MAX];       /* protected by lock */
	uint64_t tick;
	size_t bytes;                   /* sum of v[].bytes */
} views = { .lock = PTHREAD_MUTEX_INITIALIZER };

uint64_t view_ttl(const struct orgfs *fs)
{
	return org_view_ttl_ms(fs->org);
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

/* Drop the big views nobody read lately, then least recently used ones
 * that nobody read lately while the views take more than budget
 * (views.lock held); keep is spared.
 * Blobs to put go to drop[VIEWS_MAX]. */
static void views_shrink(size_t budget, uint64_t now, const struct view *keep,
			 struct blob **drop)
{
	int i;

	for (i = 0; i < VIEWS_MAX; i++) {
		struct view *v = &views.v[i];

		if (v->path && v != keep && v->bytes > VIEW_KEEP_MAX &&
		    now >= v->used_ms + v->hot_ms)
			view_clear(v, &drop[i]);
	}
	while (views.bytes > budget) {
		struct view *lru = NULL;

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

/* Pages of b (bits of seen) */
static size_t blob_pages(const struct blob *b)
{
	return (b->len + VIEW_PAGE - 1) / VIEW_PAGE;
}

void view_read(struct blob *b, off_t off, size_t n)
{
	struct blob *drop = NULL;
	size_t first, end, p, added = 0;
	int i;

	if (!b || !b->seen || off < 0)
		return;
	/* the pages the reply covered whole, and the last one when it
	 * reached the end */
	first = ((size_t)off + VIEW_PAGE - 1) / VIEW_PAGE;
	end = (size_t)off + n >= b->len ? blob_pages(b) :
	      ((size_t)off + n) / VIEW_PAGE;
	for (p = first; p < end; ) {
		size_t w = p / 64, lo = p % 64;
		size_t hi = end - p < 64 - lo ? lo + (end - p) : 64;
		uint64_t mask = (hi - lo == 64 ? ~(uint64_t)0 :
				 (((uint64_t)1 << (hi - lo)) - 1)) << lo;
		uint64_t old = __atomic_fetch_or(&b->seen[w], mask,
						 __ATOMIC_RELAXED);

		added += (size_t)__builtin_popcountll(mask & ~old);
		p += hi - lo;
	}
	if (added)
		__atomic_add_fetch(&b->pages_seen, added, __ATOMIC_RELAXED);
	/* at the reply that reaches the end, not before: a reader that
	 * started later, past pages an earlier one took, still reads on */
	if ((size_t)off + n < b->len ||
	    __atomic_load_n(&b->pages_seen, __ATOMIC_RELAXED) < blob_pages(b))
		return;
	pthread_mutex_lock(&views.lock);
	for (i = 0; i < VIEWS_MAX; i++)
		if (views.v[i].path && views.v[i].blob == b) {
			view_clear(&views.v[i], &drop);
			break;
		}
	pthread_mutex_unlock(&views.lock);
	blob_put(drop);
}

/* A rendering of path at a newer version takes the place of old, which
 * is being read: the reads go on from b, and the pages they took from
 * old count as b's, so that together they cover the file (views.lock
 * held). */
static void blob_seen_from(struct blob *b, const struct blob *old)
{
	size_t pages = blob_pages(b), nw = (pages + 63) / 64;
	size_t ow = (blob_pages(old) + 63) / 64, w, nb = 0;

	if (!b->seen || !old->seen)
		return;
	for (w = 0; w < nw && w < ow; w++) {
		uint64_t bits = __atomic_load_n(&old->seen[w],
						__ATOMIC_RELAXED);

		if (w == nw - 1 && pages % 64)
			bits &= ((uint64_t)1 << (pages % 64)) - 1;
		b->seen[w] = bits;
		nb += (size_t)__builtin_popcountll(bits);
	}
	b->pages_seen = nb;
	if (nb >= pages) {
		/* no read of b would be the one that covers it: from none */
		memset(b->seen, 0, nw * sizeof(*b->seen));
		b->pages_seen = 0;
	}
}

int views_count(size_t *bytes)
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
int view_get(const char *path, uint64_t version, struct node *file,
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
		c->incomplete |= v->incomplete;
		hit = 1;
		break;
	}
	/* views read a while ago that are over the budget go */
	views_shrink(views_budget(c->fs), now, NULL, drop);
	pthread_mutex_unlock(&views.lock);
	drop_blobs(drop);
	return hit;
}

/* How long a big rendering made for c waits for a reader's next chunk:
 * twice what it took, within VIEW_HOT_MIN_MS and VIEW_HOT_MS */
static uint64_t hot_ms(const struct lctx *c)
{
	struct timespec t;
	uint64_t now_us, ms;

	clock_gettime(CLOCK_MONOTONIC, &t);
	now_us = (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
	ms = (now_us > c->started_us ? now_us - c->started_us : 0) / 1000u *
	     VIEW_HOT_RENDERS;
	return ms < VIEW_HOT_MIN_MS ? VIEW_HOT_MIN_MS :
	       ms > VIEW_HOT_MS ? VIEW_HOT_MS : ms;
}

/* Keep a rendering: a file's content moves into a shared blob. */
void view_put(const char *path, uint64_t version, struct node *file,
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
		b->pages_seen = 0;
		/* a big one goes once read to its end (view_read); out of
		 * memory, it is kept as long as a small one */
		b->seen = b->len > VIEW_KEEP_MAX ?
			  calloc((blob_pages(b) + 63) / 64, sizeof(uint64_t)) :
			  NULL;
		b->data = buf_steal(&file->data);
		if (!b->data) {
			free(b->seen);
			free(b);
			return;
		}
		shrunk = realloc(b->data, b->len + 1);  /* cap was up to 2x */
		if (shrunk)
			b->data = shrunk;
		b->hash = hash_fnv1a_str(b->data) ^ b->len;
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
	if (b && slot->blob && !strcmp(slot->path, path))
		blob_seen_from(b, slot->blob);
	view_clear(slot, &drop[slot - views.v]);
	slot->path = strdup(path);
	slot->version = version;
	slot->expires = now + view_ttl(c->fs);
	/* from data served stale: checked again within a second, so that it
	 * ends (EIO) when its data passes max_stale, not a TTL later */
	if (c->stale && view_ttl(c->fs) > STALE_VIEW_MS)
		slot->expires = now + STALE_VIEW_MS;
	slot->used = ++views.tick;
	slot->used_ms = now;
	slot->hot_ms = hot_ms(c);
	slot->mtime = c->mtime;
	slot->stale = c->stale;
	slot->incomplete = c->incomplete;
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

