#!/usr/bin/python3
"""Cold crawl vs what users do today (issue 9, item 2; calls: item 3).

Fake endpoint: 1,000 accounts (--quick: 100), 50 ms added latency,
Organizations limited to 10 calls/s (burst 20), tagging 5/s per account
(burst 10); beyond them the throttling error.

Audit (a), the Owner tag of every account:
  orgfs cold (right after mount) `cat accounts/*/tags/Owner`, and
  tables/accounts.tsv (which also needs the hierarchy and OU tags);
  user/owner_tags.py (boto3, sequential paginator + one call per account);
  user/owner_tags.sh (AWS CLI loop; a sample of accounts, extrapolated).
Audit (b), every resource with its effective owner over 200 accounts x 2
regions (--quick: 20): orgfs tables/resources.tsv when the tree has it, against
user/resource_owners.py.

Audit (a) without a server quota (issue 17, item 1): 241 and 1,000
accounts (--quick: 241), the same fake with no rate limit: orgfs with its
default (adaptive) pace against the sequential boto3 script.  Target:
orgfs >= 5x faster.  Run only that part with --no-quota.

Prints wall times, calls made (from the fake's request log), throttled
calls, duplicate calls, the rate-limit bound (calls beyond the burst /
rate) and the ratios.  Targets: orgfs within 1.2x of the bound and no
more calls than the script; (b) orgfs >= 10x faster than the script.
"""
import glob
import os
import statistics
import subprocess
import sys
import time

import benchlib as B

RATE, BURST = 10.0, 20.0
LIMITS = {'organizations': {'rate': RATE, 'burst': BURST},
          'tagging': {'rate': 5, 'burst': 10, 'per_account': True}}
USER = os.path.join(B.HERE, 'user')


def reset(fake, latency=50, limits=None):
    # Posting rate_limits again starts the buckets full: each run gets the
    # same burst.
    fake.control({'latency_ms': latency,
                  'rate_limits': LIMITS if limits is None else limits})
    fake.clear_requests()


def user_env(fake):
    env = B.aws_env(fake)
    env['PATH'] = '/usr/bin:/bin'   # Debian's aws and python3, not pyenv's
    return env


def summarize(name, secs, reqs, extra=''):
    ok, thr, bad, dup = B.call_summary(reqs)
    org_ok = sum(1 for r in reqs if r.get('service') == 'organizations'
                 and r.get('status') == 200)
    bound = max(0.0, org_ok - BURST) / RATE
    return {'name': name, 'secs': secs, 'ok': ok, 'org_ok': org_ok,
            'thr': thr, 'bad': bad, 'dup': dup, 'bound': bound,
            'ops': B.calls_by_op(reqs, ok_only=True), 'extra': extra,
            'span': op_spans(reqs)}


def op_spans(reqs):
    """Per operation: first and last answered call, in seconds after the
    first request of the run (shows whether the crawls overlap)."""
    ts = [r['time'] for r in reqs if r.get('op') and r.get('time')]
    if not ts:
        return {}
    t0 = min(ts)
    span = {}
    for r in reqs:
        if r.get('op') is None or r.get('status') != 200:
            continue
        a, b = span.get(r['op'], (None, None))
        t = r['time'] - t0
        span[r['op']] = (t if a is None else min(a, t), t if b is None else max(b, t))
    return span


def orgfs_run(fake, name, cmd, collect, args=(), limits=None):
    """Mount, clear the log (GetCallerIdentity is the mount's), run cmd
    in the mount, time it."""
    with B.mounted(['--endpoint=' + fake.url] + list(args),
                   env=B.aws_env(fake)) as m:
        reset(fake, limits=limits)
        t = time.perf_counter()
        r = subprocess.run(cmd, shell=True, cwd=m.path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
        secs = time.perf_counter() - t
        reqs = fake.requests()
        rss = B.rss(m.proc.pid)
        got = collect(m)
        st = B.status(m)
        with open(m.p('.orgfs', 'errors')) as fh:
            # the first line is the column header
            errs = [e for e in fh.read().splitlines()
                    if not e.startswith('time\t')]
    if errs:
        print('# %s: .orgfs/errors (first 3 of %d):' % (name, len(errs)))
        for e in errs[:3]:
            print('#   ' + e[:200])
    s = summarize(name, secs, reqs)
    s['rss'] = rss
    s['failed_reads'] = len(r.stderr.splitlines())
    s['errors'] = st.get('errors_recorded', '?')
    s['extra'] = 'exit %d, %d read errors, %s in .orgfs/errors' % (
        r.returncode, s['failed_reads'], s['errors'])
    return s, got


def owner_files(m):
    out = {}
    for p in glob.glob(m.p('accounts', '*', 'tags', 'Owner')):
        with open(p) as fh:
            v = fh.read().rstrip('\n')
        if v:
            out[p.split('/')[-3]] = v
    return out


def resource_owners(m):
    """arn -> owner ('' when none) of tables/resources.tsv"""
    out = {}
    with open(m.p('tables', 'resources.tsv')) as fh:
        head = fh.readline().rstrip('\n').split('\t')
        ia, io = head.index('arn'), head.index('owner')
        for ln in fh:
            f = ln.rstrip('\n').split('\t')
            if len(f) == len(head):
                out[f[ia]] = f[io]
    return out


def script_run(fake, name, argv, limits=None):
    reset(fake, limits=limits)
    t = time.perf_counter()
    r = subprocess.run(argv, env=user_env(fake), capture_output=True, text=True)
    secs = time.perf_counter() - t
    if r.returncode:
        print('# %s failed (%d): %s' % (name, r.returncode, r.stderr[-2000:]))
    reqs = fake.requests()
    lines = [ln.split('\t', 1) for ln in r.stdout.splitlines() if ln]
    return summarize(name, secs, reqs), lines


def print_runs(runs, bound_min):
    rows = []
    for s in runs:
        rows.append([s['name'], s['secs'], s['ok'], s['org_ok'], s['thr'],
                     s['dup'], s['bound'],
                     s['secs'] / bound_min if bound_min else '-', s['extra']])
    B.table(rows, ['run', 'wall s', 'calls ok', 'org calls', 'throttled',
                   'dups', 'own bound s', 'x min bound', 'note'])
    for s in runs:
        print('  %-28s %s' % (s['name'], ' '.join(
            '%s=%d' % kv for kv in sorted(s['ops'].items()))))
    for s in runs:
        print('  %-28s timeline (s after first call): %s' % (s['name'], ' '.join(
            '%s %.1f-%.1f' % (op, a, b) for op, (a, b) in
            sorted(s['span'].items(), key=lambda kv: kv[1][0]))))
    print()


def audit_a(n):
    print('## audit (a): Owner tag of %d accounts, latency 50 ms, '
          'organizations %g/s burst %g' % (n, RATE, BURST))
    with B.fake(accounts=n) as fake:
        runs = []
        py, lines = script_run(fake, 'boto3 script',
                               ['/usr/bin/python3',
                                os.path.join(USER, 'owner_tags.py'), fake.url])
        truth = {a: o for a, o in lines if o}
        runs.append(py)

        s, got = orgfs_run(fake, 'orgfs cat accounts/*/tags/Owner',
                           'cat accounts/*/tags/Owner', owner_files)
        s['extra'] += '; ' + ('agrees with boto3' if got == truth else
                              'DIFFERS (%d vs %d owners)' % (len(got), len(truth)))
        runs.append(s)

        s2, _ = orgfs_run(fake, 'orgfs cat tables/accounts.tsv', 'cat tables/accounts.tsv',
                          lambda m: None)
        s2['extra'] += '; effective owners: needs OUs too'
        runs.append(s2)

        sample = 10 if B.QUICK else 40
        reset(fake)
        t = time.perf_counter()
        subprocess.run(['/usr/bin/aws', 'organizations', 'list-accounts',
                        '--endpoint-url', fake.url, '--output', 'text'],
                       env=user_env(fake), stdout=subprocess.DEVNULL)
        t_list = time.perf_counter() - t
        cli, clines = script_run(fake, 'aws cli loop (%d sampled)' % sample,
                                 ['/bin/sh', os.path.join(USER, 'owner_tags.sh'),
                                  fake.url, str(sample)])
        per = (cli['secs'] - t_list) / max(1, len(clines))
        est = t_list + per * n
        cli['extra'] = 'extrapolated to %d: %.0f s (%.2f s/account)' % (n, est, per)
        runs.append(cli)

        bound_min = max(0.0, py['org_ok'] - BURST) / RATE
        print('minimum calls the data needs (the script\'s: pages + one per '
              'account): %d; rate-limit bound for them: %.1f s' %
              (py['ok'], bound_min))
        print_runs(runs, bound_min)
        print('orgfs (cat) / bound = %.2f (target <= 1.2); orgfs calls / '
              'script calls = %d / %d (target <=); orgfs vs boto3: %.2fx faster;'
              ' vs aws cli (extrapolated): %.1fx faster; orgfs RSS %.1f MiB'
              % (s['secs'] / bound_min if bound_min else 0, s['ok'], py['ok'],
                 py['secs'] / s['secs'], est / s['secs'], B.mib(s['rss'][0])))
        print()


def audit_b(n, per_region):
    regions = 'us-east-1,eu-west-1'
    print('## audit (b): every resource with its effective owner, %d accounts'
          ' x 2 regions x %d resources, latency 50 ms' % (n, per_region))
    with B.fake(accounts=n, regions=regions, resources=per_region) as fake:
        py, lines = script_run(fake, 'boto3 script',
                               ['/usr/bin/python3',
                                os.path.join(USER, 'resource_owners.py'),
                                fake.url, regions])
        py['extra'] = '%d resources listed' % len(lines)
        runs = [py]
        args = ['-o', 'regions=' + regions]
        avail = '-o resources=' in B.orgfs_help()
        if avail:
            s, got = orgfs_run(fake, 'orgfs cat tables/resources.tsv',
                               'cat tables/resources.tsv', resource_owners,
                               args)
            truth = {a: o for a, o in lines}
            s['extra'] += '; ' + (
                'owners agree with boto3' if got == truth else
                'OWNERS DIFFER (%d of %d resources)' % (
                    sum(1 for k in set(got) | set(truth)
                        if got.get(k) != truth.get(k)), len(truth)))
            runs.append(s)
        bound_min = max(0.0, py['org_ok'] - BURST) / RATE
        print('minimum calls the data needs (the script\'s): %d, %d of them '
              'Organizations; rate-limit bound for them: %.1f s' %
              (py['ok'], py['org_ok'], bound_min))
        print_runs(runs, bound_min)
        if avail:
            s = runs[1]
            print('orgfs / bound = %.2f (target <= 1.1); calls ok orgfs / '
                  'script = %d / %d (target <=); boto3 / orgfs = %.1fx' %
                  (s['secs'] / bound_min if bound_min else 0, s['ok'],
                   py['ok'], py['secs'] / s['secs']))
        else:
            print('orgfs: resources not available yet (no /tables/resources.tsv)')
        print()


def audit_a_no_quota(sizes, rounds):
    """Owner tags with no server quota: orgfs's default pace against the
    script; rounds alternate the two, medians printed."""
    for n in sizes:
        print('## audit (a) without a quota: Owner tag of %d accounts, '
              'latency 50 ms, no server rate limit' % n)
        with B.fake(accounts=n) as fake:
            py_t, fs_t, py, s = [], [], None, None
            for _ in range(rounds):
                py, lines = script_run(fake, 'boto3 script',
                                       ['/usr/bin/python3',
                                        os.path.join(USER, 'owner_tags.py'),
                                        fake.url], limits={})
                truth = {a: o for a, o in lines if o}
                py_t.append(py['secs'])
                s, got = orgfs_run(fake, 'orgfs cat accounts/*/tags/Owner',
                                   'cat accounts/*/tags/Owner', owner_files,
                                   limits={})
                s['extra'] += '; ' + (
                    'agrees with boto3' if got == truth else
                    'DIFFERS (%d vs %d owners)' % (len(got), len(truth)))
                fs_t.append(s['secs'])
            pm, fm = statistics.median(py_t), statistics.median(fs_t)
            py['secs'], s['secs'] = pm, fm
            print_runs([py, s], 0)
            print('runs: boto3 %s; orgfs %s' % (
                ' '.join('%.2f' % x for x in py_t),
                ' '.join('%.2f' % x for x in fs_t)))
            print('%d accounts, no quota: boto3 / orgfs = %.2fx faster '
                  '(target >= 5); calls orgfs / script = %d / %d' %
                  (n, pm / fm, s['ok'], py['ok']))
            print()


def main():
    B.header('cold audit: orgfs vs boto3 vs aws cli against the fake endpoint')
    if '--no-quota' in sys.argv[1:]:
        audit_a_no_quota([241] if B.QUICK else [241, 1000], 3)
        return
    audit_a(100 if B.QUICK else 1000)
    audit_b(20 if B.QUICK else 200, 5 if B.QUICK else 10)
    audit_a_no_quota([241] if B.QUICK else [241, 1000], 1)


if __name__ == '__main__':
    main()
