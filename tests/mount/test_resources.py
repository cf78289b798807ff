"""Resources through a real mount of the fake endpoint: the per-account
tree, services/, resources.tsv, owners, denied roles, throttling."""
import collections
import errno
import json
import os
import subprocess

import pytest

from expected import Org, arn_parts, esc
from orgfsmount import Mount, aws_env
from test_owners import owner_of

REGIONS = ['us-east-1', 'eu-west-1']
WS = ' \t\r\n\v\f'


def read(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as fh:
        return fh.read()


def readable(org, aid):
    # only ACTIVE accounts are crawled (issue 17.1: not PENDING_CLOSURE)
    return org.state(org.accounts[aid]) == 'ACTIVE'


def resource_owner(org, r, account):
    tags = {t['Key']: t['Value'] for t in r['Tags']}
    for k in ('Owner', 'Team'):
        if k in tags and tags[k].strip(WS):
            return tags[k].strip(WS)
    return owner_of(org, account)[0]


def expected_resources(fake, org, skip=()):
    out = {}
    for aid in sorted(org.accounts):
        if not readable(org, aid) or aid in skip:
            continue
        for region in REGIONS:
            for r in fake.resources(aid, region):
                out[r['ResourceARN']] = (aid, r)
    return out


def tsv_rows(path):
    lines = read(path).splitlines()
    comments = [ln for ln in lines if ln.startswith('#')]
    body = [ln for ln in lines if not ln.startswith('#')]
    assert body[0] == 'arn\taccount\tregion\tservice\ttype\towner'
    return comments, [ln.split('\t') for ln in body[1:]]


@pytest.fixture(scope='module')
def fake():
    from fixture import FakeAWS
    f = FakeAWS(accounts=12, seed=21, resources=7, regions=','.join(REGIONS))
    yield f
    f.stop()


@pytest.fixture(scope='module')
def org(fake):
    return Org(fake.org())


@pytest.fixture(scope='module')
def mnt(fake):
    m = Mount(['--endpoint=' + fake.url, '-o', 'regions=' + ','.join(REGIONS)],
              env=aws_env(fake))
    m.start()
    yield m
    m.stop()


def test_account_trees(mnt, fake, org):
    want = expected_resources(fake, org)
    assert want, 'the fake organization has resources'
    seen = {}
    for aid in sorted(org.accounts):
        d = mnt.p('accounts', aid, 'resources')
        if not readable(org, aid):
            assert not os.path.lexists(d)
            continue
        for root, dirs, files in os.walk(d):
            if 'arn' in files:
                arn = read(os.path.join(root, 'arn'))[:-1]
                seen.setdefault(arn, []).append(root)
    assert sorted(seen) == sorted(want)
    dup = {a: p for a, p in seen.items() if len(p) > 1}
    assert not dup, dup
    for arn, (aid, r) in want.items():
        service, region, _, typ, rid = arn_parts(arn)
        path = mnt.p('accounts', aid, 'resources', esc(service), esc(region),
                     esc(typ), esc(rid))
        assert seen[arn] == [path]
        tags = {t['Key']: t['Value'] for t in r['Tags']}
        assert sorted(os.listdir(os.path.join(path, 'tags'))) == \
            sorted(esc(k) for k in tags)
        for k, v in tags.items():
            assert read(os.path.join(path, 'tags', esc(k))) == v + '\n'
        owner = resource_owner(org, r, aid)
        assert read(os.path.join(path, 'owner')) == (owner or '') + '\n'
        src = read(os.path.join(path, 'owner.source'))
        own = [k for k in ('Owner', 'Team') if tags.get(k, '').strip(WS)]
        if own:
            assert src == 'tag %s on resource %s\n' % (own[0], arn)
        else:
            assert src == read(mnt.p('accounts', aid, 'owner.source'))


def test_org_wide_views(mnt, fake, org):
    want = expected_resources(fake, org)
    comments, rows = tsv_rows(mnt.p('tables', 'resources.tsv'))
    assert not comments
    arns = [r[0] for r in rows]
    assert sorted(arns) == sorted(want) and len(arns) == len(set(arns))
    by_owner = {}
    for row in rows:
        arn, account, region, service, typ, owner = row
        aid, r = want[arn]
        s, reg, _, t, _ = arn_parts(arn)
        assert (account, region, service, typ) == (aid, reg, s, t)
        assert owner == (resource_owner(org, r, aid) or '')
        by_owner.setdefault(owner, []).append(arn)
    # services/<service>/<type>/resources.tsv: each resource once
    total = 0
    for service in os.listdir(mnt.p('services')):
        for typ in os.listdir(mnt.p('services', service)):
            _, srows = tsv_rows(mnt.p('services', service, typ, 'resources.tsv'))
            for row in srows:
                assert esc(row[3]) == service and esc(row[4]) == typ
            total += len(srows)
    assert total == len(want)
    # owners/<owner>/resources.tsv and tables/unowned_resources.tsv
    for owner, arns_of in by_owner.items():
        if owner:
            p = mnt.p('owners', esc(owner), 'resources.tsv')
        else:
            p = mnt.p('tables', 'unowned_resources.tsv')
        _, orows = tsv_rows(p)
        assert sorted(r[0] for r in orows) == sorted(arns_of)


def test_tags_view_has_resources(mnt, fake, org):
    want = expected_resources(fake, org)
    by_tag = {}
    for arn, (aid, r) in want.items():
        for t in r['Tags']:
            by_tag.setdefault((t['Key'], t['Value']), []).append(arn)
    for (k, v), arns in list(by_tag.items())[:25]:
        _, rows = tsv_rows(mnt.p('tags', esc(k), esc(v), 'resources.tsv'))
        assert sorted(r[0] for r in rows) == sorted(arns)


def test_denied_role_stays_local(fakeaws_factory):
    fake = fakeaws_factory(accounts=10, seed=22, resources=5,
                           regions=','.join(REGIONS))
    org = Org(fake.org())
    mgmt = fake.mgmt_account
    denied = [a for a in sorted(org.accounts)
              if a != mgmt and readable(org, a)][0]
    fake.control({'deny_assume_role': [denied]})
    with Mount(['--endpoint=' + fake.url, '-o', 'regions=' + ','.join(REGIONS)],
               env=aws_env(fake)) as m:
        with pytest.raises(OSError) as e:
            os.listdir(m.p('accounts', denied, 'resources'))
        assert e.value.errno == errno.EACCES
        comments, rows = tsv_rows(m.p('tables', 'resources.tsv'))
        assert comments == ['# incomplete: 1 account unreadable, see .orgfs/errors']
        want = expected_resources(fake, org, skip=[denied])
        assert sorted(r[0] for r in rows) == sorted(want)
        errors = read(m.p('.orgfs', 'errors'))
        assert denied in errors and 'AccessDenied' in errors
        # every other account still works
        for aid in want.values():
            pass
        other = [a for a in sorted(org.accounts) if a not in (denied,)
                 and readable(org, a)]
        for a in other:
            os.listdir(m.p('accounts', a, 'resources'))


def snapshot(mnt, dest):
    os.makedirs(dest)
    subprocess.run(['cp', '-a', mnt.p('accounts'), os.path.join(dest, 'accounts')],
                   check=True)
    subprocess.run(['cp', '-a', mnt.p('tables', 'resources.tsv'), dest], check=True)
    subprocess.run(['cp', '-a', mnt.p('services'), os.path.join(dest, 'services')],
                   check=True)


def test_throttling_same_tree(fakeaws_factory, tmp_path):
    fake = fakeaws_factory(accounts=8, seed=23, resources=5,
                           regions=','.join(REGIONS))
    args = ['--endpoint=' + fake.url, '-o',
            'regions=%s,max_attempts=10' % ','.join(REGIONS)]
    with Mount(args, env=aws_env(fake)) as m:
        snapshot(m, str(tmp_path / 'clean'))
    fake.control({'throttle_rate': 0.3})
    with Mount(args, env=aws_env(fake)) as m:
        snapshot(m, str(tmp_path / 'throttled'))
        throttles = [r for r in fake.requests() if r.get('fault') == 'throttle']
    assert throttles
    r = subprocess.run(['diff', '-r', '--no-dereference', str(tmp_path / 'clean'),
                        str(tmp_path / 'throttled')], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[:2000]


def script_org_calls(org):
    """The Organizations calls of tests/bench/user/resource_owners.py:
    every readable account's tags; for one without an owner ListParents,
    then each OU above it (tags and ListParents once each) until one
    names an owner."""
    calls = collections.Counter()
    known = set()
    for aid in org.accounts:
        if not readable(org, aid):
            continue
        cur = aid
        while cur and cur not in known:
            calls['ListTagsForResource'] += 1
            if cur not in org.accounts:
                known.add(cur)
            own = org.tags.get(cur, {})
            if any(own.get(k, '').strip(WS) for k in ('Owner', 'Team')):
                break
            if cur in org.roots:
                break
            calls['ListParents'] += 1
            cur = org.parent(cur)
    return calls


def test_resource_owners_ask_what_a_script_asks(fakeaws_factory):
    """cat tables/resources.tsv (issue 17.1, audit b): the owners of the
    resources without their own come from their accounts' tags and, only
    for an account without an owner, its parents (ListParents) as far as
    one names an owner: no walk of every OU (ListRoots, ListChildren,
    ListOrganizationalUnitsForParent) and no OU no account needs; never
    more Organizations calls than the script, none twice."""
    fake = fakeaws_factory(accounts=40, seed=31, resources=3,
                           regions=','.join(REGIONS))
    org = Org(fake.org())
    with Mount(['--endpoint=' + fake.url, '-o', 'regions=' + ','.join(REGIONS)],
               env=aws_env(fake)) as m:
        fake.clear_requests()
        _c, rows = tsv_rows(m.p('tables', 'resources.tsv'))
        calls = [r for r in fake.requests() if r.get('status') == 200 and
                 r.get('service') == 'organizations']
    want = expected_resources(fake, org)
    got = {row[0]: row[5] for row in rows}
    assert got == {arn: resource_owner(org, r, aid) or ''
                   for arn, (aid, r) in want.items()}
    ops = collections.Counter(r['op'] for r in calls)
    script = script_org_calls(org)
    print('orgfs %s; script %s' % (dict(ops), dict(script)))
    assert not {'ListRoots', 'ListChildren',
                'ListOrganizationalUnitsForParent'} & set(ops), ops
    assert ops['ListParents'] >= 1
    for op in ('ListTagsForResource', 'ListParents'):
        assert ops[op] <= script[op], (op, ops, script)
    seen = collections.Counter((r['op'], json.dumps(r.get('params'), sort_keys=True))
                               for r in calls)
    assert [k for k, n in seen.items() if n > 1] == []


def aggregator_index(fake, service):
    return fake._call('GET', '/_fake/index?service=%s' % service)


import pytest as _pytest  # noqa: E402


@_pytest.mark.parametrize('regions', ['listed', 'all'])
@_pytest.mark.parametrize('service', ['config', 'resource-explorer-2'])
def test_aggregator_has_never_tagged(fakeaws_factory, service, regions):
    """What the aggregator's index holds, once each; with regions=all
    (the default) the index's regions, and no account asked for its
    regions (issue 19.1)."""
    fake = fakeaws_factory(accounts=8, seed=24, resources=5,
                           regions=','.join(REGIONS))
    idx = aggregator_index(fake, service)
    want = {r['ResourceARN'] for r in idx['resources']}
    never = {r['ResourceARN'] for r in idx['resources'] if r.get('NeverTagged')}
    assert never, 'the index holds never-tagged resources'
    opt = ('config_aggregator=' + idx['config_aggregator'] if service == 'config'
           else 'resource_explorer_view=' + idx['resource_explorer_view'])
    fake.clear_requests()
    if regions == 'listed':
        opt = 'regions=%s,%s' % (','.join(REGIONS), opt)
    with Mount(['--endpoint=' + fake.url, '-o', opt],
               env=aws_env(fake)) as m:
        if regions == 'all':
            assert '\nregions\tall\n' in read(m.p('.orgfs', 'config'))
        comments, rows = tsv_rows(m.p('tables', 'resources.tsv'))
        assert not comments
        got = [r[0] for r in rows]
        assert sorted(got) == sorted(want) and len(got) == len(set(got))
        # a never-tagged resource has its place in its account's tree
        arn = sorted(never)[0]
        row = [r for r in rows if r[0] == arn][0]
        service_, region, _, typ, rid = arn_parts(arn)
        p = m.p('accounts', row[1], 'resources', esc(service_), esc(region),
                esc(typ), esc(rid))
        assert read(os.path.join(p, 'arn')) == arn + '\n'
        assert os.listdir(os.path.join(p, 'tags')) == []
    ops = {r['op'] for r in fake.requests()}
    assert 'AssumeRole' not in ops and 'GetResources' not in ops
    assert 'ListRegions' not in ops


def test_tag_policy_compliance_of_resources(mnt, fake, org):
    """Each resource's compliance shows what the tagging API says of it
    against the organization's tag policy (IncludeComplianceDetails)."""
    import botocore.session
    from botocore.config import Config
    mgmt = fake.mgmt_account
    s = botocore.session.Session()
    checked = failing = 0
    for aid in sorted(org.accounts):
        if not readable(org, aid):
            continue
        if aid == mgmt:
            creds = dict(aws_access_key_id=fake.root_key,
                         aws_secret_access_key=fake.root_secret)
        else:
            sts = s.create_client('sts', region_name='us-east-1',
                                  endpoint_url=fake.url,
                                  aws_access_key_id=fake.root_key,
                                  aws_secret_access_key=fake.root_secret)
            c = sts.assume_role(RoleArn='arn:aws:iam::%s:role/'
                                'OrganizationAccountAccessRole' % aid,
                                RoleSessionName='test')['Credentials']
            creds = dict(aws_access_key_id=c['AccessKeyId'],
                         aws_secret_access_key=c['SecretAccessKey'],
                         aws_session_token=c['SessionToken'])
        for region in REGIONS:
            tg = s.create_client('resourcegroupstaggingapi', region_name=region,
                                 endpoint_url=fake.url,
                                 config=Config(retries={'max_attempts': 1}),
                                 **creds)
            for page in tg.get_paginator('get_resources').paginate(
                    IncludeComplianceDetails=True):
                for r in page['ResourceTagMappingList']:
                    cd = r.get('ComplianceDetails', {})
                    want = ['policy tag-policy: noncompliant key: %s' % k
                            for k in cd.get('NoncompliantKeys', [])]
                    want += ['policy tag-policy: missing key: %s' % k
                             for k in cd.get('MissingTagKeys', [])]
                    want += ['policy tag-policy: noncompliant value: %s' % k
                             for k in cd.get('KeysWithNoncompliantValues', [])]
                    service, reg, _, typ, rid = arn_parts(r['ResourceARN'])
                    p = mnt.p('accounts', aid, 'resources', esc(service),
                              esc(reg), esc(typ), esc(rid), 'compliance')
                    assert sorted(read(p).splitlines()) == sorted(want), p
                    checked += 1
                    failing += bool(want)
    assert checked and failing
