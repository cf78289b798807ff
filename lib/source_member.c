/* source_member.c - the aws source's member-account side: resources and
 * Config rule compliance of one account (through its member role, or the
 * client's own credentials for the client's account), and every resource
 * of the organization from an aggregator (see source_aws_priv.h) */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arn.h"
#include "aws.h"
#include "buf.h"
#include "credchain.h"
#include "creds.h"
#include "creds_sts.h"
#include "endpoint.h"
#include "model.h"
#include "source_agg.h"
#include "source_aws_priv.h"
#include "source_list.h"

#define SRC_TAGGING_PAGE_SIZE 100       /* the tagging API's maximum */
#define SRC_CONFIG_RULES_OP "DescribeComplianceByConfigRule"
#define SRC_CONFIG_STATUS_OP "DescribeConfigurationRecorderStatus"

/* ---- the account's client ---- */

int source_own_account(struct aws_source *s, char *out, size_t len,
		       struct aws_error *err)
{
	struct credchain_identity *id;
	int rc;

	pthread_mutex_lock(&s->id_lock);
	while (s->id_state == ID_ASKING)
		pthread_cond_wait(&s->id_cond, &s->id_lock);
	if (s->id_state == ID_KNOWN) {
		snprintf(out, len, "%s", s->own_account);
		pthread_mutex_unlock(&s->id_lock);
		return 0;
	}
	s->id_state = ID_ASKING;
	pthread_mutex_unlock(&s->id_lock);

	id = calloc(1, sizeof(*id));
	if (!id)
		rc = source_fail(err, &aws_svc_organizations,
				 "GetCallerIdentity", ENOMEM, "OutOfMemory",
				 "out of memory");
	else
		rc = credchain_caller_identity(s->client, id, err);

	pthread_mutex_lock(&s->id_lock);
	if (rc == 0) {
		snprintf(s->own_account, sizeof(s->own_account), "%s",
			 id->account);
		snprintf(s->own_arn, sizeof(s->own_arn), "%s", id->arn);
		snprintf(out, len, "%s", s->own_account);
		s->id_state = ID_KNOWN;
	} else {
		aws_error_str(err, s->id_error, sizeof(s->id_error));
		s->id_state = ID_UNKNOWN;
	}
	pthread_cond_broadcast(&s->id_cond);
	pthread_mutex_unlock(&s->id_lock);
	free(id);
	return rc;
}

int source_account_client(struct aws_source *s, const char *account,
			  const char *region, const struct aws_service *svc,
			  const char *op, struct aws_client **out, int *member,
			  struct aws_error *err)
{
	struct creds_provider *p;
	char own[16];
	int rc;

	*out = s->client;
	*member = 0;
	rc = source_own_account(s, own, sizeof(own), err);
	if (rc < 0 || !strcmp(account, own))
		return rc < 0 ? rc : 0;
	p = credchain_member_role(s->members, account, s->member_role,
				  s->external_id,
				  s->partition ? s->partition :
				  endpoint_partition(region));
	*out = p ? aws_client_derive_account(s->client, p, account) : NULL;
	creds_provider_release(p);
	if (!*out)
		return source_fail(err, svc, op, ENOMEM, "OutOfMemory",
				   "out of memory");
	*member = 1;
	return 0;
}

/* The role's error names the account; the member-account APIs' do not. */
static void name_account(struct aws_error *err, const char *account,
			 const char *region)
{
	struct buf b;

	if (strstr(err->message, account))
		return;
	buf_init(&b, 4096);
	buf_printf(&b, "account %s, region %s: %s", account, region,
		   err->message);
	snprintf(err->message, sizeof(err->message), "%s", buf_str(&b));
	buf_free(&b);
}

/* ---- list_resources ---- */

static int parse_res_tags(struct source_list *l, const char *arn,
			  json_t *list, struct org_tags *t)
{
	json_t *it;
	size_t i;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return source_list_malformed(l, "resource %s: Tags is not a list",
					     arn);
	if (!json_array_size(list))
		return 0;
	t->v = calloc(json_array_size(list), sizeof(*t->v));
	if (!t->v)
		return source_list_nomem(l);
	json_array_foreach(list, i, it) {
		json_t *value = NULL;
		const char *key, *sval;
		json_error_t je;

		if (json_unpack_ex(it, &je, 0, "{s:s, s?o}", "Key", &key,
				   "Value", &value))
			return source_list_malformed(l, "resource %s: tag: %s",
						     arn, je.text);
		if (source_opt_str(value, &sval))
			return source_list_malformed(l, "resource %s: tag %s: Value is not a string",
						     arn, key);
		t->v[t->n].key = strdup(key);
		t->v[t->n].value = strdup(sval);
		t->n++;
		if (!t->v[t->n - 1].key || !t->v[t->n - 1].value)
			return source_list_nomem(l);
	}
	org_tags_sort(t);
	return 0;
}

/* One member of ComplianceDetails, a list of keys, as "label: k" lines. */
static int compliance_keys(struct source_list *l, const char *arn,
			   json_t *cd, const char *member, const char *label,
			   struct buf *b)
{
	json_t *list = json_object_get(cd, member), *it;
	size_t i;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return source_list_malformed(l, "resource %s: %s is not a list",
					     arn, member);
	json_array_foreach(list, i, it) {
		if (!json_is_string(it))
			return source_list_malformed(l, "resource %s: %s holds a non-string",
						     arn, member);
		if (buf_printf(b, "%s%s: %s", b->len ? "\n" : "", label,
			       json_string_value(it)) < 0)
			return source_list_nomem(l);
	}
	return 0;
}

/* ComplianceDetails as "noncompliant key: k" lines joined by '\n'. */
static int parse_compliance(struct source_list *l, const char *arn,
			    json_t *cd, char **out)
{
	static const struct {
		const char *member;
		const char *label;
	} kinds[] = {
		{ "NoncompliantKeys", "noncompliant key" },
		{ "MissingTagKeys", "missing key" },
		{ "KeysWithNoncompliantValues", "noncompliant value" },
	};
	struct buf b;
	int rc = 0;

	buf_init(&b, 1 << 16);
	if (cd && !json_is_null(cd)) {
		if (!json_is_object(cd))
			return source_list_malformed(l, "resource %s: ComplianceDetails is not an object",
						     arn);
		for (size_t k = 0; rc == 0 && k < sizeof(kinds) / sizeof(*kinds);
		     k++)
			rc = compliance_keys(l, arn, cd, kinds[k].member,
					     kinds[k].label, &b);
		if (rc == 0 &&
		    json_is_false(json_object_get(cd, "ComplianceStatus")) &&
		    !b.len && buf_puts(&b, "noncompliant") < 0)
			rc = source_list_nomem(l);
		if (rc < 0)
			goto out;
	}
	*out = buf_steal(&b);
	if (!*out)
		rc = source_list_nomem(l);
out:
	buf_free(&b);
	return rc;
}

static int parse_resource(struct source_list *l, json_t *it, void *slot)
{
	const char *account = l->arg;   /* the listing's */
	struct org_resource *r = slot;
	json_t *tags = NULL, *cd = NULL;
	const char *arn;
	json_error_t je;
	int rc;

	if (json_unpack_ex(it, &je, 0, "{s:s, s?o, s?o}", "ResourceARN", &arn,
			   "Tags", &tags, "ComplianceDetails", &cd))
		return source_list_malformed(l, "resource: %s", je.text);
	rc = arn_fill_resource(arn, account, r);
	if (rc == -ENOMEM)
		return source_list_nomem(l);
	if (rc < 0)
		return source_list_skip(l, "resource ARN is not valid: %.300s",
					arn);
	rc = parse_res_tags(l, arn, tags, &r->tags);
	if (rc < 0)
		return rc;
	return parse_compliance(l, arn, cd, &r->compliance);
}

static const struct source_list_op get_resources = {
	.svc = &aws_svc_tagging,
	.op = "GetResources",
	.token = "PaginationToken",
	.key = "ResourceTagMappingList",
	.item_size = sizeof(struct org_resource),
	.parse_item = parse_resource,
};

int aws_list_resources(struct org_source *src, const char *account,
		       const char *region, struct org_resources **out,
		       struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct aws_client *client;
	struct org_resources *r;
	int rc, member;

	*out = NULL;
	aws_error_clear(err);
	if (!account || !source_is_account_id(account) || !region || !*region)
		return source_fail(err, &aws_svc_tagging, "GetResources",
				   EINVAL, "InvalidParameterException",
				   "list resources: not an account id and region: %.20s %.40s",
				   account ? account : "(null)",
				   region ? region : "(null)");
	rc = source_account_client(s, account, region, &aws_svc_tagging,
				   "GetResources", &client, &member, err);
	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r) {
		rc = source_fail(err, &aws_svc_tagging, "GetResources", ENOMEM,
				 "OutOfMemory", "out of memory");
	} else {
		struct source_list l = { .op = &get_resources, .arg = (void *)account,
					 .vec = &r->v, .n = &r->n,
					 .skipped = &r->skipped };

		rc = source_list_run(&l, client, region, err, "{s:i, s:o*}",
				     "ResourcesPerPage", SRC_TAGGING_PAGE_SIZE,
				     "IncludeComplianceDetails",
				     s->compliance_details ? json_true() : NULL);
		if (rc < 0)
			name_account(err, account, region);
	}
	if (rc == 0) {
		source_resources_finish(r);
		*out = r;
		r = NULL;
	}
	org_resources_free(r);
	if (member)
		aws_client_free(client);
	return rc;
}

/* ---- config_compliance ---- */

static const struct source_list_op describe_rules = {
	.svc = &aws_svc_config,
	.op = SRC_CONFIG_RULES_OP,
	.token = "NextToken",
	.key = "ComplianceByConfigRules",
	.not_list = SOURCE_AGG_RULES_NOT_LIST,
	.item_size = sizeof(struct org_config_rule),
	.parse_item = source_agg_parse_rule,
};

/* Config answers "no recorder" with these where it answers with an error
 * at all (DescribeComplianceByConfigRule models none: it lists no rule). */
static int no_recorder(const struct aws_error *e)
{
	return !strcmp(e->code, "NoSuchConfigurationRecorderException") ||
	       !strcmp(e->code, "NoAvailableConfigurationRecorderException");
}

/* Whether a configuration recorder is recording in the region: what
 * "Config is enabled" means.  @return 1, 0 or -errno */
static int recording(struct aws_client *client, const char *region,
		     struct aws_error *err)
{
	json_t *reply = NULL, *list, *it;
	size_t i;
	int rc;

	rc = aws_json_call(client, &aws_svc_config, region,
			   SRC_CONFIG_STATUS_OP, NULL, &reply, err);
	if (rc < 0) {
		if (!no_recorder(err))
			return rc;
		aws_error_clear(err);
		return 0;
	}
	list = json_object_get(reply, "ConfigurationRecordersStatus");
	if (list && !json_is_null(list) && !json_is_array(list)) {
		json_decref(reply);
		return source_fail(err, &aws_svc_config, SRC_CONFIG_STATUS_OP,
				   EIO, "MalformedResponse",
				   "reply: ConfigurationRecordersStatus is not a list");
	}
	rc = 0;
	json_array_foreach(list, i, it)
		if (json_is_true(json_object_get(it, "recording")))
			rc = 1;
	json_decref(reply);
	return rc;
}

/* The rules through client, and whether Config records when none is
 * listed.  @return 0 or -errno with err filled */
static int member_rules(struct aws_client *client, const char *region,
			struct org_config_rules *r, struct aws_error *err)
{
	struct source_list l = { .op = &describe_rules, .vec = &r->v,
				 .n = &r->n };
	int rc;

	rc = source_list_run(&l, client, region, err, "{}");
	if (rc < 0 && !l.failed && no_recorder(err)) {
		aws_error_clear(err);
		source_agg_rules_finish(r);
		return 0;
	}
	if (rc < 0)
		return rc;
	source_agg_rules_finish(r);
	if (!r->n) {
		/* no rule: Config off, or on without rules */
		rc = recording(client, region, err);
		if (rc < 0)
			return rc;
		r->enabled = rc;
	}
	return 0;
}

int aws_config_compliance(struct org_source *src, const char *account,
			  const char *region, struct org_config_rules **out,
			  struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct org_config_rules *r;
	struct aws_client *client;
	int rc, member;

	*out = NULL;
	aws_error_clear(err);
	if (!account || !source_is_account_id(account) || !region || !*region)
		return source_fail(err, &aws_svc_config, SRC_CONFIG_RULES_OP,
				   EINVAL, "InvalidParameterValueException",
				   "config compliance: not an account id and region: %.20s %.40s",
				   account ? account : "(null)",
				   region ? region : "(null)");
	if (s->config_aggregator)
		return source_agg_config_compliance(s->client,
						    s->config_aggregator,
						    s->config_aggregator_region,
						    account, region, out, err);
	rc = source_account_client(s, account, region, &aws_svc_config,
				   SRC_CONFIG_RULES_OP, &client, &member, err);
	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r) {
		rc = source_fail(err, &aws_svc_config, SRC_CONFIG_RULES_OP,
				 ENOMEM, "OutOfMemory", "out of memory");
	} else {
		rc = member_rules(client, region, r, err);
		if (rc < 0)
			name_account(err, account, region);
	}
	if (rc == 0) {
		*out = r;
		r = NULL;
	}
	org_config_rules_free(r);
	if (member)
		aws_client_free(client);
	return rc;
}

/* ---- list_org_resources ---- */

int aws_list_org_resources(struct org_source *src,
			   struct org_resources **out, struct aws_error *err)
{
	struct aws_source *s = to_aws(src);

	if (s->resource_explorer_view)
		return source_agg_list_resource_explorer(s->client,
							 s->resource_explorer_view,
							 out, err);
	return source_agg_list_config(s->client, s->resources_aggregator,
				      s->config_aggregator_region, out, err);
}

/* ---- list_regions ---- */

#define SRC_ACCOUNT_REGIONS_OP "ListRegions"
#define SRC_ACCOUNT_PAGE_SIZE 50        /* ListRegions' maximum */

#define regions_fail(e, err_, code, ...)                                 \
	source_fail((e), &aws_svc_account, SRC_ACCOUNT_REGIONS_OP, (err_), \
		    (code), __VA_ARGS__)

/* A region name as AWS spells them ("eu-west-1"): it becomes a path
 * component and a host label, and never "global" (the tree's own). */
static int region_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 4 || n > 32 || !strchr(s, '-') || s[0] < 'a' || s[0] > 'z' ||
	    s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One page's Regions into r; NextToken into *next (borrowed from page). */
static int regions_page(json_t *page, struct org_regions *r, size_t *cap,
			const char **next, struct aws_error *err)
{
	json_t *list = json_object_get(page, "Regions"), *it, *tok;
	size_t i;

	tok = json_object_get(page, "NextToken");
	*next = json_is_string(tok) && *json_string_value(tok) ?
		json_string_value(tok) : NULL;
	if (list && !json_is_null(list) && !json_is_array(list))
		return regions_fail(err, EIO, "MalformedResponse",
				    "Regions is not a list");
	json_array_foreach(list, i, it) {
		const char *name, *status;
		json_error_t je;

		if (json_unpack_ex(it, &je, 0, "{s:s, s:s}", "RegionName",
				   &name, "RegionOptStatus", &status))
			return regions_fail(err, EIO, "MalformedResponse",
					    "region: %s", je.text);
		/* asked for these two; anything else is not listed */
		if (strcmp(status, "ENABLED") &&
		    strcmp(status, "ENABLED_BY_DEFAULT"))
			continue;
		if (!region_name_ok(name))
			return regions_fail(err, EIO, "MalformedResponse",
					    "not a region name: %.64s", name);
		if (source_grow((void **)&r->v, cap, r->n + 1, sizeof(*r->v)) ||
		    !(r->v[r->n] = strdup(name)))
			return regions_fail(err, ENOMEM, "OutOfMemory",
					    "out of memory");
		r->n++;
	}
	return 0;
}

/* The member role asks about its own account, as every other member
 * call does: the management account's AccountId form would need trusted
 * access for the account service, which an organization may not have
 * granted, while the role is already what reading resources needs. */
int aws_list_regions(struct org_source *src, const char *account,
		     struct org_regions **out, struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct aws_client *client;
	struct org_regions *r = NULL;
	char *token = NULL;
	size_t cap = 0, i, k;
	int rc, member, pages = 0;

	*out = NULL;
	aws_error_clear(err);
	if (!account || !source_is_account_id(account))
		return regions_fail(err, EINVAL, "InvalidParameterException",
				    "list regions: not an account id: %.20s",
				    account ? account : "(null)");
	rc = source_account_client(s, account, aws_client_region(s->client),
			    &aws_svc_account, SRC_ACCOUNT_REGIONS_OP, &client,
			    &member, err);
	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r)
		rc = regions_fail(err, ENOMEM, "OutOfMemory", "out of memory");
	while (rc == 0) {
		json_t *in, *page = NULL;
		const char *next;

		in = json_pack("{s:i, s:[s,s], s:s*}", "MaxResults",
			       SRC_ACCOUNT_PAGE_SIZE, "RegionOptStatusContains",
			       "ENABLED", "ENABLED_BY_DEFAULT", "NextToken",
			       token);
		if (!in) {
			rc = regions_fail(err, ENOMEM, "OutOfMemory",
					  "out of memory");
			break;
		}
		rc = aws_rest_call(client, &aws_svc_account, NULL, "POST",
				   "/listRegions", NULL, 0, NULL, 0, in, 1,
				   &page, err);
		json_decref(in);
		if (rc == 0)
			rc = regions_page(page, r, &cap, &next, err);
		if (rc == 0 && next && token && !strcmp(next, token))
			rc = regions_fail(err, EIO, "MalformedResponse",
					  "NextToken repeated");
		if (rc == 0 && next && ++pages > 100)
			rc = regions_fail(err, EIO, "MalformedResponse",
					  "more than 100 pages of regions");
		free(token);
		token = NULL;
		if (rc == 0 && next && !(token = strdup(next)))
			rc = regions_fail(err, ENOMEM, "OutOfMemory",
					  "out of memory");
		json_decref(page);
		if (rc < 0 || !token)
			break;
	}
	free(token);
	if (rc < 0)
		name_account(err, account, "global");
	if (member)
		aws_client_free(client);
	if (rc < 0) {
		org_regions_free(r);
		return rc;
	}
	/* sorted, each once */
	qsort(r->v, r->n, sizeof(*r->v), cmp_str);
	for (i = k = 0; i < r->n; i++) {
		if (k && !strcmp(r->v[k - 1], r->v[i]))
			free(r->v[i]);
		else
			r->v[k++] = r->v[i];
	}
	r->n = k;
	*out = r;
	return 0;
}
