/* arn.h - Amazon Resource Names taken apart for the resource tree
 *
 * arn:<partition>:<service>:<region>:<account>:<resource>, and the
 * resource part split into a type and an id the way the tree names
 * resources (resources/<service>/<region>/<type>/<id>):
 *
 *  - "type/id" and "type:id": the type is everything before the first '/'
 *    or ':', the id everything after it, qualifiers and paths kept
 *    ("function:name:alias" -> function, "name:alias"; "role/path/name" ->
 *    role, "path/name"; "table/t/stream/x" -> table, "t/stream/x").
 *  - "/type/id" (API Gateway, no account): the leading '/' is dropped
 *    ("/restapis/a1b2/stages/prod" -> restapis, "a1b2/stages/prod").
 *  - A bare name (no '/' or ':'): the service's default type, as the
 *    Resource Groups Tagging API's ResourceType reports it (sns -> topic,
 *    sqs -> queue, s3 -> bucket, codecommit -> repository, ...), or ""
 *    for services without one ("iam" "root"); the id is the name.
 *  - S3: "bucket/key" is type "object" with id "bucket/key"; SNS:
 *    "topic:subscription-id" is type "subscription" with the whole
 *    resource part as id (a topic name has no ':').
 *  - CloudWatch Logs: a trailing ":*" (all streams of a log group) is not
 *    part of the id ("log-group:/aws/x:*" -> log-group, "/aws/x").
 *
 * An ARN without a region (IAM, S3 buckets, Route 53, CloudFront) has
 * region "global"; without an account (S3 buckets, API Gateway) account
 * "", which the caller fills with the account it listed.
 */
#ifndef ORGFS_ARN_H
#define ORGFS_ARN_H

#include <stddef.h>

#include "model.h"

/* IAM's limit for a role ARN; the tagging API's ResourceARN is shorter. */
#define ARN_MAX_LEN 2048

/* The parts point into buf: a struct arn must not be copied. */
struct arn {
	const char *partition;          /* "aws", "aws-cn", "aws-us-gov" */
	const char *service;            /* "ec2", "s3", "lambda" */
	const char *region;             /* "eu-west-1", "global" */
	const char *account;            /* 12 digits, "aws", or "" */
	const char *type;               /* "instance", "bucket", or "" */
	const char *id;                 /* never empty */
	char buf[ARN_MAX_LEN + 16];
};

/* Parse s into out; nothing is allocated.  Malformed: fewer than six
 * fields, a partition not starting with "aws", a service or region that is
 * not [a-z0-9-], an account that is not "", "aws" or 12 digits, an empty
 * resource, type or id, control characters, or longer than ARN_MAX_LEN.
 * @return 0, or -EINVAL (out undefined) */
int arn_parse(const char *s, struct arn *out);

/* Parse arn and set r's arn, service, region, account (the ARN's, or
 * default_account when it has none), type and id to new strings; tags and
 * compliance are left alone.  @return 0, -EINVAL (r untouched), or -ENOMEM
 * (the members it set are freed and NULL) */
int arn_fill_resource(const char *arn, const char *default_account,
		      struct org_resource *r);

#endif
