"""Shared fixtures of the client tests; paths and helpers are in clientlib.py."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'fakeaws'))

from fixture import FakeAWS, fakeaws_factory  # noqa: E402,F401  (a fixture)


@pytest.fixture(scope='module')
def fake(request):
    """The test module's fake AWS endpoint, started with the module's FAKE
    (FakeAWS arguments) and stopped, checked for crashes, after its last
    test."""
    with FakeAWS(**request.module.FAKE) as f:
        yield f
