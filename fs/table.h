/* table.h - one row source, two formats: every table of the tree is
 * written through a struct table, as TSV (<name>.tsv, compliance/summary)
 * or as JSON Lines (its twin <name>.jsonl), chosen by the path served
 *
 * TSV (orgfs(1), TABLES): the header line first, always the same; when
 * the table leaves something out, "# incomplete: <why>" second; then one
 * line per row, fields separated by tabs, tabs and newlines inside values
 * written as spaces.
 *
 * JSON Lines: one object per row, the header's names as keys, in the
 * same order as the TSV's rows, written with jansson: strings exact
 * (invalid UTF-8 bytes as U+FFFD), numbers and booleans typed, an empty
 * value of a column that may be absent (an owner) null.  When the table
 * leaves something out, its first line is {"_incomplete": "<why>"}.
 *
 * Either way the caller sets nothing else: table_incomplete sets the
 * node's user.orgfs.incomplete (c->incomplete).
 */
#ifndef ORGFS_TABLE_H
#define ORGFS_TABLE_H

#include <stddef.h>

#include "serve.h"

enum table_type {
	TT_STR,                 /* const char *; NULL is "" */
	TT_OPT,                 /* const char *; NULL or "" is null in JSON */
	TT_INT,                 /* long long */
	TT_BOOL,                /* int */
};

struct table_col {
	const char *name;
	enum table_type type;
};

struct table {
	const struct table_col *cols;
	size_t ncols;
	int json;               /* 1: JSON Lines */
	struct buf *b;
	size_t head;            /* where the incompleteness line goes */
	struct lctx *c;
	/* an org-wide view renders its twin in the same pass, kept in the
	 * view cache for the twin's path: one walk for both (a twin past
	 * VIEW_KEEP_MAX is dropped: rendered when read) */
	int dual;
	struct buf twin;
	size_t twin_head;
};

/* 1 when c serves the JSON Lines twin of a table (a path ending in
 * ".jsonl"). */
int table_is_json(const struct lctx *c);
/* Start a table into b in the format c's path asks for: the TSV header.
 * @return 0 or -ENOMEM */
int table_start(struct table *t, struct lctx *c, struct buf *b,
		const struct table_col *cols, size_t ncols);
/* One row: ncols values, each of its column's type (enum table_type).
 * @return 0 or -ENOMEM */
int table_row(struct table *t, ...);
/* The table leaves something out: its marker (once), and c->incomplete.
 * @return 0 or -ENOMEM */
int table_incomplete(struct table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The end of the table: with res 0, an org-wide view's twin goes to the
 * view cache (the next read of the twin is a hit); then what t holds is
 * freed.  @return res */
int table_finish(struct table *t, int res);

#endif
