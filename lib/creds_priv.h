/* creds_priv.h - what the credential providers (lib/creds_*.c) share
 *
 * Not for the providers' callers, who need only creds.h and the header of
 * the provider they build.  As with sigv4_priv.h, this is the inside of one
 * module: the credentials, spread over one file per provider as aws-c-auth
 * does.  Error messages built here never quote a reply: a reply cut short
 * may hold a secret.
 */
#ifndef ORGFS_CREDS_PRIV_H
#define ORGFS_CREDS_PRIV_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "creds.h"

struct aws_error;
struct buf;

/* time(NULL): the wall clock of providers given none. */
time_t creds_default_clock(void);

/* Wipe the secret s and free it.  NULL is fine. */
void creds_wipe_free(char *s);

/* strdup that keeps NULL.  @return NULL when s is NULL or on -ENOMEM */
char *creds_xstrdup(const char *s);

/* o[key] when it is a string, else NULL (also when o is not an object).
 * The string is borrowed from o. */
const char *creds_jstr(json_t *o, const char *key);

/* Credentials from {AccessKeyId, SecretAccessKey, <token_key>,
 * Expiration (ISO 8601 or epoch, optional), AccountId (optional)}.
 * what names the source in messages.
 * @return 0 with *out a new reference, or -EIO / -ENOMEM with err filled */
int creds_from_json(json_t *o, const char *token_key,
		    struct aws_credentials **out, struct aws_error *err,
		    const char *what);

/* The same from a JSON document (an HTTP provider's reply body); a
 * malformed document is reported by line and column only.
 * @return 0 with *out a new reference, or -EIO / -ENOMEM with err filled */
int creds_from_body(const struct buf *body, const char *token_key,
		    struct aws_credentials **out, struct aws_error *err,
		    const char *what);

/* Set c->account_id, when unknown, from an ARN
 * ("arn:aws:sts::123456789012:assumed-role/x/y" -> 123456789012). */
void creds_account_from_arn(struct aws_credentials *c, const char *arn);

/* Prefix e's message with the formatted text and ": ", so that every
 * failure names its profile or account. */
void creds_prefix_err(struct aws_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Read the whole file at path (a token) into out, initialised here with
 * the cap max.  On success the caller wipes out after use (buf_wipe); on
 * failure out holds nothing to free.
 * @return 0 or -errno (-EFBIG: larger than max) */
int creds_read_small_file(const char *path, size_t max, struct buf *out);

#endif
