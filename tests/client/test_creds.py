"""The credential provider chain against the fake AWS endpoint.

Each test writes ~/.aws files into a temporary HOME, runs tests/client/credcheck
(which resolves credentials with lib/credchain and calls sts:GetCallerIdentity
through the fake endpoint, which verifies every signature with the provider's
credentials, session tokens included) and checks the answer and the requests
the fake endpoint saw.

Run: /usr/bin/python3 -m pytest tests/client/test_creds.py
(ORGFS_BUILD_DIR selects the build directory, default build/ of this checkout).
"""

import hashlib
import json
import os
import subprocess
import time

import pytest

from clientlib import BUILD, ROOT_KEY, ROOT_SECRET

CREDCHECK = os.path.join(BUILD, 'tests', 'client', 'credcheck')
PYTHON = '/usr/bin/python3'
FAKE = dict(accounts=8)                 # the fake fixture's (conftest.py)


def iso(t):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


@pytest.fixture(scope='module', autouse=True)
def built():
    """Before the fake starts (autouse fixtures come first)."""
    if not os.access(CREDCHECK, os.X_OK):
        pytest.skip('%s not built' % CREDCHECK)


@pytest.fixture(scope='module')
def accounts(fake):
    org = fake.org()
    mgmt = org['organization']['MasterAccountId']
    active = [a['Id'] for a in org['accounts'] if a['State'] == 'ACTIVE' and a['Id'] != mgmt]
    assert len(active) >= 3
    return mgmt, active


@pytest.fixture
def home(tmp_path, fake):
    fake.clear_requests()
    fake.control({'container_token': None, 'imds_v1_allowed': False})
    (tmp_path / '.aws').mkdir()
    return tmp_path


def base_env(fake, home, **extra):
    """A clean environment: no AWS variables but the endpoint and HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('AWS_')}
    env.update({'HOME': str(home), 'AWS_ENDPOINT_URL': fake.url, 'AWS_REGION': 'us-east-1',
                'AWS_EC2_METADATA_DISABLED': 'true'})
    env.update(extra)
    return env


def write(home, name, text):
    p = home / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def credcheck(env, *args, timeout=60):
    t0 = time.monotonic()
    # start_new_session: no controlling terminal, as under a service manager
    r = subprocess.run([CREDCHECK] + list(args), env=env, capture_output=True, text=True,
                       timeout=timeout, start_new_session=True, stdin=subprocess.DEVNULL)
    r.elapsed = time.monotonic() - t0
    assert ROOT_SECRET not in r.stdout + r.stderr
    if r.returncode == 0:
        r.info = dict(line.split(': ', 1) for line in r.stdout.splitlines())
    return r


def ok(r):
    assert r.returncode == 0, r.stderr
    return r.info


def failed(r):
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ''
    lines = r.stderr.strip().splitlines()
    assert lines and lines[-1].startswith('credcheck: '), r.stderr
    return lines[-1]


def sts_calls(fake, op=None):
    reqs = [q for q in fake.requests() if q['service'] == 'sts']
    return [q for q in reqs if op is None or q['op'] == op]


def last_identity_call(fake):
    calls = sts_calls(fake, 'GetCallerIdentity')
    assert calls and calls[-1]['status'] == 200 and calls[-1]['signature_ok'], calls
    return calls[-1]


ROOT_KEYS = '[%%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n' % (ROOT_KEY, ROOT_SECRET)


def test_environment(fake, home, accounts):
    info = ok(credcheck(fake.env(HOME=str(home), AWS_REGION='eu-west-1')))
    assert info['provider'] == 'environment'
    assert info['account'] == accounts[0]
    assert info['region'] == 'eu-west-1'
    call = last_identity_call(fake)
    assert call['access_key'] == ROOT_KEY and call['region'] == 'eu-west-1'


def test_environment_loses_to_explicit_profile(fake, home, accounts):
    write(home, '.aws/credentials', ROOT_KEYS % 'other')
    env = fake.env(HOME=str(home), AWS_ACCESS_KEY_ID='AKIDNOTVALID0000')
    assert failed(credcheck(env)).find('InvalidClientTokenId') > 0
    info = ok(credcheck(env, '--profile', 'other'))
    assert info['provider'] == 'shared-credentials-file'


def test_shared_credentials_file(fake, home, accounts):
    write(home, '.aws/credentials', ROOT_KEYS % 'default')
    write(home, '.aws/config', '[default]\nregion = eu-west-1\n')
    env = base_env(fake, home)
    del env['AWS_REGION']
    info = ok(credcheck(env))
    assert info['provider'] == 'shared-credentials-file'
    assert info['region'] == 'eu-west-1'
    assert info['account'] == accounts[0]


def test_static_keys_in_config(fake, home, accounts):
    cfg = write(home, 'elsewhere/cfg', ROOT_KEYS % 'profile p')
    env = base_env(fake, home, AWS_CONFIG_FILE=str(cfg), AWS_PROFILE='p')
    info = ok(credcheck(env))
    assert info['provider'] == 'config-file'
    assert info['profile'] == 'p'
    assert last_identity_call(fake)['access_key'] == ROOT_KEY


def test_role_chain_of_three(fake, home, accounts):
    mgmt, (a1, a2, a3) = accounts[0], accounts[1][:3]
    write(home, '.aws/credentials', ROOT_KEYS % 'base')
    write(home, '.aws/config',
          '[profile r1]\nrole_arn = arn:aws:iam::%s:role/OrganizationAccountAccessRole\n'
          'source_profile = base\n'
          '[profile r2]\nrole_arn = arn:aws:iam::%s:role/OrganizationAccountAccessRole\n'
          'source_profile = r1\nrole_session_name = second\n'
          '[profile r3]\nrole_arn = arn:aws:iam::%s:role/Audit\nsource_profile = r2\n'
          'external_id = ext-1234\nduration_seconds = 900\n' % (a1, a2, a3))
    info = ok(credcheck(base_env(fake, home), '--profile', 'r3'))
    assert info['provider'] == 'assume-role'
    assert info['account'] == a3
    assert info['arn'].startswith('arn:aws:sts::%s:assumed-role/Audit/' % a3)
    assumes = sts_calls(fake, 'AssumeRole')
    assert [q['params']['RoleArn'].split(':')[4] for q in assumes] == [a1, a2, a3]
    assert [q['account'] for q in assumes] == [mgmt, a1, a2]
    assert all(q['status'] == 200 and q['signature_ok'] for q in assumes)
    assert assumes[1]['params']['RoleSessionName'] == 'second'
    assert assumes[2]['params']['ExternalId'] == 'ext-1234'
    assert assumes[2]['params']['DurationSeconds'] == '900'
    assert 'ExternalId' not in assumes[0]['params']
    # the chain's credentials are cached: more calls, no more AssumeRole
    fake.clear_requests()
    ok(credcheck(base_env(fake, home), '--profile', 'r3', '--calls', '3'))
    assert len(sts_calls(fake, 'AssumeRole')) == 3
    assert len(sts_calls(fake, 'GetCallerIdentity')) == 3


def test_role_loop(fake, home):
    write(home, '.aws/credentials', ROOT_KEYS % 'base')
    write(home, '.aws/config',
          '[profile a]\nrole_arn = arn:aws:iam::111111111111:role/x\nsource_profile = b\n'
          '[profile b]\nrole_arn = arn:aws:iam::111111111111:role/y\nsource_profile = a\n')
    msg = failed(credcheck(base_env(fake, home), '--profile', 'a'))
    assert msg == 'credcheck: profile b: source_profile loop: a -> b -> a'
    assert fake.requests() == []


def sso_setup(fake, home, account, token_expires, refresh=True, reg_expires=None):
    write(home, '.aws/config',
          '[profile dev]\nsso_session = corp\nsso_account_id = %s\n'
          'sso_role_name = OrgReader\nregion = eu-west-1\n'
          '[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n'
          'sso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n' % account)
    old_token = 'fake-old-access-token-%d' % time.time_ns()
    tok = {'startUrl': 'https://corp.awsapps.com/start', 'region': 'eu-west-1',
           'accessToken': old_token, 'expiresAt': iso(token_expires)}
    if refresh:
        cid = 'client-%d' % time.time_ns()
        rt = 'fake-refresh-%d' % time.time_ns()
        tok.update({'clientId': cid, 'clientSecret': 'client-secret', 'refreshToken': rt,
                    'registrationExpiresAt': iso(reg_expires or time.time() + 86400)})
        fake.control({'oidc_clients': {cid: {'secret': 'client-secret',
                                             'refresh_tokens': {rt: account}}}})
    name = hashlib.sha1(b'corp').hexdigest() + '.json'
    path = write(home, '.aws/sso/cache/' + name, json.dumps(tok))
    return path, old_token


def test_sso_refreshes_expired_token(fake, home, accounts):
    account = accounts[1][0]
    path, old = sso_setup(fake, home, account, time.time() - 60)
    info = ok(credcheck(base_env(fake, home), '--profile', 'dev'))
    assert info['provider'] == 'sso'
    assert info['account'] == account
    assert 'AWSReservedSSO_OrgReader' in info['arn']
    new = json.loads(path.read_text())
    assert new['accessToken'] != old
    assert new['refreshToken'].startswith('fake-sso-refresh-')
    assert new['startUrl'] == 'https://corp.awsapps.com/start'
    assert time.time() + 3600 < time.mktime(time.strptime(new['expiresAt'], '%Y-%m-%dT%H:%M:%SZ')) - time.timezone
    assert oct(path.stat().st_mode & 0o777) == '0o600'
    ops = [(q['service'], q['op'], q['status']) for q in fake.requests()]
    assert ops == [('sso-oidc', 'CreateToken', 200), ('sso', 'GetRoleCredentials', 200),
                   ('sts', 'GetCallerIdentity', 200)]


def test_sso_valid_token_is_not_refreshed(fake, home, accounts):
    account = accounts[1][1]
    fake.control({'sso_tokens': {'fake-valid-token': account}})
    path, _ = sso_setup(fake, home, account, time.time() + 7200, refresh=False)
    tok = json.loads(path.read_text())
    tok['accessToken'] = 'fake-valid-token'
    path.write_text(json.dumps(tok))
    info = ok(credcheck(base_env(fake, home), '--profile', 'dev'))
    assert info['account'] == account
    assert [q['op'] for q in fake.requests()] == ['GetRoleCredentials', 'GetCallerIdentity']
    assert json.loads(path.read_text()) == tok


@pytest.mark.parametrize('refresh', [False, True], ids=['no-refresh-token', 'registration-expired'])
def test_sso_expired_cannot_refresh(fake, home, accounts, refresh):
    sso_setup(fake, home, accounts[1][0], time.time() - 60, refresh=refresh,
              reg_expires=time.time() - 60)
    r = credcheck(base_env(fake, home), '--profile', 'dev')
    msg = failed(r)
    assert msg == ("credcheck: sso:GetRoleCredentials: UnauthorizedSSOToken: profile dev: "
                   "the SSO session has expired; run 'aws sso login --profile dev'") or \
        ("profile dev: the SSO session has expired; run 'aws sso login --profile dev'" in msg), msg
    # gives up at once: no call made (a timed bound would fail under load)
    print('gave up in %.2f s' % r.elapsed)
    assert fake.requests() == []


def test_credential_process_good(fake, home, accounts):
    helper = write(home, 'bin/helper.py',
                   'import json, os, sys\n'
                   'assert sys.argv[1:] == ["--arg with space", "x"], sys.argv\n'
                   'assert os.environ.get("FROM_PARENT") == "yes"\n'
                   'print(json.dumps({"Version": 1, "AccessKeyId": %r, "SecretAccessKey": %r,\n'
                   '                  "Expiration": "2099-01-01T00:00:00Z"}))\n' % (ROOT_KEY, ROOT_SECRET))
    write(home, '.aws/config', "[default]\ncredential_process = %s %s '--arg with space' x\n"
          % (PYTHON, helper))
    info = ok(credcheck(base_env(fake, home, FROM_PARENT='yes')))
    assert info['provider'] == 'credential-process'
    assert info['account'] == accounts[0]


def test_credential_process_bad_json(fake, home):
    write(home, '.aws/config', '[default]\ncredential_process = /bin/echo {"Version": 1, oops\n')
    msg = failed(credcheck(base_env(fake, home)))
    assert 'profile default: credential_process /bin/echo did not print a JSON object' in msg
    assert fake.requests() == []


def test_credential_process_fails(fake, home):
    write(home, '.aws/config', "[default]\ncredential_process = /bin/sh -c "
          "'echo token expired, run login >&2; echo second line >&2; exit 7'\n")
    msg = failed(credcheck(base_env(fake, home)))
    assert msg.endswith('profile default: credential_process /bin/sh exited with status 7: '
                        'token expired, run login')


def test_web_identity(fake, home, accounts):
    account = accounts[1][2]
    tok = write(home, 'token', 'fake-web-identity-token-alice\n')
    env = base_env(fake, home, AWS_WEB_IDENTITY_TOKEN_FILE=str(tok),
                   AWS_ROLE_ARN='arn:aws:iam::%s:role/WebRole' % account,
                   AWS_ROLE_SESSION_NAME='ci-job')
    info = ok(credcheck(env))
    assert info['provider'] == 'web-identity'
    assert info['account'] == account
    assert info['arn'] == 'arn:aws:sts::%s:assumed-role/WebRole/ci-job' % account
    (call,) = sts_calls(fake, 'AssumeRoleWithWebIdentity')
    assert call['unsigned'] and call['status'] == 200
    assert call['params']['WebIdentityToken'] == 'fake-web-identity-token-alice'
    # profile keys instead of the environment
    write(home, '.aws/config', '[profile w]\nweb_identity_token_file = %s\n'
          'role_arn = arn:aws:iam::%s:role/WebRole\n' % (tok, account))
    info = ok(credcheck(base_env(fake, home), '--profile', 'w'))
    assert info['provider'] == 'web-identity' and info['account'] == account


def test_web_identity_retried(fake, home, accounts):
    """AssumeRoleWithWebIdentity goes through the client's retry policy."""
    account = accounts[1][1]
    tok = write(home, 'token', 'fake-web-identity-token-bob\n')
    env = base_env(fake, home, AWS_WEB_IDENTITY_TOKEN_FILE=str(tok),
                   AWS_ROLE_ARN='arn:aws:iam::%s:role/WebRole' % account,
                   AWS_ROLE_SESSION_NAME='ci-retry')
    fake.control({'fail_page': {'service': 'sts', 'op': 'AssumeRoleWithWebIdentity',
                                'times': 2, 'status': 400, 'code': 'Throttling',
                                'message': 'Rate exceeded'}})
    try:
        info = ok(credcheck(env))
    finally:
        fake.control({'fail_page': None})
    assert info['provider'] == 'web-identity' and info['account'] == account
    calls = sts_calls(fake, 'AssumeRoleWithWebIdentity')
    assert [(c['status'], c['code'], c['fault']) for c in calls] == [
        (400, 'Throttling', 'fail_page'), (400, 'Throttling', 'fail_page'), (200, None, None)]
    assert all(c['unsigned'] and c['params']['WebIdentityToken'] == 'fake-web-identity-token-bob'
               for c in calls)
    # 503 twice, then the third attempt answers
    fake.clear_requests()
    fake.control({'fail_page': {'service': 'sts', 'op': 'AssumeRoleWithWebIdentity',
                                'times': 2, 'status': 503, 'code': 'ServiceUnavailable'}})
    try:
        info = ok(credcheck(env))
    finally:
        fake.control({'fail_page': None})
    assert info['account'] == account
    assert [c['status'] for c in sts_calls(fake, 'AssumeRoleWithWebIdentity')] == [503, 503, 200]


def test_imdsv2(fake, home, accounts):
    env = base_env(fake, home, AWS_EC2_METADATA_SERVICE_ENDPOINT=fake.url + '/')
    del env['AWS_EC2_METADATA_DISABLED']
    info = ok(credcheck(env))
    assert info['provider'] == 'instance-metadata'
    assert info['account'] == accounts[0]
    assert 'orgfs-instance-role' in info['arn']
    reqs = [(q['method'], q['path'], q['status']) for q in fake.requests() if q['service'] == 'imds']
    assert reqs == [('PUT', '/latest/api/token', 200),
                    ('GET', '/latest/meta-data/iam/security-credentials/', 200),
                    ('GET', '/latest/meta-data/iam/security-credentials/orgfs-instance-role', 200)]
    # disabled: no request at all, a clear error
    fake.clear_requests()
    env['AWS_EC2_METADATA_DISABLED'] = 'true'
    assert 'no credentials found' in failed(credcheck(env))
    assert fake.requests() == []


def test_container_with_token_file(fake, home, accounts):
    fake.control({'container_token': 'Bearer fake-container-token'})
    tokfile = write(home, 'ctoken', 'Bearer fake-container-token\n')
    env = base_env(fake, home, AWS_CONTAINER_CREDENTIALS_FULL_URI=fake.url + '/container/credentials',
                   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(tokfile),
                   AWS_CONTAINER_AUTHORIZATION_TOKEN='Bearer wrong-token')
    info = ok(credcheck(env))
    assert info['provider'] == 'container'
    assert info['account'] == accounts[0]
    # the file is read again on each fetch: a wrong token now fails
    tokfile.write_text('Bearer changed\n')
    assert 'HTTP status 401' in failed(credcheck(env))
    tokfile.write_text('Bearer a\r\nX-Injected: 1')
    assert 'contains a line break' in failed(credcheck(env))
    env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = 'http://192.0.2.1/creds'
    assert 'must be https, or http to a loopback address' in failed(credcheck(env))


def test_mfa_without_terminal(fake, home):
    write(home, '.aws/credentials', ROOT_KEYS % 'base')
    write(home, '.aws/config', '[profile m]\nrole_arn = arn:aws:iam::111111111111:role/x\n'
          'source_profile = base\nmfa_serial = arn:aws:iam::000000000000:mfa/me\n')
    msg = failed(credcheck(base_env(fake, home), '--profile', 'm', '--interactive'))
    assert msg == ('credcheck: profile m: mfa_serial is set and an MFA code is needed, but '
                   'there is no terminal to ask for it (mount from a terminal)')
    assert fake.requests() == []


def test_member_role(fake, home, accounts):
    member = accounts[1][0]
    info = ok(credcheck(fake.env(HOME=str(home)), '--member', member, '--role',
                        'OrganizationAccountAccessRole', '--external-id', 'orgfs-ext'))
    assert info['member-account'] == member
    assert info['member-arn'] == ('arn:aws:sts::%s:assumed-role/OrganizationAccountAccessRole/orgfs-%s'
                                  % (member, member))
    (call,) = sts_calls(fake, 'AssumeRole')
    assert call['params']['ExternalId'] == 'orgfs-ext'
    fake.control({'deny_assume_role': [member]})
    try:
        r = credcheck(fake.env(HOME=str(home)), '--member', member, '--role', 'R')
    finally:
        fake.control({'deny_assume_role': []})
    assert r.returncode == 1 and 'member-account' not in r.stdout
    assert 'AccessDenied' in r.stderr and 'account %s: assume role' % member in r.stderr


def test_profile_not_found_and_bad_config(fake, home):
    assert failed(credcheck(base_env(fake, home), '--profile', 'ghost')) == \
        'credcheck: profile ghost not found in the AWS config or credentials file'
    write(home, '.aws/config', '[default]\nregion = x\nthis is not ini\n')
    assert failed(credcheck(base_env(fake, home))) == \
        'credcheck: cannot parse %s/.aws/config line 3: expected \'key = value\'' % home


def test_mfa_code_from_terminal(fake, home, accounts):
    """With a controlling terminal the code is read from /dev/tty, sent once."""
    import pty
    import select
    member = accounts[1][0]
    write(home, '.aws/credentials', ROOT_KEYS % 'base')
    write(home, '.aws/config', '[profile m]\nrole_arn = arn:aws:iam::%s:role/Admin\n'
          'source_profile = base\nmfa_serial = arn:aws:iam::%s:mfa/me\n' % (member, accounts[0]))
    env = base_env(fake, home)
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(CREDCHECK, [CREDCHECK, '--profile', 'm', '--interactive', '--calls', '2'], env)
    out = b''
    deadline = time.monotonic() + 30
    sent = False
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], deadline - time.monotonic())
            if not r:
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if not sent and b'Enter MFA code for arn:aws:iam::' in out:
                os.write(fd, b'123456\n')
                sent = True
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    text = out.decode('utf-8', 'replace')
    assert sent, text
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert '123456' not in text          # not echoed
    assert 'account: %s' % member in text
    (call,) = sts_calls(fake, 'AssumeRole')
    assert call['params']['SerialNumber'] == 'arn:aws:iam::%s:mfa/me' % accounts[0]
    assert call['params']['TokenCode'] == '123456'
    assert len(sts_calls(fake, 'GetCallerIdentity')) == 2


def test_sso_legacy_profile(fake, home, accounts):
    account = accounts[1][3]
    start = 'https://legacy.awsapps.com/start'
    fake.control({'sso_tokens': {'fake-legacy-token': account}})
    write(home, '.aws/config', '[profile old]\nsso_start_url = %s\nsso_region = us-west-2\n'
          'sso_account_id = %s\nsso_role_name = AdministratorAccess\n' % (start, account))
    write(home, '.aws/sso/cache/%s.json' % hashlib.sha1(start.encode()).hexdigest(),
          json.dumps({'startUrl': start, 'region': 'us-west-2', 'accessToken': 'fake-legacy-token',
                      'expiresAt': iso(time.time() + 3600).replace('Z', 'UTC')}))
    info = ok(credcheck(base_env(fake, home), '--profile', 'old'))
    assert info['provider'] == 'sso' and info['account'] == account
    (call,) = [q for q in fake.requests() if q['service'] == 'sso']
    assert call['params'] == {'role_name': 'AdministratorAccess', 'account_id': account}


def test_per_service_endpoints(fake, home, accounts):
    """AWS_ENDPOINT_URL_<SVC> and [services] reach each provider's service;
    the generic AWS_ENDPOINT_URL points nowhere."""
    account = accounts[1][0]
    path, _ = sso_setup(fake, home, account, time.time() - 60)
    env = base_env(fake, home, AWS_ENDPOINT_URL='http://127.0.0.1:9',
                   AWS_ENDPOINT_URL_SSO=fake.url, AWS_ENDPOINT_URL_SSO_OIDC=fake.url,
                   AWS_ENDPOINT_URL_STS=fake.url)
    info = ok(credcheck(env, '--profile', 'dev'))
    assert info['account'] == account
    # the same through the profile's [services] section
    with open(home / '.aws/config', 'a') as f:
        f.write('[profile svc]\nservices = local\n'
                'role_arn = arn:aws:iam::%s:role/OrganizationAccountAccessRole\n'
                'source_profile = dev\n'
                '[services local]\nsts =\n  endpoint_url = %s\n' % (accounts[1][1], fake.url))
    fake.clear_requests()
    env.pop('AWS_ENDPOINT_URL_STS')
    info = ok(credcheck(env, '--profile', 'svc'))
    assert info['provider'] == 'assume-role' and info['account'] == accounts[1][1]
    assert [q['op'] for q in fake.requests()] == ['GetRoleCredentials', 'AssumeRole',
                                                  'GetCallerIdentity']


class _Imds:
    """A minimal instance metadata service: PUT answers put_status, GETs
    need no token (IMDSv1) and hand out the fake endpoint's root key."""

    def __init__(self, put_status):
        import http.server
        import threading
        outer = self
        self.seen = []

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, status, body):
                self.send_response(status)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self):
                outer.seen.append(('PUT', self.path, self.headers.get('x-aws-ec2-metadata-token-ttl-seconds')))
                self._send(put_status, b'' if put_status != 200 else b'tok')

            def do_GET(self):
                outer.seen.append(('GET', self.path, self.headers.get('x-aws-ec2-metadata-token')))
                base = '/latest/meta-data/iam/security-credentials/'
                if self.path == base:
                    self._send(200, b'v1role')
                elif self.path == base + 'v1role':
                    self._send(200, json.dumps({'Code': 'Success', 'AccessKeyId': ROOT_KEY,
                                                'SecretAccessKey': ROOT_SECRET,
                                                'Expiration': iso(time.time() + 3600)}).encode())
                else:
                    self._send(404, b'')

        self.srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        self.url = 'http://127.0.0.1:%d' % self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.srv.shutdown()
        self.srv.server_close()
        self.thread.join()


@pytest.mark.parametrize('put_status,v1_disabled,works', [
    (403, False, True), (404, False, True), (405, False, True),
    (405, True, False), (400, False, False)])
def test_imds_v1_fallback(fake, home, accounts, put_status, v1_disabled, works):
    with _Imds(put_status) as imds:
        env = base_env(fake, home, AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url)
        del env['AWS_EC2_METADATA_DISABLED']
        if v1_disabled:
            env['AWS_EC2_METADATA_V1_DISABLED'] = 'true'
        r = credcheck(env)
        seen = list(imds.seen)
    assert seen[0] == ('PUT', '/latest/api/token', '21600')
    if works:
        assert ok(r)['account'] == accounts[0]
        assert [s[0] for s in seen] == ['PUT', 'GET', 'GET']
        assert all(s[2] is None for s in seen[1:])
    else:
        msg = failed(r)
        assert 'profile default: no credentials found; instance metadata' in msg
        assert ('IMDSv1 is disabled' if v1_disabled else 'HTTP status 400') in msg
        assert len(seen) == 1
