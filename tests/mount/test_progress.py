"""Progress figures (.orgfs/status progress_* lines, --prefetch's progress
line): within a crawl no figure decreases, totals appear once known and
agree with the tree."""
import os
import pty
import re
import signal
import subprocess
import threading

import pytest

from fixture import FakeAWS
from orgfsmount import ORGFS, Mount, aws_env, status, wait_for

COUNTS = ('progress_elapsed', 'progress_objects_done',
          'progress_objects_total', 'progress_listings_done',
          'progress_listings_total', 'progress_resources_listed',
          'progress_calls', 'progress_throttles')


def progress(m):
    """The progress lines of one whole read of .orgfs/status, or None.
    The file is rendered for the stat before the read and again for the
    read: when its text grew in between, the read stops at the older
    length (a kernel page-cache matter, not these figures)."""
    with open(m.p('.orgfs', 'status')) as fh:
        text = fh.read()
    if not text.endswith('\n') or '\nprogress_throttles\t' not in text:
        return None
    return {k: v for k, _, v in (ln.partition('\t')
                                 for ln in text.splitlines())
            if k.startswith('progress')}


def sample_until_done(m, trigger=None):
    """.orgfs/status's progress lines, read as fast as they come, from
    before the crawl ends until it is done."""
    samples = []
    th = threading.Thread(target=trigger) if trigger else None
    if th:
        th.start()
    try:
        def done():
            st = progress(m)
            if st:
                samples.append(st)
            # the end of a crawl seen running (not the last one's)
            return st and st['progress'] == 'done' and \
                any(x['progress'] == 'running' for x in samples)
        wait_for(done, timeout=120, interval=0.005,
                 what='the crawl to be done')
    finally:
        if th:
            th.join()
    return samples


def assert_monotonic(samples):
    first = [s['progress'] for s in samples].index('running')
    running = samples[first:]
    assert [s['progress'] for s in running].count('running') >= 2, \
        'too few samples while running: %r' % samples[:3]
    for prev, cur in zip(running, running[1:]):
        for k in COUNTS:
            assert int(cur[k]) >= int(prev[k]), (k, prev, cur)
        # a total, once known, stays
        for k in ('progress_accounts_total', 'progress_regions',
                  'progress_resources_total'):
            assert cur[k] == 'unknown' or cur[k].isdigit(), (k, cur)
            if prev[k] != 'unknown':
                assert cur[k] == prev[k], (k, prev, cur)
    assert running[-1]['progress'] == 'done'
    # the ETA shows only as a number of seconds, once the rate is known
    for s in running:
        assert s['progress_eta'] == 'unknown' or s['progress_eta'].isdigit()
    return running[-1]


def lines(path):
    """The lines of a table, its "# incomplete" note left out"""
    with open(path) as fh:
        return sum(1 for ln in fh if not ln.startswith('#'))


def assert_totals(m, last, regions):
    assert last['progress_eta'] == '0'
    assert last['progress_regions'] == str(regions)
    assert int(last['progress_accounts_total']) == \
        lines(m.p('tables', 'accounts.tsv')) - 1
    assert last['progress_objects_done'] == last['progress_objects_total'] != '0'
    assert last['progress_listings_done'] == last['progress_listings_total'] != '0'
    nres = lines(m.p('tables', 'resources.tsv')) - 1
    assert last['progress_resources_listed'] == \
        last['progress_resources_total'] == str(nres)
    # reading what the crawl fetched is no new crawl
    assert status(m)['progress'] == 'done'


def test_prefetch_demo_never_decreases():
    with Mount(['--demo=3000', '--prefetch']) as m:
        last = assert_monotonic(sample_until_done(m))
        assert_totals(m, last, 2)
        assert last['progress_calls'] == '0'      # the demo calls nothing


def test_prefetch_aws_counts_calls_and_throttles():
    fake = FakeAWS(accounts=12, seed=7, throttle_rate=0.1)
    try:
        with Mount(['--endpoint=' + fake.url, '--prefetch', '-o',
                    'rate_organizations=200,rate_tagging=200,rate_sts=200'],
                   env=aws_env(fake)) as m:
            last = assert_monotonic(sample_until_done(m))
            # regions=all: the fake's two regions, enabled in every account
            assert_totals(m, last, 2)
            st = status(m)
            assert 0 < int(last['progress_calls']) <= int(st['api_calls'])
            assert 0 < int(last['progress_throttles']) <= int(st['api_throttles'])
    finally:
        fake.stop()


def test_lazy_mount_shows_the_same_figures():
    """No --prefetch: the crawl a read starts is a progress view in
    .orgfs/status (watch cat .orgfs/status)."""
    with Mount(['--demo=3000']) as m:
        assert status(m)['progress'] == 'none'

        def read_all():
            with open(m.p('tables', 'resources.tsv')) as fh:
                fh.read()
        last = assert_monotonic(sample_until_done(m, read_all))
        assert_totals(m, last, 2)


LINE = re.compile(r'orgfs: prefetch( done)?: (\d+|unknown) accounts, '
                  r'(\d+|unknown) regions; '
                  r'tags (\d+)/(\d+); listings (\d+)/(\d+); '
                  r'resources (\d+)/(\d+|unknown); (\d+) calls, '
                  r'(\d+) throttled; (\d+)s(, ETA \d+s)?$')


def test_prefetch_progress_line(tmp_path):
    """On a terminal, --prefetch rewrites one line with the same figures;
    none of them goes back."""
    mnt = str(tmp_path / 'm')
    os.mkdir(mnt)
    master, slave = pty.openpty()
    proc = subprocess.Popen([ORGFS, '-f', '--demo=3000', '--prefetch', mnt],
                            stderr=slave, stdout=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    os.close(slave)
    out = b''
    try:
        while b'prefetch done' not in out or not out.endswith(b'\n'):
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        subprocess.run(['fusermount3', '-u', mnt])
        proc.wait(timeout=30)
        os.close(master)
    text = out.decode()
    shown = [re.sub(r'\x1b\[K', '', s).strip()
             for s in re.split(r'[\r\n]', text) if s.strip()]
    figures = []
    for s in shown:
        mo = LINE.match(s)
        assert mo, 'not a progress line: %r' % s
        figures.append(mo)
    assert len(figures) >= 2 and figures[-1].group(1) == ' done'
    for prev, cur in zip(figures, figures[1:]):
        for g in (4, 5, 6, 7, 8, 10, 11, 12):
            assert int(cur.group(g)) >= int(prev.group(g)), (prev.group(0),
                                                             cur.group(0))
        # accounts, regions, resources: once known, the same
        for g in (2, 3, 9):
            assert prev.group(g) == 'unknown' or \
                cur.group(g) == prev.group(g), (prev.group(0), cur.group(0))
    last = figures[-1]
    assert last.group(2) == '3000' and last.group(3) == '2'
    assert last.group(6) == last.group(7) and last.group(8) == last.group(9)
    assert proc.returncode == 0


def test_second_crawl_counts_from_zero():
    """After SIGHUP drops the cache, the next crawl's figures are its own:
    it does not start from the last crawl's totals, even while the
    accounts are being listed again (slow here) before any resource."""
    fake = FakeAWS(accounts=12, seed=8, latency_ms=40)
    try:
        with Mount(['--endpoint=' + fake.url, '-o',
                    'rate_organizations=200,rate_tagging=200,rate_sts=200,'
                    'log_level=info'], env=aws_env(fake)) as m:
            def read_all():
                with open(m.p('tables', 'resources.tsv')) as fh:
                    fh.read()
            first = assert_monotonic(sample_until_done(m, read_all))
            drops = status(m)['cache_drops']
            m.signal(signal.SIGHUP)
            # done, the kernel's pages included (the log line comes
            # before: a read right after it could still be answered from
            # what was cached, and start no crawl)
            wait_for(lambda: status(m)['cache_drops'] != drops,
                     what='the cache dropped')
            samples = sample_until_done(m, read_all)
            last = assert_monotonic(samples)
            running = [x for x in samples if x['progress'] == 'running']
            assert running[0]['progress_resources_total'] == 'unknown', \
                running[0]
            assert running[0]['progress_listings_done'] == '0', running[0]
            assert last['progress_resources_total'] == \
                first['progress_resources_total'] != 'unknown'
            assert last['progress_listings_done'] == \
                first['progress_listings_done']
    finally:
        fake.stop()


def test_eta_and_regions_once_known():
    """regions=all over a fake that answers slowly: the regions are a
    number once the accounts' lists are read (unknown before, never 0),
    and an ETA shows once the rate is known, counting down to 0."""
    fake = FakeAWS(accounts=12, seed=9, latency_ms=60)
    try:
        with Mount(['--endpoint=' + fake.url, '--prefetch', '-o',
                    'rate_organizations=200,rate_tagging=200,rate_sts=200'],
                   env=aws_env(fake)) as m:
            samples = sample_until_done(m)
            last = assert_monotonic(samples)
            assert_totals(m, last, 2)
            running = [x for x in samples if x['progress'] == 'running']
            assert {x['progress_regions'] for x in running} <= \
                {'unknown', '2'}, running
            etas = [int(x['progress_eta']) for x in running
                    if x['progress_eta'] != 'unknown']
            assert etas and max(etas) > 0, \
                'no ETA in %d samples over %ss' % (
                    len(running), last['progress_elapsed'])
    finally:
        fake.stop()
