#!/usr/bin/python3
"""The cold pass (issue 17 #4): `grep -r .` of a fresh demo mount against
the same tree on tmpfs, with the FUSE requests it made.

A demo organization (--demo=2000 -o ttl=3600; --quick: 200; --accounts=N
to choose) is mounted afresh for each round and `grep -r .` runs over it
once (cold: nothing fetched, nothing in the kernel), then twice more
(warm); --rounds=N rounds (default 3).  The first round copies the tree
to a tmpfs; each round times the same grep there too, alternating, so
load hits both alike.  Printed: the medians, cold / tmpfs and warm /
tmpfs, the FUSE requests of the cold pass by opcode (.orgfs/status), and
the daemon's CPU time per request.
Targets: cold <= 3x tmpfs, warm <= 1.1x.

What bounds the cold pass: a FUSE request is a round trip through the
kernel to the daemon and back, whatever the daemon does.  Its floor is
measured on the same mount with the cheapest request orgfs answers (a
getxattr of a name it does not have: ENODATA, nothing rendered, never
kept by the kernel); the cold pass can be no faster than tmpfs plus
its requests times that floor.  The requests themselves are at their
floor when each directory costs two READDIRPLUS (its names, then the
end: the kernel asks until an empty reply) and each file one READ.
"""
import os
import statistics
import subprocess
import sys

import benchlib as B

ROUNDS = 3


def grep(path):
    subprocess.run(['grep', '-r', '.', path], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


cpu_s = B.proc_cpu          # user + system CPU seconds of pid


def round_trip_us(path, n=20000):
    """The floor of one FUSE request, microseconds (median of 3 loops)."""
    def loop():
        for _ in range(n):
            try:
                os.getxattr(path, 'user.none')
            except OSError:
                pass
    med, _ = B.median_time(loop, 3)
    return 1e6 * med / n


def arg(name, default):
    for a in sys.argv[1:]:
        if a.startswith('--%s=' % name):
            return int(a.split('=', 1)[1])
    return default


def main():
    B.header('cold pass: grep -r . of a fresh mount vs tmpfs')
    n = arg('accounts', 200 if B.QUICK else 2000)
    args = ['--demo=%d' % n, '-o', 'ttl=3600']
    print('orgfs args: %s' % ' '.join(args))
    rounds = arg('rounds', 1 if B.QUICK else ROUNDS)
    cold, warm, tmp, cpu, reqs = [], [], [], [], []
    with B.tmpfs() as tdir:
        for r in range(rounds):
            with B.mounted(args) as m:
                before = B.fuse_requests(m)
                c0 = cpu_s(m.proc.pid)
                t, _ = B.timed(grep, m.path)
                cold.append(t)
                cpu.append(cpu_s(m.proc.pid) - c0)
                reqs.append(B.diff_counts(B.fuse_requests(m), before))
                if r == 0:
                    B.copy_tree(m.path, tdir)
                    grep(tdir)          # the copy's pages, once
                    rt = round_trip_us(m.p('README'))
                for _ in range(2):
                    warm.append(B.timed(grep, m.path)[0])
                    tmp.append(B.timed(grep, tdir)[0])
                print('round %d: cold %.2f s (daemon CPU %.2f s, %d requests), '
                      'warm %.3f %.3f s, tmpfs %.3f %.3f s'
                      % (r + 1, t, cpu[-1], sum(reqs[-1].values()),
                         warm[-2], warm[-1], tmp[-2], tmp[-1]))
                sys.stdout.flush()
        nfiles = sum(len(f) for _d, _s, f in os.walk(tdir))
        ndirs = sum(1 for _ in os.walk(tdir))
        nregular = sum(1 for d, _s, f in os.walk(tdir) for x in f
                       if not os.path.islink(os.path.join(d, x)))
    mc, mw, mt = (statistics.median(x) for x in (cold, warm, tmp))
    total = statistics.median(sum(x.values()) for x in reqs)
    last = reqs[-1]
    print('tree: %d files and links, %d directories' % (nfiles, ndirs))
    B.table([['cold grep -r (median of %d)' % len(cold), mc, mt, mc / mt],
             ['warm grep -r (median of %d)' % len(warm), mw, mt, mw / mt]],
            ['grep -r .', 'mount s', 'tmpfs s', 'mount/tmpfs'])
    print('cold pass: %d FUSE requests (%s); daemon CPU %.2f s, %.1f us '
          'per request' % (total, ' '.join('%s %d' % kv for kv in
                                           sorted(last.items())),
                           statistics.median(cpu),
                           1e6 * statistics.median(cpu) / max(total, 1)))
    floor = 2 * ndirs + nregular
    bound = mt + total * rt / 1e6
    print('request floor: 2 per directory + 1 per file = %d (%.2f of it '
          'made); round trip %.1f us -> bound tmpfs + requests x round trip '
          '= %.2f s = %.2fx tmpfs' % (floor, total / floor, rt, bound,
                                     bound / mt))
    print('target cold <= 3x: %s; warm <= 1.1x: %s'
          % ('met' if mc / mt <= 3 else 'MISSED',
             'met' if mw / mt <= 1.1 else 'MISSED'))


if __name__ == '__main__':
    main()
