"""Views computed from an incomplete input say so, one way everywhere
(issue 16 points 1 and 2): on the demo, whose member role is refused in
some accounts, every compliance view carries the "# incomplete" line right
after its header, counts what it could not judge, lists it with why in
not_judged.tsv, and sets user.orgfs.incomplete; the idioms orgfs(1) and the
README teach give the right answers on such a table."""
import csv
import io
import json
import os
import re
import shutil
import subprocess

import pytest

from orgfsmount import Mount

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, 'examples', 'demo-rules.ini')
OWNERS = os.path.join(ROOT, 'examples', 'demo-owners.txt')
MARK = re.compile(r'^# incomplete: ')


def read(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as fh:
        return fh.read()


def xattr(path):
    return os.getxattr(path, 'user.orgfs.incomplete')


def rules_of(text):
    """{rule: {key: value}} of a rules file"""
    out, cur = {}, None
    for ln in text.splitlines():
        m = re.match(r'^\[rule (.*)\]$', ln)
        if m:
            cur = out.setdefault(m.group(1), {})
        elif cur is not None and '=' in ln and not ln.startswith(('#', ';')):
            k, v = ln.split('=', 1)
            cur[k.strip()] = v.strip()
    return out


@pytest.fixture(scope='module')
def demo():
    with Mount(['--demo=60', '-o', 'rules=%s,owners_file=%s' % (RULES, OWNERS)]) as m:
        yield m


def unreadable(m):
    """accounts whose resources the demo refuses, from .orgfs/errors"""
    read(m.p('tables', 'resources.tsv'))
    return sorted({re.search(r'/accounts/(\d{12})/resources', ln).group(1)
                   for ln in read(m.p('.orgfs', 'errors')).splitlines()
                   if '/resources' in ln and 'AccessDenied' in ln})


def test_compliance_views_say_incomplete(demo):
    m = demo
    bad = unreadable(m)
    assert bad
    rules = rules_of(read(RULES))
    # (the refused accounts are in no OU a rule names)
    on_resources = sorted(r for r, kv in rules.items()
                          if 'resources' in kv['applies_to'] and 'ous' not in kv)
    summary = read(m.p('compliance', 'summary')).splitlines()
    assert summary[0] == 'level\trule\tfailing\tpassing\tnot_judged'
    assert MARK.match(summary[1]) and 'not judged' in summary[1], summary[1]
    counts = {r.split('\t')[1]: [int(x) for x in r.split('\t')[2:]]
              for r in summary[2:]}
    # every rule has its line; the tag policy and every rule that may
    # hold resources leave the unreadable accounts' resources unjudged
    assert sorted(counts) == sorted(list(rules) + ['tag-policy'])
    assert counts['tag-policy'][2] == len(bad)
    for r in on_resources:
        assert counts[r][2] >= 1, r
    nj = read(m.p('compliance', 'not_judged.tsv')).splitlines()
    assert nj[0] == 'level\trule\tpath\towner\treason' and MARK.match(nj[1])
    rows = [r.split('\t') for r in nj[2:]]
    assert sorted(r[2] for r in rows if r[1] == 'tag-policy') == \
        ['accounts/%s/resources' % a for a in bad]
    assert all('AccessDenied' in r[4] for r in rows if r[1] == 'tag-policy')
    for r in counts:
        assert len({x[2] for x in rows if x[1] == r}) == counts[r][2], r
    failing = read(m.p('compliance', 'failing.tsv')).splitlines()
    assert failing[0] == 'level\trule\tpath\towner\treason'
    assert MARK.match(failing[1])
    assert not any(MARK.match(ln) for ln in failing[2:])
    for f in ('summary', 'failing.tsv', 'not_judged.tsv', '.'):
        assert xattr(m.p('compliance', f)) == b'1', f
    assert xattr(m.p('compliance', 'rules')) == b'1'
    for r in on_resources + ['tag-policy']:
        d = m.p('compliance', 'rules', r)
        assert xattr(d) == b'1', r
        for f in ('failing.tsv', 'not_judged.tsv'):
            lines = read(os.path.join(d, f)).splitlines()
            assert lines[0] == 'level\trule\tpath\towner\treason'
            assert MARK.match(lines[1]), (r, f)
            assert xattr(os.path.join(d, f)) == b'1'
        assert MARK.match(read(os.path.join(d, 'passing')).splitlines()[0])
    # a rule about accounts only judged everything: no mark
    for r, kv in rules.items():
        if ('resources' in kv['applies_to'] and 'ous' not in kv) or \
                'config_rules' in kv:
            continue
        d = m.p('compliance', 'rules', r)
        lines = read(os.path.join(d, 'failing.tsv')).splitlines()
        assert not any(MARK.match(ln) for ln in lines), r
        assert xattr(os.path.join(d, 'failing.tsv')) == b'0'
        assert xattr(d) == b'0'
    # the resource tables: same convention, same xattr
    res = read(m.p('tables', 'resources.tsv')).splitlines()
    assert res[0] == 'arn\taccount\tregion\tservice\ttype\towner'
    assert res[1] == '# incomplete: %d accounts unreadable, see .orgfs/errors' % len(bad)
    assert xattr(m.p('tables', 'resources.tsv')) == b'1'
    assert xattr(m.p('services')) == b'1'


def sh(cmd, cwd):
    r = subprocess.run(cmd, shell=True, cwd=cwd, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, (cmd, r.stderr)
    return r.stdout


def test_documented_idioms_on_incomplete_table(demo):
    """Each idiom of orgfs(1) TABLES, on resources.tsv with its mark."""
    m = demo
    text = read(m.p('tables', 'resources.tsv'))
    assert MARK.match(text.splitlines()[1])
    rows = [ln.split('\t') for ln in text.splitlines()[1:] if not ln.startswith('#')]
    unowned = sum(1 for r in rows if r[5] == '')
    by_service = {}
    for r in rows:
        by_service[r[3]] = by_service.get(r[3], 0) + 1
    assert rows and unowned
    got = sh("awk -F'\\t' 'NR > 1 && !/^#/' resources.tsv | wc -l", m.p('tables'))
    assert int(got) == len(rows)
    got = sh("awk -F'\\t' 'NR > 1 && !/^#/ && $6 == \"\"' resources.tsv | wc -l", m.p('tables'))
    assert int(got) == unowned
    got = sh("grep -v '^#' resources.tsv | cut -f4 | tail -n +2 | sort | uniq -c", m.p('tables'))
    assert {ln.split()[1]: int(ln.split()[0]) for ln in got.splitlines()} == by_service
    if shutil.which('column'):
        got = sh("grep -v '^#' resources.tsv | column -t -s \"$(printf '\\t')\" | tail -n +2 | wc -l",
                 m.p('tables'))
        assert int(got) == len(rows)
    got = sh("python3 -c 'import csv, sys; "
             "r = csv.DictReader((l for l in sys.stdin if not l.startswith(\"#\")), "
             "delimiter=\"\\t\"); print(sum(1 for x in r if not x[\"owner\"]))' "
             "< resources.tsv", m.p('tables'))
    assert int(got) == unowned
    if shutil.which('jq'):
        got = sh("jq -R 'select(startswith(\"#\") | not) | split(\"\\t\")' resources.tsv "
                 "| jq -s 'length'", m.p('tables'))
        assert int(got) == len(rows) + 1       # the header is a row for jq -R
    # and the compliance tables, the same way
    summary = sh("grep -v '^#' compliance/summary | awk -F'\\t' 'NR > 1 { n += $5 } END { print n }'",
                 m.path)
    assert int(summary) > 0


def test_readme_owner_source_aggregates(demo):
    """The README's "where owners come from" gives one line per kind of
    provenance, not one per object."""
    m = demo
    readme = read(os.path.join(ROOT, 'README.md'))
    cmd = re.search(r'^\$ (cat ~/org/accounts/\*/owner\.source \| .*?)(?:\s+#.*)?$',
                    readme, re.M).group(1).replace('~/org/', '')
    out = sh(cmd, m.path)
    lines = out.splitlines()
    n = len(os.listdir(m.p('accounts')))
    assert sum(int(ln.split()[0]) for ln in lines) == n
    assert len(lines) <= 8, out


def test_mount_readme_audits(demo):
    """The audits the mount's own README teaches: the owner.source one
    aggregates, the awk one skips the incompleteness line."""
    m = demo
    text = read(m.p('README'))
    lines = [ln.strip() for ln in text.splitlines()]
    agg = [ln for ln in lines if 'owner.source' in ln and 'uniq -c' in ln]
    awk = [ln for ln in lines if ln.startswith('awk') and 'accounts.tsv' in ln]
    assert len(agg) == 1 and len(awk) == 1, text
    out = sh(agg[0], m.path).splitlines()
    assert sum(int(ln.split()[0]) for ln in out) == len(os.listdir(m.p('accounts')))
    assert len(out) <= 8, out
    rows = [ln.split('\t') for ln in read(m.p('tables', 'accounts.tsv')).splitlines()[1:]
            if not ln.startswith('#')]
    got = sh(awk[0], m.path).splitlines()
    assert len(got) == sum(1 for r in rows if r[5] == '')


def test_config_unreadable_not_judged(fakeaws_factory, tmp_path):
    """An account whose Config results cannot be read (its role refused):
    a config_rules check is not judged there, neither passed nor failed;
    its compliance file says so on a '#' line and is marked."""
    from expected import Org
    from orgfsmount import aws_env
    fake = fakeaws_factory(accounts=8, seed=66)
    org = Org(fake.org())
    denied = [a for a in sorted(org.accounts) if a != fake.mgmt_account and
              org.state(org.accounts[a]) == 'ACTIVE'][0]
    fake.control({'deny_assume_role': [denied]})
    rules = tmp_path / 'rules.ini'
    rules.write_text('[rule logging]\nlevel = policy\napplies_to = accounts\n'
                     'config_rules = s3-bucket-logging-enabled\n')
    with Mount(['--endpoint=' + fake.url, '-o',
                'resources=off,rate_organizations=1000,rules=%s' % rules],
               env=aws_env(fake), allow=[r'rules\.ini:\d+: ']) as m:
        f = m.p('accounts', denied, 'compliance')
        lines = read(f).splitlines()
        assert lines and all(ln.startswith('# policy logging: not judged: '
                                           'Config results unreadable')
                             for ln in lines), lines
        assert xattr(f) == b'1'
        nj = read(m.p('compliance', 'rules', 'logging', 'not_judged.tsv')).splitlines()
        assert MARK.match(nj[1])
        assert 'accounts/' + denied in [r.split('\t')[2] for r in nj[2:]]
        failing = read(m.p('compliance', 'rules', 'logging', 'failing.tsv'))
        assert 'accounts/%s\t' % denied not in failing
        s = [ln.split('\t') for ln in read(m.p('compliance', 'summary')).splitlines()
             if ln.startswith('policy\tlogging\t')]
        assert int(s[0][4]) >= 1


def test_records_left_out_mark_compliance(fakeaws_factory):
    """Resource records left out for invalid identifiers (issue 18.3) are
    judged by nothing: the compliance views say so too."""
    from expected import Org
    from orgfsmount import aws_env
    fake = fakeaws_factory(accounts=6, seed=67, resources=3)
    acct = sorted(Org(fake.org()).accounts)[1]
    fake.mutate({'raw_resources': {acct: [{'ResourceARN': 'not-an-arn',
                                           'Region': 'us-east-1'}]}})
    with Mount(['--endpoint=' + fake.url, '-o',
                'regions=us-east-1,rate_organizations=1000,rate_tagging=1000'],
               env=aws_env(fake)) as m:
        for f in ('summary', 'failing.tsv'):
            lines = read(m.p('compliance', f)).splitlines()
            assert lines[0].startswith('level\trule\t')
            assert MARK.match(lines[1]) and '1 record left out' in lines[1], lines[:2]
            assert xattr(m.p('compliance', f)) == b'1'
        j = read(m.p('compliance', 'summary.jsonl')).splitlines()
        assert '1 record left out' in json.loads(j[0])['_incomplete']
