"""scripts/setup.sh and scripts/demo.sh: the demo installs only what builds
and runs orgfs, says so in one line, and keeps the screen for the demo.

setup.sh runs against a fake dpkg-query (everything missing) and a fake
apt-get that records what it was asked and prints apt's usual noise.
"""
import glob
import json
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


@pytest.mark.parametrize('tests', ['auto', 'disabled'])
def test_install_build_needs_no_check(tmp_path, tests):
    """meson setup for an install (-Dtests=auto, the default, or
    disabled) on a machine without Check: configures, builds no test, and
    installs the binary, the man page and the bash completion.  Check is
    hidden from pkg-config (every other .pc file is seen)."""
    pcdir = tmp_path / 'pc'
    pcdir.mkdir()
    path = subprocess.run(['pkg-config', '--variable', 'pc_path',
                           'pkg-config'], capture_output=True, text=True,
                          check=True).stdout.strip()
    for d in path.split(':'):
        for pc in glob.glob(os.path.join(d, '*.pc')):
            name = os.path.basename(pc)
            if name != 'check.pc' and not (pcdir / name).exists():
                (pcdir / name).symlink_to(pc)
    env = dict(os.environ, PKG_CONFIG_LIBDIR=str(pcdir))
    build = str(tmp_path / 'build')
    r = subprocess.run(['meson', 'setup', build, '-Dtests=' + tests,
                        '--prefix=/usr'], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r'tests\s*: False', r.stdout), r.stdout
    r = subprocess.run(['meson', 'introspect', build, '--targets'],
                       capture_output=True, text=True, check=True)
    assert sorted(t['name'] for t in json.loads(r.stdout)) == \
        ['orgcore', 'orgfs']
    r = subprocess.run(['meson', 'introspect', build, '--installed'],
                       capture_output=True, text=True, check=True)
    assert sorted(json.loads(r.stdout).values()) == [
        '/usr/bin/orgfs', '/usr/share/bash-completion/completions/orgfs',
        '/usr/share/man/man1/orgfs.1']
    # Check is required only when asked for
    r = subprocess.run(['meson', 'setup', str(tmp_path / 'b2'),
                        '-Dtests=enabled'], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and 'check' in r.stdout.lower(), r.stdout
