#!/usr/bin/python3
"""Every resource of the organization with its effective owner, written as
users write it with boto3: list the accounts; for each account its owner
from its tags (Owner, then Team) or, failing that, from the nearest OU
above it (list_parents, tags of each OU, remembered); then assume
OrganizationAccountAccessRole in the account and page through
resourcegroupstaggingapi get_resources in each region.  A resource's own
Owner/Team tag wins over its account's owner.  Sequential, default client
settings.  Usage: resource_owners.py ENDPOINT REGION[,REGION...]"""
import sys

import boto3

url, regions = sys.argv[1], sys.argv[2].split(',')
KEYS = ('Owner', 'Team')
org = boto3.client('organizations', region_name='us-east-1', endpoint_url=url)
sts = boto3.client('sts', region_name='us-east-1', endpoint_url=url)
known = {}


def own_owner(tags):
    d = {t['Key']: t['Value'].strip() for t in tags}
    return next((d[k] for k in KEYS if d.get(k)), '')


def owner_of(target):
    if target in known:
        return known[target]
    o = own_owner(org.list_tags_for_resource(ResourceId=target)['Tags'])
    if not o and not target.startswith('r-'):
        parent = org.list_parents(ChildId=target)['Parents'][0]['Id']
        o = owner_of(parent)
    if not target.isdigit():
        known[target] = o
    return o


for page in org.get_paginator('list_accounts').paginate():
    for acct in page['Accounts']:
        if acct.get('State', acct.get('Status')) != 'ACTIVE':
            continue
        aowner = owner_of(acct['Id'])
        c = sts.assume_role(RoleArn='arn:aws:iam::%s:role/OrganizationAccountAccessRole'
                            % acct['Id'], RoleSessionName='audit')['Credentials']
        for region in regions:
            tagging = boto3.client('resourcegroupstaggingapi', region_name=region,
                                   endpoint_url=url,
                                   aws_access_key_id=c['AccessKeyId'],
                                   aws_secret_access_key=c['SecretAccessKey'],
                                   aws_session_token=c['SessionToken'])
            for rp in tagging.get_paginator('get_resources').paginate():
                for r in rp['ResourceTagMappingList']:
                    print('%s\t%s' % (r['ResourceARN'],
                                      own_owner(r.get('Tags', [])) or aowner))
