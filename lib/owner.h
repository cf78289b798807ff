/* owner.h - who owns an object: owner tags, inheritance, known owners
 *
 * The rule (DESIGN.md §4; the man page repeats it for users):
 *
 *  - An object's owner is the value of the first *present* tag among an
 *    ordered list of owner tag keys (-o owner_tags=, default "Owner,Team").
 *    A tag is present when its value, trimmed of surrounding white space
 *    (space, tab, CR, LF, vertical tab, form feed), is non-empty; the owner
 *    is that trimmed value.  Inner white space is kept.
 *  - Keys match exactly by default.  With nocase they match ignoring ASCII
 *    case only (bytes >= 0x80 must be equal); when several tags of one
 *    object match a key, the exact-case one wins, then the first in byte
 *    order ("OWNER" < "Owner" < "owner").  Only present tags compete: a
 *    blank "Owner" does not hide "owner".
 *  - An object without an owner inherits: a resource from its account, an
 *    account from its OU, an OU from its parent, up to the root.  The
 *    nearest object wins; key order only decides within one object (a
 *    resource's Team beats its account's Owner).
 *
 * Provenance (owner.source), one line without a newline:
 *      tag <key> on <kind> <id> (<label>)
 *      tag <key> on <kind> <id>              when the level has no label
 *      none                                  when nothing resolved
 * with <key> spelled as on the object, e.g.
 *      tag Team on ou ou-ab12-cdef34gh (Root/Workloads)
 *      tag Owner on account 123456789012 (payments-prod)
 *      tag owner on resource arn:aws:s3:::bucket
 * Keys, ids and labels are copied verbatim.
 *
 * Known owners file (-o owners_file=): one owner per line.  Each line is
 * trimmed of surrounding white space (so CRLF files work); blank lines are
 * skipped, and so is a line whose first non-blank byte is '#'.  There are
 * no trailing comments, since owner values may contain '#' ("data # team"
 * is one owner); an owner starting with '#' cannot be listed.  Duplicates
 * are allowed.  A line holding a NUL byte, or whose owner is longer than
 * OWNER_VALUE_MAX bytes, makes the whole file invalid.
 */
#ifndef ORGFS_OWNER_H
#define ORGFS_OWNER_H

#include <stddef.h>

struct org_tags;

#define OWNER_TAGS_DEFAULT "Owner,Team"
#define OWNER_KEYS_MAX 16
#define OWNER_KEY_MAX 128       /* bytes, AWS's tag key limit */
#define OWNER_VALUE_MAX 256     /* bytes, AWS's tag value limit */

struct owner_config {
	char **keys;            /* nkeys keys, in precedence order */
	size_t nkeys;
	int nocase;             /* match keys ignoring ASCII case */
};

/* Parse a comma-separated key list ("Owner,Team").  White space around
 * each key is trimmed.  Rejected, with -EINVAL and a message in err:
 *      invalid owner_tags 'Owner,,Team': empty key
 *      ...: key longer than 128 bytes
 *      ...: more than 16 keys
 *      ...: duplicate key 'owner'    (under the matching mode: with nocase,
 *                                     "Owner,owner" is a duplicate)
 * A NULL spec is treated as "".  out is written only on success.
 * @return 0, -EINVAL, -ENOMEM */
int owner_config_parse(const char *spec, int nocase, struct owner_config *out,
		       char *err, size_t errlen);
void owner_config_free(struct owner_config *c);

/* One object of the inheritance chain. */
struct owner_level {
	const char *kind;               /* "resource", "account", "ou", "root" */
	const char *id;                 /* ARN, account id, ou-..., r-... */
	const char *label;              /* "Root/Workloads", account name;
					   NULL: none */
	const struct org_tags *tags;    /* NULL: no tags */
};

struct owner_result {
	char *value;    /* trimmed owner, malloc'd; NULL when none */
	char *source;   /* provenance text, malloc'd, never NULL ("none") */
	char *key;      /* the deciding tag's key as spelled on the object,
			   malloc'd; NULL when none */
	int level;      /* index into the chain, -1 when none */
};

/* The owner one object's own tags name, without allocating: the trimmed
 * value is (*val, *vlen) inside t, the deciding tag key *key.
 * @return 1 when found, 0 when none */
int owner_of_tags(const struct owner_config *c, const struct org_tags *t,
		  const char **key, const char **val, size_t *vlen);

/* Resolve the owner along chain[0..n-1] (the object first, root last).
 * Finding no owner is a success (value NULL, source "none", level -1).
 * out is written only on success; free it with owner_result_free().
 * @return 0, -EINVAL (a level without kind or id, NULL c or out),
 * -ENOMEM */
int owner_resolve(const struct owner_config *c,
		  const struct owner_level *chain, size_t n,
		  struct owner_result *out);
void owner_result_free(struct owner_result *r);

/* Known owners, kept sorted for binary search. */
struct owner_list;

/* Load an owners file.  Errors, with a message in err:
 *      cannot read owners file 'x': <strerror>         -errno
 *      x:3: owner longer than 256 bytes (FILE:LINE, as rules) -EINVAL
 *      x:3: NUL byte                                   -EINVAL
 * *out is written only on success.  @return 0 or -errno */
int owner_list_load(const char *path, struct owner_list **out,
		    char *err, size_t errlen);
/* 1 when value is listed (exact, byte for byte), 0 otherwise. */
int owner_list_contains(const struct owner_list *l, const char *value);
/* Number of owners listed, duplicates included. */
size_t owner_list_count(const struct owner_list *l);
void owner_list_free(struct owner_list *l);

/* Which IAM Identity Center group answers for an owner: "owner<TAB>group"
 * lines (blank lines and # comments skipped, both sides trimmed).  Errors,
 * with a message in err: the file unreadable, a line without a tab, an
 * empty or overlong side, an owner mapped twice.  @return 0 or -errno */
struct owner_groups;
int owner_groups_load(const char *path, struct owner_groups **out,
		      char *err, size_t errlen);
/* The group of owner, or NULL when the file does not map it. */
const char *owner_groups_get(const struct owner_groups *g, const char *owner);
void owner_groups_free(struct owner_groups *g);

#endif
