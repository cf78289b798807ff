"""The aws source's list_regions (account:ListRegions) against the fake:
each account's enabled regions, through the member role for a member and
the base credentials (no AccountId) for the management account."""
import pytest

from clientlib import ROOT_KEY, json_lines, members, mgmt_of, run_srcdump
from fixture import FakeAWS

REGIONS = ['us-east-1', 'eu-west-1', 'ap-east-1', 'me-south-1']


@pytest.fixture(scope='module')
def fake():
    f = FakeAWS(accounts=6, seed=5, resources=1, regions=','.join(REGIONS))
    yield f
    f.stop()


def test_each_account_its_enabled_regions(fake):
    o = fake.org()
    m = mgmt_of(o)
    a, b = members(o, 2)
    fake.mutate({'opt_in': {'ap-east-1': [a], 'me-south-1': []}})
    fake.clear_requests()
    p = run_srcdump(fake, 'regions', a, b, m)
    assert p.returncode == 0, p.stderr
    assert json_lines(p) == [['ap-east-1', 'eu-west-1', 'us-east-1'],
                             ['eu-west-1', 'us-east-1'],
                             ['eu-west-1', 'us-east-1']]
    calls = [r for r in fake.requests() if r.get('op') == 'ListRegions']
    assert len(calls) == 3
    for r in calls:
        assert r['params']['RegionOptStatusContains'] == ['ENABLED', 'ENABLED_BY_DEFAULT']
        assert 'AccountId' not in r['params']
        assert r['region'] == 'us-east-1'     # a global service's signing region
    assert sorted(r['account'] for r in calls) == sorted([a, b, m])
    assert [r['access_key'] for r in calls if r['account'] == m] == [ROOT_KEY]
    assert all(r['access_key'] != ROOT_KEY for r in calls if r['account'] != m)


def test_failure_is_an_error_naming_the_account(fake):
    o = fake.org()
    a = members(o, 1)[0]
    fake.control({'fail_page': {'op': 'ListRegions', 'service': 'account', 'status': 400,
                                'code': 'AccessDeniedException', 'message': 'denied'}})
    try:
        p = run_srcdump(fake, 'regions', a, max_attempts=1)
    finally:
        fake.control({'fail_page': None})
    assert p.returncode != 0
    assert 'AccessDeniedException' in p.stderr and a in p.stderr, p.stderr
