"""orgfs mounted the way /etc/fstab mounts it (orgfs(1), MOUNTING FROM
/etc/fstab): util-linux mount(8) runs the helper mount.fuse3 (as
/sbin/mount.fuse, for the type fuse.orgfs), which runs
`orgfs SOURCE MOUNTPOINT -o OPTIONS` through /bin/sh.

mount(8) gives its helpers no PATH (it sanitizes the environment), so that
sh looks for orgfs in its default path, which begins /usr/local/sbin.  The
tests that go through mount(8) run in a private mount namespace of their
own in which /usr/local/sbin is a directory holding only `orgfs`, a link
to the build's: the real path, with nothing installed on the machine and
nothing seen by other processes.  mount.fuse3 run directly keeps PATH.
"""
import os
import shutil
import subprocess
import tempfile

import pytest

from orgfsmount import ORGFS, Mount, daemon_pid, wait_for

MOUNT = shutil.which('mount')
UMOUNT = shutil.which('umount')
MOUNT_FUSE = shutil.which('mount.fuse3') or (
    '/sbin/mount.fuse3' if os.path.exists('/sbin/mount.fuse3') else None)
UNSHARE = shutil.which('unshare')
NSENTER = shutil.which('nsenter')
HELPER = '/sbin/mount.fuse'     # what mount(8) runs for fuse.TYPE

needs_mount = pytest.mark.skipif(
    not (MOUNT and UMOUNT and os.path.exists(HELPER)),
    reason='needs util-linux mount(8), umount(8) and mount.fuse3 as '
    '/sbin/mount.fuse (Debian: mount, fuse3)')
needs_ns = pytest.mark.skipif(
    not (UNSHARE and NSENTER), reason='needs unshare(1) and nsenter(1) '
    '(util-linux) for a private mount namespace')


def alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as fh:
            return fh.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


class Namespace:
    """A private mount namespace whose /usr/local/sbin holds `orgfs` (the
    build's) and nothing else.  run() runs a command in it.  Closing it
    kills the daemons serving its mounts (started through it) and its
    holder, which takes the namespace and its mounts away."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='orgfs-fstab-')
        self.bin = os.path.join(self.tmp.name, 'bin')
        os.mkdir(self.bin)
        os.symlink(ORGFS, os.path.join(self.bin, 'orgfs'))
        self.holder = subprocess.Popen(
            [UNSHARE, '--mount', '--propagation', 'private', 'sh', '-c',
             'mount --bind "$1" /usr/local/sbin && echo ready && exec cat',
             'sh', self.bin],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        if self.holder.stdout.readline().strip() != 'ready':
            err = self.holder.stderr.read()
            self.holder.kill()
            self.holder.wait()
            self.tmp.cleanup()
            pytest.skip('no private mount namespace here: ' + err.strip())
        self.daemons = []

    def path(self, *parts):
        return os.path.join(self.tmp.name, *parts)

    def run(self, *cmd, env=None):
        r = subprocess.run([NSENTER, '-t', str(self.holder.pid), '-m', '--']
                           + list(cmd), capture_output=True, text=True,
                           timeout=60, env=env, stdin=subprocess.DEVNULL)
        print('$', ' '.join(cmd), '->', r.returncode, r.stdout[-2000:],
              r.stderr)
        return r

    def mounts(self, mnt):
        """The lines of the namespace's mount table for mnt, split."""
        with open('/proc/%d/mounts' % self.holder.pid) as fh:
            return [ln.split() for ln in fh if ln.split()[1] == mnt]

    def daemon(self, mnt):
        pid = daemon_pid(mnt)
        self.daemons.append(pid)
        return pid

    def close(self):
        for pid in self.daemons:
            if alive(pid):
                os.kill(pid, 9)
        self.holder.stdin.close()
        self.holder.kill()
        self.holder.wait()
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def fstab(ns, *lines):
    path = ns.path('fstab')
    with open(path, 'w') as fh:
        fh.write('# orgfs test fstab\n' + ''.join(ln + '\n' for ln in lines))
    return path


def mountpoint(ns, name='mnt'):
    mnt = ns.path(name)
    os.mkdir(mnt)
    return mnt


def unmount_and_wait(ns, mnt, pid):
    r = ns.run(UMOUNT, mnt)
    assert r.returncode == 0, r.stderr
    assert not ns.mounts(mnt)
    wait_for(lambda: not alive(pid), timeout=30,
             what='the daemon to exit after umount')


def profile_config(ns_or_dir, fake):
    """An AWS config file with profile auditor (the fake's root keys)."""
    cfg = os.path.join(ns_or_dir, 'config')
    with open(cfg, 'w') as fh:
        fh.write('[profile auditor]\nregion = us-east-1\n'
                 'aws_access_key_id = %s\naws_secret_access_key = %s\n'
                 % (fake.root_key, fake.root_secret))
    return cfg


@needs_mount
@needs_ns
def test_fstab_noauto_line():
    """The fstab line of orgfs(1), noauto: `mount MOUNTPOINT` mounts it
    read-only with its source as the device; `umount` unmounts it and the
    daemon exits.  Nothing is printed."""
    with Namespace() as ns:
        mnt = mountpoint(ns)
        tab = fstab(ns, 'demo:20  %s  fuse.orgfs  ro,noauto,nofail,_netdev,'
                    'allow_other,x-systemd.automount,ttl=600  0  0' % mnt)
        r = ns.run(MOUNT, '-T', tab, mnt)
        assert r.returncode == 0 and r.stderr == '', r.stderr
        (line,) = ns.mounts(mnt)
        assert line[0] == 'demo:20' and line[2] == 'fuse.orgfs', line
        flags = line[3].split(',')
        assert 'ro' in flags and 'allow_other' in flags, line
        pid = ns.daemon(mnt)
        r = ns.run('ls', os.path.join(mnt, 'accounts'))
        assert r.returncode == 0 and len(r.stdout.split()) == 20, r.stdout
        r = ns.run('cat', os.path.join(mnt, '.orgfs', 'config'))
        assert 'source\tdemo\n' in r.stdout, r.stdout
        assert 'demo_accounts\t20\n' in r.stdout, r.stdout
        unmount_and_wait(ns, mnt, pid)


@needs_mount
@needs_ns
def test_fstab_mount_all_twice():
    """`mount -a` mounts the line once: the second run sees it mounted (the
    mount's device is the line's source) and starts no second daemon."""
    with Namespace() as ns:
        mnt = mountpoint(ns)
        later = mountpoint(ns, 'later')
        tab = fstab(ns, 'demo  %s  fuse.orgfs  ro,_netdev,allow_other  0  0'
                    % mnt, 'demo:20  %s  fuse.orgfs  ro,noauto,_netdev  0  0'
                    % later)
        for _ in range(2):
            r = ns.run(MOUNT, '-T', tab, '-a')
            assert r.returncode == 0 and r.stderr == '', r.stderr
        assert len(ns.mounts(mnt)) == 1, ns.mounts(mnt)
        assert not ns.mounts(later), 'mount -a mounted a noauto line'
        r = ns.run(MOUNT, '-T', tab, later)
        assert r.returncode == 0 and r.stderr == '', r.stderr
        unmount_and_wait(ns, later, ns.daemon(later))
        assert ns.mounts(mnt)[0][0] == 'demo'
        pid = ns.daemon(mnt)
        r = ns.run('ls', os.path.join(mnt, 'accounts'))
        assert len(r.stdout.split()) == 50, r.stdout
        unmount_and_wait(ns, mnt, pid)


@needs_mount
@needs_ns
def test_mount_by_hand_says_rw_ignored():
    """`mount -t fuse.orgfs demo:20 MNT -o ...`: mount(8) passes rw unless
    told ro; orgfs mounts read-only and says so in one warning line."""
    with Namespace() as ns:
        mnt = mountpoint(ns)
        r = ns.run(MOUNT, '-t', 'fuse.orgfs', 'demo:20', mnt, '-o',
                   'allow_other,_netdev,noauto,seed=7')
        assert r.returncode == 0, r.stderr
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and 'warning' in lines[0] and \
            'rw ignored' in lines[0] and 'read-only' in lines[0], r.stderr
        assert 'ro' in ns.mounts(mnt)[0][3].split(',')
        pid = ns.daemon(mnt)
        r = ns.run('cat', os.path.join(mnt, '.orgfs', 'config'))
        assert 'demo_seed\t7\n' in r.stdout, r.stdout
        unmount_and_wait(ns, mnt, pid)


@needs_mount
@needs_ns
@pytest.mark.parametrize('how,source', [('fstab', 'aws:auditor'),
                                        ('mount -t', 'orgfs'),
                                        ('mount -t', 'aws')])
def test_aws_source(fakeaws_factory, how, source):
    """The AWS source: `aws:PROFILE` from fstab, and the issue's command,
    `mount -t fuse.orgfs orgfs /mnt/org -o profile=x` (it was "fuse: bad
    mount point 'orgfs'"), orgfs or aws with the profile as an -o option:
    the profile's credentials (mount(8) keeps AWS_CONFIG_FILE), the
    endpoint from the options; umount unmounts it."""
    fake = fakeaws_factory(accounts=10, seed=17)
    with Namespace() as ns:
        env = {'AWS_CONFIG_FILE': profile_config(ns.tmp.name, fake),
               'AWS_SHARED_CREDENTIALS_FILE': ns.path('nocredentials'),
               'AWS_EC2_METADATA_DISABLED': 'true',
               'PATH': os.environ.get('PATH', '/usr/bin:/bin')}
        mnt = mountpoint(ns)
        if how == 'fstab':
            tab = fstab(ns, '%s  %s  fuse.orgfs  ro,noauto,_netdev,'
                        'endpoint=%s  0  0' % (source, mnt, fake.url))
            r = ns.run(MOUNT, '-T', tab, mnt, env=env)
        else:
            r = ns.run(MOUNT, '-t', 'fuse.orgfs', source, mnt, '-o',
                       'ro,profile=auditor,endpoint=' + fake.url, env=env)
        assert r.returncode == 0 and r.stderr == '', r.stderr
        (line,) = ns.mounts(mnt)
        assert line[0] == source and line[2] == 'fuse.orgfs', line
        pid = ns.daemon(mnt)
        r = ns.run('cat', os.path.join(mnt, '.orgfs', 'config'))
        assert 'source\taws\n' in r.stdout and \
            'profile\tauditor\n' in r.stdout, r.stdout
        r = ns.run('ls', os.path.join(mnt, 'accounts'))
        assert len(r.stdout.split()) == 10, r.stdout
        unmount_and_wait(ns, mnt, pid)


@pytest.mark.skipif(not (MOUNT_FUSE and UMOUNT),
                    reason='needs mount.fuse3 (Debian: fuse3) and umount(8)')
def test_mount_fuse3_with_path(tmp_path):
    """mount.fuse3 itself, which finds `orgfs` on PATH: the source, and
    what it passes on (dev, suid, and the x-*, defaults and atime options
    that mount(8) would have taken; it drops _netdev, noauto, nofail)."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    os.symlink(ORGFS, str(bin_dir / 'orgfs'))
    mnt = tmp_path / 'mnt'
    mnt.mkdir()
    env = dict(os.environ, PATH='%s:%s' % (bin_dir, os.environ['PATH']))
    r = subprocess.run([MOUNT_FUSE, 'demo:20', str(mnt), '-t', 'fuse.orgfs',
                        '-o', 'ro,allow_other,_netdev,noauto,nofail,'
                        'defaults,relatime,x-systemd.automount,'
                        'x-systemd.idle-timeout=60,comment=orgfs'],
                       env=env, capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    pid = None
    try:
        assert r.returncode == 0 and r.stderr == '', r.stderr
        with open('/proc/mounts') as fh:
            (line,) = [ln.split() for ln in fh if ln.split()[1] == str(mnt)]
        assert line[0] == 'demo:20' and line[2] == 'fuse.orgfs', line
        pid = daemon_pid(str(mnt))
        assert len(os.listdir(str(mnt / 'accounts'))) == 20
        u = subprocess.run([UMOUNT, str(mnt)], capture_output=True,
                           text=True, timeout=30)
        assert u.returncode == 0, u.stderr
        wait_for(lambda: not alive(pid), timeout=30,
                 what='the daemon to exit after umount')
    finally:
        if os.path.ismount(str(mnt)):
            subprocess.run(['fusermount3', '-u', '-z', str(mnt)])
        if pid and alive(pid):
            os.kill(pid, 9)


@pytest.mark.parametrize('source,accounts', [('demo', 50), ('demo:20', 20)])
def test_source_argument(source, accounts):
    """`orgfs SOURCE MOUNTPOINT` as mount.fuse3 runs it; the source is the
    mount's device (fsname) in /proc/mounts."""
    with Mount([source]) as m:
        assert len(os.listdir(m.p('accounts'))) == accounts
        with open('/proc/mounts') as fh:
            (line,) = [ln.split() for ln in fh if ln.split()[1] == m.path]
        assert line[0] == source and line[2] == 'fuse.orgfs', line


def test_source_aws_profile(fake_for_source, tmp_path):
    """aws:PROFILE is --profile=PROFILE."""
    fake = fake_for_source
    env = {k: v for k, v in os.environ.items() if not k.startswith('AWS_')}
    env.update(AWS_CONFIG_FILE=profile_config(str(tmp_path), fake),
               AWS_EC2_METADATA_DISABLED='true',
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / 'none'))
    with Mount(['aws:auditor', '--endpoint=' + fake.url], env=env) as m:
        with open(m.p('.orgfs', 'config')) as fh:
            assert 'profile\tauditor\n' in fh.read()


@pytest.fixture
def fake_for_source(fakeaws_factory):
    return fakeaws_factory(accounts=10, seed=19)


@pytest.mark.parametrize('args,phrase', [
    (['nowhere'], "unknown source 'nowhere'"),
    (['aws', '--demo'], 'keep one'),
    (['demo:20', '--demo=30'], 'keep one'),
    (['aws:a', '--profile=b'], 'two profiles'),
    (['demo:5'], 'invalid demo size'),
])
def test_bad_source(tmp_path, args, phrase):
    mnt = tmp_path / 'mnt'
    mnt.mkdir()
    r = subprocess.run([ORGFS] + args + [str(mnt)], capture_output=True,
                       text=True, timeout=20, stdin=subprocess.DEVNULL)
    lines = r.stderr.splitlines()
    assert r.returncode != 0 and len(lines) == 1, r.stderr
    assert phrase in lines[0], lines[0]
    assert not os.path.ismount(str(mnt))
