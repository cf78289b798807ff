"""Ownership through a real mount: owner files, owners/, unowned/, tags/,
the owner column of accounts.tsv, and the org-wide crawl behind them."""
import os
import subprocess

import pytest

from expected import Org, esc
from orgfsmount import Mount, aws_env, wait_for, wait_idle

WS = ' \t\r\n\v\f'


def read(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as fh:
        return fh.read()


def owner_of(org, oid, keys=('Owner', 'Team'), nocase=False):
    """(owner, deciding id, key) by the man page's rule, written again."""
    for cur in org.chain(oid):
        tags = org.tags.get(cur, {})
        for k in keys:
            cands = [(tk, tv) for tk, tv in tags.items()
                     if (tk.lower() == k.lower() if nocase else tk == k)
                     and tv.strip(WS)]
            if not cands:
                continue
            exact = [c for c in cands if c[0] == k]
            tk, tv = (exact or sorted(cands))[0]
            return tv.strip(WS), cur, tk
    return None, None, None


def kind_of(org, oid):
    if oid in org.accounts:
        return 'account'
    return 'root' if oid in org.roots else 'ou'


def label_of(org, oid):
    if oid in org.accounts:
        return org.accounts[oid]['Name']
    return org.path(oid)


@pytest.fixture(scope='module')
def fake():
    from fixture import FakeAWS
    f = FakeAWS(accounts=80, seed=11)
    # make some of the organization nobody's: the root, one OU and what
    # inherits from them, plus one account's own tags
    o = f.org()
    root = o['roots'][0]['Id']
    top = [u['Id'] for u in o['ous'] if u['ParentId'] == root]
    f.mutate({'remove_tags': {root: ['Owner', 'Team'], top[0]: ['Owner', 'Team'],
                              o['accounts'][-1]['Id']: ['Owner', 'Team']}})
    yield f
    f.stop()


@pytest.fixture(scope='module')
def org(fake):
    return Org(fake.org())


@pytest.fixture(scope='module')
def mnt(fake):
    m = Mount(['--endpoint=' + fake.url, '-o', 'resources=off'], env=aws_env(fake))
    m.start()
    yield m
    m.stop()


def test_owner_files(mnt, org):
    every = list(org.accounts) + list(org.roots) + list(org.ous)
    for oid in every:
        top = 'accounts' if oid in org.accounts else 'ous'
        d = mnt.p(top, esc(oid))
        owner, by, key = owner_of(org, oid)
        assert read(os.path.join(d, 'owner')) == (owner or '') + '\n', oid
        if owner is None:
            src = 'none'
        else:
            src = 'tag %s on %s %s (%s)' % (key, kind_of(org, by), by,
                                           label_of(org, by))
        assert read(os.path.join(d, 'owner.source')) == src + '\n', oid


def test_owners_view(mnt, org):
    want = {}
    for oid in list(org.accounts) + list(org.roots) + list(org.ous):
        owner = owner_of(org, oid)[0]
        if owner is not None:
            want.setdefault(owner, set()).add(oid)
    assert sorted(os.listdir(mnt.p('owners'))) == sorted(esc(o) for o in want)
    for owner, ids in want.items():
        d = mnt.p('owners', esc(owner))
        accts = sorted(i for i in ids if i in org.accounts)
        ous = sorted(esc(i) for i in ids if i not in org.accounts)
        assert sorted(os.listdir(os.path.join(d, 'accounts'))) == accts
        assert sorted(os.listdir(os.path.join(d, 'ous'))) == ous
        for a in accts:
            p = os.path.join(d, 'accounts', a)
            assert os.readlink(p) == '../../../accounts/' + a
            assert read(os.path.join(p, 'owner')) == owner + '\n'
        for u in ous:
            p = os.path.join(d, 'ous', u)
            assert os.readlink(p) == '../../../ous/' + u
            assert os.path.isdir(p)


def test_unowned_view(mnt, org):
    accts = sorted(a for a in org.accounts if owner_of(org, a)[0] is None)
    ous = sorted(esc(u) for u in list(org.roots) + list(org.ous)
                 if owner_of(org, u)[0] is None)
    assert accts, 'the fake organization has unowned accounts'
    assert sorted(os.listdir(mnt.p('unowned', 'accounts'))) == accts
    assert sorted(os.listdir(mnt.p('unowned', 'ous'))) == ous
    for a in accts:
        p = mnt.p('unowned', 'accounts', a)
        assert os.readlink(p) == '../../accounts/' + a
        assert read(os.path.join(p, 'owner')) == '\n'


def test_tags_view(mnt, org):
    want = {}
    for oid in list(org.accounts) + list(org.roots) + list(org.ous):
        for k, v in org.tags.get(oid, {}).items():
            want.setdefault(k, {}).setdefault(v, set()).add(oid)
    assert sorted(os.listdir(mnt.p('tags'))) == sorted(esc(k) for k in want)
    for k, values in want.items():
        assert sorted(os.listdir(mnt.p('tags', esc(k)))) == \
            sorted(esc(v) for v in values)
        for v, ids in values.items():
            d = mnt.p('tags', esc(k), esc(v))
            accts = sorted(i for i in ids if i in org.accounts)
            ous = sorted(esc(i) for i in ids if i not in org.accounts)
            assert sorted(os.listdir(os.path.join(d, 'accounts'))) == accts
            assert sorted(os.listdir(os.path.join(d, 'ous'))) == ous
            for a in accts:
                p = os.path.join(d, 'accounts', a)
                assert os.readlink(p) == '../../../../accounts/' + a
                assert read(os.path.join(p, 'tags', esc(k))) == v + '\n'


def test_every_symlink_resolves(mnt):
    broken = []
    for top in ('owners', 'unowned', 'tags'):
        for root, dirs, files in os.walk(mnt.p(top)):
            for n in dirs + files:
                p = os.path.join(root, n)
                if os.path.islink(p) and not os.path.exists(p):
                    broken.append(p)
    assert not broken, broken[:5]


def test_audit_three_ways(mnt, org):
    ls = sorted(os.listdir(mnt.p('unowned', 'accounts')))
    awk = subprocess.run(['awk', '-F', '\t', 'NR > 1 && $6 == "" { print $1 }',
                          mnt.p('tables', 'accounts.tsv')], capture_output=True, text=True,
                         check=True).stdout.split()
    r = subprocess.run('cd %s && grep -L . accounts/*/owner' % mnt.path,
                       shell=True, capture_output=True, text=True)
    grep = sorted(line.split('/')[1] for line in r.stdout.split())
    assert ls == sorted(awk) == grep
    assert ls == sorted(a for a in org.accounts if owner_of(org, a)[0] is None)


def test_accounts_tsv_owner_column(mnt, org):
    lines = read(mnt.p('tables', 'accounts.tsv')).splitlines()
    assert lines[0].split('\t') == ['id', 'name', 'email', 'state', 'path', 'owner']
    got = {ln.split('\t')[0]: ln.split('\t')[5] for ln in lines[1:]}
    assert got == {a: (owner_of(org, a)[0] or '').replace('\t', ' ')
                   for a in org.accounts}


def test_crawl_once(fakeaws_factory):
    fake = fakeaws_factory(accounts=200, seed=12)
    org = Org(fake.org())
    with Mount(['--endpoint=' + fake.url, '-o', 'resources=off'], env=aws_env(fake)) as m:
        fake.clear_requests()
        names = os.listdir(m.p('owners'))
        assert names
        os.listdir(m.p('unowned', 'accounts'))
        os.listdir(m.p('tags'))
        reqs = [r for r in fake.requests() if r['op'] == 'ListTagsForResource']
        ids = [r['params']['ResourceId'] for r in reqs]
        assert sorted(ids) == sorted(set(ids)), 'one call per object'
        assert set(ids) == set(org.accounts) | set(org.roots) | set(org.ous)
        status = read(m.p('.orgfs', 'status'))
        assert 'crawl_objects_done\t%d\n' % len(ids) in status


def test_crawl_failure_is_not_partial(fakeaws_factory, tmp_path):
    fake = fakeaws_factory(accounts=30, seed=13)
    clock = tmp_path / 'clock'
    clock.write_text('1000000\n')
    env = aws_env(fake, {'ORGFS_TEST_CLOCK_FILE': str(clock)})
    with Mount(['--endpoint=' + fake.url, '-o',
                'ttl=60,kernel_timeout=0,max_attempts=1,resources=off'], env=env,
               allow=[]) as m:
        # a failing crawl is an error naming the object, never a short list
        fake.control({'fail_page': {'op': 'ListTagsForResource', 'page': 1,
                                    'status': 500, 'code': 'InternalFailure'}})
        with pytest.raises(OSError) as e:
            os.listdir(m.p('owners'))
        assert e.value.errno == 5
        errors = read(m.p('.orgfs', 'errors'))
        assert 'tags of ' in errors and 'InternalFailure' in errors
        # with a complete crawl cached, a failed refresh serves it, stale
        wait_idle(m)        # no failure from before may land later
        fake.control({'fail_page': None})
        clock.write_text('1100000\n')
        full = sorted(os.listdir(m.p('owners')))
        fake.control({'fail_page': {'op': 'ListTagsForResource', 'page': 1,
                                    'status': 500, 'code': 'InternalFailure'}})
        clock.write_text('1200000\n')
        assert sorted(os.listdir(m.p('owners'))) == full
        wait_for(lambda: os.getxattr(m.p('owners'), 'user.orgfs.stale') == b'1',
                 what='the owners view marked stale')
        assert sorted(os.listdir(m.p('owners'))) == full


def test_links_only_for_members(mnt, org):
    """A link name that is not in its directory's listing does not exist:
    an account under another owner, an owned account under unowned/, an
    OU id under accounts/, an account under a tag value it lacks."""
    import errno
    owned = {a: owner_of(org, a)[0] for a in org.accounts}
    a, o = next((a, o) for a, o in sorted(owned.items()) if o)
    other = next(x for x in sorted(set(owned.values()) - {None, o}))
    ou = sorted(org.ous)[0]
    tagged = next((i, k, v) for i in sorted(org.accounts)
                  for k, v in sorted(org.tags.get(i, {}).items()))
    i, k, v = tagged
    absent = [mnt.p('owners', esc(other), 'accounts', a),
              mnt.p('owners', esc(o), 'ous', a),
              mnt.p('owners', esc(o), 'accounts', esc(ou)),
              mnt.p('unowned', 'accounts', a),
              mnt.p('owners', esc(o), 'accounts', '999999999999'),
              mnt.p('tags', esc(k), esc(v), 'ous', i)]
    for vv in sorted(set(x.get(k) for x in org.tags.values()) - {v, None}):
        absent.append(mnt.p('tags', esc(k), esc(vv), 'accounts', i))
        break
    for p in absent:
        with pytest.raises(OSError) as ei:
            os.readlink(p)
        assert ei.value.errno == errno.ENOENT, p
    assert os.readlink(mnt.p('owners', esc(o), 'accounts', a)) == \
        '../../../accounts/' + a
    assert os.readlink(mnt.p('tags', esc(k), esc(v), 'accounts', i)) == \
        '../../../../accounts/' + i
