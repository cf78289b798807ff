/* sigv4dump - sign JSON-described requests, print every SigV4 stage
 *
 * Reads one JSON object per line on stdin:
 *   {"id": any, "method": "GET", "path": "/a%20b", "query": "x=1" | null,
 *    "headers": [["Host", "h"], ...], "body": "text" | "body_b64": "...",
 *    "access_key": "...", "secret_key": "...", "token": "..." | null,
 *    "region": "...", "service": "...", "time": <epoch seconds>,
 *    "double_encode": 1, "normalize_path": 1, "sign_body_header": 0}
 * and prints one JSON object per line:
 *   {"id", "canonical_request", "string_to_sign", "signature",
 *    "authorization", "signed_headers", "amz_date", "content_sha256"}
 * or {"id", "error": <errno>} when sigv4_sign rejects the request.
 * Used by tests/sigv4/test_sigv4_oracle.py to compare with botocore.
 * Test tool: it prints the secret-derived signature, never the secret.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "sigv4.h"
#include "sigv4_priv.h"

static unsigned char *b64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s);
	unsigned char *out;
	int r;

	if (n % 4)
		return NULL;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (r < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes */
	if (n && s[n - 1] == '=')
		r--;
	if (n > 1 && s[n - 2] == '=')
		r--;
	*len = (size_t)r;
	return out;
}

static int int_field(json_t *o, const char *key, int def)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int)json_integer_value(v) :
	       json_is_boolean(v) ? json_is_true(v) : def;
}

static const char *str_field(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *handle(json_t *in)
{
	struct sigv4_header *h = NULL;
	struct sigv4_request req = { 0 };
	struct sigv4_credentials cr = { 0 };
	struct sigv4_config cfg = { 0 };
	struct sigv4_output out;
	struct sigv4_stages st;
	json_t *hdrs = json_object_get(in, "headers"), *res, *pair;
	unsigned char *body = NULL;
	size_t i;
	int err = -EINVAL;

	res = json_object();
	json_object_set(res, "id", json_object_get(in, "id"));
	req.method = str_field(in, "method");
	req.path = str_field(in, "path");
	req.query = str_field(in, "query");
	if (json_is_array(hdrs)) {
		h = calloc(json_array_size(hdrs) + 1, sizeof(*h));
		if (!h)
			goto fail;
		json_array_foreach(hdrs, i, pair) {
			h[i].name = json_string_value(json_array_get(pair, 0));
			h[i].value = json_string_value(json_array_get(pair, 1));
		}
		req.headers = h;
		req.nheaders = json_array_size(hdrs);
	}
	if (str_field(in, "body_b64")) {
		body = b64_decode(str_field(in, "body_b64"), &req.body_len);
		if (!body)
			goto fail;
		req.body = body;
	} else if (str_field(in, "body")) {
		req.body = str_field(in, "body");
		req.body_len = json_string_length(json_object_get(in, "body"));
	}
	cr.access_key_id = str_field(in, "access_key");
	cr.secret_access_key = str_field(in, "secret_key");
	cr.session_token = str_field(in, "token");
	cfg.region = str_field(in, "region");
	cfg.service = str_field(in, "service");
	cfg.when = (time_t)json_integer_value(json_object_get(in, "time"));
	cfg.double_encode = int_field(in, "double_encode", 1);
	cfg.normalize_path = int_field(in, "normalize_path", 1);
	cfg.sign_body_header = int_field(in, "sign_body_header", 0);
	if (!req.method || !req.path)
		goto fail;

	err = sigv4_sign_stages(&req, &cr, &cfg, &out, &st);
	if (err)
		goto fail;
	json_object_set_new(res, "canonical_request",
			    json_string(st.canonical_request));
	json_object_set_new(res, "string_to_sign",
			    json_string(st.string_to_sign));
	json_object_set_new(res, "signature", json_string(st.signature));
	json_object_set_new(res, "authorization",
			    json_string(out.authorization));
	json_object_set_new(res, "signed_headers",
			    json_string(out.signed_headers));
	json_object_set_new(res, "amz_date", json_string(out.amz_date));
	json_object_set_new(res, "content_sha256",
			    json_string(out.content_sha256));
	sigv4_stages_free(&st);
	sigv4_output_free(&out);
	free(h);
	free(body);
	return res;
fail:
	json_object_set_new(res, "error", json_integer(-err));
	free(h);
	free(body);
	return res;
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int status = 0;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_error_t jerr;
		json_t *in, *out;
		char *text;

		if (n == 1 && line[0] == '\n')
			continue;
		in = json_loadb(line, (size_t)n, 0, &jerr);
		if (!json_is_object(in)) {
			fprintf(stderr, "sigv4dump: bad input line: %s\n",
				jerr.text);
			json_decref(in);
			status = 1;
			break;
		}
		out = handle(in);
		text = json_dumps(out, JSON_COMPACT);
		if (!text) {
			fprintf(stderr, "sigv4dump: cannot encode result\n");
			status = 1;
		} else {
			puts(text);
			free(text);
		}
		json_decref(out);
		json_decref(in);
		if (status)
			break;
	}
	free(line);
	fflush(stdout);
	return status;
}
