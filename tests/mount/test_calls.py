"""Call economy (issue 9): orgfs makes the calls an answer needs and no
others, never the same call twice, counted in the fake endpoint's log."""
import collections
import glob
import json
import os
import shutil
import subprocess

import pytest

from expected import Org
from orgfsmount import Mount, aws_env, wait_idle

ROOT_NAMES = {'README', 'access', 'tables', 'org', 'accounts', 'by-name', 'ous',
              'tree', 'policies', 'owners', 'unowned', 'tags', 'compliance',
              '.orgfs', 'services'}


def ok_calls(fake):
    return [r for r in fake.requests() if r.get('status') == 200]


def duplicates(calls):
    seen = collections.Counter(
        (r['service'], r['op'], r.get('account'), r.get('region'),
         json.dumps(r.get('params'), sort_keys=True)) for r in calls)
    return {k: n for k, n in seen.items() if n > 1}


def test_first_ls_of_the_root_calls_nothing(fakeaws_factory):
    """`ls` of a fresh mount lists the top directories without fetching
    the hierarchy, the policies or the accounts behind them."""
    fake = fakeaws_factory(accounts=40, seed=41)
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake)) as m:
        wait_idle(m)
        fake.clear_requests()
        names = set(os.listdir(m.path))
        wait_idle(m)
        calls = fake.requests()
    assert names == ROOT_NAMES
    assert calls == [], [(r['service'], r['op']) for r in calls]


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, check=True).stdout


def test_stat_of_a_directory_fetches_nothing(fakeaws_factory):
    """`ls -l accounts/<id>/` stats its directories without listing them:
    no role assumed for resources/, no policy or tag listing for
    policies/ and tags/ (only what the files shown need)."""
    fake = fakeaws_factory(accounts=20, seed=43)
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake)) as m:
        aid = sorted(os.listdir(m.p('accounts')))[-1]
        wait_idle(m)
        fake.clear_requests()
        for sub in ('resources', 'policies', 'tags'):
            os.lstat(m.p('accounts', aid, sub))
        wait_idle(m)
        ops = collections.Counter(r['op'] for r in fake.requests())
        assert not ops, ops
        # listed, it has its data's time; a stat then asks nothing
        os.listdir(m.p('accounts', aid, 'policies'))
        wait_idle(m)
        fake.clear_requests()
        os.lstat(m.p('accounts', aid, 'policies'))
        assert fake.requests() == []


def test_sizes_are_exact_before_any_read(tmp_path):
    """Without -o lazy_sizes the first stat of a table renders it: a copy
    that trusts the size it saw (sendfile: Python's shutil.copyfile) gets
    all of it."""
    with Mount(['--demo=12']) as m:
        size = os.lstat(m.p('tables', 'accounts.tsv')).st_size
        dest = str(tmp_path / 'accounts.tsv')
        shutil.copyfile(m.p('tables', 'accounts.tsv'), dest)
        with open(m.p('tables', 'accounts.tsv'), 'rb') as fh:
            data = fh.read()
    assert size == len(data) > 0
    with open(dest, 'rb') as fh:
        assert fh.read() == data


def test_ls_l_of_the_root_starts_no_crawl(fakeaws_factory, tmp_path):
    """With -o lazy_sizes, `ls -l` of a fresh mount stats every top entry
    without listing the accounts, the hierarchy or the policies, and
    without rendering the organization-wide tables: they show size 0
    until read.  Read cold, whichever way that reads to the end, they are
    whole, and then show their real size."""
    fake = fakeaws_factory(accounts=40, seed=41)
    org = Org(fake.org())
    with Mount(['--endpoint=' + fake.url, '-o', 'lazy_sizes'],
               env=aws_env(fake)) as m:
        wait_idle(m)
        fake.clear_requests()
        run('ls', '-la', m.path)
        wait_idle(m)
        ops = collections.Counter(r['op'] for r in fake.requests())
        # the README names the organization: nothing else is fetched
        assert set(ops) <= {'DescribeOrganization', 'ListRoots'}, ops
        run('ls', '-la', m.p('tables'))
        wait_idle(m)
        for t in ('accounts.tsv', 'resources.tsv'):
            assert os.lstat(m.p('tables', t)).st_size == 0
        assert os.lstat(m.p('tables', 'unowned_resources.tsv')).st_size == 0
        # cat: the first read asks for the size, and gets all of it
        text = run('cat', m.p('tables', 'accounts.tsv'))
        assert len(text.decode().splitlines()) == len(org.accounts) + 1
        assert os.stat(m.p('tables', 'accounts.tsv')).st_size == len(text)
        # wc -c (which trusts a size it can use), tail (which seeks to
        # the end), cp, and a read to EOF agree on resources.tsv
        n = int(run('wc', '-c', m.p('tables', 'resources.tsv')).split()[0])
        with open(m.p('tables', 'resources.tsv'), 'rb') as fh:
            data = fh.read()
        assert n == len(data) and data.count(b'\n') > 40
        assert data.endswith(run('tail', '-n', '2', m.p('tables', 'resources.tsv')))
        assert os.stat(m.p('tables', 'resources.tsv')).st_size == len(data)
        dest = str(tmp_path / 'unowned.tsv')
        run('cp', m.p('tables', 'unowned_resources.tsv'), dest)
        with open(dest, 'rb') as fh:
            copied = fh.read()
        with open(m.p('tables', 'unowned_resources.tsv'), 'rb') as fh:
            assert copied == fh.read() and copied.startswith(b'arn\t')
        # a directory listed since shows the time of its data, no call
        os.listdir(m.p('accounts'))
        wait_idle(m)
        fake.clear_requests()
        os.stat(m.p('accounts'))
        assert fake.requests() == []


def test_owner_audit_makes_the_calls_a_script_makes(fakeaws_factory):
    """cat accounts/*/tags/Owner: the account list's pages and one
    ListTagsForResource per account, nothing else, nothing twice."""
    fake = fakeaws_factory(accounts=60, seed=42)
    org = Org(fake.org())
    with Mount(['--endpoint=' + fake.url, '-o', 'resources=off'],
               env=aws_env(fake)) as m:
        owners = {}
        for f in glob.glob(m.p('accounts', '*', 'tags', 'Owner')):
            with open(f) as fh:
                owners[f.split(os.sep)[-3]] = fh.read().rstrip('\n')
        wait_idle(m)
        # all of them since the mount, but the credential check
        calls = [r for r in ok_calls(fake) if r['op'] != 'GetCallerIdentity']
    ops = collections.Counter(r['op'] for r in calls)
    tagged = {r['params']['ResourceId'] for r in calls
              if r['op'] == 'ListTagsForResource'}
    pages = -(-len(org.accounts) // 20)
    print('owner audit of %d accounts: %s' % (len(org.accounts), dict(ops)))
    want = {aid: org.tags[aid]['Owner'] for aid in org.accounts
            if 'Owner' in org.tags.get(aid, {})}
    assert owners == want
    assert set(ops) == {'ListAccounts', 'ListTagsForResource'}, ops
    assert tagged == set(org.accounts)
    assert ops['ListTagsForResource'] == len(org.accounts)
    # the fake answers an empty page now and then: at most one per 7
    assert pages <= ops['ListAccounts'] <= pages + pages // 7 + 1
    assert duplicates(calls) == {}


def test_readlink_of_a_policy_link_asks_that_policy_alone(fakeaws_factory):
    """readlink accounts/<id>/policies/<p> on a cold mount (issue 17.1):
    the list of policies, that policy's targets and the hierarchy, not
    every policy's content and targets (the listing's calls)."""
    fake = fakeaws_factory(accounts=12, seed=42)
    org = Org(fake.org())
    aid, pid = next((a, p) for a in sorted(org.accounts)
                    for p in org.policies_of(a))
    assert len(org.policies) > 2
    with Mount(['--endpoint=' + fake.url, '-o', 'resources=off'],
               env=aws_env(fake)) as m:
        wait_idle(m)
        fake.clear_requests()
        link = os.readlink(m.p('accounts', aid, 'policies', pid))
        wait_idle(m)
        calls = ok_calls(fake)
        with pytest.raises(FileNotFoundError):
            os.readlink(m.p('accounts', aid, 'policies', 'p-notattached1'))
    assert link == '../../../policies/' + pid
    asked = {r['params'].get('PolicyId') for r in calls
             if r['op'] in ('DescribePolicy', 'ListTargetsForPolicy')}
    print('readlink: %s' % dict(collections.Counter(r['op'] for r in calls)))
    assert asked == {pid}, asked
    assert sum(1 for r in calls if r['op'] == 'DescribePolicy') == 1
    # the hierarchy and the policies share one ListRoots
    assert sum(1 for r in calls if r['op'] == 'ListRoots') == 1


def test_one_list_roots_serves_organization_hierarchy_and_policies(fakeaws_factory):
    """The organization's policy types, the OU tree and the policies all
    start from the roots: one ListRoots answers the three (issue 17.1;
    each asked its own before).  The policy types read are the root's."""
    fake = fakeaws_factory(accounts=12, seed=42)
    org = fake.org()
    with Mount(['--endpoint=' + fake.url, '-o', 'resources=off'],
               env=aws_env(fake)) as m:
        with open(m.p('org', 'policy_types')) as fh:
            types = fh.read().split()
        ous = os.listdir(m.p('ous'))
        pols = os.listdir(m.p('policies'))
        wait_idle(m)
        calls = ok_calls(fake)
    ops = collections.Counter(r['op'] for r in calls)
    print('calls: %s' % dict(ops))
    assert ous and pols
    enabled = [t['Type'] for t in org['roots'][0]['PolicyTypes']
               if t['Status'] == 'ENABLED']
    assert enabled and set(enabled) <= set(types), (enabled, types)
    assert ops['ListRoots'] == 1, ops
    assert ops['DescribeOrganization'] == 1, ops


def test_accounts_table_reads_the_tags_its_owners_need(fakeaws_factory):
    """cat tables/accounts.tsv (issue 17.1): the hierarchy (for the path
    column), every account's tags, and the tags of an OU only where an
    account without an owner of its own inherits through it."""
    from test_owners import owner_of
    fake = fakeaws_factory(accounts=40, seed=42)
    org = Org(fake.org())
    with Mount(['--endpoint=' + fake.url, '-o', 'resources=off'],
               env=aws_env(fake)) as m:
        fake.clear_requests()
        with open(m.p('tables', 'accounts.tsv')) as fh:
            rows = [ln.rstrip('\n').split('\t') for ln in fh
                    if not ln.startswith('#')][1:]
        calls = ok_calls(fake)
    assert {r[0]: r[5] for r in rows} == {
        a: owner_of(org, a)[0] or '' for a in org.accounts}
    need = set(org.accounts)
    for a in org.accounts:
        _o, decider, _k = owner_of(org, a)
        if decider == a:
            continue
        for cur in org.chain(a)[1:]:
            need.add(cur)
            if cur == decider:
                break
    tagged = [r['params']['ResourceId'] for r in calls
              if r['op'] == 'ListTagsForResource']
    print('tags of %d objects, %d needed, %d OUs and roots in all' % (
        len(tagged), len(need), len(org.ous) + len(org.roots)))
    assert set(tagged) == need
    assert len(tagged) < len(org.accounts) + len(org.ous) + len(org.roots)
    assert duplicates(calls) == {}
