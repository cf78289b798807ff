"""Shared paths and helpers of the client tests (tests/client/test_*.py).

The C drivers (srcdump, awscall, credcheck) come from $ORGFS_BUILD_DIR,
default build/ of the checkout this file is in.  conftest.py puts this
directory and tests/fakeaws on sys.path and holds the shared fixtures.
"""

import json
import os
import subprocess

from fixture import ROOT_KEY, ROOT_SECRET  # noqa: F401  (re-exported)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('ORGFS_BUILD_DIR', os.path.join(ROOT, 'build'))
SRCDUMP = os.path.join(BUILD, 'tests', 'client', 'srcdump')
REGIONS = ['us-east-1', 'eu-west-1']
ROLE = 'OrganizationAccountAccessRole'


def run_srcdump(fake, *args, region='us-east-1', concurrency=None, max_attempts=None,
                timeout=300):
    """srcdump against fake with the root credentials: its CompletedProcess (text)."""
    cmd = [SRCDUMP, '--endpoint', fake.url, '--region', region, '--access-key', ROOT_KEY]
    if concurrency is not None:
        cmd += ['--concurrency', str(concurrency)]
    if max_attempts is not None:
        cmd += ['--max-attempts', str(max_attempts)]
    cmd += list(args)
    env = dict(os.environ, SRCDUMP_SECRET=ROOT_SECRET)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def json_lines(p):
    """srcdump's stdout, one parsed value a line; None when it failed."""
    return [json.loads(line) for line in p.stdout.splitlines()] if p.returncode == 0 else None


def mgmt_of(o):
    """The management account of fake.org()."""
    return o['organization']['MasterAccountId']


def members(o, n, states=('ACTIVE',)):
    """The first n member accounts of fake.org() in one of states."""
    m = mgmt_of(o)
    ids = [a['Id'] for a in o['accounts'] if a['Id'] != m and a.get('State') in states]
    assert len(ids) >= n, ids
    return ids[:n]
