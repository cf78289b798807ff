/* buf.h - growable byte buffer with a mandatory size cap
 *
 * Modelled on curl's dynbuf: every buffer has a hard maximum, so no input
 * from the outside can grow without bound.  The content is always
 * NUL-terminated (the terminator is not counted in len).
 */
#ifndef ORGFS_BUF_H
#define ORGFS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;   /* NULL until the first append */
	size_t len;   /* bytes used, not counting the NUL */
	size_t cap;   /* bytes allocated */
	size_t max;   /* hard cap on len */
};

void buf_init(struct buf *b, size_t max);
/* @return 0, -EFBIG when len would exceed max, -ENOMEM */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Empty the buffer, keep the allocation. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Overwrite the whole allocation with zeros (OPENSSL_cleanse), then free:
 * for buffers that held a secret. */
void buf_wipe(struct buf *b);
/* Hand the NUL-terminated data to the caller (never NULL on success; an
 * empty buffer yields ""), leaving b empty.  NULL on -ENOMEM. */
char *buf_steal(struct buf *b);
/* The content as a C string: "" when nothing was appended. */
const char *buf_str(const struct buf *b);

/* The line of text[0..len) that starts at *pos, for reading a text line
 * by line: its start, and in *n its length without the '\n'; *pos moves
 * past the '\n'.  A UTF-8 byte order mark opening the text (*pos 0) is
 * passed over.  @return the line, or NULL at the end of the text */
const char *text_next_line(const char *text, size_t len, size_t *pos,
			   size_t *n);

#endif
