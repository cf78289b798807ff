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


def mounted(path):
    with open('/proc/mounts') as fh:
        return any(line.split()[1] == path for line in fh)


def refuse(args, env, phrases, mountpoint=None):
    """Run orgfs as a user would (it goes to the background on success);
    expect failure with one line holding every phrase; return the line."""
    with tempfile.TemporaryDirectory(prefix='orgfs-bad-') as tmp:
        mnt = mountpoint or os.path.join(tmp, 'mnt')
        if mountpoint is None:
            os.mkdir(mnt)
        t0 = time.monotonic()
        try:
            proc = subprocess.run([ORGFS] + args + [mnt], env=env,
                                  stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=20)
            secs = time.monotonic() - t0
            left = mounted(os.path.abspath(mnt))
        finally:
            if mounted(os.path.abspath(mnt)):
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


def test_denied_get_caller_identity(fake):
    env = aws_env(fake, {'AWS_ACCESS_KEY_ID': 'AKIDUNKNOWN000000000',
                         'AWS_SECRET_ACCESS_KEY': 'unknown/secret00000000000'})
    line = refuse(['--endpoint=' + fake.url], env,
                  ['cannot verify credentials', 'GetCallerIdentity',
                   'InvalidClientTokenId'])
    assert 'unknown/secret' not in line
