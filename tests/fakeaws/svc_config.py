"""AWS Config (awsJson1_1, StarlingDoveService)."""

import functools
import random

from common import ApiError, Tokens, int_param
from orggen import BASE_TIME, _rid

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
    raise ApiError(400, 'UnknownOperationException', '')
