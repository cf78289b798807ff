/* fuzz_arn.c - ARNs: arn_parse, arn_fill_resource */
#include <ctype.h>
#include <errno.h>

#include "arn.h"
#include "fuzz_util.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct org_resource r;
	struct arn *a;
	int rc;

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
