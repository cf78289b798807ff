"""Prompt shutdown (issue 18.4): SIGTERM, SIGINT or an unmount end every
request in flight at once, whatever the network does; a reader waiting
for one gets an error, and the daemon exits and leaves no mount.

The endpoint answers after 25 s (the fake's latency fault).  The tests
wait at most HANG seconds for the exit, as a hang detector; the figure
they print is the measured time (orgfs's bound is one second)."""
import os
import signal
import subprocess
import time

import pytest

from fixture import FakeAWS
from orgfsmount import Mount, aws_env, status, wait_exit, wait_for

LATENCY_MS = 25000
HANG = 5.0
# the reader's fetch fails when it is aborted; the daemon says so at info
ALLOW = [r'RequestAborted', r'shutting down']


@pytest.fixture
def fake():
    f = FakeAWS(accounts=6, seed=7)
    yield f
    f.stop()


def _blocked_reader(m, fake, what):
    """A process reading what (under the mount) while the endpoint takes
    25 s to answer, once the daemon is waiting for the endpoint."""
    # .orgfs/status looked up before: a lookup in a directory waits
    # behind another one there (the reader's) in the kernel
    status(m)
    fake.control({'latency_ms': LATENCY_MS})
    reader = subprocess.Popen(['cat', m.p(*what)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    wait_for(lambda: status(m)['fetches_in_flight'] != '0', timeout=10,
             what='the read to wait for the endpoint')
    # the request is on the wire, held by the endpoint, not just queued
    wait_for(lambda: fake.stats()['waiting'] > 0, timeout=10,
             what='the endpoint to hold the request')
    assert reader.poll() is None, 'the read did not wait for the endpoint'
    return reader


def _gone(m, proc, reader, t0, label):
    rc = wait_exit(proc, HANG, 'orgfs to exit (%s)' % label)
    took = time.monotonic() - t0
    rrc = reader.wait(timeout=HANG)
    err = reader.stderr.read()
    print('%s: daemon exited after %.3f s, reader after %.3f s (%s)' %
          (label, took, time.monotonic() - t0, err.strip()))
    assert rc == 0, 'orgfs exited with %d:\n%s' % (rc, m.output())
    assert rrc != 0, 'the blocked read succeeded'
    # EIO: the request was aborted and answered; ECONNABORTED: the reader
    # was in a lookup, which answers a listed name whatever its data
    # (issue 15.4), and its next request found the daemon gone
    assert ('Input/output error' in err or 'Interrupted' in err or
            'not connected' in err or 'connection abort' in err), err
    assert not os.path.ismount(m.path)
    return took


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT])
def test_signal_aborts_requests_in_flight(fake, sig):
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake),
               allow=ALLOW) as m:
        reader = _blocked_reader(m, fake, ('tables', 'accounts.tsv'))
        proc = m.proc
        t0 = time.monotonic()
        m.signal(sig)
        _gone(m, proc, reader, t0, signal.Signals(sig).name)


@pytest.mark.parametrize('cmd', [['fusermount3', '-u'], ['umount']],
                         ids=['fusermount3', 'umount'])
def test_unmount_aborts_requests_in_flight(fake, tmp_path, cmd):
    """An unmount while the cache refreshes an expired entry in the
    background (the reader got the stale copy at once): the daemon exits
    without waiting for the reply.  (A reader waiting in the mount keeps
    it busy: the kernel refuses the unmount then, and a lazy one waits for
    the reader.)"""
    clock = tmp_path / 'clock'
    clock.write_text('1000000\n')
    env = aws_env(fake, {'ORGFS_TEST_CLOCK_FILE': str(clock)})
    with Mount(['--endpoint=' + fake.url, '-o', 'ttl=60,kernel_timeout=0'], env=env,
               allow=ALLOW) as m:
        with open(m.p('tables', 'accounts.tsv')) as fh:
            table = fh.read()
        status(m)
        fake.control({'latency_ms': LATENCY_MS})
        clock.write_text('1061000\n')
        with open(m.p('tables', 'accounts.tsv')) as fh:
            assert fh.read() == table
        wait_for(lambda: status(m)['api_in_flight'] != '0', timeout=10,
                 what='the refresh to wait for the endpoint')
        proc = m.proc
        t0 = time.monotonic()
        subprocess.run(cmd + [m.path], check=True)
        rc = wait_exit(proc, HANG, 'orgfs to exit after ' + ' '.join(cmd))
        print('%s: daemon exited after %.3f s' %
              (' '.join(cmd), time.monotonic() - t0))
        assert rc == 0, m.output()
        assert not os.path.ismount(m.path)


def test_backoff_ends_at_shutdown(fake):
    """A request that failed waits before its retry: SIGTERM ends the wait
    too (every request fails, and the retries are spaced by seconds)."""
    with Mount(['--endpoint=' + fake.url, '-o', 'max_attempts=10'],
               env=aws_env(fake, {'AWS_RETRY_MODE': 'standard'}),
               allow=ALLOW + [r'InternalError|ServiceUnavailable|5\d\d']) as m:
        fake.control({'error_rate': 1.0})
        reader = subprocess.Popen(['cat', m.p('tables', 'accounts.tsv')],
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        wait_for(lambda: len(fake.requests(op='ListAccounts')) >= 2,
                 timeout=20, what='a retry')
        proc = m.proc
        t0 = time.monotonic()
        m.signal(signal.SIGTERM)
        _gone(m, proc, reader, t0, 'SIGTERM in backoff')
