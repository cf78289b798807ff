"""Deterministic fake AWS Organization: generator, loader and live data.

Everything that is small per account (accounts, OUs, policies, tags) is held in
memory.  Resources are generated lazily per (account, region) from a seeded
RNG and kept in a small LRU cache, so a million resources never exist at once.
"""

import collections
import copy
import hashlib
import json
import random
import string
import threading

ORG_POLICY_TYPES = ['SERVICE_CONTROL_POLICY', 'TAG_POLICY', 'BACKUP_POLICY',
                    'AISERVICES_OPT_OUT_POLICY']
BASE_TIME = 1546300800.0  # 2019-01-01T00:00:00Z: all generated dates follow it

OU_NAMES = ['Production', 'Staging', 'Development', 'Sandbox', 'Security',
            'Infrastructure', 'Workloads', 'Shared Services', 'Suspended',
            'Policy Staging', 'Exceptions', 'Deployments', 'Transitional',
            'Business Units', 'Log Archive', 'Network', 'Data Platform',
            'Research', 'Finance', 'Marketing']
# Awkward names appear at fixed positions so every generated org has them.
ODD_OU_NAMES = ['Prod/EU', '100% Legacy', '.hidden', '  spaced  name ',
                '\u00c9quipe donn\u00e9es \u30c7\u30fc\u30bf', 'back\\slash',
                'Tab\there', '..dots']
TEAMS = ['payments', 'search', 'identity', 'platform', 'data', 'ml', 'web',
         'mobile', 'billing', 'ops', 'security', 'analytics']
ENVS = ['prod', 'staging', 'dev', 'test', 'sandbox']
ODD_ACCOUNT_NAMES = ['Team/Alpha', '50% Discount', '.dotfile account',
                     'spaces  inside', '\u00dcn\u00ef\u00e7\u00f8d\u00e9 \u8d26\u6237',
                     'trailing space ', 'shared-services', 'shared-services',
                     'x' * 128, 'colon:semi;comma,',
                     '\u2603 snowman']
PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace',
          'heidi', 'ivan', 'judy', 'mallory', 'oscar', 'peggy', 'trent']
LONG_VALUE = ('abcdefghij/klmnopq r+=.:_-@' * 10)[:256]

SERVICE_PRINCIPALS = ['config.amazonaws.com', 'securityhub.amazonaws.com',
                      'resource-explorer-2.amazonaws.com',
                      'guardduty.amazonaws.com']

RESOURCE_KINDS = [
    # (service, type, global?)
    ('ec2', 'instance', False), ('ec2', 'volume', False), ('ec2', 'vpc', False),
    ('s3', 'bucket', False), ('lambda', 'function', False), ('rds', 'db', False),
    ('iam', 'role', True), ('dynamodb', 'table', False), ('sns', 'topic', False),
    ('sqs', 'queue', False), ('logs', 'log-group', False),
]


def _rid(rng, n, alphabet=string.ascii_lowercase + string.digits):
    return ''.join(rng.choice(alphabet) for _ in range(n))


def _hex(rng, n):
    return ''.join(rng.choice('0123456789abcdef') for _ in range(n))


def tags_to_list(tags):
    return [{'Key': k, 'Value': v} for k, v in tags.items()]


def merge_policy(dst, src):
    """Merge one Organizations management policy into an effective one.

    Implements the inheritance operators @@assign (replace) and @@append
    (add to a list); a plain value behaves as @@assign.
    """
    for key, val in src.items():
        if isinstance(val, dict) and any(k.startswith('@@') for k in val):
            if '@@assign' in val:
                dst[key] = copy.deepcopy(val['@@assign'])
            if '@@append' in val:
                cur = dst.get(key)
                if not isinstance(cur, list):
                    cur = [] if cur is None else [cur]
                for item in val['@@append']:
                    if item not in cur:
                        cur.append(item)
                dst[key] = cur
            if '@@remove' in val:
                cur = dst.get(key)
                if isinstance(cur, list):
                    dst[key] = [x for x in cur if x not in val['@@remove']]
        elif isinstance(val, dict):
            sub = dst.get(key)
            if not isinstance(sub, dict):
                sub = {}
            merge_policy(sub, val)
            dst[key] = sub
        else:
            dst[key] = copy.deepcopy(val)


class Org:
    """The live organization.  All readers and writers take self.lock."""

    def __init__(self, seed=1, regions=None, resources=5):
        self.lock = threading.RLock()
        self.seed = seed
        self.regions = list(regions or ['us-east-1', 'eu-west-1'])
        self.resources_per_slice = resources
        self.organization = {}
        self.root = {}
        self.ous = {}       # id -> OU (with ParentId)
        self.accounts = {}  # id -> account (with ParentId)
        self.children = {}                         # parent id -> [child ids]
        self.tags = {}                             # resource id -> {k: v}
        self.policies = {}  # id -> policy (with Targets)
        self.delegated = []                        # delegated administrators
        self.enabled_services = []
        self.res_overlay = {}                      # ARN -> (set dict, removed set)
        self.raw_resources = {}                    # account or '*' -> [item] (hostile)
        self.opt_in = {}                           # opt-in region -> [account] (svc_account)
        self._slice_cache = collections.OrderedDict()
        self._slice_cache_max = 4096
        self._account_ids = None

    # ---------------------------------------------------------------- build
    @classmethod
    def generate(cls, seed=1, accounts=20, ou_depth=3, ous_per_level=3,
                 regions=None, resources=5, policies=6):
        org = cls(seed, regions, resources)
        rng = random.Random('org/%d' % seed)
        org_id = 'o-' + _rid(rng, 10)
        root_sfx = _rid(rng, 4)
        root_id = 'r-' + root_sfx
        used_ids = set()

        def new_account_id():
            while True:
                aid = '%012d' % rng.randrange(0, 10 ** 12)
                if aid not in used_ids and aid != '000000000000':
                    used_ids.add(aid)
                    return aid

        mgmt = new_account_id()
        org.organization = {
            'Id': org_id,
            'Arn': 'arn:aws:organizations::%s:organization/%s' % (mgmt, org_id),
            'FeatureSet': 'ALL',
            'MasterAccountArn': 'arn:aws:organizations::%s:account/%s/%s' % (mgmt, org_id, mgmt),
            'MasterAccountId': mgmt,
            'MasterAccountEmail': 'aws-root@example.com',
            'AvailablePolicyTypes': [{'Type': 'SERVICE_CONTROL_POLICY', 'Status': 'ENABLED'}],
        }
        org.root = {
            'Id': root_id,
            'Arn': 'arn:aws:organizations::%s:root/%s/%s' % (mgmt, org_id, root_id),
            'Name': 'Root',
            'PolicyTypes': [{'Type': t, 'Status': 'ENABLED'} for t in ORG_POLICY_TYPES],
        }
        org.children[root_id] = []

        # OUs, breadth first.  The first OU of every level always gets children
        # so the requested depth is reached.
        odd = list(ODD_OU_NAMES)
        level = [root_id]
        for depth in range(1, max(0, ou_depth) + 1):
            nxt = []
            for pidx, parent in enumerate(level):
                if parent == root_id:
                    count = max(1, ous_per_level)
                else:
                    count = rng.randint(1, max(1, ous_per_level))
                sibling_names = set()
                for i in range(count):
                    if depth == 2 and i == 0 and pidx < 2:
                        name = 'Production'  # same name under two parents
                    elif odd and rng.random() < 0.35:
                        name = odd.pop(0)
                    else:
                        name = rng.choice(OU_NAMES)
                    base, n = name, 2
                    while name in sibling_names:
                        name = '%s %d' % (base, n)
                        n += 1
                    sibling_names.add(name)
                    ou_id = 'ou-%s-%s' % (root_sfx, _rid(rng, 8))
                    org.ous[ou_id] = {
                        'Id': ou_id,
                        'Arn': 'arn:aws:organizations::%s:ou/%s/%s' % (mgmt, org_id, ou_id),
                        'Name': name,
                        'ParentId': parent,
                    }
                    org.children[parent].append(ou_id)
                    org.children[ou_id] = []
                    nxt.append(ou_id)
                    if rng.random() < 0.4:
                        org.tags[ou_id] = {'Owner': rng.choice(PEOPLE)}
                        if rng.random() < 0.5:
                            org.tags[ou_id]['Team'] = rng.choice(TEAMS)
            level = nxt
        ou_ids = list(org.ous)

        odd_accounts = list(ODD_ACCOUNT_NAMES)
        for idx in range(max(1, accounts)):
            aid = mgmt if idx == 0 else new_account_id()
            if idx == 0:
                name, email, parent = 'management', 'aws-root@example.com', root_id
            else:
                if odd_accounts and (idx % 3 == 0):
                    name = odd_accounts.pop(0)
                elif idx > 10 and rng.random() < 0.03:
                    name = rng.choice(list(org.accounts.values()))['Name']
                else:
                    name = '%s-%s-%04d' % (rng.choice(TEAMS), rng.choice(ENVS), idx)
                email = 'aws+acct-%05d@example.com' % idx
                parent = root_id if (not ou_ids or rng.random() < 0.1) else rng.choice(ou_ids)
            r = rng.random()
            if idx == 0 or r < 0.93:
                state, status = 'ACTIVE', 'ACTIVE'
            elif r < 0.96:
                state, status = 'SUSPENDED', 'SUSPENDED'
            elif r < 0.97:
                state, status = 'PENDING_CLOSURE', 'PENDING_CLOSURE'
            else:
                state, status = 'CLOSED', 'SUSPENDED'
            joined = round(BASE_TIME + idx * 3600 + rng.random() * 3000, 3)
            org.accounts[aid] = {
                'Id': aid,
                'Arn': 'arn:aws:organizations::%s:account/%s/%s' % (mgmt, org_id, aid),
                'Email': email,
                'Name': name,
                'Status': status,
                'State': state,
                'JoinedMethod': 'INVITED' if idx == 0 or rng.random() < 0.2 else 'CREATED',
                'JoinedTimestamp': joined,
                'ParentId': parent,
            }
            org.children[parent].append(aid)
            t = {}
            if rng.random() < 0.8:
                t['Owner'] = '' if rng.random() < 0.05 else rng.choice(PEOPLE) + '@example.com'
            if rng.random() < 0.7:
                t['Team'] = rng.choice(TEAMS)
            if rng.random() < 0.6:
                t['CostCenter'] = 'CC-%04d' % rng.randrange(10000)
            if idx == 2:
                t['CostCenter'] = LONG_VALUE
            if idx == 4:
                t['Owner'] = ''
            if t:
                org.tags[aid] = t
        org.tags[root_id] = {'Owner': 'cloud-platform'}

        org._generate_policies(rng, max(0, policies))

        acct_ids = list(org.accounts)
        if len(acct_ids) > 2:
            for i, sp in enumerate(SERVICE_PRINCIPALS[:2]):
                aid = acct_ids[1 + (i % (len(acct_ids) - 1))]
                org.delegated.append({'AccountId': aid, 'ServicePrincipal': sp,
                                      'DelegationEnabledDate': round(BASE_TIME + 86400 * (30 + i), 3)})
        org.enabled_services = [{'ServicePrincipal': sp, 'DateEnabled': round(BASE_TIME + 86400 * (10 + i), 3)}
                                for i, sp in enumerate(SERVICE_PRINCIPALS)]
        return org

    def _policy_arn(self, ptype, pid, managed=False):
        if managed:
            return 'arn:aws:organizations::aws:policy/%s/%s' % (ptype.lower(), pid)
        return 'arn:aws:organizations::%s:policy/%s/%s/%s' % (
            self.organization['MasterAccountId'], self.organization['Id'], ptype.lower(), pid)

    def _generate_policies(self, rng, count):
        rid = self.root['Id']
        all_targets = [rid] + list(self.ous) + list(self.accounts)
        full = {
            'Id': 'p-FullAWSAccess', 'Name': 'FullAWSAccess',
            'Arn': self._policy_arn('SERVICE_CONTROL_POLICY', 'p-FullAWSAccess', True),
            'Type': 'SERVICE_CONTROL_POLICY', 'AwsManaged': True,
            'Description': 'Allows access to every operation',
            'Content': json.dumps({'Version': '2012-10-17', 'Statement': [
                {'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}, indent=4),
            'Targets': list(all_targets),
        }
        self.policies[full['Id']] = full
        templates = [
            ('SERVICE_CONTROL_POLICY', 'DenyLeaveOrganization', 'Prevent accounts from leaving',
             {'Version': '2012-10-17', 'Statement': [{'Effect': 'Deny', 'Action': 'organizations:LeaveOrganization', 'Resource': '*'}]}),
            ('TAG_POLICY', 'CostCenterTags', 'Cost centre tag values',
             {'tags': {'costcenter': {'tag_key': {'@@assign': 'CostCenter'},
                                      'tag_value': {'@@assign': ['CC-0001', 'CC-0002', 'CC-1234']},
                                      'enforced_for': {'@@assign': ['ec2:instance']}}}}),
            ('BACKUP_POLICY', 'DailyBackups', 'Daily backup plan',
             {'plans': {'daily': {'regions': {'@@assign': list(self.regions)},
                                  'rules': {'daily': {'schedule_expression': {'@@assign': 'cron(0 5 ? * * *)'},
                                                      'target_backup_vault_name': {'@@assign': 'Default'}}}}}}),
            ('AISERVICES_OPT_OUT_POLICY', 'OptOutAll', 'Opt out of AI services data use',
             {'services': {'default': {'opt_out_policy': {'@@assign': 'optOut'}}}}),
            ('TAG_POLICY', 'OwnerTags', 'Owner tag key casing',
             {'tags': {'owner': {'tag_key': {'@@assign': 'Owner'}},
                       'costcenter': {'tag_value': {'@@append': ['CC-9999']}}}}),
            ('SERVICE_CONTROL_POLICY', 'Deny Regions/Outside EU & US', 'Region lock (odd name)',
             {'Version': '2012-10-17', 'Statement': [{'Effect': 'Deny', 'NotAction': ['iam:*'], 'Resource': '*',
                                                      'Condition': {'StringNotEquals': {'aws:RequestedRegion': list(self.regions)}}}]}),
        ]
        for i in range(count):
            ptype, name, desc, content = templates[i % len(templates)]
            if i >= len(templates):
                name = '%s-%d' % (name, i)
            pid = 'p-' + _rid(rng, 10)
            if i == 0 or i == 1 or i == 2 or i == 3:
                targets = [rid]  # root-level policies of each type
            else:
                targets = []
            if self.ous:
                targets += rng.sample(list(self.ous), min(len(self.ous), rng.randint(1, 3)))
            accts = list(self.accounts)[1:]
            if accts:
                targets += rng.sample(accts, min(len(accts), rng.randint(0, 3)))
            self.policies[pid] = {
                'Id': pid, 'Name': name, 'Arn': self._policy_arn(ptype, pid), 'Type': ptype,
                'AwsManaged': False, 'Description': desc,
                'Content': json.dumps(content), 'Targets': targets,
            }
            if rng.random() < 0.5:
                self.tags[pid] = {'Owner': rng.choice(PEOPLE)}

    @classmethod
    def load(cls, data, seed=1, regions=None, resources=None):
        """Build an Org from the JSON that to_json() returns."""
        regions = data.get('regions') or regions
        res = data.get('resources_per_account_region', resources if resources is not None else 5)
        org = cls(seed, regions, res)
        org.organization = dict(data['organization'])
        org.root = dict(data['roots'][0])
        org.children[org.root['Id']] = []
        for ou in data.get('ous', []):
            org.ous[ou['Id']] = dict(ou)
            org.children.setdefault(ou['Id'], [])
        for ou in org.ous.values():
            org.children.setdefault(ou['ParentId'], []).append(ou['Id'])
        for acct in data.get('accounts', []):
            a = dict(acct)
            org.accounts[a['Id']] = a
            org.children.setdefault(a['ParentId'], []).append(a['Id'])
        org.tags = {k: dict(v) for k, v in data.get('tags', {}).items()}
        for p in data.get('policies', []):
            org.policies[p['Id']] = dict(p)
        org.delegated = list(data.get('delegated_administrators', []))
        org.enabled_services = list(data.get('enabled_services', []))
        return org

    def to_json(self):
        with self.lock:
            return {
                'organization': self.organization,
                'roots': [self.root],
                'ous': list(self.ous.values()),
                'accounts': list(self.accounts.values()),
                'tags': self.tags,
                'policies': list(self.policies.values()),
                'delegated_administrators': self.delegated,
                'enabled_services': self.enabled_services,
                'regions': self.regions,
                'resources_per_account_region': self.resources_per_slice,
                'seed': self.seed,
            }

    # -------------------------------------------------------------- queries
    def account_ids(self):
        """Account ids in org order; cached because ListAccounts pages through
        10,000 of them 20 at a time."""
        ids = self._account_ids
        if ids is None or len(ids) != len(self.accounts):
            ids = self._account_ids = list(self.accounts)
        return ids

    @property
    def mgmt(self):
        return self.organization['MasterAccountId']

    def path_of(self, node_id):
        """Root-first list of ids from the root down to node_id."""
        chain = []
        cur = node_id
        while cur is not None:
            chain.append(cur)
            if cur == self.root['Id']:
                break
            node = self.ous.get(cur) or self.accounts.get(cur)
            cur = node['ParentId'] if node else None
        return list(reversed(chain))

    def org_path(self, node_id):
        return '%s/%s/' % (self.organization['Id'], '/'.join(self.path_of(node_id)))

    def account_view(self, aid):
        a = self.accounts[aid]
        out = {k: a[k] for k in ('Id', 'Arn', 'Email', 'Name', 'Status', 'State',
                                 'JoinedMethod', 'JoinedTimestamp') if k in a}
        out['Paths'] = [self.org_path(aid)]
        return out

    def ou_view(self, ou_id):
        ou = self.ous[ou_id]
        return {'Id': ou['Id'], 'Arn': ou['Arn'], 'Name': ou['Name'],
                'Path': self.org_path(ou_id)}

    def node_type(self, nid):
        if nid == self.root['Id']:
            return 'ROOT'
        if nid in self.ous:
            return 'ORGANIZATIONAL_UNIT'
        if nid in self.accounts:
            return 'ACCOUNT'
        return None

    def node_name(self, nid):
        t = self.node_type(nid)
        if t == 'ROOT':
            return self.root['Name']
        if t == 'ORGANIZATIONAL_UNIT':
            return self.ous[nid]['Name']
        return self.accounts[nid]['Name']

    def node_arn(self, nid):
        t = self.node_type(nid)
        if t == 'ROOT':
            return self.root['Arn']
        if t == 'ORGANIZATIONAL_UNIT':
            return self.ous[nid]['Arn']
        return self.accounts[nid]['Arn']

    def policies_for(self, target, ptype):
        return [p for p in self.policies.values()
                if p['Type'] == ptype and target in p['Targets']]

    def effective_policy(self, account_id, ptype):
        """Merged content of the policies of ptype on the account's path."""
        merged, found, last = {}, False, BASE_TIME
        for nid in self.path_of(account_id):
            for p in self.policies_for(nid, ptype):
                found = True
                merge_policy(merged, json.loads(p['Content']))
        if not found:
            return None, None
        return merged, round(last + 86400 * 100.5, 3)

    # ------------------------------------------------------------ resources
    # Regions an account must opt in to (AWS's list, as of 2024); every
    # other region is enabled by default.
    OPT_IN_REGIONS = ('af-south-1', 'ap-east-1', 'ap-south-2', 'ap-southeast-3',
                      'ap-southeast-4', 'ca-west-1', 'eu-central-2', 'eu-south-1',
                      'eu-south-2', 'il-central-1', 'me-central-1', 'me-south-1')

    def region_enabled(self, account_id, region):
        """Whether the account has the region enabled: always for a
        default region; for an opt-in one, as self.opt_in says
        ({region: [account, ...]}) or else for a deterministic half of the
        accounts (the management account never)."""
        if region not in self.OPT_IN_REGIONS:
            return True
        with self.lock:
            listed = self.opt_in.get(region)
        if listed is not None:
            return account_id in listed
        if account_id == self.mgmt:
            return False
        return random.Random('optin/%d/%s/%s' % (self.seed, account_id, region)).random() < 0.5

    def region_statuses(self, account_id):
        """[(region, RegionOptStatus)] for every region the fake knows,
        sorted: ENABLED_BY_DEFAULT, ENABLED or DISABLED."""
        out = []
        for r in sorted(self.regions):
            if r not in self.OPT_IN_REGIONS:
                out.append((r, 'ENABLED_BY_DEFAULT'))
            else:
                out.append((r, 'ENABLED' if self.region_enabled(account_id, r) else 'DISABLED'))
        return out

    def resources(self, account_id, region):
        """The (account, region) slice, tags as a dict; cached, overlay applied."""
        key = (account_id, region)
        with self.lock:
            base = self._slice_cache.get(key)
            if base is not None:
                self._slice_cache.move_to_end(key)
        if base is None:
            base = self._gen_slice(account_id, region)
            with self.lock:
                self._slice_cache[key] = base
                while len(self._slice_cache) > self._slice_cache_max:
                    self._slice_cache.popitem(last=False)
        extra = self._extra_resources(account_id, region)
        if not self.res_overlay and not extra:
            return base
        out = []
        with self.lock:
            for r in base:
                ov = self.res_overlay.get(r['ResourceARN'])
                if ov:
                    r = dict(r)
                    tags = {k: v for k, v in r['Tags'].items() if k not in ov[1]}
                    tags.update(ov[0])
                    r['Tags'] = tags
                out.append(r)
        return out + extra

    def _extra_resources(self, account_id, region):
        """Hostile mode: resources added as they are to listings (mutate
        'raw_resources'), for every account ('*') or one, every region or
        the item's 'Region'."""
        with self.lock:
            items = (self.raw_resources.get('*', []) +
                     self.raw_resources.get(account_id, []))
        out = []
        for it in items:
            if it.get('Region') not in (None, region):
                continue
            arn = it['ResourceARN']
            parts = arn.split(':') if isinstance(arn, str) else []
            svc = parts[2] if len(parts) > 5 else ''
            out.append({'ResourceARN': arn, 'Service': svc, 'Type': '',
                        'ResourceType': svc + ':', 'Region': region,
                        'Tags': dict(it.get('Tags') or {})})
        return out

    def _gen_slice(self, account_id, region):
        if account_id not in self.accounts or region not in self.regions:
            return []
        rng = random.Random('res/%d/%s/%s' % (self.seed, account_id, region))
        first_region = region == self.regions[0]
        kinds = [k for k in RESOURCE_KINDS if first_region or not k[2]]
        out = []
        for i in range(self.resources_per_slice):
            svc, rtype, _ = kinds[i % len(kinds)] if i < len(kinds) else rng.choice(kinds)
            team = rng.choice(TEAMS)
            env = rng.choice(ENVS)
            name = '%s-%s-%d' % (team, env, i)
            acct, reg = account_id, region
            if svc == 'ec2':
                prefix = {'instance': 'i', 'volume': 'vol', 'vpc': 'vpc'}[rtype]
                arn = 'arn:aws:ec2:%s:%s:%s/%s-0%s' % (reg, acct, rtype, prefix, _hex(rng, 16))
            elif svc == 's3':
                arn = 'arn:aws:s3:::%s-%s-%s-%d' % (team, acct, reg, i)
            elif svc == 'lambda':
                arn = 'arn:aws:lambda:%s:%s:function:%s' % (reg, acct, name)
            elif svc == 'rds':
                arn = 'arn:aws:rds:%s:%s:db:%s' % (reg, acct, name)
            elif svc == 'iam':
                path = rng.choice(['/', '/service-role/', '/org/%s/' % team])
                arn = 'arn:aws:iam::%s:role%s%s+role@%d' % (acct, path, team, i)
            elif svc == 'dynamodb':
                arn = 'arn:aws:dynamodb:%s:%s:table/%s.Table_%d' % (reg, acct, team, i)
            elif svc == 'sns':
                arn = 'arn:aws:sns:%s:%s:%s-alerts-%d' % (reg, acct, team, i)
            elif svc == 'sqs':
                arn = 'arn:aws:sqs:%s:%s:%s-queue-%d%s' % (reg, acct, team, i,
                                                          '.fifo' if rng.random() < 0.2 else '')
            else:
                arn = 'arn:aws:logs:%s:%s:log-group:/aws/lambda/%s#%d' % (reg, acct, name, i)
            tags = {}
            r = rng.random()
            if r >= 0.1:  # 10% were tagged once and now have no tags
                if rng.random() < 0.8:
                    tags['Owner'] = rng.choice(PEOPLE)
                if rng.random() < 0.6:
                    tags['Team'] = team
                if rng.random() < 0.5:
                    tags['CostCenter'] = rng.choice(['CC-0001', 'CC-0002', 'CC-1234', 'CC-7777', ''])
                if rng.random() < 0.05:
                    tags['costcenter'] = 'CC-0001'  # wrong key case: non-compliant
                if rng.random() < 0.5:
                    tags['Name'] = name
                if rng.random() < 0.3:
                    tags['Environment'] = env
                if rng.random() < 0.02:
                    tags['Description'] = LONG_VALUE
            out.append({'ResourceARN': arn, 'Service': svc, 'Type': rtype,
                        'ResourceType': '%s:%s' % (svc, rtype),
                        'Region': 'global' if svc == 'iam' else reg,
                        'Tags': tags})
        return out

    # ------------------------------------------------------- Identity Center
    def identity_center(self):
        """The IAM Identity Center instance of the organization, made once
        from the seed and the accounts and owner tags as they are then:
        {'instance', 'permission_sets' (arn -> set, with 'ManagedPolicies'
        and 'InlinePolicy'), 'groups' (id -> group), 'users' (id -> user),
        'assignments' [(account, permission set arn, 'GROUP'|'USER',
        principal id)], 'memberships' (group id -> [user id]): about two
        users in five per group, one of them a user deleted since (no
        DescribeUser answers it)}.  Groups are named like the owner values (a few
        owners have none) plus a few that are no owner; some assignments go
        to users directly."""
        with self.lock:
            ic = getattr(self, '_identity_center', None)
            if ic is None:
                ic = self._identity_center = self._gen_identity_center()
            return ic

    def _gen_identity_center(self):
        rng = random.Random('sso/%d' % self.seed)
        ins = 'ssoins-' + _hex(rng, 16)
        store = 'd-' + _hex(rng, 10)
        instance = {'InstanceArn': 'arn:aws:sso:::instance/' + ins, 'IdentityStoreId': store,
                    'OwnerAccountId': self.mgmt, 'Name': 'example-sso', 'Status': 'ACTIVE',
                    'CreatedDate': BASE_TIME + 86400 * 5}
        aws_pol = 'arn:aws:iam::aws:policy/'
        specs = [  # name, description, duration, managed policies, inline
            ('AdministratorAccess', 'Full access to every service', 'PT1H',
             ['AdministratorAccess'], ''),
            ('PowerUserAccess', 'Everything but IAM and Organizations', 'PT4H',
             ['PowerUserAccess'], ''),
            ('ReadOnlyAccess', 'Read everything', 'PT8H', ['ReadOnlyAccess'], ''),
            ('SecurityAudit', 'Security auditors', 'PT8H', ['SecurityAudit', 'job-function/ViewOnlyAccess'], ''),
            ('Billing', '', 'PT2H', ['job-function/Billing'], ''),
            ('DataEngineer', 'Data platform: S3 and Glue, no deletes', 'PT12H', [],
             json.dumps({'Version': '2012-10-17', 'Statement': [
                 {'Effect': 'Allow', 'Action': ['s3:Get*', 's3:List*', 's3:Put*', 'glue:*'], 'Resource': '*'},
                 {'Effect': 'Deny', 'Action': 's3:Delete*', 'Resource': '*'}]})),
            ('ViewOnlyAccess', 'Console read, no data', 'PT8H', ['job-function/ViewOnlyAccess'], ''),
            ('NetworkAdministrator', 'VPCs, Transit Gateway, DNS', 'PT4H',
             ['job-function/NetworkAdministrator'], ''),
            ('DatabaseAdministrator', '', 'PT4H', ['job-function/DatabaseAdministrator'], ''),
            ('SupportUser', 'Open and read support cases', 'PT8H', ['job-function/SupportUser'], ''),
        ]
        psets = {}
        by_name = {}
        for i, (name, desc, dur, managed, inline) in enumerate(specs):
            arn = 'arn:aws:sso:::permissionSet/%s/ps-%s' % (ins, _hex(rng, 16))
            ps = {'Name': name, 'PermissionSetArn': arn, 'SessionDuration': dur,
                  'CreatedDate': BASE_TIME + 86400 * (6 + i),
                  'ManagedPolicies': [{'Name': m.rsplit('/', 1)[-1], 'Arn': aws_pol + m} for m in managed],
                  'InlinePolicy': inline}
            if desc:
                ps['Description'] = desc
            psets[arn] = ps
            by_name[name] = arn

        def uid():
            return '%s-%s-%s-%s-%s' % (_hex(rng, 8), _hex(rng, 4), _hex(rng, 4), _hex(rng, 4), _hex(rng, 12))

        owners = sorted({t.get('Owner') for t in self.tags.values() if t.get('Owner')})
        without = set(owners[1::5])         # a few owners have no group
        names = [o for o in owners if o not in without]
        names += ['security-auditors', 'break-glass', 'data/ml engineers', 'finance', 'users']
        groups, gid_of = {}, {}
        for n in names:
            gid = uid()
            groups[gid] = {'GroupId': gid, 'DisplayName': n, 'IdentityStoreId': store,
                           'Description': 'group %s' % n}
            gid_of[n] = gid
        # a second group called like another: two directory groups may share
        # a display name
        twin = uid()
        groups[twin] = {'GroupId': twin, 'DisplayName': 'finance', 'IdentityStoreId': store,
                        'Description': 'the other finance'}
        users = {}
        for p in PEOPLE[:8]:
            u = uid()
            users[u] = {'UserId': u, 'UserName': '%s@example.com' % p, 'DisplayName': p.title(),
                        'IdentityStoreId': store}
        user_ids = list(users)
        asg = set()
        for aid in self.account_ids():
            owner = (self.tags.get(aid) or {}).get('Owner')
            if owner in gid_of and rng.random() < 0.85:
                ps = 'AdministratorAccess' if rng.random() < 0.5 else 'PowerUserAccess'
                asg.add((aid, by_name[ps], 'GROUP', gid_of[owner]))
            asg.add((aid, by_name['SecurityAudit'], 'GROUP', gid_of['security-auditors']))
            if rng.random() < 0.3:
                asg.add((aid, by_name['AdministratorAccess'], 'GROUP', gid_of['break-glass']))
            if rng.random() < 0.25:
                asg.add((aid, by_name['DataEngineer'], 'GROUP', gid_of['data/ml engineers']))
            if rng.random() < 0.2:
                asg.add((aid, by_name['AdministratorAccess'], 'USER', rng.choice(user_ids)))
            if rng.random() < 0.2:
                asg.add((aid, by_name['ReadOnlyAccess'], 'USER', rng.choice(user_ids)))
            if owner in gid_of and rng.random() < 0.5:
                asg.add((aid, by_name['ViewOnlyAccess'], 'GROUP', gid_of[owner]))
            if rng.random() < 0.15:
                asg.add((aid, by_name['NetworkAdministrator'], 'GROUP', gid_of['break-glass']))
            if rng.random() < 0.1:
                asg.add((aid, by_name['DatabaseAdministrator'], 'USER', rng.choice(user_ids)))
            if rng.random() < 0.4:
                asg.add((aid, by_name['SupportUser'], 'GROUP', gid_of['security-auditors']))
            if rng.random() < 0.3:      # a group called like the users/ directory
                asg.add((aid, by_name['ReadOnlyAccess'], 'GROUP', gid_of['users']))
            if aid == self.mgmt:
                asg.add((aid, by_name['Billing'], 'GROUP', gid_of['finance']))
                asg.add((aid, by_name['ReadOnlyAccess'], 'GROUP', twin))
        # members from a draw of their own: the assignments above stay
        # what they were for a seed
        mrng = random.Random('sso-members/%d' % self.seed)
        gone = '%s-%s-%s-%s-%s' % (_hex(mrng, 8), _hex(mrng, 4), _hex(mrng, 4), _hex(mrng, 4),
                                   _hex(mrng, 12))
        memberships = {g: [u for u in user_ids if mrng.random() < 0.4] for g in sorted(groups)}
        memberships[gid_of['break-glass']].append(gone)
        return {'instance': instance, 'permission_sets': psets, 'groups': groups, 'users': users,
                'assignments': sorted(asg), 'memberships': memberships}

    # ------------------------------------------------------------- mutation
    def mutate(self, spec):
        with self.lock:
            for rid, tags in (spec.get('tags') or {}).items():
                if rid.startswith('arn:'):
                    ov = self.res_overlay.setdefault(rid, ({}, set()))
                    ov[0].update(tags)
                    ov[1].difference_update(tags)
                else:
                    self._check_node(rid)
                    self.tags.setdefault(rid, {}).update(tags)
            for rid, keys in (spec.get('remove_tags') or {}).items():
                if isinstance(keys, dict):
                    keys = list(keys)
                if rid.startswith('arn:'):
                    ov = self.res_overlay.setdefault(rid, ({}, set()))
                    for k in keys:
                        ov[0].pop(k, None)
                        ov[1].add(k)
                else:
                    t = self.tags.get(rid, {})
                    for k in keys:
                        t.pop(k, None)
            for aid, changes in (spec.get('account') or {}).items():
                if aid not in self.accounts:
                    raise KeyError('no such account %s' % aid)
                self._update_node(self.accounts[aid], aid, changes)
            for oid, changes in (spec.get('ou') or {}).items():
                if oid not in self.ous:
                    raise KeyError('no such ou %s' % oid)
                self._update_node(self.ous[oid], oid, changes)
            for rid, changes in (spec.get('root') or {}).items():
                # e.g. {'PolicyTypes': [...]}: a type disabled leaves the
                # list, its policies stay (detached)
                if rid != self.root['Id']:
                    raise KeyError('no such root %s' % rid)
                self.root.update(changes)
            for pid, changes in (spec.get('policy') or {}).items():
                if pid not in self.policies:
                    raise KeyError('no such policy %s' % pid)
                for k, v in changes.items():
                    if k in ('Id', 'Arn', 'Type', 'AwsManaged'):
                        raise KeyError('cannot change %s' % k)
                    if k == 'Targets':
                        for t in v:
                            self._check_node(t)
                        v = list(v)
                    self.policies[pid][k] = v
            self._mutate_raw(spec)

    def _mutate_raw(self, spec):
        """Hostile mode: objects added exactly as given, with ids, ARNs and
        strings no real endpoint would send ('raw_ous', 'raw_accounts',
        'raw_policies', 'raw_resources'); tests/fakeaws/README.md."""
        for ou in spec.get('raw_ous') or []:
            ou = dict(ou)
            ou.setdefault('ParentId', self.root['Id'])
            ou.setdefault('Arn', '')
            self.ous[ou['Id']] = ou
            self.children.setdefault(ou['ParentId'], []).append(ou['Id'])
            self.children.setdefault(ou['Id'], [])
        for a in spec.get('raw_accounts') or []:
            a = dict(a)
            a.setdefault('ParentId', self.root['Id'])
            for k, v in (('Arn', ''), ('Email', 'x@example.com'), ('Status', 'ACTIVE'),
                         ('State', 'ACTIVE'), ('JoinedMethod', 'CREATED'),
                         ('JoinedTimestamp', BASE_TIME)):
                a.setdefault(k, v)
            self.accounts[a['Id']] = a
            self.children.setdefault(a['ParentId'], []).append(a['Id'])
            self._account_ids = None
        for p in spec.get('raw_policies') or []:
            p = dict(p)
            p.setdefault('Type', 'SERVICE_CONTROL_POLICY')
            p.setdefault('Arn', '')
            p.setdefault('Description', '')
            p.setdefault('AwsManaged', False)
            p.setdefault('Content', '{}')
            p.setdefault('Targets', [])
            self.policies[p['Id']] = p
        for acct, items in (spec.get('raw_resources') or {}).items():
            self.raw_resources.setdefault(acct, []).extend(
                {'ResourceARN': it} if isinstance(it, str) else dict(it) for it in items)
        for region, accts in (spec.get('opt_in') or {}).items():
            self.opt_in[region] = list(accts)

    def _check_node(self, rid):
        if not (self.node_type(rid) or rid in self.policies):
            raise KeyError('no such resource %s' % rid)

    def _update_node(self, node, nid, changes):
        for k, v in changes.items():
            if k == 'ParentId':
                if self.node_type(v) not in ('ROOT', 'ORGANIZATIONAL_UNIT'):
                    raise KeyError('no such parent %s' % v)
                self.children[node['ParentId']].remove(nid)
                self.children[v].append(nid)
                node['ParentId'] = v
            elif k in ('Id', 'Arn'):
                raise KeyError('cannot change %s' % k)
            else:
                node[k] = v


def stable_hash(*parts):
    h = hashlib.sha256('\0'.join(str(p) for p in parts).encode()).hexdigest()
    return int(h[:12], 16)
