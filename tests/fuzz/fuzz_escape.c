/* fuzz_escape.c - names as file names: escape_name, unescape_name
 *
 * The promises of escape.h: an escape never holds '/' or NUL and is at
 * most NAME_MAX bytes; unescape(escape(x)) == x unless the escape was
 * hashed; and every name has one spelling: when unescape(s) succeeds,
 * escape(unescape(s)) == s.
 */
#include <errno.h>

#include "escape.h"
#include "fuzz_util.h"

/* Length of the escape of s before any shortening. */
static size_t full_len(const char *s)
{
	size_t n = 0;

	if (!*s)
		return 3;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p == '/' || *p == '%' || *p < 0x20 || *p == 0x7f ||
		      (p == (const unsigned char *)s && *p == '.')) ? 3 : 1;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *e, *u = NULL, *again;
	int rc;

	e = escape_name(s);
	FUZZ_ASSERT(e);
	FUZZ_ASSERT(!strchr(e, '/'));
	FUZZ_ASSERT(*e && strlen(e) <= ESCAPE_NAME_MAX);
	FUZZ_ASSERT(strcmp(e, ".") && strcmp(e, ".."));
	rc = unescape_name(e, &u);
	if (strstr(e, "%~")) {
		FUZZ_ASSERT(rc == -ENAMETOOLONG);
		FUZZ_ASSERT(full_len(s) > ESCAPE_NAME_MAX);
	} else {
		FUZZ_ASSERT(full_len(s) == strlen(e));
		FUZZ_ASSERT(rc == 0);
		FUZZ_ASSERT(!strcmp(u, s));
		free(u);
	}
	free(e);

	/* the input read as an escaped name */
	u = NULL;
	rc = unescape_name(s, &u);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENAMETOOLONG);
	if (rc == 0) {
		again = escape_name(u);
		FUZZ_ASSERT(again);
		FUZZ_ASSERT(!strcmp(again, s));
		free(again);
		free(u);
	}
	free(s);
	return 0;
}
