/* escape.c - AWS names as file names, reversibly (rule in escape.h) */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "buf.h"
#include "escape.h"

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

static int needs_pct(unsigned char c)
{
	return c == '/' || c == '%' || c < 0x20 || c == 0x7f;
}

/* Escape without the length rule into b. */
static int escape_full(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, run;
	char pct[3] = { '%' };
	int res;

	if (!*p)
		return buf_puts(b, "%00");
	for (i = 0; p[i]; i += run) {
		if (needs_pct(p[i]) || (i == 0 && p[i] == '.')) {
			pct[1] = hex_upper[p[i] >> 4];
			pct[2] = hex_upper[p[i] & 0xf];
			res = buf_append(b, pct, 3);
			run = 1;
		} else {
			/* copy the run of bytes that stay as they are */
			for (run = 1; p[i + run] && !needs_pct(p[i + run]);
			     run++)
				;
			res = buf_append(b, p + i, run);
		}
		if (res)
			return res;
	}
	return 0;
}

/* Where to cut an over-long escape so that no "%XX" and no UTF-8
 * sequence is split. */
static size_t cut_point(const char *e, size_t len)
{
	size_t cut = ESCAPE_KEEP < len ? ESCAPE_KEEP : len;
	int steps;

	if (cut >= 1 && e[cut - 1] == '%')
		return cut - 1;
	if (cut >= 2 && e[cut - 2] == '%')
		return cut - 2;
	/* The first dropped byte is a continuation byte: drop its lead
	 * byte too.  Invalid UTF-8 may have long runs of them; a valid
	 * sequence has at most three. */
	for (steps = 0; steps < 3 && cut > 0 &&
	     ((unsigned char)e[cut] & 0xc0) == 0x80; steps++)
		cut--;
	if (steps == 3 && ((unsigned char)e[cut] & 0xc0) == 0x80)
		cut += 3;
	return cut;
}

int escape_name_buf(struct buf *b, const char *s)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char tail[10] = { '%', '~' };
	struct buf full;
	size_t cut;
	int i, res;

	/* 3 bytes per input byte is the most an escape can take */
	buf_init(&full, SIZE_MAX / 2);
	res = escape_full(&full, s);
	if (res)
		goto out;
	if (full.len <= ESCAPE_NAME_MAX) {
		res = buf_append(b, full.data, full.len);
		goto out;
	}
	cut = cut_point(full.data, full.len);
	SHA256((const unsigned char *)s, strlen(s), md);
	for (i = 0; i < 4; i++) {
		tail[2 + 2 * i] = hex_lower[md[i] >> 4];
		tail[3 + 2 * i] = hex_lower[md[i] & 0xf];
	}
	res = buf_append(b, full.data, cut);
	if (!res)
		res = buf_append(b, tail, sizeof(tail));
out:
	buf_free(&full);
	return res;
}

char *escape_name(const char *s)
{
	struct buf b;

	buf_init(&b, SIZE_MAX / 2);
	if (escape_name_buf(&b, s)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_hashed(const char *s, size_t len)
{
	size_t i;

	if (len < 10 || s[len - 10] != '%' || s[len - 9] != '~')
		return 0;
	for (i = len - 8; i < len; i++)
		if (!strchr(hex_lower, s[i]))
			return 0;
	return 1;
}

int unescape_name(const char *s, char **out)
{
	size_t len = strlen(s), i, n = 0;
	char *r, *again = NULL;
	int res = -EINVAL;

	if (is_hashed(s, len))
		return -ENAMETOOLONG;
	r = malloc(len + 1);
	if (!r)
		return -ENOMEM;
	if (!strcmp(s, "%00"))
		goto done;
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '%') {
			r[n++] = s[i];
			continue;
		}
		if (len - i < 3)
			goto fail;
		hi = hexval(s[i + 1]);
		lo = hi < 0 ? -1 : hexval(s[i + 2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			goto fail;
		r[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
done:
	r[n] = '\0';
	/* Only the one spelling escape_name() produces is accepted. */
	again = escape_name(r);
	if (!again) {
		res = -ENOMEM;
		goto fail;
	}
	if (strcmp(again, s))
		goto fail;
	free(again);
	*out = r;
	return 0;
fail:
	free(again);
	free(r);
	return res;
}
