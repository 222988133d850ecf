#!/usr/bin/env bash
# The README's test command: installs the dependencies, builds, and runs
# every test (unit tests; integration tests too when run as root).
#   scripts/test.sh             ./build, -O2
#   scripts/test.sh --sanitize  ./build-asan with AddressSanitizer and UBSan:
#                               any report from any process fails the run
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] && "$top/scripts/deps.sh"
args=()
if [ "${1:-}" = --sanitize ]; then
	shift
	export BUILD_DIR=build-asan
	san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
	args=(CFLAGS="-O1 -g $san" LDFLAGS="$san")
	mkdir -p "$top/$BUILD_DIR/sanitizer"
	rm -f "$top/$BUILD_DIR"/sanitizer/*
	export ASAN_OPTIONS="detect_leaks=1:log_path=$top/$BUILD_DIR/sanitizer/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:log_path=$top/$BUILD_DIR/sanitizer/ubsan"
	export STRESS_RUNS=${STRESS_RUNS:-1}
fi
b=${BUILD_DIR:-build}
"$top/scripts/build.sh" "${args[@]}" "$@"
cd "$top/$b"
rc=0
make -j1 check >make-check.out 2>&1 || rc=$?
grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):|^# ' make-check.out || true
[ $rc -eq 0 ] || { echo "make check failed; logs: $top/$b/tests/*/*.log"; \
	for f in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find . -name '*.trs')); do \
		echo "== ${f%.trs}.log"; tail -40 "${f%.trs}.log"; done; }
if [ -d sanitizer ] && [ -n "$(ls sanitizer)" ]; then
	echo "sanitizer reports:"
	head -60 sanitizer/*
	rc=1
fi
exit $rc
