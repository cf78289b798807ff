"""effective_tag_policy and config_compliance of the aws source (lib/source_aws.c,
lib/source_agg.c) against the fake AWS endpoint.

The expected answers come from the fake itself, asked with botocore: the
management account's DescribeEffectivePolicy, and each member account's own
DescribeComplianceByConfigRule through the same member role.

Run: /usr/bin/python3 -m pytest tests/client/test_compliance.py
(ORGFS_BUILD_DIR selects the build directory, default build/ of this checkout).
"""

import collections
import errno
import json

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from clientlib import REGIONS, ROLE, ROOT_KEY, ROOT_SECRET, json_lines, members, mgmt_of, run_srcdump
from fixture import FakeAWS

AGGREGATOR = 'org-aggregator'       # the fake's, in its first region
FAKE = dict(accounts=10, seed=5)    # the fake fixture's (conftest.py)


def srcdump(fake, *args, timeout=120):
    """(returncode, list of parsed stdout lines, stderr)."""
    p = run_srcdump(fake, *args, timeout=timeout)
    return p.returncode, json_lines(p), p.stderr


def client(fake, service, region='us-east-1', key=ROOT_KEY, secret=ROOT_SECRET, token=None):
    s = botocore.session.Session()
    return s.create_client(service, region_name=region, endpoint_url=fake.url,
                           aws_access_key_id=key, aws_secret_access_key=secret,
                           aws_session_token=token,
                           config=Config(retries={'max_attempts': 1}))


def ops(log):
    return collections.Counter(r['op'] for r in log)


# ----------------------------------------------------------- effective tag policy

def fake_effective(fake, account):
    """What the fake answers the management account: the document or None."""
    org = client(fake, 'organizations')
    try:
        ep = org.describe_effective_policy(PolicyType='TAG_POLICY', TargetId=account)['EffectivePolicy']
    except ClientError as e:
        assert e.response['Error']['Code'] == 'EffectivePolicyNotFoundException'
        return None
    return ep


@pytest.fixture(scope='module')
def tagfake(tmp_path_factory):
    """An organization where tag policies sit on OUs and accounts only, so
    some accounts have an effective tag policy and others none."""
    with FakeAWS(accounts=14, seed=11) as gen:
        data = gen.org()
    root = data['roots'][0]['Id']
    tag_policies = [p for p in data['policies'] if p['Type'] == 'TAG_POLICY']
    assert tag_policies
    for p in tag_policies:
        p['Targets'] = [t for t in p['Targets'] if t != root]
    # one account gets a policy of its own on top of its OU's
    accts = [a['Id'] for a in data['accounts'] if a['Id'] != mgmt_of(data)]
    tag_policies[0]['Targets'].append(accts[-1])
    path = tmp_path_factory.mktemp('tagorg') / 'org.json'
    path.write_text(json.dumps(data))
    with FakeAWS(org_json=str(path), seed=11) as f:
        yield f


def test_effective_tag_policy_equals_fake(tagfake):
    o = tagfake.org()
    ids = sorted(a['Id'] for a in o['accounts'])
    tagfake.clear_requests()
    rc, out, err = srcdump(tagfake, 'effective-tag-policy', *ids)
    assert rc == 0, err
    assert len(out) == len(ids)
    log = tagfake.requests()
    present = absent = 0
    for acct, got in zip(ids, out):
        want = fake_effective(tagfake, acct)
        if want is None:
            assert got == {'Present': False, 'Text': '', 'Updated': 0}
            absent += 1
        else:
            assert got['Present'] is True
            assert got['Text'] == want['PolicyContent']      # kept as text
            assert json.loads(got['Text'])['tags']
            assert got['Updated'] == int(want['LastUpdatedTimestamp'].timestamp())
            present += 1
    assert present and absent, (present, absent)
    # one DescribeEffectivePolicy per account, with the base credentials
    assert ops(log) == {'DescribeEffectivePolicy': len(ids)}
    assert [r['params'] for r in log] == [{'PolicyType': 'TAG_POLICY', 'TargetId': a} for a in ids]
    assert all(r['access_key'] == ROOT_KEY and r['signature_ok'] for r in log)


def test_effective_tag_policy_errors(tagfake):
    # not an account id: refused before any call
    tagfake.clear_requests()
    rc, out, err = srcdump(tagfake, 'effective-tag-policy', 'ou-abcd-12345678')
    assert rc == 1 and '[errno %d]' % errno.EINVAL in err, err
    assert not tagfake.requests()
    # an account outside the organization: the service's not-found
    rc, out, err = srcdump(tagfake, 'effective-tag-policy', '000000000000')
    assert rc == 1 and 'TargetNotFoundException' in err, err
    assert '[errno %d]' % errno.ENOENT in err, err


# ------------------------------------------------------------------ config

def fake_rules(fake, account, region):
    """The account's own answer in region, through the same member role
    (the management account with the root key); None where no recorder."""
    o = fake.org()
    if account == mgmt_of(o):
        creds = {}
    else:
        sts = client(fake, 'sts')
        c = sts.assume_role(RoleArn='arn:aws:iam::%s:role/%s' % (account, ROLE),
                            RoleSessionName='test-compliance')['Credentials']
        creds = {'key': c['AccessKeyId'], 'secret': c['SecretAccessKey'], 'token': c['SessionToken']}
    cf = client(fake, 'config', region, **creds)
    rules = []
    for page in cf.get_paginator('describe_compliance_by_config_rule').paginate():
        rules += page['ComplianceByConfigRules']
    recording = any(r.get('recording') for r in
                    cf.describe_configuration_recorder_status()['ConfigurationRecordersStatus'])
    want = sorted(({'Name': r['ConfigRuleName'],
                    'Compliance': r.get('Compliance', {}).get('ComplianceType', 'INSUFFICIENT_DATA')}
                   for r in rules), key=lambda r: r['Name'])
    return {'Enabled': bool(rules) or recording, 'Rules': want}


def config_setup(fake):
    """Config on in some accounts and regions, off in others; the pairs to ask."""
    o = fake.org()
    m = mgmt_of(o)
    a, b, c = members(o, 3)
    fake.control({'config_enabled': {m: ['us-east-1'], a: REGIONS, b: ['eu-west-1']}})
    pairs = [(a, 'us-east-1'), (a, 'eu-west-1'), (b, 'us-east-1'), (b, 'eu-west-1'),
             (c, 'eu-west-1'), (m, 'us-east-1'), (m, 'eu-west-1')]
    on = {(m, 'us-east-1'), (a, 'us-east-1'), (a, 'eu-west-1'), (b, 'eu-west-1')}
    return pairs, on


def config_args(pairs):
    args = ['config']
    for acct, region in pairs:
        args += [acct, region]
    return args


def test_config_member_role_equals_fake(fake):
    pairs, on = config_setup(fake)
    try:
        fake.clear_requests()
        rc, out, err = srcdump(fake, *config_args(pairs))
        assert rc == 0, err
        log = fake.requests()
        assert len(out) == len(pairs)
        for (acct, region), got in zip(pairs, out):
            assert got['Enabled'] == ((acct, region) in on), (acct, region, got)
            if got['Enabled']:
                assert got['Rules'], (acct, region)
            else:
                assert got['Rules'] == []
            assert got == fake_rules(fake, acct, region), (acct, region)
        mgmt = mgmt_of(fake.org())
        members_asked = {a for a, _ in pairs if a != mgmt}
        c = ops(log)
        # one listing (one page: the fake's rules fit) per pair, the
        # recorder asked only where no rule came back, one role per member
        assert c['DescribeComplianceByConfigRule'] == len(pairs)
        assert c['DescribeConfigurationRecorderStatus'] == len(pairs) - len(on)
        assert c['AssumeRole'] == len(members_asked)
        assert c['GetCallerIdentity'] == 1
        assert set(c) == {'DescribeComplianceByConfigRule', 'DescribeConfigurationRecorderStatus',
                          'AssumeRole', 'GetCallerIdentity'}
        calls = [r for r in log if r['service'] == 'config']
        assert {(r['account'], r['region']) for r in calls} == set(pairs)
        for r in calls:
            # members with their role's session keys, the management
            # account with the root key
            assert (r['access_key'] == ROOT_KEY) == (r['account'] == mgmt), r
            assert r['signature_ok']
    finally:
        fake.control({'config_enabled': None})


def test_config_denied_role_is_eacces(fake):
    o = fake.org()
    ok, denied = members(o, 2)
    fake.control({'deny_assume_role': [denied]})
    try:
        fake.clear_requests()
        rc, out, err = srcdump(fake, 'config', denied, 'eu-west-1')
        assert rc == 1 and out is None
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert '[errno %d]' % errno.EACCES in lines[0], lines[0]
        assert 'AccessDenied' in lines[0] and denied in lines[0] and ROLE in lines[0], lines[0]
        assert not [r for r in fake.requests() if r['service'] == 'config']
        # the others are not affected
        rc, out, err = srcdump(fake, 'config', ok, 'eu-west-1')
        assert rc == 0, err
        assert out[0] == fake_rules(fake, ok, 'eu-west-1')
    finally:
        fake.control({'deny_assume_role': []})


def test_config_bad_input(fake):
    fake.clear_requests()
    for args in (['123', 'us-east-1'], ['123456789012', '']):
        rc, out, err = srcdump(fake, 'config', *args)
        assert rc == 1 and '[errno %d]' % errno.EINVAL in err, err
    assert not fake.requests()


def test_config_aggregator_equals_member_path(fake):
    pairs, on = config_setup(fake)
    try:
        rc, member_out, err = srcdump(fake, *config_args(pairs))
        assert rc == 0, err
        fake.clear_requests()
        home = fake.org()['regions'][0]
        rc, agg_out, err = srcdump(fake, '--config-aggregator', AGGREGATOR,
                                   '--config-aggregator-region', home, *config_args(pairs))
        assert rc == 0, err
        log = fake.requests()
        assert agg_out == member_out
        assert sum(1 for o in agg_out if o['Enabled']) == len(on)
        # one filtered page per pair from the home region, base credentials,
        # no member role, no identity lookup
        assert ops(log) == {'DescribeAggregateComplianceByConfigRules': len(pairs)}
        assert [r['params'] for r in log] == [
            {'ConfigurationAggregatorName': AGGREGATOR,
             'Filters': {'AccountId': a, 'AwsRegion': r}, 'Limit': 1000} for a, r in pairs]
        assert all(r['region'] == home and r['access_key'] == ROOT_KEY for r in log)
    finally:
        fake.control({'config_enabled': None})


def test_config_aggregator_default_region_and_errors(fake):
    o = fake.org()
    a = members(o, 1)[0]
    # no region given: the client's (us-east-1, the fake's home region)
    fake.clear_requests()
    rc, out, err = srcdump(fake, '--config-aggregator', AGGREGATOR, 'config', a, 'eu-west-1')
    assert rc == 0, err
    assert out[0] == fake_rules(fake, a, 'eu-west-1')
    assert [r['region'] for r in fake.requests() if r['service'] == 'config'][0] == 'us-east-1'
    # an aggregator that does not exist, or one asked outside its home
    for extra in (['--config-aggregator', 'nope'],
                  ['--config-aggregator', AGGREGATOR, '--config-aggregator-region', 'eu-west-1']):
        rc, out, err = srcdump(fake, *extra, 'config', a, 'eu-west-1')
        assert rc == 1, err
        assert 'NoSuchConfigurationAggregatorException' in err, err
        assert '[errno %d]' % errno.ENOENT in err, err
    # a name the service would refuse is refused before any call
    fake.clear_requests()
    rc, out, err = srcdump(fake, '--config-aggregator', 'bad name', 'config', a, 'eu-west-1')
    assert rc == 1 and '[errno %d]' % errno.EINVAL in err, err
    assert not fake.requests()
