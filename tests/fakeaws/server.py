#!/usr/bin/python3
"""Fake AWS endpoint for orgfs tests: one HTTP/1.1 port for every service.

Organizations, Resource Groups Tagging, Config, Resource Explorer, STS, SSO
portal, SSO-OIDC, EC2 IMDSv2 and container credentials, with SigV4 checked by
botocore, fault injection, rate limits, a request log and a control API under
/_fake/.  See tests/fakeaws/README.md.
"""

import argparse
import json
import os
import random
import secrets
import signal
import socket
import string
import struct
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sigcheck  # noqa: E402
import svc_config  # noqa: E402
import svc_creds  # noqa: E402
import svc_account  # noqa: E402
import svc_org  # noqa: E402
import svc_identitystore  # noqa: E402
import svc_resexp  # noqa: E402
import svc_ssoadmin  # noqa: E402
import svc_sts  # noqa: E402
import svc_tagging  # noqa: E402
from common import ApiError, Ctx, Reply, Tokens, dumps  # noqa: E402
from orggen import Org  # noqa: E402

ROOT_KEY = 'AKIDFAKEROOT000000'
ROOT_SECRET = 'fake/secret+root0000000000000000000000'

JSON_TARGETS = {
    'AWSOrganizationsV20161128': 'organizations',
    'ResourceGroupsTaggingAPI_20170126': 'tagging',
    'StarlingDoveService': 'config',
    'SWBExternalService': 'sso-admin',
    'AWSIdentityStore': 'identitystore',
}
SIGNING_NAME = {'organizations': 'organizations', 'tagging': 'tagging', 'config': 'config',
                'resource-explorer-2': 'resource-explorer-2', 'sts': 'sts',
                'sso-admin': 'sso', 'identitystore': 'identitystore',
                'account': 'account'}
RESEXP_OPS = {'Search', 'ListResources', 'ListViews', 'GetDefaultView', 'GetIndex', 'GetView',
              'ListIndexes'}
THROTTLE = {
    'organizations': (400, 'TooManyRequestsException',
                      "AWS Organizations can't complete your request because another request is "
                      "already in progress. Try again later."),
    'tagging': (400, 'ThrottledException', 'Rate exceeded'),
    'sts': (400, 'Throttling', 'Rate exceeded'),
    'config': (400, 'ThrottlingException', 'Rate exceeded'),
    'resource-explorer-2': (429, 'ThrottlingException', 'Rate exceeded'),
    'account': (429, 'TooManyRequestsException', 'Rate exceeded'),
    'sso': (429, 'TooManyRequestsException', 'Too many requests'),
    'sso-oidc': (400, 'SlowDownException', 'Slow down'),
    'sso-admin': (400, 'ThrottlingException', 'Rate exceeded'),
    'identitystore': (400, 'ThrottlingException', 'Rate exceeded'),
    'imds': (429, 'TooManyRequests', 'Too Many Requests'),
    'container': (429, 'TooManyRequests', 'Too Many Requests'),
}
SERVICE_ALIASES = {'resourcegroupstaggingapi': 'tagging', 'resource-explorer': 'resource-explorer-2',
                   'resourceexplorer': 'resource-explorer-2', 'oidc': 'sso-oidc',
                   'portal.sso': 'sso', 'starlingdoveservice': 'config',
                   'ssoadmin': 'sso-admin', 'swbexternalservice': 'sso-admin'}
DEFAULT_CONFIG = {
    'throttle_rate': 0.0, 'error_rate': 0.0, 'latency_ms': 0, 'jitter_ms': 0,
    'reset_rate': 0.0, 'truncate_rate': 0.0, 'malformed_rate': 0.0, 'fail_page': None,
    'down': False, 'rate_limits': {}, 'oversize_bytes': 0, 'deny_assume_role': [],
    'config_enabled': None, 'resexp_enabled': None, 'imds_v1_allowed': False,
    'container_token': None, 'sso_tokens': {}, 'oidc_clients': {},
    # extensions beyond the written contract (all default to "off")
    'session_duration_seconds': None, 'clock_skew_seconds': 0, 'oidc_expires_in': 28800,
    'imds_role': None, 'imds_account': None, 'container_account': None, 'container_role': None,
    'namespaced_errors': False, 'services': None,
    # IAM Identity Center: absent, delegated, identity store denied
    'sso_enabled': True, 'sso_delegated_admin': None, 'identitystore_denied': False,
    'sso_raw_assignments': None,
    # [{region, account?}]: the tagging API fails there (svc_tagging)
    'fail_regions': None,
    # GetCallerIdentity leaves these of UserId, Account, Arn out of its reply
    'caller_identity_omit': [],
}
MERGE_KEYS = {'sso_tokens', 'oidc_clients'}
LOG_MAX = 500000
CHARS = string.ascii_uppercase + string.digits


def _per_service(rate, svc):
    """A rate given for every service (a number) or per service ({"sso-admin": 0.3})."""
    if isinstance(rate, dict):
        return rate.get(svc) or 0.0
    return rate


def _norm_service(name):
    name = name.lower()
    return SERVICE_ALIASES.get(name, name)


class Bucket:
    def __init__(self, rate, burst):
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate))
        self.tokens = self.burst
        self.last = time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class State:
    def __init__(self, org, seed):
        self.org = org
        self.seed = seed
        self.lock = threading.Lock()
        self.config = json.loads(json.dumps(DEFAULT_CONFIG))
        self.rng = random.Random('faults/%d' % seed)
        self.tokens = Tokens('fake-page-token-key-%d' % seed)
        self.keys = {}
        self.sessions = {}
        self.buckets = {}
        self.log = []
        self.seq = 0
        self.waiting = 0            # requests held by the latency fault now
        self.internal_errors = 0
        self.imds_tokens = {}
        self.imds_cache = {}
        mgmt = org.mgmt
        self.add_key(ROOT_KEY, ROOT_SECRET, mgmt)

    # ------------------------------------------------------------- identities
    def add_key(self, ak, secret, account, arn=None):
        self.keys[ak] = {'access_key': ak, 'secret': secret, 'account': account, 'token': None,
                         'expires': None, 'kind': 'static',
                         'arn': arn or 'arn:aws:iam::%s:user/orgfs-test-%s' % (account, ak.lower()[-6:]),
                         'user_id': 'AIDA' + ak[-16:].upper().rjust(16, 'X')}

    def keystore(self, ak):
        with self.lock:
            return self.keys.get(ak) or self.sessions.get(ak)

    def issue_session(self, account, role_name, session_name, duration, kind, role_arn=None,
                      role_name_override=None):
        now = time.time()
        override = self.config.get('session_duration_seconds')
        if override is not None:
            duration = override
        elif duration is None:
            duration = 3600 if kind != 'imds' else 21600
        ak = 'ASIA' + ''.join(secrets.choice(CHARS) for _ in range(16))
        rname = role_name_override or role_name
        sess = {'access_key': ak, 'secret': secrets.token_urlsafe(30)[:40].replace('-', '+').replace('_', '/'),
                'token': 'FwoGZXIvYXdzE' + secrets.token_urlsafe(200).replace('-', '/').replace('_', '+') + '==',
                'account': account, 'expires': now + float(duration), 'issued': now, 'kind': kind,
                'role_arn': role_arn or 'arn:aws:iam::%s:role/%s' % (account, rname),
                'arn': 'arn:aws:sts::%s:assumed-role/%s/%s' % (account, rname, session_name),
                'user_id': 'AROA%s:%s' % (''.join(secrets.choice(CHARS) for _ in range(17)), session_name)}
        with self.lock:
            self.sessions[ak] = sess
        return sess

    def imds_session(self, account, role, now):
        with self.lock:
            sess = self.imds_cache.get((account, role))
        if sess is None or sess['expires'] - now < (sess['expires'] - sess['issued']) / 2:
            sess = self.issue_session(account, role, 'i-0fake0123456789ab', None, 'imds')
            with self.lock:
                self.imds_cache[(account, role)] = sess
        return sess

    def issue_imds_token(self, ttl, now):
        tok = 'AQAEA' + secrets.token_urlsafe(40)
        with self.lock:
            self.imds_tokens[tok] = now + ttl
        return tok

    def imds_token_ok(self, tok, now):
        with self.lock:
            exp = self.imds_tokens.get(tok)
        return exp is not None and exp > now

    def sso_token(self, tok):
        with self.lock:
            spec = self.config['sso_tokens'].get(tok)
        return _norm_sso_spec(spec) if spec is not None else None

    def oidc_client(self, cid):
        with self.lock:
            return self.config['oidc_clients'].get(cid)

    def register_oidc_refresh(self, cid, access, refresh, spec, expires):
        s = _norm_sso_spec(spec)
        s['expires'] = expires
        with self.lock:
            self.config['sso_tokens'][access] = s
            self.config['oidc_clients'][cid].setdefault('refresh_tokens', {})[refresh] = spec

    def config_enabled(self, account, region):
        ce = self.config.get('config_enabled')
        if ce is None:
            return True
        return region in (ce.get(account) or [])

    def resexp_enabled(self, account, region):
        ce = self.config.get('resexp_enabled')
        if ce is None:
            return True
        return region in (ce.get(account) or [])

    # ---------------------------------------------------------------- faults
    def chance(self, rate):
        if not rate:
            return False
        with self.lock:
            return self.rng.random() < float(rate)

    def jitter(self):
        lat = float(self.config.get('latency_ms') or 0)
        jit = float(self.config.get('jitter_ms') or 0)
        if jit:
            with self.lock:
                lat += self.rng.uniform(0, jit)
        return lat / 1000.0

    def rate_ok(self, service, account):
        limits = self.config.get('rate_limits') or {}
        spec = limits.get(service)
        if not spec:
            return True
        key = (service, account if spec.get('per_account') else None)
        with self.lock:
            b = self.buckets.get(key)
            if b is None:
                b = self.buckets[key] = Bucket(spec.get('rate', 1), spec.get('burst'))
            return b.take()

    def take_fail(self, spec):
        """A fail_page spec with "times": N fails only the next N requests it matches."""
        with self.lock:
            if 'times' not in spec:
                return True
            if int(spec['times']) <= 0:
                return False
            spec['times'] = int(spec['times']) - 1
            return True

    def update_config(self, changes):
        if not isinstance(changes, dict):
            raise ValueError('config must be a JSON object')
        unknown = [k for k in changes if k not in DEFAULT_CONFIG]
        if unknown:
            raise ValueError('unknown config keys: %s' % ', '.join(sorted(unknown)))
        with self.lock:
            for k, v in changes.items():
                if k in MERGE_KEYS:
                    for kk, vv in (v or {}).items():
                        if vv is None:
                            self.config[k].pop(kk, None)
                        else:
                            self.config[k][kk] = vv
                elif k == 'rate_limits':
                    self.config[k] = {_norm_service(s): spec for s, spec in (v or {}).items()}
                    self.buckets = {}
                elif k == 'fail_page' and v is not None:
                    specs = v if isinstance(v, list) else [v]
                    for s in specs:
                        if not isinstance(s, dict) or 'op' not in s:
                            raise ValueError('fail_page needs an "op"')
                    self.config[k] = v
                else:
                    self.config[k] = v
            return json.loads(json.dumps(self.config))

    # ------------------------------------------------------------------- log
    def record(self, rec):
        with self.lock:
            self.seq += 1
            rec['seq'] = self.seq
            self.log.append(rec)
            if len(self.log) > LOG_MAX:
                del self.log[:len(self.log) - LOG_MAX]


def _norm_sso_spec(spec):
    if isinstance(spec, str):
        return {'accounts': '*' if spec == '*' else [spec]}
    if isinstance(spec, list):
        return {'accounts': list(spec)}
    s = dict(spec)
    if 'account' in s:
        s['accounts'] = [s.pop('account')]
    s.setdefault('accounts', '*')
    return s


def _rst_close(handler):
    """Abort the connection with a TCP RST instead of an orderly close."""
    try:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        handler.connection.close()
    except OSError:
        pass
    handler.close_connection = True


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'Server'
    sys_version = ''
    state = None  # set on the class by main()

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    _date_cache = (0, '')

    def date_time_string(self, timestamp=None):
        if timestamp is not None:
            return super().date_time_string(timestamp)
        now = int(time.time())
        cached = Handler._date_cache
        if cached[0] != now:
            cached = Handler._date_cache = (now, super().date_time_string(now))
        return cached[1]

    def log_message(self, fmt, *args):  # quiet: the request log is in memory
        pass

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def do_PUT(self):
        self._serve()

    def do_DELETE(self):
        self._serve()

    def do_HEAD(self):
        self._serve()

    # ---------------------------------------------------------------- plumbing
    def _read_body(self):
        te = self.headers.get('Transfer-Encoding', '')
        if 'chunked' in te.lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b';', 1)[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b'\r\n', b'\n', b''):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b''.join(chunks)
        try:
            n = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            self.close_connection = True
            return b''
        return self.rfile.read(n) if n > 0 else b''

    def _send(self, status, body, ctype, headers=(), truncate=False):
        self.send_response(status)
        if ctype:
            self.send_header('Content-Type', ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(body)))
        if truncate:
            self.send_header('Connection', 'close')
            self.close_connection = True
        # One write for head and body: two small writes meet Nagle and delayed
        # ACK and cost 40 ms per reply.
        self._headers_buffer.append(b'\r\n')
        if self.command != 'HEAD':
            self._headers_buffer.append(body[:len(body) // 2] if truncate else body)
        data = b''.join(self._headers_buffer)
        self._headers_buffer = []
        self.wfile.write(data)

    def _serve(self):
        try:
            self._serve_inner()
        except (ConnectionError, BrokenPipeError, socket.timeout):
            self.close_connection = True
        except Exception:
            st = self.state
            with st.lock:
                st.internal_errors += 1
            sys.stderr.write('INTERNAL ERROR in %s %s\n%s' % (self.command, self.path, traceback.format_exc()))
            sys.stderr.flush()
            try:
                self._send(500, dumps({'__type': 'InternalFailure', 'message': 'fake server bug'}),
                           'application/json')
            except OSError:
                self.close_connection = True

    def _serve_inner(self):
        body = self._read_body()
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith('/_fake/'):
            return self._control(path, parts.query, body)
        st = self.state
        headers = list(self.headers.items())
        hmap = {k.lower(): v for k, v in reversed(headers)}
        now = time.time() + float(st.config.get('clock_skew_seconds') or 0)
        ctx = Ctx(state=st, org=st.org, method=self.command, path=path, body=body, headers=hmap,
                  query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                  now=now)
        rec = {'time': round(time.time(), 6), 'method': self.command, 'path': path, 'service': None,
               'op': None, 'account': None, 'region': None, 'params': None, 'status': None,
               'code': None, 'signature_ok': False, 'access_key': None, 'fault': None}
        proto = 'json'
        try:
            proto = self._classify(ctx, hmap)
            rec.update(service=ctx.service, op=ctx.op, params=ctx.params)
            reply = self._process(ctx, proto, hmap, rec)
        except ApiError as e:
            reply = self._error_reply(ctx, proto, e)
        rec.update(account=ctx.account, region=ctx.region, access_key=ctx.access_key,
                   params=ctx.params)
        if reply is None:  # connection dropped on purpose
            rec['status'] = 0
            st.record(rec)
            return
        rec['status'] = reply.status
        rec['code'] = reply.code
        fault = rec.get('fault')
        truncate = False
        if reply.status < 300 and fault is None:
            if reply.kind in ('json', 'xml') and st.config.get('oversize_bytes'):
                n = int(st.config['oversize_bytes'])
                if len(reply.body) < n:
                    reply.body += b' ' * (n - len(reply.body))
            if st.chance(st.config.get('malformed_rate')):
                rec['fault'] = 'malformed'
                reply.body = _malform(reply)
            elif st.chance(st.config.get('truncate_rate')):
                rec['fault'] = 'truncate'
                truncate = True
        st.record(rec)
        hdrs = list(reply.headers)
        if proto != 'imds':
            hdrs.append(('x-amzn-RequestId', ctx.request_id))
        self._send(reply.status, reply.body, reply.ctype, hdrs, truncate)

    # ------------------------------------------------------------------ routing
    def _classify(self, ctx, hmap):
        path, method = ctx.path, ctx.method
        ctx.request_id = str(uuid.uuid4())
        if path.startswith('/latest/'):
            ctx.service = 'imds'
            ctx.op = 'GetToken' if method == 'PUT' else 'GetMetadata'
            return 'imds'
        if path.startswith('/container/') or path == '/container':
            ctx.service, ctx.op = 'container', 'GetCredentials'
            return 'container'
        if method == 'GET' and path in ('/federation/credentials', '/assignment/accounts', '/assignment/roles'):
            ctx.service = 'sso'
            ctx.op = {'/federation/credentials': 'GetRoleCredentials', '/assignment/accounts': 'ListAccounts',
                      '/assignment/roles': 'ListAccountRoles'}[path]
            ctx.params = dict(ctx.query)
            return 'restjson'
        if path == '/token':
            ctx.service, ctx.op = 'sso-oidc', 'CreateToken'
            ctx.params = self._json_body(ctx, 'restjson')
            return 'restjson'
        if method == 'POST' and path == '/listRegions':
            ctx.service, ctx.op = 'account', 'ListRegions'
            ctx.params = self._json_body(ctx, 'restjson')
            return 'restjson'
        if method == 'POST' and path.lstrip('/') in RESEXP_OPS:
            ctx.service, ctx.op = 'resource-explorer-2', path.lstrip('/')
            ctx.params = self._json_body(ctx, 'restjson')
            return 'restjson'
        target = hmap.get('x-amz-target')
        if target:
            prefix, _, op = target.partition('.')
            svc = JSON_TARGETS.get(prefix)
            ctx.service, ctx.op = svc or 'unknown', op
            if svc is None:
                raise ApiError(400, 'UnknownOperationException', '')
            ctx.params = self._json_body(ctx, 'json')
            return 'json'
        ctype = hmap.get('content-type', '')
        form = {}
        if method == 'POST' and 'x-www-form-urlencoded' in ctype:
            form = dict(parse_qsl(ctx.body.decode('utf-8', 'replace'), keep_blank_values=True))
        elif method in ('GET', 'POST') and 'Action' in ctx.query:
            form = dict(ctx.query)
        if 'Action' in form:
            ctx.service, ctx.op = 'sts', form.get('Action')
            ctx.params = form
            ctx.sts_json = 'application/json' in hmap.get('accept', '')
            return 'query'
        ctx.service, ctx.op = 'unknown', None
        raise ApiError(404, 'UnknownOperationException', 'no fake AWS service at %s %s' % (method, path))

    def _json_body(self, ctx, proto):
        if not ctx.body.strip():
            return {}
        try:
            v = json.loads(ctx.body)
        except ValueError:
            raise ApiError(400, 'SerializationException', 'Start of structure or map found where not expected.')
        if not isinstance(v, dict):
            raise ApiError(400, 'SerializationException', 'Start of structure or map found where not expected.')
        return v

    # --------------------------------------------------------------- processing
    def _process(self, ctx, proto, hmap, rec):
        st = self.state
        cfg = st.config
        svc = ctx.service
        allowed = cfg.get('services')
        if cfg.get('down'):
            rec['fault'] = 'down'
            _rst_close(self)
            return None
        delay = st.jitter()
        if delay > 0:
            with st.lock:
                st.waiting += 1
            try:
                time.sleep(delay)
            finally:
                with st.lock:
                    st.waiting -= 1
        signed = svc in SIGNING_NAME and not (svc == 'sts' and ctx.op == 'AssumeRoleWithWebIdentity')
        if signed:
            headers = list(self.headers.items())
            regions = ['us-east-1'] if svc in ('organizations', 'account') else None
            try:
                info, parsed = sigcheck.verify(ctx.method, self.path, headers, ctx.body, st.keystore,
                                               ctx.now, SIGNING_NAME[svc], regions)
            except sigcheck.SigError as e:
                ctx.access_key, ctx.region = e.access_key, e.region
                info = st.keystore(e.access_key) if e.access_key else None
                if info:
                    ctx.account = info['account']
                raise _sig_error(svc, e)
            rec['signature_ok'] = True
            ctx.identity = info
            ctx.account = info['account']
            ctx.region = parsed['region']
            ctx.access_key = parsed['access_key']
        else:
            rec['signature_ok'] = True
            rec['unsigned'] = True
        if allowed is not None and svc not in allowed:
            raise ApiError(404, 'UnknownOperationException', 'service disabled')
        if not st.rate_ok(svc, ctx.account) or st.chance(_per_service(cfg.get('throttle_rate'), svc)):
            rec['fault'] = 'throttle'
            status, code, msg = THROTTLE.get(svc, (429, 'Throttling', 'Rate exceeded'))
            raise ApiError(status, code, msg)
        if st.chance(cfg.get('error_rate')):
            rec['fault'] = 'error'
            if st.chance(0.5):
                raise ApiError(500, 'InternalFailure', 'The request processing has failed because of an '
                               'unknown error, exception or failure.', sender=False)
            raise ApiError(503, 'ServiceUnavailable', 'Service is unavailable. Please try again later.',
                           sender=False)
        if st.chance(cfg.get('reset_rate')):
            rec['fault'] = 'reset'
            _rst_close(self)
            return None
        ctx.page = self._page_of(ctx)
        fp = cfg.get('fail_page')
        for spec in (fp if isinstance(fp, list) else [fp] if fp else []):
            if spec.get('op') == ctx.op and int(spec.get('page', 1)) == ctx.page and \
                    (not spec.get('service') or _norm_service(spec['service']) == svc) and \
                    st.take_fail(spec):
                rec['fault'] = 'fail_page'
                raise ApiError(int(spec.get('status', 500)), spec.get('code', 'InternalFailure'),
                               spec.get('message', 'injected failure on page %d' % ctx.page),
                               sender=int(spec.get('status', 500)) < 500)
        return self._dispatch(ctx, proto)

    def _page_of(self, ctx):
        p = ctx.params if isinstance(ctx.params, dict) else {}
        tok = p.get('NextToken') or p.get('PaginationToken') or p.get('nextToken') or p.get('next_token')
        if not tok or not isinstance(tok, str):
            return 1
        st = self.state.tokens.peek(tok)
        return st.get('p', 1) if st else 1

    def _dispatch(self, ctx, proto):
        svc = ctx.service
        if svc == 'organizations':
            return self._json_reply(ctx, svc_org.handle(ctx))
        if svc == 'tagging':
            return self._json_reply(ctx, svc_tagging.handle(ctx))
        if svc == 'config':
            return self._json_reply(ctx, svc_config.handle(ctx))
        if svc == 'sso-admin':
            return self._json_reply(ctx, svc_ssoadmin.handle(ctx))
        if svc == 'identitystore':
            return self._json_reply(ctx, svc_identitystore.handle(ctx))
        if svc == 'resource-explorer-2':
            return self._json_reply(ctx, svc_resexp.handle(ctx), 'application/json')
        if svc == 'account':
            return self._json_reply(ctx, svc_account.handle(ctx), 'application/json')
        if svc == 'sso':
            return self._json_reply(ctx, svc_creds.handle_sso(ctx), 'application/json')
        if svc == 'sso-oidc':
            return self._json_reply(ctx, svc_creds.handle_oidc(ctx), 'application/json')
        if svc == 'container':
            return self._json_reply(ctx, svc_creds.handle_container(ctx), 'application/json')
        if svc == 'imds':
            return svc_creds.handle_imds(ctx)
        if svc == 'sts':
            result = svc_sts.handle(ctx)
            out = svc_sts.render(ctx.op, result, ctx.request_id, ctx.sts_json)
            if ctx.sts_json:
                return Reply(200, dumps(out), 'application/json', kind='json')
            return Reply(200, out.encode(), 'text/xml', kind='xml')
        raise ApiError(404, 'UnknownOperationException', 'unknown service')

    @staticmethod
    def _json_reply(ctx, result, ctype='application/x-amz-json-1.1'):
        return Reply(200, dumps(result), ctype, kind='json')

    def _error_reply(self, ctx, proto, e):
        st = self.state
        code = e.code
        if proto == 'query':
            as_json = getattr(ctx, 'sts_json', False)
            out = svc_sts.render_error(e, getattr(ctx, 'request_id', ''), as_json)
            r = Reply(e.status, dumps(out) if as_json else out.encode(),
                      'application/json' if as_json else 'text/xml', kind='json' if as_json else 'xml')
        elif proto in ('imds', 'container'):
            if proto == 'container':
                r = Reply(e.status, dumps({'code': e.code, 'message': e.message}), 'application/json')
            else:
                r = Reply(e.status, ('<?xml version="1.0" encoding="iso-8859-1"?>\n<html><head><title>%d - %s'
                                     '</title></head><body><h1>%d - %s</h1></body></html>\n' % (
                                         e.status, e.message, e.status, e.message)).encode(), 'text/html',
                          kind='text')
        else:
            if '_body' in e.extra:
                body = dict(e.extra['_body'])
            else:
                msg_key = 'message' if ctx.service in ('config', 'resource-explorer-2', 'sso', 'sso-oidc',
                                                       'account') \
                    else 'Message'
                body = {'__type': code, msg_key: e.message}
                body.update(e.extra)
                if st.config.get('namespaced_errors'):
                    body['__type'] = 'com.amazonaws.fake.%s#%s' % (ctx.service, code)
            headers = []
            if proto == 'restjson':
                headers.append(('x-amzn-ErrorType', code))
                if ctx.service in ('sso', 'sso-oidc'):
                    body.pop('__type', None)
            r = Reply(e.status, dumps(body), 'application/x-amz-json-1.1' if proto == 'json'
                      else 'application/json', headers)
        r.code = code
        return r

    # ------------------------------------------------------------------ control
    def _control(self, path, query, body):
        st = self.state
        q = {k: v[0] for k, v in parse_qs(query).items()}
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError:
            return self._send(400, dumps({'error': 'body is not JSON'}), 'application/json')
        try:
            if path == '/_fake/config':
                if self.command == 'POST':
                    out = st.update_config(data)
                else:
                    with st.lock:
                        out = json.loads(json.dumps(st.config))
            elif path == '/_fake/requests':
                with st.lock:
                    out = list(st.log)
                since = int(q.get('since', 0))
                out = [r for r in out if r['seq'] > since and
                       (not q.get('service') or r['service'] == q['service']) and
                       (not q.get('op') or r['op'] == q['op'])]
            elif path == '/_fake/requests/clear':
                with st.lock:
                    st.log = []
                out = {'ok': True}
            elif path == '/_fake/org':
                out = st.org.to_json()
            elif path == '/_fake/resources':
                res = st.org.resources(q.get('account', ''), q.get('region', ''))
                out = [{'ResourceARN': r['ResourceARN'],
                        'Tags': [{'Key': k, 'Value': v} for k, v in r['Tags'].items()],
                        'ResourceType': r['ResourceType'], 'Region': r['Region']} for r in res]
            elif path == '/_fake/index':
                out = {'resources': svc_config.fake_index(st, q),
                       'config_aggregator': svc_config.AGGREGATOR,
                       'resource_explorer_view': svc_resexp.org_view_arn(st.org)}
            elif path == '/_fake/access':
                ic = st.org.identity_center()
                out = {'instance': ic['instance'], 'permission_sets': list(ic['permission_sets'].values()),
                       'groups': list(ic['groups'].values()), 'users': list(ic['users'].values()),
                       'assignments': [{'AccountId': a, 'PermissionSetArn': ps, 'PrincipalType': t,
                                        'PrincipalId': pid} for a, ps, t, pid in ic['assignments']],
                       'memberships': {g: list(m) for g, m in ic['memberships'].items()}}
            elif path == '/_fake/mutate':
                st.org.mutate(data)
                out = {'ok': True}
            elif path == '/_fake/stats':
                with st.lock:
                    out = {'requests': st.seq, 'internal_errors': st.internal_errors,
                           'waiting': st.waiting,
                           'sessions': len(st.sessions), 'pid': os.getpid()}
            elif path == '/_fake/sessions':
                with st.lock:
                    out = [{k: s[k] for k in ('access_key', 'account', 'expires', 'kind', 'arn', 'role_arn')}
                           for s in st.sessions.values()]
            elif path == '/_fake/expire_sessions':
                with st.lock:
                    for ak, s in st.sessions.items():
                        if not data.get('access_key') or data['access_key'] == ak:
                            s['expires'] = time.time() - 1
                    st.imds_cache = {}
                out = {'ok': True}
            elif path == '/_fake/keys':
                for ak, spec in data.items():
                    with st.lock:
                        st.add_key(ak, spec['secret'], spec.get('account') or st.org.mgmt)
                out = {'ok': True}
            else:
                return self._send(404, dumps({'error': 'no such control endpoint'}), 'application/json')
        except (ValueError, KeyError, TypeError) as e:
            return self._send(400, dumps({'error': str(e)}), 'application/json')
        return self._send(200, dumps(out), 'application/json')


def _sig_error(svc, e):
    if svc == 'sts':
        table = {'missing': (403, 'MissingAuthenticationToken'), 'incomplete': (400, 'IncompleteSignature'),
                 'unknown_key': (403, 'InvalidClientTokenId'), 'bad_signature': (403, 'SignatureDoesNotMatch'),
                 'expired_sig': (403, 'SignatureDoesNotMatch'), 'bad_scope': (403, 'SignatureDoesNotMatch'),
                 'bad_token': (403, 'InvalidClientTokenId'), 'expired_token': (400, 'ExpiredToken')}
    else:
        table = {'missing': (403, 'MissingAuthenticationTokenException'),
                 'incomplete': (400, 'IncompleteSignatureException'),
                 'unknown_key': (403, 'UnrecognizedClientException'),
                 'bad_signature': (403, 'InvalidSignatureException'),
                 'expired_sig': (403, 'InvalidSignatureException'),
                 'bad_scope': (403, 'InvalidSignatureException'),
                 'bad_token': (403, 'UnrecognizedClientException'),
                 'expired_token': (400, 'ExpiredTokenException')}
    status, code = table[e.kind]
    return ApiError(status, code, e.message)


def _malform(reply):
    body = reply.body.rstrip()
    cut = body[:max(1, len(body) // 2)]
    if reply.kind == 'xml':
        return cut + b'<unterminated'
    return cut + b'\x00}{'


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, BrokenPipeError, socket.timeout, OSError)):
            return
        super().handle_error(request, client_address)


def parse_args(argv):
    ap = argparse.ArgumentParser(description='fake AWS endpoint for orgfs tests')
    ap.add_argument('--port-file')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--accounts', type=int, default=20)
    ap.add_argument('--ou-depth', type=int, default=3)
    ap.add_argument('--ous-per-level', type=int, default=3)
    ap.add_argument('--regions', default='us-east-1,eu-west-1')
    ap.add_argument('--resources', type=int, default=5)
    ap.add_argument('--policies', type=int, default=6)
    ap.add_argument('--org-json')
    ap.add_argument('--key', action='append', default=[], help='AKID:SECRET[:ACCOUNT]')
    ap.add_argument('--sso-token', action='append', default=[], help='TOKEN:ACCOUNT (or *)')
    ap.add_argument('--throttle-rate', type=float)
    ap.add_argument('--error-rate', type=float)
    ap.add_argument('--latency-ms', type=float)
    ap.add_argument('--jitter-ms', type=float)
    ap.add_argument('--reset-rate', type=float)
    ap.add_argument('--truncate-rate', type=float)
    ap.add_argument('--malformed-rate', type=float)
    ap.add_argument('--oversize-bytes', type=int)
    ap.add_argument('--down', action='store_true', default=None)
    ap.add_argument('--deny-assume-role', action='append')
    ap.add_argument('--imds-v1-allowed', action='store_true', default=None)
    ap.add_argument('--container-token')
    ap.add_argument('--config-json', help='JSON object applied like POST /_fake/config')
    return ap.parse_args(argv)


def build_state(a):
    regions = [r.strip() for r in a.regions.split(',') if r.strip()]
    if a.org_json:
        with open(a.org_json, encoding='utf-8') as f:
            org = Org.load(json.load(f), a.seed, regions, a.resources)
    else:
        org = Org.generate(a.seed, a.accounts, a.ou_depth, a.ous_per_level, regions, a.resources, a.policies)
    st = State(org, a.seed)
    for spec in a.key:
        parts = spec.split(':')
        if len(parts) < 2:
            raise SystemExit('fakeaws: bad --key %r (want AKID:SECRET[:ACCOUNT])' % spec)
        # the secret may itself contain ':' only if an account is not given
        ak, account = parts[0], org.mgmt
        if len(parts) >= 3 and parts[-1].isdigit() and len(parts[-1]) == 12:
            account = parts[-1]
            secret = ':'.join(parts[1:-1])
        else:
            secret = ':'.join(parts[1:])
        st.add_key(ak, secret, account)
    cfg = {}
    for name in ('throttle_rate', 'error_rate', 'latency_ms', 'jitter_ms', 'reset_rate', 'truncate_rate',
                 'malformed_rate', 'oversize_bytes', 'down', 'deny_assume_role', 'imds_v1_allowed',
                 'container_token'):
        v = getattr(a, name)
        if v is not None:
            cfg[name] = v
    if a.sso_token:
        cfg['sso_tokens'] = {}
        for spec in a.sso_token:
            tok, _, acct = spec.rpartition(':')
            cfg['sso_tokens'][tok] = acct
    if a.config_json:
        cfg.update(json.loads(a.config_json))
    st.update_config(cfg)
    return st


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    t0 = time.time()
    st = build_state(a)
    Handler.state = st
    srv = Server(('127.0.0.1', a.port), Handler)
    port = srv.server_address[1]
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    th = threading.Thread(target=srv.serve_forever, kwargs={'poll_interval': 0.2}, daemon=True)
    th.start()
    if a.port_file:
        tmp = '%s.tmp.%d' % (a.port_file, os.getpid())
        with open(tmp, 'w') as f:
            f.write('%d\n' % port)
        os.rename(tmp, a.port_file)
    sys.stderr.write('fakeaws: listening on 127.0.0.1:%d (%d accounts, %d OUs, generated in %.2fs)\n' % (
        port, len(st.org.accounts), len(st.org.ous), time.time() - t0))
    sys.stderr.flush()
    while not stop.wait(0.2):
        pass
    srv.shutdown()
    srv.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
