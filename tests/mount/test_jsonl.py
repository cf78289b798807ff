"""Every table's JSON Lines twin (issue 16 point 5): beside every .tsv (and
compliance/summary) a .jsonl with the same rows in the same order, the
header's names as keys, numbers as numbers, no owner as null, values exact
where the TSV had to turn tabs and newlines into spaces, and the same
incompleteness mark ({"_incomplete": ...} first).  Held row for row on the
demo (incomplete: some member roles are refused) and on the fake endpoint
with its hostile names."""
import json
import os

import pytest

from orgfsmount import Mount, aws_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, 'examples', 'demo-rules.ini')
OWNERS = os.path.join(ROOT, 'examples', 'demo-owners.txt')


def read(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as fh:
        return fh.read()


def tsv_cell(v):
    """what the TSV shows of a JSON value"""
    if v is None:
        return ''
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    return v.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ')


def twins(mnt):
    """every table and its twin, found by walking what the tree lists"""
    out = []
    for top, dirs, files in os.walk(mnt):
        rel = os.path.relpath(top, mnt)
        if rel.startswith('.orgfs') or '/resources/' in rel + '/' and \
                rel.startswith('accounts/') and rel.count('/') > 2:
            dirs[:] = []
            continue
        if rel.startswith(('tree', 'by-name')):
            dirs[:] = []
            continue
        for f in files:
            if f.endswith('.tsv') or (rel == 'compliance' and f == 'summary'):
                twin = (f[:-4] if f.endswith('.tsv') else f) + '.jsonl'
                assert twin in files, (rel, f)
                out.append((os.path.join(top, f), os.path.join(top, twin)))
            if f.endswith('.jsonl'):
                base = f[:-6]
                assert base + '.tsv' in files or base == 'summary', (rel, f)
        # the org-wide views are large: a sample of each kind is enough
        if rel in ('owners', 'tags', 'services') or rel.startswith(('tags/', 'services/')):
            dirs[:] = sorted(dirs)[:4]
        if rel in ('accounts', 'ous'):
            dirs[:] = sorted(dirs)[:12]
        if rel.startswith(('accounts/', 'ous/')) and rel.count('/') == 1:
            dirs[:] = []
    return out


def check_twin(tsv, jsonl, jsonl_first=False):
    """the twins agree, whichever is read first (the one read first
    renders both: the other comes from the view cache)"""
    if jsonl_first:
        j = read(jsonl).splitlines()
        t = read(tsv).splitlines()
    else:
        t = read(tsv).splitlines()
        j = read(jsonl).splitlines()
    header = t[0].split('\t')
    tmarks = [ln for ln in t[1:] if ln.startswith('#')]
    trows = [ln.split('\t') for ln in t[1:] if not ln.startswith('#')]
    objs = [json.loads(ln) for ln in j]
    jmarks = [o['_incomplete'] for o in objs if '_incomplete' in o]
    jrows = [o for o in objs if '_incomplete' not in o]
    assert tmarks == ['# incomplete: ' + m for m in jmarks], tsv
    if jmarks:
        assert '_incomplete' in objs[0], jsonl
        assert os.getxattr(jsonl, 'user.orgfs.incomplete') == b'1'
    assert os.getxattr(jsonl, 'user.orgfs.incomplete') == \
        os.getxattr(tsv, 'user.orgfs.incomplete')
    assert len(jrows) == len(trows), tsv
    for o, row in zip(jrows, trows):
        assert list(o) == header, (jsonl, o)
        assert [tsv_cell(o[k]) for k in header] == row, (tsv, row, o)
    return jrows


def test_jsonl_twins_demo():
    with Mount(['--demo=60', '-o', 'rules=%s,owners_file=%s' % (RULES, OWNERS)]) as m:
        pairs = twins(m.path)
        names = {os.path.relpath(t, m.path) for t, _ in pairs}
        for want in ('tables/accounts.tsv', 'tables/resources.tsv',
                     'tables/unowned_resources.tsv',
                     'compliance/summary', 'compliance/failing.tsv',
                     'compliance/not_judged.tsv',
                     'compliance/rules/tag-policy/failing.tsv'):
            assert want in names, want
        assert any(n.startswith('owners/') for n in names)
        assert any(n.startswith('tags/') for n in names)
        assert any(n.startswith('services/') for n in names)
        assert any(n.endswith('/policies.tsv') for n in names)
        for tsv, jsonl in pairs:
            check_twin(tsv, jsonl)
        # typed values
        s = [json.loads(ln) for ln in read(m.p('compliance', 'summary.jsonl')).splitlines()]
        assert '_incomplete' in s[0]
        assert all(isinstance(o['failing'], int) and isinstance(o['not_judged'], int)
                   for o in s[1:])
        rows = [json.loads(ln) for ln in read(m.p('tables', 'resources.jsonl')).splitlines()]
        assert any(o.get('owner') is None for o in rows if '_incomplete' not in o)


def test_jsonl_twins_hostile_names(fakeaws_factory):
    fake = fakeaws_factory(accounts=30, seed=65, resources=3)
    from expected import Org
    odd = sorted(a for a in Org(fake.org()).accounts if a != fake.mgmt_account)[0]
    fake.mutate({'account': {odd: {'Name': 'tab\there and\nnewline'}}})
    with Mount(['--endpoint=' + fake.url, '-o',
                'rate_organizations=1000,rate_tagging=1000'],
               env=aws_env(fake)) as m:
        pairs = twins(m.path)
        assert len(pairs) > 10
        for tsv, jsonl in pairs:
            check_twin(tsv, jsonl, jsonl_first=True)
        accts = [json.loads(ln) for ln in read(m.p('tables', 'accounts.jsonl')).splitlines()]
        names = [a['name'] for a in accts]
        assert any('/' in n for n in names) and any('%' in n for n in names)
        paths = [a['path'] for a in accts]
        assert any('%2F' in p for p in paths)
        # exact where the TSV could not be: a tab and a newline in a name
        assert [a['name'] for a in accts if a['id'] == odd] == ['tab\there and\nnewline']
        tsv = [ln.split('\t') for ln in read(m.p('tables', 'accounts.tsv')).splitlines()]
        assert [r[1] for r in tsv if r[0] == odd] == ['tab here and newline']
