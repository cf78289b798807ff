"""Listings derived from other data refresh in the kernel (orgfs(1),
FRESHNESS): after the TTL, and at once after SIGHUP.

The kernel keeps a directory's listing until orgfs tells it to drop it.
For each derived directory the fake endpoint's organization is changed
(fixture.mutate) and `ls` must show the change once the TTL has passed
(waiting on the condition, bounded), and then, after a second change and
a SIGHUP, on the very first `ls` after the SIGHUP was handled
(.orgfs/status cache_drops).  No read after a SIGHUP returns data fetched
before it.
"""
import errno
import os
import signal

import pytest

from expected import Org, esc
from fixture import FakeAWS
from orgfsmount import Mount, aws_env, status, wait_for

TTL = 2
# past the TTL, the refresh it schedules, and the crawl behind owners/
# and tags/ (60 accounts): bounded, not a fixed sleep
WAIT = 12 * TTL


def _unowned(o):
    """An account under the first top-level OU, and its chain up to it."""
    root = o['roots'][0]['Id']
    top = [u['Id'] for u in o['ous'] if u['ParentId'] == root][0]
    ob = Org(o)
    for a in sorted(ob.accounts):
        chain = ob.chain(a)
        if top in chain:
            return a, chain[:chain.index(top) + 1] + [root]
    raise AssertionError('no account under ' + top)


@pytest.fixture(scope='module')
def fake():
    f = FakeAWS(accounts=60, seed=41)
    # one account nobody owns, so that unowned/ lists it
    _, chain = _unowned(f.org())
    f.mutate({'remove_tags': {i: ['Owner', 'Team'] for i in chain}})
    yield f
    f.stop()


@pytest.fixture(scope='module')
def mnt(fake):
    with Mount(['--endpoint=' + fake.url, '-o',
                'ttl=%d,resources=off,rate_organizations=0' % TTL],
               env=aws_env(fake)) as m:
        yield m


def org(fake):
    return Org(fake.org())


def members(fake):
    o = org(fake)
    mgmt = fake.mgmt_account
    return o, [a for a in sorted(o.accounts) if a != mgmt]


def unowned_account(fake):
    return _unowned(fake.org())[0]


# Each case: (name, directory to list (parts), first change, second
# change, the name each change makes appear (or disappear, with '-')).
# Changes are functions of (fake, case number) so that each case touches
# its own accounts and names.
def _acct(fake, i):
    """The account case i changes: its own, not the unowned one, not
    directly under the OU case_ou_accounts moves accounts into."""
    o, accts = members(fake)
    skip = unowned_account(fake)
    dest = _ous(fake)[1][-1]
    accts = [a for a in accts if a != skip and
             o.accounts[a]['ParentId'] != dest]
    return accts[3 + 2 * i]


def _owner(fake, i, n):
    return (lambda a: ({'tags': {a: {'Owner': 'zz-own-%d-%d' % (i, n)}}},
                       'zz-own-%d-%d' % (i, n)))(_acct(fake, i))


def case_owners(fake, i, n):
    spec, name = _owner(fake, i, n)
    return ['owners'], spec, esc(name), True


def case_owner_accounts(fake, i, n):
    a = _acct(fake, i)
    spec = {'tags': {a: {'Owner': 'zz-acc-%d' % i}}} if n == 1 else \
        {'tags': {a: {'Owner': 'zz-acc-%d-2' % i}}}
    # first change: the account appears under its new owner; second: it
    # leaves that owner's accounts/
    return ['owners', 'zz-acc-%d' % i, 'accounts'], spec, a, n == 1


def case_unowned(fake, i, n):
    a = unowned_account(fake)
    spec = {'tags': {a: {'Owner': 'zz-un-%d' % i}}} if n == 1 else \
        {'remove_tags': {a: ['Owner', 'Team']}}
    return ['unowned', 'accounts'], spec, a, n != 1


def case_tag_keys(fake, i, n):
    k = 'ZzKey%d%d' % (i, n)
    return ['tags'], {'tags': {_acct(fake, i): {k: 'v'}}}, esc(k), True


def case_tag_values(fake, i, n):
    v = 'zz-val-%d-%d' % (i, n)
    return ['tags', 'Owner'], {'tags': {_acct(fake, i): {'Owner': v}}}, \
        esc(v), True


def case_tag_value_accounts(fake, i, n):
    a = _acct(fake, i)
    spec = {'tags': {a: {'ZzProj': 'p%d' % i}}} if n == 1 else \
        {'remove_tags': {a: ['ZzProj']}}
    return ['tags', 'ZzProj', 'p%d' % i, 'accounts'], spec, a, n == 1


def case_by_name(fake, i, n):
    name = 'zz renamed %d %d' % (i, n)
    return ['by-name'], {'account': {_acct(fake, i): {'Name': name}}}, \
        esc(name), True


def _ous(fake):
    o = fake.org()
    root = o['roots'][0]['Id']
    return root, [u['Id'] for u in o['ous'] if u['ParentId'] == root]


def case_ou_accounts(fake, i, n):
    root, top = _ous(fake)
    a = _acct(fake, i)
    dest = top[-1]
    spec = {'account': {a: {'ParentId': dest if n == 1 else root}}}
    return ['ous', dest, 'accounts'], spec, a, n == 1


def case_tree(fake, i, n):
    root, top = _ous(fake)
    o = org(fake)
    name = 'ZzOU %d %d' % (i, n)
    return ['tree', esc(o.node(root)['Name'])], \
        {'ou': {top[-1]: {'Name': name}}}, esc(name), True


def _policy(fake, i):
    """A policy of the organization's own (not AWS-managed) that applies
    to the account of case i through no target."""
    a = _acct(fake, i)
    chain = set(org(fake).chain(a))     # what it inherits from too
    pols = [p for p in fake.org()['policies']
            if not p['AwsManaged'] and not chain & set(p['Targets'])]
    return sorted(pols, key=lambda p: p['Id'])[0]


def _attach(fake, i, n):
    a = _acct(fake, i)
    pol = _policy(fake, i) if n == 1 else \
        [p for p in fake.org()['policies'] if a in p['Targets'] and
         not p['AwsManaged']][0]
    targets = [t for t in pol['Targets'] if t != a] + ([a] if n == 1 else [])
    return a, pol['Id'], {'policy': {pol['Id']: {'Targets': targets}}}


def case_policy_targets(fake, i, n):
    a, pid, spec = _attach(fake, i, n)
    return ['policies', pid, 'targets'], spec, a, n == 1


def case_account_policies(fake, i, n):
    a, pid, spec = _attach(fake, i, n)
    return ['accounts', a, 'policies'], spec, pid, n == 1


CASES = [case_owners, case_owner_accounts, case_unowned, case_tag_keys,
         case_tag_values, case_tag_value_accounts, case_by_name,
         case_ou_accounts, case_tree, case_policy_targets,
         case_account_policies]


def listing(mnt, parts):
    try:
        return set(os.listdir(mnt.p(*parts)))
    except FileNotFoundError:
        return set()


def shows(mnt, parts, name, present):
    return (name in listing(mnt, parts)) == present


def sighup(mnt):
    before = int(status(mnt)['cache_drops'])
    mnt.signal(signal.SIGHUP)
    wait_for(lambda: int(status(mnt)['cache_drops']) > before, timeout=10,
             what='the SIGHUP to be handled')


@pytest.mark.parametrize('case', CASES, ids=lambda c: c.__name__[5:])
def test_derived_listing_refreshes(fake, mnt, case):
    i = CASES.index(case)
    parts, spec, name, present = case(fake, i, 1)
    # the kernel holds the listing before the change
    listing(mnt, parts)
    assert not shows(mnt, parts, name, present), (parts, name)
    listing(mnt, parts)
    fake.mutate(spec)
    # past the TTL, ls shows the change (the first ls after the TTL may
    # still show the old listing while it is refreshed)
    wait_for(lambda: shows(mnt, parts, name, present), timeout=WAIT,
             what='ls %s to show the change (%s)' % ('/'.join(parts), name),
             interval=0.2)
    # a second change, then SIGHUP: the first ls after it shows it
    parts2, spec2, name2, present2 = case(fake, i, 2)
    listing(mnt, parts2)
    fake.mutate(spec2)
    sighup(mnt)
    assert shows(mnt, parts2, name2, present2), \
        'ls %s after SIGHUP: %s' % ('/'.join(parts2), sorted(listing(mnt, parts2)))


def test_no_read_after_sighup_is_older(fake, mnt):
    """After SIGHUP, no read returns data fetched before it: the name an
    account's file shows agrees with by-name/ at once."""
    a = members(fake)[1][-1]
    for n in range(3):
        with open(mnt.p('accounts', a, 'name')) as fh:
            fh.read()
        os.listdir(mnt.p('by-name'))
        new = 'zz hup %d' % n
        fake.mutate({'account': {a: {'Name': new}}})
        sighup(mnt)
        with open(mnt.p('accounts', a, 'name')) as fh:
            assert fh.read() == new + '\n'
        assert esc(new) in os.listdir(mnt.p('by-name'))
        assert os.readlink(mnt.p('by-name', esc(new))).endswith(a)


def test_outage_past_max_stale(fakeaws_factory):
    """During an outage a listing the kernel keeps is not served past
    max_stale: ls fails (EIO) while the data behind it cannot be had."""
    f = fakeaws_factory(accounts=8, seed=42)
    with Mount(['--endpoint=' + f.url, '-o',
                'ttl=1,max_stale=1,error_ttl=1,max_attempts=1,resources=off,'
                'rate_organizations=0'],
               env=aws_env(f), allow=[r'^orgfs: ']) as m:
        before = os.listdir(m.p('owners'))
        assert before
        f.control({'down': True})
        try:
            def refused():
                try:
                    os.listdir(m.p('owners'))
                except OSError as e:
                    return e.errno == errno.EIO
                return False
            wait_for(refused, timeout=30, interval=0.2,
                     what='ls owners to fail during the outage')
        finally:
            f.control({'down': False})
        def back():
            try:
                return sorted(os.listdir(m.p('owners'))) == sorted(before)
            except OSError:
                return False
        wait_for(back, timeout=30, interval=0.2, what='ls owners to come back')


def test_view_mtime_is_its_data(fake, mnt):
    """stat of a derived directory tells the fetch time its listing comes
    from, as user.orgfs.fetched does (not the time of the mount)."""
    import calendar
    import time

    def agree():
        os.listdir(mnt.p('owners'))
        fetched = os.getxattr(mnt.p('owners'), 'user.orgfs.fetched').decode()
        t = calendar.timegm(time.strptime(fetched, '%Y-%m-%dT%H:%M:%SZ'))
        return int(os.stat(mnt.p('owners')).st_mtime) == t and \
            t > int(os.stat(mnt.p('.orgfs')).st_mtime)
    wait_for(agree, timeout=WAIT, interval=0.2,
             what='owners/ mtime to be its data fetch time')
