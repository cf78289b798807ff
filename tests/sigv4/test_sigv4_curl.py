"""Compare lib/sigv4.c with libcurl's CURLOPT_AWS_SIGV4.

Run: /usr/bin/python3 -m pytest tests/sigv4 (ORGFS_BUILD_DIR selects the
build, default build/ of this checkout; the tool is tests/client/curlsign, which
runs its own loopback listener on 127.0.0.1 inside its process and stops
it before exiting).  The request shapes libcurl 7.88 can sign, and what it
cannot, are described in tests/client/curlsign.c (gen_case, probe).
"""

import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('ORGFS_BUILD_DIR', os.path.join(ROOT, 'build'))
NCASES = 300


def curlsign(*args, env=None):
    tool = os.path.join(BUILD, 'tests', 'client', 'curlsign')
    if not os.access(tool, os.X_OK):
        pytest.fail(f'{tool} not built (set ORGFS_BUILD_DIR)')
    full_env = dict(os.environ)
    full_env.pop('CURLSIGN_TAMPER', None)
    full_env.update(env or {})
    return subprocess.run([tool, *args], capture_output=True, text=True,
                          timeout=300, env=full_env, check=False)


def summary(out):
    m = re.search(r'curlsign: (\d+) cases, (\d+) mismatches, (\d+) failed '
                  r'\((\d+) with body, (\d+) over 1 MiB, (\d+) with a token',
                  out)
    assert m, out
    return [int(x) for x in m.groups()]


def test_libcurl_agrees():
    proc = curlsign(str(NCASES))
    n, bad, failed, bodies, large, tokens = summary(proc.stdout)
    assert (n, bad, failed) == (NCASES, 0, 0), proc.stdout + proc.stderr
    assert proc.returncode == 0
    assert bodies >= 50 and large >= 5 and tokens >= 50


def test_difference_is_caught():
    proc = curlsign('20', env={'CURLSIGN_TAMPER': '1'})
    n, bad, failed, *_ = summary(proc.stdout)
    assert (n, bad, failed) == (20, 20, 0)
    assert proc.returncode == 1


def test_probe_baseline():
    """The probes document libcurl's limits; the baseline must agree."""
    proc = curlsign('--probe')
    assert re.search(r'^probe baseline +same$', proc.stdout, re.M), \
        proc.stdout
    print(proc.stdout)
