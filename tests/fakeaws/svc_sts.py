"""AWS STS (awsQuery; XML replies, JSON with Accept: application/json)."""

import re
from xml.sax.saxutils import escape

from common import ApiError, iso8601

NS = 'https://sts.amazonaws.com/doc/2011-06-15/'
WEB_TOKEN_PREFIX = 'fake-web-identity-token-'
CHAIN_LIMIT = 3600
_ROLE_RE = re.compile(r'^arn:aws:iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})$')
_SESSION_RE = re.compile(r'^[\w+=,.@-]{2,64}$')


class Timestamp(float):
    """Rendered ISO 8601 in XML and as epoch seconds in JSON."""


def validation(msg):
    return ApiError(400, 'ValidationError', msg)


def _role(p):
    arn = p.get('RoleArn')
    if not arn:
        raise validation("1 validation error detected: Value null at 'roleArn' failed to satisfy "
                         "constraint: Member must not be null")
    m = _ROLE_RE.match(arn)
    if len(arn) < 20 or not m:
        raise validation('%s is invalid' % arn)
    name = p.get('RoleSessionName')
    if not name:
        raise validation("1 validation error detected: Value null at 'roleSessionName' failed to "
                         "satisfy constraint: Member must not be null")
    if not _SESSION_RE.match(name):
        raise validation("1 validation error detected: Value '%s' at 'roleSessionName' failed to "
                         "satisfy constraint: Member must satisfy regular expression pattern: "
                         "[\\w+=,.@-]*" % name)
    return arn, m.group(1), m.group(2), name


def _duration(p, chained):
    d = p.get('DurationSeconds')
    if d is None:
        return 3600
    try:
        d = int(d)
    except ValueError:
        raise validation("Value '%s' at 'durationSeconds' is not a number" % d)
    if d < 900 or d > 43200:
        raise validation("1 validation error detected: Value '%d' at 'durationSeconds' failed to "
                         "satisfy constraint: Member must have value %s" %
                         (d, 'greater than or equal to 900' if d < 900 else 'less than or equal to 43200'))
    if chained and d > CHAIN_LIMIT:
        raise validation('The requested DurationSeconds exceeds the 1 hour session limit for roles '
                         'assumed by role chaining.')
    return d


def _check_target(ctx, account, arn):
    org = ctx.org
    deny = ctx.state.config.get('deny_assume_role') or []
    a = org.accounts.get(account)
    caller = ctx.identity['arn'] if ctx.identity else 'anonymous'
    if a is None or a['State'] not in ('ACTIVE', 'PENDING_CLOSURE') or account in deny or arn in deny:
        raise ApiError(403, 'AccessDenied', 'User: %s is not authorized to perform: sts:AssumeRole '
                       'on resource: %s' % (caller, arn))


def handle(ctx):
    p = ctx.params
    op = ctx.op
    st = ctx.state
    if op == 'GetCallerIdentity':
        ident = ctx.identity
        omit = st.config.get('caller_identity_omit') or []
        return [(k, v) for k, v in (('UserId', ident['user_id']), ('Account', ident['account']),
                                    ('Arn', ident['arn'])) if k not in omit]
    if op in ('AssumeRole', 'AssumeRoleWithWebIdentity'):
        arn, account, role_name, sname = _role(p)
        if op == 'AssumeRoleWithWebIdentity':
            tok = p.get('WebIdentityToken')
            if not tok or len(tok) < 4:
                raise validation("1 validation error detected: Value null at 'webIdentityToken' failed "
                                 "to satisfy constraint: Member must not be null")
            if not tok.strip().startswith(WEB_TOKEN_PREFIX):
                raise ApiError(400, 'InvalidIdentityToken', 'The ID Token provided is not a valid JWT. '
                               '(You may see this error if you sent an Access Token)')
            chained = False
        else:
            chained = bool(ctx.identity and ctx.identity.get('token'))
        dur = _duration(p, chained)
        with ctx.org.lock:
            _check_target(ctx, account, arn)
        sess = st.issue_session(account, role_name, sname, dur,
                                'web-identity' if op == 'AssumeRoleWithWebIdentity' else 'assume-role',
                                role_arn=arn)
        creds = [('AccessKeyId', sess['access_key']), ('SecretAccessKey', sess['secret']),
                 ('SessionToken', sess['token']), ('Expiration', Timestamp(sess['expires']))]
        res = []
        if op == 'AssumeRoleWithWebIdentity':
            res.append(('SubjectFromWebIdentityToken', tok.strip()[len(WEB_TOKEN_PREFIX):] or 'subject'))
            res.append(('Audience', 'sts.amazonaws.com'))
        res += [('AssumedRoleUser', [('AssumedRoleId', sess['user_id']), ('Arn', sess['arn'])]),
                ('Credentials', creds)]
        if op == 'AssumeRoleWithWebIdentity':
            res.append(('Provider', 'oidc.fake.example.com'))
        if p.get('Policy') or any(k.startswith('PolicyArns.') for k in p):
            res.append(('PackedPolicySize', 6))
        if p.get('SourceIdentity'):
            res.append(('SourceIdentity', p['SourceIdentity']))
        return res
    raise ApiError(400, 'InvalidAction', 'Could not find operation %s for version 2011-06-15' % op)


def _xml_members(items, indent):
    out = []
    pad = '  ' * indent
    for name, val in items:
        if isinstance(val, list):
            out.append('%s<%s>\n%s%s</%s>\n' % (pad, name, _xml_members(val, indent + 1), pad, name))
        elif isinstance(val, Timestamp):
            out.append('%s<%s>%s</%s>\n' % (pad, name, iso8601(val), name))
        else:
            out.append('%s<%s>%s</%s>\n' % (pad, name, escape(str(val)), name))
    return ''.join(out)


def _json_members(items):
    out = {}
    for name, val in items:
        if isinstance(val, list):
            out[name] = _json_members(val)
        elif isinstance(val, Timestamp):
            out[name] = int(val)
        else:
            out[name] = val
    return out


def render(op, result, request_id, as_json):
    if as_json:
        return {'%sResponse' % op: {'%sResult' % op: _json_members(result),
                                     'ResponseMetadata': {'RequestId': request_id}}}
    return ('<%sResponse xmlns="%s">\n  <%sResult>\n%s  </%sResult>\n  <ResponseMetadata>\n'
            '    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n</%sResponse>\n' % (
                op, NS, op, _xml_members(result, 2), op, request_id, op))


def render_error(err, request_id, as_json):
    kind = 'Sender' if err.sender else 'Receiver'
    if as_json:
        return {'Error': {'Type': kind, 'Code': err.code, 'Message': err.message},
                'RequestId': request_id}
    return ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
            '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n' % (
                NS, kind, escape(err.code), escape(err.message), request_id))
