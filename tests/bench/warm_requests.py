#!/usr/bin/python3
"""FUSE requests that reach the daemon when the kernel is warm.

A mount of the demo (200 accounts; --quick: 30) is walked twice (cold,
then warm-up); a third pass stats and reads every file and lists every
directory that worked in the second, and the requests it made are
counted by opcode (.orgfs/status).  Target (BENCHMARKS.md): 0 per warm
read, stat and listing within the TTL, whatever invalidation orgfs adds (issue 18 #1:
listings dropped only when their data changed or their TTL ran out).
Then the same pass over the names that fail by design (the demo's
refused accounts): what each costs, since a name that fails is answered
afresh every time.
"""
import os
import sys

import benchlib as B


def walk(root, ok_files, ok_dirs, bad):
    for d, dirs, files in os.walk(root, onerror=lambda e: bad.append(e.filename)):
        dirs[:] = [x for x in dirs if x != '.orgfs']
        ok_dirs.append(d)
        for f in files:
            p = os.path.join(d, f)
            try:
                os.lstat(p)
                if not os.path.islink(p):
                    with open(p, 'rb') as fh:
                        fh.read()
                ok_files.append(p)
            except OSError:
                bad.append(p)


def warm_pass(files, dirs, bad):
    for d in dirs:
        os.listdir(d)
    for p in files:
        os.lstat(p)
        if not os.path.islink(p):
            fd = os.open(p, os.O_RDONLY)
            os.read(fd, 65536)
            os.close(fd)
    for p in bad:
        try:
            os.lstat(p)
            if os.path.isdir(p):
                os.listdir(p)
            else:
                with open(p, 'rb') as fh:
                    fh.read()
        except OSError:
            pass


def count(mnt, fn, *a):
    before = B.fuse_requests(mnt)
    fn(*a)
    return B.diff_counts(B.fuse_requests(mnt), before)


def main():
    B.header('FUSE requests of a warm walk (stat, read, list)')
    n = 30 if B.QUICK else 200
    args = ['--demo=%d' % n, '-o', 'ttl=3600']
    print('orgfs args: %s' % ' '.join(args))
    with B.mounted(args) as m:
        walk(m.path, [], [], [])
        files, dirs, bad = [], [], []
        walk(m.path, files, dirs, bad)
        ok = count(m, warm_pass, files, dirs, [])
        failing = count(m, warm_pass, [], [], bad)
    ok = {k: v for k, v in ok.items() if k != 'IOCTL'}
    failing = {k: v for k, v in failing.items() if k != 'IOCTL'}
    B.table([['%d files, %d directories that work' % (len(files), len(dirs)),
              sum(ok.values()), ' '.join('%s %d' % kv for kv in sorted(ok.items())) or '-'],
             ['%d names that fail by design' % len(bad), sum(failing.values()),
              ' '.join('%s %d' % kv for kv in sorted(failing.items())) or '-']],
            ['warm pass', 'FUSE requests', 'by opcode (IOCTL of open() left out)'])
    print('target: 0 requests for what works -> %s'
          % ('met' if not sum(ok.values()) else 'MISSED'))


if __name__ == '__main__':
    sys.exit(main())
