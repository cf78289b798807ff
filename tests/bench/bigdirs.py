#!/usr/bin/python3
"""Large directories (issue 17.2): `ls` and `ls -f` of accounts/, by-name/,
owners/ and tags/<key>/ of the demo at 1,000, 10,000 and 100,000 accounts
(--quick: 1,000 and 10,000), against the same names in a tmpfs directory.

orgfs: --demo=N -o resources=off (listings do not depend on resources;
with them the demo's data would take gigabytes at 100,000 accounts).
Each sample of "cold" is a fresh mount and its first `ls` of the
directory: the daemon makes the demo's data, lists and answers the
READDIRPLUS requests (for owners/ and tags/<key>/ that includes reading
every account's tags and resolving its owner).  "again" is the next `ls`
in the same mount once the daemon is idle (the data at hand, the
read-ahead that listing accounts/ starts done).  Samples alternate orgfs and tmpfs
runs; the figures are medians.  The machine is shared: read the ratios,
not the seconds.  Ratios: cold / tmpfs and again / tmpfs at each size;
growth: time at the largest size / time at 10,000 (linear: 10 at
100,000).
"""
import os
import statistics
import subprocess
import sys
import time

import benchlib as B
from orgfsmount import wait_idle

SIZES = (1000, 10000) if B.QUICK else (1000, 10000, 100000)
TAG_KEY = 'Team'        # the demo's tag key with the most values


def run(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def samples_for(n):
    return 3 if n >= 100000 else 5


def make_tmpfs_copy(base, d, names, kind):
    """The names of one directory as empty directories or links."""
    top = os.path.join(base, d.replace('/', '_'))
    os.mkdir(top)
    for name in names:
        p = os.path.join(top, name)
        if kind == 'link':
            os.symlink('../accounts/x', p)
        else:
            os.mkdir(p)
    return top


def main():
    B.header('ls of large directories: orgfs --demo against tmpfs')
    samples = {}
    rows = []
    dirs = ('accounts', 'by-name', 'owners', 'tags/' + TAG_KEY)
    kinds = {'by-name': 'link'}
    for n in SIZES:
        args = ['--demo=%d' % n, '-o', 'resources=off']
        with B.mounted(args) as m:
            names = {d: os.listdir(m.p(d)) for d in dirs}
        with B.tmpfs('2G') as tdir:
            copies = {d: make_tmpfs_copy(tdir, d, names[d],
                                         kinds.get(d, 'dir'))
                      for d in dirs}
            for d in dirs:
                for flag in ([], ['-f']):
                    cold, again, tmp = [], [], []
                    for _ in range(samples_for(n)):
                        tmp.append(run(['ls'] + flag + [copies[d]]))
                        with B.mounted(args) as m:
                            cold.append(run(['ls'] + flag + [m.p(d)]))
                            # the read-ahead the listing started (every
                            # account's tags) done: the listing alone
                            wait_idle(m, timeout=600)
                            again.append(run(['ls'] + flag + [m.p(d)]))
                        tmp.append(run(['ls'] + flag + [copies[d]]))
                    key = (d, ' '.join(['ls'] + flag))
                    c, a, t = (statistics.median(x)
                               for x in (cold, again, tmp))
                    samples[key + (n,)] = (c, a)
                    rows.append([key[1] + ' ' + d, n, len(names[d]), c, a,
                                 t, c / t, a / t])
                    print('%-22s %7d: cold %.3f s, again %.3f s, tmpfs '
                          '%.3f s' % (key[1] + ' ' + d, n, c, a, t))
                    sys.stdout.flush()
    print()
    B.table(rows, ['listing', 'accounts', 'entries', 'cold s', 'again s',
                   'tmpfs s', 'cold/tmpfs', 'again/tmpfs'])
    top = SIZES[-1]
    if top <= 10000:
        return          # --quick: no size beyond 10k to compare
    grow = []
    for d in dirs:
        for flag in ('ls', 'ls -f'):
            c10, a10 = samples[(d, flag, 10000)]
            c, a = samples[(d, flag, top)]
            grow.append([flag + ' ' + d, c / c10, a / a10])
    B.table(grow, ['listing', 'cold %d/10k' % top, 'again %d/10k' % top])


if __name__ == '__main__':
    main()
