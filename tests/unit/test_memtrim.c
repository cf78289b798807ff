/* test_memtrim.c - freed memory given back to the system */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "memtrim.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1     /* frees are quarantined or intercepted */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

START_TEST(test_threshold)
{
	memtrim_set_threshold(1000);
	ck_assert_int_eq(memtrim_freed(400), 0);
	ck_assert_int_eq(memtrim_freed(500), 0);
	ck_assert_uint_eq(memtrim_count(), 0);
	ck_assert_int_eq(memtrim_freed(100), 1);        /* 1000 reached */
	ck_assert_uint_eq(memtrim_count(), 1);
	/* counting starts again from nothing */
	ck_assert_int_eq(memtrim_freed(999), 0);
	ck_assert_int_eq(memtrim_freed(0), 0);
	ck_assert_int_eq(memtrim_freed(5000), 1);
	ck_assert_uint_eq(memtrim_count(), 2);
	/* 0: never */
	memtrim_set_threshold(0);
	ck_assert_int_eq(memtrim_freed((size_t)1 << 40), 0);
	ck_assert_uint_eq(memtrim_count(), 2);
}
END_TEST

START_TEST(test_buf_counts_large_blocks)
{
	struct buf b;
	size_t i;

	memtrim_set_threshold((size_t)1 << 20);
	buf_init(&b, (size_t)64 << 20);
	/* small buffers are not counted */
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(buf_puts(&b, "0123456789"), 0);
		buf_free(&b);
	}
	ck_assert_uint_eq(memtrim_count(), 0);
	/* growing to 4 MiB moves blocks of 64 KiB and more, then freeing
	 * the 4 MiB block passes 1 MiB: at least one trim */
	for (i = 0; i < ((size_t)4 << 20) / 64; i++)
		ck_assert_int_eq(buf_append(&b, "0123456789abcdef0123456789abcdef"
					       "0123456789abcdef0123456789abcdef",
					    64), 0);
	buf_free(&b);
	ck_assert_uint_ge(memtrim_count(), 1);
}
END_TEST

#define THREADS 8
#define CALLS 10000
#define STEP 1024

static void *freer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < CALLS; i++)
		memtrim_freed(STEP);
	return NULL;
}

/* Threads counting at once: no trim is lost beyond the overshoot of
 * the ones racing at the threshold, and none is made twice. */
START_TEST(test_concurrent)
{
	pthread_t t[THREADS];
	size_t thr = (size_t)1 << 20, total = (size_t)THREADS * CALLS * STEP;
	int i;

	memtrim_set_threshold(thr);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, freer, NULL), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_le(memtrim_count(), total / thr);
	ck_assert_uint_ge(memtrim_count(),
			  total / (thr + (THREADS - 1) * STEP));
}
END_TEST

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld %ld", &size, &res), 2);
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* What it is for: memory freed in the middle of the heap (a block still
 * in use above it, so free() cannot shrink the heap) goes back to the
 * system when enough has been counted. */
START_TEST(test_gives_memory_back)
{
	enum { N = 16384, SIZE = 4000 };    /* 64 MB in heap-sized blocks */
	char **v = malloc(N * sizeof(*v));
	char *fence;
	long full, freed, trimmed;
	int i;

	if (SANITIZED)
		return;         /* the sanitizer's allocator keeps what is freed */
	ck_assert_ptr_nonnull(v);
	memtrim_set_threshold((size_t)32 << 20);
	for (i = 0; i < N; i++) {
		v[i] = malloc(SIZE);
		ck_assert_ptr_nonnull(v[i]);
		memset(v[i], i, SIZE);
	}
	fence = malloc(SIZE);
	ck_assert_ptr_nonnull(fence);
	memset(fence, 1, SIZE);
	full = rss_kib();
	for (i = 0; i < N; i++)
		free(v[i]);
	freed = rss_kib();
	ck_assert_int_eq(memtrim_freed((size_t)N * SIZE), 1);
	trimmed = rss_kib();
	free(fence);
	free(v);
	/* free() alone kept most of it; the trim gave back most of it */
	ck_assert_int_gt(freed, full - 16 * 1024);
	ck_assert_int_lt(trimmed, freed - 48 * 1024);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("memtrim");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_threshold);
	tcase_add_test(tc, test_buf_counts_large_blocks);
	tcase_add_test(tc, test_concurrent);
	tcase_add_test(tc, test_gives_memory_back);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
