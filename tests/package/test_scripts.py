"""scripts/setup.sh and scripts/demo.sh: the demo installs only what builds
and runs orgfs, says so in one line, and keeps the screen for the demo.

setup.sh runs against a fake dpkg-query (everything missing) and a fake
apt-get that records what it was asked and prints apt's usual noise.
"""
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SETUP = os.path.join(ROOT, 'scripts', 'setup.sh')

RUNTIME_AND_BUILD = {'meson', 'ninja-build', 'pkg-config', 'gcc',
                     'libfuse3-dev', 'fuse3', 'libcurl4-openssl-dev',
                     'libjansson-dev', 'libssl-dev', 'libinih-dev',
                     'libxml2-dev'}
TEST_ONLY = {'check', 'valgrind', 'clang', 'python3-pytest',
             'python3-botocore', 'gdb', 'lintian', 'debhelper'}


@pytest.fixture
def fake_apt(tmp_path):
    """A PATH whose dpkg-query finds nothing installed and whose apt-get
    records its arguments in calls.txt; apt_fails: it fails."""
    bin_ = tmp_path / 'bin'
    bin_.mkdir()
    calls = tmp_path / 'calls.txt'
    (bin_ / 'dpkg-query').write_text('#!/bin/sh\nexit 1\n')
    (bin_ / 'apt-get').write_text(
        '#!/bin/sh\n'
        'echo "$*" >> %s\n'
        '[ -e %s ] && { echo "E: Unable to locate package x"; exit 100; }\n'
        'i=0; while [ $i -lt 150 ]; do\n'
        '  echo "Selecting previously unselected package p$i."; i=$((i+1))\n'
        'done\n' % (calls, tmp_path / 'fail'))
    for f in bin_.iterdir():
        f.chmod(0o755)
    env = dict(os.environ, PATH='%s:/usr/bin:/bin' % bin_)
    return env, calls, tmp_path / 'fail'


def installed(calls):
    for line in calls.read_text().splitlines():
        if 'install' in line.split():
            return set(w for w in line.split() if not w.startswith('-')) - \
                {'install'}
    return set()


def test_setup_build_installs_build_and_runtime_only(fake_apt):
    env, calls, _ = fake_apt
    r = subprocess.run(['sh', SETUP, '--build'], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert installed(calls) == RUNTIME_AND_BUILD
    # one line, naming what it installs; apt's noise is not shown
    assert r.stdout == ''
    assert r.stderr.count('\n') == 1, r.stderr
    assert r.stderr.startswith('setup: installing from Debian: ')
    assert set(r.stderr.split(':', 2)[2].split()) == RUNTIME_AND_BUILD


def test_setup_for_tests_installs_the_test_tools(fake_apt):
    env, calls, _ = fake_apt
    r = subprocess.run(['sh', SETUP], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert RUNTIME_AND_BUILD | TEST_ONLY <= installed(calls)
    assert r.stderr.count('\n') == 1, r.stderr


def test_setup_shows_apt_when_it_fails(fake_apt):
    env, calls, fail = fake_apt
    fail.write_text('')
    r = subprocess.run(['sh', SETUP, '--build'], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1
    assert 'E: Unable to locate package x' in r.stderr
    assert r.stderr.rstrip().endswith('setup: apt-get failed (above)')


def test_demo_first_screen(tmp_path):
    """With everything installed, one line comes before the demo's first
    command."""
    if not os.path.exists('/dev/fuse'):
        pytest.skip('no /dev/fuse')
    r = subprocess.run([os.path.join(ROOT, 'scripts', 'demo.sh'), '--size',
                        '20'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stderr == 'demo: building orgfs in build/\n', r.stderr
    assert r.stdout.startswith('\n$ cat README\n'), r.stdout[:500]


def test_package_version_is_the_project_version():
    """debian/changelog names the version meson builds (orgfs --version)."""
    with open(os.path.join(ROOT, 'meson.build')) as fh:
        meson = re.search(r"version: '([^']+)'", fh.read()).group(1)
    r = subprocess.run(['dpkg-parsechangelog', '-S', 'Version'], cwd=ROOT,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == meson
