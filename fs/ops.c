/* ops.c - the FUSE low-level operations, the inode table, and the thread
 * that tells the kernel what changed
 *
 * Every node is named by its path; the inode table maps (directory, name)
 * to inode numbers and inode numbers back to paths for as long as the
 * kernel remembers them (lookup counts, forget).  Content is rendered from
 * the cached model on demand (layout.c), so getattr and read agree on
 * st_size.
 *
 * Kernel caching: open and opendir answer ENOSYS (zero-message opens), the
 * kernel keeps file contents until told otherwise (explicit invalidation),
 * and entry/attribute timeouts follow the TTL of the data behind a node.
 * When a refresh changes data, the invalidation thread re-renders every
 * node the kernel knows and invalidates those whose content changed or
 * that no longer exist.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "awstime.h"
#include "fs.h"
#include "hash.h"
#include "log.h"
#include "views.h"

/* st_size of a file whose data could not be had (struct node failed):
 * not 0, which tar and rsync would copy as an empty file without reading
 * it; the read then fails with the errno. */
#define FAILED_SIZE 4096

/* st_ino of an entry whose inode the kernel should not learn from readdir */
#ifndef FUSE_UNKNOWN_INO
#define FUSE_UNKNOWN_INO 0xffffffff
#endif

/*
 * One entry per node the kernel holds (and per directory above one).  An
 * entry keeps only its own name and its parent: a path is rebuilt on
 * demand by walking up, so the table costs a small allocation per node
 * rather than a copy of every node's whole path.  Entries are found by
 * (parent inode, name) and by inode.
 *
 * A directory's entry outlives the kernel's references to it while any
 * entry below it is held: a child's path goes through it, and when the
 * kernel looks the directory up again it gets the same inode number.
 */
struct inode {
	struct inode *parent;           /* NULL for the root */
	struct inode *next_name;        /* hash chains, protected by itab.lock */
	struct inode *next_ino;
	fuse_ino_t ino;
	uint64_t nlookup;               /* the kernel's references */
	uint64_t content_hash;          /* what the kernel was last shown,
					   0: nothing (or it forgot) */
	uint64_t list_hash;             /* the listing the kernel was last
					   given (readdir), 0: none */
	uint32_t nchildren;             /* entries whose parent this is */
	uint32_t fresh_until;           /* mono_secs() until which the
					   kernel keeps the entry and
					   attributes it was last given */
	char name[];                    /* escaped; "" for the root */
};

/* All of it, and every field of every entry, protected by itab.lock. */
static struct {
	pthread_mutex_t lock;
	struct inode **by_name;         /* (parent inode, name) */
	struct inode **by_ino;
	size_t nbuckets;                /* power of two */
	size_t count;                   /* entries in the chains */
	fuse_ino_t next_ino;
	struct inode *root;             /* in neither chain, never freed */
	struct orgfs *fs;               /* told the count (fs->inodes) */
} itab = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The invalidation threads' work; protected by inv.lock.  One thread
 * drops the pages of single inodes (inos): a request handler never does
 * it itself, since the kernel's invalidation waits for the lock of a page
 * whose READ may be queued behind that very handler (with max_threads=1,
 * or every worker doing the same: the mount hung for good).  The other
 * sweeps after a change of the data and drops everything on SIGHUP,
 * which take long and must not delay the first. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	pthread_t sweeper;
	int running;
	int stop;
	int sweep;                      /* data changed: revalidate everything */
	int drop;                       /* SIGHUP: invalidate everything */
	fuse_ino_t *inos;               /* dynamic files just read */
	size_t ninos;
	size_t capinos;
	fuse_ino_t busy;                /* being invalidated now, 0: none */
	pthread_cond_t done;            /* an invalidation of inos ended */
	struct orgfs *fs;
} inv = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
	  .done = PTHREAD_COND_INITIALIZER };

/* A file of .orgfs/ changes with every rendering, and one cat(1) of it
 * makes several requests: a stat, then a read of the pages and, at each
 * read that reaches the end, a stat of the open file to learn whether it
 * grew.  Rendered afresh at each, the text came back cut or with the
 * tail of a later rendering (about 1 read in 40 while a crawl runs).  So
 * a rendering is kept for SNAP_FRESH_MS: the reads and the open file's
 * stats of that moment are answered from it; a stat by name (a new
 * open, ls) renders afresh.  Protected by snap.lock. */
#define SNAP_SLOTS 8
#define SNAP_FRESH_MS 1000

struct snapbuf {
	int refs;                       /* atomic */
	size_t len;
	char data[];
};

static struct {
	pthread_mutex_t lock;
	struct {
		fuse_ino_t ino;
		struct timespec at;     /* CLOCK_MONOTONIC */
		struct snapbuf *b;
	} s[SNAP_SLOTS];
	unsigned next;
} snap = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void snap_put(struct snapbuf *b)
{
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(b);
}

static int is_snapped(const struct node *n)
{
	return n->dynamic && n->type == NODE_FILE && !n->failed;
}

/* The rendering of ino kept less than SNAP_FRESH_MS ago, or NULL. */
static struct snapbuf *snap_take(fuse_ino_t ino)
{
	struct snapbuf *b = NULL;
	struct timespec now;
	long long age_ms;
	unsigned i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&snap.lock);
	for (i = 0; i < SNAP_SLOTS; i++) {
		if (!snap.s[i].b || snap.s[i].ino != ino)
			continue;
		age_ms = (now.tv_sec - snap.s[i].at.tv_sec) * 1000LL +
			 (now.tv_nsec - snap.s[i].at.tv_nsec) / 1000000;
		if (age_ms <= SNAP_FRESH_MS) {
			b = snap.s[i].b;
			__atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
		}
		break;
	}
	pthread_mutex_unlock(&snap.lock);
	return b;
}

/* Keep the rendering in n as the one of ino. */
static void snap_keep(fuse_ino_t ino, const struct node *n)
{
	struct snapbuf *b, *old;
	unsigned i, slot;

	b = malloc(sizeof(*b) + node_len(n));
	if (!b)
		return;                 /* the next request renders afresh */
	b->len = node_len(n);
	memcpy(b->data, node_ptr(n), b->len);
	b->refs = 1;
	pthread_mutex_lock(&snap.lock);
	for (slot = 0; slot < SNAP_SLOTS && snap.s[slot].ino != ino; slot++)
		;
	if (slot == SNAP_SLOTS) {
		for (i = 0; i < SNAP_SLOTS && snap.s[i].b; i++)
			;
		slot = i < SNAP_SLOTS ? i : snap.next++ % SNAP_SLOTS;
	}
	old = snap.s[slot].b;
	snap.s[slot].ino = ino;
	snap.s[slot].b = b;
	clock_gettime(CLOCK_MONOTONIC, &snap.s[slot].at);
	pthread_mutex_unlock(&snap.lock);
	snap_put(old);
}

/* n, a fresh rendering of ino: for an open file's stat (reuse), the
 * rendering of the moment takes its place; otherwise it becomes that. */
static void snap_node(fuse_ino_t ino, struct node *n, int reuse)
{
	struct snapbuf *b;

	if (!is_snapped(n))
		return;
	b = reuse ? snap_take(ino) : NULL;
	if (!b) {
		snap_keep(ino, n);
		return;
	}
	buf_reset(&n->data);
	if (buf_append(&n->data, b->data, b->len))
		snap_keep(ino, n);      /* no memory: what n holds, whole */
	snap_put(b);
}

/* At SIGHUP and unmount: nothing kept. */
static void snap_drop_all(void)
{
	unsigned i;

	pthread_mutex_lock(&snap.lock);
	for (i = 0; i < SNAP_SLOTS; i++) {
		snap_put(snap.s[i].b);
		snap.s[i].b = NULL;
		snap.s[i].ino = 0;
	}
	pthread_mutex_unlock(&snap.lock);
}

/* A cold walk (grep -r, a cat of each file) reads each file right after
 * the READDIRPLUS that gave its attributes, for which the file was
 * rendered: that rendering is kept for the read, by inode, while the
 * data's version (org_data_version: what was rendered at one version is
 * still right at it) has not moved, and for STASH_MS at most (what was
 * rendered from data at hand must not outlive its TTL or max_stale).
 * One slot per inode modulo STASH_SLOTS, files up to STASH_MAX, taken by
 * the read.  Protected by stash.lock. */
#define STASH_SLOTS 1024
#define STASH_MAX (64 << 10)            /* bytes of one */
#define STASH_BYTES (4 << 20)           /* of all */
#define STASH_MS 1000

static struct {
	pthread_mutex_t lock;
	struct {
		fuse_ino_t ino;         /* 0: empty */
		uint64_t version;
		uint64_t until;         /* org_now_ms */
		size_t len;
		char *data;
	} s[STASH_SLOTS];
	size_t bytes;                   /* held, over s[] */
} stash = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Keep n, rendered at version for ino, if it is a file worth keeping. */
static void stash_keep(struct org *org, fuse_ino_t ino, uint64_t version,
		       const struct node *n)
{
	size_t len = node_len(n), i = ino % STASH_SLOTS;
	char *d, *old;

	if (n->type != NODE_FILE || n->provisional || n->dynamic ||
	    n->failed || !len || len > STASH_MAX)
		return;
	d = malloc(len);
	if (!d)
		return;
	memcpy(d, node_ptr(n), len);
	pthread_mutex_lock(&stash.lock);
	old = stash.s[i].data;
	if (old)
		stash.bytes -= stash.s[i].len;
	if (stash.bytes + len > STASH_BYTES) {
		stash.s[i].data = NULL;
		stash.s[i].ino = 0;
		pthread_mutex_unlock(&stash.lock);
		free(old);
		free(d);
		return;
	}
	stash.bytes += len;
	stash.s[i].ino = ino;
	stash.s[i].version = version;
	stash.s[i].until = org_now_ms(org) + STASH_MS;
	stash.s[i].len = len;
	stash.s[i].data = d;
	pthread_mutex_unlock(&stash.lock);
	free(old);
}

/* The rendering of ino kept at version, taken out of the stash (the
 * caller frees it), or NULL. */
static char *stash_take(struct org *org, fuse_ino_t ino, size_t *len)
{
	uint64_t version = org_data_version(org), now = org_now_ms(org);
	size_t i = ino % STASH_SLOTS;
	char *d = NULL;

	pthread_mutex_lock(&stash.lock);
	if (stash.s[i].ino == ino && stash.s[i].data) {
		stash.bytes -= stash.s[i].len;
		if (stash.s[i].version == version && now < stash.s[i].until) {
			d = stash.s[i].data;
			*len = stash.s[i].len;
		} else {
			free(stash.s[i].data);
		}
		stash.s[i].data = NULL;
		stash.s[i].ino = 0;
	}
	pthread_mutex_unlock(&stash.lock);
	return d;
}

/* At SIGHUP and unmount: nothing kept. */
static void stash_drop_all(void)
{
	size_t i;

	pthread_mutex_lock(&stash.lock);
	for (i = 0; i < STASH_SLOTS; i++) {
		free(stash.s[i].data);
		stash.s[i].data = NULL;
		stash.s[i].ino = 0;
	}
	stash.bytes = 0;
	pthread_mutex_unlock(&stash.lock);
}

/* What the kernel is shown of a node, as a hash; 0: nothing final yet
 * (provisional attributes: the kernel holds no pages and asks again). */
static uint64_t hash_node(const struct node *n)
{
	uint64_t h;

	if (n->provisional)
		return 0;
	h = hash_fnv1a_word(HASH_FNV1A_INIT, (uint64_t)n->type + 1);
	if (n->blob)
		h = hash_fnv1a_word(h, n->blob->hash);
	else
		h = hash_fnv1a_more(h, n->data.data, n->data.len);
	return h ^ (uint64_t)n->mtime;
}

/* ------------------------------------------------------------------ */
/* inode table */

/* An entry's allocation: the name starts in the struct's tail padding,
 * but the allocation is never smaller than the struct, which the
 * compiler may read or write whole. */
static size_t inode_size(size_t namelen)
{
	size_t s = offsetof(struct inode, name) + namelen + 1;

	return s < sizeof(struct inode) ? sizeof(struct inode) : s;
}

static int itab_init(struct orgfs *fs)
{
	itab.fs = fs;
	itab.nbuckets = 1024;
	itab.by_name = calloc(itab.nbuckets, sizeof(*itab.by_name));
	itab.by_ino = calloc(itab.nbuckets, sizeof(*itab.by_ino));
	itab.root = calloc(1, inode_size(0));
	itab.next_ino = FUSE_ROOT_ID + 1;
	if (!itab.by_name || !itab.by_ino || !itab.root)
		return -ENOMEM;
	itab.root->ino = FUSE_ROOT_ID;
	itab.root->nlookup = 1;         /* the kernel always holds it */
	return 0;
}

static size_t name_bucket(fuse_ino_t parent, const char *name, size_t nb)
{
	/* the same names recur under every account: the parent spreads them */
	return (hash_fnv1a_str(name) ^ parent * 0x9e3779b97f4a7c15ULL) & (nb - 1);
}

/* Entries the inode table holds: the nodes the kernel holds, and the
 * directories kept above them (.orgfs/status "inodes").  Called with
 * itab.lock held, whenever itab.count changes. */
static void itab_counted(void)
{
	if (itab.fs)
		__atomic_store_n(&itab.fs->inodes, itab.count,
				 __ATOMIC_RELAXED);
}

/* Called with itab.lock held. */
static void itab_grow(void)
{
	size_t nb = itab.nbuckets * 2, i;
	struct inode **bn = calloc(nb, sizeof(*bn));
	struct inode **bi = calloc(nb, sizeof(*bi));

	if (!bn || !bi) {
		free(bn);
		free(bi);
		return;                 /* longer chains, still correct */
	}
	for (i = 0; i < itab.nbuckets; i++) {
		struct inode *n = itab.by_name[i], *next;

		for (; n; n = next) {
			size_t h = name_bucket(n->parent->ino, n->name, nb);

			next = n->next_name;
			n->next_name = bn[h];
			bn[h] = n;
		}
		n = itab.by_ino[i];
		for (; n; n = next) {
			size_t h = n->ino & (nb - 1);

			next = n->next_ino;
			n->next_ino = bi[h];
			bi[h] = n;
		}
	}
	free(itab.by_name);
	free(itab.by_ino);
	itab.by_name = bn;
	itab.by_ino = bi;
	itab.nbuckets = nb;
}

/* An entry the kernel holds, not the root.  Called with itab.lock held. */
static struct inode *itab_find_ino(fuse_ino_t ino)
{
	struct inode *n = itab.by_ino[ino & (itab.nbuckets - 1)];

	while (n && n->ino != ino)
		n = n->next_ino;
	return n;
}

/* itab_find_ino, or the root.  Called with itab.lock held. */
static struct inode *itab_get(fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID ? itab.root : itab_find_ino(ino);
}

/* The path of n, followed by /name when name is set, in one allocation.
 * Called with itab.lock held: the walk up reads the parents' names. */
static char *path_of(const struct inode *n, const char *name)
{
	const struct inode *p;
	size_t len = 0, pos, l;
	char *s;

	if (name)
		len += strlen(name) + 1;
	for (p = n; p->parent; p = p->parent)
		len += strlen(p->name) + 1;
	if (!len)
		return strdup("/");
	s = malloc(len + 1);
	if (!s)
		return NULL;
	pos = len;
	s[pos] = '\0';
	if (name) {
		l = strlen(name);
		pos -= l;
		memcpy(s + pos, name, l);
		s[--pos] = '/';
	}
	for (p = n; p->parent; p = p->parent) {
		l = strlen(p->name);
		pos -= l;
		memcpy(s + pos, p->name, l);
		s[--pos] = '/';
	}
	return s;
}

/* Look up or create the inode of name in directory parent and count one
 * kernel reference.  @return 0 with *ino set, -ESTALE when the kernel
 * sent an unknown parent, -ENOMEM */
/* Seconds of a monotonic clock (the kernel's timeouts run on one). */
static uint32_t mono_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)ts.tv_sec;
}

/* mono_secs() after timeout seconds, saturated; 0 for less than one. */
static uint32_t fresh_until(double timeout)
{
	if (timeout < 1)
		return 0;
	if (timeout > (double)(UINT32_MAX / 2))
		timeout = (double)(UINT32_MAX / 2);
	return mono_secs() + (uint32_t)timeout;
}

/* One more kernel reference to (parent, name), shown content_hash and
 * kept (entry and attributes) for fresh seconds. */
static int itab_ref(fuse_ino_t parent, const char *name, uint64_t content_hash,
		    double fresh, uint64_t *old_hash, fuse_ino_t *ino)
{
	size_t h, len;
	struct inode *p, *n;

	pthread_mutex_lock(&itab.lock);
	p = itab_get(parent);
	if (!p) {
		pthread_mutex_unlock(&itab.lock);
		return -ESTALE;
	}
	h = name_bucket(parent, name, itab.nbuckets);
	for (n = itab.by_name[h]; n; n = n->next_name)
		if (n->parent == p && !strcmp(n->name, name))
			break;
	if (!n) {
		len = strlen(name);
		n = malloc(inode_size(len));
		if (!n) {
			pthread_mutex_unlock(&itab.lock);
			return -ENOMEM;
		}
		memcpy(n->name, name, len + 1);
		n->ino = itab.next_ino++;
		n->parent = p;
		n->nlookup = 0;
		n->content_hash = 0;
		n->list_hash = 0;
		n->nchildren = 0;
		p->nchildren++;
		n->next_name = itab.by_name[h];
		itab.by_name[h] = n;
		h = n->ino & (itab.nbuckets - 1);
		n->next_ino = itab.by_ino[h];
		itab.by_ino[h] = n;
		if (++itab.count > itab.nbuckets)
			itab_grow();
		itab_counted();
	}
	n->nlookup++;
	if (old_hash)
		*old_hash = n->content_hash;
	n->content_hash = content_hash;
	n->fresh_until = fresh_until(fresh);
	*ino = n->ino;
	pthread_mutex_unlock(&itab.lock);
	return 0;
}

/*
 * The ino of (parent, name) when the kernel holds it as content_hash
 * says, with entry and attributes it keeps for a second more; else 0.
 * A readdirplus then gives that entry without a node id: the kernel
 * leaves its dentry, attributes, pages and ACLs as they are.  Given in
 * full, an entry the kernel holds makes it drop the inode's cached ACLs
 * (fuse_direntplus_link), and with FUSE_CAP_POSIX_ACL the next cp -a
 * asks a GETXATTR per file of a directory whose cached listing the
 * kernel let go (memory reclaim).
 */
static fuse_ino_t itab_kept(fuse_ino_t parent, const char *name,
			    uint64_t content_hash)
{
	struct inode *p, *n = NULL;
	fuse_ino_t ino = 0;

	pthread_mutex_lock(&itab.lock);
	p = itab_get(parent);
	if (p)
		for (n = itab.by_name[name_bucket(parent, name,
						  itab.nbuckets)];
		     n; n = n->next_name)
			if (n->parent == p && !strcmp(n->name, name))
				break;
	if (n && n->nlookup && n->content_hash &&
	    n->content_hash == content_hash &&
	    n->fresh_until > mono_secs() + 1)
		ino = n->ino;
	pthread_mutex_unlock(&itab.lock);
	return ino;
}

/* A copy of the path of ino, or of its child name when name is set;
 * NULL when the kernel sent an unknown ino (or out of memory). */
static char *itab_path(fuse_ino_t ino, const char *name)
{
	struct inode *n;
	char *p = NULL;

	pthread_mutex_lock(&itab.lock);
	n = itab_get(ino);
	if (n)
		p = path_of(n, name);
	pthread_mutex_unlock(&itab.lock);
	return p;
}

/* Record what the kernel is shown of ino; @return what it was shown
 * before (0: nothing yet). */
static uint64_t itab_set_hash(fuse_ino_t ino, uint64_t h)
{
	struct inode *n;
	uint64_t old = 0;

	pthread_mutex_lock(&itab.lock);
	n = itab_find_ino(ino);
	if (n && n->nlookup) {
		old = n->content_hash;
		n->content_hash = h;
	}
	pthread_mutex_unlock(&itab.lock);
	return old;
}

static int inv_queue_ino(fuse_ino_t ino);
static void inv_wait_ino(fuse_ino_t ino);

/* The kernel forgets what it holds of ino (attributes, pages, listing,
 * ACLs); counted for .orgfs/status. */
static void inval_inode(struct orgfs *fs, fuse_ino_t ino)
{
	__atomic_add_fetch(&fs->inodes_invalidated, 1, __ATOMIC_RELAXED);
	fuse_lowlevel_notify_inval_inode(fs->se, ino, 0, 0);
}

/* The kernel may hold pages of what ino used to be: drop them before it
 * learns the new size, so that a read never mixes old bytes and new.
 * Done by the invalidation thread, waited for (bounded): from the
 * handler itself it could wait for ever on a READ of the same file queued
 * behind it (see inv). */
static void inval_if_changed(struct orgfs *fs, fuse_ino_t ino, uint64_t old,
			     uint64_t now)
{
	if (!old || old == now)
		return;
	if (inv_queue_ino(ino))
		inv_wait_ino(ino);
	else            /* not running yet, or a full queue */
		inval_inode(fs, ino);
}

/* A listing as a hash, never 0 (0: none): its names and types, in the
 * order layout_list gives them (sorted). */
static uint64_t hash_list(const struct dlist *d)
{
	uint64_t h = HASH_FNV1A_INIT;
	size_t i;

	for (i = 0; i < d->n; i++) {
		h = hash_fnv1a_more(h, d->v[i].name, strlen(d->v[i].name) + 1);
		h = hash_fnv1a_word(h, (uint64_t)d->v[i].type);
	}
	return h | 1;
}

/* The listing of ino the kernel holds (0: none, or unknown ino). */
static uint64_t itab_list_hash(fuse_ino_t ino)
{
	struct inode *n;
	uint64_t h = 0;

	pthread_mutex_lock(&itab.lock);
	n = itab_get(ino);
	if (n && n->nlookup)
		h = n->list_hash;
	pthread_mutex_unlock(&itab.lock);
	return h;
}

/* Record the listing of ino given to the kernel (from 0: any), or that
 * it was dropped (to 0: only if it is still from).  @return whether it
 * was set */
static int itab_set_list(fuse_ino_t ino, uint64_t from, uint64_t to)
{
	struct inode *n;
	int done = 0;

	pthread_mutex_lock(&itab.lock);
	n = itab_get(ino);
	if (n && n->nlookup && (!from || n->list_hash == from)) {
		n->list_hash = to;
		done = 1;
	}
	pthread_mutex_unlock(&itab.lock);
	return done;
}

/*
 * The kernel keeps a directory's listing until told (cache_readdir): when
 * the listing it holds is no longer the one that would be given now, or
 * cannot be known without fetching (data past max_stale, dropped, an
 * org-wide listing whose data changed), drop it; the next readdir asks.
 * Nothing is fetched here: data at hand but past its TTL is listed as it
 * is and its refresh scheduled (need), whose change comes back here
 * (sweep).
 */
static void check_listing(struct orgfs *fs, fuse_ino_t ino, const char *path)
{
	struct dlist d = { 0 };
	uint64_t kept = itab_list_hash(ino);
	int res;

	if (!kept)
		return;
	res = layout_list_peek(fs, path, &d);
	if ((res || hash_list(&d) != kept) && itab_set_list(ino, kept, 0)) {
		olog_debug("invalidate listing of %s (%s)", path,
			   res ? "not at hand" : "changed");
		inval_inode(fs, ino);
		__atomic_add_fetch(&fs->listings_dropped, 1, __ATOMIC_RELAXED);
	}
	dlist_free(&d);
}

static void itab_unlink(struct inode *n)
{
	struct inode **pp;

	pp = &itab.by_name[name_bucket(n->parent->ino, n->name,
				       itab.nbuckets)];
	while (*pp && *pp != n)
		pp = &(*pp)->next_name;
	if (*pp)
		*pp = n->next_name;
	pp = &itab.by_ino[n->ino & (itab.nbuckets - 1)];
	while (*pp && *pp != n)
		pp = &(*pp)->next_ino;
	if (*pp)
		*pp = n->next_ino;
	itab.count--;
	itab_counted();
}

/* Unlink n if nobody needs it any more, then its parent if n was the
 * last thing keeping it, and so on up.  The unlinked entries are put on
 * *dead (through next_ino) to be freed once the lock is let go.  Called
 * with itab.lock held. */
static void itab_release(struct inode *n, struct inode **dead)
{
	while (n->parent && !n->nlookup && !n->nchildren) {
		struct inode *p = n->parent;

		itab_unlink(n);
		n->next_ino = *dead;
		*dead = n;
		p->nchildren--;
		n = p;
	}
}

static void itab_forget(fuse_ino_t ino, uint64_t nlookup)
{
	struct inode *n, *dead = NULL;

	if (ino == FUSE_ROOT_ID)
		return;
	pthread_mutex_lock(&itab.lock);
	n = itab_find_ino(ino);
	if (n && n->nlookup) {
		n->nlookup = n->nlookup > nlookup ? n->nlookup - nlookup : 0;
		if (!n->nlookup) {
			/* kept for its children, if any: shown nothing */
			n->content_hash = 0;
			n->list_hash = 0;
			itab_release(n, &dead);
		}
	}
	pthread_mutex_unlock(&itab.lock);
	while (dead) {
		n = dead;
		dead = n->next_ino;
		free(n);
	}
}

static void itab_free(void)
{
	size_t i;

	for (i = 0; i < itab.nbuckets; i++) {
		struct inode *n = itab.by_ino[i], *next;

		for (; n; n = next) {
			next = n->next_ino;
			free(n);
		}
	}
	free(itab.by_name);
	free(itab.by_ino);
	free(itab.root);
	itab.by_name = itab.by_ino = NULL;
	itab.root = NULL;
	itab.count = 0;
	itab_counted();
}

/* ------------------------------------------------------------------ */
/* helpers */

static struct orgfs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static char *child_path(const char *parent, const char *name)
{
	size_t pl = strlen(parent), nl = strlen(name);
	char *p = malloc(pl + nl + 2);

	if (!p)
		return NULL;
	memcpy(p, parent, pl);
	if (pl != 1)
		p[pl++] = '/';
	memcpy(p + pl, name, nl + 1);
	return p;
}

/* -o uid, gid, umask/dmask/fmask: who may read, which default_permissions
 * enforces */
static void apply_owner(const struct orgfs *fs, struct stat *st)
{
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	if (S_ISDIR(st->st_mode))
		st->st_mode = S_IFDIR | fs->dir_perm;
	else if (S_ISREG(st->st_mode))
		st->st_mode = S_IFREG | fs->file_perm;
}

static void fill_stat(struct orgfs *fs, fuse_ino_t ino, const struct node *n,
		      struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	switch (n->type) {
	case NODE_DIR:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		break;
	case NODE_FILE:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		/* data that failed: a size a copy reads, to meet the error */
		st->st_size = n->failed ? FAILED_SIZE : (off_t)node_len(n);
		break;
	case NODE_LINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = (off_t)node_len(n);
		break;
	}
	st->st_blksize = 4096;
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_mtim.tv_sec = n->mtime;
	st->st_ctim = st->st_mtim;
	st->st_atim = st->st_mtim;
	apply_owner(fs, st);
}

static double timeout_of(const struct node *n)
{
	/* .orgfs/ changes on every read, and provisional attributes are
	 * not final: the kernel must ask every time */
	return n->dynamic || n->provisional ? 0.0 : n->timeout;
}

/* @return whether ino was queued (not: the thread is not running, or the
 * queue is full) */
static int inv_queue_ino(fuse_ino_t ino)
{
	int queued = 0;

	pthread_mutex_lock(&inv.lock);
	if (inv.running && inv.ninos < 4096) {
		if (inv.ninos == inv.capinos) {
			size_t nc = inv.capinos ? inv.capinos * 2 : 16;
			fuse_ino_t *v = realloc(inv.inos, nc * sizeof(*v));

			if (v) {
				inv.inos = v;
				inv.capinos = nc;
			}
		}
		if (inv.ninos < inv.capinos) {
			inv.inos[inv.ninos++] = ino;
			queued = 1;
		}
		pthread_cond_broadcast(&inv.cond);
	}
	pthread_mutex_unlock(&inv.lock);
	return queued;
}

/* A stat of a .orgfs/ file waits until the pages the last read of it left
 * in the kernel are gone: the kernel would otherwise serve the older text
 * cut or padded to the size this stat gives.  The wait is on the
 * invalidation thread, which waits only for reads already answered; it
 * is bounded all the same, and past the bound the stat goes on. */
static void inv_wait_ino(fuse_ino_t ino)
{
	struct timespec until;
	size_t i;
	int pending = 1;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 200 * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&inv.lock);
	while (pending && inv.running) {
		pending = inv.busy == ino;
		for (i = 0; !pending && i < inv.ninos; i++)
			pending = inv.inos[i] == ino;
		if (pending &&
		    pthread_cond_timedwait(&inv.done, &inv.lock, &until))
			break;
	}
	pthread_mutex_unlock(&inv.lock);
}

/* ------------------------------------------------------------------ */
/* operations */

/* FUSE requests answered, by operation (.orgfs/status): what a benchmark
 * or a user counts without tracing the daemon.  Atomic. */
enum op {
	OP_INIT, OP_LOOKUP, OP_FORGET, OP_BATCH_FORGET, OP_GETATTR,
	OP_READLINK, OP_OPEN, OP_READ, OP_OPENDIR, OP_READDIR, OP_READDIRPLUS,
	OP_STATFS, OP_GETXATTR, OP_LISTXATTR, OP_IOCTL, OP_SETATTR, OP_MKNOD,
	OP_MKDIR, OP_UNLINK, OP_RMDIR, OP_SYMLINK, OP_RENAME, OP_LINK,
	OP_WRITE, OP_SETXATTR, OP_REMOVEXATTR, OP_CREATE, OP_FALLOCATE,
	OP_ORGFS,       /* lookups, stats and reads of the .orgfs/ files */
	OP_N
};

static const char *const op_names[OP_N] = {
	"init", "lookup", "forget", "batch_forget", "getattr",
	"readlink", "open", "read", "opendir", "readdir", "readdirplus",
	"statfs", "getxattr", "listxattr", "ioctl", "setattr", "mknod",
	"mkdir", "unlink", "rmdir", "symlink", "rename", "link",
	"write", "setxattr", "removexattr", "create", "fallocate",
	"orgfs",
};

static uint64_t op_count[OP_N];

static void count_op(enum op op)
{
	__atomic_add_fetch(&op_count[op], 1, __ATOMIC_RELAXED);
}

/* A request of op was about a file of .orgfs/ (dynamic): counted apart,
 * so that reading status does not count itself among what it reports. */
static void count_dynamic(enum op op, const struct node *n)
{
	if (!n->dynamic)
		return;
	__atomic_sub_fetch(&op_count[op], 1, __ATOMIC_RELAXED);
	count_op(OP_ORGFS);
}

int ops_render_requests(struct buf *out)
{
	uint64_t v[OP_N], total = 0;
	int i, res;

	for (i = 0; i < OP_N; i++) {
		v[i] = __atomic_load_n(&op_count[i], __ATOMIC_RELAXED);
		total += v[i];
	}
	res = buf_printf(out, "fuse_requests\t%llu\n",
			 (unsigned long long)total);
	for (i = 0; i < OP_N && !res; i++)
		res = buf_printf(out, "fuse_requests_%s\t%llu\n", op_names[i],
				 (unsigned long long)v[i]);
	return res;
}

/* Set once by init: the kernel handles opens itself when we say ENOSYS. */
static int no_open, no_opendir;

static void orgfs_init(void *userdata, struct fuse_conn_info *conn)
{
	count_op(OP_INIT);
	(void)userdata;
	no_open = !!(conn->capable & FUSE_CAP_NO_OPEN_SUPPORT);
	no_opendir = !!(conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT);
	/* explicit invalidation only: a changed mtime does not flush pages */
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	if (conn->capable & FUSE_CAP_EXPLICIT_INVAL_DATA)
		conn->want |= FUSE_CAP_EXPLICIT_INVAL_DATA;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	/* ACLs (none: ENODATA) answered once per inode and kept by the
	 * kernel, not asked of the daemon by every cp -a (orgfs_getxattr) */
	if (conn->capable & FUSE_CAP_POSIX_ACL)
		conn->want |= FUSE_CAP_POSIX_ACL;
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
}

static void orgfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct orgfs *fs = fs_of(req);
	struct fuse_entry_param e;
	struct node n;
	fuse_ino_t ino;
	char *path;
	uint64_t h, old = 0;
	int res;

	count_op(OP_LOOKUP);
	path = itab_path(parent, name);
	if (!path) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	node_init(&n);
	res = layout_peek(fs, path, &n);
	free(path);
	if (res) {
		node_free(&n);
		fuse_reply_err(req, -res);
		return;
	}
	count_dynamic(OP_LOOKUP, &n);
	h = hash_node(&n);
	res = itab_ref(parent, name, h, timeout_of(&n), &old, &ino);
	if (res) {
		node_free(&n);
		fuse_reply_err(req, -res);
		return;
	}
	inval_if_changed(fs, ino, old, h);
	if (n.type == NODE_DIR) {
		path = itab_path(ino, NULL);
		if (path)
			check_listing(fs, ino, path);
		free(path);
	}
	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.generation = 1;
	if (is_snapped(&n)) {
		inv_wait_ino(ino);
		snap_node(ino, &n, 0);
	}
	fill_stat(fs, ino, &n, &e.attr);
	e.attr_timeout = timeout_of(&n);
	e.entry_timeout = n.dynamic || n.provisional ? n.timeout : timeout_of(&n);
	node_free(&n);
	if (fuse_reply_entry(req, &e) == -ENOENT)
		itab_forget(e.ino, 1);  /* the kernel dropped the request */
}

static void orgfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	count_op(OP_FORGET);
	itab_forget(ino, nlookup);
	fuse_reply_none(req);
}

static void orgfs_forget_multi(fuse_req_t req, size_t count,
			       struct fuse_forget_data *forgets)
{
	size_t i;

	count_op(OP_BATCH_FORGET);
	for (i = 0; i < count; i++)
		itab_forget(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/* Render the node of ino (peek: layout_peek); replies with the error
 * itself on failure. */
static int get_node_how(fuse_req_t req, fuse_ino_t ino, struct node *n,
			int peek)
{
	char *path = itab_path(ino, NULL);
	int res;

	if (!path) {
		fuse_reply_err(req, ESTALE);
		return -ESTALE;
	}
	node_init(n);
	res = peek ? layout_peek(fs_of(req), path, n) :
		     layout_get(fs_of(req), path, n);
	free(path);
	if (res) {
		node_free(n);
		fuse_reply_err(req, -res);
	}
	return res;
}

static int get_node(fuse_req_t req, fuse_ino_t ino, struct node *n)
{
	return get_node_how(req, ino, n, 0);
}

/* A stat (fi NULL) does not render an org-wide table: it is shown with
 * size 0 and no attribute timeout until read.  A read past the size the
 * kernel knows asks again with the open file (fi set): then it is
 * rendered, and the read goes on with the real size. */
static void orgfs_getattr(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct stat st;
	struct node n;
	uint64_t h;

	count_op(OP_GETATTR);
	if (get_node_how(req, ino, &n, !fi))
		return;
	count_dynamic(OP_GETATTR, &n);
	if (is_snapped(&n)) {
		/* fi: the stat of an open file read to its end */
		inv_wait_ino(ino);
		snap_node(ino, &n, fi != NULL);
	}
	fill_stat(fs_of(req), ino, &n, &st);
	h = hash_node(&n);
	inval_if_changed(fs_of(req), ino, itab_set_hash(ino, h), h);
	if (n.type == NODE_DIR) {
		char *path = itab_path(ino, NULL);

		if (path)
			check_listing(fs_of(req), ino, path);
		free(path);
	}
	fuse_reply_attr(req, &st, timeout_of(&n));
	node_free(&n);
}

static void orgfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct node n;

	count_op(OP_READLINK);
	if (get_node(req, ino, &n))
		return;
	if (n.type != NODE_LINK)
		fuse_reply_err(req, EINVAL);
	else
		fuse_reply_readlink(req, node_ptr(&n));
	node_free(&n);
}

static void orgfs_open(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	count_op(OP_OPEN);
	(void)ino;
	if ((fi->flags & O_ACCMODE) != O_RDONLY ||
	    (fi->flags & (O_TRUNC | O_CREAT))) {
		fuse_reply_err(req, EROFS);
		return;
	}
	/* Zero-message opens where the kernel offers them: it then keeps
	 * the page cache, and we invalidate it when data changes.  Older
	 * kernels get an open that keeps the cache. */
	if (no_open) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void orgfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct org *org = fs_of(req)->org;
	uint64_t gen = org_generation(org);
	struct snapbuf *b = snap_take(ino);
	struct node n;
	size_t klen;
	char *kept;

	count_op(b ? OP_ORGFS : OP_READ);
	(void)fi;
	if (b) {                        /* .orgfs/: what the stat was shown */
		if ((size_t)off >= b->len)
			fuse_reply_buf(req, NULL, 0);
		else
			fuse_reply_buf(req, b->data + off,
				       b->len - (size_t)off < size ?
				       b->len - (size_t)off : size);
		snap_put(b);
		inv_queue_ino(ino);
		return;
	}
	kept = stash_take(org, ino, &klen);
	if (kept) {                     /* what READDIRPLUS just rendered */
		if ((size_t)off >= klen)
			fuse_reply_buf(req, NULL, 0);
		else
			fuse_reply_buf(req, kept + off,
				       klen - (size_t)off < size ?
				       klen - (size_t)off : size);
		free(kept);
		return;
	}
	if (get_node(req, ino, &n))
		return;
	count_dynamic(OP_READ, &n);
	if (is_snapped(&n))
		snap_keep(ino, &n);
	if (n.type != NODE_FILE) {
		fuse_reply_err(req, EISDIR);
	} else if ((size_t)off >= node_len(&n)) {
		fuse_reply_buf(req, NULL, 0);
	} else {
		size_t len = node_len(&n) - (size_t)off;

		if (len > size)
			len = size;
		/* a big rendering read to its end is not kept: counted
		 * before the reply, which may let the reader go on at once
		 * (n holds the blob until node_free) */
		view_read(n.blob, off, len);
		fuse_reply_buf(req, node_ptr(&n) + off, len);
	}
	/* the next read renders afresh: .orgfs/, and what was read from
	 * data that changed or was dropped (SIGHUP) while it was rendered,
	 * whose pages must not outlive the change */
	if (n.dynamic || org_generation(org) != gen)
		inv_queue_ino(ino);
	node_free(&n);
}

static void orgfs_opendir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	count_op(OP_OPENDIR);
	(void)ino;
	if (no_opendir) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       int plus)
{
	struct orgfs *fs = fs_of(req);
	const struct listing *l;
	const struct dlist *d;
	char *path, *buf;
	size_t pos = 0, i, first;
	uint64_t version;
	int res;

	path = itab_path(ino, NULL);
	if (!path) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	/* a read goes on on the listing it began with (layout_listing) */
	res = layout_listing(fs, path, (uint64_t)off, &l, &first);
	if (res) {
		free(path);
		fuse_reply_err(req, -res);
		return;
	}
	if (off == 0) {
		/* what the kernel now keeps: check_listing compares */
		itab_set_list(ino, 0, hash_list(&l->d));
		layout_prefetch(fs, path);
	}
	buf = malloc(size);
	if (!buf) {
		free(path);
		listing_put(l);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* positions: 1 ".", 2 "..", then 3 + index (listing_off) */
	d = &l->d;
	for (i = first; i < d->n + 2; i++) {
		struct fuse_entry_param e;
		const char *name;
		size_t need;
		struct node n;
		char *cpath = NULL;
		off_t next = (off_t)listing_off(l, i + 1);

		memset(&e, 0, sizeof(e));
		if (i < 2) {
			name = i == 0 ? "." : "..";
			e.attr.st_mode = S_IFDIR;
			e.attr.st_ino = i == 0 ? ino : FUSE_UNKNOWN_INO;
			if (plus) {
				need = fuse_add_direntry_plus(req, buf + pos,
							      size - pos, name,
							      &e, next);
			} else {
				need = fuse_add_direntry(req, buf + pos,
							 size - pos, name,
							 &e.attr, next);
			}
			if (need > size - pos)
				break;
			pos += need;
			continue;
		}
		name = d->v[i - 2].name;
		e.attr.st_mode = d->v[i - 2].type == NODE_DIR ? S_IFDIR :
				 d->v[i - 2].type == NODE_LINK ? S_IFLNK :
				 S_IFREG;
		e.attr.st_ino = FUSE_UNKNOWN_INO;
		if (!plus) {
			need = fuse_add_direntry(req, buf + pos, size - pos,
						 name, &e.attr, next);
			if (need > size - pos)
				break;
			pos += need;
			continue;
		}
		/* readdirplus: answer the lookups the walker is about to do,
		 * except under the root: its directories stand for the whole
		 * organization (hierarchy, policies, every account), and the
		 * first ls of a mount must not wait for all of that */
		node_init(&n);
		cpath = child_path(path, name);
		version = org_data_version(fs->org);
		if (cpath && strcmp(path, "/") && !layout_is_view(fs, cpath) &&
		    !layout_peek(fs, cpath, &n)) {
			fuse_ino_t cino;

			/* measure first: a reference is only taken for an
			 * entry that fits */
			need = fuse_add_direntry_plus(req, NULL, 0, name, &e,
						      next);
			if (need > size - pos) {
				node_free(&n);
				free(cpath);
				break;
			}
			uint64_t h = hash_node(&n), old = 0;

			cino = itab_kept(ino, name, h);
			if (cino) {
				/* no node id: the kernel keeps what it has */
				fill_stat(fs, cino, &n, &e.attr);
			} else if (!itab_ref(ino, name, h, timeout_of(&n),
					     &old, &cino)) {
				inval_if_changed(fs, cino, old, h);
				e.ino = cino;
				e.generation = 1;
				fill_stat(fs, cino, &n, &e.attr);
				e.attr_timeout = timeout_of(&n);
				e.entry_timeout = n.provisional ? n.timeout :
						  timeout_of(&n);
				stash_keep(fs->org, cino, version, &n);
			}
		}
		need = fuse_add_direntry_plus(req, buf + pos, size - pos, name,
					      &e, next);
		node_free(&n);
		free(cpath);
		if (need > size - pos) {
			if (e.ino)
				itab_forget(e.ino, 1);
			break;
		}
		pos += need;
	}
	fuse_reply_buf(req, buf, pos);
	free(buf);
	free(path);
	listing_put(l);
}

static void orgfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	count_op(OP_READDIR);
	(void)fi;
	do_readdir(req, ino, size, off, 0);
}

static void orgfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			      off_t off, struct fuse_file_info *fi)
{
	count_op(OP_READDIRPLUS);
	(void)fi;
	do_readdir(req, ino, size, off, 1);
}

static void orgfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	count_op(OP_STATFS);
	(void)ino;
	memset(&st, 0, sizeof(st));
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = 255;
	st.f_flag = ST_RDONLY | ST_NOSUID | ST_NODEV;
	fuse_reply_statfs(req, &st);
}

/* xattrs say how fresh a node's data is (user.orgfs.stale,
 * user.orgfs.fetched) and whether some input behind it could not be read
 * (user.orgfs.incomplete, "1": see the file's "# incomplete" line),
 * answered when asked by name and not listed.  A copy (cp -a, rsync -X,
 * tar --xattrs) asks listxattr of every file and then each name listed:
 * listing them cost a request and a rendering per name and file copied,
 * for attributes that describe the mount's data, not the copy's. */
static int xattr_node(struct orgfs *fs, const char *path, struct node *n)
{
	int res;

	/* a file: its attributes from the cache, nothing fetched or listed
	 * (layout_peek); a directory, or a node whose data is not at hand:
	 * its listing says how fresh it is */
	node_init(n);
	res = layout_peek(fs, path, n);
	if (res || (n->type != NODE_DIR && !n->provisional))
		return res;
	node_free(n);
	node_init(n);
	return layout_get_full(fs, path, n);
}

static void orgfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			   size_t size)
{
	struct node n;
	char val[32], *path;
	size_t len;
	int res, stale = !strcmp(name, "user.orgfs.stale");
	int incomplete = !strcmp(name, "user.orgfs.incomplete");

	count_op(OP_GETXATTR);
	/* names of others (ACLs, security labels, asked by ls -l) are not
	 * worth rendering anything: it would start a crawl */
	if (!stale && !incomplete && strcmp(name, "user.orgfs.fetched")) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	path = itab_path(ino, NULL);
	if (!path) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	res = xattr_node(fs_of(req), path, &n);
	free(path);
	if (res) {
		node_free(&n);
		fuse_reply_err(req, -res);
		return;
	}
	if (stale)
		snprintf(val, sizeof(val), "%d", n.stale);
	else if (incomplete)
		snprintf(val, sizeof(val), "%d", n.incomplete);
	else
		awstime_format(n.mtime, val);
	node_free(&n);
	len = strlen(val);
	if (!size)
		fuse_reply_xattr(req, len);
	else if (size < len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, val, len);
}

/* None listed (see above): ENOSYS, after which the kernel answers every
 * listxattr of the mount with EOPNOTSUPP itself (fc->no_listxattr); with
 * -o listxattr an empty list, which the kernel keeps nowhere: a copy asks
 * it 2-3 times per file, 3.3-4.9x a warm cp -a's cost (BENCHMARKS.md). */
static void orgfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	count_op(OP_LISTXATTR);
	(void)ino;
	if (fs_of(req)->no_listxattr)
		fuse_reply_err(req, ENOSYS);
	else if (!size)
		fuse_reply_xattr(req, 0);
	else
		fuse_reply_buf(req, NULL, 0);
}

/* No ioctl is known: what libfuse answers without one, counted. */
static void orgfs_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd,
			void *arg, struct fuse_file_info *fi, unsigned flags,
			const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	count_op(OP_IOCTL);
	(void)ino; (void)cmd; (void)arg; (void)fi; (void)flags; (void)in_buf;
	(void)in_bufsz; (void)out_bufsz;
	fuse_reply_err(req, ENOSYS);
}

/* Everything that would change the tree: EROFS. */
static void orgfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			  int to_set, struct fuse_file_info *fi)
{
	count_op(OP_SETATTR);
	(void)ino; (void)attr; (void)to_set; (void)fi;
	fuse_reply_err(req, EROFS);
}

static void orgfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
			mode_t mode, dev_t rdev)
{
	count_op(OP_MKNOD);
	(void)parent; (void)name; (void)mode; (void)rdev;
	fuse_reply_err(req, EROFS);
}

static void orgfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
			mode_t mode)
{
	count_op(OP_MKDIR);
	(void)parent; (void)name; (void)mode;
	fuse_reply_err(req, EROFS);
}

static void orgfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	count_op(OP_UNLINK);
	(void)parent; (void)name;
	fuse_reply_err(req, EROFS);
}

static void orgfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	count_op(OP_RMDIR);
	(void)parent; (void)name;
	fuse_reply_err(req, EROFS);
}

static void orgfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
			  const char *name)
{
	count_op(OP_SYMLINK);
	(void)link; (void)parent; (void)name;
	fuse_reply_err(req, EROFS);
}

static void orgfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
			 fuse_ino_t newparent, const char *newname,
			 unsigned int flags)
{
	count_op(OP_RENAME);
	(void)parent; (void)name; (void)newparent; (void)newname; (void)flags;
	fuse_reply_err(req, EROFS);
}

static void orgfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		       const char *newname)
{
	count_op(OP_LINK);
	(void)ino; (void)newparent; (void)newname;
	fuse_reply_err(req, EROFS);
}

static void orgfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			size_t size, off_t off, struct fuse_file_info *fi)
{
	count_op(OP_WRITE);
	(void)ino; (void)buf; (void)size; (void)off; (void)fi;
	fuse_reply_err(req, EROFS);
}

static void orgfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			   const char *value, size_t size, int flags)
{
	count_op(OP_SETXATTR);
	(void)ino; (void)name; (void)value; (void)size; (void)flags;
	fuse_reply_err(req, EROFS);
}

static void orgfs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	count_op(OP_REMOVEXATTR);
	(void)ino; (void)name;
	fuse_reply_err(req, EROFS);
}

static void orgfs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
			 mode_t mode, struct fuse_file_info *fi)
{
	count_op(OP_CREATE);
	(void)parent; (void)name; (void)mode; (void)fi;
	fuse_reply_err(req, EROFS);
}

static void orgfs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			    off_t offset, off_t length,
			    struct fuse_file_info *fi)
{
	count_op(OP_FALLOCATE);
	(void)ino; (void)mode; (void)offset; (void)length; (void)fi;
	fuse_reply_err(req, EROFS);
}

const struct fuse_lowlevel_ops orgfs_ops = {
	.init = orgfs_init,
	.lookup = orgfs_lookup,
	.forget = orgfs_forget,
	.forget_multi = orgfs_forget_multi,
	.getattr = orgfs_getattr,
	.readlink = orgfs_readlink,
	.open = orgfs_open,
	.read = orgfs_read,
	.opendir = orgfs_opendir,
	.readdir = orgfs_readdir,
	.readdirplus = orgfs_readdirplus,
	.statfs = orgfs_statfs,
	.getxattr = orgfs_getxattr,
	.listxattr = orgfs_listxattr,
	.ioctl = orgfs_ioctl,
	.setattr = orgfs_setattr,
	.mknod = orgfs_mknod,
	.mkdir = orgfs_mkdir,
	.unlink = orgfs_unlink,
	.rmdir = orgfs_rmdir,
	.symlink = orgfs_symlink,
	.rename = orgfs_rename,
	.link = orgfs_link,
	.write = orgfs_write,
	.setxattr = orgfs_setxattr,
	.removexattr = orgfs_removexattr,
	.create = orgfs_create,
	.fallocate = orgfs_fallocate,
};

/* ------------------------------------------------------------------ */
/* invalidation */

struct snap {
	fuse_ino_t ino;
	fuse_ino_t parent;
	uint64_t hash;
};

/* Re-render every node the kernel holds; tell it about those that
 * changed or are gone.  Runs on the invalidation thread, no lock held
 * while rendering (which may fetch).  The paths are rebuilt one at a
 * time rather than all copied at once: a copy of every path the kernel
 * holds is what the inode table no longer keeps. */
static void sweep(struct orgfs *fs)
{
	struct snap *v;
	size_t n = 0, i, b;

	pthread_mutex_lock(&itab.lock);
	v = calloc(itab.count + 1, sizeof(*v));
	if (v)
		v[n++].ino = FUSE_ROOT_ID;      /* its listing only */
	for (b = 0; v && b < itab.nbuckets; b++) {
		struct inode *in;

		for (in = itab.by_ino[b]; in; in = in->next_ino) {
			if (!in->nlookup)
				continue;       /* kept for its children only */
			v[n].ino = in->ino;
			v[n].parent = in->parent->ino;
			v[n].hash = in->content_hash;
			n++;
		}
	}
	pthread_mutex_unlock(&itab.lock);
	if (!v)
		return;
	for (i = 0; i < n; i++) {
		struct node nd;
		char *path = itab_path(v[i].ino, NULL);
		int res;

		if (!path)
			continue;       /* forgotten since */
		if (v[i].ino == FUSE_ROOT_ID) {
			check_listing(fs, v[i].ino, path);
			free(path);
			continue;
		}
		node_init(&nd);
		/* nothing is fetched or rendered again here (a crawl per
		 * change of the data): what is not at hand comes back
		 * provisional, the kernel drops what it holds of it, and
		 * its next reader asks */
		res = layout_peek(fs, path, &nd);
		if (res == -ENOENT) {
			const char *name = strrchr(path, '/') + 1;

			__atomic_add_fetch(&fs->entries_invalidated, 1,
					   __ATOMIC_RELAXED);
			fuse_lowlevel_notify_inval_entry(fs->se, v[i].parent,
							 name, strlen(name));
		} else if (!res && hash_node(&nd) != v[i].hash) {
			inval_inode(fs, v[i].ino);
			itab_set_hash(v[i].ino, hash_node(&nd));
		}
		if (!res && nd.type == NODE_DIR)
			check_listing(fs, v[i].ino, path);
		node_free(&nd);
		free(path);
	}
	free(v);
}

/* SIGHUP: the kernel forgets every page, attribute and listing it holds
 * of us, so that nothing read after it comes from data fetched before. */
static void drop_all(struct orgfs *fs)
{
	fuse_ino_t *v;
	size_t n = 0, b, i;

	pthread_mutex_lock(&itab.lock);
	v = calloc(itab.count + 1, sizeof(*v));
	if (v)
		v[n++] = FUSE_ROOT_ID;
	itab.root->list_hash = 0;
	for (b = 0; b < itab.nbuckets; b++) {
		struct inode *in;

		for (in = itab.by_ino[b]; in; in = in->next_ino) {
			in->content_hash = 0;
			in->list_hash = 0;
			if (v && in->nlookup)
				v[n++] = in->ino;
		}
	}
	pthread_mutex_unlock(&itab.lock);
	for (i = 0; i < n; i++)
		inval_inode(fs, v[i]);
	free(v);
	olog_debug("SIGHUP: the kernel told to forget %zu nodes", n);
	__atomic_add_fetch(&fs->drops, 1, __ATOMIC_RELEASE);
}

static void *inv_main(void *arg)
{
	struct orgfs *fs = arg;

	pthread_mutex_lock(&inv.lock);
	while (!inv.stop) {
		if (inv.ninos) {
			fuse_ino_t ino = inv.inos[--inv.ninos];

			inv.busy = ino;
			pthread_mutex_unlock(&inv.lock);
			/* waits for a read of it in flight to be answered */
			inval_inode(fs, ino);
			pthread_mutex_lock(&inv.lock);
			inv.busy = 0;
			pthread_cond_broadcast(&inv.done);
			continue;
		}
		pthread_cond_wait(&inv.cond, &inv.lock);
	}
	pthread_mutex_unlock(&inv.lock);
	return NULL;
}

static void *inv_sweeper(void *arg)
{
	struct orgfs *fs = arg;

	pthread_mutex_lock(&inv.lock);
	while (!inv.stop) {
		if (inv.drop) {
			/* supersedes a sweep: nothing is left to compare */
			inv.drop = inv.sweep = 0;
			pthread_mutex_unlock(&inv.lock);
			drop_all(fs);
			pthread_mutex_lock(&inv.lock);
			continue;
		}
		if (inv.sweep) {
			inv.sweep = 0;
			pthread_mutex_unlock(&inv.lock);
			sweep(fs);
			pthread_mutex_lock(&inv.lock);
			continue;
		}
		pthread_cond_wait(&inv.cond, &inv.lock);
	}
	pthread_mutex_unlock(&inv.lock);
	return NULL;
}

void ops_data_changed(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&inv.lock);
	inv.sweep = 1;
	pthread_cond_broadcast(&inv.cond);
	pthread_mutex_unlock(&inv.lock);
}

void ops_dropped(struct orgfs *fs)
{
	(void)fs;
	snap_drop_all();                /* no .orgfs/ text from before it */
	stash_drop_all();
	pthread_mutex_lock(&inv.lock);
	inv.drop = 1;
	pthread_cond_broadcast(&inv.cond);
	pthread_mutex_unlock(&inv.lock);
}

int ops_start(struct orgfs *fs)
{
	int res = itab_init(fs);

	if (res)
		return res;
	inv.fs = fs;
	inv.stop = 0;
	res = pthread_create(&inv.thread, NULL, inv_main, fs);
	if (res)
		return -res;
	res = pthread_create(&inv.sweeper, NULL, inv_sweeper, fs);
	if (res) {
		pthread_mutex_lock(&inv.lock);
		inv.stop = 1;
		pthread_cond_broadcast(&inv.cond);
		pthread_mutex_unlock(&inv.lock);
		pthread_join(inv.thread, NULL);
		return -res;
	}
	pthread_mutex_lock(&inv.lock);
	inv.running = 1;
	pthread_mutex_unlock(&inv.lock);
	return 0;
}

void ops_stop(struct orgfs *fs)
{
	(void)fs;
	pthread_mutex_lock(&inv.lock);
	if (!inv.running) {
		pthread_mutex_unlock(&inv.lock);
		snap_drop_all();
		itab_free();
		return;
	}
	inv.stop = 1;
	inv.running = 0;
	pthread_cond_broadcast(&inv.cond);
	pthread_mutex_unlock(&inv.lock);
	pthread_join(inv.thread, NULL);
	pthread_join(inv.sweeper, NULL);
	free(inv.inos);
	inv.inos = NULL;
	inv.ninos = inv.capinos = 0;
	snap_drop_all();
	stash_drop_all();
	itab_free();
}
