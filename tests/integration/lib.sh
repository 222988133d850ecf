# lib.sh - sourced by every integration test: TAP output, root check, and
# the sandbox fixture, torn down on any exit.
top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
. "$top_srcdir/scripts/sandbox.sh"

T_N=0
T_FAILED=0

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP integration tests need root"
	exit 0
fi

ok() {	# ok CONDITION-EXIT-STATUS DESCRIPTION
	local rc=$1; shift
	T_N=$((T_N + 1))
	if [ "$rc" = 0 ]; then
		echo "ok $T_N - $*"
	else
		echo "not ok $T_N - $*"
		T_FAILED=$((T_FAILED + 1))
	fi
}

diag() { echo "# $*"; }

t_done() {
	echo "1..$T_N"
	[ "$T_FAILED" = 0 ]
}

trap 'sandbox_down' EXIT
sandbox_up
