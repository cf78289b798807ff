"""lib/aws against the fake AWS endpoint, through tests/client/awscall.

Run: /usr/bin/python3 -m pytest tests/client/test_client.py
(ORGFS_BUILD_DIR selects the build directory, default build/ of this checkout).
"""

import json
import os
import re
import shutil
import subprocess

import pytest

from clientlib import BUILD, ROOT_KEY, ROOT_SECRET

AWSCALL = os.path.join(BUILD, 'tests', 'client', 'awscall')

pytestmark = pytest.mark.skipif(not os.access(AWSCALL, os.X_OK),
                                reason='awscall not built in %s' % BUILD)

ORG = 'organizations'


def awscall(fake, kind, service, op, inp=None, *extra, secret=ROOT_SECRET,
            key=ROOT_KEY, region='us-east-1', wrapper=(), timeout=300):
    argv = list(wrapper) + [AWSCALL, '--endpoint', fake.url, '--region', region,
                            '--access-key', key, '--show-errno', '--stats',
                            kind, service, op]
    if inp is not None:
        argv.append(json.dumps(inp))
    argv += list(extra)
    env = dict(os.environ, AWSCALL_SECRET=secret)
    env.pop('AWSCALL_TOKEN', None)
    env.pop('AWS_MAX_ATTEMPTS', None)
    env.pop('AWS_RETRY_MODE', None)
    res = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=timeout)
    res.out = res.stdout.decode()
    res.err = res.stderr.decode()
    # never a crash, whatever the outcome
    assert res.returncode in (0, 1), (res.returncode, res.err)
    return res


def ok_json(res):
    assert res.returncode == 0, res.err
    return json.loads(res.out)


def error_line(res):
    """The one error line, checked for shape; stdout must be empty."""
    assert res.returncode == 1
    assert res.out == '', 'partial result printed: %r' % res.out[:200]
    lines = [l for l in res.err.splitlines() if l.startswith('awscall: ')]
    assert len(lines) == 2, res.err
    assert lines[1].startswith('awscall: errno ')
    return lines[0][len('awscall: '):], lines[1][len('awscall: errno '):]


def stats_of(res, op):
    m = re.search(r'^%s calls=(\d+) retries=(\d+) throttles=(\d+) errors=(\d+)$' % re.escape(op),
                  res.err, re.M)
    assert m, res.err
    return tuple(int(x) for x in m.groups())


def ops(fake, op):
    return [r for r in fake.requests() if r.get('op') == op]


def test_list_10000_accounts_each_once(fakeaws_factory):
    fake = fakeaws_factory(accounts=10000)
    want = sorted(a['Id'] for a in fake.org()['accounts'])
    assert len(want) == 10000
    res = awscall(fake, 'paginate', ORG, 'ListAccounts', None, '--items', 'Accounts')
    got = [a['Id'] for a in ok_json(res)]
    assert len(got) == len(set(got)), 'an account was listed twice'
    assert sorted(got) == want
    calls, retries, throttles, errors = stats_of(res, 'organizations:ListAccounts')
    # 20 per page, plus the fake's occasional empty pages that carry a token
    assert calls > 10000 // 20
    assert errors == 0
    reqs = ops(fake, 'ListAccounts')
    assert len(reqs) == calls
    assert all(r['signature_ok'] for r in reqs)


def check_listings(fake, mgmt):
    org = fake.org()
    accounts = ok_json(awscall(fake, 'paginate', ORG, 'ListAccounts', None,
                               '--items', 'Accounts', '--max-attempts', '12'))
    assert sorted(a['Id'] for a in accounts) == sorted(a['Id'] for a in org['accounts'])
    roots = ok_json(awscall(fake, 'paginate', ORG, 'ListRoots', None, '--items', 'Roots',
                            '--max-attempts', '12'))
    assert [r['Id'] for r in roots] == [r['Id'] for r in org['roots']]
    root = roots[0]['Id']
    ous = ok_json(awscall(fake, 'paginate', ORG, 'ListOrganizationalUnitsForParent',
                          {'ParentId': root}, '--items', 'OrganizationalUnits',
                          '--max-attempts', '12'))
    assert sorted(o['Id'] for o in ous) == \
        sorted(o['Id'] for o in org['ous'] if o['ParentId'] == root)
    arns = ok_json(awscall(fake, 'paginate', 'tagging', 'GetResources',
                           {'ResourcesPerPage': 20}, '--in-key', 'PaginationToken',
                           '--items', 'ResourceTagMappingList', '--max-attempts', '12',
                           region='eu-west-1'))
    want = fake.resources(mgmt, 'eu-west-1')
    assert sorted(r['ResourceARN'] for r in arns) == \
        sorted(r['ResourceARN'] for r in want if r.get('Tags') is not None)


def test_listings_complete_under_throttling_and_errors(fakeaws_factory):
    fake = fakeaws_factory(accounts=150, resources=60, throttle_rate=0.3, error_rate=0.05)
    mgmt = fake.mgmt_account
    check_listings(fake, mgmt)
    log = fake.requests()
    throttled = [r for r in log if r.get('code') in ('TooManyRequestsException',
                                                     'ThrottledException')]
    failed5xx = [r for r in log if (r.get('status') or 0) >= 500]
    assert throttled, 'no throttling happened: the test proves nothing'
    # every throttled request was retried: the next request of that
    # operation carries the same parameters
    for r in throttled:
        later = [x for x in log if x['seq'] > r['seq'] and x.get('op') == r['op']]
        assert later and later[0].get('params') == r.get('params'), r
    assert len(failed5xx) + len(throttled) < len(log)


def test_retry_budget_exhausted(fakeaws_factory):
    fake = fakeaws_factory(accounts=30, throttle_rate=1.0)
    res = awscall(fake, 'paginate', ORG, 'ListAccounts', None, '--items', 'Accounts',
                  '--max-attempts', '3')
    msg, err = error_line(res)
    assert msg.startswith('organizations:ListAccounts: TooManyRequestsException: '), msg
    assert re.search(r'\(request id [^ ,)]+, 3 attempts\)$', msg), msg
    assert err == 'EIO'
    assert len(ops(fake, 'ListAccounts')) == 3
    assert stats_of(res, 'organizations:ListAccounts') == (1, 2, 3, 1)


def test_failing_page_fails_whole_listing(fakeaws_factory):
    fake = fakeaws_factory(accounts=100)
    fake.control({'fail_page': {'op': 'ListAccounts', 'page': 3, 'status': 500,
                                'code': 'InternalFailure'}})
    res = awscall(fake, 'paginate', ORG, 'ListAccounts', None, '--items', 'Accounts',
                  '--max-attempts', '2')
    msg, err = error_line(res)
    assert 'organizations:ListAccounts: InternalFailure' in msg
    assert err == 'EIO'
    reqs = ops(fake, 'ListAccounts')
    assert len(reqs) == 4      # pages 1, 2 and page 3 twice


@pytest.mark.parametrize('setting,code', [
    ({'malformed_rate': 1.0}, 'MalformedResponse'),
    ({'truncate_rate': 1.0}, 'TruncatedResponse'),
    ({'reset_rate': 1.0}, 'ConnectionError'),
    ({'down': True}, 'ConnectionError'),
])
def test_bad_replies_clear_error(fakeaws_factory, setting, code):
    fake = fakeaws_factory(accounts=10)
    fake.control(setting)
    res = awscall(fake, 'json', ORG, 'ListAccounts', None, '--max-attempts', '2')
    msg, err = error_line(res)
    assert msg.startswith('organizations:ListAccounts: %s: ' % code), msg
    assert msg.endswith('(2 attempts)') or '2 attempts)' in msg, msg
    assert err == 'EIO'
    # the same through the query protocol (STS answers XML)
    res = awscall(fake, 'query', 'sts', 'GetCallerIdentity', None, '--max-attempts', '2')
    msg, err = error_line(res)
    assert msg.startswith('sts:GetCallerIdentity: %s: ' % code), msg


def test_oversize_reply_refused(fakeaws_factory):
    fake = fakeaws_factory(accounts=10)
    fake.control({'oversize_bytes': 300000})
    res = awscall(fake, 'json', ORG, 'DescribeOrganization', None,
                  '--max-response', '100000')
    msg, err = error_line(res)
    assert msg.startswith('organizations:DescribeOrganization: ResponseTooLarge: '), msg
    assert err == 'EIO'
    assert len(ops(fake, 'DescribeOrganization')) == 1, 'an oversize reply was retried'
    # the padding is valid JSON: under a larger cap the same reply is fine
    out = ok_json(awscall(fake, 'json', ORG, 'DescribeOrganization', None,
                          '--max-response', '1000000'))
    assert out['Organization']['MasterAccountId'] == fake.org()['organization']['MasterAccountId']


def test_tagging_pagination_ends_on_empty_string(fakeaws_factory):
    fake = fakeaws_factory(accounts=5, resources=95)
    mgmt = fake.mgmt_account
    got = ok_json(awscall(fake, 'paginate', 'tagging', 'GetResources',
                          {'ResourcesPerPage': 20}, '--in-key', 'PaginationToken',
                          '--items', 'ResourceTagMappingList', region='eu-west-1'))
    want = [r for r in fake.resources(mgmt, 'eu-west-1') if r.get('Tags') is not None]
    assert sorted(r['ResourceARN'] for r in got) == sorted(r['ResourceARN'] for r in want)
    reqs = ops(fake, 'GetResources')
    pages = -(-len(want) // 20)
    # no request after the page whose token was ""
    assert len(reqs) == pages
    assert 'PaginationToken' not in reqs[0]['params']
    assert all(r['params'].get('PaginationToken') for r in reqs[1:])
    assert all(r['region'] == 'eu-west-1' for r in reqs)


def test_sts_get_caller_identity_xml(fakeaws_factory):
    fake = fakeaws_factory(accounts=5)
    out = ok_json(awscall(fake, 'query', 'sts', 'GetCallerIdentity'))
    result = out['GetCallerIdentityResponse']['GetCallerIdentityResult']
    assert result['Account'] == fake.mgmt_account
    assert result['Arn'].startswith('arn:aws:iam::%s:' % fake.mgmt_account)
    assert out['GetCallerIdentityResponse']['ResponseMetadata']['RequestId']
    reqs = ops(fake, 'GetCallerIdentity')
    assert len(reqs) == 1 and reqs[0]['signature_ok']


@pytest.mark.parametrize('kind,service,op,code', [
    ('json', ORG, 'ListRoots', 'InvalidSignatureException'),
    ('query', 'sts', 'GetCallerIdentity', 'SignatureDoesNotMatch'),
])
def test_bad_secret_is_eacces_with_request_id(fakeaws_factory, kind, service, op, code):
    fake = fakeaws_factory(accounts=5)
    res = awscall(fake, kind, service, op, secret='not-the-secret')
    msg, err = error_line(res)
    assert msg.startswith('%s:%s: %s: ' % (service, op, code)), msg
    assert re.search(r'\(request id [0-9a-f-]{8,}\)$', msg), msg
    assert err == 'EACCES'
    assert 'not-the-secret' not in res.err
    assert len(ops(fake, op)) == 1, 'an auth failure was retried'


def test_unknown_key_is_eacces(fakeaws_factory):
    fake = fakeaws_factory(accounts=5)
    res = awscall(fake, 'json', ORG, 'ListRoots', key='AKIDNOBODY0000000000')
    msg, err = error_line(res)
    assert 'UnrecognizedClientException' in msg, msg
    assert err == 'EACCES'


@pytest.mark.skipif(not shutil.which('valgrind'), reason='valgrind not installed')
def test_small_listing_under_valgrind(fakeaws_factory):
    fake = fakeaws_factory(accounts=45)
    vg = ('valgrind', '--leak-check=full', '--errors-for-leak-kinds=definite,indirect',
          '--error-exitcode=99', '--quiet')
    res = awscall(fake, 'paginate', ORG, 'ListAccounts', None, '--items', 'Accounts',
                  wrapper=vg, timeout=600)
    assert len(ok_json(res)) == 45
    assert 'definitely lost' not in res.err and 'Invalid read' not in res.err, res.err
    # and a failing call: error paths free everything too
    fake.control({'throttle_rate': 1.0})
    res = subprocess.run(list(vg) + [AWSCALL, '--endpoint', fake.url, '--access-key', ROOT_KEY,
                                     '--max-attempts', '2', 'query', 'sts',
                                     'GetCallerIdentity'],
                         env=dict(os.environ, AWSCALL_SECRET=ROOT_SECRET),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    assert res.returncode == 1, res.stderr.decode()
    assert b'definitely lost' not in res.stderr, res.stderr.decode()
