#!/usr/bin/python3
"""Duplicate API calls under 16 parallel readers (issue 9, item 3).

Fake endpoint with 1,000 accounts (--quick: 200), 20 ms latency, no rate
limit.  Right after mount, 16 threads walk the same tree at once, each in
its own order (accounts/*/tags/Owner and owner, tables/accounts.tsv, owners/,
ous/*/tags): every call answered twice with the same operation and
parameters (page token included) is a duplicate.  Target: 0.  Then the
calls made against the minimum the data needs, counted as the distinct
calls made (a walk asking for everything needs each of them once).
"""
import os
import random
import threading
import time

import benchlib as B

READERS = 16


def reader(m, k, errors):
    rnd = random.Random(k)
    try:
        ids = os.listdir(m.p('accounts'))
        rnd.shuffle(ids)
        todo = [m.p('accounts', i, f) for i in ids for f in ('owner', 'name')]
        todo += [m.p('tables', 'accounts.tsv')]
        rnd.shuffle(todo)
        for p in todo:
            try:
                with open(p) as fh:
                    fh.read()
            except OSError as e:
                errors.append('%s: %s' % (p, e))
        for i in ids:
            t = m.p('accounts', i, 'tags')
            for f in os.listdir(t):
                with open(os.path.join(t, f)) as fh:
                    fh.read()
        os.listdir(m.p('owners'))
        for o in os.listdir(m.p('ous')):
            os.listdir(m.p('ous', o, 'tags'))
    except OSError as e:
        errors.append(str(e))


def main():
    B.header('16 parallel readers, cold, fake endpoint, 20 ms latency')
    n = 200 if B.QUICK else 1000
    with B.fake(accounts=n) as fake:
        fake.control({'latency_ms': 20})
        with B.mounted(['--endpoint=' + fake.url] + B.UNLIMITED, env=B.aws_env(fake)) as m:
            fake.clear_requests()
            errors = []
            th = [threading.Thread(target=reader, args=(m, k, errors))
                  for k in range(READERS)]
            t = time.perf_counter()
            for x in th:
                x.start()
            for x in th:
                x.join()
            secs = time.perf_counter() - t
            reqs = fake.requests()
            st = B.status(m)
    ok, thr, bad, dup = B.call_summary(reqs)
    ops = B.calls_by_op(reqs, ok_only=True)
    B.table([['readers', READERS], ['accounts', n], ['wall s', secs],
             ['calls ok / throttled / failed', '%d / %d / %d' % (ok, thr, bad)],
             ['distinct calls (minimum for this data)', ok - dup],
             ['duplicate calls (target 0)', dup],
             ['read errors', len(errors)],
             ['cache hits / misses', '%s / %s' % (st['cache_hits'],
                                                  st['cache_misses'])]],
            ['figure', 'value'])
    print('calls by operation: ' + ' '.join('%s=%d' % kv
                                            for kv in sorted(ops.items())))
    for e in errors[:5]:
        print('# error: ' + e)


if __name__ == '__main__':
    main()
