"""AWS Account Management (restJson1, account): ListRegions.

Which regions each account has enabled: a region is enabled by default
unless it is an opt-in region (OPT_IN); an opt-in region among the org's
regions is enabled in an account when Org.region_enabled says so (a
deterministic half of the accounts, or the config's `opt_in` map).  The
member account asks about itself; the management account may name a
member with AccountId (trusted access is assumed)."""

from common import ApiError, Tokens

MAX_RESULTS = 50


def validation(msg):
    return ApiError(400, 'ValidationException', msg)


def handle(ctx):
    if ctx.op != 'ListRegions':
        raise ApiError(404, 'UnknownOperationException', ctx.op or '')
    p = ctx.params or {}
    account = p.get('AccountId') or ctx.account
    if account != ctx.account:
        if ctx.account != ctx.org.mgmt:
            raise ApiError(403, 'AccessDeniedException',
                           'User is not authorized to perform: account:ListRegions on account %s' % account)
        if account not in ctx.org.accounts:
            raise ApiError(404, 'ResourceNotFoundException', 'account %s not found' % account)
    limit = p.get('MaxResults', 20)
    if not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS:
        raise validation('MaxResults must be between 1 and 50')
    want = p.get('RegionOptStatusContains')
    statuses = {'ENABLED', 'ENABLING', 'DISABLING', 'DISABLED', 'ENABLED_BY_DEFAULT'}
    if want is not None and (not isinstance(want, list) or any(s not in statuses for s in want)):
        raise validation('RegionOptStatusContains: invalid status')
    rows = [{'RegionName': r, 'RegionOptStatus': s}
            for r, s in ctx.org.region_statuses(account)
            if want is None or s in want]
    scope = Tokens.scope_of(dict(p, AccountId=account))
    start = 0
    tok = p.get('NextToken')
    if tok:
        st = ctx.state.tokens.decode(ctx.op, scope, tok)
        if st is None:
            raise validation('invalid NextToken')
        start = st['o']
    out = {'Regions': rows[start:start + limit]}
    if start + limit < len(rows):
        out['NextToken'] = ctx.state.tokens.encode(ctx.op, scope, start + limit, ctx.page + 1)
    return out
