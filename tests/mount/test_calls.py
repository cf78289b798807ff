"""Call economy (issue 9): orgfs makes the calls an answer needs and no
others, never the same call twice, counted in the fake endpoint's log."""
import collections
import glob
import json
import os

from expected import Org
from orgfsmount import Mount, aws_env, wait_idle

ROOT_NAMES = {'README', 'accounts.tsv', 'org', 'accounts', 'by-name', 'ous',
              'tree', 'policies', 'owners', 'unowned', 'tags', 'compliance',
              '.orgfs', 'resources.tsv', 'services'}


def ok_calls(fake):
    return [r for r in fake.requests() if r.get('status') == 200]


def duplicates(calls):
    seen = collections.Counter(
        (r['service'], r['op'], r.get('account'), r.get('region'),
         json.dumps(r.get('params'), sort_keys=True)) for r in calls)
    return {k: n for k, n in seen.items() if n > 1}


def test_first_ls_of_the_root_calls_nothing(fakeaws_factory):
    """`ls` of a fresh mount lists the top directories without fetching
    the hierarchy, the policies or the accounts behind them."""
    fake = fakeaws_factory(accounts=40, seed=41)
    with Mount(['--endpoint=' + fake.url], env=aws_env(fake)) as m:
        wait_idle(m)
        fake.clear_requests()
        names = set(os.listdir(m.path))
        wait_idle(m)
        calls = fake.requests()
    assert names == ROOT_NAMES
    assert calls == [], [(r['service'], r['op']) for r in calls]


def test_owner_audit_makes_the_calls_a_script_makes(fakeaws_factory):
    """cat accounts/*/tags/Owner: the account list's pages and one
    ListTagsForResource per account, nothing else, nothing twice."""
    fake = fakeaws_factory(accounts=60, seed=42)
    org = Org(fake.org())
    with Mount(['--endpoint=' + fake.url, '-o', 'resources=off'],
               env=aws_env(fake)) as m:
        owners = {}
        for f in glob.glob(m.p('accounts', '*', 'tags', 'Owner')):
            with open(f) as fh:
                owners[f.split(os.sep)[-3]] = fh.read().rstrip('\n')
        wait_idle(m)
        # all of them since the mount, but the credential check
        calls = [r for r in ok_calls(fake) if r['op'] != 'GetCallerIdentity']
    ops = collections.Counter(r['op'] for r in calls)
    tagged = {r['params']['ResourceId'] for r in calls
              if r['op'] == 'ListTagsForResource'}
    pages = -(-len(org.accounts) // 20)
    print('owner audit of %d accounts: %s' % (len(org.accounts), dict(ops)))
    want = {aid: org.tags[aid]['Owner'] for aid in org.accounts
            if 'Owner' in org.tags.get(aid, {})}
    assert owners == want
    assert set(ops) == {'ListAccounts', 'ListTagsForResource'}, ops
    assert tagged == set(org.accounts)
    assert ops['ListTagsForResource'] == len(org.accounts)
    # the fake answers an empty page now and then: at most one per 7
    assert pages <= ops['ListAccounts'] <= pages + pages // 7 + 1
    assert duplicates(calls) == {}
