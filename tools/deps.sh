#!/bin/bash
# Install every Debian package ntmobile needs to build, test, demo and benchmark.
# Idempotent: packages already installed are left alone, apt is not touched when
# nothing is missing.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
	echo "deps: must run as root (apt-get install)" >&2
	exit 1
fi

pkgs=(
	build-essential clang llvm lld pkg-config kmod cpio
	libnftnl-dev libmnl-dev libnetfilter-conntrack-dev libnetfilter-queue-dev
	libssl-dev libcmocka-dev libldns-dev libsqlite3-dev
	nftables conntrack iproute2 iputils-ping iperf3 curl python3 tcpdump ethtool
	linux-image-amd64 linux-headers-amd64
	qemu-system-x86 busybox-static procps
	sip-tester coturn wireguard-tools linux-perf gnuplot-nox valgrind jq shellcheck
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

# The newest Debian 12 backports 6.12 headers: the module must also build there.
if ! ls -d /usr/src/linux-headers-6.12.*+deb12-amd64 >/dev/null 2>&1; then
	missing+=("6.12-headers")
fi

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "deps: all packages present"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
h612=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9.]+\+deb12-amd64$' |
	awk '{print $1}' | sort -V | tail -n 1)
if [[ -z $h612 ]]; then
	echo "deps: no linux-headers-6.12.*+deb12-amd64 package in the archive" >&2
	exit 1
fi
apt-get install -y -q --no-install-recommends "${pkgs[@]}" "$h612"
# coturn is installed as a benchmark peer only: never as a running service.
systemctl disable --now coturn >/dev/null 2>&1 || true
echo "deps: installed ${missing[*]}"
