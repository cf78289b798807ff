"""A file of .orgfs/ read while its text changes is read whole.

.orgfs/status changes with every rendering.  The kernel cuts a read at
the size the stat before it gave, so a read that rendered afresh came
back cut short whenever the text grew in between (`watch cat
.orgfs/status` during a crawl: about 1 read in 40).  The rendering a stat
answered from is what the read after it returns.
"""
import os
import threading

from orgfsmount import Mount


def read_like_cat(path):
    """open, fstat, read to the end: what cat(1) does"""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fstat(fd)
        out = b''
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return out
            out += chunk
    finally:
        os.close(fd)


def test_status_read_whole_while_it_changes():
    with Mount(['--demo=3000']) as m:
        path = m.p('.orgfs', 'status')
        last_key = read_like_cat(path).splitlines()[-1].split(b'\t')[0]
        done = threading.Event()

        def crawl():
            try:
                with open(m.p('tables', 'resources.tsv'), 'rb') as fh:
                    fh.read()
            finally:
                done.set()
        t = threading.Thread(target=crawl)
        t.start()
        cut, reads = [], 0
        try:
            # while the crawl runs (its counters grow), and at least 300
            while not done.is_set() or reads < 300:
                text = read_like_cat(path)
                reads += 1
                lines = text.split(b'\n')
                if not text.endswith(b'\n') or \
                        not lines[-2].startswith(last_key + b'\t'):
                    cut.append(text[-80:])
        finally:
            t.join()
        assert not cut, '%d of %d reads cut short, e.g. %r' % (
            len(cut), reads, cut[:3])
