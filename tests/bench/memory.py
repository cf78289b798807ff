#!/usr/bin/python3
"""Memory after a full crawl (issue 9, item 4).

Daemon VmRSS and VmHWM (/proc/PID/status) after `grep -r .` over the
whole tree: a demo organization of 10,000 accounts and the fake endpoint
with 10,000 accounts (--quick: 1,000), bytes per account; 1,000,000
resources (demo) when orgfs has resources; and with -o cache_max smaller
than the data, whether RSS stays near the cap.
"""
import subprocess

import benchlib as B


def crawl(m):
    subprocess.run(['grep', '-r', '.', m.path], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def measure(args, env=None):
    with B.mounted(args, env=env) as m:
        base = B.rss(m.proc.pid)
        t, _ = B.timed(crawl, m)
        after = B.rss(m.proc.pid)
        st = B.status(m)
    return base, after, t, st


def main():
    B.header('memory after a full crawl')
    n = 2000 if B.QUICK else 10000
    rows = []
    full = None
    base, after, t, st = measure(['--demo=%d' % n])
    full = int(st['cache_bytes'])
    rows.append(['demo %d accounts' % n, B.mib(base[0]), B.mib(after[0]),
                 B.mib(after[1]), (after[0] - base[0]) / n,
                 B.mib(full), st['cache_evictions'], t])
    cap = max(1 << 20, full // 4)   # orgfs takes at least 1M
    base, after, t, st = measure(['--demo=%d' % n, '-o',
                                  'cache_max=%d' % cap])
    rows.append(['demo %d, cache_max=%.1fM' % (n, B.mib(cap)), B.mib(base[0]),
                 B.mib(after[0]), B.mib(after[1]),
                 (after[0] - base[0]) / n, B.mib(int(st['cache_bytes'])),
                 st['cache_evictions'], t])
    with B.fake(accounts=n) as fake:
        base, after, t, st = measure(['--endpoint=' + fake.url] + B.UNLIMITED,
                                     env=B.aws_env(fake))
        rows.append(['fake %d accounts' % n, B.mib(base[0]), B.mib(after[0]),
                     B.mib(after[1]), (after[0] - base[0]) / n,
                     B.mib(int(st['cache_bytes'])), st['cache_evictions'], t])
    opt = B.demo_resources_option()
    if opt:
        acc = 1000 if B.QUICK else 10000
        per = (100000 if B.QUICK else 1000000) // (acc * 2)
        base, after, t, st = measure(['--demo=%d' % acc, '-o',
                                      '%s=%d' % (opt, per)])
        nres = acc * 2 * per
        rows.append(['demo %d resources' % nres, B.mib(base[0]),
                     B.mib(after[0]), B.mib(after[1]),
                     (after[0] - base[0]) / nres,
                     B.mib(int(st['cache_bytes'])), st['cache_evictions'], t])
    B.table(rows, ['organization', 'RSS before MiB', 'RSS after MiB',
                   'peak MiB', 'bytes/object', 'cache MiB', 'evictions',
                   'crawl s'])
    if not opt:
        print('resources: not available yet (no demo option for resources '
              'in orgfs --help)')


if __name__ == '__main__':
    main()
