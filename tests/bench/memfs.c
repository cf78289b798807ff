/* memfs.c - the ideal competitor of orgfs: a read-only in-memory FUSE file
 * system with orgfs's kernel-cache configuration (issue 17, points 3 and 4)
 *
 *   memfs [-o OPT,...] SOURCE MOUNTPOINT
 *
 * At start it loads the tree under SOURCE (regular files with their
 * content, directories, symlinks; modes, owners, times as lstat gives
 * them) into memory and precomputes every answer: each node's struct
 * stat, each directory's whole READDIRPLUS (and READDIR) reply with the
 * offset of every entry.  Serving is then a binary search (lookup), a
 * copy of a stat (getattr) or one slice of a buffer (read, readdir): the
 * least daemon CPU a FUSE file system can spend on these requests.  What
 * the kernel caches is configured as orgfs configures it (fs/ops.c,
 * fs/main.c; each place named below), each switchable off by an option,
 * so that tests/bench/fuse_floor.py measures what any FUSE file system
 * can do here against tmpfs and orgfs.
 *
 * Options (besides libfuse's: -f, -s, -d, -o max_threads=N, clone_fd):
 *   timeout=S          entry and attribute timeout (default 3600: the
 *                      benchmarks' -o ttl=3600)
 *   stats=FILE         requests by opcode written to FILE (atomically, by
 *                      rename) on SIGUSR1 and at unmount
 *   open               answer open/opendir instead of ENOSYS
 *   nokeep_cache       open without FOPEN_KEEP_CACHE (with `open`)
 *   nocache_dir        opendir without FOPEN_CACHE_DIR (with `open`)
 *   noplus             no READDIRPLUS (plain READDIR and LOOKUPs)
 *   plus_auto          FUSE_CAP_READDIRPLUS_AUTO (the kernel chooses)
 *   nokept             READDIRPLUS gives a node id for every entry, also
 *                      those the kernel holds
 *   noacl              no FUSE_CAP_POSIX_ACL
 *   getxattr_enosys    getxattr answers ENOSYS (the kernel stops asking)
 *   listxattr          listxattr answers an empty list, not ENOSYS
 *   nocache_symlinks   no FUSE_CAP_CACHE_SYMLINKS
 *   auto_inval         keep libfuse's FUSE_CAP_AUTO_INVAL_DATA
 *   splice             want FUSE_CAP_SPLICE_WRITE|MOVE|READ
 *   max_background=N, congestion_threshold=N, max_write=N, max_readahead=N
 *                      what init tells the kernel (default: libfuse's)
 *   single             the single-threaded loop (as -s)
 *   nodefault_permissions, rw_mount, atime
 *                      leave out default_permissions, ro, noatime
 *
 * Not installed: built with the tests (tests/bench/meson.build).
 */
#define FUSE_USE_VERSION 314

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fuse_lowlevel.h>
#include <fuse_opt.h>

/* st_ino of ".." (fs/ops.c: FUSE_UNKNOWN_INO) */
#define UNKNOWN_INO 0xffffffffu

struct mnode {
	struct stat st;         /* what getattr and lookup answer */
	char *data;             /* file content; link target (NUL ended) */
	const char *name;
	uint32_t parent;        /* index */
	uint32_t first, n;      /* directories: children nodes[first..+n),
				   sorted by name */
	char *plus;             /* directories: the READDIRPLUS reply */
	uint32_t *poff;         /* byte offset of entry i in plus, n + 3 */
	char *plain;            /* the READDIR reply */
	uint32_t *loff;         /* the same for plain */
	uint64_t nlookup;       /* the kernel's lookup count (atomic) */
};

/* node index i is inode i + 1: the root is FUSE_ROOT_ID */
static struct mnode *nodes;
static size_t nnodes, capnodes;

static struct {
	double timeout;
	char *stats;
	int open, nokeep_cache, nocache_dir, noplus, plus_auto, nokept, noacl;
	int getxattr_enosys, listxattr, nocache_symlinks, auto_inval, splice;
	unsigned max_background, congestion_threshold, max_write;
	unsigned max_readahead;
	int nodefault_permissions, rw_mount, atime, single;
} cfg = { .timeout = 3600.0 };

#define OPT(t, f) { t, offsetof(typeof(cfg), f), 1 }
static const struct fuse_opt memfs_opts[] = {
	{ "timeout=%lf", offsetof(typeof(cfg), timeout), 0 },
	{ "stats=%s", offsetof(typeof(cfg), stats), 0 },
	OPT("open", open), OPT("nokeep_cache", nokeep_cache),
	OPT("nocache_dir", nocache_dir), OPT("noplus", noplus),
	OPT("plus_auto", plus_auto), OPT("nokept", nokept),
	OPT("noacl", noacl), OPT("getxattr_enosys", getxattr_enosys),
	OPT("listxattr", listxattr), OPT("nocache_symlinks", nocache_symlinks),
	OPT("auto_inval", auto_inval), OPT("splice", splice),
	{ "max_background=%u", offsetof(typeof(cfg), max_background), 0 },
	{ "congestion_threshold=%u",
	  offsetof(typeof(cfg), congestion_threshold), 0 },
	{ "max_write=%u", offsetof(typeof(cfg), max_write), 0 },
	{ "max_readahead=%u", offsetof(typeof(cfg), max_readahead), 0 },
	OPT("nodefault_permissions", nodefault_permissions),
	OPT("rw_mount", rw_mount), OPT("atime", atime),
	OPT("single", single),
	FUSE_OPT_END
};

/* ------------------------------------------------------------------ */
/* requests by opcode (orgfs: fs/ops.c count_op, .orgfs/status) */

enum op {
	OP_INIT, OP_LOOKUP, OP_FORGET, OP_BATCH_FORGET, OP_GETATTR,
	OP_READLINK, OP_OPEN, OP_READ, OP_OPENDIR, OP_READDIR, OP_READDIRPLUS,
	OP_STATFS, OP_GETXATTR, OP_LISTXATTR, OP_N
};

static const char *const op_names[OP_N] = {
	"init", "lookup", "forget", "batch_forget", "getattr", "readlink",
	"open", "read", "opendir", "readdir", "readdirplus", "statfs",
	"getxattr", "listxattr",
};

static uint64_t op_count[OP_N];

static void count_op(enum op op)
{
	__atomic_add_fetch(&op_count[op], 1, __ATOMIC_RELAXED);
}

/* "fuse_requests_<op>\tN" lines, as orgfs's .orgfs/status has them,
 * into cfg.stats (written beside, then renamed: a reader sees it whole) */
static void write_stats(void)
{
	char tmp[PATH_MAX];
	uint64_t total = 0;
	FILE *f;
	int i;

	if (!cfg.stats)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", cfg.stats);
	f = fopen(tmp, "w");
	if (!f)
		return;
	for (i = 0; i < OP_N; i++)
		total += __atomic_load_n(&op_count[i], __ATOMIC_RELAXED);
	fprintf(f, "fuse_requests\t%llu\n", (unsigned long long)total);
	for (i = 0; i < OP_N; i++)
		fprintf(f, "fuse_requests_%s\t%llu\n", op_names[i],
			(unsigned long long)__atomic_load_n(&op_count[i],
							    __ATOMIC_RELAXED));
	if (fclose(f) == 0)
		rename(tmp, cfg.stats);
}

/* SIGUSR1 (blocked in every other thread): the counts written */
static void *stats_thread(void *arg)
{
	sigset_t *set = arg;
	int sig;

	for (;;)
		if (sigwait(set, &sig) == 0)
			write_stats();
	return NULL;
}

/* ------------------------------------------------------------------ */
/* loading */

static uint32_t add_node(const char *name, uint32_t parent)
{
	if (nnodes == capnodes) {
		size_t ncap = capnodes ? capnodes * 2 : 1024;
		struct mnode *v = realloc(nodes, ncap * sizeof(*v));

		if (!v) {
			perror("memfs");
			exit(1);
		}
		nodes = v;
		capnodes = ncap;
	}
	memset(&nodes[nnodes], 0, sizeof(nodes[0]));
	nodes[nnodes].name = name;
	nodes[nnodes].parent = parent;
	if (nnodes >= UINT32_MAX - 1) {
		fprintf(stderr, "memfs: too many nodes\n");
		exit(1);
	}
	return (uint32_t)nnodes++;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_file(int dfd, struct mnode *m)
{
	size_t got = 0;
	int fd;

	m->data = malloc((size_t)m->st.st_size + 1);
	if (!m->data)
		return -1;
	fd = openat(dfd, m->name, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	while (got < (size_t)m->st.st_size) {
		ssize_t r = read(fd, m->data + got,
				 (size_t)m->st.st_size - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	m->st.st_size = (off_t)got;     /* what was there */
	return 0;
}

/* The directory fd (node di, lstat'ed already) and all below it. */
static int load_dir(int fd, uint32_t di)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	uint32_t first;
	int res = 0;

	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **v;

			cap = cap ? cap * 2 : 16;
			v = realloc(names, cap * sizeof(*v));
			if (!v)
				goto fail;
			names = v;
		}
		if (!(names[n] = strdup(de->d_name)))
			goto fail;
		n++;
	}
	qsort(names, n, sizeof(*names), by_name);
	first = (uint32_t)nnodes;
	for (i = 0; i < n; i++) {
		uint32_t c = add_node(names[i], di);
		struct mnode *m = &nodes[c];

		if (fstatat(fd, m->name, &m->st, AT_SYMLINK_NOFOLLOW))
			goto fail;
		m->st.st_ino = c + 1;
		if (S_ISREG(m->st.st_mode)) {
			if (load_file(fd, m))
				goto fail;
		} else if (S_ISLNK(m->st.st_mode)) {
			char buf[PATH_MAX];
			ssize_t len = readlinkat(fd, m->name, buf,
						 sizeof(buf) - 1);

			if (len < 0)
				goto fail;
			buf[len] = '\0';
			if (!(m->data = strdup(buf)))
				goto fail;
			m->st.st_size = len;
		}
	}
	nodes[di].first = first;
	nodes[di].n = (uint32_t)n;
	for (i = 0; i < n && !res; i++) {
		uint32_t c = first + (uint32_t)i;
		int cfd;

		if (!S_ISDIR(nodes[c].st.st_mode))
			continue;
		cfd = openat(fd, nodes[c].name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		res = cfd < 0 ? -1 : load_dir(cfd, c);
	}
	free(names);            /* the strings stay: the nodes' names */
	closedir(d);
	return res;
fail:
	free(names);
	closedir(d);
	return -1;
}

/* Each directory's replies, whole: ".", "..", then the children, entry
 * i with the offset i + 1 (the next one), as fs/ops.c do_readdir gives
 * them (positions, "." and ".." without a node id). */
static int precompute_dir(uint32_t di)
{
	struct mnode *d = &nodes[di];
	size_t nent = (size_t)d->n + 2, i, plen = 0, llen = 0;

	d->poff = malloc((nent + 1) * sizeof(*d->poff));
	d->loff = malloc((nent + 1) * sizeof(*d->loff));
	if (!d->poff || !d->loff)
		return -1;
	for (i = 0; i < nent; i++) {
		const char *name = i == 0 ? "." : i == 1 ? ".." :
				   nodes[d->first + i - 2].name;

		d->poff[i] = (uint32_t)plen;
		d->loff[i] = (uint32_t)llen;
		plen += fuse_add_direntry_plus(NULL, NULL, 0, name, NULL, 0);
		llen += fuse_add_direntry(NULL, NULL, 0, name, NULL, 0);
	}
	d->poff[nent] = (uint32_t)plen;
	d->loff[nent] = (uint32_t)llen;
	d->plus = malloc(plen);
	d->plain = malloc(llen);
	if (!d->plus || !d->plain)
		return -1;
	for (i = 0; i < nent; i++) {
		struct fuse_entry_param e;
		const char *name;

		memset(&e, 0, sizeof(e));
		if (i < 2) {
			name = i == 0 ? "." : "..";
			e.attr.st_mode = S_IFDIR;
			e.attr.st_ino = i == 0 ? di + 1 : UNKNOWN_INO;
		} else {
			const struct mnode *c = &nodes[d->first + i - 2];

			name = c->name;
			e.ino = c->st.st_ino;
			e.generation = 1;
			e.attr = c->st;
			e.attr_timeout = cfg.timeout;
			e.entry_timeout = cfg.timeout;
		}
		fuse_add_direntry_plus(NULL, d->plus + d->poff[i],
				       d->poff[i + 1] - d->poff[i], name, &e,
				       (off_t)(i + 1));
		fuse_add_direntry(NULL, d->plain + d->loff[i],
				  d->loff[i + 1] - d->loff[i], name, &e.attr,
				  (off_t)(i + 1));
	}
	return 0;
}

static int load(const char *src)
{
	uint32_t root;
	size_t i;
	int fd;

	root = add_node("", 0);
	fd = open(src, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fstat(fd, &nodes[root].st)) {
		perror(src);
		return -1;
	}
	nodes[root].st.st_ino = FUSE_ROOT_ID;
	if (load_dir(fd, root)) {
		perror(src);
		return -1;
	}
	for (i = 0; i < nnodes; i++)
		if (S_ISDIR(nodes[i].st.st_mode) && precompute_dir((uint32_t)i)) {
			perror("memfs");
			return -1;
		}
	return 0;
}

/* ------------------------------------------------------------------ */
/* serving */

static struct mnode *node_of(fuse_ino_t ino)
{
	return ino >= 1 && ino <= nnodes ? &nodes[ino - 1] : NULL;
}

/* The directory ino, or NULL when it is none (answered ENOTDIR) */
static struct mnode *dir_of(fuse_req_t req, fuse_ino_t ino)
{
	struct mnode *d = node_of(ino);

	if (d && S_ISDIR(d->st.st_mode))
		return d;
	fuse_reply_err(req, ENOTDIR);
	return NULL;
}

/* Set once by init (fs/ops.c orgfs_init: no_open, no_opendir). */
static int no_open, no_opendir;

static void memfs_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	count_op(OP_INIT);
	/* fs/ops.c orgfs_init: ENOSYS opens where the kernel offers them */
	no_open = !cfg.open && (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT);
	no_opendir = !cfg.open &&
		     (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT);
	/* fs/ops.c orgfs_init: explicit invalidation only */
	if (!cfg.auto_inval) {
		conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
		if (conn->capable & FUSE_CAP_EXPLICIT_INVAL_DATA)
			conn->want |= FUSE_CAP_EXPLICIT_INVAL_DATA;
	}
	/* fs/ops.c orgfs_init: symlinks cached */
	if (!cfg.nocache_symlinks && (conn->capable & FUSE_CAP_CACHE_SYMLINKS))
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	/* fs/ops.c orgfs_init: READDIRPLUS always, never "auto" */
	if (!cfg.noplus && (conn->capable & FUSE_CAP_READDIRPLUS))
		conn->want |= FUSE_CAP_READDIRPLUS;
	if (cfg.noplus)
		conn->want &= ~FUSE_CAP_READDIRPLUS;
	/* fs/ops.c orgfs_init: POSIX ACLs (none) answered once per inode */
	if (!cfg.noacl && (conn->capable & FUSE_CAP_POSIX_ACL))
		conn->want |= FUSE_CAP_POSIX_ACL;
	if (cfg.plus_auto && !cfg.noplus &&
	    (conn->capable & FUSE_CAP_READDIRPLUS_AUTO))
		conn->want |= FUSE_CAP_READDIRPLUS_AUTO;
	else
		conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	/* orgfs sets none of these: libfuse 3.14's defaults (max_write and
	 * max_pages from its 1 MiB buffer, the kernel's max_readahead,
	 * max_background 12, no splice: orgfs has no write_buf) */
	if (cfg.splice)
		conn->want |= conn->capable & (FUSE_CAP_SPLICE_WRITE |
					       FUSE_CAP_SPLICE_MOVE |
					       FUSE_CAP_SPLICE_READ);
	if (cfg.max_background)
		conn->max_background = cfg.max_background;
	if (cfg.congestion_threshold)
		conn->congestion_threshold = cfg.congestion_threshold;
	if (cfg.max_write)
		conn->max_write = cfg.max_write;
	if (cfg.max_readahead)
		conn->max_readahead = cfg.max_readahead;
}

static void memfs_destroy(void *userdata)
{
	(void)userdata;
	write_stats();
}

/* A node id given to the kernel: its lookup count (for nokept). */
static void given(struct mnode *m)
{
	if (!cfg.nokept)
		__atomic_add_fetch(&m->nlookup, 1, __ATOMIC_RELAXED);
}

static void memfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct mnode *d = dir_of(req, parent), *c;
	struct fuse_entry_param e;
	size_t lo = 0, hi;

	count_op(OP_LOOKUP);
	if (!d)
		return;
	hi = d->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(name, nodes[d->first + mid].name);

		if (!cmp) {
			c = &nodes[d->first + mid];
			memset(&e, 0, sizeof(e));
			e.ino = c->st.st_ino;
			e.generation = 1;
			e.attr = c->st;
			/* fs/ops.c orgfs_lookup: the TTL of the data */
			e.attr_timeout = cfg.timeout;
			e.entry_timeout = cfg.timeout;
			given(c);
			fuse_reply_entry(req, &e);
			return;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	fuse_reply_err(req, ENOENT);
}

static void memfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct mnode *m = node_of(ino);

	count_op(OP_FORGET);
	if (m)
		__atomic_sub_fetch(&m->nlookup, nlookup, __ATOMIC_RELAXED);
	fuse_reply_none(req);
}

static void memfs_forget_multi(fuse_req_t req, size_t count,
			       struct fuse_forget_data *forgets)
{
	size_t i;

	count_op(OP_BATCH_FORGET);
	for (i = 0; i < count; i++) {
		struct mnode *m = node_of(forgets[i].ino);

		if (m)
			__atomic_sub_fetch(&m->nlookup, forgets[i].nlookup,
					   __ATOMIC_RELAXED);
	}
	fuse_reply_none(req);
}

static void memfs_getattr(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct mnode *m = node_of(ino);

	(void)fi;
	count_op(OP_GETATTR);
	if (!m)
		fuse_reply_err(req, ESTALE);
	else
		fuse_reply_attr(req, &m->st, cfg.timeout);
}

static void memfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct mnode *m = node_of(ino);

	count_op(OP_READLINK);
	if (!m || !S_ISLNK(m->st.st_mode))
		fuse_reply_err(req, EINVAL);
	else
		fuse_reply_readlink(req, m->data);
}

static void memfs_open(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	count_op(OP_OPEN);
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EROFS);
		return;
	}
	/* fs/ops.c orgfs_open: zero-message opens, else keep_cache */
	if (no_open) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi->keep_cache = !cfg.nokeep_cache;
	fuse_reply_open(req, fi);
}

static void memfs_read(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	struct mnode *m = node_of(ino);
	size_t len;

	(void)fi;
	count_op(OP_READ);
	if (!m || !S_ISREG(m->st.st_mode)) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (off >= m->st.st_size) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	len = (size_t)(m->st.st_size - off);
	fuse_reply_buf(req, m->data + off, len < size ? len : size);
}

static void memfs_opendir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	(void)ino;
	count_op(OP_OPENDIR);
	/* fs/ops.c orgfs_opendir: zero-message opens, else the kernel keeps
	 * the listing (cache_readdir, keep_cache) */
	if (no_opendir) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi->cache_readdir = !cfg.nocache_dir;
	fi->keep_cache = !cfg.nokeep_cache;
	fuse_reply_open(req, fi);
}

/* Entries [i, j) of the precomputed reply: as many whole entries from
 * position off as fit in size. */
static void slice(const uint32_t *offs, size_t nent, size_t size, off_t off,
		  size_t *i, size_t *j)
{
	size_t lo, hi;

	*i = off < 0 ? 0 : (size_t)off;
	if (*i >= nent) {
		*i = *j = nent;
		return;
	}
	/* the largest j with offs[j] - offs[i] <= size */
	lo = *i;
	hi = nent;
	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;

		if (offs[mid] - offs[*i] <= size)
			lo = mid;
		else
			hi = mid - 1;
	}
	*j = lo;
}

static void memfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	struct mnode *d = dir_of(req, ino);
	size_t i, j;

	(void)fi;
	count_op(OP_READDIR);
	if (!d)
		return;
	slice(d->loff, (size_t)d->n + 2, size, off, &i, &j);
	fuse_reply_buf(req, d->plain + d->loff[i], d->loff[j] - d->loff[i]);
}

static __thread char *rbuf;
static __thread size_t rcap;

/* fs/ops.c do_readdir: an entry the kernel holds (itab_kept) is given
 * without a node id, so that it keeps its dentry, attributes and ACLs;
 * the data here never changes, so held is enough (orgfs also asks that
 * it be unchanged and not expiring) */
static void memfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			      off_t off, struct fuse_file_info *fi)
{
	struct mnode *d = dir_of(req, ino);
	size_t i, j, k, len;
	char *out;

	(void)fi;
	count_op(OP_READDIRPLUS);
	if (!d)
		return;
	slice(d->poff, (size_t)d->n + 2, size, off, &i, &j);
	len = d->poff[j] - d->poff[i];
	if (cfg.nokept) {
		fuse_reply_buf(req, d->plus + d->poff[i], len);
		return;
	}
	if (rcap < len) {
		free(rbuf);
		rcap = len > 65536 ? len : 65536;
		rbuf = malloc(rcap);
		if (!rbuf) {
			rcap = 0;
			fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	out = rbuf;
	memcpy(out, d->plus + d->poff[i], len);
	for (k = i < 2 ? 2 : i; k < j; k++) {
		struct mnode *c = &nodes[d->first + k - 2];
		struct fuse_direntplus *dp = (struct fuse_direntplus *)
			(void *)(out + d->poff[k] - d->poff[i]);

		if (__atomic_load_n(&c->nlookup, __ATOMIC_RELAXED))
			dp->entry_out.nodeid = 0;
		else
			given(c);
	}
	fuse_reply_buf(req, out, len);
}

static void memfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	(void)ino;
	count_op(OP_STATFS);
	/* fs/ops.c orgfs_statfs */
	memset(&st, 0, sizeof(st));
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = 255;
	st.f_flag = ST_RDONLY | ST_NOSUID | ST_NODEV;
	fuse_reply_statfs(req, &st);
}

/* fs/ops.c orgfs_getxattr: ENODATA for every name but user.orgfs.* */
static void memfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			   size_t size)
{
	(void)ino; (void)name; (void)size;
	count_op(OP_GETXATTR);
	fuse_reply_err(req, cfg.getxattr_enosys ? ENOSYS : ENODATA);
}

/* fs/ops.c orgfs_listxattr: ENOSYS by default (orgfs -o no_listxattr) */
static void memfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)ino;
	count_op(OP_LISTXATTR);
	if (!cfg.listxattr)
		fuse_reply_err(req, ENOSYS);
	else if (!size)
		fuse_reply_xattr(req, 0);
	else
		fuse_reply_buf(req, NULL, 0);
}

static const struct fuse_lowlevel_ops memfs_ops = {
	.init = memfs_init,
	.destroy = memfs_destroy,
	.lookup = memfs_lookup,
	.forget = memfs_forget,
	.forget_multi = memfs_forget_multi,
	.getattr = memfs_getattr,
	.readlink = memfs_readlink,
	.open = memfs_open,
	.read = memfs_read,
	.opendir = memfs_opendir,
	.readdir = memfs_readdir,
	.readdirplus = memfs_readdirplus,
	.statfs = memfs_statfs,
	.getxattr = memfs_getxattr,
	.listxattr = memfs_listxattr,
};

/* ------------------------------------------------------------------ */

static char *source_arg;

/* The first word that is not an option is SOURCE (taken out: libfuse
 * takes the next as the mountpoint); the rest goes to libfuse. */
static int take_source(void *data, const char *arg, int key,
		       struct fuse_args *outargs)
{
	(void)data; (void)outargs;
	if (key == FUSE_OPT_KEY_NONOPT && !source_arg) {
		source_arg = strdup(arg);
		return source_arg ? 0 : -1;
	}
	return 1;
}

static int add_arg(struct fuse_args *args, const char *a)
{
	if (fuse_opt_add_arg(args, a)) {
		fprintf(stderr, "memfs: out of memory\n");
		return -1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_session *se = NULL;
	struct fuse_cmdline_opts cl;
	struct fuse_loop_config *lc;
	char *src = NULL;
	sigset_t usr1;
	pthread_t st;
	int ret = 1;

	memset(&cl, 0, sizeof(cl));
	/* SIGUSR1 for the stats thread alone, blocked from the start: one
	 * sent as soon as the mount shows is kept pending for it, never
	 * the default action (the end of the process) */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	if (fuse_opt_parse(&args, &cfg, memfs_opts, take_source) ||
	    fuse_parse_cmdline(&args, &cl))
		goto out;
	if (cl.show_help || cl.show_version || !cl.mountpoint ||
	    !source_arg) {
		fprintf(stderr, "usage: %s [-f] [-s] [-d] [-o OPT,...] SOURCE "
			"MOUNTPOINT (options: tests/bench/memfs.c)\n", argv[0]);
		goto out;
	}
	src = realpath(source_arg, NULL);
	if (!src) {
		perror(source_arg);
		goto out;
	}
	if (load(src))
		goto out;
	/* fs/main.c parse_command_line: read-only, no atime updates, the
	 * kernel checks permissions, clean up after a crash */
	if ((!cfg.rw_mount && add_arg(&args, "-oro")) ||
	    (!cfg.atime && add_arg(&args, "-onoatime")) ||
	    (!cfg.nodefault_permissions &&
	     add_arg(&args, "-odefault_permissions")) ||
	    add_arg(&args, "-oauto_unmount") ||
	    add_arg(&args, "-ofsname=memfs,subtype=memfs"))
		goto out;
	se = fuse_session_new(&args, &memfs_ops, sizeof(memfs_ops), NULL);
	if (!se)
		goto out;
	if (fuse_set_signal_handlers(se))
		goto out;
	if (fuse_session_mount(se, cl.mountpoint))
		goto out_handlers;
	fuse_daemonize(cl.foreground);
	if (pthread_create(&st, NULL, stats_thread, &usr1) == 0)
		pthread_detach(st);
	if (cl.singlethread || cfg.single) {
		ret = fuse_session_loop(se);
	} else {
		/* fs/main.c run_loop: libfuse's multithreaded loop, workers
		 * up to max_threads (default 10), idle ones kept */
		lc = fuse_loop_cfg_create();
		if (!lc)
			goto out_unmount;
		fuse_loop_cfg_set_clone_fd(lc, cl.clone_fd);
		fuse_loop_cfg_set_max_threads(lc, cl.max_threads);
		if (cl.max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(lc, cl.max_idle_threads);
		ret = fuse_session_loop_mt(se, lc);
		fuse_loop_cfg_destroy(lc);
	}
	ret = ret ? 1 : 0;
out_unmount:
	fuse_session_unmount(se);
out_handlers:
	fuse_remove_signal_handlers(se);
out:
	if (se)
		fuse_session_destroy(se);
	free(src);
	free(source_arg);
	free(cl.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
