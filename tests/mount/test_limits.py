"""Client-side rate limits: orgfs stays under a service's quota instead of
living on retries, and still completes when the quota is lower than its
configured rate."""
import os
import time

from expected import Org
from orgfsmount import Mount, aws_env


def throttles(fake):
    return sum(1 for r in fake.requests() if r.get('fault') == 'throttle')


def test_rate_limit_avoids_throttling(fakeaws_factory):
    fake = fakeaws_factory(accounts=30, seed=31)
    org = Org(fake.org())
    fake.control({'rate_limits': {'organizations': {'rate': 8, 'burst': 16}}})
    # orgfs's bucket: 6 per second, bursts of 12, under the quota's
    with Mount(['--endpoint=' + fake.url, '-o', 'rate_organizations=6,concurrency=16,resources=off'],
               env=aws_env(fake)) as m:
        owners = os.listdir(m.p('owners'))
        assert owners
        assert len(os.listdir(m.p('accounts'))) == len(org.accounts)
    assert throttles(fake) == 0


def test_without_limit_the_quota_throttles(fakeaws_factory):
    fake = fakeaws_factory(accounts=30, seed=31)
    fake.control({'rate_limits': {'organizations': {'rate': 8, 'burst': 8}}})
    with Mount(['--endpoint=' + fake.url, '-o',
                'rate_organizations=0,concurrency=16,max_attempts=20,resources=off'],
               env=aws_env(fake)) as m:
        os.listdir(m.p('owners'))
    assert throttles(fake) > 0


def test_slows_down_when_throttled(fakeaws_factory):
    # the configured rate is above the quota: throttles halve it, and the
    # crawl still completes with the default attempts
    fake = fakeaws_factory(accounts=30, seed=32)
    org = Org(fake.org())
    fake.control({'rate_limits': {'organizations': {'rate': 5, 'burst': 5}}})
    with Mount(['--endpoint=' + fake.url, '-o', 'rate_organizations=20,concurrency=16,resources=off'],
               env=aws_env(fake)) as m:
        t0 = time.monotonic()
        lines = open(m.p('tables', 'accounts.tsv')).read().splitlines()
        secs = time.monotonic() - t0
        assert len(lines) == len(org.accounts) + 1
    n = throttles(fake)
    calls = sum(1 for r in fake.requests() if r.get('service') == 'organizations')
    # a figure for BENCHMARKS.md, not a check: the quota passes the calls
    # that went through in about (calls - n - 5) / 5 s
    print('throttled %d of %d Organizations calls; %.1f s, the quota\'s '
          'bound %.1f s' % (n, calls, secs, (calls - n - 5) / 5.0))
    assert 0 < n < calls / 2
