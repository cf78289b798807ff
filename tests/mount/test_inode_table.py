"""The daemon's inode table (fs/ops.c) through a real mount: what the
kernel forgets is dropped and looked up afresh, what it holds keeps its
inode number, and every path is rebuilt right from the entries above it,
whatever the order of forgets and lookups.

The kernel is made to forget by dropping its dentry and inode caches
(`echo 2 > /proc/sys/vm/drop_caches`, as root).  That the daemon let an
entry go shows in the inode number (an entry still in the table keeps
its number when the kernel looks the name up again, a new entry gets a
new one) and in the count of entries .orgfs/status gives ("inodes").

Dropping the caches makes every mount's kernel forget: these tests run
on their own, after the parallel run of the others, which count the
requests that reach their daemons (scripts/test.sh, marker "serial").
"""
import os
import signal
import threading

import pytest

from expected import Org
from orgfsmount import Mount, aws_env, status, wait_for

DROP = '/proc/sys/vm/drop_caches'

pytestmark = [pytest.mark.serial,
              pytest.mark.skipif(not os.access(DROP, os.W_OK),
                                 reason='cannot drop the kernel caches')]


def drop_kernel_caches():
    """Let the kernel forget every unused dentry and inode (of every
    mount: what other tests' mounts lose they look up again)."""
    with open(DROP, 'w') as fh:
        fh.write('2\n')


def read(path):
    with open(path, 'rb') as fh:
        return fh.read()


def deep_files(m, naccounts=8):
    """Files 3 to 5 levels down: accounts/ID/name, accounts/ID/tags/KEY,
    accounts/ID/config/REGION/RULE (where the demo's role may read)."""
    out = []
    for aid in sorted(os.listdir(m.p('accounts')))[:naccounts]:
        a = m.p('accounts', aid)
        out.append(os.path.join(a, 'name'))
        for k in sorted(os.listdir(os.path.join(a, 'tags'))):
            out.append(os.path.join(a, 'tags', k))
        cfg = os.path.join(a, 'config')
        if not os.path.isdir(cfg):
            continue
        for region in sorted(os.listdir(cfg)):
            d = os.path.join(cfg, region)
            if not os.path.isdir(d):
                continue
            try:
                rules = sorted(os.listdir(d))
            except PermissionError:
                continue        # the demo denies some accounts' role
            out += [os.path.join(d, r) for r in rules]
    return out


def ancestors(m, path):
    """The directories between the mount and path, deepest first."""
    out = []
    d = os.path.dirname(path)
    while d != m.path:
        out.append(d)
        d = os.path.dirname(d)
    return out


def inodes(m):
    """The entries of the daemon's inode table (.orgfs/status)."""
    return int(status(m)['inodes'])


def forgotten(path, ino):
    """Drop the kernel caches and look path up again: true once the
    daemon hands out a new inode number for it (its old entry is gone)."""
    drop_kernel_caches()
    return os.stat(path).st_ino != ino


def test_forgotten_nodes_are_looked_up_afresh():
    with Mount(['--demo=30', '-o', 'resources=off']) as m:
        files = deep_files(m)
        assert len(files) > 50
        deepest = max(files, key=lambda p: p.count('/'))
        assert deepest.count('/') - m.path.count('/') == 5, deepest
        want = {p: read(p) for p in files}
        ino = {p: os.stat(p).st_ino for p in files}
        for p in files:
            for d in ancestors(m, p):
                ino[d] = os.stat(d).st_ino
        assert len(set(ino.values())) == len(ino)
        # every file and directory looked up has its entry
        assert inodes(m) >= len(ino)

        # held open: the file and the directories above it stay known
        pinned = deepest
        fd = os.open(pinned, os.O_RDONLY)
        try:
            acct = ancestors(m, pinned)[-2]          # accounts/ID
            probe = next(os.path.dirname(p) for p in files
                         if not p.startswith(acct + '/') and '/tags/' in p)
            wait_for(lambda: forgotten(probe, ino[probe]), timeout=30,
                     what='the kernel to forget ' + probe)

            # everything is found again, with the same content
            for p in files:
                assert read(p) == want[p], p
            new = {p: os.stat(p).st_ino for p in files}
            assert len(set(new.values())) == len(new)

            # what the kernel held kept its number
            assert os.fstat(fd).st_ino == ino[pinned]
            assert os.stat(pinned).st_ino == ino[pinned]
            for d in ancestors(m, pinned):
                assert os.stat(d).st_ino == ino[d], d
            assert os.pread(fd, 1 << 16, 0) == want[pinned]
        finally:
            os.close(fd)

        # let go: the pinned chain is forgotten and freed too
        wait_for(lambda: forgotten(acct, ino[acct]), timeout=30,
                 what='the kernel to forget ' + acct)
        assert read(pinned) == want[pinned]
        assert os.stat(pinned).st_ino != ino[pinned]

        # with nothing held, the table empties: what is left is the path
        # to .orgfs/status being read, and what the kernel had not yet
        # let go of
        def emptied():
            drop_kernel_caches()
            return inodes(m) <= 2
        wait_for(emptied, timeout=30, what='the inode table to empty')


def test_forgets_racing_lookups_and_a_sweep():
    """Readers walk deep paths while the kernel forgets again and again
    and a SIGHUP makes the invalidation thread re-render every node the
    kernel holds: FORGETs for a directory and for the names in it reach
    the daemon's threads in any order."""
    with Mount(['--demo=30', '-o', 'resources=off']) as m:
        files = deep_files(m, naccounts=12)
        want = {p: read(p) for p in files}
        stop = threading.Event()
        rounds = [0] * 3
        bad = []

        def reader(k):
            try:
                while not stop.is_set():
                    for p in files[k::len(rounds)]:
                        got = read(p)
                        if got != want[p]:
                            bad.append((p, got))
                    rounds[k] += 1
            except Exception as e:          # reported below
                bad.append(('exception', repr(e)))
                stop.set()

        threads = [threading.Thread(target=reader, args=(k,), daemon=True)
                   for k in range(len(rounds))]
        for t in threads:
            t.start()
        try:
            for i in range(12):
                seen = list(rounds)
                drop_kernel_caches()
                if i == 6:
                    m.signal(signal.SIGHUP)
                # each reader through its files at least once since
                wait_for(lambda: stop.is_set() or
                         all(r > s + 1 for r, s in zip(rounds, seen)),
                         timeout=60, what='the readers to go round')
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
        assert not bad, bad[:5]
        assert all(r > 12 for r in rounds), rounds


def test_gone_node_invalidated_by_its_parent_and_name(fakeaws_factory):
    """A node the kernel holds that no longer exists: the sweep tells
    the kernel by (parent inode, name), rebuilt from the table."""
    fake = fakeaws_factory(accounts=20, seed=11)
    org = Org(fake.org())
    aid = next(a for a in sorted(org.accounts) if len(org.tags.get(a, {})) >= 2)
    key = sorted(org.tags[aid])[0]
    with Mount(['--endpoint=' + fake.url, '-o', 'resources=off'],
               env=aws_env(fake)) as m:
        tags = m.p('accounts', aid, 'tags')
        f = os.path.join(tags, key)
        assert read(f) == (org.tags[aid][key] + '\n').encode()
        ino = os.stat(f).st_ino
        fake.mutate({'remove_tags': {aid: [key]}})
        # the TTL is 300 s: without SIGHUP the kernel keeps the name
        assert os.stat(f).st_ino == ino
        m.signal(signal.SIGHUP)
        wait_for(lambda: not os.path.exists(f), timeout=20,
                 what='the kernel to be told the tag is gone')
        assert key not in os.listdir(tags)
        assert sorted(os.listdir(tags)) == sorted(
            k for k in org.tags[aid] if k != key)
