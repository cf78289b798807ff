/* creds_process.h - credentials from a credential_process program
 *
 * The profile's command line is split as a shell would (no shell runs it)
 * and run on every fetch, with no signal blocked and SIGHUP, SIGINT,
 * SIGTERM and SIGPIPE at their defaults.  Its stdout (at most 64 KiB, within
 * 5 minutes) is the credentials document; the first line of its stderr is
 * quoted when it fails.
 */
#ifndef ORGFS_CREDS_PROCESS_H
#define ORGFS_CREDS_PROCESS_H

#include <stddef.h>
#include <time.h>

#include "creds.h"

struct aws_error;

/* profile names the source in messages, command is the credential_process
 * setting; both are copied.  clock: NULL for time().
 * @return a new provider, or NULL on -ENOMEM */
struct creds_provider *creds_process_new(const char *profile,
					 const char *command,
					 time_t (*clock)(void));

/* The output of a credential_process program (its stdout, len bytes):
 * {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken",
 * "Expiration"}.  profile and program name the source in messages.
 * Exported for the fuzzer (tests/fuzz/fuzz_credproc.c).
 * @return 0 with *out a new reference, or -EIO with err filled */
int credchain_process_output(const char *text, size_t len,
			     const char *profile, const char *program,
			     struct aws_credentials **out,
			     struct aws_error *err);

#endif
