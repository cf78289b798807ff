"""orgfs under valgrind's memcheck on small organizations (issue 8,
"Memory"): a walk of the whole tree, a SIGHUP, a second partial walk and
an unmount, with no memcheck error and no definite or indirect leak.

memcheck's messages are ==PID== lines, which Mount.stop() refuses, and an
error makes valgrind exit with 99 instead of 0.  Skipped when valgrind is
not installed or orgfs is a sanitizer build (the two do not mix).
"""
import json
import os
import shutil
import signal
import time

import pytest

from orgfsmount import BUILD, Mount, aws_env
from test_concurrency import Reference


def _sanitized():
    try:
        with open(os.path.join(BUILD, 'meson-info', 'intro-buildoptions.json')) as fh:
            for opt in json.load(fh):
                if opt['name'] == 'b_sanitize':
                    return opt['value'] not in ('none', '', [])
    except (OSError, ValueError, KeyError):
        pass
    return False


pytestmark = [
    pytest.mark.skipif(not shutil.which('valgrind'), reason='valgrind not installed'),
    pytest.mark.skipif(_sanitized(), reason='orgfs is a sanitizer build'),
]

# The SIGHUP thread is joined at exit: "possibly lost" counts too.
VALGRIND = ['valgrind', '--error-exitcode=99', '--leak-check=full',
            '--show-leak-kinds=definite,indirect,possible',
            '--errors-for-leak-kinds=definite,indirect,possible',
            '--track-fds=no', '--child-silent-after-fork=yes', '-q']


def walk_under_valgrind(args, env, allowed_errors, min_files):
    t0 = time.monotonic()
    with Mount(args, env=env, wrapper=VALGRIND) as m:
        ref = Reference(m.path)
        errs = ref.errors()
        odd = {k: v for k, v in errs.items() if v not in allowed_errors}
        assert not odd, sorted(odd.items())[:20]
        assert len(ref.files) >= min_files, ref.counts()
        walk_s = time.monotonic() - t0
        # drop everything and walk one account and the tables again:
        # freeing the cache while the kernel still holds nodes
        m.signal(signal.SIGHUP)
        aid = sorted(os.listdir(m.p('accounts')))[0]
        again = Reference(m.p('accounts', aid))
        for rel, v in again.files.items():
            assert v == ref.files[os.path.join('accounts', aid, rel)], rel
        with open(m.p('tables', 'accounts.tsv'), 'rb') as fh:
            assert fh.read() == ref.files['tables/accounts.tsv']
    print('%s under valgrind: %s; walk %.1f s, all %.1f s'
          % (' '.join(args), ref.counts(), walk_s, time.monotonic() - t0))


def test_valgrind_demo():
    walk_under_valgrind(['--demo=20', '-s'], None, ('EACCES',), 1000)


def test_valgrind_fake(fakeaws_factory):
    fake = fakeaws_factory(accounts=10, seed=8)
    walk_under_valgrind(['--endpoint=' + fake.url], aws_env(fake), (), 500)
