"""Large directories read a few entries at a time (issue 17.2): every name
exactly once, also when the data changes version between two getdents
calls of one read (a SIGHUP and a changed organization)."""
import ctypes
import os
import signal
import struct
from collections import Counter

from orgfsmount import Mount, aws_env, wait_for

libc = ctypes.CDLL(None, use_errno=True)
SYS_getdents64 = 217    # x86_64


def getdents(fd, size=512):
    """One getdents64 call with a small buffer: the names it returns."""
    buf = ctypes.create_string_buffer(size)
    n = libc.syscall(SYS_getdents64, fd, buf, size)
    if n < 0:
        raise OSError(ctypes.get_errno(), 'getdents64')
    out, pos = [], 0
    raw = buf.raw[:n]
    while pos < n:
        _ino, _off, reclen, _type = struct.unpack_from('<QqHB', raw, pos)
        name = raw[pos + 19:pos + reclen].split(b'\0', 1)[0].decode()
        if name not in ('.', '..'):
            out.append(name)
        pos += reclen
    return out


def read_small(path, between=None):
    """Every name of path through getdents64 calls of 512 bytes;
    between() runs once, after the first call."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        names = getdents(fd)
        if between:
            between()
        while True:
            more = getdents(fd)
            if not more:
                return names
            names += more
    finally:
        os.close(fd)


def once_each(names):
    doubled = [n for n, k in Counter(names).items() if k > 1]
    assert not doubled, 'listed twice: %s' % doubled[:5]


def test_large_listing_small_buffer():
    with Mount(['--demo=3000', '-o', 'resources=off']) as m:
        acc = read_small(m.p('accounts'))
        once_each(acc)
        assert len(acc) == 3000
        assert sorted(acc) == sorted(os.listdir(m.p('accounts')))
        assert sorted(acc) == sorted(e.name for e in os.scandir(m.p('accounts')))
        byname = read_small(m.p('by-name'))
        once_each(byname)
        # one entry per account, each a link to it
        assert sorted(os.readlink(m.p('by-name', n)).rsplit('/', 1)[1]
                      for n in byname) == sorted(acc)
        owners = read_small(m.p('owners'))
        once_each(owners)
        assert sorted(owners) == sorted(os.listdir(m.p('owners')))


def test_version_change_mid_listing(fakeaws_factory):
    """Accounts that sort first join between two getdents calls, SIGHUP
    makes orgfs see them: the read goes on on the listing it began with,
    nothing lost or seen twice; a new read sees the new accounts."""
    fake = fakeaws_factory(accounts=600, seed=17)
    root = fake.org()['roots'][0]['Id']
    new = ['%012d' % (i + 1) for i in range(100)]
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake)) as m:
        before = os.listdir(m.p('accounts'))
        assert not set(new) & set(before)

        def change():
            fake.mutate({'raw_accounts': [
                {'Id': a, 'Name': 'joined-%s' % a, 'ParentId': root}
                for a in new]})
            m.signal(signal.SIGHUP)
            # a new read (not a lookup: the kernel may keep the
            # negative answer of one made before the SIGHUP took effect)
            wait_for(lambda: new[0] in os.listdir(m.p('accounts')),
                     timeout=20, what='the new accounts after SIGHUP')

        got = read_small(m.p('accounts'), between=change)
        once_each(got)
        assert sorted(got) == sorted(before)
        after = os.listdir(m.p('accounts'))
        once_each(after)
        assert sorted(after) == sorted(before + new)
        byname = read_small(m.p('by-name'))
        once_each(byname)
        assert len(byname) == len(after)
