/* serve.h - what every handler of the tree uses: the data pinned while
 * one path is served (need), and the node and listing it fills
 *
 * A handler (fs/tree_*.c) is called by the engine (fs/layout.c) with a
 * struct lctx: the path, its wildcard components unescaped, and the pins
 * taken so far.  It asks for data with need(), which pins one snapshot of
 * each (kind, key) until the engine calls lctx_done; it fills a struct
 * node (put_*, set_link) or a struct dlist (dl_add*).  Handlers return 0
 * or -errno; a failed need() is answered with failed(c).
 */
#ifndef ORGFS_SERVE_H
#define ORGFS_SERVE_H

#include <stdarg.h>
#include <stddef.h>

#include "fs.h"

#define MAX_ARGS 8

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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
	int incomplete;                 /* an input was left out: the node's
					   user.orgfs.incomplete */
	int full;                       /* layout_get_full: a directory may
					   work out what only an xattr shows */
	int view;                       /* an org-wide view's file, to be
					   kept at version (views.h) */
	uint64_t version;
	int cached_only;                /* need() fetches nothing */
	int missing;                    /* ... and something was not cached */
	int ahead_skipped;              /* ... and a read-ahead was not asked
					   (ask_ahead) */
	unsigned skipped;               /* records the data read left out
					   (org_skipped): tables say so */
	uint64_t started_us;            /* CLOCK_MONOTONIC at lctx_init: what
					   a rendering took (views.c) */
	struct aws_error err;
};

/* Start serving path (escaped) of fs; nothing pinned yet. */
void lctx_init(struct lctx *c, struct orgfs *fs, const char *path);
/* Let go of every pin and of the captured components. */
void lctx_done(struct lctx *c);

/*
 * The value of (kind, key) for this path, pinned until lctx_done.  What
 * one path is served from is one snapshot: the same (kind, key) asked for
 * twice answers the value pinned the first time, whatever the cache did
 * in between (an eviction, a SIGHUP, a refresh), so a renderer may ask
 * again for what it already had without checking a second time.  The
 * data's fetch time and stale mark go into c->mtime and c->stale.  With
 * c->cached_only, nothing is fetched: what is not cached sets c->missing.
 * @return the model struct, or NULL with c->err set
 */
const void *need(struct lctx *c, enum org_kind kind, const char *key);
/* The content hash of what need(c, kind, key) pinned (0: nothing): an
 * index built from that content stays right for as long as it is equal. */
uint64_t need_hash(struct lctx *c, enum org_kind kind, const char *key);
/* Read-ahead of data a need() will want; not when only what is at hand
 * may be used (a stat). */
void ask_ahead(struct lctx *c, enum org_kind kind, const char *key);
/* The -errno of the last failed need() (-EIO when it set none). */
int failed(struct lctx *c);

/* Organization data, resolved through need(): NULL when absent or when
 * the data failed (then c->err.err is set). */
const struct org_account *find_account(struct lctx *c, const char *id);
const struct org_hier *hier(struct lctx *c);
const struct org_index *index_of(struct lctx *c);
/* Ids of the object and its ancestors, the object first; at most max.
 * @return how many */
int ancestry(const struct org_hier *h, const char *id, const char **ids,
	     int max);
/* Whether the source has effective tag policies (which 0) or AWS Config
 * compliance (which 1). */
int source_has(struct lctx *c, int which);

/* A file's content: value (NULL: empty) and a newline. */
int put_line(struct node *out, const char *value);
/* A time as AWS writes it ("2024-01-02T03:04:05Z"), or an empty line
 * for 0. */
int put_time(struct node *out, time_t t);
/* The largest document put_json renders (orgfs(1) CAVEATS): AWS's own
 * limits on policies are tens of KB; this only bounds what a hostile or
 * broken endpoint can make one read cost. */
#define PUT_JSON_MAX ((size_t)16 << 20)
/* A JSON document pretty-printed; as AWS holds it when it is not JSON.
 * Parsing and printing cost time and memory in proportion to the text:
 * callers keep the result per data version (put_json_once in
 * tree_policies.c).  @return 0, -ENOMEM, or -EFBIG over PUT_JSON_MAX */
int put_json(struct node *out, const char *text);
/* How many documents put_json rendered since the mount (.orgfs/status
 * json_renders). */
unsigned long long put_json_renders(void);
/* TSV fields: s (NULL: empty) then end; tabs and newlines inside values
 * become spaces. */
int put_tsv(struct buf *b, const char *s, char end);
/* Put line and a newline into b at offset at.  @return 0 or -errno */
int buf_insert_line(struct buf *b, size_t at, const char *line);
/* The incompleteness marker of a table: "# incomplete: <note>\n" put into
 * b at offset at, the end of the header line (or 0 for a file without
 * one), so that the header stays the first line (orgfs(1), TABLES).
 * The caller sets c->incomplete too.  @return 0 or -errno */
int put_incomplete(struct buf *b, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Make out a symlink to the printf-formatted target. */
int set_link(struct node *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Make out a symlink to prefix then name escaped as DESIGN.md §1 says
 * ("../../ous/" and "ou-ab/c" -> "../../ous/ou-ab%2Fc").
 * @return 0 or -errno */
int set_link_name(struct node *out, const char *prefix, const char *name);
/* org_owner_of for the account, root or OU id, as the path sees it; the
 * fetch time and stale mark of the data used go into c->mtime and
 * c->stale.  The caller frees *r (owner_result_free) on success.
 * @return 0, -ENOENT for an unknown id, or -errno with c->err set */
int owner_of(struct lctx *c, const char *id, struct owner_result *r);

/* Add a name the tree owns (already escaped): name is taken over, and
 * freed on failure; NULL is -ENOMEM. */
int dl_add_raw(struct dlist *d, char *name, enum node_type type);
/* A plain member of a model struct shown as a file of its own: a
 * fields table lists the files and serves them. */
struct field {
	const char *name;
	size_t off;                     /* offsetof the member */
	enum {
		FIELD_STR,              /* const char *: the value */
		FIELD_TIME,             /* time_t: as put_time */
		FIELD_BOOL,             /* int: "true" or "false" */
	} type;
};
#define FIELD(type_, member, how) { #member, offsetof(type_, member), how }

/* Add each field's name (a file) to d. */
int dl_add_fields(struct dlist *d, const struct field *f, size_t n);
/* The value of obj's field called name, as a file's content.
 * @return 0, -ENOENT when no field has that name, or -ENOMEM */
int put_field(struct node *out, const struct field *f, size_t n,
	      const char *name, const void *obj);

/* Add an AWS-provided name: escaped as DESIGN.md §1 says.  Names too
 * long for a file name are shown shortened with a hash ("...%~1a2b3c4d"),
 * which cannot be unescaped: the name behind is remembered, for
 * longname_lookup. */
int dl_add(struct dlist *d, const char *name, enum node_type type);
int dl_addf(struct dlist *d, enum node_type type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The name behind a shortened one listed earlier: a copy, or NULL when
 * it is not known (or out of memory). */
char *longname_lookup(const char *escaped);

/* Let go of a shared rendering; NULL is fine. */
void blob_put(struct blob *b);

#endif
