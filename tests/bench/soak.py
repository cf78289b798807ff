#!/usr/bin/python3
"""Memory over many cycles of work (issue 18, item 7).

One cycle: a full traversal of the mount (`grep -r .`: every directory
listed, every file read) then SIGHUP (the cache dropped, so that the
next traversal fetches and renders everything again), until the daemon
is idle.  After each cycle: the daemon's VmRSS, threads and open fds,
the heap figures it logs at SIGHUP once the cache is dropped (mallinfo2:
bytes handed out, of which mapped apart, and bytes free in malloc's
arenas), which tell a leak (in use grows) from memory kept by malloc
(free grows), and the inodes and cache bytes of .orgfs/status.

The first --warmup cycles fill what is made once and kept (the FUSE
worker threads up to -o max_threads, their stacks and buffers, the inode
table, the arenas) and are left out of the figures.  Over the cycles
after them: the least-squares slope of each series per cycle with its
95% confidence interval (from the scatter about the line), and the
difference of the means of the second and first halves with its
standard error.  A series is "flat" when the interval holds 0 or the
slope is below --flat KiB a cycle (default 4: one page a cycle).

    /usr/bin/python3 tests/bench/soak.py [--cycles 39] [--warmup 6]
        [--demo 100 | --fake 20] [--baseline DIR] [-o OPTS]

--baseline DIR mounts DIR/fs/orgfs (another build, e.g. main's) beside
this one, on the same source, and alternates their cycles, so that both
see the same load of the shared machine; both columns come out side by
side.  --fake N mounts the fake endpoint (tests/fakeaws) with N
accounts instead of the demo: libcurl's handles, the signing, the
retries and the parsers of real replies then come into play.
"""
import argparse
import math
import os
import re
import signal
import statistics
import time

import benchlib as B
import orgfsmount
from orgfsmount import status, wait_for

# "heap N bytes in use, N free" (main since 18.7), then optionally
# "(N mapped apart)"
HEAP_RE = re.compile(r'cache dropped, heap (\d+) bytes in use, (\d+) free'
                     r'(?: \((\d+) mapped apart\))?')
KIB = 1024.0


def t975(dof):
    """The 97.5% quantile of Student's t with dof degrees of freedom
    (Cornish-Fisher expansion about the normal; within 0.5% from 5)."""
    z = 1.959964
    v = float(max(dof, 1))
    return (z + (z ** 3 + z) / (4 * v)
            + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v * v)
            + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z)
            / (384 * v ** 3))


def fit(ys):
    """(slope, half width of its 95% interval) of ys against 0, 1, ..."""
    n = len(ys)
    if n < 3:
        return 0.0, float('inf')
    mx = (n - 1) / 2.0
    my = sum(ys) / float(n)
    sxx = sum((x - mx) ** 2 for x in range(n))
    b = sum((x - mx) * (y - my) for x, y in enumerate(ys)) / sxx
    sse = sum((y - my - b * (x - mx)) ** 2 for x, y in enumerate(ys))
    se = math.sqrt(sse / (n - 2) / sxx)
    return b, t975(n - 2) * se


def halves(ys):
    """(mean of the second half - mean of the first, its standard error)"""
    h = len(ys) // 2
    a, b = ys[:h], ys[len(ys) - h:]
    if h < 2:
        return 0.0, float('inf')
    se = math.sqrt(statistics.variance(a) / h + statistics.variance(b) / h)
    return statistics.mean(b) - statistics.mean(a), se


def idle(m):
    st = status(m)
    return st['fetches_in_flight'] == '0' and st['fetches_queued'] == '0'


def proc_figures(pid):
    with open('/proc/%d/status' % pid) as fh:
        text = fh.read()
    rss = int(re.search(r'^VmRSS:\s+(\d+)', text, re.M).group(1))
    threads = int(re.search(r'^Threads:\s+(\d+)', text, re.M).group(1))
    return rss, threads, len(os.listdir('/proc/%d/fd' % pid))


class Soak:
    """One mount of one build, cycled."""

    def __init__(self, label, binary, args, env):
        self.label, self.binary, self.args, self.env = label, binary, args, env
        self.rows = []
        self.ctx = None
        self.m = None

    def __enter__(self):
        orgfsmount.ORGFS = self.binary
        self.ctx = B.mounted(self.args + ['-o', 'log_level=info'],
                             env=self.env)
        self.m = self.ctx.__enter__()
        return self

    def __exit__(self, *exc):
        return self.ctx.__exit__(*exc)

    def cycle(self):
        m, i = self.m, len(self.rows)
        t0 = time.monotonic()
        B.sh('grep -r . %s' % m.path, check=False)
        m.signal(signal.SIGHUP)
        wait_for(lambda: len(HEAP_RE.findall(m.output())) > i, timeout=120,
                 what='SIGHUP taken')
        wait_for(lambda: idle(m), timeout=600, what='idle')
        took = time.monotonic() - t0
        heap = HEAP_RE.findall(m.output())[-1]
        rss, threads, fds = proc_figures(m.proc.pid)
        st = status(m)
        row = {'rss': rss, 'threads': threads, 'fds': fds,
               'in_use': int(heap[0]) / KIB, 'free': int(heap[1]) / KIB,
               'mapped': int(heap[2]) / KIB if heap[2] else None,
               'inodes': int(st.get('inodes', 0)),
               'cache': int(st.get('cache_bytes', 0)), 'took': took}
        self.rows.append(row)
        print('%-8s cycle %2d: RSS %6d KiB  threads %2d  fds %3d  heap in '
              'use %6.0f KiB (mapped %s)  free %5.0f KiB  inodes %d  cache '
              '%d B  (%.1f s)' % (self.label, i + 1, rss, threads, fds,
                                  row['in_use'],
                                  '%.0f' % row['mapped']
                                  if row['mapped'] is not None else '-',
                                  row['free'], row['inodes'], row['cache'],
                                  took), flush=True)


SERIES = (('rss', 'RSS (KiB)'), ('in_use', 'heap in use (KiB)'),
          ('arena_use', 'heap in use in arenas (KiB)'),
          ('free', 'heap free (KiB)'), ('threads', 'threads'), ('fds', 'fds'))


def series(rows, key):
    if key == 'arena_use':
        if any(r['mapped'] is None for r in rows):
            return None
        return [r['in_use'] - r['mapped'] for r in rows]
    return [float(r[key]) for r in rows]


def summary(soaks, warmup, flat):
    print('\n# steady state: cycles %d-%d (the first %d are warm-up)'
          % (warmup + 1, len(soaks[0].rows), warmup))
    head = ['series']
    for s in soaks:
        head += ['%s first' % s.label, '%s last' % s.label,
                 '%s slope/cycle (95%% CI)' % s.label,
                 '%s 2nd-1st half' % s.label]
    out = []
    verdict = {}
    for key, name in SERIES:
        row = [name]
        for s in soaks:
            ys = series(s.rows[warmup:], key)
            if ys is None:
                row += ['-'] * 4
                continue
            b, ci = fit(ys)
            d, se = halves(ys)
            row += ['%.0f' % ys[0], '%.0f' % ys[-1],
                    '%+.1f +- %.1f' % (b, ci), '%+.0f +- %.0f' % (d, se)]
            if key in ('rss', 'arena_use', 'in_use'):
                verdict.setdefault(s.label, []).append(
                    (name, b, ci, abs(b) <= ci or abs(b) <= flat))
        out.append(row)
    B.table(out, head)
    for s in soaks:
        n = len(s.rows)
        whole = fit(series(s.rows, 'rss'))
        late = fit(series(s.rows[n // 2:], 'rss'))
        print('%s: RSS slope over all %d cycles %+.1f +- %.1f KiB/cycle, '
              'over cycles %d-%d %+.1f +- %.1f; median cycle %.1f s'
              % (s.label, n, whole[0], whole[1], n // 2 + 1, n, late[0],
                 late[1], statistics.median(r['took'] for r in s.rows)))
        for name, b, ci, ok in verdict[s.label]:
            print('  %s: %s (%+.1f +- %.1f KiB/cycle)'
                  % (name, 'flat' if ok else 'GROWS', b, ci))
    if len(soaks) == 2:
        a, b = (fit(series(s.rows[warmup:], 'rss'))[0] for s in soaks)
        print('RSS slope this - baseline: %+.1f KiB/cycle' % (b - a))
        ta, tb = (statistics.median(r['took'] for r in s.rows)
                  for s in soaks)
        print('median cycle time this / baseline: %.2f' % (tb / ta))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cycles', type=int, default=39)
    ap.add_argument('--warmup', type=int, default=6,
                    help='first cycles left out of the slopes')
    ap.add_argument('--demo', type=int, default=100,
                    help='accounts of the demo organization')
    ap.add_argument('--fake', type=int, default=0,
                    help='mount the fake endpoint with this many accounts')
    ap.add_argument('--flat', type=float, default=4.0,
                    help='a slope below this many KiB/cycle is flat')
    ap.add_argument('-o', dest='opts', help='more -o options for both')
    ap.add_argument('--baseline', help='build directory of the baseline')
    a = ap.parse_args()
    if a.cycles < a.warmup + 6:
        ap.error('--cycles must leave 6 cycles after the warm-up')
    what = ('the fake endpoint, %d accounts' % a.fake if a.fake
            else 'demo of %d accounts' % a.demo)
    B.header('soak: %d cycles of grep -r + SIGHUP, %s' % (a.cycles, what))
    builds = []
    if a.baseline:
        builds.append(('baseline', os.path.join(a.baseline, 'fs', 'orgfs')))
    builds.append(('this', orgfsmount.ORGFS))
    for label, binary in builds:
        print('# %s: %s' % (label, binary))
    extra = ['-o', a.opts] if a.opts else []
    fake = B.fake(accounts=a.fake, seed=18) if a.fake else None
    f = fake.__enter__() if fake else None
    try:
        if f:
            args = ['--endpoint=' + f.url] + B.UNLIMITED + extra
            env = B.aws_env(f)
        else:
            args, env = ['--demo=%d' % a.demo] + extra, None
        soaks = [Soak(label, binary, args, env) for label, binary in builds]
        entered = []
        try:
            for s in soaks:
                entered.append(s.__enter__())
            for _ in range(a.cycles):
                for s in soaks:     # alternated: the same load for each
                    s.cycle()
        finally:
            for s in reversed(entered):
                s.__exit__(None, None, None)
        summary(soaks, a.warmup, a.flat)
    finally:
        if fake:
            fake.__exit__(None, None, None)


if __name__ == '__main__':
    main()
