"""The mount says truthfully what it reads (issue 15, point 5): .orgfs/config
and the README name each endpoint and where it was set, where the
credentials come from, and the caller identity; never a secret."""
import os
import stat

import pytest

from fixture import FakeAWS, PYTHON
from orgfsmount import Mount, all_xattrs, aws_env

SERVICES = ('organizations', 'sts', 'resource_groups_tagging_api',
            'config_service', 'sso_admin', 'identitystore')


@pytest.fixture(scope='module')
def fake():
    with FakeAWS(accounts=5) as f:
        yield f


def config(m):
    """.orgfs/config as a dict"""
    out = {}
    with open(m.p('.orgfs', 'config')) as fh:
        for line in fh:
            k, _, v = line.rstrip('\n').partition('\t')
            out[k] = v
    return out


def readme(m):
    with open(m.p('README')) as fh:
        return fh.read()


def readme_field(text, label):
    """The README's line 'Label: value' (and its continuation lines)"""
    lines = text.splitlines()
    for i, ln in enumerate(lines):
        if ln.startswith(label + ':'):
            out = [ln[len(label) + 1:].strip()]
            for more in lines[i + 1:]:
                if not more.startswith('             '):
                    break
                out.append(more.strip())
            return '\n'.join(out)
    raise AssertionError('no %s: line in the README:\n%s' % (label, text))


def files_env(fake, tmp_path, config_text='', credentials_text='', **extra):
    """aws_env with the given AWS config and credentials files, and no keys
    in the environment unless extra sets them."""
    cfg = tmp_path / 'config'
    cred = tmp_path / 'credentials'
    cfg.write_text(config_text)
    cred.write_text(credentials_text)
    env = aws_env(fake, {'AWS_CONFIG_FILE': str(cfg),
                         'AWS_SHARED_CREDENTIALS_FILE': str(cred)})
    del env['AWS_ACCESS_KEY_ID']
    del env['AWS_SECRET_ACCESS_KEY']
    env.update(extra)
    return env


def expect_every_service(m, url, origin):
    c = config(m)
    for svc in SERVICES:
        assert c['endpoint_' + svc] == '%s (%s)' % (url, origin), c
    r = readme(m)
    assert readme_field(r, 'Endpoints') == \
        '%s (%s), every service' % (url, origin), r
    assert readme_field(r, 'Source').startswith(
        'AWS Organizations at %s (%s), region us-east-1' % (url, origin)), r


# ---- the endpoint, from each place it can be set -------------------------

def test_endpoint_from_option(fake):
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake)) as m:
        expect_every_service(m, fake.url, '-o endpoint')
        assert config(m)['endpoint'] == fake.url


def test_endpoint_from_aws_endpoint_url(fake):
    env = aws_env(fake, {'AWS_ENDPOINT_URL': fake.url})
    with Mount([], env=env) as m:
        expect_every_service(m, fake.url, 'AWS_ENDPOINT_URL')
        # the option was not given, and says so rather than "standard"
        assert config(m)['endpoint'] == '(none)'


def test_endpoint_from_service_variables(fake):
    """AWS_ENDPOINT_URL_<SERVICE> per service; the services not set go to
    their standard AWS host, and the README lists each."""
    env = aws_env(fake, {'AWS_ENDPOINT_URL_ORGANIZATIONS': fake.url,
                         'AWS_ENDPOINT_URL_STS': fake.url})
    with Mount(['-o', 'regions=us-east-1,eu-west-1'], env=env) as m:
        c = config(m)
        assert c['endpoint_organizations'] == \
            fake.url + ' (AWS_ENDPOINT_URL_ORGANIZATIONS)'
        assert c['endpoint_sts'] == fake.url + ' (AWS_ENDPOINT_URL_STS)'
        assert c['endpoint_resource_groups_tagging_api'] == \
            'https://tagging.<region>.amazonaws.com (standard; regions ' \
            'us-east-1, eu-west-1)'
        assert c['endpoint_config_service'] == \
            'https://config.<region>.amazonaws.com (standard; regions ' \
            'us-east-1, eu-west-1)'
        # IAM Identity Center in its region
        assert c['endpoint_sso_admin'] == \
            'https://sso.us-east-1.amazonaws.com (standard)'
        assert c['endpoint_identitystore'] == \
            'https://identitystore.us-east-1.amazonaws.com (standard)'
        ep = readme_field(readme(m), 'Endpoints').splitlines()
        assert [ln.split()[0] for ln in ep] == list(SERVICES)
        assert ep[0].split(None, 1)[1] == \
            fake.url + ' (AWS_ENDPOINT_URL_ORGANIZATIONS)'
        assert ep[2].endswith('(standard; regions us-east-1, eu-west-1)')


def test_endpoint_service_variable_wins(fake):
    """AWS_ENDPOINT_URL_STS over AWS_ENDPOINT_URL, as in the SDKs"""
    env = aws_env(fake, {'AWS_ENDPOINT_URL': fake.url,
                         'AWS_ENDPOINT_URL_STS': fake.url + '/'})
    with Mount([], env=env) as m:
        c = config(m)
        assert c['endpoint_sts'] == fake.url + ' (AWS_ENDPOINT_URL_STS)'
        assert c['endpoint_organizations'] == fake.url + ' (AWS_ENDPOINT_URL)'


def test_endpoint_from_profile(fake, tmp_path):
    env = files_env(fake, tmp_path,
                    '[profile lab]\nendpoint_url = %s\n' % fake.url,
                    '[lab]\naws_access_key_id = %s\naws_secret_access_key = %s\n'
                    % (fake.root_key, fake.root_secret))
    with Mount(['--profile=lab'], env=env) as m:
        expect_every_service(m, fake.url, 'endpoint_url of profile lab')


def test_endpoint_from_services_section(fake, tmp_path):
    env = files_env(fake, tmp_path,
                    '[profile lab]\nservices = local\n'
                    'endpoint_url = https://unused.invalid\n'
                    '[services local]\norganizations =\n  endpoint_url = %s\n'
                    'sts =\n  endpoint_url = %s\n' % (fake.url, fake.url),
                    '[lab]\naws_access_key_id = %s\naws_secret_access_key = %s\n'
                    % (fake.root_key, fake.root_secret))
    with Mount(['--profile=lab', '-o', 'resources=off'], env=env) as m:
        c = config(m)
        assert c['endpoint_organizations'] == \
            fake.url + ' (services section local of profile lab)'
        assert c['endpoint_config_service'] == \
            'https://unused.invalid (endpoint_url of profile lab)'
        # resources off: the tagging API is not called, nor listed
        assert 'endpoint_resource_groups_tagging_api' not in c


# ---- the credentials -----------------------------------------------------

def test_credentials_from_environment(fake):
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake)) as m:
        want = ('environment variables AWS_ACCESS_KEY_ID (****%s), '
                'AWS_SECRET_ACCESS_KEY' % fake.root_key[-4:])
        assert config(m)['credentials'] == want
        r = readme(m)
        assert readme_field(r, 'Credentials') == want
        # not "profile default": no profile gave them; the profile line
        # says it gives settings only
        assert 'profile default' not in r
        assert config(m)['profile'] == (
            'default (settings only: credentials from environment variables)')


def test_credentials_from_profile(fake, tmp_path):
    env = files_env(fake, tmp_path, '',
                    '[prod]\naws_access_key_id = %s\naws_secret_access_key = %s\n'
                    % (fake.root_key, fake.root_secret))
    with Mount(['--endpoint=' + fake.url, '--profile=prod'], env=env) as m:
        want = ('profile prod: static keys in the shared credentials file '
                '(access key id ****%s)' % fake.root_key[-4:])
        assert config(m)['credentials'] == want
        assert readme_field(readme(m), 'Credentials') == want


def test_credentials_from_process(fake, tmp_path):
    helper = tmp_path / 'helper.py'
    helper.write_text('import json\nprint(json.dumps({"Version": 1, '
                      '"AccessKeyId": %r, "SecretAccessKey": %r}))\n'
                      % (fake.root_key, fake.root_secret))
    env = files_env(fake, tmp_path,
                    '[profile tool]\ncredential_process = %s %s --flag\n'
                    % (PYTHON, helper))
    with Mount(['--endpoint=' + fake.url, '--profile=tool'], env=env) as m:
        want = 'profile tool: credential_process (%s)' % PYTHON
        assert config(m)['credentials'] == want
        assert readme_field(readme(m), 'Credentials') == want


def test_credentials_from_sso(fake, tmp_path):
    """An IAM Identity Center profile: its session, account, role and the
    portal it asks (and where that was set); the access token never."""
    import hashlib
    import json
    import time
    token = 'fake-sso-valid-token-provenance'
    mgmt = fake.mgmt_account
    fake.control({'sso_tokens': {token: mgmt}})
    cache = tmp_path / '.aws' / 'sso' / 'cache'
    cache.mkdir(parents=True)
    (cache / (hashlib.sha1(b'corp').hexdigest() + '.json')).write_text(
        json.dumps({'startUrl': 'https://corp.awsapps.com/start',
                    'region': 'us-east-1', 'accessToken': token,
                    'expiresAt': time.strftime(
                        '%Y-%m-%dT%H:%M:%SZ',
                        time.gmtime(time.time() + 7200))}))
    env = files_env(fake, tmp_path,
                    '[profile dev]\nsso_session = corp\nsso_account_id = %s\n'
                    'sso_role_name = OrgReader\nregion = us-east-1\n'
                    '[sso-session corp]\nsso_start_url = '
                    'https://corp.awsapps.com/start\nsso_region = us-east-1\n'
                    % mgmt, HOME=str(tmp_path))
    try:
        with Mount(['--endpoint=' + fake.url, '--profile=dev'],
                   env=env) as m:
            want = ('profile dev: IAM Identity Center (SSO), sso-session '
                    'corp, account %s, role OrgReader, portal %s (-o '
                    'endpoint)' % (mgmt, fake.url))
            c = config(m)
            assert c['credentials'] == want, c['credentials']
            assert readme_field(readme(m), 'Credentials') == want
            assert c['identity_account'] == mgmt
            assert 'AWSReservedSSO_OrgReader' in c['identity_arn']
            assert token.encode() not in everything_said(m)
    finally:
        fake.control({'sso_tokens': {token: None}})


def test_credentials_from_container(fake, tmp_path):
    """Container credentials (ECS, EKS Pod Identity): the variable that
    names the endpoint and the kind of token; the token never."""
    token = 'Bearer fake-container-token-provenance'
    fake.control({'container_token': token})
    tokfile = tmp_path / 'ctoken'
    tokfile.write_text(token + '\n')
    env = files_env(fake, tmp_path,
                    AWS_CONTAINER_CREDENTIALS_FULL_URI=fake.url +
                    '/container/credentials',
                    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(tokfile))
    try:
        with Mount(['--endpoint=' + fake.url], env=env) as m:
            want = ('container credentials (AWS_CONTAINER_CREDENTIALS_'
                    'FULL_URI, authorization token file)')
            c = config(m)
            assert c['credentials'] == want, c['credentials']
            assert readme_field(readme(m), 'Credentials') == want
            assert c['identity_arn'].endswith('orgfs-task-role/container'), c
            assert b'fake-container-token' not in everything_said(m)
    finally:
        fake.control({'container_token': None})


def test_credentials_from_instance_metadata(fake, tmp_path):
    """No credentials but the instance's: the metadata endpoint it asked
    and how; the instance role is the identity."""
    env = files_env(fake, tmp_path,
                    AWS_EC2_METADATA_SERVICE_ENDPOINT=fake.url + '/')
    del env['AWS_EC2_METADATA_DISABLED']
    with Mount(['--endpoint=' + fake.url], env=env) as m:
        want = ('EC2 instance metadata at %s/ (IMDSv2, IMDSv1 fallback)'
                % fake.url)
        c = config(m)
        assert c['credentials'] == want, c['credentials']
        assert readme_field(readme(m), 'Credentials') == want
        assert c['identity_account'] == fake.mgmt_account
        assert 'orgfs-instance-role' in c['identity_arn'], c


def role_env(fake, tmp_path):
    mgmt = fake.mgmt_account
    role = 'arn:aws:iam::%s:role/Auditor' % mgmt
    env = files_env(fake, tmp_path,
                    '[profile audit]\nrole_arn = %s\nsource_profile = base\n'
                    'role_session_name = truth\n' % role,
                    '[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n'
                    % (fake.root_key, fake.root_secret))
    return env, role


def test_credentials_assumed_role_and_identity(fake, tmp_path):
    """An assumed role names its source; the identity is the role's
    session, as sts:GetCallerIdentity says"""
    env, role = role_env(fake, tmp_path)
    mgmt = fake.mgmt_account
    with Mount(['--endpoint=' + fake.url, '--profile=audit'], env=env) as m:
        c = config(m)
        assert c['credentials'] == (
            'profile audit: assume role %s; source: profile base: static '
            'keys in the shared credentials file (access key id ****%s)'
            % (role, fake.root_key[-4:]))
        arn = 'arn:aws:sts::%s:assumed-role/Auditor/truth' % mgmt
        assert c['identity_account'] == mgmt
        assert c['identity_arn'] == arn
        assert readme_field(readme(m), 'Identity') == \
            '%s (account %s)' % (arn, mgmt)


# ---- the identity ----------------------------------------------------------

def test_identity_is_the_callers(fake):
    import botocore.session
    s = botocore.session.get_session()
    sts = s.create_client('sts', region_name='us-east-1', endpoint_url=fake.url,
                          aws_access_key_id=fake.root_key,
                          aws_secret_access_key=fake.root_secret)
    who = sts.get_caller_identity()
    assert who['Account'] == fake.mgmt_account
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake)) as m:
        c = config(m)
        assert c['identity_account'] == who['Account']
        assert c['identity_arn'] == who['Arn']
        assert readme_field(readme(m), 'Identity') == \
            '%s (account %s)' % (who['Arn'], who['Account'])


def test_identity_unreadable_is_not_fatal(fake):
    """A GetCallerIdentity reply that does not say who the caller is: the
    mount goes on (the credentials were accepted), says why it does not
    know, and does not ask again for .orgfs/config"""
    fake.control({'caller_identity_omit': ['Arn']})
    try:
        with Mount(['--endpoint=' + fake.url], env=aws_env(fake),
                   allow=[r'warning: the caller identity is unknown']) as m:
            fake.clear_requests()
            c = config(m)
            assert c['identity_arn'].startswith('unknown ('), c
            assert 'GetCallerIdentity' in c['identity_arn']
            assert c['identity_account'] == c['identity_arn']
            assert readme_field(readme(m), 'Identity') == c['identity_arn']
            config(m)
            assert [r for r in fake.requests()
                    if r.get('op') == 'GetCallerIdentity'] == []
            # the organization reads as ever
            assert os.listdir(m.p('accounts'))
            assert 'the caller identity is unknown' in m.output()
    finally:
        fake.control({'caller_identity_omit': []})


# ---- never a secret --------------------------------------------------------

def everything_said(m):
    """The text of README and .orgfs/*, and every xattr of the root's
    entries and of .orgfs's"""
    out = []
    for rel in ('README', '.orgfs/config', '.orgfs/status', '.orgfs/errors'):
        with open(m.p(rel), 'rb') as fh:
            out.append(fh.read())
    for d in ('', '.orgfs'):
        for name in [''] + os.listdir(m.p(d)):
            p = m.p(d, name) if name else m.p(d)
            if stat.S_ISREG(os.lstat(p).st_mode) and name.endswith('.tsv'):
                continue        # org-wide tables: a crawl, and no secret
            for x, v in all_xattrs(p):
                out.append(v)
    return b'\n'.join(out)


def assume_role(fake, name):
    """Temporary credentials of a role in the management account, from the
    fake's sts:AssumeRole with the root keys"""
    import botocore.session
    s = botocore.session.get_session()
    sts = s.create_client('sts', region_name='us-east-1', endpoint_url=fake.url,
                          aws_access_key_id=fake.root_key,
                          aws_secret_access_key=fake.root_secret)
    return sts.assume_role(RoleArn='arn:aws:iam::%s:role/%s'
                           % (fake.mgmt_account, name),
                           RoleSessionName='truth')['Credentials']


def test_no_secret_with_session_token(fake):
    """Temporary keys in the environment: the secret key and the session
    token are named, never shown, nor the whole access key id"""
    cr = assume_role(fake, 'Temporary')
    env = aws_env(fake, {'AWS_ACCESS_KEY_ID': cr['AccessKeyId'],
                         'AWS_SECRET_ACCESS_KEY': cr['SecretAccessKey'],
                         'AWS_SESSION_TOKEN': cr['SessionToken']})
    with Mount(['--endpoint=' + fake.url], env=env) as m:
        said = everything_said(m)
        assert b'AWS_SESSION_TOKEN' in said
        assert b'assumed-role/Temporary/truth' in said
        for s in (cr['SecretAccessKey'], cr['SessionToken'],
                  cr['AccessKeyId']):
            assert s.encode() not in said, 'a secret shows'
        assert ('****' + cr['AccessKeyId'][-4:]).encode() in said


def test_no_secret_through_a_role(fake, tmp_path):
    """A profile assuming a role from static keys: neither the source's
    secret nor its whole access key id shows"""
    env, _ = role_env(fake, tmp_path)
    with Mount(['--endpoint=' + fake.url, '--profile=audit'], env=env) as m:
        said = everything_said(m)
        assert b'identity_arn' in said and b'credentials' in said
        for s in (fake.root_secret, fake.root_key):
            assert s.encode() not in said, 'a secret shows'


# ---- the demo ----------------------------------------------------------------

def test_demo_says_it_is_the_demo():
    with Mount(['--demo=20']) as m:
        r = readme(m)
        src = readme_field(r, 'Source')
        assert src.startswith('the built-in demo (')
        assert 'no AWS endpoint, no credentials' in src
        c = config(m)
        assert c['source'] == 'demo'
        assert c['endpoints'].startswith('none')
        assert c['credentials'] == 'none (the built-in demo)'
        assert c['identity_arn'] == 'none (the built-in demo)'
