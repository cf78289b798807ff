#!/usr/bin/python3
"""IAM Identity Center calls against the minimum the data needs, and
duplicates under 16 parallel readers (issue 20).

Fake endpoint with 1,000 accounts (--quick: 200) and 10 permission sets,
20 ms latency, no client-side rate limit.  Right after mount, 16 threads
read the access files at once, each in its own order (accounts/*/access.tsv
and owner_has_access, access/groups/*/accounts.tsv, access/users/*).  The
minimum, from what the fake holds: ListInstances 1; ListPermissionSets 1
per 100 sets; per set DescribePermissionSet, ListManagedPoliciesIn
PermissionSet and GetInlinePolicyForPermissionSet 1 each and
ListAccountsForProvisionedPermissionSet 1 per 100 accounts; per (set,
account provisioned) ListAccountAssignments 1 per 100 assignments; one
DescribeGroup or DescribeUser per principal.  Target: calls = minimum,
0 duplicates.
"""
import collections
import math
import os
import random
import threading
import time

import benchlib as B

READERS = 16
SERVICES = ('sso-admin', 'identitystore')


def reader(m, k, errors):
    rnd = random.Random(k)
    try:
        ids = os.listdir(m.p('accounts'))
        todo = [m.p('accounts', i, f) for i in ids for f in ('access.tsv', 'owner_has_access')]
        todo += [m.p('access', 'groups', g, 'accounts.tsv') for g in os.listdir(m.p('access', 'groups'))]
        todo += [m.p('access', 'users', u, 'accounts.tsv') for u in os.listdir(m.p('access', 'users'))]
        rnd.shuffle(todo)
        for p in todo:
            try:
                with open(p) as fh:
                    fh.read()
            except OSError as e:
                errors.append('%s: %s' % (p, e))
    except OSError as e:
        errors.append(str(e))


def minimum(access):
    per = collections.Counter()
    psets = access['permission_sets']
    per['ListInstances'] = 1
    per['ListPermissionSets'] = max(1, math.ceil(len(psets) / 100))
    pairs = collections.Counter((a['PermissionSetArn'], a['AccountId'])
                                for a in access['assignments'])
    for p in psets:
        arn = p['PermissionSetArn']
        per['DescribePermissionSet'] += 1
        per['ListManagedPoliciesInPermissionSet'] += 1
        per['GetInlinePolicyForPermissionSet'] += 1
        accts = [a for (ps, a) in pairs if ps == arn]
        per['ListAccountsForProvisionedPermissionSet'] += max(1, math.ceil(len(accts) / 100))
    for n in pairs.values():
        per['ListAccountAssignments'] += max(1, math.ceil(n / 100))
    who = {(a['PrincipalType'], a['PrincipalId']) for a in access['assignments']}
    per['DescribeGroup'] = sum(1 for t, _ in who if t == 'GROUP')
    per['DescribeUser'] = sum(1 for t, _ in who if t == 'USER')
    return per


def main():
    B.header('IAM Identity Center: calls vs minimum, 16 parallel readers, cold, 20 ms')
    n = 200 if B.QUICK else 1000
    with B.fake(accounts=n) as fake:
        fake.control({'latency_ms': 20})
        access = fake.access()
        want = minimum(access)
        args = ['--endpoint=' + fake.url, '-o', 'resources=off,rate_sso_admin=0,rate_identitystore=0'] + B.UNLIMITED
        with B.mounted(args, env=B.aws_env(fake)) as m:
            fake.clear_requests()
            errors = []
            th = [threading.Thread(target=reader, args=(m, k, errors)) for k in range(READERS)]
            t = time.perf_counter()
            for x in th:
                x.start()
            for x in th:
                x.join()
            secs = time.perf_counter() - t
            reqs = [r for r in fake.requests() if r.get('service') in SERVICES]
    ok, thr, bad, dup = B.call_summary(reqs)
    ops = B.calls_by_op(reqs, ok_only=True)
    rows = [['readers', READERS], ['accounts', n],
            ['permission sets', len(access['permission_sets'])],
            ['assignments', len(access['assignments'])], ['wall s', secs],
            ['calls ok / throttled / failed', '%d / %d / %d' % (ok, thr, bad)],
            ['minimum for this data', sum(want.values())],
            ['calls / minimum', '%.3f' % (ok / max(1, sum(want.values())))],
            ['duplicate calls (target 0)', dup], ['read errors', len(errors)]]
    B.table(rows, ['figure', 'value'])
    for op in sorted(set(want) | set(ops)):
        print('%-42s made %6d  minimum %6d' % (op, ops.get(op, 0), want.get(op, 0)))
    for e in errors[:5]:
        print('# error: ' + e)


if __name__ == '__main__':
    main()
