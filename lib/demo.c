/* demo.c - a built-in, deterministic organization ("demo" source)
 *
 * demo_source_new() lays out the organization once: OU tree, account ids,
 * names, states, policies.  Each account keeps a small recipe (category,
 * team, environment, a "gap" draw); its tags are rendered from the recipe
 * when asked, so 100,000 accounts cost a few megabytes.  Later generators
 * (resources, compliance) can hang off the same recipe.  Nothing changes
 * after creation, so every operation is thread-safe without a lock.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "arn.h"
#include "aws.h"
#include "buf.h"
#include "demo.h"
#include "hash.h"
#include "model.h"
#include "source.h"

/* ---- vocabulary ------------------------------------------------------ */

/* The fixed OUs; business-unit OUs are appended under the Workloads
 * environments as the organization grows. */
enum {
	OU_ROOT, OU_SECURITY, OU_INFRA, OU_NETWORK, OU_SHARED, OU_WORKLOADS,
	OU_PROD, OU_STAGING, OU_DEV, OU_DATA, OU_ANALYTICS, OU_SANDBOX,
	OU_POLICY_STAGING, OU_TRANSITIONAL, OU_SUSPENDED, OU_NFIXED
};

/* Tags are written "Key=Value|Key=Value": the value is everything after
 * the first '=', spaces included. */
static const struct ou_tmpl {
	const char *name;
	int parent;
	const char *tags;
} ou_tmpl[OU_NFIXED] = {
	[OU_ROOT]           = { "Root", -1, "" },
	[OU_SECURITY]       = { "Security", OU_ROOT,
				"Owner=security|CostCenter=CC-1000" },
	[OU_INFRA]          = { "Infrastructure", OU_ROOT,
				"Owner=platform|CostCenter=CC-1100" },
	[OU_NETWORK]        = { "Network", OU_INFRA, "Environment=prod" },
	[OU_SHARED]         = { "Shared Services", OU_INFRA, "" },
	[OU_WORKLOADS]      = { "Workloads", OU_ROOT, "CostCenter=CC-2000" },
	[OU_PROD]           = { "Prod", OU_WORKLOADS, "Environment=prod|"
				"DataClassification=confidential" },
	[OU_STAGING]        = { "Staging", OU_WORKLOADS,
				"Environment=staging" },
	[OU_DEV]            = { "Dev", OU_WORKLOADS, "Environment=dev" },
	[OU_DATA]           = { "Data", OU_ROOT,
				"Owner=data-platform|CostCenter=CC-3000|"
				"DataClassification=confidential" },
	[OU_ANALYTICS]      = { "Analytics", OU_DATA, "Team=analytics" },
	[OU_SANDBOX]        = { "Sandbox", OU_ROOT,
				"Environment=sandbox|CostCenter=CC-9000" },
	[OU_POLICY_STAGING] = { "Policy Staging", OU_ROOT, "" },
	[OU_TRANSITIONAL]   = { "Transitional", OU_ROOT,
				"owner=cloud-platform" },
	[OU_SUSPENDED]      = { "Suspended", OU_ROOT, "" },
};

enum { ENV_PROD, ENV_STAGING, ENV_DEV, NENV };
static const char *const env_slug[NENV] = { "prod", "staging", "dev" };
static const char *const env_long[NENV] = {
	"Production", "Staging", "Development"
};
static const int env_ou[NENV] = { OU_PROD, OU_STAGING, OU_DEV };

#define TEAMS_PER_BU 6
static const struct bu {
	const char *ou;
	const char *slug;
	const char *cost_center;
	const char *teams[TEAMS_PER_BU];
} bus[] = {
	{ "Retail", "retail", "CC-2100", { "checkout", "catalog", "search",
	  "storefront", "mobile-app", "recommendations" } },
	{ "Finance", "finance", "CC-2200", { "payments", "billing", "ledger",
	  "fraud", "invoicing", "tax" } },
	{ "Logistics", "logistics", "CC-2300", { "shipping", "warehouse",
	  "routing", "tracking", "inventory", "returns" } },
	{ "Marketing", "marketing", "CC-2400", { "campaigns", "crm",
	  "newsletter", "ads", "loyalty", "web-analytics" } },
	{ "Customer", "customer", "CC-2500", { "support", "identity",
	  "notifications", "reviews", "chat", "profiles" } },
	{ "Corporate", "corporate", "CC-2600", { "hr-systems", "intranet",
	  "legal-tech", "finance-it", "procurement", "it-ops" } },
};
#define NBU (sizeof(bus) / sizeof(bus[0]))

#define N(a) (sizeof(a) / sizeof((a)[0]))
static const char *const components[] = {
	"", "api", "web", "worker", "batch", "events", "db", "cache", "ml",
	"edge",
};
static const char *const people[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
	"ivan", "judy", "ken", "laura", "mike", "nina", "oscar", "peggy",
	"quinn", "rupert", "sybil", "trent", "ursula", "victor", "wendy",
	"xavier", "yusuf", "zoe", "amir", "bea", "chen", "dmitri", "eva",
	"farah", "goran", "hana", "ines", "jonas", "kofi", "lena", "mateo",
	"noor",
};
/* Data stores; the last two live in Data/Analytics. */
static const char *const data_comps[] = {
	"lake", "warehouse", "streaming", "catalog", "bi", "ml-features",
};
/* Infrastructure; the first four live in Infrastructure/Network. */
static const char *const infra_comps[] = {
	"network", "egress", "transit", "dns", "identity", "ci-cd",
	"artifacts", "monitoring", "backup", "patching",
};
static const char *const regions[] = {
	"eu-west-1", "eu-central-1", "us-east-1", "us-west-2",
	"ap-southeast-2",
};
static const char *const security_names[] = {
	"security-tooling", "guardduty-admin", "forensics", "siem",
	"incident-response", "security-scanner", "pentest", "key-management",
};
static const char *const companies[] = {
	"quantix", "nimbus-analytics", "brightpath", "foobar-labs",
};
static const char *const legacy_words[] = {
	"marketing", "reporting", "crm", "intranet", "batch", "etl",
};

enum cat {
	CAT_FIXED, CAT_WORKLOAD, CAT_SANDBOX, CAT_DATA, CAT_INFRA,
	CAT_SECURITY, CAT_TRANSITIONAL, CAT_SUSPENDED,
};

/* Bulk accounts per 1000 by category (cumulative), after the fixed ones. */
static const struct { int upto; enum cat cat; } cat_mix[] = {
	{ 700, CAT_WORKLOAD }, { 790, CAT_SANDBOX }, { 860, CAT_DATA },
	{ 910, CAT_INFRA }, { 940, CAT_SECURITY }, { 965, CAT_TRANSITIONAL },
	{ 1000, CAT_SUSPENDED },
};

#define LONG_VALUE "@256"       /* marks the 256-character tag value */

/* The accounts every demo has, in this order (the smallest demo has the
 * first ten).  They carry the planned gaps; the comments say which. */
static const struct fixed_acct {
	const char *name;
	int ou;
	const char *team;       /* workload accounts: their BU decides the OU */
	const char *state;
	const char *method;
	const char *email;      /* NULL: aws+<name>@example.com */
	const char *tags;
} fixed[] = {
	{ "management", OU_ROOT, NULL, "ACTIVE", "INVITED",
	  "aws-management@example.com", "Owner=platform|CostCenter=CC-1100" },
	{ "security-audit", OU_SECURITY, NULL, "ACTIVE", "CREATED", NULL,
	  "Owner=security|Environment=prod|DataClassification=restricted" },
	/* no owner tag: inherits "security" from the Security OU */
	{ "log-archive", OU_SECURITY, NULL, "ACTIVE", "CREATED", NULL,
	  "CostCenter=CC-1000|DataClassification=restricted" },
	/* typo'd team */
	{ "network-hub", OU_NETWORK, NULL, "ACTIVE", "CREATED", NULL,
	  "Team=platfrom|Environment=prod|CostCenter=CC-1100" },
	/* two accounts named "sandbox"; the second is owned by nobody */
	{ "sandbox", OU_SANDBOX, NULL, "ACTIVE", "CREATED", NULL,
	  "Owner=alice@example.com" },
	{ "sandbox", OU_SANDBOX, NULL, "ACTIVE", "CREATED",
	  "aws+sandbox-2@example.com", "" },
	{ "payments-prod", OU_PROD, "payments", "ACTIVE", "CREATED", NULL,
	  "Owner=payments|Team=payments|CostCenter=CC-2200|Environment=prod|"
	  "DataClassification=confidential" },
	/* owner with surrounding white space, empty CostCenter */
	{ "data-lake-staging", OU_DATA, NULL, "ACTIVE", "CREATED", NULL,
	  "Owner= data-platform |Environment=staging|CostCenter=" },
	/* lower-case "owner" key */
	{ "legacy-marketing", OU_SUSPENDED, NULL, "SUSPENDED", "INVITED", NULL,
	  "owner=marketing" },
	{ "old-analytics", OU_SUSPENDED, NULL, "CLOSED", "CREATED", NULL,
	  "Team=analytics" },
	/* a name with '/', '&' and spaces, a 256-character value */
	{ "R&D / Experiments", OU_SANDBOX, NULL, "ACTIVE", "INVITED",
	  "aws+rnd-experiments@example.com",
	  "Owner=research|Description=" LONG_VALUE },
	/* an owner with '/' */
	{ "analytics-prod", OU_ANALYTICS, NULL, "ACTIVE", "CREATED", NULL,
	  "Owner=data/analytics|Environment=prod|DataClassification=internal" },
	{ "payments-dev", OU_DEV, "payments", "PENDING_CLOSURE", "CREATED",
	  NULL, "Team=payments|Environment=dev" },
	{ "shared-services", OU_SHARED, NULL, "ACTIVE", "CREATED", NULL,
	  "Team=platform|Environment=prod|CostCenter=CC-1100" },
	{ "checkout-staging", OU_STAGING, "checkout", "ACTIVE", "CREATED",
	  NULL, "Team=checkout|Environment=staging|CostCenter=CC-2100" },
	/* invited, untagged, waiting for a home */
	{ "acquired-startup", OU_TRANSITIONAL, NULL, "ACTIVE", "INVITED",
	  NULL, "" },
};

static const char *const policy_types[] = {
	"SERVICE_CONTROL_POLICY", "TAG_POLICY", "BACKUP_POLICY",
	"AISERVICES_OPT_OUT_POLICY",
};

#define MAX_TARGETS 6
/* Targets: "*" everything (as AWS attaches FullAWSAccess), "/" the root,
 * "@name" a fixed account, otherwise a fixed OU's name. */
static const struct pol_tmpl {
	const char *name;
	const char *type;
	const char *description;
	int aws_managed;
	const char *targets[MAX_TARGETS];
	const char *tags;
	const char *content;
} pol_tmpl[] = {
	{ "FullAWSAccess", "SERVICE_CONTROL_POLICY",
	  "Allows access to every operation", 1, { "*" }, "",
	  "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n"
	  "      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n"
	  "      \"Resource\": \"*\"\n    }\n  ]\n}" },
	{ "DenyLeaveOrganization", "SERVICE_CONTROL_POLICY",
	  "Member accounts cannot leave the organization", 0, { "/" },
	  "Owner=security",
	  "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n"
	  "      \"Sid\": \"DenyLeaveOrganization\",\n"
	  "      \"Effect\": \"Deny\",\n"
	  "      \"Action\": \"organizations:LeaveOrganization\",\n"
	  "      \"Resource\": \"*\"\n    }\n  ]\n}" },
	{ "RegionRestriction", "SERVICE_CONTROL_POLICY",
	  "Deny regional services outside eu-west-1 and eu-central-1", 0,
	  { "Workloads", "Sandbox", "Data" }, "Owner=security|Standard=STD-007",
	  "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n"
	  "      \"Sid\": \"DenyAllOutsideAllowedRegions\",\n"
	  "      \"Effect\": \"Deny\",\n"
	  "      \"NotAction\": [\n"
	  "        \"a4b:*\", \"acm:*\", \"budgets:*\", \"ce:*\", "
	  "\"cloudfront:*\", \"cur:*\", \"globalaccelerator:*\",\n"
	  "        \"health:*\", \"iam:*\", \"kms:*\", \"organizations:*\", "
	  "\"route53:*\", \"route53domains:*\",\n"
	  "        \"s3:GetAccountPublic*\", \"s3:ListAllMyBuckets\", "
	  "\"s3:PutAccountPublic*\", \"shield:*\",\n"
	  "        \"sts:*\", \"support:*\", \"trustedadvisor:*\", "
	  "\"waf:*\", \"wafv2:*\"\n      ],\n"
	  "      \"Resource\": \"*\",\n      \"Condition\": {\n"
	  "        \"StringNotEquals\": {\n"
	  "          \"aws:RequestedRegion\": [\"eu-west-1\", "
	  "\"eu-central-1\"]\n        },\n"
	  "        \"ArnNotLike\": {\n          \"aws:PrincipalARN\": "
	  "[\"arn:aws:iam::*:role/OrganizationAccountAccessRole\"]\n"
	  "        }\n      }\n    }\n  ]\n}" },
	{ "ProtectSecurityBaseline", "SERVICE_CONTROL_POLICY",
	  "CloudTrail, GuardDuty and Config cannot be turned off", 0,
	  { "Workloads", "Sandbox", "Data", "Infrastructure" },
	  "Owner=security|Standard=STD-002",
	  "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n"
	  "      \"Sid\": \"ProtectSecurityServices\",\n"
	  "      \"Effect\": \"Deny\",\n      \"Action\": [\n"
	  "        \"cloudtrail:StopLogging\", \"cloudtrail:DeleteTrail\",\n"
	  "        \"guardduty:DeleteDetector\", "
	  "\"guardduty:DisassociateFromMasterAccount\",\n"
	  "        \"config:StopConfigurationRecorder\", "
	  "\"config:DeleteConfigurationRecorder\"\n      ],\n"
	  "      \"Resource\": \"*\",\n      \"Condition\": {\n"
	  "        \"ArnNotLike\": {\n          \"aws:PrincipalARN\": "
	  "\"arn:aws:iam::*:role/SecurityAdmin\"\n        }\n"
	  "      }\n    }\n  ]\n}" },
	{ "DenyRootUser", "SERVICE_CONTROL_POLICY",
	  "The root user of member accounts cannot act", 0,
	  { "Workloads", "Sandbox" }, "Owner=security",
	  "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n"
	  "      \"Sid\": \"DenyRootUser\",\n      \"Effect\": \"Deny\",\n"
	  "      \"Action\": \"*\",\n      \"Resource\": \"*\",\n"
	  "      \"Condition\": {\n        \"StringLike\": {\n"
	  "          \"aws:PrincipalArn\": [\"arn:aws:iam::*:root\"]\n"
	  "        }\n      }\n    }\n  ]\n}" },
	{ "SandboxGuardrails", "SERVICE_CONTROL_POLICY",
	  "Small instance types only in sandboxes", 0, { "Sandbox" },
	  "Owner=platform",
	  "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n"
	  "      \"Sid\": \"SmallInstancesOnly\",\n"
	  "      \"Effect\": \"Deny\",\n"
	  "      \"Action\": \"ec2:RunInstances\",\n"
	  "      \"Resource\": \"arn:aws:ec2:*:*:instance/*\",\n"
	  "      \"Condition\": {\n"
	  "        \"ForAnyValue:StringNotLike\": {\n"
	  "          \"ec2:InstanceType\": [\"t3.*\", \"t4g.*\"]\n"
	  "        }\n      }\n    },\n    {\n"
	  "      \"Sid\": \"NoReservations\",\n      \"Effect\": \"Deny\",\n"
	  "      \"Action\": [\"ec2:PurchaseReservedInstancesOffering\", "
	  "\"savingsplans:CreateSavingsPlan\"],\n"
	  "      \"Resource\": \"*\"\n    }\n  ]\n}" },
	{ "QuarantineSuspended", "SERVICE_CONTROL_POLICY",
	  "Nothing runs in suspended accounts", 0, { "Suspended" },
	  "Owner=security",
	  "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n"
	  "      \"Sid\": \"DenyAll\",\n      \"Effect\": \"Deny\",\n"
	  "      \"Action\": \"*\",\n      \"Resource\": \"*\"\n"
	  "    }\n  ]\n}" },
	{ "DenyIAMUsers", "SERVICE_CONTROL_POLICY",
	  "No IAM users or access keys: use roles", 0,
	  { "@payments-prod", "@security-audit" }, "Owner=security",
	  "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n"
	  "      \"Sid\": \"DenyIAMUsers\",\n      \"Effect\": \"Deny\",\n"
	  "      \"Action\": [\"iam:CreateUser\", \"iam:CreateAccessKey\", "
	  "\"iam:CreateLoginProfile\"],\n"
	  "      \"Resource\": \"*\"\n    }\n  ]\n}" },
	/* never attached */
	{ "LegacyDenyS3Public", "SERVICE_CONTROL_POLICY",
	  "Superseded by account-level S3 Block Public Access", 0, { NULL },
	  "",
	  "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n"
	  "      \"Effect\": \"Deny\",\n"
	  "      \"Action\": [\"s3:PutBucketPublicAccessBlock\", "
	  "\"s3:DeletePublicAccessBlock\"],\n"
	  "      \"Resource\": \"*\"\n    }\n  ]\n}" },
	{ "CostCenterAndOwner", "TAG_POLICY",
	  "Every resource names its cost center and owner", 0, { "/" },
	  "Owner=finops",
	  "{\n  \"tags\": {\n    \"CostCenter\": {\n"
	  "      \"tag_key\": { \"@@assign\": \"CostCenter\" },\n"
	  "      \"tag_value\": { \"@@assign\": [\"CC-1000\", \"CC-1100\", "
	  "\"CC-2*\", \"CC-3000\", \"CC-9000\"] },\n"
	  "      \"enforced_for\": { \"@@assign\": [\"ec2:instance\", "
	  "\"ec2:volume\", \"rds:db\", \"s3:bucket\"] }\n    },\n"
	  "    \"Owner\": {\n"
	  "      \"tag_key\": { \"@@assign\": \"Owner\" }\n    }\n  }\n}" },
	{ "EnvironmentValues", "TAG_POLICY",
	  "Environment is one of prod, staging, dev, sandbox", 0,
	  { "Workloads", "Sandbox" }, "Owner=platform",
	  "{\n  \"tags\": {\n    \"Environment\": {\n"
	  "      \"tag_key\": { \"@@assign\": \"Environment\" },\n"
	  "      \"tag_value\": { \"@@assign\": [\"prod\", \"staging\", "
	  "\"dev\", \"sandbox\"] }\n    }\n  }\n}" },
	{ "DataClassification", "TAG_POLICY",
	  "Data stores carry a classification", 0, { "Data", "Prod" },
	  "Owner=data-platform|Standard=STD-012",
	  "{\n  \"tags\": {\n    \"DataClassification\": {\n"
	  "      \"tag_key\": { \"@@assign\": \"DataClassification\" },\n"
	  "      \"tag_value\": { \"@@assign\": [\"public\", \"internal\", "
	  "\"confidential\", \"restricted\"] },\n"
	  "      \"enforced_for\": { \"@@assign\": [\"s3:bucket\", "
	  "\"dynamodb:table\", \"rds:db\"] }\n    }\n  }\n}" },
	{ "DailyProdBackups", "BACKUP_POLICY",
	  "Daily backups kept 35 days for resources tagged Backup=daily", 0,
	  { "Prod" }, "Owner=platform",
	  "{\n  \"plans\": {\n    \"daily-prod\": {\n"
	  "      \"regions\": { \"@@assign\": [\"eu-west-1\", "
	  "\"eu-central-1\"] },\n"
	  "      \"rules\": {\n        \"daily\": {\n"
	  "          \"schedule_expression\": { \"@@assign\": "
	  "\"cron(0 5 ? * * *)\" },\n"
	  "          \"start_backup_window_minutes\": { \"@@assign\": "
	  "\"60\" },\n"
	  "          \"complete_backup_window_minutes\": { \"@@assign\": "
	  "\"480\" },\n"
	  "          \"lifecycle\": { \"delete_after_days\": "
	  "{ \"@@assign\": \"35\" } },\n"
	  "          \"target_backup_vault_name\": { \"@@assign\": "
	  "\"Default\" }\n        }\n      },\n"
	  "      \"selections\": {\n        \"tags\": {\n"
	  "          \"daily\": {\n"
	  "            \"iam_role_arn\": { \"@@assign\": "
	  "\"arn:aws:iam::$account:role/AWSBackupDefaultServiceRole\" },\n"
	  "            \"tag_key\": { \"@@assign\": \"Backup\" },\n"
	  "            \"tag_value\": { \"@@assign\": [\"daily\"] }\n"
	  "          }\n        }\n      }\n    }\n  }\n}" },
	{ "DataRetention", "BACKUP_POLICY",
	  "Weekly backups kept 7 years, cold after 90 days", 0, { "Data" },
	  "Owner=data-platform|Policy=GDPR",
	  "{\n  \"plans\": {\n    \"weekly-data\": {\n"
	  "      \"regions\": { \"@@assign\": [\"eu-west-1\"] },\n"
	  "      \"rules\": {\n        \"weekly\": {\n"
	  "          \"schedule_expression\": { \"@@assign\": "
	  "\"cron(0 3 ? * SUN *)\" },\n"
	  "          \"lifecycle\": {\n"
	  "            \"move_to_cold_storage_after_days\": "
	  "{ \"@@assign\": \"90\" },\n"
	  "            \"delete_after_days\": { \"@@assign\": \"2555\" }\n"
	  "          },\n"
	  "          \"target_backup_vault_name\": { \"@@assign\": "
	  "\"DataVault\" }\n        }\n      },\n"
	  "      \"selections\": {\n        \"tags\": {\n"
	  "          \"classified\": {\n"
	  "            \"iam_role_arn\": { \"@@assign\": "
	  "\"arn:aws:iam::$account:role/AWSBackupDefaultServiceRole\" },\n"
	  "            \"tag_key\": { \"@@assign\": \"DataClassification\" },\n"
	  "            \"tag_value\": { \"@@assign\": [\"confidential\", "
	  "\"restricted\"] }\n"
	  "          }\n        }\n      }\n    }\n  }\n}" },
	{ "OptOutAllAIServices", "AISERVICES_OPT_OUT_POLICY",
	  "AI services do not keep our content", 0, { "/" },
	  "Owner=legal|Policy=GDPR",
	  "{\n  \"services\": {\n    \"default\": {\n"
	  "      \"opt_out_policy\": { \"@@assign\": \"optOut\" }\n"
	  "    }\n  }\n}" },
};
#define NPOL N(pol_tmpl)

/* ---- the generated organization --------------------------------------- */

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
	int16_t fixed;          /* index in fixed[], -1 */
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
};

/* ---- deterministic randomness ----------------------------------------- */

enum { H_ID, H_CAT, H_GAP, H_STATE, H_TIME, H_OU, H_ORG, H_POL, H_MORE,
       H_RES, H_TAGPOL, H_CFG };

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t draw(const struct demo *d, unsigned salt, uint64_t i)
{
	return mix64(mix64(((uint64_t)d->seed << 8) ^ salt) ^ i);
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
			uint32_t f = draw(d, H_ID, (uint64_t)round << 32 | r) &
				     0xfffff;
			uint32_t t = r;

			r = l ^ f;
			l = t;
		}
		x = (uint64_t)l << 20 | r;
	} while (x >= 1000000000000ULL);
	return x;
}

static void rand_alnum(char *out, size_t n, uint64_t h)
{
	static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	size_t i;

	for (i = 0; i < n; i++) {
		if (i % 10 == 0 && i)
			h = mix64(h);
		out[i] = alnum[h % 36];
		h /= 36;
	}
	out[n] = '\0';
}

/* ---- small helpers ----------------------------------------------------- */

static char *xprintf(int *oom, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static char *xprintf(int *oom, const char *fmt, ...)
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

static char *xstrdup(int *oom, const char *s)
{
	char *r = strdup(s);

	if (!r)
		*oom = 1;
	return r;
}

static int demo_error(struct aws_error *err, int e, const char *op,
		      const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int demo_error(struct aws_error *err, int e, const char *op,
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

static int oom_error(struct aws_error *err, const char *op)
{
	return demo_error(err, ENOMEM, op, "OutOfMemory",
			  "demo source: out of memory");
}

static const char *mgmt_id(const struct demo *d)
{
	return d->acct[0].id;
}

static char *account_arn(const struct demo *d, const char *id, int *oom)
{
	return xprintf(oom, "arn:aws:organizations::%s:account/%s/%s",
		       mgmt_id(d), d->org_id, id);
}

static char *ou_arn(const struct demo *d, size_t i, int *oom)
{
	return xprintf(oom, "arn:aws:organizations::%s:%s/%s/%s", mgmt_id(d),
		       d->ous[i].parent < 0 ? "root" : "ou", d->org_id,
		       d->ous[i].id);
}

static char *policy_arn(const struct demo *d, const struct demo_policy *p,
			int *oom)
{
	char type[64];
	size_t i;

	for (i = 0; p->t->type[i] && i < sizeof(type) - 1; i++)
		type[i] = (char)tolower((unsigned char)p->t->type[i]);
	type[i] = '\0';
	if (p->t->aws_managed)
		return xprintf(oom, "arn:aws:organizations::aws:policy/%s/%s",
			       type, p->id);
	return xprintf(oom, "arn:aws:organizations::%s:policy/%s/%s/%s",
		       mgmt_id(d), d->org_id, type, p->id);
}

/* ---- tags ---------------------------------------------------------------- */

struct tagv {
	struct org_tags *t;
	size_t cap;
	int oom;
};

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

static void tag_add(struct tagv *tv, const char *k, const char *v)
{
	tag_add_n(tv, k, strlen(k), v);
}

static void tag_addf(struct tagv *tv, const char *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void tag_addf(struct tagv *tv, const char *k, const char *fmt, ...)
{
	char v[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	tag_add(tv, k, v);
}

static void tag_add_spec(struct tagv *tv, const struct demo *d,
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
static void typo(char *out, size_t size, const char *s)
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

static const char *team_name(const struct demo_acct *a)
{
	return bus[a->bu].teams[a->item];
}

static void account_tags(const struct demo *d, const struct demo_acct *a,
			 struct tagv *tv)
{
	unsigned g = a->gap;
	char tmp[64];

	switch ((enum cat)a->cat) {
	case CAT_FIXED:
		tag_add_spec(tv, d, fixed[a->fixed].tags);
		break;
	case CAT_WORKLOAD: {
		const char *team = team_name(a);

		tag_add(tv, "Environment",
			g == 11 ? env_long[a->env] : env_slug[a->env]);
		if (g == 8)
			tag_add(tv, "CostCenter", "");
		else if (g != 9 && g != 10)
			tag_add(tv, "CostCenter", bus[a->bu].cost_center);
		if (a->env == ENV_PROD)
			tag_add(tv, "DataClassification", "confidential");
		if (g < 4) {
			/* no owner: the BU OU may still name one */
		} else if (g < 6) {
			tag_add(tv, "owner", team);
		} else if (g == 6) {
			tag_addf(tv, "Team", " %s ", team);
		} else if (g == 7) {
			typo(tmp, sizeof(tmp), team);
			tag_add(tv, "Team", tmp);
		} else {
			tag_add(tv, "Team", team);
			if (g >= 60)
				tag_add(tv, "Owner", team);
		}
		break;
	}
	case CAT_SANDBOX:
		if (g < 10)
			break;
		if (g < 15) {
			tag_addf(tv, "owner", "%s@example.com",
				 people[a->item]);
			break;
		}
		tag_addf(tv, "Owner", "%s@example.com", people[a->item]);
		tag_add(tv, "Environment", "sandbox");
		break;
	case CAT_DATA: {
		const char *comp = data_comps[a->item];

		if (g >= 15)
			tag_add(tv, "Owner", "data-platform");
		if (a->ou == OU_ANALYTICS)
			tag_add(tv, "Team", "analytics");
		tag_add(tv, "Environment", env_slug[a->env]);
		tag_add(tv, "DataClassification",
			a->env == ENV_PROD && (!strcmp(comp, "lake") ||
					       !strcmp(comp, "warehouse")) ?
			"restricted" : "confidential");
		break;
	}
	case CAT_INFRA:
		if (g < 20)
			break;
		tag_add(tv, "Team", g == 20 ? "platfrom" : "platform");
		tag_add(tv, "Environment", "prod");
		tag_add(tv, "CostCenter", "CC-1100");
		break;
	case CAT_SECURITY:
		tag_add(tv, "CostCenter", "CC-1000");
		if (g >= 30)
			tag_add(tv, "Owner", "security");
		break;
	case CAT_TRANSITIONAL:
		if (g < 30)
			tag_addf(tv, "owner", "%s-it", companies[a->item]);
		break;
	case CAT_SUSPENDED:
		if (g < 50)
			tag_add(tv, "owner", legacy_words[a->item]);
		break;
	}
}

/* ---- building ------------------------------------------------------------ */

static int fixed_name_taken(const struct demo *d, const char *name)
{
	size_t i, n = d->naccounts < N(fixed) ? d->naccounts : N(fixed);

	for (i = 0; i < n; i++)
		if (!strcmp(fixed[i].name, name))
			return 1;
	return 0;
}

static int bu_of_team(const char *team)
{
	size_t b, t;

	for (b = 0; b < NBU; b++)
		for (t = 0; t < TEAMS_PER_BU; t++)
			if (!strcmp(bus[b].teams[t], team))
				return (int)b;
	return 0;
}

static int workload_ou(const struct demo *d, unsigned env, unsigned bu)
{
	if (!d->nbu || bu >= d->nbu)
		return env_ou[env];
	return OU_NFIXED + env * d->nbu + bu;
}

static void copy_suffix(char *out, size_t size, unsigned copy)
{
	if (copy)
		snprintf(out, size, "-%u", copy + 1);
	else
		out[0] = '\0';
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
		comp = (j / nteams) % N(components);
		copy = j / nteams / N(components);
		/* interleave BUs so small demos span several */
		a->bu = team % d->nteam_bus;
		a->item = team / d->nteam_bus;
		copy_suffix(sfx, sizeof(sfx), copy);
		snprintf(name, size, "%s%s%s-%s%s", team_name(a),
			 *components[comp] ? "-" : "", components[comp],
			 env_slug[a->env], sfx);
		a->ou = workload_ou(d, a->env, a->bu);
		break;
	}
	case CAT_SANDBOX:
		a->item = k % N(people);
		copy_suffix(sfx, sizeof(sfx), k / N(people));
		snprintf(name, size, "sandbox-%s%s", people[a->item], sfx);
		a->ou = OU_SANDBOX;
		break;
	case CAT_DATA:
		a->item = k % N(data_comps);
		a->env = (k / N(data_comps)) % NENV;
		copy_suffix(sfx, sizeof(sfx), k / N(data_comps) / NENV);
		snprintf(name, size, "data-%s-%s%s", data_comps[a->item],
			 env_slug[a->env], sfx);
		a->ou = a->item >= N(data_comps) - 2 ? OU_ANALYTICS : OU_DATA;
		break;
	case CAT_INFRA:
		a->item = k % N(infra_comps);
		copy_suffix(sfx, sizeof(sfx),
			    k / N(infra_comps) / N(regions));
		snprintf(name, size, "%s-%s%s", infra_comps[a->item],
			 regions[(k / N(infra_comps)) % N(regions)], sfx);
		a->ou = a->item < 4 ? OU_NETWORK : OU_SHARED;
		break;
	case CAT_SECURITY:
		copy_suffix(sfx, sizeof(sfx), k / N(security_names));
		snprintf(name, size, "%s%s", security_names[k %
			 N(security_names)], sfx);
		a->ou = OU_SECURITY;
		break;
	case CAT_TRANSITIONAL:
		a->item = k % N(companies);
		snprintf(name, size, "acquired-%s-%u", companies[a->item],
			 k / (unsigned)N(companies) + 1);
		a->ou = OU_TRANSITIONAL;
		a->method = "INVITED";
		break;
	case CAT_SUSPENDED:
		a->item = k % N(legacy_words);
		copy_suffix(sfx, sizeof(sfx), k / N(legacy_words));
		snprintf(name, size, "legacy-%s%s", legacy_words[a->item], sfx);
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
	return xprintf(oom, "aws+%s@example.com", slug);
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
	rand_alnum(root4, 4, draw(d, H_OU, UINT64_MAX));
	for (i = 0; i < OU_NFIXED; i++) {
		d->ous[i].name = ou_tmpl[i].name;
		d->ous[i].parent = ou_tmpl[i].parent;
		d->ous[i].tags = strdup(ou_tmpl[i].tags);
		if (!d->ous[i].tags)
			return -ENOMEM;
	}
	for (e = 0; e < NENV; e++) {
		for (b = 0; b < d->nbu; b++) {
			struct demo_ou *o = &d->ous[OU_NFIXED + e * d->nbu + b];
			int oom = 0;

			o->name = bus[b].ou;
			o->parent = env_ou[e];
			/* nobody tagged the Dev business units */
			if (e == ENV_DEV)
				o->tags = xstrdup(&oom, "");
			else
				o->tags = xprintf(&oom, "Team=%s|CostCenter=%s",
						  bus[b].slug,
						  bus[b].cost_center);
			if (oom)
				return -ENOMEM;
		}
	}
	snprintf(d->ous[0].id, sizeof(d->ous[0].id), "r-%s", root4);
	for (i = 1; i < d->nous; i++) {
		int dup;

		do {
			rand_alnum(rnd, 8, draw(d, H_OU, salt++));
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
	size_t nfixed = d->naccounts < N(fixed) ? d->naccounts : N(fixed);
	size_t i, c;
	char name[160];
	int oom = 0;

	d->acct = calloc(d->naccounts, sizeof(*d->acct));
	d->by_id = calloc(d->naccounts, sizeof(*d->by_id));
	if (!d->acct || !d->by_id)
		return -ENOMEM;
	for (i = 0; i < d->naccounts; i++) {
		struct demo_acct *a = &d->acct[i];
		uint64_t h = draw(d, H_CAT, i);

		a->number = account_number(d, i);
		snprintf(a->id, sizeof(a->id), "%012llu",
			 (unsigned long long)a->number);
		a->gap = draw(d, H_GAP, i) % 100;
		a->state = "ACTIVE";
		a->method = "CREATED";
		a->fixed = -1;
		a->joined = t0 + (time_t)((double)(t1 - t0) * i /
					  d->naccounts) +
			    (time_t)(draw(d, H_TIME, i) % 86400);
		if (i < nfixed) {
			const struct fixed_acct *f = &fixed[i];

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
			a->name = xstrdup(&oom, f->name);
			a->email = f->email ? xstrdup(&oom, f->email) :
				   email_for(f->name, &oom);
			if (oom)
				return -ENOMEM;
			continue;
		}
		for (c = 0; (int)(h % 1000) >= cat_mix[c].upto; c++)
			;
		a->cat = cat_mix[c].cat;
		while (bulk_account(d, a, counter[a->cat]++, name,
				    sizeof(name)))
			;
		if (a->cat == CAT_SUSPENDED) {
			unsigned s = draw(d, H_STATE, i) % 10;

			a->state = s < 5 ? "SUSPENDED" : s < 8 ? "CLOSED" :
				   "PENDING_CLOSURE";
		} else if (a->cat == CAT_WORKLOAD) {
			unsigned s = draw(d, H_STATE, i) % 1000;

			if (s < 3)
				a->state = "SUSPENDED";
			else if (s < 6)
				a->state = "PENDING_CLOSURE";
			else if (s < 60)
				a->method = "INVITED";
		}
		a->name = xstrdup(&oom, name);
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

static const struct demo_acct *find_account(const struct demo *d,
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

static int find_ou(const struct demo *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->nous; i++)
		if (!strcmp(d->ous[i].id, id))
			return (int)i;
	return -1;
}

static const struct demo_policy *find_policy(const struct demo *d,
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

		p->t = &pol_tmpl[i];
		if (p->t->aws_managed) {
			snprintf(p->id, sizeof(p->id), "p-%s", p->t->name);
		} else {
			do {
				rand_alnum(rnd, 10, draw(d, H_POL, salt++));
				snprintf(p->id, sizeof(p->id), "p-%s", rnd);
			} while (find_policy(d, p->id) != p);
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
				for (k = 0; k < N(fixed) && k < d->naccounts;
				     k++)
					if (!strcmp(fixed[k].name, t + 1))
						break;
				if (k < N(fixed) && k < d->naccounts) {
					r->kind = 'A';
					r->idx = (uint32_t)k;
					p->ntargets++;
				}
			} else {
				for (k = 1; k < OU_NFIXED; k++)
					if (!strcmp(ou_tmpl[k].name, t))
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

/* ---- operations ---------------------------------------------------------- */

/* The organization is laid out on first use, not when the source is
 * made: mounting 100,000 accounts is as quick as mounting 10 (issue 9:
 * nothing is fetched at mount).  @return 0, or -ENOMEM for good */
static int demo_ready(struct demo *d)
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


static int demo_describe_org(struct org_source *s, struct org_info **out,
			     struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_info *o = calloc(1, sizeof(*o));
	size_t i;
	int oom = !o;

	if (demo_ready(d)) {
		free(o);
		return oom_error(err, "DescribeOrganization");
	}

	if (oom)
		return oom_error(err, "DescribeOrganization");
	o->id = xstrdup(&oom, d->org_id);
	o->arn = xprintf(&oom, "arn:aws:organizations::%s:organization/%s",
			 mgmt_id(d), d->org_id);
	o->feature_set = xstrdup(&oom, "ALL");
	o->management_account_id = xstrdup(&oom, mgmt_id(d));
	o->management_account_arn = account_arn(d, mgmt_id(d), &oom);
	o->management_account_email = xstrdup(&oom, d->acct[0].email);
	o->types = calloc(N(policy_types), sizeof(*o->types));
	if (o->types) {
		o->ntypes = N(policy_types);
		for (i = 0; i < N(policy_types); i++) {
			o->types[i].type = xstrdup(&oom, policy_types[i]);
			o->types[i].status = xstrdup(&oom, "ENABLED");
		}
	} else {
		oom = 1;
	}
	if (oom) {
		org_info_free(o);
		return oom_error(err, "DescribeOrganization");
	}
	*out = o;
	return 0;
}

static int demo_list_accounts(struct org_source *s, struct org_accounts **out,
			      struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_accounts *r = calloc(1, sizeof(*r));
	size_t i;
	int oom = !r;

	if (demo_ready(d)) {
		free(r);
		return oom_error(err, "ListAccounts");
	}

	if (!oom) {
		r->v = calloc(d->naccounts, sizeof(*r->v));
		oom = !r->v;
	}
	for (i = 0; !oom && i < d->naccounts; i++) {
		const struct demo_acct *a = &d->acct[d->by_id[i]];
		struct org_account *x = &r->v[i];

		r->n = i + 1;
		x->id = xstrdup(&oom, a->id);
		x->arn = account_arn(d, a->id, &oom);
		x->name = xstrdup(&oom, a->name);
		x->email = xstrdup(&oom, a->email);
		x->state = xstrdup(&oom, a->state);
		x->joined_method = xstrdup(&oom, a->method);
		x->joined = a->joined;
	}
	if (oom) {
		org_accounts_free(r);
		return oom_error(err, "ListAccounts");
	}
	*out = r;       /* by_id keeps them sorted */
	return 0;
}

static int demo_walk_hierarchy(struct org_source *s, struct org_hier **out,
			       struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_hier *h = calloc(1, sizeof(*h));
	size_t i;
	int oom = !h;

	if (demo_ready(d)) {
		free(h);
		return oom_error(err, "ListChildren");
	}

	if (!oom) {
		h->ous = calloc(d->nous, sizeof(*h->ous));
		h->links = calloc(d->naccounts, sizeof(*h->links));
		oom = !h->ous || !h->links;
	}
	for (i = 0; !oom && i < d->nous; i++) {
		const struct demo_ou *o = &d->ous[i];
		struct org_ou *x = &h->ous[i];

		h->nous = i + 1;
		x->id = xstrdup(&oom, o->id);
		x->arn = ou_arn(d, i, &oom);
		x->name = xstrdup(&oom, o->name);
		if (o->parent >= 0)
			x->parent_id = xstrdup(&oom, d->ous[o->parent].id);
	}
	for (i = 0; !oom && i < d->naccounts; i++) {
		const struct demo_acct *a = &d->acct[d->by_id[i]];

		h->nlinks = i + 1;
		h->links[i].child_id = xstrdup(&oom, a->id);
		h->links[i].parent_id = xstrdup(&oom, d->ous[a->ou].id);
	}
	if (oom) {
		org_hier_free(h);
		return oom_error(err, "ListOrganizationalUnitsForParent");
	}
	org_hier_sort(h);
	*out = h;
	return 0;
}

static int demo_list_tags(struct org_source *s, const char *id,
			  struct org_tags **out, struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct tagv tv = { 0 };
	const struct demo_acct *a = NULL;
	const struct demo_policy *p = NULL;
	int ou = -1;

	if (demo_ready(d))
		return oom_error(err, "ListTagsForResource");

	if (!strncmp(id, "p-", 2))
		p = find_policy(d, id);
	else if (!strncmp(id, "r-", 2) || !strncmp(id, "ou-", 3))
		ou = find_ou(d, id);
	else
		a = find_account(d, id);
	if (!a && !p && ou < 0)
		return demo_error(err, ENOENT, "ListTagsForResource",
				  "TargetNotFoundException",
				  "You specified a target that doesn't exist.");
	tv.t = calloc(1, sizeof(*tv.t));
	if (!tv.t)
		return oom_error(err, "ListTagsForResource");
	if (a)
		account_tags(d, a, &tv);
	else if (p)
		tag_add_spec(&tv, d, p->t->tags);
	else
		tag_add_spec(&tv, d, d->ous[ou].tags);
	if (tv.oom) {
		org_tags_free(tv.t);
		return oom_error(err, "ListTagsForResource");
	}
	org_tags_sort(tv.t);
	*out = tv.t;
	return 0;
}

static void summary_fill(const struct demo *d, const struct demo_policy *p,
			 struct org_policy_summary *x, int *oom)
{
	x->id = xstrdup(oom, p->id);
	x->arn = policy_arn(d, p, oom);
	x->name = xstrdup(oom, p->t->name);
	x->type = xstrdup(oom, p->t->type);
	x->description = xstrdup(oom, p->t->description);
	x->aws_managed = p->t->aws_managed;
}

static int demo_list_policies(struct org_source *s, struct org_policies **out,
			      struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_policies *r = calloc(1, sizeof(*r));
	size_t i;
	int oom = !r;

	if (demo_ready(d)) {
		free(r);
		return oom_error(err, "ListPolicies");
	}

	if (!oom) {
		r->v = calloc(NPOL, sizeof(*r->v));
		oom = !r->v;
	}
	for (i = 0; !oom && i < NPOL; i++) {
		r->n = i + 1;
		summary_fill(d, &d->pol[i], &r->v[i], &oom);
	}
	if (oom) {
		org_policies_free(r);
		return oom_error(err, "ListPolicies");
	}
	org_policies_sort(r);
	*out = r;
	return 0;
}

static void target_fill(const struct demo *d, char kind, size_t idx,
			struct org_policy_target *x, int *oom)
{
	if (kind == 'A') {
		const struct demo_acct *a = &d->acct[idx];

		x->id = xstrdup(oom, a->id);
		x->arn = account_arn(d, a->id, oom);
		x->name = xstrdup(oom, a->name);
		x->type = xstrdup(oom, "ACCOUNT");
		return;
	}
	x->id = xstrdup(oom, d->ous[idx].id);
	x->arn = ou_arn(d, idx, oom);
	x->name = xstrdup(oom, d->ous[idx].name);
	x->type = xstrdup(oom, idx ? "ORGANIZATIONAL_UNIT" : "ROOT");
}

static int demo_describe_policy(struct org_source *s, const char *id,
				struct org_policy **out, struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	const struct demo_policy *p = find_policy(d, id);
	struct org_policy *r;
	size_t i, n;
	int oom;

	if (demo_ready(d))
		return oom_error(err, "DescribePolicy");

	if (!p)
		return demo_error(err, ENOENT, "DescribePolicy",
				  "PolicyNotFoundException",
				  "We can't find a policy with the PolicyId "
				  "that you specified.");
	r = calloc(1, sizeof(*r));
	oom = !r;
	n = p->all ? d->nous + d->naccounts : p->ntargets;
	if (!oom) {
		summary_fill(d, p, &r->summary, &oom);
		r->content = xstrdup(&oom, p->t->content);
		r->targets = calloc(n ? n : 1, sizeof(*r->targets));
		oom |= !r->targets;
	}
	for (i = 0; !oom && i < n; i++) {
		r->ntargets = i + 1;
		if (!p->all)
			target_fill(d, p->targets[i].kind, p->targets[i].idx,
				    &r->targets[i], &oom);
		else if (i < d->nous)
			target_fill(d, 'O', i, &r->targets[i], &oom);
		else
			target_fill(d, 'A', i - d->nous, &r->targets[i], &oom);
	}
	if (oom) {
		org_policy_free(r);
		return oom_error(err, "DescribePolicy");
	}
	org_policy_sort(r);
	*out = r;
	return 0;
}

/* ---- resources ------------------------------------------------------------ */

/*
 * Resources are not kept: each (account, region) listing is generated when
 * asked, from the account's recipe and a hash of (seed, account, region,
 * index), so a demo of 100,000 accounts describes millions of resources at
 * no memory cost until they are read.
 */

static const char *const demo_regions[] = { "us-east-1", "eu-west-1" };

enum rkind {
	RK_INSTANCE, RK_BUCKET, RK_FUNCTION, RK_ROLE, RK_TABLE, RK_DB,
	RK_VOLUME, RK_VPC, RK_TOPIC, RK_QUEUE, RK_LOGGROUP, RK_N
};

static const char *const w_instance[] = {
	"web", "api", "worker", "batch", "bastion", "cache", "consumer", "etl",
};
static const char *const w_bucket[] = {
	"artifacts", "logs", "backups", "data", "static-assets", "exports",
	"reports", "uploads",
};
static const char *const w_function[] = {
	"process-orders", "resize-images", "sync-inventory", "send-notifications",
	"export-reports", "rotate-keys", "ingest-events", "cleanup-snapshots",
};
static const char *const w_role[] = {
	"lambda-exec", "ecs-task", "deploy", "read-only", "ci-runner", "backup",
};
static const char *const w_table[] = {
	"orders", "sessions", "inventory", "events", "customers", "audit-log",
	"carts", "idempotency-keys",
};
static const char *const w_db[] = {
	"main", "orders", "users", "reporting", "catalog", "ledger",
};
static const char *const w_volume[] = { "data", "root", "scratch", "logs" };
static const char *const w_vpc[] = { "vpc", "vpc-isolated" };
static const char *const w_topic[] = {
	"alerts", "order-events", "deploy-notifications", "audit-events",
};
static const char *const w_queue[] = {
	"orders", "notifications", "orders-dlq", "events", "jobs",
};

/* Weights of the kinds after the first few (which show one of each). */
static const struct rkind_info {
	const char *service;
	const char *prefix;     /* of the ARN's resource part */
	int global;             /* listed in us-east-1 only, region "global" */
	unsigned weight;
	const char *const *words;
	unsigned nwords;
} rkinds[RK_N] = {
	[RK_INSTANCE] = { "ec2", "instance/", 0, 16, w_instance,
			  N(w_instance) },
	[RK_BUCKET]   = { "s3", "", 1, 6, w_bucket, N(w_bucket) },
	[RK_FUNCTION] = { "lambda", "function:", 0, 12, w_function,
			  N(w_function) },
	[RK_ROLE]     = { "iam", "role/", 1, 8, w_role, N(w_role) },
	[RK_TABLE]    = { "dynamodb", "table/", 0, 6, w_table, N(w_table) },
	[RK_DB]       = { "rds", "db:", 0, 4, w_db, N(w_db) },
	[RK_VOLUME]   = { "ec2", "volume/", 0, 16, w_volume, N(w_volume) },
	[RK_VPC]      = { "ec2", "vpc/", 0, 2, w_vpc, N(w_vpc) },
	[RK_TOPIC]    = { "sns", "", 0, 5, w_topic, N(w_topic) },
	[RK_QUEUE]    = { "sqs", "", 0, 6, w_queue, N(w_queue) },
	[RK_LOGGROUP] = { "logs", "log-group:", 0, 12, w_function,
			  N(w_function) },
};

/* Who runs each fixed account's workloads (names, Team and Owner tags),
 * where, and the cost center its resources carry (NULL: none). */
static const struct {
	const char *team;
	const char *env;
	const char *cost_center;
} fixed_res[] = {
	{ "platform", "prod", "CC-1100" },      /* management */
	{ "security", "prod", "CC-1000" },
	{ "security", "prod", "CC-1000" },
	{ "platform", "prod", "CC-1100" },
	{ "alice", "sandbox", "CC-9000" },
	{ "sandbox", "sandbox", NULL },
	{ "payments", "prod", "CC-2200" },
	{ "data-platform", "staging", NULL },
	{ "marketing", "prod", NULL },
	{ "analytics", "prod", NULL },
	{ "research", "sandbox", NULL },
	{ "analytics", "prod", "CC-3000" },
	{ "payments", "dev", "CC-2200" },
	{ "platform", "prod", "CC-1100" },
	{ "checkout", "staging", "CC-2100" },
	{ "startup", "prod", NULL },
};
_Static_assert(N(fixed_res) == N(fixed), "one line per fixed account");

/* What every resource of one listing shares. */
struct res_ctx {
	const struct demo *d;
	const struct demo_acct *a;
	const char *region;
	int global;             /* this listing carries the global resources */
	char team[64];
	char owner[96];         /* Owner tag value: team, or a person's mail */
	const char *env;
	const char *cost_center;        /* NULL: the account has none */
	unsigned first;                 /* kind the listing starts with */
	unsigned counter[RK_N];
};

/* Account states and categories whose member role cannot be assumed:
 * closed accounts, and invited accounts that never created the role. */
static int role_refused(const struct demo *d, const struct demo_acct *a)
{
	if (a == &d->acct[0])
		return 0;
	if (!strcmp(a->state, "SUSPENDED") || !strcmp(a->state, "CLOSED"))
		return 1;
	if (a->cat == CAT_TRANSITIONAL)
		return 1;
	return a->cat == CAT_FIXED && fixed[a->fixed].ou == OU_TRANSITIONAL;
}

static void res_ctx_init(struct res_ctx *c, const struct demo *d,
			 const struct demo_acct *a, const char *region)
{
	memset(c, 0, sizeof(*c));
	c->d = d;
	c->a = a;
	c->region = region;
	c->global = !strcmp(region, demo_regions[0]);
	c->env = "prod";
	switch ((enum cat)a->cat) {
	case CAT_FIXED:
		snprintf(c->team, sizeof(c->team), "%s",
			 fixed_res[a->fixed].team);
		c->env = fixed_res[a->fixed].env;
		c->cost_center = fixed_res[a->fixed].cost_center;
		break;
	case CAT_WORKLOAD:
		snprintf(c->team, sizeof(c->team), "%s", team_name(a));
		c->env = env_slug[a->env];
		c->cost_center = bus[a->bu].cost_center;
		break;
	case CAT_SANDBOX:
		snprintf(c->team, sizeof(c->team), "%s", people[a->item]);
		c->env = "sandbox";
		c->cost_center = "CC-9000";
		break;
	case CAT_DATA:
		snprintf(c->team, sizeof(c->team), "%s",
			 a->ou == OU_ANALYTICS ? "analytics" : "data-platform");
		c->env = env_slug[a->env];
		c->cost_center = "CC-3000";
		break;
	case CAT_INFRA:
		snprintf(c->team, sizeof(c->team), "platform");
		c->cost_center = "CC-1100";
		break;
	case CAT_SECURITY:
		snprintf(c->team, sizeof(c->team), "security");
		c->cost_center = "CC-1000";
		break;
	case CAT_TRANSITIONAL:
		snprintf(c->team, sizeof(c->team), "%s-it",
			 companies[a->item]);
		break;
	case CAT_SUSPENDED:
		snprintf(c->team, sizeof(c->team), "%s",
			 legacy_words[a->item]);
		break;
	}
	/* sandboxes belong to people */
	snprintf(c->owner, sizeof(c->owner), "%s%s", c->team,
		 !strcmp(c->env, "sandbox") && strcmp(c->team, "sandbox") &&
		 strcmp(c->team, "research") ? "@example.com" : "");
}

/* The kind of the i-th resource: one of each first (starting at a kind
 * that varies by listing), then by weight. */
static enum rkind pick_kind(const struct res_ctx *c, size_t i, uint64_t h)
{
	unsigned total = 0, navail = 0, k, x;
	enum rkind avail[RK_N];

	for (k = 0; k < RK_N; k++) {
		if (rkinds[k].global && !c->global)
			continue;
		avail[navail++] = (enum rkind)k;
		total += rkinds[k].weight;
	}
	if (i < navail)
		return avail[(i + c->first) % navail];
	x = (unsigned)(h % total);
	for (k = 0; k + 1 < navail && x >= rkinds[avail[k]].weight; k++)
		x -= rkinds[avail[k]].weight;
	return avail[k];
}

/* The root's tag policy CostCenterAndOwner, as the tagging API reports
 * it: keys that differ from "CostCenter"/"Owner" only in case, and
 * CostCenter values outside the allowed list. */
static int cost_center_ok(const char *v)
{
	return !strcmp(v, "CC-1000") || !strcmp(v, "CC-1100") ||
	       !strncmp(v, "CC-2", 4) || !strcmp(v, "CC-3000") ||
	       !strcmp(v, "CC-9000");
}

static char *res_compliance(const struct org_tags *t, int *oom)
{
	char out[512] = "";
	size_t len = 0, i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < t->n; i++) {
			const char *k = t->v[i].key;
			int cc = !strcasecmp(k, "CostCenter");

			if (pass == 0 && (cc || !strcasecmp(k, "Owner")) &&
			    strcmp(k, cc ? "CostCenter" : "Owner"))
				len += snprintf(out + len, sizeof(out) - len,
						"%snoncompliant key: %s",
						len ? "\n" : "", k);
			else if (pass == 1 && cc &&
				 !cost_center_ok(t->v[i].value))
				len += snprintf(out + len, sizeof(out) - len,
						"%snoncompliant value: %s",
						len ? "\n" : "", k);
			if (len >= sizeof(out))
				len = sizeof(out) - 1;
		}
	}
	return xstrdup(oom, out);
}

static void res_tags(struct res_ctx *c, enum rkind k, const char *name,
		     uint64_t h, struct tagv *tv)
{
	unsigned g = (unsigned)((h >> 8) % 100);
	unsigned e = (unsigned)((h >> 16) % 100);
	unsigned cc = (unsigned)((h >> 24) % 100);
	char tmp[96];

	if (g < 8)
		return;                 /* tagged once, every tag removed */
	if (k == RK_INSTANCE || k == RK_VOLUME || k == RK_VPC)
		tag_add(tv, "Name", name);
	if (e < 70)
		tag_add(tv, "Environment", c->env);
	if (c->cost_center && cc < 60)
		tag_add(tv, "CostCenter", c->cost_center);
	else if (c->cost_center && cc < 64)
		tag_add(tv, "costcenter", c->cost_center);
	else if (cc < 67)
		tag_add(tv, "CostCenter", cc & 1 ? "" : "TBD");
	if ((k == RK_BUCKET || k == RK_TABLE || k == RK_DB) && e % 3)
		tag_add(tv, "DataClassification",
			!strcmp(c->env, "prod") ? "confidential" : "internal");
	if ((k == RK_TABLE || k == RK_DB) && !strcmp(c->env, "prod") &&
	    e % 2)
		tag_add(tv, "Backup", "daily");
	if ((k == RK_FUNCTION || k == RK_QUEUE || k == RK_TOPIC ||
	     k == RK_LOGGROUP) && (h >> 32) % 3 == 0)
		tag_addf(tv, "aws:cloudformation:stack-name", "%s-%s-%s",
			 c->team, c->env, rkinds[k].service);
	if (g < 45) {
		/* no owner of its own: the account's applies */
	} else if (g < 72) {
		tag_add(tv, "Team", c->team);
	} else if (g < 88) {
		tag_add(tv, "Owner", c->owner);
		if (g % 2 == 0)
			tag_add(tv, "Team", c->team);
	} else if (g < 91) {
		tag_add(tv, "owner", c->owner);
	} else if (g < 94) {
		tag_addf(tv, "Owner", "%s@example.com",
			 people[(h >> 40) % N(people)]);
	} else if (g < 97) {
		typo(tmp, sizeof(tmp), c->team);
		tag_add(tv, "Team", tmp);
	} else {
		tag_add(tv, "Owner", "");
	}
}

/* One resource: its ARN, parsed fields, tags and compliance into r. */
static int res_make(struct res_ctx *c, size_t i, uint64_t base,
		    struct org_resource *r)
{
	const struct demo_acct *a = c->a;
	uint64_t h = mix64(base + i);   /* a bijection: distinct ids */
	enum rkind k = pick_kind(c, i, mix64(h));
	const struct rkind_info *ki = &rkinds[k];
	unsigned n = c->counter[k]++;
	/* each listing starts the kind's names at another word */
	const char *w = ki->words[(n + (base >> (4 * k))) % ki->nwords];
	char sfx[16], name[160] = "", id[200], *arn;
	struct tagv tv = { .t = &r->tags };
	int oom = 0, rc;

	copy_suffix(sfx, sizeof(sfx), n / ki->nwords);
	switch (k) {
	case RK_INSTANCE:
		snprintf(name, sizeof(name), "%s-%s-%s%s", c->team, w, c->env,
			 sfx);
		snprintf(id, sizeof(id), "i-0%016llx", (unsigned long long)h);
		break;
	case RK_VOLUME:
		snprintf(name, sizeof(name), "%s-%s-%s%s", c->team, w, c->env,
			 sfx);
		snprintf(id, sizeof(id), "vol-0%016llx", (unsigned long long)h);
		break;
	case RK_VPC:
		snprintf(name, sizeof(name), "%s-%s-%s%s", c->team, c->env, w,
			 sfx);
		snprintf(id, sizeof(id), "vpc-0%016llx", (unsigned long long)h);
		break;
	case RK_BUCKET:
		snprintf(id, sizeof(id), "%s-%s-%s%s", c->team, w, a->id, sfx);
		break;
	case RK_ROLE: {
		unsigned p = (unsigned)((h >> 12) % 4);

		snprintf(id, sizeof(id), "%s%s%s%s-%s%s",
			 p == 1 ? "service-role/" : p == 2 ? "application/" : "",
			 p == 2 ? c->team : "", p == 2 ? "/" : "", c->team, w,
			 sfx);
		break;
	}
	case RK_LOGGROUP:
		if (h & 0x100)
			snprintf(id, sizeof(id), "/aws/lambda/%s-%s-%s%s",
				 c->team, c->env, w, sfx);
		else
			snprintf(id, sizeof(id), "/ecs/%s-%s/%s%s", c->team,
				 c->env, w, sfx);
		break;
	case RK_QUEUE:
		snprintf(id, sizeof(id), "%s-%s%s%s", c->team, w, sfx,
			 (h >> 20) % 5 == 0 ? ".fifo" : "");
		break;
	default:        /* function, table, db, topic */
		snprintf(id, sizeof(id), "%s-%s-%s%s", c->team, c->env, w,
			 sfx);
		break;
	}
	if (ki->global)
		arn = xprintf(&oom, "arn:aws:%s::%s:%s%s", ki->service,
			      k == RK_BUCKET ? "" : a->id, ki->prefix, id);
	else
		arn = xprintf(&oom, "arn:aws:%s:%s:%s:%s%s", ki->service,
			      c->region, a->id, ki->prefix, id);
	/* the parser names the parts, as it does for the aws source */
	rc = oom ? -ENOMEM : arn_fill_resource(arn, a->id, r);
	free(arn);
	if (rc < 0)
		return rc;
	res_tags(c, k, *name ? name : id, h, &tv);
	org_tags_sort(&r->tags);
	r->compliance = res_compliance(&r->tags, &oom);
	return oom || tv.oom ? -ENOMEM : 0;
}

static int res_error(struct aws_error *err, int e, const char *op,
		     const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int res_error(struct aws_error *err, int e, const char *op,
		     const char *code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		memset(err, 0, sizeof(*err));
		snprintf(err->code, sizeof(err->code), "%s", code);
		snprintf(err->operation, sizeof(err->operation), "%s", op);
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
		err->http_status = e == EACCES ? 403 : e == ENOMEM ? 0 : 400;
		err->err = e;
	}
	return -e;
}

static int demo_list_resources(struct org_source *s, const char *account,
			       const char *region, struct org_resources **out,
			       struct aws_error *err)
{
	static const char role[] = "OrganizationAccountAccessRole";
	struct demo *d = (struct demo *)s;
	const struct demo_acct *a;
	struct org_resources *r;
	struct res_ctx *c;
	uint64_t base;
	size_t i, n = 0, ridx;
	int rc = 0;

	if (demo_ready(d))
		return oom_error(err, "GetResources");

	*out = NULL;
	for (i = 0; region && region[i]; i++)
		if (!((region[i] >= 'a' && region[i] <= 'z') ||
		      (region[i] >= '0' && region[i] <= '9') ||
		      region[i] == '-'))
			break;
	if (!account || !region || !*region || region[i])
		return res_error(err, EINVAL, "resourcegroupstaggingapi:GetResources",
				 "InvalidParameterException",
				 "list resources: not an account id and region");
	a = find_account(d, account);
	if (!a || role_refused(d, a))
		return res_error(err, EACCES, "sts:AssumeRole", "AccessDenied",
				 "account %.12s: assume role arn:aws:iam::%.12s:role/%s: "
				 "User: arn:aws:iam::%s:user/demo is not authorized to "
				 "perform: sts:AssumeRole on resource: "
				 "arn:aws:iam::%.12s:role/%s", account, account, role,
				 mgmt_id(d), account, role);
	for (ridx = 0; ridx < N(demo_regions); ridx++)
		if (!strcmp(region, demo_regions[ridx]))
			break;
	if (ridx < N(demo_regions))
		n = d->nres;
	r = calloc(1, sizeof(*r));
	c = malloc(sizeof(*c));
	if (r && n)
		r->v = calloc(n, sizeof(*r->v));
	if (!r || !c || (n && !r->v)) {
		rc = -ENOMEM;
		goto out;
	}
	res_ctx_init(c, d, a, region);
	base = draw(d, H_RES, a->number * N(demo_regions) + ridx);
	c->first = (unsigned)(base % RK_N);
	for (i = 0; i < n && rc == 0; i++) {
		rc = res_make(c, i, base, &r->v[i]);
		r->n = i + 1;
	}
	if (rc == 0) {
		org_resources_sort(r);
		*out = r;
		r = NULL;
	}
out:
	free(c);
	org_resources_free(r);
	if (rc < 0)
		return res_error(err, ENOMEM, "resourcegroupstaggingapi:GetResources",
				 "OutOfMemory", "demo source: out of memory");
	return 0;
}

/* ---- effective tag policy ------------------------------------------------ */

/*
 * What DescribeEffectivePolicy returns: the TAG_POLICY documents attached
 * to the root, each OU down to the account and the account itself,
 * merged in that order with the inheritance operators (@@assign replaces,
 * @@append adds to a list, @@remove takes out of one; other operators are
 * dropped, as AWS drops them from effective policies).  Tag policy keys
 * are case-insensitive: AWS shows them lower-cased, with tag_key keeping
 * the canonical case.
 */

static int tagpol_lower(const char *key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; key[i] && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)key[i]);
	buf[i] = '\0';
	return key[i] ? -1 : 0;
}

static int tagpol_has_op(json_t *v)
{
	const char *k;
	json_t *x;

	json_object_foreach(v, k, x)
		if (!strncmp(k, "@@", 2))
			return 1;
	return 0;
}

/* l with every item of add it does not hold yet appended */
static int tagpol_append(json_t *l, json_t *add)
{
	json_t *it, *y;
	size_t i, j;

	json_array_foreach(add, i, it) {
		int seen = 0;

		json_array_foreach(l, j, y)
			seen |= json_equal(y, it);
		if (!seen && json_array_append(l, it))
			return -ENOMEM;
	}
	return 0;
}

/* The operators of one value ({"@@assign": ...}) applied to dst[k]. */
static int tagpol_apply(json_t *dst, const char *k, json_t *ops)
{
	json_t *as = json_object_get(ops, "@@assign");
	json_t *ap = json_object_get(ops, "@@append");
	json_t *rm = json_object_get(ops, "@@remove");
	json_t *l, *y;
	size_t i, j;

	if (as && json_object_set_new(dst, k, json_deep_copy(as)))
		return -ENOMEM;
	l = json_object_get(dst, k);
	if (json_is_array(ap)) {
		if (!json_is_array(l)) {
			/* a single value becomes the list's first item */
			json_t *nl = json_array();

			if (!nl || (l && json_array_append(nl, l)) ||
			    json_object_set_new(dst, k, nl))
				return -ENOMEM;
			l = nl;
		}
		if (tagpol_append(l, ap) < 0)
			return -ENOMEM;
	}
	if (json_is_array(rm) && json_is_array(l)) {
		for (i = json_array_size(l); i-- > 0;) {
			json_array_foreach(rm, j, y) {
				if (json_equal(json_array_get(l, i), y)) {
					json_array_remove(l, i);
					break;
				}
			}
		}
	}
	return 0;
}

/* Merge src into dst; lower: the keys of this level are tag names. */
static int tagpol_merge(json_t *dst, json_t *src, int lower)
{
	const char *key;
	json_t *val;
	char name[256];

	json_object_foreach(src, key, val) {
		const char *k = key;
		json_t *cur;
		int rc = 0;

		if (!strncmp(key, "@@", 2))
			continue;
		if (lower) {
			if (tagpol_lower(key, name, sizeof(name)) < 0)
				continue;
			k = name;
		}
		cur = json_object_get(dst, k);
		if (json_is_object(val) && tagpol_has_op(val)) {
			rc = tagpol_apply(dst, k, val);
		} else if (json_is_object(val)) {
			json_t *sub = json_is_object(cur) ? json_incref(cur) :
				      json_object();

			if (!sub || tagpol_merge(sub, val, 0) < 0 ||
			    json_object_set(dst, k, sub))
				rc = -ENOMEM;
			json_decref(sub);
		} else if (json_object_set_new(dst, k, json_deep_copy(val))) {
			rc = -ENOMEM;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Merge one policy document: its "tags" children are tag names. */
static int tagpol_merge_doc(json_t *dst, const char *content)
{
	json_t *doc, *tags, *cur;
	int rc = 0;

	doc = json_loads(content, 0, NULL);
	if (!doc)
		return -EINVAL;         /* the templates are ours: cannot be */
	tags = json_object_get(doc, "tags");
	if (json_is_object(tags)) {
		cur = json_object_get(dst, "tags");
		if (!json_is_object(cur)) {
			cur = json_object();
			if (!cur || json_object_set_new(dst, "tags", cur))
				rc = -ENOMEM;
		}
		if (rc == 0)
			rc = tagpol_merge(cur, tags, 1);
	}
	json_decref(doc);
	return rc;
}

static int policy_applies(const struct demo_policy *p, char kind, size_t idx)
{
	size_t i;

	if (p->all)
		return 1;
	for (i = 0; i < p->ntargets; i++)
		if (p->targets[i].kind == kind && p->targets[i].idx == idx)
			return 1;
	return 0;
}

static int demo_effective_tag_policy(struct org_source *s,
				     const char *account,
				     struct org_document **out,
				     struct aws_error *err)
{
	static const char op[] = "DescribeEffectivePolicy";
	struct demo *d = (struct demo *)s;
	const struct demo_acct *a;
	int chain[64], nchain = 0, ou, found = 0, rc = 0;
	struct org_document *doc;
	json_t *eff;
	size_t i, aidx;

	if (demo_ready(d))
		return oom_error(err, "DescribeEffectivePolicy");

	*out = NULL;
	a = account ? find_account(d, account) : NULL;
	if (!a)
		return demo_error(err, ENOENT, op, "TargetNotFoundException",
				  "We can't find a root, OU, account, or "
				  "policy with the TargetId that you "
				  "specified.");
	aidx = (size_t)(a - d->acct);
	for (ou = a->ou; ou >= 0 && nchain < (int)N(chain);
	     ou = d->ous[ou].parent)
		chain[nchain++] = ou;
	eff = json_object();
	if (!eff)
		return oom_error(err, op);
	/* the root first, down the OUs, the account last (k == -1) */
	for (int k = nchain - 1; rc == 0 && k >= -1; k--) {
		char kind = k < 0 ? 'A' : chain[k] ? 'O' : 'R';
		size_t idx = k < 0 ? aidx : (size_t)chain[k];

		for (i = 0; rc == 0 && i < NPOL; i++) {
			if (strcmp(d->pol[i].t->type, "TAG_POLICY") ||
			    !policy_applies(&d->pol[i], kind, idx))
				continue;
			found = 1;
			rc = tagpol_merge_doc(eff, d->pol[i].t->content);
		}
	}
	doc = calloc(1, sizeof(*doc));
	if (rc == 0 && doc) {
		doc->present = found;
		doc->text = found ? json_dumps(eff, JSON_COMPACT |
					       JSON_SORT_KEYS) : strdup("");
		/* a policy change some weeks before "now", per organization */
		doc->updated = found ? 1717200000 + (time_t)(draw(d, H_TAGPOL,
					0) % (180 * 86400)) : 0;
	}
	json_decref(eff);
	if (rc < 0 || !doc || !doc->text) {
		org_document_free(doc);
		return rc == -EINVAL ?
		       demo_error(err, EIO, op, "MalformedPolicyDocument",
				  "demo source: a tag policy does not parse") :
		       oom_error(err, op);
	}
	*out = doc;
	return 0;
}

/* ---- AWS Config rule compliance ----------------------------------------- */

/*
 * Config records in the demo's regions of every account that can be read,
 * except sandboxes (nobody set it up) and about one development account
 * in five, which records in us-east-1 only.  Where it records, a
 * conformance pack's rules evaluate the account's demo resources, so a
 * NON_COMPLIANT rule has a resource behind it: required-tags fails where a
 * resource lacks a CostCenter tag (case-sensitive, as Config's rule is),
 * the encryption, logging and public-access rules where a hash of the
 * resource's ARN says so (more often outside prod).  A rule with no
 * resource in scope has no evaluation and reads INSUFFICIENT_DATA, as
 * does dynamodb-pitr-enabled in accounts it was only just deployed to.
 * The account-level IAM rules evaluate in us-east-1 only, where global
 * resources are recorded.  NOT_APPLICABLE is a result of single
 * resources, never of a rule (Config's Compliance type does not support
 * it), so the demo's rules never read it.
 */

enum cfg_rule {
	CR_CLOUDTRAIL, CR_DDB_PITR, CR_VOLUMES, CR_IAM_PASSWORD,
	CR_LAMBDA_PUBLIC, CR_RDS_ENCRYPTED, CR_REQUIRED_TAGS, CR_ROOT_MFA,
	CR_S3_LOGGING, CR_S3_PUBLIC_READ, CR_VPC_FLOW_LOGS, CR_N
};

static const struct cfg_rule_info {
	const char *name;
	int global;             /* evaluated in us-east-1 only */
	int kind;               /* resources in scope: an rkind, or -1 */
	int kind2;              /* a second kind, or -1 */
	unsigned fail_prod;     /* per mille, per resource (or account) */
	unsigned fail_other;
} cfg_rules[CR_N] = {
	[CR_CLOUDTRAIL]    = { "cloudtrail-enabled", 0, -1, -1, 0, 0 },
	[CR_DDB_PITR]      = { "dynamodb-pitr-enabled", 0, RK_TABLE, -1,
			       150, 400 },
	[CR_VOLUMES]       = { "encrypted-volumes", 0, RK_VOLUME, -1, 30,
			       250 },
	[CR_IAM_PASSWORD]  = { "iam-password-policy", 1, -1, -1, 150, 300 },
	[CR_LAMBDA_PUBLIC] = { "lambda-function-public-access-prohibited", 0,
			       RK_FUNCTION, -1, 10, 60 },
	[CR_RDS_ENCRYPTED] = { "rds-storage-encrypted", 0, RK_DB, -1, 20,
			       300 },
	[CR_REQUIRED_TAGS] = { "required-tags", 0, RK_INSTANCE, RK_BUCKET,
			       0, 0 },
	[CR_ROOT_MFA]      = { "root-account-mfa-enabled", 1, -1, -1, 40,
			       80 },
	[CR_S3_LOGGING]    = { "s3-bucket-logging-enabled", 0, RK_BUCKET, -1,
			       250, 450 },
	[CR_S3_PUBLIC_READ] = { "s3-bucket-public-read-prohibited", 0,
				RK_BUCKET, -1, 15, 50 },
	[CR_VPC_FLOW_LOGS] = { "vpc-flow-logs-enabled", 0, RK_VPC, -1, 100,
			       350 },
};

/* The resource kind of a listed resource, from its ARN's parts. */
static int cfg_kind(const struct org_resource *r)
{
	static const struct { const char *svc, *type; int kind; } map[] = {
		{ "ec2", "instance", RK_INSTANCE },
		{ "ec2", "volume", RK_VOLUME },
		{ "ec2", "vpc", RK_VPC },
		{ "s3", "bucket", RK_BUCKET },
		{ "lambda", "function", RK_FUNCTION },
		{ "rds", "db", RK_DB },
		{ "dynamodb", "table", RK_TABLE },
	};
	size_t i;

	for (i = 0; i < N(map); i++)
		if (!strcmp(r->service, map[i].svc) &&
		    !strcmp(r->type, map[i].type))
			return map[i].kind;
	return -1;
}

static int cfg_sandbox(const struct demo_acct *a)
{
	return a->cat == CAT_SANDBOX ||
	       (a->cat == CAT_FIXED && fixed[a->fixed].ou == OU_SANDBOX);
}

/* Whether Config records in the account and region. */
static int cfg_enabled(const struct demo *d, const struct demo_acct *a,
		       const char *region, const char *env)
{
	size_t i;

	for (i = 0; i < N(demo_regions); i++)
		if (!strcmp(region, demo_regions[i]))
			break;
	if (i == N(demo_regions) || cfg_sandbox(a))
		return 0;
	if (i > 0 && !strcmp(env, "dev") &&
	    draw(d, H_CFG, a->number) % 5 == 0)
		return 0;
	return 1;
}

static const char *cfg_eval(const struct demo *d, const struct demo_acct *a,
			    enum cfg_rule k, const struct org_resources *res,
			    const char *env)
{
	const struct cfg_rule_info *ri = &cfg_rules[k];
	unsigned fail = strcmp(env, "prod") ? ri->fail_other : ri->fail_prod;
	size_t i, nscope = 0;
	int bad = 0;

	if (ri->kind < 0) {
		/* account-level rules */
		if (k == CR_CLOUDTRAIL)
			return "COMPLIANT";     /* the organization trail */
		if (!strcmp(a->method, "INVITED"))
			fail *= 4;      /* accounts from before the org */
		return draw(d, H_CFG, a->number * CR_N + k) % 1000 < fail ?
		       "NON_COMPLIANT" : "COMPLIANT";
	}
	if (k == CR_DDB_PITR && draw(d, H_CFG, a->number * CR_N + k) % 10 < 3)
		return "INSUFFICIENT_DATA";     /* deployed, not run yet */
	for (i = 0; i < res->n; i++) {
		const struct org_resource *r = &res->v[i];
		int kind = cfg_kind(r);

		if (kind < 0 || (kind != ri->kind && kind != ri->kind2 &&
		    !(k == CR_REQUIRED_TAGS &&
		      (kind == RK_VOLUME || kind == RK_DB))))
			continue;
		nscope++;
		if (k == CR_REQUIRED_TAGS)
			bad |= !org_tags_get(&r->tags, "CostCenter");
		else
			bad |= draw(d, H_CFG, hash_fnv1a_str(r->arn) ^ k) % 1000 <
			       fail;
	}
	if (!nscope)
		return "INSUFFICIENT_DATA";
	return bad ? "NON_COMPLIANT" : "COMPLIANT";
}

static int rule_name_cmp(const void *x, const void *y)
{
	const struct org_config_rule *a = x, *b = y;

	return strcmp(a->name, b->name);
}

static int demo_config_compliance(struct org_source *s, const char *account,
				  const char *region,
				  struct org_config_rules **out,
				  struct aws_error *err)
{
	struct demo *d = (struct demo *)s;
	struct org_resources *res = NULL;
	struct org_config_rules *r;
	const struct demo_acct *a;
	struct res_ctx *c;
	int rc, us_east, oom = 0;
	size_t k;

	if (demo_ready(d))
		return oom_error(err, "DescribeComplianceByConfigRule");

	*out = NULL;
	/* the member role, as for resources: the same refusals */
	rc = demo_list_resources(s, account, region, &res, err);
	if (rc < 0) {
		if (rc == -EINVAL)
			snprintf(err->operation, sizeof(err->operation),
				 "config:DescribeComplianceByConfigRule");
		return rc;
	}
	a = find_account(d, account);
	r = calloc(1, sizeof(*r));
	c = malloc(sizeof(*c));
	if (!r || !c) {
		oom = 1;
		goto out;
	}
	res_ctx_init(c, d, a, region);
	us_east = !strcmp(region, demo_regions[0]);
	if (!cfg_enabled(d, a, region, c->env))
		goto out;
	r->enabled = 1;
	r->v = calloc(CR_N, sizeof(*r->v));
	if (!r->v) {
		oom = 1;
		goto out;
	}
	for (k = 0; k < CR_N && !oom; k++) {
		if (cfg_rules[k].global && !us_east)
			continue;
		r->v[r->n].name = xstrdup(&oom, cfg_rules[k].name);
		r->v[r->n].compliance = xstrdup(&oom, cfg_eval(d, a,
						(enum cfg_rule)k, res, c->env));
		r->n++;
	}
	qsort(r->v, r->n, sizeof(*r->v), rule_name_cmp);
out:
	free(c);
	org_resources_free(res);
	if (oom) {
		org_config_rules_free(r);
		return res_error(err, ENOMEM,
				 "config:DescribeComplianceByConfigRule",
				 "OutOfMemory", "demo source: out of memory");
	}
	*out = r;
	return 0;
}

static void demo_describe(struct org_source *s, struct buf *out)
{
	struct demo *d = (struct demo *)s;

	buf_printf(out, "demo organization, %u accounts, seed %u",
		   d->naccounts, d->seed);
}

static void demo_destroy(struct org_source *s)
{
	struct demo *d = (struct demo *)s;
	size_t i;

	if (!d)
		return;
	if (d->acct) {
		for (i = 0; i < d->naccounts; i++) {
			free(d->acct[i].name);
			free(d->acct[i].email);
		}
	}
	if (d->ous)
		for (i = 0; i < d->nous; i++)
			free(d->ous[i].tags);
	free(d->acct);
	free(d->by_id);
	free(d->ous);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static const struct org_source_ops demo_ops = {
	.name = "demo",
	.describe_org = demo_describe_org,
	.list_accounts = demo_list_accounts,
	.walk_hierarchy = demo_walk_hierarchy,
	.list_tags = demo_list_tags,
	.list_policies = demo_list_policies,
	.describe_policy = demo_describe_policy,
	.list_resources = demo_list_resources,
	.effective_tag_policy = demo_effective_tag_policy,
	.config_compliance = demo_config_compliance,
	.describe = demo_describe,
	.destroy = demo_destroy,
};

struct org_source *demo_source_new_with(const struct demo_options *o)
{
	static const char filler[] =
		"Shared research account for short experiments by the R and D "
		"group: anything here may be deleted after 30 days. Ask in "
		"the research channel before storing data. ";
	unsigned naccounts = o ? o->naccounts : 0;
	struct demo *d;
	size_t i;

	if (!o || naccounts < DEMO_MIN_ACCOUNTS ||
	    naccounts > DEMO_MAX_ACCOUNTS || o->resources > DEMO_MAX_RESOURCES) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		goto nomem;
	d->base.ops = &demo_ops;
	d->naccounts = naccounts;
	d->seed = o->seed;
	d->nres = o->resources ? o->resources : DEMO_DEFAULT_RESOURCES;
	d->nbu = naccounts < 100 ? 0 : naccounts < 1000 ? 3 : NBU;
	d->nteam_bus = d->nbu ? d->nbu : 3;
	rand_alnum(d->org_id + 2, 10, draw(d, H_ORG, 0));
	memcpy(d->org_id, "o-", 2);
	for (i = 0; i < 256; i++)
		d->long_value[i] = filler[i % (sizeof(filler) - 1)];
	d->long_value[256] = '\0';
	pthread_mutex_init(&d->lock, NULL);
	return &d->base;
nomem:
	demo_destroy(d ? &d->base : NULL);
	errno = ENOMEM;
	return NULL;
}

struct org_source *demo_source_new(unsigned naccounts, unsigned seed)
{
	struct demo_options o = { .naccounts = naccounts, .seed = seed };

	return demo_source_new_with(&o);
}
