#!/usr/bin/python3
"""What orgfs's malloc thread caches off cost in speed (issue 18.7).

orgfs starts itself with glibc's per-thread caches off (tcache, fs/main.c)
unless GLIBC_TUNABLES sets them.  The same binary is mounted twice on the
demo: as it starts ("off") and with GLIBC_TUNABLES=
glibc.malloc.tcache_count=7, glibc's default ("on").  Each sample is a
traversal (`grep -r .`, every directory listed, every file read) by 1 or
by 4 readers at once (each its own part of the tree) right after SIGHUP,
so that every value is made and rendered again and every request reaches
the daemon: the traversal's wall time and the CPU time the daemon used.
Samples alternate between the two mounts; medians of --samples.

    /usr/bin/python3 tests/bench/tcache_cost.py [--demo 300] [--samples 5]
"""
import argparse
import os
import signal
import statistics
import subprocess
import time

import benchlib as B
from orgfsmount import wait_for, wait_idle


def cpu(pid):
    """CPU seconds (user + system) of pid so far"""
    with open('/proc/%d/stat' % pid) as fh:
        f = fh.read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / float(os.sysconf('SC_CLK_TCK'))


def traverse(m, readers):
    """(wall seconds, daemon CPU seconds) of one traversal"""
    tops = sorted(e for e in os.listdir(m.path) if e != '.orgfs')
    parts = [tops[i::readers] for i in range(readers)]
    c0 = cpu(m.proc.pid)
    t0 = time.perf_counter()
    procs = [subprocess.Popen(['grep', '-r', '.'] + [m.p(t) for t in part],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for part in parts]
    for p in procs:
        p.wait()
    return time.perf_counter() - t0, cpu(m.proc.pid) - c0


def hup(m, n):
    m.signal(signal.SIGHUP)
    wait_for(lambda: m.output().count('SIGHUP: cache dropped') >= n,
             timeout=60, what='SIGHUP taken')
    wait_idle(m, timeout=300)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--demo', type=int, default=300)
    ap.add_argument('--samples', type=int, default=5)
    a = ap.parse_args()
    B.header('tcache_cost: demo of %d accounts, %d samples'
             % (a.demo, a.samples))
    env_on = dict(os.environ, GLIBC_TUNABLES='glibc.malloc.tcache_count=7')
    args = ['--demo=%d' % a.demo, '-o', 'log_level=info']
    times = {}
    hups = {'off': 0, 'on': 0}
    with B.mounted(args) as off, B.mounted(args, env=env_on) as on:
        mounts = (('off', off), ('on', on))
        for _ in range(a.samples):
            for readers in (1, 4):
                for label, m in mounts:
                    hups[label] += 1
                    hup(m, hups[label])
                    wall, used = traverse(m, readers)
                    print('%-3s %d reader(s): %.2f s, daemon CPU %.2f s'
                          % (label, readers, wall, used), flush=True)
                    times.setdefault((label, readers), []).append(wall)
                    times.setdefault((label, readers, 'cpu'), []).append(
                        used)
        rss = {label: B.rss(m.proc.pid)[0] for label, m in mounts}
    rows = []
    for readers in (1, 4):
        for what, key in (('wall', (readers,)), ('daemon CPU',
                                                 (readers, 'cpu'))):
            on_t = statistics.median(times[('on',) + key])
            off_t = statistics.median(times[('off',) + key])
            rows.append(('%d reader%s, %s' % (readers, 's' if readers > 1
                                              else '', what),
                         '%.2f s' % on_t, '%.2f s' % off_t,
                         '%.2f' % (off_t / on_t)))
    B.table(rows, ('traversal', 'tcache on (median)', 'off (median)',
                   'off / on'))
    print('RSS at the end: on %.1f MiB, off %.1f MiB'
          % (B.mib(rss['on']), B.mib(rss['off'])))


if __name__ == '__main__':
    main()
