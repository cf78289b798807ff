#!/usr/bin/python3
"""`cp -a` of a warm mount vs the same copy from tmpfs (issue 17, item 3).

A demo organization of 200 accounts (--quick: 50) with resources is
crawled (`grep -r`), copied once to a tmpfs (tar, without .orgfs/), then
`cp -a` of accounts/ runs alternately from the mount and from the tmpfs
copy into the tmpfs (5 rounds, --quick 3; the destination removed between
runs; each timed copy right after an untimed one of the same source, so
that it finds what a copy made within the minute finds: the VM's DAMON
reclaim pages out file pages idle for 60 s, which a round outlasts).
Without --quick, one more copy from the mount after that idle age shows
what the reclaim costs.  Prints both medians and the ratio (target:
<= 1.5).  A second,
-d mount of the same tree counts the FUSE requests of one warm `cp -a`
by opcode (LISTXATTR and GETXATTR are what extended attributes cost).
A third source in each round is a mount with the other listxattr
behaviour: -o listxattr (an empty list, a round trip per ask) where
orgfs has it (listxattr ENOSYS is then the default), else -o
no_listxattr (older builds, where the empty list was the default); the
difference gives the cost of one LISTXATTR round trip.  The requests of
each timed copy (.orgfs/status) are printed by opcode, medians per copy.
"""
import contextlib
import os
import resource
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


daemon_cpu = B.proc_cpu     # user + system seconds of a process


def cp(src, dst, pid=None, cpu=None, mnt=None, reqs=None):
    """Time cp -a src dst; with cpu (a list), append the copy's CPU
    seconds and the daemon pid's; with mnt and reqs (a list), the
    requests the copy sent, by opcode."""
    before = B.fuse_requests(mnt) if mnt and reqs is not None else None
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    d0 = daemon_cpu(pid)
    t = time.perf_counter()
    r = subprocess.run(['cp', '-a', src, dst], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    secs = time.perf_counter() - t
    if cpu is not None:
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime,
                    daemon_cpu(pid) - d0))
    if before is not None:
        reqs.append(B.diff_counts(B.fuse_requests(mnt), before))
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
    help_text = B.orgfs_help()
    other = ('mount -o listxattr', ['-o', 'listxattr']) \
        if '-o listxattr' in help_text else \
        ('mount -o no_listxattr', ['-o', 'no_listxattr']) \
        if '-o no_listxattr' in help_text else (None, None)
    nolist = other[1]
    print('orgfs args: %s (third source: %s)' % (
        ' '.join(args), other[0] or 'none in this build'))
    with contextlib.ExitStack() as stack:
        m = stack.enter_context(B.mounted(args))
        mn = stack.enter_context(B.mounted(args + nolist)) if nolist else None
        tdir = stack.enter_context(B.tmpfs())
        for mnt in (m, mn):
            if mnt:
                B.sh('grep -r . %s' % mnt.path, check=False)   # cold: the crawl
        src = os.path.join(tdir, 'src')
        os.mkdir(src)
        B.copy_tree(m.path, src)
        nfiles = sum(len(f) for _d, _s, f in os.walk(os.path.join(src, 'accounts')))
        srcs = [('mount', m.p('accounts'), m.proc.pid),
                ('tmpfs', os.path.join(src, 'accounts'), None)]
        mnts = {'mount': m}
        if mn:
            srcs.append((other[0], mn.p('accounts'), mn.proc.pid))
            mnts[other[0]] = mn
        times = {name: [] for name, _p, _q in srcs}
        cpus = {name: [] for name, _p, _q in srcs}
        errs = {name: 0 for name, _p, _q in srcs}
        reqs = {name: [] for name, _p, _q in srcs}
        for _ in range(rounds):
            for name, path, pid in srcs:
                # warm: an untimed copy of this source right before the
                # timed one, so that the timed copy finds the page cache
                # as a copy made within the minute does (a round is
                # longer than the reclaim age of DAMON, where it runs)
                cp(path, os.path.join(tdir, 'warm'))
                secs, e = cp(path, os.path.join(tdir, 'dst'), pid, cpus[name],
                             mnts.get(name), reqs[name])
                times[name].append(secs)
                errs[name] += e
        idle = None
        age = B.damon_reclaim_age()
        if age and not B.QUICK:
            # what the reclaim costs: the same copy after its idle age
            cp(m.p('accounts'), os.path.join(tdir, 'warm'))
            B.sleep_idle(age + 5)
            icpu, ireq = [], []
            isecs, _e = cp(m.p('accounts'), os.path.join(tdir, 'dst'),
                           m.proc.pid, icpu, m, ireq)
            idle = (age + 5, isecs, icpu[0][0] + icpu[0][1], ireq[0])
    med = {name: statistics.median(v) for name, v in times.items()}
    tm = med['tmpfs']
    print('accounts/: %d files and links; cp -a error lines per run (the '
          'demo\'s denied accounts): %s' % (nfiles, ' '.join(
              '%s %d' % (k, v // rounds) for k, v in errs.items())))
    # CPU (the copy's + the daemon's): what a loaded machine leaves true
    cpu = {name: statistics.median(c + d for c, d in v)
           for name, v in cpus.items()}
    dmed = {name: statistics.median(d for _c, d in v)
            for name, v in cpus.items()}
    B.table([['cp -a accounts/ from %s (median of %d)' % (name, rounds),
              med[name], med[name] / tm, cpu[name], dmed[name],
              cpu[name] / cpu['tmpfs'],
              ' '.join('%.2f' % x for x in times[name])]
             for name, _p, _q in srcs],
            ['warm', 'median s', '/ tmpfs', 'CPU s', 'daemon CPU s',
             'CPU / tmpfs', 'runs'])
    for name, v in reqs.items():
        if v:
            ops = sorted(set(k for d in v for k in d))
            print('requests per copy, %s (medians of %d): total %d: %s' % (
                name, len(v), statistics.median(sum(d.values()) for d in v),
                ' '.join('%s=%d' % (k, statistics.median(d.get(k, 0)
                                                         for d in v))
                         for k in ops)))
    if idle:
        print('after %.0f s idle (DAMON\'s reclaim age): cp -a from the mount '
              '%.2f s (%.2fx tmpfs), CPU %.2f s (%.2fx), %d requests: %s' % (
                  idle[0], idle[1], idle[1] / tm, idle[2],
                  idle[2] / cpu['tmpfs'], sum(idle[3].values()),
                  ' '.join('%s=%d' % kv for kv in sorted(idle[3].items()))))
    for name, _p, _q in srcs:
        if name != 'tmpfs':
            print('target: %s / tmpfs <= 1.5 -> wall %.2f %s, CPU %.2f %s' % (
                name, med[name] / tm, 'met' if med[name] / tm <= 1.5 else
                'MISSED', cpu[name] / cpu['tmpfs'],
                'met' if cpu[name] / cpu['tmpfs'] <= 1.5 else 'MISSED'))
    sys.stdout.flush()

    nd = 20 if B.QUICK else 50
    dargs = demo_args(nd)
    per_file = {}
    for name, extra in (('mount', []), (other[0], nolist)):
        if extra is None:
            continue
        print('FUSE requests of one warm cp -a, %s: -d mount of %s' % (
            name, ' '.join(dargs + extra)))
        with B.mounted(['-d'] + dargs + extra) as dm, B.tmpfs('1G') as ddir:
            B.sh('grep -r . %s' % dm.path, check=False)
            cp(dm.p('accounts'), os.path.join(ddir, 'dst'))
            dfiles = sum(len(f) for _d, _s, f in os.walk(dm.p('accounts')))
            before = B.fuse_requests(dm)
            cp(dm.p('accounts'), os.path.join(ddir, 'dst'))
            during = B.diff_counts(B.fuse_requests(dm), before)
        per_file[name] = during.get('LISTXATTR', 0) / max(1, dfiles)
        print('  total %d for %d files: %s' % (sum(during.values()), dfiles,
              ' '.join('%s=%d' % kv for kv in sorted(during.items()))))
    asks = max(per_file.items(), key=lambda kv: kv[1]) if per_file else None
    if asks and asks[1] and other[0] in med:
        quiet = 'mount' if asks[0] != 'mount' else other[0]
        nl = asks[1] * nfiles
        print('LISTXATTR per file %.2f (%s): about %d in one copy of %d '
              'files; the copy without them (%s) is %.2f s shorter: %.1f us '
              'per LISTXATTR round trip' % (
                  asks[1], asks[0], nl, nfiles, quiet,
                  med[asks[0]] - med[quiet],
                  1e6 * (med[asks[0]] - med[quiet]) / nl))


if __name__ == '__main__':
    main()
