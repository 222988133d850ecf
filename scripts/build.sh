#!/usr/bin/env bash
# Builds netisol out of tree in ./build, or $BUILD_DIR (configure
# --enable-werror). Extra configure arguments (e.g. CFLAGS=...) pass through.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
	autoreconf -fi >/dev/null
b=${BUILD_DIR:-build}
mkdir -p "$b"
cd "$b"
if [ ! -f Makefile ] || [ "$*" != "$(cat .configure-args 2>/dev/null)" ]; then
	../configure --enable-werror "$@" >/dev/null
	printf '%s' "$*" > .configure-args
fi
make -j"$(nproc)" >/dev/null
echo "built: $top/$b/netisold $top/$b/netisolctl"
