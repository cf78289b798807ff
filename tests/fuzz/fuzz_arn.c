/* fuzz_arn.c - ARNs and identifiers: arn_parse, arn_fill_resource, and
 * lib/ids.h's checks of Organizations identifiers */
#include <ctype.h>
#include <errno.h>

#include "arn.h"
#include "fuzz_util.h"
#include "ids.h"
#include "model.h"

/* A part is a string in buf, or a constant ("global", a default type). */
static int part_ok(const struct arn *a, const char *p)
{
	if (!p)
		return 0;
	if (p >= a->buf && p < a->buf + sizeof(a->buf))
		return memchr(p, 0, (size_t)(a->buf + sizeof(a->buf) - p)) != NULL;
	return strlen(p) < 64;
}

static int slug(const char *s)
{
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '-')
			return 0;
	return 1;
}

static int account_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || !strcmp(s, "aws"))
		return 1;
	if (n != 12)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* What any identifier ids.h accepts is a safe single path component:
 * not empty, no '/', no '.' or "..", no control byte, at most 130 bytes
 * (the model's longest id); an ARN it accepts is one arn_parse takes. */
static void check_ids(const char *s)
{
	int (*const ids[])(const char *) = {
		ids_is_account, ids_is_root, ids_is_ou, ids_is_org,
		ids_is_policy, ids_is_parent, ids_is_target,
	};
	struct arn *a;

	for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++) {
		if (!ids[i](s))
			continue;
		FUZZ_ASSERT(*s && strlen(s) <= 130 && !strchr(s, '/'));
		FUZZ_ASSERT(strcmp(s, ".") && strcmp(s, ".."));
		for (const char *p = s; *p; p++)
			FUZZ_ASSERT(isalnum((unsigned char)*p) || *p == '-' ||
				    *p == '_');
	}
	if (*s && ids_is_org_arn(s)) {
		a = malloc(sizeof(*a));
		if (!a)
			abort();
		FUZZ_ASSERT(arn_parse(s, a) == 0);
		FUZZ_ASSERT(!strcmp(a->service, "organizations"));
		free(a);
	}
	if (ids_name_has_id_suffix(s))
		FUZZ_ASSERT(s[strlen(s) - 1] == ')' && strstr(s, " ("));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct org_resource r;
	struct arn *a;
	int rc;

	check_ids(s);
	a = malloc(sizeof(*a));
	if (!a)
		abort();
	rc = arn_parse(s, a);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	if (rc == 0) {
		const char *parts[] = { a->partition, a->service, a->region,
					a->account, a->type, a->id };

		for (size_t i = 0; i < 6; i++)
			FUZZ_ASSERT(part_ok(a, parts[i]));
		FUZZ_ASSERT(strlen(s) <= ARN_MAX_LEN);
		FUZZ_ASSERT(!strncmp(a->partition, "aws", 3));
		FUZZ_ASSERT(*a->service && slug(a->service));
		FUZZ_ASSERT(*a->region && slug(a->region));
		FUZZ_ASSERT(account_ok(a->account));
		FUZZ_ASSERT(*a->id);
		for (const char *p = a->id; *p; p++)
			FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
	}

	memset(&r, 0, sizeof(r));
	rc = arn_fill_resource(s, "123456789012", &r);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc == 0) {
		FUZZ_ASSERT(r.arn && !strcmp(r.arn, s));
		FUZZ_ASSERT(r.service && r.region && r.account && r.type && r.id);
		FUZZ_ASSERT(*r.account && *r.id);
		free(r.arn);
		free(r.service);
		free(r.region);
		free(r.account);
		free(r.type);
		free(r.id);
	}
	free(a);
	free(s);
	return 0;
}
