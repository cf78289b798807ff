#!/usr/bin/python3
"""IAM Identity Center calls against the minimum the data needs, and
duplicates under 16 parallel readers (issue 20).

Fake endpoint with 1,000 accounts (--quick: 200) and 10 permission sets,
20 ms latency, no client-side rate limit.  Right after mount, 16 threads
read the access files at once, each in its own order (accounts/*/access.tsv
and owner_has_access, access/groups/*/accounts.tsv and members,
access/users/*).  The minimum, from what the fake holds: ListInstances 1;
ListPermissionSets 1 per 100 sets; per set DescribePermissionSet,
ListManagedPoliciesInPermissionSet and GetInlinePolicyForPermissionSet 1
each and ListAccountsForProvisionedPermissionSet 1 per 100 accounts; per
(set, account provisioned) ListAccountAssignments 1 per 100 assignments;
per group ListGroupMemberships 1 per 100 members; one DescribeGroup or
DescribeUser per principal or member, whatever it is in (a member the
store no longer knows is one DescribeUser answered 400: 1 "failed").
Target: calls = minimum, 0 duplicates.

Then, on a fresh mount, one account's access.tsv alone (issue 20.5): the
permission sets (68 calls at 1,000 accounts) and that account's
assignments and principals, against the whole organization's minimum.
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
        groups = os.listdir(m.p('access', 'groups'))
        todo += [m.p('access', 'groups', g, f) for g in groups for f in ('accounts.tsv', 'members')]
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
    groups = {i for t, i in who if t == 'GROUP'}
    users = {u['UserId'] for u in access['users']}
    for g in groups:
        per['ListGroupMemberships'] += max(1, math.ceil(len(access['memberships'][g]) / 100))
    who |= {('USER', u) for g in groups for u in access['memberships'][g] if u in users}
    per['DescribeGroup'] = sum(1 for t, _ in who if t == 'GROUP')
    per['DescribeUser'] = sum(1 for t, _ in who if t == 'USER')
    return per


def one_account(fake, args):
    """Calls of one account's access.tsv read first on a fresh mount"""
    access = fake.access()
    acct = sorted({a['AccountId'] for a in access['assignments']})[0]
    with B.mounted(args, env=B.aws_env(fake)) as m:
        fake.clear_requests()
        t = time.perf_counter()
        with open(m.p('accounts', acct, 'access.tsv')) as fh:
            lines = len(fh.read().splitlines()) - 1
        secs = time.perf_counter() - t
        reqs = [r for r in fake.requests() if r.get('service') in SERVICES]
    return acct, lines, reqs, secs


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
        acct, lines, one, one_secs = one_account(fake, args)
    ok, thr, bad, dup = B.call_summary(reqs)
    ops = B.calls_by_op(reqs, ok_only=True)
    one_ok, _, _, one_dup = B.call_summary(one)
    rows = [['readers', READERS], ['accounts', n],
            ['permission sets', len(access['permission_sets'])],
            ['assignments', len(access['assignments'])], ['wall s', secs],
            ['calls ok / throttled / failed', '%d / %d / %d' % (ok, thr, bad)],
            ['minimum for this data', sum(want.values())],
            ['calls / minimum', '%.3f' % (ok / max(1, sum(want.values())))],
            ['duplicate calls (target 0)', dup], ['read errors', len(errors)],
            ['one account alone: assignments in its access.tsv', lines],
            ['one account alone: calls (duplicates)', '%d (%d)' % (one_ok, one_dup)],
            ['one account alone: calls / whole minimum',
             '%.3f' % (one_ok / max(1, sum(want.values())))],
            ['one account alone: wall s', one_secs]]
    B.table(rows, ['figure', 'value'])
    for op in sorted(set(want) | set(ops)):
        print('%-42s made %6d  minimum %6d' % (op, ops.get(op, 0), want.get(op, 0)))
    for e in errors[:5]:
        print('# error: ' + e)


if __name__ == '__main__':
    main()
