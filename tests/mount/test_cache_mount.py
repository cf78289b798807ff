"""Caching through a real mount: TTLs with a pinned clock, SIGHUP, stale
data when the endpoint goes away, single flight under parallel readers."""
import os
import signal
import threading
from collections import Counter

from expected import Org
from orgfsmount import Clock, Mount, aws_env, wait_for


def read(path):
    with open(path) as fh:
        return fh.read()


def tag_calls(fake, rid):
    return [r for r in fake.requests(op='ListTagsForResource')
            if r.get('params', {}).get('ResourceId') == rid]


def pick_account_with_tag(org, key='Owner'):
    for aid in sorted(org.accounts):
        if key in org.tags.get(aid, {}):
            return aid
    raise AssertionError('no account has ' + key)


def test_ttl_pinned_clock(fakeaws_factory, tmp_path):
    fake = fakeaws_factory(accounts=20, seed=3)
    org = Org(fake.org())
    aid = pick_account_with_tag(org)
    clock = Clock(tmp_path / 'clock')
    env = aws_env(fake, {'ORGFS_TEST_CLOCK_FILE': clock.path})
    with Mount(['--endpoint=' + fake.url, '-o', 'ttl_tags=60,kernel_timeout=0'],
               env=env) as m:
        f = m.p('accounts', aid, 'tags', 'Owner')
        old = org.tags[aid]['Owner']
        assert read(f) == old + '\n'
        assert len(tag_calls(fake, aid)) == 1
        fake.mutate({'tags': {aid: {'Owner': 'new-owner'}}})
        # one millisecond before the TTL: the cached value, no call
        clock.set(clock.now + 59999)
        assert read(f) == old + '\n'
        assert len(tag_calls(fake, aid)) == 1
        # at the TTL: one refresh, and the new value shows
        clock.set(clock.now + 1)
        wait_for(lambda: read(f) == 'new-owner\n', what='the new tag value')
        assert len(tag_calls(fake, aid)) == 2
        assert os.stat(f).st_size == len('new-owner\n')


def test_sighup_drops_cache(fakeaws_factory):
    fake = fakeaws_factory(accounts=20, seed=4)
    org = Org(fake.org())
    aid = pick_account_with_tag(org)
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake)) as m:
        f = m.p('accounts', aid, 'tags', 'Owner')
        assert read(f) == org.tags[aid]['Owner'] + '\n'
        name = m.p('accounts', aid, 'name')
        assert read(name) == org.accounts[aid]['Name'] + '\n'
        fake.mutate({'tags': {aid: {'Owner': 'after-hup'}},
                     'account': {aid: {'Name': 'renamed-after-hup'}}})
        # the TTL is 300 s: without SIGHUP nothing changes
        assert read(f) == org.tags[aid]['Owner'] + '\n'
        m.signal(signal.SIGHUP)
        wait_for(lambda: read(f) == 'after-hup\n', timeout=10, what='SIGHUP')
        wait_for(lambda: read(name) == 'renamed-after-hup\n', timeout=10,
                 what='SIGHUP (name)')


def test_stale_when_endpoint_down(fakeaws_factory, tmp_path):
    fake = fakeaws_factory(accounts=20, seed=5)
    org = Org(fake.org())
    aid = pick_account_with_tag(org)
    clock = Clock(tmp_path / 'clock')
    env = aws_env(fake, {'ORGFS_TEST_CLOCK_FILE': clock.path})
    args = ['--endpoint=' + fake.url, '-o',
            'ttl=60,kernel_timeout=0,max_stale=600,max_attempts=1,error_ttl=0']
    with Mount(args, env=env) as m:
        f = m.p('accounts', aid, 'tags', 'Owner')
        want = org.tags[aid]['Owner'] + '\n'
        assert read(f) == want
        names = sorted(os.listdir(m.p('accounts')))
        fake.control({'down': True})
        clock.set(clock.now + 61000)
        # the refresh fails: the old value is still served, marked stale
        assert read(f) == want
        wait_for(lambda: os.getxattr(f, 'user.orgfs.stale') == b'1',
                 what='stale mark')
        assert read(f) == want
        assert sorted(os.listdir(m.p('accounts'))) == names
        status = read(m.p('.orgfs', 'status'))
        stale = int([ln.split('\t')[1] for ln in status.splitlines()
                     if ln.startswith('cache_stale_serves')][0])
        assert stale > 0
        # past max_stale the data is no longer served
        clock.set(clock.now + 601000)
        wait_for(lambda: _errno(lambda: read(f)) == 5, what='EIO after max_stale')
        errors = read(m.p('.orgfs', 'errors'))
        assert '/accounts' in errors and 'ConnectionError' in errors
        # and it comes back with the endpoint
        fake.control({'down': False})
        clock.set(clock.now + 10000)    # past the error TTL
        wait_for(lambda: _errno(lambda: read(f)) == 0, what='recovery')


def _errno(fn):
    try:
        fn()
        return 0
    except OSError as e:
        return e.errno


def test_single_flight_parallel_readers(fakeaws_factory):
    fake = fakeaws_factory(accounts=1000, seed=6)
    org = Org(fake.org())
    with Mount(['--endpoint=' + fake.url, '-o', 'concurrency=8'],
               env=aws_env(fake)) as m:
        fake.clear_requests()
        results = [None] * 16
        errors = []

        def reader(i):
            try:
                seen = {}
                for aid in sorted(os.listdir(m.p('accounts'))):
                    d = m.p('accounts', aid)
                    seen[aid] = (read(os.path.join(d, 'name')),
                                 sorted(os.listdir(os.path.join(d, 'tags'))),
                                 os.readlink(os.path.join(d, 'parent')))
                results[i] = seen
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        threads = [threading.Thread(target=reader, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        assert not errors, errors[:3]
        for r in results:
            assert r == results[0]
        assert sorted(results[0]) == sorted(org.accounts)
        for aid, (name, tags, parent) in results[0].items():
            assert name == org.accounts[aid]['Name'] + '\n'
        reqs = fake.requests()
        keys = Counter((r['op'], json_key(r.get('params'))) for r in reqs)
        dups = {k: n for k, n in keys.items() if n > 1}
        assert not dups, list(dups.items())[:5]
        tagged = {r['params']['ResourceId'] for r in reqs
                  if r['op'] == 'ListTagsForResource'}
        assert tagged >= set(org.accounts)


def json_key(params):
    import json
    return json.dumps(params, sort_keys=True)
