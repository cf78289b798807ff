"""pytest helper: start/stop the fake AWS endpoint and talk to its control API.

    import sys, os
    sys.path.insert(0, os.path.join(ROOT, 'tests', 'fakeaws'))
    from fixture import FakeAWS, fakeaws_factory   # fakeaws_factory is a fixture

    def test_x(fakeaws_factory):
        fake = fakeaws_factory(accounts=50, throttle_rate=0.1)
        ... fake.url, fake.requests(), fake.control({...}) ...

or as a context manager: `with FakeAWS(accounts=10) as fake: ...`.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, 'server.py')
PYTHON = '/usr/bin/python3'
ROOT_KEY = 'AKIDFAKEROOT000000'
ROOT_SECRET = 'fake/secret+root0000000000000000000000'
START_TIMEOUT = 60.0


def _kill(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()


class FakeAWSError(RuntimeError):
    pass


class FakeAWS:
    """One fake endpoint process.

    Keyword arguments become command-line options (accounts=50 ->
    --accounts 50, throttle_rate=0.1 -> --throttle-rate 0.1, down=True ->
    --down, key=['AK:SECRET'] -> --key AK:SECRET ...); extra_args are passed
    as they are.
    """

    def __init__(self, extra_args=(), start=True, **opts):
        self.opts = opts
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.url = None
        self._dir = None
        self._stopped = False
        self.root_key = ROOT_KEY
        self.root_secret = ROOT_SECRET
        if start:
            self.start()

    # ------------------------------------------------------------ lifecycle
    def _argv(self):
        argv = [PYTHON, SERVER, '--port-file', os.path.join(self._dir.name, 'port')]
        for k, v in self.opts.items():
            flag = '--' + k.replace('_', '-')
            if v is None or v is False:
                continue
            if v is True:
                argv.append(flag)
            elif isinstance(v, (list, tuple)):
                for item in v:
                    argv += [flag, str(item)]
            elif isinstance(v, dict):
                argv += [flag, json.dumps(v)]
            else:
                argv += [flag, str(v)]
        return argv + self.extra_args

    def start(self):
        self._dir = tempfile.TemporaryDirectory(prefix='fakeaws-')
        self._log_path = os.path.join(self._dir.name, 'server.log')
        self._log = open(self._log_path, 'wb')
        self.proc = subprocess.Popen(self._argv(), stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self._finalizer = weakref.finalize(self, _kill, self.proc)
        port_file = os.path.join(self._dir.name, 'port')
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    txt = f.read().strip()
                if txt:
                    self.port = int(txt)
                    break
            if self.proc.poll() is not None:
                log = self.log_text()
                self._cleanup_files()
                raise FakeAWSError('fake aws server exited with %s before listening:\n%s' % (
                    self.proc.returncode, log))
            if time.monotonic() > deadline:
                _kill(self.proc)
                log = self.log_text()
                self._cleanup_files()
                raise FakeAWSError('fake aws server did not start within %.0fs:\n%s' % (START_TIMEOUT, log))
            time.sleep(0.02)
        self.url = 'http://127.0.0.1:%d' % self.port
        return self

    def log_text(self):
        try:
            self._log.flush()
            with open(self._log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')[-20000:]
        except (OSError, ValueError):
            return ''

    def _cleanup_files(self):
        try:
            self._log.close()
        except OSError:
            pass
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def stop(self, check=True):
        """Stop the server; with check, raise if it crashed or hit an internal error."""
        if self._stopped or self.proc is None:
            return
        self._stopped = True
        problems = []
        if self.proc.poll() is not None:
            problems.append('server died early with status %s' % self.proc.returncode)
        else:
            try:
                stats = self._call('GET', '/_fake/stats', timeout=10)
                if stats.get('internal_errors'):
                    problems.append('server hit %d internal errors' % stats['internal_errors'])
            except Exception as e:  # noqa: BLE001 - any failure to answer is a problem
                problems.append('stats request failed: %s' % e)
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=15)
                if rc != 0:
                    problems.append('server exited with status %s' % rc)
            except subprocess.TimeoutExpired:
                _kill(self.proc)
                problems.append('server did not stop on SIGTERM')
        log = self.log_text()
        self._cleanup_files()
        if check and problems:
            raise FakeAWSError('; '.join(problems) + '\n' + log)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        # Do not mask the test's own exception with a stop() complaint.
        self.stop(check=exc_type is None)
        return False

    # -------------------------------------------------------------- control
    def _call(self, method, path, data=None, timeout=60):
        body = None if data is None else json.dumps(data).encode()
        req = urllib.request.Request(self.url + path, data=body, method=method,
                                     headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise FakeAWSError('%s %s: %s %s' % (method, path, e.code, e.read().decode('utf-8', 'replace')))

    def control(self, settings):
        return self._call('POST', '/_fake/config', settings)

    def config(self):
        return self._call('GET', '/_fake/config')

    def requests(self, **filters):
        q = '&'.join('%s=%s' % (k, urllib.request.quote(str(v))) for k, v in filters.items())
        return self._call('GET', '/_fake/requests' + ('?' + q if q else ''))

    def clear_requests(self):
        return self._call('POST', '/_fake/requests/clear', {})

    def org(self):
        return self._call('GET', '/_fake/org')

    def resources(self, account, region):
        return self._call('GET', '/_fake/resources?account=%s&region=%s' % (account, region))

    def access(self):
        """The IAM Identity Center data: instance, permission_sets,
        groups, users, assignments (AccountId, PermissionSetArn,
        PrincipalType, PrincipalId)."""
        return self._call('GET', '/_fake/access')

    def mutate(self, spec):
        return self._call('POST', '/_fake/mutate', spec)

    def stats(self):
        return self._call('GET', '/_fake/stats')

    def sessions(self):
        return self._call('GET', '/_fake/sessions')

    def expire_sessions(self, access_key=None):
        return self._call('POST', '/_fake/expire_sessions', {'access_key': access_key} if access_key else {})

    def add_key(self, access_key, secret, account=None):
        return self._call('POST', '/_fake/keys', {access_key: {'secret': secret, 'account': account}})

    @property
    def mgmt_account(self):
        return self.org()['organization']['MasterAccountId']

    def env(self, **extra):
        """Environment for a client process using the root key."""
        e = dict(os.environ)
        for k in ('AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'):
            e.pop(k, None)
        e.update({'AWS_ACCESS_KEY_ID': ROOT_KEY, 'AWS_SECRET_ACCESS_KEY': ROOT_SECRET,
                  'AWS_ENDPOINT_URL': self.url, 'AWS_EC2_METADATA_DISABLED': 'true'})
        e.update({k: str(v) for k, v in extra.items()})
        return e


@pytest.fixture
def fakeaws_factory():
    """Fixture returning make(**opts) -> started FakeAWS; all are stopped (and
    checked for crashes) at teardown, whatever the test's outcome."""
    made = []

    def make(*args, **opts):
        fake = FakeAWS(*args, **opts)
        made.append(fake)
        return fake
    yield make
    errors = []
    for fake in made:
        try:
            fake.stop()
        except FakeAWSError as e:
            errors.append(str(e))
    if errors:
        pytest.fail('fake aws server problem: ' + '\n'.join(errors))


def make_fixture(scope='function', **opts):
    """Build a fixture with fixed options, e.g. in a test module:
    fake = make_fixture(scope='module', accounts=100)"""
    @pytest.fixture(scope=scope)
    def _fixture():
        fake = FakeAWS(**opts)
        try:
            yield fake
        finally:
            fake.stop()
    return _fixture


if __name__ == '__main__':
    # Manual use: python3 fixture.py --accounts 5  (prints the URL, Ctrl-C stops)
    f = FakeAWS(extra_args=sys.argv[1:])
    print(f.url, flush=True)
    try:
        f.proc.wait()
    except KeyboardInterrupt:
        f.stop()
