/* ids.c - AWS Organizations identifiers against their documented
 * patterns (see ids.h) */
#include <string.h>

#include "arn.h"
#include "ids.h"

/* s is prefix followed by min..max bytes of the class: digits, lower
 * case letters, upper case letters, '_' (each flag one class). */
enum { DIG = 1, LOW = 2, UP = 4, UND = 8 };

static int in_class(char c, int cls)
{
	return ((cls & DIG) && c >= '0' && c <= '9') ||
	       ((cls & LOW) && c >= 'a' && c <= 'z') ||
	       ((cls & UP) && c >= 'A' && c <= 'Z') ||
	       ((cls & UND) && c == '_');
}

/* The length of the run of cls at s, when it is within min..max and
 * ends at a byte that is not of the class; else 0. */
static size_t run(const char *s, int cls, size_t min, size_t max)
{
	size_t n = 0;

	while (s[n] && in_class(s[n], cls))
		if (++n > max)
			return 0;
	return n >= min ? n : 0;
}

static int whole(const char *s, const char *prefix, int cls, size_t min,
		 size_t max)
{
	size_t k = strlen(prefix), n;

	if (!s || strncmp(s, prefix, k))
		return 0;
	n = run(s + k, cls, min, max);
	return n && !s[k + n];
}

int ids_is_account(const char *s)
{
	return whole(s, "", DIG, 12, 12);
}

int ids_is_root(const char *s)
{
	return whole(s, "r-", DIG | LOW, 4, 32);
}

int ids_is_ou(const char *s)
{
	size_t n;

	if (!s || strncmp(s, "ou-", 3))
		return 0;
	n = run(s + 3, DIG | LOW, 4, 32);
	if (!n || s[3 + n] != '-')
		return 0;
	return whole(s + 3 + n, "-", DIG | LOW, 8, 32);
}

int ids_is_org(const char *s)
{
	return whole(s, "o-", DIG | LOW, 10, 32);
}

int ids_is_policy(const char *s)
{
	return whole(s, "p-", DIG | LOW | UP | UND, 8, 128);
}

int ids_is_parent(const char *s)
{
	return ids_is_root(s) || ids_is_ou(s);
}

int ids_is_target(const char *s)
{
	return ids_is_parent(s) || ids_is_account(s);
}

/* The n '/'-separated parts of p, each checked by its own function (NULL:
 * [0-9a-z_]+, a policy type).  @return 1 when all match */
static int parts_are(const char *p, int n, int (*const check[])(const char *))
{
	char part[160];

	for (int i = 0; i < n; i++) {
		const char *e = strchrnul(p, '/');
		size_t k = (size_t)(e - p);

		if (k >= sizeof(part) || (i < n - 1) != (*e == '/'))
			return 0;
		memcpy(part, p, k);
		part[k] = '\0';
		if (check[i] ? !check[i](part) :
		    !k || run(part, DIG | LOW | UND, 1, sizeof(part)) != k)
			return 0;
		p = e + 1;
	}
	return 1;
}

int ids_is_org_arn(const char *s)
{
	static int (*const org[])(const char *) = { ids_is_org };
	static int (*const account[])(const char *) = { ids_is_org,
							 ids_is_account };
	static int (*const root[])(const char *) = { ids_is_org, ids_is_root };
	static int (*const ou[])(const char *) = { ids_is_org, ids_is_ou };
	static int (*const policy[])(const char *) = { ids_is_org, NULL,
							ids_is_policy };
	static int (*const managed[])(const char *) = { NULL, ids_is_policy };
	struct arn a;
	const char *res;
	int aws;

	if (!s)
		return 0;
	if (!*s)
		return 1;
	if (arn_parse(s, &a) || strcmp(a.service, "organizations") ||
	    strcmp(a.region, "global") || !*a.account)
		return 0;
	aws = !strcmp(a.account, "aws");
	/* the resource part, as AWS wrote it (arn_parse splits it) */
	res = s;
	for (int i = 0; i < 5; i++)
		res = strchr(res, ':') + 1;
	if (!strncmp(res, "policy/", 7))
		return aws ? parts_are(res + 7, 2, managed) :
			     parts_are(res + 7, 3, policy);
	if (aws)
		return 0;
	if (!strncmp(res, "organization/", 13))
		return parts_are(res + 13, 1, org);
	if (!strncmp(res, "account/", 8))
		return parts_are(res + 8, 2, account);
	if (!strncmp(res, "root/", 5))
		return parts_are(res + 5, 2, root);
	if (!strncmp(res, "ou/", 3))
		return parts_are(res + 3, 2, ou);
	return 0;
}

int ids_name_has_id_suffix(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	const char *open;
	char id[72];

	if (n < 4 || name[n - 1] != ')')
		return 0;
	open = strrchr(name, '(');
	if (!open || open == name || open[-1] != ' ' ||
	    (size_t)(name + n - 1 - (open + 1)) >= sizeof(id))
		return 0;
	memcpy(id, open + 1, (size_t)(name + n - 1 - (open + 1)));
	id[name + n - 1 - (open + 1)] = '\0';
	return ids_is_target(id);
}

const char *ids_describe(int (*check)(const char *))
{
	if (check == ids_is_account)
		return "an account id (12 digits)";
	if (check == ids_is_root)
		return "a root id (r-[0-9a-z]{4,32})";
	if (check == ids_is_ou)
		return "an OU id (ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})";
	if (check == ids_is_org)
		return "an organization id (o-[a-z0-9]{10,32})";
	if (check == ids_is_policy)
		return "a policy id (p-[0-9a-zA-Z_]{8,128})";
	if (check == ids_is_parent)
		return "a root or OU id";
	if (check == ids_is_target)
		return "a root, OU or account id";
	if (check == ids_is_org_arn)
		return "an ARN of AWS Organizations";
	return "an identifier";
}
