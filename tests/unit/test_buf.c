/* test_buf.c - the capped buffer */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

START_TEST(test_append_and_cap)
{
	struct buf b;

	buf_init(&b, 10);
	ck_assert_str_eq(buf_str(&b), "");
	ck_assert_int_eq(buf_puts(&b, "hello"), 0);
	ck_assert_int_eq(buf_printf(&b, "%d%c", 42, '!'), 0);
	ck_assert_str_eq(buf_str(&b), "hello42!");
	ck_assert_uint_eq(b.len, 8);
	/* 3 more bytes would pass the cap of 10: nothing is appended */
	ck_assert_int_eq(buf_puts(&b, "abc"), -EFBIG);
	ck_assert_str_eq(buf_str(&b), "hello42!");
	ck_assert_int_eq(buf_printf(&b, "%s", "xyz"), -EFBIG);
	ck_assert_int_eq(buf_puts(&b, "ab"), 0);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_int_eq(buf_putc(&b, 'x'), -EFBIG);
	buf_reset(&b);
	ck_assert_str_eq(buf_str(&b), "");
	ck_assert_int_eq(buf_append(&b, "a\0b", 3), 0);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(memcmp(b.data, "a\0b", 4), 0);
	buf_free(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_steal_and_wipe)
{
	struct buf b;
	char *s;
	int i;

	buf_init(&b, 1 << 20);
	s = buf_steal(&b);
	ck_assert_str_eq(s, "");
	free(s);
	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(buf_putc(&b, (char)('a' + i % 26)), 0);
	ck_assert_uint_eq(b.len, 10000);
	ck_assert_uint_eq(strlen(buf_str(&b)), 10000);
	s = buf_steal(&b);
	ck_assert_uint_eq(strlen(s), 10000);
	ck_assert_ptr_null(b.data);
	free(s);
	ck_assert_int_eq(buf_puts(&b, "secret"), 0);
	buf_wipe(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_append_and_cap);
	tcase_add_test(tc, test_steal_and_wipe);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
