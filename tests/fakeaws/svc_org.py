"""AWS Organizations (awsJson1_1, AWSOrganizationsV20161128)."""

import json
import re

from common import ApiError, Tokens, int_param

EMPTY_PAGE_EVERY = 7  # every 7th page of a listing is empty but has a NextToken
MEMBER_OK = {'DescribeOrganization', 'DescribeEffectivePolicy'}
_ACCOUNT_RE = re.compile(r'^\d{12}$')
_OU_RE = re.compile(r'^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$')
_ROOT_RE = re.compile(r'^r-[0-9a-z]{4,32}$')
_POLICY_RE = re.compile(r'^p-[0-9a-zA-Z_]{8,128}$')
POLICY_TYPES = {'SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY', 'TAG_POLICY', 'BACKUP_POLICY',
                'AISERVICES_OPT_OUT_POLICY', 'CHATBOT_POLICY', 'DECLARATIVE_POLICY_EC2',
                'SECURITYHUB_POLICY'}


def invalid(reason, message):
    return ApiError(400, 'InvalidInputException', message, {'Reason': reason})


def required(p, name):
    v = p.get(name)
    if v is None or v == '':
        raise invalid('INPUT_REQUIRED', 'You must specify a value for %s.' % name)
    if not isinstance(v, str):
        raise invalid('INVALID_INPUT', 'Invalid type for %s.' % name)
    return v


def paged(ctx, key, ids, view, extra=None):
    """One page of ids (a list), rendered with view(); Organizations paging rules."""
    p = ctx.params
    limit = int_param(p, 'MaxResults', 20, 1, 20, invalid)
    tokens = ctx.state.tokens
    scope = Tokens.scope_of(p)
    offset, page = 0, 1
    if p.get('NextToken') is not None:
        st = tokens.decode(ctx.op, scope, p['NextToken'])
        if st is None:
            raise invalid('INVALID_NEXT_TOKEN', 'The NextToken value is not valid.')
        offset, page = st['o'], st['p']
    out = dict(extra or {})
    if page % EMPTY_PAGE_EVERY == 0 and offset < len(ids):
        out[key] = []
        out['NextToken'] = tokens.encode(ctx.op, scope, offset, page + 1)
        return out
    chunk = ids[offset:offset + limit]
    out[key] = [view(i) for i in chunk]
    if offset + limit < len(ids):
        out['NextToken'] = tokens.encode(ctx.op, scope, offset + limit, page + 1)
    return out


def _parent(org, p):
    pid = required(p, 'ParentId')
    if not (_ROOT_RE.match(pid) or _OU_RE.match(pid)):
        raise invalid('INVALID_PATTERN', 'You provided a value that does not match the required pattern.')
    if org.node_type(pid) not in ('ROOT', 'ORGANIZATIONAL_UNIT'):
        raise ApiError(400, 'ParentNotFoundException',
                       "We can't find a root or OU with the ParentId that you specified.")
    return pid


def _account(org, aid):
    if not _ACCOUNT_RE.match(aid):
        raise invalid('INVALID_PATTERN', 'You provided a value that does not match the required pattern.')
    if aid not in org.accounts:
        raise ApiError(400, 'AccountNotFoundException',
                       "You specified an account that doesn't exist.")
    return aid


def _policy_type(p, name, effective=False):
    t = required(p, name)
    if t not in POLICY_TYPES or (effective and t in ('SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY')):
        raise invalid('INVALID_ENUM_POLICY_TYPE', 'You specified an invalid policy type string.')
    return t


def _summary(pol):
    return {k: pol[k] for k in ('Id', 'Arn', 'Name', 'Description', 'Type', 'AwsManaged')}


def _target(org, tid):
    if not (_ROOT_RE.match(tid) or _OU_RE.match(tid) or _ACCOUNT_RE.match(tid)):
        raise invalid('INVALID_PATTERN_TARGET_ID', 'You specified a policy target ID that does not match the required pattern.')
    if org.node_type(tid) is None:
        raise ApiError(400, 'TargetNotFoundException', "We can't find a root, OU, account, or policy with the TargetId that you specified.")
    return tid


def handle(ctx):
    org = ctx.org
    p = ctx.params
    op = ctx.op
    if ctx.account != org.mgmt and op not in MEMBER_OK:
        raise ApiError(400, 'AccessDeniedException', "You don't have permissions to access this resource.")
    with org.lock:
        if op == 'DescribeOrganization':
            o = dict(org.organization)
            o['AvailablePolicyTypes'] = list(o.get('AvailablePolicyTypes', []))
            return {'Organization': o}
        if op == 'ListRoots':
            return paged(ctx, 'Roots', [org.root['Id']], lambda i: dict(org.root))
        if op == 'ListOrganizationalUnitsForParent':
            pid = _parent(org, p)
            ids = [c for c in org.children[pid] if c in org.ous]
            return paged(ctx, 'OrganizationalUnits', ids, org.ou_view)
        if op == 'ListAccountsForParent':
            pid = _parent(org, p)
            ids = [c for c in org.children[pid] if c in org.accounts]
            return paged(ctx, 'Accounts', ids, org.account_view)
        if op == 'ListAccounts':
            return paged(ctx, 'Accounts', org.account_ids(), org.account_view)
        if op == 'DescribeAccount':
            aid = _account(org, required(p, 'AccountId'))
            return {'Account': org.account_view(aid)}
        if op == 'DescribeOrganizationalUnit':
            oid = required(p, 'OrganizationalUnitId')
            if not _OU_RE.match(oid):
                raise invalid('INVALID_PATTERN', 'You provided a value that does not match the required pattern.')
            if oid not in org.ous:
                raise ApiError(400, 'OrganizationalUnitNotFoundException',
                               "We can't find an OU with the OrganizationalUnitId that you specified.")
            return {'OrganizationalUnit': org.ou_view(oid)}
        if op == 'ListTagsForResource':
            rid = required(p, 'ResourceId')
            if not (org.node_type(rid) or rid in org.policies):
                raise ApiError(400, 'TargetNotFoundException',
                               "We can't find a root, OU, account, or policy with the TargetId that you specified.")
            tags = [{'Key': k, 'Value': v} for k, v in org.tags.get(rid, {}).items()]
            scope = Tokens.scope_of(p)
            offset = 0
            if p.get('NextToken') is not None:
                st = ctx.state.tokens.decode(op, scope, p['NextToken'])
                if st is None:
                    raise invalid('INVALID_NEXT_TOKEN', 'The NextToken value is not valid.')
                offset = st['o']
            out = {'Tags': tags[offset:offset + 20]}
            if offset + 20 < len(tags):
                out['NextToken'] = ctx.state.tokens.encode(op, scope, offset + 20, 1)
            return out
        if op == 'ListParents':
            cid = required(p, 'ChildId')
            if not (_ACCOUNT_RE.match(cid) or _OU_RE.match(cid)):
                raise invalid('INVALID_PATTERN', 'You provided a value that does not match the required pattern.')
            node = org.accounts.get(cid) or org.ous.get(cid)
            if node is None:
                raise ApiError(400, 'ChildNotFoundException',
                               "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
            par = node['ParentId']
            return paged(ctx, 'Parents', [par], lambda i: {'Id': i, 'Type': org.node_type(i)})
        if op == 'ListChildren':
            pid = _parent(org, p)
            ctype = required(p, 'ChildType')
            if ctype not in ('ACCOUNT', 'ORGANIZATIONAL_UNIT'):
                raise invalid('INVALID_ENUM', 'You specified an invalid value.')
            src = org.accounts if ctype == 'ACCOUNT' else org.ous
            ids = [c for c in org.children[pid] if c in src]
            return paged(ctx, 'Children', ids, lambda i: {'Id': i, 'Type': ctype})
        if op == 'ListPolicies':
            t = _policy_type(p, 'Filter')
            ids = [pid for pid, pol in org.policies.items() if pol['Type'] == t]
            return paged(ctx, 'Policies', ids, lambda i: _summary(org.policies[i]))
        if op == 'ListPoliciesForTarget':
            tid = _target(org, required(p, 'TargetId'))
            t = _policy_type(p, 'Filter')
            ids = [pol['Id'] for pol in org.policies_for(tid, t)]
            return paged(ctx, 'Policies', ids, lambda i: _summary(org.policies[i]))
        if op == 'ListTargetsForPolicy':
            pid = required(p, 'PolicyId')
            if not _POLICY_RE.match(pid):
                raise invalid('INVALID_SYNTAX_POLICY_ID', 'You provided a policy ID that does not match the required pattern.')
            pol = org.policies.get(pid)
            if pol is None:
                raise ApiError(400, 'PolicyNotFoundException', "We can't find a policy with the PolicyId that you specified.")
            ids = [t for t in pol['Targets'] if org.node_type(t)]
            return paged(ctx, 'Targets', ids, lambda i: {'TargetId': i, 'Arn': org.node_arn(i),
                                                         'Name': org.node_name(i), 'Type': org.node_type(i)})
        if op == 'DescribePolicy':
            pid = required(p, 'PolicyId')
            if not _POLICY_RE.match(pid):
                raise invalid('INVALID_SYNTAX_POLICY_ID', 'You provided a policy ID that does not match the required pattern.')
            pol = org.policies.get(pid)
            if pol is None:
                raise ApiError(400, 'PolicyNotFoundException', "We can't find a policy with the PolicyId that you specified.")
            return {'Policy': {'PolicySummary': _summary(pol), 'Content': pol['Content']}}
        if op == 'DescribeEffectivePolicy':
            t = _policy_type(p, 'PolicyType', effective=True)
            tid = p.get('TargetId') or ctx.account
            if org.node_type(tid) in ('ROOT', 'ORGANIZATIONAL_UNIT'):
                raise invalid('TARGET_NOT_SUPPORTED', 'You can specify only an account as the target of this operation.')
            _target(org, tid)
            if ctx.account != org.mgmt and tid != ctx.account:
                raise ApiError(400, 'AccessDeniedException', "You don't have permissions to access this resource.")
            content, ts = org.effective_policy(tid, t)
            if content is None:
                raise ApiError(400, 'EffectivePolicyNotFoundException',
                               "We can't find an effective policy of the PolicyType that you specified.")
            return {'EffectivePolicy': {'PolicyContent': json.dumps(content, separators=(',', ':')),
                                        'LastUpdatedTimestamp': ts, 'TargetId': tid, 'PolicyType': t}}
        if op == 'ListDelegatedAdministrators':
            sp = p.get('ServicePrincipal')
            seen, ids = set(), []
            for d in org.delegated:
                if (sp is None or d['ServicePrincipal'] == sp) and d['AccountId'] not in seen \
                        and d['AccountId'] in org.accounts:
                    seen.add(d['AccountId'])
                    ids.append(d['AccountId'])
            first = {}
            for d in org.delegated:
                first.setdefault(d['AccountId'], d['DelegationEnabledDate'])

            def view(aid):
                a = org.account_view(aid)
                a.pop('Paths', None)
                a['DelegationEnabledDate'] = first[aid]
                return a
            return paged(ctx, 'DelegatedAdministrators', ids, view)
        if op == 'ListDelegatedServicesForAccount':
            aid = _account(org, required(p, 'AccountId'))
            svcs = [d for d in org.delegated if d['AccountId'] == aid]
            if not svcs:
                raise ApiError(400, 'AccountNotRegisteredException',
                               'The provided account is not a registered delegated administrator for your organization.')
            return paged(ctx, 'DelegatedServices', list(range(len(svcs))),
                         lambda i: {'ServicePrincipal': svcs[i]['ServicePrincipal'],
                                    'DelegationEnabledDate': svcs[i]['DelegationEnabledDate']})
        if op == 'ListAWSServiceAccessForOrganization':
            es = org.enabled_services
            return paged(ctx, 'EnabledServicePrincipals', list(range(len(es))), lambda i: dict(es[i]))
    raise ApiError(400, 'UnknownOperationException', '')
