"""Security: the tree cannot be changed, other users cannot see it without
allow_other, no secret is shown or logged anywhere, TLS is verified unless
-o insecure says otherwise (orgfs(1))."""
import errno
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import urllib.parse

import pytest

from fixture import FakeAWS
from orgfsmount import (ORGFS, Mount, all_xattrs, aws_env, daemon_report,
                        wait_for)

# -d logs every FUSE request; a failed lookup is logged as "error: -2"
DEBUG_ALLOW = [r'unique: \d+, (error|success)', r'^\s*(unique|opcode|INIT|flags|'
               r'max_|time_gran|congestion|want|capable)', r'^orgfs: debug: ']


@pytest.fixture(scope='module')
def fake():
    f = FakeAWS(accounts=15, seed=41)
    yield f
    f.stop()


@pytest.fixture(scope='module')
def mnt(fake):
    m = Mount(['--endpoint=' + fake.url], env=aws_env(fake))
    m.start()
    yield m
    m.stop()


def targets(mnt):
    aid = sorted(os.listdir(mnt.p('accounts')))[0]
    return {
        'file': mnt.p('accounts', aid, 'name'),
        'dir': mnt.p('accounts', aid),
        'symlink': mnt.p('accounts', aid, 'parent'),
        'top': mnt.p('README'),
    }


def expect_erofs(fn, what, also=()):
    try:
        r = fn()
    except OSError as e:
        assert e.errno == errno.EROFS or e.errno in also, \
            '%s: %s, not EROFS' % (what, e)
        return e.errno
    if isinstance(r, int):
        os.close(r)
    raise AssertionError('%s succeeded on a read-only mount' % what)


def test_every_write_fails_with_erofs(mnt):
    t = targets(mnt)
    f, d, link = t['file'], t['dir'], t['symlink']
    new = os.path.join(d, 'new')
    checks = {
        'open O_WRONLY': lambda: os.open(f, os.O_WRONLY),
        'open O_RDWR': lambda: os.open(f, os.O_RDWR),
        'open O_TRUNC': lambda: os.open(f, os.O_RDONLY | os.O_TRUNC),
        'open O_WRONLY|O_TRUNC': lambda: os.open(f, os.O_WRONLY | os.O_TRUNC),
        'open O_APPEND': lambda: os.open(f, os.O_WRONLY | os.O_APPEND),
        'open O_CREAT existing': lambda: os.open(f, os.O_WRONLY | os.O_CREAT),
        'open O_CREAT new': lambda: os.open(new, os.O_WRONLY | os.O_CREAT, 0o644),
        'open O_CREAT top': lambda: os.open(mnt.p('x'), os.O_RDWR | os.O_CREAT),
        'open symlink O_WRONLY': lambda: os.open(link + '/name', os.O_WRONLY),
        'truncate': lambda: os.truncate(f, 0),
        'unlink file': lambda: os.unlink(f),
        'unlink symlink': lambda: os.unlink(link),
        'unlink top': lambda: os.unlink(t['top']),
        'rmdir': lambda: os.rmdir(os.path.join(d, 'tags')),
        'rmdir account': lambda: os.rmdir(d),
        'mkdir': lambda: os.mkdir(new),
        'mkdir top': lambda: os.mkdir(mnt.p('x')),
        'rename file': lambda: os.rename(f, new),
        'rename dir': lambda: os.rename(d, d + 'x'),
        'rename symlink': lambda: os.rename(link, new),
        'rename over': lambda: os.rename(f, os.path.join(d, 'email')),
        'link': lambda: os.link(f, new),
        'link symlink': lambda: os.link(link, new, follow_symlinks=False),
        'symlink': lambda: os.symlink('name', new),
        'mknod': lambda: os.mknod(new, 0o600 | 0o010000),
        'chmod file': lambda: os.chmod(f, 0o644),
        'chmod dir': lambda: os.chmod(d, 0o755),
        'chown file': lambda: os.chown(f, 0, 0),
        'chown dir': lambda: os.chown(d, 1, 1),
        'lchown symlink': lambda: os.lchown(link, 0, 0),
        'utime file': lambda: os.utime(f, (0, 0)),
        'utime now': lambda: os.utime(f),
        'utime dir': lambda: os.utime(d, (0, 0)),
        'utime symlink': lambda: os.utime(link, (0, 0), follow_symlinks=False),
        'setxattr file': lambda: os.setxattr(f, 'user.x', b'1'),
        'setxattr dir': lambda: os.setxattr(d, 'user.x', b'1'),
        'setxattr stale': lambda: os.setxattr(f, 'user.orgfs.stale', b'1'),
        'setxattr symlink': lambda: os.setxattr(link, 'user.x', b'1',
                                                follow_symlinks=False),
        'removexattr file': lambda: os.removexattr(f, 'user.orgfs.stale'),
        'removexattr dir': lambda: os.removexattr(d, 'user.orgfs.fetched'),
        'removexattr symlink': lambda: os.removexattr(
            link, 'user.orgfs.stale', follow_symlinks=False),
    }
    got = {}
    for what, fn in checks.items():
        got[what] = expect_erofs(fn, what)
    # Linux itself answers EISDIR before EROFS for a directory opened to write
    expect_erofs(lambda: os.open(d, os.O_WRONLY), 'open dir O_WRONLY',
                 also=(errno.EISDIR,))
    # fallocate needs a writable descriptor, which cannot be had
    fd = os.open(f, os.O_RDONLY)
    try:
        with pytest.raises(OSError) as e:
            os.posix_fallocate(fd, 0, 4096)
        assert e.value.errno in (errno.EBADF, errno.EROFS)
    finally:
        os.close(fd)
    assert len(got) == len(checks)
    # nothing changed
    assert not os.path.lexists(new)
    assert os.path.islink(link) and os.path.isfile(f)


def test_modes(mnt):
    n = {'f': 0, 'd': 0, 'l': 0}
    for top in ('accounts', 'ous', 'policies', 'tree', 'org'):
        for dirpath, dirs, files in os.walk(mnt.p(top)):
            st = os.lstat(dirpath)
            assert st.st_mode & 0o7777 == 0o555, dirpath
            n['d'] += 1
            for name in files + dirs:
                p = os.path.join(dirpath, name)
                st = os.lstat(p)
                if os.path.islink(p):
                    n['l'] += 1
                    assert not os.path.isabs(os.readlink(p)), p
                elif not os.path.isdir(p):
                    assert st.st_mode & 0o7777 == 0o444, p
                    n['f'] += 1
    print('modes checked:', n)
    assert n['f'] > 100 and n['d'] > 30 and n['l'] > 30
    st = os.stat(mnt.path)
    assert st.st_mode & 0o7777 == 0o555


def _stat_as(uid, path):
    """stat(path) in a child running as uid; the errno, 0 on success."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            try:
                os.stat(path)
            except OSError as e:
                code = e.errno
            os.write(w, str(code).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as fh:
        out = fh.read()
    os.waitpid(pid, 0)
    return int(out)


@pytest.mark.skipif(os.getuid() != 0, reason='needs root to switch users')
def test_other_users_need_allow_other(fake):
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake)) as m:
        assert _stat_as(65534, m.p('README')) == errno.EACCES
        assert _stat_as(65534, m.path) == errno.EACCES
        assert _stat_as(0, m.p('README')) == 0
    with Mount(['--endpoint=' + fake.url, '-o', 'allow_other'],
               env=aws_env(fake)) as m:
        # the control: the same stat works with allow_other
        assert _stat_as(65534, m.p('README')) == 0


# ------------------------------------------------------------------ secrets

def _variants(secret):
    """The secret and the forms a log could show it in."""
    out = {secret, urllib.parse.quote(secret, safe=''),
           urllib.parse.quote_plus(secret)}
    if len(secret) > 24:
        mid = len(secret) // 2
        out.add(secret[mid - 10:mid + 10])
    return out


def _walk_everything(m):
    """Everything the mount shows, as one blob: names, contents, link
    targets, extended attributes."""
    blob = []
    n = 0
    for dirpath, dirs, files in os.walk(m.path):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            blob.append(p)
            for follow in (False,):
                try:
                    for x, v in all_xattrs(p, follow_symlinks=follow):
                        blob.append(x)
                        blob.append(v.decode('utf-8', 'replace'))
                except OSError as e:
                    assert e.errno in (errno.ENOTSUP, errno.ENODATA,
                                       errno.EPERM), (p, e)
            if os.path.islink(p):
                blob.append(os.readlink(p))
            elif os.path.isfile(p):
                with open(p, 'rb') as fh:
                    blob.append(fh.read().decode('utf-8', 'replace'))
                n += 1
    for name in ('status', 'config', 'errors'):
        with open(m.p('.orgfs', name)) as fh:
            blob.append(fh.read())
    for x, v in all_xattrs(m.path):
        blob.append(v.decode('utf-8', 'replace'))
    return '\n'.join(blob), n


def _assert_no_secret(m, secrets, label):
    blob, nfiles = _walk_everything(m)
    with open('/proc/%d/cmdline' % m.proc.pid, 'rb') as fh:
        cmdline = fh.read().decode('utf-8', 'replace')
    assert nfiles > 100, nfiles
    assert 'accounts' in blob
    for what, secret in secrets.items():
        for v in _variants(secret):
            assert v not in blob, '%s: %s shown in the tree' % (label, what)
            assert v not in cmdline, '%s: %s in the cmdline' % (label, what)
    return nfiles


def _mount_and_check(args, env, secrets, label, fake_secrets=None,
                     log_file=None):
    """log_file: the log goes there (-o log=) instead of stderr."""
    if log_file:
        args = args + ['-o', 'log=%s,log_level=debug' % log_file]
    m = Mount(['-d'] + args, env=env, allow=DEBUG_ALLOW)
    m.start()
    logtext = None
    try:
        nfiles = _assert_no_secret(m, secrets, label)
        if fake_secrets:
            more = fake_secrets()
            _assert_no_secret(m, more, label)
            secrets = dict(secrets, **more)
    finally:
        # keep the log past stop(), which deletes it
        with open(log_file or m.log.name, errors='replace') as fh:
            logtext = fh.read()
        m.stop(check=False)
    assert 'unique:' in logtext, 'no FUSE debug log'
    if log_file:
        # the requests' debug lines, their headers too, went to the file
        assert 'Authorization: <redacted>' in logtext, 'no request headers'
    for what, secret in secrets.items():
        for v in _variants(secret):
            assert v not in logtext, '%s: %s in the log' % (label, what)
    print('%s: %d files, %d bytes of log, %d secrets clean' % (
        label, nfiles, len(logtext), len(secrets)))


def test_no_secret_anywhere_root_key(fake):
    _mount_and_check(['--endpoint=' + fake.url], aws_env(fake),
                     {'secret access key': fake.root_secret}, 'root key')


def _assume_role(fake):
    import botocore.session
    s = botocore.session.get_session()
    sts = s.create_client('sts', region_name='us-east-1', endpoint_url=fake.url,
                          aws_access_key_id=fake.root_key,
                          aws_secret_access_key=fake.root_secret)
    arn = 'arn:aws:iam::%s:role/OrgReader' % fake.mgmt_account
    return sts.assume_role(RoleArn=arn, RoleSessionName='orgfs-sec')['Credentials']


@pytest.mark.parametrize('to_file', [False, True], ids=['stderr', 'log_file'])
def test_no_secret_anywhere_session_env(fake, tmp_path, to_file):
    c = _assume_role(fake)
    env = aws_env(fake, {'AWS_ACCESS_KEY_ID': c['AccessKeyId'],
                         'AWS_SECRET_ACCESS_KEY': c['SecretAccessKey'],
                         'AWS_SESSION_TOKEN': c['SessionToken']})
    _mount_and_check(['--endpoint=' + fake.url], env,
                     {'secret access key': c['SecretAccessKey'],
                      'session token': c['SessionToken'],
                      'root secret': fake.root_secret}, 'session env',
                     log_file=str(tmp_path / 'orgfs.log') if to_file else None)


@pytest.mark.parametrize('to_file', [False, True], ids=['stderr', 'log_file'])
def test_no_secret_anywhere_assume_role_profile(fake, tmp_path, to_file):
    """orgfs assumes the role itself: the secrets it got are read back from
    the fake's session table."""
    cfg = tmp_path / 'config'
    cfg.write_text('[profile src]\nregion = us-east-1\n'
                   '[profile reader]\nrole_arn = arn:aws:iam::%s:role/OrgReader\n'
                   'source_profile = src\nregion = us-east-1\n' % fake.mgmt_account)
    creds = tmp_path / 'credentials'
    creds.write_text('[src]\naws_access_key_id = %s\naws_secret_access_key = %s\n'
                     % (fake.root_key, fake.root_secret))
    env = aws_env(fake, {'AWS_CONFIG_FILE': str(cfg),
                         'AWS_SHARED_CREDENTIALS_FILE': str(creds)})
    proxy = Proxy(fake.port)

    def issued():
        """What STS gave orgfs, read off the wire."""
        with proxy.lock:
            wire = b''.join(proxy.replies).decode('utf-8', 'replace')
        out = {}
        for tag in ('SecretAccessKey', 'SessionToken'):
            for i, v in enumerate(re.findall('<%s>([^<]+)</%s>' % (tag, tag),
                                             wire)):
                out['%s %d' % (tag, i)] = v
        assert out, 'orgfs assumed no role'
        return out
    try:
        _mount_and_check(['--profile=reader', '--endpoint=' + proxy.url], env,
                         {'source secret': fake.root_secret},
                         'assume-role profile', fake_secrets=issued,
                         log_file=str(tmp_path / 'orgfs.log') if to_file
                         else None)
    finally:
        proxy.stop()
    assert any(r['op'] == 'AssumeRole' for r in fake.requests(service='sts'))


# ---------------------------------------------------------------------- TLS

class Proxy:
    """A TCP proxy in front of the fake endpoint: https://127.0.0.1:PORT
    with a self-signed certificate (tmp_path given), else http; it keeps
    every byte the endpoint replied."""

    def __init__(self, backend_port, tmp_path=None):
        self.ctx = None
        self.replies = []
        self.lock = threading.Lock()
        scheme = 'http'
        if tmp_path is not None:
            scheme = 'https'
            self.cert = str(tmp_path / 'cert.pem')
            key = str(tmp_path / 'key.pem')
            subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048',
                            '-nodes', '-keyout', key, '-out', self.cert,
                            '-days', '1', '-subj', '/CN=127.0.0.1',
                            '-addext', 'subjectAltName=IP:127.0.0.1'],
                           check=True, capture_output=True)
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(self.cert, key)
        self.backend = backend_port
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(32)
        self.port = self.sock.getsockname()[1]
        self.url = '%s://127.0.0.1:%d' % (scheme, self.port)
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, raw):
        c = raw
        if self.ctx:
            try:
                c = self.ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()
                return
        b = socket.create_connection(('127.0.0.1', self.backend))

        def pump(src, dst, keep=False):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    if keep:
                        with self.lock:
                            self.replies.append(data)
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
        t = threading.Thread(target=pump, args=(b, c, True), daemon=True)
        t.start()
        pump(c, b)
        t.join(10)
        c.close()
        b.close()

    def stop(self):
        self.stopping = True
        self.sock.close()


@pytest.fixture
def tls(fake, tmp_path):
    p = Proxy(fake.port, tmp_path)
    yield p
    p.stop()


def _start_fg(args, env):
    return subprocess.run([ORGFS] + args, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=30)


def test_tls_self_signed_refused(fake, tls, tmp_path):
    mnt = tmp_path / 'mnt'
    mnt.mkdir()
    proc = _start_fg(['--endpoint=' + tls.url, str(mnt)], aws_env(fake))
    left = os.path.ismount(str(mnt))
    if left:
        subprocess.run(['fusermount3', '-u', '-z', str(mnt)])
    err = proc.stderr.decode('utf-8', 'replace')
    lines = [ln for ln in err.splitlines() if ln.strip()]
    print('self-signed:', lines)
    assert proc.returncode == 1 and not left
    assert len(lines) == 1, err
    assert 'certificate' in lines[0].lower(), lines[0]


def test_tls_insecure_warns(fake, tls):
    with Mount(['--endpoint=' + tls.url, '-o', 'insecure'], env=aws_env(fake),
               allow=[r'insecure|verif|TLS|certificate']) as m:
        with open(m.p('org', 'id')) as fh:
            assert fh.read().strip() == fake.org()['organization']['Id']
        out = m.output()
    warn = [ln for ln in out.splitlines() if 'warning' in ln.lower()]
    print('insecure:', warn)
    assert len(warn) == 1 and ('insecure' in warn[0] or 'verif' in warn[0]), out


def test_tls_ca_bundle_accepts(fake, tls):
    """The control: the same proxy is fine with its certificate trusted."""
    with Mount(['--endpoint=' + tls.url, '-o', 'ca_bundle=' + tls.cert],
               env=aws_env(fake)) as m:
        with open(m.p('org', 'id')) as fh:
            assert fh.read().strip() == fake.org()['organization']['Id']
        assert 'warning' not in m.output().lower()


# ------------------------------------------------------------- core dumps

def _dump_state(fake, extra):
    """The daemon's core size limit (/proc/PID/limits) and its dumpable
    flag, asked with prctl(PR_GET_DUMPABLE) called in it by gdb (the
    kernel here shows the flag nowhere else a test can read as root)."""
    gdb = shutil.which('gdb')
    if not gdb:
        pytest.skip('no gdb to ask the daemon for PR_GET_DUMPABLE')
    with Mount(['--endpoint=' + fake.url] + extra, env=aws_env(fake),
               wrapper=['prlimit', '--core=unlimited']) as m:
        with open('/proc/%d/limits' % m.proc.pid) as fh:
            limit = re.search(r'^Max core file size\s+(\S+)', fh.read(),
                              re.M).group(1)
        r = subprocess.run([gdb, '-batch', '-nx', '-p', str(m.proc.pid),
                            '-ex', 'print (int)prctl(3, 0, 0, 0, 0)'],
                           capture_output=True, text=True, timeout=120)
        got = re.search(r'^\$1 = (-?\d+)', r.stdout, re.M)
        assert got, r.stdout + r.stderr
        # the tests' daemon_report still reads /proc and the stacks
        assert 'thread ' in daemon_report(m.proc.pid)
        return limit, int(got.group(1))


def test_no_core_dump_by_default(fake):
    """A dump would hold the secret key: the daemon is not dumpable (no
    core, no ptrace or /proc/PID/mem by the user's other processes) and
    its core size limit is 0, though it was started with no limit."""
    limit, dumpable = _dump_state(fake, [])
    assert (limit, dumpable) == ('0', 0)


def test_allow_core_dumps_restores_them(fake):
    limit, dumpable = _dump_state(fake, ['-o', 'allow_core_dumps'])
    assert (limit, dumpable) == ('unlimited', 1)


# ------------------------------------------- files orgfs takes orders from

def _keys_files(fake, tmp_path, mode):
    cfg = tmp_path / 'config'
    cfg.write_text('[default]\nregion = us-east-1\n')
    creds = tmp_path / 'credentials'
    creds.write_text('[default]\naws_access_key_id = %s\n'
                     'aws_secret_access_key = %s\n'
                     % (fake.root_key, fake.root_secret))
    os.chmod(creds, mode)
    env = aws_env(fake, {'AWS_CONFIG_FILE': str(cfg),
                         'AWS_SHARED_CREDENTIALS_FILE': str(creds)})
    for k in ('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'):
        env.pop(k)
    return env, creds


@pytest.mark.parametrize('mode,who', [(0o620, 'its group'),
                                      (0o606, 'every user')])
def test_writable_credentials_file_warns(fake, tmp_path, mode, who):
    env, creds = _keys_files(fake, tmp_path, mode)
    with Mount(['--endpoint=' + fake.url], env=env,
               allow=[r'warning: .*writable by']) as m:
        assert os.listdir(m.p('accounts'))
        out = m.output()
    want = '%s is writable by %s (mode %04o)' % (creds, who, mode)
    assert want in out and 'chmod go-w' in out, out


def test_private_credentials_file_says_nothing(fake, tmp_path):
    env, _ = _keys_files(fake, tmp_path, 0o600)
    with Mount(['--endpoint=' + fake.url], env=env) as m:
        assert os.listdir(m.p('accounts'))
        assert 'writable' not in m.output()


def test_credentials_file_of_another_user_warns(fake, tmp_path):
    env, creds = _keys_files(fake, tmp_path, 0o644)
    os.chown(creds, 65534, 65534)
    with Mount(['--endpoint=' + fake.url], env=env,
               allow=[r'warning: .*owned by uid 65534']) as m:
        assert 'owned by uid 65534, not by you' in m.output()


def _process_profile(tmp_path, mode):
    helper = tmp_path / 'creds.sh'
    helper.write_text('#!/bin/sh\necho "{}"\n')
    helper.chmod(0o755)
    cfg = tmp_path / 'config'
    cfg.write_text('[default]\nregion = us-east-1\ncredential_process = %s\n'
                   % helper)
    os.chmod(cfg, mode)
    return cfg


def test_world_writable_credential_process_refused(fake, tmp_path):
    cfg = _process_profile(tmp_path, 0o666)
    env = aws_env(fake, {'AWS_CONFIG_FILE': str(cfg)})
    for k in ('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'):
        env.pop(k)
    mnt = tmp_path / 'mnt'
    mnt.mkdir()
    r = subprocess.run([ORGFS, '-f', '--endpoint=' + fake.url, str(mnt)],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert not os.path.ismount(str(mnt))
    assert ('refusing to run the credential_process of profile default: '
            '%s is writable by every user' % cfg) in r.stderr, r.stderr
    assert 'chmod go-w %s' % cfg in r.stderr


# ----------------------------------------------------------- debug logging

def test_debug_log_shows_requests_never_secrets(fake):
    """-o log_level=debug: each request (operation, method, host, path),
    each reply's status and request id, libcurl's headers and the cache's
    events; never the secret key, the session token or the signature."""
    c = _assume_role(fake)
    env = aws_env(fake, {'AWS_ACCESS_KEY_ID': c['AccessKeyId'],
                         'AWS_SECRET_ACCESS_KEY': c['SecretAccessKey'],
                         'AWS_SESSION_TOKEN': c['SessionToken']})
    m = Mount(['--endpoint=' + fake.url, '-o', 'log_level=debug'], env=env)
    m.start()
    try:
        with open(m.p('tables', 'accounts.tsv')) as fh:
            assert fh.read()
        m.signal(signal.SIGHUP)
        wait_for(lambda: 'cache: dropping every entry' in m.output(),
                 timeout=10, what='SIGHUP in the log')
        log = m.output()
    finally:
        m.stop(check=False)
    host = '127.0.0.1:%d' % fake.port
    assert 'aws: organizations:ListAccounts -> POST %s/' % host in log, log
    assert re.search(r'aws: organizations:ListAccounts <- http 200, '
                     r'request id [0-9a-f-]{36}, \d+ bytes', log), log
    assert "cache: fetched accounts ''" in log
    assert 'Authorization: <redacted>' in log
    assert 'X-Amz-Security-Token: <redacted>' in log
    for what, secret in (('secret key', c['SecretAccessKey']),
                         ('session token', c['SessionToken']),
                         ('root secret', fake.root_secret)):
        for v in _variants(secret):
            assert v not in log, what + ' in the debug log'
    assert 'Signature=' not in log and 'Credential=' not in log


def test_proxy_error_names_the_proxy(fake, tmp_path):
    """http_proxy at a port where nothing listens: the error names the
    proxy (and the variable it came from), not the endpoint alone."""
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    dead = s.getsockname()[1]
    s.close()
    env = aws_env(fake, {'http_proxy': 'http://user:pw@127.0.0.1:%d' % dead,
                         'no_proxy': ''})
    mnt = tmp_path / 'mnt'
    mnt.mkdir()
    r = subprocess.run([ORGFS, '-f', '--endpoint=' + fake.url, str(mnt)],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert 'proxy 127.0.0.1 port %d (http_proxy)' % dead in r.stderr, r.stderr
    assert 'pw' not in r.stderr.replace('proxy', '')
