"""memfs (tests/bench/memfs.c), the ideal FUSE file system that
tests/bench/fuse_floor.py measures orgfs against, still serves the tree
it loaded: the same names, content, link targets, modes and times, and
counts the requests by opcode."""
import os
import subprocess

import pytest

from memfsmount import MEMFS, MemFS

pytestmark = pytest.mark.skipif(not os.path.exists(MEMFS),
                                reason='memfs not built (-Dtests=enabled)')


def make_tree(root):
    os.makedirs(os.path.join(root, 'a', 'b'))
    os.makedirs(os.path.join(root, 'empty'))
    with open(os.path.join(root, 'a', 'f'), 'w') as fh:
        fh.write('hello\n')
    # larger than one READ and than a READDIRPLUS reply
    with open(os.path.join(root, 'big'), 'wb') as fh:
        fh.write(bytes(range(256)) * 4096)
    for i in range(600):
        with open(os.path.join(root, 'a', 'b', 'file%03d' % i), 'w') as fh:
            fh.write('%d\n' % i)
    open(os.path.join(root, 'zero'), 'w').close()
    os.symlink('a/f', os.path.join(root, 'link'))
    os.symlink('nowhere', os.path.join(root, 'a', 'dangling'))
    os.chmod(os.path.join(root, 'a', 'f'), 0o640)
    os.utime(os.path.join(root, 'a'), (1e9, 1e9))


def test_memfs_serves_the_tree_it_loaded(tmp_path):
    src = str(tmp_path / 'src')
    mnt = str(tmp_path / 'mnt')
    os.mkdir(mnt)
    make_tree(src)
    with MemFS(src, mnt) as m:
        # asked as soon as the mount shows: the daemon answers (SIGUSR1
        # blocked from its start), and has answered no request but INIT
        first = m.requests()
        assert first['INIT'] == 1
        r = subprocess.run(['diff', '-r', '--no-dereference', src, mnt],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        assert os.readlink(m.p('link')) == 'a/f'
        assert os.readlink(m.p('a', 'dangling')) == 'nowhere'
        for rel in ('a', 'a/f', 'big', 'zero', 'empty', 'a/b/file599'):
            s, t = os.lstat(os.path.join(src, rel)), os.lstat(m.p(rel))
            assert (s.st_mode, s.st_size, s.st_mtime_ns, s.st_uid) == \
                (t.st_mode, t.st_size, t.st_mtime_ns, t.st_uid), rel
        assert sorted(os.listdir(m.p('a', 'b'))) == \
            sorted(os.listdir(os.path.join(src, 'a', 'b')))
        with pytest.raises(FileNotFoundError):
            os.lstat(m.p('a', 'missing'))
        with pytest.raises(OSError):
            open(m.p('a', 'f'), 'w')
        reqs = m.requests()
    # what diff and the stats asked, counted by opcode
    assert reqs['READ'] >= 600
    assert reqs['READDIRPLUS'] >= 4
    assert reqs['READLINK'] >= 2
