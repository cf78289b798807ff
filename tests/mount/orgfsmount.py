"""Real mounts of orgfs for pytest.

    with Mount(['--demo=30']) as m:
        os.listdir(m.path)

The daemon runs in the foreground (-f) with its messages captured.  A
mount is always unmounted, whatever the test's outcome, and stop() fails
the test when the daemon exited non-zero, crashed, or wrote a message
that says error, warning, a sanitizer report or valgrind's ==PID== lines
(pass allow=[regex, ...] for messages a test expects).
"""
import os
import re
import signal
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('ORGFS_BUILD_DIR', os.path.join(ROOT, 'build'))
ORGFS = os.path.join(BUILD, 'fs', 'orgfs')
BAD = re.compile(r'error|warning|AddressSanitizer|LeakSanitizer|'
                 r'ThreadSanitizer|runtime error|==\d+==|Segmentation|Aborted',
                 re.I)


def wait_for(cond, timeout=30.0, what='condition', interval=0.02):
    """Poll cond() until it returns a true value; fail after timeout."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError('timed out waiting for ' + what)
        time.sleep(interval)


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
    def __init__(self, args, env=None, allow=(), path=None, wrapper=()):
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
        cmd = self.wrapper + [ORGFS, '-f'] + self.args + [self.path]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL, env=self.env)
        end = time.monotonic() + timeout
        while not os.path.ismount(self.path):
            if self.proc.poll() is not None:
                raise AssertionError('orgfs exited with %d before mounting:\n%s'
                                     % (self.proc.returncode, self.output()))
            if time.monotonic() > end:
                self.stop(check=False)
                raise AssertionError('orgfs did not mount in %ds' % timeout)
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
        try:
            if proc.poll() is None:
                subprocess.run(['fusermount3', '-u', '-z', self.path],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    raise AssertionError('orgfs did not exit after unmount')
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
