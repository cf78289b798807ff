/* source_aws.c - the org_source backed by the AWS Organizations API: the
 * organization side (the member-account side is source_member.c) */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "awstime.h"
#include "buf.h"
#include "creds_sts.h"
#include "endpoint.h"
#include "ids.h"
#include "model.h"
#include "source_aws.h"
#include "source_aws_priv.h"
#include "source_list.h"

#define SRC_AWS_DEFAULT_CONCURRENCY 4
#define SRC_DEFAULT_MEMBER_ROLE "OrganizationAccountAccessRole"

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

/* ---- describe_org ---- */

/* The organization as DescribeOrganization tells it, into *out. */
static int parse_org(json_t *reply, struct org_info **out,
		     struct aws_error *err)
{
	static const char op[] = "DescribeOrganization";
	json_t *org, *arn = NULL, *fs = NULL, *maid = NULL, *marn = NULL,
	       *mmail = NULL;
	const char *id, *sarn, *sfs, *smaid, *smarn, *smmail, *nul;
	struct org_info *o;
	json_error_t je;

	if (json_unpack_ex(reply, &je, 0, "{s:o}", "Organization", &org) ||
	    json_unpack_ex(org, &je, 0, "{s:s, s?o, s?o, s?o, s?o, s?o}",
			   "Id", &id, "Arn", &arn, "FeatureSet", &fs,
			   "MasterAccountId", &maid, "MasterAccountArn", &marn,
			   "MasterAccountEmail", &mmail))
		return orgs_malformed(err, op, "reply: %s", je.text);
	if (source_opt_str(arn, &sarn) || source_opt_str(fs, &sfs) ||
	    source_opt_str(maid, &smaid) || source_opt_str(marn, &smarn) ||
	    source_opt_str(mmail, &smmail))
		return orgs_malformed(err, op,
				 "reply: a member of Organization is not a string");
	if (!ids_is_org(id) || (*smaid && !ids_is_account(smaid)) ||
	    !ids_is_org_arn(sarn) || !ids_is_org_arn(smarn) ||
	    source_json_has_nul(org, &nul))
		return orgs_malformed(err, op,
				 "reply: the organization's Id, MasterAccountId or an ARN is not of AWS's form, or a string holds a NUL byte");
	o = calloc(1, sizeof(*o));
	if (!o)
		return orgs_nomem(err, op);
	{
		char **dst[] = { &o->id, &o->arn, &o->feature_set,
				 &o->management_account_id,
				 &o->management_account_arn,
				 &o->management_account_email };
		const char *const srcs[] = { id, sarn, sfs, smaid, smarn, smmail };

		if (source_dup_all(dst, srcs, 6)) {
			free(o);
			return orgs_nomem(err, op);
		}
	}
	*out = o;
	return 0;
}

static int aws_describe_org(struct org_source *src, struct org_info **out,
			    struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	json_t *reply = NULL;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	rc = aws_json_call(s->client, &aws_svc_organizations, NULL,
			   "DescribeOrganization", NULL, &reply, err);
	if (rc < 0)
		return rc;
	rc = parse_org(reply, out, err);
	json_decref(reply);
	return rc;
}

/* ---- list_accounts ---- */

static int parse_account(struct source_list *l, json_t *it, void *slot)
{
	struct org_account *a = slot;
	json_t *arn = NULL, *name = NULL, *email = NULL, *state = NULL,
	       *status = NULL, *method = NULL, *joined = NULL;
	const char *id, *sarn, *sname, *semail, *sstate, *sstatus, *smethod;
	json_error_t je;
	time_t t = 0;
	int rc;

	if (json_unpack_ex(it, &je, 0, "{s:s, s?o, s?o, s?o, s?o, s?o, s?o, s?o}",
			   "Id", &id, "Arn", &arn, "Name", &name,
			   "Email", &email, "State", &state, "Status", &status,
			   "JoinedMethod", &method, "JoinedTimestamp", &joined))
		return source_list_malformed(l, "account: %s", je.text);
	if (source_opt_str(arn, &sarn) || source_opt_str(name, &sname) ||
	    source_opt_str(email, &semail) || source_opt_str(state, &sstate) ||
	    source_opt_str(status, &sstatus) ||
	    source_opt_str(method, &smethod))
		return source_list_malformed(l, "account %s: a member is not a string",
					     id);
	if ((rc = source_check_id(l, "account", "Id", id, ids_is_account)) ||
	    (rc = source_check_id(l, "account", "Arn", sarn, ids_is_org_arn)))
		return rc;
	if (joined && !json_is_null(joined) &&
	    awstime_from_json(joined, &t) < 0)
		return source_list_malformed(l, "account %s: bad JoinedTimestamp",
					     id);
	{
		char **dst[] = { &a->id, &a->arn, &a->name, &a->email,
				 &a->state, &a->joined_method };
		const char *const srcs[] = { id, sarn, sname, semail,
			*sstate ? sstate : sstatus, smethod };

		if (source_dup_all(dst, srcs, 6))
			return source_list_nomem(l);
	}
	a->joined = t;
	return 0;
}

static const struct source_list_op list_accounts_op =
	ORG_LIST_OP("ListAccounts", "Accounts", struct org_account,
		    parse_account);

static int aws_list_accounts(struct org_source *src, struct org_accounts **out,
			     struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct org_accounts *a;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	a = calloc(1, sizeof(*a));
	if (!a)
		return orgs_nomem(err, "ListAccounts");
	{
		struct source_list l = { .op = &list_accounts_op,
					 .vec = &a->v, .n = &a->n,
					 .skipped = &a->skipped };

		rc = source_list_run(&l, s->client, NULL, err, "{s:i}",
				     "MaxResults", SRC_AWS_PAGE_SIZE);
	}
	if (rc == 0) {
		org_accounts_sort(a);
		for (size_t i = 1; rc == 0 && i < a->n; i++)
			if (!strcmp(a->v[i - 1].id, a->v[i].id))
				rc = orgs_malformed(err, "ListAccounts",
					       "account %s listed twice",
					       a->v[i].id);
	}
	if (rc == 0) {
		*out = a;
		a = NULL;
	}
	org_accounts_free(a);
	return rc;
}

/* ---- list_tags ---- */

static int parse_tag(struct source_list *l, json_t *it, void *slot)
{
	struct org_tag *t = slot;
	const char *key, *value;
	json_error_t je;

	if (json_unpack_ex(it, &je, 0, "{s:s, s:s}", "Key", &key,
			   "Value", &value))
		return source_list_malformed(l, "tag: %s", je.text);
	{
		char **dst[] = { &t->key, &t->value };
		const char *const srcs[] = { key, value };

		if (source_dup_all(dst, srcs, 2))
			return source_list_nomem(l);
	}
	return 0;
}

static const struct source_list_op list_tags_op =
	ORG_LIST_OP("ListTagsForResource", "Tags", struct org_tag, parse_tag);

static int aws_list_tags(struct org_source *src, const char *id,
			 struct org_tags **out, struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct org_tags *t;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	t = calloc(1, sizeof(*t));
	if (!t)
		return orgs_nomem(err, "ListTagsForResource");
	{
		struct source_list l = { .op = &list_tags_op, .vec = &t->v,
					 .n = &t->n };

		/* ListTagsForResource takes no MaxResults */
		rc = source_list_run(&l, s->client, NULL, err, "{s:s}",
				     "ResourceId", id);
	}
	if (rc < 0) {
		org_tags_free(t);
		return rc;
	}
	org_tags_sort(t);
	*out = t;
	return 0;
}

/* ---- policies ---- */

static int parse_summary(struct source_list *l, json_t *j, void *slot)
{
	struct org_policy_summary *ps = slot;
	json_t *arn = NULL, *name = NULL, *type = NULL, *desc = NULL;
	const char *id, *sarn, *sname, *stype, *sdesc;
	int managed = 0, rc;
	json_error_t je;

	if (json_unpack_ex(j, &je, 0, "{s:s, s?o, s?o, s?o, s?o, s?b}",
			   "Id", &id, "Arn", &arn, "Name", &name,
			   "Type", &type, "Description", &desc,
			   "AwsManaged", &managed))
		return source_list_malformed(l, "policy: %s", je.text);
	if (source_opt_str(arn, &sarn) || source_opt_str(name, &sname) ||
	    source_opt_str(type, &stype) || source_opt_str(desc, &sdesc))
		return source_list_malformed(l, "policy %s: a member is not a string",
					     id);
	if ((rc = source_check_id(l, "policy", "Id", id, ids_is_policy)) ||
	    (rc = source_check_id(l, "policy", "Arn", sarn, ids_is_org_arn)))
		return rc;
	{
		char **dst[] = { &ps->id, &ps->arn, &ps->name, &ps->type,
				 &ps->description };
		const char *const srcs[] = { id, sarn, sname, stype, sdesc };

		if (source_dup_all(dst, srcs, 5))
			return source_list_nomem(l);
	}
	ps->aws_managed = managed;
	return 0;
}

static const struct source_list_op list_policies_op =
	ORG_LIST_OP("ListPolicies", "Policies", struct org_policy_summary,
		    parse_summary);

/* Every policy type AWS Organizations has: those not enabled on the
 * root are listed too, since disabling a type detaches its policies
 * without deleting them. */
static const char *const all_policy_types[] = {
	"SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY", "TAG_POLICY",
	"BACKUP_POLICY", "AISERVICES_OPT_OUT_POLICY", "CHATBOT_POLICY",
	"DECLARATIVE_POLICY_EC2", "SECURITYHUB_POLICY",
};

#define NTYPES_MAX 64

/* The policy types to list (*n of them, borrowed from s, roots or
 * all_policy_types), enabled[i] 1 for those enabled on the root: the
 * configured ones (taken as enabled), or every type, the root's enabled
 * ones first. */
static void policy_types(const struct aws_source *s,
			 const struct org_roots *roots, const char **types,
			 int *enabled, size_t *n)
{
	size_t i, k;

	*n = 0;
	if (s->policy_types) {
		for (i = 0; i < s->npolicy_types && *n < NTYPES_MAX; i++) {
			enabled[*n] = 1;
			types[(*n)++] = s->policy_types[i];
		}
		return;
	}
	for (i = 0; roots->n && i < roots->v[0].ntypes && *n < NTYPES_MAX;
	     i++) {
		const struct org_policy_type *t = &roots->v[0].types[i];

		if (strcmp(t->status, "ENABLED"))
			continue;
		enabled[*n] = 1;
		types[(*n)++] = t->type;
	}
	for (i = 0; i < sizeof(all_policy_types) / sizeof(*all_policy_types);
	     i++) {
		for (k = 0; k < *n && strcmp(types[k], all_policy_types[i]); k++)
			;
		if (k == *n && *n < NTYPES_MAX) {
			enabled[*n] = 0;
			types[(*n)++] = all_policy_types[i];
		}
	}
}

static int aws_list_policies(struct org_source *src,
			     const struct org_roots *roots,
			     struct org_policies **out, struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct org_policies *ps;
	struct source_list l = { .op = &list_policies_op };
	const char *types[NTYPES_MAX];
	int enabled[NTYPES_MAX];
	size_t nt, i, from;
	int rc = 0;

	*out = NULL;
	aws_error_clear(err);
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return orgs_nomem(err, "ListPolicies");
	l.vec = &ps->v;
	l.n = &ps->n;
	l.skipped = &ps->skipped;
	policy_types(s, roots, types, enabled, &nt);
	for (i = 0; rc == 0 && i < nt; i++) {
		from = ps->n;
		rc = source_list_run(&l, s->client, NULL, err, "{s:s, s:i}",
				     "Filter", types[i], "MaxResults",
				     SRC_AWS_PAGE_SIZE);
		if (rc && !enabled[i] &&
		    !strcmp(err->code, "InvalidInputException")) {
			/* a type this partition does not have */
			aws_error_clear(err);
			rc = 0;
		}
		for (; rc == 0 && from < ps->n; from++)
			ps->v[from].type_enabled = enabled[i];
	}
	if (rc == 0) {
		org_policies_sort(ps);
		*out = ps;
		ps = NULL;
	}
	org_policies_free(ps);
	return rc;
}

static int parse_target(struct source_list *l, json_t *it, void *slot)
{
	struct org_policy_target *t = slot;
	json_t *arn = NULL, *name = NULL, *type = NULL;
	const char *id, *sarn, *sname, *stype;
	json_error_t je;
	int rc;

	if (json_unpack_ex(it, &je, 0, "{s:s, s?o, s?o, s?o}", "TargetId", &id,
			   "Arn", &arn, "Name", &name, "Type", &type))
		return source_list_malformed(l, "target: %s", je.text);
	if (source_opt_str(arn, &sarn) || source_opt_str(name, &sname) ||
	    source_opt_str(type, &stype))
		return source_list_malformed(l, "target %s: a member is not a string",
					     id);
	if ((rc = source_check_id(l, "target", "TargetId", id, ids_is_target)) ||
	    (rc = source_check_id(l, "target", "Arn", sarn, ids_is_org_arn)))
		return rc;
	{
		char **dst[] = { &t->id, &t->arn, &t->name, &t->type };
		const char *const srcs[] = { id, sarn, sname, stype };

		if (source_dup_all(dst, srcs, 4))
			return source_list_nomem(l);
	}
	return 0;
}

static const struct source_list_op list_targets_op =
	ORG_LIST_OP("ListTargetsForPolicy", "Targets",
		    struct org_policy_target, parse_target);
/* Not a listing: names DescribePolicy in parse_summary()'s errors. */
static const struct source_list_op describe_policy_op = {
	.svc = &aws_svc_organizations,
	.op = "DescribePolicy",
};

/* The policy's summary and content from DescribePolicy into pol. */
static int describe_policy(struct aws_source *s, const char *id,
			   struct org_policy *pol, struct aws_error *err)
{
	struct source_list l = { .op = &describe_policy_op };
	json_t *in, *reply = NULL, *policy, *summary;
	const char *content, *nul;
	json_error_t je;
	int rc;

	in = json_pack("{s:s}", "PolicyId", id);
	if (!in)
		return orgs_nomem(err, "DescribePolicy");
	rc = aws_json_call(s->client, &aws_svc_organizations, NULL,
			   "DescribePolicy", in, &reply, err);
	json_decref(in);
	if (rc < 0)
		return rc;
	if (json_unpack_ex(reply, &je, 0, "{s:o}", "Policy", &policy) ||
	    json_unpack_ex(policy, &je, 0, "{s:o, s:s}", "PolicySummary",
			   &summary, "Content", &content))
		rc = orgs_malformed(err, "DescribePolicy", "reply: %s", je.text);
	else if (source_json_has_nul(policy, &nul))
		rc = orgs_malformed(err, "DescribePolicy",
				    "policy %.64s: a NUL byte in %s",
				    id, *nul ? nul : "a string");
	else if ((rc = parse_summary(&l, summary, &pol->summary)) < 0)
		*err = l.err;
	else if (!(pol->content = strdup(content)))
		rc = orgs_nomem(err, "DescribePolicy");
	json_decref(reply);
	return rc;
}

static int aws_describe_policy(struct org_source *src, const char *id,
			       struct org_policy **out, struct aws_error *err)
{
	struct aws_source *s = to_aws(src);
	struct org_policy *pol;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	pol = calloc(1, sizeof(*pol));
	if (!pol)
		return orgs_nomem(err, "DescribePolicy");
	rc = describe_policy(s, id, pol, err);
	if (rc == 0) {
		struct source_list l = { .op = &list_targets_op,
					 .vec = &pol->targets,
					 .n = &pol->ntargets,
					 .skipped = &pol->skipped };

		rc = source_list_run(&l, s->client, NULL, err, "{s:s, s:i}",
				     "PolicyId", id, "MaxResults",
				     SRC_AWS_PAGE_SIZE);
	}
	if (rc < 0) {
		org_policy_free(pol);
		return rc;
	}
	org_policy_sort(pol);
	*out = pol;
	return 0;
}

/* ---- effective_tag_policy ---- */

static int aws_effective_tag_policy(struct org_source *src,
				    const char *account,
				    struct org_document **out,
				    struct aws_error *err)
{
	static const char op[] = "DescribeEffectivePolicy";
	struct aws_source *s = to_aws(src);
	json_t *in = NULL, *reply = NULL, *pol, *ts = NULL;
	struct org_document *d = NULL;
	const char *content, *nul;
	json_error_t je;
	int rc;

	*out = NULL;
	aws_error_clear(err);
	if (!account || !source_is_account_id(account))
		return source_fail(err, &aws_svc_organizations, op, EINVAL,
				   "InvalidInputException",
				   "effective tag policy: not an account id: %.40s",
				   account ? account : "(null)");
	d = calloc(1, sizeof(*d));
	in = json_pack("{s:s, s:s}", "PolicyType", "TAG_POLICY",
		       "TargetId", account);
	if (!d || !in) {
		rc = orgs_nomem(err, op);
		goto out;
	}
	rc = aws_json_call(s->client, &aws_svc_organizations, NULL, op, in,
			   &reply, err);
	if (rc < 0) {
		if (strcmp(err->code, "EffectivePolicyNotFoundException"))
			goto out;
		/* no tag policy applies to the account: a plain answer */
		aws_error_clear(err);
		d->present = 0;
		d->text = strdup("");
		if (!d->text) {
			rc = orgs_nomem(err, op);
			goto out;
		}
		rc = 0;
		*out = d;
		d = NULL;
		goto out;
	}
	if (json_unpack_ex(reply, &je, 0, "{s:o}", "EffectivePolicy", &pol) ||
	    json_unpack_ex(pol, &je, 0, "{s:s, s?o}", "PolicyContent",
			   &content, "LastUpdatedTimestamp", &ts)) {
		rc = orgs_malformed(err, op, "reply: %s", je.text);
		goto out;
	}
	if (source_json_has_nul(pol, &nul)) {
		rc = orgs_malformed(err, op, "reply: a NUL byte in %s",
				    *nul ? nul : "a string");
		goto out;
	}
	if (ts && !json_is_null(ts) && awstime_from_json(ts, &d->updated) < 0) {
		rc = orgs_malformed(err, op, "reply: bad LastUpdatedTimestamp");
		goto out;
	}
	d->present = 1;
	d->text = strdup(content);
	if (!d->text) {
		rc = orgs_nomem(err, op);
		goto out;
	}
	*out = d;
	d = NULL;
out:
	json_decref(in);
	json_decref(reply);
	org_document_free(d);
	return rc;
}

/* ---- the rest ---- */

static void aws_describe(struct org_source *src, struct buf *out)
{
	struct aws_source *s = to_aws(src);
	const char *region = aws_client_region(s->client);
	struct aws_endpoint ep;
	char why[256];

	if (endpoint_resolve(&aws_svc_organizations, region ? region :
			     "us-east-1", aws_client_endpoints(s->client),
			     &ep, why, sizeof(why)))
		buf_printf(out, "AWS Organizations: %s", why);
	else
		buf_printf(out, "AWS Organizations at %s (%s), region %s",
			   ep.url, ep.origin, region ? region : "us-east-1");
}

/* ---- provenance ---- */

/* The endpoints of svc in the regions: one "URL (origin)" when they are
 * the same everywhere, else each URL with its region written <region>
 * (the standard hosts), the regions it serves after its origin. */
static int put_endpoints(struct aws_source *s, const struct aws_service *svc,
			 const char *const *regions, size_t n, struct buf *out)
{
	const struct endpoint_config *cfg = aws_client_endpoints(s->client);
	struct aws_endpoint *ep = calloc(n ? n : 1, sizeof(*ep));
	char why[256], *at;
	size_t i, j;
	int res, done_any = 0;

	if (!ep)
		return -ENOMEM;
	res = buf_printf(out, "endpoint_%s	", svc->config_key);
	for (i = 0; i < n && !res; i++) {
		if (endpoint_resolve(svc, regions[i], cfg, &ep[i], why,
				     sizeof(why))) {
			res = buf_printf(out, "%s%s: %s", done_any ? "; " : "",
					 regions[i], why);
			ep[i].url[0] = 0;
			done_any = 1;
			continue;
		}
		/* a standard host names its region: as <region>, so that
		 * the regions it serves share one line */
		at = strstr(ep[i].url, regions[i]);
		if (n > 1 && at && !strncmp(ep[i].origin, "standard", 8)) {
			char tmpl[sizeof(ep[i].url)];

			snprintf(tmpl, sizeof(tmpl), "%.*s<region>%s",
				 (int)(at - ep[i].url), ep[i].url,
				 at + strlen(regions[i]));
			snprintf(ep[i].url, sizeof(ep[i].url), "%s", tmpl);
		}
	}
	for (i = 0; i < n && !res; i++) {
		int first = 1, all = 1;

		if (!ep[i].url[0])
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(ep[j].url, ep[i].url) &&
			    !strcmp(ep[j].origin, ep[i].origin))
				break;
		if (j < i)
			continue;       /* listed with its group */
		for (j = 0; j < n; j++)
			if (strcmp(ep[j].url, ep[i].url) ||
			    strcmp(ep[j].origin, ep[i].origin))
				all = 0;
		res = buf_printf(out, "%s%s (%s", done_any ? "; " : "",
				 ep[i].url, ep[i].origin);
		done_any = 1;
		if (!all || strstr(ep[i].url, "<region>")) {
			res = res ? res : buf_puts(out, "; regions");
			for (j = i; j < n && !res; j++)
				if (!strcmp(ep[j].url, ep[i].url) &&
				    !strcmp(ep[j].origin, ep[i].origin)) {
					res = buf_printf(out, "%s %s",
							 first ? "" : ",",
							 regions[j]);
					first = 0;
				}
		}
		res = res ? res : buf_putc(out, ')');
	}
	free(ep);
	return res ? res : buf_putc(out, '\n');
}

/* The region of an ARN ("arn:aws:svc:REGION:..."), into out */
static const char *arn_region(const char *arn, char *out, size_t len)
{
	const char *p = arn;
	int i;

	for (i = 0; i < 3 && p; i++) {
		p = strchr(p, ':');
		p = p ? p + 1 : NULL;
	}
	snprintf(out, len, "%.*s", p ? (int)strcspn(p, ":") : 0, p ? p : "");
	return out;
}

static int aws_provenance(struct org_source *src, const char *const *regions,
			  size_t nregions, int resources, struct buf *out)
{
	struct aws_source *s = to_aws(src);
	const char *home = aws_client_region(s->client);
	const char *one[1];
	char own[16], vregion[64];
	struct aws_error err;
	int res;
	int all = !nregions;    /* regions=all: each account's, unknown here */

	if (!home)
		home = "us-east-1";
	one[0] = home;
	if (!nregions) {
		regions = one;
		nregions = 1;
	}
	res = put_endpoints(s, &aws_svc_organizations, one, 1, out);
	if (!res)
		res = put_endpoints(s, &aws_svc_sts, one, 1, out);
	if (!res && all && resources && !s->ops.list_org_resources)
		res = put_endpoints(s, &aws_svc_account, one, 1, out);
	if (!res && resources && s->resource_explorer_view) {
		one[0] = arn_region(s->resource_explorer_view, vregion,
				    sizeof(vregion));
		if (!*one[0])
			one[0] = home;
		res = put_endpoints(s, &aws_svc_resource_explorer, one, 1,
				    out);
	}
	if (!res && resources && !s->ops.list_org_resources)
		res = put_endpoints(s, &aws_svc_tagging, regions, nregions,
				    out);
	if (!res && s->config_aggregator) {
		one[0] = s->config_aggregator_region ?
			 s->config_aggregator_region : home;
		res = put_endpoints(s, &aws_svc_config, one, 1, out);
	} else if (!res) {
		res = put_endpoints(s, &aws_svc_config, regions, nregions, out);
	}
	/* IAM Identity Center, in its own region */
	one[0] = s->sso_region ? s->sso_region : home;
	if (!res)
		res = put_endpoints(s, &aws_svc_sso_admin, one, 1, out);
	if (!res)
		res = put_endpoints(s, &aws_svc_identitystore, one, 1, out);
	if (!res)
		res = buf_printf(out, "credentials\t%s\n", s->credentials ?
				 s->credentials : "unknown");
	if (res)
		return res;

	/* asked once: a failure stays until something else asks again */
	pthread_mutex_lock(&s->id_lock);
	if (s->id_state == ID_UNKNOWN && !s->id_error[0]) {
		pthread_mutex_unlock(&s->id_lock);
		aws_error_clear(&err);
		source_own_account(s, own, sizeof(own), &err);
		pthread_mutex_lock(&s->id_lock);
	}
	while (s->id_state == ID_ASKING)
		pthread_cond_wait(&s->id_cond, &s->id_lock);
	if (s->id_state == ID_KNOWN)
		res = buf_printf(out, "identity_account\t%s\n"
				 "identity_arn\t%s\n", s->own_account,
				 s->own_arn[0] ? s->own_arn :
				 "unknown (only the account was given)");
	else
		res = buf_printf(out, "identity_account\tunknown (%s)\n"
				 "identity_arn\tunknown (%s)\n", s->id_error,
				 s->id_error);
	pthread_mutex_unlock(&s->id_lock);
	return res;
}

/* The client's statistics, totals first, then one line per operation. */
static int aws_status(struct org_source *src, struct buf *out)
{
	struct aws_source *s = to_aws(src);
	struct aws_stats_totals t;
	int res;

	aws_client_stats(s->client, &t);
	res = buf_printf(out,
			 "api_calls\t%llu\napi_requests\t%llu\n"
			 "api_retries\t%llu\napi_throttles\t%llu\n"
			 "api_errors\t%llu\napi_in_flight\t%llu\n",
			 (unsigned long long)t.calls,
			 (unsigned long long)t.requests,
			 (unsigned long long)t.retries,
			 (unsigned long long)t.throttles,
			 (unsigned long long)t.errors,
			 (unsigned long long)t.in_flight);
	return res ? res : aws_client_stats_render(s->client, out);
}

static void aws_destroy(struct org_source *src)
{
	struct aws_source *s = to_aws(src);

	if (!s)
		return;
	credchain_member_roles_free(s->members);
	free(s->profile);
	free(s->endpoint);
	if (s->policy_types)
		free_strs(s->policy_types, s->npolicy_types);
	free(s->policy_types);
	free(s->member_role);
	free(s->external_id);
	free(s->partition);
	free(s->config_aggregator);
	free(s->config_aggregator_region);
	free(s->resource_explorer_view);
	free(s->resources_aggregator);
	free(s->credentials);
	free(s->sso_account);
	free(s->sso_instance);
	free(s->sso_region);
	pthread_mutex_destroy(&s->id_lock);
	pthread_cond_destroy(&s->id_cond);
	free(s);
}

static const struct org_source_ops aws_source_ops = {
	.name = "aws",
	.describe_org = aws_describe_org,
	.list_roots = aws_list_roots,
	.list_accounts = aws_list_accounts,
	.walk_hierarchy = aws_walk_hierarchy,
	.list_parent = aws_list_parent,
	.list_tags = aws_list_tags,
	.list_policies = aws_list_policies,
	.describe_policy = aws_describe_policy,
	.list_resources = aws_list_resources,
	.list_regions = aws_list_regions,
	.effective_tag_policy = aws_effective_tag_policy,
	.config_compliance = aws_config_compliance,
	.list_org_resources = aws_list_org_resources,
	.list_access_psets = aws_list_access_psets,
	.list_account_access = aws_list_account_access,
	.list_members = aws_list_members,
	.describe_principal = aws_describe_principal,
	.describe = aws_describe,
	.provenance = aws_provenance,
	.status = aws_status,
	.destroy = aws_destroy,
};

/* *out = a copy of v when v is set (and, unless empty_too, not "").
 * @return 0 or -ENOMEM */
static int opt_dup(const char *v, int empty_too, char **out)
{
	if (!v || (!*v && !empty_too))
		return 0;
	*out = strdup(v);
	return *out ? 0 : -ENOMEM;
}

/* The options' strings into s.  @return 0 or -ENOMEM */
static int copy_options(struct aws_source *s,
			const struct source_aws_options *opt)
{
	s->member_role = strdup(opt->member_role && *opt->member_role ?
				opt->member_role : SRC_DEFAULT_MEMBER_ROLE);
	s->profile = strdup(opt->profile ? opt->profile : "default");
	if (!s->member_role || !s->profile ||
	    opt_dup(opt->external_id, 0, &s->external_id) ||
	    opt_dup(opt->partition, 0, &s->partition) ||
	    opt_dup(opt->config_aggregator, 0, &s->config_aggregator) ||
	    opt_dup(opt->config_aggregator_region, 0,
		    &s->config_aggregator_region) ||
	    opt_dup(opt->resource_explorer_view, 1,
		    &s->resource_explorer_view) ||
	    opt_dup(opt->config_aggregator, 1, &s->resources_aggregator) ||
	    opt_dup(opt->credentials, 0, &s->credentials) ||
	    opt_dup(opt->endpoint, 1, &s->endpoint) ||
	    opt_dup(opt->sso_account, 0, &s->sso_account) ||
	    opt_dup(opt->sso_instance, 0, &s->sso_instance) ||
	    opt_dup(opt->sso_region, 0, &s->sso_region))
		return -ENOMEM;
	if (opt->policy_types && opt->npolicy_types) {
		s->policy_types = calloc(opt->npolicy_types, sizeof(char *));
		if (!s->policy_types)
			return -ENOMEM;
		for (size_t i = 0; i < opt->npolicy_types; i++) {
			s->policy_types[i] = strdup(opt->policy_types[i]);
			if (!s->policy_types[i])
				return -ENOMEM;
			s->npolicy_types = i + 1;
		}
	}
	return 0;
}

struct org_source *source_aws_new(struct aws_client *client,
				  const struct source_aws_options *opt)
{
	static const struct source_aws_options defaults;
	struct aws_source *s;

	if (!opt)
		opt = &defaults;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ops = aws_source_ops;
	s->base.ops = &s->ops;
	s->client = client;
	pthread_mutex_init(&s->id_lock, NULL);
	pthread_cond_init(&s->id_cond, NULL);
	s->members = credchain_member_roles_new(client);
	if (!s->members || copy_options(s, opt) < 0) {
		aws_destroy(&s->base);
		return NULL;
	}
	if (!opt->resource_explorer_view && !opt->config_aggregator)
		s->ops.list_org_resources = NULL;
	s->compliance_details = opt->compliance_details;
	if (opt->caller_account && source_is_account_id(opt->caller_account)) {
		snprintf(s->own_account, sizeof(s->own_account), "%s",
			 opt->caller_account);
		snprintf(s->own_arn, sizeof(s->own_arn), "%s",
			 opt->caller_arn ? opt->caller_arn : "");
		s->id_state = ID_KNOWN;
	} else if (opt->caller_unknown) {
		snprintf(s->id_error, sizeof(s->id_error), "%s",
			 opt->caller_unknown);
	}
	s->concurrency = opt->concurrency > 0 ? opt->concurrency :
			 SRC_AWS_DEFAULT_CONCURRENCY;
	if (s->concurrency > SRC_AWS_MAX_CONCURRENCY)
		s->concurrency = SRC_AWS_MAX_CONCURRENCY;
	return &s->base;
}

