"""A name that is listed can always be stat'ed (orgfs(1), ERRORS): when
the data behind it cannot be had, stat answers its type and mode (a file
with a nonzero size, so that a copy reads it and meets the error), and
only reading it (a file's read, a directory's readdir) fails with the
errno, which .orgfs/errors names.  ls -l of an account whose member role
is refused succeeds."""
import errno
import os
import stat
import subprocess

import pytest

from expected import Org
from orgfsmount import Mount, aws_env

REGIONS = 'us-east-1,eu-west-1'
ALLOW = [r'^orgfs: /']


def ls_l(*paths):
    """ls -l as a user types it: (exit status, stdout, stderr)."""
    r = subprocess.run(['ls', '-l'] + list(paths), capture_output=True,
                       text=True)
    return r.returncode, r.stdout, r.stderr


def assert_ls_clean(*paths):
    rc, out, err = ls_l(*paths)
    assert rc == 0 and '?' not in out, (rc, out, err)
    return out


def read_errno(path):
    """The errno reading path fails with (None: it read)."""
    try:
        with open(path, 'rb') as fh:
            fh.read()
    except OSError as e:
        return e.errno
    return None


def errors_text(m):
    with open(m.p('.orgfs', 'errors')) as fh:
        return fh.read()


def member_accounts(fake):
    org = Org(fake.org())
    mgmt = fake.mgmt_account
    return [a for a in sorted(org.accounts) if a != mgmt and
            org.state(org.accounts[a]) not in ('SUSPENDED', 'CLOSED')]


def test_file_whose_data_fails(fakeaws_factory, tmp_path):
    """An endpoint without DescribeEffectivePolicy: effective_tag_policy.json
    is listed, stat'ed with a nonzero size, and its read fails."""
    fake = fakeaws_factory(accounts=6, seed=31)
    fake.control({'fail_page': {'op': 'DescribeEffectivePolicy',
                                'status': 400,
                                'code': 'UnsupportedAPIEndpointException',
                                'message': 'not in this partition'}})
    acct = member_accounts(fake)[0]
    with Mount(['--endpoint=' + fake.url, '-o', 'regions=' + REGIONS],
               env=aws_env(fake), allow=ALLOW) as m:
        f = m.p('accounts', acct, 'effective_tag_policy.json')
        out = assert_ls_clean(m.p('accounts', acct))
        assert 'effective_tag_policy.json' in out
        st = os.stat(f)
        assert stat.S_ISREG(st.st_mode) and st.st_mode & 0o777 == 0o444
        assert st.st_size > 0       # a copy reads it, and meets the error
        e = read_errno(f)
        assert e is not None and e != errno.ENOENT
        assert '/accounts/%s/effective_tag_policy.json' % acct in \
            errors_text(m)
        # a copy fails visibly, not with an empty file
        r = subprocess.run(['cp', f, str(tmp_path / 'x')],
                           capture_output=True, text=True)
        assert r.returncode != 0 and 'effective_tag_policy.json' in r.stderr
        r = subprocess.run(['tar', 'cf', str(tmp_path / 'x.tar'), f],
                           capture_output=True, text=True)
        assert r.returncode != 0 and 'Read error' in r.stderr
        # stat still answers after the failure was recorded
        assert stat.S_ISREG(os.stat(f).st_mode)
        assert_ls_clean(m.p('accounts', acct))


@pytest.mark.parametrize('kernel_timeout', [None, '0'],
                         ids=['kernel-cache', 'kernel_timeout=0'])
def test_refused_role(fakeaws_factory, kernel_timeout):
    """An account whose member role is refused: ls -l of it, of its
    resources and config directories succeeds; only what needs the role
    (resources' listing, config's contents) fails, with EACCES.  With
    kernel_timeout=0 the kernel keeps no attributes: every stat after the
    refusal is answered by orgfs, which knows the listing failed."""
    fake = fakeaws_factory(accounts=6, seed=32, resources=3, regions=REGIONS)
    acct = member_accounts(fake)[0]
    fake.control({'deny_assume_role': [acct]})
    opts = 'regions=' + REGIONS
    if kernel_timeout is not None:
        opts += ',kernel_timeout=' + kernel_timeout
    with Mount(['--endpoint=' + fake.url, '-o', opts],
               env=aws_env(fake), allow=ALLOW) as m:
        a = m.p('accounts', acct)
        res = m.p('accounts', acct, 'resources')
        assert stat.S_ISDIR(os.stat(res).st_mode)
        for _ in range(2):
            # before and after the listing was refused: the same answer
            out = assert_ls_clean(a)
            assert 'resources' in out and 'config' in out
            rc, out, err = ls_l('-d', res)
            assert rc == 0 and out.startswith('dr-xr-xr-x'), (out, err)
            with pytest.raises(OSError) as e:
                os.listdir(res)
            assert e.value.errno == errno.EACCES
        assert_ls_clean(m.p('accounts', acct, 'config'))
        assert read_errno(m.p('accounts', acct, 'config', 'status')) == \
            errno.EACCES
        with pytest.raises(OSError) as e:
            os.listdir(m.p('accounts', acct, 'config', 'us-east-1'))
        assert e.value.errno == errno.EACCES
        # after every refusal: the account, its directories and the file
        # whose read failed still stat
        assert_ls_clean(a, m.p('accounts', acct, 'config'))
        rc, out, err = ls_l('-d', res, m.p('accounts', acct, 'config',
                                           'us-east-1'))
        assert rc == 0 and '?' not in out, (out, err)
        # what needs no role still reads
        with open(m.p('accounts', acct, 'name')) as fh:
            assert fh.read().strip()
        errs = errors_text(m)
        assert '/accounts/%s/resources' % acct in errs
        assert 'AccessDenied' in errs


def test_demo_refused_accounts():
    """The demo's refused accounts: ls -l of each account and of its
    directories exits 0; their listings fail with EACCES only."""
    with Mount(['--demo=20'], allow=ALLOW) as m:
        refused = []
        for acct in sorted(os.listdir(m.p('accounts'))):
            res = m.p('accounts', acct, 'resources')
            if not os.path.isdir(res):
                continue
            try:
                os.listdir(res)
            except OSError as e:
                assert e.errno == errno.EACCES
                refused.append(acct)
        assert refused, 'the demo refuses no account'
        for acct in refused:
            out = assert_ls_clean(m.p('accounts', acct))
            assert 'resources' in out
            assert_ls_clean(m.p('accounts', acct, 'config'))
            rc, out, err = ls_l('-d', m.p('accounts', acct, 'resources'))
            assert rc == 0 and out.startswith('dr-xr-xr-x'), (out, err)
