"""Shared helpers of the orgfs benchmarks (tests/bench/*.py).

Benchmarks print figures; they assert nothing about time.  Every helper
that starts something (a mount, the fake endpoint, a tmpfs) is a context
manager that stops it whatever happens.  The orgfs binary comes from
$ORGFS_BUILD_DIR (default build/ of this checkout): build it with
buildtype=release first, benchmarks build nothing.
"""
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'mount'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'fakeaws'))

from orgfsmount import Mount, ORGFS, BUILD, aws_env, status, wait_for  # noqa: E402,F401
from fixture import FakeAWS  # noqa: E402,F401

QUICK = '--quick' in sys.argv[1:]

# orgfs limits its own request rate per service (10/s for Organizations
# and STS by default, what AWS allows); against a fake endpoint that has no
# limit, benchmarks of orgfs's own speed lift them.
UNLIMITED = ['-o', 'rate_organizations=10000,rate_sts=10000,rate_tagging=10000']

# What a tree with resources will have (the lead is adding them).
RESOURCE_PATHS = ('tables/resources.tsv', 'services')


def header(title):
    print('#', title)
    print('# orgfs: %s' % ORGFS)
    print('# build: %s (%s)' % (BUILD, buildtype()))
    print('# machine: %d cores, %s' % (os.cpu_count(), time.strftime('%Y-%m-%d')))
    print('# mode: %s' % ('quick' if QUICK else 'full'))
    for note in machine_notes():
        print('# %s' % note)
    sys.stdout.flush()


def _read(path):
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError:
        return None


def damon_reclaim_age():
    """Seconds of idleness after which the kernel's DAMON proactive
    reclaim pages file pages out (page cache of a FUSE file included,
    tmpfs pages not), or None when no such scheme runs."""
    root = '/sys/kernel/mm/damon/admin/kdamonds'
    for k in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        kd = os.path.join(root, k)
        if not k.isdigit() or _read(os.path.join(kd, 'state')) != 'on':
            continue
        ctx = os.path.join(kd, 'contexts', '0')
        aggr = _read(os.path.join(ctx, 'monitoring_attrs', 'intervals',
                                  'aggr_us'))
        sch = os.path.join(ctx, 'schemes', '0')
        age = _read(os.path.join(sch, 'access_pattern', 'age', 'min'))
        if _read(os.path.join(sch, 'action')) == 'pageout' and aggr and age:
            return int(age) * int(aggr) / 1e6
    return None


def sleep_idle(secs):
    """Leave the machine idle for secs: the point of the measurement that
    follows (what DAMON's reclaim takes from an idle page cache), not a
    wait for a condition."""
    print('# idle %.0f s ...' % secs)
    sys.stdout.flush()
    time.sleep(secs)


def machine_notes():
    """What of the machine bounds a FUSE benchmark: DAMON's reclaim of
    idle page cache, and how an idle vCPU waits (a FUSE request wakes
    the daemon and then the reader, often on the other CPU)."""
    notes = []
    age = damon_reclaim_age()
    notes.append('page cache: %s' % (
        'DAMON proactive reclaim pages out file pages idle >= %.0f s '
        '(a warm FUSE tree read less often than that is read again)' % age
        if age else 'no DAMON proactive reclaim'))
    gov = _read('/sys/devices/system/cpu/cpuidle/current_governor')
    poll = _read('/sys/module/haltpoll/parameters/guest_halt_poll_ns')
    hyp = 'guest' if os.path.exists('/sys/hypervisor') or \
        'hypervisor' in (_read('/proc/cpuinfo') or '') else 'host'
    notes.append('cpu idle: %s, governor %s%s' % (
        hyp, gov or 'none', '' if poll is None else
        ', guest_halt_poll_ns %s%s' % (poll, ' (an idle vCPU halts at once: '
                                       'a wakeup across CPUs exits to the '
                                       'hypervisor)' if poll == '0' else '')))
    return notes


def buildtype():
    try:
        out = subprocess.run(['meson', 'introspect', '--buildoptions', BUILD],
                             capture_output=True, text=True, timeout=30).stdout
        import json
        for o in json.loads(out):
            if o['name'] == 'buildtype':
                return o['value']
    except Exception:  # noqa: BLE001 - informational only
        pass
    return 'unknown'


def orgfs_help():
    return subprocess.run([ORGFS, '--help'], capture_output=True,
                          text=True).stdout


def demo_resources_option():
    """The demo option for resources per account-region, if orgfs has one."""
    h = orgfs_help()
    m = re.search(r'-o (demo_resources|resources_per_region|resources)=', h)
    return m.group(1) if m else None


def has_resources(mnt):
    return os.path.exists(mnt.p('tables', 'resources.tsv'))


def table(rows, head):
    """Print rows (lists) under head as an aligned table."""
    cells = [[str(c) for c in head]] + [[fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    for n, r in enumerate(cells):
        print('  '.join(c.rjust(w) if n and i else c.ljust(w)
                        for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            print('  '.join('-' * w for w in widths))
    print()
    sys.stdout.flush()


def fmt(v):
    if isinstance(v, float):
        if v == 0:
            return '0'
        if abs(v) >= 100:
            return '%.0f' % v
        if abs(v) >= 1:
            return '%.2f' % v
        return '%.3g' % v
    return str(v)


def timed(fn, *a, **kw):
    t = time.perf_counter()
    r = fn(*a, **kw)
    return time.perf_counter() - t, r


def median_time(fn, n=5):
    times = []
    for _ in range(n):
        t, _r = timed(fn)
        times.append(t)
    return statistics.median(times), times


def sh(cmd, cwd=None, env=None, check=True):
    """Run a shell command, output discarded; returns its exit status."""
    r = subprocess.run(cmd, shell=True, cwd=cwd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if check and r.returncode not in (0, 1):
        raise RuntimeError('%s: exit %d' % (cmd, r.returncode))
    return r.returncode


def rss(pid):
    """(VmRSS, VmHWM) of pid in bytes."""
    out = {'VmRSS': 0, 'VmHWM': 0}    # 0: the daemon is gone
    with open('/proc/%d/status' % pid) as fh:
        for line in fh:
            k, _, v = line.partition(':')
            if k in ('VmRSS', 'VmHWM'):
                out[k] = int(v.split()[0]) * 1024
    return out['VmRSS'], out['VmHWM']


def proc_cpu(pid):
    """user + system CPU seconds of pid (every thread); 0 without one"""
    if not pid:
        return 0.0
    with open('/proc/%d/stat' % pid) as fh:
        f = fh.read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')


def mib(b):
    return b / (1024.0 * 1024.0)


def fuse_requests(mnt):
    """FUSE requests the daemon answered so far, by opcode (upper case, as
    a -d log names them), from .orgfs/status: no tracing, and reading it
    counts apart (fuse_requests_orgfs), not among the opcodes.  Read with
    os.open/os.read, which make no ioctl."""
    fd = os.open(os.path.join(mnt.path, '.orgfs', 'status'), os.O_RDONLY)
    try:
        text = b''
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            text += chunk
    finally:
        os.close(fd)
    counts = {}
    for line in text.decode().splitlines():
        k, _, v = line.partition('\t')
        if k.startswith('fuse_requests_') and k != 'fuse_requests_orgfs':
            counts[k[len('fuse_requests_'):].upper()] = int(v)
    return counts


def diff_counts(after, before):
    return {k: v - before.get(k, 0) for k, v in after.items()
            if v - before.get(k, 0)}


@contextlib.contextmanager
def mounted(args, env=None, path=None):
    """A foreground orgfs mount; always unmounted (its log not checked:
    benchmarks measure, the mount tests judge messages)."""
    own = None
    if path is None:
        # Not under an orgfs-* name: a cleanup of other test runs' leftover
        # mounts by name must not take a benchmark's mount with it.
        own = path = tempfile.mkdtemp(prefix='bench-mnt-')
    m = Mount(args, env=env, path=path)
    try:
        m.start(timeout=300)
        yield m
    finally:
        m.stop(check=False)
        if own:
            try:
                os.rmdir(own)
            except OSError:
                pass


@contextlib.contextmanager
def tmpfs(size='4G'):
    d = tempfile.mkdtemp(prefix='bench-tmpfs-')
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=' + size, 'tmpfs', d],
                   check=True)
    try:
        yield d
    finally:
        subprocess.run(['umount', '-l', d])
        os.rmdir(d)


def copy_tree(src, dst):
    """Copy a mounted tree without .orgfs/ (it changes from read to read)."""
    sh('tar -C %s --exclude=./.orgfs -cf - . | tar -C %s -xf -' % (src, dst))


@contextlib.contextmanager
def fake(**opts):
    f = FakeAWS(**opts)
    try:
        yield f
    finally:
        f.stop(check=False)


def calls_by_op(reqs, ok_only=False):
    out = {}
    for r in reqs:
        if r.get('op') is None:
            continue
        if ok_only and r.get('status') != 200:
            continue
        out[r['op']] = out.get(r['op'], 0) + 1
    return out


def call_summary(reqs):
    """(successful calls, throttled, other failures, duplicates).

    A duplicate is a successful call whose operation, caller, region and
    parameters (page token included) were already answered successfully.
    """
    ok = thr = bad = dup = 0
    seen = set()
    for r in reqs:
        if r.get('op') is None:
            continue
        if r.get('status') == 200:
            ok += 1
            key = (r['service'], r['op'], r.get('account'), r.get('region'),
                   repr(sorted((r.get('params') or {}).items())))
            if key in seen:
                dup += 1
            seen.add(key)
        elif r.get('fault') == 'throttle' or 'hrottl' in str(r.get('code')) \
                or r.get('code') == 'TooManyRequestsException':
            thr += 1
        else:
            bad += 1
    return ok, thr, bad, dup


def org_min_calls(org, pages_per=20):
    """Minimum Organizations calls for every account's and OU's tags
    given the fake's org: ListAccounts pages, one ListTagsForResource per
    account, and for the hierarchy ListRoots + one
    ListOrganizationalUnitsForParent and ListAccountsForParent page per
    parent (at least one each) + tags of each root and OU."""
    n = len(org['accounts'])
    pages = -(-n // pages_per)
    return {'accounts_pages': pages, 'account_tags': n,
            'ous': len(org['ous']), 'roots': len(org['roots'])}
