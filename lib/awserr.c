/* awserr.c - the AWS error: filling it, printing it, classifying it
 *
 * See awserr.h.  The code lists are botocore's (aws-protocols.md §3).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awserr.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* --- filling ------------------------------------------------------------ */

void aws_error_clear(struct aws_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

void aws_error_copy_clean(char *out, size_t len, const char *s, size_t slen)
{
	size_t n = slen;

	if (!len)
		return;
	if (n >= len) {
		n = len - 1;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		out[i] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* err, code, and the message formatted into cut bytes (at most the
 * message's size), then cleaned. */
static void vset(struct aws_error *e, int err, const char *code, size_t cut,
		 const char *fmt, va_list ap)
{
	char msg[sizeof(e->message)];

	if (!cut || cut > sizeof(msg))
		cut = sizeof(msg);
	e->err = err;
	aws_error_copy_clean(e->code, sizeof(e->code), code ? code : "",
			     code ? strlen(code) : 0);
	vsnprintf(msg, cut, fmt, ap);
	aws_error_copy_clean(e->message, sizeof(e->message), msg, strlen(msg));
}

void aws_error_set(struct aws_error *e, int err, const char *code,
		   const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vset(e, err, code, 0, fmt, ap);
	va_end(ap);
}

void aws_error_set_operation(struct aws_error *e, const char *service,
			     const char *op)
{
	int n = snprintf(e->operation, sizeof(e->operation), "%s:%s", service,
			 op);

	if (n < 0)
		e->operation[0] = '\0';
}

int aws_error_vfail(struct aws_error *e, const char *service, const char *op,
		    int err, const char *code, size_t cut, const char *fmt,
		    va_list ap)
{
	aws_error_clear(e);
	vset(e, err, code, cut, fmt, ap);
	aws_error_set_operation(e, service, op);
	return -err;
}

int aws_error_fail(struct aws_error *e, const char *service, const char *op,
		   int err, const char *code, const char *fmt, ...)
{
	va_list ap;
	int res;

	va_start(ap, fmt);
	res = aws_error_vfail(e, service, op, err, code, 0, fmt, ap);
	va_end(ap);
	return res;
}

void aws_error_text(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *aws_error_str(const struct aws_error *e, char *out, size_t len)
{
	char tail[200] = "";

	if (!len)
		return out;
	if (e->request_id[0] && e->attempts > 1)
		snprintf(tail, sizeof(tail), " (request id %s, %d attempts)",
			 e->request_id, e->attempts);
	else if (e->request_id[0])
		snprintf(tail, sizeof(tail), " (request id %s)", e->request_id);
	else if (e->attempts > 1)
		snprintf(tail, sizeof(tail), " (%d attempts)", e->attempts);
	snprintf(out, len, "%s%s%s%s%s%s", e->operation,
		 e->operation[0] ? ": " : "", e->code,
		 e->code[0] ? ": " : "",
		 e->message[0] ? e->message : "failed", tail);
	return out;
}

/* --- classifying -------------------------------------------------------- */

/* botocore/retries/standard.py _THROTTLED_ERROR_CODES */
static const char *const throttle_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException",
	"RequestThrottledException", "TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException", "RequestLimitExceeded",
	"BandwidthLimitExceeded", "LimitExceededException",
	"RequestThrottled", "SlowDown", "PriorRequestNotComplete",
	"EC2ThrottledException",
};

/* standard.py _TRANSIENT_ERROR_CODES, STS's IDPCommunicationError special
 * case, and the codes aws.c gives transport failures (botocore retries
 * ConnectionError and HTTPClientError). */
static const char *const transient_codes[] = {
	"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
	"IDPCommunicationError", "ConnectionError", "Timeout",
	"TruncatedResponse", "MalformedResponse",
};

/* Codes that deny access whatever the status (see aws_error_to_errno). */
static const char *const denied_codes[] = {
	"UnauthorizedException", "UnauthorizedOperation",
	"UnrecognizedClientException", "InvalidClientTokenId",
	"SignatureDoesNotMatch", "InvalidSignatureException",
	"IncompleteSignature", "MissingAuthenticationToken",
	"MissingAuthenticationTokenException", "ExpiredToken",
	"ExpiredTokenException", "AuthFailure", "OptInRequired",
	"RegionDisabledException",
};

static int in_list(const char *code, const char *const *list, size_t n)
{
	if (!code)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(code, list[i]))
			return 1;
	return 0;
}

static int has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static int has_suffix(const char *s, const char *p)
{
	size_t n = strlen(s), m = strlen(p);

	return n >= m && !strcmp(s + n - m, p);
}

/* A reply whose body named no code carries the status as its code (as
 * botocore does); a bare 429 is then a throttle in every mode. */
static int code_is_status(const char *code, int http_status)
{
	return !code || !*code || atoi(code) == http_status;
}

int aws_error_is_throttle(const char *code, int http_status)
{
	if (in_list(code, throttle_codes, NELEM(throttle_codes)))
		return 1;
	return http_status == 429 && code_is_status(code, http_status);
}

int aws_error_is_transient(const char *code, int http_status)
{
	if (in_list(code, transient_codes, NELEM(transient_codes)))
		return 1;
	return http_status == 500 || http_status == 502 ||
	       http_status == 503 || http_status == 504;
}

/* The mapping is listed in awserr.h. */
int aws_error_to_errno(const char *code, int http_status)
{
	if (!code)
		code = "";
	if (has_prefix(code, "AccessDenied") ||
	    in_list(code, denied_codes, NELEM(denied_codes)))
		return EACCES;
	if (has_suffix(code, "NotFoundException") ||
	    has_suffix(code, "NotFound") || has_prefix(code, "NoSuch"))
		return ENOENT;
	if (aws_error_is_throttle(code, http_status) ||
	    aws_error_is_transient(code, http_status))
		return EIO;
	if (http_status == 401 || http_status == 403)
		return EACCES;
	if (http_status == 404)
		return ENOENT;
	return EIO;
}
