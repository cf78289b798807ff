#!/bin/sh
# test.sh - set up everything, build, and run every test suite of orgfs:
#   unit tests (Check) in a normal build, under ASan+UBSan, and the
#   concurrency tests under TSan; the fake-endpoint, client, SigV4 oracle
#   and real-mount suites (pytest).  Ends with one line
#   "N passed, N failed, N skipped".
# Options: --quick  skip the sanitizer builds
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
quick=0
[ "${1:-}" = "--quick" ] && quick=1

scripts/setup.sh || { echo "test.sh: setup failed" >&2; exit 1; }

results=$(mktemp -d /tmp/orgfs-results.XXXXXX)
status=0

build() {
	dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" -Dtests=enabled "$@" \
			>"$results/$dir.setup.log" 2>&1 ||
			{ cat "$results/$dir.setup.log" >&2; return 1; }
	elif ! grep -q "^build tests/unit/" "$dir/build.ninja"; then
		# set up without Check (scripts/demo.sh): add the tests
		meson configure "$dir" -Dtests=enabled \
			>"$results/$dir.setup.log" 2>&1 ||
			{ cat "$results/$dir.setup.log" >&2; return 1; }
	fi
	ninja -C "$dir" >"$results/$dir.build.log" 2>&1 ||
		{ cat "$results/$dir.build.log" >&2; return 1; }
}

if ! build build; then
	echo "test.sh: build failed" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
meson test -C build --suite unit --print-errorlogs --num-processes 2 || status=1
counted="build"

export ORGFS_BUILD_DIR="$top/build"
# -rs: each skipped test and why (a tool missing, such as systemd-analyze
# for tests/package's unit check, is seen, not a silent pass)
PYTEST="/usr/bin/python3 -m pytest -q -rfEs -p no:cacheprovider"
for suite in tests/fakeaws tests/sigv4 tests/client tests/mount; do
	ls "$suite"/test_*.py >/dev/null 2>&1 || continue
	name=$(basename "$suite")
	# the mount tests spend most of their time waiting on the fake
	# endpoint: three at a time, one file per worker
	par=""
	[ "$name" = mount ] && par="-n 3 --dist loadfile"
	# shellcheck disable=SC2086
	$PYTEST $par "$suite" --junitxml="$results/pytest-$name.xml" \
		-m "not serial" || status=1
	counted="$counted $results/pytest-$name.xml"
	if [ "$name" = mount ]; then
		# what drops the kernel caches of every mount, on its own
		$PYTEST "$suite" -m serial \
			--junitxml="$results/pytest-$name-serial.xml" || status=1
		counted="$counted $results/pytest-$name-serial.xml"
	fi
done

if [ "$quick" -eq 0 ]; then
	# AddressSanitizer + UndefinedBehaviorSanitizer over every unit test
	if build build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			meson test -C build-asan --suite unit --print-errorlogs \
			--num-processes 2 || status=1
		counted="$counted build-asan"
	else
		status=1
	fi
	# ThreadSanitizer over the concurrency tests
	if build build-tsan -Db_sanitize=thread -Db_lundef=false; then
		TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
			meson test -C build-tsan --suite concurrency \
			--print-errorlogs --num-processes 1 || status=1
		counted="$counted build-tsan"
	else
		status=1
	fi
	# ---- ThreadSanitizer over a real mount (tests/mount/test_concurrency.py):
	# 64 readers while SIGHUP drops the cache every second, against the
	# build-tsan orgfs.  halt_on_error=0 keeps the daemon answering after a
	# report; the report in its log and its exit status 66 fail the test ----
	if [ -x build-tsan/fs/orgfs ]; then
		ORGFS_BUILD_DIR="$top/build-tsan" ORGFS_CONCURRENCY_SECONDS=30 \
		TSAN_OPTIONS="halt_on_error=0:exitcode=66:second_deadlock_stack=1" \
			$PYTEST tests/mount/test_concurrency.py \
			--junitxml="$results/pytest-tsan-mount.xml" || status=1
		counted="$counted $results/pytest-tsan-mount.xml"
	fi
	# ---- end of ThreadSanitizer over a real mount ----
fi

# ---- the Debian package (tests/package/, debian/): built in a copy of
# the tree with dpkg-buildpackage, lintian-clean, installed, the demo
# mounted from /usr/bin/orgfs, purged; and what setup.sh and demo.sh
# install and print.  About a minute ----
$PYTEST tests/package --junitxml="$results/pytest-package.xml" || status=1
counted="$counted $results/pytest-package.xml"
# ---- end of the Debian package ----

# ---- fuzzing (scripts/fuzz.sh, tests/fuzz/): 15 s per libFuzzer harness,
# clang + ASan + UBSan in build-fuzz; one JUnit testcase per harness ----
scripts/fuzz.sh --junit "$results/fuzz.xml" 15 || status=1
counted="$counted $results/fuzz.xml"
# ---- end of fuzzing ----

/usr/bin/python3 scripts/count.py $counted || status=1
rm -rf "$results"
exit $status
