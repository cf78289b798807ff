/* rules.h - local policy / standard / guideline rules (-o rules=PATH)
 *
 * Rules file syntax (the man page repeats it for users)
 * ------------------------------------------------------
 * An INI file made only of [rule NAME] sections.  NAME is 1 to 128 bytes
 * of [A-Za-z0-9_.-], not "." or "..", unique in the file.  Lines are
 * "key = value" (split at the first '=', white space around key and value
 * trimmed; the value is taken verbatim, so ';', '#' and '=' may appear in
 * it).  Blank lines and whole-line comments starting with '#' or ';' are
 * skipped; there are no trailing comments and no continuation lines.  Keys
 * are lower case and may appear once per rule.  Lists are comma-separated,
 * items trimmed, no empty item.  Booleans are yes/no (also true/false).
 *
 *   level = policy | standard | guideline          (required)
 *   description = free text                        (optional)
 *
 * Scope:
 *   applies_to = accounts, ous, resources          (required; any of them;
 *                                                   "ous" covers roots too)
 *   services = ec2, s3        resources only: the resource's service
 *   types = instance, s3:bucket
 *                             resources only: "type" or "service:type"
 *   ous = ou-ab12-cdef34gh, Root/Workloads
 *                             ids or OU paths; the object must be in one of
 *                             them: an account under it, an OU at or under
 *                             it, a resource whose account is under it
 *   services and types need applies_to to include resources, and do not
 *   narrow the other kinds (applies_to = accounts, resources with
 *   services = s3 covers every account and the S3 resources).
 *
 * Checks (at least one; an object in scope passes a rule when every check
 * of the rule passes):
 *   tag = KEY                 the tag the checks below examine (exact key)
 *   require_tag = yes         the tag must be present: a value that is
 *                             not empty once white space is trimmed
 *   allowed_values = a, b     the value must be one of them
 *   pattern = ^[a-z-]+$       POSIX extended regex, searched in the value
 *                             (regexec: unanchored, "prod" matches
 *                             "preprod"; anchor with ^ and $)
 *   nocase = yes              allowed_values and pattern ignore case
 *   max_age_days = N          the value is a date (YYYY-MM-DD or ISO 8601,
 *                             UTC when it has no zone) at most N whole days
 *                             before now (dates in the future pass)
 *   owner_known = yes         the object's effective owner (DESIGN.md §4)
 *                             is in the known-owners list (-o owners_file)
 *   config_rules = a, b       each named AWS Config rule is COMPLIANT or
 *                             NOT_APPLICABLE for the object
 * IAM Identity Center checks (applies_to = accounts only: assignments
 * are made to accounts):
 *   owner_has_access = yes    the group that answers for the account's
 *                             owner (-o owner_groups, else the group named
 *                             like it) holds an assignment there
 *   max_admins = N            at most N principals (groups and users,
 *                             each counted once) hold one of the admin
 *                             permission sets in the account
 *   admin_permission_sets = AdministratorAccess, PowerUserAccess
 *                             the permission sets max_admins counts, by
 *                             name (default AdministratorAccess)
 *   no_direct_users = yes     every assignment goes to a group, none to
 *                             a user
 *
 * allowed_values, pattern and max_age_days examine the value of the tag
 * named by `tag`, and pass when that tag is absent (or blank): absence is
 * require_tag's business.  So "optional, but valid when set" is tag +
 * value checks, "mandatory and valid" adds require_tag = yes.  Config
 * results: NON_COMPLIANT and INSUFFICIENT_DATA (or any other type) fail,
 * and so does a rule with no result for the object ("not evaluated": the
 * rule is not deployed there, or Config is off).
 *
 * Example:
 *   # GDPR: every account and bucket states what data it holds
 *   [rule data-classification]
 *   level = policy
 *   description = Data must be classified (GDPR art. 30 records)
 *   applies_to = accounts, resources
 *   types = s3:bucket
 *   tag = DataClassification
 *   require_tag = yes
 *   allowed_values = public, internal, confidential, restricted
 *
 *   [rule review-date]
 *   level = guideline
 *   applies_to = accounts
 *   ous = Root/Workloads
 *   tag = ReviewDate
 *   max_age_days = 365
 *
 * Load errors, as "FILE:LINE: reason" (LINE is the offending key's line,
 * or the section header's for a rule-wide problem), among them:
 *   unknown section [foo]          section [rule] needs a name
 *   invalid rule name 'a b'        duplicate rule 'x' (first at line 3)
 *   malformed section header       expected 'key = value'
 *   key outside a [rule NAME] section
 *   unknown key 'colour'           duplicate key 'level' (first at line 4)
 *   invalid level 'must': expected policy, standard or guideline
 *   invalid applies_to 'users': expected accounts, ous or resources
 *   invalid pattern '(': <regerror text>
 *   invalid max_age_days 'soon': expected a whole number of days
 *   invalid require_tag 'maybe': expected yes or no
 *   empty item in allowed_values   invalid tag ''
 *   allowed_values needs 'tag = KEY'   (also pattern, max_age_days,
 *                                       require_tag)
 *   tag needs require_tag, allowed_values, pattern or max_age_days
 *   nocase needs allowed_values or pattern
 *   services needs applies_to to include resources   (also types)
 *   owner_known needs -o owners_file
 *   invalid max_admins 'x': expected a whole number
 *   admin_permission_sets needs max_admins
 *   owner_has_access needs applies_to = accounts only
 *                                     (also max_admins, no_direct_users)
 *   rule 'x' has no level          rule 'x' has no applies_to
 *   rule 'x' has no check          NUL byte
 * and, without a line:
 *   cannot read rules file 'FILE': <strerror>
 *   cannot read rules file 'FILE': larger than 1048576 bytes
 *
 * Evaluation is pure: after loading, a struct rules is only read, so any
 * number of threads may evaluate against it at once.
 */
#ifndef ORGFS_RULES_H
#define ORGFS_RULES_H

#include <stddef.h>
#include <time.h>

struct buf;
struct org_tags;
struct owner_list;

#define RULES_MAX_FILE (1 << 20)
#define RULES_NAME_MAX 128

/* Most severe first: verdicts sort in this order. */
enum rule_level {
	RULE_POLICY = 0,
	RULE_STANDARD,
	RULE_GUIDELINE,
};

struct rules;
struct rule;

/* Load a rules file.  known is the known-owners list (NULL when no
 * -o owners_file); it is only consulted at load time for owner_known rules
 * and then kept by pointer, so it must outlive the rules.  *out is written
 * only on success; err gets a message on failure.
 * @return 0, -EINVAL (a bad rules file), -errno (unreadable), -EFBIG,
 * -ENOMEM */
int rules_load(const char *path, const struct owner_list *known,
	       struct rules **out, char *err, size_t errlen);
/* The same from text in memory; fname is used in messages only. */
int rules_parse_string(const char *text, const char *fname,
		       const struct owner_list *known, struct rules **out,
		       char *err, size_t errlen);
/* Drop a reference: the rules are freed with the last (a load gives one). */
void rules_free(struct rules *r);
/* Another reference to r (NULL: NULL), for a reader that must keep the
 * rules it started with while a reload replaces them. */
struct rules *rules_hold(struct rules *r);
/* r takes known over (the list it was loaded with): freed with r. */
void rules_adopt_owners(struct rules *r, struct owner_list *known);

/* Rules in file order. */
size_t rules_count(const struct rules *r);
const struct rule *rules_get(const struct rules *r, size_t i);
const char *rule_name(const struct rule *r);
enum rule_level rule_level(const struct rule *r);
const char *rule_description(const struct rule *r);     /* "" if none */
/* "policy", "standard", "guideline" */
const char *rules_level_name(enum rule_level l);
/* 1 when some rule has config_rules: Config results are worth fetching. */
int rules_uses_config(const struct rules *r);
/* 1 when some rule has an Identity Center check (owner_has_access,
 * max_admins, no_direct_users): accounts' assignments are worth fetching. */
int rules_uses_access(const struct rules *r);
/* 1 when some ous item is not an id (ou-..., r-...): OU paths are worth
 * working out (rules_object.ancestor_paths). */
int rules_uses_paths(const struct rules *r);

/* One AWS Config evaluation of the object. */
struct rules_config_result {
	const char *rule;       /* ConfigRuleName */
	const char *compliance; /* COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE,
				   INSUFFICIENT_DATA */
};

/* An account's IAM Identity Center assignments (lib/model.h). */
struct org_pset;
struct org_assignment;
struct rules_access {
	int present;                    /* 0: the organization has no
					   instance: nothing is assigned */
	const struct org_pset *psets;   /* the assignments' pset indexes */
	const struct org_assignment *v; /* the account's assignments */
	size_t n;
	const char *owner_group;        /* the group that answers for the
					   owner (NULL: no owner) */
	const char *names_unread;       /* why principal names are ids
					   (NULL: names read): the owner's
					   group cannot be told then */
};

/* The object to judge.  Nothing is kept after rules_evaluate returns. */
struct rules_object {
	const char *kind;               /* account, ou, root, resource */
	const char *id;                 /* account id, ou-/r- id, ARN */
	const char *service, *type;     /* resources: "s3", "bucket" */
	/* The OUs and root the object is in, nearest first, root last: for a
	 * resource those of its account; for an ou or root the object itself
	 * first.  ancestor_paths[i] is the OU path of ancestor_ids[i]
	 * ("Root/Workloads"); either array may be NULL. */
	const char *const *ancestor_ids;
	const char *const *ancestor_paths;
	size_t nancestors;
	const struct org_tags *tags;    /* NULL: no tags */
	const char *owner;              /* effective owner; NULL: none */
	const struct rules_config_result *config;
	size_t nconfig;
	/* Inputs that could not be read, why (NULL: read).  unread: nothing
	 * of the object was seen (the resources of an account whose
	 * listing failed: service and type NULL stand for any); every rule
	 * whose scope may hold it is not judged.  config_unread: some of
	 * its Config results are missing; a config_rules check with no
	 * result is then not judged instead of failed. */
	const char *unread;
	const char *config_unread;
	/* accounts: the assignments, or NULL with why in access_unread; an
	 * Identity Center check is then not judged */
	const struct rules_access *access;
	const char *access_unread;
	time_t now;
};

struct rules_verdict {
	size_t rule;                    /* index for rules_get() */
	const char *name;               /* the rule's, owned by the rules */
	enum rule_level level;
	int pass;                       /* 1 pass, 0 fail or not judged */
	/* Failures: what failed, one line, malloc'd, several failed checks
	 * joined by "; ", e.g.
	 *   missing tag CostCenter
	 *   tag Environment value 'Production' not in prod, staging, dev
	 *   tag Owner value 'x' does not match ^[a-z-]+$
	 *   tag ReviewDate value 'soon' is not a date
	 *   tag ReviewDate 2020-01-01 is 1430 days old (max 365)
	 *   owner 'platfrom' is not a known owner
	 *   no owner
	 *   config rule s3-bucket-logging is NON_COMPLIANT
	 *   config rule s3-bucket-logging not evaluated
	 *   owner 'payments': group 'payments' holds no assignment
	 *   no IAM Identity Center instance (owner_has_access)
	 *   3 principals hold AdministratorAccess (max 2): group
	 *     'platform', group 'break-glass', user 'ann@example.com'
	 *   users assigned directly: 'ann@example.com' (ReadOnlyAccess)
	 * Control bytes of values are shown as '?'.  NULL when passed. */
	char *reason;
	int unknown;                    /* 1: not judged, an input could
					   not be read (reason: why); a
					   failed check fails the rule
					   whatever else is missing */
};

/* Judge o against every rule whose scope holds it: one verdict per such
 * rule, failures first, then the ones not judged, then by level (policy first), then by rule name.
 * *out is NULL when no rule applies.  Free with rules_verdicts_free().
 * @return 0, -EINVAL (unknown kind, NULL argument), -ENOMEM */
int rules_evaluate(const struct rules *r, const struct rules_object *o,
		   struct rules_verdict **out, size_t *n);
void rules_verdicts_free(struct rules_verdict *v, size_t n);

/* Append "<level> <rule>: <reason>\n" for each failed verdict and
 * "# <level> <rule>: not judged: <why>\n" for each one not judged, in
 * the given order; nothing when all passed.  @return 0 or buf's error */
int rules_render_compliance(const struct rules_verdict *v, size_t n,
			    struct buf *out);

/* What a rule refers to in the organization: every item of ous, of
 * services and of types, the tag key (unless require_tag: a tag seen
 * nowhere then fails every object, which says it), every config_rules
 * name and every admin permission set (a typo would pass every
 * account). */
enum rules_ref_kind {
	RULES_REF_OU,
	RULES_REF_SERVICE,
	RULES_REF_TYPE,
	RULES_REF_TAG,
	RULES_REF_CONFIG,
	RULES_REF_PSET,
	RULES_REF_NKINDS
};

/* Whether value (of kind) names something that exists: 1 yes, 0 no, -1
 * cannot tell now (the data is not at hand, or incomplete). */
typedef int (*rules_exists_fn)(void *arg, enum rules_ref_kind kind,
			       const char *value);

/* Report the references that name nothing: per rule and kind, one
 * message "FILE:LINE: ous 'Root/Nope' names no OU or root (...)" naming
 * every such value, given to report at most once in the life of r (the
 * first call that can tell; a kind exists cannot tell is asked again on
 * the next call).  Thread-safe.  @return 0 or -ENOMEM */
int rules_check_refs(const struct rules *r, rules_exists_fn exists,
		     void *arg, void (*report)(void *arg, const char *msg));

#endif
