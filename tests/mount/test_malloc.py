"""orgfs runs with glibc's per-thread caches of freed blocks off (issue
18.7): they pinned ever more pages over SIGHUP cycles, out of reach of
malloc_trim (BENCHMARKS.md, tests/bench/soak.py).  orgfs starts itself
again with GLIBC_TUNABLES=glibc.malloc.tcache_count=0 added, unless the
variable sets it; the processes it runs get the variable as it was.

What glibc took is read in the daemon by gdb (malloc's own parameter,
mp_.tcache_count); the tests that need it are skipped where gdb or
glibc's symbols are missing, or orgfs is a sanitizer build.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from orgfsmount import Mount, aws_env
from test_valgrind import _sanitized

pytestmark = pytest.mark.skipif(_sanitized(),
                                reason='a sanitizer build has its own malloc')


def tcache_count(pid):
    if not shutil.which('gdb'):
        pytest.skip('gdb not installed')
    r = subprocess.run(['gdb', '-q', '-batch', '-p', str(pid), '-ex',
                        'print mp_.tcache_count'],
                       capture_output=True, text=True, timeout=120)
    m = re.search(r'^\$1 = (\d+)$', r.stdout, re.M)
    if not m:
        pytest.skip('gdb cannot read glibc\'s malloc parameters: %s'
                    % (r.stdout + r.stderr)[-300:])
    return int(m.group(1))


@pytest.mark.parametrize('tunables,want', [
    (None, 0),                                          # orgfs's choice
    ('glibc.malloc.mxfast=64', 0),                      # added to others
    ('glibc.malloc.tcache_count=5', 5),                 # the user's
])
def test_thread_caches_off_unless_set(tunables, want):
    env = dict(os.environ)
    env.pop('GLIBC_TUNABLES', None)
    if tunables:
        env['GLIBC_TUNABLES'] = tunables
    with Mount(['--demo=10'], env=env) as m:
        assert os.listdir(m.path)
        # started again by its path: its name is still orgfs (pkill -x)
        with open('/proc/%d/comm' % m.proc.pid) as fh:
            assert fh.read().strip() == 'orgfs'
        assert tcache_count(m.proc.pid) == want


@pytest.mark.parametrize('tunables', [None, 'glibc.malloc.mxfast=64'])
def test_credential_process_gets_the_environment_as_it_was(fakeaws_factory,
                                                            tmp_path,
                                                            tunables):
    fake = fakeaws_factory(accounts=3)
    seen = tmp_path / 'env'
    helper = tmp_path / 'helper.py'
    helper.write_text(
        'import json, os\n'
        'open(%r, "w").write(json.dumps(dict(os.environ)))\n'
        'print(json.dumps({"Version": 1, "AccessKeyId": %r, '
        '"SecretAccessKey": %r}))\n'
        % (str(seen), fake.root_key, fake.root_secret))
    cfg = tmp_path / 'config'
    cfg.write_text('[profile tool]\ncredential_process = %s %s\n'
                   % (sys.executable, helper))
    env = aws_env(fake, {'AWS_CONFIG_FILE': str(cfg),
                         'AWS_SHARED_CREDENTIALS_FILE':
                         str(tmp_path / 'none')})
    del env['AWS_ACCESS_KEY_ID']
    del env['AWS_SECRET_ACCESS_KEY']
    env.pop('GLIBC_TUNABLES', None)
    if tunables:
        env['GLIBC_TUNABLES'] = tunables
    with Mount(['--endpoint=' + fake.url, '--profile=tool'], env=env) as m:
        assert os.listdir(m.path)
        got = json.loads(seen.read_text())
    assert got.get('GLIBC_TUNABLES') == tunables
    assert not [k for k in got if k.startswith('ORGFS_MALLOC')]
