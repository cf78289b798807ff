"""Org-wide resource listings from a Config aggregator and a Resource Explorer
view (lib/source_agg.c) against the fake AWS endpoint.

The fake's indexes hold every resource of every account and region, including
never-tagged ones the tagging API does not list; GET /_fake/index is the
expectation.  Resource Explorer's Search stops at 1,000 results per query, so
the listing must partition its queries and lose nothing.

Run: /usr/bin/python3 -m pytest tests/client/test_aggregators.py
(ORGFS_BUILD_DIR selects the build directory, default build/ of this checkout).
"""

import base64
import json

import pytest

from clientlib import run_srcdump
from fixture import FakeAWS

CAP = 1000
# 30 accounts x 2 regions x (25 tagged or once-tagged + 5 never-tagged)
ORG = dict(accounts=30, resources=25)
FAKE = ORG                              # the fake fixture's (conftest.py)


def srcdump(fake, *args, max_attempts=None, timeout=300):
    """(returncode, parsed stdout or None, stderr)."""
    p = run_srcdump(fake, *args, max_attempts=max_attempts, timeout=timeout)
    lines = p.stdout.splitlines()
    out = json.loads(lines[0]) if p.returncode == 0 and len(lines) == 1 else None
    if p.returncode != 0:
        assert p.stdout == '', 'a failed listing printed something'
    return p.returncode, out, p.stderr


def index(fake, service):
    return fake._call('GET', '/_fake/index?service=%s' % service)


def expected(fake, service):
    """{arn: (account, region, service, type, tags)} of the fake's index."""
    want = {}
    for r in index(fake, service)['resources']:
        parts = r['ResourceARN'].split(':', 5)
        svc, rtype = r['ResourceType'].split(':', 1)
        want[r['ResourceARN']] = (r['Account'], parts[3] or 'global', svc, rtype,
                                  sorted(((t['Key'], t['Value']) for t in r['Tags'])))
    return want


def check_equal(fake, service, got):
    want = expected(fake, service)
    arns = [g['Arn'] for g in got]
    assert arns == sorted(arns), 'not sorted by ARN'
    assert len(set(arns)) == len(arns), 'duplicates'
    missing = set(want) - set(arns)
    extra = set(arns) - set(want)
    assert not missing, '%d missing, e.g. %s' % (len(missing), sorted(missing)[:3])
    assert not extra, '%d extra, e.g. %s' % (len(extra), sorted(extra)[:3])
    for g in got:
        acct, region, svc, rtype, tags = want[g['Arn']]
        assert (g['Account'], g['Region'], g['Service'], g['Type']) == (acct, region, svc, rtype), g
        assert [(t['Key'], t['Value']) for t in g['Tags']] == tags, g['Arn']
        assert g['Id'] and g['Arn'].endswith(g['Id']), g
        assert g['Compliance'] == ''
    return want


def token_state(tok):
    """The fake's page-token state (base64 of JSON '|' MAC)."""
    raw = base64.b64decode(tok).rsplit(b'|', 1)[0]
    return json.loads(raw)


def followed_empty_page(reqs):
    """Requests that carried a token handed out by an empty page."""
    return [r for r in reqs if (r['params'] or {}).get('NextToken') and
            token_state(r['params']['NextToken']).get('e') == 1]


def test_config_lists_the_whole_index(fake):
    idx = index(fake, 'config')
    never = [r for r in idx['resources'] if r['NeverTagged']]
    assert len(idx['resources']) > CAP and never
    fake.clear_requests()
    rc, got, err = srcdump(fake, 'agg-config', idx['config_aggregator'])
    assert rc == 0, err
    want = check_equal(fake, 'config', got)
    got_arns = {g['Arn'] for g in got}
    assert all(r['ResourceARN'] in got_arns for r in never)
    assert any(g['Tags'] for g in got) and any(g['Region'] == 'global' for g in got)
    reqs = fake.requests(service='config')
    assert {r['op'] for r in reqs} == {'SelectAggregateResourceConfig'}
    assert all(r['status'] == 200 and r['region'] == 'us-east-1' for r in reqs)
    p = reqs[0]['params']
    assert p['Limit'] == 100 and p['ConfigurationAggregatorName'] == 'org-aggregator'
    assert p['Expression'] == 'SELECT resourceId, resourceType, arn, accountId, awsRegion, tags'
    # 100 per page, every 4th page empty but with a token: the listing went on
    full = -(-len(want) // 100)
    assert len(reqs) == full + (full - 1) // 3
    assert followed_empty_page(reqs)


def test_never_tagged_only_in_the_indexes(fake):
    mgmt = fake.mgmt_account
    idx = index(fake, 'config')['resources']
    never = {r['ResourceARN'] for r in idx if r['NeverTagged'] and r['Account'] == mgmt
             and r['Region'] in ('us-east-1', 'global')}
    assert never
    rc, out, err = srcdump(fake, 'resources', mgmt, 'us-east-1')
    assert rc == 0, err
    tagging = {g['Arn'] for g in out}
    assert tagging and not (tagging & never)
    # everything the tagging API lists is in the index too
    assert tagging <= {r['ResourceARN'] for r in idx}


def test_resource_explorer_partitions_past_1000(fake):
    idx = index(fake, 'resource-explorer-2')
    assert len(idx['resources']) > CAP
    fake.clear_requests()
    rc, got, err = srcdump(fake, 'agg-resexp', idx['resource_explorer_view'])
    assert rc == 0, err
    check_equal(fake, 'resource-explorer-2', got)
    reqs = fake.requests(service='resource-explorer-2')
    assert reqs and all(r['op'] == 'Search' and r['status'] == 200 for r in reqs)
    assert all(r['params']['ViewArn'] == idx['resource_explorer_view'] and
               r['params']['MaxResults'] == CAP for r in reqs)
    queries = [r['params']['QueryString'] for r in reqs if not r['params'].get('NextToken')]
    assert queries[0] == ''
    assert len(queries) > 1 and len(set(queries)) == len(queries)
    assert any(q.startswith('region:') for q in queries)
    # the remainder query that proves no region was missed
    assert any('-region:' in q for q in queries)
    assert followed_empty_page(reqs)


def test_resource_explorer_splits_down_to_accounts():
    # one region, 6 accounts x 2,400: a resource type alone is over 1,000
    with FakeAWS(accounts=6, resources=2000, regions='us-east-1') as f:
        idx = index(f, 'resource-explorer-2')
        rc, got, err = srcdump(f, 'agg-resexp', idx['resource_explorer_view'])
        assert rc == 0, err
        check_equal(f, 'resource-explorer-2', got)
        queries = [r['params']['QueryString'] for r in f.requests(op='Search')
                   if not r['params'].get('NextToken')]
        for prefix in ('region:', 'service:', 'resourcetype:', 'accountid:'):
            assert any(prefix in q for q in queries), prefix
        assert all(len(q) <= 1280 for q in queries)


def test_resource_explorer_unsplittable_fails():
    # one account with more than 1,000 EC2 instances in one region
    with FakeAWS(accounts=1, resources=12000, regions='us-east-1') as f:
        idx = index(f, 'resource-explorer-2')
        per_type = {}
        for r in idx['resources']:
            per_type[r['ResourceType']] = per_type.get(r['ResourceType'], 0) + 1
        assert max(per_type.values()) > CAP
        rc, out, err = srcdump(f, 'agg-resexp', idx['resource_explorer_view'])
        assert rc == 1 and out is None
        assert 'SearchIncomplete' in err and 'cannot be split further' in err, err
        assert 'accountid:%s' % f.mgmt_account in err, err


@pytest.mark.parametrize('service,op,page', [
    ('config', 'SelectAggregateResourceConfig', 3),
    ('resource-explorer-2', 'Search', 2),
])
def test_failing_page_fails_the_listing(service, op, page):
    with FakeAWS(**ORG) as f:
        idx = index(f, service)
        f.control({'fail_page': {'op': op, 'page': page, 'service': service, 'status': 400,
                                 'code': 'ValidationException', 'message': 'injected'}})
        what = 'agg-config' if service == 'config' else 'agg-resexp'
        arg = idx['config_aggregator'] if service == 'config' else idx['resource_explorer_view']
        rc, out, err = srcdump(f, what, arg)
        assert rc == 1 and out is None
        assert 'ValidationException' in err and 'injected' in err, err
        assert [r for r in f.requests(service=service) if r['fault'] == 'fail_page']


def test_throttled_still_complete():
    with FakeAWS(throttle_rate=0.3, **ORG) as f:
        cfg = index(f, 'config')
        rc, got, err = srcdump(f, 'agg-config', cfg['config_aggregator'], max_attempts=12)
        assert rc == 0, err
        check_equal(f, 'config', got)
        rc, got, err = srcdump(f, 'agg-resexp', cfg['resource_explorer_view'], max_attempts=12)
        assert rc == 0, err
        check_equal(f, 'resource-explorer-2', got)
        log = f.requests()
        for svc in ('config', 'resource-explorer-2'):
            assert [r for r in log if r['service'] == svc and r['fault'] == 'throttle'], svc


def test_index_limited_to_enabled_regions(fake):
    """Config enabled in one region of two accounts: only those are listed."""
    o = fake.org()
    accts = [a['Id'] for a in o['accounts'][:2]]
    fake.control({'config_enabled': {a: ['eu-west-1'] for a in accts}})
    try:
        # the aggregator lives in the management account's us-east-1, which
        # stays reachable; what it aggregates shrinks
        rc, got, err = srcdump(fake, 'agg-config', 'org-aggregator')
        assert rc == 0, err
        want = check_equal(fake, 'config', got)
        assert {v[0] for v in want.values()} == set(accts)
        # S3 buckets have no region in their ARN: "global"
        assert {v[1] for v in want.values()} == {'eu-west-1', 'global'}
        assert not [a for a in want if ':us-east-1:' in a]
    finally:
        fake.control({'config_enabled': None})


def test_bad_arguments(fake):
    view = index(fake, 'resource-explorer-2')['resource_explorer_view']
    rc, _, err = srcdump(fake, 'agg-config', 'no such/name')
    assert rc == 1 and 'not a configuration aggregator name' in err and '[errno 22]' in err
    rc, _, err = srcdump(fake, 'agg-config', 'other-aggregator')
    assert rc == 1 and 'NoSuchConfigurationAggregatorException' in err
    # an aggregator call outside its home region finds no aggregator
    rc, _, err = srcdump(fake, 'agg-config', 'org-aggregator', 'eu-west-1')
    assert rc == 1 and 'NoSuchConfigurationAggregatorException' in err
    rc, _, err = srcdump(fake, 'agg-resexp', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1')
    assert rc == 1 and 'not a resource explorer view arn' in err and '[errno 22]' in err
    rc, _, err = srcdump(fake, 'agg-resexp', view.replace('organization-resources', 'nope'))
    assert rc == 1 and 'ResourceNotFoundException' in err


def test_one_bad_resource_left_out_of_the_index():
    """An invalid ARN or account id in an org-wide index is left out; the
    rest of the listing is kept (issue 18.3)."""
    bad = ['not-an-arn', 'arn:aws:ec2:us-east-1:123456789012:']
    with FakeAWS(accounts=3, resources=4, regions='us-east-1') as f:
        f.mutate({'raw_resources': {'*': bad}})
        for service, kind, key in (
                ('config', 'agg-config', 'config_aggregator'),
                ('resource-explorer-2', 'agg-resexp', 'resource_explorer_view')):
            idx = index(f, service)
            arns = {r['ResourceARN'] for r in idx['resources']}
            assert set(bad) <= arns, 'the fake did not serve them'
            rc, got, err = srcdump(f, kind, idx[key])
            assert rc == 0, err
            assert {g['Arn'] for g in got} == arns - set(bad), service
