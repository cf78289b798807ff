/* srcdump - print what the aws source returns, as JSON (for pytest)
 *
 * srcdump --endpoint URL --region R [--access-key K] [--concurrency N]
 *         [--policy-type T]... [--profile P] [--max-attempts N] [--stats]
 *         [--member-role R] [--external-id X] [--compliance]
 *         [--caller-account ID] [--caller-arn ARN] [--config-aggregator NAME]
 *         [--config-aggregator-region R] [--regions R1,R2]
 *         org | accounts | hier | tags ID | policies | policy ID | describe
 *         | provenance
 *         | resources ACCOUNT REGION [ACCOUNT REGION]...
 *         | config ACCOUNT REGION [ACCOUNT REGION]...
 *         | effective-tag-policy ACCOUNT [ACCOUNT]...
 *         | regions ACCOUNT [ACCOUNT]...
 *         | agg-config AGGREGATOR [HOME-REGION] | agg-resexp VIEW-ARN
 *
 * resources prints one JSON list per ACCOUNT REGION pair, one per line,
 * all listed through the same source (so member credentials are reused);
 * config likewise one {"Enabled", "Rules": [{"Name", "Compliance"}]} per
 * pair, effective-tag-policy one {"Present", "Text", "Updated"} per
 * account.
 * provenance prints the provenance op's text twice (two JSON strings, one
 * a line), in the regions of --regions (default: --region).
 * agg-config and agg-resexp print the one org-wide list that
 * source_agg_list_config / source_agg_list_resource_explorer return.
 *
 * The secret key comes from the environment (SRCDUMP_SECRET), never from
 * the command line.  On failure one line goes to stderr and the exit
 * status is 1; nothing is printed on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "buf.h"
#include "credchain.h"
#include "creds.h"
#include "http.h"
#include "log.h"
#include "model.h"
#include "source.h"
#include "source_agg.h"
#include "source_aws.h"

#define MAX_TYPES 32

static json_t *dump_org(const struct org_info *o)
{
	json_t *types = json_array();

	for (size_t i = 0; i < o->ntypes; i++)
		json_array_append_new(types, json_pack("{s:s, s:s}",
			"Type", o->types[i].type, "Status", o->types[i].status));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
			 "Id", o->id, "Arn", o->arn,
			 "FeatureSet", o->feature_set,
			 "MasterAccountId", o->management_account_id,
			 "MasterAccountArn", o->management_account_arn,
			 "MasterAccountEmail", o->management_account_email,
			 "PolicyTypes", types);
}

static json_t *dump_accounts(const struct org_accounts *a)
{
	json_t *v = json_array();

	for (size_t i = 0; i < a->n; i++) {
		const struct org_account *x = &a->v[i];

		json_array_append_new(v, json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:s, s:I}",
			"Id", x->id, "Arn", x->arn, "Name", x->name,
			"Email", x->email, "State", x->state,
			"JoinedMethod", x->joined_method,
			"Joined", (json_int_t)x->joined));
	}
	return v;
}

static json_t *dump_hier(const struct org_hier *h)
{
	json_t *ous = json_array(), *links = json_array();

	for (size_t i = 0; i < h->nous; i++) {
		const struct org_ou *o = &h->ous[i];

		json_array_append_new(ous, json_pack("{s:s, s:s, s:s, s:o}",
			"Id", o->id, "Arn", o->arn, "Name", o->name,
			"ParentId", o->parent_id ? json_string(o->parent_id) :
						   json_null()));
	}
	for (size_t i = 0; i < h->nlinks; i++)
		json_array_append_new(links, json_pack("{s:s, s:s}",
			"Id", h->links[i].child_id,
			"ParentId", h->links[i].parent_id));
	return json_pack("{s:o, s:o}", "ous", ous, "links", links);
}

static json_t *dump_tags(const struct org_tags *t)
{
	json_t *v = json_array();

	for (size_t i = 0; i < t->n; i++)
		json_array_append_new(v, json_pack("{s:s, s:s}",
			"Key", t->v[i].key, "Value", t->v[i].value));
	return v;
}

static json_t *dump_summary(const struct org_policy_summary *p)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}",
			 "Id", p->id, "Arn", p->arn, "Name", p->name,
			 "Type", p->type, "Description", p->description,
			 "AwsManaged", p->aws_managed);
}

static json_t *dump_policies(const struct org_policies *p)
{
	json_t *v = json_array();

	for (size_t i = 0; i < p->n; i++)
		json_array_append_new(v, dump_summary(&p->v[i]));
	return v;
}

static json_t *dump_policy(const struct org_policy *p)
{
	json_t *v = dump_summary(&p->summary), *targets = json_array();

	for (size_t i = 0; i < p->ntargets; i++)
		json_array_append_new(targets, json_pack(
			"{s:s, s:s, s:s, s:s}",
			"TargetId", p->targets[i].id, "Arn", p->targets[i].arn,
			"Name", p->targets[i].name, "Type", p->targets[i].type));
	json_object_set_new(v, "Content", json_string(p->content));
	json_object_set_new(v, "Targets", targets);
	return v;
}

static json_t *dump_resources(const struct org_resources *r)
{
	json_t *v = json_array();

	for (size_t i = 0; i < r->n; i++) {
		const struct org_resource *x = &r->v[i];

		json_array_append_new(v, json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s}",
			"Arn", x->arn, "Service", x->service,
			"Region", x->region, "Account", x->account,
			"Type", x->type, "Id", x->id,
			"Tags", dump_tags(&x->tags),
			"Compliance", x->compliance));
	}
	return v;
}

static json_t *dump_rules(const struct org_config_rules *r)
{
	json_t *v = json_array();

	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(v, json_pack("{s:s, s:s}",
			"Name", r->v[i].name,
			"Compliance", r->v[i].compliance));
	return json_pack("{s:b, s:o}", "Enabled", r->enabled, "Rules", v);
}

static json_t *dump_document(const struct org_document *d)
{
	return json_pack("{s:b, s:s, s:I}", "Present", d->present,
			 "Text", d->text, "Updated", (json_int_t)d->updated);
}

static int run(struct org_source *src, const char *what, const char *arg,
	       const char *arg2, json_t **out, struct aws_error *err)
{
	const struct org_source_ops *ops = src->ops;
	struct org_roots *roots = NULL;
	int rc;

	if (!strcmp(what, "org")) {
		struct org_info *o;

		/* as org.c builds it: the organization, then the root's
		 * policy types */
		rc = ops->describe_org(src, &o, err);
		if (rc == 0) {
			rc = ops->list_roots(src, &roots, err);
			if (rc == 0 &&
			    org_policy_types_copy(roots->v[0].types,
						  roots->v[0].ntypes, &o->types,
						  &o->ntypes))
				rc = -ENOMEM;
			if (rc == 0)
				*out = dump_org(o);
			org_info_free(o);
		}
	} else if (!strcmp(what, "accounts")) {
		struct org_accounts *a;

		rc = ops->list_accounts(src, &a, err);
		if (rc == 0) {
			*out = dump_accounts(a);
			org_accounts_free(a);
		}
	} else if (!strcmp(what, "hier")) {
		struct org_hier *h;

		rc = ops->list_roots(src, &roots, err);
		if (rc == 0)
			rc = ops->walk_hierarchy(src, roots, &h, err);
		if (rc == 0) {
			*out = dump_hier(h);
			org_hier_free(h);
		}
	} else if (!strcmp(what, "tags")) {
		struct org_tags *t;

		rc = ops->list_tags(src, arg, &t, err);
		if (rc == 0) {
			*out = dump_tags(t);
			org_tags_free(t);
		}
	} else if (!strcmp(what, "policies")) {
		struct org_policies *p;

		rc = ops->list_roots(src, &roots, err);
		if (rc == 0)
			rc = ops->list_policies(src, roots, &p, err);
		if (rc == 0) {
			*out = dump_policies(p);
			org_policies_free(p);
		}
	} else if (!strcmp(what, "policy")) {
		struct org_policy *p;

		rc = ops->describe_policy(src, arg, &p, err);
		if (rc == 0) {
			*out = dump_policy(p);
			org_policy_free(p);
		}
	} else if (!strcmp(what, "resources")) {
		struct org_resources *r;

		if (!ops->list_resources)
			return -ENOSYS;
		rc = ops->list_resources(src, arg, arg2, &r, err);
		if (rc == 0) {
			*out = dump_resources(r);
			org_resources_free(r);
		}
	} else if (!strcmp(what, "config")) {
		struct org_config_rules *r;

		if (!ops->config_compliance)
			return -ENOSYS;
		rc = ops->config_compliance(src, arg, arg2, &r, err);
		if (rc == 0) {
			*out = dump_rules(r);
			org_config_rules_free(r);
		}
	} else if (!strcmp(what, "regions")) {
		struct org_regions *r;

		if (!ops->list_regions)
			return -ENOSYS;
		rc = ops->list_regions(src, arg, &r, err);
		if (rc == 0) {
			*out = json_array();
			for (size_t i = 0; *out && i < r->n; i++)
				json_array_append_new(*out,
						      json_string(r->v[i]));
			org_regions_free(r);
		}
	} else if (!strcmp(what, "effective-tag-policy")) {
		struct org_document *d;

		if (!ops->effective_tag_policy)
			return -ENOSYS;
		rc = ops->effective_tag_policy(src, arg, &d, err);
		if (rc == 0) {
			*out = dump_document(d);
			org_document_free(d);
		}
	} else if (!strcmp(what, "provenance")) {
		const char *regs[16];
		char *copy = strdup(arg), *save = NULL, *t;
		size_t n = 0;
		struct buf b;

		for (t = strtok_r(copy, ",", &save); t && n < 16;
		     t = strtok_r(NULL, ",", &save))
			regs[n++] = t;
		buf_init(&b, 1 << 16);
		rc = ops->provenance(src, regs, n, 1, &b);
		if (!rc)
			buf_putc(&b, '\v');    /* the two answers apart */
		if (!rc)
			rc = ops->provenance(src, regs, n, 1, &b);
		*out = rc ? NULL : json_string(buf_str(&b));
		buf_free(&b);
		free(copy);
		if (rc)
			aws_error_set(err, -rc, "OutOfMemory", "out of memory");
	} else {
		struct buf b;

		buf_init(&b, 4096);
		ops->describe(src, &b);
		*out = json_string(buf_str(&b));
		buf_free(&b);
		rc = 0;
	}
	org_roots_free(roots);
	if (rc == 0 && !*out)
		rc = -ENOMEM;
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: srcdump --endpoint URL --region R "
		"[--access-key K] [--concurrency N] [--policy-type T]... "
		"[--profile P] [--max-attempts N] [--stats] "
		"[--member-role R] [--external-id X] [--compliance] "
		"[--caller-account ID] [--caller-arn ARN] "
		"[--config-aggregator NAME] [--config-aggregator-region R] "
		"[--regions R1,R2] "
		"org|accounts|hier|tags ID|policies|policy ID|describe|"
		"provenance|"
		"resources ACCOUNT REGION [ACCOUNT REGION]...|"
		"config ACCOUNT REGION [ACCOUNT REGION]...|"
		"effective-tag-policy ACCOUNT [ACCOUNT]...|regions ACCOUNT...|"
		"agg-config AGGREGATOR [HOME-REGION]|agg-resexp VIEW-ARN\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "endpoint", required_argument, NULL, 'e' },
		{ "region", required_argument, NULL, 'r' },
		{ "access-key", required_argument, NULL, 'k' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "policy-type", required_argument, NULL, 't' },
		{ "profile", required_argument, NULL, 'p' },
		{ "stats", no_argument, NULL, 's' },
		{ "max-attempts", required_argument, NULL, 'm' },
		{ "member-role", required_argument, NULL, 'R' },
		{ "external-id", required_argument, NULL, 'X' },
		{ "compliance", no_argument, NULL, 'C' },
		{ "caller-account", required_argument, NULL, 'A' },
		{ "caller-arn", required_argument, NULL, 'a' },
		{ "regions", required_argument, NULL, 'g' },
		{ "config-aggregator", required_argument, NULL, 'G' },
		{ "config-aggregator-region", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const char *endpoint = NULL, *region = NULL, *regions = NULL;
	const char *akid = "AKIDFAKEROOT000000";
	const char *types[MAX_TYPES];
	struct source_aws_options opt = { 0 };
	struct endpoint_config ecfg = { 0 };
	struct aws_client_config ccfg = { 0 };
	struct http_ctx_config hcfg = { 0 };
	struct http_ctx *http = NULL;
	struct creds_provider *creds = NULL;
	struct aws_client *client = NULL;
	struct org_source *src = NULL;
	const char *what, *arg = NULL, *arg2 = NULL, *secret;
	struct aws_error err;
	json_t *out = NULL;
	size_t ntypes = 0;
	int stats = 0, max_attempts = 0, first_pair = 0, step = 2, c, rc = 1;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': endpoint = optarg; break;
		case 'r': region = optarg; break;
		case 'k': akid = optarg; break;
		case 'c': opt.concurrency = atoi(optarg); break;
		case 't':
			if (ntypes == MAX_TYPES)
				usage();
			types[ntypes++] = optarg;
			break;
		case 'p': opt.profile = optarg; break;
		case 's': stats = 1; break;
		case 'm': max_attempts = atoi(optarg); break;
		case 'R': opt.member_role = optarg; break;
		case 'X': opt.external_id = optarg; break;
		case 'C': opt.compliance_details = 1; break;
		case 'A': opt.caller_account = optarg; break;
		case 'a': opt.caller_arn = optarg; break;
		case 'g': regions = optarg; break;
		case 'G': opt.config_aggregator = optarg; break;
		case 'H': opt.config_aggregator_region = optarg; break;
		default: usage();
		}
	}
	if (!endpoint || !region || optind >= argc)
		usage();
	what = argv[optind++];
	if (!strcmp(what, "tags") || !strcmp(what, "policy")) {
		if (optind >= argc)
			usage();
		arg = argv[optind++];
	} else if (!strcmp(what, "resources") || !strcmp(what, "config")) {
		if (optind + 2 > argc || (argc - optind) % 2)
			usage();
		first_pair = optind;
		optind = argc;
	} else if (!strcmp(what, "effective-tag-policy") ||
		   !strcmp(what, "regions")) {
		if (optind >= argc)
			usage();
		first_pair = optind;
		step = 1;
		optind = argc;
	} else if (!strcmp(what, "agg-config")) {
		if (optind >= argc)
			usage();
		arg = argv[optind++];
		if (optind < argc)
			arg2 = argv[optind++];
	} else if (!strcmp(what, "agg-resexp")) {
		if (optind >= argc)
			usage();
		arg = argv[optind++];
	} else if (strcmp(what, "org") && strcmp(what, "accounts") &&
		   strcmp(what, "hier") && strcmp(what, "policies") &&
		   strcmp(what, "describe") && strcmp(what, "provenance")) {
		usage();
	}
	if (!strcmp(what, "provenance"))
		arg = regions ? regions : region;
	if (optind != argc)
		usage();
	secret = getenv("SRCDUMP_SECRET");
	if (!secret) {
		fprintf(stderr, "srcdump: SRCDUMP_SECRET is not set\n");
		return 1;
	}
	if (ntypes) {
		opt.policy_types = types;
		opt.npolicy_types = ntypes;
	}
	opt.endpoint = endpoint;

	json_object_seed(0);
	if (http_global_init()) {
		fprintf(stderr, "srcdump: cannot initialise libcurl\n");
		return 1;
	}
	http = http_ctx_new(&hcfg);
	creds = creds_static_new(akid, secret, NULL, "srcdump");
	if (!http || !creds) {
		fprintf(stderr, "srcdump: out of memory\n");
		goto out;
	}
	ecfg.orgfs_endpoint = endpoint;
	ccfg.http = http;
	ccfg.creds = creds;
	ccfg.region = region;
	ccfg.endpoints = &ecfg;
	ccfg.max_attempts = max_attempts;
	client = aws_client_new(&ccfg);
	if (!client) {
		fprintf(stderr, "srcdump: cannot create the aws client\n");
		goto out;
	}
	src = source_aws_new(client, &opt);
	if (!src) {
		fprintf(stderr, "srcdump: out of memory\n");
		goto out;
	}
	if (!strncmp(what, "agg-", 4)) {
		struct org_resources *r = NULL;

		aws_error_clear(&err);
		if (!strcmp(what, "agg-config"))
			c = source_agg_list_config(client, arg, arg2, &r, &err);
		else
			c = source_agg_list_resource_explorer(client, arg, &r,
							      &err);
		if (c < 0) {
			char line[1024];

			fprintf(stderr, "srcdump: %s [errno %d]\n",
				aws_error_str(&err, line, sizeof(line)),
				err.err);
			goto out;
		}
		out = dump_resources(r);
		org_resources_free(r);
		if (!out || json_dumpf(out, stdout, JSON_COMPACT) ||
		    fputc('\n', stdout) == EOF || fflush(stdout)) {
			fprintf(stderr, "srcdump: cannot write the result\n");
			goto out;
		}
		rc = 0;
		goto out;
	}
	/* one run, or one per ACCOUNT REGION pair */
	for (int k = 0; k < (first_pair ? (argc - first_pair) / step : 1);
	     k++) {
		const char *a1 = first_pair ? argv[first_pair + step * k] : arg;
		const char *a2 = first_pair && step == 2 ?
				 argv[first_pair + 2 * k + 1] : NULL;

		aws_error_clear(&err);
		if (run(src, what, a1, a2, &out, &err) < 0) {
			char line[1024];

			fprintf(stderr, "srcdump: %s [errno %d]\n",
				aws_error_str(&err, line, sizeof(line)),
				err.err);
			goto out;
		}
		if (json_dumpf(out, stdout, JSON_COMPACT | JSON_ENCODE_ANY) ||
		    fputc('\n', stdout) == EOF || fflush(stdout)) {
			fprintf(stderr, "srcdump: cannot write the result\n");
			goto out;
		}
		json_decref(out);
		out = NULL;
	}
	rc = 0;
out:
	if (stats && client) {
		struct buf b;

		buf_init(&b, 1 << 20);
		aws_client_stats_render(client, &b);
		fprintf(stderr, "%s", buf_str(&b));
		buf_free(&b);
	}
	json_decref(out);
	if (src)
		src->ops->destroy(src);
	aws_client_free(client);
	if (creds)
		creds_provider_release(creds);
	http_ctx_free(http);
	http_global_cleanup();
	return rc;
}
