/* ruleset.c - the rules in force, read again on SIGHUP (ruleset.h) */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "awserr.h"
#include "log.h"
#include "ruleset.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;  /* fs->rules */
static char *rules_path, *owners_path;

static char *absolute(const char *path)
{
	char *p;

	if (!path)
		return NULL;
	p = realpath(path, NULL);
	return p ? p : strdup(path);
}

int ruleset_set_paths(struct orgfs *fs, const char *rules,
		      const char *owners)
{
	(void)fs;
	if (rules) {
		free(rules_path);
		rules_path = absolute(rules);
		if (!rules_path)
			return -ENOMEM;
	}
	if (owners) {
		free(owners_path);
		owners_path = absolute(owners);
		if (!owners_path)
			return -ENOMEM;
	}
	return 0;
}

void ruleset_free(struct orgfs *fs)
{
	(void)fs;
	free(rules_path);
	free(owners_path);
	rules_path = owners_path = NULL;
}

struct rules *ruleset_get(struct orgfs *fs)
{
	struct rules *r;

	pthread_mutex_lock(&lock);
	r = rules_hold(fs->rules);
	pthread_mutex_unlock(&lock);
	return r;
}

void ruleset_report(struct orgfs *fs, const char *path, const char *code,
		    const char *msg)
{
	struct aws_error e;

	aws_error_clear(&e);
	aws_error_set(&e, EINVAL, code, "%s", msg);
	org_record_error(fs->org, path, &e);
	olog(LOG_WARNING, "%s", msg);
}

int ruleset_reload(struct orgfs *fs)
{
	struct owner_list *known = NULL;
	struct rules *r = NULL, *old;
	char msg[512];
	int res = 0;

	if (!rules_path && !owners_path)
		return 0;
	if (owners_path) {
		res = owner_list_load(owners_path, &known, msg, sizeof(msg));
		if (res) {
			ruleset_report(fs, owners_path, "OwnersFileError", msg);
			return res;
		}
	}
	if (!rules_path) {
		/* only the rules consult the known owners */
		owner_list_free(known);
		olog(LOG_INFO, "SIGHUP: read %s again", owners_path);
		return 0;
	}
	res = rules_load(rules_path, known ? known : fs->known_owners, &r,
			 msg, sizeof(msg));
	if (res) {
		owner_list_free(known);
		ruleset_report(fs, rules_path, "RulesFileError", msg);
		return res;
	}
	rules_adopt_owners(r, known);
	pthread_mutex_lock(&lock);
	old = fs->rules;
	fs->rules = r;
	pthread_mutex_unlock(&lock);
	rules_free(old);                /* readers keep theirs until done */
	olog(LOG_INFO, "SIGHUP: %zu rules in force from %s", rules_count(r),
	     rules_path);
	return 0;
}
