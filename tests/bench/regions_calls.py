#!/usr/bin/python3
"""regions=all (issue 19.1): the calls a default mount makes to read every
enabled region of every account, against the minimum the data needs.

Fake endpoint with 200 accounts (--quick: 20) x 6 regions, two of them
opt-in (ap-east-1 enabled in a deterministic half of the members,
me-south-1 in none) x 30 resources.  The minimum: one ListRegions per
readable (ACTIVE) account, one AssumeRole per readable
member, and per readable account
and enabled region one GetResources page per 100 resources.  Also: the
same crawl with -o regions= naming the 4 default regions (what an
explicit list costs), and calls made into regions an account has not
enabled (target 0).  orgfs's client-side rate limits are lifted.
"""
import subprocess
import time

import benchlib as B

REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1',
           'ap-east-1', 'me-south-1']
OPT_IN = {'ap-east-1', 'me-south-1'}


def crawl(fake, extra):
    with B.mounted(['--endpoint=' + fake.url] + extra + B.UNLIMITED,
                   env=B.aws_env(fake)) as m:
        fake.clear_requests()
        t = time.perf_counter()
        r = subprocess.run(['cat', m.p('tables', 'resources.tsv')],
                           capture_output=True, text=True)
        secs = time.perf_counter() - t
        reqs = fake.requests()
    lines = [ln for ln in r.stdout.splitlines() if not ln.startswith('#')]
    return secs, reqs, len(lines) - 1, r.stdout.startswith('#')


def main():
    B.header('regions=all, fake endpoint, 10 ms latency')
    acc, per = (20, 30) if B.QUICK else (200, 30)
    with B.fake(accounts=acc, regions=','.join(REGIONS), resources=per,
                seed=19) as fake:
        org = fake.org()
        mgmt = org['organization'].get('MasterAccountId')
        # the accounts orgfs reads: the ACTIVE ones (issue 17.1: not
        # PENDING_CLOSURE, SUSPENDED or CLOSED)
        active = [a['Id'] for a in org['accounts'] if a['State'] == 'ACTIVE']
        members = [a for a in active if a != mgmt]
        half = sorted(members)[::2]
        fake.mutate({'opt_in': {'ap-east-1': half, 'me-south-1': []}})
        fake.control({'latency_ms': 10})
        enabled = sum(len(REGIONS) - len(OPT_IN) + (a in half) for a in active)
        pages = max(1, -(-per // 100))
        need = len(active) + len(members) + enabled * pages
        secs, reqs, rows, incomplete = crawl(fake, [])
        ops = B.calls_by_op(reqs, ok_only=True)
        ok, thr, bad, dup = B.call_summary(reqs)
        made = sum(ops.get(o, 0) for o in ('ListRegions', 'AssumeRole',
                                           'GetResources'))
        wrong = sum(1 for q in reqs if q.get('op') == 'GetResources' and
                    q.get('region') in OPT_IN and
                    not (q.get('region') == 'ap-east-1' and
                         q.get('account') in half))
        dflt = [r for r in REGIONS if r not in OPT_IN]
        secs4, reqs4, rows4, _ = crawl(fake, ['-o', 'regions=' + ','.join(dflt)])
        ops4 = B.calls_by_op(reqs4, ok_only=True)
    B.table([['accounts (readable) x regions (enabled listings) x per region',
              '%d (%d) x %d (%d) x %d' % (acc, len(active), len(REGIONS),
                                          enabled, per)],
             ['resources.tsv rows / incomplete', '%d / %s' % (rows, incomplete)],
             ['wall s', secs],
             ['calls ok / throttled / failed / duplicates',
              '%d / %d / %d / %d' % (ok, thr, bad, dup)],
             ['ListRegions made / needed (one per readable account)',
              '%d / %d' % (ops.get('ListRegions', 0), len(active))],
             ['resource calls made / minimum (ListRegions + AssumeRole + '
              'GetResources pages)', '%d / %d' % (made, need)],
             ['ratio made / minimum', made / max(1, need)],
             ['GetResources in regions not enabled (target 0)', wrong],
             ['regions=<4 default regions>: rows / GetResources / ListRegions',
              '%d / %d / %d' % (rows4, ops4.get('GetResources', 0),
                                ops4.get('ListRegions', 0))],
             ['regions=<4> wall s', secs4]],
            ['figure', 'value'])
    print('calls by operation: ' + ' '.join('%s=%d' % kv
                                            for kv in sorted(ops.items())))


if __name__ == '__main__':
    main()
