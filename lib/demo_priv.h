/* demo_priv.h - the demo source's generated organization, shared by its
 * files (lib/demo.h is the public side)
 *
 * demo.c holds the source and its Organizations operations;
 * demo_resources.c the resources, effective tag policies and Config
 * compliance generated per account; demo_build.c the deterministic
 * randomness, the lay-out of OUs, accounts and policies, and the tags
 * rendered from each account's recipe; demo_data.c the constant tables.
 * Calls go one way, in that order.
 */
#ifndef ORGFS_DEMO_PRIV_H
#define ORGFS_DEMO_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "demo_data.h"
#include "model.h"
#include "source.h"

struct aws_error;

struct demo_ou {
	char id[32];            /* r-xxxx or ou-xxxx-yyyyyyyy */
	const char *name;
	int parent;             /* index, -1 for the root */
	char *tags;             /* "Key=Value|..." */
};

struct demo_acct {
	uint64_t number;        /* the id as a number: cheap to sort */
	char id[13];
	char *name;
	char *email;
	const char *state;
	const char *method;
	time_t joined;
	int ou;
	/* the recipe */
	uint8_t cat;
	uint8_t gap;            /* 0..99: which planned gap, if any */
	uint8_t env;
	uint8_t bu;
	uint16_t item;          /* team, person, component... by category */
	int16_t fixed;          /* index in demo_fixed[], -1 */
};

struct tref {
	char kind;              /* 'R' root, 'O' OU, 'A' account */
	uint32_t idx;
};

struct demo_policy {
	char id[24];
	const struct pol_tmpl *t;
	int all;                /* attached to everything */
	size_t ntargets;
	struct tref targets[MAX_TARGETS];
};

struct demo {
	struct org_source base;
	unsigned naccounts, seed;
	unsigned nbu;           /* business-unit OUs per environment */
	unsigned nteam_bus;     /* BUs whose teams own workloads */
	char org_id[16];
	char long_value[257];
	size_t nous;
	struct demo_ou *ous;
	struct demo_acct *acct; /* by creation order; [0] is management */
	uint32_t *by_id;        /* indexes into acct, sorted by id */
	struct demo_policy pol[NPOL];
	unsigned nres;          /* resources per account and region */
	pthread_mutex_t lock;   /* the lay-out on first use */
	int built;              /* 1 laid out, -1 failed (atomic) */
	/* the identity store's principals (demo_access.c), on first use */
	struct demo_who *who;   /* sorted by type, id */
	size_t nwho;
	int who_built;          /* 1 made, -1 failed (atomic) */
};

static inline const char *demo_mgmt_id(const struct demo *d)
{
	return d->acct[0].id;
}

/* ---- demo_build.c ---- */

/* Salts of the independent draws. */
enum { H_ID, H_CAT, H_GAP, H_STATE, H_TIME, H_OU, H_ORG, H_POL, H_MORE,
       H_RES, H_TAGPOL, H_CFG };

uint64_t demo_mix64(uint64_t x);
/* A hash of (seed, salt, i): every generated choice is one. */
uint64_t demo_draw(const struct demo *d, unsigned salt, uint64_t i);
/* n characters of [0-9a-z] from h, then '\0' (out holds n + 1) */
void demo_rand_alnum(char *out, size_t n, uint64_t h);

/* Set *oom instead of returning NULL quietly. */
char *demo_xprintf(int *oom, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *demo_xstrdup(int *oom, const char *s);
/* Fill err (may be NULL) as Organizations would: operation
 * "organizations:<op>", HTTP status 400 (0 for ENOMEM).  @return -e */
int demo_error(struct aws_error *err, int e, const char *op,
	       const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* demo_error() with ENOMEM, "OutOfMemory" */
int demo_oom_error(struct aws_error *err, const char *op);

/* Tags appended to t, growing it; a failed allocation sets oom and
 * makes every later call do nothing. */
struct tagv {
	struct org_tags *t;
	size_t cap;
	int oom;
};
void demo_tag_add(struct tagv *tv, const char *k, const char *v);
void demo_tag_addf(struct tagv *tv, const char *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The tags of a "Key=Value|Key=Value" spec (LONG_VALUE: d's long value) */
void demo_tag_add_spec(struct tagv *tv, const struct demo *d,
		       const char *spec);
/* s with its third- and second-last letters swapped, into out */
void demo_typo(char *out, size_t size, const char *s);
const char *demo_team_name(const struct demo_acct *a);
/* An account's tags, rendered from its recipe. */
void demo_account_tags(const struct demo *d, const struct demo_acct *a,
		       struct tagv *tv);
/* "-<copy + 1>", or "" for copy 0 */
void demo_copy_suffix(char *out, size_t size, unsigned copy);

/* Lay the organization out on first use (thread-safe, once).
 * @return 0, or -ENOMEM for good */
int demo_ready(struct demo *d);
/* After demo_ready(): NULL / -1 when there is no such id. */
const struct demo_acct *demo_find_account(const struct demo *d,
					  const char *id);
int demo_find_ou(const struct demo *d, const char *id);
const struct demo_policy *demo_find_policy(const struct demo *d,
					   const char *id);

/* ---- demo_resources.c: operations, as lib/source.h says ---- */

/* Every demo account that can be read has the demo's regions enabled. */
int demo_list_regions(struct org_source *s, const char *account,
		      struct org_regions **out, struct aws_error *err);
int demo_list_resources(struct org_source *s, const char *account,
			const char *region, struct org_resources **out,
			struct aws_error *err);
int demo_effective_tag_policy(struct org_source *s, const char *account,
			      struct org_document **out,
			      struct aws_error *err);
int demo_config_compliance(struct org_source *s, const char *account,
			   const char *region, struct org_config_rules **out,
			   struct aws_error *err);

/* ---- demo_access.c ---- */

/* A group some assignment names, or a user: what DescribeGroup and
 * DescribeUser answer */
struct demo_who {
	int user;
	char id[40];
	char *name;
};

void demo_who_free(struct demo *d);

int demo_list_access_psets(struct org_source *s, struct org_access **out,
			   struct aws_error *err);
int demo_list_account_access(struct org_source *s, const char *instance,
			     const char *account, char *const *pset_arns,
			     size_t n, struct org_account_access **out,
			     struct aws_error *err);
int demo_list_members(struct org_source *s, const char *store_id,
		      const char *group_id, struct org_members **out,
		      struct aws_error *err);
int demo_describe_principal(struct org_source *s, const char *store_id,
			    int user, const char *id,
			    struct org_principal **out, struct aws_error *err);

#endif
