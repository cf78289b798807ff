#!/usr/bin/python3
"""`cp -a` of a warm mount vs the same copy from tmpfs (issue 17, item 3).

A demo organization of 200 accounts (--quick: 50) with resources is
crawled (`grep -r`), copied once to a tmpfs (tar, without .orgfs/), then
`cp -a` of accounts/ runs alternately from the mount and from the tmpfs
copy into the tmpfs (5 rounds, --quick 3; the destination removed between
runs).  Prints both medians and the ratio (target: <= 1.5).  A second,
-d mount of the same tree counts the FUSE requests of one warm `cp -a`
by opcode (LISTXATTR and GETXATTR are what extended attributes cost).
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

import benchlib as B


def demo_args(n):
    args = ['--demo=%d' % n, '-o', 'ttl=3600']
    opt = B.demo_resources_option()
    if opt:
        args += ['-o', '%s=125' % opt]
    return args


def cp(src, dst):
    t = time.perf_counter()
    r = subprocess.run(['cp', '-a', src, dst], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    secs = time.perf_counter() - t
    errs = r.stderr.splitlines()
    if not os.path.isdir(dst):
        raise RuntimeError('cp -a %s failed (exit %d): %s' % (
            src, r.returncode, ' | '.join(errs[:5])))
    shutil.rmtree(dst)
    return secs, len(errs)


def main():
    B.header('cp -a of a warm mount vs the same copy from tmpfs')
    n = 50 if B.QUICK else 200
    rounds = 3 if B.QUICK else 5
    args = demo_args(n)
    print('orgfs args: %s' % ' '.join(args))
    with B.mounted(args) as m, B.tmpfs() as tdir:
        B.sh('grep -r . %s' % m.path, check=False)   # cold: the crawl
        src = os.path.join(tdir, 'src')
        os.mkdir(src)
        B.copy_tree(m.path, src)
        nfiles = sum(len(f) for _d, _s, f in os.walk(os.path.join(src, 'accounts')))
        cp(m.p('accounts'), os.path.join(tdir, 'warm'))      # warm-up
        cp(os.path.join(src, 'accounts'), os.path.join(tdir, 'warm'))
        mt, tt, errs = [], [], 0
        for _ in range(rounds):
            s, e = cp(m.p('accounts'), os.path.join(tdir, 'dst'))
            mt.append(s)
            errs += e
            s, _e = cp(os.path.join(src, 'accounts'), os.path.join(tdir, 'dst'))
            tt.append(s)
    mm, tm = statistics.median(mt), statistics.median(tt)
    print('accounts/: %d files and links; cp -a errors from the mount: %d'
          % (nfiles, errs))
    B.table([['cp -a accounts/ (median of %d)' % rounds, mm, tm, mm / tm],
             ['  runs', ' '.join('%.2f' % x for x in mt),
              ' '.join('%.2f' % x for x in tt), '']],
            ['warm', 'mount s', 'tmpfs s', 'mount/tmpfs'])
    print('target: ratio <= 1.5 -> %s' % ('met' if mm / tm <= 1.5 else 'MISSED'))
    sys.stdout.flush()

    nd = 20 if B.QUICK else 50
    dargs = demo_args(nd)
    print('FUSE requests of one warm cp -a: -d mount of %s' % ' '.join(dargs))
    with B.mounted(['-d'] + dargs) as m, B.tmpfs('1G') as tdir:
        B.sh('grep -r . %s' % m.path, check=False)
        cp(m.p('accounts'), os.path.join(tdir, 'dst'))
        before = B.fuse_requests(m)
        cp(m.p('accounts'), os.path.join(tdir, 'dst'))
        during = B.diff_counts(B.fuse_requests(m), before)
    print('total %d: %s' % (sum(during.values()), ' '.join(
        '%s=%d' % kv for kv in sorted(during.items()))))


if __name__ == '__main__':
    main()
