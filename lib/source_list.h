/* source_list.h - one paginated AWS list operation, read item by item
 *
 * What every listing of the aws source (source_aws.c, source_member.c) and
 * of the aggregators (source_agg.c) shares: send one operation with its
 * input, page after page through the client (which signs, retries and
 * follows the pagination token), take the list member of every page and
 * append each of its items to one vector, parsed by the operation's own
 * function.  A parser that meets something it cannot read records why in
 * the listing; the listing then stops and reports that reason as its
 * error, with code MalformedResponse (or OutOfMemory) and operation
 * "<service id>:<operation>".  One bad record need not spoil the rest:
 * a listing given somewhere to note them (skipped) leaves out an item
 * whose identifier is not of AWS's form (source_list_skip) or that holds
 * a string with a NUL byte, and notes why; without it, such an item
 * fails the listing as before.  Ordering, de-duplication and handing the
 * vector over stay with the caller.
 *
 * Also the few helpers the sources' parsers share.  Nothing here holds a
 * lock or keeps state between calls.
 */
#ifndef ORGFS_SOURCE_LIST_H
#define ORGFS_SOURCE_LIST_H

#include <stdarg.h>
#include <stddef.h>

#include <jansson.h>

#include "aws.h"
#include "model.h"

struct aws_service;
struct source_list;

struct source_list_op {
	const struct aws_service *svc;
	const char *op;                 /* "ListAccounts" */
	const char *token;              /* the pagination token member, in
					   input and reply: "NextToken" */
	const char *key;                /* the list member of a page */
	/* NULL: every page must hold key, a list ("reply: <why>" and
	 * "reply: <key> is not a list" otherwise).  Set: a page without key
	 * (or with null) adds nothing, and this is the message when key is
	 * not a list. */
	const char *not_list;
	/* Looks at a page's whole list before its items are parsed;
	 * NULL: nothing to check.  @return 0 or -errno (source_list_fail) */
	int (*check)(struct source_list *l, json_t *list);
	size_t item_size;               /* of one element of the vector */
	/*
	 * Parse item into slot, a zeroed element already counted in the
	 * vector: whatever it holds belongs to the vector's owner even when
	 * parsing fails.  @return 0, 1 to drop the item (slot left zeroed),
	 * or -errno from source_list_fail() and its wrappers.
	 */
	int (*parse_item)(struct source_list *l, json_t *item, void *slot);
};

struct source_list {
	const struct source_list_op *op;
	void *arg;                      /* the caller's, for parse_item */
	void *vec;                      /* T **: the vector items go to */
	struct org_skipped *skipped;    /* where left-out items are noted;
					   NULL: a bad item fails the listing */
	size_t *n;                      /* its length */
	size_t cap;                     /* its room; 0 while *vec is empty */
	int failed;                     /* a parser failed: err says why */
	struct aws_error err;
};

/*
 * Run l->op through c in region (NULL: the client's) with the input
 * json_pack() builds from fmt, appending to l's vector (which may already
 * hold items from an earlier run with the same l).
 * @return 0, or -errno with err filled: the client's error, or the
 * parser's reason when one failed
 */
int source_list_run(struct source_list *l, struct aws_client *c,
		    const char *region, struct aws_error *err,
		    const char *fmt, ...);

/* Record a parser's failure in l (l->failed, l->err with l->op's
 * operation): the message is cut at 399 bytes.  @return -err */
int source_list_fail(struct source_list *l, int err, const char *code,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* source_list_fail() with EIO, "MalformedResponse" */
int source_list_malformed(struct source_list *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Leave the item being parsed out of the listing, noting why (code
 * "SkippedRecord", the message followed by "; left out") in l->skipped;
 * the parser must not have allocated into its slot.  Without
 * l->skipped, source_list_malformed().  @return 1 (drop the item), or
 * -errno */
int source_list_skip(struct source_list *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Whether a string in v (a member's value or an element, at any depth)
 * holds a NUL byte; *where is the member's name ("" for an element). */
int source_json_has_nul(json_t *v, const char **where);
/* source_list_fail() with ENOMEM, "OutOfMemory", "out of memory" */
int source_list_nomem(struct source_list *l);

/* Fill e (cleared first) with err, code, message (cut at 399 bytes) and
 * operation "<svc->id>:<op>".  @return -err */
int source_fail(struct aws_error *e, const struct aws_service *svc,
		const char *op, int err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
int source_vfail(struct aws_error *e, const struct aws_service *svc,
		 const char *op, int err, const char *code, const char *fmt,
		 va_list ap);

/* Make room for element n of *v (each size bytes; *cap of them now),
 * doubling from 16.  @return 0 or -ENOMEM (*v unchanged) */
int source_grow(void **v, size_t *cap, size_t n, size_t size);
/* An optional string member: absent or null reads as "".
 * @return 0, or -1 when v is something else */
int source_opt_str(const json_t *v, const char **out);
/* strdup every src[i] (NULL: "") into *dst[i]; all or nothing (on
 * failure every *dst[i] is NULL).  @return 0 or -ENOMEM */
int source_dup_all(char **dst[], const char *const src[], size_t n);
/* Exactly 12 decimal digits (ids_is_account). */
int source_is_account_id(const char *s);
/* Check id, a member of an item, with check (lib/ids.h): 0 when it is of
 * its form, else source_list_skip() naming what (e.g. "account") and the
 * member (e.g. "Id").  @return 0, 1 (skip the item), or -errno */
int source_check_id(struct source_list *l, const char *what,
		    const char *member, const char *id,
		    int (*check)(const char *));
/* Sort by ARN and keep the first of identical ARNs: a listing may meet a
 * resource twice (it changed between pages, or two queries met it). */
void source_resources_finish(struct org_resources *r);

#endif
