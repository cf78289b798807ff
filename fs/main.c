/* main.c - orgfs: options, the source, mount and the FUSE session loop
 *
 * Everything that can fail because of the user's input (options, profile,
 * credentials, endpoint, mountpoint) fails here, before the process
 * daemonizes, with one line on the terminal.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fuse_lowlevel.h>
#include <fuse_opt.h>

#include "aws.h"
#include "config.h"
#include "demo.h"
#include "fs.h"
#include "http.h"
#include "log.h"
#include "mountsrc.h"
#include "signals.h"
#include "owner.h"
#include "rules.h"
#include "source_agg.h"

struct options {
	int help;
	int version;
	char *demo;                     /* NULL: aws source; "": default size */
	char *seed;
	char *profile;
	char *region;
	char *endpoint;
	char *ttl;
	char *ttl_kind[ORG_NKINDS];
	char *error_ttl;
	char *max_stale;
	char *cache_max;
	char *concurrency;
	char *kernel_timeout;
	char *max_attempts;
	char *retry_mode;
	char *ca_bundle;
	int insecure;
	char *log_level;
	char *owner_tags;
	int owner_tags_nocase;
	char *owners_file;
	char *regions;
	char *member_role;
	char *external_id;
	char *resources;
	char *demo_resources;
	char *rate[5];
	char *config_aggregator;
	int prefetch;
	int lazy_sizes;
	char *rules;
	char *config_aggregator_region;
	char *resource_explorer_view;
};

/* Where the aggregator listing of resources comes from. */
static struct {
	struct aws_client *client;
	const char *config_aggregator;
	const char *config_region;
	const char *view_arn;
} agg;

static int list_aggregated(void *arg, struct org_resources **out,
			   struct aws_error *err)
{
	(void)arg;
	if (agg.view_arn)
		return source_agg_list_resource_explorer(agg.client,
							 agg.view_arn, out,
							 err);
	return source_agg_list_config(agg.client, agg.config_aggregator,
				      agg.config_region, out, err);
}

/* Client-side request rates per service (requests per second, burst
 * twice that): what one management account's Organizations quota
 * sustains, and per member account for the regional services. */
static struct aws_rate_limit rate_limits[5] = {
	{ "organizations", 10, 20, 0 },
	{ "resourcegroupstaggingapi", 10, 20, 1 },
	{ "config", 5, 10, 1 },
	/* STS allows far more per account; what it sustains for the
	 * AssumeRole of a crawl without becoming its bottleneck */
	{ "sts", 50, 100, 0 },
	{ "resource-explorer-2", 5, 10, 0 },
};
static const char *const rate_names[5] = {
	"rate_organizations", "rate_tagging", "rate_config", "rate_sts",
	"rate_resource_explorer",
};

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_DEMO,
};

#define OPT(t, p) { t, offsetof(struct options, p), 1 }

static const struct fuse_opt orgfs_opts[] = {
	OPT("--demo=%s", demo),
	OPT("demo=%s", demo),
	FUSE_OPT_KEY("--demo", KEY_DEMO),
	FUSE_OPT_KEY("demo", KEY_DEMO),
	OPT("seed=%s", seed),
	OPT("--profile=%s", profile),
	OPT("profile=%s", profile),
	OPT("--region=%s", region),
	OPT("region=%s", region),
	OPT("--endpoint=%s", endpoint),
	OPT("endpoint=%s", endpoint),
	OPT("ttl=%s", ttl),
	OPT("ttl_org=%s", ttl_kind[ORG_INFO]),
	OPT("ttl_accounts=%s", ttl_kind[ORG_ACCOUNTS]),
	OPT("ttl_ous=%s", ttl_kind[ORG_HIER]),
	OPT("ttl_tags=%s", ttl_kind[ORG_TAGS]),
	OPT("ttl_policies=%s", ttl_kind[ORG_POLICIES]),
	OPT("error_ttl=%s", error_ttl),
	OPT("max_stale=%s", max_stale),
	OPT("cache_max=%s", cache_max),
	OPT("concurrency=%s", concurrency),
	OPT("kernel_timeout=%s", kernel_timeout),
	OPT("max_attempts=%s", max_attempts),
	OPT("retry_mode=%s", retry_mode),
	OPT("ca_bundle=%s", ca_bundle),
	OPT("insecure", insecure),
	OPT("log_level=%s", log_level),
	OPT("owner_tags=%s", owner_tags),
	OPT("owner_tags_nocase", owner_tags_nocase),
	OPT("owners_file=%s", owners_file),
	OPT("regions=%s", regions),
	OPT("member_role=%s", member_role),
	OPT("external_id=%s", external_id),
	OPT("resources=%s", resources),
	OPT("demo_resources=%s", demo_resources),
	OPT("config_aggregator=%s", config_aggregator),
	OPT("prefetch", prefetch),
	OPT("--prefetch", prefetch),
	OPT("lazy_sizes", lazy_sizes),
	OPT("rules=%s", rules),
	OPT("config_aggregator_region=%s", config_aggregator_region),
	OPT("resource_explorer_view=%s", resource_explorer_view),
	OPT("rate_organizations=%s", rate[0]),
	OPT("rate_tagging=%s", rate[1]),
	OPT("rate_config=%s", rate[2]),
	OPT("rate_sts=%s", rate[3]),
	OPT("rate_resource_explorer=%s", rate[4]),
	OPT("ttl_resources=%s", ttl_kind[ORG_RESOURCES]),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	/* noise from /etc/fstab and mount(8) */
	FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_END
};

static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct options *o = data;

	(void)arg;
	(void)outargs;
	switch (key) {
	case KEY_HELP:
		o->help = 1;
		return 0;
	case KEY_VERSION:
		o->version = 1;
		return 0;
	case KEY_DEMO:
		free(o->demo);
		o->demo = strdup("");
		return 0;
	}
	return 1;
}

static void usage(const char *prog)
{
	printf("usage: %s [options] <mountpoint>\n"
	       "       fusermount3 -u <mountpoint>\n\n", prog);
	printf(
"orgfs mounts an AWS Organization as a read-only file system: accounts,\n"
"organizational units, tags and policies as directories and files.\n"
"Every option is also an -o option (-o profile=x), for /etc/fstab.\n"
"\n"
"Source:\n"
"    --demo[=N]             the built-in demo organization of N accounts\n"
"                           (10 to 100000, default 50); needs no credentials\n"
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
"       rate_resource_explorer=N\n"
"                           requests per second to a service (defaults 10,\n"
"                           10 per account, 5 per account, 50, 5); halved\n"
"                           while it throttles (its first 10 throttles of a\n"
"                           call are not counted as attempts); 0: no limit\n"
"\n"
"Resources:\n"
"    -o resources=on|off    the resource tree (default on)\n"
"    -o regions=R1,R2       regions whose resources are listed (default: the\n"
"                           region; the demo has us-east-1,eu-west-1)\n"
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
"Caching:\n"
"    -o ttl=SECONDS         cache lifetime of everything (default 300);\n"
"                           0 disables caching\n"
"    -o ttl_org=S, ttl_accounts=S, ttl_ous=S, ttl_tags=S, ttl_policies=S,\n"
"       ttl_resources=S     cache lifetime of one kind of data\n"
"    -o error_ttl=SECONDS   how long a failed fetch is remembered (default 5)\n"
"    -o max_stale=SECONDS   how long data whose refresh fails is still served,\n"
"                           marked stale, before reads fail (default 3600)\n"
"    -o cache_max=SIZE      memory cap of the cache, e.g. 512M (default 1G)\n"
"    -o concurrency=N       background fetches at once, per API group\n"
"                           (Organizations; member accounts) (default 8)\n"
"    --prefetch, -o prefetch\n"
"                           warm the whole tree in the background after\n"
"                           mount (progress on stderr with -f on a terminal)\n"
"    -o lazy_sizes          organization-wide tables show size 0 until read:\n"
"                           ls -l starts no crawl, but tar, rsync, mmap and\n"
"                           sendfile copies see an unread table empty\n"
"    -o kernel_timeout=S    longest time the kernel may reuse a name or\n"
"                           attributes without asking (default: the TTL)\n"
"\n"
"Ownership:\n"
"    -o owner_tags=K1,K2    tag keys that name an owner, first present wins\n"
"                           (default Owner,Team)\n"
"    -o owner_tags_nocase   match owner tag keys ignoring case\n"
"    -o owners_file=FILE    the known owners, one per line (# comments)\n"
"    -o rules=FILE          local policy / standard / guideline rules (INI)\n"
"\n"
"General:\n"
"    -o log_level=LEVEL     error, warning, info or debug (default warning;\n"
"                           -d sets debug)\n"
"    -f                     stay in the foreground\n"
"    -d                     debug: foreground, log every FUSE request\n"
"    -s                     single-threaded\n"
"    -o allow_other         let other users see the mount\n"
"    -h, --help             print this help and exit\n"
"    -V, --version          print the version and exit\n"
"\n"
"Signals: SIGHUP drops the cache; SIGTERM and SIGINT unmount (exit 0),\n"
"  whatever dispositions orgfs inherited (orgfs(1), SIGNALS).\n"
"See orgfs(1) for the layout of the tree.\n");
}

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
	static const struct { const char *n; int l; } levels[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(s, levels[i].n)) {
			*out = levels[i].l;
			return 0;
		}
	fprintf(stderr, "orgfs: invalid log_level '%s': expected error, "
		"warning, info or debug\n", s);
	return -EINVAL;
}

/* "us-east-1,eu-west-1" into fs->regions. */
static int parse_regions(const char *spec, struct orgfs *fs)
{
	char *copy = strdup(spec), *save = NULL, *r;
	int res = 0;

	if (!copy)
		return -ENOMEM;
	for (r = strtok_r(copy, ",", &save); r && !res;
	     r = strtok_r(NULL, ",", &save)) {
		const char *p;
		char **v;

		for (p = r; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9') || *p == '-'))
				break;
		if (!*r || *p || strlen(r) > 32) {
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

/* The mountpoint must be an empty directory we can use. */
static int check_mountpoint(const char *mp)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (stat(mp, &st)) {
		fprintf(stderr, "orgfs: cannot use mountpoint '%s': %s\n", mp,
			strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "orgfs: cannot use mountpoint '%s': not a "
			"directory\n", mp);
		return -1;
	}
	d = opendir(mp);
	if (!d) {
		fprintf(stderr, "orgfs: cannot use mountpoint '%s': %s\n", mp,
			strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			closedir(d);
			fprintf(stderr, "orgfs: cannot use mountpoint '%s': "
				"directory is not empty\n", mp);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

/* Tests pin the cache's clock: ORGFS_TEST_CLOCK_FILE names a file that
 * holds the current time in milliseconds. */
static uint64_t test_clock_ms(void)
{
	const char *path = getenv("ORGFS_TEST_CLOCK_FILE");
	unsigned long long v = 0;
	FILE *f = path ? fopen(path, "r") : NULL;

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static void syslog_sink(int level, const char *msg, void *arg)
{
	(void)arg;
	syslog(level, "%s", msg);
}

/* libfuse's own messages go through our logger too. */
/* libfuse's own messages go through our logger too; it writes some of
 * them in pieces, so pieces are gathered into whole lines first. */
static void fuse_log_to_olog(enum fuse_log_level level, const char *fmt,
			     va_list ap)
{
	static __thread char line[1024];
	static __thread size_t len;
	int n;

	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n < 0)
		return;
	len += (size_t)n;
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 1;
	if (len && line[len - 1] != '\n' && len < sizeof(line) - 1)
		return;
	olog((int)level, "%s", line);
	len = 0;
}

/* The mountpoint among what is left after the options: the last word
 * that is not an option (nor an -o value). */
static const char *find_mountpoint(const struct fuse_args *args)
{
	const char *mp = NULL;
	int i;

	for (i = 1; i < args->argc; i++) {
		const char *a = args->argv[i];

		if (!strcmp(a, "-o")) {
			i++;
			continue;
		}
		if (a[0] != '-')
			mp = a;
	}
	return mp;
}

/* --prefetch: render what the org-wide views need, so that every later
 * access is served from the cache. */
static int prefetch_done;              /* atomic */
static int progress_stop;               /* atomic */

static void *prefetch_main(void *arg)
{
	static const char *const views[] = {
		"/accounts.tsv", "/policies", "/resources.tsv",
		"/compliance/summary",
	};
	struct orgfs *fs = arg;
	size_t i;

	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		struct node n;
		struct dlist d = { 0 };

		node_init(&n);
		if (!strcmp(views[i], "/policies")) {
			if (!layout_list(fs, views[i], &d))
				layout_prefetch(fs, views[i]);
			dlist_free(&d);
			org_wait_idle(fs->org);
		} else {
			layout_get(fs, views[i], &n);
		}
		node_free(&n);
	}
	org_wait_idle(fs->org);
	__atomic_store_n(&prefetch_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* One progress line, rewritten in place, while the prefetch runs. */
static void *progress_main(void *arg)
{
	struct orgfs *fs = arg;

	while (!__atomic_load_n(&prefetch_done, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&progress_stop, __ATOMIC_ACQUIRE)) {
		struct buf b;
		const char *s;
		char objs[32] = "0", total[32] = "0", res[32] = "0",
		     calls[32] = "0", thr[32] = "0";
		struct { const char *key; char *out; } want[] = {
			{ "crawl_objects_done\t", objs },
			{ "crawl_objects_total\t", total },
			{ "resources_seen\t", res },
			{ "api_calls\t", calls },
			{ "api_throttles\t", thr },
		};
		size_t i;
		struct node n;

		node_init(&n);
		buf_init(&b, 1 << 20);
		if (!layout_get(fs, "/.orgfs/status", &n)) {
			s = node_ptr(&n);
			for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
				const char *p = strstr(s, want[i].key);

				if (p)
					sscanf(p + strlen(want[i].key), "%31s",
					       want[i].out);
			}
		}
		fprintf(stderr, "\rorgfs: prefetch: %s/%s accounts and OUs, "
			"%s resources, %s API calls, %s throttled ", objs,
			total, res, calls, thr);
		node_free(&n);
		buf_free(&b);
		usleep(500000);
	}
	if (__atomic_load_n(&prefetch_done, __ATOMIC_ACQUIRE))
		fprintf(stderr, "\rorgfs: prefetch done%60s\n", "");
	return NULL;
}

/* SIGHUP, in the signal thread (fs/signals.c) */
static void drop_cache(void *arg)
{
	struct orgfs *fs = arg;

	org_drop(fs->org);
	layout_drop();
	ops_data_changed(fs);
}

static void config_line(struct orgfs *fs, const char *key, const char *fmt,
			...) __attribute__((format(printf, 3, 4)));
static void config_line(struct orgfs *fs, const char *key, const char *fmt,
			...)
{
	va_list ap;

	buf_printf(&fs->config_text, "%s\t", key);
	va_start(ap, fmt);
	buf_vprintf(&fs->config_text, fmt, ap);
	va_end(ap);
	buf_putc(&fs->config_text, '\n');
}

/* Options whose value is a comma-separated list: "-o regions=a,b,ttl=5"
 * means regions "a,b".  A word without '=' that follows one of them, and
 * is not an option of its own, continues the list. */
static const char *const list_options[] = { "regions=", "owner_tags=" };
static const char *const flag_options[] = {
	"demo", "insecure", "owner_tags_nocase", "allow_other", "allow_root",
	"auto_unmount", "default_permissions", "ro", "rw", "noatime", "atime",
	"nodev", "dev", "nosuid", "suid", "exec", "noexec", "sync", "async",
	"dirsync", "debug", "clone_fd", "_netdev", "auto", "noauto", "user",
	"nouser", "users", "nonempty",
};

static int is_flag_option(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(flag_options) / sizeof(flag_options[0]); i++)
		if (strlen(flag_options[i]) == len &&
		    !strncmp(flag_options[i], w, len))
			return 1;
	return 0;
}

/* The -o string with the commas inside list values escaped ("\,"), as
 * fuse_opt reads them. */
static char *escape_list_commas(const char *opts)
{
	size_t len = strlen(opts), i = 0, k;
	char *out = malloc(2 * len + 1), *q = out;
	int in_list = 0;

	if (!out)
		return NULL;
	while (i <= len) {
		size_t wl = strcspn(opts + i, ",");
		const char *w = opts + i;

		if (i > 0) {
			int cont = in_list && !memchr(w, '=', wl) &&
				   !is_flag_option(w, wl) && wl > 0;

			if (cont)
				*q++ = '\\';
			*q++ = ',';
			if (!cont)
				in_list = 0;
		}
		for (k = 0; k < sizeof(list_options) / sizeof(list_options[0]);
		     k++)
			if (!strncmp(w, list_options[k], strlen(list_options[k])))
				in_list = 1;
		memcpy(q, w, wl);
		q += wl;
		i += wl + 1;
	}
	*q = '\0';
	return out;
}

/* "--profile x" becomes "--profile=x": fuse_opt applies every template
 * that matches, so one spelling per option is kept in the table. */
static int join_long_options(struct fuse_args *args, int argc, char *argv[])
{
	static const char *const with_value[] = {
		"--profile", "--region", "--endpoint",
	};
	int i;
	size_t k;

	for (i = 0; i < argc; i++) {
		char *joined = NULL;

		for (k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
			if (!strcmp(argv[i], with_value[k]) && i + 1 < argc)
				break;
		if (k < sizeof(with_value) / sizeof(with_value[0])) {
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

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_cmdline_opts cl;
	struct fuse_loop_config *loop_cfg = NULL;
	struct options o;
	struct orgfs fs;
	struct org_config oc;
	struct org_source *src = NULL;
	struct mountsrc ms;
	struct fuse_session *se = NULL;
	pthread_t prefetch_thread, progress_thread;
	int have_prefetch = 0, have_progress = 0, keep_org = 0;
	unsigned long long v;
	int level = LOG_WARNING, k, ret = 1;
	char fsname[64];

	memset(&o, 0, sizeof(o));
	memset(&fs, 0, sizeof(fs));
	memset(&ms, 0, sizeof(ms));
	memset(&cl, 0, sizeof(cl));
	/* glibc gives each of the many FUSE and fetch threads an arena of its
	 * own (up to 8 per core), each holding freed memory apart: a few
	 * shared arenas keep RSS near what is in use (issue 9, memory).
	 * MALLOC_ARENA_MAX in the environment still decides when set. */
	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, 2);
	buf_init(&fs.config_text, 1 << 16);

	if (join_long_options(&args, argc, argv)) {
		fprintf(stderr, "orgfs: out of memory\n");
		goto out_args;
	}
	if (fuse_opt_parse(&args, &o, orgfs_opts, opt_proc) == -1)
		goto out_args;
	if (o.help) {
		usage(argv[0]);
		ret = 0;
		goto out_args;
	}
	if (o.version) {
		printf("orgfs %s\nFUSE library version %s\n", PACKAGE_VERSION,
		       fuse_pkgversion());
		ret = 0;
		goto out_args;
	}
	/* before libfuse looks at it, so that its problems read like ours */
	fuse_set_log_func(fuse_log_to_olog);
	if (find_mountpoint(&args) && !o.help && !o.version &&
	    check_mountpoint(find_mountpoint(&args)))
		goto out_args;
	if (fuse_parse_cmdline(&args, &cl) != 0)
		goto out_args;
	if (cl.show_help || cl.show_version) {
		usage(argv[0]);
		ret = 0;
		goto out_args;
	}
	if (!cl.mountpoint) {
		fprintf(stderr, "orgfs: no mountpoint given (see orgfs --help)\n");
		goto out_args;
	}

	/* options, checked before anything else happens */
	oc = (struct org_config){ 0 };
	for (k = 0; k < ORG_NKINDS; k++)
		oc.ttl_ms[k] = 300000;
	if (o.ttl) {
		if (parse_num("ttl", o.ttl, 0, 31536000, &v))
			goto out_args;
		for (k = 0; k < ORG_NKINDS; k++)
			oc.ttl_ms[k] = v * 1000;
	}
	for (k = 0; k < ORG_NKINDS; k++) {
		char what[32];

		if (!o.ttl_kind[k])
			continue;
		snprintf(what, sizeof(what), "ttl_%s",
			 k == ORG_INFO ? "org" : k == ORG_HIER ? "ous" :
			 k == ORG_POLICIES ? "policies" : org_kind_name(k));
		if (parse_num(what, o.ttl_kind[k], 0, 31536000, &v))
			goto out_args;
		oc.ttl_ms[k] = v * 1000;
	}
	/* a policy's content and targets live as long as the policy list,
	 * effective policies too; Config results as long as resources */
	oc.ttl_ms[ORG_POLICY] = oc.ttl_ms[ORG_POLICIES];
	oc.ttl_ms[ORG_EFFPOL] = oc.ttl_ms[ORG_POLICIES];
	oc.ttl_ms[ORG_CONFIG] = oc.ttl_ms[ORG_RESOURCES];
	oc.ttl_ms[ORG_ORGRES] = oc.ttl_ms[ORG_RESOURCES];
	oc.error_ttl_ms = 5000;
	if (o.error_ttl) {
		if (parse_num("error_ttl", o.error_ttl, 0, 3600, &v))
			goto out_args;
		oc.error_ttl_ms = v * 1000;
	}
	oc.max_stale_ms = 3600000;
	if (o.max_stale) {
		if (parse_num("max_stale", o.max_stale, 0, 31536000, &v))
			goto out_args;
		oc.max_stale_ms = v * 1000;
	}
	oc.max_bytes = (size_t)1 << 30;
	if (o.cache_max && parse_size("cache_max", o.cache_max, &oc.max_bytes))
		goto out_args;
	oc.workers = 8;
	if (o.concurrency) {
		if (parse_num("concurrency", o.concurrency, 1, 256, &v))
			goto out_args;
		oc.workers = (int)v;
	}
	{
		int n;
		enum aws_retry_mode mode;
		const char *name;

		/* checked whatever the source, so a typo never waits */
		if (mountsrc_parse_retry(o.max_attempts, o.retry_mode, &n,
					 &mode, &name))
			goto out_args;
	}
	fs.kernel_timeout = -1;
	if (o.kernel_timeout) {
		if (parse_num("kernel_timeout", o.kernel_timeout, 0, 31536000,
			      &v))
			goto out_args;
		fs.kernel_timeout = (double)v;
	}
	if (getenv("ORGFS_TEST_CLOCK_FILE"))
		oc.clock_ms = test_clock_ms;
	if (o.log_level && parse_level(o.log_level, &level))
		goto out_args;
	if (cl.debug)
		level = LOG_DEBUG;
	log_set_level(level);

	{
		char msg[512];

		if (owner_config_parse(o.owner_tags ? o.owner_tags :
				       OWNER_TAGS_DEFAULT, o.owner_tags_nocase,
				       &fs.owners, msg, sizeof(msg))) {
			fprintf(stderr, "orgfs: %s\n", msg);
			goto out_args;
		}
		if (o.owners_file &&
		    owner_list_load(o.owners_file, &fs.known_owners, msg,
				    sizeof(msg))) {
			fprintf(stderr, "orgfs: %s\n", msg);
			goto out_args;
		}
		if (o.rules && rules_load(o.rules, fs.known_owners, &fs.rules,
					  msg, sizeof(msg))) {
			fprintf(stderr, "orgfs: %s\n", msg);
			goto out_args;
		}
	}
	oc.owners = &fs.owners;
	fs.resources = 1;
	if (o.resources) {
		if (!strcmp(o.resources, "on")) {
			fs.resources = 1;
		} else if (!strcmp(o.resources, "off")) {
			fs.resources = 0;
		} else {
			fprintf(stderr, "orgfs: invalid resources '%s': expected "
				"on or off\n", o.resources);
			goto out_args;
		}
	}
	if (o.regions && parse_regions(o.regions, &fs))
		goto out_args;
	oc.ttl_ms[ORG_INDEX] = oc.ttl_ms[ORG_TAGS];


	/* the source: demo, or AWS with credentials proven now */
	json_object_seed(0);
	if (o.demo) {
		unsigned long long n = 50, seed = 1;
		struct demo_options dopt = { 0 };

		if (*o.demo && parse_num("demo size", o.demo, 10, 100000, &n))
			goto out_args;
		if (o.seed && parse_num("seed", o.seed, 0, 4294967295ULL, &seed))
			goto out_args;
		dopt.naccounts = (unsigned)n;
		dopt.seed = (unsigned)seed;
		dopt.resources = DEMO_DEFAULT_RESOURCES;
		if (o.demo_resources) {
			if (parse_num("demo_resources", o.demo_resources, 1,
				      DEMO_MAX_RESOURCES, &v))
				goto out_args;
			dopt.resources = (unsigned)v;
		}
		if (!o.regions && parse_regions(DEMO_REGIONS, &fs))
			goto out_args;
		src = demo_source_new_with(&dopt);
		if (!src) {
			fprintf(stderr, "orgfs: cannot build the demo "
				"organization: out of memory\n");
			goto out_args;
		}
		fs.identity = strdup("demo (no credentials)");
		config_line(&fs, "source", "demo");
		config_line(&fs, "demo_accounts", "%llu", n);
		config_line(&fs, "demo_seed", "%llu", seed);
		config_line(&fs, "demo_resources", "%u", dopt.resources);
	} else {
		struct mountsrc_options mo = {
			.profile = o.profile,
			.region = o.region,
			.endpoint = o.endpoint,
			.max_attempts = o.max_attempts,
			.retry_mode = o.retry_mode,
			.ca_bundle = o.ca_bundle,
			.insecure = o.insecure,
			.concurrency = oc.workers,
			.interactive = isatty(STDIN_FILENO),
			.member_role = o.member_role,
			.external_id = o.external_id,
			.config_aggregator = o.config_aggregator,
			.config_aggregator_region = o.config_aggregator_region,
		};

		for (k = 0; k < 5; k++) {
			if (!o.rate[k])
				continue;
			if (parse_num(rate_names[k], o.rate[k], 0, 10000, &v))
				goto out_args;
			rate_limits[k].rate = (double)v;
			rate_limits[k].burst = 2.0 * (double)v;
		}
		mo.rate_limits = rate_limits;
		mo.nrate_limits = 5;
		if (http_global_init()) {
			fprintf(stderr, "orgfs: cannot initialise libcurl\n");
			goto out_args;
		}
		/* prints its own one-line error */
		if (mountsrc_open(&mo, &ms))
			goto out_http;
		src = ms.source;
		fs.client = ms.client;
		fs.identity = strdup(ms.identity);
		config_line(&fs, "source", "aws");
		config_line(&fs, "profile", "%s", ms.profile);
		config_line(&fs, "region", "%s", ms.region);
		config_line(&fs, "endpoint", "%s",
			    o.endpoint ? o.endpoint : "(standard)");
		config_line(&fs, "max_attempts", "%d", ms.max_attempts);
		config_line(&fs, "retry_mode", "%s", ms.retry_mode);
		config_line(&fs, "tls_verify", "%s",
			    o.insecure ? "no" : "yes");
		for (k = 0; k < 5; k++)
			config_line(&fs, rate_names[k], "%g",
				    rate_limits[k].rate);
		config_line(&fs, "member_role", "%s", o.member_role ?
			    o.member_role : "OrganizationAccountAccessRole");
		config_line(&fs, "external_id", "%s",
			    o.external_id ? "(set)" : "(none)");
		if (o.config_aggregator && o.resource_explorer_view) {
			fprintf(stderr, "orgfs: config_aggregator and "
				"resource_explorer_view exclude each other\n");
			src->ops->destroy(src);
			goto out_src;
		}
		if (o.config_aggregator || o.resource_explorer_view) {
			agg.client = ms.client;
			agg.config_aggregator = o.config_aggregator;
			agg.config_region = o.config_aggregator_region;
			agg.view_arn = o.resource_explorer_view;
			oc.list_org_resources = list_aggregated;
			fs.aggregated = 1;
			config_line(&fs, "resources_from", "%s",
				    o.config_aggregator ?
				    "config aggregator" : "resource explorer");
			config_line(&fs, o.config_aggregator ?
				    "config_aggregator" : "resource_explorer_view",
				    "%s", o.config_aggregator ?
				    o.config_aggregator : o.resource_explorer_view);
		}
		if (!o.regions && parse_regions(ms.region, &fs)) {
			src->ops->destroy(src);
			goto out_src;
		}
	}
	{
		struct buf d;

		buf_init(&d, 4096);
		src->ops->describe(src, &d);
		fs.source_desc = buf_steal(&d);
	}
	for (k = 0; k < ORG_NKINDS; k++)
		if (k == ORG_INFO || k == ORG_ACCOUNTS || k == ORG_HIER ||
		    k == ORG_TAGS || k == ORG_POLICIES)
			config_line(&fs, k == ORG_INFO ? "ttl_org" :
				    k == ORG_ACCOUNTS ? "ttl_accounts" :
				    k == ORG_HIER ? "ttl_ous" :
				    k == ORG_TAGS ? "ttl_tags" : "ttl_policies",
				    "%llu",
				    (unsigned long long)(oc.ttl_ms[k] / 1000));
	{
		struct buf keys;
		size_t i;

		buf_init(&keys, 4096);
		for (i = 0; i < fs.owners.nkeys; i++)
			buf_printf(&keys, "%s%s", i ? "," : "", fs.owners.keys[i]);
		config_line(&fs, "owner_tags", "%s", buf_str(&keys));
		buf_free(&keys);
		config_line(&fs, "owner_tags_nocase", "%s",
			    fs.owners.nocase ? "yes" : "no");
		config_line(&fs, "owners_file", "%s",
			    o.owners_file ? o.owners_file : "(none)");
		config_line(&fs, "rules", "%s", o.rules ? o.rules : "(none)");
	}
	{
		struct buf r;
		size_t i;

		buf_init(&r, 4096);
		for (i = 0; i < fs.nregions; i++)
			buf_printf(&r, "%s%s", i ? "," : "", fs.regions[i]);
		config_line(&fs, "resources", "%s", fs.resources ? "on" : "off");
		config_line(&fs, "regions", "%s", buf_str(&r));
		buf_free(&r);
		config_line(&fs, "ttl_resources", "%llu", (unsigned long long)
			    (oc.ttl_ms[ORG_RESOURCES] / 1000));
	}
	config_line(&fs, "error_ttl", "%llu",
		    (unsigned long long)(oc.error_ttl_ms / 1000));
	config_line(&fs, "max_stale", "%llu",
		    (unsigned long long)(oc.max_stale_ms / 1000));
	config_line(&fs, "cache_max", "%zu", oc.max_bytes);
	fs.cache_max = oc.max_bytes;
	config_line(&fs, "concurrency", "%d", oc.workers);
	config_line(&fs, "lazy_sizes", "%s", o.lazy_sizes ? "on" : "off");
	if (fs.kernel_timeout >= 0)
		config_line(&fs, "kernel_timeout", "%.0f", fs.kernel_timeout);
	else
		config_line(&fs, "kernel_timeout", "ttl");
	config_line(&fs, "log_level", "%s", level == LOG_DEBUG ? "debug" :
		    level == LOG_INFO ? "info" : level == LOG_ERR ? "error" :
		    "warning");

	/* SIGTERM, SIGINT and SIGHUP are taken by a thread of their own,
	 * whatever this process inherited (fs/signals.h) */
	signals_prepare();

	for (k = 0; k < ORG_NKINDS; k++)
		fs.ttl_ms[k] = oc.ttl_ms[k];
	oc.on_change = ops_data_changed;
	oc.on_change_arg = &fs;
	fs.mount_time = time(NULL);
	fs.uid = getuid();
	fs.gid = getgid();
	fs.layout = &tree_layout;

	/* read-only, no atime updates, and clean up after a crash */
	snprintf(fsname, sizeof(fsname), "-ofsname=orgfs,subtype=orgfs");
	if (fuse_opt_add_arg(&args, fsname) ||
	    fuse_opt_add_arg(&args, "-oro,noatime,default_permissions") ||
	    fuse_opt_add_arg(&args, "-oauto_unmount")) {
		fprintf(stderr, "orgfs: out of memory\n");
		goto out_org;
	}
	se = fuse_session_new(&args, &orgfs_ops, sizeof(orgfs_ops), &fs);
	if (!se)
		goto out_org;           /* libfuse printed why */
	fs.se = se;
	if (fuse_session_mount(se, cl.mountpoint) != 0)
		goto out_session;
	if (!cl.foreground) {
		openlog("orgfs", LOG_PID, LOG_DAEMON);
		log_set_sink(syslog_sink, NULL);
	}
	fuse_daemonize(cl.foreground);
	signals_block();

	/* Threads only now: those started before fuse_daemonize()'s fork
	 * would not exist in the daemon.  The cache's workers come with
	 * the org. */
	fs.org = org_new(src, &oc);
	if (!fs.org) {
		olog(LOG_ERR, "cannot create the cache: out of memory");
		goto out_unmount;
	}
	if (ops_start(&fs)) {
		olog(LOG_ERR, "cannot start: out of memory");
		goto out_unmount;
	}
	if (signals_start(se, drop_cache, &fs)) {
		olog(LOG_ERR, "cannot start: no thread for signals");
		goto out_stop;
	}
	fs.lazy_sizes = o.lazy_sizes;
	if (o.prefetch) {
		have_prefetch = !pthread_create(&prefetch_thread, NULL,
						prefetch_main, &fs);
		have_progress = cl.foreground && isatty(STDERR_FILENO) &&
			!pthread_create(&progress_thread, NULL, progress_main,
					&fs);
	}

	signals_loop_enter();
	if (cl.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		loop_cfg = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(loop_cfg, cl.clone_fd);
		fuse_loop_cfg_set_max_threads(loop_cfg, cl.max_threads);
		ret = fuse_session_loop_mt(se, loop_cfg);
		fuse_loop_cfg_destroy(loop_cfg);
	}
	/* SIGTERM or SIGINT asked for an unmount, which is a clean exit */
	ret = ret ? 1 : 0;
	signals_stop();
out_stop:
	ops_stop(&fs);
	if (have_progress) {
		__atomic_store_n(&progress_stop, 1, __ATOMIC_RELEASE);
		pthread_join(progress_thread, NULL);
	}
	if (have_prefetch) {
		if (__atomic_load_n(&prefetch_done, __ATOMIC_ACQUIRE)) {
			pthread_join(prefetch_thread, NULL);
		} else {
			/* still fetching: the process exits around it rather
			 * than wait for the network; the cache stays */
			pthread_detach(prefetch_thread);
			keep_org = 1;
		}
	}
out_unmount:
	fuse_session_unmount(se);
out_session:
	fuse_session_destroy(se);
out_org:
	if (!fs.org)
		src->ops->destroy(src);
	else if (!keep_org) {
		layout_drop();
		org_free(fs.org);      /* frees the source too */
	}
	src = NULL;
out_src:
	mountsrc_close(&ms);
out_http:
	if (!o.demo)
		http_global_cleanup();
out_args:
	free(fs.identity);
	free(fs.source_desc);
	buf_free(&fs.config_text);
	free(cl.mountpoint);
	fuse_opt_free_args(&args);
	free(o.demo);
	free(o.seed);
	free(o.profile);
	free(o.region);
	free(o.endpoint);
	free(o.ttl);
	for (k = 0; k < ORG_NKINDS; k++)
		free(o.ttl_kind[k]);
	free(o.error_ttl);
	free(o.max_stale);
	free(o.cache_max);
	free(o.concurrency);
	free(o.kernel_timeout);
	free(o.max_attempts);
	free(o.retry_mode);
	free(o.ca_bundle);
	free(o.log_level);
	free(o.owner_tags);
	free(o.owners_file);
	free(o.regions);
	free(o.member_role);
	free(o.external_id);
	free(o.resources);
	free(o.demo_resources);
	free(o.config_aggregator);
	free(o.rules);
	rules_free(fs.rules);
	free(o.config_aggregator_region);
	free(o.resource_explorer_view);
	for (k = 0; k < 5; k++)
		free(o.rate[k]);
	for (k = 0; k < (int)fs.nregions; k++)
		free(fs.regions[k]);
	free(fs.regions);
	owner_config_free(&fs.owners);
	owner_list_free(fs.known_owners);
	return ret;
}
