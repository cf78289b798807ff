"""Compare lib/sigv4.c with botocore on generated requests.

Run: /usr/bin/python3 -m pytest tests/sigv4 (ORGFS_BUILD_DIR selects the
build, default build/ of this checkout; the tool is tests/client/sigv4dump).

Each request is generated deterministically (fixed seed), signed by
botocore (SigV4Auth, or S3SigV4Auth for the S3 mode, with the clock frozen
the way botocore's own tests freeze it: patching botocore.auth.datetime)
and by the C signer through sigv4dump; canonical request, string to sign,
signature, signed headers and Authorization must be identical.

How inputs are given to each side:
* path: the same wire text.  botocore takes it from the URL, normalises it
  and quotes it again (double encoding) - the C signer is given the same
  wire path and cfg double_encode = normalize_path = 1.  In S3 mode both
  use it as it is.
* query: botocore's URL branch sorts the raw pairs without decoding and
  re-encoding them, so it is not an independent check; botocore is given
  the decoded (name, value) pairs as request.params (which it encodes
  strictly itself) and the C signer a wire query encoded in a random mix
  of ways (raw or escaped unreserved characters, lower- or upper-case hex,
  raw UTF-8, raw '+', '=', '/', ':' ...), which it must decode and
  re-encode to the same text.
* headers: the same (name, value) list, duplicates appended in order.
  botocore 1.29.27's SIGNED_HEADERS_BLACKLIST holds only expect,
  user-agent and x-amzn-trace-id; newer botocore also skips connection,
  keep-alive, proxy-authenticate, proxy-authorization, te, trailer,
  transfer-encoding and upgrade, as lib/sigv4.c does, so the test swaps
  in that newer list.

Inputs botocore cannot express (covered by tests/unit/test_sigv4.c
instead, never silently skipped here):
* bytes that are not UTF-8 in the path, query or header values (botocore
  works on str);
* a raw '?', '#', TAB, CR or LF in the path (urlsplit splits at or drops
  them);
* malformed percent escapes and empty pieces ("a&&b") in the query:
  request.params holds decoded pairs only;
* a missing Host header (botocore derives it from the URL, the C signer
  requires it);
* a Date header (botocore rewrites it and then omits X-Amz-Date);
* header values with non-ASCII whitespace or \\x1c-\\x1f (Python's
  str.split() collapses them, SigV4's Trimall and the C signer do not).
"""

import base64
import datetime
import hashlib
import json
import os
import random
import subprocess
from unittest import mock

import pytest
import botocore.auth
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SEED = 20150830
NCASES = 1200
NEWER_BLACKLIST = [
    'connection', 'expect', 'keep-alive', 'proxy-authenticate',
    'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade',
    'user-agent', 'x-amzn-trace-id',
]
UNRESERVED = ('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
              '0123456789-._~')
SUB_DELIMS = "!$&'()*+,;=:@"


def build_dir():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.environ.get('ORGFS_BUILD_DIR', os.path.join(root, 'build'))


def sigv4dump_path():
    return os.path.join(build_dir(), 'tests', 'client', 'sigv4dump')


# ---------------------------------------------------------------- generator

def rand_word(rng, alphabet=UNRESERVED, lo=1, hi=8):
    return ''.join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def rand_path_segment(rng):
    kind = rng.random()
    if kind < 0.35:
        return rand_word(rng)
    if kind < 0.45:
        return rng.choice(['.', '..'])
    if kind < 0.55:
        return ''                               # repeated slash
    if kind < 0.65:                             # already percent-encoded
        return ''.join(rng.choice(
            ['%2F', '%20', '%3A', '%3a', '%25', '%E1%88%B4', '%2e', '%7E',
             'x']) for _ in range(rng.randint(1, 4)))
    if kind < 0.75:                             # raw reserved characters
        return ''.join(rng.choice(SUB_DELIMS + 'ab') for _ in
                       range(rng.randint(1, 5)))
    if kind < 0.85:                             # unicode
        return ''.join(rng.choice(['\u00e9', '\u1234', '\U0001f600', 'z',
                                   '\u00df']) for _ in range(rng.randint(1, 3)))
    if kind < 0.92:
        return 'a b' if rng.random() < 0.5 else 'arn:aws:x/My View'
    return rand_word(rng, UNRESERVED + SUB_DELIMS + '%', 1, 6)


def rand_path(rng):
    if rng.random() < 0.1:
        return rng.choice(['/', '//', '/./', '/..', '/../..', '/.'])
    segs = [rand_path_segment(rng) for _ in range(rng.randint(1, 6))]
    path = '/' + '/'.join(segs)
    if rng.random() < 0.3:
        path += '/'
    return path


def rand_qtext(rng):
    kind = rng.random()
    if kind < 0.3:
        return rand_word(rng)
    if kind < 0.5:
        return rand_word(rng, UNRESERVED + SUB_DELIMS + '/?#%[] ', 1, 8)
    if kind < 0.6:
        return ''.join(rng.choice(['\u1234', '\u00e9', 'P', '\U0001f600'])
                       for _ in range(rng.randint(1, 3)))
    if kind < 0.7:
        return rng.choice(['Param', 'Param-3', 'param', 'Param1', '_', '~'])
    if kind < 0.8:
        return 'a+b=c&d'
    return rand_word(rng, 'aAbB', 1, 3)


def wire_encode(rng, text, is_name):
    """Encode text for the wire in one of many equivalent ways."""
    out = []
    for ch in text:
        raw = ch.encode('utf-8')
        if ch in UNRESERVED:
            must = False
        elif ch in '&#%':
            must = True
        elif ch == '=':
            must = is_name
        else:
            must = False
        if must or rng.random() < 0.5:
            hexfmt = '%%%02X' if rng.random() < 0.6 else '%%%02x'
            out.append(''.join(hexfmt % b for b in raw))
        else:
            out.append(ch)
    return ''.join(out)


def rand_query(rng):
    """(params for botocore, wire query for the C signer)"""
    r = rng.random()
    if r < 0.25:
        return [], None
    if r < 0.3:
        return [], ''
    params = []
    for _ in range(rng.randint(1, 7)):
        if params and rng.random() < 0.25:      # repeated key
            key = rng.choice(params)[0]
        else:
            key = rand_qtext(rng)
        val = '' if rng.random() < 0.2 else rand_qtext(rng)
        params.append((key, val))
    pieces = []
    for key, val in params:
        piece = wire_encode(rng, key, True)
        if val or rng.random() < 0.5:
            piece += '=' + wire_encode(rng, val, False)
        pieces.append(piece)
    return params, '&'.join(pieces)


def rand_value(rng):
    kind = rng.random()
    if kind < 0.3:
        return rand_word(rng, UNRESERVED + ' ', 1, 12)
    if kind < 0.45:
        return '  ' + rand_word(rng) + '   ' + rand_word(rng) + ' \t'
    if kind < 0.55:                             # folded lines
        return (rand_word(rng) + rng.choice(['\r\n  ', '\n\t', '\n     ']) +
                rand_word(rng) + rng.choice(['\r\n ', '\n  ']) +
                rand_word(rng))
    if kind < 0.62:
        return ''
    if kind < 0.7:
        return '"a   b   c"'
    if kind < 0.8:
        return rand_word(rng, UNRESERVED + SUB_DELIMS + '"/?#%[]{}<>|^`\\',
                         1, 20)
    if kind < 0.88:
        return 'caf\u00e9 \u1234 ' + rand_word(rng)
    return rand_word(rng).upper()


HEADER_NAMES = ['Content-Type', 'X-Amz-Target', 'My-Header1', 'my-header1',
                'X-Custom', 'x-custom', 'Accept', 'If-Match',
                'X-Amz-Meta-Foo', 'Content-Encoding', 'A', 'Z-Last',
                'x_under', 'X.Dot', "X-Tick'"]
UNSIGNED_NAMES = ['User-Agent', 'Expect', 'X-Amzn-Trace-Id', 'Connection',
                  'Keep-Alive', 'TE', 'Trailer', 'Transfer-Encoding',
                  'Upgrade', 'Proxy-Authorization', 'Proxy-Authenticate']


def rand_case(rng, name):
    return ''.join(c.upper() if rng.random() < 0.3 else c.lower()
                   for c in name) if rng.random() < 0.3 else name


def rand_headers(rng, host, s3, token):
    headers = [(rand_case(rng, 'Host'), host)]
    for _ in range(rng.randint(0, 7)):
        r = rng.random()
        if r < 0.12:
            name = rng.choice(UNSIGNED_NAMES)
        elif r < 0.16:
            name = 'X-Amz-Date'                 # stale, replaced
        elif r < 0.19:
            name = 'X-Amz-Security-Token'       # replaced when a token
        elif r < 0.21 and not s3:
            headers.append(('X-Amz-Content-SHA256',
                            rng.choice(['UNSIGNED-PAYLOAD', '0' * 64])))
            continue
        elif r < 0.23 and s3:
            name = 'X-Amz-Content-SHA256'       # replaced in S3 mode
        else:
            name = rand_case(rng, rng.choice(HEADER_NAMES))
        headers.append((name, rand_value(rng)))
        if rng.random() < 0.15:                 # duplicate name
            headers.append((rand_case(rng, name), rand_value(rng)))
    rng.shuffle(headers)
    return headers


def rand_body(rng, i):
    r = rng.random()
    if r < 0.3:
        return b''
    if r < 0.6:
        return json.dumps({'MaxResults': rng.randint(1, 100),
                           'NextToken': rand_word(rng)}).encode()
    if r < 0.8:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))
    if r < 0.99:
        return ('Action=Get&Version=2011-06-15&x=' + rand_word(rng)).encode()
    # > 1 MiB
    n = (1 << 20) + rng.randint(1, 300000)
    return (rand_word(rng) * (n // 4 + 1)).encode()[:n]


def generate(n=NCASES, seed=SEED):
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        s3 = rng.random() < 0.15
        token = None
        if rng.random() < 0.4:
            token = rand_word(rng, UNRESERVED + '+/=', 16, 300)
        host = rng.choice(['example.amazonaws.com',
                           'organizations.us-east-1.amazonaws.com',
                           '127.0.0.1:8080', 'bucket.s3.amazonaws.com'])
        params, query = rand_query(rng)
        when = rng.randint(946684800, 2145916799)
        case = {
            'id': i,
            'method': rng.choice(['GET', 'POST', 'PUT', 'DELETE', 'HEAD',
                                  'PATCH', 'OPTIONS']),
            'path': rand_path(rng),
            'query': query,
            'params': params,
            'headers': rand_headers(rng, host, s3, token),
            'body': rand_body(rng, i),
            'access_key': 'AKID' + rand_word(rng, 'ABCDEFGHIJ0123456789',
                                             16, 16),
            'secret_key': rand_word(rng, UNRESERVED + '+/', 40, 40),
            'token': token,
            'region': rng.choice(['us-east-1', 'eu-west-3', 'ap-south-2',
                                  'cn-north-1']),
            'service': ('s3' if s3 else rng.choice(
                ['organizations', 'sts', 'tagging', 'config',
                 'resource-explorer-2', 'service'])),
            'time': when,
            's3': s3,
        }
        if rng.random() < 0.01:
            # a fixed point inside the generated set: the suite's vanilla
            case.update(method='GET', path='/', query=None, params=[],
                        headers=[('Host', 'example.amazonaws.com')],
                        body=b'', access_key='AKIDEXAMPLE',
                        secret_key='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
                        token=None, region='us-east-1', service='service',
                        time=1440938160, s3=False)
        cases.append(case)
    return cases


# ------------------------------------------------------------------ signers

class CapturingMixin:
    def canonical_request(self, request):
        self.captured_creq = super().canonical_request(request)
        return self.captured_creq

    def string_to_sign(self, request, canonical_request):
        self.captured_sts = super().string_to_sign(request, canonical_request)
        return self.captured_sts

    def signature(self, string_to_sign, request):
        self.captured_sig = super().signature(string_to_sign, request)
        return self.captured_sig


class CapSigV4(CapturingMixin, SigV4Auth):
    pass


class CapS3SigV4(CapturingMixin, S3SigV4Auth):
    pass


def botocore_sign(case):
    url = 'http://' + case['headers_host'] + case['path']
    req = AWSRequest(method=case['method'], url=url, data=case['body'],
                     params=list(case['params']))
    for name, value in case['headers']:
        req.headers[name] = value               # appends duplicates
    creds = Credentials(case['access_key'], case['secret_key'], case['token'])
    cls = CapS3SigV4 if case['s3'] else CapSigV4
    auth = cls(creds, case['service'], case['region'])
    frozen = datetime.datetime.utcfromtimestamp(case['time'])
    with mock.patch('botocore.auth.datetime') as mock_dt, \
            mock.patch.object(botocore.auth, 'SIGNED_HEADERS_BLACKLIST',
                              NEWER_BLACKLIST):
        mock_dt.datetime.utcnow.return_value = frozen
        mock_dt.datetime.strptime = datetime.datetime.strptime
        auth.add_auth(req)
    signed = auth.captured_creq.split('\n')[-2]
    return {
        'canonical_request': auth.captured_creq,
        'string_to_sign': auth.captured_sts,
        'signature': auth.captured_sig,
        'authorization': req.headers['Authorization'],
        'signed_headers': signed,
        'amz_date': req.headers['X-Amz-Date'],
    }


def c_input(case):
    return {
        'id': case['id'], 'method': case['method'], 'path': case['path'],
        'query': case['query'],
        'headers': [list(h) for h in case['headers']],
        'body_b64': base64.b64encode(case['body']).decode(),
        'access_key': case['access_key'], 'secret_key': case['secret_key'],
        'token': case['token'], 'region': case['region'],
        'service': case['service'], 'time': case['time'],
        'double_encode': 0 if case['s3'] else 1,
        'normalize_path': 0 if case['s3'] else 1,
        'sign_body_header': 1 if case['s3'] else 0,
    }


def run_sigv4dump(cases):
    tool = sigv4dump_path()
    if not os.access(tool, os.X_OK):
        pytest.fail(f'{tool} not built (set ORGFS_BUILD_DIR)')
    text = ''.join(json.dumps(c_input(c)) + '\n' for c in cases)
    proc = subprocess.run([tool], input=text.encode(), capture_output=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(out) == len(cases)
    return {o['id']: o for o in out}


# -------------------------------------------------------------------- tests

@pytest.fixture(scope='module')
def cases():
    cs = generate()
    for c in cs:
        c['headers_host'] = next(v for n, v in c['headers']
                                 if n.lower() == 'host')
    return cs


@pytest.fixture(scope='module')
def c_results(cases):
    return run_sigv4dump(cases)


FIELDS = ['canonical_request', 'string_to_sign', 'signature',
          'signed_headers', 'authorization', 'amz_date']


def test_generated_set_covers_every_class(cases):
    """The comparison is only as good as the inputs: count the classes."""
    def count(pred):
        return sum(1 for c in cases if pred(c))

    assert len(cases) >= 1000
    assert count(lambda c: any(s in ('.', '..') for s in
                               c['path'].split('/'))) >= 100
    assert count(lambda c: '//' in c['path']) >= 100
    assert count(lambda c: '%' in c['path']) >= 100
    assert count(lambda c: any(ord(ch) > 127 for ch in c['path'])) >= 100
    assert count(lambda c: any(ch in c['path'] for ch in SUB_DELIMS)) >= 100
    assert count(lambda c: len({k for k, _ in c['params']}) <
                 len(c['params'])) >= 50
    assert count(lambda c: [p for p in c['params']] !=
                 sorted(c['params'])) >= 100
    assert count(lambda c: any(v == '' for _, v in c['params'])) >= 100
    assert count(lambda c: any('\n' in v for _, v in c['headers'])) >= 100
    assert count(lambda c: any('  ' in v for _, v in c['headers'])) >= 100
    assert count(lambda c: len({n.lower() for n, _ in c['headers']}) <
                 len(c['headers'])) >= 100
    assert count(lambda c: any(n.lower() in NEWER_BLACKLIST
                               for n, _ in c['headers'])) >= 100
    assert count(lambda c: len(c['body']) == 0) >= 100
    assert count(lambda c: len(c['body']) > (1 << 20)) >= 5
    assert count(lambda c: c['token']) >= 100
    assert count(lambda c: not c['token']) >= 100
    assert count(lambda c: c['s3']) >= 100


def test_c_signer_matches_botocore(cases, c_results):
    mismatches = []
    for case in cases:
        got = c_results[case['id']]
        assert 'error' not in got, (case['id'], got)
        want = botocore_sign(case)
        for field in FIELDS:
            if got[field] != want[field]:
                mismatches.append((case['id'], field, got[field],
                                   want[field]))
                break
    assert not mismatches, '%d of %d differ, first: %r' % (
        len(mismatches), len(cases), mismatches[:3])


def test_comparison_can_fail(cases):
    """A one-byte change on the C side must show up in the comparison."""
    case = dict(next(c for c in cases if not c['s3']))
    want = botocore_sign(case)
    tampered = dict(case, secret_key=case['secret_key'][:-1] + '!')
    got = run_sigv4dump([tampered])[case['id']]
    assert got['canonical_request'] == want['canonical_request']
    assert got['signature'] != want['signature']
    tampered = dict(case, path=case['path'] + 'x')
    got = run_sigv4dump([tampered])[case['id']]
    assert got['canonical_request'] != want['canonical_request']


def test_suite_vanilla_from_botocore(cases):
    """botocore itself, as driven here, reproduces the AWS suite."""
    case = dict(cases[0], method='GET', path='/', query=None, params=[],
                headers=[('Host', 'example.amazonaws.com')], body=b'',
                access_key='AKIDEXAMPLE',
                secret_key='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
                token=None, region='us-east-1', service='service',
                time=1440938160, s3=False,
                headers_host='example.amazonaws.com')
    want = botocore_sign(case)
    assert want['signature'] == ('5fa00fa31553b73ebf1942676e86291e8372ff2a'
                                 '2260956d9b8aae1d763fbf31')
    got = run_sigv4dump([case])[case['id']]
    assert got['signature'] == want['signature']
    assert hashlib.sha256(b'').hexdigest() in got['canonical_request']
