"""What the tree should hold, computed from the fake endpoint's data
independently of orgfs's code (the man page's rules, written again)."""
import datetime
import hashlib
import json


def esc(name):
    """File name of an AWS name (orgfs(1), NAMES)."""
    raw = name.encode('utf-8', 'surrogateescape')
    if not raw:
        return '%00'
    out = bytearray()
    for i, b in enumerate(raw):
        if b in (0x2F, 0x25) or b < 0x20 or b == 0x7F or (i == 0 and b == 0x2E):
            out += b'%%%02X' % b
        else:
            out.append(b)
    if len(out) > 255:
        cut = 240
        # never inside %XX or a UTF-8 sequence
        while cut > 0:
            if out[cut - 1:cut] == b'%' or (cut >= 2 and out[cut - 2:cut - 1] == b'%'):
                cut -= 1
                continue
            if cut < len(out) and (out[cut] & 0xC0) == 0x80:
                cut -= 1
                continue
            break
        out = out[:cut] + b'%~' + hashlib.sha256(raw).hexdigest()[:8].encode()
    return out.decode('utf-8', 'surrogateescape')


def iso(ts):
    if ts is None or ts == 0:
        return ''
    return datetime.datetime.fromtimestamp(int(ts), datetime.timezone.utc) \
        .strftime('%Y-%m-%dT%H:%M:%SZ')


class Org:
    def __init__(self, data):
        self.d = data
        self.roots = {r['Id']: r for r in data['roots']}
        self.ous = {u['Id']: u for u in data['ous']}
        self.accounts = {a['Id']: a for a in data['accounts']}
        self.tags = data['tags']
        enabled = None
        for r in data['roots']:
            pts = r.get('PolicyTypes')
            if pts is not None:
                enabled = {p['Type'] for p in pts if p['Status'] == 'ENABLED'}
        self.policies = {p['Id']: p for p in data['policies']
                         if enabled is None or p['Type'] in enabled}

    def node(self, oid):
        return self.roots.get(oid) or self.ous.get(oid)

    def parent(self, oid):
        if oid in self.accounts:
            return self.accounts[oid]['ParentId']
        if oid in self.ous:
            return self.ous[oid]['ParentId']
        return None

    def chain(self, oid):
        """oid and its ancestors, oid first."""
        out = [oid]
        p = self.parent(oid)
        while p:
            out.append(p)
            p = self.parent(p)
        return out

    def path(self, container):
        names = [self.node(i)['Name'] for i in reversed(self.chain(container))]
        return '/'.join(names)

    def tree_path(self, container):
        """container's path below tree/, as accounts/<id>/path writes it:
        each name as tree/ lists it (escaped, twins with their id)."""
        out, parent = [], None
        for oid in reversed(self.chain(container)):
            out += [n for n, i, _ in self.tree_children(parent) if i == oid]
            parent = oid
        return '/'.join(out)

    def state(self, a):
        return a.get('State') or a.get('Status') or ''

    def policies_of(self, oid):
        ids = set(self.chain(oid))
        return sorted(esc(p['Id']) for p in self.policies.values()
                      if ids & set(p.get('Targets', [])))

    def tree_children(self, parent):
        """[(file name, id, is_ou)] under parent (None: the roots)."""
        items = []
        if parent is None:
            items = [(r['Name'], r['Id'], True) for r in self.roots.values()]
        else:
            items = [(u['Name'], u['Id'], True) for u in self.ous.values()
                     if u['ParentId'] == parent]
            items += [(a['Name'], a['Id'], False)
                      for a in self.accounts.values() if a['ParentId'] == parent]
        names = [n for n, _, _ in items]
        out = []
        for n, i, is_ou in items:
            shown = '%s (%s)' % (n, i) if names.count(n) > 1 else n
            out.append((esc(shown), i, is_ou))
        return sorted(out)

    def by_name(self):
        names = [a['Name'] for a in self.accounts.values()]
        out = {}
        for a in self.accounts.values():
            shown = a['Name'] if names.count(a['Name']) == 1 else \
                '%s (%s)' % (a['Name'], a['Id'])
            out[esc(shown)] = a['Id']
        return out

    def pretty(self, content):
        try:
            return json.dumps(json.loads(content), indent=2) + '\n'
        except ValueError:
            return content + '\n'


DEFAULT_TYPES = {'codecommit': 'repository', 's3': 'bucket', 'sns': 'topic',
                 'sqs': 'queue'}


def arn_parts(arn):
    """(service, region, account, type, id) by orgfs(1)'s rules."""
    f = arn.split(':', 5)
    service, region, account, res = f[2], f[3] or 'global', f[4], f[5]
    if service == 's3' and not f[4] and not f[3]:
        return service, region, account, 'object' if '/' in res else 'bucket', res
    if res.startswith('/'):
        res = res[1:]
    cut = min([i for i in (res.find('/'), res.find(':')) if i >= 0], default=-1)
    if service == 'sns' and cut >= 0 and res[cut] == ':':
        return service, region, account, 'subscription', res
    if cut < 0:
        return service, region, account, DEFAULT_TYPES.get(service, ''), res
    typ, rid = res[:cut], res[cut + 1:]
    if service == 'logs' and typ == 'log-group' and rid.endswith(':*') and len(rid) > 2:
        rid = rid[:-2]
    return service, region, account, typ, rid
