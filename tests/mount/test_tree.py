"""The organization tree of a mount of the fake endpoint: exact contents,
symlinks, names, copies, read-only-ness."""
import errno
import json
import os
import subprocess

import pytest

from expected import Org, esc, iso
from orgfsmount import Mount, aws_env


@pytest.fixture(scope='module')
def fake():
    from fixture import FakeAWS
    f = FakeAWS(accounts=60, seed=7)
    yield f
    f.stop()


@pytest.fixture(scope='module')
def mnt(fake):
    m = Mount(['--endpoint=' + fake.url, '-o', 'resources=off'], env=aws_env(fake))
    m.start()
    yield m
    m.stop()


@pytest.fixture(scope='module')
def org(fake):
    return Org(fake.org())


def read(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as fh:
        return fh.read()


def test_top_level(mnt):
    assert sorted(os.listdir(mnt.path)) == sorted([
        'README', 'tables', 'org', 'accounts', 'by-name', 'ous',
        'tree', 'policies', 'owners', 'unowned', 'tags', 'compliance', '.orgfs',
        'access'])
    st = os.stat(mnt.p('README'))
    assert st.st_mode & 0o777 == 0o444
    assert st.st_size == len(read(mnt.p('README')).encode())
    assert os.stat(mnt.p('accounts')).st_mode & 0o777 == 0o555


def test_org(mnt, org):
    o = org.d['organization']
    assert read(mnt.p('org', 'id')) == o['Id'] + '\n'
    assert read(mnt.p('org', 'arn')) == o['Arn'] + '\n'
    assert read(mnt.p('org', 'management_account_id')) == o['MasterAccountId'] + '\n'
    assert read(mnt.p('org', 'management_account_email')) == o['MasterAccountEmail'] + '\n'
    assert read(mnt.p('org', 'feature_set')) == o['FeatureSet'] + '\n'


def test_accounts_exact(mnt, org):
    assert sorted(os.listdir(mnt.p('accounts'))) == sorted(org.accounts)
    for aid, a in org.accounts.items():
        d = mnt.p('accounts', aid)
        readable = org.state(a) == 'ACTIVE'    # nothing else is crawled
        assert sorted(os.listdir(d)) == sorted([
            'name', 'email', 'state', 'arn', 'joined_method', 'joined',
            'parent', 'path', 'owner', 'owner.source', 'tags', 'policies',
            'policies.tsv', 'policies.jsonl', 'compliance',
            'effective_tag_policy.json', 'access', 'access.tsv', 'access.jsonl',
            'owner_has_access'] +
            (['config'] if readable else []))
        assert read(os.path.join(d, 'name')) == a['Name'] + '\n'
        assert read(os.path.join(d, 'email')) == a['Email'] + '\n'
        assert read(os.path.join(d, 'state')) == org.state(a) + '\n'
        assert read(os.path.join(d, 'arn')) == a['Arn'] + '\n'
        assert read(os.path.join(d, 'joined_method')) == a['JoinedMethod'] + '\n'
        assert read(os.path.join(d, 'joined')) == iso(a['JoinedTimestamp']) + '\n'
        assert os.readlink(os.path.join(d, 'parent')) == '../../ous/' + esc(a['ParentId'])
        assert os.path.isdir(os.path.join(d, 'parent'))
        assert read(os.path.join(d, 'path')) == org.tree_path(a['ParentId']) + '\n'
        tags = org.tags.get(aid, {})
        assert sorted(os.listdir(os.path.join(d, 'tags'))) == sorted(esc(k) for k in tags)
        for k, v in tags.items():
            assert read(os.path.join(d, 'tags', esc(k))) == v + '\n'
        pol = sorted(os.listdir(os.path.join(d, 'policies')))
        assert pol == org.policies_of(aid)
        for p in pol:
            assert os.readlink(os.path.join(d, 'policies', p)) == '../../../policies/' + p
            assert os.path.isdir(os.path.join(d, 'policies', p))


def test_accounts_tsv(mnt, org):
    lines = read(mnt.p('tables', 'accounts.tsv')).splitlines()
    assert lines[0] == 'id\tname\temail\tstate\tpath\towner'
    want = []
    for aid in sorted(org.accounts):
        a = org.accounts[aid]
        clean = lambda s: s.replace('\t', ' ').replace('\n', ' ')  # noqa: E731
        want.append('\t'.join([aid, clean(a['Name']), clean(a['Email']),
                               org.state(a), org.tree_path(a['ParentId'])]))
    assert ['\t'.join(ln.split('\t')[:5]) for ln in lines[1:]] == want


def test_ous_exact(mnt, org):
    every = dict(org.roots)
    every.update(org.ous)
    assert sorted(os.listdir(mnt.p('ous'))) == sorted(esc(i) for i in every)
    for oid, u in every.items():
        d = mnt.p('ous', esc(oid))
        assert read(os.path.join(d, 'name')) == u['Name'] + '\n'
        assert read(os.path.join(d, 'arn')) == u['Arn'] + '\n'
        assert read(os.path.join(d, 'path')) == org.tree_path(oid) + '\n'
        parent = u.get('ParentId')
        if parent:
            assert os.readlink(os.path.join(d, 'parent')) == '../' + esc(parent)
        else:
            assert not os.path.lexists(os.path.join(d, 'parent'))
        accts = sorted(a for a, v in org.accounts.items() if v['ParentId'] == oid)
        assert sorted(os.listdir(os.path.join(d, 'accounts'))) == accts
        for a in accts:
            link = os.path.join(d, 'accounts', a)
            assert os.readlink(link) == '../../../accounts/' + a
            assert os.path.isdir(link)
        kids = sorted(esc(k) for k, v in org.ous.items() if v['ParentId'] == oid)
        assert sorted(os.listdir(os.path.join(d, 'children'))) == kids
        for k in kids:
            assert os.readlink(os.path.join(d, 'children', k)) == '../../' + k
            assert os.path.isdir(os.path.join(d, 'children', k))
        tags = org.tags.get(oid, {})
        assert sorted(os.listdir(os.path.join(d, 'tags'))) == sorted(esc(k) for k in tags)
        for k, v in tags.items():
            assert read(os.path.join(d, 'tags', esc(k))) == v + '\n'
        assert sorted(os.listdir(os.path.join(d, 'policies'))) == org.policies_of(oid)


def test_policies_exact(mnt, org):
    assert sorted(os.listdir(mnt.p('policies'))) == sorted(esc(p) for p in org.policies)
    for pid, p in org.policies.items():
        d = mnt.p('policies', esc(pid))
        assert read(os.path.join(d, 'name')) == p['Name'] + '\n'
        assert read(os.path.join(d, 'type')) == p['Type'] + '\n'
        assert read(os.path.join(d, 'description')) == p.get('Description', '') + '\n'
        assert read(os.path.join(d, 'aws_managed')) == \
            ('true' if p.get('AwsManaged') else 'false') + '\n'
        content = read(os.path.join(d, 'content.json'))
        assert json.loads(content) == json.loads(p['Content'])
        if len(json.loads(p['Content'])) > 1:
            assert '\n  "' in content, 'content.json is pretty-printed'
        targets = sorted(esc(t) for t in p.get('Targets', []))
        assert sorted(os.listdir(os.path.join(d, 'targets'))) == targets
        for t in p.get('Targets', []):
            link = os.readlink(os.path.join(d, 'targets', esc(t)))
            kind = 'accounts' if t in org.accounts else 'ous'
            assert link == '../../../%s/%s' % (kind, esc(t))
            assert os.path.isdir(os.path.join(d, 'targets', esc(t)))


def test_by_name(mnt, org):
    want = org.by_name()
    assert sorted(os.listdir(mnt.p('by-name'))) == sorted(want)
    for name, aid in want.items():
        assert os.readlink(mnt.p('by-name', name)) == '../accounts/' + aid
        assert read(mnt.p('by-name', name, 'name')) == org.accounts[aid]['Name'] + '\n'


def test_tree(mnt, org):
    def walk(parent, rel, depth):
        want = org.tree_children(parent)
        got = sorted(os.listdir(os.path.join(mnt.path, 'tree', *rel)))
        assert got == [n for n, _, _ in want], rel
        for name, oid, is_ou in want:
            p = os.path.join(mnt.path, 'tree', *rel, name)
            if is_ou:
                assert os.path.isdir(p) and not os.path.islink(p)
                walk(oid, rel + [name], depth + 1)
            else:
                assert os.readlink(p) == '../' * (depth + 1) + 'accounts/' + oid
                assert read(os.path.join(p, 'name')) == org.accounts[oid]['Name'] + '\n'
    walk(None, [], 0)


def test_names_escaped(mnt, org):
    # the generator's hostile names: '/', '%', leading '.', spaces, unicode
    names = [u['Name'] for u in org.ous.values()]
    assert any('/' in n for n in names) and any('%' in n for n in names)
    assert any(n.startswith('.') for n in names)
    every = set()
    for root, dirs, files in os.walk(mnt.p('tree')):
        every.update(dirs + files)
    for n in names:
        shown = [e for e in every if e == esc(n) or e.startswith(esc(n) + ' (')]
        assert shown, n


def test_copy_tar_diff(mnt, tmp_path):
    cp = tmp_path / 'cp'
    subprocess.run(['cp', '-a', mnt.path, str(cp)], check=True)
    r = subprocess.run(['diff', '-r', '--no-dereference', '-x', '.orgfs',
                        mnt.path, str(cp)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    tar = tmp_path / 't.tar'
    subprocess.run(['tar', '-C', mnt.path, '--exclude=.orgfs', '-cf', str(tar), '.'],
                   check=True)
    out = tmp_path / 'untar'
    out.mkdir()
    subprocess.run(['tar', '-C', str(out), '-xf', str(tar)], check=True)
    r = subprocess.run(['diff', '-r', '--no-dereference', '-x', '.orgfs',
                        mnt.path, str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    # no cycles through real directories: find terminates, -L not needed
    r = subprocess.run(['find', mnt.path], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0


@pytest.mark.parametrize('cmd', [
    'echo x > {d}/README',
    'echo x >> {d}/tables/accounts.tsv',
    'touch {d}/newfile',
    'rm {d}/README',
    'mv {d}/README {d}/README2',
    'mkdir {d}/newdir',
    'rmdir {d}/org',
    'chmod 777 {d}/README',
    'ln -s README {d}/link',
    'ln {d}/README {d}/hard',
    'setfattr -n user.x -v 1 {d}/README',
    'truncate -s 0 {d}/README',
])
def test_read_only(mnt, cmd):
    r = subprocess.run(['sh', '-c', cmd.format(d=mnt.path)],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert 'Read-only file system' in r.stderr, r.stderr


def test_read_only_syscalls(mnt):
    for flags in (os.O_WRONLY, os.O_RDWR, os.O_WRONLY | os.O_CREAT | os.O_TRUNC):
        with pytest.raises(OSError) as e:
            os.open(mnt.p('README'), flags)
        assert e.value.errno == errno.EROFS
    with pytest.raises(OSError) as e:
        os.setxattr(mnt.p('README'), 'user.x', b'1')
    assert e.value.errno == errno.EROFS
    with pytest.raises(OSError) as e:
        os.utime(mnt.p('README'))
    assert e.value.errno == errno.EROFS


def test_xattrs_asked_by_name_not_listed(mnt, tmp_path):
    """user.orgfs.* answer by name, from the cache; none is listed
    (listxattr fails with ENOTSUP by default), so a copy (cp -a) asks for
    none and carries none (issue 17.3)."""
    acct = sorted(os.listdir(mnt.p('accounts')))[0]
    paths = [mnt.p('README'), mnt.p('accounts'), mnt.p('accounts', acct),
             mnt.p('accounts', acct, 'name')]
    for p in paths:
        with pytest.raises(OSError) as e:
            os.listxattr(p)
        assert e.value.errno == errno.EOPNOTSUPP
        assert os.getxattr(p, 'user.orgfs.stale') == b'0'
        assert len(os.getxattr(p, 'user.orgfs.fetched')) == 20
    # a file's fetch time is its data's: the same as its mtime
    st = os.stat(mnt.p('accounts', acct, 'name'))
    assert os.getxattr(mnt.p('accounts', acct, 'name'),
                       'user.orgfs.fetched').decode() == iso(st.st_mtime)
    dst = str(tmp_path / 'copy')
    subprocess.run(['cp', '-a', mnt.p('accounts', acct), dst], check=True)
    for d, dirs, files in os.walk(dst):
        for name in dirs + files:
            assert not [x for x in os.listxattr(os.path.join(d, name),
                                                follow_symlinks=False)
                        if x.startswith('user.orgfs.')]


@pytest.mark.parametrize('opts', [[], ['-o', 'no_listxattr']])
def test_listxattr_unsupported_copies_without_asking(tmp_path, opts):
    """By default (and with -o no_listxattr, its former name; issue 17.3)
    listxattr fails with ENOTSUP and the kernel stops asking for it, so cp
    -a and rsync -aX copy as before, silently, with one LISTXATTR request
    for the whole mount; the names still answer when asked."""
    with Mount(['-d', '--demo=10'] + opts,
               allow=[r'unique: \d+, error: -\d+ ']) as m:
        acct = sorted(os.listdir(m.p('accounts')))[0]
        with pytest.raises(OSError) as e:
            os.listxattr(m.p('README'))
        assert e.value.errno == errno.EOPNOTSUPP
        assert os.getxattr(m.p('README'), 'user.orgfs.stale') == b'0'
        dst = str(tmp_path / 'copy')
        r = subprocess.run(['cp', '-a', m.p('accounts', acct), dst],
                           capture_output=True, text=True)
        assert (r.returncode, r.stderr) == (0, '')
        r = subprocess.run(['rsync', '-aX', m.p('accounts', acct) + '/',
                            str(tmp_path / 'rsync')],
                           capture_output=True, text=True)
        assert (r.returncode, r.stderr) == (0, '')
        r = subprocess.run(['diff', '-r', '--no-dereference', dst,
                            str(tmp_path / 'rsync')], capture_output=True)
        assert r.returncode == 0
        asked = m.output().count('opcode: LISTXATTR')
    assert asked == 1, asked


def test_listxattr_option_lists_nothing(tmp_path):
    """-o listxattr: an empty list, so getfattr -d and tar --xattrs work
    quietly and carry nothing, at one request per file and ask."""
    with Mount(['-d', '--demo=10', '-o', 'listxattr'],
               allow=[r'unique: \d+, error: -\d+ ']) as m:
        acct = sorted(os.listdir(m.p('accounts')))[0]
        assert os.listxattr(m.p('README')) == []
        assert os.listxattr(m.p('accounts', acct)) == []
        r = subprocess.run(['tar', '--xattrs', '-cf', str(tmp_path / 't.tar'),
                            '-C', m.p('accounts', acct), '.'],
                           capture_output=True, text=True)
        assert (r.returncode, r.stderr) == (0, '')
        asked = m.output().count('opcode: LISTXATTR')
    assert asked > 2, asked


def test_xattrs_and_dot_orgfs(mnt):
    assert os.getxattr(mnt.p('README'), 'user.orgfs.stale') == b'0'
    assert len(os.getxattr(mnt.p('README'), 'user.orgfs.fetched')) == 20
    status = read(mnt.p('.orgfs', 'status'))
    assert 'cache_entries\t' in status and 'api_calls\t' in status
    cfg = read(mnt.p('.orgfs', 'config'))
    assert 'source\taws' in cfg
    assert read(mnt.p('.orgfs', 'errors')).startswith('time\tpath\t')
    # .orgfs/status is rendered afresh on every read
    before = read(mnt.p('.orgfs', 'status'))
    os.getxattr(mnt.p('README'), 'user.orgfs.fetched')     # a cache hit
    after = read(mnt.p('.orgfs', 'status'))
    assert before != after


def test_path_round_trips(mnt, org):
    """accounts/<id>/path and ous/<id>/path name the directory under tree/
    that holds the object, whatever its OUs are called (issue 16.6):
    `ls "tree/$(cat accounts/<id>/path)"` works, and the raw names stay
    readable in each OU's name."""
    odd = [u for u in org.ous.values()
           if '/' in u['Name'] or u['Name'].startswith('.') or '%' in u['Name']]
    assert odd, 'the fake has hostile OU names'
    for aid in org.accounts:
        path = read(mnt.p('accounts', aid, 'path'))[:-1]
        r = subprocess.run('ls "tree/$(cat accounts/%s/path)"' % aid, shell=True,
                           cwd=mnt.path, capture_output=True, text=True)
        assert r.returncode == 0, (aid, path, r.stderr)
        links = [os.readlink(mnt.p('tree', path, n)) for n in r.stdout.split('\n')
                 if n and os.path.islink(mnt.p('tree', path, n))]
        assert any(t.endswith('accounts/' + aid) for t in links), (aid, path)
    for u in odd:
        path = read(mnt.p('ous', esc(u['Id']), 'path'))[:-1]
        assert os.path.isdir(mnt.p('tree', path)), path
        assert read(mnt.p('ous', esc(u['Id']), 'name')) == u['Name'] + '\n'


def test_disabled_policy_type_listed(fakeaws_factory):
    """Disabling a type on the root detaches its policies without deleting
    them: policies/ lists them still, with type_enabled false (16.6)."""
    fake = fakeaws_factory(accounts=6, seed=64)
    org = Org(fake.org())
    root = list(org.roots)[0]
    types = [t['Type'] for t in org.roots[root]['PolicyTypes']]
    off = 'BACKUP_POLICY'
    assert off in types and any(p['Type'] == off for p in org.policies.values())
    fake.mutate({'root': {root: {'PolicyTypes': [
        {'Type': t, 'Status': 'ENABLED'} for t in types if t != off]}}})
    with Mount(['--endpoint=' + fake.url, '-o', 'resources=off'],
               env=aws_env(fake)) as m:
        assert sorted(os.listdir(m.p('policies'))) == sorted(esc(p) for p in org.policies)
        for pid, p in org.policies.items():
            d = m.p('policies', esc(pid))
            assert 'type_enabled' in os.listdir(d)
            assert read(os.path.join(d, 'type_enabled')) == \
                ('false' if p['Type'] == off else 'true') + '\n', pid
