/* fuzz_awstime.c - timestamps: awstime_parse_iso8601, awstime_from_json */
#include <errno.h>
#include <jansson.h>

#include "awstime.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), out[21], back[21];
	json_t *j, *str;
	time_t t, t2;
	int rc;

	rc = awstime_parse_iso8601(s, &t);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	if (rc == 0) {
		struct tm tm;

		/* what it accepted formats (years 1000-9999 as four digits)
		 * and parses back to the same second */
		awstime_format(t, out);
		FUZZ_ASSERT(strlen(out) <= 20);
		if (gmtime_r(&t, &tm) && tm.tm_year + 1900 >= 1000 &&
		    tm.tm_year + 1900 <= 9999) {
			FUZZ_ASSERT(strlen(out) == 20);
			FUZZ_ASSERT(awstime_parse_iso8601(out, &t2) == 0);
			FUZZ_ASSERT(t2 == t);
			awstime_format(t2, back);
			FUZZ_ASSERT(!strcmp(out, back));
		}
	}

	/* the same bytes as a JSON document (numbers, strings, anything) */
	j = json_loadb((const char *)data, size,
		       JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (j) {
		rc = awstime_from_json(j, &t);
		FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
		json_decref(j);
	}
	/* and as a JSON string */
	str = json_string(s);
	if (str) {
		rc = awstime_from_json(str, &t);
		FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
		json_decref(str);
	}
	free(s);
	return 0;
}
