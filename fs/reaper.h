/* reaper.h - unmount the mount of a daemon that died.
 *
 * libfuse's auto_unmount leaves the cleanup after a crash to fusermount3,
 * which unmounts only when an open(2) of the mount point fails with
 * ENOTCONN.  Two cases defeat that check:
 * - the kernel opens the root without asking the daemon once opendir has
 *   answered ENOSYS (orgfs's zero-message opens), so the open succeeds;
 * - the daemon's control socket is released before its /dev/fuse file
 *   (seen under load: 40 ms apart), so the open is in flight when the
 *   connection is aborted and fails with ECONNABORTED instead.
 * Either way the mount stays, dead ("Transport endpoint is not
 * connected").
 *
 * The reaper is a small process forked by the daemon before it starts any
 * thread.  It holds nothing of the mount (no /dev/fuse, no directory) but
 * the read end of a pipe whose write end only the daemon holds.  When the
 * pipe says the daemon is gone, the reaper looks up the mount point in
 * /proc/self/mountinfo: if the same mount (same device number) is still
 * there, it unmounts it lazily, as fusermount3 -u -z would, and exits.
 * After a clean unmount it finds nothing and exits.
 */
#ifndef ORGFS_REAPER_H
#define ORGFS_REAPER_H

/* The mount's absolute path, taken before the mount (resolving it later
 * would ask the daemon for the root's attributes).
 * @return a string to pass to reaper_start and free, or NULL */
char *reaper_path(const char *mountpoint);

/* Right after the mount is made, in the process that will serve it and
 * before it starts any thread: forks the reaper for the mount at path
 * (as given by reaper_path).  Failure leaves fusermount3's auto_unmount
 * alone in charge, and says so in the log.
 * @return 0, or -errno */
int reaper_start(const char *path);

/* The mount table's escapes of space, tab, newline and backslash (\ooo)
 * undone in place. */
void mountinfo_unescape(char *s);

#endif
