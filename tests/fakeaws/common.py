"""Shared pieces of the fake services: errors, request context, page tokens."""

import base64
import hashlib
import hmac
import json
import time


class ApiError(Exception):
    """An error reply; rendered per protocol by the server."""

    def __init__(self, status, code, message, extra=None, sender=True):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}
        self.sender = sender


class Reply:
    def __init__(self, status=200, body=b'', ctype='application/x-amz-json-1.1',
                 headers=None, kind='json'):
        self.status = status
        self.body = body
        self.ctype = ctype
        self.headers = headers or []
        self.kind = kind  # json, xml, text: what "malformed" must break
        self.code = None


class Ctx:
    """Everything a service handler needs to know about one request."""

    def __init__(self, **kw):
        self.state = None
        self.org = None
        self.service = None
        self.op = None
        self.params = {}
        self.account = None
        self.region = None
        self.access_key = None
        self.identity = None
        self.headers = {}
        self.method = 'POST'
        self.path = '/'
        self.query = {}
        self.body = b''
        self.now = time.time()
        self.page = 1
        self.__dict__.update(kw)


def dumps(obj):
    return json.dumps(obj, separators=(',', ':'), ensure_ascii=False).encode('utf-8')


def iso8601(t, millis=False):
    if millis:
        return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t)) + '.%03dZ' % int((t % 1) * 1000)
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


class Tokens:
    """Opaque, tamper-evident pagination tokens bound to an op and its inputs."""

    def __init__(self, secret):
        self.secret = secret.encode()

    def _mac(self, data):
        return hmac.new(self.secret, data, hashlib.sha256).hexdigest()[:16]

    @staticmethod
    def scope_of(params, skip=('NextToken', 'MaxResults', 'PaginationToken',
                               'ResourcesPerPage', 'TagsPerPage', 'Limit', 'nextToken',
                               'maxResults')):
        clean = {k: v for k, v in params.items() if k not in skip}
        return hashlib.sha1(json.dumps(clean, sort_keys=True, default=str).encode()).hexdigest()[:10]

    def encode(self, op, scope, offset, page, **extra):
        st = {'op': op, 's': scope, 'o': offset, 'p': page, 't': int(time.time())}
        st.update(extra)
        raw = json.dumps(st, separators=(',', ':')).encode()
        blob = raw + b'|' + self._mac(raw).encode()
        return base64.b64encode(blob).decode()

    def peek(self, token):
        """Decoded state or None; no op/scope check (used for page numbers)."""
        try:
            blob = base64.b64decode(token.encode(), validate=True)
            raw, mac = blob.rsplit(b'|', 1)
            if not hmac.compare_digest(mac.decode(), self._mac(raw)):
                return None
            return json.loads(raw)
        except Exception:
            return None

    def decode(self, op, scope, token):
        st = self.peek(token) if isinstance(token, str) else None
        if st is None or st.get('op') != op or st.get('s') != scope:
            return None
        return st


def int_param(params, name, default, lo, hi, err):
    """Validated integer parameter; err(reason, message) builds the ApiError."""
    v = params.get(name)
    if v is None:
        return default
    try:
        v = int(v)
    except (TypeError, ValueError):
        raise err('INVALID_INPUT', "Value at '%s' is not a number" % name)
    if v < lo:
        raise err('MIN_VALUE_EXCEEDED', "1 validation error detected: Value '%d' at '%s' failed to "
                  "satisfy constraint: Member must have value greater than or equal to %d" % (v, name, lo))
    if v > hi:
        raise err('MAX_VALUE_EXCEEDED', "1 validation error detected: Value '%d' at '%s' failed to "
                  "satisfy constraint: Member must have value less than or equal to %d" % (v, name, hi))
    return v
