"""Many readers on one cold mount while SIGHUP drops the cache every second:
no crash, no deadlock, no wrong content (issue 8, "Concurrency").

A quiet mount of the same organization gives the reference: every file's
content (or the errno reading it fails with), every symbolic link's target
and every directory's listing (or its errno).  Then 64 threads run find,
cat and ls over random parts of a second, cold mount and compare all they
see with the reference, while another thread sends SIGHUP every second.

ORGFS_CONCURRENCY_SECONDS sets how long the readers run (default 60; 15
with ORGFS_QUICK set); the variants against the fake endpoint and with
a cache cap far below what the readers use run at most 20 s.  ORGFS_CONCURRENCY_SEED replays a run's random choices.
"""
import os
import random
import signal
import subprocess
import sys
import threading
import time
import traceback

from orgfsmount import Mount, aws_env, daemon_report, status

READERS = 64
MAX_REPORTED = 20
# A reader checks for the end between two entries: it stops well within
# this, unless a file system call never returns.
JOIN_TIMEOUT = 120
FINAL_READ_TIMEOUT = 10
FAKE_RATES = ('rate_organizations=1000,rate_tagging=1000,rate_sts=1000,'
              'rate_config=1000')


def duration(limit=None):
    if 'ORGFS_CONCURRENCY_SECONDS' in os.environ:
        s = float(os.environ['ORGFS_CONCURRENCY_SECONDS'])
    elif os.environ.get('ORGFS_QUICK'):
        s = 15.0
    else:
        s = 60.0
    return min(s, limit) if limit else s


class Reference:
    """What a quiet mount shows, without .orgfs (it changes by design)."""

    def __init__(self, root):
        self.files = {}         # rel -> bytes, or the errno of the read
        self.links = {}         # rel -> target
        self.dirs = {}          # rel -> sorted names, or the errno
        self._walk(root)
        self.file_list = sorted(self.files)
        self.dir_list = sorted(d for d, v in self.dirs.items()
                               if isinstance(v, list))
        # Roots for find: the top and its children (big subtrees) as well
        # as any directory (mostly small ones).
        self.top_dirs = [d for d in self.dir_list if d.count('/') == 0]

    def _walk(self, root):
        def onerror(e):
            self.dirs[os.path.relpath(e.filename, root)] = e.errno

        for d, dns, fns in os.walk(root, onerror=onerror):
            rel = os.path.relpath(d, root)
            self.dirs[rel] = sorted(dns + fns)
            if rel == '.':
                dns[:] = [n for n in dns if n != '.orgfs']
            for n in dns + fns:
                p = os.path.join(d, n)
                r = os.path.normpath(os.path.join(rel, n))
                if os.path.islink(p):
                    self.links[r] = os.readlink(p)
                elif n in fns:
                    try:
                        with open(p, 'rb') as fh:
                            self.files[r] = fh.read()
                    except OSError as e:
                        self.files[r] = e.errno

    def errors(self):
        """{path: errno name} of every path that failed."""
        out = {}
        for table in (self.files, self.dirs):
            for k, v in table.items():
                if isinstance(v, int):
                    out[k] = _errno_name(v)
        return out

    def counts(self):
        nbytes = sum(len(v) for v in self.files.values() if isinstance(v, bytes))
        nerr = sum(1 for v in self.files.values() if not isinstance(v, bytes))
        nerr += sum(1 for v in self.dirs.values() if not isinstance(v, list))
        return ('%d files (%d bytes), %d links, %d directories, %d paths '
                'failing with an errno' % (len(self.files), nbytes,
                                           len(self.links), len(self.dirs),
                                           nerr))


class Problems:
    def __init__(self):
        self.lock = threading.Lock()
        self.n = 0
        self.first = []

    def add(self, msg):
        with self.lock:
            self.n += 1
            if len(self.first) < MAX_REPORTED:
                self.first.append(msg)


def _errno_name(v):
    import errno as errno_mod
    if isinstance(v, int):
        return errno_mod.errorcode.get(v, str(v))
    return 'content'


class Reader(threading.Thread):
    """find, cat and ls over random places, checked against the reference."""

    def __init__(self, mnt, ref, problems, stop, seed):
        super().__init__(daemon=True)
        self.mnt = mnt
        self.ref = ref
        self.problems = problems
        self.stop_ev = stop
        self.rng = random.Random(seed)
        self.ops = 0            # file system calls checked
        self.current = None

    def p(self, rel):
        return self.mnt.path if rel == '.' else os.path.join(self.mnt.path, rel)

    def bad(self, what, rel, got, want):
        self.problems.add('%s %s: got %r, want %r' % (what, rel, got, want))

    def run(self):
        try:
            while not self.stop_ev.is_set():
                op = self.rng.random()
                if op < 0.3:
                    self.find()
                elif op < 0.7:
                    self.cat()
                else:
                    self.ls()
        except Exception:  # noqa: BLE001 - any escape is a test failure
            self.problems.add('reader crashed: ' + traceback.format_exc())
        self.current = None

    def check_file(self, rel):
        want = self.ref.files.get(rel)
        self.current = 'cat ' + rel
        try:
            with open(self.p(rel), 'rb') as fh:
                got = fh.read()
        except OSError as e:
            got = e.errno
        self.ops += 1
        if got != want:
            self.bad('cat', rel, got if isinstance(got, bytes) else
                     _errno_name(got), want if isinstance(want, bytes)
                     else _errno_name(want))

    def check_link(self, rel):
        self.current = 'readlink ' + rel
        try:
            got = os.readlink(self.p(rel))
        except OSError as e:
            got = _errno_name(e.errno)
        self.ops += 1
        if got != self.ref.links[rel]:
            self.bad('readlink', rel, got, self.ref.links[rel])

    def check_listing(self, rel, names):
        want = self.ref.dirs.get(rel)
        if isinstance(names, int):
            names = _errno_name(names)
            want = _errno_name(want) if isinstance(want, int) else want
        if names != want:
            self.bad('ls', rel, names, want)

    def find(self):
        """find ROOT (names and link targets), reading some of the files."""
        pool = self.ref.top_dirs if self.rng.random() < 0.2 else self.ref.dir_list
        top = self.rng.choice(pool)
        readp = self.rng.random()
        errors = {}

        def onerror(e):
            errors[os.path.relpath(e.filename, self.mnt.path)] = e.errno

        self.current = 'find ' + top
        for d, dns, fns in os.walk(self.p(top), onerror=onerror):
            if self.stop_ev.is_set():
                break
            rel = os.path.relpath(d, self.mnt.path)
            self.ops += 1
            self.check_listing(rel, sorted(dns + fns))
            if rel == '.':
                dns[:] = [n for n in dns if n != '.orgfs']
            for n in dns + fns:
                r = os.path.normpath(os.path.join(rel, n))
                if r in self.ref.links:
                    self.check_link(r)
                elif n in fns and self.rng.random() < readp:
                    self.check_file(r)
        for rel, e in errors.items():
            self.ops += 1
            self.check_listing(rel, e)

    def cat(self):
        for rel in self.rng.sample(self.ref.file_list, 20):
            if self.stop_ev.is_set():
                return
            self.check_file(rel)

    def ls(self):
        """ls -l of a few directories: the listing and every entry's lstat."""
        for rel in self.rng.sample(self.ref.dir_list, 5):
            if self.stop_ev.is_set():
                return
            self.current = 'ls ' + rel
            try:
                names = sorted(os.listdir(self.p(rel)))
            except OSError as e:
                names = e.errno
            self.ops += 1
            self.check_listing(rel, names)
            if isinstance(names, int):
                continue
            for n in names:
                r = os.path.normpath(os.path.join(rel, n))
                try:
                    st = os.lstat(self.p(r))
                except OSError as e:
                    # a path fails as a whole: lstat as its read or listing
                    want = self.ref.files.get(r, self.ref.dirs.get(r))
                    if e.errno != want:
                        self.bad('lstat', r, _errno_name(e.errno),
                                 _errno_name(want) if isinstance(want, int)
                                 else 'success')
                    continue
                finally:
                    self.ops += 1
                want = self.ref.files.get(r)
                if isinstance(want, bytes) and st.st_size != len(want):
                    self.bad('st_size of', r, st.st_size, len(want))


def _stacks(threads):
    frames = sys._current_frames()
    out = []
    for t in threads:
        f = frames.get(t.ident)
        out.append('reader %s at %s:\n%s' % (t.name, t.current,
                                             ''.join(traceback.format_stack(f))
                                             if f else '(gone)'))
    return '\n'.join(out)


def _final_read(m, ref):
    """Read accounts.tsv in a thread of its own: a hung daemon must fail
    the test, not hang it."""
    box = {}

    def read():
        try:
            with open(m.p('tables', 'accounts.tsv'), 'rb') as fh:
                box['data'] = fh.read()
        except OSError as e:
            box['data'] = e.errno

    t = threading.Thread(target=read, daemon=True)
    t0 = time.monotonic()
    t.start()
    t.join(FINAL_READ_TIMEOUT)
    assert not t.is_alive(), \
        'no answer to a read within %ds after the run:\n%s' % (
            FINAL_READ_TIMEOUT, daemon_report(m.proc.pid))
    assert box['data'] == ref.files['tables/accounts.tsv']
    return time.monotonic() - t0


def hammer(args, env, seconds, label, allowed_errors=(), cap=None):
    """The reference from a quiet mount, then READERS readers and SIGHUP
    every second on a cold mount of the same organization.  With cap (a
    cache_max) the second mount is capped and has no SIGHUP: evictions
    drop what the readers use instead."""
    t0 = time.monotonic()
    with Mount(args, env=env) as m:
        ref = Reference(m.path)
    ref_s = time.monotonic() - t0
    print('%s: reference in %.1f s: %s' % (label, ref_s, ref.counts()))
    assert ref.file_list and len(ref.dir_list) > 1
    # The demo denies some accounts' resources and Config (EACCES); the
    # fake endpoint denies nothing.  Anything else is a failure of the
    # quiet mount, and would make the reference wrong.
    errs = ref.errors()
    odd = {k: v for k, v in errs.items() if v not in allowed_errors}
    assert not odd, 'the quiet mount failed on %d paths: %s' % (
        len(odd), sorted(odd.items())[:20])

    seed = int(os.environ.get('ORGFS_CONCURRENCY_SEED', random.randrange(1 << 30)))
    problems = Problems()
    stop = threading.Event()
    hups = 0
    with Mount(args + (['-o', 'cache_max=' + cap] if cap else []),
               env=env) as m:
        readers = [Reader(m, ref, problems, stop, seed + i)
                   for i in range(READERS)]
        try:
            t0 = time.monotonic()
            for r in readers:
                r.start()
            end = t0 + seconds
            # SIGHUP on a fixed schedule, one a second from the start (this
            # is the load, not a wait); a late wake-up does not push the
            # later ones back
            tick = 0
            while True:
                tick += 1
                nxt = t0 + tick
                if nxt >= end or stop.wait(max(0.0, nxt - time.monotonic())):
                    break
                assert m.proc.poll() is None, 'orgfs died:\n' + m.output()
                if not cap:
                    m.signal(signal.SIGHUP)
                    hups += 1
            stop.wait(max(0.0, end - time.monotonic()))
            run_s = time.monotonic() - t0
        finally:
            # readers stop in every outcome: left running on a failed
            # test, 64 of them would slow down every test after it
            stop.set()
            join_end = time.monotonic() + JOIN_TIMEOUT
            for r in readers:
                if r.ident is not None:
                    r.join(max(0.0, join_end - time.monotonic()))
        hung = [r for r in readers if r.is_alive()]
        assert not hung, ('%d readers did not finish within %ds of the end '
                          '(deadlock?); seed %d\n%s\norgfs threads:\n%s' % (
                              len(hung), JOIN_TIMEOUT, seed, _stacks(hung),
                              daemon_report(m.proc.pid)))
        ops = sum(r.ops for r in readers)
        assert m.proc.poll() is None, 'orgfs died:\n' + m.output()
        final_s = _final_read(m, ref)
        st = status(m)
        assert problems.n == 0, ('%d wrong results (seed %d), first %d:\n%s'
                                 % (problems.n, seed, len(problems.first),
                                    '\n'.join(problems.first)))
        print('%s: %d readers, %.1f s, %d checked calls (%.0f/s), %d SIGHUPs, '
              'final read %.2f s, seed %d; cache: %s misses, %s hits, '
              '%s evictions, %s errors' % (
                  label, READERS, run_s, ops, ops / run_s, hups, final_s, seed,
                  st.get('cache_misses'), st.get('cache_hits'),
                  st.get('cache_evictions'), st.get('cache_errors')))
    assert ops > READERS
    if cap:
        assert int(st['cache_evictions']) > 0, st
    else:
        assert hups >= int(seconds) - 1, \
            'only %d SIGHUPs in %.0f s' % (hups, seconds)


def test_readers_and_sighup_demo():
    hammer(['--demo=200', '-o', 'demo_resources=4'], None, duration(), 'demo',
           allowed_errors=('EACCES',))


def test_readers_and_sighup_fake(fakeaws_factory):
    fake = fakeaws_factory(accounts=60, seed=8)
    hammer(['--endpoint=' + fake.url, '-o', FAKE_RATES], aws_env(fake),
           duration(20), 'fake')


def test_readers_and_evictions_demo():
    """The same with a cache cap (the smallest there is) at two thirds of
    what the readers use, and no SIGHUP: values are evicted while
    renderings use them, and between two asks of one rendering (a second
    ask of the hierarchy once found it gone).  Without resources: past
    the cap, every organization-wide resource view is a crawl of its own
    (by design, man page), which would be all this measured."""
    hammer(['--demo=600', '-o', 'resources=off'], None, duration(20),
           'evict', allowed_errors=('EACCES',), cap='1M')


def _abort_connection(path):
    """Abort the FUSE connection of the mount at path (fusectl), the one way
    to free a daemon whose thread waits in the kernel for ever."""
    dev = None
    with open('/proc/self/mountinfo') as fh:
        for line in fh:
            f = line.split()
            if f[4] == path:
                dev = f[2].split(':')[1]
    ctl = '/sys/fs/fuse/connections'
    if dev is None:
        return
    if not os.path.exists(os.path.join(ctl, dev)):
        subprocess.run(['mount', '-t', 'fusectl', 'none', ctl],
                       stderr=subprocess.DEVNULL)
    try:
        with open(os.path.join(ctl, dev, 'abort'), 'w') as fh:
            fh.write('1')
    except OSError:
        pass


def test_changing_files_never_hang_one_worker(fakeaws_factory):
    """Files whose data changes, read and listed at once by several
    processes, through a single worker thread (-o max_threads=1): the
    kernel's invalidation of a changed file waits for the lock of a page
    whose READ is queued behind the request that asked for it; made by the
    worker itself (in LOOKUP, GETATTR, READDIRPLUS), it waited for ever and
    the mount hung, a SIGKILL unable to end the daemon (within a minute
    here, before).  Every reader must keep making progress."""
    fake = fakeaws_factory(accounts=8, seed=5)
    accts = sorted(a['Id'] for a in fake.org()['accounts'])[:4]
    secs = duration(30)
    progress = {'t': time.monotonic(), 'n': 0}
    stop = threading.Event()
    with Mount(['--endpoint=' + fake.url,
                '-o', 'resources=off,ttl=0,max_threads=1'],
               env=aws_env(fake)) as m:
        files = [m.p('accounts', a, 'tags', 'Owner') for a in accts]
        dirs = [m.p('accounts', a, 'tags') for a in accts]

        def moved():
            progress['t'] = time.monotonic()
            progress['n'] += 1

        def reader():
            while not stop.is_set():
                for p in files:
                    with open(p) as fh:
                        fh.read()
                moved()

        def lister():
            while not stop.is_set():
                for d in dirs:
                    for n in os.listdir(d):
                        os.stat(os.path.join(d, n))
                moved()

        def mutator():
            i = 0
            while not stop.is_set():
                i += 1
                fake.mutate({'tags': {a: {'Owner': 'o%d-%s' % (i, 'x' * (i % 7))}
                                      for a in accts}})
                stop.wait(0.01)

        ts = [threading.Thread(target=f, daemon=True)
              for f in (reader, reader, reader, lister, lister, mutator)]
        for t in ts:
            t.start()
        end = time.monotonic() + secs
        stuck = None
        while time.monotonic() < end and stuck is None:
            stop.wait(0.5)
            if time.monotonic() - progress['t'] > 15:
                stuck = daemon_report(m.proc.pid)
        stop.set()
        if stuck is not None:
            _abort_connection(m.path)
        for t in ts:
            t.join(30)
        assert stuck is None, 'no reader moved for 15 s:\n' + stuck
        assert progress['n'] > 10, progress
