"""Who can act in each account: IAM Identity Center assignments through a
real mount of the fake (issue 20): accounts/<id>/access{,.tsv},
owner_has_access, access/, owners/<owner>/access.tsv."""
import collections
import errno
import json
import os
import subprocess

import pytest

from expected import esc
from fixture import FakeAWS
from orgfsmount import ORGFS, Mount, aws_env, status

# no client-side limit: the fake answers at once (the throttled test keeps it)
ARGS = ['-o', 'resources=off', '-o', 'rate_organizations=1000']
FAST = ['-o', 'rate_sso_admin=0', '-o', 'rate_identitystore=0']


def read(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as fh:
        return fh.read()


def rows(path):
    """A TSV file's rows after its header (and its incompleteness mark), as
    tuples."""
    lines = read(path).splitlines()
    assert lines, path
    return [tuple(line.split('\t')) for line in lines[1:] if not line.startswith('# ')]


def expected(access, names=True):
    """[(account, permission set, GROUP|USER, name, id)] the fake holds,
    sorted; with names False the ids stand for the names."""
    ps = {p['PermissionSetArn']: p['Name'] for p in access['permission_sets']}
    who = {g['GroupId']: g['DisplayName'] for g in access['groups']}
    who.update({u['UserId']: u['UserName'] for u in access['users']})
    return sorted((a['AccountId'], ps[a['PermissionSetArn']], a['PrincipalType'],
                   who[a['PrincipalId']] if names else a['PrincipalId'],
                   a['PrincipalId']) for a in access['assignments'])


def labels(want):
    """The file name of each (type, id): its name escaped, with " (<id>)"
    where two principals of a type share the name (orgfs(1))."""
    ids = {}
    for _, _, t, n, i in want:
        ids.setdefault((t, n), set()).add(i)
    return {(t, i): esc(n if len(ids[(t, n)]) == 1 else '%s (%s)' % (n, i))
            for _, _, t, n, i in want}


def mount(fake, *extra, fast=True):
    return Mount(['--endpoint=' + fake.url] + ARGS + (FAST if fast else []) + list(extra),
                 env=aws_env(fake))


def account_ids(fake):
    return sorted(a['Id'] for a in fake.org()['accounts'])


def tree_rows(m, accounts):
    """What the tree shows, four ways, each as sorted assignment tuples."""
    tsv, links, by_principal, by_owner = [], [], [], []
    for a in accounts:
        tsv += [(a,) + r for r in rows(m.p('accounts', a, 'access.tsv'))]
        base = m.p('accounts', a, 'access')
        for ps in os.listdir(base):
            for kind, typ in (('groups', 'GROUP'), ('users', 'USER')):
                d = os.path.join(base, ps, kind)
                for name in os.listdir(d):
                    link = os.path.join(d, name)
                    assert os.readlink(link) == '../../../../../access/%s/%s' % (kind, name)
                    assert os.path.isdir(link), link
                    links.append((a, ps, typ, name))
    for kind, typ in (('groups', 'GROUP'), ('users', 'USER')):
        for name in os.listdir(m.p('access', kind)):
            for acct, _, ps, pid in rows(m.p('access', kind, name, 'accounts.tsv')):
                by_principal.append((acct, ps, typ, name, pid))
    for owner in os.listdir(m.p('owners')):
        for r in rows(m.p('owners', owner, 'access.tsv')):
            by_owner.append((owner,) + r)
    return sorted(tsv), sorted(links), sorted(by_principal), sorted(by_owner)


@pytest.fixture(scope='module')
def fake():
    f = FakeAWS(accounts=30, seed=7)
    yield f
    f.stop()


def test_every_assignment_once_in_every_view(fake):
    access = fake.access()
    want = expected(access)
    assert any(w[2] == 'USER' for w in want) and any(w[2] == 'GROUP' for w in want)
    accounts = account_ids(fake)
    with mount(fake) as m:
        tsv, links, by_principal, by_owner = tree_rows(m, accounts)
        assert tsv == want
        # the JSON Lines twin holds the same rows, exact
        import json
        twin = []
        for a in accounts:
            with open(m.p('accounts', a, 'access.jsonl')) as fh:
                twin += [(a, r['permission_set'], r['principal_type'], r['principal_name'],
                          r['principal_id']) for r in map(json.loads, fh)]
        assert sorted(twin) == want
        lab = labels(want)
        assert any(v.endswith(')') for v in lab.values()), 'no two groups share a name'
        assert links == sorted((a, ps, t, lab[(t, i)]) for a, ps, t, _, i in want)
        assert by_principal == sorted((a, ps, t, lab[(t, i)], i) for a, ps, t, _, i in want)
        owners = {a: read(m.p('accounts', a, 'owner')).rstrip('\n') for a in accounts}
        groups = {g['DisplayName'] for g in access['groups']}
        want_owner = []
        for a, ps, t, n, i in want:
            if owners[a]:
                has = any(w[0] == a and w[2] == 'GROUP' and w[3] == owners[a] for w in want)
                want_owner.append((esc(owners[a]), a, m_name(m, a), 'yes' if has else 'no',
                                   ps, t, n, i))
        assert by_owner == sorted(want_owner)
        # owner_has_access: the owner's group (named like it) holds something there
        seen = set()
        for a in accounts:
            got = read(m.p('accounts', a, 'owner_has_access')).rstrip('\n')
            if not owners[a]:
                want_has = 'unknown'
            elif any(w[0] == a and w[2] == 'GROUP' and w[3] == owners[a] for w in want):
                want_has = 'yes'
            else:
                want_has = 'no'
            assert got == want_has, (a, owners[a], owners[a] in groups)
            seen.add(got)
        assert {'yes', 'no'} <= seen
        # the permission sets, from the fake's own
        psets = {p['Name']: p for p in access['permission_sets']}
        assert sorted(os.listdir(m.p('access', 'permission-sets'))) == sorted(psets)
        for name, p in psets.items():
            d = m.p('access', 'permission-sets', name)
            assert read(os.path.join(d, 'arn')) == p['PermissionSetArn'] + '\n'
            assert read(os.path.join(d, 'description')) == p.get('Description', '') + '\n'
            assert read(os.path.join(d, 'session_duration')) == p['SessionDuration'] + '\n'
            assert read(os.path.join(d, 'managed_policies')).split() == \
                sorted(x['Arn'] for x in p['ManagedPolicies'])
            inline = read(os.path.join(d, 'inline_policy.json'))
            if p['InlinePolicy']:
                import json
                assert json.loads(inline) == json.loads(p['InlinePolicy'])
            else:
                assert inline == 'none\n'
            where = sorted({w[0] for w in want if w[1] == name})
            assert sorted(os.listdir(os.path.join(d, 'accounts'))) == where
            for a in where:
                link = os.path.join(d, 'accounts', a)
                assert os.readlink(link) == '../../../../accounts/' + a
                assert os.path.isdir(link)
        assert read(m.p('access', 'instance')) == access['instance']['InstanceArn'] + '\n'


def m_name(m, account):
    return read(m.p('accounts', account, 'name')).rstrip('\n')


def test_owner_groups_file_maps_owners_to_groups(fake, tmp_path):
    want = expected(fake.access())
    accounts = account_ids(fake)
    # every owner value there is (the fake's tags) answered by break-glass
    values = {t.get('Owner') for t in fake.org()['tags'].values()} - {None, ''}
    f = tmp_path / 'groups'
    f.write_text('# owner -> group\n' + ''.join('%s\tbreak-glass\n' % o for o in sorted(values)))
    with mount(fake, '-o', 'owner_groups=%s' % f) as m:
        seen = set()
        for a in accounts:
            owner = read(m.p('accounts', a, 'owner')).rstrip('\n')
            has = any(w[0] == a and w[3] == 'break-glass' for w in want)
            got = read(m.p('accounts', a, 'owner_has_access')).rstrip('\n')
            if owner in values:
                assert got == ('yes' if has else 'no'), a
                seen.add(got)
        assert seen == {'yes', 'no'}


def test_bad_owner_groups_file_is_one_clear_error(fake, tmp_path):
    f = tmp_path / 'groups'
    f.write_text('payments\n')
    mnt = tmp_path / 'mnt'
    mnt.mkdir()
    p = subprocess.run([ORGFS, '-f', '--endpoint=' + fake.url, '-o', 'owner_groups=%s' % f,
                        str(mnt)], env=aws_env(fake), capture_output=True, text=True,
                       timeout=30)
    assert p.returncode != 0
    assert "owner groups file '%s' line 1: no tab" % f in p.stderr


def test_without_identity_center_none_and_nothing_fails():
    with FakeAWS(accounts=12, seed=3, config_json={'sso_enabled': False}) as f:
        accounts = account_ids(f)
        with mount(f) as m:
            assert read(m.p('access', 'instance')) == 'none\n'
            for d in ('permission-sets', 'groups', 'users'):
                assert os.listdir(m.p('access', d)) == []
            # one-value files say none; tables are their header alone
            # (orgfs(1) TABLES: the first line is always the header)
            for a in accounts:
                assert read(m.p('accounts', a, 'access.tsv')) == \
                    'permission_set\tprincipal_type\tprincipal_name\tprincipal_id\n'
                assert read(m.p('accounts', a, 'owner_has_access')) == 'none\n'
                assert os.listdir(m.p('accounts', a, 'access')) == []
            for o in os.listdir(m.p('owners')):
                assert read(m.p('owners', o, 'access.tsv')).count('\n') == 1
            errors = read(m.p('.orgfs', 'errors')).splitlines()[1:]
            assert not [e for e in errors if 'sso' in e or 'identitystore' in e], errors


def test_identitystore_denied_names_fall_back_to_ids():
    with FakeAWS(accounts=12, seed=5, config_json={'identitystore_denied': True}) as f:
        want = expected(f.access(), names=False)
        accounts = account_ids(f)
        with mount(f) as m:
            tsv, links, by_principal, _ = tree_rows(m, accounts)
            assert tsv == want
            assert links == sorted((a, ps, t, i) for a, ps, t, _, i in want)
            for a in accounts:
                assert read(m.p('accounts', a, 'owner_has_access')) == 'unknown\n'
            errors = [e for e in read(m.p('.orgfs', 'errors')).splitlines()
                      if 'identitystore:Describe' in e]
            assert errors, read(m.p('.orgfs', 'errors'))
            assert all('AccessDeniedException' in e for e in errors), errors
            # the org-wide listing says what it did; an account's own
            # files name the refusal under their path
            assert any('\t/access\t' in e and 'names of groups and users are their ids' in e
                       for e in errors), errors


def snapshot(m, accounts):
    """Every file and link of the access tree, path -> content or target."""
    out = {}
    for top in [m.p('access')] + [m.p('accounts', a, 'access') for a in accounts]:
        for d, dirs, files in os.walk(top):
            for n in files:
                p = os.path.join(d, n)
                out[p[len(m.path):]] = os.readlink(p) if os.path.islink(p) else read(p)
            for n in dirs:
                p = os.path.join(d, n)
                if os.path.islink(p):
                    out[p[len(m.path):]] = os.readlink(p)
    for a in accounts:
        for n in ('access.tsv', 'owner_has_access'):
            out['/accounts/%s/%s' % (a, n)] = read(m.p('accounts', a, n))
    return out


def test_sso_admin_throttled_tree_identical(fake):
    accounts = account_ids(fake)
    with mount(fake) as m:
        clean = snapshot(m, accounts)
    fake.control({'throttle_rate': {'sso-admin': 0.3}})
    fake.clear_requests()
    try:
        # as test_faults: limits high, attempts many (what is tested is
        # that every throttled call is retried, not the limiter's pace)
        with mount(fake, '-o', 'max_attempts=8,rate_sso_admin=1000,rate_identitystore=1000',
                   fast=False) as m:
            assert snapshot(m, accounts) == clean
        throttled = [r for r in fake.requests(service='sso-admin') if r.get('fault') == 'throttle']
        assert throttled, 'the fake throttled nothing'
    finally:
        fake.control({'throttle_rate': 0.0})


def demo_access(seed):
    with Mount(['--demo=60', '-o', 'seed=%d' % seed]) as m:
        accounts = sorted(os.listdir(m.p('accounts')))
        return snapshot(m, accounts), {
            a: read(m.p('accounts', a, 'owner')).rstrip('\n') for a in accounts}


def test_demo_has_the_same_data_deterministic():
    snap, owners = demo_access(1)
    again, _ = demo_access(1)
    assert snap == again
    assert demo_access(2)[0] != snap
    has = [snap['/accounts/%s/owner_has_access' % a].strip() for a in owners]
    # owners whose group can log in, owners with no access, accounts without
    # an owner; permission sets held by users directly
    assert {'yes', 'no', 'unknown'} <= set(has)
    assert any('\tUSER\t' in snap['/accounts/%s/access.tsv' % a] for a in owners)
    assert snap['/access/instance'].startswith('arn:aws:sso:::instance/ssoins-')


def test_bad_assignment_left_out_and_named():
    """An assignment whose principal id or type is not of AWS's form is left
    out, named in .orgfs/errors, and the tables say they are incomplete; the
    rest is there."""
    bad = [{'PrincipalType': 'GROUP', 'PrincipalId': '../../../etc'},
           {'PrincipalType': 'ROLE', 'PrincipalId': 'abc'}]
    with FakeAWS(accounts=6, seed=5, config_json={'sso_raw_assignments': bad}) as f:
        want = expected(f.access())
        accounts = account_ids(f)
        with mount(f) as m:
            for a in accounts:
                p = m.p('accounts', a, 'access.tsv')
                lines = read(p).splitlines()
                assert lines[1].startswith('# incomplete: ') and \
                    lines[1].endswith(' left out, see .orgfs/errors'), lines[1]
                assert os.getxattr(p, 'user.orgfs.incomplete') == b'1'
                got = sorted((a,) + tuple(x.split('\t')) for x in lines[2:])
                assert got == [w for w in want if w[0] == a]
            assert '..' not in ''.join(os.listdir(m.p('access', 'groups')))
            errors = read(m.p('.orgfs', 'errors'))
            assert "'../../../etc'" in errors and 'SkippedRecord' in errors, errors


def members_of(access, names=True):
    """group id -> the members file's lines: each member's UserName (its id
    when the store does not know it, or with names False), sorted by name
    then id."""
    users = {u['UserId']: u['UserName'] for u in access['users']}
    out = {}
    for g, ids in access['memberships'].items():
        named = [(users.get(u, u) if names else u, u) for u in ids]
        out[g] = [n for n, _ in sorted(named)]
    return out


def group_labels(access):
    """group id -> its directory's name under access/groups/"""
    lab = labels(expected(access))
    return {i: lab[(t, i)] for (t, i) in lab if t == 'GROUP'}


def test_group_members_on_demand(fake):
    access = fake.access()
    want = members_of(access)
    dirs = group_labels(access)
    assert any(len(v) > 1 for v in want.values())
    users = {u['UserId'] for u in access['users']}
    assert any(u not in users for v in access['memberships'].values() for u in v), \
        'no member the store has deleted'
    with mount(fake) as m:
        fake.clear_requests()
        os.listdir(m.p('access', 'groups'))
        # listing the groups asks nothing of the store's memberships
        assert not fake.requests(service='identitystore', op='ListGroupMemberships')
        for gid, label in dirs.items():
            got = read(m.p('access', 'groups', label, 'members')).splitlines()
            assert got == want[gid], label
        # each page of each group's listing asked once, and read again
        # from the cache
        for label in dirs.values():
            read(m.p('access', 'groups', label, 'members'))
        asked = [(r['params']['GroupId'], r['params'].get('NextToken'))
                 for r in fake.requests(service='identitystore', op='ListGroupMemberships')]
        assert len(asked) == len(set(asked)) and {g for g, _ in asked} == set(dirs)
        described = [r['params']['UserId']
                     for r in fake.requests(service='identitystore', op='DescribeUser')]
        assert len(described) == len(set(described))
        assert sorted(os.listdir(m.p('access', 'groups', dirs[next(iter(dirs))]))) == \
            ['accounts.jsonl', 'accounts.tsv', 'members']
        # users have no members file
        u = os.listdir(m.p('access', 'users'))[0]
        assert 'members' not in os.listdir(m.p('access', 'users', u))


def test_group_members_names_denied_ids():
    """DescribeUser refused: the members are their ids, .orgfs/errors says
    why.  (The assignments' names are all ids then, the groups' too: users
    are assigned directly, and names are all read or all ids.)"""
    with FakeAWS(accounts=8, seed=5, config_json={'identitystore_denied': ['DescribeUser']}) as f:
        access = f.access()
        want = members_of(access, names=False)
        dirs = {a['PrincipalId']: a['PrincipalId'] for a in access['assignments']
                if a['PrincipalType'] == 'GROUP'}
        with mount(f) as m:
            assert sorted(os.listdir(m.p('access', 'groups'))) == sorted(dirs)
            f.clear_requests()
            for gid, label in dirs.items():
                assert read(m.p('access', 'groups', label, 'members')).splitlines() == \
                    want[gid], label
            # a refusal stops the asking: at most one DescribeUser a group,
            # not one a member
            asked = f.requests(service='identitystore', op='DescribeUser')
            assert len(asked) <= len(dirs) < sum(len(v) for v in want.values())
            # the members file's read is named, with the refusal
            errors = [e.split('\t') for e in read(m.p('.orgfs', 'errors')).splitlines()]
            errors = [e for e in errors if e[1].endswith('/members')]
            assert errors, read(m.p('.orgfs', 'errors'))
            assert {(e[2], e[3]) for e in errors} == \
                {('identitystore:DescribeUser', 'AccessDeniedException')}, errors


def test_group_members_store_denied():
    """The identity store refused altogether: groups are named by their ids
    (as every name), a members file still stats but its read fails EACCES,
    and .orgfs/errors says why."""
    with FakeAWS(accounts=8, seed=5, config_json={'identitystore_denied': True}) as f:
        access = f.access()
        with mount(f) as m:
            gid = sorted(access['memberships'])[0]
            p = m.p('access', 'groups', gid, 'members')
            assert os.stat(p).st_mode & 0o444
            with pytest.raises(OSError) as e:
                read(p)
            assert e.value.errno == errno.EACCES
            errors = [ln for ln in read(m.p('.orgfs', 'errors')).splitlines()
                      if 'identitystore:ListGroupMemberships' in ln]
            assert errors and 'AccessDeniedException' in errors[0], errors


def test_sso_instance_by_arn_and_region(fake):
    """-o sso_instance=ARN picks the instance (the tree is the default's);
    -o sso_region sends every Identity Center call to that region."""
    accounts = account_ids(fake)
    arn = fake.access()['instance']['InstanceArn']
    with mount(fake) as m:
        default = snapshot(m, accounts)
    fake.clear_requests()
    with mount(fake, '-o', 'sso_instance=%s,sso_region=eu-west-1' % arn) as m:
        assert snapshot(m, accounts) == default
        assert read(m.p('.orgfs', 'config')).count(arn) >= 1
    calls = fake.requests(service='sso-admin') + fake.requests(service='identitystore')
    assert calls and {r['region'] for r in calls} == {'eu-west-1'}, \
        {(r['service'], r['region']) for r in calls}


def test_sso_instance_unknown_arn_fails_reads_not_names(fake):
    """An instance ARN the account does not see: the access files are still
    listed and stat, their reads fail EIO, .orgfs/errors names the option."""
    bad = 'arn:aws:sso:::instance/ssoins-00000000deadbeef'
    with mount(fake, '-o', 'sso_instance=' + bad) as m:
        p = m.p('access', 'instance')
        assert 'instance' in os.listdir(m.p('access'))
        os.stat(p)
        with pytest.raises(OSError) as e:
            read(p)
        assert e.value.errno == errno.EIO
        a = account_ids(fake)[0]
        with pytest.raises(OSError) as e:
            read(m.p('accounts', a, 'access.tsv'))
        assert e.value.errno == errno.EIO
        errors = read(m.p('.orgfs', 'errors'))
        assert bad in errors and '-o sso_instance' in errors, errors


def test_sso_instance_delegated_administrator():
    """The instance administered from a member account (a delegated
    administrator): the management account is refused; -o sso_instance=
    <that account> reads it through the member role, every sso-admin and
    identitystore call made as that account, the tree as the fake holds it."""
    with FakeAWS(accounts=12, seed=11) as f:
        accounts = account_ids(f)
        admin = sorted(a for a in accounts if a != f.mgmt_account)[0]
        f.control({'sso_delegated_admin': admin})
        want = expected(f.access())
        with mount(f) as m:
            with pytest.raises(OSError) as e:
                read(m.p('access', 'instance'))
            assert e.value.errno == errno.EACCES
            assert 'AccessDeniedException' in read(m.p('.orgfs', 'errors'))
        f.clear_requests()
        with mount(f, '-o', 'sso_instance=' + admin) as m:
            assert read(m.p('access', 'instance')) == f.access()['instance']['InstanceArn'] + '\n'
            tsv, _, _, _ = tree_rows(m, accounts)
            assert tsv == want
            group = os.listdir(m.p('access', 'groups'))[0]
            read(m.p('access', 'groups', group, 'members'))
        calls = f.requests(service='sso-admin') + f.requests(service='identitystore')
        assert calls and {r['account'] for r in calls} == {admin}
        assumed = [r for r in f.requests(service='sts', op='AssumeRole')
                   if admin in json.dumps(r.get('params'))]
        assert assumed, 'no role assumed in the delegated administrator'


def test_one_account_costs_its_own_calls(fake):
    """cat accounts/X/access.tsv asks the permission sets once (with where
    each is provisioned) and X's assignments and principals only; the
    org-wide views after it reuse what was read: no call is made twice."""
    access = fake.access()
    want = expected(access)
    accounts = account_ids(fake)
    x, y = [a for a in accounts if any(w[0] == a for w in want)][:2]
    with mount(fake) as m:
        fake.clear_requests()
        assert [(x,) + r for r in rows(m.p('accounts', x, 'access.tsv'))] == \
            [w for w in want if w[0] == x]
        calls = fake.requests(service='sso-admin') + fake.requests(service='identitystore')
        listed = {r['params']['AccountId'] for r in calls if r['op'] == 'ListAccountAssignments'}
        assert listed == {x}
        sets = {w[1] for w in want if w[0] == x}
        arns = {p['PermissionSetArn'] for p in access['permission_sets'] if p['Name'] in sets}
        assert {r['params']['PermissionSetArn'] for r in calls
                if r['op'] == 'ListAccountAssignments'} == arns
        named = {r['params'].get('GroupId') or r['params'].get('UserId') for r in calls
                 if r['op'] in ('DescribeGroup', 'DescribeUser')}
        assert named == {w[4] for w in want if w[0] == x}
        # far fewer than the whole organization's
        assert len(calls) < len({(w[0], w[1]) for w in want})
        read(m.p('accounts', y, 'owner_has_access'))
        # then everything: each call once over the whole session
        tree_rows(m, accounts)
        calls = fake.requests(service='sso-admin') + fake.requests(service='identitystore')
        keys = [(r['op'], json.dumps(r['params'], sort_keys=True)) for r in calls]
        dup = [k for k, n in collections.Counter(keys).items() if n > 1]
        assert not dup, dup


def test_owners_access_does_not_walk_the_resources_per_owner():
    """Each owner's access.tsv then resources.tsv, as grep -r owners/ reads
    them (issue 17.5): the access data is fetched at once for the first
    owner, not owner by owner, where each owner's new values changed the
    data version and the next resources.tsv walked every resource again
    (62 walks for 130 owners, 3 before and after)."""
    with Mount(['--demo=300']) as m:
        owners = sorted(os.listdir(m.p('owners')))
        assert len(owners) > 50
        for o in owners:
            assert read(m.p('owners', o, 'access.tsv')).startswith('account_id\t')
            assert read(m.p('owners', o, 'resources.tsv'))
        walks = int(status(m)['resource_walks'])
        assert 1 <= walks <= 5, walks
