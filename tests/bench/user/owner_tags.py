#!/usr/bin/python3
"""The Owner tag of every account, written as users write it with boto3:
a list_accounts paginator and one list_tags_for_resource per account,
sequential, default client settings.  Endpoint and credentials come from
the environment (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID...); the fake
endpoint is given with --endpoint-url."""
import sys

import boto3

org = boto3.client('organizations', region_name='us-east-1',
                   endpoint_url=sys.argv[1])
for page in org.get_paginator('list_accounts').paginate():
    for acct in page['Accounts']:
        tags = org.list_tags_for_resource(ResourceId=acct['Id'])['Tags']
        owner = next((t['Value'] for t in tags if t['Key'] == 'Owner'), '')
        print('%s\t%s' % (acct['Id'], owner))
