#!/bin/sh
# Run every benchmark in turn (one at a time: they share 2 cores), output
# in $1 (default /tmp/orgfs-bench).  Extra arguments (--quick) are passed on.
out=${1:-/tmp/orgfs-bench}
[ $# -gt 0 ] && shift
mkdir -p "$out"
here=$(dirname "$0")
for b in warm_traversal cold_pass owners_crawl parallel_readers cold_audit resources_crawl \
		memory mount_time policy_render cp_copy bigdirs access_calls regions_calls; do
	echo "== $b"
	/usr/bin/python3 "$here/$b.py" "$@" >"$out/$b.txt" 2>&1
	echo "exit $?"
done
