"""The Identity Center identity store (identitystore, awsJson1_1, AWSIdentityStore):
DescribeGroup, DescribeUser and ListGroupMemberships (paged like the real
service: MaxResults 1..100, small default pages, tokens bound to the op,
inputs and caller).  Config `identitystore_denied: true` answers
AccessDeniedException to every call (a role allowed sso-admin only); a list
of operation names denies those only (["DescribeUser"]: members listed,
not named)."""

from common import ApiError
import svc_ssoadmin


def handle(ctx):
    st, p, op = ctx.state, ctx.params, ctx.op
    denied = st.config.get('identitystore_denied')
    if (denied is True or (isinstance(denied, list) and op in denied)
            or ctx.account != svc_ssoadmin.admin_account(st)):
        raise ApiError(400, 'AccessDeniedException', 'User: %s is not authorized to perform: identitystore:%s'
                       % (ctx.identity.get('arn', ctx.account) if isinstance(ctx.identity, dict)
                          else ctx.account, op))
    ic = st.org.identity_center()
    if not svc_ssoadmin.enabled(st) or p.get('IdentityStoreId') != ic['instance']['IdentityStoreId']:
        raise ApiError(400, 'ResourceNotFoundException', 'Identity store %s does not exist'
                       % p.get('IdentityStoreId'))
    if op == 'DescribeGroup':
        g = ic['groups'].get(p.get('GroupId'))
        if g is None:
            raise ApiError(400, 'ResourceNotFoundException', 'GROUP not found')
        return dict(g)
    if op == 'DescribeUser':
        u = ic['users'].get(p.get('UserId'))
        if u is None:
            raise ApiError(400, 'ResourceNotFoundException', 'USER not found')
        return dict(u)
    if op == 'ListGroupMemberships':
        gid = p.get('GroupId')
        if gid not in ic['groups']:
            raise ApiError(400, 'ResourceNotFoundException', 'GROUP not found')
        items = [{'IdentityStoreId': ic['instance']['IdentityStoreId'], 'GroupId': gid,
                  'MembershipId': 'm-%s-%s' % (gid[:8], u[:8]), 'MemberId': {'UserId': u}}
                 for u in ic['memberships'].get(gid, [])]
        return svc_ssoadmin.page(ctx, items, 'GroupMemberships')
    raise ApiError(400, 'UnknownOperationException', 'unknown operation %s' % op)
