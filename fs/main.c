/* main.c - orgfs: the source, the mount and the FUSE session loop
 *
 * Everything that can fail because of the user's input (options, profile,
 * credentials, endpoint, mountpoint) fails here, before the process
 * daemonizes, with one line on the terminal.  main's steps: parse the
 * command line, apply the options, open the source, mount and serve,
 * tear down.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <mntent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fuse_lowlevel.h>
#include <fuse_opt.h>

#include "demo.h"
#include "fs.h"
#include "http.h"
#include "log.h"
#include "memtrim.h"
#include "mountsrc.h"
#include "options.h"
#include "prefetch.h"
#include "reaper.h"
#include "resindex.h"
#include "ruleset.h"
#include "signals.h"

/* -o max_threads beyond this is refused: each FUSE worker reserves a
 * stack and a request buffer of 1 MiB */
#define MAX_WORKERS 1024u

/* The FUSE file system mounted on path, if one is: its line of
 * /proc/self/mounts into type and source.  @return 1 when one is */
static int fuse_mounted_on(const char *path, char *type, size_t tlen,
			   char *source, size_t slen)
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *m;
	int found = 0;

	while (f && (m = getmntent(f)))
		if (!strcmp(m->mnt_dir, path) &&
		    !strncmp(m->mnt_type, "fuse", 4)) {
			snprintf(type, tlen, "%s", m->mnt_type);
			snprintf(source, slen, "%s", m->mnt_fsname);
			found = 1;      /* the last mounted is the one seen */
		}
	if (f)
		endmntent(f);
	return found;
}

/* The mountpoint must be an empty directory we can use, where no FUSE
 * file system is mounted already. */
static int check_mountpoint(const char *mp)
{
	char abs[PATH_MAX], type[64], source[256];
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (stat(mp, &st) && errno == ENOTCONN) {
		fprintf(stderr, "orgfs: cannot use mountpoint '%s': %s (a FUSE "
			"file system whose daemon died is mounted there or "
			"above: unmount it with fusermount3 -u)\n", mp,
			strerror(ENOTCONN));
		return -1;
	}
	if (realpath(mp, abs) && fuse_mounted_on(abs, type, sizeof(type),
						 source, sizeof(source))) {
		fprintf(stderr, "orgfs: cannot use mountpoint '%s': already "
			"mounted (%s %s); unmount it first with 'fusermount3 "
			"-u %s'\n", mp, type, source, mp);
		return -1;
	}
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

/* The daemon's memory holds the credentials: no core dump of it, and no
 * ptrace or /proc/PID/mem by the user's other processes (as ssh-agent
 * does), unless -o allow_core_dumps asks for dumps to debug with. */
static void protect_memory(int allow_core_dumps)
{
	struct rlimit none = { 0, 0 };

	if (allow_core_dumps)
		return;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) ||
	    setrlimit(RLIMIT_CORE, &none))
		olog(LOG_WARNING, "cannot disable core dumps: %s; a dump "
		     "would hold the credentials", strerror(errno));
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

/* SIGHUP, in the signal thread (fs/signals.c) */
static void drop_cache(void *arg)
{
	struct orgfs *fs = arg;

	ruleset_reload(fs);     /* -o rules, -o owners_file: read again */
	org_drop(fs->org);
	resindex_drop(fs->index);
	ops_dropped(fs);
}

/* libfuse takes any number for its worker threads: 0 workers would
 * serve nothing, and an idle count above libfuse's own limit is dropped
 * by it with a message that names neither option.
 * @return 0, or -1 (printed) */
static int threads_check(const struct fuse_cmdline_opts *cl)
{
	if (!cl->max_threads || cl->max_threads > MAX_WORKERS) {
		fprintf(stderr, "orgfs: max_threads=%u: give 1 to %u\n",
			cl->max_threads, MAX_WORKERS);
		return -1;
	}
	if (cl->max_idle_threads != UINT_MAX &&
	    cl->max_idle_threads > cl->max_threads) {
		fprintf(stderr, "orgfs: max_idle_threads=%u: give 0 to "
			"max_threads (%u)\n", cl->max_idle_threads,
			cl->max_threads);
		return -1;
	}
	return 0;
}

/* The command line into args, cl, o and the FUSE session *se (which
 * takes fs), whose options libfuse checks here: an unknown option is
 * reported before a missing mountpoint (resolve_mountpoint, after the
 * values are checked: a bad value and a bad mountpoint are both told).
 * @return 0 to go on, 1 when the help or version was printed, -1 on an
 * error (printed) */
static int parse_command_line(int argc, char *argv[], struct fuse_args *args,
			      struct fuse_cmdline_opts *cl, struct options *o,
			      struct orgfs *fs, struct fuse_session **se)
{
	int res = options_parse(argc, argv, args, o);

	if (res)
		return res;
	/* before libfuse looks at it, so that its problems read like ours */
	fuse_set_log_func(fuse_log_to_olog);
	/* args holds no mountpoint (o has it), so libfuse resolves none */
	if (fuse_parse_cmdline(args, cl) != 0)
		return -1;
	if (cl->show_help || cl->show_version) {
		options_usage(argv[0]);
		return 1;
	}
	if (threads_check(cl))
		return -1;
	/* read-only, no atime updates, and clean up after a crash */
	if (fuse_opt_add_arg(args, "-oro,noatime,default_permissions") ||
	    fuse_opt_add_arg(args, "-oauto_unmount")) {
		fprintf(stderr, "orgfs: out of memory\n");
		return -1;
	}
	*se = fuse_session_new(args, &orgfs_ops, sizeof(orgfs_ops), fs);
	if (!*se)
		return -1;              /* libfuse printed why */
	return 0;
}

/* The mountpoint, checked and made absolute into cl->mountpoint.
 * @return 0, or -1 (printed) */
static int resolve_mountpoint(const struct options *o,
			      struct fuse_cmdline_opts *cl)
{
	char abs[PATH_MAX];

	if (!o->mountpoint) {
		fprintf(stderr, "orgfs: no mountpoint given (see orgfs --help)\n");
		return -1;
	}
	if (check_mountpoint(o->mountpoint))
		return -1;
	if (!realpath(o->mountpoint, abs) || !(cl->mountpoint = strdup(abs))) {
		fprintf(stderr, "orgfs: cannot use mountpoint '%s': %s\n",
			o->mountpoint, strerror(errno));
		return -1;
	}
	return 0;
}

/* The AWS source, with credentials proven now.
 * @return 0, or -1 (printed) with nothing left open */
static int open_aws(struct options *o, struct orgfs *fs, struct mountsrc *ms,
		    struct org_source **out)
{
	struct org_source *src;

	if (http_global_init()) {
		fprintf(stderr, "orgfs: cannot initialise libcurl\n");
		return -1;
	}
	/* prints its own one-line error */
	if (mountsrc_open(&o->aws, ms))
		goto out_http;
	src = ms->source;
	fs->identity = strdup(ms->identity);
	options_config_source(o, fs, ms);
	if (o->aws.config_aggregator && o->aws.resource_explorer_view) {
		fprintf(stderr, "orgfs: config_aggregator and "
			"resource_explorer_view exclude each other\n");
		goto out_src;
	}
	if (o->aws.config_aggregator || o->aws.resource_explorer_view) {
		fs->aggregated = 1;
		options_config_line(fs, "resources_from", "%s",
				    o->aws.config_aggregator ?
				    "config aggregator" : "resource explorer");
		options_config_line(fs, o->aws.config_aggregator ?
				    "config_aggregator" : "resource_explorer_view",
				    "%s", o->aws.config_aggregator ?
				    o->aws.config_aggregator :
				    o->aws.resource_explorer_view);
	}
	/* the AWS source's default: every region each account enabled */
	if (options_default_regions(fs, "all"))
		goto out_src;
	*out = src;
	return 0;
out_src:
	src->ops->destroy(src);
	mountsrc_close(ms);
out_http:
	http_global_cleanup();
	return -1;
}

/* The source: the demo, or AWS.
 * @return 0, or -1 (printed) with nothing left open */
static int open_source(struct options *o, struct orgfs *fs,
		       struct mountsrc *ms, struct org_source **out)
{
	struct org_source *src;
	struct buf d;

	json_object_seed(0);
	if (options_apply_source(o, fs))
		return -1;
	if (!o->demo) {
		if (open_aws(o, fs, ms, &src))
			return -1;
	} else {
		if (options_default_regions(fs, DEMO_REGIONS))
			return -1;
		src = demo_source_new_with(&o->demo_opts);
		if (!src) {
			fprintf(stderr, "orgfs: cannot build the demo "
				"organization: out of memory\n");
			return -1;
		}
		fs->identity = strdup("demo (no credentials)");
		options_config_source(o, fs, NULL);
	}
	buf_init(&d, 4096);
	src->ops->describe(src, &d);
	fs->source_desc = buf_steal(&d);
	*out = src;
	return 0;
}

/* After the org let go of the source */
static void close_source(const struct options *o, struct mountsrc *ms)
{
	mountsrc_close(ms);
	if (!o->demo)
		http_global_cleanup();
}

/* Mounts se, then daemonizes unless -f.
 * @return 0, or -1 (printed) */
static int mount_fs(struct fuse_session *se,
		    const struct fuse_cmdline_opts *cl, struct orgfs *fs)
{
	char *reap_path;

	fs->se = se;
	reap_path = reaper_path(cl->mountpoint);
	if (fuse_session_mount(se, cl->mountpoint) != 0) {
		free(reap_path);
		return -1;
	}
	log_start(cl->foreground);     /* -o log, else syslog unless -f */
	fuse_daemonize(cl->foreground);
	if (reap_path)
		reaper_start(reap_path);        /* before any thread */
	free(reap_path);
	signals_block();
	return 0;
}

/* The FUSE loop, until an unmount, SIGTERM or SIGINT.
 * @return the exit status */
static int run_loop(struct fuse_session *se,
		    const struct fuse_cmdline_opts *cl)
{
	struct fuse_loop_config *loop_cfg;
	int ret;

	signals_loop_enter();
	if (cl->singlethread) {
		ret = fuse_session_loop(se);
	} else {
		loop_cfg = fuse_loop_cfg_create();
		if (!loop_cfg) {
			olog(LOG_ERR, "cannot start the FUSE loop: out of "
			     "memory");
			return 1;
		}
		fuse_loop_cfg_set_clone_fd(loop_cfg, cl->clone_fd);
		/* libfuse adds a worker whenever all are busy, up to
		 * max_threads (default 10), and by default keeps the idle
		 * ones: their number, stacks and buffers reach a plateau.
		 * max_idle_threads, when given, ends the idle workers beyond
		 * it (memory back after a burst, threads made again in the
		 * next one); UINT_MAX is libfuse's "not given". */
		fuse_loop_cfg_set_max_threads(loop_cfg, cl->max_threads);
		if (cl->max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(loop_cfg,
						       cl->max_idle_threads);
		ret = fuse_session_loop_mt(se, loop_cfg);
		fuse_loop_cfg_destroy(loop_cfg);
	}
	/* SIGTERM or SIGINT asked for an unmount, which is a clean exit */
	return ret ? 1 : 0;
}

/* Mounts se, starts the org and the threads, serves, and takes it all
 * down again, se too; the org takes src.
 * @return the exit status */
static int serve(struct options *o, struct orgfs *fs, struct org_source *src,
		 struct fuse_session *se, const struct fuse_cmdline_opts *cl)
{
	struct prefetch *pf = NULL;
	int ret = 1;

	/* SIGTERM, SIGINT and SIGHUP are taken by a thread of their own,
	 * whatever this process inherited (fs/signals.h) */
	signals_prepare();
	o->org.on_change = ops_data_changed;
	o->org.on_change_arg = fs;
	if (getenv("ORGFS_TEST_CLOCK_FILE"))
		o->org.clock_ms = test_clock_ms;
	fs->mount_time = time(NULL);
	fs->layout = &tree_layout;
	if (mount_fs(se, cl, fs))
		goto out;

	/* Threads only now: those started before fuse_daemonize()'s fork
	 * would not exist in the daemon.  The cache's workers come with
	 * the org. */
	fs->org = org_new(src, &o->org);
	if (!fs->org) {
		olog(LOG_ERR, "cannot create the cache: out of memory");
		goto out_unmount;
	}
	fs->index = resindex_new(fs->org, fs->regions, fs->nregions,
				 fs->aggregated);
	if (!fs->index) {
		olog(LOG_ERR, "cannot start: out of memory");
		goto out_unmount;
	}
	if (ops_start(fs)) {
		olog(LOG_ERR, "cannot start: out of memory");
		goto out_unmount;
	}
	if (signals_start(se, cl->mountpoint, drop_cache, fs)) {
		olog(LOG_ERR, "cannot start: no thread for signals");
		goto out_stop;
	}
	if (o->prefetch)
		pf = prefetch_start(fs, cl->foreground &&
				    isatty(STDERR_FILENO));
	ret = run_loop(se, cl);
	/* unmounted: what is still on the network is not waited for */
	http_abort_all();
	signals_stop();
out_stop:
	ops_stop(fs);
	prefetch_stop(pf);
out_unmount:
	fuse_session_unmount(se);
out:
	fuse_session_destroy(se);
	if (!fs->org)
		src->ops->destroy(src);
	else {
		resindex_free(fs->index);
		org_free(fs->org);      /* frees the source too */
	}
	return ret;
}

/* What the options put in fs */
static void free_settings(struct orgfs *fs)
{
	size_t i;

	free(fs->identity);
	free(fs->source_desc);
	buf_free(&fs->config_text);
	rules_free(fs->rules);
	ruleset_free(fs);
	for (i = 0; i < fs->nregions; i++)
		free(fs->regions[i]);
	free(fs->regions);
	owner_config_free(&fs->owners);
	owner_list_free(fs->known_owners);
	owner_groups_free(fs->owner_groups);
}

/* glibc's tcache keeps, in each thread, up to 7 freed blocks of each
 * size up to 1 KiB for that thread to take again, out of the reach of
 * malloc_trim(): over SIGHUP cycles the caches of the 25-odd threads pin
 * ever more scattered pages of the arenas, and RSS crept up for ten
 * cycles and more, to 2 MiB above what it is with the caches off, and
 * on (issue 18.7, BENCHMARKS.md).  They can be sized only
 * before the process starts (GLIBC_TUNABLES), so orgfs starts itself
 * again, once, with them off; not when the tunable is set already (the
 * user's choice), nor under valgrind or a sanitizer (their own malloc).
 * REEXEC_MARK carries the environment's GLIBC_TUNABLES ("-" none, else
 * "+" and its value) so that the second start puts it back for the
 * processes orgfs runs (credential_process). */
#define TCACHE_OFF "glibc.malloc.tcache_count=0"
#define REEXEC_MARK "ORGFS_MALLOC_TUNED"

static void tunables_restore(const char *mark)
{
	if (mark[0] == '+')
		setenv("GLIBC_TUNABLES", mark + 1, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	unsetenv(REEXEC_MARK);
}

static void malloc_reexec(char *argv[])
{
	const char *t = getenv("GLIBC_TUNABLES");
	const char *pre = getenv("LD_PRELOAD");
	char *mark = NULL, *val = NULL;
	char self[PATH_MAX];
	ssize_t len;

	if (getenv(REEXEC_MARK)) {
		/* the second start: ld.so read the tunable already */
		mark = strdup(getenv(REEXEC_MARK));
		if (mark)
			tunables_restore(mark);
		free(mark);
		return;
	}
	if (MEMTRIM_OWN_MALLOC || (t && strstr(t, "glibc.malloc.tcache_count")) ||
	    (pre && strstr(pre, "vgpreload")))
		return;
	/* by its path, not /proc/self/exe: the process keeps its name
	 * (comm), which pkill -x orgfs and ps go by */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0 || len >= (ssize_t)sizeof(self) - 1)
		return;
	self[len] = '\0';
	if (asprintf(&mark, "%s%s", t ? "+" : "-", t ? t : "") < 0)
		return;
	if (asprintf(&val, "%s%s" TCACHE_OFF, t ? t : "",
		     t && *t ? ":" : "") < 0)
		val = NULL;     /* undefined after a failure */
	else if (!setenv(REEXEC_MARK, mark, 1) &&
		 !setenv("GLIBC_TUNABLES", val, 1))
		execv(self, argv);
	/* not started again (no /proc?): with the caches, as before */
	tunables_restore(mark);
	free(mark);
	free(val);
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se = NULL;
	struct fuse_cmdline_opts cl;
	struct options o;
	struct orgfs fs;
	struct mountsrc ms;
	struct org_source *src;
	int res, ret = 1;

	malloc_reexec(argv);
	memset(&fs, 0, sizeof(fs));
	memset(&ms, 0, sizeof(ms));
	memset(&cl, 0, sizeof(cl));
	/* glibc gives each of the many FUSE and fetch threads an arena of its
	 * own (up to 8 per core), each holding freed memory apart: a few
	 * shared arenas keep RSS near what is in use (issue 9, memory).
	 * MALLOC_ARENA_MAX in the environment still decides when set. */
	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, 2);
	/* glibc raises its mmap threshold each time a large block is freed,
	 * after which the FUSE threads' 1 MiB request buffers and large
	 * renderings come from the arenas, where freed they stay resident
	 * and fragment them (RSS crept up with every SIGHUP cycle, issue
	 * 18.7); fixed, they are mapped apart and given back on free */
	if (!getenv("MALLOC_MMAP_THRESHOLD_"))
		mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	buf_init(&fs.config_text, 1 << 16);

	res = parse_command_line(argc, argv, &args, &cl, &o, &fs, &se);
	if (!res)
		protect_memory(o.allow_core_dumps);
	if (res > 0) {
		ret = 0;
	} else if (!res) {
		/* a bad value and a bad mountpoint are both reported */
		res = options_apply(&o, &fs, cl.debug);
		res |= resolve_mountpoint(&o, &cl);
	}
	if (!res && !open_source(&o, &fs, &ms, &src)) {
		options_config(&o, &fs);
		ret = serve(&o, &fs, src, se, &cl);
		se = NULL;
		close_source(&o, &ms);
	}
	if (se)
		fuse_session_destroy(se);
	free_settings(&fs);
	free(cl.mountpoint);
	fuse_opt_free_args(&args);
	options_free(&o);
	return ret;
}
