"""Effective tag policies and AWS Config compliance through a real mount,
from member accounts and from a Config aggregator; the expected answers
come from the fake endpoint asked with botocore."""
import json
import os

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from orgfsmount import Mount, aws_env

REGIONS = ['us-east-1', 'eu-west-1']
ROLE = 'OrganizationAccountAccessRole'


def client(fake, service, region='us-east-1', key=None, secret=None, token=None):
    s = botocore.session.Session()
    return s.create_client(service, region_name=region, endpoint_url=fake.url,
                           aws_access_key_id=key or fake.root_key,
                           aws_secret_access_key=secret or fake.root_secret,
                           aws_session_token=token,
                           config=Config(retries={'max_attempts': 1}))


def read(path):
    with open(path) as fh:
        return fh.read()


def effective(fake, account):
    try:
        ep = client(fake, 'organizations').describe_effective_policy(
            PolicyType='TAG_POLICY', TargetId=account)['EffectivePolicy']
    except ClientError as e:
        assert e.response['Error']['Code'] == 'EffectivePolicyNotFoundException'
        return None
    return json.loads(ep['PolicyContent'])


def config_rules(fake, account, region, mgmt):
    """{rule: compliance} the account itself reports, None: not recording."""
    creds = {}
    if account != mgmt:
        c = client(fake, 'sts').assume_role(
            RoleArn='arn:aws:iam::%s:role/%s' % (account, ROLE),
            RoleSessionName='test')['Credentials']
        creds = dict(key=c['AccessKeyId'], secret=c['SecretAccessKey'],
                     token=c['SessionToken'])
    cf = client(fake, 'config', region, **creds)
    rules = []
    for page in cf.get_paginator('describe_compliance_by_config_rule').paginate():
        rules += page['ComplianceByConfigRules']
    if not rules:
        return None
    return {r['ConfigRuleName']: r.get('Compliance', {}).get('ComplianceType',
                                                              'INSUFFICIENT_DATA')
            for r in rules}


@pytest.fixture(scope='module')
def fake():
    from fixture import FakeAWS
    f = FakeAWS(accounts=10, seed=51, regions=','.join(REGIONS))
    o = f.org()
    mgmt = o['organization']['MasterAccountId']
    members = [a['Id'] for a in o['accounts']
               if a['Id'] != mgmt and a.get('State') == 'ACTIVE'][:3]
    f.control({'config_enabled': {mgmt: ['us-east-1'], members[0]: REGIONS,
                                  members[1]: ['eu-west-1']}})
    f.pairs = [(a, r) for a in [mgmt] + members for r in REGIONS]
    f.mgmt = mgmt
    yield f
    f.stop()


def check_config(m, fake):
    for acct, region in fake.pairs:
        want = config_rules(fake, acct, region, fake.mgmt)
        status = dict(ln.split('\t') for ln in
                      read(m.p('accounts', acct, 'config', 'status')).splitlines())
        assert status[region] == ('enabled' if want else 'not enabled'), (acct, region)
        d = m.p('accounts', acct, 'config', region)
        assert sorted(os.listdir(d)) == sorted(want or {})
        for rule, compliance in (want or {}).items():
            assert read(os.path.join(d, rule)) == compliance + '\n'


def test_effective_tag_policy(fake):
    with Mount(['--endpoint=' + fake.url, '-o',
                'resources=off,regions=' + ','.join(REGIONS)],
               env=aws_env(fake)) as m:
        seen = set()
        for acct in sorted(os.listdir(m.p('accounts'))):
            text = read(m.p('accounts', acct, 'effective_tag_policy.json'))
            want = effective(fake, acct)
            assert json.loads(text) == (want if want is not None else {}), acct
            seen.add(want is not None)
        assert True in seen


def test_config_from_member_accounts(fake):
    with Mount(['--endpoint=' + fake.url, '-o',
                'resources=off,regions=' + ','.join(REGIONS)],
               env=aws_env(fake)) as m:
        check_config(m, fake)


def test_config_from_aggregator(fake):
    agg = fake._call('GET', '/_fake/index?service=config')['config_aggregator']
    wants = {p: config_rules(fake, p[0], p[1], fake.mgmt) for p in fake.pairs}
    fake.clear_requests()
    with Mount(['--endpoint=' + fake.url, '-o',
                'resources=off,config_aggregator=%s,regions=%s'
                % (agg, ','.join(REGIONS))], env=aws_env(fake)) as m:
        for (acct, region), want in wants.items():
            d = m.p('accounts', acct, 'config', region)
            rules = sorted(os.listdir(d))
            assert rules == sorted(want or {}), (acct, region)
            for rule in rules:
                assert read(os.path.join(d, rule)) == want[rule] + '\n'
    # orgfs's calls: the aggregator with the mount's keys, no member role
    orgfs_calls = fake.requests()
    assert not any(r['op'] == 'AssumeRole' for r in orgfs_calls)
    assert any(r['op'] == 'DescribeAggregateComplianceByConfigRules'
               for r in orgfs_calls)
    assert not any(r['op'] == 'DescribeComplianceByConfigRule'
                   for r in orgfs_calls)
