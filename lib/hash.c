/* hash.c - FNV-1a */
#include "hash.h"

#define FNV1A_PRIME 0x100000001b3ULL

uint64_t hash_fnv1a_more(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n--) {
		h ^= *s++;
		h *= FNV1A_PRIME;
	}
	return h;
}

uint64_t hash_fnv1a(const void *p, size_t n)
{
	return hash_fnv1a_more(HASH_FNV1A_INIT, p, n);
}

uint64_t hash_fnv1a_str(const char *s)
{
	uint64_t h = HASH_FNV1A_INIT;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= FNV1A_PRIME;
	}
	return h;
}

uint64_t hash_fnv1a_word(uint64_t h, uint64_t w)
{
	return (h ^ w) * FNV1A_PRIME;
}
