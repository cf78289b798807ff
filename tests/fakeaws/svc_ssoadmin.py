"""IAM Identity Center administration (sso-admin, awsJson1_1, SWBExternalService).

The instance belongs to the management account (or to the account named in
config `sso_delegated_admin`); every other caller is denied.  Config
`sso_enabled: false` is an organization without Identity Center:
ListInstances answers an empty list.  `sso_raw_assignments` (a list of
items) is added as given to every ListAccountAssignments reply (hostile:
any PrincipalId, any type).  Listings page like the real service
(MaxResults 1..100, small default pages, tokens bound to the op, inputs and
caller)."""

from common import ApiError, Tokens, int_param

PAGE = {'ListInstances': 10, 'ListPermissionSets': 4, 'ListAccountsForProvisionedPermissionSet': 7,
        'ListAccountAssignments': 3, 'ListManagedPoliciesInPermissionSet': 10,
        'ListGroupMemberships': 2}


def _val(reason, message):
    return ApiError(400, 'ValidationException', message)


def _denied():
    return ApiError(400, 'AccessDeniedException', 'User is not authorized to perform this operation '
                    'on the Identity Center instance.')


def page(ctx, items, key):
    p = ctx.params
    limit = int_param(p, 'MaxResults', PAGE[ctx.op], 1, 100, _val)
    tok = p.get('NextToken')
    offset, page = 0, 1
    if tok:
        st = ctx.state.tokens.decode(ctx.op, Tokens.scope_of(p), tok)
        if st is None or st.get('a') != ctx.account:
            raise _val('INVALID', 'Invalid NextToken')
        offset, page = st['o'], st['p']
    out = {key: items[offset:offset + limit]}
    if offset + limit < len(items):
        out['NextToken'] = ctx.state.tokens.encode(ctx.op, Tokens.scope_of(p), offset + limit, page + 1,
                                                   a=ctx.account)
    return out


def enabled(state):
    return state.config.get('sso_enabled', True) is not False


def admin_account(state):
    return state.config.get('sso_delegated_admin') or state.org.mgmt


def _pset(ic, arn):
    ps = ic['permission_sets'].get(arn)
    if ps is None:
        raise ApiError(400, 'ResourceNotFoundException', 'Could not find PermissionSet with ARN %s' % arn)
    return ps


def handle(ctx):
    st, p, op = ctx.state, ctx.params, ctx.op
    if ctx.account != admin_account(st):
        raise _denied()
    if op == 'ListInstances':
        items = [dict(st.org.identity_center()['instance'])] if enabled(st) else []
        return page(ctx, items, 'Instances')
    if not enabled(st):
        raise ApiError(400, 'ResourceNotFoundException', 'Instance does not exist')
    ic = st.org.identity_center()
    if p.get('InstanceArn') != ic['instance']['InstanceArn']:
        raise ApiError(400, 'ResourceNotFoundException', 'Instance %s does not exist' % p.get('InstanceArn'))
    if op == 'ListPermissionSets':
        return page(ctx, list(ic['permission_sets']), 'PermissionSets')
    if op == 'DescribePermissionSet':
        ps = _pset(ic, p.get('PermissionSetArn'))
        return {'PermissionSet': {k: v for k, v in ps.items()
                                  if k not in ('ManagedPolicies', 'InlinePolicy')}}
    if op == 'ListManagedPoliciesInPermissionSet':
        ps = _pset(ic, p.get('PermissionSetArn'))
        return page(ctx, list(ps['ManagedPolicies']), 'AttachedManagedPolicies')
    if op == 'GetInlinePolicyForPermissionSet':
        ps = _pset(ic, p.get('PermissionSetArn'))
        return {'InlinePolicy': ps['InlinePolicy']}
    if op == 'ListAccountsForProvisionedPermissionSet':
        arn = p.get('PermissionSetArn')
        _pset(ic, arn)
        ids = sorted({a for a, ps, _, _ in ic['assignments'] if ps == arn})
        return page(ctx, ids, 'AccountIds')
    if op == 'ListAccountAssignments':
        arn, aid = p.get('PermissionSetArn'), p.get('AccountId')
        _pset(ic, arn)
        if not isinstance(aid, str) or len(aid) != 12 or not aid.isdigit():
            raise _val('INVALID', "1 validation error detected: Value at 'accountId' failed to satisfy "
                       "constraint: Member must satisfy regular expression pattern: \\d{12}")
        items = [{'AccountId': a, 'PermissionSetArn': ps, 'PrincipalType': t, 'PrincipalId': pid}
                 for a, ps, t, pid in ic['assignments'] if a == aid and ps == arn]
        # hostile: raw items appended as given (no real endpoint sends them)
        items += [dict(x, AccountId=x.get('AccountId', aid), PermissionSetArn=arn)
                  for x in st.config.get('sso_raw_assignments') or []]
        return page(ctx, items, 'AccountAssignments')
    raise ApiError(400, 'UnknownOperationException', 'unknown operation %s' % op)
