"""The aws source (lib/source_aws.c) against the fake AWS endpoint, via srcdump.

Run: /usr/bin/python3 -m pytest tests/client/test_source_aws.py
(ORGFS_BUILD_DIR selects the build directory, default build/ of this checkout).
"""

import calendar
import collections
import json
import math
import os
import time

import pytest

from clientlib import SRCDUMP, run_srcdump
from fixture import FakeAWS

REGION = 'eu-west-1'
HIER_OPS = {'ListRoots', 'ListOrganizationalUnitsForParent', 'ListChildren'}
FAKE = dict(accounts=300, ou_depth=3)   # the fake fixture's (conftest.py)


def srcdump(fake, *args, concurrency=None, max_attempts=None, timeout=300):
    """(returncode, parsed stdout or None, stderr) of one srcdump run."""
    p = run_srcdump(fake, *args, region=REGION, concurrency=concurrency,
                    max_attempts=max_attempts, timeout=timeout)
    out = json.loads(p.stdout) if p.returncode == 0 else None
    return p.returncode, out, p.stdout, p.stderr


def ok(fake, *args, **kw):
    rc, out, _, err = srcdump(fake, *args, **kw)
    assert rc == 0, err
    return out


def epoch(v):
    """A JoinedTimestamp as the fake serves it: epoch number or ISO 8601."""
    if v is None:
        return 0
    if isinstance(v, (int, float)):
        return int(math.floor(v))
    s = v.replace('Z', '+00:00')
    base, _, off = s.partition('+')
    base = base.split('.')[0]
    t = calendar.timegm(time.strptime(base, '%Y-%m-%dT%H:%M:%S'))
    if off:
        hh, mm = off.split(':')
        t -= int(hh) * 3600 + int(mm) * 60
    return t


def expected_accounts(org):
    return sorted(({'Id': a['Id'], 'Arn': a['Arn'], 'Name': a['Name'], 'Email': a['Email'],
                    'State': a.get('State') or a.get('Status') or '',
                    'JoinedMethod': a.get('JoinedMethod') or '',
                    'Joined': epoch(a.get('JoinedTimestamp'))}
                   for a in org['accounts']), key=lambda a: a['Id'])


def expected_hier(org):
    roots = sorted(({'Id': r['Id'], 'Arn': r['Arn'], 'Name': r['Name'], 'ParentId': None}
                    for r in org['roots']), key=lambda r: r['Id'])
    ous = sorted(({'Id': o['Id'], 'Arn': o['Arn'], 'Name': o['Name'], 'ParentId': o['ParentId']}
                  for o in org['ous']), key=lambda o: o['Id'])
    links = sorted(({'Id': a['Id'], 'ParentId': a['ParentId']} for a in org['accounts']),
                   key=lambda link: link['Id'])
    return {'ous': roots + ous, 'links': links}


def enabled_types(org):
    return sorted(t['Type'] for t in org['roots'][0].get('PolicyTypes', [])
                  if t['Status'] == 'ENABLED')


def expected_policies(org):
    types = set(enabled_types(org))
    return sorted(({'Id': p['Id'], 'Name': p['Name'], 'Type': p['Type'],
                    'Description': p.get('Description') or '',
                    'AwsManaged': bool(p.get('AwsManaged'))}
                   for p in org['policies'] if p['Type'] in types), key=lambda p: p['Id'])


def org_calls(reqs):
    return [r for r in reqs if r.get('service') == 'organizations']


def call_key(r):
    return (r['op'], json.dumps(r.get('params') or {}, sort_keys=True))


@pytest.fixture(scope='module', autouse=True)
def built():
    """Before the fake starts (autouse fixtures come first)."""
    if not os.access(SRCDUMP, os.X_OK):
        pytest.fail('%s not built (set ORGFS_BUILD_DIR)' % SRCDUMP)


@pytest.fixture(scope='module')
def org(fake):
    return fake.org()


@pytest.fixture(autouse=True)
def clean(fake):
    fake.control({'throttle_rate': 0, 'fail_page': None})
    fake.clear_requests()
    yield
    fake.control({'throttle_rate': 0, 'fail_page': None})


def test_org(fake, org):
    out = ok(fake, 'org')
    o = org['organization']
    assert out['Id'] == o['Id']
    assert out['Arn'] == o['Arn']
    assert out['FeatureSet'] == o['FeatureSet']
    assert out['MasterAccountId'] == o['MasterAccountId']
    assert out['MasterAccountEmail'] == o['MasterAccountEmail']
    assert out['MasterAccountArn'] == o['MasterAccountArn']
    want = [{'Type': t['Type'], 'Status': t['Status']} for t in org['roots'][0]['PolicyTypes']]
    assert out['PolicyTypes'] == want
    assert [r['op'] for r in org_calls(fake.requests())] == ['DescribeOrganization', 'ListRoots']


def test_accounts_equal(fake, org):
    out = ok(fake, 'accounts')
    assert len(out) == len(org['accounts']) == 300
    assert out == expected_accounts(org)
    # the fake's data has more than one state: the mapping is really exercised
    assert len({a['State'] for a in out}) > 1
    reqs = org_calls(fake.requests())
    assert {r['op'] for r in reqs} == {'ListAccounts'}
    assert all(int(r['params'].get('MaxResults', 0)) == 20 for r in reqs)
    # 15 full pages; the fake adds empty pages that still carry a token
    assert len(reqs) >= 15
    assert any(r['params'].get('NextToken') for r in reqs)
    assert len({call_key(r) for r in reqs}) == len(reqs)


@pytest.mark.parametrize('concurrency', [1, 4, 16])
def test_hierarchy_equal(fake, org, concurrency):
    out = ok(fake, 'hier', concurrency=concurrency)
    assert out == expected_hier(org)
    reqs = org_calls(fake.requests())
    ops = collections.Counter(r['op'] for r in reqs)
    assert set(ops) == HIER_OPS, ops               # no ListParents, no per-account calls
    assert len({call_key(r) for r in reqs}) == len(reqs), 'duplicate calls'
    # each root and OU listed exactly once by each operation (first pages)
    parents = [r['Id'] for r in org['roots']] + [o['Id'] for o in org['ous']]
    for op in ('ListOrganizationalUnitsForParent', 'ListChildren'):
        first = sorted(r['params']['ParentId'] for r in reqs
                       if r['op'] == op and not r['params'].get('NextToken'))
        assert first == sorted(parents), op
    assert all(r['params'].get('ChildType') == 'ACCOUNT' for r in reqs if r['op'] == 'ListChildren')


def test_tags_equal(fake, org):
    ids = [a['Id'] for a in org['accounts'][::23]] + [o['Id'] for o in org['ous'][::3]]
    ids.append(org['roots'][0]['Id'])
    tagged = 0
    for rid in ids:
        out = ok(fake, 'tags', rid)
        want = org['tags'].get(rid, {})
        tagged += bool(want)
        assert out == [{'Key': k, 'Value': v} for k, v in sorted(want.items(), key=lambda kv: kv[0].encode())], rid
    assert tagged > 0
    reqs = org_calls(fake.requests())
    assert {r['op'] for r in reqs} == {'ListTagsForResource'}
    assert all('MaxResults' not in r['params'] for r in reqs)


def test_policies_equal(fake, org):
    out = ok(fake, 'policies')
    got = [{k: p[k] for k in ('Id', 'Name', 'Type', 'Description', 'AwsManaged')} for p in out]
    want = expected_policies(org)
    assert len(want) > 0
    assert got == want
    assert len({p['Type'] for p in out}) > 1
    reqs = org_calls(fake.requests())
    assert reqs[0]['op'] == 'ListRoots'
    listed = [r['params']['Filter'] for r in reqs if r['op'] == 'ListPolicies']
    # the enabled types first, then every other type: disabling a type
    # detaches its policies without deleting them (issue 16.6)
    enabled = enabled_types(org)
    assert sorted(dict.fromkeys(listed)) == sorted(
        ['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY', 'TAG_POLICY',
         'BACKUP_POLICY', 'AISERVICES_OPT_OUT_POLICY', 'CHATBOT_POLICY',
         'DECLARATIVE_POLICY_EC2', 'SECURITYHUB_POLICY'])
    assert sorted(list(dict.fromkeys(listed))[:len(enabled)]) == enabled


def test_policy_types_option(fake, org):
    rc, out, _, err = srcdump(fake, '--policy-type', 'TAG_POLICY', 'policies')
    assert rc == 0, err
    want = [p for p in expected_policies(org) if p['Type'] == 'TAG_POLICY']
    assert [p['Id'] for p in out] == [p['Id'] for p in want]
    # the configured types alone are listed, whatever the root enables
    reqs = org_calls(fake.requests())
    assert {r['params']['Filter'] for r in reqs if r['op'] == 'ListPolicies'} == {'TAG_POLICY'}


def test_describe_policy_equal(fake, org):
    pols = org['policies']
    # at least one target list spans several pages
    assert any(len(p['Targets']) > 20 for p in pols)
    for p in pols:
        out = ok(fake, 'policy', p['Id'])
        assert out['Id'] == p['Id']
        assert out['Name'] == p['Name']
        assert out['Type'] == p['Type']
        assert out['Content'] == p['Content']
        assert [t['TargetId'] for t in out['Targets']] == sorted(p['Targets'])
        for t in out['Targets']:
            assert t['Type'] in ('ACCOUNT', 'ORGANIZATIONAL_UNIT', 'ROOT')


def test_missing_policy_fails(fake):
    rc, out, stdout, err = srcdump(fake, 'policy', 'p-0000000000')
    assert rc == 1
    assert stdout == ''
    assert 'DescribePolicy' in err and 'PolicyNotFoundException' in err


def test_failed_page_fails_walk(fake, org):
    per_parent = collections.Counter(a['ParentId'] for a in org['accounts'])
    assert max(per_parent.values()) > 20, 'no parent has a second ListChildren page'
    fake.control({'fail_page': {'op': 'ListChildren', 'page': 2, 'status': 500,
                                'code': 'InternalFailure'}})
    for conc in (1, 4):
        rc, out, stdout, err = srcdump(fake, 'hier', concurrency=conc, max_attempts=2)
        assert rc == 1
        assert stdout == ''                      # nothing partial
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert 'organizations:ListChildren' in lines[0] and 'InternalFailure' in lines[0], err


def test_throttled_results_equal(fake, org):
    fake.control({'throttle_rate': 0.3})
    out = ok(fake, 'accounts', max_attempts=12)
    assert out == expected_accounts(org)
    out = ok(fake, 'hier', concurrency=4, max_attempts=12)
    assert out == expected_hier(org)
    out = ok(fake, 'policies', max_attempts=12)
    got = [{k: p[k] for k in ('Id', 'Name', 'Type', 'Description', 'AwsManaged')} for p in out]
    assert got == expected_policies(org)
    codes = collections.Counter(r.get('code') for r in org_calls(fake.requests()))
    assert codes.get('TooManyRequestsException', 0) > 0, codes


def test_describe_line(fake):
    """The endpoint and where it was set; no profile, which need not be
    where the credentials came from"""
    out = ok(fake, '--profile', 'prod', 'describe')
    assert out == 'AWS Organizations at %s (-o endpoint), region %s' \
        % (fake.url, REGION)
    assert 'secret' not in out.lower()


def provenance(fake, *args):
    """The two answers of srcdump provenance, each as a dict"""
    out = ok(fake, *args, 'provenance')
    return [dict(ln.split('\t', 1) for ln in part.splitlines())
            for part in out.split('\v')]


def identity_calls(fake):
    return [r for r in fake.requests() if r.get('op') == 'GetCallerIdentity']


def test_provenance_identity_asked_once(fake):
    """Without the mount's identity the source asks sts:GetCallerIdentity
    once, on the first provenance"""
    fake.clear_requests()
    first, second = provenance(fake, '--regions', 'us-east-1,eu-west-1')
    assert first == second
    mgmt = fake.mgmt_account
    assert first['identity_account'] == mgmt
    assert first['identity_arn'].startswith('arn:aws:iam::%s:' % mgmt)
    assert len(identity_calls(fake)) == 1
    assert first['endpoint_organizations'] == fake.url + ' (-o endpoint)'
    assert first['endpoint_resource_groups_tagging_api'] == \
        fake.url + ' (-o endpoint)'


def test_provenance_identity_given(fake):
    """The mount's identity is used as it is: no call"""
    fake.clear_requests()
    first, _ = provenance(fake, '--caller-account', '111122223333',
                          '--caller-arn', 'arn:aws:iam::111122223333:user/x')
    assert first['identity_account'] == '111122223333'
    assert first['identity_arn'] == 'arn:aws:iam::111122223333:user/x'
    assert identity_calls(fake) == []


def test_provenance_services_called(fake):
    """Only the services the source calls are named: with a Config
    aggregator, Config in its home region and no tagging API (and the
    Identity Center services, asked whatever the resources' source)"""
    first, _ = provenance(fake, '--regions', 'us-east-1,eu-west-1',
                          '--config-aggregator', 'agg',
                          '--config-aggregator-region', 'ap-south-1')
    assert sorted(k for k in first if k.startswith('endpoint_')) == [
        'endpoint_config_service', 'endpoint_identitystore',
        'endpoint_organizations', 'endpoint_sso_admin', 'endpoint_sts']
    assert first['endpoint_config_service'] == fake.url + ' (-o endpoint)'


def test_provenance_identity_unknown():
    """A failed sts:GetCallerIdentity is 'unknown (why)', asked once"""
    with FakeAWS(accounts=3) as f:
        f.control({'fail_page': {'op': 'GetCallerIdentity', 'service': 'sts',
                                 'status': 403, 'code': 'AccessDenied',
                                 'message': 'not today'}})
        first, second = provenance(f)
        assert first == second
        why = first['identity_arn']
        assert why.startswith('unknown (') and 'AccessDenied' in why, why
        assert first['identity_account'] == why
        assert len(identity_calls(f)) == 1


def test_call_counts_1000(capsys):
    """How many calls each operation costs on a 1,000-account organization."""
    with FakeAWS(accounts=1000, ou_depth=3) as f:
        org = f.org()
        counts = {}
        for name, args in (('describe_org', ['org']), ('list_accounts', ['accounts']),
                           ('walk_hierarchy', ['hier']), ('list_tags', ['tags', org['accounts'][0]['Id']]),
                           ('list_policies', ['policies']),
                           ('describe_policy', ['policy', org['policies'][0]['Id']])):
            f.clear_requests()
            ok(f, *args)
            reqs = org_calls(f.requests())
            counts[name] = collections.Counter(r['op'] for r in reqs)
        nparents = len(org['roots']) + len(org['ous'])
    # bounds from the data: full pages of 20, plus at most one empty page in 7
    def pages(n):
        full = max(1, math.ceil(n / 20))
        return full, full + full // 6 + 1
    lo, hi = pages(1000)
    assert lo <= counts['list_accounts']['ListAccounts'] <= hi
    walk = counts['walk_hierarchy']
    assert walk['ListRoots'] == 1
    assert nparents <= walk['ListOrganizationalUnitsForParent'] <= 2 * nparents
    assert nparents <= walk['ListChildren'] <= nparents + hi
    with capsys.disabled():
        print('\nAPI calls on a 1,000-account org (%d roots+OUs):' % nparents)
        for name, c in counts.items():
            print('  %-16s %4d  %s' % (name, sum(c.values()), dict(c)))


def test_status_fallback(org, tmp_path):
    """Accounts without State (older API replies) take their Status."""
    data = json.loads(json.dumps(org))
    stripped = set()
    for i, a in enumerate(data['accounts']):
        if i % 3 == 0 and a['State'] != a['Status']:
            del a['State']
            stripped.add(a['Id'])
        elif i % 5 == 0:
            del a['State']
            stripped.add(a['Id'])
    assert any(a['Status'] != org_a['State'] for a, org_a in zip(data['accounts'], org['accounts'])
               if a['Id'] in stripped), 'no account where State and Status differ'
    path = tmp_path / 'org.json'
    path.write_text(json.dumps(data))
    with FakeAWS(org_json=str(path)) as f:
        out = ok(f, 'accounts')
    got = {a['Id']: a['State'] for a in out}
    for a in data['accounts']:
        assert got[a['Id']] == (a['State'] if 'State' in a else a['Status']), a['Id']
