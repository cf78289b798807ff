/* rules.c - local policy / standard / guideline rules
 *
 * Debian's libinih has no line numbers for handlers, strips ';' inline
 * comments, joins indented lines to the previous value and cuts lines at
 * 200 bytes.  As in awsconfig.c, libinih therefore reads the file through
 * a reader that tokenises each physical line itself and hands libinih a
 * short placeholder ("[@]" or "k7 = v7"): patterns keep their ';', values
 * have no length limit, and the line a handler call comes from is known
 * (libinih calls the handler for a line before it reads the next one; the
 * placeholder carries the line number to make sure).
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "awstime.h"
#include "buf.h"
#include "model.h"
#include "owner.h"
#include "rules.h"

#define RULES_TAG_MAX 128
#define RULES_MAX_AGE 1000000L
#define REASON_MAX (4 << 20)

enum rkey {
	K_LEVEL, K_DESCRIPTION, K_APPLIES_TO, K_SERVICES, K_TYPES, K_OUS,
	K_TAG, K_REQUIRE_TAG, K_ALLOWED_VALUES, K_NOCASE, K_PATTERN,
	K_MAX_AGE_DAYS, K_OWNER_KNOWN, K_CONFIG_RULES, K_OWNER_HAS_ACCESS,
	K_MAX_ADMINS, K_ADMIN_PSETS, K_NO_DIRECT_USERS, NKEYS
};

static const char *const key_names[NKEYS] = {
	[K_LEVEL] = "level", [K_DESCRIPTION] = "description",
	[K_APPLIES_TO] = "applies_to", [K_SERVICES] = "services",
	[K_TYPES] = "types", [K_OUS] = "ous", [K_TAG] = "tag",
	[K_REQUIRE_TAG] = "require_tag", [K_ALLOWED_VALUES] = "allowed_values",
	[K_NOCASE] = "nocase", [K_PATTERN] = "pattern",
	[K_MAX_AGE_DAYS] = "max_age_days", [K_OWNER_KNOWN] = "owner_known",
	[K_CONFIG_RULES] = "config_rules",
	[K_OWNER_HAS_ACCESS] = "owner_has_access",
	[K_MAX_ADMINS] = "max_admins",
	[K_ADMIN_PSETS] = "admin_permission_sets",
	[K_NO_DIRECT_USERS] = "no_direct_users",
};

/* What max_admins counts when admin_permission_sets is not given */
#define DEFAULT_ADMIN_PSET "AdministratorAccess"
#define RULES_MAX_ADMINS 1000000L

static const char *const level_names[] = {
	[RULE_POLICY] = "policy", [RULE_STANDARD] = "standard",
	[RULE_GUIDELINE] = "guideline",
};

enum { RK_ACCOUNT = 1, RK_OU = 2, RK_RESOURCE = 4 };

struct strv {
	char **v;
	size_t n;
};

struct rule {
	char *name;
	int line;
	enum rule_level level;
	char *description;
	unsigned kinds;
	struct strv services, types, ous;
	char *tag;
	int require_tag, nocase, owner_known;
	struct strv allowed;
	char *allowed_text;             /* "a, b, c" for messages */
	char *pattern;
	regex_t re;
	int has_re;
	long max_age_days;              /* -1: no such check */
	struct strv config_rules;
	int owner_has_access, no_direct_users;
	long max_admins;                /* -1: no such check */
	struct strv admin_psets;        /* what max_admins counts */
	char *admin_text;               /* "a, b" for messages */
	int key_line[NKEYS];            /* 0: key not given */
};

struct rules {
	struct rule **v;
	size_t n;
	int uses_config;
	int uses_paths;                 /* some ous item is not an id */
	int uses_access;                /* some Identity Center check */
	const struct owner_list *known;
	struct owner_list *owned;       /* rules_adopt_owners: freed with us */
	char *fname;                    /* for FILE:LINE of rules_check_refs */
	int refs;                       /* atomic; rules_hold, rules_free */
	unsigned char *warned;          /* per rule x enum rules_ref_kind:
					   checked, and reported if need be,
					   once (atomic) */
};

struct pctx {
	const char *text;
	size_t pos, len;
	const char *fname;
	const struct owner_list *known;
	int line;
	struct rules *rs;
	struct rule *cur;
	char *key, *val;                /* the current line's, for the handler */
	int err_line;
	char msg[512];
	int oom;
};

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void rule_free(struct rule *ru)
{
	if (!ru)
		return;
	free(ru->name);
	free(ru->description);
	strv_free(&ru->services);
	strv_free(&ru->types);
	strv_free(&ru->ous);
	free(ru->tag);
	strv_free(&ru->allowed);
	free(ru->allowed_text);
	free(ru->pattern);
	if (ru->has_re)
		regfree(&ru->re);
	strv_free(&ru->config_rules);
	strv_free(&ru->admin_psets);
	free(ru->admin_text);
	free(ru);
}

void rules_free(struct rules *r)
{
	if (!r || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < r->n; i++)
		rule_free(r->v[i]);
	free(r->v);
	owner_list_free(r->owned);
	free(r->fname);
	free(r->warned);
	free(r);
}

struct rules *rules_hold(struct rules *r)
{
	if (r)
		__atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
	return r;
}

void rules_adopt_owners(struct rules *r, struct owner_list *known)
{
	r->owned = known;
}

__attribute__((format(printf, 3, 4)))
static void perr(struct pctx *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line || p->oom)
		return;
	p->err_line = line;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

/* Copy of s[0..n) without surrounding white space. */
static char *dup_trim(const char *s, size_t n)
{
	while (n && is_ws(*s)) {
		s++;
		n--;
	}
	while (n && is_ws(s[n - 1]))
		n--;
	return strndup(s, n);
}

/* Split a comma list into trimmed, non-empty items. */
static int parse_list(struct pctx *p, const char *key, const char *val,
		      struct strv *out)
{
	const char *s = val, *comma;
	char **v;

	for (;;) {
		comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		char *item = dup_trim(s, n);

		if (!item) {
			p->oom = 1;
			return -1;
		}
		if (!*item) {
			free(item);
			perr(p, p->line, "empty item in %s", key);
			return -1;
		}
		v = reallocarray(out->v, out->n + 1, sizeof(*v));
		if (!v) {
			free(item);
			p->oom = 1;
			return -1;
		}
		out->v = v;
		out->v[out->n++] = item;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

static int parse_bool(struct pctx *p, const char *key, const char *val,
		      int *out)
{
	if (!strcmp(val, "yes") || !strcmp(val, "true")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(val, "no") || !strcmp(val, "false")) {
		*out = 0;
		return 0;
	}
	perr(p, p->line, "invalid %s '%.100s': expected yes or no", key, val);
	return -1;
}

static int set_applies_to(struct pctx *p, struct rule *ru, const char *val)
{
	struct strv l = { 0 };
	int rc = 0;

	if (parse_list(p, "applies_to", val, &l) < 0) {
		strv_free(&l);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++) {
		if (!strcmp(l.v[i], "accounts")) {
			ru->kinds |= RK_ACCOUNT;
		} else if (!strcmp(l.v[i], "ous")) {
			ru->kinds |= RK_OU;
		} else if (!strcmp(l.v[i], "resources")) {
			ru->kinds |= RK_RESOURCE;
		} else {
			perr(p, p->line, "invalid applies_to '%.100s': "
			     "expected accounts, ous or resources", l.v[i]);
			rc = -1;
			break;
		}
	}
	strv_free(&l);
	return rc;
}

static int check_types(struct pctx *p, const struct strv *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const char *c = strchr(t->v[i], ':');

		if (c && (c == t->v[i] || !c[1] || strchr(c + 1, ':'))) {
			perr(p, p->line, "invalid type '%.100s': expected TYPE "
			     "or SERVICE:TYPE", t->v[i]);
			return -1;
		}
	}
	return 0;
}

/* A whole number 0..max into *out; what: the message's "expected" */
static int set_count(struct pctx *p, const char *key, const char *val,
		     long max, const char *what, long *out)
{
	long v = 0;

	for (const char *c = val; ; c++) {
		if (*c < '0' || *c > '9' || v > max)
			break;
		v = v * 10 + (*c - '0');
		if (!c[1] && v <= max) {
			*out = v;
			return 0;
		}
	}
	perr(p, p->line, "invalid %s '%.100s': expected %s", key, val, what);
	return -1;
}

static char *join_list(const struct strv *l)
{
	struct buf b;

	buf_init(&b, RULES_MAX_FILE);
	for (size_t i = 0; i < l->n; i++) {
		if ((i && buf_puts(&b, ", ") < 0) || buf_puts(&b, l->v[i]) < 0) {
			buf_free(&b);
			return NULL;
		}
	}
	return buf_steal(&b);
}

static int set_key(struct pctx *p, struct rule *ru, const char *key,
		   const char *val)
{
	int k, l;

	for (k = 0; k < NKEYS; k++)
		if (!strcmp(key, key_names[k]))
			break;
	if (k == NKEYS) {
		perr(p, p->line, "unknown key '%.100s'", key);
		return -1;
	}
	if (ru->key_line[k]) {
		perr(p, p->line, "duplicate key '%s' (first at line %d)", key,
		     ru->key_line[k]);
		return -1;
	}
	ru->key_line[k] = p->line;
	switch ((enum rkey)k) {
	case K_LEVEL:
		for (l = 0; l < 3; l++) {
			if (!strcmp(val, level_names[l])) {
				ru->level = (enum rule_level)l;
				return 0;
			}
		}
		perr(p, p->line, "invalid level '%.100s': expected policy, "
		     "standard or guideline", val);
		return -1;
	case K_DESCRIPTION:
		free(ru->description);
		ru->description = strdup(val);
		break;
	case K_APPLIES_TO:
		return set_applies_to(p, ru, val);
	case K_SERVICES:
		return parse_list(p, key, val, &ru->services);
	case K_TYPES:
		if (parse_list(p, key, val, &ru->types) < 0)
			return -1;
		return check_types(p, &ru->types);
	case K_OUS:
		if (parse_list(p, key, val, &ru->ous) < 0)
			return -1;
		for (size_t i = 0; i < ru->ous.n; i++)
			if (strncmp(ru->ous.v[i], "ou-", 3) &&
			    strncmp(ru->ous.v[i], "r-", 2))
				p->rs->uses_paths = 1;
		break;
	case K_TAG:
		if (!*val || strlen(val) > RULES_TAG_MAX) {
			perr(p, p->line, "invalid tag '%.100s': expected a key "
			     "of 1 to %d bytes", val, RULES_TAG_MAX);
			return -1;
		}
		ru->tag = strdup(val);
		break;
	case K_REQUIRE_TAG:
		return parse_bool(p, key, val, &ru->require_tag);
	case K_ALLOWED_VALUES:
		if (parse_list(p, key, val, &ru->allowed) < 0)
			return -1;
		ru->allowed_text = join_list(&ru->allowed);
		if (!ru->allowed_text)
			p->oom = 1;
		break;
	case K_NOCASE:
		return parse_bool(p, key, val, &ru->nocase);
	case K_PATTERN:
		if (!*val) {
			perr(p, p->line, "invalid pattern '': empty pattern");
			return -1;
		}
		ru->pattern = strdup(val);
		break;
	case K_MAX_AGE_DAYS:
		return set_count(p, key, val, RULES_MAX_AGE,
				 "a whole number of days", &ru->max_age_days);
	case K_OWNER_HAS_ACCESS:
		p->rs->uses_access = 1;
		return parse_bool(p, key, val, &ru->owner_has_access);
	case K_NO_DIRECT_USERS:
		p->rs->uses_access = 1;
		return parse_bool(p, key, val, &ru->no_direct_users);
	case K_MAX_ADMINS:
		p->rs->uses_access = 1;
		return set_count(p, key, val, RULES_MAX_ADMINS,
				 "a whole number", &ru->max_admins);
	case K_ADMIN_PSETS:
		return parse_list(p, key, val, &ru->admin_psets);
	case K_OWNER_KNOWN:
		if (parse_bool(p, key, val, &ru->owner_known) < 0)
			return -1;
		if (ru->owner_known && !p->known) {
			perr(p, p->line, "owner_known needs -o owners_file");
			return -1;
		}
		break;
	case K_CONFIG_RULES:
		if (parse_list(p, key, val, &ru->config_rules) < 0)
			return -1;
		p->rs->uses_config = 1;
		break;
	case NKEYS:
		break;
	}
	if ((k == K_DESCRIPTION && !ru->description) ||
	    (k == K_TAG && !ru->tag) || (k == K_PATTERN && !ru->pattern)) {
		p->oom = 1;
		return -1;
	}
	return 0;
}

/* Whole-rule checks, once its section has ended. */
/* glibc's regcomp() grows exponentially with stacked quantifiers
 * ("(a|b)++++"), which POSIX leaves undefined anyway: refuse patterns
 * that could make a rules file cost gigabytes to load. */
static int pattern_too_costly(const char *re)
{
	const char *p;
	int prev_quant = 0;

	if (strlen(re) > 512)
		return 1;
	for (p = re; *p; p++) {
		int quant = 0;

		if (*p == '\\' && p[1]) {
			p++;
			prev_quant = 0;
			continue;
		}
		if (*p == '*' || *p == '+' || *p == '?') {
			quant = 1;
		} else if (*p == '{') {
			char *end;
			long n = strtol(p + 1, &end, 10);

			if (end != p + 1) {
				quant = 1;
				if (n > 100)
					return 1;
				if (*end == ',' && end[1] != '}') {
					n = strtol(end + 1, &end, 10);
					if (n > 100)
						return 1;
				}
			}
		}
		if (quant && prev_quant)
			return 1;
		prev_quant = quant;
	}
	return 0;
}

static int finish_rule(struct pctx *p, struct rule *ru)
{
	static const enum rkey needs_tag[] = {
		K_REQUIRE_TAG, K_ALLOWED_VALUES, K_PATTERN, K_MAX_AGE_DAYS
	};
	static const enum rkey access_keys[] = {
		K_OWNER_HAS_ACCESS, K_MAX_ADMINS, K_NO_DIRECT_USERS
	};
	const int *kl = ru->key_line;
	int tag_checks, rc;

	if (!kl[K_LEVEL]) {
		perr(p, ru->line, "rule '%s' has no level", ru->name);
		return -1;
	}
	if (!kl[K_APPLIES_TO]) {
		perr(p, ru->line, "rule '%s' has no applies_to", ru->name);
		return -1;
	}
	if (!(ru->kinds & RK_RESOURCE) && (kl[K_SERVICES] || kl[K_TYPES])) {
		int k = kl[K_SERVICES] ? K_SERVICES : K_TYPES;

		perr(p, kl[k], "%s needs applies_to to include resources",
		     key_names[k]);
		return -1;
	}
	for (size_t i = 0; i < sizeof(needs_tag) / sizeof(needs_tag[0]); i++) {
		enum rkey k = needs_tag[i];

		if (kl[k] && !ru->tag && (k != K_REQUIRE_TAG || ru->require_tag)) {
			perr(p, kl[k], "%s needs 'tag = KEY'", key_names[k]);
			return -1;
		}
	}
	tag_checks = ru->require_tag || ru->allowed.n || ru->pattern ||
		     ru->max_age_days >= 0;
	if (ru->tag && !tag_checks) {
		perr(p, kl[K_TAG], "tag needs require_tag, allowed_values, "
		     "pattern or max_age_days");
		return -1;
	}
	if (ru->nocase && !ru->allowed.n && !ru->pattern) {
		perr(p, kl[K_NOCASE], "nocase needs allowed_values or pattern");
		return -1;
	}
	for (size_t i = 0; i < sizeof(access_keys) / sizeof(access_keys[0]); i++) {
		enum rkey k = access_keys[i];

		/* assignments are made to accounts: an OU or a resource
		 * would pass every such check unseen */
		if (kl[k] && ru->kinds != RK_ACCOUNT) {
			perr(p, kl[k], "%s needs applies_to = accounts only",
			     key_names[k]);
			return -1;
		}
	}
	if (kl[K_ADMIN_PSETS] && ru->max_admins < 0) {
		perr(p, kl[K_ADMIN_PSETS], "admin_permission_sets needs "
		     "max_admins");
		return -1;
	}
	if (ru->max_admins >= 0 && !ru->admin_psets.n) {
		ru->admin_psets.v = malloc(sizeof(*ru->admin_psets.v));
		if (!ru->admin_psets.v ||
		    !(ru->admin_psets.v[0] = strdup(DEFAULT_ADMIN_PSET))) {
			p->oom = 1;
			return -1;
		}
		ru->admin_psets.n = 1;
	}
	if (ru->admin_psets.n && !(ru->admin_text = join_list(&ru->admin_psets))) {
		p->oom = 1;
		return -1;
	}
	if (!tag_checks && !ru->owner_known && !ru->config_rules.n &&
	    !ru->owner_has_access && ru->max_admins < 0 &&
	    !ru->no_direct_users) {
		perr(p, ru->line, "rule '%s' has no check", ru->name);
		return -1;
	}
	if (ru->pattern && pattern_too_costly(ru->pattern)) {
		perr(p, kl[K_PATTERN], "pattern '%.100s' is too costly: at "
		     "most 512 bytes, no quantifier on a quantifier, counts "
		     "up to 100", ru->pattern);
		return -1;
	}
	if (ru->pattern) {
		rc = regcomp(&ru->re, ru->pattern, REG_EXTENDED | REG_NOSUB |
			     (ru->nocase ? REG_ICASE : 0));
		if (rc == REG_ESPACE) {
			p->oom = 1;
			return -1;
		}
		if (rc) {
			char m[256];

			regerror(rc, &ru->re, m, sizeof(m));
			perr(p, kl[K_PATTERN], "invalid pattern '%.100s': %s",
			     ru->pattern, m);
			return -1;
		}
		ru->has_re = 1;
	}
	return 0;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > RULES_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

/* "[...]" with inner the text between the brackets, trimmed. */
static int start_rule(struct pctx *p, const char *inner)
{
	const char *w = inner, *name;
	struct rule *ru, **v;

	if (p->cur && finish_rule(p, p->cur) < 0)
		return -1;
	p->cur = NULL;
	while (*w && !is_ws(*w))
		w++;
	if ((size_t)(w - inner) != 4 || strncmp(inner, "rule", 4)) {
		perr(p, p->line, "unknown section [%.100s]", inner);
		return -1;
	}
	for (name = w; is_ws(*name); name++)
		;
	if (!*name) {
		perr(p, p->line, "section [rule] needs a name");
		return -1;
	}
	if (!valid_name(name)) {
		perr(p, p->line, "invalid rule name '%.100s'", name);
		return -1;
	}
	for (size_t i = 0; i < p->rs->n; i++) {
		if (!strcmp(p->rs->v[i]->name, name)) {
			perr(p, p->line, "duplicate rule '%s' (first at line %d)",
			     name, p->rs->v[i]->line);
			return -1;
		}
	}
	ru = calloc(1, sizeof(*ru));
	v = reallocarray(p->rs->v, p->rs->n + 1, sizeof(*v));
	if (v)
		p->rs->v = v;
	if (!ru || !v || !(ru->name = strdup(name))) {
		free(ru);
		p->oom = 1;
		return -1;
	}
	ru->line = p->line;
	ru->max_age_days = -1;
	ru->max_admins = -1;
	p->rs->v[p->rs->n++] = ru;
	p->cur = ru;
	return 0;
}

/* ini_reader: one physical line in, one placeholder line out. */
static char *rules_reader(char *str, int num, void *stream)
{
	struct pctx *p = stream;
	const char *l, *t, *e, *eq;
	size_t n;

	if (p->err_line || p->oom || num < 48)
		return NULL;
	l = text_next_line(p->text, p->len, &p->pos, &n);
	if (!l)
		return NULL;
	p->line++;
	for (t = l, e = l + n; t < e && is_ws(*t); t++)
		;
	while (e > t && is_ws(e[-1]))
		e--;
	if (t == e || *t == '#' || *t == ';') {
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	if (*t == '[') {
		char *inner;
		int rc;

		if (e[-1] != ']' || e - t < 2) {
			perr(p, p->line, "malformed section header");
			return NULL;
		}
		inner = dup_trim(t + 1, (size_t)(e - t - 2));
		if (!inner) {
			p->oom = 1;
			return NULL;
		}
		rc = start_rule(p, inner);
		free(inner);
		if (rc < 0)
			return NULL;
		snprintf(str, (size_t)num, "[@]\n");
		return str;
	}
	eq = memchr(t, '=', (size_t)(e - t));
	if (!eq || eq == t) {
		perr(p, p->line, "expected 'key = value'");
		return NULL;
	}
	if (!p->cur) {
		perr(p, p->line, "key outside a [rule NAME] section");
		return NULL;
	}
	free(p->key);
	free(p->val);
	p->key = dup_trim(t, (size_t)(eq - t));
	p->val = dup_trim(eq + 1, (size_t)(e - eq - 1));
	if (!p->key || !p->val) {
		p->oom = 1;
		return NULL;
	}
	snprintf(str, (size_t)num, "k%d = v%d\n", p->line, p->line);
	return str;
}

static int rules_handler(void *user, const char *section, const char *name,
			 const char *value)
{
	struct pctx *p = user;
	char k[32], v[32];

	(void)section;
	snprintf(k, sizeof(k), "k%d", p->line);
	snprintf(v, sizeof(v), "v%d", p->line);
	if (p->err_line || p->oom)
		return 0;
	if (!p->cur || !p->key || strcmp(name, k) || strcmp(value, v)) {
		perr(p, p->line, "internal error: ini line out of step");
		return 0;
	}
	return set_key(p, p->cur, p->key, p->val) == 0;
}

int rules_parse_string(const char *text, const char *fname,
		       const struct owner_list *known, struct rules **out,
		       char *err, size_t errlen)
{
	struct pctx p = { .text = text, .fname = fname, .known = known };
	int rc, ret = 0;

	if (!text || !fname || !out)
		return -EINVAL;
	p.len = strlen(text);
	p.rs = calloc(1, sizeof(*p.rs));
	if (!p.rs)
		return -ENOMEM;
	p.rs->known = known;
	p.rs->refs = 1;
	p.rs->fname = strdup(fname);
	if (!p.rs->fname) {
		free(p.rs);
		return -ENOMEM;
	}
	rc = ini_parse_stream(rules_reader, &p, rules_handler, &p);
	if (!p.err_line && !p.oom && rc == 0 && p.cur)
		finish_rule(&p, p.cur);
	if (p.oom) {
		snprintf(err, errlen, "cannot load rules file '%s': out of "
			 "memory", fname);
		ret = -ENOMEM;
	} else if (p.err_line) {
		snprintf(err, errlen, "%s:%d: %s", fname, p.err_line, p.msg);
		ret = -EINVAL;
	} else if (rc) {
		snprintf(err, errlen, "%s:%d: syntax error", fname,
			 rc > 0 ? rc : p.line);
		ret = rc == -2 ? -ENOMEM : -EINVAL;
	}
	free(p.key);
	free(p.val);
	if (!ret && p.rs->n) {
		p.rs->warned = calloc(p.rs->n, RULES_REF_NKINDS);
		if (!p.rs->warned) {
			snprintf(err, errlen, "cannot load rules file '%s': "
				 "out of memory", fname);
			ret = -ENOMEM;
		}
	}
	if (ret) {
		rules_free(p.rs);
		return ret;
	}
	*out = p.rs;
	return 0;
}

int rules_load(const char *path, const struct owner_list *known,
	       struct rules **out, char *err, size_t errlen)
{
	FILE *f;
	struct buf b;
	char chunk[4096];
	const char *nul;
	size_t n;
	int ret = 0;

	if (!path || !out)
		return -EINVAL;
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "cannot read rules file '%s': %s", path,
			 strerror(-ret));
		return ret;
	}
	buf_init(&b, RULES_MAX_FILE);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		ret = buf_append(&b, chunk, n);
		if (ret == -EFBIG) {
			snprintf(err, errlen, "cannot read rules file '%s': "
				 "larger than %d bytes", path, RULES_MAX_FILE);
			goto out;
		}
		if (ret < 0)
			goto out;
	}
	if (ferror(f)) {
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "cannot read rules file '%s': %s", path,
			 strerror(-ret));
		goto out;
	}
	nul = memchr(buf_str(&b), '\0', b.len);
	if (nul) {
		int line = 1;

		for (const char *c = buf_str(&b); c < nul; c++)
			line += *c == '\n';
		snprintf(err, errlen, "%s:%d: NUL byte", path, line);
		ret = -EINVAL;
		goto out;
	}
	ret = rules_parse_string(buf_str(&b), path, known, out, err, errlen);
out:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "cannot load rules file '%s': out of "
			 "memory", path);
	buf_free(&b);
	fclose(f);
	return ret;
}

size_t rules_count(const struct rules *r)
{
	return r ? r->n : 0;
}

const struct rule *rules_get(const struct rules *r, size_t i)
{
	return r && i < r->n ? r->v[i] : NULL;
}

const char *rule_name(const struct rule *r)
{
	return r->name;
}

enum rule_level rule_level(const struct rule *r)
{
	return r->level;
}

const char *rule_description(const struct rule *r)
{
	return r->description ? r->description : "";
}

const char *rules_level_name(enum rule_level l)
{
	return (unsigned)l < 3 ? level_names[l] : "unknown";
}

int rules_uses_config(const struct rules *r)
{
	return r ? r->uses_config : 0;
}

int rules_uses_access(const struct rules *r)
{
	return r ? r->uses_access : 0;
}

int rules_uses_paths(const struct rules *r)
{
	return r ? r->uses_paths : 0;
}

/* Evaluation. */

static int kind_bit(const char *kind)
{
	if (!kind)
		return 0;
	if (!strcmp(kind, "account"))
		return RK_ACCOUNT;
	if (!strcmp(kind, "ou") || !strcmp(kind, "root"))
		return RK_OU;
	if (!strcmp(kind, "resource"))
		return RK_RESOURCE;
	return 0;
}

static int in_list(const struct strv *l, const char *s)
{
	if (!s)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

static int type_matches(const struct strv *types, const char *service,
			const char *type)
{
	if (!type)
		return 0;
	for (size_t i = 0; i < types->n; i++) {
		const char *t = types->v[i], *c = strchr(t, ':');

		if (!c) {
			if (!strcmp(t, type))
				return 1;
		} else if (service && strlen(service) == (size_t)(c - t) &&
			   !strncmp(t, service, (size_t)(c - t)) &&
			   !strcmp(c + 1, type)) {
			return 1;
		}
	}
	return 0;
}

static int in_ous(const struct rule *ru, const struct rules_object *o,
		  int kind)
{
	if (kind == RK_OU && in_list(&ru->ous, o->id))
		return 1;
	for (size_t i = 0; i < o->nancestors; i++) {
		if (o->ancestor_ids && in_list(&ru->ous, o->ancestor_ids[i]))
			return 1;
		if (o->ancestor_paths &&
		    in_list(&ru->ous, o->ancestor_paths[i]))
			return 1;
	}
	return 0;
}

static int in_scope(const struct rule *ru, const struct rules_object *o,
		    int kind)
{
	if (!(ru->kinds & (unsigned)kind))
		return 0;
	if (kind == RK_RESOURCE && !(o->unread && !o->service)) {
		/* (resources never read: any service and type) */
		if (ru->services.n && !in_list(&ru->services, o->service))
			return 0;
		if (ru->types.n && !type_matches(&ru->types, o->service,
						 o->type))
			return 0;
	}
	if (ru->ous.n && !in_ous(ru, o, kind))
		return 0;
	return 1;
}

static const char *tag_get(const struct org_tags *t, const char *key)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].key && !strcmp(t->v[i].key, key))
			return t->v[i].value ? t->v[i].value : "";
	return NULL;
}

static int is_blank(const char *s)
{
	for (; *s; s++)
		if (!is_ws(*s))
			return 0;
	return 1;
}

/* Append s with control bytes as '?': reasons are one line. */
static int put_clean(struct buf *b, const char *s)
{
	int rc = 0;

	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;

		rc = buf_putc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	return rc;
}

/* Start one failure's text: "; " between failures. */
static int fail(struct buf *b)
{
	return b->len ? buf_puts(b, "; ") : 0;
}

static int check_tag(const struct rule *ru, const struct rules_object *o,
		     struct buf *b)
{
	const char *v = tag_get(o->tags, ru->tag);
	int rc = 0;

	if (!v || is_blank(v)) {
		if (!ru->require_tag)
			return 0;
		if ((rc = fail(b)) || (rc = buf_puts(b, "missing tag ")) ||
		    (rc = put_clean(b, ru->tag)))
			return rc;
		return 0;
	}
	if (ru->allowed.n) {
		size_t i;

		for (i = 0; i < ru->allowed.n; i++)
			if (!(ru->nocase ? strcasecmp : strcmp)(v,
								ru->allowed.v[i]))
				break;
		if (i == ru->allowed.n &&
		    ((rc = fail(b)) || (rc = buf_puts(b, "tag ")) ||
		     (rc = put_clean(b, ru->tag)) ||
		     (rc = buf_puts(b, " value '")) || (rc = put_clean(b, v)) ||
		     (rc = buf_puts(b, "' not in ")) ||
		     (rc = put_clean(b, ru->allowed_text))))
			return rc;
	}
	if (ru->has_re && regexec(&ru->re, v, 0, NULL, 0) != 0 &&
	    ((rc = fail(b)) || (rc = buf_puts(b, "tag ")) ||
	     (rc = put_clean(b, ru->tag)) || (rc = buf_puts(b, " value '")) ||
	     (rc = put_clean(b, v)) || (rc = buf_puts(b, "' does not match ")) ||
	     (rc = put_clean(b, ru->pattern))))
		return rc;
	if (ru->max_age_days >= 0) {
		time_t t;

		if (awstime_parse_iso8601(v, &t) < 0) {
			if ((rc = fail(b)) || (rc = buf_puts(b, "tag ")) ||
			    (rc = put_clean(b, ru->tag)) ||
			    (rc = buf_puts(b, " value '")) ||
			    (rc = put_clean(b, v)) ||
			    (rc = buf_puts(b, "' is not a date")))
				return rc;
		} else {
			/* whole days elapsed; a date in the future is 0 */
			long long age = o->now > t ?
				(long long)(o->now - t) / 86400 : 0;

			if (age > ru->max_age_days &&
			    ((rc = fail(b)) || (rc = buf_puts(b, "tag ")) ||
			     (rc = put_clean(b, ru->tag)) ||
			     (rc = buf_putc(b, ' ')) || (rc = put_clean(b, v)) ||
			     (rc = buf_printf(b, " is %lld days old (max %ld)",
					      age, ru->max_age_days))))
				return rc;
		}
	}
	return 0;
}

static int check_owner(const struct rules *r, const struct rules_object *o,
		       struct buf *b)
{
	int rc;

	if (!o->owner || !*o->owner)
		return (rc = fail(b)) ? rc : buf_puts(b, "no owner");
	if (r->known && owner_list_contains(r->known, o->owner))
		return 0;
	if ((rc = fail(b)) || (rc = buf_puts(b, "owner '")) ||
	    (rc = put_clean(b, o->owner)))
		return rc;
	return buf_puts(b, "' is not a known owner");
}

/* A Config rule with no result for o while o's Config results could not
 * all be read is not judged: *unknown is set, nothing is failed. */
static int check_config(const struct rule *ru, const struct rules_object *o,
			struct buf *b, int *unknown)
{
	int rc;

	for (size_t i = 0; i < ru->config_rules.n; i++) {
		const char *name = ru->config_rules.v[i], *c = NULL;

		for (size_t j = 0; j < o->nconfig && !c; j++)
			if (o->config[j].rule &&
			    !strcmp(o->config[j].rule, name))
				c = o->config[j].compliance ?
					o->config[j].compliance : "";
		if (c && (!strcmp(c, "COMPLIANT") ||
			  !strcmp(c, "NOT_APPLICABLE")))
			continue;
		if (!c && o->config_unread) {
			*unknown = 1;
			continue;
		}
		if ((rc = fail(b)) || (rc = buf_puts(b, "config rule ")) ||
		    (rc = put_clean(b, name)))
			return rc;
		if (!c)
			rc = buf_puts(b, " not evaluated");
		else if ((rc = buf_puts(b, " is ")) == 0)
			rc = put_clean(b, *c ? c : "(no compliance type)");
		if (rc)
			return rc;
	}
	return 0;
}

/* The Identity Center checks of ru on the account o->access holds.
 * Without the assignments (o->access NULL) they are not judged: *unknown
 * set, why in o->access_unread. */
static int check_access(const struct rule *ru, const struct rules_object *o,
			struct buf *b, int *unknown)
{
	const struct rules_access *a = o->access;
	int rc = 0;

	if (!a) {
		*unknown = 1;
		return 0;
	}
	if (ru->owner_has_access) {
		size_t i;

		for (i = 0; i < a->n && a->owner_group; i++)
			if (!a->v[i].user &&
			    !strcmp(a->v[i].principal_name, a->owner_group))
				break;
		if (!a->present) {
			if ((rc = fail(b)) || (rc = buf_puts(b, "no IAM "
					"Identity Center instance")))
				return rc;
		} else if (!o->owner || !*o->owner || !a->owner_group) {
			if ((rc = fail(b)) || (rc = buf_puts(b, "no owner")))
				return rc;
		} else if (i == a->n && a->names_unread) {
			*unknown = 1;   /* the group may be behind any id */
		} else if (i == a->n &&
			   ((rc = fail(b)) || (rc = buf_puts(b, "owner '")) ||
			    (rc = put_clean(b, o->owner)) ||
			    (rc = buf_puts(b, "': group '")) ||
			    (rc = put_clean(b, a->owner_group)) ||
			    (rc = buf_puts(b, "' holds no assignment")))) {
			return rc;
		}
	}
	if (ru->max_admins >= 0) {
		size_t i, k, count = 0;

		/* each principal once, whatever it holds: assignments are
		 * sorted by permission set, so look back for it */
		for (int pass = 0; pass < 2 && !rc; pass++) {
			size_t shown = 0;

			for (i = 0; i < a->n && !rc; i++) {
				const struct org_assignment *x = &a->v[i];

				if (!in_list(&ru->admin_psets,
					     a->psets[x->pset].name))
					continue;
				for (k = 0; k < i; k++)
					if (a->v[k].user == x->user &&
					    !strcmp(a->v[k].principal_id,
						    x->principal_id) &&
					    in_list(&ru->admin_psets,
						    a->psets[a->v[k].pset].name))
						break;
				if (k < i)
					continue;
				if (!pass) {
					count++;
					continue;
				}
				if ((rc = buf_puts(b, shown++ ? ", " : ": ")) ||
				    (rc = buf_puts(b, x->user ? "user '" :
						   "group '")) ||
				    (rc = put_clean(b, x->principal_name)))
					break;
				rc = buf_putc(b, '\'');
			}
			if (!pass && (long)count <= ru->max_admins)
				break;
			if (!pass &&
			    ((rc = fail(b)) ||
			     (rc = buf_printf(b, "%zu principal%s hold%s ",
					      count, count == 1 ? "" : "s",
					      count == 1 ? "s" : "")) ||
			     (rc = put_clean(b, ru->admin_text)) ||
			     (rc = buf_printf(b, " (max %ld)",
					      ru->max_admins))))
				break;
		}
		if (rc)
			return rc;
	}
	if (ru->no_direct_users) {
		size_t i, shown = 0;

		for (i = 0; i < a->n && !rc; i++) {
			if (!a->v[i].user)
				continue;
			if ((!shown && ((rc = fail(b)) ||
					(rc = buf_puts(b, "users assigned "
						       "directly")))) ||
			    (rc = buf_puts(b, shown++ ? ", '" : ": '")) ||
			    (rc = put_clean(b, a->v[i].principal_name)) ||
			    (rc = buf_puts(b, "' (")) ||
			    (rc = put_clean(b, a->psets[a->v[i].pset].name)))
				break;
			rc = buf_putc(b, ')');
		}
	}
	return rc;
}

static int cmp_verdict(const void *a, const void *b)
{
	const struct rules_verdict *x = a, *y = b;

	int kx = x->pass ? 2 : x->unknown, ky = y->pass ? 2 : y->unknown;

	if (kx != ky)
		return kx - ky;
	if (x->level != y->level)
		return (int)x->level - (int)y->level;
	return strcmp(x->name, y->name);
}

void rules_verdicts_free(struct rules_verdict *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].reason);
	free(v);
}

static int rule_checks_access(const struct rule *ru)
{
	return ru->owner_has_access || ru->max_admins >= 0 ||
	       ru->no_direct_users;
}

/* Why a verdict is not judged: the object unread, its Config results
 * (config), else its assignments or their names */
static const char *unread_why(const struct rules_object *o, int config)
{
	if (o->unread)
		return o->unread;
	if (config && o->config_unread)
		return o->config_unread;
	if (o->access_unread || !o->access)
		return o->access_unread ? o->access_unread :
		       "IAM Identity Center assignments not read";
	return o->access->names_unread ? o->access->names_unread :
	       "IAM Identity Center names not read";
}

int rules_evaluate(const struct rules *r, const struct rules_object *o,
		   struct rules_verdict **out, size_t *n)
{
	struct rules_verdict *v = NULL;
	size_t nv = 0;
	struct buf b;
	int kind, unknown, access_unknown, rc = 0;

	if (!r || !o || !out || !n)
		return -EINVAL;
	kind = kind_bit(o->kind);
	if (!kind)
		return -EINVAL;
	buf_init(&b, REASON_MAX);
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *ru = r->v[i];
		struct rules_verdict *d;

		if (!in_scope(ru, o, kind))
			continue;
		if (!v) {
			v = calloc(r->n, sizeof(*v));
			if (!v) {
				rc = -ENOMEM;
				goto out;
			}
		}
		buf_reset(&b);
		unknown = 0;
		access_unknown = 0;
		if (o->unread) {
			unknown = 1;    /* nothing of the object was seen */
		} else if ((ru->tag && (rc = check_tag(ru, o, &b))) ||
			   (ru->owner_known && (rc = check_owner(r, o, &b))) ||
			   (rc = check_config(ru, o, &b, &unknown)) ||
			   (rule_checks_access(ru) &&
			    (rc = check_access(ru, o, &b, &access_unknown)))) {
			goto out;
		}
		d = &v[nv++];
		d->rule = i;
		d->name = ru->name;
		d->level = ru->level;
		/* a failed check fails the rule whatever could not be seen */
		d->unknown = b.len == 0 && (unknown || access_unknown);
		d->pass = b.len == 0 && !unknown && !access_unknown;
		if (d->unknown)
			rc = put_clean(&b, unread_why(o, unknown));
		if (rc)
			goto out;
		if (!d->pass && !(d->reason = buf_steal(&b))) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (nv)
		qsort(v, nv, sizeof(*v), cmp_verdict);
out:
	buf_free(&b);
	if (rc) {
		rules_verdicts_free(v, nv);
		return rc == -EFBIG ? -ENOMEM : rc;
	}
	*out = v;
	*n = nv;
	return 0;
}

int rules_render_compliance(const struct rules_verdict *v, size_t n,
			    struct buf *out)
{
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (v[i].pass)
			continue;
		/* "# not judged: ...": grep '^policy' lists failures only */
		rc = buf_printf(out, "%s%s %s: %s%s\n",
				v[i].unknown ? "# " : "",
				rules_level_name(v[i].level), v[i].name,
				v[i].unknown ? "not judged: " : "",
				v[i].reason ? v[i].reason : "");
		if (rc)
			return rc;
	}
	return 0;
}

/* References to what the organization holds. */

static const char *const ref_keys[RULES_REF_NKINDS] = {
	[RULES_REF_OU] = "ous", [RULES_REF_SERVICE] = "services",
	[RULES_REF_TYPE] = "types", [RULES_REF_TAG] = "tag",
	[RULES_REF_CONFIG] = "config_rules",
	[RULES_REF_PSET] = "admin_permission_sets",
};

static const char *const ref_what[RULES_REF_NKINDS] = {
	[RULES_REF_OU] = "names no OU or root (an id, or a path "
			 "as accounts/<id>/path writes it)",
	[RULES_REF_SERVICE] = "is the service of no resource orgfs could "
			      "read",
	[RULES_REF_TYPE] = "is the type of no resource orgfs could read",
	[RULES_REF_TAG] = "is the key of no tag orgfs could read on an "
			  "account, OU or resource",
	[RULES_REF_CONFIG] = "has no result in the AWS Config results orgfs "
			     "could read",
	[RULES_REF_PSET] = "names no permission set of the IAM Identity "
			   "Center instance",
};

static const struct strv *ref_list(const struct rule *ru,
				   enum rules_ref_kind k, struct strv *one)
{
	switch (k) {
	case RULES_REF_OU:
		return &ru->ous;
	case RULES_REF_SERVICE:
		return &ru->services;
	case RULES_REF_TYPE:
		return &ru->types;
	case RULES_REF_CONFIG:
		return &ru->config_rules;
	case RULES_REF_PSET:
		return &ru->admin_psets;
	default:
		/* with require_tag a tag seen nowhere fails every object,
		 * which says it; without, the rule would pass them all */
		one->v = ru->tag && !ru->require_tag ? (char **)&ru->tag : NULL;
		one->n = one->v ? 1 : 0;
		return one;
	}
}

static const enum rkey ref_key[RULES_REF_NKINDS] = {
	[RULES_REF_OU] = K_OUS, [RULES_REF_SERVICE] = K_SERVICES,
	[RULES_REF_TYPE] = K_TYPES, [RULES_REF_TAG] = K_TAG,
	[RULES_REF_CONFIG] = K_CONFIG_RULES, [RULES_REF_PSET] = K_ADMIN_PSETS,
};

/* The values of one (rule, kind) that name nothing, into b as
 * "FILE:LINE: ous 'a', 'b' names ...".  @return 1 when some did, 0 when
 * none, -1 when exists could not tell, -ENOMEM */
static int refs_missing(const struct rules *r, const struct rule *ru,
			enum rules_ref_kind k, rules_exists_fn exists,
			void *arg, struct buf *b)
{
	struct strv one;
	const struct strv *l = ref_list(ru, k, &one);
	int bad = 0, rc;

	for (size_t i = 0; i < l->n; i++) {
		int e = exists(arg, k, l->v[i]);

		if (e < 0)
			return -1;
		if (e)
			continue;
		if (!bad++)
			/* the default admin set: max_admins's line */
			rc = buf_printf(b, "%s:%d: %s ", r->fname,
					ru->key_line[ref_key[k]] ?
					ru->key_line[ref_key[k]] :
					ru->key_line[K_MAX_ADMINS],
					ref_keys[k]);
		else
			rc = buf_puts(b, ", ");
		if (!rc)
			rc = buf_putc(b, '\'');
		if (!rc)
			rc = put_clean(b, l->v[i]);
		if (!rc)
			rc = buf_putc(b, '\'');
		if (rc)
			return -ENOMEM;
	}
	if (bad && buf_printf(b, " %s", ref_what[k]))
		return -ENOMEM;
	return bad > 0;
}

int rules_check_refs(const struct rules *r, rules_exists_fn exists,
		     void *arg, void (*report)(void *arg, const char *msg))
{
	struct buf b;
	int rc = 0;

	buf_init(&b, REASON_MAX);
	for (size_t i = 0; r && i < r->n && rc >= 0; i++) {
		for (int k = 0; k < RULES_REF_NKINDS && rc >= 0; k++) {
			unsigned char *w = &r->warned[i * RULES_REF_NKINDS + k];

			if (__atomic_load_n(w, __ATOMIC_RELAXED))
				continue;
			buf_reset(&b);
			rc = refs_missing(r, r->v[i], k, exists, arg, &b);
			if (rc < 0 && rc != -ENOMEM)
				rc = 0;         /* cannot tell yet */
			else if (rc >= 0 &&
				 !__atomic_exchange_n(w, 1, __ATOMIC_RELAXED) &&
				 rc > 0)
				report(arg, buf_str(&b));   /* settled: once */
		}
	}
	buf_free(&b);
	return rc < 0 ? rc : 0;
}
