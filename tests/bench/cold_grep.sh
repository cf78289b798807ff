#!/bin/bash
# usage: tests/bench/cold_grep.sh ORGFS NACCOUNTS NRESOURCES
# Cold grep -r . of a fresh demo mount (-o ttl=3600): wall time, rows of
# tables/resources.tsv, daemon RSS.  Prints figures only.
set -e
m=$(mktemp -d)
"$1" --demo=$2 -o demo_resources=$3 -o ttl=3600 "$m"
s=$(date +%s.%N)
grep -r . "$m" > /dev/null 2>&1 || true
e=$(date +%s.%N)
lines=$(wc -l < "$m/tables/resources.tsv")
# the daemon, not its reaper (orgfs-reaper, same command line)
for p in $(pgrep -f "orgfs --demo=$2 -o demo_resources=$3 -o ttl=3600 $m"); do
	[ "$(cat /proc/"$p"/comm)" = orgfs ] && pid=$p
done
rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
fusermount3 -u "$m"; rmdir "$m"
echo "cold grep: $(echo "$e - $s" | bc) s, resources.tsv $lines lines, rss ${rss} kB"
