#!/bin/sh
# demo.sh - install what orgfs needs to build and run (not the test
# tools), build it, mount the built-in demo organization and show it:
# ls, cat, and a grep -r audit.  Before the demo it prints at most two
# lines: what it installs, and that it builds.
# Options: --keep   leave it mounted (prints how to unmount)
#          --size N demo organization of N accounts (default 50)
set -eu
cd "$(dirname "$0")/.."
keep=0
size=50
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	--size) size=$2; shift ;;
	*) echo "usage: $0 [--keep] [--size N]" >&2; exit 2 ;;
	esac
	shift
done

scripts/setup.sh --build
echo "demo: building orgfs in build/" >&2
log=$(mktemp /tmp/orgfs-demo-build.XXXXXX)
if ! { [ -f build/build.ninja ] || meson setup build; } >"$log" 2>&1 ||
   ! ninja -C build fs/orgfs >>"$log" 2>&1; then
	cat "$log" >&2
	rm -f "$log"
	exit 1
fi
rm -f "$log"

mnt=$(mktemp -d /tmp/orgfs-demo.XXXXXX)
cleanup() {
	if [ "$keep" -eq 0 ]; then
		fusermount3 -u "$mnt" 2>/dev/null || true
		rmdir "$mnt" 2>/dev/null || true
	fi
}
trap cleanup EXIT INT TERM
./build/fs/orgfs --demo="$size" "$mnt"

run() {
	printf '\n$ %s\n' "$*"
	sh -c "$*"
}
cd "$mnt"
run "cat README"
run "ls"
run "head -5 tables/accounts.tsv"
run "ls accounts | head -3"
a=$(ls accounts | head -1)
run "ls -l accounts/$a"
run "cat accounts/$a/name accounts/$a/path"
run "ls tree/Root"
run "ls by-name | head -8"
run "cat policies/p-FullAWSAccess/content.json"
run "cat accounts/$a/owner accounts/$a/owner.source"
echo
echo "# audit: who owns what"
run "ls owners"
run "ls owners/payments/accounts"
echo
echo "# audit: accounts nobody owns, three ways"
run "ls unowned/accounts"
run "awk -F'\\t' 'NR > 1 && \$6 == \"\" { print \$1, \$2 }' tables/accounts.tsv"
run "grep -L . accounts/*/owner"
echo
echo "# audit: team names that look like typos (one account each)"
run "for o in owners/*; do echo \"\$(ls \$o/accounts | wc -l) \${o#owners/}\"; done | sort -n | head -5"
cd /
if [ "$keep" -eq 1 ]; then
	echo
	echo "orgfs demo mounted at $mnt; unmount with: fusermount3 -u $mnt"
fi
