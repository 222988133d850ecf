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

# settle: waits (up to 10 s) until the agent has deleted the veths and
# netns handles of destroyed containers (DELETE answers before that). No
# agent running: nothing to wait for.
settle() {
	[ -n "$SB_AGENT_PID" ] || return 0
	for _ in $(seq 200); do
		api GET /metrics
		[ "$API_STATUS" = 200 ] || return 0
		grep -q '^netisol_containers_destroying 0$' <<<"$API_BODY" && return 0
		sleep 0.05
	done
	diag "destroyed containers still being removed after 10 s"
}

# kernel_state: what the agent's objects in the host namespace look like;
# equal before a create and after its DELETE (or its rollback).
# The agent's second-level tables (and the nodes linking to them) stay once
# made, like the first level: they are not a container's.
kernel_state() {
	settle
	local infra='fh [1-4][0-9a-f][0-9a-f]: ht divisor|fh 10:[0-9a-f]*:ff[ef] '
	sb_host ip -o link show | grep -o 'nis[0-9a-f]*' | sort
	sb_host tc filter show dev eth0 ingress | grep 'fh ' | grep -cvE "$infra"
	sb_host tc filter show dev lo ingress | grep 'fh ' | grep -cvE "$infra"
	ls "$SB_DIR/run/netns"
	grep -c "$SB_DIR/run/netns/" /proc/mounts
}

# billed CT DIR: CT's all-time bytes in DIR (rx, tx) in the history, all
# classes (from /metrics)
billed() {
	api GET /metrics
	awk -v c="$1" -v d="$2" '$0 ~ "^netisol_accounting_bytes_total\\{container_id=\"" c "\".*direction=\"" d "\"" { s += $2 } END { print s + 0 }' <<<"$API_BODY"
}

trap 'sandbox_down' EXIT
sandbox_up
