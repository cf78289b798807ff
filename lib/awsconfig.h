/* awsconfig.h - ~/.aws/config and ~/.aws/credentials as the AWS CLI reads them
 *
 * Both files are INI as Python's configparser.RawConfigParser reads it
 * (botocore's raw_config_parse): whole-line comments only, "key = value" or
 * "key: value", option names lower-cased, section names case-sensitive,
 * duplicate sections or options in one file are errors, and an empty value
 * followed by indented "k = v" lines is a one-level sub-section.
 *
 * The config file's [default] / [profile x] sections are profiles,
 * [sso-session x] and [services x] their own maps; every section of the
 * credentials file is merged into the profile of the same name, its keys
 * winning (botocore's session.full_config).  Missing files are fine.
 */
#ifndef ORGFS_AWSCONFIG_H
#define ORGFS_AWSCONFIG_H

#include <stddef.h>

struct awscfg_kv {
	char *key;                      /* lower case */
	char *value;                    /* "" for a sub-section */
	struct awscfg_kv *sub;          /* sub-section entries, key as written */
	size_t nsub;
	int from_credentials;           /* set by the credentials file */
};

struct awscfg_section {
	char *name;                     /* "dev" for [profile dev] */
	struct awscfg_kv *kv;
	size_t nkv;
	int in_config;                  /* declared in the config file */
	int in_credentials;             /* declared in the credentials file */
};

struct awscfg;

/* getenv replacement for tests; NULL: getenv */
typedef const char *(*awscfg_getenv_fn)(const char *name);

/* Read the files: AWS_CONFIG_FILE or ~/.aws/config, and
 * AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials ("~" expanded).
 * @return 0, -ENOMEM, or -EINVAL/-EACCES/-EIO with err naming the file and
 *	line ("cannot parse /h/.aws/config line 3: ...") */
int awscfg_load(awscfg_getenv_fn getenv_fn, struct awscfg **out,
		char *err, size_t errlen);

/* An empty configuration; then feed text with awscfg_parse_string. */
struct awscfg *awscfg_new(void);
/* Parse one file's text.  fname is used in messages.
 * @return 0 or -EINVAL/-ENOMEM with err set */
int awscfg_parse_string(struct awscfg *cfg, const char *text,
			const char *fname, int is_credentials,
			char *err, size_t errlen);
void awscfg_free(struct awscfg *cfg);

/* Lookups return borrowed pointers valid until awscfg_free, or NULL. */
const struct awscfg_section *awscfg_profile(const struct awscfg *cfg,
					    const char *name);
const struct awscfg_section *awscfg_sso_session(const struct awscfg *cfg,
						const char *name);
const struct awscfg_section *awscfg_services(const struct awscfg *cfg,
					     const char *name);
/* What awscfg_load() found that lets others change a file (it warned
 * then, on the log). */
enum {
	AWSCFG_GROUP_WRITABLE = 1,
	AWSCFG_WORLD_WRITABLE = 2,
	AWSCFG_OTHER_OWNER = 4,         /* neither the user nor root */
};
/* The file kv (of a loaded configuration) came from, "" when none, and in
 * *unsafe the AWSCFG_* mask of it. */
const char *awscfg_file_of(const struct awscfg *cfg,
			   const struct awscfg_kv *kv, int *unsafe);

/* The value of key (case-insensitive); NULL when absent. */
const char *awscfg_get(const struct awscfg_section *s, const char *key);
const struct awscfg_kv *awscfg_get_kv(const struct awscfg_section *s,
				      const char *key);
/* key's sub-section entry subkey ("s3", "max_concurrent_requests"). */
const char *awscfg_get_sub(const struct awscfg_section *s, const char *key,
			   const char *subkey);

enum {
	AWSCFG_PROFILE_DEFAULT = 0,     /* nothing named it: "default" */
	AWSCFG_PROFILE_ENV,             /* AWS_PROFILE / AWS_DEFAULT_PROFILE */
	AWSCFG_PROFILE_EXPLICIT,        /* named by the caller (--profile) */
};

/* The profile to use: explicit, else AWS_PROFILE, else AWS_DEFAULT_PROFILE,
 * else "default"; *from says which.  Only an explicit profile removes the
 * environment provider from the chain (as the CLI's --profile does). */
const char *awscfg_profile_name(const char *explicit_profile,
				awscfg_getenv_fn getenv_fn, int *from);
/* Region: override, else AWS_REGION, else AWS_DEFAULT_REGION, else the
 * profile's region; NULL when none. */
const char *awscfg_region(const struct awscfg *cfg, const char *profile,
			  const char *override, awscfg_getenv_fn getenv_fn);

/* Split a command line like Python's shlex.split (POSIX mode, no
 * comments).  *argv is a NULL-terminated malloc'd vector; free with
 * awscfg_argv_free.  @return 0, -EINVAL (unbalanced quote, empty), -ENOMEM */
int awscfg_shlex_split(const char *s, char ***argv, int *argc);
void awscfg_argv_free(char **argv);

/* The home directory: HOME, else the password database. */
const char *awscfg_home(awscfg_getenv_fn getenv_fn);

#endif
