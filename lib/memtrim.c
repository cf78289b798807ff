/* memtrim.c - give freed memory back to the system (see memtrim.h) */
#include <stdlib.h>     /* defines __GLIBC__ */

#include "memtrim.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

/* Under a sanitizer its allocator holds the memory, and glibc's malloc
 * is never set up: malloc_trim would set it up, unlocked, in each thread
 * that calls it first (two at once crashed in mtrim under ASan).  The
 * counts stay the same; only the call is left out. */
static size_t threshold = (size_t)16 << 20;    /* atomic */
static size_t freed;                            /* atomic */
static unsigned long trims;                     /* atomic */

void memtrim_set_threshold(size_t bytes)
{
	__atomic_store_n(&threshold, bytes, __ATOMIC_RELAXED);
}

int memtrim_freed(size_t bytes)
{
	size_t t = __atomic_load_n(&threshold, __ATOMIC_RELAXED);
	size_t now;

	if (!t || !bytes)
		return 0;
	now = __atomic_add_fetch(&freed, bytes, __ATOMIC_RELAXED);
	if (now < t)
		return 0;
	/* one caller wins the count back to zero and trims */
	if (!__atomic_compare_exchange_n(&freed, &now, 0, 0, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return 0;
	return memtrim_now();
}

int memtrim_now(void)
{
#ifdef __GLIBC__
	__atomic_store_n(&freed, 0, __ATOMIC_RELAXED);
	if (!MEMTRIM_OWN_MALLOC)
		malloc_trim(0);
	__atomic_add_fetch(&trims, 1, __ATOMIC_RELAXED);
	return 1;
#else
	return 0;       /* no way to ask: the count says so */
#endif
}

void memtrim_heap(size_t *in_use, size_t *free_bytes, size_t *mapped)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	struct mallinfo2 mi = mallinfo2();

	*in_use = mi.uordblks + mi.hblkhd;
	*free_bytes = mi.fordblks;
	*mapped = mi.hblkhd;
#else
	*in_use = *free_bytes = *mapped = 0;
#endif
}

unsigned long memtrim_count(void)
{
	return __atomic_load_n(&trims, __ATOMIC_RELAXED);
}
