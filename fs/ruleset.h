/* ruleset.h - the rules in force (-o rules, -o owners_file), read again
 * on SIGHUP
 *
 * Readers take a reference to the rules in force when they start
 * (ruleset_get) and judge a whole view with it, so that a reload in
 * between changes the next view, never half of one.  A reload that
 * cannot read or parse a file keeps the rules in force and says why as
 * "FILE:LINE: reason" in .orgfs/errors and the log: a mount is never left
 * without its rules by an edit in progress.
 */
#ifndef ORGFS_RULESET_H
#define ORGFS_RULESET_H

#include "fs.h"

/* The files to read again (absolute paths; NULL: not given).  Called
 * once, while options are parsed. */
int ruleset_set_paths(struct orgfs *fs, const char *rules,
		      const char *owners);
/* The rules in force, a reference to drop with rules_free; NULL when
 * there are none. */
struct rules *ruleset_get(struct orgfs *fs);
/* SIGHUP: read the owners file and the rules file again.  On success the
 * new rules are in force for every view rendered after; on failure the
 * previous ones stay.  @return 0, or -errno with the reason reported */
int ruleset_reload(struct orgfs *fs);
/* Report msg once: the log (warning) and .orgfs/errors, under path. */
void ruleset_report(struct orgfs *fs, const char *path, const char *code,
		    const char *msg);
/* Free what ruleset_set_paths kept (at exit). */
void ruleset_free(struct orgfs *fs);

#endif
