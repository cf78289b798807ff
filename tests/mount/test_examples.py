"""The examples of orgfs(1) and README.md run as written (issue 15.7).

Every example block (a man page .nf block or a README ```sh block holding
"$ " command lines) is marked, on the line before it (man) or the line
before the fence (README):

    .\\" example: demo [bash] [-o OPTIONS]     <!-- example: demo ... -->
    .\\" example: none (why)                   <!-- example: none (why) -->

A "demo" example runs against `orgfs --demo [-o OPTIONS]` mounted at a
temporary directory that stands for ~/org, with /bin/sh (bash if marked
so), in a directory where rules.ini and teams.txt are
examples/demo-rules.ini and examples/demo-owners.txt and examples/ is the
source tree's.  Its "$ orgfs" and "$ fusermount3" lines are the mount
and the unmount: the test's own mount stands for them.  Each block must
exit 0 and print something; the output a README block shows must be in
what it prints (the demo's ids are real).  A man page example must read,
once rendered by man(1), exactly as its source says (no quote lost to a
font macro).
"""
import os
import re
import shlex
import shutil
import subprocess

import pytest

from orgfsmount import Mount, ROOT

MAN = os.path.join(ROOT, 'man', 'orgfs.1')
README = os.path.join(ROOT, 'README.md')
EXAMPLES = os.path.join(ROOT, 'examples')
# what is marked today: a marker lost or a block no longer found fails
MIN_DEMO = 12
MARK = re.compile(r'(?:\.\\"|<!--)\s*example:\s*(demo|none)\b(.*)')
ROFF = [('\\-', '-'), ('\\e', '\\'), ("\\(aq", "'"), ('\\(dq', '"'),
        ('\\&', ''), ('\\~', ' ')]


class Example:
    def __init__(self, src, line, kind, args, lines):
        self.src, self.line, self.kind = src, line, kind
        words = shlex.split(args) if kind == 'demo' else []
        self.bash = kind == 'demo' and 'bash' in words
        self.opts = tuple(words[words.index('-o') + 1].split(',')) \
            if kind == 'demo' and '-o' in words else ()
        self.commands, self.shown = [], []
        for ln in lines:
            if ln.startswith('$ '):
                self.commands.append(ln[2:])
            elif ln.strip() and self.commands:
                self.shown.append(ln)

    def __repr__(self):
        return '%s:%d' % (os.path.basename(self.src), self.line)


def unroff(s):
    for a, b in ROFF:
        s = s.replace(a, b)
    return s


def man_examples():
    """(marked examples, unmarked blocks) of the man page"""
    with open(MAN) as fh:
        src = fh.read().splitlines()
    out, unmarked, mark = [], [], None
    i = 0
    while i < len(src):
        ln = src[i]
        m = MARK.match(ln)
        if m:
            mark = (i + 1, m.group(1), m.group(2))
        elif ln == '.nf':
            j = i + 1
            while src[j] != '.fi':
                j += 1
            body = [unroff(x) for x in src[i + 1:j] if not x.startswith('.')]
            if any(x.startswith('$ ') for x in body):
                if mark:
                    out.append(Example(MAN, mark[0], mark[1], mark[2], body))
                else:
                    unmarked.append('orgfs.1:%d' % (i + 1))
            mark = None
            i = j
        elif not ln.startswith('.') and ln.strip():
            mark = None         # a mark is for the example right after it
        i += 1
    return out, unmarked


def readme_examples():
    with open(README) as fh:
        src = fh.read().splitlines()
    out, unmarked, i = [], [], 0
    while i < len(src):
        if src[i].startswith('```'):
            j = i + 1
            while not src[j].startswith('```'):
                j += 1
            body = src[i + 1:j]
            m = MARK.match(src[i - 1])
            if any(x.startswith('$ ') for x in body):
                if m:
                    out.append(Example(README, i, m.group(1),
                                       m.group(2).replace('-->', ''), body))
                else:
                    unmarked.append('README.md:%d' % (i + 1))
            i = j
        i += 1
    return out, unmarked


def all_examples():
    a, ua = man_examples()
    b, ub = readme_examples()
    return a + b, ua + ub


def test_every_example_is_marked():
    """An example block with no mark would escape the run below."""
    examples, unmarked = all_examples()
    assert not unmarked, 'examples with no "example:" mark: %s' % unmarked
    with open(MAN) as fh:
        marks = sum(1 for ln in fh if MARK.match(ln))
    with open(README) as fh:
        marks += sum(1 for ln in fh if MARK.match(ln))
    # every mark found the block it stands before
    assert len(examples) == marks, (len(examples), marks)


def test_man_examples_render_as_written():
    """man(1) shows each command exactly as the source has it."""
    if not shutil.which('man'):
        pytest.skip('man is not installed')
    env = dict(os.environ, MANWIDTH='400', LANG='C.UTF-8', MAN_KEEP_FORMATTING='')
    shown = subprocess.run(['man', '-l', MAN], capture_output=True,
                           text=True, env=env, check=True).stdout
    lines = {ln.strip() for ln in shown.splitlines()}
    examples, _ = man_examples()
    missing = ['%r: $ %s' % (e, c) for e in examples for c in e.commands
               if '$ ' + c not in lines]
    assert not missing, 'rendered otherwise than written:\n' + \
        '\n'.join(missing)


def skipped(cmd):
    """The mount and unmount lines, which the test's mount stands for."""
    return re.match(r'(orgfs|fusermount3)\s', cmd) is not None


# A command that says nothing when it works: an assignment, output sent
# to a file, a cd.
QUIET = re.compile(r'^(\w+=\S|cd\s)|[^2]>\s*\w')
SEP = '@@orgfs-example-%d@@'


def run_example(e, mnt, cwd):
    """The block's commands in one shell (-e: the first that fails stops
    it), each followed by a separator, so that what each printed is
    known: each must print something unless it is QUIET."""
    cmds = [c.replace('~/org', mnt) for c in e.commands if not skipped(c)]
    script = '\n'.join('%s\necho %s' % (c, SEP % i)
                       for i, c in enumerate(cmds))
    shell = '/bin/bash' if e.bash else '/bin/sh'
    r = subprocess.run([shell, '-e', '-c', script], cwd=cwd,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, '%r exited %d:\n%s\n%s' % (
        e, r.returncode, '\n'.join(cmds), r.stderr)
    rest = r.stdout
    for i, c in enumerate(cmds):
        out, _, rest = rest.partition(SEP % i + '\n')
        assert out.strip() or QUIET.search(c), \
            '%r: "%s" printed nothing' % (e, c)
    if e.src == README:
        words = set(r.stdout.split())
        lost = [w for ln in e.shown for w in ln.split() if w not in words]
        assert not lost, '%r shows %s, not printed:\n%s' % (
            e, lost, r.stdout[:2000])


def test_examples_run_against_the_demo(tmp_path):
    """Every demo example, on one mount per set of options."""
    examples, _ = all_examples()
    demo = [e for e in examples if e.kind == 'demo']
    cwd = tmp_path / 'work'
    cwd.mkdir()
    shutil.copy(os.path.join(EXAMPLES, 'demo-rules.ini'), cwd / 'rules.ini')
    shutil.copy(os.path.join(EXAMPLES, 'demo-owners.txt'), cwd / 'teams.txt')
    os.symlink(EXAMPLES, cwd / 'examples')
    ran = 0
    for opts in sorted({e.opts for e in demo}):
        args = ['--demo']
        if opts:
            args += ['-o', ','.join(
                re.sub(r'=examples/', '=' + EXAMPLES + '/', o) for o in opts)]
        with Mount(args) as m:
            for e in demo:
                if e.opts == opts:
                    run_example(e, m.path, str(cwd))
                    ran += 1
    print('ran %d examples (%d marked not runnable)' %
          (ran, len(examples) - len(demo)))
    assert ran == len(demo) >= MIN_DEMO, (ran, len(demo), MIN_DEMO)


def test_documented_formats():
    """What FILESYSTEM LAYOUT says of the files the examples read: an
    empty one-value file is a newline, an empty list file (compliance) is
    empty, config/status is one tab-separated line per region."""
    opts = 'rules=%s/demo-rules.ini,owners_file=%s/demo-owners.txt' % (
        EXAMPLES, EXAMPLES)
    with Mount(['--demo', '-o', opts]) as m:
        unowned = sorted(os.listdir(m.p('unowned', 'accounts')))
        with open(m.p('accounts', unowned[0], 'owner'), 'rb') as fh:
            assert fh.read() == b'\n'
        sizes = [os.path.getsize(m.p('accounts', a, 'compliance'))
                 for a in os.listdir(m.p('accounts'))]
        assert 0 in sizes and max(sizes) > 0
        with open(m.p('accounts', '966838428857', 'config', 'status')) as fh:
            status = fh.read().splitlines()
    assert len(status) > 1
    assert all(re.fullmatch(r'[a-z0-9-]+\t(enabled|not enabled)', ln)
               for ln in status), status


def test_section_references_exist():
    """Every "orgfs(1), SECTION" that the README, the examples and
    `orgfs --help` point a reader to names a section or subsection of the
    man page (examples/demo-rules.ini named one that did not exist)."""
    with open(MAN) as fh:
        sections = {unroff(ln.split(None, 1)[1]).strip().strip('"')
                    for ln in fh if ln.startswith(('.SH ', '.SS '))}
    texts = {'README.md': README}
    for name in os.listdir(EXAMPLES):
        texts['examples/' + name] = os.path.join(EXAMPLES, name)
    said = {}
    for label, path in texts.items():
        with open(path, errors='replace') as fh:
            said[label] = fh.read()
    from orgfsmount import ORGFS
    said['orgfs --help'] = subprocess.run(
        [ORGFS, '--help'], capture_output=True, text=True).stdout
    refs = [(label, m.group(1)) for label, text in said.items()
            for m in re.finditer(r'orgfs\(1\),\s+([A-Z][A-Z/ ]*[A-Z])',
                                 text)]
    assert len(refs) >= 5, refs
    wrong = [(label, ref) for label, ref in refs
             if not any(s == ref or s.startswith(ref + ' ')
                        for s in sections)]
    assert not wrong, 'no such section in orgfs(1): %s' % wrong
