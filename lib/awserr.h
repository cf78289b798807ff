/* awserr.h - the AWS error: what failed, where, and the one errno mapping
 *
 * Every lib/ layer that can fail on AWS's account returns 0 or -errno and
 * fills a struct aws_error: the AWS (or transport) code, a one-line
 * message, the request id and the operation.  The tree replies with
 * err; .orgfs/errors shows the rest.  The layers below the client that
 * report a plain message string (http, awsxml, owner) format it with
 * aws_error_text.
 * Nothing here allocates or locks; every function is thread-safe on
 * distinct errors.
 */
#ifndef ORGFS_AWSERR_H
#define ORGFS_AWSERR_H

#include <stdarg.h>
#include <stddef.h>

struct aws_error {
	int http_status;                /* 0 when no reply was received */
	char code[128];                 /* AWS error code, or for transport
					   failures "ConnectionError",
					   "Timeout", "ResponseTooLarge",
					   "MalformedResponse", ... */
	char message[512];
	char request_id[128];
	char operation[96];             /* "organizations:ListAccounts" */
	int attempts;                   /* requests sent */
	int err;                        /* errno for the tree: EACCES, ENOENT, EIO, ... */
};

/* Clear e; aws_error_set formats message and sets code and err, leaving
 * the other members as they are.  Both do nothing when e is NULL. */
void aws_error_clear(struct aws_error *e);
void aws_error_set(struct aws_error *e, int err, const char *code,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "service:Op" into e->operation (cut when over-long). */
void aws_error_set_operation(struct aws_error *e, const char *service,
			     const char *op);

/* Fail an operation: clear e, then set err, code, the message and the
 * operation "service:Op".  e must not be NULL.  @return -err */
int aws_error_fail(struct aws_error *e, const char *service, const char *op,
		   int err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The same from a va_list, for the callers' own variadic wrappers.  cut,
 * when not 0, is the buffer the message is first formatted into (the
 * message is cut at cut-1 bytes, as those wrappers always cut it). */
int aws_error_vfail(struct aws_error *e, const char *service, const char *op,
		    int err, const char *code, size_t cut, const char *fmt,
		    va_list ap) __attribute__((format(printf, 7, 0)));

/* "organizations:ListAccounts: AccessDeniedException: not allowed
 * (request id 1234)" into out. */
const char *aws_error_str(const struct aws_error *e, char *out, size_t len);

/* Copy at most len-1 bytes of s (slen long) into out, not cutting a UTF-8
 * character in two, turning control characters into spaces (error strings
 * are one line) and dropping trailing spaces.  Nothing when len is 0. */
void aws_error_copy_clean(char *out, size_t len, const char *s, size_t slen);

/* Format a message into err (errlen bytes): the error string of the
 * layers that report one instead of a struct aws_error.  Nothing when err
 * is NULL or errlen 0. */
void aws_error_text(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The one place an AWS error code (and HTTP status) becomes an errno.
 * The tree only tells "access denied" and "not found" apart from
 * everything else:
 *
 *   EACCES  AccessDenied*, UnauthorizedException, UnauthorizedOperation,
 *           UnrecognizedClientException, InvalidClientTokenId,
 *           SignatureDoesNotMatch, InvalidSignatureException,
 *           IncompleteSignature, MissingAuthenticationToken*,
 *           ExpiredToken, ExpiredTokenException, AuthFailure,
 *           OptInRequired, RegionDisabledException, and any other code
 *           arriving with HTTP 401 or 403
 *   ENOENT  *NotFoundException, *NotFound, NoSuch*, and any other code
 *           arriving with HTTP 404
 *   EIO     everything else: throttling after the retries, 5xx,
 *           transport failures, ResponseTooLarge, MalformedResponse
 */
int aws_error_to_errno(const char *code, int http_status);
/* botocore's standard-mode classification */
int aws_error_is_throttle(const char *code, int http_status);
int aws_error_is_transient(const char *code, int http_status);

#endif
