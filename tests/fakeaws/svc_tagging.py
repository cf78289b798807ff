"""Resource Groups Tagging API (awsJson1_1, ResourceGroupsTaggingAPI_20170126)."""

from common import ApiError, Tokens

TOKEN_TTL = 900  # PaginationTokenExpiredException after 15 minutes, as documented
DEFAULT_PAGE = 50


def bad(msg):
    return ApiError(400, 'InvalidParameterException', msg)


def _page(ctx, items, limit, key, render):
    p = ctx.params
    scope = Tokens.scope_of(p)
    offset, page = 0, 1
    tok = p.get('PaginationToken')
    if tok:
        st = ctx.state.tokens.decode(ctx.op, scope, tok)
        if st is None or st.get('a') != ctx.account or st.get('r') != ctx.region:
            raise bad('PaginationToken is not valid for this request')
        if ctx.now - st['t'] > TOKEN_TTL:
            raise ApiError(400, 'PaginationTokenExpiredException',
                           'The pagination token has expired, start a new request')
        offset, page = st['o'], st['p']
    chunk = items[offset:offset + limit]
    nxt = ''
    if offset + limit < len(items):
        nxt = ctx.state.tokens.encode(ctx.op, scope, offset + limit, page + 1,
                                      a=ctx.account, r=ctx.region)
    return {'PaginationToken': nxt, key: [render(x) for x in chunk]}


def _type_match(res, filters):
    if not filters:
        return True
    for f in filters:
        if ':' in f:
            if res['ResourceType'] == f:
                return True
        elif res['Service'] == f:
            return True
    return False


def _tag_match(tags, filters):
    for f in filters or []:
        key = f.get('Key')
        if key not in tags:
            return False
        vals = f.get('Values') or []
        if vals and tags[key] not in vals:
            return False
    return True


def _compliance(policy, res):
    """Compliance of one resource against the account's effective tag policy."""
    nc_keys, nc_vals = [], []
    for _, rule in (policy or {}).get('tags', {}).items():
        canon = rule.get('tag_key')
        if not canon:
            continue
        for k, v in res['Tags'].items():
            if k.lower() != canon.lower():
                continue
            if k != canon:
                nc_keys.append(k)
            allowed = rule.get('tag_value')
            if allowed and v not in allowed and '*' not in allowed:
                nc_vals.append(k)
    return {'NoncompliantKeys': nc_keys, 'KeysWithNoncompliantValues': nc_vals,
            'ComplianceStatus': not nc_keys and not nc_vals}


def handle(ctx):
    p = ctx.params
    op = ctx.op
    if not ctx.org.region_enabled(ctx.account, ctx.region):
        # what AWS answers in a region the account has not opted in to
        raise ApiError(403, 'UnrecognizedClientException',
                       'The security token included in the request is invalid.')
    for spec in ctx.state.config.get('fail_regions') or []:
        if spec.get('region') == ctx.region and spec.get('account') in (None, ctx.account):
            raise ApiError(500, 'InternalServiceException', 'injected failure in %s' % ctx.region,
                           sender=False)
    res = ctx.org.resources(ctx.account, ctx.region)
    if op == 'GetResources':
        arns = p.get('ResourceARNList')
        if arns is not None:
            if p.get('TagFilters') or p.get('ResourceTypeFilters') or p.get('PaginationToken') \
                    or p.get('ResourcesPerPage') or p.get('TagsPerPage'):
                raise bad('Specify ResourceARNList or TagFilters/ResourceTypeFilters/pagination, not both')
            if not (1 <= len(arns) <= 100):
                raise bad('ResourceARNList must contain between 1 and 100 ARNs')
        limit = p.get('ResourcesPerPage', DEFAULT_PAGE)
        if not isinstance(limit, int) or not (1 <= limit <= 100):
            raise bad('ResourcesPerPage must be between 1 and 100')
        tpp = p.get('TagsPerPage')
        if tpp is not None and (not isinstance(tpp, int) or not (100 <= tpp <= 500)):
            raise bad('TagsPerPage must be between 100 and 500')
        filters = p.get('TagFilters') or []
        if len(filters) > 50:
            raise bad('TagFilters can contain at most 50 filters')
        rtf = p.get('ResourceTypeFilters') or []
        comp = bool(p.get('IncludeComplianceDetails'))
        excl = bool(p.get('ExcludeCompliantResources'))
        if excl and not comp:
            raise bad('ExcludeCompliantResources requires IncludeComplianceDetails')
        policy = None
        if comp:
            with ctx.org.lock:
                policy, _ = ctx.org.effective_policy(ctx.account, 'TAG_POLICY')
        items = []
        for r in res:
            if arns is not None and r['ResourceARN'] not in arns:
                continue
            if not _type_match(r, rtf) or not _tag_match(r['Tags'], filters):
                continue
            cd = _compliance(policy, r) if comp else None
            if excl and cd['ComplianceStatus']:
                continue
            items.append((r, cd))

        def render(x):
            r, cd = x
            out = {'ResourceARN': r['ResourceARN'],
                   'Tags': [{'Key': k, 'Value': v} for k, v in r['Tags'].items()]}
            if cd is not None:
                out['ComplianceDetails'] = cd
            return out
        return _page(ctx, items, limit, 'ResourceTagMappingList', render)
    if op == 'GetTagKeys':
        keys = sorted({k for r in res for k in r['Tags']})
        return _page(ctx, keys, DEFAULT_PAGE, 'TagKeys', lambda k: k)
    if op == 'GetTagValues':
        key = p.get('Key')
        if not key:
            raise bad('Key is required')
        vals = sorted({r['Tags'][key] for r in res if key in r['Tags']})
        return _page(ctx, vals, DEFAULT_PAGE, 'TagValues', lambda v: v)
    if op == 'GetComplianceSummary':
        if ctx.account != ctx.org.mgmt or ctx.region != 'us-east-1':
            raise ApiError(400, 'ConstraintViolationException',
                           'This operation can only be called from the management account in us-east-1')
        return {'SummaryList': [], 'PaginationToken': ''}
    raise ApiError(400, 'UnknownOperationException', '')
