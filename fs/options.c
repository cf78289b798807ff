/* options.c - orgfs's options: one table row each, which gives its
 * spellings, its check, its default and its .orgfs/config line; usage()
 *
 * Rows are checked in table order, so the first bad option in that order
 * is the one reported.  The .orgfs/config text shows them block by block
 * (enum block), in table order within a block.
 *
 * A new option is a row in opts[] (a field in struct options if it needs
 * one) and its lines in options_usage().  A new kind of data with a TTL
 * of its own is a TTL() row; rate limits of a new service a RATE() row
 * and a rate_defaults[] entry.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fuse_lowlevel.h>
#include <fuse_opt.h>

#include "config.h"
#include "credchain.h"
#include "endpoint.h"
#include "fs.h"
#include "log.h"
#include "options.h"
#include "owner.h"
#include "rules.h"
#include "ruleset.h"

/* struct opt .flags */
enum {
	O_FLAG = 1,             /* takes no value: sets the int at .off */
	O_LONG = 2,             /* also spelled --name (--name VALUE too) */
	O_OPTVAL = 4,           /* the value may be left out (--demo) */
	O_LIST = 8,             /* a comma-separated list (-o regions=a,b) */
	O_DEMO = 16,            /* read only when the demo is the source */
	O_AWS = 32,             /* read only when AWS is the source; given
				   with the other source: checked, then
				   refused */
};

/* Where a row's .orgfs/config line goes, in this order */
enum block {
	B_NONE,
	B_DEMO,                 /* after "source demo" */
	B_AWS,                  /* after "source aws" */
	B_TTL,
	B_OWNERS,
	B_RESOURCES,
	B_RESOURCES_TTL,        /* ttl_resources: checked with the other
				   TTLs, shown after regions */
	B_CACHE,
};

/* How set_num keeps a number, and show_num shows it */
enum unit {
	U_UINT,                 /* an unsigned */
	U_INT,
	U_SECS,                 /* seconds, kept in milliseconds (uint64_t) */
	U_TTL,                  /* the same, into org.ttl_ms[] of .kinds */
	U_RATE,                 /* requests per second to a service, bursts
				   of twice that (struct aws_rate_limit) */
};

struct opt;
typedef int opt_set_fn(const struct opt *d, const char *val,
		       struct options *o, struct orgfs *fs);
typedef void opt_show_fn(const struct opt *d, const struct options *o,
			 struct orgfs *fs, const struct mountsrc *ms);

/* One option */
struct opt {
	const char *name;       /* -o name=VALUE, or -o name for a flag */
	unsigned flags;         /* O_* */
	const char *what;       /* its name in messages; NULL: name */
	/* checks val (as given, else .def, else NULL) and applies it;
	 * prints one line and returns -1 when it is not valid.  NULL for
	 * a flag. */
	opt_set_fn *set;
	unsigned long long min, max;    /* the range of a number */
	enum unit unit;         /* set_num: how it is kept */
	const char *def;        /* the value when not given, or NULL */
	size_t off;             /* the field set, in struct options */
	unsigned kinds;         /* U_TTL: the kinds of data (1 << ORG_*) */
	enum block block;
	const char *key;        /* its .orgfs/config key; NULL: name */
	opt_show_fn *show;      /* writes that line; NULL: none */
	const char *unset;      /* show_str: shown when not given */
	size_t resolved;        /* show_resolved: in struct mountsrc */
};

#define FIELD(o, d, type) ((type *)((char *)(o) + (d)->off))
#define K(kind) (1u << (kind))
#define ALL_KINDS ((1u << ORG_NKINDS) - 1)
#define STR_(x) #x
#define STR(x) STR_(x)
#define YEAR 31536000           /* seconds: the longest TTL or timeout */

_Static_assert(ORG_NKINDS < 32, "kinds are bits of an unsigned");

static const struct {
	const char *name;
	int level;
} levels[] = {
	{ "error", LOG_ERR }, { "warning", LOG_WARNING },
	{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
};

/* Parse a whole number within [min, max]; "what" names the option. */
static int parse_num(const char *what, const char *s, unsigned long long min,
		     unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "orgfs: invalid %s '%s': expected a whole number "
		"from %llu to %llu\n", what, s ? s : "", min, max);
	return -EINVAL;
}

/* "512M", "1G", "1048576" */
static int parse_size(const char *what, const char *s, size_t *out)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!s || !*s || *s == '-')
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		goto bad;
	switch (*end) {
	case 'k': case 'K': mul = 1ULL << 10; end++; break;
	case 'm': case 'M': mul = 1ULL << 20; end++; break;
	case 'g': case 'G': mul = 1ULL << 30; end++; break;
	case '\0': break;
	default: goto bad;
	}
	if (*end || v > (1ULL << 50) / mul || v * mul < (1ULL << 20))
		goto bad;
	*out = (size_t)(v * mul);
	return 0;
bad:
	fprintf(stderr, "orgfs: invalid %s '%s': expected a size of at least "
		"1M, such as 512M or 2G\n", what, s ? s : "");
	return -EINVAL;
}

static int parse_level(const char *s, int *out)
{
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(s, levels[i].name)) {
			*out = levels[i].level;
			return 0;
		}
	fprintf(stderr, "orgfs: invalid log_level '%s': expected error, "
		"warning, info or debug\n", s);
	return -EINVAL;
}

/* "us-east-1,eu-west-1" into fs->regions. */
static int parse_regions(const char *spec, struct orgfs *fs)
{
	char *copy, *rest, *r;
	int res = 0;

	if (!strcmp(spec, "all")) {
		/* each account's enabled regions; a list given too is an
		 * error, not a union */
		if (fs->nregions) {
			fprintf(stderr, "orgfs: invalid regions '%s': 'all' "
				"or a list of regions, not both\n", spec);
			return -EINVAL;
		}
		fs->regions_all = 1;
		return 0;
	}
	if (fs->regions_all) {
		fprintf(stderr, "orgfs: invalid regions '%s': regions=all was "
			"given too: 'all' or a list of regions, not both\n",
			spec);
		return -EINVAL;
	}
	copy = strdup(spec);
	rest = copy;
	if (!copy)
		return -ENOMEM;
	while (!res && (r = strsep(&rest, ","))) {
		const char *p;
		char **v;

		for (p = r; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9') || *p == '-'))
				break;
		if (!*r) {
			fprintf(stderr, "orgfs: invalid regions '%s': an empty "
				"region name (regions are separated by one "
				"comma)\n", spec);
			res = -EINVAL;
			break;
		}
		if (!strcmp(r, "all")) {
			fprintf(stderr, "orgfs: invalid regions '%s': 'all' "
				"stands alone (regions=all), not in a list\n",
				spec);
			res = -EINVAL;
			break;
		}
		if (*p || strlen(r) > 32) {
			fprintf(stderr, "orgfs: invalid regions '%s': '%s' is "
				"not a region name\n", spec, r);
			res = -EINVAL;
			break;
		}
		v = realloc(fs->regions, (fs->nregions + 1) * sizeof(*v));
		if (!v || !(v[fs->nregions] = strdup(r))) {
			if (v)
				fs->regions = v;
			res = -ENOMEM;
			break;
		}
		fs->regions = v;
		fs->nregions++;
	}
	if (!res && !fs->nregions) {
		fprintf(stderr, "orgfs: invalid regions '%s': no region\n",
			spec);
		res = -EINVAL;
	}
	free(copy);
	return res;
}

/* ---- checking and applying one value (struct opt .set) ---- */

/* A whole number in the row's range, stored as its .unit says */
static int set_num(const struct opt *d, const char *val, struct options *o,
		   struct orgfs *fs)
{
	struct aws_rate_limit *r = FIELD(o, d, struct aws_rate_limit);
	unsigned long long v;
	int k;

	(void)fs;
	if (!val)
		return 0;
	if (parse_num(d->what ? d->what : d->name, val, d->min, d->max, &v))
		return -1;
	switch (d->unit) {
	case U_UINT:
		*FIELD(o, d, unsigned) = (unsigned)v;
		break;
	case U_INT:
		*FIELD(o, d, int) = (int)v;
		break;
	case U_SECS:
		*FIELD(o, d, uint64_t) = v * 1000;
		break;
	case U_TTL:
		for (k = 0; k < ORG_NKINDS; k++)
			if (d->kinds & K(k))
				o->org.ttl_ms[k] = v * 1000;
		break;
	case U_RATE:
		r->rate = (double)v;
		r->burst = 2.0 * (double)v;
		break;
	}
	return 0;
}

/* -o rate_*=auto (adaptive, no ceiling) or a number (set_num) */
static int set_rate(const struct opt *d, const char *val, struct options *o,
		    struct orgfs *fs)
{
	struct aws_rate_limit *r = FIELD(o, d, struct aws_rate_limit);

	if (val && !strcmp(val, "auto")) {
		r->rate = AWS_RATE_AUTO;
		r->burst = 0;
		return 0;
	}
	if (val && (!*val || strspn(val, "0123456789") != strlen(val) ||
		    strlen(val) > 5 || strtoul(val, NULL, 10) > d->max)) {
		fprintf(stderr, "orgfs: invalid %s '%s': expected auto or a "
			"whole number of requests per second from %llu to "
			"%llu\n", d->name, val, (unsigned long long)d->min,
			(unsigned long long)d->max);
		return -EINVAL;
	}
	return set_num(d, val, o, fs);
}

static int set_size(const struct opt *d, const char *val, struct options *o,
		    struct orgfs *fs)
{
	(void)fs;
	return val && parse_size(d->name, val, FIELD(o, d, size_t)) ? -1 : 0;
}

/* a string that the source checks, or none does */
static int set_str(const struct opt *d, const char *val, struct options *o,
		   struct orgfs *fs)
{
	(void)fs;
	*FIELD(o, d, const char *) = val;
	return 0;
}

/* -o sso_instance: the delegated administrator's account (12 digits) or
 * the instance's ARN */
static int set_sso_instance(const struct opt *d, const char *val,
			    struct options *o, struct orgfs *fs)
{
	set_str(d, val, o, fs);
	if (!val)
		return 0;
	if (strlen(val) == 12 && strspn(val, "0123456789") == 12)
		return 0;
	if (!strncmp(val, "arn:aws", 7) && strstr(val, ":instance/ssoins-") &&
	    !strchr(val, '\n'))
		return 0;
	fprintf(stderr, "orgfs: invalid sso_instance '%s': give the IAM "
		"Identity Center instance's ARN (arn:aws:sso:::instance/"
		"ssoins-...) or the 12-digit account of its delegated "
		"administrator\n", val);
	return -1;
}

/* -o max_attempts or -o retry_mode, or when not given the environment
 * variable, checked before any call so that a typo never waits */
static int set_retry(const struct opt *d, const char *val, struct options *o,
		     struct orgfs *fs)
{
	int attempts = !strcmp(d->name, "max_attempts");
	enum aws_retry_mode mode;
	const char *name;
	int n;

	set_str(d, val, o, fs);
	return mountsrc_parse_retry(attempts ? val : "3",
				    attempts ? "standard" : val,
				    &n, &mode, &name) ? -1 : 0;
}

/* -o endpoint: a URL, checked whatever the source */
static int set_endpoint(const struct opt *d, const char *val,
			struct options *o, struct orgfs *fs)
{
	char msg[512];

	set_str(d, val, o, fs);
	if (val && endpoint_check_url(val, msg, sizeof(msg))) {
		fprintf(stderr, "orgfs: %s\n", msg);
		return -1;
	}
	return 0;
}

static int set_level(const struct opt *d, const char *val, struct options *o,
		     struct orgfs *fs)
{
	(void)d;
	(void)fs;
	if (parse_level(val, &o->log_level))
		return -1;
	if (o->debug)
		o->log_level = LOG_DEBUG;
	log_set_level(o->log_level);
	return 0;
}

static int set_kernel_timeout(const struct opt *d, const char *val,
			      struct options *o, struct orgfs *fs)
{
	unsigned long long v;

	(void)o;
	fs->kernel_timeout = -1;
	if (!val)
		return 0;
	if (parse_num(d->name, val, d->min, d->max, &v))
		return -1;
	fs->kernel_timeout = (double)v;
	return 0;
}

static int set_resources(const struct opt *d, const char *val,
			 struct options *o, struct orgfs *fs)
{
	(void)d;
	(void)fs;
	if (strcmp(val, "on") && strcmp(val, "off")) {
		fprintf(stderr, "orgfs: invalid resources '%s': expected "
			"on or off\n", val);
		return -1;
	}
	o->resources = !strcmp(val, "on");
	return 0;
}

static int set_regions(const struct opt *d, const char *val,
		       struct options *o, struct orgfs *fs)
{
	(void)d;
	(void)o;
	return val && parse_regions(val, fs) ? -1 : 0;
}

/* -o uid=N|NAME, -o gid=N|NAME: the owner every node shows (default:
 * whoever mounts) */
static int set_id(const struct opt *d, const char *val, struct options *o,
		  struct orgfs *fs)
{
	int is_uid = !strcmp(d->name, "uid");
	unsigned long long v;
	char *end;

	(void)o;
	if (!val) {
		if (is_uid)
			fs->uid = getuid();
		else
			fs->gid = getgid();
		return 0;
	}
	errno = 0;
	v = strtoull(val, &end, 10);
	if (*val >= '0' && *val <= '9' && !*end) {
		if (errno || v >= (unsigned long long)(uid_t)-1) {
			fprintf(stderr, "orgfs: invalid %s '%s': out of range\n",
				d->name, val);
			return -1;
		}
	} else if (is_uid) {
		struct passwd *pw = *val ? getpwnam(val) : NULL;

		if (!pw) {
			fprintf(stderr, "orgfs: invalid uid '%s': no such user "
				"(a user name or number)\n", val);
			return -1;
		}
		v = pw->pw_uid;
	} else {
		struct group *gr = *val ? getgrnam(val) : NULL;

		if (!gr) {
			fprintf(stderr, "orgfs: invalid gid '%s': no such group "
				"(a group name or number)\n", val);
			return -1;
		}
		v = gr->gr_gid;
	}
	if (is_uid)
		fs->uid = (uid_t)v;
	else
		fs->gid = (gid_t)v;
	return 0;
}

/* -o umask=OCTAL (both), dmask= (directories), fmask= (files): permission
 * bits taken away from r-x for directories and r-- for files; umask's
 * row comes first, so dmask and fmask refine it */
static int set_mask(const struct opt *d, const char *val, struct options *o,
		    struct orgfs *fs)
{
	unsigned long v;
	char *end;

	(void)o;
	if (!strcmp(d->name, "umask")) {
		fs->dir_perm = 0555;
		fs->file_perm = 0444;
	}
	if (!val)
		return 0;
	errno = 0;
	v = strtoul(val, &end, 8);
	if (!*val || *end || errno || v > 0777 || strspn(val, "01234567") !=
	    strlen(val)) {
		fprintf(stderr, "orgfs: invalid %s '%s': expected an octal "
			"mask from 0 to 0777, such as 027\n", d->name, val);
		return -1;
	}
	if (d->name[0] != 'f')
		fs->dir_perm = 0555 & ~(mode_t)v;
	if (d->name[0] != 'd')
		fs->file_perm = 0444 & ~(mode_t)v;
	return 0;
}

/* -o log=FILE|syslog|stderr: opened now, used from the mount on */
static int set_log(const struct opt *d, const char *val, struct options *o,
		   struct orgfs *fs)
{
	char msg[512];

	(void)d;
	(void)o;
	(void)fs;
	if (val && log_set_destination(val, msg, sizeof(msg))) {
		fprintf(stderr, "orgfs: %s\n", msg);
		return -1;
	}
	return 0;
}

/* What lib/owner.c and lib/rules.c print ends up on one line */
static int loaded(int res, const char *msg)
{
	if (res)
		fprintf(stderr, "orgfs: %s\n", msg);
	return res ? -1 : 0;
}

static int set_owner_tags(const struct opt *d, const char *val,
			  struct options *o, struct orgfs *fs)
{
	char msg[512];

	(void)d;
	return loaded(owner_config_parse(val, o->owner_tags_nocase,
					 &fs->owners, msg, sizeof(msg)), msg);
}

static int set_owners_file(const struct opt *d, const char *val,
			   struct options *o, struct orgfs *fs)
{
	char msg[512];

	(void)d;
	(void)o;
	if (val && ruleset_set_paths(fs, NULL, val))
		return -1;
	return val ? loaded(owner_list_load(val, &fs->known_owners, msg,
					    sizeof(msg)), msg) : 0;
}

static int set_owner_groups(const struct opt *d, const char *val,
			    struct options *o, struct orgfs *fs)
{
	char msg[512];

	(void)d;
	(void)o;
	return val ? loaded(owner_groups_load(val, &fs->owner_groups, msg,
					      sizeof(msg)), msg) : 0;
}

static int set_rules(const struct opt *d, const char *val, struct options *o,
		     struct orgfs *fs)
{
	char msg[512];

	(void)d;
	(void)o;
	if (val && ruleset_set_paths(fs, val, NULL))
		return -1;
	return val ? loaded(rules_load(val, fs->known_owners, &fs->rules, msg,
				       sizeof(msg)), msg) : 0;
}

/* ---- .orgfs/config lines (struct opt .show) ---- */

void options_config_line(struct orgfs *fs, const char *key, const char *fmt,
			 ...)
{
	va_list ap;

	buf_printf(&fs->config_text, "%s\t", key);
	va_start(ap, fmt);
	buf_vprintf(&fs->config_text, fmt, ap);
	va_end(ap);
	buf_putc(&fs->config_text, '\n');
}

#define LINE(d, ...) \
	options_config_line(fs, (d)->key ? (d)->key : (d)->name, __VA_ARGS__)

static const char *given_of(const struct options *o, const struct opt *d);

/* a number as its .unit keeps it, in the option's units */
static void show_num(const struct opt *d, const struct options *o,
		     struct orgfs *fs, const struct mountsrc *ms)
{
	(void)ms;
	switch (d->unit) {
	case U_UINT:
		LINE(d, "%u", *FIELD(o, d, const unsigned));
		break;
	case U_INT:
		LINE(d, "%d", *FIELD(o, d, const int));
		break;
	case U_SECS:
		LINE(d, "%llu", (unsigned long long)
		     (*FIELD(o, d, const uint64_t) / 1000));
		break;
	case U_TTL:     /* that of the first of its kinds */
		LINE(d, "%llu", (unsigned long long)
		     (o->org.ttl_ms[__builtin_ctz(d->kinds)] / 1000));
		break;
	case U_RATE:
		if (FIELD(o, d, const struct aws_rate_limit)->rate < 0)
			LINE(d, "%s", "auto");
		else
			LINE(d, "%g",
			     FIELD(o, d, const struct aws_rate_limit)->rate);
		break;
	}
}

static void show_size(const struct opt *d, const struct options *o,
		      struct orgfs *fs, const struct mountsrc *ms)
{
	(void)ms;
	LINE(d, "%zu", *FIELD(o, d, const size_t));
}

/* the value as given, or .unset */
static void show_str(const struct opt *d, const struct options *o,
		     struct orgfs *fs, const struct mountsrc *ms)
{
	const char *v = given_of(o, d);

	(void)ms;
	LINE(d, "%s", v ? v : d->unset);
}

/* a secret: whether it was given */
static void show_secret(const struct opt *d, const struct options *o,
			struct orgfs *fs, const struct mountsrc *ms)
{
	(void)ms;
	LINE(d, "%s", given_of(o, d) ? "(set)" : "(none)");
}

static void show_on(const struct opt *d, const struct options *o,
		    struct orgfs *fs, const struct mountsrc *ms)
{
	(void)ms;
	LINE(d, "%s", *FIELD(o, d, const int) ? "on" : "off");
}

static void show_yes(const struct opt *d, const struct options *o,
		     struct orgfs *fs, const struct mountsrc *ms)
{
	(void)ms;
	LINE(d, "%s", *FIELD(o, d, const int) ? "yes" : "no");
}

/* -o insecure as tls_verify */
static void show_no(const struct opt *d, const struct options *o,
		    struct orgfs *fs, const struct mountsrc *ms)
{
	(void)ms;
	LINE(d, "%s", *FIELD(o, d, const int) ? "no" : "yes");
}

static void show_list(const struct opt *d, struct orgfs *fs, char **v,
		      size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b, 4096);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", v[i]);
	LINE(d, "%s", buf_str(&b));
	buf_free(&b);
}

static void show_owner_tags(const struct opt *d, const struct options *o,
			    struct orgfs *fs, const struct mountsrc *ms)
{
	(void)o;
	(void)ms;
	show_list(d, fs, fs->owners.keys, fs->owners.nkeys);
}

static void show_regions(const struct opt *d, const struct options *o,
			 struct orgfs *fs, const struct mountsrc *ms)
{
	(void)o;
	(void)ms;
	if (fs->regions_all)
		LINE(d, "all");
	else
		show_list(d, fs, fs->regions, fs->nregions);
}

static void show_kernel_timeout(const struct opt *d, const struct options *o,
				struct orgfs *fs, const struct mountsrc *ms)
{
	(void)o;
	(void)ms;
	if (fs->kernel_timeout >= 0)
		LINE(d, "%.0f", fs->kernel_timeout);
	else
		LINE(d, "ttl");
}

static void show_level(const struct opt *d, const struct options *o,
		       struct orgfs *fs, const struct mountsrc *ms)
{
	const char *name = "warning";
	size_t i;

	(void)ms;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (levels[i].level == o->log_level)
			name = levels[i].name;
	LINE(d, "%s", name);
}

static void show_id(const struct opt *d, const struct options *o,
		    struct orgfs *fs, const struct mountsrc *ms)
{
	(void)o;
	(void)ms;
	LINE(d, "%u", d->name[0] == 'u' ? (unsigned)fs->uid :
	     (unsigned)fs->gid);
}

/* the log file by its whole name, or what was given */
static void show_log(const struct opt *d, const struct options *o,
		     struct orgfs *fs, const struct mountsrc *ms)
{
	if (log_file())
		LINE(d, "%s", log_file());
	else
		show_str(d, o, fs, ms);
}

/* the modes umask, dmask and fmask leave */
static void show_modes(const struct opt *d, const struct options *o,
		       struct orgfs *fs, const struct mountsrc *ms)
{
	(void)d;
	(void)o;
	(void)ms;
	options_config_line(fs, "dir_mode", "%04o", (unsigned)fs->dir_perm);
	options_config_line(fs, "file_mode", "%04o", (unsigned)fs->file_perm);
}

/* what the AWS source resolved from the environment and the config
 * file: the string at .resolved in struct mountsrc */
static void show_resolved(const struct opt *d, const struct options *o,
			  struct orgfs *fs, const struct mountsrc *ms)
{
	(void)o;
	LINE(d, "%s", *(char *const *)((const char *)ms + d->resolved));
}

/* The profile read for settings; where the credentials come from
 * elsewhere (the default chain: environment variables first, a container
 * or instance metadata last), it says so rather than seem their source. */
static void show_profile(const struct opt *d, const struct options *o,
			 struct orgfs *fs, const struct mountsrc *ms)
{
	static const struct {
		const char *source, *said;
	} apart[] = {
		{ "environment", "environment variables" },
		{ "container", "the container" },
		{ "instance-metadata", "instance metadata" },
	};
	const char *src = ms->chain ? ms->chain->source : NULL;
	size_t i;

	(void)o;
	for (i = 0; src && i < sizeof(apart) / sizeof(*apart); i++)
		if (!strcmp(src, apart[i].source)) {
			LINE(d, "%s (settings only: credentials from %s)",
			     ms->profile, apart[i].said);
			return;
		}
	LINE(d, "%s", ms->profile);
}

static void show_attempts(const struct opt *d, const struct options *o,
			  struct orgfs *fs, const struct mountsrc *ms)
{
	(void)o;
	LINE(d, "%d", ms->max_attempts);
}

/* ---- the options ---- */

#define OFF(field) offsetof(struct options, field)
/* a whole number from lo to hi, kept as unit u */
#define NUM(u, lo, hi) .set = set_num, .unit = u, .min = lo, .max = hi, \
	.show = show_num
/* -o name=SECONDS: the cache lifetime of the kinds of data k */
#define TTL(n, k) { .name = n, NUM(U_TTL, 0, YEAR), .kinds = k, \
	.block = B_TTL }
/* -o name=N: requests per second to one service, rates[i] */
#define RATE(n, i) { .name = n, .flags = O_AWS, .set = set_rate, \
	.unit = U_RATE, .min = 0, .max = 10000, .show = show_num, \
	.off = OFF(rates[i]), .block = B_AWS }

static const struct opt opts[] = {
	/* the demo source */
	{ .name = "demo", .flags = O_LONG | O_OPTVAL | O_DEMO,
	  .what = "demo size",
	  NUM(U_UINT, DEMO_MIN_ACCOUNTS, DEMO_MAX_ACCOUNTS), .def = "50",
	  .off = OFF(demo_opts.naccounts), .block = B_DEMO,
	  .key = "demo_accounts" },
	{ .name = "seed", .flags = O_DEMO, NUM(U_UINT, 0, UINT32_MAX),
	  .def = "1", .off = OFF(demo_opts.seed), .block = B_DEMO,
	  .key = "demo_seed" },
	{ .name = "demo_resources", .flags = O_DEMO,
	  NUM(U_UINT, 1, DEMO_MAX_RESOURCES),
	  .def = STR(DEMO_DEFAULT_RESOURCES), .off = OFF(demo_opts.resources),
	  .block = B_DEMO },

	/* the cache */
	{ .name = "ttl", .set = set_num, .unit = U_TTL, .max = YEAR,
	  .def = "300", .kinds = ALL_KINDS },
	TTL("ttl_org", K(ORG_INFO)),
	TTL("ttl_accounts", K(ORG_ACCOUNTS)),
	TTL("ttl_ous", K(ORG_HIER) | K(ORG_PARENT)),
	/* the index of tags lives as long as the tags */
	TTL("ttl_tags", K(ORG_TAGS) | K(ORG_INDEX)),
	/* a policy's content and targets as long as the list, and the
	 * effective policies and the root's enabled types too */
	TTL("ttl_policies", K(ORG_POLICIES) | K(ORG_POLICY) | K(ORG_EFFPOL) |
	    K(ORG_ROOTS)),
	TTL("ttl_access", K(ORG_ACCESS) | K(ORG_MEMBERS) | K(ORG_PRINCIPAL) |
	    K(ORG_PSETS) | K(ORG_ACCOUNT_ACCESS) | K(ORG_ACCESS_DIGEST)),
	TTL("ttl_regions", K(ORG_REGIONS)),
	/* Config results and the aggregator's listing as long as resources */
	{ .name = "ttl_resources", NUM(U_TTL, 0, YEAR),
	  .kinds = K(ORG_RESOURCES) | K(ORG_CONFIG) | K(ORG_ORGRES),
	  .block = B_RESOURCES_TTL },
	{ .name = "error_ttl", NUM(U_SECS, 0, 3600), .def = "5",
	  .off = OFF(org.error_ttl_ms), .block = B_CACHE },
	{ .name = "max_stale", NUM(U_SECS, 0, YEAR), .def = "3600",
	  .off = OFF(org.max_stale_ms), .block = B_CACHE },
	{ .name = "cache_max", .set = set_size, .def = "1G",
	  .off = OFF(org.max_bytes), .block = B_CACHE, .show = show_size },
	{ .name = "concurrency", NUM(U_INT, 1, 256), .def = "8",
	  .off = OFF(org.workers), .block = B_CACHE },

	/* the AWS source (with the demo: checked, then refused) */
	{ .name = "profile", .flags = O_LONG | O_AWS, .set = set_str,
	  .off = OFF(aws.profile), .block = B_AWS, .show = show_profile },
	{ .name = "region", .flags = O_LONG | O_AWS, .set = set_str,
	  .off = OFF(aws.region), .block = B_AWS, .show = show_resolved,
	  .resolved = offsetof(struct mountsrc, region) },
	{ .name = "endpoint", .flags = O_LONG | O_AWS, .set = set_endpoint,
	  .off = OFF(aws.endpoint), .block = B_AWS, .show = show_str,
	  .unset = "(none)" },
	{ .name = "max_attempts", .flags = O_AWS, .set = set_retry,
	  .off = OFF(aws.max_attempts), .block = B_AWS,
	  .show = show_attempts },
	{ .name = "retry_mode", .flags = O_AWS, .set = set_retry,
	  .off = OFF(aws.retry_mode),
	  .block = B_AWS, .show = show_resolved,
	  .resolved = offsetof(struct mountsrc, retry_mode) },
	{ .name = "ca_bundle", .flags = O_AWS, .set = set_str,
	  .off = OFF(aws.ca_bundle) },
	{ .name = "insecure", .flags = O_FLAG | O_AWS, .off = OFF(aws.insecure),
	  .block = B_AWS, .key = "tls_verify", .show = show_no },
	RATE("rate_organizations", 0),
	RATE("rate_tagging", 1),
	RATE("rate_config", 2),
	RATE("rate_sts", 3),
	RATE("rate_resource_explorer", 4),
	RATE("rate_sso_admin", 5),
	RATE("rate_identitystore", 6),
	{ .name = "member_role", .flags = O_AWS, .set = set_str,
	  .off = OFF(aws.member_role), .block = B_AWS, .show = show_str,
	  .unset = "OrganizationAccountAccessRole" },
	{ .name = "external_id", .flags = O_AWS, .set = set_str,
	  .off = OFF(aws.external_id), .block = B_AWS, .show = show_secret },
	{ .name = "config_aggregator", .flags = O_AWS, .set = set_str,
	  .off = OFF(aws.config_aggregator) },
	{ .name = "config_aggregator_region", .flags = O_AWS, .set = set_str,
	  .off = OFF(aws.config_aggregator_region) },
	{ .name = "resource_explorer_view", .flags = O_AWS, .set = set_str,
	  .off = OFF(aws.resource_explorer_view) },
	{ .name = "sso_instance", .flags = O_AWS, .set = set_sso_instance,
	  .off = OFF(aws.sso_instance), .block = B_AWS, .show = show_str,
	  .unset = "(the first this account sees)" },
	{ .name = "sso_region", .flags = O_AWS, .set = set_str,
	  .off = OFF(aws.sso_region), .block = B_AWS, .show = show_str,
	  .unset = "(the region)" },

	/* the mount */
	{ .name = "lazy_sizes", .flags = O_FLAG, .off = OFF(lazy_sizes),
	  .block = B_CACHE, .show = show_on },
	{ .name = "listxattr", .flags = O_FLAG, .off = OFF(listxattr),
	  .block = B_CACHE, .show = show_on },
	/* the default since listxattr is; kept for mount lines of before */
	{ .name = "no_listxattr", .flags = O_FLAG, .off = OFF(no_listxattr) },
	{ .name = "kernel_timeout", .set = set_kernel_timeout, .max = YEAR,
	  .block = B_CACHE, .show = show_kernel_timeout },
	{ .name = "log_level", .set = set_level, .def = "warning",
	  .block = B_CACHE, .show = show_level },
	{ .name = "log", .set = set_log, .block = B_CACHE, .show = show_log,
	  .unset = "(syslog; stderr with -f)" },
	/* who may read: shown to default_permissions */
	{ .name = "uid", .set = set_id, .block = B_CACHE, .show = show_id },
	{ .name = "gid", .set = set_id, .block = B_CACHE, .show = show_id },
	{ .name = "umask", .set = set_mask, .block = B_CACHE,
	  .show = show_modes },
	{ .name = "dmask", .set = set_mask },
	{ .name = "fmask", .set = set_mask },
	{ .name = "prefetch", .flags = O_FLAG | O_LONG, .off = OFF(prefetch) },
	{ .name = "allow_core_dumps", .flags = O_FLAG,
	  .off = OFF(allow_core_dumps), .block = B_CACHE, .show = show_yes },

	/* ownership */
	{ .name = "owner_tags", .flags = O_LIST, .set = set_owner_tags,
	  .def = OWNER_TAGS_DEFAULT, .block = B_OWNERS,
	  .show = show_owner_tags },
	{ .name = "owner_tags_nocase", .flags = O_FLAG,
	  .off = OFF(owner_tags_nocase), .block = B_OWNERS, .show = show_yes },
	{ .name = "owners_file", .set = set_owners_file, .block = B_OWNERS,
	  .show = show_str, .unset = "(none)" },
	{ .name = "owner_groups", .set = set_owner_groups, .block = B_OWNERS,
	  .show = show_str, .unset = "(the group named like the owner)" },
	{ .name = "rules", .set = set_rules, .block = B_OWNERS,
	  .show = show_str, .unset = "(none)" },

	/* the resource tree */
	{ .name = "resources", .set = set_resources, .def = "on",
	  .off = OFF(resources), .block = B_RESOURCES, .show = show_on },
	{ .name = "regions", .flags = O_LIST, .set = set_regions,
	  .block = B_RESOURCES, .show = show_regions },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))
_Static_assert(NOPTS <= OPTIONS_MAX, "raise OPTIONS_MAX");

/* The value of row d as given, or NULL */
static const char *given_of(const struct options *o, const struct opt *d)
{
	return o->given[d - opts];
}

/* The rates that the rate_* rows change: per service, requests per
 * second (burst twice that), what one management account's
 * Organizations quota sustains, and per member account for the regional
 * services */
static const struct aws_rate_limit rate_defaults[OPTIONS_NRATES] = {
	/* the Organizations quota is the account's: what it allows is
	 * learnt from its throttles (lib/ratelimit.h) */
	{ "organizations", AWS_RATE_AUTO, 0, 0 },
	{ "resourcegroupstaggingapi", 10, 20, 1 },
	{ "config", 5, 10, 1 },
	/* STS allows far more per account; what it sustains for the
	 * AssumeRole of a crawl without becoming its bottleneck */
	{ "sts", 50, 100, 0 },
	{ "resource-explorer-2", 5, 10, 0 },
	/* IAM Identity Center's admin and identity store APIs: their
	 * quotas are per account, about 20 requests per second */
	{ "sso-admin", 10, 20, 0 },
	{ "identitystore", 10, 20, 0 },
};

/* ---- the command line ---- */

enum {
	KEY_FSNAME,
	KEY_SUBTYPE,
	KEY_OPTVAL,             /* + row: an O_OPTVAL row without its value */
};

/* fuse_opt's templates, made from the rows: name=%s, or name for a flag;
 * the same with -- for O_LONG; and name alone for O_OPTVAL */
#define NTEMPLATES (4 * NOPTS)

#define NFIXED 40

struct templates {
	struct fuse_opt t[NTEMPLATES + NFIXED];
	char text[NTEMPLATES][48];
	size_t n;
};

static void add_template(struct templates *ts, const char *prefix,
			 const struct opt *d, const struct options *o)
{
	size_t i = (size_t)(d - opts);
	char *s = ts->text[ts->n];
	struct fuse_opt *t = &ts->t[ts->n++];

	snprintf(s, sizeof(ts->text[0]), "%s%s%s", prefix, d->name,
		 d->flags & O_FLAG ? "" : "=%s");
	t->templ = s;
	t->offset = d->flags & O_FLAG ? d->off :
		(unsigned long)((const char *)&o->given[i] - (const char *)o);
	t->value = 1;
	if (d->flags & O_OPTVAL) {
		s = ts->text[ts->n];
		snprintf(s, sizeof(ts->text[0]), "%s%s", prefix, d->name);
		ts->t[ts->n++] = (struct fuse_opt)
			FUSE_OPT_KEY(s, KEY_OPTVAL + (int)i);
	}
}

/* The templates besides the rows' */
static const struct fuse_opt fixed[] = {
	{ "-h", OFF(help), 1 },
	{ "--help", OFF(help), 1 },
	{ "-V", OFF(version), 1 },
	{ "--version", OFF(version), 1 },
	/* the mount is read-only whatever is asked */
	{ "rw", OFF(rw), 1 },
	FUSE_OPT_KEY("ro", FUSE_OPT_KEY_DISCARD),
	/* given, they replace orgfs's */
	FUSE_OPT_KEY("fsname=", KEY_FSNAME),
	FUSE_OPT_KEY("subtype=", KEY_SUBTYPE),
	/* for /etc/fstab and mount(8) (and x-*, in opt_proc), as
	 * mount.fuse3 drops them */
	FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("owner", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("group", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("comment=", FUSE_OPT_KEY_DISCARD),
	/* the mount is noatime: the access-time options that libfuse
	 * does not take mean nothing here */
	FUSE_OPT_KEY("atime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("diratime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("relatime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("strictatime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("lazytime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nolazytime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("iversion", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("noiversion", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("mand", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nomand", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_END
};

static void make_templates(struct templates *ts, const struct options *o)
{
	size_t i;

	_Static_assert(sizeof(fixed) / sizeof(fixed[0]) <= NFIXED, "room");
	ts->n = 0;
	for (i = 0; i < NOPTS; i++) {
		add_template(ts, "", &opts[i], o);
		if (opts[i].flags & O_LONG)
			add_template(ts, "--", &opts[i], o);
	}
	memcpy(&ts->t[ts->n], fixed, sizeof(fixed));
}

static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct options *o = data;
	size_t i = (size_t)(key - KEY_OPTVAL);

	(void)outargs;
	switch (key) {
	case KEY_FSNAME:
	case KEY_SUBTYPE:
		*(key == KEY_FSNAME ? &o->fsname : &o->subtype) = 1;
		return 1;
	case FUSE_OPT_KEY_NONOPT:
		/* SOURCE and MOUNTPOINT, told apart once all are seen */
		if (o->nwords < (int)(sizeof(o->words) / sizeof(o->words[0])) &&
		    !(o->words[o->nwords] = strdup(arg)))
			return -1;
		o->nwords++;
		return 0;
	case FUSE_OPT_KEY_OPT:
		/* x-systemd.automount, x-gvfs-show, ...: for other programs */
		return strncmp(arg, "x-", 2) ? 1 : 0;
	}
	if (key >= KEY_OPTVAL && i < NOPTS) {
		free(o->given[i]);
		o->given[i] = strdup("");
		return 0;
	}
	return 1;
}

/* Options whose value is a comma-separated list (O_LIST): "-o
 * regions=a,b,ttl=5" means regions "a,b".  A word without '=' that
 * follows one of them, and is not an option of its own, continues the
 * list; so does an empty word, which the list's check then names. */
/* the words that are options of their own besides the O_FLAG and
 * O_OPTVAL rows and fixed[]: libfuse's */
static const char *const flag_options[] = {
	"allow_other", "allow_root", "auto_unmount", "default_permissions",
	"noatime", "nodiratime", "norelatime", "nostrictatime", "nodev", "dev",
	"nosuid", "suid", "exec", "noexec", "sync", "async", "dirsync", "debug",
	"clone_fd", "nonempty",
};

static int is_flag_option(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if ((opts[i].flags & (O_FLAG | O_OPTVAL)) &&
		    strlen(opts[i].name) == len && !strncmp(opts[i].name, w, len))
			return 1;
	for (i = 0; fixed[i].templ; i++)
		if (strlen(fixed[i].templ) == len &&
		    !strncmp(fixed[i].templ, w, len))
			return 1;
	for (i = 0; i < sizeof(flag_options) / sizeof(flag_options[0]); i++)
		if (strlen(flag_options[i]) == len &&
		    !strncmp(flag_options[i], w, len))
			return 1;
	return 0;
}

/* w starts "name=" of an O_LIST row */
static int is_list_option(const char *w)
{
	size_t i, len;

	for (i = 0; i < NOPTS; i++) {
		len = strlen(opts[i].name);
		if ((opts[i].flags & O_LIST) && !strncmp(w, opts[i].name, len) &&
		    w[len] == '=')
			return 1;
	}
	return 0;
}

/* The -o string with the commas inside list values escaped ("\,"), as
 * fuse_opt reads them. */
static char *escape_list_commas(const char *s)
{
	size_t len = strlen(s), i = 0;
	char *out = malloc(2 * len + 1), *q = out;
	int in_list = 0;

	if (!out)
		return NULL;
	while (i <= len) {
		size_t wl = strcspn(s + i, ",");
		const char *w = s + i;

		if (i > 0) {
			int cont = in_list && !memchr(w, '=', wl) &&
				   !is_flag_option(w, wl);

			if (cont)
				*q++ = '\\';
			*q++ = ',';
			if (!cont)
				in_list = 0;
		}
		if (is_list_option(w))
			in_list = 1;
		memcpy(q, w, wl);
		q += wl;
		i += wl + 1;
	}
	*q = '\0';
	return out;
}

/* "--profile x" is "--profile=x": an O_LONG row that takes a value */
static int takes_next_arg(const char *a)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if ((opts[i].flags & O_LONG) &&
		    !(opts[i].flags & (O_FLAG | O_OPTVAL)) &&
		    a[0] == '-' && a[1] == '-' && !strcmp(a + 2, opts[i].name))
			return 1;
	return 0;
}

/* "--profile x" becomes "--profile=x": fuse_opt applies every template
 * that matches, so one spelling per option is kept in the table. */
static int join_long_options(struct fuse_args *args, int argc, char *argv[])
{
	int i;

	for (i = 0; i < argc; i++) {
		char *joined = NULL;

		if (takes_next_arg(argv[i]) && i + 1 < argc) {
			if (asprintf(&joined, "%s=%s", argv[i], argv[i + 1]) < 0)
				return -1;
			i++;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			char *e = escape_list_commas(argv[i + 1]);

			if (!e || fuse_opt_add_arg(args, "-o") ||
			    fuse_opt_add_arg(args, e)) {
				free(e);
				return -1;
			}
			free(e);
			i++;
			continue;
		} else if (!strncmp(argv[i], "-o", 2) && argv[i][2]) {
			char *e = escape_list_commas(argv[i] + 2);

			if (!e || asprintf(&joined, "-o%s", e) < 0) {
				free(e);
				return -1;
			}
			free(e);
		}
		if (fuse_opt_add_arg(args, joined ? joined : argv[i])) {
			free(joined);
			return -1;
		}
		free(joined);
	}
	return 0;
}

/* The row of the option name (one that exists) */
static const struct opt *row(const char *name)
{
	size_t i;

	for (i = 0; i < NOPTS && strcmp(opts[i].name, name); i++)
		;
	return &opts[i];
}

static const char *given(const struct options *o, const char *name)
{
	return given_of(o, row(name));
}

/* Whether row d was on the command line */
static int was_given(const struct options *o, const struct opt *d)
{
	return d->flags & O_FLAG ? *FIELD(o, d, const int) != 0 :
		given_of(o, d) != NULL;
}

/* Sets row d's value as if given */
static int give(struct options *o, const struct opt *d, const char *val)
{
	char *v = strdup(val);

	if (!v) {
		fprintf(stderr, "orgfs: out of memory\n");
		return -1;
	}
	free(o->given[d - opts]);
	o->given[d - opts] = v;
	return 0;
}

/* The SOURCE argument, as /etc/fstab's first field: orgfs or aws (the
 * AWS source), aws:PROFILE (that profile), demo or demo:N (the demo of
 * N accounts).  It chooses what --demo and --profile would. */
static int set_source(struct options *o, const char *src)
{
	const struct opt *demo = row("demo"), *profile = row("profile");
	int is_demo = !strcmp(src, "demo") || !strncmp(src, "demo:", 5);
	int is_aws = !strcmp(src, "orgfs") || !strcmp(src, "aws") ||
		     !strncmp(src, "aws:", 4);

	if (!is_demo && !is_aws) {
		fprintf(stderr, "orgfs: unknown source '%s': expected orgfs, "
			"aws, aws:PROFILE, demo or demo:N (usage: orgfs "
			"[SOURCE] MOUNTPOINT)\n", src);
		return -1;
	}
	if (was_given(o, demo)) {
		fprintf(stderr, "orgfs: the source '%s' and --demo both say "
			"which organization to mount: keep one\n", src);
		return -1;
	}
	if (is_demo) {
		if (src[4] && !src[5]) {
			fprintf(stderr, "orgfs: invalid source 'demo:': "
				"expected demo or demo:N\n");
			return -1;
		}
		return give(o, demo, src[4] ? src + 5 : "");
	}
	if (strncmp(src, "aws:", 4))
		return 0;
	if (!src[4]) {
		fprintf(stderr, "orgfs: invalid source 'aws:': expected "
			"aws:PROFILE, or aws for the default profile\n");
		return -1;
	}
	if (given_of(o, profile) && strcmp(given_of(o, profile), src + 4)) {
		fprintf(stderr, "orgfs: the source '%s' and --profile=%s name "
			"two profiles: keep one\n", src, given_of(o, profile));
		return -1;
	}
	return give(o, profile, src + 4);
}

/* "--demo 100 MNT": the word after a bare --demo, when a number */
static const char *demo_size_apart(int argc, char *argv[])
{
	int i;

	for (i = 1; i + 1 < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--demo") && argv[i + 1][0] &&
		    strspn(argv[i + 1], "0123456789") == strlen(argv[i + 1]))
			return argv[i + 1];
	return NULL;
}

/* The words that are not options: [SOURCE] MOUNTPOINT */
static int take_arguments(struct options *o, int argc, char *argv[])
{
	const char *apart = demo_size_apart(argc, argv);
	struct stat st;

	if (o->nwords > 2) {
		fprintf(stderr, "orgfs: too many arguments from '%s' on "
			"(usage: orgfs [SOURCE] MOUNTPOINT)\n", o->words[2]);
		return -1;
	}
	if (apart && o->nwords && !strcmp(o->words[0], apart) &&
	    (o->nwords == 2 || stat(apart, &st) || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "orgfs: --demo %s: the demo's size goes after "
			"'=': write --demo=%s\n", apart, apart);
		return -1;
	}
	if (o->nwords < 2) {
		o->mountpoint = o->words[0];
		return 0;
	}
	o->source = o->words[0];
	o->mountpoint = o->words[1];
	return set_source(o, o->source);
}

/* fsname= (the source, as sshfs shows user@host:path) and subtype=,
 * before the user's so that theirs win */
static int add_names(const struct options *o, struct fuse_args *args)
{
	char *fsname = NULL, *opt = NULL, *arg = NULL;
	int res = -1;

	if (o->fsname && o->subtype)
		return 0;
	if (!o->fsname &&
	    (asprintf(&fsname, "fsname=%s", o->source ? o->source : "orgfs") < 0 ||
	     fuse_opt_add_opt_escaped(&opt, fsname)))
		goto out;
	if (!o->subtype && fuse_opt_add_opt(&opt, "subtype=orgfs"))
		goto out;
	if (asprintf(&arg, "-o%s", opt) < 0)
		goto out;
	res = fuse_opt_insert_arg(args, 1, arg);
out:
	if (res)
		fprintf(stderr, "orgfs: out of memory\n");
	free(fsname);
	free(opt);
	free(arg);
	return res;
}

int options_parse(int argc, char *argv[], struct fuse_args *args,
		  struct options *o)
{
	struct templates *ts;
	int res;

	memset(o, 0, sizeof(*o));
	memcpy(o->rates, rate_defaults, sizeof(o->rates));
	if (join_long_options(args, argc, argv)) {
		fprintf(stderr, "orgfs: out of memory\n");
		return -1;
	}
	ts = malloc(sizeof(*ts));
	if (!ts) {
		fprintf(stderr, "orgfs: out of memory\n");
		return -1;
	}
	make_templates(ts, o);
	res = fuse_opt_parse(args, o, ts->t, opt_proc);
	free(ts);
	if (res == -1)
		return -1;
	if (o->help) {
		options_usage(argv[0]);
		return 1;
	}
	if (o->version) {
		printf("orgfs %s\nFUSE library version %s\n", PACKAGE_VERSION,
		       fuse_pkgversion());
		return 1;
	}
	if (take_arguments(o, argc, argv))
		return -1;
	/* mount(8) passes rw unless told ro: then the warning below */
	if (o->rw && !o->source) {
		fprintf(stderr, "orgfs: -o rw: orgfs is a read-only file "
			"system; leave rw out\n");
		return -1;
	}
	if (add_names(o, args))
		return -1;
	o->demo = given(o, "demo") != NULL;
	return 0;
}

/* ---- checking and applying them all ---- */

/* The rows of one source (O_DEMO, O_AWS) or of every one (0) */
static int apply_rows(struct options *o, struct orgfs *fs, unsigned source)
{
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		const struct opt *d = &opts[i];
		const char *val = o->given[i];

		if ((d->flags & (O_DEMO | O_AWS)) != source || !d->set)
			continue;
		if (!val || ((d->flags & O_OPTVAL) && !*val))
			val = d->def;
		if (d->set(d, val, o, fs))
			return -1;
	}
	return 0;
}

/* The rows of the source not chosen (O_DEMO, O_AWS) that were given:
 * checked as with their source, then refused, as they would do nothing */
static int refuse_rows(struct options *o, struct orgfs *fs, unsigned other)
{
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		const struct opt *d = &opts[i];
		const char *val = o->given[i];

		if (!(d->flags & other) || !was_given(o, d))
			continue;
		if (val && (d->flags & O_OPTVAL) && !*val)
			val = d->def;
		if (d->set && d->set(d, val, o, fs))
			return -1;
		if (other == O_AWS)
			fprintf(stderr, "orgfs: %s%s does nothing with the demo "
				"organization, which reads no AWS account: "
				"leave it out\n",
				d->flags & O_LONG ? "--" : "-o ", d->name);
		else
			fprintf(stderr, "orgfs: -o %s is for the demo "
				"organization only (--demo, or the source "
				"demo:N): leave it out\n", d->name);
		return -1;
	}
	return 0;
}

/* -o regions names only regions that the demo has */
static int check_demo_regions(const struct options *o,
			      const struct orgfs *fs)
{
	static const char have[] = "," DEMO_REGIONS ",";
	char want[64];
	size_t i;

	if (fs->regions_all)
		return 0;       /* the demo's accounts enable both */
	for (i = 0; i < fs->nregions; i++) {
		snprintf(want, sizeof(want), ",%s,", fs->regions[i]);
		if (!strstr(have, want)) {
			fprintf(stderr, "orgfs: invalid regions '%s': the demo "
				"organization has no region %s (it has %s)\n",
				given(o, "regions"), fs->regions[i],
				DEMO_REGIONS);
			return -1;
		}
	}
	return 0;
}

int options_apply(struct options *o, struct orgfs *fs, int debug)
{
	int k;

	o->debug = debug;
	if (apply_rows(o, fs, 0))
		return -1;
	if (o->rw)
		fprintf(stderr, "orgfs: warning: rw ignored: orgfs is a "
			"read-only file system, mounted ro (say ro in the "
			"mount options to silence this)\n");
	o->org.owners = &fs->owners;
	for (k = 0; k < ORG_NKINDS; k++)
		fs->ttl_ms[k] = o->org.ttl_ms[k];
	fs->cache_max = o->org.max_bytes;
	fs->lazy_sizes = o->lazy_sizes;
	fs->no_listxattr = !o->listxattr;
	fs->resources = o->resources;
	return 0;
}

int options_apply_source(struct options *o, struct orgfs *fs)
{
	if (refuse_rows(o, fs, o->demo ? O_AWS : O_DEMO) ||
	    apply_rows(o, fs, o->demo ? O_DEMO : O_AWS))
		return -1;
	if (o->demo && check_demo_regions(o, fs))
		return -1;
	o->aws.rate_limits = o->rates;
	o->aws.nrate_limits = OPTIONS_NRATES;
	o->aws.concurrency = o->org.workers;
	o->aws.interactive = isatty(STDIN_FILENO);
	return 0;
}

int options_default_regions(struct orgfs *fs, const char *spec)
{
	return fs->nregions || fs->regions_all || !parse_regions(spec, fs) ?
	       0 : -1;
}

static void show_block(const struct options *o, struct orgfs *fs,
		       const struct mountsrc *ms, enum block b)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (opts[i].block == b && opts[i].show)
			opts[i].show(&opts[i], o, fs, ms);
}

void options_config_source(const struct options *o, struct orgfs *fs,
			   const struct mountsrc *ms)
{
	options_config_line(fs, "source", "%s", o->demo ? "demo" : "aws");
	show_block(o, fs, ms, o->demo ? B_DEMO : B_AWS);
}

void options_config(const struct options *o, struct orgfs *fs)
{
	enum block b;

	for (b = B_TTL; b <= B_CACHE; b++)
		show_block(o, fs, NULL, b);
}

void options_free(struct options *o)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		free(o->given[i]);
	for (i = 0; i < sizeof(o->words) / sizeof(o->words[0]); i++)
		free(o->words[i]);
}

void options_usage(const char *prog)
{
	printf("usage: %s [options] [<source>] <mountpoint>\n"
	       "       mount -t fuse.orgfs <source> <mountpoint> [-o options]\n"
	       "       fusermount3 -u <mountpoint>\n\n", prog);
	printf(
"orgfs mounts an AWS Organization as a read-only file system: accounts,\n"
"organizational units, tags and policies as directories and files.\n"
"Every option is also an -o option (-o profile=x), for /etc/fstab:\n"
"    aws:org-admin  /mnt/org  fuse.orgfs  ro,allow_other,_netdev,nofail  0 0\n"
"\n"
"Source (<source>, as mount(8) and /etc/fstab give it, is the mount's\n"
"device in /proc/mounts):\n"
"    orgfs, aws             the AWS Organization of the credentials found\n"
"    aws:PROFILE            the same as --profile=PROFILE\n"
"    demo, demo:N           the same as --demo, --demo=N\n"
"    --demo[=N]             the built-in demo organization of N accounts\n"
"                           (10 to 100000, default 50); needs no credentials;\n"
"                           the AWS options below are refused with it\n"
"    -o seed=N              demo organization seed (default 1)\n"
"    -o demo_resources=N    demo resources per account and region (default 8)\n"
"    --profile=NAME         AWS profile (default: $AWS_PROFILE, then\n"
"                           $AWS_DEFAULT_PROFILE, then \"default\")\n"
"    --region=REGION        region (default: $AWS_REGION, $AWS_DEFAULT_REGION,\n"
"                           then the profile's region, then us-east-1)\n"
"    --endpoint=URL         send every AWS call to URL (tests, proxies)\n"
"    -o max_attempts=N      attempts per AWS call, 1-20 (default:\n"
"                           $AWS_MAX_ATTEMPTS, else 3)\n"
"    -o retry_mode=MODE     standard, legacy or adaptive (default:\n"
"                           $AWS_RETRY_MODE, else standard)\n"
"    -o ca_bundle=FILE      CA certificates (default: $AWS_CA_BUNDLE, else\n"
"                           the system's)\n"
"    -o insecure            do not verify TLS certificates (never do this)\n"
"    -o rate_organizations=N, rate_tagging=N, rate_config=N, rate_sts=N,\n"
"       rate_resource_explorer=N, rate_sso_admin=N, rate_identitystore=N\n"
"                           requests per second to a service (defaults auto,\n"
"                           10 per account, 5 per account, 50, 5, 10, 10);\n"
"                           auto: as fast as the work allows until the service\n"
"                           throttles, then the rate it answers at, probing\n"
"                           back up; N: a ceiling, halved while it throttles\n"
"                           (its first 10 throttles of a call are not\n"
"                           counted as attempts); 0: no limit\n"
"\n"
"Resources:\n"
"    -o resources=on|off    the resource tree (default on)\n"
"    -o regions=R1,R2       regions whose resources are listed, or all: each\n"
"                           account's enabled regions (account:ListRegions\n"
"                           through the member role; default with AWS; the\n"
"                           demo's default is us-east-1,eu-west-1)\n"
"    -o member_role=NAME    role assumed in member accounts (default\n"
"                           OrganizationAccountAccessRole)\n"
"    -o external_id=ID      external id for that role\n"
"    -o config_aggregator=NAME\n"
"                           read resources from this AWS Config aggregator\n"
"                           (never-tagged ones too, no fan-out)\n"
"    -o config_aggregator_region=R  its home region (default: the region)\n"
"    -o resource_explorer_view=ARN\n"
"                           read resources from this Resource Explorer view\n"
"\n"
"Access (IAM Identity Center):\n"
"    -o sso_instance=ARN|ACCOUNT\n"
"                           the instance whose assignments access/ shows, or\n"
"                           the account of its delegated administrator (read\n"
"                           through member_role) (default: the first instance\n"
"                           the mount's account sees; none: files say none)\n"
"    -o sso_region=R        the instance's region (default: the region)\n"
"    -o owner_groups=FILE   owner -> Identity Center group, one \"owner<TAB>group\"\n"
"                           a line (default: the group named like the owner)\n"
"\n"
"Caching:\n"
"    -o ttl=SECONDS         cache lifetime of everything (default 300);\n"
"                           0 disables caching\n"
"    -o ttl_org=S, ttl_accounts=S, ttl_ous=S, ttl_tags=S, ttl_policies=S,\n"
"       ttl_resources=S, ttl_access=S\n"
"                           cache lifetime of one kind of data\n"
"    -o ttl_regions=S       cache lifetime of each account's enabled regions\n"
"                           (regions=all; default: ttl)\n"
"    -o error_ttl=SECONDS   how long a failed fetch is remembered (default 5)\n"
"    -o max_stale=SECONDS   how long data whose refresh fails is still served,\n"
"                           marked stale, before reads fail (default 3600)\n"
"    -o cache_max=SIZE      memory cap of the cache, e.g. 512M (default 1G)\n"
"    -o concurrency=N       background fetches at once, per API group\n"
"                           (Organizations; member accounts) (default 8)\n"
"    --prefetch, -o prefetch\n"
"                           warm the whole tree in the background after\n"
"                           mount (progress on stderr with -f on a terminal;\n"
"                           any mount: progress_* in .orgfs/status, as in\n"
"                           watch grep ^progress MOUNTPOINT/.orgfs/status)\n"
"    -o lazy_sizes          organization-wide tables show size 0 until read:\n"
"                           ls -l tables/ starts no crawl, but tar, rsync,\n"
"                           mmap and sendfile copies see an unread table empty\n"
"    -o listxattr           listxattr answers an empty list rather than\n"
"                           ENOTSUP: getfattr -d and tar --xattrs work\n"
"                           quietly, but cp -a and rsync -X cost 2-3\n"
"                           requests per file (default: ENOTSUP, the kernel\n"
"                           stops asking; getfattr -n user.orgfs.fetched\n"
"                           answers either way; -o no_listxattr: the default)\n"
"    -o kernel_timeout=S    longest time the kernel may reuse a name or\n"
"                           attributes without asking (default: the TTL)\n"
"\n"
"Ownership:\n"
"    -o owner_tags=K1,K2    tag keys that name an owner, first present wins\n"
"                           (default Owner,Team)\n"
"    -o owner_tags_nocase   match owner tag keys ignoring case\n"
"    -o owners_file=FILE    the known owners, one per line (# comments)\n"
"    -o rules=FILE          local policy / standard / guideline rules (INI);\n"
"                           OUs by id or escaped path (Root/Prod%%2FEU);\n"
"                           checks of tags, owners, Config and Identity\n"
"                           Center access (owner_has_access, max_admins,\n"
"                           admin_permission_sets, no_direct_users)\n"
"                           SIGHUP reads this file and owners_file again\n"
"                           (a broken file keeps the rules in force)\n"
"\n"
"General:\n"
"    -o log_level=LEVEL     error, warning, info or debug (default warning;\n"
"                           -d sets debug)\n"
"    -o log=FILE|syslog|stderr\n"
"                           where the log goes once mounted (default: syslog,\n"
"                           stderr with -f); a FILE is reopened on SIGUSR1\n"
"                           or SIGHUP (logrotate)\n"
"    -f                     stay in the foreground\n"
"    -d                     debug: foreground, log every FUSE request\n"
"    -s                     single-threaded\n"
"    -o max_threads=N       most FUSE worker threads, each waiting on one\n"
"                           request (1-1024, default 10); made as needed\n"
"    -o max_idle_threads=N  idle workers kept (default: all of them, so that\n"
"                           their number and memory stay level)\n"
"    -o allow_core_dumps    let the daemon dump core, for debugging: the dump\n"
"                           holds the credentials (default: no core dumps)\n"
"    -o allow_other         let other users see the mount\n"
"    -o fsname=NAME, subtype=TYPE\n"
"                           the device and type (fuse.TYPE) in /proc/mounts\n"
"                           (default: the source, else orgfs; orgfs)\n"
"    -o ro                  accepted: the mount is always read-only (rw is\n"
"                           refused; after a source, as mount(8) passes it\n"
"                           unless told ro, it is ignored with a warning)\n"
"    -o _netdev, noauto, nofail, defaults, users, x-*, relatime, ...\n"
"                           for /etc/fstab and mount(8): accepted, ignored\n"
"    -o uid=USER, gid=GROUP\n"
"                           owner and group of every file and directory\n"
"                           (a name or number; default: who mounts)\n"
"    -o umask=M, dmask=M, fmask=M\n"
"                           octal permission bits taken away from every\n"
"                           directory (0555) and file (0444), e.g. umask=027\n"
"                           with gid= and allow_other: that group only\n"
"    -h, --help             print this help and exit\n"
"    -V, --version          print the version and exit\n"
"\n"
"Signals: SIGHUP drops the cache, the kernel's included (nothing read after\n"
"  it is older), and reads -o rules and -o owners_file again; SIGUSR1\n"
"  reopens the log file; SIGTERM and SIGINT unmount (exit 0), whatever\n"
"  dispositions orgfs inherited (orgfs(1), SIGNALS).\n"
"See orgfs(1) for the layout of the tree.\n");
}
