#!/usr/bin/env bash
# Benchmark (not a test) of traffic accounting:
#  - the per-packet cost of counting: iperf3 UDP (1400 B) and TCP from the
#    world into one container with its counting filters, and with them
#    deleted by hand, alternating, median of 3 runs each;
#  - one collection pass over 512 containers with traffic in 3 classes each
#    (class 1, class 2, local; plus ARP in default) since the pass before:
#    netisol_accounting_pass_seconds after each of 3 rounds;
#  - the database after a simulated 31 days at 512 containers x 3 classes
#    (tests/bench/acct_sim: minutes for the last 48 h, hours before).
# Writes bench/acct_results.json.
# Usage: scripts/bench_acct.sh [CONTAINERS] [--no-sim]   (root; a throw-away sandbox)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-512}
SIM=1; [ "${2:-}" = --no-sim ] && SIM=0
top_builddir=$top/build
. "$top/scripts/sandbox.sh"
trap sandbox_down EXIT
sandbox_up
W=$SB_WORLD_IP H=$SB_HOST_IP W2=198.19.0.1
sb_world ip addr add $W2/32 dev lo
printf '1 0.0.0.0/0\n2 198.19.0.0/16\n' >"$SB_DIR/classes"
mkdir -p "$top/bench"

agent_start --resources='ports:[31000-32000];ephemeral_ports:[32768-57343]' \
	--ephemeral_ports_per_container=16 --accounting_interval=30secs \
	--network_classes="$SB_DIR/classes" >/dev/null || { cat "$SB_DIR/agent.log"; exit 1; }
metric() { sb_host curl -s http://127.0.0.1:5051/metrics | awk -v m="$1" '$1 == m { print $2 }'; }
# gbps MODE: received Gbit/s, world -> c0 port 31000, client and server
# pinned to different CPUs.
gbps() {
	local extra=(); [ "$1" = udp ] && extra=(-u -b 0 -l 1400)
	sb_bg ctl exec c0 -- taskset -c 0 iperf3 -s -1 -p 31000 >/dev/null 2>&1
	sleep 0.5
	sb_world taskset -c 1 iperf3 -c "$H" -p 31000 -t 3 -O 1 -J "${extra[@]}" 2>/dev/null |
		jq -r "if .end.sum_received then .end.sum_received.bits_per_second
		       else .end.sum.bits_per_second * (100 - .end.sum.lost_percent) / 100 end / 1e9"
}
med3() { sort -n | sed -n 2p; }
echo "== the cost of counting (world -> one container, median of 3)"
api POST /containers '{"container_id":"c0","ports":"[31000-31000]"}'
v0=$(ctl list --json | jq -r '.[0].host_veth')
declare -A res
for mode in udp tcp; do
	on=() off=()
	for _ in 1 2 3; do
		on+=("$(gbps $mode)")
		sb_host tc filter del dev "$v0" ingress prio 1 2>/dev/null
		sb_host tc filter del dev "$v0" egress prio 1 2>/dev/null
		off+=("$(gbps $mode)")
		# counting back on: a new container gets its filters anew
		api DELETE /containers/c0
		api POST /containers '{"container_id":"c0","ports":"[31000-31000]"}'
		v0=$(ctl list --json | jq -r '.[0].host_veth')
	done
	res[$mode.on]=$(printf '%s\n' "${on[@]}" | med3)
	res[$mode.off]=$(printf '%s\n' "${off[@]}" | med3)
	printf '   %s: %.2f Gbit/s counted, %.2f without counting: %.3f\n' "$mode" \
		"${res[$mode.on]}" "${res[$mode.off]}" \
		"$(awk -v a="${res[$mode.on]}" -v b="${res[$mode.off]}" 'BEGIN { print a / b }')"
done
api DELETE /containers/c0

echo "== creating $N containers"
for i in $(seq "$N"); do
	api POST /containers "{\"container_id\":\"b$i\"}"
	[ "$API_STATUS" = 201 ] || { echo "create b$i: $API_STATUS $API_BODY" >&2; exit 1; }
done
wait_pass() {	# until netisol_accounting_passes_total moves
	local p0; p0=$(metric netisol_accounting_passes_total)
	while [ "$(metric netisol_accounting_passes_total)" = "$p0" ]; do sleep 0.5; done
}
passes=()
for round in 1 2 3; do
	wait_pass
	start=$(date +%s)
	pids=()	# not a bare 'wait': the agent is a child of this shell too
	for i in $(seq "$N"); do
		ctl exec "b$i" -- sh -c "ping -q -c1 -W1 $W; ping -q -c1 -W1 $W2; ping -q -c1 -W1 $H" >/dev/null &
		pids+=($!)
		if [ ${#pids[@]} = 16 ]; then wait "${pids[@]}" || true; pids=(); fi
	done
	[ ${#pids[@]} = 0 ] || wait "${pids[@]}" || true
	took=$(( $(date +%s) - start ))
	[ "$took" -lt 28 ] || echo "   (round $round took ${took}s: the pass may not hold every container)"
	wait_pass
	s=$(metric netisol_accounting_pass_seconds)
	passes+=("$s")
	printf '   round %d: pass over %d containers: %.1f ms\n' "$round" "$N" "$(awk -v s="$s" 'BEGIN { print s * 1000 }')"
done
rows=$(sqlite3 "file:$SB_DIR/work/netisol.db?mode=ro" "SELECT COUNT(DISTINCT ck || '/' || ci) FROM acct_minute")
echo "   $rows container x class series in the minute history"
med=$(printf '%s\n' "${passes[@]}" | sort -n | sed -n 2p)

sim='null'
if [ $SIM = 1 ]; then
	echo "== simulated 31 days at $N containers x 3 classes (takes minutes)"
	d=$(mktemp -d /tmp/nis-acct-sim.XXXXXX)
	sim=$("$top_builddir/tests/bench/acct_sim" "$d" "$N" 3 31)
	rm -rf "$d"
	echo "   $sim"
fi
printf '{"udp_gbps_counted": %s, "udp_gbps_uncounted": %s, "tcp_gbps_counted": %s, "tcp_gbps_uncounted": %s, "containers": %d, "classes": 3, "series": %d, "pass_ms": [%s], "pass_ms_median": %.2f, "sim": %s}\n' \
	"${res[udp.on]}" "${res[udp.off]}" "${res[tcp.on]}" "${res[tcp.off]}" "$N" "$rows" "$(printf '%s\n' "${passes[@]}" | awk '{ printf "%s%.2f", (NR > 1 ? "," : ""), $1 * 1000 }')" \
	"$(awk -v s="$med" 'BEGIN { print s * 1000 }')" "$sim" | tee "$top/bench/acct_results.json"
