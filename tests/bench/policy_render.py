#!/usr/bin/python3
"""An 8 MB policy read again and again (issue 18, point 6).

The fake serves one SERVICE_CONTROL_POLICY whose content is about 8 MB of
JSON (--quick: 2 MB).  The mount reads policies/<id>/content.json once
(fetch and render), then N more times with `cat` (each read(2) of 128 KB
is one FUSE read), stat'ing it before each.  Prints the seconds of the
first read and of each later one, the daemon's RSS after each, the
renders the daemon made (.orgfs/status json_renders; "-" on builds
without it) and the ratio first / later.  Before issue 18 every read and
stat re-parsed and re-printed the document; now it is rendered once per
version of the data.
"""
import json
import os
import subprocess
import time

import benchlib as B

READS = 5


def big_policy(n):
    return json.dumps({'Version': '2012-10-17', 'Statement': [
        {'Sid': 'S%d' % i, 'Effect': 'Deny', 'Action': ['s3:Get*', 'ec2:Run*'],
         'Resource': 'arn:aws:s3:::bucket-%d/*' % i} for i in range(n)]})


def cat(path):
    t0 = time.monotonic()
    os.stat(path)
    out = subprocess.run(['cat', path], capture_output=True, check=True).stdout
    return time.monotonic() - t0, len(out)


def main():
    B.header('policy_render: an 8 MB policy read %d times' % (READS + 1))
    content = big_policy(18000 if B.QUICK else 75000)
    print('# policy content: %d bytes' % len(content))
    with B.FakeAWS(accounts=4, seed=18) as fake:
        fake.mutate({'raw_policies': [{'Id': 'p-bigpolicy8mb', 'Name': 'big',
                                       'Content': content}]})
        args = ['--endpoint=' + fake.url, '-o', 'resources=off'] + B.UNLIMITED
        with B.Mount(args, env=B.aws_env(fake)) as m:
            path = m.p('policies', 'p-bigpolicy8mb', 'content.json')
            first, size = cat(path)
            rss, _ = B.rss(m.proc.pid)
            print('read 1 (fetch + render): %7.3f s  %d bytes  rss %.1f MB'
                  % (first, size, rss / 1e6))
            later = []
            for i in range(READS):
                secs, _ = cat(path)
                later.append(secs)
                rss, _ = B.rss(m.proc.pid)
                print('read %d:                  %7.3f s  rss %.1f MB'
                      % (i + 2, secs, rss / 1e6))
            st = B.status(m)
            print('json_renders: %s' % st.get('json_renders', '-'))
            mean = sum(later) / len(later)
            print('mean later read: %.3f s; first / later: %.1fx'
                  % (mean, first / mean if mean else float('inf')))


if __name__ == '__main__':
    main()
