"""Copies of a mount with cp -a, and what a faulty copy may differ in.

copy_mount() runs `cp -a` of every top-level entry but .orgfs into a
directory and returns cp's status and the paths cp named in its messages
(with the error text).  snapshot() reads a copy back without following
symbolic links.  judge() compares a faulty copy with a fault-free
reference by the rules of orgfs(1), ERRORS: a path that could not be
fetched fails with an errno, a listing is never shown shorter than it is,
and nothing else differs.
"""
import errno
import os
import subprocess

STRERROR = {os.strerror(e): name for e, name in errno.errorcode.items()}


def _unquote_at(s, i):
    """Decode the shell-quoted word at s[i] (coreutils' quoteaf style:
    'a b', 'it'\\''s', $'\\303\\251'); return (bytes, end) or (None, i)."""
    out = bytearray()
    start = i
    while i < len(s):
        if s[i] == "'":
            j = s.find("'", i + 1)
            if j < 0:
                return None, start
            out += s[i + 1:j].encode('utf-8', 'surrogateescape')
            i = j + 1
        elif s.startswith("$'", i):
            i += 2
            while i < len(s) and s[i] != "'":
                if s[i] == '\\' and i + 1 < len(s):
                    c = s[i + 1]
                    if c in '01234567':
                        j = i + 1
                        while j < len(s) and j < i + 4 and s[j] in '01234567':
                            j += 1
                        out.append(int(s[i + 1:j], 8) & 0xFF)
                        i = j
                        continue
                    out += {'n': b'\n', 't': b'\t', 'r': b'\r', 'a': b'\a',
                            'b': b'\b', 'f': b'\f', 'v': b'\v',
                            'e': b'\x1b'}.get(c, c.encode())
                    i += 2
                else:
                    out += s[i].encode('utf-8', 'surrogateescape')
                    i += 1
            i += 1
        elif s[i] == '\\' and i + 1 < len(s):
            out += s[i + 1].encode('utf-8', 'surrogateescape')
            i += 2
        else:
            break
    if i == start:
        return None, start
    return bytes(out), i


def parse_cp_errors(stderr, roots):
    """{relative path: error text} of the paths under roots (src, dst) that
    cp's messages name; a destination path is mapped back to its source."""
    failed = {}
    other = []
    for line in stderr.splitlines():
        if not line.strip():
            continue
        found = None
        i = 0
        while i < len(line):
            if line[i] in "'$" and (i == 0 or line[i - 1] == ' '):
                word, end = _unquote_at(line, i)
                if word is not None:
                    p = os.fsdecode(word)
                    for r in roots:
                        if p == r or p.startswith(r + '/'):
                            found = found or p[len(r) + 1:]
                    i = end
                    continue
            i += 1
        if found is None:
            other.append(line)
            continue
        failed.setdefault(found, line.rsplit(': ', 1)[-1])
    return failed, other


def copy_mount(mnt_path, dest, timeout=900):
    """cp -a everything but .orgfs; returns (returncode, failed, other
    lines, stderr).  The timeout catches a hang, not slowness: the
    throttled cases take minutes on a loaded machine."""
    os.makedirs(dest, exist_ok=True)
    names = sorted(e for e in os.listdir(mnt_path) if e != '.orgfs')
    # plain C: cp quotes with ' and $'...' (UTF-8 locales use curly quotes)
    env = dict(os.environ, LC_ALL='C', LANGUAGE='')
    proc = subprocess.run(['cp', '-a', '--'] +
                          [os.path.join(mnt_path, n) for n in names] + [dest],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=env, timeout=timeout)
    err = proc.stderr.decode('utf-8', 'surrogateescape')
    failed, other = parse_cp_errors(err, [mnt_path, dest])
    return proc.returncode, failed, other, err


def snapshot(root):
    """{relative path: ('d', frozenset(names)) | ('f', bytes) | ('l', target)}"""
    out = {}

    def walk(rel):
        full = os.path.join(root, rel) if rel else root
        names = os.listdir(full)
        out[rel] = ('d', frozenset(names))
        for n in names:
            r = os.path.join(rel, n) if rel else n
            p = os.path.join(root, r)
            if os.path.islink(p):
                out[r] = ('l', os.readlink(p))
            elif os.path.isdir(p):
                walk(r)
            else:
                with open(p, 'rb') as fh:
                    out[r] = ('f', fh.read())
    walk('')
    return out


def ancestors(rel):
    """rel and each of its parents ('' is the top)."""
    out = [rel]
    while rel:
        rel = os.path.dirname(rel)
        out.append(rel)
    return out


def judge(ref, copy, failed, incomplete=()):
    """Compare snapshots: returns dict(missing=[paths missing or different
    that neither they nor an ancestor failed], extra=[paths only in the
    copy], short=[directories listing fewer entries, unexplained]).  A
    file or directory in incomplete (marked user.orgfs.incomplete when it
    was copied: computed from what could be read, and saying so) may
    differ or list fewer entries, and what it does not list is not
    missing."""
    failed_set = set(failed)
    incomplete = set(incomplete)

    def left_out(rel):
        # an incomplete directory that does not list the entry rel is in
        for a in ancestors(rel)[1:]:
            if a in incomplete and a in copy and copy[a][0] == 'd':
                top = rel[len(a) + 1:] if a else rel
                return top.split('/', 1)[0] not in copy[a][1]
        return False

    def explained(rel):
        return any(a in failed_set for a in ancestors(rel)) or left_out(rel)

    missing, wrong, extra, short = [], [], [], []
    for rel, v in ref.items():
        c = copy.get(rel)
        if c is None:
            if not explained(rel):
                missing.append(rel)
            continue
        if v[0] != c[0]:
            if not explained(rel):
                wrong.append(rel)
        elif v[0] == 'd':
            lost = [n for n in v[1] - c[1]
                    if not explained(os.path.join(rel, n) if rel else n)]
            if lost and rel not in incomplete:
                short.append((rel, sorted(lost)[:5]))
        elif v != c and not explained(rel) and rel not in incomplete:
            wrong.append(rel)
    for rel in copy:
        if rel not in ref:
            extra.append(rel)
    return {'missing': sorted(missing), 'wrong': sorted(wrong),
            'extra': sorted(extra), 'short': short}


def diff_identical(a, b):
    """diff -r --no-dereference -x .orgfs: (identical, output)."""
    # README names the endpoint, which differs between two fake endpoints
    # (one Endpoints: line when every service has the same)
    proc = subprocess.run(['diff', '-r', '--no-dereference', '-x', '.orgfs',
                           '-I', '^Source: ', '-I', '^Endpoints: ', a, b],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return proc.returncode == 0, proc.stdout.decode('utf-8', 'replace')
