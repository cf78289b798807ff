/* source_list.c - one paginated AWS list operation, read item by item
 * (see source_list.h) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "endpoint.h"
#include "ids.h"
#include "model.h"
#include "source_list.h"

/* ---- errors ---- */

int source_vfail(struct aws_error *e, const struct aws_service *svc,
		 const char *op, int err, const char *code, const char *fmt,
		 va_list ap)
{
	/* messages are cut at 399 bytes, as they always were */
	return aws_error_vfail(e, svc->id, op, err, code, 400, fmt, ap);
}

int source_fail(struct aws_error *e, const struct aws_service *svc,
		const char *op, int err, const char *code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = source_vfail(e, svc, op, err, code, fmt, ap);
	va_end(ap);
	return rc;
}

static int list_vfail(struct source_list *l, int err, const char *code,
		      const char *fmt, va_list ap)
{
	l->failed = 1;
	return source_vfail(&l->err, l->op->svc, l->op->op, err, code, fmt,
			    ap);
}

int source_list_fail(struct source_list *l, int err, const char *code,
		     const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = list_vfail(l, err, code, fmt, ap);
	va_end(ap);
	return rc;
}

int source_list_malformed(struct source_list *l, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = list_vfail(l, EIO, "MalformedResponse", fmt, ap);
	va_end(ap);
	return rc;
}

int source_list_skip(struct source_list *l, const char *fmt, ...)
{
	struct aws_error e;
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!l->skipped)
		return source_list_malformed(l, "%s", msg);
	source_fail(&e, l->op->svc, l->op->op, EIO, "SkippedRecord",
		    "%s; left out", msg);
	if (org_skipped_add(l->skipped, &e))
		return source_list_nomem(l);
	return 1;
}

int source_json_has_nul(json_t *v, const char **where)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_string(v)) {
		*where = "";
		return memchr(json_string_value(v), 0, json_string_length(v)) != NULL;
	}
	if (json_is_object(v)) {
		json_object_foreach(v, key, x)
			if (source_json_has_nul(x, where)) {
				if (!**where)
					*where = key;
				return 1;
			}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (source_json_has_nul(x, where))
				return 1;
	}
	return 0;
}

int source_list_nomem(struct source_list *l)
{
	return source_list_fail(l, ENOMEM, "OutOfMemory", "out of memory");
}

/* ---- the listing ---- */

int source_grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap <= n)
		ncap *= 2;
	nv = reallocarray(*v, ncap, size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* One item onto the end of the vector, counted before it is parsed. */
static int list_add(struct source_list *l, json_t *item)
{
	const struct source_list_op *op = l->op;
	void **v = l->vec;
	const char *where;
	char *slot;
	int rc;

	if (source_grow(v, &l->cap, *l->n, op->item_size))
		return source_list_nomem(l);
	slot = (char *)*v + *l->n * op->item_size;
	memset(slot, 0, op->item_size);
	(*l->n)++;
	if (source_json_has_nul(item, &where))
		rc = source_list_skip(l, "an item of %s holds a NUL byte in %s%s",
				      op->key, *where ? "member " : "a string",
				      where);
	else
		rc = op->parse_item(l, item, slot);
	if (rc > 0) {
		(*l->n)--;
		rc = 0;
	}
	return rc;
}

/* The list member of a page, or NULL when an optional one is absent. */
static int page_list(struct source_list *l, json_t *page, json_t **out)
{
	const struct source_list_op *op = l->op;
	json_error_t je;

	if (op->not_list) {
		*out = json_object_get(page, op->key);
		if (!*out || json_is_null(*out)) {
			*out = NULL;
			return 0;
		}
		if (!json_is_array(*out))
			return source_list_malformed(l, "%s", op->not_list);
		return 0;
	}
	if (json_unpack_ex(page, &je, 0, "{s:o}", op->key, out))
		return source_list_malformed(l, "reply: %s", je.text);
	if (!json_is_array(*out))
		return source_list_malformed(l, "reply: %s is not a list",
					     op->key);
	return 0;
}

static int list_page(json_t *page, void *arg)
{
	struct source_list *l = arg;
	json_t *list, *it;
	size_t i;
	int rc;

	rc = page_list(l, page, &list);
	if (rc < 0 || !list)
		return rc;
	if (l->op->check) {
		rc = l->op->check(l, list);
		if (rc < 0)
			return rc;
	}
	json_array_foreach(list, i, it) {
		rc = list_add(l, it);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int source_list_run(struct source_list *l, struct aws_client *c,
		    const char *region, struct aws_error *err,
		    const char *fmt, ...)
{
	const struct source_list_op *op = l->op;
	json_t *in;
	va_list ap;
	int rc;

	l->failed = 0;
	aws_error_clear(&l->err);
	va_start(ap, fmt);
	in = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	if (!in)
		return source_fail(err, op->svc, op->op, ENOMEM, "OutOfMemory",
				   "out of memory");
	rc = aws_json_paginate(c, op->svc, region, op->op, in, op->token,
			       op->token, list_page, l, err);
	json_decref(in);
	if (rc < 0 && l->failed)
		*err = l->err;
	return rc;
}

/* ---- what the parsers share ---- */

int source_opt_str(const json_t *v, const char **out)
{
	if (!v || json_is_null(v)) {
		*out = "";
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

int source_dup_all(char **dst[], const char *const src[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		*dst[i] = strdup(src[i] ? src[i] : "");
		if (!*dst[i]) {
			for (size_t j = 0; j < i; j++) {
				free(*dst[j]);
				*dst[j] = NULL;
			}
			return -ENOMEM;
		}
	}
	return 0;
}

int source_is_account_id(const char *s)
{
	return ids_is_account(s);
}

/* At most the first 64 bytes of s, for a message (the message is made
 * one line where it is kept). */
int source_check_id(struct source_list *l, const char *what,
		    const char *member, const char *id,
		    int (*check)(const char *))
{
	if (check(id))
		return 0;
	return source_list_skip(l, "%s \"%.64s\": %s is not %s", what, id,
				member, ids_describe(check));
}

void source_resources_finish(struct org_resources *r)
{
	size_t i, n = 0;

	org_resources_sort(r);
	for (i = 0; i < r->n; i++) {
		if (n && !strcmp(r->v[n - 1].arn, r->v[i].arn)) {
			org_resource_clear(&r->v[i]);
			continue;
		}
		r->v[n++] = r->v[i];
	}
	r->n = n;
}
