#!/usr/bin/env bash
# Installs what netisol needs to build, test and demo on Debian 12 (root).
# Idempotent: installs only what is missing.
set -euo pipefail
pkgs=(build-essential autoconf automake libtool pkg-config
      libnl-3-dev libnl-route-3-dev libmicrohttpd-dev libjansson-dev
      libsqlite3-dev check iproute2 iperf3 iputils-ping arping curl util-linux
      jq socat sqlite3 clang libclang-rt-14-dev
      podman containernetworking-plugins busybox-static runc catatonit
      protobuf-compiler python3-protobuf prometheus libjs-chart.js chromium)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# prometheus: tests/integration/prometheus.sh runs /usr/bin/prometheus
	# itself, on its own port in the sandbox's namespace; the package's
	# service (if the init system starts it) is never used.
	apt-get install -y -qq "${missing[@]}" >/dev/null
fi
