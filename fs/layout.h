/* layout.h - the engine's side of the tree's table
 *
 * The table (fs/tree.c) is the ABI.  Each row maps a path pattern ('*'
 * is one escaped name, '**' any number of them) to a node type, the kind
 * of data whose TTL governs the kernel's caching of it, and the handlers
 * that say whether a path exists and what it holds (get) and what a
 * directory lists (list).  A directory lists what its list handler adds
 * and the names of the rows right below it (when allows them).  A row
 * without get exists when its parent lists its name.  Rows are tried in
 * order: specific patterns before generic ones.  The engine (fs/layout.c) is handed the table at mount
 * (struct orgfs layout) and knows no subtree.
 */
#ifndef ORGFS_LAYOUT_H
#define ORGFS_LAYOUT_H

#include "serve.h"

/* Fill out (type and timeout are set) or answer -errno. */
typedef int (*get_fn)(struct lctx *c, struct node *out);
/* Add the directory's entries to out (unsorted; the engine sorts them
 * and drops duplicates). */
typedef int (*list_fn)(struct lctx *c, struct dlist *out);

/* Whether a row's name is listed by the directory above it (called
 * with the directory's lctx).  The row's get still says whether the path
 * exists. */
typedef int (*when_fn)(struct lctx *c);

/* Read-ahead once a directory was listed (layout_prefetch): AHEAD_EACH
 * waits for the first access below one of the names listed. */
struct layout_ahead {
	enum {
		AHEAD_NONE,
		AHEAD_ONE,              /* (kind, "") */
		AHEAD_EACH,             /* (kind, <name>) for each name listed */
	} how;
	enum org_kind kind;
};

struct layout_row {
	const char *pattern;
	enum node_type type;
	enum org_kind kind;             /* TTL that governs kernel caching */
	get_fn get;
	list_fn list;                   /* NULL: only the rows below */
	int view;                       /* org-wide: rendered once per
					   version of the data (view cache) */
	when_fn when;                   /* NULL: always listed */
	struct layout_ahead ahead;
};

struct layout_table {
	const struct layout_row *rows;
	size_t n;
};

/* Whether the directory above path lists its last name.
 * @return 0, -ENOENT, or the errno of listing the directory */
int layout_listed(struct orgfs *fs, const char *path);

#endif
