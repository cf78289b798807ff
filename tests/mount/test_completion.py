"""completion/orgfs: bash completion of orgfs's options and -o keys, read
from the orgfs being completed (its --help)."""
import os
import subprocess

import pytest

from orgfsmount import ORGFS, ROOT

COMPLETION = os.path.join(ROOT, 'completion', 'orgfs')
BASH_COMPLETION = '/usr/share/bash-completion/bash_completion'

pytestmark = pytest.mark.skipif(not os.path.exists(BASH_COMPLETION),
                                reason='no bash-completion')


def complete(*words):
    """What bash offers for the command line words (the last one is the
    word being completed)."""
    line = ' '.join(words)
    script = '''
source %s
source %s
compopt() { :; }     # only valid inside a real completion
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
_orgfs "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%%s\\n' "${COMPREPLY[@]}"
''' % (BASH_COMPLETION, COMPLETION)
    r = subprocess.run(['bash', '-c', script, 'bash'] + list(words),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and not r.stderr, (line, r.stderr)
    return [w for w in r.stdout.splitlines() if w]


def test_complete_is_registered():
    r = subprocess.run(['bash', '-c', 'source %s; complete -p orgfs'
                        % COMPLETION], capture_output=True, text=True)
    assert r.stdout == 'complete -F _orgfs orgfs\n', r.stdout + r.stderr


def test_o_lists_the_keys():
    keys = complete(ORGFS, '-o', '')
    for k in ('uid=', 'gid=', 'umask=', 'dmask=', 'fmask=', 'log=',
              'log_level=', 'profile=', 'region=', 'endpoint=', 'demo',
              'prefetch', 'regions=', 'resources=', 'ttl=', 'ttl_org=',
              'ttl_resources=', 'ttl_regions=', 'rate_sts=',
              'rate_resource_explorer=',
              'owner_tags=', 'owner_tags_nocase', 'rules=', 'cache_max=',
              'kernel_timeout=', 'lazy_sizes', 'max_stale=', 'allow_other',
              'default_permissions'):
        assert k in keys, k + ' not offered: ' + ' '.join(keys)
    assert len(keys) == len(set(keys)), 'offered twice'
    assert not [k for k in keys if not k.rstrip('=').replace('_', '')
                .isalnum()], keys


def test_o_completes_within_a_list_and_values():
    assert complete(ORGFS, '-o', 'ttl=3,log_l') == ['ttl=3,log_level=']
    assert complete(ORGFS, '-o', 'log_level=') == [
        'log_level=error', 'log_level=warning', 'log_level=info',
        'log_level=debug']
    assert complete(ORGFS, '-o', 'allow_other,resources=o') == [
        'allow_other,resources=on', 'allow_other,resources=off']
    assert 'uid=root' in complete(ORGFS, '-o', 'uid=r')
    assert complete(ORGFS, '-o', 'regions=') == ['regions=all']


def test_long_options():
    assert complete(ORGFS, '--pro') == ['--profile=']
    assert complete(ORGFS, '--pr') == ['--prefetch', '--profile=']
    opts = complete(ORGFS, '-')
    for o in ('--demo', '--profile=', '--region=', '--endpoint=',
              '--prefetch', '--help', '--version', '-o', '-f', '-d'):
        assert o in opts, o
