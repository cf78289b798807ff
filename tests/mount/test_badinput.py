"""Bad input is refused at start: orgfs exits non-zero within seconds with
ONE line on standard error that says what is wrong, and leaves no mount
behind (orgfs(1), OPTIONS and EXIT STATUS)."""
import os
import subprocess
import tempfile
import time

import pytest

from fixture import FakeAWS
from orgfsmount import ORGFS, Mount, aws_env


@pytest.fixture(scope='module')
def fake():
    f = FakeAWS(accounts=10, seed=31)
    yield f
    f.stop()


def mounts_on(path):
    with open('/proc/mounts') as fh:
        return sum(line.split()[1] == path for line in fh)


def mounted(path):
    return mounts_on(path) > 0


def mount_line(path):
    """The last line of /proc/mounts for path, split."""
    with open('/proc/mounts') as fh:
        return [ln.split() for ln in fh if ln.split()[1] == path][-1]


def refuse(args, env, phrases, mountpoint=None):
    """Run orgfs as a user would (it goes to the background on success);
    expect failure with one line holding every phrase; return the line.
    A mount that was on the mountpoint before is left alone."""
    with tempfile.TemporaryDirectory(prefix='orgfs-bad-') as tmp:
        mnt = mountpoint or os.path.join(tmp, 'mnt')
        if mountpoint is None:
            os.mkdir(mnt)
        before = mounts_on(os.path.abspath(mnt))
        t0 = time.monotonic()
        try:
            proc = subprocess.run([ORGFS] + args + [mnt], env=env,
                                  stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=20)
            secs = time.monotonic() - t0
            left = mounts_on(os.path.abspath(mnt)) > before
        finally:
            if mounts_on(os.path.abspath(mnt)) > before:
                subprocess.run(['fusermount3', '-u', '-z', mnt])
        err = proc.stderr.decode('utf-8', 'replace')
        lines = [ln for ln in err.splitlines() if ln.strip()]
        print('%-40s rc=%d %.1fs: %s' % (' '.join(args)[:40], proc.returncode,
                                         secs, ' | '.join(lines)))
        assert not left, 'orgfs left a mount behind'
        assert proc.returncode != 0, 'orgfs accepted it: ' + err
        assert len(lines) == 1, 'not one line:\n' + err
        for p in phrases:
            assert p in lines[0], (p, lines[0])
        assert secs < 10, 'took %.1fs' % secs
        return lines[0]


def env_for(fake, **extra):
    return aws_env(fake, {k: v for k, v in extra.items()})


def test_missing_config_file_is_like_the_cli(fake, tmp_path):
    """The AWS CLI (botocore) treats a missing config file, even one named
    by AWS_CONFIG_FILE, as empty: so does orgfs."""
    env = env_for(fake, AWS_CONFIG_FILE=str(tmp_path / 'nothere'))
    with Mount(['--endpoint=' + fake.url], env=env) as m:
        assert os.listdir(m.p('org'))


def test_missing_config_file_and_profile(fake, tmp_path):
    env = env_for(fake, AWS_CONFIG_FILE=str(tmp_path / 'nothere'))
    refuse(['--profile=nope', '--endpoint=' + fake.url], env,
           ['profile nope', 'not found'])


def test_unreadable_config_file(fake, tmp_path):
    # root reads any file: a directory is what cannot be read
    cfg = tmp_path / 'config'
    cfg.mkdir()
    refuse(['--endpoint=' + fake.url], env_for(fake, AWS_CONFIG_FILE=str(cfg)),
           ['cannot read', str(cfg)])


def test_profile_not_found(fake, tmp_path):
    cfg = tmp_path / 'config'
    cfg.write_text('[default]\nregion = us-east-1\n[profile other]\n'
                   'region = eu-west-1\n')
    refuse(['--profile', 'nope', '--endpoint=' + fake.url],
           env_for(fake, AWS_CONFIG_FILE=str(cfg)), ['profile nope', 'not found'])


@pytest.mark.parametrize('url,why', [
    ('notaurl', 'missing scheme'), ('http://', 'missing host'),
    ('http://a b', 'space')])
def test_endpoint_not_a_url(fake, url, why):
    refuse(['--endpoint=' + url], env_for(fake),
           ['invalid endpoint', "'%s'" % url, why])


def test_mountpoint_missing(fake, tmp_path):
    mnt = str(tmp_path / 'nothere')
    refuse(['--endpoint=' + fake.url], env_for(fake),
           ['orgfs: cannot use mountpoint', mnt], mountpoint=mnt)


def test_mountpoint_missing_fails(fake, tmp_path):
    mnt = str(tmp_path / 'nothere')
    refuse(['--endpoint=' + fake.url], env_for(fake), [mnt], mountpoint=mnt)


def test_mountpoint_not_a_directory(fake, tmp_path):
    mnt = tmp_path / 'file'
    mnt.write_text('x')
    refuse(['--endpoint=' + fake.url], env_for(fake),
           ['cannot use mountpoint', 'not a directory'], mountpoint=str(mnt))


def test_mountpoint_not_empty(fake, tmp_path):
    (tmp_path / 'x').write_text('x')
    refuse(['--endpoint=' + fake.url], env_for(fake),
           ['cannot use mountpoint', 'not empty'], mountpoint=str(tmp_path))


BAD_OPTIONS = [
    ('ttl=-1', ['invalid ttl', "'-1'"]),
    ('ttl=abc', ['invalid ttl', "'abc'"]),
    ('ttl_tags=x', ['invalid ttl_tags', "'x'"]),
    ('error_ttl=-1', ['invalid error_ttl']),
    ('max_stale=x', ['invalid max_stale']),
    ('kernel_timeout=x', ['invalid kernel_timeout']),
    ('cache_max=1', ['invalid cache_max', "'1'"]),
    ('concurrency=0', ['invalid concurrency', "'0'"]),
    ('max_attempts=0', ['invalid max_attempts', "'0'"]),
    ('max_attempts=21', ['invalid max_attempts', "'21'"]),
    ('retry_mode=bogus', ['invalid retry_mode', "'bogus'"]),
    ('log_level=loud', ['invalid log_level', "'loud'"]),
    ('owner_tags=,,', ['invalid owner_tags']),
    ('owner_tags=a,,b', ['invalid owner_tags', "'a,,b'", 'empty key']),
    ('owner_tags=a,b,', ['invalid owner_tags', "'a,b,'", 'empty key']),
    ('regions=us-east-1,,eu-west-1', ['invalid regions', 'empty region']),
    ('owners_file=/nonexistent', ['owners file', '/nonexistent']),
]


@pytest.mark.parametrize('opt,phrases', BAD_OPTIONS,
                         ids=[o for o, _ in BAD_OPTIONS])
def test_bad_option_value(fake, opt, phrases):
    refuse(['--endpoint=' + fake.url, '-o', opt], env_for(fake), phrases)


@pytest.mark.parametrize('opt', ['max_attempts=0', 'max_attempts=21',
                                 'retry_mode=bogus'])
def test_bad_option_value_demo(opt):
    name = opt.split('=')[0]
    refuse(['--demo', '-o', opt], dict(os.environ), ['invalid ' + name])


@pytest.mark.parametrize('arg', ['--demo=5', '--demo=abc', '--demo=100001'])
def test_bad_demo_size(arg):
    refuse([arg], dict(os.environ), ['invalid demo size'])


def test_demo_size_apart():
    """`orgfs --demo 100 MNT`: the size was meant, and is written with '='
    (not "bad mount point '100'")."""
    refuse(['--demo', '100'], dict(os.environ), ['--demo=100'])


def test_demo_size_apart_no_mountpoint(tmp_path):
    """`orgfs --demo 100`, with no directory 100: the same."""
    proc = subprocess.run([ORGFS, '--demo', '100'], cwd=str(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=20)
    lines = proc.stderr.splitlines()
    assert proc.returncode != 0 and len(lines) == 1, proc.stderr
    assert 'write --demo=100' in lines[0], lines[0]


# options of the AWS source that do nothing with the demo: refused, after
# the same check as without --demo
DEMO_NOOPS = [
    (['--profile=prod'], ['--profile', 'demo']),
    (['--profile', 'prod'], ['--profile', 'demo']),
    (['--region=eu-west-1'], ['--region', 'demo']),
    (['--endpoint=http://127.0.0.1:9'], ['--endpoint', 'demo']),
    (['-o', 'rate_organizations=5'], ['rate_organizations', 'demo']),
    (['-o', 'max_attempts=5'], ['max_attempts', 'demo']),
    (['-o', 'member_role=Auditor'], ['member_role', 'demo']),
    (['-o', 'insecure'], ['insecure', 'demo']),
    (['--endpoint=notaurl'], ['invalid endpoint', 'notaurl']),
    (['-o', 'rate_config=abc'], ['invalid rate_config', "'abc'"]),
    (['-o', 'regions=ap-south-1'], ['invalid regions', 'ap-south-1',
                                    'us-east-1,eu-west-1']),
]


@pytest.mark.parametrize('args,phrases', DEMO_NOOPS,
                         ids=[' '.join(a) for a, _ in DEMO_NOOPS])
def test_demo_refuses_what_it_cannot_use(args, phrases):
    refuse(['--demo=20'] + args, dict(os.environ), phrases)


def test_demo_option_without_demo(fake):
    refuse(['--endpoint=' + fake.url, '-o', 'seed=3'], env_for(fake),
           ['seed', 'demo'])


def test_rw_refused():
    """-o rw cannot be honoured: refused, not dropped."""
    refuse(['--demo=20', '-o', 'rw'], dict(os.environ),
           ['-o rw', 'read-only'])


def test_fsname_and_subtype_honoured():
    with Mount(['--demo=20', '-o', 'fsname=myorg,subtype=orgtest']) as m:
        line = mount_line(m.path)
        assert line[0] == 'myorg' and line[2] == 'fuse.orgtest', line
        assert 'ro' in line[3].split(','), line


def test_already_mounted():
    """A second orgfs on a mountpoint where one runs: "already mounted",
    not "directory is not empty"; the first mount is left as it was."""
    with Mount(['--demo=20']) as m:
        line = refuse(['--demo=20'], dict(os.environ),
                      ['cannot use mountpoint', 'already mounted',
                       'fusermount3 -u'], mountpoint=m.path)
        assert 'not empty' not in line
        assert os.listdir(m.p('accounts'))


def test_unknown_option_and_no_mountpoint():
    """Both wrong: the unknown option, first on the command line, is the
    one reported (it was "no mountpoint given")."""
    proc = subprocess.run([ORGFS, '--demo=20', '-o', 'bogus_opt=1'],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=20)
    lines = proc.stderr.splitlines()
    print(proc.stderr)
    assert proc.returncode != 0 and len(lines) == 1, proc.stderr
    assert 'unknown option' in lines[0] and 'bogus_opt' in lines[0]


@pytest.mark.parametrize('mnt', [None, '/nonexistent/orgfs-mnt'])
def test_bad_value_and_bad_mountpoint_both_told(mnt):
    """A bad value and a missing or unusable mountpoint: both are reported,
    the value first (only the mountpoint was; fixing it then met the value)."""
    args = [ORGFS, '--demo=20', '-o', 'ttl=x'] + ([mnt] if mnt else [])
    proc = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=20)
    lines = proc.stderr.splitlines()
    print(proc.stderr)
    assert proc.returncode != 0 and len(lines) == 2, proc.stderr
    assert lines[0].startswith("orgfs: invalid ttl 'x'"), lines
    assert ('no mountpoint given' if mnt is None else
            "cannot use mountpoint '%s'" % mnt) in lines[1], lines


def test_unknown_option(fake):
    refuse(['--endpoint=' + fake.url, '-o', 'bogus_opt=1'], env_for(fake),
           ['unknown option', 'bogus_opt'])


def test_unknown_option_fails(fake):
    with tempfile.TemporaryDirectory(prefix='orgfs-bad-') as mnt:
        proc = subprocess.run([ORGFS, '--endpoint=' + fake.url, '-o', 'bogus_opt=1',
                               mnt], env=env_for(fake), stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=20)
        left = mounted(mnt)
        if left:
            subprocess.run(['fusermount3', '-u', '-z', mnt])
    print('unknown option:', proc.stderr.decode())
    assert proc.returncode != 0 and not left
    assert b'bogus_opt' in proc.stderr


def no_credentials_env(tmp_path):
    home = tmp_path / 'home'
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith('AWS_')}
    env.update(HOME=str(home), AWS_EC2_METADATA_DISABLED='true')
    return env


def test_no_credentials(fake, tmp_path):
    refuse(['--endpoint=' + fake.url], no_credentials_env(tmp_path),
           ['no credentials'])


def test_no_credentials_says_what_to_do(fake, tmp_path):
    line = refuse(['--endpoint=' + fake.url], no_credentials_env(tmp_path),
                  ['no credentials'])
    hints = ('aws configure', 'aws sso login', 'AWS_ACCESS_KEY_ID',
             'AWS_PROFILE', '--profile')
    assert any(h in line for h in hints), line


def test_no_credentials_while_imds_answers(fake, tmp_path):
    """Instance metadata answers but hands out no role (an instance without
    an instance profile): no credentials were found, said with what to
    do; no STS call was made, and none is claimed."""
    env = no_credentials_env(tmp_path)
    del env['AWS_EC2_METADATA_DISABLED']
    env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = fake.url
    fake.clear_requests()
    fake.control({'fail_page': {'service': 'imds', 'op': 'GetMetadata',
                                'status': 404, 'code': 'NotFound'}})
    try:
        line = refuse(['--endpoint=' + fake.url], env,
                      ['no credentials found', 'instance metadata',
                       'aws configure', 'aws sso login', '--profile'])
        seen = fake.requests()
    finally:
        fake.control({'fail_page': None})
    assert 'GetCallerIdentity' not in line and 'sts' not in line, line
    assert 'cannot verify' not in line, line
    assert [q['service'] for q in seen] == ['imds', 'imds'], seen


def test_denied_get_caller_identity(fake):
    env = aws_env(fake, {'AWS_ACCESS_KEY_ID': 'AKIDUNKNOWN000000000',
                         'AWS_SECRET_ACCESS_KEY': 'unknown/secret00000000000'})
    line = refuse(['--endpoint=' + fake.url], env,
                  ['cannot verify credentials', 'GetCallerIdentity',
                   'InvalidClientTokenId'])
    assert 'unknown/secret' not in line
    # named by where they came from, not "profile default"
    assert 'environment variables AWS_ACCESS_KEY_ID (****0000)' in line, line
    assert 'profile default' not in line, line
