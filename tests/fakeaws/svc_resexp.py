"""AWS Resource Explorer (restJson1, resource-explorer-2)."""

import hashlib
import random
import uuid

import svc_config
from common import ApiError, Tokens, iso8601
from orggen import BASE_TIME

SEARCH_CAP = 1000  # Search returns at most 1,000 results per query
# The organization-wide view (multi-account, in the aggregator index's Region
# of the management account) serves at most this many results per page,
# whatever MaxResults asks, and every ORG_EMPTY_EVERY-th page of a listing
# is empty but has a NextToken.
ORG_PAGE = 200
ORG_EMPTY_EVERY = 3


def _uuid(*parts):
    return str(uuid.UUID(int=random.Random('/'.join(str(p) for p in parts)).getrandbits(128), version=4))


def view_arn(ctx):
    return 'arn:aws:resource-explorer-2:%s:%s:view/all-resources/%s' % (
        ctx.region, ctx.account, _uuid('view', ctx.org.seed, ctx.account, ctx.region))


def org_view_arn(org):
    """The multi-account view: management account, aggregator Region (the
    first configured one).  Reachable by ARN (Search, ListResources, GetView);
    ListViews keeps listing the account's own view only."""
    return 'arn:aws:resource-explorer-2:%s:%s:view/organization-resources/%s' % (
        org.regions[0], org.mgmt, _uuid('orgview', org.seed))


def index_arn(ctx, region=None):
    region = region or ctx.region
    return 'arn:aws:resource-explorer-2:%s:%s:index/%s' % (
        region, ctx.account, _uuid('index', ctx.org.seed, ctx.account, region))


def validation(msg, field=None):
    extra = {'FieldList': [{'Name': field, 'ValidationIssue': msg}]} if field else {}
    return ApiError(400, 'ValidationException', msg, extra)


def _matches(res, terms):
    """Subset of the Resource Explorer query syntax: resourcetype:, service:,
    region:, tag:k=v, tag.key:k, tag:none, -prefix negation, free text."""
    for term in terms:
        neg = term.startswith('-')
        t = term[1:] if neg else term
        low = t.lower()
        if low.startswith('resourcetype:'):
            ok = res['ResourceType'] == t.split(':', 1)[1]
        elif low.startswith('service:'):
            ok = res['Service'] == t.split(':', 1)[1]
        elif low.startswith('region:'):
            ok = res['Region'] == t.split(':', 1)[1]
        elif low.startswith('accountid:') or low.startswith('owningaccountid:'):
            ok = res.get('Account') == t.split(':', 1)[1]
        elif low == 'tag:none':
            ok = not res['Tags']
        elif low.startswith('tag.key:'):
            ok = t.split(':', 1)[1] in res['Tags']
        elif low.startswith('tag:'):
            kv = t.split(':', 1)[1]
            k, _, v = kv.partition('=')
            ok = res['Tags'].get(k) == v
        else:
            ok = low in res['ResourceARN'].lower() or \
                any(low in str(v).lower() for v in res['Tags'].values())
        if ok == neg:
            return False
    return True


def _render(ctx, res, account=None):
    t = BASE_TIME + 86400 * 300
    return {'Arn': res['ResourceARN'], 'OwningAccountId': account or ctx.account, 'Region': res['Region'],
            'ResourceType': res['ResourceType'], 'Service': res['Service'],
            'LastReportedAt': iso8601(t, millis=True),
            'Properties': [{'Name': 'tags', 'LastReportedAt': iso8601(t, millis=True),
                            'Data': [{'Key': k, 'Value': v} for k, v in res['Tags'].items()]}]}


def _page(ctx, items, default, hi, cap=None):
    p = ctx.params
    limit = p.get('MaxResults', default)
    if not isinstance(limit, int) or not (1 <= limit <= hi):
        raise validation('MaxResults must be between 1 and %d' % hi, 'MaxResults')
    scope = Tokens.scope_of(p)
    offset, page = 0, 1
    if p.get('NextToken') is not None:
        st = ctx.state.tokens.decode(ctx.op, scope, p['NextToken'])
        if st is None or st.get('a') != ctx.account or st.get('r') != ctx.region:
            raise validation('The NextToken is not valid', 'NextToken')
        offset, page = st['o'], st['p']
    total = len(items) if cap is None else min(len(items), cap)
    chunk = items[offset:min(offset + limit, total)]
    nxt = None
    if offset + limit < total:
        nxt = ctx.state.tokens.encode(ctx.op, scope, offset + limit, page + 1, a=ctx.account, r=ctx.region)
    return chunk, nxt


def _org_order(arn):
    # neither account, region nor type order: the first 1,000 results of a
    # capped query are a scattered sample, as a relevance order would be
    return hashlib.sha1(arn.encode()).hexdigest()


def _org_search(ctx):
    """Search / ListResources through the organization-wide view."""
    p = ctx.params
    org = ctx.org
    if ctx.account != org.mgmt or ctx.region != org.regions[0]:
        raise ApiError(404, 'ResourceNotFoundException', 'The specified view was not found.')
    if ctx.op == 'Search':
        if 'QueryString' not in p or not isinstance(p['QueryString'], str):
            raise validation('QueryString is required', 'QueryString')
        q = p['QueryString']
        if len(q) > 1280:
            raise validation('QueryString must be at most 1280 characters', 'QueryString')
    else:
        q = (p.get('Filters') or {}).get('FilterString', '')
    terms = q.split()
    items = []
    for acct, r in svc_config.index_all(ctx.state, ctx.state.resexp_enabled):
        x = dict(r, Account=acct)
        if _matches(x, terms):
            items.append(x)
    items.sort(key=lambda x: _org_order(x['ResourceARN']))
    limit = p.get('MaxResults', 50 if ctx.op == 'Search' else 100)
    if not isinstance(limit, int) or not (1 <= limit <= 1000):
        raise validation('MaxResults must be between 1 and 1000', 'MaxResults')
    limit = min(limit, ORG_PAGE)
    scope = Tokens.scope_of(p)
    offset, page = 0, 1
    if p.get('NextToken') is not None:
        st = ctx.state.tokens.decode(ctx.op, scope, p['NextToken'])
        if st is None or st.get('a') != ctx.account or st.get('r') != ctx.region:
            raise validation('The NextToken is not valid', 'NextToken')
        offset, page = st['o'], st['p']
    total = min(len(items), SEARCH_CAP) if ctx.op == 'Search' else len(items)
    out = {'ViewArn': org_view_arn(org)}
    if ctx.op == 'Search':
        out['Count'] = {'TotalResources': total, 'Complete': len(items) <= SEARCH_CAP}
    if page % ORG_EMPTY_EVERY == 0 and offset < total:
        out['Resources'] = []
        out['NextToken'] = ctx.state.tokens.encode(ctx.op, scope, offset, page + 1, a=ctx.account,
                                                   r=ctx.region, e=1)
        return out
    chunk = items[offset:min(offset + limit, total)]
    out['Resources'] = [_render(ctx, x, x['Account']) for x in chunk]
    if offset + limit < total:
        out['NextToken'] = ctx.state.tokens.encode(ctx.op, scope, offset + limit, page + 1,
                                                   a=ctx.account, r=ctx.region)
    return out


def handle(ctx):
    p = ctx.params
    op = ctx.op
    state = ctx.state
    if op in ('Search', 'ListResources') and p.get('ViewArn') and p.get('ViewArn') == org_view_arn(ctx.org):
        return _org_search(ctx)
    if op in ('Search', 'ListResources'):
        va = p.get('ViewArn')
        if va and va != view_arn(ctx):
            raise ApiError(404, 'ResourceNotFoundException', 'The specified view was not found.')
        if not state.resexp_enabled(ctx.account, ctx.region):
            raise ApiError(401, 'UnauthorizedException',
                           'The principal does not have access to a default view in this Region.')
        if op == 'Search':
            if 'QueryString' not in p or not isinstance(p['QueryString'], str):
                raise validation('QueryString is required', 'QueryString')
            q = p['QueryString']
        else:
            q = (p.get('Filters') or {}).get('FilterString', '')
        terms = q.split()
        items = [r for r in ctx.org.resources(ctx.account, ctx.region) if _matches(r, terms)]
        cap = SEARCH_CAP if op == 'Search' else None
        chunk, nxt = _page(ctx, items, 50 if op == 'Search' else 100, 1000, cap)
        out = {'Resources': [_render(ctx, r) for r in chunk], 'ViewArn': view_arn(ctx)}
        if op == 'Search':
            out['Count'] = {'TotalResources': min(len(items), SEARCH_CAP),
                            'Complete': len(items) <= SEARCH_CAP}
        if nxt:
            out['NextToken'] = nxt
        return out
    if op == 'ListViews':
        views = [view_arn(ctx)] if state.resexp_enabled(ctx.account, ctx.region) else []
        chunk, nxt = _page(ctx, views, 50, 50)
        out = {'Views': chunk}
        if nxt:
            out['NextToken'] = nxt
        return out
    if op == 'GetDefaultView':
        if not state.resexp_enabled(ctx.account, ctx.region):
            return {}
        return {'ViewArn': view_arn(ctx)}
    if op == 'GetView' and p.get('ViewArn') == org_view_arn(ctx.org) and \
            ctx.account == ctx.org.mgmt and ctx.region == ctx.org.regions[0]:
        return {'View': {'ViewArn': org_view_arn(ctx.org), 'ViewName': 'organization-resources',
                         'Owner': ctx.account, 'LastUpdatedAt': iso8601(BASE_TIME + 86400 * 52),
                         'Scope': ctx.org.organization['Arn'],
                         'IncludedProperties': [{'Name': 'tags'}], 'Filters': {'FilterString': ''}},
                'Tags': {}}
    if op == 'GetView':
        if p.get('ViewArn') != view_arn(ctx):
            raise ApiError(404, 'ResourceNotFoundException', 'The specified view was not found.')
        return {'View': {'ViewArn': view_arn(ctx), 'ViewName': 'all-resources', 'Owner': ctx.account,
                         'LastUpdatedAt': iso8601(BASE_TIME + 86400 * 50), 'Scope': 'arn:aws:iam::%s:root' % ctx.account,
                         'IncludedProperties': [{'Name': 'tags'}], 'Filters': {'FilterString': ''}},
                'Tags': {}}
    if op == 'GetIndex':
        if not state.resexp_enabled(ctx.account, ctx.region):
            raise ApiError(404, 'ResourceNotFoundException', 'Index not found in this Region.')
        agg = ctx.region == ctx.org.regions[0]
        others = [r for r in ctx.org.regions if r != ctx.region]
        out = {'Arn': index_arn(ctx), 'Type': 'AGGREGATOR' if agg else 'LOCAL', 'State': 'ACTIVE',
               'CreatedAt': iso8601(BASE_TIME + 86400 * 50), 'LastUpdatedAt': iso8601(BASE_TIME + 86400 * 51),
               'Tags': {}}
        if agg:
            out['ReplicatingFrom'] = others
        else:
            out['ReplicatingTo'] = [ctx.org.regions[0]]
        return out
    if op == 'ListIndexes':
        regs = [r for r in ctx.org.regions if state.resexp_enabled(ctx.account, r)]
        want = p.get('Regions')
        if want:
            regs = [r for r in regs if r in want]
        items = [{'Region': r, 'Arn': index_arn(ctx, r),
                  'Type': 'AGGREGATOR' if r == ctx.org.regions[0] else 'LOCAL'} for r in regs]
        if p.get('Type'):
            items = [i for i in items if i['Type'] == p['Type']]
        chunk, nxt = _page(ctx, items, 100, 100)
        out = {'Indexes': chunk}
        if nxt:
            out['NextToken'] = nxt
        return out
    raise ApiError(404, 'UnknownOperationException', 'Unknown operation %s' % op)
