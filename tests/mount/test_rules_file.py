"""The rules file against the organization it judges (issue 16 points 3
and 4, issue 18 point 3): a rule that matches nothing keeps its summary
line and its references to nothing are reported as FILE:LINE; SIGHUP reads
the rules and owners files again, a broken file keeping the old rules; an
OU is selected by its escaped path, never by a lookalike."""
import os
import signal

from expected import Org, esc
from orgfsmount import Mount, aws_env, wait_for

# the reports say what they report; nothing here is an error of orgfs's
ALLOW = [r'rules\.ini:\d+: ', r'SIGHUP']


def read(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as fh:
        return fh.read()


def summary(m):
    lines = read(m.p('compliance', 'summary')).splitlines()
    assert lines[0].startswith('level\trule\tfailing\tpassing')
    return {ln.split('\t')[1]: ln.split('\t')[2:] for ln in lines[1:]
            if not ln.startswith('#')}


MISSPELT = """\
[rule owner]
level = policy
applies_to = accounts
tag = Owner
require_tag = yes

[rule nope-ou]
level = standard
applies_to = accounts
ous = Root/Nope
tag = Owner
require_tag = yes

[rule ec3]
level = guideline
applies_to = resources
services = ec3
tag = Owner
require_tag = yes
"""


def test_rule_matching_nothing_is_said(fakeaws_factory, tmp_path):
    fake = fakeaws_factory(accounts=8, seed=61, resources=3)
    rules = tmp_path / 'rules.ini'
    rules.write_text(MISSPELT)
    with Mount(['--endpoint=' + fake.url, '-o', 'rate_organizations=1000,rate_tagging=1000,rules=%s' % rules],
               env=aws_env(fake), allow=ALLOW) as m:
        s = summary(m)
        assert s['nope-ou'] == ['0', '0', '0']
        assert s['ec3'] == ['0', '0', '0']
        assert int(s['owner'][0]) + int(s['owner'][1]) > 0
        errors = read(m.p('.orgfs', 'errors'))
        want = ["%s:10: ous 'Root/Nope' names no OU or root" % rules,
                "%s:17: services 'ec3' is the service of no resource" % rules]
        for w in want:
            assert errors.count(w) == 1, (w, errors)
        # once per mount: other views judge again, report nothing more
        read(m.p('compliance', 'failing.tsv'))
        read(m.p('compliance', 'rules', 'ec3', 'failing.tsv'))
        errors = read(m.p('.orgfs', 'errors'))
        out = m.output()
        for w in want:
            assert errors.count(w) == 1 and out.count(w) == 1, (w, out)


RULES_A = """\
[rule owner]
level = policy
applies_to = accounts
tag = Owner
require_tag = yes
"""

RULES_B = RULES_A + """
[rule known]
level = guideline
applies_to = accounts
owner_known = yes
"""


def test_sighup_reloads_rules_and_owners(fakeaws_factory, tmp_path):
    fake = fakeaws_factory(accounts=8, seed=62)
    rules = tmp_path / 'rules.ini'
    owners = tmp_path / 'owners.txt'
    rules.write_text(RULES_B)
    owners.write_text('nobody-at-all\n')
    with Mount(['--endpoint=' + fake.url, '-o',
                'resources=off,rate_organizations=1000,rules=%s,owners_file=%s' % (rules, owners)],
               env=aws_env(fake), allow=ALLOW + [r'owners\.txt:\d+']) as m:
        s = summary(m)
        assert sorted(s) == ['known', 'owner']
        before = s['known']
        assert int(before[0]) > 0          # nobody's owner is known
        # the owners file changes: SIGHUP, and more owners are known
        org = Org(fake.org())
        seen = sorted(set(os.listdir(m.p('owners'))))
        owners.write_text('\n'.join(seen) + '\n')
        m.signal(signal.SIGHUP)
        wait_for(lambda: summary(m)['known'] != before, timeout=10,
                 what='the owners file read again')
        assert int(summary(m)['known'][0]) < int(before[0])
        # the rules file changes: a rule goes
        rules.write_text(RULES_A)
        m.signal(signal.SIGHUP)
        wait_for(lambda: sorted(summary(m)) == ['owner'], timeout=10,
                 what='the rules file read again')
        assert sorted(os.listdir(m.p('compliance', 'rules'))) == ['owner']
        # a broken file: the old rules still judge, the error is visible
        rules.write_text(RULES_A + '\n[rule broken]\nlevel = urgent\n')
        m.signal(signal.SIGHUP)
        wait_for(lambda: '%s:8:' % rules in read(m.p('.orgfs', 'errors')),
                 timeout=10, what='the broken file reported')
        assert sorted(summary(m)) == ['owner']
        assert "%s:8: invalid level 'urgent'" % rules in m.output()
        # a broken owners file: the same
        rules.write_text(RULES_B)
        owners.write_bytes(b'alice\nbob\x00\n')
        m.signal(signal.SIGHUP)
        wait_for(lambda: '%s:2: NUL byte' % owners in read(m.p('.orgfs', 'errors')),
                 timeout=10, what='the broken owners file reported')
        assert sorted(summary(m)) == ['owner']
        assert org.accounts


def test_ous_select_by_escaped_path(fakeaws_factory, tmp_path):
    """OU "Prod/EU" under Root and OU "EU" under "Prod": a rule naming
    Root/Prod/EU selects the second only, Root/Prod%2FEU the first."""
    fake = fakeaws_factory(accounts=12, seed=63)
    org = Org(fake.org())
    root = list(org.roots)[0]
    ous = sorted(org.ous)
    slash = [o for o in ous if org.ous[o]['Name'] == 'Prod/EU']
    a = slash[0] if slash else ous[0]
    b, c = [o for o in ous if o != a][:2]
    accts = sorted(x for x in org.accounts if x != fake.mgmt_account)
    fake.mutate({'ou': {a: {'Name': 'Prod/EU', 'ParentId': root},
                        b: {'Name': 'Prod', 'ParentId': root},
                        c: {'Name': 'EU', 'ParentId': b}},
                 'account': {accts[0]: {'ParentId': a},
                             accts[1]: {'ParentId': c}}})
    org = Org(fake.org())
    assert org.tree_path(a) == 'Root/Prod%2FEU'
    assert org.tree_path(c) == 'Root/Prod/EU'
    rules = tmp_path / 'rules.ini'
    rules.write_text("""\
[rule slash]
level = policy
applies_to = accounts
ous = Root/Prod%2FEU
tag = Owner
require_tag = yes

[rule nested]
level = policy
applies_to = accounts
ous = Root/Prod/EU
tag = Owner
require_tag = yes

[rule by-id]
level = policy
applies_to = accounts
ous = {c}
tag = Owner
require_tag = yes
""".format(c=c))
    with Mount(['--endpoint=' + fake.url, '-o',
                'resources=off,rate_organizations=1000,rules=%s' % rules],
               env=aws_env(fake), allow=ALLOW) as m:
        assert read(m.p('accounts', accts[0], 'path')) == 'Root/Prod%2FEU\n'
        assert read(m.p('accounts', accts[1], 'path')) == 'Root/Prod/EU\n'
        under = {o: sorted(x for x in org.accounts if o in org.chain(x))
                 for o in (a, c)}
        assert accts[0] in under[a] and accts[1] in under[c]
        for r, want in (('slash', under[a]), ('nested', under[c]),
                        ('by-id', under[c])):
            d = m.p('compliance', 'rules', r)
            judged = read(os.path.join(d, 'passing')).split() + \
                [ln.split('\t')[2] for ln in
                 read(os.path.join(d, 'failing.tsv')).splitlines()[1:]]
            assert sorted(judged) == ['accounts/' + esc(x) for x in want], r
