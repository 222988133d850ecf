#!/usr/bin/env bash
# The README's test command: installs the dependencies, builds, and runs
# every test (unit tests; integration tests too when run as root).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] && "$top/scripts/deps.sh"
"$top/scripts/build.sh" "$@"
cd "$top/build"
rc=0
make -j1 check >make-check.out 2>&1 || rc=$?
grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):|^# ' make-check.out || true
[ $rc -eq 0 ] || { echo "make check failed; logs: $top/build/tests/*/*.log"; \
	for f in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find . -name '*.trs')); do \
		echo "== ${f%.trs}.log"; tail -40 "${f%.trs}.log"; done; }
exit $rc
