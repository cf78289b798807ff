/* options.h - orgfs's command line: its options, their defaults and checks,
 * usage() and the .orgfs/config text.
 *
 * Every option is one row of the table in options.c, which gives its
 * spellings, how its value is checked and applied, its default, and its
 * .orgfs/config line.  The steps, in main's order:
 *
 *   options_parse()         argv into libfuse's arguments and the values
 *   options_apply()         check the options every source reads, apply
 *                           them to the cache's config and the mount
 *   options_apply_source()  check and apply those of the source chosen
 *   options_config_source() then options_config(): the .orgfs/config text
 *   options_free()
 *
 * Each check that fails prints one line on stderr ("orgfs: invalid ttl
 * 'x': ..."); the first bad option in table order is the one reported.
 */
#ifndef ORGFS_OPTIONS_H
#define ORGFS_OPTIONS_H

#include "aws.h"
#include "demo.h"
#include "mountsrc.h"
#include "org.h"

struct fuse_args;
struct orgfs;

/* Services whose request rate the user may set (-o rate_organizations=N
 * ...): Organizations, tagging, Config, STS, Resource Explorer, and
 * Identity Center's sso-admin and identitystore. */
#define OPTIONS_NRATES 7
/* Room for every option that takes a value (checked in options.c) */
#define OPTIONS_MAX 64

/* What the command line asks for, checked and applied.  Strings point
 * into the option values, which live until options_free(). */
struct options {
	int demo;                       /* --demo: the demo source, not AWS */
	/* the arguments: orgfs [SOURCE] MOUNTPOINT (SOURCE as mount(8)
	 * passes it: orgfs, aws, aws:PROFILE, demo, demo:N); NULL when
	 * not given */
	const char *source;
	const char *mountpoint;
	struct demo_options demo_opts;
	struct mountsrc_options aws;    /* .rate_limits: rates below */
	struct aws_rate_limit rates[OPTIONS_NRATES];
	struct org_config org;          /* .owners points into the mount */
	int log_level;                  /* LOG_ERR .. LOG_DEBUG, -d included */
	int debug;                      /* -d */
	int prefetch;                   /* --prefetch */
	int allow_core_dumps;           /* -o allow_core_dumps */
	int lazy_sizes;                 /* -o lazy_sizes */
	int listxattr;                  /* -o listxattr */
	int no_listxattr;               /* -o no_listxattr: the default */
	int owner_tags_nocase;          /* -o owner_tags_nocase */
	int resources;                  /* -o resources=on|off */
	/* private to options.c: each option's value as given, or NULL */
	char *given[OPTIONS_MAX];
	char *words[3];                 /* the arguments that are not options */
	int nwords;
	int rw;                         /* -o rw */
	int fsname, subtype;            /* -o fsname=, -o subtype= given */
	int help;
	int version;
};

/* Turns argv into the arguments libfuse reads (args, which the caller
 * frees with fuse_opt_free_args) and o's values: the source argument
 * chooses the source as --demo and --profile do, the mountpoint is left
 * out of args, and args gets fsname= (the source, else orgfs) and
 * subtype=orgfs unless given.  What /etc/fstab and mount(8) pass that
 * means nothing here (_netdev, noauto, nofail, x-*, ...) is dropped.
 * With -h or -V prints the help or the version.
 * @return 0 to go on, 1 when the help or version was printed (exit 0),
 * -1 on an error, printed */
int options_parse(int argc, char *argv[], struct fuse_args *args,
		  struct options *o);

/* The help, as -h prints it */
void options_usage(const char *prog);

/* Checks the options that do not depend on the source, in table order,
 * and applies them to o->org and to fs (TTLs, owners, rules, regions,
 * kernel timeout, ...).  Sets the log level.  debug: -d was given.
 * @return 0, or -1 when one is not valid (printed) */
int options_apply(struct options *o, struct orgfs *fs, int debug);

/* Checks and applies the options of the source o->demo chose: the demo's
 * size, seed and resources, or the AWS request rates.
 * @return 0, or -1 (printed) */
int options_apply_source(struct options *o, struct orgfs *fs);

/* The regions the resource tree lists, when -o regions did not say:
 * spec is a comma-separated list ("us-east-1,eu-west-1").
 * @return 0, or -1 (printed) */
int options_default_regions(struct orgfs *fs, const char *spec);

/* The first lines of .orgfs/config: the source and its settings; ms is
 * the AWS source opened (NULL for the demo). */
void options_config_source(const struct options *o, struct orgfs *fs,
			   const struct mountsrc *ms);
/* The rest of .orgfs/config: the settings every source shares. */
void options_config(const struct options *o, struct orgfs *fs);
/* One "key\tvalue\n" line of .orgfs/config */
void options_config_line(struct orgfs *fs, const char *key,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Frees the option values (what o's strings point into). */
void options_free(struct options *o);

#endif
