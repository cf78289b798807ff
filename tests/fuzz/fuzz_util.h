/* fuzz_util.h - small helpers shared by the libFuzzer harnesses */
#ifndef ORGFS_FUZZ_UTIL_H
#define ORGFS_FUZZ_UTIL_H

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test promised does not hold: abort, so that
 * libFuzzer saves the input as a crash. */
#define FUZZ_ASSERT(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: property failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* data as a C string (cut at the first NUL); never NULL (aborts when out
 * of memory, which libFuzzer reports as a crash of the harness) */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);

	if (!s)
		abort();
	return s;
}

/* Split off the next '\n'-terminated field of *data; the rest stays. */
static inline char *fuzz_field(const uint8_t **data, size_t *size)
{
	const uint8_t *nl = memchr(*data, '\n', *size);
	size_t n = nl ? (size_t)(nl - *data) : *size;
	char *s = fuzz_cstr(*data, n);

	*data += nl ? n + 1 : n;
	*size -= nl ? n + 1 : n;
	return s;
}

/* The JSON string value of "key" in text, also when the document around
 * it is broken ("key" "value" without a colon), when it looks like a
 * secret: 21 or more base64 characters (AWS secret keys have 40, tokens
 * hundreds; jansson's messages quote a token only up to 20 bytes, so a
 * shorter made-up "secret" may be echoed: known, accepted).  NULL
 * otherwise. */
static inline char *secret_after(const char *text, const char *key)
{
	const char *p = strstr(text, key), *v;
	size_t n = 0;

	if (!p || p[strlen(key)] != '"')
		return NULL;
	p += strlen(key) + 1;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == ':')
		p++;
	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != '"')
		return NULL;
	for (v = p; isalnum((unsigned char)v[n]) || v[n] == '/' ||
	     v[n] == '+' || v[n] == '='; n++)
		;
	return n >= 21 ? strndup(v, n) : NULL;
}

#endif
