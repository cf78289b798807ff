"""The FUSE worker threads reach a plateau (issue 18.7).

libfuse starts a worker whenever all are busy, up to -o max_threads, and
keeps the idle ones unless -o max_idle_threads says how many: the
number of workers, and with them the stacks and request buffers, must
stop at max_threads however many readers wait at once, and come back
down to max_idle_threads once they are done.

A worker waiting for a request is a thread of the daemon blocked in the
kernel's read of /dev/fuse (wchan fuse_dev_do_read); once the daemon is
idle, every worker is one.  The burst: the endpoint answers after
LATENCY_MS, the cache is dropped (SIGHUP), and READERS threads read
files opened before, each READ waiting on a fetch in a worker of its
own (no lookup: the kernel would put lookups in one directory in a
row).
"""
import os
import signal
import subprocess
import threading

from orgfsmount import ORGFS, Mount, aws_env, status, wait_for, wait_idle

READERS = 8
MAX_THREADS = 4
LATENCY_MS = 1500
RATES = 'rate_organizations=1000,rate_tagging=1000,rate_sts=1000'


def workers_waiting(pid):
    n = 0
    for tid in os.listdir('/proc/%d/task' % pid):
        try:
            with open('/proc/%d/task/%s/wchan' % (pid, tid)) as fh:
                n += fh.read().strip() == 'fuse_dev_do_read'
        except OSError:
            pass            # the thread ended
    return n


def threads(pid):
    return len(os.listdir('/proc/%d/task' % pid))


def burst(m, fake, files, others):
    """READERS reads at once, each of a file of its own, all waiting on
    the endpoint; returns the most threads the daemon had meanwhile.
    others: the daemon's threads that are not workers."""
    fds = [os.open(f, os.O_RDONLY) for f in files]
    pid = m.proc.pid
    peak = [threads(pid)]

    def read(fd):
        os.pread(fd, 1 << 16, 0)

    def busy():
        # libfuse starts a worker when one takes a request and none is
        # left waiting: with max_idle_threads, one started early can
        # have ended before the others were taken, and the next starts
        # when a busy one takes the next request (after LATENCY_MS)
        peak[0] = max(peak[0], threads(pid))
        return fake.stats()['waiting'] > 0 and \
            workers_waiting(pid) == 0 and peak[0] - others >= MAX_THREADS

    try:
        fake.control({'latency_ms': LATENCY_MS})
        m.signal(signal.SIGHUP)
        wait_for(lambda: status(m)['cache_drops'] != '0', timeout=30,
                 what='the cache dropped')
        ts = [threading.Thread(target=read, args=(fd,)) for fd in fds]
        for t in ts:
            t.start()
        # every worker serves a reader waiting on the endpoint
        wait_for(busy, timeout=60, what='max_threads workers, all busy')
        fake.control({'latency_ms': 0})
        for t in ts:
            t.join(120)
            assert not t.is_alive(), 'a read did not return'
        peak[0] = max(peak[0], threads(pid))
    finally:
        fake.control({'latency_ms': 0})
        for fd in fds:
            os.close(fd)
    wait_idle(m)
    return peak[0]


def account_files(m):
    ids = sorted(os.listdir(m.p('accounts')))[:READERS]
    assert len(ids) == READERS
    return [m.p('accounts', i, 'tags.tsv') if os.path.exists(
        m.p('accounts', i, 'tags.tsv')) else m.p('accounts', i, 'name')
        for i in ids]


def settled_others(pid, samples=10):
    """The threads that are not workers.  Threads minus the workers
    waiting counts a worker still busy with a reply as one of them: the
    figure is the least seen, once it was seen samples times in a row."""
    seen = []

    def settled():
        seen.append(threads(pid) - workers_waiting(pid))
        low = min(seen)
        return len(seen) >= samples and seen[-samples:] == [low] * samples
    wait_for(settled, timeout=30, what='the workers all waiting',
             interval=0.05)
    return min(seen)


def mount_and_burst(fakeaws_factory, opts):
    """Two bursts on a mount with opts: (workers at the start, the most
    workers during each burst, the workers kept after each)."""
    fake = fakeaws_factory(accounts=20)
    args = ['--endpoint=' + fake.url, '-o', RATES + ',' + opts]
    with Mount(args, env=aws_env(fake)) as m:
        files = account_files(m)
        wait_idle(m)
        pid = m.proc.pid
        others = settled_others(pid)    # main, cache, signals ...
        out = [threads(pid) - others]
        for _ in range(2):
            peak = burst(m, fake, files, others)
            # each worker back to its read (or ended), and no other
            # thread came or went
            wait_for(lambda: threads(pid) - workers_waiting(pid) == others,
                     timeout=30, what='the workers back waiting')
            out += [peak - others, workers_waiting(pid)]
        print('workers: %d at the start; most, then kept: %d, %d; %d, %d'
              % tuple(out))
        return out


def test_workers_stop_at_max_threads_and_are_kept(fakeaws_factory):
    start, most1, kept1, most2, kept2 = mount_and_burst(
        fakeaws_factory, 'max_threads=%d' % MAX_THREADS)
    # READERS waiting readers take every worker there may be, no more,
    # and the idle ones are kept: the second burst makes none
    assert (most1, kept1, most2, kept2) == (MAX_THREADS,) * 4


def test_idle_workers_beyond_max_idle_threads_end(fakeaws_factory):
    start, most1, kept1, most2, kept2 = mount_and_burst(
        fakeaws_factory, 'max_threads=%d,max_idle_threads=1' % MAX_THREADS)
    assert (most1, most2) == (MAX_THREADS, MAX_THREADS)
    assert (kept1, kept2) == (1, 1)


def test_thread_options_checked():
    for opts, msg in (('max_threads=0', 'max_threads=0: give 1 to 1024'),
                      ('max_threads=1025', 'max_threads=1025: give 1 to'),
                      ('max_threads=4,max_idle_threads=5',
                       'max_idle_threads=5: give 0 to max_threads (4)')):
        r = subprocess.run([ORGFS, '--demo=10', '-o', opts, '/nonexistent'],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 1 and msg in r.stderr, (opts, r.stderr)
