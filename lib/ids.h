/* ids.h - the identifiers AWS Organizations hands out, checked against
 * the patterns AWS documents for them (the Organizations API reference;
 * the service model's shapes in parentheses)
 *
 *   account       ^\d{12}$                               (AccountId)
 *   root          ^r-[0-9a-z]{4,32}$                     (RootId)
 *   OU            ^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$     (OrganizationalUnitId)
 *   organization  ^o-[a-z0-9]{10,32}$                    (OrganizationId)
 *   policy        ^p-[0-9a-zA-Z_]{8,128}$                (PolicyId; AWS-managed
 *                 policies have ids of the same form, "p-FullAWSAccess")
 *   parent        a root or an OU                        (ParentId)
 *   target        a root, an OU or an account            (PolicyTargetId)
 *
 * Every identifier a source takes from the network passes one of these
 * before it is kept: they become path components and symlink targets of
 * the tree, so "../x", "a/b" or a NUL byte must never get through.  An
 * ARN of the organization's objects (the Arn members) is checked with
 * ids_is_org_arn, as the service model's patterns say, in any partition
 * lib/arn.h accepts:
 *   arn:<p>:organizations::<account>:organization/<org>
 *   arn:<p>:organizations::<account>:account/<org>/<account>
 *   arn:<p>:organizations::<account>:root/<org>/<root>
 *   arn:<p>:organizations::<account>:ou/<org>/<ou>
 *   arn:<p>:organizations::<account>:policy/<org>/<type>/<policy>
 *   arn:<p>:organizations::aws:policy/<type>/<policy>     (AWS-managed)
 * with <type> [0-9a-z_]+.  Resource ARNs are lib/arn.h's.
 */
#ifndef ORGFS_IDS_H
#define ORGFS_IDS_H

int ids_is_account(const char *s);
int ids_is_root(const char *s);
int ids_is_ou(const char *s);
int ids_is_org(const char *s);
int ids_is_policy(const char *s);
/* a root or an OU */
int ids_is_parent(const char *s);
/* a root, an OU or an account */
int ids_is_target(const char *s);
/* An ARN of the organization, an account, root, OU or policy ("" is
 * accepted: AWS leaves Arn out of some replies). */
int ids_is_org_arn(const char *s);

/* Whether name ends in " (<id>)", id a root, OU or account id: the form
 * the tree gives names that two objects share, which a name of that form
 * takes too, so that it cannot meet another's (by-name/, tree/). */
int ids_name_has_id_suffix(const char *name);

/* What s should have been, for error messages: "an account id (12
 * digits)" ...; check is one of the functions above. */
const char *ids_describe(int (*check)(const char *));

#endif
