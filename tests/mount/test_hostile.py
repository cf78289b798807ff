"""Hostile data from the endpoint (issue 18, points 2, 3 and 6).

The fake serves identifiers, ARNs and strings no real endpoint would
(tests/fakeaws/orggen.py, mutate's raw_* keys).  What must hold:
- no symlink of the tree resolves outside the mount (readlink -m stays
  under the mountpoint) and none dangles;
- one bad record is left out and named in .orgfs/errors, and the rest of
  its listing stays readable, the table marked incomplete;
- a resource whose ARN names an account outside the organization is one
  row, under an account of the organization, and reported;
- by-name/ has exactly one entry per account;
- a large policy is rendered once per data version, not once per read.
"""
import json
import os

import pytest

from fixture import FakeAWS
from orgfsmount import Mount, aws_env, status, wait_for

HOSTILE_ACCOUNT_IDS = ['../../../tmp', 'a/b/c', '..', '.', '', '12345678901/',
                       '1234567890123', '/etc/passwd', '..\\..', '12345678901\n',
                       'ou-ab12-abcdefgh']
HOSTILE_OU_IDS = ['../../../tmp', 'ou-ab12-../../x', 'ou-..', 'r-ab12/..']
HOSTILE_POLICY_IDS = ['p-../../../etc', 'p-abc/defgh', '../p-abcdefgh']


def hostile_spec(root):
    """Every hostile identifier as an account, OU or policy of the fake,
    each with a valid sibling that must stay visible."""
    return {
        'raw_accounts': [{'Id': i, 'Name': 'evil %d' % n}
                         for n, i in enumerate(HOSTILE_ACCOUNT_IDS)] +
                        [{'Id': '210987654321', 'Name': '../../escape',
                          'Arn': 'arn:aws:organizations::111111111111:account/../../x'},
                         {'Id': '210987654322', 'Name': 'fine sibling'},
                         # left out of ListAccounts (a NUL byte in Email),
                         # listed by ListChildren and ListTargetsForPolicy
                         {'Id': '210987654323', 'Name': 'nul in email',
                          'Email': 'a\u0000@example.com'},
                         # valid, inside an OU that is left out
                         {'Id': '210987654324', 'Name': 'in a bad ou',
                          'ParentId': HOSTILE_OU_IDS[1]}],
        'raw_ous': [{'Id': i, 'Name': 'evil ou %d' % n, 'ParentId': root}
                    for n, i in enumerate(HOSTILE_OU_IDS)],
        'raw_policies': [{'Id': i, 'Name': 'evil policy %d' % n,
                          'Targets': ['210987654322']}
                         for n, i in enumerate(HOSTILE_POLICY_IDS)] +
                        # a valid policy whose targets the listings left
                        # out (bad Arn) or that claim the wrong Type
                        [{'Id': 'p-targetsleft', 'Name': 'targets left out',
                          'Targets': ['210987654321', '210987654322',
                                      '210987654323', root]}],
    }


def mount_args(fake, *extra):
    return ['--endpoint=' + fake.url, '-o', 'regions=us-east-1,eu-west-1'] + \
        list(extra)


def read(m, *parts):
    with open(m.p(*parts), errors='replace') as fh:
        return fh.read()


def errors(m):
    return read(m, '.orgfs', 'errors')


def walk_links(top):
    """Every symlink under top, without following any."""
    for d, dirs, files in os.walk(top):
        for n in dirs + files:
            p = os.path.join(d, n)
            if os.path.islink(p):
                yield p


def check_links(m, subtrees):
    """No link under the subtrees resolves outside m or dangles."""
    root = os.path.realpath(m.path)
    seen = 0
    for sub in subtrees:
        for link in walk_links(m.p(sub)):
            target = os.readlink(link)
            # readlink -m: resolved lexically from the link's directory
            resolved = os.path.normpath(os.path.join(os.path.dirname(link),
                                                     target))
            assert resolved.startswith(root + os.sep), (link, target)
            assert os.path.exists(link), 'dangling: %s -> %s' % (link, target)
            seen += 1
    return seen


@pytest.fixture
def fake():
    f = FakeAWS(accounts=6, seed=18, resources=3)
    yield f
    f.stop()


def test_hostile_ids_never_leave_the_mount(fake):
    root = fake.org()['roots'][0]['Id']
    fake.mutate(hostile_spec(root))
    with Mount(mount_args(fake, '-o', 'resources=off'),
               env=aws_env(fake)) as m:
        # first what the issue saw: by-name/ links out of the mount
        check_links(m, ['by-name'])
        accounts = os.listdir(m.p('accounts'))
        assert '210987654322' in accounts
        for bad in HOSTILE_ACCOUNT_IDS:
            assert bad not in accounts
        names = os.listdir(m.p('by-name'))
        assert 'fine sibling' in names
        assert not any(n.startswith('evil ') for n in names)
        # the account with a bad Arn is left out whole, its name escaped
        # or not: it is no entry at all
        assert '%2E.%2F..%2Fescape' not in names
        for ou in HOSTILE_OU_IDS:
            assert ou not in os.listdir(m.p('ous'))
        pols = os.listdir(m.p('policies'))
        assert pols, 'the valid policies went with the bad ones'
        for p in HOSTILE_POLICY_IDS:
            assert p not in pols
        assert sorted(os.listdir(m.p('policies', 'p-targetsleft', 'targets'))) \
            == sorted(['210987654322', root])
        # its OU left out, an account has no parent link (every name an
        # account's directory lists can be stat'ed)
        assert '210987654324' in accounts
        assert 'parent' in os.listdir(m.p('accounts', '210987654322'))
        listed = os.listdir(m.p('accounts', '210987654324'))
        assert 'parent' not in listed
        for n in listed:
            os.lstat(m.p('accounts', '210987654324', n))
        assert check_links(m, ['by-name', 'ous', 'tree', 'accounts',
                               'policies']) > 10
        tsv = read(m, 'accounts.tsv') if os.path.exists(m.p('accounts.tsv')) \
            else read(m, 'tables', 'accounts.tsv')
        # the header first, the mark second (orgfs(1), TABLES)
        assert tsv.splitlines()[1].startswith('# incomplete: '), tsv[:200]
        err = errors(m)
        assert 'SkippedRecord' in err
        assert 'not an account id (12 digits)' in err
        assert 'not an OU id' in err
        assert 'not a policy id' in err
        assert "../../../tmp" in err
        assert 'not an ARN of AWS Organizations' in err


def test_one_bad_record_spoils_nothing_else(fake):
    org = fake.org()
    acct = sorted(a['Id'] for a in org['accounts'])[1]
    pol = org['policies'][-1]['Id']
    fake.mutate({
        'raw_policies': [{'Id': 'p-nulinname', 'Name': 'nul\u0000here'}],
        'raw_resources': {acct: [{'ResourceARN': 'arn:aws:ec2:us-east-1:' +
                                  acct + ':', 'Region': 'us-east-1'},
                                 {'ResourceARN': 'not-an-arn',
                                  'Region': 'us-east-1'}]},
    })
    with Mount(mount_args(fake), env=aws_env(fake)) as m:
        pols = os.listdir(m.p('policies'))
        assert pol in pols and 'p-nulinname' not in pols
        assert read(m, 'policies', pol, 'name').strip()
        # the account's resources: every valid one, the bad two left out
        svcs = os.listdir(m.p('accounts', acct, 'resources'))
        assert 'ec2' in svcs and svcs, svcs
        want = {r['ResourceARN'] for r in fake.resources(acct, 'us-east-1')
                if r['ResourceARN'].count(':') >= 5
                and not r['ResourceARN'].endswith(':')}
        tsv = read(m, 'resources.tsv') if os.path.exists(m.p('resources.tsv')) \
            else read(m, 'tables', 'resources.tsv')
        lines = tsv.splitlines()
        assert lines[1] == '# incomplete: 2 records left out, see .orgfs/errors'
        got = {ln.split('\t')[0] for ln in lines[2:]
               if ln.split('\t')[1] == acct}
        assert want <= got
        err = errors(m)
        assert 'NUL byte' in err and 'p-nulinname' not in pols
        assert 'resource ARN is not valid: not-an-arn' in err
        assert '/accounts/%s/resources (us-east-1)' % acct in err


def test_foreign_arn_is_one_row_and_reported(fake):
    org = fake.org()
    ids = sorted(a['Id'] for a in org['accounts'])
    foreign = 'arn:aws:ec2:us-east-1:999999999999:instance/i-0f0e1e2e3e4e5e6e7'
    # an ARN of another account of the organization, listed by ids[0]
    cross = 'arn:aws:ec2:us-east-1:%s:instance/i-0c0c0c0c0c0c0c0c0' % ids[3]
    fake.mutate({'raw_resources': {
        '*': [{'ResourceARN': foreign, 'Region': 'us-east-1'}],
        ids[0]: [{'ResourceARN': cross, 'Region': 'us-east-1'}]}})
    with Mount(mount_args(fake), env=aws_env(fake)) as m:
        tsv = read(m, 'resources.tsv') if os.path.exists(m.p('resources.tsv')) \
            else read(m, 'tables', 'resources.tsv')
        rows = [ln.split('\t') for ln in tsv.splitlines()
                if not ln.startswith('#')][1:]
        assert not any(r[1] == '999999999999' for r in rows)
        mine = [r for r in rows if r[0] == foreign]
        assert len(mine) == 1, mine
        assert mine[0][1] in ids
        assert mine[0][1] == [i for i in ids
                              if org_readable(org, i)][0]
        cr = [r for r in rows if r[0] == cross]
        assert len(cr) == 1 and cr[0][1] == ids[3], cr
        err = errors(m)
        assert 'ForeignResource' in err and foreign in err
        assert '999999999999' not in os.listdir(m.p('accounts'))


def org_readable(org, aid):
    a = [x for x in org['accounts'] if x['Id'] == aid][0]
    return a.get('State', a.get('Status')) not in ('SUSPENDED', 'CLOSED')


def test_by_name_one_entry_per_account(fake):
    ids = sorted(a['Id'] for a in fake.org()['accounts'])
    a1, a2, a3, a4, a5 = ids[1:6]
    long_name = 'long name ' * 150        # 1500 bytes: no entry is cut
    fake.mutate({'account': {a1: {'Name': 'dup'}, a2: {'Name': 'dup'},
                             a3: {'Name': 'dup (%s)' % a1},
                             a4: {'Name': 'solo (%s)' % a4},
                             a5: {'Name': long_name}}})
    with Mount(mount_args(fake, '-o', 'resources=off'),
               env=aws_env(fake)) as m:
        names = os.listdir(m.p('by-name'))
        assert len(names) == len(ids), names
        targets = {os.readlink(m.p('by-name', n)) for n in names}
        assert targets == {'../accounts/' + i for i in ids}
        assert 'dup (%s)' % a1 in names and 'dup (%s)' % a2 in names
        assert 'dup (%s) (%s)' % (a1, a3) in names
        assert 'solo (%s) (%s)' % (a4, a4) in names
        for n in names:
            assert os.path.isdir(m.p('by-name', n))
        # tree/ names the same way, whatever their length
        assert check_links(m, ['by-name', 'tree']) >= 2 * len(ids)


def big_policy(n_statements):
    return json.dumps({'Version': '2012-10-17', 'Statement': [
        {'Sid': 'S%d' % i, 'Effect': 'Deny', 'Action': ['s3:Get*', 'ec2:Run*'],
         'Resource': 'arn:aws:s3:::bucket-%d/*' % i}
        for i in range(n_statements)]})


def test_large_policy_rendered_once(fake):
    content = big_policy(75000)
    assert len(content) > 8 << 20
    huge = '{"a": "%s"}' % ('x' * (17 << 20))
    fake.mutate({'raw_policies': [
        {'Id': 'p-bigpolicy8mb', 'Name': 'big', 'Content': content},
        {'Id': 'p-hugepolicy17', 'Name': 'huge', 'Content': huge}]})
    with Mount(mount_args(fake, '-o', 'resources=off'),
               env=aws_env(fake)) as m:
        path = m.p('policies', 'p-bigpolicy8mb', 'content.json')
        first = read(m, 'policies', 'p-bigpolicy8mb', 'content.json')
        assert json.loads(first) == json.loads(content)
        renders = int(status(m)['json_renders'])
        for _ in range(5):
            assert os.stat(path).st_size == len(first.encode())
            assert read(m, 'policies', 'p-bigpolicy8mb',
                        'content.json') == first
        assert int(status(m)['json_renders']) == renders
        # over the cap: a clear error, named in .orgfs/errors
        with pytest.raises(OSError) as e:
            read(m, 'policies', 'p-hugepolicy17', 'content.json')
        assert e.value.errno == 27  # EFBIG
        err = errors(m)
        assert 'DocumentTooLarge' in err and 'p-hugepolicy17' in err
        assert "limit of 16 MiB" in err
