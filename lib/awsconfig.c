/* awsconfig.c - the AWS CLI's shared config and credentials files
 *
 * Debian's libinih is built with inline comments (";" after whitespace),
 * multi-line values and a 200-byte line buffer; configparser has none of
 * those limits and no inline comments.  So libinih reads the text through
 * a reader that does the tokenising configparser's way and hands libinih
 * one short placeholder line per physical line ("[@3]", "@4 = @5",
 * "  @6" for a continuation): values of any length and ';' survive, and
 * libinih's error line numbers stay those of the file.
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>
#include <openssl/crypto.h>

#include "awsconfig.h"
#include "buf.h"
#include "log.h"

#define CFG_MAX_FILE (4 << 20)

struct secvec {
	struct awscfg_section **v;
	size_t n;
};

struct awscfg {
	struct secvec profiles;
	struct secvec sso;
	struct secvec services;
	char *path[2];                  /* [is_cred]: the file read, if any */
	int unsafe[2];                  /* [is_cred]: AWSCFG_* mask */
};

/* A section as one file declares it, before the profile mapping. */
struct rawsec {
	char *name;
	int line;
	struct awscfg_kv *kv;
	size_t nkv;
	int *kv_line;
};

struct pctx {
	const char *text;
	size_t pos;
	size_t len;
	int line;
	const char *fname;
	char **vals;                    /* placeholder targets */
	size_t nvals;
	struct rawsec *secs;
	size_t nsec;
	long cur;                       /* index in secs, -1 before any */
	long last_key;                  /* placeholder of the last option, -1 */
	int err_line;
	char msg[200];
	int oom;
};

static void wipe_str(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

static void kv_free(struct awscfg_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		wipe_str(kv[i].value);
		kv_free(kv[i].sub, kv[i].nsub);
	}
	free(kv);
}

static void section_free(struct awscfg_section *s)
{
	if (!s)
		return;
	free(s->name);
	kv_free(s->kv, s->nkv);
	free(s);
}

static void secvec_free(struct secvec *v)
{
	for (size_t i = 0; i < v->n; i++)
		section_free(v->v[i]);
	free(v->v);
}

struct awscfg *awscfg_new(void)
{
	return calloc(1, sizeof(struct awscfg));
}

void awscfg_free(struct awscfg *cfg)
{
	if (!cfg)
		return;
	secvec_free(&cfg->profiles);
	secvec_free(&cfg->sso);
	secvec_free(&cfg->services);
	free(cfg->path[0]);
	free(cfg->path[1]);
	free(cfg);
}

static char *strndup_trim(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static void set_err(struct pctx *p, const char *what)
{
	if (p->err_line)
		return;
	p->err_line = p->line;
	snprintf(p->msg, sizeof(p->msg), "%s", what);
}

/* Store s as a placeholder target; @return its index or -1 */
static long add_val(struct pctx *p, char *s)
{
	char **v;

	if (!s) {
		p->oom = 1;
		return -1;
	}
	v = realloc(p->vals, (p->nvals + 1) * sizeof(*v));
	if (!v) {
		free(s);
		p->oom = 1;
		return -1;
	}
	p->vals = v;
	p->vals[p->nvals] = s;
	return (long)p->nvals++;
}

static int add_section(struct pctx *p, char *name)
{
	struct rawsec *s;

	if (!name) {
		p->oom = 1;
		return -1;
	}
	for (size_t i = 0; i < p->nsec; i++) {
		if (strcmp(p->secs[i].name, name) == 0) {
			char m[160];

			snprintf(m, sizeof(m), "duplicate section [%.100s]", name);
			free(name);
			set_err(p, m);
			return -1;
		}
	}
	s = realloc(p->secs, (p->nsec + 1) * sizeof(*s));
	if (!s) {
		free(name);
		p->oom = 1;
		return -1;
	}
	p->secs = s;
	memset(&s[p->nsec], 0, sizeof(*s));
	s[p->nsec].name = name;
	s[p->nsec].line = p->line;
	p->cur = (long)p->nsec++;
	p->last_key = -1;
	return 0;
}

/* ini_reader: one physical line in, one placeholder line out. */
static char *cfg_reader(char *str, int num, void *stream)
{
	struct pctx *p = stream;
	const char *l, *t;
	size_t n;
	long i, j;

	l = text_next_line(p->text, p->len, &p->pos, &n);
	if (!l)
		return NULL;
	p->line++;
	while (n && (l[n - 1] == '\r'))
		n--;
	for (t = l; t < l + n && isspace((unsigned char)*t); t++)
		;
	if (num < 32 || p->oom)
		return NULL;
	if (t == l + n || *t == '#' || *t == ';') {
		snprintf(str, num, "\n");
		return str;
	}
	if (t > l && p->last_key >= 0) {
		/* continuation of the previous option's value */
		i = add_val(p, strndup_trim(t, (size_t)(l + n - t)));
		if (i < 0)
			return NULL;
		snprintf(str, num, " @%ld\n", i);
		return str;
	}
	if (*t == '[') {
		const char *close = NULL;

		for (const char *c = t; c < l + n; c++)
			if (*c == ']')
				close = c;
		if (!close || close == t + 1) {
			set_err(p, "malformed section header");
			snprintf(str, num, "x\n");
			return str;
		}
		if (add_section(p, strndup(t + 1, (size_t)(close - t - 1))) < 0) {
			if (p->oom)
				return NULL;
			snprintf(str, num, "x\n");
			return str;
		}
		snprintf(str, num, "[@%ld]\n", p->cur);
		return str;
	}
	{
		const char *d = t;

		while (d < l + n && *d != '=' && *d != ':')
			d++;
		if (d == l + n || d == t) {
			set_err(p, d == t ? "option without a name" :
				"expected 'key = value'");
			snprintf(str, num, "x\n");
			return str;
		}
		if (p->cur < 0) {
			set_err(p, "option before the first section header");
			snprintf(str, num, "x\n");
			return str;
		}
		i = add_val(p, strndup_trim(t, (size_t)(d - t)));
		if (i < 0)
			return NULL;
		for (char *c = p->vals[i]; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		j = add_val(p, strndup_trim(d + 1, (size_t)(l + n - d - 1)));
		if (j < 0)
			return NULL;
		snprintf(str, num, "@%ld = @%ld\n", i, j);
	}
	return str;
}

static long placeholder(const struct pctx *p, const char *s)
{
	char *end;
	long i;

	if (!s || s[0] != '@')
		return -1;
	i = strtol(s + 1, &end, 10);
	if (*end || i < 0 || (size_t)i >= p->nvals)
		return -1;
	return i;
}

static int cfg_handler(void *user, const char *section, const char *name,
		       const char *value)
{
	struct pctx *p = user;
	struct rawsec *s;
	long k = placeholder(p, name), v = placeholder(p, value);
	struct awscfg_kv *kv;
	int *kl;

	(void)section;
	if (k < 0 || v < 0 || p->cur < 0) {
		set_err(p, "syntax error");
		return 0;
	}
	s = &p->secs[p->cur];
	if (k == p->last_key && s->nkv) {
		/* a continuation line: configparser joins with newlines */
		struct buf b;
		char *joined;

		kv = &s->kv[s->nkv - 1];
		buf_init(&b, CFG_MAX_FILE);
		if (buf_puts(&b, kv->value) || buf_putc(&b, '\n') ||
		    buf_puts(&b, p->vals[v]) || !(joined = buf_steal(&b))) {
			buf_wipe(&b);
			p->oom = 1;
			return 0;
		}
		wipe_str(kv->value);
		kv->value = joined;
		return 1;
	}
	for (size_t i = 0; i < s->nkv; i++) {
		if (strcmp(s->kv[i].key, p->vals[k]) == 0) {
			char m[160];

			snprintf(m, sizeof(m), "duplicate option '%.60s' in [%.60s]",
				 p->vals[k], s->name);
			set_err(p, m);
			return 0;
		}
	}
	kv = realloc(s->kv, (s->nkv + 1) * sizeof(*kv));
	if (!kv) {
		p->oom = 1;
		return 0;
	}
	s->kv = kv;
	kl = realloc(s->kv_line, (s->nkv + 1) * sizeof(*kl));
	if (!kl) {
		p->oom = 1;
		return 0;
	}
	s->kv_line = kl;
	memset(&kv[s->nkv], 0, sizeof(*kv));
	kv[s->nkv].key = p->vals[k];
	kv[s->nkv].value = p->vals[v];
	p->vals[k] = NULL;
	p->vals[v] = NULL;
	kl[s->nkv] = p->line;
	s->nkv++;
	p->last_key = k;
	return 1;
}

/* "\nk = v\nk2 = v2" into sub entries (botocore's _parse_nested). */
static int parse_nested(struct awscfg_kv *kv)
{
	const char *s = kv->value + 1;

	while (*s) {
		const char *eol = strchr(s, '\n'), *eq;
		size_t n = eol ? (size_t)(eol - s) : strlen(s);
		struct awscfg_kv *sub;

		eq = memchr(s, '=', n);
		if (!eq)
			return -EINVAL;
		sub = realloc(kv->sub, (kv->nsub + 1) * sizeof(*sub));
		if (!sub)
			return -ENOMEM;
		kv->sub = sub;
		memset(&sub[kv->nsub], 0, sizeof(*sub));
		sub[kv->nsub].key = strndup_trim(s, (size_t)(eq - s));
		sub[kv->nsub].value = strndup_trim(eq + 1, (size_t)(s + n - eq - 1));
		kv->nsub++;
		if (!sub[kv->nsub - 1].key || !sub[kv->nsub - 1].value)
			return -ENOMEM;
		s += n + (eol ? 1 : 0);
	}
	return 0;
}

static struct awscfg_section *secvec_find(const struct secvec *v,
					  const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i]->name, name) == 0)
			return v->v[i];
	return NULL;
}

static int secvec_add(struct secvec *v, struct awscfg_section *s)
{
	struct awscfg_section **nv = realloc(v->v, (v->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	v->v = nv;
	v->v[v->n++] = s;
	return 0;
}

/* Hand rs's entries over to a new section named name, replacing any
 * section of that name (a later [profile x] wins as in a Python dict). */
static int install_section(struct secvec *v, struct rawsec *rs, char *name)
{
	struct awscfg_section *s = calloc(1, sizeof(*s)), *old;

	if (!s) {
		free(name);
		return -ENOMEM;
	}
	s->name = name;
	s->kv = rs->kv;
	s->nkv = rs->nkv;
	s->in_config = 1;
	rs->kv = NULL;
	rs->nkv = 0;
	old = secvec_find(v, name);
	if (old) {
		for (size_t i = 0; i < v->n; i++)
			if (v->v[i] == old)
				v->v[i] = s;
		section_free(old);
		return 0;
	}
	if (secvec_add(v, s) < 0) {
		section_free(s);
		return -ENOMEM;
	}
	return 0;
}

/* The credentials file's keys win over the config file's. */
static int merge_credentials(struct awscfg *cfg, struct rawsec *rs)
{
	struct awscfg_section *s = secvec_find(&cfg->profiles, rs->name);

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s || !(s->name = strdup(rs->name)) ||
		    secvec_add(&cfg->profiles, s) < 0) {
			section_free(s);
			return -ENOMEM;
		}
	}
	s->in_credentials = 1;
	for (size_t i = 0; i < rs->nkv; i++) {
		struct awscfg_kv *kv = NULL;

		for (size_t j = 0; j < s->nkv; j++)
			if (strcmp(s->kv[j].key, rs->kv[i].key) == 0)
				kv = &s->kv[j];
		if (kv) {
			free(kv->key);
			wipe_str(kv->value);
			kv_free(kv->sub, kv->nsub);
		} else {
			kv = realloc(s->kv, (s->nkv + 1) * sizeof(*kv));
			if (!kv)
				return -ENOMEM;
			s->kv = kv;
			kv = &s->kv[s->nkv++];
		}
		*kv = rs->kv[i];
		kv->from_credentials = 1;
		memset(&rs->kv[i], 0, sizeof(rs->kv[i]));
	}
	return 0;
}

/* [profile x], [sso-session x], [services x]: shlex-split, two words. */
static char *section_suffix(const char *name, const char *prefix)
{
	char **argv;
	int argc;
	char *r = NULL;

	if (strncmp(name, prefix, strlen(prefix)) != 0)
		return NULL;
	if (awscfg_shlex_split(name, &argv, &argc) < 0)
		return NULL;
	if (argc == 2 && strcmp(argv[0], prefix) == 0)
		r = strdup(argv[1]);
	awscfg_argv_free(argv);
	return r;
}

static int install_config(struct awscfg *cfg, struct rawsec *rs)
{
	char *n;

	if (strcmp(rs->name, "default") == 0)
		return install_section(&cfg->profiles, rs, strdup("default")) ;
	if ((n = section_suffix(rs->name, "profile")))
		return install_section(&cfg->profiles, rs, n);
	if ((n = section_suffix(rs->name, "sso-session")))
		return install_section(&cfg->sso, rs, n);
	if ((n = section_suffix(rs->name, "services")))
		return install_section(&cfg->services, rs, n);
	return 0;
}

static void pctx_free(struct pctx *p)
{
	for (size_t i = 0; i < p->nvals; i++)
		wipe_str(p->vals[i]);
	free(p->vals);
	for (size_t i = 0; i < p->nsec; i++) {
		free(p->secs[i].name);
		kv_free(p->secs[i].kv, p->secs[i].nkv);
		free(p->secs[i].kv_line);
	}
	free(p->secs);
}

int awscfg_parse_string(struct awscfg *cfg, const char *text,
			const char *fname, int is_credentials,
			char *err, size_t errlen)
{
	struct pctx p = { .text = text, .len = strlen(text), .fname = fname,
			  .cur = -1, .last_key = -1 };
	int rc, ret = 0;

	rc = ini_parse_stream(cfg_reader, &p, cfg_handler, &p);
	if (p.oom) {
		snprintf(err, errlen, "cannot parse %s: out of memory", fname);
		ret = -ENOMEM;
		goto out;
	}
	if (rc != 0 || p.err_line) {
		int line = p.err_line ? p.err_line : rc;

		snprintf(err, errlen, "cannot parse %s line %d: %s", fname,
			 line, p.err_line ? p.msg : "syntax error");
		ret = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < p.nsec; i++) {
		struct rawsec *rs = &p.secs[i];

		for (size_t j = 0; j < rs->nkv; j++) {
			if (rs->kv[j].value[0] != '\n')
				continue;
			ret = parse_nested(&rs->kv[j]);
			if (ret == -EINVAL) {
				snprintf(err, errlen, "cannot parse %s line %d: "
					 "sub-section '%s' needs 'key = value' lines",
					 fname, rs->kv_line[j], rs->kv[j].key);
				goto out;
			}
			if (ret < 0)
				goto oom;
		}
	}
	for (size_t i = 0; i < p.nsec; i++) {
		ret = is_credentials ? merge_credentials(cfg, &p.secs[i]) :
			install_config(cfg, &p.secs[i]);
		if (ret < 0)
			goto oom;
	}
	goto out;
oom:
	snprintf(err, errlen, "cannot parse %s: out of memory", fname);
	ret = -ENOMEM;
out:
	pctx_free(&p);
	return ret;
}

static const char *env_get(awscfg_getenv_fn fn, const char *name)
{
	return fn ? fn(name) : getenv(name);
}

const char *awscfg_home(awscfg_getenv_fn getenv_fn)
{
	const char *h = env_get(getenv_fn, "HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw ? pw->pw_dir : "/";
}

/* AWS_CONFIG_FILE etc. may start with "~/" (os.path.expanduser). */
static char *config_path(awscfg_getenv_fn fn, const char *env,
			 const char *dflt)
{
	const char *v = env_get(fn, env);
	char *r;

	if (v && *v && !(v[0] == '~' && (v[1] == '/' || !v[1])))
		return strdup(v);
	if (v && *v) {
		if (asprintf(&r, "%s%s", awscfg_home(fn), v + 1) < 0)
			return NULL;
		return r;
	}
	if (asprintf(&r, "%s/%s", awscfg_home(fn), dflt) < 0)
		return NULL;
	return r;
}

/* Who else can change the file: what ssh refuses in ~/.ssh/config (a
 * file writable by the group or by every user, or owned by someone other
 * than the user or root), said as a warning, remembered in cfg.  The
 * file's credentials and commands are still used: credchain.c refuses a
 * credential_process from a file every user can write. */
static void check_file_safety(struct awscfg *cfg, FILE *f, const char *path,
			      int is_cred)
{
	struct stat st;
	int m = 0;

	cfg->path[is_cred] = strdup(path);
	if (fstat(fileno(f), &st))
		return;
	if (st.st_mode & S_IWGRP)
		m |= AWSCFG_GROUP_WRITABLE;
	if (st.st_mode & S_IWOTH)
		m |= AWSCFG_WORLD_WRITABLE;
	if (st.st_uid != getuid() && st.st_uid != 0)
		m |= AWSCFG_OTHER_OWNER;
	cfg->unsafe[is_cred] = m;
	if (m & (AWSCFG_GROUP_WRITABLE | AWSCFG_WORLD_WRITABLE))
		olog(LOG_WARNING, "%s is writable by %s (mode %04o): whoever "
		     "can write it chooses the credentials orgfs uses (ssh "
		     "refuses such a file); run chmod go-w %s", path,
		     m & AWSCFG_WORLD_WRITABLE ? "every user" : "its group",
		     (unsigned)(st.st_mode & 07777), path);
	if (m & AWSCFG_OTHER_OWNER)
		olog(LOG_WARNING, "%s is owned by uid %u, not by you (uid %u) "
		     "nor root: its owner chooses the credentials orgfs uses "
		     "(ssh refuses such a file)", path, (unsigned)st.st_uid,
		     (unsigned)getuid());
}

const char *awscfg_file_of(const struct awscfg *cfg,
			   const struct awscfg_kv *kv, int *unsafe)
{
	int i = kv && kv->from_credentials;

	*unsafe = cfg ? cfg->unsafe[i] : 0;
	return cfg && cfg->path[i] ? cfg->path[i] : "";
}

static int load_file(struct awscfg *cfg, const char *path, int is_cred,
		     char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct buf b;
	char chunk[4096];
	size_t n;
	int ret = 0;

	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return ret;
	}
	check_file_safety(cfg, f, path, is_cred);
	buf_init(&b, CFG_MAX_FILE);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n) < 0) {
			snprintf(err, errlen, "cannot read %s: file too large",
				 path);
			ret = -EFBIG;
			goto out;
		}
	}
	if (ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "cannot read %s: read error", path);
		goto out;
	}
	if (memchr(buf_str(&b), '\0', b.len)) {
		ret = -EINVAL;
		snprintf(err, errlen, "cannot parse %s: contains a NUL byte",
			 path);
		goto out;
	}
	ret = awscfg_parse_string(cfg, buf_str(&b), path, is_cred, err, errlen);
out:
	OPENSSL_cleanse(chunk, sizeof(chunk));
	buf_wipe(&b);
	fclose(f);
	return ret;
}

int awscfg_load(awscfg_getenv_fn getenv_fn, struct awscfg **out,
		char *err, size_t errlen)
{
	struct awscfg *cfg = awscfg_new();
	char *cpath = config_path(getenv_fn, "AWS_CONFIG_FILE", ".aws/config");
	char *kpath = config_path(getenv_fn, "AWS_SHARED_CREDENTIALS_FILE",
				  ".aws/credentials");
	int ret = -ENOMEM;

	if (!cfg || !cpath || !kpath) {
		snprintf(err, errlen, "cannot load the AWS configuration: "
			 "out of memory");
		goto fail;
	}
	ret = load_file(cfg, cpath, 0, err, errlen);
	if (ret == 0)
		ret = load_file(cfg, kpath, 1, err, errlen);
	if (ret < 0)
		goto fail;
	free(cpath);
	free(kpath);
	*out = cfg;
	return 0;
fail:
	free(cpath);
	free(kpath);
	awscfg_free(cfg);
	return ret;
}

const struct awscfg_section *awscfg_profile(const struct awscfg *cfg,
					    const char *name)
{
	return cfg && name ? secvec_find(&cfg->profiles, name) : NULL;
}

const struct awscfg_section *awscfg_sso_session(const struct awscfg *cfg,
						const char *name)
{
	return cfg && name ? secvec_find(&cfg->sso, name) : NULL;
}

const struct awscfg_section *awscfg_services(const struct awscfg *cfg,
					     const char *name)
{
	return cfg && name ? secvec_find(&cfg->services, name) : NULL;
}

const struct awscfg_kv *awscfg_get_kv(const struct awscfg_section *s,
				      const char *key)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->nkv; i++)
		if (strcasecmp(s->kv[i].key, key) == 0)
			return &s->kv[i];
	return NULL;
}

const char *awscfg_get(const struct awscfg_section *s, const char *key)
{
	const struct awscfg_kv *kv = awscfg_get_kv(s, key);

	return kv ? kv->value : NULL;
}

const char *awscfg_get_sub(const struct awscfg_section *s, const char *key,
			   const char *subkey)
{
	const struct awscfg_kv *kv = awscfg_get_kv(s, key);

	if (!kv)
		return NULL;
	for (size_t i = 0; i < kv->nsub; i++)
		if (strcmp(kv->sub[i].key, subkey) == 0)
			return kv->sub[i].value;
	return NULL;
}

const char *awscfg_profile_name(const char *explicit_profile,
				awscfg_getenv_fn getenv_fn, int *from)
{
	const char *v;

	if (explicit_profile && *explicit_profile) {
		*from = AWSCFG_PROFILE_EXPLICIT;
		return explicit_profile;
	}
	v = env_get(getenv_fn, "AWS_PROFILE");
	if (!v || !*v)
		v = env_get(getenv_fn, "AWS_DEFAULT_PROFILE");
	if (v && *v) {
		*from = AWSCFG_PROFILE_ENV;
		return v;
	}
	*from = AWSCFG_PROFILE_DEFAULT;
	return "default";
}

const char *awscfg_region(const struct awscfg *cfg, const char *profile,
			  const char *override, awscfg_getenv_fn getenv_fn)
{
	const char *v;

	if (override && *override)
		return override;
	v = env_get(getenv_fn, "AWS_REGION");
	if (!v || !*v)
		v = env_get(getenv_fn, "AWS_DEFAULT_REGION");
	if (v && *v)
		return v;
	v = awscfg_get(awscfg_profile(cfg, profile), "region");
	return v && *v ? v : NULL;
}

void awscfg_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

int awscfg_shlex_split(const char *s, char ***argvp, int *argcp)
{
	char **argv = NULL;
	int argc = 0, in_word = 0, ret = -EINVAL;
	struct buf w;
	char q = 0;

	buf_init(&w, 1 << 20);
	for (;; s++) {
		char c = *s;

		if (q == '\'') {
			if (!c)
				goto fail;
			if (c == '\'')
				q = 0;
			else if (buf_putc(&w, c))
				goto oom;
			continue;
		}
		if (q == '"') {
			if (!c)
				goto fail;
			if (c == '"') {
				q = 0;
			} else if (c == '\\' && (s[1] == '"' || s[1] == '\\')) {
				if (buf_putc(&w, *++s))
					goto oom;
			} else if (buf_putc(&w, c)) {
				goto oom;
			}
			continue;
		}
		if (!c || isspace((unsigned char)c)) {
			if (in_word) {
				char **nv = realloc(argv, (argc + 2) * sizeof(*nv));
				char *word = buf_steal(&w);

				if (!nv || !word) {
					free(word);
					if (nv)
						argv = nv;
					goto oom;
				}
				argv = nv;
				argv[argc++] = word;
				argv[argc] = NULL;
				in_word = 0;
			}
			if (!c)
				break;
			continue;
		}
		in_word = 1;
		if (c == '\'' || c == '"') {
			q = c;
		} else if (c == '\\') {
			if (!s[1])
				goto fail;
			if (buf_putc(&w, *++s))
				goto oom;
		} else if (buf_putc(&w, c)) {
			goto oom;
		}
	}
	buf_free(&w);
	if (!argc) {
		free(argv);
		return -EINVAL;
	}
	*argvp = argv;
	*argcp = argc;
	return 0;
oom:
	ret = -ENOMEM;
fail:
	buf_free(&w);
	if (argv)
		argv[argc] = NULL;
	awscfg_argv_free(argv);
	return ret;
}
