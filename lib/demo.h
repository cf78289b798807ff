/* demo.h - a built-in, deterministic organization ("demo" source)
 *
 * No network and no credentials: the organization is generated in memory
 * from (naccounts, seed), and the same pair always yields the same ids,
 * names, tags and policies.  It is shaped like a landing zone (Security,
 * Infrastructure, Workloads/{Prod,Staging,Dev}, Data, Sandbox,
 * Suspended, ...), grows business-unit OUs under the Workloads
 * environments as it grows, and carries the tagging mistakes real
 * organizations have, so audits have something to find.
 */
#ifndef ORGFS_DEMO_H
#define ORGFS_DEMO_H

struct org_source;

#define DEMO_MIN_ACCOUNTS 10
#define DEMO_MAX_ACCOUNTS 100000
#define DEMO_DEFAULT_RESOURCES 8
#define DEMO_MAX_RESOURCES 100000
/* The regions where the demo's accounts have resources; any other
 * region lists none. */
#define DEMO_REGIONS "us-east-1,eu-west-1"

/*
 * Resources (list_resources) are generated on each call from (seed,
 * account, region): exactly `resources` per account and demo region, one
 * of each kind first, then weighted: ec2 instances, volumes and vpcs,
 * lambda functions, rds dbs, dynamodb tables, sns topics, sqs queues and
 * logs log groups in both regions; s3 buckets and iam roles (region
 * "global") in us-east-1's listing only, as the tagging API lists them.
 * Tags have the usual gaps: about 8% none left, 37% no owner tag (the
 * account's owner applies), the rest Team, Owner, a lower-case "owner",
 * a person's address, a typo'd team or an empty Owner; CostCenter keys and
 * values are checked against the root tag policy into compliance.
 * Like AWS, the member role cannot be assumed in SUSPENDED and CLOSED
 * accounts, in accounts outside the organization, nor in invited accounts
 * waiting in the Transitional OU (they never created it): those fail with
 * EACCES ("sts:AssumeRole: AccessDenied").  The management account is
 * read with the caller's own credentials.
 */
struct demo_options {
	unsigned naccounts;     /* DEMO_MIN_ACCOUNTS..DEMO_MAX_ACCOUNTS */
	unsigned seed;
	unsigned resources;     /* per account and demo region, up to
				   DEMO_MAX_RESOURCES; 0: DEMO_DEFAULT_RESOURCES */
};

/* @return a new source, or NULL with errno EINVAL (an option out of
 * range) or ENOMEM.  Free it with s->ops->destroy(s). */
struct org_source *demo_source_new_with(const struct demo_options *o);
/* demo_source_new_with() with the default resources */
struct org_source *demo_source_new(unsigned naccounts, unsigned seed);

#endif
