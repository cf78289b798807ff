/* fuzz_credproc.c - credential_process output (credchain_process_output)
 *
 * Besides not crashing: a failure's message must never repeat the secret
 * key or session token the program printed, even when the JSON around
 * them is broken (secrets never in error messages).
 */
#include <errno.h>

#include "aws.h"
#include "creds.h"
#include "creds_process.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_credentials *c = NULL;
	struct aws_error e;
	char *text = fuzz_cstr(data, size), *secret, *token;
	int rc;

	aws_error_clear(&e);
	rc = credchain_process_output((const char *)data, size, "fuzz",
				      "/bin/fuzz-creds", &c, &e);
	FUZZ_ASSERT(rc == 0 || rc == -EIO);
	if (rc == 0) {
		FUZZ_ASSERT(c && c->access_key_id && *c->access_key_id);
		FUZZ_ASSERT(c->secret_access_key && *c->secret_access_key);
		aws_credentials_release(c);
	} else {
		FUZZ_ASSERT(e.code[0] && e.message[0]);
		secret = secret_after(text, "SecretAccessKey");
		token = secret_after(text, "SessionToken");
		if ((secret && strstr(e.message, secret)) ||
		    (token && strstr(e.message, token)))
			fprintf(stderr, "secret in message: %s\n", e.message);
		if (secret)
			FUZZ_ASSERT(!strstr(e.message, secret));
		if (token)
			FUZZ_ASSERT(!strstr(e.message, token));
		free(secret);
		free(token);
	}
	free(text);
	return 0;
}
