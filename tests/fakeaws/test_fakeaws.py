"""Tests of the fake AWS endpoint, using botocore itself as the client so that
every reply is proven to parse with the real SDK's parsers."""

import http.client
import json
import os
import socket
import sys
import threading
import time

import botocore.auth
import botocore.credentials
import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.parsers import ResponseParserError
from botocore.utils import ContainerMetadataFetcher, InstanceMetadataFetcher

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture import ROOT_KEY, ROOT_SECRET, FakeAWS, fakeaws_factory, make_fixture  # noqa: E402,F401

NO_RETRY = Config(retries={'total_max_attempts': 1, 'mode': 'standard'},
                  connect_timeout=5, read_timeout=20)

fake = make_fixture(scope='module', accounts=60, resources=30, seed=7)


def client(f, service, region='us-east-1', ak=ROOT_KEY, sk=ROOT_SECRET, token=None, config=NO_RETRY):
    sess = botocore.session.get_session()
    return sess.create_client(service, region_name=region, endpoint_url=f.url,
                              aws_access_key_id=ak, aws_secret_access_key=sk,
                              aws_session_token=token, config=config)


def err_code(excinfo):
    return excinfo.value.response['Error']['Code']


def http_status(excinfo):
    return excinfo.value.response['ResponseMetadata']['HTTPStatusCode']


def signed_raw(f, service, region, target=None, body=b'{}', path='/', headers=None,
               ak=ROOT_KEY, sk=ROOT_SECRET):
    """A request signed by botocore's signer, sent with http.client."""
    hdrs = {'Content-Type': 'application/x-amz-json-1.1'}
    if target:
        hdrs['X-Amz-Target'] = target
    hdrs.update(headers or {})
    req = AWSRequest(method='POST', url=f.url + path, data=body, headers=hdrs)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(ak, sk), service, region).add_auth(req)
    conn = http.client.HTTPConnection('127.0.0.1', f.port, timeout=20)
    conn.request('POST', path, body=body, headers=dict(req.headers.items()))
    return conn


# --------------------------------------------------------------------------- org
def test_org_generation_is_deterministic_and_odd(fakeaws_factory):
    a = fakeaws_factory(accounts=30, seed=3).org()
    b = fakeaws_factory(accounts=30, seed=3).org()
    c = fakeaws_factory(accounts=30, seed=4).org()
    assert a == b
    assert a['accounts'] != c['accounts']
    ids = [x['Id'] for x in a['accounts']]
    assert len(ids) == 30 == len(set(ids))
    assert all(len(i) == 12 and i.isdigit() for i in ids)
    assert ids[0] == a['organization']['MasterAccountId']
    names = [x['Name'] for x in a['ous']]
    assert any('/' in n for n in names) and any(n.startswith('.') for n in names)
    assert any('%' in n for n in names)
    prod_parents = {o['ParentId'] for o in a['ous'] if o['Name'] == 'Production'}
    assert len(prod_parents) >= 2  # same OU name under different parents
    for parent in {o['ParentId'] for o in a['ous']}:
        sib = [o['Name'] for o in a['ous'] if o['ParentId'] == parent]
        assert len(sib) == len(set(sib))
    states = {x['State'] for x in fakeaws_factory(accounts=400, seed=3).org()['accounts']}
    assert {'ACTIVE', 'SUSPENDED', 'CLOSED'} <= states
    assert {p['Type'] for p in a['policies']} == {'SERVICE_CONTROL_POLICY', 'TAG_POLICY', 'BACKUP_POLICY',
                                                  'AISERVICES_OPT_OUT_POLICY'}
    assert any(len(v) == 256 for t in a['tags'].values() for v in t.values())


def test_scale_10000_accounts_listed_once(fakeaws_factory):
    t0 = time.monotonic()
    f = fakeaws_factory(accounts=10000, resources=100)  # 2,000,000 resources, all lazy
    started = time.monotonic() - t0
    print('startup of 10,000 accounts took %.1fs' % started)
    org = f.org()
    assert len(org['accounts']) == 10000
    o = client(f, 'organizations')
    seen = []
    pages = empty = 0
    for page in o.get_paginator('list_accounts').paginate():
        pages += 1
        empty += not page['Accounts']
        assert len(page['Accounts']) <= 20
        seen += [a['Id'] for a in page['Accounts']]
    assert len(seen) == 10000 and set(seen) == {a['Id'] for a in org['accounts']}
    assert empty >= 1  # AWS-style empty pages that still carry a NextToken
    res = f.resources(org['accounts'][9999]['Id'], 'eu-west-1')
    assert len(res) == 100


def test_organizations_operations(fake):
    o = client(fake, 'organizations')
    org = fake.org()
    mgmt = org['organization']['MasterAccountId']
    d = o.describe_organization()['Organization']
    assert d['MasterAccountId'] == mgmt and d['Id'].startswith('o-')
    roots = o.list_roots()['Roots']
    assert [r['Id'] for r in roots] == [org['roots'][0]['Id']]
    root = roots[0]['Id']

    # Walk the tree with botocore paginators and rebuild it.
    found_ous, found_accts = {}, {}

    def walk(parent):
        for page in o.get_paginator('list_organizational_units_for_parent').paginate(ParentId=parent):
            for ou in page['OrganizationalUnits']:
                found_ous[ou['Id']] = (ou['Name'], parent)
                walk(ou['Id'])
        for page in o.get_paginator('list_accounts_for_parent').paginate(ParentId=parent):
            for a in page['Accounts']:
                found_accts[a['Id']] = parent
                assert a['JoinedTimestamp'].year >= 2019  # epoch number parsed as a timestamp
    walk(root)
    assert found_ous == {x['Id']: (x['Name'], x['ParentId']) for x in org['ous']}
    assert found_accts == {x['Id']: x['ParentId'] for x in org['accounts']}

    kids = [c['Id'] for p in o.get_paginator('list_children').paginate(ParentId=root, ChildType='ORGANIZATIONAL_UNIT')
            for c in p['Children']]
    assert set(kids) == {x['Id'] for x in org['ous'] if x['ParentId'] == root}
    acct = org['accounts'][5]
    assert o.describe_account(AccountId=acct['Id'])['Account']['Name'] == acct['Name']
    assert o.list_parents(ChildId=acct['Id'])['Parents'][0]['Id'] == acct['ParentId']
    ou = org['ous'][0]
    assert o.describe_organizational_unit(OrganizationalUnitId=ou['Id'])['OrganizationalUnit']['Name'] == ou['Name']
    with pytest.raises(ClientError) as e:
        o.describe_account(AccountId='999999999999')
    assert err_code(e) == 'AccountNotFoundException'
    with pytest.raises(ClientError) as e:
        o.list_accounts(MaxResults=21)
    assert err_code(e) == 'InvalidInputException'

    for ptype in ('SERVICE_CONTROL_POLICY', 'TAG_POLICY', 'BACKUP_POLICY', 'AISERVICES_OPT_OUT_POLICY'):
        got = {p['Id'] for page in o.get_paginator('list_policies').paginate(Filter=ptype) for p in page['Policies']}
        assert got == {p['Id'] for p in org['policies'] if p['Type'] == ptype}
    pol = next(p for p in org['policies'] if p['Type'] == 'TAG_POLICY')
    desc = o.describe_policy(PolicyId=pol['Id'])['Policy']
    assert json.loads(desc['Content']) == json.loads(pol['Content'])
    targets = {t['TargetId'] for page in o.get_paginator('list_targets_for_policy').paginate(PolicyId=pol['Id'])
               for t in page['Targets']}
    assert targets == set(pol['Targets'])
    scps = o.list_policies_for_target(TargetId=acct['Id'], Filter='SERVICE_CONTROL_POLICY')['Policies']
    assert 'p-FullAWSAccess' in {p['Id'] for p in scps}
    eff = o.describe_effective_policy(PolicyType='TAG_POLICY', TargetId=acct['Id'])['EffectivePolicy']
    content = json.loads(eff['PolicyContent'])
    assert content['tags']['costcenter']['tag_key'] == 'CostCenter'
    assert 'CC-0001' in content['tags']['costcenter']['tag_value']
    tagged = next(a for a in org['accounts'] if org['tags'].get(a['Id']))
    tags = o.list_tags_for_resource(ResourceId=tagged['Id'])['Tags']
    assert {t['Key']: t['Value'] for t in tags} == org['tags'][tagged['Id']]
    admins = o.list_delegated_administrators()['DelegatedAdministrators']
    assert admins and all('DelegationEnabledDate' in a for a in admins)


def test_member_account_is_denied_organizations(fakeaws_factory):
    f0 = fakeaws_factory(accounts=5)
    member = f0.org()['accounts'][1]['Id']
    f = fakeaws_factory(accounts=5, key=['AKIDMEMBER00000001:membersecret:%s' % member])
    o = client(f, 'organizations', ak='AKIDMEMBER00000001', sk='membersecret')
    assert o.describe_organization()['Organization']['MasterAccountId'] != member
    with pytest.raises(ClientError) as e:
        o.list_accounts()
    assert err_code(e) == 'AccessDeniedException'
    sts = client(f, 'sts', ak='AKIDMEMBER00000001', sk='membersecret')
    assert sts.get_caller_identity()['Account'] == member


# ---------------------------------------------------------------------- tagging
def test_tagging_pages_and_filters(fake):
    org = fake.org()
    acct = org['organization']['MasterAccountId']
    tg = client(fake, 'resourcegroupstaggingapi', 'eu-west-1')
    expect = fake.resources(acct, 'eu-west-1')
    assert len(expect) == 30
    got, pages = [], []
    for page in tg.get_paginator('get_resources').paginate(ResourcesPerPage=7):
        pages.append(page)
        got += page['ResourceTagMappingList']
    assert len(pages) == 5 and pages[-1]['PaginationToken'] == ''
    assert [g['ResourceARN'] for g in got] == [e['ResourceARN'] for e in expect]
    assert [g['Tags'] for g in got] == [e['Tags'] for e in expect]
    assert not any(':eu-west-1:' not in r['ResourceARN'] and ':s3:::' not in r['ResourceARN'] for r in expect)
    one = tg.get_resources(TagFilters=[{'Key': 'Owner'}])['ResourceTagMappingList']
    assert one and all(any(t['Key'] == 'Owner' for t in r['Tags']) for r in one)
    ec2 = tg.get_resources(ResourceTypeFilters=['ec2:instance'])['ResourceTagMappingList']
    assert ec2 and all(':instance/' in r['ResourceARN'] for r in ec2)
    comp = tg.get_resources(IncludeComplianceDetails=True)['ResourceTagMappingList']
    assert all('ComplianceStatus' in r['ComplianceDetails'] for r in comp)
    keys = [k for p in tg.get_paginator('get_tag_keys').paginate() for k in p['TagKeys']]
    assert set(keys) == {t['Key'] for r in expect for t in r['Tags']}
    vals = tg.get_tag_values(Key='Owner')['TagValues']
    assert set(vals) == {t['Value'] for r in expect for t in r['Tags'] if t['Key'] == 'Owner'}
    with pytest.raises(ClientError) as e:
        tg.get_resources(PaginationToken='bogus')
    assert err_code(e) == 'InvalidParameterException'


def test_mutate_changes_live_data(fakeaws_factory):
    f = fakeaws_factory(accounts=8, resources=4)
    org = f.org()
    acct = org['accounts'][2]['Id']
    o = client(f, 'organizations')
    f.mutate({'tags': {acct: {'Owner': 'new-owner'}}, 'account': {acct: {'Name': 'renamed'}}})
    assert o.describe_account(AccountId=acct)['Account']['Name'] == 'renamed'
    tags = {t['Key']: t['Value'] for t in o.list_tags_for_resource(ResourceId=acct)['Tags']}
    assert tags['Owner'] == 'new-owner'
    mgmt = org['organization']['MasterAccountId']
    arn = f.resources(mgmt, 'us-east-1')[0]['ResourceARN']
    f.mutate({'tags': {arn: {'Fresh': 'yes'}}, 'remove_tags': {acct: ['Owner']}})
    tg = client(f, 'resourcegroupstaggingapi', 'us-east-1')
    res = tg.get_resources(ResourceARNList=[arn])['ResourceTagMappingList']
    assert {'Key': 'Fresh', 'Value': 'yes'} in res[0]['Tags']
    assert 'Owner' not in {t['Key'] for t in o.list_tags_for_resource(ResourceId=acct)['Tags']}


def test_mutate_raw_serves_hostile_data(fakeaws_factory):
    """Hostile mode: ids and strings no real endpoint sends, served as given."""
    f = fakeaws_factory(accounts=4, resources=2)
    o = client(f, 'organizations')
    root = f.org()['roots'][0]['Id']
    f.mutate({'raw_accounts': [{'Id': '../../../tmp', 'Name': 'nul\u0000'}],
              'raw_ous': [{'Id': 'a/b/c', 'Name': 'evil'}],
              'raw_policies': [{'Id': 'p-../x', 'Name': 'evil', 'Content': 'x' * 1000}],
              'raw_resources': {'*': ['arn:aws:ec2:us-east-1:999999999999:instance/i-1',
                                      {'ResourceARN': 'not-an-arn', 'Region': 'eu-west-1'}]}})
    ids = [a['Id'] for a in o.list_accounts()['Accounts']]
    assert '../../../tmp' in ids
    kids = o.list_children(ParentId=root, ChildType='ACCOUNT')['Children']
    assert '../../../tmp' in [k['Id'] for k in kids]
    ous = o.list_organizational_units_for_parent(ParentId=root)['OrganizationalUnits']
    assert 'a/b/c' in [u['Id'] for u in ous]
    pols = o.list_policies(Filter='SERVICE_CONTROL_POLICY')['Policies']
    assert 'p-../x' in [p['Id'] for p in pols]
    acct = f.org()['accounts'][1]['Id']
    tg = client(f, 'resourcegroupstaggingapi', 'us-east-1')
    arns = [r['ResourceARN'] for r in tg.get_resources()['ResourceTagMappingList']]
    assert 'arn:aws:ec2:us-east-1:999999999999:instance/i-1' in arns
    assert 'not-an-arn' not in arns
    assert 'not-an-arn' in [r['ResourceARN'] for r in f.resources(acct, 'eu-west-1')]


# ----------------------------------------------------- config, resource explorer
def test_config_operations(fake):
    cf = client(fake, 'config', 'us-east-1')
    rules = cf.describe_config_rules()['ConfigRules']
    assert len(rules) >= 3 and all(r['ConfigRuleArn'].startswith('arn:aws:config:us-east-1:') for r in rules)
    comp = cf.describe_compliance_by_config_rule()['ComplianceByConfigRules']
    assert [c['ConfigRuleName'] for c in comp] == [r['ConfigRuleName'] for r in rules]
    aggs = cf.describe_configuration_aggregators()['ConfigurationAggregators']
    assert [a['ConfigurationAggregatorName'] for a in aggs] == ['org-aggregator']
    seen = []
    for page in cf.get_paginator('describe_aggregate_compliance_by_config_rules').paginate(
            ConfigurationAggregatorName='org-aggregator', PaginationConfig={'PageSize': 50}):
        assert len(page['AggregateComplianceByConfigRules']) <= 50
        seen += page['AggregateComplianceByConfigRules']
    assert {s['AccountId'] for s in seen} == {a['Id'] for a in fake.org()['accounts']}
    assert len({(s['AccountId'], s['AwsRegion'], s['ConfigRuleName']) for s in seen}) == len(seen)
    with pytest.raises(ClientError) as e:
        cf.describe_config_rules(ConfigRuleNames=['nope'])
    assert err_code(e) == 'NoSuchConfigRuleException'
    acct = fake.org()['accounts'][1]['Id']
    fake.control({'config_enabled': {acct: ['us-east-1']}})
    try:
        assert cf.describe_config_rules()['ConfigRules'] == []  # management account now has none
    finally:
        fake.control({'config_enabled': None})


def test_resource_explorer(fakeaws_factory):
    f = fakeaws_factory(accounts=2, resources=1100, regions='us-east-1')
    mgmt = f.mgmt_account
    rx = client(f, 'resource-explorer-2', 'us-east-1')
    view = rx.get_default_view()['ViewArn']
    assert rx.list_views()['Views'] == [view]
    assert rx.get_index()['State'] == 'ACTIVE'
    first = rx.search(QueryString='', MaxResults=1000)
    assert first['Count'] == {'TotalResources': 1000, 'Complete': False}
    total = [r for p in rx.get_paginator('search').paginate(QueryString='') for r in p['Resources']]
    assert len(total) == 1000  # Search stops at 1,000 results
    assert total[0]['LastReportedAt'].year == 2019  # ISO 8601 parsed
    ec2 = rx.search(QueryString='resourcetype:ec2:instance', MaxResults=1000)
    assert ec2['Count']['Complete'] and all(r['ResourceType'] == 'ec2:instance' for r in ec2['Resources'])
    # ListResources is newer than this botocore: raw signed rest-json calls
    all_res, token = [], None
    while True:
        body = {'MaxResults': 1000}
        if token:
            body['NextToken'] = token
        conn = signed_raw(f, 'resource-explorer-2', 'us-east-1', path='/ListResources',
                          body=json.dumps(body).encode(), headers={'Content-Type': 'application/json'})
        r = conn.getresponse()
        page = json.loads(r.read())
        assert r.status == 200
        all_res += page['Resources']
        token = page.get('NextToken')
        if not token:
            break
    assert len(all_res) == 1100 and all(r['OwningAccountId'] == mgmt for r in all_res)
    with pytest.raises(ClientError) as e:
        rx.search(QueryString='', MaxResults=1001)
    assert err_code(e) == 'ValidationException'


# -------------------------------------------------------------------- STS & creds
def test_sts_assume_role_and_session_use(fake):
    org = fake.org()
    mgmt = org['organization']['MasterAccountId']
    member = next(a['Id'] for a in org['accounts'][1:] if a['State'] == 'ACTIVE')
    sts = client(fake, 'sts')
    me = sts.get_caller_identity()
    assert me['Account'] == mgmt
    r = sts.assume_role(RoleArn='arn:aws:iam::%s:role/path/OrgReader' % member, RoleSessionName='orgfs-test',
                        DurationSeconds=900)
    cr = r['Credentials']
    assert cr['AccessKeyId'].startswith('ASIA') and r['AssumedRoleUser']['Arn'].endswith('/OrgReader/orgfs-test')
    left = cr['Expiration'].timestamp() - time.time()
    assert 800 < left <= 905
    sts2 = client(fake, 'sts', ak=cr['AccessKeyId'], sk=cr['SecretAccessKey'], token=cr['SessionToken'])
    assert sts2.get_caller_identity()['Account'] == member
    tg = client(fake, 'resourcegroupstaggingapi', 'us-east-1', ak=cr['AccessKeyId'],
                sk=cr['SecretAccessKey'], token=cr['SessionToken'])
    arns = [m['ResourceARN'] for m in tg.get_resources()['ResourceTagMappingList']]
    assert arns == [x['ResourceARN'] for x in fake.resources(member, 'us-east-1')]
    # session keys without their token are refused
    bad = client(fake, 'sts', ak=cr['AccessKeyId'], sk=cr['SecretAccessKey'])
    with pytest.raises(ClientError) as e:
        bad.get_caller_identity()
    assert err_code(e) == 'InvalidClientTokenId'
    # role chaining is limited to one hour
    with pytest.raises(ClientError) as e:
        sts2.assume_role(RoleArn='arn:aws:iam::%s:role/X' % mgmt, RoleSessionName='chain', DurationSeconds=7200)
    assert err_code(e) == 'ValidationError'
    # expired session token
    fake.expire_sessions(cr['AccessKeyId'])
    with pytest.raises(ClientError) as e:
        tg.get_resources()
    assert err_code(e) == 'ExpiredTokenException' and http_status(e) == 400
    with pytest.raises(ClientError) as e:
        sts2.get_caller_identity()
    assert err_code(e) == 'ExpiredToken'
    fake.control({'deny_assume_role': [member]})
    try:
        with pytest.raises(ClientError) as e:
            sts.assume_role(RoleArn='arn:aws:iam::%s:role/OrgReader' % member, RoleSessionName='x1')
        assert err_code(e) == 'AccessDenied' and http_status(e) == 403
    finally:
        fake.control({'deny_assume_role': []})


def test_sts_xml_and_json_shapes(fake):
    body = b'Action=GetCallerIdentity&Version=2011-06-15'
    hdrs = {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'}
    conn = signed_raw(fake, 'sts', 'us-east-1', body=body, headers=hdrs)
    r = conn.getresponse()
    xml = r.read().decode()
    assert r.status == 200 and r.getheader('Content-Type') == 'text/xml'
    assert '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' in xml
    assert '<GetCallerIdentityResult>' in xml and '<RequestId>' in xml
    conn = signed_raw(fake, 'sts', 'us-east-1', body=body, headers=dict(hdrs, Accept='application/json'))
    r = conn.getresponse()
    js = json.loads(r.read())
    res = js['GetCallerIdentityResponse']['GetCallerIdentityResult']
    assert res['Account'] == fake.mgmt_account and 'RequestId' in js['GetCallerIdentityResponse']['ResponseMetadata']
    conn = signed_raw(fake, 'sts', 'us-east-1', body=body, headers=dict(hdrs, Accept='application/json'),
                      sk='wrong')
    r = conn.getresponse()
    js = json.loads(r.read())
    assert r.status == 403 and js['Error']['Code'] == 'SignatureDoesNotMatch'


def test_web_identity(fake):
    sts = client(fake, 'sts')
    acct = fake.mgmt_account
    r = sts.assume_role_with_web_identity(RoleArn='arn:aws:iam::%s:role/Web' % acct, RoleSessionName='web',
                                          WebIdentityToken='fake-web-identity-token-alice')
    assert r['SubjectFromWebIdentityToken'] == 'alice'
    with pytest.raises(ClientError) as e:
        sts.assume_role_with_web_identity(RoleArn='arn:aws:iam::%s:role/Web' % acct, RoleSessionName='web',
                                          WebIdentityToken='not-a-token')
    assert err_code(e) == 'InvalidIdentityToken'
    log = fake.requests(op='AssumeRoleWithWebIdentity')
    assert log and log[-1].get('unsigned')


def test_signature_rejections(fake):
    o = client(fake, 'organizations', sk='wrong-secret')
    with pytest.raises(ClientError) as e:
        o.list_roots()
    assert err_code(e) == 'InvalidSignatureException' and http_status(e) == 403
    o = client(fake, 'organizations', ak='AKIDNOSUCHKEY00000')
    with pytest.raises(ClientError) as e:
        o.list_roots()
    assert err_code(e) == 'UnrecognizedClientException' and http_status(e) == 403
    o = client(fake, 'organizations', region='eu-west-1')  # Organizations signs for us-east-1 only
    with pytest.raises(ClientError) as e:
        o.list_roots()
    assert err_code(e) == 'InvalidSignatureException'
    sts = client(fake, 'sts', ak='AKIDNOSUCHKEY00000')
    with pytest.raises(ClientError) as e:
        sts.get_caller_identity()
    assert err_code(e) == 'InvalidClientTokenId'
    conn = signed_raw(fake, 'organizations', 'us-east-1', target='AWSOrganizationsV20161128.ListRoots')
    conn.sock.sendall(b'')  # request already sent; now tamper is impossible, just read
    assert conn.getresponse().status == 200
    # tampered body: signature no longer matches
    req = AWSRequest(method='POST', url=fake.url + '/', data=b'{}', headers={
        'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSOrganizationsV20161128.ListRoots'})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(ROOT_KEY, ROOT_SECRET), 'organizations',
                            'us-east-1').add_auth(req)
    c = http.client.HTTPConnection('127.0.0.1', fake.port, timeout=20)
    c.request('POST', '/', body=b'{"MaxResults":1}', headers=dict(req.headers.items()))
    r = c.getresponse()
    assert r.status == 403 and json.loads(r.read())['__type'] == 'InvalidSignatureException'
    fake.control({'clock_skew_seconds': 600})
    try:
        with pytest.raises(ClientError) as e:
            client(fake, 'organizations').list_roots()
        assert err_code(e) == 'InvalidSignatureException'
        assert 'Signature expired' in e.value.response['Error']['Message']
    finally:
        fake.control({'clock_skew_seconds': 0})
    rejected = [r for r in fake.requests(service='organizations') if not r['signature_ok']]
    assert len(rejected) >= 5 and all(r['status'] == 403 for r in rejected)


def test_sso_and_oidc(fakeaws_factory):
    f = fakeaws_factory(accounts=6, sso_token=['good-token:*'])
    org = f.org()
    acct = org['accounts'][3]['Id']
    sso = client(f, 'sso', 'eu-west-1')
    rc = sso.get_role_credentials(roleName='OrgReader', accountId=acct, accessToken='good-token')['roleCredentials']
    assert rc['expiration'] > time.time() * 1000  # epoch milliseconds
    sts = client(f, 'sts', ak=rc['accessKeyId'], sk=rc['secretAccessKey'], token=rc['sessionToken'])
    assert sts.get_caller_identity()['Account'] == acct
    with pytest.raises(ClientError) as e:
        sso.get_role_credentials(roleName='OrgReader', accountId=acct, accessToken='bad-token')
    assert err_code(e) == 'UnauthorizedException' and http_status(e) == 401
    accts = [a['accountId'] for p in sso.get_paginator('list_accounts').paginate(accessToken='good-token')
             for a in p['accountList']]
    assert accts == [a['Id'] for a in org['accounts']]
    f.control({'sso_tokens': {'narrow': org['accounts'][1]['Id']},
               'oidc_clients': {'cid-1': {'secret': 'csecret', 'refresh_tokens': {'rt-1': acct}}}})
    with pytest.raises(ClientError) as e:
        sso.get_role_credentials(roleName='OrgReader', accountId=acct, accessToken='narrow')
    assert err_code(e) == 'ForbiddenException'
    oidc = client(f, 'sso-oidc', 'eu-west-1')
    tok = oidc.create_token(clientId='cid-1', clientSecret='csecret', grantType='refresh_token',
                            refreshToken='rt-1')
    assert tok['tokenType'] == 'Bearer' and tok['expiresIn'] > 0 and tok['refreshToken'] != 'rt-1'
    rc = sso.get_role_credentials(roleName='R', accountId=acct, accessToken=tok['accessToken'])
    assert rc['roleCredentials']['accessKeyId'].startswith('ASIA')
    tok2 = oidc.create_token(clientId='cid-1', clientSecret='csecret', grantType='refresh_token',
                             refreshToken=tok['refreshToken'])
    assert tok2['accessToken'] != tok['accessToken']
    with pytest.raises(ClientError) as e:
        oidc.create_token(clientId='cid-1', clientSecret='csecret', grantType='refresh_token', refreshToken='nope')
    assert err_code(e) == 'InvalidGrantException'
    with pytest.raises(ClientError) as e:
        oidc.create_token(clientId='cid-1', clientSecret='wrong', grantType='refresh_token', refreshToken='rt-1')
    assert err_code(e) == 'InvalidClientException'


def test_imds_and_container(fakeaws_factory):
    f = fakeaws_factory(accounts=3, container_token='Bearer ctok')
    fetcher = InstanceMetadataFetcher(timeout=5, num_attempts=1, base_url=f.url + '/')
    creds = fetcher.retrieve_iam_role_credentials()
    assert creds['role_name'] == 'orgfs-instance-role' and creds['access_key'].startswith('ASIA')
    sts = client(f, 'sts', ak=creds['access_key'], sk=creds['secret_key'], token=creds['token'])
    assert sts.get_caller_identity()['Account'] == f.mgmt_account
    c = http.client.HTTPConnection('127.0.0.1', f.port, timeout=10)
    c.request('GET', '/latest/meta-data/iam/security-credentials/')
    r = c.getresponse()
    r.read()
    assert r.status == 401  # IMDSv1 refused by default
    c.request('PUT', '/latest/api/token', headers={'X-aws-ec2-metadata-token-ttl-seconds': '99999'})
    r = c.getresponse()
    r.read()
    assert r.status == 400
    f.control({'imds_v1_allowed': True})
    c.request('GET', '/latest/meta-data/iam/security-credentials/')
    r = c.getresponse()
    assert r.status == 200 and r.read() == b'orgfs-instance-role'
    cf = ContainerMetadataFetcher()
    got = cf.retrieve_full_uri(f.url + '/container/credentials', headers={'Authorization': 'Bearer ctok'})
    assert got['AccessKeyId'].startswith('ASIA') and got['Expiration'].endswith('Z')
    c.request('GET', '/container/credentials', headers={'Authorization': 'wrong'})
    r = c.getresponse()
    r.read()
    assert r.status == 401


# ------------------------------------------------------------------------ faults
THROTTLE_CASES = [
    ('organizations', 'us-east-1', lambda c: c.list_roots(), 'TooManyRequestsException', 400),
    ('resourcegroupstaggingapi', 'eu-west-1', lambda c: c.get_tag_keys(), 'ThrottledException', 400),
    ('sts', 'us-east-1', lambda c: c.get_caller_identity(), 'Throttling', 400),
    ('config', 'us-east-1', lambda c: c.describe_config_rules(), 'ThrottlingException', 400),
    ('resource-explorer-2', 'us-east-1', lambda c: c.search(QueryString=''), 'ThrottlingException', 429),
]


def test_throttle_rate_gives_each_services_error(fakeaws_factory):
    f = fakeaws_factory(accounts=3, throttle_rate=1.0)
    for svc, region, call, code, status in THROTTLE_CASES:
        with pytest.raises(ClientError) as e:
            call(client(f, svc, region))
        assert (err_code(e), http_status(e)) == (code, status), svc
    log = f.requests()
    assert len(log) == len(THROTTLE_CASES) and all(r['fault'] == 'throttle' and r['signature_ok'] for r in log)


def test_error_rate_and_latency(fakeaws_factory):
    f = fakeaws_factory(accounts=3, error_rate=1.0)
    o = client(f, 'organizations')
    codes = set()
    for _ in range(12):
        with pytest.raises(ClientError) as e:
            o.list_roots()
        codes.add((err_code(e), http_status(e)))
    assert codes <= {('InternalFailure', 500), ('ServiceUnavailable', 503)} and codes
    f.control({'error_rate': 0, 'latency_ms': 150})
    t = time.monotonic()
    o.list_roots()
    assert time.monotonic() - t >= 0.15


def test_fail_page(fakeaws_factory):
    f = fakeaws_factory(accounts=200)
    f.control({'fail_page': {'op': 'ListAccounts', 'page': 3, 'status': 500, 'code': 'InternalFailure'}})
    o = client(f, 'organizations')
    pages = 0
    with pytest.raises(ClientError) as e:
        for _ in o.get_paginator('list_accounts').paginate():
            pages += 1
    assert pages == 2 and err_code(e) == 'InternalFailure' and http_status(e) == 500
    assert o.list_roots()['Roots']  # other operations are unaffected
    f.control({'fail_page': None})
    assert sum(len(p['Accounts']) for p in o.get_paginator('list_accounts').paginate()) == 200


def test_reset_truncate_malformed_down_oversize(fakeaws_factory):
    f = fakeaws_factory(accounts=3)
    target = 'AWSOrganizationsV20161128.DescribeOrganization'
    f.control({'reset_rate': 1.0})
    conn = signed_raw(f, 'organizations', 'us-east-1', target=target)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        conn.getresponse().read()
    f.control({'reset_rate': 0, 'truncate_rate': 1.0})
    conn = signed_raw(f, 'organizations', 'us-east-1', target=target)
    r = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead):
        r.read()
    f.control({'truncate_rate': 0, 'malformed_rate': 1.0})
    conn = signed_raw(f, 'organizations', 'us-east-1', target=target)
    r = conn.getresponse()
    assert r.status == 200
    with pytest.raises(ValueError):
        json.loads(r.read())
    # botocore's JSON parser swallows an unparsable body: nothing usable comes out
    assert 'Organization' not in client(f, 'organizations').describe_organization()
    with pytest.raises(ResponseParserError):
        client(f, 'sts').get_caller_identity()  # broken XML too
    f.control({'malformed_rate': 0, 'down': True})
    with pytest.raises((EndpointConnectionError, botocore.exceptions.ConnectionClosedError)):
        client(f, 'organizations').describe_organization()
    f.control({'down': False, 'oversize_bytes': 200000})
    conn = signed_raw(f, 'organizations', 'us-east-1', target=target)
    r = conn.getresponse()
    body = r.read()
    assert len(body) == 200000 and json.loads(body)['Organization']
    assert client(f, 'organizations').describe_organization()['Organization']
    faults = [r['fault'] for r in f.requests()]
    assert {'reset', 'truncate', 'malformed', 'down'} <= set(faults)


def test_rate_limits(fakeaws_factory):
    f = fakeaws_factory(accounts=4)
    org = f.org()
    f.control({'rate_limits': {'organizations': {'rate': 0.5, 'burst': 3},
                               'tagging': {'rate': 0.5, 'burst': 2, 'per_account': True}}})
    o = client(f, 'organizations')
    results = []
    for _ in range(6):
        try:
            o.list_roots()
            results.append('ok')
        except ClientError as e:
            results.append(e.response['Error']['Code'])
    assert results[:3] == ['ok'] * 3 and results.count('TooManyRequestsException') >= 2
    sts = client(f, 'sts')
    member = next(a['Id'] for a in org['accounts'][1:] if a['State'] == 'ACTIVE')
    cr = sts.assume_role(RoleArn='arn:aws:iam::%s:role/R' % member, RoleSessionName='rl')['Credentials']
    mine = client(f, 'resourcegroupstaggingapi', 'us-east-1')
    theirs = client(f, 'resourcegroupstaggingapi', 'us-east-1', ak=cr['AccessKeyId'],
                    sk=cr['SecretAccessKey'], token=cr['SessionToken'])
    mine.get_tag_keys()
    mine.get_tag_keys()
    with pytest.raises(ClientError) as e:
        for _ in range(3):
            mine.get_tag_keys()
    assert err_code(e) == 'ThrottledException'
    theirs.get_tag_keys()  # another account has its own bucket
    theirs.get_tag_keys()


# --------------------------------------------------------- log, robustness, misc
def test_request_log(fakeaws_factory):
    f = fakeaws_factory(accounts=4)
    o = client(f, 'organizations')
    o.list_accounts(MaxResults=2)
    client(f, 'resourcegroupstaggingapi', 'eu-west-1').get_tag_keys()
    with pytest.raises(ClientError):
        client(f, 'organizations', sk='bad').list_roots()
    log = f.requests()
    assert [(r['service'], r['op']) for r in log] == [
        ('organizations', 'ListAccounts'), ('tagging', 'GetTagKeys'), ('organizations', 'ListRoots')]
    assert [r['seq'] for r in log] == sorted(r['seq'] for r in log)
    first, second, third = log
    assert first['params'] == {'MaxResults': 2} and first['status'] == 200 and first['code'] is None
    assert first['account'] == f.mgmt_account and first['region'] == 'us-east-1'
    assert first['access_key'] == ROOT_KEY and first['signature_ok'] is True
    assert second['region'] == 'eu-west-1'
    assert third['signature_ok'] is False and third['code'] == 'InvalidSignatureException'
    f.clear_requests()
    assert f.requests() == []


def test_org_json_round_trip(fakeaws_factory, tmp_path):
    a = fakeaws_factory(accounts=25, seed=11)
    data = a.org()
    path = tmp_path / 'org.json'
    path.write_text(json.dumps(data))
    b = fakeaws_factory(org_json=str(path))
    assert b.org()['accounts'] == data['accounts'] and b.org()['ous'] == data['ous']
    acct = data['accounts'][4]['Id']
    assert client(b, 'organizations').describe_account(AccountId=acct)['Account']['Email'] == \
        data['accounts'][4]['Email']


def test_survives_client_disconnects_and_keeps_alive(fake):
    for _ in range(5):
        s = socket.create_connection(('127.0.0.1', fake.port))
        s.sendall(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"trunc')
        s.close()
    conn = http.client.HTTPConnection('127.0.0.1', fake.port, timeout=10)
    for _ in range(3):  # several requests on one kept-alive connection
        conn.request('GET', '/_fake/stats')
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())['internal_errors'] == 0
    o = client(fake, 'organizations')
    assert o.list_roots()['Roots']


def test_throughput_small_replies(fake):
    """4 client threads on loopback; prints the rate for the report."""
    target = 'AWSOrganizationsV20161128.DescribeOrganization'
    req = AWSRequest(method='POST', url=fake.url + '/', data=b'{}', headers={
        'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': target})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(ROOT_KEY, ROOT_SECRET), 'organizations',
                            'us-east-1').add_auth(req)
    headers = dict(req.headers.items())
    n_per_thread, done, failures = 400, [], []

    def worker():
        c = http.client.HTTPConnection('127.0.0.1', fake.port, timeout=20)
        try:
            for _ in range(n_per_thread):
                c.request('POST', '/', body=b'{}', headers=headers)
                r = c.getresponse()
                r.read()
                if r.status != 200:
                    failures.append(r.status)
            done.append(n_per_thread)
        finally:
            c.close()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    dt = time.monotonic() - t
    rate = sum(done) / dt
    print('\nfakeaws throughput: %d requests in %.2fs = %.0f req/s' % (sum(done), dt, rate))
    assert not failures and sum(done) == 1600
