/* demo_data.h - the demo source's vocabulary and templates (demo_data.c)
 *
 * Constant tables only: the fixed OUs and accounts, the business units
 * and their teams, the words names are made of, the policy templates,
 * the resource kinds and the Config rules.  Everything the demo generates
 * (lib/demo.h) is a deterministic function of these and (accounts, seed):
 * changing a table changes the demo's output, which tests and the README
 * depend on.  The array sizes below are checked by the compiler against
 * the definitions.
 */
#ifndef ORGFS_DEMO_DATA_H
#define ORGFS_DEMO_DATA_H

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The fixed OUs; business-unit OUs are appended under the Workloads
 * environments as the organization grows. */
enum {
	OU_ROOT, OU_SECURITY, OU_INFRA, OU_NETWORK, OU_SHARED, OU_WORKLOADS,
	OU_PROD, OU_STAGING, OU_DEV, OU_DATA, OU_ANALYTICS, OU_SANDBOX,
	OU_POLICY_STAGING, OU_TRANSITIONAL, OU_SUSPENDED, OU_NFIXED
};

/* Tags are written "Key=Value|Key=Value": the value is everything after
 * the first '=', spaces included. */
struct ou_tmpl {
	const char *name;
	int parent;
	const char *tags;
};
extern const struct ou_tmpl demo_ou_tmpl[OU_NFIXED];

enum { ENV_PROD, ENV_STAGING, ENV_DEV, NENV };
extern const char *const demo_env_slug[NENV];   /* "prod" */
extern const char *const demo_env_long[NENV];   /* "Production" */
extern const int demo_env_ou[NENV];             /* OU_PROD */

#define TEAMS_PER_BU 6
#define NBU 6
struct bu {
	const char *ou;
	const char *slug;
	const char *cost_center;
	const char *teams[TEAMS_PER_BU];
};
extern const struct bu demo_bus[NBU];

extern const char *const demo_components[10];
extern const char *const demo_people[40];
/* Data stores; the last two live in Data/Analytics. */
extern const char *const demo_data_comps[6];
/* Infrastructure; the first four live in Infrastructure/Network. */
extern const char *const demo_infra_comps[10];
extern const char *const demo_name_regions[5];  /* in infra account names */
extern const char *const demo_security_names[8];
extern const char *const demo_companies[4];
extern const char *const demo_legacy_words[6];

enum cat {
	CAT_FIXED, CAT_WORKLOAD, CAT_SANDBOX, CAT_DATA, CAT_INFRA,
	CAT_SECURITY, CAT_TRANSITIONAL, CAT_SUSPENDED,
};

/* Bulk accounts per 1000 by category (cumulative), after the fixed ones;
 * the last upto is 1000. */
struct cat_share {
	int upto;
	enum cat cat;
};
extern const struct cat_share demo_cat_mix[7];

#define LONG_VALUE "@256"       /* marks the 256-character tag value */

/* The accounts every demo has, in this order (the smallest demo has the
 * first ten).  They carry the planned gaps; the comments say which. */
#define NFIXED 16
struct fixed_acct {
	const char *name;
	int ou;
	const char *team;       /* workload accounts: their BU decides the OU */
	const char *state;
	const char *method;
	const char *email;      /* NULL: aws+<name>@example.com */
	const char *tags;
};
extern const struct fixed_acct demo_fixed[NFIXED];

extern const char *const demo_policy_types[4];

#define MAX_TARGETS 6
#define NPOL 15
/* Targets: "*" everything (as AWS attaches FullAWSAccess), "/" the root,
 * "@name" a fixed account, otherwise a fixed OU's name. */
struct pol_tmpl {
	const char *name;
	const char *type;
	const char *description;
	int aws_managed;
	const char *targets[MAX_TARGETS];
	const char *tags;
	const char *content;
};
extern const struct pol_tmpl demo_pol_tmpl[NPOL];

/* ---- resources ---- */

/* The regions where accounts have resources; [0] lists the global ones. */
extern const char *const demo_regions[2];

enum rkind {
	RK_INSTANCE, RK_BUCKET, RK_FUNCTION, RK_ROLE, RK_TABLE, RK_DB,
	RK_VOLUME, RK_VPC, RK_TOPIC, RK_QUEUE, RK_LOGGROUP, RK_N
};

/* Weights of the kinds after the first few (which show one of each). */
struct rkind_info {
	const char *service;
	const char *prefix;     /* of the ARN's resource part */
	int global;             /* listed in us-east-1 only, region "global" */
	unsigned weight;
	const char *const *words;
	unsigned nwords;
};
extern const struct rkind_info demo_rkinds[RK_N];

/* Who runs each fixed account's workloads (names, Team and Owner tags),
 * where, and the cost center its resources carry (NULL: none). */
struct fixed_res {
	const char *team;
	const char *env;
	const char *cost_center;
};
extern const struct fixed_res demo_fixed_res[NFIXED];

/* ---- AWS Config rules ---- */

enum cfg_rule {
	CR_CLOUDTRAIL, CR_DDB_PITR, CR_VOLUMES, CR_IAM_PASSWORD,
	CR_LAMBDA_PUBLIC, CR_RDS_ENCRYPTED, CR_REQUIRED_TAGS, CR_ROOT_MFA,
	CR_S3_LOGGING, CR_S3_PUBLIC_READ, CR_VPC_FLOW_LOGS, CR_N
};

struct cfg_rule_info {
	const char *name;
	int global;             /* evaluated in us-east-1 only */
	int kind;               /* resources in scope: an rkind, or -1 */
	int kind2;              /* a second kind, or -1 */
	unsigned fail_prod;     /* per mille, per resource (or account) */
	unsigned fail_other;
};
extern const struct cfg_rule_info demo_cfg_rules[CR_N];

#endif
