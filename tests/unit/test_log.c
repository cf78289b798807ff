/* test_log.c - the log's destination (-o log): a file, its lines, its
 * reopening for logrotate, and destinations refused */
#include <check.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static char dir[64];
static char path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/orgfs-test-log.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/orgfs.log", dir);
}

static void teardown(void)
{
	char p[160];

	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(p), 0);
}

static char *slurp(const char *p)
{
	static char text[8192];
	FILE *f = fopen(p, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

START_TEST(test_file_lines)
{
	char err[256];
	struct stat st;
	regex_t re;
	char *t;

	ck_assert_int_eq(log_set_destination(path, err, sizeof(err)), 0);
	ck_assert_str_eq(log_file(), path);
	/* created now, empty, for the owner only */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, 0);
	olog(LOG_ERR, "before the mount");       /* still stderr */
	log_set_level(LOG_INFO);
	log_start(0);
	olog(LOG_WARNING, "one %d", 1);
	olog(LOG_INFO, "two\n\n");
	olog(LOG_DEBUG, "dropped at info");
	t = slurp(path);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}"
				 "\\.[0-9]{3}Z orgfs\\[[0-9]+\\] warning: one 1\n"
				 "[^\n]+ info: two\n$", REG_EXTENDED), 0);
	ck_assert_msg(regexec(&re, t, 0, NULL, 0) == 0, "got: %s", t);
	regfree(&re);
	log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(test_reopen)
{
	char err[256], old[160];
	char *t;

	ck_assert_int_eq(log_set_destination(path, err, sizeof(err)), 0);
	log_set_level(LOG_INFO);
	log_start(1);           /* a file, even in the foreground */
	olog(LOG_WARNING, "first");
	snprintf(old, sizeof(old), "%s.1", path);
	ck_assert_int_eq(rename(path, old), 0);
	olog(LOG_WARNING, "still the old one");
	ck_assert_int_eq(log_reopen(), 0);
	olog(LOG_WARNING, "second");
	t = slurp(old);
	ck_assert_ptr_nonnull(strstr(t, "first"));
	ck_assert_ptr_nonnull(strstr(t, "still the old one"));
	ck_assert_ptr_null(strstr(t, "second"));
	t = slurp(path);
	ck_assert_ptr_nonnull(strstr(t, "info: log file reopened\n"));
	ck_assert_ptr_nonnull(strstr(t, "warning: second\n"));
	ck_assert_ptr_null(strstr(t, "first"));
	/* the directory gone: the open file is kept, and says why */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(unlink(old), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(log_reopen(), -ENOENT);
	ck_assert_int_eq(mkdir(dir, 0700), 0);  /* for teardown */
	log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(test_relative_name_made_absolute)
{
	char err[256], cwd[256], want[512];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(log_set_destination("rel.log", err, sizeof(err)), 0);
	ck_assert_int_eq(chdir(cwd), 0);
	snprintf(want, sizeof(want), "%s/rel.log", dir);
	ck_assert_str_eq(log_file(), want);
	ck_assert_int_eq(access(want, F_OK), 0);
}
END_TEST

START_TEST(test_refused)
{
	char err[256], p[160];

	snprintf(p, sizeof(p), "%s/no/such.log", dir);
	ck_assert_int_eq(log_set_destination(p, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "cannot open log file '"));
	ck_assert_ptr_nonnull(strstr(err, "': No such file or directory"));
	ck_assert_int_eq(log_set_destination(dir, err, sizeof(err)), -EISDIR);
	ck_assert_ptr_nonnull(strstr(err, "Is a directory"));
	ck_assert_int_eq(log_set_destination("", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(log_file());
	/* the named sinks open nothing */
	ck_assert_int_eq(log_set_destination("syslog", err, sizeof(err)), 0);
	ck_assert_ptr_null(log_file());
	ck_assert_int_eq(log_set_destination("stderr", err, sizeof(err)), 0);
	ck_assert_ptr_null(log_file());
	ck_assert_int_eq(log_reopen(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("destination");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_file_lines);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_relative_name_made_absolute);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
