"""What an interactive look around costs (issue 15.3).

`ls` is usually `ls --color=auto`, which stats every entry; `ls -l`,
`stat *` and bash's tab completion (which stats each candidate to mark
directories) do too.  In the root and in every directory of directories
none of them may start an organization-wide crawl or call a member
account: the files whose exact size needs a crawl live in tables/.
access/ and access/permission-sets/ cost the Identity Center instance and
its permission sets, never every account's assignments.  Where a listing
needs data by nature (owners/, tags/, services/ list names found on
resources) the listing pays for it once and the stats cost nothing more.  Counted in the fake endpoint's log, 100 accounts at 50 ms
a call; each command runs on a fresh mount, so that nothing it needs is
already cached.

Copies stay complete and exact: tar, rsync -a and cp -a of the mount's
tables and of an account's directory give the bytes a read gives.
"""
import collections
import filecmp
import os
import shutil
import subprocess

import pytest

from expected import Org
from fixture import make_fixture
from orgfsmount import Mount, aws_env, wait_idle

ACCOUNTS = 100
PAGE = 20                   # the fake's (and AWS's) largest Organizations page

fake = make_fixture(scope='module', accounts=ACCOUNTS, seed=15,
                    latency_ms=50)

# What a user types, with {d} the directory.  Completion: what readline
# does on TAB after "cd {d}; ls ": the names (compgen -f), then a stat of
# each to mark the directories.
COMMANDS = {
    'ls': 'ls {d}',
    'ls --color=always': 'ls --color=always {d}',
    'ls -l': 'ls -l {d}',
    'stat *': 'cd {d} && stat -- *',
    'completion': 'cd {d} && compgen -f -- "" | '
                  'while IFS= read -r f; do test -d "$f"; echo "$f"; done',
}


def pages(n):
    """Organizations pages for n items (one more: the fake sends an empty
    page with a NextToken now and then, as AWS does)."""
    return -(-n // PAGE) + 1


def run_counted(fake, m, d, cmd):
    """Run cmd in directory d of a mount; the fake's calls it caused,
    read-ahead included (waits until the daemon is idle)."""
    wait_idle(m)
    fake.clear_requests()
    r = subprocess.run(['bash', '-c', COMMANDS[cmd].format(
        d=m.p(d) if d else m.path)], capture_output=True, text=True)
    assert r.returncode == 0, (d, cmd, r.stderr)
    assert r.stdout.strip(), (d, cmd, 'printed nothing')
    wait_idle(m)
    return fake.requests()


def member_calls(fake, calls):
    """Calls made in a member account (with a role assumed in it), and
    the AssumeRole calls that would open one."""
    return [c for c in calls if c['op'] == 'AssumeRole' or
            c.get('account') not in (None, fake.mgmt_account)]


def twice(calls):
    seen = collections.Counter(
        (c['service'], c['op'], c.get('account'), c.get('region'),
         repr(sorted((c.get('params') or {}).items()))) for c in calls)
    return {k: n for k, n in seen.items() if n > 1}


def bounds(org, access):
    """For each directory: the most each Organizations (and Identity
    Center) operation may be called by any command there, on a cold mount.
    An operation not named may not be called at all."""
    containers = len(org.roots) + len(org.ous)
    n_pol = len(org.policies)
    n_ps = len(access['permission_sets'])
    # the instance and its permission sets, each described once, with
    # the accounts it is provisioned in (100 a page): no account's
    # assignments, no group or user
    psets = {'ListInstances': 1, 'ListPermissionSets': -(-n_ps // 100),
             'DescribePermissionSet': n_ps,
             'ListManagedPoliciesInPermissionSet': n_ps,
             'GetInlinePolicyForPermissionSet': n_ps,
             'ListAccountsForProvisionedPermissionSet':
                 n_ps * -(-len(org.accounts) // 100)}
    readme = {'DescribeOrganization': 1, 'ListRoots': 1}
    hier = {'ListRoots': 1,
            # the OU walk: each root and OU's OUs and accounts, paged
            'ListOrganizationalUnitsForParent': 2 * containers,
            'ListChildren': 2 * containers}
    return {
        # the root: only the README's size (the organization's id)
        '': readme,
        'org': readme,
        # a directory whose entries are known without a call
        'unowned': {},
        # the account list (the read-ahead of each account's tags waits
        # for a walk below them: test_read_ahead_waits_for_the_walk)
        'accounts': {'ListAccounts': pages(len(org.accounts))},
        'by-name': {'ListAccounts': pages(len(org.accounts))},
        # the hierarchy; tree/ names accounts too
        'ous': hier,
        'tree': dict(hier, ListAccounts=pages(len(org.accounts))),
        # the policy list: the root's enabled types, then every other
        # type AWS has (a disabled type's policies stay: issue 16.6)
        'policies': {'ListRoots': 1, 'ListPolicies': 8 * pages(n_pol)},
        # access/instance (stat'ed by any ls: READDIRPLUS) and the
        # permission sets' directories: the permission sets alone, never
        # every account's assignments
        'access': psets,
        'access/permission-sets': psets,
    }


CHEAP = ['', 'org', 'unowned', 'accounts', 'by-name', 'ous', 'tree',
         'policies', 'access', 'access/permission-sets']


@pytest.mark.parametrize('d', CHEAP, ids=lambda d: d or 'root')
def test_ls_costs_no_crawl(fake, d):
    """Every command in the root and in each directory of directories: no
    member account called, no role assumed, each Organizations operation
    within what the listing itself needs (bounds()), nothing twice."""
    org = Org(fake.org())
    want = bounds(org, fake.access())[d]
    costs = {}
    for cmd in COMMANDS:
        with Mount(['--endpoint=' + fake.url, '-o', 'rate_organizations=0'],
                   env=aws_env(fake)) as m:
            calls = run_counted(fake, m, d, cmd)
        ops = collections.Counter(c['op'] for c in calls)
        costs[cmd] = dict(ops)
        assert not member_calls(fake, calls), (d, cmd, ops)
        assert not twice(calls), (d, cmd, twice(calls))
        over = {op: n for op, n in ops.items() if n > want.get(op, 0)}
        assert not over, '%s in %s: %s over %s' % (cmd, d or '/', over, want)
    print('%s: %s' % (d or '/', costs))


def test_read_ahead_waits_for_the_walk(fake):
    """Listing accounts/ (or ous/, policies/) arms the read-ahead of each
    child; a look into one account fetches what it shows and nothing
    more; a walk below a second one fires the read-ahead, so that the
    rest of the walk (cat accounts/*/tags/Owner) finds every account's
    tags fetched in the background, one call each, none twice."""
    org = Org(fake.org())
    with Mount(['--endpoint=' + fake.url, '-o', 'rate_organizations=0'],
               env=aws_env(fake)) as m:
        wait_idle(m)
        fake.clear_requests()
        ids = sorted(os.listdir(m.p('accounts')))
        subprocess.run(['ls', '-l', '--color=always', m.p('accounts')],
                       check=True, capture_output=True)
        wait_idle(m)
        assert not [c for c in fake.requests()
                    if c['op'] == 'ListTagsForResource']
        subprocess.run(['ls', '-l', '--color=always', m.p('accounts', ids[0]),
                        m.p('accounts', ids[0], 'tags')],
                       check=True, capture_output=True)
        wait_idle(m)
        # its tags, and its OUs' for its owner
        tagged = [c['params']['ResourceId'] for c in fake.requests()
                  if c['op'] == 'ListTagsForResource']
        assert [t for t in tagged if t in org.accounts] == [ids[0]]
        os.listdir(m.p('accounts', ids[1], 'tags'))
        wait_idle(m)
        tagged = [c['params']['ResourceId'] for c in fake.requests()
                  if c['op'] == 'ListTagsForResource']
        # each account once
        assert sorted(t for t in tagged if t in org.accounts) == \
            sorted(org.accounts)
        # armed again by the next listing only
        fake.clear_requests()
        os.listdir(m.p('accounts', ids[2], 'tags'))
        wait_idle(m)
        assert fake.requests() == []


def test_ls_of_rules_costs_nothing(fake, tmp_path):
    """compliance/rules/ lists the rules file's rules: no call."""
    rules = tmp_path / 'rules.ini'
    rules.write_text('[rule owner-tag]\nlevel = standard\n'
                     'applies_to = accounts\ntag = Owner\n'
                     'require_tag = yes\n')
    for cmd in COMMANDS:
        with Mount(['--endpoint=' + fake.url, '-o', 'rules=%s' % rules],
                   env=aws_env(fake)) as m:
            calls = run_counted(fake, m, 'compliance/rules', cmd)
        assert calls == [], (cmd, collections.Counter(
            c['op'] for c in calls))


def test_listing_pays_stats_cost_nothing_more(fake):
    """owners/, tags/, tags/<key>/ and services/ list names found on
    resources too: listing them reads the resources once (no call
    twice); once listed, each command there costs no call."""
    with Mount(['--endpoint=' + fake.url, '-o', 'rate_organizations=0'],
               env=aws_env(fake)) as m:
        wait_idle(m)
        fake.clear_requests()
        for d in ('owners', 'tags', 'services'):
            os.listdir(m.p(d))
        key = sorted(os.listdir(m.p('tags')))[0]
        os.listdir(m.p('tags', key))
        wait_idle(m)
        first = fake.requests()
        assert first and not twice(first), twice(first)
        for d in ('owners', 'tags', 'tags/' + key, 'services'):
            for cmd in COMMANDS:
                calls = run_counted(fake, m, d, cmd)
                assert calls == [], (d, cmd, collections.Counter(
                    c['op'] for c in calls))


def test_tables_are_apart(fake):
    """The crawl-sized tables are in tables/: the root holds directories
    and its README only, unowned/ directories only; a stat of tables/
    itself fetches nothing."""
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake)) as m:
        for d, files in (('', {'README'}), ('unowned', set())):
            for e in os.scandir(m.p(d) if d else m.path):
                assert e.is_dir(follow_symlinks=False) or e.name in files, \
                    '%s/%s' % (d, e.name)
        assert {'accounts.tsv', 'resources.tsv', 'unowned_resources.tsv'} \
            <= set(os.listdir(m.p('tables')))
        wait_idle(m)
        fake.clear_requests()
        os.stat(m.p('tables'))
        wait_idle(m)
        assert fake.requests() == []


def tree_equal(a, b):
    """Same names, same kinds, same bytes and link targets under a and b."""
    cmp = filecmp.dircmp(a, b)
    assert not cmp.left_only and not cmp.right_only, (
        a, cmp.left_only, cmp.right_only)
    for name in cmp.common:
        pa, pb = os.path.join(a, name), os.path.join(b, name)
        if os.path.islink(pa):
            assert os.readlink(pa) == os.readlink(pb), pa
        elif os.path.isdir(pa):
            tree_equal(pa, pb)
        else:
            with open(pa, 'rb') as fa, open(pb, 'rb') as fb:
                da, db = fa.read(), fb.read()
            assert da == db, (pa, len(da), len(db))
            assert os.lstat(pa).st_size == len(da), pa


COPIERS = {
    'tar': 'tar -C {src} -cf - {names} | tar -C {dst} -xf -',
    'cp -a': 'cd {src} && cp -a -- {names} {dst}/',
    'rsync -a': 'cd {src} && rsync -a -- {names} {dst}/',
}


@pytest.mark.parametrize('copier', sorted(COPIERS))
def test_copies_are_complete_and_exact(copier, tmp_path):
    """A cold mount copied: the tables (whose size is exact from the
    first stat) and an account's directory come out whole, byte for byte
    what a read of the mount gives."""
    if copier == 'rsync -a' and not shutil.which('rsync'):
        pytest.skip('rsync is not installed')
    dst = tmp_path / 'copy'
    dst.mkdir()
    with Mount(['--demo=12']) as m:
        aid = sorted(os.listdir(m.p('accounts')))[0]
        names = 'tables accounts/%s owners' % aid
        if copier != 'tar':
            # cp and rsync copy accounts/<id> as <id>: keep the path
            (dst / 'accounts').mkdir()
            names = 'tables owners'
            subprocess.run(['bash', '-c', COPIERS[copier].format(
                src=m.p('accounts'), dst=dst / 'accounts', names=aid)],
                check=True)
        subprocess.run(['bash', '-c', COPIERS[copier].format(
            src=m.path, dst=dst, names=names)], check=True)
        for top in ('tables', 'owners', os.path.join('accounts', aid)):
            tree_equal(m.p(top), str(dst / top))
        sizes = {n: os.path.getsize(dst / 'tables' / n)
                 for n in os.listdir(dst / 'tables')}
    assert all(sizes.values()), sizes
