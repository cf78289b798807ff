#!/bin/sh
# setup.sh - install what orgfs needs to build, run and test on Debian 12.
# Safe to run again: installs only what is missing.  Needs root (or sudo).
set -eu

PKGS="meson ninja-build pkg-config gcc clang libfuse3-dev fuse3
libcurl4-openssl-dev libjansson-dev libssl-dev libinih-dev libxml2-dev
check python3 python3-botocore python3-pytest python3-pytest-xdist valgrind attr gdb
libclang-rt-14-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing:$missing" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
