/* reaper.c - unmount the mount of a daemon that died (see reaper.h) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "reaper.h"

char *reaper_path(const char *mountpoint)
{
	return realpath(mountpoint, NULL);
}

void mountinfo_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The device number ("major:minor") of the topmost FUSE mount at path,
 * from /proc/self/mountinfo, which reading asks no filesystem anything.
 * @return 1 when found, 0 when not, -errno when mountinfo is unreadable */
static int find_mount(const char *path, char *dev, size_t devlen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *mp, *rest, *fstype, *sep;
	size_t cap = 0;
	int found = 0;
	char d[32];

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		/* id parent major:minor root mountpoint opts ... - fstype ... */
		if (sscanf(line, "%*d %*d %31s %*s", d) != 1)
			continue;
		mp = line;
		for (int i = 0; i < 4 && mp; i++) {
			mp = strchr(mp, ' ');
			if (mp)
				mp++;
		}
		sep = strstr(line, " - ");
		if (!mp || !sep)
			continue;
		rest = strchr(mp, ' ');
		if (!rest)
			continue;
		*rest = '\0';
		fstype = sep + 3;
		mountinfo_unescape(mp);
		if (strcmp(mp, path) != 0 || strncmp(fstype, "fuse", 4) != 0)
			continue;
		snprintf(dev, devlen, "%s", d);
		found = 1;      /* the last one is the topmost */
	}
	free(line);
	fclose(f);
	return found;
}

/* As fusermount3 -u -z does: from the parent, without following the
 * last component into the dead filesystem. */
static void unmount_dead(const char *path)
{
	char *dir, *slash;

	if (geteuid() != 0) {
		execlp("fusermount3", "fusermount3", "-u", "-q", "-z", "--",
		       path, (char *)NULL);
		return;
	}
	dir = strdup(path);
	if (!dir)
		return;
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	else
		strcpy(dir, "/");
	if (chdir(dir) == 0)
		umount2(path + (slash ? slash - dir + 1 : 0),
			MNT_DETACH | UMOUNT_NOFOLLOW);
	free(dir);
}

static void reaper_main(int rfd, const char *path, const char *dev)
{
	struct sigaction sa;
	sigset_t none;
	char now[32], c;
	ssize_t n;
	int fd;

	/* out of the terminal's reach, holding nothing of the mount: not its
	 * directory, not /dev/fuse, not the daemon's other files */
	setsid();
	if (chdir("/") != 0)
		_exit(1);
	if (rfd > 3)
		close_range(3, (unsigned)rfd - 1, 0);
	close_range((unsigned)rfd + 1, ~0U, 0);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2 && fd != rfd)
			close(fd);
	}
	prctl(PR_SET_NAME, "orgfs-reaper", 0, 0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);  /* pkill -USR1 orgfs, for logrotate */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	do
		n = read(rfd, &c, 1);
	while (n > 0 || (n < 0 && errno == EINTR));
	/* the daemon is gone; its mount is dead if it is still there */
	if (find_mount(path, now, sizeof(now)) == 1 && strcmp(now, dev) == 0)
		unmount_dead(path);
	_exit(0);
}

int reaper_start(const char *path)
{
	char dev[32];
	int p[2], rc, st = 0;
	pid_t pid;

	rc = find_mount(path, dev, sizeof(dev));
	if (rc != 1) {
		olog(LOG_WARNING, "no reaper: the mount at %s is not in "
		     "/proc/self/mountinfo%s%s", path, rc < 0 ? ": " : "",
		     rc < 0 ? strerror(-rc) : "");
		return rc < 0 ? rc : -ENOENT;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(p[0]);
		close(p[1]);
		return rc;
	}
	if (pid == 0) {
		/* forked twice, so that the reaper is not this process's
		 * child: were it killed, no zombie would wait for the daemon
		 * to reap it */
		pid = fork();
		if (pid == 0)
			reaper_main(p[0], path, dev);
		_exit(pid < 0 ? 1 : 0);
	}
	/* the write end stays open until this process is gone */
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		close(p[1]);
		return -EAGAIN;
	}
	return 0;
}
