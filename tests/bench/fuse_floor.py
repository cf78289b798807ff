#!/usr/bin/python3
"""What any FUSE file system can do here (issue 17, points 3 and 4):
orgfs against memfs, the ideal competitor, and tmpfs.

memfs (tests/bench/memfs.c, built with the tests) loads a whole tree into
memory at start, precomputes every answer, and is mounted with orgfs's
kernel-cache settings (timeouts, zero-message opens, kept pages and
listings, READDIRPLUS always, POSIX ACLs, listxattr ENOSYS, libfuse's
multithreaded loop).  Whatever it costs over tmpfs, FUSE on this kernel
and libfuse costs: the bound of any FUSE file system, orgfs included.

1. grep: the tree of `--demo=2000 -o ttl=3600` (--quick: 200;
   --accounts=N) copied (`cp -a`) from an orgfs mount to a tmpfs; then
   --rounds rounds (default 3, --quick 1), each timing, in an order that
   turns round by round: a fresh orgfs mount, cold `grep -r .` and a warm
   one right after; a fresh memfs mount of the tmpfs copy, the same; the
   tmpfs copy, twice.  --memfs=OPT,... gives memfs options (memfs.c:
   each of orgfs's settings can be switched off).  Then once, with an orgfs and a memfs mount each
   read whole, every source idle for --idle seconds (default 70: the
   VM's DAMON reclaim pages out file pages idle 60 s) and grepped again.
2. cp -a: `accounts/` of `--demo=200 -o demo_resources=125` (the tree of
   cp_copy.py; --quick 50), crawled and copied to a tmpfs, memfs over
   that copy; each round copies from orgfs, memfs and tmpfs into the
   tmpfs, each timed copy right after an untimed warm-up copy.

Printed: wall, CPU (user + system of the command, and of the daemon from
/proc/PID/stat), FUSE requests (orgfs: .orgfs/status; memfs: its own
counts), medians, and the ratios memfs / tmpfs (the bound), orgfs /
tmpfs and orgfs / memfs.  --skip-grep, --skip-cp, --skip-idle.
"""
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib as B
from memfsmount import MEMFS, MemFS


def sarg(name, default):
    for a in sys.argv[1:]:
        if a.startswith('--%s=' % name):
            return a.split('=', 1)[1]
    return default


# --memfs=OPT,OPT: memfs options for experiments (tests/bench/memfs.c)
MEMFS_OPTS = [o for o in sarg('memfs', '').split(',') if o]


def arg(name, default):
    for a in sys.argv[1:]:
        if a.startswith('--%s=' % name):
            return int(a.split('=', 1)[1])
    return default


def flag(name):
    return '--%s' % name in sys.argv[1:]


class Source:
    """One of tmpfs, memfs, orgfs: a path, and the daemon behind it."""

    def __init__(self, name, path, pid=None, counts=None):
        self.name = name
        self.path = path
        self.pid = pid
        self.counts = counts      # () -> {opcode: n}, or None

    def run(self, cmd, out):
        """Run cmd; append (wall s, command CPU s, daemon CPU s,
        {opcode: requests}) to out (a list)."""
        before = self.counts() if self.counts else {}
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        d0 = B.proc_cpu(self.pid)
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        d1 = B.proc_cpu(self.pid)
        reqs = B.diff_counts(self.counts(), before) if self.counts else {}
        out.append((wall, r1.ru_utime - r0.ru_utime + r1.ru_stime -
                    r0.ru_stime, d1 - d0, reqs))
        return out[-1]


def grep_cmd(path):
    return ['grep', '-r', '.', path]


def show(run):
    wall, cpu, dcpu, reqs = run
    return '%.2f s (CPU %.2f + daemon %.2f, %d requests)' % (
        wall, cpu, dcpu, sum(reqs.values()))


@contextlib.contextmanager
def orgfs(args):
    with B.mounted(args) as m:
        yield m, Source('orgfs', m.path, m.proc.pid,
                        lambda: B.fuse_requests(m))


@contextlib.contextmanager
def memfs(src, opts=None):
    path = tempfile.mkdtemp(prefix='bench-mnt-memfs-')
    try:
        t = time.perf_counter()
        with MemFS(src, path, MEMFS_OPTS if opts is None else opts) as m:
            load = time.perf_counter() - t
            yield m, Source('memfs', path, m.proc.pid, m.requests), load
    finally:
        os.rmdir(path)


def copy_mount(mnt, dst, subdir=None):
    """cp -a of the mount (without .orgfs/, which changes from read to
    read), or of its subdir, into dst"""
    names = [subdir] if subdir else [n for n in os.listdir(mnt.path)
                                     if n != '.orgfs']
    for n in names:
        subprocess.run(['cp', '-a', mnt.p(n), dst], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def med(runs, i):
    return statistics.median(r[i] for r in runs)


def med_reqs(runs):
    return statistics.median(sum(r[3].values()) for r in runs)


def ops(runs):
    keys = sorted(set(k for r in runs for k in r[3]))
    return ' '.join('%s %d' % (k, statistics.median(r[3].get(k, 0)
                                                   for r in runs))
                    for k in keys)


def summary(title, res):
    """res: {'tmpfs': runs, 'memfs': runs, 'orgfs': runs}"""
    print('## %s' % title)
    rows = []
    for name in ('tmpfs', 'memfs', 'orgfs'):
        runs = res[name]
        rows.append([name, len(runs), med(runs, 0), med(runs, 1),
                     med(runs, 2), med(runs, 1) + med(runs, 2),
                     med_reqs(runs),
                     ' '.join('%.2f' % r[0] for r in runs)])
    B.table(rows, ['source', 'n', 'wall s', 'cmd CPU s', 'daemon CPU s',
                   'CPU s', 'requests', 'walls'])
    w = {n: med(res[n], 0) for n in res}
    c = {n: med(res[n], 1) + med(res[n], 2) for n in res}
    B.table([['wall', w['memfs'] / w['tmpfs'], w['orgfs'] / w['tmpfs'],
              w['orgfs'] / w['memfs']],
             ['CPU (cmd + daemon)', c['memfs'] / c['tmpfs'],
              c['orgfs'] / c['tmpfs'], c['orgfs'] / c['memfs']]],
            ['ratio', 'memfs/tmpfs (bound)', 'orgfs/tmpfs', 'orgfs/memfs'])
    for name in ('memfs', 'orgfs'):
        if med_reqs(res[name]):
            print('%s requests (medians): %s; daemon CPU %.1f us per '
                  'request' % (name, ops(res[name]),
                               1e6 * med(res[name], 2) /
                               max(1, med_reqs(res[name]))))
    print()
    sys.stdout.flush()
    return w, c


def grep_part(tdir):
    n = arg('accounts', 200 if B.QUICK else 2000)
    rounds = arg('rounds', 1 if B.QUICK else 3)
    args = ['--demo=%d' % n, '-o', 'ttl=3600']
    print('# grep -r: orgfs %s; the tree copied with cp -a to a tmpfs'
          % ' '.join(args))
    tree = os.path.join(tdir, 'grep')
    os.mkdir(tree)
    with orgfs(args) as (m, _s):
        copy_mount(m, tree)
    ndirs = sum(1 for _ in os.walk(tree))
    nfiles = sum(1 for d, _s, f in os.walk(tree) for x in f
                 if not os.path.islink(os.path.join(d, x)))
    nlinks = sum(1 for d, _s, f in os.walk(tree) for x in f
                 if os.path.islink(os.path.join(d, x)))
    print('tree: %d directories, %d files, %d symlinks; request floor '
          '(2 READDIRPLUS per directory + 1 READ per file) %d'
          % (ndirs, nfiles, nlinks, 2 * ndirs + nfiles))
    tmp = Source('tmpfs', tree)
    B.sh('grep -r . %s' % tree, check=False)      # the copy's pages, once
    cold = {'tmpfs': [], 'memfs': [], 'orgfs': []}
    warm = {'tmpfs': [], 'memfs': [], 'orgfs': []}
    loads = []
    order = ['orgfs', 'memfs', 'tmpfs']
    for r in range(rounds):
        for name in order[r % 3:] + order[:r % 3]:
            if name == 'tmpfs':
                tmp.run(grep_cmd(tree), cold['tmpfs'])
                tmp.run(grep_cmd(tree), warm['tmpfs'])
                print('round %d tmpfs: %s, again %s' % (
                    r + 1, show(cold['tmpfs'][-1]), show(warm['tmpfs'][-1])))
                continue
            ctx = orgfs(args) if name == 'orgfs' else memfs(tree)
            with ctx as got:
                s = got[1]
                if name == 'memfs':
                    loads.append(got[2])
                s.run(grep_cmd(s.path), cold[name])
                s.run(grep_cmd(s.path), warm[name])
            print('round %d %s: cold %s, warm %s' % (
                r + 1, name, show(cold[name][-1]), show(warm[name][-1])))
            sys.stdout.flush()
    print('memfs: tree loaded and mounted in %s s' %
          ' '.join('%.1f' % x for x in loads))
    print()
    out = {'cold': summary('cold grep -r . (fresh mount)', cold),
           'warm': summary('warm grep -r . (right after the cold one)',
                           warm)}
    if sarg('variants', None) is not None:
        variants(tree, rounds)
    idle = arg('idle', 70)
    if flag('skip-idle'):
        return out
    idled = {'tmpfs': [], 'memfs': [], 'orgfs': []}
    with orgfs(args) as (_m, so), memfs(tree) as (_mm, sm, _l):
        for s in (so, sm, tmp):
            s.run(grep_cmd(s.path), [])           # read whole
        for s in (so, sm, tmp):
            s.run(grep_cmd(s.path), idled[s.name])
        print('warm-up, then right after: orgfs %s; memfs %s; tmpfs %s'
              % (show(idled['orgfs'][0]), show(idled['memfs'][0]),
                 show(idled['tmpfs'][0])))
        time.sleep(idle)     # the point of the measure: nothing touched
        after = {'tmpfs': [], 'memfs': [], 'orgfs': []}
        for s in (so, sm, tmp):
            s.run(grep_cmd(s.path), after[s.name])
    print('after %d s idle: orgfs %s; memfs %s; tmpfs %s' % (
        idle, show(after['orgfs'][0]), show(after['memfs'][0]),
        show(after['tmpfs'][0])))
    out['idle'] = summary('warm grep -r . after %d s idle (DAMON)' % idle,
                          after)
    return out


def variants(tree, rounds):
    """--variants=OPTS;OPTS;...: cold grep -r . of memfs with each set of
    options ('' for orgfs's settings), alternating, --rounds rounds"""
    vs = [''] + [v for v in sarg('variants', '').split(';') if v]
    res = {v: [] for v in vs}
    for r in range(rounds):
        for v in vs:
            with memfs(tree, [o for o in v.split(',') if o]) as (_m, s, _l):
                s.run(grep_cmd(s.path), res[v])
            print('variant round %d %s: cold %s' % (r + 1, v or 'default',
                                                    show(res[v][-1])))
            sys.stdout.flush()
    base = med(res[''], 1) + med(res[''], 2)
    print('## memfs variants: cold grep -r . (fresh mount)')
    B.table([[v or "default (orgfs's settings)", med(res[v], 0),
              med(res[v], 1), med(res[v], 2), med_reqs(res[v]),
              (med(res[v], 1) + med(res[v], 2)) / base, ops(res[v])]
             for v in vs],
            ['memfs options', 'wall s', 'cmd CPU s', 'daemon CPU s',
             'requests', 'CPU / default', 'by opcode'])


def cp_part(tdir):
    n = arg('cp-accounts', 50 if B.QUICK else 200)
    rounds = arg('rounds', 1 if B.QUICK else 3)
    args = ['--demo=%d' % n, '-o', 'ttl=3600']
    opt = B.demo_resources_option()
    if opt:
        args += ['-o', '%s=125' % opt]
    print('# cp -a accounts/: orgfs %s' % ' '.join(args))
    src = os.path.join(tdir, 'cpsrc')
    os.mkdir(src)
    dst = os.path.join(tdir, 'dst')
    res = {'tmpfs': [], 'memfs': [], 'orgfs': []}
    with orgfs(args) as (m, so):
        B.sh('grep -r . %s' % m.path, check=False)        # the crawl
        copy_mount(m, src, 'accounts')
        nent = sum(len(f) + len(d) for _r, d, f in
                   os.walk(os.path.join(src, 'accounts')))
        print('accounts/: %d files, links and directories' % nent)
        with memfs(src) as (_mm, sm, load):
            print('memfs: tree loaded and mounted in %.1f s' % load)
            tmp = Source('tmpfs', src)
            order = [so, sm, tmp]
            for r in range(rounds):
                for s in order[r % 3:] + order[:r % 3]:
                    path = os.path.join(s.path, 'accounts')
                    s.run(['cp', '-a', path, dst], [])         # warm-up
                    shutil.rmtree(dst)
                    s.run(['cp', '-a', path, dst], res[s.name])
                    shutil.rmtree(dst)
                    print('round %d %s: %s' % (r + 1, s.name,
                                               show(res[s.name][-1])))
                    sys.stdout.flush()
    print()
    return summary('warm cp -a accounts/ (right after a warm-up copy)', res)


def main():
    B.header('the floor of any FUSE file system: orgfs, memfs, tmpfs')
    if not os.path.exists(MEMFS):
        sys.exit('no %s: build with -Dtests=enabled' % MEMFS)
    print('# memfs options: %s' % (','.join(MEMFS_OPTS) or 'none (orgfs\'s '
                                    'settings)'))
    with open('/proc/loadavg') as fh:
        print('# load at start: %s' % fh.read().strip())
    got = {}
    with B.tmpfs('16G') as tdir:
        if not flag('skip-grep'):
            got.update(grep_part(tdir))
            shutil.rmtree(os.path.join(tdir, 'grep'))
        if not flag('skip-cp'):
            got['cp'] = cp_part(tdir)
    with open('/proc/loadavg') as fh:
        print('# load at the end: %s' % fh.read().strip())
    targets = {'cold': 3.0, 'warm': 1.1, 'idle': 1.1, 'cp': 1.5}
    names = {'cold': 'cold grep -r', 'warm': 'warm grep -r',
             'idle': 'warm grep -r after idle', 'cp': 'warm cp -a'}
    rows = []
    for k, (w, c) in got.items():
        rows.append([names[k], '<= %gx' % targets[k],
                     '%.2f / %.2f' % (w['memfs'] / w['tmpfs'],
                                      c['memfs'] / c['tmpfs']),
                     '%.2f / %.2f' % (w['orgfs'] / w['tmpfs'],
                                      c['orgfs'] / c['tmpfs']),
                     '%.2f / %.2f' % (w['orgfs'] / w['memfs'],
                                      c['orgfs'] / c['memfs'])])
    print('## summary: ratios wall / CPU')
    B.table(rows, ['measure', 'target', 'memfs/tmpfs', 'orgfs/tmpfs',
                   'orgfs/memfs'])


if __name__ == '__main__':
    main()
