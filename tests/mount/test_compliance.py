"""Policy status through a real mount: local rules judged against the fake
endpoint's data (computed again here), policy inheritance with the via
column, the /compliance views, and the demo's policy-level audit."""
import os
import re
import subprocess

import pytest

from expected import Org, esc
from orgfsmount import Mount, aws_env
from test_owners import owner_of

WS = ' \t\r\n\v\f'

RULES = """\
# a policy, a standard and a guideline, as an organization writes them
[rule owner-tag]
level = policy
description = every account names its owner
applies_to = accounts
tag = Owner
require_tag = yes

[rule environment]
level = standard
description = Environment is one of the agreed values
applies_to = accounts, ous
tag = Environment
allowed_values = prod, staging, dev, sandbox

[rule cost-center-format]
level = guideline
description = cost centres look like CC-1234
applies_to = accounts
tag = CostCenter
pattern = ^CC-[0-9]{4}$

[rule known-owner]
level = guideline
description = owners are teams we know
applies_to = accounts
owner_known = yes
"""
KNOWN = ['alice', 'bob', 'carol', 'platform', 'security', 'payments']
LEVELS = {'policy': 0, 'standard': 1, 'guideline': 2}


def judge(org, oid):
    """[(level, rule, reason)] failing, as orgfs(1) describes the checks."""
    tags = org.tags.get(oid, {})
    acct = oid in org.accounts
    out = []
    if acct and not tags.get('Owner', '').strip(WS):
        out.append(('policy', 'owner-tag', 'missing tag Owner'))
    env = tags.get('Environment')
    if env is not None and env not in ('prod', 'staging', 'dev', 'sandbox'):
        out.append(('standard', 'environment', None))
    cc = tags.get('CostCenter')
    if acct and cc is not None and not re.search(r'^CC-[0-9]{4}$', cc):
        out.append(('guideline', 'cost-center-format', None))
    if acct:
        owner = owner_of(org, oid)[0]
        if owner is None:
            out.append(('guideline', 'known-owner', 'no owner'))
        elif owner not in KNOWN:
            out.append(('guideline', 'known-owner',
                        "owner '%s' is not a known owner" % owner))
    return sorted(out, key=lambda f: (LEVELS[f[0]], f[1]))


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    from fixture import FakeAWS
    d = tmp_path_factory.mktemp('rules')
    (d / 'rules.ini').write_text(RULES)
    (d / 'owners.txt').write_text('# teams\n' + '\n'.join(KNOWN) + '\n')
    fake = FakeAWS(accounts=40, seed=41)
    m = Mount(['--endpoint=' + fake.url, '-o',
               'resources=off,rules=%s,owners_file=%s' % (d / 'rules.ini',
                                                         d / 'owners.txt')],
              env=aws_env(fake))
    m.start()
    yield m, Org(fake.org())
    m.stop()
    fake.stop()


def read(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as fh:
        return fh.read()


def test_object_compliance(setup):
    m, org = setup
    for oid in list(org.accounts) + list(org.ous) + list(org.roots):
        top = 'accounts' if oid in org.accounts else 'ous'
        lines = read(m.p(top, esc(oid), 'compliance')).splitlines()
        want = judge(org, oid)
        got = [re.match(r'^(\w+) ([\w.-]+): (.*)$', ln).groups() for ln in lines]
        assert [(lv, rule) for lv, rule, _ in got] == \
            [(lv, rule) for lv, rule, _ in want], oid
        for (lv, rule, reason), (_, _, wreason) in zip(got, want):
            if wreason:
                assert reason == wreason, (oid, rule)


def test_summary_and_failing(setup):
    m, org = setup
    fails = []
    passes = {}
    for oid in list(org.accounts) + list(org.ous) + list(org.roots):
        path = ('accounts/' if oid in org.accounts else 'ous/') + esc(oid)
        f = judge(org, oid)
        fails += [(lv, rule, path) for lv, rule, _ in f]
        applies = ['environment'] + (['owner-tag', 'cost-center-format',
                                      'known-owner'] if oid in org.accounts else [])
        for rule in applies:
            if rule not in [r for _, r, _ in f]:
                passes.setdefault(rule, []).append(path)
    rows = read(m.p('compliance', 'failing.tsv')).splitlines()
    assert rows[0] == 'level\trule\tpath\towner\treason'
    got = [tuple(r.split('\t')[:3]) for r in rows[1:]]
    assert got == sorted(fails, key=lambda f: (LEVELS[f[0]], f[1], f[2]))
    summary = read(m.p('compliance', 'summary')).splitlines()
    assert summary[0] == 'level\trule\tfailing\tpassing\tnot_judged'
    counts = {}
    for lv, rule, _ in fails:
        counts.setdefault((lv, rule), [0, 0])[0] += 1
    for rule, paths in passes.items():
        lv = {'owner-tag': 'policy', 'environment': 'standard'}.get(rule, 'guideline')
        counts.setdefault((lv, rule), [0, 0])[1] += len(paths)
    want = ['%s\t%s\t%d\t%d\t0' % (lv, rule, f, p) for (lv, rule), (f, p) in
            sorted(counts.items(), key=lambda kv: (LEVELS[kv[0][0]], kv[0][1]))]
    assert summary[1:] == want
    for rule in ('owner-tag', 'environment', 'cost-center-format', 'known-owner'):
        d = m.p('compliance', 'rules', rule)
        assert read(os.path.join(d, 'level')) in ('policy\n', 'standard\n', 'guideline\n')
        frows = read(os.path.join(d, 'failing.tsv')).splitlines()[1:]
        assert sorted(r.split('\t')[2] for r in frows) == \
            sorted(p for _, r, p in fails if r == rule)
        assert sorted(read(os.path.join(d, 'passing')).split()) == \
            sorted(passes.get(rule, []))


def test_grep_policy_audit(setup):
    m, org = setup
    r = subprocess.run("cd %s && grep -l '^policy' accounts/*/compliance" % m.path,
                       shell=True, capture_output=True, text=True)
    got = sorted(line.split('/')[1] for line in r.stdout.split())
    want = sorted(a for a in org.accounts
                  if any(lv == 'policy' for lv, _, _ in judge(org, a)))
    assert got == want and want


def test_policy_inheritance_via(setup):
    m, org = setup
    for aid in list(org.accounts)[:15]:
        rows = read(m.p('accounts', aid, 'policies.tsv')).splitlines()
        assert rows[0] == 'id\tname\ttype\tvia'
        chain = org.chain(aid)
        want = {}
        for p in org.policies.values():
            hits = [i for i, oid in enumerate(chain) if oid in p.get('Targets', [])]
            if hits:
                want[p['Id']] = 'direct' if hits[0] == 0 else chain[hits[0]]
        got = {r.split('\t')[0]: r.split('\t')[3] for r in rows[1:]}
        assert got == want, aid
        # the symlinks under policies/ are the same set
        assert sorted(os.listdir(m.p('accounts', aid, 'policies'))) == \
            sorted(esc(p) for p in want)


def test_bad_rules_file_fails_mount(tmp_path):
    bad = tmp_path / 'bad.ini'
    bad.write_text('[rule x]\nlevel = urgent\napplies_to = accounts\n'
                   'tag = Owner\nrequire_tag = yes\n')
    mnt = tmp_path / 'mnt'
    mnt.mkdir()
    from orgfsmount import ORGFS
    r = subprocess.run([ORGFS, '--demo', '-o', 'rules=%s' % bad, str(mnt)],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and '%s:2:' % bad in lines[0], r.stderr


def test_demo_policy_audit():
    """grep -l '^policy' accounts/*/compliance lists exactly the demo
    accounts failing a policy-level rule of the example rules file."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rules = os.path.join(root, 'examples', 'demo-rules.ini')
    owners = os.path.join(root, 'examples', 'demo-owners.txt')
    with Mount(['--demo=60', '-o', 'rules=%s,owners_file=%s' % (rules, owners)]) as m:
        r = subprocess.run("cd %s && grep -l '^policy' accounts/*/compliance" % m.path,
                           shell=True, capture_output=True, text=True)
        got = sorted(line.split('/')[1] for line in r.stdout.split())
        rows = read(m.p('compliance', 'failing.tsv')).splitlines()[1:]
        want = sorted({row.split('\t')[2].split('/')[1] for row in rows
                       if row.startswith('policy\t') and
                       re.match(r'^accounts/\d{12}$', row.split('\t')[2])})
        assert got == want and want
