"""-o log=FILE|syslog|stderr: where the log goes (syslog in the background by
default, read here from a /dev/log of our own); the file is reopened on
SIGUSR1 and SIGHUP, as logrotate needs.  (No secret reaches the file:
tests/mount/test_security.py, test_no_secret_anywhere_session_env and
_assume_role_profile, each with [log_file].)
"""
import os
import re
import signal
import socket
import stat
import subprocess
import threading

import pytest

from orgfsmount import ORGFS, Mount, daemon_pid, wait_for

LINE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z orgfs\[\d+\] '
                  r'(error|warning|info|debug): \S')


def read(path):
    try:
        with open(path) as fh:
            return fh.read()
    except FileNotFoundError:
        return ''


def test_log_file_receives_the_log_and_reopens(tmp_path):
    log = str(tmp_path / 'orgfs.log')
    with Mount(['--demo=20', '-o', 'log=%s,log_level=info' % log]) as m:
        assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
        m.signal(signal.SIGHUP)
        wait_for(lambda: 'SIGHUP: dropping the cache' in read(log),
                 what='the SIGHUP line in the log file')
        # logrotate: move the file away, then SIGUSR1
        os.rename(log, log + '.1')
        m.signal(signal.SIGUSR1)
        wait_for(lambda: 'log file reopened' in read(log),
                 what='the log file made again')
        before = read(log + '.1')
        assert 'SIGUSR1: reopening the log file' in before
        m.signal(signal.SIGHUP)
        wait_for(lambda: 'SIGHUP: dropping the cache' in read(log),
                 what='the SIGHUP line in the new log file')
        assert read(log + '.1') == before, 'the old file is still written'
        with open(m.p('.orgfs', 'config')) as fh:
            assert 'log\t%s\n' % log in fh.read()
        assert m.output() == '', 'the log went to stderr too'
    for text in (before, read(log)):
        lines = text.splitlines()
        assert lines and all(LINE.match(ln) for ln in lines), text


def test_log_relative_name_is_made_absolute(tmp_path):
    """The daemon runs in /: a relative name is the file in the directory
    orgfs was started in."""
    m = Mount(['--demo=20', '-o', 'log=rel.log,log_level=info'])
    cwd = os.getcwd()
    os.chdir(str(tmp_path))
    try:
        m.start()
    finally:
        os.chdir(cwd)
    try:
        with open(m.p('.orgfs', 'config')) as fh:
            assert 'log\t%s/rel.log\n' % tmp_path in fh.read()
        m.signal(signal.SIGUSR1)
        wait_for(lambda: 'log file reopened' in read(tmp_path / 'rel.log'),
                 what='the log in rel.log')
    finally:
        m.stop()


def test_log_stderr_and_syslog_are_named(tmp_path):
    with Mount(['--demo=20', '-o', 'log=stderr,log_level=info']) as m:
        m.signal(signal.SIGHUP)
        wait_for(lambda: 'SIGHUP: dropping the cache' in m.output(),
                 what='the SIGHUP line on stderr')
        with open(m.p('.orgfs', 'config')) as fh:
            assert 'log\tstderr\n' in fh.read()
    with Mount(['--demo=20', '-o', 'log=syslog']) as m:
        with open(m.p('.orgfs', 'config')) as fh:
            assert 'log\tsyslog\n' in fh.read()
    with Mount(['--demo=20']) as m:
        with open(m.p('.orgfs', 'config')) as fh:
            assert 'log\t(syslog; stderr with -f)\n' in fh.read()


def test_log_bad_destination(tmp_path):
    for dest, why in ((str(tmp_path / 'no' / 'such.log'),
                       'No such file or directory'),
                      (str(tmp_path), 'Is a directory')):
        mnt = tmp_path / 'mnt'
        mnt.mkdir(exist_ok=True)
        r = subprocess.run([ORGFS, '--demo', '-o', 'log=' + dest, str(mnt)],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode != 0
        assert r.stderr == "orgfs: cannot open log file '%s': %s\n" % (
            dest, why), r.stderr
        assert not os.path.ismount(str(mnt))


class FakeSyslog:
    """A datagram socket at /dev/log, as syslogd has, that keeps what it
    is sent: made only where no syslog daemon has one (the test machine),
    read all along (a full queue would block the senders), removed after."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind('/dev/log')
        self.sock.settimeout(0.2)
        self.lines, self.stopping = [], False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.stopping:
            try:
                self.lines.append(self.sock.recv(65536).decode('utf-8',
                                                               'replace'))
            except socket.timeout:
                pass

    def of(self, pid):
        return [ln for ln in list(self.lines) if ' orgfs[%d]: ' % pid in ln]

    def close(self):
        self.stopping = True
        self.thread.join()
        os.unlink('/dev/log')
        self.sock.close()


@pytest.fixture
def syslog():
    if os.path.exists('/dev/log'):
        pytest.skip('a syslog daemon has /dev/log: its log is not read here')
    if os.geteuid() != 0:
        pytest.skip('makes /dev/log: root')
    s = FakeSyslog()
    yield s
    s.close()


def test_background_default_is_syslog(syslog, tmp_path):
    """Without -f and log=, the log goes to syslog (facility daemon, ident
    orgfs with the pid), and nothing to the terminal."""
    mnt = str(tmp_path / 'mnt')
    os.mkdir(mnt)
    r = subprocess.run([ORGFS, '--demo=20', '-o', 'log_level=info', mnt],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == r.stderr == '', r.stderr
    try:
        pid = daemon_pid(mnt)
        with open(os.path.join(mnt, '.orgfs', 'config')) as fh:
            assert 'log\t(syslog; stderr with -f)\n' in fh.read()
        os.kill(pid, signal.SIGHUP)
        got = wait_for(lambda: [ln for ln in syslog.of(pid)
                                if 'SIGHUP: dropping the cache' in ln],
                       what='the SIGHUP line in syslog')
        # <daemon.info>: facility 3, level 6
        assert got[0].startswith('<30>'), got
    finally:
        subprocess.run(['fusermount3', '-u', mnt])
        wait_for(lambda: not os.path.ismount(mnt), what='the unmount')


def test_log_syslog_in_the_foreground(syslog):
    """-f -o log=syslog: syslog, not stderr."""
    with Mount(['--demo=20', '-o', 'log=syslog,log_level=info']) as m:
        m.signal(signal.SIGHUP)
        wait_for(lambda: [ln for ln in syslog.of(m.proc.pid)
                          if 'SIGHUP: dropping the cache' in ln],
                 what='the SIGHUP line in syslog')
        assert 'SIGHUP' not in m.output()
