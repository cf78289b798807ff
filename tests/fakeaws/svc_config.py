"""AWS Config (awsJson1_1, StarlingDoveService)."""

import functools
import json
import random
import re

from common import ApiError, Tokens, int_param
from orggen import BASE_TIME, _hex, _rid

RULES = [
    ('s3-bucket-public-read-prohibited', 'S3_BUCKET_PUBLIC_READ_PROHIBITED', ['AWS::S3::Bucket'], None),
    ('encrypted-volumes', 'ENCRYPTED_VOLUMES', ['AWS::EC2::Volume'], None),
    ('required-tags', 'REQUIRED_TAGS', ['AWS::EC2::Instance', 'AWS::S3::Bucket'],
     '{"tag1Key":"CostCenter","tag2Key":"Owner"}'),
    ('iam-password-policy', 'IAM_PASSWORD_POLICY', [], '{"MinimumPasswordLength":"14"}'),
    ('root-account-mfa-enabled', 'ROOT_ACCOUNT_MFA_ENABLED', [], None),
    ('rds-storage-encrypted', 'RDS_STORAGE_ENCRYPTED', ['AWS::RDS::DBInstance'], None),
    ('lambda-function-public-access-prohibited', 'LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED',
     ['AWS::Lambda::Function'], None),
    ('cloudtrail-enabled', 'CLOUD_TRAIL_ENABLED', [], None),
]
CFN_TYPES = {'ec2:instance': 'AWS::EC2::Instance', 'ec2:volume': 'AWS::EC2::Volume',
             'ec2:vpc': 'AWS::EC2::VPC', 's3:bucket': 'AWS::S3::Bucket',
             'lambda:function': 'AWS::Lambda::Function', 'rds:db': 'AWS::RDS::DBInstance',
             'iam:role': 'AWS::IAM::Role', 'dynamodb:table': 'AWS::DynamoDB::Table',
             'sns:topic': 'AWS::SNS::Topic', 'sqs:queue': 'AWS::SQS::Queue',
             'logs:log-group': 'AWS::Logs::LogGroup'}
AGGREGATOR = 'org-aggregator'
PAGE = 25

# ---------------------------------------------------------------- the org-wide index
# Resources that never had a tag: the tagging API does not list them (its
# GetResources only knows resources that have or had tags), the Config
# aggregator and Resource Explorer do.  They are extra to Org.resources(), so
# every tagging listing stays what it was.
NEVER_TAGGED_KINDS = [
    # (service, type, CloudFormation type, global?)
    ('ec2', 'security-group', 'AWS::EC2::SecurityGroup', False),
    ('ec2', 'subnet', 'AWS::EC2::Subnet', False),
    ('ec2', 'network-interface', 'AWS::EC2::NetworkInterface', False),
    ('kms', 'key', 'AWS::KMS::Key', False),
    ('iam', 'policy', 'AWS::IAM::Policy', True),
]
NEVER_TAGGED_EVERY = 5          # one never-tagged resource per 5 generated ones
SELECT_FIELDS = ('resourceId', 'resourceType', 'resourceName', 'arn', 'accountId', 'awsRegion',
                 'availabilityZone', 'resourceCreationTime', 'tags')
SELECT_PAGE_EMPTY_EVERY = 4     # every 4th page of a Select is empty but has a NextToken
for _svc, _typ, _cfn, _g in NEVER_TAGGED_KINDS:
    CFN_TYPES.setdefault('%s:%s' % (_svc, _typ), _cfn)


@functools.lru_cache(maxsize=65536)
def _never_tagged(seed, account, region, first_region, per_slice):
    rng = random.Random('nevertagged/%d/%s/%s' % (seed, account, region))
    kinds = [k for k in NEVER_TAGGED_KINDS if first_region or not k[3]]
    out = []
    for i in range(max(1, per_slice // NEVER_TAGGED_EVERY)):
        svc, rtype, _, glob = kinds[i % len(kinds)]
        if svc == 'ec2':
            prefix = {'security-group': 'sg', 'subnet': 'subnet', 'network-interface': 'eni'}[rtype]
            arn = 'arn:aws:ec2:%s:%s:%s/%s-0%s' % (region, account, rtype, prefix, _hex(rng, 16))
        elif svc == 'kms':
            arn = 'arn:aws:kms:%s:%s:key/%s-%s-4%s-8%s-%s' % (region, account, _hex(rng, 8), _hex(rng, 4),
                                                           _hex(rng, 3), _hex(rng, 3), _hex(rng, 12))
        else:
            arn = 'arn:aws:iam::%s:policy/never-tagged/policy-%d-%s' % (account, i, _hex(rng, 6))
        out.append({'ResourceARN': arn, 'Service': svc, 'Type': rtype,
                    'ResourceType': '%s:%s' % (svc, rtype),
                    'Region': 'global' if glob else region, 'Tags': {}, 'NeverTagged': True})
    return tuple(out)


def never_tagged(org, account, region):
    """The (account, region) slice's never-tagged resources (tags {})."""
    if account not in org.accounts or region not in org.regions:
        return []
    return list(_never_tagged(org.seed, account, region, region == org.regions[0],
                              org.resources_per_slice))


def index_slice(org, account, region):
    """What an organization-wide index holds for one (account, region): the
    tagging API's resources (tags as they are now) and the never-tagged ones."""
    return list(org.resources(account, region)) + never_tagged(org, account, region)


def index_all(state, enabled):
    """[(account, resource)] over every account and region where enabled(account,
    region) is true, in org order."""
    org = state.org
    out = []
    for acct in org.account_ids():
        for reg in org.regions:
            if enabled(acct, reg):
                out.extend((acct, r) for r in index_slice(org, acct, reg))
    return out


def fake_index(state, query):
    """GET /_fake/index[?service=config|resource-explorer-2]: everything the
    org-wide index holds (default: every account and region)."""
    svc = query.get('service')
    if svc == 'config':
        enabled = state.config_enabled
    elif svc in ('resource-explorer-2', 'resexp'):
        enabled = state.resexp_enabled
    else:
        def enabled(a, r):
            return True
    return [{'ResourceARN': r['ResourceARN'], 'Account': acct, 'Region': r['Region'],
             'ResourceType': r['ResourceType'],
             'Tags': [{'Key': k, 'Value': v} for k, v in r['Tags'].items()],
             'NeverTagged': bool(r.get('NeverTagged'))} for acct, r in index_all(state, enabled)]


def _select_fields(expr):
    """Fields of "SELECT a, b, c" (no WHERE, no functions: what orgfs sends)."""
    m = re.match(r'^\s*SELECT\s+(.+?)\s*$', expr or '', re.I | re.S)
    if not m:
        raise ApiError(400, 'InvalidExpressionException', 'The expression is not valid: %s' % expr)
    fields = [f.strip() for f in m.group(1).split(',')]
    for f in fields:
        if f not in SELECT_FIELDS:
            raise ApiError(400, 'InvalidExpressionException',
                           'The expression is not valid: unknown field %r' % f)
    return fields


def _select_row(acct, res, fields):
    arn = res['ResourceARN']
    parts = arn.split(':', 5)
    tail = parts[5] if len(parts) > 5 else arn   # hostile mode: any string
    rid = tail.split('/', 1)[1] if '/' in tail else tail.split(':', 1)[-1]
    full = {'resourceId': rid, 'resourceType': CFN_TYPES.get(res['ResourceType'], res['ResourceType']),
            'resourceName': rid.rsplit('/', 1)[-1], 'arn': arn, 'accountId': acct,
            'awsRegion': res['Region'], 'availabilityZone': 'Not Applicable',
            'resourceCreationTime': '2019-06-01T00:00:00.000Z',
            'tags': [{'key': k, 'value': v, 'tag': '%s=%s' % (k, v)} for k, v in res['Tags'].items()]}
    return {f: full[f] for f in fields}


def _select(ctx):
    p = ctx.params
    if p.get('ConfigurationAggregatorName') != AGGREGATOR or not _aggregator(ctx):
        raise ApiError(400, 'NoSuchConfigurationAggregatorException',
                       'The configuration aggregator does not exist. Check the configuration aggregator name and try again.')
    if 'Expression' not in p:
        raise ApiError(400, 'ValidationException', 'Expression is required')
    fields = _select_fields(p['Expression'])
    key = 'Limit' if p.get('Limit') is not None else 'MaxResults'
    limit = int_param(p, key, 100, 0, 100, _lim) or 100
    items = index_all(ctx.state, ctx.state.config_enabled)
    st = _start(ctx)
    offset, page = (st['o'], st['p']) if st else (0, 1)
    scope = Tokens.scope_of(p)
    out = {'QueryInfo': {'SelectFields': [{'Name': f} for f in fields]}}
    if page % SELECT_PAGE_EMPTY_EVERY == 0 and offset < len(items):
        out['Results'] = []
        out['NextToken'] = ctx.state.tokens.encode(ctx.op, scope, offset, page + 1, a=ctx.account,
                                                   r=ctx.region, e=1)
        return out
    chunk = items[offset:offset + limit]
    out['Results'] = [json.dumps(_select_row(a, r, fields), separators=(',', ':')) for a, r in chunk]
    if offset + limit < len(items):
        out['NextToken'] = ctx.state.tokens.encode(ctx.op, scope, offset + limit, page + 1,
                                                   a=ctx.account, r=ctx.region)
    return out


@functools.lru_cache(maxsize=65536)
def slice_rules(seed, account, region):
    """[(rule dict, compliance dict)] for one (account, region)."""
    rng = random.Random('cfg/%d/%s/%s' % (seed, account, region))
    out = []
    for name, ident, types, params in RULES[:rng.randint(3, len(RULES))]:
        rid = 'config-rule-' + _rid(rng, 6)
        rule = {'ConfigRuleName': name,
                'ConfigRuleArn': 'arn:aws:config:%s:%s:config-rule/%s' % (region, account, rid),
                'ConfigRuleId': rid,
                'Description': 'Checks %s' % name.replace('-', ' '),
                'Scope': {'ComplianceResourceTypes': list(types)},
                'Source': {'Owner': 'AWS', 'SourceIdentifier': ident},
                'ConfigRuleState': 'ACTIVE',
                'EvaluationModes': [{'Mode': 'DETECTIVE'}]}
        if params:
            rule['InputParameters'] = params
        if not types:
            rule['MaximumExecutionFrequency'] = 'TwentyFour_Hours'
            del rule['Scope']
        r = rng.random()
        if r < 0.55:
            comp = {'ComplianceType': 'COMPLIANT'}
        elif r < 0.9:
            n = rng.randint(1, 150)
            comp = {'ComplianceType': 'NON_COMPLIANT',
                    'ComplianceContributorCount': {'CappedCount': min(n, 100), 'CapExceeded': n > 100}}
        else:
            comp = {'ComplianceType': 'INSUFFICIENT_DATA'}
        out.append((rule, comp))
    return out


def _inv(reason, message):
    return ApiError(400, 'InvalidParameterValueException', message)


def _lim(reason, message):
    return ApiError(400, 'InvalidLimitException', message)


def _start(ctx, key='NextToken'):
    tok = ctx.params.get(key)
    if not tok:
        return None
    st = ctx.state.tokens.decode(ctx.op, Tokens.scope_of(ctx.params), tok)
    if st is None or st.get('a') != ctx.account or st.get('r') != ctx.region:
        raise ApiError(400, 'InvalidNextTokenException', 'The nextToken provided is invalid')
    return st


def _simple_page(ctx, items, limit, key):
    st = _start(ctx)
    offset, page = (st['o'], st['p']) if st else (0, 1)
    out = {key: items[offset:offset + limit]}
    if offset + limit < len(items):
        out['NextToken'] = ctx.state.tokens.encode(ctx.op, Tokens.scope_of(ctx.params), offset + limit,
                                                   page + 1, a=ctx.account, r=ctx.region)
    return out


def _aggregator(ctx):
    org = ctx.org
    if ctx.account != org.mgmt or ctx.region != org.regions[0]:
        return None
    aid = 'config-aggregator-' + _rid(random.Random('agg/%d' % org.seed), 8)
    return {'ConfigurationAggregatorName': AGGREGATOR,
            'ConfigurationAggregatorArn': 'arn:aws:config:%s:%s:config-aggregator/%s' % (ctx.region, ctx.account, aid),
            'OrganizationAggregationSource': {
                'RoleArn': 'arn:aws:iam::%s:role/service-role/AWSConfigRoleForOrganizations' % ctx.account,
                'AllAwsRegions': True},
            'CreationTime': BASE_TIME + 86400 * 40, 'LastUpdatedTime': BASE_TIME + 86400 * 41.25,
            'CreatedBy': 'orgfs-fake'}


def handle(ctx):
    p = ctx.params
    op = ctx.op
    state = ctx.state
    seed = ctx.org.seed
    enabled = state.config_enabled(ctx.account, ctx.region)
    rules = slice_rules(seed, ctx.account, ctx.region) if enabled else []
    names = p.get('ConfigRuleNames') or []
    known = {r['ConfigRuleName'] for r, _ in rules}
    for n in names:
        if n not in known and op in ('DescribeConfigRules', 'DescribeComplianceByConfigRule'):
            raise ApiError(400, 'NoSuchConfigRuleException',
                           'The ConfigRule \'%s\' provided in the request is invalid. Please check the configRule name' % n)
    if op == 'DescribeConfigRules':
        items = [dict(r) for r, _ in rules if not names or r['ConfigRuleName'] in names]
        return _simple_page(ctx, items, PAGE, 'ConfigRules')
    if op == 'DescribeComplianceByConfigRule':
        types = p.get('ComplianceTypes') or []
        items = [{'ConfigRuleName': r['ConfigRuleName'], 'Compliance': dict(c)} for r, c in rules
                 if (not names or r['ConfigRuleName'] in names) and (not types or c['ComplianceType'] in types)]
        return _simple_page(ctx, items, PAGE, 'ComplianceByConfigRules')
    if op == 'GetComplianceDetailsByConfigRule':
        name = p.get('ConfigRuleName')
        match = [(r, c) for r, c in rules if r['ConfigRuleName'] == name]
        if not match:
            raise ApiError(400, 'NoSuchConfigRuleException', 'The ConfigRule \'%s\' provided in the request is invalid.' % name)
        limit = int_param(p, 'Limit', 10, 0, 100, _lim) or 10
        rule, comp = match[0]
        types = set(rule.get('Scope', {}).get('ComplianceResourceTypes', []))
        wanted = p.get('ComplianceTypes') or []
        items = []
        for res in ctx.org.resources(ctx.account, ctx.region):
            cfn = CFN_TYPES.get(res['ResourceType'])
            if cfn not in types:
                continue
            ct = comp['ComplianceType']
            if ct == 'NON_COMPLIANT' and len(res['ResourceARN']) % 2 == 0:
                ct = 'COMPLIANT'
            if wanted and ct not in wanted:
                continue
            t = BASE_TIME + 86400 * 200
            items.append({'EvaluationResultIdentifier': {
                'EvaluationResultQualifier': {'ConfigRuleName': name, 'ResourceType': cfn,
                                              'ResourceId': res['ResourceARN'].split(':')[-1].split('/')[-1],
                                              'EvaluationMode': 'DETECTIVE'},
                'OrderingTimestamp': t},
                'ComplianceType': ct, 'ResultRecordedTime': t + 1.5, 'ConfigRuleInvokedTime': t + 0.25})
        return _simple_page(ctx, items, limit, 'EvaluationResults')
    if op == 'DescribeConfigurationAggregators':
        limit = int_param(p, 'Limit', 100, 0, 100, _lim) or 100
        agg = _aggregator(ctx)
        aggs = [agg] if agg else []
        for n in p.get('ConfigurationAggregatorNames') or []:
            if n != AGGREGATOR or not agg:
                raise ApiError(400, 'NoSuchConfigurationAggregatorException',
                               'The configuration aggregator does not exist. Check the configuration aggregator name and try again.')
        return _simple_page(ctx, aggs, limit, 'ConfigurationAggregators')
    if op == 'DescribeAggregateComplianceByConfigRules':
        if p.get('ConfigurationAggregatorName') != AGGREGATOR or not _aggregator(ctx):
            raise ApiError(400, 'NoSuchConfigurationAggregatorException',
                           'The configuration aggregator does not exist. Check the configuration aggregator name and try again.')
        limit = int_param(p, 'Limit', 1000, 0, 1000, _lim) or 1000
        f = p.get('Filters') or {}
        st = _start(ctx)
        ai, ri, ki, page = (st['ai'], st['ri'], st['ki'], st['p']) if st else (0, 0, 0, 1)
        accts = ctx.org.account_ids()
        regions = ctx.org.regions
        out = []
        while ai < len(accts) and len(out) < limit:
            acct = accts[ai]
            reg = regions[ri]
            if (not f.get('AccountId') or f['AccountId'] == acct) and \
                    (not f.get('AwsRegion') or f['AwsRegion'] == reg) and state.config_enabled(acct, reg):
                rl = slice_rules(seed, acct, reg)
                while ki < len(rl) and len(out) < limit:
                    r, c = rl[ki]
                    ki += 1
                    if f.get('ConfigRuleName') and f['ConfigRuleName'] != r['ConfigRuleName']:
                        continue
                    if f.get('ComplianceType') and f['ComplianceType'] != c['ComplianceType']:
                        continue
                    out.append({'ConfigRuleName': r['ConfigRuleName'], 'Compliance': dict(c),
                                'AccountId': acct, 'AwsRegion': reg})
                if ki < len(rl):
                    break
            ki = 0
            ri += 1
            if ri >= len(regions):
                ri, ai = 0, ai + 1
        res = {'AggregateComplianceByConfigRules': out}
        if ai < len(accts):
            res['NextToken'] = state.tokens.encode(op, Tokens.scope_of(p), 0, page + 1, ai=ai, ri=ri, ki=ki,
                                                   a=ctx.account, r=ctx.region)
        return res
    if op == 'SelectAggregateResourceConfig':
        return _select(ctx)
    if op == 'DescribeConfigurationRecorderStatus':
        # like the real service: no recorder is an empty list, a named
        # recorder that does not exist an error
        recs = [] if not enabled else [{
            'name': 'default', 'lastStartTime': BASE_TIME + 86400 * 30, 'recording': True,
            'lastStatus': 'SUCCESS', 'lastStatusChangeTime': BASE_TIME + 86400 * 200}]
        for n in p.get('ConfigurationRecorderNames') or []:
            if n not in [r['name'] for r in recs]:
                raise ApiError(400, 'NoSuchConfigurationRecorderException',
                               'Cannot find configuration recorder with the specified name \'%s\'.' % n)
        return {'ConfigurationRecordersStatus': recs}
    raise ApiError(400, 'UnknownOperationException', '')
