"""Credential sources: SSO portal, SSO-OIDC, EC2 IMDSv2, container endpoint."""

import json
import secrets

from common import ApiError, Reply, iso8601

DEFAULT_SSO_ROLES = ['AdministratorAccess', 'OrgReader']


def _sso_unauthorized():
    return ApiError(401, 'UnauthorizedException', 'Session token not found or invalid')


def _sso_spec(ctx):
    tok = ctx.headers.get('x-amz-sso_bearer_token')
    if not tok:
        raise _sso_unauthorized()
    spec = ctx.state.sso_token(tok)
    if spec is None:
        raise _sso_unauthorized()
    if spec.get('expires') is not None and spec['expires'] <= ctx.now:
        raise _sso_unauthorized()
    return spec


def _sso_allowed(ctx, spec, account):
    accts = spec.get('accounts', '*')
    if account not in ctx.org.accounts:
        return False
    return accts == '*' or account in accts


def _int_q(ctx, name, default, lo, hi):
    v = ctx.query.get(name)
    if v is None:
        return default
    try:
        v = int(v)
    except ValueError:
        raise ApiError(400, 'InvalidRequestException', 'Invalid %s' % name)
    if not lo <= v <= hi:
        raise ApiError(400, 'InvalidRequestException', 'Invalid %s' % name)
    return v


def handle_sso(ctx):
    q = ctx.query
    op = ctx.op
    spec = _sso_spec(ctx)
    if op == 'GetRoleCredentials':
        role, account = q.get('role_name'), q.get('account_id')
        if not role or not account:
            raise ApiError(400, 'InvalidRequestException', 'role_name and account_id are required')
        roles = spec.get('roles')
        if not _sso_allowed(ctx, spec, account) or (roles and role not in roles):
            raise ApiError(403, 'ForbiddenException', 'No access')
        sess = ctx.state.issue_session(account, role, 'sso-user', None, 'sso',
                                       role_arn='arn:aws:iam::%s:role/aws-reserved/sso.amazonaws.com/'
                                                'AWSReservedSSO_%s_%s' % (account, role, 'f4ke0123456789ab'),
                                       role_name_override='AWSReservedSSO_%s_f4ke0123456789ab' % role)
        return {'roleCredentials': {'accessKeyId': sess['access_key'], 'secretAccessKey': sess['secret'],
                                    'sessionToken': sess['token'],
                                    'expiration': int(sess['expires'] * 1000)}}
    if op == 'ListAccounts':
        accts = spec.get('accounts', '*')
        with ctx.org.lock:
            ids = [a for a in ctx.org.accounts if accts == '*' or a in accts]
            items = [{'accountId': a, 'accountName': ctx.org.accounts[a]['Name'],
                      'emailAddress': ctx.org.accounts[a]['Email']} for a in ids]
        return _sso_page(ctx, items, 'accountList')
    if op == 'ListAccountRoles':
        account = q.get('account_id')
        if not account:
            raise ApiError(400, 'InvalidRequestException', 'account_id is required')
        if not _sso_allowed(ctx, spec, account):
            raise ApiError(403, 'ForbiddenException', 'No access')
        roles = spec.get('roles') or DEFAULT_SSO_ROLES
        return _sso_page(ctx, [{'roleName': r, 'accountId': account} for r in roles], 'roleList')
    raise ApiError(404, 'UnknownOperationException', 'Unknown operation')


def _sso_page(ctx, items, key):
    limit = _int_q(ctx, 'max_result', 20, 1, 100)
    offset = 0
    tok = ctx.query.get('next_token')
    if tok:
        st = ctx.state.tokens.decode(ctx.op, 'sso', tok)
        if st is None:
            raise ApiError(400, 'InvalidRequestException', 'Invalid next_token')
        offset = st['o']
    out = {key: items[offset:offset + limit]}
    if offset + limit < len(items):
        out['nextToken'] = ctx.state.tokens.encode(ctx.op, 'sso', offset + limit, 1)
    return out


def _oidc_error(status, code, err, desc):
    return ApiError(status, code, desc, {'_body': {'error': err, 'error_description': desc}})


def handle_oidc(ctx):
    p = ctx.params
    if ctx.op != 'CreateToken':
        raise ApiError(404, 'UnknownOperationException', 'Unknown operation')
    st = ctx.state
    for f in ('clientId', 'clientSecret', 'grantType'):
        if not p.get(f):
            raise _oidc_error(400, 'InvalidRequestException', 'invalid_request', '%s is required' % f)
    client = st.oidc_client(p['clientId'])
    if client is None or client.get('secret') != p['clientSecret']:
        raise _oidc_error(401, 'InvalidClientException', 'invalid_client', 'Invalid client provided')
    if client.get('expires') is not None and client['expires'] <= ctx.now:
        raise _oidc_error(401, 'InvalidClientException', 'invalid_client', 'Client registration expired')
    if p['grantType'] != 'refresh_token':
        raise _oidc_error(400, 'UnsupportedGrantTypeException', 'unsupported_grant_type',
                          'Unsupported grant type: %s' % p['grantType'])
    rt = p.get('refreshToken')
    spec = (client.get('refresh_tokens') or {}).get(rt) if rt else None
    if spec is None:
        raise _oidc_error(400, 'InvalidGrantException', 'invalid_grant', 'Invalid refresh token provided')
    ttl = int(st.config.get('oidc_expires_in') or 28800)
    access = 'fake-sso-access-' + secrets.token_urlsafe(24)
    new_rt = 'fake-sso-refresh-' + secrets.token_urlsafe(24)
    st.register_oidc_refresh(p['clientId'], access, new_rt, spec, ctx.now + ttl)
    return {'accessToken': access, 'tokenType': 'Bearer', 'expiresIn': ttl, 'refreshToken': new_rt}


def _text(status, text, ctype='text/plain', headers=None):
    r = Reply(status, text.encode(), ctype, headers, kind='text')
    return r


def handle_imds(ctx):
    st = ctx.state
    path = ctx.path
    if ctx.method == 'PUT' and path == '/latest/api/token':
        if 'x-forwarded-for' in ctx.headers:
            raise ApiError(403, 'Forbidden', 'Forbidden')
        ttl = ctx.headers.get('x-aws-ec2-metadata-token-ttl-seconds')
        try:
            ttl = int(ttl)
        except (TypeError, ValueError):
            raise ApiError(400, 'BadRequest', 'Bad Request')
        if not 1 <= ttl <= 21600:
            raise ApiError(400, 'BadRequest', 'Bad Request')
        tok = st.issue_imds_token(ttl, ctx.now)
        return _text(200, tok, headers=[('X-Aws-Ec2-Metadata-Token-Ttl-Seconds', str(ttl))])
    if ctx.method != 'GET':
        raise ApiError(405, 'MethodNotAllowed', 'Method Not Allowed')
    tok = ctx.headers.get('x-aws-ec2-metadata-token')
    if tok is None:
        if not st.config.get('imds_v1_allowed'):
            raise ApiError(401, 'Unauthorized', 'Unauthorized')
    elif not st.imds_token_ok(tok, ctx.now):
        raise ApiError(401, 'Unauthorized', 'Unauthorized')
    role = st.config.get('imds_role') or 'orgfs-instance-role'
    account = st.config.get('imds_account') or ctx.org.mgmt
    region = ctx.org.regions[0]
    base = '/latest/meta-data/iam/security-credentials/'
    if path in (base, base[:-1]):
        return _text(200, role)
    if path.startswith(base):
        if path[len(base):] != role:
            raise ApiError(404, 'NotFound', 'Not Found')
        sess = st.imds_session(account, role, ctx.now)
        body = json.dumps({'Code': 'Success', 'LastUpdated': iso8601(sess['issued']),
                           'Type': 'AWS-HMAC', 'AccessKeyId': sess['access_key'],
                           'SecretAccessKey': sess['secret'], 'Token': sess['token'],
                           'Expiration': iso8601(sess['expires'])}, indent=2, separators=(',', ' : '))
        return _text(200, body)
    if path == '/latest/meta-data/iam/info':
        return _text(200, json.dumps({'Code': 'Success', 'LastUpdated': iso8601(ctx.now),
                                      'InstanceProfileArn': 'arn:aws:iam::%s:instance-profile/%s' % (account, role),
                                      'InstanceProfileId': 'AIPAFAKEINSTANCEPROF'}, indent=2,
                                     separators=(',', ' : ')))
    if path == '/latest/meta-data/placement/region':
        return _text(200, region)
    if path == '/latest/meta-data/placement/availability-zone':
        return _text(200, region + 'a')
    if path == '/latest/dynamic/instance-identity/document':
        return _text(200, json.dumps({'accountId': account, 'region': region,
                                      'availabilityZone': region + 'a', 'instanceId': 'i-0fake0123456789ab',
                                      'architecture': 'x86_64'}, indent=2, separators=(',', ' : ')))
    raise ApiError(404, 'NotFound', 'Not Found')


def handle_container(ctx):
    st = ctx.state
    want = st.config.get('container_token')
    if want is not None and ctx.headers.get('authorization') != want:
        raise ApiError(401, 'InvalidToken', 'Authorization token is invalid or missing')
    account = st.config.get('container_account') or ctx.org.mgmt
    role = st.config.get('container_role') or 'orgfs-task-role'
    sess = st.issue_session(account, role, 'container', None, 'container')
    return {'RoleArn': 'arn:aws:iam::%s:role/%s' % (account, role),
            'AccessKeyId': sess['access_key'], 'SecretAccessKey': sess['secret'],
            'Token': sess['token'], 'Expiration': iso8601(sess['expires']), 'AccountId': account}
