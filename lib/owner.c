/* owner.c - owner tags, inheritance along the hierarchy, known owners */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awserr.h"
#include "model.h"
#include "owner.h"

struct owner_list {
	size_t n;
	char **v;               /* sorted by strcmp */
};

/* The C-locale isspace() set, spelled out so a locale cannot change it. */
static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

/* Trim s[0..len) and return its start; *outlen gets the trimmed length. */
static const char *trim(const char *s, size_t len, size_t *outlen)
{
	while (len && is_ws(*s)) {
		s++;
		len--;
	}
	while (len && is_ws(s[len - 1]))
		len--;
	*outlen = len;
	return s;
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* ASCII-only folding: strcasecmp() would follow the locale. */
static int key_eq(const char *a, const char *b, int nocase)
{
	if (!nocase)
		return !strcmp(a, b);
	for (;; a++, b++) {
		if (ascii_lower(*a) != ascii_lower(*b))
			return 0;
		if (!*a)
			return 1;
	}
}

void owner_config_free(struct owner_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nkeys; i++)
		free(c->keys[i]);
	free(c->keys);
	c->keys = NULL;
	c->nkeys = 0;
}

int owner_config_parse(const char *spec, int nocase, struct owner_config *out,
		       char *err, size_t errlen)
{
	struct owner_config c = { .nocase = !!nocase };
	const char *p, *end, *k;
	size_t len, i;
	char *key;

	if (!spec)
		spec = "";
	c.keys = calloc(OWNER_KEYS_MAX, sizeof(*c.keys));
	if (!c.keys)
		return -ENOMEM;
	for (p = spec;; p = end + 1) {
		end = strchr(p, ',');
		k = trim(p, end ? (size_t)(end - p) : strlen(p), &len);
		if (!len) {
			aws_error_text(err, errlen, "invalid owner_tags '%s': empty key",
				       spec);
			goto invalid;
		}
		if (len > OWNER_KEY_MAX) {
			aws_error_text(err, errlen, "invalid owner_tags '%s': key longer than %d bytes",
				       spec, OWNER_KEY_MAX);
			goto invalid;
		}
		if (c.nkeys == OWNER_KEYS_MAX) {
			aws_error_text(err, errlen, "invalid owner_tags '%s': more than %d keys",
				       spec, OWNER_KEYS_MAX);
			goto invalid;
		}
		key = strndup(k, len);
		if (!key) {
			owner_config_free(&c);
			return -ENOMEM;
		}
		for (i = 0; i < c.nkeys; i++) {
			if (key_eq(c.keys[i], key, c.nocase)) {
				aws_error_text(err, errlen, "invalid owner_tags '%s': duplicate key '%s'",
					       spec, key);
				free(key);
				goto invalid;
			}
		}
		c.keys[c.nkeys++] = key;
		if (!end)
			break;
	}
	*out = c;
	return 0;

invalid:
	owner_config_free(&c);
	return -EINVAL;
}

/* The tag of t deciding for key, NULL when none is present.  Its trimmed
 * value goes to *val and *vlen. */
static const struct org_tag *find_tag(const struct org_tags *t,
				      const char *key, int nocase,
				      const char **val, size_t *vlen)
{
	const struct org_tag *best = NULL;
	const char *v;
	size_t i, len;

	for (i = 0; t && i < t->n; i++) {
		const struct org_tag *tag = &t->v[i];

		if (!tag->key || !tag->value || !key_eq(tag->key, key, nocase))
			continue;
		v = trim(tag->value, strlen(tag->value), &len);
		if (!len)
			continue;
		/* exact case first, then byte order, whatever t's order */
		if (!strcmp(tag->key, key) || !best ||
		    strcmp(tag->key, best->key) < 0) {
			best = tag;
			*val = v;
			*vlen = len;
		}
		if (!strcmp(tag->key, key))
			break;
	}
	return best;
}

int owner_of_tags(const struct owner_config *c, const struct org_tags *t,
		  const char **key, const char **val, size_t *vlen)
{
	const struct org_tag *tag = NULL;
	size_t k;

	for (k = 0; k < c->nkeys && !tag; k++)
		tag = find_tag(t, c->keys[k], c->nocase, val, vlen);
	if (tag && key)
		*key = tag->key;
	return tag != NULL;
}

int owner_resolve(const struct owner_config *c,
		  const struct owner_level *chain, size_t n,
		  struct owner_result *out)
{
	struct owner_result r = { .level = -1 };
	const struct org_tag *tag = NULL;
	const struct owner_level *lv;
	const char *val = NULL;
	size_t i, k, vlen = 0;
	int rc;

	if (!c || !out || (n && !chain))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!chain[i].kind || !chain[i].id)
			return -EINVAL;
	for (i = 0; i < n && !tag; i++)
		for (k = 0; k < c->nkeys && !tag; k++)
			tag = find_tag(chain[i].tags, c->keys[k], c->nocase,
				       &val, &vlen);
	if (!tag) {
		r.source = strdup("none");
		if (!r.source)
			return -ENOMEM;
		*out = r;
		return 0;
	}
	lv = &chain[i - 1];
	r.level = (int)(i - 1);
	r.value = strndup(val, vlen);
	r.key = strdup(tag->key);
	if (lv->label)
		rc = asprintf(&r.source, "tag %s on %s %s (%s)", tag->key,
			      lv->kind, lv->id, lv->label);
	else
		rc = asprintf(&r.source, "tag %s on %s %s", tag->key,
			      lv->kind, lv->id);
	if (rc < 0)
		r.source = NULL;
	if (!r.value || !r.key || !r.source) {
		owner_result_free(&r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void owner_result_free(struct owner_result *r)
{
	if (!r)
		return;
	free(r->value);
	free(r->source);
	free(r->key);
	r->value = r->source = r->key = NULL;
	r->level = -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int owner_list_load(const char *path, struct owner_list **out,
		    char *err, size_t errlen)
{
	struct owner_list *l;
	size_t cap = 0, linecap = 0, lineno = 0, len;
	char *line = NULL, **v;
	const char *s;
	ssize_t got;
	FILE *f;
	int rc = 0;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		goto unreadable;
	}
	while ((got = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)got)) {
			aws_error_text(err, errlen, "%s:%zu: NUL byte",
				       path, lineno);
			rc = -EINVAL;
			goto out;
		}
		s = trim(line, (size_t)got, &len);
		if (!len || *s == '#')
			continue;
		if (len > OWNER_VALUE_MAX) {
			aws_error_text(err, errlen, "%s:%zu: owner longer than %d bytes",
				       path, lineno, OWNER_VALUE_MAX);
			rc = -EINVAL;
			goto out;
		}
		if (l->n == cap) {
			cap = cap ? 2 * cap : 16;
			v = reallocarray(l->v, cap, sizeof(*v));
			if (!v) {
				rc = -ENOMEM;
				goto out;
			}
			l->v = v;
		}
		l->v[l->n] = strndup(s, len);
		if (!l->v[l->n]) {
			rc = -ENOMEM;
			goto out;
		}
		l->n++;
	}
	if (ferror(f)) {
		rc = errno ? -errno : -EIO;
		goto unreadable;
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	goto out;

unreadable:
	aws_error_text(err, errlen, "cannot read owners file '%s': %s", path,
		       strerror(-rc));
out:
	free(line);
	if (f)
		fclose(f);
	if (rc) {
		owner_list_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int owner_list_contains(const struct owner_list *l, const char *value)
{
	if (!l || !l->n || !value)
		return 0;
	return bsearch(&value, l->v, l->n, sizeof(*l->v), cmp_str) != NULL;
}

size_t owner_list_count(const struct owner_list *l)
{
	return l ? l->n : 0;
}

void owner_list_free(struct owner_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l);
}

/* ---- owner -> Identity Center group ---- */

struct owner_group {
	char *owner;
	char *group;
	size_t line;
};

struct owner_groups {
	size_t n;
	struct owner_group *v;          /* sorted by owner */
};

static int cmp_owner_group(const void *a, const void *b)
{
	return strcmp(((const struct owner_group *)a)->owner,
		      ((const struct owner_group *)b)->owner);
}

/* One "owner<TAB>group" line (trimmed, not a comment) onto g.
 * @return 0 or -errno with err set */
static int owner_group_line(struct owner_groups *g, size_t *cap,
			    const char *path, size_t lineno, const char *s,
			    size_t len, char *err, size_t errlen)
{
	const char *tab = memchr(s, '\t', len), *o, *gr;
	size_t olen, glen;
	struct owner_group *x;

	if (!tab) {
		aws_error_text(err, errlen, "owner groups file '%s' line %zu: "
			       "no tab: write \"owner<TAB>group\"", path,
			       lineno);
		return -EINVAL;
	}
	o = trim(s, (size_t)(tab - s), &olen);
	gr = trim(tab + 1, len - (size_t)(tab - s) - 1, &glen);
	if (!olen || !glen || olen > OWNER_VALUE_MAX || glen > 1024 ||
	    memchr(gr, '\t', glen)) {
		aws_error_text(err, errlen, "owner groups file '%s' line %zu: "
			       "want one owner (1-%d bytes), a tab, one group "
			       "name (1-1024 bytes)", path, lineno,
			       OWNER_VALUE_MAX);
		return -EINVAL;
	}
	if (g->n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 16;
		void *nv = reallocarray(g->v, ncap, sizeof(*g->v));

		if (!nv)
			return -ENOMEM;
		g->v = nv;
		*cap = ncap;
	}
	x = &g->v[g->n];
	x->owner = strndup(o, olen);
	x->group = strndup(gr, glen);
	x->line = lineno;
	if (!x->owner || !x->group) {
		free(x->owner);
		free(x->group);
		return -ENOMEM;
	}
	g->n++;
	return 0;
}

int owner_groups_load(const char *path, struct owner_groups **out,
		      char *err, size_t errlen)
{
	struct owner_groups *g;
	size_t cap = 0, linecap = 0, lineno = 0, len, i;
	char *line = NULL;
	const char *s;
	ssize_t got;
	FILE *f;
	int rc = 0;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		aws_error_text(err, errlen, "cannot read owner groups file "
			       "'%s': %s", path, strerror(-rc));
		goto out;
	}
	while (!rc && (got = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)got)) {
			aws_error_text(err, errlen, "owner groups file '%s' "
				       "line %zu: NUL byte", path, lineno);
			rc = -EINVAL;
			break;
		}
		s = trim(line, (size_t)got, &len);
		/* the tab is looked for in the line as it is: "owner<TAB>"
		 * has a tab and an empty group */
		if (len && *s != '#')
			rc = owner_group_line(g, &cap, path, lineno, line,
					      (size_t)got, err, errlen);
	}
	if (!rc && ferror(f)) {
		rc = errno ? -errno : -EIO;
		aws_error_text(err, errlen, "cannot read owner groups file "
			       "'%s': %s", path, strerror(-rc));
	}
	if (!rc && g->n) {
		qsort(g->v, g->n, sizeof(*g->v), cmp_owner_group);
		for (i = 1; i < g->n && !rc; i++)
			if (!strcmp(g->v[i].owner, g->v[i - 1].owner)) {
				aws_error_text(err, errlen, "owner groups file "
					       "'%s': owner '%s' is mapped on "
					       "lines %zu and %zu: keep one",
					       path, g->v[i].owner,
					       g->v[i - 1].line, g->v[i].line);
				rc = -EINVAL;
			}
	}
out:
	if (rc == -ENOMEM)
		aws_error_text(err, errlen, "owner groups file '%s': out of "
			       "memory", path);
	free(line);
	if (f)
		fclose(f);
	if (rc) {
		owner_groups_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

const char *owner_groups_get(const struct owner_groups *g, const char *owner)
{
	struct owner_group key = { .owner = (char *)owner };
	const struct owner_group *x;

	if (!g || !g->n || !owner)
		return NULL;
	x = bsearch(&key, g->v, g->n, sizeof(*g->v), cmp_owner_group);
	return x ? x->group : NULL;
}

void owner_groups_free(struct owner_groups *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->n; i++) {
		free(g->v[i].owner);
		free(g->v[i].group);
	}
	free(g->v);
	free(g);
}
