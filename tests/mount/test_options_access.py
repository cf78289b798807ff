"""-o uid=, gid=, umask=, dmask=, fmask=: a mount shared with allow_other
made readable by one group, or one user, only; default_permissions
enforces it, and other users see it so.

The users and the group are made here (useradd, groupadd) when they are
missing, and removed again; that needs root.
"""
import grp
import os
import pwd
import shutil
import stat
import subprocess
import tempfile

import pytest

from orgfsmount import ORGFS, Mount

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which('useradd') or
    not shutil.which('runuser'),
    reason='makes users and runs commands as them: root, useradd, runuser')

GROUP = 'orgfs-t-readers'
INSIDE = 'orgfs-t-in'           # a member of GROUP
OUTSIDE = 'orgfs-t-out'         # not


def _run(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


@pytest.fixture(scope='module')
def people():
    made_group, made_users = False, []
    try:
        try:
            grp.getgrnam(GROUP)
        except KeyError:
            _run('groupadd', GROUP)
            made_group = True
        for user in (INSIDE, OUTSIDE):
            try:
                pwd.getpwnam(user)
            except KeyError:
                _run('useradd', '-M', '-N', '-s', '/usr/sbin/nologin', user)
                made_users.append(user)
        _run('usermod', '-a', '-G', GROUP, INSIDE)
        assert OUTSIDE not in grp.getgrnam(GROUP).gr_mem
        yield
    finally:
        for user in made_users:
            subprocess.run(['userdel', user], capture_output=True)
        if made_group:
            subprocess.run(['groupdel', GROUP], capture_output=True)


@pytest.fixture
def mountpoint():
    """A mountpoint other users can reach (pytest's tmp_path is 0700)."""
    d = tempfile.mkdtemp(prefix='orgfs-access-', dir='/tmp')
    os.chmod(d, 0o755)
    yield d
    os.rmdir(d)


def as_user(user, *cmd):
    return subprocess.run(['runuser', '-u', user, '--'] + list(cmd),
                          capture_output=True, text=True, timeout=30)


def config(m):
    with open(m.p('.orgfs', 'config')) as fh:
        return dict(ln.rstrip('\n').split('\t', 1) for ln in fh)


def test_group_only(people, mountpoint):
    """gid= and umask=027: the group reads, everyone else is refused."""
    gid = grp.getgrnam(GROUP).gr_gid
    with Mount(['--demo=20', '-o', 'allow_other,gid=%s,umask=027' % GROUP],
               path=mountpoint) as m:
        for path, mode in ((m.path, 0o550), (m.p('accounts'), 0o550),
                           (m.p('README'), 0o440),
                           (m.p('tables', 'accounts.tsv'), 0o440)):
            st = os.stat(path)
            assert st.st_uid == 0 and st.st_gid == gid, path
            assert stat.S_IMODE(st.st_mode) == mode, (path, oct(st.st_mode))
        link = m.p('by-name', os.listdir(m.p('by-name'))[0])
        assert os.lstat(link).st_gid == gid
        assert stat.S_ISLNK(os.lstat(link).st_mode)

        # what the other users see and may do
        r = as_user(INSIDE, 'stat', '-c', '%U %G %a', m.p('README'))
        assert r.stdout == 'root %s 440\n' % GROUP, r.stderr
        r = as_user(INSIDE, 'head', '-1', m.p('tables', 'accounts.tsv'))
        assert r.returncode == 0 and r.stdout.startswith('id\tname'), r.stderr
        r = as_user(INSIDE, 'ls', m.p('accounts'))
        assert r.returncode == 0 and len(r.stdout.split()) == 20, r.stderr
        for cmd in (['cat', m.p('README')], ['ls', m.path]):
            r = as_user(OUTSIDE, *cmd)
            assert r.returncode != 0 and 'Permission denied' in r.stderr, \
                (cmd, r.stdout, r.stderr)
        c = config(m)
        assert (c['uid'], c['gid']) == ('0', str(gid))
        assert (c['dir_mode'], c['file_mode']) == ('0550', '0440')


def test_one_user_only(people, mountpoint):
    """uid= (by number) and umask=077: that user reads, a member of the
    group does not."""
    uid = pwd.getpwnam(OUTSIDE).pw_uid
    with Mount(['--demo=20', '-o', 'allow_other,uid=%d,gid=%s,umask=077'
                % (uid, GROUP)], path=mountpoint) as m:
        st = os.stat(m.p('README'))
        assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (uid, 0o400)
        r = as_user(OUTSIDE, 'cat', m.p('README'))
        assert r.returncode == 0 and r.stdout, r.stderr
        r = as_user(INSIDE, 'cat', m.p('README'))
        assert r.returncode != 0 and 'Permission denied' in r.stderr


def test_dmask_fmask(people, mountpoint):
    """dmask and fmask refine umask: listable directories, files for the
    owner only."""
    with Mount(['--demo=20', '-o', 'allow_other,umask=077,dmask=022,'
                'fmask=077'], path=mountpoint) as m:
        assert stat.S_IMODE(os.stat(m.p('accounts')).st_mode) == 0o555
        assert stat.S_IMODE(os.stat(m.p('README')).st_mode) == 0o400
        r = as_user(INSIDE, 'ls', m.p('accounts'))
        assert r.returncode == 0 and r.stdout, r.stderr
        r = as_user(INSIDE, 'cat', m.p('README'))
        assert r.returncode != 0 and 'Permission denied' in r.stderr


@pytest.mark.parametrize('opt, msg', [
    ('uid=orgfs-t-nobody-here', "invalid uid 'orgfs-t-nobody-here': no such user"),
    ('gid=orgfs-t-nobody-here', "invalid gid 'orgfs-t-nobody-here': no such group"),
    ('uid=99999999999', "invalid uid '99999999999': out of range"),
    ('umask=8', "invalid umask '8': expected an octal mask"),
    ('dmask=1000', "invalid dmask '1000': expected an octal mask"),
    ('fmask=', "invalid fmask '': expected an octal mask"),
])
def test_bad_values(tmp_path, opt, msg):
    r = subprocess.run([ORGFS, '--demo', '-o', opt, str(tmp_path)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert r.stderr.splitlines() == ['orgfs: ' + r.stderr[7:].strip()]
    assert msg in r.stderr, r.stderr
    assert not os.path.ismount(str(tmp_path))
