#!/bin/sh
# Debian packages the benchmarks need beyond scripts/setup.sh: boto3 and the
# AWS CLI (the "what users do today" side of cold_audit.py), perf and
# valgrind (profiles).  Safe to run again: installs only what is missing.
set -e
pkgs=""
for p in python3-boto3 awscli linux-perf valgrind; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		pkgs="$pkgs $p"
done
[ -z "$pkgs" ] && exit 0
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $pkgs
