/* test_escape.c - AWS names as file names */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"

static const struct etest {
	const char *in;
	const char *out;
} cases[] = {
	{ "", "%00" },
	{ "/", "%2F" },
	{ "%", "%25" },
	{ ".", "%2E" },
	{ "..", "%2E." },
	{ "...", "%2E.." },
	{ ".hidden", "%2Ehidden" },
	{ "a.", "a." },
	{ "a.b", "a.b" },
	{ "a/b", "a%2Fb" },
	{ "R&D / Experiments", "R&D %2F Experiments" },
	{ "50%", "50%25" },
	{ "%2F", "%252F" },
	{ "%00", "%2500" },
	{ "%~", "%25~" },
	{ "./x", "%2E%2Fx" },
	{ "tab\there", "tab%09here" },
	{ "\n", "%0A" },
	{ "\x01", "%01" },
	{ "\x1f\x7f", "%1F%7F" },
	{ "del\x7f", "del%7F" },
	{ "with space", "with space" },
	{ " data-platform ", " data-platform " },
	{ "naïve café", "naïve café" },
	{ "日本語", "日本語" },
	{ "\xff\xfe invalid", "\xff\xfe invalid" },
	{ "\xc3", "\xc3" },
	{ "~tilde", "~tilde" },
	{ "-dash", "-dash" },
	{ "aws+payments-prod@example.com", "aws+payments-prod@example.com" },
};

START_TEST(test_table)
{
	const struct etest *t = &cases[_i];
	char *e = escape_name(t->in), *u = NULL;

	ck_assert_ptr_nonnull(e);
	ck_assert_msg(!strcmp(e, t->out), "escape(\"%s\") = \"%s\", want \"%s\"",
		      t->in, e, t->out);
	ck_assert_int_eq(unescape_name(e, &u), 0);
	ck_assert_str_eq(u, t->in);
	free(e);
	free(u);
}
END_TEST

/* Spellings no escape produces: they must not alias an object. */
static const char *const bad[] = {
	"%2f", "%41", "%", "%2", "a%", "a%2", "%G0", "%00x", "x%00", "%0",
	".hidden", ".", "..", "a/b", "%2e", "%2Ehidden%2e", "%7f", "%20",
	"a%2Eb",
};

START_TEST(test_reject)
{
	char *u = (char *)"untouched";

	ck_assert_msg(unescape_name(bad[_i], &u) == -EINVAL,
		      "unescape(\"%s\") accepted", bad[_i]);
	ck_assert_str_eq(u, "untouched");
}
END_TEST

/* The hash part is checked against sha256sum's output. */
START_TEST(test_long_ascii)
{
	char in[1001], *e, *u = NULL;

	memset(in, 'a', 255);
	in[255] = '\0';
	e = escape_name(in);
	ck_assert_str_eq(e, in);
	ck_assert_int_eq(unescape_name(e, &u), 0);
	ck_assert_str_eq(u, in);
	free(u);
	free(e);

	memset(in, 'a', 256);
	in[256] = '\0';
	e = escape_name(in);
	ck_assert_uint_eq(strlen(e), ESCAPE_KEEP + 10);
	ck_assert_int_eq(strncmp(e, in, ESCAPE_KEEP), 0);
	/* printf 'a%.0s' $(seq 256) | sha256sum */
	ck_assert_str_eq(e + ESCAPE_KEEP, "%~02d7160d");
	ck_assert_int_eq(unescape_name(e, &u), -ENAMETOOLONG);
	free(e);

	/* 1000 slashes: 3000 bytes escaped, cut between two "%2F" */
	memset(in, '/', 1000);
	in[1000] = '\0';
	e = escape_name(in);
	ck_assert_uint_eq(strlen(e), ESCAPE_KEEP + 10);
	ck_assert_str_eq(e + ESCAPE_KEEP, "%~e1ad99d1");
	free(e);

	/* shifted by one byte, the cut must back off a split "%2F" */
	in[0] = 'x';
	e = escape_name(in);
	ck_assert_uint_le(strlen(e), ESCAPE_NAME_MAX);
	ck_assert_uint_eq(strlen(e), 1 + 79 * 3 + 10);
	ck_assert_int_eq(strncmp(e + 1 + 79 * 3, "%~", 2), 0);
	free(e);
}
END_TEST

static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t k = s[i] < 0x80 ? 1 : s[i] < 0xe0 ? 2 : s[i] < 0xf0 ? 3 :
			   4;

		if (i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

/* Long UTF-8 names are never cut inside a character. */
START_TEST(test_long_utf8)
{
	static const char *const chars[] = { "é", "日", "😀" };
	size_t shift = _i % 4, clen;
	const char *c = chars[_i / 4];
	char in[1200], *e, *hash;

	clen = strlen(c);
	memset(in, 'x', shift);
	in[shift] = '\0';
	while (strlen(in) + clen < 1000)
		strcat(in, c);
	e = escape_name(in);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_le(strlen(e), ESCAPE_NAME_MAX);
	hash = strstr(e, "%~");
	ck_assert_ptr_nonnull(hash);
	ck_assert_uint_eq(strlen(hash), 10);
	ck_assert_uint_gt((size_t)(hash - e), ESCAPE_KEEP - 4);
	ck_assert_msg(valid_utf8((unsigned char *)e, hash - e),
		      "cut inside a character (%s, shift %zu)", c, shift);
	ck_assert_int_eq(strncmp(e, in, hash - e), 0);
	free(e);
}
END_TEST

/* Leading dot and a long name at once: the prefix still decodes to a
 * prefix of the name. */
START_TEST(test_long_prefix_decodes)
{
	char in[600], *e, *pre, *u = NULL;
	size_t plen;

	memset(in, '%', sizeof(in) - 1);
	in[0] = '.';
	in[sizeof(in) - 1] = '\0';
	e = escape_name(in);
	plen = strstr(e, "%~") - e;
	pre = strndup(e, plen);
	ck_assert_int_eq(unescape_name(pre, &u), 0);
	ck_assert_int_eq(strncmp(u, in, strlen(u)), 0);
	ck_assert_uint_eq(strlen(u), plen / 3);
	free(u);
	free(pre);
	free(e);
}
END_TEST

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Bytes that matter more often than chance would give them. */
static char rand_byte(void)
{
	static const char special[] = "./%~ \x01\x1f\x7f\xc3\xa9\xff";
	uint64_t r = rng();

	if (r % 3 == 0)
		return special[(r >> 8) % (sizeof(special) - 1)];
	return (char)(1 + (r >> 8) % 255);
}

START_TEST(test_random_roundtrip)
{
	char in[400];
	int i, hashed = 0;

	for (i = 0; i < 10000; i++) {
		size_t n = i < 9000 ? rng() % 81 : rng() % 400, j;
		char *e, *u = NULL;
		int res, ok;

		for (j = 0; j < n; j++)
			in[j] = rand_byte();
		in[n] = '\0';
		e = escape_name(in);
		ck_assert_ptr_nonnull(e);
		/* plain checks first: every ck_assert costs a write() */
		ok = strlen(e) >= 1 && strlen(e) <= ESCAPE_NAME_MAX &&
		     !strchr(e, '/') && e[0] != '.';
		for (j = 0; e[j]; j++)
			ok &= (unsigned char)e[j] >= 0x20 && e[j] != 0x7f;
		res = unescape_name(e, &u);
		if (res == -ENAMETOOLONG) {
			/* only names whose escape cannot fit are hashed */
			ok &= n > ESCAPE_NAME_MAX / 3;
			hashed++;
		} else {
			ok &= res == 0 && !strcmp(u, in);
			free(u);
		}
		if (!ok)
			ck_abort_msg("case %d: bad escape \"%s\" (%d)", i, e,
				     res);
		free(e);
	}
	ck_assert_int_gt(hashed, 0);
}
END_TEST

START_TEST(test_buf)
{
	struct buf b;

	buf_init(&b, 64);
	ck_assert_int_eq(buf_puts(&b, "accounts/"), 0);
	ck_assert_int_eq(escape_name_buf(&b, ".a/b"), 0);
	ck_assert_str_eq(buf_str(&b), "accounts/%2Ea%2Fb");
	/* the buffer's cap holds */
	ck_assert_int_eq(escape_name_buf(&b, "////////////////////"), -EFBIG);
	buf_free(&b);
}
END_TEST

static Suite *escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("Core");

	tcase_add_loop_test(tc, test_table, 0,
			    sizeof(cases) / sizeof(cases[0]));
	tcase_add_loop_test(tc, test_reject, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_long_ascii);
	tcase_add_loop_test(tc, test_long_utf8, 0, 12);
	tcase_add_test(tc, test_long_prefix_decodes);
	tcase_add_test(tc, test_random_roundtrip);
	tcase_add_test(tc, test_buf);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(escape_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
