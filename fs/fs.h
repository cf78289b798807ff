/* fs.h - what the FUSE layer's files share */
#ifndef ORGFS_FS_H
#define ORGFS_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "org.h"
#include "owner.h"
#include "rules.h"

struct fuse_session;
struct layout_table;
struct resindex;

/* Everything a mounted orgfs knows; one per process. */
struct orgfs {
	struct org *org;
	struct fuse_session *se;
	uint64_t ttl_ms[ORG_NKINDS];
	double kernel_timeout;          /* cap on entry/attr timeouts, seconds;
					   < 0: none (the TTL) */
	time_t mount_time;
	uid_t uid;                      /* owner of every node (-o uid) */
	gid_t gid;                      /* and group (-o gid) */
	mode_t dir_perm;                /* 0555 less -o umask / dmask */
	mode_t file_perm;               /* 0444 less -o umask / fmask */
	char *source_desc;              /* one line: where the data comes from */
	char *identity;                 /* caller ARN, or "demo" */
	struct buf config_text;         /* .orgfs/config: effective settings */
	struct owner_config owners;     /* owner tag keys */
	struct owner_list *known_owners;        /* -o owners_file, or NULL */
	struct rules *rules;            /* -o rules, or NULL */
	struct owner_groups *owner_groups;      /* -o owner_groups, or NULL:
						   the group named like the
						   owner */
	int resources;                  /* the resource tree is on */
	int aggregated;                 /* resources come from an aggregator */
	int lazy_sizes;                 /* -o lazy_sizes: a stat does not
					   render an org-wide table */
	int no_listxattr;               /* without -o listxattr: listxattr
					   is ENOSYS (the kernel stops
					   asking) */
	size_t cache_max;               /* -o cache_max, bytes */
	char **regions;                 /* regions listed for resources */
	size_t nregions;
	int regions_all;                /* -o regions=all: each account's
					   enabled regions (ORG_REGIONS);
					   regions is then empty */
	const struct layout_table *layout;      /* the tree (fs/tree.c),
						   handed over at mount */
	struct resindex *index;         /* the org-wide resource snapshot
					   (lib/resindex.h), after the org */
	uint64_t listings_dropped;      /* directory listings the kernel was
					   told to drop (ops.c); atomic */
	uint64_t inodes_invalidated;    /* notify_inval_inode sent (ops.c),
					   listings_dropped among them;
					   atomic */
	uint64_t entries_invalidated;   /* notify_inval_entry sent; atomic */
	uint64_t drops;                 /* SIGHUPs done: the cache dropped and
					   the kernel told to forget; atomic */
	size_t inodes;                  /* entries of ops.c's inode table,
					   for .orgfs/status; atomic */
};

enum node_type {
	NODE_DIR,
	NODE_FILE,
	NODE_LINK,
};

/* Rendered content shared by readers (big org-wide views), immutable. */
struct blob {
	int refs;                       /* atomic */
	uint64_t hash;
	size_t len;
	char *data;                     /* NUL-terminated, owned */
	uint64_t *seen;                 /* a bit for each page READ replies
					   took from it (views.c: view_read),
					   atomic; NULL: not counted */
	size_t pages_seen;              /* bits set in seen, atomic */
};

/* What a path is: its type, its content (file) or target (link). */
struct node {
	enum node_type type;
	struct buf data;                /* the content, unless blob is set */
	struct blob *blob;              /* shared content (a reference) */
	time_t mtime;                   /* when the data was fetched */
	int stale;                      /* some data behind it failed to refresh */
	int incomplete;                 /* some input behind it could not be
					   read (user.orgfs.incomplete) */
	int dynamic;                    /* changes on every read (.orgfs/) */
	int provisional;                /* attributes not final, not to be
					   kept by the kernel (layout_peek):
					   an org-wide table not rendered
					   (size 0), a directory whose data
					   is not cached (mtime unknown) */
	double timeout;                 /* kernel entry/attr timeout, seconds */
	int failed;                     /* errno: the data behind it could not
					   be had; attributes only (layout_peek),
					   the read fails with it */
};

struct dent {
	char *name;                     /* escaped file name */
	enum node_type type;
};

struct dlist {
	struct dent *v;
	size_t n;
	size_t cap;
};

/* layout.c: the engine of the tree (fs->layout).  path is absolute, made
 * of escaped names.
 * @return 0, -ENOENT, -ENOTDIR, or the errno of the data behind it */
int layout_get(struct orgfs *fs, const char *path, struct node *out);
int layout_list(struct orgfs *fs, const char *path, struct dlist *out);
/* layout_list from what is at hand only, nothing fetched: -EAGAIN when
 * that is not enough (an org-wide listing not kept at the current data
 * version, data not cached or past max_stale).  Data at hand but past
 * its TTL is listed, and its refresh scheduled. */
int layout_list_peek(struct orgfs *fs, const char *path, struct dlist *out);
/* layout_get, except that a directory's listing is not fetched for its
 * mtime, nor with -o lazy_sizes an org-wide table (resources.tsv, ...)
 * rendered for its size: without them at hand the node comes back
 * provisional.  A name its directory lists is answered even when the
 * data behind it fails: provisional, with failed set (struct node). */
int layout_peek(struct orgfs *fs, const char *path, struct node *out);
/* layout_get, and for an org-wide view directory its listing too, so
 * that mtime and the stale mark are those of the data behind it. */
int layout_get_full(struct orgfs *fs, const char *path, struct node *out);
/* A directory's listing as one read of it sees it (sorted, each name
 * once).  Offset 0 starts a read: the directory listed now (its data
 * asked for as any listing asks).  An offset listing_off handed out
 * continues the read it came from on the same listing, whatever changed
 * since: nothing is lost or seen twice.  A large listing also answers
 * the lookups of the same data version (layout_listed).
 * *pos: the position off stands for.  Release with listing_put.
 * @return 0 or the errno of layout_list */
struct listing {
	struct dlist d;
	char *path;
	uint32_t id;                    /* 0: not kept */
	uint64_t version;               /* org_data_version it was built at */
	uint64_t expires;               /* org clock, ms: not shared since */
	uint64_t used;                  /* LRU tick */
	uint64_t phash;                 /* of path */
	int peeked;                     /* listed for a stat (layout_peek) */
	int refs;
};
int layout_listing(struct orgfs *fs, const char *path, uint64_t off,
		   const struct listing **out, size_t *pos);
/* The offset of position pos in l, for the next request to continue. */
uint64_t listing_off(const struct listing *l, size_t pos);
void listing_put(const struct listing *l);
/* Read-ahead for a directory just listed, as its row says (layout.h);
 * a read-ahead of each child waits for the first access below one. */
void layout_prefetch(struct orgfs *fs, const char *path);
/* The same, each child's at once (--prefetch). */
void layout_prefetch_now(struct orgfs *fs, const char *path);
/* Org-wide views, whose attributes take a crawl: readdirplus leaves
 * them to a later lookup. */
int layout_is_view(struct orgfs *fs, const char *path);
/* serve.c: nodes and listings */
void node_init(struct node *n);
void node_free(struct node *n);
const char *node_ptr(const struct node *n);
size_t node_len(const struct node *n);
void dlist_free(struct dlist *d);

/* tree.c: the one table of paths, for struct orgfs layout */
extern const struct layout_table tree_layout;

/* ops.c: the FUSE low-level operations */
extern const struct fuse_lowlevel_ops orgfs_ops;
/* Start/stop the thread that tells the kernel what changed. */
int ops_start(struct orgfs *fs);
void ops_stop(struct orgfs *fs);
/* Data changed: revalidate what the kernel holds (contents, attributes,
 * directory listings), and tell it what changed. */
void ops_data_changed(void *arg);
/* The cache was dropped (SIGHUP): tell the kernel to forget every page,
 * attribute and listing it holds, then count it in fs->drops.  Returns
 * at once; the invalidation thread does it. */
void ops_dropped(struct orgfs *fs);
/* .orgfs/status: the FUSE requests answered so far, in total and by
 * operation ("fuse_requests_lookup\tN" lines). */
int ops_render_requests(struct buf *out);

#endif
