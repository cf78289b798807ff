import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'fakeaws'))

from fixture import fakeaws_factory  # noqa: E402,F401  (a fixture)
from orgfsmount import ORGFS  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'serial: makes every mount\'s kernel forget (drops the '
        'kernel caches); run apart from the parallel run of the others')


def pytest_generate_tests(metafunc):
    """ORGFS_REPEAT=N runs every selected test N times (scripts/
    stress-shutdown.sh): a test that fails one time in a hundred shows."""
    n = int(os.environ.get('ORGFS_REPEAT', '1'))
    if n > 1:
        metafunc.fixturenames.append('_repeat')
        metafunc.parametrize('_repeat', range(n), ids=lambda i: 'r%d' % i)


def pytest_collection_modifyitems(config, items):
    if not os.path.exists('/dev/fuse'):
        skip = pytest.mark.skip(reason='no /dev/fuse')
        for item in items:
            item.add_marker(skip)
    if not os.path.exists(ORGFS):
        raise pytest.UsageError('orgfs is not built: ' + ORGFS)
