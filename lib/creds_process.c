/* creds_process.c - credential_process (creds_process.h) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "awserr.h"
#include "awsconfig.h"
#include "buf.h"
#include "creds_cached.h"
#include "creds_priv.h"
#include "creds_process.h"

extern char **environ;

#define PROCESS_MAX_OUTPUT (64 * 1024)
#define PROCESS_TIMEOUT_MS (5 * 60 * 1000)

struct proc_arg {
	char *profile;
	char *command;
	int timeout_ms;
};

static void proc_free(void *arg)
{
	struct proc_arg *p = arg;

	free(p->profile);
	free(p->command);
	free(p);
}

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Start argv with stdout on out_fd and stderr on err_fd.  The program
 * starts with no signal blocked and the signals the daemon takes at their
 * defaults, not with the daemon's mask.  @return 0 or a positive errno */
static int spawn_child(char **argv, int out_fd, int err_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t none, dfl;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_init(&sa);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setsigdefault(&sa, &dfl);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(pid, argv[0], &fa, &sa, argv, environ);
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* One read from the pipe *fd into dst; the chunk is wiped after.
 * @return 0, 1 when the pipe is at its end (then *fd is closed and -1),
 * or -EFBIG when dst is full */
static int read_pipe(int *fd, struct buf *dst)
{
	char chunk[4096];
	ssize_t n = read(*fd, chunk, sizeof(chunk));
	int rc;

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return 1;
	}
	rc = buf_append(dst, chunk, (size_t)n);
	OPENSSL_cleanse(chunk, (size_t)n);
	return rc < 0 ? -EFBIG : 0;
}

/* Run argv without a shell; stdout into out (capped), the first line of
 * stderr into eline.  @return exit status (>= 0) or -errno */
static int run_capture(char **argv, int timeout_ms, struct buf *out,
		       char *eline, size_t elen, char *why, size_t whylen)
{
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 }, st, rc = 0;
	struct buf eb;
	pid_t pid;
	long long deadline = ms_now() + timeout_ms;
	int open_fds = 2, killed = 0;

	buf_init(&eb, 4096);
	if (pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		rc = -errno;
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		goto out;
	}
	rc = spawn_child(argv, op[1], ep[1], &pid);
	close(op[1]);
	close(ep[1]);
	op[1] = ep[1] = -1;
	if (rc != 0) {
		snprintf(why, whylen, "cannot run %s: %s", argv[0], strerror(rc));
		rc = -rc;
		goto out;
	}
	while (open_fds > 0) {
		struct pollfd pf[2] = { { op[0], POLLIN, 0 }, { ep[0], POLLIN, 0 } };
		long long left = deadline - ms_now();
		int n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			snprintf(why, whylen, "%s did not finish within %d s",
				 argv[0], timeout_ms / 1000);
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(pf, 2, (int)(left > 1000 ? 1000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			/* stderr is capped silently, stdout is not */
			n = read_pipe(i == 0 ? &op[0] : &ep[0], i == 0 ? out : &eb);
			if (n == 1) {
				open_fds--;
			} else if (n < 0 && i == 0) {
				kill(pid, SIGKILL);
				killed = 1;
				snprintf(why, whylen, "%s wrote more than %d bytes",
					 argv[0], PROCESS_MAX_OUTPUT);
				rc = -EFBIG;
				open_fds = 0;
			}
		}
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && !killed) {
		if (WIFEXITED(st))
			rc = WEXITSTATUS(st);
		else
			rc = 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	}
	{
		const char *e = buf_str(&eb);
		size_t n = strcspn(e, "\r\n");

		snprintf(eline, elen, "%.*s", (int)n, e);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	buf_free(&eb);
	return rc;
}

int credchain_process_output(const char *text, size_t len,
			     const char *profile, const char *program,
			     struct aws_credentials **out,
			     struct aws_error *err)
{
	json_t *j, *v;
	json_error_t jerr;
	int rc;

	/* never jerr.text: it quotes the output near the error, which in
	 * output cut short is a secret */
	j = json_loadb(text, len, 0, &jerr);
	if (!j) {
		aws_error_set(err, EIO, "CredentialProcessError",
			      "profile %s: credential_process %s did not print "
			      "a JSON object (malformed json: line %d column %d)",
			      profile, program, jerr.line, jerr.column);
		OPENSSL_cleanse(&jerr, sizeof(jerr));
		rc = -EIO;
		goto out;
	}
	if (!json_is_object(j)) {
		aws_error_set(err, EIO, "CredentialProcessError",
			      "profile %s: credential_process %s did not print "
			      "a JSON object (not an object)", profile, program);
		rc = -EIO;
		goto out;
	}
	v = json_object_get(j, "Version");
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		aws_error_set(err, EIO, "CredentialProcessError",
			      "profile %s: credential_process %s printed an "
			      "unsupported Version (must be 1)", profile,
			      program);
		rc = -EIO;
		goto out;
	}
	rc = creds_from_json(j, "SessionToken", out, err, "credential_process");
	if (rc < 0) {
		creds_prefix_err(err, "profile %s", profile);
		rc = -EIO;
	}
out:
	json_decref(j);
	return rc;
}

static int proc_fetch(void *arg, struct aws_credentials **out,
		      struct aws_error *err)
{
	struct proc_arg *p = arg;
	char **argv = NULL, eline[256] = "", why[300] = "";
	struct buf ob;
	int argc, rc;

	rc = awscfg_shlex_split(p->command, &argv, &argc);
	if (rc < 0) {
		aws_error_set(err, EINVAL, "InvalidConfig", "profile %s: "
			      "credential_process is not a valid command line",
			      p->profile);
		return -EINVAL;
	}
	buf_init(&ob, PROCESS_MAX_OUTPUT);
	rc = run_capture(argv, p->timeout_ms, &ob, eline, sizeof(eline), why,
			 sizeof(why));
	if (rc < 0) {
		aws_error_set(err, EIO, "CredentialProcessError",
			      "profile %s: credential_process: %s", p->profile,
			      why);
		rc = -EIO;
		goto out;
	}
	if (rc != 0) {
		aws_error_set(err, EIO, "CredentialProcessError",
			      "profile %s: credential_process %s exited with "
			      "status %d%s%s", p->profile, argv[0], rc,
			      *eline ? ": " : "", eline);
		rc = -EIO;
		goto out;
	}
	rc = credchain_process_output(buf_str(&ob), ob.len, p->profile,
				      argv[0], out, err);
out:
	buf_wipe(&ob);
	awscfg_argv_free(argv);
	return rc;
}

struct creds_provider *creds_process_new(const char *profile,
					 const char *command,
					 time_t (*clock)(void))
{
	struct proc_arg *p = calloc(1, sizeof(*p));
	char desc[300];

	if (!p || !(p->profile = strdup(profile)) ||
	    !(p->command = strdup(command))) {
		if (p)
			proc_free(p);
		return NULL;
	}
	p->timeout_ms = PROCESS_TIMEOUT_MS;
	snprintf(desc, sizeof(desc), "profile %s (credential-process)", profile);
	return credchain_cached_new("credential-process", desc, proc_fetch, p,
				    proc_free, clock);
}
