#!/bin/sh
# stress-shutdown.sh [N] [pytest -k expression]
#   Runs the shutdown tests of tests/mount/test_demo.py and their
#   neighbours (SIGTERM/SIGINT with each inherited signal state, SIGKILL,
#   the background daemon) N times each (default 500), three at a time,
#   while two CPU burners per core load the machine; stops at the first
#   failure, whose report carries the daemon's threads and masks.
#   Needs a build in build/ (or ORGFS_BUILD_DIR).  Issue 21.
set -u
cd "$(dirname "$0")/.."
n=${1:-500}
expr=${2:-"sig or crash or background"}
export ORGFS_BUILD_DIR="${ORGFS_BUILD_DIR:-$(pwd)/build}"
burners=$(( $(nproc) * 2 ))
pids=""
i=0
while [ "$i" -lt "$burners" ]; do
	# bounded: never outlives the run by more than four hours
	timeout 14400 sh -c 'while :; do :; done' &
	pids="$pids $!"
	i=$((i + 1))
done
trap 'kill $pids 2>/dev/null' EXIT INT TERM
start=$(date +%s)
ORGFS_REPEAT="$n" /usr/bin/python3 -m pytest -q -p no:cacheprovider -x \
	-n 3 tests/mount/test_demo.py -k "$expr"
rc=$?
echo "stress-shutdown: $n repeats of [$expr] under $burners CPU burners:" \
	"exit $rc in $(( $(date +%s) - start )) s"
exit $rc
