"""-o regions=all (the AWS source's default): each account's enabled
regions from account:ListRegions, over a fake whose accounts enable
different opt-in regions; explicit regions= lists; a region whose
listing fails is named and marks the tables incomplete."""
import os

import pytest

from expected import Org
from orgfsmount import Mount, aws_env, wait_for
from test_resources import read, readable

# us-east-1 and eu-west-1 are enabled by default everywhere; ap-east-1 and
# me-south-1 are opt-in regions (tests/fakeaws/orggen.py OPT_IN_REGIONS)
REGIONS = ['us-east-1', 'eu-west-1', 'ap-east-1', 'me-south-1']
GLOBAL_ARN = 'arn:aws:iam::%s:role/listed-in-every-region'


@pytest.fixture(scope='module')
def fake():
    from fixture import FakeAWS
    f = FakeAWS(accounts=8, seed=33, resources=4, regions=','.join(REGIONS))
    org = Org(f.org())
    members = sorted(a for a in org.accounts if a != f.mgmt_account)
    # ap-east-1 enabled in two members, me-south-1 opted out everywhere
    f.mutate({'opt_in': {'ap-east-1': members[:2], 'me-south-1': []}})
    # a global resource that every region's listing of an account returns
    # (AWS may list one in more than one region): shown once, as global
    f.mutate({'raw_resources': {members[0]: [
        {'ResourceARN': GLOBAL_ARN % members[0],
         'Tags': {'Owner': 'everywhere'}}]}})
    yield f
    f.stop()


@pytest.fixture(scope='module')
def org(fake):
    return Org(fake.org())


def enabled(fake, org, aid):
    optin = set(members_with_ap_east(fake, org))
    return [r for r in REGIONS
            if r in ('us-east-1', 'eu-west-1') or (r == 'ap-east-1' and aid in optin)]


def members_with_ap_east(fake, org):
    return sorted(a for a in org.accounts if a != fake.mgmt_account)[:2]


def union(fake, org, regions_of):
    out = {}
    for aid in sorted(org.accounts):
        if not readable(org, aid):
            continue
        for region in regions_of(aid):
            for r in fake.resources(aid, region):
                out[r['ResourceARN']] = (aid, region)
    return out


def tsv(path):
    lines = read(path).splitlines()
    comments = [ln for ln in lines if ln.startswith('#')]
    rows = [ln.split('\t') for ln in lines if not ln.startswith('#')][1:]
    return comments, rows


def test_default_is_every_enabled_region(fake, org):
    want = union(fake, org, lambda a: enabled(fake, org, a))
    opted_out = union(fake, org, lambda a: ['me-south-1'])
    # (what the fake would list there of the global one is listed elsewhere)
    opted_out.pop(GLOBAL_ARN % members_with_ap_east(fake, org)[0])
    assert opted_out and any(r == 'ap-east-1' for _, r in want.values())
    fake.clear_requests()
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake)) as m:
        config = read(m.p('.orgfs', 'config'))
        assert '\nregions\tall\n' in config
        # where the region lists come from
        assert '\nendpoint_account\t' + fake.url in config
        comments, rows = tsv(m.p('tables', 'resources.tsv'))
        assert not comments, comments
        got = {r[0]: (r[1], r[2] if r[2] != 'global' else 'us-east-1')
               for r in rows}
        assert sorted(got) == sorted(want)
        # no resource twice: a global one listed in three regions is once
        assert len(rows) == len(got), 'a row twice'
        aid = members_with_ap_east(fake, org)[0]
        arn = GLOBAL_ARN % aid
        assert [r[1:3] for r in rows if r[0] == arn] == [[aid, 'global']]
        assert sum(1 for q in fake.requests() if q.get('op') ==
                   'GetResources' and q.get('account') == aid) >= 3
        assert not set(got) & set(opted_out)
        # one region list per readable account, none in a region not enabled
        reqs = fake.requests()
        lists = [q for q in reqs if q.get('op') == 'ListRegions']
        readable_n = sum(1 for a in org.accounts if readable(org, a))
        assert len(lists) == readable_n
        assert not [q for q in reqs if q.get('op') == 'GetResources'
                    and q.get('region') == 'me-south-1']
        assert "Regions:     all: each account's enabled regions" in \
            read(m.p('README'))
        # the per-account tree lists the account's enabled regions
        regs = set()
        for svc in os.listdir(m.p('accounts', aid, 'resources')):
            regs |= set(os.listdir(m.p('accounts', aid, 'resources', svc)))
        assert 'ap-east-1' in regs and 'me-south-1' not in regs
        # the global resource once, under global
        iam = m.p('accounts', aid, 'resources', 'iam')
        assert 'global' in os.listdir(iam)
        found = [os.path.relpath(os.path.join(d, name), iam)
                 for d, dirs, _ in os.walk(iam) for name in dirs
                 if name == 'listed-in-every-region']
        assert found == ['global/role/listed-in-every-region'], found


def test_explicit_regions_still_work(fake, org):
    want = union(fake, org, lambda a: ['eu-west-1'])
    with Mount(['--endpoint=' + fake.url, '-o', 'regions=eu-west-1'],
               env=aws_env(fake)) as m:
        assert '\nregions\teu-west-1\n' in read(m.p('.orgfs', 'config'))
        assert 'Regions:     eu-west-1 (-o regions' in read(m.p('README'))
        comments, rows = tsv(m.p('tables', 'resources.tsv'))
        assert not comments
        assert sorted(r[0] for r in rows) == sorted(want)


def test_failing_region_is_named_and_incomplete(fake, org):
    aid = members_with_ap_east(fake, org)[1]
    fake.control({'fail_regions': [{'region': 'ap-east-1', 'account': aid}]})
    try:
        with Mount(['--endpoint=' + fake.url, '-o', 'max_attempts=1'],
                   env=aws_env(fake)) as m:
            comments, rows = tsv(m.p('tables', 'resources.tsv'))
            assert any('incomplete' in c for c in comments), comments
            errors = read(m.p('.orgfs', 'errors'))
            assert aid in errors and 'ap-east-1' in errors, errors
            # the other regions of that account are still there
            assert any(r[1] == aid and r[2] == 'eu-west-1' for r in rows)
    finally:
        fake.control({'fail_regions': None})


def test_all_in_a_list_is_refused(fake):
    from test_badinput import env_for, refuse
    refuse(['--endpoint=' + fake.url, '-o', 'regions=all,eu-west-1'],
           env_for(fake), ['invalid regions', "'all' stands alone"])


def test_demo_regions_all_is_its_two_regions():
    with Mount(['--demo=20']) as m:
        want = sorted(read(m.p('tables', 'resources.tsv')).splitlines())
    with Mount(['--demo=20', '-o', 'regions=all']) as m:
        assert '\nregions\tall\n' in read(m.p('.orgfs', 'config'))
        # the same rows; each account's regions in name order
        assert sorted(read(m.p('tables', 'resources.tsv')).splitlines()) == want


def test_failing_region_list_leaves_the_account_out_named(fake, org):
    fake.control({'fail_page': {'op': 'ListRegions', 'service': 'account',
                                'status': 400, 'code': 'AccessDeniedException',
                                'message': 'not authorized: account:ListRegions',
                                'times': 1}})
    try:
        with Mount(['--endpoint=' + fake.url, '-o', 'max_attempts=1'],
                   env=aws_env(fake)) as m:
            comments, rows = tsv(m.p('tables', 'resources.tsv'))
            assert any('incomplete' in c and '1 account' in c
                       for c in comments), comments
            errors = read(m.p('.orgfs', 'errors'))
            assert 'AccessDeniedException' in errors and \
                'resources (regions)' in errors, errors
            # every other readable account is there
            accounts = {r[1] for r in rows}
            readable_n = sum(1 for a in org.accounts if readable(org, a))
            assert len(accounts) == readable_n - 1
    finally:
        fake.control({'fail_page': None})


def test_region_lists_have_their_own_ttl(fake, org):
    """ttl_regions apart from ttl_resources: the listings are read again
    once theirs expires while the region lists are kept, and the other way
    round."""
    def calls(op):
        return sum(1 for q in fake.requests() if q.get('op') == op)

    def reread(m, op, before):
        """resources.tsv read until a new op call was made"""
        def again():
            read(m.p('tables', 'resources.tsv'))
            return calls(op) > before
        wait_for(again, timeout=30, interval=0.2, what='%s asked again' % op)

    readable_n = sum(1 for a in org.accounts if readable(org, a))
    for short, kept in (('ttl_resources', 'ttl_regions'),
                        ('ttl_regions', 'ttl_resources')):
        fake.clear_requests()
        with Mount(['--endpoint=' + fake.url, '-o',
                    '%s=1,%s=3600,ttl=3600' % (short, kept)],
                   env=aws_env(fake)) as m:
            read(m.p('tables', 'resources.tsv'))
            lists, listings = calls('ListRegions'), calls('GetResources')
            assert lists == readable_n and listings > 0
            if short == 'ttl_resources':
                reread(m, 'GetResources', listings)
                assert calls('ListRegions') == lists, 'region lists asked again'
            else:
                reread(m, 'ListRegions', lists)
                assert calls('GetResources') == listings, \
                    'listings read again'
