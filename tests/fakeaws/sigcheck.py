"""SigV4 verification with botocore's own signer, independent of the C code.

The received request is rebuilt as a botocore AWSRequest (method, the path and
query exactly as received, the headers named in SignedHeaders, the body) and
botocore.auth.SigV4Auth computes the canonical request, string to sign and
signature with the request's own X-Amz-Date as the timestamp (set in
request.context, so botocore's clock is never consulted and no patching or
locking is needed).
"""

import calendar
import hmac
import re
import hashlib
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_AUTH_RE = re.compile(
    r'^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]+)\s*$')
MAX_SKEW = 300


class SigError(Exception):
    """kind: missing, incomplete, unknown_key, bad_signature, expired_sig,
    bad_scope, bad_token, expired_token."""

    def __init__(self, kind, message, access_key=None, region=None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.access_key = access_key
        self.region = region


class _ExactHeadersSigV4(SigV4Auth):
    """SigV4Auth that canonicalises exactly the headers the client signed.

    botocore's own headers_to_sign() drops user-agent/expect and adds host when
    missing; a server must instead use the client's SignedHeaders list.
    """

    def __init__(self, credentials, service, region, signed):
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request):
        out = _Headers()
        for name in self._signed:
            for value in request.headers.get_all(name) or []:
                out.add(name, value)
        return out


class _Headers:
    """Case-insensitive multi-valued headers with the part of the HTTPHeaders
    interface SigV4Auth uses (iteration, get_all, in); email.message based
    HTTPHeaders costs more than the whole signature computation."""

    def __init__(self):
        self._d = {}

    def add(self, name, value):
        self._d.setdefault(name.lower(), []).append(value)

    def get_all(self, name, default=None):
        return self._d.get(name.lower(), default)

    def get(self, name, default=None):
        v = self._d.get(name.lower())
        return v[0] if v else default

    def __contains__(self, name):
        return name.lower() in self._d

    def __iter__(self):
        return iter(self._d)

    def items(self):
        return [(k, v) for k, vs in self._d.items() for v in vs]


class _ReceivedRequest(AWSRequest):
    """An AWSRequest holding the received bytes as they are (no re-preparation)."""

    def __init__(self, method, url, headers, body):
        super().__init__(method=method, url=url, data=body)
        self.headers = headers

    @property
    def body(self):
        return self.data


def parse_authorization(value):
    m = _AUTH_RE.match(value.strip())
    if not m:
        return None
    cred, signed, sig = m.groups()
    parts = cred.split('/')
    if len(parts) != 5 or parts[4] != 'aws4_request':
        return None
    return {'access_key': parts[0], 'date': parts[1], 'region': parts[2],
            'service': parts[3], 'signed_headers': signed.split(';'),
            'signature': sig.lower()}


def amz_date_to_epoch(s):
    if not isinstance(s, str) or len(s) != 16 or s[8] != 'T' or s[15] != 'Z':
        return None
    try:
        tm = (int(s[0:4]), int(s[4:6]), int(s[6:8]), int(s[9:11]), int(s[11:13]), int(s[13:15]))
    except ValueError:
        return None
    if not (1 <= tm[1] <= 12 and 1 <= tm[2] <= 31 and tm[3] < 24 and tm[4] < 60 and tm[5] < 61):
        return None
    return calendar.timegm(tm + (0, 0, 0))


def compute_signature(method, raw_path, headers, body, access_key, secret,
                      region, service, amz_date, signed_headers):
    """headers: list of (name, value) as received.  Returns hex signature."""
    hdrs = _Headers()
    lower_signed = [h.lower() for h in signed_headers]
    wanted = set(lower_signed)
    for name, value in headers:
        if name.lower() in wanted:
            hdrs.add(name, value)
    host = hdrs.get('host') or '127.0.0.1'
    req = _ReceivedRequest(method, 'http://%s%s' % (host, raw_path), hdrs, body)
    req.context['timestamp'] = amz_date
    signer = _ExactHeadersSigV4(Credentials(access_key, secret), service, region,
                                lower_signed)
    canonical = signer.canonical_request(req)
    sts = signer.string_to_sign(req, canonical)
    return signer.signature(sts, req)


def verify(method, raw_path, headers, body, keystore, now, expect_service,
           expect_regions=None):
    """Check a signed request.

    keystore(access_key) -> dict(secret, account, token or None, expires or None)
    Returns (key_info, parsed authorization).  Raises SigError.
    """
    hmap = {}
    for name, value in headers:
        hmap.setdefault(name.lower(), value)
    auth = hmap.get('authorization')
    if not auth:
        raise SigError('missing', 'Missing Authentication Token')
    parsed = parse_authorization(auth)
    if parsed is None:
        raise SigError('incomplete', "Authorization header requires 'Credential', 'SignedHeaders' "
                       "and 'Signature' parameters of the AWS4-HMAC-SHA256 form")
    ak, region = parsed['access_key'], parsed['region']
    amz_date = hmap.get('x-amz-date')
    if not amz_date:
        raise SigError('incomplete', "Authorization header requires existence of either a "
                       "'X-Amz-Date' or a 'Date' header.", ak, region)
    if 'host' not in parsed['signed_headers']:
        raise SigError('bad_signature', "'Host' must be a 'SignedHeader' in the AWS Authorization.",
                       ak, region)
    info = keystore(ak)
    if info is None:
        raise SigError('unknown_key', 'The security token included in the request is invalid.',
                       ak, region)
    ts = amz_date_to_epoch(amz_date)
    if ts is None:
        raise SigError('incomplete', 'Date must be in ISO-8601 \'basic format\'. Got \'%s\'.' % amz_date,
                       ak, region)
    if parsed['date'] != amz_date[:8]:
        raise SigError('bad_signature', "Credential should be scoped to a valid date: '%s'" % amz_date[:8],
                       ak, region)
    if parsed['service'] != expect_service:
        raise SigError('bad_signature', "Credential should be scoped to correct service: '%s'. " % expect_service,
                       ak, region)
    if expect_regions is not None and region not in expect_regions:
        raise SigError('bad_signature', "Credential should be scoped to a valid region. ", ak, region)
    if abs(now - ts) > MAX_SKEW:
        fmt = lambda t: time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(t))
        if ts < now:
            msg = 'Signature expired: %s is now earlier than %s (%s - 5 min.)' % (
                amz_date, fmt(now - MAX_SKEW), fmt(now))
        else:
            msg = 'Signature not yet current: %s is still later than %s (%s + 5 min.)' % (
                amz_date, fmt(now + MAX_SKEW), fmt(now))
        raise SigError('expired_sig', msg, ak, region)
    sha_hdr = hmap.get('x-amz-content-sha256')
    if sha_hdr is not None:
        if sha_hdr != hashlib.sha256(body).hexdigest():
            raise SigError('bad_signature', 'The provided x-amz-content-sha256 header does not '
                           'match what was computed.', ak, region)
    want = compute_signature(method, raw_path, headers, body, ak, info['secret'], region,
                             parsed['service'], amz_date, parsed['signed_headers'])
    if not hmac.compare_digest(want, parsed['signature']):
        raise SigError('bad_signature', 'The request signature we calculated does not match the '
                       'signature you provided. Check your AWS Secret Access Key and signing '
                       'method. Consult the service documentation for details.', ak, region)
    token = hmap.get('x-amz-security-token')
    if info.get('token') is not None:
        if token is None or not hmac.compare_digest(token, info['token']):
            raise SigError('bad_token', 'The security token included in the request is invalid.',
                           ak, region)
        if info.get('expires') is not None and info['expires'] <= now:
            raise SigError('expired_token', 'The security token included in the request is expired',
                           ak, region)
    elif token is not None:
        raise SigError('bad_token', 'The security token included in the request is invalid.', ak, region)
    return info, parsed
