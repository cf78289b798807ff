/* fuzz_rules.c - the rules file (-o rules=): rules_parse_string, then
 * every loaded rule evaluated against a few fixed objects
 *
 * PENDING (tests/fuzz/README.md): it finds at once that a pattern such as
 * "(a|b)++++++++++++++++++++++" makes glibc's regcomp() allocate
 * exponentially (pending/rules-oom-regcomp: over 2 GB at load).  Move this
 * file to tests/fuzz/ and the reproducer to regressions/rules/ once
 * lib/rules.c bounds what it compiles.
 *
 * Errors must come with a "FILE:LINE: reason" or "FILE: reason" message;
 * a loaded file's verdicts must name their rule, and a failure must say
 * why in one line.
 */
#include <errno.h>

#include "fuzz_util.h"
#include "model.h"
#include "owner.h"
#include "rules.h"

/* non-const: struct org_tag holds char * (the model owns its strings) */
static char k0[] = "CostCenter", v0[] = "42";
static char k1[] = "DataClassification", v1[] = "internal";
static char k2[] = "Environment", v2[] = "Production";
static char k3[] = "Owner", v3[] = "platform-team";
static char k4[] = "ReviewDate", v4[] = "2020-01-01";
static struct org_tag tag_v[] = {
	{ k0, v0 }, { k1, v1 }, { k2, v2 }, { k3, v3 }, { k4, v4 },
};
static struct org_tags tags = { sizeof(tag_v) / sizeof(tag_v[0]), tag_v };
static const char *const anc_ids[] = { "ou-ab12-11111111", "r-ab12" };
static const char *const anc_paths[] = { "Root/Workloads", "Root" };
static const struct rules_config_result config[] = {
	{ "s3-bucket-logging", "NON_COMPLIANT" },
	{ "required-tags", "COMPLIANT" },
};

static struct owner_list *known;

static void evaluate(const struct rules *r, const struct rules_object *o)
{
	struct rules_verdict *v = NULL;
	size_t n = 0;
	int rc;

	rc = rules_evaluate(r, o, &v, &n);
	FUZZ_ASSERT(rc == 0 || rc == -ENOMEM);
	if (rc)
		return;
	FUZZ_ASSERT(n <= rules_count(r));
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(v[i].rule < rules_count(r));
		FUZZ_ASSERT(v[i].name && !strcmp(v[i].name,
				rule_name(rules_get(r, v[i].rule))));
		FUZZ_ASSERT(v[i].pass ? !v[i].reason :
			    v[i].reason && *v[i].reason &&
			    !strchr(v[i].reason, '\n'));
		/* failures first */
		if (i)
			FUZZ_ASSERT(v[i - 1].pass <= v[i].pass);
	}
	rules_verdicts_free(v, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_object objs[] = {
		{ .kind = "account", .id = "222222222222", .tags = &tags,
		  .ancestor_ids = anc_ids, .ancestor_paths = anc_paths,
		  .nancestors = 2, .owner = "platform-team",
		  .now = 1767225600 },
		{ .kind = "resource", .id = "arn:aws:s3:::my-bucket",
		  .service = "s3", .type = "bucket", .tags = &tags,
		  .ancestor_ids = anc_ids, .ancestor_paths = anc_paths,
		  .nancestors = 2, .config = config, .nconfig = 2,
		  .now = 1767225600 },
		{ .kind = "ou", .id = "ou-ab12-11111111",
		  .ancestor_ids = anc_ids, .ancestor_paths = anc_paths,
		  .nancestors = 2, .now = 1767225600 },
	};
	char *text = malloc(size + 1), err[512];
	struct rules *r = NULL;
	int rc;

	if (!text)
		abort();
	if (!known) {
		/* owner_known rules need a list; an empty one will do */
		char e2[256];

		if (owner_list_load("/dev/null", &known, e2, sizeof(e2)))
			abort();
	}
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	rc = rules_parse_string(text, "rules", (size & 1) ? known : NULL, &r,
				err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -EFBIG || rc == -ENOMEM);
	if (rc) {
		FUZZ_ASSERT(!strncmp(err, "rules", 5) && !strchr(err, '\n'));
	} else {
		for (size_t i = 0; i < rules_count(r); i++) {
			const struct rule *ru = rules_get(r, i);

			FUZZ_ASSERT(ru && rule_name(ru) && *rule_name(ru));
			FUZZ_ASSERT(strlen(rule_name(ru)) <= RULES_NAME_MAX);
			FUZZ_ASSERT(rule_description(ru));
		}
		for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
			evaluate(r, &objs[i]);
		rules_free(r);
	}
	free(text);
	return 0;
}
