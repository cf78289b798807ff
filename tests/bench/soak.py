#!/usr/bin/python3
"""Memory over many cycles of work (issue 18, item 7).

One cycle: a full traversal of the mount (`grep -r .`: every directory
listed, every file read) then SIGHUP (the cache dropped, so that the
next traversal fetches and renders everything again), until the daemon
is idle.  After each cycle: the daemon's VmRSS and threads, and the heap
figures the daemon logs at SIGHUP (bytes in use and free in malloc's
arenas, mallinfo2), which tell a leak (in use grows) from memory kept by
malloc (free grows).  At the end: the least-squares slopes of RSS in KiB
per cycle over the cycles after the first (the first fills the caches)
and over the second half (after the warm-up: threads' stacks, the inode
table, the arenas), and of the heap in use over the second half.

    /usr/bin/python3 tests/bench/soak.py [--cycles 15] [--demo 300]
        [--baseline DIR]

--baseline DIR runs the same soak with DIR/fs/orgfs first (an older
build), so that the two slopes are measured side by side on one machine.
"""
import argparse
import os
import re
import signal
import subprocess
import time

import benchlib as B
import orgfsmount
from orgfsmount import status, wait_for

HEAP_RE = re.compile(r'heap (\d+) bytes in use, (\d+) free')


def slope(ys):
    """Least-squares slope of ys against 0, 1, 2, ..."""
    n = len(ys)
    if n < 2:
        return 0.0
    mx = (n - 1) / 2.0
    my = sum(ys) / float(n)
    sxx = sum((x - mx) ** 2 for x in range(n))
    return sum((x - mx) * (y - my) for x, y in enumerate(ys)) / sxx


def idle(m):
    st = status(m)
    return st['fetches_in_flight'] == '0' and st['fetches_queued'] == '0'


def soak(binary, cycles, accounts, label):
    orgfsmount.ORGFS = binary
    rows = []
    args = ['--demo=%d' % accounts, '-o', 'log_level=info']
    with B.mounted(args) as m:
        pid = m.proc.pid
        for i in range(cycles):
            t0 = time.monotonic()
            B.sh('grep -r . %s' % m.path, check=False)
            m.signal(signal.SIGHUP)
            # (an older build does not log the heap)
            wait_for(lambda: m.output().count('SIGHUP: dropping') > i,
                     timeout=60, what='SIGHUP taken')
            wait_for(lambda: idle(m), timeout=300, what='idle')
            took = time.monotonic() - t0
            heap = HEAP_RE.findall(m.output())
            in_use, free = (int(heap[-1][0]), int(heap[-1][1])) if heap \
                else (0, 0)
            st = status(m)
            r, hwm = B.rss(pid)
            with open('/proc/%d/status' % pid) as fh:
                threads = re.search(r'^Threads:\s+(\d+)', fh.read(),
                                    re.M).group(1)
            rows.append((i + 1, r, in_use, free, took))
            print('%s cycle %2d: RSS %7.2f MiB  heap in use %7.2f MiB  '
                  'free %6.2f MiB  threads %s  inodes %s  cache %s B  '
                  'views %s B  (%.1f s)' % (label, i + 1, B.mib(r),
                                            B.mib(in_use),
                                B.mib(free), threads, st.get('inodes'), st.get('cache_bytes'),
                                st.get('views_bytes'), took), flush=True)
    # the first cycles warm up (threads' stacks, the inode table, the
    # arenas): the slope that tells a leak is the one of the second half
    half = rows[len(rows) // 2:]
    return (slope([r[1] / 1024.0 for r in rows[1:]]),
            slope([r[1] / 1024.0 for r in half]),
            slope([r[2] / 1024.0 for r in half]), rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cycles', type=int, default=15)
    ap.add_argument('--demo', type=int, default=300,
                    help='accounts of the demo organization')
    ap.add_argument('--baseline', help='build directory of the baseline')
    a = ap.parse_args()
    B.header('soak: %d cycles of grep -r + SIGHUP, demo of %d accounts'
             % (a.cycles, a.demo))
    runs = []
    if a.baseline:
        runs.append(('baseline', os.path.join(a.baseline, 'fs', 'orgfs')))
    runs.append(('this', orgfsmount.ORGFS))
    out = []
    for label, binary in runs:
        s_all, s_half, s_use, rows = soak(binary, a.cycles, a.demo, label)
        out.append((label, B.mib(rows[0][1]), B.mib(rows[-1][1]), s_all,
                    s_half, s_use))
    B.table([(l, '%.2f' % first, '%.2f' % last, '%+.1f' % sa, '%+.1f' % sh,
              '%+.1f' % su) for l, first, last, sa, sh, su in out],
            ('build', 'RSS cycle 1 (MiB)', 'RSS last (MiB)',
             'RSS slope, cycles 2- (KiB/cycle)',
             'RSS slope, 2nd half (KiB/cycle)',
             'heap in use slope, 2nd half (KiB/cycle)'))


if __name__ == '__main__':
    main()
