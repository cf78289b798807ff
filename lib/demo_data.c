/* demo_data.c - the demo source's vocabulary and templates (see
 * demo_data.h) */
#include <stddef.h>

#include "demo_data.h"

/* ---- the organization ---------------------------------------------------- */

const struct ou_tmpl demo_ou_tmpl[OU_NFIXED] = {
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

const char *const demo_env_slug[NENV] = { "prod", "staging", "dev" };
const char *const demo_env_long[NENV] = {
	"Production", "Staging", "Development"
};
const int demo_env_ou[NENV] = { OU_PROD, OU_STAGING, OU_DEV };

const struct bu demo_bus[] = {
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
const char *const demo_components[] = {
	"", "api", "web", "worker", "batch", "events", "db", "cache", "ml",
	"edge",
};
const char *const demo_people[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
	"ivan", "judy", "ken", "laura", "mike", "nina", "oscar", "peggy",
	"quinn", "rupert", "sybil", "trent", "ursula", "victor", "wendy",
	"xavier", "yusuf", "zoe", "amir", "bea", "chen", "dmitri", "eva",
	"farah", "goran", "hana", "ines", "jonas", "kofi", "lena", "mateo",
	"noor",
};
const char *const demo_data_comps[] = {
	"lake", "warehouse", "streaming", "catalog", "bi", "ml-features",
};
const char *const demo_infra_comps[] = {
	"network", "egress", "transit", "dns", "identity", "ci-cd",
	"artifacts", "monitoring", "backup", "patching",
};
const char *const demo_name_regions[] = {
	"eu-west-1", "eu-central-1", "us-east-1", "us-west-2",
	"ap-southeast-2",
};
const char *const demo_security_names[] = {
	"security-tooling", "guardduty-admin", "forensics", "siem",
	"incident-response", "security-scanner", "pentest", "key-management",
};
const char *const demo_companies[] = {
	"quantix", "nimbus-analytics", "brightpath", "foobar-labs",
};
const char *const demo_legacy_words[] = {
	"marketing", "reporting", "crm", "intranet", "batch", "etl",
};

const struct cat_share demo_cat_mix[] = {
	{ 700, CAT_WORKLOAD }, { 790, CAT_SANDBOX }, { 860, CAT_DATA },
	{ 910, CAT_INFRA }, { 940, CAT_SECURITY }, { 965, CAT_TRANSITIONAL },
	{ 1000, CAT_SUSPENDED },
};

const struct fixed_acct demo_fixed[] = {
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

const char *const demo_policy_types[] = {
	"SERVICE_CONTROL_POLICY", "TAG_POLICY", "BACKUP_POLICY",
	"AISERVICES_OPT_OUT_POLICY",
};

const struct pol_tmpl demo_pol_tmpl[] = {
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

/* ---- resources --------------------------------------------------------- */

const char *const demo_regions[] = { "us-east-1", "eu-west-1" };

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

const struct rkind_info demo_rkinds[RK_N] = {
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

const struct fixed_res demo_fixed_res[] = {
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
_Static_assert(N(demo_fixed_res) == N(demo_fixed),
	       "one line per fixed account");

/* ---- AWS Config rules -------------------------------------------------- */

const struct cfg_rule_info demo_cfg_rules[CR_N] = {
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
