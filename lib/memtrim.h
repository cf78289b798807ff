/* memtrim.h - give freed memory back to the system
 *
 * glibc's malloc keeps what is freed for reuse: after the cache evicts
 * down to cache_max, or a large rendering is dropped, the process keeps
 * its peak size.  Whoever frees a large amount says so here; once enough
 * has been freed since the last time, malloc_trim(3) returns the free
 * pages of every arena to the system.
 */
#ifndef ORGFS_MEMTRIM_H
#define ORGFS_MEMTRIM_H

#include <stddef.h>

/* MEMTRIM_OWN_MALLOC: 1 when a sanitizer's allocator replaces malloc (its
 * memory is not glibc's to trim or tune) */
#ifndef __has_feature
#define __has_feature(f) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
	__has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define MEMTRIM_OWN_MALLOC 1
#else
#define MEMTRIM_OWN_MALLOC 0
#endif

/* Trim once this many bytes were freed since the last trim (0: never).
 * The default is 16 MiB. */
void memtrim_set_threshold(size_t bytes);
/* Count bytes as freed; trims (in the caller's thread, no lock held by
 * the caller, please) when the threshold is crossed.
 * @return 1 when this call trimmed */
int memtrim_freed(size_t bytes);
/* malloc's own figures (mallinfo2): bytes handed out (mapped apart
 * included), bytes free in its arenas, and bytes handed out in blocks
 * mapped apart (from M_MMAP_THRESHOLD up: the FUSE workers' buffers, large
 * renderings); all 0 where the C library does not say. */
void memtrim_heap(size_t *in_use, size_t *free_bytes, size_t *mapped);
/* Trim now (after the whole cache was dropped).  @return 1 when it
 * trimmed */
int memtrim_now(void);
/* How many trims were made. */
unsigned long memtrim_count(void);

#endif
