/* demo_build.c - the demo organization laid out: deterministic draws,
 * names, the OU tree, accounts and policies, and the tags rendered from
 * each account's recipe (see demo_priv.h) */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awserr.h"
#include "demo_data.h"
#include "demo_priv.h"
#include "model.h"

/* ---- deterministic randomness ----------------------------------------- */

uint64_t demo_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t demo_draw(const struct demo *d, unsigned salt, uint64_t i)
{
	return demo_mix64(demo_mix64(((uint64_t)d->seed << 8) ^ salt) ^ i);
}

/* A 40-bit Feistel permutation, cycle-walked into [0, 10^12): distinct
 * indexes give distinct 12-digit account ids that look random. */
static uint64_t account_number(const struct demo *d, uint64_t i)
{
	uint64_t x = i;
	int round;

	do {
		uint32_t l = x >> 20, r = x & 0xfffff;

		for (round = 0; round < 4; round++) {
			uint32_t f = demo_draw(d, H_ID,
					       (uint64_t)round << 32 | r) & 0xfffff;
			uint32_t t = r;

			r = l ^ f;
			l = t;
		}
		x = (uint64_t)l << 20 | r;
	} while (x >= 1000000000000ULL);
	return x;
}

void demo_rand_alnum(char *out, size_t n, uint64_t h)
{
	static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	size_t i;

	for (i = 0; i < n; i++) {
		if (i % 10 == 0 && i)
			h = demo_mix64(h);
		out[i] = alnum[h % 36];
		h /= 36;
	}
	out[n] = '\0';
}

/* ---- small helpers ----------------------------------------------------- */

char *demo_xprintf(int *oom, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		s = NULL;
		*oom = 1;
	}
	va_end(ap);
	return s;
}

char *demo_xstrdup(int *oom, const char *s)
{
	char *r = strdup(s);

	if (!r)
		*oom = 1;
	return r;
}

int demo_error(struct aws_error *err, int e, const char *op,
	       const char *code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		memset(err, 0, sizeof(*err));
		snprintf(err->code, sizeof(err->code), "%s", code);
		snprintf(err->operation, sizeof(err->operation),
			 "organizations:%s", op);
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
		err->http_status = e == ENOMEM ? 0 : 400;
		err->err = e;
	}
	return -e;
}

int demo_oom_error(struct aws_error *err, const char *op)
{
	return demo_error(err, ENOMEM, op, "OutOfMemory",
			  "demo source: out of memory");
}

/* ---- tags ---------------------------------------------------------------- */

static void tag_add_n(struct tagv *tv, const char *k, size_t klen,
		      const char *v)
{
	struct org_tags *t = tv->t;
	char *key, *val;

	if (tv->oom)
		return;
	if (t->n == tv->cap) {
		size_t ncap = tv->cap ? 2 * tv->cap : 8;
		struct org_tag *nv = realloc(t->v, ncap * sizeof(*nv));

		if (!nv) {
			tv->oom = 1;
			return;
		}
		t->v = nv;
		tv->cap = ncap;
	}
	key = strndup(k, klen);
	val = strdup(v);
	if (!key || !val) {
		free(key);
		free(val);
		tv->oom = 1;
		return;
	}
	t->v[t->n].key = key;
	t->v[t->n].value = val;
	t->n++;
}

void demo_tag_add(struct tagv *tv, const char *k, const char *v)
{
	tag_add_n(tv, k, strlen(k), v);
}

void demo_tag_addf(struct tagv *tv, const char *k, const char *fmt, ...)
{
	char v[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	demo_tag_add(tv, k, v);
}

void demo_tag_add_spec(struct tagv *tv, const struct demo *d,
		       const char *spec)
{
	while (*spec) {
		const char *end = strchr(spec, '|');
		const char *eq = strchr(spec, '=');
		char val[300];
		size_t len;

		if (!end)
			end = spec + strlen(spec);
		len = end - eq - 1;
		if (len >= sizeof(val))
			len = sizeof(val) - 1;
		memcpy(val, eq + 1, len);
		val[len] = '\0';
		tag_add_n(tv, spec, eq - spec,
			  strcmp(val, LONG_VALUE) ? val : d->long_value);
		spec = *end ? end + 1 : end;
	}
}

/* "platform" -> "platfrom": the typo swaps the third- and second-last
 * letters. */
void demo_typo(char *out, size_t size, const char *s)
{
	size_t n = strlen(s);
	char c;

	snprintf(out, size, "%s", s);
	if (n >= 4 && n < size) {
		c = out[n - 3];
		out[n - 3] = out[n - 2];
		out[n - 2] = c;
	}
}

const char *demo_team_name(const struct demo_acct *a)
{
	return demo_bus[a->bu].teams[a->item];
}

void demo_account_tags(const struct demo *d, const struct demo_acct *a,
		       struct tagv *tv)
{
	unsigned g = a->gap;
	char tmp[64];

	switch ((enum cat)a->cat) {
	case CAT_FIXED:
		demo_tag_add_spec(tv, d, demo_fixed[a->fixed].tags);
		break;
	case CAT_WORKLOAD: {
		const char *team = demo_team_name(a);

		demo_tag_add(tv, "Environment",
			     g == 11 ? demo_env_long[a->env] :
			     demo_env_slug[a->env]);
		if (g == 8)
			demo_tag_add(tv, "CostCenter", "");
		else if (g != 9 && g != 10)
			demo_tag_add(tv, "CostCenter", demo_bus[a->bu].cost_center);
		if (a->env == ENV_PROD)
			demo_tag_add(tv, "DataClassification", "confidential");
		if (g < 4) {
			/* no owner: the BU OU may still name one */
		} else if (g < 6) {
			demo_tag_add(tv, "owner", team);
		} else if (g == 6) {
			demo_tag_addf(tv, "Team", " %s ", team);
		} else if (g == 7) {
			demo_typo(tmp, sizeof(tmp), team);
			demo_tag_add(tv, "Team", tmp);
		} else {
			demo_tag_add(tv, "Team", team);
			if (g >= 60)
				demo_tag_add(tv, "Owner", team);
		}
		break;
	}
	case CAT_SANDBOX:
		if (g < 10)
			break;
		if (g < 15) {
			demo_tag_addf(tv, "owner", "%s@example.com",
				      demo_people[a->item]);
			break;
		}
		demo_tag_addf(tv, "Owner", "%s@example.com", demo_people[a->item]);
		demo_tag_add(tv, "Environment", "sandbox");
		break;
	case CAT_DATA: {
		const char *comp = demo_data_comps[a->item];

		if (g >= 15)
			demo_tag_add(tv, "Owner", "data-platform");
		if (a->ou == OU_ANALYTICS)
			demo_tag_add(tv, "Team", "analytics");
		demo_tag_add(tv, "Environment", demo_env_slug[a->env]);
		demo_tag_add(tv, "DataClassification",
			     a->env == ENV_PROD && (!strcmp(comp, "lake") ||
						    !strcmp(comp, "warehouse")) ?
			"restricted" : "confidential");
		break;
	}
	case CAT_INFRA:
		if (g < 20)
			break;
		demo_tag_add(tv, "Team", g == 20 ? "platfrom" : "platform");
		demo_tag_add(tv, "Environment", "prod");
		demo_tag_add(tv, "CostCenter", "CC-1100");
		break;
	case CAT_SECURITY:
		demo_tag_add(tv, "CostCenter", "CC-1000");
		if (g >= 30)
			demo_tag_add(tv, "Owner", "security");
		break;
	case CAT_TRANSITIONAL:
		if (g < 30)
			demo_tag_addf(tv, "owner", "%s-it", demo_companies[a->item]);
		break;
	case CAT_SUSPENDED:
		if (g < 50)
			demo_tag_add(tv, "owner", demo_legacy_words[a->item]);
		break;
	}
}

/* ---- building ------------------------------------------------------------ */

static int fixed_name_taken(const struct demo *d, const char *name)
{
	size_t i, n = d->naccounts < NFIXED ? d->naccounts : NFIXED;

	for (i = 0; i < n; i++)
		if (!strcmp(demo_fixed[i].name, name))
			return 1;
	return 0;
}

static int bu_of_team(const char *team)
{
	size_t b, t;

	for (b = 0; b < NBU; b++)
		for (t = 0; t < TEAMS_PER_BU; t++)
			if (!strcmp(demo_bus[b].teams[t], team))
				return (int)b;
	return 0;
}

static int workload_ou(const struct demo *d, unsigned env, unsigned bu)
{
	if (!d->nbu || bu >= d->nbu)
		return demo_env_ou[env];
	return OU_NFIXED + env * d->nbu + bu;
}

void demo_copy_suffix(char *out, size_t size, unsigned copy)
{
	if (copy)
		snprintf(out, size, "-%u", copy + 1);
	else
		out[0] = '\0';
}

/* The k-th name "<prefix><word>" of words[n], a->item the word's index;
 * a copy suffix ("-2", ...) each time round the words after the first. */
static void word_name(struct demo_acct *a, unsigned k, const char *prefix,
		      const char *const *words, size_t n, char *name,
		      size_t size)
{
	char sfx[16];

	a->item = k % n;
	demo_copy_suffix(sfx, sizeof(sfx), k / n);
	snprintf(name, size, "%s%s%s", prefix, words[a->item], sfx);
}

/* Name and place the k-th bulk account of its category.  @return 0, or 1
 * when the name is one of the fixed accounts' (the caller tries k+1). */
static int bulk_account(struct demo *d, struct demo_acct *a, unsigned k,
			char *name, size_t size)
{
	char sfx[16];
	unsigned nteams = d->nteam_bus * TEAMS_PER_BU, j, copy;

	switch ((enum cat)a->cat) {
	case CAT_WORKLOAD: {
		unsigned team, comp;

		a->env = k % NENV;
		j = k / NENV;
		team = j % nteams;
		comp = (j / nteams) % N(demo_components);
		copy = j / nteams / N(demo_components);
		/* interleave BUs so small demos span several */
		a->bu = team % d->nteam_bus;
		a->item = team / d->nteam_bus;
		demo_copy_suffix(sfx, sizeof(sfx), copy);
		snprintf(name, size, "%s%s%s-%s%s", demo_team_name(a),
			 *demo_components[comp] ? "-" : "", demo_components[comp],
			 demo_env_slug[a->env], sfx);
		a->ou = workload_ou(d, a->env, a->bu);
		break;
	}
	case CAT_SANDBOX:
		word_name(a, k, "sandbox-", demo_people, N(demo_people), name,
			  size);
		a->ou = OU_SANDBOX;
		break;
	case CAT_DATA:
		a->item = k % N(demo_data_comps);
		a->env = (k / N(demo_data_comps)) % NENV;
		demo_copy_suffix(sfx, sizeof(sfx),
				 k / N(demo_data_comps) / NENV);
		snprintf(name, size, "data-%s-%s%s", demo_data_comps[a->item],
			 demo_env_slug[a->env], sfx);
		a->ou = a->item >= N(demo_data_comps) - 2 ? OU_ANALYTICS :
			OU_DATA;
		break;
	case CAT_INFRA:
		a->item = k % N(demo_infra_comps);
		demo_copy_suffix(sfx, sizeof(sfx),
				 k / N(demo_infra_comps) / N(demo_name_regions));
		snprintf(name, size, "%s-%s%s", demo_infra_comps[a->item],
			 demo_name_regions[(k / N(demo_infra_comps)) %
					   N(demo_name_regions)], sfx);
		a->ou = a->item < 4 ? OU_NETWORK : OU_SHARED;
		break;
	case CAT_SECURITY:
		demo_copy_suffix(sfx, sizeof(sfx), k / N(demo_security_names));
		snprintf(name, size, "%s%s", demo_security_names[k %
			 N(demo_security_names)], sfx);
		a->ou = OU_SECURITY;
		break;
	case CAT_TRANSITIONAL:
		a->item = k % N(demo_companies);
		snprintf(name, size, "acquired-%s-%u", demo_companies[a->item],
			 k / (unsigned)N(demo_companies) + 1);
		a->ou = OU_TRANSITIONAL;
		a->method = "INVITED";
		break;
	case CAT_SUSPENDED:
		word_name(a, k, "legacy-", demo_legacy_words,
			  N(demo_legacy_words), name, size);
		a->ou = OU_SUSPENDED;
		break;
	case CAT_FIXED:
		break;
	}
	return fixed_name_taken(d, name);
}

/* aws+<name>@example.com, the name folded to [a-z0-9-] */
static char *email_for(const char *name, int *oom)
{
	char slug[128];
	size_t i, n = 0;

	for (i = 0; name[i] && n < sizeof(slug) - 1; i++) {
		char c = name[i];

		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			slug[n++] = c;
		else if (n && slug[n - 1] != '-')
			slug[n++] = '-';
	}
	slug[n] = '\0';
	return demo_xprintf(oom, "aws+%s@example.com", slug);
}

static int build_ous(struct demo *d)
{
	char root4[5], rnd[9];
	size_t i, j, e, b;
	uint64_t salt = 0;

	d->nous = OU_NFIXED + NENV * d->nbu;
	d->ous = calloc(d->nous, sizeof(*d->ous));
	if (!d->ous)
		return -ENOMEM;
	demo_rand_alnum(root4, 4, demo_draw(d, H_OU, UINT64_MAX));
	for (i = 0; i < OU_NFIXED; i++) {
		d->ous[i].name = demo_ou_tmpl[i].name;
		d->ous[i].parent = demo_ou_tmpl[i].parent;
		d->ous[i].tags = strdup(demo_ou_tmpl[i].tags);
		if (!d->ous[i].tags)
			return -ENOMEM;
	}
	for (e = 0; e < NENV; e++) {
		for (b = 0; b < d->nbu; b++) {
			struct demo_ou *o = &d->ous[OU_NFIXED + e * d->nbu + b];
			int oom = 0;

			o->name = demo_bus[b].ou;
			o->parent = demo_env_ou[e];
			/* nobody tagged the Dev business units */
			if (e == ENV_DEV)
				o->tags = demo_xstrdup(&oom, "");
			else
				o->tags = demo_xprintf(&oom, "Team=%s|CostCenter=%s",
						       demo_bus[b].slug,
						       demo_bus[b].cost_center);
			if (oom)
				return -ENOMEM;
		}
	}
	snprintf(d->ous[0].id, sizeof(d->ous[0].id), "r-%s", root4);
	for (i = 1; i < d->nous; i++) {
		int dup;

		do {
			demo_rand_alnum(rnd, 8, demo_draw(d, H_OU, salt++));
			snprintf(d->ous[i].id, sizeof(d->ous[i].id),
				 "ou-%s-%s", root4, rnd);
			for (dup = 0, j = 1; j < i && !dup; j++)
				dup = !strcmp(d->ous[j].id, d->ous[i].id);
		} while (dup);
	}
	return 0;
}

/* Same-length decimal ids: numeric order is string order. */
static int by_id_cmp(const void *x, const void *y, void *arg)
{
	const struct demo_acct *acct = arg;
	uint64_t a = acct[*(const uint32_t *)x].number;
	uint64_t b = acct[*(const uint32_t *)y].number;

	return a < b ? -1 : a > b;
}

static int build_accounts(struct demo *d)
{
	/* the organization's history: accounts joined between these */
	const time_t t_org = 1457949731;        /* 2016-03-14T10:02:11Z */
	const time_t t0 = 1483958400;           /* 2017-01-09T10:40:00Z */
	const time_t t1 = 1751241600;           /* 2025-06-30T00:00:00Z */
	unsigned counter[CAT_SUSPENDED + 1] = { 0 };
	size_t nfixed = d->naccounts < NFIXED ? d->naccounts : NFIXED;
	size_t i, c;
	char name[160];
	int oom = 0;

	d->acct = calloc(d->naccounts, sizeof(*d->acct));
	d->by_id = calloc(d->naccounts, sizeof(*d->by_id));
	if (!d->acct || !d->by_id)
		return -ENOMEM;
	for (i = 0; i < d->naccounts; i++) {
		struct demo_acct *a = &d->acct[i];
		uint64_t h = demo_draw(d, H_CAT, i);

		a->number = account_number(d, i);
		snprintf(a->id, sizeof(a->id), "%012llu",
			 (unsigned long long)a->number);
		a->gap = demo_draw(d, H_GAP, i) % 100;
		a->state = "ACTIVE";
		a->method = "CREATED";
		a->fixed = -1;
		a->joined = t0 + (time_t)((double)(t1 - t0) * i /
					  d->naccounts) +
			    (time_t)(demo_draw(d, H_TIME, i) % 86400);
		if (i < nfixed) {
			const struct fixed_acct *f = &demo_fixed[i];

			a->cat = CAT_FIXED;
			a->fixed = (int16_t)i;
			a->state = f->state;
			a->method = f->method;
			a->ou = f->ou;
			if (f->team)
				a->ou = workload_ou(d, f->ou == OU_PROD ?
						    ENV_PROD :
						    f->ou == OU_STAGING ?
						    ENV_STAGING : ENV_DEV,
						    bu_of_team(f->team));
			a->name = demo_xstrdup(&oom, f->name);
			a->email = f->email ? demo_xstrdup(&oom, f->email) :
				   email_for(f->name, &oom);
			if (oom)
				return -ENOMEM;
			continue;
		}
		for (c = 0; (int)(h % 1000) >= demo_cat_mix[c].upto; c++)
			;
		a->cat = demo_cat_mix[c].cat;
		while (bulk_account(d, a, counter[a->cat]++, name,
				    sizeof(name)))
			;
		if (a->cat == CAT_SUSPENDED) {
			unsigned s = demo_draw(d, H_STATE, i) % 10;

			a->state = s < 5 ? "SUSPENDED" : s < 8 ? "CLOSED" :
				   "PENDING_CLOSURE";
		} else if (a->cat == CAT_WORKLOAD) {
			unsigned s = demo_draw(d, H_STATE, i) % 1000;

			if (s < 3)
				a->state = "SUSPENDED";
			else if (s < 6)
				a->state = "PENDING_CLOSURE";
			else if (s < 60)
				a->method = "INVITED";
		}
		a->name = demo_xstrdup(&oom, name);
		a->email = email_for(name, &oom);
		if (oom)
			return -ENOMEM;
	}
	d->acct[0].joined = t_org;
	for (i = 0; i < d->naccounts; i++)
		d->by_id[i] = (uint32_t)i;
	qsort_r(d->by_id, d->naccounts, sizeof(*d->by_id), by_id_cmp, d->acct);
	return 0;
}

const struct demo_acct *demo_find_account(const struct demo *d,
					  const char *id)
{
	size_t lo = 0, hi = d->naccounts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct demo_acct *a = &d->acct[d->by_id[mid]];
		int c = strcmp(id, a->id);

		if (!c)
			return a;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int demo_find_ou(const struct demo *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->nous; i++)
		if (!strcmp(d->ous[i].id, id))
			return (int)i;
	return -1;
}

const struct demo_policy *demo_find_policy(const struct demo *d,
					   const char *id)
{
	size_t i;

	for (i = 0; i < NPOL; i++)
		if (!strcmp(d->pol[i].id, id))
			return &d->pol[i];
	return NULL;
}

static void build_policies(struct demo *d)
{
	uint64_t salt = 0;
	size_t i, j, k;

	for (i = 0; i < NPOL; i++) {
		struct demo_policy *p = &d->pol[i];
		char rnd[11];

		p->t = &demo_pol_tmpl[i];
		if (p->t->aws_managed) {
			snprintf(p->id, sizeof(p->id), "p-%s", p->t->name);
		} else {
			do {
				demo_rand_alnum(rnd, 10,
						demo_draw(d, H_POL, salt++));
				snprintf(p->id, sizeof(p->id), "p-%s", rnd);
			} while (demo_find_policy(d, p->id) != p);
		}
		for (j = 0; j < MAX_TARGETS && p->t->targets[j]; j++) {
			const char *t = p->t->targets[j];
			struct tref *r = &p->targets[p->ntargets];

			if (!strcmp(t, "*")) {
				p->all = 1;
			} else if (!strcmp(t, "/")) {
				r->kind = 'R';
				r->idx = 0;
				p->ntargets++;
			} else if (*t == '@') {
				/* absent from the smallest demos */
				for (k = 0; k < NFIXED && k < d->naccounts; k++)
					if (!strcmp(demo_fixed[k].name, t + 1))
						break;
				if (k < NFIXED && k < d->naccounts) {
					r->kind = 'A';
					r->idx = (uint32_t)k;
					p->ntargets++;
				}
			} else {
				for (k = 1; k < OU_NFIXED; k++)
					if (!strcmp(demo_ou_tmpl[k].name, t))
						break;
				if (k < OU_NFIXED) {
					r->kind = 'O';
					r->idx = (uint32_t)k;
					p->ntargets++;
				}
			}
		}
	}
}

/* ---- on first use ------------------------------------------------------ */

/* The organization is laid out on first use, not when the source is
 * made: mounting 100,000 accounts is as quick as mounting 10 (issue 9:
 * nothing is fetched at mount).  @return 0, or -ENOMEM for good */
int demo_ready(struct demo *d)
{
	int b = __atomic_load_n(&d->built, __ATOMIC_ACQUIRE);

	if (b)
		return b > 0 ? 0 : -ENOMEM;
	pthread_mutex_lock(&d->lock);
	if (!d->built) {
		if (build_ous(d) || build_accounts(d)) {
			b = -1;
		} else {
			build_policies(d);
			b = 1;
		}
		__atomic_store_n(&d->built, b, __ATOMIC_RELEASE);
	}
	b = d->built;
	pthread_mutex_unlock(&d->lock);
	return b > 0 ? 0 : -ENOMEM;
}

