/* fuzz_sigv4.c - SigV4 canonicalisation and signing on fuzzed requests
 *
 * Input, one field a line: flags (a digit: 1 double_encode, 2
 * normalize_path, 4 sign_body_header), signing time (epoch seconds),
 * region, service, session token, method, path, "?query" (any other line:
 * no query), then "name:value" header lines up to an empty line; the rest
 * is the body.  Signing must not crash, must be deterministic and must
 * sign Host.
 */
#include <errno.h>

#include "fuzz_util.h"
#include "sigv4.h"
#include "sigv4_priv.h"

#define MAX_HEADERS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sigv4_header hdr[MAX_HEADERS];
	char *hline[MAX_HEADERS], *f[8], *q, *p;
	struct sigv4_output o1, o2;
	struct sigv4_credentials cr = {
		.access_key_id = "AKIDEXAMPLE",
		.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	};
	struct sigv4_config cfg = { 0 };
	struct sigv4_request req = { 0 };
	size_t nh = 0, i;
	int flags, r1, r2;

	for (i = 0; i < 8; i++)
		f[i] = fuzz_field(&data, &size);
	q = fuzz_field(&data, &size);
	while (size && nh < MAX_HEADERS) {
		hline[nh] = fuzz_field(&data, &size);
		if (!*hline[nh]) {
			free(hline[nh]);
			break;
		}
		p = strchr(hline[nh], ':');
		hdr[nh].name = hline[nh];
		hdr[nh].value = "";
		if (p) {
			*p = '\0';
			hdr[nh].value = p + 1;
		}
		nh++;
	}
	flags = atoi(f[0]);
	cfg.double_encode = flags & 1;
	cfg.normalize_path = !!(flags & 2);
	cfg.sign_body_header = !!(flags & 4);
	cfg.when = (time_t)strtoll(f[1], NULL, 10);
	cfg.region = f[2];
	cfg.service = f[3];
	cr.session_token = f[4];
	req.method = f[5];
	req.path = f[6];
	req.query = q[0] == '?' ? q + 1 : NULL;
	req.headers = hdr;
	req.nheaders = nh;
	req.body = data;
	req.body_len = size;

	r1 = sigv4_sign(&req, &cr, &cfg, &o1);
	FUZZ_ASSERT(r1 == 0 || r1 == -EINVAL || r1 == -EFBIG || r1 == -ENOMEM);
	r2 = sigv4_sign(&req, &cr, &cfg, &o2);
	FUZZ_ASSERT(r1 == r2);
	if (r1 == 0) {
		FUZZ_ASSERT(o1.authorization && o1.signed_headers);
		FUZZ_ASSERT(!strncmp(o1.authorization,
				     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/",
				     40));
		FUZZ_ASSERT(!strcmp(o1.authorization, o2.authorization));
		FUZZ_ASSERT(!strcmp(o1.signed_headers, o2.signed_headers));
		FUZZ_ASSERT(strstr(o1.signed_headers, "host"));
		FUZZ_ASSERT(!strpbrk(o1.authorization, "\r\n"));
		sigv4_output_free(&o1);
		sigv4_output_free(&o2);
	}

	/* the stages on their own, on the raw fields */
	{
		char *s = NULL;

		if (sigv4_canonical_uri(req.path, &cfg, &s) == 0)
			FUZZ_ASSERT(s && s[0] == '/');
		free(s);
		s = NULL;
		if (sigv4_canonical_query(req.query, &s) == 0)
			FUZZ_ASSERT(s);
		free(s);
		s = sigv4_normalize_path(req.path);
		FUZZ_ASSERT(s);
		free(s);
		s = sigv4_trim_value(f[7]);
		FUZZ_ASSERT(s && strlen(s) <= strlen(f[7]));
		free(s);
	}

	for (i = 0; i < nh; i++)
		free(hline[i]);
	for (i = 0; i < 8; i++)
		free(f[i]);
	free(q);
	return 0;
}
