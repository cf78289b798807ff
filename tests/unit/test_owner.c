/* test_owner.c - owner tags, inheritance, known owners */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "owner.h"

#define T(k, v) { (char *)(k), (char *)(v) }
#define MAXLV 6
#define MAXTAGS 4

/* One level of a test chain: tags end at the first NULL key; notags makes
 * the level's tags pointer NULL. */
struct tlevel {
	const char *kind, *id, *label;
	int notags;
	struct org_tag tags[MAXTAGS + 1];
};

struct rcase {
	const char *name;
	const char *spec;
	int nocase;
	size_t n;
	struct tlevel lv[MAXLV];
	const char *value;      /* NULL: no owner */
	int level;
	const char *key;
	const char *source;
};

#define RES(...) { "resource", "arn:aws:s3:::bucket", NULL, 0, { __VA_ARGS__ } }
#define ACC(...) { "account", "123456789012", "payments-prod", 0, { __VA_ARGS__ } }
#define OU(id, path, ...) { "ou", id, path, 0, { __VA_ARGS__ } }
#define ROOT(...) { "root", "r-ab12", "Root", 0, { __VA_ARGS__ } }
#define NOTAGS(kind, id, label) { kind, id, label, 1, { T(NULL, NULL) } }

static const struct rcase rcases[] = {
	{ "owner beats team on one object", "Owner,Team", 0, 2,
	  { RES(T("Owner", "alice"), T("Team", "payments")),
	    ACC(T("Owner", "bob")) },
	  "alice", 0, "Owner", "tag Owner on resource arn:aws:s3:::bucket" },
	{ "team when no owner", "Owner,Team", 0, 2,
	  { RES(T("Name", "web"), T("Team", "payments")), ACC() },
	  "payments", 0, "Team", "tag Team on resource arn:aws:s3:::bucket" },
	{ "nearest object beats key order", "Owner,Team", 0, 2,
	  { RES(T("Team", "payments")), ACC(T("Owner", "bob")) },
	  "payments", 0, "Team", "tag Team on resource arn:aws:s3:::bucket" },
	{ "configured key order", "Team,Owner", 0, 1,
	  { RES(T("Owner", "alice"), T("Team", "payments")) },
	  "payments", 0, "Team", "tag Team on resource arn:aws:s3:::bucket" },
	{ "single custom key", "CostCenter", 0, 2,
	  { RES(T("Owner", "alice")), ACC(T("CostCenter", "cc-42")) },
	  "cc-42", 1, "CostCenter",
	  "tag CostCenter on account 123456789012 (payments-prod)" },
	{ "account inherits nothing below it", "Owner,Team", 0, 2,
	  { NOTAGS("resource", "arn:aws:s3:::bucket", NULL),
	    ACC(T("Owner", "bob"), T("Team", "payments")) },
	  "bob", 1, "Owner", "tag Owner on account 123456789012 (payments-prod)" },
	{ "three ou levels to the root", "Owner,Team", 0, 6,
	  { NOTAGS("resource", "arn:aws:s3:::bucket", NULL), ACC(),
	    OU("ou-ab12-33333333", "Root/Workloads/Prod/Payments",
	       T("Name", "x")),
	    OU("ou-ab12-22222222", "Root/Workloads/Prod"),
	    NOTAGS("ou", "ou-ab12-cdef34gh", "Root/Workloads"),
	    ROOT(T("Owner", "platform"), T("Team", "cloud")) },
	  "platform", 5, "Owner", "tag Owner on root r-ab12 (Root)" },
	{ "middle ou decides", "Owner,Team", 0, 6,
	  { RES(), ACC(), OU("ou-ab12-33333333", "Root/Workloads/Prod/Payments"),
	    OU("ou-ab12-22222222", "Root/Workloads/Prod"),
	    OU("ou-ab12-cdef34gh", "Root/Workloads", T("Team", "workloads")),
	    ROOT(T("Owner", "platform")) },
	  "workloads", 4, "Team",
	  "tag Team on ou ou-ab12-cdef34gh (Root/Workloads)" },
	{ "exact default ignores owner", "Owner,Team", 0, 2,
	  { RES(T("OWNER", "carol"), T("owner", "bob")), ACC(T("Owner", "alice")) },
	  "alice", 1, "Owner", "tag Owner on account 123456789012 (payments-prod)" },
	{ "nocase matches owner", "Owner,Team", 1, 2,
	  { RES(T("owner", "bob")), ACC(T("Owner", "alice")) },
	  "bob", 0, "owner", "tag owner on resource arn:aws:s3:::bucket" },
	{ "nocase prefers exact case", "Owner,Team", 1, 1,
	  { RES(T("OWNER", "carol"), T("Owner", "alice"), T("owner", "bob")) },
	  "alice", 0, "Owner", "tag Owner on resource arn:aws:s3:::bucket" },
	{ "nocase then byte order", "Owner,Team", 1, 1,
	  { RES(T("OwnER", "dave"), T("owner", "bob"), T("OWNER", "carol")) },
	  "carol", 0, "OWNER", "tag OWNER on resource arn:aws:s3:::bucket" },
	{ "nocase blank exact case does not hide", "Owner,Team", 1, 1,
	  { RES(T("OWNER", ""), T("Owner", " \t"), T("owner", "bob")) },
	  "bob", 0, "owner", "tag owner on resource arn:aws:s3:::bucket" },
	{ "nocase upper-case config key", "OWNER", 1, 1,
	  { RES(T("Owner", "alice")) },
	  "alice", 0, "Owner", "tag Owner on resource arn:aws:s3:::bucket" },
	{ "nocase folds ascii only", "Ownér", 1, 1,
	  { RES(T("OWNÉR", "x")) }, NULL, -1, NULL, "none" },
	{ "empty value goes to the next key", "Owner,Team", 0, 2,
	  { RES(T("Owner", ""), T("Team", "payments")), ACC(T("Owner", "bob")) },
	  "payments", 0, "Team", "tag Team on resource arn:aws:s3:::bucket" },
	{ "white space goes to the next level", "Owner,Team", 0, 2,
	  { RES(T("Owner", " \t\r\n\v\f"), T("Team", "  ")),
	    ACC(T("Team", "payments")) },
	  "payments", 1, "Team",
	  "tag Team on account 123456789012 (payments-prod)" },
	{ "value trimmed", "Owner,Team", 0, 1,
	  { RES(T("Owner", "\t  alice smith \r\n")) },
	  "alice smith", 0, "Owner", "tag Owner on resource arn:aws:s3:::bucket" },
	{ "other white space kept", "Owner,Team", 0, 1,
	  { RES(T("Owner", "\xc2\xa0x\xc2\xa0")) },
	  "\xc2\xa0x\xc2\xa0", 0, "Owner",
	  "tag Owner on resource arn:aws:s3:::bucket" },
	{ "key with spaces", "Owner,Cost Center", 0, 1,
	  { OU("ou-ab12-cdef34gh", "Root/R&D (old)", T("Cost Center", "42")) },
	  "42", 0, "Cost Center",
	  "tag Cost Center on ou ou-ab12-cdef34gh (Root/R&D (old))" },
	{ "none", "Owner,Team", 0, 4,
	  { RES(T("Name", "web"), T("Owner", "")), ACC(T("Team", "\n")),
	    OU("ou-ab12-cdef34gh", "Root/Workloads"),
	    NOTAGS("root", "r-ab12", "Root") },
	  NULL, -1, NULL, "none" },
	{ "empty chain", "Owner,Team", 0, 0, { RES() }, NULL, -1, NULL, "none" },
};

START_TEST(test_resolve)
{
	const struct rcase *t = &rcases[_i];
	struct org_tags tags[MAXLV];
	struct owner_level chain[MAXLV];
	struct owner_config c;
	struct owner_result r;
	char err[256];
	size_t i, k;

	ck_assert_int_eq(owner_config_parse(t->spec, t->nocase, &c, err,
					    sizeof(err)), 0);
	for (i = 0; i < t->n; i++) {
		for (k = 0; t->lv[i].tags[k].key; k++)
			;
		tags[i].n = k;
		tags[i].v = (struct org_tag *)t->lv[i].tags;
		chain[i].kind = t->lv[i].kind;
		chain[i].id = t->lv[i].id;
		chain[i].label = t->lv[i].label;
		chain[i].tags = t->lv[i].notags ? NULL : &tags[i];
	}
	ck_assert_int_eq(owner_resolve(&c, chain, t->n, &r), 0);
	if (t->value)
		ck_assert_msg(r.value && !strcmp(r.value, t->value),
			      "%s: value '%s', want '%s'", t->name,
			      r.value ? r.value : "(null)", t->value);
	else
		ck_assert_msg(!r.value, "%s: value '%s', want none", t->name,
			      r.value);
	ck_assert_msg(r.level == t->level, "%s: level %d, want %d", t->name,
		      r.level, t->level);
	ck_assert_pstr_eq(r.key, t->key);
	ck_assert_msg(!strcmp(r.source, t->source), "%s: source '%s', want '%s'",
		      t->name, r.source, t->source);
	owner_result_free(&r);
	owner_config_free(&c);
}
END_TEST

START_TEST(test_resolve_invalid)
{
	struct org_tag tv[] = { T("Owner", "alice") };
	struct org_tags tags = { 1, tv };
	struct owner_level chain[] = {
		{ "resource", "arn:x", NULL, &tags },
		{ "account", NULL, NULL, NULL },
	};
	struct owner_config c;
	struct owner_result r = { .level = 7 };

	ck_assert_int_eq(owner_config_parse(NULL, 0, &c, NULL, 0), -EINVAL);
	ck_assert_int_eq(owner_config_parse(OWNER_TAGS_DEFAULT, 0, &c, NULL, 0), 0);
	ck_assert_int_eq(owner_resolve(&c, chain, 2, &r), -EINVAL);
	ck_assert_int_eq(owner_resolve(&c, NULL, 1, &r), -EINVAL);
	ck_assert_int_eq(owner_resolve(NULL, chain, 1, &r), -EINVAL);
	ck_assert_int_eq(r.level, 7);   /* untouched on failure */
	ck_assert_int_eq(owner_resolve(&c, chain, 1, &r), 0);
	ck_assert_str_eq(r.value, "alice");
	ck_assert_str_eq(r.source, "tag Owner on resource arn:x");
	owner_result_free(&r);
	owner_result_free(&r);  /* idempotent */
	owner_config_free(&c);
}
END_TEST

static const struct pcase {
	const char *spec;
	int nocase;
	const char *keys;       /* '|'-joined keys, or NULL when invalid */
	const char *err;        /* what follows "invalid owner_tags '<spec>': " */
} pcases[] = {
	{ "Owner,Team", 0, "Owner|Team", NULL },
	{ "Owner", 1, "Owner", NULL },
	{ " Owner ,\tTeam ", 0, "Owner|Team", NULL },
	{ "Cost Center,owner", 0, "Cost Center|owner", NULL },
	{ "Owner,owner", 0, "Owner|owner", NULL },
	{ "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p", 0, "a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p",
	  NULL },
	{ "", 0, NULL, "empty key" },
	{ " ", 0, NULL, "empty key" },
	{ "Owner,,Team", 0, NULL, "empty key" },
	{ ",Owner", 0, NULL, "empty key" },
	{ "Owner,", 0, NULL, "empty key" },
	{ "Owner, \t,Team", 0, NULL, "empty key" },
	{ "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", 0, NULL, "more than 16 keys" },
	{ "Owner,Team,Owner", 0, NULL, "duplicate key 'Owner'" },
	{ "Owner,Team,OWNER", 1, NULL, "duplicate key 'OWNER'" },
	{ "team, Team", 1, NULL, "duplicate key 'Team'" },
};

static void check_keys(const struct owner_config *c, const char *want)
{
	char got[4096] = "";
	size_t i;

	for (i = 0; i < c->nkeys; i++) {
		if (i)
			strcat(got, "|");
		strcat(got, c->keys[i]);
	}
	ck_assert_str_eq(got, want);
}

START_TEST(test_parse)
{
	const struct pcase *t = &pcases[_i];
	struct owner_config c = { NULL, 99, 7 };
	char err[512] = "", want[512];
	int rc = owner_config_parse(t->spec, t->nocase, &c, err, sizeof(err));

	if (t->keys) {
		ck_assert_msg(rc == 0, "'%s': %d %s", t->spec, rc, err);
		ck_assert_int_eq(c.nocase, t->nocase);
		check_keys(&c, t->keys);
		owner_config_free(&c);
		return;
	}
	ck_assert_int_eq(rc, -EINVAL);
	snprintf(want, sizeof(want), "invalid owner_tags '%s': %s", t->spec,
		 t->err);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(c.keys);     /* out untouched */
	ck_assert_int_eq(c.nkeys, 99);
}
END_TEST

START_TEST(test_parse_key_length)
{
	char spec[300], err[512];
	struct owner_config c;

	memset(spec, 'k', OWNER_KEY_MAX);
	strcpy(spec + OWNER_KEY_MAX, ",Team");
	ck_assert_int_eq(owner_config_parse(spec, 0, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.nkeys, 2);
	ck_assert_int_eq(strlen(c.keys[0]), OWNER_KEY_MAX);
	owner_config_free(&c);

	memset(spec, 'k', OWNER_KEY_MAX + 1);
	strcpy(spec + OWNER_KEY_MAX + 1, ",Team");
	ck_assert_int_eq(owner_config_parse(spec, 0, &c, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "': key longer than 128 bytes"));
	ck_assert_int_eq(strncmp(err, "invalid owner_tags 'kkk", 23), 0);

	/* a small error buffer is cut, not overrun */
	memset(err, 'X', sizeof(err));
	ck_assert_int_eq(owner_config_parse("a,,b", 0, &c, err, 8), -EINVAL);
	ck_assert_str_eq(err, "invalid");
	ck_assert_int_eq(err[8], 'X');
}
END_TEST

/* Write text (len bytes) to a new temporary file; its path goes to path. */
static void write_temp(char *path, size_t size, const char *text, size_t len)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/test_owner.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static const struct lcase {
	const char *name;
	const char *text;
	size_t count;
	const char *in[5];
	const char *out[8];
} lcases[] = {
	{ "comments, blanks, trimming",
	  "# known teams\n\n  payments  \r\nplatform\n\t# indented comment\n"
	  "payments\ndata # team\n   \n\f\v\n",
	  4, { "payments", "platform", "data # team" },
	  { "data", "# known teams", "# indented comment", "", " payments",
	    "Payments", "payments\r", "platfor" } },
	{ "no final newline", "b\na", 2, { "a", "b" }, { "a\n", "ab" } },
	{ "empty file", "", 0, { NULL }, { "", "a" } },
	{ "only comments", "#\n# x\n\n", 0, { NULL }, { "#", "# x" } },
	{ "inner white space and utf-8", "data platform\nÉquipe données\n", 2,
	  { "data platform", "Équipe données" }, { "data", "equipe données" } },
};

START_TEST(test_list)
{
	const struct lcase *t = &lcases[_i];
	struct owner_list *l = NULL;
	char path[512], err[512] = "";
	size_t i;

	write_temp(path, sizeof(path), t->text, strlen(t->text));
	ck_assert_msg(owner_list_load(path, &l, err, sizeof(err)) == 0, "%s: %s",
		      t->name, err);
	unlink(path);
	ck_assert_msg(owner_list_count(l) == t->count, "%s: %zu owners",
		      t->name, owner_list_count(l));
	for (i = 0; i < 5 && t->in[i]; i++)
		ck_assert_msg(owner_list_contains(l, t->in[i]), "%s: '%s' missing",
			      t->name, t->in[i]);
	for (i = 0; i < 8 && t->out[i]; i++)
		ck_assert_msg(!owner_list_contains(l, t->out[i]),
			      "%s: '%s' listed", t->name, t->out[i]);
	owner_list_free(l);
}
END_TEST

/* Many owners in shuffled order: the binary search finds each. */
START_TEST(test_list_many)
{
	char text[8192] = "", path[512], err[512] = "", name[32];
	struct owner_list *l = NULL;
	unsigned i;

	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "team-%u\n", (i * 7919u) % 300);
		strcat(text, name);
	}
	write_temp(path, sizeof(path), text, strlen(text));
	ck_assert_int_eq(owner_list_load(path, &l, err, sizeof(err)), 0);
	unlink(path);
	ck_assert_int_eq(owner_list_count(l), 300);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "team-%u", i);
		ck_assert_msg(owner_list_contains(l, name), "%s missing", name);
		snprintf(name, sizeof(name), "team-%u ", i);
		ck_assert(!owner_list_contains(l, name));
	}
	ck_assert(!owner_list_contains(l, "team-300"));
	ck_assert(!owner_list_contains(l, "team-"));
	ck_assert(!owner_list_contains(l, NULL));
	ck_assert(!owner_list_contains(NULL, "team-1"));
	ck_assert_int_eq(owner_list_count(NULL), 0);
	owner_list_free(l);
}
END_TEST

START_TEST(test_list_errors)
{
	char text[1024], path[512], err[1024], want[1200];
	struct owner_list *l = (struct owner_list *)&l;
	size_t n;

	/* 256 bytes fit, 257 do not; padding does not count */
	n = (size_t)snprintf(text, sizeof(text), "# c\n%*s%0256d%*s\n", 40, "",
			     0, 40, "");
	write_temp(path, sizeof(path), text, n);
	ck_assert_int_eq(owner_list_load(path, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(owner_list_count(l), 1);
	owner_list_free(l);
	unlink(path);

	l = (struct owner_list *)&l;
	n = (size_t)snprintf(text, sizeof(text), "a\n\n%0257d\nb\n", 0);
	write_temp(path, sizeof(path), text, n);
	ck_assert_int_eq(owner_list_load(path, &l, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:3: owner longer than 256 bytes", path);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_eq(l, (struct owner_list *)&l);   /* out untouched */
	unlink(path);

	write_temp(path, sizeof(path), "ok\nbad\0byte\nz\n",
		   sizeof("ok\nbad\0byte\nz\n") - 1);
	ck_assert_int_eq(owner_list_load(path, &l, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: NUL byte", path);
	ck_assert_str_eq(err, want);
	unlink(path);

	/* the file is gone now */
	ck_assert_int_eq(owner_list_load(path, &l, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want),
		 "cannot read owners file '%s': No such file or directory", path);
	ck_assert_str_eq(err, want);

	ck_assert_int_eq(owner_list_load("/", &l, err, sizeof(err)), -EISDIR);
	ck_assert_str_eq(err, "cannot read owners file '/': Is a directory");
	ck_assert_ptr_eq(l, (struct owner_list *)&l);
}
END_TEST

/* -o owner_groups: owner<TAB>group lines, both sides trimmed */
START_TEST(test_owner_groups)
{
	static const char text[] =
		"# owner -> Identity Center group\n\n"
		"  payments \t  Payments Engineers \n"
		"alice@example.com\tdata/ml engineers\n"
		"platform\tplatform\n";
	char path[512], err[1024] = "", want[1200];
	struct owner_groups *g = NULL;

	write_temp(path, sizeof(path), text, sizeof(text) - 1);
	ck_assert_msg(owner_groups_load(path, &g, err, sizeof(err)) == 0, "%s",
		      err);
	unlink(path);
	ck_assert_str_eq(owner_groups_get(g, "payments"), "Payments Engineers");
	ck_assert_str_eq(owner_groups_get(g, "alice@example.com"),
			 "data/ml engineers");
	ck_assert_str_eq(owner_groups_get(g, "platform"), "platform");
	ck_assert_ptr_null(owner_groups_get(g, "Payments"));
	ck_assert_ptr_null(owner_groups_get(g, "search"));
	ck_assert_ptr_null(owner_groups_get(g, NULL));
	ck_assert_ptr_null(owner_groups_get(NULL, "payments"));
	owner_groups_free(g);

	g = (struct owner_groups *)&g;
	write_temp(path, sizeof(path), "a\tb\npayments\n", 13);
	ck_assert_int_eq(owner_groups_load(path, &g, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want), "owner groups file '%s' line 2: no tab: "
		 "write \"owner<TAB>group\"", path);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_eq(g, (struct owner_groups *)&g);   /* out untouched */
	unlink(path);

	write_temp(path, sizeof(path), "a\t \n", 4);
	ck_assert_int_eq(owner_groups_load(path, &g, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "line 1: want one owner"), "%s", err);
	unlink(path);

	write_temp(path, sizeof(path), "x\tg1\ny\tg\nx\tg2\n", 14);
	ck_assert_int_eq(owner_groups_load(path, &g, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want), "owner groups file '%s': owner 'x' is "
		 "mapped on lines 1 and 3: keep one", path);
	ck_assert_str_eq(err, want);
	unlink(path);

	ck_assert_int_eq(owner_groups_load(path, &g, err, sizeof(err)),
			 -ENOENT);
	snprintf(want, sizeof(want), "cannot read owner groups file '%s': No "
		 "such file or directory", path);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_eq(g, (struct owner_groups *)&g);
}
END_TEST

static Suite *owner_suite(void)
{
	Suite *s = suite_create("owner");
	TCase *tc = tcase_create("Core");

	tcase_add_loop_test(tc, test_resolve, 0,
			    sizeof(rcases) / sizeof(rcases[0]));
	tcase_add_test(tc, test_resolve_invalid);
	tcase_add_loop_test(tc, test_parse, 0,
			    sizeof(pcases) / sizeof(pcases[0]));
	tcase_add_test(tc, test_parse_key_length);
	tcase_add_loop_test(tc, test_list, 0,
			    sizeof(lcases) / sizeof(lcases[0]));
	tcase_add_test(tc, test_list_many);
	tcase_add_test(tc, test_list_errors);
	tcase_add_test(tc, test_owner_groups);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(owner_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
