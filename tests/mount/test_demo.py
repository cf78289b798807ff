"""The built-in demo organization through a real mount."""
import os
import subprocess
import time

import pytest

from orgfsmount import Mount


def read(path):
    with open(path) as fh:
        return fh.read()


def test_demo_basics():
    with Mount(['--demo=50']) as m:
        accounts = os.listdir(m.p('accounts'))
        assert len(accounts) == 50
        lines = read(m.p('tables', 'accounts.tsv')).splitlines()
        assert len(lines) == 51
        assert sorted(ln.split('\t')[0] for ln in lines[1:]) == sorted(accounts)
        assert read(m.p('.orgfs', 'config')).startswith('source\tdemo\n')
        # the README's audit works
        r = subprocess.run('grep -rl platfrom %s/accounts/*/tags' % m.path,
                           shell=True, capture_output=True, text=True)
        assert r.returncode == 0 and '/tags/' in r.stdout, r.stderr
        # duplicate names are told apart in by-name/
        dups = [n for n in os.listdir(m.p('by-name')) if n.startswith('sandbox (')]
        assert len(dups) == 2
        for n in dups:
            assert read(m.p('by-name', n, 'name')) == 'sandbox\n'


def test_demo_deterministic():
    outs = []
    for _ in range(2):
        with Mount(['--demo=40', '-o', 'seed=9']) as m:
            outs.append(read(m.p('tables', 'accounts.tsv')))
    assert outs[0] == outs[1]
    with Mount(['--demo=40', '-o', 'seed=10']) as m:
        assert read(m.p('tables', 'accounts.tsv')) != outs[0]


def test_demo_10000_accounts():
    with Mount(['--demo=10000']) as m:
        t = time.monotonic()
        r = subprocess.run('ls %s/accounts | wc -l' % m.path, shell=True,
                           capture_output=True, text=True, check=True)
        assert r.stdout.strip() == '10000'
        print('ls accounts | wc -l over 10,000 accounts: %.2f s'
              % (time.monotonic() - t))


def test_fstab_style_options():
    # every option as -o, mount.fuse style
    with Mount(['-o', 'demo=20,seed=2,ttl=60,cache_max=64M,concurrency=2']) as m:
        assert len(os.listdir(m.p('accounts'))) == 20
        cfg = read(m.p('.orgfs', 'config'))
        assert 'ttl_tags\t60\n' in cfg and 'concurrency\t2\n' in cfg
    out = subprocess.run(['mount'], capture_output=True, text=True).stdout
    assert m.path not in out


# What the daemon may inherit from whoever starts it: a shell's background
# job ignores SIGINT and SIGQUIT, nohup ignores SIGHUP, a parent's blocked
# mask survives exec.  orgfs(1): SIGTERM and SIGINT unmount and SIGHUP
# drops the cache whatever was inherited.
INHERITED = {
    'default': ['--default-signal'],
    'ignored': ['--default-signal', '--ignore-signal=INT',
                '--ignore-signal=TERM', '--ignore-signal=HUP',
                '--ignore-signal=QUIT'],
    'blocked': ['--default-signal', '--block-signal=INT',
                '--block-signal=TERM', '--block-signal=HUP'],
}


@pytest.mark.parametrize('inherited', sorted(INHERITED))
@pytest.mark.parametrize('signame', ['SIGTERM', 'SIGINT'])
def test_sigterm_and_sigint_unmount_cleanly(inherited, signame):
    import signal
    from orgfsmount import status, wait_exit, wait_for
    m = Mount(['--demo=20', '-o', 'log_level=info'],
              signals=INHERITED[inherited])
    m.start()
    try:
        # real use first: a listing, a read, a stat, and a SIGHUP that
        # must be obeyed too
        assert len(os.listdir(m.p('accounts'))) == 20
        assert read(m.p('tables', 'accounts.tsv')).count('\n') == 21
        os.stat(m.p('org', 'id'))
        assert int(status(m)['cache_entries']) > 0
        m.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: 'SIGHUP: dropping the cache' in m.output(),
                 timeout=20,
                 what='SIGHUP to be taken (inherited: %s)' % inherited)
        m.proc.send_signal(getattr(signal, signame))
        assert wait_exit(m.proc, 20, 'orgfs to exit on %s (inherited: %s)'
                         % (signame, inherited)) == 0, m.output()
        assert not os.path.ismount(m.path)
    finally:
        m.stop()


def _use(m, how):
    """What a user did with the mount before its daemon died."""
    if how == 'listed':
        os.listdir(m.p('accounts'))
    elif how == 'stat':
        # lookups and attributes only, no directory opened
        os.stat(m.path)
        for p in (('accounts',), ('ous',), ('org', 'id'), ('README',)):
            os.stat(m.p(*p))
    elif how == 'read':
        os.listdir(m.p('accounts'))
        read(m.p('tables', 'accounts.tsv'))
        for a in os.listdir(m.p('accounts'))[:5]:
            os.stat(m.p('accounts', a, 'name'))
            read(m.p('accounts', a, 'name'))
        os.listdir(m.p('ous'))
        os.listdir(m.p('.'))


@pytest.mark.parametrize('how', ['nothing', 'listed', 'stat', 'read',
                                 'loaded'])
def test_crash_leaves_no_dead_mount(how):
    """A daemon killed with SIGKILL leaves no dead mount, whatever was
    done with it first: after a listing the kernel opens directories
    without asking (opendir answers ENOSYS), which defeats fusermount3's
    own check; the reaper (fs/reaper.c) unmounts it.  'loaded': readers
    are walking the tree when the daemon dies."""
    import signal
    import threading
    from orgfsmount import dead_mount_report, in_mount_table, wait_for
    m = Mount(['--demo=20'])
    m.start()
    path = m.path
    stop = threading.Event()
    readers = []

    def walk():
        while not stop.is_set():
            try:
                for dirpath, _, files in os.walk(path):
                    for f in files[:3]:
                        read(os.path.join(dirpath, f))
            except OSError:
                pass
    try:
        _use(m, 'read' if how == 'loaded' else how)
        if how == 'loaded':
            readers = [threading.Thread(target=walk, daemon=True)
                       for _ in range(4)]
            for t in readers:
                t.start()
        m.proc.send_signal(signal.SIGKILL)
        m.proc.wait(timeout=20)
        try:
            wait_for(lambda: not in_mount_table(path), timeout=20,
                     what='the dead mount to go away (used: %s)' % how)
            os.stat(path)
        except AssertionError as e:
            raise AssertionError('%s\n%s' % (e, dead_mount_report(path)))
    finally:
        stop.set()
        for t in readers:
            t.join(20)
        if m.proc.poll() is None:       # _use failed: the daemon runs
            m.proc.kill()
            m.proc.wait(timeout=20)
        if in_mount_table(path):
            subprocess.run(['fusermount3', '-u', '-z', path])
        m.proc = None
        m.stop()


def test_crash_of_background_daemon_after_ls(tmp_path):
    """The issue's own steps: `orgfs --demo m; ls m/accounts; kill -9 PID`
    (the daemon in the background, as a user starts it): m is unmounted,
    and stat m answers, not "Transport endpoint is not connected"."""
    import signal
    from orgfsmount import (ORGFS, daemon_pid, dead_mount_report,
                            in_mount_table, wait_for)
    mnt = str(tmp_path / 'm')
    os.mkdir(mnt)
    r = subprocess.run([ORGFS, '--demo', mnt], capture_output=True,
                       text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    try:
        assert len(os.listdir(os.path.join(mnt, 'accounts'))) == 50
        os.kill(daemon_pid('orgfs --demo ' + mnt), signal.SIGKILL)
        try:
            wait_for(lambda: not in_mount_table(mnt), timeout=20,
                     what='the dead mount to go away')
        except AssertionError as e:
            raise AssertionError('%s\n%s' % (e, dead_mount_report(mnt)))
        os.stat(mnt)
    finally:
        if in_mount_table(mnt):
            subprocess.run(['fusermount3', '-u', '-z', mnt])


def test_background_daemon_keeps_its_threads(tmp_path):
    """Without -f orgfs forks into the background: the cache's workers,
    the invalidation thread and SIGHUP must work in the daemon too."""
    import signal
    from orgfsmount import ORGFS, daemon_pid, status, wait_for
    mnt = tmp_path / 'mnt'
    mnt.mkdir()
    r = subprocess.run([ORGFS, '--demo=40', str(mnt)], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    try:
        assert os.path.ismount(str(mnt))

        class M:
            path = str(mnt)
        # listing arms the read-ahead, a walk below two accounts fires it
        for a in sorted(os.listdir(os.path.join(str(mnt), 'accounts')))[:2]:
            os.listdir(os.path.join(str(mnt), 'accounts', a, 'tags'))
        wait_for(lambda: status(M)['fetches_queued'] == '0' and
                 int(status(M)['cache_entries']) > 40, timeout=20,
                 what='read-ahead done by the daemon\'s workers')
        before = int(status(M)['cache_entries'])
        pid = daemon_pid('orgfs --demo=40 ' + str(mnt))
        os.kill(pid, signal.SIGHUP)
        wait_for(lambda: int(status(M)['cache_entries']) < before, timeout=20,
                 what='SIGHUP to drop the cache')
    finally:
        subprocess.run(['fusermount3', '-u', str(mnt)])


def test_prefetch_warms_the_tree():
    from orgfsmount import status, wait_for
    with Mount(['--demo=60', '--prefetch']) as m:
        # the prefetch holds the crawl's progress running until it has
        # rendered every org-wide view (the owner walks of the tables
        # count as tag crawls of their own: crawl_runs is not 1)
        wait_for(lambda: status(m)['progress'] == 'done' and
                 status(m)['crawl_running'] == '0' and
                 int(status(m)['resources_seen']) > 0 and
                 status(m)['fetches_queued'] == '0', timeout=60,
                 what='the prefetch to finish')
        hits = int(status(m)['cache_misses'])
        open(m.p('tables', 'resources.tsv')).read()
        open(m.p('tables', 'accounts.tsv')).read()
        # served from what the prefetch fetched: no new fetch
        assert int(status(m)['cache_misses']) == hits
