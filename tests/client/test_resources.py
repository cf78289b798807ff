"""list_resources of the aws source (lib/source_aws.c) against the fake AWS endpoint.

Member accounts are read through sts:AssumeRole, the management account with
the base credentials, every listing with the tagging API's GetResources.

Run: /usr/bin/python3 -m pytest tests/client/test_resources.py
(ORGFS_BUILD_DIR selects the build directory, default build/ of this checkout).
"""

import collections
import errno
import json
import re
import urllib.parse
import urllib.request

from clientlib import REGIONS, ROLE, ROOT_KEY, json_lines, members, mgmt_of, run_srcdump
from fixture import FakeAWS

# more than one page of 100 per listing
PER_SLICE = 130
FAKE = dict(accounts=20, resources=PER_SLICE)   # the fake fixture's (conftest.py)


def srcdump(fake, *args, max_attempts=None, timeout=300):
    """(returncode, list of parsed stdout lines, stderr)."""
    p = run_srcdump(fake, *args, max_attempts=max_attempts, timeout=timeout)
    return p.returncode, json_lines(p), p.stderr


def listings(fake, pairs, *opts, **kw):
    args = list(opts) + ['resources']
    for acct, region in pairs:
        args += [acct, region]
    rc, out, err = srcdump(fake, *args, **kw)
    assert rc == 0, err
    assert len(out) == len(pairs)
    return out


def fake_slice(fake, account, region):
    q = urllib.parse.urlencode({'account': account, 'region': region})
    with urllib.request.urlopen('%s/_fake/resources?%s' % (fake.url, q), timeout=30) as r:
        return json.load(r)


def expected(fake, account, region):
    """What the listing must be: the fake's slice, sorted by ARN, tags by key."""
    out = []
    for r in fake_slice(fake, account, region):
        tags = r['Tags']
        if isinstance(tags, dict):
            tags = [{'Key': k, 'Value': v} for k, v in tags.items()]
        out.append({'Arn': r['ResourceARN'],
                    'Tags': sorted(tags, key=lambda t: t['Key']),
                    'ResourceType': r['ResourceType']})
    return sorted(out, key=lambda r: r['Arn'])


def check_listing(fake, account, region, got):
    want = expected(fake, account, region)
    assert len(want) > 0
    assert [r['Arn'] for r in got] == [r['Arn'] for r in want]
    for g, w in zip(got, want):
        assert g['Tags'] == w['Tags'], g['Arn']
        # the parsed fields agree with the ARN and the fake's type
        parts = g['Arn'].split(':', 5)
        service, rtype = w['ResourceType'].split(':', 1)
        assert g['Service'] == parts[2] == service
        assert g['Type'] == rtype, g
        assert g['Region'] == (parts[3] or 'global')
        assert g['Account'] == (parts[4] or account) == account
        assert g['Id'] and g['Arn'].endswith(g['Id']), g
        assert g['Compliance'] == ''
    # one of each service the fake makes shows up with the usual shapes
    by_svc = {g['Service']: g for g in got}
    if 'iam' in by_svc:
        assert region == 'us-east-1' and by_svc['iam']['Region'] == 'global'
    if 's3' in by_svc:
        assert by_svc['s3']['Region'] == 'global' and by_svc['s3']['Type'] == 'bucket'
    if 'logs' in by_svc:
        assert by_svc['logs']['Id'].startswith('/aws/lambda/')


def org(fake):
    return fake.org()


def assume_roles(fake):
    """{target account: number of AssumeRole calls} from the request log."""
    c = collections.Counter()
    for r in fake.requests():
        if r['op'] == 'AssumeRole':
            c[r['params']['RoleArn'].split(':')[4]] += 1
    return c


def test_members_equal_fake(fake):
    o = org(fake)
    accts = members(o, 4)
    pairs = [(a, r) for a in accts for r in REGIONS]
    fake.clear_requests()
    out = listings(fake, pairs)
    total = 0
    for (acct, region), got in zip(pairs, out):
        check_listing(fake, acct, region, got)
        total += len(got)
    assert total == len(pairs) * PER_SLICE
    log = fake.requests()
    gets = [r for r in log if r['op'] == 'GetResources']
    # every listing paged (PER_SLICE > 100) with the largest page
    assert len(gets) == 2 * len(pairs)
    assert all(r['params'].get('ResourcesPerPage') == 100 for r in gets)
    assert all('IncludeComplianceDetails' not in r['params'] for r in gets)
    # each listing ran as its member account, in its region, signed by a
    # session key (not the root key)
    seen = {(r['account'], r['region']) for r in gets}
    assert seen == set(pairs)
    assert all(r['access_key'] != ROOT_KEY and r['signature_ok'] for r in gets)
    assert assume_roles(fake) == {a: 1 for a in accts}
    for r in log:
        if r['op'] == 'AssumeRole':
            acct = r['params']['RoleArn'].split(':')[4]
            assert r['params']['RoleArn'] == 'arn:aws:iam::%s:role/%s' % (acct, ROLE)
            assert r['params']['RoleSessionName'] == 'orgfs-%s' % acct
            assert 'ExternalId' not in r['params']


def test_management_uses_base_credentials(fake):
    o = org(fake)
    m = mgmt_of(o)
    fake.clear_requests()
    out = listings(fake, [(m, r) for r in REGIONS])
    for region, got in zip(REGIONS, out):
        check_listing(fake, m, region, got)
    log = fake.requests()
    assert not [r for r in log if r['op'] == 'AssumeRole']
    gets = [r for r in log if r['op'] == 'GetResources']
    assert gets and all(r['access_key'] == ROOT_KEY and r['account'] == m for r in gets)
    # the caller's own account is asked once
    assert len([r for r in log if r['op'] == 'GetCallerIdentity']) == 1


def test_caller_account_option_skips_identity(fake):
    o = org(fake)
    m = mgmt_of(o)
    a = members(o, 1)[0]
    fake.clear_requests()
    out = listings(fake, [(m, 'us-east-1'), (a, 'eu-west-1')], '--caller-account', m)
    check_listing(fake, m, 'us-east-1', out[0])
    check_listing(fake, a, 'eu-west-1', out[1])
    ops = [r['op'] for r in fake.requests()]
    assert 'GetCallerIdentity' not in ops
    assert ops.count('AssumeRole') == 1


def test_credentials_cached_across_listings(fake):
    o = org(fake)
    a, b = members(o, 2)
    pairs = [(a, 'us-east-1'), (b, 'us-east-1'), (a, 'eu-west-1'), (b, 'eu-west-1'),
             (a, 'us-east-1'), (b, 'eu-west-1'), (a, 'eu-west-1')]
    fake.clear_requests()
    out = listings(fake, pairs)
    for (acct, region), got in zip(pairs, out):
        check_listing(fake, acct, region, got)
    assert assume_roles(fake) == {a: 1, b: 1}


def test_deny_assume_role_is_eacces(fake):
    o = org(fake)
    ok_acct, denied = members(o, 2)
    fake.control({'deny_assume_role': [denied]})
    try:
        fake.clear_requests()
        rc, out, err = srcdump(fake, 'resources', denied, 'eu-west-1')
        assert rc == 1 and out is None
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        line = lines[0]
        assert '[errno %d]' % errno.EACCES in line, line
        assert 'AccessDenied' in line and denied in line and ROLE in line, line
        assert 'account %s' % denied in line, line
        assert not [r for r in fake.requests() if r['op'] == 'GetResources']
        # the others are not affected
        got = listings(fake, [(ok_acct, 'eu-west-1')])[0]
        check_listing(fake, ok_acct, 'eu-west-1', got)
    finally:
        fake.control({'deny_assume_role': []})


def test_closed_account_is_eacces(fake):
    o = org(fake)
    closed = [a['Id'] for a in o['accounts'] if a.get('State') in ('SUSPENDED', 'CLOSED')]
    if not closed:
        victim = members(o, 5)[-1]
        urllib.request.urlopen(urllib.request.Request(
            fake.url + '/_fake/mutate', data=json.dumps(
                {'account': {victim: {'State': 'CLOSED', 'Status': 'SUSPENDED'}}}).encode(),
            method='POST'), timeout=30).read()
        closed = [victim]
    rc, out, err = srcdump(fake, 'resources', closed[0], 'us-east-1')
    assert rc == 1 and out is None
    assert '[errno %d]' % errno.EACCES in err and closed[0] in err, err


def test_member_role_and_external_id(fake):
    o = org(fake)
    a = members(o, 1)[0]
    fake.clear_requests()
    got = listings(fake, [(a, 'us-east-1')], '--member-role', 'audit/OrgReader',
                   '--external-id', 'orgfs-ext-42')[0]
    check_listing(fake, a, 'us-east-1', got)
    ar = [r for r in fake.requests() if r['op'] == 'AssumeRole']
    assert len(ar) == 1
    assert ar[0]['params']['RoleArn'] == 'arn:aws:iam::%s:role/audit/OrgReader' % a
    assert ar[0]['params']['ExternalId'] == 'orgfs-ext-42'


def test_compliance_details(fake):
    o = org(fake)
    m = mgmt_of(o)
    a = members(o, 1)[0]
    fake.clear_requests()
    out = listings(fake, [(m, 'us-east-1'), (a, 'eu-west-1')], '--compliance')
    gets = [r for r in fake.requests() if r['op'] == 'GetResources']
    assert gets and all(r['params'].get('IncludeComplianceDetails') is True for r in gets)
    line = re.compile(r'^(noncompliant key|missing key|noncompliant value): .+$|^noncompliant$')
    for got in out:
        for r in got:
            for ln in r['Compliance'].split('\n') if r['Compliance'] else []:
                assert line.match(ln), r
            # a wrongly cased CostCenter key is reported as such when a tag
            # policy names CostCenter; either way it never passes silently
            # as a value problem of another key
            keys = {t['Key'] for t in r['Tags']}
            for ln in r['Compliance'].split('\n') if r['Compliance'] else []:
                assert ln == 'noncompliant' or ln.split(': ', 1)[1] in keys, r
    # the fake's tag policies find something in 2 x PER_SLICE resources
    assert any(r['Compliance'] for got in out for r in got)


def test_throttled_still_equal():
    with FakeAWS(accounts=12, resources=PER_SLICE, throttle_rate=0.3) as f:
        o = f.org()
        accts = [mgmt_of(o)] + members(o, 3)
        pairs = [(a, r) for a in accts for r in REGIONS]
        out = listings(f, pairs, max_attempts=12)
        for (acct, region), got in zip(pairs, out):
            check_listing(f, acct, region, got)
        log = f.requests()
        throttled = [r for r in log if r['code'] in ('ThrottledException', 'Throttling')]
        assert throttled, 'the fake throttled nothing'
        # a throttled AssumeRole is retried, not repeated as a new session
        ok = collections.Counter(r['params']['RoleArn'].split(':')[4]
                                 for r in log if r['op'] == 'AssumeRole' and r['status'] == 200)
        assert ok == {a: 1 for a in accts[1:]}


def test_bad_arguments(fake):
    rc, out, err = srcdump(fake, 'resources', '12345', 'us-east-1')
    assert rc == 1 and '[errno %d]' % errno.EINVAL in err, err
