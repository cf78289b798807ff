/* escape.h - AWS names as file names, reversibly
 *
 * The rule (DESIGN.md §1; the man page repeats it for users):
 *
 *  - '/' becomes "%2F", '%' becomes "%25", and every control character
 *    (bytes 0x01-0x1F and 0x7F) becomes "%XX" in upper-case hex.
 *  - A name starting with '.' (so ".", ".." and ".hidden") has that first
 *    '.' written "%2E": ".." -> "%2E.", ".hidden" -> "%2Ehidden".
 *  - The empty name becomes "%00".  A C string holds no NUL byte, so "%00"
 *    is never the escape of anything else.
 *  - Every other byte, including spaces, UTF-8 and invalid UTF-8, is kept.
 *  - When the result would be longer than NAME_MAX (255 bytes), it is cut
 *    to at most ESCAPE_KEEP (240) bytes, never inside a "%XX" or a UTF-8
 *    sequence, and "%~" plus the first 8 hex digits (lower case) of the
 *    SHA-256 of the whole unescaped name is appended:
 *        printf '%s' "$name" | sha256sum | cut -c1-8
 *    This form alone is not reversible: find such an object by escaping
 *    the candidates and comparing.  Two names sharing their first 240
 *    bytes collide only if their hashes' first 32 bits do too.
 *
 * Escaping never yields '/', a NUL byte or a name longer than NAME_MAX,
 * and unescape_name(escape_name(x)) == x for every x whose escape is not
 * hashed.  Each name has exactly one escaped form: unescape_name()
 * rejects every other spelling ("%2f", "%41", a bare '%'), so a lookup of
 * a non-canonical name fails instead of aliasing an object.
 */
#ifndef ORGFS_ESCAPE_H
#define ORGFS_ESCAPE_H

struct buf;

#define ESCAPE_NAME_MAX 255
#define ESCAPE_KEEP 240

/* Append the escape of s to b.  @return 0, -ENOMEM, -EFBIG (b's cap) */
int escape_name_buf(struct buf *b, const char *s);

/* The escape of s, malloc'd; NULL when out of memory. */
char *escape_name(const char *s);

/* Decode an escaped name into a malloc'd *out (written only on success).
 * @return 0; -EINVAL when s is not the canonical escape of any name;
 * -ENAMETOOLONG when s is a hashed long name; -ENOMEM */
int unescape_name(const char *s, char **out);

#endif
