"""Real mounts of orgfs for pytest.

    with Mount(['--demo=30']) as m:
        os.listdir(m.path)

The daemon runs in the foreground (-f) with its messages captured.  A
mount is always unmounted, whatever the test's outcome, and stop() fails
the test when the daemon exited non-zero, crashed, or wrote a message
that says error, warning, a sanitizer report or valgrind's ==PID== lines
(pass allow=[regex, ...] for messages a test expects).

The daemon starts with every signal at its default disposition (env
--default-signal), not with whatever the test worker inherited; pass
signals=[...] (env's options) to start it otherwise.  A wait that times
out while a daemon runs reports what each live daemon is doing: its
signal masks, every thread's state and, where gdb is installed, every
thread's stack (daemon_report).
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import weakref

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('ORGFS_BUILD_DIR', os.path.join(ROOT, 'build'))
ORGFS = os.path.join(BUILD, 'fs', 'orgfs')
BAD = re.compile(r'error|warning|AddressSanitizer|LeakSanitizer|'
                 r'ThreadSanitizer|runtime error|==\d+==|Segmentation|Aborted',
                 re.I)


# the daemons started by this process and still running
_LIVE = weakref.WeakSet()


def daemon_report(pid):
    """What the process pid is doing, for a wait that timed out: its state
    and signal masks, each thread's name, state and wait channel, and
    each thread's stack when gdb is installed."""
    out = ['---- daemon %d ----' % pid]
    try:
        with open('/proc/%d/status' % pid) as fh:
            out += [ln.rstrip('\n') for ln in fh
                    if ln.startswith(('State', 'Threads', 'Sig', 'Shd'))]
        for tid in sorted(os.listdir('/proc/%d/task' % pid), key=int):
            base = '/proc/%d/task/%s/' % (pid, tid)
            try:
                with open(base + 'comm') as fh:
                    comm = fh.read().strip()
                with open(base + 'wchan') as fh:
                    wchan = fh.read()
                with open(base + 'stat') as fh:
                    state = fh.read().rsplit(')', 1)[1].split()[0]
                out.append('thread %s %s %s %s' % (tid, comm, state, wchan))
            except OSError:
                pass
    except OSError as e:
        out.append('no longer there: %s' % e)
        return '\n'.join(out)
    gdb = shutil.which('gdb')
    if gdb:
        try:
            r = subprocess.run([gdb, '-batch', '-nx', '-p', str(pid),
                                '-ex', 'thread apply all bt'],
                               capture_output=True, text=True, timeout=120)
            out.append(r.stdout[-30000:])
        except (OSError, subprocess.TimeoutExpired) as e:
            out.append('gdb: %s' % e)
    else:
        out.append('(no gdb: no stacks)')
    return '\n'.join(out)


def in_mount_table(path):
    """Whether path is a mount point in the mount table: unlike
    os.path.ismount, which answers False when the stat of a dead FUSE
    mount fails (ENOTCONN), so that it cannot tell a dead mount from none."""
    path = os.path.abspath(path)
    with open('/proc/self/mountinfo') as fh:
        return any(ln.split()[4].replace('\\040', ' ') == path for ln in fh)


def dead_mount_report(path):
    """For a mount left behind by a daemon that died: what the mount point
    answers, its line in /proc/mounts, and the fusermount3 processes (the
    auto_unmount watchers) still running."""
    out = ['---- mount %s ----' % path]
    try:
        os.stat(path)
        out.append('stat: answers')
    except OSError as e:
        out.append('stat: %s' % e)
    try:
        fd = os.open(path, os.O_RDONLY)
        os.close(fd)
        out.append('open: succeeds (fusermount3 then leaves it mounted)')
    except OSError as e:
        out.append('open: %s (fusermount3 unmounts on ENOTCONN only)' % e)
    with open('/proc/mounts') as fh:
        out += [ln.rstrip('\n') for ln in fh if path in ln]
    r = subprocess.run(['ps', '-eo', 'pid,ppid,stat,etime,args'],
                       capture_output=True, text=True)
    out += [ln for ln in r.stdout.splitlines() if 'fusermount' in ln]
    return '\n'.join(out)


def daemon_pid(cmdline):
    """The pid of the daemon whose command line contains cmdline: the
    process named orgfs, not its reaper (orgfs-reaper, same command
    line)."""
    r = subprocess.run(['pgrep', '-f', cmdline], capture_output=True,
                       text=True)
    for pid in r.stdout.split():
        try:
            with open('/proc/%s/comm' % pid) as fh:
                if fh.read().strip() == 'orgfs':
                    return int(pid)
        except OSError:
            pass
    raise AssertionError('no orgfs daemon runs ' + cmdline)


def live_daemons_report():
    return '\n'.join(daemon_report(m.proc.pid) for m in list(_LIVE)
                     if m.proc is not None and m.proc.poll() is None)


def wait_for(cond, timeout=30.0, what='condition', interval=0.02):
    """Poll cond() until it returns a true value; fail after timeout,
    saying what was awaited and what the live daemons are doing."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError('timed out after %gs waiting for %s\n%s'
                                 % (timeout, what, live_daemons_report()))
        time.sleep(interval)


def wait_exit(proc, timeout, what='the daemon to exit'):
    """proc.wait(timeout), failing with the daemon's report on timeout."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        report = daemon_report(proc.pid)
        proc.kill()
        proc.wait()
        raise AssertionError('timed out after %gs waiting for %s\n%s'
                             % (timeout, what, report))


class Clock:
    """The daemon's cache clock (ORGFS_TEST_CLOCK_FILE at path), in
    milliseconds; set atomically, starting at 1,000,000."""

    def __init__(self, path):
        self.path = str(path)
        self.set(1000000)

    def set(self, ms):
        self.now = ms
        with open(self.path + '.tmp', 'w') as fh:
            fh.write('%d\n' % ms)
        os.rename(self.path + '.tmp', self.path)


def aws_env(fake, extra=None):
    """Environment for a mount of the fake endpoint with its root keys."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('AWS_')}
    env.update({
        'AWS_ACCESS_KEY_ID': fake.root_key,
        'AWS_SECRET_ACCESS_KEY': fake.root_secret,
        'AWS_REGION': 'us-east-1',
        'AWS_CONFIG_FILE': '/nonexistent/orgfs-test-config',
        'AWS_SHARED_CREDENTIALS_FILE': '/nonexistent/orgfs-test-credentials',
        'AWS_EC2_METADATA_DISABLED': 'true',
    })
    if extra:
        env.update(extra)
    return env


# what orgfs answers when asked by name (listxattr fails with ENOTSUP, or
# lists nothing with -o listxattr, so that cp -a, rsync -X and tar --xattrs
# carry nothing)
ORGFS_XATTRS = ('user.orgfs.fetched', 'user.orgfs.stale',
                'user.orgfs.incomplete')


def all_xattrs(path, follow_symlinks=False):
    """Every extended attribute of path as (name, value): those listed and
    orgfs's own, asked by name; those it does not have are left out."""
    import errno
    out = []
    try:
        names = list(os.listxattr(path, follow_symlinks=follow_symlinks))
    except OSError as e:
        if e.errno != errno.ENOTSUP:
            raise
        names = []
    for x in names + [x for x in ORGFS_XATTRS if x not in names]:
        try:
            out.append((x, os.getxattr(path, x,
                                       follow_symlinks=follow_symlinks)))
        except OSError as e:
            if e.errno not in (errno.ENODATA, errno.ENOTSUP, errno.EPERM):
                raise
    return out


def status(mnt):
    """.orgfs/status as a dict of strings."""
    with open(os.path.join(mnt.path, '.orgfs', 'status')) as fh:
        out = {}
        for line in fh:
            k, _, v = line.rstrip('\n').partition('\t')
            out[k] = v
        return out


def wait_idle(mnt, timeout=60):
    """Wait until the daemon has no fetch running or queued."""
    def idle():
        st = status(mnt)
        return st['fetches_in_flight'] == '0' and st['fetches_queued'] == '0'
    wait_for(idle, timeout=timeout, what='the daemon to be idle')


class Mount:
    def __init__(self, args, env=None, allow=(), path=None, wrapper=(),
                 signals=('--default-signal',)):
        self.args = list(args)
        self.env = env
        self.allow = [re.compile(a) for a in allow]
        self._tmp = None
        if path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix='orgfs-mnt-')
            path = self._tmp.name
        self.path = path
        self.log = tempfile.NamedTemporaryFile(prefix='orgfs-log-',
                                               suffix='.txt', delete=False)
        self.wrapper = list(wrapper)
        self.signals = list(signals)
        self.proc = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop(check=exc_type is None)
        return False

    def p(self, *parts):
        return os.path.join(self.path, *parts)

    def start(self, timeout=60):
        cmd = (['env'] + self.signals + self.wrapper + [ORGFS, '-f'] +
               self.args + [self.path])
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL, env=self.env)
        _LIVE.add(self)
        end = time.monotonic() + timeout
        while not os.path.ismount(self.path):
            if self.proc.poll() is not None:
                raise AssertionError('orgfs exited with %d before mounting:\n%s'
                                     % (self.proc.returncode, self.output()))
            if time.monotonic() > end:
                report = daemon_report(self.proc.pid)
                self.stop(check=False)
                raise AssertionError('orgfs did not mount in %ds\n%s'
                                     % (timeout, report))
            time.sleep(0.02)

    def output(self):
        with open(self.log.name, errors='replace') as fh:
            return fh.read()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, check=True):
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        _LIVE.discard(self)
        try:
            if proc.poll() is None:
                subprocess.run(['fusermount3', '-u', '-z', self.path],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                wait_exit(proc, 30, 'orgfs to exit after its unmount')
            out = self.output()
            if check:
                assert proc.returncode == 0, \
                    'orgfs exited with %d:\n%s' % (proc.returncode, out)
                for line in out.splitlines():
                    if BAD.search(line) and not any(a.search(line)
                                                    for a in self.allow):
                        raise AssertionError('orgfs wrote: ' + line +
                                             '\n(whole log:\n' + out + ')')
        finally:
            if os.path.ismount(self.path):
                subprocess.run(['fusermount3', '-u', '-z', self.path])
            os.unlink(self.log.name)
            if self._tmp:
                self._tmp.cleanup()
