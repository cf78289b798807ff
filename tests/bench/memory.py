#!/usr/bin/python3
"""Memory after a full crawl (issue 9, item 4).

Daemon VmRSS and VmHWM (/proc/PID/status).

Accounts (-o resources=off, so that the figure is per account): `grep -r
.` over the whole tree of a demo organization of 10,000 accounts and of
the fake endpoint with 10,000 accounts (--quick: 2,000), bytes per
account; and the demo again with -o cache_max a quarter of what the cache
held, to see whether RSS stays near the cap.

Resources: a demo of 10,000 accounts x 2 regions x 50 resources
(1,000,000; --quick: 1,000 x 2 x 50), crawled with `cat tables/resources.tsv`
(every account-region's resources fetched and the organization-wide table
rendered; `grep -r` would also render every tags/<key>/<value>/ table,
each a walk over every resource), bytes per resource against the target
of 1 KiB per resource plus its tag bytes (estimated from a sample of
resources' tags/ directories), and the same with cache_max below the
data.  `--skip-accounts` runs the resource part only.

Issue 17 point 5 (`--per-resource`, only that part): at the default demo
shape (--demo=N, default demo_resources and regions) for N of 1,000,
10,000 and 20,000 (--quick: 1,000 and 10,000), the daemon's RSS growth
over `cat tables/resources.tsv` per resource, against the target of 600 B
and against a script holding the same rows (the table's six columns) as
flat Python dicts, measured in the same run on the same rows; then the
peak RSS (VmHWM) of `grep -r . owners/` at 100,000 accounts (--quick:
20,000; --owners-accounts N) against the target of 600 MiB, twice: into
/dev/null (GNU grep then stops each file at its first match) and into a
pipe (every file read to its end).  --baseline
DIR runs the same with DIR/fs/orgfs first (an older build).
"""
import argparse
import os
import random
import subprocess
import sys

import benchlib as B
import orgfsmount


def grep_all(m):
    subprocess.run(['grep', '-r', '.', m.path], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


# A crawl that has not finished after this many seconds is stopped and
# reported as such (a cache_max below the data once made it refetch
# forever); ORGFS_BENCH_CRAWL_LIMIT overrides it.
CRAWL_LIMIT = int(os.environ.get('ORGFS_BENCH_CRAWL_LIMIT', '900'))


def cat_resources(m):
    # timeout signals its whole process group: the shell and wc.
    r = subprocess.run(['timeout', '-s', 'KILL', str(CRAWL_LIMIT), 'sh', '-c',
                        'wc -lc < tables/resources.tsv'], cwd=m.path,
                       capture_output=True, text=True)
    if r.returncode:
        print('# cat resources.tsv did not finish (exit %d) within %d s'
              % (r.returncode, CRAWL_LIMIT))
        return 0, 0
    lines, size = (int(x) for x in r.stdout.split())
    return lines - 1, size


def tag_bytes_sample(m, n=300):
    """Mean bytes of tag keys + values per resource, over n resources
    picked from resources.tsv (their tags/ directories)."""
    with open(m.p('tables', 'resources.tsv')) as fh:
        rows = [ln.split('\t') for ln in fh if not ln.startswith(('#', 'arn\t'))]
    rng = random.Random(1)
    total = seen = 0
    accounts = {}
    for row in rng.sample(rows, min(n, len(rows))):
        arn, acct = row[0], row[1]
        # walk accounts/<id>/resources/ once per sampled account
        d = accounts.get(acct)
        if d is None:
            d = {}
            base = m.p('accounts', acct, 'resources')
            for dirpath, dirs, files in os.walk(base):
                if 'arn' in files:
                    with open(os.path.join(dirpath, 'arn')) as fh:
                        d[fh.read().rstrip('\n')] = dirpath
                    dirs[:] = []
            accounts[acct] = d
        path = d.get(arn)
        if not path:
            continue
        tdir = os.path.join(path, 'tags')
        for k in os.listdir(tdir):
            with open(os.path.join(tdir, k), 'rb') as fh:
                total += len(k) + len(fh.read()) - 1
        seen += 1
    return total / max(1, seen), seen


def measure(args, crawl, env=None, extra=None):
    with B.mounted(args, env=env) as m:
        base = B.rss(m.proc.pid)
        t, got = B.timed(crawl, m)
        after = B.rss(m.proc.pid)
        st = B.status(m)
        more = extra(m) if extra else None
    return base, after, t, st, got, more


def row(name, base, after, t, st, per, nobj):
    return [name, B.mib(base[0]), B.mib(after[0]), B.mib(after[1]),
            (after[0] - base[0]) / max(1, per), nobj,
            B.mib(int(st['cache_bytes'])), st['cache_evictions'],
            st['cache_misses'], st['cache_refreshes'], t]


HEAD = ['organization', 'RSS before MiB', 'RSS after MiB', 'peak MiB',
        'bytes/object', 'objects', 'cache MiB', 'evictions', 'misses',
        'refreshes', 'crawl s']


def accounts_part(n):
    rows = []
    off = ['-o', 'resources=off']
    base, after, t, st, _g, _m = measure(['--demo=%d' % n] + off, grep_all)
    full = int(st['cache_bytes'])
    rows.append(row('demo %d accounts, resources=off' % n, base, after, t, st,
                    n, n))
    cap = max(1 << 20, full // 4)   # orgfs takes at least 1M
    base, after, t, st, _g, _m = measure(
        ['--demo=%d' % n, '-o', 'cache_max=%d' % cap] + off, grep_all)
    rows.append(row('demo %d, cache_max=%.1fM' % (n, B.mib(cap)), base,
                    after, t, st, n, n))
    with B.fake(accounts=n) as fake:
        base, after, t, st, _g, _m = measure(
            ['--endpoint=' + fake.url] + B.UNLIMITED + off, grep_all,
            env=B.aws_env(fake))
        rows.append(row('fake %d accounts, resources=off' % n, base, after,
                        t, st, n, n))
    B.table(rows, HEAD)


def resources_part(acc, per):
    nres = acc * 2 * per
    args = ['--demo=%d' % acc, '-o', 'demo_resources=%d' % per]
    base, after, t, st, got, tb = measure(args, cat_resources,
                                          extra=tag_bytes_sample)
    lines, size = got
    full = int(st['cache_bytes'])
    rows = [row('demo %d x 2 x %d: cat tables/resources.tsv' % (acc, per), base,
                after, t, st, lines, lines)]
    per_res = (after[0] - base[0]) / lines
    print('uncapped: RSS %.1f -> %.1f MiB (peak %.1f), cache %.1f MiB, '
          'crawl %.1f s' % (B.mib(base[0]), B.mib(after[0]), B.mib(after[1]),
                            B.mib(full), t))
    print('resources.tsv: %d rows, %.1f MiB (the rendered table is part of '
          'RSS); tag bytes per resource (sample of %d): %.0f'
          % (lines, B.mib(size), tb[1], tb[0]))
    print('bytes per resource %.0f vs target 1024 + %.0f tag bytes = %.0f '
          '-> %s' % (per_res, tb[0], 1024 + tb[0],
                     'met' if per_res <= 1024 + tb[0] else 'MISSED'))
    cap = max(1 << 20, full // 4)
    base, after, t, st, got, _m = measure(
        args + ['-o', 'cache_max=%d' % cap], cat_resources)
    rows.append(row('same, cache_max=%.0fM' % B.mib(cap), base, after, t, st,
                    got[0], got[0]))
    B.table(rows, HEAD)
    print('expected resources: %d (+ globals in the first region)' % nres)


# The rows as a script keeps them: one flat dict per line of
# resources.tsv, every value a string of its own (as a parser makes
# them).  Prints the RSS growth per row.
DICTS_SCRIPT = r"""
import sys
def rss():
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
path = sys.argv[1]
base = rss()
rows = []
with open(path) as fh:
    head = fh.readline().rstrip('\n').split('\t')
    for line in fh:
        if line.startswith('#'):
            continue
        rows.append(dict(zip(head, line.rstrip('\n').split('\t'))))
print(len(rows), (rss() - base) / max(1, len(rows)))
"""

TARGET_PER_RESOURCE = 600
TARGET_OWNERS_MIB = 600


def dicts_per_row(tsv_path):
    r = subprocess.run(['/usr/bin/python3', '-c', DICTS_SCRIPT, tsv_path],
                       capture_output=True, text=True, check=True)
    n, per = r.stdout.split()
    return int(n), float(per)


def per_resource(n, keep_tsv=None):
    """RSS growth per resource over cat tables/resources.tsv of --demo=n;
    the table copied to keep_tsv when given."""
    with B.mounted(['--demo=%d' % n]) as m:
        base = B.rss(m.proc.pid)
        t, got = B.timed(cat_resources, m)
        after = B.rss(m.proc.pid)
        st = B.status(m)
        if keep_tsv:
            subprocess.run(['cp', m.p('tables', 'resources.tsv'), keep_tsv],
                           check=True)
    rows = got[0]
    return {'rows': rows, 'per': (after[0] - base[0]) / max(1, rows),
            'after': after[0], 'peak': after[1], 't': t,
            'cache': int(st['cache_bytes']),
            'pool': int(st.get('cache_pool_bytes', 0)),
            'views': int(st['views_bytes'])}


def owners_peak(n, whole=False):
    """grep -r . owners of --demo=n: into /dev/null, where GNU grep
    stops each file at its first match (the start of each file is read),
    or with whole, into a pipe (every file read to its end)."""
    grep = 'timeout -s KILL %d grep -r . owners' % CRAWL_LIMIT
    with B.mounted(['--demo=%d' % n]) as m:
        base = B.rss(m.proc.pid)
        t, _r = B.timed(lambda: subprocess.run(
            grep + (' | wc -c' if whole else ''), shell=True, cwd=m.path,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        after = B.rss(m.proc.pid)
        st = B.status(m)
    return {'base': base[0], 'after': after[0], 'peak': after[1], 't': t,
            'cache': int(st['cache_bytes']),
            'resources': int(st['resources_seen'])}


def per_resource_part(sizes, owners_n, baseline):
    runs = []
    if baseline:
        runs.append(('baseline', os.path.join(baseline, 'fs', 'orgfs')))
    runs.append(('this', orgfsmount.ORGFS))
    rows = []
    tsv = '/tmp/orgfs-bench-resources-%d.tsv' % os.getpid()
    try:
        for n in sizes:
            dicts = None
            for label, binary in runs:
                orgfsmount.ORGFS = binary
                r = per_resource(n, tsv if dicts is None else None)
                if dicts is None:
                    dicts = dicts_per_row(tsv)
                rows.append(['%s: --demo=%d, cat resources.tsv' % (label, n),
                             r['rows'], r['per'], dicts[1],
                             r['per'] / dicts[1],
                             r['per'] / TARGET_PER_RESOURCE,
                             B.mib(r['cache']), B.mib(r['pool']),
                             B.mib(r['views']), B.mib(r['after']),
                             B.mib(r['peak']), r['t']])
    finally:
        if os.path.exists(tsv):
            os.unlink(tsv)
    B.table(rows, ['run', 'resources', 'B/resource', 'dicts B/row',
                   'orgfs/dicts', 'orgfs/target 600', 'cache MiB',
                   'pool MiB', 'views MiB', 'RSS after MiB', 'peak MiB',
                   'crawl s'])
    rows = []
    for (label, binary), whole in [(r, w) for w in (False, True)
                                   for r in runs]:
        orgfsmount.ORGFS = binary
        r = owners_peak(owners_n, whole)
        rows.append(['%s: --demo=%d, grep -r . owners %s' % (
                        label, owners_n, '| wc -c' if whole else '>/dev/null'),
                     r['resources'], B.mib(r['base']), B.mib(r['after']),
                     B.mib(r['peak']), B.mib(r['peak']) / TARGET_OWNERS_MIB,
                     B.mib(r['cache']), r['t']])
    B.table(rows, ['run', 'resources', 'RSS at mount MiB', 'RSS after MiB',
                   'peak MiB', 'peak/target 600 MiB', 'cache MiB',
                   'grep s'])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--skip-accounts', action='store_true')
    ap.add_argument('--skip-resources', action='store_true')
    ap.add_argument('--per-resource', action='store_true',
                    help='issue 17 point 5 only')
    ap.add_argument('--owners-accounts', type=int,
                    default=20000 if B.QUICK else 100000)
    ap.add_argument('--baseline', help='build directory of an older build')
    a = ap.parse_args()
    if a.per_resource:
        B.header('memory per resource (issue 17 point 5)')
        per_resource_part((1000, 10000) if B.QUICK else (1000, 10000, 20000),
                          a.owners_accounts, a.baseline)
        return
    B.header('memory after a full crawl')
    if '--skip-accounts' not in sys.argv[1:]:
        accounts_part(2000 if B.QUICK else 10000)
    if '--skip-resources' not in sys.argv[1:]:
        resources_part(*((1000, 50) if B.QUICK else (10000, 50)))


if __name__ == '__main__':
    main()
