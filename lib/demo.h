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

/* @return a new source, or NULL with errno EINVAL (naccounts out of
 * range) or ENOMEM.  Free it with s->ops->destroy(s). */
struct org_source *demo_source_new(unsigned naccounts, unsigned seed);

#endif
