"""Mounts of memfs (tests/bench/memfs.c), the in-memory FUSE file system
with orgfs's kernel-cache settings that tests/bench/fuse_floor.py measures
orgfs against.

    with MemFS('/tmp/tree', '/tmp/mnt') as m:
        m.requests()        # {'READ': 12, ...}, as benchlib.fuse_requests

The daemon runs in the foreground; it is unmounted and stopped whatever
happens.  Its request counts come from its stats file, written on SIGUSR1.
"""
import os
import signal
import subprocess
import tempfile

from orgfsmount import BUILD, in_mount_table, wait_exit, wait_for

MEMFS = os.path.join(BUILD, 'tests', 'bench', 'memfs')


class MemFS:
    def __init__(self, source, path, options=()):
        self.source = source
        self.path = path
        self.options = list(options)
        self.proc = None
        self._dir = tempfile.mkdtemp(prefix='memfs-stats-')
        self.stats = os.path.join(self._dir, 'stats')
        self._seq = 0

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop()

    def p(self, *parts):
        return os.path.join(self.path, *parts)

    def start(self, timeout=600):
        """Loads the tree (long for a large one), then mounts."""
        opts = ','.join(['stats=' + self.stats] + self.options)
        self.proc = subprocess.Popen(
            [MEMFS, '-f', '-o', opts, self.source, self.path],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: in_mount_table(self.path) or
                     self.proc.poll() is not None, timeout,
                     'memfs to mount %s' % self.path, interval=0.05)
        except BaseException:
            self.stop()
            raise
        if self.proc.poll() is not None:
            err = self.proc.stderr.read()
            self.proc = None
            raise RuntimeError('memfs exited: %s' % err.strip())

    def requests(self):
        """FUSE requests answered so far, by opcode (upper case)."""
        try:
            os.unlink(self.stats)
        except FileNotFoundError:
            pass
        self.proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: os.path.exists(self.stats), 30,
                 'memfs to write its stats')
        out = {}
        with open(self.stats) as fh:
            for line in fh:
                k, _, v = line.rstrip('\n').partition('\t')
                if k.startswith('fuse_requests_'):
                    out[k[len('fuse_requests_'):].upper()] = int(v)
        return out

    def stop(self):
        if self.proc is not None:
            if in_mount_table(self.path):
                subprocess.run(['fusermount3', '-u', self.path],
                               stderr=subprocess.DEVNULL)
            if self.proc.poll() is None and in_mount_table(self.path):
                subprocess.run(['fusermount3', '-u', '-z', self.path],
                               stderr=subprocess.DEVNULL)
            try:
                wait_exit(self.proc, 60, 'memfs to exit')
            finally:
                self.proc.stderr.close()
                self.proc = None
        for f in (self.stats, self.stats + '.tmp'):
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass
        try:
            os.rmdir(self._dir)
        except OSError:
            pass
