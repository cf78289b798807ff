#!/bin/bash
# pin_floor.sh [N] [ROUNDS]: what a FUSE request costs across the CPUs of
# this machine.  Cold `grep -r .` of the --demo=N tree (default 300) on a
# tmpfs copy, on memfs over that copy and on orgfs, each free and with
# the daemon and grep pinned to one CPU (taskset -c 0), memfs also with
# the daemon on CPU 1 and grep on CPU 0; ROUNDS alternating rounds
# (default 3); wall seconds and grep's CPU.  Run as root, one benchmark
# at a time; ORGFS_BUILD_DIR as for the other scripts (default build/).
set -u
n=${1:-300}
rounds=${2:-3}
build=${ORGFS_BUILD_DIR:-$(dirname "$0")/../../build}
orgfs=$build/fs/orgfs
memfs=$build/tests/bench/memfs
[ -x "$memfs" ] || { echo "pin_floor.sh: no $memfs (build with -Dtests=enabled)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "pin_floor.sh: needs 2 CPUs" >&2; exit 1; }
work=$(mktemp -d /tmp/bench-pin-XXXXXX)
src=$work/src
mnt=$work/mnt
mkdir -p "$src" "$mnt"
cleanup() {
	mountpoint -q "$mnt" && fusermount3 -u "$mnt"
	mountpoint -q "$src" && umount "$src"
	rm -rf "$work"
}
trap cleanup EXIT
mount -t tmpfs -o size=4G tmpfs "$src"
"$orgfs" --demo="$n" -o ttl=3600 "$mnt"
(cd "$mnt" && tar cf - --exclude=./.orgfs . 2>/dev/null) | (cd "$src" && tar xf -)
fusermount3 -u "$mnt"
echo "# cold grep -r . of --demo=$n ($(find "$src" | wc -l) entries), $rounds rounds"
echo "# $(grep -o 'guest_halt_poll_ns=[0-9]*' /proc/cmdline || echo 'guest_halt_poll_ns not set'), $(nproc) CPUs"

wait_mounted() {
	for _ in $(seq 200); do mountpoint -q "$mnt" && return 0; sleep 0.05; done
	echo "pin_floor.sh: $mnt not mounted" >&2; exit 1
}
# grep_on WHERE CMD...: run grep -r on $WHERE, print "wall cpu"
grep_on() {
	local where=$1; shift
	local s e
	s=$(date +%s.%N)
	"$@" bash -c "grep -r . $where >/dev/null 2>&1; times" >"$work/times"
	e=$(date +%s.%N)
	echo "$(echo "$e - $s" | bc) $(tail -1 "$work/times" | awk '{gsub("m"," ");gsub("s","");print $1*60+$2+$3*60+$4}')"
}
declare -A wall cpu
run() {   # run NAME FS DAEMON_PIN GREP_PIN
	local name=$1 fs=$2 dp=$3 gp=$4 out
	local pd=() pg=()
	[ -n "$dp" ] && pd=(taskset -c "$dp")
	[ -n "$gp" ] && pg=(taskset -c "$gp")
	case $fs in
	tmpfs) out=$(grep_on "$src" "${pg[@]}") ;;
	memfs) "${pd[@]}" "$memfs" "$src" "$mnt"; wait_mounted
	       out=$(grep_on "$mnt" "${pg[@]}"); fusermount3 -u "$mnt" ;;
	orgfs) "${pd[@]}" "$orgfs" --demo="$n" -o ttl=3600 "$mnt"; wait_mounted
	       out=$(grep_on "$mnt" "${pg[@]}"); fusermount3 -u "$mnt" ;;
	esac
	wall[$name]+="${out%% *} "
	cpu[$name]+="${out##* } "
}
names=("tmpfs" "memfs free" "memfs pinned to CPU 0" "memfs CPU 1, grep CPU 0" "orgfs free" "orgfs pinned to CPU 0")
for _ in $(seq "$rounds"); do
	run "tmpfs" tmpfs "" ""
	run "memfs free" memfs "" ""
	run "memfs pinned to CPU 0" memfs 0 0
	run "memfs CPU 1, grep CPU 0" memfs 1 0
	run "orgfs free" orgfs "" ""
	run "orgfs pinned to CPU 0" orgfs 0 0
done
med() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
base=$(echo "${wall[tmpfs]}" | med)
printf '%-26s %-24s %8s %8s %s\n' source "wall s (rounds)" median "/ tmpfs" "grep CPU s (rounds)"
for k in "${names[@]}"; do
	m=$(echo "${wall[$k]}" | med)
	printf '%-26s %-24s %8.2f %8.2f %s\n' "$k" "$(printf '%.2f ' ${wall[$k]})" "$m" \
		"$(echo "$m / $base" | bc -l)" "$(printf '%.2f ' ${cpu[$k]})"
done
