#!/usr/bin/python3
"""`ls owners/` on a 10,000-account organization (issue 5).

Fake endpoint with 10,000 accounts (--quick: 500) and 20 ms added latency
(no rate limit), orgfs with -o resources=off (issue 5 is about tags:
with resources on, owners/ also needs every account's resources; pass
--resources to measure that) and its client-side rate limits lifted
(benchlib.UNLIMITED: at 20 ms and concurrency 8 orgfs cannot exceed
~400 calls/s, so the limits do not bind).  Times `ls owners/` right after
mount and counts the
calls: the target is exactly one ListTagsForResource per account, OU and
root, and no duplicate call (same operation and parameters answered
twice).  Also the calls against the minimum the data needs and the
daemon's RSS after the crawl.
"""
import os
import subprocess
import sys
import time

import benchlib as B


def main():
    B.header('ls owners/ cold, fake endpoint, 20 ms latency')
    n = 500 if B.QUICK else 10000
    res = '--resources' in sys.argv[1:]
    args = B.UNLIMITED + ([] if res else ['-o', 'resources=off'])
    print('orgfs args: %s' % ' '.join(args))
    t = time.perf_counter()
    with B.fake(accounts=n) as fake:
        print('fake endpoint with %d accounts started in %.1f s'
              % (n, time.perf_counter() - t))
        org = fake.org()
        nacc, nou, nroot = len(org['accounts']), len(org['ous']), len(org['roots'])
        fake.control({'latency_ms': 20})
        with B.mounted(['--endpoint=' + fake.url] + args, env=B.aws_env(fake)) as m:
            fake.clear_requests()
            t = time.perf_counter()
            r = subprocess.run(['ls', m.p('owners')], capture_output=True,
                               text=True)
            secs = time.perf_counter() - t
            reqs = fake.requests()
            rss = B.rss(m.proc.pid)
            st = B.status(m)
            # A second ls is served from the cache.
            fake.clear_requests()
            t = time.perf_counter()
            subprocess.run(['ls', m.p('owners')], stdout=subprocess.DEVNULL)
            warm = time.perf_counter() - t
            warm_calls = len(fake.requests())
    ok, thr, bad, dup = B.call_summary(reqs)
    ops = B.calls_by_op(reqs, ok_only=True)
    tagged = {}
    for q in reqs:
        if q.get('op') == 'ListTagsForResource' and q.get('status') == 200:
            rid = (q.get('params') or {}).get('ResourceId')
            tagged[rid] = tagged.get(rid, 0) + 1
    ids = set(a['Id'] for a in org['accounts']) | \
        set(o['Id'] for o in org['ous']) | set(x['Id'] for x in org['roots'])
    missing = len(ids - set(tagged))
    twice = sum(1 for v in tagged.values() if v > 1)
    print('ls exit %d, %d owners listed' % (r.returncode,
                                             len(r.stdout.split('\n')) - 1))
    B.table([['accounts / OUs / roots', '%d / %d / %d' % (nacc, nou, nroot)],
             ['ls owners/ cold, s', secs],
             ['ls owners/ warm, s (calls)', '%.4f (%d)' % (warm, warm_calls)],
             ['calls ok / throttled / failed', '%d / %d / %d' % (ok, thr, bad)],
             ['duplicate calls (target 0)', dup],
             ['ListTagsForResource calls', ops.get('ListTagsForResource', 0)],
             ['  objects needing tags', len(ids)],
             ['  objects never asked (target 0)', missing],
             ['  objects asked more than once (target 0)', twice],
             ['calls beyond one per object + listings',
              ok - len(ids)],
             ['calls / s', ok / secs],
             ['daemon RSS / peak, MiB', '%.1f / %.1f' % (B.mib(rss[0]),
                                                         B.mib(rss[1]))],
             ['crawl objects done/total', '%s/%s' % (
                 st.get('crawl_objects_done'), st.get('crawl_objects_total'))]],
            ['figure', 'value'])
    print('calls by operation: ' + ' '.join('%s=%d' % kv
                                            for kv in sorted(ops.items())))
    print('target (one ListTagsForResource per account and OU, no '
          'duplicates): %s' % ('met' if not missing and not twice and not dup
                                and ops.get('ListTagsForResource') == len(ids)
                                else 'MISSED'))


if __name__ == '__main__':
    os.environ.setdefault('ORGFS_BUILD_DIR', B.BUILD)
    main()
