/* test_rules.c - local rules: the rules file, scopes, checks, verdicts */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "model.h"
#include "owner.h"
#include "rules.h"

#define T(k, v) { (char *)(k), (char *)(v) }
#define MAXTAGS 6
#define NOW ((time_t)1704067200)        /* 2024-01-01T00:00:00Z */

static char tmpdir[] = "/tmp/test_rules.XXXXXX";
static struct owner_list *known;        /* platform, payments */

static char *write_file(const char *name, const char *text, size_t len)
{
	char *path;
	FILE *f;

	ck_assert_int_gt(asprintf(&path, "%s/%s", tmpdir, name), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static void setup(void)
{
	char err[256];
	char *p;

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	p = write_file("owners", "platform\npayments\n", 18);
	ck_assert_int_eq(owner_list_load(p, &known, err, sizeof(err)), 0);
	unlink(p);
	free(p);
}

static void teardown(void)
{
	owner_list_free(known);
	known = NULL;
	rmdir(tmpdir);
	memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
}

/* ------------------------------------------------------------------ */
/* Rules-file errors: every message is "<path>:<line>: <reason>". */

struct ecase {
	const char *name;
	const char *text;
	int with_known;
	int line;
	const char *reason;
};

#define RA "[rule a]\n"
#define LVL "level = policy\n"
#define ACC "applies_to = accounts\n"

static const struct ecase ecases[] = {
	{ "unknown key", RA LVL "colour = red\n", 1, 3,
	  "unknown key 'colour'" },
	{ "unknown key is case sensitive", RA "Level = policy\n", 1, 2,
	  "unknown key 'Level'" },
	{ "bad level", RA "level = must\n", 1, 2,
	  "invalid level 'must': expected policy, standard or guideline" },
	{ "empty level", RA "level =\n", 1, 2,
	  "invalid level '': expected policy, standard or guideline" },
	{ "duplicate rule", RA LVL ACC "config_rules = x\n\n[rule a]\n", 1, 6,
	  "duplicate rule 'a' (first at line 1)" },
	{ "duplicate rule after comments",
	  "# rules\n\n[rule b.1_x-y]\n" LVL ACC "config_rules = x\n"
	  "; again\n[rule b.1_x-y]\n", 1, 8,
	  "duplicate rule 'b.1_x-y' (first at line 3)" },
	{ "unknown section", "[profile x]\n", 1, 1,
	  "unknown section [profile x]" },
	{ "unknown section kind rules", "\n\n[rules a]\n", 1, 3,
	  "unknown section [rules a]" },
	{ "section without a name", "[ rule ]\n", 1, 1,
	  "section [rule] needs a name" },
	{ "invalid rule name", "[rule a b]\n", 1, 1,
	  "invalid rule name 'a b'" },
	{ "rule name dot dot", "[rule ..]\n", 1, 1,
	  "invalid rule name '..'" },
	{ "rule name slash", "[rule a/b]\n", 1, 1,
	  "invalid rule name 'a/b'" },
	{ "malformed section header", RA LVL ACC "config_rules = x\n[rule b\n",
	  1, 5, "malformed section header" },
	{ "key outside a rule", "# top\nlevel = policy\n", 1, 2,
	  "key outside a [rule NAME] section" },
	{ "line without =", RA "level policy\n", 1, 2,
	  "expected 'key = value'" },
	{ "line with empty key", RA " = policy\n", 1, 2,
	  "expected 'key = value'" },
	{ "duplicate key", RA LVL "level = standard\n", 1, 3,
	  "duplicate key 'level' (first at line 2)" },
	{ "missing level", RA ACC "config_rules = x\n", 1, 1,
	  "rule 'a' has no level" },
	{ "missing level in an earlier rule",
	  "[rule first]\n" LVL ACC "config_rules = x\n"
	  "[rule second]\n" ACC "config_rules = x\n[rule third]\n", 1, 5,
	  "rule 'second' has no level" },
	{ "missing applies_to", RA LVL "config_rules = x\n", 1, 1,
	  "rule 'a' has no applies_to" },
	{ "no check", RA LVL ACC "description = nothing to check\n", 1, 1,
	  "rule 'a' has no check" },
	{ "owner_known = no is no check", RA LVL ACC "owner_known = no\n", 1, 1,
	  "rule 'a' has no check" },
	{ "tag without a tag check", RA LVL ACC "tag = X\nrequire_tag = no\n",
	  1, 4, "tag needs require_tag, allowed_values, pattern or max_age_days" },
	{ "owner_known without a list", RA LVL ACC "owner_known = yes\n", 0, 4,
	  "owner_known needs -o owners_file" },
	{ "max_age_days not a number", RA LVL ACC "tag = R\nmax_age_days = soon\n",
	  1, 5, "invalid max_age_days 'soon': expected a whole number of days" },
	{ "max_age_days negative", RA LVL ACC "tag = R\nmax_age_days = -1\n",
	  1, 5, "invalid max_age_days '-1': expected a whole number of days" },
	{ "max_age_days fraction", RA LVL ACC "tag = R\nmax_age_days = 1.5\n",
	  1, 5, "invalid max_age_days '1.5': expected a whole number of days" },
	{ "max_age_days huge", RA LVL ACC
	  "tag = R\nmax_age_days = 99999999999999999999999\n", 1, 5,
	  "invalid max_age_days '99999999999999999999999': expected a whole "
	  "number of days" },
	{ "max_age_days empty", RA LVL ACC "tag = R\nmax_age_days =\n", 1, 5,
	  "invalid max_age_days '': expected a whole number of days" },
	{ "bad applies_to", RA LVL "applies_to = accounts, users\n", 1, 3,
	  "invalid applies_to 'users': expected accounts, ous or resources" },
	{ "applies_to singular", RA LVL "applies_to = account\n", 1, 3,
	  "invalid applies_to 'account': expected accounts, ous or resources" },
	{ "empty list item", RA LVL "applies_to = accounts,,ous\n", 1, 3,
	  "empty item in applies_to" },
	{ "empty allowed_values", RA LVL ACC "tag = E\nallowed_values =\n", 1, 5,
	  "empty item in allowed_values" },
	{ "allowed_values without tag", RA LVL ACC "allowed_values = a, b\n",
	  1, 4, "allowed_values needs 'tag = KEY'" },
	{ "pattern without tag", RA LVL ACC "pattern = ^a$\n", 1, 4,
	  "pattern needs 'tag = KEY'" },
	{ "max_age_days without tag", RA LVL ACC "max_age_days = 3\n", 1, 4,
	  "max_age_days needs 'tag = KEY'" },
	{ "require_tag without tag", RA LVL ACC "require_tag = yes\n", 1, 4,
	  "require_tag needs 'tag = KEY'" },
	{ "empty tag", RA LVL ACC "tag =\nrequire_tag = yes\n", 1, 4,
	  "invalid tag '': expected a key of 1 to 128 bytes" },
	{ "bad boolean", RA LVL ACC "tag = X\nrequire_tag = maybe\n", 1, 5,
	  "invalid require_tag 'maybe': expected yes or no" },
	{ "nocase without a value check", RA LVL ACC
	  "tag = X\nrequire_tag = yes\nnocase = yes\n", 1, 6,
	  "nocase needs allowed_values or pattern" },
	{ "services without resources", RA LVL ACC "services = s3\n"
	  "config_rules = x\n", 1, 4,
	  "services needs applies_to to include resources" },
	{ "types without resources", RA LVL "types = bucket\n" ACC
	  "config_rules = x\n", 1, 3,
	  "types needs applies_to to include resources" },
	{ "bad type", RA LVL "applies_to = resources\ntypes = :bucket\n", 1, 4,
	  "invalid type ':bucket': expected TYPE or SERVICE:TYPE" },
	{ "bad type two colons", RA LVL "applies_to = resources\n"
	  "types = a:b:c\n", 1, 4,
	  "invalid type 'a:b:c': expected TYPE or SERVICE:TYPE" },
	{ "empty pattern", RA LVL ACC "tag = X\npattern =\n", 1, 5,
	  "invalid pattern '': empty pattern" },
	{ "error in the last rule at end of file",
	  "[rule ok]\n" LVL ACC "config_rules = x\n\n# end\n[rule z]\n"
	  "level = guideline\n", 1, 7, "rule 'z' has no applies_to" },
	/* IAM Identity Center checks */
	{ "owner_has_access on ous", RA LVL "applies_to = accounts, ous\n"
	  "owner_has_access = yes\n", 1, 4,
	  "owner_has_access needs applies_to = accounts only" },
	{ "max_admins on resources", RA LVL "applies_to = resources\n"
	  "max_admins = 2\n", 1, 4,
	  "max_admins needs applies_to = accounts only" },
	{ "no_direct_users on ous", RA LVL "applies_to = ous\n"
	  "no_direct_users = yes\n", 1, 4,
	  "no_direct_users needs applies_to = accounts only" },
	{ "max_admins not a number", RA LVL ACC "max_admins = two\n", 1, 4,
	  "invalid max_admins 'two': expected a whole number" },
	{ "max_admins negative", RA LVL ACC "max_admins = -1\n", 1, 4,
	  "invalid max_admins '-1': expected a whole number" },
	{ "admin sets without max_admins", RA LVL ACC
	  "admin_permission_sets = AdministratorAccess\nno_direct_users = "
	  "yes\n", 1, 4, "admin_permission_sets needs max_admins" },
	{ "empty admin set", RA LVL ACC "max_admins = 1\n"
	  "admin_permission_sets = A,\n", 1, 5,
	  "empty item in admin_permission_sets" },
	{ "owner_has_access bad boolean", RA LVL ACC "owner_has_access = y\n",
	  1, 4, "invalid owner_has_access 'y': expected yes or no" },
	{ "no_direct_users = no is no check", RA LVL ACC
	  "no_direct_users = no\n", 1, 1, "rule 'a' has no check" },
	{ "CRLF and BOM keep line numbers",
	  "\xef\xbb\xbf# c\r\n[rule a]\r\nlevel = bad\r\n", 1, 3,
	  "invalid level 'bad': expected policy, standard or guideline" },
};

static void expect_error(const char *text, size_t len, int with_known,
			 int line, const char *reason)
{
	char err[512], want[768];
	struct rules *r = (struct rules *)&r;
	char *path = write_file("rules.ini", text, len);

	err[0] = '\0';
	ck_assert_int_eq(rules_load(path, with_known ? known : NULL, &r, err,
				    sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:%d: %s", path, line, reason);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_eq(r, (struct rules *)&r);        /* untouched */
	unlink(path);
	free(path);
}

START_TEST(test_errors)
{
	const struct ecase *c = &ecases[_i];

	expect_error(c->text, strlen(c->text), c->with_known, c->line,
		     c->reason);
}
END_TEST

/* The regex message is regerror's, whatever the C library says. */
START_TEST(test_error_bad_regex)
{
	static const char *const bad[] = { "([a-z", "a{2,1}", "*(" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256], msg[256], reason[400];
		regex_t re;
		int rc;

		rc = regcomp(&re, bad[i], REG_EXTENDED | REG_NOSUB);
		if (rc == 0) {
			regfree(&re);
			continue;       /* this libc accepts it: nothing to test */
		}
		regerror(rc, &re, msg, sizeof(msg));
		snprintf(text, sizeof(text), RA LVL ACC "tag = Owner\n"
			 "# the pattern\npattern = %s\n", bad[i]);
		snprintf(reason, sizeof(reason), "invalid pattern '%s': %s",
			 bad[i], msg);
		expect_error(text, strlen(text), 1, 6, reason);
	}
	/* "([a-z" must fail on any POSIX libc */
	{
		regex_t re;

		ck_assert_int_ne(regcomp(&re, "([a-z", REG_EXTENDED), 0);
	}
}
END_TEST

START_TEST(test_error_nul_byte)
{
	static const char text[] = "[rule a]\nlevel = po\0licy\n";

	expect_error(text, sizeof(text) - 1, 1, 2, "NUL byte");
}
END_TEST

START_TEST(test_error_unreadable)
{
	char err[512], want[600], *path;
	struct rules *r = NULL;

	ck_assert_int_gt(asprintf(&path, "%s/missing.ini", tmpdir), 0);
	ck_assert_int_eq(rules_load(path, known, &r, err, sizeof(err)),
			 -ENOENT);
	snprintf(want, sizeof(want),
		 "cannot read rules file '%s': No such file or directory", path);
	ck_assert_str_eq(err, want);
	free(path);

	ck_assert_int_eq(rules_load(tmpdir, known, &r, err, sizeof(err)),
			 -EISDIR);
	snprintf(want, sizeof(want), "cannot read rules file '%s': Is a "
		 "directory", tmpdir);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_error_too_large)
{
	char err[512], want[600];
	size_t len = RULES_MAX_FILE + 1;
	char *text = malloc(len), *path;
	struct rules *r = NULL;

	ck_assert_ptr_nonnull(text);
	memset(text, '\n', len);
	path = write_file("big.ini", text, len);
	ck_assert_int_eq(rules_load(path, known, &r, err, sizeof(err)),
			 -EFBIG);
	snprintf(want, sizeof(want), "cannot read rules file '%s': larger "
		 "than %d bytes", path, RULES_MAX_FILE);
	ck_assert_str_eq(err, want);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Files that load, and what they hold. */

START_TEST(test_valid_syntax)
{
	static const char long_desc[] =
		"A description longer than libinih's 200-byte line buffer; "
		"it keeps its semicolons ; and # signs, and = signs too. "
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"end";
	char text[2048], err[512];
	struct rules *r = NULL;

	snprintf(text, sizeof(text),
		 "\xef\xbb\xbf; comment\r\n"
		 "# comment\n"
		 "\n"
		 "[rule first]\r\n"
		 "\tlevel = guideline\n"
		 "    description   =   %s   \n"
		 "  applies_to=ous,accounts , resources\n"
		 "tag = Owner\n"
		 "pattern = ^a;b#c$\n"
		 "[ rule   second ]\n"
		 "level = policy\n"
		 "applies_to = accounts\n"
		 "config_rules = x, y\n"
		 "[rule third]\n"
		 "level = standard\n"
		 "applies_to = resources\n"
		 "owner_known = true\n", long_desc);
	ck_assert_int_eq(rules_parse_string(text, "mem.ini", known, &r, err,
					    sizeof(err)), 0);
	ck_assert_uint_eq(rules_count(r), 3);
	ck_assert_str_eq(rule_name(rules_get(r, 0)), "first");
	ck_assert_int_eq(rule_level(rules_get(r, 0)), RULE_GUIDELINE);
	ck_assert_str_eq(rule_description(rules_get(r, 0)), long_desc);
	ck_assert_str_eq(rule_name(rules_get(r, 1)), "second");
	ck_assert_int_eq(rule_level(rules_get(r, 1)), RULE_POLICY);
	ck_assert_str_eq(rule_description(rules_get(r, 1)), "");
	ck_assert_str_eq(rule_name(rules_get(r, 2)), "third");
	ck_assert_int_eq(rule_level(rules_get(r, 2)), RULE_STANDARD);
	ck_assert_ptr_null(rules_get(r, 3));
	ck_assert_int_eq(rules_uses_config(r), 1);
	rules_free(r);

	/* an empty file is a valid set of no rules */
	ck_assert_int_eq(rules_parse_string("# none\n", "e.ini", NULL, &r, err,
					    sizeof(err)), 0);
	ck_assert_uint_eq(rules_count(r), 0);
	ck_assert_int_eq(rules_uses_config(r), 0);
	rules_free(r);

	ck_assert_str_eq(rules_level_name(RULE_POLICY), "policy");
	ck_assert_str_eq(rules_level_name(RULE_STANDARD), "standard");
	ck_assert_str_eq(rules_level_name(RULE_GUIDELINE), "guideline");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Evaluation, table-driven: each case is a rules text, one object, the
 * verdicts as "name:P name:F ..." and the rendered compliance text. */

struct tobj {
	const char *kind, *id, *service, *type;
	const char *ids[4], *paths[4];
	size_t nanc;
	const char *owner;
	const struct rules_config_result *cfg;  /* ends at a NULL rule */
	struct org_tag tags[MAXTAGS + 1];       /* ends at a NULL key */
};

struct vcase {
	const char *name;
	const char *rules;
	struct tobj o;
	const char *verdicts;
	const char *render;
};

#define ANC_PROD { "ou-ab12-prod0001", "ou-ab12-wkld0001", "r-ab12" }, \
	{ "Root/Workloads/Prod", "Root/Workloads", "Root" }, 3
#define ANC_DATA { "ou-ab12-data0001", "r-ab12" }, { "Root/Data", "Root" }, 2
#define ANC_SBX { "ou-ab12-sbox0001", "r-ab12" }, { "Root/Sandbox", "Root" }, 2
#define ACCT(owner, cfg, ...) { "account", "111122223333", NULL, NULL, \
	ANC_PROD, owner, cfg, { __VA_ARGS__ } }
#define RES(svc, type, owner, cfg, ...) { "resource", \
	"arn:aws:" svc ":eu-west-1:111122223333:" type "/x", svc, type, \
	ANC_PROD, owner, cfg, { __VA_ARGS__ } }

static const struct rules_config_result cfg_ok[] = {
	{ "s3-bucket-logging-enabled", "COMPLIANT" },
	{ "s3-bucket-ssl-requests-only", "COMPLIANT" }, { NULL, NULL } };
static const struct rules_config_result cfg_noncompliant[] = {
	{ "other-rule", "NON_COMPLIANT" },
	{ "s3-bucket-logging-enabled", "NON_COMPLIANT" },
	{ "s3-bucket-ssl-requests-only", "COMPLIANT" }, { NULL, NULL } };
static const struct rules_config_result cfg_not_applicable[] = {
	{ "s3-bucket-logging-enabled", "NOT_APPLICABLE" },
	{ "s3-bucket-ssl-requests-only", "COMPLIANT" }, { NULL, NULL } };
static const struct rules_config_result cfg_insufficient[] = {
	{ "s3-bucket-logging-enabled", "INSUFFICIENT_DATA" }, { NULL, NULL } };
static const struct rules_config_result cfg_unrelated[] = {
	{ "ec2-imdsv2-check", "NON_COMPLIANT" }, { NULL, NULL } };

#define R_REQ "[rule cc]\nlevel = standard\napplies_to = accounts\n" \
	"tag = CostCenter\nrequire_tag = yes\n"
#define R_ALLOWED "[rule env]\nlevel = standard\napplies_to = accounts\n" \
	"tag = Environment\nallowed_values = prod, staging,dev\n"
#define R_PATTERN "[rule owner-fmt]\nlevel = guideline\n" \
	"applies_to = accounts\ntag = Owner\npattern = ^[a-z-]+$\n"
#define R_AGE "[rule review]\nlevel = guideline\napplies_to = accounts\n" \
	"tag = ReviewDate\nmax_age_days = 365\n"
#define R_OWNER "[rule owner-known]\nlevel = guideline\n" \
	"applies_to = accounts\nowner_known = yes\n"
#define R_CONFIG "[rule logging]\nlevel = policy\napplies_to = resources\n" \
	"config_rules = s3-bucket-logging-enabled, s3-bucket-ssl-requests-only\n"
#define R_KINDS "[rule a]\nlevel = policy\napplies_to = accounts\n" \
	"owner_known = yes\n[rule o]\nlevel = policy\napplies_to = ous\n" \
	"owner_known = yes\n[rule r]\nlevel = policy\n" \
	"applies_to = resources\nowner_known = yes\n"
#define R_SERVICES "[rule s3only]\nlevel = standard\n" \
	"applies_to = accounts, resources\nservices = s3\nowner_known = yes\n"
#define R_TYPES "[rule t]\nlevel = standard\napplies_to = resources\n" \
	"types = instance, s3:bucket\nowner_known = yes\n"
#define R_OUS "[rule w]\nlevel = policy\napplies_to = accounts, ous, resources\n" \
	"ous = ou-ab12-wkld0001, Root/Data\nowner_known = yes\n"
#define REQ(name, lvl, tag) "[rule " name "]\nlevel = " lvl "\n" \
	"applies_to = accounts\ntag = " tag "\nrequire_tag = yes\n"
#define R_ORDER REQ("zeta", "guideline", "A") REQ("beta", "policy", "B") \
	REQ("epsilon", "standard", "C") REQ("gamma", "standard", "D") \
	REQ("delta", "policy", "E") REQ("alpha", "policy", "F")

static const struct vcase vcases[] = {
	/* require_tag */
	{ "require_tag present", R_REQ, ACCT("platform", NULL,
	  T("CostCenter", "CC-1234")), "cc:P", "" },
	{ "require_tag absent", R_REQ, ACCT("platform", NULL, T("Name", "x")),
	  "cc:F", "standard cc: missing tag CostCenter\n" },
	{ "require_tag blank value", R_REQ, ACCT("platform", NULL,
	  T("CostCenter", " \t")), "cc:F", "standard cc: missing tag CostCenter\n" },
	{ "require_tag key is exact", R_REQ, ACCT("platform", NULL,
	  T("costcenter", "CC-1")), "cc:F",
	  "standard cc: missing tag CostCenter\n" },
	{ "require_tag no tags at all", R_REQ, ACCT("platform", NULL),
	  "cc:F", "standard cc: missing tag CostCenter\n" },
	/* allowed_values */
	{ "allowed value", R_ALLOWED, ACCT(NULL, NULL, T("Environment", "dev")),
	  "env:P", "" },
	{ "value not allowed", R_ALLOWED, ACCT(NULL, NULL,
	  T("Environment", "Production")), "env:F",
	  "standard env: tag Environment value 'Production' not in prod, "
	  "staging, dev\n" },
	{ "allowed values are case sensitive", R_ALLOWED, ACCT(NULL, NULL,
	  T("Environment", "PROD")), "env:F",
	  "standard env: tag Environment value 'PROD' not in prod, staging, "
	  "dev\n" },
	{ "allowed values with nocase", R_ALLOWED "nocase = yes\n",
	  ACCT(NULL, NULL, T("Environment", "PROD")), "env:P", "" },
	{ "absent tag passes value checks", R_ALLOWED, ACCT(NULL, NULL,
	  T("Owner", "x")), "env:P", "" },
	{ "absent tag fails with require_tag", R_ALLOWED "require_tag = yes\n",
	  ACCT(NULL, NULL, T("Owner", "x")), "env:F",
	  "standard env: missing tag Environment\n" },
	{ "control bytes shown as ?", R_ALLOWED, ACCT(NULL, NULL,
	  T("Environment", "a\nb\x7f")), "env:F",
	  "standard env: tag Environment value 'a?b?' not in prod, staging, "
	  "dev\n" },
	/* pattern */
	{ "pattern matches", R_PATTERN, ACCT(NULL, NULL,
	  T("Owner", "data-platform")), "owner-fmt:P", "" },
	{ "pattern does not match", R_PATTERN, ACCT(NULL, NULL,
	  T("Owner", "Data Platform")), "owner-fmt:F",
	  "guideline owner-fmt: tag Owner value 'Data Platform' does not "
	  "match ^[a-z-]+$\n" },
	{ "pattern is unanchored", "[rule p]\nlevel = policy\n"
	  "applies_to = accounts\ntag = Environment\npattern = prod\n",
	  ACCT(NULL, NULL, T("Environment", "preprod")), "p:P", "" },
	{ "unanchored pattern fails", "[rule p]\nlevel = policy\n"
	  "applies_to = accounts\ntag = Environment\npattern = prod\n",
	  ACCT(NULL, NULL, T("Environment", "staging")), "p:F",
	  "policy p: tag Environment value 'staging' does not match prod\n" },
	{ "pattern with nocase", "[rule p]\nlevel = policy\n"
	  "applies_to = accounts\ntag = Environment\npattern = ^prod$\n"
	  "nocase = yes\n", ACCT(NULL, NULL, T("Environment", "PROD")),
	  "p:P", "" },
	{ "pattern keeps ; and #", "[rule p]\nlevel = policy\n"
	  "applies_to = accounts\ntag = X\npattern = ^a;b#c$\n",
	  ACCT(NULL, NULL, T("X", "a;b#c")), "p:P", "" },
	{ "allowed and pattern both fail", R_PATTERN "allowed_values = a, b\n",
	  ACCT(NULL, NULL, T("Owner", "X")), "owner-fmt:F",
	  "guideline owner-fmt: tag Owner value 'X' not in a, b; tag Owner "
	  "value 'X' does not match ^[a-z-]+$\n" },
	/* max_age_days, now = 2024-01-01T00:00:00Z */
	{ "recent date", R_AGE, ACCT(NULL, NULL, T("ReviewDate", "2023-06-01")),
	  "review:P", "" },
	{ "old date", R_AGE, ACCT(NULL, NULL, T("ReviewDate", "2020-01-01")),
	  "review:F",
	  "guideline review: tag ReviewDate 2020-01-01 is 1461 days old "
	  "(max 365)\n" },
	{ "exactly max days", R_AGE, ACCT(NULL, NULL,
	  T("ReviewDate", "2023-01-01")), "review:P", "" },
	{ "one day over", R_AGE, ACCT(NULL, NULL,
	  T("ReviewDate", "2022-12-31")), "review:F",
	  "guideline review: tag ReviewDate 2022-12-31 is 366 days old "
	  "(max 365)\n" },
	{ "ISO 8601, partial day rounds down", R_AGE, ACCT(NULL, NULL,
	  T("ReviewDate", "2022-12-31T23:00:00Z")), "review:P", "" },
	{ "ISO 8601 with offset", R_AGE, ACCT(NULL, NULL,
	  T("ReviewDate", "2022-12-31T01:00:00+02:00")), "review:F",
	  "guideline review: tag ReviewDate 2022-12-31T01:00:00+02:00 is 366 "
	  "days old (max 365)\n" },
	{ "ISO 8601 without offset", R_AGE, ACCT(NULL, NULL,
	  T("ReviewDate", "2022-12-31T01:00:00Z")), "review:P", "" },
	{ "not a date", R_AGE, ACCT(NULL, NULL, T("ReviewDate", "next year")),
	  "review:F",
	  "guideline review: tag ReviewDate value 'next year' is not a date\n" },
	{ "impossible date", R_AGE, ACCT(NULL, NULL,
	  T("ReviewDate", "2023-02-30")), "review:F",
	  "guideline review: tag ReviewDate value '2023-02-30' is not a date\n" },
	{ "future date", R_AGE, ACCT(NULL, NULL, T("ReviewDate", "2030-01-01")),
	  "review:P", "" },
	{ "absent date", R_AGE, ACCT(NULL, NULL), "review:P", "" },
	{ "max_age_days 0", "[rule review]\nlevel = guideline\n"
	  "applies_to = accounts\ntag = ReviewDate\nmax_age_days = 0\n",
	  ACCT(NULL, NULL, T("ReviewDate", "2023-12-31")), "review:F",
	  "guideline review: tag ReviewDate 2023-12-31 is 1 days old "
	  "(max 0)\n" },
	/* owner_known */
	{ "known owner", R_OWNER, ACCT("payments", NULL), "owner-known:P", "" },
	{ "unknown owner", R_OWNER, ACCT("platfrom", NULL), "owner-known:F",
	  "guideline owner-known: owner 'platfrom' is not a known owner\n" },
	{ "owner match is exact", R_OWNER, ACCT("Platform", NULL),
	  "owner-known:F",
	  "guideline owner-known: owner 'Platform' is not a known owner\n" },
	{ "no owner", R_OWNER, ACCT(NULL, NULL), "owner-known:F",
	  "guideline owner-known: no owner\n" },
	/* config_rules */
	{ "config compliant", R_CONFIG, RES("s3", "bucket", NULL, cfg_ok),
	  "logging:P", "" },
	{ "config non compliant", R_CONFIG, RES("s3", "bucket", NULL,
	  cfg_noncompliant), "logging:F",
	  "policy logging: config rule s3-bucket-logging-enabled is "
	  "NON_COMPLIANT\n" },
	{ "config not applicable passes", R_CONFIG, RES("s3", "bucket", NULL,
	  cfg_not_applicable), "logging:P", "" },
	{ "config insufficient data and absent", R_CONFIG, RES("s3", "bucket",
	  NULL, cfg_insufficient), "logging:F",
	  "policy logging: config rule s3-bucket-logging-enabled is "
	  "INSUFFICIENT_DATA; config rule s3-bucket-ssl-requests-only not "
	  "evaluated\n" },
	{ "config no results", R_CONFIG, RES("s3", "bucket", NULL, NULL),
	  "logging:F",
	  "policy logging: config rule s3-bucket-logging-enabled not "
	  "evaluated; config rule s3-bucket-ssl-requests-only not evaluated\n" },
	{ "config only unrelated results", R_CONFIG, RES("s3", "bucket", NULL,
	  cfg_unrelated), "logging:F",
	  "policy logging: config rule s3-bucket-logging-enabled not "
	  "evaluated; config rule s3-bucket-ssl-requests-only not evaluated\n" },
	/* several checks in one rule */
	{ "all failures of a rule on one line", "[rule multi]\n"
	  "level = standard\napplies_to = accounts\ntag = CostCenter\n"
	  "require_tag = yes\npattern = ^CC-\nowner_known = yes\n"
	  "config_rules = x\n", ACCT("nobody", NULL), "multi:F",
	  "standard multi: missing tag CostCenter; owner 'nobody' is not a "
	  "known owner; config rule x not evaluated\n" },
	/* scope: kinds */
	{ "account kind", R_KINDS, ACCT("platform", NULL), "a:P", "" },
	{ "ou kind", R_KINDS, { "ou", "ou-ab12-prod0001", NULL, NULL, ANC_PROD,
	  "nobody", NULL, { T(NULL, NULL) } }, "o:F",
	  "policy o: owner 'nobody' is not a known owner\n" },
	{ "root is an ou", R_KINDS, { "root", "r-ab12", NULL, NULL,
	  { "r-ab12" }, { "Root" }, 1, "platform", NULL, { T(NULL, NULL) } },
	  "o:P", "" },
	{ "resource kind", R_KINDS, RES("ec2", "instance", "platform", NULL),
	  "r:P", "" },
	{ "no rule in scope", R_REQ, RES("ec2", "instance", NULL, NULL), "",
	  "" },
	/* scope: services */
	{ "service in list", R_SERVICES, RES("s3", "bucket", "platform", NULL),
	  "s3only:P", "" },
	{ "service not in list", R_SERVICES, RES("ec2", "instance", "x", NULL),
	  "", "" },
	{ "services do not narrow accounts", R_SERVICES, ACCT("x", NULL),
	  "s3only:F", "standard s3only: owner 'x' is not a known owner\n" },
	/* scope: types */
	{ "bare type", R_TYPES, RES("ec2", "instance", "platform", NULL),
	  "t:P", "" },
	{ "bare type any service", R_TYPES, RES("lightsail", "instance",
	  "platform", NULL), "t:P", "" },
	{ "service:type", R_TYPES, RES("s3", "bucket", "platform", NULL),
	  "t:P", "" },
	{ "service:type other service", R_TYPES, RES("ec2", "bucket",
	  "platform", NULL), "", "" },
	{ "type not in list", R_TYPES, RES("ec2", "volume", "platform", NULL),
	  "", "" },
	/* scope: ous */
	{ "account under an ou id", R_OUS, ACCT("platform", NULL), "w:P", "" },
	{ "account under an ou path", R_OUS, { "account", "222233334444",
	  NULL, NULL, ANC_DATA, "platform", NULL, { T(NULL, NULL) } },
	  "w:P", "" },
	{ "account outside", R_OUS, { "account", "333344445555", NULL, NULL,
	  ANC_SBX, "platform", NULL, { T(NULL, NULL) } }, "", "" },
	{ "the ou itself", R_OUS, { "ou", "ou-ab12-wkld0001", NULL, NULL,
	  { "ou-ab12-wkld0001", "r-ab12" }, { "Root/Workloads", "Root" }, 2,
	  "platform", NULL, { T(NULL, NULL) } }, "w:P", "" },
	{ "the ou itself by id only", R_OUS, { "ou", "ou-ab12-wkld0001", NULL,
	  NULL, { "r-ab12" }, { "Root" }, 1, "platform", NULL,
	  { T(NULL, NULL) } }, "w:P", "" },
	{ "the root is not inside", R_OUS, { "root", "r-ab12", NULL, NULL,
	  { "r-ab12" }, { "Root" }, 1, "platform", NULL, { T(NULL, NULL) } },
	  "", "" },
	{ "resource of an account inside", R_OUS, { "resource",
	  "arn:aws:s3:::lake", "s3", "bucket", ANC_DATA, "platform", NULL,
	  { T(NULL, NULL) } }, "w:P", "" },
	{ "ancestor paths only", R_OUS, { "account", "222233334444", NULL,
	  NULL, { NULL }, { "Root/Data", "Root" }, 2, "platform", NULL,
	  { T(NULL, NULL) } }, "w:P", "" },
	/* severity: failures first, then policy, standard, guideline, name */
	{ "severity order", R_ORDER, ACCT(NULL, NULL, T("C", "c"), T("E", "e")),
	  "alpha:F beta:F gamma:F zeta:F delta:P epsilon:P",
	  "policy alpha: missing tag F\npolicy beta: missing tag B\n"
	  "standard gamma: missing tag D\nguideline zeta: missing tag A\n" },
	{ "all pass renders nothing", R_ORDER, ACCT(NULL, NULL, T("A", "a"),
	  T("B", "b"), T("C", "c"), T("D", "d"), T("E", "e"), T("F", "f")),
	  "alpha:P beta:P delta:P epsilon:P gamma:P zeta:P", "" },
};

static void build_object(const struct tobj *t, struct org_tags *tags,
			 struct rules_object *o)
{
	size_t n = 0, nc = 0;

	while (n < MAXTAGS && t->tags[n].key)
		n++;
	tags->n = n;
	tags->v = (struct org_tag *)t->tags;
	while (t->cfg && t->cfg[nc].rule)
		nc++;
	memset(o, 0, sizeof(*o));
	o->kind = t->kind;
	o->id = t->id;
	o->service = t->service;
	o->type = t->type;
	o->ancestor_ids = t->ids[0] ? t->ids : NULL;
	o->ancestor_paths = t->paths[0] ? t->paths : NULL;
	o->nancestors = t->nanc;
	o->tags = n ? tags : NULL;
	o->owner = t->owner;
	o->config = t->cfg;
	o->nconfig = nc;
	o->now = NOW;
}

/* "name:P name:F" and the rendered text of o judged by r. */
static void judge(const struct rules *r, const struct rules_object *o,
		  struct buf *verdicts, struct buf *render)
{
	struct rules_verdict *v = (struct rules_verdict *)&v;
	size_t n = 99;

	ck_assert_int_eq(rules_evaluate(r, o, &v, &n), 0);
	if (!n)
		ck_assert_ptr_null(v);
	for (size_t i = 0; i < n; i++) {
		const struct rule *ru = rules_get(r, v[i].rule);

		ck_assert_ptr_nonnull(ru);
		ck_assert_str_eq(rule_name(ru), v[i].name);
		ck_assert_int_eq(rule_level(ru), v[i].level);
		ck_assert_int_eq(v[i].pass, v[i].reason == NULL);
		if (v[i].reason)
			ck_assert_ptr_null(strchr(v[i].reason, '\n'));
		ck_assert_int_eq(buf_printf(verdicts, "%s%s:%c", i ? " " : "",
					    v[i].name, v[i].pass ? 'P' : 'F'),
				 0);
	}
	ck_assert_int_eq(rules_render_compliance(v, n, render), 0);
	rules_verdicts_free(v, n);
}

/* o judged by r gives these verdicts and this compliance text */
static void judge_expect(const struct rules *r, const struct rules_object *o,
			 const char *name, const char *verdicts,
			 const char *render)
{
	struct buf vb, rb;

	buf_init(&vb, 4096);
	buf_init(&rb, 4096);
	judge(r, o, &vb, &rb);
	ck_assert_msg(!strcmp(buf_str(&vb), verdicts),
		      "%s: verdicts '%s', want '%s'", name, buf_str(&vb),
		      verdicts);
	ck_assert_msg(!strcmp(buf_str(&rb), render),
		      "%s: compliance '%s', want '%s'", name, buf_str(&rb),
		      render);
	buf_free(&vb);
	buf_free(&rb);
}

START_TEST(test_evaluate)
{
	const struct vcase *c = &vcases[_i];
	struct rules *r = NULL;
	struct org_tags tags;
	struct rules_object o;
	char err[512];

	ck_assert_msg(rules_parse_string(c->rules, "t.ini", known, &r, err,
					 sizeof(err)) == 0, "%s: %s", c->name,
		      err);
	build_object(&c->o, &tags, &o);
	judge_expect(r, &o, c->name, c->verdicts, c->render);
	rules_free(r);
}
END_TEST

START_TEST(test_evaluate_invalid)
{
	struct rules *r = NULL;
	struct rules_object o = { .kind = "user", .id = "x" };
	struct rules_verdict *v = NULL;
	size_t n = 0;
	char err[256];

	ck_assert_int_eq(rules_parse_string(R_REQ, "t.ini", NULL, &r, err,
					    sizeof(err)), 0);
	ck_assert_int_eq(rules_evaluate(r, &o, &v, &n), -EINVAL);
	o.kind = NULL;
	ck_assert_int_eq(rules_evaluate(r, &o, &v, &n), -EINVAL);
	ck_assert_int_eq(rules_evaluate(r, NULL, &v, &n), -EINVAL);
	ck_assert_int_eq(rules_evaluate(NULL, &o, &v, &n), -EINVAL);
	rules_free(r);
	rules_free(NULL);
	rules_verdicts_free(NULL, 0);
}
END_TEST

/* Render keeps the given order and skips passes. */
START_TEST(test_render)
{
	struct rules_verdict v[] = {
		{ 0, "b", RULE_GUIDELINE, 0, (char *)"first", 0 },
		{ 1, "a", RULE_POLICY, 1, NULL, 0 },
		{ 2, "c", RULE_STANDARD, 0, (char *)"x; y", 0 },
	};
	struct buf b;

	buf_init(&b, 1024);
	ck_assert_int_eq(buf_puts(&b, "kept\n"), 0);
	ck_assert_int_eq(rules_render_compliance(v, 3, &b), 0);
	ck_assert_str_eq(buf_str(&b), "kept\nguideline b: first\n"
			 "standard c: x; y\n");
	buf_free(&b);

	buf_init(&b, 10);
	ck_assert_int_eq(rules_render_compliance(v, 3, &b), -EFBIG);
	buf_free(&b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* What could not be read is not judged (issue 16.1). */

#define R_UNREAD \
	"[rule owner]\nlevel = policy\napplies_to = accounts, resources\n" \
	"tag = Owner\nrequire_tag = yes\n\n" \
	"[rule s3-only]\nlevel = standard\napplies_to = resources\n" \
	"services = s3\ntag = Owner\nrequire_tag = yes\n\n" \
	"[rule logging]\nlevel = guideline\napplies_to = accounts\n" \
	"config_rules = s3-logging\n\n" \
	"[rule logging-and-tag]\nlevel = guideline\napplies_to = accounts\n" \
	"tag = Owner\nrequire_tag = yes\nconfig_rules = s3-logging\n"

START_TEST(test_not_judged)
{
	struct rules *r = NULL;
	struct rules_object o = { .kind = "resource", .id = "123456789012",
				  .unread = "resources unreadable (x)" };
	struct rules_verdict *v = NULL;
	size_t n = 0;
	struct buf b;
	char err[256];

	ck_assert_int_eq(rules_parse_string(R_UNREAD, "t.ini", NULL, &r, err,
					    sizeof(err)), 0);
	/* resources never seen: every rule that may hold them, whatever
	 * their service, is not judged, with why */
	ck_assert_int_eq(rules_evaluate(r, &o, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(v[i].pass, 0);
		ck_assert_int_eq(v[i].unknown, 1);
		ck_assert_str_eq(v[i].reason, "resources unreadable (x)");
	}
	buf_init(&b, 4096);
	ck_assert_int_eq(rules_render_compliance(v, n, &b), 0);
	ck_assert_str_eq(buf_str(&b),
			 "# policy owner: not judged: resources unreadable (x)\n"
			 "# standard s3-only: not judged: resources unreadable (x)\n");
	buf_free(&b);
	rules_verdicts_free(v, n);

	/* Config results missing: a config check with no result is not
	 * judged, and a failed check still fails the rule */
	memset(&o, 0, sizeof(o));
	o.kind = "account";
	o.id = "123456789012";
	o.config_unread = "Config results unreadable (y)";
	ck_assert_int_eq(rules_evaluate(r, &o, &v, &n), 0);
	ck_assert_uint_eq(n, 3);
	/* failures first, then not judged */
	ck_assert_str_eq(v[0].name, "owner");
	ck_assert_int_eq(v[0].unknown, 0);
	ck_assert_str_eq(v[1].name, "logging-and-tag");
	ck_assert_int_eq(v[1].unknown, 0);
	ck_assert_str_eq(v[1].reason, "missing tag Owner");
	ck_assert_str_eq(v[2].name, "logging");
	ck_assert_int_eq(v[2].unknown, 1);
	ck_assert_str_eq(v[2].reason, "Config results unreadable (y)");
	rules_verdicts_free(v, n);
	/* read: the same check fails as "not evaluated" */
	o.config_unread = NULL;
	ck_assert_int_eq(rules_evaluate(r, &o, &v, &n), 0);
	ck_assert_str_eq(v[1].name, "logging");
	ck_assert_int_eq(v[1].unknown, 0);
	ck_assert_str_eq(v[1].reason, "config rule s3-logging not evaluated");
	rules_verdicts_free(v, n);
	/* a reference each reader holds outlives the loader's */
	ck_assert_ptr_eq(rules_hold(r), r);
	rules_free(r);
	ck_assert_uint_eq(rules_count(r), 4);
	rules_free(r);
}
END_TEST

/* References that name nothing (issue 16.3). */
struct seen {
	int unsure;                     /* -1 for services: cannot tell */
	char msgs[8][256];
	int n;
};

static int seen_exists(void *arg, enum rules_ref_kind k, const char *value)
{
	struct seen *s = arg;

	if (k == RULES_REF_SERVICE && s->unsure)
		return -1;
	return !strcmp(value, "ou-real") || !strcmp(value, "Root/Real") ||
	       !strcmp(value, "s3") || !strcmp(value, "Owner") ||
	       !strcmp(value, "bucket");
}

static void seen_report(void *arg, const char *msg)
{
	struct seen *s = arg;

	ck_assert_int_lt(s->n, 8);
	snprintf(s->msgs[s->n++], sizeof(s->msgs[0]), "%s", msg);
}

START_TEST(test_check_refs)
{
	static const char text[] =
		"[rule a]\nlevel = policy\napplies_to = accounts, resources\n"
		"ous = ou-real, Root/Nope, Root/Real, Root/Gone\n"
		"services = s3, ec3\ntypes = bucket, s3:buckt\ntag = Ownr\n"
		"pattern = ^x\nconfig_rules = cfg-x\n";
	struct seen s = { .unsure = 1 };
	struct rules *r = NULL;
	char err[256];

	ck_assert_int_eq(rules_parse_string(text, "r.ini", NULL, &r, err,
					    sizeof(err)), 0);
	ck_assert_int_eq(rules_check_refs(r, seen_exists, &s, seen_report), 0);
	ck_assert_int_eq(s.n, 4);       /* services: not yet */
	ck_assert_str_eq(s.msgs[0], "r.ini:4: ous 'Root/Nope', 'Root/Gone' "
			 "names no OU or root (an id, or a path as "
			 "accounts/<id>/path writes it)");
	ck_assert_str_eq(s.msgs[1], "r.ini:6: types 's3:buckt' is the type of "
			 "no resource orgfs could read");
	ck_assert_ptr_nonnull(strstr(s.msgs[2], "r.ini:7: tag 'Ownr' "));
	ck_assert_ptr_nonnull(strstr(s.msgs[3], "r.ini:9: config_rules "
				     "'cfg-x' "));
	/* once: only what could not be told before comes now */
	s.unsure = 0;
	ck_assert_int_eq(rules_check_refs(r, seen_exists, &s, seen_report), 0);
	ck_assert_int_eq(s.n, 5);
	ck_assert_str_eq(s.msgs[4], "r.ini:5: services 'ec3' is the service "
			 "of no resource orgfs could read");
	ck_assert_int_eq(rules_check_refs(r, seen_exists, &s, seen_report), 0);
	ck_assert_int_eq(s.n, 5);
	rules_free(r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* IAM Identity Center checks, table-driven: an account's assignments
 * (permission set, user?, name, id). */

static struct org_pset apsets[] = {
	{ .name = (char *)"AdministratorAccess" },
	{ .name = (char *)"PowerUserAccess" },
	{ .name = (char *)"ReadOnlyAccess" },
};

struct tasg {
	int pset, user;
	const char *name, *id;
};

#define ASG_MAX 8
struct acase {
	const char *name;
	const char *rules;
	const char *owner, *group;      /* group: the owner's (NULL: owner) */
	int absent;                     /* no instance */
	const char *names_unread;
	const char *access_unread;      /* assignments unreadable */
	struct tasg v[ASG_MAX];         /* ends at a NULL name */
	const char *verdicts;
	const char *render;
};

#define R_OHA "[rule oha]\nlevel = policy\napplies_to = accounts\n" \
	"owner_has_access = yes\n"
#define R_MAX "[rule admins]\nlevel = standard\napplies_to = accounts\n" \
	"max_admins = 2\n"
#define R_MAX2 R_MAX "admin_permission_sets = AdministratorAccess, " \
	"PowerUserAccess\n"
#define R_NDU "[rule groups-only]\nlevel = guideline\n" \
	"applies_to = accounts\nno_direct_users = yes\n"
#define G(ps, n, id) { ps, 0, n, id }
#define U(ps, n, id) { ps, 1, n, id }

static const struct acase acases[] = {
	{ "owner's group holds a set", R_OHA, "payments", NULL, 0, NULL, NULL,
	  { G(1, "payments", "g-1"), G(2, "audit", "g-2") }, "oha:P", "" },
	{ "owner's group holds nothing", R_OHA, "payments", NULL, 0, NULL,
	  NULL, { G(1, "platform", "g-1"), U(0, "payments", "u-1") }, "oha:F",
	  "policy oha: owner 'payments': group 'payments' holds no "
	  "assignment\n" },
	{ "owner mapped to another group", R_OHA, "payments", "team-pay", 0,
	  NULL, NULL, { G(1, "payments", "g-1") }, "oha:F",
	  "policy oha: owner 'payments': group 'team-pay' holds no "
	  "assignment\n" },
	{ "mapped group holds a set", R_OHA, "payments", "team-pay", 0, NULL,
	  NULL, { G(2, "team-pay", "g-1") }, "oha:P", "" },
	{ "no owner", R_OHA, NULL, NULL, 0, NULL, NULL,
	  { G(1, "payments", "g-1") }, "oha:F", "policy oha: no owner\n" },
	{ "no instance", R_OHA, "payments", NULL, 1, NULL, NULL, { { 0 } },
	  "oha:F", "policy oha: no IAM Identity Center instance\n" },
	{ "names unreadable: not judged", R_OHA, "payments", NULL, 0,
	  "names gone", NULL, { G(1, "g-1", "g-1") }, "oha:F",
	  "# policy oha: not judged: names gone\n" },
	{ "names unreadable, no owner still fails", R_OHA, NULL, NULL, 0,
	  "names gone", NULL, { G(1, "g-1", "g-1") }, "oha:F",
	  "policy oha: no owner\n" },
	{ "assignments unreadable: not judged", R_OHA R_NDU, "payments", NULL,
	  0, NULL, "sso-admin refused", { { 0 } },
	  "oha:F groups-only:F",
	  "# policy oha: not judged: sso-admin refused\n"
	  "# guideline groups-only: not judged: sso-admin refused\n" },
	{ "admins within the max", R_MAX, NULL, NULL, 0, NULL, NULL,
	  { G(0, "platform", "g-1"), U(0, "ann", "u-1"),
	    G(1, "data", "g-2"), U(2, "bob", "u-2") }, "admins:P", "" },
	{ "admins over the max", R_MAX, NULL, NULL, 0, NULL, NULL,
	  { G(0, "platform", "g-1"), G(0, "break-glass", "g-3"),
	    U(0, "ann", "u-1"), G(1, "data", "g-2") }, "admins:F",
	  "standard admins: 3 principals hold AdministratorAccess (max 2): "
	  "group 'platform', group 'break-glass', user 'ann'\n" },
	{ "a principal counts once", R_MAX2, NULL, NULL, 0, NULL, NULL,
	  { G(0, "platform", "g-1"), G(1, "platform", "g-1"),
	    U(0, "ann", "u-1"), U(1, "ann", "u-1") }, "admins:P", "" },
	{ "two admin sets counted", R_MAX2, NULL, NULL, 0, NULL, NULL,
	  { G(0, "platform", "g-1"), G(1, "data", "g-2"),
	    U(1, "ann", "u-1"), U(2, "bob", "u-2") }, "admins:F",
	  "standard admins: 3 principals hold AdministratorAccess, "
	  "PowerUserAccess (max 2): group 'platform', group 'data', user "
	  "'ann'\n" },
	{ "a user and a group of one id are two", "[rule z]\nlevel = policy\n"
	  "applies_to = accounts\nmax_admins = 1\n", NULL, NULL, 0, NULL,
	  NULL, { G(0, "x", "id-1"), U(0, "x", "id-1") }, "z:F",
	  "policy z: 2 principals hold AdministratorAccess (max 1): group "
	  "'x', user 'x'\n" },
	{ "max_admins = 0", "[rule none]\nlevel = policy\n"
	  "applies_to = accounts\nmax_admins = 0\n", NULL, NULL, 0, NULL,
	  NULL, { U(0, "a\tb", "u-1") }, "none:F",
	  "policy none: 1 principal holds AdministratorAccess (max 0): user "
	  "'a?b'\n" },
	{ "names unreadable: ids counted", R_MAX, NULL, NULL, 0, "names gone",
	  NULL, { G(0, "g-1", "g-1"), G(0, "g-2", "g-2"), U(0, "u-1", "u-1") },
	  "admins:F", "standard admins: 3 principals hold AdministratorAccess "
	  "(max 2): group 'g-1', group 'g-2', user 'u-1'\n" },
	{ "no instance: no admin", R_MAX, NULL, NULL, 1, NULL, NULL, { { 0 } },
	  "admins:P", "" },
	{ "groups only", R_NDU, NULL, NULL, 0, NULL, NULL,
	  { G(0, "a", "g-1"), G(2, "b", "g-2") }, "groups-only:P", "" },
	{ "direct users", R_NDU, NULL, NULL, 0, NULL, NULL,
	  { G(0, "a", "g-1"), U(0, "ann", "u-1"), U(2, "bob", "u-2") },
	  "groups-only:F", "guideline groups-only: users assigned directly: "
	  "'ann' (AdministratorAccess), 'bob' (ReadOnlyAccess)\n" },
	{ "failures of several checks joined", R_OHA "max_admins = 0\n"
	  "no_direct_users = yes\n", "payments", NULL, 0, NULL, NULL,
	  { U(0, "ann", "u-1") }, "oha:F",
	  "policy oha: owner 'payments': group 'payments' holds no "
	  "assignment; 1 principal holds AdministratorAccess (max 0): user "
	  "'ann'; users assigned directly: 'ann' (AdministratorAccess)\n" },
	{ "a failed check fails whatever names are unread", R_OHA
	  "no_direct_users = yes\n", "payments", NULL, 0, "names gone", NULL,
	  { U(0, "u-1", "u-1") }, "oha:F",
	  "policy oha: users assigned directly: 'u-1' (AdministratorAccess)\n" },
};

START_TEST(test_access_checks)
{
	const struct acase *c = &acases[_i];
	struct org_assignment v[ASG_MAX];
	struct rules_access acc = { 0 };
	struct rules *r = NULL;
	struct rules_object o = { .kind = "account", .id = "111122223333",
				  .now = NOW };
	char err[512];
	size_t n = 0;

	ck_assert_msg(rules_parse_string(c->rules, "t.ini", known, &r, err,
					 sizeof(err)) == 0, "%s: %s", c->name,
		      err);
	ck_assert_int_eq(rules_uses_access(r), 1);
	for (; n < ASG_MAX && c->v[n].name; n++)
		v[n] = (struct org_assignment){
			.account = (char *)"111122223333", .pset = c->v[n].pset,
			.user = c->v[n].user, .principal_id = (char *)c->v[n].id,
			.principal_name = (char *)c->v[n].name,
			.label = (char *)c->v[n].name };
	acc.present = !c->absent;
	acc.psets = apsets;
	acc.v = v;
	acc.n = n;
	acc.owner_group = c->owner ? c->group ? c->group : c->owner : NULL;
	acc.names_unread = c->names_unread;
	o.owner = c->owner;
	o.access = c->access_unread ? NULL : &acc;
	o.access_unread = c->access_unread;
	judge_expect(r, &o, c->name, c->verdicts, c->render);
	rules_free(r);
}
END_TEST

/* Other kinds are out of the checks' scope; rules without them do not
 * ask for assignments. */
START_TEST(test_access_scope)
{
	struct rules *r = NULL;
	char err[256];

	ck_assert_int_eq(rules_parse_string(R_REQ, "t.ini", NULL, &r, err,
					    sizeof(err)), 0);
	ck_assert_int_eq(rules_uses_access(r), 0);
	rules_free(r);
	ck_assert_int_eq(rules_parse_string(R_NDU, "t.ini", NULL, &r, err,
					    sizeof(err)), 0);
	{
		struct rules_object o = { .kind = "ou", .id = "ou-ab12-x" };
		struct rules_verdict *v = NULL;
		size_t n = 1;

		ck_assert_int_eq(rules_evaluate(r, &o, &v, &n), 0);
		ck_assert_uint_eq(n, 0);
	}
	rules_free(r);
}
END_TEST

/* An admin permission set the instance does not have is named, with the
 * default's line max_admins's. */
static int pset_exists(void *arg, enum rules_ref_kind k, const char *value)
{
	(void)arg;
	return k != RULES_REF_PSET || !strcmp(value, "PowerUserAccess");
}

START_TEST(test_access_refs)
{
	static const char text[] =
		"[rule a]\nlevel = policy\napplies_to = accounts\n"
		"max_admins = 1\n[rule b]\nlevel = policy\n"
		"applies_to = accounts\nmax_admins = 1\n"
		"admin_permission_sets = PowerUserAccess, AdminAccess\n";
	struct seen s = { 0 };
	struct rules *r = NULL;
	char err[256];

	ck_assert_int_eq(rules_parse_string(text, "r.ini", NULL, &r, err,
					    sizeof(err)), 0);
	ck_assert_int_eq(rules_check_refs(r, pset_exists, &s, seen_report), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.msgs[0], "r.ini:4: admin_permission_sets "
			 "'AdministratorAccess' names no permission set of the "
			 "IAM Identity Center instance");
	ck_assert_str_eq(s.msgs[1], "r.ini:9: admin_permission_sets "
			 "'AdminAccess' names no permission set of the IAM "
			 "Identity Center instance");
	rules_free(r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The shipped example, against accounts shaped like the demo's. */

static char *example_path(const char *name)
{
	const char *f = __FILE__, *tail = strstr(f, "tests/unit/test_rules.c");
	char *p;

	ck_assert_ptr_nonnull(tail);
	ck_assert_int_gt(asprintf(&p, "%.*sexamples/%s", (int)(tail - f), f,
				  name), 0);
	return p;
}

static void judge_example(const struct rules *r, const struct tobj *t,
			  const char *want)
{
	struct org_tags tags;
	struct rules_object o;
	struct buf vb, rb;

	build_object(t, &tags, &o);
	buf_init(&vb, 4096);
	buf_init(&rb, 4096);
	judge(r, &o, &vb, &rb);
	ck_assert_str_eq(buf_str(&rb), want);
	buf_free(&vb);
	buf_free(&rb);
}

START_TEST(test_example)
{
	char *rpath = example_path("demo-rules.ini");
	char *opath = example_path("demo-owners.txt");
	struct owner_list *owners = NULL;
	struct rules *r = NULL;
	int levels[3] = { 0 }, line = 0, owner_line = 0;
	char err[512], want[1024], *l = NULL;
	size_t cap = 0;
	FILE *f;
	static const struct rules_config_result logging_bad[] = {
		{ "s3-bucket-logging-enabled", "NON_COMPLIANT" },
		{ NULL, NULL } };
	const struct tobj payments_prod = { "account", "111111111111", NULL,
		NULL, ANC_PROD, "payments", NULL, { T("CostCenter", "CC-2200"),
		T("DataClassification", "confidential"),
		T("Environment", "prod"), T("Owner", "payments"),
		T("Team", "payments") } };
	const struct tobj network_hub = { "account", "222222222222", NULL,
		NULL, { "ou-ab12-netw0001", "ou-ab12-infr0001", "r-ab12" },
		{ "Root/Infrastructure/Network", "Root/Infrastructure", "Root" },
		3, "platfrom", NULL, { T("CostCenter", "CC-1100"),
		T("Environment", "prod"), T("Team", "platfrom") } };
	const struct tobj lake_bucket = { "resource", "arn:aws:s3:::lake",
		"s3", "bucket", ANC_DATA, "data-platform", logging_bad,
		{ T("CostCenter", "cc-3000"), T("Environment", "Production") } };
	const struct tobj checkout_staging = { "account", "333333333333", NULL,
		NULL, { "ou-ab12-stag0001", "ou-ab12-wkld0001", "r-ab12" },
		{ "Root/Workloads/Staging", "Root/Workloads", "Root" }, 3,
		"checkout", NULL, { T("CostCenter", "CC-2100"),
		T("DataClassification", "internal"), T("Environment", "staging"),
		T("ReviewDate", "2022-06-30"), T("Team", "checkout") } };

	ck_assert_int_eq(owner_list_load(opath, &owners, err, sizeof(err)), 0);
	ck_assert_msg(rules_load(rpath, owners, &r, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(rules_count(r), 7);
	for (size_t i = 0; i < rules_count(r); i++) {
		levels[rule_level(rules_get(r, i))]++;
		ck_assert_str_ne(rule_description(rules_get(r, i)), "");
	}
	ck_assert_int_eq(levels[RULE_POLICY], 3);
	ck_assert_int_eq(levels[RULE_STANDARD], 2);
	ck_assert_int_eq(levels[RULE_GUIDELINE], 2);
	ck_assert_int_eq(rules_uses_config(r), 1);

	judge_example(r, &payments_prod,
		      "policy prod-dpo-contact: missing tag DPOContact\n");
	judge_example(r, &network_hub,
		      "policy data-classification: missing tag "
		      "DataClassification\n"
		      "guideline owner-known: owner 'platfrom' is not a known "
		      "owner\n");
	judge_example(r, &lake_bucket,
		      "policy data-classification: missing tag "
		      "DataClassification\n"
		      "policy personal-data-logging: config rule "
		      "s3-bucket-logging-enabled is NON_COMPLIANT\n"
		      "standard cost-center: tag CostCenter value 'cc-3000' "
		      "does not match ^CC-[0-9]{4}$\n"
		      "standard environment: tag Environment value "
		      "'Production' not in prod, staging, dev, sandbox\n");
	judge_example(r, &checkout_staging,
		      "guideline review-date: tag ReviewDate 2022-06-30 is 550 "
		      "days old (max 365)\n");
	rules_free(r);

	/* without a known-owners list, owner_known stops the load */
	f = fopen(rpath, "r");
	ck_assert_ptr_nonnull(f);
	while (getline(&l, &cap, f) > 0) {
		line++;
		if (!strncmp(l, "owner_known", 11))
			owner_line = line;
	}
	free(l);
	fclose(f);
	ck_assert_int_gt(owner_line, 0);
	r = NULL;
	ck_assert_int_eq(rules_load(rpath, NULL, &r, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want), "%s:%d: owner_known needs -o owners_file",
		 rpath, owner_line);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(r);

	owner_list_free(owners);
	free(rpath);
	free(opath);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Loaded rules are read-only: threads evaluate at once. */

struct worker {
	const struct rules *r;
	int failed;
};

static void *evaluate_loop(void *arg)
{
	struct worker *w = arg;
	static const struct tobj t = ACCT("nobody", NULL,
		T("Environment", "Production"), T("Owner", "Data Platform"));
	struct org_tags tags;
	struct rules_object o;

	build_object(&t, &tags, &o);
	for (int i = 0; i < 2000 && !w->failed; i++) {
		struct rules_verdict *v = NULL;
		size_t n = 0;
		struct buf b;

		buf_init(&b, 4096);
		if (rules_evaluate(w->r, &o, &v, &n) ||
		    rules_render_compliance(v, n, &b) ||
		    strcmp(buf_str(&b),
			   "standard env: tag Environment value 'Production' "
			   "not in prod, staging, dev\n"
			   "guideline owner-fmt: tag Owner value 'Data "
			   "Platform' does not match ^[a-z-]+$\n"
			   "guideline owner-known: owner 'nobody' is not a "
			   "known owner\n"))
			w->failed = 1;
		buf_free(&b);
		rules_verdicts_free(v, n);
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct rules *r = NULL;
	struct worker w[4];
	pthread_t th[4];
	char err[256];

	ck_assert_int_eq(rules_parse_string(R_OWNER R_PATTERN R_ALLOWED,
					    "t.ini", known, &r, err,
					    sizeof(err)), 0);
	for (int i = 0; i < 4; i++) {
		w[i].r = r;
		w[i].failed = 0;
		ck_assert_int_eq(pthread_create(&th[i], NULL, evaluate_loop,
						&w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_int_eq(w[i].failed, 0);
	}
	rules_free(r);
}
END_TEST

static Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("Core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_errors, 0,
			    sizeof(ecases) / sizeof(ecases[0]));
	tcase_add_test(tc, test_error_bad_regex);
	tcase_add_test(tc, test_error_nul_byte);
	tcase_add_test(tc, test_error_unreadable);
	tcase_add_test(tc, test_error_too_large);
	tcase_add_test(tc, test_valid_syntax);
	tcase_add_loop_test(tc, test_evaluate, 0,
			    sizeof(vcases) / sizeof(vcases[0]));
	tcase_add_test(tc, test_evaluate_invalid);
	tcase_add_test(tc, test_render);
	tcase_add_test(tc, test_not_judged);
	tcase_add_test(tc, test_check_refs);
	tcase_add_loop_test(tc, test_access_checks, 0,
			    sizeof(acases) / sizeof(acases[0]));
	tcase_add_test(tc, test_access_scope);
	tcase_add_test(tc, test_access_refs);
	tcase_add_test(tc, test_example);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rules_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
