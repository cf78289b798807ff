/* tree_root.c - the top of the tree: /, README, tables/accounts.tsv, /org, and
 * /.orgfs (the mount itself) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefetch.h"
#include "table.h"
#include "tree.h"
#include "views.h"

/* ------------------------------------------------------------------ */
/* what the mount reads, and as whom */

#define DEMO_NONE "none (the built-in demo)"

/* "<key>\t<value>" lines: the endpoints, the credentials and the caller
 * identity (source.h provenance), control characters shown as '?' */
static int provenance(struct orgfs *fs, struct buf *out)
{
	struct org_source *src = org_source(fs->org);
	char *p;
	int res;

	if (!src->ops->provenance)
		return buf_puts(out,
			"endpoints\tnone (the built-in demo calls no AWS "
			"service)\n"
			"credentials\t" DEMO_NONE "\n"
			"identity_account\t" DEMO_NONE "\n"
			"identity_arn\t" DEMO_NONE "\n");
	res = src->ops->provenance(src, (const char *const *)fs->regions,
				   fs->nregions, fs->resources, out);
	for (p = out->data; !res && p && *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n') ||
		    *p == 0x7f)
			*p = '?';
	return res;
}

/* The value of key in provenance lines, or NULL; *len its length */
static const char *prov_get(const char *lines, const char *key, int *len)
{
	size_t k = strlen(key);
	const char *p;

	for (p = lines; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, k) && p[k] == '\t') {
			*len = (int)strcspn(p + k + 1, "\n");
			return p + k + 1;
		}
	return NULL;
}

/* The README's lines about the source: endpoints (one line when every
 * service has the same), credentials, identity */
static int readme_source(struct orgfs *fs, struct buf *b)
{
	struct org_source *src = org_source(fs->org);
	const char *v, *arn, *p, *first = NULL;
	int len, alen, flen = 0, same = 1, res;
	struct buf kv;

	if (!src->ops->provenance)
		return buf_printf(b,
			"Source:      the built-in demo (%s): no AWS endpoint, "
			"no credentials, nothing read from AWS\n"
			"Identity:    none (the built-in demo)\n",
			fs->source_desc);
	buf_init(&kv, 1 << 20);
	res = provenance(fs, &kv);
	for (p = buf_str(&kv); !res && *p; p += strcspn(p, "\n") + 1) {
		if (strncmp(p, "endpoint_", 9) || !(v = strchr(p, '\t')))
			break;
		len = (int)strcspn(++v, "\n");
		if (!first) {
			first = v;
			flen = len;
		} else if (len != flen || strncmp(v, first, (size_t)len)) {
			same = 0;
		}
	}
	if (!res)
		res = buf_printf(b, "Source:      %s\n", fs->source_desc);
	for (p = buf_str(&kv); !res && !strncmp(p, "endpoint_", 9) &&
	     strchr(p, '\t'); p += strcspn(p, "\n") + 1) {
		len = (int)strcspn(p, "\t");
		v = p + len + 1;
		if (same) {
			res = buf_printf(b, "Endpoints:   %.*s, every service\n",
					 (int)strcspn(v, "\n"), v);
			break;
		}
		res = buf_printf(b, "%s%-28.*s %.*s\n",
				 p == buf_str(&kv) ? "Endpoints:   " :
				 "             ", len - 9, p + 9,
				 (int)strcspn(v, "\n"), v);
	}
	v = prov_get(buf_str(&kv), "credentials", &len);
	if (!res && v)
		res = buf_printf(b, "Credentials: %.*s\n", len, v);
	v = prov_get(buf_str(&kv), "identity_account", &len);
	arn = prov_get(buf_str(&kv), "identity_arn", &alen);
	if (!res && v && arn && strncmp(v, "unknown", 7))
		res = buf_printf(b, "Identity:    %.*s (account %.*s)\n",
				 alen, arn, len, v);
	else if (!res && v)
		res = buf_printf(b, "Identity:    %.*s\n", len, v);
	buf_free(&kv);
	return res;
}

/* The README's line naming the regions whose resources are read */
static int readme_regions(struct orgfs *fs, struct buf *b)
{
	size_t i;
	int res;

	if (!fs->resources)
		return 0;
	if (fs->aggregated)
		return buf_puts(b, "Regions:     those the aggregator covers "
				"(one organization-wide listing)\n");
	if (fs->regions_all)
		return buf_printf(b, "Regions:     all: each account's enabled "
				  "regions (account:ListRegions, one call per "
				  "account, cached %llu s), global resources "
				  "once under global\n",
				  (unsigned long long)
				  (fs->ttl_ms[ORG_REGIONS] / 1000));
	res = buf_puts(b, "Regions:     ");
	for (i = 0; !res && i < fs->nregions; i++)
		res = buf_printf(b, "%s%s", i ? ", " : "", fs->regions[i]);
	return res ? res : buf_puts(b, " (-o regions; others are not "
				    "read)\n");
}

/* ------------------------------------------------------------------ */
/* / */

int f_readme(struct lctx *c, struct node *out)
{
	struct orgfs *fs = c->fs;
	const struct org_info *oi = need(c, ORG_INFO, "");
	struct buf *b = &out->data;
	int res;

	if (!oi)
		return failed(c);
	res = buf_printf(b,
		"This is orgfs: AWS Organization %s, read-only.\n\n", oi->id);
	if (!res)
		res = readme_source(fs, b);
	if (!res)
		res = readme_regions(fs, b);
	if (res)
		return res;
	return buf_printf(b,
		"Cached for (seconds): organization %llu, accounts %llu, "
		"OUs %llu, tags %llu, policies %llu\n"
		"\n"
		"Where to start:\n"
		"  tables/               org-wide tables (a stat renders them: ls -l crawls):\n"
		"    accounts.tsv        one line per account: id name email state path owner\n"
		"    resources.tsv       every resource: arn account region service type owner\n"
		"    unowned_resources.tsv  the resources nobody owns\n"
		"    *.jsonl             each table as JSON Lines, for jq\n"
		"  accounts/<id>/        name email state arn joined_method joined parent path\n"
		"                        owner owner.source tags/ policies/\n"
		"  by-name/<name>        links to accounts by name\n"
		"  ous/<id>/             roots and organizational units\n"
		"  tree/                 the hierarchy by name\n"
		"  policies/<id>/        organization policies: content.json, targets/\n"
		"  owners/<owner>/       what each owner owns: accounts/ ous/ resources.tsv\n"
		"  unowned/              what nobody owns: accounts/ ous/\n"
		"  tags/<key>/<value>/   objects by tag: accounts/ ous/ resources.tsv\n"
		"  services/<s>/<type>/  resources.tsv of one kind of resource\n"
		"  compliance/           summary, failing.tsv, not_judged.tsv, rules/:\n"
		"                        where everything stands, and what could not be judged\n"
		"  .orgfs/               status, config and errors of this mount\n"
		"\n"
		"Audits:\n"
		"  ls unowned/accounts                              accounts nobody owns\n"
		"  awk -F'\\t' 'NR > 1 && !/^#/ && $6 == \"\"' tables/accounts.tsv\n"
		"                                                   the same, as a table\n"
		"  cut -d' ' -f1-4 accounts/*/owner.source | sort | uniq -c\n"
		"                                                   where owners come from\n"
		"  grep -l '^policy' accounts/*/compliance          accounts breaking a policy\n"
		"\n"
		"A table's first line is its header; \"# incomplete: ...\" second when\n"
		"something could not be read (skip it: grep -v '^#').\n"
		"See orgfs(1) for the whole layout.\n",
		(unsigned long long)(fs->ttl_ms[ORG_INFO] / 1000),
		(unsigned long long)(fs->ttl_ms[ORG_ACCOUNTS] / 1000),
		(unsigned long long)(fs->ttl_ms[ORG_HIER] / 1000),
		(unsigned long long)(fs->ttl_ms[ORG_TAGS] / 1000),
		(unsigned long long)(fs->ttl_ms[ORG_POLICIES] / 1000));
}

/* Every account's effective owner into owners[] (NULL: none): from the
 * org-wide index when it is at hand, else each account's own (its tags,
 * and those of the OUs above it only as far as one names an owner: not
 * every OU's).  @return 0 or -errno (failed(c)) */
static int account_owners(struct lctx *c, const struct org_accounts *a,
			  char **owners)
{
	struct cache_ref ref;
	const char **ids;
	time_t fetched;
	size_t i;
	int stale, res = 0;

	if (!org_peek(c->fs->org, ORG_INDEX, "", &ref)) {
		for (i = 0; i < a->n; i++) {
			const struct org_index_obj *ob =
				org_index_find(ref.data, a->v[i].id);

			owners[i] = ob && ob->owner ? strdup(ob->owner) : NULL;
			if (ob && ob->owner && !owners[i])
				res = -ENOMEM;
		}
		if (ref.fetched > c->mtime)
			c->mtime = ref.fetched;
		c->stale |= ref.stale;
		org_put(c->fs->org, &ref);
		return res;
	}
	ids = calloc(a->n ? a->n : 1, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < a->n; i++)
		ids[i] = a->v[i].id;
	res = org_owner_values(c->fs->org, ids, a->n, c->path, owners,
			       &fetched, &stale, &c->err);
	free(ids);
	if (res)
		return failed(c);
	if (fetched > c->mtime)
		c->mtime = fetched;
	c->stale |= stale;
	return 0;
}

int f_accounts_tsv(struct lctx *c, struct node *out)
{
	const struct org_accounts *a = need(c, ORG_ACCOUNTS, "");
	const struct org_hier *h = a ? hier(c) : NULL;
	static const struct table_col cols[] = {
		{ "id", TT_STR }, { "name", TT_STR }, { "email", TT_STR },
		{ "state", TT_STR }, { "path", TT_STR }, { "owner", TT_OPT },
	};
	struct table t;
	struct buf path;
	char **owners;
	size_t i;
	int res;

	if (!a || !h)
		return failed(c);
	owners = calloc(a->n ? a->n : 1, sizeof(*owners));
	if (!owners)
		return -ENOMEM;
	/* with the hierarchy at hand, the owners' parents cost nothing */
	res = account_owners(c, a, owners);
	if (res) {
		for (i = 0; i < a->n; i++)
			free(owners[i]);
		free(owners);
		return res;
	}
	buf_init(&path, 1 << 20);
	res = table_start(&t, c, &out->data, cols, ARRAY_SIZE(cols));
	for (i = 0; i < a->n && !res; i++) {
		const struct org_account *ac = &a->v[i];

		buf_reset(&path);
		res = tree_path(c, h, org_hier_parent_of(h, ac->id), &path);
		if (!res)
			res = table_row(&t, ac->id, ac->name, ac->email,
					ac->state, buf_str(&path), owners[i]);
	}
	/* records the listings left out (lib/model.h org_skipped) */
	if (!res && a->skipped.n + h->skipped.n)
		res = table_incomplete(&t, "%zu record%s left out, see "
				       ".orgfs/errors",
				       a->skipped.n + h->skipped.n,
				       a->skipped.n + h->skipped.n == 1 ?
				       "" : "s");
	buf_free(&path);
	for (i = 0; i < a->n; i++)
		free(owners[i]);
	free(owners);
	return table_finish(&t, res);
}

/* ------------------------------------------------------------------ */
/* /org */

static const struct field org_fields[] = {
	FIELD(struct org_info, id, FIELD_STR),
	FIELD(struct org_info, arn, FIELD_STR),
	FIELD(struct org_info, management_account_id, FIELD_STR),
	FIELD(struct org_info, management_account_email, FIELD_STR),
	FIELD(struct org_info, management_account_arn, FIELD_STR),
	FIELD(struct org_info, feature_set, FIELD_STR),
};

int ls_org(struct lctx *c, struct dlist *d)
{
	return dl_add_fields(d, org_fields, ARRAY_SIZE(org_fields));
}

int f_org_field(struct lctx *c, struct node *out)
{
	const struct org_info *oi = need(c, ORG_INFO, "");

	if (!oi)
		return failed(c);
	return put_field(out, org_fields, ARRAY_SIZE(org_fields), c->arg[0],
			 oi);
}

/* one "<TYPE>\t<STATUS>" line per type enabled on the root */
int f_org_policy_types(struct lctx *c, struct node *out)
{
	const struct org_info *oi = need(c, ORG_INFO, "");
	size_t i;
	int res = 0;

	if (!oi)
		return failed(c);
	for (i = 0; i < oi->ntypes && !res; i++)
		res = buf_printf(&out->data, "%s\t%s\n", oi->types[i].type,
				 oi->types[i].status);
	return res;
}

/* ------------------------------------------------------------------ */
/* /.orgfs: the mount itself; changes from one read to the next */

int ls_dot(struct lctx *c, struct dlist *d)
{
	int res = dl_add_raw(d, strdup("status"), NODE_FILE);

	if (!res)
		res = dl_add_raw(d, strdup("config"), NODE_FILE);
	if (!res)
		res = dl_add_raw(d, strdup("errors"), NODE_FILE);
	return res;
}

int f_dot(struct lctx *c, struct node *out)
{
	struct orgfs *fs = c->fs;
	struct org_source *src = org_source(fs->org);
	const char *f = c->arg[0];
	struct resindex_stats rp;
	size_t nviews;
	int res, nv;

	out->dynamic = 1;
	out->mtime = time(NULL);
	if (!strcmp(f, "config")) {
		res = buf_puts(&out->data, buf_str(&fs->config_text));
		return res ? res : provenance(fs, &out->data);
	}
	if (!strcmp(f, "errors"))
		return org_render_errors(fs->org, &out->data);
	if (strcmp(f, "status"))
		return -ENOENT;
	nv = views_count(&nviews);
	resindex_stats(fs->index, &rp);
	res = buf_printf(&out->data, "source\t%s\nidentity\t%s\n",
			 fs->source_desc, fs->identity);
	if (!res)
		res = org_render_status(fs->org, &out->data);
	if (!res)
		res = buf_printf(&out->data,
			"resource_slices_done\t%llu\n"
			"resource_slices_total\t%llu\n"
			"resources_seen\t%llu\n"
			"resource_accounts_unreadable\t%llu\n"
			"resource_walks\t%llu\n"
			"json_renders\t%llu\n"
			"views_kept\t%d\n"
			"views_bytes\t%zu\n"
			"inodes\t%zu\n"
			"kernel_listings_dropped\t%llu\n"
			"kernel_inodes_invalidated\t%llu\n"
			"kernel_entries_invalidated\t%llu\n"
			"cache_drops\t%llu\n",
			(unsigned long long)rp.slices_done,
			(unsigned long long)rp.slices_total,
			(unsigned long long)rp.resources,
			(unsigned long long)rp.unreadable,
			(unsigned long long)rp.builds, put_json_renders(),
			nv, nviews,
			__atomic_load_n(&fs->inodes, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&fs->listings_dropped,
							    __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(
				&fs->inodes_invalidated, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(
				&fs->entries_invalidated, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&fs->drops,
							    __ATOMIC_ACQUIRE));
	if (!res)
		res = ops_render_requests(&out->data);
	if (!res && src->ops->status)
		res = src->ops->status(src, &out->data);
	if (!res) {
		/* the crawl's figures, read off the lines above */
		char *above = strdup(buf_str(&out->data));

		res = above ? progress_render(fs, above, &out->data) : -ENOMEM;
		free(above);
	}
	return res;
}
