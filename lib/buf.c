/* buf.c - growable byte buffer with a mandatory size cap */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "memtrim.h"

/* Blocks from this size up count as freed memory (memtrim.h). */
#define BUF_TRIM_MIN	((size_t)64 << 10)

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static int buf_grow(struct buf *b, size_t need)
{
	size_t ncap;
	char *p;

	if (need > b->max)
		return -EFBIG;
	if (need + 1 <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need + 1)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	p = realloc(b->data, ncap);
	if (!p)
		return -ENOMEM;
	/* a large block outgrown is freed (or moved): see memtrim.h */
	if (p != b->data && b->cap >= BUF_TRIM_MIN)
		memtrim_freed(b->cap);
	b->data = p;
	b->cap = ncap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	int res;

	if (n > b->max - b->len)
		return -EFBIG;
	res = buf_grow(b, b->len + n);
	if (res)
		return res;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n, res;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n > b->max - b->len)
		return -EFBIG;
	res = buf_grow(b, b->len + (size_t)n);
	if (res)
		return res;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int res;

	va_start(ap, fmt);
	res = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return res;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->data);
	if (b->cap >= BUF_TRIM_MIN)
		memtrim_freed(b->cap);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_wipe(struct buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	buf_free(b);
}

char *buf_steal(struct buf *b)
{
	char *p = b->data;

	if (!p)
		return strdup("");
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

const char *text_next_line(const char *text, size_t len, size_t *pos,
			   size_t *n)
{
	const char *l, *eol;
	int first = *pos == 0;

	if (*pos >= len)
		return NULL;
	l = text + *pos;
	eol = memchr(l, '\n', len - *pos);
	*n = eol ? (size_t)(eol - l) : len - *pos;
	*pos += *n + (eol ? 1 : 0);
	if (first && *n >= 3 && !memcmp(l, "\xef\xbb\xbf", 3)) {
		l += 3;
		*n -= 3;
	}
	return l;
}
