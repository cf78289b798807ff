#!/bin/sh
# Issue 17's targets, re-run one after the other on one build: each
# benchmark's full output in $1 (default /tmp/orgfs-issue17), and the lines
# that give a ratio against its target printed here.  One at a time: they
# share the machine's cores.  ORGFS_BUILD_DIR names the build (default
# build/).  About 40 minutes on 2 cores; --quick passes the small sizes on.
if ! /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
	echo "issue17.sh: boto3 is missing (the audits' script side): run tests/bench/setup.sh first" >&2
	exit 1
fi
out=${1:-/tmp/orgfs-issue17}
[ $# -gt 0 ] && shift
mkdir -p "$out"
here=$(dirname "$0")
py=/usr/bin/python3
run() {
	name=$1
	shift
	echo "== $name: $*"
	start=$(date +%s)
	(cd "$here" && "$@") >"$out/$name.txt" 2>&1
	echo "   exit $?, $(($(date +%s) - start)) s"
	grep -E 'target|MISSED|met\b|bound|/ tmpfs|x faster|growth|peak' \
		"$out/$name.txt" | sed 's/^/   /' | head -40
}
# 17.1: audits (a) and (b) under the quota, and the no-quota speed-up
run audit_quota $py -c 'import cold_audit as C; C.audit_b(200, 10); C.audit_a(100)'
run audit_no_quota $py -c 'import cold_audit as C; C.audit_a_no_quota([241], 3); C.audit_a_no_quota([1000], 1)'
# 17.2: large directories, 1k/10k/100k
run bigdirs $py bigdirs.py "$@"
# 17.3: cp -a of a warm mount
run cp_copy $py cp_copy.py "$@"
# 17.4: the cold and warm pass
run cold_pass $py cold_pass.py "$@"
run warm_requests $py warm_requests.py --quick
# 17.5: bytes per resource and the 100,000-account owners peak
run memory $py memory.py --per-resource "$@"
