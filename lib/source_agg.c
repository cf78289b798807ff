/* source_agg.c - the organization's resources from a Config aggregator or a
 * Resource Explorer aggregator index (see source_agg.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "arn.h"
#include "aws.h"
#include "buf.h"
#include "endpoint.h"
#include "ids.h"
#include "log.h"
#include "model.h"
#include "source_agg.h"
#include "source_list.h"

#define AGG_CONFIG_OP "SelectAggregateResourceConfig"
#define AGG_CONFIG_EXPR \
	"SELECT resourceId, resourceType, arn, accountId, awsRegion, tags"
#define AGG_CONFIG_LIMIT 100            /* the model's maximum */
#define AGG_SEARCH_OP "Search"
#define AGG_QUERY_MAX 1280              /* Search's QueryString limit */
#define AGG_MAX_PAGES 100000            /* per query: a loop, not a listing */

/* ---- the accumulated listing ---- */

struct acc {
	struct org_resources *r;
	size_t cap;
};

static int acc_init(struct acc *a)
{
	a->cap = 0;
	a->r = calloc(1, sizeof(*a->r));
	return a->r ? 0 : -ENOMEM;
}

/* x (zeroed) from arn, owned by account when the ARN names none, with
 * compliance "".  @return 0, -EINVAL (the ARN does not parse) or -ENOMEM;
 * on failure x holds nothing */
static int res_fill(struct org_resource *x, const char *arn,
		    const char *account)
{
	int rc;

	rc = arn_fill_resource(arn, account, x);
	if (rc < 0)
		return rc;
	x->compliance = strdup("");
	if (!x->compliance) {
		org_resource_clear(x);
		memset(x, 0, sizeof(*x));
		return -ENOMEM;
	}
	return 0;
}

/* A new resource for arn at the end of a; *out is counted in a->r->n, so
 * org_resources_free() owns whatever the caller adds to it.
 * @return 0, -EINVAL (the ARN does not parse) or -ENOMEM */
static int acc_add(struct acc *a, const char *arn, const char *account,
		   struct org_resource **out)
{
	struct org_resources *r = a->r;
	int rc;

	if (source_grow((void **)&r->v, &a->cap, r->n, sizeof(*r->v)))
		return -ENOMEM;
	memset(&r->v[r->n], 0, sizeof(r->v[r->n]));
	rc = res_fill(&r->v[r->n], arn, account);
	if (rc < 0)
		return rc;
	*out = &r->v[r->n++];
	return 0;
}

/* Move every resource of src to the end of dst; src is left empty. */
static int acc_move(struct acc *dst, struct acc *src)
{
	struct org_resources *d = dst->r, *s = src->r;

	if (d->n + s->n > dst->cap) {
		size_t ncap = dst->cap ? dst->cap : 256;
		void *nv;

		while (ncap < d->n + s->n)
			ncap *= 2;
		nv = reallocarray(d->v, ncap, sizeof(*d->v));
		if (!nv)
			return -ENOMEM;
		d->v = nv;
		dst->cap = ncap;
	}
	if (s->n)
		memcpy(d->v + d->n, s->v, s->n * sizeof(*s->v));
	d->n += s->n;
	s->n = 0;
	return 0;
}

static void acc_free(struct acc *a)
{
	org_resources_free(a->r);
	a->r = NULL;
	a->cap = 0;
}

/*
 * Tags from a list of {key, value} objects: Config writes "key"/"value",
 * Resource Explorer "Key"/"Value".  A null value reads as "".
 * @return 0, -EINVAL (not that shape; *why set) or -ENOMEM
 */
static int parse_tag_list(json_t *list, struct org_tags *t, const char **why)
{
	json_t *it;
	size_t i;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list)) {
		*why = "tags is not a list";
		return -EINVAL;
	}
	if (!json_array_size(list))
		return 0;
	t->v = calloc(json_array_size(list), sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	json_array_foreach(list, i, it) {
		json_t *k, *v;

		k = json_object_get(it, "key");
		if (!k)
			k = json_object_get(it, "Key");
		v = json_object_get(it, "value");
		if (!v)
			v = json_object_get(it, "Value");
		if (!json_is_string(k) || (v && !json_is_null(v) &&
					   !json_is_string(v))) {
			*why = "a tag is not a key and a string value";
			return -EINVAL;
		}
		t->v[t->n].key = strdup(json_string_value(k));
		t->v[t->n].value = strdup(json_is_string(v) ?
					  json_string_value(v) : "");
		t->n++;
		if (!t->v[t->n - 1].key || !t->v[t->n - 1].value)
			return -ENOMEM;
	}
	org_tags_sort(t);
	return 0;
}

/* ---- AWS Config ---- */

static int cfg_item(struct source_list *l, json_t *it, void *slot)
{
	size_t *skipped = l->arg;       /* items without an ARN */
	struct org_resource *r = slot;
	json_t *item, *arn, *acct;
	const char *why = NULL;
	json_error_t je;
	int rc;

	if (!json_is_string(it))
		return source_list_malformed(l, "Results holds a non-string");
	item = json_loads(json_string_value(it), JSON_REJECT_DUPLICATES, &je);
	if (!item)
		return source_list_malformed(l, "result is not json: %s",
					     je.text);
	arn = json_object_get(item, "arn");
	acct = json_object_get(item, "accountId");
	if (!json_is_object(item)) {
		rc = source_list_malformed(l, "result is not an object");
	} else if (!arn || json_is_null(arn) ||
		   (json_is_string(arn) && !*json_string_value(arn))) {
		/* a few Config types have no ARN: nowhere to put them */
		(*skipped)++;
		rc = 1;
	} else if (!json_is_string(arn) || (acct && !json_is_null(acct) &&
					    !json_is_string(acct))) {
		rc = source_list_malformed(l, "result: arn or accountId is not a string");
	} else if (json_is_string(acct) && *json_string_value(acct) &&
		   !ids_is_account(json_string_value(acct))) {
		rc = source_list_skip(l, "resource %.300s: accountId \"%.64s\" is not %s",
				      json_string_value(arn),
				      json_string_value(acct),
				      ids_describe(ids_is_account));
	} else {
		rc = res_fill(r, json_string_value(arn), json_is_string(acct) ?
			      json_string_value(acct) : "");
		if (rc == -EINVAL)
			rc = source_list_skip(l, "resource ARN is not valid: %.300s",
					      json_string_value(arn));
		if (rc == 0)
			rc = parse_tag_list(json_object_get(item, "tags"),
					    &r->tags, &why);
		if (rc == -EINVAL)
			rc = source_list_malformed(l, "resource %.300s: %s",
						   json_string_value(arn), why);
	}
	if (rc == -ENOMEM)
		rc = source_list_nomem(l);
	json_decref(item);
	return rc;
}

static const struct source_list_op select_resources = {
	.svc = &aws_svc_config,
	.op = AGG_CONFIG_OP,
	.token = "NextToken",
	.key = "Results",
	.not_list = "Results is not a list",    /* absent: an empty page */
	.item_size = sizeof(struct org_resource),
	.parse_item = cfg_item,
};

/* [\w-]{1,256}, the model's pattern */
static int valid_aggregator(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (!(s[n] >= 'a' && s[n] <= 'z') &&
		    !(s[n] >= 'A' && s[n] <= 'Z') &&
		    !(s[n] >= '0' && s[n] <= '9') && s[n] != '_' &&
		    s[n] != '-')
			return 0;
	return n >= 1 && n <= 256;
}

int source_agg_list_config(struct aws_client *c, const char *aggregator,
			   const char *region, struct org_resources **out,
			   struct aws_error *err)
{
	struct org_resources *r;
	size_t skipped = 0;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	if (!aggregator || !valid_aggregator(aggregator))
		return source_fail(err, &aws_svc_config, AGG_CONFIG_OP, EINVAL,
				   "InvalidParameterValueException",
				   "not a configuration aggregator name: %.100s",
				   aggregator ? aggregator : "(null)");
	r = calloc(1, sizeof(*r));
	if (!r)
		return source_fail(err, &aws_svc_config, AGG_CONFIG_OP, ENOMEM,
				   "OutOfMemory", "out of memory");
	{
		struct source_list l = { .op = &select_resources,
					 .arg = &skipped, .vec = &r->v,
					 .n = &r->n, .skipped = &r->skipped };

		rc = source_list_run(&l, c, region, err, "{s:s, s:s, s:i}",
				     "Expression", AGG_CONFIG_EXPR,
				     "ConfigurationAggregatorName", aggregator,
				     "Limit", AGG_CONFIG_LIMIT);
	}
	if (rc < 0) {
		org_resources_free(r);
		return rc;
	}
	source_resources_finish(r);
	if (skipped)
		olog_debug("config aggregator %s: %zu results without an arn skipped",
			   aggregator, skipped);
	*out = r;
	return 0;
}

/* ---- Resource Explorer ---- */

enum rx_dim { RX_REGION, RX_SERVICE, RX_TYPE, RX_ACCOUNT, RX_NDIMS };

static const struct {
	const char *filter;             /* query-string filter prefix */
	const char *member;             /* Resources[] member */
	const char *label;              /* for messages */
} rx_dims[RX_NDIMS] = {
	[RX_REGION] = { "region", "Region", "region" },
	[RX_SERVICE] = { "service", "Service", "service" },
	[RX_TYPE] = { "resourcetype", "ResourceType", "resource type" },
	[RX_ACCOUNT] = { "accountid", "OwningAccountId", "account" },
};

/* A small set of strings in insertion order. */
struct strset {
	char **v;
	size_t n, cap;
};

static int strset_has(const struct strset *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], v))
			return 1;
	return 0;
}

static int strset_add(struct strset *s, const char *v)
{
	if (strset_has(s, v))
		return 0;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		char **nv = reallocarray(s->v, ncap, sizeof(*s->v));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n] = strdup(v);
	if (!s->v[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

static void strset_free(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

struct rx {
	struct aws_client *c;
	const char *view;
	const char *region;
	struct acc all;                 /* results of complete queries */
	struct strset bad;              /* ARNs left out (rx_skip), once */
	unsigned queries;
	unsigned requests;
	struct aws_error *err;
};

static int rx_malformed(struct rx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int rx_malformed(struct rx *x, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = source_vfail(x->err, &aws_svc_resource_explorer, AGG_SEARCH_OP,
			  EIO, "MalformedResponse", fmt, ap);
	va_end(ap);
	return rc;
}

/* Leave the resource arn out, noted once (however many queries meet it)
 * in what the listing left out.  @return 0 or -ENOMEM */
static int rx_skip(struct rx *x, const char *arn, const char *why)
{
	struct aws_error e;

	if (strset_has(&x->bad, arn))
		return 0;
	if (strset_add(&x->bad, arn) < 0)
		return -ENOMEM;
	source_fail(&e, &aws_svc_resource_explorer, AGG_SEARCH_OP, EIO,
		    "SkippedRecord", "resource %.300s: %s; left out", arn, why);
	return org_skipped_add(&x->all.r->skipped, &e);
}

static int rx_nomem(struct rx *x)
{
	return source_fail(x->err, &aws_svc_resource_explorer, AGG_SEARCH_OP,
			   ENOMEM, "OutOfMemory", "out of memory");
}

/* The "tags" property's Data, or NULL when the view does not include it. */
static json_t *rx_tags_of(json_t *props)
{
	json_t *it;
	size_t i;

	if (!json_is_array(props))
		return NULL;
	json_array_foreach(props, i, it) {
		const char *name = json_string_value(json_object_get(it, "Name"));

		if (name && !strcasecmp(name, "tags"))
			return json_object_get(it, "Data");
	}
	return NULL;
}

static int rx_resource(struct rx *x, json_t *it, struct acc *got,
		       enum rx_dim dim, struct strset *vals)
{
	json_t *arn, *acct, *props;
	struct org_resource *r;
	const char *why = NULL;
	int rc;

	if (!json_is_object(it))
		return rx_malformed(x, "Resources holds a non-object");
	arn = json_object_get(it, "Arn");
	acct = json_object_get(it, "OwningAccountId");
	props = json_object_get(it, "Properties");
	if (!json_is_string(arn))
		return rx_malformed(x, "resource without an Arn");
	if (acct && !json_is_null(acct) && !json_is_string(acct))
		return rx_malformed(x, "resource %.300s: OwningAccountId is not a string",
				    json_string_value(arn));
	if (source_json_has_nul(it, &why))
		return rx_skip(x, json_string_value(arn), "a NUL byte in a string") ?
		       rx_nomem(x) : 0;
	if (json_is_string(acct) && *json_string_value(acct) &&
	    !ids_is_account(json_string_value(acct)))
		return rx_skip(x, json_string_value(arn),
			       "OwningAccountId is not an account id (12 digits)") ?
		       rx_nomem(x) : 0;
	if (props && !json_is_null(props) && !json_is_array(props))
		return rx_malformed(x, "resource %.300s: Properties is not a list",
				    json_string_value(arn));
	rc = acc_add(got, json_string_value(arn),
		     json_is_string(acct) ? json_string_value(acct) : "", &r);
	if (rc == -EINVAL)
		return rx_skip(x, json_string_value(arn), "the ARN is not valid") ?
		       rx_nomem(x) : 0;
	if (rc == 0)
		rc = parse_tag_list(rx_tags_of(props), &r->tags, &why);
	if (rc == -EINVAL)
		return rx_malformed(x, "resource %.300s: %s",
				    json_string_value(arn), why);
	if (rc < 0)
		return rx_nomem(x);
	if (dim < RX_NDIMS) {
		const char *v = json_string_value(json_object_get(it,
						  rx_dims[dim].member));

		if (v && *v && strset_add(vals, v) < 0)
			return rx_nomem(x);
	}
	return 0;
}

/*
 * Run one query to its last page: the results into got, the values of
 * dimension dim (none when dim is RX_NDIMS) into vals, and whether
 * Resource Explorer held nothing back into *complete.
 */
static int rx_query(struct rx *x, const char *q, enum rx_dim dim,
		    struct acc *got, struct strset *vals, int *complete)
{
	json_t *in, *page = NULL, *seen;
	size_t nres = 0;
	int rc = 0, counted = 0, npages = 0;

	*complete = 1;
	x->queries++;
	in = json_pack("{s:s, s:s, s:i}", "QueryString", q, "ViewArn",
		       x->view, "MaxResults", SOURCE_AGG_SEARCH_CAP);
	seen = json_object();
	if (!in || !seen) {
		rc = rx_nomem(x);
		goto out;
	}
	for (;;) {
		json_t *list, *tok, *count, *it;
		size_t i;

		x->requests++;
		rc = aws_rest_call(x->c, &aws_svc_resource_explorer, x->region,
				   "POST", "/" AGG_SEARCH_OP, NULL, 0, NULL, 0,
				   in, 1, &page, x->err);
		if (rc < 0)
			goto out;
		list = json_object_get(page, "Resources");
		if (list && !json_is_null(list) && !json_is_array(list)) {
			rc = rx_malformed(x, "Resources is not a list");
			goto out;
		}
		json_array_foreach(list, i, it) {
			rc = rx_resource(x, it, got, dim, vals);
			if (rc < 0)
				goto out;
		}
		nres += json_array_size(list);
		count = json_object_get(page, "Count");
		if (json_is_object(count)) {
			json_t *cpl = json_object_get(count, "Complete");

			if (json_is_boolean(cpl)) {
				counted = 1;
				if (json_is_false(cpl))
					*complete = 0;
			}
		}
		tok = json_object_get(page, "NextToken");
		if (!tok || json_is_null(tok) ||
		    (json_is_string(tok) && !*json_string_value(tok)))
			break;
		if (!json_is_string(tok)) {
			rc = rx_malformed(x, "NextToken is not a string");
			goto out;
		}
		/* botocore refuses a token seen twice; any repeat is a loop */
		if (json_object_get(seen, json_string_value(tok))) {
			rc = source_fail(x->err, &aws_svc_resource_explorer,
					 AGG_SEARCH_OP, EIO, "PaginationError",
					 "pagination token repeated");
			goto out;
		}
		if (++npages >= AGG_MAX_PAGES) {
			rc = source_fail(x->err, &aws_svc_resource_explorer,
					 AGG_SEARCH_OP, EIO, "PaginationError",
					 "more than %d pages", AGG_MAX_PAGES);
			goto out;
		}
		if (json_object_set_new(seen, json_string_value(tok),
					json_true()) ||
		    json_object_set(in, "NextToken", tok)) {
			rc = rx_nomem(x);
			goto out;
		}
		json_decref(page);
		page = NULL;
	}
	/* without Count, a full cap's worth may be a cut */
	if (!counted && nres >= SOURCE_AGG_SEARCH_CAP)
		*complete = 0;
	olog_debug("resource explorer: query \"%s\": %zu results%s", q, nres,
		   *complete ? "" : ", incomplete");
out:
	json_decref(page);
	json_decref(in);
	json_decref(seen);
	return rc;
}

/* A filter value goes into the query string as it is: refuse anything the
 * query syntax could read differently (spaces, quotes, operators). */
static int rx_plain(const char *v)
{
	if (!*v || *v == '-')
		return 0;
	for (; *v; v++)
		if (!(*v >= 'a' && *v <= 'z') && !(*v >= 'A' && *v <= 'Z') &&
		    !(*v >= '0' && *v <= '9') && !strchr("-_.:/", *v))
			return 0;
	return 1;
}

/* filter plus " name:v" (or "-name:v" when neg) into b */
static int rx_build(struct rx *x, struct buf *b, const char *filter, int neg,
		    const char *name, const char *v)
{
	buf_reset(b);
	if (!rx_plain(v))
		return source_fail(x->err, &aws_svc_resource_explorer,
				   AGG_SEARCH_OP, EIO, "SearchIncomplete",
				   "cannot split the query \"%.200s\" on %s \"%.100s\": not a plain value",
				   filter, name, v);
	if (buf_printf(b, "%s%s%s%s:%s", filter, *filter ? " " : "",
		       neg ? "-" : "", name, v) < 0)
		return rx_nomem(x);
	return 0;
}

static int rx_too_long(struct rx *x, const char *q)
{
	return source_fail(x->err, &aws_svc_resource_explorer, AGG_SEARCH_OP, EIO,
			   "SearchIncomplete",
			   "cannot split the query \"%.160s...\" further: it would exceed %d characters",
			   q, AGG_QUERY_MAX);
}

/*
 * Every resource matching filter, into x->all.  An incomplete query is
 * split on dimension dim: one query per value seen, then the remainder
 * without all of them, until the remainder is complete; each value's
 * query splits further on dim + 1 if it needs to.
 */
static int rx_partition(struct rx *x, const char *filter, enum rx_dim dim)
{
	struct strset vals = { 0 }, done = { 0 };
	struct acc got = { 0 };
	struct buf sub, rem;
	int rc, complete;

	/* roomy: the length is checked against AGG_QUERY_MAX after */
	buf_init(&sub, 1 << 20);
	buf_init(&rem, 1 << 20);
	rc = acc_init(&got);
	if (rc < 0) {
		rc = rx_nomem(x);
		goto out;
	}
	rc = rx_query(x, filter, dim, &got, &vals, &complete);
	if (rc < 0)
		goto out;
	while (!complete) {
		/* what came back is a sample, not the answer */
		acc_free(&got);
		rc = acc_init(&got);
		if (rc < 0) {
			rc = rx_nomem(x);
			goto out;
		}
		if (dim == RX_NDIMS) {
			rc = source_fail(x->err, &aws_svc_resource_explorer,
					 AGG_SEARCH_OP, EIO, "SearchIncomplete",
					 "the query \"%.300s\" matches more than %d resources and cannot be split further",
					 filter, SOURCE_AGG_SEARCH_CAP);
			goto out;
		}
		if (!vals.n) {
			/* Resource Explorer did not apply our exclusions, or
			 * returned nothing while saying it held back more */
			rc = source_fail(x->err, &aws_svc_resource_explorer,
					 AGG_SEARCH_OP, EIO, "SearchIncomplete",
					 "the query \"%.300s\" is incomplete but shows no new %s to split on",
					 buf_str(&rem)[0] ? buf_str(&rem) : filter,
					 rx_dims[dim].label);
			goto out;
		}
		for (size_t i = 0; i < vals.n; i++) {
			rc = rx_build(x, &sub, filter, 0, rx_dims[dim].filter,
				      vals.v[i]);
			if (rc < 0)
				goto out;
			if (sub.len > AGG_QUERY_MAX) {
				rc = rx_too_long(x, buf_str(&sub));
				goto out;
			}
			rc = rx_partition(x, buf_str(&sub), dim + 1);
			if (rc < 0)
				goto out;
			if (strset_add(&done, vals.v[i]) < 0) {
				rc = rx_nomem(x);
				goto out;
			}
		}
		/* the remainder: whatever has none of the values done */
		buf_reset(&rem);
		if (buf_printf(&rem, "%s", filter) < 0) {
			rc = rx_nomem(x);
			goto out;
		}
		for (size_t i = 0; i < done.n; i++)
			if (buf_printf(&rem, "%s-%s:%s", rem.len ? " " : "",
				       rx_dims[dim].filter, done.v[i]) < 0) {
				rc = rx_nomem(x);
				goto out;
			}
		if (rem.len > AGG_QUERY_MAX) {
			rc = rx_too_long(x, buf_str(&rem));
			goto out;
		}
		strset_free(&vals);
		rc = rx_query(x, buf_str(&rem), dim, &got, &vals, &complete);
		if (rc < 0)
			goto out;
		/* values already done cannot be new; drop them defensively */
		for (size_t i = 0; i < vals.n;) {
			if (strset_has(&done, vals.v[i])) {
				free(vals.v[i]);
				vals.v[i] = vals.v[--vals.n];
			} else {
				i++;
			}
		}
	}
	rc = acc_move(&x->all, &got);
	if (rc < 0)
		rc = rx_nomem(x);
out:
	strset_free(&vals);
	strset_free(&done);
	acc_free(&got);
	buf_free(&sub);
	buf_free(&rem);
	return rc;
}

int source_agg_list_resource_explorer(struct aws_client *c,
				      const char *view_arn,
				      struct org_resources **out,
				      struct aws_error *err)
{
	struct rx x = { 0 };
	struct arn *a;
	char region[64];
	int rc;

	*out = NULL;
	aws_error_clear(err);
	a = malloc(sizeof(*a));
	if (!a)
		return source_fail(err, &aws_svc_resource_explorer, AGG_SEARCH_OP,
				   ENOMEM, "OutOfMemory", "out of memory");
	if (!view_arn || strlen(view_arn) > 1000 || arn_parse(view_arn, a) ||
	    strcmp(a->service, "resource-explorer-2") ||
	    strcmp(a->type, "view") || !strcmp(a->region, "global") ||
	    strlen(a->region) >= sizeof(region)) {
		free(a);
		return source_fail(err, &aws_svc_resource_explorer, AGG_SEARCH_OP,
				   EINVAL, "ValidationException",
				   "not a resource explorer view arn: %.300s",
				   view_arn ? view_arn : "(null)");
	}
	snprintf(region, sizeof(region), "%s", a->region);
	free(a);
	x.c = c;
	x.view = view_arn;
	x.region = region;
	x.err = err;
	if (acc_init(&x.all) < 0)
		return rx_nomem(&x);
	rc = rx_partition(&x, "", RX_REGION);
	if (rc < 0)
		goto out;
	source_resources_finish(x.all.r);
	olog_debug("resource explorer view %s: %zu resources in %u queries, %u requests",
		   view_arn, x.all.r->n, x.queries, x.requests);
	*out = x.all.r;
	x.all.r = NULL;
out:
	acc_free(&x.all);
	strset_free(&x.bad);
	return rc;
}

/* ---- AWS Config rule compliance ---- */

#define AGG_COMPLIANCE_OP "DescribeAggregateComplianceByConfigRules"
#define AGG_COMPLIANCE_LIMIT 1000       /* the model's maximum */

static int rule_cmp(const void *a, const void *b)
{
	const struct org_config_rule *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int source_agg_parse_rule(struct source_list *l, json_t *it, void *slot)
{
	struct org_config_rule *rule = slot;
	json_t *name, *comp, *type = NULL;

	name = json_object_get(it, "ConfigRuleName");
	comp = json_object_get(it, "Compliance");
	if (!json_is_string(name) || !*json_string_value(name))
		return source_list_malformed(l, "reply: a rule without a ConfigRuleName");
	if (comp && !json_is_null(comp)) {
		if (!json_is_object(comp))
			return source_list_malformed(l, "reply: Compliance is not an object");
		type = json_object_get(comp, "ComplianceType");
		if (type && !json_is_null(type) && !json_is_string(type))
			return source_list_malformed(l, "reply: ComplianceType is not a string");
	}
	/* Config leaves Compliance out until a rule has evaluated
	 * something: that is what INSUFFICIENT_DATA means */
	rule->name = strdup(json_string_value(name));
	rule->compliance = strdup(json_is_string(type) &&
				  *json_string_value(type) ?
				  json_string_value(type) :
				  "INSUFFICIENT_DATA");
	if (!rule->name || !rule->compliance)
		return source_list_nomem(l);
	return 0;
}

void source_agg_rules_finish(struct org_config_rules *r)
{
	size_t i, n = 0;

	if (r->n)
		qsort(r->v, r->n, sizeof(*r->v), rule_cmp);
	/* a rule met twice (it changed between pages): keep the first */
	for (i = 0; i < r->n; i++) {
		if (n && !strcmp(r->v[n - 1].name, r->v[i].name)) {
			free(r->v[i].name);
			free(r->v[i].compliance);
			continue;
		}
		r->v[n++] = r->v[i];
	}
	r->n = n;
	r->enabled = n > 0;
}

/* The filter is ours, but a reply that ignored it must not put another
 * account's rules here. */
static int comp_check(struct source_list *l, json_t *list)
{
	const char *const *want = l->arg;       /* account, region */
	json_t *it;
	size_t i;

	json_array_foreach(list, i, it) {
		const char *a = json_string_value(json_object_get(it,
							"AccountId"));
		const char *r = json_string_value(json_object_get(it,
							"AwsRegion"));

		if ((a && strcmp(a, want[0])) || (r && strcmp(r, want[1])))
			return source_list_malformed(l, "a rule of account %.20s, region %.40s in the listing of %s, %s",
						     a ? a : "?", r ? r : "?",
						     want[0], want[1]);
	}
	return 0;
}

static const struct source_list_op describe_aggregate_rules = {
	.svc = &aws_svc_config,
	.op = AGG_COMPLIANCE_OP,
	.token = "NextToken",
	.key = "AggregateComplianceByConfigRules",
	.not_list = SOURCE_AGG_RULES_NOT_LIST,
	.check = comp_check,
	.item_size = sizeof(struct org_config_rule),
	.parse_item = source_agg_parse_rule,
};

static int valid_region(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (!(s[n] >= 'a' && s[n] <= 'z') &&
		    !(s[n] >= '0' && s[n] <= '9') && s[n] != '-')
			return 0;
	return n >= 1 && n <= 64;
}

int source_agg_config_compliance(struct aws_client *c, const char *aggregator,
				 const char *region, const char *account,
				 const char *aws_region,
				 struct org_config_rules **out,
				 struct aws_error *err)
{
	const char *want[] = { account, aws_region };
	struct org_config_rules *r;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	if (!aggregator || !valid_aggregator(aggregator))
		return source_fail(err, &aws_svc_config, AGG_COMPLIANCE_OP,
				   EINVAL, "InvalidParameterValueException",
				   "not a configuration aggregator name: %.100s",
				   aggregator ? aggregator : "(null)");
	if (!account || !source_is_account_id(account) || !aws_region ||
	    !valid_region(aws_region))
		return source_fail(err, &aws_svc_config, AGG_COMPLIANCE_OP,
				   EINVAL, "InvalidParameterValueException",
				   "config compliance: not an account id and region: %.20s %.64s",
				   account ? account : "(null)",
				   aws_region ? aws_region : "(null)");
	r = calloc(1, sizeof(*r));
	if (!r)
		return source_fail(err, &aws_svc_config, AGG_COMPLIANCE_OP,
				   ENOMEM, "OutOfMemory", "out of memory");
	{
		struct source_list l = { .op = &describe_aggregate_rules,
					 .arg = want, .vec = &r->v,
					 .n = &r->n };

		rc = source_list_run(&l, c, region, err,
				     "{s:s, s:{s:s, s:s}, s:i}",
				     "ConfigurationAggregatorName", aggregator,
				     "Filters", "AccountId", account,
				     "AwsRegion", aws_region,
				     "Limit", AGG_COMPLIANCE_LIMIT);
	}
	if (rc < 0) {
		org_config_rules_free(r);
		return rc;
	}
	source_agg_rules_finish(r);
	*out = r;
	return 0;
}
