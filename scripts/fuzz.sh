#!/bin/sh
# fuzz.sh - build the libFuzzer harnesses (tests/fuzz/) with clang, ASan and
#   UBSan in build-fuzz/ and run each one for a bounded time, starting from
#   a copy of its seed corpus and past crashes (tests/fuzz/corpus/<name>/,
#   tests/fuzz/regressions/<name>/; nothing is written into the tree).
#   Exits non-zero when a harness crashes, leaks, times out or fails a
#   property, and prints the reproducer's path.
# Usage: scripts/fuzz.sh [--junit FILE] [SECONDS]   (default 20 per harness)
#   --junit FILE  also write a JUnit XML report, one testcase per harness
# Harnesses run $(nproc) at a time.  FUZZ_BUILD_DIR overrides build-fuzz.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
junit=""
if [ "${1:-}" = "--junit" ]; then
	junit=${2:?--junit needs a file}
	shift 2
fi
secs=${1:-20}
case $secs in
''|*[!0-9]*) echo "usage: scripts/fuzz.sh [--junit FILE] [SECONDS]" >&2; exit 2 ;;
esac

scripts/setup.sh || { echo "fuzz.sh: setup failed" >&2; exit 1; }

work=$(mktemp -d /tmp/orgfs-fuzz.XXXXXX)
bdir=${FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$bdir/build.ninja" ]; then
	CC=clang meson setup "$bdir" -Dfuzz=true -Dtests=disabled \
		-Db_sanitize=address,undefined -Db_lundef=false \
		>"$work/setup.log" 2>&1 ||
		{ cat "$work/setup.log" >&2; echo "fuzz.sh: setup of $bdir failed" >&2; exit 1; }
fi
# set up before -Dtests became a feature, tests=false reads as auto
if grep -q "^build tests/unit/" "$bdir/build.ninja"; then
	meson configure "$bdir" -Dtests=disabled >"$work/setup.log" 2>&1 ||
		{ cat "$work/setup.log" >&2; exit 1; }
fi
names=""
for f in tests/fuzz/fuzz_*.c; do
	n=${f#tests/fuzz/fuzz_}
	names="$names ${n%.c}"
done
# meson looks for harness sources when configuring: a new one needs that
for n in $names; do
	grep -q "^build tests/fuzz/fuzz_$n:" "$bdir/build.ninja" ||
		{ meson setup --reconfigure "$bdir" >"$work/setup.log" 2>&1; break; }
done
ninja -C "$bdir" >"$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; echo "fuzz.sh: build failed" >&2; exit 1; }

# halt_on_error so a UBSan report is a crash libFuzzer saves
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1

run_one() {
	n=$1
	d="$work/$n"
	mkdir -p "$d/corpus"
	for src in "tests/fuzz/corpus/$n" "tests/fuzz/regressions/$n"; do
		[ -d "$src" ] && cp "$src"/* "$d/corpus/" 2>/dev/null
	done
	# the outer timeout only guards against libFuzzer itself hanging
	timeout $((secs + 120)) "$bdir/tests/fuzz/fuzz_$n" \
		-max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 \
		-max_len=8192 -print_final_stats=1 \
		-artifact_prefix="$d/" "$d/corpus" >"$d/log" 2>&1
	echo $? >"$d/rc"
}

jobs=$(nproc 2>/dev/null || echo 2)
i=0
for n in $names; do
	run_one "$n" &
	i=$((i + 1))
	if [ "$i" -ge "$jobs" ]; then
		wait
		i=0
	fi
done
wait

status=0
failures=0
cases=""
printf '%-10s %6s %8s %8s %7s  %s\n' harness result cov corpus exec/s note
for n in $names; do
	d="$work/$n"
	rc=$(cat "$d/rc" 2>/dev/null || echo 1)
	cov=$(grep -o 'cov: [0-9]*' "$d/log" | tail -1 | cut -d' ' -f2)
	corp=$(grep -o 'corp: [0-9]*' "$d/log" | tail -1 | cut -d' ' -f2)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$d/log")
	art=$(ls "$d"/crash-* "$d"/leak-* "$d"/timeout-* "$d"/oom-* \
		"$d"/slow-unit-* 2>/dev/null | head -1)
	note=""
	if [ "$rc" -ne 0 ]; then
		status=1
		failures=$((failures + 1))
		note="exit $rc: ${art:-no reproducer saved}"
		echo "---- fuzz_$n (exit $rc), last lines of $d/log:" >&2
		tail -30 "$d/log" >&2
		[ -n "$art" ] && {
			echo "fuzz.sh: fuzz_$n failed; reproduce with:" >&2
			echo "  $bdir/tests/fuzz/fuzz_$n $art" >&2
			echo "then add it to tests/fuzz/regressions/$n/ with the fix" >&2
		}
		msg=$(printf '%s' "$note" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g')
		cases="$cases<testcase classname=\"fuzz\" name=\"fuzz_$n\" time=\"$secs\"><failure message=\"$msg\"/></testcase>"
	else
		cases="$cases<testcase classname=\"fuzz\" name=\"fuzz_$n\" time=\"$secs\"/>"
	fi
	printf '%-10s %6s %8s %8s %7s  %s\n' "$n" "$([ "$rc" -eq 0 ] && echo ok || echo FAIL)" \
		"${cov:--}" "${corp:--}" "${eps:--}" "$note"
done

if [ -n "$junit" ]; then
	count=$(echo $names | wc -w)
	printf '<?xml version="1.0" encoding="utf-8"?>\n<testsuite name="fuzz" tests="%d" failures="%d" errors="0" skipped="0">%s</testsuite>\n' \
		"$count" "$failures" "$cases" >"$junit"
fi

if [ "$status" -eq 0 ]; then
	rm -rf "$work"
else
	echo "fuzz.sh: logs and reproducers kept in $work" >&2
fi
exit $status
