#!/bin/sh
# setup.sh - install what orgfs needs on Debian 12.
#   setup.sh           to build, run and test it (scripts/test.sh)
#   setup.sh --build   to build and run it only (scripts/demo.sh)
# Safe to run again: installs only what is missing, and says so in one
# line; apt's output is shown only when it fails.  Needs root (or sudo).
set -eu

# to build and run orgfs
BUILD="meson ninja-build pkg-config gcc libfuse3-dev fuse3
libcurl4-openssl-dev libjansson-dev libssl-dev libinih-dev libxml2-dev"
# to test it: Check, the fake endpoint, sanitizers and fuzzers, the
# Debian package (tests/package)
TEST="clang check python3 python3-botocore python3-pytest
python3-pytest-xdist valgrind attr gdb rsync libclang-rt-14-dev
build-essential dpkg-dev debhelper lintian bash-completion"

case "${1:-}" in
--build) PKGS=$BUILD ;;
'') PKGS="$BUILD $TEST" ;;
*) echo "usage: $0 [--build]" >&2; exit 2 ;;
esac

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing from Debian:$missing" >&2
log=$(mktemp /tmp/orgfs-setup.XXXXXX)
# shellcheck disable=SC2086
if ! { $SUDO apt-get update -qq &&
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends $missing; } >"$log" 2>&1; then
	cat "$log" >&2
	rm -f "$log"
	echo "setup: apt-get failed (above)" >&2
	exit 1
fi
rm -f "$log"
