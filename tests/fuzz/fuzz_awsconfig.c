/* fuzz_awsconfig.c - ~/.aws/config and ~/.aws/credentials text
 *
 * Input: the config file's text, then optionally a line "%%credentials%%"
 * and the credentials file's text.  Both go through
 * awscfg_parse_string(), the parser awscfg_load() uses; then every
 * section named in the text is looked up, and the values orgfs runs
 * (credential_process) go through awscfg_shlex_split().
 */
#include <errno.h>

#include "awsconfig.h"
#include "fuzz_util.h"

#define SEP "%%credentials%%\n"

static const char *no_env(const char *name)
{
	return NULL;
}

static void split_value(const char *v)
{
	char **argv = NULL;
	int argc = -1, rc;

	if (!v)
		return;
	rc = awscfg_shlex_split(v, &argv, &argc);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc == 0) {
		FUZZ_ASSERT(argc > 0 && argv && !argv[argc]);
		for (int i = 0; i < argc; i++)
			FUZZ_ASSERT(argv[i]);
		awscfg_argv_free(argv);
	}
}

static void look_at(const struct awscfg_section *s)
{
	if (!s)
		return;
	FUZZ_ASSERT(s->name);
	for (size_t i = 0; i < s->nkv; i++) {
		const struct awscfg_kv *kv = &s->kv[i];

		FUZZ_ASSERT(kv->key && kv->value);
		FUZZ_ASSERT(awscfg_get_kv(s, kv->key));
		for (size_t j = 0; j < kv->nsub; j++)
			FUZZ_ASSERT(awscfg_get_sub(s, kv->key, kv->sub[j].key));
	}
	split_value(awscfg_get(s, "credential_process"));
	(void)awscfg_get(s, "region");
	(void)awscfg_get_sub(s, "s3", "max_concurrent_requests");
}

/* Look up every "[...]" line of text under each kind of name. */
static void lookups(const struct awscfg *cfg, const char *text)
{
	const char *p = text;

	while (p && *p) {
		const char *end = strchr(p, '\n'), *close;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *name;

		close = memchr(p, ']', n);
		if (*p == '[' && close) {
			name = strndup(p + 1, (size_t)(close - p - 1));
			if (!name)
				abort();
			const char *bare = name;

			if (!strncmp(bare, "profile ", 8))
				bare += 8;
			else if (!strncmp(bare, "sso-session ", 12))
				bare += 12;
			else if (!strncmp(bare, "services ", 9))
				bare += 9;
			look_at(awscfg_profile(cfg, bare));
			look_at(awscfg_sso_session(cfg, bare));
			look_at(awscfg_services(cfg, bare));
			(void)awscfg_region(cfg, bare, NULL, no_env);
			free(name);
		}
		p = end ? end + 1 : NULL;
	}
	look_at(awscfg_profile(cfg, "default"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *creds, err[512];
	struct awscfg *cfg;
	int rc;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	creds = strstr(text, SEP);
	if (creds) {
		*creds = '\0';
		creds += strlen(SEP);
	}
	cfg = awscfg_new();
	FUZZ_ASSERT(cfg);
	err[0] = '\0';
	rc = awscfg_parse_string(cfg, text, "config", 0, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	FUZZ_ASSERT(rc == 0 || err[0]);
	if (creds) {
		err[0] = '\0';
		rc = awscfg_parse_string(cfg, creds, "credentials", 1, err,
					 sizeof(err));
		FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
		FUZZ_ASSERT(rc == 0 || err[0]);
	}
	lookups(cfg, text);
	if (creds)
		lookups(cfg, creds);
	awscfg_free(cfg);

	/* the first line as a command line */
	{
		char *nl = strchr(text, '\n');

		if (nl)
			*nl = '\0';
		split_value(text);
	}
	free(text);
	return 0;
}
