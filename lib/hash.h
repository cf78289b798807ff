/* hash.h - FNV-1a (64-bit), the one hash of every table, set and content
 * hash in orgfs.  Not for anything an adversary may choose to collide:
 * tables keyed by it probe linearly or chain, and stay correct. */
#ifndef ORGFS_HASH_H
#define ORGFS_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The offset basis: where a hash starts. */
#define HASH_FNV1A_INIT 0xcbf29ce484222325ULL

/* FNV-1a of n bytes at p. */
uint64_t hash_fnv1a(const void *p, size_t n);
/* FNV-1a of a string, its terminating NUL not included. */
uint64_t hash_fnv1a_str(const char *s);
/* h continued over n more bytes at p: hash_fnv1a(ab) ==
 * hash_fnv1a_more(hash_fnv1a(a), b). */
uint64_t hash_fnv1a_more(uint64_t h, const void *p, size_t n);
/* h continued over one 64-bit word, as a single step ((h ^ w) * prime):
 * for folding a number or another hash in. */
uint64_t hash_fnv1a_word(uint64_t h, uint64_t w);

#endif
