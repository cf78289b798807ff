"""The Debian package (debian/), built, checked, installed and used.

scripts/test.sh runs this file as a step of its own.  In a copy of the
tree (the checkout stays clean) it runs `dpkg-buildpackage -us -uc -b`,
lintian over the result, installs the .deb with apt-get, mounts the demo
from the installed /usr/bin/orgfs, checks what `mount -t fuse.orgfs`
(mount.fuse3) and bash completion find, and purges the package again.

Needs root (apt-get, mount) and /dev/fuse; the package build needs the
tools scripts/setup.sh installs (debhelper, lintian, bash-completion).
About a minute on two cores, most of it the compile.
"""
import glob
import os
import shutil
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason='installs a package: root'),
    pytest.mark.skipif(not shutil.which('dpkg-buildpackage'),
                       reason='no dpkg-buildpackage (scripts/setup.sh)'),
]


def run(cmd, **kw):
    kw.setdefault('capture_output', True)
    kw.setdefault('text', True)
    kw.setdefault('timeout', 900)
    return subprocess.run(cmd, **kw)


def wait_unmounted(path, timeout=30):
    end = time.monotonic() + timeout
    while os.path.ismount(path):
        assert time.monotonic() < end, path + ' still mounted'
        time.sleep(0.05)


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """The tree copied (without build dirs and .git) and packaged: the
    directory holding the .deb and .changes."""
    top = tmp_path_factory.mktemp('deb')
    src = top / 'orgfs'
    src.mkdir()
    tar = subprocess.Popen(['tar', '-C', ROOT, '--exclude=./build*',
                            '--exclude=./.git', '-cf', '-', '.'],
                           stdout=subprocess.PIPE)
    subprocess.run(['tar', '-C', str(src), '-xf', '-'], stdin=tar.stdout,
                   check=True)
    assert tar.wait() == 0
    r = run(['dpkg-buildpackage', '-us', '-uc', '-b'], cwd=str(src))
    assert r.returncode == 0, (r.stdout + r.stderr)[-6000:]
    return top


@pytest.fixture(scope='module')
def installed(built):
    """The package installed for the tests of this module; purged after."""
    was = run(['dpkg-query', '-W', '-f=${Status}', 'orgfs'])
    assert 'install ok installed' not in was.stdout, \
        'an orgfs package is installed already; remove it first'
    deb = glob.glob(str(built / 'orgfs_*.deb'))
    assert len(deb) == 1, deb
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    r = run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends',
             deb[0]], env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    yield deb[0]
    r = run(['apt-get', 'purge', '-y', '-qq', 'orgfs'], env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not os.path.exists('/usr/bin/orgfs')


def test_lintian_clean(built):
    changes = glob.glob(str(built / 'orgfs_*.changes'))
    assert len(changes) == 1, changes
    r = run(['lintian', '--fail-on', 'error,warning', changes[0]])
    tags = [ln for ln in r.stdout.splitlines()
            if ln.startswith(('E:', 'W:'))]
    assert r.returncode == 0 and not tags, r.stdout + r.stderr


def test_contents(built):
    deb = glob.glob(str(built / 'orgfs_*.deb'))[0]
    files = run(['dpkg-deb', '-c', deb]).stdout
    for want in ('./usr/bin/orgfs', './usr/share/man/man1/orgfs.1.gz',
                 './usr/share/bash-completion/completions/orgfs',
                 './usr/share/doc/orgfs/examples/demo-rules.ini',
                 './usr/share/doc/orgfs/examples/orgfs@.service',
                 './usr/share/doc/orgfs/examples/srv-org.mount'):
        assert want in files, want + ' not in the package:\n' + files
    depends = run(['dpkg-deb', '-f', deb, 'Depends']).stdout
    for lib in ('fuse3', 'libfuse3-3', 'libcurl4', 'libjansson4', 'libssl3',
                'libxml2', 'libinih1'):
        assert lib in depends, depends
    # runtime libraries only: no -dev package, no test tool
    assert '-dev' not in depends and 'check' not in depends, depends


def test_installed_mounts_demo(installed, tmp_path):
    mnt = str(tmp_path / 'org')
    os.mkdir(mnt)
    r = run(['/usr/bin/orgfs', '--demo', mnt], timeout=60)
    assert r.returncode == 0, r.stderr
    try:
        assert os.path.ismount(mnt)
        with open(os.path.join(mnt, 'tables', 'accounts.tsv')) as fh:
            assert fh.readline() == 'id\tname\temail\tstate\tpath\towner\n'
            assert len(fh.readlines()) == 50
    finally:
        run(['fusermount3', '-u', mnt])
        wait_unmounted(mnt)


def test_mount_helper_finds_orgfs(installed, tmp_path):
    """mount -t fuse.orgfs runs mount.fuse3, which runs `orgfs SOURCE
    MOUNTPOINT -o ...` through /bin/sh: with no PATH at all (systemd,
    fstab at boot) the installed binary is found, mounts, and umount(8)
    unmounts it."""
    mnt = str(tmp_path / 'org')
    os.mkdir(mnt)
    r = run(['env', '-i', '/bin/mount', '-t', 'fuse.orgfs', 'demo:30', mnt,
             '-o', 'ro'], timeout=60)
    try:
        assert r.returncode == 0, r.stderr
        with open('/proc/mounts') as fh:
            assert 'demo:30 %s fuse.orgfs ro,' % mnt in fh.read()
        with open(os.path.join(mnt, 'tables', 'accounts.tsv')) as fh:
            assert len(fh.readlines()) == 31
    finally:
        if os.path.ismount(mnt):
            run(['umount', mnt])
            wait_unmounted(mnt)


def test_completion_and_man_installed(installed):
    r = run(['bash', '-c', 'source /usr/share/bash-completion/bash_completion'
             ' && __load_completion orgfs && complete -p orgfs'])
    assert r.returncode == 0 and '_orgfs' in r.stdout, r.stdout + r.stderr
    r = run(['man', '-w', 'orgfs'])
    assert r.stdout.strip() == '/usr/share/man/man1/orgfs.1.gz', r.stderr


@pytest.mark.skipif(not shutil.which('systemd-analyze'),
                    reason='no systemd-analyze')
def test_systemd_examples_verify(installed, tmp_path):
    """The examples' units, as installed, pass systemd-analyze verify
    (which also checks that ExecStart's binary and the man page in
    Documentation= exist)."""
    ex = '/usr/share/doc/orgfs/examples/'
    shutil.copy(ex + 'srv-org.mount', str(tmp_path / 'srv-org.mount'))
    shutil.copy(ex + 'orgfs@.service', str(tmp_path / 'orgfs@demo.service'))
    for unit in ('srv-org.mount', 'orgfs@demo.service'):
        r = run(['systemd-analyze', 'verify', str(tmp_path / unit)])
        assert r.returncode == 0 and not r.stderr.strip(), \
            unit + ':\n' + r.stdout + r.stderr
