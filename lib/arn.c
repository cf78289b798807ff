/* arn.c - Amazon Resource Names taken apart for the resource tree */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arn.h"

/* ResourceType of the services whose ARN ends in a bare name. */
static const struct {
	const char *service;
	const char *type;
} default_types[] = {
	{ "codecommit", "repository" },
	{ "s3", "bucket" },
	{ "sns", "topic" },
	{ "sqs", "queue" },
};

static const char *default_type(const char *service)
{
	for (size_t i = 0; i < sizeof(default_types) / sizeof(*default_types);
	     i++)
		if (!strcmp(default_types[i].service, service))
			return default_types[i].type;
	return "";
}

/* [a-z0-9-]*, and non-empty when required */
static int is_slug(const char *s, int nonempty)
{
	if (nonempty && !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-'))
			return 0;
	return 1;
}

static int is_account(const char *s)
{
	size_t n = 0;

	if (!*s || !strcmp(s, "aws"))
		return 1;
	for (; s[n]; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n == 12;
}

static int valid_partition(const char *s)
{
	if (strncmp(s, "aws", 3))
		return 0;
	return !s[3] || (s[3] == '-' && is_slug(s + 4, 1));
}

/* Split the resource part res (inside a->buf) into type and id. */
static int split_resource(struct arn *a, char *res, int no_region)
{
	size_t p;

	if (!strcmp(a->service, "s3") && !*a->account && no_region) {
		/* bucket names have neither '/' nor ':' */
		a->type = strchr(res, '/') ? "object" : "bucket";
		a->id = res;
		return 0;
	}
	if (*res == '/')
		res++;                  /* API Gateway: "/restapis/id" */
	p = strcspn(res, "/:");
	if (!strcmp(a->service, "sns") && res[p] == ':') {
		a->type = "subscription";
		a->id = res;
		return 0;
	}
	if (!res[p]) {
		a->type = default_type(a->service);
		a->id = res;
		return *res ? 0 : -EINVAL;
	}
	if (p == 0)
		return -EINVAL;
	res[p] = '\0';
	a->type = res;
	a->id = res + p + 1;
	if (!strcmp(a->service, "logs") && !strcmp(a->type, "log-group")) {
		size_t n = strlen(a->id);

		if (n > 2 && !strcmp(a->id + n - 2, ":*"))
			res[p + 1 + n - 2] = '\0';
	}
	return *a->id ? 0 : -EINVAL;
}

int arn_parse(const char *s, struct arn *out)
{
	char *f[6], *p;
	size_t len, i;

	if (!s || !out)
		return -EINVAL;
	len = strlen(s);
	if (len > ARN_MAX_LEN || strncmp(s, "arn:", 4))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -EINVAL;
	memcpy(out->buf, s, len + 1);
	p = out->buf;
	for (i = 0; i < 5; i++) {
		f[i] = p;
		p = strchr(p, ':');
		if (!p)
			return -EINVAL;
		*p++ = '\0';
	}
	f[5] = p;
	out->partition = f[1];
	out->service = f[2];
	out->region = *f[3] ? f[3] : "global";
	out->account = f[4];
	if (!valid_partition(f[1]) || !is_slug(f[2], 1) || !is_slug(f[3], 0) ||
	    !is_account(f[4]) || !*f[5])
		return -EINVAL;
	return split_resource(out, f[5], !*f[3]);
}

int arn_fill_resource(const char *arn, const char *default_account,
		      struct org_resource *r)
{
	struct arn a;
	char **dst[] = { &r->arn, &r->service, &r->region, &r->account,
			 &r->type, &r->id };
	const char *src[6];
	int rc;

	rc = arn_parse(arn, &a);
	if (rc < 0)
		return rc;
	src[0] = arn;
	src[1] = a.service;
	src[2] = a.region;
	src[3] = *a.account ? a.account :
		 default_account ? default_account : "";
	src[4] = a.type;
	src[5] = a.id;
	for (size_t i = 0; i < 6; i++) {
		*dst[i] = strdup(src[i]);
		if (!*dst[i]) {
			for (size_t j = 0; j <= i; j++) {
				free(*dst[j]);
				*dst[j] = NULL;
			}
			return -ENOMEM;
		}
	}
	return 0;
}
