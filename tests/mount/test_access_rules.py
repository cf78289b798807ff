"""The rules' IAM Identity Center checks through a real mount of the fake
(issue 20): owner_has_access, max_admins (with admin_permission_sets) and
no_direct_users mark exactly the accounts this test works out itself from
the fake's assignments, in the accounts' compliance files, compliance/
summary, failing.tsv and not_judged.tsv; what cannot be read is not judged,
never passed."""
import os

import pytest

from expected import Org
from fixture import FakeAWS
from orgfsmount import Mount, aws_env
from test_owners import owner_of

ARGS = ['-o', 'resources=off', '-o', 'rate_organizations=1000',
        '-o', 'rate_sso_admin=0', '-o', 'rate_identitystore=0']

RULES = """\
[rule owner-can-log-in]
level = policy
description = the owning team holds an assignment
applies_to = accounts
owner_has_access = yes

[rule few-admins]
level = standard
applies_to = accounts
max_admins = 2
admin_permission_sets = AdministratorAccess, PowerUserAccess

[rule one-administrator]
level = guideline
applies_to = accounts
max_admins = 1

[rule groups-only]
level = guideline
applies_to = accounts
no_direct_users = yes
"""
LEVEL = {'owner-can-log-in': 'policy', 'few-admins': 'standard',
         'one-administrator': 'guideline', 'groups-only': 'guideline'}
ORDER = {'policy': 0, 'standard': 1, 'guideline': 2}


def read(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as fh:
        return fh.read()


def assignments(fake, names=True):
    """account -> [(permission set, GROUP|USER, name, id)] in the tree's
    order: permission set, groups first, then the name."""
    ic = fake.access()
    ps = {p['PermissionSetArn']: p['Name'] for p in ic['permission_sets']}
    who = {g['GroupId']: g['DisplayName'] for g in ic['groups']}
    who.update({u['UserId']: u['UserName'] for u in ic['users']})
    out = {}
    for a in ic['assignments']:
        pid = a['PrincipalId']
        out.setdefault(a['AccountId'], []).append(
            (ps[a['PermissionSetArn']], a['PrincipalType'],
             who[pid] if names else pid, pid))
    for v in out.values():
        v.sort(key=lambda x: (x[0], x[1] == 'USER', x[2], x[3]))
    return out


def verdicts(org, asg, names=True, present=True):
    """{(rule, account): reason} of what fails, and {(rule, account): why}
    of what is not judged, as orgfs(1) RULES describes the checks."""
    fails, unknown = {}, {}
    for aid in org.accounts:
        v = asg.get(aid, [])
        owner = owner_of(org, aid)[0]
        if not present:
            fails[('owner-can-log-in', aid)] = 'no IAM Identity Center instance'
        elif not owner:
            fails[('owner-can-log-in', aid)] = 'no owner'
        elif not names:
            unknown[('owner-can-log-in', aid)] = 'names'
        elif not any(t == 'GROUP' and n == owner for _, t, n, _ in v):
            fails[('owner-can-log-in', aid)] = \
                "owner '%s': group '%s' holds no assignment" % (owner, owner)
        for rule, sets, most in (('few-admins', ('AdministratorAccess', 'PowerUserAccess'), 2),
                                 ('one-administrator', ('AdministratorAccess',), 1)):
            seen = []
            for ps, t, n, i in v:
                if ps in sets and (t, i) not in [(s[0], s[2]) for s in seen]:
                    seen.append((t, n, i))
            if len(seen) > most:
                fails[(rule, aid)] = '%d principals hold %s (max %d): %s' % (
                    len(seen), ', '.join(sets), most,
                    ', '.join("%s '%s'" % (t.lower(), n) for t, n, _ in seen))
        users = ["'%s' (%s)" % (n, ps) for ps, t, n, _ in v if t == 'USER']
        if users:
            fails[('groups-only', aid)] = 'users assigned directly: ' + ', '.join(users)
    return fails, unknown


def mount(fake, tmp_path, *extra, rules=RULES):
    f = tmp_path / 'rules.ini'
    f.write_text(rules)
    return Mount(['--endpoint=' + fake.url, '-o', 'rules=%s' % f] + ARGS + list(extra),
                 env=aws_env(fake))


def compliance_files(m, org):
    """{(rule, account): reason} failing and not judged, from each
    account's compliance file."""
    fails, unknown = {}, {}
    for aid in org.accounts:
        for line in read(m.p('accounts', aid, 'compliance')).splitlines():
            judged = not line.startswith('# ')
            lv, rest = line.lstrip('# ').split(' ', 1)
            rule, reason = rest.split(': ', 1)
            assert LEVEL[rule] == lv, line
            if judged:
                fails[(rule, aid)] = reason
            else:
                assert reason.startswith('not judged: '), line
                unknown[(rule, aid)] = reason[len('not judged: '):]
    return fails, unknown


def table(m, *path):
    lines = read(m.p(*path)).splitlines()
    mark = [ln for ln in lines[1:] if ln.startswith('# ')]
    return lines[0], mark, [tuple(ln.split('\t')) for ln in lines[1:] if not ln.startswith('# ')]


def check_views(m, org, fails, unknown):
    """compliance/summary, failing.tsv, not_judged.tsv and each rule's
    passing, against what the test worked out."""
    _, mark, rows = table(m, 'compliance', 'failing.tsv')
    assert sorted((r[1], r[2]) for r in rows) == \
        sorted((rule, 'accounts/' + a) for rule, a in fails)
    for r in rows:
        assert r[0] == LEVEL[r[1]] and r[4] == fails[(r[1], r[2][len('accounts/'):])], r
    assert bool(mark) == bool(unknown), mark
    _, _, rows = table(m, 'compliance', 'not_judged.tsv')
    assert sorted((r[1], r[2]) for r in rows) == \
        sorted((rule, 'accounts/' + a) for rule, a in unknown)
    head, mark, rows = table(m, 'compliance', 'summary')
    assert head == 'level\trule\tfailing\tpassing\tnot_judged'
    n = len(org.accounts)
    want = []
    for rule in sorted(LEVEL, key=lambda r: (ORDER[LEVEL[r]], r)):
        f = sum(1 for k in fails if k[0] == rule)
        u = sum(1 for k in unknown if k[0] == rule)
        want.append((LEVEL[rule], rule, str(f), str(n - f - u), str(u)))
    assert rows == want
    if unknown:
        assert mark and 'not judged' in mark[0], mark
        assert os.getxattr(m.p('compliance', 'summary'), 'user.orgfs.incomplete') == b'1'
    for rule in LEVEL:
        passing = [ln for ln in read(m.p('compliance', 'rules', rule, 'passing')).splitlines()
                   if not ln.startswith('# ')]
        assert sorted(passing) == sorted(
            'accounts/' + a for a in org.accounts
            if (rule, a) not in fails and (rule, a) not in unknown), rule


@pytest.fixture(scope='module')
def fake():
    f = FakeAWS(accounts=30, seed=7)
    yield f
    f.stop()


def test_access_checks_mark_the_accounts_worked_out(fake, tmp_path):
    org = Org(fake.org())
    fails, unknown = verdicts(org, assignments(fake))
    assert not unknown
    # the fake's data exercises every check both ways
    for rule in LEVEL:
        marked = {a for r, a in fails if r == rule}
        assert marked and marked != set(org.accounts), rule
    with mount(fake, tmp_path) as m:
        got, got_unknown = compliance_files(m, org)
        assert got == fails
        assert got_unknown == {}
        check_views(m, org, fails, unknown)
        errors = read(m.p('.orgfs', 'errors'))
        assert 'admin_permission_sets' not in errors, errors


def test_owner_groups_decide_owner_has_access(fake, tmp_path):
    """-o owner_groups: the owner's group is the one the file names."""
    org = Org(fake.org())
    asg = assignments(fake)
    owners = {owner_of(org, a)[0] for a in org.accounts} - {None}
    g = tmp_path / 'groups'
    g.write_text(''.join('%s\tbreak-glass\n' % o for o in sorted(owners)))
    with mount(fake, tmp_path, '-o', 'owner_groups=%s' % g) as m:
        marked = set()
        for a in org.accounts:
            owner = owner_of(org, a)[0]
            text = read(m.p('accounts', a, 'compliance'))
            has = any(t == 'GROUP' and n == 'break-glass' for _, t, n, _ in asg.get(a, []))
            line = "policy owner-can-log-in: owner '%s': group 'break-glass' holds no " \
                "assignment\n" % owner
            if owner:
                assert (line in text) == (not has), (a, text)
                marked.add(has)
        assert marked == {True, False}


def test_identitystore_denied_owner_check_not_judged(tmp_path):
    """Names unread: whether the owner's group holds anything cannot be
    told (not judged, never passed); counts and users still are."""
    with FakeAWS(accounts=12, seed=5, config_json={'identitystore_denied': True}) as f:
        org = Org(f.org())
        fails, unknown = verdicts(org, assignments(f, names=False), names=False)
        assert unknown
        with mount(f, tmp_path) as m:
            got, got_unknown = compliance_files(m, org)
            assert got == fails
            assert set(got_unknown) == set(unknown)
            for why in got_unknown.values():
                assert why.startswith('IAM Identity Center names unreadable '
                                      '(identitystore:Describe'), why
                assert 'AccessDeniedException' in why, why
            check_views(m, org, fails, unknown)


def test_sso_admin_denied_not_judged(tmp_path):
    """Assignments unreadable (the instance belongs to an account the
    mount's credentials are not): every check of every account is not
    judged, the views say incomplete, .orgfs/errors says why."""
    with FakeAWS(accounts=10, seed=9) as f:
        org = Org(f.org())
        other = sorted(a for a in org.accounts if a != f.mgmt_account)[0]
        f.control({'sso_delegated_admin': other})
        unknown = {(rule, a): 'x' for rule in LEVEL for a in org.accounts}
        with mount(f, tmp_path) as m:
            got, got_unknown = compliance_files(m, org)
            assert got == {}
            assert set(got_unknown) == set(unknown)
            for why in got_unknown.values():
                assert why.startswith('IAM Identity Center assignments unreadable '
                                      '(AccessDeniedException: '), why
            check_views(m, org, {}, unknown)
            assert 'AccessDeniedException' in read(m.p('.orgfs', 'errors'))


def test_without_identity_center(tmp_path):
    """No instance: nobody can log in through it (owner_has_access fails,
    saying so), nobody holds an admin set, nobody is assigned."""
    with FakeAWS(accounts=8, seed=3, config_json={'sso_enabled': False}) as f:
        org = Org(f.org())
        fails, unknown = verdicts(org, {}, present=False)
        with mount(f, tmp_path) as m:
            got, got_unknown = compliance_files(m, org)
            assert got == fails and not got_unknown
            check_views(m, org, fails, unknown)


def test_unknown_admin_permission_set_named(fake, tmp_path):
    rules = RULES.replace('AdministratorAccess, PowerUserAccess',
                          'AdministratorAccess, PowerUserAcess')
    with mount(fake, tmp_path, rules=rules) as m:
        read(m.p('compliance', 'summary'))
        errors = read(m.p('.orgfs', 'errors'))
        assert "rules.ini:11: admin_permission_sets 'PowerUserAcess' names no " \
            "permission set of the IAM Identity Center instance" in errors, errors
        assert "'AdministratorAccess'" not in errors
