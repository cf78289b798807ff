#!/usr/bin/python3
"""Full resource crawl (issue 6).

Fake endpoint with 1,000 accounts x 2 regions x 100 resources (--quick:
50 x 2 x 20) at 20 ms added latency: wall time of `cat tables/resources.tsv`
right after mount (the organization-wide resource crawl), the calls made
against the minimum the data needs (one AssumeRole per active member
account, the management account being read with the mount's own
credentials; per active account and region the GetResources pages at 100
resources a page, the API's maximum; plus the Organizations calls: the
ListAccounts pages, the hierarchy listings and one ListTagsForResource per
account, OU and root, which the owner column needs), duplicates, and RSS
after the crawl.  orgfs's client-side rate limits are lifted
(benchlib.UNLIMITED): the fake has no limit, and this measures orgfs's
own crawl.  Prints "not available yet" while the tree has no resources.
"""
import subprocess
import time

import benchlib as B


def main():
    B.header('resource crawl, fake endpoint, 20 ms latency')
    acc, per = (50, 20) if B.QUICK else (1000, 100)
    regions = ['us-east-1', 'eu-west-1']
    with B.fake(accounts=acc, regions=','.join(regions), resources=per) as fake:
        org = fake.org()
        active = [a for a in org['accounts'] if a['State'] == 'ACTIVE']
        fake.control({'latency_ms': 20})
        with B.mounted(['--endpoint=' + fake.url, '-o',
                        'regions=' + ','.join(regions)] + B.UNLIMITED,
                       env=B.aws_env(fake)) as m:
            # The lookup of tables/resources.tsv already crawls (st_size is
            # exact): time it with the read.
            fake.clear_requests()
            t = time.perf_counter()
            if not B.has_resources(m):
                print('orgfs: resources not available yet (no /tables/resources.tsv)')
                return
            r = subprocess.run(['cat', m.p('tables', 'resources.tsv')],
                               capture_output=True, text=True)
            secs = time.perf_counter() - t
            reqs = fake.requests()
            rss = B.rss(m.proc.pid)
            st = B.status(m)
    ok, thr, bad, dup = B.call_summary(reqs)
    ops = B.calls_by_op(reqs, ok_only=True)
    lines = max(0, len(r.stdout.splitlines()) - 1)
    pages = max(1, -(-per // 100))
    mgmt = org['organization'].get('MasterAccountId')
    members = [a for a in active if a['Id'] != mgmt]
    need_res = len(members) + len(active) * len(regions) * pages
    pp = sorted(set((q.get('params') or {}).get('ResourcesPerPage')
                    for q in reqs if q.get('op') == 'GetResources'),
                key=str)
    org_ops = ('ListAccounts', 'ListRoots', 'ListChildren',
               'ListOrganizationalUnitsForParent', 'ListAccountsForParent',
               'ListParents', 'ListTagsForResource', 'DescribeOrganization')
    org_made = sum(ops.get(o, 0) for o in org_ops)
    nobj = len(org['accounts']) + len(org['ous']) + len(org['roots'])
    B.table([['accounts (active) x regions x per region',
              '%d (%d) x %d x %d' % (acc, len(active), len(regions), per)],
             ['cat tables/resources.tsv exit / lines', '%d / %d' % (r.returncode,
                                                           lines)],
             ['wall s', secs],
             ['calls ok / throttled / failed', '%d / %d / %d' % (ok, thr, bad)],
             ['duplicates (target 0)', dup],
             ['resource calls needed (AssumeRole %d + GetResources pages %d)'
              % (len(members), len(active) * len(regions) * pages),
              need_res],
             ['resource calls made', sum(ops.get(o, 0) for o in
                                         ('AssumeRole', 'GetResources',
                                          'Search', 'ListResources'))],
             ['  ResourcesPerPage sent', ' '.join(str(x) for x in pp)],
             ['Organizations calls made (ListTagsForResource: objects)',
              '%d (%d: %d)' % (org_made, ops.get('ListTagsForResource', 0),
                               nobj)],
             ['all calls made / minimum (resources + org listings + tags)',
              '%d / %d' % (ok, need_res + org_made -
                           ops.get('ListTagsForResource', 0) + nobj)],
             ['RSS / peak MiB', '%.1f / %.1f' % (B.mib(rss[0]),
                                                 B.mib(rss[1]))],
             ['RSS bytes per resource', rss[0] / max(1, lines)]],
            ['figure', 'value'])
    print('calls by operation: ' + ' '.join('%s=%d' % kv
                                            for kv in sorted(ops.items())))
    state = {a['Id']: a['State'] for a in org['accounts']}
    extra = {}
    for q in reqs:
        if q.get('op') == 'AssumeRole' and q.get('status') == 200:
            aid = ((q.get('params') or {}).get('RoleArn') or '').split(':')[4:5]
            st_ = state.get(aid[0] if aid else None, '?')
            if st_ != 'ACTIVE':
                extra[st_] = extra.get(st_, 0) + 1
    print('AssumeRole into accounts that are not ACTIVE: %s' % (
        ' '.join('%s=%d' % kv for kv in sorted(extra.items())) or 'none'))
    print('status: ' + ' '.join('%s=%s' % (k, v) for k, v in st.items()
                                if k.startswith('resource')))


if __name__ == '__main__':
    main()
