/* fuzz_awsxml.c - awsQuery XML replies: awsxml_to_json, awsxml_parse_error */
#include <errno.h>
#include <jansson.h>

#include "awsxml.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct awsxml_error xe;
	json_t *j = NULL;
	char err[256];
	int rc;

	rc = awsxml_to_json((const char *)data, size, &j, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -EFBIG || rc == -ENOMEM);
	if (rc == 0) {
		/* the shape promised: one root key */
		FUZZ_ASSERT(json_is_object(j) && json_object_size(j) == 1);
		char *dump = json_dumps(j, JSON_COMPACT);

		FUZZ_ASSERT(dump);
		free(dump);
		json_decref(j);
	} else {
		FUZZ_ASSERT(strnlen(err, sizeof(err)) < sizeof(err));
	}

	memset(&xe, 0xa5, sizeof(xe));
	rc = awsxml_parse_error((const char *)data, size, &xe);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	if (rc == 0) {
		FUZZ_ASSERT(memchr(xe.type, 0, sizeof(xe.type)));
		FUZZ_ASSERT(memchr(xe.code, 0, sizeof(xe.code)) && xe.code[0]);
		FUZZ_ASSERT(memchr(xe.message, 0, sizeof(xe.message)));
		FUZZ_ASSERT(memchr(xe.request_id, 0, sizeof(xe.request_id)));
	}
	return 0;
}
